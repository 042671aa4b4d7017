"""Command line: ``retention-lib report --data PATH [--currency EUR] [--out DIR]``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="retention-lib", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    rep = sub.add_parser("report", help="run the analysis notebooks and write an HTML report")
    rep.add_argument(
        "--data",
        default=None,
        help="transaction log (CSV, CSV.GZ, Parquet, Excel); default: bundled sample",
    )
    rep.add_argument("--currency", default="EUR", help="reporting currency (default EUR)")
    rep.add_argument("--out", default="reports", help="output folder (default reports/)")
    rep.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)

    if args.command == "report":
        from papermill.exceptions import PapermillExecutionError

        from .report import build_report

        try:
            path = build_report(
                args.data, currency=args.currency, out_dir=args.out, progress=not args.quiet
            )
        except FileNotFoundError as exc:
            print(f"retention-lib: error: {exc}", file=sys.stderr)
            return 2
        except PapermillExecutionError as exc:
            # the notebook raised: show the library's one-line message, not the traceback
            print(f"retention-lib: error: {exc.ename}: {exc.evalue}", file=sys.stderr)
            return 1
        print(f"Report written to {path}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
