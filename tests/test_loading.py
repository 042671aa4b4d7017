"""Loader: column mapping, formats, and one test per validation message."""

from __future__ import annotations

import pandas as pd
import polars as pl
import pytest

import retention_lib as rl


def _raw(**overrides):
    df = pd.DataFrame(
        {
            "CustomerID": ["12346", "12347", "12347"],
            "InvoiceDate": ["2011-01-18 10:01", "2010-12-07 14:57", "2011-01-26 14:30"],
            "Quantity": ["2", "6", "-1"],
            "UnitPrice": ["1.25", "3.00", "3.00"],
            "InvoiceNo": ["541431", "537626", "C541999"],
            "StockCode": ["23166", "85116", "85116"],
            "Country": ["United Kingdom", "Iceland", "Iceland"],
        }
    )
    for k, v in overrides.items():
        df[k] = v
    return df


def test_uci_names_are_recognised_and_amount_computed():
    tx = rl.load_transactions(_raw())
    assert tx.columns.tolist() == [
        "customer_id",
        "timestamp",
        "amount",
        "order_id",
        "quantity",
        "unit_price",
        "product_code",
        "country",
        "source_row",
    ]
    assert tx["amount"].tolist() == [2.5, 18.0, -3.0]
    assert tx["customer_id"].tolist() == ["12346", "12347", "12347"]
    assert tx.attrs["rows_read"] == 3
    assert tx.attrs["column_map"]["customer_id"] == "CustomerID"


def test_explicit_mapping_wins_over_aliases():
    df = pd.DataFrame({"client": ["a"], "when": ["2024-01-01"], "Revenue": ["5"], "amount": ["9"]})
    tx = rl.load_transactions(df, customer_id="client", timestamp="when", amount="Revenue")
    assert tx["amount"].tolist() == [5.0]


@pytest.mark.parametrize("suffix", [".csv", ".csv.gz", ".parquet", ".xlsx"])
def test_file_formats_give_the_same_frame(tmp_path, suffix):
    raw = _raw()
    path = tmp_path / f"log{suffix}"
    if suffix.startswith(".csv"):
        raw.to_csv(path, index=False)
    elif suffix == ".parquet":
        raw.to_parquet(path)
    else:
        raw.to_excel(path, index=False)
    tx = rl.load_transactions(path)
    expected = rl.load_transactions(raw)
    pd.testing.assert_frame_equal(tx, expected, check_dtype=False)


def test_polars_frame_is_accepted():
    tx = rl.load_transactions(pl.from_pandas(_raw()))
    assert len(tx) == 3 and tx["amount"].sum() == pytest.approx(17.5)


def test_float_ids_lose_trailing_zero():
    tx = rl.load_transactions(_raw(CustomerID=[12346.0, None, 12347.0]))
    assert tx["customer_id"].tolist()[0] == "12346"
    assert pd.isna(tx["customer_id"].iloc[1])


def test_time_zone_aware_values_become_utc():
    tx = rl.load_transactions(
        _raw(InvoiceDate=["2011-01-18T10:00+01:00", "2011-01-18T10:00Z", "2011-06-01T12:00+02:00"])
    )
    assert tx["timestamp"].tolist() == [
        pd.Timestamp("2011-01-18 09:00"),
        pd.Timestamp("2011-01-18 10:00"),
        pd.Timestamp("2011-06-01 10:00"),
    ]


def test_mixed_date_formats_are_parsed():
    tx = rl.load_transactions(
        _raw(InvoiceDate=["2011-01-18 10:01", "2011-01-19", "2011-01-20 09:00:30"])
    )
    assert tx["timestamp"].dt.day.tolist() == [18, 19, 20]


# one test per validation message -------------------------------------------------------


def test_missing_customer_column():
    with pytest.raises(rl.DataValidationError, match=r"no column for `customer_id`.*Found columns"):
        rl.load_transactions(_raw().drop(columns="CustomerID"))


def test_missing_amount_and_price():
    with pytest.raises(rl.DataValidationError, match=r"`amount \(or quantity and unit_price\)`"):
        rl.load_transactions(_raw().drop(columns=["UnitPrice"]))


def test_named_column_not_in_data():
    with pytest.raises(
        rl.DataValidationError, match=r"Column `Client` \(given as `customer_id=`\)"
    ):
        rl.load_transactions(_raw(), customer_id="Client")


def test_empty_frame():
    with pytest.raises(rl.DataValidationError, match="has no rows"):
        rl.load_transactions(_raw().iloc[:0])


def test_empty_file(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(rl.DataValidationError, match="is empty"):
        rl.load_transactions(path)


def test_header_only_file(tmp_path):
    path = tmp_path / "header.csv"
    path.write_text("CustomerID,InvoiceDate,Quantity,UnitPrice\n")
    with pytest.raises(rl.DataValidationError, match="has no rows"):
        rl.load_transactions(path)


def test_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist"):
        rl.load_transactions(tmp_path / "nope.csv")


def test_unknown_file_format(tmp_path):
    path = tmp_path / "log.json"
    path.write_text("{}")
    with pytest.raises(rl.DataValidationError, match="Cannot tell the format"):
        rl.load_transactions(path)


def test_bad_source_type():
    with pytest.raises(TypeError, match="`source` must be"):
        rl.load_transactions(42)


def test_unparsable_dates_name_the_rows():
    with pytest.raises(rl.DataValidationError, match=r"not dates at row 1, e.g. 'yesterday'"):
        rl.load_transactions(_raw(InvoiceDate=["2011-01-18 10:01", "yesterday", "2011-01-26"]))


def test_missing_dates():
    with pytest.raises(rl.DataValidationError, match=r"`timestamp`\) is empty at row 2"):
        rl.load_transactions(_raw(InvoiceDate=["2011-01-18 10:01", "2011-01-19", None]))


def test_mixed_time_zones():
    with pytest.raises(rl.DataValidationError, match="mixes time-zone-aware values"):
        rl.load_transactions(
            _raw(InvoiceDate=["2011-01-18T10:00+01:00", "2011-01-18 10:00", "2011-01-19 10:00"])
        )


def test_future_dates():
    with pytest.raises(rl.DataValidationError, match=r"after the analysis date 2011-01-20.*row"):
        rl.load_transactions(_raw(), analysis_date="2011-01-20")


def test_non_numeric_amounts():
    with pytest.raises(
        rl.DataValidationError,
        match=r"`Quantity` \(`quantity`\) has 1 non-numeric.*row 1, e.g. 'six'",
    ):
        rl.load_transactions(_raw(Quantity=["2", "six", "1"]))


def test_missing_amounts_are_not_zero():
    with pytest.raises(
        rl.DataValidationError, match=r"`UnitPrice` \(`unit_price`\) is empty at row 0"
    ):
        rl.load_transactions(_raw(UnitPrice=[None, "3.0", "3.0"]))


def test_infinite_amounts():
    with pytest.raises(rl.DataValidationError, match="infinite values"):
        rl.load_transactions(_raw(UnitPrice=[float("inf"), 3.0, 3.0]))


def test_keep_column_not_in_data():
    with pytest.raises(rl.DataValidationError, match="`tier` in `keep=`"):
        rl.load_transactions(_raw(), keep=["tier"])
