"""retention-lib: customer retention analytics for Jupyter.

Load and clean a transaction log, then ask who stays (cohorts), who is about to leave and
what each customer is worth (clv), how concentrated revenue is (pareto), which segment each
customer is in (segments) and how the retention KPIs stand (kpis).
"""

from ._validation import (
    AssumptionWarning,
    ConvergenceWarning,
    DataValidationError,
    NotFittedError,
    RetentionLibError,
    RetentionLibWarning,
    SmallSampleWarning,
)
from .cleaning import DEFAULT_NON_PRODUCT_CODES, CleaningReport, clean_transactions
from .clv import (
    TIME_UNITS,
    BetaGeoModel,
    FitError,
    GammaGammaModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
    calibration_by_frequency,
    calibration_holdout_split,
    clv_by_group,
    clv_intervals,
    cumulative_tracking,
    customer_groups,
    customer_lifetime_value,
    fit_by_group,
    frequency_recency_matrix,
    holdout_predictions,
    holdout_report,
    load_cdnow,
    load_model,
    ltv_cac_ratio,
    ltv_comparison,
    p_alive_history,
    period_transactions,
    rfm_summary,
    simple_ltv,
)
from .cohorts import (
    average_retention,
    churn_table,
    cohort_retention,
    describe_retention,
    describe_value_curves,
    repeat_purchase_rates,
    retention_matrix,
    revenue_retention,
    value_curves,
)
from .currency import ConversionSummary, convert_currency
from .datasets import (
    load_sample_parameters,
    load_sample_survey,
    make_sample_data,
    sample_data_path,
    simulate_transactions,
)
from .loading import CANONICAL_COLUMNS, load_transactions
from .pipeline import prepare_transactions, transactions_overview
from .regions import add_regions, country_to_iso, map_countries

__version__ = "0.1.0"

__all__ = [
    "CANONICAL_COLUMNS",
    "DEFAULT_NON_PRODUCT_CODES",
    "TIME_UNITS",
    "AssumptionWarning",
    "BetaGeoModel",
    "CleaningReport",
    "ConvergenceWarning",
    "ConversionSummary",
    "DataValidationError",
    "FitError",
    "GammaGammaModel",
    "ModifiedBetaGeoModel",
    "NotFittedError",
    "ParetoNBDModel",
    "RetentionLibError",
    "RetentionLibWarning",
    "SmallSampleWarning",
    "add_regions",
    "average_retention",
    "calibration_by_frequency",
    "calibration_holdout_split",
    "churn_table",
    "clean_transactions",
    "clv_by_group",
    "clv_intervals",
    "cohort_retention",
    "convert_currency",
    "country_to_iso",
    "cumulative_tracking",
    "customer_groups",
    "customer_lifetime_value",
    "describe_retention",
    "describe_value_curves",
    "fit_by_group",
    "frequency_recency_matrix",
    "holdout_predictions",
    "holdout_report",
    "load_cdnow",
    "load_model",
    "load_sample_parameters",
    "load_sample_survey",
    "load_transactions",
    "ltv_cac_ratio",
    "ltv_comparison",
    "make_sample_data",
    "map_countries",
    "p_alive_history",
    "period_transactions",
    "prepare_transactions",
    "repeat_purchase_rates",
    "retention_matrix",
    "revenue_retention",
    "rfm_summary",
    "sample_data_path",
    "simple_ltv",
    "simulate_transactions",
    "transactions_overview",
    "value_curves",
]
