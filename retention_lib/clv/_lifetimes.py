"""The one place retention-lib imports lifetimes.

lifetimes changes global state on import (``pd.options.mode.chained_assignment = None`` and a
process-wide ``warnings.simplefilter('ignore', FutureWarning)``) and its fitters reset the
FutureWarning filter on every likelihood call. The import is lazy (it costs about a second),
and both the import and every call into lifetimes run inside :func:`quiet`, which restores
the warning filters and pandas options afterwards.
"""

from __future__ import annotations

import contextlib
import importlib.resources
import warnings
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd

_MODULE: ModuleType | None = None


def _get_option(name: str) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return pd.get_option(name)
        except (KeyError, pd.errors.OptionError):
            return None


def _set_option(name: str, value: Any) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with contextlib.suppress(KeyError, pd.errors.OptionError):
            pd.set_option(name, value)


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Run lifetimes code without letting it change warning filters or pandas options."""
    saved = _get_option("mode.chained_assignment")
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="lifetimes")
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="autograd")
        warnings.filterwarnings("ignore", category=FutureWarning, module="lifetimes")
        try:
            yield
        finally:
            if _get_option("mode.chained_assignment") != saved:
                _set_option("mode.chained_assignment", saved)


def lifetimes() -> ModuleType:
    """Import lifetimes once (lazily), without leaking its global side effects."""
    global _MODULE
    if _MODULE is None:
        with quiet():
            import lifetimes as lt
            import lifetimes.utils  # noqa: F401  (sets the pandas option we restore)
        _MODULE = lt
    return _MODULE


def log_covariance(fitter: Any, names: list[str], n: float) -> tuple[np.ndarray, float]:
    """Covariance of the log-parameters of a fitted lifetimes fitter, and the smallest
    eigenvalue of the Hessian of its mean negative log-likelihood, from lifetimes' public
    ``variance_matrix_`` (no private ``_hessian_``).

    lifetimes fits in log-parameters and sets ``variance_matrix_[i, j] = params_[j] ** 2 *
    inv(H)[i, j] / n`` (``H`` the autograd Hessian of the mean penalised negative
    log-likelihood, ``n`` the total weight): its delta method is right on the diagonal only
    (the off-diagonal should be ``params_[i] * params_[j]``). Dividing column ``j`` by
    ``params_[j] ** 2`` recovers ``inv(H) / n``, the covariance of the log-parameters, exactly;
    the eigenvalues of ``H`` are the reciprocals of those of ``n`` times it (the largest of
    ``inv(H)`` is accurate, so the smallest of ``H`` is too). This is the one place the
    curvature of a lifetimes fit is read; the Pareto/NBD fit, which is retention-lib's own
    (see ``ParetoNBDModel``), takes central differences of its analytic gradient instead.

    Parameters
    ----------
    fitter : lifetimes fitter
        Fitted (its ``params_`` and ``variance_matrix_`` set).
    names : list of str
        Parameter names, in the order of the returned matrix.
    n : float
        Total weight of the fitted rows (lifetimes' ``data["weights"].sum()``).

    Returns
    -------
    (numpy.ndarray, float)
        ``inv(H) / n`` and the smallest eigenvalue of ``H`` (NaN when not finite).
    """
    params = fitter.params_[names].to_numpy(dtype=float)
    variance = fitter.variance_matrix_.loc[names, names].to_numpy(dtype=float)
    log_cov = variance / params[None, :] ** 2
    if not np.all(np.isfinite(log_cov)):
        return log_cov, float("nan")
    with np.errstate(divide="ignore"):
        inverse_eigenvalues = 1.0 / np.linalg.eigvalsh(n * (log_cov + log_cov.T) / 2)
    return log_cov, float(np.min(inverse_eigenvalues))


def version() -> str:
    return str(lifetimes().__version__)


def dataset_path(name: str) -> Any:
    """Path of a file shipped in ``lifetimes/datasets`` (without importing it: that module
    needs ``pkg_resources``, gone from setuptools >= 81)."""
    return importlib.resources.files("lifetimes") / "datasets" / name
