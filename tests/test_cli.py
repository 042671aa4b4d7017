"""``retention-lib report``: writes the report; bad input = one-line error, non-zero exit."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from conftest import write_notebook

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
    return write_notebook(
        tmp_path / "check.ipynb",
        'data_path = None\ncurrency = "EUR"',
        "import retention_lib as rl\n\n"
        "tx, _ = rl.prepare_transactions(data_path, currency=currency)\n"
        'print(f"{len(tx)} rows in {currency}")',
    )


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


@pytest.fixture
def captured(monkeypatch):
    """The arguments the CLI passes to build_report (nothing runs)."""
    import retention_lib.report as report_module

    calls: dict = {}

    def fake_build_report(**kwargs):
        calls.update(kwargs)
        return Path("out/retention_report.html")

    monkeypatch.setattr(report_module, "build_report", fake_build_report)
    return calls


def test_flags_become_settings_with_their_flag_as_origin(captured, capsys):
    argv = [
        "report", "--data", "orders.csv", "--customer-id", "Client", "--timestamp", "Date",
        "--unit-price", "Price", "--currency-column", "Curr", "--date-format", "%d/%m/%Y",
        "--dayfirst", "--sep", ";", "--decimal", ",", "--encoding", "latin-1", "--by", "region",
        "--by", "segment", "--cac", "40", "--cac", "organic=2", "--margin", "0.3",
        "--discount-rate", "0.02", "--horizon-months", "24", "--holdout-weeks", "13",
        "--model", "pnbd", "--penalizer", "0.01", "--survey", "s.csv", "--retention-cost", "900",
        "--config", "client.toml", "--quiet",
    ]  # fmt: skip
    assert main(argv) == 0
    assert captured["columns"] == {
        "customer_id": "Client", "timestamp": "Date", "unit_price": "Price", "currency": "Curr"
    }  # fmt: skip
    assert captured["cac"] == 40.0 and captured["cac_by_segment"] == {"organic": 2.0}
    assert captured["by"] == ["region", "segment"] and captured["dayfirst"] is True
    assert (captured["horizon_months"], captured["holdout_weeks"]) == (24, 13)
    assert captured["config"] == "client.toml" and captured["sep"] == ";"
    assert "currency" not in captured  # not given: the config file or the default decides
    origins = captured["origins"]
    assert origins["columns.customer_id"] == "--customer-id"
    assert origins["columns.currency"] == "--currency-column"
    assert origins["cac"] == origins["cac_by_segment"] == "--cac"
    assert origins["margin"] == "--margin" and origins["data_path"] == "--data"


@pytest.mark.parametrize(
    ("cac", "message"),
    [(["40", "50"], "gives one overall cost"), (["lots"], "must be a cost"), (["a=b"], "SEGMENT")],
)
def test_bad_cac_flags(captured, capsys, cac, message):
    argv = ["report", "--quiet"] + [x for c in cac for x in ("--cac", c)]
    assert main(argv) == 1
    assert message in _one_error_line(capsys.readouterr().err)


def test_flags_win_over_the_config_file_and_the_run_records_both(tmp_path, orders_csv, notebook):
    config = tmp_path / "client.toml"
    config.write_text(
        f'[data]\npath = "{orders_csv.name}"\ncurrency = "USD"\n[business]\nmargin = 0.2\n'
    )
    out = tmp_path / "out"
    argv = ["report", "--config", str(config), "--margin", "0.4", "--out", str(out)]
    assert main([*argv, "--notebook", str(notebook), "--quiet"]) == 0
    html = (out / "retention_report.html").read_text(encoding="utf-8")
    assert "60 rows in USD" in html  # the log and the currency came from the file
    written = (out / "config.toml").read_text(encoding="utf-8")
    assert "margin = 0.4" in written and '"business.margin" = ["user", "--margin"]' in written
    assert '"data.currency" = ["config", "client.toml"]' in written


def test_no_purchase_after_cleaning_exits_1(tmp_path, notebook, capsys):
    returns = tmp_path / "returns.csv"
    pd.DataFrame(
        {"CustomerID": ["a"], "InvoiceDate": ["2024-01-02"], "Quantity": [-1], "UnitPrice": [5.0]}
    ).to_csv(returns, index=False)
    argv = ["report", "--data", str(returns), "--out", str(tmp_path / "o"), "--quiet"]
    assert main([*argv, "--notebook", str(notebook)]) == 1
    assert "No purchase survives cleaning" in _one_error_line(capsys.readouterr().err)


def test_unknown_grouping_column_exits_1(tmp_path, orders_csv, notebook, capsys):
    argv = ["report", "--data", str(orders_csv), "--by", "tier", "--out", str(tmp_path / "o")]
    assert main([*argv, "--notebook", str(notebook), "--quiet"]) == 1
    assert "`tier` (--by) are not in the cleaned log" in _one_error_line(capsys.readouterr().err)


@pytest.mark.slow
def test_a_single_row_log_gets_a_report(tmp_path, capsys):
    log = tmp_path / "one.csv"
    pd.DataFrame(
        {"CustomerID": ["C1"], "InvoiceDate": ["2024-03-05 10:00"], "Amount": [10.0]}
    ).to_csv(log, index=False)
    out = tmp_path / "out"
    assert main(["report", "--data", str(log), "--out", str(out), "--quiet"]) == 0
    html = (out / "retention_report.html").read_text(encoding="utf-8")
    assert "Cohort retention needs purchases in at least 2 calendar months" in html
    assert "Customer lifetime value needs at least 8 weeks of history" in html
