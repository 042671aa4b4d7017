"""Unit economics of retention: LTV:CAC (overall and per acquisition group) and the return
on retention spending (a fraction: 0.5 = 50% back on top of the cost).
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .. import _reading as say
from .._schema import customer_attributes
from .._validation import (
    AssumptionWarning,
    DataValidationError,
    InputTypeError,
    format_rows,
    require_bool,
    require_column_name,
    require_columns,
    require_finite,
    require_frame,
    require_frame_columns,
    require_in_range,
    require_numbers,
    require_whole_number,
)

__all__ = [
    "describe_ltv_cac",
    "ltv_cac",
    "ltv_cac_by_group",
    "retention_roi",
]


def retention_roi(retained_value: float, retention_cost: float) -> float:
    """Return on retention spending, as a fraction of the cost.

    ``ROI = (value of retained customers - retention cost) / retention cost``.

    Parameters
    ----------
    retained_value : float
        Value (revenue or margin) of the customers the programme kept.
    retention_cost : float
        Cost of the programme (> 0).

    Returns
    -------
    float
        Fraction of the cost (2.0 = 200%); negative when the programme cost more than it
        kept.

    Examples
    --------
    >>> retention_roi(retained_value=15_000, retention_cost=5_000)
    2.0
    """
    v = require_in_range(retained_value, name="retained_value")
    c = require_in_range(retention_cost, name="retention_cost", low=0, low_inclusive=False)
    return (v - c) / c


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
    :func:`~retention_lib.customer_attributes`); without a ``by`` column every customer is in the group "all".

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
    require_columns(
        values,
        ["customer_id", value],
        what="`values`",
        fix="Pass `retention_lib.customer_lifetime_value(...)` output or name the column with "
        "`value=`.",
    )
    require_finite(
        values[value],
        column=value,
        fix="A customer's value is never taken as 0: drop those customers or fill their value.",
    )
    amounts = values[value].to_numpy(dtype=float)
    attributes = customer_attributes(transactions, columns=[by])
    if by in attributes.columns:
        key = values["customer_id"].astype("str")
        groups = key.map(attributes.set_index("customer_id")[by]).fillna("Unknown")
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
