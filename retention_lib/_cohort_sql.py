"""Cohort counts of a DuckDB log in one scan (the DuckDB route of :mod:`retention_lib.cohorts`).

The tables rest on the log's *cells*, one per (customer, calendar period) with a row in it.
Written with narwhals, a query joining the cells to each customer's first period names the
cells twice, and DuckDB plans every reference from the source again (narwhals' subqueries
are ``NOT MATERIALIZED``): two scans of the Parquet files. Here the same counts are one SQL
statement over the rows narwhals prepares (``customer_id, pidx, _buy, amount, timestamp``
and the ``by`` column), the cells a ``MATERIALIZED`` common table expression: the log is
read once, the cells kept in DuckDB's memory (spilled under its ``memory_limit``) and
counted from there.

A customer's group (``by``) is the one on their first purchase, ties going to the smallest
value: the minimum of ``(timestamp, group)`` pairs over their purchases, one aggregate of
the same scan. The customer tables (retention, last purchase, churn) over a span of at most 256 periods take
a shorter route: one aggregation of the rows by customer, each customer's periods bought a
bit mask (see :func:`masks`).

The narwhals query in ``cohorts.py`` stays the route of the other engines;
the tests check that both give the same tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd

from ._backend import collect

_LOG = "_rl_log"  # the rows' relation, as the statements name it


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _pair(by: str) -> str:
    """The (timestamp, group) pair whose minimum is a customer's first purchase."""
    return f"struct_pack(t := timestamp, g := {_quote(by)})"


def _first_group(by: str | None) -> str:
    """The cell aggregate ``_first``: the pair of the cell's first purchase."""
    return f", min({_pair(by)}) FILTER (WHERE _buy = 1) AS _first" if by else ""


def _group(by: str | None) -> str:
    """The customer aggregate of their group, from the cells' ``_first``."""
    return f", min(_first).g AS {_quote(by)}" if by else ""


def _customer_group(by: str | None) -> str:
    """The customer aggregate of their group, over their purchases' rows."""
    return f", min({_pair(by)}).g AS {_quote(by)}" if by else ""


def _run(rows: Any, sql: str) -> pd.DataFrame:
    return collect(nw.from_native(rows.query(_LOG, sql)))


def _purchase_cells(by: str | None) -> str:
    """The common table expressions ``cells`` (customer, period with a purchase) and
    ``customers`` (cohort and group of each customer)."""
    return (
        f"WITH cells AS MATERIALIZED (SELECT customer_id, pidx{_first_group(by)} FROM {_LOG} "
        "WHERE _buy = 1 GROUP BY customer_id, pidx), "
        f"customers AS (SELECT customer_id, min(pidx) AS cohort_idx{_group(by)} FROM cells "
        "GROUP BY customer_id) "
    )


def _keys(by: str | None, table: str = "customers") -> str:
    return (f"{table}.{_quote(by)}, " if by else "") + f"{table}.cohort_idx"


def active_counts(rows: Any, by: str | None) -> pd.DataFrame:
    """Customers buying in each (cohort, period_number): ``[by], cohort_idx,
    period_number, customers``."""
    return _run(
        rows,
        _purchase_cells(by) + f"SELECT {_keys(by)}, cells.pidx - customers.cohort_idx AS "
        "period_number, count(*) AS customers FROM cells JOIN customers USING (customer_id) "
        "GROUP BY ALL",
    )


def last_counts(rows: Any, by: str | None) -> pd.DataFrame:
    """Customers by the period_number of their last purchase: one group-by of the rows."""
    return _run(
        rows,
        "WITH customers AS (SELECT customer_id, min(pidx) AS cohort_idx, max(pidx) AS last_idx"
        f"{_customer_group(by)} FROM {_LOG} WHERE _buy = 1 GROUP BY customer_id) "
        f"SELECT {_keys(by)}, last_idx - cohort_idx AS period_number, count(*) AS customers "
        "FROM customers GROUP BY ALL",
    )


def churn_counts(rows: Any, by: str | None) -> pd.DataFrame:
    """Per period (and group): ``customers_end`` buying in it, ``new`` (first purchase)
    and ``retained`` (also bought the period before). The cells meet their customer's
    cohort only to learn the group: ``new`` counts the customers by cohort."""
    group = f"customers.{_quote(by)}, " if by else ""
    join = "JOIN customers USING (customer_id) " if by else ""
    same_group = f" AND ends.{_quote(by)} IS NOT DISTINCT FROM new.{_quote(by)}" if by else ""
    return _run(
        rows,
        _purchase_cells(by) + f", ends AS (SELECT {group}cells.pidx, count(*) AS customers_end, "
        f"count(before.pidx) AS retained FROM cells {join}"
        "LEFT JOIN cells AS before ON before.customer_id = cells.customer_id "
        "AND before.pidx = cells.pidx - 1 GROUP BY ALL), "
        f"new AS (SELECT {group}customers.cohort_idx AS pidx, count(*) AS new FROM customers "
        f"GROUP BY ALL) SELECT {group.replace('customers.', 'ends.')}ends.pidx, "
        "ends.customers_end, coalesce(new.new, 0) AS new, ends.retained "
        f"FROM ends LEFT JOIN new ON ends.pidx = new.pidx{same_group}",
    )


def revenue_counts(rows: Any, by: str | None, codes: pd.Series | None = None) -> pd.DataFrame:
    """Revenue, buyers and rows per (cohort, period_number) from the cohort's period on,
    with ``inside`` = 0 for the rows outside every cohort (customers without a purchase,
    returns before it): ``[by], cohort_idx, period_number, inside, revenue, buyers, rows``.
    ``codes`` (:func:`group_codes`): the cells' first purchase as one integer key."""
    inside = "cells.pidx >= customers.cohort_idx"
    picked = f"CASE WHEN {inside} THEN customers.{{}} END AS {{}}"
    first, group, name = _first_group(by), _group(by), _quote(by) if by else ""
    if by and codes is not None:
        first = f", min({_coded(by, codes)}) FILTER (WHERE _buy = 1) AS _first"
        group, name = f", min(_first) % {len(codes)} AS _code", "_code"
    keys = [picked.format(name, name)] if by else []
    keys += [
        picked.format("cohort_idx", "cohort_idx"),
        f"CASE WHEN {inside} THEN cells.pidx - customers.cohort_idx END AS period_number",
        f"CASE WHEN {inside} THEN 1 ELSE 0 END AS inside",
    ]
    table = _run(
        rows,
        "WITH cells AS MATERIALIZED (SELECT customer_id, pidx, sum(amount) AS revenue, "
        f"max(_buy) AS buyers, count(*) AS rows{first} FROM {_LOG} "
        "GROUP BY customer_id, pidx), "
        f"customers AS (SELECT customer_id, min(pidx) AS cohort_idx{group} FROM cells "
        "WHERE buyers > 0 GROUP BY customer_id) "
        f"SELECT {', '.join(keys)}, sum(cells.revenue) AS revenue, sum(cells.buyers) AS buyers, "
        "sum(cells.rows) AS rows FROM cells LEFT JOIN customers USING (customer_id) GROUP BY ALL",
    )
    return _decoded(table, by, codes)


def _coded(by: str, codes: pd.Series) -> str:
    """A purchase as one integer key, ``epoch_us(timestamp) * len(codes) + code`` (codes in the
    groups' sort order: the minimum is the first purchase, ties to the smallest group)."""
    listed = ", ".join(_literal(v) for v in codes)
    return f"epoch_us(timestamp) * {len(codes)} + (list_position([{listed}], {_quote(by)}) - 1)"


def _decoded(table: pd.DataFrame, by: str | None, codes: pd.Series | None) -> pd.DataFrame:
    """``table`` with its ``_code`` column (:func:`_coded`'s remainder) turned into the group
    ``by`` as its first column (missing where the code is)."""
    if not by or codes is None:
        return table
    code = table.pop("_code")
    values = codes.to_numpy()[code.fillna(0).to_numpy(np.int64)]
    table.insert(0, by, pd.Series(values, index=table.index).where(code.notna()))
    return table


# ------------------------------------------------------- one aggregation per customer
#
# The customer tables (``active``, ``last``, ``churn``) need of each customer only the cohort,
# the group and the set of periods with a purchase. Over a span of at most 64 * _MAX_WORDS
# periods that set is a bit mask, so one aggregation of the rows by customer (the same hash
# table as a group-by pass: no table of cells, no join) gives ``[by], cohort_idx, mask`` per
# customer; DuckDB counts the customers per distinct (group, cohort, mask) and numpy reads the
# bits of those few rows. Longer spans (days over years) keep the statements above.

_MAX_WORDS = 4  # masks of up to 256 periods


def mask_words(span: int) -> int:
    """The 64-bit words of a mask over ``span`` periods, 0 when the mask route does not take
    it (an empty or a too long span)."""
    words = -(-span // 64)
    return words if 0 < words <= _MAX_WORDS else 0


@dataclass
class Masks:
    """Customers per distinct (group, cohort, periods bought): ``keys`` (``[by], cohort_idx``),
    ``bits`` (rows x periods from ``base``, bool) and ``customers`` (their number)."""

    keys: pd.DataFrame
    bits: np.ndarray
    customers: np.ndarray
    base: int


_MAX_CODED = 64  # groups coded into the first-purchase key (a linear search per row)


def group_codes(groups: pd.Series, stamps: tuple[Any, Any]) -> pd.Series | None:
    """The sorted distinct ``groups`` when :func:`masks` can code a customer's first purchase
    as one integer, ``epoch_us(timestamp) * len(groups) + code`` (its minimum the first
    purchase, ties to the smallest group, as the minimum of the pair): few text or integer
    groups and timestamps whose key fits 63 bits. ``None`` keeps the pair."""
    values = pd.Series(groups.dropna().unique())
    if not 0 < len(values) <= _MAX_CODED:
        return None
    if not (pd.api.types.is_string_dtype(values) or pd.api.types.is_integer_dtype(values)):
        return None
    if not all(isinstance(v, (str, int, np.integer)) for v in values):
        return None
    reach = max(abs(pd.Timestamp(s).value) // 1000 for s in stamps) + 1
    if reach * len(values) >= 2**62:
        return None
    return values.sort_values(ignore_index=True)


def _literal(value: Any) -> str:
    return "'" + value.replace("'", "''") + "'" if isinstance(value, str) else str(int(value))


def masks(rows: Any, by: str | None, base: int, span: int, codes: pd.Series | None = None) -> Masks:
    """:class:`Masks` of the purchases, ``base`` the first period index, ``span`` periods;
    ``codes`` (:func:`group_codes`) the groups when the first purchase is an integer key."""
    words = mask_words(span)
    shift = f"(1::UBIGINT << ((pidx - {base}) % 64))::UBIGINT"
    if words == 1:
        bits = [f"bit_or({shift}) AS _m0"]
    else:
        bits = [
            f"bit_or(CASE WHEN (pidx - {base}) // 64 = {w} THEN {shift} ELSE 0::UBIGINT END)"
            f" AS _m{w}"
            for w in range(words)
        ]
    names = ", ".join(f"_m{w}" for w in range(words))
    group, keys = _customer_group(by), _keys(by, "c")
    if by and codes is not None:
        group = f", min({_coded(by, codes)}) AS _key"
        keys = f"c._key % {len(codes)} AS _code, c.cohort_idx"
    table = _run(
        rows,
        f"SELECT {keys}, {names}, count(*) AS customers FROM (SELECT "
        f"min(pidx) AS cohort_idx{group}, {', '.join(bits)} "
        f"FROM {_LOG} WHERE _buy = 1 GROUP BY customer_id) AS c GROUP BY ALL",
    )
    table = _decoded(table, by, codes)
    packed = np.ascontiguousarray(
        np.stack([table[f"_m{w}"].to_numpy(np.uint64) for w in range(words)], axis=1)
    )
    unpacked = np.unpackbits(packed.view(np.uint8), axis=1, bitorder="little")  # little-endian
    return Masks(
        keys=table[([by] if by else []) + ["cohort_idx"]],
        bits=unpacked[:, :span].astype(bool),
        customers=table["customers"].to_numpy(np.int64),
        base=base,
    )


def _codes(keys: pd.DataFrame) -> tuple[np.ndarray, pd.DataFrame]:
    """Group codes of the rows of ``keys`` and the distinct keys (missing groups kept)."""
    if keys.shape[1] == 0:
        return np.zeros(len(keys), dtype=np.int64), pd.DataFrame(index=[0])
    codes = keys.groupby(list(keys.columns), dropna=False, sort=False).ngroup().to_numpy()
    first = np.unique(codes, return_index=True)[1]
    return codes, keys.iloc[first].reset_index(drop=True)


def _sum_by(codes: np.ndarray, n: int, weights: np.ndarray) -> np.ndarray:
    return np.bincount(codes, weights=weights, minlength=n).round().astype(np.int64)


def mask_active_counts(m: Masks) -> pd.DataFrame:
    """:func:`active_counts` from the masks."""
    codes, uniq = _codes(m.keys)
    cohort = uniq["cohort_idx"].to_numpy(np.int64)
    parts = []
    for j in range(m.bits.shape[1]):
        count = _sum_by(codes, len(uniq), m.customers * m.bits[:, j])
        hit = count > 0
        parts.append(uniq[hit].assign(period_number=m.base + j - cohort[hit], customers=count[hit]))
    return pd.concat(parts, ignore_index=True)


def mask_last_counts(m: Masks) -> pd.DataFrame:
    """:func:`last_counts` from the masks: the highest bit is the last period bought."""
    span = m.bits.shape[1]
    last = span - 1 - np.argmax(m.bits[:, ::-1], axis=1)
    keys = m.keys.assign(period_number=m.base + last - m.keys["cohort_idx"].to_numpy())
    codes, uniq = _codes(keys)
    return uniq.assign(customers=_sum_by(codes, len(uniq), m.customers))


def mask_churn_counts(m: Masks, by: str | None) -> pd.DataFrame:
    """:func:`churn_counts` from the masks: per (group and) period, the customers buying in it,
    those whose cohort it is and those who also bought the period before."""
    codes, uniq = _codes(m.keys[[by]] if by else m.keys.iloc[:, :0])
    cohort = m.keys["cohort_idx"].to_numpy(np.int64)
    parts = []
    for j in range(m.bits.shape[1]):
        bought = m.bits[:, j]
        ends = _sum_by(codes, len(uniq), m.customers * bought)
        hit = ends > 0
        if not hit.any():
            continue
        before = m.bits[:, j - 1] & bought if j else np.zeros_like(bought)
        new = _sum_by(codes, len(uniq), m.customers * (cohort == m.base + j))
        retained = _sum_by(codes, len(uniq), m.customers * before)
        part = uniq[hit] if by else pd.DataFrame(index=range(int(hit.sum())))
        parts.append(
            part.reset_index(drop=True).assign(
                pidx=m.base + j, customers_end=ends[hit], new=new[hit], retained=retained[hit]
            )
        )
    return pd.concat(parts, ignore_index=True)
