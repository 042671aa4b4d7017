"""Customer lifetime value: RFM summaries, BG/NBD, Pareto/NBD, MBG/NBD, Gamma-Gamma and BG/BB
(discrete opportunities) models, CLV with uncertainty, per-group summaries, holdout validation, fit diagnostics, model choice
and the simple LTV formulas.

This package is the only part of retention-lib that imports lifetimes (lazily, on first fit).
"""

from ._cdnow import load_cdnow, load_donations
from .discrete import discrete_rfm_summary
from .models import (
    BetaGeoBetaBinomModel,
    BetaGeoModel,
    FitError,
    GammaGammaModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
    PurchaseModel,
    load_model,
)
from .scorecard import ChurnScorecard, churn_scorecard, describe_churn_scorecard, rfm_features
from .selection import ModelComparison, compare_models, describe_model_choice
from .summary import TIME_UNITS, calibration_holdout_split, rfm_summary
from .validation import (
    GROUP_TOLERANCE,
    TRACKING_TOLERANCE,
    calibration_by_frequency,
    cumulative_tracking,
    describe_calibration_by_frequency,
    describe_frequency_recency,
    describe_holdout,
    describe_p_alive_history,
    describe_period_transactions,
    describe_tracking,
    frequency_recency_matrix,
    holdout_predictions,
    holdout_report,
    p_alive_history,
    period_transactions,
)
from .value import (
    NEAR_ONE,
    clv_by_group,
    clv_intervals,
    clv_vs_past_revenue,
    customer_groups,
    customer_lifetime_value,
    describe_clv,
    describe_clv_by_group,
    describe_ltv_comparison,
    describe_p_alive,
    fit_by_group,
    ltv_comparison,
    simple_ltv,
)

__all__ = [
    "GROUP_TOLERANCE",
    "NEAR_ONE",
    "TIME_UNITS",
    "TRACKING_TOLERANCE",
    "BetaGeoBetaBinomModel",
    "BetaGeoModel",
    "ChurnScorecard",
    "FitError",
    "GammaGammaModel",
    "ModelComparison",
    "ModifiedBetaGeoModel",
    "ParetoNBDModel",
    "PurchaseModel",
    "calibration_by_frequency",
    "calibration_holdout_split",
    "churn_scorecard",
    "clv_by_group",
    "clv_intervals",
    "clv_vs_past_revenue",
    "compare_models",
    "cumulative_tracking",
    "customer_groups",
    "customer_lifetime_value",
    "describe_calibration_by_frequency",
    "describe_clv",
    "describe_clv_by_group",
    "describe_frequency_recency",
    "describe_holdout",
    "describe_ltv_comparison",
    "describe_model_choice",
    "describe_p_alive",
    "describe_p_alive_history",
    "describe_period_transactions",
    "describe_tracking",
    "discrete_rfm_summary",
    "describe_churn_scorecard",
    "fit_by_group",
    "frequency_recency_matrix",
    "holdout_predictions",
    "holdout_report",
    "load_cdnow",
    "load_donations",
    "load_model",
    "ltv_comparison",
    "p_alive_history",
    "period_transactions",
    "rfm_features",
    "rfm_summary",
    "simple_ltv",
]
