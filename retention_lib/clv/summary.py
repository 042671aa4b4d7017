"""RFM sufficient statistics (frequency, recency, T, monetary value) from a transaction log.

The aggregation is written once with narwhals, so pandas, polars, DuckDB and PySpark inputs
give identical results and only the per-customer result (one row per customer) is collected to
pandas. An in-memory pandas log whose ids fit integer keys takes a faster route to the same
numbers: one integer sort in numpy. The computation lives in ``_rfm`` (shared with the
scorecard, which needs the split's resolved dates); the time units in ``_units``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from . import _rfm
from ._units import TIME_UNITS

__all__ = ["calibration_holdout_split", "rfm_summary", "TIME_UNITS"]


def rfm_summary(
    transactions: Any,
    *,
    time_unit: str = "W",
    observation_end: Any = None,
    monetary: bool = True,
    grain: str | None = None,
    count_zero_amounts: bool = False,
    engine: str = "auto",
    collect: bool = True,
) -> pd.DataFrame | Any:
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
        Last day observed (inclusive). Later purchases are ignored, also those in the same
        ``grain`` period (as lifetimes ignores rows after ``observation_period_end``); ``T``
        runs to the period holding this day. Defaults to the last purchase in the data.
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
        Where a pandas input is aggregated. ``'auto'`` encodes text ids such as '17850' or
        'C0098885' as order-preserving integers and summarises with one integer sort in
        numpy (a million customers in well under a second), or runs the narwhals query on
        DuckDB when the ids do not fit 64-bit keys (e.g. random UUIDs); ``'native'``,
        ``'duckdb'`` and ``'polars'`` run the narwhals query there. Other inputs always run on
        their own engine.
    collect : bool, default True
        ``False`` keeps the per-customer table in the engine of a DuckDB, PySpark, ibis
        (database) or polars input: the result is that engine's lazy query (a DuckDB
        relation, a Spark DataFrame, an ibis table...) with the same columns, unsorted and
        without ``attrs``. The models fit it on the unique rows the engine counts
        (:meth:`BetaGeoModel.fit`), and :func:`customer_lifetime_value` joins their
        predictions back in the engine, so one row per customer never reaches the driver
        unless you collect it. A pandas input gives the pandas summary.

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

    References
    ----------
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your customers" the easy
    way: an alternative to the Pareto/NBD model. Marketing Science 24(2), 275-284.

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
    """
    return _rfm.summarize(
        transactions,
        time_unit,
        grain,
        observation_end,
        engine,
        monetary=monetary,
        count_zero_amounts=count_zero_amounts,
        collect=collect,
    )


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

    The calibration summary is :func:`rfm_summary` of the purchases on or before
    ``calibration_end``; the holdout counts each calibration customer's transactions
    (periods of length ``grain`` with a purchase) among the purchases after
    ``calibration_end`` up to ``observation_end``. The split is by day whatever the time
    unit: in weeks, a week holding ``calibration_end`` can hold a calibration transaction
    (its purchases up to that day) and a holdout one (the later purchases), as in lifetimes'
    ``calibration_and_holdout_data``. Customers whose first purchase falls in the holdout
    are not included (the models forecast known customers).

    Parameters
    ----------
    transactions : DataFrame-like
        Canonical transaction log (see :func:`rfm_summary`).
    calibration_end : date-like
        Last day of the calibration period (inclusive: purchases on that day, at any time,
        are calibration purchases; lifetimes compares timestamps with midnight instead,
        which is the same for logs of dates).
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
    return _rfm.holdout_split(
        transactions,
        calibration_end=calibration_end,
        observation_end=observation_end,
        time_unit=time_unit,
        grain=grain,
        count_zero_amounts=count_zero_amounts,
        engine=engine,
    ).frame
