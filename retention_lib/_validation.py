"""Errors, warnings and boundary checks shared by every module.

Every message names the argument or column in backticks, says what was
expected, shows what was found (with a few offending row ids) and suggests
the fix.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd


class RetentionLibError(Exception):
    """Base class of every error raised by retention_lib."""


class DataValidationError(RetentionLibError, ValueError):
    """Input data does not meet what a function needs."""


class DataPathError(RetentionLibError, FileNotFoundError):
    """The data path does not lead to a readable file (missing, a folder, no permission)."""


class NotFittedError(RetentionLibError, ValueError, AttributeError):
    """A model was used before ``fit`` was called."""


class RetentionLibWarning(UserWarning):
    """Base class of retention_lib's statistical caveats."""


class SmallSampleWarning(RetentionLibWarning):
    """A cohort, segment or sample is too small for a stable estimate."""


class ConvergenceWarning(RetentionLibWarning):
    """An optimiser did not converge or sits on a boundary."""


class BoundaryWarning(ConvergenceWarning):
    """A fitted parameter sits at the edge of its range or is not identified by the data
    (a shape near 0, a 95 % interval spanning orders of magnitude, a Hessian that is not
    positive definite): conclusions resting on it hold only as bounds."""


class AssumptionWarning(RetentionLibWarning):
    """A model assumption looks violated by the data."""


def format_rows(rows: Iterable[Any], limit: int = 5) -> str:
    """Show a few offending row labels: ``rows 3, 17, 42 (and 12 more)``."""
    rows = list(rows)
    shown = ", ".join(str(r) for r in rows[:limit])
    more = f" (and {len(rows) - limit} more)" if len(rows) > limit else ""
    word = "row" if len(rows) == 1 else "rows"
    return f"{word} {shown}{more}"


def require_columns(
    df: pd.DataFrame, columns: Sequence[str], *, what: str = "`transactions`", fix: str = ""
) -> None:
    """Raise if any of ``columns`` is missing from ``df``."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        names = ", ".join(f"`{c}`" for c in missing)
        found = ", ".join(f"`{c}`" for c in list(df.columns)[:12])
        hint = fix or (
            "Load the data with `retention_lib.load_transactions`, which maps your "
            "column names to the canonical schema."
        )
        raise DataValidationError(
            f"{what} is missing column(s) {names}. Found columns: {found}. {hint}"
        )


def require_frame(obj: Any, *, name: str = "transactions") -> pd.DataFrame:
    """Raise ``TypeError`` unless ``obj`` is a pandas DataFrame."""
    if not isinstance(obj, pd.DataFrame):
        raise TypeError(
            f"`{name}` must be a pandas DataFrame, got {type(obj).__name__}. "
            "Convert it first (e.g. `polars_df.to_pandas()`) or load it with "
            "`retention_lib.load_transactions`."
        )
    return obj


def require_nonempty(df: pd.DataFrame, *, name: str = "transactions") -> None:
    if len(df) == 0:
        raise DataValidationError(
            f"`{name}` has no rows. Check the file path and any filters applied before this call."
        )


def require_finite(
    values: pd.Series, *, column: str, fix: str = "", allow_nan: bool = False
) -> None:
    """Raise if ``values`` holds NaN or infinite entries, naming the rows."""
    arr = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(arr)
    if allow_nan:
        bad &= ~np.isnan(arr)
    if bad.any():
        rows = values.index[bad]
        raise DataValidationError(
            f"Column `{column}` has {int(bad.sum())} missing or non-finite value(s) at "
            f"{format_rows(rows)}. {fix or 'Drop or fill these rows before calling.'}"
        )


def require_in_range(
    value: float,
    *,
    name: str,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
) -> float:
    """Check a scalar argument lies in [low, high] (bounds optional)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"`{name}` must be a number, got {value!r}.") from None
    ok = np.isfinite(v)
    if low is not None:
        ok &= v >= low if low_inclusive else v > low
    if high is not None:
        ok &= v <= high if high_inclusive else v < high
    if not ok:
        lo = "-inf" if low is None else ("[" if low_inclusive else "(") + str(low)
        hi = "inf" if high is None else str(high) + ("]" if high_inclusive else ")")
        raise DataValidationError(f"`{name}` must be in {lo}, {hi}; got {value!r}.")
    return v


def require_choice(value: Any, choices: Sequence[Any], *, name: str) -> Any:
    if value not in choices:
        opts = ", ".join(repr(c) for c in choices)
        raise DataValidationError(f"`{name}` must be one of {opts}; got {value!r}.")
    return value
