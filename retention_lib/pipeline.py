"""One call from a file to clean, region-mapped transactions in one currency."""

from __future__ import annotations

import inspect
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ._schema import order_keys, purchase_mask
from ._validation import (
    DataValidationError,
    InputTypeError,
    require_currency_code,
    require_group_column,
    require_mapping,
    require_transactions,
)
from .cleaning import CleaningReport, clean_transactions
from .currency import convert_currency
from .datasets import sample_data_path
from .loading import load_transactions
from .regions import add_regions, describe_country_mapping

__all__ = [
    "SAMPLE_COLUMN_MAP",
    "describe_overview",
    "prepare_transactions",
    "transactions_overview",
]

#: How the bundled sample's export columns map to the canonical schema.
SAMPLE_COLUMN_MAP: dict[str, Any] = {
    "customer_id": "customer_id",
    "timestamp": "order_date",
    "quantity": "quantity",
    "unit_price": "unit_price",
    "order_id": "order_id",
    "product_code": "product_code",
    "country": "country",
    "segment": "acquisition_channel",
    "currency": "currency",
    "keep": ["tier"],
}


def prepare_transactions(
    data_path: str | Path | pd.DataFrame | None = None,
    *,
    currency: str = "EUR",
    source_currency: str | None = None,
    aliases: Mapping[str, object] | None = None,
    cleaning: Mapping[str, Any] | None = None,
    sep: str | None = None,
    decimal: str | None = None,
    encoding: str | None = None,
    date_format: str | None = None,
    dayfirst: bool | None = None,
    **columns: Any,
) -> tuple[pd.DataFrame, CleaningReport]:
    """Load, map regions, convert to one currency and clean, with a full report.

    Parameters
    ----------
    data_path : path or DataFrame, optional
        The transaction log; ``None`` uses the bundled synthetic sample.
    currency : str
        Reporting currency (ISO 4217 with an ECB rate, e.g. ``"EUR"``, ``"GBP"``, ``"USD"``).
    source_currency : str, optional
        Currency of every row when the data has no ``currency`` column. When neither is
        given, amounts are taken to be in ``currency`` already (stated in the report).
    aliases : dict, optional
        Extra country aliases for :func:`~retention_lib.add_regions`, e.g. ``{"Narnia": "GB"}``.
    cleaning : dict, optional
        Options for :func:`~retention_lib.clean_transactions` (e.g. ``{"cancellations": "drop"}``).
    sep, decimal, encoding, date_format, dayfirst : optional
        How to read the file when it cannot be told from its content (delimiter, decimal
        mark, text encoding, date format, day-first dates); passed to
        :func:`~retention_lib.load_transactions`, which infers each when omitted. How the
        file was read is noted in the report.
    **columns
        Column mapping for :func:`~retention_lib.load_transactions` (``customer_id=...``,
        ``timestamp=...``, ``segment=...``, ``keep=[...]``).

    Returns
    -------
    transactions : pandas.DataFrame
        Clean canonical transactions with ``region``/``subregion``/``country_code`` when the
        data has countries, and ``amount`` in ``currency``.
    report : CleaningReport
        Rows and revenue per cleaning rule, with notes on currency and region mapping.

    Examples
    --------
    >>> tx, report = prepare_transactions()  # doctest: +SKIP
    >>> tx, report = prepare_transactions("online_retail.csv.gz", currency="GBP")  # doctest: +SKIP
    """
    currency = require_currency_code(currency, name="currency")
    source_currency = require_currency_code(
        source_currency, name="source_currency", allow_none=True
    )
    aliases = require_mapping(aliases, name="aliases", example="{'Narnia': 'GB'}") or None
    cleaning = _cleaning_options(cleaning)
    _check_column_options(columns)
    reading: dict[str, Any] = {"sep": sep, "decimal": decimal, "encoding": encoding}
    reading.update(date_format=date_format, dayfirst=dayfirst)
    reading = {k: v for k, v in reading.items() if v is not None}
    read: list[str] = []  # how the file was read, for the cleaning report
    source = sample_data_path() if data_path is None else data_path
    options = {**SAMPLE_COLUMN_MAP, **columns} if data_path is None else columns
    raw = load_transactions(source, **options, **reading, notes=read)
    label = (
        str(Path(source).expanduser())
        if isinstance(source, (str, os.PathLike))
        else type(source).__name__
    )
    notes: list[str] = [f"Source: {label} ({len(raw):,} rows).", *read]
    if "country" in raw.columns:
        raw, mapping = add_regions(raw, aliases=aliases, unmapped="keep")
        notes.extend(describe_country_mapping(mapping))
    if "currency" in raw.columns and source_currency is not None:
        codes = sorted(
            set(raw["currency"].dropna().astype(str).str.upper()) - {source_currency.upper()}
        )
        if codes:
            raise DataValidationError(
                f"`source_currency={source_currency!r}` contradicts the data, whose amounts are "
                f"in {', '.join(codes)} (currency column or currency signs). Leave "
                "`source_currency` out, or fix the data."
            )
    if "currency" in raw.columns or source_currency is not None:
        raw, summary = convert_currency(raw, to=currency, source_currency=source_currency)
        notes.append(str(summary))
    else:
        notes.append(
            f"No currency column and no `source_currency`: amounts are taken to be in {currency}."
        )
    raw.attrs["currency"] = currency
    tx, report = clean_transactions(raw, notes=notes, **cleaning)
    if len(tx) == 0:
        raise DataValidationError(
            f"No transaction is left after cleaning ({report.rows_read:,} rows read, all "
            "dropped): nothing can be analysed. See the cleaning report for the rule that "
            "dropped them (`clean_transactions(...)[1]`) and adjust its options via "
            "`cleaning=`, or check the column mapping."
        )
    tx.attrs["currency"] = currency
    return tx, report


#: Customers whose rows a run over a Parquet folder or a database reads into pandas, at most
#: (about: a hash of the id picks them); the rest of the log stays in its engine.
SAMPLE_CUSTOMERS = 200_000


def scanned_source(data_path: Any) -> bool:
    """Whether a run reads its log lazily.

    Parameters
    ----------
    data_path : path, str or None
        The run's ``data_path``.

    Returns
    -------
    bool
        True for a folder (of Parquet files) or a database URI (``postgresql://...#table``).
    """
    if not isinstance(data_path, (str, Path)):
        return False
    return "://" in str(data_path) or Path(data_path).is_dir()


def _scan(data_path: Any, columns: Mapping[str, Any], reading: Mapping[str, Any]) -> Any:
    """The log as a lazy query: a folder through DuckDB, ``URI#table`` through ibis."""
    from .loading import scan_transactions

    text = str(data_path)
    if "://" in text:
        uri, _, table = text.partition("#")
        if not table:
            raise DataValidationError(
                f"The database URI `{uri}` names no table: append `#table`, e.g. "
                "`postgresql://user@host/shop#orders`."
            )
        return scan_transactions(uri, table=table, **columns, **reading)
    return scan_transactions(text, **columns, **reading)


def _with_regions(lf: Any, aliases: Mapping[str, object] | None) -> tuple[Any, list[str]]:
    """``country_code, region, subregion`` joined to a lazy log from its distinct countries,
    mapped in pandas (one row per country)."""
    import narwhals as nw

    from ._backend import collect, table_like, to_lazy

    frame = to_lazy(lf)
    countries = collect(frame.group_by("country").agg(nw.len().alias("rows")))
    countries = countries[countries["country"].notna()].reset_index(drop=True)
    mapped, _ = add_regions(countries[["country"]], aliases=aliases, unmapped="keep")
    unknown = int(countries.loc[mapped["region"].eq("Unknown").to_numpy(), "rows"].sum())
    note = f"Regions: {len(countries):,} distinct countries mapped in the log's engine" + (
        f"; {unknown:,} rows of unmapped countries are region 'Unknown'." if unknown else "."
    )
    keys = mapped[["country", "country_code", "region", "subregion"]]
    joined = frame.join(table_like(keys, frame), on="country", how="left")
    return joined.to_native(), [note]


def prepare_scanned(
    data_path: str | Path,
    *,
    currency: str = "EUR",
    source_currency: str | None = None,
    aliases: Mapping[str, object] | None = None,
    cleaning: Mapping[str, Any] | None = None,
    customers: int = SAMPLE_CUSTOMERS,
    **options: Any,
) -> tuple[pd.DataFrame, CleaningReport, dict[str, int], Any]:
    """The run's :func:`prepare_transactions` for a log that stays where it lives.

    The Parquet folder or database table is read lazily (:func:`scan_transactions`),
    countries are mapped from their distinct values and the log is cleaned in its engine
    (the cleaning report counts every row); only the rows of a sample of about
    ``customers`` customers, picked by a hash of the id, reach pandas (all of them when the
    log has fewer customers).

    Parameters
    ----------
    data_path : path or str
        A folder of Parquet files, or a database URI with the table after ``#``
        (``"postgresql://user@host/shop#orders"``).
    currency, source_currency, aliases, cleaning
        As in :func:`prepare_transactions`; a lazy log is not converted between currencies
        (``source_currency``, if given, must be ``currency``).
    customers : int, default :data:`SAMPLE_CUSTOMERS`
        How many customers' rows to read into pandas, at most (about).
    **options
        Column mapping and reading options, as in :func:`prepare_transactions`.

    Returns
    -------
    transactions : pandas.DataFrame
        The cleaned rows of the sampled customers.
    report : CleaningReport
        The cleaning of the whole log.
    sample : dict
        ``customers`` and ``rows`` of the whole cleaned log, ``sampled_customers`` and
        ``sampled_rows`` read into pandas.
    log : narwhals.LazyFrame
        The whole cleaned log, still in its engine (for what is computed there, e.g. the
        compressed statistics the models fit on).
    """
    import narwhals as nw

    from ._backend import collect, columns_of, to_lazy

    currency = require_currency_code(currency, name="currency")
    source_currency = require_currency_code(
        source_currency, name="source_currency", allow_none=True
    )
    aliases = require_mapping(aliases, name="aliases", example="{'Narnia': 'GB'}") or None
    cleaning = _cleaning_options(cleaning)
    reading: dict[str, Any] = {k: options.pop(k) for k in ("date_format", "dayfirst", "sep", "decimal",
                                            "encoding") if k in options}  # fmt: skip
    from .loading import scan_transactions

    _check_column_options(options, scan_transactions)
    raw = _scan(data_path, options, reading)
    have = columns_of(to_lazy(raw))
    if "currency" in have or (source_currency is not None and source_currency != currency):
        raise DataValidationError(
            f"The log at `{data_path}` is read where it lives and is not converted between "
            "currencies: "
            + (
                "it has a currency column"
                if "currency" in have
                else f"its amounts are in {source_currency}"
            )
            + f". Convert its amounts to {currency} first, or report in its own currency "
            "(`--currency`)."
        )
    notes = [f"Source: {data_path} (read in place, not loaded into pandas)."]
    if "country" in have:
        raw, region_notes = _with_regions(raw, aliases)
        notes += region_notes
    notes.append(f"Amounts are taken to be in {currency}.")
    clean, report = clean_transactions(raw, notes=notes, **cleaning)
    lf = to_lazy(clean)
    total = (
        collect(  # a group-by, not n_unique: narwhals' casts a boolean PostgreSQL refuses
            lf.group_by("customer_id")
            .agg(nw.len().alias("_rows"))
            .select(nw.len().alias("customers"), nw.col("_rows").sum().alias("rows"))
        )
        .iloc[0]
        .fillna(0)
    )  # no customer: no rows (a sum over nothing is null)
    if int(total["rows"]) == 0:
        raise DataValidationError(
            f"No transaction is left after cleaning ({report.rows_read:,} rows read, all "
            "dropped): nothing can be analysed. Check the column mapping and the cleaning "
            "options."
        )
    buckets = max(1, -(-int(total["customers"]) // int(customers)))
    tx = collect(_customer_sample(lf, buckets))
    tx.attrs["currency"] = currency
    sample = {
        "customers": int(total["customers"]),
        "rows": int(total["rows"]),
        "sampled_customers": int(tx["customer_id"].nunique()),
        "sampled_rows": len(tx),
    }
    return tx, report, sample, lf


def _customer_sample(lf: Any, buckets: int) -> Any:
    """The rows of the customers whose id hashes to bucket 0 of ``buckets`` (all rows for one
    bucket), by the engine's own hash: DuckDB's ``hash``, ibis' ``hash()``."""
    import narwhals as nw

    if buckets == 1:
        return lf
    native = lf.to_native()
    if lf.implementation.is_duckdb():
        return nw.from_native(native.filter(f"hash(customer_id) % {buckets} = 0"))
    if lf.implementation.is_ibis():
        return nw.from_native(native.filter(native.customer_id.hash() % buckets == 0))
    raise DataValidationError(
        f"A log of this engine ({lf.implementation}) cannot be sampled by customer yet: "
        "write it to a Parquet folder, or read it from a database."
    )


def _keyword_options(func: Any, *, skip: tuple[str, ...] = ()) -> list[str]:
    return [
        name
        for name, p in inspect.signature(func).parameters.items()
        if p.kind is inspect.Parameter.KEYWORD_ONLY and name not in skip
    ]


def _cleaning_options(cleaning: Any) -> dict[str, Any]:
    """``cleaning=`` as keyword arguments of :func:`clean_transactions`."""
    options = require_mapping(cleaning, name="cleaning", example="{'cancellations': 'drop'}")
    known = _keyword_options(clean_transactions, skip=("notes",))
    unknown = [k for k in options if k not in known]
    if unknown:
        raise DataValidationError(
            f"`cleaning` has unknown option(s) {', '.join(repr(k) for k in unknown)}; the "
            f"options of `clean_transactions` are {', '.join(known)}."
        )
    return options


def _check_column_options(columns: Mapping[str, Any], loader: Any = None) -> None:
    """``**columns`` are keyword arguments of the ``loader`` (:func:`load_transactions`)."""
    loader = load_transactions if loader is None else loader
    known = _keyword_options(loader)
    for name in columns:
        if name not in known:
            raise InputTypeError(
                f"`{name}` is not a column of the canonical schema or an option of "
                f"`{loader.__name__}`; pass one of {', '.join(known)}."
            )


def transactions_overview(transactions: pd.DataFrame, *, by: str | None = None) -> pd.DataFrame:
    """Customers, orders, revenue and date range, overall or per group.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Clean canonical transactions.
    by : str, optional
        Column to group by (``"region"``, ``"segment"``, ...).

    Returns
    -------
    pandas.DataFrame
        Columns ``[by], customers, orders, revenue, revenue_share, first_purchase,
        last_purchase``; sorted by revenue, largest first. ``orders`` counts purchase
        orders (returns excluded); ``revenue`` is net of returns. Rows whose ``by`` value
        is missing form the group ``"(missing)"``, so every customer and every unit of
        revenue is counted.
    """
    require_transactions(transactions)
    if by is not None:
        transactions = require_group_column(transactions, by, missing="group")
    purchase = purchase_mask(transactions)
    # orders count purchases only (a return document is not an order); an order is an order
    # id, or a purchase day without one, counted per customer
    order = pd.Series(
        list(zip(transactions["customer_id"], order_keys(transactions), strict=True)),
        index=transactions.index,
    )
    tx = transactions.assign(_order=order.where(purchase))
    keys = [by] if by else (lambda _: 0)
    out = tx.groupby(keys, sort=False).agg(
        customers=("customer_id", "nunique"),
        orders=("_order", "nunique"),
        revenue=("amount", "sum"),
        first_purchase=("timestamp", "min"),
        last_purchase=("timestamp", "max"),
    )
    out["revenue_share"] = out["revenue"] / transactions["amount"].sum()
    out = out.sort_values("revenue", ascending=False).reset_index(drop=not by)
    cols = ([by] if by else []) + [
        "customers",
        "orders",
        "revenue",
        "revenue_share",
        "first_purchase",
        "last_purchase",
    ]
    return out[cols]


def describe_overview(transactions: pd.DataFrame, *, by: str) -> str | None:
    """Why the groups of :func:`transactions_overview` count more customers than the log
    has, when they do: a customer who bought in two groups is counted in each.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Clean canonical transactions (those given to :func:`transactions_overview`).
    by : str
        The group column of the overview (``"region"``, ``"segment"``, ...).

    Returns
    -------
    str or None
        E.g. "The rows count 4,367 customers, not 4,362: 5 customers bought in two or more
        regions and are counted in each."; None when every customer is in one group.
    """
    require_transactions(transactions)
    tx = require_group_column(transactions, by, missing="group")
    per_customer = tx[by].astype("string").groupby(tx["customer_id"], sort=False).nunique()
    several = int((per_customer > 1).sum())
    if not several:
        return None
    counted, customers = int(per_customer.sum()), len(per_customer)
    word = by.replace("_", " ")
    words = word if word.endswith("s") else word[:-1] + "ies" if word.endswith("y") else word + "s"
    who = "1 customer" if several == 1 else f"{several:,} customers"
    return (
        f"The rows count {counted:,} customers, not {customers:,}: {who} bought in two or more "
        f"{words} and {'is' if several == 1 else 'are'} counted in each."
    )
