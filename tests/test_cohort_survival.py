"""cohort_survival: customers not yet lapsed, by cohort (hand-computed, brute force, engines)."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import retention_lib as rl
from retention_lib import DataValidationError, cohort_survival


def _matrix(table: pd.DataFrame) -> dict:
    obs = table[table["observable"]]
    return {
        (c.strftime("%Y-%m"), int(k)): int(v)
        for c, k, v in obs[["cohort", "period_number", "customers"]].itertuples(index=False)
    }


def test_tiny_log_by_hand(tiny_log):
    # April is partial (the log ends on Apr 2), so March is the last complete month.
    # one month without a purchase loses a customer: A (Jan, Feb, Apr) lapses after Feb,
    # B (Jan, Mar) after Jan; C (Feb, Mar) is still buying in March, D (Feb) lapses in Mar
    gap1 = cohort_survival(tiny_log, inactive_periods=1, min_cohort_size=1)
    assert _matrix(gap1) == {
        ("2024-01", 0): 2,
        ("2024-01", 1): 1,
        ("2024-01", 2): 0,
        ("2024-02", 0): 2,
        ("2024-02", 1): 1,
        ("2024-03", 0): 1,
    }
    # two months: A's and B's one-month pauses are no lapse; only one month after the cohort
    # can be judged for January (two complete months must follow the month before it)
    gap2 = cohort_survival(tiny_log, inactive_periods=2, min_cohort_size=1)
    assert _matrix(gap2) == {
        ("2024-01", 0): 2,
        ("2024-01", 1): 2,
        ("2024-02", 0): 2,
        ("2024-03", 0): 1,
    }
    assert gap2.attrs["kind"] == "survival" and gap2.attrs["inactive_periods"] == 2
    assert not gap2["partial"].any()
    assert gap2["retention"].dropna().between(0, 1).all()


def test_default_rule_is_about_ninety_days(tiny_log):
    assert cohort_survival(tiny_log, min_cohort_size=1).attrs["inactive_periods"] == 3
    weekly = cohort_survival(tiny_log, period="W", min_cohort_size=1)
    assert weekly.attrs["inactive_periods"] == 13


def _brute_force(log: pd.DataFrame, gap: int) -> dict:
    """Customer by customer, age by age, in plain Python: alive at age k unless a run of
    `gap` months without a purchase starts at some age in [1, k]."""
    buys = log[(log["amount"] > 0) & ~log["is_return"]]
    month = buys["timestamp"].dt.year * 12 + buys["timestamp"].dt.month - 1
    end = log["timestamp"].max()
    last = end.year * 12 + end.month - 1
    month_end = pd.Timestamp(year=end.year, month=end.month, day=1) + pd.offsets.MonthEnd(0)
    complete = last - (1 if end.normalize() < month_end else 0)
    active: dict[str, set[int]] = {}
    for cid, m in zip(buys["customer_id"], month, strict=True):
        active.setdefault(cid, set()).add(int(m))
    out: dict = {}
    for months in active.values():
        cohort = min(months)
        top = max(0, complete - cohort - gap + 1)
        for k in range(top + 1):
            lapsed = any(
                all(cohort + s + j not in months for j in range(gap)) for s in range(1, k + 1)
            )
            out[(cohort, k)] = out.get((cohort, k), 0) + int(not lapsed)
    return out


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.sampled_from("abcdefgh"), st.integers(0, 400), st.booleans()),
        min_size=1,
        max_size=40,
    ),
    gap=st.integers(1, 4),
)
def test_matches_a_brute_force_count(rows, gap):
    log = pd.DataFrame(
        {
            "customer_id": [r[0] for r in rows],
            "timestamp": [pd.Timestamp("2024-01-01") + pd.Timedelta(days=r[1]) for r in rows],
            "amount": [10.0 if r[2] else -3.0 for r in rows],
            "is_return": [not r[2] for r in rows],
        }
    )
    if not log["amount"].gt(0).any():
        return
    table = cohort_survival(log, inactive_periods=gap, min_cohort_size=1)
    expected = _brute_force(log, gap)
    obs = table[table["observable"]]
    got = {
        (c.year * 12 + c.month - 1, int(k)): int(v)
        for c, k, v in obs[["cohort", "period_number", "customers"]].itertuples(index=False)
    }
    assert got == expected


def test_survivors_never_rise_and_stay_below_unbounded(simulated_log):
    log = simulated_log(400, "2024-06-30", 3)
    surv = cohort_survival(log, inactive_periods=2)
    unb = rl.cohort_retention(log, kind="unbounded")
    merged = surv.merge(unb, on=["cohort", "period_number"], suffixes=("_s", "_u"))
    seen = merged[merged["observable_s"] & merged["observable_u"]]
    assert (seen["customers_s"] <= seen["customers_u"]).all()
    for _, g in surv[surv["observable"]].groupby("cohort"):
        assert g.sort_values("period_number")["customers"].is_monotonic_decreasing
    # a longer rule loses customers later: never fewer survivors
    longer = cohort_survival(log, inactive_periods=4)
    both = surv.merge(longer, on=["cohort", "period_number"], suffixes=("_2", "_4"))
    both = both[both["observable_2"] & both["observable_4"]]
    assert (both["customers_4"] >= both["customers_2"]).all()


def test_same_table_on_polars_and_duckdb(tiny_log):
    pl = pytest.importorskip("polars")
    duckdb = pytest.importorskip("duckdb")
    expected = cohort_survival(tiny_log, inactive_periods=1, min_cohort_size=1)
    for other in (pl.from_pandas(tiny_log), duckdb.from_df(tiny_log)):
        got = cohort_survival(other, inactive_periods=1, min_cohort_size=1)
        pd.testing.assert_frame_equal(got, expected, check_dtype=False)


@pytest.mark.parametrize(("value", "match"), [(0, "inactive_periods"), (1.5, "whole number")])
def test_bad_rule_is_a_clear_error(tiny_log, value, match):
    with pytest.raises(DataValidationError, match=match):
        cohort_survival(tiny_log, inactive_periods=value)


def test_no_purchase_is_a_clear_error(tiny_log):
    returns = tiny_log.assign(amount=-1.0)
    with pytest.raises(DataValidationError, match="no purchases"):
        cohort_survival(returns)
