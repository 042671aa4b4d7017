"""Plots drawn from computed tables; every function returns the matplotlib Axes."""

from .abtest import plot_ab_test
from .clv import (
    plot_calibration_by_frequency,
    plot_clv_by_group,
    plot_cumulative_tracking,
    plot_frequency_recency_heatmap,
    plot_p_alive_history,
    plot_period_transactions,
)
from .cohort_stats import plot_retention_intervals
from .cohorts import plot_retention_curves, plot_retention_heatmap, plot_value_curves
from .kpis import plot_group_rates, plot_score_intervals
from .net_revenue import plot_revenue_movements, plot_revenue_waterfall
from .pareto import plot_lorenz, plot_pareto, plot_top_share
from .projection import plot_projected_curves, plot_projected_heatmap
from .scorecard import plot_churn_calibration, plot_churn_roc
from .segments import plot_rfm_grid, plot_segments
from .whatif import plot_whatif

__all__ = [
    "plot_ab_test",
    "plot_calibration_by_frequency",
    "plot_churn_calibration",
    "plot_churn_roc",
    "plot_clv_by_group",
    "plot_cumulative_tracking",
    "plot_frequency_recency_heatmap",
    "plot_group_rates",
    "plot_lorenz",
    "plot_p_alive_history",
    "plot_pareto",
    "plot_period_transactions",
    "plot_projected_curves",
    "plot_projected_heatmap",
    "plot_retention_curves",
    "plot_retention_heatmap",
    "plot_retention_intervals",
    "plot_revenue_movements",
    "plot_revenue_waterfall",
    "plot_rfm_grid",
    "plot_score_intervals",
    "plot_segments",
    "plot_top_share",
    "plot_value_curves",
    "plot_whatif",
]
