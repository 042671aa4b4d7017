"""Retention rates from customer counts and from a transaction log: churn, retention,
re-buy and upsell rates, and the table of customers kept and lost over a period.

Rates are fractions in [0, 1] (percent is a display format). The cohort-level churn, retention
and repeat-purchase tables live in :mod:`retention_lib.cohorts`
(:func:`~retention_lib.cohorts.churn_table`,
:func:`~retention_lib.cohorts.repeat_purchase_rates`); the functions here are the scalar
versions for one period.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import narwhals as nw
import pandas as pd

from .. import _reading as say
from .._backend import check_log, collect, columns_of, datetime_lit, require_lazy_columns, to_lazy
from .._schema import check_by, purchase_expr
from .._validation import (
    DataValidationError,
    SmallSampleWarning,
    require_column_name,
    require_date,
    require_frame_columns,
    require_number,
    require_whole_number,
)
from ..groups import MIN_GROUP_CUSTOMERS, ranked_groups

__all__ = [
    "churn_rate",
    "customer_counts",
    "describe_customer_counts",
    "kpi_summary",
    "rebuy_rate",
    "retention_rate",
    "upsell_rate",
]


def _count(value: Any, name: str) -> float:
    v = require_number(value, name=name)
    if not math.isfinite(v) or v < 0:
        raise DataValidationError(f"`{name}` must be a finite count >= 0; got {value!r}.")
    return v


def churn_rate(lost: float, start: float) -> float:
    """Churn rate as a fraction.

    ``churn rate = lost / S``: customers lost during the period over customers at
    its start.

    Parameters
    ----------
    lost : float
        Customers lost in the period (0 <= lost <= start).
    start : float
        Customers at the start of the period (S > 0).

    Returns
    -------
    float
        Fraction in [0, 1].

    Examples
    --------
    >>> churn_rate(20, 200)
    0.1
    """
    lost, start = _count(lost, "lost"), _count(start, "start")
    if start == 0:
        raise DataValidationError("`start` is 0: the churn rate needs customers at the start.")
    if lost > start:
        raise DataValidationError(
            f"`lost` ({lost:g}) exceeds `start` ({start:g}): only customers present at the start "
            "can be lost. Count new customers who left separately."
        )
    return lost / start


def retention_rate(end: float, new: float, start: float) -> float:
    """Customer retention rate as a fraction.

    ``retention rate = (E - N) / S`` with E customers at the end of the period, N
    new customers gained during it and S customers at its start.

    Parameters
    ----------
    end, new, start : float
        E, N and S (S > 0, 0 <= E - N <= S).

    Returns
    -------
    float
        Fraction in [0, 1].

    Examples
    --------
    >>> retention_rate(end=190, new=30, start=200)
    0.8
    """
    end, new, start = _count(end, "end"), _count(new, "new"), _count(start, "start")
    if start == 0:
        raise DataValidationError("`start` is 0: the retention rate needs customers at the start.")
    kept = end - new
    if kept < 0 or kept > start:
        raise DataValidationError(
            f"`end` - `new` = {kept:g} must lie between 0 and `start` ({start:g}): E - N are the "
            "customers kept from the start. Check that `new` counts customers gained in the "
            "period and `end` all customers at its end."
        )
    return kept / start


def _purchases(transactions: Any, by: str | None, extra: Sequence[str] = ()) -> nw.LazyFrame:
    lf = to_lazy(transactions)
    cols = columns_of(lf)
    need = ["customer_id", "timestamp", "amount", *([by] if by else []), *extra]
    require_lazy_columns(lf, need, what="`transactions`")
    check_log(lf, by=by)
    return lf.filter(purchase_expr(cols))


def _window_customers(
    lf: nw.LazyFrame, low: pd.Timestamp | None, high: pd.Timestamp | None, keys: list[str]
) -> nw.LazyFrame:
    """Distinct ``keys`` with a purchase in [low, high)."""
    cond = nw.lit(True)
    if low is not None:
        cond = cond & (nw.col("timestamp") >= datetime_lit(low, lf))
    if high is not None:
        cond = cond & (nw.col("timestamp") < datetime_lit(high, lf))
    return lf.filter(cond).select(keys).unique()


def customer_counts(
    transactions: Any,
    *,
    start: Any,
    end: Any,
    active_days: int = 365,
    by: str | None = None,
) -> pd.DataFrame:
    """Customers at the start and end of a period, gained, kept and lost.

    A customer is *active* at a date when they made a purchase in the ``active_days``
    days before it. For the period [``start``, ``end``):

    - S (``customers_start``): active at ``start``;
    - E (``customers_end``): active at ``end``;
    - ``retained`` = active at both; ``lost`` = S - retained;
    - N (``new``): active at ``end`` but not at ``start`` (new or reactivated), so
      E - N = retained.

    Then ``churn_rate = lost / S`` and ``retention_rate = (E - N) / S`` add up to 1.

    Parameters
    ----------
    transactions : DataFrame-like
        Canonical transaction log.
    start, end : date-like
        The period; ``end`` after ``start``.
    active_days : int, default 365
        Length of the activity window in days.
    by : str, optional
        Grouping column; a customer counts in every group they bought in.

    Returns
    -------
    pandas.DataFrame
        ``[by], start, end, customers_start, new, retained, lost, customers_end,
        churn_rate, retention_rate`` (fractions in [0, 1]).

    Examples
    --------
    >>> customer_counts(tx, start="2011-06-01", end="2011-12-01", active_days=180)  # doctest: +SKIP
    """
    t0, t1 = require_date(start, name="start"), require_date(end, name="end")
    if t1 <= t0:
        raise DataValidationError(f"`end` ({t1}) must be after `start` ({t0}).")
    w = require_whole_number(active_days, name="active_days", low=1)
    check_by(by)
    keys = ([by] if by else []) + ["customer_id"]
    lf = _purchases(transactions, by)
    at_start = _window_customers(lf, t0 - pd.Timedelta(days=w), t0, keys)
    at_end = _window_customers(lf, t1 - pd.Timedelta(days=w), t1, keys)
    a = collect(at_start.with_columns(nw.lit(1).alias("s")))
    b = collect(at_end.with_columns(nw.lit(1).alias("e")))
    for f in (a, b):
        f["customer_id"] = f["customer_id"].astype("str")
    m = a.merge(b, on=keys, how="outer")
    m["s"] = m["s"].fillna(0).astype("int64")
    m["e"] = m["e"].fillna(0).astype("int64")
    m["kept"] = m["s"] * m["e"]
    m["gained"] = (1 - m["s"]) * m["e"]
    grp = [by] if by else []
    if grp:
        t = m.groupby(grp, sort=True)[["s", "e", "kept", "gained"]].sum().reset_index()
    else:
        t = m[["s", "e", "kept", "gained"]].sum().to_frame().T
    out = pd.DataFrame(index=range(len(t)))
    if by:
        out[by] = t[by].to_numpy()
    out["start"] = t0
    out["end"] = t1
    out["customers_start"] = t["s"].astype("int64").to_numpy()
    out["new"] = t["gained"].astype("int64").to_numpy()
    out["retained"] = t["kept"].astype("int64").to_numpy()
    out["lost"] = out["customers_start"] - out["retained"]
    out["customers_end"] = t["e"].astype("int64").to_numpy()
    s = out["customers_start"].where(out["customers_start"] > 0)
    out["churn_rate"] = out["lost"] / s
    out["retention_rate"] = (out["customers_end"] - out["new"]) / s
    if (out["customers_start"] == 0).any():
        warnings.warn(
            f"No customer was active in the {w} days before {t0.date()}"
            + (" in some groups" if by else "")
            + "; churn and retention rates are NaN there. Move `start` later or widen "
            "`active_days`.",
            SmallSampleWarning,
            stacklevel=2,
        )
    return out.reset_index(drop=True)


def _base_and_period(
    transactions: Any, start: Any, end: Any, extra: Sequence[str] = ()
) -> tuple[nw.LazyFrame, nw.LazyFrame, pd.Timestamp, pd.Timestamp | None]:
    t0 = require_date(start, name="start")
    t1 = None if end is None else require_date(end, name="end")
    if t1 is not None and t1 <= t0:
        raise DataValidationError(f"`end` ({t1}) must be after `start` ({t0}).")
    lf = _purchases(transactions, None, extra)
    before = lf.filter(nw.col("timestamp") < datetime_lit(t0, lf))
    cond = nw.col("timestamp") >= datetime_lit(t0, lf)
    if t1 is not None:
        cond = cond & (nw.col("timestamp") < datetime_lit(t1, lf))
    return before, lf.filter(cond), t0, t1


def rebuy_rate(transactions: Any, *, start: Any, end: Any = None) -> float:
    """Purchase (re-buy) rate: the share of existing customers who bought again in a period.

    ``re-buy rate = customers with a purchase before start and in [start, end) /
    customers with a purchase before start``.

    Parameters
    ----------
    transactions : DataFrame-like
        Canonical transaction log.
    start : date-like
        First day of the period.
    end : date-like, optional
        Day after the period (default: end of the data).

    Returns
    -------
    float
        Fraction in [0, 1].

    Examples
    --------
    >>> rebuy_rate(tx, start="2011-07-01")  # doctest: +SKIP
    """
    before, during, t0, _ = _base_and_period(transactions, start, end)
    base = before.select("customer_id").unique()
    again = during.select("customer_id").unique().join(base, on="customer_id", how="inner")
    n_base = int(collect(base.select(nw.len()))["len"].iloc[0])
    if n_base == 0:
        raise DataValidationError(
            f"No customer bought before `start` ({t0.date()}), so the re-buy rate is undefined. "
            "Choose a later `start`."
        )
    n_again = int(collect(again.select(nw.len()))["len"].iloc[0])
    return n_again / n_base


def upsell_rate(transactions: Any, *, start: Any, end: Any = None) -> float:
    """Upsell rate: the share of existing customers who bought a product new to them.

    ``upsell rate = customers with a purchase before start who bought, in [start, end), a
    product_code they had not bought before start / customers with a purchase before
    start``.

    Parameters
    ----------
    transactions : DataFrame-like
        Canonical transaction log with ``product_code``.
    start, end : date-like
        As in :func:`rebuy_rate`.

    Returns
    -------
    float
        Fraction in [0, 1]; at most the re-buy rate.

    Examples
    --------
    >>> upsell_rate(tx, start="2011-07-01")  # doctest: +SKIP
    """
    before, during, t0, _ = _base_and_period(transactions, start, end, extra=["product_code"])
    base = before.select("customer_id").unique()
    old = before.select("customer_id", "product_code").unique()
    new_items = (
        during.select("customer_id", "product_code")
        .unique()
        .join(base, on="customer_id", how="inner")
        .join(old, on=["customer_id", "product_code"], how="anti")
    )
    n_base = int(collect(base.select(nw.len()))["len"].iloc[0])
    if n_base == 0:
        raise DataValidationError(
            f"No customer bought before `start` ({t0.date()}), so the upsell rate is undefined. "
            "Choose a later `start`."
        )
    n_up = int(collect(new_items.select("customer_id").unique().select(nw.len()))["len"].iloc[0])
    return n_up / n_base


def kpi_summary(transactions: Any, *, start: Any, end: Any, active_days: int = 365) -> pd.DataFrame:
    """The transaction-based retention KPIs of one period in one table.

    Parameters
    ----------
    transactions : DataFrame-like
        Canonical transaction log (``product_code`` needed for the upsell rate, which is
        left out without it).
    start, end : date-like
        The period.
    active_days : int, default 365
        Activity window of :func:`customer_counts`.

    Returns
    -------
    pandas.DataFrame
        ``kpi, value, unit, formula``: churn rate, retention rate, repeat purchase rate
        (whole log), re-buy rate and upsell rate (in [start, end)). Rates are fractions
        (``unit`` "share"); counts have ``unit`` "customers".

    Examples
    --------
    >>> kpi_summary(tx, start="2011-06-01", end="2011-12-01")  # doctest: +SKIP
    """
    from ..cohorts import repeat_purchase_rates

    counts = customer_counts(transactions, start=start, end=end, active_days=active_days)
    c = counts.iloc[0]
    rows = [
        (
            "customers at start (S)",
            c["customers_start"],
            "customers",
            f"purchase in the {active_days} days before start",
        ),
        (
            "customers at end (E)",
            c["customers_end"],
            "customers",
            f"purchase in the {active_days} days before end",
        ),
        ("new or reactivated (N)", c["new"], "customers", "active at end, not at start"),
        ("churn rate", c["churn_rate"], "share", "lost / S"),
        ("retention rate", c["retention_rate"], "share", "(E - N) / S"),
        (
            "repeat purchase rate",
            float(repeat_purchase_rates(transactions)["repeat_purchase_rate"].iloc[0]),
            "share",
            "customers with >= 2 orders / customers",
        ),
        (
            "re-buy rate",
            rebuy_rate(transactions, start=start, end=end),
            "share",
            "earlier customers buying in the period / earlier customers",
        ),
    ]
    if "product_code" in columns_of(to_lazy(transactions)):
        rows.append(
            (
                "upsell rate",
                upsell_rate(transactions, start=start, end=end),
                "share",
                "earlier customers buying a product new to them / earlier customers",
            )
        )
    out = pd.DataFrame(rows, columns=["kpi", "value", "unit", "formula"])
    out["value"] = out["value"].astype("float64")
    return out


def describe_customer_counts(
    counts: pd.DataFrame, *, by: str, min_customers: int = MIN_GROUP_CUSTOMERS
) -> str:
    """A plain-language reading of :func:`customer_counts` by group: which groups keep the
    most and the fewest of their active customers, among groups with at least
    ``min_customers`` customers active at the start (smaller ones are named by
    :func:`~retention_lib.describe_small_groups` with ``size="customers_start"``).

    Parameters
    ----------
    counts : pandas.DataFrame
        Output of :func:`customer_counts` with ``by``.
    by : str
        The group column of ``counts``.
    min_customers : int, default MIN_GROUP_CUSTOMERS
        Groups with fewer customers active at the start are left out.

    Returns
    -------
    str
        E.g. "Of the regions with at least 20 customers active at the start, Europe keeps the
        most (75%) and Asia the fewest (52%)."
    """
    by = require_column_name(by, allow_none=False)
    need = [by, "retention_rate", "customers_start"]
    require_frame_columns(counts, need, name="counts", producer="customer_counts")
    big = ranked_groups(
        counts, by=by, value="retention_rate", size="customers_start", min_customers=min_customers
    )
    word = by.replace("_", " ")
    if big.empty:
        return (
            f"No {word} has {min_customers:,} customers active at the start, so no retention "
            "rate is compared."
        )
    if len(big) == 1:
        r = big.iloc[0]
        return (
            f"Only {r[by]} has at least {min_customers:,} customers active at the start; it "
            f"keeps {r['retention_rate']:.0%} of them."
        )
    hi, lo = big.iloc[0], big.iloc[-1]
    lead = f"Of the {word}s with at least {min_customers:,} customers active at the start"
    if hi["retention_rate"] - lo["retention_rate"] <= say.LEVEL:
        return (
            f"{lead}, all keep about the same share ({lo['retention_rate']:.0%} to "
            f"{hi['retention_rate']:.0%})."
        )
    return (
        f"{lead}, {hi[by]} keeps the most ({hi['retention_rate']:.0%}) and {lo[by]} the "
        f"fewest ({lo['retention_rate']:.0%})."
    )
