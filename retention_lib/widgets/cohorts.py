"""Cohort explorer: region, segment, period and retention kind."""

from __future__ import annotations

from typing import Any

import ipywidgets as w
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import display

from .._validation import RetentionLibError
from ..cohorts import average_retention, cohort_retention
from ..plotting.cohorts import plot_retention_curves, plot_retention_heatmap
from ._common import ALL, dropdown, options, select, show_message

__all__ = ["cohort_explorer", "cohort_view"]

MIN_CUSTOMERS = 20


def cohort_view(
    transactions: pd.DataFrame,
    *,
    region: str = ALL,
    segment: str = ALL,
    period: str = "M",
    kind: str = "classic",
) -> tuple[pd.DataFrame, plt.Figure]:
    """Cohort table and figure (triangle + average curve) for one selection.

    Raises
    ------
    DataValidationError
        When the selection has fewer than ``MIN_CUSTOMERS`` customers.
    """
    from .._validation import DataValidationError

    sub = select(transactions, region=region, segment=segment)
    n = sub["customer_id"].nunique()
    if n < MIN_CUSTOMERS:
        raise DataValidationError(
            f"Only {n} customer(s) in region={region!r}, segment={segment!r}; pick a wider "
            f"selection (at least {MIN_CUSTOMERS} customers)."
        )
    table = cohort_retention(sub, period=period, kind=kind)
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(14, 5.5), width_ratios=[1.6, 1])
    plot_retention_heatmap(table, ax=ax1)
    plot_retention_curves(average_retention(table), ax=ax2)
    title = "All customers" if (region, segment) == (ALL, ALL) else f"{region} / {segment}"
    fig.suptitle(f"{title}: {n:,} customers")
    fig.tight_layout()
    return table, fig


def cohort_explorer(transactions: pd.DataFrame) -> w.Widget:
    """Dropdowns for region, segment, period and kind, redrawing :func:`cohort_view`."""
    region = dropdown("Region", options(transactions, "region"))
    segment = dropdown("Segment", options(transactions, "segment"))
    period = dropdown("Period", [("Month", "M"), ("Week", "W"), ("Quarter", "Q")], "M")
    kind = dropdown(
        "Retention",
        [("Classic (in period)", "classic"), ("Unbounded (in or after)", "unbounded")],
        "classic",
    )
    out = w.Output()

    def update(*_: Any) -> None:
        try:
            _, fig = cohort_view(
                transactions,
                region=region.value,
                segment=segment.value,
                period=period.value,
                kind=kind.value,
            )
        except RetentionLibError as exc:
            show_message(out, str(exc))
            return
        with out:
            out.clear_output(wait=True)
            display(fig)
            plt.close(fig)

    for control in (region, segment, period, kind):
        control.observe(update, names="value")
    update()
    box = w.VBox([w.HBox([region, segment, period, kind]), out])
    box.update = update  # type: ignore[attr-defined]
    return box
