"""ipywidgets explorers: controls wired to named library functions (glue only).

``dashboard(tx)`` (in :mod:`.dashboard`) puts the explorers in tabs: the Voila app
``notebooks/00_dashboard.ipynb``.
"""

try:
    import ipywidgets  # noqa: F401
except ImportError as exc:  # pragma: no cover - ipywidgets is a dependency
    raise ImportError(
        "retention_lib.widgets needs ipywidgets: `pip install ipywidgets` (and, in JupyterLab 3 "
        "or older, the widgets extension)."
    ) from exc

from .clv import clv_explorer, clv_table, clv_view
from .cohorts import cohort_explorer, cohort_summary, cohort_view, projection_view
from .dashboard import dashboard, dashboard_for_run, fit_clv
from .kpis import kpi_explorer, kpi_view
from .pareto import pareto_explorer, pareto_view
from .whatif import uplift_table, whatif_explorer, whatif_view

__all__ = [
    "clv_explorer",
    "clv_table",
    "clv_view",
    "cohort_explorer",
    "cohort_summary",
    "cohort_view",
    "dashboard",
    "dashboard_for_run",
    "fit_clv",
    "kpi_explorer",
    "kpi_view",
    "pareto_explorer",
    "pareto_view",
    "projection_view",
    "uplift_table",
    "whatif_explorer",
    "whatif_view",
]
