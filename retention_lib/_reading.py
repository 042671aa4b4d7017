"""Wording shared by the ``describe_*`` readings: numbers, money, lists, period names.

The readings themselves live beside the computation they describe (``describe_retention``
in :mod:`retention_lib.cohorts`, ``describe_holdout`` in :mod:`retention_lib.clv.validation`,
...); this module only keeps their formatting consistent.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

#: Difference between two rates or shares (fractions) below which a reading calls them level.
LEVEL = 0.02

PERIOD_WORD = {"D": "day", "W": "week", "M": "month", "Q": "quarter"}


def period_word(period: str | None, *, plural: bool = False) -> str:
    """``"month"`` for ``"M"`` (``"months"`` with ``plural``); ``"period"`` when unknown."""
    word = PERIOD_WORD.get(str(period or ""), "period")
    return word + "s" if plural else word


def count(n: float, word: str, plural: str | None = None) -> str:
    """``"1 customer"``, ``"2,334 customers"``."""
    n = int(round(float(n)))
    return f"{n:,} {word if n == 1 else (plural or word + 's')}"


def pct(x: float, decimals: int = 0) -> str:
    """A fraction as a percentage (``0.234`` -> ``"23%"``); ``"<1%"`` for small non-zero."""
    x = float(x)
    if decimals == 0 and 0 < abs(x) < 0.005:
        return "<1%" if x > 0 else "-<1%"
    return f"{x:.{decimals}%}"


def pct_exact(x: float, decimals: int = 1) -> str:
    """A percentage with as many decimals (up to 4) as it takes not to read 0% or 100%
    when it is neither (``0.99963`` -> ``"99.96%"``, ``0.0004`` -> ``"0.04%"``)."""
    x = float(x)
    while decimals < 4 and 0 < x < 1:
        shown = round(x * 100, decimals)
        if 0 < shown < 100:
            break
        decimals += 1
    return f"{x:.{decimals}%}"


def money(x: float, currency: str = "", decimals: int = 0) -> str:
    """``"8,556,550 GBP"`` (the code after the amount, as in the tables' captions)."""
    unit = f" {currency}" if currency else ""
    return f"{float(x):,.{decimals}f}{unit}"


def money_short(x: float, currency: str = "") -> str:
    """``"8.56M GBP"``, ``"412.3k GBP"``: large amounts in a sentence."""
    x = float(x)
    unit = f" {currency}" if currency else ""
    for size, suffix, decimals in ((1e9, "bn", 2), (1e6, "M", 2), (1e3, "k", 1)):
        if abs(x) >= size:
            return f"{x / size:,.{decimals}f}{suffix}{unit}"
    return money(x, currency)


def join(words: Iterable[Any]) -> str:
    """``"a"``, ``"a and b"``, ``"a, b and c"``."""
    texts = [str(w) for w in words]
    if len(texts) <= 1:
        return "".join(texts)
    return ", ".join(texts[:-1]) + " and " + texts[-1]


def day(ts: Any) -> str:
    """``"9 Dec 2011"``."""
    ts = pd.Timestamp(ts)
    return f"{ts.day} {ts:%b %Y}"


def period_label(ts: Any, period: str | None) -> str:
    """The calendar period starting at ``ts``: ``"Dec 2011"``, ``"week of 5 Dec 2011"``."""
    ts = pd.Timestamp(ts)
    if period == "M":
        return f"{ts:%b %Y}"
    if period == "Q":
        return f"Q{(ts.month - 1) // 3 + 1} {ts.year}"
    if period == "W":
        return f"the week of {day(ts)}"
    return day(ts)


def finite(x: Any) -> bool:
    """True when ``x`` is a finite number."""
    try:
        return bool(np.isfinite(float(x)))
    except (TypeError, ValueError):
        return False
