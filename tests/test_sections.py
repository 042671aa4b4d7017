"""What each report section needs: the decisions and the sentences that state them."""

from __future__ import annotations

import pandas as pd
import pytest

from retention_lib import sections
from retention_lib.clv import rfm_summary
from retention_lib.sections import (
    HoldoutPlan,
    LogFacts,
    SectionStatus,
    abtest_status,
    clv_status,
    cohorts_status,
    countries_status,
    groups_status,
    holdout_plan,
    holdout_status,
    input_status,
    intervals_status,
    kpis_status,
    log_facts,
    projection_status,
    survey_status,
    whatif_status,
)


def _facts(weeks: float, repeat: int = 40, months: int = 7, columns=("customer_id",)) -> LogFacts:
    first, days = pd.Timestamp("2024-01-01"), round(weeks * 7)
    return LogFacts(100, 300, repeat, first, first + pd.Timedelta(days=days), days / 7, months,
                    tuple(columns))  # fmt: skip


def test_log_facts_by_hand(tiny_log):
    # A: Jan 5, Feb 10, Apr 1; B: Jan 20, Mar 15; C: Feb 3, 20, Mar 1; D: Feb 14; E: Mar 30 + a
    # return on Apr 2 (the log's last day). Repeat buyers (two or more purchase days): A, B, C.
    facts = log_facts(tiny_log, rfm_summary(tiny_log, grain="D"))
    assert (facts.customers, facts.repeat_buyers, facts.purchase_days) == (5, 3, 10)
    assert facts.first == pd.Timestamp("2024-01-05") and facts.last == pd.Timestamp("2024-04-02")
    assert facts.history_weeks == pytest.approx(88 / 7)
    assert facts.months == 4
    assert LogFacts.from_dict(facts.to_dict()) == facts


def test_clv_needs_history_and_repeat_buyers_and_says_what_the_log_has():
    status = clv_status(_facts(3.4, repeat=0))
    assert not status and status.section == "clv"
    assert status.reason == (
        "Customer lifetime value needs at least 8 weeks of history and 10 repeat buyers "
        "(customers who bought on two or more days) to fit its models: this log has 3 weeks "
        "and 0 repeat buyers."
    )
    assert "1 repeat buyer." in clv_status(_facts(30, repeat=1)).reason
    assert "less than a week" in clv_status(_facts(0.5, repeat=20)).reason
    assert clv_status(_facts(8, repeat=10))


def test_clv_states_a_failed_fit_with_the_flags_that_help():
    error = "The BG/NBD fit failed (ConvergenceError: The model did not converge. Try ...)."
    status = clv_status(_facts(30), fit_error=error)
    assert not status
    assert "could not be fitted on this log (its optimiser did not converge)" in status.reason
    assert "--penalizer 0.01" in status.reason and "--model pnbd" in status.reason
    spend = clv_status(_facts(30), spend_error="The Gamma-Gamma fit returned non-finite x")
    assert "Gamma-Gamma spend model" in spend.reason and "non-finite" in spend.reason
    forecast = clv_status(_facts(30), forecast_error="not finite", horizon_months=24)
    assert "no usable forecast of purchases over 24 months" in forecast.reason


@pytest.mark.parametrize(
    ("weeks", "holdout"),
    [(104, 26), (53.3, 26), (30, 15), (14, 6), (12, 4)],
)
def test_holdout_adapts_to_the_history(weeks, holdout):
    plan = holdout_plan(_facts(weeks))
    assert plan.weeks == holdout and plan.chosen_by == "history"
    assert plan.calibration_end == plan.observation_end - pd.Timedelta(weeks=holdout)
    assert (plan.calibration_end - _facts(weeks).first).days >= 7 * sections.MIN_HISTORY_WEEKS
    assert HoldoutPlan.from_dict(plan.to_dict()) == plan


def test_no_holdout_on_a_short_history_and_the_reason():
    plan = holdout_plan(_facts(11.5))
    assert plan.weeks is None and plan.calibration_end is None
    assert plan.reason == (
        "The holdout check needs at least 12 weeks of history (8 to fit the model, 4 to "
        "compare its forecast with what customers did): this log has 11 weeks."
    )
    assert holdout_status(plan).reason == plan.reason


def test_the_users_holdout_is_kept_or_refused_with_the_longest_that_fits():
    assert holdout_plan(_facts(40), requested=13).weeks == 13
    plan = holdout_plan(_facts(30), requested=26)
    assert plan.weeks is None and plan.chosen_by == "user"
    assert "the 26-week holdout asked for (--holdout-weeks) leaves 4 weeks" in plan.reason
    assert plan.reason.endswith("Use --holdout-weeks 22 or less.")
    short = holdout_plan(_facts(10), requested=4)
    assert short.reason.endswith("This log is too short for a holdout check.")


def test_holdout_needs_repeat_buyers_before_it_and_a_fit():
    plan = holdout_plan(_facts(40))
    few = holdout_status(plan, calibration_repeat_buyers=3)
    assert "needs 10 repeat buyers there: that period has 3 repeat buyers" in few.reason
    failed = holdout_status(plan, calibration_repeat_buyers=50, fit_error="did not converge")
    assert "before the 20-week holdout (its optimiser did not converge)" in failed.reason
    assert holdout_status(plan, calibration_repeat_buyers=50)


def test_cohorts_need_two_calendar_months():
    one = _facts(3, months=1)
    assert cohorts_status(one).reason == (
        "Cohort retention needs purchases in at least 2 calendar months, to see who comes back "
        "a month later: this log covers 1 month (1 Jan 2024 to 22 Jan 2024)."
    )
    assert cohorts_status(_facts(5, months=2))


def test_groups_need_the_column_and_a_group_of_fifty():
    no_country = _facts(30, columns=("customer_id", "timestamp", "amount", "source_row"))
    status = groups_status(no_country, None, requested=("region",))
    assert "need a country column (mapped to regions): this log has none" in status.reason
    assert "`source_row`" not in status.reason and "--country COL" in status.reason
    other = groups_status(no_country, None, requested=("tier",))
    assert "need the column `tier`" in other.reason
    with_region = _facts(30, columns=("customer_id", "region"))
    small = groups_status(with_region, "region", largest=("Europe", 12))
    assert small.reason == (
        "Figures by region leave out groups of fewer than 50 customers, whose rates are noise: "
        "this log's largest, Europe, has 12 customers."
    )
    assert groups_status(with_region, "region", largest=("Europe", 50))
    assert countries_status(_facts(30, columns=("country",)))
    assert "needs a country column" in countries_status(no_country).reason


def test_business_inputs_are_never_filled_with_an_example():
    assert not input_status("cac", given=False)
    assert (
        "none was given, so there is no LTV:CAC verdict" in input_status("cac", given=False).reason
    )
    assert input_status("cac", given=True)
    assert "--retention-cost" in input_status("retention_cost", given=False).reason
    with pytest.raises(ValueError, match="must be one of"):
        input_status("margin", given=False)


def test_projection_names_what_the_cohorts_lack():
    assert projection_status(None)
    lost = projection_status("Cannot fit the sBG: No customer in `data` was lost: every ...")
    assert not lost and lost.section == "projection"
    assert lost.reason.endswith("no customer of this log has gone three months without buying yet.")
    first = projection_status("Cannot fit the sBG: Every cohort in `data` is observed in "
                              "period 0 only, so no renewal can be seen.")  # fmt: skip
    assert "no cohort of this log can be followed past its first month" in first.reason
    assert "`" not in lost.reason + first.reason  # no variable names in the prose
    nan = projection_status("Cannot project: the fitted model gives no valid probabilities.")
    assert "gives no valid probabilities." in nan.reason
    wide = projection_status(
        "The sBG fit is too uncertain to draw from: 2,000 of 2,000 draws of its parameters "
        "are not finite and positive (...). Pool more cohorts or periods, or read only `params_`."
    )
    assert not wide and "sits near a boundary and is too uncertain to project." in wide.reason
    assert "`" not in wide.reason


def test_other_sections():
    clv_no = SectionStatus("clv", False, "CLV reason.")
    assert whatif_status(clv_no, model_label="BG/NBD", has_dropout=True).reason == "CLV reason."
    pnbd = whatif_status(SectionStatus("clv", True), model_label="Pareto/NBD", has_dropout=False)
    assert "this run uses the Pareto/NBD model" in pnbd.reason and "--model bgnbd" in pnbd.reason
    assert intervals_status(SectionStatus("clv", True))
    flat = intervals_status(SectionStatus("clv", True), singular=["BG/NBD"])
    assert "the BG/NBD fit has none" in flat.reason
    flag = "treated"
    assert abtest_status(20, experiment=flag)
    assert "needs 20 such customers: this log has 3." in abtest_status(3, experiment=flag).reason
    no_column = abtest_status(500)  # no A/A test on random halves instead
    assert not no_column and "(give it with --experiment COL): none was given." in (
        no_column.reason
    )
    start = pd.Timestamp("2023-07-01")
    assert kpis_status(5, start=start)
    assert (
        "on 1 Jul 2023, when that period starts: this log has none"
        in kpis_status(0, start=start).reason
    )
    assert "need a survey file: none was given" in survey_status(None).reason
    survey = pd.DataFrame({"customer_id": ["x"]})
    assert "none of the survey's 1 answers" in survey_status(survey, linked=0).reason
    assert survey_status(survey, linked=1)


def test_a_status_shows_its_paragraph_in_a_notebook():
    status = SectionStatus("cac", False, "Needs <your> CAC.")
    assert not status and SectionStatus("cac", True)
    assert status._repr_html_() == (
        '<div class="rl-skip"><p><b>Not shown.</b> Needs &lt;your&gt; CAC.</p></div>'
    )
    assert SectionStatus("cac", True)._repr_html_() is None
