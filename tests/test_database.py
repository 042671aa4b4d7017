"""Reading where the data lives: a real PostgreSQL server, through a URI and ibis.

A slice of the UCI Online Retail log (December 2010 to March 2011, as exported, with
integer customer ids and a timestamp column) is copied into a table of a throw-away server
(``tests/pg_server.py``: Debian's ``postgresql``, which ``.ci/run`` installs; or the server
of ``RETENTION_TEST_POSTGRES``). ``scan_transactions(uri, table=...)`` then maps and
cleans it, and every analysis runs as SQL in PostgreSQL; the cleaning report counts, the
cohort tables, the RFM summary and the Pareto tables must equal the pandas results on the
same slice. Skipped, with the reason, when no server can be started or ibis is missing.
"""

from __future__ import annotations

import io

import pandas as pd
import pytest
from conftest import ONLINE_RETAIL, write_notebook
from pg_server import Unavailable, start

import retention_lib as rl
from retention_lib import _backend
from retention_lib.clv import BetaGeoModel, GammaGammaModel, customer_lifetime_value, rfm_summary

pytestmark = pytest.mark.filterwarnings("ignore::retention_lib.RetentionLibWarning")

ibis = pytest.importorskip("ibis", reason="ibis is not installed: pip install 'retention-lib[db]'")
psycopg = pytest.importorskip("psycopg", reason="psycopg is not installed (retention-lib[db])")

SLICE = ("2010-12-01", "2011-04-01")  # four months of the log
OPTIONS = {"analysis_date": "2012-01-01"}


@pytest.fixture(scope="module")
def server():
    try:
        srv = start()
    except Unavailable as exc:
        pytest.skip(f"no PostgreSQL server: {exc}")
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def raw_slice() -> pd.DataFrame:
    if not ONLINE_RETAIL.exists():
        pytest.skip(f"the UCI Online Retail log is not at {ONLINE_RETAIL} (needs ../shared)")
    raw = pd.read_csv(ONLINE_RETAIL, dtype={"InvoiceNo": str, "StockCode": str})
    raw["InvoiceDate"] = pd.to_datetime(raw["InvoiceDate"])
    keep = (raw["InvoiceDate"] >= SLICE[0]) & (raw["InvoiceDate"] < SLICE[1])
    out = raw[keep].reset_index(drop=True)
    out["CustomerID"] = out["CustomerID"].astype("Int64")
    return out


@pytest.fixture(scope="module")
def uri(server, raw_slice) -> str:
    """The server's URI, with the slice in table ``online_retail`` (copied with COPY)."""
    buffer = io.StringIO()
    raw_slice.to_csv(buffer, index=False, header=False)
    with psycopg.connect(server.uri, autocommit=True) as con:
        con.execute("DROP TABLE IF EXISTS online_retail")
        con.execute(
            'CREATE TABLE online_retail ("InvoiceNo" text, "StockCode" text, '
            '"Description" text, "Quantity" integer, "InvoiceDate" timestamp, '
            '"UnitPrice" double precision, "CustomerID" bigint, "Country" text)'
        )
        with con.cursor().copy("COPY online_retail FROM STDIN (FORMAT csv)") as copy:
            copy.write(buffer.getvalue())
    return server.uri


@pytest.fixture(scope="module")
def cleaned(uri, raw_slice):
    """(database table, pandas frame) of the cleaned slice, and their cleaning reports."""
    db, db_report = rl.clean_transactions(
        rl.scan_transactions(uri, table="online_retail", **OPTIONS)
    )
    local, local_report = rl.clean_transactions(rl.load_transactions(raw_slice, **OPTIONS))
    return db, local, db_report, local_report


def _same(got: pd.DataFrame, expected: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(got, expected, check_dtype=False, rtol=1e-9)


def test_slice_is_in_the_database(uri, raw_slice):
    table = rl.scan_transactions(uri, table="online_retail", **OPTIONS)
    assert isinstance(table, ibis.expr.types.Table)
    assert _backend.backend_of(table) == "ibis"
    assert table.count().execute() == len(raw_slice) > 100_000


def test_cleaning_report_counts_match_pandas(cleaned):
    db, _, db_report, local_report = cleaned
    pd.testing.assert_frame_equal(
        db_report.table.drop(columns="revenue"), local_report.table.drop(columns="revenue")
    )
    assert db_report.table["revenue"].to_numpy() == pytest.approx(
        local_report.table["revenue"].to_numpy(), abs=1e-6
    )
    assert db_report.rows_kept == local_report.rows_kept
    assert db_report.customers_kept == local_report.customers_kept > 1_000
    assert isinstance(db, ibis.expr.types.Table)  # the cleaned log stays in the database
    # ... in a temporary table of distinct rows, so the analyses do not group the raw rows
    sql = ibis.to_sql(db)
    assert "_retention_lib_" in sql and "online_retail" not in sql and "GROUP BY" not in sql


def test_cleaning_without_temporary_tables_gives_the_same_log(uri, cleaned, monkeypatch):
    """A database refusing temporary tables (a read-only replica): the cleaned log is the
    query over the raw table, with the same report and tables."""
    db, local, db_report, _ = cleaned
    scanned = rl.scan_transactions(uri, table="online_retail", **OPTIONS)

    def refuse(*args, **kwargs):
        raise psycopg.errors.ReadOnlySqlTransaction("cannot execute CREATE TABLE")

    monkeypatch.setattr(type(scanned.get_backend()), "create_table", refuse)
    query, report = rl.clean_transactions(scanned)
    assert "online_retail" in ibis.to_sql(query)
    pd.testing.assert_frame_equal(report.table, db_report.table)
    _same(rl.cohort_retention(query), rl.cohort_retention(local))


@pytest.mark.parametrize("kind", ["classic", "unbounded"])
def test_cohorts_match_pandas(cleaned, kind):
    db, local, _, _ = cleaned
    _same(rl.cohort_retention(db, kind=kind), rl.cohort_retention(local, kind=kind))


def test_revenue_retention_and_churn_match_pandas(cleaned):
    db, local, _, _ = cleaned
    _same(rl.revenue_retention(db, period="W"), rl.revenue_retention(local, period="W"))
    _same(rl.churn_table(db, by="country"), rl.churn_table(local, by="country"))


def test_rfm_summary_matches_pandas(cleaned):
    db, local, _, _ = cleaned
    _same(rfm_summary(db, time_unit="W"), rfm_summary(local, time_unit="W"))
    _same(rfm_summary(db, time_unit="D"), rfm_summary(local, time_unit="D"))


def test_models_fit_and_clv_join_back_in_the_database(cleaned):
    db, local, _, _ = cleaned
    lazy = rfm_summary(db, time_unit="W", collect=False)
    assert isinstance(lazy, ibis.expr.types.Table)
    summary = rfm_summary(local, time_unit="W")
    # four months of a wholesaler's log: the unpenalised BG/NBD does not converge (in pandas)
    for model in (BetaGeoModel, GammaGammaModel):
        got = model(penalizer_coef=0.001).fit(
            lazy, **({"time_unit": "W"} if model is BetaGeoModel else {})
        )
        expected = model(penalizer_coef=0.001).fit(summary)
        assert got.params_.to_numpy() == pytest.approx(expected.params_.to_numpy(), rel=1e-6)
    bg = BetaGeoModel(penalizer_coef=0.001).fit(summary)
    gg = GammaGammaModel(penalizer_coef=0.001).fit(summary)
    clv = customer_lifetime_value(bg, gg, lazy, time_unit="W")
    got = _backend.collect(_backend.to_lazy(clv)).sort_values("customer_id")
    _same(got.reset_index(drop=True), customer_lifetime_value(bg, gg, summary))


def test_pareto_matches_pandas(cleaned):
    db, local, _, _ = cleaned
    _same(rl.pareto_table(db), rl.pareto_table(local))
    _same(rl.pareto_summary(db, by="country"), rl.pareto_summary(local, by="country"))


def test_query_reads_the_rows_it_selects(uri, raw_slice):
    sql = "SELECT * FROM online_retail WHERE \"Country\" = 'France'"
    db = rl.scan_transactions(uri, query=sql, **OPTIONS)
    france = raw_slice[raw_slice["Country"] == "France"]
    _same(
        rl.cohort_retention(rl.clean_transactions(db)[0]),
        rl.cohort_retention(rl.clean_transactions(rl.load_transactions(france, **OPTIONS))[0]),
    )


def test_unknown_table_is_a_clear_error(uri):
    with pytest.raises(rl.DataValidationError, match="No table `orders`.*`online_retail`"):
        rl.scan_transactions(uri, table="orders")


def test_table_or_query_is_required(uri):
    with pytest.raises(rl.DataValidationError, match="pass either `table=`.*not neither"):
        rl.scan_transactions(uri)
    with pytest.raises(rl.DataValidationError, match="not both"):
        rl.scan_transactions(uri, table="online_retail", query="SELECT 1")


def test_refused_query_is_a_clear_error(uri):
    with pytest.raises(rl.DataValidationError, match="The database refused `query`"):
        rl.scan_transactions(uri, query="SELECT * FROM no_such_table")


def test_unreachable_server_is_a_clear_error_without_the_password():
    with pytest.raises(rl.DataValidationError, match="Could not connect to .*:\\*\\*\\*@") as e:
        rl.scan_transactions("postgresql://me:secret@127.0.0.1:9/shop", table="orders")
    assert "secret" not in str(e.value)


def test_a_uri_given_to_an_analysis_says_how_to_read_it():
    with pytest.raises(rl.DataValidationError, match="scan_transactions\\(uri, table="):
        rl.cohort_retention("postgresql://me@127.0.0.1/shop")


def test_table_without_a_uri_is_a_clear_error(tmp_path):
    with pytest.raises(rl.DataValidationError, match="`table` and `query` apply to a database"):
        rl.scan_transactions(pd.DataFrame({"customer_id": ["a"]}), table="orders")


def test_the_report_reads_a_database_uri_in_place(uri, raw_slice, tmp_path, capsys):
    """``retention-lib report --data 'postgresql://...#table'``: the run is cleaned in the
    database (its report counts every row of the table) and the notebooks get the run."""
    from retention_lib.cli import main
    from retention_lib.run import RUN_FOLDER

    path = write_notebook(
        tmp_path / "check.ipynb",
        "config_path = None",
        "import retention_lib as rl\n\nrun = rl.open_run(config_path)\n"
        'print(f"{run.cleaning.rows_read} rows read, {len(run.transactions)} kept")',
    )
    out = tmp_path / "out"
    argv = ["report", "--data", f"{uri}#online_retail", "--currency", "GBP", "--out", str(out)]
    assert main([*argv, "--notebook", str(path), "--quiet"]) == 0, capsys.readouterr().err
    html = (out / "retention_report.html").read_text(encoding="utf-8")
    kept = pd.read_parquet(out / RUN_FOLDER / "transactions.parquet")  # what the run saved
    assert f"{len(raw_slice)} rows read, {len(kept)} kept" in html
    assert 0 < len(kept) < len(raw_slice)
