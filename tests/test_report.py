"""The one-command HTML report: parameters, code-free HTML, header, contents, clear errors."""

from __future__ import annotations

import html as html_lib
import re
from pathlib import Path

import nbformat
import numpy as np
import pandas as pd
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook
from thin_logs import EXPECTED, NOT_GIVEN, THIN_LOGS, write_log

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
            new_markdown_cell("## Method", metadata={"tags": ["report-appendix"]}),
            new_code_cell('print("method detail")', metadata={"tags": ["report-appendix"]}),
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
        "Executive summary",  # first, then the notebooks, then what the figures rest on
        "1. Tiny analysis",
        "Customers",
        "2. Second part",
        "Customers",
        "Assumptions and caveats",
        "Inputs",
        "Caveats",
        "Appendix: cleaning, method and model checks",
        "Method",  # tagged report-appendix: moved to the end, after the caveats
    ]
    ids = [anchor for anchor, _ in links]
    assert len(set(ids)) == 10
    assert html.index('id="Caveats"') < html.index("method detail")
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
    # 10 purchase rows (no order_id) worth 114, one return of -5: net 109
    assert report.describe_data(tiny_log, currency="EUR") == (
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
def test_full_report_on_the_uci_log(uci_report):
    """The issue's command (``retention-lib report --data online_retail.csv.gz --currency GBP
    --cac 40 --margin 0.3``): the findings, assumptions, exports and sections it must have."""
    assert uci_report["code"] == 0
    tmp_path = uci_report["out"]
    html = (tmp_path / "retention_report.html").read_text(encoding="utf-8")
    assert "online_retail.csv.gz" in html
    assert "1 Dec 2010 to 9 Dec 2011" in html
    assert "GBP (£)" in html
    assert re.search(r"With a CAC of 40 GBP, the model's LTV:CAC is [\d.]+:1", html)  # the user's
    assert "At these acquisition costs, LTV:CAC is" in html and "assumed" not in html
    summary = html[
        html.index('id="Executive-summary"') : html.index("</ul>", html.index("rl-findings"))
    ]
    assert html.index('id="Executive-summary"') < html.index('id="2.-Cohort-retention"')
    findings = re.findall(r"<li><b>([^<]+)\.</b>", summary)
    assert 5 <= len(findings) <= 8 and findings[0] == "Retention", findings
    assert "as profit at the given 30% margin" in summary
    for anchor in re.findall(r'class="rl-see" href="#([^"]+)"', summary):
        assert f'id="{anchor}"' in html, anchor  # each finding links to its section
    assumptions = html[html.index('id="Assumptions-and-caveats"') : html.index('id="Caveats"')]
    for text in ("30%", "given: --margin", "40.00 GBP", "given: --cac", "GBP"):
        assert text in assumptions, text
    assert html.index('id="Caveats"') < html.index('id="Cleaning-report"')  # the appendix
    page = re.sub(r"<style.*?</style>|<script.*?</script>", "", html, flags=re.S)
    words = html_lib.unescape(re.sub(r"<[^>]+>", " ", page))
    files = {p.stem for p in (tmp_path / "exports").iterdir()} | {"online_retail"}
    assert set(re.findall(r"\b[a-z]+(?:_[a-z0-9]+)+\b", words)) <= files  # no variable names
    assert not re.search(r"`[^`]+`", words)
    assert re.findall(r"<code>([^<]*)</code>", page) == [
        "retention-lib report --config config.toml"
    ]
    assert "A/A" not in words and "--experiment COL): none was given." in words  # no test
    assert "Basis: a 30% margin (given: --margin)" in html
    assert "Survey scores (NPS, CSAT, CES, loyalty) need a survey file" in html
    for name in ("customer_values", "churn_risk", "cohort_retention"):
        for ext in ("csv", "parquet"):
            assert (tmp_path / "exports" / f"{name}.{ext}").is_file()
            assert f'href="exports/{name}.{ext}"' in html
    values = pd.read_csv(tmp_path / "exports" / "customer_values.csv", dtype={"customer_id": str})
    assert len(values) == 4324 and values["clv"].notna().all()  # returns matched (main's cleaning)
    # notebook 02's projection and NRR split and notebook 04's scorecard are computed, not skipped
    from retention_lib.run import open_run

    run = open_run(tmp_path / "config.toml")
    assert run.status("projection") and run.status("holdout") and run.churn_scorecard is not None
    for heading in ("Where-retention-is-heading", "Net-revenue-retention",
                    "Which-score-ranks-the-customers-who-stop-buying?"):  # fmt: skip
        start = html.index(f'id="{heading}"')
        assert "Not shown." not in html[start : start + 3000], heading
    assert "whose AUC on the holdout is" in summary  # the risk finding quotes the list's score


@pytest.mark.slow
@pytest.mark.parametrize("name", list(THIN_LOGS))
def test_report_is_written_for_thin_logs(name, tmp_path):
    from retention_lib.run import open_run

    out = tmp_path / "out"
    path = build_report(write_log(name, tmp_path), out_dir=out, progress=False)
    page = path.read_text(encoding="utf-8")
    text = " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", page)).split())
    run = open_run(out / "config.toml")
    inputs = ("survey", "cac", "abtest")
    shown = EXPECTED[name] | {s for s in inputs if NOT_GIVEN[s] not in EXPECTED[name]}
    for section in shown:  # an input's paragraph shows where its section computes
        reason = run.status(section).reason
        assert reason and f"Not shown. {reason}" in text, (section, reason)
    assert "A programme costing" not in text  # no ROI on a cost nobody gave
    for section in set(run.statuses()) - EXPECTED[name] - set(NOT_GIVEN):
        assert run.status(section), section
    assert (out / "exports" / "cohort_retention.csv").exists() == ("cohorts" not in EXPECTED[name])
    assert (out / "exports" / "customer_values.csv").exists() == ("clv" not in EXPECTED[name])
    scorecard = page.index('<h2 id="Which-score-ranks-the-customers-who-stop-buying?">')
    shown_there = "Not shown" not in page[scorecard : scorecard + 800]
    assert shown_there == ("holdout" not in EXPECTED[name])  # it needs the holdout, not spend


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
    for heading in (">Region<", ">Share of CLV<", ">Total CLV<", ">Gini<"):  # words, not names
        assert heading in html, heading
    assert "share_of_clv" not in html and "Europe" in html
    relabelled = styled_table(table, labels={"gini": "Gini coefficient"}).to_html()
    assert ">Gini coefficient<" in relabelled
    assert "text-align: left" in html  # the region names
    named = styled_table(table.set_index("region"), index=True).to_html()
    assert ">Region<" in named and ">Europe<" in named
    assert named.count("<tr>") == len(table) + 1  # the index name heads its column
    assert table["share_of_clv"].iloc[0] == 0.1534  # the frame itself is unchanged
    with pytest.raises(TypeError, match="pandas DataFrame"):
        styled_table([1, 2])


def test_styled_table_shows_flags_in_words_and_ratios_as_ratios():
    from retention_lib.report import styled_table

    table = pd.DataFrame({"ltv_cac_ratio": [14.2, 1.5], "healthy": [True, False]})
    html = styled_table(table).to_html()
    assert ">LTV:CAC<" in html and ">yes<" in html and ">no<" in html and "True" not in html
    clash = table.rename_axis("healthy")
    with pytest.raises(rl.DataValidationError, match="index named `healthy` and a column"):
        styled_table(clash, index=True)


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
        "Model fit: The BG/NBD fit: a = 0.0031 is below 0.01, near 0. No "
        "drop-out is identifiable.\n"
    )
    assert kept[1].outputs == []


def _note_cell(*lines):
    cell = new_code_cell("x")
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="".join(f"{t}\n" for t in lines))
    ]
    return cell


def test_each_warning_is_shown_once_in_reading_order():
    fit = "Model fit: The BG/NBD fit: a = 0.0031 is below 0.01, near 0."
    small = "Small groups: Asia has 19 customers."
    cells = [
        _note_cell(fit, "Total CLV is 2.4M GBP."),
        new_markdown_cell("## Next"),
        _note_cell(fit, small),
        _note_cell(fit, small, "Reading: fine."),
    ]
    report._show_warnings_once(cells)
    texts = [c.outputs[0]["text"].splitlines() for c in (cells[0], cells[2], cells[3])]
    assert texts[0] == [fit, "Total CLV is 2.4M GBP."]
    assert texts[1] == [small, report.REPEATED_WARNINGS_NOTE.format(what="model fit warnings")]
    assert texts[2] == ["Reading: fine.", report.REPEATED_WARNINGS_NOTE.format(what="warnings")]
    assert sum(line == fit for t in texts for line in t) == 1  # shown once, where it first comes up


def test_each_reason_for_leaving_a_part_out_is_given_once():
    def skipped(heading: str, *reasons: str):
        note = "".join(f"<p><b>Not shown.</b> {r}</p>" for r in reasons)
        source = f"{heading}\n\n" if heading else ""
        return new_markdown_cell(
            source + f'<div class="rl-skip">{note}</div>', metadata={"tags": ["rl-skipped"]}
        )

    cells = [
        skipped("## Customer lifetime value", "Needs repeat buyers."),
        new_markdown_cell("<p><b>Not shown.</b> Needs repeat buyers.</p>"),  # not a skip cell
        skipped("## By region", "Needs repeat buyers.", "Needs regions."),
        skipped("", "Needs regions."),
    ]
    report._skips_once(cells)
    assert "<b>Not shown.</b> Needs repeat buyers." in cells[0].source
    assert "<b>Not shown.</b> Needs repeat buyers." in cells[1].source  # left alone
    again = report.REPEATED_SKIP_NOTE.format(where="<i>Customer lifetime value</i>")
    assert again in cells[2].source and "<b>Not shown.</b> Needs regions." in cells[2].source
    assert report.REPEATED_SKIP_NOTE.format(where="<i>By region</i>") in cells[3].source
    assert cells[3].source.count("Needs regions") == 0
    from retention_lib.sections import SectionStatus

    shown = new_code_cell("display(status)")  # a notebook showing a section's status
    html_text = SectionStatus("cac", False, "Needs repeat buyers.")._repr_html_()
    shown.outputs = [{"output_type": "display_data", "data": {"text/html": html_text}}]
    later = [new_markdown_cell("## LTV:CAC"), shown]
    report._skips_once([*cells, *later])
    assert again in shown.outputs[0]["data"]["text/html"]


def test_unavailable_sections_leave_one_paragraph_with_their_heading():
    from retention_lib.sections import SectionStatus

    nb = new_notebook(
        cells=[
            new_markdown_cell("# 3. Value"),
            new_markdown_cell("## Holdout\n\nWe check.", metadata={"tags": ["needs-holdout"]}),
            new_code_cell("check()", metadata={"tags": ["needs-holdout"]}),
            new_markdown_cell("## Fit", metadata={"tags": ["needs-clv"]}),
            new_code_cell("fit()", metadata={"tags": ["needs-clv", "needs-groups"]}),
            new_code_cell("always()"),
            new_code_cell("by_group()", metadata={"tags": ["needs-groups"]}),
        ]
    )
    statuses = {
        "holdout": SectionStatus("holdout", False, "Too short <4 weeks>."),
        "clv": SectionStatus("clv", False, "Too short <4 weeks>."),
        "groups": SectionStatus("groups", False, "No regions."),
    }
    kept = report._without_unavailable(nb, statuses).cells
    assert [c.source.splitlines()[0] for c in kept] == [
        "# 3. Value",
        "## Holdout",
        "## Fit",  # each section says why in its place
        "always()",
        '<div class="rl-skip"><p><b>Not shown.</b> No regions.</p></div>',
    ]
    note = kept[2].source
    assert note.count("<p>") == 1  # the same reason once; fit() lacks groups too, but clv first
    assert "Too short &lt;4 weeks&gt;." in note and "No regions." not in note
    assert "We check" not in kept[1].source  # the skipped section's own text goes
    tagged = new_notebook(
        cells=[
            new_code_cell("a()", metadata={"tags": ["needs-clv", "report-appendix"]}),
            new_code_cell("b()", metadata={"tags": ["needs-clv"]}),
        ]
    )
    notes = report._without_unavailable(tagged, statuses).cells  # one for each place
    assert [c.metadata["tags"] for c in notes] == [
        ["rl-skipped", "report-appendix"],
        ["rl-skipped"],
    ]
    available = {k: SectionStatus(k, True) for k in statuses}
    nb2 = new_notebook(cells=[new_code_cell("x()", metadata={"tags": ["needs-clv"]})])
    assert len(report._without_unavailable(nb2, available).cells) == 1
    bad = new_notebook(cells=[new_code_cell("x()", metadata={"tags": ["needs-clvv"]})])
    with pytest.raises(ReportError, match="`needs-clvv` name no section"):
        report._without_unavailable(bad, available, name="x.ipynb")


def test_report_folder_holds_the_config_and_the_page_loads_nothing(built):
    from retention_lib import load_config

    html = built.read_text(encoding="utf-8")
    config = load_config(built.parent / "config.toml")
    assert config.currency == "GBP" and config.setting("currency").source == "user"
    assert '<a href="config.toml">config.toml</a>' in html
    assert not re.search(r"<script[^>]+src=", html)  # no require.js, MathJax, widgets
    assert "cdnjs" not in html and "unpkg" not in html
    assert (built.parent / "run" / "transactions.parquet").is_file()


def test_notebooks_without_config_path_get_the_settings_they_declare(tmp_path, uci_like_csv):
    nb = _notebook(
        tmp_path / "own.ipynb",
        [
            new_code_cell(
                'data_path = None\ncurrency = "EUR"\nsource_currency = None',
                metadata={"tags": ["parameters"]},
            ),
            new_code_cell('print(f"{currency}/{source_currency}/{data_path is not None}")'),
        ],
    )
    out = build_report(
        uci_like_csv, currency="usd", source_currency="GBP", notebooks=[nb], out_dir=tmp_path / "o",
        progress=False,
    )  # fmt: skip
    assert "USD/GBP/True" in out.read_text(encoding="utf-8")


def test_report_jobs(monkeypatch):
    monkeypatch.setenv("RETENTION_REPORT_JOBS", "3")
    assert report.report_jobs(5) == 3 and report.report_jobs(2) == 2
    monkeypatch.setenv("RETENTION_REPORT_JOBS", "x")
    with pytest.raises(ReportError, match="RETENTION_REPORT_JOBS"):
        report.report_jobs(5)
    monkeypatch.delenv("RETENTION_REPORT_JOBS")
    assert 1 <= report.report_jobs(5) <= 5


def test_column_labels_are_words():
    from retention_lib.report import column_label

    assert column_label("profit_uplift_pct") == "Profit uplift (%)"
    assert [column_label(c) for c in ("auc", "bic", "mae", "rmse")] == ["AUC", "BIC", "MAE", "RMSE"]
    assert column_label("n_customers") == "Number of customers"
    assert column_label("customer_id") == "Customer" and column_label("p_alive") == "P(alive)"
    assert column_label("Revenue (GBP)") == "Revenue (GBP)" and column_label(3) == 3
