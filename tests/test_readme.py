"""The README's Python examples run as written and give the report's numbers."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pytest

import retention_lib as rl
from retention_lib import _reading as say
from retention_lib.findings import executive_summary, scorecard_auc

README = Path(__file__).resolve().parents[1] / "README.md"


@pytest.fixture(scope="module")
def readme() -> dict:
    """The namespace left by running every Python block of the README in order."""
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 2
    namespace: dict = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for block in blocks:
            exec(compile(block, str(README), "exec"), namespace)  # noqa: S102
    return namespace


@pytest.fixture(scope="module")
def report_findings() -> dict[str, str]:
    """The executive summary of the report the README names (`--margin 0.3`, bundled data)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {f.topic: f.text for f in executive_summary(rl.open_run(margin=0.3))}


def test_readme_python_examples_run(readme):
    assert readme["clv"]["clv"].notna().all()
    assert set(readme["scores"].columns) >= {"customer_id", "segment"}


def test_readme_clv_total_is_the_reports(readme, report_findings):
    clv = readme["clv"]
    total = say.money_short(float(clv["clv"].sum()), "EUR")
    assert f"The {len(clv):,} customers are predicted to bring {total} " in report_findings["Value"]


def test_readme_concentration_is_the_reports(readme, report_findings):
    row = readme["concentration"].iloc[0]
    text = report_findings["Concentration"]
    assert f"The top {say.pct(row['top'])} of customers bring {say.pct(row['top_share'])}" in text
    assert f"({int(row['n_customers_for_target']):,}) bring" in text


def test_readme_churn_risk_list_is_the_reports(readme, report_findings):
    risk, card = readme["risk"].table, readme["card"]
    text = report_findings["Risk"]
    assert text.startswith(f"{len(risk):,} of the ")
    assert f"they hold {say.money_short(float(risk['value'].sum()), 'EUR')} of predicted" in text
    assert f"AUC on the holdout is {scorecard_auc(card):.2f}" in text
