"""Every aggregation entry point gives the pandas result on every engine.

The same narwhals code runs on pandas, polars (eager and lazy), DuckDB (a relation, and
Parquet/CSV files read lazily) and PySpark (local mode, started once for the module); the
results are compared with ``pandas.testing.assert_frame_equal``. The PySpark tests are
marked ``spark`` and skipped, with the reason, when pyspark or Java is missing
(``-m "not spark"`` leaves them out).
"""

from __future__ import annotations

import duckdb
import narwhals as nw
import numpy as np
import pandas as pd
import polars as pl
import pytest
from conftest import random_log

import retention_lib as rl
from retention_lib import _backend
from retention_lib.clv import (
    BetaGeoModel,
    GammaGammaModel,
    calibration_holdout_split,
    customer_lifetime_value,
    rfm_summary,
)
from retention_lib.cohorts import repeat_purchase_rates
from retention_lib.kpis import customer_counts, kpi_summary
from retention_lib.pareto import (
    abc_summary,
    customer_values,
    lorenz_curve,
    pareto_deciles,
    pareto_summary,
    pareto_table,
)
from retention_lib.segments import rfm_scores

pytestmark = [
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
    pytest.mark.filterwarnings("ignore::retention_lib.RetentionLibWarning"),
]

# ----------------------------------------------------------------------------- engines


ENGINES = [
    "polars",
    "polars_lazy",
    "duckdb",
    "parquet_path",
    pytest.param("pyspark", marks=pytest.mark.spark),
]


@pytest.fixture(params=ENGINES)
def engine(request, tmp_path):
    """A function putting a pandas frame on the engine under test."""
    name = request.param
    if name == "pyspark":
        session = request.getfixturevalue("spark")
        return lambda df: session.createDataFrame(df)
    if name == "polars":
        return pl.from_pandas
    if name == "polars_lazy":
        return lambda df: pl.from_pandas(df).lazy()
    if name == "duckdb":
        return duckdb.from_df

    def to_parquet(df: pd.DataFrame) -> str:
        folder = tmp_path / f"tx_{len(list(tmp_path.iterdir()))}"
        folder.mkdir()
        half = len(df) // 2  # two files, read as one log
        df.iloc[:half].to_parquet(folder / "part-0.parquet")
        df.iloc[half:].to_parquet(folder / "part-1.parquet")
        return str(folder)

    return to_parquet


@pytest.fixture(scope="module")
def log() -> pd.DataFrame:
    """A random canonical log with orders and product codes (70 customers, 2023-2024)."""
    df = random_log(np.random.default_rng(20261123), n_customers=70)
    df["order_id"] = pd.Series([f"o{i // 2}" for i in range(len(df))], dtype="str")
    df["product_code"] = pd.Series(np.where(np.arange(len(df)) % 3, "A", "B"), dtype="str")
    return df


def _same(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    """Equal frames (floats to 1e-9 relative: engines sum in their own order) and attrs."""
    pd.testing.assert_frame_equal(got, expected, check_dtype=False, rtol=1e-9)
    assert got.attrs.keys() == expected.attrs.keys()
    for key, value in expected.attrs.items():
        if isinstance(value, float):
            assert got.attrs[key] == pytest.approx(value, rel=1e-9), key
        else:
            assert got.attrs[key] == value, key


# ----------------------------------------------------------------------------- cohorts


def test_cohort_tables_match_pandas(engine, log):
    data = engine(log)
    _same(rl.cohort_retention(data, by="region"), rl.cohort_retention(log, by="region"))
    _same(
        rl.cohort_retention(data, period="W", kind="unbounded"),
        rl.cohort_retention(log, period="W", kind="unbounded"),
    )
    _same(rl.revenue_retention(data, period="Q"), rl.revenue_retention(log, period="Q"))


def test_churn_and_repeat_rates_match_pandas(engine, log):
    data = engine(log)
    _same(rl.churn_table(data, by="region"), rl.churn_table(log, by="region"))
    _same(rl.repeat_purchase_rates(data, by="region"), rl.repeat_purchase_rates(log, by="region"))


def test_survival_and_revenue_movements_match_pandas(engine, log):
    data = engine(log)
    _same(
        rl.cohort_survival(data, by="region", inactive_periods=2),
        rl.cohort_survival(log, by="region", inactive_periods=2),
    )
    _same(rl.net_revenue_retention(data, by="region"), rl.net_revenue_retention(log, by="region"))
    _same(
        rl.net_revenue_retention(data, period="Q", by_cohort=False),
        rl.net_revenue_retention(log, period="Q", by_cohort=False),
    )


# ----------------------------------------------------------------------------- CLV summaries


def test_rfm_summary_matches_pandas(engine, log):
    data = engine(log)
    for kwargs in ({"time_unit": "W"}, {"time_unit": "W", "grain": "D"}, {"time_unit": "M"}):
        expected = rfm_summary(log, engine="native", **kwargs)
        _same(rfm_summary(data, **kwargs), expected)


def test_calibration_split_matches_pandas(engine, log):
    data = engine(log)
    kwargs = {"calibration_end": "2023-10-31", "observation_end": "2024-01-31"}
    _same(
        calibration_holdout_split(data, **kwargs),
        calibration_holdout_split(log, engine="native", **kwargs),
    )


# ----------------------------------------------------------------------------- Pareto, RFM, KPIs


def test_pareto_tables_match_pandas(engine, log):
    data = engine(log)
    _same(customer_values(data, by="region"), customer_values(log, by="region"))
    _same(pareto_table(data), pareto_table(log))
    _same(pareto_summary(data, by="region"), pareto_summary(log, by="region"))
    _same(pareto_deciles(data), pareto_deciles(log))
    _same(abc_summary(data), abc_summary(log))
    _same(lorenz_curve(data), lorenz_curve(log))


def test_rfm_scores_match_pandas(engine, log):
    data = engine(log)
    _same(rfm_scores(data), rfm_scores(log))
    _same(rfm_scores(data, by="region"), rfm_scores(log, by="region"))


def test_kpis_match_pandas(engine, log):
    data = engine(log)
    window = {"start": "2023-06-01", "end": "2023-12-01"}
    _same(kpi_summary(data, **window), kpi_summary(log, **window))
    _same(customer_counts(data, by="region", **window), customer_counts(log, by="region", **window))
    _same(repeat_purchase_rates(data), repeat_purchase_rates(log))


# ----------------------------------------------------------------------------- models at scale


def test_models_fit_on_the_summary_and_predictions_go_to_parquet(tmp_path):
    """Fit on a summary DuckDB built from Parquet; write every customer's CLV back out."""
    tx = rl.simulate_transactions(
        400,
        r=0.3,
        alpha=5.0,
        a=0.8,
        b=2.5,
        p=6.0,
        q=3.5,
        gamma=15.0,
        start="2022-01-01",
        end="2023-12-31",
        acquisition_end="2022-12-31",
        seed=3,
    )
    folder = tmp_path / "lake"
    folder.mkdir()
    tx.to_parquet(folder / "tx.parquet")

    def pipeline(source, **kwargs):
        summary = rfm_summary(source, time_unit="W", **kwargs)
        bg, gg = BetaGeoModel().fit(summary), GammaGammaModel().fit(summary)
        return bg, customer_lifetime_value(bg, gg, summary, horizon_months=12)

    bg_lake, clv_lake = pipeline(str(folder))
    bg_pd, clv_pd = pipeline(tx, engine="native")
    out = tmp_path / "clv.parquet"
    clv_lake.to_parquet(out, index=False)
    back = pd.read_parquet(out)
    assert len(back) == tx["customer_id"].nunique()
    pd.testing.assert_series_equal(bg_lake.params_, bg_pd.params_)
    pd.testing.assert_frame_equal(back, clv_pd, check_dtype=False)


# ----------------------------------------------------------------------------- _backend


@pytest.mark.spark
def test_spark_session_time_zone_does_not_shift_periods(spark):
    """Spark timestamps live in the session time zone; periods use its wall-clock time."""
    tx = pd.DataFrame(
        {
            "customer_id": pd.Series(["a", "a", "b", "b"], dtype="str"),
            "timestamp": pd.to_datetime(
                ["2024-01-31 23:30", "2024-02-01 00:30", "2024-02-29 23:59", "2024-03-01 00:01"]
            ),
            "amount": [1.0, 2.0, 3.0, 4.0],
        }
    )
    expected = rl.cohort_retention(tx, observation_end="2024-03-01 00:00")
    before = spark.conf.get("spark.sql.session.timeZone")
    spark.conf.set("spark.sql.session.timeZone", "America/New_York")
    try:
        data = spark.createDataFrame(tx)
        got = rl.cohort_retention(data, observation_end="2024-03-01 00:00")
    finally:
        spark.conf.set("spark.sql.session.timeZone", before)
    _same(got, expected)
    assert got["customers"].iloc[:2].tolist() == [1.0, 1.0]


@pytest.mark.spark
def test_spark_session_time_zone_does_not_shift_kpi_windows(spark):
    """KPI and A/B windows compare wall-clock times on Spark too: a purchase at 23:30 the day
    before the window starts stays outside it whatever the session time zone."""
    tx = pd.DataFrame(
        {
            "customer_id": pd.Series(["a", "b", "a", "c"], dtype="str"),
            "timestamp": pd.to_datetime(
                ["2024-01-10 12:00", "2024-01-31 23:30", "2024-02-01 00:30", "2024-02-29 23:59"]
            ),
            "amount": [1.0, 2.0, 3.0, 4.0],
        }
    )
    window = {"start": "2024-02-01", "end": "2024-03-01"}
    assignment = pd.DataFrame({"customer_id": ["a", "b", "c"], "treatment": [False, True, True]})
    expected_kpis = kpi_summary(tx, **window)
    expected_ab = rl.ab_outcomes(tx, assignment, **window)
    assert expected_ab.set_index("customer_id")["revenue"].to_dict() == {
        "a": 3.0,
        "b": 0.0,
        "c": 4.0,
    }
    before = spark.conf.get("spark.sql.session.timeZone")
    spark.conf.set("spark.sql.session.timeZone", "America/New_York")
    try:
        data = spark.createDataFrame(tx)
        got_kpis = kpi_summary(data, **window)
        got_ab = rl.ab_outcomes(data, assignment, **window)
    finally:
        spark.conf.set("spark.sql.session.timeZone", before)
    _same(got_kpis, expected_kpis)
    _same(got_ab, expected_ab)


def test_to_lazy_reads_hive_partitioned_parquet_folders(tmp_path, log):
    for year, part in log.groupby(log["timestamp"].dt.year):
        folder = tmp_path / f"year={year}"
        folder.mkdir()
        part.to_parquet(folder / "data.parquet")
    lf = _backend.to_lazy(tmp_path)
    assert lf.implementation is nw.Implementation.DUCKDB
    assert "year" in _backend.columns_of(lf)
    _same(rl.cohort_retention(tmp_path), rl.cohort_retention(log))


def test_to_lazy_reads_csv_globs_with_ids_as_text(tmp_path):
    tx = pd.DataFrame(
        {
            "customer_id": ["00123", "00123", "456"],
            "timestamp": ["2024-01-05 10:00:00", "2024-02-05 10:00:00", "2024-01-09 08:00:00"],
            "amount": [10.0, 5.0, 7.5],
        }
    )
    tx.iloc[:2].to_csv(tmp_path / "a.csv", index=False)
    tx.iloc[2:].to_csv(tmp_path / "b.csv", index=False)
    out = _backend.collect(_backend.to_lazy(str(tmp_path / "*.csv")).sort("amount"))
    assert out["customer_id"].tolist() == ["00123", "456", "00123"]
    assert pd.api.types.is_datetime64_any_dtype(out["timestamp"])
    table = rl.cohort_retention(tmp_path)  # a folder of CSV files
    assert table["cohort_size"].iloc[0] == 2


def test_integer_ids_and_aware_timestamps_are_normalised():
    tx = pd.DataFrame(
        {
            "customer_id": [1, 1, 2],
            "timestamp": pd.to_datetime(
                ["2024-01-31 23:30", "2024-02-01 10:00", "2024-02-02 10:00"]
            ).tz_localize("Europe/Paris"),
            "amount": [1.0, 2.0, 3.0],
        }
    )
    # a per-column zone (pandas, polars) -> UTC, as `load_transactions` does
    for data in (tx, pl.from_pandas(tx)):
        out = _backend.collect(_backend.to_lazy(data))
        assert out["customer_id"].tolist() == ["1", "1", "2"]
        assert out["timestamp"].iloc[0] == pd.Timestamp("2024-01-31 22:30")
        assert out["timestamp"].dt.tz is None
    # DuckDB keeps the zone in the connection: its wall-clock time
    con = duckdb.connect()
    con.execute("SET TimeZone = 'America/New_York'")
    out = _backend.collect(_backend.to_lazy(con.from_df(tx)))
    assert out["timestamp"].iloc[0] == pd.Timestamp("2024-01-31 17:30")
    table = rl.cohort_retention(con.from_df(tx))
    assert table["cohort"].iloc[0] == pd.Timestamp("2024-01-01")


def test_wide_sql_integers_come_back_as_int64():
    rel = duckdb.sql("SELECT sum(x::BIGINT) AS n, 1.5::DECIMAL(10, 2) AS d FROM range(4) t(x)")
    out = _backend.collect(nw.from_native(rel))
    assert out["n"].dtype == "int64" and out["n"].iloc[0] == 6
    assert out["d"].dtype == "float64" and out["d"].iloc[0] == 1.5


def test_backend_of_names_the_engine(log):
    assert _backend.backend_of(log) == "pandas"
    assert _backend.backend_of(duckdb.from_df(log)) == "duckdb"
    assert _backend.backend_of(pl.from_pandas(log).lazy()) == "polars"


def test_missing_path_is_a_clear_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="No file or folder at `.*nowhere`"):
        rl.cohort_retention(tmp_path / "nowhere")


def test_folder_without_data_files_is_a_clear_error(tmp_path):
    (tmp_path / "notes.txt.bak").write_text("nothing")
    with pytest.raises(rl.DataValidationError, match="holds no .parquet or .csv files"):
        rl.cohort_retention(tmp_path)


def test_unknown_file_format_is_a_clear_error(tmp_path):
    path = tmp_path / "tx.json"
    path.write_text("{}")
    with pytest.raises(rl.DataValidationError, match="Cannot tell the format of"):
        rl.cohort_retention(path)


def test_text_timestamps_are_a_clear_error():
    rel = duckdb.sql("SELECT 'a' AS customer_id, '31/01/2024' AS timestamp, 1.0 AS amount")
    with pytest.raises(rl.InputTypeError, match="`timestamp` holds text"):
        rl.cohort_retention(rel)


def test_unsupported_object_is_a_type_error():
    with pytest.raises(
        rl.InputTypeError, match="`transactions` must be a pandas/polars DataFrame, a DuckDB"
    ):
        rl.cohort_retention({"customer_id": ["a"]})


# ----------------------------------------------------------------------------- lazy loading


def _raw_export() -> pd.DataFrame:
    """A UCI-like export: source names, float customer ids, text dates, quantity x price."""
    return pd.DataFrame(
        {
            "InvoiceNo": ["536365", "536365", "C536379", "536380"],
            "StockCode": ["85123A", "POST", "22633", "84406B"],
            "Quantity": [6, 1, -2, 3],
            # zero-padded: Spark's parser (Java patterns) insists on two digits
            "InvoiceDate": [
                "12/01/2010 08:26",
                "12/01/2010 08:26",
                "12/01/2010 09:41",
                "12/02/2010 10:00",
            ],
            "UnitPrice": [2.55, 18.0, 2.1, 4.25],
            "CustomerID": [17850.0, 17850.0, 14527.0, None],
            "Country": ["United Kingdom", "United Kingdom", "France", " "],
        }
    )


def test_scan_transactions_maps_like_load_transactions(engine):
    raw = _raw_export()
    options = {"date_format": "%m/%d/%Y %H:%M", "analysis_date": "2011-01-01"}
    expected = rl.load_transactions(raw, **options).drop(columns="source_row")
    scanned = rl.scan_transactions(engine(raw), **options)
    got = _backend.collect(_backend.to_lazy(scanned)).sort_values(["timestamp", "amount"])
    pd.testing.assert_frame_equal(
        got.reset_index(drop=True),
        expected.sort_values(["timestamp", "amount"]).reset_index(drop=True),
        check_dtype=False,
    )


def test_scanned_log_cleans_like_the_loaded_one(tmp_path):
    raw = _raw_export()
    raw.to_csv(tmp_path / "export.csv", index=False)
    options = {"date_format": "%m/%d/%Y %H:%M", "analysis_date": "2011-01-01"}
    lazy = rl.scan_transactions(tmp_path / "export.csv", **options)
    assert isinstance(lazy, duckdb.DuckDBPyRelation)
    _, report = rl.clean_transactions(lazy)
    _, expected = rl.clean_transactions(rl.load_transactions(raw, **options))
    pd.testing.assert_frame_equal(report.table, expected.table)


def test_scan_missing_column_is_a_clear_error():
    rel = duckdb.sql("SELECT 'a' AS shopper, TIMESTAMP '2024-01-01' AS order_date, 1.0 AS total")
    with pytest.raises(rl.DataValidationError, match="has no column for `customer_id`"):
        rl.scan_transactions(rel)


def test_scan_future_dates_are_a_clear_error():
    rel = duckdb.sql(
        "SELECT 'a' AS customer_id, TIMESTAMP '2030-01-01' AS timestamp, 1.0 AS amount"
    )
    with pytest.raises(rl.DataValidationError, match="1 date\\(s\\) after the analysis date"):
        rl.scan_transactions(rel, analysis_date="2024-12-31")


def test_scan_missing_amounts_are_a_clear_error():
    rel = duckdb.sql(
        "SELECT * FROM (VALUES ('a', TIMESTAMP '2024-01-01', 1.0), ('b', TIMESTAMP '2024-01-02', "
        "NULL)) t(customer_id, timestamp, amount)"
    )
    with pytest.raises(rl.DataValidationError, match="`amount` .* is empty in 1 row.*'b'"):
        rl.scan_transactions(rel)


def test_scan_unparsable_dates_are_a_clear_error():
    rel = duckdb.sql("SELECT 'a' AS customer_id, '31/01/2024' AS timestamp, 1.0 AS amount")
    with pytest.raises(rl.DataValidationError, match="pass `date_format=`"):
        rl.scan_transactions(rel, date_format="%Y-%m-%d")


@pytest.mark.slow
def test_online_retail_scanned_and_cleaned_by_duckdb_matches_pandas(online_retail_path):
    """UCI Online Retail (541,909 rows): the DuckDB report equals the pandas one; counts
    exactly, revenue to 1e-6 currency units."""
    options = {"analysis_date": "2012-01-01"}
    lazy = rl.scan_transactions(online_retail_path, **options)
    _, report = rl.clean_transactions(lazy)
    _, expected = rl.clean_transactions(rl.load_transactions(online_retail_path, **options))
    pd.testing.assert_frame_equal(
        report.table.drop(columns="revenue"), expected.table.drop(columns="revenue")
    )
    assert report.table["revenue"].to_numpy() == pytest.approx(
        expected.table["revenue"].to_numpy(), abs=1e-6
    )
    assert report.customers_kept == expected.customers_kept == 4_362
    assert round(report.revenue_read, 2) == 9_747_747.93  # the data README's total
    # returns matched to the same purchases by DuckDB's window functions
    money = ["revenue", "netted", "revenue_after"]
    pd.testing.assert_frame_equal(
        report.returns.drop(columns=money), expected.returns.drop(columns=money)
    )
    assert report.returns[money].to_numpy() == pytest.approx(
        expected.returns[money].to_numpy(), abs=1e-6
    )
    assert report.orders_cancelled == expected.orders_cancelled


def test_scanned_ids_are_normalised_like_loaded_ones(engine):
    raw = pd.DataFrame(
        {
            "CustomerID": ["12583.0", "12583", " 00123 ", "C7"],
            "InvoiceDate": ["2024-05-07 10:00"] * 4,
            "Amount": [1.0, 2.0, 3.0, 4.0],
        }
    )
    expected = rl.load_transactions(raw, analysis_date="2030-01-01")["customer_id"].tolist()
    scanned = rl.scan_transactions(engine(raw), analysis_date="2030-01-01")
    got = _backend.collect(_backend.to_lazy(scanned)).sort_values("amount")["customer_id"]
    assert got.tolist() == expected == ["12583", "12583", "00123", "C7"]


def test_mixed_type_ids_in_a_pandas_frame_scan_like_they_load():
    ids = pd.Series([12583.0, "12583", 12583, "00123"], dtype=object)
    raw = pd.DataFrame(
        {"CustomerID": ids, "InvoiceDate": pd.Timestamp("2024-05-07"), "Amount": 1.0}
    )
    scanned = _backend.collect(
        _backend.to_lazy(rl.scan_transactions(raw, analysis_date="2030-01-01"))
    )
    loaded = rl.load_transactions(raw, analysis_date="2030-01-01")
    assert (
        scanned["customer_id"].tolist()
        == loaded["customer_id"].tolist()
        == ["12583"] * 3 + ["00123"]
    )
