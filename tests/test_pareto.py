"""Pareto / concentration: hand-computed tables, invariants, engines, plots and widgets."""

from __future__ import annotations

import warnings

import duckdb
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import retention_lib.pareto as P
from retention_lib._validation import AssumptionWarning, DataValidationError, SmallSampleWarning
from retention_lib.plotting.pareto import plot_lorenz, plot_pareto, plot_top_share

# the hand-computed examples are deliberately tiny; the warning has its own test below
pytestmark = pytest.mark.filterwarnings("ignore::retention_lib._validation.SmallSampleWarning")

# Ten customers, net values 50, 20, 10, 5, 5, 4, 3, 2, 1, 0 (total 100), spread over
# several rows (a: 30 + 20; d: 8 - 3 return; j: 4 - 4) so the per-customer sums are tested.
TEN = [
    ("a", 30.0),
    ("a", 20.0),
    ("b", 20.0),
    ("c", 10.0),
    ("d", 8.0),
    ("d", -3.0),
    ("e", 5.0),
    ("f", 4.0),
    ("g", 3.0),
    ("h", 2.0),
    ("i", 1.0),
    ("j", 4.0),
    ("j", -4.0),
]


def ten_log() -> pd.DataFrame:
    df = pd.DataFrame(TEN, columns=["customer_id", "amount"])
    df["customer_id"] = df["customer_id"].astype("str")
    df["timestamp"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(len(df)), unit="D")
    df["region"] = pd.Series(np.where(df["customer_id"].isin(list("abcde")), "X", "Y"), dtype="str")
    return df


def random_values(rng: np.random.Generator, n: int = 60) -> pd.DataFrame:
    ids = rng.choice([f"c{i:03d}" for i in range(n)], size=4 * n)
    amount = np.round(rng.lognormal(3, 1.2, len(ids)), 2) * rng.choice([1, 1, 1, -1], len(ids))
    return pd.DataFrame(
        {
            "customer_id": pd.Series(ids, dtype="str"),
            "timestamp": pd.Timestamp("2024-01-01")
            + pd.to_timedelta(rng.integers(0, 300, len(ids)), unit="D"),
            "amount": amount,
            "region": pd.Series(rng.choice(["A", "B"], len(ids)), dtype="str"),
        }
    )


# --------------------------------------------------------------------------- hand-computed


def test_pareto_table_matches_hand_computation():
    t = P.pareto_table(ten_log())
    assert t["customer_id"].tolist() == list("abcdefghij")
    assert t["rank"].tolist() == list(range(1, 11))
    np.testing.assert_allclose(t["value"], [50, 20, 10, 5, 5, 4, 3, 2, 1, 0])
    np.testing.assert_allclose(
        t["cum_value_share"], [0.5, 0.7, 0.8, 0.85, 0.9, 0.94, 0.97, 0.99, 1.0, 1.0], atol=1e-12
    )
    np.testing.assert_allclose(t["cum_customer_share"], np.arange(1, 11) / 10)
    assert t["decile"].tolist() == list(range(1, 11))
    # A = smallest top set reaching 80% (a, b, c); B up to 95% (d..g); C the rest
    assert t["abc_class"].tolist() == list("AAABBBBCCC")


def test_pareto_summary_matches_hand_computation():
    s = P.pareto_summary(ten_log()).iloc[0]
    assert s["n_customers"] == 10
    assert s["n_zero_value"] == 1  # j bought 4 and returned 4: counted, not hidden
    assert s["top_share"] == pytest.approx(0.70)
    assert s["customer_share_for_target"] == pytest.approx(0.30)
    assert s["n_customers_for_target"] == 3
    # ascending x = 0,1,2,3,4,5,5,10,20,50; sum (2i-11) x_i = 630; G = 630 / (10 * 100)
    assert s["gini"] == pytest.approx(0.63)
    assert s["total_value"] == pytest.approx(100.0)


def test_shares_between_customers_are_interpolated():
    s = P.pareto_summary(ten_log(), top=0.25, target=0.75).iloc[0]
    assert s["top_share"] == pytest.approx(0.75)  # halfway between 70% (2) and 80% (3)
    assert s["customer_share_for_target"] == pytest.approx(0.25)
    assert s["n_customers_for_target"] == 3


def test_small_groups_warn():
    with pytest.warns(SmallSampleWarning, match="Fewer than 20 customers in 'X' \\(5\\), 'Y'"):
        P.pareto_summary(ten_log(), by="region")


def test_gini_hand_values_and_lorenz_area():
    assert P.gini([1, 1, 1, 1]) == 0.0
    assert P.gini([0, 0, 0, 4]) == pytest.approx(0.75)  # (n-1)/n
    assert P.gini([0, 1, 2, 3, 4, 5, 5, 10, 20, 50]) == pytest.approx(0.63)
    curve = P.lorenz_curve(ten_log())
    x, y = curve["cum_customer_share"].to_numpy(), curve["cum_value_share"].to_numpy()
    area = np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1]) / 2)
    assert 1 - 2 * area == pytest.approx(0.63)


def test_lorenz_is_the_mirror_of_the_pareto_curve():
    table = P.pareto_table(ten_log())
    curve = P.lorenz_curve(ten_log())
    pareto_y = np.concatenate([[0.0], table["cum_value_share"].to_numpy()])
    # L(p) = 1 - P(1 - p) at the grid points p = k/n
    np.testing.assert_allclose(curve["cum_value_share"].to_numpy(), 1 - pareto_y[::-1], atol=1e-12)


def test_deciles_and_abc_summary_add_up():
    d = P.pareto_deciles(ten_log())
    assert d["n_customers"].sum() == 10
    assert d["value"].sum() == pytest.approx(100.0)
    assert d["cum_value_share"].iloc[-1] == pytest.approx(1.0)
    abc = P.abc_summary(ten_log()).set_index("abc_class")
    assert abc["n_customers"].tolist() == [3, 4, 3]
    np.testing.assert_allclose(abc["value"], [80, 17, 3])
    four = P.abc_summary(ten_log(), abc_thresholds=(0.5, 0.8, 0.95))
    assert four["abc_class"].tolist() == list("ABCD")


# --------------------------------------------------------------------------- negative values


def with_negative() -> pd.DataFrame:
    df = ten_log()
    extra = pd.DataFrame(
        {
            "customer_id": pd.Series(["k"], dtype="str"),
            "amount": [-10.0],
            "timestamp": [pd.Timestamp("2024-02-01")],
            "region": pd.Series(["Y"], dtype="str"),
        }
    )
    return pd.concat([df, extra], ignore_index=True)


def test_negative_customers_are_clipped_and_counted():
    s = P.pareto_summary(with_negative()).iloc[0]
    assert s["n_customers"] == 11
    assert s["n_negative_value"] == 1
    assert s["negative_value"] == pytest.approx(-10.0)
    assert s["total_value"] == pytest.approx(100.0)  # k counts as 0
    assert s["top_share"] == pytest.approx(
        float(
            np.interp(
                0.2,
                np.arange(12) / 11,
                np.r_[0, [0.5, 0.7, 0.8, 0.85, 0.9, 0.94, 0.97, 0.99, 1, 1, 1]],
            )
        )
    )
    t = P.pareto_table(with_negative())
    last = t.iloc[-1]
    assert last["customer_id"] == "k" and last["value"] == -10 and last["value_used"] == 0


def test_negative_customers_can_be_dropped_but_are_still_counted():
    s = P.pareto_summary(with_negative(), negative="drop").iloc[0]
    assert s["n_customers"] == 10
    assert s["n_negative_value"] == 1
    assert s["gini"] == pytest.approx(0.63)


def test_a_net_of_zero_is_zero_whatever_the_order_of_the_sum():
    # 0.1 + 0.2 + 0.7 - 1.0 is 0.0 summed in this order, -1.1e-16 in another (an engine's)
    customers = P.customer_values(with_negative())
    a = customers["customer_id"] == "a"

    def summary(noise, **kw):
        values = customers.assign(revenue=np.where(a, noise, customers["revenue"]))
        return P.pareto_summary(values, value="revenue", **kw).iloc[0]

    exact, dropped = summary(0.0), summary(0.0, negative="drop")
    assert exact["n_negative_value"] == 1  # k
    for noise in (-1.1e-16, 1.1e-16):
        pd.testing.assert_series_equal(summary(noise), exact)
        pd.testing.assert_series_equal(summary(noise, negative="drop"), dropped)


# --------------------------------------------------------------------------- by, engines, input


def test_by_group_equals_filtering_each_group():
    tx = ten_log()
    by = P.pareto_summary(tx, by="region").set_index("region")
    for region in ("X", "Y"):
        alone = P.pareto_summary(tx[tx["region"] == region]).iloc[0]
        for col in ("n_customers", "top_share", "gini", "customer_share_for_target"):
            assert by.loc[region, col] == pytest.approx(alone[col])


def test_per_customer_frame_gives_the_same_result_as_transactions():
    tx = ten_log()
    customers = P.customer_values(tx)
    pd.testing.assert_frame_equal(
        P.pareto_summary(customers, value="revenue"), P.pareto_summary(tx)
    )


@pytest.mark.parametrize("engine", ["duckdb", "polars"])
def test_pandas_duckdb_and_polars_agree(engine, rng):
    tx = random_values(rng)
    tx["order_id"] = pd.Series([f"o{i}" for i in range(len(tx))], dtype="str")
    native = duckdb.from_df(tx) if engine == "duckdb" else pl.from_pandas(tx)
    pd.testing.assert_frame_equal(
        P.pareto_table(native, by="region"), P.pareto_table(tx, by="region")
    )
    pd.testing.assert_frame_equal(
        P.customer_values(native, by="region"), P.customer_values(tx, by="region")
    )


def test_customer_values_columns(tiny_log):
    cv = P.customer_values(tiny_log, margin=0.25).set_index("customer_id")
    assert cv.loc["A", "revenue"] == 60.0 and cv.loc["A", "n_orders"] == 3
    assert cv.loc["E", "revenue"] == 1.0 and cv.loc["E", "n_orders"] == 1  # return not an order
    assert cv.loc["C", "first_purchase"] == pd.Timestamp("2024-02-03 08:00")
    assert cv.loc["A", "last_purchase"] == pd.Timestamp("2024-04-01 09:00")
    assert cv.loc["A", "margin"] == pytest.approx(15.0)


def test_customer_values_joins_clv_and_warns_for_missing_predictions(tiny_log):
    clv = pd.DataFrame(
        {
            "customer_id": ["A", "B", "C", "D"],
            "clv": [100.0, 50, 20, 10],
            "p_alive": [0.9, 0.5, 0.8, 0.2],
        }
    )
    with pytest.warns(AssumptionWarning, match="have no row in `clv`"):
        cv = P.customer_values(tiny_log, clv=clv)
    assert cv.set_index("customer_id").loc["A", "clv"] == 100.0
    with pytest.raises(DataValidationError, match="Column `clv` has 1 missing value"):
        P.pareto_summary(cv, value="clv")
    comp = P.concentration_comparison(cv.fillna({"clv": 0.0}), values=["revenue", "clv"])
    assert comp["measure"].tolist() == ["revenue", "clv"]
    assert comp.loc[1, "total_value"] == pytest.approx(180.0)
    # a row given on purpose (E counted as worth nothing, P(alive) unknown) is no missing row
    given = pd.concat(
        [clv, pd.DataFrame({"customer_id": ["E"], "clv": [0.0], "p_alive": [np.nan]})]
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error", AssumptionWarning)
        cv = P.customer_values(tiny_log, clv=given)
    assert cv.set_index("customer_id").loc["E", "clv"] == 0.0


def test_customer_values_counts_customers_without_a_prediction_at_missing_clv(tiny_log):
    clv = pd.DataFrame({"customer_id": ["A", "B", "C", "D"], "clv": [100.0, 50, 20, 10]})
    clv["p_alive"] = [0.9, 0.5, 0.8, 0.2]
    with warnings.catch_warnings():
        warnings.simplefilter("error", AssumptionWarning)  # asked for, so no warning
        cv = P.customer_values(tiny_log, clv=clv, missing_clv=0.0).set_index("customer_id")
    lacking = sorted(set(cv.index) - set(clv["customer_id"]))
    assert lacking and (cv.loc[lacking, "clv"] == 0.0).all()
    assert cv.loc[lacking, "p_alive"].isna().all() and not cv.loc[lacking, "predicted"].any()
    assert cv.loc[["A", "B", "C", "D"], "predicted"].all()
    assert cv["clv"].sum() == pytest.approx(180.0)  # the total is the predictions' total
    with pytest.raises(DataValidationError, match="`missing_clv` .* needs `clv=`"):
        P.customer_values(tiny_log, missing_clv=0.0)


def test_result_does_not_depend_on_row_order(rng):
    tx = random_values(rng)
    shuffled = tx.sample(frac=1.0, random_state=7).reset_index(drop=True)
    pd.testing.assert_frame_equal(
        P.pareto_table(tx, by="region"), P.pareto_table(shuffled, by="region")
    )


# --------------------------------------------------------------------------- invariants


@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(st.floats(-50, 1000, allow_nan=False), min_size=1, max_size=40),
    top=st.floats(0.01, 1.0),
)
def test_invariants_over_generated_values(values, top):
    values = [v if abs(v) > 1e-6 else 0.0 for v in values]
    if not any(v > 0 for v in values):
        values[0] = 1.0
    df = pd.DataFrame(
        {
            "customer_id": pd.Series([f"c{i}" for i in range(len(values))], dtype="str"),
            "amount": values,
        }
    )
    t = P.pareto_table(df)
    cum = t["cum_value_share"].to_numpy()
    assert np.all(np.diff(cum) >= -1e-12)
    assert cum[-1] == 1.0 and cum.min() >= 0
    s = P.pareto_summary(df, top=top).iloc[0]
    assert 0 <= s["gini"] <= 1
    assert top - 1e-9 <= s["top_share"] <= 1 + 1e-12  # the top x% hold at least x%
    assert set(t["decile"]) <= set(range(1, 11))


# --------------------------------------------------------------------------- validation


def test_missing_value_column_is_named():
    with pytest.raises(DataValidationError, match="missing column.*`margin`"):
        P.pareto_table(ten_log(), value="margin")


def test_missing_amounts_are_refused_not_summed_as_zero():
    tx = ten_log()
    tx.loc[2, "amount"] = np.nan
    with pytest.raises(DataValidationError, match="`amount` has 1 missing value.*customers b"):
        P.pareto_table(tx)


def test_missing_customer_ids_are_refused():
    tx = ten_log()
    tx["customer_id"] = tx["customer_id"].where(tx.index != 0, None)
    with pytest.raises(DataValidationError, match="Column `customer_id`.*missing value"):
        P.pareto_summary(tx)


def test_missing_group_labels_are_refused():
    tx = ten_log()
    tx["region"] = tx["region"].where(tx.index != 3, None)
    with pytest.raises(DataValidationError, match="Column `region`.*fillna"):
        P.pareto_summary(tx, by="region")


def test_no_positive_value_is_refused():
    tx = ten_log().assign(amount=lambda d: -d["amount"].abs())
    with pytest.raises(DataValidationError, match="No customer has a positive `amount`"):
        P.pareto_summary(tx)


def test_bad_options_are_refused():
    with pytest.raises(DataValidationError, match="`negative` must be one of"):
        P.pareto_table(ten_log(), negative="keep")
    with pytest.raises(DataValidationError, match="`abc_thresholds` must rise"):
        P.pareto_table(ten_log(), abc_thresholds=(0.9, 0.8))
    with pytest.raises(DataValidationError, match="`top` must be in"):
        P.pareto_summary(ten_log(), top=1.5)
    with pytest.raises(DataValidationError, match="`by` cannot be `customer_id`"):
        P.pareto_summary(ten_log(), by="customer_id")
    with pytest.raises(DataValidationError, match="`margin` must be in"):
        P.customer_values(ten_log(), margin=30)
    with pytest.raises(DataValidationError, match="`values` must be finite and >= 0"):
        P.gini([1.0, -2.0])
    with pytest.raises(DataValidationError, match="has no rows"):
        P.pareto_table(ten_log().iloc[:0])


# --------------------------------------------------------------------------- plots


def test_plot_pareto_marks_the_top_share():
    fig, ax = plt.subplots()
    out = plot_pareto(P.pareto_table(ten_log()), top=0.2, ax=ax)
    assert out is ax
    texts = " ".join(t.get_text() for t in ax.texts)
    assert "= 70% of value" in texts
    lines = ax.get_lines()
    assert any(np.allclose(line.get_xydata(), [[0, 0], [1, 1]]) for line in lines)


def test_plot_pareto_by_group_draws_one_curve_per_group():
    fig, ax = plt.subplots()
    plot_pareto(P.pareto_table(ten_log(), by="region"), by="region", ax=ax)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert any(label.startswith("X:") for label in labels)
    assert any(label.startswith("Y:") for label in labels)


def test_plot_top_share_and_lorenz():
    fig, (ax1, ax2) = plt.subplots(1, 2)
    plot_top_share(P.pareto_summary(ten_log(), by="region"), by="region", ax=ax1, min_customers=0)
    assert len(ax1.patches) == 2
    plot_lorenz(P.lorenz_curve(ten_log()), ax=ax2)
    assert "Gini 0.63" in ax2.get_legend().get_texts()[1].get_text()
    with pytest.raises(DataValidationError, match="missing column.*`top_share`"):
        plot_top_share(P.pareto_table(ten_log()), by="customer_id")


# --------------------------------------------------------------------------- widgets


def test_pareto_view_matches_library_calls(rng):
    from retention_lib.widgets.pareto import pareto_explorer, pareto_view

    tx = random_values(rng, n=80)
    tx["segment"] = pd.Series(np.where(tx.index % 2, "s1", "s2"), dtype="str")
    summary, fig = pareto_view(tx, region="A", measure="margin", top=0.3, margin=0.5)
    expected = P.pareto_summary(
        P.customer_values(tx[tx["region"] == "A"], margin=0.5), value="margin", top=0.3
    )
    pd.testing.assert_frame_equal(summary, expected)
    assert fig.axes and "customers by margin" in fig.axes[0].get_title()
    with pytest.raises(DataValidationError, match="needs the CLV table"):
        pareto_view(tx, measure="clv")
    with pytest.raises(DataValidationError, match="pick a wider selection"):
        pareto_view(tx.head(3))
    box = pareto_explorer(tx)
    assert len(box.children) == 2


@pytest.mark.slow
def test_online_retail_concentration_uk_vs_rest(online_retail_path):
    import retention_lib as rl

    tx, _ = rl.prepare_transactions(online_retail_path, currency="GBP")
    tx["country_group"] = pd.Series(
        np.where(tx["country"] == "United Kingdom", "UK", "Rest"), dtype="str", index=tx.index
    )
    s = P.pareto_summary(tx, by="country_group").set_index("country_group")
    print(s[["n_customers", "top_share", "gini"]])
    # measured 2025: UK 72.4% / Gini 0.69 (3,942 customers); rest 80.0% / 0.77 (420)
    assert s.loc["UK", "top_share"] == pytest.approx(0.724, abs=0.01)
    assert s.loc["Rest", "top_share"] == pytest.approx(0.800, abs=0.01)
    assert s.loc["UK", "gini"] == pytest.approx(0.692, abs=0.01)
    assert s.loc["Rest", "gini"] == pytest.approx(0.774, abs=0.01)


# --------------------------------------------------------------------------- readings


def _summary(top_share, gini, *, top=0.2, target=0.8, share_for_target=0.27, n=1166):
    return pd.DataFrame(
        {
            "top": [top],
            "top_share": [top_share],
            "target": [target],
            "customer_share_for_target": [share_for_target],
            "n_customers_for_target": [n],
            "gini": [gini],
        }
    )


def test_describe_pareto_more_less_or_in_line_with_the_rule():
    less = P.describe_pareto(_summary(0.74, 0.709))
    assert less == (
        "The top 20% of customers bring 74% of revenue, less concentrated than the 80/20 rule "
        "of thumb; 27% of customers (1,166) bring 80% of it. Gini 0.71: revenue depends heavily "
        "on a few customers."
    )
    assert "more concentrated than the 80/20" in P.describe_pareto(_summary(0.9, 0.8))
    assert "in line with the 80/20" in P.describe_pareto(_summary(0.81, 0.65))
    even = P.describe_pareto(_summary(0.25, 0.08), measure="clv")
    assert "predicted value (CLV) is spread fairly evenly" in even


def test_describe_pareto_groups_leaves_out_small_groups():
    by_group = pd.DataFrame(
        {
            "region": ["Africa", "Asia", "Europe", "Oceania"],
            "n_customers": [1, 27, 4317, 9],
            "top": 0.2,
            "top_share": [0.2, 0.719, 0.736, 0.934],
        }
    )
    text = P.describe_pareto_groups(by_group, by="region")
    assert "about equally concentrated" in text and "72% to 74%" in text
    assert "Oceania" not in text and "Africa" not in text
    apart = by_group.assign(top_share=[0.2, 0.6, 0.8, 0.9])
    text = P.describe_pareto_groups(apart, by="region")
    assert "most concentrated in Europe (top 20% bring 80%) and least in Asia (60%)" in text
    one = P.describe_pareto_groups(by_group, by="region", min_customers=100)
    assert one.startswith("Only Europe has at least 100 customers")
    assert "No region" in P.describe_pareto_groups(by_group, by="region", min_customers=10**6)


def test_describe_concentration_comparison_follows_the_numbers():
    comparison = pd.DataFrame(
        {"measure": ["revenue", "clv"], "top": [0.2, 0.2], "top_share": [0.74, 0.636]}
    )
    assert P.describe_concentration_comparison(comparison) == (
        "Predicted value (CLV) is less concentrated than revenue (top 20%: 64% vs 74%)."
    )
    more = comparison.assign(top_share=[0.6, 0.7])
    assert "more concentrated than" in P.describe_concentration_comparison(more)
    same = comparison.assign(top_share=[0.7, 0.71])
    assert "about as concentrated as" in P.describe_concentration_comparison(same)
    with pytest.raises(DataValidationError, match="no measure 'margin'"):
        P.describe_concentration_comparison(comparison, other="margin")


def test_plots_leave_out_groups_too_small_to_read():
    rng = np.random.default_rng(3)
    tx = pd.DataFrame(
        {
            "customer_id": [f"c{i}" for i in range(45)],
            "amount": rng.gamma(2, 20, 45),
            "timestamp": pd.Timestamp("2024-01-01"),
            "region": ["Europe"] * 40 + ["Africa"] * 1 + ["Oceania"] * 4,
        }
    )
    by_group = P.pareto_summary(tx, by="region")
    ax = plot_top_share(by_group, by="region")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["Europe"]
    plt.close("all")
    ax = plot_top_share(by_group, by="region", min_customers=0)
    assert len(ax.get_xticklabels()) == 3
    plt.close("all")
    ax = plot_lorenz(P.lorenz_curve(tx, by="region"), by="region")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0] == "equality" and len(labels) == 2 and labels[1].startswith("Europe")
