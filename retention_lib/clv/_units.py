"""The time unit and grain of an RFM summary, and the one conversion between units.

A fitted purchase model owns its time unit (``time_unit_``: the unit of ``recency``, ``T`` and
of its rates) and its grain (``grain_``: the calendar period within which purchases merge, so
what one unit of ``frequency`` counts). Every prediction reads customers' histories in that
unit. What a summary *says* about itself is what :func:`~retention_lib.rfm_summary` wrote in
``DataFrame.attrs``; it is lost on any round trip (CSV, Parquet, many pandas operations), so it
is only ever a consistency check or, at fit time, the record of how the summary was built. It
never picks a unit by itself: an explicit ``time_unit=`` argument does.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._schema import DAYS_PER_MONTH, PERIOD_WORDS
from .._validation import DataValidationError, require_date

#: Length of each time unit in days (a month is 365.25 / 12 days).
TIME_UNITS: dict[str, float] = {"D": 1.0, "W": 7.0, "M": DAYS_PER_MONTH}
#: 'days', 'weeks', 'months' for each time unit.
UNIT_WORDS = {unit: PERIOD_WORDS[unit] for unit in TIME_UNITS}


def unit_words(unit: str | None) -> str:
    """'weeks' for 'W', and so on ('an unknown unit' for None)."""
    return UNIT_WORDS.get(unit, "an unknown unit") if unit is not None else "an unknown unit"


def check_unit(value: Any, name: str) -> str:
    """``value`` if it is a time unit, else an error naming argument ``name``."""
    if value not in TIME_UNITS:
        raise DataValidationError(
            f"`{name}` must be one of 'D' (days), 'W' (weeks) or 'M' (months); got {value!r}."
        )
    return value


def resolve_grain(time_unit: str, grain: str | None) -> str:
    """The grain of a summary in ``time_unit``: ``grain``, checked, or ``time_unit``."""
    check_unit(time_unit, "time_unit")
    if grain is None:
        return time_unit
    check_unit(grain, "grain")
    if TIME_UNITS[grain] > TIME_UNITS[time_unit]:
        raise DataValidationError(
            f"`grain` ({grain!r}) must not be coarser than `time_unit` ({time_unit!r}). "
            f"Use grain='D' to merge purchases on the same day and measure ages in "
            f"{UNIT_WORDS[time_unit]}."
        )
    return grain


def grain_scale(grain: str, time_unit: str) -> float:
    """Factor converting a difference of ``grain`` period indices into ``time_unit``."""
    if grain == time_unit:
        return 1.0
    return TIME_UNITS[grain] / TIME_UNITS[time_unit]


def as_timestamp(value: Any, name: str) -> pd.Timestamp:
    """``value`` as a UTC timestamp, or an error naming argument ``name``."""
    return require_date(value, name=name, tz="utc")


def recorded(summary: pd.DataFrame) -> tuple[str | None, str | None]:
    """The ``time_unit`` and ``grain`` that :func:`rfm_summary` recorded on ``summary`` (None
    where nothing is recorded)."""
    attrs = getattr(summary, "attrs", {}) or {}
    unit = attrs.get("time_unit")
    grain = attrs.get("grain")
    return (unit if unit in TIME_UNITS else None, grain if grain in TIME_UNITS else None)


def declared(
    summary: pd.DataFrame,
    time_unit: Any = None,
    grain: Any = None,
    *,
    what: str = "`summary`",
) -> tuple[str | None, str | None]:
    """The unit and grain ``summary`` is in: the explicit arguments, checked against what the
    summary records about itself; what it records where no argument is given.

    Raises
    ------
    DataValidationError
        An argument is not 'D', 'W' or 'M', or contradicts the summary's record.
    """
    rec_unit, rec_grain = recorded(summary)
    for name, given, rec, built in (
        ("time_unit", time_unit, rec_unit, f"built in {unit_words(rec_unit)} ({rec_unit!r})"),
        ("grain", grain, rec_grain, f"built merging purchases per {rec_grain!r} period"),
    ):
        if given is None:
            continue
        check_unit(given, name)
        if rec is not None and rec != given:
            raise DataValidationError(
                f"`{name}={given!r}` contradicts {what}, which `rfm_summary` {built}. Pass "
                f"`{name}={rec!r}` or rebuild the summary in the unit you mean."
            )
    return time_unit or rec_unit, grain or rec_grain


def require_unit(unit: str | None, *, what: str = "`summary`", call: str = "fit") -> str:
    """``unit``, or a clear error asking for it (never a default)."""
    if unit is None:
        raise DataValidationError(
            f"{what} does not say which time unit its `recency` and `T` are in (it was not "
            "built by `retention_lib.rfm_summary` in this session: it was read back from a "
            "file, or kept in its engine with `collect=False`, neither of which keeps that "
            f"record). Pass it: `{call}(summary, time_unit='W')` for weeks, 'D' for days or "
            "'M' for months."
        )
    return unit


def to_model_unit(
    summary: pd.DataFrame,
    x: np.ndarray,
    tx: np.ndarray,
    T: np.ndarray,
    *,
    model_unit: str,
    model_grain: str | None,
    label: str,
    time_unit: Any = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``recency`` and ``T`` of ``summary`` in the model's unit.

    A summary in the model's unit (by its own record or, without one, as the model's input
    contract says) passes unchanged. A summary in another unit is converted when the caller
    says so (``time_unit=``) and both count purchases at the same grain; one whose record
    names another unit without the caller saying so is refused: a unit is never inferred.
    """
    unit, grain = declared(summary, time_unit)
    if model_grain is not None and grain is not None and grain != model_grain:
        raise DataValidationError(
            f"The {label} model counts purchases per {model_grain!r} period (`grain_`), but "
            f"`summary` merges them per {grain!r} period, so its `frequency` counts something "
            f"else. Rebuild it with `rfm_summary(transactions, time_unit={model_unit!r}, "
            f"grain={model_grain!r})`."
        )
    if unit is None or unit == model_unit:
        return x, tx, T
    fix = f"Rebuild it with `rfm_summary(transactions, time_unit={model_unit!r}" + (
        f", grain={model_grain!r})`" if model_grain else ")`"
    )
    if time_unit is None:
        raise DataValidationError(
            f"The {label} model was fitted in {unit_words(model_unit)} ({model_unit!r}) but "
            f"`summary` is in {unit_words(unit)} ({unit!r}). {fix}, or pass "
            f"`time_unit={unit!r}` to convert its `recency` and `T`."
        )
    if grain is None or model_grain is None:
        raise DataValidationError(
            f"Cannot convert `summary` from {unit_words(unit)} to the {label} model's "
            f"{unit_words(model_unit)}: the grain at which "
            + ("the summary" if grain is None else "the model")
            + " counts purchases is not recorded, so `frequency` may count other periods. "
            + fix
            + "."
        )
    factor = TIME_UNITS[unit] / TIME_UNITS[model_unit]
    return x, tx * factor, T * factor
