"""Models: compression, cross-checks against lifetimes, validation messages, ground truth."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest

from retention_lib import (
    AssumptionWarning,
    DataValidationError,
    NotFittedError,
)
from retention_lib.clv import (
    BetaGeoModel,
    FitError,
    GammaGammaModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
    _mle,
    load_cdnow,
    load_model,
    rfm_summary,
)
from retention_lib.clv import _formulas as F
from retention_lib.clv._lifetimes import lifetimes, quiet
from retention_lib.clv._simulate import simulate_summary
from retention_lib.clv.models import _compress


@pytest.fixture(scope="module")
def cal() -> pd.DataFrame:
    return rfm_summary(
        load_cdnow(), grain="D", observation_end="1997-09-30", count_zero_amounts=True
    )


@pytest.fixture(scope="module")
def bg(cal) -> BetaGeoModel:
    return BetaGeoModel().fit(cal)


def _lt_fit(name, *args):
    with quiet():
        return getattr(lifetimes(), name)().fit(*args)


@pytest.mark.parametrize(
    ("model_cls", "fitter"),
    [(BetaGeoModel, "BetaGeoFitter"), (ModifiedBetaGeoModel, "ModifiedBetaGeoFitter")],
)
def test_compressed_fit_equals_uncompressed(cal, model_cls, fitter):
    """Same MLE as lifetimes' fitter on the uncompressed rows, to 1e-4 relative."""
    ours = model_cls().fit(cal)
    ref = _lt_fit(fitter, cal["frequency"], cal["recency"], cal["T"])
    np.testing.assert_allclose(ours.params_.to_numpy(), ref.params_.to_numpy(), rtol=1e-4)
    assert ours.n_unique_rows_ < len(cal)


def test_gamma_gamma_compressed_equals_uncompressed(cal):
    ours = GammaGammaModel().fit(cal)
    rep = cal[cal["frequency"] > 0]
    ref = _lt_fit("GammaGammaFitter", rep["frequency"], rep["monetary_value"])
    np.testing.assert_allclose(ours.params_.to_numpy(), ref.params_.to_numpy(), rtol=1e-4)


@pytest.fixture(scope="module")
def sim() -> pd.DataFrame:
    """20,000 customers drawn from the BG/NBD + Gamma-Gamma model, ages 13-104 weeks."""
    T = np.random.default_rng(5).uniform(13, 104, size=20_000).round()
    return simulate_summary(20_000, T=T, seed=5)


@pytest.mark.filterwarnings("ignore:Gamma-Gamma q = .* <= 1:retention_lib.AssumptionWarning")
@pytest.mark.parametrize("penalizer", [0.0, 0.01])
@pytest.mark.parametrize("data", ["cal", "sim"])
def test_warm_started_fit_equals_lifetimes_cold_fit(request, data, penalizer):
    """The numpy MLE handed to lifetimes as ``initial_params`` gives lifetimes' own cold-started
    estimates on the uncompressed customers, to 1e-4 relative (their gtol is 1e-7)."""
    summary = request.getfixturevalue(data)
    bg = BetaGeoModel(penalizer_coef=penalizer).fit(summary)
    gg = GammaGammaModel(penalizer_coef=penalizer).fit(summary)
    rep = summary[summary["frequency"] > 0]
    with quiet():
        lt = lifetimes()
        ref_bg = lt.BetaGeoFitter(penalizer_coef=penalizer).fit(
            summary["frequency"], summary["recency"], summary["T"]
        )
        ref_gg = lt.GammaGammaFitter(penalizer_coef=penalizer).fit(
            rep["frequency"], rep["monetary_value"]
        )
    np.testing.assert_allclose(bg.params_.to_numpy(), ref_bg.params_.to_numpy(), rtol=1e-4)
    np.testing.assert_allclose(gg.params_.to_numpy(), ref_gg.params_.to_numpy(), rtol=1e-4)


@pytest.mark.parametrize("penalizer", [0.0, 0.01])
def test_warm_start_is_lifetimes_optimum(sim, penalizer):
    """At the warm start, lifetimes' own (autograd) gradient of its objective is already below
    its tolerance (1e-7), so its optimiser stops there: the fast likelihoods (FHL 2005 eq. 6;
    Fader & Hardie 2013 eq. 1a) and their gradients are lifetimes' to rounding."""
    from autograd import value_and_grad

    lt = lifetimes()
    x, tx, T = (sim[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    (ux, utx, uT), w, _ = _compress(x, tx, T)
    scale = 1.0 / uT.max()
    data = (ux.astype(int), utx * scale, uT * scale, w, penalizer)
    start = _mle.bgnbd_start(*data)
    theta = np.log([0.3, 1.2, 0.7, 2.0])
    with quiet():
        f, g = value_and_grad(lt.BetaGeoFitter._negative_log_likelihood)(theta, *data)
        ours = _mle._bgnbd_objective(*data)(theta)
        _, g_start = value_and_grad(lt.BetaGeoFitter._negative_log_likelihood)(start, *data)
    assert ours[0] == pytest.approx(f, rel=1e-12)
    np.testing.assert_allclose(ours[1], g, rtol=1e-9, atol=1e-12)
    assert np.max(np.abs(g_start)) < 1e-7

    rep = x > 0
    (gx, gm), gw, _ = _compress(x[rep], sim["monetary_value"].to_numpy()[rep])
    data = (gx, gm, gw, penalizer)
    start = _mle.gamma_gamma_start(*data)
    theta = np.log([2.0, 5.0, 10.0])
    with quiet():
        f, g = value_and_grad(lt.GammaGammaFitter._negative_log_likelihood)(theta, *data)
        ours = _mle._gamma_gamma_objective(*data)(theta)
        _, g_start = value_and_grad(lt.GammaGammaFitter._negative_log_likelihood)(start, *data)
    assert ours[0] == pytest.approx(f, rel=1e-12)
    np.testing.assert_allclose(ours[1], g, rtol=1e-9, atol=1e-12)
    assert np.max(np.abs(g_start)) < 1e-7


@pytest.mark.parametrize("penalizer", [0.0, 0.01])
def test_warm_start_on_many_rows_goes_through_a_subsample_to_the_same_optimum(
    penalizer, monkeypatch
):
    """Above 20,000 distinct rows BFGS first runs on every 16th row; the optimum on all rows is
    the one a direct BFGS finds (both to a gradient at rounding level)."""
    T = np.random.default_rng(11).uniform(13, 104, size=60_000)  # ages in days: distinct rows
    sim = simulate_summary(60_000, T=T, seed=11)
    x, tx, T = (sim[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    (ux, utx, uT), w, _ = _compress(x, tx, T)
    assert len(w) >= _mle._SUBSAMPLE_MIN_ROWS
    rep = x > 0
    (gx, gm), gw, _ = _compress(x[rep], sim["monetary_value"].to_numpy()[rep])
    scale = 1.0 / uT.max()
    cases = [
        (_mle.bgnbd_start, _mle._bgnbd_objective, (ux.astype(int), utx * scale, uT * scale, w)),
    ]
    if len(gw) >= _mle._SUBSAMPLE_MIN_ROWS:
        cases.append((_mle.gamma_gamma_start, _mle._gamma_gamma_objective, (gx, gm, gw)))
    for start, objective, data in cases:
        staged = start(*data, penalizer)
        monkeypatch.setattr(_mle, "_SUBSAMPLE_MIN_ROWS", 10**9)
        direct = start(*data, penalizer)
        monkeypatch.undo()
        np.testing.assert_allclose(staged, direct, rtol=0, atol=1e-7)
        with np.errstate(invalid="ignore"):  # log(1 / (b - 1)) of the unused x = 0 entry
            gradient = objective(*(np.asarray(a, float) for a in data), penalizer)(staged)[1]
        assert np.max(np.abs(gradient)) < 1e-9


def test_compress_matches_value_counts():
    """Whole-number columns are coded by value, others by hashing; both give pandas' distinct
    rows and counts, and the inverse index rebuilds the input."""
    rng = np.random.default_rng(2)
    n = 3000
    cases = [
        (rng.integers(0, 20, n).astype(float), rng.integers(0, 60, n).astype(float)),
        (rng.integers(0, 5, n).astype(float), rng.normal(size=n).round(1), rng.integers(-3, 3, n)),
        (rng.integers(0, 2**40, n).astype(float) * 0.5, rng.integers(0, 2**41, n).astype(float)),
    ]
    for cols in cases:
        uniques, weights, inverse = _compress(*cols)
        for col, unique in zip(cols, uniques, strict=True):
            np.testing.assert_array_equal(unique[inverse], col)
        counts = pd.DataFrame(dict(enumerate(cols))).value_counts()
        assert len(weights) == len(counts)
        got = pd.Series(weights, index=pd.MultiIndex.from_arrays(uniques)).sort_index()
        np.testing.assert_array_equal(got.to_numpy(), counts.sort_index().to_numpy())


def test_bgnbd_formulas_match_lifetimes(cal, bg):
    lt = bg._fitter
    x, tx, T = cal["frequency"].to_numpy(), cal["recency"].to_numpy(), cal["T"].to_numpy()
    with quiet():
        np.testing.assert_allclose(
            bg.predict_purchases(cal, 10), lt.predict(10, x, tx, T), rtol=1e-10
        )
        np.testing.assert_allclose(bg.p_alive(cal), lt.conditional_probability_alive(x, tx, T),
                                   rtol=1e-10)  # fmt: skip
        np.testing.assert_allclose(
            bg.expected_purchases_new_customer([1, 10, 52]),
            lt.expected_number_of_purchases_up_to_time(np.array([1, 10, 52])),
            rtol=1e-10,
        )
        for n in (0, 1, 5):
            assert bg.prob_n_purchases(39, n) == pytest.approx(
                float(lt.probability_of_n_purchases_up_to_time(39, n)), rel=1e-10
            )
    probs = bg.prob_n_purchases(39, range(200))
    assert probs.sum() == pytest.approx(1.0, abs=1e-6)


def test_bgnbd_heavy_buyers_use_euler_fallback_like_lifetimes(bg):
    """Where 2F1 in FHL (2005) eq. 10 overflows (heavy buyers, long horizon), both lifetimes and
    retention-lib switch to Euler's transformation; the results agree to 1e-10."""
    x = np.array([0.0, 5.0, 100.0, 300.0])
    tx, T = np.full(4, 38.0), np.full(4, 39.0)
    r, alpha, a, b = bg.params_
    z = 520.0 / (alpha + T + 520.0)
    with np.errstate(over="ignore"):
        assert not np.isfinite(np.log(F.hyp2f1(r + x, b + x, a + b + x - 1, z))[-1])
    with quiet(), np.errstate(all="ignore"):
        ref = bg._fitter.conditional_expected_number_of_purchases_up_to_time(520.0, x, tx, T)
    ours = F.bgnbd_conditional_expected(r, alpha, a, b, 520.0, x, tx, T)
    np.testing.assert_allclose(ours, ref, rtol=1e-10)
    assert F.bgnbd_conditional_expected(r, alpha, a, b, 520.0, 300.0, 38.0, 39.0) == pytest.approx(
        ours[-1], rel=1e-12
    )


def test_pareto_formulas_match_lifetimes_where_finite(cal):
    model = ParetoNBDModel().fit(cal)
    lt = model._fitter
    lt.params_ = model.params_.copy()
    x, tx, T = cal["frequency"].to_numpy(), cal["recency"].to_numpy(), cal["T"].to_numpy()
    with quiet(), np.errstate(all="ignore"):
        ref_alive = np.asarray(lt.conditional_probability_alive(x, tx, T), dtype=float)
        ref_e = np.asarray(lt.predict(39, x, tx, T), dtype=float)
    ok = np.isfinite(ref_alive) & np.isfinite(ref_e)
    assert ok.mean() > 0.99
    # quadrature vs hypergeometric series: 1e-5 relative (1e-9 on all but two rows)
    np.testing.assert_allclose(model.p_alive(cal).to_numpy()[ok], ref_alive[ok], rtol=1e-5)
    np.testing.assert_allclose(model.predict_purchases(cal, 39).to_numpy()[ok], ref_e[ok],
                               rtol=1e-5)  # fmt: skip


def test_pareto_heavy_buyer_recency_equals_T_is_finite(cal):
    """lifetimes returns NaN here under scipy 1.17; ours stays finite and sensible."""
    model = ParetoNBDModel().fit(cal)
    heavy = pd.DataFrame({"frequency": [50, 200, 3], "recency": [38.0, 38.0, 38.0],
                          "T": [38.0, 38.0, 38.0]})  # fmt: skip
    alive = model.p_alive(heavy)
    assert np.all(np.isfinite(alive)) and np.allclose(alive, 1.0)
    pred = model.predict_purchases(heavy, 10).to_numpy()
    assert np.all(np.isfinite(pred)) and pred[1] > pred[0] > pred[2] > 0


def test_pareto_quadrature_matches_hypergeometric_form():
    r, alpha, s, beta = 0.55, 10.6, 0.61, 11.7
    x, tx, T = np.array([0, 1, 4, 10]), np.array([0.0, 5.0, 20.0, 30.0]), np.full(4, 38.0)
    with quiet(), np.errstate(all="ignore"):
        ref = lifetimes().ParetoNBDFitter._conditional_log_likelihood((r, alpha, s, beta), x, tx, T)
    np.testing.assert_allclose(F.pnbd_log_likelihood(r, alpha, s, beta, x, tx, T), ref, rtol=1e-9)


def test_not_fitted_guard():
    with pytest.raises(NotFittedError, match="This BetaGeoModel instance is not fitted yet"):
        BetaGeoModel().p_alive(pd.DataFrame({"frequency": [1], "recency": [1.0], "T": [2.0]}))
    with pytest.raises(NotFittedError, match="This GammaGammaModel instance is not fitted yet"):
        GammaGammaModel().expected_spend(pd.DataFrame())


def test_repr_shows_parameters(bg):
    text = repr(bg)
    assert "r=0.2426" in text and "2,357 customers" in text
    assert "not fitted" in repr(BetaGeoModel())


@pytest.mark.parametrize(
    ("frame", "match"),
    [
        (pd.DataFrame({"frequency": [1], "recency": [5.0], "T": [3.0]}), "`recency` is larger"),
        (
            pd.DataFrame({"frequency": [-1], "recency": [0.0], "T": [3.0]}),
            "`frequency` is negative",
        ),
        (pd.DataFrame({"frequency": [1.5], "recency": [1.0], "T": [3.0]}), "not a whole number"),
        (pd.DataFrame({"frequency": [0], "recency": [1.0], "T": [3.0]}), "`recency` is not 0"),
        (pd.DataFrame({"frequency": [1], "recency": [np.nan], "T": [3.0]}), "`recency` of"),
        (pd.DataFrame({"frequency": [1], "T": [3.0]}), "missing column\\(s\\) `recency`"),
        (
            pd.DataFrame({"frequency": [0, 0], "recency": [0.0, 0.0], "T": [3.0, 4.0]}),
            "no repeat buyers",
        ),
    ],
)
def test_fit_validation_messages(frame, match):
    with pytest.raises(DataValidationError, match=match):
        BetaGeoModel().fit(frame)


def test_fit_rejects_non_frame():
    with pytest.raises(TypeError, match="must be a pandas DataFrame"):
        BetaGeoModel().fit([1, 2, 3])


def test_penalizer_validation(cal):
    with pytest.raises(DataValidationError, match="`penalizer_coef` must be a finite number"):
        BetaGeoModel(penalizer_coef=-1).fit(cal)


def test_convergence_failure_raises_with_remedy(cal, monkeypatch):
    fitter = lifetimes().BetaGeoFitter

    def boom(self, *args, **kwargs):
        raise lifetimes().utils.ConvergenceError("did not converge")

    monkeypatch.setattr(fitter, "fit", boom)
    with pytest.raises(FitError, match="penalizer_coef"):
        BetaGeoModel().fit(cal)


def test_nan_parameters_raise(cal, monkeypatch):
    fitter = lifetimes().BetaGeoFitter

    def nan_fit(self, *args, **kwargs):
        self.params_ = pd.Series([np.nan] * 4, index=["r", "alpha", "a", "b"])
        return self

    monkeypatch.setattr(fitter, "fit", nan_fit)
    with pytest.raises(FitError, match="non-finite parameters"):
        BetaGeoModel().fit(cal)


def test_gamma_gamma_rejects_non_positive_spend(cal):
    bad = cal.copy()
    bad.loc[bad.index[bad["frequency"] > 0][:2], "monetary_value"] = 0.0
    with pytest.raises(DataValidationError, match="`monetary_value` must be > 0"):
        GammaGammaModel().fit(bad)


def test_gamma_gamma_warns_on_correlation(cal):
    corr = cal.copy()
    rep = corr["frequency"] > 0
    corr.loc[rep, "monetary_value"] *= corr.loc[rep, "frequency"] ** 1.5
    with pytest.warns(AssumptionWarning, match="independence assumption"):
        GammaGammaModel().fit(corr)


def test_gamma_gamma_expected_spend_shrinks_to_population_mean(cal):
    gg = GammaGammaModel().fit(cal)
    spend = gg.expected_spend(cal)
    assert np.allclose(spend[cal["frequency"] == 0], gg.population_mean_spend)
    with quiet():
        ref = gg._fitter.conditional_expected_average_profit(
            cal["frequency"][cal["frequency"] > 0], cal["monetary_value"][cal["frequency"] > 0]
        )
    np.testing.assert_allclose(spend[cal["frequency"] > 0], ref, rtol=1e-12)


@pytest.mark.parametrize("model_cls", [BetaGeoModel, ParetoNBDModel, ModifiedBetaGeoModel])
def test_json_round_trip(cal, tmp_path, model_cls):
    model = model_cls().fit(cal)
    path = tmp_path / "model.json"
    text = model.save(path)
    doc = json.loads(text)
    assert doc["versions"]["lifetimes"] == "0.11.3"
    loaded = load_model(path)
    pd.testing.assert_series_equal(loaded.params_, model.params_)
    pd.testing.assert_series_equal(loaded.p_alive(cal), model.p_alive(cal))
    pd.testing.assert_frame_equal(loaded.confidence_intervals_, model.confidence_intervals_)


def test_load_model_errors(tmp_path):
    with pytest.raises(DataValidationError, match="Unknown model"):
        load_model({"model": "Pickle"})
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "missing.json")


def test_lifetimes_import_leaves_global_state_alone(cal):
    with warnings.catch_warnings():
        before = list(warnings.filters)
        lifetimes()
        BetaGeoModel().fit(cal)
        assert list(warnings.filters) == before


TRUE_BG = {"r": 0.5, "alpha": 6.0, "a": 0.8, "b": 2.8}
TRUE_GG = {"p": 6.0, "q": 3.8, "v": 28.0}


@pytest.mark.parametrize("seed", [1, 2])
def test_ground_truth_intervals_cover_truth(seed):
    """Data simulated from known BG/NBD + Gamma-Gamma parameters (the bundled sample's
    Netherlands values): every 95 % interval covers the truth (fixed seeds)."""
    T = np.random.default_rng(seed).uniform(13, 104, size=6000)
    sim = simulate_summary(6000, T=T, seed=seed, **TRUE_BG, **TRUE_GG)
    bg = BetaGeoModel().fit(sim)
    gg = GammaGammaModel().fit(sim)
    for model, truth in ((bg, TRUE_BG), (gg, TRUE_GG)):
        ci = model.confidence_intervals_
        for name, value in truth.items():
            assert ci.loc[name, "lower"] < value < ci.loc[name, "upper"], (name, ci.loc[name])
