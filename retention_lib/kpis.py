"""Retention KPIs as plain formulas: churn, retention, repeat purchase, re-buy and upsell
rates; NPS, CSAT, CES and loyalty score from survey answers; LTV:CAC and retention ROI.

Rates are in percent (0-100), as retention teams quote them. The cohort-level churn,
retention and repeat-purchase tables live in :mod:`retention_lib.cohorts`
(:func:`~retention_lib.cohorts.churn_table`,
:func:`~retention_lib.cohorts.repeat_purchase_rates`, fractions per period); the
functions here are the scalar versions for one period.

Survey functions take a DataFrame and a column name (or a plain sequence of answers), drop
missing answers (counting them in ``n_missing``), refuse answers outside the scale, and
return one row per group with a confidence interval. They warn with
:class:`~retention_lib.SmallSampleWarning` below ``min_responses`` answers.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd
from scipy import stats

from . import _reading as say
from ._backend import check_log, collect, columns_of, datetime_lit, require_lazy_columns, to_lazy
from ._validation import (
    AssumptionWarning,
    DataValidationError,
    InputTypeError,
    SmallSampleWarning,
    format_rows,
    require_bool,
    require_column_name,
    require_date,
    require_finite,
    require_frame,
    require_frame_columns,
    require_in_range,
    require_number,
    require_numbers,
    require_sequence_of_str,
    require_str,
    require_whole_number,
)
from .groups import MIN_GROUP_CUSTOMERS, ranked_groups
from .pareto import _check_by, _purchase_filter

__all__ = [
    "DEFAULT_LOYALTY_COLUMNS",
    "ces",
    "churn_rate",
    "csat",
    "customer_counts",
    "describe_customer_counts",
    "describe_ltv_cac",
    "describe_nps",
    "kpi_summary",
    "link_survey",
    "loyalty_score",
    "ltv_cac",
    "ltv_cac_by_group",
    "nps",
    "rebuy_rate",
    "repeat_purchase_rate",
    "retention_rate",
    "retention_roi",
    "survey_summary",
    "upsell_rate",
]

#: Survey columns of the three loyalty questions (0-10): would buy again, would try new
#: products, would recommend.
DEFAULT_LOYALTY_COLUMNS: tuple[str, str, str] = (
    "loyalty_rebuy",
    "loyalty_try_new",
    "loyalty_recommend",
)


# --------------------------------------------------------------------------- formulas


def _count(value: Any, name: str) -> float:
    v = require_number(value, name=name)
    if not math.isfinite(v) or v < 0:
        raise DataValidationError(f"`{name}` must be a finite count >= 0; got {value!r}.")
    return v


def churn_rate(lost: float, start: float) -> float:
    """Churn rate in percent.

    ``churn rate = lost / S x 100``: customers lost during the period over customers at
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
        Percent in [0, 100].

    Examples
    --------
    >>> churn_rate(20, 200)
    10.0
    """
    lost, start = _count(lost, "lost"), _count(start, "start")
    if start == 0:
        raise DataValidationError("`start` is 0: the churn rate needs customers at the start.")
    if lost > start:
        raise DataValidationError(
            f"`lost` ({lost:g}) exceeds `start` ({start:g}): only customers present at the start "
            "can be lost. Count new customers who left separately."
        )
    return lost / start * 100


def retention_rate(end: float, new: float, start: float) -> float:
    """Customer retention rate in percent.

    ``retention rate = (E - N) / S x 100`` with E customers at the end of the period, N
    new customers gained during it and S customers at its start.

    Parameters
    ----------
    end, new, start : float
        E, N and S (S > 0, 0 <= E - N <= S).

    Returns
    -------
    float
        Percent in [0, 100].

    Examples
    --------
    >>> retention_rate(end=190, new=30, start=200)
    80.0
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
    return kept / start * 100


def retention_roi(retained_value: float, retention_cost: float) -> float:
    """Return on retention spending in percent.

    ``ROI = (value of retained customers - retention cost) / retention cost x 100``.

    Parameters
    ----------
    retained_value : float
        Value (revenue or margin) of the customers the programme kept.
    retention_cost : float
        Cost of the programme (> 0).

    Returns
    -------
    float
        Percent; negative when the programme cost more than it kept.

    Examples
    --------
    >>> retention_roi(retained_value=15_000, retention_cost=5_000)
    200.0
    """
    v = require_in_range(retained_value, name="retained_value")
    c = require_in_range(retention_cost, name="retention_cost", low=0, low_inclusive=False)
    return (v - c) / c * 100


def ltv_cac(ltv: Any, cac: Any, *, healthy_ratio: float = 3.0) -> pd.DataFrame:
    """LTV:CAC ratio with the ``>= 3:1`` health flag.

    ``ratio = LTV / CAC``; a ratio of at least ``healthy_ratio`` (3 by the usual rule of
    thumb) means a customer returns three times what it cost to acquire.

    Parameters
    ----------
    ltv, cac : float or array-like
        Customer lifetime value and customer acquisition cost (> 0), e.g. per channel;
        pandas Series keep their index.
    healthy_ratio : float, default 3.0

    Returns
    -------
    pandas.DataFrame
        ``ltv, cac, ltv_cac_ratio, healthy`` (bool) and ``verdict``: "losing money"
        (< 1), "below 3:1", "healthy (3:1 or better)" (up to 5) or "above 5:1: may be
        under-investing in acquisition".

    Examples
    --------
    >>> ltv_cac(600, 150)[["ltv_cac_ratio", "healthy", "verdict"]]
       ltv_cac_ratio  healthy                  verdict
    0            4.0     True  healthy (3:1 or better)
    """
    healthy_ratio = require_in_range(
        healthy_ratio, name="healthy_ratio", low=0, low_inclusive=False
    )
    index = next((x.index for x in (ltv, cac) if isinstance(x, pd.Series)), None)
    lv, cv = require_numbers(ltv, name="ltv"), require_numbers(cac, name="cac")
    try:
        lv, cv = np.broadcast_arrays(lv, cv)
    except ValueError:
        raise DataValidationError(
            f"`ltv` and `cac` must have the same length (or one be a single number); got "
            f"{lv.size} and {cv.size} values."
        ) from None
    for name, arr, bad in (
        ("ltv", lv, ~np.isfinite(lv)),
        ("cac", cv, ~np.isfinite(cv) | (cv <= 0)),
    ):
        if bad.any():
            raise DataValidationError(
                f"`{name}` must be finite{' and > 0' if name == 'cac' else ''}; found "
                f"{arr[bad][0]:g} at {format_rows(np.flatnonzero(bad))}."
            )
    out = pd.DataFrame({"ltv": lv, "cac": cv})
    if index is not None and len(index) == len(out):
        out.index = index
    out["ltv_cac_ratio"] = out["ltv"] / out["cac"]
    out["healthy"] = out["ltv_cac_ratio"] >= healthy_ratio
    ratio = out["ltv_cac_ratio"].to_numpy()
    out["verdict"] = np.select(
        [ratio < 1, ratio < healthy_ratio, ratio <= 5],
        ["losing money", f"below {healthy_ratio:g}:1", f"healthy ({healthy_ratio:g}:1 or better)"],
        "above 5:1: may be under-investing in acquisition",
    )
    return out


def ltv_cac_by_group(
    values: pd.DataFrame,
    transactions: Any,
    *,
    cac: float | Mapping[str, float],
    by: str = "segment",
    default_cac: float | None = None,
    value: str = "clv",
    healthy_ratio: float = 3.0,
) -> pd.DataFrame:
    """LTV:CAC per acquisition group (channel, segment): each group's mean predicted value
    per customer against what acquiring one of its customers costs.

    A customer's group is the ``by`` value on their first purchase (as in
    :func:`link_survey`); without a ``by`` column every customer is in the group "all".

    Parameters
    ----------
    values : pandas.DataFrame
        One row per customer: ``customer_id`` and ``value`` (e.g.
        :func:`~retention_lib.clv.customer_lifetime_value` output).
    transactions : DataFrame-like
        Canonical transaction log holding the ``by`` column.
    cac : float or mapping
        Acquisition cost per customer: one number, or one per group.
    by : str, default "segment"
    default_cac : float, optional
        Cost of the groups ``cac`` does not list; without it they are an error.
    value : str, default "clv"
    healthy_ratio : float, default 3.0

    Returns
    -------
    pandas.DataFrame
        :func:`ltv_cac` per group, indexed by the group, plus ``customers``.

    Raises
    ------
    DataValidationError
        Missing columns, or a group without a cost.
    """
    require_frame(values, name="values", producer="customer_lifetime_value")
    by = require_column_name(by, allow_none=False)
    if not isinstance(cac, Mapping):
        if isinstance(cac, str | bytes) or not isinstance(cac, numbers.Real):
            raise InputTypeError(
                f"`cac` must be a number or a dict {{group: cost}} such as {{'web': 40.0}}, got "
                f"{cac!r}."
            )
    missing = [c for c in ("customer_id", value) if c not in values.columns]
    if missing:
        raise DataValidationError(
            f"`values` is missing column(s) {', '.join(f'`{c}`' for c in missing)}; pass "
            "`retention_lib.customer_lifetime_value(...)` output or name the column with `value=`."
        )
    require_finite(
        values[value],
        column=value,
        fix="A customer's value is never taken as 0: drop those customers or fill their value.",
    )
    amounts = values[value].to_numpy(dtype=float)
    linked = link_survey(values[["customer_id"]], transactions, columns=[by])
    if by in linked.columns:
        groups = linked[by]
    else:
        warnings.warn(
            f"`transactions` has no `{by}` column, so all customers form one group 'all' "
            "with one acquisition cost. Pass `by=` naming the acquisition column to compare "
            "groups.",
            AssumptionWarning,
            stacklevel=2,
        )
        groups = pd.Series("all", index=values.index)
    table = pd.DataFrame({by: groups.to_numpy(), "value": amounts})
    per_group = table.groupby(by, observed=True)["value"].agg(["mean", "size"])
    costs = {}
    for group in per_group.index:
        cost = cac.get(group, default_cac) if isinstance(cac, Mapping) else cac
        if cost is None:
            raise DataValidationError(
                f"No acquisition cost for {by} {group!r}: add it to `cac` or pass `default_cac=`."
            )
        costs[group] = cost
    out = ltv_cac(
        per_group["mean"], pd.Series(costs).reindex(per_group.index), healthy_ratio=healthy_ratio
    )
    out.insert(0, "customers", per_group["size"].astype("int64"))
    return out


# --------------------------------------------------------------------------- from transactions


def _day(value: Any, name: str) -> pd.Timestamp:
    return require_date(value, name=name)


def _purchases(transactions: Any, by: str | None, extra: Sequence[str] = ()) -> nw.LazyFrame:
    lf = to_lazy(transactions)
    cols = columns_of(lf)
    need = ["customer_id", "timestamp", "amount", *([by] if by else []), *extra]
    require_lazy_columns(lf, need, what="`transactions`")
    check_log(lf, by=by)
    return lf.filter(_purchase_filter(cols))


def repeat_purchase_rate(transactions: Any) -> float:
    """Repeat purchase rate in percent.

    ``repeat purchase rate = customers with >= 2 orders / customers with >= 1 order x 100``,
    over the whole log. An order is a distinct ``order_id`` (a distinct purchase day when
    there is no ``order_id``) with ``amount > 0`` that is not a return. Per cohort or
    group see :func:`~retention_lib.cohorts.repeat_purchase_rates`.

    Parameters
    ----------
    transactions : DataFrame-like
        Canonical transaction log (pandas, polars, DuckDB relation, ...).

    Returns
    -------
    float
        Percent in [0, 100].

    Examples
    --------
    >>> repeat_purchase_rate(tx)  # doctest: +SKIP
    34.9
    """
    from .cohorts import repeat_purchase_rates

    return float(repeat_purchase_rates(transactions)["repeat_purchase_rate"].iloc[0]) * 100


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

    Then ``churn_rate = lost / S x 100`` and ``retention_rate = (E - N) / S x 100`` add up
    to 100.

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
        churn_rate, retention_rate`` (rates in percent).

    Examples
    --------
    >>> customer_counts(tx, start="2011-06-01", end="2011-12-01", active_days=180)  # doctest: +SKIP
    """
    t0, t1 = _day(start, "start"), _day(end, "end")
    if t1 <= t0:
        raise DataValidationError(f"`end` ({t1}) must be after `start` ({t0}).")
    w = require_whole_number(active_days, name="active_days", low=1)
    _check_by(by)
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
    out["churn_rate"] = out["lost"] / s * 100
    out["retention_rate"] = (out["customers_end"] - out["new"]) / s * 100
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
    t0 = _day(start, "start")
    t1 = None if end is None else _day(end, "end")
    if t1 is not None and t1 <= t0:
        raise DataValidationError(f"`end` ({t1}) must be after `start` ({t0}).")
    lf = _purchases(transactions, None, extra)
    before = lf.filter(nw.col("timestamp") < datetime_lit(t0, lf))
    cond = nw.col("timestamp") >= datetime_lit(t0, lf)
    if t1 is not None:
        cond = cond & (nw.col("timestamp") < datetime_lit(t1, lf))
    return before, lf.filter(cond), t0, t1


def rebuy_rate(transactions: Any, *, start: Any, end: Any = None) -> float:
    """Purchase (re-buy) rate in percent: existing customers who bought again in a period.

    ``re-buy rate = customers with a purchase before start and in [start, end) /
    customers with a purchase before start x 100``.

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
        Percent in [0, 100].

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
    return n_again / n_base * 100


def upsell_rate(transactions: Any, *, start: Any, end: Any = None) -> float:
    """Upsell rate in percent: existing customers who bought a product new to them.

    ``upsell rate = customers with a purchase before start who bought, in [start, end), a
    product_code they had not bought before start / customers with a purchase before
    start x 100``.

    Parameters
    ----------
    transactions : DataFrame-like
        Canonical transaction log with ``product_code``.
    start, end : date-like
        As in :func:`rebuy_rate`.

    Returns
    -------
    float
        Percent in [0, 100]; at most the re-buy rate.

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
    return n_up / n_base * 100


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
        (whole log), re-buy rate and upsell rate (in [start, end)).

    Examples
    --------
    >>> kpi_summary(tx, start="2011-06-01", end="2011-12-01")  # doctest: +SKIP
    """
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
        ("churn rate", c["churn_rate"], "%", "lost / S x 100"),
        ("retention rate", c["retention_rate"], "%", "(E - N) / S x 100"),
        (
            "repeat purchase rate",
            repeat_purchase_rate(transactions),
            "%",
            "customers with >= 2 orders / customers x 100",
        ),
        (
            "re-buy rate",
            rebuy_rate(transactions, start=start, end=end),
            "%",
            "earlier customers buying in the period / earlier customers x 100",
        ),
    ]
    if "product_code" in columns_of(to_lazy(transactions)):
        rows.append(
            (
                "upsell rate",
                upsell_rate(transactions, start=start, end=end),
                "%",
                "earlier customers buying a product new to them / earlier customers x 100",
            )
        )
    out = pd.DataFrame(rows, columns=["kpi", "value", "unit", "formula"])
    out["value"] = out["value"].astype("float64")
    return out


# --------------------------------------------------------------------------- surveys


def link_survey(
    survey: pd.DataFrame,
    transactions: Any,
    *,
    columns: Sequence[str] = ("region", "segment"),
    unknown: str = "Unknown",
) -> pd.DataFrame:
    """Add customer attributes (region, segment, ...) to survey answers.

    Each customer's attribute is the one on their first purchase (the smallest value when
    several rows share that timestamp), as in :mod:`retention_lib.cohorts`.

    Parameters
    ----------
    survey : pandas.DataFrame
        Survey answers with ``customer_id`` (e.g.
        :func:`~retention_lib.datasets.load_sample_survey`).
    transactions : DataFrame-like
        Canonical transaction log holding ``columns``.
    columns : sequence of str, default ("region", "segment")
        Attributes to add; those missing from ``transactions`` are skipped.
    unknown : str, default "Unknown"
        Label for respondents with no purchase in ``transactions`` (counted in a warning).

    Returns
    -------
    pandas.DataFrame
        ``survey`` with the attribute columns added (same rows, same order).

    Examples
    --------
    >>> nps(link_survey(survey, tx), by="region")  # doctest: +SKIP
    """
    require_frame(survey, name="survey", producer="load_sample_survey")
    columns = require_sequence_of_str(columns, name="columns", what="column names")
    unknown = require_str(unknown, name="unknown")
    if "customer_id" not in survey.columns:
        raise DataValidationError(
            "`survey` is missing column `customer_id`, needed to link answers to customers."
        )
    lf = to_lazy(transactions)
    have = columns_of(lf)
    check_log(lf, ["customer_id", "timestamp"])
    cols = [c for c in columns if c in have and c not in ("customer_id", "timestamp")]
    out = survey.copy()
    if not cols:
        return out
    first = lf.group_by("customer_id").agg(nw.col("timestamp").min())
    attrs = collect(
        lf.select("customer_id", "timestamp", *cols)
        .join(first, on=["customer_id", "timestamp"], how="inner")
        .group_by("customer_id")
        .agg(*[nw.col(c).min() for c in cols])
    )
    attrs["customer_id"] = attrs["customer_id"].astype("str")
    clash = [c for c in cols if c in out.columns]
    out = out.drop(columns=clash)
    key = out["customer_id"].astype("str")
    merged = pd.DataFrame({"customer_id": key}).merge(attrs, on="customer_id", how="left")
    lacking = merged[cols[0]].isna()
    if lacking.any():
        warnings.warn(
            f"{int(lacking.sum())} survey answer(s) come from customers with no purchase in "
            f"`transactions` ({format_rows(out.index[lacking.to_numpy()])}); they are labelled "
            f"{unknown!r}.",
            SmallSampleWarning,
            stacklevel=2,
        )
    for c in cols:
        out[c] = merged[c].fillna(unknown).astype("str").to_numpy()
    return out


def _answers(
    responses: Any, column: str | None, by: str | None, *, what: str
) -> tuple[pd.DataFrame, str]:
    """A frame with ``[by], _v`` (float answers, NaN = no answer)."""
    by = require_column_name(by)
    if isinstance(responses, pd.DataFrame):
        if column is None:
            raise DataValidationError(f"Pass `column=` naming the {what} answers in `responses`.")
        need = [column, *([by] if by else [])]
        missing = [c for c in need if c not in responses.columns]
        if missing:
            raise DataValidationError(
                f"`responses` is missing column(s) {', '.join(f'`{c}`' for c in missing)}; found "
                f"{', '.join(f'`{c}`' for c in list(responses.columns)[:12])}. Pass `column=` "
                f"(and `by=`) naming columns of the survey."
            )
        frame = responses[need].rename(columns={column: "_v"})
        label = column
    else:
        if by is not None:
            raise DataValidationError("`by` needs `responses` as a DataFrame holding that column.")
        if isinstance(responses, (str, bytes)) or not hasattr(responses, "__len__"):
            raise InputTypeError(
                f"`responses` must be a DataFrame or a sequence of answers, got "
                f"{type(responses).__name__}."
            )
        frame = pd.DataFrame({"_v": pd.Series(responses).reset_index(drop=True)})
        label = "responses"
    raw = frame["_v"]
    num = pd.to_numeric(raw, errors="coerce")
    bad = num.isna() & raw.notna()
    if bad.any():
        raise DataValidationError(
            f"Column `{label}` has non-numeric answers at {format_rows(frame.index[bad])} "
            f"(e.g. {raw[bad].iloc[0]!r}). Map text answers to numbers first."
        )
    frame = frame.assign(_v=num.astype("float64"))
    if by is not None and frame[by].isna().any():
        rows = frame.index[frame[by].isna()]
        raise DataValidationError(
            f"Column `{by}` has missing values at {format_rows(rows)}. Fill them (e.g. "
            f"'Unknown') first."
        )
    return frame, label


def _check_scale(frame: pd.DataFrame, label: str, low: float, high: float) -> None:
    v = frame["_v"]
    bad = v.notna() & ((v < low) | (v > high) | (v != np.round(v)))
    if bad.any():
        raise DataValidationError(
            f"Column `{label}` must hold whole numbers from {low:g} to {high:g}; found "
            f"{v[bad].iloc[0]:g} at {format_rows(frame.index[bad])}. Check the scale (pass "
            f"`scale=`) or recode the answers."
        )


def _groups(frame: pd.DataFrame, by: str | None) -> list[tuple[dict, pd.Series]]:
    if by is None:
        return [({}, frame["_v"])]
    return [({by: k}, g["_v"]) for k, g in frame.groupby(by, sort=True)]


def _small(n: int, min_responses: int, what: str, key: dict) -> None:
    if n < min_responses:
        where = "".join(f" for `{k}` = {v!r}" for k, v in key.items())
        warnings.warn(
            f"Only {n} {what} answer(s){where}: the score is very uncertain (see the "
            f"confidence interval). Collect at least {min_responses} answers before acting "
            "on it.",
            SmallSampleWarning,
            stacklevel=3,
        )


def _score_table(
    frame: pd.DataFrame,
    by: str | None,
    what: str,
    min_responses: int,
    stat: Callable[[pd.Series], dict[str, Any]],
) -> pd.DataFrame:
    """One row per group: ``[by], n, n_missing`` and what ``stat`` computes from the answers."""
    min_responses = require_whole_number(min_responses, name="min_responses", low=0)
    rows = []
    for key, v in _groups(frame, by):
        ans = v.dropna()
        n = len(ans)
        if n == 0:
            raise DataValidationError(f"No {what} answer{_where(key)}; the {what} is undefined.")
        _small(n, min_responses, what, key)
        rows.append({**key, "n": n, "n_missing": int(v.isna().sum()), **stat(ans)})
    return pd.DataFrame(rows)


def _z(confidence: float) -> float:
    c = require_in_range(
        confidence, name="confidence", low=0, high=1, low_inclusive=False, high_inclusive=False
    )
    return float(stats.norm.ppf(0.5 + c / 2))


def nps(
    responses: Any,
    *,
    column: str | None = "nps",
    by: str | None = None,
    confidence: float = 0.95,
    min_responses: int = 30,
) -> pd.DataFrame:
    """Net Promoter Score from 0-10 "would you recommend us" answers.

    ``NPS = % promoters (9-10) - % detractors (0-6)``, from -100 to 100. The interval is
    the adjusted Wald interval of Rocks (2016): add 3/4 to promoters and detractors and 3
    to ``n``, then ``NPS' +/- z sqrt((p' + d' - (p' - d')^2) / n')``, clipped to
    [-100, 100].

    Parameters
    ----------
    responses : DataFrame or sequence of int
        Survey answers 0-10.
    column : str, default "nps"
        Column with the answers when ``responses`` is a DataFrame.
    by : str, optional
        Grouping column of ``responses`` (e.g. ``"region"``).
    confidence : float, default 0.95
    min_responses : int, default 30
        Fewer answers trigger a :class:`SmallSampleWarning`.

    Returns
    -------
    pandas.DataFrame
        ``[by], n, n_missing, promoters, passives, detractors, pct_promoters,
        pct_detractors, nps, ci_low, ci_high``.

    References
    ----------
    Reichheld, F. F. (2003). The one number you need to grow. Harvard Business Review,
    81(12), 46-54.
    Rocks, B. (2016). Interval estimation for the "net promoter score". The American
    Statistician, 70(4), 365-372.

    Examples
    --------
    >>> nps([10, 9, 8, 7, 6], min_responses=1)["nps"].item()
    20.0
    """
    z = _z(confidence)
    frame, label = _answers(responses, column, by, what="NPS")
    _check_scale(frame, label, 0, 10)

    def stat(ans: pd.Series) -> dict[str, Any]:
        n = len(ans)
        pro, det = int((ans >= 9).sum()), int((ans <= 6).sum())
        # adjusted Wald (Rocks 2016, Sec. 3.3)
        n_adj = n + 3
        p_adj, d_adj = (pro + 0.75) / n_adj, (det + 0.75) / n_adj
        centre = p_adj - d_adj
        half = z * math.sqrt((p_adj + d_adj - centre**2) / n_adj)
        return {
            "promoters": pro,
            "passives": n - pro - det,
            "detractors": det,
            "pct_promoters": pro / n * 100,
            "pct_detractors": det / n * 100,
            "nps": (pro - det) / n * 100,
            "ci_low": max(-100.0, (centre - half) * 100),
            "ci_high": min(100.0, (centre + half) * 100),
        }

    return _score_table(frame, by, "NPS", min_responses, stat)


def _where(key: dict) -> str:
    return "".join(f" for `{k}` = {v!r}" for k, v in key.items())


def _check_scale_arg(scale: Any) -> tuple[int, int]:
    try:
        low, high = (int(x) for x in scale)
    except (TypeError, ValueError):
        raise InputTypeError(
            f"`scale` must be a (low, high) pair such as (1, 5); got {scale!r}."
        ) from None
    if high <= low:
        raise DataValidationError(f"`scale` must have low < high; got {scale!r}.")
    return low, high


def csat(
    responses: Any,
    *,
    column: str | None = "csat",
    by: str | None = None,
    scale: tuple[int, int] = (1, 5),
    satisfied_from: int | None = None,
    confidence: float = 0.95,
    min_responses: int = 30,
) -> pd.DataFrame:
    """Customer satisfaction score: percent of satisfied answers.

    ``CSAT = answers >= satisfied_from / answers x 100``; on the usual 1-5 scale the
    satisfied answers are 4 and 5 (the top two boxes). The interval is Wilson's score
    interval for a proportion.

    Parameters
    ----------
    responses : DataFrame or sequence of int
    column : str, default "csat"
    by : str, optional
    scale : (int, int), default (1, 5)
        Lowest and highest possible answer.
    satisfied_from : int, optional
        Lowest satisfied answer; default the second-highest point of the scale.
    confidence : float, default 0.95
    min_responses : int, default 30

    Returns
    -------
    pandas.DataFrame
        ``[by], n, n_missing, n_satisfied, csat, ci_low, ci_high`` (percent).

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
    inference. JASA, 22(158), 209-212.

    Examples
    --------
    >>> csat([5, 4, 3, 2, 5], min_responses=1)["csat"].item()
    60.0
    """
    z = _z(confidence)
    low, high = _check_scale_arg(scale)
    cut = (
        high - 1
        if satisfied_from is None
        else require_whole_number(satisfied_from, name="satisfied_from")
    )
    if not low <= cut <= high:
        raise DataValidationError(
            f"`satisfied_from` must lie within `scale` {low}-{high}; got {satisfied_from!r}."
        )
    frame, label = _answers(responses, column, by, what="CSAT")
    _check_scale(frame, label, low, high)

    def stat(ans: pd.Series) -> dict[str, Any]:
        n, k = len(ans), int((ans >= cut).sum())
        lo, hi = _wilson(k, n, z)
        return {"n_satisfied": k, "csat": k / n * 100, "ci_low": lo * 100, "ci_high": hi * 100}

    return _score_table(frame, by, "CSAT", min_responses, stat)


def _wilson(k: int, n: int, z: float) -> tuple[float, float]:
    p = k / n
    denom = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def _mean_ci(ans: pd.Series, z_conf: float) -> tuple[float, float, float]:
    n = len(ans)
    mean = float(ans.mean())
    if n < 2:
        return mean, math.nan, math.nan
    se = float(ans.std(ddof=1)) / math.sqrt(n)
    t = float(stats.t.ppf(0.5 + z_conf / 2, n - 1))
    return mean, mean - t * se, mean + t * se


def ces(
    responses: Any,
    *,
    column: str | None = "ces",
    by: str | None = None,
    scale: tuple[int, int] = (1, 7),
    confidence: float = 0.95,
    min_responses: int = 30,
) -> pd.DataFrame:
    """Customer effort score: the mean answer to "how easy was it to ...".

    ``CES = sum of answers / number of answers`` on ``scale`` (1-7 by default, 7 = very
    easy). Whether high is good depends on the wording of the question: with "how much
    effort", low is good. The interval is Student's t interval of the mean; ``pct_easy``
    is the share of answers in the top two points.

    Parameters
    ----------
    responses : DataFrame or sequence of int
    column : str, default "ces"
    by : str, optional
    scale : (int, int), default (1, 7)
    confidence : float, default 0.95
    min_responses : int, default 30

    Returns
    -------
    pandas.DataFrame
        ``[by], n, n_missing, ces, ci_low, ci_high, pct_easy``.

    References
    ----------
    Dixon, M., Freeman, K., & Toman, N. (2010). Stop trying to delight your customers.
    Harvard Business Review, 88(7/8), 116-122.

    Examples
    --------
    >>> ces([7, 6, 5, 2], min_responses=1)["ces"].item()
    5.0
    """
    c = require_in_range(
        confidence, name="confidence", low=0, high=1, low_inclusive=False, high_inclusive=False
    )
    low, high = _check_scale_arg(scale)
    frame, label = _answers(responses, column, by, what="CES")
    _check_scale(frame, label, low, high)

    def stat(ans: pd.Series) -> dict[str, Any]:
        mean, lo, hi = _mean_ci(ans, c)
        return {
            "ces": mean,
            "ci_low": lo,
            "ci_high": hi,
            "pct_easy": float((ans >= high - 1).mean() * 100),
        }

    return _score_table(frame, by, "CES", min_responses, stat)


def loyalty_score(
    responses: pd.DataFrame,
    *,
    columns: Sequence[str] = DEFAULT_LOYALTY_COLUMNS,
    by: str | None = None,
    confidence: float = 0.95,
    min_responses: int = 30,
) -> pd.DataFrame:
    """Customer loyalty score: mean of three 0-10 answers.

    Per respondent ``loyalty = (rebuy + try_new + recommend) / 3`` (would buy again, would
    try new products, would recommend); the score is the mean over respondents who
    answered all three (others are counted in ``n_missing``).

    Parameters
    ----------
    responses : pandas.DataFrame
    columns : sequence of 3 str, default :data:`DEFAULT_LOYALTY_COLUMNS`
    by : str, optional
    confidence : float, default 0.95
    min_responses : int, default 30

    Returns
    -------
    pandas.DataFrame
        ``[by], n, n_missing, loyalty_score, ci_low, ci_high`` and the mean of each
        question (named after ``columns``), all on 0-10.

    Examples
    --------
    >>> survey = pd.DataFrame({"loyalty_rebuy": [9, 6], "loyalty_try_new": [6, 3],
    ...                        "loyalty_recommend": [9, 6]})
    >>> loyalty_score(survey, min_responses=1)["loyalty_score"].item()
    6.5
    """
    c = require_in_range(
        confidence, name="confidence", low=0, high=1, low_inclusive=False, high_inclusive=False
    )
    require_frame(responses, name="responses", producer="load_sample_survey")
    min_responses = require_whole_number(min_responses, name="min_responses", low=0)
    columns = require_sequence_of_str(columns, name="columns", what="column names")
    if len(columns) != 3:
        raise DataValidationError(
            f"`columns` must name the three loyalty questions (re-buy, try new, recommend); "
            f"got {columns!r}."
        )
    parts = {}
    for col in columns:
        frame, label = _answers(responses, col, by, what="loyalty")
        _check_scale(frame, label, 0, 10)
        parts[col] = frame["_v"]
    answers = pd.DataFrame(parts)
    if by:
        answers[by] = responses[by].to_numpy()
    complete = answers[columns].notna().all(axis=1)
    answers["_v"] = answers[columns].mean(axis=1).where(complete)
    rows = []
    for key, v in _groups(answers, by):
        sub = answers.loc[v.index]
        ok = sub[complete.loc[v.index]]
        n = len(ok)
        if n == 0:
            raise DataValidationError(
                f"No respondent answered all of {', '.join(f'`{x}`' for x in columns)}"
                f"{_where(key)}; the loyalty score is undefined."
            )
        _small(n, min_responses, "loyalty", key)
        mean, lo, hi = _mean_ci(ok["_v"], c)
        rows.append(
            {
                **key,
                "n": n,
                "n_missing": int(len(sub) - n),
                "loyalty_score": mean,
                "ci_low": lo,
                "ci_high": hi,
                **{col: float(ok[col].mean()) for col in columns},
            }
        )
    return pd.DataFrame(rows)


#: The survey scores :func:`survey_summary` reports: label -> (function, its value column,
#: the survey columns it needs).
SURVEY_SCORES: dict[str, tuple[Callable[..., pd.DataFrame], str, tuple[str, ...]]] = {
    "NPS": (nps, "nps", ("nps",)),
    "CSAT (%)": (csat, "csat", ("csat",)),
    "CES (1-7)": (ces, "ces", ("ces",)),
    "Loyalty (0-10)": (loyalty_score, "loyalty_score", DEFAULT_LOYALTY_COLUMNS),
}


def survey_summary(
    responses: pd.DataFrame, *, by: str | None = None, min_responses: int = 30
) -> pd.DataFrame:
    """NPS, CSAT, CES and the loyalty score side by side, with their intervals.

    Each score is computed as its own function computes it (:func:`nps`, :func:`csat`,
    :func:`ces`, :func:`loyalty_score`, default columns and scales); scores whose columns
    the survey lacks are left out and named in ``attrs["missing_scores"]``.

    Parameters
    ----------
    responses : pandas.DataFrame
        Survey answers, one row per respondent (see :func:`link_survey` for ``by`` columns).
    by : str, optional
        Group column (e.g. ``"region"``).
    min_responses : int, default 30
        Groups with fewer answers get a :class:`~retention_lib.SmallSampleWarning`.

    Returns
    -------
    pandas.DataFrame
        One row per score (and group): ``[by], score, value, ci_low, ci_high, n``.

    Raises
    ------
    DataValidationError
        The survey has none of the score columns.

    Examples
    --------
    >>> survey_summary(load_sample_survey())  # doctest: +SKIP
                score  value  ci_low  ci_high     n
    0             NPS   10.7     5.8     15.5  1000
    """
    require_frame(responses, name="responses", producer="load_sample_survey")
    by = require_column_name(by)
    min_responses = require_whole_number(min_responses, name="min_responses", low=0)
    keys = [by] if by else []
    parts, missing = [], []
    for label, (score, column, needed) in SURVEY_SCORES.items():
        if not all(c in responses.columns for c in needed):
            missing.append(label)
            continue
        table = score(responses, by=by, min_responses=min_responses)
        part = table[[*keys, column, "ci_low", "ci_high", "n"]].rename(columns={column: "value"})
        parts.append(part.assign(score=label))
    if not parts:
        raise DataValidationError(
            "`responses` has none of the survey score columns: `nps` (0-10), `csat` (1-5), "
            f"`ces` (1-7) or {', '.join(f'`{c}`' for c in DEFAULT_LOYALTY_COLUMNS)} (0-10). "
            f"Found {', '.join(f'`{c}`' for c in list(responses.columns)[:12])}."
        )
    out = pd.concat(parts, ignore_index=True)[[*keys, "score", "value", "ci_low", "ci_high", "n"]]
    out["n"] = out["n"].astype("int64")
    out.attrs["missing_scores"] = missing
    return out


# --------------------------------------------------------------------------- readings


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
            f"keeps {r['retention_rate']:.0f}% of them."
        )
    hi, lo = big.iloc[0], big.iloc[-1]
    lead = f"Of the {word}s with at least {min_customers:,} customers active at the start"
    if hi["retention_rate"] - lo["retention_rate"] <= 100 * say.LEVEL:
        return (
            f"{lead}, all keep about the same share ({lo['retention_rate']:.0f}% to "
            f"{hi['retention_rate']:.0f}%)."
        )
    return (
        f"{lead}, {hi[by]} keeps the most ({hi['retention_rate']:.0f}%) and {lo[by]} the "
        f"fewest ({lo['retention_rate']:.0f}%)."
    )


def describe_nps(table: pd.DataFrame, *, by: str, min_responses: int = 30) -> str:
    """A plain-language reading of :func:`nps` by group: highest and lowest, whether their
    intervals overlap (then the gap may be chance), and the groups with fewer than
    ``min_responses`` answers.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`nps` with ``by``.
    by : str
        The group column of ``table``.
    min_responses : int, default 30
        Groups with fewer answers are named apart, not compared.

    Returns
    -------
    str
        E.g. "NPS is highest in Europe (32, 95% interval 25 to 39) and lowest in Asia (12,
        -3 to 27); the intervals overlap, so the gap may be chance."
    """
    by = require_column_name(by, allow_none=False)
    need = [by, "nps", "n", "ci_low", "ci_high"]
    require_frame_columns(table, need, name="table", producer="nps")
    min_responses = require_whole_number(min_responses, name="min_responses", low=0)
    t = table[table["nps"].notna()]
    if t.empty:
        return "No NPS to compare."
    small = t.loc[t["n"] < min_responses, by].astype(str).tolist()
    few = (
        f" Fewer than {min_responses} answers in {say.join(small)}: wide intervals, read with care."
        if small
        else ""
    )
    if len(t) == 1:
        r = t.iloc[0]
        return (
            f"NPS in {r[by]} is {r['nps']:.0f} (95% interval {r['ci_low']:.0f} to "
            f"{r['ci_high']:.0f}).{few}"
        )
    hi, lo = t.loc[t["nps"].idxmax()], t.loc[t["nps"].idxmin()]
    text = (
        f"NPS is highest in {hi[by]} ({hi['nps']:.0f}, interval {hi['ci_low']:.0f} to "
        f"{hi['ci_high']:.0f}) and lowest in {lo[by]} ({lo['nps']:.0f}, {lo['ci_low']:.0f} to "
        f"{lo['ci_high']:.0f})"
    )
    if lo["ci_high"] >= hi["ci_low"]:
        text += "; the intervals overlap, so the gap may be chance."
    else:
        text += "; the intervals do not overlap."
    return text + few


def describe_ltv_cac(
    ratio: pd.DataFrame,
    *,
    horizon_months: int,
    cac_assumed: bool = True,
    healthy_ratio: float = 3.0,
) -> str:
    """A plain-language reading of :func:`ltv_cac_by_group`: which groups do not pay back
    ``healthy_ratio`` (as flagged in its ``healthy`` column) within the horizon, or that
    all do, and the weakest.

    With ``cac_assumed`` the reading says the costs are assumptions.

    Parameters
    ----------
    ratio : pandas.DataFrame
        Output of :func:`ltv_cac_by_group`.
    horizon_months : int
        The horizon the CLV was computed over, named in the sentence.
    cac_assumed : bool, default True
        The acquisition costs are assumptions, not the client's figures: the sentence says so.
    healthy_ratio : float, default 3.0
        The LTV:CAC ratio named as the threshold (the ``healthy`` column flags it).

    Returns
    -------
    str
        E.g. "At the assumed acquisition costs, every segment pays back at least 3:1 within 12
        months (lowest: paid_search, 4.2:1)."
    """
    require_frame_columns(ratio, ["ltv_cac_ratio", "healthy"], name="ratio", producer="ltv_cac")
    require_whole_number(horizon_months, name="horizon_months", low=1, high=600, unit="months")
    cac_assumed = require_bool(cac_assumed, name="cac_assumed")
    healthy_ratio = require_in_range(
        healthy_ratio, name="healthy_ratio", low=0, low_inclusive=False
    )
    if ratio.empty:
        return "No group to compare."
    costs = "At the assumed acquisition costs" if cac_assumed else "At these acquisition costs"
    weak = ratio[~ratio["healthy"].astype(bool)]
    worst = ratio["ltv_cac_ratio"].idxmin()
    if len(ratio) == 1:
        r = float(ratio["ltv_cac_ratio"].iloc[0])
        verdict = "pays back" if ratio["healthy"].iloc[0] else "does not pay back"
        return (
            f"{costs}, LTV:CAC is {r:.1f}:1 within {horizon_months} months: acquisition "
            f"{verdict} at least {healthy_ratio:g}:1."
        )
    group = ratio.index.name or "group"
    if weak.empty:
        return (
            f"{costs}, every {group} pays back at least {healthy_ratio:g}:1 within "
            f"{horizon_months} months "
            f"(lowest: {worst}, {ratio.loc[worst, 'ltv_cac_ratio']:.1f}:1)."
        )
    listed = say.join(f"{g} ({r:.1f}:1)" for g, r in weak["ltv_cac_ratio"].items())
    return (
        f"{costs}, acquisition through {listed} does not pay back {healthy_ratio:g}:1 within "
        f"{horizon_months} months."
    )
