"""net_revenue_retention: the parts add up, by hand, on every engine, and its reading."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import retention_lib as rl
from retention_lib import (
    MOVEMENTS,
    DataValidationError,
    describe_net_revenue_retention,
    net_revenue_retention,
)
from retention_lib.plotting import plot_revenue_movements, plot_revenue_waterfall


def _log(rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["customer_id", "timestamp", "amount"])
    frame["timestamp"] = pd.to_datetime(frame["timestamp"])
    frame["is_return"] = frame["amount"] < 0
    return frame


@pytest.fixture
def movements_log() -> pd.DataFrame:
    """January: A 100, B 50, C 30. February: A 150 (expands), B 20 (contracts), C nothing
    (churns) but returns 10, D 40 (new). March: A 150, B nothing, C 25 (reactivated), and a
    return of 5 by E, who never bought (no cohort)."""
    return _log(
        [
            ("A", "2024-01-05", 100.0),
            ("B", "2024-01-10", 50.0),
            ("C", "2024-01-20", 30.0),
            ("A", "2024-02-05", 150.0),
            ("B", "2024-02-10", 20.0),
            ("C", "2024-02-12", -10.0),
            ("D", "2024-02-15", 40.0),
            ("A", "2024-03-05", 150.0),
            ("C", "2024-03-20", 25.0),
            ("E", "2024-03-25", -5.0),
        ]
    )


def test_business_movements_by_hand(movements_log):
    table = net_revenue_retention(movements_log, by_cohort=False).set_index("period")
    feb = table.loc[pd.Timestamp("2024-02-01")]
    assert feb["starting_revenue"] == 180
    assert (feb["retained"], feb["expansion"], feb["contraction"]) == (120, 50, 30)
    assert (feb["churned"], feb["new"], feb["other"], feb["revenue"]) == (30, 40, -10, 200)
    assert feb["gross_revenue_retention"] == pytest.approx(120 / 180)
    assert feb["net_revenue_retention"] == pytest.approx(170 / 180)
    assert feb["customers_start"] == 3 and feb["customers_churned"] == 1
    mar = table.loc[pd.Timestamp("2024-03-01")]
    # starting base: A 150, B 20, D 40; A retained, B and D churned; C reactivated; E's return
    assert (mar["starting_revenue"], mar["retained"], mar["churned"]) == (210, 150, 60)
    assert (mar["reactivated"], mar["other"], mar["revenue"]) == (25, -5, 170)
    assert mar["customers_reactivated"] == 1
    jan = table.loc[pd.Timestamp("2024-01-01")]
    assert jan["new"] == 180 and np.isnan(jan["net_revenue_retention"])


def test_cohort_rows_and_revenue_outside_cohorts(movements_log):
    table = net_revenue_retention(movements_log)
    outside = table[table["cohort"].isna()]
    assert outside["other"].tolist() == [-5.0]
    january = table[table["cohort"] == pd.Timestamp("2024-01-01")].set_index("period_number")
    assert january.loc[2, "reactivated"] == 25 and january.loc[2, "churned"] == 20
    february = table[table["cohort"] == pd.Timestamp("2024-02-01")].set_index("period_number")
    assert february.loc[0, "new"] == 40 and february.loc[1, "churned"] == 40
    # every unit of revenue is in the table
    assert table["revenue"].sum() == movements_log["amount"].sum()


def _check_identities(table: pd.DataFrame) -> None:
    start = table[["retained", "contraction", "churned"]].sum(axis=1)
    np.testing.assert_array_equal(start.to_numpy(), table["starting_revenue"].to_numpy())
    parts = table[["retained", "expansion", "reactivated", "new", "other"]].sum(axis=1)
    np.testing.assert_array_equal(parts.to_numpy(), table["revenue"].to_numpy())


@settings(max_examples=30, deadline=None)
@given(
    rows=st.lists(
        st.tuples(
            st.sampled_from("abcdef"),
            st.integers(0, 200),
            # quarters are exact in binary, so sums do not depend on the order of addition
            st.integers(-40, 400).map(lambda v: v / 4),
        ),
        min_size=1,
        max_size=50,
    ),
    period=st.sampled_from(["M", "W", "Q"]),
    by_cohort=st.booleans(),
)
def test_parts_add_up_exactly(rows, period, by_cohort):
    log = _log([(c, pd.Timestamp("2024-01-01") + pd.Timedelta(days=d), a) for c, d, a in rows])
    log = log[log["amount"] != 0]
    if not (log["amount"] > 0).any():
        return
    table = net_revenue_retention(log, period=period, by_cohort=by_cohort)
    _check_identities(table)
    assert table["revenue"].sum() == log["amount"].sum()
    for name in MOVEMENTS[:-1]:
        assert (table[name] >= 0).all(), name
    rates = table["gross_revenue_retention"].dropna()
    assert ((rates >= 0) & (rates <= 1)).all()


def test_identities_on_the_bundled_sample_with_regions():
    tx, _ = rl.prepare_transactions(None)
    table = net_revenue_retention(tx, by="region")
    starts = table[["retained", "contraction", "churned"]].sum(axis=1)
    np.testing.assert_allclose(starts, table["starting_revenue"], rtol=1e-12, atol=1e-6)
    parts = table[["retained", "expansion", "reactivated", "new", "other"]].sum(axis=1)
    np.testing.assert_allclose(parts, table["revenue"], rtol=1e-12, atol=1e-6)
    assert table["revenue"].sum() == pytest.approx(tx["amount"].sum(), rel=1e-12)
    business = net_revenue_retention(tx, by_cohort=False)
    assert business["revenue"].sum() == pytest.approx(tx["amount"].sum(), rel=1e-12)


def test_same_table_on_polars_and_duckdb(movements_log):
    pl = pytest.importorskip("polars")
    duckdb = pytest.importorskip("duckdb")
    expected = net_revenue_retention(movements_log)
    for other in (pl.from_pandas(movements_log), duckdb.from_df(movements_log)):
        got = net_revenue_retention(other)
        pd.testing.assert_frame_equal(got, expected, check_dtype=False)


def test_describe_follows_the_numbers(movements_log):
    table = net_revenue_retention(movements_log, by_cohort=False)
    # March is partial (the log ends on the 25th): February is the last complete month
    text = describe_net_revenue_retention(table, last=3, currency="EUR")
    assert "Over the last month" in text
    assert "(180 EUR in all) shrank to 94%" in text and "gross, without expansion: 67%" in text
    assert "split about evenly" in text and "new customers 40 EUR" in text
    churny = _log(
        [("A", "2024-01-05", 100.0), ("B", "2024-01-06", 100.0), ("A", "2024-02-05", 90.0)]
        + [("A", "2024-03-31", 90.0)]
    )
    table = net_revenue_retention(churny, by_cohort=False)
    assert "held at 100%" in describe_net_revenue_retention(table, last=1)  # March
    text = describe_net_revenue_retention(table, last=2)
    assert "91% of it from customers who stopped buying" in text
    growing = _log([("A", "2024-01-05", 100.0), ("A", "2024-02-29", 180.0)])
    grew = describe_net_revenue_retention(net_revenue_retention(growing, by_cohort=False))
    assert "grew to 180%" in grew and "lost no revenue" in grew
    with pytest.raises(DataValidationError, match="by_cohort=False"):
        describe_net_revenue_retention(net_revenue_retention(movements_log))


def test_plots_show_every_movement(movements_log):
    table = net_revenue_retention(movements_log)
    ax = plot_revenue_movements(table, currency="EUR")
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert {"new", "reactivated", "expansion", "contraction", "churned", "net change"} <= set(
        labels
    )
    ax = plot_revenue_waterfall(table, at="2024-02-01")
    bars = ax.patches
    assert bars[0].get_height() == 180 and bars[-1].get_height() == 200
    assert "NRR 94%" in ax.get_title()
    with pytest.raises(ValueError, match="not a period of `table`"):
        plot_revenue_waterfall(table, at="2030-01-01")


def test_no_purchase_is_a_clear_error(movements_log):
    with pytest.raises(DataValidationError, match="no purchases"):
        net_revenue_retention(movements_log.assign(amount=-1.0))


def test_returns_above_purchases_in_a_period_are_other_not_negative_new_revenue():
    # found by test_parts_add_up_exactly: a buyer returns more than she buys in her first month
    log = _log(
        [
            ("a", pd.Timestamp("2024-01-01"), 0.25),
            ("a", pd.Timestamp("2024-01-01"), -0.5),
            ("a", pd.Timestamp("2024-02-03"), 10.0),
        ]
    )
    table = net_revenue_retention(log, period="M", by_cohort=False).set_index("period")
    january, february = table.iloc[0], table.iloc[1]
    assert january["new"] == 0 and january["other"] == -0.25 and january["revenue"] == -0.25
    # a negative month is no starting base: February's 10 is expansion on zero, nothing churned
    assert february["starting_revenue"] == 0 and february["expansion"] == 10
    assert table["revenue"].sum() == 9.75
