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
the same scan. The narwhals query in ``cohorts.py`` stays the route of the other engines;
the tests check that both give the same tables.
"""

from __future__ import annotations

from typing import Any

import narwhals as nw
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
    group = f", min({_pair(by)}).g AS {_quote(by)}" if by else ""
    return _run(
        rows,
        "WITH customers AS (SELECT customer_id, min(pidx) AS cohort_idx, max(pidx) AS last_idx"
        f"{group} FROM {_LOG} WHERE _buy = 1 GROUP BY customer_id) "
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


def revenue_counts(rows: Any, by: str | None) -> pd.DataFrame:
    """Revenue, buyers and rows per (cohort, period_number) from the cohort's period on,
    with ``inside`` = 0 for the rows outside every cohort (customers without a purchase,
    returns before it): ``[by], cohort_idx, period_number, inside, revenue, buyers, rows``."""
    inside = "cells.pidx >= customers.cohort_idx"
    picked = f"CASE WHEN {inside} THEN customers.{{}} END AS {{}}"
    keys = [picked.format(_quote(by), _quote(by))] if by else []
    keys += [
        picked.format("cohort_idx", "cohort_idx"),
        f"CASE WHEN {inside} THEN cells.pidx - customers.cohort_idx END AS period_number",
        f"CASE WHEN {inside} THEN 1 ELSE 0 END AS inside",
    ]
    return _run(
        rows,
        "WITH cells AS MATERIALIZED (SELECT customer_id, pidx, sum(amount) AS revenue, "
        f"max(_buy) AS buyers, count(*) AS rows{_first_group(by)} FROM {_LOG} "
        "GROUP BY customer_id, pidx), "
        f"customers AS (SELECT customer_id, min(pidx) AS cohort_idx{_group(by)} FROM cells "
        "WHERE buyers > 0 GROUP BY customer_id) "
        f"SELECT {', '.join(keys)}, sum(cells.revenue) AS revenue, sum(cells.buyers) AS buyers, "
        "sum(cells.rows) AS rows FROM cells LEFT JOIN customers USING (customer_id) GROUP BY ALL",
    )
