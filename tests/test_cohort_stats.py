"""Wilson intervals on retention cells and curves; compare_retention and its reading."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

import retention_lib as rl
from retention_lib import (
    DataValidationError,
    SmallSampleWarning,
    compare_retention,
    describe_retention_comparison,
    retention_intervals,
)
from retention_lib.plotting import plot_retention_intervals


def _table(
    cells: list[tuple[str, int, int, float | None]], partial: set = frozenset()
) -> pd.DataFrame:
    """cohort (YYYY-MM), period_number, cohort_size, customers (None: not observable)."""
    frame = pd.DataFrame(cells, columns=["cohort", "period_number", "cohort_size", "customers"])
    frame["cohort"] = pd.to_datetime(frame["cohort"])
    frame["customers"] = frame["customers"].astype(float)
    frame["observable"] = frame["customers"].notna()
    frame["partial"] = [(c, k) in partial for c, k, _, _ in cells]
    frame["retention"] = frame["customers"] / frame["cohort_size"]
    return frame


A = _table(
    [
        ("2024-01", 0, 400, 400),
        ("2024-01", 1, 400, 120),
        ("2024-01", 2, 400, 100),
        ("2024-02", 0, 300, 300),
        ("2024-02", 1, 300, 75),
        ("2024-02", 2, 300, None),
    ],
    partial={("2024-02", 1)},
)
B = _table(
    [
        ("2024-01", 0, 500, 500),
        ("2024-01", 1, 500, 190),
        ("2024-01", 2, 500, 150),
        ("2024-02", 0, 200, 200),
        ("2024-02", 1, 200, 60),
        ("2024-02", 2, 200, None),
    ],
)


def test_wilson_interval_of_every_cell_matches_scipy():
    out = retention_intervals(A)
    for row in out[out["observable"]].itertuples():
        ci = stats.binomtest(int(row.customers), int(row.cohort_size)).proportion_ci(
            confidence_level=0.95, method="wilson"
        )
        assert row.lower == pytest.approx(ci.low, abs=1e-12)
        assert row.upper == pytest.approx(ci.high, abs=1e-12)
    assert out.loc[~out["observable"], ["lower", "upper"]].isna().all().all()


def test_curve_intervals_rest_on_the_customers_who_could_be_observed(tiny_log):
    table = rl.cohort_retention(tiny_log, min_cohort_size=1)
    curves = retention_intervals(rl.average_retention(table), level=0.9)
    narrow = retention_intervals(rl.average_retention(table), level=0.5)
    assert (curves["lower"] <= narrow["lower"]).all() and (narrow["upper"] <= curves["upper"]).all()
    first = curves[curves["period_number"] == 1].iloc[0]
    lo, hi = stats.binomtest(int(first["customers"]), int(first["cohort_size"])).proportion_ci(
        confidence_level=0.9, method="wilson"
    )
    assert (first["lower"], first["upper"]) == pytest.approx((lo, hi))


@settings(max_examples=60, deadline=None)
@given(n=st.integers(1, 10_000), share=st.floats(0, 1), level=st.floats(0.5, 0.999))
def test_intervals_hold_the_estimate_inside_zero_one(n, share, level):
    k = round(n * share)
    cells = pd.DataFrame({"customers": [k], "cohort_size": [n]})
    out = retention_intervals(cells, level=level).iloc[0]
    assert 0 <= out["lower"] <= k / n <= out["upper"] <= 1


def test_compare_two_tables_counts_only_cohorts_old_enough():
    result = compare_retention(A, B, period=1, labels=("before", "after")).iloc[0]
    # A's February cell is the partial month: left out, so A counts 400 customers, B 700
    assert (result["customers_a"], result["retained_a"], result["cohorts_a"]) == (400, 120, 1)
    assert (result["customers_b"], result["retained_b"], result["cohorts_b"]) == (700, 250, 2)
    assert result["difference"] == pytest.approx(250 / 700 - 120 / 400)
    chi2 = stats.chi2_contingency(np.array([[250, 450], [120, 280]]), correction=False)
    assert result["p_value"] == pytest.approx(chi2.pvalue)
    assert result["test"] == "two-proportion z"
    assert result["difference_lower"] < result["difference"] < result["difference_upper"]
    h = 2 * np.arcsin(np.sqrt(250 / 700)) - 2 * np.arcsin(np.sqrt(0.3))
    assert result["cohens_h"] == pytest.approx(h)
    with_partial = compare_retention(A, B, period=1, include_partial=True).iloc[0]
    assert with_partial["customers_a"] == 700


def test_same_cohorts_leaves_out_a_cohort_one_side_lacks():
    a = A[A["cohort"] == "2024-01-01"]
    both = compare_retention(a, B, period=1, same_cohorts=True).iloc[0]
    assert both["customers_b"] == 500 and both["cohorts_b"] == 1


def test_compare_groups_of_one_table(tiny_log):
    a, b = A.assign(plan="basic"), B.assign(plan="pro")
    table = pd.concat([a, b], ignore_index=True)
    by_group = compare_retention(table, period=2, by="plan").iloc[0]
    two_tables = compare_retention(A, B, period=2).iloc[0]
    assert by_group["label_a"] == "basic" and by_group["label_b"] == "pro"
    assert by_group["p_value"] == pytest.approx(two_tables["p_value"])
    three = pd.concat([table, A.assign(plan="team")], ignore_index=True)
    with pytest.raises(DataValidationError, match="3 groups"):
        compare_retention(three, period=1, by="plan")
    chosen = compare_retention(three, period=1, by="plan", groups=("team", "pro")).iloc[0]
    assert chosen["label_a"] == "team"
    with pytest.raises(DataValidationError, match="not values of `plan`"):
        compare_retention(three, period=1, by="plan", groups=("team", "enterprise"))


def test_small_and_empty_sides(tiny_log):
    small = _table([("2024-01", 0, 10, 10), ("2024-01", 1, 10, 2)])
    with pytest.warns(SmallSampleWarning, match="only 10 customers"):
        result = compare_retention(small, B, period=1).iloc[0]
    assert result["test"] == "Fisher exact"
    with pytest.raises(DataValidationError, match="earlier `period`"):
        compare_retention(A, B, period=5)
    with pytest.raises(DataValidationError, match="Pass `table_b`"):
        compare_retention(A, period=1)
    with pytest.raises(DataValidationError, match="missing column"):
        compare_retention(A.drop(columns="observable"), B, period=1)


def test_reading_says_when_the_difference_is_chance():
    # 5.7 points on 400 and 700 customers: p = 0.054, not enough to tell
    chance = describe_retention_comparison(compare_retention(A, B, period=1))
    assert "B kept 35.7% of 700 customers (2 cohorts) and A 30.0% of 400 (1 cohort)" in chance
    assert "5.7 points more for B" in chance and "within what chance alone produces" in chance
    better = _table([("2024-01", 0, 500, 500), ("2024-01", 1, 500, 250)])
    clear = describe_retention_comparison(compare_retention(A, better, period=1))
    assert "20.0 points more for B" in clear and "unlikely by chance" in clear
    assert "its size is medium" in clear or "its size is small" in clear
    worse = describe_retention_comparison(compare_retention(better, A, period=1))
    assert "20.0 points fewer for B" in worse


def test_bands_are_drawn_per_group(tiny_log):
    log = tiny_log.assign(region=np.where(tiny_log["customer_id"] < "C", "EU", "US"))
    curves = retention_intervals(
        rl.average_retention(
            rl.cohort_retention(log, by="region", min_cohort_size=1), by="region", min_customers=0
        )
    )
    ax = plot_retention_intervals(curves, by="region", start=0)
    assert len(ax.collections) == 2 and len(ax.get_lines()) == 2
    with pytest.raises(ValueError, match="retention_intervals"):
        plot_retention_intervals(rl.average_retention(rl.cohort_retention(log, min_cohort_size=1)))
