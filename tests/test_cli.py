"""``retention-lib report``: writes the report; bad input = one-line error, non-zero exit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from retention_lib.cli import main


@pytest.fixture
def orders_csv(tmp_path) -> Path:
    days = pd.date_range("2024-01-01", periods=60, freq="5D")
    df = pd.DataFrame(
        {
            "CustomerID": [f"C{i % 25}" for i in range(60)],
            "InvoiceDate": days,
            "Quantity": 1,
            "UnitPrice": 10.0,
            "InvoiceNo": [f"N{i}" for i in range(60)],
        }
    )
    path = tmp_path / "orders.csv"
    df.to_csv(path, index=False)
    return path


@pytest.fixture
def notebook(tmp_path) -> Path:
    nb = new_notebook(
        cells=[
            new_markdown_cell("# Check"),
            new_code_cell('data_path = None\ncurrency = "EUR"', metadata={"tags": ["parameters"]}),
            new_code_cell(
                "import retention_lib as rl\n\n"
                "tx, _ = rl.prepare_transactions(data_path, currency=currency)\n"
                'print(f"{len(tx)} rows in {currency}")'
            ),
        ],
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )
    path = tmp_path / "check.ipynb"
    nbformat.write(nb, path)
    return path


def _one_error_line(err: str) -> str:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1, err
    assert lines[0].startswith("retention-lib: error: ")
    assert "Traceback" not in err
    return lines[0]


def test_missing_file_exits_2(tmp_path, capsys):
    code = main(["report", "--data", str(tmp_path / "nope.csv"), "--out", str(tmp_path), "--quiet"])
    assert code == 2
    assert "No transaction file at" in _one_error_line(capsys.readouterr().err)


def test_bad_columns_exit_1_with_the_library_message(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"a": [1], "b": [2]}).to_csv(bad, index=False)
    code = main(["report", "--data", str(bad), "--out", str(tmp_path / "out"), "--quiet"])
    assert code == 1
    line = _one_error_line(capsys.readouterr().err)
    assert "has no column for `customer_id`" in line and "Found columns: `a`, `b`" in line


def test_bad_currency_exits_1(tmp_path, capsys):
    code = main(["report", "--currency", "euro", "--out", str(tmp_path), "--quiet"])
    assert code == 1
    assert "three-letter ISO 4217 code" in _one_error_line(capsys.readouterr().err)


def test_source_currency_is_refused_by_notebooks_without_it(tmp_path, notebook, capsys):
    argv = ["report", "--source-currency", "GBP", "--notebook", str(notebook), "--quiet"]
    assert main([*argv, "--out", str(tmp_path)]) == 1
    assert "check.ipynb: their parameters cell has no `source_currency`" in _one_error_line(
        capsys.readouterr().err
    )


def test_writes_the_report(tmp_path, orders_csv, notebook, capsys):
    out = tmp_path / "out"
    argv = ["report", "--data", str(orders_csv), "--currency", "gbp", "--out", str(out)]
    code = main([*argv, "--notebook", str(notebook), "--quiet", "--title", "Q3 review"])
    assert code == 0
    assert capsys.readouterr().out.strip() == f"Report written to {out / 'retention_report.html'}"
    html = (out / "retention_report.html").read_text(encoding="utf-8")
    assert "60 rows in GBP" in html and "Q3 review" in html


def test_console_script_module_has_no_traceback(tmp_path):
    result = subprocess.run(
        [sys.executable, "-m", "retention_lib.cli", "report", "--data", str(tmp_path / "x.xlsx")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert "No transaction file at" in _one_error_line(result.stderr)
