"""The transaction schema's rules, each written once; every module calls these.

- A **purchase** is a row with ``amount > 0`` that is not flagged ``is_return``
  (:func:`purchase_expr` for narwhals frames, :func:`purchase_mask` for pandas).
- An **order** is a distinct ``order_id`` among a customer's purchases; without an
  ``order_id`` column, a distinct purchase **day** (:func:`order_expr`, :func:`order_keys`).
- A customer's **attributes** (region, segment, ...) are those on their first purchase, the
  smallest value when several rows share that moment (:func:`customer_attributes`).
- The **period index** of a timestamp is the integer number of the calendar day, week (from
  Monday), month or quarter holding it (:func:`period_index` and its numpy, scalar and
  inverse forms).
- A **month** is :data:`DAYS_PER_MONTH` = 365.25 / 12 days wherever a duration is converted
  (calendar tables count calendar months), a year :data:`DAYS_PER_YEAR` = 365.25 days.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd

from ._backend import PERIODS, check_log, collect, columns_of, to_lazy
from ._validation import (
    DataValidationError,
    format_rows,
    require_column_name,
    require_sequence_of_str,
)

__all__ = ["customer_attributes"]

#: Days in a year and in a month, wherever a duration is converted between units.
DAYS_PER_YEAR = 365.25
DAYS_PER_MONTH = DAYS_PER_YEAR / 12
#: The name of each period and time unit's plural, for messages and readings.
PERIOD_WORDS = {"D": "days", "W": "weeks", "M": "months", "Q": "quarters", "Y": "years"}
_US_PER_DAY = 86_400_000_000
_EPOCH = datetime.datetime(1970, 1, 1)


# --------------------------------------------------------------------------- purchases


def not_return_expr(columns: Sequence[str]) -> nw.Expr:
    """True on rows not flagged ``is_return`` (all rows when the column is absent)."""
    return ~nw.col("is_return").fill_null(False) if "is_return" in columns else nw.lit(True)


def purchase_expr(columns: Sequence[str], *, count_zero_amounts: bool = False) -> nw.Expr:
    """A purchase: ``amount > 0`` (``>= 0`` with ``count_zero_amounts``), not ``is_return``."""
    expr = nw.col("amount") >= 0 if count_zero_amounts else nw.col("amount") > 0
    if "is_return" in columns:
        expr = expr & not_return_expr(columns)
    return expr


def purchase_mask(frame: pd.DataFrame, *, count_zero_amounts: bool = False) -> np.ndarray:
    """:func:`purchase_expr` on a pandas frame, as a numpy boolean array."""
    amount = frame["amount"].to_numpy(dtype=float)
    keep = amount >= 0 if count_zero_amounts else amount > 0
    if "is_return" in frame.columns:
        flag = frame["is_return"]
        keep &= ~(flag if flag.dtype == bool else flag.fillna(False)).to_numpy(dtype=bool)
    return keep


def purchases(frame: pd.DataFrame, *, count_zero_amounts: bool = False) -> pd.DataFrame:
    """The purchase rows of a pandas frame."""
    return frame[purchase_mask(frame, count_zero_amounts=count_zero_amounts)]


# --------------------------------------------------------------------------- orders


def order_expr(columns: Sequence[str]) -> nw.Expr:
    """The order a purchase belongs to, as column ``order_id``: the ``order_id``, or the
    purchase day without one."""
    if "order_id" in columns:
        return nw.col("order_id")
    return nw.col("timestamp").dt.truncate("1d").alias("order_id")


def order_keys(frame: pd.DataFrame) -> pd.Series:
    """:func:`order_expr` on a pandas frame (the rows should be purchases)."""
    if "order_id" in frame.columns:
        return frame["order_id"]
    return pd.to_datetime(frame["timestamp"]).dt.normalize()


def order_count(frame: pd.DataFrame) -> int:
    """Distinct orders among the purchases of a pandas frame (per customer: an order id is
    one order even if two customers share it)."""
    bought = purchases(frame)
    return int(
        pd.DataFrame({"c": bought["customer_id"], "o": order_keys(bought)})
        .drop_duplicates()
        .shape[0]
    )


# --------------------------------------------------------------------------- attributes


def first_purchase_attributes(purchase_rows: nw.LazyFrame, columns: Sequence[str]) -> nw.LazyFrame:
    """``customer_id`` and ``columns`` on each customer's first row of ``purchase_rows``
    (the smallest value where several rows share the first timestamp)."""
    first = purchase_rows.group_by("customer_id").agg(nw.col("timestamp").min().alias("_first"))
    return (
        purchase_rows.select("customer_id", "timestamp", *columns)
        .join(first, on="customer_id")
        .filter(nw.col("timestamp") == nw.col("_first"))
        .group_by("customer_id")
        .agg(*[nw.col(c).min() for c in columns])
    )


def customer_attributes(
    transactions: Any, *, columns: Sequence[str] = ("region", "segment")
) -> pd.DataFrame:
    """Each customer's attributes (region, segment, ...) at their first purchase.

    The group a customer is counted under everywhere in the package (cohorts by group,
    LTV:CAC by group, CLV by group, survey answers by group) is fixed at acquisition: the
    value on the customer's first purchase, the smallest one when several rows share that
    moment. A customer without any purchase (returns only) has no row; a log without
    ``amount`` counts every row as a purchase.

    Parameters
    ----------
    transactions : DataFrame-like
        Canonical transaction log (pandas, polars, DuckDB relation, ...) with
        ``customer_id``, ``timestamp`` and ``columns`` (``amount`` and ``is_return`` decide
        what is a purchase).
    columns : sequence of str, default ("region", "segment")
        Attributes to read; those the log lacks are left out of the result.

    Returns
    -------
    pandas.DataFrame
        ``customer_id`` (text) and the attribute columns present in the log, one row per
        customer with a purchase, sorted by ``customer_id``. An attribute is missing where the first
        purchase has no value.

    Examples
    --------
    >>> customer_attributes(tx, columns=["region"])  # doctest: +SKIP
    """
    columns = require_sequence_of_str(columns, name="columns", what="column names")
    lf = to_lazy(transactions)
    check_log(lf, ["customer_id", "timestamp"])
    have = columns_of(lf)
    cols = [
        c for c in dict.fromkeys(columns) if c in have and c not in ("customer_id", "timestamp")
    ]
    if not cols:
        keep = purchase_expr(have) if "amount" in have else nw.lit(True)
        ids = collect(lf.filter(keep).select("customer_id").unique())
        ids["customer_id"] = ids["customer_id"].astype("str")
        return ids.sort_values("customer_id").reset_index(drop=True)
    rows = lf.select(
        "customer_id", "timestamp", *cols, *[c for c in ("amount", "is_return") if c in have]
    )
    if "amount" in have:
        out = collect(first_purchase_attributes(rows.filter(purchase_expr(have)), cols))
    else:
        out = collect(first_purchase_attributes(rows, cols))
    out["customer_id"] = out["customer_id"].astype("str")
    return out[["customer_id", *cols]].sort_values("customer_id").reset_index(drop=True)


def check_by(by: Any) -> str | None:
    """A grouping column name (or None), never ``customer_id`` (the unit being counted)."""
    require_column_name(by)
    if by == "customer_id":
        raise DataValidationError(
            "`by` cannot be `customer_id`: it is the unit being ranked. Pass a grouping column "
            "such as `region` or `segment`."
        )
    return by


def few(ids: Any) -> str:
    """``a, b, c (and 12 more)``: a few offending ids for an error message."""
    return format_rows(ids).split(" ", 1)[1]


def comparable(values: pd.Series) -> np.ndarray:
    """Values as ranked: sums of money rounded to 1e-6, so that the order in which an engine
    added a customer's amounts (which moves the last bits) cannot reorder equal totals."""
    arr = values.to_numpy()
    return np.round(arr.astype(float), 6) if arr.dtype.kind == "f" else arr


# --------------------------------------------------------------------------- periods


def day_index(col: str = "timestamp") -> nw.Expr:
    """Days since 1970-01-01 of a datetime column, with integer arithmetic every engine has."""
    t = nw.col(col)
    y = t.dt.year()
    ym1 = y - 1
    # days before 1 January of year y, counted from 1970 (Gregorian leap rules); 477 = leap
    # days before 1970.
    return 365 * (y - 1970) + (ym1 // 4 - ym1 // 100 + ym1 // 400 - 477) + t.dt.ordinal_day() - 1


def period_index(period: str, col: str = "timestamp") -> nw.Expr:
    """Integer index of the calendar period (D, W from Monday, M, Q) holding each timestamp."""
    if period == "D":
        return day_index(col)
    if period == "W":
        return (day_index(col) + 3) // 7  # 1970-01-01 was a Thursday; weeks start on Monday
    t = nw.col(col)
    if period == "M":
        return t.dt.year() * 12 + t.dt.month() - 1
    if period == "Q":
        return t.dt.year() * 4 + (t.dt.month() - 1) // 3
    raise DataValidationError(f"`period` must be one of {', '.join(PERIODS)}; got {period!r}.")


def period_start(index: pd.Series | int, period: str) -> pd.Series:
    """Start timestamp of each integer period index (inverse of :func:`period_index`)."""
    idx = pd.Series(index, dtype="int64")
    epoch = pd.Timestamp("1970-01-01")
    if period == "D":
        return epoch + pd.to_timedelta(idx, unit="D")
    if period == "W":
        return epoch + pd.to_timedelta(idx * 7 - 3, unit="D")
    months = idx if period == "M" else idx * 3
    years, month0 = months // 12, months % 12
    return pd.to_datetime(pd.DataFrame({"year": years, "month": month0 + 1, "day": 1}))


def period_index_of(ts: pd.Timestamp, period: str) -> int:
    """:func:`period_index` for one pandas Timestamp."""
    days = (ts.normalize() - pd.Timestamp("1970-01-01")).days
    if period == "D":
        return days
    if period == "W":
        return (days + 3) // 7
    if period == "M":
        return ts.year * 12 + ts.month - 1
    return ts.year * 4 + (ts.month - 1) // 3


def period_index_array(timestamps: np.ndarray, period: str) -> np.ndarray:
    """:func:`period_index` of numpy datetimes (D, W from Monday, M, Q).

    Months and quarters are looked up by day in a table spanning the log's days (integer
    division and a gather, several times faster than numpy's calendar conversion).
    """
    us = timestamps.astype("datetime64[us]").view(np.int64)
    if period == "W":
        return (us + 3 * _US_PER_DAY) // (7 * _US_PER_DAY)  # 1970-01-01 was a Thursday
    days = us // _US_PER_DAY
    if period == "D" or len(days) == 0:
        return days
    low, high = int(days.min()), int(days.max())
    span = np.arange(low, high + 1).astype("datetime64[D]")
    months = span.astype("datetime64[M]").astype(np.int64) + 1970 * 12
    table = months if period == "M" else months // 3  # year * 4 + (month - 1) // 3
    return table[days - low]


def period_index_by_division(grain: str, spark: bool = False) -> nw.Expr:
    """Integer index of the calendar period holding each timestamp (:func:`period_index`;
    for days and weeks a single integer division of the microseconds since 1970, which engines
    evaluate several times faster, except on PySpark and ibis where narwhals lacks it)."""
    if grain == "M" or spark:
        return period_index(grain)
    us = (nw.col("timestamp") - nw.lit(_EPOCH)).dt.total_microseconds()
    if grain == "D":
        return us // _US_PER_DAY
    # 1970-01-01 was a Thursday; weeks start on Monday (as W-SUN). floor((d + 3) / 7) of the
    # day index d = floor(us / day) equals floor((us + 3 day) / (7 day)).
    return (us + 3 * _US_PER_DAY) // (7 * _US_PER_DAY)
