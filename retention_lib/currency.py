"""Convert transaction amounts to one reporting currency with ECB reference rates.

Rates come from :class:`currency_converter.CurrencyConverter`, which ships the
European Central Bank's euro foreign exchange reference rates (daily since
1999) inside the package, so no network access is needed. The ECB publishes
rates on TARGET business days only; a transaction dated on a weekend, a holiday
or after the last date of the bundled file uses the rate of the nearest
*earlier* date on which both currencies have a rate, and
:class:`ConversionSummary` states how many rows did so and the largest gap.

The conversion is vectorised: one rate per (currency, calendar day) is looked
up once and joined to the rows with an as-of merge.
"""

from __future__ import annotations

import datetime as dt
import warnings
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import pandas as pd

from retention_lib._validation import (
    AssumptionWarning,
    DataValidationError,
    InputTypeError,
    format_rows,
    require_columns,
    require_currency_code,
    require_frame,
    require_numeric_column,
)

__all__ = ["ConversionSummary", "convert_currency", "ecb_converter", "supported_currencies"]

#: A fallback more than this many days old triggers an AssumptionWarning.
STALE_RATE_DAYS = 7

_SUMMARY_COLUMNS = [
    "currency",
    "rows",
    "rows_fallback",
    "max_gap_days",
    "rate_min",
    "rate_max",
    "first_date",
    "last_date",
]


@lru_cache(maxsize=1)
def ecb_converter():
    """The shared :class:`currency_converter.CurrencyConverter` on the bundled ECB file.

    Built without any fallback option, so a date without a published rate
    raises ``RateNotFoundError`` inside the converter; :func:`convert_currency`
    handles the fallback itself (nearest earlier date) and reports it.

    Returns
    -------
    currency_converter.CurrencyConverter
    """
    from currency_converter import CurrencyConverter

    return CurrencyConverter(fallback_on_missing_rate=False, fallback_on_wrong_date=False)


def supported_currencies() -> list[str]:
    """ISO 4217 codes the bundled ECB file has rates for (EUR included), sorted."""
    return sorted(ecb_converter().currencies)


@dataclass
class ConversionSummary:
    """What :func:`convert_currency` did, per source currency.

    Attributes
    ----------
    to : str
        The reporting currency.
    table : pandas.DataFrame
        One row per source currency: ``currency``, ``rows`` (rows converted),
        ``rows_fallback`` (rows whose date had no ECB rate and used the nearest
        earlier date), ``max_gap_days`` (largest such gap, 0 if none),
        ``rate_min`` / ``rate_max`` (units of ``to`` per unit of the currency),
        ``first_date`` / ``last_date`` (transaction dates covered).
    source : str
        Where the rates come from, including the last date of the rate file.
    """

    to: str
    table: pd.DataFrame = field(repr=False)
    source: str = ""

    @property
    def rows_fallback(self) -> int:
        """Total rows that used an earlier date's rate."""
        return int(self.table["rows_fallback"].sum())

    def __str__(self) -> str:
        lines = [f"Converted to {self.to} with {self.source}."]
        for row in self.table.itertuples(index=False):
            if row.currency == self.to:
                lines.append(
                    f"- {row.currency}: {_plural(row.rows, 'row')} unchanged (same currency)."
                )
                continue
            text = (
                f"- {row.currency}: {_plural(row.rows, 'row')} at {row.rate_min:.6g}-{row.rate_max:.6g} "
                f"{self.to} per {row.currency}"
            )
            if row.rows_fallback:
                text += (
                    f"; {_plural(row.rows_fallback, 'row')} dated on days without an ECB rate used "
                    f"the nearest earlier rate (up to {_plural(row.max_gap_days, 'day')} earlier)"
                )
            lines.append(text + ".")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return (
            f"<ConversionSummary: to {self.to}, {int(self.table['rows'].sum()):,} rows in "
            f"{len(self.table)} currencies, {self.rows_fallback:,} rows on a fallback date>"
        )


def _code(value: object, name: str) -> str:
    return require_currency_code(value, name=name)


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}" + ("" if n == 1 else "s")


def _unknown_code_error(what: str, code: str, rows: pd.Index | None = None) -> DataValidationError:
    where = f" ({_plural(len(rows), 'row')}: {format_rows(rows)})" if rows is not None else ""
    return DataValidationError(
        f"{what} {code!r}{where}, which has no ECB reference rate. Supported codes: "
        f"{', '.join(supported_currencies())}. Fix the code (ISO 4217, e.g. 'GBP') or "
        "convert those rows yourself before calling `convert_currency`."
    )


def _daily_rates(converter, currency: str, to: str, first: dt.date, last: dt.date) -> pd.DataFrame:
    """Published ``to``-per-``currency`` rates on days in [first - lookback, last].

    Only days on which the converter has a rate for both currencies are kept;
    the window starts early enough to hold the nearest earlier rate of ``first``.
    """
    from currency_converter import RateNotFoundError

    bounds = [converter.bounds[c] for c in (currency, to) if c != converter.ref_currency]
    lo_bound = max((b.first_date for b in bounds), default=first)
    hi_bound = min((b.last_date for b in bounds), default=last)
    end = min(last, hi_bound)
    lookback = 14
    while True:
        start = max(min(first, end) - dt.timedelta(days=lookback), lo_bound)
        days, rates = [], []
        day = start
        while day <= end:
            try:
                rates.append(float(converter.convert(1.0, currency, to, date=day)))
                days.append(day)
            except RateNotFoundError:
                pass
            day += dt.timedelta(days=1)
        if (days and days[0] <= first) or start <= lo_bound:
            break
        lookback *= 4
    rate_date = pd.to_datetime(pd.Series(days, dtype=object)).astype("datetime64[ns]")
    return pd.DataFrame({"rate_date": rate_date, "rate": np.asarray(rates, float)})


def convert_currency(
    transactions: pd.DataFrame,
    *,
    to: str = "EUR",
    source_currency: str | None = None,
    converter=None,
) -> tuple[pd.DataFrame, ConversionSummary]:
    """Convert ``amount`` (and ``unit_price``) to one currency at the transaction date.

    Each row is converted with the ECB reference rate of its ``timestamp``'s
    calendar day (cross rates via EUR, exactly as
    ``CurrencyConverter.convert(amount, currency, to, date)``). Days without a
    published rate (weekends, TARGET holidays, after the last date of the rate
    file) use the nearest earlier date with a rate; the summary states how many
    rows did so and the largest gap, and an :class:`AssumptionWarning` is issued
    if a gap exceeds 7 days (e.g. data newer than the bundled rate file).

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transactions with ``timestamp`` and ``amount`` and either a
        ``currency`` column (ISO 4217 code per row) or ``source_currency``.
    to : str, default "EUR"
        Reporting currency (ISO 4217 code with an ECB rate).
    source_currency : str, optional
        Currency of every row; only used when there is no ``currency`` column
        (e.g. ``"GBP"`` for the UCI Online Retail log).
    converter : currency_converter.CurrencyConverter, optional
        Rate source; defaults to :func:`ecb_converter` (the bundled ECB file).
        Pass ``CurrencyConverter(ECB_URL)`` for the latest rates when online.

    Returns
    -------
    converted : pandas.DataFrame
        A copy with ``amount`` (and ``unit_price`` if present) in ``to``,
        ``currency`` set to ``to``, plus ``amount_original`` (float64) and
        ``currency_original`` (str). Rows in ``to`` already keep their amount
        exactly. Row order and index are unchanged.
    summary : ConversionSummary
        Per source currency: rows, rows that used a fallback date, the largest
        gap in days and the range of rates used (``summary.table``).

    Raises
    ------
    DataValidationError
        A currency code has no ECB rate, a row has no currency, a timestamp is
        missing, or a date is before the first rate of its currency.

    References
    ----------
    European Central Bank, euro foreign exchange reference rates,
    https://www.ecb.europa.eu/stats/policy_and_exchange_rates/euro_reference_exchange_rates/

    Examples
    --------
    >>> tx = pd.DataFrame({
    ...     "customer_id": ["1", "2"],
    ...     "timestamp": pd.to_datetime(["2011-03-04", "2011-03-05"]),  # Fri, Sat
    ...     "amount": [100.0, 100.0],
    ... })
    >>> out, summary = convert_currency(tx, to="EUR", source_currency="GBP")
    >>> out["amount"].round(2).tolist()
    [116.54, 116.54]
    >>> int(summary.table.loc[0, "rows_fallback"])
    1
    """
    require_frame(transactions)
    require_columns(transactions, ["timestamp", "amount"])
    if not pd.api.types.is_datetime64_any_dtype(transactions["timestamp"]):
        raise InputTypeError(
            f"Column `timestamp` must hold datetimes, got {transactions['timestamp'].dtype}; a "
            "rate is looked up by date. Load the data with `retention_lib.load_transactions`."
        )
    require_numeric_column(transactions, "amount")
    to = _code(to, "to")
    if source_currency is not None:
        source_currency = _code(source_currency, "source_currency")
    converter = ecb_converter() if converter is None else converter
    if not all(hasattr(converter, a) for a in ("convert", "currencies", "bounds")):
        raise InputTypeError(
            "`converter` must be a CurrencyConverter (`currency_converter.CurrencyConverter()`), "
            f"got {type(converter).__name__}."
        )
    if to not in converter.currencies:
        raise _unknown_code_error("`to` is", to)

    has_column = "currency" in transactions.columns
    if has_column:
        raw = transactions["currency"]
        missing = raw.isna().to_numpy()
        if missing.any():
            rows = transactions.index[missing]
            raise DataValidationError(
                f"Column `currency` is missing at {int(missing.sum())} {format_rows(rows)}. "
                "Fill it with the ISO 4217 code of those rows, or drop the column and pass "
                "`source_currency=` if all rows share one currency."
            )
        codes = raw.astype("str").str.strip().str.upper().to_numpy(dtype=object)
    elif source_currency is not None:
        code = _code(source_currency, "source_currency")
        codes = np.full(len(transactions), code, dtype=object)
    else:
        raise DataValidationError(
            "`transactions` has no `currency` column and `source_currency` is not given. "
            "Pass `source_currency='GBP'` (the currency of every row) or map a currency "
            "column at load time (`load_transactions(..., currency=...)`)."
        )

    ts = pd.to_datetime(transactions["timestamp"])
    if ts.isna().any():
        rows = transactions.index[ts.isna().to_numpy()]
        raise DataValidationError(
            f"Column `timestamp` is missing at {int(ts.isna().sum())} {format_rows(rows)}; "
            "a conversion rate needs a date. Drop or fix those rows first."
        )
    days = ts.dt.tz_localize(None).dt.normalize() if ts.dt.tz is not None else ts.dt.normalize()
    days = days.astype("datetime64[ns]").to_numpy()

    amount = transactions["amount"].to_numpy(dtype="float64", na_value=np.nan)
    has_price = "unit_price" in transactions.columns
    price = (
        transactions["unit_price"].to_numpy(dtype="float64", na_value=np.nan) if has_price else None
    )
    new_amount = amount.copy()
    new_price = price.copy() if price is not None else None

    summary_rows = []
    stale: list[str] = []
    for code in sorted(set(codes)):
        mask = codes == code
        rows_idx = transactions.index[mask]
        if code not in converter.currencies:
            what = "Column `currency` has code" if has_column else "`source_currency` is"
            raise _unknown_code_error(what, code, rows_idx)
        code_days = days[mask]
        first_day, last_day = code_days.min(), code_days.max()
        if code == to:
            summary_rows.append((code, int(mask.sum()), 0, 0, 1.0, 1.0, first_day, last_day))
            continue
        table = _daily_rates(
            converter, code, to, pd.Timestamp(first_day).date(), pd.Timestamp(last_day).date()
        )
        need = pd.DataFrame({"day": code_days, "pos": np.flatnonzero(mask)})
        order = np.argsort(code_days, kind="stable")
        joined = pd.merge_asof(
            need.iloc[order], table, left_on="day", right_on="rate_date", direction="backward"
        )
        if joined["rate"].isna().any():
            bad = joined[joined["rate"].isna()]
            first_rate = max(converter.bounds[c].first_date for c in (code, to))
            raise DataValidationError(
                f"Column `timestamp` has {_plural(len(bad), 'row')} in {code} dated before the "
                f"first ECB rate for {code} -> {to} ({first_rate}) at "
                f"{format_rows(transactions.index[bad['pos'].to_numpy()])}. Drop those rows or "
                "convert them with your own rates."
            )
        pos = joined["pos"].to_numpy()
        rate = joined["rate"].to_numpy()
        gap = ((joined["day"] - joined["rate_date"]).dt.days).to_numpy()
        new_amount[pos] = amount[pos] * rate
        if price is not None and new_price is not None:
            new_price[pos] = price[pos] * rate
        max_gap = int(gap.max())
        if max_gap > STALE_RATE_DAYS:
            n_stale = int((gap > STALE_RATE_DAYS).sum())
            stale.append(f"{code} ({_plural(n_stale, 'row')}, up to {max_gap} days)")
        summary_rows.append(
            (code, int(mask.sum()), int((gap > 0).sum()), max_gap, float(rate.min()),
             float(rate.max()), first_day, last_day)
        )  # fmt: skip

    out = transactions.copy()
    out["amount_original"] = amount
    out["currency_original"] = pd.array(codes, dtype="str")
    out["amount"] = new_amount
    if has_price:
        out["unit_price"] = new_price
    out["currency"] = pd.array(np.full(len(out), to, dtype=object), dtype="str")

    table = pd.DataFrame(summary_rows, columns=_SUMMARY_COLUMNS)
    table["first_date"] = pd.to_datetime(table["first_date"])
    table["last_date"] = pd.to_datetime(table["last_date"])
    last_file_date = max(b.last_date for b in converter.bounds.values())
    summary = ConversionSummary(
        to=to,
        table=table,
        source=f"ECB euro reference rates (CurrencyConverter, rates up to {last_file_date})",
    )
    if stale:
        warnings.warn(
            f"Converting to {to} used rates more than {STALE_RATE_DAYS} days older than the "
            f"transaction for {', '.join(stale)}; the rate file ends on {last_file_date}. "
            "Pass `converter=CurrencyConverter(currency_converter.ECB_URL)` for current rates, "
            "or report in the source currency.",
            AssumptionWarning,
            stacklevel=2,
        )
    return out, summary
