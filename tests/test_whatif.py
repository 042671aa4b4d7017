"""What-if of a retention gain on a BG/NBD model: the parameter shift, an independent
closed-form check, and the textbook multiplier."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.special import hyp2f1

import retention_lib.whatif as W
from retention_lib._validation import DataValidationError, NotFittedError
from retention_lib.clv import BetaGeoModel, GammaGammaModel, customer_lifetime_value

# Published CDNOW estimates (weeks): BG/NBD, Fader, Hardie & Lee (2005), Table 1;
# Gamma-Gamma, Fader & Hardie (2013), "The Gamma-Gamma model of monetary value", p. 4.
BG = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
GG = {"p": 6.25, "q": 3.74, "v": 15.44}


@pytest.fixture
def models():
    return BetaGeoModel.from_params(BG, time_unit="W"), GammaGammaModel.from_params(GG)


@pytest.fixture
def summary():
    df = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d", "e", "f"],
            "frequency": [0, 1, 2, 5, 10, 3],
            "recency": [0.0, 10.0, 30.5, 35.0, 38.0, 5.0],
            "T": [38.0, 39.0, 38.0, 38.0, 39.0, 38.0],
            "monetary_value": [0.0, 20.0, 35.0, 50.0, 40.0, 25.0],
        }
    )
    df.attrs["time_unit"] = "W"
    return df


def bgnbd_eq10(t, x, tx, T, r, alpha, a, b):
    """E[Y(t) | x, t_x, T], Fader, Hardie & Lee (2005) eq. 10, written out independently."""
    z = t / (alpha + T + t)
    head = (a + b + x - 1) / (a - 1)
    body = 1 - ((alpha + T) / (alpha + T + t)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z)
    odds = a / (b + x - 1) * ((alpha + T) / (alpha + tx)) ** (r + x) if x > 0 else 0.0
    return head * body / (1 + odds)


def test_gain_params_raise_the_chance_of_staying_by_the_gain():
    p = pd.Series({"r": 0.25, "alpha": 4.4, "a": 0.8, "b": 2.4})
    new = W.retention_gain_params(p, 0.05)
    # s = 2.4 / 3.2 = 0.75 -> s' = 0.7875 -> b' = 0.8 x 0.7875 / 0.2125
    assert new["b"] == pytest.approx(0.8 * 0.7875 / 0.2125)
    assert new["b"] / (new["a"] + new["b"]) == pytest.approx(1.05 * 0.75)
    assert new[["r", "alpha", "a"]].tolist() == [0.25, 4.4, 0.8]
    assert W.max_retention_gain(p) == pytest.approx(1 / 3)  # (a + b) / b - 1 = a / b
    with pytest.raises(DataValidationError, match="Use a gain below 0.3333"):
        W.retention_gain_params(p, 0.4)
    with pytest.raises(TypeError, match="`params` must be the BG/NBD parameters"):
        W.retention_gain_params(pd.Series({"p": 1.0}), 0.05)


def test_zero_gain_reproduces_customer_lifetime_value(models, summary):
    bg, gg = models
    scen = W.retention_scenario(bg, gg, summary, gain=0.0, margin=0.3)
    base = customer_lifetime_value(bg, gg, summary, margin=0.3)
    np.testing.assert_allclose(scen["profit"], base["clv"])
    np.testing.assert_allclose(scen["profit_scenario"], scen["profit"])
    np.testing.assert_allclose(scen["expected_purchases_scenario"], scen["expected_purchases"])


def test_scenario_matches_the_closed_form_with_the_new_b(models, summary):
    bg, gg = models
    scen = W.retention_scenario(bg, gg, summary, gain=0.05, horizon_months=12)
    new = W.retention_gain_params(pd.Series(BG), 0.05)
    t = 12 * (365.25 / 12) / 7  # 12 months of 365.25 / 12 days, in weeks
    for i, row in summary.iterrows():
        expected = bgnbd_eq10(t, row["frequency"], row["recency"], row["T"], *new.to_numpy())
        assert scen.loc[i, "expected_purchases_scenario"] == pytest.approx(expected, rel=1e-9)
        base = bgnbd_eq10(t, row["frequency"], row["recency"], row["T"], *BG.values())
        assert scen.loc[i, "expected_purchases"] == pytest.approx(base, rel=1e-9)


def test_a_gain_never_lowers_purchases_p_alive_or_value(models, summary):
    bg, gg = models
    scen = W.retention_scenario(bg, gg, summary, gain=0.10, margin=0.25)
    assert (scen["expected_purchases_scenario"] > scen["expected_purchases"]).all()
    assert (scen["p_alive_scenario"] >= scen["p_alive"] - 1e-12).all()
    assert (scen["revenue_scenario"] >= scen["revenue"]).all()
    np.testing.assert_allclose(scen["profit"], 0.25 * scen["revenue"])
    assert scen.loc[0, "p_alive"] == 1.0  # no repeat purchase: alive by assumption
    assert scen.attrs["params_scenario"]["b"] > BG["b"]


def test_uplift_per_group_adds_up_to_the_total(models, summary):
    bg, gg = models
    groups = pd.DataFrame({"customer_id": list("abcdef"), "segment": list("xxyyyz")})
    total = W.retention_uplift(bg, gg, summary, gains=[0.05, 0.10], margin=0.3)
    by = W.retention_uplift(
        bg, gg, summary, gains=[0.05, 0.10], margin=0.3, groups=groups, by="segment"
    )
    assert total["gain"].tolist() == [0.05, 0.10]
    assert by.groupby("gain")["n_customers"].sum().tolist() == [6, 6]
    for col in ("purchases_uplift", "revenue_uplift", "profit_uplift"):
        np.testing.assert_allclose(by.groupby("gain")[col].sum().to_numpy(), total[col])
    assert total.loc[1, "profit_uplift"] > total.loc[0, "profit_uplift"] > 0
    row = total.iloc[0]
    assert row["profit_relative_uplift"] == pytest.approx(row["profit_uplift"] / row["profit"])


def test_whatif_validation(models, summary):
    bg, gg = models
    with pytest.raises(DataValidationError, match="`by='segment'` needs `groups`"):
        W.retention_uplift(bg, gg, summary, by="segment")
    groups = pd.DataFrame({"customer_id": list("abc"), "segment": list("xyz")})
    with pytest.raises(
        DataValidationError, match="3 customer\\(s\\) of `summary` have no `segment`"
    ):
        W.retention_uplift(bg, gg, summary, groups=groups, by="segment")
    with pytest.raises(NotFittedError, match="not fitted yet"):
        W.retention_scenario(BetaGeoModel(), gg, summary)
    with pytest.raises(TypeError, match="must be a fitted BetaGeoModel"):
        W.retention_scenario(gg, gg, summary)
    with pytest.raises(DataValidationError, match="`gain` must be in"):
        W.retention_scenario(bg, gg, summary, gain=-0.1)


def test_retention_value_multiplier_by_hand():
    out = W.retention_value_multiplier([0.8, 0.9], gain=0.05, discount_rate=0.10)
    # r / (1 + d - r): 0.8 / 0.3 -> 0.84 / 0.26; 0.9 / 0.2 -> 0.945 / 0.155
    np.testing.assert_allclose(out["value_multiple"], [0.8 / 0.3, 0.9 / 0.2])
    np.testing.assert_allclose(
        out["value_relative_uplift"],
        [(0.84 / 0.26) / (0.8 / 0.3) - 1, (0.945 / 0.155) / (0.9 / 0.2) - 1],
    )
    assert math.isclose(out.loc[1, "value_relative_uplift"], 0.354838709677, rel_tol=1e-9)
    with pytest.raises(DataValidationError, match="`retention` must lie in \\(0, 1\\)"):
        W.retention_value_multiplier(80)
    with pytest.raises(DataValidationError, match="pushes retention 0.99 to 1 or more"):
        W.retention_value_multiplier(0.99, gain=0.05)


@pytest.mark.slow
def test_retention_uplift_on_the_sample_data():
    import retention_lib as rl
    from retention_lib.clv import rfm_summary
    from retention_lib.segments import rfm_scores

    tx, _ = rl.prepare_transactions()
    summ = rfm_summary(tx, time_unit="W")
    bg, gg = BetaGeoModel().fit(summ), GammaGammaModel().fit(summ)
    seg = rfm_scores(tx)[["customer_id", "segment"]]
    out = W.retention_uplift(bg, gg, summ, gains=[0.05], groups=seg, by="segment", margin=0.3)
    assert out["n_customers"].sum() == len(summ)
    assert (out["profit_uplift"] > 0).all()


def test_whatif_view_and_plot(models, summary):
    from retention_lib.widgets.whatif import whatif_explorer, whatif_view

    bg, gg = models
    groups = pd.DataFrame(
        {"customer_id": list("abcdef"), "segment": list("xxyyyz"), "region": list("EEEAAA")}
    )
    table, fig = whatif_view(
        bg, gg, summary, groups, gain=0.05, by="region", margin=0.3, min_customers=0
    )
    expected = W.retention_uplift(
        bg, gg, summary, gains=[0.05], groups=groups, by="region", margin=0.3
    )
    pd.testing.assert_frame_equal(table, expected)
    ax = fig.axes[0]
    assert len(ax.patches) == 2
    assert [t.get_text() for t in ax.get_yticklabels()] == ["A", "E"]
    # by default groups of fewer than 20 customers are not drawn, and the panel says so
    _, fig = whatif_view(bg, gg, summary, groups, gain=0.05, by="region", margin=0.3)
    assert not fig.axes[0].patches
    assert "No region has 20 customers" in fig.axes[0].texts[0].get_text()
    assert len(whatif_explorer(bg, gg, summary, groups).children) == 2


# --------------------------------------------------------------------------- readings


def test_describe_retention_headroom_with_and_without_dropout():
    text = W.describe_retention_headroom(pd.Series(BG), [0.01, 0.05, 0.10])
    # b / (a + b) = 2.426 / 3.219; gains below a / b = 32.7% can be modelled
    assert text == (
        "The model puts the average chance of staying after a purchase at 75.4%: gains below "
        "32.7% can be modelled."
    )
    flat = pd.Series({"r": 0.8, "alpha": 9.9, "a": 0.003, "b": 7.25})
    text = W.describe_retention_headroom(flat, [0.01, 0.05, 0.10])
    assert "99.96%" in text and "None of the gains asked for (1%, 5% and 10%) can" in text
    some = W.describe_retention_headroom(pd.Series({**BG, "a": 0.1, "b": 2.0}), [0.01, 0.1])
    assert "Left out as impossible for this fit: 10%" in some


def test_describe_uplift_and_by_group():
    table = pd.DataFrame(
        {
            "gain": [0.05, 0.05, 0.05],
            "segment": ["Champions", "At risk", "New"],
            "n_customers": [600, 500, 5],
            "profit": [1000.0, 300.0, 10.0],
            "profit_uplift": [20.0, 27.0, 5.0],
            "profit_relative_uplift": [0.02, 0.09, 0.5],
        }
    )
    assert W.describe_uplift(table, 0.05) == (
        "5% more retention adds 52 of profit over the horizon (+4.0%)."
    )
    text = W.describe_uplift_by_group(table, by="segment", gain=0.05)
    assert text == (
        "A 5% retention gain lifts profit most, relative to today, in 'At risk' (+9%) and least "
        "in 'Champions' (+2%)."
    )  # 'New' (5 customers) is too small to be named
    # the shown percentages are the fractions of the table
    assert f"({0.09:+.0%})" in text and f"{100 * 0.02:+.0f}%" in text
    assert "No segment" in W.describe_uplift_by_group(table, by="segment", gain=0.1)


def test_multiplier_basis_compounds_the_monthly_rate_over_a_year():
    assert W.yearly_discount_rate(0.0) == 0.0
    assert W.yearly_discount_rate(0.01) == pytest.approx(1.01**12 - 1)
    assert W.describe_multiplier_basis(0.01) == (
        "Retention per year; discount rate 12.7% a year (1.0% a month, compounded)."
    )
    assert "26.8% a year (2.0% a month" in W.describe_multiplier_basis(0.02)
