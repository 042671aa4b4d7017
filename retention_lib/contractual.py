"""Contractual retention models: shifted-beta-geometric (sBG) and beta-discrete-Weibull (BdW).

In a contractual setting (subscriptions, memberships, renewals) a customer's churn is
observed: each period she either renews or leaves for good. The data is a *survivor
series* per acquisition cohort, the customers still active at the start of each period
(``n_0`` = cohort size, ``n_1`` = renewed once, ...). Cohorts may have different ages.

* **sBG** (Fader & Hardie 2007): each customer churns at the end of every period with a
  probability ``theta ~ Beta(alpha, beta)``; ``S(t) = B(alpha, beta + t) / B(alpha, beta)``.
* **BdW** (Fader, Hardie, Liu, Davin & Steenburgh 2018): a discrete-Weibull lifetime,
  ``S(t | theta) = (1 - theta) ** (t ** c)``, so ``S(t) = B(alpha, beta + t**c) / B(alpha, beta)``;
  ``c < 1`` is negative duration dependence (a customer's own churn risk falls with
  tenure), ``c > 1`` positive; ``c = 1`` is the sBG.

These models read cohort tables, not customer summaries, and use no part of lifetimes, so
they live beside :mod:`retention_lib.cohorts` rather than in :mod:`retention_lib.clv` (the
only package that wraps lifetimes). The likelihoods are a few lines of scipy
(:func:`scipy.special.betaln`), maximised in log-parameters with an analytic gradient;
intervals come from the Hessian (a central difference of the gradient).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any, Self

import numpy as np
import pandas as pd
from scipy import optimize, special, stats

from ._estimator import Estimator, versions
from ._validation import (
    ConvergenceWarning,
    DataValidationError,
    InputTypeError,
    require_frame_columns,
    require_numbers,
    require_whole_number,
)

__all__ = [
    "BetaDiscreteWeibullModel",
    "ShiftedBetaGeoModel",
    "likelihood_ratio_test",
    "residual_lifetimes",
    "survival_curve",
]

_Z95 = 1.959963984540054
_PERIOD_NAMES = ("D", "W", "M", "Q")


# ---------------------------------------------------------------------------------------------
# survivor data
# ---------------------------------------------------------------------------------------------


def _as_series(values: Any, label: Any) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise InputTypeError(
            f"The survivor counts of cohort {label!r} must be numbers, got {values!r}."
        ) from None
    if arr.ndim != 1:
        raise DataValidationError(
            f"The survivor counts of cohort {label!r} must be one row of numbers (customers "
            f"still active at the start of periods 0, 1, 2, ...), got shape {arr.shape}."
        )
    # unobserved periods of a young cohort may be given as trailing NaN
    observed = ~np.isnan(arr)
    last = int(np.flatnonzero(observed)[-1]) if observed.any() else -1
    arr = arr[: last + 1]
    if np.isnan(arr).any():
        k = int(np.flatnonzero(np.isnan(arr))[0])
        raise DataValidationError(
            f"Cohort {label!r} has a missing survivor count at period {k} before later "
            "observed periods. Only the periods after the last observed one may be missing."
        )
    return arr


def _check_cohort(arr: np.ndarray, label: Any) -> None:
    if len(arr) == 0:
        raise DataValidationError(f"Cohort {label!r} has no survivor counts.")
    if not np.all(np.isfinite(arr)) or (arr < 0).any():
        k = int(np.flatnonzero(~np.isfinite(arr) | (arr < 0))[0])
        raise DataValidationError(
            f"Cohort {label!r} has an invalid survivor count {arr[k]:g} at period {k}; counts "
            "must be finite numbers >= 0."
        )
    if arr[0] <= 0:
        raise DataValidationError(
            f"Cohort {label!r} starts with {arr[0]:g} customers; period 0 is the cohort size "
            "and must be > 0. Drop empty cohorts."
        )
    rise = np.flatnonzero(np.diff(arr) > 1e-9)
    if len(rise):
        k = int(rise[0]) + 1
        raise DataValidationError(
            f"The survivors of cohort {label!r} rise from {arr[k - 1]:g} to {arr[k]:g} at "
            f"period {k}: these are not survivor counts (a customer who has left cannot come "
            "back). For a cohort table use `cohort_retention(..., kind='unbounded')`, whose "
            "counts never rise."
        )


def survivor_series(data: Any) -> dict[Any, np.ndarray]:
    """Survivor counts per cohort from the inputs the models accept (see ``fit``).

    Parameters
    ----------
    data : sequence, pandas.Series or pandas.DataFrame
        Survivor counts: a sequence of numbers (one cohort), a sequence of sequences (several
        cohorts), a wide table (cohorts x periods) or a tidy cohort table from
        ``cohort_retention(..., kind='unbounded')``.
    """
    if isinstance(data, pd.DataFrame):
        if {"period_number", "customers"} <= set(data.columns):
            return _from_tidy(data)
        return _from_wide(data)
    if isinstance(data, pd.Series):
        series = {data.name if data.name is not None else 0: _as_series(data.to_numpy(), 0)}
    elif isinstance(data, (str, bytes)) or not isinstance(data, (Sequence, np.ndarray)):
        raise InputTypeError(
            "`data` must be survivor counts: a sequence of numbers (one cohort), a sequence of "
            "sequences (several cohorts), a wide table (cohorts x periods) or a tidy cohort "
            "table from `cohort_retention(..., kind='unbounded')`; got "
            f"{type(data).__name__}."
        )
    elif len(data) and all(np.ndim(x) == 1 for x in data):
        series = {i: _as_series(x, i) for i, x in enumerate(data)}
    else:
        series = {0: _as_series(data, 0)}
    return series


def _from_tidy(table: pd.DataFrame) -> dict[Any, np.ndarray]:
    keys = [k for k in ("cohort", "period_number") if k in table.columns]
    if len(keys) == 2 and table.duplicated(subset=keys).any():
        others = [c for c in table.columns if c not in keys]
        by = others[0] if others else "group"
        raise DataValidationError(
            f"`data` holds several `{by}` groups (a cohort and period_number appear more than "
            "once); "
            f"fit one group at a time (e.g. `table[table[{by!r}] == value]`) or use "
            f"`project_retention(table, by={by!r})`."
        )
    cells = table
    if "observable" in cells.columns:
        cells = cells[cells["observable"].astype(bool)]
    key = "cohort" if "cohort" in cells.columns else None
    groups = cells.groupby(key, sort=True) if key else [(0, cells)]
    out: dict[Any, np.ndarray] = {}
    for label, g in groups:
        g = g.sort_values("period_number")
        k = g["period_number"].to_numpy()
        if len(k) and (k[0] != 0 or np.any(np.diff(k) != 1)):
            raise DataValidationError(
                f"Cohort {label!r} of `data` does not have one row per period from 0 on "
                f"(found period_numbers {k.tolist()[:8]}). Pass the table from "
                "`cohort_retention(..., kind='unbounded')` unchanged."
            )
        out[label] = _as_series(g["customers"].to_numpy(dtype=float, na_value=np.nan), label)
    return out


def _from_wide(table: pd.DataFrame) -> dict[Any, np.ndarray]:
    try:
        cols = [int(c) for c in table.columns]
    except (TypeError, ValueError):
        raise DataValidationError(
            "A wide `data` table must have period numbers 0, 1, 2, ... as columns (as "
            "`retention_matrix(table, value='customers')` gives); found columns "
            f"{list(table.columns)[:8]}. A tidy table needs `period_number` and `customers`."
        ) from None
    if cols != list(range(len(cols))):
        raise DataValidationError(
            f"The columns of a wide `data` table must be 0, 1, 2, ...; found {cols[:8]}."
        )
    return {
        (label if not isinstance(label, tuple) else label[-1]): _as_series(row.to_numpy(), label)
        for label, row in table.iterrows()
    }


class _SurvivorData:
    """Sufficient statistics: customers lost in each period and still active at each age."""

    def __init__(self, series: dict[Any, np.ndarray]) -> None:
        if not series:
            raise DataValidationError("`data` holds no cohort.")
        for label, arr in series.items():
            _check_cohort(arr, label)
        ages = np.array([len(a) - 1 for a in series.values()])
        top = int(ages.max())
        if top < 1:
            raise DataValidationError(
                "Every cohort in `data` is observed in period 0 only, so no renewal can be "
                "seen. The models need at least one cohort observed for two periods or more."
            )
        self.lost = np.zeros(top + 1)  # lost[t]: customers whose last active period is t-1
        self.censored = np.zeros(top + 1)  # censored[k]: still active at age k, the last seen
        for arr in series.values():
            self.lost[1 : len(arr)] += -np.diff(arr)
            self.censored[len(arr) - 1] += arr[-1]
        if self.lost.sum() <= 0:
            raise DataValidationError(
                "No customer in `data` was lost: every survivor count stays at the cohort "
                "size, so there is no churn to learn from. Check the counts."
            )
        self.n_cohorts = len(series)
        self.n_customers = float(sum(a[0] for a in series.values()))
        self.max_age = top


# ---------------------------------------------------------------------------------------------
# the likelihood
# ---------------------------------------------------------------------------------------------


def _log_survival(
    a: float | np.ndarray, b: float | np.ndarray, c: float | np.ndarray, t: float | np.ndarray
) -> np.ndarray:
    """log S(t) = log B(a, b + t**c) - log B(a, b) (FH 2007 eq. 5; FHLDS 2018 eq. 3)."""
    return special.betaln(a, b + np.power(t, c)) - special.betaln(a, b)


def _grad_log_survival(a: float, b: float, c: float, t: np.ndarray) -> np.ndarray:
    """d log S(t) / d (log a, log b, log c), one row per t."""
    tc = np.power(t, c)
    dig_ab = special.digamma(a + b)
    dig_abt = special.digamma(a + b + tc)
    da = dig_ab - dig_abt
    db = special.digamma(b + tc) - dig_abt - special.digamma(b) + dig_ab
    with np.errstate(divide="ignore", invalid="ignore"):
        log_t = np.where(t > 0, np.log(np.where(t > 0, t, 1.0)), 0.0)
    dc = tc * log_t * (special.digamma(b + tc) - dig_abt)
    return np.column_stack([a * da, b * db, c * dc])


def _log_likelihood(theta: np.ndarray, data: _SurvivorData, with_c: bool):
    """Total log-likelihood and its gradient in log-parameters.

    ``sum_t lost_t log P(T = t) + sum_k censored_k log S(k)`` with
    ``P(T = t) = S(t - 1) - S(t)`` (FH 2007 eq. 6, summed over cohorts as in the multi-cohort
    note; FHLDS 2018 eq. 4).
    """
    a, b = np.exp(theta[:2])
    c = float(np.exp(theta[2])) if with_c else 1.0
    t = np.arange(data.max_age + 1, dtype=float)
    log_s = _log_survival(a, b, c, t)
    grad_s = _grad_log_survival(a, b, c, t)
    ratio = np.exp(log_s[1:] - log_s[:-1])  # S(t) / S(t - 1), t >= 1
    with np.errstate(divide="ignore"):
        log_p = log_s[:-1] + np.log1p(-ratio)
    grad_p = (grad_s[:-1] - ratio[:, None] * grad_s[1:]) / (1 - ratio)[:, None]
    lost, censored = data.lost[1:], data.censored
    used = lost > 0  # 0 * log(0) is 0: periods nobody left do not count
    ll = float(np.sum(lost[used] * log_p[used]) + np.sum(censored * log_s))
    grad = (lost[used, None] * grad_p[used]).sum(axis=0) + (censored[:, None] * grad_s).sum(axis=0)
    if not with_c:
        grad = grad[:2]
    return ll, grad


# ---------------------------------------------------------------------------------------------
# estimators
# ---------------------------------------------------------------------------------------------


class _ContractualModel(Estimator):
    _param_names: tuple[str, ...] = ("alpha", "beta")
    #: Short name used in messages and readings ("sBG", "BdW").
    label = ""

    def __init__(self) -> None:
        pass

    # -- contract helpers ------------------------------------------------------------------
    def __repr__(self) -> str:
        name = type(self).__name__
        if not hasattr(self, "params_"):
            return f"<retention_lib.{name}: not fitted>"
        params = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        word = "cohort" if self.n_cohorts_ == 1 else "cohorts"
        return (
            f"<retention_lib.{name}: fitted on {self.n_cohorts_:,} {word} "
            f"({self.n_customers_:,.0f} customers, up to {self.max_age_} periods), {params}, "
            f"log-likelihood={self.log_likelihood_:.2f}>"
        )

    @property
    def _with_c(self) -> bool:
        return "c" in self._param_names

    def _abc(self) -> tuple[float, float, float]:
        p = self.params_
        return float(p["alpha"]), float(p["beta"]), float(p["c"]) if self._with_c else 1.0

    def parameter_arrays(self, draws: pd.DataFrame | None = None) -> tuple[Any, Any, Any]:
        """``alpha, beta, c`` as numbers (or as columns of ``draws``), ``c = 1`` for the sBG:
        the arguments of :func:`survival_curve` and :func:`residual_lifetimes`."""
        self._check_fitted()
        if draws is None:
            return self._abc()
        require_frame_columns(
            draws,
            self._param_names,
            name="draws",
            producer=f"{type(self).__name__}.parameter_draws",
        )
        c = draws["c"].to_numpy() if self._with_c else np.ones(len(draws))
        return draws["alpha"].to_numpy(), draws["beta"].to_numpy(), c

    # -- fitting -----------------------------------------------------------------------------
    def fit(self, data: Any, *, period: str | None = None) -> Self:
        """Fit the model to survivor counts of one or several cohorts.

        Parameters
        ----------
        data : sequence, DataFrame or Series
            Customers still active at the start of each period, beginning with the cohort
            size, in one of these forms:

            * one cohort: a sequence of numbers ``[1000, 631, 468, ...]``;
            * several cohorts of different ages: a sequence of such sequences;
            * a wide table, one row per cohort and columns ``0, 1, 2, ...`` (NaN where a
              cohort is too young), e.g. ``retention_matrix(table, value="customers")``;
            * a tidy cohort table with ``cohort, period_number, customers`` (and
              ``observable``), e.g. :func:`~retention_lib.cohort_retention` with
              ``kind="unbounded"``; every observable cell is used.
        period : {"D", "W", "M", "Q"}, optional
            The length of one period, for labels and for checking later inputs (the
            ``period`` the table was built with; default: none, labels say "period").

        Returns
        -------
        self
            With ``params_``, ``confidence_intervals_`` (95 %, Wald on the log scale),
            ``standard_errors_``, ``log_covariance_``, ``log_likelihood_``, ``n_cohorts_``,
            ``n_customers_``, ``max_age_`` (oldest cohort's last period) and ``period_``.

        Raises
        ------
        DataValidationError
            Counts that are negative, rise over time, miss a period, or show no churn.
        """
        if period is not None and period not in _PERIOD_NAMES:
            raise DataValidationError(
                f"`period` must be one of {', '.join(map(repr, _PERIOD_NAMES))}; got {period!r}."
            )
        stats_ = _SurvivorData(survivor_series(data))
        theta, ll = self._maximise(stats_)
        names = list(self._param_names)
        self.params_ = pd.Series(np.exp(theta), index=names, name="value")
        self.log_likelihood_ = ll
        self.n_cohorts_ = stats_.n_cohorts
        self.n_customers_ = stats_.n_customers
        self.max_age_ = stats_.max_age
        self.period_ = period
        homogeneous = bool((self.params_[["alpha", "beta"]] > 1e4).all())
        # on that boundary the Hessian is flat by nature: one warning says both
        self._set_intervals(self._log_cov(theta, stats_), warn=not homogeneous)
        self._warn_boundary()
        return self

    def _starts(self, data: _SurvivorData) -> list[np.ndarray]:
        grid = [np.array([u, v]) for u in (-1.0, 0.5, 2.0) for v in (-1.0, 0.5, 2.0)]
        if self._with_c:
            sbg = ShiftedBetaGeoModel()._maximise(data)[0]
            grid = [np.append(sbg, 0.0)] + [np.append(g, w) for g in grid for w in (-0.5, 0.5)]
        return grid

    def _maximise(self, data: _SurvivorData) -> tuple[np.ndarray, float]:
        with_c = self._with_c

        def objective(theta):
            with np.errstate(all="ignore"):
                ll, grad = _log_likelihood(theta, data, with_c)
            if not np.isfinite(ll) or not np.all(np.isfinite(grad)):
                return np.inf, np.zeros_like(theta)
            return -ll / data.n_customers, -grad / data.n_customers

        best = None
        for start in self._starts(data):
            res = optimize.minimize(
                objective, start, jac=True, method="BFGS", options={"gtol": 1e-10}
            )
            if np.isfinite(res.fun) and (best is None or res.fun < best.fun):
                best = res
        if best is None:
            raise DataValidationError(
                f"The {self.label} likelihood is not finite at any starting point; check that "
                "`data` holds survivor counts."
            )
        grad_norm = float(np.max(np.abs(best.jac)))
        if grad_norm > 1e-4:
            warnings.warn(
                f"The {self.label} fit did not converge (largest gradient {grad_norm:.2g}): "
                "the parameters may not maximise the likelihood. Check the counts, or pool "
                "more cohorts.",
                ConvergenceWarning,
                stacklevel=3,
            )
        return best.x, float(-best.fun * data.n_customers)

    def _log_cov(self, theta: np.ndarray, data: _SurvivorData) -> np.ndarray | None:
        k = len(theta)
        h = 1e-5
        hess = np.zeros((k, k))
        with np.errstate(all="ignore"):
            for j in range(k):
                step = np.zeros(k)
                step[j] = h
                up = _log_likelihood(theta + step, data, self._with_c)[1]
                down = _log_likelihood(theta - step, data, self._with_c)[1]
                hess[:, j] = (up - down) / (2 * h)
        hess = (hess + hess.T) / 2
        try:
            cov = np.linalg.inv(-hess)
        except np.linalg.LinAlgError:
            return None
        if not np.all(np.isfinite(cov)) or np.any(np.diag(cov) <= 0):
            return None
        return cov

    def _set_intervals(self, log_cov: np.ndarray | None, *, warn: bool = True) -> None:
        names = list(self._param_names)
        est = self.params_.to_numpy()
        if log_cov is None and warn:
            warnings.warn(
                f"The {self.label} Hessian is singular or not negative definite, so the "
                "parameter intervals are NaN: the likelihood is flat in some direction (too "
                "few periods or cohorts to tell the parameters apart). Pool more cohorts.",
                ConvergenceWarning,
                stacklevel=3,
            )
        if log_cov is None:
            se_log = np.full(len(names), np.nan)
        else:
            se_log = np.sqrt(np.diag(log_cov))
        self.log_covariance_ = (
            None if log_cov is None else pd.DataFrame(log_cov, index=names, columns=names)
        )
        self.standard_errors_ = pd.Series(est * se_log, index=names, name="se")
        self.confidence_intervals_ = pd.DataFrame(
            {
                "estimate": est,
                "lower": est * np.exp(-_Z95 * se_log),
                "upper": est * np.exp(_Z95 * se_log),
            },
            index=pd.Index(names, name="parameter"),
        )

    def _warn_boundary(self) -> None:
        p = self.params_
        if p["alpha"] > 1e4 and p["beta"] > 1e4:
            churn = p["alpha"] / (p["alpha"] + p["beta"])
            own = (
                f", and retention rises with tenure because each customer's own risk falls "
                f"(c = {p['c']:.2f} < 1)"
                if self._with_c and p["c"] < 1
                else ""
            )
            warnings.warn(
                f"The {self.label} finds no difference between customers in their churn risk: "
                f"each churns with about the same probability ({churn:.1%} in her first "
                f"period){own}. Its parameters sit on a boundary (alpha, beta -> infinity), so "
                "their intervals are not defined, though the projection is.",
                ConvergenceWarning,
                stacklevel=3,
            )
            return
        extreme = [k for k, v in p.items() if v > 1e4 or v < 1e-4]
        if extreme:
            shown = ", ".join(f"{k}={p[k]:.3g}" for k in extreme)
            warnings.warn(
                f"The {self.label} fit has parameter(s) at an extreme value ({shown}): the "
                "optimum is near a boundary of the parameter space, so intervals and "
                "projections far beyond the data are unreliable. Pool more cohorts or periods.",
                ConvergenceWarning,
                stacklevel=3,
            )

    # -- predictions -------------------------------------------------------------------------
    def _curve(self, values: np.ndarray, t: Any, name: str) -> float | pd.Series:
        if np.ndim(t) == 0:
            return float(values[0])
        index = pd.Index(np.asarray(t).ravel(), name="period_number")
        return pd.Series(values, index=index, name=name)

    @staticmethod
    def _periods(t: Any, low: float = 0.0, name: str = "t") -> np.ndarray:
        what = f"`{name}` must be a number of periods or a sequence of them; got {t!r}."
        if isinstance(t, str | bytes) or t is None:
            raise InputTypeError(what)
        try:
            arr = np.atleast_1d(np.asarray(t, dtype=float)).ravel()
        except (TypeError, ValueError):
            raise InputTypeError(what) from None
        if not np.all(np.isfinite(arr)) or (arr < low).any():
            raise DataValidationError(f"`{name}` must hold finite numbers >= {low:g}; got {t!r}.")
        return arr

    def survival(self, t: Any) -> float | pd.Series:
        """Share of a new cohort still active at the start of period ``t``, ``S(t)``.

        Parameters
        ----------
        t : float or sequence of float
            Period number(s), >= 0 (``S(0) = 1``).

        Returns
        -------
        float or pandas.Series
            A float for a scalar ``t``; a Series ``survival`` indexed by ``period_number``.
        """
        self._check_fitted()
        arr = self._periods(t)
        return self._curve(survival_curve(*self._abc(), arr), t, "survival")

    def retention_rate(self, t: Any) -> float | pd.Series:
        """Share of the customers active in period ``t - 1`` who are still active in ``t``,
        ``r(t) = S(t) / S(t - 1)`` (FH 2007 eq. 4 for the sBG: ``(beta + t - 1) /
        (alpha + beta + t - 1)``). It rises with ``t`` as the customers likely to churn leave.

        Parameters
        ----------
        t : float or sequence of float
            Period number(s), >= 1.

        Returns
        -------
        float or pandas.Series
            A float for a scalar ``t``; a Series ``retention_rate`` indexed by ``period_number``.
        """
        self._check_fitted()
        arr = self._periods(t, low=1.0)
        a, b, c = self._abc()
        values = survival_curve(a, b, c, arr) / survival_curve(a, b, c, arr - 1)
        return self._curve(values, t, "retention_rate")

    def residual_lifetime(
        self, age: float = 0, *, discount_rate: float = 0.0, horizon: int | None = None
    ) -> float:
        """Discounted expected residual lifetime (DERL) of a customer still active at ``age``.

        The expected number of further periods she stays, ``sum_{t > age} S(t) / S(age)
        / (1 + d) ** (t - age - 1)``: the next renewal counts in full, each later one is
        discounted once more (Fader & Hardie 2010 eq. 6, with ``age`` = her renewals so
        far; for the sBG the closed form ``(beta + age) / (alpha + beta + age) *
        2F1(1, beta + age + 1; alpha + beta + age + 1; 1 / (1 + d))``).

        Parameters
        ----------
        age : int, default 0
            Periods the customer has already stayed (0 = just acquired).
        discount_rate : float, default 0.0
            Per period (e.g. 0.10 for 10 % a year with yearly periods).
        horizon : int, optional
            Count only the next ``horizon`` periods. Without a horizon and without
            discounting, the expected lifetime is infinite when ``alpha * c <= 1`` (a heavy
            tail of customers who almost never churn): pass a ``discount_rate`` or a horizon.

        Returns
        -------
        float
        """
        self._check_fitted()
        a, b, c = self._abc()
        values = residual_lifetimes(a, b, c, age, discount_rate=discount_rate, horizon=horizon)
        return float(values[0])

    def residual_value(
        self,
        value_per_period: float,
        *,
        age: float = 0,
        discount_rate: float = 0.0,
        horizon: int | None = None,
    ) -> float:
        """Expected value still to come from a customer active at ``age``:
        ``value_per_period * residual_lifetime(age, ...)`` (Fader & Hardie 2010).

        Parameters
        ----------
        value_per_period : float
            Net cash flow of an active customer in one period (an input of yours, e.g. the
            subscription price times the margin).
        age, discount_rate, horizon
            As in :meth:`residual_lifetime`.

        Returns
        -------
        float
        """
        value = _finite(value_per_period, "value_per_period")
        return value * self.residual_lifetime(age, discount_rate=discount_rate, horizon=horizon)

    # -- JSON ----------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Parameters, fit statistics and versions as a JSON-ready dict (see :meth:`save`)."""
        self._check_fitted()
        cov = self.log_covariance_
        return {
            "model": type(self).__name__,
            "settings": {},
            "params": {k: float(v) for k, v in self.params_.items()},
            "log_covariance": None if cov is None else cov.to_numpy().tolist(),
            "log_likelihood": float(self.log_likelihood_),
            "n_cohorts": int(self.n_cohorts_),
            "n_customers": float(self.n_customers_),
            "max_age": int(self.max_age_),
            "period": self.period_,
            "versions": versions(("retention-lib", "numpy", "scipy", "pandas")),
        }

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> Self:
        """Rebuild a fitted model from :meth:`to_dict` output (checked first)."""
        if not isinstance(doc, Mapping):
            raise InputTypeError(
                f"`doc` must be the dict of `{cls.__name__}.to_dict()`, got {type(doc).__name__}."
            )
        if doc.get("model") != cls.__name__:
            raise DataValidationError(
                f"Not a saved {cls.__name__}: `doc['model']` is {doc.get('model')!r}. Pass "
                f"the dict of `{cls.__name__}.to_dict()`, or read a saved file with "
                "`retention_lib.load_model`."
            )
        params = doc.get("params")
        names = list(cls._param_names)
        if not isinstance(params, dict) or any(k not in params for k in names):
            raise DataValidationError(
                f"Not a saved retention-lib model: `params` of the {cls.__name__} must hold "
                f"{', '.join(names)}."
            )
        values = [params[k] for k in names]
        if not all(_positive(v) for v in values):
            raise DataValidationError(
                f"Not a saved retention-lib model: every parameter must be a finite number > "
                f"0, got {params}."
            )
        for key in ("log_likelihood", "n_cohorts", "n_customers", "max_age"):
            value = doc.get(key)
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise DataValidationError(
                    f"Not a saved retention-lib model: `{key}` must be a number, got {value!r}."
                )
        model = cls()
        model.params_ = pd.Series([float(v) for v in values], index=names, name="value")
        model.log_likelihood_ = float(doc["log_likelihood"])
        model.n_cohorts_ = int(doc["n_cohorts"])
        model.n_customers_ = float(doc["n_customers"])
        model.max_age_ = int(doc["max_age"])
        model.period_ = doc.get("period")
        cov = doc.get("log_covariance")
        if cov is not None:
            try:
                cov = np.asarray(cov, dtype=float)
            except (TypeError, ValueError):
                cov = np.full((1, 1), np.nan)
            if cov.shape != (len(names), len(names)) or not np.all(np.isfinite(cov)):
                raise DataValidationError(
                    "Not a saved retention-lib model: `log_covariance` must be a finite "
                    f"{len(names)}x{len(names)} matrix or null."
                )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model._set_intervals(cov)
        return model

    def with_params(self, params: Any) -> Self:
        """A fitted copy with other parameter values (and no intervals), e.g. a scenario or
        one of :meth:`parameter_draws`.

        Parameters
        ----------
        params : mapping or pandas.Series
            A value > 0 for every parameter.

        Returns
        -------
        ShiftedBetaGeoModel or BetaDiscreteWeibullModel
        """
        self._check_fitted()
        names = list(self._param_names)
        if not isinstance(params, Mapping | pd.Series):
            raise InputTypeError(
                f"`params` must be a dict or Series of {', '.join(names)}; got "
                f"{type(params).__name__}."
            )
        values = [params[k] if k in params else None for k in names]
        if not all(_positive(float(v)) if v is not None else False for v in values):
            raise DataValidationError(
                f"`params` must give a finite number > 0 for each of {', '.join(names)}; got "
                f"{dict(params)}."
            )
        copy = type(self)()
        copy.params_ = pd.Series(
            [float(v) for v in values if v is not None], index=names, name="value"
        )
        for attr in ("log_likelihood_", "n_cohorts_", "n_customers_", "max_age_", "period_"):
            setattr(copy, attr, getattr(self, attr))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            copy._set_intervals(None)
        return copy

    # -- parameter uncertainty -------------------------------------------------------------------
    def parameter_draws(self, n: int = 1000, *, seed: int = 0) -> pd.DataFrame:
        """Parameter sets drawn from their sampling distribution (the asymptotic normal of
        the log-parameters), for intervals on anything computed from the parameters.

        Parameters
        ----------
        n : int, default 1000
        seed : int, default 0

        Returns
        -------
        pandas.DataFrame
            ``n`` rows, one column per parameter (all > 0). Without a covariance (a flat
            likelihood) every row is the point estimate.

        Raises
        ------
        DataValidationError
            The sampling distribution is so wide (a fit near a boundary of the parameter
            space, on few cohorts) that draws leave the range of floating point: such a fit
            gives no interval and no projection.
        """
        self._check_fitted()
        n = require_whole_number(n, name="n", low=1)
        seed = require_whole_number(seed, name="seed", low=0)
        theta = np.log(self.params_.to_numpy())
        if self.log_covariance_ is None:
            draws = np.tile(theta, (n, 1))
        else:
            rng = np.random.default_rng(seed)
            draws = rng.multivariate_normal(theta, self.log_covariance_.to_numpy(), size=n)
        with np.errstate(over="ignore", under="ignore"):
            values = np.exp(draws)
        invalid = ~(np.isfinite(values) & (values > 0)).all(axis=1)
        if invalid.any():
            cov = self.log_covariance_  # not None: draws without one are the point estimate
            errors = np.sqrt(np.diag(cov.to_numpy())) if cov is not None else np.zeros(len(theta))
            params = ", ".join(f"{k}={v:.3g}" for k, v in self.params_.items())
            spread = ", ".join(
                f"{k} {e:.3g}" for k, e in zip(self._param_names, errors, strict=True)
            )
            raise DataValidationError(
                f"The {self.label} fit is too uncertain to draw from: {int(invalid.sum()):,} "
                f"of {n:,} draws of its parameters are not finite and positive (standard errors "
                f"of the log-parameters: {spread}; fitted {params}, near a boundary of the "
                "parameter space), so it gives no interval and no projection. Pool more "
                "cohorts or periods (a longer log), or read only `params_`."
            )
        return pd.DataFrame(values, columns=list(self._param_names))


class ShiftedBetaGeoModel(_ContractualModel):
    """Shifted-beta-geometric (sBG) model of contractual retention (Fader & Hardie 2007).

    At the end of each period a customer churns with her own probability ``theta``;
    across customers ``theta ~ Beta(alpha, beta)``. Retention rates rise with tenure
    because the customers likely to churn leave first.

    Attributes
    ----------
    params_ : pandas.Series
        ``alpha, beta``; the mean churn probability of a new customer is
        ``alpha / (alpha + beta)``.
    confidence_intervals_ : pandas.DataFrame
        ``estimate, lower, upper`` (95 %, Wald on the log scale).
    log_likelihood_ : float
        Total log-likelihood at ``params_``.

    References
    ----------
    Fader, P. S. & Hardie, B. G. S. (2007). How to project customer retention. Journal of
    Interactive Marketing 21(1), 76-90.
    Fader, P. S. & Hardie, B. G. S. (2010). Customer-base valuation in a contractual setting:
    the perils of ignoring heterogeneity. Marketing Science 29(1), 85-93.

    Examples
    --------
    >>> regular = [1000, 631, 468, 382, 326, 289, 262, 241]
    >>> model = ShiftedBetaGeoModel().fit(regular)
    >>> model.params_.round(3).tolist()
    [0.704, 1.182]
    >>> round(model.survival(12), 3)
    0.175
    """

    _param_names = ("alpha", "beta")
    label = "sBG"


class BetaDiscreteWeibullModel(_ContractualModel):
    """Beta-discrete-Weibull (BdW) model of contractual retention (Fader, Hardie, Liu, Davin
    & Steenburgh 2018).

    As the sBG, but a customer's own churn probability changes with tenure:
    ``S(t | theta) = (1 - theta) ** (t ** c)``. ``c < 1``: each customer grows more loyal
    with time; ``c > 1``: less; ``c = 1`` is the sBG. Whether ``c`` differs from 1 is a
    likelihood-ratio test against the sBG (:func:`likelihood_ratio_test`).

    Attributes
    ----------
    params_ : pandas.Series
        ``alpha, beta, c``.
    confidence_intervals_ : pandas.DataFrame
        ``estimate, lower, upper`` (95 %, Wald on the log scale).
    log_likelihood_ : float

    References
    ----------
    Fader, P. S., Hardie, B. G. S., Liu, Y., Davin, J. & Steenburgh, T. (2018). "How to
    project customer retention" revisited: the role of duration dependence. Journal of
    Interactive Marketing 43, 1-16.

    Examples
    --------
    >>> high_end = [1000, 869, 743, 653, 593]
    >>> model = BetaDiscreteWeibullModel().fit(high_end)
    >>> model.params_.round(4).tolist()
    [0.2593, 1.7225, 1.5844]
    """

    _param_names = ("alpha", "beta", "c")
    label = "BdW"


def survival_curve(alpha: Any, beta: Any, c: Any, t: Any) -> np.ndarray:
    """``S(t) = B(alpha, beta + t**c) / B(alpha, beta)``, broadcast over its arguments (e.g.
    parameter draws as a column against periods as a row); ``c = 1`` is the sBG.

    Parameters
    ----------
    alpha, beta : float or array-like
        Beta parameters of the per-period churn probability (numbers or arrays, broadcast
        against ``t``).
    c : float or array-like
        Weibull shape of the BdW (``c = 1`` is the sBG).
    t : float or array-like
        Periods since acquisition.
    """
    alpha, beta, c = (_parameter(v, n) for v, n in ((alpha, "alpha"), (beta, "beta"), (c, "c")))
    if isinstance(t, str | bytes) or t is None:
        raise InputTypeError(f"`t` must be a number of periods or an array of them; got {t!r}.")
    t = np.asarray(require_numbers(t, name="t")).reshape(np.shape(t))
    if not np.all(np.isfinite(t)) or (t < 0).any():
        raise DataValidationError(f"`t` must hold finite numbers >= 0; got {t!r}.")
    return np.exp(_log_survival(alpha, beta, c, t))


def _parameter(value: Any, name: str) -> Any:
    """A model parameter (a number or an array of parameter draws): finite and > 0."""
    arr = np.asarray(require_numbers(value, name=name)).reshape(np.shape(value))
    if not np.all(np.isfinite(arr)) or (arr <= 0).any():
        raise DataValidationError(f"`{name}` must be finite and > 0; got {value!r}.")
    return arr if arr.ndim else float(arr)


def residual_lifetimes(
    alpha: Any,
    beta: Any,
    c: Any,
    age: float,
    *,
    discount_rate: float = 0.0,
    horizon: int | None = None,
) -> np.ndarray:
    """DERL (see :meth:`ShiftedBetaGeoModel.residual_lifetime`) for each parameter set.

    ``alpha``, ``beta`` and ``c`` are numbers or equal-length arrays (e.g. parameter draws).

    Parameters
    ----------
    alpha, beta : float or array-like
        Beta parameters of the per-period churn probability (numbers or equal-length arrays,
        e.g. parameter draws).
    c : float or array-like
        Weibull shape of the BdW (``c = 1`` is the sBG).
    age : float
        Periods the customers have already stayed (0 = just acquired).
    discount_rate : float, default 0.0
        Per period, as in :meth:`ShiftedBetaGeoModel.residual_lifetime`.
    horizon : int, optional
        Count only the next ``horizon`` periods.
    """
    a, b, cc = np.broadcast_arrays(
        *(np.atleast_1d(_parameter(v, n)) for v, n in ((alpha, "alpha"), (beta, "beta"), (c, "c")))
    )
    if np.ndim(age) != 0:
        raise InputTypeError(f"`age` must be one number of periods; got {age!r}.")
    age = float(_ContractualModel._periods(age, name="age")[0])
    d = _finite(discount_rate, "discount_rate")
    if d < 0:
        raise DataValidationError(f"`discount_rate` must be >= 0; got {discount_rate!r}.")
    x = 1 / (1 + d)
    if horizon is not None:
        n = require_whole_number(horizon, name="horizon", low=0)
        return _discounted_sum(a, b, cc, age, x, n)
    if d == 0 and np.any(a * cc <= 1):
        worst = float(np.min(a * cc))
        raise DataValidationError(
            f"The expected residual lifetime is infinite under this fit (alpha * c = "
            f"{worst:.3g} <= 1: some customers almost never churn). Pass a "
            "`discount_rate` > 0 or a `horizon`."
        )
    out = np.empty(len(a))
    sbg = cc == 1
    if sbg.any():  # closed form, FH 2010 eq. 6
        aa, bb = a[sbg], b[sbg]
        out[sbg] = (
            (bb + age) / (aa + bb + age) * special.hyp2f1(1, bb + age + 1, aa + bb + age + 1, x)
        )
    rest = ~sbg
    if rest.any():
        # by summation: with discounting until the terms are below 1e-13 of the first; without,
        # 200,000 terms and the tail in closed form (S(t)/S(age) ~ K t**(-a c) for large t)
        n = 200_000 if d == 0 else int(min(1e6, np.ceil(np.log(1e-13) / np.log(x))))
        total = _discounted_sum(a[rest], b[rest], cc[rest], age, x, n)
        if d == 0:
            t_n = age + n
            last = survival_curve(a[rest], b[rest], cc[rest], t_n) / survival_curve(
                a[rest], b[rest], cc[rest], age
            )
            total = total + last * t_n / (a[rest] * cc[rest] - 1)
        out[rest] = total
    return out


def _discounted_sum(
    a: np.ndarray, b: np.ndarray, c: np.ndarray, age: float, x: float, n: int
) -> np.ndarray:
    """``sum_{j=1..n} S(age + j) / S(age) x**(j - 1)`` for each parameter set, in chunks."""
    out = np.empty(len(a))
    steps = np.arange(1, n + 1, dtype=float)
    weights = x ** (steps - 1)
    rows = max(1, 4_000_000 // max(n, 1))
    for start in range(0, len(a), rows):
        sl = slice(start, start + rows)
        aa, bb, cc = a[sl, None], b[sl, None], c[sl, None]
        log_ratio = _log_survival(aa, bb, cc, age + steps[None, :]) - _log_survival(aa, bb, cc, age)
        with np.errstate(under="ignore"):
            out[sl] = np.exp(log_ratio) @ weights
    return out


def likelihood_ratio_test(restricted: Any, full: Any) -> pd.Series:
    """Likelihood-ratio test of a nested pair, e.g. the sBG inside the BdW (``c = 1``).

    Both models must be fitted to the same data. The statistic ``2 (LL_full -
    LL_restricted)`` is compared with a chi-square with as many degrees of freedom as
    the full model has extra parameters (``c = 1`` is inside the BdW's parameter space,
    so the usual chi-square applies).

    Parameters
    ----------
    restricted : ShiftedBetaGeoModel
    full : BetaDiscreteWeibullModel

    Returns
    -------
    pandas.Series
        ``statistic, df, p_value, restricted, full, preferred`` (the full model when
        ``p_value < 0.05``, else the simpler one).

    Examples
    --------
    >>> high_end = [1000, 869, 743, 653, 593, 551, 517, 491]
    >>> sbg = ShiftedBetaGeoModel().fit(high_end)
    >>> bdw = BetaDiscreteWeibullModel().fit(high_end)
    >>> likelihood_ratio_test(sbg, bdw)["preferred"]
    'BdW'
    """
    for name, m in (("restricted", restricted), ("full", full)):
        if not isinstance(m, _ContractualModel):
            raise InputTypeError(
                f"`{name}` must be a fitted ShiftedBetaGeoModel or BetaDiscreteWeibullModel, "
                f"got {type(m).__name__}."
            )
        m._check_fitted()
    extra = [p for p in full._param_names if p not in restricted._param_names]
    if not extra or any(p not in full._param_names for p in restricted._param_names):
        raise DataValidationError(
            f"`restricted` ({type(restricted).__name__}) must be nested in `full` "
            f"({type(full).__name__}): pass the sBG first and the BdW second."
        )
    same = (
        restricted.n_cohorts_ == full.n_cohorts_
        and np.isclose(restricted.n_customers_, full.n_customers_)
        and restricted.max_age_ == full.max_age_
    )
    if not same:
        raise DataValidationError(
            "The two models were fitted to different data "
            f"({restricted.n_cohorts_} vs {full.n_cohorts_} cohorts, "
            f"{restricted.n_customers_:,.0f} vs {full.n_customers_:,.0f} customers); fit both "
            "to the same survivor counts."
        )
    statistic = max(0.0, 2 * (full.log_likelihood_ - restricted.log_likelihood_))
    df = len(extra)
    p_value = float(stats.chi2.sf(statistic, df))
    return pd.Series(
        {
            "statistic": statistic,
            "df": df,
            "p_value": p_value,
            "restricted": restricted.label,
            "full": full.label,
            "preferred": full.label if p_value < 0.05 else restricted.label,
        },
        name="likelihood_ratio_test",
    )


def _finite(value: Any, name: str) -> float:
    if isinstance(value, bool):
        raise InputTypeError(f"`{name}` must be a number, got {value!r}.")
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputTypeError(f"`{name}` must be a number, got {value!r}.") from None
    if not np.isfinite(v):
        raise DataValidationError(f"`{name}` must be finite; got {value!r}.")
    return v


def _positive(value: Any) -> bool:
    return (
        not isinstance(value, bool)
        and isinstance(value, (int, float))
        and bool(np.isfinite(value))
        and value > 0
    )


#: The contractual models :func:`retention_lib.load_model` can rebuild, by name.
MODELS: dict[str, type[_ContractualModel]] = {
    cls.__name__: cls for cls in (ShiftedBetaGeoModel, BetaDiscreteWeibullModel)
}
