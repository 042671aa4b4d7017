"""Cleaning on any engine: the same kept rows and the same report as the pandas path.

Non-pandas input (polars, DuckDB, Parquet files, PySpark) is cleaned by its own engine: the
kept rows come back as a frame of that engine and the report from aggregations. Row
counts must equal the pandas report exactly, revenue to floating-point rounding.
"""

from __future__ import annotations

import duckdb
import narwhals as nw
import pandas as pd
import polars as pl
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from test_cleaning import _log, _matching_log, _matching_rows

import retention_lib as rl
from retention_lib import cleaning

pytestmark = pytest.mark.filterwarnings(
    "ignore:PySpark does not yet fully support pandas:FutureWarning"
)

_SWITCHES = [
    {},
    {"cancellations": "drop"},
    {
        "drop_duplicates": False,
        "non_product_codes": (),
        "non_product_prefixes": (),
        "drop_non_positive_prices": False,
        "test_customers": None,
    },
    {"non_product_codes": None, "test_customers": r"^TEST\d"},
]


def _as_pandas(native) -> pd.DataFrame:
    frame = nw.from_native(native)
    if isinstance(frame, nw.LazyFrame):
        frame = frame.collect()
    out = frame.to_pandas()
    return out.sort_values("source_row").reset_index(drop=True)


def _check_same(got, report, expected, expected_report) -> None:
    pd.testing.assert_frame_equal(
        _as_pandas(got), expected.reset_index(drop=True), check_dtype=False
    )
    got_t, exp_t = report.table, expected_report.table
    pd.testing.assert_frame_equal(got_t.drop(columns="revenue"), exp_t.drop(columns="revenue"))
    assert got_t["revenue"].to_numpy() == pytest.approx(exp_t["revenue"].to_numpy(), abs=1e-9)
    assert (report.rows_read, report.rows_kept, report.customers_kept) == (
        expected_report.rows_read,
        expected_report.rows_kept,
        expected_report.customers_kept,
    )
    assert report.revenue_read == pytest.approx(expected_report.revenue_read, abs=1e-9)
    assert report.revenue_kept == pytest.approx(expected_report.revenue_kept, abs=1e-9)
    assert report.orders_cancelled == expected_report.orders_cancelled
    if expected_report.returns is None:
        assert report.returns is None
    else:
        money = ["revenue", "netted", "revenue_after"]
        pd.testing.assert_frame_equal(
            report.returns.drop(columns=money), expected_report.returns.drop(columns=money)
        )
        assert report.returns[money].to_numpy() == pytest.approx(
            expected_report.returns[money].to_numpy(), abs=1e-9
        )


@pytest.mark.parametrize("options", _SWITCHES, ids=["default", "drop", "all-off", "custom"])
@pytest.mark.parametrize("kind", ["polars", "polars_lazy", "duckdb"])
def test_engines_clean_like_pandas(kind, options):
    tx = _log()
    expected, expected_report = rl.clean_transactions(tx, **options)
    native = {"polars": pl.from_pandas, "polars_lazy": lambda d: pl.from_pandas(d).lazy()}.get(
        kind, duckdb.from_df
    )(tx)
    got, report = rl.clean_transactions(native, **options)
    assert (
        type(got)
        is {
            "polars": pl.DataFrame,
            "polars_lazy": pl.LazyFrame,
            "duckdb": duckdb.DuckDBPyRelation,
        }[kind]
    )
    _check_same(got, report, expected, expected_report)


def test_parquet_files_are_cleaned_by_duckdb(tmp_path):
    tx = _log()
    tx.to_parquet(tmp_path / "tx.parquet")
    got, report = rl.clean_transactions(tmp_path / "tx.parquet")
    assert isinstance(got, duckdb.DuckDBPyRelation)
    _check_same(got, report, *rl.clean_transactions(tx))
    assert "9 rows read, 3 kept" in repr(report)


def _returns_log() -> pd.DataFrame:
    """Full, partial, same-price-first, refund-above-price and unmatched returns, and ties."""
    return _matching_log(
        [
            ("1", "X", 4, 1.0, 0),
            ("1", "X", 3, 2.5, 0),
            ("1", "X", -3, 1.0, 0),
            ("1", "Y", -2, 1.0, 0),
            ("1", "Y", 2, 1.0, 1),
            ("1", "X", -6, 2.5, 2),
            ("2", "X", 3, 1.0, 1),
            ("2", "X", 3, 1.0, 1),
            ("2", "X", -4, 2.5, 3),
            ("2", "Y", 1, 1.0, 3),
        ]
    )


@pytest.mark.parametrize("kind", ["polars", "polars_lazy", "duckdb"])
def test_engines_match_returns_like_pandas(kind):
    tx = _returns_log()
    native = {"polars": pl.from_pandas, "polars_lazy": lambda d: pl.from_pandas(d).lazy()}.get(
        kind, duckdb.from_df
    )(tx)
    _check_same(*rl.clean_transactions(native), *rl.clean_transactions(tx))


@pytest.mark.spark
def test_spark_cleans_like_pandas(spark):
    for tx in (_log(), _returns_log()):
        got, report = rl.clean_transactions(spark.createDataFrame(tx))
        assert type(got).__name__ == "DataFrame" and hasattr(got, "sparkSession")
        _check_same(got, report, *rl.clean_transactions(tx))


@settings(max_examples=40, deadline=None)
@given(st.lists(_matching_rows, min_size=1, max_size=25), st.booleans())
def test_duckdb_and_polars_match_returns_like_pandas(rows, with_source_row):
    tx = _matching_log(rows)
    if not with_source_row:  # ties are then broken by order id, quantity and amount
        tx = tx.drop(columns="source_row")
    expected, expected_report = rl.clean_transactions(tx)
    for native in (duckdb.from_df(tx), pl.from_pandas(tx).lazy()):
        got, report = rl.clean_transactions(native)
        if with_source_row:
            _check_same(got, report, expected, expected_report)
        else:
            key = ["order_id"]
            out = nw.from_native(got).lazy().collect().to_pandas()
            pd.testing.assert_frame_equal(
                out.sort_values(key).reset_index(drop=True),
                expected.sort_values(key).reset_index(drop=True),
                check_dtype=False,
            )


def test_without_source_row_any_copy_of_a_duplicate_is_kept():
    tx = _log().drop(columns="source_row")
    expected, expected_report = rl.clean_transactions(tx)
    got, report = rl.clean_transactions(duckdb.from_df(tx))
    pd.testing.assert_frame_equal(report.table, expected_report.table)
    out = nw.from_native(got).collect().to_pandas()
    key = ["order_id", "product_code"]
    pd.testing.assert_frame_equal(
        out.sort_values(key).reset_index(drop=True),
        expected.sort_values(key).reset_index(drop=True),
        check_dtype=False,
    )


def test_lazy_missing_columns_is_a_clear_error():
    rel = duckdb.sql("SELECT 'a' AS customer_id, 1.0 AS amount")
    with pytest.raises(rl.DataValidationError, match="missing column.*`timestamp`"):
        rl.clean_transactions(rel)


def test_lazy_bad_cancellations_option():
    with pytest.raises(rl.DataValidationError, match="`cancellations` must be 'net'"):
        rl.clean_transactions(duckdb.from_df(_log()), cancellations="keep")


_rows = st.tuples(
    st.sampled_from(["1", "2", "3", None, "test1"]),
    st.sampled_from(["10", "11", "C12", "13", None]),
    st.sampled_from(["X", "Y", "POST", "M", "gift_0001_10", None]),
    st.integers(-3, 5),
    st.sampled_from([0.0, 0.01, 1.1, 2.55, 19.99, -4.0]),
    st.integers(0, 3),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(_rows, min_size=1, max_size=30), st.sampled_from(["net", "drop"]))
def test_duckdb_report_always_equals_pandas(rows, cancellations):
    df = pd.DataFrame(
        rows, columns=["customer_id", "order_id", "product_code", "quantity", "unit_price", "day"]
    )
    df["timestamp"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(df.pop("day"), unit="D")
    assume(df["customer_id"].notna().any())  # a log without any id is refused at loading
    tx = rl.load_transactions(df)
    expected, expected_report = rl.clean_transactions(tx, cancellations=cancellations)
    got, report = rl.clean_transactions(duckdb.from_df(tx), cancellations=cancellations)
    _check_same(got, report, expected, expected_report)


def _engine_path_on_pandas(tx: pd.DataFrame, **options):
    """`clean_transactions`' engine path (group-by duplicates, engine sums, windows over
    every row) run by narwhals on pandas itself, for comparison with the in-memory path."""
    settings_ = {
        "cancellations": "net",
        "drop_duplicates": True,
        "non_product_codes": rl.DEFAULT_NON_PRODUCT_CODES,
        "non_product_prefixes": cleaning.DEFAULT_NON_PRODUCT_PREFIXES,
        "drop_non_positive_prices": True,
        "test_customers": r"(?i)^test",
        "notes": (),
    } | options
    clean, report = cleaning._clean(nw.from_native(tx).lazy(), **settings_)
    assert isinstance(clean, nw.LazyFrame)
    return clean.to_native(), report


@settings(max_examples=60, deadline=None)
@given(
    st.lists(_rows, min_size=1, max_size=30),
    st.sampled_from(_SWITCHES + [{"cancellations": "drop", "drop_duplicates": False}]),
)
def test_in_memory_path_equals_the_engine_path(rows, options):
    # pandas is cleaned in memory (duplicates marked row by row, exact sums, returns matched
    # on the stacks that hold one); every other engine by the general path: both on pandas
    df = pd.DataFrame(
        rows, columns=["customer_id", "order_id", "product_code", "quantity", "unit_price", "day"]
    )
    df["timestamp"] = pd.Timestamp("2024-01-01") + pd.to_timedelta(df.pop("day"), unit="D")
    assume(df["customer_id"].notna().any())
    tx = rl.load_transactions(df)
    expected, expected_report = rl.clean_transactions(tx, **options)
    _check_same(*_engine_path_on_pandas(tx, **options), expected, expected_report)


def test_in_memory_matching_equals_matching_every_row():
    tx = _matching_log(
        [
            ("1", "X", 3, 1.0, 0),
            ("1", "X", -2, 1.0, 1),
            ("2", "Y", 2, 2.5, 0),
            ("1", "Y", 1, 1.0, 2),
        ]
    )
    frame = nw.from_native(tx.assign(is_return=tx["quantity"] < 0), eager_only=True)
    frame = frame.with_row_index("_row")
    columns = [c for c in frame.columns if c != "_row"]
    fast = cleaning._match_in_memory(frame, columns).to_native()
    full = cleaning._match_returns(frame, columns).to_native()
    assert fast["_status"].tolist() == [5, 1, 0, 0]  # the untouched stacks are left alone
    pd.testing.assert_frame_equal(
        fast[full.columns.intersection(fast.columns)],
        full[full.columns.intersection(fast.columns)],
        check_dtype=False,
    )
