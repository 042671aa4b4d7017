"""RFM sufficient statistics (frequency, recency, T, monetary value) from a transaction log.

Written once with narwhals, so pandas, polars and DuckDB inputs give identical results; only
the per-customer result (one row per customer) is collected to pandas.
"""

from __future__ import annotations

import datetime
from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd

from .._backend import collect, columns_of, period_index, period_index_of, period_start, to_lazy
from .._validation import DataValidationError

__all__ = ["calibration_holdout_split", "rfm_summary", "TIME_UNITS"]

#: Length of each time unit in days (a month is 365.25 / 12 days).
TIME_UNITS: dict[str, float] = {"D": 1.0, "W": 7.0, "M": 365.25 / 12}
_UNIT_WORDS = {"D": "days", "W": "weeks", "M": "months"}
_ENGINES = ("auto", "native", "duckdb", "polars")


def _check_unit(value: Any, name: str) -> str:
    if value not in TIME_UNITS:
        raise DataValidationError(
            f"`{name}` must be one of 'D' (days), 'W' (weeks) or 'M' (months); got {value!r}."
        )
    return value


def _resolve_grain(time_unit: str, grain: str | None) -> str:
    _check_unit(time_unit, "time_unit")
    if grain is None:
        return time_unit
    _check_unit(grain, "grain")
    if TIME_UNITS[grain] > TIME_UNITS[time_unit]:
        raise DataValidationError(
            f"`grain` ({grain!r}) must not be coarser than `time_unit` ({time_unit!r}). "
            f"Use grain='D' to merge purchases on the same day and measure ages in "
            f"{_UNIT_WORDS[time_unit]}."
        )
    return grain


def _scale(grain: str, time_unit: str) -> float:
    """Factor converting a difference of ``grain`` period indices into ``time_unit``."""
    if grain == time_unit:
        return 1.0
    return TIME_UNITS[grain] / TIME_UNITS[time_unit]


def _as_timestamp(value: Any, name: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise DataValidationError(
            f"`{name}` must be a date such as '2024-06-30' or a pandas Timestamp; got {value!r}."
        ) from None
    if ts is pd.NaT:
        raise DataValidationError(f"`{name}` must be a date; got a missing value.")
    if ts.tzinfo is not None:
        ts = ts.tz_convert(None)
    return ts


def _lazy_transactions(transactions: Any, engine: str) -> nw.LazyFrame:
    """Wrap the input as a narwhals LazyFrame, checking the canonical columns and dtypes."""
    if engine not in _ENGINES:
        raise DataValidationError(
            f"`engine` must be one of {', '.join(repr(e) for e in _ENGINES)}; got {engine!r}."
        )
    if isinstance(transactions, pd.DataFrame) and engine in ("auto", "duckdb", "polars"):
        # pandas' string group-bys are single-threaded and slow on millions of rows; the same
        # narwhals query runs on DuckDB (a core dependency) and only the result comes back.
        backend = "duckdb" if engine == "auto" else engine
        lf = nw.from_native(transactions).lazy(backend=backend)
    else:
        lf = to_lazy(transactions)
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
        raise TypeError(
            f"Column `timestamp` must hold datetimes, got {schema['timestamp']}. Parse it with "
            "`pd.to_datetime` or load the data with `retention_lib.load_transactions`."
        )
    if not schema["amount"].is_numeric():
        raise TypeError(
            f"Column `amount` must be numeric, got {schema['amount']}. Convert it with "
            "`pd.to_numeric` or load the data with `retention_lib.load_transactions`."
        )
    return lf


def _purchases(lf: nw.LazyFrame, count_zero_amounts: bool = False) -> nw.LazyFrame:
    """Rows that are purchases: ``amount > 0`` (``>= 0`` if ``count_zero_amounts``) and not
    flagged ``is_return``."""
    cond = nw.col("amount") >= 0 if count_zero_amounts else nw.col("amount") > 0
    if "is_return" in columns_of(lf):
        cond = cond & ~nw.col("is_return").fill_null(False)
    return lf.filter(cond)


def _check_nulls(lf: nw.LazyFrame) -> None:
    counts = collect(
        lf.select(
            nw.col("customer_id").is_null().sum().alias("customer_id"),
            nw.col("timestamp").is_null().sum().alias("timestamp"),
        )
    ).iloc[0]
    for col in ("customer_id", "timestamp"):
        if int(counts[col]) > 0:
            raise DataValidationError(
                f"Column `{col}` has {int(counts[col])} missing value(s) among the purchases. "
                "Run `retention_lib.clean_transactions` first (it drops rows without a customer "
                "or a date), or drop them with `tx.dropna(subset=['customer_id', 'timestamp'])`."
            )


def _observation_index(lf: nw.LazyFrame, observation_end: Any, grain: str) -> tuple[int, Any]:
    if observation_end is None:
        last = collect(lf.select(nw.col("timestamp").max())).iloc[0, 0]
        if last is None or pd.isna(last):
            raise DataValidationError(
                "`transactions` holds no purchases (rows with `amount` > 0). Check the filters "
                "applied before this call, and that returns are not the only rows."
            )
        end = pd.Timestamp(last)
    else:
        end = _as_timestamp(observation_end, "observation_end")
    return period_index_of(end, grain), end


def _period_expr(grain: str) -> nw.Expr:
    """Integer index of the calendar period holding each timestamp (same as
    ``_backend.period_index`` but cheaper to evaluate: one integer division)."""
    if grain == "M":
        return period_index("M")
    epoch = datetime.datetime(1970, 1, 1)
    days = (nw.col("timestamp") - nw.lit(epoch)).dt.total_seconds() // 86_400
    if grain == "D":
        return days
    return (days + 3) // 7  # 1970-01-01 was a Thursday; weeks start on Monday (as W-SUN)


def _period_table(lf: nw.LazyFrame, grain: str, obs_idx: int) -> nw.LazyFrame:
    """One row per (customer, period with a purchase): the period's summed amount."""
    next_start = period_start(obs_idx + 1, grain).iloc[0].to_pydatetime()
    return (
        lf.filter(nw.col("timestamp") < next_start)
        .select(
            nw.col("customer_id"),
            _period_expr(grain).alias("period"),
            nw.col("amount").cast(nw.Float64),
        )
        .group_by("customer_id", "period")
        .agg(nw.col("amount").sum())
    )


def _customer_table(periods: nw.LazyFrame) -> pd.DataFrame:
    """first/last period, number of periods, total and first-period amount per customer."""
    first = periods.group_by("customer_id").agg(nw.col("period").min().alias("first"))
    out = (
        periods.join(first, on="customer_id")
        .with_columns(
            nw.when(nw.col("period") == nw.col("first"))
            .then(nw.col("amount"))
            .otherwise(0.0)
            .alias("first_amount")
        )
        .group_by("customer_id")
        .agg(
            nw.col("first").min(),
            nw.col("period").max().alias("last"),
            nw.len().alias("n_periods"),
            nw.col("amount").sum().alias("total"),
            nw.col("first_amount").sum(),
        )
        .sort("customer_id")
    )
    return collect(out)


def rfm_summary(
    transactions: Any,
    *,
    time_unit: str = "W",
    observation_end: Any = None,
    monetary: bool = True,
    grain: str | None = None,
    count_zero_amounts: bool = False,
    engine: str = "auto",
) -> pd.DataFrame:
    """Per-customer frequency, recency, age and mean repeat spend (the BG/NBD inputs).

    Purchases (rows with ``amount > 0`` not flagged ``is_return``) are grouped into calendar
    periods of length ``grain``; purchases in the same period merge into one transaction whose
    value is their sum. For each customer, with ``t_0`` the first period with a purchase:

    * ``frequency`` ``x``: number of *repeat* periods with a purchase (periods after ``t_0``);
    * ``recency`` ``t_x``: age at the last purchase, ``last - t_0``, in ``time_unit``;
    * ``T``: age at the end of observation, ``observation_end - t_0``, in ``time_unit``;
    * ``monetary_value``: mean value of the repeat transactions (0 when ``frequency == 0``).

    These are the semantics of lifetimes' ``summary_data_from_transaction_data``
    (``freq=time_unit``; with ``grain='D'`` and ``time_unit='W'``, of ``freq='D',
    freq_multiplier=7``, which is how Fader, Hardie & Lee (2005) counted CDNOW).

    Parameters
    ----------
    transactions : DataFrame-like
        Canonical transaction log with ``customer_id``, ``timestamp`` and ``amount`` (optional
        ``is_return``): a pandas or polars DataFrame, a DuckDB relation or any frame narwhals
        supports.
    time_unit : {'W', 'D', 'M'}, default 'W'
        Unit of ``recency`` and ``T`` (and so of the fitted rates).
    observation_end : date-like, optional
        Last day observed (inclusive: its whole period counts). Later rows are ignored.
        Defaults to the last purchase in the data.
    monetary : bool, default True
        Add ``monetary_value``.
    grain : {'D', 'W', 'M'}, optional
        Calendar period within which purchases merge; defaults to ``time_unit``. Must not be
        coarser than ``time_unit``. ``grain='D'`` keeps ages at day precision (``T`` in weeks
        becomes e.g. 38.86).
    count_zero_amounts : bool, default False
        Count rows with ``amount == 0`` as purchases (free orders; CDNOW has 8 such rows that
        Fader, Hardie & Lee counted).
    engine : {'auto', 'native', 'duckdb', 'polars'}, default 'auto'
        Where a pandas input is aggregated. ``'auto'`` runs the narwhals query on DuckDB (much
        faster on millions of rows); ``'native'`` runs it on pandas. Other inputs always run
        on their own engine.

    Returns
    -------
    pandas.DataFrame
        One row per customer with a purchase, sorted by ``customer_id``: ``customer_id``
        (str), ``frequency`` (int64), ``recency``, ``T`` (float64, in ``time_unit``) and, if
        ``monetary``, ``monetary_value`` (float64). ``df.attrs`` records ``time_unit``,
        ``grain`` and ``observation_end``.

    Raises
    ------
    DataValidationError
        Missing columns, missing ids or dates, no purchases, or a bad option.

    Examples
    --------
    >>> tx = pd.DataFrame({
    ...     "customer_id": ["a", "a", "a", "b"],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-15", "2024-01-29", "2024-01-08"]),
    ...     "amount": [10.0, 20.0, 40.0, 5.0],
    ... })
    >>> rfm_summary(tx, observation_end="2024-02-05")
      customer_id  frequency  recency    T  monetary_value
    0           a          2      4.0  5.0            30.0
    1           b          0      0.0  4.0             0.0

    References
    ----------
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your customers" the easy
    way: an alternative to the Pareto/NBD model. Marketing Science 24(2), 275-284.
    """
    grain = _resolve_grain(time_unit, grain)
    lf = _purchases(_lazy_transactions(transactions, engine), count_zero_amounts)
    _check_nulls(lf)
    obs_idx, obs_end = _observation_index(lf, observation_end, grain)
    table = _customer_table(_period_table(lf, grain, obs_idx))
    if table.empty:
        raise DataValidationError(
            f"No purchases on or before `observation_end` ({obs_end.date()}). Pass a later "
            "`observation_end` or check the dates in `timestamp`."
        )
    return _finish_summary(table, obs_idx, grain, time_unit, monetary, obs_end)


def _finish_summary(
    table: pd.DataFrame,
    obs_idx: int,
    grain: str,
    time_unit: str,
    monetary: bool,
    obs_end: pd.Timestamp,
) -> pd.DataFrame:
    scale = _scale(grain, time_unit)
    first = table["first"].to_numpy(dtype="int64")
    last = table["last"].to_numpy(dtype="int64")
    n = table["n_periods"].to_numpy(dtype="int64")
    out = pd.DataFrame(
        {
            "customer_id": table["customer_id"].astype("str").to_numpy(),
            "frequency": n - 1,
            "recency": (last - first) * scale,
            "T": (obs_idx - first) * scale,
        }
    )
    out["customer_id"] = out["customer_id"].astype("str")
    if monetary:
        total = table["total"].to_numpy(dtype=float)
        first_amount = table["first_amount"].to_numpy(dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean_repeat = (total - first_amount) / (n - 1)
        out["monetary_value"] = np.where(n > 1, mean_repeat, 0.0)
    out.attrs.update(
        {"time_unit": time_unit, "grain": grain, "observation_end": str(obs_end.date())}
    )
    return out


def calibration_holdout_split(
    transactions: Any,
    *,
    calibration_end: Any,
    observation_end: Any = None,
    time_unit: str = "W",
    grain: str | None = None,
    count_zero_amounts: bool = False,
    engine: str = "auto",
) -> pd.DataFrame:
    """Summaries of a calibration period and of the holdout period that follows it.

    The calibration summary is :func:`rfm_summary` up to ``calibration_end``; the holdout
    counts each calibration customer's transactions (periods of length ``grain`` with a
    purchase) after ``calibration_end`` up to ``observation_end``. Customers whose first
    purchase falls in the holdout are not included (the models forecast known customers).

    Parameters
    ----------
    transactions : DataFrame-like
        Canonical transaction log (see :func:`rfm_summary`).
    calibration_end : date-like
        Last day of the calibration period (inclusive).
    observation_end : date-like, optional
        Last day of the holdout period (inclusive); defaults to the last purchase.
    time_unit, grain, count_zero_amounts, engine
        As in :func:`rfm_summary`.

    Returns
    -------
    pandas.DataFrame
        One row per calibration customer, sorted by ``customer_id``: ``customer_id``,
        ``frequency_cal``, ``recency_cal``, ``T_cal``, ``monetary_value_cal``,
        ``frequency_holdout`` (int64, number of holdout transactions),
        ``monetary_value_holdout`` (mean holdout transaction value, 0 without one) and
        ``duration_holdout`` (length of the holdout in ``time_unit``).

    Raises
    ------
    DataValidationError
        ``calibration_end`` not before ``observation_end``, or no data in either period.

    Examples
    --------
    >>> tx = pd.DataFrame({
    ...     "customer_id": ["a", "a", "a", "b"],
    ...     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-15", "2024-02-12", "2024-01-08"]),
    ...     "amount": [10.0, 20.0, 40.0, 5.0],
    ... })
    >>> split = calibration_holdout_split(
    ...     tx, calibration_end="2024-01-31", observation_end="2024-02-29")
    >>> split[["customer_id", "frequency_cal", "frequency_holdout", "duration_holdout"]]
      customer_id  frequency_cal  frequency_holdout  duration_holdout
    0           a              1                  1               4.0
    1           b              0                  0               4.0
    """
    grain = _resolve_grain(time_unit, grain)
    lf = _purchases(_lazy_transactions(transactions, engine), count_zero_amounts)
    _check_nulls(lf)
    cal_end = _as_timestamp(calibration_end, "calibration_end")
    obs_idx, obs_end = _observation_index(lf, observation_end, grain)
    cal_idx = period_index_of(cal_end, grain)
    if cal_idx >= obs_idx:
        raise DataValidationError(
            f"`calibration_end` ({cal_end.date()}) must fall in an earlier {grain!r} period than "
            f"`observation_end` ({obs_end.date()}); pass an earlier `calibration_end`."
        )
    periods = _period_table(lf, grain, obs_idx)
    cal_table = _customer_table(periods.filter(nw.col("period") <= cal_idx))
    if cal_table.empty:
        raise DataValidationError(
            f"No purchases on or before `calibration_end` ({cal_end.date()}); pass a later date."
        )
    cal = _finish_summary(cal_table, cal_idx, grain, time_unit, True, cal_end)
    cal.columns = ["customer_id"] + [f"{c}_cal" for c in cal.columns[1:]]
    holdout = collect(
        periods.filter(nw.col("period") > cal_idx)
        .group_by("customer_id")
        .agg(
            nw.len().alias("frequency_holdout"),
            nw.col("amount").mean().alias("monetary_value_holdout"),
        )
    )
    holdout["customer_id"] = holdout["customer_id"].astype("str")
    out = cal.merge(holdout, on="customer_id", how="left", validate="one_to_one")
    out["frequency_holdout"] = out["frequency_holdout"].fillna(0).astype("int64")
    out["monetary_value_holdout"] = out["monetary_value_holdout"].fillna(0.0).astype(float)
    out["duration_holdout"] = float((obs_idx - cal_idx) * _scale(grain, time_unit))
    out.attrs.update(
        {
            "time_unit": time_unit,
            "grain": grain,
            "calibration_end": str(cal_end.date()),
            "observation_end": str(obs_end.date()),
        }
    )
    return out
