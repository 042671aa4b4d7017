"""The transaction schema's rules (``retention_lib._schema``): what a purchase, an order, a
customer's attributes and a period index are, and that every module follows them."""

from __future__ import annotations

import duckdb
import narwhals as nw
import numpy as np
import pandas as pd
import pytest

import retention_lib as rl
from retention_lib import _schema
from retention_lib.clv import BetaGeoModel, GammaGammaModel, customer_lifetime_value, rfm_summary
from retention_lib.clv.validation import p_alive_history
from retention_lib.clv.value import ltv_comparison


def _log():
    """A buys twice (one order of two lines, then a second order); B once; a cancellation
    line with a positive amount (``is_return``) for A, which is no purchase."""
    return pd.DataFrame(
        {
            "customer_id": ["A", "A", "A", "B", "A"],
            "order_id": ["o1", "o1", "o2", "o3", "c1"],
            "timestamp": pd.to_datetime(
                [
                    "2024-01-01 09:00",
                    "2024-01-01 09:00",
                    "2024-02-01 00:00",
                    "2024-01-05 00:00",
                    "2024-03-01 00:00",
                ]
            ),
            "amount": [10.0, 5.0, 20.0, 7.0, 30.0],
            "is_return": [False, False, False, False, True],
            "region": ["North", "North", "South", "East", "West"],
        }
    )


def test_a_purchase_is_a_positive_amount_not_flagged_as_a_return():
    log = _log()
    assert _schema.purchase_mask(log).tolist() == [True, True, True, True, False]
    # the narwhals rule gives the same rows on DuckDB
    lazy = nw.from_native(duckdb.from_df(log))
    kept = lazy.filter(_schema.purchase_expr(lazy.columns)).select("amount").to_native().df()
    assert kept["amount"].tolist() == log.loc[_schema.purchase_mask(log), "amount"].tolist()
    zero = log.assign(amount=[0.0, 5.0, 20.0, 7.0, 30.0])
    assert _schema.purchase_mask(zero).tolist()[0] is False
    assert _schema.purchase_mask(zero, count_zero_amounts=True).tolist()[0] is True
    # a missing flag is no return
    flagged = log.assign(is_return=pd.array([None, False, False, False, True], dtype="boolean"))
    assert _schema.purchase_mask(flagged).tolist() == [True, True, True, True, False]


def test_an_order_is_an_order_id_or_a_purchase_day():
    log = _log()
    assert _schema.order_count(log) == 3  # o1 (two lines), o2, o3; c1 is a return
    no_ids = log.drop(columns="order_id")
    assert _schema.order_count(no_ids) == 3  # A on Jan 1 and Feb 1, B on Jan 5
    same_day = no_ids.assign(
        timestamp=no_ids["timestamp"] + pd.to_timedelta([0, 2, 0, 0, 0], unit="h")
    )
    assert _schema.order_count(same_day) == 3  # two timestamps on one day are one order
    # the modules count orders the same way
    assert rl.customer_values(log).set_index("customer_id")["n_orders"].to_dict() == {
        "A": 2,
        "B": 1,
    }
    assert rl.transactions_overview(log)["orders"].sum() == 3
    assert rl.transactions_overview(same_day)["orders"].sum() == 3


def test_customer_attributes_are_those_of_the_first_purchase():
    log = _log()
    out = rl.customer_attributes(log, columns=["region", "absent"])
    assert out.columns.tolist() == ["customer_id", "region"]
    assert out.set_index("customer_id")["region"].to_dict() == {"A": "North", "B": "East"}
    # ties at the first timestamp: the smallest value; a return-only customer has no row
    tied = pd.concat(
        [
            log,
            log.iloc[[0]].assign(region="Alpha"),
            log.iloc[[4]].assign(customer_id="C"),
        ],
        ignore_index=True,
    )
    out = rl.customer_attributes(tied, columns=["region"]).set_index("customer_id")["region"]
    assert out.to_dict() == {"A": "Alpha", "B": "East"}
    # the same on DuckDB, and as the cohort tables, survey links and CLV groups see it
    pd.testing.assert_frame_equal(
        rl.customer_attributes(duckdb.from_df(tied), columns=["region"]),
        rl.customer_attributes(tied, columns=["region"]),
    )
    survey = pd.DataFrame({"customer_id": ["A", "B"], "nps": [9, 3]})
    assert rl.link_survey(survey, tied, columns=["region"])["region"].tolist() == ["Alpha", "East"]
    groups = rl.customer_groups(tied, by="region")
    assert groups.set_index("customer_id")["region"].to_dict() == out.to_dict()


def test_period_index_forms_agree():
    ts = pd.date_range("1969-12-25", "2001-03-05", freq="97h")
    stamps = ts.to_numpy()
    frame = duckdb.from_df(pd.DataFrame({"timestamp": ts}))
    lazy = nw.from_native(frame)
    for period in ("D", "W", "M", "Q"):
        expected = [_schema.period_index_of(t, period) for t in ts]
        np.testing.assert_array_equal(_schema.period_index_array(stamps, period), expected)
        got = lazy.select(_schema.period_index(period).alias("p")).to_native().df()["p"]
        np.testing.assert_array_equal(got.to_numpy(), expected)
        # the inverse: each index starts at the period's first day
        starts = _schema.period_start(pd.Series(expected), period)
        assert (starts <= ts.normalize()).all()
        assert [_schema.period_index_of(s, period) for s in starts] == expected


def test_a_month_is_365_25_over_12_days_everywhere():
    from retention_lib.clv.summary import TIME_UNITS
    from retention_lib.clv.value import UNITS_PER_MONTH

    assert TIME_UNITS["M"] == _schema.DAYS_PER_MONTH == 365.25 / 12
    for unit, per_month in UNITS_PER_MONTH.items():
        assert per_month * TIME_UNITS[unit] == pytest.approx(_schema.DAYS_PER_MONTH)


def _returns_log(seed=3):
    """A log of repeat buyers plus, for each customer, a cancellation line with a positive
    amount flagged ``is_return`` (as ``clean_transactions(cancellations="net")`` can leave)."""
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(40):
        days = np.sort(rng.choice(300, size=rng.integers(2, 6), replace=False))
        for d in days:
            day = pd.Timestamp("2024-01-01") + pd.Timedelta(days=int(d))
            rows.append((f"c{c}", day, float(rng.gamma(4.0, 5.0))))
    tx = pd.DataFrame(rows, columns=["customer_id", "timestamp", "amount"]).assign(is_return=False)
    flagged = (
        tx.groupby("customer_id")
        .head(1)
        .assign(timestamp=pd.Timestamp("2024-12-30"), amount=500.0, is_return=True)
    )
    return tx, pd.concat([tx, flagged], ignore_index=True)


def test_ltv_comparison_ignores_lines_flagged_as_returns():
    clean, flagged = _returns_log()
    summary = rfm_summary(clean, time_unit="W")
    models = BetaGeoModel().fit(summary), GammaGammaModel().fit(summary)
    clv = customer_lifetime_value(*models, summary)
    pd.testing.assert_frame_equal(ltv_comparison(flagged, clv), ltv_comparison(clean, clv))


def test_p_alive_history_ignores_lines_flagged_as_returns():
    clean, flagged = _returns_log()
    bg = BetaGeoModel().fit(rfm_summary(clean, time_unit="D"))
    end = "2024-12-31"
    got = p_alive_history(bg, flagged, "c0", observation_end=end)
    pd.testing.assert_frame_equal(got, p_alive_history(bg, clean, "c0", observation_end=end))
    assert not got["purchase"].iloc[-5:].any()  # the flagged line on Dec 30 is no purchase
