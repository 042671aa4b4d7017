"""A/B test of a retention initiative: outcomes, tests and intervals against hand values."""

from __future__ import annotations

import math

import duckdb
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from scipy import stats

import retention_lib.abtest as A
from retention_lib._validation import DataValidationError, SmallSampleWarning
from retention_lib.plotting.abtest import plot_ab_test

Z95 = 1.959963984540054


def outcomes(k1: int, n1: int, k0: int, n0: int) -> pd.DataFrame:
    treat = np.r_[np.ones(n1, bool), np.zeros(n0, bool)]
    retained = np.r_[np.arange(n1) < k1, np.arange(n0) < k0]
    return pd.DataFrame(
        {"customer_id": [f"c{i}" for i in range(n1 + n0)], "treatment": treat, "retained": retained}
    )


def wilson(k: int, n: int) -> tuple[float, float]:
    p = k / n
    den = 1 + Z95**2 / n
    c = (p + Z95**2 / (2 * n)) / den
    h = Z95 * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n * n)) / den
    return c - h, c + h


def test_two_proportion_test_by_hand():
    res = A.ab_test(outcomes(30, 50, 20, 50), metrics="retained").iloc[0]
    assert res["treatment"] == 0.6 and res["control"] == 0.4
    assert res["difference"] == pytest.approx(0.2)
    assert res["relative_lift"] == pytest.approx(0.5)
    # pooled p = 0.5: z = 0.2 / sqrt(0.25 x (1/50 + 1/50)) = 2
    assert res["p_value"] == pytest.approx(2 * stats.norm.sf(2.0))
    assert res["test"] == "two-proportion z" and res["significant"]
    # Newcombe (1998) method 10 from the two Wilson intervals
    l1, u1 = wilson(30, 50)
    l0, u0 = wilson(20, 50)
    assert res["ci_low"] == pytest.approx(0.2 - math.sqrt((0.6 - l1) ** 2 + (u0 - 0.4) ** 2))
    assert res["ci_high"] == pytest.approx(0.2 + math.sqrt((u1 - 0.6) ** 2 + (0.4 - l0) ** 2))


def test_small_counts_use_fisher_exact_by_hand():
    with pytest.warns(SmallSampleWarning, match="Small groups \\(6 treated, 6 control"):
        res = A.ab_test(outcomes(5, 6, 1, 6), metrics="retained").iloc[0]
    # hypergeometric(12, 6, 6): P(X >= 5) + P(X <= 1) = 2 x (36 + 1) / 924
    assert res["p_value"] == pytest.approx(2 * 37 / 924)
    assert res["test"] == "Fisher exact"
    assert not res["significant"]


def test_welch_test_by_hand():
    df = pd.DataFrame(
        {"treatment": [True] * 3 + [False] * 4, "revenue": [10.0, 20, 30, 5, 5, 15, 15]}
    )
    with pytest.warns(SmallSampleWarning):
        res = A.ab_test(df, metrics="revenue").iloc[0]
    assert res["difference"] == pytest.approx(10.0)
    v1, v0 = 100 / 3, (100 / 3) / 4  # s^2 / n per group
    se = math.sqrt(v1 + v0)
    dof = (v1 + v0) ** 2 / (v1**2 / 2 + v0**2 / 3)  # Welch-Satterthwaite
    assert res["p_value"] == pytest.approx(2 * stats.t.sf(10 / se, dof))
    half = stats.t.ppf(0.975, dof) * se
    assert res["ci_low"] == pytest.approx(10 - half)
    assert res["ci_high"] == pytest.approx(10 + half)
    assert res["test"] == "Welch t"


def test_outcomes_from_transactions_by_hand(tiny_log):
    assign = pd.DataFrame({"customer_id": list("ABCDE"), "treatment": [1, 1, 0, 0, 0]})
    out = A.ab_outcomes(tiny_log, assign, start="2024-03-01").set_index("customer_id")
    # in the window: A Apr 1 (30), B Mar 15 (15), C Mar 1 (9), D nothing, E Mar 30 (6) - 5
    assert out["orders"].tolist() == [1, 1, 1, 0, 1]
    assert out["revenue"].tolist() == [30.0, 15.0, 9.0, 0.0, 1.0]
    assert out["retained"].tolist() == [True, True, True, False, True]
    assert out["treatment"].tolist() == [True, True, False, False, False]
    duck = A.ab_outcomes(duckdb.from_df(tiny_log), assign, start="2024-03-01")
    pd.testing.assert_frame_equal(duck, out.reset_index(), check_like=True)
    short = A.ab_outcomes(tiny_log, assign, start="2024-01-01", end="2024-02-15")
    assert short.set_index("customer_id").loc["C", "orders"] == 1


def test_too_small_groups_are_refused_with_a_clear_message():
    with pytest.raises(DataValidationError, match="too small to compare: 1 treated and 3"):
        A.ab_test(outcomes(1, 1, 1, 3), metrics="retained")


def test_validation_messages():
    with pytest.raises(DataValidationError, match="unknown metric\\(s\\) 'churn'"):
        A.ab_test(outcomes(3, 5, 2, 5), metrics="churn")
    with pytest.raises(DataValidationError, match="missing column\\(s\\) `revenue`"):
        A.ab_test(outcomes(3, 5, 2, 5), metrics="revenue")
    bad = pd.DataFrame({"customer_id": ["a", "b"], "treatment": ["yes", "no"]})
    with pytest.raises(DataValidationError, match="`treatment` must be True/False"):
        A.ab_outcomes(pd.DataFrame(), bad, start="2024-01-01")
    dup = pd.DataFrame({"customer_id": ["a", "a"], "treatment": [True, False]})
    with pytest.raises(DataValidationError, match="lists customers more than once"):
        A.ab_outcomes(pd.DataFrame(), dup, start="2024-01-01")


def test_random_assignment_is_reproducible_and_order_free():
    ids = [f"c{i}" for i in range(101)]
    a = A.random_assignment(ids, treatment_share=0.3, seed=4)
    b = A.random_assignment(list(reversed(ids)), treatment_share=0.3, seed=4)
    pd.testing.assert_frame_equal(a, b)
    assert a["treatment"].sum() == 30
    assert not a.equals(A.random_assignment(ids, treatment_share=0.3, seed=5))


def test_aa_test_on_random_data_is_not_significant(rng):
    n = 400
    df = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(n)],
            "retained": rng.random(n) < 0.4,
            "revenue": rng.gamma(2, 50, n),
        }
    )
    df = df.merge(A.random_assignment(df, seed=1), on="customer_id")
    df["repeat"] = df["retained"] & (rng.random(n) < 0.5)
    res = A.ab_test(df)
    assert res["metric"].tolist() == ["retained", "repeat", "revenue"]
    assert (res["ci_low"] <= res["difference"]).all() and (
        res["difference"] <= res["ci_high"]
    ).all()
    fig, ax = plt.subplots()
    assert plot_ab_test(res, ax=ax) is ax
    assert [t.get_text().rstrip(" *") for t in ax.get_yticklabels()] == res["metric"].tolist()


# --------------------------------------------------------------------------- readings


def _result(significant, lifts=(-0.035, -0.059, -0.288), p=(0.24, 0.24, 0.06)):
    return pd.DataFrame(
        {
            "metric": ["retained", "repeat", "revenue"],
            "relative_lift": list(lifts),
            "p_value": list(p),
            "significant": significant,
        }
    )


def test_describe_ab_test_random_split():
    assert A.describe_ab_test(_result([False] * 3), random_split=True) == (
        "0 of 3 metrics differ significantly between the random halves, as expected for an A/A "
        "test."
    )
    text = A.describe_ab_test(_result([False, False, True]), random_split=True)
    assert "1 of 3 metrics differ significantly" in text and "chance" in text


def test_describe_ab_test_campaign():
    text = A.describe_ab_test(
        _result([True, False, False], lifts=(0.041, 0.01, 0.02), p=(0.012, 0.3, 0.5))
    )
    assert (
        text
        == "Treatment differs significantly on retained (+4.1%, p = 0.012); not on repeat and revenue."
    )
    assert f"{100 * 0.041:+.1f}%" in text  # the fraction 0.041, shown in percent
    none = A.describe_ab_test(_result([False] * 3))
    assert none.startswith("No metric differs significantly") and "miss a real effect" in none


def test_assignment_from_column_reads_each_customers_flag():
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "c", "d"],
            "campaign": ["Treatment", "treatment", "control", 1, None],
        }
    )
    with pytest.warns(A.AssumptionWarning, match="1 customers have no value"):
        got = A.assignment_from_column(tx, "campaign")
    assert got.to_dict("list") == {"customer_id": ["a", "b", "c"], "treatment": [True, False, True]}
    tx.loc[1, "campaign"] = "control"
    with pytest.raises(DataValidationError, match=r"both treated and control .*a"):
        A.assignment_from_column(tx, "campaign")
    tx.loc[1, "campaign"] = "maybe"
    with pytest.raises(DataValidationError, match="found 'maybe' for customers"):
        A.assignment_from_column(tx, "campaign")
    with pytest.raises(DataValidationError, match="`arm` is not in the log"):
        A.assignment_from_column(tx, "arm")
