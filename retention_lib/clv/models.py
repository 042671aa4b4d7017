"""BG/NBD, MBG/NBD, Pareto/NBD and Gamma-Gamma estimators wrapping lifetimes' fitters.

Each model follows the estimator contract: ``__init__`` stores settings, ``fit(summary)``
validates, learns and returns ``self``; fitted attributes end in ``_``. Fits run lifetimes'
fitters on *compressed sufficient statistics*: customers with identical
(frequency, recency, T) (or (frequency, monetary_value) for Gamma-Gamma) collapse into one
weighted row, as Fader & Hardie do in their spreadsheets. The likelihood is a weighted sum
over rows, so the maximum is exactly that of the uncompressed fit.

Predictions are computed with the closed forms in :mod:`._formulas` on the unique rows and
broadcast back to customers, in the model's own time unit (``time_unit_``, see
:mod:`._units`). Every fit is bounded (``max_iterations``, ``max_seconds``) and ends with
its diagnostics (``diagnostics_``, :mod:`._diagnostics`), warning about every failed check.
"""

from __future__ import annotations

import abc
import contextlib
import inspect
import io
import json
import numbers
from pathlib import Path
from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd

from .. import _docs
from .._estimator import Estimator, versions
from .._schema import PERIOD_WORDS
from .._validation import (
    DataValidationError,
    InputTypeError,
    RetentionLibError,
    format_rows,
    require_in_range,
    require_number,
)
from ..contractual import MODELS as _CONTRACTUAL_MODELS  # sBG, BdW: cohort-level, no lifetimes
from . import _diagnostics as _diag
from . import _formulas as F
from . import _mle, _units
from ._engine import engine_rows, in_engine, join_in_engine
from ._lifetimes import lifetimes, log_covariance, quiet
from ._units import TIME_UNITS, unit_words

__all__ = [
    "BetaGeoBetaBinomModel",
    "BetaGeoModel",
    "FitError",
    "GammaGammaModel",
    "ModifiedBetaGeoModel",
    "ParetoNBDModel",
    "PurchaseModel",
    "load_model",
]

_Z95 = 1.959963984540054


def _three(params: Any) -> tuple[float, float, float]:
    """The three parameter values of ``params`` (a Series or array), for a formula's arguments."""
    a, b, c = np.asarray(params, dtype=float)
    return float(a), float(b), float(c)


def _four(params: Any) -> tuple[float, float, float, float]:
    """The four parameter values of ``params`` (a Series or array), for a formula's arguments."""
    a, b, c, d = np.asarray(params, dtype=float)
    return float(a), float(b), float(c), float(d)


class FitError(RetentionLibError, RuntimeError):
    """A model could not be fitted (the optimiser failed or returned invalid parameters)."""


# ---------------------------------------------------------------------------------------------
# input checks and compression
# ---------------------------------------------------------------------------------------------


def _column(summary: pd.DataFrame, name: str) -> np.ndarray:
    values = pd.to_numeric(summary[name], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(values)
    if bad.any():
        raise DataValidationError(
            f"Column `{name}` of `summary` has {int(bad.sum())} missing or non-finite value(s) "
            f"at {format_rows(summary.index[bad])}. Build the summary with "
            "`retention_lib.rfm_summary`, or drop these rows."
        )
    return values


def _calibration_columns(summary: pd.DataFrame) -> pd.DataFrame:
    """Accept a :func:`calibration_holdout_split` frame: use its ``*_cal`` columns."""
    if "frequency" not in summary.columns and "frequency_cal" in summary.columns:
        names = {f"{c}_cal": c for c in ("frequency", "recency", "T", "monetary_value")}
        view = summary.rename(columns=names)
        view.attrs = dict(summary.attrs)
        return view
    return summary


def _rfm_arrays(summary: Any, what: str = "`summary`") -> tuple[np.ndarray, ...]:
    if not isinstance(summary, pd.DataFrame):
        raise InputTypeError(
            f"{what} must be a pandas DataFrame with `frequency`, `recency` and `T` columns "
            f"(see `retention_lib.rfm_summary`), got {type(summary).__name__}."
        )
    summary = _calibration_columns(summary)
    missing = [c for c in ("frequency", "recency", "T") if c not in summary.columns]
    if missing:
        raise DataValidationError(
            f"{what} is missing column(s) {', '.join(f'`{c}`' for c in missing)}. Build it with "
            "`retention_lib.rfm_summary(transactions)`."
        )
    if len(summary) == 0:
        raise DataValidationError(f"{what} has no rows; it needs at least one customer.")
    x, tx, T = (_column(summary, c) for c in ("frequency", "recency", "T"))
    checks = [
        (x < 0, "`frequency` is negative"),
        (x != np.round(x), "`frequency` is not a whole number"),
        (tx < 0, "`recency` is negative"),
        (tx > T + 1e-9, "`recency` is larger than `T`"),
        ((x == 0) & (tx != 0), "`recency` is not 0 although `frequency` is 0"),
    ]
    for bad, message in checks:
        if bad.any():
            raise DataValidationError(
                f"{message} at {format_rows(summary.index[bad])} of {what}. The columns must "
                "follow the lifetimes conventions (frequency = repeat periods, recency = age at "
                "last purchase <= T); build them with `retention_lib.rfm_summary`."
            )
    return x, tx, T


def _codes(col: np.ndarray) -> tuple[np.ndarray, int]:
    """Integer codes of a column and how many there can be: the values themselves (less the
    minimum) when they are whole numbers in a small range (frequencies, and ages in whole
    weeks or days), else codes from hashing (``pandas.factorize``)."""
    if len(col) and col.dtype.kind in "fiu":
        lo, hi = col.min(), col.max()
        if np.isfinite(lo) and np.isfinite(hi) and hi - lo < 1 << 20:
            shifted = col - lo
            codes = shifted.astype(np.int64)
            if col.dtype.kind in "iu" or np.array_equal(codes, shifted):
                return codes, int(hi - lo) + 1
    codes, uniques = pd.factorize(col, sort=False)
    return codes, len(uniques)


def _compress(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Unique rows of ``columns``, their counts, and the inverse index back to the input."""
    n = len(columns[0])
    key = np.zeros(n, dtype=np.int64)
    size = 1  # keys are in [0, size)
    for col in columns:
        codes, k = _codes(col)
        if size * k >= 1 << 62:  # re-key densely before the product overflows
            key, uniques = pd.factorize(key, sort=False)
            size = len(uniques)
        key = key * k + codes
        size *= k
    if size <= 4 * n + 1024:  # few possible keys: count them directly, without hashing
        counts = np.bincount(key, minlength=size)
        present = np.flatnonzero(counts)
        lookup = np.zeros(size, dtype=np.int64)
        lookup[present] = np.arange(len(present))
        inverse = lookup[key]
        weights = counts[present]
    else:
        inverse, unique_keys = pd.factorize(key, sort=False)
        weights = np.bincount(inverse, minlength=len(unique_keys))
    first = np.full(len(weights), -1, dtype=np.int64)
    first[inverse[::-1]] = np.arange(n)[::-1]
    return [c[first] for c in columns], weights, inverse


#: Distinct (frequency, monetary_value) rows of repeat buyers a summary kept in an engine
#: hands to the Gamma-Gamma fit as they are; above this, its spend is binned in the engine
#: (:class:`GammaGammaModel`'s ``spend_resolution``).
EXACT_SPEND_ROWS = 100_000


def _engine_spend_rows(summary: Any, resolution: float | None):
    """For a summary kept in an engine: the repeat buyers' rows the Gamma-Gamma fit reads,
    counted by the engine (``_customers``), and per row the smallest spend and the spread
    of its customers' spend (``_low``, ``_spread``: the sum of squared deviations from the
    row's ``monetary_value``), or ``None`` when the rows are exact; ``(summary, None, None)``
    for a pandas summary.

    Up to :data:`EXACT_SPEND_ROWS` distinct ``(frequency, monetary_value)`` rows come as
    they are. Beyond that, with ``resolution`` set, each frequency's spend is cut into bins
    of ``log monetary_value`` of width ``log(1 + resolution)``: a row per non-empty bin, at
    the mean spend of its customers.
    """
    if isinstance(summary, pd.DataFrame):
        return summary, None, None
    from .._backend import collect, to_lazy

    try:
        lf = to_lazy(summary)
    except TypeError:
        return summary, None, None  # reported by the pandas checks
    lf = lf.filter(nw.col("frequency") > 0)
    exact = lf.group_by("frequency", "monetary_value").agg(nw.len().alias("_customers"))
    if resolution is None or (
        int(collect(exact.select(nw.len().alias("_rows")))["_rows"].iloc[0]) <= EXACT_SPEND_ROWS
    ):
        rows = collect(exact)
        return rows, rows["_customers"].to_numpy(dtype=np.int64), None
    m = nw.col("monetary_value")
    width = float(np.log1p(resolution))
    spend_bin = (
        nw.when(m > 0).then((m.clip(lower_bound=1e-300).log() / width).round(0)).otherwise(None)
    )
    rows = collect(
        lf.with_columns(_bin=spend_bin)
        .group_by("frequency", "_bin")
        .agg(
            nw.len().alias("_customers"),
            m.mean().alias("monetary_value"),
            m.min().alias("_low"),
            m.var(ddof=0).alias("_var"),
        )
    )
    n = rows["_customers"].to_numpy(dtype=np.int64)
    var = np.nan_to_num(rows["_var"].to_numpy(dtype=float), nan=0.0)
    spread = pd.DataFrame({"_low": rows["_low"].to_numpy(dtype=float), "_spread": n * var})
    return rows.drop(columns=["_low", "_var"]), n, spread


def _weighted_pearson(a: np.ndarray, b: np.ndarray, w: np.ndarray) -> float:
    """Pearson correlation of ``a`` and ``b`` with each row counted ``w`` times."""
    ma, mb = np.average(a, weights=w), np.average(b, weights=w)
    cov = np.sum(w * (a - ma) * (b - mb))
    return float(cov / np.sqrt(np.sum(w * (a - ma) ** 2) * np.sum(w * (b - mb) ** 2)))


# ---------------------------------------------------------------------------------------------
# base class
# ---------------------------------------------------------------------------------------------

#: Default bounds of every fit: optimiser iterations (per call into lifetimes, and in total for
#: Pareto/NBD's restarts) and seconds of wall-clock time.
MAX_ITERATIONS = 2000
MAX_SECONDS = 300.0
#: Version of the JSON that :meth:`save` writes: 1 had no diagnostics and no grain.
FORMAT_VERSION = 2


class _BaseModel(Estimator):
    _param_names: tuple[str, ...] = ()
    _fitter_name: str = ""
    _label: str = ""
    #: Gamma and Beta shape parameters (checked to stay away from 0)
    _shapes: tuple[str, ...] = ()
    #: what each parameter governs: 'rate', 'dropout' or 'spend' (the diagnostics' wording)
    _roles: dict[str, str] = {}
    #: parameters in the time unit, which lifetimes scales by 1 / max(T) before fitting (its
    #: L2 penalty applies to the scaled values)
    _time_scaled: tuple[str, ...] = ()
    # fitted attributes, set by each model's ``fit`` (and ``from_params``, ``load``)
    params_: pd.Series
    n_customers_: int
    n_unique_rows_: int
    log_likelihood_: float
    time_unit_: str | None
    grain_: str | None

    def __init__(
        self,
        penalizer_coef: float = 0.0,
        *,
        max_iterations: int = MAX_ITERATIONS,
        max_seconds: float = MAX_SECONDS,
    ) -> None:
        self.penalizer_coef = penalizer_coef
        self.max_iterations = max_iterations
        self.max_seconds = max_seconds

    def get_params(self) -> dict[str, Any]:
        """The settings given to ``__init__`` (what :meth:`save` keeps), as in scikit-learn."""
        names = [p for p in inspect.signature(type(self).__init__).parameters if p != "self"]
        return {name: getattr(self, name) for name in names}

    def with_params(self, params: Any) -> _BaseModel:
        """A copy of this fitted model with other parameter values (a what-if scenario).

        The copy keeps every ``__init__`` setting, ``time_unit_`` and ``grain_``; it is not
        fitted to data (as :meth:`from_params`: ``log_likelihood_`` and the intervals are
        NaN, ``diagnostics_`` says so). This model is left unchanged. The same contract as
        the cohort models' ``with_params``.

        Parameters
        ----------
        params : dict or pandas.Series
            New values of some or all of the model's parameters (e.g. ``{"b": 3.1}``),
            finite and > 0; the others keep this model's values.

        Returns
        -------
        model
            A new model of the same class, predicting with the changed parameters.

        Examples
        --------
        >>> bg = BetaGeoModel.from_params(
        ...     {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}, time_unit="W")
        >>> float(bg.with_params({"b": 3.0}).params_["b"]), float(bg.params_["b"])
        (3.0, 2.426)
        """
        self._check_fitted()
        if not isinstance(params, (dict, pd.Series)):
            raise InputTypeError(
                f"`params` must be a dict or Series of some of {', '.join(self._param_names)}; "
                f"got {type(params).__name__}."
            )
        unknown = [str(k) for k in params.keys() if k not in self._param_names]
        if unknown:
            raise DataValidationError(
                f"`params` names {', '.join(f'`{k}`' for k in unknown)}, not a parameter of "
                f"the {self._label} model; its parameters are {', '.join(self._param_names)}."
            )
        return type(self).from_params(
            {**self.params_.to_dict(), **dict(params.items())},
            time_unit=getattr(self, "time_unit_", None),
            grain=getattr(self, "grain_", None),
            **self.get_params(),
        )

    # -- contract helpers ------------------------------------------------------------------
    def _check_penalizer(self) -> float:
        pen = require_number(self.penalizer_coef, name="penalizer_coef")  # not "0.1", not True
        if not np.isfinite(pen) or pen < 0:
            raise DataValidationError(
                f"`penalizer_coef` must be a finite number >= 0; got {self.penalizer_coef!r}."
            )
        return pen

    def _check_settings(self) -> tuple[float, int, float]:
        """``penalizer_coef``, ``max_iterations`` and ``max_seconds``, checked."""
        pen = self._check_penalizer()
        iters = self.max_iterations
        if isinstance(iters, str | bytes) or iters is None:
            raise InputTypeError(f"`max_iterations` must be a whole number >= 1, got {iters!r}.")
        if isinstance(iters, bool) or not isinstance(iters, (int, np.integer)) or iters < 1:
            raise DataValidationError(
                f"`max_iterations` must be a whole number >= 1; got {self.max_iterations!r}."
            )
        seconds = require_in_range(
            self.max_seconds, name="max_seconds", low=0.0, low_inclusive=False
        )
        return pen, int(iters), seconds

    def __repr__(self) -> str:
        name = type(self).__name__
        if not hasattr(self, "params_"):
            return f"<retention_lib.{name}: not fitted, penalizer_coef={self.penalizer_coef}>"
        params = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        diagnostics = getattr(self, "diagnostics_", None)
        warned = 0 if diagnostics is None else int((diagnostics["status"] == "warning").sum())
        note = f", {warned} diagnostic warning(s): see diagnostics_" if warned else ""
        return (
            f"<retention_lib.{name}: fitted on {self.n_customers_:,} customers "
            f"({self.n_unique_rows_:,} distinct rows), {params}, "
            f"log-likelihood={self.log_likelihood_:.2f}{note}>"
        )

    def fit_report(self) -> str:
        """The fit diagnostics in words: which checks warn, what that means and what to do.

        Returns
        -------
        str
            One paragraph when every check passes, else one line per failing check followed by
            what it means and what to do (``diagnostics_`` holds every check).
        """
        self._check_fitted()
        return _diag.describe(
            self._label,
            self.diagnostics_,
            customers=self.n_customers_,
            unit=unit_words(self.time_unit_),
        )

    # -- fitting through lifetimes -----------------------------------------------------------
    def _budget_error(self, stage: str) -> FitError:
        return FitError(
            f"The {self._label} fit ran out of its time budget (`max_seconds`="
            f"{self.max_seconds:g}) while {stage}. Raise `max_seconds`, or fit on fewer "
            "distinct rows: a coarser `time_unit` or `grain` in `rfm_summary`, or a sample "
            "of customers."
        )

    def _run_fitter(self, fitter: Any, args: tuple, kwargs: dict, budget: _mle.Budget) -> Any:
        try:
            budget.check()
        except _mle.BudgetExceeded:
            raise self._budget_error("fitting with lifetimes") from None
        out = io.StringIO()  # lifetimes prints the scipy result on failure
        try:
            with quiet(), contextlib.redirect_stdout(out), np.errstate(all="ignore"):
                fitter.fit(*args, **kwargs)
        except Exception as exc:  # lifetimes raises its ConvergenceError or numpy errors
            raise FitError(
                f"The {self._label} fit failed ({type(exc).__name__}: {str(exc).strip()}). "
                "Try a small `penalizer_coef` (e.g. 0.001), a larger `max_iterations` (now "
                f"{kwargs.get('maxiter', 'lifetimes default')}), a coarser `time_unit` in "
                "`rfm_summary` (weeks or months instead of days), or check that the summary "
                "has enough repeat buyers."
            ) from None
        params = fitter.params_
        if not np.all(np.isfinite(params.to_numpy(dtype=float))):
            raise FitError(
                f"The {self._label} fit returned non-finite parameters {dict(params)}. Try a "
                "small `penalizer_coef` (e.g. 0.001) or a coarser `time_unit`."
            )
        return fitter

    def _objective(self, loglik_rows, data: tuple, w: np.ndarray, scale: float):
        """The mean negative log-likelihood per customer in log-parameters, with lifetimes' L2
        penalty on its time-scaled parameters: the function lifetimes minimises (up to the
        constant it adds for scaling time), whose gradient says whether the fit converged."""
        pen = self._penalty_weight(len(w))
        total = float(w.sum())
        factors = np.array([scale if p in self._time_scaled else 1.0 for p in self._param_names])

        def f(theta: np.ndarray) -> float:
            params = np.exp(theta)
            with np.errstate(all="ignore"):
                ll = float(np.sum(w * loglik_rows(params, *data)))
            return -ll / total + pen * float(np.sum((params * factors) ** 2))

        return f

    def _penalty_weight(self, n_rows: int) -> float:
        return float(self.penalizer_coef)

    def _set_intervals(self, log_cov: np.ndarray | None) -> None:
        names = list(self._param_names)
        params = self.params_
        if log_cov is None or not np.all(np.isfinite(log_cov)):
            se_log = np.full(len(names), np.nan)
        else:
            with np.errstate(invalid="ignore"):
                se_log = np.sqrt(np.diag(log_cov))
        self.log_covariance_ = (
            pd.DataFrame(log_cov, index=names, columns=names) if log_cov is not None else None
        )
        self.standard_errors_ = pd.Series(params.to_numpy() * se_log, index=names, name="se")
        # intervals on the log scale (the fit is in log-parameters): always positive; an
        # interval too wide for a float ends at 0 or inf (the diagnostics flag it)
        with np.errstate(over="ignore", under="ignore"):
            lower = params.to_numpy() * np.exp(-_Z95 * se_log)
            upper = params.to_numpy() * np.exp(_Z95 * se_log)
        self.confidence_intervals_ = pd.DataFrame(
            {"estimate": params.to_numpy(), "lower": lower, "upper": upper},
            index=pd.Index(names, name="parameter"),
        )

    @staticmethod
    def _usable_covariance(log_cov: np.ndarray | None, min_eig: float) -> np.ndarray | None:
        """``log_cov`` where the Hessian is positive definite and every variance > 0, else
        None (the intervals are then NaN and the diagnostics say why)."""
        if log_cov is None or not min_eig > 0:
            return None
        return log_cov if np.all(np.diag(log_cov) > 0) else None

    def _curvature(self, fitter: Any, n: float) -> tuple[np.ndarray | None, float]:
        """Covariance of the log-parameters (None unless usable) and the smallest eigenvalue
        of the mean negative log-likelihood's Hessian, read from lifetimes' fit."""
        log_cov, min_eig = log_covariance(fitter, list(self._param_names), n)
        return self._usable_covariance(log_cov, min_eig), min_eig

    def _fit_checks(self, grad, min_eig, *, p_dropped, unit, prob_n, expected, x, T, w) -> list:
        """The checks of a purchase model's fit: the optimiser, the parameters, drop-out seen
        within the oldest customer's age, and the calibration data reproduced."""
        age = float(T.max())
        dropout = _diag.dropout_check(float(p_dropped(age)), age, unit)
        checks = _diag.optimiser_checks(self._label, grad, min_eig)
        checks += _diag.parameter_checks(
            self._label,
            self.confidence_intervals_,
            shapes=self._shapes,
            roles=self._roles,
            dropout_gone=dropout.ok is False,
        )
        checks.append(dropout)
        checks += _diag.calibration_checks(
            self._label, prob_n=prob_n, expected=expected, x=x, T=T, w=w
        )
        return checks

    def _finish(self, checks: list, stacklevel: int = 4) -> None:
        """Store the diagnostics and warn about every failing check."""
        self.diagnostics_ = _diag.table(checks)
        _diag.emit(self._label, self.diagnostics_, stacklevel=stacklevel)

    @classmethod
    def from_params(
        cls, params: Any, *, time_unit: str | None = None, grain: str | None = None, **settings
    ) -> _BaseModel:
        """A model with given parameters (e.g. published estimates), not fitted to data.

        Parameters
        ----------
        params : dict or pandas.Series
            Every parameter of the model (e.g. ``r, alpha, a, b``), finite and > 0.
        time_unit : {'W', 'D', 'M'}
            Unit the rates are per (required for purchase models: it is the unit of every
            prediction).
        grain : {'D', 'W', 'M'}, optional
            Period within which purchases merge, if known.
        **settings
            ``__init__`` settings (e.g. ``penalizer_coef``).

        Returns
        -------
        model
            Predicting as a fitted model; ``diagnostics_`` says it was not fitted, and
            ``log_likelihood_`` is NaN, ``confidence_intervals_`` NaN.

        Examples
        --------
        >>> bg = BetaGeoModel.from_params(
        ...     {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}, time_unit="W")
        >>> round(float(bg.expected_purchases_new_customer(39)), 3)
        1.262
        """
        model = cls(**settings)
        if not isinstance(params, (dict, pd.Series)):
            raise InputTypeError(
                f"`params` must be a dict or Series of {', '.join(cls._param_names)}; got "
                f"{type(params).__name__}."
            )
        missing = [k for k in cls._param_names if k not in params]
        if missing:
            raise DataValidationError(
                f"`params` lacks {', '.join(f'`{k}`' for k in missing)}; the {cls._label} "
                f"model needs {', '.join(cls._param_names)}."
            )
        values = []
        for k in cls._param_names:
            v = params[k]
            ok = not isinstance(v, (bool, str)) and isinstance(v, (int, float, np.number))
            if not ok or not np.isfinite(float(v)) or float(v) <= 0:
                raise DataValidationError(
                    f"`params[{k!r}]` must be a finite number > 0; got {v!r}."
                )
            values.append(float(v))
        unit, grain = cls._given_units(time_unit, grain)
        model.params_ = pd.Series(values, index=list(cls._param_names), name="value")
        model.time_unit_, model.grain_ = unit, grain
        model.n_customers_ = model.n_unique_rows_ = 0
        model.log_likelihood_ = float("nan")
        model._set_intervals(None)
        model.diagnostics_ = _diag.table([_diag.not_fitted()])
        return model

    @classmethod
    def _given_units(cls, time_unit: Any, grain: Any) -> tuple[str | None, str | None]:
        """``time_unit`` and ``grain`` of :meth:`from_params`, checked."""
        unit, grain = _units.declared(pd.DataFrame(), time_unit, grain)
        if issubclass(cls, PurchaseModel):
            unit = _units.require_unit(
                unit, what="`from_params`", call=f"{cls.__name__}.from_params"
            )
        return unit, grain

    # -- JSON ---------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Parameters, settings, time unit, diagnostics and versions as a JSON-ready dict (see
        :meth:`save`)."""
        self._check_fitted()
        cov = self.log_covariance_
        return {
            "model": type(self).__name__,
            "format_version": FORMAT_VERSION,
            "settings": {k: _json_number(v) for k, v in self.get_params().items()},
            "params": {k: float(v) for k, v in self.params_.items()},
            "log_covariance": None if cov is None else cov.to_numpy().tolist(),
            # null for a model given its parameters (`from_params`, `with_params`): no data
            "log_likelihood": (
                float(self.log_likelihood_) if np.isfinite(self.log_likelihood_) else None
            ),
            "n_customers": int(self.n_customers_),
            "n_unique_rows": int(self.n_unique_rows_),
            "time_unit": getattr(self, "time_unit_", None),
            "grain": getattr(self, "grain_", None),
            "diagnostics": _diag.records(self.diagnostics_),
            "versions": _versions(),
        }


def _json_number(value: Any) -> Any:
    if isinstance(value, (np.integer, int)) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return float(value)
    return value


def _versions() -> dict[str, str]:
    return versions(("retention-lib", "lifetimes", "numpy", "scipy", "pandas"))


# ---------------------------------------------------------------------------------------------
# purchase models
# ---------------------------------------------------------------------------------------------


@_docs.fill
class PurchaseModel(_BaseModel, abc.ABC):
    """The contract of a purchase model (BG/NBD family, Pareto/NBD): the hooks below.

    A subclass declares its parameters (``_param_names``, ``_label``, ...) and its paper's
    closed forms (``_forms``, a :class:`._formulas.ClosedForms`), which the hooks evaluate;
    fitting, intervals, diagnostics, every
    public prediction and the CLV terms (:meth:`_clv_terms`, used by
    :func:`~retention_lib.clv.customer_lifetime_value` and ``clv_intervals``) are derived from
    them here, so nothing outside a model picks a code path by its class. Every hook takes the
    parameters explicitly (an array in ``_param_names`` order), so the same formula serves the
    fitted model, a what-if scenario (:meth:`with_params`) and parameter draws.

    Parameters
    ----------
    {model_settings}
    """

    #: names of the ``Beta(a, b)`` of the chance to drop out after each repeat purchase, which
    #: a what-if retention gain scales (:mod:`retention_lib.whatif`); None where drop-out is
    #: not (only) that Beta (MBG/NBD also drops out at the first purchase; Pareto/NBD in time)
    _dropout_beta: tuple[str, str] | None = None

    #: the model's closed forms, which the hooks below evaluate: a subclass names them
    _forms: F.ClosedForms

    def _loglik_rows(self, params, x, tx, T) -> np.ndarray:
        """Per-row log-likelihood."""
        return self._forms.log_likelihood(*np.asarray(params, dtype=float), x, tx, T)

    def _prob_n(self, params, t, n) -> np.ndarray:
        """P(X(t) = n) for a new customer."""
        return self._forms.prob_n(*params, t, n)

    def _p_dropped(self, params, t) -> np.ndarray:
        """P(a new customer has dropped out by ``t``)."""
        return self._forms.p_dropped(*params, t)

    def _conditional_expected(self, params, t, x, tx, T) -> np.ndarray:
        """E[purchases in (T, T + t] | x, tx, T]."""
        return self._forms.conditional_expected(*params, t, x, tx, T)

    def _p_alive(self, params, x, tx, T) -> np.ndarray:
        """P(alive at T | x, tx, T)."""
        return self._forms.p_alive(*params, x, tx, T)

    def _expected(self, params, t) -> np.ndarray:
        """E[purchases in (0, t]] for a new customer."""
        return self._forms.expected(*params, t)

    def _p_no_purchase(self, params, t, x, tx, T) -> np.ndarray:
        """P(no purchase in (T, T + t] | x, tx, T)."""
        return self._forms.p_no_purchase(*params, t, x, tx, T)

    def _clv_terms(self, params, x, tx, T, times, discounts, cache, p_alive=True):
        """Discounted expected purchases ``sum_k (E[Y(t_k)] - E[Y(t_(k-1))]) discounts[k]``,
        the expected purchases up to ``times[-1]`` and (if ``p_alive``) P(alive), per customer.

        Computed on the distinct (x, tx, T) rows (kept in ``cache``, a dict, between calls on
        the same customers); a model with a faster exact form overrides this.
        """
        if "x, t_x, T" not in cache:
            cache["x, t_x, T"] = _compress(x, tx, T)
        (ux, utx, uT), _, inverse = cache["x, t_x, T"]
        disc = np.zeros(len(ux))
        prev = np.zeros(len(ux))
        for k, when in enumerate(times):
            cum = self._conditional_expected(params, when, ux, utx, uT)
            disc += (cum - prev) * discounts[k]
            prev = cum
        alive = self._p_alive(params, ux, utx, uT)[inverse] if p_alive else None
        return disc[inverse], prev[inverse], alive

    def _start(self, x, tx, T, w, penalizer, max_iterations, budget) -> np.ndarray | None:
        """``initial_params`` for lifetimes' fitter (None: lifetimes' default start)."""
        return None

    def fit(
        self, summary: pd.DataFrame, *, time_unit: str | None = None, grain: str | None = None
    ) -> PurchaseModel:
        """Fit the model to an RFM summary.

        Parameters
        ----------
        summary : pandas.DataFrame
            Output of :func:`retention_lib.rfm_summary` (columns ``frequency``, ``recency``,
            ``T``; other columns are ignored), or of :func:`calibration_holdout_split` (its
            ``*_cal`` columns are used). A summary kept in its engine (``rfm_summary(...,
            collect=False)``) is fitted on its distinct rows, counted there.
        time_unit : {'W', 'D', 'M'}, optional
            Unit of ``recency`` and ``T``, and so of the fitted rates and of every later
            prediction (``time_unit_``). Read from the summary's own record when it was built
            by :func:`rfm_summary` in this session; a summary without one (read back from a
            file, or kept in its engine) needs it: no unit is assumed.
        grain : {'D', 'W', 'M'}, optional
            Period within which the summary merged purchases (``grain_``); read from the
            summary's record when omitted.

        Returns
        -------
        self
            With ``params_`` (Series), ``confidence_intervals_`` (DataFrame with
            ``estimate, lower, upper``; 95 %, on the log scale), ``standard_errors_``,
            ``log_likelihood_`` (total, unpenalised), ``n_customers_``, ``n_unique_rows_``,
            ``time_unit_``, ``grain_`` and ``diagnostics_`` (see :meth:`fit_report`).

        Raises
        ------
        DataValidationError
            Missing columns, values that break the lifetimes conventions, or no time unit.
        FitError
            The optimiser failed, did not converge within ``max_iterations``, ran out of
            ``max_seconds`` or returned non-finite parameters.

        Warns
        -----
        ConvergenceWarning, BoundaryWarning, AssumptionWarning
            A diagnostic check fails (not converged; a parameter on a boundary or not
            identified; the calibration data not reproduced): see ``diagnostics_``.
        """
        pen, max_iterations, max_seconds = self._check_settings()
        budget = _mle.Budget(max_seconds)
        summary, counts = engine_rows(summary, ["frequency", "recency", "T"])
        x, tx, T = _rfm_arrays(summary)
        if np.all(x == 0):
            raise DataValidationError(
                f"`summary` has no repeat buyers (every `frequency` is 0): the {self._label} "
                "model cannot learn a purchase rate. Use a longer observation window."
            )
        unit, grain = _units.declared(summary, time_unit, grain)
        unit = _units.require_unit(unit, call=f"{type(self).__name__}().fit")
        (ux, utx, uT), w, inverse = _compress(x, tx, T)
        if counts is not None:  # rows counted by the engine
            w = np.bincount(inverse, weights=counts, minlength=len(w)).astype(np.int64)
        data = (ux, utx, uT)
        try:
            fitter = self._fit_lifetimes(data, w, pen, max_iterations, budget)
        except _mle.BudgetExceeded:
            raise self._budget_error("searching for the maximum likelihood") from None
        self.params_ = pd.Series(
            fitter.params_[list(self._param_names)].to_numpy(dtype=float),
            index=list(self._param_names),
            name="value",
        )
        self._fitter = fitter
        self.n_customers_ = int(w.sum())
        self.n_unique_rows_ = len(w)
        self.time_unit_, self.grain_ = unit, grain
        self.log_likelihood_ = float(np.sum(w * self._loglik_rows(self.params_, ux, utx, uT)))
        if not np.isfinite(self.log_likelihood_):
            raise FitError(
                f"The {self._label} log-likelihood at the fitted parameters is not finite. Try a "
                "small `penalizer_coef` (e.g. 0.001) or a coarser `time_unit`."
            )
        try:
            grad, log_cov, min_eig = self._derivatives(fitter, data, w, budget)
        except _mle.BudgetExceeded:
            raise self._budget_error("computing the parameter intervals") from None
        self._set_intervals(log_cov)
        self._finish(self._checks(grad, min_eig, ux, uT, w))
        return self

    def _fit_lifetimes(self, data, w, pen, max_iterations, budget) -> Any:
        """lifetimes' fitter, fitted from retention-lib's start (if any) in at most
        ``max_iterations`` iterations."""
        ux, utx, uT = data
        fitter = getattr(lifetimes(), self._fitter_name)(penalizer_coef=pen)
        kwargs: dict[str, Any] = {"weights": w, "maxiter": max_iterations}
        start = self._start(ux, utx, uT, w, pen, max_iterations, budget)
        if start is not None:
            kwargs["initial_params"] = start
        try:
            return self._run_fitter(fitter, (ux.astype(int), utx, uT), kwargs, budget)
        except FitError:
            if start is None:
                raise
        # a start already at a flat optimum (e.g. a -> 0) leaves lifetimes' BFGS nothing to
        # improve: it stops with "precision loss" at iteration 0 and calls that a failure.
        # Retry from lifetimes' own start before giving up.
        fitter = getattr(lifetimes(), self._fitter_name)(penalizer_coef=pen)
        kwargs.pop("initial_params")
        return self._run_fitter(fitter, (ux.astype(int), utx, uT), kwargs, budget)

    def _fitted_objective(self, data, w, budget):
        return budget.watch(self._objective(self._loglik_rows, data, w, 1.0 / data[2].max()))

    def _derivatives(self, fitter, data, w, budget) -> tuple[np.ndarray, np.ndarray | None, float]:
        """Gradient of the fitted objective (numerical), the covariance of the log-parameters
        and the smallest eigenvalue of the Hessian (lifetimes', :meth:`_curvature`)."""
        f = self._fitted_objective(data, w, budget)
        grad, _ = _diag.gradient_and_hessian(f, np.log(self.params_.to_numpy()), hessian=False)
        return (grad, *self._curvature(fitter, float(w.sum())))

    def _checks(self, grad, min_eig, x, T, w) -> list:
        params = self.params_.to_numpy()
        return self._fit_checks(
            grad,
            min_eig,
            p_dropped=lambda age: self._p_dropped(params, age),
            unit=unit_words(self.time_unit_),
            prob_n=lambda t, n: self._prob_n(params, t, n),
            expected=lambda t: self._expected(params, t),
            x=x,
            T=T,
            w=w,
        )

    def p_n_purchases(self, n: Any, *, t: float) -> Any:
        """P(X(t) = n): probability a new customer makes ``n`` repeat purchases within ``t``
        (FHL 2005 eq. 8 for BG/NBD; its MBG/NBD and Pareto/NBD counterparts).

        Parameters
        ----------
        t : float
            Time since the first purchase, in the model's time unit (``time_unit_``).
        n : int or sequence of int
            Number(s) of repeat purchases.

        Returns
        -------
        float or pandas.Series
            A float for a scalar ``n``; a Series ``probability`` indexed by ``n`` otherwise.
        """
        self._check_fitted()
        t = _check_horizon(t)
        params = self.params_.to_numpy()
        return _probabilities(lambda k: self._prob_n(params, t, k), n)

    # -- predictions ---------------------------------------------------------------------------
    def _own_unit(self) -> str:
        """The fitted model's time unit (a model with parameters but no unit is refused)."""
        self._check_fitted()
        unit = getattr(self, "time_unit_", None)
        if unit not in TIME_UNITS:
            raise DataValidationError(
                f"This {type(self).__name__} has parameters but no time unit (`time_unit_`), "
                "so its rates are per nothing known. Fit it with `fit(summary, time_unit=...)` "
                f"or build it with `{type(self).__name__}.from_params(params, time_unit='W')`."
            )
        return unit

    def _history(self, summary: pd.DataFrame, time_unit: str | None = None):
        """Customers' ``frequency``, ``recency`` and ``T`` in the model's time unit (a summary
        in another unit is converted when ``time_unit`` says so, else refused)."""
        unit = self._own_unit()
        x, tx, T = _rfm_arrays(summary)
        return _units.to_model_unit(
            summary,
            x,
            tx,
            T,
            model_unit=unit,
            model_grain=getattr(self, "grain_", None),
            label=self._label,
            time_unit=time_unit,
        )

    def _unique(self, summary: pd.DataFrame, time_unit: str | None = None):
        x, tx, T = self._history(summary, time_unit)
        (ux, utx, uT), _, inverse = _compress(x, tx, T)
        return ux, utx, uT, inverse

    def _series(self, values: np.ndarray, summary: pd.DataFrame, name: str) -> pd.Series:
        values = np.asarray(values, dtype=float)
        bad = ~np.isfinite(values)
        if bad.any():
            others = " or ".join(
                f"`{c.__name__}`" for c in _STABLE_MODELS if not isinstance(self, c)
            )
            params = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
            raise FitError(
                f"The {type(self).__name__} `{name}` is not finite for {int(bad.sum())} "
                f"customer(s) at {format_rows(summary.index[bad])} ({params}): the "
                f"{self._label} formulas overflow for these histories. Use {others}, or a "
                "coarser `time_unit`."
            )
        return pd.Series(values, index=summary.index, name=name)

    def expected_purchases(
        self, summary: pd.DataFrame, *, t: float, time_unit: str | None = None
    ) -> pd.Series:
        """Expected number of repeat purchases in the next ``t`` time units.

        Parameters
        ----------
        summary : pandas.DataFrame or a summary kept in its engine
            Customers' ``frequency``, ``recency``, ``T``, in the model's time unit
            (``time_unit_``) unless ``time_unit`` says otherwise. A summary kept in its
            engine (``rfm_summary(..., collect=False)``: DuckDB, PySpark, a database...) is
            predicted on its distinct rows and the values joined back there.
        t : float
            Horizon, in the model's time unit.
        time_unit : {'W', 'D', 'M'}, optional
            Unit of ``summary`` when it differs from the model's: ``recency`` and ``T`` are
            converted (purchases must be merged at the model's ``grain_``). A summary that
            records another unit is refused unless this is given (an engine's summary
            records none: it is taken to be in the model's unit unless this says otherwise).

        Returns
        -------
        pandas.Series or the engine's query
            ``expected_purchases``, aligned with ``summary``'s index; for a summary kept in
            its engine, that engine's lazy query (a DuckDB relation, a Spark DataFrame, an
            ibis table...) with ``customer_id, expected_purchases``.
        """
        self._check_fitted()
        t = _check_horizon(t)
        if in_engine(summary):
            return self._predict_in_engine(
                summary, lambda rows: self.expected_purchases(rows, t=t, time_unit=time_unit)
            )
        ux, utx, uT, inverse = self._unique(summary, time_unit)
        values = self._conditional_expected(self.params_.to_numpy(), t, ux, utx, uT)
        return self._series(values[inverse], summary, "expected_purchases")

    def p_alive(self, summary: pd.DataFrame, *, time_unit: str | None = None) -> pd.Series:
        """Probability that each customer is still active at the end of observation.

        Parameters
        ----------
        summary : pandas.DataFrame or a summary kept in its engine
            As in :meth:`expected_purchases`.
        time_unit : {'W', 'D', 'M'}, optional
            As in :meth:`expected_purchases`.

        Returns
        -------
        pandas.Series or the engine's query
            ``p_alive`` in [0, 1], aligned with ``summary``'s index (for a summary kept in
            its engine, that engine's query with ``customer_id, p_alive``).
        """
        self._check_fitted()
        if in_engine(summary):
            return self._predict_in_engine(
                summary, lambda rows: self.p_alive(rows, time_unit=time_unit)
            )
        ux, utx, uT, inverse = self._unique(summary, time_unit)
        values = self._p_alive(self.params_.to_numpy(), ux, utx, uT)
        return self._series(values[inverse], summary, "p_alive")

    def _predict_in_engine(self, summary: Any, predict) -> Any:
        """``predict`` (one of this model's per-customer predictions, a named Series) on the
        distinct (frequency, recency, T) rows of a summary kept in its engine, joined back to
        the customers there."""
        keys = ["frequency", "recency", "T"]
        names: list[str] = []

        def compute(rows: pd.DataFrame) -> pd.DataFrame:
            values = predict(rows)
            names.append(values.name)
            return values.to_frame()

        joined = join_in_engine(summary, keys, compute)
        return joined.select("customer_id", *names).to_native()

    def p_no_purchase(
        self, summary: pd.DataFrame, *, t: float, time_unit: str | None = None
    ) -> pd.Series:
        """Probability that each customer makes no purchase in the next ``t`` time units.

        ``P(Y(t) = 0 | frequency, recency, T)``: the customer has dropped out, or is still
        active but does not buy within ``t``. This is the churn score: unlike
        ``1 - p_alive`` it is high for one-time buyers who have not come back for long (whom
        the BG/NBD model counts as alive with certainty) and it says over which horizon.

        Parameters
        ----------
        summary : pandas.DataFrame
            As in :meth:`expected_purchases`.
        t : float
            Horizon, in the model's time unit.
        time_unit : {'W', 'D', 'M'}, optional
            As in :meth:`expected_purchases`.

        Returns
        -------
        pandas.Series
            ``p_no_purchase`` in [0, 1], aligned with ``summary``'s index.

        Examples
        --------
        >>> from retention_lib.clv import load_cdnow, rfm_summary
        >>> cal = rfm_summary(load_cdnow(), grain="D", observation_end="1997-09-30")
        >>> model = BetaGeoModel().fit(cal)
        >>> model.p_no_purchase(cal, t=39).between(0, 1).all()
        True
        """
        self._check_fitted()
        t = _check_horizon(t)
        ux, utx, uT, inverse = self._unique(summary, time_unit)
        values = np.clip(self._p_no_purchase(self.params_.to_numpy(), t, ux, utx, uT), 0.0, 1.0)
        return self._series(values[inverse], summary, "p_no_purchase")

    def expected_purchases_new_customer(self, t: Any) -> Any:
        """E[X(t)]: expected repeat purchases of a new customer within ``t`` of their first.

        Parameters
        ----------
        t : float or sequence of float
            Time(s) since the first purchase, in the model's time unit (``time_unit_``), >= 0.

        Returns
        -------
        float or pandas.Series
            A float for a scalar ``t``; a Series ``expected_purchases`` indexed by ``t``
            otherwise.
        """
        self._check_fitted()
        params = self.params_.to_numpy()
        return _per_horizon(lambda times: self._expected(params, times), t, _check_horizon)


def _check_horizon(t: Any) -> float:
    if isinstance(t, bool | np.bool_ | str | bytes) or not isinstance(t, numbers.Real | np.number):
        raise InputTypeError(f"`t` must be a number of time units, got {t!r}.")
    value = float(t)
    if not np.isfinite(value) or value < 0:
        raise DataValidationError(f"`t` must be a finite number >= 0; got {t!r}.")
    return value


def _per_horizon(expected, t: Any, check) -> Any:
    """``expected(t)`` for one horizon ``t`` (a float) or each of a sequence (a Series indexed
    by ``t``), every horizon checked by ``check``."""
    if np.ndim(t) == 0:
        return float(np.asarray(expected(np.array([check(t)], dtype=float)))[0])
    times = [check(v) for v in np.asarray(t).ravel()]
    values = np.asarray(expected(np.asarray(times)), dtype=float)
    return pd.Series(values, index=pd.Index(times, name="t"), name="expected_purchases")


def _probabilities(prob, n: Any) -> Any:
    """``prob(k)`` for a whole number ``n`` (a float) or each of a sequence (a Series)."""
    if np.ndim(n) == 0:
        return float(prob(_check_count(n)))
    ns = [_check_count(k) for k in n]
    return pd.Series([float(prob(k)) for k in ns], index=pd.Index(ns, name="n"), name="probability")


def _check_count(n: Any) -> int:
    require_number(n, name="n")
    if not float(n).is_integer() or n < 0:
        raise DataValidationError(f"`n` must be a whole number >= 0; got {n!r}.")
    return int(n)


_BG_ROLES = {"r": "rate", "alpha": "rate", "a": "dropout", "b": "dropout"}


@_docs.fill
class BetaGeoModel(PurchaseModel):
    """BG/NBD model of repeat purchasing (Fader, Hardie & Lee 2005).

    While alive a customer buys at rate ``lambda ~ Gamma(r, alpha)``; after each repeat
    purchase they drop out with probability ``p ~ Beta(a, b)``.

    Parameters
    ----------
    {model_settings}

    Attributes
    ----------
    params_ : pandas.Series
        ``r, alpha, a, b`` (``alpha`` in the model's time unit).
    confidence_intervals_ : pandas.DataFrame
        ``estimate, lower, upper`` (95 %, Wald on the log scale).
    log_likelihood_ : float
        Total log-likelihood (FHL 2005 eq. 6) at ``params_``.
    time_unit_, grain_ : str
        Unit of ``recency``, ``T`` and the rates; period within which purchases merged.
    diagnostics_ : pandas.DataFrame
        One row per check: ``check, value, threshold, status, finding, meaning, remedy,
        warning`` (see :meth:`fit_report`).

    References
    ----------
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your customers" the easy
    way: an alternative to the Pareto/NBD model. Marketing Science 24(2), 275-284.

    Examples
    --------
    >>> from retention_lib.clv import load_cdnow, rfm_summary
    >>> cal = rfm_summary(load_cdnow(), time_unit="W", grain="D",
    ...                   observation_end="1997-09-30", count_zero_amounts=True)
    >>> model = BetaGeoModel().fit(cal)
    >>> model.params_.round(3).tolist()
    [0.243, 4.414, 0.793, 2.426]
    >>> (model.diagnostics_["status"] == "ok").all()
    np.True_
    """

    _param_names = ("r", "alpha", "a", "b")
    _fitter_name = "BetaGeoFitter"
    _label = "BG/NBD"
    _shapes = ("r", "a", "b")
    _roles = _BG_ROLES
    _time_scaled = ("alpha",)
    _dropout_beta = ("a", "b")
    _forms = F.BGNBD

    def _clv_terms(self, params, x, tx, T, times, discounts, cache, p_alive=True):
        # E[Y(t) | x, t_x, T] (FHL 2005 eq. 10) is a numerator in (t, x, T) over
        # 1 + odds(x, t_x, T) = 1 / P(alive): the hypergeometric numerator is evaluated once
        # per distinct (x, T) and horizon, the rest per customer in closed form
        if "x, T" not in cache:
            cache["x, T"] = _compress(x, T)
        (ux, uT), _, inverse = cache["x, T"]
        num = F.bgnbd_expected_numerator(*params, np.asarray(times)[:, None], ux, uT)
        steps = np.diff(num, axis=0, prepend=0.0)
        alive = 1.0 / (1.0 + F.bgnbd_dead_odds(*params, x, tx, T))
        return (discounts @ steps)[inverse] * alive, num[-1][inverse] * alive, alive

    def _start(self, x, tx, T, w, penalizer, max_iterations, budget):
        # lifetimes fits in time scaled by 1 / max(T) (lifetimes.utils._scale_time); its
        # optimiser then starts at the optimum and only confirms it
        scale = 1.0 / T.max()
        return _mle.bgnbd_start(
            x, tx * scale, T * scale, w, penalizer, max_iterations=max_iterations, budget=budget
        )


def _lifetimes_mbgnbd(method: str):
    """One of lifetimes' MBG/NBD prediction formulas as a closed form ``(r, alpha, a, b,
    *args)``: a fitter carrying the parameters (lifetimes has no closed form of its own to
    offer otherwise)."""

    def formula(*args):
        fitter = lifetimes().ModifiedBetaGeoFitter()
        fitter.params_ = pd.Series(
            np.asarray(args[:4], dtype=float), index=["r", "alpha", "a", "b"]
        )
        with quiet(), np.errstate(all="ignore"):
            return np.asarray(getattr(fitter, method)(*args[4:]), dtype=float)

    return formula


@_docs.fill
class ModifiedBetaGeoModel(PurchaseModel):
    """MBG/NBD model (Batislam, Denizel & Filiztekin 2007): as BG/NBD, but customers may also
    drop out right after their first purchase.

    Predictions use lifetimes' formulas; where they are not finite (very heavy buyers) a
    :class:`FitError` names the customers, and :class:`BetaGeoModel` or
    :class:`ParetoNBDModel` (computed stably) are the remedy.

    Parameters
    ----------
    {model_settings}

    References
    ----------
    Batislam, E. P., Denizel, M. & Filiztekin, A. (2007). Empirical validation and comparison
    of models for customer base analysis. IJRM 24(3), 201-209.
    """

    _param_names = ("r", "alpha", "a", "b")
    _fitter_name = "ModifiedBetaGeoFitter"
    _label = "MBG/NBD"
    _shapes = ("r", "a", "b")
    _roles = _BG_ROLES
    _time_scaled = ("alpha",)

    _forms = F.ClosedForms(
        log_likelihood=F.mbgnbd_log_likelihood,
        prob_n=F.mbgnbd_prob_n,
        p_dropped=F.mbgnbd_p_dropped,
        conditional_expected=_lifetimes_mbgnbd(
            "conditional_expected_number_of_purchases_up_to_time"
        ),
        p_alive=_lifetimes_mbgnbd("conditional_probability_alive"),
        expected=_lifetimes_mbgnbd("expected_number_of_purchases_up_to_time"),
        p_no_purchase=F.mbgnbd_p_no_purchase,
    )


@_docs.fill
class ParetoNBDModel(PurchaseModel):
    """Pareto/NBD model (Schmittlein, Morrison & Colombo 1987): purchases at rate
    ``lambda ~ Gamma(r, alpha)`` until an exponential lifetime with ``mu ~ Gamma(s, beta)``.

    The likelihood, predictions and P(alive) use a quadrature form of the A_0 term (note 009
    eq. 19) that stays finite where lifetimes' hypergeometric form returns NaN (heavy buyers,
    recency == T) or takes seconds per evaluation (near the no-drop-out boundary). The fit
    maximises lifetimes' own objective (scaled time, its penalty) on that likelihood with
    BFGS from lifetimes' starting point, bounded by ``max_iterations`` and ``max_seconds``
    (lifetimes' Nelder-Mead is not used: on such rows it runs for minutes to NaN); the tests
    check the optimum is lifetimes' where lifetimes works. Intervals come from a numerical
    Hessian.

    Parameters
    ----------
    {model_settings}

    References
    ----------
    Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987). Counting your customers: who are
    they and what will they do next? Management Science 33(1), 1-24.
    Fader, P. S. & Hardie, B. G. S. (2005). A note on deriving the Pareto/NBD model and related
    expressions. http://brucehardie.com/notes/009/
    """

    _param_names = ("r", "alpha", "s", "beta")
    _fitter_name = "ParetoNBDFitter"
    _label = "Pareto/NBD"
    _shapes = ("r", "s")
    _roles = {"r": "rate", "alpha": "rate", "s": "dropout", "beta": "dropout"}
    _time_scaled = ("alpha", "beta")
    _forms = F.PNBD

    def _penalty_weight(self, n_rows: int) -> float:
        # lifetimes' Pareto/NBD objective divides the weighted log-likelihood by the *mean*
        # weight, i.e. it is n_rows times the mean per customer: its penalty weighs 1 / n_rows
        return float(self.penalizer_coef) / n_rows

    def _fit_lifetimes(self, data, w, pen, max_iterations, budget) -> Any:
        """The maximum likelihood (see the class notes), carried by a lifetimes
        ``ParetoNBDFitter`` (unfitted: its ``params_`` are set, as :func:`load_model` does)."""
        ux, utx, uT = data
        start = F.pnbd_log_likelihood(1.0, 1.0 / uT.max(), 1.0, 1.0 / uT.max(), ux, utx, uT)
        if not np.all(np.isfinite(start)):
            raise FitError(self._not_finite_message(data, ~np.isfinite(start)))
        theta, _, iterations = _mle.pareto_nbd_fit(
            ux, utx, uT, w, pen, max_iterations=max_iterations, budget=budget
        )
        grad = self._gradient(theta, data, w, budget)
        largest = float(np.max(np.abs(grad))) if np.all(np.isfinite(grad)) else np.inf
        if not largest <= _diag.CONVERGED_GRADIENT:
            if iterations >= max_iterations:
                stop, fix = f"within {max_iterations:,} iterations (`max_iterations`)", "Raise "
                fix += "`max_iterations`, try"
            else:
                stop = f"(the optimiser stopped after {iterations:,} iterations, unable to improve)"
                fix = "Check the summary for implausible values, try"
            raise FitError(
                f"The Pareto/NBD fit did not converge {stop}: the largest gradient of the "
                f"likelihood is still {largest:.2g}. {self._extremes(data)}{fix} a small "
                "`penalizer_coef` (e.g. 0.001), or use `BetaGeoModel`."
            )
        fitter = lifetimes().ParetoNBDFitter(penalizer_coef=pen)
        fitter.params_ = pd.Series(np.exp(theta), index=list(self._param_names))
        return fitter

    def _extremes(self, data) -> str:
        ux, utx, uT = data
        return (
            f"The summary's largest `frequency`, `recency` and `T` are {ux.max():.3g}, "
            f"{utx.max():.3g} and {uT.max():.3g}: check such values. "
            if max(ux.max(), uT.max()) > 1e6
            else ""
        )

    def _not_finite_message(self, data, bad) -> str:
        return (
            f"The Pareto/NBD fit cannot start: the likelihood is not finite for "
            f"{int(bad.sum())} distinct (frequency, recency, T) row(s). "
            f"{self._extremes(data)}Use `BetaGeoModel`, or check the summary for implausible "
            "values."
        )

    def _gradient(self, theta, data, w, budget) -> np.ndarray:
        """Analytic gradient of the fitted objective (:meth:`_objective`) in log-parameters."""
        budget.check()
        params = np.exp(theta)
        scale = 1.0 / data[2].max()
        factors = np.array([scale if p in self._time_scaled else 1.0 for p in self._param_names])
        with np.errstate(all="ignore"):
            _, grad = F.pnbd_log_likelihood_grad(*params, *data)
        pen = self._penalty_weight(len(w))
        return -(w @ grad) / w.sum() + 2 * pen * (params * factors) ** 2

    def _derivatives(self, fitter, data, w, budget):
        """Gradient (analytic), and the covariance and smallest Hessian eigenvalue from the
        Hessian by central differences of the gradient (the fit is retention-lib's own)."""
        theta = np.log(self.params_.to_numpy())
        h = 1e-5
        columns = [
            (
                self._gradient(theta + e, data, w, budget)
                - self._gradient(theta - e, data, w, budget)
            )
            / (2 * h)
            for e in np.eye(4) * h
        ]
        hessian = np.column_stack(columns)
        hessian = (hessian + hessian.T) / 2
        min_eig = _diag.smallest_eigenvalue(hessian)
        try:
            log_cov = np.linalg.inv(hessian) / w.sum() if min_eig > 0 else None
        except np.linalg.LinAlgError:
            log_cov = None
        log_cov = self._usable_covariance(log_cov, min_eig)
        return self._gradient(theta, data, w, budget), log_cov, min_eig


#: purchase models whose predictions are computed stably here (the remedy when one overflows)
_STABLE_MODELS = (BetaGeoModel, ParetoNBDModel)


# ---------------------------------------------------------------------------------------------
# Gamma-Gamma
# ---------------------------------------------------------------------------------------------


class GammaGammaModel(_BaseModel):
    """Gamma-Gamma model of average transaction value (Fader & Hardie 2013).

    Each transaction of a customer is worth ``z ~ Gamma(p, nu)`` with ``nu ~ Gamma(q, v)``
    across customers; spend is assumed independent of the purchase process.

    Parameters
    ----------
    penalizer_coef : float, default 0.0
        L2 penalty on the parameters.
    correlation_threshold : float, default 0.3
        Warn (:class:`AssumptionWarning`) when the absolute Pearson correlation between
        ``frequency`` and ``monetary_value`` among repeat buyers exceeds this.
    max_iterations, max_seconds
        As in :class:`BetaGeoModel`.
    spend_resolution : float or None, default 1e-3
        For a summary kept in an engine (``rfm_summary(..., collect=False)``) whose repeat
        buyers have more than 100,000 (``EXACT_SPEND_ROWS``) distinct
        ``(frequency, monetary_value)`` rows: the engine bins each frequency's spend on the
        log scale, bins of relative width ``spend_resolution`` (1e-3: spend to about three
        significant digits), and the fit reads one row per bin at its customers' mean spend;
        ``spend_error_bound_`` bounds what that moves the parameters. ``None`` fetches the
        distinct rows. Pandas summaries are always fitted on their distinct rows.

    Attributes
    ----------
    params_ : pandas.Series
        ``p, q, v`` (``v`` is Fader & Hardie's gamma, in currency units).
    spend_error_bound_ : pandas.Series
        Bound on ``|log(fitted) - log(per-customer fit)|`` of ``p, q, v`` (about their
        relative error) from binning the spend: to first order, the largest change of the
        maximum-likelihood estimate when each customer's ``log monetary_value`` moves by at
        most its bin's spread, ``sum_i |H^-1 d score_i / d log m_i| spread_i / n`` (``H`` the
        Hessian of the mean negative log-likelihood in log-parameters). 0 for a fit on
        exact rows.
    confidence_intervals_ : pandas.DataFrame
        ``estimate, lower, upper`` (95 %, Wald on the log scale).
    frequency_spend_correlation_ : float
        Pearson correlation of ``frequency`` and ``monetary_value`` among repeat buyers.
    diagnostics_ : pandas.DataFrame
        The fit checks, as for :class:`BetaGeoModel`, and the model's own: enough repeat
        buyers, spend independent of frequency, ``q > 1``, mean spend reproduced.

    References
    ----------
    Fader, P. S. & Hardie, B. G. S. (2013). The Gamma-Gamma model of monetary value.
    http://brucehardie.com/notes/025/

    Examples
    --------
    >>> from retention_lib.clv import load_cdnow, rfm_summary
    >>> cal = rfm_summary(load_cdnow(), time_unit="W", grain="D",
    ...                   observation_end="1997-09-30", count_zero_amounts=True)
    >>> GammaGammaModel().fit(cal).params_.round(2).tolist()
    [6.25, 3.74, 15.44]
    """

    _param_names = ("p", "q", "v")
    _fitter_name = "GammaGammaFitter"
    _label = "Gamma-Gamma"
    _shapes = ("p", "q")
    _roles = {"p": "spend", "q": "spend", "v": "spend"}

    def __init__(
        self,
        penalizer_coef: float = 0.0,
        correlation_threshold: float = 0.3,
        *,
        max_iterations: int = MAX_ITERATIONS,
        max_seconds: float = MAX_SECONDS,
        spend_resolution: float | None = 1e-3,
    ) -> None:
        super().__init__(penalizer_coef, max_iterations=max_iterations, max_seconds=max_seconds)
        self.correlation_threshold = correlation_threshold
        self.spend_resolution = spend_resolution

    def fit_report(self) -> str:
        """The fit diagnostics in words (see :meth:`BetaGeoModel.fit_report`)."""
        self._check_fitted()
        return _diag.describe(
            self._label, self.diagnostics_, customers=self.n_customers_, unit="any unit"
        )

    @staticmethod
    def _spend_arrays(summary: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if not isinstance(summary, pd.DataFrame):
            raise InputTypeError(
                "`summary` must be a pandas DataFrame with `frequency` and `monetary_value` "
                f"columns (see `retention_lib.rfm_summary`), got {type(summary).__name__}."
            )
        summary = _calibration_columns(summary)
        missing = [c for c in ("frequency", "monetary_value") if c not in summary.columns]
        if missing:
            raise DataValidationError(
                f"`summary` is missing column(s) {', '.join(f'`{c}`' for c in missing)}. Build "
                "it with `retention_lib.rfm_summary(transactions, monetary=True)`."
            )
        x = _column(summary, "frequency")
        m = _column(summary, "monetary_value")
        return x, m, np.flatnonzero(x > 0)

    def fit(self, summary: pd.DataFrame) -> GammaGammaModel:
        """Fit to the repeat buyers (``frequency > 0``) of an RFM summary.

        Parameters
        ----------
        summary : pandas.DataFrame
            Output of :func:`retention_lib.rfm_summary` with ``frequency`` and
            ``monetary_value``; customers without repeat purchases are ignored.

        Returns
        -------
        self

        Raises
        ------
        DataValidationError
            No repeat buyers, or a repeat buyer with ``monetary_value <= 0``.
        FitError
            The optimiser failed, ran out of ``max_iterations`` or ``max_seconds``, or
            returned non-finite parameters.

        Warns
        -----
        SmallSampleWarning, AssumptionWarning, ConvergenceWarning, BoundaryWarning
            A diagnostic check fails (see ``diagnostics_``).
        """
        pen, max_iterations, max_seconds = self._check_settings()
        threshold = require_in_range(
            self.correlation_threshold, name="correlation_threshold", low=0.0, high=1.0
        )
        resolution = self.spend_resolution
        if resolution is not None:
            resolution = require_in_range(
                resolution, name="spend_resolution", low=0.0, high=1.0, low_inclusive=False
            )
        budget = _mle.Budget(max_seconds)
        summary, counts, spread = _engine_spend_rows(summary, resolution)
        x, m, rep = self._spend_arrays(summary)
        summary = _calibration_columns(summary)
        if len(rep) == 0:
            raise DataValidationError(
                "`summary` has no repeat buyers (`frequency` > 0); the Gamma-Gamma model is "
                "fitted on repeat transactions only. Use a longer observation window."
            )
        bad = rep[m[rep] <= 0]
        if len(bad):
            raise DataValidationError(
                f"Column `monetary_value` must be > 0 for repeat buyers (the Gamma-Gamma model "
                f"needs positive spend), but {len(bad)} have <= 0 at "
                f"{format_rows(summary.index[bad])}. Drop returns/cancellations before the "
                "summary (`retention_lib.clean_transactions`) or exclude these customers."
            )
        xr, mr = x[rep], m[rep]
        n_repeat = len(rep) if counts is None else int(counts[rep].sum())
        if n_repeat <= 2 or np.std(xr) == 0:
            corr = 0.0
        elif counts is None:
            corr = float(np.corrcoef(xr, mr)[0, 1])
        else:
            corr = _weighted_pearson(xr, mr, counts[rep])
        self.frequency_spend_correlation_ = corr
        (ux, um), w, inverse = _compress(xr, mr)
        if counts is not None:  # rows counted by the engine
            w = np.bincount(inverse, weights=counts[rep], minlength=len(w)).astype(np.int64)
        fitter = lifetimes().GammaGammaFitter(penalizer_coef=pen)
        kwargs: dict[str, Any] = {"weights": w, "maxiter": max_iterations}
        try:
            start = _mle.gamma_gamma_start(
                ux, um, w, pen, max_iterations=max_iterations, budget=budget
            )
        except _mle.BudgetExceeded:
            raise self._budget_error("searching for the maximum likelihood") from None
        if start is not None:  # lifetimes' optimiser then only confirms the optimum
            kwargs["initial_params"] = start
        self.n_customers_ = int(w.sum())
        self.n_unique_rows_ = len(w)
        self.time_unit_, self.grain_ = _units.recorded(summary)
        try:
            self._run_fitter(fitter, (ux, um), kwargs, budget)
        except FitError:
            f = budget.watch(self._objective(_gg_rows, (ux, um), w, 1.0))
            try:
                fallback = self._boundary_fit(ux, um, w, start, f)
            except _mle.BudgetExceeded:
                raise self._budget_error("checking convergence") from None
            if fallback is None:
                raise
            checks = fallback
            mean_hessian = None  # on a boundary: no bound on the parameters' error
        else:
            self.params_ = pd.Series(
                fitter.params_[["p", "q", "v"]].to_numpy(dtype=float),
                index=["p", "q", "v"],
                name="value",
            )
            self._fitter = fitter
            self.log_likelihood_ = float(
                np.sum(w * F.gg_log_likelihood(*_three(self.params_), ux, um))
            )
            f = budget.watch(self._objective(_gg_rows, (ux, um), w, 1.0))
            try:
                grad, _ = _diag.gradient_and_hessian(
                    f, np.log(self.params_.to_numpy()), hessian=False
                )
            except _mle.BudgetExceeded:
                raise self._budget_error("checking convergence") from None
            log_cov, min_eig = self._curvature(fitter, float(w.sum()))
            self._set_intervals(log_cov)
            # the Hessian of the mean negative log-likelihood, for the binning's error bound
            mean_hessian = None if log_cov is None else np.linalg.inv(log_cov * float(w.sum()))
            boundary = _diag.spend_boundary_check(self._label, *self.params_)
            checks = _diag.optimiser_checks(self._label, grad, min_eig)
            if not boundary.ok:  # on a boundary the gradient never vanishes
                checks = checks[1:]
            checks += _diag.parameter_checks(
                self._label, self.confidence_intervals_, shapes=self._shapes, roles=self._roles
            )
            checks.append(boundary)
        p, q, v = self.params_
        self.spend_error_bound_ = pd.Series(
            0.0
            if spread is None
            else _spend_bound(
                self.params_, xr, mr, spread.iloc[rep].assign(_n=counts[rep]), mean_hessian
            ),
            index=["p", "q", "v"],
            name="bound",
        )
        checks += _diag.spend_checks(
            p=p, q=q, v=v, x=ux, m=um, w=w, correlation=corr, correlation_threshold=threshold
        )
        self._finish(checks)
        return self

    def _boundary_fit(
        self, x: np.ndarray, m: np.ndarray, w: np.ndarray, start: np.ndarray | None, f: Any
    ) -> list[_diag.Check] | None:
        """The fit where lifetimes' optimiser fails because the maximum lies on a boundary.

        Two boundaries occur on real logs: ``q, v -> infinity`` (customers do not differ in
        mean spend: :func:`._mle.gamma_gamma_homogeneous`, the limit, with ``q`` so large that
        a customer's own mean gets a weight below 1e-6) and ``p -> infinity`` (each customer's
        orders are all of one value), where the in-house maximiser of lifetimes' objective
        (``start``) stops far out. The one with the higher likelihood is the fit (the limit
        when every customer's mean spend is the same); ``params_`` and ``log_likelihood_`` are
        set, and the optimiser and boundary checks returned. None when neither is usable.
        """
        p, nu, ll = _mle.gamma_gamma_homogeneous(x, m, w)
        one_value = bool(np.ptp(m) <= 1e-9 * float(np.max(m)))
        finite = -np.inf
        if start is not None and not one_value:
            p0, q0, v0 = np.exp(start)
            finite = float(np.sum(w * F.gg_log_likelihood(p0, q0, v0, x, m)))
        if start is not None and np.isfinite(finite) and finite > ll:
            self.params_ = pd.Series(np.exp(start), index=["p", "q", "v"], name="value")
            self.log_likelihood_ = finite
        elif np.isfinite(ll):
            q = 1e6 * (1.0 + p * float(np.max(x)))
            self.params_ = pd.Series([p, q, q / nu], index=["p", "q", "v"], name="value")
            self.log_likelihood_ = ll
        else:
            return None
        self._fitter = None
        theta = np.log(self.params_.to_numpy())
        grad, hessian = _diag.gradient_and_hessian(f, theta)
        min_eig = _diag.smallest_eigenvalue(hessian)
        log_cov = None
        if min_eig > 0 and hessian is not None:  # no lifetimes fit to read it from here
            log_cov = np.linalg.inv(hessian) / float(w.sum())
        self._set_intervals(self._usable_covariance(log_cov, min_eig))
        boundary = _diag.spend_boundary_check(self._label, *self.params_)
        checks = _diag.optimiser_checks(self._label, grad, min_eig)
        if not boundary.ok:  # on a boundary the gradient never vanishes: that check says so
            checks = checks[1:]
        checks += _diag.parameter_checks(
            self._label, self.confidence_intervals_, shapes=self._shapes, roles=self._roles
        )
        return [*checks, boundary]

    def expected_spend(self, summary: pd.DataFrame) -> pd.Series:
        """Expected average transaction value of each customer (note 025 eq. 5).

        Customers without repeat purchases get the population mean ``p v / (q - 1)``.

        Parameters
        ----------
        summary : pandas.DataFrame or a summary kept in its engine
            Customers' ``frequency`` and ``monetary_value``; a summary kept in its engine
            (``rfm_summary(..., collect=False)``) gets the expression computed there.

        Returns
        -------
        pandas.Series or the engine's query
            ``expected_spend``, aligned with ``summary``'s index (for a summary kept in its
            engine, that engine's query with ``customer_id, expected_spend``).
        """
        self._check_fitted()
        if in_engine(summary):
            from .._backend import to_lazy

            lf = to_lazy(summary)
            return lf.select("customer_id", self._spend_expr().alias("expected_spend")).to_native()
        x, m, _ = self._spend_arrays(summary)
        values = F.gg_expected_spend(*_three(self.params_), x, np.where(x > 0, m, 0.0))
        return pd.Series(values, index=summary.index, name="expected_spend")

    def _spend_expr(self) -> nw.Expr:
        """:meth:`expected_spend` as an expression of ``frequency`` and ``monetary_value``
        (note 025 eq. 5: a weighted mean of the population's and the customer's mean spend),
        for an engine to compute."""
        p, q, v = (float(a) for a in self.params_.to_numpy())
        x = nw.col("frequency")
        weight = p * x / (p * x + q - 1)
        own = nw.when(x > 0).then(nw.col("monetary_value")).otherwise(0.0)
        return (1 - weight) * (p * v / (q - 1)) + weight * own

    @property
    def population_mean_spend(self) -> float:
        """Mean transaction value of a new customer, ``p v / (q - 1)``."""
        self._check_fitted()
        p, q, v = self.params_
        return float(p * v / (q - 1)) if q > 1 else float("nan")


def _spend_bound(params, x, m, spread: pd.DataFrame, hessian) -> np.ndarray:
    """:attr:`GammaGammaModel.spend_error_bound_` of a fit on binned rows.

    At a row's mean spend ``m`` the deviations ``m_i - m`` of its customers sum to zero, so
    the customers' scores differ from the row's by the second-order terms only:
    ``|sum_i score(m_i) - n score(m)| <= sup |score''| sum_i (m_i - m)^2 / 2``, the
    supremum over the row's spends, which are at least ``_low`` (each term of ``score''``
    falls with ``m``). The estimate moves by ``H^-1`` times those sums over ``n``; ``inf``
    without a positive definite Hessian.
    """
    if not _diag.smallest_eigenvalue(hessian) > 0:
        return np.full(3, np.inf)
    p, q, v = _three(params)
    low = spread["_low"].to_numpy()
    lo = np.where(low > 0, low, m)
    u = x * lo + v
    curvature = np.column_stack(  # sup |d2 score / d m2| of log p, log q, log v
        [p * x / lo**2, q * x**2 / u**2, 2 * (p * x + q) * v * x**2 / u**3]
    )
    moved = (0.5 * spread["_spread"].to_numpy()) @ curvature
    return np.abs(np.linalg.inv(hessian)) @ moved / float(np.sum(spread["_n"]))


def _gg_rows(params, x, m):
    """Per-row Gamma-Gamma log-likelihood (the ``loglik_rows`` of :meth:`_objective`)."""
    return F.gg_log_likelihood(*params, x, m)


# ---------------------------------------------------------------------------------------------
# BG/BB: discrete transaction opportunities
# ---------------------------------------------------------------------------------------------

_OPPORTUNITY_PERIODS = ("D", "W", "M", "Q", "Y")


def _opportunity_arrays(summary: Any, what: str = "`summary`") -> tuple[np.ndarray, ...]:
    """``frequency, recency, T`` of a summary of discrete opportunities, checked."""
    if not isinstance(summary, pd.DataFrame):
        raise InputTypeError(
            f"{what} must be a pandas DataFrame with `frequency`, `recency` and `T` (see "
            f"`retention_lib.discrete_rfm_summary`), got {type(summary).__name__}."
        )
    missing = [c for c in ("frequency", "recency", "T") if c not in summary.columns]
    if missing:
        raise DataValidationError(
            f"{what} is missing column(s) {', '.join(f'`{c}`' for c in missing)}. Build it with "
            "`retention_lib.discrete_rfm_summary(transactions, period=...)`: `T` is the number "
            "of transaction opportunities after the first."
        )
    if len(summary) == 0:
        raise DataValidationError(f"{what} has no rows; it needs at least one customer.")
    x, tx, n = (_column(summary, c) for c in ("frequency", "recency", "T"))
    checks = [
        ((x != np.round(x)) | (tx != np.round(tx)) | (n != np.round(n)), "a count is not whole"),
        ((x < 0) | (tx < 0) | (n < 0), "a count is negative"),
        (tx > n, "`recency` is larger than `T`"),
        (x > tx, "`frequency` is larger than `recency`"),
        ((x == 0) & (tx != 0), "`recency` is not 0 although `frequency` is 0"),
    ]
    for bad, message in checks:
        if bad.any():
            raise DataValidationError(
                f"{message} at {format_rows(summary.index[bad])} of {what}. With discrete "
                "opportunities `frequency` counts the opportunities with a transaction after "
                "the first, `recency` is the last of them (0 if none) and `T` how many there "
                "were: 0 <= frequency <= recency <= T, whole numbers."
            )
    return x, tx, n


def _check_opportunities(t: Any, name: str = "t") -> int:
    require_number(t, name=name)
    if not float(t).is_integer() or t < 0:
        raise DataValidationError(
            f"`{name}` must be a whole number of transaction opportunities >= 0; got {t!r}."
        )
    return int(t)


class BetaGeoBetaBinomModel(_BaseModel):
    """BG/BB model of discrete transaction opportunities (Fader, Hardie & Shang 2010).

    For yearly donations, annual events, renewals: one opportunity per period. While alive a
    customer transacts at each opportunity with probability ``p ~ Beta(alpha, beta)``; at
    the start of each opportunity she drops out for good with probability
    ``theta ~ Beta(gamma, delta)``. Fitted with lifetimes' ``BetaGeoBetaBinomFitter`` on
    compressed rows; predictions use the closed forms in :mod:`._formulas`.

    Parameters
    ----------
    penalizer_coef : float, default 0.0
        L2 penalty on the parameters (lifetimes' ``penalizer_coef``).
    max_iterations : int
        Iterations allowed to the optimiser.
    max_seconds : float
        Time budget of the fit.

    Attributes
    ----------
    params_ : pandas.Series
        ``alpha, beta`` (transaction probability), ``gamma, delta`` (drop-out probability).
    confidence_intervals_ : pandas.DataFrame
        ``estimate, lower, upper`` (95 %, Wald on the log scale).
    log_likelihood_ : float
        Total log-likelihood (FHS 2010 eq. 5).
    time_unit_ : str or None
        The period of one opportunity (``"Y"`` for yearly), when known.
    diagnostics_ : pandas.DataFrame
        The fit's checks (see :meth:`fit_report`).

    References
    ----------
    Fader, P. S., Hardie, B. G. S. & Shang, J. (2010). Customer-base analysis in a
    discrete-time noncontractual setting. Marketing Science 29(6), 1086-1108.

    Examples
    --------
    >>> from retention_lib.clv import load_donations
    >>> model = BetaGeoBetaBinomModel().fit(load_donations(), period="Y")
    >>> model.params_.round(3).tolist()
    [1.204, 0.75, 0.657, 2.783]
    """

    _param_names = ("alpha", "beta", "gamma", "delta")
    _fitter_name = "BetaGeoBetaBinomFitter"
    _label = "BG/BB"
    _shapes = ("alpha", "beta", "gamma", "delta")
    _roles = {"alpha": "rate", "beta": "rate", "gamma": "dropout", "delta": "dropout"}

    def fit(self, summary: pd.DataFrame, *, period: str | None = None) -> BetaGeoBetaBinomModel:
        """Fit to a summary of discrete opportunities.

        Parameters
        ----------
        summary : pandas.DataFrame
            ``frequency, recency, T`` per customer (:func:`retention_lib.discrete_rfm_summary`).
        period : {"D", "W", "M", "Q", "Y"}, optional
            The period of one opportunity (``time_unit_``); default: the summary's.

        Returns
        -------
        self

        Raises
        ------
        DataValidationError
            Missing columns, counts that break ``0 <= frequency <= recency <= T``, or no
            repeat transaction at all.
        FitError
            The optimiser failed or returned non-finite parameters.

        Warns
        -----
        ConvergenceWarning, BoundaryWarning, AssumptionWarning
            A diagnostic check fails (see ``diagnostics_``).
        """
        pen, max_iterations, max_seconds = self._check_settings()
        budget = _mle.Budget(max_seconds)
        x, tx, n = _opportunity_arrays(summary)
        if period is not None and period not in _OPPORTUNITY_PERIODS:
            raise DataValidationError(
                f"`period` must be one of {', '.join(map(repr, _OPPORTUNITY_PERIODS))}; got "
                f"{period!r}."
            )
        if np.all(x == 0):
            raise DataValidationError(
                "`summary` has no repeat transaction (every `frequency` is 0): the BG/BB model "
                "cannot learn how often customers transact. Use more opportunities."
            )
        (ux, utx, un), w, _ = _compress(x, tx, n)
        fitter = lifetimes().BetaGeoBetaBinomFitter(penalizer_coef=pen)
        kwargs = {"weights": w, "maxiter": max_iterations}
        self._run_fitter(fitter, (ux, utx, un), kwargs, budget)
        self.params_ = pd.Series(
            fitter.params_[list(self._param_names)].to_numpy(dtype=float),
            index=list(self._param_names),
            name="value",
        )
        self.n_customers_ = int(w.sum())
        self.n_unique_rows_ = len(w)
        self.time_unit_, self.grain_ = period, None
        params = self.params_.to_numpy()
        self.log_likelihood_ = float(np.sum(w * F.bgbb_log_likelihood(*_four(params), ux, utx, un)))
        f = budget.watch(self._objective(_bgbb_rows, (ux, utx, un), w, 1.0))
        try:
            grad, _ = _diag.gradient_and_hessian(f, np.log(params), hessian=False)
        except _mle.BudgetExceeded:
            raise self._budget_error("checking convergence") from None
        log_cov, min_eig = self._curvature(fitter, float(w.sum()))
        self._set_intervals(log_cov)
        checks = self._fit_checks(
            grad,
            min_eig,
            p_dropped=lambda age: F.bgbb_p_dropped(*_four(params), age),
            unit="transaction opportunities",
            prob_n=lambda t, k: F.bgbb_prob_n(*_four(params), t, k),
            expected=lambda t: F.bgbb_expected(*_four(params), t),
            x=ux,
            T=un,
            w=w,
        )
        self._finish(checks)
        return self

    @classmethod
    def _given_units(cls, time_unit: Any, grain: Any) -> tuple[str | None, str | None]:
        """:meth:`from_params`' ``time_unit`` is the period of one opportunity (any of
        ``D, W, M, Q, Y``, or None); opportunities have no grain."""
        if time_unit is not None and time_unit not in _OPPORTUNITY_PERIODS:
            raise DataValidationError(
                f"`time_unit` must be one of {', '.join(map(repr, _OPPORTUNITY_PERIODS))} (the "
                f"period of one opportunity); got {time_unit!r}."
            )
        if grain is not None:
            raise DataValidationError(
                "`grain` does not apply to the BG/BB model: one opportunity is one period "
                "(`time_unit`)."
            )
        return time_unit, None

    def fit_report(self) -> str:
        """The fit diagnostics in words (see :meth:`BetaGeoModel.fit_report`)."""
        self._check_fitted()
        unit = PERIOD_WORDS.get(self.time_unit_ or "", "opportunities")
        return _diag.describe(
            self._label, self.diagnostics_, customers=self.n_customers_, unit=unit
        )

    def _rows(self, summary: pd.DataFrame, time_unit: str | None = None):
        self._check_period(summary, time_unit)
        x, tx, n = _opportunity_arrays(summary)
        (ux, utx, un), _, inverse = _compress(x, tx, n)
        return ux, utx, un, inverse

    def _check_period(self, summary: pd.DataFrame, time_unit: str | None) -> None:
        """Refuse a summary of opportunities of another period than the model's (given as
        ``time_unit``): a count of opportunities cannot be converted (a year with a donation
        is not 12 months with one)."""
        self._given_units(time_unit, None)
        if time_unit is not None and self.time_unit_ is not None and time_unit != self.time_unit_:
            raise DataValidationError(
                f"`summary` counts opportunities of one {PERIOD_WORDS[time_unit][:-1]} "
                f"({time_unit!r}) but the {self._label} model was fitted on opportunities of one "
                f"{PERIOD_WORDS[self.time_unit_][:-1]} ({self.time_unit_!r}); counts of "
                "opportunities cannot be converted. Build the summary with "
                f"`discrete_rfm_summary(transactions, period={self.time_unit_!r})`."
            )

    def _series(self, values: np.ndarray, summary: pd.DataFrame, name: str) -> pd.Series:
        return pd.Series(np.asarray(values, dtype=float), index=summary.index, name=name)

    def p_alive(self, summary: pd.DataFrame, *, time_unit: str | None = None) -> pd.Series:
        """Probability that each customer is still alive after her last opportunity.

        Parameters
        ----------
        summary : pandas.DataFrame
            ``frequency, recency, T`` in opportunities of the model's period
            (``time_unit_``).
        time_unit : {"D", "W", "M", "Q", "Y"}, optional
            The period of ``summary``'s opportunities, when it does not record it: must be
            the model's (opportunities are never converted).

        Returns
        -------
        pandas.Series
            ``p_alive`` in [0, 1], aligned with ``summary``'s index.
        """
        self._check_fitted()
        ux, utx, un, inverse = self._rows(summary, time_unit)
        values = F.bgbb_p_alive(*_four(self.params_), ux, utx, un)
        return self._series(np.clip(values, 0, 1)[inverse], summary, "p_alive")

    def p_no_purchase(
        self, summary: pd.DataFrame, *, t: int, time_unit: str | None = None
    ) -> pd.Series:
        """Probability that each customer makes no transaction at the next ``t`` opportunities.

        ``P(X(n, n + t) = 0 | frequency, recency, T)``: she has dropped out, or drops out
        before transacting, or stays but does not transact (the churn score, with the same
        contract as :meth:`BetaGeoModel.p_no_purchase`: 1 at ``t = 0``, falling with ``t``
        towards ``1 - p_alive``).

        Parameters
        ----------
        summary : pandas.DataFrame
            ``frequency, recency, T`` (see :meth:`p_alive`).
        t : int
            Opportunities ahead.
        time_unit : {"D", "W", "M", "Q", "Y"}, optional
            As in :meth:`p_alive`.

        Returns
        -------
        pandas.Series
            ``p_no_purchase`` in [0, 1], aligned with ``summary``'s index.
        """
        self._check_fitted()
        t = _check_opportunities(t)
        ux, utx, un, inverse = self._rows(summary, time_unit)
        values = F.bgbb_p_no_purchase(*_four(self.params_), t, ux, utx, un)
        return self._series(np.clip(values, 0, 1)[inverse], summary, "p_no_purchase")

    def expected_purchases(
        self, summary: pd.DataFrame, *, t: int, time_unit: str | None = None
    ) -> pd.Series:
        """Expected transactions of each customer at the next ``t`` opportunities (FHS eq. 13).

        Parameters
        ----------
        summary, time_unit
            As in :meth:`p_alive`.
        t : int
            Number of future opportunities (a whole number >= 0).

        Returns
        -------
        pandas.Series
            ``expected_purchases``, aligned with ``summary``'s index.
        """
        self._check_fitted()
        t = _check_opportunities(t)
        ux, utx, un, inverse = self._rows(summary, time_unit)
        values = F.bgbb_conditional_expected(*_four(self.params_), t, ux, utx, un)
        return self._series(values[inverse], summary, "expected_purchases")

    def expected_purchases_new_customer(self, t: Any) -> Any:
        """E[X(t)]: expected repeat transactions of a new customer over ``t`` opportunities.

        Parameters
        ----------
        t : int or sequence of int
            Number(s) of opportunities (whole numbers >= 0).

        Returns
        -------
        float or pandas.Series
            A float for a scalar ``t``; a Series ``expected_purchases`` indexed by ``t``
            otherwise.
        """
        self._check_fitted()
        params = _four(self.params_)
        return _per_horizon(lambda ts: F.bgbb_expected(*params, ts), t, _check_opportunities)

    def p_n_purchases(self, n: Any, *, t: int) -> Any:
        """P(X(t) = n): probability a new customer transacts at ``n`` of ``t`` opportunities
        (FHS eq. 7).

        Parameters
        ----------
        t : int
            Number of opportunities (a whole number >= 0).
        n : int or array-like of int
            Number(s) of transactions.

        Returns
        -------
        float or pandas.Series
            A float for a scalar ``n``; a Series ``probability`` indexed by ``n`` otherwise.
        """
        self._check_fitted()
        t = _check_opportunities(t)
        params = self.params_.to_numpy()
        return _probabilities(lambda k: F.bgbb_prob_n(*_four(params), t, k), n)


def _bgbb_rows(params, x, tx, n):
    """Per-row BG/BB log-likelihood (the ``loglik_rows`` of :meth:`_objective`)."""
    return F.bgbb_log_likelihood(*params, x, tx, n)


# ---------------------------------------------------------------------------------------------
# JSON loading
# ---------------------------------------------------------------------------------------------

_MODELS = {
    cls.__name__: cls
    for cls in (
        BetaGeoModel,
        ModifiedBetaGeoModel,
        ParetoNBDModel,
        GammaGammaModel,
        BetaGeoBetaBinomModel,
    )
}


def _bad_file(problem: str) -> DataValidationError:
    return DataValidationError(
        f"Not a saved retention-lib model: {problem}. Load a file written by `model.save()` "
        "(or its text or `model.to_dict()`)."
    )


def _read_document(source: Any) -> Any:
    if isinstance(source, dict):
        return source
    if not isinstance(source, (str, Path)):
        raise InputTypeError(
            "`source` must be a path, the JSON text from `model.save()` or the dict from "
            f"`model.to_dict()`; got {type(source).__name__}."
        )
    text = str(source)
    if not text.lstrip().startswith(("{", "[")):
        path = Path(text)
        if not path.exists():
            raise FileNotFoundError(f"No saved model at `{path}`.")
        if path.is_dir():
            raise _bad_file(f"`{path}` is a folder, not a file")
        try:
            text = path.read_bytes().decode("utf-8")
        except UnicodeDecodeError:
            raise _bad_file(f"`{path}` is not a text file (not UTF-8 JSON)") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise _bad_file(f"the text is not JSON ({exc})") from None


def _positive_number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _bad_file(f"{what} must be a number, got {value!r}")
    if not np.isfinite(value) or value <= 0:
        raise _bad_file(f"{what} must be a finite number > 0, got {value!r}")
    return float(value)


def _whole_number(value: Any, what: str, least: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
        raise _bad_file(f"{what} must be a whole number, got {value!r}")
    if value < least:
        raise _bad_file(f"{what} must be at least {least}, got {value!r}")
    return int(value)


def _check_document(doc: Any) -> type[_BaseModel]:
    if not isinstance(doc, dict):
        raise _bad_file(f"expected a JSON object, got a JSON {type(doc).__name__}")
    name = doc.get("model")
    if name not in _MODELS:
        raise DataValidationError(
            f"Unknown model {name!r} in the saved file; expected one of {', '.join(_MODELS)}."
        )
    version = doc.get("format_version", 1)
    if isinstance(version, bool) or version not in range(1, FORMAT_VERSION + 1):
        raise _bad_file(
            f"format version {version!r} is not one this retention-lib reads (1 to "
            f"{FORMAT_VERSION}); it may come from a newer retention-lib"
        )
    cls = _MODELS[name]
    params = doc.get("params")
    if not isinstance(params, dict):
        raise _bad_file(
            f"`params` of the {name} must be an object with {', '.join(cls._param_names)}"
        )
    missing = [k for k in cls._param_names if k not in params]
    if missing:
        raise _bad_file(f"`params` lacks {', '.join(missing)}")
    for key in ("log_likelihood", "n_customers", "n_unique_rows"):
        if key not in doc:
            raise _bad_file(f"`{key}` is missing")
    if issubclass(cls, PurchaseModel) and doc.get("time_unit") not in TIME_UNITS:
        raise _bad_file(
            f"`time_unit` must be one of {', '.join(map(repr, TIME_UNITS))} (the unit the "
            f"model was fitted in), got {doc.get('time_unit')!r}; refit the model with "
            "`fit(summary, time_unit=...)` and save it again"
        )
    if doc.get("grain") not in (None, *TIME_UNITS):
        raise _bad_file(f"`grain` must be one of {', '.join(map(repr, TIME_UNITS))} or null")
    return cls


def load_model(source: str | Path | dict) -> _BaseModel:
    """Rebuild a fitted model from :meth:`save` output (a path, a JSON string or a dict).

    The document is checked first: a retention-lib model of a known format version, every
    parameter a finite number > 0, a time unit for purchase models, settings the model
    accepts. Predictions of the loaded model equal the original's; its ``diagnostics_`` are
    those of the original fit, and their warnings are raised again. The fitted lifetimes
    object is not stored: :class:`ModifiedBetaGeoModel` rebuilds it from the parameters.

    Parameters
    ----------
    source : str, path or dict
        A file written by :meth:`save` (path), the JSON text it returns, or its parsed dict.

    Raises
    ------
    FileNotFoundError
        No file at the path.
    DataValidationError
        Anything else that is not a retention-lib model (a folder, a binary file, not JSON, a
        JSON list, missing or non-numeric, NaN or negative parameters, ...).

    Examples
    --------
    >>> from retention_lib.clv import load_cdnow, rfm_summary
    >>> cal = rfm_summary(load_cdnow(), grain="D", observation_end="1997-09-30")
    >>> model = BetaGeoModel().fit(cal)
    >>> load_model(model.save()).params_.equals(model.params_)
    True
    """
    doc = _read_document(source)
    if isinstance(doc, dict) and doc.get("model") in _CONTRACTUAL_MODELS:
        return _CONTRACTUAL_MODELS[doc["model"]].from_dict(doc)  # type: ignore[return-value]
    cls = _check_document(doc)
    names = list(cls._param_names)
    values = [_positive_number(doc["params"][k], f"parameter `{k}`") for k in names]
    settings = doc.get("settings", {})
    if not isinstance(settings, dict):
        raise _bad_file("`settings` must be an object")
    accepted = [p for p in inspect.signature(cls.__init__).parameters if p != "self"]
    unknown = [k for k in settings if k not in accepted]
    if unknown:
        raise _bad_file(f"unknown setting(s) {', '.join(unknown)} for {cls.__name__}")
    model = cls(**settings)
    try:
        model._check_settings()
    except (TypeError, DataValidationError) as exc:
        raise _bad_file(f"a setting is invalid ({exc})") from None
    model.params_ = pd.Series(values, index=names, name="value")
    log_likelihood = doc["log_likelihood"]
    given = log_likelihood is None  # a model given its parameters, fitted on no data
    if given:
        log_likelihood = float("nan")
    elif isinstance(log_likelihood, bool) or not isinstance(log_likelihood, (int, float)):
        raise _bad_file(f"`log_likelihood` must be a number, got {log_likelihood!r}")
    elif not np.isfinite(log_likelihood):
        raise _bad_file(f"`log_likelihood` must be finite, got {log_likelihood!r}")
    model.log_likelihood_ = float(log_likelihood)
    least = 0 if given else 1
    model.n_customers_ = _whole_number(doc["n_customers"], "`n_customers`", least)
    model.n_unique_rows_ = _whole_number(doc["n_unique_rows"], "`n_unique_rows`", least)
    model.time_unit_ = doc.get("time_unit")
    model.grain_ = doc.get("grain")
    cov = doc.get("log_covariance")
    if cov is not None:
        try:
            cov = np.asarray(cov, dtype=float)
        except (TypeError, ValueError):
            raise _bad_file("`log_covariance` must be a matrix of numbers or null") from None
        if cov.shape != (len(names), len(names)) or not np.all(np.isfinite(cov)):
            raise _bad_file(f"`log_covariance` must be a finite {len(names)}x{len(names)} matrix")
    model._set_intervals(cov)
    if "diagnostics" in doc:
        try:
            model.diagnostics_ = _diag.from_records(doc["diagnostics"])
        except (TypeError, ValueError, KeyError):
            raise _bad_file("`diagnostics` must be the records `save` writes") from None
    else:  # format 1: saved before retention-lib recorded the checks
        model.diagnostics_ = _diag.table([_diag.unrecorded()])
    _diag.emit(model._label, model.diagnostics_, stacklevel=3)
    return model
