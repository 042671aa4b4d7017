"""RFM sufficient statistics (frequency, recency, T, monetary value) from a transaction log.

The aggregation is written once with narwhals, so pandas, polars, DuckDB and PySpark inputs
give identical results and only the per-customer result (one row per customer) is collected to
pandas. An in-memory pandas log whose ids fit integer keys takes a faster route to the same
numbers: one integer sort in numpy (``_sorted``); the tests check the two agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd

from .._backend import (
    collect,
    columns_of,
    datetime_lit,
    infinite_expr,
    missing_counts,
    raise_if_missing,
    to_lazy,
)
from .._ids import IdKeys, sort_ids
from .._schema import (
    not_return_expr,
    period_index_by_division,
    period_index_of,
    period_start,
    purchase_expr,
)
from .._validation import (
    DataValidationError,
    InputTypeError,
    require_bool,
    require_unique_columns,
)
from . import _sorted
from ._units import as_timestamp, grain_scale, resolve_grain

_ENGINES = ("auto", "native", "duckdb", "polars")
_USED_COLUMNS = ("customer_id", "timestamp", "amount", "is_return")


@dataclass
class _Source:
    """The purchases as a narwhals LazyFrame and, for the sort kernel (``_sorted``), the
    pandas frame whose text ids are replaced by integer ``keys`` with their ``codec``."""

    lf: nw.LazyFrame
    frame: pd.DataFrame | None = None
    keys: np.ndarray | None = None
    codec: IdKeys | None = None


def _source(transactions: Any, engine: str, count_zero_amounts: bool) -> _Source:
    """Check the input and choose where it is aggregated: a pandas frame with ``engine='auto'``
    goes to the sort kernel when its ids qualify as integer keys, else to DuckDB (pandas'
    string group-bys are single-threaded and slow on millions of rows); ``'native'`` keeps
    pandas; other inputs run on their own engine."""
    if engine not in _ENGINES:
        raise DataValidationError(
            f"`engine` must be one of {', '.join(repr(e) for e in _ENGINES)}; got {engine!r}."
        )
    if isinstance(transactions, pd.DataFrame):
        require_unique_columns(transactions)
    if isinstance(transactions, pd.DataFrame) and isinstance(
        transactions.get("timestamp", pd.Series(dtype=object)).dtype, pd.DatetimeTZDtype
    ):  # as `to_lazy` does for pandas: UTC wall-clock time, on every engine
        transactions = transactions.assign(timestamp=transactions["timestamp"].dt.tz_convert(None))
    if isinstance(transactions, pd.DataFrame) and engine == "auto":
        source = _keyed_source(transactions)
        if source is not None:
            _check_schema(source.lf)
            source.lf = _purchases(source.lf, count_zero_amounts)
            return source
    if isinstance(transactions, pd.DataFrame) and engine in ("auto", "duckdb", "polars"):
        backend = "duckdb" if engine == "auto" else engine
        lf = nw.from_native(transactions).lazy(backend=backend)
    else:
        lf = to_lazy(transactions)
    _check_schema(lf)
    return _Source(_purchases(lf, count_zero_amounts))


def _keyed_source(transactions: pd.DataFrame) -> _Source | None:
    if not all(c in transactions.columns for c in ("customer_id", "timestamp", "amount")):
        return None  # reported by `_check_schema`
    if not _sorted.can_sort(transactions):
        return None
    encoded = IdKeys.encode(transactions["customer_id"])
    if encoded is None:
        return None
    keys, codec = encoded
    used = [c for c in transactions.columns if c in _USED_COLUMNS]
    frame = transactions[used].assign(customer_id=keys)
    return _Source(nw.from_native(frame).lazy(), frame, keys, codec)


def _check_schema(lf: nw.LazyFrame) -> None:
    """The canonical columns are there, with datetimes and numbers."""
    have = columns_of(lf)
    missing = [c for c in ("customer_id", "timestamp", "amount") if c not in have]
    if missing:
        names = ", ".join(f"`{c}`" for c in missing)
        raise DataValidationError(
            f"`transactions` is missing column(s) {names}; found "
            f"{', '.join(f'`{c}`' for c in have[:12])}. Load the data with "
            "`retention_lib.load_transactions` so it has the canonical columns."
        )
    schema = lf.collect_schema()
    if not isinstance(schema["timestamp"], (nw.Datetime, nw.Date)):
        raise InputTypeError(
            f"Column `timestamp` must hold datetimes, got {schema['timestamp']}. Parse it with "
            "`pd.to_datetime` or load the data with `retention_lib.load_transactions`."
        )
    if not schema["amount"].is_numeric():
        raise InputTypeError(
            f"Column `amount` must be numeric, got {schema['amount']}. Convert it with "
            "`pd.to_numeric` or load the data with `retention_lib.load_transactions`."
        )


def _purchases(lf: nw.LazyFrame, count_zero_amounts: bool = False) -> nw.LazyFrame:
    """Rows that are purchases: ``amount > 0`` (``>= 0`` if ``count_zero_amounts``) and not
    flagged ``is_return``."""
    cols = columns_of(lf)
    # keep rows with a missing amount so that `_scan` reports them instead of dropping them
    missing = nw.col("amount").is_null()
    if lf.collect_schema()["amount"].is_float():
        missing = missing | nw.col("amount").is_nan().fill_null(False)
    cond = purchase_expr(cols, count_zero_amounts=count_zero_amounts) | (
        missing & not_return_expr(cols)
    )
    return lf.filter(cond)


def _scan(lf: nw.LazyFrame, observation_end: Any, grain: str) -> tuple[int, pd.Timestamp]:
    """One pass over the purchases: no missing ids or dates, and the observation end (the
    last purchase unless given) with its period index."""
    last = [nw.col("timestamp").max().alias("last")] if observation_end is None else []
    checked = ["customer_id", "timestamp", "amount"]
    row = missing_counts(lf, checked, infinite_expr(lf, "amount"), *last)
    raise_if_missing(row, ["amount"])
    for col in ("customer_id", "timestamp"):
        n = int(row[f"missing_{col}"])
        if n > 0:
            raise DataValidationError(
                f"Column `{col}` has {n} missing value(s) among the purchases. "
                "Run `retention_lib.clean_transactions` first (it drops rows without a customer "
                "or a date), or drop them with `tx.dropna(subset=['customer_id', 'timestamp'])`."
            )
    if observation_end is None:
        last = row["last"]
        if last is None or pd.isna(last):
            raise DataValidationError(
                "`transactions` holds no purchases (rows with `amount` > 0). Check the filters "
                "applied before this call, and that returns are not the only rows."
            )
        end = pd.Timestamp(last)
    else:
        end = as_timestamp(observation_end, "observation_end")
    return period_index_of(end, grain), end


def _period_table(
    lf: nw.LazyFrame,
    grain: str,
    obs_idx: int,
    since: pd.Timestamp | None = None,
    before: pd.Timestamp | None = None,
) -> nw.LazyFrame:
    """One row per (customer, period with a purchase): the period's summed amount, of the
    purchases up to period ``obs_idx`` (at or after ``since``, before ``before`` if given)."""
    next_start = period_start(obs_idx + 1, grain).iloc[0]
    if before is not None:
        next_start = min(next_start, before)
    window = nw.col("timestamp") < datetime_lit(next_start, lf)
    if since is not None:
        window = window & (nw.col("timestamp") >= datetime_lit(since, lf))
    amount = nw.col("amount")
    if lf.collect_schema()["amount"] != nw.Float64:
        amount = amount.cast(nw.Float64)
    period = period_index_by_division(
        grain, spark=lf.implementation.is_spark_like() or lf.implementation.is_ibis()
    )
    return (
        lf.filter(window)
        .select(nw.col("customer_id"), period.alias("period"), amount)
        .group_by("customer_id", "period")
        .agg(nw.col("amount").sum())
    )


def _customer_table(periods: nw.LazyFrame) -> pd.DataFrame:
    """first/last period, number of periods, total and first-period amount per customer
    (unsorted: :func:`_finish_summary` sorts by ``customer_id``)."""
    return collect(_customer_query(periods))


def _customer_query(periods: nw.LazyFrame) -> nw.LazyFrame:
    """The query of :func:`_customer_table`."""
    aggregates = [
        nw.col("period").min().alias("first"),
        nw.col("period").max().alias("last"),
        nw.len().alias("n_periods"),
        nw.col("amount").sum().alias("total"),
    ]
    if periods.implementation.is_spark_like() or periods.implementation.is_ibis():
        # PySpark has no ordered `first` (ibis on PostgreSQL none that keeps nulls): flag the
        # first period through a join instead
        first = periods.group_by("customer_id").agg(nw.col("period").min().alias("first_period"))
        periods = periods.join(first, on="customer_id").with_columns(
            nw.when(nw.col("period") == nw.col("first_period"))
            .then(nw.col("amount"))
            .otherwise(0.0)
            .alias("first_amount")
        )
        first_amount = nw.col("first_amount").sum()
    else:
        # a customer's periods are distinct, so this is the first period's amount
        first_amount = nw.col("amount").first(order_by="period").alias("first_amount")
    return periods.group_by("customer_id").agg(*aggregates, first_amount)


def summarize(
    transactions: Any,
    time_unit: str,
    grain: str | None,
    observation_end: Any,
    engine: str,
    *,
    monetary: Any,
    count_zero_amounts: Any,
    collect: Any,
) -> pd.DataFrame | Any:
    """:func:`~retention_lib.clv.rfm_summary`, whose defaults it is called with."""
    monetary = require_bool(monetary, name="monetary")
    collect = require_bool(collect, name="collect")
    count_zero_amounts = require_bool(count_zero_amounts, name="count_zero_amounts")
    grain = resolve_grain(time_unit, grain)
    source = _source(transactions, engine, count_zero_amounts)
    obs_idx, obs_end = _scan(source.lf, observation_end, grain)
    end = _day_after(obs_end)
    if not collect and source.frame is None and not isinstance(transactions, pd.DataFrame):
        periods = _period_table(source.lf, grain, obs_idx, before=end)
        return _lazy_summary(periods, obs_idx, grain_scale(grain, time_unit), monetary).to_native()
    tx = _kernel_transactions(source, grain, obs_idx, count_zero_amounts, before=end)
    if tx is not None:
        assert source.codec is not None  # kernel transactions come with their id codec
        ids, customers = _kernel_customers(tx, source.codec)
    else:
        periods = _engine_periods(source, grain, obs_idx, count_zero_amounts, before=end)
        ids, customers = _table_customers(_customer_table(periods), source.codec)
    if len(ids) == 0:
        raise DataValidationError(
            f"No purchases on or before `observation_end` ({obs_end.date()}). Pass a later "
            "`observation_end` or check the dates in `timestamp`."
        )
    return _finish_summary(ids, customers, obs_idx, grain, time_unit, monetary, obs_end)


def _lazy_summary(
    periods: nw.LazyFrame, obs_idx: int, scale: float, monetary: bool
) -> nw.LazyFrame:
    """:func:`_finish_summary` as a query on the engine of ``periods``."""
    n = nw.col("n_periods")
    columns = [
        nw.col("customer_id"),
        (n - 1).alias("frequency"),
        # integers cast to float64 before scaling (PostgreSQL makes integer * 1.0 a NUMERIC)
        ((nw.col("last") - nw.col("first")).cast(nw.Float64) * scale).alias("recency"),
        ((obs_idx - nw.col("first")).cast(nw.Float64) * scale).alias("T"),
    ]
    if monetary:
        repeat = (nw.col("total") - nw.col("first_amount")) / (n - 1)
        columns.append(nw.when(n > 1).then(repeat).otherwise(0.0).alias("monetary_value"))
    return _customer_query(periods).select(*columns)


def _day_after(day: pd.Timestamp) -> pd.Timestamp:
    """Start of the day after ``day``: purchases before it are on or before ``day``."""
    return day.normalize() + pd.Timedelta(days=1)


def _kernel_transactions(
    source: _Source,
    grain: str,
    obs_idx: int,
    count_zero_amounts: bool,
    since: pd.Timestamp | None = None,
    before: pd.Timestamp | None = None,
) -> _sorted.Transactions | None:
    """The per-(customer, period) transactions from the sort kernel, or None where it does
    not apply."""
    if source.frame is None or source.keys is None:
        return None
    return _sorted.transactions(
        source.frame,
        source.keys,
        grain=grain,
        obs_idx=obs_idx,
        count_zero_amounts=count_zero_amounts,
        since=since,
        before=before,
    )


def _kernel_customers(tx: _sorted.Transactions, codec: IdKeys) -> tuple[Any, _sorted.Customers]:
    customers = _sorted.customers(tx)
    return codec.decode(customers.key), customers


def _engine_periods(
    source: _Source,
    grain: str,
    obs_idx: int,
    count_zero_amounts: bool,
    since: pd.Timestamp | None = None,
    before: pd.Timestamp | None = None,
) -> nw.LazyFrame:
    """The narwhals per-(customer, period) query; on DuckDB over the integer keys when the
    sort kernel could not pack them."""
    lf = source.lf
    if source.frame is not None:
        lf = _purchases(nw.from_native(source.frame).lazy(backend="duckdb"), count_zero_amounts)
    return _period_table(lf, grain, obs_idx, since=since, before=before)


def _table_customers(table: pd.DataFrame, codec: IdKeys | None) -> tuple[Any, _sorted.Customers]:
    """Sorted ids and per-customer arrays of a :func:`_customer_table` result."""
    if codec is None:
        order, ids = sort_ids(table["customer_id"])
    else:
        keys = table["customer_id"].to_numpy(dtype=np.int64)
        order = np.argsort(keys)
        ids = codec.decode(keys[order])
    return ids, _sorted.Customers(
        key=np.arange(len(order)),  # positions in id order
        first=table["first"].to_numpy(dtype="int64")[order],
        last=table["last"].to_numpy(dtype="int64")[order],
        n_periods=table["n_periods"].to_numpy(dtype="int64")[order],
        total=table["total"].to_numpy(dtype=float)[order],
        first_amount=table["first_amount"].to_numpy(dtype=float)[order],
    )


def _finish_summary(
    ids: Any,
    customers: _sorted.Customers,
    obs_idx: int,
    grain: str,
    time_unit: str,
    monetary: bool,
    obs_end: pd.Timestamp,
) -> pd.DataFrame:
    scale = grain_scale(grain, time_unit)
    first, last, n = customers.first, customers.last, customers.n_periods
    out = pd.DataFrame(
        {
            "customer_id": ids,
            "frequency": n - 1,
            "recency": (last - first) * scale,
            "T": (obs_idx - first) * scale,
        }
    )
    if monetary:
        total, first_amount = customers.total, customers.first_amount
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_repeat = (total - first_amount) / (n - 1)
        out["monetary_value"] = np.where(n > 1, mean_repeat, 0.0)
    out.attrs.update(
        {"time_unit": time_unit, "grain": grain, "observation_end": str(obs_end.date())}
    )
    return out


@dataclass(frozen=True)
class Split:
    """A calibration/holdout split with what it was built with, for callers that go on
    from it (``churn_scorecard``): the resolved dates, unit and grain as fields, not as the
    frame's ``attrs`` (which only record them for display and for the models' unit check)."""

    frame: pd.DataFrame
    calibration_end: pd.Timestamp
    observation_end: pd.Timestamp
    time_unit: str
    grain: str


def holdout_split(
    transactions: Any,
    *,
    calibration_end: Any,
    observation_end: Any,
    time_unit: str,
    grain: str | None,
    count_zero_amounts: bool,
    engine: str,
) -> Split:
    """:func:`~retention_lib.clv.calibration_holdout_split`, with its dates, unit and grain
    resolved."""
    count_zero_amounts = require_bool(count_zero_amounts, name="count_zero_amounts")
    grain = resolve_grain(time_unit, grain)
    source = _source(transactions, engine, count_zero_amounts)
    cal_end = as_timestamp(calibration_end, "calibration_end")
    obs_idx, obs_end = _scan(source.lf, observation_end, grain)
    cal_idx = period_index_of(cal_end, grain)
    if cal_idx >= obs_idx:
        raise DataValidationError(
            f"`calibration_end` ({cal_end.date()}) must fall in an earlier {grain!r} period than "
            f"`observation_end` ({obs_end.date()}); pass an earlier `calibration_end`."
        )
    # purchases on or before the calibration end's day are calibration purchases, later
    # ones holdout purchases, whatever the period: a week holding the calibration end can
    # have purchases in both (as lifetimes' `calibration_and_holdout_data` splits them)
    split, end = _day_after(cal_end), _day_after(obs_end)
    cal = _kernel_transactions(source, grain, cal_idx, count_zero_amounts, before=split)
    tx = None
    if cal is not None:
        tx = _kernel_transactions(source, grain, obs_idx, count_zero_amounts, split, end)
    if cal is not None and tx is not None:
        assert source.codec is not None  # kernel transactions come with their id codec
        ids, customers = _kernel_customers(cal, source.codec)
        later = _sorted.customers(tx)
        holdout = pd.DataFrame(
            {
                "customer_id": source.codec.decode(later.key),
                "frequency_holdout": later.n_periods,
                "monetary_value_holdout": later.total / later.n_periods,
            }
        )
    else:
        periods = _engine_periods(source, grain, cal_idx, count_zero_amounts, before=split)
        ids, customers = _table_customers(_customer_table(periods), source.codec)
        later_periods = _engine_periods(source, grain, obs_idx, count_zero_amounts, split, end)
        holdout = collect(
            later_periods.group_by("customer_id").agg(
                nw.len().alias("frequency_holdout"),
                nw.col("amount").mean().alias("monetary_value_holdout"),
            )
        )
        if source.codec is None:
            holdout["customer_id"] = holdout["customer_id"].astype("str")
        else:
            keys = holdout["customer_id"].to_numpy(dtype=np.int64)
            holdout["customer_id"] = source.codec.decode(keys)
    if len(ids) == 0:
        raise DataValidationError(
            f"No purchases on or before `calibration_end` ({cal_end.date()}); pass a later date."
        )
    cal = _finish_summary(ids, customers, cal_idx, grain, time_unit, True, cal_end)
    cal.columns = ["customer_id"] + [f"{c}_cal" for c in cal.columns[1:]]
    out = cal.merge(holdout, on="customer_id", how="left", validate="one_to_one")
    out["frequency_holdout"] = out["frequency_holdout"].fillna(0).astype("int64")
    out["monetary_value_holdout"] = out["monetary_value_holdout"].fillna(0.0).astype(float)
    out["duration_holdout"] = float((obs_idx - cal_idx) * grain_scale(grain, time_unit))
    out.attrs.update(
        {
            "time_unit": time_unit,
            "grain": grain,
            "calibration_end": str(cal_end.date()),
            "observation_end": str(obs_end.date()),
        }
    )
    return Split(out, pd.Timestamp(cal_end.date()), pd.Timestamp(obs_end.date()), time_unit, grain)
