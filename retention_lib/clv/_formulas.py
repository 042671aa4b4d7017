"""Vectorised closed forms of the BG/NBD, Pareto/NBD and Gamma-Gamma models (numpy/scipy).

Every function takes parameters as floats and customer statistics as arrays; callers evaluate
them on the *unique* (frequency, recency, T) rows and broadcast back, which is what makes
predictions for a million customers take milliseconds. Tests cross-check each against
lifetimes' own methods.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy.special import (
    betaln,
    digamma,
    gammaln,
    hyp2f1,
    logsumexp,
    roots_legendre,
)

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


def _log_abs_hyp2f1(aa, bb, cc, z):
    """log |2F1(aa, bb; cc; z)| and the sign of 2F1, with Euler's transformation as a fallback
    where 2F1 overflows: 2F1(a, b; c; z) = (1 - z)^(c - a - b) 2F1(c - a, c - b; c; z).

    2F1 is negative for some z when c < 0, which BG/NBD meets with a + b < 1 and no repeat
    purchase (c = a + b - 1): the log is taken of the absolute value and the sign kept."""
    aa, bb, cc, z = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (aa, bb, cc, z)))
    shape = aa.shape
    aa, bb, cc, z = (np.atleast_1d(v) for v in (aa, bb, cc, z))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        value = hyp2f1(aa, bb, cc, z)
        out, sign = np.log(np.abs(value)), np.sign(value)
        bad = np.isnan(out) | np.isposinf(out)  # log|0| = -inf is exact: that term vanishes
        if bad.any():  # only where needed: 2F1 is the costly part of every prediction
            a1, b1, c1, z1 = aa[bad], bb[bad], cc[bad], z[bad]
            value = hyp2f1(c1 - a1, c1 - b1, c1, z1)
            out[bad] = np.log(np.abs(value)) + (c1 - a1 - b1) * np.log1p(-z1)
            sign[bad] = np.sign(value)
    return out.reshape(shape), sign.reshape(shape)


#: below this |c| the BG/NBD terms c (1 - q 2F1(.; c; z)) use the contiguous relation
_C_NEAR_ZERO = 1e-6


def _c_times_one_minus(aa, bb, cc, z, log_q):
    """c (1 - exp(log_q) 2F1(aa, bb; cc; z)) for any c > -1, including c = 0.

    This is the BG/NBD bracket of FHL (2005) eqs. 9 and 10 times its prefactor's c = a + b + x
    - 1. For |c| small (a + b = 1 and x = 0: 2F1 has a pole at c = 0 that the factor c
    cancels) it uses Gauss' contiguous relation (term by term on the series)
    c 2F1(a, b; c; z) = c 2F1(a, b; c + 1; z) + a b z / (c + 1) 2F1(a + 1, b + 1; c + 2; z)."""
    aa, bb, cc, z, log_q = np.broadcast_arrays(
        *(np.asarray(v, dtype=float) for v in (aa, bb, cc, z, log_q))
    )
    log_f, sign = _log_abs_hyp2f1(aa, bb, cc, z)
    log_term = log_f + log_q
    with np.errstate(over="ignore", invalid="ignore"):
        # 1 - sign e^L, without cancellation where sign = 1 and L is near 0
        out = cc * np.where(sign > 0, -np.expm1(log_term), 1.0 + np.exp(log_term))
    near = np.abs(cc) < _C_NEAR_ZERO
    if near.any():
        a1, b1, c1, z1, q1 = aa[near], bb[near], cc[near], z[near], log_q[near]
        with np.errstate(over="ignore", invalid="ignore"):
            first = c1 * hyp2f1(a1, b1, c1 + 1, z1)
            second = a1 * b1 * z1 / (c1 + 1) * hyp2f1(a1 + 1, b1 + 1, c1 + 2, z1)
            out = np.array(out, dtype=float)
            out[near] = c1 - np.exp(q1) * (first + second)
    return out


def bgnbd_expected_numerator(r, alpha, a, b, t, x, T):
    """Numerator of FHL (2005) eq. 10: E[Y(t) | x, t_x, T] = numerator / (1 + odds), where
    only the numerator depends on ``t`` (and it does not depend on ``t_x``). Finite for any
    a, b > 0 with a != 1, a + b < 1 included (see :func:`_c_times_one_minus`)."""
    x = np.asarray(x, dtype=float)
    t = np.asarray(t, dtype=float)
    z = t / (alpha + T + t)
    log_q = (r + x) * (np.log(alpha + T) - np.log(alpha + T + t))
    return _c_times_one_minus(r + x, b + x, a + b + x - 1, z, log_q) / (a - 1)


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
    """E[X(t)]: expected repeat purchases of a new customer in (0, t], FHL (2005) eq. 9
    (finite for a + b < 1 too, see :func:`_c_times_one_minus`)."""
    t = np.asarray(t, dtype=float)
    log_q = r * (np.log(alpha) - np.log(alpha + t))
    return _c_times_one_minus(r, b, a + b - 1, t / (alpha + t), log_q) / (a - 1)


def _nbd_pmf_and_tail(r, alpha, t, n):
    """P(N(t) = n) and P(N(t) >= n) for the purchases N(t) of a customer who never drops out
    (Poisson with a Gamma(r, alpha) rate: negative binomial; FHL 2005 eq. 3), vectorised over
    ``t``."""
    t = np.asarray(t, dtype=float)
    log_p = np.log(alpha) - np.log(alpha + t)
    with np.errstate(divide="ignore"):
        log_q = np.log(t) - np.log(alpha + t)
    pmf = np.exp(
        gammaln(r + n) - gammaln(r) - gammaln(n + 1) + r * log_p + (n * log_q if n > 0 else 0.0)
    )
    if n == 0:
        return pmf, np.ones_like(pmf)
    j = np.arange(n)
    terms = gammaln(r + j) - gammaln(r) - gammaln(j + 1)
    with np.errstate(invalid="ignore"):
        powers = np.where(j[None, :] == 0, 0.0, j[None, :] * np.atleast_1d(log_q)[:, None])
    log_sum = logsumexp(terms[None, :] + powers, axis=1).reshape(np.shape(t))
    return pmf, -np.expm1(r * log_p + log_sum)


def bgnbd_prob_n(r, alpha, a, b, t, n):
    """P(X(t) = n) for a new customer, FHL (2005) eq. 8 (vectorised over ``t``): n purchases
    and no drop-out at the n-th, or drop-out at the n-th repeat purchase of at least n."""
    n = int(n)
    pmf, tail = _nbd_pmf_and_tail(r, alpha, t, n)
    first = pmf * np.exp(betaln(a, b + n) - betaln(a, b))
    if n == 0:
        return first
    return first + np.exp(betaln(a + 1, b + n - 1) - betaln(a, b)) * tail


def mbgnbd_prob_n(r, alpha, a, b, t, n):
    """P(X(t) = n) for a new MBG/NBD customer (Batislam, Denizel & Filiztekin 2007): as FHL
    (2005) eq. 8, but the drop-out coin is also tossed at the first purchase, so the number of
    repeat purchases before drop-out K has P(K = k | p) = p (1 - p)^k for k = 0, 1, ...:
    P(X(t) = n) = P(N(t) = n) B(a, b + n + 1) / B(a, b) + B(a + 1, b + n) / B(a, b) P(N(t) >= n)."""
    n = int(n)
    pmf, tail = _nbd_pmf_and_tail(r, alpha, t, n)
    return (
        pmf * np.exp(betaln(a, b + n + 1) - betaln(a, b))
        + np.exp(betaln(a + 1, b + n) - betaln(a, b)) * tail
    )


def bgnbd_p_dropped(r, alpha, a, b, t):
    """P(a new BG/NBD customer has dropped out by t): a customer is alive at t when the
    drop-out coin said "stay" after each of the N(t) purchases made by then, so
    P(alive at t) = E[(1 - p)^N(t)] = E_p[(alpha / (alpha + p t))^r] (the NBD probability
    generating function at 1 - p; FHL 2005 section 3), which Euler's integral for 2F1 turns
    into (alpha / (alpha + t))^r 2F1(r, b; a + b; t / (alpha + t))."""
    t = np.asarray(t, dtype=float)
    log_f, _ = _log_abs_hyp2f1(r, b, a + b, t / (alpha + t))  # c = a + b > 0: 2F1 > 0
    return -np.expm1(r * (np.log(alpha) - np.log(alpha + t)) + log_f)


def mbgnbd_log_likelihood(r, alpha, a, b, x, tx, T):
    """Per-customer MBG/NBD log-likelihood (Batislam, Denizel & Filiztekin 2007, eq. 5; the
    form lifetimes' ModifiedBetaGeoFitter maximises)."""
    x = np.asarray(x, dtype=float)
    A1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    A2 = gammaln(a + b) + gammaln(b + x + 1) - gammaln(b) - gammaln(a + b + x + 1)
    A3 = -(r + x) * np.log(alpha + T)
    A4 = np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
    return A1 + A2 + A3 + np.logaddexp(A4, 0.0)


def mbgnbd_p_dropped(r, alpha, a, b, t):
    """P(a new MBG/NBD customer has dropped out by t): as :func:`bgnbd_p_dropped` with the
    extra coin at the first purchase, P(alive at t) = E_p[(1 - p) (alpha / (alpha + p t))^r]
    = b / (a + b) (alpha / (alpha + t))^r 2F1(r, b + 1; a + b + 1; t / (alpha + t))."""
    t = np.asarray(t, dtype=float)
    log_f, _ = _log_abs_hyp2f1(r, b + 1, a + b + 1, t / (alpha + t))
    log_alive = np.log(b) - np.log(a + b) + r * (np.log(alpha) - np.log(alpha + t)) + log_f
    return -np.expm1(log_alive)


# ---------------------------------------------------------------------------------------------
# Pareto/NBD: Schmittlein, Morrison & Colombo (1987); Fader & Hardie (2005), note 009.
# The term with the Gauss hypergeometric function (A_0, note 009 eqs. 19-20) is written as the
# integral it comes from and computed by quadrature: no 2F1, no cancellation, no NaN when
# recency == T or x is large (lifetimes returns NaN there under scipy 1.17).
# ---------------------------------------------------------------------------------------------

_GL_NODES, _GL_WEIGHTS = roots_legendre(48)


def _pnbd_log_integral(r, alpha, s, beta, x, tx, T, parts: bool = False):
    """log of I = s * integral_{t_x}^{T} (alpha + u)^-(r+x) (beta + u)^-(s+1) du.

    Substituting y = ((alpha + t_x) / (alpha + u))^k with k = r + x + s turns the integrand into
    a smooth bounded function of y on [y_T, 1], so Gauss-Legendre is accurate whatever k.
    With ``parts``, also the nodes' shares of the integral and log(alpha + u), beta + u at the
    nodes (for the derivatives under the integral sign in :func:`pnbd_log_likelihood_grad`).
    """
    x = np.asarray(x, dtype=float)
    tx = np.broadcast_to(np.asarray(tx, dtype=float), x.shape)
    T = np.broadcast_to(np.asarray(T, dtype=float), x.shape)
    k = r + x + s
    log_a0 = np.log(alpha + tx)
    log_y_T = k * (log_a0 - np.log(alpha + T))  # <= 0
    width = -np.expm1(log_y_T)  # 1 - y_T, in [0, 1)
    # nodes y_i in [y_T, 1]
    log_y = np.log(np.exp(log_y_T)[..., None] + width[..., None] * (1 + _GL_NODES) / 2)
    log_u_alpha = log_a0[..., None] - log_y / k[..., None]  # log(alpha + u)
    u = np.exp(log_u_alpha) - alpha
    # du = -(alpha + u) / (k y) dy; integrand (alpha+u)^-(r+x) (beta+u)^-(s+1)
    log_f = (
        (1.0 - (r + x))[..., None] * log_u_alpha
        - (s + 1) * np.log(beta + np.maximum(u, 0.0))
        - np.log(k)[..., None]
        - log_y
    )
    with np.errstate(divide="ignore"):
        log_w = np.log(width / 2)[..., None] + np.log(_GL_WEIGHTS)
    terms = log_f + log_w
    total = logsumexp(terms, axis=-1)
    out = np.where(width > 0, total + np.log(s), -np.inf)
    if not parts:
        return out
    with np.errstate(invalid="ignore"):
        shares = np.where(width[..., None] > 0, np.exp(terms - total[..., None]), 0.0)
    return out, shares, log_u_alpha, beta + np.maximum(u, 0.0)


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


def pnbd_log_likelihood_grad(r, alpha, s, beta, x, tx, T):
    """Per-customer log-likelihood (note 009 eq. 18) and its gradient in log(r, alpha, s,
    beta), shape (rows, 4).

    With A = log of the alive branch, D = log I (:func:`_pnbd_log_integral`) and
    pi = e^D / (e^A + e^D): d LL = d base + (1 - pi) d A + pi d D, where d D is the derivative
    under the integral sign, e.g. dD/dr = E_I[-log(alpha + u)], dD/ds = 1/s - E_I[log(beta +
    u)] (E_I: mean over the integrand's nodes, weighted by their shares of I)."""
    x = np.asarray(x, dtype=float)
    T = np.broadcast_to(np.asarray(T, dtype=float), x.shape)
    log_alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
    log_dead, shares, log_ua, ub = _pnbd_log_integral(r, alpha, s, beta, x, tx, T, parts=True)
    both = np.logaddexp(log_alive, log_dead)
    pi = np.exp(log_dead - both)
    ll = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta) + both
    inv_ua = np.exp(-log_ua)

    def mean_I(values):
        return np.sum(shares * values, axis=-1)

    d_alive = np.stack(
        [-np.log(alpha + T), -(r + x) / (alpha + T), -np.log(beta + T), -s / (beta + T)], axis=-1
    )
    d_dead = np.stack(
        [
            -mean_I(log_ua),
            -(r + x) * mean_I(inv_ua),
            1.0 / s - mean_I(np.log(ub)),
            -(s + 1) * mean_I(1.0 / ub),
        ],
        axis=-1,
    )
    d_base = np.stack(
        [
            digamma(r + x) - digamma(r) + np.log(alpha),
            np.full_like(x, r / alpha),
            np.full_like(x, np.log(beta)),
            np.full_like(x, s / beta),
        ],
        axis=-1,
    )
    grad = d_base + (1 - pi)[..., None] * d_alive + pi[..., None] * d_dead
    return ll, grad * np.array([r, alpha, s, beta])


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


def pnbd_p_dropped(r, alpha, s, beta, t):
    """P(a new Pareto/NBD customer has dropped out by t) = 1 - (beta / (beta + t))^s, the
    Gamma(s, beta) mixture of exponential lifetimes (note 009, section 3)."""
    t = np.asarray(t, dtype=float)
    return -np.expm1(s * (np.log(beta) - np.log(beta + t)))


_GL64_NODES, _GL64_WEIGHTS = roots_legendre(64)


def pnbd_prob_n(r, alpha, s, beta, t, n):
    """P(X(t) = n) for a new Pareto/NBD customer (vectorised over ``t``).

    Alive throughout (probability (beta / (beta + t))^s) the purchases are negative binomial;
    dying at tau < t they are negative binomial up to tau, with the Gamma(s, beta) mixture of
    exponential lifetimes as density s / beta (beta / (beta + tau))^(s + 1) (Fader & Hardie
    2005, note 009, section 3):
    P(X(t) = n) = NB(n; t) (beta / (beta + t))^s + integral_0^t NB(n; tau) s / beta
    (beta / (beta + tau))^(s + 1) d tau, NB(n; tau) = G(r + n) / (G(r) n!) (alpha / (alpha +
    tau))^r (tau / (alpha + tau))^n. The integral runs over w = log(1 + tau / alpha), in which
    NB is smooth (e^(-r w) (1 - e^(-w))^n), by 64-point Gauss-Legendre: no 2F1, no NaN.
    """
    n = int(n)
    shape = np.shape(t)
    t = np.atleast_1d(np.asarray(t, dtype=float)).ravel()
    pmf_t, _ = _nbd_pmf_and_tail(r, alpha, t, n)
    alive = pmf_t * np.exp(s * (np.log(beta) - np.log(beta + t)))
    width = np.log1p(t / alpha)  # w in [0, width]
    w = width[:, None] * (1 + _GL64_NODES) / 2
    tau = alpha * np.expm1(w)
    with np.errstate(divide="ignore"):
        log_nb = (
            gammaln(r + n)
            - gammaln(r)
            - gammaln(n + 1)
            - r * w
            + (n * np.log(-np.expm1(-w)) if n > 0 else 0.0)
        )
    # death density in w: s / beta (beta / (beta + tau))^(s + 1) d tau / d w, d tau = alpha e^w dw
    log_death = (
        np.log(s) - np.log(beta) + (s + 1) * (np.log(beta) - np.log(beta + tau))
        + np.log(alpha) + w
    )  # fmt: skip
    dead = np.sum(np.exp(log_nb + log_death) * _GL64_WEIGHTS, axis=1) * width / 2
    return (alive + dead).reshape(shape)


# ---------------------------------------------------------------------------------------------
# Gamma-Gamma: Fader & Hardie (2013), note 025
# ---------------------------------------------------------------------------------------------


def gg_spend_sensitivity(p, q, v, x, m):
    """Derivative, in ``log p, log q, log v``, of each row's Gamma-Gamma score in ``log m``:
    how far a change of ``log m`` moves the score (rows x 3). With ``s = x m / (x m + v)``,
    ``d l / d log m = (p x - 1) - (p x + q) s``, whose derivatives are ``p x (1 - s)``,
    ``-q s`` and ``(p x + q) s (1 - s)``."""
    x = np.asarray(x, dtype=float)
    m = np.asarray(m, dtype=float)
    s = x * m / (x * m + v)
    return np.column_stack([p * x * (1 - s), -q * s, (p * x + q) * s * (1 - s)])


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


# ---------------------------------------------------------------------------------------------
# BG/BB: Fader, Hardie & Shang (2010), discrete transaction opportunities
# ---------------------------------------------------------------------------------------------
# A customer "dies" at the start of an opportunity with probability theta ~ Beta(gamma, delta)
# and, while alive, transacts at each opportunity with probability p ~ Beta(alpha, beta).
# x = frequency (repeat opportunities with a transaction), tx = recency (the opportunity of
# the last one, 0 when x = 0), n = opportunities observed.


def _bgbb_log_terms(alpha, beta, gamma, delta, x, tx, n):
    """``log A`` (alive through opportunity n) and ``log L`` (the likelihood), FHS eq. 5."""
    x = np.asarray(x, dtype=float)
    tx = np.asarray(tx, dtype=float)
    n = np.asarray(n, dtype=float)
    ab, gd = betaln(alpha, beta), betaln(gamma, delta)
    log_a = betaln(alpha + x, beta + n - x) - ab + betaln(gamma, delta + n) - gd
    gaps = (n - tx - 1).astype(int)  # died at an opportunity after tx and up to n
    terms = [log_a]
    for i in range(int(gaps.max(initial=-1)) + 1):
        term = betaln(alpha + x, beta + tx - x + i) - ab + betaln(gamma + 1, delta + tx + i) - gd
        terms.append(np.where(gaps >= i, term, -np.inf))
    return log_a, logsumexp(np.stack(terms), axis=0)


def bgbb_log_likelihood(alpha, beta, gamma, delta, x, tx, n):
    """Per-customer log-likelihood, FHS (2010) eq. 5."""
    return _bgbb_log_terms(alpha, beta, gamma, delta, x, tx, n)[1]


def bgbb_p_alive(alpha, beta, gamma, delta, x, tx, n):
    """P(alive after opportunity n | x, tx, n): the first term of eq. 5 over the likelihood
    (FHS eq. 11 has the customer alive at n + 1: one more factor of the drop-out)."""
    log_a, log_l = _bgbb_log_terms(alpha, beta, gamma, delta, x, tx, n)
    return np.exp(log_a - log_l)


def _alive_sums(gamma, delta, start, t):
    """``sum_{s=1..t} B(gamma, delta + start + s) / B(gamma, delta)`` for arrays ``start``."""
    start = np.asarray(start, dtype=float)
    s = np.arange(1, int(t) + 1, dtype=float)
    if len(s) == 0:
        return np.zeros_like(start)
    log_terms = betaln(gamma, delta + start[..., None] + s) - betaln(gamma, delta)
    return np.exp(logsumexp(log_terms, axis=-1))


def bgbb_conditional_expected(alpha, beta, gamma, delta, t, x, tx, n):
    """E[X(n, n + t) | x, tx, n], transactions in the next t opportunities (FHS eq. 13,
    written as the sum over the opportunities of P(alive) E[p])."""
    x = np.asarray(x, dtype=float)
    n = np.asarray(n, dtype=float)
    _, log_l = _bgbb_log_terms(alpha, beta, gamma, delta, x, tx, n)
    log_buy = betaln(alpha + x + 1, beta + n - x) - betaln(alpha, beta)
    return np.exp(log_buy - log_l) * _alive_sums(gamma, delta, n, t)


def bgbb_p_no_purchase(alpha, beta, gamma, delta, t, x, tx, n):
    """P(X(n, n + t) = 0 | x, tx, n): dead by n, or alive at n and no transaction in the next
    t opportunities (dying at one of them, or surviving all without transacting)."""
    x = np.asarray(x, dtype=float)
    n = np.asarray(n, dtype=float)
    log_a, log_l = _bgbb_log_terms(alpha, beta, gamma, delta, x, tx, n)
    ab, gd = betaln(alpha, beta), betaln(gamma, delta)
    quiet = [
        betaln(alpha + x, beta + n - x + t) - ab + betaln(gamma, delta + n + t) - gd
    ]  # alive through n + t without a transaction
    for j in range(int(t)):  # silent for j opportunities, then dead at n + j + 1
        quiet.append(
            betaln(alpha + x, beta + n - x + j) - ab + betaln(gamma + 1, delta + n + j) - gd
        )
    log_quiet = logsumexp(np.stack(quiet), axis=0)
    # P(some transaction) = (A - quiet) / L, computed as A (1 - exp(quiet - A)) / L
    return 1.0 - np.exp(log_a - log_l) * -np.expm1(log_quiet - log_a)


def bgbb_expected(alpha, beta, gamma, delta, n):
    """E[X(n)] for a new customer over n opportunities (FHS eq. 9, as a sum)."""
    n = np.asarray(n, dtype=float)
    top = int(n.max(initial=0))
    cumulative = np.concatenate([[0.0], np.cumsum(_alive_sums(gamma, delta, np.arange(top), 1))])
    return alpha / (alpha + beta) * cumulative[n.astype(int)]


def bgbb_prob_n(alpha, beta, gamma, delta, n, k):
    """P(X(n) = k) for a new customer over n opportunities (FHS eq. 7)."""
    n = np.asarray(n, dtype=float)
    ab, gd = betaln(alpha, beta), betaln(gamma, delta)
    log_choose = gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1)
    first = np.where(
        n >= k,
        log_choose + betaln(alpha + k, beta + n - k) - ab + betaln(gamma, delta + n) - gd,
        -np.inf,
    )
    terms = [first]
    for i in range(int(k), int(n.max(initial=0))):
        term = (
            gammaln(i + 1)
            - gammaln(k + 1)
            - gammaln(i - k + 1)
            + betaln(alpha + k, beta + i - k)
            - ab
            + betaln(gamma + 1, delta + i)
            - gd
        )
        terms.append(np.where(n - 1 >= i, term, -np.inf))
    return np.exp(logsumexp(np.stack(terms), axis=0))


def bgbb_p_dropped(alpha, beta, gamma, delta, n):
    """P(dead by opportunity n) for a new customer: 1 - B(gamma, delta + n) / B(gamma, delta)."""
    n = np.asarray(n, dtype=float)
    return -np.expm1(betaln(gamma, delta + n) - betaln(gamma, delta))


# ---------------------------------------------------------------------------------------------
# P(no purchase in (T, T + t] | x, t_x, T): the churn score of each purchase model.
# A customer alive at T with purchase rate lambda has a posterior lambda ~ Gamma(r + x,
# alpha + T) (the alive term of the likelihood is lambda^x e^(-lambda T)); a dead one never
# buys again. So P(no purchase) = 1 - P(alive) P(a purchase in t | alive).
# ---------------------------------------------------------------------------------------------


def _nbd_buy_within(r, alpha, t, x, T):
    """P(a purchase in (T, T + t] | alive at T) when only a purchase can end a life (BG/NBD,
    MBG/NBD): 1 - E[e^(-lambda t)] = 1 - ((alpha + T) / (alpha + T + t))^(r + x)."""
    x = np.asarray(x, dtype=float)
    T = np.asarray(T, dtype=float)
    return -np.expm1(-(r + x) * np.log1p(np.asarray(t, dtype=float) / (alpha + T)))


def bgnbd_p_no_purchase(r, alpha, a, b, t, x, tx, T):
    """P(Y(t) = 0 | x, t_x, T) under BG/NBD: 1 - P(alive) [1 - ((alpha + T) /
    (alpha + T + t))^(r + x)], with P(alive) of Fader, Hardie & Lee (2008), note 021, eq. 5
    (the n = 0 term of the conditional distribution of Y(t), FHL 2005 section 4)."""
    alive = 1.0 / (1.0 + bgnbd_dead_odds(r, alpha, a, b, x, tx, T))
    return 1.0 - alive * _nbd_buy_within(r, alpha, t, x, T)


def mbgnbd_p_alive(r, alpha, a, b, x, tx, T):
    """P(alive | x, t_x, T) under MBG/NBD (Batislam, Denizel & Filiztekin 2007): a customer may
    also drop out right after the first purchase, so the odds of being inactive are
    a / (b + x) ((alpha + T) / (alpha + t_x))^(r + x) for every x (lifetimes'
    ``ModifiedBetaGeoFitter.conditional_probability_alive``)."""
    x = np.asarray(x, dtype=float)
    log_odds = np.log(a) - np.log(b + x) + (r + x) * (np.log(alpha + T) - np.log(alpha + tx))
    return 1.0 / (1.0 + np.exp(np.minimum(log_odds, 700.0)))


def mbgnbd_p_no_purchase(r, alpha, a, b, t, x, tx, T):
    """P(Y(t) = 0 | x, t_x, T) under MBG/NBD: 1 - P(alive) [1 - ((alpha + T) /
    (alpha + T + t))^(r + x)] (drop-out still only follows a purchase)."""
    alive = mbgnbd_p_alive(r, alpha, a, b, x, tx, T)
    return 1.0 - alive * _nbd_buy_within(r, alpha, t, x, T)


def pnbd_p_no_purchase(r, alpha, s, beta, t, x, tx, T):
    """P(Y(t) = 0 | x, t_x, T) under Pareto/NBD (the n = 0 case of Fader & Hardie, note 028,
    eq. 16).

    Alive at T, lambda ~ Gamma(k = r + x, A = alpha + T) and mu ~ Gamma(s, B = beta + T)
    independently, and the next purchase comes before the death with probability
    ``integral_0^t lambda e^(-(lambda + mu) u) du``; its expectation is
    ``integral_0^t (k / A) (A / (A + u))^(k + 1) (B / (B + u))^s du``. Substituting
    ``y = (A / (A + u))^(k + s)`` (as in ``_pnbd_log_integral``) turns it into
    ``k / (k + s) integral_{y_t}^1 y^(-s / (k + s)) (B / (B + u(y)))^s dy``, a smooth bounded
    integrand whatever k, s and t, by Gauss-Legendre quadrature (no hypergeometric function).
    """
    x = np.asarray(x, dtype=float)
    x, tx, T = np.broadcast_arrays(x, np.asarray(tx, dtype=float), np.asarray(T, dtype=float))
    k = r + x
    A = alpha + T
    B = beta + T
    n = k + s
    log_y_t = -n * np.log1p(np.asarray(t, dtype=float) / A)  # <= 0
    width = -np.expm1(log_y_t)  # 1 - y_t
    y = np.exp(log_y_t)[..., None] + width[..., None] * (1 + _GL_NODES) / 2  # in [y_t, 1]
    log_y = np.log(y)
    u = A[..., None] * np.expm1(-log_y / n[..., None])
    integrand = np.exp(-(s / n)[..., None] * log_y - s * np.log1p(u / B[..., None]))
    buy = k / n * width / 2 * np.sum(integrand * _GL_WEIGHTS, axis=-1)
    alive = pnbd_p_alive(r, alpha, s, beta, x, tx, T)
    return 1.0 - alive * buy


# ---------------------------------------------------------------------------------------------
# each purchase model's closed forms, the hooks of retention_lib.clv.PurchaseModel
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClosedForms:
    """A purchase model's closed forms, each taking its parameters first (in the model's
    ``_param_names`` order), then the customer statistics or the horizon."""

    log_likelihood: Callable[..., np.ndarray]  # (*params, x, tx, T): per row
    prob_n: Callable[..., np.ndarray]  # (*params, t, n): P(X(t) = n), new customer
    p_dropped: Callable[..., np.ndarray]  # (*params, t): P(dropped out by t), new customer
    conditional_expected: Callable[..., np.ndarray]  # (*params, t, x, tx, T): E[Y(t) | x, tx, T]
    p_alive: Callable[..., np.ndarray]  # (*params, x, tx, T): P(alive at T | x, tx, T)
    expected: Callable[..., np.ndarray]  # (*params, t): E[X(t)], new customer
    p_no_purchase: Callable[..., np.ndarray]  # (*params, t, x, tx, T): P(Y(t) = 0 | x, tx, T)


BGNBD = ClosedForms(
    log_likelihood=bgnbd_log_likelihood,
    prob_n=bgnbd_prob_n,
    p_dropped=bgnbd_p_dropped,
    conditional_expected=bgnbd_conditional_expected,
    p_alive=bgnbd_p_alive,
    expected=bgnbd_expected,
    p_no_purchase=bgnbd_p_no_purchase,
)
PNBD = ClosedForms(
    log_likelihood=pnbd_log_likelihood,
    prob_n=pnbd_prob_n,
    p_dropped=pnbd_p_dropped,
    conditional_expected=pnbd_conditional_expected,
    p_alive=pnbd_p_alive,
    expected=pnbd_expected,
    p_no_purchase=pnbd_p_no_purchase,
)
