"""The executive summary's findings and the assumptions and caveats, from the numbers."""

from __future__ import annotations

import pandas as pd
import pytest

import retention_lib as rl
from retention_lib.config import RunConfig
from retention_lib.findings import (
    Finding,
    assumptions_table,
    caveats_table,
    cohort_trend_finding,
    concentration_finding,
    executive_summary,
    for_reader,
    main_caveat,
    retention_finding,
    risk_finding,
    survey_finding,
    value_finding,
)


def _curves(rates: dict[int, float]) -> pd.DataFrame:
    return pd.DataFrame({"period_number": list(rates), "retention": list(rates.values())})


def test_retention_is_quoted_at_months_1_3_6_and_its_shape_named():
    text = retention_finding(_curves({0: 1.0, 1: 0.3, 3: 0.2, 6: 0.15}))
    assert text == (
        "Of each month's new customers, on average 30% buy again in month 1 after their first "
        "purchase, 20% in month 3 and 15% in month 6; retention fades with time."
    )
    assert "fades" not in retention_finding(_curves({0: 1.0, 1: 0.2, 3: 0.21, 6: 0.2}))
    assert "older cohorts only" in retention_finding(_curves({0: 1.0, 1: 0.2, 3: 0.3}))
    assert "month 6" not in retention_finding(_curves({0: 1.0, 1: 0.2, 3: 0.1}))
    assert retention_finding(_curves({0: 1.0})) is None
    assert retention_finding(_curves({0: 1.0, 1: 0.0, 3: 0.0})) == (
        "No new customer bought again in month 1 and month 3 after the first purchase: in this "
        "log every customer observed that long bought once."
    )


def _triangle(month1: list[tuple[int, int]]) -> pd.DataFrame:
    """Month-1 cells: (returned, cohort size) per monthly cohort from Jan 2024."""
    cohorts = pd.date_range("2024-01-01", periods=len(month1), freq="MS")
    return pd.DataFrame(
        {
            "cohort": cohorts,
            "period_number": 1,
            "cohort_size": [n for _, n in month1],
            "customers": [c for c, _ in month1],
            "observable": True,
            "partial": False,
            "small_cohort": False,
        }
    )


def test_newer_cohorts_are_compared_with_older_ones_by_size_weighted_month_1():
    # older: (30 + 10) / (100 + 100) = 20%; newer: (5 + 15) / (100 + 100) = 10%
    text = cohort_trend_finding(_triangle([(30, 100), (10, 100), (5, 100), (15, 100)]))
    assert text == (
        "Newer customers come back less often: 10% of the 2 newest cohorts (Mar 2024 to Apr "
        "2024) bought again in month 1, against 20% of the 2 older ones."
    )
    up = cohort_trend_finding(_triangle([(5, 100), (15, 100), (30, 100), (10, 100)]))
    assert up.startswith("Newer customers come back more often")
    level = cohort_trend_finding(_triangle([(20, 100), (20, 100), (21, 100), (20, 100)]))
    assert level.startswith("Newer customers come back about as often")
    assert cohort_trend_finding(_triangle([(20, 100)] * 3)) is None  # too few to compare
    assert cohort_trend_finding(_triangle([(0, 100)] * 4)) is None  # nobody came back
    partial = _triangle([(30, 100), (10, 100), (5, 100), (15, 100)])
    partial.loc[3, "partial"] = True  # an unfinished month is not a trend
    assert cohort_trend_finding(partial) is None


def test_concentration_reads_the_pareto_summary(tiny_log):
    summary = rl.pareto.pareto_summary(tiny_log)
    s = summary.iloc[0]
    text = concentration_finding(summary)
    assert text.startswith(f"The top 20% of customers bring {s['top_share']:.0%} of net revenue")
    assert f"({int(s['n_customers_for_target']):,}) bring 80% of it." in text


def test_value_says_revenue_or_profit_and_the_interval():
    kw = dict(customers=120, horizon_months=12, past_revenue=50_000.0, currency="GBP")
    revenue = value_finding(30_000.0, 25_000.0, 36_000.0, margin=1.0, margin_given=False, **kw)
    assert revenue == (
        "The 120 customers are predicted to bring 30.0k GBP (95% interval 25.0k GBP to 36.0k "
        "GBP) over the next 12 months, as revenue, not profit (no margin was given); for "
        "comparison, the last 12 months brought 50.0k GBP of net revenue."
    )
    profit = value_finding(9_000.0, None, None, margin=0.3, margin_given=True, **kw)
    assert "as profit at the given 30% margin" in profit
    assert "(15.0k GBP at that margin)" in profit and "no interval" in profit
    bound = value_finding(
        9e3, None, None, margin=1.0, margin_given=False, note="An upper bound.", **kw
    )
    assert bound.endswith("of net revenue. An upper bound.")


def test_risk_counts_the_valuable_customers_leaving_and_their_value():
    text = risk_finding(12, 80, 4_321.0, currency="EUR", horizon_months=12)
    assert text.startswith("12 of the 80 most valuable customers (15%) show signs of leaving")
    assert "4.3k EUR of predicted revenue over the next 12 months" in text
    assert "None of the 80" in risk_finding(0, 80, 0.0, currency="EUR", horizon_months=12)
    assert "No customer" in risk_finding(0, 0, 0.0, currency="EUR", horizon_months=12)


def test_survey_scores_with_their_intervals():
    scores = pd.DataFrame(
        {"score": ["NPS"], "value": [12.0], "ci_low": [5.0], "ci_high": [19.0], "n": [300]}
    )
    assert survey_finding(scores) == "Survey (300 answers): NPS 12.0 (95% interval 5.0 to 19.0)."
    assert survey_finding(scores.iloc[:0]) is None


def test_survey_shares_read_as_percentages():
    scores = rl.survey_summary(rl.load_sample_survey())
    csat = scores.set_index("score").loc["CSAT (share)"]
    text = survey_finding(scores)
    assert f"CSAT (share satisfied) {csat['value']:.0%} (95% interval" in text
    assert f"to {csat['ci_high']:.0%})" in text
    assert "CSAT (share) 0." not in text


def test_warnings_lose_the_code_they_name_and_keep_their_words():
    text = (
        "The BG/NBD fit did not converge (see `model.diagnostics_`). Refit with "
        "`penalizer_coef=0.01`. Its forecasts are unreliable."
    )
    assert for_reader(text) == "The BG/NBD fit did not converge. Its forecasts are unreliable."
    assert for_reader("Run `fit(x)`.") == ""
    assert for_reader("3 customers have no row in `clv`; their `p_alive` is NaN.") == (
        "3 customers have no row in CLV; their P(alive) is NaN."
    )
    assert for_reader("Too few `customers` (see `rl.drop_small_groups`).") == "Too few customers."


def test_caveats_are_listed_heaviest_first_and_the_main_one_is_the_first():
    cleaning = rl.prepare_transactions(
        pd.DataFrame(
            {
                "customer_id": ["a", "a", None],
                "timestamp": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-02-02"]),
                "amount": [10.0, 20.0, 5.0],
            }
        )
    )[1]
    config = RunConfig.from_inputs({})
    caveats = caveats_table(
        model_warnings=["ConvergenceWarning: The BG/NBD fit did not converge."],
        warnings=[
            "SmallSampleWarning: Asia has 12 customers.",
            "SmallSampleWarning: Asia has 12 customers.",  # raised again by a section
            "BoundaryWarning: The sBG sits on a boundary (`alpha`).",
        ],
        skipped={
            "Customer lifetime value": "It needs 10 repeat buyers.",
            "Risk": "It needs 10 repeat buyers.",
        },
        cleaning=cleaning,
        config=config,
    )
    assert list(caveats["kind"]) == [
        "Value model",
        "Business input",
        "Section not shown",
        "Model fit",
        "Small groups",
        "Data",
    ]
    assert caveats["caveat"].iloc[3] == "The sBG sits on a boundary (alpha)."
    assert caveats["caveat"].iloc[2] == (
        "“Customer lifetime value” and “Risk”: It needs 10 repeat buyers."
    )
    assert "Cleaning dropped 1 of 3 rows" in caveats["caveat"].iloc[5]
    assert main_caveat(caveats) == "Value model: The BG/NBD fit did not converge."
    technical = pd.DataFrame(
        {
            "kind": ["Value model"],
            "caveat": ["The BG/NBD fit: a = 0.003 is near 0. CLV is an upper bound."],
        }
    )
    assert main_caveat(technical) == (
        "Value model: The BG/NBD fit is flagged (its figures are in the caveats). CLV is an "
        "upper bound."
    )
    assert "Business input" not in set(caveats_table(config=config, values_shown=False)["kind"])
    given = RunConfig.from_inputs({"margin": 0.3})
    assert caveats_table(config=given).empty and main_caveat(caveats_table()) is None


def test_assumptions_name_each_inputs_value_and_source(tmp_path):
    file = tmp_path / "client.toml"
    file.write_text("[analysis]\nhorizon_months = 24\n", encoding="utf-8")
    config = RunConfig.from_inputs(
        {"margin": 0.3, "cac": 40.0, "currency": "GBP"},
        config_file=file,
        origins={"margin": "--margin", "cac": "--cac"},
    )
    table = assumptions_table(config, holdout_weeks=13, model="BG/NBD").set_index("Assumption")
    assert table.loc["Profit margin on revenue"].tolist() == ["30%", "given: --margin"]
    assert table.loc["Acquisition cost per customer"].tolist() == ["40.00 GBP", "given: --cac"]
    assert table.loc["CLV horizon (months)"].tolist() == ["24", "given: config file client.toml"]
    assert table.loc["Holdout length (weeks)", "Value"] == "13 (chosen from the history)"
    assert table.loc["Cost of a retention programme", "Source"].startswith("not given")
    assert table.loc["Discount rate per month"].tolist() == ["1%", "default"]
    bare = assumptions_table(RunConfig.from_inputs({})).set_index("Assumption")
    assert bare.loc["Profit margin on revenue", "Value"] == "none (values are revenue)"


def test_summary_of_a_run_links_each_finding_to_its_section(simulated_log, tmp_path):
    path = tmp_path / "log.csv"
    simulated_log(300, end="2024-06-30").to_csv(path, index=False)
    run = rl.open_run(data_path=str(path))
    caveats = caveats_table(config=run.config)
    found = executive_summary(run, caveats=caveats)
    topics = [f.topic for f in found]
    assert topics[:3] == ["Retention", "Newer cohorts", "Concentration"]
    assert {"Value", "Risk"} <= set(topics) and topics[-1] == "Main caveat"
    assert 5 <= len(found) <= 8
    assert found[-1].text.startswith("Business input: No margin was given")
    assert Finding("X", "y", "How concentrated is revenue?").anchor == (
        "How-concentrated-is-revenue?"
    )
    assert Finding("X", "y", "Survey KPIs: NPS, CSAT").anchor == "Survey-KPIs:-NPS,-CSAT"


@pytest.mark.parametrize("months", [1])
def test_a_one_month_log_still_has_findings(months, tmp_path):
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c"],
            "timestamp": pd.to_datetime(["2024-03-01", "2024-03-02", "2024-03-05"]),
            "amount": [10.0, 20.0, 70.0],
        }
    )
    path = tmp_path / "tiny.csv"
    tx.to_csv(path, index=False)
    run = rl.open_run(data_path=str(path))
    found = executive_summary(run)
    assert [f.topic for f in found] == ["Concentration"]


def test_code_asides_are_cut_whole_and_the_sentences_after_them_kept():
    text = (
        "CLV is an upper bound. Compare the models on a holdout (`rl.compare_models`). Use a "
        "longer history, or present P(alive) as an upper bound. (All checks: `m.diagnostics_`.)"
    )
    assert for_reader(text) == (
        "CLV is an upper bound. Compare the models on a holdout. Use a longer history, or "
        "present P(alive) as an upper bound."
    )
    assert for_reader("Count at the grain (e.g. `rfm_summary(x, grain='D')`). Done.") == (
        "Count at the grain. Done."
    )
    assert for_reader("Region 'Unknown' for 'Unspecified' (446 rows); pass `aliases=` to map.") == (
        "Region 'Unknown' for 'Unspecified' (446 rows)."
    )
    assert for_reader("No `source_currency`: taken in GBP.\nWhat to do: run `f(x)`.\nEnd.") == (
        "No source currency: taken in GBP.\nEnd."
    )


def test_risk_quotes_the_holdout_auc_of_the_score_the_list_ranks_by():
    score = "BG/NBD P(no purchase)"
    fair = risk_finding(12, 80, 4_321.0, currency="EUR", horizon_months=12, score=score, auc=0.727)
    assert f"ranks them by {score}, whose AUC on the holdout is 0.73" in fair
    assert "a fair ranking" in fair and "not measured" not in fair
    coin = risk_finding(12, 80, 4_321.0, currency="EUR", horizon_months=12, score=score, auc=0.5)
    assert "no better than a coin toss" in coin
    good = risk_finding(12, 80, 4_321.0, currency="EUR", horizon_months=12, score=score, auc=0.86)
    assert "0.86" in good and "a good ranking" in good
    with pytest.raises(rl.DataValidationError, match="`score` and `auc` together"):
        risk_finding(12, 80, 4_321.0, currency="EUR", horizon_months=12, auc=0.7)


def test_summary_risk_finding_quotes_the_runs_scorecard(simulated_log, tmp_path):
    path = tmp_path / "log.csv"
    simulated_log(300, end="2024-06-30").to_csv(path, index=False)
    run = rl.open_run(data_path=str(path))
    card = run.churn_scorecard
    assert card is not None and card.recommended
    auc = rl.findings.scorecard_auc(card)
    expected = float(card.table.set_index("scorer").loc[card.recommended, "auc"])
    assert auc == expected
    risk = next(f for f in rl.executive_summary(run) if f.topic == "Risk")
    assert "most valuable customers (" in risk.text  # someone is at risk: the ranking is quoted
    assert f"{card.recommended}, whose AUC on the holdout is {auc:.2f}" in risk.text
