"""Plots of RFM segments: customer and value shares per segment, the (R, F) score grid."""

from __future__ import annotations

import textwrap
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from .. import _docs
from .._validation import require_axes, require_colormap, require_frame_columns
from ._axes import finish, percent_axis

__all__ = [
    "plot_rfm_grid",
    "plot_segments",
]


@_docs.fill
def plot_segments(summary: pd.DataFrame, *, ax: Axes | None = None, **kwargs: Any) -> Axes:
    """Share of customers beside share of value per RFM segment (horizontal bars).

    Parameters
    ----------
    summary : pandas.DataFrame
        Output of :func:`~retention_lib.segment_summary` (without ``by``).
    {ax}
    **kwargs
        Passed to ``ax.barh``.

    {returns_ax}

    Examples
    --------
    >>> plot_segments(segment_summary(rfm_scores(tx)))  # doctest: +SKIP
    """
    need = ["segment", "customer_share", "value_share"]
    require_frame_columns(summary, need, name="summary", producer="segment_summary")
    ax = require_axes(ax)
    names = summary["segment"].astype(str).to_numpy()
    y = np.arange(len(names))
    h = 0.4
    ax.barh(
        y - h / 2,
        summary["customer_share"],
        height=h,
        label="customers",
        color="tab:blue",
        **kwargs,
    )
    ax.barh(
        y + h / 2, summary["value_share"], height=h, label="value", color="tab:orange", **kwargs
    )
    ax.set_yticks(y, names)
    ax.invert_yaxis()
    percent_axis(ax, "x")
    return finish(
        ax,
        xlabel="share of all customers / of all value",
        title="RFM segments: customers and value",
        legend={"loc": "lower right", "fontsize": 9},
    )


@_docs.fill
def plot_rfm_grid(
    scores: pd.DataFrame, *, ax: Axes | None = None, cmap: str = "Blues", **kwargs: Any
) -> Axes:
    """Customers in each (R, F) score cell, labelled with the segment of the cell.

    Parameters
    ----------
    scores : pandas.DataFrame
        Output of :func:`~retention_lib.rfm_scores`.
    {ax}
    cmap : str, default "Blues"
        Sequential colour map; darker = more customers.
    **kwargs
        Passed to ``ax.imshow``.

    {returns_ax}

    Examples
    --------
    >>> plot_rfm_grid(rfm_scores(tx))  # doctest: +SKIP
    """
    need = ["r_score", "f_score", "segment"]
    require_frame_columns(scores, need, name="scores", producer="rfm_scores")
    cmap = require_colormap(cmap)
    ax = require_axes(ax)
    levels = [1, 2, 3, 4, 5]
    counts = pd.crosstab(scores["r_score"], scores["f_score"]).reindex(
        index=levels[::-1], columns=levels, fill_value=0
    )
    seg = (
        scores.assign(segment=scores["segment"].astype(str))
        .groupby(["r_score", "f_score"])["segment"]
        .agg(lambda s: s.mode().iloc[0])
        .unstack()
        .reindex(index=levels[::-1], columns=levels)
    )
    im = ax.imshow(counts.to_numpy(), cmap=cmap, aspect="auto", **kwargs)
    top = counts.to_numpy().max() or 1
    for i, r in enumerate(counts.index):
        for j, f in enumerate(counts.columns):
            n = int(counts.loc[r, f])
            name = seg.loc[r, f]
            label = textwrap.fill(name, 12) if isinstance(name, str) else ""
            text = f"{n:,}" + (f"\n{label}" if label else "")
            ax.text(
                j,
                i,
                text,
                ha="center",
                va="center",
                fontsize=7,
                color="white" if n > 0.6 * top else "black",
            )
    ax.set_xticks(range(5), [str(x) for x in levels])
    ax.set_yticks(range(5), [str(x) for x in levels[::-1]])
    finish(
        ax,
        xlabel="F score (5 = most orders)",
        ylabel="R score (5 = most recent)",
        title="Customers per R x F cell",
    )
    plt.colorbar(im, ax=ax, label="customers")
    return ax
