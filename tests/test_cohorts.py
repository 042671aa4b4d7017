"""Cohort retention: hand-computed tiny log, invariants, backends, the UCI log."""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pytest
from conftest import random_log

import retention_lib as rl


def _matrix(table):
    return rl.retention_matrix(table).to_numpy()


def test_classic_matrix_hand_computed(tiny_log):
    table = rl.cohort_retention(tiny_log, period="M")
    expected = np.array(
        [
            [1.0, 0.5, 0.5, 0.5],
            [1.0, 0.5, 0.0, np.nan],
            [1.0, 0.0, np.nan, np.nan],
        ]
    )
    np.testing.assert_array_equal(_matrix(table), expected)
    sizes = table.groupby("cohort")["cohort_size"].first().tolist()
    assert sizes == [2, 2, 1]
    # the last diagonal (April) is partial: data ends on 2 April
    partial = table[table["partial"]][["cohort", "period_number"]]
    assert partial["period_number"].tolist() == [3, 2, 1]


def test_unbounded_matrix_hand_computed(tiny_log):
    table = rl.cohort_retention(tiny_log, period="M", kind="unbounded")
    expected = np.array(
        [
            [1.0, 1.0, 1.0, 0.5],
            [1.0, 0.5, 0.0, np.nan],
            [1.0, 0.0, np.nan, np.nan],
        ]
    )
    np.testing.assert_array_equal(_matrix(table), expected)


def test_average_retention_weighted_by_observable_cohorts(tiny_log):
    avg = rl.average_retention(rl.cohort_retention(tiny_log), include_partial=True)
    np.testing.assert_allclose(avg["retention"], [1.0, 2 / 5, 1 / 4, 1 / 2])
    assert avg["cohorts"].tolist() == [3, 3, 2, 1]
    assert avg["partial_cohorts"].tolist() == [0, 1, 1, 1]


def test_average_retention_leaves_out_the_partial_last_period_by_default(tiny_log):
    # April (data end on 2 April) is the partial diagonal: Jan k=3, Feb k=2, Mar k=1
    avg = rl.average_retention(rl.cohort_retention(tiny_log))
    np.testing.assert_allclose(avg["retention"], [1.0, 2 / 4, 1 / 2])
    assert avg["cohorts"].tolist() == [3, 2, 1]
    assert avg["partial_left_out"].tolist() == [0, 1, 1]
    assert avg["partial_cohorts"].sum() == 0
    assert 3 not in set(avg["period_number"])  # k=3 had only the partial cell


def test_revenue_retention_and_value_curves_hand_computed(tiny_log):
    rev = rl.revenue_retention(tiny_log)
    m = rl.retention_matrix(rev, value="revenue").to_numpy()
    expected = np.array([[15, 20, 15, 30], [19, 9, 0, np.nan], [6, -5, np.nan, np.nan]], float)
    np.testing.assert_array_equal(m, expected)
    rr = rl.retention_matrix(rev, value="revenue_retention").to_numpy()
    np.testing.assert_allclose(rr[0], [1, 20 / 15, 1, 2])
    # totals add up: every amount is in a cohort cell or reported outside
    assert rev["revenue"].sum() + rev.attrs["revenue_outside_cohorts"] == pytest.approx(
        tiny_log["amount"].sum()
    )
    curves = rl.value_curves(rev, include_partial=True)
    # period 1: (Jan 35 + Feb 28 + Mar 1) / 5 customers
    assert curves.loc[1, "cumulative_revenue_per_customer"] == pytest.approx((35 + 28 + 1) / 5)
    # by default the partial April cell of the March cohort is left out: (35 + 28) / 4
    curves = rl.value_curves(rev)
    assert curves.loc[1, "cumulative_revenue_per_customer"] == pytest.approx((35 + 28) / 4)
    assert curves.loc[1, "partial_left_out"] == 1


def test_churn_table_hand_computed(tiny_log):
    churn = rl.churn_table(tiny_log)
    assert churn["customers_start"].tolist() == [2, 3, 3]
    assert churn["lost"].tolist() == [1, 2, 3]
    assert churn["new"].tolist() == [2, 1, 0]
    assert churn["reactivated"].tolist() == [0, 1, 1]
    np.testing.assert_allclose(churn["churn_rate"], [0.5, 2 / 3, 1.0])
    np.testing.assert_allclose(churn["retention_rate"], [0.5, 1 / 3, 0.0])
    assert churn["partial"].tolist() == [False, False, True]


def test_repeat_purchase_rate_hand_computed(tiny_log):
    out = rl.repeat_purchase_rates(tiny_log)
    assert out.loc[0, "repeat_purchase_rate"] == pytest.approx(3 / 5)
    by = rl.repeat_purchase_rates(tiny_log, by="region").set_index("region")
    assert by.loc["Europe", "repeat_purchase_rate"] == pytest.approx(2 / 3)
    assert by.loc["Asia", "repeat_purchase_rate"] == pytest.approx(1 / 2)


def test_by_group_is_fixed_at_acquisition(tiny_log):
    log = tiny_log.copy()
    # A moves to Asia after its first purchase: it must stay in the Europe cohort
    log.loc[(log["customer_id"] == "A") & (log["timestamp"] > "2024-02-01"), "region"] = "Asia"
    table = rl.cohort_retention(log, by="region")
    jan_eu = table[(table["region"] == "Europe") & (table["cohort"] == "2024-01-01")]
    assert jan_eu["cohort_size"].iloc[0] == 1
    assert jan_eu["customers"].tolist() == [1, 1, 0, 1]


def test_empty_period_keeps_columns_aligned():
    log = pd.DataFrame(
        {
            "customer_id": pd.Series(["a", "a"], dtype="str"),
            "timestamp": pd.to_datetime(["2024-01-10", "2024-04-10"]),
            "amount": [1.0, 2.0],
        }
    )
    matrix = rl.retention_matrix(rl.cohort_retention(log))
    assert matrix.columns.tolist() == [0, 1, 2, 3]
    assert matrix.iloc[0].tolist() == [1.0, 0.0, 0.0, 1.0]


@pytest.mark.parametrize("period", ["D", "W", "M", "Q"])
def test_invariants_over_generated_logs(period):
    for seed in range(8):
        log = random_log(np.random.default_rng(seed))
        classic = rl.cohort_retention(log, period=period)
        unbounded = rl.cohort_retention(log, period=period, kind="unbounded")
        assert (classic.loc[classic["period_number"] == 0, "retention"] == 1).all()
        rates = classic["retention"].dropna()
        assert rates.between(0, 1).all()
        both = classic["retention"].notna()
        assert (unbounded.loc[both, "retention"] >= classic.loc[both, "retention"]).all()
        assert (classic["retention"].isna() == ~classic["observable"]).all()
        shuffled = log.sample(frac=1.0, random_state=seed).reset_index(drop=True)
        pd.testing.assert_frame_equal(rl.cohort_retention(shuffled, period=period), classic)
        churn = rl.churn_table(log, period=period)
        ok = churn["customers_start"] > 0
        np.testing.assert_allclose(churn.loc[ok, "churn_rate"] + churn.loc[ok, "retention_rate"], 1)


def test_partial_period_flag_depends_on_observation_end(tiny_log):
    full = rl.cohort_retention(tiny_log, observation_end="2024-04-30 23:59")
    assert not full["partial"].any()
    cut = rl.cohort_retention(tiny_log, observation_end="2024-03-31 23:59")
    assert cut["period_number"].max() == 2


@pytest.mark.parametrize("func", [rl.cohort_retention, rl.revenue_retention, rl.churn_table])
def test_duckdb_and_polars_match_pandas(func, rng):
    log = random_log(rng, n_customers=60)
    expected = func(log, by="region")
    rel = duckdb.from_df(log)
    pd.testing.assert_frame_equal(func(rel, by="region"), expected, check_dtype=False)
    pd.testing.assert_frame_equal(
        func(pl.from_pandas(log), by="region"), expected, check_dtype=False
    )


def test_small_cohorts_flagged(tiny_log):
    table = rl.cohort_retention(tiny_log, min_cohort_size=2)
    flagged = table.groupby("cohort")["small_cohort"].first().tolist()
    assert flagged == [False, False, True]


def test_bad_period_is_a_clear_error(tiny_log):
    with pytest.raises(rl.DataValidationError, match="`period` must be one of"):
        rl.cohort_retention(tiny_log, period="Y")


def test_bad_kind_is_a_clear_error(tiny_log):
    with pytest.raises(rl.DataValidationError, match="`kind` must be one of"):
        rl.cohort_retention(tiny_log, kind="rolling")


def test_missing_column_is_a_clear_error(tiny_log):
    with pytest.raises(rl.DataValidationError, match="missing column.*`amount`"):
        rl.cohort_retention(tiny_log.drop(columns="amount"))


def test_by_column_missing_is_a_clear_error(tiny_log):
    with pytest.raises(rl.DataValidationError, match="`segment`"):
        rl.cohort_retention(tiny_log, by="segment")


def test_no_purchases_is_a_clear_error(tiny_log):
    with pytest.raises(rl.DataValidationError, match="no purchases"):
        rl.cohort_retention(tiny_log[tiny_log["amount"] < 0])


def test_unknown_matrix_value_is_a_clear_error(tiny_log):
    with pytest.raises(rl.DataValidationError, match="is not a column"):
        rl.retention_matrix(rl.cohort_retention(tiny_log), value="nope")


@pytest.mark.slow
def test_online_retail_cohorts_account_for_every_row_and_penny(online_retail_path):
    raw = rl.load_transactions(online_retail_path)
    clean, report = rl.clean_transactions(raw)
    assert report.rows_kept + report.rows_removed == report.rows_read == 541_909
    table = rl.cohort_retention(clean)
    assert table["cohort"].min() == pd.Timestamp("2010-12-01")
    assert (
        table.groupby("cohort")["cohort_size"].first().sum()
        == clean.loc[clean["amount"] > 0, "customer_id"].nunique()
    )
    rev = rl.revenue_retention(clean)
    total = rev["revenue"].sum() + rev.attrs["revenue_outside_cohorts"]
    assert round(total, 2) == round(report.revenue_kept, 2)
    assert table["partial"].any()  # the log ends on 9 December 2011
    # the 9-day December 2011 is left out of the average: month 12 would be one partial cell
    curves = rl.average_retention(table)
    assert curves["period_number"].max() == 11 and curves["partial_cohorts"].sum() == 0
    text = rl.describe_retention(curves, observation_end=clean["timestamp"].max())
    assert "in month 12" not in text and "No cohort has a complete month 12 yet" in text
    assert "data end on 9 Dec 2011" in text
    # regions of one customer are left out of per-region curves, and named
    regions = rl.cohort_retention(rl.add_regions(clean, unmapped="keep")[0], by="region")
    curves = rl.average_retention(regions, by="region")
    assert not (rl.group_sizes(curves, by="region") < 20).any()
    assert "Africa (1)" in rl.describe_small_groups(regions, by="region")


def test_value_curves_leave_out_thinly_observed_periods(tiny_log):
    rev = rl.revenue_retention(tiny_log)
    # period 3 is observed for the January cohort only: 2 of 5 customers
    assert rl.value_curves(rev, min_share=0.5, include_partial=True)["period_number"].max() == 2
    assert rl.value_curves(rev, min_share=0.0, include_partial=True)["period_number"].max() == 3
    # and that period 3 cell is April, the partial month: left out by default
    assert rl.value_curves(rev, min_share=0.0)["period_number"].max() == 2


def _curves(rates, sizes, *, partial_left_out=0, partial_cohorts=0):
    """An average_retention-like frame: period 0..n with the given rates and cohort sizes."""
    n = len(rates)
    out = pd.DataFrame(
        {
            "period_number": range(n),
            "cohorts": [n - k for k in range(n)],
            "customers": [r * s for r, s in zip(rates, sizes, strict=True)],
            "cohort_size": sizes,
            "partial_cohorts": [partial_cohorts] * n,
            "partial_left_out": [partial_left_out] * n,
            "retention": rates,
        }
    )
    return out


def test_describe_retention_quotes_the_numbers(tiny_log):
    curves = rl.average_retention(rl.cohort_retention(tiny_log))
    text = rl.describe_retention(curves, observation_end=tiny_log["timestamp"].max())
    assert "50% in month 1" in text and "5 customers in 3 cohorts" in text
    assert "left out" in text and "2 Apr 2024" in text


def test_describe_retention_says_when_the_partial_period_is_included(tiny_log):
    table = rl.cohort_retention(tiny_log)
    text = rl.describe_retention(rl.average_retention(table, include_partial=True))
    assert "40% in month 1" in text and "include the incomplete last month" in text
    assert "left out" not in text
    complete = rl.cohort_retention(tiny_log, observation_end="2024-03-31 23:59")
    text = rl.describe_retention(rl.average_retention(complete))
    assert "incomplete" not in text


def test_describe_retention_fades_rises_or_holds_as_the_numbers_do():
    sizes = [1000, 900, 800, 700, 600, 500, 400]
    fades = rl.describe_retention(_curves([1, 0.4, 0.35, 0.3, 0.28, 0.25, 0.2], sizes))
    assert "fades from 40% in month 1 to 20% in month 6" in fades and "rises" not in fades
    rises = rl.describe_retention(_curves([1, 0.2, 0.22, 0.25, 0.26, 0.27, 0.3], sizes))
    assert "rises from 20% in month 1 to 30% in month 6" in rises and "older cohorts" in rises
    level = rl.describe_retention(_curves([1, 0.3, 0.3, 0.31, 0.3, 0.3, 0.305], sizes))
    assert "holds level" in level and "fades" not in level and "rises" not in level


def test_describe_retention_flags_a_period_resting_on_few_customers():
    sizes = [1000] + [900] * 11 + [150]  # month 12: one small cohort, 15% of customers
    rates = [1.0] + [0.3] * 11 + [0.5]
    text = rl.describe_retention(_curves(rates, sizes))
    assert "50% in month 12" in text and "Month 12 rests on 1 cohort (150 customers" in text
    solid = rl.describe_retention(_curves(rates, [1000] + [900] * 12))
    assert "rests on" not in solid


def test_describe_retention_names_periods_no_cohort_has_reached():
    text = rl.describe_retention(_curves([1, 0.3, 0.25, 0.2], [100, 90, 80, 70]))
    assert "No cohort has a complete month 6 or 12 yet." in text
    assert "in month 3" in text


def test_describe_retention_quotes_weeks_for_weekly_curves():
    rates = [1.0] + [0.2] * 30
    text = rl.describe_retention(_curves(rates, [100] * 31), period="W")
    assert "week 1" in text and "week 4" in text and "week 13" in text and "week 26" in text
    assert "week 3" not in text and "month" not in text


def test_describe_retention_refuses_several_groups(tiny_log):
    table = rl.cohort_retention(tiny_log, by="region")
    curves = rl.average_retention(table, by="region", min_customers=0)
    with pytest.raises(rl.DataValidationError, match="several `region` groups"):
        rl.describe_retention(curves)


def test_describe_value_curves_quotes_the_numbers(tiny_log):
    rev = rl.revenue_retention(tiny_log, by="region")
    curves = rl.value_curves(rev, by="region", min_share=0, min_customers=0, include_partial=True)
    text = rl.describe_value_curves(curves, currency="EUR", by="region", at=1)
    # Europe: A (30) + C (24) + E (1) over 3 customers; Asia: B (5) + D (4) over 2
    assert "Europe 18" in text and "Asia 4" in text and "EUR" in text
    assert "include the incomplete last month" in text


def test_describe_value_curves_says_what_the_value_rests_on(tiny_log):
    rev = rl.revenue_retention(tiny_log)
    curves = rl.value_curves(rev, min_share=0)
    text = rl.describe_value_curves(curves, currency="EUR", at=2, min_basis=0.5)
    # month 2 is observed complete for the January cohort only (2 of 5 customers)
    assert "over 1 cohort (2 customers)" in text and "40% of the customers" in text
    assert "read it with care" not in rl.describe_value_curves(curves, at=2, min_basis=0.25)
    assert "left out" in text
    text = rl.describe_value_curves(rl.value_curves(rev, min_share=0), currency="EUR", at=12)
    assert "Month 12 is not shown" in text and "After 2 months" in text
    full = rl.describe_value_curves(rl.value_curves(rev), currency="EUR", at=1)
    assert "read it with care" not in full and "Month 1 is not shown" not in full


def test_describe_churn_warns_about_the_incomplete_last_period(tiny_log):
    churn = rl.churn_table(tiny_log)
    text = rl.describe_churn(churn)
    # March: of the 2 customers active in February (A, C, D -> 3), ...
    last = churn[~churn["partial"]].iloc[-1]
    assert f"of the {int(last['customers_start'])} customers who bought in Feb 2024" in text
    assert "Apr 2024 is incomplete" in text and "reads high by design" in text
    complete = rl.churn_table(tiny_log, observation_end="2024-03-31 23:59")
    assert "incomplete" not in rl.describe_churn(complete)


def test_small_groups_can_be_left_out_of_curves(tiny_log):
    table = rl.cohort_retention(tiny_log, by="region")
    # Europe acquired 3 customers (A, C, E), Asia 2 (B, D)
    assert set(rl.average_retention(table, by="region", min_customers=3)["region"]) == {"Europe"}
    rev = rl.revenue_retention(tiny_log, by="region")
    assert set(rl.value_curves(rev, by="region", min_customers=3)["region"]) == {"Europe"}
    both = rl.average_retention(table, by="region", min_customers=0)
    assert set(both["region"]) == {"Europe", "Asia"}
    # by default groups below MIN_GROUP_CUSTOMERS (20) are left out, and the note says so
    assert rl.average_retention(table, by="region").empty
    with pytest.raises(rl.DataValidationError, match="several `region` groups"):
        rl.average_retention(table)  # a split table is never averaged as one
    note = rl.describe_small_groups(table, by="region")
    assert "Asia (2) and Europe (3)" in note and "none is shown" in note


@pytest.mark.parametrize("column", ["amount", "customer_id", "timestamp"])
def test_missing_values_are_a_clear_error_not_a_silent_drop(tiny_log, column, tmp_path):
    log = tiny_log.copy()
    log.loc[3, column] = None
    with pytest.raises(rl.DataValidationError, match=f"Column `{column}` has 1 missing value"):
        rl.cohort_retention(log)
    with pytest.raises(rl.DataValidationError, match=f"Column `{column}` has 1 missing value"):
        rl.cohort_retention(duckdb.from_df(log))
    # a Parquet file: DuckDB counts the nulls of the ids and dates as filtered counts
    log.to_parquet(tmp_path / "log.parquet")
    with pytest.raises(rl.DataValidationError, match=f"Column `{column}` has 1 missing value"):
        rl.cohort_retention(str(tmp_path / "log.parquet"))
    with pytest.raises(rl.DataValidationError, match=f"Column `{column}` has 1 missing value"):
        rl.rfm_summary(str(tmp_path / "log.parquet"))
