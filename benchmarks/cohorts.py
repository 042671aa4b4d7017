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
  - ``cohort_retention``, ``revenue_retention``, ``churn_table`` (``period="M"``).
* **duckdb** (``--duckdb N`` rows): the Parquet folder of ``benchmarks/scale.py``'s generator,
  read by DuckDB (``memory_limit`` 2GB);
  - *group-by pass*: ``SELECT customer_id, min(timestamp) ... GROUP BY customer_id`` on the
    folder, fetched;
  - the three functions given the folder.

Each measure is the median of ``--repeats`` runs (default 3) taken in turn, so load from other
processes hits every side alike; the ratio columns divide by the group-by pass and the recipe
of the same repeat set. Results: ``benchmarks/out/cohorts.json`` and ``cohorts.md``.
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


def _median_times(cases: dict, repeats: int) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(repeats):
        for name, func in cases.items():
            t0 = time.perf_counter()
            func()
            times[name].append(time.perf_counter() - t0)
    return {name: statistics.median(v) for name, v in times.items()}


def run_pandas(customers: int, data_dir: Path, repeats: int) -> dict:
    tx = pandas_log(customers, data_dir)
    # the same numbers as the recipe (which leaves cells without customers empty)
    ours = rl.retention_matrix(rl.cohort_retention(tx, period="M"))
    ours.index = ours.index.to_period("M")
    check = recipe(tx).reindex(index=ours.index, columns=ours.columns)
    np.testing.assert_allclose(ours.fillna(0), check.fillna(0), rtol=1e-12)
    cases = {
        "recipe": lambda: recipe(tx),
        "group-by pass": lambda: tx.groupby("customer_id")["timestamp"].min(),
        **{name: (lambda f=f: f(tx, period="M")) for name, f in FUNCTIONS.items()},
    }
    return {
        "engine": "pandas",
        "rows": len(tx),
        "customers": int(tx["customer_id"].nunique()),
        "seconds": _median_times(cases, repeats),
    }


def run_duckdb(size: int, data_dir: Path, repeats: int, memory_limit: str) -> dict:
    import duckdb
    import scale

    folder = scale.generate(size, root=data_dir)
    info = json.loads((folder / "_SUCCESS.json").read_text())
    duckdb.execute(f"SET memory_limit='{memory_limit}'")
    duckdb.execute(f"SET threads={os.cpu_count() or 2}")
    glob = str(folder / "**" / "*.parquet")

    def group_by_pass():
        return duckdb.sql(
            f"SELECT customer_id, min(timestamp) FROM read_parquet('{glob}') GROUP BY customer_id"
        ).fetchnumpy()

    cases = {
        "group-by pass": group_by_pass,
        **{name: (lambda f=f: f(str(folder), period="M")) for name, f in FUNCTIONS.items()},
    }
    return {
        "engine": "duckdb (Parquet folder)",
        "rows": info["rows"],
        "customers": None,
        "seconds": _median_times(cases, repeats),
    }


def _markdown(results: list[dict], repeats: int) -> str:
    lines = [
        f"Cohort benchmark, {time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores: median of "
        f"{repeats} runs in turn, `period='M'`. Ratio = time / the same engine's group-by pass "
        "(target <= 2.5); speed-up = the pandas recipe's time / time (target >= 3).",
        "",
        "| engine | rows | recipe | group-by pass | function | time | ratio to group-by | "
        "speed-up on recipe |",
        "|---|---:|---:|---:|---|---:|---:|---:|",
    ]
    for r in results:
        s = r["seconds"]
        base, rec = s["group-by pass"], s.get("recipe")
        for name in FUNCTIONS:
            lines.append(
                f"| {r['engine']} | {r['rows']:,} | {f'{rec:.2f} s' if rec else '-'} | "
                f"{base:.2f} s | `{name}` | {s[name]:.2f} s | {s[name] / base:.2f}x | "
                f"{f'{rec / s[name]:.1f}x' if rec else '-'} |"
            )
    return "\n".join(lines) + "\n"


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
