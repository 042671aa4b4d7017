"""Customer lifetime value: per-customer CLV, parameter uncertainty, group summaries, per-group
fits and the simple "seed" LTV formulas shown beside the model."""

from __future__ import annotations

import warnings
from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd

from .. import _reading as say
from .._schema import DAYS_PER_MONTH, DAYS_PER_YEAR, customer_attributes, order_keys, purchases
from .._validation import (
    MISSING_GROUP,
    DataValidationError,
    InputTypeError,
    SmallSampleWarning,
    require_bool,
    require_column_name,
    require_frame,
    require_frame_columns,
    require_in_range,
    require_margin,
    require_numbers,
    require_rate,
    require_str,
    require_transactions,
    require_whole_number,
)
from . import _formulas as F
from . import _units
from ._engine import in_engine, join_in_engine
from ._units import TIME_UNITS
from .models import BetaGeoModel, GammaGammaModel, PurchaseModel

__all__ = [
    "NEAR_ONE",
    "clv_by_group",
    "clv_intervals",
    "clv_vs_past_revenue",
    "customer_groups",
    "customer_lifetime_value",
    "describe_clv",
    "describe_clv_by_group",
    "describe_ltv_comparison",
    "describe_p_alive",
    "fit_by_group",
    "ltv_comparison",
    "simple_ltv",
]

#: Time units per month: a month is 365.25 / 12 days (``TIME_UNITS["M"]``) in every unit, so
#: 4.348 weeks or 30.44 days (lifetimes' ``customer_lifetime_value`` uses 4.345 and 30).
UNITS_PER_MONTH = {unit: DAYS_PER_MONTH / days for unit, days in TIME_UNITS.items()}


def _units_per_month(model: PurchaseModel) -> float:
    """Length of a month in the purchase model's own time unit (``time_unit_``)."""
    return UNITS_PER_MONTH[model._own_unit()]


def check_models(bgnbd: Any, gg: Any) -> None:
    """Refuse anything but a fitted purchase model and a fitted Gamma-Gamma model.

    Parameters
    ----------
    bgnbd : Any
        The purchase model (BetaGeoModel, ParetoNBDModel or ModifiedBetaGeoModel).
    gg : Any
        The spend model (GammaGammaModel).
    """
    if not isinstance(bgnbd, PurchaseModel):
        raise InputTypeError(
            "`bgnbd` must be a fitted BetaGeoModel, ParetoNBDModel or ModifiedBetaGeoModel, got "
            f"{type(bgnbd).__name__}."
        )
    if not isinstance(gg, GammaGammaModel):
        raise InputTypeError(f"`gg` must be a fitted GammaGammaModel, got {type(gg).__name__}.")
    bgnbd._check_fitted()
    gg._check_fitted()


def _clv_arrays(
    bgnbd: PurchaseModel,
    purchase_params,
    spend_params,
    x,
    tx,
    T,
    m,
    months,
    per_month,
    rate,
    p_alive=True,
    cache=None,
):
    """Core CLV: spend * sum_k (E[Y(k)] - E[Y(k-1)]) / (1+d)^k (margin-free).

    Returns the CLV, the undiscounted expected purchases over the horizon, the spend and (if
    ``p_alive``) P(alive), per customer, at the given parameters of the purchase model (its
    :meth:`~retention_lib.clv.models.PurchaseModel._clv_terms`) and of the Gamma-Gamma.
    ``cache`` (a dict) keeps the distinct rows between calls on the same customers
    (parameter draws)."""
    cache = {} if cache is None else cache
    p, q, v = spend_params
    spend = F.gg_expected_spend(p, q, v, x, np.where(x > 0, m, 0.0))
    discounts = 1.0 / (1.0 + rate) ** np.arange(1, months + 1)
    times = np.arange(1, months + 1) * per_month
    disc, purchases, alive = bgnbd._clv_terms(
        purchase_params, x, tx, T, times, discounts, cache, p_alive
    )
    return spend * disc, purchases, spend, alive


def customer_lifetime_value(
    bgnbd: PurchaseModel,
    gg: GammaGammaModel,
    summary: pd.DataFrame,
    *,
    horizon_months: int = 12,
    discount_rate: float = 0.01,
    margin: float = 1.0,
    time_unit: str | None = None,
) -> pd.DataFrame:
    """Discounted CLV of each customer over the next ``horizon_months`` months.

    ``clv = margin * E[spend] * sum_{k=1..H} (E[Y(k)] - E[Y(k-1)]) / (1 + d)^k`` where
    ``E[Y(k)]`` is the purchase model's expected purchases in the next ``k`` months and
    ``E[spend]`` the Gamma-Gamma expected transaction value (Fader, Hardie & Lee 2005b, the
    discounted form of lifetimes' ``customer_lifetime_value``; a month is 365.25 / 12 days,
    i.e. 4.348 weeks or 30.44 days, where lifetimes takes 4.345 weeks or 30 days).

    Parameters
    ----------
    bgnbd : BetaGeoModel, ParetoNBDModel or ModifiedBetaGeoModel
        Fitted purchase model.
    gg : GammaGammaModel
        Fitted spend model.
    summary : pandas.DataFrame
        :func:`rfm_summary` output with ``customer_id``, ``frequency``, ``recency``, ``T``,
        ``monetary_value``.
    horizon_months : int, default 12
        Number of months to project.
    discount_rate : float, default 0.01
        *Monthly* discount rate (0.01 is about 12.7 % a year).
    margin : float, default 1.0
        Profit margin applied to spend (1.0 = revenue CLV).
    time_unit : {'W', 'D', 'M'}, optional
        Unit of ``summary`` when it differs from the purchase model's (``bgnbd.time_unit_``):
        its ``recency`` and ``T`` are then converted (both must merge purchases at the same
        grain). By default ``summary`` is in the model's unit; one that records another unit
        is refused. Months are counted in the model's unit (365.25 / 12 days: 4.348 weeks, 30.44 days).

    Returns
    -------
    pandas.DataFrame
        One row per customer: ``customer_id``, ``p_alive``, ``expected_purchases`` (over the
        horizon, undiscounted), ``expected_spend`` (per transaction), ``clv``.

    References
    ----------
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005b). RFM and CLV: using iso-value curves
    for customer base analysis. Journal of Marketing Research 42(4), 415-430.

    Examples
    --------
    >>> from retention_lib.clv import load_cdnow, rfm_summary
    >>> cal = rfm_summary(load_cdnow(), grain="D", observation_end="1997-09-30",
    ...                   count_zero_amounts=True)
    >>> bg, gg = BetaGeoModel().fit(cal), GammaGammaModel().fit(cal)
    >>> clv = customer_lifetime_value(bg, gg, cal, horizon_months=12)
    >>> list(clv.columns)
    ['customer_id', 'p_alive', 'expected_purchases', 'expected_spend', 'clv']
    """
    check_models(bgnbd, gg)
    months = _check_months(horizon_months)
    rate = require_rate(discount_rate)
    margin = require_margin(margin)
    if in_engine(summary):
        return _clv_in_engine(bgnbd, gg, summary, months, rate, margin, time_unit)
    _check_summary(summary)
    per_month = _units_per_month(bgnbd)
    x, tx, T = bgnbd._history(summary, time_unit)
    m = summary["monetary_value"].to_numpy(dtype=float)
    clv, purchases, spend, p_alive = _clv_arrays(
        bgnbd,
        bgnbd.params_.to_numpy(),
        gg.params_.to_numpy(),
        x,
        tx,
        T,
        m,
        months,
        per_month,
        rate,
    )
    # a model whose formulas overflow for some histories names them (and the remedy)
    for values, name in ((clv, "clv"), (purchases, "expected_purchases"), (p_alive, "p_alive")):
        bgnbd._series(values, summary, name)
    return pd.DataFrame(
        {
            "customer_id": summary["customer_id"].array,
            "p_alive": p_alive,
            "expected_purchases": purchases,
            "expected_spend": spend,
            "clv": margin * clv,
        },
        index=summary.index,
    )


def _clv_in_engine(bgnbd, gg, summary, months, rate, margin, time_unit) -> Any:
    """:func:`customer_lifetime_value` of a summary kept in its engine, as a query there.

    The purchase model's terms depend on (frequency, recency, T) only: they are computed on
    the distinct rows the engine finds (small) and joined back to the customers in the
    engine; the Gamma-Gamma expected spend (note 025 eq. 5, linear in the customer's mean
    spend) is an expression there. Nothing per customer reaches the driver.
    """

    def purchase_terms(rows: pd.DataFrame) -> pd.DataFrame:
        # in the model's unit unless `time_unit` says otherwise (the engine's summary records
        # none); at a spend of 1 per transaction, the CLV is the discounted purchases
        unit = customer_lifetime_value(
            bgnbd,
            gg,
            rows.assign(monetary_value=1.0, customer_id=""),
            horizon_months=months,
            discount_rate=rate,
            margin=1.0,
            time_unit=time_unit,
        )
        return pd.DataFrame(
            {
                "p_alive": unit["p_alive"].to_numpy(),
                "expected_purchases": unit["expected_purchases"].to_numpy(),
                "_discounted": (unit["clv"] / unit["expected_spend"]).to_numpy(),
            }
        )

    out = (
        join_in_engine(summary, ["frequency", "recency", "T"], purchase_terms)
        .with_columns(expected_spend=gg._spend_expr())
        .with_columns(clv=margin * nw.col("expected_spend") * nw.col("_discounted"))
        .select("customer_id", "p_alive", "expected_purchases", "expected_spend", "clv")
    )
    return out.to_native()


def _check_months(horizon_months: Any) -> int:
    return require_whole_number(
        horizon_months, name="horizon_months", low=1, high=600, unit="months"
    )


def _check_summary(summary: Any) -> None:
    """An RFM summary with ids and spend (the purchase columns are checked by the model)."""
    require_frame_columns(
        summary, ["customer_id", "monetary_value"], name="summary", producer="rfm_summary"
    )
    GammaGammaModel._spend_arrays(summary)  # spend values: finite numbers


def customer_groups(transactions: pd.DataFrame, *, by: str = "region") -> pd.DataFrame:
    """Each customer's group: the value of ``by`` on their first purchase (fixed at
    acquisition, as in :func:`~retention_lib.cohort_retention`; ties go to the smallest value).

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transactions with a ``by`` column.
    by : str, default 'region'
        The attribute to read at each customer's first purchase.

    Returns
    -------
    pandas.DataFrame
        ``customer_id`` and ``by``, one row per customer (``by`` is missing for a customer
        whose first purchase has no ``by`` value: the customer is kept, not dropped).
    """
    require_transactions(transactions, columns=("customer_id", "timestamp"))
    require_column_name(by, allow_none=False)
    for col in ("customer_id", "timestamp", by):
        if col not in transactions.columns:
            raise DataValidationError(
                f"`transactions` is missing column `{col}`. Pass `by=` naming a column of the "
                "log (e.g. 'region', 'country', 'segment')."
            )
    return customer_attributes(transactions, columns=[by])


def attach_groups(frame: pd.DataFrame, groups: pd.DataFrame, by: str) -> pd.DataFrame:
    """``frame`` with each customer's ``by`` group; customers without one are in the group
    ``"(missing)"``.

    Parameters
    ----------
    frame : pandas.DataFrame
        One row per customer, with ``customer_id``.
    groups : pandas.DataFrame
        ``customer_id`` and ``by`` (one row per customer), or a transaction log holding ``by``
        (each customer's group at their first purchase, :func:`customer_groups`).
    by : str
        The group column.

    Returns
    -------
    pandas.DataFrame
        ``frame`` with the ``by`` column added.
    """
    require_frame(groups, name="groups")
    require_column_name(by, allow_none=False)
    if by not in groups.columns and "timestamp" in groups.columns:
        groups = customer_groups(groups, by=by)  # reports the missing column
    elif by not in groups.columns or "customer_id" not in groups.columns:
        missing = ", ".join(f"`{c}`" for c in ("customer_id", by) if c not in groups.columns)
        raise DataValidationError(
            f"`groups` is missing column {missing}: pass a frame with `customer_id` and "
            f"`{by}` (one row per customer), or a transaction log holding `{by}`."
        )
    mapping = groups[["customer_id", by]].drop_duplicates("customer_id")
    mapping = mapping.assign(customer_id=mapping["customer_id"].astype("str"))
    out = frame.assign(customer_id=frame["customer_id"].astype("str")).merge(
        mapping, on="customer_id", how="left", validate="many_to_one"
    )
    out["customer_id"] = frame["customer_id"].to_numpy()
    out[by] = out[by].astype("object").where(out[by].notna(), MISSING_GROUP)
    return out


def clv_by_group(
    clv: pd.DataFrame,
    groups: pd.DataFrame,
    *,
    by: str = "region",
    intervals: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """CLV and P(alive) summaries per group (one global fit, per-group summaries).

    Parameters
    ----------
    clv : pandas.DataFrame
        :func:`customer_lifetime_value` output.
    groups : pandas.DataFrame
        Either ``customer_id`` + ``by`` (one row per customer) or a transaction log with a
        ``by`` column (each customer's group is that of their last purchase).
    by : str, default 'region'
        Grouping column.
    intervals : pandas.DataFrame, optional
        :func:`clv_intervals` output for the same ``by``: adds ``clv_lower``, ``clv_upper``.

    Returns
    -------
    pandas.DataFrame
        One row per group (largest total CLV first): ``by``, ``customers``,
        ``mean_p_alive``, ``expected_alive`` (sum of P(alive)), ``expected_purchases``,
        ``total_clv``, ``mean_clv``, ``share_of_clv``. Customers without a group are in
        the group ``"(missing)"``.
    """
    need = ["customer_id", "p_alive", "expected_purchases", "clv"]
    require_frame_columns(clv, need, name="clv", producer="customer_lifetime_value")
    if intervals is not None:
        require_frame_columns(
            intervals, [by, "clv_lower", "clv_upper"], name="intervals", producer="clv_intervals"
        )
    frame = attach_groups(clv, groups, by)
    out = (
        frame.groupby(by, sort=False, observed=True)
        .agg(
            customers=("customer_id", "size"),
            mean_p_alive=("p_alive", "mean"),
            expected_alive=("p_alive", "sum"),
            expected_purchases=("expected_purchases", "sum"),
            total_clv=("clv", "sum"),
            mean_clv=("clv", "mean"),
        )
        .reset_index()
    )
    total = out["total_clv"].sum()
    out["share_of_clv"] = out["total_clv"] / total if total > 0 else np.nan
    if intervals is not None:
        out = out.merge(
            intervals[[by, "clv_lower", "clv_upper"]], on=by, how="left", validate="one_to_one"
        )
    return out.sort_values("total_clv", ascending=False, ignore_index=True)


def clv_intervals(
    bgnbd: PurchaseModel,
    gg: GammaGammaModel,
    summary: pd.DataFrame,
    *,
    groups: pd.DataFrame | None = None,
    by: str = "region",
    n_draws: int = 200,
    level: float = 0.95,
    horizon_months: int = 12,
    discount_rate: float = 0.01,
    margin: float = 1.0,
    time_unit: str | None = None,
    seed: int | None = 0,
    progress: bool = True,
) -> pd.DataFrame:
    """Intervals for total CLV (overall or per group) carrying parameter uncertainty.

    Parameters are drawn from the asymptotic normal distribution of the log-parameter MLE
    (a parametric bootstrap of the estimates, Krinsky & Robb 1986), CLV is recomputed for
    every draw and the totals' quantiles form the interval. A tqdm bar shows progress.

    Parameters
    ----------
    bgnbd, gg, summary, horizon_months, discount_rate, margin, time_unit
        As in :func:`customer_lifetime_value`.
    groups : pandas.DataFrame, optional
        Customer groups (see :func:`clv_by_group`); omitted = one row for all customers.
    by : str, default 'region'
        Grouping column when ``groups`` is given.
    n_draws : int, default 200
        Number of parameter draws.
    level : float, default 0.95
        Interval coverage.
    seed : int, optional
        Seed of the draws (``None`` = fresh randomness).
    progress : bool, default True
        Show a tqdm progress bar.

    Returns
    -------
    pandas.DataFrame
        ``by`` (or ``group='all'``), ``clv_estimate`` (total at the MLE), ``clv_lower``,
        ``clv_upper``, ``clv_draws_mean``.

    References
    ----------
    Krinsky, I. & Robb, A. L. (1986). On approximating the statistical properties of
    elasticities. Review of Economics and Statistics 68(4), 715-719.
    """
    from tqdm.auto import tqdm

    check_models(bgnbd, gg)
    for model in (bgnbd, gg):
        if model.log_covariance_ is None:
            raise DataValidationError(
                f"{type(model).__name__} has no parameter covariance (singular Hessian), so "
                "parameter uncertainty cannot be propagated. Refit with a small penalizer_coef."
            )
    n_draws = require_whole_number(n_draws, name="n_draws", low=2)
    level = require_in_range(level, name="level", low=0.5, high=1.0, high_inclusive=False)
    months = _check_months(horizon_months)
    rate = require_rate(discount_rate)
    margin = require_margin(margin)
    if seed is not None:
        seed = require_whole_number(seed, name="seed", low=0)
    _check_summary(summary)
    per_month = _units_per_month(bgnbd)
    x, tx, T = bgnbd._history(summary, time_unit)
    m = summary["monetary_value"].to_numpy(dtype=float)
    if groups is None:
        labels = np.zeros(len(summary), dtype=int)
        names = pd.Index(["all"], name="group")
    else:
        frame = attach_groups(summary[["customer_id"]], groups, by)
        codes, uniques = pd.factorize(frame[by])
        labels, names = codes, pd.Index(uniques, name=by)
    rng = np.random.default_rng(seed)

    cache: dict = {}  # distinct customer rows, shared by all draws

    def totals(pp, sp):
        clv, _, _, _ = _clv_arrays(
            bgnbd, pp, sp, x, tx, T, m, months, per_month, rate, p_alive=False, cache=cache
        )
        return np.bincount(labels, weights=margin * clv, minlength=len(names))

    estimate = totals(bgnbd.params_.to_numpy(), gg.params_.to_numpy())
    assert bgnbd.log_covariance_ is not None and gg.log_covariance_ is not None  # checked above
    lp = rng.multivariate_normal(
        np.log(bgnbd.params_.to_numpy()), bgnbd.log_covariance_.to_numpy(), size=n_draws
    )
    ls = rng.multivariate_normal(
        np.log(gg.params_.to_numpy()), gg.log_covariance_.to_numpy(), size=n_draws
    )
    draws = np.empty((n_draws, len(names)))
    for i in tqdm(range(n_draws), desc="CLV parameter draws", disable=not progress):
        pp, sp = np.exp(lp[i]), np.exp(ls[i])
        if sp[1] <= 1:  # q <= 1: population mean spend undefined; redraw-free skip
            draws[i] = np.nan
            continue
        draws[i] = totals(pp, sp)
    alpha = (1 - level) / 2
    out = pd.DataFrame(
        {
            names.name: names,
            "clv_estimate": estimate,
            "clv_lower": np.nanquantile(draws, alpha, axis=0),
            "clv_upper": np.nanquantile(draws, 1 - alpha, axis=0),
            "clv_draws_mean": np.nanmean(draws, axis=0),
        }
    )
    return out


def fit_by_group(
    summary: pd.DataFrame,
    groups: pd.DataFrame,
    *,
    by: str = "region",
    min_customers: int = 500,
    model: type = BetaGeoModel,
    penalizer_coef: float = 0.0,
    time_unit: str | None = None,
) -> pd.DataFrame:
    """Fit a purchase model separately per group (when groups are large enough).

    Groups with fewer than ``min_customers`` customers are skipped with a
    :class:`SmallSampleWarning` (use the global fit and :func:`clv_by_group` for them).
    ``time_unit`` is the summary's unit, as in :meth:`BetaGeoModel.fit` (read from the
    summary's record when omitted).

    Parameters
    ----------
    summary : pandas.DataFrame
        RFM summary (:func:`rfm_summary`) of all customers.
    groups : pandas.DataFrame
        Customer groups, as in :func:`clv_by_group`.
    by : str, default 'region'
        The group column of ``groups``.
    min_customers : int, default 500
        Groups with fewer customers are skipped with a warning.
    model : type, default BetaGeoModel
        The purchase model class fitted in each group.
    penalizer_coef : float, default 0.0
        L2 penalty of each fit, as in :class:`BetaGeoModel`.
    time_unit : {'D', 'W', 'M'}, optional
        The summary's time unit (read from the summary's record when omitted).

    Returns
    -------
    pandas.DataFrame
        One row per fitted group: ``by``, ``customers``, each parameter, ``log_likelihood``
        and ``model`` (the fitted object).
    """
    require_frame(summary, name="summary", producer="rfm_summary")
    min_customers = require_whole_number(min_customers, name="min_customers", low=1)
    if not (isinstance(model, type) and issubclass(model, PurchaseModel)):
        raise InputTypeError(
            "`model` must be a purchase model class such as BetaGeoModel, ParetoNBDModel or "
            f"ModifiedBetaGeoModel (the class, not an instance), got {model!r}."
        )
    model(penalizer_coef=penalizer_coef)._check_penalizer()
    unit, grain = _units.declared(summary, time_unit)
    unit = _units.require_unit(unit, call="fit_by_group")
    frame = attach_groups(summary, groups, by)
    rows = []
    small = []
    for name, part in frame.groupby(by, sort=True, observed=True):
        if len(part) < min_customers:
            small.append(f"{name} ({len(part)})")
            continue
        fitted = model(penalizer_coef=penalizer_coef).fit(part, time_unit=unit, grain=grain)
        rows.append(
            {
                by: name,
                "customers": len(part),
                **fitted.params_.to_dict(),
                "log_likelihood": fitted.log_likelihood_,
                "model": fitted,
            }
        )
    if small:
        warnings.warn(
            f"Group(s) {', '.join(small)} have fewer than {min_customers} customers and were "
            "not fitted separately: their estimates would be unstable. Use the global fit "
            "(`clv_by_group`) or lower `min_customers` knowingly.",
            SmallSampleWarning,
            stacklevel=2,
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# seed formulas
# ---------------------------------------------------------------------------------------------


def simple_ltv(
    average_order_value: float,
    purchase_frequency: float,
    lifespan: float,
    *,
    margin: float = 1.0,
    cac: float = 0.0,
) -> float:
    """Back-of-the-envelope LTV = AOV x purchase frequency x lifespan x margin - CAC.

    Parameters
    ----------
    average_order_value : float
        Mean order value.
    purchase_frequency : float
        Orders per customer per year.
    lifespan : float
        Expected customer lifespan in years.
    margin : float, default 1.0
        Profit margin.
    cac : float, default 0.0
        Customer acquisition cost subtracted at the end.

    Examples
    --------
    >>> simple_ltv(50.0, 4.0, 3.0, margin=0.3, cac=40.0)
    140.0
    """
    aov = require_in_range(average_order_value, name="average_order_value", low=0.0)
    freq = require_in_range(purchase_frequency, name="purchase_frequency", low=0.0)
    life = require_in_range(lifespan, name="lifespan", low=0.0)
    margin = require_margin(margin)
    cac = require_in_range(cac, name="cac", low=0.0)
    return aov * freq * life * margin - cac


def ltv_comparison(
    transactions: pd.DataFrame,
    clv: pd.DataFrame,
    *,
    cac: float = 0.0,
    margin: float = 1.0,
    horizon_months: int = 12,
) -> pd.DataFrame:
    """The seed formula and the model side by side, per average customer.

    The seed formula uses the log's average order value, orders per customer per year and a
    lifespan of ``horizon_months`` (so both answer "value over the horizon"); the model column
    is the mean of ``clv`` (which already includes the margin).

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transactions; a purchase is a row with ``amount > 0`` not flagged
        ``is_return``, an order a distinct ``order_id`` of a customer (a purchase day without
        one).
    clv : pandas.DataFrame
        Output of :func:`customer_lifetime_value` over the same horizon.
    cac : float, default 0.0
        Acquisition cost per customer, for ``ltv_minus_cac`` and ``ltv_cac_ratio`` (NaN when 0).
    margin : float, default 1.0
        Margin applied to the simple formula's revenue (``clv`` already includes its own).
    horizon_months : int, default 12
        Lifespan of the simple formula, in months.

    Returns
    -------
    pandas.DataFrame
        Rows ``average_order_value``, ``orders_per_year``, ``lifespan_years``, ``ltv``,
        ``ltv_minus_cac``, ``ltv_cac_ratio`` with columns ``simple`` and ``model``.
    """
    require_transactions(transactions)
    need = ["clv", "expected_purchases", "expected_spend"]
    require_frame_columns(clv, need, name="clv", producer="customer_lifetime_value")
    cac = require_in_range(cac, name="cac", low=0.0)
    margin = require_margin(margin)
    horizon_months = _check_months(horizon_months)
    buys = purchases(transactions)
    if buys.empty:
        raise DataValidationError(
            "`transactions` holds no purchases (`amount` > 0, not flagged `is_return`)."
        )
    orders = buys.groupby([buys["customer_id"], order_keys(buys)], sort=False)["amount"].sum()
    aov = float(orders.mean())
    days = (buys["timestamp"].max() - buys["timestamp"].min()).days
    span_years = max(days / DAYS_PER_YEAR, 1 / DAYS_PER_YEAR)
    per_year = len(orders) / buys["customer_id"].nunique() / span_years
    life = horizon_months / 12
    simple = simple_ltv(aov, per_year, life, margin=margin)
    model = float(clv["clv"].mean())
    model_purchases = float(clv["expected_purchases"].mean())

    def ratio(v):
        return v / cac if cac > 0 else np.nan

    return pd.DataFrame(
        {
            "simple": [aov, per_year, life, simple, simple - cac, ratio(simple)],
            "model": [
                float(clv["expected_spend"].mean()),
                model_purchases / life,
                life,
                model,
                model - cac,
                ratio(model),
            ],
        },
        index=pd.Index(
            [
                "average_order_value",
                "orders_per_year",
                "lifespan_years",
                "ltv",
                "ltv_minus_cac",
                "ltv_cac_ratio",
            ],
            name="quantity",
        ),
    )


# ---------------------------------------------------------------------------------------------
# readings: the sentences under the CLV tables and figures
# ---------------------------------------------------------------------------------------------

#: Mean P(alive) from which a reading says the model keeps (nearly) every customer alive.
NEAR_ONE = 0.95


def describe_p_alive(p_alive: Any) -> str:
    """A plain-language reading of customers' P(alive) (a purchase model's ``p_alive``).

    When nearly every customer sits near 1 (at least 95% of them at or above
    :data:`NEAR_ONE`), the reading says the model sees no drop-out and cannot tell who has
    left; otherwise it gives the average and how many customers are more likely gone than
    not.

    Parameters
    ----------
    p_alive : array-like or pandas.DataFrame
        P(alive) per customer, or a frame with a ``p_alive`` column (e.g.
        :func:`customer_lifetime_value` output).

    Returns
    -------
    str
        E.g. "On average a customer is 62% likely to still be active; 1,234 customers (28%)
        are more likely gone than not."
    """
    if isinstance(p_alive, pd.DataFrame):
        require_frame_columns(
            p_alive, ["p_alive"], name="p_alive", producer="customer_lifetime_value"
        )
        p_alive = p_alive["p_alive"]
    values = require_numbers(p_alive, name="p_alive")
    if values.size == 0:
        raise DataValidationError("`p_alive` is empty; pass the P(alive) of the customers.")
    known = values[np.isfinite(values)]
    if ((known < 0) | (known > 1)).any():
        raise DataValidationError(
            f"`p_alive` must hold probabilities in [0, 1]; found {known[(known < 0) | (known > 1)][0]:g}."
        )
    if isinstance(p_alive, pd.DataFrame):
        p_alive = p_alive["p_alive"]
    p = np.asarray(p_alive, dtype=float)
    p = p[np.isfinite(p)]
    if p.size == 0:
        return "No P(alive) to describe."
    near = float(np.mean(p >= NEAR_ONE))
    gone = int(np.sum(p < 0.5))
    if near >= 0.95:
        return (
            f"P(alive) is near 1 for almost everyone ({say.pct(near)} of "
            f"{say.count(p.size, 'customer')} at {say.pct(NEAR_ONE)} or more; "
            f"{say.count(gone, 'customer')} more likely gone than not): the model sees almost "
            "no drop-out in this history, so it cannot tell who has left, and values built on "
            "it are an upper bound."
        )
    return (
        f"On average a customer is {say.pct(p.mean())} likely to still be active; "
        f"{say.count(gone, 'customer')} ({say.pct(gone / p.size)}) are more likely gone than not."
    )


def clv_vs_past_revenue(
    clv: pd.DataFrame, transactions: pd.DataFrame, *, horizon_months: int
) -> pd.DataFrame:
    """Predicted revenue over the horizon beside the log's net revenue over an equal span.

    The prediction is undiscounted and before margin (expected purchases x expected spend,
    summed over customers), so it compares like with like with revenue. Past revenue is the
    net revenue (returns netted) of the last ``horizon_months`` months of the log; when the
    log is shorter, its whole net revenue scaled to ``horizon_months`` (``past_months`` says
    which span was used).

    Parameters
    ----------
    clv : pandas.DataFrame
        :func:`customer_lifetime_value` output.
    transactions : pandas.DataFrame
        The clean transactions the models were fitted on (``timestamp``, ``amount``).
    horizon_months : int
        The CLV horizon.

    Returns
    -------
    pandas.DataFrame
        One row: ``horizon_months, customers, predicted_revenue, clv, mean_p_alive,
        mean_expected_spend, past_months, past_revenue`` (over ``past_months``),
        ``past_revenue_same_span`` (scaled to the horizon) and ``ratio`` (predicted /
        past over the same span).
    """
    months = _check_months(horizon_months)
    need = ["p_alive", "expected_purchases", "expected_spend", "clv"]
    require_frame_columns(clv, need, name="clv", producer="customer_lifetime_value")
    require_transactions(transactions)
    if not {"timestamp", "amount"} <= set(transactions.columns):
        raise DataValidationError(
            "`transactions` needs columns `timestamp` and `amount` (the clean log)."
        )
    end = transactions["timestamp"].max()
    first = transactions["timestamp"].min()
    start = end - pd.DateOffset(months=months)
    if first > start:  # shorter history: all of it, scaled to the horizon
        past = float(transactions["amount"].sum())
        span = max((end - first).days, 1) / DAYS_PER_MONTH
    else:
        past = float(transactions.loc[transactions["timestamp"] > start, "amount"].sum())
        span = float(months)
    same_span = past * months / span
    predicted = float((clv["expected_purchases"] * clv["expected_spend"]).sum())
    return pd.DataFrame(
        {
            "horizon_months": [months],
            "customers": [len(clv)],
            "predicted_revenue": [predicted],
            "clv": [float(clv["clv"].sum())],
            "mean_p_alive": [float(clv["p_alive"].mean())],
            "mean_expected_spend": [float(clv["expected_spend"].mean())],
            "past_months": [span],
            "past_revenue": [past],
            "past_revenue_same_span": [same_span],
            "ratio": [predicted / same_span if same_span > 0 else np.nan],
        }
    )


def describe_clv(
    clv: pd.DataFrame,
    transactions: pd.DataFrame,
    *,
    horizon_months: int,
    currency: str = "",
    top: float = 0.1,
) -> str:
    """A plain-language reading of the CLV table: the total, its concentration, and how it
    compares with the revenue the log actually brought over an equal span.

    The prediction covers the customers in the data only (no new ones), yet the past
    revenue it is compared with includes customers acquired in that span, so a prediction
    above past revenue is flagged: it says what the forecast rests on (mean P(alive), mean
    spend per order), and calls it an upper bound when the model keeps nearly everyone
    alive.

    Parameters
    ----------
    clv : pandas.DataFrame
        :func:`customer_lifetime_value` output.
    transactions : pandas.DataFrame
        The clean log the models were fitted on.
    horizon_months : int
        The CLV horizon.
    currency : str
        Currency code of the amounts.
    top : float
        Share of customers whose share of CLV is quoted.

    Returns
    -------
    str
    """
    top = require_in_range(top, name="top", low=0, high=1, low_inclusive=False)
    currency = require_str(currency, name="currency")
    cmp = clv_vs_past_revenue(clv, transactions, horizon_months=horizon_months).iloc[0]
    months = int(cmp["horizon_months"])
    values = clv["clv"].sort_values(ascending=False)
    total = float(values.sum())
    n_top = max(int(len(values) * top), 1)
    share = float(values.head(n_top).sum() / total) if total > 0 else np.nan
    text = f"Total {months}-month CLV is {say.money(total, currency)}"
    text += (
        f"; the top {say.pct(top)} of customers hold {say.pct(share)} of it."
        if say.finite(share)
        else "."
    )
    predicted, past = float(cmp["predicted_revenue"]), float(cmp["past_revenue_same_span"])
    span = (
        f"the last {months} months of the log"
        if cmp["past_months"] >= months
        else f"the log's {cmp['past_months']:.1f} months, scaled to {months}"
    )
    text += (
        f" Before discounting and margin, the model expects "
        f"{say.money_short(predicted, currency)} of purchases from the "
        f"{say.count(cmp['customers'], 'customer')} in the data over the next {months} months"
    )
    rests = (
        f"It rests on the purchase model's mean P(alive) of {say.pct(cmp['mean_p_alive'])} and "
        f"Gamma-Gamma's mean spend per order of {say.money(cmp['mean_expected_spend'], currency)}"
    )
    near_one = cmp["mean_p_alive"] >= NEAR_ONE
    if past > 0 and predicted > past:
        text += (
            f": more than the whole net revenue of {span} "
            f"({say.money_short(past, currency)}; {cmp['ratio']:.2f} times), though that revenue "
            f"also includes customers acquired in those months. {rests}"
        )
        return text + (
            "; with nearly every customer kept alive, read it as an upper bound."
            if near_one
            else "; check the model's holdout fit before using it."
        )
    ratio = f"{say.pct(cmp['ratio'])} of" if say.finite(cmp["ratio"]) else "against"
    text += (
        f", {ratio} the net revenue of {span} ({say.money_short(past, currency)}); new "
        f"customers would come on top. {rests}"
    )
    return text + (
        "; with nearly every customer kept alive, it is an upper bound." if near_one else "."
    )


def describe_clv_by_group(
    table: pd.DataFrame,
    *,
    by: str,
    currency: str = "",
    min_customers: int | None = None,
) -> str:
    """A plain-language reading of :func:`clv_by_group`: where the value sits.

    Groups with fewer than ``min_customers`` customers are not named (see
    :func:`~retention_lib.describe_small_groups`).

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`clv_by_group`.
    by : str
        The group column of ``table``.
    currency : str, default ''
        Currency code named after the amounts.
    min_customers : int, optional
        Groups with fewer customers are not named; default MIN_GROUP_CUSTOMERS.

    Returns
    -------
    str
        E.g. "Europe holds the most value: 8,384,733 GBP (95% interval 7,766,684 to
        8,499,232, from parameter uncertainty only) from 4,286 customers, 98% of the total."
    """
    require_frame_columns(
        table, [by, "total_clv", "customers"], name="table", producer="clv_by_group"
    )
    currency = require_str(currency, name="currency")
    if min_customers is not None:
        min_customers = require_whole_number(min_customers, name="min_customers", low=0)
    from ..groups import MIN_GROUP_CUSTOMERS, ranked_groups

    n_min = MIN_GROUP_CUSTOMERS if min_customers is None else int(min_customers)
    big = ranked_groups(table, by=by, value="total_clv", size="customers", min_customers=n_min)
    if big.empty:
        return f"No {by} has {n_min} customers or more, so no group's value is read."
    best = big.iloc[0]
    text = f"{best[by]} holds the most value: {say.money(best['total_clv'], currency)}"
    if "clv_lower" in big.columns and say.finite(best["clv_lower"]):
        text += (
            f" (95% interval {say.money(best['clv_lower'])} to {say.money(best['clv_upper'])},"
            " from parameter uncertainty only)"
        )
    text += f" from {say.count(best['customers'], 'customer')}"
    share = best.get("share_of_clv", np.nan)
    if say.finite(share):
        text += f", {say.pct(share)} of the total"
        if share >= 0.9:
            text += f": the other {by}s add little"
    text += "."
    if len(big) > 1:
        second = big.iloc[1]
        text += (
            f" Next is {second[by]} with {say.money(second['total_clv'], currency)} from "
            f"{say.count(second['customers'], 'customer')}."
        )
    return text


def describe_ltv_comparison(
    comparison: pd.DataFrame,
    *,
    cac: float,
    currency: str = "",
    cac_assumed: bool = True,
    tolerance: float = 0.05,
) -> str:
    """A plain-language reading of :func:`ltv_comparison`: model against the simple formula,
    and LTV:CAC.

    The two LTVs are called close within ``tolerance``; otherwise the reading says which is
    higher and why that can be. With ``cac_assumed`` the CAC is named as an assumption,
    not the client's figure.

    Parameters
    ----------
    comparison : pandas.DataFrame
        Output of :func:`ltv_comparison`.
    cac : float
        The acquisition cost used in ``comparison``.
    currency : str, default ''
        Currency code named after the amounts.
    cac_assumed : bool, default True
        The CAC is an assumption, not the client's figure: the sentence says so.
    tolerance : float, default 0.05
        Relative difference within which the two LTVs are called close.

    Returns
    -------
    str
    """
    require_frame_columns(
        comparison, ["simple", "model"], name="comparison", producer="ltv_comparison"
    )
    if "ltv" not in comparison.index:
        raise DataValidationError(
            "`comparison` has no row `ltv`; pass the output of `retention_lib.ltv_comparison`."
        )
    cac = require_in_range(cac, name="cac", low=0)
    currency = require_str(currency, name="currency")
    cac_assumed = require_bool(cac_assumed, name="cac_assumed")
    tolerance = require_in_range(tolerance, name="tolerance", low=0, high=1)
    from ..kpis import ltv_cac

    model, simple = float(comparison.loc["ltv", "model"]), float(comparison.loc["ltv", "simple"])
    diff = model / simple - 1 if simple > 0 else np.nan
    text = (
        f"The model's LTV per customer is {say.money(model, currency, 2)}, the simple formula's "
        f"{say.money(simple, currency, 2)}"
    )
    if not say.finite(diff):
        text += "."
    elif abs(diff) <= tolerance:
        text += (
            f" (within {say.pct(tolerance)}): the model discounts almost no customer as gone, so"
            " it adds little to the formula."
        )
    elif diff < 0:
        text += (
            f": the model is {say.pct(-diff)} lower, as it discounts customers who have probably"
            " left while the formula assumes everyone keeps buying."
        )
    else:
        text += (
            f": the model is {say.pct(diff)} higher, as it expects customers to buy more often "
            "than the log's average so far."
        )
    if cac > 0 and model > 0:
        v = ltv_cac(model, cac).iloc[0]
        kind = "an assumed" if cac_assumed else "a"
        text += (
            f" With {kind} CAC of {say.money(cac, currency)}, the model's LTV:CAC is "
            f"{v['ltv_cac_ratio']:.1f}:1 ({v['verdict']})"
        )
        text += "; the verdict holds only if that CAC is right." if cac_assumed else "."
    return text
