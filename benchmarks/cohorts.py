"""Cohort benchmark: the cohort tables against one group-by pass of the same engine and against
the hand-written pandas recipe, measured in one run.

    .venv/bin/python benchmarks/cohorts.py --pandas 1e5 --duckdb 1e6          # a minute
    .venv/bin/python benchmarks/cohorts.py --pandas 1e6 --duckdb 1e7,1e8       # the README figures

* **pandas** (``--pandas N`` customers, about 3.3 transactions each: 1e6 gives 3.26M rows): the log
  simulated by :func:`retention_lib.simulate_transactions` (BG/NBD + Gamma-Gamma, customers
  acquired over 2022, observed to 2024-09-30), held in memory.
  - *recipe*: the usual hand-written pandas cohort matrix (period of each purchase, cohort =
    the customer's first period by ``groupby.transform``, ``nunique`` customers per cohort and
    period offset, divided by the cohort size);
  - *group-by pass*: ``tx.groupby("customer_id")["timestamp"].min()``;
  - ``cohort_retention``, ``revenue_retention``, ``churn_table`` (``period="M"``), and
    ``cohort_retention(by="region")`` with a ``region`` column (one of five per customer).
* **duckdb** (``--duckdb N`` rows): the Parquet folder of ``benchmarks/scale.py``'s generator,
  read by DuckDB (``memory_limit`` 2GB);
  - *group-by pass*: ``SELECT customer_id, min(timestamp) ... GROUP BY customer_id`` on the
    folder, fetched;
  - the three functions given the folder, and ``cohort_retention(by="region")`` given a
    DuckDB relation over the folder with the same ``region`` column.

Each measure is the median of ``--repeats`` runs (default 3) taken in turn, so load from other
processes hits every side alike; the ratio columns divide by the group-by pass and the recipe
of the same repeat set. Wall time is what a user waits; on a shared machine it also holds the
time other processes took the cores, so the CPU time of the process (all its threads,
``time.process_time``) is recorded beside it, and its ratios are the steadier reading of the
work done. Results: ``benchmarks/out/cohorts.json`` and ``cohorts.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import retention_lib as rl  # noqa: E402

FUNCTIONS = {
    "cohort_retention": rl.cohort_retention,
    "revenue_retention": rl.revenue_retention,
    "churn_table": rl.churn_table,
}
BY = 'cohort_retention(by="region")'
REGIONS = np.array(["Africa", "Americas", "Asia", "Europe", "Oceania"], dtype=object)


def recipe(tx: pd.DataFrame) -> pd.DataFrame:
    """The cohort matrix as it is usually written in pandas (purchases only)."""
    d = tx[tx["amount"] > 0]
    month = d["timestamp"].dt.to_period("M")
    cohort = month.groupby(d["customer_id"]).transform("min")
    k = (month.dt.year - cohort.dt.year) * 12 + (month.dt.month - cohort.dt.month)
    cells = pd.DataFrame({"customer_id": d["customer_id"], "cohort": cohort, "k": k})
    counts = cells.groupby(["cohort", "k"])["customer_id"].nunique().unstack()
    return counts.div(counts[0], axis=0)


def pandas_log(customers: int, data_dir: Path) -> pd.DataFrame:
    path = data_dir / f"pandas_{customers:.0e}.parquet".replace("+", "")
    if not path.exists():
        from bench_clv import SIM

        sim = dict(SIM, end="2024-09-30")
        tx = rl.simulate_transactions(customers, seed=1, **sim)
        tx["amount"] = tx["amount"].round(2)
        data_dir.mkdir(parents=True, exist_ok=True)
        tx.to_parquet(path, index=False)
    return pd.read_parquet(path)


def _median_times(cases: dict, repeats: int) -> tuple[dict[str, float], dict[str, float]]:
    """Median wall and CPU seconds of each case, the cases run in turn ``repeats`` times."""
    wall: dict[str, list[float]] = {name: [] for name in cases}
    cpu: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(repeats):
        for name, func in cases.items():
            t0, c0 = time.perf_counter(), time.process_time()
            func()
            wall[name].append(time.perf_counter() - t0)
            cpu[name].append(time.process_time() - c0)
    return (
        {name: statistics.median(v) for name, v in wall.items()},
        {name: statistics.median(v) for name, v in cpu.items()},
    )


def run_pandas(customers: int, data_dir: Path, repeats: int) -> dict:
    tx = pandas_log(customers, data_dir)
    # the same numbers as the recipe (which leaves cells without customers empty)
    ours = rl.retention_matrix(rl.cohort_retention(tx, period="M"))
    ours.index = ours.index.to_period("M")
    check = recipe(tx).reindex(index=ours.index, columns=ours.columns)
    np.testing.assert_allclose(ours.fillna(0), check.fillna(0), rtol=1e-12)
    grouped = tx.assign(region=pd.Series(_regions(tx["customer_id"]), dtype="str"))
    cases = {
        "recipe": lambda: recipe(tx),
        "group-by pass": lambda: tx.groupby("customer_id")["timestamp"].min(),
        **{name: (lambda f=f: f(tx, period="M")) for name, f in FUNCTIONS.items()},
        BY: lambda: rl.cohort_retention(grouped, period="M", by="region"),
    }
    wall, cpu = _median_times(cases, repeats)
    return {
        "engine": "pandas",
        "rows": len(tx),
        "customers": int(tx["customer_id"].nunique()),
        "seconds": wall,
        "cpu_seconds": cpu,
    }


def _regions(ids: pd.Series) -> np.ndarray:
    """One of five regions per customer, from a hash of the id."""
    return REGIONS[pd.util.hash_pandas_object(ids, index=False).to_numpy() % len(REGIONS)]


def run_duckdb(size: int, data_dir: Path, repeats: int, memory_limit: str) -> dict:
    import duckdb
    import scale

    folder = scale.generate(size, root=data_dir)
    info = json.loads((folder / "_SUCCESS.json").read_text())
    duckdb.execute(f"SET memory_limit='{memory_limit}'")
    duckdb.execute(f"SET threads={os.cpu_count() or 2}")
    tmp = ROOT / "benchmarks" / "out" / "tmp"  # spilled pages, as in scale.py
    tmp.mkdir(parents=True, exist_ok=True)
    duckdb.execute(f"SET temp_directory='{tmp}'")
    glob = str(folder / "**" / "*.parquet")

    def group_by_pass():
        return duckdb.sql(
            f"SELECT customer_id, min(timestamp) FROM read_parquet('{glob}') GROUP BY customer_id"
        ).fetchnumpy()

    regions = ", ".join(f"'{r}'" for r in REGIONS)
    grouped = duckdb.sql(
        f"SELECT *, [{regions}][1 + (hash(customer_id) % {len(REGIONS)})::BIGINT] AS region "
        f"FROM read_parquet('{glob}')"
    )
    cases = {
        "group-by pass": group_by_pass,
        **{name: (lambda f=f: f(str(folder), period="M")) for name, f in FUNCTIONS.items()},
        BY: lambda: rl.cohort_retention(grouped, period="M", by="region"),
    }
    wall, cpu = _median_times(cases, repeats)
    return {
        "engine": "duckdb (Parquet folder)",
        "rows": info["rows"],
        "customers": None,
        "seconds": wall,
        "cpu_seconds": cpu,
    }


def _markdown(results: list[dict], repeats: int) -> str:
    load = os.getloadavg()[0]
    lines = [
        f"Cohort benchmark, {time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} cores, load "
        f"average {load:.1f} at the end: median of {repeats} runs in turn, `period='M'`. "
        "Ratio = time / the same engine's group-by pass (target <= 2.5); speed-up = the pandas "
        "recipe's time / time (target >= 3); wall time, and CPU time of the process in "
        "brackets.",
        "",
        "| engine | rows | recipe | group-by pass | function | time | ratio to group-by | "
        "speed-up on recipe |",
        "|---|---:|---:|---:|---|---:|---:|---:|",
    ]
    for r in results:
        s, c = r["seconds"], r.get("cpu_seconds", {})
        base, rec = s["group-by pass"], s.get("recipe")
        cbase, crec = c.get("group-by pass"), c.get("recipe")
        for name in [*FUNCTIONS, BY]:
            if name not in s:
                continue
            cpu = c.get(name)
            lines.append(
                f"| {r['engine']} | {r['rows']:,} | {_both(rec, crec, 's')} | "
                f"{_both(base, cbase, 's')} | `{name}` | {_both(s[name], cpu, 's')} | "
                f"{_both(s[name] / base, cpu / cbase if cpu else None, 'x')} | "
                + (_both(rec / s[name], crec / cpu if cpu else None, "x", 1) if rec else "-")
                + " |"
            )
    return "\n".join(lines) + "\n"


def _both(wall: float | None, cpu: float | None, unit: str, digits: int = 2) -> str:
    """``1.23 s (0.98 s)``: the wall figure and the CPU one in brackets."""
    if wall is None:
        return "-"
    space = " " if unit == "s" else ""
    text = f"{wall:.{digits}f}{space}{unit}"
    return text + (f" ({cpu:.{digits}f}{space}{unit})" if cpu is not None else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pandas", default="1e6", help="customers of the pandas log ('' skips)")
    parser.add_argument("--duckdb", default="1e7", help="rows of the Parquet logs, e.g. 1e7,1e8")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--memory-limit", default="2GB", help="DuckDB memory_limit")
    parser.add_argument(
        "--data-dir",
        default=os.environ.get("RETENTION_BENCH_DATA", str(ROOT / "benchmarks" / "out" / "data")),
        help="where the generated logs are kept (reused; env RETENTION_BENCH_DATA)",
    )
    args = parser.parse_args(argv)
    data_dir = Path(args.data_dir)
    results = []
    for n in [int(float(x)) for x in args.pandas.split(",") if x.strip()]:
        results.append(run_pandas(n, data_dir, args.repeats))
        print(_markdown(results[-1:], args.repeats), flush=True)
    for n in [int(float(x)) for x in args.duckdb.split(",") if x.strip()]:
        results.append(run_duckdb(n, data_dir, args.repeats, args.memory_limit))
        print(_markdown(results[-1:], args.repeats), flush=True)
    out = ROOT / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "cohorts.json").write_text(json.dumps(results, indent=1))
    (out / "cohorts.md").write_text(_markdown(results, args.repeats))
    print(_markdown(results, args.repeats))
    return 0


if __name__ == "__main__":
    sys.exit(main())
