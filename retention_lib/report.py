"""Run the analysis notebooks with parameters and write one code-free HTML report."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import nbformat

__all__ = ["REPORT_NOTEBOOKS", "build_report", "notebooks_dir"]

#: The analysis notebooks, in report order (those missing from the folder are skipped).
REPORT_NOTEBOOKS: tuple[str, ...] = (
    "01_load_and_clean.ipynb",
    "02_cohort_retention.ipynb",
    "03_clv.ipynb",
    "04_pareto_segments.ipynb",
    "05_kpis.ipynb",
)


def notebooks_dir() -> Path:
    """The repository's ``notebooks/`` folder (the package is installed from a checkout)."""
    folder = Path(__file__).resolve().parents[1] / "notebooks"
    if not folder.is_dir():
        raise FileNotFoundError(
            f"The analysis notebooks are not at {folder}. Install retention-lib from a checkout "
            "(`pip install -e .`) or pass `notebooks=` with their paths."
        )
    return folder


def _strip_for_report(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop the parameters cells and widget-only outputs that mean nothing in static HTML."""
    cells = []
    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        if "parameters" in tags or "injected-parameters" in tags:
            continue
        if cell.cell_type == "code":
            cell.outputs = [
                o
                for o in cell.get("outputs", [])
                if "application/vnd.jupyter.widget-view+json" not in o.get("data", {})
                and o.get("name") != "stderr"
            ]
            if cell.source.lstrip().startswith("# NBVAL_IGNORE_OUTPUT") and not cell.outputs:
                continue
        cells.append(cell)
    nb.cells = cells
    return nb


def build_report(
    data_path: str | os.PathLike | None = None,
    *,
    currency: str = "EUR",
    out_dir: str | os.PathLike = "reports",
    notebooks: Sequence[str | os.PathLike] | None = None,
    title: str = "Customer retention report",
    progress: bool = True,
) -> Path:
    """Execute the analysis notebooks on ``data_path`` and write ``retention_report.html``.

    Parameters
    ----------
    data_path : path, optional
        Transaction log (CSV, CSV.GZ, Parquet, Excel); ``None`` = the bundled sample.
    currency : str
        Reporting currency passed to every notebook.
    out_dir : path
        Folder for the HTML report and the executed notebooks (``out_dir/notebooks``).
    notebooks : sequence of paths, optional
        Notebooks to run (default: :data:`REPORT_NOTEBOOKS` from the repository).
    title : str
        Title of the HTML page.
    progress : bool
        Show papermill's progress bar.

    Returns
    -------
    pathlib.Path
        Path of the HTML report.
    """
    import papermill as pm
    from nbconvert import HTMLExporter

    out = Path(out_dir)
    executed_dir = out / "notebooks"
    executed_dir.mkdir(parents=True, exist_ok=True)
    if notebooks is None:
        folder = notebooks_dir()
        paths = [folder / name for name in REPORT_NOTEBOOKS if (folder / name).exists()]
    else:
        paths = [Path(p) for p in notebooks]
    if data_path is not None:
        data_path = str(Path(data_path).resolve())
        if not Path(data_path).exists():
            raise FileNotFoundError(f"No transaction file at `{data_path}`.")
    combined = None
    for path in paths:
        target = executed_dir / path.name
        pm.execute_notebook(
            str(path),
            str(target),
            parameters={"data_path": data_path, "currency": currency},
            cwd=str(path.parent),
            progress_bar=progress,
            kernel_name="python3",
        )
        nb = _strip_for_report(nbformat.read(target, as_version=4))
        if combined is None:
            combined = nb
        else:
            combined.cells.extend(nb.cells)
    if combined is None:
        raise FileNotFoundError("No notebooks to run: the notebooks folder is empty.")
    combined.metadata["title"] = title
    exporter = HTMLExporter(
        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True
    )
    body, _ = exporter.from_notebook_node(combined)
    html_path = out / "retention_report.html"
    html_path.write_text(body, encoding="utf-8")
    return html_path
