"""What-if explorer: a retention-gain slider and a group dropdown redrawing
:func:`whatif_view`, which only calls :func:`~retention_lib.retention_uplift`.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as w
import matplotlib.pyplot as plt
import pandas as pd

from .._validation import (
    require_frame,
    require_margin,
)
from ..groups import MIN_GROUP_CUSTOMERS
from ..plotting.whatif import plot_whatif
from ..whatif import describe_uplift, retention_uplift
from ._common import dropdown, percent_slider, wire

__all__ = [
    "whatif_explorer",
    "whatif_reading",
    "whatif_view",
]


def whatif_view(
    bgnbd: Any,
    gg: Any,
    summary: pd.DataFrame,
    groups: pd.DataFrame,
    *,
    gain: float = 0.05,
    by: str = "segment",
    margin: float = 0.3,
    horizon_months: int = 12,
    min_customers: int = MIN_GROUP_CUSTOMERS,
) -> tuple[pd.DataFrame, plt.Figure]:
    """Uplift table and bar chart of one retention gain per ``by`` group.

    Parameters
    ----------
    bgnbd, gg, summary
        Fitted BG/NBD and Gamma-Gamma models and the RFM summary they were fitted on.
    groups : pandas.DataFrame
        ``customer_id`` plus one or more group columns (e.g. ``segment``, ``region``).
    gain : float
        Relative retention gain.
    by : str
        Column of ``groups``.
    margin : float
        Profit margin on revenue.
    horizon_months : int
    min_customers : int
        Groups of fewer customers are left out of the chart (the table keeps them).

    Returns
    -------
    table : pandas.DataFrame
        :func:`~retention_lib.retention_uplift` for ``gain`` and ``by``.
    fig : matplotlib.figure.Figure
    """
    table = retention_uplift(
        bgnbd,
        gg,
        summary,
        gains=[gain],
        groups=groups,
        by=by,
        margin=margin,
        horizon_months=horizon_months,
    )
    fig, ax = plt.subplots(figsize=(7, 4.5))
    plot_whatif(table, by=by, ax=ax, min_customers=min_customers)
    fig.tight_layout()
    return table, fig


def whatif_explorer(
    bgnbd: Any, gg: Any, summary: pd.DataFrame, groups: pd.DataFrame, *, margin: float = 0.3
) -> w.Widget:
    """A retention-gain slider and a group dropdown, redrawing :func:`whatif_view`.

    Parameters
    ----------
    bgnbd, gg, summary
        As in :func:`whatif_view`.
    groups : pandas.DataFrame
        ``customer_id`` + group columns; each column is offered in the dropdown.
    margin : float, default 0.3
        Margin rate applied to the CLV (an example input, not the client's figure).
    """
    require_frame(groups, name="groups")
    margin = require_margin(margin)
    cols = [c for c in groups.columns if c != "customer_id"]
    by = dropdown("Per", cols)
    gain = percent_slider("Retention gain", 0.05, 0.01, 0.2, 0.01)

    def show() -> tuple[Any, ...]:
        table, fig = whatif_view(
            bgnbd, gg, summary, groups, gain=gain.value, by=by.value, margin=margin
        )
        return whatif_reading(table, gain.value), fig

    return wire([[by, gain]], show)


def whatif_reading(table: pd.DataFrame, gain: float) -> str:
    """One sentence on a :func:`whatif_view` table: :func:`~retention_lib.describe_uplift`.

    Parameters
    ----------
    table : pandas.DataFrame
        The uplift table :func:`whatif_view` returns.
    gain : float
        The retention gain of the table (a fraction).
    """
    return describe_uplift(table, gain)
