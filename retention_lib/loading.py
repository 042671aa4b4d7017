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
import unicodedata
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd

from ._backend import (
    _normalise_schema,
    _wrap,
    as_int,
    collect,
    is_database_uri,
    read_database,
)
from ._dates import lazy_dates, parse_dates
from ._files import DELIMITERS, read_file
from ._numbers import parse_number_columns
from ._validation import (
    DataValidationError,
    InputTypeError,
    format_rows,
    require_date,
    require_sequence_of_str,
)

__all__ = ["CANONICAL_COLUMNS", "load_transactions", "scan_transactions"]

#: canonical name -> column names recognised automatically (compared case- and
#: punctuation-insensitively) when the user does not name the column.
#: Names from Dutch, German, French, Spanish, Italian and Portuguese shop and Excel exports
#: follow the English ones (accents are ignored: ``Quantité`` matches ``quantite``).
_ALIASES: dict[str, tuple[str, ...]] = {
    "customer_id": (
        "customer_id",
        "customerid",
        "customer",
        "client_id",
        "user_id",
        "id",
        # nl, de, fr, es/pt, it
        "klantnummer",
        "klantnr",
        "klant_id",
        "klant",
        "kundennummer",
        "kundennr",
        "kunden_id",
        "kunde",
        "numero_client",
        "num_client",
        "id_client",
        "client",
        "numero_cliente",
        "id_cliente",
        "cliente",
        "codice_cliente",
    ),
    "timestamp": (
        "timestamp",
        "invoicedate",
        "order_date",
        "orderdate",
        "date",
        "datetime",
        "purchase_date",
        "transaction_date",
        "besteldatum",
        "orderdatum",
        "factuurdatum",
        "bestelldatum",
        "auftragsdatum",
        "rechnungsdatum",
        "datum",
        "date_commande",
        "date_de_commande",
        "date_facture",
        "fecha_pedido",
        "fecha_de_pedido",
        "fecha_factura",
        "fecha",
        "data_ordine",
        "data_pedido",
    ),
    "amount": (
        "amount",
        "revenue",
        "sales",
        "value",
        "order_value",
        "total",
        "dollar_value",
        "bedrag",
        "totaalbedrag",
        "totaal",
        "omzet",
        "betrag",
        "gesamtbetrag",
        "umsatz",
        "montant",
        "montant_total",
        "importe",
        "importe_total",
        "importo",
        "valor",
    ),
    "quantity": (
        "quantity",
        "qty",
        "units",
        "aantal",
        "hoeveelheid",
        "menge",
        "anzahl",
        "quantite",
        "cantidad",
        "quantita",
        "quantidade",
    ),
    "unit_price": (
        "unit_price",
        "unitprice",
        "price",
        "stukprijs",
        "eenheidsprijs",
        "prijs",
        "einzelpreis",
        "stuckpreis",
        "preis",
        "prix_unitaire",
        "prix",
        "precio_unitario",
        "precio",
        "prezzo",
        "preco",
    ),
    "order_id": (
        "order_id",
        "invoiceno",
        "invoice",
        "invoice_no",
        "transaction_id",
        "order",
        "bestelnummer",
        "ordernummer",
        "factuurnummer",
        "bestellnummer",
        "auftragsnummer",
        "rechnungsnummer",
        "numero_commande",
        "numero_facture",
        "commande",
        "numero_pedido",
        "pedido",
        "factura",
        "numero_ordine",
    ),
    "product_code": (
        "product_code",
        "stockcode",
        "stock_code",
        "sku",
        "product_id",
        "artikelnummer",
        "artikelnr",
        "artnr",
        "artikelcode",
        "productcode",
        "productnummer",
        "produktnummer",
        "produktcode",
        "item_code",
        "item_id",
        "ean",
        "code_article",
        "reference",
        "referencia",
        "codigo_producto",
        "codice_articolo",
    ),
    "country": ("country", "country_code", "land", "pays", "pais", "paese"),
    "segment": ("segment",),
    "currency": ("currency", "currency_code", "valuta", "wahrung", "devise", "moneda"),
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


def _norm(name: Any) -> str:
    """A column name compared case-, accent- and punctuation-insensitively."""
    folded = unicodedata.normalize("NFKD", str(name).lower())
    return re.sub(r"[^a-z0-9]", "", "".join(c for c in folded if not unicodedata.combining(c)))


def _read_source(
    source: Any, *, sheet_name: str | int, sep: str | None, encoding: str | None
) -> tuple[pd.DataFrame, str, list[str]]:
    """Read ``source`` into pandas without interpreting values: ``(frame, label, notes)``."""
    if isinstance(source, (str, os.PathLike)):
        path = Path(source).expanduser()
        df, notes = read_file(path, sheet_name=sheet_name, sep=sep, encoding=encoding)
        return df, str(path), notes
    for name, value in (("sep", sep), ("encoding", encoding)):
        if value is not None:
            raise DataValidationError(
                f"`{name}=` applies to delimited text files; the data given is a "
                f"{type(source).__name__}, already read."
            )
    if isinstance(source, pd.DataFrame):
        return source.reset_index(drop=True), "DataFrame", []
    if isinstance(source, (list, tuple, dict)):
        raise InputTypeError(
            f"`source` must be a DataFrame or a path to a CSV, CSV.GZ, Parquet or Excel file; "
            f"got a {type(source).__name__}. Build a frame first, e.g. "
            "`load_transactions(pd.DataFrame(records))`."
        )
    # polars, pyarrow, ... anything narwhals understands eagerly
    try:
        frame = nw.from_native(source, eager_only=True)
    except TypeError:
        raise InputTypeError(
            f"`source` must be a pandas/polars DataFrame or a path to a CSV, CSV.GZ, Parquet or "
            f"Excel file; got {type(source).__name__}."
        ) from None
    return frame.to_pandas().reset_index(drop=True), type(source).__name__, []


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


_WHOLE_FLOAT_TEXT = r"^[+-]?\d+\.0+$"  # "12583.0": a whole number written by a float export


def _clean_ids(values: pd.Series) -> pd.Series:
    """Ids as text, the same whatever type held them.

    Whole-number floats and their text lose the ``.0`` (``12583.0``, ``"12583.0"`` and
    ``12583`` are one customer); leading zeros stay as written (``"00123"`` is not ``123``:
    an id is a label, not a number); surrounding spaces go; empty text is missing.
    """
    codes, uniques = pd.factorize(values)
    if pd.api.types.is_float_dtype(uniques.dtype):
        arr = np.asarray(uniques, dtype=float)
        whole = np.isfinite(arr) & (np.round(arr) == arr) & (np.abs(arr) < 2**63)
        text = pd.Series(arr.astype(str), dtype=object)
        text[whole] = pd.Series(arr[whole]).astype("int64").astype(str).to_numpy()
    else:
        text = pd.Series(
            [
                str(int(v))
                if isinstance(v, (float, np.floating)) and float(v).is_integer()
                else str(v)
                for v in uniques
            ],
            dtype=object,
        )
    text = text.str.strip().str.replace(r"^([+-]?\d+)\.0+$", r"\1", regex=True)
    text = text.where(text != "", None)
    # code -1 (missing) -> None
    lookup = np.concatenate([np.asarray(text, dtype=object), np.array([None], dtype=object)])
    return pd.Series(lookup[codes], index=values.index, dtype=object).astype("str")


def _unused_columns_note(
    names: Sequence[Any], mapping: Mapping[str, str], keep: Sequence[str]
) -> list[str]:
    """A loading note naming the source columns the canonical frame does not use (none when
    every column is used), so a column the aliases missed is seen, not silently dropped."""
    used = {*mapping.values(), *keep}
    unused = [str(c) for c in names if c not in used]
    if not unused:
        return []
    shown = ", ".join(f"`{c}`" for c in unused[:8]) + (
        f" and {len(unused) - 8} more" if len(unused) > 8 else ""
    )
    note = f"Columns not used: {shown}."
    if "product_code" not in mapping:
        note += (
            " No product column was recognised, so postage, fee and other non-product lines "
            "cannot be told apart: if one of these columns is the product code, name it with "
            "`product_code=`."
        )
    return [note]


def _duplicated_names(names: Sequence[Any]) -> list[Any]:
    seen: set[Any] = set()
    return [n for n in names if n in seen or seen.add(n)]  # type: ignore[func-returns-value]


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
        joined = [d for d in DELIMITERS if len(names) == 1 and d in str(names[0])]
        hint = (
            f"The only column's name holds {joined[0]!r}: the data is probably separated by "
            f"{joined[0]!r}; pass `sep={joined[0]!r}` (or read it with that delimiter)."
            if joined
            else _MAPPING_HINT
        )
        raise DataValidationError(
            f"The transaction data ({label}) has no column for {listed}. Found columns: {found}. "
            + hint
        )
    twice = [c for c in _duplicated_names(list(names)) if c in mapping.values() or c in keep]
    if twice:
        positions = [i for i, c in enumerate(names) if c == twice[0]]
        raise DataValidationError(
            f"The transaction data ({label}) has {len(positions)} columns named `{twice[0]}` "
            f"(positions {', '.join(map(str, positions))}). Rename or drop one, or name the "
            "column to use explicitly after renaming."
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
    dayfirst: bool | None = None,
    sep: str | None = None,
    decimal: str | None = None,
    encoding: str | None = None,
    sheet_name: str | int = 0,
    notes: list[str] | None = None,
) -> pd.DataFrame:
    """Load a transaction log and return it in the canonical schema.

    Exports from any locale load the same: the format is told by the file's content, the
    encoding, delimiter, decimal mark and date convention are inferred from the whole file
    (or column) and read one way, never value by value; whatever cannot be told is a clear
    error asking for the argument that settles it. ``attrs["loading_notes"]`` says how the
    file was read (for the cleaning report).

    Parameters
    ----------
    source : DataFrame or path
        A pandas or polars DataFrame, or a path to a ``.csv`` / ``.tsv`` / ``.txt`` file
        (optionally ``.gz``, ``.bz2``, ``.xz``, ``.zst`` or ``.zip`` compressed), a
        ``.parquet`` or an ``.xlsx`` file.
    customer_id, timestamp, amount, quantity, unit_price, order_id, product_code, country, \
segment, currency : str, optional
        The source's column for each canonical column. When omitted, common names are
        recognised, compared without case, accents or punctuation: ``CustomerID``,
        ``InvoiceDate``, ``Quantity``, ``UnitPrice``, ``InvoiceNo``, ``StockCode``,
        ``Country``, ... and their Dutch, German, French, Spanish and Italian counterparts
        (``Klantnummer``/``Kundennummer``/``Client``/``Cliente``, ``Besteldatum``/
        ``Bestelldatum``/``Datum``/``Fecha``, ``Bedrag``/``Betrag``/``Montant``/``Importe``,
        ``Aantal``/``Menge``/``Quantité``/``Cantidad``, ``Prijs``/``Preis``/``Prix``/
        ``Precio``, ...; the full table is ``retention_lib.loading._ALIASES``). ``amount``
        is computed as ``quantity * unit_price`` when no amount column is given or found.
    keep : sequence of str
        Further source columns to carry through unchanged (e.g. ``["tier"]``).
    analysis_date : str or Timestamp, optional
        The date the analysis is run "as of". Transactions after it are an error
        (default: now).
    date_format : str, optional
        ``strftime`` format of the dates (``"%d.%m.%Y %H:%M"``), ``"ISO8601"``, or for
        numbers ``"epoch"`` (Unix seconds), ``"epoch_ms"``, ``"epoch_us"``, ``"epoch_ns"``
        or ``"excel"`` (Excel serial days). Without it the format is inferred from the
        whole column: ISO 8601, year-first, day- or month-first with ``-`` ``/`` or ``.``
        (a column where some first fields exceed 12 is day-first, one where some second
        fields do is month-first), month names in English, German, Dutch, French, Spanish,
        Italian or Portuguese, ``YYYYMMDD``.
    dayfirst : bool, optional
        How to read numeric dates when no value in the column decides it (every day and
        month 12 or below). Without it such a column is an error. Not with ``date_format``.
    sep : str, optional
        Delimiter of a text file; sniffed among ``,`` ``;`` tab ``|`` when omitted
        (Excel's ``sep=;`` first line is honoured).
    decimal : {".", ","}, optional
        Decimal mark of numbers written as text; inferred from every numeric column
        together when omitted (``1.234,50`` and ``12,5`` say comma, ``1,234.50`` and
        ``12.50`` point; thousands may be grouped with the other mark, spaces,
        non-breaking spaces or apostrophes; currency signs are removed and noted).
    encoding : str, optional
        Text encoding of the file; by default a byte-order mark, else UTF-8, else
        Windows-1252 or the encoding charset-normalizer finds (noted).
    sheet_name : str or int
        Excel sheet to read.
    notes : list of str, optional
        A list to extend with how the file was read (the sentences of
        ``attrs["loading_notes"]``), e.g. for a cleaning report.

    Returns
    -------
    pandas.DataFrame
        Columns ``customer_id, timestamp, amount`` and, where the source has them,
        ``order_id, quantity, unit_price, product_code, country, segment, currency``,
        then any ``keep`` columns and ``source_row``. Ids are text: ``12583.0`` and
        ``12583`` are one id, leading zeros are kept as written (``00123`` stays
        ``00123``). ``attrs["rows_read"]`` holds the number of input rows,
        ``attrs["column_map"]`` the mapping used and ``attrs["loading_notes"]`` how the
        file was read.

    Raises
    ------
    DataPathError
        The path is missing, a folder, or not readable (a ``FileNotFoundError``).
    DataValidationError
        An empty, truncated or binary file, an encoding, delimiter, decimal mark or date
        convention that cannot be told, missing or duplicated columns, no customer id at
        all, unparsable or missing dates, mixed time zones, non-numeric, missing or
        overflowing amounts, or dates after ``analysis_date``.

    Examples
    --------
    >>> import retention_lib as rl
    >>> tx = rl.load_transactions("online_retail.csv.gz")  # doctest: +SKIP
    >>> tx.columns.tolist()[:3]  # doctest: +SKIP
    ['customer_id', 'timestamp', 'amount']
    >>> tx = rl.load_transactions("bestellingen.csv")  # doctest: +SKIP
    >>> tx.attrs["loading_notes"]  # doctest: +SKIP
    ["`bestellingen.csv` read as cp1252 (not UTF-8), e.g. 'Crème'; ...", ...]
    """
    _check_options(date_format=date_format, dayfirst=dayfirst, keep=keep)
    if notes is not None and not isinstance(notes, list):
        raise InputTypeError(
            f"`notes` must be a list to extend (or None), got {type(notes).__name__}."
        )
    analysis_date = require_date(analysis_date, name="analysis_date", allow_none=True)
    raw, label, read_notes = _read_source(source, sheet_name=sheet_name, sep=sep, encoding=encoding)
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
    read_notes.extend(_unused_columns_note(list(raw.columns), mapping, keep))

    out: dict[str, pd.Series] = {}
    out["customer_id"] = _clean_ids(raw[mapping["customer_id"]])
    if out["customer_id"].isna().all():
        raise DataValidationError(
            f"Column `{mapping['customer_id']}` (`customer_id`) is empty in all {len(raw):,} "
            "rows: no transaction can be tied to a customer. Point `customer_id=` at the column "
            "holding the customer ids, or export them with the log."
        )
    ts_col = mapping["timestamp"]
    out["timestamp"], note = parse_dates(
        raw[ts_col], column=ts_col, date_format=date_format, dayfirst=dayfirst
    )
    read_notes.extend([note] if note else [])
    missing = out["timestamp"].isna()
    if missing.any():
        raise DataValidationError(
            f"Column `{ts_col}` (`timestamp`) is empty at {format_rows(raw.index[missing])}. "
            "Every transaction needs a date: fill or drop these rows."
        )
    numeric = [c for c in ("quantity", "unit_price", "amount") if c in mapping]
    numbers, number_notes, signs = parse_number_columns(
        {c: (mapping[c], raw[mapping[c]]) for c in numeric}, decimal=decimal
    )
    read_notes.extend(number_notes)
    out.update(numbers)
    sign = signs.get("amount" if has_amount else "unit_price")
    if sign is not None and "currency" not in mapping:
        # the amounts say their currency: keep it, so that conversion does not assume one
        out["currency"] = pd.Series(sign, index=raw.index, dtype="str")
        read_notes.append(f"No currency column: the amounts' sign gives {sign} for every row.")
    if not has_amount:
        out["amount"] = _product(out["quantity"], out["unit_price"], mapping)
    _check_total(out["amount"], mapping.get("amount", "quantity x unit_price"))
    for col in ("order_id", "product_code", "country", "segment", "currency"):
        if col in mapping:
            out[col] = _clean_ids(raw[mapping[col]])
    if "currency" in mapping:
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
        "loading_notes": read_notes,
    }
    if notes is not None:
        notes.extend(read_notes)
    return tx


def _check_options(*, date_format: Any, dayfirst: Any, keep: Any) -> None:
    """The reading options shared by :func:`load_transactions` and :func:`scan_transactions`."""
    if date_format is not None and dayfirst is not None:
        raise DataValidationError(
            "Give `date_format=` or `dayfirst=`, not both: a format already says where the day is."
        )
    require_sequence_of_str(keep, name="keep", what="column names", example="['tier']")


def _product(quantity: pd.Series, unit_price: pd.Series, mapping: Mapping[str, str]) -> pd.Series:
    """``quantity * unit_price``, an error naming the rows where it overflows."""
    with np.errstate(over="ignore", invalid="ignore"):
        amount = quantity * unit_price
    bad = ~np.isfinite(amount.to_numpy())
    if bad.any():
        rows = amount.index[bad]
        first = rows[0]
        raise DataValidationError(
            f"`{mapping['quantity']}` x `{mapping['unit_price']}` (`quantity` x `unit_price`) "
            f"overflows to infinity at {format_rows(rows)} (e.g. {quantity[first]:.4g} x "
            f"{unit_price[first]:.4g}). Fix these rows: a unit or decimal-mark error in the export?"
        )
    return amount


def _check_total(amount: pd.Series, source_col: str) -> None:
    """Amounts whose total overflows would make every revenue figure infinite."""
    with np.errstate(over="ignore"):
        total = float(np.abs(amount.to_numpy()).sum())
    if not np.isfinite(total):
        largest = amount.abs().nlargest(3).index
        raise DataValidationError(
            f"Column `{source_col}` (`amount`) holds amounts so large that their total "
            f"overflows (largest at {format_rows(largest)}: {amount[largest[0]]:.4g}). Fix these "
            "rows: a unit or decimal-mark error in the export?"
        )


# ----------------------------------------------------------------------------- lazy loading


def _text(col: str, dtype: Any) -> nw.Expr:
    """A key column as text, as :func:`_clean_ids` makes it on pandas: whole-number floats
    and their text lose the ``.0``, leading zeros stay, empty strings are missing."""
    expr = nw.col(col)
    if dtype.is_float():
        whole = expr == expr.round(0)
        expr = (
            nw.when(whole).then(expr.cast(nw.Int64).cast(nw.String)).otherwise(expr.cast(nw.String))
        )
    elif dtype != nw.String:
        expr = expr.cast(nw.String)
    expr = expr.str.strip_chars()
    expr = (
        nw.when(expr.str.contains(_WHOLE_FLOAT_TEXT))
        .then(expr.str.replace_all(r"\.0+$", ""))
        .otherwise(expr)
    )
    return nw.when(expr == "").then(nw.lit(None, dtype=nw.String)).otherwise(expr)


def _datetime(
    lf: nw.LazyFrame, col: str, dtype: Any, date_format: str | None, dayfirst: bool | None
) -> nw.Expr:
    if isinstance(dtype, nw.Datetime):
        return nw.col(col)
    if dtype == nw.Date:
        return nw.col(col).cast(nw.Datetime("us"))
    if dtype == nw.String:
        if date_format is None:
            return lazy_dates(lf, col, dayfirst=dayfirst)[0]
        return nw.col(col).str.strip_chars().str.to_datetime(format=date_format)
    raise DataValidationError(
        f"Column `{col}` (`timestamp`) has type {dtype}, not a date or text. Point "
        "`timestamp=` at the date column."
    )


_LAZY_GROUPING = "[\\s\u00a0\u202f\u2009'\u2019€£$]|EUR|GBP|USD|CHF"  # real characters: RE2
_GROUPED = {".": r"^[-+]?\d{1,3}(,\d{3})+(\.\d*)?$", ",": r"^[-+]?\d{1,3}(\.\d{3})+(,\d*)?$"}
_SHOWS_DECIMAL = {
    ".": r"\.\d{1,2}$|\.\d{4,}$|^[-+]?0?\.\d|,\d{3}\.|,\d{3},",
    ",": r",\d{1,2}$|,\d{4,}$|^[-+]?0?,\d|\.\d{3},|\.\d{3}\.",
}


def _number_text(col: str) -> nw.Expr:
    return nw.col(col).str.strip_chars().str.replace_all(_LAZY_GROUPING, "")


def _lazy_decimal(lf: nw.LazyFrame, cols: Sequence[str]) -> str:
    """The decimal mark of the text number columns ``cols``, as the pandas path decides it."""
    if not cols:
        return "."
    sums = []
    for i, col in enumerate(cols):
        text = _number_text(col)
        for mark, pattern in _SHOWS_DECIMAL.items():
            sums.append(as_int(text.str.contains(pattern)).sum().alias(f"{mark}{i}"))
        ambiguous = as_int(text.str.contains(r"^[-+]?[1-9]\d{0,2}[.,]\d{3}$")).sum()
        sums.append(ambiguous.alias(f"?{i}"))
    counts = collect(lf.select(*sums)).iloc[0].fillna(0)
    votes = {m: sum(int(counts[f"{m}{i}"]) for i in range(len(cols))) for m in ".,"}
    if votes["."] and votes[","]:
        raise DataValidationError(
            f"The numbers of {', '.join(f'`{c}`' for c in cols)} disagree on the decimal mark "
            f"({votes['.']:,} values show a decimal point, {votes[',']:,} a decimal comma). "
            "Pass `decimal='.'` or `decimal=','`."
        )
    if votes[","]:
        return ","
    if not votes["."] and any(int(counts[f"?{i}"]) > 0 for i in range(len(cols))):
        raise DataValidationError(
            f"No number in {', '.join(f'`{c}`' for c in cols)} shows its decimal mark (values "
            "such as '1.234' read either way). Pass `decimal='.'` or `decimal=','`."
        )
    return "."


def _number(col: str, dtype: Any, canon: str, decimal: str) -> nw.Expr:
    if dtype.is_numeric():
        return nw.col(col).cast(nw.Float64)
    if dtype != nw.String:
        raise DataValidationError(f"Column `{col}` (`{canon}`) has type {dtype}, not a number.")
    text = _number_text(col)
    thousands = "," if decimal == "." else "."
    ungrouped = text.str.replace_all(thousands, "", literal=True)
    plain = ungrouped if decimal == "." else ungrouped.str.replace_all(",", ".", literal=True)
    # a thousands mark that does not group in threes makes the cast fail, showing the value
    ok = text.str.contains(_GROUPED[decimal]) | ~text.str.contains(thousands, literal=True)
    return nw.when(ok).then(plain).otherwise(nw.concat_str([nw.lit("?"), text])).cast(nw.Float64)


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
    dayfirst: bool | None = None,
    sep: str | None = None,
    decimal: str | None = None,
    encoding: str | None = None,
    validate: bool = True,
    table: str | None = None,
    query: str | None = None,
) -> Any:
    """Lazy :func:`~retention_lib.load_transactions` for logs that outgrow pandas.

    Maps the source's columns to the canonical schema exactly as ``load_transactions``
    does (same arguments, same recognised names), but builds a query instead of a
    pandas frame: nothing is read until an analysis runs.

    Parameters
    ----------
    source : path, list of paths, database URI, DuckDB relation, PySpark DataFrame or ibis table
        Parquet or CSV files (a file, a glob, or a folder, read by DuckDB), a database URI
        such as ``"postgresql://user:password@host:5432/shop"`` (with ``table`` or
        ``query``; read through ibis, ``pip install 'retention-lib[db]'``), or a frame of
        any engine narwhals supports (an ibis table of any ibis backend included).
    customer_id, timestamp, amount, quantity, unit_price, order_id, product_code, country, segment, currency, keep, analysis_date, date_format, dayfirst, decimal
        As in :func:`~retention_lib.load_transactions`. Text dates are read with one
        convention inferred from the whole column (one aggregation over the distinct
        shapes of the values): ISO 8601, year-first, day- or month-first numeric dates,
        with an undecidable column an error asking for ``dayfirst=`` or ``date_format=``;
        month names, time-zone offsets and epochs need ``load_transactions`` or a
        ``date_format``. Text numbers get the decimal mark the values show (or
        ``decimal=``); grouping spaces, apostrophes and the signs € £ $ EUR GBP USD CHF
        are removed (unlike ``load_transactions``, no ``currency`` column is derived
        from them: map one or pass ``source_currency`` when converting).
    sep, encoding : str, optional
        For CSV files read by DuckDB: the delimiter (sniffed by DuckDB when omitted) and
        the encoding, passed to DuckDB (which reads UTF-8; read Windows-1252 exports with
        ``load_transactions``). CSV columns are read as text and typed here, so ids keep
        their leading zeros and dates are read with one convention.
    validate : bool, default True
        Run the checks below (one aggregation over the data).
    table, query : str, optional
        With a database URI: the table (``"orders"`` or ``"schema.orders"``) or a SQL
        ``SELECT`` to read. The analyses then run as SQL in the database and only small
        results come back.

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
    >>> orders = scan_transactions(  # doctest: +SKIP
    ...     "postgresql://analyst@db.internal/shop", table="sales.orders", amount="total")
    """
    _check_options(date_format=date_format, dayfirst=dayfirst, keep=keep)
    analysis_date = require_date(analysis_date, name="analysis_date", allow_none=True)
    if decimal is not None and decimal not in (".", ","):
        raise DataValidationError(f"`decimal` must be '.' or ','; got {decimal!r}.")
    csv_options = {"all_varchar": True, "sep": sep, "encoding": encoding}
    if is_database_uri(source):
        source = read_database(source, table=table, query=query)
    elif table is not None or query is not None:
        raise DataValidationError(
            "`table` and `query` apply to a database URI such as "
            "'postgresql://user@host/db'; `source` is not one."
        )
    try:
        raw = _wrap(
            source,
            csv_options={k: v for k, v in csv_options.items() if v is not None},
            name="source",
        )
        schema = raw.collect_schema()
    except (DataValidationError, FileNotFoundError, TypeError):
        raise
    except Exception as exc:  # DuckDB could not sniff or decode the CSV
        first = str(exc).strip().splitlines()[0][:300]
        if "unicode" in str(exc).lower():
            first += " (the file is not valid UTF-8)"
        raise DataValidationError(
            f"The CSV data could not be read: {first}. Pass `sep=` or `encoding=`, or read the "
            "file with `load_transactions`, which also reads Windows-1252 and other encodings."
        ) from None
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

    numeric = [c for c in ("amount", "quantity", "unit_price") if c in mapping]
    texts = [mapping[c] for c in numeric if schema[mapping[c]] == nw.String]
    mark = decimal or _lazy_decimal(raw, texts)
    exprs: dict[str, nw.Expr] = {}
    for canon, col in mapping.items():
        if canon == "timestamp":
            exprs[canon] = _datetime(raw, col, schema[col], date_format, dayfirst)
        elif canon in numeric:
            exprs[canon] = _number(col, schema[col], canon, mark)
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
                *[as_int(c).sum().alias(k) for k, c in checks.items()],
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
            source = mapping.get(canon) or f"{mapping['quantity']}` x `{mapping['unit_price']}"
            rows = collect(lf.filter(checks[key]).select("customer_id", canon).head(3))
            shown = "; ".join(
                f"customer_id={r.customer_id!r}, {canon}={getattr(r, canon)!r}"
                for r in rows.itertuples()
            )
            raise DataValidationError(
                f"Column `{source}` (`{canon}`) {what.format(n=n)}, e.g. {shown}. {fix}"
            )
