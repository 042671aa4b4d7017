"""CLV, intervals, group summaries, per-group fits and the seed formulas."""

from __future__ import annotations

import io

import numpy as np
import pandas as pd
import pytest

from retention_lib import DataValidationError, SmallSampleWarning
from retention_lib.clv import (
    BetaGeoModel,
    GammaGammaModel,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
    clv_by_group,
    clv_intervals,
    clv_vs_past_revenue,
    customer_groups,
    customer_lifetime_value,
    describe_clv,
    describe_clv_by_group,
    describe_ltv_comparison,
    describe_p_alive,
    fit_by_group,
    load_cdnow,
    ltv_comparison,
    rfm_summary,
    simple_ltv,
)
from retention_lib.clv._lifetimes import quiet
from retention_lib.clv.value import UNITS_PER_MONTH

_WEEKS = UNITS_PER_MONTH["W"]  # our month in weeks (365.25 / 12 days)


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


def test_clv_is_the_discounted_sum_of_fader_hardie_lee_2005b(cal, models):
    """Fader, Hardie & Lee (2005b): clv = E[spend] * sum_k (E[Y(k)] - E[Y(k-1)]) / (1 + d)^k,
    the sum lifetimes' ``customer_lifetime_value`` computes, here with the package's month of
    365.25 / 12 days (4.348 weeks; lifetimes takes 4.345)."""
    bg, gg = models
    ours = customer_lifetime_value(bg, gg, cal, horizon_months=12, discount_rate=0.01)
    month = (365.25 / 12) / 7
    spend = gg.expected_spend(cal).to_numpy()
    expected = np.zeros(len(cal))
    for k in range(1, 13):
        step = bg.expected_purchases(cal, t=k * month) - bg.expected_purchases(
            cal, t=(k - 1) * month
        )
        expected += spend * np.asarray(step) / 1.01**k
    np.testing.assert_allclose(ours["clv"], expected, rtol=1e-9)
    assert list(ours.columns) == ["customer_id", "p_alive", "expected_purchases",
                                  "expected_spend", "clv"]  # fmt: skip
    np.testing.assert_allclose(
        ours["expected_purchases"], bg.expected_purchases(cal, t=12 * month), rtol=1e-12
    )


def test_clv_stays_within_rounding_of_lifetimes(cal, models):
    """lifetimes' own CLV, whose month is 4.345 weeks: ours (4.348 weeks) is 0.07% longer."""
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
    np.testing.assert_allclose(ours["clv"], ref, rtol=2e-3)
    assert (ours["clv"].to_numpy() >= np.asarray(ref) - 1e-9).all()
    assert list(ours.columns) == ["customer_id", "p_alive", "expected_purchases",
                                  "expected_spend", "clv"]  # fmt: skip
    np.testing.assert_allclose(
        ours["expected_purchases"], bg.expected_purchases(cal, t=12 * _WEEKS), rtol=1e-12
    )


@pytest.mark.parametrize("cls", [ModifiedBetaGeoModel, ParetoNBDModel])
def test_clv_of_every_purchase_model_is_its_own_discounted_purchases(cal, models, cls):
    """One CLV path for every purchase model (the model's `_clv_terms`, no class test): the
    discounted sum of its own `expected_purchases` month by month, times the expected spend;
    for MBG/NBD it matches lifetimes' `customer_lifetime_value` (whose month is 0.07% shorter)."""
    _, gg = models
    purchase = cls().fit(cal)
    ours = customer_lifetime_value(purchase, gg, cal, horizon_months=6, discount_rate=0.01)
    months = [purchase.expected_purchases(cal, t=k * _WEEKS).to_numpy() for k in range(7)]
    steps = (
        sum((months[k] - months[k - 1]) / 1.01**k for k in range(1, 7))
        * gg.expected_spend(cal).to_numpy()
    )
    np.testing.assert_allclose(ours["clv"], steps, rtol=1e-9)
    if cls is ModifiedBetaGeoModel:
        with quiet():
            ref = gg._fitter.customer_lifetime_value(
                purchase._fitter, cal["frequency"], cal["recency"], cal["T"],
                cal["monetary_value"], time=6, discount_rate=0.01, freq="W",
            )  # fmt: skip
        np.testing.assert_allclose(ours["clv"], ref, rtol=2e-3)  # lifetimes' month: 4.345 weeks
    out = clv_intervals(purchase, gg, cal, horizon_months=6, n_draws=20, progress=False, seed=1)
    assert out["clv_lower"].iloc[0] < out["clv_estimate"].iloc[0] < out["clv_upper"].iloc[0]


def test_bgnbd_fast_clv_terms_equal_the_general_path(cal, models):
    """BG/NBD overrides `_clv_terms` with a closed form per distinct (x, T); it equals the
    general per-row path of the purchase-model contract."""
    from retention_lib.clv.models import PurchaseModel

    bg, _ = models
    x, tx, T = (cal[c].to_numpy(dtype=float) for c in ("frequency", "recency", "T"))
    times = np.arange(1, 13) * 4.345
    discounts = 1 / 1.01 ** np.arange(1, 13)
    params = bg.params_.to_numpy()
    fast = bg._clv_terms(params, x, tx, T, times, discounts, {})
    general = PurchaseModel._clv_terms(bg, params, x, tx, T, times, discounts, {})
    for a, b in zip(fast, general, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9)


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


# --------------------------------------------------------------------------- readings


def test_describe_p_alive_near_one_says_no_dropout_is_seen():
    text = describe_p_alive(np.full(4334, 0.999))
    assert "near 1 for almost everyone" in text and "upper bound" in text
    assert "On average" not in text


def test_describe_p_alive_spread_gives_average_and_gone():
    text = describe_p_alive(pd.DataFrame({"p_alive": [0.9, 0.8, 0.3, 0.2]}))
    assert text == (
        "On average a customer is 55% likely to still be active; 2 customers (50%) are more "
        "likely gone than not."
    )


def _values(n, *, purchases, spend, p_alive=0.6):
    return pd.DataFrame(
        {
            "customer_id": [str(i) for i in range(n)],
            "p_alive": p_alive,
            "expected_purchases": purchases,
            "expected_spend": spend,
            "clv": purchases * spend * 0.9,
        }
    )


def _log(months, monthly_revenue):
    ts = pd.date_range("2023-01-15", periods=months, freq="MS") + pd.Timedelta(days=14)
    return pd.DataFrame({"customer_id": "a", "timestamp": ts, "amount": monthly_revenue})


def test_clv_vs_past_revenue_uses_the_last_horizon_of_the_log():
    tx = _log(24, 100.0)  # 24 months of 100
    cmp = clv_vs_past_revenue(_values(10, purchases=2.0, spend=50.0), tx, horizon_months=12)
    row = cmp.iloc[0]
    assert row["predicted_revenue"] == pytest.approx(1000.0)
    assert row["past_revenue"] == pytest.approx(1200.0) and row["past_months"] == 12
    assert row["ratio"] == pytest.approx(1000 / 1200)


def test_clv_vs_past_revenue_scales_a_short_log():
    tx = _log(7, 100.0)  # 15 Jan to 15 Jul: six months between first and last
    row = clv_vs_past_revenue(_values(1, purchases=1.0, spend=1.0), tx, horizon_months=12).iloc[0]
    assert row["past_revenue"] == pytest.approx(700.0)
    assert row["past_months"] == pytest.approx(181 / (365.25 / 12))
    assert row["past_revenue_same_span"] == pytest.approx(700.0 * 12 / row["past_months"])


def test_describe_clv_flags_a_forecast_above_past_revenue():
    tx = _log(24, 100.0)
    above = describe_clv(
        _values(10, purchases=3.0, spend=50.0, p_alive=0.999), tx, horizon_months=12, currency="GBP"
    )
    assert "more than the whole net revenue of the last 12 months of the log" in above
    assert "1.25 times" in above and "upper bound" in above and "mean P(alive) of 100%" in above
    below = describe_clv(_values(10, purchases=1.0, spend=50.0), tx, horizon_months=12)
    assert "42% of the net revenue" in below and "new customers would come on top" in below
    assert "more than" not in below and "upper bound" not in below


def test_describe_clv_quotes_total_and_concentration():
    values = _values(10, purchases=1.0, spend=50.0)
    values.loc[0, "clv"] = 1000.0  # one customer holds most of it
    text = describe_clv(values, _log(24, 100.0), horizon_months=12, currency="EUR")
    assert text.startswith("Total 12-month CLV is 1,405 EUR; the top 10% of customers hold 71%")


def test_describe_clv_by_group_leaves_small_groups_unnamed():
    table = pd.DataFrame(
        {
            "region": ["Oceania", "Europe", "Asia"],
            "customers": [9, 4286, 25],
            "total_clv": [200_000.0, 8_000_000.0, 50_000.0],
            "share_of_clv": [0.024, 0.97, 0.006],
            "clv_lower": [np.nan, 7_500_000.0, 40_000.0],
            "clv_upper": [np.nan, 8_500_000.0, 60_000.0],
        }
    )
    text = describe_clv_by_group(table, by="region", currency="GBP")
    assert text.startswith("Europe holds the most value: 8,000,000 GBP (95% interval 7,500,000")
    assert "the other regions add little" in text and "Next is Asia" in text
    assert "Oceania" not in text
    even = table.assign(share_of_clv=[0.3, 0.4, 0.3])
    assert "add little" not in describe_clv_by_group(even, by="region")
    assert "No region has" in describe_clv_by_group(table, by="region", min_customers=10_000)


def _comparison(simple, model):
    return pd.DataFrame(
        {"simple": [50.0, 4.0, 1.0, simple, simple - 25, simple / 25],
         "model": [50.0, 4.0, 1.0, model, model - 25, model / 25]},
        index=pd.Index(["average_order_value", "orders_per_year", "lifespan_years", "ltv",
                        "ltv_minus_cac", "ltv_cac_ratio"], name="quantity"),
    )  # fmt: skip


def test_describe_ltv_comparison_close_lower_or_higher():
    close = describe_ltv_comparison(_comparison(1974.0, 1974.3), cac=25.0, currency="GBP")
    assert "within 5%" in close and "discounts almost no customer" in close
    assert "an assumed CAC of 25 GBP" in close and "79.0:1" in close
    lower = describe_ltv_comparison(_comparison(104.0, 72.0), cac=25.0)
    assert "the model is 31% lower" in lower and "2.9:1 (below 3:1)" in lower
    higher = describe_ltv_comparison(_comparison(50.0, 80.0), cac=25.0, cac_assumed=False)
    assert "the model is 60% higher" in higher and "assumed" not in higher


@pytest.mark.slow
def test_readings_agree_with_their_numbers_on_online_retail(online_retail_path):
    import retention_lib as rl
    from retention_lib.clv import describe_p_alive

    tx, _ = rl.prepare_transactions(online_retail_path, currency="GBP", source_currency="GBP")
    summary = rfm_summary(tx, time_unit="W", grain="D")
    with quiet():
        bg, gg = BetaGeoModel().fit(summary), GammaGammaModel().fit(summary)
    values = customer_lifetime_value(bg, gg, summary, horizon_months=12)
    cmp = clv_vs_past_revenue(values, tx, horizon_months=12).iloc[0]
    text = describe_clv(values, tx, horizon_months=12, currency="GBP")
    above = cmp["predicted_revenue"] > cmp["past_revenue_same_span"]
    assert ("more than the whole net revenue" in text) == above
    near_one = (values["p_alive"] >= 0.95).mean() >= 0.95
    assert ("near 1 for almost everyone" in describe_p_alive(values)) == near_one
    by_region = clv_by_group(values, tx, by="region")
    assert "Africa" not in describe_clv_by_group(by_region, by="region")


# ---------------------------------------------------------------------------------------------
# the model owns its time unit (issue 10 item 6)
# ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def daily(tx):
    """The whole CDNOW log summarised in days, and the models fitted on it."""
    summary = rfm_summary(tx, time_unit="D")
    return summary, BetaGeoModel().fit(summary), GammaGammaModel().fit(summary)


def test_clv_of_a_csv_round_trip_uses_the_models_unit_issue_10(daily):
    """Issue 10: a CDNOW summary in days that lost its attrs in a CSV round trip gave a CLV of
    10,780 instead of 67,093 (months counted as 4.345 days). The model's own unit decides:
    a year is 365.25 days."""
    summary, bg, gg = daily
    assert bg.time_unit_ == "D"
    lost = pd.read_csv(io.StringIO(summary.to_csv(index=False)), dtype={"customer_id": "str"})
    assert lost.attrs == {}
    values = customer_lifetime_value(bg, gg, lost)
    total = values["clv"].sum()
    assert total == pytest.approx(customer_lifetime_value(bg, gg, summary)["clv"].sum(), rel=1e-12)
    # 12 months in the model's days: 365.25 days, not 12 x 4.345
    np.testing.assert_allclose(
        values["expected_purchases"], bg.expected_purchases(lost, t=365.25), rtol=1e-12
    )


def test_a_weekly_model_refuses_a_daily_summary_or_converts_it_when_asked(tx, daily):
    summary_d, _, _ = daily
    weekly = rfm_summary(tx, time_unit="W", grain="D")
    bg, gg = BetaGeoModel().fit(weekly), GammaGammaModel().fit(weekly)
    with pytest.raises(DataValidationError, match="fitted in weeks \\('W'\\) but `summary` is in "
                                                  "days \\('D'\\)"):  # fmt: skip
        customer_lifetime_value(bg, gg, summary_d)
    converted = customer_lifetime_value(bg, gg, summary_d, time_unit="D")
    pd.testing.assert_frame_equal(converted, customer_lifetime_value(bg, gg, weekly), rtol=1e-10)
    with pytest.raises(DataValidationError, match="fitted in weeks"):
        bg.p_alive(summary_d)
    pd.testing.assert_series_equal(
        bg.expected_purchases(summary_d, t=10, time_unit="D"), bg.expected_purchases(weekly, t=10),
        rtol=1e-10,
    )  # fmt: skip


def test_conversion_is_refused_when_the_grains_differ(tx, daily):
    summary_d, _, _ = daily  # purchases merged per day
    weekly_grain = rfm_summary(tx, time_unit="W")  # purchases merged per week
    bg = BetaGeoModel().fit(weekly_grain)
    with pytest.raises(DataValidationError, match="counts purchases per 'W' period"):
        bg.expected_purchases(summary_d, t=10, time_unit="D")


def test_a_declared_unit_contradicting_the_summary_is_refused(models, cal):
    bg, gg = models
    with pytest.raises(DataValidationError, match="`time_unit='D'` contradicts `summary`"):
        customer_lifetime_value(bg, gg, cal, time_unit="D")


def test_clv_intervals_use_the_models_unit(daily):
    summary, bg, gg = daily
    lost = summary.copy()
    lost.attrs = {}
    kw = dict(n_draws=5, seed=1, progress=False)
    pd.testing.assert_frame_equal(
        clv_intervals(bg, gg, lost, **kw), clv_intervals(bg, gg, summary, **kw)
    )


def test_fit_by_group_needs_the_time_unit_without_a_record(cal, tx):
    lost = cal.copy()
    lost.attrs = {}
    with pytest.raises(DataValidationError, match="Pass it: `fit_by_group\\(summary, time_unit"):
        fit_by_group(lost, tx, by="region", min_customers=100)
    fits = fit_by_group(lost, tx, by="region", min_customers=100, time_unit="W")
    assert {m.time_unit_ for m in fits["model"]} == {"W"}
