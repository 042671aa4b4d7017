"""CLV explorer: discount rate, horizon, margin and region over fitted BG/NBD + Gamma-Gamma."""

from __future__ import annotations

from typing import Any

import ipywidgets as w
import matplotlib.pyplot as plt
import pandas as pd

from .._validation import (
    DataValidationError,
    require_currency_code,
    require_frame,
    require_frame_columns,
    require_margin,
    require_rate,
    require_whole_number,
)
from ..clv import clv_by_group, customer_lifetime_value
from ..clv.value import attach_groups, check_models
from ..plotting.clv import plot_clv_by_group
from ._common import ALL, dropdown, explorer_table, percent_slider, wire

__all__ = ["clv_explorer", "clv_table", "clv_view"]


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


def clv_table(table: pd.DataFrame, *, by: str = "region", currency: str | None = None) -> Any:
    """A :func:`~retention_lib.clv.clv_by_group` table formatted as the report's CLV per
    group (notebook 03): shares and P(alive) as percentages, money with the currency symbol,
    counts with thousands separators, headings in words.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`~retention_lib.clv.clv_by_group` (or :func:`clv_view`).
    by : str, default 'region'
        Its group column.
    currency : str, optional
        ISO code of the amounts (``"EUR"`` shows ``€``).

    Returns
    -------
    pandas.io.formats.style.Styler
    """
    need = [by, "customers", "total_clv", "mean_clv", "share_of_clv"]
    require_frame_columns(table, need, name="table", producer="clv_by_group")
    return _formatted(
        table, currency=require_currency_code(currency, name="currency", allow_none=True)
    )


def _formatted(frame: pd.DataFrame, *, currency: str | None) -> Any:
    return explorer_table(
        frame,
        percent=["mean_p_alive", "share_of_clv"],
        money=["total_clv", "mean_clv", "clv_lower", "clv_upper"],
        counts=["customers", "expected_alive", "expected_purchases"],
        currency=currency,
    )


def clv_explorer(
    bgnbd: Any,
    gg: Any,
    summary: pd.DataFrame,
    groups: pd.DataFrame,
    *,
    by: str = "region",
    horizon_months: int = 12,
    discount_rate: float = 0.01,
    margin: float = 1.0,
    currency: str | None = None,
) -> w.Widget:
    """Sliders for discount rate, horizon and margin and a region dropdown over
    :func:`clv_view` (models are fitted once; only CLV is recomputed).

    Parameters
    ----------
    bgnbd, gg, summary, groups
        As in :func:`clv_view`.
    by : str, default 'region'
        The group column the dropdown selects from.
    horizon_months, discount_rate, margin : int, float, float
        Where the sliders start (a report run's settings: the explorer then opens on the
        report's CLV per group).
    currency : str, optional
        ISO code of the amounts, for the table's money columns.

    Returns
    -------
    ipywidgets.VBox
        The controls above the table (:func:`clv_table`) and figure; ``shown`` holds them
        (``shown[0].data`` is the :func:`clv_view` table) and ``update()`` redraws.
    """
    check_models(bgnbd, gg)
    require_frame(summary, name="summary", producer="rfm_summary")
    horizon_months = require_whole_number(horizon_months, name="horizon_months", low=1)
    discount_rate = require_rate(discount_rate)
    margin = require_margin(margin)
    currency = require_currency_code(currency, name="currency", allow_none=True)
    labels = attach_groups(summary[["customer_id"]], groups, by)[by].astype(str)
    region = dropdown(by.capitalize(), [ALL, *sorted(labels.unique())])
    horizon = w.IntSlider(value=horizon_months, min=1, max=max(60, horizon_months), step=1,
                          description="Horizon (months)",
                          style={"description_width": "initial"})  # fmt: skip
    rate = percent_slider("Monthly discount", discount_rate, 0.0, max(0.05, discount_rate),
                          0.0025, readout=".2%")  # fmt: skip
    share = percent_slider("Margin", margin, min(0.05, margin), 1.0, 0.05)

    def show() -> tuple[Any, ...]:
        values, fig = clv_view(
            bgnbd,
            gg,
            summary,
            groups,
            by=by,
            region=region.value,
            horizon_months=horizon.value,
            discount_rate=rate.value,
            margin=share.value,
        )
        return _formatted(values, currency=currency), fig

    return wire([[region, horizon], [rate, share]], show)
