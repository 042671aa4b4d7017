"""Pareto plots: the cumulative-share (80/20) curve, the Lorenz curve and the top-x% share
per group.

Each function takes a table computed by :mod:`retention_lib.pareto`, draws on ``ax``
(default: the current Axes) and returns the Axes; none calls ``plt.show()``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from .. import _docs
from .._validation import (
    require_axes,
    require_column_name,
    require_frame_columns,
    require_in_range,
    require_min_customers,
)
from ..groups import MIN_GROUP_CUSTOMERS
from ._axes import finish, percent_axis
from ._groups import say_nothing_shown, shown_groups

__all__ = ["plot_lorenz", "plot_pareto", "plot_top_share"]


def _groups(table: pd.DataFrame, by: str | None) -> list[tuple[str | None, pd.DataFrame]]:
    if by is None:
        return [(None, table)]
    return [(str(k), g) for k, g in table.groupby(by, sort=True)]


@_docs.fill
def plot_pareto(
    table: pd.DataFrame,
    *,
    by: str | None = None,
    top: float = 0.2,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Cumulative share of value against cumulative share of customers (best first).

    Draws the 45-degree line (every customer worth the same) and marks the share of value
    from the top ``top`` of customers (the "20/80 point").

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`~retention_lib.pareto_table` (with the same ``by``).
    by : str, optional
        Group column of ``table``: one curve per group.
    top : float, default 0.2
        Share of customers to mark.
    {ax}
    **kwargs
        Passed to ``ax.plot`` for the curves.

    {returns_ax}

    Examples
    --------
    >>> plot_pareto(pareto_table(tx))  # doctest: +SKIP
    """
    need = ["cum_customer_share", "cum_value_share", *([by] if by else [])]
    require_frame_columns(table, need, name="table", producer="pareto_table")
    top = require_in_range(top, name="top", low=0, high=1, low_inclusive=False)
    ax = require_axes(ax)
    ax.plot([0, 1], [0, 1], ls="--", color="grey", lw=1, label="every customer equal")
    single = by is None or table[by].nunique() == 1
    for key, g in _groups(table, by):
        x = np.concatenate([[0.0], g["cum_customer_share"].to_numpy()])
        y = np.concatenate([[0.0], g["cum_value_share"].to_numpy()])
        share = float(np.interp(top, x, y))
        label = f"top {top:.0%} hold {share:.0%}" if key is None else f"{key}: {share:.0%}"
        (line,) = ax.plot(x, y, label=label, **kwargs)
        ax.plot([top], [share], "o", color=line.get_color())
        if single:
            ax.vlines(top, 0, share, color=line.get_color(), ls=":", lw=1)
            ax.hlines(share, 0, top, color=line.get_color(), ls=":", lw=1)
            ax.annotate(
                f"top {top:.0%} of customers\n= {share:.0%} of value",
                (top, share),
                xytext=(12, -28),
                textcoords="offset points",
                fontsize=9,
            )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    percent_axis(ax, "x")
    percent_axis(ax, "y")
    finish(
        ax,
        xlabel="customers, most valuable first (cumulative share)",
        ylabel="value (cumulative share)",
    )
    title = "Concentration of value" if by is None else f"Concentration of value by {by}"
    ax.set_title(title)
    ax.legend(loc="lower right", fontsize=9, title=f"top {top:.0%} share" if not single else None)
    return ax


@_docs.fill
def plot_lorenz(
    curve: pd.DataFrame,
    *,
    by: str | None = None,
    ax: Axes | None = None,
    min_customers: int = MIN_GROUP_CUSTOMERS,
    **kwargs: Any,
) -> Axes:
    """Lorenz curve(s) with the line of equality; the Gini coefficient is twice the area
    between them.

    Parameters
    ----------
    curve : pandas.DataFrame
        Output of :func:`~retention_lib.lorenz_curve`.
    by : str, optional
        Group column of ``curve``.
    {ax}
    min_customers : int, default :data:`~retention_lib.groups.MIN_GROUP_CUSTOMERS`
        With ``by``, groups of fewer customers are left out (0 draws all).
    **kwargs
        Passed to ``ax.plot``.

    {returns_ax}

    Examples
    --------
    >>> plot_lorenz(lorenz_curve(tx))  # doctest: +SKIP
    """
    need = ["cum_customer_share", "cum_value_share", *([by] if by else [])]
    require_frame_columns(curve, need, name="curve", producer="lorenz_curve")
    min_customers = require_min_customers(min_customers)
    ax = require_axes(ax)
    if by:  # a group of n customers has n + 1 points (from 0, 0)
        n = curve.groupby(by, observed=True)[by].transform("size") - 1
        curve = shown_groups(curve.assign(_n=n), by=by, size="_n", min_customers=min_customers)
        if curve.empty:
            return say_nothing_shown(ax, by, min_customers)
    ax.plot([0, 1], [0, 1], ls="--", color="grey", lw=1, label="equality")
    for key, g in _groups(curve, by):
        x, y = g["cum_customer_share"].to_numpy(), g["cum_value_share"].to_numpy()
        # Gini = 1 - 2 x area under the Lorenz curve (trapezoids)
        g_coef = 1 - np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1]))
        name = "customers" if key is None else key
        ax.plot(x, y, label=f"{name} (Gini {g_coef:.2f})", **kwargs)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    percent_axis(ax, "x")
    percent_axis(ax, "y")
    return finish(
        ax,
        xlabel="customers, least valuable first (cumulative share)",
        ylabel="value (cumulative share)",
        title="Lorenz curve",
        legend={"loc": "upper left", "fontsize": 9},
    )


@_docs.fill
def plot_top_share(
    summary: pd.DataFrame,
    *,
    by: str,
    ax: Axes | None = None,
    benchmark: float | None = 0.8,
    min_customers: int = MIN_GROUP_CUSTOMERS,
    **kwargs: Any,
) -> Axes:
    """Bar chart of the share of value from the top ``top`` customers, per group.

    Parameters
    ----------
    summary : pandas.DataFrame
        Output of :func:`~retention_lib.pareto_summary` with ``by`` (or of
        :func:`~retention_lib.concentration_comparison`, with ``by="measure"``).
    by : str
        Column naming the bars.
    {ax}
    benchmark : float or None, default 0.8
        Reference line (the "80" of 80/20); ``None`` for none.
    min_customers : int, default :data:`~retention_lib.groups.MIN_GROUP_CUSTOMERS`
        Groups with fewer ``n_customers`` are left out (0 draws all).
    **kwargs
        Passed to ``ax.bar``.

    {returns_ax}

    Examples
    --------
    >>> plot_top_share(pareto_summary(tx, by="region"), by="region")  # doctest: +SKIP
    """
    require_column_name(by, allow_none=False)
    need = [by, "top", "top_share"]
    require_frame_columns(summary, need, name="summary", producer="pareto_summary")
    if benchmark is not None:
        benchmark = require_in_range(benchmark, name="benchmark", low=0, high=1)
    ax = require_axes(ax)
    summary = shown_groups(summary, by=by, size="n_customers", min_customers=min_customers)
    if summary.empty:
        return say_nothing_shown(ax, by, min_customers)
    labels = summary[by].astype(str).to_numpy()
    shares = summary["top_share"].to_numpy(dtype=float)
    kwargs.setdefault("color", "tab:blue")
    bars = ax.bar(labels, shares, **kwargs)
    for bar, s in zip(bars, shares, strict=True):
        ax.annotate(
            f"{s:.0%}",
            (bar.get_x() + bar.get_width() / 2, s),
            ha="center",
            va="bottom",
            fontsize=9,
            xytext=(0, 2),
            textcoords="offset points",
        )
    top = float(summary["top"].iloc[0])
    if benchmark is not None:
        ax.axhline(
            benchmark, ls="--", color="grey", lw=1, label=f"{top:.0%}/{benchmark:.0%} rule of thumb"
        )
        ax.legend(loc="upper right", fontsize=9)
    ax.set_ylim(0, 1.05)
    percent_axis(ax)
    finish(
        ax,
        xlabel=by,
        ylabel=f"share of value from the top {top:.0%} of customers",
        title=f"Value from the top {top:.0%} of customers",
    )
    if len(labels) > 4:
        ax.tick_params(axis="x", labelrotation=30)
    return ax
