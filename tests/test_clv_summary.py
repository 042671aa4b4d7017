"""rfm_summary and calibration_holdout_split: hand examples, engines, lifetimes cross-checks."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pytest

from retention_lib import DataValidationError
from retention_lib.clv import calibration_holdout_split, load_cdnow, rfm_summary
from retention_lib.clv._lifetimes import lifetimes, quiet


@pytest.fixture
def small_tx() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": pd.array(["a", "a", "a", "a", "b", "c"], dtype="str"),
            "timestamp": pd.to_datetime(
                [
                    "2024-01-01 09:00",
                    "2024-01-03 10:00",
                    "2024-01-15 00:00",
                    "2024-01-29 00:00",
                    "2024-01-08 00:00",
                    "2024-01-10 00:00",
                ]  # fmt: skip
            ),
            "amount": [10.0, 5.0, 20.0, 40.0, 5.0, -3.0],
        }
    )


@pytest.fixture(scope="module")
def cdnow() -> pd.DataFrame:
    return load_cdnow()


def test_hand_example_weekly(small_tx):
    out = rfm_summary(small_tx, observation_end="2024-02-05")
    # a: weeks 0 (10 + 5 merged), 2 (20), 4 (40) -> x = 2, t_x = 4, T = 5, m = (20 + 40) / 2
    # b: one week; c: only a return -> not a customer
    expected = pd.DataFrame(
        {
            "customer_id": pd.array(["a", "b"], dtype="str"),
            "frequency": np.array([2, 0], dtype="int64"),
            "recency": [4.0, 0.0],
            "T": [5.0, 4.0],
            "monetary_value": [30.0, 0.0],
        }
    )
    pd.testing.assert_frame_equal(out, expected)
    assert out.attrs["time_unit"] == "W"


def test_daily_grain_in_weeks(small_tx):
    out = rfm_summary(small_tx, time_unit="W", grain="D", observation_end="2024-02-05")
    a = out.set_index("customer_id").loc["a"]
    assert a["frequency"] == 3  # days 1, 3, 15, 29 -> 3 repeat days
    assert a["recency"] == pytest.approx(28 / 7)
    assert a["T"] == pytest.approx(35 / 7)
    assert a["monetary_value"] == pytest.approx((5 + 20 + 40) / 3)


def test_observation_end_drops_later_rows(small_tx):
    out = rfm_summary(small_tx, observation_end="2024-01-20").set_index("customer_id")
    assert out.loc["a", "frequency"] == 1
    assert out.loc["a", "monetary_value"] == 20.0


def test_is_return_rows_are_not_purchases(small_tx):
    tx = small_tx.assign(is_return=[False, False, False, True, False, False])
    out = rfm_summary(tx, observation_end="2024-02-05").set_index("customer_id")
    assert out.loc["a", "frequency"] == 1


def test_engines_agree(small_tx, cdnow):
    native = rfm_summary(cdnow, grain="D", engine="native")
    for other in (
        rfm_summary(cdnow, grain="D"),
        rfm_summary(duckdb.from_df(cdnow), grain="D"),
        rfm_summary(pl.from_pandas(cdnow), grain="D"),
    ):
        pd.testing.assert_frame_equal(native, other, check_exact=False, rtol=1e-12)


def test_row_order_does_not_matter(cdnow):
    shuffled = cdnow.sample(frac=1.0, random_state=3)
    pd.testing.assert_frame_equal(
        rfm_summary(cdnow, time_unit="D"),
        rfm_summary(shuffled, time_unit="D"),
        check_exact=False,
        rtol=1e-12,
    )


@pytest.mark.parametrize(
    ("kwargs", "lt_kwargs"),
    [
        ({"time_unit": "W"}, {"freq": "W"}),
        ({"time_unit": "D"}, {"freq": "D"}),
        ({"time_unit": "W", "grain": "D"}, {"freq": "D", "freq_multiplier": 7}),
    ],
)
def test_matches_lifetimes_summary_on_cdnow(cdnow, kwargs, lt_kwargs):
    ours = rfm_summary(cdnow, observation_end="1998-06-30", **kwargs).set_index("customer_id")
    with quiet():
        ref = lifetimes().utils.summary_data_from_transaction_data(
            cdnow[cdnow["amount"] > 0],
            "customer_id",
            "timestamp",
            monetary_value_col="amount",
            observation_period_end="1998-06-30",
            **lt_kwargs,
        )
    ref.index = ref.index.astype(str)
    ref = ref.loc[ours.index]
    for col in ("frequency", "recency", "T", "monetary_value"):
        np.testing.assert_allclose(ours[col], ref[col], rtol=1e-12, atol=1e-9, err_msg=col)


def test_fhl_cdnow_summary_matches_published_file(cdnow):
    """Fader, Hardie & Lee (2005) CDNOW calibration summary (lifetimes'
    cdnow_customers_summary_with_transactions.csv, 2 decimals): exact to 0.005."""
    from retention_lib.clv._lifetimes import dataset_path

    ref = pd.read_csv(dataset_path("cdnow_customers_summary_with_transactions.csv"))
    ours = rfm_summary(
        cdnow, grain="D", observation_end="1997-09-30", count_zero_amounts=True
    ).set_index("customer_id")
    ref.index = ref["ID"].astype(str)
    ours = ours.loc[ref.index]
    assert len(ours) == 2357
    assert (ours["frequency"].to_numpy() == ref["x"].to_numpy()).all()
    for a, b in (("recency", "t_x"), ("T", "T"), ("monetary_value", "zbar")):
        np.testing.assert_allclose(ours[a], ref[b], atol=0.0051)


def test_summary_sorted_by_customer_id():
    tx = pd.DataFrame(
        {
            "customer_id": pd.array(["a10", "b", "a9", "a", "a10"], dtype="str"),
            "timestamp": pd.to_datetime(["2024-01-02"] * 4 + ["2024-01-20"]),
            "amount": [1.0, 2.0, 3.0, 4.0, 5.0],
        }
    )
    for engine in ("auto", "native"):
        out = rfm_summary(tx, engine=engine)
        assert list(out["customer_id"]) == ["a", "a10", "a9", "b"]
        assert out["frequency"].tolist() == [0, 1, 0, 0]
        assert out["monetary_value"].tolist() == [0.0, 5.0, 0.0, 0.0]


def test_monthly_units(small_tx):
    out = rfm_summary(small_tx, time_unit="M", observation_end="2024-03-15")
    assert out["T"].tolist() == [2.0, 2.0]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"time_unit": "Y"}, "`time_unit` must be one of"),
        ({"time_unit": "D", "grain": "W"}, "must not be coarser"),
        ({"observation_end": "not a date"}, "`observation_end` must be a date"),
        ({"observation_end": "2000-01-01"}, "No purchases on or before"),
        ({"engine": "spark"}, "`engine` must be one of"),
    ],
)
def test_option_errors(small_tx, kwargs, match):
    with pytest.raises(DataValidationError, match=match):
        rfm_summary(small_tx, **kwargs)


def test_missing_column_error(small_tx):
    with pytest.raises(DataValidationError, match="missing column\\(s\\) `amount`"):
        rfm_summary(small_tx.drop(columns="amount"))


def test_timestamp_must_be_datetime(small_tx):
    with pytest.raises(TypeError, match="`timestamp` must hold datetimes"):
        rfm_summary(small_tx.assign(timestamp=small_tx["timestamp"].astype(str)))


def test_missing_ids_error(small_tx):
    tx = small_tx.copy()
    tx["customer_id"] = tx["customer_id"].where(tx.index != 0, None)
    with pytest.raises(DataValidationError, match="`customer_id` has 1 missing"):
        rfm_summary(tx)


def test_no_purchases_error(small_tx):
    with pytest.raises(DataValidationError, match="holds no purchases"):
        rfm_summary(small_tx.assign(amount=-1.0))


def test_split_hand_example():
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "a", "b", "c"],
            "timestamp": pd.to_datetime(
                ["2024-01-01", "2024-01-15", "2024-02-12", "2024-02-14", "2024-01-08", "2024-02-20"]
            ),
            "amount": [10.0, 20.0, 40.0, 30.0, 5.0, 7.0],
        }
    )
    out = calibration_holdout_split(tx, calibration_end="2024-01-31", observation_end="2024-02-29")
    assert out["customer_id"].tolist() == ["a", "b"]  # c is new in the holdout
    a = out.iloc[0]
    assert (a["frequency_cal"], a["recency_cal"], a["T_cal"]) == (1, 2.0, 4.0)
    assert a["monetary_value_cal"] == 20.0
    assert a["frequency_holdout"] == 1  # 12 and 14 Feb are in the same week
    assert a["monetary_value_holdout"] == 70.0
    assert out["duration_holdout"].tolist() == [4.0, 4.0]
    assert out.iloc[1]["frequency_holdout"] == 0


def test_split_matches_lifetimes_on_cdnow(cdnow):
    ours = calibration_holdout_split(
        cdnow, calibration_end="1997-09-30", observation_end="1998-06-30", time_unit="D"
    ).set_index("customer_id")
    with quiet():
        ref = lifetimes().utils.calibration_and_holdout_data(
            cdnow[cdnow["amount"] > 0],
            "customer_id",
            "timestamp",
            calibration_period_end="1997-09-30",
            observation_period_end="1998-06-30",
            freq="D",
            monetary_value_col="amount",
        )
    ref.index = ref.index.astype(str)
    ref = ref.loc[ours.index]
    for col in ("frequency_cal", "recency_cal", "T_cal", "frequency_holdout", "duration_holdout"):
        np.testing.assert_allclose(ours[col], ref[col], err_msg=col)
    assert ours["frequency_holdout"].sum() == 1882


def test_split_cdnow_holdout_count(cdnow):
    """FHL (2005): 1,882 repeat transactions in weeks 40-78 (same-day purchases merged)."""
    out = calibration_holdout_split(
        cdnow,
        calibration_end="1997-09-30",
        observation_end="1998-06-30",
        grain="D",
        count_zero_amounts=True,
    )
    assert out["frequency_holdout"].sum() == 1882
    assert out["duration_holdout"].iloc[0] == pytest.approx(39.0)


def test_split_calibration_end_after_observation_end(small_tx):
    with pytest.raises(DataValidationError, match="`calibration_end`"):
        calibration_holdout_split(
            small_tx, calibration_end="2024-03-01", observation_end="2024-02-01"
        )


def test_missing_amount_is_a_clear_error_not_a_silent_drop():
    import pandas as pd

    import retention_lib as rl

    tx = pd.DataFrame({
        "customer_id": ["a", "b", "b"],
        "timestamp": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-03-01"]),
        "amount": [1.0, float("nan"), 2.0],
    })  # fmt: skip
    with pytest.raises(rl.DataValidationError, match="Column `amount` has 1 missing value"):
        rl.rfm_summary(tx)


# ------------------------------------------------------------ the split is by day, in any unit


def _mid_week_log() -> pd.DataFrame:
    # Monday 1 January and Wednesday 17 January 2024; the calibration ends on Tuesday 16th
    return pd.DataFrame(
        {
            "customer_id": ["a", "a"],
            "timestamp": pd.to_datetime(["2024-01-01 00:00", "2024-01-17 15:00"]),
            "amount": [1.0, 2.0],
        }
    )


@pytest.mark.parametrize("engine", ["auto", "native", "duckdb", "polars"])
def test_split_counts_only_purchases_on_or_before_calibration_end(engine):
    out = calibration_holdout_split(
        _mid_week_log(),
        calibration_end="2024-01-16",
        observation_end="2024-01-31",
        time_unit="W",
        engine=engine,
    ).iloc[0]
    # lifetimes' calibration_and_holdout_data gives the same (freq="W")
    assert (out["frequency_cal"], out["recency_cal"], out["T_cal"]) == (0, 0.0, 2.0)
    assert (out["frequency_holdout"], out["monetary_value_holdout"]) == (1, 2.0)
    assert out["duration_holdout"] == 2.0


def test_split_mid_week_with_a_later_week_gives_lifetimes_0_and_2():
    """The issue's case: a customer buying on Monday 1 and Wednesday 17 January 2024, and
    again the week after, calibration ending on Tuesday 16th. Splitting by week put the 17th
    in the calibration (frequency_cal 1, frequency_holdout 1); lifetimes gives 0 and 2."""
    tx = pd.concat(
        [_mid_week_log(), pd.DataFrame({"customer_id": ["a"], "timestamp":
                                        [pd.Timestamp("2024-01-24 10:00")], "amount": [3.0]})],
        ignore_index=True,
    )  # fmt: skip
    for engine in ("auto", "duckdb"):
        out = calibration_holdout_split(
            tx, calibration_end="2024-01-16", observation_end="2024-01-31", time_unit="W",
            engine=engine,
        ).iloc[0]  # fmt: skip
        assert (out["frequency_cal"], out["frequency_holdout"]) == (0, 2), engine
    with quiet():
        ref = lifetimes().utils.calibration_and_holdout_data(
            tx.assign(timestamp=tx["timestamp"].dt.normalize()), "customer_id", "timestamp",
            calibration_period_end="2024-01-16", observation_period_end="2024-01-31",
            freq="W", monetary_value_col="amount",
        ).iloc[0]  # fmt: skip
    assert (ref["frequency_cal"], ref["frequency_holdout"]) == (0, 2)


def test_split_mid_week_matches_lifetimes():
    tx = _mid_week_log()
    ours = calibration_holdout_split(
        tx, calibration_end="2024-01-16", observation_end="2024-01-31", time_unit="W"
    )
    with quiet():
        ref = lifetimes().utils.calibration_and_holdout_data(
            tx.assign(timestamp=tx["timestamp"].dt.normalize()),  # lifetimes splits at midnight
            "customer_id",
            "timestamp",
            calibration_period_end="2024-01-16",
            observation_period_end="2024-01-31",
            freq="W",
            monetary_value_col="amount",
        )
    for col in ("frequency_cal", "recency_cal", "T_cal", "frequency_holdout", "duration_holdout"):
        assert ours[col].iloc[0] == ref[col].iloc[0], col


def test_summary_ignores_purchases_after_observation_end_in_its_week():
    out = rfm_summary(_mid_week_log(), observation_end="2024-01-16", time_unit="W")
    assert out[["frequency", "recency", "T"]].values.tolist() == [[0, 0.0, 2.0]]


def test_split_matches_lifetimes_calibration_and_holdout_data_on_CDNOW_master():
    """The full CDNOW cohort (23,570 customers, Fader & Hardie's master file), weekly,
    calibration ending on a Tuesday (1997-09-30): every customer's calibration summary and
    holdout count equal lifetimes' (18,440 holdout transactions in all)."""
    tx = load_cdnow(sample=False)
    ours = calibration_holdout_split(
        tx, calibration_end="1997-09-30", time_unit="W", count_zero_amounts=True
    ).set_index("customer_id")
    with quiet():
        ref = lifetimes().utils.calibration_and_holdout_data(
            tx,
            "customer_id",
            "timestamp",
            calibration_period_end="1997-09-30",
            freq="W",
            monetary_value_col="amount",
        )
    ref.index = ref.index.astype(str)
    ref = ref.loc[ours.index]
    assert len(ours) == 23_570
    columns = ["frequency_cal", "recency_cal", "T_cal", "monetary_value_cal"]
    for col in [*columns, "frequency_holdout", "duration_holdout"]:
        np.testing.assert_allclose(ours[col], ref[col], rtol=1e-12, err_msg=col)
    assert ours["frequency_holdout"].sum() == ref["frequency_holdout"].sum() == 18_440
    # lifetimes averages the holdout *rows*; here a transaction is a week's purchases, as in
    # the calibration summary (lifetimes sums those per period too)
    weeks = tx[tx["timestamp"] > "1997-09-30"].assign(
        week=lambda d: d["timestamp"].dt.to_period("W")
    )
    per_week = weeks.groupby(["customer_id", "week"])["amount"].sum()
    mean = per_week.groupby(level="customer_id").mean().reindex(ours.index, fill_value=0.0)
    np.testing.assert_allclose(ours["monetary_value_holdout"], mean, rtol=1e-12)
