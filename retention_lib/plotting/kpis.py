"""Plots of KPI tables: a survey score per group with its interval, a rate per group."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from .. import _docs
from .._validation import require_axes, require_frame_columns
from ..groups import MIN_GROUP_CUSTOMERS
from ._groups import say_nothing_shown, shown_groups

__all__ = [
    "plot_group_rates",
    "plot_score_intervals",
]


@_docs.fill
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
    {ax}
    **kwargs
        Passed to ``ax.errorbar``.

    {returns_ax}

    Examples
    --------
    >>> plot_score_intervals(nps(survey, by="region"), value="nps", by="region")  # doctest: +SKIP
    """
    need = [by, value, "ci_low", "ci_high", "n"]
    require_frame_columns(table, need, name="table", producer="nps` / `csat` / `ces")
    ax = require_axes(ax)
    y = np.arange(len(table))
    v = table[value].to_numpy(dtype=float)
    # an adjusted-Wald NPS interval of a small group can lie beside its score (all detractors:
    # NPS -100, interval from -96): the bar then starts at the dot
    err = np.vstack(
        [v - table["ci_low"].to_numpy(dtype=float), table["ci_high"].to_numpy(dtype=float) - v]
    ).clip(min=0)
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


@_docs.fill
def plot_group_rates(
    table: pd.DataFrame,
    *,
    by: str,
    value: str = "retention_rate",
    size: str = "customers_start",
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
        Rate to draw (a fraction in [0, 1]).
    size : str, default "customers_start"
        Column counting the customers each rate rests on.
    {ax}
    min_customers : int, default :data:`~retention_lib.groups.MIN_GROUP_CUSTOMERS`
        Groups with fewer ``size`` customers are left out (0 draws all).
    **kwargs
        Passed to ``ax.bar``.

    {returns_ax}

    Examples
    --------
    >>> plot_group_rates(customer_counts(tx, start=s, end=e, by="region"), by="region")  # doctest: +SKIP
    """
    require_frame_columns(table, [by, value, size], name="table", producer="customer_counts")
    ax = require_axes(ax)
    data = shown_groups(table, by=by, size=size, min_customers=min_customers)
    data = data[data[value].notna()]
    if data.empty:
        return say_nothing_shown(ax, by, min_customers)
    kwargs.setdefault("color", "tab:blue")
    labels = [f"{g}\n(n={n:,})" for g, n in zip(data[by].astype(str), data[size], strict=True)]
    ax.bar(labels, data[value].to_numpy(dtype=float), **kwargs)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_ylim(0, 1.05)
    ax.set_ylabel(value.replace("_", " "))
    ax.set_xlabel(by)
    if len(labels) > 4:
        ax.tick_params(axis="x", labelrotation=30)
    return ax
