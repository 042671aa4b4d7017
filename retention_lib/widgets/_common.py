"""Helpers shared by the explorers: selection filters and messages instead of tracebacks."""

from __future__ import annotations

from typing import Any

import ipywidgets as w
import pandas as pd

ALL = "All"


def options(tx: pd.DataFrame, column: str) -> list[str]:
    """``["All", ...]`` followed by the sorted distinct values of ``column`` (if present)."""
    if column not in tx.columns:
        return [ALL]
    return [ALL, *sorted(tx[column].dropna().astype(str).unique())]


def select(tx: pd.DataFrame, **filters: str | None) -> pd.DataFrame:
    """Rows of ``tx`` matching every ``column=value`` filter (``"All"``/None = no filter)."""
    mask = pd.Series(True, index=tx.index)
    for column, value in filters.items():
        if value not in (None, ALL) and column in tx.columns:
            mask &= tx[column] == value
    return tx.loc[mask]


def dropdown(description: str, choices: list[Any], value: Any = None) -> w.Dropdown:
    return w.Dropdown(
        options=choices,
        value=choices[0] if value is None else value,
        description=description,
        style={"description_width": "initial"},
    )


def show_message(out: w.Output, message: str) -> None:
    with out:
        out.clear_output(wait=True)
        print(message)
