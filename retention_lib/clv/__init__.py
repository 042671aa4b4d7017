"""Customer lifetime value: RFM summaries, BG/NBD, Pareto/NBD, MBG/NBD and Gamma-Gamma models,
CLV with uncertainty, per-group summaries, holdout validation and the simple LTV formulas.

This package is the only part of retention-lib that imports lifetimes (lazily, on first fit).
"""

from ._cdnow import load_cdnow
from .models import (
    BetaGeoModel,
    FitError,
    GammaGammaModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
    load_model,
)
from .summary import TIME_UNITS, calibration_holdout_split, rfm_summary
from .validation import (
    calibration_by_frequency,
    cumulative_tracking,
    frequency_recency_matrix,
    holdout_predictions,
    holdout_report,
    p_alive_history,
    period_transactions,
)
from .value import (
    clv_by_group,
    clv_intervals,
    customer_groups,
    customer_lifetime_value,
    fit_by_group,
    ltv_comparison,
    simple_ltv,
)

__all__ = [
    "TIME_UNITS",
    "BetaGeoModel",
    "FitError",
    "GammaGammaModel",
    "ModifiedBetaGeoModel",
    "ParetoNBDModel",
    "calibration_by_frequency",
    "calibration_holdout_split",
    "clv_by_group",
    "clv_intervals",
    "cumulative_tracking",
    "customer_groups",
    "customer_lifetime_value",
    "fit_by_group",
    "frequency_recency_matrix",
    "holdout_predictions",
    "holdout_report",
    "load_cdnow",
    "load_model",
    "ltv_comparison",
    "p_alive_history",
    "period_transactions",
    "rfm_summary",
    "simple_ltv",
]
