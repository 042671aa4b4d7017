"""Project the cohort triangle forward: fill every cell not observed yet with a fitted
contractual model (sBG or BdW), with an interval, and value the customers still active.

The input is a survivor table: :func:`~retention_lib.cohort_survival` for a purchase log,
or explicit counts of a subscription business in the same tidy form (``cohort,
period_number, cohort_size, customers, observable``). Each cohort is projected from its
own last observed cell: ``n_k = n_a S(k) / S(a)`` where ``a`` is the cohort's last observed
period, so a cohort that retains better than average keeps its lead.

Intervals are prediction intervals for the share of the cohort still active: parameter
sets drawn from their sampling distribution (the asymptotic normal of the
log-parameters, :meth:`~retention_lib.ShiftedBetaGeoModel.parameter_draws`) and, for each,
the binomial chance of which of the ``n_a`` customers stay (customers are independent
given the parameters). Uncertainty about the model itself (sBG vs BdW) is not in them:
compare both with :func:`backtest_retention`.
"""

from __future__ import annotations

import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from types import FrameType
from typing import Any

import numpy as np
import pandas as pd

from . import _reading as say
from ._schema import period_index_of
from ._tables import require_period
from ._validation import (
    DataValidationError,
    InputTypeError,
    RetentionLibWarning,
    require_date,
    require_frame_columns,
    require_in_range,
    require_rate,
    require_str,
    require_whole_number,
)
from .contractual import (
    BetaDiscreteWeibullModel,
    ShiftedBetaGeoModel,
    likelihood_ratio_test,
    residual_lifetimes,
    survival_curve,
    survivor_series,
)

_Model = ShiftedBetaGeoModel | BetaDiscreteWeibullModel
_MODEL_TYPES = (ShiftedBetaGeoModel, BetaDiscreteWeibullModel)

__all__ = [
    "RetentionBacktest",
    "RetentionOutlook",
    "backtest_retention",
    "describe_backtest",
    "describe_projection",
    "project_retention",
    "retention_models",
    "retention_outlook",
]

_MODEL_NAMES: dict[str, type[_Model]] = {
    "sBG": ShiftedBetaGeoModel,
    "BdW": BetaDiscreteWeibullModel,
}
_TABLE_COLUMNS = ("cohort", "period_number", "cohort_size", "customers")
_PROJECTION_COLUMNS = _TABLE_COLUMNS + (
    "retention",
    "lower",
    "upper",
    "projected",
    "small_cohort",
    "model",
)


# ---------------------------------------------------------------------------------------------
# inputs
# ---------------------------------------------------------------------------------------------


def _check_table(table: Any, by: str | None = None) -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame):
        raise InputTypeError(
            "`table` must be a pandas DataFrame from `cohort_survival` (or survivor counts in "
            f"its tidy form), got {type(table).__name__}."
        )
    missing = [c for c in _TABLE_COLUMNS if c not in table.columns]
    if missing:
        raise DataValidationError(
            f"`table` is missing column(s) {', '.join(f'`{c}`' for c in missing)}. Build it "
            "with `retention_lib.cohort_survival(transactions)`, or give survivor counts as "
            "`cohort, period_number, cohort_size, customers` (NaN where not observed yet)."
        )
    out = table.copy()
    if "observable" not in out.columns:
        out["observable"] = out["customers"].notna()
    out["observable"] = out["observable"].astype(bool) & out["customers"].notna()
    if by is not None and by not in table.columns:
        raise DataValidationError(
            f"`by` {by!r} is not a column of `table`; build the table with "
            f"`cohort_survival(transactions, by={by!r})`."
        )
    keys = ([by] if by is not None else []) + ["cohort"]
    repeated = out.duplicated(subset=[*keys, "period_number"])
    if repeated.any():  # the data says it holds several groups
        first = out.loc[repeated, ["cohort", "period_number"]].iloc[0]
        groups = [c for c in out.columns if c not in (*_TABLE_COLUMNS, "observable")]
        hint = f" (e.g. by={groups[0]!r})" if by is None and groups else ""
        raise DataValidationError(
            f"`table` has {int(repeated.sum())} repeated (cohort, period_number) cell(s), e.g. "
            f"cohort {first['cohort']!r} period {int(first['period_number'])}: it holds "
            f"several groups. Pass `by=` the group column{hint} to fit one model per group, "
            "or filter the table to one group."
        )
    seen = out[out["observable"]].sort_values([*keys, "period_number"], kind="stable")
    rises = seen.groupby(keys, sort=False)["customers"].diff() > 1e-9
    if rises.any():
        first = seen.loc[rises[rises].index[0]]
        raise DataValidationError(
            f"`table`'s counts rise within a cohort (cohort {first['cohort']!r} at period "
            f"{int(first['period_number'])}): it holds classic retention (customers buying "
            "*in* each period), which rises and falls, so it is no survivor curve. Use "
            "`cohort_survival(transactions)` (or `cohort_retention(..., kind='unbounded')`)."
        )
    start = out[out["period_number"] == 0].groupby(keys)["observable"].any()
    everyone = out.groupby(keys).size()
    unseen = everyone.index.difference(start.index[start])
    if len(unseen):
        raise DataValidationError(
            f"{len(unseen)} cohort(s) of `table` have no observed period 0 (their size), e.g. "
            f"{unseen[0]!r}. Every cohort needs `customers` at period_number 0."
        )
    return out


def _groups(table: pd.DataFrame, by: str | None) -> list[tuple[Any, pd.DataFrame]]:
    if by is None:  # `_check_table` refused a table holding several groups
        return [(None, table)]
    return [(g, part) for g, part in table.groupby(by, sort=True)]


def _model_class(model: Any) -> type[_Model]:
    if isinstance(model, str) and model == "auto":
        return ShiftedBetaGeoModel
    if isinstance(model, str):
        if model not in _MODEL_NAMES:
            raise DataValidationError(
                f"`model` must be one of {', '.join(map(repr, [*_MODEL_NAMES, 'auto']))}, a "
                f"model class or a model instance; got {model!r}."
            )
        return _MODEL_NAMES[model]
    if isinstance(model, type) and issubclass(model, _MODEL_TYPES):
        return model
    if isinstance(model, _MODEL_TYPES):
        return type(model)
    raise InputTypeError(
        "`model` must be 'sBG', 'BdW', ShiftedBetaGeoModel or BetaDiscreteWeibullModel (a "
        f"class or an instance); got {type(model).__name__}."
    )


def retention_models(
    table: pd.DataFrame, *, model: Any = "sBG", by: str | None = None, period: str = "M"
) -> dict[Any, _Model]:
    """Fit one contractual model per group of a survivor table.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`~retention_lib.cohort_survival` (or survivor counts in its form).
    model : {"sBG", "BdW", "auto"} or a model class or instance
        The model to fit (a fitted instance is used as it is, without ``by``); ``"auto"``
        fits both and keeps the BdW where the likelihood-ratio test prefers it
        (:func:`~retention_lib.likelihood_ratio_test`, p < 0.05), else the sBG.
    by : str, optional
        Fit one model per value of this column.
    period : {"D", "W", "M", "Q"}, default "M"
        The ``period`` of the table (:func:`~retention_lib.cohort_survival`'s); the models'
        ``period_``, checked against dated cohorts.

    Returns
    -------
    dict
        Group value (``None`` without ``by``) -> fitted model.
    """
    table = _check_table(table, by)
    cls = _model_class(model)
    period = require_period(table, period)
    out: dict[Any, _Model] = {}
    for group, part in _groups(table, by):
        if isinstance(model, _MODEL_TYPES) and hasattr(model, "params_") and by is None:
            out[group] = model
            continue
        cells = part[part["observable"]]
        try:
            fitted = cls().fit(cells, period=period)
            if (
                isinstance(model, str)
                and model == "auto"
                and isinstance(fitted, ShiftedBetaGeoModel)
            ):
                fitted = _preferred(fitted, cells, period)
            out[group] = fitted
        except DataValidationError as exc:
            where = f" for {by} = {group!r}" if by else ""
            raise DataValidationError(f"Cannot fit the {cls.label}{where}: {exc}") from None
    return out


def _preferred(sbg: ShiftedBetaGeoModel, cells: pd.DataFrame, period: Any) -> _Model:
    """The BdW when the likelihood-ratio test prefers it (p < 0.05), else the sBG."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bdw = BetaDiscreteWeibullModel().fit(cells, period=period)
    if likelihood_ratio_test(sbg, bdw)["preferred"] == "BdW":
        for w in caught:  # the chosen model's caveats still reach the user
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        return bdw
    return sbg


# ---------------------------------------------------------------------------------------------
# projection
# ---------------------------------------------------------------------------------------------


def _anchors(part: pd.DataFrame) -> pd.DataFrame:
    """Per cohort: size and the last observed period with its survivors."""
    obs = part[part["observable"]].sort_values(["cohort", "period_number"])
    last = obs.groupby("cohort", sort=True).tail(1)
    return pd.DataFrame(
        {
            "cohort": last["cohort"].to_numpy(),
            "cohort_size": last["cohort_size"].to_numpy(dtype=float),
            "anchor": last["period_number"].to_numpy(dtype=int),
            "anchor_customers": last["customers"].to_numpy(dtype=float),
        }
    )


def _survival_matrix(model: _Model, draws: pd.DataFrame, t: np.ndarray) -> np.ndarray:
    """S(t) for each parameter draw (rows) and period (columns)."""
    a, b, c = model.parameter_arrays(draws)
    return survival_curve(a[:, None], b[:, None], c[:, None], t[None, :])


@dataclass
class _Projection:
    """Everything one fit gives: cells, draws and the model, per group."""

    group: Any
    model: _Model
    anchors: pd.DataFrame
    draws: pd.DataFrame
    rho: float

    def simulate(self, rng: np.random.Generator, n: int, p: np.ndarray) -> np.ndarray:
        """Customers of ``n`` still active, for survival shares ``p`` (one per draw): binomial,
        with a cohort effect (beta-binomial, intra-cohort correlation ``rho``) when the
        cohorts differ more than the model explains."""
        p = np.clip(p, 0.0, 1.0)
        if self.rho > 0:
            scale = 1 / self.rho - 1
            inner = np.clip(p, 1e-12, 1 - 1e-12)
            p = rng.beta(inner * scale, (1 - inner) * scale)
        return rng.binomial(n, p)


def _prepare(
    table: pd.DataFrame, model: Any, by: str | None, period: str, n_draws: int, seed: int
) -> tuple[pd.DataFrame, list[_Projection], list[str]]:
    table = _check_table(table, by)
    n_draws = require_whole_number(n_draws, name="n_draws", low=10)
    require_whole_number(seed, name="seed", low=0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        models = retention_models(table, model=model, by=by, period=period)
    notes: list[str] = []
    for w in caught:  # raised again at the user's call, and kept as notes
        warnings.warn(w.message, w.category, stacklevel=_outside_stacklevel())
        if issubclass(w.category, RetentionLibWarning) and str(w.message) not in notes:
            notes.append(str(w.message))
    out = []
    for (group, part), fitted in zip(_groups(table, by), models.values(), strict=True):
        draws = fitted.parameter_draws(n_draws, seed=seed)
        rho = _cohort_correlation(fitted, part[part["observable"]])
        out.append(_Projection(group, fitted, _anchors(part), draws, rho))
    return table, out, notes


def _outside_stacklevel() -> int:
    """The ``stacklevel`` that points a warning at the first frame outside retention_lib."""
    package = str(Path(__file__).resolve().parent)
    frame: FrameType | None = sys._getframe(1)
    level = 1
    while frame is not None and str(Path(frame.f_code.co_filename).resolve()).startswith(package):
        frame, level = frame.f_back, level + 1
    return level


def _model_label(labels: Any) -> str:
    """'sBG', or 'BdW or sBG (by group)' when the groups' models differ."""
    labels = sorted(set(labels))
    return labels[0] if len(labels) == 1 else " or ".join(labels) + " (by group)"


def _cohort_correlation(model: _Model, observed: pd.DataFrame) -> float:
    """Intra-cohort correlation of renewals beyond what the model explains.

    Moment estimate from every observed one-period transition ``n_{k-1} -> n_k``: the
    squared deviations from ``n_{k-1} r(k)`` against the binomial variance ``n r (1 - r)``,
    with a beta-binomial ``n r (1 - r) (1 + (n - 1) rho)`` (0 when the cohorts vary no
    more than binomially).
    """
    excess = binomial = pairs = 0.0
    for arr in survivor_series(observed).values():
        if len(arr) < 2:
            continue
        k = np.arange(1, len(arr), dtype=float)
        a, b, c = model.parameter_arrays()
        r = survival_curve(a, b, c, k) / survival_curve(a, b, c, k - 1)
        n, kept = arr[:-1], arr[1:]
        var = n * r * (1 - r)
        excess += float(np.sum((kept - n * r) ** 2))
        binomial += float(np.sum(var))
        pairs += float(np.sum((n - 1) * var))
    if pairs <= 0:
        return 0.0
    return float(np.clip((excess - binomial) / pairs, 0.0, 0.5))


def _quantiles(level: float) -> tuple[float, float]:
    level = require_in_range(
        level, name="level", low=0, high=1, low_inclusive=False, high_inclusive=False
    )
    return (1 - level) / 2, (1 + level) / 2


def _predict(
    proj: _Projection, periods: np.ndarray, q: tuple[float, float], seed: int
) -> pd.DataFrame:
    """Expected survivors and their prediction interval for each cohort x period beyond its
    anchor (periods at or before the anchor are the observed ones)."""
    rng = np.random.default_rng(seed)
    point = survival_curve(*proj.model.parameter_arrays(), periods)
    sims = _survival_matrix(proj.model, proj.draws, periods)
    rows = []
    for cohort, size, anchor, n_a in proj.anchors.itertuples(index=False):
        later = periods > anchor
        if not later.any():
            continue
        k = periods[later]
        i_a = int(np.searchsorted(periods, anchor))
        expected = n_a * point[later] / point[i_a]
        p = np.clip(sims[:, later] / sims[:, [i_a]], 0.0, 1.0)
        counts = proj.simulate(rng, int(round(n_a)), p)
        lo, hi = np.quantile(counts, q, axis=0)
        rows.append(
            pd.DataFrame(
                {
                    "cohort": cohort,
                    "period_number": k,
                    "customers": expected,
                    "lower": lo / size,
                    "upper": hi / size,
                }
            )
        )
    if not rows:
        return pd.DataFrame(columns=["cohort", "period_number", "customers", "lower", "upper"])
    return pd.concat(rows, ignore_index=True)


def project_retention(
    table: pd.DataFrame,
    *,
    model: Any = "sBG",
    by: str | None = None,
    horizon: int | None = None,
    period: str = "M",
    level: float = 0.95,
    n_draws: int = 2000,
    seed: int = 0,
) -> pd.DataFrame:
    """The cohort triangle with every cell not observed yet filled by a fitted projection.

    Parameters
    ----------
    table : pandas.DataFrame
        A survivor table: :func:`~retention_lib.cohort_survival` for a purchase log, or
        explicit counts of a subscription business with ``cohort, period_number,
        cohort_size, customers`` (NaN or ``observable=False`` where not seen yet).
    model : {"sBG", "BdW", "auto"} or a model class or instance
        :class:`~retention_lib.ShiftedBetaGeoModel` (default) or
        :class:`~retention_lib.BetaDiscreteWeibullModel`; ``"auto"`` picks one per group by
        the likelihood-ratio test; a fitted instance is used as it is.
    by : str, optional
        Fit and project one model per value of this column (e.g. ``"region"``).
    horizon : int, optional
        Last period_number to fill (default: the table's last one, so the triangle becomes
        a rectangle). A larger horizon adds columns.
    period : {"D", "W", "M", "Q"}, default "M"
        The ``period`` the table was built with (checked against dated cohorts).
    level : float, default 0.95
        Coverage of the ``lower``-``upper`` prediction interval.
    n_draws : int, default 2000
        Parameter draws behind the interval.
    seed : int, default 0

    Returns
    -------
    pandas.DataFrame
        One row per cohort and period_number up to ``horizon``: ``[by], cohort,
        period_number, cohort_size, customers, retention, lower, upper, projected,
        small_cohort, model``. ``customers`` and ``retention`` are observed where
        ``projected`` is False (there ``lower = upper = retention``) and the expected
        projection elsewhere; ``lower``/``upper`` bound the share of the cohort still active
        (at ``level``); ``model`` names the group's fitted model (``"sBG"`` or ``"BdW"``).

    Examples
    --------
    >>> survival = cohort_survival(tx, period="M")  # doctest: +SKIP
    >>> filled = project_retention(survival, model="BdW")  # doctest: +SKIP
    """
    q = _quantiles(level)
    table, projections, _ = _prepare(table, model, by, period, n_draws, seed)
    last = int(table["period_number"].max())
    horizon = last if horizon is None else int(require_in_range(horizon, name="horizon", low=0))
    periods = np.arange(max(horizon, last) + 1)
    parts = []
    for proj in projections:
        part = table if by is None else table[table[by] == proj.group]
        sizes = part.drop_duplicates("cohort").set_index("cohort")
        cells = pd.MultiIndex.from_product(
            [sizes.index, periods], names=["cohort", "period_number"]
        ).to_frame(index=False)
        obs = part.loc[part["observable"], ["cohort", "period_number", "customers"]]
        cells = cells.merge(obs, on=["cohort", "period_number"], how="left")
        cells["projected"] = cells["customers"].isna()
        pred = _predict(proj, periods, q, seed).set_index(["cohort", "period_number"])
        key = pd.MultiIndex.from_frame(cells[["cohort", "period_number"]])
        cells["customers"] = cells["customers"].fillna(
            pd.Series(pred["customers"].reindex(key).to_numpy(), index=cells.index)
        )
        cells["cohort_size"] = sizes["cohort_size"].reindex(cells["cohort"]).to_numpy(dtype=float)
        cells["retention"] = cells["customers"] / cells["cohort_size"]
        cells["lower"] = pred["lower"].reindex(key).to_numpy()
        cells["upper"] = pred["upper"].reindex(key).to_numpy()
        seen = ~cells["projected"]
        cells.loc[seen, "lower"] = cells.loc[seen, "retention"]
        cells.loc[seen, "upper"] = cells.loc[seen, "retention"]
        small = sizes["small_cohort"] if "small_cohort" in sizes.columns else False
        cells["small_cohort"] = (
            small.reindex(cells["cohort"]).to_numpy() if not isinstance(small, bool) else False
        )
        cells["model"] = proj.model.label
        if by is not None:
            cells.insert(0, by, proj.group)
        parts.append(cells[cells["period_number"] <= horizon])
    out = pd.concat(parts, ignore_index=True)
    return out[([by] if by else []) + list(_PROJECTION_COLUMNS)]


# ---------------------------------------------------------------------------------------------
# per-cohort outlook and the value of the active base
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetentionOutlook:
    """What :func:`retention_outlook` found, with the settings its reading states.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per cohort and a total row (see :func:`retention_outlook`).
    period : str
        The table's period (``"D"``, ``"W"``, ``"M"`` or ``"Q"``).
    by : str or None
        The group column of ``table``, if any.
    horizon : int
        The period_number retention is quoted at.
    model : str
        The fitted model (``"sBG"``, ``"BdW"``, or both by group).
    level : float
        Coverage of the ``*_lower``-``*_upper`` intervals.
    inactive_periods : int or None
        The survivor table's rule (periods without a purchase until a customer is lost).
    value_per_customer : float or None
        The value per active customer and period, an input.
    discount_rate : float
        Per period.
    notes : tuple of str
        Caveats of the fit (also raised as warnings).
    """

    table: pd.DataFrame
    period: str
    by: str | None
    horizon: int
    model: str
    level: float
    inactive_periods: int | None = None
    value_per_customer: float | None = None
    discount_rate: float = 0.0
    notes: tuple[str, ...] = ()

    def to_frame(self) -> pd.DataFrame:
        """The outlook table (a copy)."""
        return self.table.copy()

    def __repr__(self) -> str:
        n = int((~self.table["total"].astype(bool)).sum())
        return (
            f"<RetentionOutlook {self.model}: {n} cohorts, horizon {self.horizon} "
            f"({self.period}), {self.level:.0%} intervals>"
        )


def retention_outlook(
    table: pd.DataFrame,
    *,
    horizon: int = 12,
    model: Any = "sBG",
    by: str | None = None,
    period: str = "M",
    observation_end: Any = None,
    inactive_periods: int | None = None,
    value_per_customer: float | None = None,
    discount_rate: float = 0.0,
    value_horizon: int | None = None,
    level: float = 0.95,
    n_draws: int = 2000,
    seed: int = 0,
) -> RetentionOutlook:
    """Per cohort: retention at a chosen horizon, customers still active now, and (given a
    value per active customer and period) the value of those customers, each with an interval.

    *Now* is the last period of the log (``observation_end``; without it, each
    cohort's last observed period). In a :func:`cohort_survival` table the last
    ``inactive_periods - 1`` periods are not judged yet (a customer quiet since then may
    still come back), so customers now are projected from the last judged period.

    Parameters
    ----------
    table : pandas.DataFrame
        As in :func:`project_retention`.
    horizon : int, default 12
        The period_number to quote retention at (e.g. month 12).
    model, by, period, level, n_draws, seed
        As in :func:`project_retention`.
    observation_end : datetime-like, optional
        The as-of date the table was built with (:func:`cohort_survival`'s; default: each
        cohort's last observed period is *now*).
    inactive_periods : int, optional
        The survivor table's rule (:func:`cohort_survival`'s ``inactive_periods``), stated
        in the reading.
    value_per_customer : float, optional
        Net value of one active customer in one period: an input of yours (e.g. average
        margin per active month), not a fact of the data. Without it no value is computed.
    discount_rate : float, default 0.0
        Per period.
    value_horizon : int, optional
        Count the value of the next ``value_horizon`` periods only. Without it (and without
        discounting) the value is infinite when the fitted lifetime is; pass either.

    Returns
    -------
    RetentionOutlook
        Its ``table`` has one row per cohort and a last row with ``cohort`` NaT and
        ``total`` True summing them: ``[by], cohort, total, cohort_size, age_now, customers_now,
        customers_now_lower, customers_now_upper, retention_at_horizon,
        retention_at_horizon_lower, retention_at_horizon_upper, horizon_projected`` and, with
        a value, ``base_value, base_value_lower, base_value_upper``. ``base_value`` is
        ``customers_now * value_per_customer * DERL(age_now)`` (Fader & Hardie 2010), the
        next period counted in full.
    """
    q = _quantiles(level)
    horizon = require_whole_number(horizon, name="horizon", low=0)
    discount_rate = require_rate(discount_rate, per="period")
    if value_horizon is not None:
        value_horizon = require_whole_number(value_horizon, name="value_horizon", low=0)
    if value_per_customer is not None:
        value = require_in_range(value_per_customer, name="value_per_customer")
        if discount_rate == 0 and value_horizon is None:
            raise DataValidationError(
                "The value of the active base needs a `discount_rate` > 0 or a "
                "`value_horizon` (periods to count): an undiscounted stream without end is "
                "infinite whenever some customers almost never churn."
            )
    table, projections, notes = _prepare(table, model, by, period, n_draws, seed)
    period = require_period(table, period)
    end = require_date(observation_end, name="observation_end", allow_none=True)
    rows = []
    for proj in projections:
        rng = np.random.default_rng(seed)
        anchors = proj.anchors
        now = _now_ages(anchors, end, period)
        top = int(max(now.max(), horizon)) + 1
        periods = np.arange(top)
        point = survival_curve(*proj.model.parameter_arrays(), periods)
        sims = _survival_matrix(proj.model, proj.draws, periods)
        n_sims = len(proj.draws)
        group_now = np.zeros(n_sims)
        group_value = np.zeros(n_sims)
        derl = derl_point = None
        if value_per_customer is not None:
            arrays = proj.model.parameter_arrays(proj.draws)
            point_arrays = proj.model.parameter_arrays()
            ages = [int(x) for x in np.unique(now)]
            options: dict[str, Any] = {"discount_rate": discount_rate, "horizon": value_horizon}
            derl = {x: residual_lifetimes(*arrays, x, **options) for x in ages}
            derl_point = {
                x: float(residual_lifetimes(*point_arrays, x, **options)[0]) for x in ages
            }
        for (cohort, size, anchor, n_a), age in zip(
            anchors.itertuples(index=False), now, strict=True
        ):
            n = int(round(n_a))
            ratio_now = np.clip(sims[:, age] / sims[:, anchor], 0, 1)
            sim_now = proj.simulate(rng, n, ratio_now) if age > anchor else np.full(n_sims, n_a)
            exp_now = n_a * point[age] / point[anchor]
            row: dict[str, Any] = {
                "cohort": cohort,
                "total": False,
                "cohort_size": size,
                "age_now": int(age),
                "customers_now": exp_now,
                "customers_now_lower": float(np.quantile(sim_now, q[0])),
                "customers_now_upper": float(np.quantile(sim_now, q[1])),
            }
            if horizon <= anchor:
                seen = part_value = _observed(table, by, proj.group, cohort, horizon)
                row.update(
                    retention_at_horizon=seen,
                    retention_at_horizon_lower=part_value,
                    retention_at_horizon_upper=part_value,
                    horizon_projected=False,
                )
            else:
                ratio_h = np.clip(sims[:, horizon] / sims[:, anchor], 0, 1)
                sim_h = proj.simulate(rng, n, ratio_h) / size
                row.update(
                    retention_at_horizon=n_a * point[horizon] / point[anchor] / size,
                    retention_at_horizon_lower=float(np.quantile(sim_h, q[0])),
                    retention_at_horizon_upper=float(np.quantile(sim_h, q[1])),
                    horizon_projected=True,
                )
            group_now += sim_now
            if derl is not None and derl_point is not None:
                sim_value = sim_now * value * derl[int(age)]
                group_value += sim_value
                row.update(
                    base_value=exp_now * value * derl_point[int(age)],
                    base_value_lower=float(np.quantile(sim_value, q[0])),
                    base_value_upper=float(np.quantile(sim_value, q[1])),
                )
            if by is not None:
                row = {by: proj.group, **row}
            rows.append(row)
        total: dict[str, Any] = {
            "cohort": pd.NaT,
            "total": True,
            "cohort_size": float(anchors["cohort_size"].sum()),
            "age_now": np.nan,
            "customers_now": float(sum(r["customers_now"] for r in rows[-len(anchors) :])),
            "customers_now_lower": float(np.quantile(group_now, q[0])),
            "customers_now_upper": float(np.quantile(group_now, q[1])),
            "retention_at_horizon": np.nan,
            "retention_at_horizon_lower": np.nan,
            "retention_at_horizon_upper": np.nan,
            "horizon_projected": np.nan,
        }
        if derl is not None:
            total.update(
                base_value=float(sum(r["base_value"] for r in rows[-len(anchors) :])),
                base_value_lower=float(np.quantile(group_value, q[0])),
                base_value_upper=float(np.quantile(group_value, q[1])),
            )
        if by is not None:
            total = {by: proj.group, **total}
        rows.append(total)
    if inactive_periods is not None:
        inactive_periods = require_whole_number(inactive_periods, name="inactive_periods", low=1)
    return RetentionOutlook(
        table=pd.DataFrame(rows),
        period=period,
        by=by,
        horizon=horizon,
        model=_model_label(p.model.label for p in projections),
        level=float(level),
        inactive_periods=inactive_periods,
        value_per_customer=value_per_customer,
        discount_rate=float(discount_rate),
        notes=tuple(notes),
    )


def _now_ages(anchors: pd.DataFrame, end: pd.Timestamp | None, period: str) -> np.ndarray:
    """Each cohort's age in the last period of the log (its last observed period when the
    as-of date is not given or the cohorts are not dated)."""
    anchor = anchors["anchor"].to_numpy()
    if end is None or not pd.api.types.is_datetime64_any_dtype(anchors["cohort"]):
        return anchor
    last = period_index_of(pd.Timestamp(end), period)
    ages = np.array([last - period_index_of(pd.Timestamp(c), period) for c in anchors["cohort"]])
    return np.maximum(ages, anchor)


def _observed(table: pd.DataFrame, by: str | None, group: Any, cohort: Any, k: int) -> float:
    sel = (table["cohort"] == cohort) & (table["period_number"] == k)
    if by is not None:
        sel &= table[by] == group
    row = table[sel].iloc[0]
    return float(row["customers"] / row["cohort_size"])


# ---------------------------------------------------------------------------------------------
# backtest
# ---------------------------------------------------------------------------------------------


@dataclass
class RetentionBacktest:
    """How a projection made earlier compares with what was observed later.

    Attributes
    ----------
    cells : pandas.DataFrame
        One row per compared cell: ``[by], cohort, period_number, cohort_size, projected,
        lower, upper, actual, error`` (projected - actual retention) and ``covered``.
    mae : float
        Mean absolute error in retention (a fraction: 0.02 is 2 points), each cell weighted
        by its cohort size.
    bias : float
        Size-weighted mean error (> 0: the projection was too high).
    max_error : float
        Largest absolute error of any cell.
    coverage : float
        Share of cells whose actual value lies in the prediction interval.
    model : str
    """

    cells: pd.DataFrame
    mae: float
    bias: float
    max_error: float
    coverage: float
    model: str
    level: float = 0.95

    def __repr__(self) -> str:
        return (
            f"<RetentionBacktest {self.model}: {len(self.cells)} cells, MAE "
            f"{self.mae * 100:.1f} pts, bias {self.bias * 100:+.1f} pts, max "
            f"{self.max_error * 100:.1f} pts, {self.coverage:.0%} inside the intervals>"
        )


def backtest_retention(
    earlier: pd.DataFrame,
    later: pd.DataFrame | None = None,
    *,
    holdout: int | None = None,
    model: Any = "sBG",
    by: str | None = None,
    period: str = "M",
    observation_end: Any = None,
    level: float = 0.95,
    n_draws: int = 2000,
    seed: int = 0,
) -> RetentionBacktest:
    """Project a triangle as it was known earlier and compare with what was seen later.

    Either give two survivor tables of the same log, ``earlier`` (e.g.
    ``cohort_survival(tx, observation_end=cut)``) and ``later`` (the full log): cells
    observable in ``later`` but not in ``earlier`` are compared. Or give one table and
    ``holdout``: its last ``holdout`` calendar periods (diagonals) are hidden, projected and
    compared (right for survivor counts whose cells never change, such as
    :func:`cohort_survival` or a subscription log).

    Parameters
    ----------
    earlier : pandas.DataFrame
        The table known at the cut (or the only table, with ``holdout``).
    later : pandas.DataFrame, optional
        The table known later, same period and grouping.
    holdout : int, optional
        With a single table: how many of its last calendar periods to hide.
    model, by, period, level, n_draws, seed
        As in :func:`project_retention`.
    observation_end : datetime-like, optional
        With ``holdout``: the as-of date the table was built with, so that cohorts acquired
        in the hidden periods are hidden too (default: the last period with a cohort).

    Returns
    -------
    RetentionBacktest
    """
    if (later is None) == (holdout is None):
        raise DataValidationError(
            "Pass either `later` (the table observed later) or `holdout` (periods of "
            "`earlier` to hide), not both or neither."
        )
    earlier = _check_table(earlier, by)
    period = require_period(earlier, period, name="earlier")
    if later is None:
        assert holdout is not None  # exactly one of later and holdout, checked above
        holdout = int(require_in_range(holdout, name="holdout", low=1))
        later = earlier
        end = require_date(observation_end, name="observation_end", allow_none=True)
        earlier = _hide_diagonals(earlier, holdout, end, period)
    else:
        later = _check_table(later, by)
    projected = project_retention(
        earlier,
        model=model,
        by=by,
        period=period,
        horizon=int(later["period_number"].max()),
        level=level,
        n_draws=n_draws,
        seed=seed,
    )
    keys = ([by] if by else []) + ["cohort", "period_number"]
    seen = later.loc[later["observable"], keys + ["customers", "cohort_size"]]
    cells = projected[projected["projected"]].merge(seen, on=keys, suffixes=("", "_later"))
    if cells.empty:
        raise DataValidationError(
            "No cell is projected in `earlier` and observed in `later`: move the cut earlier "
            "(or use a larger `holdout`)."
        )
    cells = cells.assign(
        actual=cells["customers_later"] / cells["cohort_size"],
    )
    cells = cells.rename(columns={"retention": "projected_retention"})
    cells["error"] = cells["projected_retention"] - cells["actual"]
    cells["covered"] = (cells["actual"] >= cells["lower"] - 1e-12) & (
        cells["actual"] <= cells["upper"] + 1e-12
    )
    out = cells[
        keys
        + ["cohort_size", "projected_retention", "lower", "upper", "actual", "error", "covered"]
    ].rename(columns={"projected_retention": "projected"})
    w = out["cohort_size"].to_numpy(dtype=float)
    err = out["error"].to_numpy(dtype=float)
    return RetentionBacktest(
        cells=out.reset_index(drop=True),
        mae=float(np.average(np.abs(err), weights=w)),
        bias=float(np.average(err, weights=w)),
        max_error=float(np.max(np.abs(err))),
        coverage=float(out["covered"].mean()),
        model=_model_label(projected["model"]),
        level=float(level),
    )


def _calendar(table: pd.DataFrame, period: str) -> np.ndarray:
    """Calendar position of each cell: the cohort's period index plus its period_number
    (cohorts without dates are taken as consecutive periods in sorted order)."""
    cohorts = pd.Series(sorted(table["cohort"].unique()))
    if pd.api.types.is_datetime64_any_dtype(cohorts):
        position = pd.Series([period_index_of(ts, period) for ts in cohorts], index=cohorts)
    else:
        position = pd.Series(np.arange(len(cohorts)), index=cohorts)
    return position.reindex(table["cohort"]).to_numpy() + table["period_number"].to_numpy()


def _hide_diagonals(
    table: pd.DataFrame, holdout: int, end: pd.Timestamp | None, period: str
) -> pd.DataFrame:
    """The table as it stood ``holdout`` calendar periods earlier (``end``: the as-of date
    it was built with, if known)."""
    cal = _calendar(table, period)
    seen = table["observable"].to_numpy()
    first = table["period_number"].to_numpy() == 0
    if not (seen & ~first).any():
        raise DataValidationError("`table` has no observed cell after period 0 to hold out.")
    # cohort sizes are known as soon as a cohort is acquired, later cells may lag (in a
    # `cohort_survival` table by `inactive_periods - 1` periods): move both back
    dated = end is not None and pd.api.types.is_datetime64_any_dtype(table["cohort"])
    # the log's last period, even when no customer was acquired in it (without the as-of
    # date: the last period with an observed cell)
    last_size = period_index_of(pd.Timestamp(end), period) if dated else cal[seen].max()
    last_cell = cal[seen & ~first].max()
    late = pd.Series(first & (cal > last_size - holdout), index=table.index)
    dropped = table.loc[late, "cohort"].unique()
    out = table[~table["cohort"].isin(dropped)].copy()
    hide = (cal > last_cell - holdout)[~table["cohort"].isin(dropped).to_numpy()] & ~(
        out["period_number"].to_numpy() == 0
    )
    out.loc[hide, "observable"] = False
    out.loc[hide, "customers"] = np.nan
    return out


# ---------------------------------------------------------------------------------------------
# reading
# ---------------------------------------------------------------------------------------------


def describe_projection(outlook: RetentionOutlook, *, currency: str = "") -> str:
    """A plain-language reading of :func:`retention_outlook` (without ``by``).

    States the projected retention at the horizon of the youngest cohorts against the
    oldest cohort's, the customers still active now and, when a value was given, what they
    are worth; each with its interval, and saying so when the young cohorts retain better
    rather than worse. Caveats of the fit (a boundary, a flat likelihood) follow as notes.

    Parameters
    ----------
    outlook : RetentionOutlook
        Output of :func:`retention_outlook` (without ``by``).
    currency : str
        Currency code or symbol for the value.

    Returns
    -------
    str
    """
    if not isinstance(outlook, RetentionOutlook):
        raise InputTypeError(
            "`outlook` must be the `RetentionOutlook` that `retention_outlook` returns, got "
            f"{type(outlook).__name__}."
        )
    table = outlook.table
    need = ["cohort", "total", "cohort_size", "customers_now", "retention_at_horizon"]
    require_frame_columns(table, need, name="outlook.table", producer="retention_outlook")
    currency = require_str(currency, name="currency")
    if outlook.by:
        raise DataValidationError(
            "`describe_projection` reads an outlook without `by`; describe one group at a time."
        )
    cohorts = table[~table["total"].astype(bool)].sort_values("cohort")
    if cohorts.empty:
        return "No cohort to describe."
    total = table[table["total"].astype(bool)].iloc[0]
    word = say.period_word(outlook.period)
    h = outlook.horizon
    model = outlook.model
    level = outlook.level
    rule = outlook.inactive_periods
    lapse = (
        f" (a customer counts as lost after {rule} {word}{'s' if rule != 1 else ''} without a "
        "purchase)"
        if rule
        else ""
    )
    old = cohorts.iloc[0]
    later = cohorts.iloc[1:]
    young = later[later["horizon_projected"].astype(bool)]
    label = say.period_label(old["cohort"], outlook.period)
    how_old = "observed" if not bool(old["horizon_projected"]) else "projected"
    base = float(old["retention_at_horizon"])
    parts = []
    if len(young):
        w = young["cohort_size"].to_numpy(dtype=float)
        proj = float(np.average(young["retention_at_horizon"], weights=w))
        verb = (
            "about the same as"
            if abs(proj - base) < 0.01
            else ("below" if proj < base else "above")
        )
        n = len(young)
        parts.append(
            f"The {model} projects that the {n} later cohort{'s' if n != 1 else ''} will keep "
            f"{proj:.0%} of {'their' if n != 1 else 'its'} customers at {word} {h}{lapse}, "
            f"{verb} the {base:.0%} "
            f"{how_old} for the oldest cohort ({label})."
        )
    elif bool(old["horizon_projected"]):
        parts.append(
            f"The {model} projects that the oldest cohort ({label}) will keep {base:.0%} of its "
            f"customers at {word} {h}{lapse}."
        )
    else:
        parts.append(f"Every cohort has been observed for {h} {word}s; nothing is projected.")
    parts.append(
        f"Of the {total['cohort_size']:,.0f} customers acquired, about "
        f"{total['customers_now']:,.0f} are still active now ({level:.0%} interval "
        f"{total['customers_now_lower']:,.0f}-{total['customers_now_upper']:,.0f})."
    )
    v = outlook.value_per_customer
    if "base_value" in table.columns and pd.notna(total.get("base_value")) and v is not None:
        unit = f" {currency}" if currency else ""
        parts.append(
            f"At {v:,.2f}{unit} per active customer and {word}, they are worth "
            f"{total['base_value']:,.0f}{unit} ({total['base_value_lower']:,.0f}-"
            f"{total['base_value_upper']:,.0f}); the value per {word} is an input, not a "
            "figure from the data."
        )
    parts += [f"Note: {note}" for note in outlook.notes]
    return " ".join(parts)


def describe_backtest(backtest: RetentionBacktest) -> str:
    """A plain-language reading of :func:`backtest_retention`: how far off the projection was,
    in which direction, and whether its intervals held.

    Parameters
    ----------
    backtest : RetentionBacktest

    Returns
    -------
    str
    """
    if not isinstance(backtest, RetentionBacktest):
        raise InputTypeError(
            f"`backtest` must be the result of `backtest_retention`, got {type(backtest).__name__}."
        )
    n = len(backtest.cells)
    cohorts = backtest.cells["cohort"].nunique()
    pts = backtest.bias * 100
    if abs(pts) < 0.5:
        lean = "with no clear lean"
    else:
        lean = f"too {'high' if pts > 0 else 'low'} by {abs(pts):.1f} points on average"
    held = (
        "so its intervals can be read as stated"
        if backtest.coverage >= backtest.level - 0.10
        else "so its intervals are too narrow for this data: read them as a lower bound on the "
        "uncertainty"
    )
    return (
        f"Checked against {n} cell{'s' if n != 1 else ''} of {cohorts} cohort"
        f"{'s' if cohorts != 1 else ''} observed after an earlier cut, the {backtest.model} "
        f"projection was off by {backtest.mae * 100:.1f} points on average (at most "
        f"{backtest.max_error * 100:.1f}), {lean}; {backtest.coverage:.0%} of the observed "
        f"values fell inside its {backtest.level:.0%} intervals, {held}."
    )
