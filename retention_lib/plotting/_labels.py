"""Axis labels shared by the plots."""

from __future__ import annotations

import pandas as pd

_LABEL_FORMAT = {"D": "%Y-%m-%d", "W": "%Y-%m-%d", "M": "%Y-%m", "Q": "%Y-Q"}


def cohort_label(ts: pd.Timestamp, period: str) -> str:
    """A cohort's start as a label: ``2024-03`` for a month, ``2024-Q1`` for a quarter."""
    if period == "Q":
        return f"{ts.year}-Q{(ts.month - 1) // 3 + 1}"
    return ts.strftime(_LABEL_FORMAT.get(period, "%Y-%m-%d"))
