"""Engine-agnostic plumbing: one narwhals code path for pandas, polars, DuckDB and PySpark.

Aggregation entry points call :func:`to_lazy` on their input, build narwhals expressions,
and :func:`collect` only the small result into pandas.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, overload

import narwhals as nw
import pandas as pd

from ._validation import (
    DataValidationError,
    InputTypeError,
    missing_group_error,
    require_unique_columns,
)

PERIODS = ("D", "W", "M", "Q")
_PERIOD_NAMES = {"D": "day", "W": "week", "M": "month", "Q": "quarter"}


_PARQUET_SUFFIXES = (".parquet", ".pq")
_CSV_SUFFIXES = (".csv", ".csv.gz", ".csv.zst", ".tsv", ".txt")
#: Key columns that must be text; integer keys (common in warehouses) are cast to strings.
ID_COLUMNS = ("customer_id", "order_id", "product_code")


def _scan_path(data: str | os.PathLike | list | tuple, csv_options: dict | None = None) -> Any:
    """A DuckDB relation reading Parquet or CSV files lazily (nothing is loaded yet).

    ``data`` is a file, a glob (``"lake/tx/*.parquet"``), a folder (all Parquet files below
    it, hive partitions such as ``year=2024/`` becoming columns; else all CSV files) or a list
    of files of one format.
    """
    import duckdb

    paths = [str(p) for p in data] if isinstance(data, (list, tuple)) else [str(data)]
    if not paths:
        raise DataValidationError("The list of files to read is empty.")
    resolved = []
    hive = False
    for path in paths:
        has_glob = any(ch in path for ch in "*?[")
        if not has_glob and not Path(path).exists():
            raise FileNotFoundError(
                f"No file or folder at `{path}`. Check the path (relative paths are resolved "
                f"from {Path.cwd()})."
            )
        if not has_glob and Path(path).is_dir():
            folder = Path(path)
            files = [f for f in folder.rglob("*") if f.is_file()]
            if any(f.name.endswith(_PARQUET_SUFFIXES) for f in files):
                hive = any("=" in part for f in files for part in f.relative_to(folder).parts[:-1])
                path = str(folder / "**" / "*.parquet")
            elif any(f.name.endswith(_CSV_SUFFIXES) for f in files):
                ext = next(s for s in _CSV_SUFFIXES for f in files if f.name.endswith(s))
                path = str(folder / "**" / f"*{ext}")
            else:
                raise DataValidationError(
                    f"The folder `{path}` holds no .parquet or .csv files. Point at the files "
                    "themselves, e.g. `data/*.parquet`."
                )
        resolved.append(path)
    name = resolved[0].lower()
    if name.endswith(_PARQUET_SUFFIXES) or name.endswith("*.parquet"):
        return duckdb.read_parquet(resolved, hive_partitioning=hive)
    if name.endswith(_CSV_SUFFIXES):
        if csv_options:
            return duckdb.read_csv(resolved, **csv_options)
        # ids stay text (a customer id of 00123 is not the number 123)
        header = duckdb.read_csv(resolved[0] if len(resolved) == 1 else resolved).columns
        dtype = {c: "VARCHAR" for c in ID_COLUMNS if c in header}
        return duckdb.read_csv(resolved, dtype=dtype or None)
    raise DataValidationError(
        f"Cannot tell the format of `{resolved[0]}`. Use .parquet or .csv files (optionally "
        "a folder or a glob such as `tx/*.parquet`), or read them yourself and pass the relation."
    )


#: URI schemes read as databases (through ibis), not as files: ibis' backends.
_DATABASE_SCHEMES = (
    "athena", "bigquery", "clickhouse", "databricks", "druid", "exasol", "impala", "mssql",
    "mysql", "oracle", "postgres", "postgresql", "risingwave", "snowflake", "trino",
)  # fmt: skip


def is_database_uri(source: Any) -> bool:
    """Whether ``source`` is a database URI such as ``postgresql://user@host:5432/shop``."""
    if not isinstance(source, str):
        return False
    match = re.match(r"([A-Za-z][A-Za-z0-9+.-]*)://", source)
    return match is not None and match.group(1).split("+")[0].lower() in _DATABASE_SCHEMES


def _redact(uri: str) -> str:
    """``uri`` without its password, for messages."""
    return re.sub(r"(://[^:/@]+):[^@/]*@", r"\1:***@", uri)


def read_database(uri: str, *, table: str | None = None, query: str | None = None) -> Any:
    """An ibis table over ``table`` (``"orders"`` or ``"schema.orders"``) or over the result
    of a SQL ``query``, in the database at ``uri``; nothing is read yet.

    Every analysis then runs as SQL in the database (narwhals builds ibis expressions, ibis
    compiles them for the backend) and only small results come back.
    """
    if (table is None) == (query is None):
        raise DataValidationError(
            f"To read the database at `{_redact(uri)}`, pass either `table=` (e.g. "
            "table='orders' or table='sales.orders') or `query=` (a SQL SELECT), not "
            f"{'both' if table is not None else 'neither'}."
        )
    try:
        import ibis
    except ImportError:
        raise ImportError(
            "Reading a database needs ibis and a driver: pip install 'retention-lib[db]' "
            "(ibis-framework with PostgreSQL support)."
        ) from None
    try:
        con = ibis.connect(uri)
    except ImportError as exc:
        raise ImportError(
            f"The driver for `{_redact(uri)}` is not installed ({exc}). For PostgreSQL: "
            "pip install 'retention-lib[db]'; for other databases see ibis' backends."
        ) from None
    except Exception as exc:
        raise DataValidationError(
            f"Could not connect to `{_redact(uri)}`: {str(exc).strip().splitlines()[0]}. "
            "Check the host, port, user, password and database name in the URI."
        ) from None
    if query is not None:
        try:
            return con.sql(query)
        except Exception as exc:
            raise DataValidationError(
                f"The database refused `query`: {str(exc).strip().splitlines()[0]}. Check the "
                "SQL in the database's own client first."
            ) from None
    assert table is not None  # exactly one of table and query, checked above
    schema, _, name = table.rpartition(".")
    try:
        return con.table(name, database=schema or None)
    except Exception:
        try:
            known = sorted(con.list_tables(database=schema or None))
        except Exception:
            known = []
        listing = ", ".join(f"`{t}`" for t in known[:12]) or "none"
        raise DataValidationError(
            f"No table `{table}` in the database at `{_redact(uri)}` (tables: {listing}). "
            "Check the name and schema (table='schema.name'), or pass `query=`."
        ) from None


def to_lazy(data: Any, name: str = "transactions") -> nw.LazyFrame:
    """Wrap ``data`` as a narwhals LazyFrame, whatever engine holds it.

    Parameters
    ----------
    data : DataFrame, LazyFrame, DuckDB relation, PySpark DataFrame, ibis table, path
        A pandas or polars frame, a DuckDB relation, a PySpark (or SQLFrame) DataFrame, an
        ibis table (any ibis backend: PostgreSQL, BigQuery, Snowflake, ...; see
        :func:`read_database`), a Dask frame, or Parquet/CSV files read lazily by DuckDB
        (see :func:`_scan_path`).
    name : str
        The caller's argument, named in the error for anything else.

    Returns
    -------
    narwhals.LazyFrame
        Nothing is computed yet. Two harmless normalisations are added to the query so that
        every engine sees the canonical schema: a time-zone-aware ``timestamp`` becomes naive
        (on PySpark and DuckDB the wall-clock time in the session's time zone, as the engine
        shows it; elsewhere UTC, as :func:`load_transactions` does) and integer id columns
        become text.
    """
    return _normalise_schema(_wrap(data, name=name))


def _wrap(data: Any, csv_options: dict | None = None, name: str = "transactions") -> nw.LazyFrame:
    """:func:`to_lazy` without the schema normalisation (raw source columns)."""
    if is_database_uri(data):
        raise DataValidationError(
            f"`{_redact(data)}` is a database: read it with "
            "`retention_lib.scan_transactions(uri, table='orders')` (or `query='SELECT ...'`), "
            "which maps its columns, and pass the result."
        )
    if isinstance(data, (str, os.PathLike)) or (
        isinstance(data, (list, tuple)) and data and isinstance(data[0], (str, os.PathLike))
    ):
        data = _scan_path(data, csv_options)
    if isinstance(data, pd.DataFrame):
        require_unique_columns(data, name=name)
    try:
        frame = nw.from_native(data)
    except TypeError:
        got = "None" if data is None else type(data).__name__
        raise InputTypeError(
            f"`{name}` must be a pandas/polars DataFrame, a DuckDB relation, a PySpark DataFrame, "
            f"an ibis table or a path to Parquet/CSV files; got {got}."
        ) from None
    return frame.lazy() if isinstance(frame, nw.DataFrame) else frame


def _normalise_schema(lf: nw.LazyFrame) -> nw.LazyFrame:
    schema = lf.collect_schema()
    fixes = []
    ts = schema.get("timestamp")
    if isinstance(ts, nw.Datetime) and ts.time_zone is not None:
        expr = nw.col("timestamp")
        if lf.implementation.is_spark_like() or lf.implementation.is_duckdb():
            # these engines keep the zone in the session/connection: drop it, keeping the
            # wall-clock time the engine shows
            expr = expr.dt.replace_time_zone(None)
        else:
            expr = expr.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
        fixes.append(expr)
    elif ts is not None and ts == nw.String:
        raise InputTypeError(
            "Column `timestamp` holds text, not datetimes. Write the files with a timestamp type "
            "(e.g. Parquet from pandas), use ISO dates ('2024-01-31 09:30:00') in CSV files, or "
            "read with `retention_lib.scan_transactions(..., date_format=...)`."
        )
    for col in ID_COLUMNS:
        dtype = schema.get(col)
        if dtype is not None and dtype.is_integer():
            fixes.append(nw.col(col).cast(nw.String))
    return lf.with_columns(*fixes) if fixes else lf


def datetime_lit(value: Any, lf: nw.LazyFrame | None = None) -> nw.Expr:
    """A naive datetime literal to compare with ``timestamp`` on ``lf``'s engine.

    PySpark turns a naive Python ``datetime`` into an instant using the *driver process's*
    time zone, which shifts comparisons when the session time zone differs; there the
    literal is the wall-clock text cast to ``TIMESTAMP_NTZ`` instead.
    """
    ts = pd.Timestamp(value)
    if lf is not None and lf.implementation.is_spark_like():
        return nw.lit(ts.strftime("%Y-%m-%d %H:%M:%S.%f")).cast(nw.Datetime("us"))
    return nw.lit(ts.to_pydatetime())


def backend_of(data: Any) -> str:
    """Short name of the engine holding ``data`` (``"pandas"``, ``"duckdb"``, ``"pyspark"``...)."""
    if isinstance(data, pd.DataFrame):
        return "pandas"
    return str(to_lazy(data).implementation).lower().rsplit(".", 1)[-1]


def collect(frame: nw.LazyFrame | nw.DataFrame) -> pd.DataFrame:
    """Collect a (small) narwhals result into pandas."""
    schema = frame.collect_schema()
    # SQL engines widen integer sums (DuckDB: HUGEINT / DECIMAL(38, 0)); bring them back to
    # the int64 / float64 pandas gives, so results compare equal across engines
    fixes = [
        nw.col(name).cast(nw.Int64 if dtype.is_integer() else nw.Float64)
        for name, dtype in schema.items()
        if isinstance(dtype, (nw.Int128, nw.UInt128, nw.Decimal))
    ]
    if fixes:
        frame = frame.with_columns(*fixes)
    if isinstance(frame, nw.LazyFrame):
        frame = frame.collect()
    return frame.to_pandas()


def table_like(frame: pd.DataFrame, like: nw.LazyFrame) -> nw.LazyFrame:
    """The (small) pandas ``frame`` as a table of ``like``'s engine, to join with it there:
    DuckDB (the same connection), PySpark (the same session), ibis (a memtable, uploaded by
    the backend when the query runs), polars; pandas as is."""
    impl = like.implementation
    if impl.is_duckdb():
        _rl_frame = frame  # noqa: F841 - found by DuckDB's replacement scan below
        return nw.from_native(like.to_native().query("_rl_like", "SELECT * FROM _rl_frame"))
    if impl.is_spark_like():
        return nw.from_native(like.to_native().sparkSession.createDataFrame(frame))
    if impl.is_ibis():
        import ibis

        return nw.from_native(ibis.memtable(frame))
    if impl.is_polars():
        import polars as pl

        return nw.from_native(pl.from_pandas(frame).lazy())
    return nw.from_native(frame).lazy()


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


def check_period(period: str) -> str:
    if period not in PERIODS:
        raise DataValidationError(
            f"`period` must be one of 'D' (day), 'W' (week), 'M' (month) or 'Q' (quarter); "
            f"got {period!r}."
        )
    return period


def period_name(period: str) -> str:
    return _PERIOD_NAMES[period]


def as_int(condition: nw.Expr) -> nw.Expr:
    """1 where ``condition`` holds, else 0 (a missing condition counts as 0).

    A CASE expression, which every engine runs; casting a boolean to a 64-bit integer is
    refused by PostgreSQL (``cannot cast type boolean to bigint``).
    """
    return nw.when(condition).then(1).otherwise(0)


def missing_expr(frame: nw.LazyFrame, col: str) -> nw.Expr:
    """Count of missing values (null, or NaN in a float column) of ``col``, as an aggregate."""
    miss = nw.col(col).is_null()
    if frame.collect_schema()[col].is_float():
        miss = miss | nw.col(col).is_nan().fill_null(False)
    return as_int(miss).sum().alias(f"missing_{col}")


def check_log(
    lf: nw.LazyFrame,
    columns: Sequence[str] = ("customer_id", "timestamp", "amount"),
    *,
    what: str = "`transactions`",
    by: str | None = None,
) -> int:
    """One pass over a log: the ``columns`` (and ``by``) are there, no value of ``columns`` is
    missing, no customer lacks their ``by`` group, and there is a row. Returns the row count."""
    need = [*columns, *([by] if by else [])]
    require_lazy_columns(lf, need, what=what)
    exprs = [missing_expr(lf, c) for c in columns] + [nw.len().alias("_rows")]
    if "amount" in columns:
        exprs.append(infinite_expr(lf, "amount"))
    counts = collect(lf.select(*exprs)).iloc[0]
    raise_if_missing(counts, list(columns))
    if int(counts["_rows"]) == 0:
        raise DataValidationError(
            f"{what} has no rows. Check the file path and any filters applied before this call."
        )
    if by is not None:
        gap = collect(
            lf.filter(nw.col(by).is_null())
            .group_by("customer_id")
            .agg(nw.len().alias("rows"))
            .sort("customer_id")
        )
        if len(gap):
            raise missing_group_error(
                by, gap["customer_id"].astype(str).tolist(), rows=int(gap["rows"].sum()), what=what
            )
    return int(counts["_rows"])


def infinite_expr(frame: nw.LazyFrame, col: str) -> nw.Expr:
    """Count of infinite values of a float ``col`` (0 for other types), as an aggregate."""
    if not frame.collect_schema()[col].is_float():
        return nw.lit(0).alias(f"infinite_{col}")
    inf = (nw.col(col).abs() == float("inf")).fill_null(False)
    return as_int(inf).sum().alias(f"infinite_{col}")


@overload
def missing_counts(lf: nw.LazyFrame, cols: list[str], *aggregates: nw.Expr) -> pd.Series: ...


@overload
def missing_counts(
    lf: nw.LazyFrame, cols: list[str], *aggregates: nw.Expr, by: str, lasts: Sequence[str] = ()
) -> tuple[pd.Series, pd.Series]: ...


def missing_counts(
    lf: nw.LazyFrame,
    cols: list[str],
    *aggregates: nw.Expr,
    by: str | None = None,
    lasts: Sequence[str] = (),
) -> pd.Series | tuple[pd.Series, pd.Series]:
    """The ``missing_<col>`` count (:func:`missing_expr`) of each of ``cols`` and the values
    of ``aggregates``, in one query.

    On DuckDB the null counts of columns that cannot hold NaN are filtered counts, which
    Parquet files answer from their statistics without reading the column (the ids are most
    of a log's bytes); float columns are read, as the statistics do not count NaN.

    With ``by`` the same pass also gives the distinct values of ``by``: the query runs per
    group and the counts are summed over the groups, the ``aggregates`` (minima, or maxima
    for the names in ``lasts``) taken over them; returns ``(counts, groups)``.
    """
    schema = lf.collect_schema()
    skipped = [c for c in cols if lf.implementation.is_duckdb() and not schema[c].is_float()]
    exprs = [*[missing_expr(lf, c) for c in cols if c not in skipped], *aggregates]
    query = lf.group_by(by).agg(*exprs) if by else lf.select(*exprs)
    for col in skipped:
        nulls = lf.filter(nw.col(col).is_null()).select(nw.len().alias(f"missing_{col}"))
        query = query.join(nulls, how="cross")
    table = collect(query)
    if not by:
        return table.iloc[0]
    if table.empty:  # no rows: the counts of the empty log
        return missing_counts(lf, cols, *aggregates), table[by]
    totals = {f"missing_{c}" for c in skipped}  # cross-joined: the same total on every row
    counts = {}
    for name in table.columns.drop(by):
        values = table[name]
        if name in totals:
            counts[name] = values.iloc[0]
        elif name.startswith(("missing_", "infinite_")):
            counts[name] = int(values.sum())
        else:
            counts[name] = values.max() if name in lasts else values.min()
    return pd.Series(counts, dtype=object), table[by]


def raise_if_missing(counts: pd.Series, cols: list[str]) -> None:
    """Raise a DataValidationError for the first of ``cols`` whose ``missing_<col>`` count > 0
    (or ``infinite_<col>`` count, where it was counted)."""
    for col in cols:
        n = int(counts.get(f"infinite_{col}", 0))
        if n > 0:
            raise DataValidationError(
                f"Column `{col}` has {n:,} infinite value(s): an overflow of `quantity` x "
                "`unit_price` or a division by zero upstream. Fix or drop those rows; "
                "`retention_lib.load_transactions` names them."
            )
        n = int(counts[f"missing_{col}"])
        if n > 0:
            raise DataValidationError(
                f"Column `{col}` has {n:,} missing value(s); a missing value is never taken as 0. "
                "Load the data with `retention_lib.load_transactions` and clean it with "
                "`retention_lib.clean_transactions` (they name the rows), or drop the rows with "
                f"`tx.dropna(subset=[{col!r}])`."
            )
