"""Cohort retention: who comes back, period after period, and what they are worth.

A customer's *cohort* is the calendar period of their first purchase; ``period_number`` is
the calendar difference between a period and the cohort's period (0 = acquisition period).
A *purchase* is a row with ``amount > 0`` that is not a return (``is_return``).

All aggregation over transactions is written once with narwhals, so the same call runs on
pandas, polars, DuckDB (out of core) or PySpark and gives identical results; only the
small per-cohort results are collected into pandas.
"""

from __future__ import annotations

from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd

from . import _reading as say
from ._backend import (
    as_int,
    check_period,
    collect,
    columns_of,
    to_lazy,
)
from ._cohort_log import CohortLog as _Cohorts
from ._schema import (
    period_start,
)
from ._tables import require_by, require_period
from ._validation import (
    DataValidationError,
    require_bool,
    require_choice,
    require_date,
    require_frame,
    require_frame_columns,
    require_in_range,
    require_period_numbers,
    require_str,
    require_whole_number,
)
from .groups import MIN_GROUP_CUSTOMERS, drop_small_groups

__all__ = [
    "KEY_PERIODS",
    "average_retention",
    "churn_table",
    "cohort_retention",
    "cohort_survival",
    "describe_churn",
    "describe_retention",
    "describe_value_curves",
    "repeat_purchase_rates",
    "retention_matrix",
    "revenue_retention",
    "value_curves",
]

_KINDS = ("classic", "unbounded")


def _merge_counts(
    grid: pd.DataFrame, counts: pd.DataFrame, keys: list[str], column: str
) -> pd.Series:
    merged = grid.merge(counts, on=keys + ["period_number"], how="left")
    values = merged[column].fillna(0).astype("float64")
    return values.where(merged["observable"])


def cohort_retention(
    transactions: Any,
    *,
    period: str = "M",
    kind: str = "classic",
    by: str | None = None,
    observation_end: Any = None,
    min_cohort_size: int = 30,
) -> pd.DataFrame:
    """Customer retention by acquisition cohort, as a tidy table.

    Parameters
    ----------
    transactions : DataFrame, DuckDB relation, PySpark DataFrame or path
        Canonical (cleaned) transactions: ``customer_id, timestamp, amount``
        (and ``is_return`` if present).
    period : {"D", "W", "M", "Q"}
        Calendar period of cohorts and of activity (weeks start on Monday).
    kind : {"classic", "unbounded"}
        ``"classic"``: share of the cohort that purchased *in* period k.
        ``"unbounded"``: share that purchased in period k *or any later period*.
    by : str, optional
        A column (e.g. ``"region"``, ``"segment"``) to split cohorts by; a customer's
        group is the one on their first purchase (fixed at acquisition).
    observation_end : datetime-like, optional
        Ignore transactions after this time (default: the last transaction).
    min_cohort_size : int
        Cohorts smaller than this are flagged ``small_cohort``.

    Returns
    -------
    pandas.DataFrame
        One row per cohort and period_number with columns ``[by], cohort, period_number,
        cohort_size, customers, retention, observable, partial, small_cohort``.
        ``customers`` and ``retention`` are NaN where the cell is not yet observable
        (never 0); ``partial`` marks the last, incomplete calendar period.

    Examples
    --------
    >>> table = cohort_retention(tx, period="M")  # doctest: +SKIP
    >>> retention_matrix(table)  # doctest: +SKIP
    """
    require_choice(kind, _KINDS, name="kind")
    min_cohort_size = require_whole_number(min_cohort_size, name="min_cohort_size", low=0)
    c = _Cohorts(transactions, period=period, by=by, observation_end=observation_end)
    if kind == "classic":
        counts = c.active_counts()
        sizes = c.sizes(counts)
    else:
        last = c.last_counts()
        sizes = c.sizes(last, last=True)
        # customers whose last active period is >= k, per cohort: reverse cumulative sum
        full = c.grid(sizes)[c.keys + ["period_number"]]
        last = full.merge(last, on=c.keys + ["period_number"], how="left").fillna({"customers": 0})
        last = last.sort_values(c.keys + ["period_number"], ascending=False, kind="stable")
        last["customers"] = last.groupby(c.keys, sort=False)["customers"].cumsum()
        counts = last
    table = c.grid(sizes)
    table["customers"] = _merge_counts(table, counts, c.keys, "customers")
    table["retention"] = table["customers"] / table["cohort_size"]
    table = c.finish(table, min_cohort_size)
    cols = ([by] if by else []) + [
        "cohort",
        "period_number",
        "cohort_size",
        "customers",
        "retention",
        "observable",
        "partial",
        "small_cohort",
    ]
    out = table[cols]
    out.attrs["kind"] = kind
    return out


def retention_matrix(
    table: pd.DataFrame, *, value: str = "retention", by: str | None = None
) -> pd.DataFrame:
    """Pivot a tidy cohort table into the cohort x period_number triangle.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`cohort_retention` or :func:`revenue_retention`.
    value : str
        Column to spread (``"retention"``, ``"customers"``, ``"revenue_retention"``, ...).
    by : str, optional
        The ``by`` column the table was built with (one triangle per group).

    Returns
    -------
    pandas.DataFrame
        Index ``cohort`` (and the ``by`` column first if any), columns ``period_number``;
        cells not yet observable are NaN. Columns stay aligned even where a cohort had
        no activity in a period (those cells are 0).
    """
    require_frame_columns(
        table, ["cohort", "period_number"], name="table", producer="cohort_retention"
    )
    if value not in table.columns:
        raise DataValidationError(
            f"`value` {value!r} is not a column of `table`; choose one of "
            f"{', '.join(map(repr, table.columns))}."
        )
    by = require_by(table, by, keys=["cohort", "period_number"])
    index = ([by] if by else []) + ["cohort"]
    return table.pivot_table(
        index=index, columns="period_number", values=value, dropna=False, aggfunc="first", sort=True
    )


def _drop_small_groups(table: pd.DataFrame, by: str | None, min_customers: int) -> pd.DataFrame:
    """Rows of groups (``by``) that acquired at least ``min_customers`` customers."""
    if not by:
        return table
    return drop_small_groups(table, by=by, size="cohort_size", min_customers=min_customers)


def _complete_cells(table: pd.DataFrame, include_partial: bool) -> tuple[pd.DataFrame, pd.Series]:
    """Observable cells to average, and a flag of the partial cells left out."""
    obs = table[table["observable"]]
    left_out = obs["partial"] & (not include_partial)
    return obs[~left_out], left_out


def _with_left_out(
    out: pd.DataFrame, table: pd.DataFrame, left_out: pd.Series, keys: list[str]
) -> pd.DataFrame:
    """Add ``partial_left_out``: the partial cells left out of each period's average."""
    cells = table[table["observable"]][left_out]
    dropped = cells.groupby(keys).size().rename("partial_left_out").reset_index()
    out = out.merge(dropped, on=keys, how="left")
    out["partial_left_out"] = out["partial_left_out"].fillna(0).astype("int64")
    return out


def average_retention(
    table: pd.DataFrame,
    *,
    value: str = "customers",
    by: str | None = None,
    min_customers: int = MIN_GROUP_CUSTOMERS,
    include_partial: bool = False,
) -> pd.DataFrame:
    """Average retention curve, weighted by cohort size over observable cells only.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`cohort_retention`.
    value : str
        The count column to average (``"customers"``).
    by : str, optional
        The ``by`` column the table was built with: one curve per group.
    min_customers : int, default :data:`~retention_lib.groups.MIN_GROUP_CUSTOMERS`
        With ``by``, leave out groups that acquired fewer customers than this (their
        curves are noise); :func:`~retention_lib.describe_small_groups` on ``table`` says
        which. 0 keeps every group.
    include_partial : bool, default False
        Count the cells of the last, incomplete calendar period. They read low by design
        (a December observed for 9 days), so by default they are left out, and a period
        only some cohorts have completed is averaged over those cohorts.

    Returns
    -------
    pandas.DataFrame
        Columns ``[by], period_number, cohorts, customers, cohort_size, partial_cohorts,
        partial_left_out, retention`` where ``retention = sum(customers) / sum(cohort_size)``
        over the cohorts averaged in that period; ``partial_cohorts`` counts the partial
        cells included, ``partial_left_out`` those left out (a period whose only cell was
        partial has no row).
    """
    need = ["cohort", "period_number", "cohort_size", "observable", "partial", value]
    require_frame_columns(table, need, name="table", producer="cohort_retention")
    min_customers = require_whole_number(min_customers, name="min_customers", low=0)
    by = require_by(table, by, keys=["cohort", "period_number"])
    table = _drop_small_groups(table, by, min_customers)
    keys = ([by] if by else []) + ["period_number"]
    obs, left_out = _complete_cells(table, require_bool(include_partial, name="include_partial"))
    out = (
        obs.groupby(keys, sort=True)
        .agg(
            cohorts=("cohort", "size"),
            customers=(value, "sum"),
            cohort_size=("cohort_size", "sum"),
            partial_cohorts=("partial", "sum"),
        )
        .reset_index()
    )
    out = _with_left_out(out, table, left_out, keys)
    out["retention"] = out["customers"] / out["cohort_size"]
    return out


def revenue_retention(
    transactions: Any,
    *,
    period: str = "M",
    by: str | None = None,
    observation_end: Any = None,
    min_cohort_size: int = 30,
) -> pd.DataFrame:
    """Revenue by acquisition cohort: revenue retention and cumulative value per customer.

    Revenue is net of returns (negative ``amount`` rows count against the period they
    fall in). Returns dated before a customer's first purchase, and customers with only
    returns, belong to no cohort: their revenue is reported in
    ``attrs["revenue_outside_cohorts"]`` so totals still add up.

    Parameters
    ----------
    transactions, period, by, observation_end
        As in :func:`cohort_retention` (``period`` defaults to ``'M'``).
    min_cohort_size : int, default 30
        Cohorts smaller than this are flagged ``small_cohort``.

    Returns
    -------
    pandas.DataFrame
        Columns ``[by], cohort, period_number, cohort_size, revenue, revenue_retention,
        revenue_per_customer, cumulative_revenue_per_customer, observable, partial,
        small_cohort``. ``revenue_retention`` = revenue in period k / revenue in period 0.
        Non-observable cells are NaN.
    """
    min_cohort_size = require_whole_number(min_cohort_size, name="min_cohort_size", low=0)
    c = _Cohorts(transactions, period=period, by=by, observation_end=observation_end)
    by_cell, outside_revenue, outside_rows = c.revenue_counts()
    sizes = c.sizes(by_cell.rename(columns={"buyers": "customers"}))
    table = c.grid(sizes)
    table["revenue"] = _merge_counts(table, by_cell, c.keys, "revenue")
    first = table.groupby(c.keys)["revenue"].transform("first")
    with np.errstate(divide="ignore", invalid="ignore"):
        table["revenue_retention"] = table["revenue"] / first.where(first > 0)
    table["revenue_per_customer"] = table["revenue"] / table["cohort_size"]
    table["cumulative_revenue_per_customer"] = (
        table.groupby(c.keys)["revenue_per_customer"].cumsum().where(table["observable"])
    )
    table = c.finish(table, min_cohort_size)
    cols = ([by] if by else []) + [
        "cohort",
        "period_number",
        "cohort_size",
        "revenue",
        "revenue_retention",
        "revenue_per_customer",
        "cumulative_revenue_per_customer",
        "observable",
        "partial",
        "small_cohort",
    ]
    out = table[cols]
    out.attrs["revenue_outside_cohorts"] = float(np.nan_to_num(outside_revenue))
    out.attrs["rows_outside_cohorts"] = outside_rows
    return out


def value_curves(
    table: pd.DataFrame,
    *,
    min_share: float = 0.25,
    by: str | None = None,
    min_customers: int = MIN_GROUP_CUSTOMERS,
    include_partial: bool = False,
) -> pd.DataFrame:
    """Average cumulative revenue per acquired customer by period_number.

    Late periods can only be observed for the earliest cohorts, so their average rests on
    few customers and mixes in cohort differences; periods whose observable cohorts hold
    less than ``min_share`` of the group's customers are left out.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`revenue_retention`.
    min_share : float
        Minimum share of the group's acquired customers a period must be observed for
        (0 keeps every period).
    by : str, optional
        The ``by`` column the table was built with: one curve per group.
    min_customers : int, default :data:`~retention_lib.groups.MIN_GROUP_CUSTOMERS`
        With ``by``, leave out groups that acquired fewer customers than this.
    include_partial : bool, default False
        Count the cells of the last, incomplete calendar period (left out by default: their
        revenue covers only part of the period).

    Returns
    -------
    pandas.DataFrame
        Columns ``[by], period_number, cohorts, customers, partial_cohorts,
        cumulative_revenue_per_customer, partial_left_out``, weighted by cohort size over the
        cohorts observable up to that period (``customers``: the acquired customers of those
        cohorts; ``partial_*``: partial cells included / left out).
    """
    need = [
        "cohort",
        "period_number",
        "cohort_size",
        "observable",
        "cumulative_revenue_per_customer",
    ]
    require_frame_columns(table, need, name="table", producer="revenue_retention")
    min_share = require_in_range(min_share, name="min_share", low=0, high=1)
    min_customers = require_whole_number(min_customers, name="min_customers", low=0)
    by = require_by(table, by, keys=["cohort", "period_number"])
    table = _drop_small_groups(table, by, min_customers)
    obs, left_out = _complete_cells(table, require_bool(include_partial, name="include_partial"))
    obs = obs.copy()
    obs["cum_revenue"] = obs["cumulative_revenue_per_customer"] * obs["cohort_size"]
    keys = ([by] if by else []) + ["period_number"]
    out = (
        obs.groupby(keys, sort=True)
        .agg(
            cohorts=("cohort", "size"),
            customers=("cohort_size", "sum"),
            cum_revenue=("cum_revenue", "sum"),
            partial_cohorts=("partial", "sum"),
        )
        .reset_index()
    )
    out["cumulative_revenue_per_customer"] = out["cum_revenue"] / out["customers"]
    out = _with_left_out(out, table, left_out, keys)
    total = out.groupby([by] if by else (lambda _: 0))["customers"].transform("max")
    out = out[out["customers"] >= min_share * total].drop(columns="cum_revenue")
    return out.reset_index(drop=True)


def churn_table(
    transactions: Any,
    *,
    period: str = "M",
    by: str | None = None,
    observation_end: Any = None,
) -> pd.DataFrame:
    """Period-over-period churn and retention rates of the active customer base.

    For each calendar period t (from the second on): ``customers_start`` (S) = customers
    active in t-1; ``lost`` = those of them not active in t; ``new`` = first purchase in t;
    ``reactivated`` = active in t, not in t-1, not new; ``customers_end`` (E) = active in t.

    * churn rate = lost / S
    * retention rate = (E - N) / S, with N = new + reactivated (customers gained), so
      churn rate + retention rate = 1.

    Rates are fractions in [0, 1] (multiply by 100 for percent).

    Parameters
    ----------
    transactions, period, by, observation_end
        As in :func:`cohort_retention` (``period`` defaults to ``'M'``).

    Returns
    -------
    pandas.DataFrame
        Columns ``[by], period, customers_start, new, reactivated, retained, lost,
        customers_end, churn_rate, retention_rate, partial``.
    """
    c = _Cohorts(transactions, period=period, by=by, observation_end=observation_end)
    end_counts = c.churn_counts()
    if end_counts.empty:
        c.no_purchases()
    grp = [by] if by else []
    # customers active in t-1 (the start of t) are those at the end of t-1, in each group
    start_counts = end_counts[grp + ["pidx", "customers_end"]].rename(
        columns={"customers_end": "customers_start"}
    )
    start_counts["pidx"] = start_counts["pidx"] + 1
    lo = int(min(end_counts["pidx"].min(), start_counts["pidx"].min()))
    idx = pd.DataFrame({"pidx": np.arange(lo, c.last_index + 1)})
    if by:
        groups = pd.DataFrame({by: sorted(end_counts[by].dropna().unique())})
        idx = groups.merge(idx, how="cross")
    t = idx.merge(end_counts, on=grp + ["pidx"], how="left").merge(
        start_counts, on=grp + ["pidx"], how="left"
    )
    t = t.fillna({"customers_end": 0, "new": 0, "retained": 0, "customers_start": 0})
    for col in ("customers_end", "new", "retained", "customers_start"):
        t[col] = t[col].astype("int64")
    t["reactivated"] = t["customers_end"] - t["new"] - t["retained"]
    t["lost"] = t["customers_start"] - t["retained"]
    s = t["customers_start"].where(t["customers_start"] > 0)
    t["churn_rate"] = t["lost"] / s
    t["retention_rate"] = (t["customers_end"] - t["new"] - t["reactivated"]) / s
    t["partial"] = (t["pidx"] == c.last_index) & c.last_partial
    t["period"] = period_start(t["pidx"], period).to_numpy()
    t = t[t["pidx"] > lo].sort_values(grp + ["pidx"], kind="stable")
    cols = grp + [
        "period",
        "customers_start",
        "new",
        "reactivated",
        "retained",
        "lost",
        "customers_end",
        "churn_rate",
        "retention_rate",
        "partial",
    ]
    out = t[cols].reset_index(drop=True)
    out.attrs = {"period": period, "by": by, "observation_end": c.observation_end}
    return out


def repeat_purchase_rates(transactions: Any, *, by: str | None = None) -> pd.DataFrame:
    """Share of customers with more than one purchase.

    A purchase is a distinct ``order_id`` (or, without order ids, a distinct purchase day)
    with positive amount that is not a return. The group of a customer is the one on
    their first purchase.

    Parameters
    ----------
    transactions, by
        As in :func:`cohort_retention`.

    Returns
    -------
    pandas.DataFrame
        Columns ``[by], customers, repeat_customers, repeat_purchase_rate`` (a fraction);
        without ``by`` a single row.
    """
    cols = columns_of(to_lazy(transactions))
    order_key = "order_id" if "order_id" in cols else "pidx"  # pidx: the purchase day
    c = _Cohorts(
        transactions, period="D", by=by, keep=("order_id",) if order_key == "order_id" else ()
    )
    orders = (
        c.purchases.select("customer_id", order_key)
        .unique()
        .group_by("customer_id")
        .agg(nw.len().alias("orders"))
        .join(c.customers, on="customer_id")
        .with_columns(repeat=as_int(nw.col("orders") > 1))
    )
    grp = [by] if by else []
    if grp:
        out = collect(
            orders.group_by(grp).agg(
                nw.len().alias("customers"), nw.col("repeat").sum().alias("repeat_customers")
            )
        )
        out = out.sort_values(grp).reset_index(drop=True)
    else:
        out = collect(
            orders.select(
                nw.len().alias("customers"), nw.col("repeat").sum().alias("repeat_customers")
            )
        )
    out["repeat_purchase_rate"] = out["repeat_customers"] / out["customers"]
    return out


#: Periods a retention reading quotes by default, per period length.
KEY_PERIODS: dict[str, tuple[int, ...]] = {
    "D": (1, 7, 30, 90),
    "W": (1, 4, 13, 26),
    "M": (1, 3, 6, 12),
    "Q": (1, 2, 4),
}


def _single_group(curves: pd.DataFrame, what: str, by: str | None, key: str) -> None:
    by = require_by(curves, by, keys=[key], name=what)
    if by and curves[by].nunique() > 1:
        raise DataValidationError(
            f"`{what}` holds several `{by}` groups; describe one at a time, e.g. "
            f"`{what}[{what}[{by!r}] == 'Europe']`, or compute it without `by`."
        )


def _partial_note(curves: pd.DataFrame, word: str, *, value: str, end: Any = None) -> str:
    """What the reading must say about the last, incomplete calendar period."""
    end = require_date(end, name="observation_end", allow_none=True)
    when = f" (data end on {say.day(end)})" if end is not None and not pd.isna(end) else ""
    left_out = curves["partial_left_out"].sum() if "partial_left_out" in curves.columns else 0
    if left_out > 0:
        return f" The last {word} is incomplete{when}, so it is left out of the {value}."
    if "partial_cohorts" in curves.columns and curves["partial_cohorts"].sum() > 0:
        return f" The {value} include the incomplete last {word}{when}, which reads low by design."
    return ""


def describe_retention(
    curves: pd.DataFrame,
    *,
    period: str = "M",
    observation_end: Any = None,
    by: str | None = None,
    at: tuple[int, ...] | None = None,
    min_basis: float = 0.25,
) -> str:
    """A plain-language reading of an average retention curve.

    It quotes the curve at a few periods, says how it changes between the first and the last
    of them (fades, holds level within 2 points, or rises), flags a quoted
    period that rests on a small part of the customers, names periods no cohort has
    completed yet, and says whether the incomplete last period was left out.

    Parameters
    ----------
    curves : pandas.DataFrame
        Output of :func:`average_retention` without ``by`` (or filtered to one group).
    period : {"D", "W", "M", "Q"}, default "M"
        The ``period`` the cohorts were built with (it names the periods).
    observation_end : datetime-like, optional
        The as-of date of the cohorts, quoted where the last period is incomplete.
    by : str, optional
        The ``by`` column of ``curves``, when they are filtered to one group.
    at : tuple of int, optional
        Periods to quote (default :data:`KEY_PERIODS` of the curves' period: months 1, 3,
        6, 12; weeks 1, 4, 13, 26; ...). Periods beyond the data are named as not observed.
    min_basis : float
        A quoted period averaged over less than this share of the customers is flagged.

    Returns
    -------
    str
        E.g. "Of 4,293 customers in 12 cohorts, 22% bought again in month 1, 26% in month 3
        and 28% in month 6 after their first purchase (...)."
    """
    need = ["period_number", "retention", "cohort_size", "cohorts"]
    require_frame_columns(curves, need, name="curves", producer="average_retention")
    if at is not None:
        at = require_period_numbers(at)
    min_basis = require_in_range(min_basis, name="min_basis", low=0, high=1)
    observation_end = require_date(observation_end, name="observation_end", allow_none=True)
    _single_group(curves, "curves", by, "period_number")
    period = check_period(period)
    word = say.period_word(period)
    at = tuple(at) if at is not None else KEY_PERIODS.get(period, (1, 3, 6, 12))
    by_k = curves.set_index("period_number")
    if 0 not in by_k.index:
        return f"No complete {word} is observed yet, so retention cannot be described."
    n0, c0 = float(by_k.loc[0, "cohort_size"]), int(by_k.loc[0, "cohorts"])
    quoted = [k for k in at if k in by_k.index]
    missing = [k for k in at if k not in by_k.index]
    partial = _partial_note(curves, word, value="averages", end=observation_end)
    if not quoted:
        longest = int(by_k.index.max())
        return (
            f"Not enough complete {word}s observed yet to describe retention: the cohorts "
            f"observed longest have {say.count(longest, 'complete ' + word)} after the first "
            f"purchase.{partial}"
        )
    rates = by_k["retention"]
    parts = [f"{say.pct(rates[k])} in {word} {k}" for k in quoted]
    text = (
        f"Of {say.count(n0, 'customer')} in {say.count(c0, 'cohort')}, the share buying "
        f"again is {say.join(parts)} after their first purchase (size-weighted averages over "
        "the cohorts observed that long)."
    )
    basis = by_k["cohort_size"] / n0
    solid = [k for k in quoted if basis[k] >= min_basis]
    if len(solid) >= 2:
        first, last = solid[0], solid[-1]
        change = float(rates[last] - rates[first])
        span = (
            f"{say.pct(rates[first])} in {word} {first} to {say.pct(rates[last])} in {word} {last}"
        )
        if change < -say.LEVEL:
            text += f" Retention fades from {span}."
        elif change > say.LEVEL:
            text += (
                f" Retention rises from {span}: later {word}s are averaged over the older "
                "cohorts only, so this may mean those cohorts buy more often, not that "
                "customers buy more with time (the triangle shows which)."
            )
        else:
            text += f" Retention holds level ({span})."
    for k in quoted:
        if basis[k] < min_basis:
            text += (
                f" {word.capitalize()} {k} rests on {say.count(by_k.loc[k, 'cohorts'], 'cohort')}"
                f" ({say.count(by_k.loc[k, 'cohort_size'], 'customer')}, "
                f"{say.pct(basis[k])} of them): read it with care."
            )
    if missing:
        ks = say.join(str(k) for k in missing).replace(" and ", " or ")
        text += f" No cohort has a complete {word} {ks} yet."
    return text + partial


def describe_value_curves(
    curves: pd.DataFrame,
    *,
    currency: str = "",
    period: str = "M",
    observation_end: Any = None,
    by: str | None = None,
    at: int = 12,
    min_basis: float = 0.25,
) -> str:
    """A plain-language reading of :func:`value_curves`: value per customer after ``at`` periods.

    Parameters
    ----------
    curves : pandas.DataFrame
        Output of :func:`value_curves` (with or without ``by``).
    currency : str
        Currency code of the amounts.
    period : {"D", "W", "M", "Q"}, default "M"
        The ``period`` the cohorts were built with (it names the periods).
    observation_end : datetime-like, optional
        The as-of date of the cohorts, quoted where the last period is incomplete.
    by : str, optional
        The ``by`` column of ``curves``, one value per group.
    at : int
        Period to quote; the last period the curves reach is used when ``at`` is beyond it
        (and the reading says so).
    min_basis : float
        A quoted period averaged over less than this share of a group's customers is
        flagged.

    Returns
    -------
    str
        E.g. "After 6 months, an acquired customer has brought 1,466 GBP on average (net of
        returns), averaged over 7 cohorts (2,727 customers)."
    """
    require_frame(curves, name="curves", producer="value_curves")
    by = require_by(curves, by, keys=["period_number"], name="curves")
    need = ["period_number", "cumulative_revenue_per_customer", "customers"]
    require_frame_columns(
        curves, need + ([by] if by else []), name="curves", producer="value_curves"
    )
    currency = require_str(currency, name="currency")
    at = require_whole_number(at, name="at", low=0)
    min_basis = require_in_range(min_basis, name="min_basis", low=0, high=1)
    observation_end = require_date(observation_end, name="observation_end", allow_none=True)
    if curves.empty:
        return "No value curve to describe: no cohort is observed long enough."
    word = say.period_word(check_period(period))
    k = min(at, int(curves["period_number"].max()))
    unit = f" {currency}" if currency else ""
    partial = _partial_note(curves, word, value="averages", end=observation_end)
    short = (
        f" {word.capitalize()} {at} is not shown: too few customers have been observed that long."
        if k < at
        else ""
    )
    total = curves.groupby(by)["customers"].transform("max") if by else curves["customers"].max()
    curves = curves.assign(_basis=curves["customers"] / total)
    row = curves[curves["period_number"] == k]
    if by:
        ranked = row.sort_values("cumulative_revenue_per_customer", ascending=False)
        parts = say.join(
            f"{g} {v:,.0f}"
            for g, v in zip(ranked[by], ranked["cumulative_revenue_per_customer"], strict=True)
        )
        thin = ranked.loc[ranked["_basis"] < min_basis, by].astype(str).tolist()
        caveat = (
            f" For {say.join(thin)} this rests on less than {say.pct(min_basis)} of the "
            "customers (the earliest cohorts)."
            if thin
            else ""
        )
        basis = _value_basis(ranked, by)
        return (
            f"After {say.count(k, word)}, an acquired customer has brought on average, by {by}: "
            f"{parts}{unit} (net of returns).{basis}"
            f"{caveat}{short}{partial}"
        )
    r = row.iloc[0]
    value = float(r["cumulative_revenue_per_customer"])
    text = (
        f"After {say.count(k, word)}, an acquired customer has brought {value:,.0f}{unit} on "
        f"average (net of returns), over {say.count(r['cohorts'], 'cohort')} "
        f"({say.count(r['customers'], 'customer')}) observed that long."
    )
    if r["_basis"] < min_basis:
        text += (
            f" That is {say.pct(r['_basis'])} of the customers (the earliest cohorts): read it "
            "with care."
        )
    return text + short + partial


def _value_basis(rows: pd.DataFrame, by: str) -> str:
    """What the per-group values of one period rest on: cohorts and share of customers."""
    word = by.replace("_", " ")
    if len(rows) == 1:
        r = rows.iloc[0]
        return (
            f" That rests on {say.count(r['cohorts'], 'cohort')} ({say.count(r['customers'], 'customer')},"
            f" {say.pct(r['_basis'])} of the {word}'s acquired customers)."
        )
    if rows["cohorts"].nunique() == 1:
        lo, hi = say.pct(rows["_basis"].min()), say.pct(rows["_basis"].max())
        share = lo if lo == hi else f"{lo} to {hi}"
        return (
            f" Each rests on {say.count(rows['cohorts'].iloc[0], 'cohort')} ({share} of the "
            f"{word}'s acquired customers)."
        )
    listed = say.join(
        f"{g} {say.count(c, 'cohort')} ({say.pct(b)})"
        for g, c, b in zip(rows[by], rows["cohorts"], rows["_basis"], strict=True)
    )
    return f" Cohorts observed that long (share of acquired customers): {listed}."


def describe_churn(
    churn: pd.DataFrame, *, period: str = "M", by: str | None = None, last: int = 6
) -> str:
    """A plain-language reading of :func:`churn_table`: the latest complete period, the range
    over the last few, and a warning about the incomplete last period.

    Parameters
    ----------
    churn : pandas.DataFrame
        Output of :func:`churn_table` without ``by`` (or filtered to one group).
    period : {"D", "W", "M", "Q"}, default "M"
        The ``period`` the table was built with.
    by : str, optional
        The ``by`` column of ``churn``, when it is filtered to one group.
    last : int
        How many complete periods the range covers.

    Returns
    -------
    str
        E.g. "In Nov 2011, 45% of the 1,361 customers who bought in Oct 2011 bought again
        (churn 55%); over the last 6 complete months churn ranged from 55% to 63%. Dec 2011
        is incomplete: its churn rate (78%) reads high by design."
    """
    need = ["period", "customers_start", "churn_rate", "partial"]
    require_frame_columns(churn, need, name="churn", producer="churn_table")
    last = require_whole_number(last, name="last", low=1)
    _single_group(churn, "churn", by, "period")
    period = require_period(churn, period, column="period", name="churn")
    word = say.period_word(period)
    rated = churn[churn["customers_start"] > 0]
    complete = rated[~rated["partial"].astype(bool)]
    partial_rows = rated[rated["partial"].astype(bool)]
    note = ""
    if len(partial_rows):
        p = partial_rows.iloc[-1]
        note = (
            f" {say.period_label(p['period'], period).capitalize()} is incomplete: its churn rate "
            f"({say.pct(p['churn_rate'])}) reads high by design and is no trend."
        )
    if complete.empty:
        return f"No complete {word} with customers active in the {word} before it yet.{note}"
    r = complete.iloc[-1]
    prev = pd.Timestamp(r["period"]) - _one_period(period)
    text = (
        f"In {say.period_label(r['period'], period)}, {say.pct(r['retention_rate'])} of the "
        f"{say.count(r['customers_start'], 'customer')} who bought in "
        f"{say.period_label(prev, period)} bought again (churn {say.pct(r['churn_rate'])})"
    )
    recent = complete.tail(int(last))
    if len(recent) > 1:
        lo, hi = float(recent["churn_rate"].min()), float(recent["churn_rate"].max())
        text += (
            f"; over the last {len(recent)} complete {word}s churn ranged from {say.pct(lo)} "
            f"to {say.pct(hi)}"
        )
    return text + "." + note


def _one_period(period: str) -> pd.DateOffset:
    return {
        "D": pd.DateOffset(days=1),
        "W": pd.DateOffset(weeks=1),
        "M": pd.DateOffset(months=1),
        "Q": pd.DateOffset(months=3),
    }[period]


# the columns of cohort_retention, so either table feeds the same plots and models
_SURVIVAL_COLUMNS: tuple[str, ...] = (
    "cohort",
    "period_number",
    "cohort_size",
    "customers",
    "retention",
)
_SURVIVAL_COLUMNS += ("observable", "partial", "small_cohort")


def default_inactive_periods(period: str) -> int:
    """:func:`cohort_survival`'s default rule: about 90 days without a purchase, in periods.

    Parameters
    ----------
    period : {"D", "W", "M", "Q"}
        The table's period.

    Returns
    -------
    int
        90 days, 13 weeks, 3 months or 1 quarter.
    """
    period = check_period(period)
    return {"D": 90, "W": 13, "M": 3, "Q": 1}[period]


def cohort_survival(
    transactions: Any,
    *,
    period: str = "M",
    inactive_periods: int | None = None,
    by: str | None = None,
    observation_end: Any = None,
    min_cohort_size: int = 30,
) -> pd.DataFrame:
    """Customers not yet lapsed, by acquisition cohort: a survivor table from a purchase log.

    A customer *lapses* the first time ``inactive_periods`` whole periods pass without a
    purchase (the usual "90 days without an order" rule); she is counted lost from the
    period after her last purchase before that gap, and a later return does not bring her
    back (it is a reactivation, see :func:`churn_table`). So ``customers`` never rises with
    ``period_number`` and a cell, once observable, never changes: what contractual models
    (:class:`~retention_lib.ShiftedBetaGeoModel`, :class:`~retention_lib.BetaDiscreteWeibullModel`)
    and :func:`~retention_lib.project_retention` need. (``kind="unbounded"`` retention
    counts a customer until her *last* purchase, so its recent cells keep rising as
    customers return, and a model fitted to them projects too low.)

    Parameters
    ----------
    transactions : DataFrame, DuckDB relation, PySpark DataFrame or path
        Canonical (cleaned) transactions: ``customer_id, timestamp, amount`` (and
        ``is_return`` if present).
    period : {"D", "W", "M", "Q"}
        Calendar period of cohorts and of activity.
    inactive_periods : int, optional
        Whole periods without a purchase after which a customer counts as lost (default:
        about 90 days: 90 days, 13 weeks, 3 months or 1 quarter). A definition of yours,
        stated with every result.
    by : str, optional
        Split cohorts by this column (the group on the customer's first purchase).
    observation_end : datetime-like, optional
        Ignore transactions after this time (default: the last transaction).
    min_cohort_size : int
        Cohorts smaller than this are flagged ``small_cohort``.

    Returns
    -------
    pandas.DataFrame
        The columns of :func:`cohort_retention`: ``[by], cohort, period_number,
        cohort_size, customers, retention, observable, partial, small_cohort``. A cell is
        observable once ``inactive_periods`` complete periods have passed after the period
        before it (the last, incomplete period does not count), so the youngest
        ``inactive_periods - 1`` ages of each cohort are NaN; ``partial`` is always False.

    Examples
    --------
    >>> table = cohort_survival(tx, period="M", inactive_periods=3)  # doctest: +SKIP
    >>> project_retention(table)  # doctest: +SKIP
    """
    period = check_period(period)
    if inactive_periods is None:
        inactive_periods = default_inactive_periods(period)
    gap = require_in_range(inactive_periods, name="inactive_periods", low=1)
    if gap != int(gap):
        raise DataValidationError(
            f"`inactive_periods` must be a whole number of periods; got {inactive_periods!r}."
        )
    gap = int(gap)
    min_cohort_size = int(require_in_range(min_cohort_size, name="min_cohort_size", low=0))
    c = _Cohorts(transactions, period=period, by=by, observation_end=observation_end)
    cells = (
        c.purchases.select("customer_id", "pidx")
        .unique()
        .join(c.customers, on="customer_id")
        .with_columns(period_number=nw.col("pidx") - nw.col("cohort_idx"))
    )
    # a purchase period followed by `gap` periods without one (or by the end of the log)
    # ends the customer's life: the first such period is the last she counts in
    flagged = cells
    for j in range(1, gap + 1):
        later = cells.select(
            "customer_id", (nw.col("pidx") - j).alias("pidx"), nw.lit(1).alias(f"_next{j}")
        )
        flagged = flagged.join(later, on=["customer_id", "pidx"], how="left")
    ends = nw.all_horizontal(
        *[nw.col(f"_next{j}").is_null() for j in range(1, gap + 1)], ignore_nulls=False
    )
    last = collect(
        flagged.filter(ends)
        .group_by("customer_id")
        .agg(nw.col("period_number").min(), *[nw.col(k).min() for k in c.keys])
        .group_by(c.keys + ["period_number"])
        .agg(nw.len().alias("customers"))
    )
    if last.empty:
        c.no_purchases()
    sizes = last.groupby(c.keys, as_index=False)["customers"].sum()
    sizes = sizes.rename(columns={"customers": "cohort_size"})
    complete = c.last_index - int(c.last_partial)  # the last complete period
    span = c.last_index - int(sizes["cohort_idx"].min())
    k = np.arange(span + 1)
    table = sizes.loc[sizes.index.repeat(len(k))].reset_index(drop=True)
    table["period_number"] = np.tile(k, len(sizes))
    full = table[c.keys + ["period_number"]].merge(last, on=c.keys + ["period_number"], how="left")
    full["customers"] = full["customers"].fillna(0)
    # survivors at k: customers whose last counted period is k or later (reverse cumsum)
    survivors = full.iloc[::-1].groupby(c.keys, sort=False)["customers"].cumsum().iloc[::-1]
    table["observable"] = (table["cohort_idx"] + table["period_number"] - 1 + gap <= complete) | (
        table["period_number"] == 0
    )
    table["customers"] = survivors.to_numpy(dtype="float64")
    table["customers"] = table["customers"].where(table["observable"])
    table["retention"] = table["customers"] / table["cohort_size"]
    table["partial"] = False
    table = c.finish(table, min_cohort_size)
    out = table[([by] if by else []) + list(_SURVIVAL_COLUMNS)]
    out.attrs.update(kind="survival", inactive_periods=gap)
    return out
