"""sBG and BdW: published figures, the model contract, and the survivor-data checks."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import betaln

import retention_lib as rl
from retention_lib import (
    BetaDiscreteWeibullModel,
    DataValidationError,
    NotFittedError,
    ShiftedBetaGeoModel,
    likelihood_ratio_test,
)

# Fader & Hardie (2007), Table 1: customers (of 1,000) still active at the start of years 0-12
REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173]
HIGH_END = [1000, 869, 743, 653, 593, 551, 517, 491, 468, 445, 427, 409, 394]
# Fader & Hardie, "Fitting the sBG model to multi-cohort data": four cohorts of 10,000
MULTI_COHORT = [
    [10000, 8000, 6480, 5307, 4391],
    [10000, 8000, 6480, 5307],
    [10000, 8000, 6480],
    [10000, 8000],
]


# ---------------------------------------------------------------------------------------------
# published numbers
# ---------------------------------------------------------------------------------------------


def test_sbg_params_match_Fader_Hardie_2007_regular():
    model = ShiftedBetaGeoModel().fit(REGULAR[:8])
    assert model.params_["alpha"] == pytest.approx(0.704, abs=1e-3)
    assert model.params_["beta"] == pytest.approx(1.182, abs=1e-3)


def test_sbg_params_match_Fader_Hardie_2007_high_end():
    # one version of the paper misprints alpha as 0.688; the likelihood's maximum is 0.668
    model = ShiftedBetaGeoModel().fit(HIGH_END[:8])
    assert model.params_["alpha"] == pytest.approx(0.668, abs=1e-3)
    assert model.params_["beta"] == pytest.approx(3.806, abs=1e-3)


@pytest.mark.parametrize(("series", "tol"), [(REGULAR, 0.004), (HIGH_END, 0.017)])
def test_sbg_projection_of_years_8_to_12_is_close_to_Fader_Hardie_2007_actuals(series, tol):
    # fitted on years 0-7; FH 2007 Figure 4: the sBG tracks both segments to year 12 (0.3
    # points off at most for Regular; 1.6 under for High End, whose retention keeps rising)
    model = ShiftedBetaGeoModel().fit(series[:8])
    projected = model.survival(range(8, 13)).to_numpy()
    actual = np.array(series[8:]) / 1000
    assert np.max(np.abs(projected - actual)) < tol


def test_sbg_multi_cohort_matches_Fader_Hardie_note():
    model = ShiftedBetaGeoModel().fit(MULTI_COHORT)
    assert model.params_["alpha"] == pytest.approx(3.80, abs=0.005)
    assert model.params_["beta"] == pytest.approx(15.19, abs=0.005)
    assert model.log_likelihood_ == pytest.approx(-40255.84, abs=0.01)
    assert model.n_cohorts_ == 4 and model.n_customers_ == 40000


def test_bdw_high_end_matches_Fader_Hardie_Liu_Davin_Steenburgh_2018():
    model = BetaDiscreteWeibullModel().fit(HIGH_END[:5])
    assert model.params_["alpha"] == pytest.approx(0.2593, abs=2e-4)
    assert model.params_["beta"] == pytest.approx(1.7226, abs=2e-4)
    assert model.params_["c"] == pytest.approx(1.5844, abs=2e-4)
    assert model.log_likelihood_ == pytest.approx(-1222.75, abs=0.01)
    # year-12 projection: BdW 38.9 % against 39.4 % actual, the sBG only 30.7 %
    assert model.survival(12) == pytest.approx(0.389, abs=5e-4)
    sbg = ShiftedBetaGeoModel().fit(HIGH_END[:5])
    assert sbg.survival(12) == pytest.approx(0.307, abs=5e-4)
    assert abs(model.survival(12) - 0.394) < abs(sbg.survival(12) - 0.394)


def test_derl_matches_Fader_Hardie_2010_closed_form_and_the_sum():
    model = ShiftedBetaGeoModel().fit(HIGH_END[:8])
    # the customer has renewed 7 times, 10 % discount: 7.53 periods (sum of S(t)/S(7))
    derl = model.residual_lifetime(7, discount_rate=0.10)
    assert derl == pytest.approx(7.5296, abs=1e-4)
    summed = model.residual_lifetime(7, discount_rate=0.10, horizon=5000)
    assert summed == pytest.approx(derl, rel=1e-10)
    assert model.residual_value(100, age=7, discount_rate=0.10) == pytest.approx(100 * derl)


# ---------------------------------------------------------------------------------------------
# model behaviour
# ---------------------------------------------------------------------------------------------


def test_bdw_with_c_one_is_the_sbg():
    sbg = ShiftedBetaGeoModel().fit(MULTI_COHORT)
    bdw = BetaDiscreteWeibullModel().fit(MULTI_COHORT)
    # these cohorts are sBG-like: c is estimated at 1 within its interval, and the
    # likelihood-ratio test keeps the simpler model
    lo, hi = bdw.confidence_intervals_.loc["c", ["lower", "upper"]]
    assert lo < 1 < hi
    test = likelihood_ratio_test(sbg, bdw)
    assert test["preferred"] == "sBG" and test["p_value"] > 0.05
    fixed = BetaDiscreteWeibullModel()
    fixed.params_ = pd.Series({"alpha": 3.798, "beta": 15.19, "c": 1.0})
    copy = ShiftedBetaGeoModel()
    copy.params_ = pd.Series({"alpha": 3.798, "beta": 15.19})
    t = np.arange(0, 30)
    np.testing.assert_allclose(fixed.survival(t), copy.survival(t), rtol=1e-12)


def test_likelihood_ratio_test_prefers_bdw_where_the_paper_does():
    sbg = ShiftedBetaGeoModel().fit(HIGH_END[:5])
    bdw = BetaDiscreteWeibullModel().fit(HIGH_END[:5])
    test = likelihood_ratio_test(sbg, bdw)
    assert test["statistic"] == pytest.approx(2 * (bdw.log_likelihood_ - sbg.log_likelihood_))
    assert test["df"] == 1 and test["p_value"] < 0.05 and test["preferred"] == "BdW"


def test_likelihood_ratio_test_refuses_other_data_and_wrong_order():
    sbg = ShiftedBetaGeoModel().fit(REGULAR[:8])
    bdw = BetaDiscreteWeibullModel().fit(HIGH_END[:5])
    with pytest.raises(DataValidationError, match="different data"):
        likelihood_ratio_test(sbg, bdw)
    bdw = BetaDiscreteWeibullModel().fit(REGULAR[:8])
    with pytest.raises(DataValidationError, match="nested"):
        likelihood_ratio_test(bdw, sbg)
    with pytest.raises(TypeError, match="restricted"):
        likelihood_ratio_test("sbg", bdw)


def test_sbg_retention_rate_is_the_closed_form_and_rises():
    model = ShiftedBetaGeoModel().fit(REGULAR[:8])
    a, b = model.params_
    t = np.arange(1, 20)
    rates = model.retention_rate(t)
    np.testing.assert_allclose(rates, (b + t - 1) / (a + b + t - 1), rtol=1e-10)
    assert rates.is_monotonic_increasing
    assert isinstance(model.retention_rate(3), float)


def test_survival_starts_at_one_and_falls():
    model = BetaDiscreteWeibullModel().fit(HIGH_END[:8])
    curve = model.survival(np.arange(0, 40))
    assert curve.iloc[0] == 1.0 and curve.is_monotonic_decreasing
    assert curve.index.name == "period_number" and curve.name == "survival"


def test_bdw_residual_lifetime_without_discount_uses_the_tail():
    bdw = BetaDiscreteWeibullModel().fit(MULTI_COHORT)  # alpha * c > 1: finite lifetime
    sbg = ShiftedBetaGeoModel().fit(MULTI_COHORT)
    # c is close to 1, so the BdW's lifetime is close to the sBG's closed form
    assert bdw.residual_lifetime(0) == pytest.approx(sbg.residual_lifetime(0), rel=0.05)
    # c a hair above 1 takes the summation path; it must agree with the sBG closed form
    forced = BetaDiscreteWeibullModel()
    forced.params_ = pd.Series({**sbg.params_, "c": 1 + 1e-9})
    assert forced.residual_lifetime(2) == pytest.approx(sbg.residual_lifetime(2), rel=1e-4)
    assert forced.residual_lifetime(2, discount_rate=0.01) == pytest.approx(
        sbg.residual_lifetime(2, discount_rate=0.01), rel=1e-6
    )


def test_infinite_lifetime_is_an_error_naming_the_remedy():
    model = ShiftedBetaGeoModel().fit(REGULAR[:8])  # alpha < 1: a heavy tail
    with pytest.raises(DataValidationError, match="infinite.*discount_rate"):
        model.residual_lifetime(0)
    assert np.isfinite(model.residual_lifetime(0, horizon=24))


@settings(max_examples=25, deadline=None)
@given(
    alpha=st.floats(0.3, 5.0),
    beta=st.floats(0.5, 20.0),
    sizes=st.lists(st.integers(2000, 20000), min_size=1, max_size=5),
    seed=st.integers(0, 10_000),
)
def test_sbg_recovers_simulated_parameters(alpha, beta, sizes, seed):
    rng = np.random.default_rng(seed)
    cohorts = []
    for age, n in enumerate(sizes):
        theta = rng.beta(alpha, beta, size=n)
        life = rng.geometric(theta)  # periods a customer stays: T >= 1
        horizon = 6 + age
        cohorts.append([int((life > t).sum()) for t in range(horizon + 1)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", rl.ConvergenceWarning)
        model = ShiftedBetaGeoModel().fit(cohorts)
    # the survival curve over the observed span is recovered within its sampling error
    # (4 binomial standard errors), whatever the (weakly identified) parameters
    t = np.arange(0, 6)
    true = np.exp(betaln(alpha, beta + t) - betaln(alpha, beta))
    tolerance = 4 * np.sqrt(true * (1 - true) / sum(sizes)) + 0.002
    assert np.all(np.abs(model.survival(t).to_numpy() - true) <= tolerance)


# ---------------------------------------------------------------------------------------------
# inputs
# ---------------------------------------------------------------------------------------------


def test_fit_accepts_every_survivor_form_with_one_result():
    wide = pd.DataFrame(
        [row + [np.nan] * (5 - len(row)) for row in MULTI_COHORT],
        index=pd.Index(["a", "b", "c", "d"], name="cohort"),
        columns=range(5),
    )
    tidy = (
        wide.stack(future_stack=True)
        .rename("customers")
        .rename_axis(["cohort", "period_number"])
        .reset_index()
    )
    tidy["observable"] = tidy["customers"].notna()
    fits = [ShiftedBetaGeoModel().fit(x) for x in (MULTI_COHORT, wide, tidy)]
    for model in fits[1:]:
        pd.testing.assert_series_equal(model.params_, fits[0].params_, rtol=1e-8)
    single = ShiftedBetaGeoModel().fit(pd.Series(REGULAR[:8], name="regular"))
    assert single.n_cohorts_ == 1


def test_fit_on_a_cohort_table_from_transactions(tiny_log):
    table = rl.cohort_retention(tiny_log, kind="unbounded", min_cohort_size=1)
    with warnings.catch_warnings(record=True) as caught:  # five customers: a flat likelihood
        warnings.simplefilter("always")
        model = ShiftedBetaGeoModel().fit(table, period="M")
    assert any("boundary" in str(w.message) for w in caught)
    assert model.period_ == "M"
    assert model.n_customers_ == table.drop_duplicates("cohort")["cohort_size"].sum()


def test_rising_counts_name_the_cohort_and_the_fix():
    with pytest.raises(DataValidationError, match="rise from 500 to 600 at period 2.*unbounded"):
        ShiftedBetaGeoModel().fit([1000, 500, 600])


@pytest.mark.parametrize(
    ("data", "match"),
    [
        ([0, 0, 0], "starts with 0"),
        ([1000, -5], "invalid survivor count"),
        ([1000, np.nan, 500], "missing survivor count at period 1"),
        ([1000], "period 0 only"),
        ([1000, 1000, 1000], "No customer .* was lost"),
        ([], "no survivor counts"),
    ],
)
def test_bad_survivor_counts_are_clear_errors(data, match):
    with pytest.raises(DataValidationError, match=match):
        ShiftedBetaGeoModel().fit(data)


def test_bad_types_and_tables_are_clear_errors(tiny_log):
    with pytest.raises(TypeError, match="survivor counts"):
        ShiftedBetaGeoModel().fit("1000, 600")
    with pytest.raises(DataValidationError, match="period numbers 0, 1, 2"):
        ShiftedBetaGeoModel().fit(pd.DataFrame({"x": [1000], "y": [600]}))
    with pytest.raises(DataValidationError, match="period"):
        ShiftedBetaGeoModel().fit(REGULAR, period="month")
    by_region = rl.cohort_retention(
        tiny_log.assign(
            region=["EU", "EU", "EU", "US", "US", "EU", "EU", "EU", "US", "US", "US"][
                : len(tiny_log)
            ]
        ),
        kind="unbounded",
        by="region",
        min_cohort_size=1,
    )
    with pytest.raises(DataValidationError, match="several `region` groups"):
        ShiftedBetaGeoModel().fit(by_region)


def test_predictions_check_their_inputs():
    model = ShiftedBetaGeoModel().fit(REGULAR[:8])
    with pytest.raises(DataValidationError, match=">= 1"):
        model.retention_rate(0)
    with pytest.raises(DataValidationError, match=">= 0"):
        model.survival([-1, 2])
    with pytest.raises(TypeError, match="`t`"):
        model.survival("soon")
    with pytest.raises(DataValidationError, match="discount_rate"):
        model.residual_lifetime(1, discount_rate=-0.1)
    with pytest.raises(TypeError, match="value_per_period"):
        model.residual_value("ten", discount_rate=0.1)


# ---------------------------------------------------------------------------------------------
# contract: not fitted, repr, intervals, draws, JSON
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [ShiftedBetaGeoModel, BetaDiscreteWeibullModel])
def test_not_fitted_guard_and_repr(cls):
    model = cls()
    assert "not fitted" in repr(model)
    with pytest.raises(NotFittedError, match=f"This {cls.__name__} instance is not fitted yet"):
        model.survival(1)
    assert model.fit(HIGH_END[:8]) is model
    text = repr(model)
    assert "1 cohort" in text and "1,000 customers" in text and "alpha=" in text


def test_intervals_contain_the_estimate_and_draws_follow_them():
    model = BetaDiscreteWeibullModel().fit(HIGH_END[:8])
    ci = model.confidence_intervals_
    assert (ci["lower"] < ci["estimate"]).all() and (ci["estimate"] < ci["upper"]).all()
    draws = model.parameter_draws(4000, seed=1)
    assert list(draws.columns) == ["alpha", "beta", "c"] and (draws > 0).all().all()
    inside = (draws >= ci["lower"]) & (draws <= ci["upper"])
    assert inside.mean().between(0.93, 0.97).all()
    pd.testing.assert_frame_equal(draws, model.parameter_draws(4000, seed=1))


@pytest.mark.parametrize("cls", [ShiftedBetaGeoModel, BetaDiscreteWeibullModel])
def test_json_round_trip_through_load_model(cls, tmp_path):
    model = cls().fit(MULTI_COHORT, period="M")
    path = tmp_path / "model.json"
    model.save(path)
    loaded = rl.load_model(path)
    assert type(loaded) is cls
    pd.testing.assert_series_equal(loaded.params_, model.params_)
    pd.testing.assert_frame_equal(loaded.confidence_intervals_, model.confidence_intervals_)
    assert loaded.log_likelihood_ == model.log_likelihood_ and loaded.period_ == "M"
    assert loaded.survival(12) == model.survival(12)
    assert repr(loaded) == repr(model)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"params": {"alpha": 1.0}}, "must hold alpha, beta"),
        ({"params": {"alpha": -1.0, "beta": 2.0}}, "finite number > 0"),
        ({"log_likelihood": "high"}, "`log_likelihood` must be a number"),
        ({"log_covariance": [[1.0]]}, "2x2 matrix"),
    ],
)
def test_bad_saved_documents_are_clear_errors(change, match):
    doc = json.loads(ShiftedBetaGeoModel().fit(REGULAR[:8]).save())
    doc.update(change)
    with pytest.raises(DataValidationError, match=match):
        rl.load_model(doc)
