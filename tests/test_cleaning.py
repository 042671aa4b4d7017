"""Cleaning: each rule, the netting of returns, and rows/revenue that always add up."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import retention_lib as rl


def _log():
    rows = [
        # customer, order, code, qty, price
        ("1", "100", "A1", 2, 5.0),  # kept
        ("1", "100", "A1", 2, 5.0),  # duplicate
        (None, "101", "A1", 1, 5.0),  # missing customer
        ("TEST9", "102", "A1", 1, 5.0),  # test customer
        ("2", "103", "POST", 1, 18.0),  # postage
        ("2", "104", "A2", 3, 0.0),  # zero price
        ("2", "C105", "A1", -1, 5.0),  # cancellation
        ("3", "106", "DCGS0003", 1, 2.0),  # non-product prefix
        ("3", "107", "A2", 1, 4.0),  # kept
    ]
    df = pd.DataFrame(
        rows, columns=["customer_id", "order_id", "product_code", "quantity", "unit_price"]
    )
    df["timestamp"] = pd.date_range("2024-01-01", periods=len(df), freq="D")
    df.loc[1, "timestamp"] = df.loc[0, "timestamp"]  # an exact duplicate of row 0
    return rl.load_transactions(df)


def test_each_rule_takes_its_rows():
    clean, report = rl.clean_transactions(_log())
    t = report.table.set_index("rule")
    assert t["rows"].to_dict() == {
        "missing_customer_id": 1,
        "test_customer": 1,
        "duplicate": 1,
        "non_product": 2,
        "non_positive_price": 1,
        "cancellation": 1,
    }
    assert t.loc["non_product", "revenue"] == pytest.approx(20.0)
    assert t.loc["cancellation", "action"] == "kept (netted)"
    assert clean["source_row"].tolist() == [0, 6, 8]
    assert clean["is_return"].tolist() == [False, True, False]
    assert report.rows_kept == 3 and report.rows_read == 9
    assert report.revenue_kept == pytest.approx(10 - 5 + 4)


def test_cancellations_can_be_dropped():
    clean, report = rl.clean_transactions(_log(), cancellations="drop")
    assert not clean["is_return"].any()
    assert report.table.set_index("rule").loc["cancellation", "action"] == "dropped"
    assert report.rows_kept + report.rows_removed == report.rows_read


def test_rules_can_be_switched_off():
    clean, report = rl.clean_transactions(
        _log(),
        drop_duplicates=False,
        non_product_codes=(),
        non_product_prefixes=(),
        drop_non_positive_prices=False,
        test_customers=None,
    )
    assert report.rows_kept == 8  # only the missing customer id goes
    assert report.rows_kept + report.rows_removed == report.rows_read


def test_report_shows_in_notebooks():
    _, report = rl.clean_transactions(_log(), notes=["amounts converted to EUR"])
    assert "9 rows read, 3 kept" in repr(report)
    html = report._repr_html_()
    assert "Cleaning report" in html and "amounts converted to EUR" in html
    assert "Share of rows" in html and "share_of_rows" not in html  # headings in words
    assert report.summary()["rule"].tolist()[-2:] == ["kept", "read"]


def test_bad_cancellations_option():
    with pytest.raises(rl.DataValidationError, match="`cancellations` must be 'net'"):
        rl.clean_transactions(_log(), cancellations="ignore")


def test_not_a_frame():
    with pytest.raises(TypeError, match="must be a pandas DataFrame"):
        rl.clean_transactions([1, 2, 3])


def test_missing_canonical_columns():
    with pytest.raises(rl.DataValidationError, match="missing column"):
        rl.clean_transactions(pd.DataFrame({"customer_id": ["a"]}))


_rows = st.tuples(
    st.sampled_from(["1", "2", "3", None, "test1"]),
    st.sampled_from(["10", "11", "C12", "13"]),
    st.sampled_from(["X", "Y", "POST", "M", "gift_0001_10"]),
    st.integers(-3, 5),
    st.sampled_from([0.0, 0.01, 1.1, 2.55, 19.99, -4.0]),
    st.integers(0, 5),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(_rows, min_size=1, max_size=40), st.sampled_from(["net", "drop"]))
def test_rows_and_revenue_always_add_up(rows, cancellations):
    df = pd.DataFrame(
        rows, columns=["customer_id", "order_id", "product_code", "quantity", "unit_price", "day"]
    )
    df["timestamp"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(df.pop("day"), unit="D")
    assume(df["customer_id"].notna().any())  # a log without any id is refused at loading
    tx = rl.load_transactions(df)
    clean, report = rl.clean_transactions(tx, cancellations=cancellations)
    assert report.rows_kept + report.rows_removed == report.rows_read == len(df)
    assert len(clean) == report.rows_kept
    read = math.fsum((df["quantity"] * df["unit_price"]).to_numpy())
    assert report.revenue_kept + report.revenue_removed == pytest.approx(read, abs=1e-9)
    assert clean["customer_id"].notna().all()
    assert np.all(clean.loc[~clean["is_return"], "amount"] > 0)


@pytest.mark.slow
def test_online_retail_cleaning_accounts_to_the_penny(online_retail_path):
    raw = rl.load_transactions(online_retail_path)
    assert len(raw) == 541_909
    assert round(math.fsum(raw["amount"]), 2) == 9_747_747.93  # the data README's total
    clean, report = rl.clean_transactions(raw)
    t = report.table.set_index("rule")
    assert t.loc["missing_customer_id", "rows"] == 135_080  # data README
    assert report.rows_kept + report.rows_removed == 541_909
    assert round(report.revenue_kept + report.revenue_removed, 2) == 9_747_747.93
    assert round(math.fsum(clean["amount"]), 2) == round(report.revenue_kept, 2)
    assert clean["customer_id"].nunique() == report.customers_kept
    # returns matched to what they return: every return line is matched in full, partly or
    # not at all, the moves net out, and the revenue total is that of the netted log
    report.check(tolerance=1e-6)
    returns = report.returns.set_index(["lines", "status"])
    assert returns.loc["return", "rows"].sum() == t.loc["cancellation", "rows"]
    assert round(returns.loc["return", "revenue"].sum(), 2) == round(
        t.loc["cancellation", "revenue"], 2
    )
    assert returns["netted"].sum() == pytest.approx(0.0, abs=1e-6)
    # the figures the README states
    assert returns["rows"].to_dict() == {
        ("return", "matched in full"): 7397,
        ("return", "partly matched"): 53,
        ("return", "unmatched"): 1056,
        ("purchase", "returned in full"): 2768,
        ("purchase", "partly returned"): 4543,
    }
    assert report.orders_cancelled == 126
    assert round(returns.loc[("return", "unmatched"), "revenue"], 2) == -22_767.85
    assert round(returns.loc[("purchase", "returned in full"), "revenue"], 2) == 388_149.26
    original = clean["amount"] + clean["netted_amount"]
    assert round(math.fsum(original), 2) == round(report.revenue_kept, 2)
    per_customer = (
        clean.groupby("customer_id")[["amount"]]
        .sum()
        .join(original.groupby(clean["customer_id"]).sum().rename("original"))
    )
    assert np.allclose(per_customer["amount"], per_customer["original"], atol=1e-6)
    assert np.all(clean.loc[~clean["is_return"], "amount"] > 0)
    # 16446 and 12346 cancelled their huge orders minutes later: no purchase any more
    huge = clean[clean["order_id"].isin(["581483", "541431"])]
    assert sorted(huge["customer_id"]) == ["12346", "16446"]
    assert huge["amount"].tolist() == [0.0, 0.0] and huge["is_return"].all()
    summary = rl.rfm_summary(clean, time_unit="D").set_index("customer_id")
    assert "12346" not in summary.index  # his only order was cancelled in full
    assert summary.loc["16446", "frequency"] == 0


def test_text_amounts_are_a_type_error():
    tx = _log().assign(amount=lambda d: d["amount"].astype(str))
    with pytest.raises(TypeError, match="Column `amount` must be numeric"):
        rl.clean_transactions(tx)


def test_missing_amounts_name_the_rows():
    tx = _log()
    tx.loc[4, "amount"] = float("nan")
    with pytest.raises(rl.DataValidationError, match="Column `amount` is missing at row 4"):
        rl.clean_transactions(tx)


# --------------------------------------------------------------------------- matched returns


def _orders(rows):
    """A log from (customer, order, product, quantity, unit price, timestamp) tuples."""
    df = pd.DataFrame(
        rows,
        columns=["customer_id", "order_id", "product_code", "quantity", "unit_price", "timestamp"],
    )
    df["timestamp"] = pd.to_datetime(df["timestamp"])
    return rl.load_transactions(df)


def _lifo_reference(clean: pd.DataFrame) -> pd.Series:
    """Units of each kept line matched (returns) or taken back (purchases), by an explicit
    stack per customer and product: first among lines at the return's own price, then
    among all; the most recent earlier purchase first. Independent of the window-function
    formulation in `cleaning._match_returns`."""
    tx = clean.assign(original=clean["amount"] + clean["netted_amount"])
    purchase = ~tx["is_return"] | (tx["netted_amount"] > 0)
    purchase &= tx["quantity"] > 0
    ret = (tx["quantity"] < 0) & (tx["original"] < 0)
    left = tx["quantity"].abs().where(purchase | ret, 0.0).to_dict()
    used = dict.fromkeys(tx.index, 0.0)
    events = tx[purchase | ret].assign(side=np.where(purchase, 0, 1))
    events = events.assign(units=tx["quantity"].abs(), order=tx["order_id"])
    events = events.sort_values(["timestamp", "side", "order", "units", "original", "source_row"])
    for same_price in (True, False):
        stacks: dict = {}
        for i, r in events.iterrows():
            key = (r.customer_id, r.product_code) + ((r.unit_price,) if same_price else ())
            stack = stacks.setdefault(key, [])
            if r.side == 0:
                stack.append(i)
                continue
            while left[i] > 0 and stack:
                j = stack[-1]
                take = min(left[i], left[j])
                left[i] -= take
                left[j] -= take
                used[i] += take
                used[j] += take
                if left[j] == 0:
                    stack.pop()
    return pd.Series(used)


def test_an_order_cancelled_in_full_is_no_purchase():
    # customer 16446 in UCI Online Retail: ordered 80,995 units, cancelled 12 minutes later
    tx = _orders(
        [
            ("16446", "553573", "22980", 1, 1.65, "2011-05-18 09:52"),
            ("16446", "553573", "22982", 1, 1.25, "2011-05-18 09:52"),
            ("16446", "581483", "23843", 80995, 2.08, "2011-12-09 09:15"),
            ("16446", "C581484", "23843", -80995, 2.08, "2011-12-09 09:27"),
        ]
    )
    clean, report = rl.clean_transactions(tx)
    assert clean["amount"].tolist() == [1.65, 1.25, 0.0, 0.0]
    assert clean["is_return"].tolist() == [False, False, True, True]
    assert clean["netted_amount"].tolist() == [0.0, 0.0, 168_469.6, -168_469.6]
    assert report.orders_cancelled == 1
    summary = rl.rfm_summary(clean, time_unit="D")
    assert summary[["frequency", "monetary_value"]].values.tolist() == [[0, 0.0]]
    assert rl.customer_values(clean)["n_orders"].tolist() == [1]
    t = report.returns.set_index(["lines", "status"])
    assert t.loc[("return", "matched in full"), "rows"] == 1
    assert t.loc[("purchase", "returned in full"), "revenue"] == pytest.approx(168_469.6)


def test_a_partly_returned_order_counts_at_its_net_value():
    tx = _orders(
        [
            ("a", "1", "X", 10, 2.0, "2024-01-01"),
            ("a", "1", "Y", 1, 5.0, "2024-01-01"),
            ("a", "C2", "X", -3, 2.0, "2024-01-03"),
        ]
    )
    clean, report = rl.clean_transactions(tx)
    assert clean["amount"].tolist() == pytest.approx([14.0, 5.0, 0.0])
    assert clean["is_return"].tolist() == [False, False, True]
    assert report.orders_cancelled == 0
    t = report.returns.set_index(["lines", "status"])
    assert t.loc[("purchase", "partly returned"), "netted"] == pytest.approx(6.0)
    assert t.loc[("purchase", "partly returned"), "revenue_after"] == pytest.approx(14.0)


def test_a_return_takes_from_the_most_recent_earlier_purchase():
    tx = _orders(
        [
            ("a", "1", "X", 4, 1.0, "2024-01-01"),
            ("a", "2", "X", 4, 1.0, "2024-03-01"),
            ("a", "C3", "X", -5, 1.0, "2024-03-02"),
            ("a", "4", "X", 4, 1.0, "2024-04-01"),  # later: never matched
        ]
    )
    clean, _ = rl.clean_transactions(tx)
    assert clean["amount"].tolist() == [3.0, 0.0, 0.0, 4.0]
    assert clean["is_return"].tolist() == [False, True, True, False]


def test_an_unmatched_return_stays_negative_and_takes_nothing_later():
    tx = _orders(
        [
            ("a", "C1", "X", -2, 3.0, "2024-01-01"),  # refers to a purchase before the data
            ("a", "2", "X", 2, 3.0, "2024-02-01"),
            ("b", "3", "X", 1, 3.0, "2024-01-01"),  # another customer's purchase
            ("b", "C4", "Y", -1, 3.0, "2024-01-02"),  # another product
        ]
    )
    clean, report = rl.clean_transactions(tx)
    assert clean["amount"].tolist() == [-6.0, 6.0, 3.0, -3.0]
    assert clean["netted_amount"].tolist() == [0.0, 0.0, 0.0, 0.0]
    t = report.returns.set_index(["lines", "status"])
    assert t.loc[("return", "unmatched"), "rows"] == 2
    assert t.loc[("return", "unmatched"), "revenue"] == pytest.approx(-9.0)


def test_a_return_of_more_than_was_bought_is_partly_matched():
    tx = _orders(
        [
            ("a", "1", "X", 2, 5.0, "2024-01-01"),
            ("a", "C2", "X", -3, 5.0, "2024-01-02"),
        ]
    )
    clean, report = rl.clean_transactions(tx)
    assert clean["amount"].tolist() == [0.0, -5.0]
    t = report.returns.set_index(["lines", "status"])
    assert t.loc[("return", "partly matched"), ["rows", "revenue", "netted"]].tolist() == [
        1,
        -15.0,
        -10.0,
    ]


def test_a_return_matches_a_purchase_at_its_own_price_first():
    # customer 15098 in UCI Online Retail: 60 units at 4.95, 60 mis-priced at 649.50, then
    # a cancellation of 60 at 4.95
    tx = _orders(
        [
            ("15098", "556442", "22502", 60, 4.95, "2011-06-10 15:22"),
            ("15098", "556444", "22502", 60, 649.50, "2011-06-10 15:28"),
            ("15098", "556446", "22502", 1, 649.50, "2011-06-10 15:33"),
            ("15098", "C556448", "22502", -60, 4.95, "2011-06-10 15:39"),
        ]
    )
    clean, _ = rl.clean_transactions(tx)
    assert clean["amount"].tolist() == pytest.approx([0.0, 38_970.0, 649.5, 0.0])


def test_a_refund_above_the_price_paid_stays_on_the_return_line():
    tx = _orders(
        [
            ("a", "1", "X", 12, 3.5, "2024-01-01"),  # bulk price
            ("a", "C2", "X", -2, 4.25, "2024-01-05"),  # refunded at the single-unit price
        ]
    )
    clean, report = rl.clean_transactions(tx)
    assert clean["amount"].tolist() == pytest.approx([35.0, -1.5])
    assert clean["netted_amount"].tolist() == pytest.approx([7.0, -7.0])
    assert report.revenue_kept == pytest.approx(33.5)
    t = report.returns.set_index(["lines", "status"])
    assert t.loc[("return", "matched in full"), "revenue_after"] == pytest.approx(-1.5)


def test_without_products_or_quantities_returns_match_by_amount():
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "a", "b"],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-02-01", "2024-02-02", "2024-01-01"]),
            "amount": [30.0, 40.0, -40.0, 10.0],
            "order_id": ["1", "2", "C2", "3"],
        }
    )
    clean, report = rl.clean_transactions(rl.load_transactions(tx))
    assert clean["amount"].tolist() == [30.0, 0.0, 0.0, 10.0]
    assert report.orders_cancelled == 1
    assert rl.rfm_summary(clean, time_unit="D")["frequency"].tolist() == [0, 0]


def test_dropped_cancellations_leave_purchases_whole():
    tx = _orders([("a", "1", "X", 2, 5.0, "2024-01-01"), ("a", "C2", "X", -2, 5.0, "2024-01-02")])
    clean, report = rl.clean_transactions(tx, cancellations="drop")
    assert clean["amount"].tolist() == [10.0]
    assert clean["netted_amount"].tolist() == [0.0]
    assert report.returns is None and report.orders_cancelled is None


def test_matching_is_shown_in_the_report():
    tx = _orders([("a", "1", "X", 2, 5.0, "2024-01-01"), ("a", "C2", "X", -2, 5.0, "2024-01-02")])
    _, report = rl.clean_transactions(tx)
    assert "return lines matched in full" in repr(report)
    assert "orders returned in full (no purchase): 1" in repr(report)
    assert "Returns matched to the purchases they cancel" in report._repr_html_()


def test_cleaning_a_cleaned_log_is_refused():
    clean, _ = rl.clean_transactions(_log())
    with pytest.raises(
        rl.DataValidationError, match="has a `netted_amount` column: it was already"
    ):
        rl.clean_transactions(clean)


def test_report_check_catches_returns_that_do_not_net_out():
    _, report = rl.clean_transactions(_log())
    report.returns.loc[0, "netted"] += 1.0
    with pytest.raises(AssertionError, match="do not net out"):
        report.check()


_RETURN_STATUSES = ("matched in full", "partly matched", "unmatched")
_matching_rows = st.tuples(
    st.sampled_from(["1", "2"]),  # customer
    st.sampled_from(["X", "Y"]),  # product
    st.integers(-4, 4).filter(bool),  # quantity (negative: a return)
    st.sampled_from([1.0, 2.5]),  # unit price
    st.integers(0, 6),  # day (several lines a day: ties broken by row order)
)


def _matching_log(rows) -> pd.DataFrame:
    df = pd.DataFrame(
        rows, columns=["customer_id", "product_code", "quantity", "unit_price", "day"]
    )
    df["order_id"] = [("C" if q < 0 else "") + str(i) for i, q in enumerate(df["quantity"])]
    df["timestamp"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(df.pop("day"), unit="D")
    return rl.load_transactions(df)


@settings(max_examples=80, deadline=None)
@given(st.lists(_matching_rows, min_size=1, max_size=30))
def test_matching_equals_an_explicit_stack_and_keeps_every_customers_revenue(rows):
    tx = _matching_log(rows)
    clean, report = rl.clean_transactions(tx)
    original = clean["amount"] + clean["netted_amount"]
    pd.testing.assert_series_equal(original, tx["amount"], check_names=False)
    used = _lifo_reference(clean)
    bought = clean["quantity"] > 0
    taken = clean["netted_amount"] / original * clean["quantity"]
    assert taken[bought].to_numpy() == pytest.approx(used[bought].to_numpy(), abs=1e-9)
    returned = -clean.loc[~bought, "quantity"]
    status = np.select(
        [used[~bought] == returned, used[~bought] > 0],
        ["matched in full", "partly matched"],
        "unmatched",
    )
    counts = report.returns.set_index("status").loc[list(_RETURN_STATUSES), "rows"]
    assert counts.to_dict() == {k: int((status == k).sum()) for k in _RETURN_STATUSES}
    assert clean.groupby("customer_id")["amount"].sum().to_numpy() == pytest.approx(
        tx.groupby("customer_id")["amount"].sum().to_numpy(), abs=1e-9
    )
    assert np.all(clean.loc[~clean["is_return"], "amount"] > 0)
    assert np.all(clean.loc[clean["quantity"] > 0, "amount"] >= 0)
    report.check(tolerance=1e-9)
