"""A deterministic BG/NBD + Gamma-Gamma simulator of transaction logs.

:func:`simulate_transactions` draws a transaction log from the BG/NBD purchase process
(Fader, Hardie & Lee 2005a) with Gamma-Gamma spend (Fader, Hardie & Lee 2005b; Colombo &
Jiang 1999). It is the ground truth for the CLV tests, and the bundled sample
(:mod:`retention_lib.datasets`) draws each country's customers with it.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from retention_lib._validation import (
    DataValidationError,
    InputTypeError,
    require_date,
    require_in_range,
)

__all__ = ["simulate_transactions"]

_WEEK = pd.Timedelta(days=7)
_DAY_NS = 86_400 * 10**9

# Relative frequency of orders by local hour of day (online shop: a lunch peak and
# an evening peak, quiet nights).
_HOUR_WEIGHTS = np.array(
    [1.0, 0.6, 0.4, 0.3, 0.3, 0.4, 0.8, 1.5, 2.5, 3.5, 4.0, 4.5,
     5.0, 4.8, 4.3, 4.2, 4.3, 4.6, 5.2, 6.0, 6.3, 5.5, 4.0, 2.2]
)  # fmt: skip


def _as_day(value: Any, name: str) -> pd.Timestamp:
    return require_date(value, name=name, tz="wall").normalize()


def _check_positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise InputTypeError(f"`{name}` must be an integer, got {type(value).__name__}.")
    if value < 1:
        raise DataValidationError(f"`{name}` must be at least 1; got {value}.")
    return int(value)


def simulate_transactions(
    n_customers: int,
    *,
    r: float,
    alpha: float,
    a: float,
    b: float,
    p: float,
    q: float,
    gamma: float,
    start: Any,
    end: Any,
    acquisition_end: Any = None,
    seed: int | np.random.SeedSequence | np.random.Generator = 0,
    id_prefix: str = "C",
    return_latent: bool = False,
) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
    """Simulate a transaction log from the BG/NBD and Gamma-Gamma models.

    The time unit of every rate parameter is the **week** (7 days).

    For customer ``i`` (all draws independent across customers):

    1. Acquisition: the first purchase happens at ``t0_i ~ Uniform[start,
       acquisition_end + 1 day)``. The observation window ends at
       ``end + 1 day`` (``start``/``end`` are inclusive dates), so the customer
       is observed for ``T_i = (end + 1 day - t0_i) / 7 days`` weeks.
    2. Purchase rate ``lambda_i ~ Gamma(shape=r, rate=alpha)`` (mean ``r/alpha``
       repeat purchases per week while active).
    3. Dropout probability ``p_i ~ Beta(a, b)``.
    4. While active, repeat purchases follow a Poisson process with rate
       ``lambda_i``. Immediately after each *repeat* purchase the customer
       becomes inactive for good with probability ``p_i`` (the first purchase at
       ``t0_i`` never ends the relationship). This is the BG/NBD process of
       Fader, Hardie & Lee (2005a), section 3, assumptions (i)-(v).
    5. Spend: ``nu_i ~ Gamma(shape=q, rate=gamma)``; the value of every
       transaction (first and repeat) is ``z ~ Gamma(shape=p, rate=nu_i)``, so a
       customer's mean spend is ``p / nu_i`` and the population mean spend is
       ``p * gamma / (q - 1)`` for ``q > 1`` (Fader, Hardie & Lee 2005b, eq. 1-2;
       lifetimes' ``GammaGammaFitter`` calls ``gamma`` ``v``). ``p`` here is the
       Gamma-Gamma shape, not the dropout probability.

    Given ``N(T_i) = n`` Poisson events in ``(0, T_i]`` and the number of repeat
    purchases until dropout ``J_i ~ Geometric(p_i)`` (support 1, 2, ...), the
    customer makes ``k_i = min(n, J_i)`` repeat purchases, at the first ``k_i``
    of ``n`` sorted uniform times on ``(0, T_i]``. The customer is still alive at
    the end of the window when ``k_i < J_i``.

    Timestamps: the simulated continuous time fixes the calendar day of each
    purchase; the clock time within that day is then drawn from a realistic
    online-shop profile (lunch and evening peaks), at minute precision. This
    moves a purchase by less than a day and never across the window bounds.
    Several purchases of one customer can fall on the same day (daily
    aggregation, as in lifetimes' ``summary_data_from_transaction_data``, then
    counts them once; rare unless ``r / alpha`` is large).

    Parameters
    ----------
    n_customers : int
        Number of customers to simulate (each makes at least one purchase).
    r, alpha : float
        Shape and rate (per week) of the Gamma distribution of purchase rates.
    a, b : float
        Parameters of the Beta distribution of the dropout probability.
    p, q, gamma : float
        Gamma-Gamma spend parameters: transaction value shape ``p``; the
        customer-level rate ``nu`` is Gamma with shape ``q`` and rate ``gamma``
        (``gamma`` is in currency units: multiplying it by ``c`` multiplies every
        amount by ``c``).
    start, end : date-like
        First and last calendar day of the observation window (inclusive).
    acquisition_end : date-like, optional
        Last calendar day on which a customer can be acquired; defaults to
        ``end``.
    seed : int, SeedSequence or Generator, default 0
        Seed of ``numpy.random.default_rng``. Same seed -> identical output.
    id_prefix : str, default "C"
        Customer ids are ``id_prefix`` followed by a zero-padded 0-based number.
    return_latent : bool, default False
        Also return the per-customer latent variables.

    Returns
    -------
    pandas.DataFrame
        One row per transaction, sorted by ``timestamp`` then ``customer_id``:
        ``customer_id`` (str), ``timestamp`` (datetime64, minute precision),
        ``amount`` (float64, > 0, unrounded).
    pandas.DataFrame, only when ``return_latent=True``
        One row per customer: ``customer_id``, ``first_purchase`` (timestamp of
        the first purchase), ``T`` (weeks observed after the first purchase,
        from the continuous time), ``lambda_`` (weekly purchase rate),
        ``p_dropout``, ``nu``, ``mean_spend`` (``p / nu``), ``n_repeat``
        (repeat purchases made in the window) and ``alive`` (bool, not yet
        dropped out at the end of the window).

    Raises
    ------
    DataValidationError
        A parameter is not positive, or the dates are out of order.

    References
    ----------
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005a). "Counting your customers"
    the easy way: An alternative to the Pareto/NBD model. *Marketing Science*,
    24(2), 275-284.

    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005b). RFM and CLV: Using
    iso-value curves for customer base analysis. *Journal of Marketing
    Research*, 42(4), 415-430.

    Examples
    --------
    >>> tx = simulate_transactions(
    ...     500, r=0.5, alpha=6.0, a=0.8, b=2.5, p=6.0, q=4.0, gamma=30.0,
    ...     start="2023-01-01", end="2024-12-31", seed=1,
    ... )
    >>> list(tx.columns)
    ['customer_id', 'timestamp', 'amount']
    >>> tx["customer_id"].nunique()
    500
    """
    n = _check_positive_int(n_customers, "n_customers")
    names = ("r", "alpha", "a", "b", "p", "q", "gamma")
    for name, value in zip(names, (r, alpha, a, b, p, q, gamma), strict=True):
        require_in_range(value, name=name, low=0, low_inclusive=False)
    start_ts = _as_day(start, "start")
    end_ts = _as_day(end, "end")
    acq_ts = end_ts if acquisition_end is None else _as_day(acquisition_end, "acquisition_end")
    if end_ts < start_ts:
        raise DataValidationError(
            f"`end` ({end_ts.date()}) is before `start` ({start_ts.date()}). "
            "Pass the first day of the window as `start` and the last day as `end`."
        )
    if not start_ts <= acq_ts <= end_ts:
        raise DataValidationError(
            f"`acquisition_end` ({acq_ts.date()}) must lie between `start` "
            f"({start_ts.date()}) and `end` ({end_ts.date()}). Leave it as None to "
            "acquire customers over the whole window."
        )
    if not isinstance(id_prefix, str):
        raise InputTypeError(f"`id_prefix` must be a string, got {type(id_prefix).__name__}.")
    if isinstance(seed, bool) or not isinstance(
        seed, int | np.integer | np.random.SeedSequence | np.random.Generator
    ):
        raise InputTypeError(
            f"`seed` must be an integer, a numpy SeedSequence or a Generator, got {seed!r}."
        )

    rng = np.random.default_rng(seed)
    window_end = end_ts + pd.Timedelta(days=1)
    acq_span_days = (acq_ts - start_ts).days + 1

    # Draw order is part of the determinism contract: do not reorder.
    t0_days = rng.uniform(0.0, acq_span_days, size=n)  # days after start
    lam = rng.gamma(shape=r, scale=1.0 / alpha, size=n)  # per week
    p_drop = rng.beta(a, b, size=n)
    nu = rng.gamma(shape=q, scale=1.0 / gamma, size=n)
    window_days = (window_end - start_ts).days
    T = (window_days - t0_days) / 7.0  # weeks observed after the first purchase

    n_events = rng.poisson(lam * T)
    # Repeat purchases until (and including) the one after which the customer
    # drops out: P(J = j) = p (1 - p)^(j - 1), j >= 1 (FHL 2005a, assumption iii).
    j_drop = rng.geometric(np.clip(p_drop, np.finfo(float).tiny, 1.0))
    k = np.minimum(n_events, j_drop)
    alive = k < j_drop

    # First k of n uniform order statistics on (0, T] via exponential spacings:
    # U_(j) = S_j / S_(n+1), S_m = E_1 + ... + E_m, E ~ Exp(1) iid, and
    # S_(n+1) - S_k ~ Gamma(n + 1 - k) independent of E_1..E_k.
    total = int(k.sum())
    owner = np.repeat(np.arange(n), k)
    spacings = rng.exponential(size=total)
    tail = rng.gamma(shape=(n_events - k + 1).astype(float))
    before = np.concatenate([[0.0], np.cumsum(spacings)])  # before[m] = E_1 + ... + E_m
    group_start = np.cumsum(k) - k
    partial = before[1:] - before[group_start][owner]  # S_j within each customer
    s_k = before[group_start + k] - before[group_start]
    u = partial / (s_k + tail)[owner]
    repeat_days = t0_days[owner] + u * T[owner] * 7.0

    # All transactions: first purchase then repeats.
    cust = np.concatenate([np.arange(n), owner])
    when_days = np.concatenate([t0_days, repeat_days])
    values = rng.gamma(shape=p, scale=1.0 / nu[cust])

    # Calendar day from the continuous time, clock time from the hourly profile.
    day = np.minimum(np.floor(when_days), window_days - 1).astype(np.int64)
    hours = rng.choice(24, size=len(day), p=_HOUR_WEIGHTS / _HOUR_WEIGHTS.sum())
    minutes = rng.integers(0, 60, size=len(day))
    stamp_ns = start_ts.value + day * _DAY_NS + (hours * 60 + minutes) * 60 * 10**9

    width = len(str(n - 1))
    ids = np.array([f"{id_prefix}{i:0{width}d}" for i in range(n)], dtype=object)
    tx = pd.DataFrame(
        {
            "customer_id": pd.array(ids[cust], dtype="str"),
            "timestamp": pd.to_datetime(stamp_ns, unit="ns").astype("datetime64[ns]"),
            "amount": values.astype("float64"),
        }
    )
    tx = tx.sort_values(["timestamp", "customer_id"], kind="stable").reset_index(drop=True)
    if not return_latent:
        return tx

    first = tx.groupby("customer_id", sort=False)["timestamp"].min()
    latent = pd.DataFrame(
        {
            "customer_id": pd.array(ids, dtype="str"),
            "first_purchase": first.reindex(ids).to_numpy(),
            "T": T,
            "lambda_": lam,
            "p_dropout": p_drop,
            "nu": nu,
            "mean_spend": p / nu,
            "n_repeat": k.astype("int64"),
            "alive": alive,
        }
    )
    return tx, latent
