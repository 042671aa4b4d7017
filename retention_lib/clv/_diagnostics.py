"""Fit diagnostics: did the optimiser converge, is every parameter identified and away from
the edge of its range, and does the fitted model reproduce the data it was fitted on?

Each fitted model keeps the checks as ``diagnostics_``, a tidy frame with one row per check:
``check, value, threshold, status ('ok' or 'warning'), finding, meaning, remedy, warning``
(the retention_lib warning class a failing check raises). :func:`emit` raises one warning
per class from the failing rows, saying what was found, what it means for the user and what
to do; the models call it after every fit and after :func:`~retention_lib.load_model`.

Thresholds (module constants, the same for every model):

* converged: the largest gradient of the mean log-likelihood per customer (in log-parameters,
  penalty included) at most 1e-4;
* identified: the Hessian of that objective positive definite, and every 95 % interval
  within two orders of magnitude (upper / lower <= 100; CDNOW's weakest, Pareto/NBD's beta,
  spans 0.9);
* away from the boundary: every Gamma or Beta shape parameter at least 0.01;
* drop-out identified: the model expects at least 1 % of new customers to have dropped out
  by the age of the oldest customer (CDNOW: 20 % to 59 %; UCI Online Retail: 0.0 % to 0.1 %);
* calibration: expected repeat purchases within 5 % of those made, and the expected share of
  customers with 0, 1, ..., 6 and 7+ repeat purchases within 5 points of the actual shares
  (FHL 2005 fig. 3: CDNOW's BG/NBD misses by at most 0.9 points).
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._validation import (
    AssumptionWarning,
    BoundaryWarning,
    ConvergenceWarning,
    RetentionLibWarning,
    SmallSampleWarning,
)

CONVERGED_GRADIENT = 1e-4
MAX_ORDERS = 2.0
NEAR_ZERO = 0.01
TOTAL_TOLERANCE = 0.05
SHARE_TOLERANCE = 0.05
SPEND_TOLERANCE = 0.10
MIN_REPEAT_BUYERS = 50
MIN_DROPPED = 0.01
MAX_FREQUENCY = 7

COLUMNS = ["check", "value", "threshold", "status", "finding", "meaning", "remedy", "warning"]
WARNINGS: dict[str, type[RetentionLibWarning]] = {
    cls.__name__: cls
    for cls in (ConvergenceWarning, BoundaryWarning, AssumptionWarning, SmallSampleWarning)
}

NO_DROPOUT = (
    "No drop-out is identifiable in this history: P(alive) will be near 1 for everyone and "
    "CLV is an upper bound."
)
_COMPARE = "Compare the models on a holdout (`retention_lib.compare_models`)."
_DROPOUT_REMEDY = _COMPARE + " Use a longer history, or present P(alive) and CLV as upper bounds."
_RATE_REMEDY = (
    "Use a longer history or a coarser `time_unit`, or a small `penalizer_coef` (e.g. 0.001)."
)
_SPEND_REMEDY = (
    "Check the spend for extreme order values (returns and cancellations netted out), or fit "
    "per segment; a small `penalizer_coef` (e.g. 0.001) stabilises the fit."
)


@dataclass
class Check:
    """One row of ``diagnostics_``."""

    check: str
    value: float
    threshold: str
    ok: bool
    finding: str
    meaning: str = ""
    remedy: str = ""
    warning: str = "BoundaryWarning"

    def row(self) -> dict[str, Any]:
        out = asdict(self)
        ok = out.pop("ok")
        out["status"] = "ok" if ok else "warning"
        if ok:
            out["meaning"] = out["remedy"] = out["warning"] = ""
        return out


def table(checks: Sequence[Check]) -> pd.DataFrame:
    """The tidy ``diagnostics_`` frame of ``checks``."""
    frame = pd.DataFrame([c.row() for c in checks], columns=COLUMNS)
    frame["value"] = frame["value"].astype(float)
    return frame


def from_records(records: Any) -> pd.DataFrame:
    """``diagnostics_`` rebuilt from :meth:`to_dict` records (see :func:`load_model`)."""
    frame = pd.DataFrame(list(records))
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing or not frame["status"].isin(["ok", "warning"]).all():
        raise ValueError("diagnostics records lack columns or have an unknown status")
    frame = frame[COLUMNS].copy()
    frame["value"] = pd.to_numeric(frame["value"], errors="raise").astype(float)
    for col in COLUMNS:
        if col != "value":
            frame[col] = frame[col].fillna("").astype(str)
    return frame


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """JSON-ready rows of ``diagnostics_`` (NaN values as None)."""
    out = []
    for row in frame.to_dict(orient="records"):
        value = row["value"]
        row["value"] = None if value is None or not np.isfinite(value) else float(value)
        out.append(row)
    return out


def _findings(rows: pd.DataFrame) -> list[str]:
    """The findings of failing rows, less the intervals that the Hessian check explains."""
    hessian = (rows["check"] == "Hessian positive definite").any()
    return [f for f in rows["finding"] if not (hessian and f.endswith(_NO_HESSIAN))]


_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z])")


def _distinct_sentences(texts: Sequence[str]) -> str:
    """The sentences of ``texts``, each once, in order (remedies share some)."""
    sentences = (part for text in texts if text for part in _SENTENCE.split(text))
    return " ".join(dict.fromkeys(sentences))


def emit(label: str, frame: pd.DataFrame, *, stacklevel: int = 3) -> None:
    """One warning per warning class over the failing rows: findings, then what they mean and
    what to do (each distinct sentence once)."""
    failing = frame[frame["status"] == "warning"]
    for name, cls in WARNINGS.items():
        rows = failing[failing["warning"] == name]
        if rows.empty:
            continue
        findings = "; ".join(_findings(rows))
        meanings = _distinct_sentences(list(rows["meaning"]))
        remedies = _distinct_sentences(list(rows["remedy"]))
        warnings.warn(
            f"The {label} fit: {findings}. {meanings} {remedies} "
            "(All checks: `model.diagnostics_`.)",
            cls,
            stacklevel=stacklevel,
        )


def describe(label: str, frame: pd.DataFrame, *, customers: int, unit: str) -> str:
    """A plain-language report of the checks (what :meth:`fit_report` returns)."""
    failing = frame[frame["status"] == "warning"]
    head = f"{label} fitted on {customers:,} customers, time in {unit}: "
    if failing.empty:
        return head + (
            f"all {len(frame)} checks pass (the optimiser converged, every parameter is "
            "identified and away from its boundary, and the fit reproduces the data it was "
            "fitted on)."
        )
    lines = [head + f"{len(failing)} of {len(frame)} checks warn."]
    lines += [f"- {finding}." for finding in _findings(failing)]
    lines.append("What it means: " + _distinct_sentences(list(failing["meaning"])))
    lines.append("What to do: " + _distinct_sentences(list(failing["remedy"])))
    return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# numerical derivatives of the fitted objective
# ---------------------------------------------------------------------------------------------


def gradient_and_hessian(
    f: Callable[[np.ndarray], float], theta: np.ndarray, *, h: float = 1e-4, hessian: bool = True
) -> tuple[np.ndarray, np.ndarray | None]:
    """Central-difference gradient and (optionally) Hessian of ``f`` at ``theta``."""
    k = len(theta)
    eye = np.eye(k) * h
    f0 = f(theta)
    plus = np.array([f(theta + eye[i]) for i in range(k)])
    minus = np.array([f(theta - eye[i]) for i in range(k)])
    grad = (plus - minus) / (2 * h)
    if not hessian:
        return grad, None
    H = np.zeros((k, k))
    for i in range(k):
        H[i, i] = (plus[i] - 2 * f0 + minus[i]) / h**2
        for j in range(i + 1, k):
            H[i, j] = H[j, i] = (
                f(theta + eye[i] + eye[j])
                - f(theta + eye[i] - eye[j])
                - f(theta - eye[i] + eye[j])
                + f(theta - eye[i] - eye[j])
            ) / (4 * h**2)
    return grad, H


def smallest_eigenvalue(hessian: np.ndarray | None) -> float:
    if hessian is None or not np.all(np.isfinite(hessian)):
        return float("nan")
    return float(np.min(np.linalg.eigvalsh((hessian + hessian.T) / 2)))


# ---------------------------------------------------------------------------------------------
# the checks
# ---------------------------------------------------------------------------------------------


def _fmt(v: float) -> str:
    if np.isinf(v):
        return "infinity" if v > 0 else "-infinity"
    if not np.isfinite(v):
        return "NaN"
    if abs(v) >= 1e7:  # beyond millions a figure is read by its order of magnitude
        return f"{v:.3g}"
    return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.3g}"


#: how an interval check that the Hessian check explains ends its finding
_NO_HESSIAN = " (the Hessian is not positive definite)"

_HESSIAN_REMEDY = _COMPARE + " Use a longer history, or try a small `penalizer_coef` (e.g. 0.001)."


def _hessian_meaning(label: str) -> str:
    return (
        f"The {label} likelihood is flat or saddle-shaped in some direction at the fit: the "
        "parameters are not all identified by this data, and their intervals are unknown."
    )


def optimiser_checks(label: str, grad: np.ndarray, min_eig: float) -> list[Check]:
    """Convergence (largest gradient) and identification (Hessian positive definite)."""
    largest = float(np.max(np.abs(grad))) if np.all(np.isfinite(grad)) else float("nan")
    converged = bool(np.isfinite(largest) and largest <= CONVERGED_GRADIENT)
    pd_ok = bool(np.isfinite(min_eig) and min_eig > 0)
    return [
        Check(
            "optimiser converged",
            largest,
            f"<= {CONVERGED_GRADIENT:g}",
            converged,
            f"the largest gradient of the mean log-likelihood at the fit is {largest:.2g}"
            + ("" if converged else f" (above {CONVERGED_GRADIENT:g})"),
            "The optimiser stopped before reaching a maximum of the likelihood: the parameters "
            "and everything computed from them are not the model's best fit.",
            "Raise `max_iterations`, try a small `penalizer_coef` (e.g. 0.001), or check the "
            "summary for extreme values.",
            "ConvergenceWarning",
        ),
        Check(
            "Hessian positive definite",
            min_eig,
            "> 0",
            pd_ok,
            f"the smallest eigenvalue of the Hessian is {min_eig:.2g}"
            + ("" if pd_ok else ": not positive definite, so the 95% intervals are NaN"),
            _hessian_meaning(label),
            _HESSIAN_REMEDY,
        ),
    ]


def dropout_check(p_dropped: float, age: float, unit: str) -> Check:
    """Does the fitted model see drop-out at all within the history it was fitted on?"""
    ok = bool(np.isfinite(p_dropped) and p_dropped >= MIN_DROPPED)
    return Check(
        "drop-out within the history",
        p_dropped,
        f">= {MIN_DROPPED:g}",
        ok,
        f"the model expects {p_dropped:.1%} of new customers to have dropped out within "
        f"{age:,.4g} {unit} (the oldest customer's age)",
        NO_DROPOUT,
        _DROPOUT_REMEDY,
    )


def parameter_checks(
    label: str,
    intervals: pd.DataFrame,
    *,
    shapes: Sequence[str],
    roles: dict[str, str],
    dropout_gone: bool = False,
) -> list[Check]:
    """Every 95 % interval within two orders of magnitude; every shape away from 0.

    ``roles`` maps a parameter to 'dropout', 'rate' or 'spend' (what an unidentified value
    means); ``dropout_gone`` (the :func:`dropout_check` failed) makes what a drop-out
    parameter's flag means: no drop-out identifiable.
    """
    est = intervals["estimate"]
    near = {p for p in shapes if not est[p] >= NEAR_ZERO}
    checks = []
    for p in intervals.index:
        lo, hi = float(intervals.loc[p, "lower"]), float(intervals.loc[p, "upper"])
        if np.isnan(lo) or np.isnan(hi):
            orders = float("nan")  # no intervals: the Hessian check says why
        else:
            with np.errstate(divide="ignore"):
                orders = float(np.log10(hi) - np.log10(lo))  # inf when too wide for a float
        ok = bool(orders <= MAX_ORDERS)
        role = roles[p]
        if np.isnan(orders):
            meaning, remedy = _hessian_meaning(label), _HESSIAN_REMEDY
        elif role == "dropout":
            meaning = (
                NO_DROPOUT
                if dropout_gone
                else "How fast customers drop out is not pinned down by this history, so "
                "P(alive) and CLV rest on an assumption about drop-out, not on the data."
            )
            remedy = _DROPOUT_REMEDY
        elif role == "rate":
            meaning = (
                "The spread of purchase rates across customers is not pinned down by this "
                "history: per-customer forecasts are unreliable."
            )
            remedy = _RATE_REMEDY
        else:
            meaning = (
                "Spend per order is not pinned down by this data: expected spend and CLV are "
                "unreliable."
            )
            remedy = _SPEND_REMEDY
        if np.isnan(orders):
            finding = f"{p}'s 95% interval cannot be computed{_NO_HESSIAN}"
        elif np.isinf(orders):
            finding = f"{p}'s 95% interval ({_fmt(lo)} to {_fmt(hi)}) is unbounded"
        else:
            finding = (
                f"{p}'s 95% interval ({_fmt(lo)} to {_fmt(hi)}) spans {orders:.1f} orders of "
                "magnitude"
            )
        checks.append(
            Check(
                f"{p}: 95% interval width (orders of magnitude)",
                orders,
                f"<= {MAX_ORDERS:g}",
                ok,
                finding,
                meaning,
                remedy,
            )
        )
    for p in shapes:
        value = float(est[p])
        ok = p not in near
        if roles[p] == "dropout":
            meaning = (
                NO_DROPOUT
                if dropout_gone
                else "The drop-out distribution sits on a boundary of the model (customers "
                "either never or almost surely drop out): P(alive) and CLV rest on it."
            )
            remedy = _DROPOUT_REMEDY
        elif roles[p] == "rate":
            meaning = (
                "Purchase rates are spread to the extreme (most customers nearly never buy): "
                "per-customer forecasts rest on a boundary of the model."
            )
            remedy = _RATE_REMEDY
        else:
            meaning = (
                "Spend per order sits on a boundary of the model: expected spend is unreliable."
            )
            remedy = _SPEND_REMEDY
        checks.append(
            Check(
                f"{p}: away from 0",
                value,
                f">= {NEAR_ZERO:g}",
                ok,
                f"{p} = {_fmt(value)}" + ("" if ok else f" is below {NEAR_ZERO:g}, near 0"),
                meaning,
                remedy,
            )
        )
    return checks


def calibration_checks(
    label: str,
    *,
    prob_n: Callable[[np.ndarray, int], np.ndarray],
    expected: Callable[[np.ndarray], np.ndarray],
    x: np.ndarray,
    T: np.ndarray,
    w: np.ndarray,
) -> list[Check]:
    """Does the fit reproduce the calibration data: the total of repeat purchases, and how many
    customers made 0, 1, ..., 6 and 7+ (FHL 2005 fig. 3), each customer at their own age."""
    uT, inverse = np.unique(T, return_inverse=True)
    weight_T = np.bincount(inverse, weights=w)
    n = float(w.sum())
    actual_total = float(np.sum(w * x))
    expected_total = float(np.sum(weight_T * expected(uT)))
    rel = expected_total / actual_total - 1 if actual_total > 0 else float("nan")
    total_ok = bool(np.isfinite(rel) and abs(rel) <= TOTAL_TOLERANCE)
    expected_counts = [float(np.sum(weight_T * prob_n(uT, k))) for k in range(MAX_FREQUENCY)]
    expected_counts.append(n - sum(expected_counts))
    actual_counts = np.bincount(
        np.minimum(x.astype(np.int64), MAX_FREQUENCY), weights=w, minlength=MAX_FREQUENCY + 1
    )
    gaps = (np.asarray(expected_counts) - actual_counts) / n
    worst = int(np.nanargmax(np.abs(gaps))) if np.any(np.isfinite(gaps)) else 0
    gap = float(np.abs(gaps[worst]))
    share_ok = bool(np.isfinite(gap) and gap <= SHARE_TOLERANCE)
    bucket = f"{worst}+" if worst == MAX_FREQUENCY else str(worst)
    remedy = (
        _COMPARE + " Check that the summary's `frequency` counts repeat periods at the grain "
        "you mean (e.g. `rfm_summary(..., grain='D')`)."
    )
    return [
        Check(
            "repeat purchases: expected vs actual",
            rel,
            f"within +-{TOTAL_TOLERANCE:g}",
            total_ok,
            f"the model expects {expected_total:,.0f} repeat purchases where customers made "
            f"{actual_total:,.0f} ({rel:+.1%})",
            f"The {label} model does not reproduce the total of the purchases it was fitted "
            "on, so its forecasts of the total are biased the same way.",
            remedy,
            "AssumptionWarning",
        ),
        Check(
            "customers by repeat purchases: largest share gap",
            gap,
            f"<= {SHARE_TOLERANCE:g}",
            share_ok,
            f"the expected share of customers with {bucket} repeat purchases is "
            f"{expected_counts[worst] / n:.1%} against {actual_counts[worst] / n:.1%} actual",
            f"The {label} model misreads how purchases spread across customers (who buys "
            "once, who often), so per-customer forecasts and P(alive) are off.",
            remedy,
            "AssumptionWarning",
        ),
    ]


def spend_checks(
    *,
    p: float,
    q: float,
    v: float,
    x: np.ndarray,
    m: np.ndarray,
    w: np.ndarray,
    correlation: float,
    correlation_threshold: float,
) -> list[Check]:
    """The Gamma-Gamma model's own checks: enough repeat buyers, spend independent of
    frequency, a defined population mean (q > 1) that matches the mean spend observed."""
    buyers = float(w.sum())
    observed = float(np.sum(w * m) / buyers)
    mean = p * v / (q - 1) if q > 1 else float("nan")
    rel = mean / observed - 1 if np.isfinite(mean) and observed > 0 else float("nan")
    return [
        Check(
            "repeat buyers",
            buyers,
            f">= {MIN_REPEAT_BUYERS}",
            buyers >= MIN_REPEAT_BUYERS,
            f"the fit rests on {buyers:,.0f} repeat buyers",
            "Gamma-Gamma estimates from so few repeat buyers are very uncertain.",
            "Use a longer observation window or pool groups.",
            "SmallSampleWarning",
        ),
        Check(
            "frequency-spend correlation",
            correlation,
            f"|r| <= {correlation_threshold:g}",
            bool(abs(correlation) <= correlation_threshold),
            f"`frequency` and `monetary_value` are correlated among repeat buyers (Pearson r = "
            f"{correlation:.2f})",
            "The Gamma-Gamma independence assumption looks violated, so expected spend may be "
            "biased.",
            "Consider segmenting customers (e.g. by region or tier) and fitting per segment.",
            "AssumptionWarning",
        ),
        Check(
            "q above 1 (mean spend defined)",
            q,
            "> 1",
            bool(q > 1),
            f"Gamma-Gamma q = {q:.3f}" + ("" if q > 1 else " <= 1"),
            "The population mean spend p v / (q - 1) is undefined, so expected spend is "
            "unreliable.",
            "Remove extreme order values or use a penalizer.",
            "AssumptionWarning",
        ),
        Check(
            "mean spend: model vs observed",
            rel,
            f"within +-{SPEND_TOLERANCE:g}",
            bool(np.isfinite(rel) and abs(rel) <= SPEND_TOLERANCE),
            f"the model's mean spend per order, p v / (q - 1) = {_fmt(mean)}, is "
            f"{rel:+.1%} from the repeat buyers' mean of {_fmt(observed)}"
            if np.isfinite(rel)
            else "the model's mean spend per order is undefined",
            "The Gamma-Gamma model does not reproduce the average spend it was fitted on "
            "(often a heavy tail of large orders), so expected spend is biased.",
            _SPEND_REMEDY,
            "AssumptionWarning",
        ),
    ]


#: A Gamma-Gamma shape this large is a boundary (-> infinity) of the likelihood.
SPEND_BOUNDARY = 1e6


def spend_boundary_check(label: str, p: float, q: float, v: float) -> Check:
    """Where a Gamma-Gamma fit sits on a boundary of its likelihood: ``q, v -> infinity``
    (customers do not differ in mean spend) or ``p -> infinity`` (each customer's orders are
    of one value). Either way expected spend is defined; the check says which."""
    alike, constant = q >= SPEND_BOUNDARY, p >= SPEND_BOUNDARY
    parts = []
    if alike:
        parts.append(
            f"no difference between customers in their mean spend per order (q and v -> "
            f"infinity): every customer's expected spend is the mean order value, "
            f"{_fmt(p * v / (q - 1))}"
        )
    if constant:
        parts.append(
            "no variation within a customer's orders (p -> infinity): a repeat buyer's "
            "expected spend is her own mean order value"
        )
    return Check(
        "spend parameters finite",
        max(p, q),
        f"< {SPEND_BOUNDARY:g}",
        not parts,
        f"the {label} fit finds " + "; and ".join(parts) if parts else "p and q are finite",
        "Its parameters sit on a boundary, so their intervals are not defined, though expected "
        "spend is.",
        "Nothing to change if orders are of one price (a one-product shop, a fixed "
        "subscription); otherwise check that `monetary_value` holds each customer's own spend.",
    )


def unrecorded() -> Check:
    """The one check of a model loaded from a file saved without diagnostics."""
    return Check(
        "fit diagnostics recorded",
        float("nan"),
        "recorded at fit",
        False,
        "the file was saved without the fit diagnostics (format version 1)",
        "Whether this fit converged, is identified and reproduces its data is not known.",
        "Refit the model on its summary and save it again.",
        "ConvergenceWarning",
    )


def not_fitted() -> Check:
    """The one check of a model built from given parameters (``from_params``)."""
    return Check(
        "fitted to data",
        float("nan"),
        "",
        True,
        "the parameters were given (`from_params`), not fitted: no fit checks apply",
    )
