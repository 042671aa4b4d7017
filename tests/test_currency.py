"""Tests of retention_lib.currency (ECB-rate conversion to a reporting currency)."""

from __future__ import annotations

import datetime as dt
import warnings

import numpy as np
import pandas as pd
import pytest
from currency_converter import CurrencyConverter

from retention_lib._validation import AssumptionWarning, DataValidationError
from retention_lib.currency import ConversionSummary, convert_currency, supported_currencies


@pytest.fixture(scope="module")
def reference():
    """An independent converter instance: the reference for expected values."""
    return CurrencyConverter()


def _tx(dates, amounts, currencies=None, **extra):
    df = pd.DataFrame(
        {
            "customer_id": [str(i) for i in range(len(dates))],
            "timestamp": pd.to_datetime(dates, format="ISO8601"),
            "amount": np.asarray(amounts, dtype=float),
            **extra,
        }
    )
    if currencies is not None:
        df["currency"] = currencies
    return df


def test_same_currency_is_identity_exactly():
    amounts = [0.1, 1 / 3, -12.345678901, 1e9 + 0.01]
    tx = _tx(["2011-01-01", "2011-01-02", "2011-06-05", "2030-01-01"], amounts)
    out, summary = convert_currency(tx, to="GBP", source_currency="GBP")
    np.testing.assert_array_equal(out["amount"].to_numpy(), np.asarray(amounts))
    assert out["currency"].tolist() == ["GBP"] * 4
    assert summary.table.loc[0, ["rows", "rows_fallback", "max_gap_days"]].tolist() == [4, 0, 0]


def test_known_ecb_rate_matches_currency_converter_directly(reference):
    # 2011-03-04 is a Friday with a published GBP rate.
    tx = _tx(["2011-03-04 14:30"], [250.0])
    out, summary = convert_currency(tx, to="EUR", source_currency="GBP")
    expected = reference.convert(250.0, "GBP", "EUR", date=dt.date(2011, 3, 4))
    assert out["amount"].iloc[0] == pytest.approx(expected, rel=1e-12)
    assert summary.table.loc[0, "rows_fallback"] == 0


def test_cross_rate_via_eur_matches_currency_converter(reference):
    tx = _tx(["2024-05-15", "2024-05-16"], [10_000.0, 2_500.0], ["JPY", "BRL"])
    out, _ = convert_currency(tx, to="USD")
    expected = [
        reference.convert(10_000.0, "JPY", "USD", date=dt.date(2024, 5, 15)),
        reference.convert(2_500.0, "BRL", "USD", date=dt.date(2024, 5, 16)),
    ]
    np.testing.assert_allclose(out["amount"].to_numpy(), expected, rtol=1e-12)


def test_weekend_uses_friday_rate_and_is_stated(reference):
    # Fri 2011-03-04, Sat 03-05, Sun 03-06: the weekend rows use Friday's rate.
    tx = _tx(["2011-03-04", "2011-03-05", "2011-03-06 18:00"], [100.0, 100.0, 100.0])
    out, summary = convert_currency(tx, to="EUR", source_currency="GBP")
    friday = reference.convert(100.0, "GBP", "EUR", date=dt.date(2011, 3, 4))
    np.testing.assert_allclose(out["amount"].to_numpy(), [friday] * 3, rtol=1e-12)
    row = summary.table.iloc[0]
    assert (row["rows"], row["rows_fallback"], row["max_gap_days"]) == (3, 2, 2)
    assert "2 rows dated on days without an ECB rate" in str(summary)
    assert "up to 2 days earlier" in str(summary)


def test_keeps_originals_converts_unit_price_and_preserves_index():
    tx = _tx(
        ["2023-02-01", "2023-02-01"],
        [30.0, 20.0],
        ["GBP", "EUR"],
        quantity=[3.0, 2.0],
        unit_price=[10.0, 10.0],
    ).set_index(pd.Index([7, 9]))
    before = tx.copy()
    out, summary = convert_currency(tx, to="EUR")
    pd.testing.assert_frame_equal(tx, before)
    assert out.index.tolist() == [7, 9]
    assert out["amount_original"].tolist() == [30.0, 20.0]
    assert out["currency_original"].tolist() == ["GBP", "EUR"]
    assert out["amount"].iloc[1] == 20.0
    np.testing.assert_allclose(out["amount"], out["quantity"] * out["unit_price"], rtol=1e-12)
    assert isinstance(summary, ConversionSummary)
    assert summary.table["currency"].tolist() == ["EUR", "GBP"]
    assert "EUR, 2 rows in 2 currencies" in repr(summary)


def test_currency_codes_are_normalised():
    tx = _tx(["2023-02-01"], [1.0], [" gbp "])
    out, _ = convert_currency(tx, to="eur")
    assert out["currency_original"].tolist() == ["GBP"] and out["currency"].tolist() == ["EUR"]


def test_unknown_currency_code_names_code_and_rows():
    tx = _tx(["2023-02-01"] * 3, [1.0, 2.0, 3.0], ["EUR", "XYZ", "XYZ"])
    with pytest.raises(
        DataValidationError,
        match=r"Column `currency` has code 'XYZ' \(2 rows: rows 1, 2\), which has no ECB",
    ):
        convert_currency(tx)


def test_unknown_source_currency():
    with pytest.raises(DataValidationError, match=r"`source_currency` is 'ABC' \(1 row: row 0\)"):
        convert_currency(_tx(["2023-02-01"], [1.0]), source_currency="ABC")


def test_unknown_target_currency():
    with pytest.raises(DataValidationError, match=r"`to` is 'XXX', which has no ECB"):
        convert_currency(_tx(["2023-02-01"], [1.0], ["EUR"]), to="XXX")


def test_target_currency_must_be_a_string():
    with pytest.raises(TypeError, match=r"`to` must be an ISO 4217 code"):
        convert_currency(_tx(["2023-02-01"], [1.0], ["EUR"]), to=978)


def test_missing_currency_value():
    tx = _tx(["2023-02-01"] * 2, [1.0, 2.0], ["EUR", None])
    with pytest.raises(DataValidationError, match=r"Column `currency` is missing at 1 row 1"):
        convert_currency(tx)


def test_no_currency_column_and_no_source_currency():
    with pytest.raises(DataValidationError, match=r"no `currency` column and `source_currency`"):
        convert_currency(_tx(["2023-02-01"], [1.0]))


def test_missing_timestamp():
    tx = _tx(["2023-02-01", None], [1.0, 2.0], ["GBP", "GBP"])
    with pytest.raises(DataValidationError, match=r"Column `timestamp` is missing at 1 row 1"):
        convert_currency(tx)


def test_date_before_first_rate():
    tx = _tx(["1998-06-01"], [1.0], ["USD"])
    with pytest.raises(
        DataValidationError, match=r"1 row in USD dated before the first ECB rate.*1999-01-04"
    ):
        convert_currency(tx)


def test_missing_columns():
    with pytest.raises(DataValidationError, match=r"missing column\(s\) `timestamp`"):
        convert_currency(pd.DataFrame({"amount": [1.0]}), source_currency="GBP")


def test_date_after_rate_file_uses_last_rate_and_warns(reference):
    last = reference.bounds["USD"].last_date
    later = last + dt.timedelta(days=40)
    tx = _tx([later.isoformat()], [100.0], ["USD"])
    with pytest.warns(AssumptionWarning, match=r"more than 7 days older.*USD \(1 row, up to"):
        out, summary = convert_currency(tx, to="EUR")
    expected = reference.convert(100.0, "USD", "EUR", date=last)
    assert out["amount"].iloc[0] == pytest.approx(expected, rel=1e-12)
    assert summary.table.loc[0, "max_gap_days"] >= 40


def test_no_warning_for_ordinary_weekend_gaps():
    tx = _tx(pd.date_range("2023-12-20", "2024-01-05", freq="D"), np.ones(17), ["GBP"] * 17)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _, summary = convert_currency(tx, to="EUR")
    assert 0 < summary.table.loc[0, "max_gap_days"] <= 7  # Christmas/New Year closures


def test_supported_currencies_includes_eur():
    codes = supported_currencies()
    assert {"EUR", "GBP", "USD", "JPY", "BRL", "AUD"} <= set(codes)
