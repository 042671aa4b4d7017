"""Shared fixtures: small hand-written logs, a seeded rng, the real UCI log when present."""

from __future__ import annotations

import os
import shutil
import sys
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from hypothesis import settings  # noqa: E402

# The suite is reproducible: property tests draw the same examples on every run (CI
# included). `HYPOTHESIS_PROFILE=explore` searches fresh random examples, more of them.
settings.register_profile("default", derandomize=True, print_blob=True)
settings.register_profile("explore", max_examples=300, derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("RETENTION_SHARED", ROOT.parent / "shared")) / "data"
ONLINE_RETAIL = SHARED_DATA / "online_retail.csv.gz"


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20261123)


@pytest.fixture
def online_retail_path() -> Path:
    if not ONLINE_RETAIL.exists():
        pytest.skip(
            f"the UCI Online Retail log is not at {ONLINE_RETAIL} (needs ../shared beside the repo)"
        )
    return ONLINE_RETAIL


@pytest.fixture
def tiny_log() -> pd.DataFrame:
    """Five customers over four months; cohort matrix computed by hand in test_cohorts.

    A: Jan 5 (10), Feb 10 (20), Apr 1 (30)     B: Jan 20 (5), Mar 15 (15)
    C: Feb 3 (7), Feb 20 (8), Mar 1 (9)        D: Feb 14 (4)
    E: Mar 30 (6), return Apr 2 (-5)
    """
    rows = [
        ("A", "2024-01-05 10:00", 10.0, False),
        ("A", "2024-02-10 11:00", 20.0, False),
        ("A", "2024-04-01 09:00", 30.0, False),
        ("B", "2024-01-20 12:00", 5.0, False),
        ("B", "2024-03-15 12:00", 15.0, False),
        ("C", "2024-02-03 08:00", 7.0, False),
        ("C", "2024-02-20 08:00", 8.0, False),
        ("C", "2024-03-01 08:00", 9.0, False),
        ("D", "2024-02-14 15:00", 4.0, False),
        ("E", "2024-03-30 16:00", 6.0, False),
        ("E", "2024-04-02 16:00", -5.0, True),
    ]
    df = pd.DataFrame(rows, columns=["customer_id", "timestamp", "amount", "is_return"])
    df["customer_id"] = df["customer_id"].astype("str")
    df["timestamp"] = pd.to_datetime(df["timestamp"])
    df["region"] = (
        df["customer_id"]
        .map({"A": "Europe", "B": "Asia", "C": "Europe", "D": "Asia", "E": "Europe"})
        .astype("str")
    )
    return df


def random_log(rng: np.random.Generator, n_customers: int = 40, max_tx: int = 6) -> pd.DataFrame:
    """A random canonical log (for invariants)."""
    counts = rng.integers(1, max_tx + 1, n_customers)
    ids = np.repeat([f"c{i:03d}" for i in range(n_customers)], counts)
    start = pd.Timestamp("2023-01-01")
    days = rng.integers(0, 400, len(ids))
    ts = (
        start
        + pd.to_timedelta(days, unit="D")
        + pd.to_timedelta(rng.integers(0, 24, len(ids)), unit="h")
    )
    amount = np.round(rng.gamma(2.0, 20.0, len(ids)), 2)
    ret = rng.random(len(ids)) < 0.05
    amount[ret] *= -1
    return pd.DataFrame(
        {
            "customer_id": pd.Series(ids, dtype="str"),
            "timestamp": ts,
            "amount": amount,
            "is_return": ret,
            "region": pd.Series(rng.choice(["Europe", "Asia", "Americas"], len(ids)), dtype="str"),
        }
    )


def _java_available() -> bool:
    home = os.environ.get("JAVA_HOME")
    return bool(shutil.which("java") or (home and (Path(home) / "bin" / "java").exists()))


@pytest.fixture(scope="session")
def spark():
    """A local[1] SparkSession tuned for tiny data (started once, stopped at the end)."""
    pytest.importorskip("pyspark", reason="pyspark is not installed (pip install pyspark)")
    if not _java_available():
        pytest.skip("PySpark needs Java (17+): no `java` on PATH and no JAVA_HOME")
    from pyspark.sql import SparkSession

    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        session = (
            SparkSession.builder.master("local[1]")
            .appName("retention-lib-tests")
            .config("spark.sql.shuffle.partitions", "1")
            .config("spark.default.parallelism", "1")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.adaptive.enabled", "false")
            .config("spark.sql.codegen.wholeStage", "false")  # tiny data: skip code generation
            .config("spark.driver.memory", "1g")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.sql.session.timeZone", "UTC")
            # short-lived JVM: the C1 compiler only, a serial GC
            .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")
            .getOrCreate()
        )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture
def simulated_log():
    """A small BG/NBD log from the package's simulator: ``simulated_log(n, end, seed)``."""
    import retention_lib as rl

    def make(n: int = 400, end: str = "2024-06-30", seed: int = 3) -> pd.DataFrame:
        return rl.simulate_transactions(
            n,
            r=0.5,
            alpha=4.0,
            a=0.8,
            b=2.5,
            p=6.0,
            q=4.0,
            gamma=15.0,
            start="2023-01-01",
            end=end,
            seed=seed,
        )

    return make
