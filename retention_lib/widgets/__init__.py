"""ipywidgets explorers: controls wired to named library functions (glue only)."""

try:
    import ipywidgets  # noqa: F401
except ImportError as exc:  # pragma: no cover - ipywidgets is a dependency
    raise ImportError(
        "retention_lib.widgets needs ipywidgets: `pip install ipywidgets` (and, in JupyterLab 3 "
        "or older, the widgets extension)."
    ) from exc

from .cohorts import cohort_explorer, cohort_view

__all__ = ["cohort_explorer", "cohort_view"]
