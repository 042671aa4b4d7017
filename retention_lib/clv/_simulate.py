"""Per-customer draws of the BG/NBD + Gamma-Gamma model, without a calendar (tests).

:func:`simulate_summary` draws the sufficient statistics (frequency, recency, T, monetary
value) straight from the model; :func:`retention_lib.simulation.simulate_transactions` draws a
dated transaction log from the same story.

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
    time_unit: str = "W",
) -> pd.DataFrame:
    """Draw ``frequency, recency, T, monetary_value`` straight from the model (no calendar).

    ``monetary_value`` is the mean of the repeat purchases' values (0 without repeats),
    exactly the statistic the Gamma-Gamma likelihood conditions on. ``time_unit`` (the unit of
    ``T`` and of the rate parameters) is recorded as :func:`rfm_summary` records it.
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
    out = pd.DataFrame(
        {
            "customer_id": pd.array([f"C{i:07d}" for i in range(n)], dtype="str"),
            "frequency": x.astype("int64"),
            "recency": tx,
            "T": T,
            "monetary_value": m,
        }
    )
    out.attrs["time_unit"] = time_unit
    return out
