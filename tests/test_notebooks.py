"""The analysis notebooks run unchanged on the real log when given its path."""

from __future__ import annotations

from pathlib import Path

import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"


@pytest.mark.slow
@pytest.mark.parametrize("name", ["01_load_and_clean.ipynb", "02_cohort_retention.ipynb"])
def test_notebook_runs_on_online_retail(name, online_retail_path, tmp_path):
    import nbformat
    import papermill as pm

    out = tmp_path / name
    pm.execute_notebook(
        str(NOTEBOOKS / name),
        str(out),
        cwd=str(NOTEBOOKS),
        progress_bar=False,
        parameters={"data_path": str(online_retail_path), "currency": "GBP"},
        kernel_name="python3",
    )
    nb = nbformat.read(out, as_version=4)
    text = "\n".join(
        o.get("text", "") + str(o.get("data", {}).get("text/plain", ""))
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
    )
    if name.startswith("01"):
        assert "rows read 541,909" in text
    else:
        assert "Of 4,3" in text  # 4,3xx customers in the UCI cohorts
