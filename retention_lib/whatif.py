"""What is a retention gain worth? Scenarios on a fitted BG/NBD model.

The assumption, plainly: in the BG/NBD model a customer may leave after each purchase, with a probability ``p``
that varies between customers as ``Beta(a, b)``. The average chance of *staying* after a
purchase is ``b / (a + b)``. A retention gain of ``x`` (e.g. 0.05 = 5%) multiplies that
chance by ``1 + x``: ``b' / (a + b') = (1 + x) b / (a + b)``. We keep ``a`` and solve for
``b' = a s' / (1 - s')`` with ``s' = (1 + x) b / (a + b)``, so the spread of loyalty
between customers keeps its shape while everyone becomes a little more loyal. Purchase
rates (``r, alpha``) and spend (Gamma-Gamma) do not change.

The model is then re-evaluated with ``b'`` for every customer's whole history, so P(alive)
rises too: read the result as "if our customers were this much more loyal", an upper
bound for a programme that starts today (customers who already left are not won back).

:func:`retention_value_multiplier` shows the simpler textbook arithmetic behind "5% more
retention, 25-95% more profit": the value of a customer retained with probability ``r``
per period and discount rate ``d`` is ``m r / (1 + d - r)`` (Gupta & Lehmann 2003).
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from . import _reading as say
from ._schema import few
from ._validation import (
    DataValidationError,
    InputTypeError,
    require_column_name,
    require_columns,
    require_frame,
    require_frame_columns,
    require_in_range,
    require_margin,
    require_numbers,
    require_one_row_per_customer,
    require_sequence,
)
from .groups import MIN_GROUP_CUSTOMERS, ranked_groups

__all__ = [
    "describe_multiplier_basis",
    "describe_retention_headroom",
    "describe_uplift",
    "describe_uplift_by_group",
    "max_retention_gain",
    "retention_gain_params",
    "retention_scenario",
    "retention_uplift",
    "retention_value_multiplier",
    "yearly_discount_rate",
]


def _check_gain(gain: Any) -> float:
    return require_in_range(gain, name="gain", low=0, high=10)


def max_retention_gain(params: pd.Series) -> float:
    """Largest relative retention gain the BG/NBD parameters allow: ``(a + b) / b - 1``.

    A gain must keep the average chance of staying after a purchase, ``b / (a + b)``,
    below 1. When a fit finds almost no dropout (``a`` near 0) no gain can be modelled.

    Parameters
    ----------
    params : pandas.Series
        Fitted ``r, alpha, a, b``.

    Returns
    -------
    float
        Gains must be strictly below this value.

    Examples
    --------
    >>> round(max_retention_gain(pd.Series({"r": 0.25, "alpha": 4.4, "a": 0.8, "b": 2.4})), 4)
    0.3333
    """
    _check_params(params)
    a, b = float(params["a"]), float(params["b"])
    return a / b


def _check_params(params: Any) -> None:
    if not isinstance(params, pd.Series) or not {"r", "alpha", "a", "b"} <= set(params.index):
        raise InputTypeError(
            "`params` must be the BG/NBD parameters `r, alpha, a, b` as a pandas Series "
            "(`BetaGeoModel().fit(summary).params_`)."
        )
    values = pd.to_numeric(params[["r", "alpha", "a", "b"]], errors="coerce").to_numpy(float)
    if not (np.isfinite(values) & (values > 0)).all():
        raise DataValidationError(
            f"`params` must be finite and > 0; got {params[['r', 'alpha', 'a', 'b']].to_dict()}. "
            "Pass the parameters of a fitted BetaGeoModel (`model.params_`)."
        )


def retention_gain_params(params: pd.Series, gain: float) -> pd.Series:
    """BG/NBD parameters after a relative retention gain (see the module notes).

    ``s = b / (a + b)``, ``s' = (1 + gain) s``, ``b' = a s' / (1 - s')``; ``r``, ``alpha``
    and ``a`` unchanged.

    Parameters
    ----------
    params : pandas.Series
        Fitted ``r, alpha, a, b`` (``BetaGeoModel().params_``).
    gain : float
        Relative gain in the per-purchase survival probability, e.g. 0.05.

    Returns
    -------
    pandas.Series
        ``r, alpha, a, b`` with the new ``b``.

    Examples
    --------
    >>> p = pd.Series({"r": 0.25, "alpha": 4.4, "a": 0.8, "b": 2.4})
    >>> retention_gain_params(p, 0.05)["b"].round(4)
    np.float64(2.9647)
    """
    _check_params(params)
    g = _check_gain(gain)
    a, b = float(params["a"]), float(params["b"])
    s = b / (a + b)
    s_new = (1 + g) * s
    if s_new >= 1:
        raise DataValidationError(
            f"`gain` = {g:g} would push the average chance of staying after a purchase from "
            f"{s:.4f} to {s_new:.4f} (>= 1). Use a gain below {a / b:.4g} "
            "(`max_retention_gain`); a fit with almost no dropout leaves no room for a gain."
        )
    out = params.copy().astype("float64")
    out["b"] = a * s_new / (1 - s_new)
    return out


def _check_bgnbd(bgnbd: Any) -> None:
    from .clv.models import PurchaseModel

    if not isinstance(bgnbd, PurchaseModel) or bgnbd._dropout_beta is None:
        raise InputTypeError(
            "`bgnbd` must be a fitted BetaGeoModel (a purchase model whose only drop-out is a "
            "Beta(a, b) chance after each repeat purchase); got "
            f"{type(bgnbd).__name__}."
        )
    bgnbd._check_fitted()


def retention_scenario(
    bgnbd: Any,
    gg: Any,
    summary: pd.DataFrame,
    *,
    gain: float = 0.05,
    horizon_months: int = 12,
    discount_rate: float = 0.01,
    margin: float = 1.0,
    time_unit: str | None = None,
) -> pd.DataFrame:
    """Per-customer expected purchases, P(alive) and CLV now and with a retention gain.

    Parameters
    ----------
    bgnbd : BetaGeoModel
        Fitted purchase model.
    gg : GammaGammaModel
        Fitted spend model.
    summary : pandas.DataFrame
        :func:`~retention_lib.clv.rfm_summary` output the models were fitted on.
    gain : float, default 0.05
        Relative gain in retention (module notes).
    horizon_months, discount_rate, time_unit
        As in :func:`~retention_lib.clv.customer_lifetime_value`.
    margin : float, default 1.0
        Profit margin on revenue; ``profit = margin x discounted revenue``.

    Returns
    -------
    pandas.DataFrame
        ``customer_id, p_alive, p_alive_scenario, expected_purchases,
        expected_purchases_scenario, revenue, revenue_scenario, profit, profit_scenario``
        (revenue = discounted expected revenue over the horizon, i.e. CLV at margin 1).

    Examples
    --------
    >>> retention_scenario(bg, gg, summary, gain=0.05, margin=0.3)  # doctest: +SKIP
    """
    from .clv import customer_lifetime_value

    _check_bgnbd(bgnbd)
    margin = require_margin(margin)
    new = bgnbd.with_params(retention_gain_params(bgnbd.params_, gain))
    kw: dict[str, Any] = dict(
        horizon_months=horizon_months, discount_rate=discount_rate, margin=1.0, time_unit=time_unit
    )
    base = customer_lifetime_value(bgnbd, gg, summary, **kw)
    scen = customer_lifetime_value(new, gg, summary, **kw)
    out = pd.DataFrame(
        {
            "customer_id": base["customer_id"].astype("str").to_numpy(),
            "p_alive": base["p_alive"].to_numpy(),
            "p_alive_scenario": scen["p_alive"].to_numpy(),
            "expected_purchases": base["expected_purchases"].to_numpy(),
            "expected_purchases_scenario": scen["expected_purchases"].to_numpy(),
            "revenue": base["clv"].to_numpy(),
            "revenue_scenario": scen["clv"].to_numpy(),
        }
    )
    out["profit"] = margin * out["revenue"]
    out["profit_scenario"] = margin * out["revenue_scenario"]
    out.attrs = {
        "gain": float(gain),
        "params": bgnbd.params_.to_dict(),
        "params_scenario": new.params_.to_dict(),
        "horizon_months": horizon_months,
    }
    return out


def _attach(detail: pd.DataFrame, groups: pd.DataFrame | None, by: str | None) -> pd.DataFrame:
    if by is None:
        return detail
    require_column_name(by)
    if groups is not None:
        require_frame(groups, name="groups")
    if groups is None:
        raise DataValidationError(
            f"`by={by!r}` needs `groups`: a frame with `customer_id` and `{by}` (e.g. "
            "`rfm_scores(tx)[['customer_id', 'segment']]`)."
        )
    require_columns(
        groups, ["customer_id", by], what="`groups`", fix=f"It needs `customer_id` and `{by}`."
    )
    g = groups[["customer_id", by]].copy()
    g["customer_id"] = g["customer_id"].astype("str")
    require_one_row_per_customer(g, name="groups", fix="Give each customer one group.")
    out = detail.merge(g, on="customer_id", how="left", validate="many_to_one")
    lacking = out[by].isna()
    if lacking.any():
        raise DataValidationError(
            f"{int(lacking.sum())} customer(s) of `summary` have no `{by}` in `groups` "
            f"({few(out.loc[lacking, 'customer_id'])}). Build `groups` from the same "
            "transactions."
        )
    if not isinstance(out[by].dtype, pd.CategoricalDtype):
        out[by] = out[by].astype("str")
    return out


def retention_uplift(
    bgnbd: Any,
    gg: Any,
    summary: pd.DataFrame,
    *,
    gains: float | Sequence[float] = (0.01, 0.05, 0.10),
    groups: pd.DataFrame | None = None,
    by: str | None = None,
    horizon_months: int = 12,
    discount_rate: float = 0.01,
    margin: float = 1.0,
    time_unit: str | None = None,
) -> pd.DataFrame:
    """Uplift in expected purchases, revenue and profit from retention gains, per group.

    Parameters
    ----------
    bgnbd, gg, summary, horizon_months, discount_rate, margin, time_unit
        As in :func:`retention_scenario`.
    gains : float or sequence of float, default (0.01, 0.05, 0.10)
        Relative retention gains to evaluate.
    groups : pandas.DataFrame, optional
        ``customer_id`` + ``by`` (one row per customer), e.g. RFM segments or regions.
    by : str, optional
        Group column of ``groups``; without it one row per gain for all customers.

    Returns
    -------
    pandas.DataFrame
        One row per gain (and group): ``gain, [by], n_customers, expected_purchases,
        expected_purchases_scenario, purchases_uplift, purchases_relative_uplift, revenue,
        revenue_scenario, revenue_uplift, profit, profit_scenario, profit_uplift,
        profit_relative_uplift`` (sums over the group's customers; ``*_relative_uplift`` a
        fraction of the baseline: 0.05 = 5% more).

    Examples
    --------
    >>> retention_uplift(bg, gg, summary, gains=[0.05], groups=segments, by="segment")  # doctest: +SKIP
    """
    values: list[Any]
    if isinstance(gains, numbers.Real) and not isinstance(gains, bool):
        values = [gains]
    else:
        values = list(require_sequence(gains, name="gains", what="numbers", example="[0.01, 0.05]"))
    if not values:
        raise DataValidationError("`gains` is empty; pass e.g. [0.01, 0.05, 0.10].")
    parts = []
    for g in values:
        detail = retention_scenario(
            bgnbd,
            gg,
            summary,
            gain=g,
            horizon_months=horizon_months,
            discount_rate=discount_rate,
            margin=margin,
            time_unit=time_unit,
        )
        detail = _attach(detail, groups, by)
        keys = [by] if by else []
        sums = [
            "expected_purchases",
            "expected_purchases_scenario",
            "revenue",
            "revenue_scenario",
            "profit",
            "profit_scenario",
        ]
        if keys:
            agg = (
                detail.groupby(keys, sort=True, observed=True)
                .agg(n_customers=("customer_id", "size"), **{c: (c, "sum") for c in sums})
                .reset_index()
            )
        else:
            agg = pd.DataFrame([{"n_customers": len(detail), **detail[sums].sum().to_dict()}])
        agg.insert(0, "gain", float(g))
        parts.append(agg)
    out = pd.concat(parts, ignore_index=True)
    out["purchases_uplift"] = out["expected_purchases_scenario"] - out["expected_purchases"]
    out["purchases_relative_uplift"] = out["purchases_uplift"] / out["expected_purchases"]
    out["revenue_uplift"] = out["revenue_scenario"] - out["revenue"]
    out["profit_uplift"] = out["profit_scenario"] - out["profit"]
    out["profit_relative_uplift"] = out["profit_uplift"] / out["profit"]
    cols = [
        "gain",
        *([by] if by else []),
        "n_customers",
        "expected_purchases",
        "expected_purchases_scenario",
        "purchases_uplift",
        "purchases_relative_uplift",
        "revenue",
        "revenue_scenario",
        "revenue_uplift",
        "profit",
        "profit_scenario",
        "profit_uplift",
        "profit_relative_uplift",
    ]
    return out[cols]


def retention_value_multiplier(
    retention: float | Sequence[float],
    *,
    gain: float = 0.05,
    discount_rate: float = 0.10,
) -> pd.DataFrame:
    """Textbook value of a retention gain: ``r / (1 + d - r)`` margins per customer.

    A customer who brings margin ``m`` per period, stays each period with probability
    ``r`` and is discounted at rate ``d`` is worth ``m r / (1 + d - r)`` (Gupta & Lehmann
    2003, margin received at the end of each period). Raising ``r`` by ``gain`` (relative)
    raises that value by ``value_relative_uplift`` (a fraction): the arithmetic behind "5% more retention,
    25-95% more profit" (Reichheld & Sasser 1990), which holds for high retention rates.

    Parameters
    ----------
    retention : float or sequence of float
        Retention rate(s) per period in (0, 1).
    gain : float, default 0.05
        Relative gain (0.05 = retention x 1.05, capped below 1).
    discount_rate : float, default 0.10
        Discount rate per period.

    Returns
    -------
    pandas.DataFrame
        ``retention, retention_new, value_multiple, value_multiple_new,
        value_relative_uplift`` (a fraction: 0.212 = 21.2% more value).

    References
    ----------
    Gupta, S., & Lehmann, D. R. (2003). Customers as assets. Journal of Interactive
    Marketing, 17(1), 9-24.
    Reichheld, F. F., & Sasser, W. E. (1990). Zero defections: quality comes to services.
    Harvard Business Review, 68(5), 105-111.

    Examples
    --------
    >>> retention_value_multiplier(0.8, gain=0.05, discount_rate=0.1)["value_relative_uplift"].round(3).item()
    0.212
    """
    g = _check_gain(gain)
    d = require_in_range(discount_rate, name="discount_rate", low=0, high=1)
    r = require_numbers(retention, name="retention")
    if r.size == 0:
        raise DataValidationError("`retention` is empty; pass a rate such as 0.8 or a list.")
    bad = ~np.isfinite(r) | (r <= 0) | (r >= 1)
    if bad.any():
        raise DataValidationError(
            f"`retention` must lie in (0, 1); found {r[bad][0]!r}. Pass rates as fractions "
            "(0.8 for 80%)."
        )
    r_new = r * (1 + g)
    if (r_new >= 1).any():
        raise DataValidationError(
            f"`gain` = {g:g} pushes retention {r[r_new >= 1][0]:g} to 1 or more; use a smaller "
            "gain."
        )
    v, v_new = r / (1 + d - r), r_new / (1 + d - r_new)
    return pd.DataFrame(
        {
            "retention": r,
            "retention_new": r_new,
            "value_multiple": v,
            "value_multiple_new": v_new,
            "value_relative_uplift": v_new / v - 1,
        }
    )


def yearly_discount_rate(monthly_rate: float) -> float:
    """A monthly discount rate compounded over a year: ``(1 + d) ** 12 - 1``.

    Parameters
    ----------
    monthly_rate : float
        Discount rate per month in [0, 1] (the report's ``discount_rate``).

    Returns
    -------
    float
        E.g. 0.1268 for 1% a month.
    """
    d = require_in_range(monthly_rate, name="monthly_rate", low=0, high=1)
    return (1 + d) ** 12 - 1


def describe_multiplier_basis(monthly_rate: float) -> str:
    """What a :func:`retention_value_multiplier` table on yearly periods rests on.

    Parameters
    ----------
    monthly_rate : float
        The run's discount rate per month, compounded to a year for the table.

    Returns
    -------
    str
        E.g. "Retention per year; discount rate 12.7% a year (1.0% a month, compounded)."
    """
    yearly = yearly_discount_rate(monthly_rate)
    return (
        f"Retention per year; discount rate {say.pct_exact(yearly)} a year "
        f"({say.pct_exact(monthly_rate)} a month, compounded)."
    )


# --------------------------------------------------------------------------- readings


def describe_retention_headroom(params: pd.Series, gains: Sequence[float]) -> str:
    """A plain-language reading of how much retention gain a BG/NBD fit can model.

    Parameters
    ----------
    params : pandas.Series
        Fitted ``r, alpha, a, b``.
    gains : sequence of float
        The gains asked for; those at or above :func:`max_retention_gain` are named as
        impossible for this fit.

    Returns
    -------
    str
        E.g. "The model puts the average chance of staying after a purchase at 75.0%: gains
        below 33.3% can be modelled." or, when the fit sees almost no drop-out, that no
        asked gain can be modelled and why.
    """
    gains = require_sequence(gains, name="gains", what="numbers", example="[0.01, 0.05]")
    _check_params(params)
    a, b = float(params["a"]), float(params["b"])
    stay = b / (a + b)
    limit = max_retention_gain(params)
    gains = [float(g) for g in gains]
    out = [g for g in gains if g >= limit]
    text = (
        f"The model puts the average chance of staying after a purchase at "
        f"{say.pct_exact(stay)}: gains below {say.pct_exact(limit)} can be modelled."
    )
    if not out:
        return text
    listed = say.join(say.pct(g) for g in out)
    if len(out) == len(gains):
        return (
            text + f" None of the gains asked for ({listed}) can: the model sees so little "
            "drop-out that there is almost no retention left to gain."
        )
    return text + f" Left out as impossible for this fit: {listed}."


def describe_uplift(table: pd.DataFrame, gain: float) -> str:
    """One sentence on a :func:`retention_uplift` table for one gain: the profit it adds.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`retention_uplift` (with ``by``, its groups are summed).
    gain : float
        The retention gain to read (one of the table's ``gain`` values, a fraction).

    Returns
    -------
    str
        E.g. "5% more retention adds 1,234 of profit over the horizon (+3.1%)."
    """
    require_frame_columns(
        table, ["profit", "profit_uplift"], name="table", producer="retention_uplift"
    )
    gain = _check_gain(gain)
    rows = table[np.isclose(table["gain"], gain)] if "gain" in table.columns else table
    total = rows[["profit", "profit_uplift"]].sum()
    rel = total["profit_uplift"] / total["profit"] if total["profit"] else np.nan
    change = f" ({rel:+.1%})" if say.finite(rel) else ""
    verb = "adds" if total["profit_uplift"] >= 0 else "changes"
    return (
        f"{say.pct(gain)} more retention {verb} {total['profit_uplift']:,.0f} of profit over "
        f"the horizon{change}."
    )


def describe_uplift_by_group(
    table: pd.DataFrame, *, by: str, gain: float, min_customers: int = MIN_GROUP_CUSTOMERS
) -> str:
    """Where a retention gain lifts profit most and least, relative to today, among groups
    with at least ``min_customers`` customers (:func:`retention_uplift` with ``by``).

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`retention_uplift` with ``by``.
    by : str
        The group column of ``table``.
    gain : float
        The retention gain to read (one of the table's ``gain`` values, a fraction).
    min_customers : int, default MIN_GROUP_CUSTOMERS
        Groups with fewer customers are left out.

    Returns
    -------
    str
        E.g. "A 5% retention gain lifts profit most, relative to today, in 'At risk' (+9%)
        and least in 'Champions' (+2%)."
    """
    by = require_column_name(by, allow_none=False)
    need = ["gain", by, "profit_relative_uplift", "n_customers"]
    require_frame_columns(table, need, name="table", producer="retention_uplift")
    gain = _check_gain(gain)
    rows = table[np.isclose(table["gain"], gain)]
    big = ranked_groups(
        rows, by=by, value="profit_relative_uplift", size="n_customers", min_customers=min_customers
    )
    if big.empty:
        return f"No {by} has {min_customers:,} customers or more to compare."
    hi, lo = big.iloc[0], big.iloc[-1]
    if len(big) == 1:
        return (
            f"A {say.pct(gain)} retention gain lifts profit in '{hi[by]}' by "
            f"{hi['profit_relative_uplift']:+.0%} relative to today."
        )
    return (
        f"A {say.pct(gain)} retention gain lifts profit most, relative to today, in "
        f"'{hi[by]}' ({hi['profit_relative_uplift']:+.0%}) and least in '{lo[by]}' "
        f"({lo['profit_relative_uplift']:+.0%})."
    )
