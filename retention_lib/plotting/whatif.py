"""Plot of a what-if table: a retention gain's uplift per group."""

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
    "plot_whatif",
]


@_docs.fill
def plot_whatif(
    uplift: pd.DataFrame,
    *,
    by: str,
    value: str = "profit_relative_uplift",
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
    value : str, default "profit_relative_uplift"
        Column to show (any ``*_uplift`` column, or a ``*_relative_uplift`` fraction, drawn
        in percent).
    {ax}
    min_customers : int, default :data:`~retention_lib.groups.MIN_GROUP_CUSTOMERS`
        Groups with fewer ``n_customers`` are left out (0 draws all).
    **kwargs
        Passed to ``ax.barh``.

    {returns_ax}

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
    relative = value.endswith("_relative_uplift")
    label = value.replace("_", " ")
    if relative:
        ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        label = f"{value.removesuffix('_relative_uplift').replace('_', ' ')} uplift (% of today's)"
    ax.set_xlabel(label)
    ax.set_title("What a retention gain is worth")
    ax.legend(loc="lower right", fontsize=9)
    return ax
