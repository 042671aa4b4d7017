"""What-if explorer: a retention-gain slider and a group dropdown redrawing
:func:`whatif_view`, which only calls :func:`~retention_lib.retention_uplift`.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as w
import matplotlib.pyplot as plt
import pandas as pd

from .._validation import (
    require_currency_code,
    require_frame,
    require_frame_columns,
    require_margin,
)
from ..groups import MIN_GROUP_CUSTOMERS
from ..plotting.whatif import plot_whatif
from ..whatif import describe_uplift, retention_uplift
from ._common import dropdown, explorer_table, percent_slider, wire

__all__ = [
    "uplift_table",
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


#: Columns of the uplift tables (the report's what-if table, notebook 05): the baseline, the
#: uplift the gain adds and the uplift as a share of the baseline.
UPLIFT_COLUMNS = (
    "gain",
    "n_customers",
    "expected_purchases",
    "purchases_uplift",
    "purchases_relative_uplift",
    "profit",
    "profit_uplift",
    "profit_relative_uplift",
)


def uplift_table(table: pd.DataFrame, *, by: str | None = None, currency: str | None = None) -> Any:
    """A :func:`~retention_lib.retention_uplift` table as the report shows it: the baseline
    next to the uplift columns (what the gain adds, absolute and as a share of the baseline),
    never the scenario totals alone, which read as "no effect" beside the baseline.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`~retention_lib.retention_uplift` (or :func:`whatif_view`).
    by : str, optional
        Its group column, if it has one.
    currency : str, optional
        ISO code of the profit columns.

    Returns
    -------
    pandas.io.formats.style.Styler
    """
    need = ["gain", "expected_purchases", "profit", "profit_uplift", "profit_relative_uplift"]
    require_frame_columns(table, need, name="table", producer="retention_uplift")
    if by is not None:
        require_frame_columns(table, [by], name="table", producer="retention_uplift")
    columns = [c for c in UPLIFT_COLUMNS if c in table.columns]
    if by is not None:
        columns.insert(1, by)
    return explorer_table(
        table[columns],
        percent=["gain", "purchases_relative_uplift", "profit_relative_uplift"],
        money=["profit", "profit_uplift"],
        counts=["n_customers", "expected_purchases", "purchases_uplift"],
        currency=require_currency_code(currency, name="currency", allow_none=True),
        decimals=1,
    )


def whatif_explorer(
    bgnbd: Any,
    gg: Any,
    summary: pd.DataFrame,
    groups: pd.DataFrame,
    *,
    margin: float = 0.3,
    currency: str | None = None,
) -> w.Widget:
    """A retention-gain slider and a group dropdown, redrawing :func:`whatif_view` (its
    reading, :func:`uplift_table` and chart).

    Parameters
    ----------
    bgnbd, gg, summary
        As in :func:`whatif_view`.
    groups : pandas.DataFrame
        ``customer_id`` + group columns; each column is offered in the dropdown.
    margin : float, default 0.3
        Margin rate applied to the CLV (an example input, not the client's figure).
    currency : str, optional
        ISO code of the profit columns.
    """
    require_frame(groups, name="groups")
    margin = require_margin(margin)
    currency = require_currency_code(currency, name="currency", allow_none=True)
    cols = [c for c in groups.columns if c != "customer_id"]
    by = dropdown("Per", cols)
    gain = percent_slider("Retention gain", 0.05, 0.01, 0.2, 0.01)

    def show() -> tuple[Any, ...]:
        table, fig = whatif_view(
            bgnbd, gg, summary, groups, gain=gain.value, by=by.value, margin=margin
        )
        return (
            whatif_reading(table, gain.value),
            uplift_table(table, by=by.value, currency=currency),
            fig,
        )

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
