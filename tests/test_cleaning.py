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


def test_text_amounts_are_a_type_error():
    tx = _log().assign(amount=lambda d: d["amount"].astype(str))
    with pytest.raises(TypeError, match="Column `amount` must be numeric"):
        rl.clean_transactions(tx)


def test_missing_amounts_name_the_rows():
    tx = _log()
    tx.loc[4, "amount"] = float("nan")
    with pytest.raises(rl.DataValidationError, match="Column `amount` is missing at row 4"):
        rl.clean_transactions(tx)
