"""Dates written as text, read one way per column.

A column is read with one convention, inferred from the whole column, never value by value:

* ISO 8601 (``2024-05-07``, ``2024-05-07T14:03:00+02:00``), and other year-first dates
  (``2024/05/07``, ``2024.5.7``);
* day-first or month-first numeric dates with ``-`` ``/`` or ``.`` (``07/05/2024``,
  ``07.05.2024 14:03`` as Dutch and German exports write them, ``5/7/24 2:03 PM``). A column
  where some first fields exceed 12 is day-first, one where some second fields do is
  month-first; when no value decides it, the caller must say (``dayfirst=`` or
  ``date_format=``);
* dates with month names in English, German, Dutch, French, Spanish, Italian or Portuguese
  (``7 May 2024``, ``07-mei-2024``, ``7. März 2024``, ``May 7, 2024``);
* ``YYYYMMDD`` digits;
* Unix epoch seconds / milliseconds / microseconds / nanoseconds, or Excel serial days, only
  when asked for (``date_format="epoch"``, ``"epoch_ms"``, ``"epoch_us"``, ``"epoch_ns"``,
  ``"excel"``).

Every value is parsed with the column's convention; a value that is not a valid date under
it is an error naming the rows. No pandas warning reaches the user.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
import warnings
from typing import Any

import numpy as np
import pandas as pd

from ._validation import DataValidationError, InputTypeError, format_rows

__all__ = ["EPOCH_FORMATS", "parse_dates"]

#: ``date_format`` values for numbers: unit of the epoch, or Excel's serial day count.
EPOCH_FORMATS: dict[str, str] = {
    "epoch": "s",
    "epoch_s": "s",
    "epoch_ms": "ms",
    "epoch_us": "us",
    "epoch_ns": "ns",
    "excel": "D",
}
#: the datetime unit pandas gives text dates (``us`` on pandas 3, ``ns`` before)
_UNIT = pd.to_datetime(pd.Series(["2000-01-01 00:00:00"])).dtype

_TIME = (
    r"(?:(?:[ T]|,\s*|\s+)(?P<H>\d{1,2})[:.](?P<M>\d{2})"
    r"(?:[:.](?P<S>\d{2})(?:[.,](?P<f>\d{1,9}))?)?"
    r"\s*(?P<ampm>[AaPp]\.?\s?[Mm]\.?)?)?"
)
_ISO = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?)?"
    r"(?:\s*(?:Z|[+-]\d{2}(?::?\d{2})?))?"
)
_TZ_SUFFIX = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})\s*$")
_NUMERIC = re.compile(r"(?P<a>\d{1,4})(?P<sep>[-/.])(?P<b>\d{1,2})(?P=sep)(?P<c>\d{1,4})" + _TIME)
_COMPACT = re.compile(r"(?P<a>\d{4})(?P<b>\d{2})(?P<c>\d{2})" + _TIME)
_WEEKDAY = r"(?:[^\W\d_]+\.?,?\s+)?"
_NAMED_DMY = re.compile(
    _WEEKDAY + r"(?P<a>\d{1,2})\.?[\s\-/]*(?:de\s+)?(?P<mon>[^\W\d_]+)\.?[\s\-/,]*(?:de\s+)?"
    r"(?P<c>\d{2,4})" + _TIME
)
_NAMED_MDY = re.compile(
    _WEEKDAY + r"(?P<mon>[^\W\d_]+)\.?\s+(?P<a>\d{1,2})(?:st|nd|rd|th)?,?\s+(?P<c>\d{4})" + _TIME
)

_MONTH_NAMES = {
    1: "january jan januar janner jaenner januari janvier janv enero ene gennaio gen janeiro",
    2: "february feb februar februari fevrier fevr fev febrero febbraio fevereiro",
    3: "march mar marz maerz mrz maart mrt mars marzo marco",
    4: "april apr avril avr abril abr aprile",
    5: "may mai mei mayo maggio mag maio",
    6: "june jun juni juin junio giugno giu junho",
    7: "july jul juli juillet juil julio luglio lug julho",
    8: "august aug augustus aout agosto ago",
    9: "september sep sept septembre septiembre setiembre settembre set setembro",
    10: "october oct oktober okt octobre octubre ottobre ott outubro out",
    11: "november nov novembre noviembre novembro",
    12: "december dec dezember dez decembre diciembre dic dicembre dezembro",
}
_MONTHS = {name: num for num, names in _MONTH_NAMES.items() for name in names.split()}


def _fold(text: str) -> str:
    """Lower case without accents (``März`` -> ``marz``)."""
    decomposed = unicodedata.normalize("NFKD", str(text).lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def parse_dates(
    values: pd.Series,
    *,
    column: str,
    date_format: str | None = None,
    dayfirst: bool | None = None,
) -> tuple[pd.Series, str | None]:
    """Parse a column of dates with one convention.

    Parameters
    ----------
    values : pandas.Series
        Text, numbers (with an epoch ``date_format``), or datetimes; its index labels are
        the row numbers shown in errors.
    column : str
        The source column's name (for messages).
    date_format : str, optional
        A ``strftime`` format (``"%d.%m.%Y %H:%M"``), ``"ISO8601"``, or one of
        :data:`EPOCH_FORMATS`.
    dayfirst : bool, optional
        How to read numeric dates that no value decides (``07/05/2024``).

    Returns
    -------
    parsed : pandas.Series
        Time-zone-naive datetimes (UTC where the text had offsets); missing values stay NaT.
    note : str or None
        How the column was read, when it is not plain ISO or datetimes (for the report).

    Raises
    ------
    DataValidationError
        A value that is not a date under the column's convention, a column mixing
        conventions, an undecidable column, numbers without an epoch ``date_format``.
    """
    if date_format is not None and not isinstance(date_format, str):
        raise InputTypeError(
            f"`date_format` must be a strftime string such as '%d.%m.%Y'; got {date_format!r}."
        )
    if dayfirst is not None and not isinstance(dayfirst, (bool, np.bool_)):
        raise InputTypeError(f"`dayfirst` must be True, False or None; got {dayfirst!r}.")
    label = f"Column `{column}` (`timestamp`)"
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        return values.dt.tz_convert("UTC").dt.tz_localize(None), None
    if pd.api.types.is_datetime64_any_dtype(values):
        return values, None
    if date_format is not None and date_format.lower() in EPOCH_FORMATS:
        return _from_numbers(values, label=label, kind=date_format.lower())
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        if values.isna().all():
            return pd.Series(pd.NaT, index=values.index, dtype=_UNIT), None
        example = values.dropna().iloc[0].item()
        raise DataValidationError(
            f"{label} holds numbers (e.g. {example!r}), not dates. If they are Unix "
            "timestamps pass `date_format='epoch'` (seconds) or 'epoch_ms' (milliseconds); "
            "Excel serial days: `date_format='excel'`; otherwise point `timestamp=` at the "
            "date column."
        )

    parsed = pd.Series(pd.NaT, index=values.index, dtype=_UNIT)
    if values.dtype == object:
        is_text = values.map(lambda v: isinstance(v, str)).astype(bool)
    else:  # pandas text dtypes
        is_text = values.notna()
    instants = values[~is_text & values.notna()]
    if len(instants):  # python datetimes (e.g. Excel cells) next to text
        try:
            parsed[instants.index] = _naive(pd.to_datetime(instants.astype(object))).astype(_UNIT)
        except (TypeError, ValueError):
            bad = instants.index[:3]
            examples = ", ".join(repr(v) for v in values[bad])
            raise DataValidationError(
                f"{label} has values that are neither text nor dates at {format_rows(bad)}, "
                f"e.g. {examples}. Fix these rows."
            ) from None
    text = values[is_text].str.strip()
    text = text[text != ""]
    if len(text) == 0:
        return parsed, None
    codes, uniques = pd.factorize(text)
    uniques = pd.Series(uniques, dtype=object)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if date_format is not None:
            out, note = _with_format(uniques, date_format), None
        else:
            out, note = _infer(uniques, codes, text.index, label=label, dayfirst=dayfirst)
    result = out.to_numpy()[codes]
    bad = pd.isna(result)
    if bad.any():
        rows = text.index[bad]
        examples = ", ".join(repr(v) for v in text[bad].unique()[:3])
        how = f"`date_format={date_format!r}`" if date_format else (note or "ISO 8601")
        raise DataValidationError(
            f"{label} has {int(bad.sum())} value(s) that are not dates at {format_rows(rows)}, "
            f"e.g. {examples} (read as {how}). Fix these rows or pass `date_format=` "
            '(e.g. "%d/%m/%Y %H:%M").'
        )
    parsed[text.index] = result
    return parsed, (f"Dates in `{column}` read as {note}." if note else None)


def _naive(ts: Any) -> Any:
    """Time-zone-aware datetimes as naive UTC; naive ones unchanged."""
    if isinstance(ts, pd.DatetimeIndex):
        return ts if ts.tz is None else ts.tz_convert("UTC").tz_localize(None)
    if isinstance(ts.dtype, pd.DatetimeTZDtype):
        return ts.dt.tz_convert("UTC").dt.tz_localize(None)
    return ts


def _with_format(uniques: pd.Series, date_format: str) -> pd.Series:
    try:
        out = pd.to_datetime(
            uniques, format=date_format, errors="coerce", utc=date_format == "ISO8601"
        )
    except ValueError as exc:
        raise DataValidationError(
            f"`date_format={date_format!r}` is not a valid format: {exc}."
        ) from None
    return pd.Series(_naive(out)).astype(_UNIT)


def _from_numbers(values: pd.Series, *, label: str, kind: str) -> tuple[pd.Series, str]:
    unit = EPOCH_FORMATS[kind]
    numbers = pd.to_numeric(values, errors="coerce")
    bad = numbers.isna() & values.notna() & (values.astype(str).str.strip() != "")
    if bad.any():
        examples = ", ".join(repr(v) for v in values[bad].unique()[:3])
        raise DataValidationError(
            f"{label} has {int(bad.sum())} value(s) that are not numbers at "
            f"{format_rows(values.index[bad])}, e.g. {examples} (`date_format={kind!r}` "
            "expects numbers). Fix these rows."
        )
    what = "Excel serial days" if kind == "excel" else f"Unix epoch {_UNIT_NAMES[unit]}"
    try:
        if kind == "excel":
            out = pd.to_datetime(numbers, unit="D", origin="1899-12-30")
        else:
            out = pd.to_datetime(numbers, unit=unit)
    except (OverflowError, ValueError, pd.errors.OutOfBoundsDatetime):
        out = None
    lo, hi = pd.Timestamp("1971-01-01"), pd.Timestamp("2200-01-01")
    if out is None or ((out < lo) | (out > hi)).any():
        hint = {
            "s": "if they are milliseconds pass 'epoch_ms'",
            "ms": "if they are seconds pass 'epoch', if microseconds 'epoch_us'",
            "us": "if they are milliseconds pass 'epoch_ms', if nanoseconds 'epoch_ns'",
            "ns": "if they are microseconds pass 'epoch_us'",
            "D": "Excel serial days count from 1899-12-30",
        }[unit]
        shown = f"{numbers.min().item()!r} to {numbers.max().item()!r}"
        raise DataValidationError(
            f"{label} read as {what} ({shown}) gives dates outside 1971-2200: {hint}."
        )
    return out.astype(_UNIT), f"{what}"


_UNIT_NAMES = {"s": "seconds", "ms": "milliseconds", "us": "microseconds", "ns": "nanoseconds"}


def _infer(
    uniques: pd.Series, codes: np.ndarray, rows: pd.Index, *, label: str, dayfirst: bool | None
) -> tuple[pd.Series, str | None]:
    """Dates of the distinct values ``uniques`` under the one convention of the column."""
    n = len(uniques)
    out = pd.Series(pd.NaT, index=range(n), dtype=_UNIT)
    iso = uniques.str.fullmatch(_ISO).to_numpy(dtype=bool)
    numeric = uniques.str.extract(_NUMERIC.pattern + "$", flags=0)
    numeric_ok = numeric["a"].notna().to_numpy() & ~iso
    year_first = numeric_ok & (numeric["a"].str.len() == 4).to_numpy()
    year_last = numeric_ok & ~year_first & numeric["c"].str.len().isin([2, 4]).to_numpy()
    compact = uniques.str.extract("^" + _COMPACT.pattern + "$")
    compact_ok = compact["a"].notna().to_numpy() & ~iso & ~numeric_ok
    named = _named_parts(uniques)
    named_ok = named["a"].notna().to_numpy() & ~iso & ~numeric_ok & ~compact_ok

    styles = {
        "ISO 8601 / year-first": iso | year_first | compact_ok,
        "numeric day/month": year_last,
        "month names": named_ok,
    }
    present = {k: m for k, m in styles.items() if m.any()}
    if not present:
        return _guessed(uniques, dayfirst, label=label)
    if len(present) > 1:
        shown = "; ".join(
            f"{k} (e.g. {uniques[m].iloc[0]!r}, {_rows_of(m, codes, rows)})"
            for k, m in present.items()
        )
        raise DataValidationError(
            f"{label} mixes date styles: {shown}. Export the dates in one format, or pass "
            "`date_format=` to read the column one way (the rows that do not fit are then listed)."
        )
    notes: list[str] = []
    if iso.any():
        has_tz = uniques[iso].str.contains(_TZ_SUFFIX).to_numpy(dtype=bool)
        if has_tz.any() and not has_tz.all():
            tz_mask, naive_mask = iso.copy(), iso.copy()
            tz_mask[iso] = has_tz
            naive_mask[iso] = ~has_tz
            raise DataValidationError(
                f"{label} mixes time-zone-aware values ({_rows_of(tz_mask, codes, rows, 3)}) with "
                f"naive ones ({_rows_of(naive_mask, codes, rows, 3)}). Export all timestamps in "
                "one convention (all UTC, or all local without offsets)."
            )
        part = pd.to_datetime(
            uniques[iso], format="ISO8601", errors="coerce", utc=bool(has_tz.any())
        )
        out[iso] = pd.Series(_naive(part), index=uniques.index[iso]).astype(_UNIT)
        if has_tz.any():
            notes.append("ISO 8601 with UTC offsets, converted to UTC")
    if year_first.any():
        out[year_first] = _assemble(numeric[year_first], year="a", month="b", day="c")
        notes.append("year-month-day")
    if compact_ok.any():
        out[compact_ok] = _assemble(compact[compact_ok], year="a", month="b", day="c")
        notes.append("YYYYMMDD")
    if named_ok.any():
        out[named_ok] = _assemble(named[named_ok], year="c", month="mon", day="a")
        notes.append("dates with month names")
    if year_last.any():
        part = numeric[year_last]
        first, second = part["a"].astype(int), part["b"].astype(int)
        first_big, second_big = (first > 12).to_numpy(), (second > 12).to_numpy()
        if first_big.any() and second_big.any():
            m_day, m_month = year_last.copy(), year_last.copy()
            m_day[year_last] = first_big
            m_month[year_last] = second_big
            raise _mixed_order(
                label,
                f"{uniques[m_day].iloc[0]!r}, {_rows_of(m_day, codes, rows, 3)}",
                f"{uniques[m_month].iloc[0]!r}, {_rows_of(m_month, codes, rows, 3)}",
            )
        sep = part["sep"].iloc[0]
        if first_big.any() or second_big.any():
            day_first = bool(first_big.any())
            deciding = year_last.copy()
            deciding[year_last] = first_big if day_first else second_big
            n_deciding, n_all = int(deciding[codes].sum()), int(year_last[codes].sum())
            where = "start with a number above 12" if day_first else "have a number above 12 second"
            why = f"{n_deciding:,} of {n_all:,} dates {where}"
            if dayfirst is None:
                dayfirst = day_first  # else the user's choice wins: contradicting rows are listed
        elif dayfirst is None:
            raise _undecided(label, uniques[year_last].iloc[0])
        else:
            why = "as asked (`dayfirst=`); no value decides it"
        day, month = ("a", "b") if dayfirst else ("b", "a")
        out[year_last] = _assemble(part, year="c", month=month, day=day)
        order = f"dd{sep}mm{sep}yyyy" if dayfirst else f"mm{sep}dd{sep}yyyy"
        notes.append(f"{'day' if dayfirst else 'month'}-first ({order}): {why}")
    return out, "; ".join(notes) if notes and notes != ["year-month-day"] else None


def _mixed_order(label: str, day_first: str, month_first: str) -> DataValidationError:
    return DataValidationError(
        f"{label} mixes day-first dates (e.g. {day_first}) with month-first ones (e.g. "
        f"{month_first}). Fix the export so the column uses one convention, or pass "
        "`date_format=` to read it one way (the rows that do not fit are then listed)."
    )


def _undecided(label: str, example: str) -> DataValidationError:
    m = _NUMERIC.match(example)
    a, b, sep = (int(m["a"]), int(m["b"]), m["sep"]) if m else (1, 1, "/")
    return DataValidationError(
        f"{label} has dates such as {example!r} that can be read day-first "
        f"({_date_words(a, b)}) or month-first ({_date_words(b, a)}), and no value in the "
        "column decides it (no day above 12). Pass `dayfirst=True` (day first) or "
        "`dayfirst=False` (month first), or `date_format=` "
        f'(e.g. "%d{sep}%m{sep}%Y").'
    )


def _date_words(day: int, month: int) -> str:
    try:
        return f"{day} {dt.date(2000, month, 1):%B}"
    except ValueError:
        return "not a date"


def _rows_of(mask: np.ndarray, codes: np.ndarray, rows: pd.Index, limit: int = 5) -> str:
    """The source rows whose distinct value is flagged in ``mask``."""
    return format_rows(rows[mask[codes]], limit)


def _named_parts(uniques: pd.Series) -> pd.DataFrame:
    parts = uniques.str.extract("^" + _NAMED_DMY.pattern + "$")
    other = uniques.str.extract("^" + _NAMED_MDY.pattern + "$")
    use_other = parts["a"].isna() & other["a"].notna()
    parts[use_other] = other[use_other][parts.columns]
    month = parts["mon"].map(
        lambda m: _MONTHS.get(_fold(m).rstrip(".")) if isinstance(m, str) else None
    )
    parts.loc[month.isna(), "a"] = np.nan
    parts["mon"] = month
    return parts


def _assemble(parts: pd.DataFrame, *, year: str, month: str, day: str) -> np.ndarray:
    """Datetimes from extracted text fields (invalid combinations become NaT)."""
    y = parts[year].astype(float)
    y = np.where(y < 100, np.where(y < 69, 2000 + y, 1900 + y), y)  # as strptime's %y
    hour = parts["H"].astype(float).fillna(0)
    ampm = parts["ampm"].fillna("").str.lower().str.replace(r"[^ap]", "", regex=True)
    bad_12h = (ampm != "") & ((hour < 1) | (hour > 12))
    hour = np.where(ampm == "p", hour % 12 + 12, np.where(ampm == "a", hour % 12, hour))
    micro = pd.to_numeric(parts["f"].fillna("0").str.ljust(6, "0").str[:6])
    fields = pd.DataFrame(
        {
            "year": y,
            "month": parts[month].astype(float),
            "day": parts[day].astype(float),
            "hour": hour,
            "minute": parts["M"].astype(float).fillna(0),
            "second": parts["S"].astype(float).fillna(0),
            "us": micro,
        }
    )
    ok = (
        fields["month"].between(1, 12)
        & fields["day"].between(1, 31)
        & fields["hour"].between(0, 23)
        & fields["minute"].between(0, 59)
        & fields["second"].between(0, 59)
        & ~bad_12h.to_numpy()
    )
    out = pd.Series(pd.NaT, index=parts.index, dtype=_UNIT)
    if ok.any():
        out[ok] = pd.to_datetime(fields[ok], errors="coerce").astype(_UNIT)
    return out.to_numpy()


def _guessed(
    uniques: pd.Series, dayfirst: bool | None, *, label: str
) -> tuple[pd.Series, str | None]:
    """Other styles: the one format pandas guesses from the values, applied to all of them."""
    from pandas.tseries.api import guess_datetime_format

    candidates: list[str] = []
    for value in uniques.iloc[:: max(1, len(uniques) // 20)][:20]:
        fmt = guess_datetime_format(str(value), dayfirst=bool(dayfirst))
        if fmt and fmt not in candidates:
            candidates.append(fmt)
    best, best_count = None, -1
    for fmt in candidates:
        parsed = pd.to_datetime(uniques, format=fmt, errors="coerce")
        count = int(parsed.notna().sum())
        if count > best_count:
            best, best_count = (fmt, parsed), count
    if best is None:
        return pd.Series(pd.NaT, index=uniques.index, dtype=_UNIT), "no date format recognised"
    fmt, parsed = best
    if dayfirst is None and "%d" in fmt and "%m" in fmt:
        swapped = fmt.replace("%d", "\0").replace("%m", "%d").replace("\0", "%m")
        if (
            int(pd.to_datetime(uniques, format=swapped, errors="coerce").notna().sum())
            >= best_count
        ):
            raise DataValidationError(
                f"{label} has dates such as {uniques.iloc[0]!r} that can be read as {fmt!r} or "
                f"{swapped!r}, and no value decides it. Pass `dayfirst=True` or `dayfirst=False`, "
                "or `date_format=`."
            )
    return pd.Series(_naive(parsed)).astype(_UNIT), f"format {fmt!r}"


# --------------------------------------------------------------------------- lazy sources

_LAZY_SHAPES = 50  # distinct shapes of a date column read lazily (digits as 9)


def _format_of(example: str, *, dayfirst: bool) -> str | None:
    """The strftime format of ``example``'s shape (None: not a numeric date)."""
    m = _ISO.fullmatch(example)
    groups: dict[str, str] = {}
    if m:
        if _TZ_SUFFIX.search(example):
            return None
        m = re.fullmatch(
            r"(?P<Y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2})(?:[T ](?P<H>\d{2}):(?P<M>\d{2})"
            r"(?::(?P<S>\d{2})(?:[.,](?P<f>\d+))?)?)?",
            example,
        )
        groups = {"Y": "%Y", "m": "%m", "d": "%d", "H": "%H", "M": "%M", "S": "%S", "f": "%f"}
    else:
        m = _NUMERIC.fullmatch(example) or _COMPACT.fullmatch(example)
        if m is None:
            return None
        year_first = len(m["a"]) == 4
        day, month = ("a", "b") if dayfirst else ("b", "a")
        groups = {"a": "%Y", "b": "%m", "c": "%d"} if year_first else {day: "%d", month: "%m"}
        if not year_first:
            groups["c"] = "%Y" if len(m["c"]) == 4 else "%y"
        groups.update(H="%I" if m["ampm"] else "%H", M="%M", S="%S", f="%f", ampm="%p")
    assert m is not None  # _ISO matched, so its stricter form does too
    fmt = example
    spans = sorted(((m.span(g), d) for g, d in groups.items() if m[g] is not None), reverse=True)
    for (start, end), directive in spans:
        fmt = fmt[:start] + directive.replace("%", "\0") + fmt[end:]
    return fmt.replace("\0", "%")


def lazy_dates(lf: Any, col: str, *, dayfirst: bool | None) -> tuple[Any, str | None]:
    """A narwhals expression reading the text dates of ``col`` with one convention.

    The convention is inferred from the whole column in one aggregation (the distinct
    shapes of the values, digits as 9, and how many start or continue with a number above
    12); shapes that differ only by a missing time part are padded to the longest.
    """
    import narwhals as nw

    from ._backend import collect

    label = f"Column `{col}` (`timestamp`)"
    text = nw.col(col).str.strip_chars()
    stats = collect(
        lf.select(
            text.alias("_text"),
            text.str.replace_all(r"\d", "9").alias("_shape"),
            text.str.contains(r"^(1[3-9]|[2-9]\d)[-/.]\d{1,2}[-/.]\d{2,4}")
            .cast(nw.Int64)
            .alias("_first"),
            text.str.contains(r"^\d{1,2}[-/.](1[3-9]|[2-9]\d)[-/.]\d{2,4}")
            .cast(nw.Int64)
            .alias("_second"),
        )
        .filter(~nw.col("_text").is_null() & (nw.col("_text") != ""))
        .group_by("_shape")
        .agg(
            nw.len().alias("n"),
            nw.col("_first").sum().alias("first"),
            nw.col("_second").sum().alias("second"),
            nw.col("_text").min().alias("example"),
        )
        .head(_LAZY_SHAPES + 1)
    )
    empty = nw.when(text == "").then(nw.lit(None, dtype=nw.String)).otherwise(text)
    if len(stats) == 0:
        return empty.str.to_datetime(format="%Y-%m-%d"), None
    if len(stats) > _LAZY_SHAPES:
        raise DataValidationError(
            f"{label} holds dates written in more than {_LAZY_SHAPES} shapes (e.g. "
            f"{stats['example'].iloc[0]!r}). Pass `date_format=`, or read the log with "
            "`load_transactions`."
        )
    n_first, n_second = int(stats["first"].sum()), int(stats["second"].sum())
    if n_first and n_second:
        raise _mixed_order(
            label,
            repr(stats.loc[stats["first"] > 0, "example"].iloc[0]),
            repr(stats.loc[stats["second"] > 0, "example"].iloc[0]),
        )
    numeric_dm = [e for e in stats["example"] if (m := _NUMERIC.fullmatch(e)) and len(m["a"]) < 4]
    note = None
    if numeric_dm:
        if n_first or n_second:
            decided = bool(n_first)
            dayfirst = decided if dayfirst is None else dayfirst
            note = f"{'day' if decided else 'month'}-first: {n_first or n_second:,} dates decide it"
        elif dayfirst is None:
            raise _undecided(label, numeric_dm[0])
        else:
            note = f"{'day' if dayfirst else 'month'}-first, as asked (`dayfirst=`)"
    found = {e: _format_of(e, dayfirst=bool(dayfirst)) for e in stats["example"]}
    unknown = [e for e, f in found.items() if f is None]
    formats = {e: f for e, f in found.items() if f is not None}
    if unknown:
        raise DataValidationError(
            f"{label} has dates such as {unknown[0]!r} that a lazy source cannot read without "
            'a format. Pass `date_format=` (e.g. "%d %B %Y"), or read the log with '
            "`load_transactions`, which also reads month names and time zones."
        )
    longest = max(formats.values(), key=len)
    expr = empty
    for shape, example in zip(stats["_shape"], stats["example"], strict=True):
        fmt = formats[example]
        if fmt == longest:
            continue
        if not longest.startswith(fmt):
            raise DataValidationError(
                f"{label} holds dates in several formats ({example!r} and one in "
                f"{longest!r}). Pass `date_format=`, or read the log with `load_transactions`."
            )
        suffix = dt.datetime(2000, 1, 1).strftime(longest[len(fmt) :])
        pattern = "^" + re.escape(shape).replace("9", r"\d") + "$"
        expr = (
            nw.when(text.str.contains(pattern))
            .then(nw.concat_str([text, nw.lit(suffix)]))
            .otherwise(expr)
        )
    return expr.str.to_datetime(format=longest), (
        f"Dates in `{col}` read {note}." if note else None
    )
