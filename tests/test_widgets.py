"""Explorers and dashboard: named view functions, controls wired to them, messages not tracebacks."""

from __future__ import annotations

import warnings

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
    weekly = widgets.cohort_summary(rl.cohort_retention(log, period="W"))
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
        survival = rl.cohort_survival(log[log["region"] == "Europe"])
        expected = rl.project_retention(survival, model="sBG", horizon=12)
        outlook = rl.retention_outlook(survival, model="sBG", horizon=12)
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
