"""Holdout report, calibration/tracking/period checks, matrices, P(alive) history, plots."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from retention_lib import DataValidationError
from retention_lib.clv import (
    BetaGeoModel,
    GammaGammaModel,
    calibration_by_frequency,
    calibration_holdout_split,
    clv_by_group,
    clv_intervals,
    cumulative_tracking,
    customer_lifetime_value,
    frequency_recency_matrix,
    holdout_predictions,
    holdout_report,
    load_cdnow,
    p_alive_history,
    period_transactions,
    rfm_summary,
)
from retention_lib.plotting.clv import (
    plot_calibration_by_frequency,
    plot_clv_by_group,
    plot_cumulative_tracking,
    plot_frequency_recency_heatmap,
    plot_p_alive_history,
    plot_period_transactions,
)


@pytest.fixture(scope="module")
def tx():
    return load_cdnow()


@pytest.fixture(scope="module")
def split(tx):
    return calibration_holdout_split(
        tx,
        calibration_end="1997-09-30",
        observation_end="1998-06-30",
        grain="D",
        count_zero_amounts=True,
    )


@pytest.fixture(scope="module")
def cal(tx):
    return rfm_summary(tx, grain="D", observation_end="1997-09-30", count_zero_amounts=True)


@pytest.fixture(scope="module")
def bg(cal):
    return BetaGeoModel().fit(cal)


def test_holdout_report_metrics(bg, split):
    pred = holdout_predictions(bg, split)
    report = holdout_report(bg, split)["value"]
    assert report["mae"] == pytest.approx(np.abs(pred["predicted"] - pred["actual"]).mean())
    assert report["rmse"] >= report["mae"]
    assert report["predicted_total"] == pytest.approx(pred["predicted"].sum())


def test_holdout_report_needs_split_columns(bg, cal):
    with pytest.raises(DataValidationError, match="`split` is missing column"):
        holdout_report(bg, cal)


def test_calibration_by_frequency_buckets(bg, split):
    table = calibration_by_frequency(bg, split, max_frequency=5)
    assert table["frequency_cal"].tolist() == [0, 1, 2, 3, 4, 5]
    assert table["customers"].sum() == len(split)
    assert table["predicted"].is_monotonic_increasing
    assert plot_calibration_by_frequency(table) is plt.gca()


def test_period_transactions_totals(bg, cal):
    table = period_transactions(bg, cal)
    assert table["actual"].sum() == len(cal)
    assert table["expected"].sum() == pytest.approx(len(cal))
    # FHL (2005) fig. 3: the BG/NBD reproduces the calibration histogram closely
    assert np.abs(table["expected"] - table["actual"]).max() < 25
    ax = plot_period_transactions(table)
    assert len(ax.patches) == 2 * len(table)


def test_tracking_is_cumulative(bg, tx):
    track = cumulative_tracking(
        bg,
        tx,
        calibration_end="1997-09-30",
        observation_end="1998-06-30",
        grain="D",
        count_zero_amounts=True,
    )
    assert track["actual"].is_monotonic_increasing
    assert track["predicted"].is_monotonic_increasing
    assert track["holdout"].sum() == 39
    ax = plot_cumulative_tracking(track)
    assert len(ax.lines) == 3


_UNIT = {"D": "days", "W": "weeks", "M": "months"}


def test_frequency_recency_matrix_invariants(bg):
    grid = frequency_recency_matrix(bg, T=39.0, max_frequency=10, n_recency=20)
    assert len(grid) == 11 * 20
    assert grid["p_alive"].between(0, 1).all()
    # for a given frequency, a more recent last purchase means more likely alive
    heavy = grid[grid["frequency"] == 5].sort_values("recency")
    assert heavy["p_alive"].is_monotonic_increasing
    ax = plot_frequency_recency_heatmap(grid, value="expected_purchases")
    assert ax.get_ylabel().startswith("frequency")
    assert ax.get_xlabel() == f"recency (age at last purchase, {_UNIT[bg.time_unit_]})"
    assert all(float(t).is_integer() for t in ax.get_yticks())  # whole repeat purchases


def test_p_alive_history(bg, tx):
    hist = p_alive_history(bg, tx, "1", grain="D", end="1997-09-30")
    assert hist["p_alive"].between(0, 1).all()
    assert hist["purchase"].sum() == 3  # customer 1 bought on 3 days before October 1997
    assert hist["p_alive"].iloc[-1] == pytest.approx(
        bg.p_alive(pd.DataFrame({"frequency": [2], "recency": [30.43], "T": [38.86]})).iloc[0],
        abs=0.01,
    )
    assert plot_p_alive_history(hist).get_ylabel() == "P(alive)"
    with pytest.raises(DataValidationError, match="No transactions for customer"):
        p_alive_history(bg, tx, "no-such-id")


def test_plot_clv_by_group_with_intervals(tx, cal, bg):
    gg = GammaGammaModel().fit(cal)
    tx = tx.assign(region=np.where(tx["customer_id"].astype(int) % 2 == 0, "A", "B"))
    clv = customer_lifetime_value(bg, gg, cal)
    ints = clv_intervals(bg, gg, cal, groups=tx, by="region", n_draws=20, progress=False)
    table = clv_by_group(clv, tx, by="region", intervals=ints)
    fig, ax = plt.subplots()
    assert plot_clv_by_group(table, by="region", ax=ax) is ax
    assert len(ax.patches) == 2


def test_plots_reject_wrong_frames():
    with pytest.raises(DataValidationError, match="pass the output of"):
        plot_cumulative_tracking(pd.DataFrame({"x": [1]}))
