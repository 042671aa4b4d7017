"""Retention KPIs as plain formulas, in three modules: :mod:`~retention_lib.kpis.rates`
(churn, retention, re-buy and upsell rates, customers kept and lost), :mod:`~retention_lib.kpis.surveys`
(NPS, CSAT, CES and the loyalty score) and :mod:`~retention_lib.kpis.unit_economics` (LTV:CAC
and retention ROI).

Every rate and share is a fraction in [0, 1]; percent is a display format
(:func:`~retention_lib.report.styled_table`, ``"{:.0%}"`` in the readings). The repeat-purchase
rate is :func:`~retention_lib.cohorts.repeat_purchase_rates` (whole log, per cohort or group).
"""

from .rates import (
    churn_rate,
    customer_counts,
    describe_customer_counts,
    kpi_summary,
    rebuy_rate,
    retention_rate,
    upsell_rate,
)
from .surveys import (
    DEFAULT_LOYALTY_COLUMNS,
    ces,
    csat,
    describe_nps,
    link_survey,
    loyalty_score,
    nps,
    survey_summary,
)
from .unit_economics import describe_ltv_cac, ltv_cac, ltv_cac_by_group, retention_roi

__all__ = [
    "DEFAULT_LOYALTY_COLUMNS",
    "ces",
    "churn_rate",
    "csat",
    "customer_counts",
    "describe_customer_counts",
    "describe_ltv_cac",
    "describe_nps",
    "kpi_summary",
    "link_survey",
    "loyalty_score",
    "ltv_cac",
    "ltv_cac_by_group",
    "nps",
    "rebuy_rate",
    "retention_rate",
    "retention_roi",
    "survey_summary",
    "upsell_rate",
]
