"""Database benchmark: the analyses run as SQL in PostgreSQL, against pandas on the same rows.

    .venv/bin/python benchmarks/database.py                      # four months of the UCI log
    .venv/bin/python benchmarks/database.py --end 2011-12-10     # the whole log

Starts a throw-away server as the tests do (``tests/pg_server.py``; or the one of
``RETENTION_TEST_POSTGRES``), copies the UCI Online Retail rows from ``--start`` to ``--end``
into a table, and times each step once on the database (``scan_transactions(uri,
table=...)``; the query runs in PostgreSQL, a small result comes back) and on pandas.
"""

from __future__ import annotations

import argparse
import io
import sys
import time
import warnings
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

import retention_lib as rl  # noqa: E402
from retention_lib.clv import rfm_summary  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    import psycopg
    from conftest import ONLINE_RETAIL
    from pg_server import start

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--start", default="2010-12-01")
    parser.add_argument("--end", default="2011-04-01")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    raw = pd.read_csv(ONLINE_RETAIL, dtype={"InvoiceNo": str, "StockCode": str})
    raw["InvoiceDate"] = pd.to_datetime(raw["InvoiceDate"])
    raw = raw[(raw["InvoiceDate"] >= args.start) & (raw["InvoiceDate"] < args.end)]
    raw = raw.reset_index(drop=True).astype({"CustomerID": "Int64"})
    server = start()
    try:
        buffer = io.StringIO()
        raw.to_csv(buffer, index=False, header=False)
        with psycopg.connect(server.uri, autocommit=True) as con:
            con.execute(
                'CREATE TABLE online_retail ("InvoiceNo" text, "StockCode" text, '
                '"Description" text, "Quantity" integer, "InvoiceDate" timestamp, '
                '"UnitPrice" double precision, "CustomerID" bigint, "Country" text)'
            )
            with con.cursor().copy("COPY online_retail FROM STDIN (FORMAT csv)") as copy:
                copy.write(buffer.getvalue())
        options = {"analysis_date": "2012-01-01"}
        rows = []

        def timed(step, db_call, pandas_call):
            t0 = time.perf_counter()
            db = db_call()
            t1 = time.perf_counter()
            local = pandas_call()
            t2 = time.perf_counter()
            rows.append((step, t1 - t0, t2 - t1))
            return db, local

        db, local = timed(
            "scan + clean (report counts)",
            lambda: rl.clean_transactions(
                rl.scan_transactions(server.uri, table="online_retail", **options)
            )[0],
            lambda: rl.clean_transactions(rl.load_transactions(raw, **options))[0],
        )
        timed(
            "cohort_retention (M)",
            lambda: rl.cohort_retention(db),
            lambda: rl.cohort_retention(local),
        )
        timed(
            "revenue_retention (M)",
            lambda: rl.revenue_retention(db),
            lambda: rl.revenue_retention(local),
        )
        timed("churn_table (M)", lambda: rl.churn_table(db), lambda: rl.churn_table(local))
        timed("rfm_summary (W)", lambda: rfm_summary(db), lambda: rfm_summary(local))
        timed("pareto_table", lambda: rl.pareto_table(db), lambda: rl.pareto_table(local))
    finally:
        server.stop()
    print(f"UCI Online Retail {args.start} .. {args.end}: {len(raw):,} rows in PostgreSQL\n")
    print("| step | PostgreSQL | pandas |\n|---|---:|---:|")
    for step, a, b in rows:
        print(f"| {step} | {a:.2f} s | {b:.2f} s |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
