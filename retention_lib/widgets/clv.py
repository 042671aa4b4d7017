"""CLV explorer: discount rate, horizon, margin and region over fitted BG/NBD + Gamma-Gamma."""

from __future__ import annotations

from typing import Any

import ipywidgets as w
import matplotlib.pyplot as plt
import pandas as pd

from .._validation import DataValidationError, require_frame
from ..clv import clv_by_group, customer_lifetime_value
from ..clv.value import attach_groups, check_models
from ..plotting.clv import plot_clv_by_group
from ._common import ALL, dropdown, percent_slider, wire

__all__ = ["clv_explorer", "clv_view"]


def clv_view(
    bgnbd: Any,
    gg: Any,
    summary: pd.DataFrame,
    groups: pd.DataFrame,
    *,
    by: str = "region",
    region: str = ALL,
    horizon_months: int = 12,
    discount_rate: float = 0.01,
    margin: float = 1.0,
) -> tuple[pd.DataFrame, plt.Figure]:
    """CLV by group for one setting, and a figure (CLV by group + distribution in the pick).

    Parameters
    ----------
    bgnbd, gg : fitted models
        From :class:`~retention_lib.clv.BetaGeoModel` and
        :class:`~retention_lib.clv.GammaGammaModel` (fitted once, outside the widget).
    summary : pandas.DataFrame
        :func:`~retention_lib.clv.rfm_summary` output the models were fitted on.
    groups : pandas.DataFrame
        ``customer_id`` + ``by`` or a transaction log with a ``by`` column.
    by : str
        Group column.
    region : str
        ``"All"`` or one value of ``by`` for the histogram panel.
    horizon_months, discount_rate, margin
        As in :func:`~retention_lib.clv.customer_lifetime_value`.

    Returns
    -------
    (pandas.DataFrame, matplotlib.figure.Figure)
        The :func:`~retention_lib.clv.clv_by_group` table and the figure.
    """
    clv = customer_lifetime_value(
        bgnbd,
        gg,
        summary,
        horizon_months=horizon_months,
        discount_rate=discount_rate,
        margin=margin,
    )
    table = clv_by_group(clv, groups, by=by)
    if region != ALL and region not in set(table[by].astype(str)):
        raise DataValidationError(f"No customers with `{by}` = {region!r}; pick another value.")
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(13, 4.5))
    plot_clv_by_group(table, by=by, ax=ax1)
    if region == ALL:
        values = clv["clv"]
    else:
        values = attach_groups(clv, groups, by).query(f"`{by}` == @region")["clv"]
    ax2.hist(values, bins=50)
    ax2.set_yscale("log")
    ax2.set_xlabel(f"{horizon_months}-month CLV per customer")
    ax2.set_ylabel("customers (log scale)")
    ax2.set_title(f"CLV distribution: {region}")
    fig.tight_layout()
    return table, fig


def clv_explorer(
    bgnbd: Any, gg: Any, summary: pd.DataFrame, groups: pd.DataFrame, *, by: str = "region"
) -> w.Widget:
    """Sliders for discount rate, horizon and margin and a region dropdown over
    :func:`clv_view` (models are fitted once; only CLV is recomputed).

    Parameters
    ----------
    bgnbd, gg, summary, groups
        As in :func:`clv_view`.
    by : str, default 'region'
        The group column the dropdown selects from.
    """
    check_models(bgnbd, gg)
    require_frame(summary, name="summary", producer="rfm_summary")
    labels = attach_groups(summary[["customer_id"]], groups, by)[by].astype(str)
    region = dropdown(by.capitalize(), [ALL, *sorted(labels.unique())])
    horizon = w.IntSlider(value=12, min=1, max=60, step=1, description="Horizon (months)",
                          style={"description_width": "initial"})  # fmt: skip
    rate = percent_slider("Monthly discount", 0.01, 0.0, 0.05, 0.0025, readout=".2%")
    margin = percent_slider("Margin", 1.0, 0.05, 1.0, 0.05)

    def show() -> tuple[Any, ...]:
        table, fig = clv_view(
            bgnbd,
            gg,
            summary,
            groups,
            by=by,
            region=region.value,
            horizon_months=horizon.value,
            discount_rate=rate.value,
            margin=margin.value,
        )
        return table.round(2), fig

    return wire([[region, horizon], [rate, margin]], show)
