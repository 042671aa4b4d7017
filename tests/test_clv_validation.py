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
    ModifiedBetaGeoModel,
    ParetoNBDModel,
    calibration_by_frequency,
    calibration_holdout_split,
    clv_by_group,
    clv_intervals,
    cumulative_tracking,
    customer_lifetime_value,
    describe_calibration_by_frequency,
    describe_frequency_recency,
    describe_holdout,
    describe_p_alive_history,
    describe_period_transactions,
    describe_tracking,
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


def test_tracking_holdout_part_counts_every_holdout_purchase(tx):
    # a calibration end in mid-step and a partial last step: the curve still reaches the last
    # day and its holdout part is the holdout's repeat purchases, as in holdout_report
    cal_end, end = "1997-09-26", "1998-06-25"
    split = calibration_holdout_split(
        tx, calibration_end=cal_end, observation_end=end, grain="D", count_zero_amounts=True
    )
    model = BetaGeoModel().fit(
        rfm_summary(tx, grain="D", observation_end=cal_end, count_zero_amounts=True)
    )
    track = cumulative_tracking(
        model, tx, calibration_end=cal_end, observation_end=end, grain="D", count_zero_amounts=True
    )
    last_cal = track[~track["holdout"]].iloc[-1]
    assert track["actual"].iloc[-1] - last_cal["actual"] == split["frequency_holdout"].sum()
    assert track["date"].iloc[-1] <= pd.Timestamp(end)
    assert track["period"].iloc[-1] == pytest.approx(
        (pd.Timestamp(end) - tx["timestamp"].min().normalize()).days / 7 + 1 / 7
    )
    predicted = holdout_report(model, split)["value"]["predicted_total"]
    assert track["predicted"].iloc[-1] - last_cal["predicted"] == pytest.approx(predicted, rel=0.02)


_UNIT = {"D": "days", "W": "weeks", "M": "months"}


def test_frequency_recency_matrix_invariants(bg):
    grid = frequency_recency_matrix(bg, T=39.0, max_frequency=10, n_recency=20)
    assert len(grid) == 11 * 20
    assert grid["p_alive"].between(0, 1).all()
    # for a given frequency, a more recent last purchase means more likely alive
    heavy = grid[grid["frequency"] == 5].sort_values("recency")
    assert heavy["p_alive"].is_monotonic_increasing
    ax = plot_frequency_recency_heatmap(grid, value="expected_purchases", time_unit=bg.time_unit_)
    assert ax.get_ylabel().startswith("frequency")
    assert ax.get_xlabel() == f"recency (age at last purchase, {_UNIT[bg.time_unit_]})"
    assert all(float(t).is_integer() for t in ax.get_yticks())  # whole repeat purchases


def test_p_alive_history(bg, tx):
    hist = p_alive_history(bg, tx, "1", grain="D", observation_end="1997-09-30")
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
    with pytest.raises(DataValidationError, match="Pass the output of"):
        plot_cumulative_tracking(pd.DataFrame({"x": [1]}))


# --------------------------------------------------------------------------- readings


def _report(predicted, actual, *, mae=1.0, corr=0.8, customers=100):
    values = {
        "customers": customers,
        "mae": mae,
        "rmse": mae * 1.5,
        "correlation": corr,
        "actual_total": actual,
        "predicted_total": predicted,
        "total_error": (predicted - actual) / actual if actual else np.nan,
    }
    return pd.DataFrame({"value": values}).rename_axis("metric")


def test_describe_holdout_says_under_prediction_and_its_size():
    text = describe_holdout(_report(6151.0, 6790.0), duration=26, time_unit="W")
    assert "Over the 26-week holdout" in text
    assert "under-predicts by 9.4%, more than the 5% tolerance" in text and "too low" in text
    assert "tracks" not in text and "within" not in text


def test_describe_holdout_says_over_prediction():
    text = describe_holdout(_report(1200.0, 1000.0))
    assert "over-predicts by 20.0%" in text and "too high" in text


def test_describe_holdout_within_tolerance_and_ranking():
    text = describe_holdout(_report(1010.0, 1000.0, corr=0.82))
    assert "within 5% (+1.0%)" in text and "predicts by" not in text
    assert "ranks customers well" in text
    assert "ranks customers poorly" in describe_holdout(_report(1010.0, 1000.0, corr=0.2))
    assert "within 1%" in describe_holdout(_report(1004.0, 1000.0), tolerance=0.01)
    assert "over-predicts" in describe_holdout(_report(1020.0, 1000.0), tolerance=0.01)


def test_describe_holdout_without_holdout_purchases():
    text = describe_holdout(_report(10.0, 0.0, corr=np.nan))
    assert "cannot be measured" in text


def test_describe_holdout_on_cdnow_quotes_its_own_error(bg, split):
    # the sum of conditional expectations on the CDNOW sample falls short of the 1,882
    # actual holdout purchases by 12%: the reading must say so, not that the model tracks
    report = holdout_report(bg, split)
    text = describe_holdout(report, duration=39, time_unit="W")
    error = abs(report.loc["total_error", "value"])  # a fraction; the sentence shows percent
    assert "39-week holdout" in text and "customers made 1,882" in text
    assert f"under-predicts by {100 * error:.1f}%" in text and "within" not in text


def _calib(actual, predicted):
    n = len(actual)
    out = pd.DataFrame(
        {
            "frequency_cal": range(n),
            "or_more": [k == n - 1 for k in range(n)],  # the last bucket pools the rest
            "customers": [100] * n,
            "actual": actual,
            "predicted": predicted,
        }
    )
    return out


def test_describe_calibration_by_frequency_follows_or_not():
    good = describe_calibration_by_frequency(_calib([1, 2, 3, 5], [1.02, 2.05, 2.9, 5.1]))
    assert "bought more in the holdout" in good and "follows every group within 10%" in good
    bad = describe_calibration_by_frequency(_calib([1, 2, 4.7, 12.7], [1.03, 2.0, 3.9, 9.7]))
    assert "within 10% for 0 and 1 repeat purchases" in bad
    assert "under-predicts 2 (-17%) and 3+ (-24%)" in bad and "follows every" not in bad
    flat = describe_calibration_by_frequency(_calib([2, 1, 2.5, 1.2], [2, 1, 2.5, 1.2]))
    assert "do not rise steadily" in flat


def test_describe_tracking_separates_the_holdout():
    track = pd.DataFrame(
        {
            "period": [1, 2, 3, 4],
            "actual": [100.0, 200.0, 300.0, 400.0],
            "predicted": [100.0, 200.0, 270.0, 340.0],
            "holdout": [False, False, True, True],
        }
    )
    text = describe_tracking(track)
    assert "340 cumulative repeat purchases against 400 actual" in text
    assert "under-predicts by 15.0%" in text
    assert "In the holdout alone it expected 140 against 200 (-30.0%)" in text
    close = track.assign(predicted=[100.0, 201.0, 301.0, 402.0])
    assert "within 5% of it (+0.5%)" in describe_tracking(close)


def test_describe_period_transactions_reproduces_or_not():
    table = pd.DataFrame(
        {"frequency": [0, 1, 2, 3], "actual": [500, 300, 150, 50], "expected": [505, 295, 148, 52]}
    )
    assert describe_period_transactions(table).startswith("The model reproduces")
    off = table.assign(expected=[400, 300, 150, 150])
    text = describe_period_transactions(off)
    assert text.startswith("The model does not reproduce") and "10% of customers" in text
    assert "largest gap: 0 repeat purchases, 500 actual vs 400 expected" in text


def test_describe_frequency_recency_flat_or_not(bg):
    grid = frequency_recency_matrix(bg, T=39.0, max_frequency=10, n_recency=20)
    text = describe_frequency_recency(grid)
    assert "falls below 50%" in text and "probably gone" in text
    flat = grid.assign(p_alive=0.99)
    text = describe_frequency_recency(flat)
    assert "no drop-out pattern" in text and "probably gone" not in text


def _history(p, purchase, frequency=None):
    n = len(p)
    return pd.DataFrame(
        {
            "date": pd.date_range("2011-01-03", periods=n, freq="W-MON"),
            "age": np.arange(n, dtype=float),
            "frequency": frequency if frequency is not None else np.cumsum(purchase) - 1,
            "recency": np.zeros(n),
            "p_alive": p,
            "purchase": purchase,
        }
    )


def test_describe_p_alive_history_flat_line_is_called_flat():
    hist = _history([1.0] * 6, [True, False, True, True, False, True])
    text = describe_p_alive_history(hist, customer_id="14646")
    assert text.startswith("Customer 14646: P(alive) stays at 100% throughout")
    assert "drops" not in text and "jumps" not in text and "falls" not in text
    one_timer = _history([1.0] * 4, [True, False, False, False], frequency=[0, 0, 0, 0])
    assert "with no repeat purchase" in describe_p_alive_history(one_timer)


def test_describe_p_alive_history_drops_and_jumps():
    hist = _history([1.0, 0.8, 0.6, 0.95, 0.7, 0.98, 0.9, 0.8], [True] + [False] * 2 + [True]
                    + [False] + [True] + [False] * 2)  # fmt: skip
    text = describe_p_alive_history(hist)
    assert "falls between purchases (lowest 60% on 17 Jan 2011) and jumps back" in text
    assert "fallen from 98% to 80% today" in text


def test_describe_p_alive_history_on_cdnow_is_not_flat(bg, tx):
    hist = p_alive_history(bg, tx, "1", grain="D", observation_end="1997-09-30")
    assert "stays at" not in describe_p_alive_history(hist)


def test_plot_clv_by_group_leaves_out_groups_too_small_to_read(tx, cal, bg):
    gg = GammaGammaModel().fit(cal)
    ids = tx["customer_id"].astype(int)
    tx = tx.assign(region=np.select([ids <= 3, ids % 2 == 0], ["Tiny", "A"], "B"))
    table = clv_by_group(customer_lifetime_value(bg, gg, cal), tx, by="region")
    fig, ax = plt.subplots()
    plot_clv_by_group(table, by="region", ax=ax)
    assert sorted(t.get_text() for t in ax.get_yticklabels()) == ["A", "B"]
    fig, ax = plt.subplots()
    plot_clv_by_group(table, by="region", ax=ax, min_customers=0)
    assert len(ax.patches) == 3


@pytest.mark.parametrize("model_cls", [ModifiedBetaGeoModel, ParetoNBDModel])
def test_period_transactions_for_every_purchase_model(cal, model_cls):
    model = model_cls().fit(cal)
    table = period_transactions(model, cal)
    assert table["expected"].sum() == pytest.approx(len(cal))
    np.testing.assert_allclose(
        table["expected"].iloc[:3],
        [sum(model.p_n_purchases(n, t=T) for T in cal["T"]) for n in range(3)],
        rtol=1e-9,
    )


def test_checks_run_in_the_models_time_unit(bg, tx, split):
    with pytest.raises(DataValidationError, match="`time_unit='D'` differs from the model's"):
        cumulative_tracking(bg, tx, calibration_end="1997-09-30", time_unit="D")
    with pytest.raises(DataValidationError, match="`grain='W'` differs from the model's"):
        p_alive_history(bg, tx, "1", grain="W")
    daily_split = calibration_holdout_split(
        tx, calibration_end="1997-09-30", observation_end="1998-06-30", time_unit="D",
        count_zero_amounts=True,
    )  # fmt: skip
    with pytest.raises(DataValidationError, match="fitted in weeks \\('W'\\) but `summary` is in"):
        holdout_report(bg, daily_split)
