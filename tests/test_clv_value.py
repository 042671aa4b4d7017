"""CLV, intervals, group summaries, per-group fits and the seed formulas."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from retention_lib import DataValidationError, SmallSampleWarning
from retention_lib.clv import (
    BetaGeoModel,
    GammaGammaModel,
    ParetoNBDModel,
    clv_by_group,
    clv_intervals,
    customer_groups,
    customer_lifetime_value,
    fit_by_group,
    load_cdnow,
    ltv_comparison,
    rfm_summary,
    simple_ltv,
)
from retention_lib.clv._lifetimes import quiet


@pytest.fixture(scope="module")
def tx() -> pd.DataFrame:
    tx = load_cdnow()
    # a deterministic two-region split for the group tests
    tx["region"] = np.where(tx["customer_id"].astype(int) % 3 == 0, "North", "South")
    return tx


@pytest.fixture(scope="module")
def cal(tx) -> pd.DataFrame:
    return rfm_summary(tx, grain="D", observation_end="1997-09-30", count_zero_amounts=True)


@pytest.fixture(scope="module")
def models(cal):
    return BetaGeoModel().fit(cal), GammaGammaModel().fit(cal)


def test_clv_matches_lifetimes(cal, models):
    bg, gg = models
    ours = customer_lifetime_value(bg, gg, cal, horizon_months=12, discount_rate=0.01)
    with quiet():
        ref = gg._fitter.customer_lifetime_value(
            bg._fitter,
            cal["frequency"],
            cal["recency"],
            cal["T"],
            cal["monetary_value"],
            time=12,
            discount_rate=0.01,
            freq="W",
        )
    np.testing.assert_allclose(ours["clv"], ref, rtol=1e-9)
    assert list(ours.columns) == ["customer_id", "p_alive", "expected_purchases",
                                  "expected_spend", "clv"]  # fmt: skip
    np.testing.assert_allclose(
        ours["expected_purchases"], bg.predict_purchases(cal, 12 * 4.345), rtol=1e-12
    )


def test_clv_margin_and_discount(cal, models):
    bg, gg = models
    base = customer_lifetime_value(bg, gg, cal)["clv"]
    np.testing.assert_allclose(customer_lifetime_value(bg, gg, cal, margin=0.3)["clv"], 0.3 * base)
    undiscounted = customer_lifetime_value(bg, gg, cal, discount_rate=0.0)
    assert (undiscounted["clv"] >= base - 1e-12).all()
    # no discount: CLV = spend x expected purchases over the horizon
    np.testing.assert_allclose(
        undiscounted["clv"], undiscounted["expected_spend"] * undiscounted["expected_purchases"]
    )
    longer = customer_lifetime_value(bg, gg, cal, horizon_months=24)["clv"]
    assert (longer >= base).all()


def test_clv_with_pareto(cal, models):
    pn = ParetoNBDModel().fit(cal)
    out = customer_lifetime_value(pn, models[1], cal)
    assert np.isfinite(out["clv"]).all() and (out["clv"] >= 0).all()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"horizon_months": 0}, "`horizon_months` must be in"),
        ({"horizon_months": 1.5}, "whole number of months"),
        ({"discount_rate": -0.1}, "`discount_rate` must be in"),
        ({"margin": -1}, "`margin` must be in"),
    ],
)
def test_clv_argument_errors(cal, models, kwargs, match):
    with pytest.raises(DataValidationError, match=match):
        customer_lifetime_value(*models, cal, **kwargs)


def test_clv_rejects_wrong_models(cal, models):
    with pytest.raises(TypeError, match="`gg` must be a fitted GammaGammaModel"):
        customer_lifetime_value(models[0], models[0], cal)


def test_clv_by_group_sums_to_total(tx, cal, models):
    clv = customer_lifetime_value(*models, cal)
    table = clv_by_group(clv, tx, by="region")
    assert set(table["region"]) == {"North", "South"}
    assert table["customers"].sum() == len(cal)
    assert table["total_clv"].sum() == pytest.approx(clv["clv"].sum())
    assert table["share_of_clv"].sum() == pytest.approx(1.0)
    assert table["total_clv"].is_monotonic_decreasing


def test_customer_groups_are_fixed_at_the_first_purchase():
    tx = pd.DataFrame({"customer_id": ["a", "a", "b"], "timestamp": pd.to_datetime(["2024-01-02",
                       "2024-01-01", "2024-01-05"]), "region": ["Late", "Early", "X"],
                       "amount": [5.0, 3.0, -1.0]})  # fmt: skip
    out = customer_groups(tx, by="region")
    # b made no purchase (a return only): it has no CLV row and no group
    assert out["customer_id"].tolist() == ["a"] and out["region"].tolist() == ["Early"]


def test_clv_intervals_cover_estimate(tx, cal, models):
    out = clv_intervals(*models, cal, groups=tx, by="region", n_draws=40, progress=False, seed=1)
    assert set(out["region"]) == {"North", "South"}
    assert (out["clv_lower"] < out["clv_estimate"]).all()
    assert (out["clv_estimate"] < out["clv_upper"]).all()
    again = clv_intervals(*models, cal, groups=tx, by="region", n_draws=40, progress=False, seed=1)
    pd.testing.assert_frame_equal(out, again)
    with pytest.raises(DataValidationError, match="`n_draws` must be"):
        clv_intervals(*models, cal, n_draws=1, progress=False)


def test_fit_by_group_warns_for_small_groups(tx, cal):
    with pytest.warns(SmallSampleWarning, match="fewer than 1000 customers"):
        table = fit_by_group(cal, tx, by="region", min_customers=1000)
    assert table["region"].tolist() == ["South"]  # North has ~786 customers
    assert {"r", "alpha", "a", "b", "model"} <= set(table.columns)


def test_simple_ltv():
    assert simple_ltv(50.0, 4.0, 3.0, margin=0.3, cac=40.0) == pytest.approx(140.0)
    with pytest.raises(DataValidationError, match="`lifespan` must be in"):
        simple_ltv(10.0, 1.0, -1.0)


def test_ltv_comparison_side_by_side(tx, cal, models):
    clv = customer_lifetime_value(*models, cal)
    table = ltv_comparison(tx, clv, cac=10.0)
    assert list(table.columns) == ["simple", "model"]
    assert table.loc["ltv", "model"] == pytest.approx(clv["clv"].mean())
    assert table.loc["ltv_minus_cac", "simple"] == pytest.approx(table.loc["ltv", "simple"] - 10)
