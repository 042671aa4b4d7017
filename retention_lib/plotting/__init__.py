"""Plots drawn from computed tables; every function returns the matplotlib Axes."""

from .cohorts import plot_retention_curves, plot_retention_heatmap, plot_value_curves

__all__ = ["plot_retention_curves", "plot_retention_heatmap", "plot_value_curves"]
