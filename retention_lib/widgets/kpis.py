"""Survey KPI explorer: region and segment dropdowns redrawing :func:`kpi_view`, which only
calls :func:`~retention_lib.survey_summary` and :func:`~retention_lib.nps`.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as w
import matplotlib.pyplot as plt
import pandas as pd

from .._validation import (
    DataValidationError,
    require_column_name,
    require_frame,
)
from ..kpis import nps, survey_summary
from ..plotting.kpis import plot_score_intervals
from ._common import ALL, dropdown, explorer_table, options, select, wire

__all__ = [
    "kpi_explorer",
    "kpi_view",
]

MIN_ANSWERS = 5


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
        ``kpi, value, ci_low, ci_high, n``: :func:`~retention_lib.survey_summary` of the
        selection (NPS, CSAT as a share, CES and loyalty score, those the survey holds).
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
    table = survey_summary(sub, min_responses=1).rename(columns={"score": "kpi"})
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
