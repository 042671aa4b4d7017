"""The axes set-up every plot shares: labels, title, legend, grid, percent and whole-number axes."""

from __future__ import annotations

from typing import Any, Literal

from matplotlib.axes import Axes
from matplotlib.ticker import MaxNLocator, PercentFormatter

from .._validation import require_in_range


def finish(
    ax: Axes,
    *,
    xlabel: str | None = None,
    ylabel: str | None = None,
    title: str | None = None,
    legend: bool | dict[str, Any] = False,
    grid: Literal["both", "x", "y"] | None = None,
) -> Axes:
    """Label ``ax``, add the legend (``True`` or its keyword arguments) and a light grid on
    ``grid`` ("both", "x" or "y"); return ``ax``."""
    if xlabel is not None:
        ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    if title is not None:
        ax.set_title(title)
    if legend is not False:
        ax.legend(**(legend if isinstance(legend, dict) else {}))
    if grid is not None:
        ax.grid(axis=grid, alpha=0.3)
    return ax


def percent_axis(
    ax: Axes, axis: str = "y", *, xmax: float = 1.0, decimals: int | None = None
) -> None:
    """Show ``axis`` in percent: fractions (``xmax=1``) or values already in percent (100)."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(PercentFormatter(xmax, decimals=decimals))


def whole_numbers(ax: Axes, axis: str = "x") -> None:
    """Ticks on whole numbers only (period numbers, counts)."""
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_locator(MaxNLocator(integer=True))


def require_level(level: Any) -> float:
    """A coverage level strictly between 0 and 1."""
    return require_in_range(
        level, name="level", low=0, high=1, low_inclusive=False, high_inclusive=False
    )
