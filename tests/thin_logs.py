"""Thin and awkward transaction logs a real client might hand over (for the report tests).

Each builder returns a raw export (UCI-like column names where there are countries) that
loads and keeps at least one purchase after cleaning, so the report must be written for it.
``EXPECTED`` lists, per log, the sections that must be replaced by a "Not shown" paragraph.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

import retention_lib as rl

START = pd.Timestamp("2024-01-01")
COUNTRIES = ["United Kingdom", "France", "Japan"]


def _frame(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["CustomerID", "InvoiceDate", "Amount", "Country"])


def single_row() -> pd.DataFrame:
    return _frame([("C1", START + pd.Timedelta(days=64, hours=10), 10.0, "France")])


def single_customer() -> pd.DataFrame:
    days = np.arange(0, 360, 12)
    return _frame(
        [("C1", START + pd.Timedelta(days=int(d), hours=9), 20.0 + d % 7, "France") for d in days]
    )


def one_day() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    return _frame(
        [
            (
                f"C{i % 100}",
                START + pd.Timedelta(days=125, minutes=int(m)),
                float(a),
                COUNTRIES[i % 3],
            )
            for i, (m, a) in enumerate(
                zip(rng.integers(0, 1400, 300), rng.integers(5, 80, 300), strict=True)
            )
        ]
    )


def one_time_buyers() -> pd.DataFrame:
    rng = np.random.default_rng(4)
    return _frame(
        [
            (f"C{i}", START + pd.Timedelta(days=int(d), hours=11), float(a), COUNTRIES[i % 3])
            for i, (d, a) in enumerate(
                zip(rng.integers(0, 180, 300), rng.integers(5, 80, 300), strict=True)
            )
        ]
    )


def three_weeks() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    rows = []
    for i in range(60):
        for d in sorted(rng.integers(0, 21, int(rng.integers(1, 4)))):
            rows.append(
                (f"C{i}", START + pd.Timedelta(days=int(d), hours=14), 30.0, COUNTRIES[i % 3])
            )
    return _frame(rows)


def _simulated(n: int, weeks: int, seed: int) -> pd.DataFrame:
    tx = rl.simulate_transactions(
        n, r=0.8, alpha=4.0, a=0.8, b=2.5, p=6.0, q=4.0, gamma=15.0,
        start=START, end=START + pd.Timedelta(weeks=weeks) - pd.Timedelta(days=1), seed=seed,
    )  # fmt: skip
    return tx.rename(columns={"customer_id": "CustomerID", "timestamp": "InvoiceDate"})


def no_country() -> pd.DataFrame:
    return _simulated(400, 52, seed=6).rename(columns={"amount": "Amount"})


def ten_weeks() -> pd.DataFrame:
    out = _simulated(300, 10, seed=7).rename(columns={"amount": "Amount"})
    out["Country"] = np.where(np.arange(len(out)) % 2, "Germany", "France")
    return out


def holdout_not_converging() -> pd.DataFrame:
    """Regulars who bought every day since the start (the calibration period has nothing
    else, so the BG/NBD fit there cannot converge) and one-time buyers who came later."""
    rng = np.random.default_rng(8)
    rows = [
        (f"R{c:02d}", START + pd.Timedelta(days=d, hours=10), float(rng.integers(10, 60)), "France")
        for c in range(40)
        for d in range(30 * 7)
    ]
    rows += [
        (
            f"N{c:02d}",
            START + pd.Timedelta(days=int(d), hours=12),
            float(rng.integers(10, 60)),
            "France",
        )
        for c, d in enumerate(rng.integers(30 * 7 - 100, 30 * 7, 40))
    ]
    return _frame(rows)


def spend_not_converging() -> pd.DataFrame:
    """Customers who all bought every day for 30 weeks, their orders drawn from one price
    range: lifetimes' spend optimiser runs off to the boundary where customers do not differ
    (and does not converge; the fit is that boundary), and the purchase model's parameters go
    so far out (r and alpha in the billions) that its forecast formula fails numerically."""
    rng = np.random.default_rng(9)
    return _frame(
        [
            (
                f"R{c:02d}",
                START + pd.Timedelta(days=d, hours=10),
                float(rng.integers(10, 60)),
                "France",
            )
            for c in range(40)
            for d in range(30 * 7)
        ]
    )


def few_customers_two_months() -> pd.DataFrame:
    rows = [
        (f"C{i}", START + pd.Timedelta(days=5 * i + k * 31, hours=8), 12.0, "France")
        for i in range(8)
        for k in range(1 + i % 2)
    ]
    return _frame(rows)


def fixed_price() -> pd.DataFrame:
    """A one-product shop: every order costs the same, so customers do not differ in spend
    and lifetimes' Gamma-Gamma optimiser runs off to a boundary (it does not converge)."""
    rng = np.random.default_rng(11)
    rows = []
    for i in range(300):
        t = START + pd.Timedelta(days=int(rng.integers(0, 300)), hours=10)
        while t < START + pd.Timedelta(days=700):
            rows.append((f"C{i}", t, 19.99, COUNTRIES[i % 3]))
            if rng.random() < 0.05:
                break
            t += pd.Timedelta(days=int(rng.exponential(60)) + 1)
    return _frame(rows)


THIN_LOGS: dict[str, Callable[[], pd.DataFrame]] = {
    "single_row": single_row,
    "single_customer": single_customer,
    "one_day": one_day,
    "one_time_buyers": one_time_buyers,
    "three_weeks": three_weeks,
    "no_country": no_country,
    "ten_weeks": ten_weeks,
    "holdout_not_converging": holdout_not_converging,
    "spend_not_converging": spend_not_converging,
    "few_customers_two_months": few_customers_two_months,
    "fixed_price": fixed_price,
}

#: Sections each log cannot support (the rest must compute).
EXPECTED: dict[str, set[str]] = {
    "single_row": {
        "cohorts", "projection", "groups", "clv", "intervals", "holdout", "kpis", "whatif",
    },
    "single_customer": {"projection", "groups", "clv", "intervals", "holdout", "whatif"},
    "one_day": {"cohorts", "projection", "clv", "intervals", "holdout", "kpis", "whatif"},
    "one_time_buyers": {"projection", "clv", "intervals", "holdout", "kpis", "whatif"},
    "three_weeks": {
        "cohorts", "projection", "groups", "clv", "intervals", "holdout", "kpis", "whatif",
    },
    "no_country": {"groups", "countries"},
    "ten_weeks": {"projection", "holdout", "kpis"},
    "holdout_not_converging": {"projection", "intervals", "holdout"},
    "spend_not_converging": {"projection", "groups", "clv", "intervals", "holdout", "whatif"},
    "few_customers_two_months": {
        "projection", "groups", "clv", "intervals", "holdout", "kpis", "whatif",
    },
    "fixed_price": {"intervals"},  # spend on a boundary: values, no intervals
}  # fmt: skip
#: Sections resting on inputs the user did not give (no survey, CAC, programme cost or
#: experiment column), and
#: the section they sit in (their paragraph shows only when that one computes).
NOT_GIVEN = {"survey": None, "cac": "clv", "retention_cost": "whatif", "abtest": None}


def write_log(name: str, folder: Path) -> Path:
    path = Path(folder) / f"{name}.csv"
    THIN_LOGS[name]().to_csv(path, index=False)
    return path
