"""The analysis notebooks run unchanged on the real log when given its path."""

from __future__ import annotations

import re
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
        # 4,xxx customers in the 12 complete monthly cohorts; the 9-day December 2011 is left out
        assert re.search(r"Of 4,\d{3} customers in 12 cohorts", text)
        assert "The last month is incomplete (data end on 9 Dec 2011)" in text
