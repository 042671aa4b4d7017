"""Per-group plots leave out groups too small to read (see :mod:`retention_lib.groups`)."""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes

from .._validation import require_min_customers
from ..groups import drop_small_groups


def shown_groups(
    table: pd.DataFrame, *, by: str | None, size: str | None, min_customers: int
) -> pd.DataFrame:
    """Rows of the groups a per-group plot draws: all without ``by`` or a size column."""
    require_min_customers(min_customers)
    if not by or by not in table.columns or size is None or size not in table.columns:
        return table
    return drop_small_groups(table, by=by, size=size, min_customers=min_customers)


def say_nothing_shown(ax: Axes, by: str, min_customers: int) -> Axes:
    """An empty panel that says why (every group was too small)."""
    ax.text(
        0.5,
        0.5,
        f"No {by} has {min_customers:,} customers or more",
        ha="center",
        va="center",
        transform=ax.transAxes,
        color="0.4",
    )
    ax.set_xticks([])
    ax.set_yticks([])
    return ax
