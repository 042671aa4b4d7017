"""clv._sorted: the sort kernel behind rfm_summary(engine='auto') on pandas gives what the
narwhals query gives, and the inputs it cannot take go to the query."""

from __future__ import annotations

import datetime
import uuid

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retention_lib import DataValidationError
from retention_lib.clv import _rfm, _sorted, calibration_holdout_split, rfm_summary

START = datetime.datetime(2023, 1, 1)
ID_POOLS = {
    "prefix": [f"C{i:03d}" for i in range(0, 900, 37)],
    "numbers": ["9", "17850", "12346", "100", "7"],
    "mixed": ["a", "ab", "", "é", "Zz", "b"],
}


def _kernel_taken(tx: pd.DataFrame) -> bool:
    return _rfm._source(tx, "auto", False).frame is not None


def _outcome(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except DataValidationError as exc:
        return ("error", str(exc))


def _same(kernel, native):
    if isinstance(native, tuple) or isinstance(kernel, tuple):
        assert kernel == native
        return
    pd.testing.assert_frame_equal(kernel, native, check_exact=False, rtol=1e-12, atol=1e-9)
    assert kernel.attrs == native.attrs


@st.composite
def logs(draw):
    pool = ID_POOLS[draw(st.sampled_from(sorted(ID_POOLS)))]
    n = draw(st.integers(1, 60))
    minutes = draw(st.lists(st.integers(0, 500 * 24 * 60), min_size=n, max_size=n))
    amounts = draw(
        st.lists(st.sampled_from([-5.0, 0.0, 0.5, 10.0, 12.25, 99.99]), min_size=n, max_size=n)
    )
    tx = pd.DataFrame(
        {
            "customer_id": pd.array(
                draw(st.lists(st.sampled_from(pool), min_size=n, max_size=n)), dtype="str"
            ),
            "timestamp": pd.to_datetime([START + datetime.timedelta(minutes=m) for m in minutes]),
            "amount": amounts,
        }
    )
    if draw(st.booleans()):
        tx["is_return"] = draw(st.lists(st.booleans(), min_size=n, max_size=n))
    return tx


OPTIONS = st.fixed_dictionaries(
    {
        "time_unit": st.sampled_from(["D", "W", "M"]),
        "grain": st.sampled_from([None, "D"]),
        "count_zero_amounts": st.booleans(),
        "observation_end": st.sampled_from([None, "2023-03-31", "2023-09-15", "2024-06-01"]),
    }
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tx=logs(), options=OPTIONS)
def test_kernel_summary_equals_the_narwhals_query(tx, options):
    if tx["customer_id"].str.len().max() > 0:  # ids that are all '' have nothing to encode
        assert _kernel_taken(tx)
    _same(
        _outcome(rfm_summary, tx, **options),
        _outcome(rfm_summary, tx, engine="native", **options),
    )


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    tx=logs(),
    time_unit=st.sampled_from(["D", "W", "M"]),
    calibration_end=st.sampled_from(["2023-02-15", "2023-08-31", "2024-01-31"]),
)
def test_kernel_calibration_split_equals_the_narwhals_query(tx, time_unit, calibration_end):
    kwargs = {
        "time_unit": time_unit,
        "calibration_end": calibration_end,
        "observation_end": "2024-05-15",
    }
    _same(
        _outcome(calibration_holdout_split, tx, **kwargs),
        _outcome(calibration_holdout_split, tx, engine="native", **kwargs),
    )


def test_row_order_and_dtypes_do_not_change_the_kernel_summary():
    rng = np.random.default_rng(5)
    n = 3000
    tx = pd.DataFrame(
        {
            "customer_id": pd.array([f"K{i:04d}" for i in rng.integers(0, 400, n)], dtype="str"),
            "timestamp": pd.Timestamp("2023-01-01")
            + pd.to_timedelta(rng.integers(0, 700 * 86400, n), unit="s"),
            "amount": rng.integers(1, 500, n),  # integer amounts
        }
    )
    out = rfm_summary(tx)
    shuffled = tx.sample(frac=1.0, random_state=1)
    shuffled["timestamp"] = shuffled["timestamp"].astype("datetime64[s]")
    _same(rfm_summary(shuffled), out)
    _same(out, rfm_summary(tx, engine="native"))


def test_keys_too_wide_to_pack_take_the_narwhals_query():
    """18-digit ids give keys up to 10**18 (60 bits): with the period and row bits they do not
    fit 63 bits, so the kernel declines and DuckDB groups the keys."""
    rng = np.random.default_rng(3)
    ids = [f"{v:018d}" for v in rng.integers(0, 10**18, 50)] + ["9" * 18, "0" * 18]
    tx = pd.DataFrame(
        {
            "customer_id": pd.array([ids[i] for i in rng.integers(0, len(ids), 400)], dtype="str"),
            "timestamp": pd.Timestamp("2023-01-01")
            + pd.to_timedelta(rng.integers(0, 300, 400), unit="D"),
            "amount": rng.uniform(1, 50, 400),
        }
    )
    source = _rfm._source(tx, "auto", False)
    assert source.frame is not None
    packed = _sorted.transactions(
        source.frame, source.keys, grain="D", obs_idx=10**6, count_zero_amounts=False
    )
    assert packed is None
    _same(rfm_summary(tx, time_unit="D"), rfm_summary(tx, time_unit="D", engine="native"))


def test_ids_without_keys_take_the_narwhals_query():
    rng = np.random.default_rng(8)
    ids = [str(uuid.UUID(bytes=rng.bytes(16))) for _ in range(40)]  # random hex: no keys
    tx = pd.DataFrame(
        {
            "customer_id": pd.array(ids * 3, dtype="str"),
            "timestamp": pd.date_range("2023-01-01", periods=120, freq="3D"),
            "amount": 10.0,
        }
    )
    assert not _kernel_taken(tx)
    _same(rfm_summary(tx), rfm_summary(tx, engine="native"))


def test_time_zone_aware_timestamps_are_read_as_utc_on_every_engine():
    tx = pd.DataFrame(
        {
            "customer_id": pd.array(["a", "b", "a"], dtype="str"),
            "timestamp": pd.to_datetime(
                ["2024-01-01 23:30", "2024-01-02 00:00", "2024-02-01 00:00"]
            ).tz_localize("America/New_York"),  # 2024-01-02 04:30 UTC
            "amount": [1.0, 2.0, 3.0],
        }
    )
    assert not _sorted.can_sort(tx)  # converted to UTC before the kernel sees it
    out = rfm_summary(tx, time_unit="D")
    assert out["frequency"].tolist() == [1, 0]
    assert out["recency"].tolist() == [30.0, 0.0]  # 2024-01-02 to 2024-02-01 (UTC days)
    for engine in ("native", "duckdb", "polars"):
        _same(rfm_summary(tx, time_unit="D", engine=engine), out)


@pytest.mark.slow
def test_kernel_equals_the_narwhals_query_on_uci_online_retail(online_retail_path):
    """The UCI log after cleaning (399,654 rows, ids such as '17850'): the sort kernel,
    pandas and DuckDB give the same summaries and calibration split."""
    import retention_lib as rl

    tx, _ = rl.prepare_transactions(online_retail_path, currency="GBP")
    assert _kernel_taken(tx)
    for kwargs in ({"time_unit": "W", "grain": "D"}, {"time_unit": "M"}):
        kernel = rfm_summary(tx, **kwargs)
        # 4,362 customers kept: 28 with returns only, 10 whose every order was returned in
        # full (12346 and 16446's big orders among them)
        assert len(kernel) == 4324
        _same(kernel, rfm_summary(tx, engine="native", **kwargs))
        _same(kernel, rfm_summary(tx, engine="duckdb", **kwargs))
    split = {"calibration_end": "2011-06-30", "grain": "D"}
    _same(
        calibration_holdout_split(tx, **split),
        calibration_holdout_split(tx, engine="native", **split),
    )
