"""The integer-sort route of the cohort tables gives the engines' tables.

A pandas log that qualifies (``_cohort_cells.applies``) is counted in numpy; any other pandas
log by DuckDB in place (``_cohort_sql``, itself checked against the narwhals query in
``test_cohort_sql.py``). Here the same logs go through both (DuckDB forced by making the
kernel not apply), over periods, kinds, observation ends, returns and customers who never
bought, and the tables must be equal.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import random_log

import retention_lib as rl
from retention_lib import _cohort_cells

pytestmark = pytest.mark.filterwarnings("ignore::retention_lib.RetentionLibWarning")


def _log(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = random_log(rng, n_customers=60, max_tx=8)
    # returns dated before a customer's first purchase, and a customer with returns only
    extra = pd.DataFrame(
        {
            "customer_id": pd.Series(["c000", "zz-only-returns", "zz-only-returns"], dtype="str"),
            "timestamp": pd.to_datetime(
                ["2022-12-20 00:00", "2023-03-01 00:00", "2023-05-02 10:00"]
            ),
            "amount": [-15.0, -5.0, -7.5],
            "is_return": [True, True, True],
            "region": pd.Series(["Europe"] * 3, dtype="str"),
        }
    )
    df = pd.concat([df, extra], ignore_index=True)
    return df.sample(frac=1.0, random_state=seed).reset_index(drop=True)  # any row order


def _both(monkeypatch, func, log, **kwargs):
    assert _cohort_cells.applies(log, kwargs.get("by"))
    fast = func(log, **kwargs)
    with monkeypatch.context() as m:
        m.setattr(_cohort_cells, "applies", lambda frame, by: False)
        query = func(log, **kwargs)
    return fast, query


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a, b, check_dtype=False, rtol=1e-9)
    assert a.attrs.keys() == b.attrs.keys()
    for key, value in b.attrs.items():
        assert a.attrs[key] == (pytest.approx(value) if isinstance(value, float) else value), key


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("period", ["D", "W", "M", "Q"])
def test_kernel_tables_equal_the_query(monkeypatch, seed, period):
    log = _log(seed)
    for kind in ("classic", "unbounded"):
        _same(*_both(monkeypatch, rl.cohort_retention, log, period=period, kind=kind))
    _same(*_both(monkeypatch, rl.revenue_retention, log, period=period))
    _same(*_both(monkeypatch, rl.churn_table, log, period=period))


@pytest.mark.parametrize("end", ["2023-06-15", "2023-09-30 23:00", "2024-01-31"])
def test_kernel_honours_observation_end(monkeypatch, end):
    log = _log(7)
    for func in (rl.cohort_retention, rl.revenue_retention, rl.churn_table):
        _same(*_both(monkeypatch, func, log, period="M", observation_end=end))


def test_kernel_counts_returns_outside_cohorts(monkeypatch):
    log = _log(4)
    fast, query = _both(monkeypatch, rl.revenue_retention, log, period="M")
    before_first = -15.0 - 5.0 - 7.5  # the three added returns
    assert fast.attrs["rows_outside_cohorts"] >= 3
    assert fast.attrs["revenue_outside_cohorts"] <= before_first + 1e-9
    total = fast["revenue"].sum() + fast.attrs["revenue_outside_cohorts"]
    assert total == pytest.approx(log["amount"].sum(), rel=1e-12)


def test_kernel_does_not_apply_to_aware_timestamps_or_by():
    log = _log(5)
    assert not _cohort_cells.applies(log, "region")
    aware = log.assign(timestamp=log["timestamp"].dt.tz_localize("UTC"))
    assert not _cohort_cells.applies(aware, None)
    assert not _cohort_cells.applies(log.assign(is_return=log["is_return"].astype("object")), None)
    # and the query still answers them, as the kernel would on the naive UTC times
    pd.testing.assert_frame_equal(rl.cohort_retention(aware), rl.cohort_retention(log))
