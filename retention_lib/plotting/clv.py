"""CLV plots: holdout calibration, cumulative tracking, period transactions, frequency/recency
heatmaps, a customer's P(alive) history and CLV by group.

Each function takes a frame computed by :mod:`retention_lib.clv`, draws on ``ax`` (default: the
current Axes) and returns the Axes; none calls ``plt.show()``.
"""

from __future__ import annotations

from typing import Any

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter

from .. import _docs
from .._validation import require_axes, require_colormap, require_frame_columns
from ..groups import MIN_GROUP_CUSTOMERS
from ._axes import finish, percent_axis, whole_numbers
from ._groups import say_nothing_shown, shown_groups

__all__ = [
    "plot_calibration_by_frequency",
    "plot_clv_by_group",
    "plot_cumulative_tracking",
    "plot_frequency_recency_heatmap",
    "plot_p_alive_history",
    "plot_period_transactions",
]


@_docs.fill
def plot_calibration_by_frequency(
    table: pd.DataFrame, *, ax: Axes | None = None, **kwargs: Any
) -> Axes:
    """Mean actual vs predicted holdout purchases by calibration frequency.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`retention_lib.clv.calibration_by_frequency` output.
    {ax}
    **kwargs
        Passed to :meth:`Axes.plot` for both lines.

    {returns_ax}
    """
    need = ["frequency_cal", "actual", "predicted"]
    require_frame_columns(table, need, name="table", producer="calibration_by_frequency")
    ax = require_axes(ax)
    pooled = table["or_more"].astype(bool) if "or_more" in table else [False] * len(table)
    labels = [
        f"{f}+" if more else str(f) for f, more in zip(table["frequency_cal"], pooled, strict=True)
    ]
    pos = np.arange(len(table))
    ax.plot(pos, table["actual"], marker="o", label="actual", **kwargs)
    ax.plot(pos, table["predicted"], marker="s", linestyle="--", label="model", **kwargs)
    ax.set_xticks(pos, labels)
    return finish(
        ax,
        xlabel="repeat transactions in calibration period",
        ylabel="mean transactions in holdout period",
        title="Conditional expectations: holdout purchases by calibration frequency",
        legend=True,
    )


@_docs.fill
def plot_cumulative_tracking(table: pd.DataFrame, *, ax: Axes | None = None, **kwargs: Any) -> Axes:
    """Actual vs expected cumulative repeat transactions, with the calibration end marked.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`retention_lib.clv.cumulative_tracking` output.
    {ax}
    **kwargs
        Passed to :meth:`Axes.plot`.

    {returns_ax}
    """
    need = ["period", "actual", "predicted", "holdout"]
    require_frame_columns(table, need, name="table", producer="cumulative_tracking")
    ax = require_axes(ax)
    ax.plot(table["period"], table["actual"], label="actual", **kwargs)
    ax.plot(table["period"], table["predicted"], linestyle="--", label="model", **kwargs)
    cal = table.loc[~table["holdout"], "period"]
    if len(cal) and table["holdout"].any():
        ax.axvline(cal.max(), color="grey", linestyle=":", label="end of calibration")
    return finish(
        ax,
        xlabel="period since the first purchase in the data",
        ylabel="cumulative repeat transactions",
        title="Tracking cumulative repeat transactions",
        legend=True,
    )


@_docs.fill
def plot_period_transactions(table: pd.DataFrame, *, ax: Axes | None = None, **kwargs: Any) -> Axes:
    """Observed vs expected customers by number of repeat transactions (bar chart).

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`retention_lib.clv.period_transactions` output.
    {ax}
    **kwargs
        Passed to :meth:`Axes.bar`.

    {returns_ax}
    """
    need = ["frequency", "actual", "expected"]
    require_frame_columns(table, need, name="table", producer="period_transactions")
    ax = require_axes(ax)
    pos = np.arange(len(table))
    ax.bar(pos - 0.2, table["actual"], width=0.4, label="actual", **kwargs)
    ax.bar(pos + 0.2, table["expected"], width=0.4, label="model", **kwargs)
    labels = table["frequency"].astype(str).tolist()
    labels[-1] = f"{labels[-1]}+"
    ax.set_xticks(pos, labels)
    return finish(
        ax,
        xlabel="repeat transactions in calibration period",
        ylabel="customers",
        title="Frequency of repeat transactions",
        legend=True,
    )


@_docs.fill
def plot_frequency_recency_heatmap(
    matrix: pd.DataFrame,
    *,
    value: str = "p_alive",
    time_unit: str | None = None,
    ax: Axes | None = None,
    cmap: str = "viridis",
    **kwargs: Any,
) -> Axes:
    """Heatmap of P(alive) or expected purchases over frequency (rows) and recency (columns).

    Parameters
    ----------
    matrix : pandas.DataFrame
        :func:`retention_lib.clv.frequency_recency_matrix` output.
    value : {'p_alive', 'expected_purchases'}
        Column to show.
    time_unit : {"W", "D", "M"}, optional
        The unit of ``recency`` (the model's ``time_unit_``), named on the x axis.
    {ax}
    cmap : str
        Colour map.
    **kwargs
        Passed to :meth:`Axes.imshow`.

    {returns_ax}
    """
    need = ["frequency", "recency", value]
    require_frame_columns(matrix, need, name="matrix", producer="frequency_recency_matrix")
    cmap = require_colormap(cmap)
    ax = require_axes(ax)
    grid = matrix.pivot_table(index="frequency", columns="recency", values=value, aggfunc="mean")
    rec = grid.columns.to_numpy(dtype=float)
    freq = grid.index.to_numpy(dtype=float)
    image = ax.imshow(
        grid.to_numpy(),
        origin="lower",
        aspect="auto",
        cmap=cmap,
        extent=(rec.min(), rec.max(), freq.min() - 0.5, freq.max() + 0.5),
        **kwargs,
    )
    ax.figure.colorbar(image, ax=ax, label=value.replace("_", " "))
    unit = {"D": "days", "W": "weeks", "M": "months"}.get(time_unit or "")
    whole_numbers(ax, "y")
    return finish(
        ax,
        xlabel="recency (age at last purchase" + (f", {unit})" if unit else ")"),
        ylabel="frequency (repeat purchases)",
        title="P(alive)" if value == "p_alive" else "Expected purchases in the next period",
    )


@_docs.fill
def plot_p_alive_history(history: pd.DataFrame, *, ax: Axes | None = None, **kwargs: Any) -> Axes:
    """A customer's P(alive) over time with purchases marked.

    Parameters
    ----------
    history : pandas.DataFrame
        :func:`retention_lib.clv.p_alive_history` output.
    {ax}
    **kwargs
        Passed to :meth:`Axes.plot`.

    {returns_ax}
    """
    need = ["date", "p_alive", "purchase"]
    require_frame_columns(history, need, name="history", producer="p_alive_history")
    ax = require_axes(ax)
    ax.plot(history["date"], history["p_alive"], label="P(alive)", **kwargs)
    buys = history[history["purchase"]]
    for i, date in enumerate(buys["date"]):
        ax.axvline(
            date, color="grey", linestyle=":", alpha=0.7, label="purchase" if i == 0 else None
        )
    ax.set_ylim(0, 1.05)
    locator = mdates.AutoDateLocator(maxticks=8)
    ax.xaxis.set_major_locator(locator)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    percent_axis(ax, decimals=0)
    return finish(
        ax,
        ylabel="P(alive)",
        title="Probability the customer is still active",
        legend={"loc": "lower left"},
    )


def _compact(value: float, _pos: object = None) -> str:
    """Axis label in thousands / millions: 1,250 -> '1.2k', 8,300,000 -> '8.3M'."""
    for size, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= size:
            return f"{value / size:,.1f}".rstrip("0").rstrip(".") + suffix
    return f"{value:,.0f}"


@_docs.fill
def plot_clv_by_group(
    table: pd.DataFrame,
    *,
    by: str | None = None,
    value: str = "total_clv",
    currency: str = "",
    ax: Axes | None = None,
    min_customers: int = MIN_GROUP_CUSTOMERS,
    **kwargs: Any,
) -> Axes:
    """Horizontal bars of CLV per group, with intervals when present.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`retention_lib.clv.clv_by_group` output (optionally with ``clv_lower``/
        ``clv_upper`` from :func:`~retention_lib.clv.clv_intervals`).
    by : str, optional
        Group column (default: the first column).
    value : str, default 'total_clv'
        Column to draw (``total_clv`` or ``mean_clv``).
    currency : str
        Currency code for the axis label (e.g. ``"EUR"``).
    {ax}
    min_customers : int, default :data:`~retention_lib.groups.MIN_GROUP_CUSTOMERS`
        Groups with fewer ``customers`` are left out (0 draws all).
    **kwargs
        Passed to :meth:`Axes.barh`.

    {returns_ax}
    """
    by = by or table.columns[0]
    require_frame_columns(table, [by, value], name="table", producer="clv_by_group")
    ax = require_axes(ax)
    data = shown_groups(table, by=by, size="customers", min_customers=min_customers)
    if data.empty:
        return say_nothing_shown(ax, by, min_customers)
    data = data.sort_values(value)
    xerr = None
    if value == "total_clv" and {"clv_lower", "clv_upper"} <= set(data.columns):
        xerr = np.vstack([data[value] - data["clv_lower"], data["clv_upper"] - data[value]]).clip(
            min=0
        )
    kwargs.setdefault("color", "#2b6ca3")
    ax.barh(data[by].astype(str), data[value], xerr=xerr, capsize=3, **kwargs)
    label = {"total_clv": "total CLV", "mean_clv": "mean CLV per customer"}.get(
        value, value.replace("_", " ")
    )
    ax.set_xlabel(
        label
        + (f" ({currency})" if currency else "")
        + (", with 95% interval" if xerr is not None else "")
    )
    ax.xaxis.set_major_formatter(FuncFormatter(_compact))
    ax.set_title(f"Customer lifetime value by {by}")
    return ax
