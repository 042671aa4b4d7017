"""Fast maximum-likelihood starting points for lifetimes' BG/NBD and Gamma-Gamma fitters.

lifetimes maximises the likelihood with autograd gradients from ``0.1 * ones``; on hundreds of
thousands of (compressed) rows that takes 20-30 BFGS iterations of a traced likelihood. Here
the same objective (mean negative log-likelihood in log-parameters plus lifetimes' L2
penalty, in lifetimes' time scaling) is written with closed-form gradients in numpy: the
terms that depend on the frequency only are evaluated once per distinct frequency, the rest
once per row. Its optimum is handed to lifetimes as ``initial_params``, so lifetimes' own
optimiser only confirms it (its gradient is already below lifetimes' tolerance) and computes
the Hessian behind the confidence intervals. The parameters are lifetimes' own: the tests
check them against lifetimes' cold-started fit.
"""

from __future__ import annotations

import time

import numpy as np
from scipy.optimize import minimize
from scipy.special import digamma, gammaln

__all__ = ["Budget", "BudgetExceeded", "bgnbd_start", "gamma_gamma_start"]


class BudgetExceeded(Exception):
    """A fit ran out of its time budget (raised from inside an objective; the model turns it
    into a :class:`~retention_lib.clv.FitError` naming the remedy)."""


class Budget:
    """The overall time budget of one fit, checked at every objective evaluation of the
    optimisers retention-lib runs and between the calls it makes into lifetimes."""

    def __init__(self, max_seconds: float) -> None:
        self.max_seconds = float(max_seconds)
        self.start = time.monotonic()

    @property
    def elapsed(self) -> float:
        return time.monotonic() - self.start

    def check(self) -> None:
        if self.elapsed > self.max_seconds:
            raise BudgetExceeded(f"{self.elapsed:.1f} s > {self.max_seconds:g} s")

    def watch(self, fun):
        """``fun`` checking the budget before every evaluation."""

        def watched(*args, **kwargs):
            self.check()
            return fun(*args, **kwargs)

        return watched


# lifetimes starts from log-parameters 0.1 (BaseFitter._fit); so do we
_LIFETIMES_START = 0.1


def _dot(u: np.ndarray, v: np.ndarray) -> float:
    """Inner product without BLAS: OpenBLAS threads its dot product, which costs more than it
    saves on these vector sizes and stalls when other processes hold the cores."""
    return float(np.einsum("i,i->", u, v))


class _ByFrequency:
    """Weights summed per distinct frequency (for the terms that depend on ``x`` only)."""

    def __init__(self, x: np.ndarray, w: np.ndarray) -> None:
        values, inverse = np.unique(x, return_inverse=True)
        self.x = values.astype(float)
        self.w = np.bincount(inverse, weights=w)


def _polish(fun, theta: np.ndarray, steps: int = 3) -> np.ndarray:
    """Newton steps with a central-difference Hessian of the analytic gradient, from a point
    already near the optimum, to drive the gradient to rounding level."""
    k = len(theta)
    h = 1e-6
    best_f, best_g = fun(theta)
    for _ in range(steps):
        if np.max(np.abs(best_g)) < 1e-11:
            break
        H = np.empty((k, k))
        for j in range(k):
            e = np.zeros(k)
            e[j] = h
            H[:, j] = (fun(theta + e)[1] - fun(theta - e)[1]) / (2 * h)
        H = (H + H.T) / 2
        try:
            step = np.linalg.solve(H, best_g)
        except np.linalg.LinAlgError:
            break
        candidate = theta - step
        f, g = fun(candidate)
        # near the optimum f is flat to rounding: judge the step by the gradient
        if not (np.isfinite(f) and f <= best_f + 1e-12 * abs(best_f)):
            break
        if np.max(np.abs(g)) >= np.max(np.abs(best_g)):
            break
        theta, best_f, best_g = candidate, f, g
    return theta


_SUBSAMPLE_STEP = 16  # every 16th distinct row gives the first approach to the optimum
_SUBSAMPLE_MIN_ROWS = 20_000


def _optimise(
    make, args: tuple, k: int, *, max_iterations: int | None = None, budget: Budget | None = None
) -> np.ndarray | None:
    """BFGS from lifetimes' starting point to a gradient of 1e-6 (before the objective's
    rounding stalls its line search), then Newton steps to rounding level.

    ``make(*args)`` builds the objective; its arrays are the (compressed) rows. On many rows
    BFGS first runs on every 16th row, and continues on all rows from that optimum with the
    curvature it learnt there: a few full evaluations instead of 25-35. BFGS runs at most
    ``max_iterations`` iterations; every evaluation checks ``budget`` (raising
    :class:`BudgetExceeded`)."""
    theta0 = np.full(k, _LIFETIMES_START)
    options: dict = {"gtol": 1e-6}
    if max_iterations is not None:
        options["maxiter"] = int(max_iterations)
    if budget is not None:
        make = _watched_maker(make, budget)
    with np.errstate(all="ignore"):
        try:
            if len(args[0]) >= _SUBSAMPLE_MIN_ROWS:
                sub = tuple(a[::_SUBSAMPLE_STEP] if isinstance(a, np.ndarray) else a for a in args)
                first = minimize(make(*sub), theta0, jac=True, method="BFGS", options=options)
                if np.all(np.isfinite(first.x)):
                    theta0 = first.x
                    curvature = (first.hess_inv + first.hess_inv.T) / 2
                    if np.all(np.linalg.eigvalsh(curvature) > 0):
                        options["hess_inv0"] = curvature
            fun = make(*args)
            res = minimize(fun, theta0, jac=True, method="BFGS", options=options)
        except (ValueError, FloatingPointError, np.linalg.LinAlgError):
            return None
        if not np.all(np.isfinite(res.x)) or not np.isfinite(res.fun):
            return None
        theta = _polish(fun, res.x)
    return theta if np.all(np.isfinite(theta)) else None


def _watched_maker(make, budget: Budget):
    def watched_make(*args):
        return budget.watch(make(*args))

    return watched_make


# ---------------------------------------------------------------------------------------------
# BG/NBD: Fader, Hardie & Lee (2005), eq. 6 in the log form of their section 7
# ---------------------------------------------------------------------------------------------


def _bgnbd_objective(x, tx, T, w, penalizer):
    """lifetimes' ``BetaGeoFitter._negative_log_likelihood`` and its gradient in
    log(r, alpha, a, b). Per customer (FHL 2005 eq. 6, section 7):
    LL = A_1 + A_2 + log(exp(A_3) + [x > 0] exp(A_4)); with pi = exp(A_4) / (exp(A_3) +
    exp(A_4)) the share of the dropped-out branch, d/dr = psi(r + x) - psi(r) + log(alpha) -
    (1 - pi) log(alpha + T) - pi log(alpha + t_x), d/dalpha = r / alpha - (r + x) ((1 - pi) /
    (alpha + T) + pi / (alpha + t_x)), d/da = psi(a + b) - psi(a + b + x) + pi / a and
    d/db = psi(a + b) + psi(b + x) - psi(b) - psi(a + b + x) - pi / (b + x - 1)."""
    by_x = _ByFrequency(x, w)
    ux, uw = by_x.x, by_x.w
    W = w.sum()
    buyer = x > 0
    T0, w0 = T[~buyer], w[~buyer]
    txb, Tb, wb = tx[buyer], T[buyer], w[buyer]
    # buyers' frequencies as positions in the distinct frequencies (terms in x only)
    xb_code = np.searchsorted(ux, x[buyer])
    xb = ux[xb_code]
    wxb = wb * xb

    def fun(theta):
        r, alpha, a, b = params = np.exp(theta)
        # A_1 + A_2 (eq. 6), once per distinct frequency
        ll = uw @ (
            gammaln(r + ux)
            - gammaln(r)
            + r * np.log(alpha)
            + gammaln(a + b)
            + gammaln(b + ux)
            - gammaln(b)
            - gammaln(a + b + ux)
        )
        d_r = uw @ (digamma(r + ux) - digamma(r) + np.log(alpha))
        d_alpha = r / alpha * W
        d_a = uw @ (digamma(a + b) - digamma(a + b + ux))
        d_b = uw @ (digamma(a + b) + digamma(b + ux) - digamma(b) - digamma(a + b + ux))
        # x = 0: log(exp(A_3)) = -r log(alpha + T)
        log_aT0 = np.log(alpha + T0)
        ll -= r * _dot(w0, log_aT0)
        d_r -= _dot(w0, log_aT0)
        d_alpha -= r * _dot(w0, 1.0 / (alpha + T0))
        # x > 0: log(exp(A_3) + exp(A_4)), A_3 = -(r + x) log(alpha + T),
        # A_4 = log(a) - log(b + x - 1) - (r + x) log(alpha + t_x)
        log_aT = np.log(alpha + Tb)
        log_atx = np.log(alpha + txb)
        inv_b = 1.0 / (b + ux - 1.0)
        log_ratio = log_aT - log_atx  # >= 0
        d = (np.log(a) + np.log(inv_b))[xb_code] + r * log_ratio + xb * log_ratio  # A_4 - A_3
        e = np.exp(-np.abs(d))
        top = np.maximum(d, 0.0)
        pi = np.where(d > 0, 1.0, e) / (1.0 + e)  # share of the A_4 term
        sum_log_aT = _dot(wb, log_aT)
        ll += _dot(wb, top + np.log(1.0 + e)) - r * sum_log_aT - _dot(wxb, log_aT)
        # d/dr: -log(alpha + T) + pi log ratio; d/dalpha: -(r + x)/(alpha + T) + pi (...)
        d_r += _dot(wb, pi * log_ratio) - sum_log_aT
        inv_aT = 1.0 / (alpha + Tb)
        g_alpha = pi * (1.0 / (alpha + txb) - inv_aT) + inv_aT
        d_alpha -= r * _dot(wb, g_alpha) + _dot(wxb, g_alpha)
        d_a += _dot(wb, pi) / a
        d_b -= _dot(wb * pi, inv_b[xb_code])
        grad_ll = np.array([d_r, d_alpha, d_a, d_b]) * params
        f = -ll / W + penalizer * np.sum(params**2)
        g = -grad_ll / W + 2 * penalizer * params**2
        return f, g

    return fun


def bgnbd_start(
    x, tx, T, w, penalizer: float = 0.0, *, max_iterations=None, budget=None
) -> np.ndarray | None:
    """Log-parameters maximising lifetimes' BG/NBD objective, in lifetimes' scaling.

    ``tx`` and ``T`` must already be scaled as lifetimes scales them (``1 / max(T)``); the
    result is what ``BetaGeoFitter.fit(initial_params=...)`` expects, or None if the fast
    optimiser failed (lifetimes then starts from its default).
    """
    args = (
        np.asarray(x),
        np.asarray(tx, float),
        np.asarray(T, float),
        np.asarray(w, float),
        penalizer,
    )
    return _optimise(_bgnbd_objective, args, 4, max_iterations=max_iterations, budget=budget)


# ---------------------------------------------------------------------------------------------
# Gamma-Gamma: Fader & Hardie (2013), note 025, eq. 1a as the density of the mean spend
# ---------------------------------------------------------------------------------------------


def _gamma_gamma_objective(x, m, w, penalizer):
    """lifetimes' ``GammaGammaFitter._negative_log_likelihood`` and its gradient in
    log(p, q, v). Per customer (Fader & Hardie 2013, eq. 1a for the mean spend m of x
    transactions): LL = log G(px + q) - log G(px) - log G(q) + q log v + (px - 1) log m +
    px log x - (px + q) log(xm + v), so d/dp = x (psi(px + q) - psi(px) + log m + log x -
    log(xm + v)), d/dq = psi(px + q) - psi(q) + log v - log(xm + v) and
    d/dv = q / v - (px + q) / (xm + v)."""
    x = x.astype(float)
    by_x = _ByFrequency(x, w)
    W = w.sum()
    ux, uw = by_x.x, by_x.w
    xw = x * w
    sum_w_log_m = _dot(w, np.log(m))
    sum_xw_log_m = _dot(xw, np.log(m))
    log_ux = np.log(ux)

    def fun(theta):
        p, q, v = params = np.exp(theta)
        px = p * ux
        log_xm_v = np.log(x * m + v)
        inv_xm_v = 1.0 / (x * m + v)
        ll = (
            uw @ (gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(v) + px * log_ux)
            + p * sum_xw_log_m
            - sum_w_log_m
            - (p * _dot(xw, log_xm_v) + q * _dot(w, log_xm_v))
        )
        d_p = (
            (uw * ux) @ (digamma(px + q) - digamma(px) + log_ux) + sum_xw_log_m - _dot(xw, log_xm_v)
        )
        d_q = uw @ (digamma(px + q) - digamma(q) + np.log(v)) - _dot(w, log_xm_v)
        d_v = q / v * W - (p * _dot(xw, inv_xm_v) + q * _dot(w, inv_xm_v))
        grad_ll = np.array([d_p, d_q, d_v]) * params
        f = -ll / W + penalizer * np.sum(params**2)
        g = -grad_ll / W + 2 * penalizer * params**2
        return f, g

    return fun


def gamma_gamma_start(
    x, m, w, penalizer: float = 0.0, *, max_iterations=None, budget=None
) -> np.ndarray | None:
    """Log-parameters ``log(p, q, v)`` maximising lifetimes' Gamma-Gamma objective (what
    ``GammaGammaFitter.fit(initial_params=...)`` expects), or None if the optimiser failed."""
    args = (np.asarray(x), np.asarray(m, float), np.asarray(w, float), penalizer)
    return _optimise(_gamma_gamma_objective, args, 3, max_iterations=max_iterations, budget=budget)


def gamma_gamma_homogeneous(x, m, w, *, p_max: float = 1e8) -> tuple[float, float, float]:
    """The Gamma-Gamma model's limit with no difference between customers in mean spend.

    As ``q, v -> infinity`` with ``q / v = nu`` fixed, every customer's transactions are
    ``Gamma(p, nu)`` with one ``nu``, so the mean ``m`` of ``x`` transactions is
    ``Gamma(p x, nu x)`` (the limit of note 025 eq. 1a):
    ``LL = p x log(nu x) - log G(p x) + (p x - 1) log m - nu x m``. For a given ``p`` the
    likelihood is largest at ``nu = p sum(w x) / sum(w x m)``; ``p`` is then found on
    ``[1e-6, p_max]`` (``p_max`` when every customer's orders are all of one value).

    This is the fit where lifetimes' optimiser runs off to that boundary (a one-product shop,
    or customers who all spend alike) and stops without converging.

    Returns
    -------
    (p, nu, log_likelihood)
        ``log_likelihood`` is summed over customers with weights ``w``, comparable with
        :func:`~._formulas.gg_log_likelihood`.
    """
    from scipy.optimize import minimize_scalar

    x, m, w = (np.asarray(a, dtype=float) for a in (x, m, w))
    xw = x * w
    ratio = xw.sum() / _dot(xw, m)  # nu / p
    sum_xw_log = _dot(xw, np.log(x * ratio))
    sum_xw_log_m, sum_w_log_m = _dot(xw, np.log(m)), _dot(w, np.log(m))
    sum_xw_m = _dot(xw, m)

    def ll(log_p: float) -> float:
        p = float(np.exp(log_p))
        return float(
            p * (sum_xw_log + xw.sum() * np.log(p))
            - _dot(w, gammaln(p * x))
            + p * sum_xw_log_m
            - sum_w_log_m
            - p * ratio * sum_xw_m
        )

    lo, hi = np.log(1e-6), np.log(p_max)
    res = minimize_scalar(lambda t: -ll(t), bounds=(lo, hi), method="bounded")
    log_p = float(res.x) if -res.fun >= ll(hi) else hi
    p = float(np.exp(log_p))
    return p, p * ratio, ll(log_p)


# ---------------------------------------------------------------------------------------------
# Pareto/NBD: Fader & Hardie (2005), note 009, eq. 18 (A_0 by quadrature, see _formulas)
# ---------------------------------------------------------------------------------------------


def pareto_nbd_fit(
    x, tx, T, w, penalizer: float = 0.0, *, max_iterations: int, budget: Budget
) -> tuple[np.ndarray, bool, int]:
    """Maximum of lifetimes' Pareto/NBD objective, found with BFGS on the quadrature
    likelihood of :func:`~._formulas.pnbd_log_likelihood`.

    The objective is lifetimes' (``ParetoNBDFitter._negative_log_likelihood`` per customer):
    time scaled by ``1 / max(T)``, L2 penalty on the scaled parameters weighted by ``1 /
    n_rows`` (lifetimes divides the weighted log-likelihood by the mean weight), started where
    lifetimes starts (all scaled parameters 1). It is minimised in log-parameters with the
    analytic gradient of :func:`~._formulas.pnbd_log_likelihood_grad`; every evaluation
    checks ``budget``.

    Returns
    -------
    (theta, success, iterations)
        ``log(r, alpha, s, beta)`` in *unscaled* time, whether BFGS reported success, and the
        iterations it took.
    """
    from . import _formulas as F

    x, tx, T, w = (np.asarray(a, dtype=float) for a in (x, tx, T, w))
    scale = 1.0 / T.max()
    txs, Ts = tx * scale, T * scale
    total, pen = w.sum(), penalizer / len(w)

    def fun(theta):
        budget.check()
        params = np.exp(theta)
        with np.errstate(all="ignore"):
            ll, grad = F.pnbd_log_likelihood_grad(*params, x, txs, Ts)
            value = -_dot(w, ll) / total + pen * float(np.sum(params**2))
            g = -(w @ grad) / total + 2 * pen * params**2
        if not (np.isfinite(value) and np.all(np.isfinite(g))):
            return np.inf, np.zeros(4)
        return value, g

    with np.errstate(all="ignore"):
        res = minimize(
            fun,
            np.zeros(4),
            jac=True,
            method="BFGS",
            options={"gtol": 1e-6, "maxiter": int(max_iterations)},
        )
    theta = np.array(res.x, dtype=float)
    theta[[1, 3]] -= np.log(scale)  # alpha and beta back in the summary's time unit
    return theta, bool(res.success), int(res.nit)
