"""Load a transaction log into the canonical schema, validating it on the way in.

The canonical transaction frame has one row per order line:

========================  =============================================================
column                    meaning
========================  =============================================================
``customer_id``           customer key (string; may be missing until cleaning drops it)
``timestamp``             purchase time (datetime64, time-zone naive)
``amount``                line value (float64; ``quantity * unit_price`` when no amount)
``order_id``              optional: invoice / order number (string)
``quantity``              optional: units on the line
``unit_price``            optional: price per unit
``product_code``          optional: product / stock code (string)
``country``               optional: country name or code as in the source
``segment``               optional: acquisition channel, tier, ... (string)
``currency``              optional: ISO 4217 code of ``amount``
``source_row``            0-based position of the row in the input (for audit)
========================  =============================================================

Column names are mapped once, here; every other function uses the canonical names.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd

from ._backend import _normalise_schema, _wrap, collect
from ._validation import DataValidationError, format_rows

__all__ = ["CANONICAL_COLUMNS", "load_transactions", "scan_transactions"]

#: canonical name -> column names recognised automatically (compared case- and
#: punctuation-insensitively) when the user does not name the column.
_ALIASES: dict[str, tuple[str, ...]] = {
    "customer_id": ("customer_id", "customerid", "customer", "client_id", "user_id", "id"),
    "timestamp": (
        "timestamp",
        "invoicedate",
        "order_date",
        "orderdate",
        "date",
        "datetime",
        "purchase_date",
        "transaction_date",
    ),
    "amount": ("amount", "revenue", "sales", "value", "order_value", "total", "dollar_value"),
    "quantity": ("quantity", "qty", "units"),
    "unit_price": ("unit_price", "unitprice", "price"),
    "order_id": ("order_id", "invoiceno", "invoice", "invoice_no", "transaction_id", "order"),
    "product_code": ("product_code", "stockcode", "stock_code", "sku", "product_id"),
    "country": ("country", "country_code"),
    "segment": ("segment",),
    "currency": ("currency", "currency_code"),
}

CANONICAL_COLUMNS: tuple[str, ...] = (
    "customer_id",
    "timestamp",
    "amount",
    "order_id",
    "quantity",
    "unit_price",
    "product_code",
    "country",
    "segment",
    "currency",
)
_STRING_COLUMNS = ("customer_id", "order_id", "product_code", "country", "segment", "currency")
_MAPPING_HINT = (
    'Name it explicitly, e.g. `load_transactions(path, customer_id="CustomerID", '
    'timestamp="InvoiceDate", amount="Revenue")`, or give `quantity=` and `unit_price=` '
    "instead of `amount=`."
)
_TZ_SUFFIX = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})\s*$")


def _norm(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def _read_source(source: Any, *, sheet_name: str | int) -> tuple[pd.DataFrame, str]:
    """Read ``source`` into pandas without interpreting values."""
    if isinstance(source, pd.DataFrame):
        return source.reset_index(drop=True), "DataFrame"
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        if not path.exists():
            raise FileNotFoundError(
                f"Transaction file `{path}` does not exist. Check the path (relative paths are "
                f"resolved from {Path.cwd()})."
            )
        name = path.name.lower()
        try:
            if name.endswith((".csv", ".csv.gz", ".txt", ".csv.zip", ".csv.bz2", ".tsv")):
                sep = "\t" if ".tsv" in name else ","
                df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], sep=sep)
            elif name.endswith((".parquet", ".pq")):
                df = pd.read_parquet(path)
            elif name.endswith((".xlsx", ".xlsm", ".xls")):
                df = pd.read_excel(path, sheet_name=sheet_name)
            else:
                raise DataValidationError(
                    f"Cannot tell the format of `{path.name}`. Use a .csv, .csv.gz, .parquet or "
                    ".xlsx file, or read it yourself and pass the DataFrame."
                )
        except pd.errors.EmptyDataError:
            raise DataValidationError(
                f"Transaction file `{path}` is empty (no header, no rows). Check the export."
            ) from None
        except (pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise DataValidationError(
                f"Transaction file `{path}` could not be parsed as {path.suffix}: {exc}. "
                "Check the delimiter and encoding (UTF-8 expected)."
            ) from None
        return df, str(path)
    # polars, pyarrow, ... anything narwhals understands eagerly
    try:
        import narwhals as nw

        frame = nw.from_native(source, eager_only=True)
    except TypeError:
        raise TypeError(
            f"`source` must be a pandas/polars DataFrame or a path to a CSV, CSV.GZ, Parquet or "
            f"Excel file; got {type(source).__name__}."
        ) from None
    return frame.to_pandas().reset_index(drop=True), type(source).__name__


def _resolve_columns(df: pd.DataFrame, given: Mapping[str, str | None]) -> dict[str, str]:
    """Map canonical names to source column names (explicit first, then aliases)."""
    mapping: dict[str, str] = {}
    by_norm = {_norm(c): c for c in df.columns}
    for canon, col in given.items():
        if col is not None:
            if col not in df.columns:
                found = ", ".join(f"`{c}`" for c in list(df.columns)[:15])
                raise DataValidationError(
                    f"Column `{col}` (given as `{canon}=`) is not in the data. Found columns: "
                    f"{found}. Check the spelling (names are case-sensitive)."
                )
            mapping[canon] = col
    taken = set(mapping.values())
    for canon, aliases in _ALIASES.items():
        if canon in mapping:
            continue
        for alias in aliases:
            col = by_norm.get(_norm(alias))
            if col is not None and col not in taken:
                mapping[canon] = col
                taken.add(col)
                break
    return mapping


def _parse_numeric(values: pd.Series, *, column: str, source_col: str) -> pd.Series:
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        out = values.astype("float64")
        missing = out.isna()
    else:
        text = values.astype("str").str.strip().str.replace(",", "", regex=False)
        missing = values.isna() | (text == "")
        out = pd.to_numeric(text.where(~missing), errors="coerce").astype("float64")
        bad = out.isna() & ~missing
        if bad.any():
            examples = ", ".join(repr(v) for v in values[bad].unique()[:3])
            raise DataValidationError(
                f"Column `{source_col}` (`{column}`) has {int(bad.sum())} non-numeric value(s) at "
                f"{format_rows(values.index[bad])}, e.g. {examples}. Fix or remove these rows "
                "(numbers must use '.' as the decimal point)."
            )
    if missing.any():
        raise DataValidationError(
            f"Column `{source_col}` (`{column}`) is empty at {format_rows(values.index[missing])}. "
            "Fill these values or drop the rows before loading; a missing value is never treated as 0."
        )
    inf = ~np.isfinite(out.to_numpy())
    if inf.any():
        raise DataValidationError(
            f"Column `{source_col}` (`{column}`) has infinite values at "
            f"{format_rows(values.index[inf])}. Fix these rows."
        )
    return out


def _parse_timestamps(values: pd.Series, *, source_col: str, date_format: str | None) -> pd.Series:
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC").dt.tz_localize(None)
    if pd.api.types.is_datetime64_any_dtype(values):
        parsed = values
    else:
        text = values.astype("str").str.strip()
        missing = values.isna() | (text == "")
        has_tz = text.str.contains(_TZ_SUFFIX) & ~missing
        if has_tz.any() and not has_tz[~missing].all():
            naive = ~has_tz & ~missing
            raise DataValidationError(
                f"Column `{source_col}` (`timestamp`) mixes time-zone-aware values "
                f"({format_rows(values.index[has_tz], 3)}) with naive ones "
                f"({format_rows(values.index[naive], 3)}). Export all timestamps in one "
                "convention (all UTC, or all local without offsets)."
            )
        kwargs: dict[str, Any] = {"errors": "coerce"}
        if date_format is not None:
            kwargs["format"] = date_format
        if has_tz.any():
            parsed = pd.to_datetime(
                text.where(~missing), utc=True, format=date_format or "ISO8601", errors="coerce"
            ).dt.tz_localize(None)
        else:
            parsed = pd.to_datetime(text.where(~missing), **kwargs)
            retry = parsed.isna() & ~missing
            if retry.any() and date_format is None:
                # pandas infers one format from the first value; parse the rest one by one
                parsed[retry] = pd.to_datetime(text[retry], format="mixed", errors="coerce")
        bad = parsed.isna() & ~missing
        if bad.any():
            examples = ", ".join(repr(v) for v in values[bad].unique()[:3])
            raise DataValidationError(
                f"Column `{source_col}` (`timestamp`) has {int(bad.sum())} value(s) that are not "
                f"dates at {format_rows(values.index[bad])}, e.g. {examples}. Fix these rows or pass "
                '`date_format=` (e.g. "%d/%m/%Y %H:%M").'
            )
    missing = parsed.isna()
    if missing.any():
        raise DataValidationError(
            f"Column `{source_col}` (`timestamp`) is empty at {format_rows(values.index[missing])}. "
            "Every transaction needs a date: fill or drop these rows."
        )
    return parsed


def _clean_ids(values: pd.Series) -> pd.Series:
    """Customer/order ids as strings; integral floats lose their ``.0``."""
    if pd.api.types.is_float_dtype(values):
        ints = values.round(0) == values
        out = values.astype("str")
        out[ints.fillna(False)] = values[ints.fillna(False)].astype("Int64").astype("str")
        out[values.isna()] = pd.NA
        values = out
    out = values.astype("str").str.strip()
    out = out.where(values.notna() & (out != ""), None)
    return out.astype("str")


def _map_columns(
    names: Sequence[str], given: Mapping[str, str | None], keep: Sequence[str], label: str
) -> dict[str, str]:
    """Canonical name -> source column, checked: required columns found, ``keep`` present."""
    mapping = _resolve_columns(pd.DataFrame(columns=list(names)), given)
    if given["amount"] is None and given["quantity"] and given["unit_price"]:
        mapping.pop("amount", None)  # the user asked for quantity x unit_price
    has_qp = "quantity" in mapping and "unit_price" in mapping
    missing = [c for c in ("customer_id", "timestamp") if c not in mapping]
    if "amount" not in mapping and not has_qp:
        missing.append("amount (or quantity and unit_price)")
    if missing:
        found = ", ".join(f"`{c}`" for c in list(names)[:15])
        listed = ", ".join(f"`{c}`" for c in missing)
        raise DataValidationError(
            f"The transaction data ({label}) has no column for {listed}. Found columns: {found}. "
            + _MAPPING_HINT
        )
    for col in keep:
        if col not in names:
            raise DataValidationError(f"Column `{col}` in `keep=` is not in the data ({label}).")
    return mapping


def load_transactions(
    source: Any,
    *,
    customer_id: str | None = None,
    timestamp: str | None = None,
    amount: str | None = None,
    quantity: str | None = None,
    unit_price: str | None = None,
    order_id: str | None = None,
    product_code: str | None = None,
    country: str | None = None,
    segment: str | None = None,
    currency: str | None = None,
    keep: Sequence[str] = (),
    analysis_date: str | pd.Timestamp | None = None,
    date_format: str | None = None,
    sheet_name: str | int = 0,
) -> pd.DataFrame:
    """Load a transaction log and return it in the canonical schema.

    Parameters
    ----------
    source : DataFrame or path
        A pandas or polars DataFrame, or a path to a ``.csv``, ``.csv.gz``, ``.parquet`` or
        ``.xlsx`` file.
    customer_id, timestamp, amount, quantity, unit_price, order_id, product_code, country, \
segment, currency : str, optional
        The source's column for each canonical column. When omitted, common names are
        recognised (``CustomerID``, ``InvoiceDate``, ``Quantity``, ``UnitPrice``,
        ``InvoiceNo``, ``StockCode``, ``Country``, ...). ``amount`` is computed as
        ``quantity * unit_price`` when no amount column is given or found.
    keep : sequence of str
        Further source columns to carry through unchanged (e.g. ``["tier"]``).
    analysis_date : str or Timestamp, optional
        The date the analysis is run "as of". Transactions after it are an error
        (default: now).
    date_format : str, optional
        ``strftime`` format of the dates when pandas cannot infer it.
    sheet_name : str or int
        Excel sheet to read.

    Returns
    -------
    pandas.DataFrame
        Columns ``customer_id, timestamp, amount`` and, where the source has them,
        ``order_id, quantity, unit_price, product_code, country, segment, currency``,
        then any ``keep`` columns and ``source_row``. ``attrs["rows_read"]`` holds the
        number of input rows and ``attrs["column_map"]`` the mapping used.

    Raises
    ------
    DataValidationError
        Missing columns, an empty input, unparsable or missing dates, mixed time zones,
        non-numeric or missing amounts, or dates after ``analysis_date``.

    Examples
    --------
    >>> import retention_lib as rl
    >>> tx = rl.load_transactions("online_retail.csv.gz")  # doctest: +SKIP
    >>> tx.columns.tolist()[:3]  # doctest: +SKIP
    ['customer_id', 'timestamp', 'amount']
    """
    raw, label = _read_source(source, sheet_name=sheet_name)
    if len(raw.columns) == 0 or len(raw) == 0:
        raise DataValidationError(
            f"The transaction data ({label}) has no rows. Check the file or the filter that built it."
        )
    given = {
        "customer_id": customer_id,
        "timestamp": timestamp,
        "amount": amount,
        "quantity": quantity,
        "unit_price": unit_price,
        "order_id": order_id,
        "product_code": product_code,
        "country": country,
        "segment": segment,
        "currency": currency,
    }
    mapping = _map_columns(list(raw.columns), given, keep, label)
    has_amount = "amount" in mapping

    out: dict[str, pd.Series] = {}
    out["customer_id"] = _clean_ids(raw[mapping["customer_id"]])
    out["timestamp"] = _parse_timestamps(
        raw[mapping["timestamp"]], source_col=mapping["timestamp"], date_format=date_format
    )
    for col in ("quantity", "unit_price"):
        if col in mapping:
            out[col] = _parse_numeric(raw[mapping[col]], column=col, source_col=mapping[col])
    if has_amount:
        out["amount"] = _parse_numeric(
            raw[mapping["amount"]], column="amount", source_col=mapping["amount"]
        )
    else:
        out["amount"] = out["quantity"] * out["unit_price"]
    for col in ("order_id", "product_code", "country", "segment", "currency"):
        if col in mapping:
            out[col] = _clean_ids(raw[mapping[col]])
    if "currency" in out:
        out["currency"] = out["currency"].str.upper()

    as_of = pd.Timestamp.now() if analysis_date is None else pd.Timestamp(analysis_date)
    future = out["timestamp"] > as_of
    if future.any():
        raise DataValidationError(
            f"Column `{mapping['timestamp']}` (`timestamp`) has {int(future.sum())} date(s) after the "
            f"analysis date {as_of:%Y-%m-%d %H:%M} at {format_rows(raw.index[future])} "
            f"(latest {out['timestamp'].max():%Y-%m-%d}). Fix the dates, or pass a later "
            "`analysis_date=` if the data is correct."
        )

    order = [c for c in CANONICAL_COLUMNS if c in out]
    tx = pd.DataFrame({c: out[c] for c in order})
    for col in keep:
        tx[col] = raw[col].to_numpy()
    tx["source_row"] = np.arange(len(raw), dtype="int64")
    tx.attrs = {
        "source": label,
        "rows_read": int(len(raw)),
        "column_map": {k: v for k, v in mapping.items() if k in out},
    }
    return tx


# ----------------------------------------------------------------------------- lazy loading


def _text(col: str, dtype: Any) -> nw.Expr:
    """A key column as trimmed text, empty strings as missing (``17850.0`` -> ``"17850"``)."""
    expr = nw.col(col)
    if dtype.is_float():
        expr = expr.cast(nw.Int64)
    if dtype != nw.String:
        expr = expr.cast(nw.String)
    expr = expr.str.strip_chars()
    return nw.when(expr == "").then(nw.lit(None, dtype=nw.String)).otherwise(expr)


def _datetime(col: str, dtype: Any, date_format: str | None) -> nw.Expr:
    if isinstance(dtype, nw.Datetime):
        return nw.col(col)
    if dtype == nw.Date:
        return nw.col(col).cast(nw.Datetime("us"))
    if dtype == nw.String:
        return nw.col(col).str.strip_chars().str.to_datetime(format=date_format)
    raise DataValidationError(
        f"Column `{col}` (`timestamp`) has type {dtype}, not a date or text. Point "
        "`timestamp=` at the date column."
    )


def _number(col: str, dtype: Any, canon: str) -> nw.Expr:
    if dtype.is_numeric() or dtype == nw.String:
        return nw.col(col).cast(nw.Float64)
    raise DataValidationError(f"Column `{col}` (`{canon}`) has type {dtype}, not a number.")


def scan_transactions(
    source: Any,
    *,
    customer_id: str | None = None,
    timestamp: str | None = None,
    amount: str | None = None,
    quantity: str | None = None,
    unit_price: str | None = None,
    order_id: str | None = None,
    product_code: str | None = None,
    country: str | None = None,
    segment: str | None = None,
    currency: str | None = None,
    keep: tuple[str, ...] | list[str] = (),
    analysis_date: Any = None,
    date_format: str | None = None,
    validate: bool = True,
) -> Any:
    """Lazy :func:`~retention_lib.load_transactions` for logs that outgrow pandas.

    Maps the source's columns to the canonical schema exactly as ``load_transactions``
    does (same arguments, same recognised names), but builds a query instead of a
    pandas frame: nothing is read until an analysis runs.

    Parameters
    ----------
    source : path, list of paths, DuckDB relation, PySpark DataFrame, polars LazyFrame, ...
        Parquet or CSV files (a file, a glob, or a folder, read by DuckDB), or a frame of
        any engine narwhals supports.
    customer_id, timestamp, amount, quantity, unit_price, order_id, product_code, country, segment, currency, keep, analysis_date, date_format
        As in :func:`~retention_lib.load_transactions`. ``date_format`` (``strftime``
        codes) parses text dates; without it ISO dates are expected.
    validate : bool, default True
        Run the checks below (one aggregation over the data).

    Returns
    -------
    DuckDB relation, PySpark DataFrame, polars LazyFrame, ...
        A query on the source's engine with ``customer_id, timestamp, amount`` and, where
        the source has them, ``order_id, quantity, unit_price, product_code, country,
        segment, currency`` and the ``keep`` columns. Feed it to any analysis function or to
        :func:`~retention_lib.clean_transactions`.

    Notes
    -----
    This is the lightweight variant of ``load_transactions``'s validation, done with one
    aggregation: missing columns, no rows, missing dates or amounts, infinite amounts and
    dates after ``analysis_date`` raise :class:`DataValidationError` with the counts and
    a few offending rows (shown by value: a lazy source has no row numbers, so there is no
    ``source_row`` column); text that is not a date or a number makes the engine fail,
    reported the same way. Time-zone-aware timestamps become naive (UTC; on PySpark and
    DuckDB the session's wall-clock time).

    Examples
    --------
    >>> tx = scan_transactions("lake/orders/", customer_id="CustomerID")  # doctest: +SKIP
    >>> cohort_retention(tx)  # doctest: +SKIP
    """
    raw = _wrap(source)
    schema = raw.collect_schema()
    names = list(schema.names())
    given = {
        "customer_id": customer_id,
        "timestamp": timestamp,
        "amount": amount,
        "quantity": quantity,
        "unit_price": unit_price,
        "order_id": order_id,
        "product_code": product_code,
        "country": country,
        "segment": segment,
        "currency": currency,
    }
    mapping = _map_columns(names, given, keep, "lazy source")

    exprs: dict[str, nw.Expr] = {}
    for canon, col in mapping.items():
        if canon == "timestamp":
            exprs[canon] = _datetime(col, schema[col], date_format)
        elif canon in ("amount", "quantity", "unit_price"):
            exprs[canon] = _number(col, schema[col], canon)
        else:
            exprs[canon] = _text(col, schema[col])
    if "amount" not in exprs:
        exprs["amount"] = exprs["quantity"] * exprs["unit_price"]
    if "currency" in exprs:
        exprs["currency"] = exprs["currency"].str.to_uppercase()
    order = [c for c in CANONICAL_COLUMNS if c in exprs]
    lf = raw.select(*[exprs[c].alias(c) for c in order], *[nw.col(k) for k in keep])
    lf = _normalise_schema(lf)
    if validate:
        _validate_lazy(lf, mapping, analysis_date)
    return lf.to_native()


def _validate_lazy(lf: nw.LazyFrame, mapping: dict[str, str], analysis_date: Any) -> None:
    as_of = pd.Timestamp.now() if analysis_date is None else pd.Timestamp(analysis_date)
    inf = float("inf")
    checks = {
        "missing_timestamp": nw.col("timestamp").is_null(),
        "missing_amount": nw.col("amount").is_null(),
        "infinite_amount": (nw.col("amount").abs() == inf).fill_null(False),
        "future": (nw.col("timestamp") > nw.lit(as_of.to_pydatetime())).fill_null(False),
    }
    try:
        counts = collect(
            lf.select(
                nw.len().alias("rows"),
                *[c.cast(nw.Int64).sum().alias(k) for k, c in checks.items()],
                nw.col("timestamp").max().alias("last"),
            )
        ).iloc[0]
    except DataValidationError:
        raise
    except Exception as exc:  # the engine could not parse a date or a number
        first = str(exc).strip().splitlines()[0][:300]
        raise DataValidationError(
            f"The data could not be read into the canonical columns: {first}. Check the "
            '`timestamp` text format (pass `date_format=`, e.g. "%d/%m/%Y %H:%M") and that '
            "amounts are plain numbers with '.' as the decimal point."
        ) from None
    if int(counts["rows"]) == 0:
        raise DataValidationError(
            "The transaction data has no rows. Check the path or the filter that built it."
        )
    problems = {
        "missing_timestamp": (
            "timestamp",
            "is empty in {n} row(s)",
            "Every transaction needs a date: fill or drop these rows.",
        ),
        "missing_amount": (
            "amount",
            "is empty in {n} row(s)",
            "Fill these values or drop the rows; a missing value is never treated as 0.",
        ),
        "infinite_amount": ("amount", "has {n} infinite value(s)", "Fix these rows."),
        "future": (
            "timestamp",
            f"has {{n}} date(s) after the analysis date {as_of:%Y-%m-%d %H:%M}",
            "Fix the dates, or pass a later `analysis_date=` if the data is correct.",
        ),
    }
    for key, (canon, what, fix) in problems.items():
        n = int(counts[key])
        if n:
            source = mapping.get(canon, "quantity x unit_price")
            rows = collect(lf.filter(checks[key]).select("customer_id", canon).head(3))
            shown = "; ".join(
                f"customer_id={r.customer_id!r}, {canon}={getattr(r, canon)!r}"
                for r in rows.itertuples()
            )
            raise DataValidationError(
                f"Column `{source}` (`{canon}`) {what.format(n=n)}, e.g. {shown}. {fix}"
            )
