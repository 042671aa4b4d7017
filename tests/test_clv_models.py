"""Models: compression, cross-checks against lifetimes, validation messages, ground truth."""

from __future__ import annotations

import dataclasses
import io
import json
import warnings

import numpy as np
import pandas as pd
import pytest

from retention_lib import (
    AssumptionWarning,
    BoundaryWarning,
    ConvergenceWarning,
    DataValidationError,
    NotFittedError,
    RetentionLibWarning,
    prepare_transactions,
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


def test_pareto_fit_equals_lifetimes_nelder_mead_fit(cal):
    """BFGS on the quadrature likelihood finds lifetimes' own optimum (its Nelder-Mead from the
    same start, tolerance 1e-10, on the uncompressed customers) to 1e-4 relative."""
    ours = ParetoNBDModel().fit(cal)
    with quiet(), np.errstate(all="ignore"):
        ref = lifetimes().ParetoNBDFitter().fit(
            cal["frequency"], cal["recency"], cal["T"], initial_params=np.ones(4), tol=1e-10,
            maxiter=20_000,
        )  # fmt: skip
    np.testing.assert_allclose(ours.params_.to_numpy(), ref.params_.to_numpy(), rtol=1e-4)


def test_pareto_gradient_is_the_derivative_of_the_likelihood():
    x, tx = np.array([0, 1, 4, 10, 50, 0, 3.0]), np.array([0, 5, 20, 30, 38, 0, 38.0])
    T = np.array([38, 38, 38, 38, 38, 10, 38.0])
    theta = np.log([0.55, 10.6, 0.61, 11.7])
    ll, grad = F.pnbd_log_likelihood_grad(*np.exp(theta), x, tx, T)
    np.testing.assert_allclose(ll, F.pnbd_log_likelihood(*np.exp(theta), x, tx, T), rtol=1e-14)
    for i, e in enumerate(np.eye(4) * 1e-6):
        numeric = (F.pnbd_log_likelihood(*np.exp(theta + e), x, tx, T)
                   - F.pnbd_log_likelihood(*np.exp(theta - e), x, tx, T)) / 2e-6  # fmt: skip
        np.testing.assert_allclose(grad[:, i], numeric, atol=1e-7)


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


# a penalty of 0.01 pulls the fits off the data: their checks say so (AssumptionWarning)
@pytest.mark.filterwarnings("ignore::retention_lib.AssumptionWarning")
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
            bg.expected_purchases(cal, t=10), lt.predict(10, x, tx, T), rtol=1e-10
        )
        np.testing.assert_allclose(bg.p_alive(cal), lt.conditional_probability_alive(x, tx, T),
                                   rtol=1e-10)  # fmt: skip
        np.testing.assert_allclose(
            bg.expected_purchases_new_customer([1, 10, 52]),
            lt.expected_number_of_purchases_up_to_time(np.array([1, 10, 52])),
            rtol=1e-10,
        )
        for n in (0, 1, 5):
            assert bg.p_n_purchases(n, t=39) == pytest.approx(
                float(lt.probability_of_n_purchases_up_to_time(39, n)), rel=1e-10
            )
    probs = bg.p_n_purchases(range(200), t=39)
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
    lt = model._fitter  # lifetimes' ParetoNBDFitter carrying the fitted parameters
    x, tx, T = cal["frequency"].to_numpy(), cal["recency"].to_numpy(), cal["T"].to_numpy()
    with quiet(), np.errstate(all="ignore"):
        ref_alive = np.asarray(lt.conditional_probability_alive(x, tx, T), dtype=float)
        ref_e = np.asarray(
            lt.conditional_expected_number_of_purchases_up_to_time(39, x, tx, T), dtype=float
        )
    ok = np.isfinite(ref_alive) & np.isfinite(ref_e)
    assert ok.mean() > 0.99
    # quadrature vs hypergeometric series: 1e-5 relative (1e-9 on all but two rows)
    np.testing.assert_allclose(model.p_alive(cal).to_numpy()[ok], ref_alive[ok], rtol=1e-5)
    np.testing.assert_allclose(model.expected_purchases(cal, t=39).to_numpy()[ok], ref_e[ok],
                               rtol=1e-5)  # fmt: skip


def test_pareto_heavy_buyer_recency_equals_T_is_finite(cal):
    """lifetimes returns NaN here under scipy 1.17; ours stays finite and sensible."""
    model = ParetoNBDModel().fit(cal)
    heavy = pd.DataFrame({"frequency": [50, 200, 3], "recency": [38.0, 38.0, 38.0],
                          "T": [38.0, 38.0, 38.0]})  # fmt: skip
    alive = model.p_alive(heavy)
    assert np.all(np.isfinite(alive)) and np.allclose(alive, 1.0)
    pred = model.expected_purchases(heavy, t=10).to_numpy()
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
    """(The remedy names `max_iterations` too: see test_max_iterations_bound_every_fit.)"""
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


def _spend_summary(spend_of, n=400, seed=5):
    """A summary of repeat buyers whose i-th customer's orders are worth spend_of(i, rng)."""
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 12, n)
    m = np.array([np.mean([spend_of(i, rng) for _ in range(k)]) for i, k in enumerate(x)])
    return pd.DataFrame(
        {"frequency": x, "recency": x * 3.0, "T": 60.0, "monetary_value": m},
        index=pd.Index([f"c{i}" for i in range(n)], name="customer_id"),
    )


def test_gamma_gamma_on_a_one_price_shop_gives_that_price(tmp_path):
    """Every order costs 19.99: lifetimes' optimiser runs off to a boundary and stops without
    converging; the fit is that boundary, every expected spend is the price, and the
    diagnostics say where the parameters sit instead of calling the fit failed."""
    summary = _spend_summary(lambda i, rng: 19.99)
    with pytest.warns(BoundaryWarning, match="no difference between customers"):
        gg = GammaGammaModel().fit(summary)
    np.testing.assert_allclose(gg.expected_spend(summary), 19.99, rtol=1e-6)
    assert gg.population_mean_spend == pytest.approx(19.99, rel=1e-6)
    checks = gg.diagnostics_.set_index("check")
    assert checks.loc["spend parameters finite", "status"] == "warning"
    assert "optimiser converged" not in checks.index  # no gradient to vanish on a boundary
    gg.save(tmp_path / "gg.json")
    loaded = load_model(tmp_path / "gg.json")
    np.testing.assert_allclose(loaded.expected_spend(summary), 19.99, rtol=1e-6)


def test_gamma_gamma_when_customers_spend_alike_gives_the_mean_order_value():
    # every customer's orders drawn from one Gamma(4, rate 0.2): mean 20, nobody differs
    summary = _spend_summary(lambda i, rng: rng.gamma(4.0, 5.0), n=800)
    mean = np.average(summary["monetary_value"], weights=summary["frequency"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RetentionLibWarning)
        gg = GammaGammaModel().fit(summary)
    spend = gg.expected_spend(summary)
    if gg.params_["q"] >= 1e6:  # the boundary: one value for all, the mean order value
        np.testing.assert_allclose(spend, mean, rtol=1e-4)
    assert np.all(np.abs(spend / mean - 1) < 0.25)  # shrunk towards one mean, whichever fit


def test_gamma_gamma_where_customers_differ_stays_off_the_boundary():
    # the model's own world (p = 6, q = 3, v = 60): customers differ, no boundary is found
    nus = np.random.default_rng(8).gamma(3.0, 1 / 60.0, 800)
    summary = _spend_summary(lambda i, rng: rng.gamma(6.0, 1 / nus[i]), n=800)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RetentionLibWarning)
        gg = GammaGammaModel().fit(summary)
    assert gg.params_["q"] < 1e6 and gg.params_["p"] < 1e6
    assert gg.params_["q"] == pytest.approx(3.0, rel=0.5)
    checks = gg.diagnostics_.set_index("check")
    assert checks.loc["spend parameters finite", "status"] == "ok"
    assert checks.loc["optimiser converged", "status"] == "ok"


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
    with pytest.raises(TypeError, match="`source` must be a path"):
        load_model(42)


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


# ---------------------------------------------------------------------------------------------
# fit diagnostics
# ---------------------------------------------------------------------------------------------

DIAGNOSTIC_COLUMNS = ["check", "value", "threshold", "status", "finding", "meaning", "remedy",
                      "warning"]  # fmt: skip


def _fit_quietly(model, summary):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(summary)
    return model, caught


@pytest.mark.parametrize(
    "model_cls", [BetaGeoModel, ModifiedBetaGeoModel, ParetoNBDModel, GammaGammaModel]
)
def test_diagnostics_pass_on_CDNOW_Fader_Hardie_Lee_2005(cal, model_cls):
    """No false alarm on the textbook data: every check of every model passes, no warning."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RetentionLibWarning)
        model = model_cls().fit(cal)
    d = model.diagnostics_
    assert list(d.columns) == DIAGNOSTIC_COLUMNS
    assert (d["status"] == "ok").all(), d.loc[d["status"] != "ok", "finding"].tolist()
    assert "checks pass" in model.fit_report()


@pytest.fixture(scope="module")
def sample_summary() -> pd.DataFrame:
    tx, _ = prepare_transactions()
    return rfm_summary(tx, time_unit="W", grain="D")


def test_diagnostics_pass_on_the_bundled_sample(sample_summary):
    """The bundled sample is drawn from BG/NBD + Gamma-Gamma: no false alarm for them."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", RetentionLibWarning)
        bg = BetaGeoModel().fit(sample_summary)
        gg = GammaGammaModel().fit(sample_summary)
    assert (bg.diagnostics_["status"] == "ok").all()
    assert (gg.diagnostics_["status"] == "ok").all()


def test_diagnostics_flag_a_model_that_misses_its_calibration_data(sample_summary):
    """On data drawn from BG/NBD, MBG/NBD misplaces the one-time buyers: the share of
    customers with 1 repeat purchase is off by more than 5 points, and it says so."""
    with pytest.warns(AssumptionWarning, match="misreads how purchases spread"):
        model = ModifiedBetaGeoModel().fit(sample_summary)
    row = model.diagnostics_.set_index("check").loc[
        "customers by repeat purchases: largest share gap"
    ]
    assert row["status"] == "warning" and row["value"] > 0.05


@pytest.fixture(scope="module")
def no_dropout() -> pd.DataFrame:
    """Customers who never drop out (drop-out probability ~ Beta(1e-6, 2), practically 0)."""
    T = np.random.default_rng(3).uniform(13, 104, size=5000)
    return simulate_summary(5000, T=T, seed=3, a=1e-6, b=2.0)


@pytest.mark.parametrize("model_cls", [BetaGeoModel, ParetoNBDModel])
def test_diagnostics_flag_a_simulated_history_without_drop_out(no_dropout, model_cls):
    with pytest.warns(BoundaryWarning, match="No drop-out is identifiable in this history"):
        model = model_cls().fit(no_dropout)
    d = model.diagnostics_.set_index("check")
    assert d.loc["drop-out within the history", "status"] == "warning"
    assert d.loc["drop-out within the history", "value"] < 0.01
    assert (d["status"] == "warning").sum() >= 2  # an interval spanning orders of magnitude too
    report = model.fit_report()
    assert "checks warn" in report and "upper bound" in report
    assert report.count("Compare the models on a holdout") == 1  # remedies share sentences


def test_diagnostics_record_a_hessian_that_is_not_positive_definite(cal, monkeypatch):
    fit = lifetimes().BetaGeoFitter.fit

    def saddle(self, *args, **kwargs):
        fit(self, *args, **kwargs)
        # lifetimes' public variance matrix of a Hessian with a negative eigenvalue
        signs = pd.Series([1.0, 1.0, -1.0, 1.0], index=self.params_.index)
        self.variance_matrix_ = pd.DataFrame(
            np.diag(signs * self.params_**2), index=self.params_.index, columns=self.params_.index
        )
        return self

    monkeypatch.setattr(lifetimes().BetaGeoFitter, "fit", saddle)
    with pytest.warns(BoundaryWarning, match="flat or saddle-shaped"):
        model = BetaGeoModel().fit(cal)
    d = model.diagnostics_.set_index("check")
    assert d.loc["Hessian positive definite", "status"] == "warning"
    assert model.confidence_intervals_["lower"].isna().all()
    assert "cannot be computed" in d.loc["a: 95% interval width (orders of magnitude)", "finding"]


def test_repr_counts_diagnostic_warnings(no_dropout):
    model, _ = _fit_quietly(BetaGeoModel(), no_dropout)
    assert "diagnostic warning(s): see diagnostics_" in repr(model)


@pytest.mark.slow
def test_diagnostics_flag_the_UCI_Online_Retail_boundary_fit(online_retail_path):
    """Issue 10: on the UCI log the BG/NBD sits on a boundary (a = 0.003, b's interval 0.01 to
    7,949); the fit says so with a BoundaryWarning naming what it means."""
    tx, _ = prepare_transactions(online_retail_path, currency="GBP")
    summary = rfm_summary(tx, time_unit="W", grain="D")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = BetaGeoModel().fit(summary)
    messages = {w.category: str(w.message) for w in caught}
    assert "P(alive) will be near 1 for everyone" in messages[BoundaryWarning]
    assert "does not reproduce the total" in messages[AssumptionWarning]  # -6.9% in calibration
    assert model.params_["a"] < 0.01
    d = model.diagnostics_.set_index("check")
    assert d.loc["a: away from 0", "status"] == "warning"
    assert d.loc["b: 95% interval width (orders of magnitude)", "value"] > 2
    assert d.loc["drop-out within the history", "status"] == "warning"


# ---------------------------------------------------------------------------------------------
# a + b < 1 (issue 10 item 7): the hypergeometric terms with c = a + b - 1 < 0
# ---------------------------------------------------------------------------------------------


def _mp_expected(r, alpha, a, b, t):
    """E[X(t)] of FHL (2005) eq. 9 in 40-digit arithmetic (mpmath); at a + b = 1 the
    integral over p ~ Beta(a, b) of E[X(t) | p] = (1 - (alpha / (alpha + p t))^r) / p."""
    mp = pytest.importorskip("mpmath")
    mp.mp.dps = 40
    r, alpha, a, b, t = (mp.mpf(v) for v in (r, alpha, a, b, t))
    c = a + b - 1
    if c == 0:
        density = lambda p: p ** (a - 1) * (1 - p) ** (b - 1) / mp.beta(a, b)  # noqa: E731
        return float(mp.quad(lambda p: (1 - (alpha / (alpha + p * t)) ** r) / p * density(p),
                             [0, 1]))  # fmt: skip
    return float(
        c / (a - 1) * (1 - (alpha / (alpha + t)) ** r * mp.hyp2f1(r, b, c, t / (alpha + t)))
    )


#: the parameters behind issue 10's figures: the four values pin them down
ISSUE_PARAMS = (0.25434687, 4.2763585, 0.26405406, 0.44656287)


def test_bgnbd_new_customer_expectation_with_a_plus_b_below_1_issue_10():
    """Issue 10: with a + b < 1, E[X(t)] at t = 1, 10, 39, 52 was [0.0566, nan, nan, nan];
    lifetimes and mpmath agree on 0.0566, 0.4411, 1.2789, 1.5872."""
    model = BetaGeoModel.from_params(dict(zip("r alpha a b".split(), ISSUE_PARAMS, strict=True)),
                                     time_unit="W")  # fmt: skip
    values = model.expected_purchases_new_customer([1, 10, 39, 52])
    np.testing.assert_allclose(values.round(4), [0.0566, 0.4411, 1.2789, 1.5872])
    with quiet():
        ref = model._fitter if hasattr(model, "_fitter") else None
        lt = lifetimes().BetaGeoFitter()
        lt.params_ = model.params_.copy()
        np.testing.assert_allclose(
            values,
            lt.expected_number_of_purchases_up_to_time(np.array([1.0, 10, 39, 52])),
            rtol=1e-12,
        )
    assert ref is None


@pytest.mark.parametrize(
    "params",
    [
        ISSUE_PARAMS,
        (0.243, 4.414, 0.3, 0.5),  # CDNOW's r, alpha with the issue's a, b
        (1.0, 1.0, 0.3, 0.5),
        (20.0, 2.0, 0.05, 0.05),
        (0.5, 3.0, 0.5, 0.5),  # a + b = 1: 2F1 has a pole the factor c cancels
        (0.5, 3.0, 0.5, 0.5 + 1e-9),
        (0.5, 3.0, 0.5, 0.5 - 1e-7),
        (0.243, 4.414, 0.793, 2.426),  # a + b > 1, as before
    ],
)
def test_bgnbd_expected_matches_mpmath(params):
    t = np.array([1.0, 10, 39, 52, 520, 5000])
    ours = F.bgnbd_expected(*params, t)
    ref = np.array([_mp_expected(*params, ti) for ti in t])
    np.testing.assert_allclose(ours, ref, rtol=1e-11)


def test_expected_purchases_for_one_time_buyers_with_a_plus_b_below_1_matches_mpmath():
    """Issue 10: `expected_purchases` raised FitError for customers without a repeat purchase
    whose expectations are finite. For x = 0, FHL (2005) eq. 10 is eq. 9 with alpha + T."""
    r, alpha, a, b = 0.243, 4.414, 0.3, 0.5
    model = BetaGeoModel.from_params({"r": r, "alpha": alpha, "a": a, "b": b}, time_unit="W")
    summary = pd.DataFrame({"frequency": [0, 0, 2], "recency": [0.0, 0.0, 30.0],
                            "T": [10.0, 38.86, 38.86]})  # fmt: skip
    pred = model.expected_purchases(summary, t=39)
    for i in (0, 1):
        assert pred.iloc[i] == pytest.approx(
            _mp_expected(r, alpha + summary["T"].iloc[i], a, b, 39), rel=1e-11
        )
    alive = model.p_alive(summary)
    with quiet():
        lt = lifetimes().BetaGeoFitter()
        lt.params_ = model.params_.copy()
        with np.errstate(all="ignore"):
            ref = np.asarray(
                lt.conditional_expected_number_of_purchases_up_to_time(
                    39, summary["frequency"], summary["recency"], summary["T"]
                ),
                dtype=float,
            )
    # lifetimes agrees where it is finite (its log of the negative 2F1 is NaN at T = 10)
    finite = np.isfinite(ref)
    assert not finite[0]
    np.testing.assert_allclose(pred[finite], ref[finite], rtol=1e-10)
    assert np.all(np.isfinite(alive))


def test_a_non_finite_prediction_names_the_other_models(monkeypatch):
    model = BetaGeoModel.from_params({"r": 0.2, "alpha": 4.0, "a": 0.8, "b": 2.4}, time_unit="W")
    overflow = dataclasses.replace(F.BGNBD, conditional_expected=lambda *args: np.array([np.nan]))
    monkeypatch.setattr(BetaGeoModel, "_forms", overflow)
    row = pd.DataFrame({"frequency": [1], "recency": [1.0], "T": [2.0]})
    with pytest.raises(
        FitError, match="overflow for these histories. Use `ParetoNBDModel`,"
    ) as info:
        model.expected_purchases(row, t=10)
    assert "BetaGeoModel`" not in str(info.value).split("Use ")[1]


# ---------------------------------------------------------------------------------------------
# P(X(t) = n) and drop-out of every purchase model
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model_cls", "fitter", "params"),
    [
        (ModifiedBetaGeoModel, "ModifiedBetaGeoFitter", (0.5248, 6.183, 0.8914, 1.614)),
        (ParetoNBDModel, "ParetoNBDFitter", (0.553, 10.578, 0.606, 11.669)),
    ],
)
def test_p_n_purchases_matches_lifetimes(model_cls, fitter, params):
    """MBG/NBD: lifetimes' `probability_of_n_purchases_up_to_time` (to 1e-12); Pareto/NBD:
    lifetimes' conditional probability for a customer of age ~0 without repeat purchases
    (T = 1e-9, to 1e-9)."""
    names = model_cls._param_names
    model = model_cls.from_params(dict(zip(names, params, strict=True)), time_unit="W")
    lt = getattr(lifetimes(), fitter)()
    lt.params_ = pd.Series(dict(zip(names, params, strict=True)))
    for t in (1.0, 10.0, 38.86, 78.0):
        for n in (0, 1, 3, 7):
            with quiet(), np.errstate(all="ignore"):
                if model_cls is ModifiedBetaGeoModel:
                    ref = float(lt.probability_of_n_purchases_up_to_time(t, n))
                else:
                    ref = float(lt.conditional_probability_of_n_purchases_up_to_time(n, t, 0, 0,
                                                                                     1e-9))  # fmt: skip
            tol = 1e-12 if model_cls is ModifiedBetaGeoModel else 1e-9
            assert model.p_n_purchases(n, t=t) == pytest.approx(ref, abs=tol)
    assert model.p_n_purchases(range(400), t=39).sum() == pytest.approx(1.0, abs=1e-6)


def test_p_dropped_matches_mpmath():
    """P(a new BG/NBD customer dropped out by t) = 1 - E_p[(alpha / (alpha + p t))^r]."""
    mp = pytest.importorskip("mpmath")
    r, alpha, a, b = 0.243, 4.414, 0.793, 2.426
    for t in (10.0, 39.0, 78.0):
        alive = mp.quad(
            lambda p, t=t: (alpha / (alpha + p * t)) ** r * p ** (a - 1) * (1 - p) ** (b - 1),
            [0, 1],
        )
        ref = 1 - alive / mp.beta(a, b)
        assert float(F.bgnbd_p_dropped(r, alpha, a, b, t)) == pytest.approx(float(ref), rel=1e-10)
    # a boundary fit (UCI's calibration BG/NBD): the series sum_n P(N = n) E[(1 - p)^n]
    r, alpha, a, b, t = 0.743, 8.82, 1.54e-5, 1707.0, 27.0
    series = 1 - mp.nsum(
        lambda n: mp.gamma(r + n) / (mp.gamma(r) * mp.factorial(n)) * (alpha / (alpha + t)) ** r
        * (t / (alpha + t)) ** n * mp.beta(a, b + n) / mp.beta(a, b),
        [0, mp.inf],
    )  # fmt: skip
    assert float(F.bgnbd_p_dropped(r, alpha, a, b, t)) == pytest.approx(float(series), rel=1e-6)
    s, beta = 0.606, 11.669
    assert float(F.pnbd_p_dropped(r, alpha, s, beta, 39.0)) == pytest.approx(
        1 - (beta / (beta + 39.0)) ** s, rel=1e-12
    )


# ---------------------------------------------------------------------------------------------
# every fit is bounded (issue 11 item 6)
# ---------------------------------------------------------------------------------------------


def test_pareto_fit_on_rows_of_1e12_stops_with_a_fit_error():
    """Issue 11: 3 of 300 rows with frequency = recency = T = 1e12 kept lifetimes' Nelder-Mead
    running for minutes; BG/NBD and MBG/NBD stopped with a FitError. All three do now."""
    summary = simulate_summary(300, seed=1)
    summary.loc[:2, ["frequency", "recency", "T"]] = 1e12
    with pytest.raises(FitError, match="Pareto/NBD fit did not converge .* check such values"):
        ParetoNBDModel().fit(summary)
    for model_cls in (BetaGeoModel, ModifiedBetaGeoModel):
        with pytest.raises(FitError, match="fit failed"):
            model_cls().fit(summary)


def test_max_iterations_bound_every_fit(cal):
    with pytest.raises(FitError, match="did not converge within 5 iterations"):
        ParetoNBDModel(max_iterations=5).fit(cal)
    with pytest.raises(FitError, match="a larger `max_iterations` \\(now 1\\)"):
        BetaGeoModel(max_iterations=1).fit(cal)


@pytest.mark.parametrize(
    "model_cls", [BetaGeoModel, ModifiedBetaGeoModel, ParetoNBDModel, GammaGammaModel]
)
def test_time_budget_bounds_every_fit(cal, model_cls):
    with pytest.raises(FitError, match="ran out of its time budget \\(`max_seconds`=1e-09\\)"):
        model_cls(max_seconds=1e-9).fit(cal)


@pytest.mark.parametrize(
    ("settings", "error", "match"),
    [
        ({"max_iterations": 0}, DataValidationError, "`max_iterations` must be a whole number"),
        ({"max_iterations": 2.5}, DataValidationError, "`max_iterations` must be a whole number"),
        ({"max_seconds": 0}, DataValidationError, "`max_seconds` must be in \\(0, inf\\)"),
        ({"max_seconds": "soon"}, TypeError, "`max_seconds` must be a number"),
    ],
)
def test_fit_bounds_validation(cal, settings, error, match):
    with pytest.raises(error, match=match):
        BetaGeoModel(**settings).fit(cal)


# ---------------------------------------------------------------------------------------------
# the model owns its time unit
# ---------------------------------------------------------------------------------------------


def test_fit_needs_a_time_unit(cal):
    lost = pd.read_csv(io.StringIO(cal.to_csv(index=False)), dtype={"customer_id": "str"})
    with pytest.raises(DataValidationError, match="does not say which time unit"):
        BetaGeoModel().fit(lost)
    model = BetaGeoModel().fit(lost, time_unit="W", grain="D")
    assert (model.time_unit_, model.grain_) == ("W", "D")
    np.testing.assert_allclose(model.params_, BetaGeoModel().fit(cal).params_, rtol=1e-12)


def test_fit_time_unit_contradicting_the_summary_is_refused(cal):
    with pytest.raises(DataValidationError, match="`time_unit='D'` contradicts `summary`"):
        BetaGeoModel().fit(cal, time_unit="D")
    with pytest.raises(DataValidationError, match="`grain='W'` contradicts `summary`"):
        BetaGeoModel().fit(cal, grain="W")


def test_from_params_needs_a_time_unit_and_valid_parameters():
    with pytest.raises(DataValidationError, match="`from_params` does not say which time unit"):
        BetaGeoModel.from_params({"r": 0.2, "alpha": 4.0, "a": 0.8, "b": 2.4})
    with pytest.raises(DataValidationError, match="`params` lacks `b`"):
        BetaGeoModel.from_params({"r": 0.2, "alpha": 4.0, "a": 0.8}, time_unit="W")
    with pytest.raises(DataValidationError, match="`params\\['a'\\]` must be a finite number > 0"):
        BetaGeoModel.from_params({"r": 0.2, "alpha": 4.0, "a": -1, "b": 2.4}, time_unit="W")


def test_a_model_without_time_unit_refuses_to_predict(bg):
    half = BetaGeoModel()
    half.params_ = bg.params_
    with pytest.raises(DataValidationError, match="has parameters but no time unit"):
        half.p_alive(pd.DataFrame({"frequency": [1], "recency": [1.0], "T": [2.0]}))


# ---------------------------------------------------------------------------------------------
# save / load_model (issue 11 item 5)
# ---------------------------------------------------------------------------------------------


def test_save_keeps_every_setting_the_time_unit_and_the_diagnostics(cal, tmp_path):
    gg = GammaGammaModel(penalizer_coef=0.001, correlation_threshold=0.5, max_iterations=300,
                         max_seconds=60.0)  # fmt: skip
    gg, _ = _fit_quietly(gg, cal)  # the penalty pulls the mean spend off: it warns
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        loaded = load_model(gg.save(tmp_path / "gg.json"))
    assert loaded.get_params() == gg.get_params()
    assert loaded.correlation_threshold == 0.5
    pd.testing.assert_frame_equal(loaded.diagnostics_, gg.diagnostics_)
    bg = BetaGeoModel(max_iterations=500).fit(cal)
    loaded = load_model(bg.to_dict())
    assert (loaded.time_unit_, loaded.grain_) == ("W", "D")
    assert loaded.get_params() == bg.get_params()


def test_load_model_warns_again_about_a_flagged_fit(no_dropout):
    model, _ = _fit_quietly(BetaGeoModel(), no_dropout)
    with pytest.warns(BoundaryWarning, match="No drop-out is identifiable"):
        loaded = load_model(model.save())
    pd.testing.assert_frame_equal(loaded.diagnostics_, model.diagnostics_)


def test_load_model_of_format_1_says_its_checks_are_unknown(bg):
    doc = bg.to_dict()
    del doc["format_version"], doc["diagnostics"]
    with pytest.warns(ConvergenceWarning, match="saved without the fit diagnostics"):
        loaded = load_model(doc)
    assert loaded.diagnostics_["status"].tolist() == ["warning"]


def _doc_with(bg, **changes):
    doc = json.loads(bg.save())
    for key, value in changes.items():
        if key.startswith("param_"):
            doc["params"][key[6:]] = value
        else:
            doc[key] = value
    return doc


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"param_a": "0.8"}, "parameter `a` must be a number, got '0.8'"),
        ({"param_a": float("nan")}, "parameter `a` must be a finite number > 0, got nan"),
        ({"param_b": -2.0}, "parameter `b` must be a finite number > 0, got -2.0"),
        ({"param_r": None}, "parameter `r` must be a number, got None"),
        ({"params": [1, 2, 3, 4]}, "`params` of the BetaGeoModel must be an object"),
        ({"time_unit": None}, "`time_unit` must be one of"),
        ({"time_unit": "weeks"}, "`time_unit` must be one of"),
        ({"grain": "H"}, "`grain` must be one of"),
        ({"format_version": 99}, "format version 99 is not one this retention-lib reads"),
        ({"settings": {"penalizer_coef": -1}}, "a setting is invalid"),
        ({"settings": {"pickle": 1}}, "unknown setting\\(s\\) pickle"),
        ({"log_likelihood": "high"}, "`log_likelihood` must be a number"),
        ({"n_customers": 2.5}, "`n_customers` must be a whole number"),
        ({"log_covariance": [[1, 2]]}, "`log_covariance` must be a finite 4x4 matrix"),
        ({"diagnostics": [{"check": "x"}]}, "`diagnostics` must be the records"),
    ],
)
def test_load_model_refuses_what_is_not_a_valid_model(bg, change, match):
    with pytest.raises(DataValidationError, match=match):
        load_model(_doc_with(bg, **change))


def test_load_model_refuses_files_that_are_not_models(bg, tmp_path):
    cases = {
        "list.json": "[1, 2, 3]",
        "bare.json": '{"model": "BetaGeoModel"}',
        "text.json": "not json at all",
    }
    matches = {
        "list.json": "expected a JSON object, got a JSON list",
        "bare.json": "`params` of the BetaGeoModel must be an object",
        "text.json": "the text is not JSON",
    }
    for name, text in cases.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        with pytest.raises(DataValidationError, match=matches[name]):
            load_model(tmp_path / name)
    (tmp_path / "model.bin").write_bytes(bytes(range(256)))
    with pytest.raises(DataValidationError, match="is not a text file"):
        load_model(tmp_path / "model.bin")
    with pytest.raises(DataValidationError, match="is a folder, not a file"):
        load_model(tmp_path)
    with pytest.raises(DataValidationError, match="expected a JSON object, got a JSON list"):
        load_model("[1, 2]")


def test_pareto_fit_that_cannot_start_says_so(cal, monkeypatch):
    monkeypatch.setattr(F, "pnbd_log_likelihood", lambda *args: np.full(len(args[4]), np.nan))
    with pytest.raises(FitError, match="The Pareto/NBD fit cannot start: the likelihood is not"):
        ParetoNBDModel().fit(cal)


def test_an_interval_too_wide_for_a_float_is_flagged_as_unbounded():
    from retention_lib.clv import _diagnostics

    model = BetaGeoModel.from_params({"r": 0.2, "alpha": 4.0, "a": 0.8, "b": 2.4}, time_unit="W")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no overflow warning either
        model._set_intervals(np.diag([1e-4, 1e-4, 1e-4, 1e6]))
    checks = _diagnostics.parameter_checks(
        "BG/NBD", model.confidence_intervals_, shapes=("r", "a", "b"), roles=model._roles
    )
    b = next(c for c in checks if c.check.startswith("b: 95% interval"))
    assert not b.ok and b.finding == "b's 95% interval (0 to infinity) is unbounded"
    assert next(c for c in checks if c.check.startswith("a: 95% interval")).ok


# ---------------------------------------------------------------------------------------------
# BG/BB (discrete opportunities)
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def donations_fit():
    from retention_lib import BetaGeoBetaBinomModel, load_donations

    summary = load_donations()
    return summary, BetaGeoBetaBinomModel().fit(summary, period="Y")


def test_bgbb_params_match_Fader_Hardie_Shang_2010(donations_fit):
    summary, model = donations_fit
    assert len(summary) == 11104 and summary["T"].max() == 6
    expected = {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}
    for name, value in expected.items():
        assert model.params_[name] == pytest.approx(value, abs=1e-3), name
    assert model.log_likelihood_ == pytest.approx(-33225.6, abs=0.05)
    assert model.time_unit_ == "Y" and model.n_unique_rows_ == 22
    assert (model.diagnostics_["status"] != "warning").all()
    assert "all 13 checks pass" in model.fit_report() and "years" in model.fit_report()


def test_bgbb_predictions_match_lifetimes(donations_fit):
    summary, model = donations_fit
    from retention_lib.clv._lifetimes import dataset_path, lifetimes

    raw = pd.read_csv(dataset_path("donations.csv"))
    fitter = lifetimes().BetaGeoBetaBinomFitter()
    fitter.fit(raw["frequency"], raw["recency"], raw["periods"], weights=raw["weights"])
    fitter.params_ = model.params_.copy()  # the same optimum, to the last digit
    x, tx, n = summary["frequency"], summary["recency"], summary["T"]
    np.testing.assert_allclose(
        model.p_alive(summary), fitter.conditional_probability_alive(0, x, tx, n), rtol=1e-10
    )
    for t in (1, 5):
        np.testing.assert_allclose(
            model.expected_purchases(summary, t=t),
            fitter.conditional_expected_number_of_purchases_up_to_time(t, x, tx, n),
            rtol=1e-10,
        )
    table = fitter.expected_number_of_transactions_in_first_n_periods(6)["model"]
    probs = model.p_n_purchases(range(7), t=6)
    np.testing.assert_allclose(probs.to_numpy() * 11104, table.to_numpy(), rtol=1e-10)
    assert probs.sum() == pytest.approx(1.0)
    assert model.expected_purchases_new_customer(6) == pytest.approx(
        float((probs.index * probs).sum())
    )


def test_bgbb_p_no_purchase_is_one_minus_expected_for_one_opportunity(donations_fit):
    summary, model = donations_fit
    one = model.p_no_purchase(summary, t=1)
    np.testing.assert_allclose(one, 1 - model.expected_purchases(summary, t=1), atol=1e-12)
    assert (model.p_no_purchase(summary, t=0) == 1).all()
    three = model.p_no_purchase(summary, t=3)
    assert (three <= one + 1e-12).all() and three.between(0, 1).all()


def test_bgbb_p_no_purchase_matches_a_simulation(rng):
    from retention_lib import BetaGeoBetaBinomModel

    params = {"alpha": 1.2, "beta": 0.75, "gamma": 0.66, "delta": 2.8}
    model = BetaGeoBetaBinomModel.from_params(params, time_unit="W")
    n_people, n, ahead = 400_000, 6, 3
    p = rng.beta(params["alpha"], params["beta"], n_people)
    theta = rng.beta(params["gamma"], params["delta"], n_people)
    # alive at opportunity k unless a death draw before it; transact with p while alive
    death = rng.geometric(theta)  # the opportunity at whose start she dies (1, 2, ...)
    opportunity = np.arange(1, n + ahead + 1)
    alive = opportunity[None, :] < death[:, None]
    buys = alive & (rng.random((n_people, n + ahead)) < p[:, None])
    seen, future = buys[:, :n], buys[:, n:]
    x = seen.sum(axis=1)
    last = np.where(x > 0, n - np.argmax(seen[:, ::-1], axis=1), 0)
    for fx, ftx in ((0, 0), (2, 4), (5, 6)):
        group = (x == fx) & (last == ftx)
        empirical = float((~future[group].any(axis=1)).mean())
        row = pd.DataFrame({"frequency": [fx], "recency": [ftx], "T": [n]})
        predicted = float(model.p_no_purchase(row, t=ahead).iloc[0])
        se = np.sqrt(empirical * (1 - empirical) / group.sum())
        assert abs(predicted - empirical) < 4 * se + 1e-3, (fx, ftx, predicted, empirical)


def test_bgbb_contract_json_and_repr(donations_fit, tmp_path):
    from retention_lib import BetaGeoBetaBinomModel, NotFittedError

    summary, model = donations_fit
    with pytest.raises(NotFittedError, match="BetaGeoBetaBinomModel instance is not fitted"):
        BetaGeoBetaBinomModel().p_alive(summary)
    assert "22 distinct rows" in repr(model) and "alpha=1.204" in repr(model)
    model.save(tmp_path / "bgbb.json")
    loaded = load_model(tmp_path / "bgbb.json")
    assert type(loaded) is BetaGeoBetaBinomModel and loaded.time_unit_ == "Y"
    pd.testing.assert_series_equal(loaded.params_, model.params_)
    pd.testing.assert_series_equal(
        loaded.p_no_purchase(summary, t=2), model.p_no_purchase(summary, t=2)
    )
    pd.testing.assert_frame_equal(loaded.diagnostics_, model.diagnostics_)


@pytest.mark.parametrize(
    ("change", "match"),
    [
        ({"frequency": [3], "recency": [2], "T": [6]}, "`frequency` is larger than `recency`"),
        ({"frequency": [1], "recency": [7], "T": [6]}, "`recency` is larger than `T`"),
        ({"frequency": [0], "recency": [2], "T": [6]}, "`recency` is not 0"),
        ({"frequency": [1.5], "recency": [2], "T": [6]}, "not whole"),
    ],
)
def test_bgbb_bad_summaries_are_clear_errors(donations_fit, change, match):
    from retention_lib import BetaGeoBetaBinomModel

    summary, model = donations_fit
    bad = pd.concat([summary.head(20), pd.DataFrame(change)], ignore_index=True)
    with pytest.raises(DataValidationError, match=match):
        BetaGeoBetaBinomModel().fit(bad)
    with pytest.raises(DataValidationError, match=match):
        model.p_alive(bad)
    with pytest.raises(DataValidationError, match="whole number of transaction opportunities"):
        model.p_no_purchase(summary, t=1.5)
    with pytest.raises(DataValidationError, match="no repeat transaction"):
        BetaGeoBetaBinomModel().fit(summary[summary["frequency"] == 0])
    with pytest.raises(DataValidationError, match="missing column"):
        BetaGeoBetaBinomModel().fit(summary.drop(columns="T"))


# --------------------------------------------------------------------------- P(no purchase)


def test_pareto_p_no_purchase_matches_lifetimes_conditional_pmf(cal):
    """lifetimes' ParetoNBDFitter.conditional_probability_of_n_purchases_up_to_time(0, ...)
    (Fader & Hardie, note 028, eq. 16), on every CDNOW calibration customer where it is
    finite; ours is a quadrature, accurate to about 1e-6."""
    model = ParetoNBDModel().fit(cal)
    ours = model.p_no_purchase(cal, t=39.0).to_numpy()
    fitter = lifetimes().ParetoNBDFitter()
    fitter.params_ = model.params_.copy()
    with quiet(), np.errstate(all="ignore"):
        ref = np.array(
            [
                fitter.conditional_probability_of_n_purchases_up_to_time(0, 39.0, x, tx, T)
                for x, tx, T in cal[["frequency", "recency", "T"]].drop_duplicates().to_numpy()
            ]
        )
    unique = cal[["frequency", "recency", "T"]].drop_duplicates().index
    finite = np.isfinite(ref)
    assert finite.mean() > 0.95
    np.testing.assert_allclose(ours[unique][finite], ref[finite], atol=2e-6)


@pytest.mark.parametrize("modified", [False, True])
def test_bg_p_no_purchase_matches_numerical_integration(modified):
    """The likelihood of (x, t_x, T) and the joint with no purchase in (T, T + t], written out
    from the model's story and integrated over lambda numerically (the Beta expectations of
    the drop-out terms in closed form)."""
    from scipy import integrate, stats
    from scipy.special import betaln

    r, alpha, a, b = 0.243, 4.414, 0.793, 2.426  # FHL (2005) CDNOW, weeks
    model = (ModifiedBetaGeoModel if modified else BetaGeoModel).from_params(
        {"r": r, "alpha": alpha, "a": a, "b": b}, time_unit="W"
    )
    rows = pd.DataFrame(
        {"frequency": [0, 1, 2, 7, 3], "recency": [0.0, 30.0, 5.0, 35.0, 38.0], "T": 38.0}
    )
    got = model.p_no_purchase(rows, t=39.0).to_numpy()
    m = int(modified)  # MBG/NBD: a drop-out is also possible right after the first purchase
    for i, (x, tx, T) in enumerate(rows.to_numpy()):
        stay = np.exp(betaln(a, b + x + m) - betaln(a, b))  # E[(1 - p)^(x + m)]
        drop = np.exp(betaln(a + 1, b + x - 1 + m) - betaln(a, b)) if x + m > 0 else 0.0

        def integrand(lam, extra, x=x, tx=tx, T=T, stay=stay, drop=drop):
            alive = stay * lam**x * np.exp(-lam * (T + extra))
            dead = drop * lam**x * np.exp(-lam * tx)
            return stats.gamma.pdf(lam, r, scale=1 / alpha) * (alive + dead)

        def total(extra):
            pieces = [(0, 1e-3), (1e-3, 1), (1, 60)]  # the Gamma(0.243) density peaks at 0
            return sum(
                integrate.quad(integrand, lo, hi, args=(extra,), epsabs=1e-14, limit=200)[0]
                for lo, hi in pieces
            )

        assert got[i] == pytest.approx(total(39.0) / total(0.0), abs=1e-8), (x, tx, T)


def _simulate_holdout(kind, n, rng, T=39.0, t=39.0):
    """Calibration statistics at T and whether a purchase follows in (T, T + t], drawn from
    the model's story: BG/NBD drop-out after repeat purchases (MBG/NBD also at time 0),
    Pareto/NBD an exponential lifetime."""
    lam = rng.gamma(0.5, 1 / 6.0, n)
    if kind == "pareto":
        death = rng.exponential(1 / rng.gamma(0.7, 1 / 12.0, n))
    else:
        drop = rng.beta(0.8, 2.5, n)
    x, tx, later = np.zeros(n), np.zeros(n), np.zeros(n, dtype=bool)
    for i in range(n):
        now, alive = 0.0, not (kind == "mbg" and rng.random() < drop[i])
        while alive:
            now += rng.exponential(1 / lam[i])
            if kind == "pareto" and now > death[i] or now > T + t:
                break
            if now > T:
                later[i] = True
                break
            x[i], tx[i] = x[i] + 1, now
            alive = kind == "pareto" or rng.random() >= drop[i]
    summary = pd.DataFrame({"frequency": x, "recency": tx, "T": T})
    return summary, later


@pytest.mark.parametrize("kind", ["bg", "mbg", "pareto"])
def test_p_no_purchase_matches_simulated_holdout(kind, rng):
    """Customers simulated from each model's own story: the mean P(no purchase in the next 39
    weeks) under the true parameters equals the share that made none, overall and among
    one-time, light and heavy buyers (within 4 standard errors)."""
    summary, later = _simulate_holdout(kind, 20_000, rng)
    if kind == "pareto":
        params = {"r": 0.5, "alpha": 6.0, "s": 0.7, "beta": 12.0}
        model = ParetoNBDModel.from_params(params, time_unit="W")
    else:
        params = {"r": 0.5, "alpha": 6.0, "a": 0.8, "b": 2.5}
        model = (ModifiedBetaGeoModel if kind == "mbg" else BetaGeoModel).from_params(
            params, time_unit="W"
        )
    p = model.p_no_purchase(summary, t=39.0).to_numpy()
    groups = np.digitize(summary["frequency"], [1, 3])
    for g in [None, 0, 1, 2]:
        sel = np.ones(len(p), bool) if g is None else groups == g
        observed = 1 - later[sel].mean()
        se = np.sqrt(observed * (1 - observed) / sel.sum())
        assert abs(p[sel].mean() - observed) < 4 * se + 1e-3, (kind, g)


#: one model of each kind with published parameters (no fit): FHL (2005) BG/NBD and Pareto/NBD
#: on CDNOW in weeks, FHS (2010) BG/BB on the yearly donations
_CONTRACT = {
    "BG/NBD": (BetaGeoModel, {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}, "W"),
    "MBG/NBD": (ModifiedBetaGeoModel, {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}, "W"),
    "Pareto/NBD": (ParetoNBDModel, {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}, "W"),
    "BG/BB": (None, {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}, "Y"),
}


@pytest.mark.parametrize("name", list(_CONTRACT))
def test_every_model_answers_the_p_no_purchase_contract(name, cal):
    """The churn score means the same on every model: a Series ``p_no_purchase`` on the
    summary's index, 1 at t = 0, falling with the horizon and never below 1 - P(alive)
    (a customer who is gone never buys), a bad horizon and a summary in another unit refused
    with errors that say so, and nothing before the model is fitted."""
    from retention_lib import BetaGeoBetaBinomModel, NotFittedError, load_donations

    cls, params, unit = _CONTRACT[name]
    cls = cls or BetaGeoBetaBinomModel
    model = cls.from_params(params, time_unit=unit)
    summary = (load_donations() if cls is BetaGeoBetaBinomModel else cal).iloc[::7]
    summary = summary.set_axis(summary.index + 1000)
    dead = 1 - model.p_alive(summary)
    previous = model.p_no_purchase(summary, t=0)
    assert previous.name == "p_no_purchase" and previous.index.equals(summary.index)
    assert (previous == 1.0).all()
    for t in (1, 2, 13, 39):
        now = model.p_no_purchase(summary, t=t)
        assert now.between(0, 1).all()
        assert (now <= previous + 1e-12).all() and (now >= dead - 1e-9).all()
        assert (now < previous).any()
        previous = now
    with pytest.raises(DataValidationError, match="`t` must be a"):
        model.p_no_purchase(summary, t=-1)
    other = summary.copy()
    if cls is BetaGeoBetaBinomModel:  # a period is an argument (`time_unit=`), never attrs
        with pytest.raises(DataValidationError, match="opportunities cannot be converted"):
            model.p_no_purchase(other, t=1, time_unit="M")
    else:
        other.attrs = {**summary.attrs, "time_unit": "D"}
        with pytest.raises(DataValidationError, match="days"):
            model.p_no_purchase(other, t=1)
    same = summary.copy()
    same.attrs = {}
    pd.testing.assert_series_equal(
        model.p_no_purchase(same, t=2, time_unit=unit), model.p_no_purchase(summary, t=2)
    )
    with pytest.raises(NotFittedError):
        cls().p_no_purchase(summary, t=1)


def test_mbgnbd_p_alive_formula_matches_lifetimes(cal):
    model = ModifiedBetaGeoModel().fit(cal)
    x, tx, T = (cal[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    np.testing.assert_allclose(
        F.mbgnbd_p_alive(*model.params_.to_numpy(), x, tx, T), model.p_alive(cal), rtol=1e-10
    )


def test_p_no_purchase_needs_a_valid_horizon(bg, cal):
    with pytest.raises(DataValidationError, match="`t` must be a finite number >= 0"):
        bg.p_no_purchase(cal, t=-1)


def test_a_failed_warm_started_fit_is_retried_from_lifetimes_start(cal, monkeypatch):
    # UCI Online Retail, last 26 weeks held out, returns matched: the warm start sits at a
    # flat optimum (a -> 0) and lifetimes' BFGS, unable to improve, raises ConvergenceError
    calls = []
    original = BetaGeoModel._run_fitter

    def run(self, fitter, args, kwargs, *rest):
        calls.append("initial_params" in kwargs)
        if "initial_params" in kwargs:
            raise FitError("The BG/NBD fit failed (ConvergenceError: precision loss).")
        return original(self, fitter, args, kwargs, *rest)

    monkeypatch.setattr(BetaGeoModel, "_run_fitter", run)
    model = BetaGeoModel().fit(cal)
    assert calls == [True, False]
    np.testing.assert_allclose(model.params_, [0.243, 4.414, 0.793, 2.426], atol=2e-3)


_SETTINGS = {"penalizer_coef": 0.001, "max_iterations": 321, "max_seconds": 45.0}
_ROUND_TRIP = [
    (BetaGeoModel, {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}, "W", {}),
    (ModifiedBetaGeoModel, {"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}, "W", {}),
    (ParetoNBDModel, {"r": 0.553, "alpha": 10.58, "s": 0.606, "beta": 11.67}, "W", {}),
    (
        GammaGammaModel,
        {"p": 6.25, "q": 3.74, "v": 15.44},
        None,
        {"correlation_threshold": 0.55, "spend_resolution": 0.01},
    ),
]


@pytest.mark.parametrize(("cls", "params", "unit", "extra"), _ROUND_TRIP)
def test_save_keeps_every_init_setting(cls, params, unit, extra):
    """`save` writes every `__init__` setting (the signature's, non-default here) and
    `load_model` restores them: a reloaded model refits as the original would."""
    settings = {**_SETTINGS, **extra}
    model = cls.from_params(params, time_unit=unit, **settings)
    assert set(model.get_params()) == set(settings)
    loaded = load_model(model.save())
    assert type(loaded) is cls and loaded.get_params() == settings
    pd.testing.assert_series_equal(loaded.params_, model.params_)


def test_save_keeps_the_bgbb_settings_and_period(donations_fit):
    from retention_lib import BetaGeoBetaBinomModel

    _, fitted = donations_fit
    model = BetaGeoBetaBinomModel.from_params(fitted.params_, time_unit="Y", **_SETTINGS)
    loaded = load_model(model.save())
    assert loaded.get_params() == _SETTINGS and loaded.time_unit_ == "Y"


def test_gamma_gamma_correlation_threshold_survives_a_save(cal):
    model = GammaGammaModel(correlation_threshold=0.05).fit(cal)  # CDNOW's correlation ~0.11
    assert (
        model.diagnostics_.set_index("check")
        .filter(like="correlat", axis=0)["status"]
        .eq("warning")
        .any()
    )
    loaded = load_model(model.save())
    assert loaded.correlation_threshold == 0.05
    refit = type(loaded)(**loaded.get_params()).fit(cal)
    pd.testing.assert_frame_equal(refit.diagnostics_, model.diagnostics_)


@pytest.mark.parametrize(("cls", "params", "unit", "extra"), _ROUND_TRIP)
def test_with_params_is_a_new_model_predicting_with_the_new_values(cls, params, unit, extra, cal):
    model = cls.from_params(params, time_unit=unit, **{**_SETTINGS, **extra})
    name = list(params)[-1]
    scenario = model.with_params({name: params[name] * 2})
    assert scenario is not model and model.params_[name] == params[name]  # original unchanged
    assert scenario.params_[name] == 2 * params[name]
    assert scenario.get_params() == model.get_params()
    assert scenario.time_unit_ == model.time_unit_ and scenario.grain_ == model.grain_
    if cls is not GammaGammaModel:
        rebuilt = cls.from_params({**params, name: 2 * params[name]}, time_unit=unit)
        pd.testing.assert_series_equal(scenario.p_alive(cal), rebuilt.p_alive(cal))
        assert not scenario.p_alive(cal).equals(model.p_alive(cal))


def test_log_covariance_read_from_lifetimes_public_variance_matrix(cal):
    """The intervals come from lifetimes' public `variance_matrix_` (column j over params_[j]
    squared is inv(H) / n): they equal an independent inverse of the numerical Hessian."""
    from retention_lib.clv import _diagnostics as D

    model = BetaGeoModel().fit(cal)
    x, tx, T = (cal[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    (ux, utx, uT), w, _ = _compress(x, tx, T)
    f = model._objective(model._loglik_rows, (ux, utx, uT), w, 1.0 / uT.max())
    _, hessian = D.gradient_and_hessian(f, np.log(model.params_.to_numpy()))
    independent = np.linalg.inv(hessian) / w.sum()
    np.testing.assert_allclose(model.log_covariance_.to_numpy(), independent, rtol=1e-3)
    min_eig = model.diagnostics_.set_index("check").loc["Hessian positive definite", "value"]
    assert min_eig == pytest.approx(np.linalg.eigvalsh(hessian).min(), rel=1e-3)
