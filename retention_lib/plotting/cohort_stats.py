"""Retention curves with their intervals drawn as bands."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes

from .. import _docs
from .. import _reading as say
from .._tables import require_by, require_period
from .._validation import (
    require_axes,
    require_frame_columns,
    require_whole_number,
)
from ._axes import finish, percent_axis, require_level, whole_numbers

__all__ = ["plot_retention_intervals"]


@_docs.fill
def plot_retention_intervals(
    curves: pd.DataFrame,
    *,
    period: str = "M",
    by: str | None = None,
    level: float = 0.95,
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
    period : {"D", "W", "M", "Q"}, default "M"
        The ``period`` the cohorts were built with (it labels the x axis).
    by : str, optional
        The ``by`` column of the curves: one band per group.
    level : float, default 0.95
        The ``level`` of :func:`~retention_lib.retention_intervals` (it names the title).
    {ax}
    start : int, default 1
        First period to draw (period 0 is always 100 %).
    max_periods : int, optional
        Last period to draw.
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.plot`.

    {returns_ax}
    """
    need = ["period_number", "retention", "lower", "upper"]
    require_frame_columns(curves, need, name="curves", producer="retention_intervals")
    start = require_whole_number(start, name="start", low=0)
    if max_periods is not None:
        max_periods = require_whole_number(max_periods, name="max_periods", low=0)
    ax = require_axes(ax)
    period = require_period(curves, period)
    by = require_by(curves, by, keys=["cohort", "period_number"], name="curves")
    level = require_level(level)
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
    word = say.period_word(period)
    percent_axis(ax, xmax=100, decimals=0)
    whole_numbers(ax)
    ax.set_ylim(bottom=0)
    return finish(
        ax,
        xlabel=f"{word}s since first purchase",
        ylabel="customers retained (%)",
        title=f"Retention with {level:.0%} Wilson intervals (weighted by cohort size)",
        legend={"fontsize": 8},
        grid="both",
    )
