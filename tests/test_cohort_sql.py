"""The DuckDB route of the cohort tables (one SQL statement per table, ``_cohort_sql``) gives
the narwhals query's tables.

A DuckDB input (and a pandas log the integer sort does not take, e.g. with ``by``) is
counted by SQL over a materialised table of cells; polars runs the narwhals query. The same
logs go through both, over periods, kinds, observation ends, returns, customers who never
bought, groups tied on the first purchase and missing groups.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pytest
from conftest import random_log

import retention_lib as rl
from retention_lib import _cohort_sql, cohorts

pytestmark = pytest.mark.filterwarnings("ignore::retention_lib.RetentionLibWarning")

TABLES = {
    "classic": lambda data, **kw: rl.cohort_retention(data, **kw),
    "unbounded": lambda data, **kw: rl.cohort_retention(data, kind="unbounded", **kw),
    "revenue": rl.revenue_retention,
    "churn": rl.churn_table,
}


def _log(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = random_log(rng, n_customers=60, max_tx=8)
    extra = pd.DataFrame(
        {
            # a return before the first purchase, a customer with returns only, and two
            # first purchases at the same time in two regions (the smaller one is the group)
            "customer_id": pd.Series(
                ["c000", "zz-returns", "zz-returns", "zz-tie", "zz-tie", "zz-tie"], dtype="str"
            ),
            "timestamp": pd.to_datetime(
                [
                    "2022-12-20 00:00",
                    "2023-03-01 00:00",
                    "2023-05-02 10:00",
                    "2023-04-03 09:00",
                    "2023-04-03 09:00",
                    "2023-06-01 09:00",
                ]
            ),
            "amount": [-15.0, -5.0, -7.5, 10.0, 12.0, 8.0],
            "is_return": [True, True, True, False, False, False],
            "region": pd.Series(
                ["Europe", "Europe", "Europe", "Europe", "Asia", "Americas"], dtype="str"
            ),
        }
    )
    df = pd.concat([df, extra], ignore_index=True)
    return df.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a, b, check_dtype=False, rtol=1e-9)
    assert a.attrs.keys() == b.attrs.keys()
    for key, value in b.attrs.items():
        assert a.attrs[key] == (pytest.approx(value) if isinstance(value, float) else value), key


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("period", ["D", "W", "M", "Q"])
@pytest.mark.parametrize("by", [None, "region"])
def test_sql_tables_equal_the_narwhals_query(seed, period, by):
    log = _log(seed)
    for name, table in TABLES.items():
        sql = table(duckdb.from_df(log), period=period, by=by)
        query = table(pl.from_pandas(log).lazy(), period=period, by=by)
        _same(sql, query)
        # a pandas log with `by` is counted by DuckDB in place, as the relation is
        _same(table(log, period=period, by=by), sql)
        assert name  # (the table's name, shown by pytest on a failure)


@pytest.mark.parametrize("end", ["2023-06-15", "2023-09-30 23:00", "2024-01-31"])
def test_sql_honours_observation_end(end):
    log = _log(7)
    for table in TABLES.values():
        kw = {"period": "M", "by": "region", "observation_end": end}
        _same(table(duckdb.from_df(log), **kw), table(pl.from_pandas(log).lazy(), **kw))


def test_sql_group_is_the_first_purchase_with_ties_to_the_smallest():
    log = _log(3)
    table = rl.cohort_retention(duckdb.from_df(log), by="region", min_cohort_size=0)
    april = table[(table["cohort"] == "2023-04-01") & (table["period_number"] == 0)]
    assert "zz-tie" in set(log["customer_id"])  # Asia < Europe, both at the first purchase
    by_hand = (
        log[log["amount"] > 0]
        .sort_values(["timestamp", "region"])
        .drop_duplicates("customer_id")
        .assign(month=lambda d: d["timestamp"].dt.to_period("M"))
    )
    expected = by_hand[by_hand["month"] == "2023-04"].groupby("region").size()
    got = april.set_index("region")["cohort_size"]
    pd.testing.assert_series_equal(got, expected, check_names=False, check_dtype=False)


def test_sql_refuses_customers_without_a_group_like_the_narwhals_query():
    log = _log(4)
    first = log[log["amount"] > 0].sort_values("timestamp").groupby("customer_id").head(1)
    log.loc[first.index[:5], "region"] = None  # five customers' first purchase has no group
    for table in TABLES.values():
        for data in (duckdb.from_df(log), pl.from_pandas(log).lazy()):
            with pytest.raises(rl.DataValidationError, match="missing values for 5 customer"):
                table(data, by="region")


def test_sql_revenue_accounts_for_every_row_and_penny():
    log = _log(5)
    table = rl.revenue_retention(duckdb.from_df(log), by="region")
    total = table["revenue"].sum() + table.attrs["revenue_outside_cohorts"]
    assert total == pytest.approx(log["amount"].sum(), rel=1e-12)
    inside = log.merge(
        log[log["amount"] > 0].groupby("customer_id")["timestamp"].min().rename("first"),
        on="customer_id",
        how="left",
    )
    before = inside["first"].isna() | (
        inside["timestamp"].dt.to_period("M") < inside["first"].dt.to_period("M")
    )
    assert table.attrs["rows_outside_cohorts"] == int(before.sum())


def _spy(monkeypatch, names: tuple[str, ...]) -> list[str]:
    seen: list[str] = []
    for name in names:
        original = getattr(_cohort_sql, name)
        monkeypatch.setattr(
            _cohort_sql, name, lambda *a, _f=original, _n=name: seen.append(_n) or _f(*a)
        )
    return seen


def test_duckdb_input_takes_the_sql_route(monkeypatch):
    names = ("masks", "active_counts", "last_counts", "revenue_counts", "churn_counts")
    seen = _spy(monkeypatch, names)
    log = _log(6)
    for table in TABLES.values():
        table(duckdb.from_df(log), by="region")
    # monthly periods fit a mask: one aggregation per customer for each customer table
    assert seen == ["masks", "masks", "revenue_counts", "masks"]
    seen.clear()
    rl.cohort_retention(duckdb.from_df(log), period="D")  # 400 days: no mask
    assert seen == ["active_counts"]
    c = cohorts._Cohorts(pl.from_pandas(log).lazy(), period="M", by=None)
    assert not c._sql  # polars keeps the narwhals query


@pytest.mark.parametrize("words", [0, 16])
@pytest.mark.parametrize("period", ["D", "W"])
def test_mask_and_cell_statements_give_the_same_tables(monkeypatch, words, period):
    """Both DuckDB routes on the same spans: masks off (0 words) and long enough for days."""
    log = _log(8)
    monkeypatch.setattr(_cohort_sql, "_MAX_WORDS", words)
    seen = _spy(monkeypatch, ("masks",))
    for table in TABLES.values():
        for by in (None, "region"):
            kw = {"period": period, "by": by}
            _same(table(duckdb.from_df(log), **kw), table(pl.from_pandas(log).lazy(), **kw))
    assert bool(seen) == bool(words)


def test_mask_words_cover_the_span():
    assert [_cohort_sql.mask_words(n) for n in (0, 1, 64, 65, 256, 257)] == [0, 1, 1, 2, 4, 0]


@pytest.mark.parametrize("coded", [0, 64])
def test_coded_and_paired_first_group_give_the_same_tables(monkeypatch, coded):
    """The first purchase's group as one integer key (few groups) or as the (timestamp,
    group) pair: the same customer tables and revenue table, ties to the smallest group
    included."""
    log = _log(9)
    log.loc[log.index[::7], "region"] = "Asia"  # more groups, and more ties on a timestamp
    monkeypatch.setattr(_cohort_sql, "_MAX_CODED", coded)
    c = cohorts._Cohorts(duckdb.from_df(log), period="M", by="region")
    assert (c._codes is not None) == bool(coded)
    for name in ("classic", "unbounded", "churn", "revenue"):
        kw = {"period": "M", "by": "region"}
        _same(
            TABLES[name](duckdb.from_df(log), **kw), TABLES[name](pl.from_pandas(log).lazy(), **kw)
        )
