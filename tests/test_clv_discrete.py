"""discrete_rfm_summary: one opportunity per period (by hand, invariants, engines)."""

from __future__ import annotations

import warnings

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import retention_lib as rl
from retention_lib import DataValidationError, discrete_rfm_summary


def _log(rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["customer_id", "timestamp", "amount"])
    frame["timestamp"] = pd.to_datetime(frame["timestamp"])
    frame["is_return"] = frame["amount"] < 0
    return frame


@pytest.fixture
def donors() -> pd.DataFrame:
    """Yearly givers, observed to 31 Dec 2023: A gave 2019, 2020 twice, 2022; B 2019 only (and
    a refund in 2021); C 2021, 2023; D 2023; E a refund only."""
    return _log(
        [
            ("A", "2019-03-01", 50.0),
            ("A", "2020-02-01", 20.0),
            ("A", "2020-11-01", 20.0),
            ("A", "2022-05-01", 10.0),
            ("B", "2019-06-01", 30.0),
            ("B", "2021-01-15", -30.0),
            ("C", "2021-04-01", 5.0),
            ("C", "2023-12-31", 5.0),
            ("D", "2023-07-01", 8.0),
            ("E", "2022-01-01", -4.0),
        ]
    )


def test_yearly_opportunities_by_hand(donors):
    out = discrete_rfm_summary(donors, period="Y").set_index("customer_id")
    assert out.loc["A"].tolist() == [2, 3, 4]  # gave in 2020 and 2022 of 2020-2023
    assert out.loc["B"].tolist() == [0, 0, 4]
    assert out.loc["C"].tolist() == [1, 2, 2]
    assert out.loc["D"].tolist() == [0, 0, 0]  # acquired in the last year: no opportunity yet
    assert "E" not in out.index  # never bought
    assert out.attrs["period"] == "Y" and not out.attrs["partial_left_out"]


def test_an_incomplete_last_period_is_left_out_unless_asked(donors):
    cut = donors[donors["timestamp"] <= "2023-08-01"]
    out = discrete_rfm_summary(cut, period="Y")
    assert out.attrs["partial_left_out"] and out.attrs["customers_only_in_left_out_period"] == 1
    assert out.attrs["last_period"] == pd.Timestamp("2022-01-01")
    a = out.set_index("customer_id").loc["A"].tolist()
    assert a == [2, 3, 3]
    assert "D" not in set(out["customer_id"])
    partial = discrete_rfm_summary(cut, period="Y", include_partial=True).set_index("customer_id")
    assert partial.loc["A"].tolist() == [2, 3, 4] and partial.loc["D"].tolist() == [0, 0, 0]


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.sampled_from("abcdef"), st.integers(0, 1500), st.booleans()),
        min_size=1,
        max_size=40,
    ),
    period=st.sampled_from(["M", "Q", "Y"]),
)
def test_counts_are_consistent(rows, period):
    log = _log(
        [
            (c, pd.Timestamp("2020-01-01") + pd.Timedelta(days=d), 5.0 if b else -1.0)
            for c, d, b in rows
        ]
    )
    if not (log["amount"] > 0).any():
        return
    try:
        out = discrete_rfm_summary(log, period=period, include_partial=True)
    except DataValidationError:
        return
    assert (out["frequency"] >= 0).all() and (out["frequency"] <= out["recency"]).all()
    assert (out["recency"] <= out["T"]).all()
    assert ((out["frequency"] == 0) == (out["recency"] == 0)).all()
    buyers = log.loc[log["amount"] > 0, "customer_id"].nunique()
    assert len(out) == buyers


def test_same_summary_on_polars_and_duckdb(donors):
    pl = pytest.importorskip("polars")
    duckdb = pytest.importorskip("duckdb")
    expected = discrete_rfm_summary(donors, period="Q")
    for other in (pl.from_pandas(donors), duckdb.from_df(donors)):
        got = discrete_rfm_summary(other, period="Q")
        pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_bad_inputs_are_clear_errors(donors):
    with pytest.raises(DataValidationError, match="`period` must be one of"):
        discrete_rfm_summary(donors, period="H")
    with pytest.raises(DataValidationError, match="missing column"):
        discrete_rfm_summary(donors.drop(columns="amount"))
    with pytest.raises(DataValidationError, match="no purchase in a complete period"):
        discrete_rfm_summary(donors[donors["customer_id"] == "D"], period="Y")


def test_bgbb_fits_the_summary_of_a_log(simulated_log):
    summary = discrete_rfm_summary(simulated_log(800, "2024-12-31", 7), period="Q")
    with warnings.catch_warnings():  # a BG/NBD world read quarterly: the spread check warns
        warnings.simplefilter("ignore", rl.AssumptionWarning)
        model = rl.BetaGeoBetaBinomModel().fit(summary, period="Q")
    assert "checks" in model.fit_report()
    assert model.time_unit_ == "Q" and model.n_customers_ == len(summary)
    assert model.p_no_purchase(summary, t=2).between(0, 1).all()
