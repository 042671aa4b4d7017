"""Retention KPIs: every formula against a hand computation, plus invariants and validation."""

from __future__ import annotations

import math

import duckdb
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import retention_lib as rl
import retention_lib.kpis as K
from retention_lib._validation import DataValidationError, SmallSampleWarning

Z95 = 1.959963984540054


# --------------------------------------------------------------------------- formulas


def test_churn_and_retention_rate_by_hand():
    assert K.churn_rate(lost=20, start=200) == pytest.approx(0.1)
    # (E - N) / S = (190 - 30) / 200
    assert K.retention_rate(end=190, new=30, start=200) == pytest.approx(0.8)
    assert K.churn_rate(0, 5) == 0.0


def test_churn_and_retention_rate_validation():
    with pytest.raises(DataValidationError, match="`lost` \\(30\\) exceeds `start` \\(20\\)"):
        K.churn_rate(30, 20)
    with pytest.raises(DataValidationError, match="`start` is 0"):
        K.churn_rate(0, 0)
    with pytest.raises(DataValidationError, match="`end` - `new` = 50 must lie between 0"):
        K.retention_rate(end=80, new=30, start=40)
    with pytest.raises(DataValidationError, match="`new` must be a finite count >= 0"):
        K.retention_rate(end=80, new=-1, start=40)
    with pytest.raises(TypeError, match="`start` must be a number"):
        K.churn_rate(1, "many")


def test_retention_roi_by_hand():
    # (15,000 - 5,000) / 5,000: a fraction of the cost
    assert K.retention_roi(15_000, 5_000) == pytest.approx(2.0)
    assert K.retention_roi(4_000, 5_000) == pytest.approx(-0.2)
    with pytest.raises(DataValidationError, match="`retention_cost` must be in \\(0"):
        K.retention_roi(100, 0)


def test_ltv_cac_by_hand():
    out = K.ltv_cac(pd.Series([600.0, 290.0], index=["email", "ads"]), 100.0)
    assert out.index.tolist() == ["email", "ads"]
    assert out["ltv_cac_ratio"].tolist() == pytest.approx([6.0, 2.9])
    assert out["healthy"].tolist() == [True, False]  # 3:1 rule
    assert bool(K.ltv_cac(300, 100)["healthy"].item())  # exactly 3:1 is healthy
    with pytest.raises(DataValidationError, match="`cac` must be finite and > 0; found 0"):
        K.ltv_cac(300, [100, 0])


# --------------------------------------------------------------------------- from transactions


def counts_log() -> pd.DataFrame:
    """P: Jan 10 (x), Mar 10 (y); Q: Jan 15 (x); R: Jan 20 (x), Feb 20 (x); S: Mar 5 (z);
    T: Jan 5 (x). Regions: P, Q in X; R, S, T in Y."""
    rows = [
        ("P", "2024-01-10", "x"),
        ("P", "2024-03-10", "y"),
        ("Q", "2024-01-15", "x"),
        ("R", "2024-01-20", "x"),
        ("R", "2024-02-20", "x"),
        ("S", "2024-03-05", "z"),
        ("T", "2024-01-05", "x"),
    ]
    df = pd.DataFrame(rows, columns=["customer_id", "timestamp", "product_code"])
    df["timestamp"] = pd.to_datetime(df["timestamp"])
    df["amount"] = 10.0
    for c in ("customer_id", "product_code"):
        df[c] = df[c].astype("str")
    df["region"] = pd.Series(np.where(df["customer_id"].isin(["P", "Q"]), "X", "Y"), dtype="str")
    return df


def test_customer_counts_by_hand():
    # start Feb 1, end Apr 1, active = purchase in the 31 days before:
    # S = {P, Q, R, T}; E = {P, S}; retained {P}; lost {Q, R, T}; new {S}
    c = K.customer_counts(counts_log(), start="2024-02-01", end="2024-04-01", active_days=31).iloc[
        0
    ]
    assert (c["customers_start"], c["customers_end"], c["retained"], c["lost"], c["new"]) == (
        4,
        2,
        1,
        3,
        1,
    )
    assert c["churn_rate"] == pytest.approx(0.75)
    assert c["retention_rate"] == pytest.approx(0.25)
    assert c["churn_rate"] == pytest.approx(K.churn_rate(c["lost"], c["customers_start"]))
    assert c["retention_rate"] == pytest.approx(
        K.retention_rate(c["customers_end"], c["new"], c["customers_start"])
    )


def test_customer_counts_by_group_and_engine():
    kw = dict(start="2024-02-01", end="2024-04-01", active_days=31, by="region")
    by = K.customer_counts(counts_log(), **kw).set_index("region")
    assert by.loc["X", "churn_rate"] == pytest.approx(0.5)  # P kept, Q lost
    assert by.loc["Y", "churn_rate"] == pytest.approx(1.0)  # R, T lost; S new
    assert by.loc["Y", "retention_rate"] == pytest.approx(0.0)
    pd.testing.assert_frame_equal(
        K.customer_counts(duckdb.from_df(counts_log()), **kw), by.reset_index()
    )


def test_rebuy_and_upsell_rates_by_hand():
    # earlier customers (before Feb 1): P, Q, R, T. Bought again: P, R -> 50%.
    # A product new to them: P (y after x) -> 25%; R bought x again.
    assert K.rebuy_rate(counts_log(), start="2024-02-01", end="2024-04-01") == pytest.approx(0.5)
    assert K.upsell_rate(counts_log(), start="2024-02-01") == pytest.approx(0.25)
    assert K.upsell_rate(duckdb.from_df(counts_log()), start="2024-02-01") == pytest.approx(0.25)
    with pytest.raises(DataValidationError, match="No customer bought before `start`"):
        K.rebuy_rate(counts_log(), start="2023-01-01")
    with pytest.raises(DataValidationError, match="missing column.*`product_code`"):
        K.upsell_rate(counts_log().drop(columns="product_code"), start="2024-02-01")
    with pytest.raises(DataValidationError, match="`end` .* must be after `start`"):
        K.rebuy_rate(counts_log(), start="2024-02-01", end="2024-01-01")


def test_kpi_summary_collects_the_rates():
    s = K.kpi_summary(counts_log(), start="2024-02-01", end="2024-04-01", active_days=31)
    v = s.set_index("kpi")["value"]
    assert v["churn rate"] == pytest.approx(0.75)
    assert v["retention rate"] == pytest.approx(0.25)
    assert v["re-buy rate"] == pytest.approx(0.5)
    assert v["upsell rate"] == pytest.approx(0.25)
    assert v["repeat purchase rate"] == pytest.approx(0.4)  # P, R of 5
    assert (
        v["repeat purchase rate"]
        == rl.repeat_purchase_rates(counts_log())["repeat_purchase_rate"].item()
    )
    assert set(s.loc[s["kpi"].str.endswith("rate"), "unit"]) == {"share"}
    assert s["formula"].str.len().gt(0).all()


# --------------------------------------------------------------------------- NPS


def test_nps_by_hand_with_adjusted_wald_interval():
    out = K.nps([10, 9, 8, 7, 6], min_responses=1).iloc[0]
    assert (out["promoters"], out["passives"], out["detractors"]) == (2, 2, 1)
    assert out["nps"] == pytest.approx(20.0)  # 40% - 20%
    # Rocks (2016) adjusted Wald: n' = 8, p' = 2.75/8, d' = 1.75/8
    p, d = 2.75 / 8, 1.75 / 8
    half = Z95 * math.sqrt((p + d - (p - d) ** 2) / 8)
    assert out["ci_low"] == pytest.approx((p - d - half) * 100, abs=1e-9)
    assert out["ci_high"] == pytest.approx((p - d + half) * 100, abs=1e-9)


def test_nps_extremes_missing_answers_and_groups():
    assert K.nps([10] * 40)["nps"].item() == 100.0
    assert K.nps([0] * 40)["ci_low"].item() == -100.0
    survey = pd.DataFrame({"nps": [10, 9, None, 3, 7, 10], "region": list("AABBBA")})
    out = K.nps(survey, by="region", min_responses=1).set_index("region")
    assert out.loc["A", "nps"] == pytest.approx(100.0)
    assert out.loc["B", "nps"] == pytest.approx(-50.0)  # 3 -> detractor, 7 passive
    assert out.loc["B", "n_missing"] == 1


def test_nps_warns_for_small_samples():
    with pytest.warns(SmallSampleWarning, match="Only 5 NPS answer"):
        K.nps([10, 9, 8, 7, 6])


def test_nps_refuses_answers_off_the_scale():
    with pytest.raises(
        DataValidationError, match="`responses` must hold whole numbers from 0 to 10; found 11"
    ):
        K.nps([10, 11, 3], min_responses=1)
    with pytest.raises(DataValidationError, match="found 8.5"):
        K.nps(pd.DataFrame({"nps": [8.5, 9]}), min_responses=1)
    with pytest.raises(DataValidationError, match="non-numeric answers"):
        K.nps(["ten", 9], min_responses=1)
    with pytest.raises(DataValidationError, match="missing column\\(s\\) `score`"):
        K.nps(pd.DataFrame({"nps": [9]}), column="score")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(0, 10), min_size=1, max_size=200))
def test_nps_invariants(answers):
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SmallSampleWarning)
        out = K.nps(answers).iloc[0]
        shuffled = K.nps(list(reversed(answers))).iloc[0]
    assert -100 <= out["nps"] <= 100
    assert -100 <= out["ci_low"] <= out["ci_high"] <= 100
    assert out["promoters"] + out["passives"] + out["detractors"] == len(answers)
    assert out["nps"] == shuffled["nps"]


# --------------------------------------------------------------------------- CSAT, CES, loyalty


def test_csat_by_hand_with_wilson_interval():
    out = K.csat([5, 4, 3, 2, 5], min_responses=1).iloc[0]
    assert out["n_satisfied"] == 3 and out["csat"] == pytest.approx(0.6)
    # Wilson (1927): centre (p + z^2/2n) / (1 + z^2/n), half z sqrt(p q / n + z^2/4n^2) / (..)
    p, n, z = 0.6, 5, Z95
    den = 1 + z**2 / n
    centre = (p + z**2 / (2 * n)) / den
    half = z * math.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / den
    assert out["ci_low"] == pytest.approx(centre - half)
    assert out["ci_high"] == pytest.approx(centre + half)
    ten = K.csat([10, 8, 7, 1], scale=(1, 10), satisfied_from=8, min_responses=1)
    assert ten["csat"].item() == pytest.approx(0.5)
    with pytest.raises(DataValidationError, match="`csat` must hold whole numbers from 1 to 5"):
        K.csat(pd.DataFrame({"csat": [0, 5]}), min_responses=1)
    with pytest.raises(DataValidationError, match="`satisfied_from` must lie within"):
        K.csat([5], satisfied_from=6, min_responses=1)


def test_ces_by_hand():
    out = K.ces([7, 6, 5, 2], min_responses=1).iloc[0]
    assert out["ces"] == pytest.approx(5.0)
    sd = math.sqrt((4 + 1 + 0 + 9) / 3)
    half = 3.182446305284263 * sd / 2  # t(0.975, 3) x s / sqrt(4)
    assert out["ci_low"] == pytest.approx(5 - half)
    assert out["ci_high"] == pytest.approx(5 + half)
    assert out["easy_share"] == pytest.approx(0.5)  # 6 and 7 of 1-7
    with pytest.raises(DataValidationError, match="found 8"):
        K.ces([8, 1], min_responses=1)


def test_loyalty_score_by_hand():
    survey = pd.DataFrame(
        {
            "loyalty_rebuy": [9, 6, 10],
            "loyalty_try_new": [6, 3, None],
            "loyalty_recommend": [9, 6, 10],
        }
    )
    out = K.loyalty_score(survey, min_responses=1).iloc[0]
    # respondents: (9+6+9)/3 = 8, (6+3+6)/3 = 5; the third skipped a question
    assert out["loyalty_score"] == pytest.approx(6.5)
    assert out["n"] == 2 and out["n_missing"] == 1
    assert out["loyalty_try_new"] == pytest.approx(4.5)
    with pytest.raises(DataValidationError, match="must name the three loyalty questions"):
        K.loyalty_score(survey, columns=["loyalty_rebuy"])


def test_link_survey_adds_first_purchase_attributes(tiny_log):
    survey = pd.DataFrame({"customer_id": ["A", "D", "Z"], "nps": [10, 3, 8]})
    with pytest.warns(SmallSampleWarning, match="1 survey answer\\(s\\) come from customers"):
        linked = K.link_survey(survey, tiny_log)
    assert linked["region"].tolist() == ["Europe", "Asia", "Unknown"]
    assert "segment" not in linked.columns  # tiny_log has no segment
    assert linked["nps"].tolist() == [10, 3, 8]


def test_sample_survey_kpis_are_in_range():
    from retention_lib.datasets import load_sample_survey

    survey = load_sample_survey()
    assert -100 <= K.nps(survey)["nps"].item() <= 100
    assert 0 <= K.csat(survey)["csat"].item() <= 1
    assert 1 <= K.ces(survey)["ces"].item() <= 7
    assert 0 <= K.loyalty_score(survey)["loyalty_score"].item() <= 10


def test_survey_summary_puts_each_score_beside_its_own_function():
    survey = pd.DataFrame(
        {
            "nps": [10, 9, 3, 7, 8, 10, 2, 9],
            "csat": [5, 4, 2, 3, 4, 5, 1, 4],
            "region": list("AAAABBBB"),
        }
    )
    out = K.survey_summary(survey, min_responses=1)
    assert out.columns.tolist() == ["score", "value", "ci_low", "ci_high", "n"]
    assert out["score"].tolist() == ["NPS", "CSAT (share)"]
    assert out.attrs["missing_scores"] == ["CES (1-7)", "Loyalty (0-10)"]
    # 4 promoters, 2 detractors of 8: NPS 25; 5 of 8 answers 4-5: CSAT 62.5
    assert out["value"].tolist() == pytest.approx([25.0, 0.625])
    nps = K.nps(survey, min_responses=1).iloc[0]
    assert out.iloc[0][["ci_low", "ci_high"]].tolist() == [nps["ci_low"], nps["ci_high"]]
    assert out["n"].tolist() == [8, 8]
    by = K.survey_summary(survey, by="region", min_responses=1)
    assert by[["region", "score"]].values.tolist() == [
        ["A", "NPS"],
        ["B", "NPS"],
        ["A", "CSAT (share)"],
        ["B", "CSAT (share)"],
    ]
    with pytest.warns(SmallSampleWarning):
        K.survey_summary(survey)
    with pytest.raises(DataValidationError, match="none of the survey score columns"):
        K.survey_summary(survey[["region"]])


def test_kpi_view_matches_library_calls():
    from retention_lib.widgets.kpis import kpi_explorer, kpi_view

    survey = pd.DataFrame(
        {
            "nps": [10, 9, 3, 7, 8, 10, 2, 9],
            "csat": [5, 4, 2, 3, 4, 5, 1, 4],
            "ces": [7, 6, 2, 4, 5, 7, 1, 6],
            "loyalty_rebuy": [9, 8, 2, 6, 7, 10, 1, 9],
            "loyalty_try_new": [8, 7, 1, 5, 6, 9, 2, 8],
            "loyalty_recommend": [10, 9, 3, 7, 8, 10, 2, 9],
            "region": list("AAAABBBB"),
            "segment": list("stststst"),
        }
    )
    survey = pd.concat([survey, survey.assign(segment="t")], ignore_index=True)  # A/s: 2 answers
    table, fig = kpi_view(survey, region="A")
    expected = K.nps(survey[survey["region"] == "A"], min_responses=1)["nps"].item()
    assert table.set_index("kpi").loc["NPS", "value"] == pytest.approx(expected)
    assert fig.axes
    with pytest.raises(DataValidationError, match="pick a wider selection"):
        kpi_view(survey, region="A", segment="s")
    assert len(kpi_explorer(survey).children) == 2


def test_ltv_cac_verdict_follows_the_3_to_1_rule():
    out = K.ltv_cac([300.0, 50.0, 200.0, 900.0], 100.0)
    assert out["verdict"].tolist() == [
        "healthy (3:1 or better)",
        "losing money",
        "below 3:1",
        "above 5:1: may be under-investing in acquisition",
    ]


def test_ltv_cac_by_group_by_hand():
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "c"],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-03-01", "2024-01-05", "2024-02-01"]),
            "amount": [10.0, 5.0, 8.0, 3.0],
            "segment": ["paid", "organic", "paid", "organic"],  # a's first purchase: paid
        }
    )
    values = pd.DataFrame({"customer_id": ["a", "b", "c"], "clv": [90.0, 30.0, 12.0]})
    out = K.ltv_cac_by_group(values, tx, cac={"paid": 20.0}, default_cac=2.0)
    # paid: a and b, mean 60 against 20 -> 3:1; organic: c, 12 against 2 -> 6:1
    assert out.loc["paid", ["customers", "ltv", "cac", "ltv_cac_ratio"]].tolist() == [2, 60, 20, 3]
    assert out.loc["organic", "ltv_cac_ratio"] == 6.0
    assert out.loc["paid", "healthy"] and out.loc["organic", "verdict"].startswith("above 5:1")
    # one cost for all, and no `segment` column: one group, said in a warning
    with pytest.warns(rl.AssumptionWarning, match="no `segment` column"):
        whole = K.ltv_cac_by_group(values, tx.drop(columns="segment"), cac=11.0)
    assert whole.index.tolist() == ["all"]
    assert whole.loc["all", "ltv"] == pytest.approx(44.0)
    with pytest.raises(DataValidationError, match="No acquisition cost for segment 'organic'"):
        K.ltv_cac_by_group(values, tx, cac={"paid": 20.0})
    with pytest.raises(DataValidationError, match="missing column\\(s\\) `clv`"):
        K.ltv_cac_by_group(values.drop(columns="clv"), tx, cac=1.0)
    with pytest.raises(DataValidationError, match="Column `clv` has 1 missing"):
        K.ltv_cac_by_group(values.assign(clv=[90.0, None, 12.0]), tx, cac=1.0)


# --------------------------------------------------------------------------- readings


def _counts(start, rates):
    return pd.DataFrame(
        {"region": ["Africa", "Asia", "Europe"], "customers_start": start, "retention_rate": rates}
    )


def test_describe_customer_counts_compares_only_groups_large_enough():
    # the rates are fractions; the sentence shows them in percent
    text = K.describe_customer_counts(_counts([1, 16, 2611], [0.0, 0.3125, 0.707]), by="region")
    assert text == (
        "Only Europe has at least 20 customers active at the start; it keeps 71% of them."
    )
    assert f"{0.707 * 100:.0f}%" in text
    text = K.describe_customer_counts(_counts([1, 300, 2611], [0.0, 0.52, 0.707]), by="region")
    assert "Europe keeps the most (71%) and Asia the fewest (52%)" in text
    assert "Africa" not in text
    same = K.describe_customer_counts(_counts([1, 300, 2611], [0.0, 0.70, 0.71]), by="region")
    assert "all keep about the same share (70% to 71%)" in same
    # a gap of 5 points is read as a gap (the level is 2 points)
    apart = K.describe_customer_counts(_counts([1, 300, 2611], [0.0, 0.66, 0.71]), by="region")
    assert "keeps the most (71%)" in apart
    assert "No region" in K.describe_customer_counts(
        _counts([1, 2, 3], [0.1, 0.2, 0.3]), by="region"
    )


def test_describe_nps_says_when_the_gap_may_be_chance():
    table = pd.DataFrame(
        {
            "region": ["Asia", "Europe", "Oceania"],
            "n": [74, 594, 12],
            "nps": [-32.4, 4.9, 20.0],
            "ci_low": [-46.9, -1.4, -20.0],
            "ci_high": [-15.5, 11.2, 55.0],
        }
    )
    text = K.describe_nps(table, by="region")
    assert text.startswith("NPS is highest in Oceania (20, interval -20 to 55)")
    assert "the intervals overlap, so the gap may be chance" in text
    assert "Fewer than 30 answers in Oceania" in text
    apart = K.describe_nps(table.iloc[:2], by="region")
    assert "highest in Europe" in apart and "do not overlap" in apart and "Fewer" not in apart


def test_describe_ltv_cac_weak_or_all_healthy():
    ratio = pd.DataFrame(
        {"ltv_cac_ratio": [4.2, 6.0], "healthy": [True, True]},
        index=pd.Index(["paid_search", "organic"], name="segment"),
    )
    text = K.describe_ltv_cac(ratio, horizon_months=12)
    assert text == (
        "At the assumed acquisition costs, every segment pays back at least 3:1 within 12 "
        "months (lowest: paid_search, 4.2:1)."
    )
    weak = ratio.assign(ltv_cac_ratio=[2.1, 6.0], healthy=[False, True])
    text = K.describe_ltv_cac(weak, horizon_months=12, cac_assumed=False)
    assert "acquisition through paid_search (2.1:1) does not pay back 3:1" in text
    assert "assumed" not in text


def test_plot_group_rates_leaves_out_small_groups():
    import matplotlib.pyplot as plt

    from retention_lib.plotting.kpis import plot_group_rates

    counts = _counts([1, 300, 2611], [0.0, 0.52, 0.707])
    ax = plot_group_rates(counts, by="region")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Asia\n(n=300)", "Europe\n(n=2,611)"]
    plt.close("all")
    assert len(plot_group_rates(counts, by="region", min_customers=0).patches) == 3
    plt.close("all")
    ax = plot_group_rates(counts, by="region", min_customers=10_000)
    assert "No region has 10,000 customers" in ax.texts[0].get_text()
    plt.close("all")


def test_plot_score_intervals_draws_a_score_beside_its_interval():
    """Rocks (2016) adjusted Wald: a group of one detractor has NPS -100 and an interval that
    starts above -100 (-98.5); the plot draws it (the bar starts at the dot), not fails."""
    import matplotlib.pyplot as plt

    from retention_lib.plotting.kpis import plot_score_intervals

    survey = pd.DataFrame({"nps": [0, 10, 9, 8, 10, 7], "region": list("ABBBBB")})
    table = K.nps(survey, by="region", min_responses=1)
    a = table.set_index("region").loc["A"]
    assert a["nps"] == -100 and a["ci_low"] > a["nps"]
    ax = plot_score_intervals(table, value="nps", by="region")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["A (n=1)", "B (n=5)"]
    plt.close("all")
