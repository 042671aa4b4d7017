"""Engine-agnostic plumbing: one narwhals code path for pandas, polars, DuckDB and PySpark.

Aggregation entry points call :func:`to_lazy` on their input, build narwhals expressions,
and :func:`collect` only the small result into pandas.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import narwhals as nw
import pandas as pd

from ._validation import DataValidationError

PERIODS = ("D", "W", "M", "Q")
_PERIOD_NAMES = {"D": "day", "W": "week", "M": "month", "Q": "quarter"}


def to_lazy(data: Any) -> nw.LazyFrame:
    """Wrap ``data`` (pandas/polars frame, DuckDB relation, PySpark frame, or a path to
    Parquet/CSV files read lazily by DuckDB) as a narwhals LazyFrame."""
    if isinstance(data, (str, os.PathLike)):
        import duckdb

        path = str(data)
        if not any(ch in path for ch in "*?") and not Path(path).exists():
            raise FileNotFoundError(f"No file or folder at `{path}`.")
        if Path(path).is_dir():
            path = str(Path(path) / "*.parquet")
        reader = duckdb.read_parquet if ".parquet" in path or ".pq" in path else duckdb.read_csv
        data = reader(path)
    try:
        frame = nw.from_native(data)
    except TypeError:
        raise TypeError(
            "Expected a pandas/polars DataFrame, a DuckDB relation, a PySpark DataFrame or a path "
            f"to Parquet/CSV files; got {type(data).__name__}."
        ) from None
    return frame.lazy() if isinstance(frame, nw.DataFrame) else frame


def collect(frame: nw.LazyFrame | nw.DataFrame) -> pd.DataFrame:
    """Collect a (small) narwhals result into pandas."""
    if isinstance(frame, nw.LazyFrame):
        frame = frame.collect()
    return frame.to_pandas()


def columns_of(frame: nw.LazyFrame) -> list[str]:
    return list(frame.collect_schema().names())


def require_lazy_columns(frame: nw.LazyFrame, columns: list[str], *, what: str) -> None:
    have = columns_of(frame)
    missing = [c for c in columns if c not in have]
    if missing:
        names = ", ".join(f"`{c}`" for c in missing)
        raise DataValidationError(
            f"{what} is missing column(s) {names}; found {', '.join(have[:12])}. Load the data with "
            "`retention_lib.load_transactions` (and clean it) so it has the canonical columns."
        )


def day_index(col: str = "timestamp") -> nw.Expr:
    """Days since 1970-01-01 of a datetime column, with integer arithmetic every engine has."""
    t = nw.col(col)
    y = t.dt.year()
    ym1 = y - 1
    # days before 1 January of year y, counted from 1970 (Gregorian leap rules); 477 = leap
    # days before 1970.
    return 365 * (y - 1970) + (ym1 // 4 - ym1 // 100 + ym1 // 400 - 477) + t.dt.ordinal_day() - 1


def period_index(period: str, col: str = "timestamp") -> nw.Expr:
    """Integer index of the calendar period (D, W from Monday, M, Q) holding each timestamp."""
    if period == "D":
        return day_index(col)
    if period == "W":
        return (day_index(col) + 3) // 7  # 1970-01-01 was a Thursday; weeks start on Monday
    t = nw.col(col)
    if period == "M":
        return t.dt.year() * 12 + t.dt.month() - 1
    if period == "Q":
        return t.dt.year() * 4 + (t.dt.month() - 1) // 3
    raise DataValidationError(f"`period` must be one of {', '.join(PERIODS)}; got {period!r}.")


def check_period(period: str) -> str:
    if period not in PERIODS:
        raise DataValidationError(
            f"`period` must be one of 'D' (day), 'W' (week), 'M' (month) or 'Q' (quarter); "
            f"got {period!r}."
        )
    return period


def period_start(index: pd.Series | int, period: str) -> pd.Series:
    """Start timestamp of each integer period index (inverse of :func:`period_index`)."""
    idx = pd.Series(index, dtype="int64")
    epoch = pd.Timestamp("1970-01-01")
    if period == "D":
        return epoch + pd.to_timedelta(idx, unit="D")
    if period == "W":
        return epoch + pd.to_timedelta(idx * 7 - 3, unit="D")
    months = idx if period == "M" else idx * 3
    years, month0 = months // 12, months % 12
    return pd.to_datetime(pd.DataFrame({"year": years, "month": month0 + 1, "day": 1}))


def period_index_of(ts: pd.Timestamp, period: str) -> int:
    """:func:`period_index` for one pandas Timestamp."""
    days = (ts.normalize() - pd.Timestamp("1970-01-01")).days
    if period == "D":
        return days
    if period == "W":
        return (days + 3) // 7
    if period == "M":
        return ts.year * 12 + ts.month - 1
    return ts.year * 4 + (ts.month - 1) // 3


def period_name(period: str) -> str:
    return _PERIOD_NAMES[period]
