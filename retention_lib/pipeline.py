"""One call from a file to clean, region-mapped transactions in one currency."""

from __future__ import annotations

import inspect
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

__all__ = ["SAMPLE_COLUMN_MAP", "prepare_transactions", "transactions_overview"]

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
    if data_path is None:
        raw = load_transactions(sample_data_path(), **{**SAMPLE_COLUMN_MAP, **columns, **reading})
    else:
        raw = load_transactions(data_path, **columns, **reading)
    notes: list[str] = [f"Source: {raw.attrs.get('source', 'data')} ({len(raw):,} rows)."]
    notes.extend(raw.attrs.get("loading_notes", []))
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


def _check_column_options(columns: Mapping[str, Any]) -> None:
    """``**columns`` are keyword arguments of :func:`load_transactions`."""
    known = _keyword_options(load_transactions)
    for name in columns:
        if name not in known:
            raise InputTypeError(
                f"`{name}` is not a column of the canonical schema or an option of "
                f"`load_transactions`; pass one of {', '.join(known)}."
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
