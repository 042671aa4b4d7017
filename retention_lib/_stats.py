"""Interval and test formulas for proportions, vectorised (one place for the maths).

``wilson_interval`` (Wilson 1927), ``newcombe_interval`` (hybrid score interval for a
difference, method 10 of Newcombe 1998) and ``two_proportion_test`` (Pearson chi-square
without continuity correction, Fisher's exact test when an expected count is below 5).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy import stats


def z_value(level: float) -> float:
    """The two-sided normal quantile of a confidence ``level`` (1.96 for 0.95)."""
    return float(stats.norm.ppf(0.5 + level / 2))


def wilson_interval(k: Any, n: Any, level: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of ``k`` successes in ``n`` trials (NaN where ``n`` is 0 or NaN)."""
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    z = z_value(level)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = k / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
    bad = ~(n > 0)
    # exact ends: rounding would otherwise leave 1e-19 above 0 for k = 0
    lower = np.where(k == 0, 0.0, np.clip(centre - half, 0.0, 1.0))
    upper = np.where(k == n, 1.0, np.clip(centre + half, 0.0, 1.0))
    lower, upper = np.where(bad, np.nan, lower), np.where(bad, np.nan, upper)
    return lower, upper


def newcombe_interval(
    k1: float, n1: float, k0: float, n0: float, level: float = 0.95
) -> tuple[float, float]:
    """Interval for ``k1 / n1 - k0 / n0`` from the two Wilson intervals."""
    p1, p0 = k1 / n1, k0 / n0
    l1, u1 = (float(v) for v in wilson_interval(k1, n1, level))
    l0, u0 = (float(v) for v in wilson_interval(k0, n0, level))
    d = p1 - p0
    return d - float(np.hypot(p1 - l1, u0 - p0)), d + float(np.hypot(u1 - p1, p0 - l0))


def two_proportion_test(k1: int, n1: int, k0: int, n0: int) -> tuple[float, float, str]:
    """``(z, p_value, test)`` for equal proportions; ``z`` is NaN for the exact test."""
    table = np.array([[k1, n1 - k1], [k0, n0 - k0]], dtype=float)
    if table.sum(axis=0).min() == 0:
        return float("nan"), 1.0, "no variation (all or none)"
    expected = stats.contingency.expected_freq(table)
    if expected.min() < 5:
        return float("nan"), float(stats.fisher_exact(table.astype(int)).pvalue), "Fisher exact"
    p_pool = (k1 + k0) / (n1 + n0)
    z = (k1 / n1 - k0 / n0) / np.sqrt(p_pool * (1 - p_pool) * (1 / n1 + 1 / n0))
    return float(z), float(2 * stats.norm.sf(abs(z))), "two-proportion z"


def cohens_h(p1: float, p0: float) -> float:
    """Cohen's effect size for two proportions, ``2 asin(sqrt(p1)) - 2 asin(sqrt(p0))``."""
    return float(2 * np.arcsin(np.sqrt(p1)) - 2 * np.arcsin(np.sqrt(p0)))
