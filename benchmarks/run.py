"""Benchmark dispatcher for ``python3 tasks.py bench NAME [ARGS]``.

python3 tasks.py bench scale --sizes 1e5     # benchmarks/scale.py (DuckDB / pandas at scale)
python3 tasks.py bench clv --customers 50000 # benchmarks/bench_clv.py (vs lifetimes)
python3 tasks.py bench cohorts --pandas 1e5 --duckdb 1e6  # benchmarks/cohorts.py (vs group-by)
python3 tasks.py bench regions               # benchmarks/regions.py (country names in other languages)
python3 tasks.py bench bad-inputs            # benchmarks/bad_inputs.py (the bad-input corpus)
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = {
    "scale": "scale.py",
    "clv": "bench_clv.py",
    "cohorts": "cohorts.py",
    "database": "database.py",
    "regions": "regions.py",
    "bad-inputs": "bad_inputs.py",
}


def main(argv: list[str]) -> None:
    if not argv or argv[0] not in SCRIPTS:
        sys.exit(__doc__ + f"\nchoose one of: {', '.join(SCRIPTS)}")
    script = HERE / SCRIPTS[argv[0]]
    sys.argv = [str(script), *argv[1:]]
    runpy.run_path(str(script), run_name="__main__")


if __name__ == "__main__":
    main(sys.argv[1:])
