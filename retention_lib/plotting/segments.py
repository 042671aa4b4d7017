"""Plots for RFM segments and retention KPIs: segment sizes and value, the R x F grid,
scores with confidence intervals (NPS, CSAT, ...) and A/B test results.

Each function takes a table computed by :mod:`retention_lib.segments`,
:mod:`retention_lib.kpis` or :mod:`retention_lib.abtest`, draws on ``ax`` (default: the
current Axes) and returns the Axes; none calls ``plt.show()``.
"""

from __future__ import annotations

import textwrap
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from .._validation import require_axes, require_colormap, require_frame_columns, require_in_range
from ..groups import MIN_GROUP_CUSTOMERS
from ._groups import say_nothing_shown, shown_groups

__all__ = [
    "plot_ab_test",
    "plot_group_rates",
    "plot_rfm_grid",
    "plot_score_intervals",
    "plot_segments",
    "plot_whatif",
]


def plot_segments(summary: pd.DataFrame, *, ax: Axes | None = None, **kwargs: Any) -> Axes:
    """Share of customers beside share of value per RFM segment (horizontal bars).

    Parameters
    ----------
    summary : pandas.DataFrame
        Output of :func:`~retention_lib.segment_summary` (without ``by``).
    ax : matplotlib Axes, optional
    **kwargs
        Passed to ``ax.barh``.

    Returns
    -------
    matplotlib.axes.Axes

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
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("share of all customers / of all value")
    ax.set_title("RFM segments: customers and value")
    ax.legend(loc="lower right", fontsize=9)
    return ax


def plot_rfm_grid(
    scores: pd.DataFrame, *, ax: Axes | None = None, cmap: str = "Blues", **kwargs: Any
) -> Axes:
    """Customers in each (R, F) score cell, labelled with the segment of the cell.

    Parameters
    ----------
    scores : pandas.DataFrame
        Output of :func:`~retention_lib.rfm_scores`.
    ax : matplotlib Axes, optional
    cmap : str, default "Blues"
        Sequential colour map; darker = more customers.
    **kwargs
        Passed to ``ax.imshow``.

    Returns
    -------
    matplotlib.axes.Axes

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
    ax.set_xlabel("F score (5 = most orders)")
    ax.set_ylabel("R score (5 = most recent)")
    ax.set_title("Customers per R x F cell")
    plt.colorbar(im, ax=ax, label="customers")
    return ax


def plot_score_intervals(
    table: pd.DataFrame,
    *,
    value: str,
    by: str,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """A survey score per group with its confidence interval (e.g. NPS by region).

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`~retention_lib.nps`, :func:`~retention_lib.csat`,
        :func:`~retention_lib.ces` or :func:`~retention_lib.loyalty_score` with ``by``.
    value : str
        Score column (``"nps"``, ``"csat"``, ``"ces"``, ``"loyalty_score"``).
    by : str
        Group column.
    ax : matplotlib Axes, optional
    **kwargs
        Passed to ``ax.errorbar``.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> plot_score_intervals(nps(survey, by="region"), value="nps", by="region")  # doctest: +SKIP
    """
    need = [by, value, "ci_low", "ci_high", "n"]
    require_frame_columns(table, need, name="table", producer="nps` / `csat` / `ces")
    ax = require_axes(ax)
    y = np.arange(len(table))
    v = table[value].to_numpy(dtype=float)
    err = np.vstack(
        [v - table["ci_low"].to_numpy(dtype=float), table["ci_high"].to_numpy(dtype=float) - v]
    )
    kwargs.setdefault("fmt", "o")
    kwargs.setdefault("capsize", 4)
    ax.errorbar(v, y, xerr=err, **kwargs)
    labels = [f"{k} (n={n:,})" for k, n in zip(table[by].astype(str), table["n"], strict=True)]
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    if value == "nps":
        ax.axvline(0, color="grey", lw=1, ls="--")
    ax.set_xlabel(f"{value} (dot) with confidence interval")
    ax.set_title(f"{value.upper() if len(value) <= 4 else value} by {by}")
    return ax


def plot_ab_test(result: pd.DataFrame, *, ax: Axes | None = None, **kwargs: Any) -> Axes:
    """Relative difference (treatment vs control) per metric with its confidence interval.

    Each metric's difference and interval are divided by the control value, so metrics in
    different units share one axis (percent change); 0 = no effect.

    Parameters
    ----------
    result : pandas.DataFrame
        Output of :func:`~retention_lib.ab_test`.
    ax : matplotlib Axes, optional
    **kwargs
        Passed to ``ax.errorbar``.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> plot_ab_test(ab_test(outcomes))  # doctest: +SKIP
    """
    need = ["metric", "control", "difference", "ci_low", "ci_high", "significant"]
    require_frame_columns(result, need, name="result", producer="ab_test")
    ax = require_axes(ax)
    base = result["control"].replace(0, np.nan).to_numpy(dtype=float)
    d = result["difference"].to_numpy(dtype=float) / base
    lo = result["ci_low"].to_numpy(dtype=float) / base
    hi = result["ci_high"].to_numpy(dtype=float) / base
    y = np.arange(len(result))
    kwargs.setdefault("fmt", "o")
    kwargs.setdefault("capsize", 4)
    ax.errorbar(d, y, xerr=np.vstack([d - lo, hi - d]), **kwargs)
    labels = [
        f"{m}{' *' if s else ''}"
        for m, s in zip(result["metric"], result["significant"], strict=True)
    ]
    ax.set_yticks(y, labels)
    ax.invert_yaxis()
    ax.axvline(0, color="grey", lw=1, ls="--")
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel("treatment vs control (relative difference, with confidence interval)")
    ax.set_title("A/B test (* = significant)")
    return ax


def plot_whatif(
    uplift: pd.DataFrame,
    *,
    by: str,
    value: str = "profit_uplift_pct",
    ax: Axes | None = None,
    min_customers: int = MIN_GROUP_CUSTOMERS,
    **kwargs: Any,
) -> Axes:
    """Bars of a retention gain's uplift per group (one bar group per gain).

    Parameters
    ----------
    uplift : pandas.DataFrame
        Output of :func:`~retention_lib.retention_uplift` with ``by``.
    by : str
        Group column.
    value : str, default "profit_uplift_pct"
        Column to show (any ``*_uplift`` or ``*_uplift_pct`` column).
    ax : matplotlib Axes, optional
    min_customers : int, default :data:`~retention_lib.groups.MIN_GROUP_CUSTOMERS`
        Groups with fewer ``n_customers`` are left out (0 draws all).
    **kwargs
        Passed to ``ax.barh``.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> plot_whatif(retention_uplift(bg, gg, summary, groups=seg, by="segment"), by="segment")  # doctest: +SKIP
    """
    require_frame_columns(uplift, ["gain", by, value], name="uplift", producer="retention_uplift")
    ax = require_axes(ax)
    uplift = shown_groups(uplift, by=by, size="n_customers", min_customers=min_customers)
    if uplift.empty:
        return say_nothing_shown(ax, by, min_customers)
    wide = uplift.pivot_table(index=by, columns="gain", values=value, observed=True, sort=False)
    y = np.arange(len(wide))
    h = 0.8 / max(len(wide.columns), 1)
    for i, gain in enumerate(wide.columns):
        ax.barh(
            y + (i - (len(wide.columns) - 1) / 2) * h,
            wide[gain],
            height=h,
            label=f"+{gain:.0%} retention",
            **kwargs,
        )
    ax.set_yticks(y, [str(k) for k in wide.index])
    ax.invert_yaxis()
    pct = value.endswith("_pct")
    label = value.removesuffix("_pct").replace("_", " ")
    ax.set_xlabel(f"{label} (% of today's)" if pct else label)
    ax.set_title("What a retention gain is worth")
    ax.legend(loc="lower right", fontsize=9)
    return ax


def plot_group_rates(
    table: pd.DataFrame,
    *,
    by: str,
    value: str = "retention_rate",
    size: str = "customers_start",
    percent_scale: float = 100.0,
    ax: Axes | None = None,
    min_customers: int = MIN_GROUP_CUSTOMERS,
    **kwargs: Any,
) -> Axes:
    """Bars of a rate per group (e.g. retention rate by region from
    :func:`~retention_lib.customer_counts`), leaving out groups too small to read.

    Parameters
    ----------
    table : pandas.DataFrame
        One row per group with ``by``, ``value`` and ``size``.
    by : str
        Group column.
    value : str, default "retention_rate"
        Rate to draw.
    size : str, default "customers_start"
        Column counting the customers each rate rests on.
    percent_scale : float, default 100
        What 100% is in ``value`` (100 for percent, 1 for fractions).
    ax : matplotlib Axes, optional
    min_customers : int, default :data:`~retention_lib.groups.MIN_GROUP_CUSTOMERS`
        Groups with fewer ``size`` customers are left out (0 draws all).
    **kwargs
        Passed to ``ax.bar``.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> plot_group_rates(customer_counts(tx, start=s, end=e, by="region"), by="region")  # doctest: +SKIP
    """
    require_frame_columns(table, [by, value, size], name="table", producer="customer_counts")
    percent_scale = require_in_range(
        percent_scale, name="percent_scale", low=0, low_inclusive=False
    )
    ax = require_axes(ax)
    data = shown_groups(table, by=by, size=size, min_customers=min_customers)
    data = data[data[value].notna()]
    if data.empty:
        return say_nothing_shown(ax, by, min_customers)
    kwargs.setdefault("color", "tab:blue")
    labels = [f"{g}\n(n={n:,})" for g, n in zip(data[by].astype(str), data[size], strict=True)]
    ax.bar(labels, data[value].to_numpy(dtype=float), **kwargs)
    ax.yaxis.set_major_formatter(PercentFormatter(percent_scale, decimals=0))
    ax.set_ylim(0, percent_scale * 1.05)
    ax.set_ylabel(value.replace("_", " "))
    ax.set_xlabel(by)
    if len(labels) > 4:
        ax.tick_params(axis="x", labelrotation=30)
    return ax
