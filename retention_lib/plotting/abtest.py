"""Plot of an A/B test: the relative difference per metric with its interval."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from .. import _docs
from .._validation import require_axes, require_frame_columns

__all__ = [
    "plot_ab_test",
]


@_docs.fill
def plot_ab_test(result: pd.DataFrame, *, ax: Axes | None = None, **kwargs: Any) -> Axes:
    """Relative difference (treatment vs control) per metric with its confidence interval.

    Each metric's difference and interval are divided by the control value, so metrics in
    different units share one axis (percent change); 0 = no effect.

    Parameters
    ----------
    result : pandas.DataFrame
        Output of :func:`~retention_lib.ab_test`.
    {ax}
    **kwargs
        Passed to ``ax.errorbar``.

    {returns_ax}

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
