"""Shared fixtures: small hand-written logs, a seeded rng, the real UCI log when present."""

from __future__ import annotations

import os
import shutil
import subprocess
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


CHROMIUM = Path(os.environ.get("RETENTION_CHROMIUM", "/usr/bin/chromium"))


def _playwright_available() -> bool:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return False
    return True


@pytest.fixture(scope="session")
def wheel(tmp_path_factory) -> Path:
    """The project's wheel, built from this checkout (hatchling, no build isolation)."""
    pytest.importorskip("hatchling", reason="hatchling is not installed (test extra)")
    out = tmp_path_factory.mktemp("wheel")
    cmd = [sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps", "--no-build-isolation"]
    result = subprocess.run(
        [*cmd, "--quiet", "--wheel-dir", str(out)], capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]
    (path,) = out.glob("retention_lib-*.whl")
    return path


@pytest.fixture(scope="session")
def installed_report(wheel, tmp_path_factory) -> dict:
    """The report on the bundled sample, written by the wheel installed in a fresh venv and
    run from another folder (with ``--pdf`` when Chromium and Playwright are there).

    The fresh venv gets the wheel alone (``--no-deps``) and sees this venv's dependencies
    through a ``.pth`` file (and nbconvert's templates through ``JUPYTER_PATH``), so nothing
    is downloaded; the checkout is not on its path and its kernel is the fresh venv's.
    """
    import sysconfig
    import venv

    base = tmp_path_factory.mktemp("installed")
    env_dir = base / "venv"
    venv.create(env_dir, with_pip=False)
    python = env_dir / "bin" / "python"
    pip = [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps"]
    subprocess.run([*pip, "--no-index", "--quiet", str(wheel)], check=True, timeout=600)
    site = Path(
        subprocess.run(
            [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True, capture_output=True, text=True,
        ).stdout.strip()
    )  # fmt: skip
    (site / "_retention_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "JUPYTER_PATH")}
    env["PATH"] = f"{env_dir / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    env["JUPYTER_DATA_DIR"] = str(base / "jupyter-data")  # no user kernel spec in the way
    # the dependencies' data files (nbconvert's templates) are under this venv's prefix,
    # where a real install would have put them under the fresh one's; share them alone
    # (this venv's own kernel spec must not be found)
    shared = base / "jupyter-share"
    shared.mkdir()
    (shared / "nbconvert").symlink_to(Path(sys.prefix) / "share" / "jupyter" / "nbconvert")
    env["JUPYTER_PATH"] = str(shared)
    subprocess.run(
        [str(python), "-m", "ipykernel", "install", "--sys-prefix", "--name", "python3"],
        check=True, capture_output=True, env=env, timeout=120,
    )  # fmt: skip
    workdir = base / "elsewhere"
    workdir.mkdir()
    pdf = CHROMIUM.exists() and _playwright_available()
    cmd = [str(env_dir / "bin" / "retention-lib"), "report", "--out", "out", "--quiet"]
    result = subprocess.run(
        cmd + (["--pdf"] if pdf else []),
        cwd=workdir, env=env, capture_output=True, text=True, timeout=1200,
    )  # fmt: skip
    probe = subprocess.run(
        [
            str(python),
            "-c",
            "import retention_lib, retention_lib.report as r, retention_lib.datasets as d\n"
            "from jupyter_client.kernelspec import KernelSpecManager as K\n"
            "print(retention_lib.__file__); print(r.notebooks_dir()); print(d.sample_data_path())\n"
            "print(K().get_kernel_spec('python3').argv[0])",
        ],
        cwd=workdir, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    return {
        "result": result,
        "out": workdir / "out",
        "env_dir": env_dir,
        "python": python,
        "paths": probe.stdout.split(),
        "pdf": pdf,
    }


@pytest.fixture(scope="session")
def uci_report(tmp_path_factory) -> dict:
    """The issue's command on the UCI log, run once: ``retention-lib report --data
    online_retail.csv.gz --currency GBP --cac 40 --margin 0.3 --out OUT`` (plus ``--pdf``
    when Chromium and Playwright are there). Returns the exit code, the folder and whether
    a PDF was asked for."""
    if not ONLINE_RETAIL.exists():
        pytest.skip(
            f"the UCI Online Retail log is not at {ONLINE_RETAIL} (needs ../shared beside the repo)"
        )
    from retention_lib.cli import main

    out = tmp_path_factory.mktemp("uci") / "out"
    pdf = CHROMIUM.exists() and _playwright_available()
    argv = ["report", "--data", str(ONLINE_RETAIL), "--currency", "GBP", "--cac", "40"]
    argv += ["--margin", "0.3", "--out", str(out), "--quiet"]
    code = main(argv + (["--pdf"] if pdf else []))
    return {"code": code, "out": out, "pdf": pdf}


def write_notebook(path: Path, parameters: str, code: str) -> Path:
    """A two-cell notebook at ``path``: the papermill ``parameters`` cell and ``code``."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    nb = new_notebook(
        cells=[
            new_markdown_cell("# Check"),
            new_code_cell(parameters, metadata={"tags": ["parameters"]}),
            new_code_cell(code),
        ],
        metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}
        },
    )
    nbformat.write(nb, path)
    return path
