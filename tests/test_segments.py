"""RFM scores, named segments and the churn-risk list."""

from __future__ import annotations

import itertools
import warnings

import duckdb
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import retention_lib.segments as S
from retention_lib._validation import (
    AssumptionWarning,
    DataValidationError,
    InputTypeError,
    SmallSampleWarning,
)
from retention_lib.plotting.segments import plot_rfm_grid, plot_segments

DAY0 = pd.Timestamp("2024-01-01")


def ladder() -> pd.DataFrame:
    """c0..c9: customer i has i+1 orders of 10 each, the last on day 10*i.

    So frequency, monetary and recency all rank customers in the same order and the RFM
    scores are, by hand: c0,c1 = 111; c2,c3 = 222; c4,c5 = 333; c6,c7 = 444; c8,c9 = 555.
    """
    rows = []
    for i in range(10):
        last = DAY0 + pd.Timedelta(days=10 * i)
        for j in range(i + 1):
            rows.append((f"c{i}", last - pd.Timedelta(days=j), 10.0, f"o{i}-{j}"))
    df = pd.DataFrame(rows, columns=["customer_id", "timestamp", "amount", "order_id"])
    for c in ("customer_id", "order_id"):
        df[c] = df[c].astype("str")
    df["region"] = pd.Series(np.where(df["customer_id"] < "c5", "X", "Y"), dtype="str")
    return df


def test_rfm_scores_match_hand_computation():
    sc = S.rfm_scores(ladder()).set_index("customer_id")
    expected = {f"c{i}": str(i // 2 + 1) * 3 for i in range(10)}
    assert sc["rfm_score"].to_dict() == expected
    assert sc.loc["c9", "recency_days"] == 0 and sc.loc["c0", "recency_days"] == 90
    assert sc.loc["c3", "n_orders"] == 4 and sc.loc["c3", "monetary"] == 40.0
    assert sc.loc["c0", "segment"] == "Lost"
    assert sc.loc["c2", "segment"] == "Hibernating"
    assert sc.loc["c4", "segment"] == "Need attention"
    assert sc.loc["c6", "segment"] == "Loyal"
    assert sc.loc["c9", "segment"] == "Champions"
    assert sc.loc["c9", "rfm_total"] == 15


def test_recency_is_reversed_and_measured_from_the_observation_end():
    sc = S.rfm_scores(ladder(), observation_end="2024-04-30").set_index("customer_id")
    assert sc.loc["c9", "recency_days"] == 30  # last purchase 2024-03-31
    assert sc.loc["c9", "r_score"] == 5 and sc.loc["c0", "r_score"] == 1
    with pytest.raises(DataValidationError, match="`observation_end` 2024-03-01 is before"):
        S.rfm_scores(ladder(), observation_end="2024-03-01")


def test_ties_are_spread_over_all_scores_and_warned_about():
    df = ladder().drop_duplicates("customer_id")  # everyone: 1 order of 10
    with pytest.warns(AssumptionWarning) as record:
        sc = S.rfm_scores(df)
    messages = " | ".join(str(w.message) for w in record)
    assert "share `n_orders` = 1," in messages and "share `monetary` = 10.0," in messages
    assert sc["f_score"].value_counts().sort_index().tolist() == [2, 2, 2, 2, 2]
    assert sc["m_score"].value_counts().sort_index().tolist() == [2, 2, 2, 2, 2]


def test_fewer_customers_than_scores_warns():
    df = ladder()
    df = df[df["customer_id"].isin(["c1", "c5", "c9"])]
    with pytest.warns(SmallSampleWarning, match="cannot fill the 5 RFM scores"):
        sc = S.rfm_scores(df)
    assert sc["r_score"].tolist() == [1, 2, 4]


def test_scores_within_groups(rng):
    sc = S.rfm_scores(ladder(), by="region")
    for _, g in sc.groupby("region"):
        assert sorted(g["r_score"]) == [1, 2, 3, 4, 5]


def test_returns_only_customers_are_left_out_with_a_warning(tiny_log):
    df = pd.concat(
        [
            tiny_log,
            pd.DataFrame(
                {
                    "customer_id": pd.Series(["Z"], dtype="str"),
                    "timestamp": [pd.Timestamp("2024-03-01")],
                    "amount": [-5.0],
                    "is_return": [True],
                    "region": pd.Series(["Asia"], dtype="str"),
                }
            ),
        ],
        ignore_index=True,
    )
    with pytest.warns(AssumptionWarning, match="1 customer\\(s\\) have returns but no purchase"):
        sc = S.rfm_scores(df)
    assert "Z" not in set(sc["customer_id"])
    assert set(sc["customer_id"]) == set("ABCDE")


def random_log(rng: np.random.Generator, n: int = 50) -> pd.DataFrame:
    ids = rng.choice([f"k{i:03d}" for i in range(n)], size=5 * n)
    return pd.DataFrame(
        {
            "customer_id": pd.Series(ids, dtype="str"),
            "timestamp": DAY0 + pd.to_timedelta(rng.integers(0, 500, len(ids)), unit="D"),
            "amount": np.round(rng.gamma(2, 20, len(ids)), 2),
            "order_id": pd.Series([f"o{i}" for i in range(len(ids))], dtype="str"),
            "region": pd.Series(rng.choice(["A", "B"], len(ids)), dtype="str"),
        }
    )


def test_duckdb_gives_the_same_scores(rng):
    tx = random_log(rng)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AssumptionWarning)
        a = S.rfm_scores(tx)
        b = S.rfm_scores(duckdb.from_df(tx))
    pd.testing.assert_frame_equal(a, b)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(5, 60))
def test_invariants_scores_in_1_to_5_and_row_order_free(seed, n):
    rng = np.random.default_rng(seed)
    tx = random_log(rng, n)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sc = S.rfm_scores(tx)
        shuffled = S.rfm_scores(tx.sample(frac=1.0, random_state=seed))
    for col in ("r_score", "f_score", "m_score"):
        assert sc[col].between(1, 5).all()
        counts = sc[col].value_counts()
        # bins never collapse (a customer with only returns is not scored, so n may drop)
        assert len(counts) == min(5, len(sc)) and counts.max() - counts.min() <= 1
    pd.testing.assert_frame_equal(sc, shuffled)
    # a better raw value never gets a lower score
    for col, score, ascending in (
        ("n_orders", "f_score", True),
        ("monetary", "m_score", True),
        ("recency_days", "r_score", False),
    ):
        g = sc.groupby(col)[score].agg(["min", "max"]).sort_index(ascending=ascending)
        assert np.all(g["min"].to_numpy()[1:] >= g["max"].to_numpy()[:-1])


# --------------------------------------------------------------------------- segment map


def test_default_map_covers_every_r_f_cell_exactly_once():
    for r, f in itertools.product(range(1, 6), repeat=2):
        hits = [
            n
            for n, rule in S.DEFAULT_SEGMENT_MAP.items()
            if rule["r"][0] <= r <= rule["r"][1] and rule["f"][0] <= f <= rule["f"][1]
        ]
        assert len(hits) == 1, (r, f, hits)
    assert len(S.DEFAULT_SEGMENT_MAP) == 11
    assert S.segment_map_table().shape == (11, 4)


def test_custom_map_with_m_rule_and_other():
    custom = {"Big spenders": {"m": (5, 5)}, "Recent": {"r": (4, 5)}}
    with pytest.warns(AssumptionWarning, match="match no rule"):
        sc = S.rfm_scores(ladder(), segment_map=custom).set_index("customer_id")
    assert sc.loc["c9", "segment"] == "Big spenders"
    assert sc.loc["c6", "segment"] == "Recent"
    assert sc.loc["c0", "segment"] == "Other"


def test_bad_segment_maps_are_refused():
    with pytest.raises(DataValidationError, match="has key 'x'"):
        S.rfm_scores(ladder(), segment_map={"A": {"x": (1, 5)}})
    with pytest.raises(DataValidationError, match="must satisfy 1 <= low <= high <= 5"):
        S.rfm_scores(ladder(), segment_map={"A": {"r": (0, 6)}})
    with pytest.raises(TypeError, match="non-empty dict"):
        S.rfm_scores(ladder(), segment_map={})


def test_segment_summary_lists_every_segment_and_adds_up():
    sc = S.rfm_scores(ladder())
    summ = S.segment_summary(sc)
    assert summ["segment"].tolist() == list(S.DEFAULT_SEGMENT_MAP)
    assert summ["n_customers"].sum() == 10
    assert summ["customer_share"].sum() == pytest.approx(1.0)
    assert summ.set_index("segment").loc["Champions", "monetary"] == 190.0
    assert summ.set_index("segment").loc["New", "n_customers"] == 0
    by = S.segment_summary(S.rfm_scores(ladder(), by="region"), by="region")
    assert by.groupby("region")["customer_share"].sum().tolist() == [1.0, 1.0]
    with pytest.raises(DataValidationError, match="missing column\\(s\\) `region`"):
        S.segment_summary(sc, by="region")


# --------------------------------------------------------------------------- churn risk


def risk_log() -> pd.DataFrame:
    """Six customers, analysis day 2024-06-30 (F's purchase).

    A: 10 orders of 100 every 10 days, last 2024-03-01 -> overdue (121 days, gap 10).
    B: 5 orders of 150 every 7 days, last 2024-06-28 -> recent.
    C: 3 orders of 200 every 30 days, last 2024-06-20 -> recent.
    D: 1 order of 5 on 2024-01-01 -> overdue but low value.
    E: 2 orders of 20, last 2024-06-01.  F: 1 order of 30 on 2024-06-30.
    """
    rows = []

    def add(cid, last, n, gap, amount):
        for j in range(n):
            rows.append((cid, pd.Timestamp(last) - pd.Timedelta(days=gap * j), amount, f"{cid}{j}"))

    add("A", "2024-03-01", 10, 10, 100.0)
    add("B", "2024-06-28", 5, 7, 150.0)
    add("C", "2024-06-20", 3, 30, 200.0)
    add("D", "2024-01-01", 1, 1, 5.0)
    add("E", "2024-06-01", 2, 20, 20.0)
    add("F", "2024-06-30", 1, 1, 30.0)
    df = pd.DataFrame(rows, columns=["customer_id", "timestamp", "amount", "order_id"])
    df["customer_id"] = df["customer_id"].astype("str")
    df["order_id"] = df["order_id"].astype("str")
    return df


def test_churn_risk_by_history_only():
    alerts = S.churn_risk_list(risk_log(), top_value_share=0.5)
    # top 3 by revenue: A 1000, B 750, C 600; only A is overdue
    assert alerts.table["customer_id"].tolist() == ["A"]
    a = alerts.table.iloc[0]
    assert a["days_since_last_purchase"] == 121 and a["usual_gap_days"] == pytest.approx(10.0)
    assert a["overdue"] and not a["low_p_alive"]
    assert (
        "no purchase for 121 days, 12.1x the usual 10-day gap between their purchase"
        in (a["reason"])
    )
    assert alerts.ranked_by == "revenue"


def test_churn_risk_without_a_model_ranks_by_value_and_says_so():
    preds = pd.DataFrame(
        {
            "customer_id": list("ABCDEF"),
            "p_alive": [0.2, 0.4, 0.7, 0.1, 0.9, 0.95],
            "p_alive_previous": [0.3, 0.5, 0.95, 0.2, 0.9, 0.95],
            "clv": [300.0, 900.0, 500.0, 1.0, 50.0, 20.0],
        }
    )
    alerts = S.churn_risk_list(risk_log(), predictions=preds, value="clv", top_value_share=0.5)
    # top 3 by CLV: B 900 (low P(alive)), C 500 (P(alive) fell 0.95 -> 0.70), A 300 (both)
    assert alerts.table["customer_id"].tolist() == ["B", "C", "A"]
    assert alerts.table["value_at_risk"].isna().all() and alerts.ranked_by == "predicted CLV"
    c = alerts.table.set_index("customer_id").loc["C"]
    assert c["falling_p_alive"] and not c["low_p_alive"] and not c["overdue"]
    assert "P(alive) fell from 0.95 to 0.70" in c["reason"]
    assert alerts.table["priority"].tolist() == [1, 2, 3]


def test_churn_risk_validation():
    with pytest.raises(DataValidationError, match="needs a `clv` column"):
        S.churn_risk_list(risk_log(), value="clv")
    bad = pd.DataFrame({"customer_id": ["A"], "p_alive": [1.5]})
    with pytest.raises(DataValidationError, match="`p_alive` of `predictions` must hold prob"):
        S.churn_risk_list(risk_log(), predictions=bad)
    with pytest.raises(DataValidationError, match="`top_value_share` must be in"):
        S.churn_risk_list(risk_log(), top_value_share=0)


class _Model:
    """A fitted purchase model's interface with fixed scores per customer (hand-checkable)."""

    _label = "BG/NBD"
    time_unit_ = "W"

    def __init__(self, p_no_purchase, p_alive):
        self.scores = {"p_no_purchase": p_no_purchase, "p_alive": p_alive}

    def p_no_purchase(self, summary, t):
        assert t == 26
        return summary["customer_id"].map(self.scores["p_no_purchase"]).rename("p_no_purchase")

    def p_alive(self, summary):
        return summary["customer_id"].map(self.scores["p_alive"]).rename("p_alive")


_SUMMARY = pd.DataFrame({"customer_id": list("ABCDEF")})
_MODEL = _Model(
    dict(zip("ABCDEF", [0.6, 0.3, 0.9, 0.99, 0.2, 0.1], strict=True)),
    dict(zip("ABCDEF", [0.7, 0.9, 0.95, 0.5, 0.95, 1.0], strict=True)),
)


def test_churn_risk_ranks_by_p_no_purchase_with_a_model():
    alerts = S.churn_risk_list(
        risk_log(), model=_MODEL, summary=_SUMMARY, horizon=26, top_value_share=0.5
    )
    # top 3 by revenue: A 1000, B 750, C 600. C: P(no purchase) 0.9; A: 0.6 and overdue;
    # B: 0.3 and nothing else fires -> not listed
    assert alerts.table["customer_id"].tolist() == ["C", "A"]
    np.testing.assert_allclose(alerts.table["value_at_risk"], [0.9 * 600, 0.6 * 1000])
    assert alerts.ranked_by == "P(no purchase in the next 26 weeks) from BG/NBD"
    c = alerts.table.iloc[0]
    assert c["likely_no_purchase"] and not c["overdue"]
    assert "P(no purchase in the next 26 weeks) is 90%, at least 50%" in c["reason"]
    by_value = S.churn_risk_list(
        risk_log(), model=_MODEL, summary=_SUMMARY, horizon=26, top_value_share=0.5,
        rank_by="value_at_risk",
    )  # fmt: skip
    assert by_value.table["customer_id"].tolist() == ["A", "C"]


def test_churn_risk_ranks_by_a_bgbb_models_p_no_purchase():
    from retention_lib import BetaGeoBetaBinomModel, discrete_rfm_summary

    summary = discrete_rfm_summary(risk_log(), period="M")
    params = {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}
    model = BetaGeoBetaBinomModel.from_params(params, time_unit="M")
    alerts = S.churn_risk_list(
        risk_log(), model=model, summary=summary, horizon=3, top_value_share=1.0
    )
    assert alerts.ranked_by == "P(no purchase in the next 3 months) from BG/BB"
    expected = model.p_no_purchase(summary, t=3).set_axis(summary["customer_id"])
    got = alerts.table.set_index("customer_id")["p_no_purchase"]
    pd.testing.assert_series_equal(got, expected.loc[got.index], check_names=False)
    assert (got.diff().dropna() <= 0).all()  # ranked by it
    yearly = BetaGeoBetaBinomModel.from_params(params, time_unit="Y")
    with pytest.raises(DataValidationError, match="opportunities cannot be converted"):
        yearly.p_no_purchase(summary, t=3, time_unit="M")  # the period is an argument, not attrs


def test_churn_risk_reason_says_when_the_model_still_expects_a_purchase():
    model = _Model(dict.fromkeys("ABCDEF", 0.3), dict.fromkeys("ABCDEF", 0.9))
    alerts = S.churn_risk_list(
        risk_log(), model=model, summary=_SUMMARY, horizon=26, top_value_share=0.5
    )
    a = alerts.table.set_index("customer_id").loc["A"]
    assert a["overdue"] and not a["likely_no_purchase"]
    assert (
        "the model still expects a purchase (P(no purchase in the next 26 weeks) 30%)"
        in (a["reason"])
    )


def test_churn_risk_usual_gap_counts_purchase_days_not_orders_minutes_apart():
    # customer 17850 in UCI Online Retail: 34 orders minutes apart on 1 and 2 December 2010,
    # then nothing for a year; the usual gap is 1 day, not 0.04
    orders = pd.date_range("2010-12-01 08:26", periods=17, freq="4min").append(
        pd.date_range("2010-12-02 08:32", periods=17, freq="4min")
    )
    log = pd.DataFrame(
        {
            "customer_id": ["17850"] * 34 + ["x", "y"],
            "timestamp": orders.append(pd.DatetimeIndex(["2011-06-01", "2011-12-08"])),
            "amount": [150.0] * 34 + [10.0, 10.0],
            "order_id": [str(i) for i in range(36)],
        }
    )
    alerts = S.churn_risk_list(log, top_value_share=0.34)
    a = alerts.table.iloc[0]
    assert (a["n_orders"], a["n_days"], a["usual_gap_days"]) == (34, 2, 1.0)
    assert "no purchase for 371 days, 371.0x the usual 1.0-day gap between their" in a["reason"]


def test_churn_risk_one_day_buyers_are_compared_with_the_median_gap():
    alerts = S.churn_risk_list(risk_log(), top_value_share=1.0)
    d = alerts.table.set_index("customer_id").loc["D"]
    # D bought once on 2024-01-01; median gap of A (10), B (7), C (30), E (20) days is 15
    assert d["usual_gap_days"] == 15.0
    assert "the median gap of 15 days between purchase days of repeat customers" in d["reason"]


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"model": _MODEL, "horizon": 26}, "`model` needs `summary`"),
        ({"model": _MODEL, "summary": _SUMMARY}, "`model` needs `horizon`"),
        ({"rank_by": "p_alive"}, "`rank_by` must be one of"),
        ({"rank_by": "value_at_risk"}, "needs P\\(no purchase\\): pass a fitted `model`"),
        ({"model": object(), "summary": _SUMMARY, "horizon": 26}, "`model` must be a fitted"),
        (
            {"model": _MODEL, "summary": _SUMMARY.iloc[:3], "horizon": 26},
            "3 customer\\(s\\) with a purchase are not in `summary`",
        ),
        (
            {
                "model": _MODEL,
                "summary": _SUMMARY,
                "horizon": 26,
                "predictions": pd.DataFrame({"customer_id": ["A"], "p_alive": [0.5]}),
            },
            "pass `p_alive` one way only",
        ),
    ],
)
def test_churn_risk_model_validation(kwargs, match):
    with pytest.raises((DataValidationError, TypeError), match=match):
        S.churn_risk_list(risk_log(), **kwargs)


def test_describe_churn_risk_quotes_the_scorecard_auc():
    from retention_lib.clv import ChurnScorecard

    alerts = S.churn_risk_list(
        risk_log(), model=_MODEL, summary=_SUMMARY, horizon=26, top_value_share=0.5
    )
    text = S.describe_churn_risk(alerts)
    assert text == (
        "2 of the 3 customers in the top 50% by revenue show a churn signal; they are ranked "
        "by P(no purchase in the next 26 weeks) from BG/NBD."
    )
    card = ChurnScorecard(
        table=pd.DataFrame({"scorer": ["BG/NBD P(no purchase)"], "auc": [0.77]}),
        calibration=pd.DataFrame(), roc=pd.DataFrame(), scores=pd.DataFrame(),
        recommended="BG/NBD P(no purchase)", reason="", horizon=39.0, time_unit="W",
        calibration_end=pd.Timestamp("2024-01-01"), observation_end=pd.Timestamp("2024-10-01"),
        training_end=None,
    )  # fmt: skip
    assert S.describe_churn_risk(alerts, scorecard=card).endswith(
        "On a 39-week holdout this score ranked the customers who made no purchase with AUC "
        "0.77 (0.5 is a coin toss); the list scores 26 weeks ahead."
    )
    with pytest.raises(InputTypeError, match="`alerts` must be the `ChurnRiskList`"):
        S.describe_churn_risk(alerts.to_frame())  # a table alone does not say how it was ranked
    with pytest.raises(InputTypeError, match="`scorecard` must be a ChurnScorecard"):
        S.describe_churn_risk(alerts, scorecard=card.table)


def test_export_churn_risk_round_trips(tmp_path):
    alerts = S.churn_risk_list(risk_log(), top_value_share=0.5)
    path = S.export_churn_risk(alerts, tmp_path / "crm" / "alerts.csv")
    back = pd.read_csv(path, dtype={"customer_id": str})
    assert back.columns.tolist() == alerts.table.columns.tolist()
    assert back.loc[0, "customer_id"] == "A"
    assert back.loc[0, "last_purchase"] == "2024-03-01"
    assert back.loc[0, "overdue"]  # "true" is read back as True
    with pytest.raises(DataValidationError, match="missing column\\(s\\) `priority`"):
        S.export_churn_risk(alerts.table.drop(columns="priority"), tmp_path / "x.csv")


# --------------------------------------------------------------------------- plots


def test_segment_plots():
    sc = S.rfm_scores(ladder())
    fig, (ax1, ax2) = plt.subplots(1, 2)
    assert plot_segments(S.segment_summary(sc), ax=ax1) is ax1
    assert len(ax1.patches) == 2 * 11
    plot_rfm_grid(sc, ax=ax2)
    texts = [t.get_text() for t in ax2.texts]
    assert "2\nChampions" in texts and len(texts) == 25


def test_scores_do_not_depend_on_the_order_amounts_were_added():
    """Hypothesis found a log (seed 2409, 59 rows) whose shuffled copy summed two equal
    totals in another order: 0.1 + 0.2 + 0.3 and 0.3 + 0.2 + 0.1 differ in the last bit, and
    the tie went the other way. Totals are ranked rounded to 1e-6."""
    rng = np.random.default_rng(2409)
    tx = random_log(rng, 59)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pd.testing.assert_frame_equal(
            S.rfm_scores(tx), S.rfm_scores(tx.sample(frac=1.0, random_state=2409))
        )
    ids = pd.Series(["a", "b", "c", "d", "e"])
    noisy = pd.Series([0.1 + 0.2 + 0.3, 0.3 + 0.2 + 0.1, 1.0, 2.0, 3.0])
    exact = pd.Series([0.6, 0.6, 1.0, 2.0, 3.0])
    np.testing.assert_array_equal(
        S._quantile_scores(noisy, ids, higher_is_better=True),
        S._quantile_scores(exact, ids, higher_is_better=True),
    )


# --------------------------------------------------------------------------- readings


def _segment_table(**n):
    names = ["Champions", "Loyal", "New", "At risk", "Can't lose them", "Lost"]
    counts = [n.get(k, 100) for k in ["champions", "loyal", "new", "at_risk", "cant_lose", "lost"]]
    value = [5000.0, 2000.0, 100.0, 600.0, 170.0, 200.0]
    total_n, total_v = sum(counts), sum(value)
    return pd.DataFrame(
        {
            "segment": pd.Categorical(names, categories=names),
            "n_customers": counts,
            "customer_share": [c / total_n for c in counts],
            "monetary": value,
            "value_share": [v / total_v for v in value],
            "mean_recency_days": [5.0, 30.0, 6.0, 150.0, 130.0, 280.0],
        }
    )


def test_describe_segments_quotes_champions_and_slipping_value():
    text = S.describe_segments(_segment_table())
    assert text.startswith("Champions are 17% of customers but bring 62% of revenue.")
    # 'At risk' and 'Can't lose them': 200 customers, (600 + 170) / 8070 of value
    assert "'At risk' and 'Can't lose them' (200 customers) hold 10% of revenue" in text
    assert "140 days ago on average" in text
    assert "Empty" not in text and "Too small" not in text


def test_describe_segments_names_empty_and_small_segments():
    text = S.describe_segments(_segment_table(new=0, cant_lose=7))
    assert "Empty: New" in text and "nobody made a first purchase recently" in text
    assert "Too small to read (fewer than 20 customers): Can't lose them (7)" in text


def test_describe_segments_champions_that_bring_less_than_their_share():
    table = _segment_table(champions=600)
    table["value_share"] = [0.3, 0.3, 0.1, 0.1, 0.1, 0.1]
    assert "Champions are 55% of customers and bring only 30% of revenue" in (
        S.describe_segments(table)
    )
