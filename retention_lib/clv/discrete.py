"""RFM summary of discrete transaction opportunities, the input of the BG/BB model.

One opportunity per calendar period (a year for annual donations, a quarter for seasonal
buyers): after the period of a customer's first purchase, each complete period is an
opportunity at which she transacted or not. ``frequency`` counts the opportunities with a
purchase, ``recency`` is the last of them (0 if none) and ``T`` how many there were: the
columns pymc-marketing and lifetimes use for the BG/BB model.
"""

from __future__ import annotations

from typing import Any

import narwhals as nw
import pandas as pd

from .._backend import check_log, check_period, collect, columns_of, datetime_lit, to_lazy
from .._schema import period_index, period_index_of, period_start, purchase_expr
from .._validation import DataValidationError, require_bool, require_date

__all__ = ["OPPORTUNITY_PERIODS", "discrete_rfm_summary"]

#: Calendar periods an opportunity can last.
OPPORTUNITY_PERIODS = ("D", "W", "M", "Q", "Y")


def _index(period: str) -> nw.Expr:
    if period == "Y":
        return nw.col("timestamp").dt.year()
    return period_index(period)


def _index_of(ts: pd.Timestamp, period: str) -> int:
    return ts.year if period == "Y" else period_index_of(ts, period)


def _start_of(index: int, period: str) -> pd.Timestamp:
    if period == "Y":
        return pd.Timestamp(year=index, month=1, day=1)
    return pd.Timestamp(period_start(pd.Series([index]), period).iloc[0])


def discrete_rfm_summary(
    transactions: Any,
    *,
    period: str = "Y",
    observation_end: Any = None,
    include_partial: bool = False,
) -> pd.DataFrame:
    """Per customer: transactions at discrete opportunities since the first purchase.

    Parameters
    ----------
    transactions : DataFrame, DuckDB relation, PySpark DataFrame or path
        Canonical transactions: ``customer_id, timestamp, amount`` (and ``is_return``); a
        purchase is a row with ``amount > 0`` that is not a return.
    period : {"D", "W", "M", "Q", "Y"}, default "Y"
        The calendar period of one opportunity.
    observation_end : datetime-like, optional
        Ignore transactions after this time (default: the last transaction).
    include_partial : bool, default False
        Count the last period as an opportunity even when it is not complete (an incomplete
        year reads as a year without a purchase for customers who would have bought later in
        it). By default it is left out, with its purchases; ``attrs`` says how many.

    Returns
    -------
    pandas.DataFrame
        ``customer_id, frequency, recency, T`` sorted by ``customer_id``, with
        ``0 <= frequency <= recency <= T``; customers acquired in the last counted period have
        ``T = 0`` (no opportunity yet). ``attrs`` holds ``period``, ``last_period`` (start of
        the last opportunity counted), ``partial_left_out`` and
        ``customers_only_in_left_out_period``.

    Examples
    --------
    >>> summary = discrete_rfm_summary(tx, period="Y")  # doctest: +SKIP
    >>> BetaGeoBetaBinomModel().fit(summary, period="Y")  # doctest: +SKIP
    """
    if period not in OPPORTUNITY_PERIODS:
        raise DataValidationError(
            f"`period` must be one of {', '.join(map(repr, OPPORTUNITY_PERIODS))}; got {period!r}."
        )
    if period != "Y":
        check_period(period)
    observation_end = require_date(observation_end, name="observation_end", allow_none=True)
    include_partial = require_bool(include_partial, name="include_partial")
    lf = to_lazy(transactions)
    check_log(lf)
    purchase = purchase_expr(columns_of(lf))
    if observation_end is not None:
        end = observation_end
        lf = lf.filter(nw.col("timestamp") <= datetime_lit(end, lf))
    else:
        last_ts = collect(lf.select(nw.col("timestamp").max())).iloc[0, 0]
        if pd.isna(last_ts):
            raise DataValidationError("`transactions` has no rows.")
        end = pd.Timestamp(last_ts)
    last = _index_of(end, period)
    complete = end >= _start_of(last + 1, period) - pd.Timedelta(days=1)
    counted = last if (complete or include_partial) else last - 1
    cells = lf.filter(purchase).select("customer_id", _index(period).alias("pidx")).unique()
    first = cells.group_by("customer_id").agg(nw.col("pidx").min().alias("first"))
    left_out = collect(
        cells.join(first, on="customer_id")
        .filter(nw.col("pidx") > counted)
        .select(
            nw.col("customer_id").n_unique().alias("customers"),
            (nw.col("first") > counted).sum().alias("new"),
        )
    ).iloc[0]
    kept = cells.filter(nw.col("pidx") <= counted).join(first, on="customer_id")
    out = collect(
        kept.with_columns(repeat=(nw.col("pidx") > nw.col("first")).cast(nw.Int64))
        .group_by("customer_id")
        .agg(
            nw.col("repeat").sum().alias("frequency"),
            nw.col("pidx").max().alias("last"),
            nw.col("first").min(),
        )
        .with_columns(recency=nw.col("last") - nw.col("first"), T=counted - nw.col("first"))
    )
    if out.empty:
        raise DataValidationError(
            "`transactions` has no purchase in a complete period (rows with `amount` > 0 that "
            "are not returns). Pass `include_partial=True` to count the current period."
        )
    out = out.sort_values("customer_id", kind="stable").reset_index(drop=True)
    out = out.astype({"frequency": "int64", "recency": "int64", "T": "int64"})
    out = out[["customer_id", "frequency", "recency", "T"]]
    out.attrs = {
        "period": period,
        "kind": "opportunities",
        "last_period": _start_of(counted, period),
        "partial_left_out": not (complete or include_partial),
        "customers_only_in_left_out_period": int(left_out["new"] or 0),
    }
    return out
