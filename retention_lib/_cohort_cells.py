"""Cohort counts of an in-memory pandas log by one integer sort (the pandas route of
:mod:`retention_lib.cohorts`).

Every cohort table rests on the *cells* of the log: one per (customer, calendar period) with
a row in it, flagged when the period holds a purchase. Here text ids become order-preserving
integer keys (:class:`retention_lib._ids.IdKeys`), each row one 64-bit integer packing (key,
period[, row]), and a single ``np.sort`` yields the cells in (customer, period) order; run
boundaries and ``np.bincount`` give the counts. This is several times faster than one pandas
group-by on the text ids. Logs it cannot pack (ids that are not text or too long, time-zone
aware or non-numpy dtypes, a ``by`` column) take the narwhals query in ``cohorts.py``; the
tests check that both give the same tables.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._ids import IdKeys
from ._schema import period_index_array, purchase_mask
from .clv._sorted import run_starts

_NONE = np.iinfo(np.int64).max  # "no cohort" marker in per-customer arrays


@dataclass
class Cells:
    """The (customer, period) cells of a log, sorted by customer key, then period.

    ``bought`` flags the cells with a purchase; ``cohort`` is the cell's customer's first
    period with a purchase (``_NONE`` for customers without one); ``revenue`` and ``rows``
    (sum of all amounts and number of rows in the cell) are only there when asked for.
    """

    key: np.ndarray
    period: np.ndarray
    bought: np.ndarray
    cohort: np.ndarray
    revenue: np.ndarray | None = None
    rows: np.ndarray | None = None

    def where(self, mask: np.ndarray) -> Cells:
        pick = lambda a: None if a is None else a[mask]  # noqa: E731
        return Cells(
            self.key[mask],
            self.period[mask],
            self.bought[mask],
            self.cohort[mask],
            pick(self.revenue),
            pick(self.rows),
        )


def applies(frame: object, by: str | None) -> bool:
    """Whether the kernel handles this input: a pandas frame with naive numpy datetimes, numpy
    numeric amounts and (if present) a numpy boolean ``is_return``, and no ``by``."""
    if by is not None or not isinstance(frame, pd.DataFrame):
        return False
    need = ("customer_id", "timestamp", "amount")
    if not all(c in frame.columns for c in need):
        return False
    ts, amount = frame["timestamp"].dtype, frame["amount"].dtype
    ok = isinstance(ts, np.dtype) and ts.kind == "M"
    ok = ok and isinstance(amount, np.dtype) and amount.kind in "fiu"
    if "is_return" in frame.columns:
        ok = ok and frame["is_return"].dtype == np.dtype(bool)
    return ok


def cells(
    frame: pd.DataFrame, *, period: str, end: pd.Timestamp | None, revenue: bool
) -> Cells | None:
    """The cells of ``frame`` (rows up to ``end`` when given); only the purchase cells unless
    ``revenue``. None when the ids do not encode or the packed integers overflow 63 bits."""
    encoded = IdKeys.encode(frame["customer_id"])
    if encoded is None:
        return None
    keys = encoded[0]
    ts = frame["timestamp"].to_numpy()
    amount = frame["amount"].to_numpy(dtype=float)
    purchase = purchase_mask(frame)
    keep = purchase if not revenue else np.ones(len(frame), dtype=bool)
    if end is not None:
        keep = keep & (ts <= end.to_datetime64())
    pidx = period_index_array(ts, period)
    if not keep.all():
        rows = np.flatnonzero(keep)
        keys, pidx, amount, purchase = keys[rows], pidx[rows], amount[rows], purchase[rows]
    n = len(keys)
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return Cells(empty, empty, empty.astype(bool), empty, empty.astype(float), empty)
    low = int(pidx.min())
    pidx = pidx - low
    period_bits = max(int(pidx.max()).bit_length(), 1)
    row_bits = (n - 1).bit_length() if revenue else 0
    if int(keys.max()).bit_length() + period_bits + row_bits > 63:
        return None
    packed = keys << (period_bits + row_bits)
    packed |= pidx << row_bits
    if revenue:
        packed |= np.arange(n, dtype=np.int64)
    packed.sort()
    if revenue:
        order = packed & ((1 << row_bits) - 1)
        packed >>= row_bits
    starts = run_starts(packed)
    merged = packed[starts]
    key = merged >> period_bits
    per = (merged & ((1 << period_bits) - 1)) + low
    if revenue:
        bought = np.logical_or.reduceat(purchase[order], starts)
        out = Cells(key, per, bought, per, np.add.reduceat(amount[order], starts))
        out.rows = np.diff(np.append(starts, n))
    else:
        out = Cells(key, per, np.ones(len(key), dtype=bool), per)
    out.cohort = _cohort_of_cells(out)
    return out


def _customer_starts(c: Cells) -> np.ndarray:
    return run_starts(c.key)


def _cohort_of_cells(c: Cells) -> np.ndarray:
    """The first bought period of each cell's customer (``_NONE`` without a purchase)."""
    starts = _customer_starts(c)
    if len(starts) == 0:
        return c.period.copy()
    if c.revenue is None:  # purchase cells only: a customer's first cell is the cohort
        first = c.period[starts]
    else:
        first = np.minimum.reduceat(np.where(c.bought, c.period, _NONE), starts)
    return np.repeat(first, np.diff(np.append(starts, len(c.key))))


def _count(a: np.ndarray, b: np.ndarray, weights=None) -> tuple[np.ndarray, ...]:
    """Distinct (a, b) pairs (sorted) and the number of entries (or sum of ``weights``) of
    each; ``a`` and ``b`` are small-range integers."""
    if len(a) == 0:
        e = np.zeros(0, dtype=np.int64)
        return e, e, (e if weights is None else e.astype(float))
    a0, b0 = int(a.min()), int(b.min())
    span = int(b.max()) - b0 + 1
    code = (a - a0) * span + (b - b0)
    size = (int(a.max()) - a0 + 1) * span
    counts = np.bincount(code, minlength=size)
    present = np.flatnonzero(counts)
    if weights is None:
        values = counts[present].astype(np.int64)
    else:
        values = np.bincount(code, weights=weights, minlength=size)[present]
    return present // span + a0, present % span + b0, values


def active_counts(c: Cells) -> pd.DataFrame:
    """Customers buying in each (cohort, period_number) cell (``cohort_idx, period_number,
    customers``)."""
    b = c.where(c.bought)
    cohort, k, n = _count(b.cohort, b.period - b.cohort)
    return pd.DataFrame({"cohort_idx": cohort, "period_number": k, "customers": n})


def last_counts(c: Cells) -> pd.DataFrame:
    """Customers whose last purchase is ``period_number`` periods after their cohort."""
    b = c.where(c.bought)
    starts = _customer_starts(b)
    ends = np.append(starts[1:], len(b.key)) - 1
    cohort, k, n = _count(b.cohort[starts], b.period[ends] - b.cohort[starts])
    return pd.DataFrame({"cohort_idx": cohort, "period_number": k, "customers": n})


def revenue_counts(c: Cells) -> tuple[pd.DataFrame, float, int]:
    """Revenue per (cohort, period_number) cell from the cohort's period on, and the revenue
    and rows outside every cohort (customers without a purchase, returns before it)."""
    inside = (c.cohort != _NONE) & (c.period >= c.cohort)
    i = c.where(inside)
    cohort, k, revenue = _count(i.cohort, i.period - i.cohort, weights=i.revenue)
    _, _, buyers = _count(i.cohort, i.period - i.cohort, weights=i.bought.astype(float))
    table = pd.DataFrame(
        {
            "cohort_idx": cohort,
            "period_number": k,
            "revenue": revenue,
            "buyers": buyers.astype(np.int64),
        }
    )
    assert c.revenue is not None and c.rows is not None  # cells built with revenue
    return table, float(c.revenue[~inside].sum()), int(c.rows[~inside].sum())


def churn_counts(c: Cells) -> pd.DataFrame:
    """Per period: customers buying in it (``customers_end``), those whose first purchase it
    is (``new``) and those who also bought in the period before (``retained``)."""
    b = c.where(c.bought)
    previous_same = np.zeros(len(b.key), dtype=bool)
    previous_same[1:] = (b.key[1:] == b.key[:-1]) & (b.period[1:] == b.period[:-1] + 1)
    if len(b.key) == 0:
        e = np.zeros(0, dtype=np.int64)
        return pd.DataFrame({"pidx": e, "customers_end": e, "new": e, "retained": e})
    low = int(b.period.min())
    p = b.period - low
    end = np.bincount(p)
    present = np.flatnonzero(end)
    new = np.bincount(p, weights=(b.period == b.cohort))[present]
    retained = np.bincount(p, weights=previous_same)[present]
    return pd.DataFrame(
        {
            "pidx": present + low,
            "customers_end": end[present].astype(np.int64),
            "new": new.astype(np.int64),
            "retained": retained.astype(np.int64),
        }
    )
