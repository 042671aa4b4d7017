"""BG/NBD, MBG/NBD, Pareto/NBD and Gamma-Gamma estimators wrapping lifetimes' fitters.

Each model follows the estimator contract: ``__init__`` stores settings, ``fit(summary)``
validates, learns and returns ``self``; fitted attributes end in ``_``. Fits run lifetimes'
fitters on *compressed sufficient statistics*: customers with identical
(frequency, recency, T) (or (frequency, monetary_value) for Gamma-Gamma) collapse into one
weighted row, as Fader & Hardie do in their spreadsheets. The likelihood is a weighted sum
over rows, so the maximum is exactly that of the uncompressed fit.

Predictions are computed with the closed forms in :mod:`._formulas` on the unique rows and
broadcast back to customers.
"""

from __future__ import annotations

import contextlib
import io
import json
import warnings
from importlib import metadata
from pathlib import Path
from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd

from .._validation import (
    AssumptionWarning,
    ConvergenceWarning,
    DataValidationError,
    NotFittedError,
    RetentionLibError,
    SmallSampleWarning,
    format_rows,
)
from . import _formulas as F
from . import _mle
from ._lifetimes import lifetimes, quiet

__all__ = [
    "BetaGeoModel",
    "FitError",
    "GammaGammaModel",
    "ModifiedBetaGeoModel",
    "ParetoNBDModel",
    "load_model",
]

_Z95 = 1.959963984540054


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
        raise TypeError(
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


def _engine_rows(summary: Any, columns: list[str], repeat_only: bool = False):
    """For a summary held in an engine (``rfm_summary(..., collect=False)``): its distinct
    rows of ``columns`` and how many customers share each (``_customers``), counted by the
    engine, and those counts; ``(summary, None)`` for a pandas summary."""
    if isinstance(summary, pd.DataFrame):
        return summary, None
    from .._backend import collect, to_lazy

    try:
        lf = to_lazy(summary)
    except TypeError:
        return summary, None  # reported by the pandas checks
    if repeat_only:
        lf = lf.filter(nw.col("frequency") > 0)
    rows = collect(lf.group_by(columns).agg(nw.len().alias("_customers")))
    return rows, rows["_customers"].to_numpy(dtype=np.int64)


def _weighted_pearson(a: np.ndarray, b: np.ndarray, w: np.ndarray) -> float:
    """Pearson correlation of ``a`` and ``b`` with each row counted ``w`` times."""
    ma, mb = np.average(a, weights=w), np.average(b, weights=w)
    cov = np.sum(w * (a - ma) * (b - mb))
    return float(cov / np.sqrt(np.sum(w * (a - ma) ** 2) * np.sum(w * (b - mb) ** 2)))


# ---------------------------------------------------------------------------------------------
# base class
# ---------------------------------------------------------------------------------------------


class _BaseModel:
    _param_names: tuple[str, ...] = ()
    _fitter_name: str = ""
    _label: str = ""

    def __init__(self, penalizer_coef: float = 0.0) -> None:
        self.penalizer_coef = penalizer_coef

    # -- contract helpers ------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet. Call 'fit' before "
                "using this method."
            )

    def _check_penalizer(self) -> float:
        try:
            pen = float(self.penalizer_coef)
        except (TypeError, ValueError):
            raise TypeError(
                f"`penalizer_coef` must be a number, got {self.penalizer_coef!r}."
            ) from None
        if not np.isfinite(pen) or pen < 0:
            raise DataValidationError(
                f"`penalizer_coef` must be a finite number >= 0; got {self.penalizer_coef!r}."
            )
        return pen

    def __repr__(self) -> str:
        name = type(self).__name__
        if not hasattr(self, "params_"):
            return f"<retention_lib.{name}: not fitted, penalizer_coef={self.penalizer_coef}>"
        params = ", ".join(f"{k}={v:.4g}" for k, v in self.params_.items())
        return (
            f"<retention_lib.{name}: fitted on {self.n_customers_:,} customers "
            f"({self.n_unique_rows_:,} distinct rows), {params}, "
            f"log-likelihood={self.log_likelihood_:.2f}>"
        )

    # -- fitting through lifetimes -----------------------------------------------------------
    def _run_fitter(self, fitter: Any, args: tuple, kwargs: dict) -> Any:
        out = io.StringIO()  # lifetimes prints the scipy result on failure
        try:
            with quiet(), contextlib.redirect_stdout(out), np.errstate(all="ignore"):
                fitter.fit(*args, **kwargs)
        except Exception as exc:  # lifetimes raises its ConvergenceError or numpy errors
            raise FitError(
                f"The {self._label} fit failed ({type(exc).__name__}: {str(exc).strip()}). "
                "Try a small `penalizer_coef` (e.g. 0.001), a coarser `time_unit` in "
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

    def _set_intervals(self, log_cov: np.ndarray | None) -> None:
        names = list(self._param_names)
        params = self.params_
        if log_cov is None or not np.all(np.isfinite(log_cov)):
            se_log = np.full(len(names), np.nan)
        else:
            with np.errstate(invalid="ignore"):
                se_log = np.sqrt(np.diag(log_cov))
        if not np.all(np.isfinite(se_log)):
            warnings.warn(
                f"The {self._label} Hessian is singular or not positive definite, so the "
                "parameter intervals are NaN: the likelihood is flat in some direction. Try a "
                "small `penalizer_coef` (e.g. 0.001) or more data.",
                ConvergenceWarning,
                stacklevel=3,
            )
        self.log_covariance_ = (
            pd.DataFrame(log_cov, index=names, columns=names) if log_cov is not None else None
        )
        self.standard_errors_ = pd.Series(params.to_numpy() * se_log, index=names, name="se")
        # intervals on the log scale (the fit is in log-parameters): always positive
        self.confidence_intervals_ = pd.DataFrame(
            {
                "estimate": params.to_numpy(),
                "lower": params.to_numpy() * np.exp(-_Z95 * se_log),
                "upper": params.to_numpy() * np.exp(_Z95 * se_log),
            },
            index=pd.Index(names, name="parameter"),
        )

    @staticmethod
    def _log_cov_from_hessian(hessian: np.ndarray, n: float) -> np.ndarray | None:
        """Covariance of the log-parameters from the Hessian of the *mean* NLL."""
        try:
            cov = np.linalg.inv(np.asarray(hessian, dtype=float)) / n
        except np.linalg.LinAlgError:
            return None
        if np.any(np.diag(cov) <= 0):
            return None
        return cov

    def _numeric_log_cov(self, loglik, n: float) -> np.ndarray | None:
        """Covariance of log-parameters from a central-difference Hessian of the total LL."""
        theta = np.log(self.params_.to_numpy(dtype=float))
        k = len(theta)
        h = 1e-4
        H = np.zeros((k, k))
        f0 = loglik(theta)
        for i in range(k):
            for j in range(i, k):
                ei = np.eye(k)[i] * h
                ej = np.eye(k)[j] * h
                if i == j:
                    val = (loglik(theta + ei) - 2 * f0 + loglik(theta - ei)) / h**2
                else:
                    val = (
                        loglik(theta + ei + ej)
                        - loglik(theta + ei - ej)
                        - loglik(theta - ei + ej)
                        + loglik(theta - ei - ej)
                    ) / (4 * h**2)
                H[i, j] = H[j, i] = val
        try:
            cov = np.linalg.inv(-H)
        except np.linalg.LinAlgError:
            return None
        return cov if np.all(np.diag(cov) > 0) else None

    def _warn_boundary(self) -> None:
        params = self.params_
        extreme = [k for k, v in params.items() if v > 1e4 or v < 1e-4]
        if extreme:
            warnings.warn(
                f"The {self._label} fit has parameter(s) {', '.join(extreme)} at an extreme "
                f"value ({', '.join(f'{k}={params[k]:.3g}' for k in extreme)}): the optimiser "
                "may be on a boundary. Try a small `penalizer_coef` (e.g. 0.001) or a "
                "different `time_unit`.",
                ConvergenceWarning,
                stacklevel=3,
            )

    # -- JSON ---------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """Parameters, settings and versions as a JSON-ready dict (see :meth:`save`)."""
        self._check_fitted()
        cov = self.log_covariance_
        return {
            "model": type(self).__name__,
            "settings": {"penalizer_coef": float(self.penalizer_coef)},
            "params": {k: float(v) for k, v in self.params_.items()},
            "log_covariance": None if cov is None else cov.to_numpy().tolist(),
            "log_likelihood": float(self.log_likelihood_),
            "n_customers": int(self.n_customers_),
            "n_unique_rows": int(self.n_unique_rows_),
            "time_unit": getattr(self, "time_unit_", None),
            "versions": _versions(),
        }

    def save(self, path: str | Path | None = None) -> str:
        """Write the fitted model as JSON (no pickle) and return the JSON text.

        Parameters
        ----------
        path : str or Path, optional
            File to write; if omitted only the text is returned.

        Returns
        -------
        str
            The JSON document. Reload it with :func:`load_model`.
        """
        text = json.dumps(self.to_dict(), indent=2)
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text


def _versions() -> dict[str, str]:
    out = {}
    for pkg in ("retention-lib", "lifetimes", "numpy", "scipy", "pandas"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "unknown"
    return out


# ---------------------------------------------------------------------------------------------
# purchase models
# ---------------------------------------------------------------------------------------------


class _PurchaseModel(_BaseModel):
    """Shared fit/predict plumbing of the BG/NBD family and Pareto/NBD."""

    def _fit_kwargs(self) -> dict[str, Any]:
        return {}

    def _start(self, x, tx, T, w, penalizer) -> np.ndarray | None:
        """``initial_params`` for lifetimes' fitter (None: lifetimes' default start)."""
        return None

    def fit(self, summary: pd.DataFrame) -> _PurchaseModel:
        """Fit the model to an RFM summary.

        Parameters
        ----------
        summary : pandas.DataFrame
            Output of :func:`retention_lib.rfm_summary` (columns ``frequency``, ``recency``,
            ``T``; other columns are ignored), or of :func:`calibration_holdout_split` (its
            ``*_cal`` columns are used). The time unit of ``recency``/``T`` is the unit
            of the fitted rates. A summary kept in its engine (``rfm_summary(...,
            collect=False)``) is fitted on its distinct rows, counted there.

        Returns
        -------
        self
            With ``params_`` (Series), ``confidence_intervals_`` (DataFrame with
            ``estimate, lower, upper``; 95 %, on the log scale), ``standard_errors_``,
            ``log_likelihood_`` (total, unpenalised), ``n_customers_`` and
            ``n_unique_rows_``.

        Raises
        ------
        DataValidationError
            Missing columns or values that break the lifetimes conventions.
        FitError
            The optimiser failed or returned non-finite parameters.
        """
        pen = self._check_penalizer()
        summary, counts = _engine_rows(summary, ["frequency", "recency", "T"])
        x, tx, T = _rfm_arrays(summary)
        if np.all(x == 0):
            raise DataValidationError(
                f"`summary` has no repeat buyers (every `frequency` is 0): the {self._label} "
                "model cannot learn a purchase rate. Use a longer observation window."
            )
        (ux, utx, uT), w, inverse = _compress(x, tx, T)
        if counts is not None:  # rows counted by the engine
            w = np.bincount(inverse, weights=counts, minlength=len(w)).astype(np.int64)
        fitter_cls = getattr(lifetimes(), self._fitter_name)
        fitter = fitter_cls(penalizer_coef=pen)
        kwargs = {"weights": w, **self._fit_kwargs()}
        start = self._start(ux, utx, uT, w, pen)
        if start is not None:
            kwargs["initial_params"] = start
        self._run_fitter(fitter, (ux.astype(int), utx, uT), kwargs)
        self.params_ = pd.Series(
            fitter.params_[list(self._param_names)].to_numpy(dtype=float),
            index=list(self._param_names),
            name="value",
        )
        self._fitter = fitter
        self.n_customers_ = int(w.sum())
        self.n_unique_rows_ = len(w)
        self.time_unit_ = summary.attrs.get("time_unit")
        self.log_likelihood_ = float(np.sum(w * self._loglik_rows(self.params_, ux, utx, uT)))
        if not np.isfinite(self.log_likelihood_):
            raise FitError(
                f"The {self._label} log-likelihood at the fitted parameters is not finite. Try a "
                "small `penalizer_coef` (e.g. 0.001) or a coarser `time_unit`."
            )
        self._set_intervals(self._fitted_log_cov(fitter, (ux, utx, uT), w))
        self._warn_boundary()
        return self

    def _fitted_log_cov(self, fitter, data, w) -> np.ndarray | None:
        return self._log_cov_from_hessian(fitter._hessian_, w.sum())

    def _loglik_rows(self, params, x, tx, T) -> np.ndarray:
        raise NotImplementedError

    # -- predictions ---------------------------------------------------------------------------
    def _unique(self, summary: pd.DataFrame):
        x, tx, T = _rfm_arrays(summary)
        (ux, utx, uT), _, inverse = _compress(x, tx, T)
        return ux, utx, uT, inverse

    def _series(self, values: np.ndarray, summary: pd.DataFrame, name: str) -> pd.Series:
        values = np.asarray(values, dtype=float)
        bad = ~np.isfinite(values)
        if bad.any():
            raise FitError(
                f"The {self._label} `{name}` is not finite for {int(bad.sum())} customer(s) at "
                f"{format_rows(summary.index[bad])}. Use `BetaGeoModel` or "
                "`ParetoNBDModel` (computed stably), or a coarser `time_unit`."
            )
        return pd.Series(values, index=summary.index, name=name)

    def predict_purchases(self, summary: pd.DataFrame, t: float) -> pd.Series:
        """Expected number of repeat purchases in the next ``t`` time units.

        Parameters
        ----------
        summary : pandas.DataFrame
            Customers' ``frequency``, ``recency``, ``T`` (same time unit as the fit).
        t : float
            Horizon, in the summary's time unit.

        Returns
        -------
        pandas.Series
            ``expected_purchases``, aligned with ``summary``'s index.
        """
        self._check_fitted()
        t = _check_horizon(t)
        ux, utx, uT, inverse = self._unique(summary)
        values = self._conditional_expected(t, ux, utx, uT)
        return self._series(values[inverse], summary, "expected_purchases")

    def p_alive(self, summary: pd.DataFrame) -> pd.Series:
        """Probability that each customer is still active at the end of observation.

        Returns
        -------
        pandas.Series
            ``p_alive`` in [0, 1], aligned with ``summary``'s index.
        """
        self._check_fitted()
        ux, utx, uT, inverse = self._unique(summary)
        return self._series(self._p_alive(ux, utx, uT)[inverse], summary, "p_alive")

    def expected_purchases_new_customer(self, t: Any) -> np.ndarray:
        """E[X(t)]: expected repeat purchases of a new customer within ``t`` of their first."""
        self._check_fitted()
        return np.asarray(self._expected(np.asarray(t, dtype=float)), dtype=float)

    def discounted_purchases(
        self, summary: pd.DataFrame, *, periods: int, period_length: float, discount_rate: float
    ) -> pd.Series:
        """Sum over the next ``periods`` periods of expected purchases in each period
        discounted by ``(1 + discount_rate) ** k`` (the CLV cash-flow weights of lifetimes'
        ``customer_lifetime_value``)."""
        self._check_fitted()
        ux, utx, uT, inverse = self._unique(summary)
        total = np.zeros(len(ux))
        previous = np.zeros(len(ux))
        for k in range(1, periods + 1):
            cumulative = self._conditional_expected(k * period_length, ux, utx, uT)
            total += (cumulative - previous) / (1 + discount_rate) ** k
            previous = cumulative
        return self._series(total[inverse], summary, "discounted_purchases")


def _check_horizon(t: Any) -> float:
    try:
        value = float(t)
    except (TypeError, ValueError):
        raise TypeError(f"`t` must be a number of time units, got {t!r}.") from None
    if not np.isfinite(value) or value < 0:
        raise DataValidationError(f"`t` must be a finite number >= 0; got {t!r}.")
    return value


class BetaGeoModel(_PurchaseModel):
    """BG/NBD model of repeat purchasing (Fader, Hardie & Lee 2005).

    While alive a customer buys at rate ``lambda ~ Gamma(r, alpha)``; after each repeat
    purchase they drop out with probability ``p ~ Beta(a, b)``.

    Parameters
    ----------
    penalizer_coef : float, default 0.0
        L2 penalty on the parameters (lifetimes' ``penalizer_coef``); a small value such as
        0.001 stabilises fits on sparse data.

    Attributes
    ----------
    params_ : pandas.Series
        ``r, alpha, a, b`` (``alpha`` in the summary's time unit).
    confidence_intervals_ : pandas.DataFrame
        ``estimate, lower, upper`` (95 %, Wald on the log scale).
    log_likelihood_ : float
        Total log-likelihood (FHL 2005 eq. 6) at ``params_``.

    Examples
    --------
    >>> from retention_lib.clv import load_cdnow, rfm_summary
    >>> cal = rfm_summary(load_cdnow(), time_unit="W", grain="D",
    ...                   observation_end="1997-09-30", count_zero_amounts=True)
    >>> model = BetaGeoModel().fit(cal)
    >>> model.params_.round(3).tolist()
    [0.243, 4.414, 0.793, 2.426]

    References
    ----------
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your customers" the easy
    way: an alternative to the Pareto/NBD model. Marketing Science 24(2), 275-284.
    """

    _param_names = ("r", "alpha", "a", "b")
    _fitter_name = "BetaGeoFitter"
    _label = "BG/NBD"

    def _start(self, x, tx, T, w, penalizer):
        # lifetimes fits in time scaled by 1 / max(T) (lifetimes.utils._scale_time); its
        # optimiser then starts at the optimum and only confirms it
        scale = 1.0 / T.max()
        return _mle.bgnbd_start(x, tx * scale, T * scale, w, penalizer)

    def _loglik_rows(self, params, x, tx, T):
        return F.bgnbd_log_likelihood(*params.to_numpy(), x, tx, T)

    def _conditional_expected(self, t, x, tx, T):
        return F.bgnbd_conditional_expected(*self.params_.to_numpy(), t, x, tx, T)

    def _p_alive(self, x, tx, T):
        return F.bgnbd_p_alive(*self.params_.to_numpy(), x, tx, T)

    def _expected(self, t):
        return F.bgnbd_expected(*self.params_.to_numpy(), t)

    def prob_n_purchases(self, t: float, n: Any) -> Any:
        """P(X(t) = n): probability a new customer makes ``n`` repeat purchases within ``t``
        (FHL 2005 eq. 8).

        Parameters
        ----------
        t : float
            Time since the first purchase, in the summary's time unit.
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
        if np.ndim(n) == 0:
            return float(F.bgnbd_prob_n(*params, t, _check_count(n)))
        ns = [_check_count(k) for k in n]
        values = [float(F.bgnbd_prob_n(*params, t, k)) for k in ns]
        return pd.Series(values, index=pd.Index(ns, name="n"), name="probability")


def _check_count(n: Any) -> int:
    if isinstance(n, bool) or not float(n).is_integer() or n < 0:
        raise DataValidationError(f"`n` must be a whole number >= 0; got {n!r}.")
    return int(n)


class ModifiedBetaGeoModel(_PurchaseModel):
    """MBG/NBD model (Batislam, Denizel & Filiztekin 2007): as BG/NBD, but customers may also
    drop out right after their first purchase.

    Predictions use lifetimes' formulas; where they are not finite (very heavy buyers) a
    :class:`FitError` names the customers, and :class:`BetaGeoModel` or
    :class:`ParetoNBDModel` (computed stably) are the remedy.

    Parameters
    ----------
    penalizer_coef : float, default 0.0
        L2 penalty on the parameters.

    References
    ----------
    Batislam, E. P., Denizel, M. & Filiztekin, A. (2007). Empirical validation and comparison
    of models for customer base analysis. IJRM 24(3), 201-209.
    """

    _param_names = ("r", "alpha", "a", "b")
    _fitter_name = "ModifiedBetaGeoFitter"
    _label = "MBG/NBD"

    def _loglik_rows(self, params, x, tx, T):
        return F.mbgnbd_log_likelihood(*params.to_numpy(), x, tx, T)

    def _with_fitter(self, method: str, *args):
        with quiet(), np.errstate(all="ignore"):
            return np.asarray(getattr(self._fitter, method)(*args), dtype=float)

    def _conditional_expected(self, t, x, tx, T):
        return self._with_fitter("conditional_expected_number_of_purchases_up_to_time", t, x, tx, T)

    def _p_alive(self, x, tx, T):
        return self._with_fitter("conditional_probability_alive", x, tx, T)

    def _expected(self, t):
        return self._with_fitter("expected_number_of_purchases_up_to_time", t)


class ParetoNBDModel(_PurchaseModel):
    """Pareto/NBD model (Schmittlein, Morrison & Colombo 1987): purchases at rate
    ``lambda ~ Gamma(r, alpha)`` until an exponential lifetime with ``mu ~ Gamma(s, beta)``.

    Fitted with lifetimes' ``ParetoNBDFitter`` (Nelder-Mead, tightened tolerance);
    predictions and the log-likelihood use a quadrature form of the A_0 term that stays
    finite where lifetimes' hypergeometric form returns NaN (heavy buyers, recency == T).
    Intervals come from a numerical Hessian.

    Parameters
    ----------
    penalizer_coef : float, default 0.0
        L2 penalty on the parameters.

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

    def _fit_kwargs(self) -> dict[str, Any]:
        return {"initial_params": np.ones(4), "tol": 1e-10, "maxiter": 20_000}

    def _fitted_log_cov(self, fitter, data, w):
        x, tx, T = data

        def loglik(theta):
            return float(np.sum(w * F.pnbd_log_likelihood(*np.exp(theta), x, tx, T)))

        return self._numeric_log_cov(loglik, w.sum())

    def _loglik_rows(self, params, x, tx, T):
        return F.pnbd_log_likelihood(*params.to_numpy(), x, tx, T)

    def _conditional_expected(self, t, x, tx, T):
        return F.pnbd_conditional_expected(*self.params_.to_numpy(), t, x, tx, T)

    def _p_alive(self, x, tx, T):
        return F.pnbd_p_alive(*self.params_.to_numpy(), x, tx, T)

    def _expected(self, t):
        return F.pnbd_expected(*self.params_.to_numpy(), t)


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

    Attributes
    ----------
    params_ : pandas.Series
        ``p, q, v`` (``v`` is Fader & Hardie's gamma, in currency units).
    confidence_intervals_ : pandas.DataFrame
        ``estimate, lower, upper`` (95 %, Wald on the log scale).
    frequency_spend_correlation_ : float
        Pearson correlation of ``frequency`` and ``monetary_value`` among repeat buyers.

    Examples
    --------
    >>> from retention_lib.clv import load_cdnow, rfm_summary
    >>> cal = rfm_summary(load_cdnow(), time_unit="W", grain="D",
    ...                   observation_end="1997-09-30", count_zero_amounts=True)
    >>> GammaGammaModel().fit(cal).params_.round(2).tolist()
    [6.25, 3.74, 15.44]

    References
    ----------
    Fader, P. S. & Hardie, B. G. S. (2013). The Gamma-Gamma model of monetary value.
    http://brucehardie.com/notes/025/
    """

    _param_names = ("p", "q", "v")
    _fitter_name = "GammaGammaFitter"
    _label = "Gamma-Gamma"

    def __init__(self, penalizer_coef: float = 0.0, correlation_threshold: float = 0.3) -> None:
        self.penalizer_coef = penalizer_coef
        self.correlation_threshold = correlation_threshold

    @staticmethod
    def _spend_arrays(summary: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if not isinstance(summary, pd.DataFrame):
            raise TypeError(
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
            The optimiser failed or returned non-finite parameters.
        """
        pen = self._check_penalizer()
        summary, counts = _engine_rows(summary, ["frequency", "monetary_value"], True)
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
        if n_repeat < 50:
            warnings.warn(
                f"Only {n_repeat} repeat buyers: Gamma-Gamma estimates will be very uncertain. "
                "Use a longer observation window or pool groups.",
                SmallSampleWarning,
                stacklevel=2,
            )
        if n_repeat <= 2 or np.std(xr) == 0:
            corr = 0.0
        elif counts is None:
            corr = float(np.corrcoef(xr, mr)[0, 1])
        else:
            corr = _weighted_pearson(xr, mr, counts[rep])
        self.frequency_spend_correlation_ = corr
        if abs(corr) > self.correlation_threshold:
            warnings.warn(
                f"`frequency` and `monetary_value` are correlated among repeat buyers "
                f"(Pearson r = {corr:.2f} > {self.correlation_threshold}): the Gamma-Gamma "
                "independence assumption looks violated, so expected spend may be biased. "
                "Consider segmenting customers (e.g. by region or tier) and fitting per segment.",
                AssumptionWarning,
                stacklevel=2,
            )
        (ux, um), w, inverse = _compress(xr, mr)
        if counts is not None:  # rows counted by the engine
            w = np.bincount(inverse, weights=counts[rep], minlength=len(w)).astype(np.int64)
        fitter = lifetimes().GammaGammaFitter(penalizer_coef=pen)
        kwargs: dict[str, Any] = {"weights": w}
        start = _mle.gamma_gamma_start(ux, um, w, pen)
        if start is not None:  # lifetimes' optimiser then only confirms the optimum
            kwargs["initial_params"] = start
        self._run_fitter(fitter, (ux, um), kwargs)
        self.params_ = pd.Series(
            fitter.params_[["p", "q", "v"]].to_numpy(dtype=float),
            index=["p", "q", "v"],
            name="value",
        )
        self._fitter = fitter
        self.n_customers_ = int(w.sum())
        self.n_unique_rows_ = len(w)
        self.time_unit_ = summary.attrs.get("time_unit")
        self.log_likelihood_ = float(np.sum(w * F.gg_log_likelihood(*self.params_, ux, um)))
        self._set_intervals(self._log_cov_from_hessian(fitter._hessian_, w.sum()))
        self._warn_boundary()
        if self.params_["q"] <= 1:
            warnings.warn(
                f"Gamma-Gamma q = {self.params_['q']:.3f} <= 1: the population mean spend "
                "p v / (q - 1) is undefined, so expected spend is unreliable. Remove extreme "
                "order values or use a penalizer.",
                AssumptionWarning,
                stacklevel=2,
            )
        return self

    def expected_spend(self, summary: pd.DataFrame) -> pd.Series:
        """Expected average transaction value of each customer (note 025 eq. 5).

        Customers without repeat purchases get the population mean ``p v / (q - 1)``.

        Returns
        -------
        pandas.Series
            ``expected_spend``, aligned with ``summary``'s index.
        """
        self._check_fitted()
        x, m, _ = self._spend_arrays(summary)
        values = F.gg_expected_spend(*self.params_.to_numpy(), x, np.where(x > 0, m, 0.0))
        return pd.Series(values, index=summary.index, name="expected_spend")

    @property
    def population_mean_spend(self) -> float:
        """Mean transaction value of a new customer, ``p v / (q - 1)``."""
        self._check_fitted()
        p, q, v = self.params_
        return float(p * v / (q - 1)) if q > 1 else float("nan")


# ---------------------------------------------------------------------------------------------
# JSON loading
# ---------------------------------------------------------------------------------------------

_MODELS = {
    cls.__name__: cls
    for cls in (BetaGeoModel, ModifiedBetaGeoModel, ParetoNBDModel, GammaGammaModel)
}


def load_model(source: str | Path | dict) -> _BaseModel:
    """Rebuild a fitted model from :meth:`save` output (a path, a JSON string or a dict).

    Predictions of the loaded model equal the original's; the fitted lifetimes object is not
    stored, so :class:`ModifiedBetaGeoModel` predictions refit nothing but rebuild it from the
    parameters.

    Examples
    --------
    >>> from retention_lib.clv import load_cdnow, rfm_summary
    >>> cal = rfm_summary(load_cdnow(), grain="D", observation_end="1997-09-30")
    >>> model = BetaGeoModel().fit(cal)
    >>> load_model(model.save()).params_.equals(model.params_)
    True
    """
    if isinstance(source, dict):
        doc = source
    else:
        text = str(source)
        if not text.lstrip().startswith("{"):
            path = Path(text)
            if not path.exists():
                raise FileNotFoundError(f"No saved model at `{path}`.")
            text = path.read_text(encoding="utf-8")
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DataValidationError(f"Not a saved retention_lib model: {exc}.") from None
    name = doc.get("model")
    if name not in _MODELS:
        raise DataValidationError(
            f"Unknown model {name!r} in the saved file; expected one of {', '.join(_MODELS)}."
        )
    cls = _MODELS[name]
    model = cls(**doc.get("settings", {}))
    names = list(cls._param_names)
    model.params_ = pd.Series([float(doc["params"][k]) for k in names], index=names, name="value")
    model.log_likelihood_ = float(doc["log_likelihood"])
    model.n_customers_ = int(doc["n_customers"])
    model.n_unique_rows_ = int(doc["n_unique_rows"])
    model.time_unit_ = doc.get("time_unit")
    cov = doc.get("log_covariance")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model._set_intervals(None if cov is None else np.asarray(cov, dtype=float))
    if cls is ModifiedBetaGeoModel:
        fitter = lifetimes().ModifiedBetaGeoFitter()
        fitter.params_ = model.params_.copy()
        model._fitter = fitter
    return model
