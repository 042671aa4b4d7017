"""Cohort plots: readable labels, percent axes, a colour map where darker means higher."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from conftest import random_log
from matplotlib.colors import to_rgb
from matplotlib.ticker import PercentFormatter

import retention_lib as rl
from retention_lib.plotting import plot_retention_curves, plot_retention_heatmap, plot_value_curves


def _luminance(rgb) -> float:
    r, g, b = to_rgb(rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


@pytest.fixture
def log():
    return random_log(np.random.default_rng(11), n_customers=200, max_tx=8)


def test_heatmap_labels_cohorts_with_sizes_and_formats_percent(tiny_log):
    table = rl.cohort_retention(tiny_log)
    ax = plot_retention_heatmap(table)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["2024-01  (n=2)", "2024-02  (n=2)", "2024-03  (n=1)"]
    assert ax.get_title() == "Classic retention by cohort (%)"
    assert (
        ax.get_xlabel() == "months since first purchase (hatched: the last month, not complete yet)"
    )
    # April is incomplete: Jan cohort month 3, Feb month 2, Mar month 1 are hatched
    hatched = sorted((int(r.get_x()), int(r.get_y())) for r in ax.patches if r.get_hatch())
    assert hatched == [(1, 2), (2, 1), (3, 0)]
    colorbar = ax.collections[0].colorbar
    assert isinstance(colorbar.formatter, PercentFormatter)
    # annotated cells: Jan cohort, month 1 = 1 of 2 customers
    texts = {t.get_text() for t in ax.texts}
    assert {"100", "50"} <= texts


def test_heatmap_darker_means_higher_retention(tiny_log):
    ax = plot_retention_heatmap(rl.cohort_retention(tiny_log))
    mesh = ax.collections[0]
    low, high = mesh.cmap(mesh.norm(0.0)), mesh.cmap(mesh.norm(100.0))
    assert _luminance(high) < _luminance(low)
    assert mesh.norm.vmin == 0


def test_heatmap_with_many_weekly_cohorts_thins_the_labels(log):
    table = rl.cohort_retention(log, period="W")
    n_cohorts = table["cohort"].nunique()
    assert n_cohorts > 40
    fig, ax = plt.subplots(figsize=(10, 6))
    plot_retention_heatmap(table, period="W", ax=ax)
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert (
        0 < len(labels) < n_cohorts
    )  # seaborn shows every k-th label, not all on top of each other
    assert all("(n=" in label for label in labels)
    assert not ax.texts  # no cell annotations on a large triangle


def test_heatmap_quarter_labels(log):
    table = rl.cohort_retention(log, period="Q", kind="unbounded")
    ax = plot_retention_heatmap(table, period="Q", kind="unbounded")
    first = ax.get_yticklabels()[0].get_text()
    assert first.startswith("2023-Q1")
    assert ax.get_title() == "Unbounded retention by cohort (%)"


def test_heatmap_refuses_several_groups(log):
    table = rl.cohort_retention(log, by="region")
    with pytest.raises(ValueError, match="holds several `region` groups"):
        plot_retention_heatmap(table)
    with pytest.raises(ValueError, match="holds several `region` groups; filter it to one"):
        plot_retention_heatmap(table, by="region")
    with pytest.raises(ValueError, match="not built with `period='W'`"):
        plot_retention_heatmap(rl.cohort_retention(log), period="W")


def test_curves_have_percent_axis_and_whole_periods(log):
    curves = rl.average_retention(rl.cohort_retention(log, by="region"), by="region")
    ax = plot_retention_curves(curves, by="region")
    assert isinstance(ax.yaxis.get_major_formatter(), PercentFormatter)
    assert ax.get_ylabel() == "customers still buying (%)"
    ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
    assert all(float(t).is_integer() for t in ticks)
    assert {t.get_text() for t in ax.get_legend().get_texts()} == {"Asia", "Europe", "Americas"}


def test_value_curves_label_currency_and_whole_periods(log):
    curves = rl.value_curves(rl.revenue_retention(log, by="region"), by="region")
    ax = plot_value_curves(curves, currency="EUR", by="region")
    assert ax.get_ylabel() == "cumulative revenue per customer (EUR)"
    ticks = [t for t in ax.get_xticks() if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
    assert all(float(t).is_integer() for t in ticks)


def _legend(ax):
    return sorted(t.get_text() for t in ax.get_legend().get_texts())


def test_curves_leave_out_groups_too_small_to_read(log):
    log = log.copy()
    small = log["customer_id"].isin(log["customer_id"].unique()[:5])
    log.loc[small, "region"] = "Tiny"  # 5 customers
    table = rl.cohort_retention(log, by="region")
    curves = rl.average_retention(table, by="region", min_customers=0)
    ax = plot_retention_curves(curves, by="region")
    assert "Tiny" not in _legend(ax)
    plt.close("all")
    assert "Tiny" in _legend(plot_retention_curves(curves, by="region", min_customers=0))
    plt.close("all")
    value = rl.value_curves(rl.revenue_retention(log, by="region"), by="region", min_customers=0)
    assert "Tiny" not in _legend(plot_value_curves(value, by="region"))
    assert "Tiny (5)" in rl.describe_small_groups(table, by="region")


def test_curves_say_so_when_every_group_is_too_small(tiny_log):
    table = rl.cohort_retention(tiny_log, by="region")
    curves = rl.average_retention(table, by="region", min_customers=0)
    ax = plot_retention_curves(curves, by="region")
    assert "No region has 20 customers or more" in ax.texts[0].get_text()
