"""Retention curves with their intervals drawn as bands."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator, PercentFormatter

from .. import _reading as say
from .._validation import require_axes, require_frame_columns, require_whole_number

__all__ = ["plot_retention_intervals"]


def plot_retention_intervals(
    curves: pd.DataFrame,
    *,
    ax: Axes | None = None,
    start: int = 1,
    max_periods: int | None = None,
    **kwargs: Any,
) -> Axes:
    """Average retention curve(s) with their interval as a band, one colour per group.

    Parameters
    ----------
    curves : pandas.DataFrame
        :func:`~retention_lib.retention_intervals` of :func:`~retention_lib.average_retention`
        (columns ``period_number, retention, lower, upper`` and ``[by]``).
    ax : matplotlib Axes, optional
    start : int, default 1
        First period to draw (period 0 is always 100 %).
    max_periods : int, optional
        Last period to draw.
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.plot`.

    Returns
    -------
    matplotlib.axes.Axes
    """
    need = ["period_number", "retention", "lower", "upper"]
    require_frame_columns(curves, need, name="curves", producer="retention_intervals")
    start = require_whole_number(start, name="start", low=0)
    if max_periods is not None:
        max_periods = require_whole_number(max_periods, name="max_periods", low=0)
    ax = require_axes(ax)
    by = curves.attrs.get("by")
    data = curves[curves["period_number"] >= start]
    if max_periods is not None:
        data = data[data["period_number"] <= max_periods]
    groups = list(data.groupby(by, sort=True)) if by else [(None, data)]
    colours = sns.color_palette(n_colors=max(len(groups), 1))
    ax = ax if ax is not None else plt.gca()
    kwargs.setdefault("marker", "o")
    for colour, (name, part) in zip(colours, groups, strict=False):
        part = part.sort_values("period_number")
        label = str(name) if by else "all cohorts"
        ax.plot(part["period_number"], part["retention"] * 100, color=colour, label=label, **kwargs)
        ax.fill_between(
            part["period_number"],
            part["lower"] * 100,
            part["upper"] * 100,
            color=colour,
            alpha=0.2,
            lw=0,
        )
    period = curves.attrs.get("period")
    word = say.period_word(period)
    level = curves.attrs.get("level", 0.95)
    ax.yaxis.set_major_formatter(PercentFormatter(decimals=0))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_ylim(bottom=0)
    ax.set_xlabel(f"{word}s since first purchase")
    ax.set_ylabel("customers retained (%)")
    ax.set_title(f"Retention with {level:.0%} Wilson intervals (weighted by cohort size)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    return ax
