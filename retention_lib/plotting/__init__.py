"""Plots drawn from computed tables; every function returns the matplotlib Axes."""

from .clv import (
    plot_calibration_by_frequency,
    plot_clv_by_group,
    plot_cumulative_tracking,
    plot_frequency_recency_heatmap,
    plot_p_alive_history,
    plot_period_transactions,
)
from .cohorts import plot_retention_curves, plot_retention_heatmap, plot_value_curves

__all__ = [
    "plot_calibration_by_frequency",
    "plot_clv_by_group",
    "plot_cumulative_tracking",
    "plot_frequency_recency_heatmap",
    "plot_p_alive_history",
    "plot_period_transactions",
    "plot_retention_curves",
    "plot_retention_heatmap",
    "plot_value_curves",
]
