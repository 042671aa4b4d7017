"""Churn scorecard plots: ROC curves and calibration of each scorer.

Each function takes a table of :func:`retention_lib.clv.churn_scorecard` (``card.roc``,
``card.calibration``), draws on ``ax`` (default: the current Axes) and returns the Axes;
none calls ``plt.show()``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from .. import _docs
from .._validation import (
    DataValidationError,
    require_axes,
    require_frame_columns,
    require_sequence_of_str,
)

__all__ = ["plot_churn_calibration", "plot_churn_roc"]


def _chosen(table: pd.DataFrame, scorers: Sequence[str] | None) -> list[str]:
    names = list(dict.fromkeys(table["scorer"]))
    scorers = require_sequence_of_str(
        scorers, name="scorers", what="scorer names", allow_none=True, example="['BG/NBD']"
    )
    if scorers is None:
        return names
    unknown = [s for s in scorers if s not in names]
    if unknown:
        raise DataValidationError(
            f"`scorers` {unknown} are not in the table; choose among {names}."
        )
    return list(scorers)


def _square(ax: Axes, *, diagonal: str, xlabel: str, ylabel: str, title: str) -> Axes:
    """Both axes from 0% to 100%, the dashed diagonal, labels and legend."""
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label=diagonal)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title)
    ax.legend(fontsize="small")
    return ax


@_docs.fill
def plot_churn_roc(
    roc: pd.DataFrame,
    *,
    auc: pd.DataFrame | None = None,
    scorers: Sequence[str] | None = None,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """ROC curve of each scorer: share of churners found against share of stayers flagged.

    Parameters
    ----------
    roc : pandas.DataFrame
        ``card.roc`` (``scorer, false_positive_rate, true_positive_rate``).
    auc : pandas.DataFrame, optional
        ``card.table``: adds each scorer's AUC to the legend.
    scorers : sequence of str, optional
        Scorers to draw (default: all).
    {ax}
    **kwargs
        Passed to :meth:`Axes.plot` for every curve.

    {returns_ax}
    """
    need = ["scorer", "false_positive_rate", "true_positive_rate"]
    require_frame_columns(roc, need, name="roc", producer="churn_scorecard(...).roc")
    if auc is not None:
        require_frame_columns(
            auc, ["scorer", "auc"], name="auc", producer="churn_scorecard(...).table"
        )
    ax = require_axes(ax)
    chosen = _chosen(roc, scorers)
    aucs = {} if auc is None else dict(zip(auc["scorer"], auc["auc"], strict=True))
    for name in chosen:
        curve = roc[roc["scorer"] == name]
        label = f"{name} (AUC {aucs[name]:.2f})" if name in aucs else name
        ax.plot(curve["false_positive_rate"], curve["true_positive_rate"], label=label, **kwargs)
    return _square(
        ax,
        diagonal="coin toss",
        xlabel="customers who bought again, flagged",
        ylabel="customers who made no purchase, flagged",
        title="Who makes no purchase in the holdout: ROC",
    )


@_docs.fill
def plot_churn_calibration(
    calibration: pd.DataFrame,
    *,
    scorers: Sequence[str] | None = None,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Observed churn rate against the mean score in each score bin (reliability diagram).

    Parameters
    ----------
    calibration : pandas.DataFrame
        ``card.calibration`` (``scorer, mean_score, churn_rate, n_customers``).
    scorers : sequence of str, optional
        Scorers to draw (default: all).
    {ax}
    **kwargs
        Passed to :meth:`Axes.plot` for every line.

    {returns_ax}
    """
    require_frame_columns(
        calibration,
        ["scorer", "mean_score", "churn_rate", "n_customers"],
        name="calibration",
        producer="churn_scorecard(...).calibration",
    )
    ax = require_axes(ax)
    for name in _chosen(calibration, scorers):
        bins = calibration[calibration["scorer"] == name]
        ax.plot(bins["mean_score"], bins["churn_rate"], marker="o", label=name, **kwargs)
    return _square(
        ax,
        diagonal="perfect calibration",
        xlabel="predicted probability of no purchase (bin mean)",
        ylabel="share who made no purchase",
        title="Calibration in the holdout",
    )
