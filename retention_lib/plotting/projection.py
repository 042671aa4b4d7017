"""Plots of a projected cohort triangle: observed and projected cells told apart.

Each function takes the output of :func:`~retention_lib.project_retention`, draws on ``ax``
(default: the current Axes) and returns the Axes.
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import PercentFormatter

from .. import _docs
from .. import _reading as say
from .._tables import require_period
from .._validation import (
    DataValidationError,
    require_axes,
    require_colormap,
    require_frame_columns,
    require_whole_number,
)
from ._axes import finish, percent_axis, require_level, whole_numbers
from ._labels import cohort_label

__all__ = ["plot_projected_curves", "plot_projected_heatmap"]


def _one_group(projection: pd.DataFrame, what: str) -> pd.DataFrame:
    """``projection``, refused when the data holds several groups (a (cohort, period_number)
    cell more than once)."""
    if projection.duplicated(subset=["cohort", "period_number"]).any():
        labels = [  # the group column: a label column other than the cohort
            c
            for c in projection.columns
            if c not in ("cohort", "model")
            and not pd.api.types.is_numeric_dtype(projection[c])
            and not pd.api.types.is_bool_dtype(projection[c])
        ]
        by = labels[0] if labels else "group"
        raise DataValidationError(
            f"`projection` holds several groups (a cohort and period_number appear more than "
            f"once); {what} one at a time, e.g. `projection[projection[{by!r}] == value]`."
        )
    return projection


def _label(cohort: Any, period: str) -> str:
    if isinstance(cohort, pd.Timestamp):
        return cohort_label(cohort, period)
    return str(cohort)


def _model(projection: pd.DataFrame) -> str:
    """The fitted model(s) the ``model`` column names, for a title ('sBG ' or '')."""
    if "model" not in projection.columns:
        return ""
    labels = sorted(projection["model"].dropna().astype(str).unique())
    return " or ".join(labels) + " " if labels else ""


@_docs.fill
def plot_projected_heatmap(
    projection: pd.DataFrame,
    *,
    period: str = "M",
    ax: Axes | None = None,
    annot: bool | None = None,
    cmap: str = "Blues",
    show_sizes: bool = True,
    **kwargs: Any,
) -> Axes:
    """The filled triangle in percent: observed cells in full colour, projected cells
    lighter and hatched.

    Parameters
    ----------
    projection : pandas.DataFrame
        Output of :func:`~retention_lib.project_retention` (one group).
    period : {"D", "W", "M", "Q"}, default "M"
        The ``period`` of the projected table (it labels the axes).
    {ax}
    annot : bool, optional
        Write the percentage in each cell (default: when the triangle is small enough).
    cmap : str
        A sequential colour map; darker means higher.
    show_sizes : bool
        Append the cohort size to each row label.
    **kwargs
        Passed to :func:`seaborn.heatmap`.

    {returns_ax}
    """
    need = ["cohort", "period_number", "cohort_size", "retention", "projected"]
    require_frame_columns(projection, need, name="projection", producer="project_retention")
    cmap = require_colormap(cmap)
    ax = require_axes(ax)
    _one_group(projection, "plot")
    period = require_period(projection, period, name="projection")
    matrix = projection.pivot(index="cohort", columns="period_number", values="retention") * 100
    flags = projection.pivot(index="cohort", columns="period_number", values="projected")
    sizes = projection.groupby("cohort")["cohort_size"].first()
    labels = [
        _label(c, period) + (f"  (n={sizes[c]:,.0f})" if show_sizes else "") for c in matrix.index
    ]
    ax = ax if ax is not None else plt.gca()
    if annot is None:
        annot = matrix.shape[1] <= 16 and matrix.shape[0] <= 24
    kwargs.setdefault(
        "vmax", 100.0 if matrix.shape[1] < 2 else float(matrix.iloc[:, 1:].max().max())
    )
    shown = matrix.copy()
    shown.index = labels
    sns.heatmap(
        shown,
        ax=ax,
        cmap=cmap,
        annot=annot,
        fmt=".0f",
        vmin=0,
        cbar_kws={"format": PercentFormatter(decimals=0), "label": "still active"},
        linewidths=0.5,
        linecolor="white",
        annot_kws={"fontsize": 8},
        **kwargs,
    )
    for i, cohort in enumerate(flags.index):
        for j, k in enumerate(flags.columns):
            if bool(flags.loc[cohort, k]):
                # a veil over projected cells: lighter colour, hatched, the number still legible
                ax.add_patch(
                    Rectangle(
                        (j, i),
                        1,
                        1,
                        facecolor=(1, 1, 1, 0.5),
                        hatch="///",
                        edgecolor="0.55",
                        lw=0,
                        zorder=2,
                    )
                )
    ax.tick_params(axis="y", labelrotation=0, labelsize=8)
    word = say.period_word(period)
    return finish(
        ax,
        xlabel=f"{word}s since first purchase (hatched: projected)",
        ylabel=f"cohort ({word} of first purchase)",
        title=f"Customers still active by cohort (%): observed and {_model(projection)}projection",
    )


@_docs.fill
def plot_projected_curves(
    projection: pd.DataFrame,
    *,
    cohorts: Any = None,
    max_cohorts: int = 6,
    period: str = "M",
    level: float = 0.95,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Survival curves per cohort: observed as solid lines, the projection dashed with its
    prediction interval as a band.

    Parameters
    ----------
    projection : pandas.DataFrame
        Output of :func:`~retention_lib.project_retention` (one group).
    cohorts : sequence, optional
        Cohorts to draw (default: up to ``max_cohorts`` spread over the table, oldest and
        youngest included).
    max_cohorts : int, default 6
    period : {"D", "W", "M", "Q"}, default "M"
        The ``period`` of the projected table (it labels the axes).
    level : float, default 0.95
        The ``level`` the projection was made with (it names the band).
    {ax}
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.plot`.

    {returns_ax}
    """
    need = ["cohort", "period_number", "retention", "lower", "upper", "projected"]
    require_frame_columns(projection, need, name="projection", producer="project_retention")
    max_cohorts = require_whole_number(max_cohorts, name="max_cohorts", low=1)
    ax = require_axes(ax)
    _one_group(projection, "plot")
    period = require_period(projection, period, name="projection")
    level = require_level(level)
    every = sorted(projection["cohort"].unique())
    if cohorts is None:
        picks = np.unique(np.linspace(0, len(every) - 1, min(max_cohorts, len(every))).round())
        cohorts = [every[int(i)] for i in picks]
    unknown = [c for c in cohorts if c not in set(every)]
    if unknown:
        raise DataValidationError(f"`cohorts` holds values not in `projection`: {unknown[:3]}.")
    ax = ax if ax is not None else plt.gca()
    colours = sns.color_palette("viridis", len(cohorts))
    for colour, cohort in zip(colours, cohorts, strict=True):
        rows = projection[projection["cohort"] == cohort].sort_values("period_number")
        seen = rows[~rows["projected"]]
        ahead = rows[rows["projected"]]
        label = _label(cohort, period)
        ax.plot(seen["period_number"], seen["retention"] * 100, color=colour, label=label, **kwargs)
        if len(ahead):
            # join the dashed projection to the last observed point
            path = pd.concat([seen.tail(1), ahead])
            ax.plot(path["period_number"], path["retention"] * 100, color=colour, ls="--", **kwargs)
            ax.fill_between(
                path["period_number"],
                path["lower"] * 100,
                path["upper"] * 100,
                color=colour,
                alpha=0.15,
                lw=0,
            )
    percent_axis(ax, xmax=100, decimals=0)
    whole_numbers(ax)
    ax.set_ylim(0, 102)
    handles, labels = ax.get_legend_handles_labels()
    handles += [
        Line2D([], [], color="0.3", ls="--"),
        Patch(facecolor="0.3", alpha=0.15),
    ]
    labels += ["projected", f"{level:.0%} prediction interval"]
    ax.legend(handles, labels, fontsize=8, title="cohort", title_fontsize=8)
    return finish(
        ax,
        xlabel=f"{say.period_word(period)}s since first purchase",
        ylabel="customers still active (%)",
        title=f"Survival by cohort: observed (solid) and {_model(projection)}projection (dashed)",
        grid="both",
    )
