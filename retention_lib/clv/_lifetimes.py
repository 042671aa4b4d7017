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


def version() -> str:
    return str(lifetimes().__version__)


def dataset_path(name: str) -> Any:
    """Path of a file shipped in ``lifetimes/datasets`` (without importing it: that module
    needs ``pkg_resources``, gone from setuptools >= 81)."""
    return importlib.resources.files("lifetimes") / "datasets" / name
