"""Vectorised closed forms of the BG/NBD, Pareto/NBD and Gamma-Gamma models (numpy/scipy).

Every function takes parameters as floats and customer statistics as arrays; callers evaluate
them on the *unique* (frequency, recency, T) rows and broadcast back, which is what makes
predictions for a million customers take milliseconds. Tests cross-check each against
lifetimes' own methods.
"""

from __future__ import annotations

import numpy as np
from scipy.special import betaln, gammaln, hyp2f1, logsumexp, roots_legendre

# ---------------------------------------------------------------------------------------------
# BG/NBD: Fader, Hardie & Lee (2005), "Counting your customers the easy way"
# ---------------------------------------------------------------------------------------------


def bgnbd_log_likelihood(r, alpha, a, b, x, tx, T):
    """Per-customer log-likelihood, FHL (2005) eq. 6 (computed in logs, as in section 7)."""
    x = np.asarray(x, dtype=float)
    A1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    A2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    A3 = -(r + x) * np.log(alpha + T)
    A4 = np.log(a) - np.log(b + np.maximum(x, 1) - 1) - (r + x) * np.log(alpha + tx)
    A4 = np.where(x > 0, A4, -np.inf)
    return A1 + A2 + np.logaddexp(A3, A4)


def bgnbd_p_alive(r, alpha, a, b, x, tx, T):
    """P(alive | x, t_x, T): Fader, Hardie & Lee (2008), note 021, eq. 5."""
    x = np.asarray(x, dtype=float)
    log_odds_dead = (
        np.log(a)
        - np.log(b + np.maximum(x, 1) - 1)
        + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
    )
    return np.where(x > 0, 1.0 / (1.0 + np.exp(np.minimum(log_odds_dead, 700.0))), 1.0)


def _log_hyp2f1_euler(aa, bb, cc, z):
    """log 2F1(aa, bb; cc; z) with Euler's transformation as a fallback when it overflows:
    2F1(a, b; c; z) = (1 - z)^(c - a - b) 2F1(c - a, c - b; c; z)."""
    aa, bb, cc, z = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (aa, bb, cc, z)))
    shape = aa.shape
    aa, bb, cc, z = (np.atleast_1d(v) for v in (aa, bb, cc, z))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        out = np.log(hyp2f1(aa, bb, cc, z))
        bad = ~np.isfinite(out)
        if bad.any():  # only where needed: 2F1 is the costly part of every prediction
            a1, b1, c1, z1 = aa[bad], bb[bad], cc[bad], z[bad]
            out[bad] = np.log(hyp2f1(c1 - a1, c1 - b1, c1, z1)) + (c1 - a1 - b1) * np.log1p(-z1)
    return out.reshape(shape)


def bgnbd_expected_numerator(r, alpha, a, b, t, x, T):
    """Numerator of FHL (2005) eq. 10: E[Y(t) | x, t_x, T] = numerator / (1 + odds), where
    only the numerator depends on ``t`` (and it does not depend on ``t_x``)."""
    x = np.asarray(x, dtype=float)
    t = np.asarray(t, dtype=float)
    z = t / (alpha + T + t)
    log_term = _log_hyp2f1_euler(r + x, b + x, a + b + x - 1, z) + (r + x) * (
        np.log(alpha + T) - np.log(alpha + T + t)
    )
    return (a + b + x - 1) / (a - 1) * -np.expm1(log_term)


def bgnbd_dead_odds(r, alpha, a, b, x, tx, T):
    """Odds that a customer is inactive, [x > 0] a / (b + x - 1) ((alpha + T) / (alpha + t_x))^(r + x):
    the denominator of FHL (2005) eq. 10 is 1 + odds, and P(alive) = 1 / (1 + odds)
    (Fader, Hardie & Lee 2008, note 021, eq. 5)."""
    x = np.asarray(x, dtype=float)
    with np.errstate(over="ignore"):
        odds = a / (b + np.maximum(x, 1) - 1) * np.exp((r + x) * np.log((alpha + T) / (alpha + tx)))
    return np.where(x > 0, odds, 0.0)


def bgnbd_conditional_expected(r, alpha, a, b, t, x, tx, T):
    """E[Y(t) | x, t_x, T]: expected repeat purchases in (T, T + t], FHL (2005) eq. 10."""
    numerator = bgnbd_expected_numerator(r, alpha, a, b, t, x, T)
    return numerator / (1.0 + bgnbd_dead_odds(r, alpha, a, b, x, tx, T))


def bgnbd_expected(r, alpha, a, b, t):
    """E[X(t)]: expected repeat purchases of a new customer in (0, t], FHL (2005) eq. 9."""
    t = np.asarray(t, dtype=float)
    log_term = _log_hyp2f1_euler(r, b, a + b - 1, t / (alpha + t)) + r * (
        np.log(alpha) - np.log(alpha + t)
    )
    return (a + b - 1) / (a - 1) * -np.expm1(log_term)


def bgnbd_prob_n(r, alpha, a, b, t, n):
    """P(X(t) = n) for a new customer, FHL (2005) eq. 8 (vectorised over ``t``)."""
    t = np.asarray(t, dtype=float)
    n = int(n)
    log_p = np.log(alpha) - np.log(alpha + t)
    with np.errstate(divide="ignore"):
        log_q = np.log(t) - np.log(alpha + t)
    first = np.exp(
        betaln(a, b + n)
        - betaln(a, b)
        + gammaln(r + n)
        - gammaln(r)
        - gammaln(n + 1)
        + r * log_p
        + (n * log_q if n > 0 else 0.0)
    )
    if n == 0:
        return first
    j = np.arange(n)
    terms = gammaln(r + j) - gammaln(r) - gammaln(j + 1)
    with np.errstate(invalid="ignore"):
        powers = np.where(j[None, :] == 0, 0.0, j[None, :] * np.atleast_1d(log_q)[:, None])
    log_sum = logsumexp(terms[None, :] + powers, axis=1)
    log_sum = log_sum.reshape(np.shape(t))
    second = np.exp(betaln(a + 1, b + n - 1) - betaln(a, b)) * -np.expm1(r * log_p + log_sum)
    return first + second


def mbgnbd_log_likelihood(r, alpha, a, b, x, tx, T):
    """Per-customer MBG/NBD log-likelihood (Batislam, Denizel & Filiztekin 2007, eq. 5; the
    form lifetimes' ModifiedBetaGeoFitter maximises)."""
    x = np.asarray(x, dtype=float)
    A1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    A2 = gammaln(a + b) + gammaln(b + x + 1) - gammaln(b) - gammaln(a + b + x + 1)
    A3 = -(r + x) * np.log(alpha + T)
    A4 = np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
    return A1 + A2 + A3 + np.logaddexp(A4, 0.0)


# ---------------------------------------------------------------------------------------------
# Pareto/NBD: Schmittlein, Morrison & Colombo (1987); Fader & Hardie (2005), note 009.
# The term with the Gauss hypergeometric function (A_0, note 009 eqs. 19-20) is written as the
# integral it comes from and computed by quadrature: no 2F1, no cancellation, no NaN when
# recency == T or x is large (lifetimes returns NaN there under scipy 1.17).
# ---------------------------------------------------------------------------------------------

_GL_NODES, _GL_WEIGHTS = roots_legendre(48)


def _pnbd_log_integral(r, alpha, s, beta, x, tx, T):
    """log of I = s * integral_{t_x}^{T} (alpha + u)^-(r+x) (beta + u)^-(s+1) du.

    Substituting y = ((alpha + t_x) / (alpha + u))^k with k = r + x + s turns the integrand into
    a smooth bounded function of y on [y_T, 1], so Gauss-Legendre is accurate whatever k.
    """
    x = np.asarray(x, dtype=float)
    tx = np.broadcast_to(np.asarray(tx, dtype=float), x.shape)
    T = np.broadcast_to(np.asarray(T, dtype=float), x.shape)
    k = r + x + s
    log_a0 = np.log(alpha + tx)
    log_y_T = k * (log_a0 - np.log(alpha + T))  # <= 0
    width = -np.expm1(log_y_T)  # 1 - y_T, in [0, 1)
    # nodes y_i in [y_T, 1]
    y = np.exp(log_y_T)[..., None] + width[..., None] * (1 + _GL_NODES) / 2
    log_u_alpha = log_a0[..., None] - np.log(y) / k[..., None]  # log(alpha + u)
    u = np.exp(log_u_alpha) - alpha
    # du = -(alpha + u) / (k y) dy; integrand (alpha+u)^-(r+x) (beta+u)^-(s+1)
    log_f = (
        -(r + x)[..., None] * log_u_alpha
        - (s + 1) * np.log(beta + np.maximum(u, 0.0))
        + log_u_alpha
        - np.log(k)[..., None]
        - np.log(y)
    )
    with np.errstate(divide="ignore"):
        log_w = np.log(width / 2)[..., None] + np.log(_GL_WEIGHTS)
    out = logsumexp(log_f + log_w, axis=-1) + np.log(s)
    return np.where(width > 0, out, -np.inf)


def _pnbd_log_terms(r, alpha, s, beta, x, tx, T):
    x = np.asarray(x, dtype=float)
    log_alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    log_dead = _pnbd_log_integral(r, alpha, s, beta, x, tx, T)
    return log_alive, log_dead


def pnbd_log_likelihood(r, alpha, s, beta, x, tx, T):
    """Per-customer Pareto/NBD log-likelihood (note 009 eq. 18, A_0 by quadrature)."""
    x = np.asarray(x, dtype=float)
    log_alive, log_dead = _pnbd_log_terms(r, alpha, s, beta, x, tx, T)
    base = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    return base + np.logaddexp(log_alive, log_dead)


def pnbd_p_alive(r, alpha, s, beta, x, tx, T):
    """P(alive | x, t_x, T), note 009 eq. 36 (Schmittlein et al. 1987 eq. 11)."""
    log_alive, log_dead = _pnbd_log_terms(r, alpha, s, beta, x, tx, T)
    return np.exp(log_alive - np.logaddexp(log_alive, log_dead))


def pnbd_conditional_expected(r, alpha, s, beta, t, x, tx, T):
    """E[Y(t) | x, t_x, T], note 009 eq. 41 (Schmittlein et al. 1987 eq. 22)."""
    x = np.asarray(x, dtype=float)
    t = np.asarray(t, dtype=float)
    alive = pnbd_p_alive(r, alpha, s, beta, x, tx, T)
    ratio = np.log(beta + T) - np.log(beta + T + t)
    if abs(s - 1.0) < 1e-10:
        horizon = -ratio  # limit s -> 1: log((beta + T + t) / (beta + T))
    else:
        horizon = -np.expm1((s - 1) * ratio) / (s - 1)
    return alive * (r + x) * (beta + T) / (alpha + T) * horizon


def pnbd_expected(r, alpha, s, beta, t):
    """E[X(t)] for a new customer, note 009 eq. 27."""
    t = np.asarray(t, dtype=float)
    if abs(s - 1.0) < 1e-10:
        return r * beta / alpha * np.log1p(t / beta)
    return r * beta / (alpha * (s - 1)) * -np.expm1((s - 1) * (np.log(beta) - np.log(beta + t)))


# ---------------------------------------------------------------------------------------------
# Gamma-Gamma: Fader & Hardie (2013), note 025
# ---------------------------------------------------------------------------------------------


def gg_log_likelihood(p, q, v, x, m):
    """Per-customer log-likelihood of the mean spend m over x transactions (note 025 eq. 1a,
    as the density of the mean)."""
    x = np.asarray(x, dtype=float)
    m = np.asarray(m, dtype=float)
    return (
        gammaln(p * x + q)
        - gammaln(p * x)
        - gammaln(q)
        + q * np.log(v)
        + (p * x - 1) * np.log(m)
        + p * x * np.log(x)
        - (p * x + q) * np.log(x * m + v)
    )


def gg_expected_spend(p, q, v, x, m):
    """E[M | p, q, v, m_x, x], note 025 eq. 5: a weighted mean of the population mean
    p v / (q - 1) and the customer's own mean m_x, with weight p x / (p x + q - 1) on m_x.
    Customers with x = 0 get the population mean."""
    x = np.asarray(x, dtype=float)
    m = np.asarray(m, dtype=float)
    w = p * x / (p * x + q - 1)
    return (1 - w) * (p * v / (q - 1)) + w * m
