"""Errors, warnings and boundary checks shared by every module.

Every message names the argument or column in backticks, says what was
expected, shows what was found (with a few offending row ids) and suggests
the fix.
"""

from __future__ import annotations

import datetime as _dt
import numbers
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal, overload

import numpy as np
import pandas as pd


class RetentionLibError(Exception):
    """Base class of every error raised by retention_lib."""


class DataValidationError(RetentionLibError, ValueError):
    """Input data does not meet what a function needs (a bad value)."""


class InputTypeError(RetentionLibError, TypeError):
    """An argument or a column has the wrong type (a list where a frame is expected, a str
    where a sequence is expected, text where dates are expected, ...)."""


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


#: Label of the explicit group of rows whose group column is missing (never dropped silently).
MISSING_GROUP = "(missing)"


def _type_name(value: Any) -> str:
    return "None" if value is None else type(value).__name__


def _shown(value: Any) -> str:
    """``'POST'`` for a str, the type name for anything long or opaque."""
    if isinstance(value, str | bytes | numbers.Number) or value is None:
        text = repr(value)
        return text if len(text) <= 60 else text[:57] + "..."
    return f"a {type(value).__name__}"


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


def require_unique_columns(frame: pd.DataFrame, *, name: str = "transactions") -> None:
    """No column name appears twice (``tx["amount"]`` would be a frame, not a column)."""
    twice = frame.columns[frame.columns.duplicated()].unique()
    if len(twice):
        names = ", ".join(f"`{c}`" for c in twice)
        raise DataValidationError(
            f"`{name}` has more than one column named {names}. Keep one, e.g. "
            f"`{name}.loc[:, ~{name}.columns.duplicated()]`, or rename the others."
        )


def require_one_row_per_customer(
    frame: pd.DataFrame, *, name: str, fix: str = "Keep one row per customer."
) -> None:
    """Each ``customer_id`` of ``frame`` stands in one row (the ids listed twice named)."""
    dup = frame["customer_id"].duplicated()
    if dup.any():
        ids = format_rows(frame.loc[dup, "customer_id"]).split(" ", 1)[1]
        raise DataValidationError(f"`{name}` lists customers more than once ({ids}). {fix}")


def require_frame(
    obj: Any, *, name: str = "transactions", producer: str | None = None
) -> pd.DataFrame:
    """Raise :class:`InputTypeError` unless ``obj`` is a pandas DataFrame.

    ``producer`` names the retention_lib function whose output is expected.
    """
    if not isinstance(obj, pd.DataFrame):
        hint = (
            f"Pass the output of `retention_lib.{producer}`."
            if producer
            else "Convert it first (e.g. `polars_df.to_pandas()`) or load it with "
            "`retention_lib.load_transactions`."
        )
        raise InputTypeError(f"`{name}` must be a pandas DataFrame, got {_type_name(obj)}. {hint}")
    require_unique_columns(obj, name=name)
    return obj


def require_frame_columns(
    obj: Any, columns: Sequence[str], *, name: str, producer: str
) -> pd.DataFrame:
    """A DataFrame with ``columns``, e.g. the output of ``producer`` (named in the fix)."""
    require_frame(obj, name=name, producer=producer)
    require_columns(
        obj, columns, what=f"`{name}`", fix=f"Pass the output of `retention_lib.{producer}`."
    )
    return obj


def require_numeric_column(frame: pd.DataFrame, column: str) -> None:
    """Column ``column`` holds numbers (not text, not bools)."""
    values = frame[column]
    if not pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
        raise InputTypeError(
            f"Column `{column}` must be numeric, got {values.dtype}. Load the data with "
            "`retention_lib.load_transactions`, which parses numbers and names bad rows."
        )


def require_transactions(
    frame: Any,
    *,
    name: str = "transactions",
    columns: Sequence[str] = ("customer_id", "timestamp", "amount"),
) -> pd.DataFrame:
    """A pandas transaction log: a DataFrame with ``columns``, at least one row, datetimes in
    ``timestamp``, numbers in ``amount``, and no missing value in ``columns`` (rows named)."""
    require_frame(frame, name=name)
    require_columns(frame, list(columns), what=f"`{name}`")
    if len(frame) == 0:
        raise DataValidationError(
            f"`{name}` has no rows. Check the file path and any filters applied before this call."
        )
    if "timestamp" in columns and not pd.api.types.is_datetime64_any_dtype(frame["timestamp"]):
        raise InputTypeError(
            f"Column `timestamp` must hold datetimes, got {frame['timestamp'].dtype}. Parse it "
            "with `pd.to_datetime` or load the data with `retention_lib.load_transactions`."
        )
    if "amount" in columns:
        require_numeric_column(frame, "amount")
        infinite = np.isinf(frame["amount"].to_numpy(dtype=float, na_value=np.nan))
        if infinite.any():
            raise DataValidationError(
                f"Column `amount` has {int(infinite.sum())} infinite value(s) at "
                f"{format_rows(frame.index[infinite])}: an overflow of `quantity` x `unit_price` "
                "or a division by zero upstream. Fix or drop those rows."
            )
    for col in columns:
        gap = frame[col].isna().to_numpy()
        if gap.any():
            raise DataValidationError(
                f"Column `{col}` has {int(gap.sum())} missing value(s) at "
                f"{format_rows(frame.index[gap])}; a missing value is never guessed. Drop or fix "
                "these rows (`retention_lib.clean_transactions` drops rows without a customer)."
            )
    return frame


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


def _interval(low: float | None, high: float | None, low_inc: bool, high_inc: bool) -> str:
    lo = "(-inf" if low is None else ("[" if low_inc else "(") + f"{low:g}"
    hi = "inf)" if high is None else f"{high:g}" + ("]" if high_inc else ")")
    return f"{lo}, {hi}"


def require_number(value: Any, *, name: str) -> float:
    """A real number (numpy scalars included); bools, text and None are refused."""
    if isinstance(value, bool | np.bool_ | str | bytes) or not isinstance(
        value, numbers.Real | np.number
    ):
        raise InputTypeError(f"`{name}` must be a number, got {_shown(value)}.")
    return float(value)


def require_in_range(
    value: Any,
    *,
    name: str,
    low: float | None = None,
    high: float | None = None,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
    fix: str = "",
) -> float:
    """Check a scalar argument is a finite number in [low, high] (bounds optional)."""
    v = require_number(value, name=name)
    ok = np.isfinite(v)
    if low is not None:
        ok &= v >= low if low_inclusive else v > low
    if high is not None:
        ok &= v <= high if high_inclusive else v < high
    if not ok:
        interval = _interval(low, high, low_inclusive, high_inclusive)
        raise DataValidationError(
            f"`{name}` must be in {interval}; got {value!r}." + (f" {fix}" if fix else "")
        )
    return v


def require_whole_number(
    value: Any, *, name: str, low: int | None = None, high: int | None = None, unit: str = ""
) -> int:
    """A whole number (``3``, ``np.int64(3)``, ``3.0``) in [low, high], e.g. of ``unit``s."""
    what = f"a whole number of {unit}" if unit else "a whole number"
    if isinstance(value, bool | np.bool_ | str | bytes) or not isinstance(
        value, numbers.Real | np.number
    ):
        raise InputTypeError(f"`{name}` must be {what}, got {_shown(value)}.")
    if not float(value).is_integer():
        raise DataValidationError(f"`{name}` must be {what}; got {value!r}.")
    return int(require_in_range(value, name=name, low=low, high=high))


def require_numbers(values: Any, *, name: str) -> np.ndarray:
    """Numbers (a scalar, a sequence, a Series or an array) as a flat float array.

    Text, bools, None and mappings are refused rather than converted (``np.asarray("123",
    float)`` would be 123.0, a bool list 1s and 0s)."""
    if values is None or isinstance(values, str | bytes | Mapping):
        raise InputTypeError(
            f"`{name}` must be numbers (a number, a list, a Series or an array), got "
            f"{_shown(values)}."
        )
    arr = np.asarray(values)
    if arr.dtype.kind == "O" and all(
        v is None
        or (isinstance(v, numbers.Real | np.number) and not isinstance(v, bool | np.bool_))
        for v in arr.ravel()
    ):
        arr = arr.astype("float64")  # numbers (and None) held as objects
    if arr.dtype.kind not in "iuf":
        kind = {"b": "bools", "U": "text", "S": "text", "O": "objects"}.get(arr.dtype.kind, "")
        raise InputTypeError(
            f"`{name}` must be numbers (a number, a list, a Series or an array), got "
            f"{kind or arr.dtype}. Convert them first, e.g. `pd.to_numeric(values)`."
        )
    return arr.astype("float64").ravel()


def require_margin(value: Any, *, name: str = "margin") -> float:
    """A contribution margin: profit as a share of revenue, in (0, 1]."""
    return require_in_range(
        value,
        name=name,
        low=0,
        high=1,
        low_inclusive=False,
        fix="A margin is profit as a share of revenue (0.3 = 30%, 1 = revenue itself). For "
        "a markup m on cost pass m / (1 + m): a 50% markup is a margin of 0.333.",
    )


def require_rate(value: Any, *, name: str = "discount_rate", per: str = "month") -> float:
    """A discount rate per period, as a fraction in [0, 1)."""
    return require_in_range(
        value,
        name=name,
        low=0,
        high=1,
        high_inclusive=False,
        fix=f"Pass a fraction per {per}: 0.01 for 1%.",
    )


def require_bool(value: Any, *, name: str) -> bool:
    """``True`` or ``False`` (numpy bools too): a truthy string such as 'no' is refused."""
    if not isinstance(value, bool | np.bool_):
        raise InputTypeError(f"`{name}` must be True or False, got {_shown(value)}.")
    return bool(value)


@overload
def require_str(value: Any, *, name: str, allow_none: Literal[False] = False) -> str: ...
@overload
def require_str(value: Any, *, name: str, allow_none: bool) -> str | None: ...


def require_str(value: Any, *, name: str, allow_none: bool = False) -> str | None:
    if value is None and allow_none:
        return None
    if not isinstance(value, str):
        none = " or None" if allow_none else ""
        raise InputTypeError(f"`{name}` must be a str{none}, got {_shown(value)}.")
    return value


@overload
def require_column_name(value: Any, *, name: str = ..., allow_none: Literal[False]) -> str: ...
@overload
def require_column_name(value: Any, *, name: str = ..., allow_none: bool = True) -> str | None: ...


def require_column_name(value: Any, *, name: str = "by", allow_none: bool = True) -> str | None:
    """A column name (``by="region"``): one str, not a list of names."""
    if value is None and allow_none:
        return None
    if not isinstance(value, str):
        none = " or None" if allow_none else ""
        raise InputTypeError(
            f"`{name}` must be a column name (str){none}, got {_shown(value)}. Group by one "
            "column at a time."
        )
    return value


@overload
def require_sequence(
    value: Any,
    *,
    name: str,
    what: str = ...,
    items: type | tuple[type, ...] | None = ...,
    allow_none: Literal[False] = False,
    example: str = ...,
) -> list[Any]: ...
@overload
def require_sequence(
    value: Any,
    *,
    name: str,
    what: str = ...,
    items: type | tuple[type, ...] | None = ...,
    allow_none: bool,
    example: str = ...,
) -> list[Any] | None: ...


def require_sequence(
    value: Any,
    *,
    name: str,
    what: str = "values",
    items: type | tuple[type, ...] | None = None,
    allow_none: bool = False,
    example: str = "",
) -> list[Any] | None:
    """A sequence (list, tuple, set, Series, array, ...) as a list.

    A bare str is refused rather than read as its characters, and so are a DataFrame or
    a dict (whose iteration gives column names or keys). ``items`` checks each element.
    """
    if value is None and allow_none:
        return None
    like = f" such as {example}" if example else ""
    if isinstance(value, str | bytes):
        chars = ", ".join(list(str(value))[:6])
        raise InputTypeError(
            f"`{name}` must be a sequence of {what}{like}, got the str {_shown(value)}, which "
            f"would be read as its characters ({chars}). Pass [{value!r}]."
        )
    if isinstance(value, pd.DataFrame | Mapping) or not isinstance(value, Iterable):
        raise InputTypeError(f"`{name}` must be a sequence of {what}{like}, got {_shown(value)}.")
    out = list(value)
    if items is not None:
        wrong = [v for v in out if not isinstance(v, items)]
        if wrong:
            raise InputTypeError(
                f"`{name}` must be a sequence of {what}{like}; it holds {wrong[0]!r} "
                f"({_type_name(wrong[0])})."
            )
    return out


def require_period_numbers(value: Any, *, name: str = "at") -> tuple[int, ...]:
    """Period numbers to read a curve at, such as ``(1, 3, 6, 12)``: whole numbers."""
    kinds = (int, np.integer)
    return tuple(
        require_sequence(
            value, name=name, what="whole numbers", items=kinds, example="(1, 3, 6, 12)"
        )
    )


@overload
def require_sequence_of_str(
    value: Any,
    *,
    name: str,
    what: str = ...,
    allow_none: Literal[False] = False,
    example: str = ...,
) -> list[str]: ...
@overload
def require_sequence_of_str(
    value: Any, *, name: str, what: str = ..., allow_none: bool, example: str = ...
) -> list[str] | None: ...


def require_sequence_of_str(
    value: Any, *, name: str, what: str = "str", allow_none: bool = False, example: str = ""
) -> list[str] | None:
    """A sequence of str (codes, column names, notes); a bare str is refused."""
    return require_sequence(
        value, name=name, what=what, items=str, allow_none=allow_none, example=example
    )


def require_mapping(value: Any, *, name: str, example: str, allow_none: bool = True) -> dict:
    """A dict-like argument (``aliases={'Narnia': 'GB'}``); None gives an empty dict."""
    if value is None and allow_none:
        return {}
    if not isinstance(value, Mapping):
        raise InputTypeError(f"`{name}` must be a dict such as {example}, got {_shown(value)}.")
    return dict(value)


def require_keys(doc: Any, keys: Sequence[str], *, name: str, producer: str) -> dict:
    """A mapping holding ``keys`` (a document written by ``producer``), as a dict."""
    doc = require_mapping(doc, name=name, example=f"the output of `{producer}`", allow_none=False)
    missing = [k for k in keys if k not in doc]
    if missing:
        raise DataValidationError(
            f"`{name}` lacks {', '.join(f'`{k}`' for k in missing)}; pass the output of "
            f"`{producer}`."
        )
    return doc


@overload
def require_date(
    value: Any, *, name: str, allow_none: Literal[False] = False, tz: str = ...
) -> pd.Timestamp: ...
@overload
def require_date(
    value: Any, *, name: str, allow_none: bool, tz: str = ...
) -> pd.Timestamp | None: ...


def require_date(
    value: Any, *, name: str, allow_none: bool = False, tz: str = "refuse"
) -> pd.Timestamp | None:
    """A date argument as a pandas Timestamp, parsed once here for every function.

    ``tz`` says what a time-zone-aware value becomes: ``"refuse"`` (an error), ``"utc"``
    (the UTC time, made naive) or ``"wall"`` (the wall-clock time, made naive). A number is
    refused: ``pd.Timestamp(5)`` would be 5 nanoseconds after 1970.
    """
    example = "such as '2024-06-30' or a pandas Timestamp"
    if value is None and allow_none:
        return None
    if isinstance(value, bool | np.bool_ | numbers.Number) or not (
        value is None or isinstance(value, str | _dt.date | np.datetime64)
    ):
        raise InputTypeError(
            f"`{name}` must be a date {example}, got {_shown(value)}; numbers are not read as "
            "dates."
        )
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError, OverflowError):
        ts = None
    if ts is None or ts is pd.NaT or pd.isna(ts):
        raise DataValidationError(f"`{name}` must be a date {example}; got {value!r}.")
    if ts.tzinfo is not None:
        if tz == "refuse":
            raise DataValidationError(
                f"`{name}` must be time-zone naive like the `timestamp` column; got {value!r}. "
                "Drop the zone first, e.g. `pd.Timestamp(value).tz_localize(None)`."
            )
        ts = ts.tz_convert(None) if tz == "utc" else ts.tz_localize(None)
    return ts


@overload
def require_regex(value: Any, *, name: str, allow_none: Literal[False]) -> str: ...
@overload
def require_regex(value: Any, *, name: str, allow_none: bool = True) -> str | None: ...


def require_regex(value: Any, *, name: str, allow_none: bool = True) -> str | None:
    """A regular expression every engine can evaluate (RE2 syntax: no look-around or
    back-references), searched anywhere in the text (``(?i)^test`` = starts with 'test')."""
    if value is None and allow_none:
        return None
    if isinstance(value, re.Pattern):
        value = value.pattern
    if not isinstance(value, str):
        raise InputTypeError(
            f"`{name}` must be a regular expression (str) or None, got {_shown(value)}. For a "
            "list of ids pass one pattern, e.g. `'^(?:' + '|'.join(map(re.escape, ids)) + ')$'`."
        )
    try:
        re.compile(value)
    except re.error as exc:
        raise DataValidationError(
            f"`{name}` is not a valid regular expression ({exc}): {value!r}. Escape special "
            "characters with `re.escape` to match text literally."
        ) from None
    import pyarrow as pa
    import pyarrow.compute as pc

    try:
        pc.match_substring_regex(pa.array([""]), pattern=value)
    except pa.ArrowInvalid:
        raise DataValidationError(
            f"`{name}` uses look-around or back-references, which the data engines (RE2 "
            f"syntax) cannot evaluate: {value!r}. Rewrite it without them."
        ) from None
    return value


@overload
def require_currency_code(value: Any, *, name: str, allow_none: Literal[False] = False) -> str: ...
@overload
def require_currency_code(value: Any, *, name: str, allow_none: bool) -> str | None: ...


def require_currency_code(value: Any, *, name: str, allow_none: bool = False) -> str | None:
    """An ISO 4217 code (three letters, any case) in upper case."""
    if value is None and allow_none:
        return None
    if not isinstance(value, str):
        raise InputTypeError(
            f"`{name}` must be an ISO 4217 code such as 'EUR', got {_shown(value)}."
        )
    code = value.strip().upper()
    if not re.fullmatch(r"[A-Z]{3}", code):
        raise DataValidationError(
            f"`{name}` must be a three-letter ISO 4217 code such as 'EUR' or 'GBP'; got {value!r}."
        )
    return code


def require_path(
    value: Any, *, name: str, kind: str = "file", example: str = "churn_risk.csv"
) -> Path:
    """A path to write: a file path that is not a folder (the fix names ``example`` inside
    it), or a folder path that is not a file."""
    if not isinstance(value, str | os.PathLike):
        raise InputTypeError(
            f"`{name}` must be a {kind} path (str or pathlib.Path), got {_shown(value)}."
        )
    path = Path(value)
    if kind == "file" and path.is_dir():
        raise DataValidationError(
            f"`{name}` ('{path}') is a folder; pass a file name inside it, e.g. '{path / example}'."
        )
    if kind == "folder" and path.exists() and not path.is_dir():
        raise DataValidationError(f"`{name}` ('{path}') is a file; pass a folder to write into.")
    return path


def require_axes(ax: Any) -> Any:
    """The Axes to draw on: ``ax`` when it is a matplotlib Axes, the current one for None."""
    import matplotlib.pyplot as plt
    from matplotlib.axes import Axes

    if ax is None:
        return plt.gca()
    if not isinstance(ax, Axes):
        raise InputTypeError(
            f"`ax` must be a matplotlib Axes (e.g. `fig, ax = plt.subplots()`) or None, got "
            f"{_shown(ax)}."
        )
    return ax


def require_colormap(cmap: Any, *, name: str = "cmap") -> Any:
    """A matplotlib colour map: a registered name such as 'Blues', or a Colormap."""
    import matplotlib
    from matplotlib.colors import Colormap

    if isinstance(cmap, Colormap):
        return cmap
    if not isinstance(cmap, str):
        raise InputTypeError(
            f"`{name}` must be a colour map name such as 'Blues', got {_shown(cmap)}."
        )
    if cmap not in matplotlib.colormaps:
        raise DataValidationError(
            f"`{name}` {cmap!r} is not a matplotlib colour map; use a sequential one such as "
            "'Blues', 'viridis' or 'Greens' (`matplotlib.colormaps` lists them)."
        )
    return cmap


def missing_group_error(
    by: str, customers: Sequence[Any], *, rows: int | None = None, what: str = "`transactions`"
) -> DataValidationError:
    """The error for a group column with missing values: how many customers, which ones, the fix."""
    n = len(customers)
    in_rows = f" in {rows:,} row(s)" if rows is not None else ""
    shown = format_rows(customers).split(" ", 1)[1]
    return DataValidationError(
        f"Column `{by}` has missing values for {n:,} customer(s) ({shown}){in_rows} of {what}; "
        f"they would fall out of every group. Fill them first, e.g. "
        f"`tx['{by}'] = tx['{by}'].fillna('Unknown')`, or drop those rows."
    )


def require_group_column(
    frame: pd.DataFrame, by: Any, *, what: str = "`transactions`", missing: str = "raise"
) -> pd.DataFrame:
    """Check a pandas group column: a column name present in ``frame``, without missing values.

    ``missing="raise"`` refuses missing values (naming the customers); ``missing="group"``
    puts those rows in the explicit group :data:`MISSING_GROUP` instead (a copy is returned).
    """
    require_column_name(by, name="by", allow_none=False)
    require_columns(frame, [by], what=what, fix="Pass `by=` naming a column of the data.")
    gap = frame[by].isna()
    if not gap.any():
        return frame
    if missing == "group":
        out = frame.copy()
        out[by] = out[by].astype(object).where(~gap, MISSING_GROUP)
        return out
    ids = frame.loc[gap, "customer_id"].drop_duplicates() if "customer_id" in frame else []
    raise missing_group_error(by, list(ids), rows=int(gap.sum()), what=what)


def require_treatment(
    values: pd.Series,
    *,
    column: str,
    treatment: Any = None,
    ids: pd.Series | None = None,
) -> np.ndarray:
    """Treatment flags as a bool array: True/False or 1/0, or two labels of which
    ``treatment`` names the treated one. Missing values and anything else are refused."""
    ids = values.index.to_series() if ids is None else ids
    if treatment is None:
        ok = values.notna() & values.isin([True, False, 0, 1])
        if not ok.all():
            raise DataValidationError(
                f"Column `{column}` must be True/False (or 1/0); found {values[~ok].iloc[0]!r} "
                f"for customers {format_rows(ids[~ok.to_numpy()]).split(' ', 1)[1]}. For a "
                f"column of labels such as 'control'/'treatment', pass `treatment=` naming the "
                "treated label; give missing flags a group or drop those customers."
            )
        return values.astype(bool).to_numpy()
    gap = values.isna()
    if gap.any():
        raise DataValidationError(
            f"Column `{column}` is missing for customers "
            f"{format_rows(ids[gap.to_numpy()]).split(' ', 1)[1]}; give them a group or drop them."
        )
    labels = list(pd.unique(values))
    if treatment not in labels:
        found = ", ".join(repr(v) for v in labels[:5])
        raise DataValidationError(
            f"`treatment` {treatment!r} is not a value of column `{column}` (found {found}). "
            "Pass the label of the treated customers."
        )
    if len(labels) > 2:
        found = ", ".join(repr(v) for v in labels[:5])
        raise DataValidationError(
            f"Column `{column}` holds {len(labels)} labels ({found}); a test compares two "
            "groups. Keep the two groups to compare."
        )
    return (values == treatment).to_numpy()


def require_choice(value: Any, choices: Sequence[Any], *, name: str) -> Any:
    try:
        known = value in choices
    except TypeError:  # an unhashable value such as a list
        known = False
    if not known:
        opts = ", ".join(repr(c) for c in choices)
        raise DataValidationError(f"`{name}` must be one of {opts}; got {value!r}.")
    return value


def require_min_customers(min_customers: Any) -> int:
    """``min_customers``: a whole number of customers >= 0 (0 keeps every group)."""
    return require_whole_number(min_customers, name="min_customers", low=0)
