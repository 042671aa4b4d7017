"""Explorers and dashboard: named view functions, controls wired to them, messages not tracebacks."""

from __future__ import annotations

import warnings
from html import parser as html_parser

import ipywidgets as w
import numpy as np
import pandas as pd
import pytest
from conftest import random_log
from pandas.testing import assert_frame_equal

import retention_lib as rl
from retention_lib import widgets
from retention_lib._validation import DataValidationError, SmallSampleWarning
from retention_lib.widgets import _common
from retention_lib.widgets import cohorts as wc


@pytest.fixture
def log() -> pd.DataFrame:
    """150 customers in three regions (Asia, Europe, Americas) and two segments."""
    df = random_log(np.random.default_rng(7), n_customers=150, max_tx=8)
    seg = {c: ("web" if i % 3 else "store") for i, c in enumerate(df["customer_id"].unique())}
    df["segment"] = df["customer_id"].map(seg).astype("str")
    # a customer's region is fixed, so a region filter keeps whole customers
    first = df.groupby("customer_id")["region"].first()
    df["region"] = df["customer_id"].map(first).astype("str")
    return df


def test_options_lists_all_then_sorted_values(log):
    assert _common.options(log, "region") == ["All", "Americas", "Asia", "Europe"]
    assert _common.options(log, "country") == ["All"]


def test_select_filters_and_all_means_no_filter(log):
    assert len(_common.select(log, region="All", segment=None)) == len(log)
    sub = _common.select(log, region="Asia", segment="web")
    assert set(sub["region"]) == {"Asia"} and set(sub["segment"]) == {"web"}


def test_dropdown_is_disabled_without_choices():
    assert _common.dropdown("Region", ["All"]).disabled
    assert not _common.dropdown("Region", ["All", "Asia"]).disabled


def test_collect_warnings_returns_result_and_unique_messages():
    def noisy() -> int:
        warnings.warn("small cohort", SmallSampleWarning, stacklevel=1)
        warnings.warn("small cohort", SmallSampleWarning, stacklevel=1)
        return 3

    assert _common.collect_warnings(noisy) == (3, ["small cohort"])


def test_cohort_view_returns_the_library_table_for_the_selection(log):
    table, fig = widgets.cohort_view(log, region="Asia", period="Q", kind="unbounded")
    expected = rl.cohort_retention(log[log["region"] == "Asia"], period="Q", kind="unbounded")
    assert_frame_equal(table, expected)
    n = log.loc[log["region"] == "Asia", "customer_id"].nunique()
    assert fig._suptitle.get_text() == f"Asia: {n:,} customers"
    assert len(fig.axes) == 3  # triangle, its colour bar, the curve


def test_cohort_view_refuses_a_tiny_selection(tiny_log):
    with pytest.raises(DataValidationError, match=r"Only 5 customer\(s\) with `region='All'`"):
        widgets.cohort_view(tiny_log)


def test_cohort_summary_by_hand(tiny_log):
    # cohorts Jan {A, B}, Feb {C, D}, Mar {E}; month 1: A (Feb) and C (Mar) of the 5 customers
    # in the three cohorts observed; month 3: only the Jan cohort is observed, A bought in Apr.
    table = rl.cohort_retention(tiny_log)
    summary = widgets.cohort_summary(table, at=(1, 3), include_partial=True)
    expected = pd.DataFrame(
        {
            "period_number": [1, 3],
            "cohorts": [3, 1],
            "customers_observed": [5, 2],
            "retention": [2 / 5, 1 / 2],
        }
    )
    assert_frame_equal(summary, expected, check_dtype=False)
    # April (data end on 2 April) is incomplete: left out by default, so month 1 averages the
    # Jan and Feb cohorts (A and C of 4) and month 3 (only April) is not shown
    summary = widgets.cohort_summary(table, at=(1, 3))
    expected = pd.DataFrame(
        {"period_number": [1], "cohorts": [2], "customers_observed": [4], "retention": [2 / 4]}
    )
    assert_frame_equal(summary, expected, check_dtype=False)


def test_cohort_summary_default_periods_follow_the_period(log):
    weekly = widgets.cohort_summary(rl.cohort_retention(log, period="W"), period="W")
    assert set(weekly["period_number"]) <= {1, 4, 13, 26}
    assert weekly["retention"].between(0, 1).all()


def test_explorer_region_change_redraws_figure_and_table(log):
    box = widgets.cohort_explorer(log)
    first_png, first_table = bytes(box.figure.value), box.table.value
    assert first_png.startswith(b"\x89PNG")
    assert "All customers" in box.header.value
    box.controls["region"].value = "Europe"
    assert bytes(box.figure.value) != first_png
    assert box.table.value != first_table
    assert "<b>Europe</b>" in box.header.value
    expected, _ = widgets.cohort_view(log, region="Europe")
    assert_frame_equal(box.last, expected)
    assert box.children[1].layout.display == "none"  # progress bar hidden when done


def test_explorer_shows_a_message_for_a_tiny_selection(log):
    few = log[log["customer_id"].isin(log.loc[log["region"] == "Asia", "customer_id"].unique()[:4])]
    data = pd.concat([log[log["region"] != "Asia"], few], ignore_index=True)
    box = widgets.cohort_explorer(data)
    box.controls["region"].value = "Asia"
    assert "No figure for this selection" in box.header.value
    assert "Only 4 customer(s)" in box.header.value
    assert box.last is None and box.figure.layout.display == "none"
    box.controls["region"].value = "All"
    assert box.last is not None and box.figure.layout.display == ""


def test_explorer_caches_each_selection(log, monkeypatch):
    calls = []
    real = wc.cohort_view

    def counting(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(wc, "cohort_view", counting)
    box = widgets.cohort_explorer(log)
    box.controls["kind"].value = "unbounded"
    box.controls["kind"].value = "classic"
    assert [c["kind"] for c in calls] == ["classic", "unbounded"]


def test_projection_view_is_the_library_projection_of_the_selection(log):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rl.ConvergenceWarning)
        table, reading, fig = widgets.projection_view(log, region="Europe", model="sBG")
        europe = log[log["region"] == "Europe"]
        survival = rl.cohort_survival(europe)
        expected = rl.project_retention(survival, model="sBG", horizon=12)
        outlook = rl.retention_outlook(
            survival,
            model="sBG",
            horizon=12,
            observation_end=europe["timestamp"].max(),
            inactive_periods=3,
        )
    assert_frame_equal(table, expected)
    assert reading == rl.describe_projection(outlook)
    assert "hatched: projected" in fig.axes[0].get_xlabel()
    with pytest.raises(DataValidationError, match="Only"):
        widgets.projection_view(log[log["customer_id"].isin(log["customer_id"].unique()[:5])])


def test_explorer_switches_the_projection_on_and_off(log):
    box = widgets.cohort_explorer(log)
    classic = box.last
    box.controls["projection"].value = "sBG"
    assert "projected" in box.last.columns and box.last["projected"].any()
    assert "The sBG projects" in box.header.value or "nothing is projected" in box.header.value
    assert box.table.value == ""
    box.controls["projection"].value = "off"
    assert_frame_equal(box.last, classic)


@pytest.fixture
def bgnbd_log() -> pd.DataFrame:
    """A log drawn from the BG/NBD + Gamma-Gamma processes, so the fits converge."""
    tx = rl.simulate_transactions(
        400, r=0.6, alpha=5.0, a=0.8, b=2.5, p=6.0, q=4.0, gamma=15.0,
        start="2023-01-01", end="2024-06-30", acquisition_end="2023-12-31", seed=3,
    )  # fmt: skip
    tx["region"] = np.where(tx["customer_id"].str[-1].isin(list("01234")), "Asia", "Europe")
    return tx


def test_fit_clv_fits_both_models_once(bgnbd_log):
    steps = _common.Steps(3)
    steps.start("Preparing")
    bgnbd, gg, summary = widgets.fit_clv(bgnbd_log, progress=steps)
    assert steps.bar.value == 3
    assert set(bgnbd.params_.index) == {"r", "alpha", "a", "b"}
    assert set(gg.params_.index) == {"p", "q", "v"}
    assert len(summary) == bgnbd_log["customer_id"].nunique()


def test_dashboard_clv_tab_fits_on_first_opening(bgnbd_log):
    tab = widgets.dashboard(bgnbd_log)
    assert isinstance(tab.children[1].children[0], w.HTML)
    tab.selected_index = 1
    explorer = tab.children[1].children[0]
    assert isinstance(explorer, w.VBox)
    assert any(isinstance(c, w.Output) for c in explorer.children)


def test_dashboard_builds_tabs_lazily(log):
    tab = widgets.dashboard(log)
    assert tab.titles == ("Cohorts", "Customer value", "Pareto 80/20")
    assert "retention-cohort-explorer" in tab.children[0].children[0]._dom_classes
    assert isinstance(tab.children[2].children[0], w.HTML)  # not built yet
    tab.selected_index = 2
    assert isinstance(tab.children[2].children[0], w.VBox)


def test_dashboard_survey_tab_only_with_a_survey(log):
    survey = pd.DataFrame(
        {
            "customer_id": log["customer_id"].unique()[:40],
            "nps_score": np.arange(40) % 11,
            "csat_score": np.arange(40) % 5 + 1,
            "ces_score": np.arange(40) % 7 + 1,
        }
    )
    assert len(widgets.dashboard(log).titles) == 3
    assert widgets.dashboard(log, survey=survey).titles[-1] == "Survey KPIs"


def test_dashboard_tab_without_its_data_says_why(log):
    tab = widgets.dashboard(log.drop(columns="region"))
    tab.build(1)
    message = tab.children[1].children[0]
    assert isinstance(message, w.HTML)
    assert "not available" in message.value and "`region`" in message.value


def test_readings_quote_the_numbers_they_are_given():
    import pandas as pd

    from retention_lib.widgets.pareto import pareto_reading
    from retention_lib.widgets.whatif import whatif_reading

    summary = pd.DataFrame(
        {"top": [0.2], "top_share": [0.74], "customer_share_for_target": [0.25],
         "target": [0.8], "gini": [0.709]}
    )  # fmt: skip
    assert pareto_reading(summary, "revenue") == (
        "The top 20% of customers bring 74% of revenue, less concentrated than the 80/20 rule "
        "of thumb; 25% of customers bring 80% of it. Gini 0.71: revenue depends heavily on a "
        "few customers."
    )
    table = pd.DataFrame({"profit": [100.0, 300.0], "profit_uplift": [10.0, 10.0]})
    assert whatif_reading(table, 0.05) == (
        "5% more retention adds 20 of profit over the horizon (+5.0%)."
    )


def test_dashboard_keeps_one_region_across_tabs(bgnbd_log):
    tab = widgets.dashboard(bgnbd_log)
    cohort_region = tab.children[0].children[0].controls["region"]
    regions = [r for r in cohort_region.options if r != "All"]
    assert len(regions) >= 2
    cohort_region.value = regions[0]
    tab.selected_index = 2  # the Pareto tab opens on the region chosen so far
    pareto_region = next(
        c for c in _walk(tab.children[2]) if isinstance(c, w.Dropdown) and c.description == "Region"
    )
    assert pareto_region.value == regions[0]
    pareto_region.value = regions[-1]  # and a choice there reaches the cohort tab
    assert cohort_region.value == regions[-1]
    assert tab.region.value == regions[-1]


def _walk(widget):
    yield widget
    for child in getattr(widget, "children", ()):
        yield from _walk(child)


def test_dashboard_shows_the_warnings_of_its_fits():
    from retention_lib.widgets.dashboard import _with_notes

    box = w.VBox([w.Output()])
    shown = _with_notes(box, ["The BG/NBD fit: no drop-out is identifiable."])
    assert isinstance(shown.children[0], w.HTML)
    assert "Note: The BG/NBD fit: no drop-out is identifiable." in shown.children[0].value
    assert _with_notes(w.VBox([w.Output()]), []).children[0].__class__ is w.Output


def test_dashboard_for_run_shows_the_runs_models_and_settings(bgnbd_log, tmp_path, monkeypatch):
    import sys

    dashboard_module = sys.modules[
        "retention_lib.widgets.dashboard"
    ]  # the module, not the function
    path = tmp_path / "orders.csv"
    bgnbd_log.drop(columns="region").assign(country="France").to_csv(path, index=False)
    run = rl.prepare_run(rl.RunConfig.from_inputs({"data_path": path, "margin": 0.4}), tmp_path)
    shared = rl.open_run(tmp_path / "config.toml")

    def no_refit(*args, **kwargs):
        raise AssertionError("the dashboard refitted the models the run shares")

    monkeypatch.setattr(dashboard_module, "fit_clv", no_refit)
    calls = {}
    real = dashboard_module.dashboard
    monkeypatch.setattr(
        dashboard_module, "dashboard", lambda tx, **kw: calls.update(kw) or real(tx, **kw)
    )
    tab = widgets.dashboard_for_run(shared)
    tab.build(1)
    assert isinstance(tab.children[1].children[0], w.VBox)  # the CLV explorer, not a message
    assert calls["margin"] == 0.4 and calls["survey"] is None
    bg, gg, summary = calls["models"]
    pd.testing.assert_series_equal(bg.params_, run.models.purchase.params_)


def test_fit_clv_counts_purchases_per_day_as_the_report_does(bgnbd_log):
    _, _, summary = widgets.fit_clv(bgnbd_log)
    assert_frame_equal(summary, rl.rfm_summary(bgnbd_log, time_unit="W", grain="D"))


class _Tables(html_parser.HTMLParser):
    """The tables of an HTML page as lists of rows of cell texts (headings included)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag, attrs):  # noqa: ANN001
        if tag == "table":
            self.tables.append([])
        elif tag == "tr" and self.tables:
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag):  # noqa: ANN001
        if tag in ("td", "th") and self._cell is not None and self.tables:
            self.tables[-1][-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data):  # noqa: ANN001
        if self._cell is not None:
            self._cell.append(data)


def _table_with(page: str, heading: str) -> pd.DataFrame:
    """The first table of ``page`` with a column headed ``heading``, as text."""
    parser = _Tables()
    parser.feed(page)
    rows = next(t for t in parser.tables if t and heading in t[0])
    return pd.DataFrame(rows[1:], columns=rows[0])


@pytest.fixture(scope="module")
def report_and_dashboard(tmp_path_factory):
    """Notebooks 02 and 03 of the report on a two-region log with a margin, horizon and
    discount rate of the user's, and the dashboard opened on that report's run."""
    from retention_lib.report import build_report, notebooks_dir

    folder = tmp_path_factory.mktemp("consistency")
    tx = rl.simulate_transactions(
        400, r=0.6, alpha=5.0, a=0.8, b=2.5, p=6.0, q=4.0, gamma=15.0,
        start="2023-01-01", end="2024-06-30", acquisition_end="2023-12-31", seed=3,
    )  # fmt: skip
    tx["amount"] = tx["amount"] * 40  # money in hundreds, so whole euros tell regions apart
    tx["country"] = np.where(tx["customer_id"].str[-1].isin(list("01234")), "Japan", "France")
    path = folder / "orders.csv"
    tx.to_csv(path, index=False)
    notebooks = [notebooks_dir() / n for n in ("02_cohort_retention.ipynb", "03_clv.ipynb")]
    page = build_report(
        path, out_dir=folder / "out", notebooks=notebooks, progress=False,
        margin=0.4, horizon_months=6, discount_rate=0.02, currency="EUR",
    ).read_text(encoding="utf-8")  # fmt: skip
    run = rl.open_run(folder / "out" / "config.toml")
    return page, run, widgets.dashboard_for_run(run), folder / "out"


@pytest.mark.slow
def test_dashboard_shows_the_reports_clv_per_region(report_and_dashboard):
    """The issue's EUR 345,584 vs 343,814: the dashboard's CLV tab on a report run shows the
    report's CLV per region (same grain, models, margin, horizon and discount rate), in the
    same format."""
    page, run, tab, out = report_and_dashboard
    tab.build(1)
    explorer = tab.children[1].children[0]
    shown = explorer.shown[0]  # the formatted table, then the figure
    dashboard_table = _table_with(shown.to_html(), "Total CLV")
    report_table = _table_with(page, "Total CLV")
    columns = ["Region", "Customers", "Mean P(alive)", "Expected purchases", "Total CLV",
               "Mean CLV", "Share of CLV"]  # fmt: skip
    assert len(report_table) == 2
    assert_frame_equal(
        dashboard_table[columns].sort_values("Region", ignore_index=True),
        report_table[columns].sort_values("Region", ignore_index=True),
    )
    assert dashboard_table["Total CLV"].str.startswith("€").all()  # money, not raw floats
    assert dashboard_table["Share of CLV"].str.endswith("%").all()
    # and to the cent: the report's exported CLV per customer, summed per region
    values = pd.read_csv(out / "exports" / "customer_values.csv", dtype={"customer_id": str})
    regions = run.transactions.groupby("customer_id", observed=True)["region"].first()
    exported = values.groupby(values["customer_id"].map(regions))["clv"].sum()
    ours = shown.data.set_index("region")["total_clv"]
    pd.testing.assert_series_equal(
        ours.sort_index(), exported.sort_index(), check_names=False, check_index_type=False
    )
    controls = {c.description: c.value for c in _walk(explorer) if hasattr(c, "description")}
    assert controls["Margin"] == 0.4 and controls["Horizon (months)"] == 6
    assert controls["Monthly discount"] == 0.02


@pytest.mark.slow
def test_dashboard_reads_retention_as_the_report_and_quotes_its_tables_periods(
    report_and_dashboard,
):
    """The issue's weekly reading that quoted weeks 1/3/6/12 beside a table of weeks
    1/4/13/26: the monthly reading is the report's sentence, and in every period the reading
    quotes the periods its table lists."""
    import html as html_lib
    import re

    page, run, tab, _ = report_and_dashboard
    explorer = tab.children[0].children[0]
    text = " ".join(html_lib.unescape(re.sub(r"<[^>]+>", " ", page)).split())
    reading = html_lib.unescape(re.sub(r"<[^>]+>", "", explorer.header.value))
    reading = reading.split(": ", 1)[1]
    assert reading.startswith("Of ") and reading in text  # the report's own sentence
    for period, word in (("M", "month"), ("W", "week"), ("Q", "quarter")):
        explorer.controls["period"].value = period
        reading = html_lib.unescape(explorer.header.value)
        quoted = [int(k) for k in re.findall(rf"\b{word} (\d+)\b", reading.split(". ")[0])]
        table = _table_with(explorer.table.value, f"{word}s after first purchase")
        listed = [int(k) for k in table[f"{word}s after first purchase"]]
        assert quoted and quoted == listed, (period, reading, listed)
        assert list(rl.KEY_PERIODS[period][: len(listed)]) == listed
        assert table["still buying"].str.endswith("%").all()


def test_dashboard_on_a_run_without_clv_says_why_as_the_report_does(tmp_path, monkeypatch):
    import sys

    from thin_logs import write_log

    dashboard_module = sys.modules["retention_lib.widgets.dashboard"]
    config = rl.RunConfig.from_inputs({"data_path": write_log("one_time_buyers", tmp_path)})
    run = rl.prepare_run(config, tmp_path / "out")
    assert not run.status("clv")

    def no_fit(*args, **kwargs):
        raise AssertionError("the dashboard fitted models on a log the report values none on")

    monkeypatch.setattr(dashboard_module, "fit_clv", no_fit)
    tab = widgets.dashboard_for_run(rl.open_run(tmp_path / "out" / "config.toml"))
    tab.build(1)
    message = tab.children[1].children[0]
    assert isinstance(message, w.HTML) and "not available" in message.value
    assert " ".join(run.status("clv").reason.split()[:6]) in " ".join(message.value.split())


def test_whatif_explorer_shows_the_uplift_not_the_baseline_again(bgnbd_log):
    bg, gg, summary = widgets.fit_clv(bgnbd_log)
    groups = bgnbd_log.groupby("customer_id", as_index=False)["region"].first()
    box = widgets.whatif_explorer(bg, gg, summary, groups, margin=0.3, currency="EUR")
    reading, styled, _ = box.shown
    table = styled.data
    assert {"profit_uplift", "profit_relative_uplift", "purchases_uplift"} <= set(table.columns)
    assert "profit_scenario" not in table.columns  # the total again reads as "no effect"
    assert (table["profit_uplift"] > 0).all()
    shown = _table_with(styled.to_html(), "Profit uplift")
    assert shown["Profit uplift"].str.startswith("€").all()
    assert shown["Gain"].eq("5.0%").all()
    box.children[0].children[1].value = 0.1  # a larger gain: a larger uplift in the table
    assert (box.shown[1].data["profit_uplift"].to_numpy() > table["profit_uplift"].to_numpy()).all()


def test_kpi_explorer_table_is_formatted_as_the_report():
    rng = np.random.default_rng(2)
    survey = pd.DataFrame(
        {
            "customer_id": [f"C{i}" for i in range(60)],
            "nps": rng.integers(0, 11, 60),
            "csat": rng.integers(1, 6, 60),
            "ces": rng.integers(1, 8, 60),
            **{f"loyalty_{k}": rng.integers(0, 11, 60) for k in ("rebuy", "try_new", "recommend")},
            "region": np.where(np.arange(60) % 2, "Asia", "Europe"),
            "segment": np.where(np.arange(60) % 3, "web", "store"),
        }
    )
    box = widgets.kpi_explorer(survey)
    shown = _table_with(box.shown[0].to_html(), "KPI")
    assert list(shown.columns) == ["KPI", "Value", "95% interval, low", "95% interval, high",
                                   "Answers"]  # fmt: skip
    assert shown["Answers"].eq("60").all()
    assert shown["Value"].str.fullmatch(r"-?\d+\.\d").all()  # one decimal, as in notebook 05
