"""Cohort explorer: region, segment, period and retention kind."""

from __future__ import annotations

import html
from typing import Any

import ipywidgets as w
import matplotlib.pyplot as plt
import pandas as pd

from .. import _reading as say
from .._tables import require_period
from .._validation import (
    RetentionLibError,
    require_frame_columns,
    require_period_numbers,
    require_transactions,
)
from ..cohorts import (
    KEY_PERIODS,
    average_retention,
    cohort_retention,
    cohort_survival,
    default_inactive_periods,
    describe_retention,
)
from ..plotting.cohorts import plot_retention_curves, plot_retention_heatmap
from ..plotting.projection import plot_projected_curves, plot_projected_heatmap
from ..projection import describe_projection, project_retention, retention_outlook
from ._common import (
    ALL,
    Steps,
    collect_warnings,
    dropdown,
    explorer_table,
    figure_png,
    note_html,
    options,
    selection,
)

__all__ = ["cohort_explorer", "cohort_summary", "cohort_view", "projection_view"]

#: Smallest selection (distinct customers) the explorer draws.
MIN_CUSTOMERS = 20


def _label(region: str, segment: str) -> str:
    picked = [v for v in (region, segment) if v != ALL]
    return " / ".join(picked) if picked else "All customers"


def _selection(transactions: pd.DataFrame, region: str, segment: str) -> tuple[pd.DataFrame, int]:
    """The selected rows and their customers; an error when they are too few to draw."""
    return selection(transactions, region=region, segment=segment, at_least=MIN_CUSTOMERS)


def cohort_view(
    transactions: pd.DataFrame,
    *,
    region: str = ALL,
    segment: str = ALL,
    period: str = "M",
    kind: str = "classic",
) -> tuple[pd.DataFrame, plt.Figure]:
    """Cohort table and figure (triangle + average curve) for one selection.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Clean canonical transactions (``region`` / ``segment`` to filter on, if present).
    region, segment : str
        A value of the column, or ``"All"``.
    period : {"D", "W", "M", "Q"}
        Cohort and activity period.
    kind : {"classic", "unbounded"}
        As in :func:`~retention_lib.cohort_retention`.

    Returns
    -------
    table : pandas.DataFrame
        :func:`~retention_lib.cohort_retention` of the selection.
    fig : matplotlib.figure.Figure
        Retention triangle (left) and the size-weighted average curve (right).

    Raises
    ------
    DataValidationError
        When the selection has fewer than ``MIN_CUSTOMERS`` customers.
    """
    require_transactions(transactions)
    sub, n = _selection(transactions, region, segment)
    table = cohort_retention(sub, period=period, kind=kind)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(14, 5.5), width_ratios=[1.6, 1])
    plot_retention_heatmap(table, period=period, kind=kind, ax=ax1)
    plot_retention_curves(average_retention(table), period=period, ax=ax2)
    fig.suptitle(f"{_label(region, segment)}: {n:,} customers", fontsize=13)
    fig.tight_layout()
    return table, fig


def projection_view(
    transactions: pd.DataFrame,
    *,
    region: str = ALL,
    segment: str = ALL,
    period: str = "M",
    model: str = "auto",
    horizon: int | None = None,
) -> tuple[pd.DataFrame, str, plt.Figure]:
    """The selection's survivor triangle filled by a fitted projection, its reading and figure.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Clean canonical transactions.
    region, segment : str
        A value of the column, or ``"All"``.
    period : {"D", "W", "M", "Q"}
    model : {"auto", "sBG", "BdW"}
        As in :func:`~retention_lib.project_retention`.
    horizon : int, optional
        Period to quote retention at (default: 12 months, 26 weeks, 4 quarters, 90 days).

    Returns
    -------
    projection : pandas.DataFrame
        :func:`~retention_lib.project_retention` of :func:`~retention_lib.cohort_survival`.
    reading : str
        :func:`~retention_lib.describe_projection` at ``horizon``.
    fig : matplotlib.figure.Figure
        Projected triangle (left) and survival curves with bands (right).

    Raises
    ------
    DataValidationError
        When the selection has fewer than ``MIN_CUSTOMERS`` customers or cannot be fitted.
    """
    require_transactions(transactions)
    sub, n = _selection(transactions, region, segment)
    horizon = horizon if horizon is not None else max(KEY_PERIODS.get(period, (1, 3, 6, 12)))
    gap = default_inactive_periods(period)
    survival = cohort_survival(sub, period=period, inactive_periods=gap)
    projection = project_retention(survival, model=model, horizon=horizon, period=period)
    outlook = retention_outlook(
        survival,
        model=model,
        horizon=horizon,
        period=period,
        observation_end=sub["timestamp"].max(),
        inactive_periods=gap,
    )
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(14, 5.5), width_ratios=[1.6, 1])
    plot_projected_heatmap(projection, period=period, ax=ax1)
    plot_projected_curves(projection, period=period, ax=ax2)
    fig.suptitle(f"{_label(region, segment)}: {n:,} customers, projected", fontsize=13)
    fig.tight_layout()
    return projection, describe_projection(outlook), fig


def cohort_summary(
    table: pd.DataFrame,
    *,
    period: str = "M",
    at: tuple[int, ...] | None = None,
    include_partial: bool = False,
) -> pd.DataFrame:
    """Average retention at a few key periods, with how much data each rests on.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`~retention_lib.cohort_retention` (without ``by``).
    period : {"D", "W", "M", "Q"}, default "M"
        The ``period`` the table was built with.
    at : tuple of int, optional
        Periods to show (default: 1, 3, 6, 12 months; 1, 4, 13, 26 weeks; 1, 2, 4 quarters).
    include_partial : bool, default False
        Count the last, incomplete period (as in :func:`~retention_lib.average_retention`).

    Returns
    -------
    pandas.DataFrame
        Columns ``period_number, cohorts, customers_observed, retention`` (a fraction), one
        row per period of ``at`` that the data reaches.
    """
    need = ["cohort", "period_number", "cohort_size", "customers", "observable", "partial"]
    require_frame_columns(table, need, name="table", producer="cohort_retention")
    if at is not None:
        at = require_period_numbers(at)
    period = require_period(table, period)
    at = at if at is not None else KEY_PERIODS.get(period, (1, 3, 6, 12))
    curves = average_retention(table, include_partial=include_partial)
    out = curves[curves["period_number"].isin(at)]
    out = out.rename(columns={"cohort_size": "customers_observed"})
    out = out[["period_number", "cohorts", "customers_observed", "retention"]]
    out = out.astype({"cohorts": "int64", "customers_observed": "int64"})
    return out.reset_index(drop=True)


def _summary_html(summary: pd.DataFrame, period: str) -> str:
    word = say.period_word(period)
    labels = {
        "period_number": f"{word}s after first purchase",
        "cohorts": "cohorts observed",
        "customers_observed": "customers observed",
        "retention": "still buying",
    }
    shown = explorer_table(summary, percent=["retention"], labels=labels)
    return str(shown.set_uuid("cohort-summary").to_html())


def cohort_explorer(transactions: pd.DataFrame) -> w.VBox:
    """Dropdowns for region, segment, period, kind and projection, redrawing
    :func:`cohort_view` (or, with the projection on, :func:`projection_view`).

    The data is read once (``transactions``); each change recomputes only the selection,
    shows a progress bar meanwhile, and caches what it drew. A selection that is too small
    shows the reason instead of a traceback.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical (cleaned) transactions, read once.

    Returns
    -------
    ipywidgets.VBox
        With attributes ``controls`` (dict of the dropdowns), ``header`` (HTML: the
        selection and a plain-language reading), ``figure`` (Image, PNG), ``table`` (HTML:
        :func:`cohort_summary`), ``notes`` (HTML: warnings), ``update()`` and ``last``
        (the latest :func:`cohort_view` or :func:`projection_view` table, None after a
        message).
    """
    require_transactions(transactions)
    controls = {
        "region": dropdown("Region", options(transactions, "region")),
        "segment": dropdown("Segment", options(transactions, "segment")),
        "period": dropdown("Period", [("Month", "M"), ("Week", "W"), ("Quarter", "Q")], "M"),
        "kind": dropdown(
            "Retention",
            [("Classic (in period)", "classic"), ("Unbounded (in or after)", "unbounded")],
            "classic",
        ),
        "projection": dropdown(
            "Projection",
            [("Off", "off"), ("On (model by test)", "auto"), ("sBG", "sBG"), ("BdW", "BdW")],
            "off",
        ),
    }
    steps = Steps(3)
    header = w.HTML()
    figure = w.Image(format="png", layout=w.Layout(max_width="100%", height="auto"))
    table_html = w.HTML()
    notes_html = w.HTML()
    box = w.VBox(
        [w.HBox(list(controls.values())), steps.bar, header, figure, table_html, notes_html]
    )
    box.add_class("retention-cohort-explorer")
    cache: dict[tuple, dict[str, Any]] = {}

    def render(key: tuple) -> dict[str, Any]:
        region, segment, period, kind, projection = key
        steps.start("Selecting customers")
        try:
            steps.advance("Computing cohorts")
            if projection != "off":
                (table, reading, fig), messages = collect_warnings(
                    projection_view,
                    transactions,
                    region=region,
                    segment=segment,
                    period=period,
                    model=projection,
                )
                steps.advance("Drawing")
                result = {
                    "last": table,
                    "header": f"<p><b>{html.escape(_label(region, segment))}</b>: "
                    f"{html.escape(reading)}</p>",
                    "figure": figure_png(fig),
                    "table": "",
                    "notes": "".join(note_html(f"Note: {m}") for m in messages),
                }
                steps.done()
                return result
            (table, fig), messages = collect_warnings(
                cohort_view, transactions, region=region, segment=segment, period=period, kind=kind
            )
        except (RetentionLibError, ValueError) as exc:
            steps.done()
            message = html.escape(str(exc))
            return {
                "last": None,
                "header": f"<p><b>No figure for this selection.</b> {message}</p>",
                "figure": b"",
                "table": "",
                "notes": "",
            }
        steps.advance("Drawing")
        reading = describe_retention(
            average_retention(table),
            period=period,
            observation_end=transactions["timestamp"].max(),
        )
        result = {
            "last": table,
            "header": f"<p><b>{html.escape(_label(region, segment))}</b>: "
            f"{html.escape(reading)}</p>",
            "figure": figure_png(fig),
            "table": _summary_html(cohort_summary(table, period=period), period),
            "notes": "".join(note_html(f"Note: {m}") for m in messages),
        }
        steps.done()
        return result

    def update(*_: Any) -> None:
        key = tuple(c.value for c in controls.values())
        if key not in cache:
            cache[key] = render(key)
        shown = cache[key]
        box.last = shown["last"]
        header.value = shown["header"]
        figure.value = shown["figure"]
        figure.layout.display = "" if shown["figure"] else "none"
        table_html.value = shown["table"]
        notes_html.value = shown["notes"]

    for control in controls.values():
        control.observe(update, names="value")
    box.controls = controls  # type: ignore[attr-defined]
    box.header = header  # type: ignore[attr-defined]
    box.figure = figure  # type: ignore[attr-defined]
    box.table = table_html  # type: ignore[attr-defined]
    box.notes = notes_html  # type: ignore[attr-defined]
    box.update = update  # type: ignore[attr-defined]
    box.last = None  # type: ignore[attr-defined]
    update()
    return box
