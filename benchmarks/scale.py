"""Scale benchmark: cohort matrix + RFM summary + BG/NBD / Gamma-Gamma fit + CLV on synthetic
transaction logs of 1e5 ... 1e8 rows, through DuckDB (out of core, straight from Parquet) and,
where the log fits in memory, through pandas.

    .venv/bin/python benchmarks/scale.py --sizes 1e5              # < 1 min, for the README
    .venv/bin/python benchmarks/scale.py --sizes 1e7,1e8          # the figures in README.md
    .venv/bin/python benchmarks/scale.py --sizes 1e7 --engines duckdb,pandas

1. A chunked generator writes each log to ``benchmarks/out/data/tx_<size>/part-*.parquet``
   (about 1M rows per file and row group; never the whole log in memory; reused when present).
   Customers follow the BG/NBD story (Fader, Hardie & Lee 2005): a Poisson purchase rate
   ``lambda ~ Gamma(r, alpha)`` per week while alive, dropping out after the K-th repeat
   purchase with ``K ~ Geometric(p)``, ``p ~ Beta(a, b)``; acquisition spread over the
   first 2.5 of 3 years; each order has 1 + Poisson(3) lines whose amounts follow a
   per-customer Gamma spend level. So the RFM summary looks like a real retailer's.
2. Each (size, engine) pipeline runs in its own subprocess so its peak resident set size
   (RSS) is its own: a sampling thread (psutil, every 20 ms) records the peak of each step
   and ``getrusage`` the high-water mark of the whole run (DuckDB's memory is in-process,
   so it is counted).
3. Results go to ``benchmarks/out/scale.json`` and ``benchmarks/out/scale.md``.

DuckDB runs with ``SET memory_limit`` (default 2GB), ``threads`` = the cores, and spills to
``benchmarks/out/tmp``; the engine reads the Parquet folder lazily, so only per-cohort cells
and the per-customer summary (one row per customer) ever reach pandas.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "benchmarks" / "out"
sys.path.insert(0, str(ROOT))

START = np.datetime64("2022-01-03T00:00:00", "s")  # a Monday
WEEKS = 156.0  # three years of data
BIRTH_WEEKS = 130.0  # customers are acquired in the first 2.5 years
#: BG/NBD purchase parameters (per week) and spend parameters of the generator
SIM = {"r": 0.5, "alpha": 8.0, "a": 0.8, "b": 2.5, "lines": 3.0, "q": 3.0, "v": 30.0}
GENERATOR_VERSION = 1


# ----------------------------------------------------------------------------- generator


def _chunk(rng: np.random.Generator, first_id: int, n: int) -> dict[str, np.ndarray]:
    """Transactions (one row per order line) of customers ``first_id .. first_id + n - 1``."""
    s = SIM
    birth = rng.uniform(0.0, BIRTH_WEEKS, n)
    lam = rng.gamma(s["r"], 1.0 / s["alpha"], n)
    drop = rng.beta(s["a"], s["b"], n)
    k_max = rng.geometric(np.clip(drop, 1e-9, 1.0))  # repeat purchases before dropping out
    window = WEEKS - birth
    n_events = rng.poisson(lam * window)  # Poisson events in the window if never dropping out
    # event times: sorted uniforms within each customer's window; keep the first k_max
    owner = np.repeat(np.arange(n), n_events)
    t = rng.uniform(0.0, 1.0, owner.size) * window[owner]
    order = np.lexsort((t, owner))
    owner, t = owner[order], t[order]
    starts = np.cumsum(n_events) - n_events
    rank = np.arange(owner.size) - starts[owner]
    keep = rank < k_max[owner]
    owner, t = owner[keep], t[keep]
    # orders: the first purchase at birth, then the repeats
    o_cust = np.concatenate([np.arange(n), owner])
    o_week = np.concatenate([birth, birth[owner] + t])
    lines = 1 + rng.poisson(s["lines"], o_cust.size)
    l_cust = np.repeat(o_cust, lines)
    l_week = np.repeat(o_week, lines)
    spend = rng.gamma(s["q"], s["v"] / s["q"], n)  # mean spend level per line and customer
    amount = np.round(rng.gamma(2.0, spend[l_cust] / 2.0) + 0.5, 2)
    ts = START + (l_week * 7 * 86_400).astype("int64").astype("timedelta64[s]")
    by_time = np.argsort(ts, kind="stable")
    return {"cust": (first_id + l_cust)[by_time], "ts": ts[by_time], "amount": amount[by_time]}


def _write(part: dict[str, np.ndarray], path: Path) -> int:
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    ids = pc.utf8_lpad(pa.array(part["cust"]).cast(pa.string()), 9, "0")
    ids = pc.binary_join_element_wise("C", ids, "")
    table = pa.table(
        {
            "customer_id": ids,
            "timestamp": pa.array(part["ts"].astype("datetime64[us]")),
            "amount": pa.array(part["amount"]),
        }
    )
    pq.write_table(table, path, row_group_size=1 << 20)
    return table.num_rows


def generate(
    size: int, *, seed: int = 2026, rows_per_chunk: int = 1_000_000, root: Path | None = None
) -> Path:
    """Write ``size`` transaction lines to a folder of Parquet files under ``root`` (default
    ``benchmarks/out/data``), chunk by chunk."""
    folder = (OUT / "data" if root is None else Path(root)) / f"tx_{size:.0e}".replace("+", "")
    marker = folder / "_SUCCESS.json"
    meta = {"size": size, "seed": seed, "sim": SIM, "version": GENERATOR_VERSION}
    if marker.exists() and json.loads(marker.read_text()).get("params") == meta:
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    # rows per customer, from a pilot, to size the chunks
    pilot = _chunk(np.random.default_rng(seed), 0, 20_000)
    per_customer = pilot["cust"].size / 20_000
    chunk_customers = max(1, int(min(rows_per_chunk, size) / per_customer))
    seeds = np.random.SeedSequence(seed)
    written, next_id, i, t0 = 0, 0, 0, time.perf_counter()
    while written < size:
        part = _chunk(np.random.default_rng(seeds.spawn(1)[0]), next_id, chunk_customers)
        next_id += chunk_customers
        if written + part["cust"].size > size:  # trim the last chunk at a customer boundary
            last = np.sort(part["cust"])[size - written - 1]
            keep = part["cust"] <= last
            part = {k: v[keep] for k, v in part.items()}
        written += _write(part, folder / f"part-{i:05d}.parquet")
        i += 1
    info = {
        "params": meta,
        "rows": written,
        "files": i,
        "customers_drawn": next_id,
        "seconds": round(time.perf_counter() - t0, 1),
    }
    marker.write_text(json.dumps(info, indent=1))
    return folder


# ----------------------------------------------------------------------------- measuring


class _Rss:
    def __init__(self, rss: int) -> None:
        self.rss = rss


def _proc_rss() -> _Rss:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return _Rss(pages * os.sysconf("SC_PAGE_SIZE"))


class Sampler:
    """Peak RSS of this process per step, sampled every ``interval`` seconds."""

    def __init__(self, interval: float = 0.02) -> None:
        try:
            import psutil

            self._rss = psutil.Process().memory_info
        except ImportError:  # Linux without psutil: resident pages from /proc
            self._rss = _proc_rss
        self._interval = interval
        self._peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._peak = max(self._peak, self._rss().rss)
            time.sleep(self._interval)

    def reset(self) -> None:
        self._peak = self._rss().rss

    def peak(self) -> int:
        return max(self._peak, self._rss().rss)

    def stop(self) -> None:
        self._stop.set()


def _worker(size: int, engine: str, folder: Path, memory_limit: str, threads: int) -> dict:
    """One pipeline in this process; returns timings (s) and peak RSS (MB) per step."""
    import tracemalloc
    import warnings

    import pandas as pd

    import retention_lib as rl
    from retention_lib.clv import (
        BetaGeoModel,
        GammaGammaModel,
        customer_lifetime_value,
        rfm_summary,
    )

    warnings.simplefilter("ignore")
    tracemalloc.start()  # Python and numpy allocations: what the driver holds, not DuckDB
    sampler = Sampler()
    steps: list[dict] = []
    mb = 1024 * 1024

    def step(name: str, func):
        sampler.reset()
        tracemalloc.reset_peak()
        t0 = time.perf_counter()
        value = func()
        steps.append(
            {
                "step": name,
                "seconds": round(time.perf_counter() - t0, 2),
                "peak_rss_mb": round(sampler.peak() / mb),
                "peak_heap_mb": round(tracemalloc.get_traced_memory()[1] / mb),
            }
        )
        return value

    if engine == "duckdb":
        import duckdb

        tmp = OUT / "tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        duckdb.execute(f"SET memory_limit='{memory_limit}'")
        duckdb.execute(f"SET threads={threads}")
        duckdb.execute(f"SET temp_directory='{tmp}'")
        duckdb.execute("SET preserve_insertion_order=false")
        source = str(folder)  # read lazily by DuckDB
        summary_kw = {}
    else:
        source = step("load parquet into pandas", lambda: pd.read_parquet(folder))
        summary_kw = {"engine": "native"}  # aggregate in pandas, not DuckDB-on-pandas

    table = step("cohort matrix (monthly)", lambda: rl.cohort_retention(source, period="M"))
    matrix = rl.retention_matrix(table)
    pred_path = OUT / f"predictions_{engine}_{size:.0e}.parquet".replace("+", "")
    if engine == "duckdb":
        # the per-customer summary stays in DuckDB: written once to Parquet by the engine,
        # the models fit on the distinct rows it counts, the CLV is joined back there
        summary_path = OUT / f"summary_{engine}_{size:.0e}.parquet".replace("+", "")

        def summarise():
            rfm_summary(source, time_unit="W", collect=False).write_parquet(str(summary_path))
            return duckdb.read_parquet(str(summary_path))

        summary = step("RFM summary (weekly)", summarise)
    else:
        summary = step(
            "RFM summary (weekly)", lambda: rfm_summary(source, time_unit="W", **summary_kw)
        )
    bg = step("BG/NBD fit", lambda: BetaGeoModel().fit(summary, time_unit="W"))
    gg = step("Gamma-Gamma fit", lambda: GammaGammaModel().fit(summary))

    def predict():
        clv = customer_lifetime_value(bg, gg, summary, horizon_months=12, time_unit="W")
        if isinstance(clv, pd.DataFrame):
            clv.to_parquet(pred_path, index=False)
            return float(clv["clv"].sum())
        clv.write_parquet(str(pred_path))  # by DuckDB
        return float(duckdb.read_parquet(str(pred_path)).sum("clv").fetchall()[0][0])

    total_clv = step("CLV 12 months + write Parquet", predict)
    sampler.stop()
    if isinstance(summary, pd.DataFrame):
        customers, repeat = len(summary), int((summary["frequency"] > 0).sum())
    else:
        customers = int(summary.count("*").fetchall()[0][0])
        repeat = int(summary.filter("frequency > 0").count("*").fetchall()[0][0])
    return {
        "size": size,
        "engine": engine,
        "rows": None,
        "customers": customers,
        "repeat_buyers": repeat,
        "cohorts": int(matrix.shape[0]),
        "bgnbd": {k: round(float(v), 4) for k, v in bg.params_.items()},
        "gamma_gamma": {k: round(float(v), 4) for k, v in gg.params_.items()},
        "gamma_gamma_full": {k: float(v) for k, v in gg.params_.items()},
        "gamma_gamma_rows": int(gg.n_unique_rows_),
        "gamma_gamma_bound": {k: float(v) for k, v in gg.spend_error_bound_.items()},
        "total_clv": round(total_clv, 2),
        "steps": steps,
        "seconds": round(sum(s["seconds"] for s in steps), 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "peak_heap_mb": max(s["peak_heap_mb"] for s in steps),
    }


# ----------------------------------------------------------------------------- driver


def _sizes(text: str) -> list[int]:
    return [int(float(s)) for s in text.split(",") if s.strip()]


_COLUMNS = (
    ("load parquet into pandas", "load"),
    ("cohort matrix (monthly)", "cohort matrix"),
    ("RFM summary (weekly)", "RFM summary"),
    ("BG/NBD fit", "BG/NBD fit"),
    ("Gamma-Gamma fit", "GG fit"),
    ("CLV 12 months + write Parquet", "CLV + write"),
)


def _markdown(results: list[dict], memory_limit: str, threads: int) -> str:
    head = ["rows", "engine", "customers"] + [c for _, c in _COLUMNS]
    head += ["total", "peak RSS", "peak heap"]
    lines = [
        f"Scale benchmark, {time.strftime('%Y-%m-%d')}: {os.cpu_count()} cores, DuckDB "
        f"memory_limit={memory_limit}, threads={threads}. Seconds per step; peak RSS of the "
        "whole run (per-step peaks in scale.json); peak heap = the largest Python/numpy "
        "allocation peak of a step (tracemalloc: what the driver holds, DuckDB's own memory "
        "not counted).",
        "",
        "| " + " | ".join(head) + " |",
        "|---:|---|" + "---:|" * (len(head) - 2),
    ]
    for r in results:
        if "error" in r:
            lines.append(f"| {r['size']:,} | {r['engine']} | {r['error']} |")
            continue
        secs = {s["step"]: s["seconds"] for s in r["steps"]}
        cells = [f"{secs[k]:.1f}" if k in secs else "-" for k, _ in _COLUMNS]
        lines.append(
            f"| {r['rows']:,} | {r['engine']} | {r['customers']:,} | "
            + " | ".join(cells)
            + f" | {r['seconds']:.1f} s | {r['peak_rss_mb'] / 1024:.2f} GB | "
            + (f"{r['peak_heap_mb']:,} MB |" if "peak_heap_mb" in r else "- |")
        )
    duck = sorted(
        (r for r in results if r["engine"] == "duckdb" and "error" not in r),
        key=lambda r: r["rows"],
    )
    if len(duck) >= 2:
        lines.append("")
        for lo, hi in zip(duck, duck[1:], strict=False):
            lines.append(
                f"DuckDB, {lo['rows']:,} -> {hi['rows']:,} rows (x{hi['rows'] / lo['rows']:.1f}): "
                f"time x{hi['seconds'] / lo['seconds']:.2f}, peak RSS "
                f"x{hi['peak_rss_mb'] / lo['peak_rss_mb']:.2f}."
            )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1e5", help="comma-separated row counts, e.g. 1e7,1e8")
    parser.add_argument("--engines", default="duckdb,pandas")
    parser.add_argument(
        "--pandas-max", type=float, default=1e7, help="largest size also run with pandas"
    )
    parser.add_argument("--memory-limit", default="2GB", help="DuckDB memory_limit")
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument(
        "--data-dir",
        default=os.environ.get("RETENTION_BENCH_DATA"),
        help="where the generated logs are kept (default benchmarks/out/data; env "
        "RETENTION_BENCH_DATA)",
    )
    parser.add_argument(
        "--worker", nargs=3, metavar=("SIZE", "ENGINE", "FOLDER"), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)

    if args.worker:
        size, engine, folder = args.worker
        print(json.dumps(_worker(int(size), engine, Path(folder), args.memory_limit, args.threads)))
        return 0

    OUT.mkdir(parents=True, exist_ok=True)
    results = []
    for size in _sizes(args.sizes):
        t0 = time.perf_counter()
        folder = generate(size, seed=args.seed, root=args.data_dir)
        info = json.loads((folder / "_SUCCESS.json").read_text())
        print(
            f"data: {info['rows']:,} rows in {info['files']} Parquet file(s) at {folder} "
            f"({time.perf_counter() - t0:.1f} s; generated in {info['seconds']} s)",
            flush=True,
        )
        for engine in args.engines.split(","):
            if engine == "pandas" and size > args.pandas_max:
                results.append(
                    {
                        "size": size,
                        "engine": "pandas",
                        "error": f"skipped: above --pandas-max {args.pandas_max:.0e}",
                    }
                )
                continue
            cmd = [
                sys.executable,
                __file__,
                "--worker",
                str(size),
                engine,
                str(folder),
                "--memory-limit",
                args.memory_limit,
                "--threads",
                str(args.threads),
            ]
            proc = subprocess.run(cmd, capture_output=True, text=True)
            if proc.returncode:
                tail = (proc.stderr.strip().splitlines() or ["?"])[-1]
                print(f"{engine} {size:,}: FAILED ({tail})", file=sys.stderr, flush=True)
                results.append({"size": size, "engine": engine, "error": f"failed: {tail[:120]}"})
                continue
            r = json.loads(proc.stdout.strip().splitlines()[-1])
            r["rows"] = info["rows"]
            results.append(r)
            print(
                f"{engine:7} {r['rows']:>12,} rows {r['customers']:>10,} customers: "
                f"{r['seconds']:8.1f} s, peak RSS {r['peak_rss_mb']:,} MB, "
                f"heap {r['peak_heap_mb']:,} MB  "
                + ", ".join(f"{s['step']} {s['seconds']}s" for s in r["steps"]),
                flush=True,
            )
    ok = [r for r in results if "error" not in r]
    previous = {}
    json_path = OUT / "scale.json"
    if json_path.exists():
        previous = {(r["size"], r["engine"]): r for r in json.loads(json_path.read_text())}
    for r in results:
        previous[(r["size"], r["engine"])] = r
    merged = sorted(previous.values(), key=lambda r: (r["size"], r["engine"]))
    json_path.write_text(json.dumps(merged, indent=1))
    if ok:
        (OUT / "scale.md").write_text(_markdown(merged, args.memory_limit, args.threads))
        print(f"\nwritten {json_path} and {OUT / 'scale.md'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
