"""Cohort plots: retention triangle, retention curves, value curves.

Each function takes a table computed by :mod:`retention_lib.cohorts`, draws on ``ax``
(default: the current Axes) and returns the Axes; none calls ``plt.show()``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.patches import Rectangle
from matplotlib.ticker import FuncFormatter, PercentFormatter

from .. import _docs
from .. import _reading as say
from .._tables import require_by, require_period
from .._validation import (
    DataValidationError,
    require_axes,
    require_choice,
    require_colormap,
    require_frame_columns,
    require_in_range,
    require_whole_number,
)
from ..cohorts import retention_matrix
from ..groups import MIN_GROUP_CUSTOMERS
from ._axes import finish, percent_axis, whole_numbers
from ._groups import say_nothing_shown, shown_groups
from ._labels import cohort_label

__all__ = ["plot_retention_curves", "plot_retention_heatmap", "plot_value_curves"]

_TITLES = {
    "classic": "Classic retention",
    "unbounded": "Unbounded retention",
    "survival": "Survival",
}


@_docs.fill
def plot_retention_heatmap(
    table: pd.DataFrame,
    *,
    value: str = "retention",
    period: str = "M",
    by: str | None = None,
    kind: str = "classic",
    ax: Axes | None = None,
    annot: bool | None = None,
    cmap: str = "Blues",
    show_sizes: bool = True,
    **kwargs: Any,
) -> Axes:
    """Cohort triangle as a heatmap in percent (darker = higher retention).

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`~retention_lib.cohort_retention` (or
        :func:`~retention_lib.revenue_retention` with ``value="revenue_retention"``),
        without ``by`` or filtered to one group.
    value : str
        Rate column to show.
    period : {"D", "W", "M", "Q"}, default "M"
        The ``period`` the table was built with (it labels the rows).
    by : str, optional
        The ``by`` column of a table filtered to one group.
    kind : {"classic", "unbounded", "survival"}, default "classic"
        What the table counts (:func:`~retention_lib.cohort_retention`'s ``kind``, or
        ``"survival"`` for :func:`~retention_lib.cohort_survival`); it names the title.
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
    need = ["cohort", "period_number", "cohort_size"]
    require_frame_columns(table, need, name="table", producer="cohort_retention")
    cmap = require_colormap(cmap)
    ax = require_axes(ax)
    kind = require_choice(kind, tuple(_TITLES), name="kind")
    period = require_period(table, period)
    by = require_by(table, by, keys=["cohort", "period_number"])
    if by and table[by].nunique() > 1:
        raise DataValidationError(
            f"`table` holds several `{by}` groups; filter it to one first, e.g. "
            f"`table[table[{by!r}] == 'Europe']`, or plot curves with `plot_retention_curves`."
        )
    t = table
    matrix = retention_matrix(t, value=value, by=by) * 100
    if by:
        matrix = matrix.droplevel(0)
    sizes = t.groupby("cohort")["cohort_size"].first()
    labels = [
        cohort_label(c, period) + (f"  (n={sizes[c]:,})" if show_sizes else "")
        for c in matrix.index
    ]
    rows = {c: i for i, c in enumerate(matrix.index)}
    cols = {k: j for j, k in enumerate(matrix.columns)}
    # label the rows themselves so seaborn can thin them on long (e.g. weekly) triangles
    matrix.index = labels
    if annot is None:
        annot = matrix.shape[1] <= 16 and matrix.shape[0] <= 24
    dense = matrix.shape[0] > 40 or matrix.shape[1] > 40
    top = np.nanmax(matrix.to_numpy()[:, 1:]) if matrix.shape[1] > 1 else 100
    kwargs.setdefault("vmax", max(float(np.nan_to_num(top)), 1.0))
    sns.heatmap(
        matrix,
        ax=ax,
        cmap=cmap,
        annot=annot,
        fmt=".0f",
        mask=matrix.isna(),
        vmin=0,
        cbar_kws={"format": PercentFormatter(decimals=0), "label": f"{value.replace('_', ' ')}"},
        linewidths=0 if dense else 0.5,
        linecolor="white",
        annot_kws={"fontsize": 8},
        **kwargs,
    )
    ax.tick_params(axis="y", labelrotation=0, labelsize=8)
    partial = t.loc[t["partial"] & t["observable"], ["cohort", "period_number"]]
    for cohort, k in partial.itertuples(index=False):
        # hatch the cells of the last, incomplete calendar period: they read low by design
        if cohort in rows and k in cols:
            ax.add_patch(
                Rectangle(
                    (cols[k], rows[cohort]), 1, 1, fill=False, hatch="///", edgecolor="0.45", lw=0
                )
            )
    word = say.period_word(period)
    title = f"{_TITLES[kind]} by cohort (%)"
    if value != "retention":
        title = f"{value.replace('_', ' ').capitalize()} by cohort (%)"
    return finish(
        ax,
        xlabel=f"{word}s since first purchase"
        + (f" (hatched: the last {word}, not complete yet)" if len(partial) else ""),
        ylabel=f"cohort ({word} of first purchase)",
        title=title,
    )


@_docs.fill
def plot_retention_curves(
    curves: pd.DataFrame,
    *,
    period: str = "M",
    by: str | None = None,
    ax: Axes | None = None,
    max_periods: int | None = None,
    start: int = 1,
    min_customers: int = MIN_GROUP_CUSTOMERS,
    min_share: float = 0.25,
    **kwargs: Any,
) -> Axes:
    """Average retention curve(s), one line per group.

    Parameters
    ----------
    curves : pandas.DataFrame
        Output of :func:`~retention_lib.average_retention`.
    period : {"D", "W", "M", "Q"}, default "M"
        The ``period`` the cohorts were built with (it labels the x axis).
    by : str, optional
        The ``by`` column of the curves: one line per group.
    {ax}
    max_periods : int, optional
        Cut the x axis after this many periods.
    start : int
        First period to draw. The default 1 leaves out period 0 (always 100%) so the
        y axis can show the differences that matter; pass 0 to include it.
    min_customers : int, default :data:`~retention_lib.groups.MIN_GROUP_CUSTOMERS`
        With ``by``, groups that acquired fewer customers are left out (0 draws all).
    min_share : float, default 0.25
        Periods averaged over less than this share of a group's customers (late periods,
        which only the earliest cohorts reach) are not drawn, as in
        :func:`~retention_lib.value_curves`; the axis label says so. 0 draws them all.
    **kwargs
        Passed to :func:`seaborn.lineplot`.
    """
    need = ["period_number", "retention", "cohort_size"]
    require_frame_columns(curves, need, name="curves", producer="average_retention")
    min_share = require_in_range(min_share, name="min_share", low=0, high=1)
    start = require_whole_number(start, name="start", low=0)
    if max_periods is not None:
        max_periods = require_whole_number(max_periods, name="max_periods", low=0)
    ax = require_axes(ax)
    period = require_period(curves, period)
    by = require_by(curves, by, keys=["period_number"], name="curves")
    curves = shown_groups(curves, by=by, size="cohort_size", min_customers=min_customers)
    if curves.empty and by:
        return say_nothing_shown(ax, by, min_customers)
    data = curves[curves["period_number"] >= start]
    if max_periods is not None:
        data = data[data["period_number"] <= max_periods]
    total = (
        curves.groupby(by)["cohort_size"].transform("max") if by else curves["cohort_size"].max()
    )
    thin = (curves["cohort_size"] < min_share * total).reindex(data.index)
    data = data[~thin].assign(retention_pct=lambda d: d["retention"] * 100)
    kwargs.setdefault("marker", "o")
    sns.lineplot(data=data, x="period_number", y="retention_pct", hue=by, ax=ax, **kwargs)
    percent_axis(ax, xmax=100, decimals=0)
    top = float(data["retention_pct"].max()) if len(data) else 100.0
    ax.set_ylim(0, min(105.0, top * 1.15 + 1))
    word = say.period_word(period)
    whole_numbers(ax)  # period numbers are whole
    return finish(
        ax,
        xlabel=f"{word}s since first purchase"
        + (
            f"\n({word}s observed for under {min_share:.0%} of customers not drawn)"
            if thin.any()
            else ""
        ),
        ylabel="customers still buying (%)",
        title="Retention curve" + (f" by {by}" if by else "") + " (weighted by cohort size)",
        grid="both",
    )


@_docs.fill
def plot_value_curves(
    curves: pd.DataFrame,
    *,
    currency: str = "",
    period: str = "M",
    by: str | None = None,
    ax: Axes | None = None,
    min_customers: int = MIN_GROUP_CUSTOMERS,
    **kwargs: Any,
) -> Axes:
    """Cumulative revenue per acquired customer, one line per group.

    Parameters
    ----------
    curves : pandas.DataFrame
        Output of :func:`~retention_lib.value_curves`.
    currency : str
        Reporting currency code or symbol for the axis label (e.g. ``"EUR"``).
    period : {"D", "W", "M", "Q"}, default "M"
        The ``period`` the cohorts were built with (it labels the x axis).
    by : str, optional
        The ``by`` column of the curves: one line per group.
    {ax}
        Axes to draw on (default: the current Axes).
    min_customers : int, default :data:`~retention_lib.groups.MIN_GROUP_CUSTOMERS`
        With ``by``, groups that acquired fewer customers are left out (0 draws all).
    **kwargs
        Passed to :func:`seaborn.lineplot`.
    """
    need = ["period_number", "cumulative_revenue_per_customer", "customers"]
    require_frame_columns(curves, need, name="curves", producer="value_curves")
    ax = require_axes(ax)
    period = require_period(curves, period)
    by = require_by(curves, by, keys=["period_number"], name="curves")
    curves = shown_groups(curves, by=by, size="customers", min_customers=min_customers)
    if curves.empty and by:
        return say_nothing_shown(ax, by, min_customers)
    kwargs.setdefault("marker", "o")
    sns.lineplot(
        data=curves, x="period_number", y="cumulative_revenue_per_customer", hue=by, ax=ax, **kwargs
    )
    ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:,.0f}"))
    ax.set_ylim(bottom=0)
    whole_numbers(ax)  # period numbers are whole
    return finish(
        ax,
        xlabel=f"{say.period_word(period)}s since first purchase",
        ylabel=f"cumulative revenue per customer{f' ({currency})' if currency else ''}",
        title="Value curve: cumulative revenue per acquired customer",
        grid="both",
    )
