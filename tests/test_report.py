"""The one-command HTML report: parameters, code-free HTML, header, contents, clear errors."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

import retention_lib as rl
from retention_lib import report
from retention_lib.report import ReportError, build_report


def _notebook(path: Path, cells: list) -> Path:
    nb = new_notebook(
        cells=cells,
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )
    nbformat.write(nb, path)
    return path


PARAMS = new_code_cell('data_path = None\ncurrency = "EUR"', metadata={"tags": ["parameters"]})


@pytest.fixture(scope="module")
def uci_like_csv(tmp_path_factory) -> Path:
    """A small UCI-style export (no currency column): 40 customers in 2 countries, 2024."""
    rng = np.random.default_rng(5)
    rows = []
    for i in range(40):
        country = "United Kingdom" if i % 4 else "France"
        for k in range(int(rng.integers(1, 6))):
            day = pd.Timestamp("2024-01-01") + pd.Timedelta(days=int(rng.integers(0, 360)))
            rows.append((f"5{i:03d}{k}", "A1", 2, 2.5 + i % 3, day, f"{12000 + i}", country))
    df = pd.DataFrame(
        rows,
        columns=[
            "InvoiceNo",
            "StockCode",
            "Quantity",
            "UnitPrice",
            "InvoiceDate",
            "CustomerID",
            "Country",
        ],
    )
    path = tmp_path_factory.mktemp("data") / "orders.csv"
    df.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def tiny_notebooks(tmp_path_factory) -> list[Path]:
    folder = tmp_path_factory.mktemp("notebooks")
    first = _notebook(
        folder / "01_tiny.ipynb",
        [
            new_markdown_cell("# 1. Tiny analysis\n\nCounts customers."),
            PARAMS,
            new_code_cell(
                "import retention_lib as rl\n\n"
                "tx, cleaning = rl.prepare_transactions(data_path, currency=currency)"
            ),
            new_markdown_cell("## Customers"),
            new_code_cell(
                "print(f\"{tx['customer_id'].nunique()} customers; money in {currency}\")"
            ),
            new_markdown_cell("## Explore\n\nPick a region."),
            new_code_cell("# NBVAL_IGNORE_OUTPUT\nimport ipywidgets as w\n\nw.IntSlider()"),
            new_code_cell('print("internal detail")', metadata={"tags": ["remove-from-report"]}),
            new_markdown_cell("## Cohorts by hand\n\nChange the region."),
            new_code_cell(
                "# NBVAL_IGNORE_OUTPUT\nfrom retention_lib.widgets import cohort_explorer\n\n"
                "cohort_explorer(tx)"
            ),
        ],
    )
    second = _notebook(
        folder / "02_tiny.ipynb",
        [
            new_markdown_cell("# 2. Second part"),
            PARAMS,
            new_markdown_cell("## Customers"),  # same heading text as in the first notebook
            new_code_cell('print("second notebook ran")'),
        ],
    )
    return [first, second]


@pytest.fixture(scope="module")
def built(tiny_notebooks, uci_like_csv, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report")
    return build_report(
        uci_like_csv, currency="GBP", out_dir=out, notebooks=tiny_notebooks, progress=False
    )


def test_report_runs_notebooks_with_the_parameters(built):
    html = built.read_text(encoding="utf-8")
    assert built.name == "retention_report.html"
    assert "40 customers; money in GBP" in html
    assert "second notebook ran" in html
    executed = sorted(p.name for p in (built.parent / "notebooks").glob("*.ipynb"))
    assert executed == ["01_tiny.ipynb", "02_tiny.ipynb"]


def test_report_does_not_run_explorers(built):
    nb = nbformat.read(built.parent / "notebooks" / "01_tiny.ipynb", as_version=4)
    sources = "\n".join(c.source for c in nb.cells)
    assert "cohort_explorer(" not in sources and "Change the region" not in sources
    assert "IntSlider" in sources  # other widget cells run, their output is stripped later


def test_report_has_no_code_and_no_explorer(built):
    html = built.read_text(encoding="utf-8")
    assert "prepare_transactions(" not in html
    assert "IntSlider" not in html
    assert "Pick a region" not in html  # the explorer's introduction goes with it
    assert "internal detail" not in html  # tagged remove-from-report
    assert "data_path" not in html  # parameters cells dropped


def test_report_header_states_source_period_and_currency(built, uci_like_csv):
    html = built.read_text(encoding="utf-8")
    assert '<h1 class="rl-title">Customer retention report</h1>' in html
    assert uci_like_csv.name in html
    assert "Period covered" in html and "2024" in html
    assert "GBP (£): the data has no currency column" in html
    assert "40 customers" in html
    assert re.search(r"Revenue by region</th><td>Europe 100%", html)


def test_report_contents_link_to_unique_headings(built):
    html = built.read_text(encoding="utf-8")
    toc = html[html.index('<nav class="rl-toc">') : html.index("</nav>")]
    links = re.findall(r'href="#([^"]+)">([^<]+)</a>', toc)
    assert [text for _, text in links] == [
        "1. Tiny analysis",
        "Customers",
        "2. Second part",
        "Customers",
    ]
    ids = [anchor for anchor, _ in links]
    assert len(set(ids)) == 4
    for anchor in ids:
        assert f'id="{anchor}"' in html


def test_data_path_missing(tmp_path, tiny_notebooks):
    with pytest.raises(FileNotFoundError, match="No transaction file at"):
        build_report(tmp_path / "nope.csv", notebooks=tiny_notebooks, out_dir=tmp_path)


def test_bad_data_fails_before_any_notebook_runs(tmp_path, tiny_notebooks):
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"a": [1, 2], "b": [3, 4]}).to_csv(bad, index=False)
    with pytest.raises(rl.DataValidationError, match="has no column for `customer_id`"):
        build_report(bad, notebooks=tiny_notebooks, out_dir=tmp_path / "out", progress=False)
    assert not (tmp_path / "out").exists()


def test_bad_currency_code(tmp_path, tiny_notebooks):
    with pytest.raises(rl.DataValidationError, match="three-letter ISO 4217 code"):
        build_report(currency="EURO", notebooks=tiny_notebooks, out_dir=tmp_path)


def test_source_currency_needs_the_notebooks_to_accept_it(tmp_path, tiny_notebooks):
    with pytest.raises(ReportError, match="`source_currency` cannot be passed to 01_tiny.ipynb"):
        build_report(source_currency="GBP", notebooks=tiny_notebooks, out_dir=tmp_path)


def test_failing_notebook_names_itself_on_one_line(tmp_path, uci_like_csv):
    broken = _notebook(
        tmp_path / "03_broken.ipynb",
        [PARAMS, new_code_cell('raise ValueError("Column `x` is bad.\\nFix it.")')],
    )
    with pytest.raises(ReportError) as info:
        build_report(uci_like_csv, notebooks=[broken], out_dir=tmp_path / "out", progress=False)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("03_broken.ipynb failed in cell")
    assert "ValueError: Column `x` is bad. Fix it." in message


def test_strip_keeps_titles_and_drops_explorers():
    nb = new_notebook(
        cells=[
            new_markdown_cell("# Title"),
            new_code_cell("# NBVAL_IGNORE_OUTPUT\nexplorer()"),
            new_markdown_cell("## Explore"),
            new_code_cell("# NBVAL_IGNORE_OUTPUT\nexplorer()"),
            new_markdown_cell("## Next"),
            new_code_cell("# NBVAL_IGNORE_OUTPUT\nprint(1)"),
        ]
    )
    nb.cells[5].outputs = [nbformat.v4.new_output("stream", name="stdout", text="1\n")]
    kept = report._strip_for_report(nb).cells
    assert [c.source.splitlines()[0] for c in kept] == [
        "# Title",
        "## Next",
        "# NBVAL_IGNORE_OUTPUT",
    ]


def test_explorer_cells_are_recognised():
    nb = new_notebook(
        cells=[
            new_markdown_cell("## Explore"),
            new_code_cell("# NBVAL_IGNORE_OUTPUT\npareto_explorer(tx, margin=0.3)"),
            new_markdown_cell("## Dashboard"),
            new_code_cell("# NBVAL_IGNORE_OUTPUT\nwidgets.dashboard(tx)"),
            new_code_cell("# NBVAL_IGNORE_OUTPUT\nsummary.sample(5)"),
            new_code_cell("cohort_explorer(tx)"),  # not marked as a widget cell: kept
        ]
    )
    kept = [c.source for c in report._without_explorers(nb).cells]
    # "## Explore" only introduced its explorer; "## Dashboard" goes on with another cell
    assert kept == [
        "## Dashboard",
        "# NBVAL_IGNORE_OUTPUT\nsummary.sample(5)",
        "cohort_explorer(tx)",
    ]


def test_describe_data_by_hand(tiny_log):
    tiny_log.attrs["currency"] = "EUR"
    # 10 purchase rows (no order_id) worth 114, one return of -5: net 109
    assert report.describe_data(tiny_log) == (
        "5 customers placed 10 orders worth €109 (net of returns) between 5 Jan 2024 and "
        "2 Apr 2024, in 2 regions."
    )


def test_currency_symbol():
    assert report.currency_symbol("gbp") == "£"
    assert report.currency_symbol("SEK") == "SEK "
    assert report.currency_symbol("") == ""


@pytest.mark.slow
def test_full_report_on_the_bundled_sample(tmp_path):
    path = build_report(out_dir=tmp_path, progress=False)
    html = path.read_text(encoding="utf-8")
    assert "bundled synthetic sample" in html and "€" in html
    for heading in ("Cleaning report", "Retention triangle"):
        assert heading in html
    assert html.count("data:image/png;base64") >= 5


@pytest.mark.slow
def test_full_report_on_the_uci_log(tmp_path, online_retail_path):
    path = build_report(online_retail_path, currency="GBP", out_dir=tmp_path, progress=False)
    html = path.read_text(encoding="utf-8")
    assert "online_retail.csv.gz" in html
    assert "1 Dec 2010 to 9 Dec 2011" in html
    assert "GBP (£)" in html


def test_styled_table_formats_shares_money_and_counts_without_the_range_index():
    from retention_lib.report import styled_table

    table = pd.DataFrame(
        {
            "region": ["Europe", "Asia"],
            "customers": [4600, 7],
            "share_of_clv": [0.1534, None],
            "total_clv": [1_234_567.8, -12.4],
            "gini": [0.55671, 0.1],
        }
    )
    html = styled_table(
        table, percent=["share_of_clv", "absent"], money=["total_clv"], currency="GBP"
    ).to_html()
    for text in ("15.3%", "£1,234,568", "-£12", "4,600", "0.56", "–"):
        assert text in html, text
    assert "row_heading" not in html  # the 0..n index is hidden
    assert "text-align: left" in html  # the region names
    assert "row_heading" in styled_table(table, index=True).to_html()
    assert table["share_of_clv"].iloc[0] == 0.1534  # the frame itself is unchanged
    with pytest.raises(TypeError, match="pandas DataFrame"):
        styled_table([1, 2])


def test_strip_keeps_retention_lib_warnings_as_a_note():
    """Warnings are never filtered out of what a user sees: the report drops stderr, but turns
    retention-lib's own warnings into a note under the cell that raised them."""
    nb = new_notebook(cells=[new_code_cell("bg = fit()"), new_code_cell("noisy()")])
    nb.cells[0].outputs = [
        nbformat.v4.new_output(
            "stream",
            name="stderr",
            text=(
                "/tmp/ipykernel_1/2.py:1: BoundaryWarning: The BG/NBD fit: a = 0.0031 is "
                "below 0.01, near 0. No drop-out is identifiable.\n  bg = fit()\n"
                "/x/pandas/core.py:9: FutureWarning: something internal\n  x = y\n"
            ),
        )
    ]
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stderr", text="progress 50%\n")]
    kept = report._strip_for_report(nb).cells
    assert [o["name"] for o in kept[0].outputs] == ["stdout"]
    assert kept[0].outputs[0]["text"] == (
        "Warning (BoundaryWarning): The BG/NBD fit: a = 0.0031 is below 0.01, near 0. No "
        "drop-out is identifiable.\n"
    )
    assert kept[1].outputs == []
