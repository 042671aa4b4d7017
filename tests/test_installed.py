"""The package as a user installs it: a wheel with the sample data, notebooks and templates,
which writes the report from any folder of a fresh virtual environment."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from retention_lib.report import REPORT_NOTEBOOKS


def test_wheel_carries_the_data_the_notebooks_and_the_template(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    bundled = "retention_lib/_bundled/"
    for name in ("sample_transactions.csv.gz", "sample_parameters.json", "sample_survey.csv"):
        assert f"{bundled}data/{name}" in names, name
    for name in (*REPORT_NOTEBOOKS, "00_dashboard.ipynb"):
        assert f"{bundled}notebooks/{name}" in names, name
    assert "retention_lib/templates/retention_report/index.html.j2" in names
    assert "retention_lib/templates/retention_report/conf.json" in names
    assert not [n for n in names if n.startswith(("tests/", ".venv", "reports/", "benchmarks/"))]
    assert not [n for n in names if ".ipynb_checkpoints" in n or "__pycache__" in n]
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert (
        "retention-lib = retention_lib.cli:main"
        in zipfile.ZipFile(wheel).read(entry_points).decode()
    )


@pytest.mark.slow
def test_installed_wheel_writes_the_report_from_another_folder(installed_report):
    result, out = installed_report["result"], installed_report["out"]
    assert result.returncode == 0, result.stderr[-3000:]
    package, notebooks, sample, kernel = installed_report["paths"]
    env_dir = str(installed_report["env_dir"])
    for path in (package, notebooks, sample):  # the wheel's files, not the checkout's
        assert path.startswith(env_dir), path
    assert "/_bundled/" in notebooks and "/_bundled/" in sample
    assert Path(kernel).parent == installed_report["python"].parent  # the fresh venv's kernel
    html = (out / "retention_report.html").read_text(encoding="utf-8")
    assert "bundled synthetic sample" in html and "Retention triangle" in html
    assert html.count("data:image/png;base64") >= 5
    for name in ("customer_values", "churn_risk", "cohort_retention"):
        assert (out / "exports" / f"{name}.csv").stat().st_size > 100
        assert (out / "exports" / f"{name}.parquet").is_file()
    assert (out / "config.toml").is_file() and (out / "run" / "transactions.parquet").is_file()


@pytest.mark.slow
@pytest.mark.browser
def test_installed_wheel_writes_the_pdf(installed_report):
    if not installed_report["pdf"]:
        pytest.skip("--pdf needs Chromium (apt-get install chromium) and Playwright")
    assert installed_report["result"].returncode == 0, installed_report["result"].stderr[-3000:]
    pdf = (installed_report["out"] / "retention_report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and len(pdf) > 100_000
    assert pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") >= 10  # pages of figures
