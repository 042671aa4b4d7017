"""Pareto explorer: region, segment, value measure and top-x% controls.

The explorer only wires controls to the named :func:`pareto_view`, which calls library
functions and returns values a test can check.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as w
import matplotlib.pyplot as plt
import pandas as pd

from .._validation import (
    DataValidationError,
    require_frame,
    require_in_range,
    require_margin,
    require_transactions,
)
from ..pareto import customer_values, describe_pareto, pareto_summary, pareto_table
from ..plotting.pareto import plot_pareto
from ._common import ALL, dropdown, options, percent_slider, selection, wire

__all__ = [
    "pareto_explorer",
    "pareto_reading",
    "pareto_view",
    "MEASURES",
]

#: Value measures the Pareto explorer offers: label -> column of :func:`customer_values`.
MEASURES = {"Revenue": "revenue", "Margin": "margin", "Predicted CLV": "clv"}
MIN_CUSTOMERS = 10


def pareto_view(
    transactions: pd.DataFrame,
    *,
    region: str = ALL,
    segment: str = ALL,
    measure: str = "revenue",
    top: float = 0.2,
    margin: float = 0.3,
    clv: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, plt.Figure]:
    """80/20 summary and cumulative-share figure for one selection.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical transaction log (with ``region`` / ``segment`` to filter on).
    region, segment : str
        A value of the column, or ``"All"``.
    measure : {"revenue", "margin", "clv"}
        Value to rank customers by; ``"clv"`` needs ``clv``.
    top : float
        Top share of customers.
    margin : float
        Margin rate for ``measure="margin"``.
    clv : pandas.DataFrame, optional
        Predictions with ``customer_id`` and ``clv``.

    Returns
    -------
    summary : pandas.DataFrame
        :func:`~retention_lib.pareto_summary` of the selection.
    fig : matplotlib.figure.Figure
        The cumulative-share curve.

    Raises
    ------
    DataValidationError
        Fewer than ``MIN_CUSTOMERS`` customers in the selection, or ``"clv"`` without
        predictions.
    """
    require_transactions(transactions)
    top = require_in_range(top, name="top", low=0, high=1, low_inclusive=False)
    margin = require_margin(margin)
    if measure not in MEASURES.values():
        raise DataValidationError(
            f"`measure` must be one of {', '.join(repr(m) for m in MEASURES.values())}; "
            f"got {measure!r}."
        )
    if measure == "clv" and clv is None:
        raise DataValidationError(
            "Predicted CLV needs the CLV table: pass `clv=` (output of `customer_lifetime_value`)."
        )
    sub, _ = selection(transactions, region=region, segment=segment, at_least=MIN_CUSTOMERS)
    customers = customer_values(sub, margin=margin, clv=clv)
    if measure == "clv":
        customers = customers.dropna(subset=["clv"])
    table = pareto_table(customers, value=measure)
    summary = pareto_summary(customers, value=measure, top=top)
    fig, ax = plt.subplots(figsize=(7, 5))
    plot_pareto(table, top=top, ax=ax)
    label = "All customers" if (region, segment) == (ALL, ALL) else f"{region} / {segment}"
    ax.set_title(f"{label}: {len(table):,} customers by {measure}")
    fig.tight_layout()
    return summary, fig


def pareto_explorer(
    transactions: pd.DataFrame, *, clv: pd.DataFrame | None = None, margin: float = 0.3
) -> w.Widget:
    """Dropdowns for region, segment and value measure and a top-x% slider, redrawing
    :func:`pareto_view`.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical (cleaned) transactions.
    clv : pandas.DataFrame, optional
        Predictions with ``customer_id`` and ``clv``, offered as a value measure.
    margin : float, default 0.3
        Margin rate for the ``margin`` measure (an example input, not the client's figure).
    """
    require_transactions(transactions)
    margin = require_margin(margin)
    if clv is not None:
        require_frame(clv, name="clv", producer="customer_lifetime_value")
    region = dropdown("Region", options(transactions, "region"))
    segment = dropdown("Segment", options(transactions, "segment"))
    choices = [(k, v) for k, v in MEASURES.items() if v != "clv" or clv is not None]
    measure = dropdown("Value", choices, "revenue")
    top = percent_slider("Top share", 0.2, 0.05, 0.5, 0.05)

    def show() -> tuple[Any, ...]:
        summary, fig = pareto_view(
            transactions,
            region=region.value,
            segment=segment.value,
            measure=measure.value,
            top=top.value,
            margin=margin,
            clv=clv,
        )
        return pareto_reading(summary, measure.value), fig

    return wire([[region, segment, measure, top]], show)


def pareto_reading(summary: pd.DataFrame, measure: str) -> str:
    """One sentence on a :func:`pareto_view` summary (first row): :func:`~retention_lib.describe_pareto`.

    Parameters
    ----------
    summary : pandas.DataFrame
        The summary :func:`pareto_view` returns.
    measure : str
        The value measure of the summary.
    """
    return describe_pareto(summary, measure=measure)
