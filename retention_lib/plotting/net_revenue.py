"""Revenue movements of :func:`~retention_lib.net_revenue_retention`: stacked bars per period
and a waterfall of one period. Each function returns the Axes."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter

from .. import _docs
from .. import _reading as say
from .._tables import require_by, require_period
from .._validation import DataValidationError, require_axes, require_frame_columns, require_str
from ._axes import finish

__all__ = ["plot_revenue_movements", "plot_revenue_waterfall"]

_COLOURS = {
    "retained": "#9ecae1",
    "expansion": "#31a354",
    "reactivated": "#9e9ac8",
    "new": "#3182bd",
    "contraction": "#fd8d3c",
    "churned": "#de2d26",
    "other": "#969696",
}

#: the columns of `net_revenue_retention` the two plots read
_NEED = ("period", "starting_revenue", "retained", "expansion", "contraction", "churned", "new",
         "partial")  # fmt: skip


def _business(table: pd.DataFrame, by: str | None) -> pd.DataFrame:
    keys = ["cohort", "period"] if "cohort" in table.columns else ["period"]
    by = require_by(table, by, keys=keys)
    if by and table[by].nunique() > 1:
        raise DataValidationError(f"`table` is split by `{by}`; plot one group at a time.")
    if by:
        table = table.drop(columns=by)
    if "cohort" in table.columns:
        sums = table.drop(columns=["gross_revenue_retention", "net_revenue_retention"])
        table = sums.groupby(["period", "partial"], as_index=False).sum(numeric_only=True)
        start = table["starting_revenue"].where(table["starting_revenue"] != 0)
        table["net_revenue_retention"] = (table["retained"] + table["expansion"]) / start
    return table.sort_values("period").reset_index(drop=True)


def _money(currency: str) -> FuncFormatter:
    unit = f" {currency}" if currency else ""
    return FuncFormatter(lambda v, _: f"{v:,.0f}{unit}")


def _label(ts: pd.Timestamp, period: str) -> str:
    if period == "Q":
        return f"{ts.year}-Q{(ts.month - 1) // 3 + 1}"
    return ts.strftime("%Y-%m" if period == "M" else "%Y-%m-%d")


@_docs.fill
def plot_revenue_movements(
    table: pd.DataFrame,
    *,
    currency: str = "",
    period: str = "M",
    by: str | None = None,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """Where each period's revenue came from: gains stacked above zero (new, reactivated,
    expansion), losses below (contraction, churned), with the net change as a line.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`~retention_lib.net_revenue_retention` (cohort rows are summed).
    currency : str
        For the axis labels.
    period : {"D", "W", "M", "Q"}, default "M"
        The ``period`` the table was built with (it labels the axis).
    by : str, optional
        The ``by`` column of a table filtered to one group.
    {ax}
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.bar`.

    {returns_ax}
    """
    require_frame_columns(table, _NEED, name="table", producer="net_revenue_retention")
    currency = require_str(currency, name="currency")
    ax = require_axes(ax)
    period = require_period(table, period, column="period")
    data = _business(table, by)
    ax = ax if ax is not None else plt.gca()
    x = np.arange(len(data))
    up = np.zeros(len(data))
    for name in ("new", "reactivated", "expansion"):
        values = data[name].to_numpy(dtype=float)
        ax.bar(x, values, bottom=up, color=_COLOURS[name], label=name, **kwargs)
        up += values
    down = np.zeros(len(data))
    for name in ("contraction", "churned"):
        values = -data[name].to_numpy(dtype=float)
        ax.bar(x, values, bottom=down, color=_COLOURS[name], label=name, **kwargs)
        down += values
    other = data["other"].to_numpy(dtype=float)
    ax.bar(x, other, bottom=np.where(other < 0, down, up), color=_COLOURS["other"], label="other")
    net = (data["revenue"] - data["starting_revenue"]).to_numpy(dtype=float)
    ax.plot(x, net, color="black", marker="o", lw=1.5, label="net change")
    ax.axhline(0, color="0.3", lw=0.8)
    labels = [
        _label(ts, period) + (" (partial)" if part else "")
        for ts, part in zip(data["period"], data["partial"], strict=True)
    ]
    ax.set_xticks(x, labels, rotation=45, ha="right", fontsize=8)
    ax.yaxis.set_major_formatter(_money(currency))
    return finish(
        ax,
        ylabel="revenue against the period before",
        title=f"Revenue movements per {say.period_word(period)}",
        legend={"fontsize": 8, "ncol": 4},
        grid="y",
    )


@_docs.fill
def plot_revenue_waterfall(
    table: pd.DataFrame,
    *,
    at: Any = None,
    currency: str = "",
    period: str = "M",
    by: str | None = None,
    ax: Axes | None = None,
    **kwargs: Any,
) -> Axes:
    """One period as a waterfall: starting revenue, minus churned and contraction, plus
    expansion, reactivated, new and other, ending at the period's revenue.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`~retention_lib.net_revenue_retention` (cohort rows are summed).
    at : datetime-like, optional
        The start of the period to show (default: the last complete one).
    currency : str
    period : {"D", "W", "M", "Q"}, default "M"
        The ``period`` the table was built with (it labels the axis).
    by : str, optional
        The ``by`` column of a table filtered to one group.
    {ax}
    **kwargs
        Passed to :meth:`matplotlib.axes.Axes.bar`.

    {returns_ax}
    """
    require_frame_columns(table, _NEED, name="table", producer="net_revenue_retention")
    currency = require_str(currency, name="currency")
    ax = require_axes(ax)
    unit = require_period(table, period, column="period")
    data = _business(table, by)
    if at is None:
        complete = data[~data["partial"]]
        if complete.empty:
            raise DataValidationError("`table` has no complete period; pass `period`.")
        row = complete.iloc[-1]
    else:
        match = data[data["period"] == pd.Timestamp(at)]
        if match.empty:
            raise DataValidationError(
                f"`at` {at!r} is not a period of `table`; it holds "
                f"{_label(data['period'].iloc[0], unit)} to {_label(data['period'].iloc[-1], unit)}."
            )
        row = match.iloc[0]
    steps = [
        ("churned", -row["churned"]),
        ("contraction", -row["contraction"]),
        ("expansion", row["expansion"]),
        ("reactivated", row["reactivated"]),
        ("new", row["new"]),
        ("other", row["other"]),
    ]
    ax = ax if ax is not None else plt.gca()
    start = float(row["starting_revenue"])
    ax.bar(0, start, color="0.55", **kwargs)
    level = start
    for i, (name, value) in enumerate(steps, start=1):
        ax.bar(i, value, bottom=level, color=_COLOURS[name], **kwargs)
        level += value
    ax.bar(len(steps) + 1, level, color="0.25", **kwargs)
    ax.margins(y=0.08)
    names = ["start"] + [name for name, _ in steps] + ["revenue"]
    ax.set_xticks(range(len(names)), names, rotation=30, ha="right")
    ax.yaxis.set_major_formatter(_money(currency))
    nrr = row["net_revenue_retention"]
    word = say.period_word(unit)
    ax.set_title(
        f"{_label(row['period'], unit)}: from last {word}'s buyers to this {word}'s revenue"
        + (f" (NRR {nrr:.0%})" if np.isfinite(nrr) else "")
    )
    ax.grid(axis="y", alpha=0.3)
    return ax
