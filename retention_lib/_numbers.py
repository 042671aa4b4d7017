"""Numbers written as text in local conventions, read one way per file.

The decimal mark is inferred from every numeric column of the log together (a file uses one
convention): ``1.234,50`` or ``12,5`` say decimal comma, ``1,234.50`` or ``12.50`` decimal
point; ``1.234`` alone decides nothing (one thousand two hundred thirty-four, or one point
two three four) and, when no value in the log decides, the caller must say (``decimal=``).
Thousands may be grouped with the other mark, spaces (plain, non-breaking U+00A0, narrow
U+202F, thin U+2009), apostrophes (Swiss ``1'234.50``) or in Indian lakhs (``1,23,456.50``);
a grouping that is not in threes is an error, never a silent 10x. Currency symbols or ISO
codes before or after the number (``€ 12,50``, ``12,50 €``, ``£3.20``, ``EUR 12.50``) are
removed and reported; a column mixing currencies is an error. Negative numbers may be
written ``-12.50``, ``−12.50`` (U+2212), ``12.50-`` (SAP) or ``(12.50)`` (accounting).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import numpy as np
import pandas as pd

from ._validation import DataValidationError, format_rows

__all__ = ["parse_number_columns"]

#: symbol -> ISO 4217 code where the symbol names one currency (None: several use it)
_SYMBOLS: dict[str, str | None] = {
    "€": "EUR",
    "£": "GBP",
    "US$": "USD",
    "A$": "AUD",
    "C$": "CAD",
    "NZ$": "NZD",
    "HK$": "HKD",
    "S$": "SGD",
    "R$": "BRL",
    "$": None,
    "¥": None,
    "₹": "INR",
    "₩": "KRW",
    "₽": "RUB",
    "₺": "TRY",
    "₪": "ILS",
    "₫": "VND",
    "฿": "THB",
    "₱": "PHP",
    "₦": "NGN",
    "₴": "UAH",
    "zł": "PLN",
    "Kč": "CZK",
    "Ft": "HUF",
    "Fr.": "CHF",
    "kr.": None,
    "kr": None,
}
_SPACES = "\u00a0\u202f\u2009 "
_GROUPING = _SPACES + "'\u2019"


def _currency_codes() -> list[str]:
    import pycountry

    return sorted(c.alpha_3 for c in pycountry.currencies)


_CUR = "|".join(
    re.escape(s) for s in sorted([*_SYMBOLS, *_currency_codes()], key=len, reverse=True)
)
_VALUE = re.compile(
    rf"(?P<paren>\()?\s*(?P<sign>[-+\u2212])?\s*(?P<cur1>{_CUR})?\s*(?P<sign2>[-+\u2212])?\s*"
    rf"(?P<num>\d[\d.,{_GROUPING}]*|[.,]\d+)(?P<exp>[eE][-+]?\d+)?\s*(?P<cur2>{_CUR})?\s*"
    rf"(?P<trail>-)?\s*(?P<cur3>{_CUR})?\s*(?(paren)\))"
)
_INFINITE = {
    "inf": np.inf,
    "+inf": np.inf,
    "infinity": np.inf,
    "-inf": -np.inf,
    "-infinity": -np.inf,
}
_PLAIN = re.compile(r"[-+]?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")


class _Value:
    """One distinct text value, split into sign, currency and the digits with their marks."""

    __slots__ = ("currency", "digits", "exp", "negative", "ok")

    def __init__(self, text: str) -> None:
        m = _VALUE.fullmatch(text.strip())
        self.ok = m is not None
        if m is None:
            self.digits, self.exp, self.negative, self.currency = "", "", False, None
            return
        self.digits = m["num"].rstrip(_SPACES)
        self.exp = m["exp"] or ""
        signs = [m["sign"], m["sign2"], m["trail"]]
        self.negative = bool(m["paren"]) or any(s in ("-", "\u2212") for s in signs if s)
        currencies = {c for c in (m["cur1"], m["cur2"], m["cur3"]) if c}
        self.currency = currencies.pop() if len(currencies) == 1 else None
        if len(currencies) > 0 or sum(1 for s in signs if s) > 1:
            self.ok = False

    def decimal_vote(self) -> str | None:
        """'.' or ',' when this value shows the decimal mark, else None."""
        core = self.digits.translate({ord(c): None for c in _GROUPING})
        grouped = core != self.digits
        dots, commas = core.count("."), core.count(",")
        if dots and commas:
            return "." if core.rfind(".") > core.rfind(",") else ","
        for mark, other in ((".", ","), (",", ".")):
            n = dots if mark == "." else commas
            if n > 1:
                return other  # repeated: the mark groups thousands
            if n == 1:
                whole, frac = core.split(mark)
                if len(frac) != 3 or whole in ("", "0") or len(whole) > 3 or grouped:
                    return mark
        return None

    def value(self, decimal: str) -> float | None:
        """The number under ``decimal``; None when the digits are not well formed for it."""
        thousands = "," if decimal == "." else "."
        marked = self.digits
        for ch in _GROUPING + thousands:
            marked = marked.replace(ch, "G")
        marked = marked.replace(decimal, "D")
        if not re.fullmatch(
            r"(?:\d+|\d{1,3}(?:G\d{3})+|\d{1,2}(?:G\d{2})+G\d{3})(?:D\d*)?|D\d+", marked
        ):
            return None
        number = float(marked.replace("G", "").replace("D", ".") + self.exp)
        return -number if self.negative else number


def _label(source_col: str, canon: str) -> str:
    return f"Column `{source_col}` (`{canon}`)"


def parse_number_columns(
    columns: Mapping[str, tuple[str, pd.Series]], *, decimal: str | None = None
) -> tuple[dict[str, pd.Series], list[str], dict[str, str]]:
    """Parse the numeric columns of one log with one decimal convention.

    Parameters
    ----------
    columns : mapping
        Canonical name -> (source column name, values). Numeric dtypes are taken as they
        are; text is parsed.
    decimal : {".", ","}, optional
        The decimal mark; inferred from the values when omitted.

    Returns
    -------
    parsed : dict
        Canonical name -> float64 Series (same index).
    notes : list of str
        How the text was read (decimal comma, currency signs removed).
    currencies : dict
        Canonical name -> the ISO 4217 code of the one currency sign its values carry,
        where the sign names one currency (``€``, ``£``, ``CHF``; not ``$``).

    Raises
    ------
    DataValidationError
        Text that is not a number, missing or infinite values, a column mixing currencies,
        values contradicting each other on the decimal mark, or no value deciding it.
    """
    if decimal is not None and decimal not in (".", ","):
        raise DataValidationError(f"`decimal` must be '.' or ','; got {decimal!r}.")
    texts: dict[str, _TextColumn] = {}
    votes: dict[str, list[tuple[str, str]]] = {".": [], ",": []}
    ambiguous: list[tuple[str, str]] = []
    for canon, (source_col, values) in columns.items():
        numeric = pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)
        if not numeric and not (values.dtype == object or pd.api.types.is_string_dtype(values)):
            raise DataValidationError(
                f"{_label(source_col, canon)} has type {values.dtype}, not a number. Point "
                f"`{canon}=` at the right column."
            )
        if not numeric:
            col = texts[canon] = _TextColumn(values)
            col.vote(source_col, votes, ambiguous)
    chosen = decimal or _decide(votes, ambiguous)

    out: dict[str, pd.Series] = {}
    notes: list[str] = []
    currencies: dict[str, str] = {}
    for canon, (source_col, values) in columns.items():
        label = _label(source_col, canon)
        if canon in texts:
            number, missing = texts[canon].numbers(chosen or ".")
            bad = np.isnan(number.to_numpy()) & ~missing
            if bad.any():
                examples = ", ".join(repr(v) for v in values[bad].unique()[:3])
                raise DataValidationError(
                    f"{label} has {int(bad.sum())} non-numeric value(s) at "
                    f"{format_rows(values.index[bad])}, e.g. {examples}. Fix or remove these "
                    f"rows (numbers are read with {chosen or '.'!r} as the decimal mark; pass "
                    "`decimal=` if that is wrong)."
                )
            sign = texts[canon].currency_sign(label)
            if sign is not None:
                symbol, n = sign
                code = _SYMBOLS.get(symbol, symbol)
                if code:
                    currencies[canon] = code
                named = f" ({code})" if code and code != symbol else ""
                notes.append(
                    f"{label}: the currency sign {symbol!r}{named} was removed from {n:,} value(s)."
                )
        else:
            number = values.astype("float64")
            missing = number.isna().to_numpy()
        if missing.any():
            raise DataValidationError(
                f"{label} is empty at {format_rows(values.index[missing])}. Fill these values "
                "or drop the rows before loading; a missing value is never treated as 0."
            )
        inf = ~np.isfinite(number.to_numpy())
        if inf.any():
            raise DataValidationError(
                f"{label} has infinite values at {format_rows(values.index[inf])}. Fix these rows."
            )
        out[canon] = number
    if chosen == ",":
        example = next((u for _, u in votes[","]), None)
        shown = f" (e.g. {example!r})" if example else ""
        notes.insert(0, f"Numbers read with a decimal comma{shown}.")
    return out, notes, currencies


class _TextColumn:
    """A text column's distinct values; plain numbers (``12``, ``-3.5``) handled vectorised."""

    def __init__(self, values: pd.Series) -> None:
        self.values = values
        text = values.astype("str").str.strip().where(values.notna(), "")
        self.missing = (text == "").to_numpy()
        self.codes, uniques = pd.factorize(text)
        self.uniques = pd.Series(uniques, dtype=object)
        self.plain = self.uniques.str.fullmatch(_PLAIN.pattern).to_numpy(dtype=bool)
        self.parsed = {i: _Value(u) for i, u in enumerate(uniques) if not self.plain[i]}

    def vote(self, source_col: str, votes: dict, ambiguous: list) -> None:
        plain = self.uniques[self.plain]
        dotted = plain[plain.str.contains(".", regex=False)]
        if len(dotted):
            unsure = dotted.str.fullmatch(r"[-+]?[1-9]\d{0,2}\.\d{3}").to_numpy(dtype=bool)
            if (~unsure).any():
                votes["."].append((source_col, dotted[~unsure].iloc[0]))
            if unsure.any():
                ambiguous.append((source_col, dotted[unsure].iloc[0]))
        for i, v in self.parsed.items():
            if v.ok:
                mark = v.decimal_vote()
                if mark is not None:
                    votes[mark].append((source_col, self.uniques[i]))
                elif any(c in v.digits for c in ".,"):
                    ambiguous.append((source_col, self.uniques[i]))

    def numbers(self, decimal: str) -> tuple[pd.Series, np.ndarray]:
        """The column's numbers under ``decimal`` (NaN where a value is not a number)."""
        uvals = np.full(len(self.uniques), np.nan)
        plain = self.uniques[self.plain]
        if decimal == ".":
            uvals[self.plain] = pd.to_numeric(plain).to_numpy(dtype=float)
        else:  # a '.' in a plain value groups thousands
            grouped = plain.str.fullmatch(r"[-+]?(?:\d+|\d{1,3}(?:\.\d{3})+)").to_numpy(dtype=bool)
            numbers = pd.to_numeric(plain.str.replace(".", "", regex=False), errors="coerce")
            uvals[self.plain] = np.where(grouped, numbers.to_numpy(dtype=float), np.nan)
        for i, v in self.parsed.items():
            number = v.value(decimal) if v.ok else _INFINITE.get(self.uniques[i].lower())
            uvals[i] = np.nan if number is None else number
        number = pd.Series(uvals[self.codes], index=self.values.index, dtype="float64")
        return number, self.missing

    def currency_sign(self, label: str) -> tuple[str, int] | None:
        """The one currency sign of the column and how many values carry it."""
        counts = np.bincount(self.codes[self.codes >= 0], minlength=len(self.uniques))
        seen: dict[str, int] = {}
        for i, v in self.parsed.items():
            if v.ok and v.currency:
                seen[v.currency] = seen.get(v.currency, 0) + int(counts[i])
        if not seen:
            return None
        if len({_SYMBOLS.get(s) or s for s in seen}) > 1:
            shown = ", ".join(f"{s!r} ({n:,} row{'s' * (n != 1)})" for s, n in seen.items())
            raise DataValidationError(
                f"{label} mixes currencies: {shown}. Split the log by currency, or give a "
                "currency column (`currency=`) and plain numbers."
            )
        return next(iter(seen.items()))


def _decide(
    votes: dict[str, list[tuple[str, str]]], ambiguous: list[tuple[str, str]]
) -> str | None:
    if votes["."] and votes[","]:
        (c1, v1), (c2, v2) = votes["."][0], votes[","][0]
        raise DataValidationError(
            f"The numbers disagree on the decimal mark: `{c1}` has {v1!r} (decimal point) and "
            f"`{c2}` has {v2!r} (decimal comma). Pass `decimal='.'` or `decimal=','`; the values "
            "that do not fit are then listed."
        )
    if votes["."]:
        return "."
    if votes[","]:
        return ","
    if ambiguous:
        col, value = ambiguous[0]
        raise DataValidationError(
            f"No number in the data shows its decimal mark: values such as {value!r} in `{col}` "
            "can be read with a decimal point or with a thousands separator. Pass "
            "`decimal='.'` or `decimal=','`."
        )
    return None
