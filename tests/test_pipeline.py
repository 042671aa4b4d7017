"""prepare_transactions and transactions_overview."""

from __future__ import annotations

import math

import pandas as pd
import pytest

import retention_lib as rl
from retention_lib.currency import ecb_converter


def test_bundled_sample_is_prepared_in_one_currency_with_regions():
    tx, report = rl.prepare_transactions()
    assert report.rows_kept + report.rows_removed == report.rows_read
    assert set(tx["currency"]) == {"EUR"}
    assert tx["region"].notna().all() and "segment" in tx.columns and "tier" in tx.columns
    assert any("Converted to EUR" in note for note in report.notes)
    assert round(math.fsum(tx["amount"]), 2) == round(report.revenue_kept, 2)


def test_source_currency_converts_data_without_a_currency_column():
    raw = pd.DataFrame(
        {
            "customer_id": ["a", "b"],
            "timestamp": ["2011-03-04 10:00", "2011-03-07 10:00"],
            "amount": [100.0, 50.0],
        }
    )
    tx, report = rl.prepare_transactions(raw, currency="EUR", source_currency="GBP")
    direct = ecb_converter().convert(100.0, "GBP", "EUR", pd.Timestamp("2011-03-04").date())
    assert tx["amount"].iloc[0] == pytest.approx(direct)
    same, report = rl.prepare_transactions(raw, currency="GBP")
    assert same["amount"].tolist() == [100.0, 50.0]
    assert any("taken to be in GBP" in note for note in report.notes)


def test_overview_counts_purchase_orders_and_net_revenue():
    raw = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b"],
            "order_id": ["1", "C2", "3"],
            "timestamp": ["2024-01-01", "2024-01-02", "2024-01-03"],
            "amount": [10.0, -4.0, 5.0],
        }
    )
    tx, _ = rl.prepare_transactions(raw, currency="EUR")
    out = rl.transactions_overview(tx)
    assert out.loc[0, "orders"] == 2 and out.loc[0, "customers"] == 2
    assert out.loc[0, "revenue"] == pytest.approx(11.0)


def test_overview_missing_by_column_is_a_clear_error():
    tx, _ = rl.prepare_transactions()
    with pytest.raises(rl.DataValidationError, match="`channel`"):
        rl.transactions_overview(tx, by="channel")


def test_overview_reading_says_why_groups_count_a_customer_twice():
    tx = pd.DataFrame(
        {
            "customer_id": ["a", "a", "b", "c", "c", "c"],
            "timestamp": pd.to_datetime(["2024-01-01", "2024-02-01"] * 3),
            "amount": [10.0, 5, 7, 3, 4, 5],
            "region": ["Europe", "Asia", "Europe", "Asia", "Europe", "Oceania"],
        }
    )
    out = rl.transactions_overview(tx, by="region")
    assert out["customers"].sum() == 6  # a twice, c three times
    text = rl.describe_overview(tx, by="region")
    assert text == (
        "The rows count 6 customers, not 3: 2 customers bought in two or more regions and "
        "are counted in each."
    )
    one = tx.assign(region=tx["customer_id"].map({"a": "Europe", "b": "Asia", "c": "Asia"}))
    assert rl.describe_overview(one, by="region") is None
    assert rl.transactions_overview(one, by="region")["customers"].sum() == 3


def test_overview_reading_on_uci_counts_the_customers_of_two_countries(online_retail_path):
    uci, _ = rl.prepare_transactions(online_retail_path, currency="GBP")
    out = rl.transactions_overview(uci, by="country")
    text = rl.describe_overview(uci, by="country")
    customers = uci["customer_id"].nunique()
    assert f"count {int(out['customers'].sum()):,} customers, not {customers:,}" in text
    assert "two or more countries and" in text
