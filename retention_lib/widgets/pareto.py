"""Pareto and KPI explorers: region, segment, value measure and top-x% controls.

Each explorer only wires controls to a named ``*_view`` function, which calls library
functions and returns values a test can check.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as w
import matplotlib.pyplot as plt
import pandas as pd

from .._validation import (
    DataValidationError,
    require_column_name,
    require_currency_code,
    require_frame,
    require_frame_columns,
    require_in_range,
    require_margin,
    require_transactions,
)
from ..groups import MIN_GROUP_CUSTOMERS
from ..kpis import ces, csat, loyalty_score, nps
from ..pareto import customer_values, describe_pareto, pareto_summary, pareto_table
from ..plotting.pareto import plot_pareto
from ..plotting.segments import plot_score_intervals, plot_whatif
from ..whatif import describe_uplift, retention_uplift
from ._common import ALL, dropdown, explorer_table, options, percent_slider, select, wire

__all__ = [
    "MEASURES",
    "kpi_explorer",
    "kpi_view",
    "pareto_explorer",
    "pareto_reading",
    "pareto_view",
    "uplift_table",
    "whatif_explorer",
    "whatif_reading",
    "whatif_view",
]

#: Value measures the Pareto explorer offers: label -> column of :func:`customer_values`.
MEASURES = {"Revenue": "revenue", "Margin": "margin", "Predicted CLV": "clv"}
MIN_CUSTOMERS = 10
MIN_ANSWERS = 5


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
    sub = select(transactions, region=region, segment=segment)
    n = sub["customer_id"].nunique()
    if n < MIN_CUSTOMERS:
        raise DataValidationError(
            f"Only {n} customer(s) with `region={region!r}`, `segment={segment!r}`; pick a wider "
            f"selection (at least {MIN_CUSTOMERS} customers)."
        )
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


def kpi_view(
    survey: pd.DataFrame, *, region: str = ALL, segment: str = ALL, by: str = "segment"
) -> tuple[pd.DataFrame, plt.Figure]:
    """Survey KPIs (NPS, CSAT, CES, loyalty) for one selection, and NPS per ``by`` group.

    Parameters
    ----------
    survey : pandas.DataFrame
        Survey answers with customer attributes (:func:`~retention_lib.link_survey`).
    region, segment : str
        A value of the column, or ``"All"``.
    by : str, default "segment"
        Grouping of the NPS figure.

    Returns
    -------
    table : pandas.DataFrame
        ``kpi, value, ci_low, ci_high, n`` for NPS, CSAT (%), CES and loyalty score.
    fig : matplotlib.figure.Figure
        NPS with confidence interval per ``by`` group.
    """
    require_frame(survey, name="survey", producer="link_survey")
    by = require_column_name(by, allow_none=False)
    sub = select(survey, region=region, segment=segment)
    if len(sub) < MIN_ANSWERS:
        raise DataValidationError(
            f"Only {len(sub)} survey answer(s) with `region={region!r}`, `segment={segment!r}`; "
            f"pick a wider selection (at least {MIN_ANSWERS})."
        )
    rows = []
    for name, frame, col in (
        ("NPS", nps(sub, min_responses=1), "nps"),
        ("CSAT (%)", csat(sub, min_responses=1), "csat"),
        ("CES (1-7)", ces(sub, min_responses=1), "ces"),
        ("Loyalty (0-10)", loyalty_score(sub, min_responses=1), "loyalty_score"),
    ):
        r = frame.iloc[0]
        rows.append(
            {
                "kpi": name,
                "value": r[col],
                "ci_low": r["ci_low"],
                "ci_high": r["ci_high"],
                "n": int(r["n"]),
            }
        )
    table = pd.DataFrame(rows)
    fig, ax = plt.subplots(figsize=(7, 4))
    if by in sub.columns:
        plot_score_intervals(nps(sub, by=by, min_responses=1), value="nps", by=by, ax=ax)
    fig.tight_layout()
    return table, fig


def kpi_explorer(survey: pd.DataFrame) -> w.Widget:
    """Dropdowns for region and segment, redrawing :func:`kpi_view`.

    Parameters
    ----------
    survey : pandas.DataFrame
        Survey answers with ``region`` and ``segment`` columns (e.g.
        :func:`~retention_lib.load_sample_survey`).
    """
    require_frame(survey, name="survey", producer="link_survey")
    region = dropdown("Region", options(survey, "region"))
    segment = dropdown("Segment", options(survey, "segment"))

    def show() -> tuple[Any, ...]:
        by = "segment" if segment.value == ALL else "region"
        table, fig = kpi_view(survey, region=region.value, segment=segment.value, by=by)
        return explorer_table(table, decimals=1, counts=["n"], labels={"kpi": "KPI"}), fig

    return wire([[region, segment]], show)


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
#: uplift the gain adds and the uplift in percent of the baseline.
UPLIFT_COLUMNS = (
    "gain",
    "n_customers",
    "expected_purchases",
    "purchases_uplift",
    "purchases_uplift_pct",
    "profit",
    "profit_uplift",
    "profit_uplift_pct",
)


def uplift_table(table: pd.DataFrame, *, by: str | None = None, currency: str | None = None) -> Any:
    """A :func:`~retention_lib.retention_uplift` table as the report shows it: the baseline
    next to the uplift columns (what the gain adds, absolute and in percent), never the
    scenario totals alone, which read as "no effect" beside the baseline.

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
    need = ["gain", "expected_purchases", "profit", "profit_uplift", "profit_uplift_pct"]
    require_frame_columns(table, need, name="table", producer="retention_uplift")
    if by is not None:
        require_frame_columns(table, [by], name="table", producer="retention_uplift")
    columns = [c for c in UPLIFT_COLUMNS if c in table.columns]
    if by is not None:
        columns.insert(1, by)
    return explorer_table(
        table[columns],
        percent=["gain"],
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
