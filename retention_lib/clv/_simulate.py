"""Vectorised simulators of the BG/NBD + Gamma-Gamma model (tests, benchmark, examples).

The generative story is that of Fader, Hardie & Lee (2005, section 3) for purchases and of
Fader & Hardie (2013, section 2) for spend:

* each customer buys at rate ``lambda ~ Gamma(r, rate=alpha)`` (a Poisson process) while alive;
* after each *repeat* purchase they drop out with probability ``p ~ Beta(a, b)``, so the number
  of repeat purchases made before dropping out is geometric on {1, 2, ...};
* each repeat purchase is worth ``z ~ Gamma(shape=p_gg, rate=nu)`` with ``nu ~ Gamma(q, rate=v)``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _draw_latent(n, rng, r, alpha, a, b, p, q, v):
    lam = rng.gamma(r, 1.0 / alpha, size=n)
    drop = rng.beta(a, b, size=n)
    # number of repeat purchases after which the customer drops out: Geometric(drop) >= 1
    last = rng.geometric(np.clip(drop, 1e-12, 1.0))
    nu = rng.gamma(q, 1.0 / v, size=n)
    return lam, last, nu


def simulate_summary(
    n_customers: int,
    *,
    r: float = 0.243,
    alpha: float = 4.414,
    a: float = 0.793,
    b: float = 2.426,
    p: float = 6.25,
    q: float = 3.74,
    v: float = 15.44,
    T: float | np.ndarray = 39.0,
    seed: int = 0,
) -> pd.DataFrame:
    """Draw ``frequency, recency, T, monetary_value`` straight from the model (no calendar).

    ``monetary_value`` is the mean of the repeat purchases' values (0 without repeats),
    exactly the statistic the Gamma-Gamma likelihood conditions on.
    """
    rng = np.random.default_rng(seed)
    n = int(n_customers)
    T = np.broadcast_to(np.asarray(T, dtype=float), (n,)).copy()
    lam, last, nu = _draw_latent(n, rng, r, alpha, a, b, p, q, v)
    events = rng.poisson(lam * T)
    x = np.minimum(events, last)
    # the x-th of `events` uniform arrival times on [0, T] is T * Beta(x, events - x + 1)
    tx = np.zeros(n)
    pos = x > 0
    tx[pos] = T[pos] * rng.beta(x[pos], events[pos] - x[pos] + 1)
    # the mean of x Gamma(p, nu) draws is Gamma(p * x, x * nu)
    m = np.zeros(n)
    m[pos] = rng.gamma(p * x[pos], 1.0 / (x[pos] * nu[pos]))
    return pd.DataFrame(
        {
            "customer_id": pd.array([f"C{i:07d}" for i in range(n)], dtype="str"),
            "frequency": x.astype("int64"),
            "recency": tx,
            "T": T,
            "monetary_value": m,
        }
    )


def simulate_transactions(
    n_customers: int,
    *,
    r: float = 0.243,
    alpha: float = 4.414,
    a: float = 0.793,
    b: float = 2.426,
    p: float = 6.25,
    q: float = 3.74,
    v: float = 15.44,
    start: str = "2022-01-01",
    end: str = "2023-12-31",
    time_unit_days: float = 7.0,
    seed: int = 0,
) -> pd.DataFrame:
    """Draw a canonical transaction log (``customer_id, timestamp, amount``).

    First purchases are spread uniformly over the first half of ``[start, end]``; rates are per
    ``time_unit_days`` days (7 = the parameters are weekly, as in FHL 2005).  Timestamps have
    one-second resolution, so two purchases rarely share a day.
    """
    rng = np.random.default_rng(seed)
    n = int(n_customers)
    t0 = pd.Timestamp(start)
    span_days = (pd.Timestamp(end) - t0).total_seconds() / 86_400
    birth_days = rng.uniform(0, span_days / 2, size=n)
    T = (span_days - birth_days) / time_unit_days
    lam, last, nu = _draw_latent(n, rng, r, alpha, a, b, p, q, v)
    events = rng.poisson(lam * T)
    owner = np.repeat(np.arange(n), events)
    times = rng.uniform(0.0, 1.0, size=owner.size) * T[owner]
    order = np.lexsort((times, owner))
    owner, times = owner[order], times[order]
    # rank of each event within its customer (0-based)
    starts = np.r_[0, np.cumsum(events)[:-1]]
    rank = np.arange(owner.size) - starts[owner]
    keep = rank < last[owner]
    owner, times = owner[keep], times[keep]
    first_spend = rng.gamma(p, 1.0 / nu)
    repeat_spend = rng.gamma(p, 1.0 / nu[owner])
    cust = np.r_[np.arange(n), owner]
    days = np.r_[birth_days, birth_days[owner] + times * time_unit_days]
    amount = np.r_[first_spend, repeat_spend]
    seconds = np.floor(days * 86_400).astype("int64")
    ts = t0 + pd.to_timedelta(seconds, unit="s")
    ids = np.char.add("C", np.char.zfill(np.arange(n).astype(str), 7))
    out = pd.DataFrame(
        {
            "customer_id": pd.array(ids[cust], dtype="str"),
            "timestamp": ts.astype("datetime64[ns]"),
            "amount": np.round(amount, 2),
        }
    )
    return out.sort_values(["timestamp", "customer_id"], ignore_index=True)
