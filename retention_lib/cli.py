"""Command line: ``retention-lib report [--data PATH] [--currency EUR] [--out DIR]``.

Runs the analysis notebooks on the bundled sample or on your own transaction log and writes
one code-free HTML report. Bad input stops with a one-line error and a non-zero exit.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

#: Exit codes: 0 done, 1 the data or a notebook failed, 2 a file is missing / bad usage.
EXIT_ERROR, EXIT_MISSING = 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="retention-lib",
        description="Customer retention analytics: write the HTML retention report.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    rep = sub.add_parser(
        "report",
        help="run the analysis notebooks and write an HTML report",
        description="Run the analysis notebooks (papermill) on a transaction log and write "
        "OUT/retention_report.html without code, plus the executed notebooks in OUT/notebooks.",
    )
    rep.add_argument(
        "--data",
        default=None,
        metavar="PATH",
        help="transaction log (CSV, CSV.GZ, Parquet, Excel); default: the bundled sample",
    )
    rep.add_argument("--currency", default="EUR", help="reporting currency, ISO 4217 (default EUR)")
    rep.add_argument(
        "--source-currency",
        default=None,
        metavar="CODE",
        help="currency of the amounts when the log has no currency column "
        "(default: taken to be --currency)",
    )
    rep.add_argument(
        "--out", default="reports", metavar="DIR", help="output folder (default reports/)"
    )
    rep.add_argument("--title", default="Customer retention report", help="report title")
    rep.add_argument(
        "--notebook",
        action="append",
        default=None,
        metavar="PATH",
        help="run this notebook instead of the bundled analysis notebooks (repeatable)",
    )
    rep.add_argument("--quiet", action="store_true", help="no progress output")
    rep.add_argument("--debug", action="store_true", help="show the full traceback on errors")
    return parser


def _fail(message: object, code: int) -> int:
    print(f"retention-lib: error: {' '.join(str(message).split())}", file=sys.stderr)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``retention-lib`` console script; returns the exit code.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments (default: ``sys.argv[1:]``).
    """
    args = _parser().parse_args(argv)
    if args.command != "report":  # pragma: no cover - argparse enforces the choice
        return EXIT_MISSING

    import warnings

    from ._validation import RetentionLibError
    from .report import build_report

    def one_line_warning(message, category, filename, lineno, line=None):  # noqa: ANN001
        return f"retention-lib: {category.__name__}: {' '.join(str(message).split())}\n"

    warnings.formatwarning = one_line_warning

    try:
        path = build_report(
            args.data,
            currency=args.currency,
            source_currency=args.source_currency,
            out_dir=args.out,
            notebooks=args.notebook,
            title=args.title,
            progress=not args.quiet,
        )
    except KeyboardInterrupt:
        return _fail("interrupted", 130)
    except Exception as exc:
        if args.debug:
            raise
        if isinstance(exc, FileNotFoundError):
            return _fail(exc, EXIT_MISSING)
        if isinstance(exc, RetentionLibError):
            return _fail(exc, EXIT_ERROR)
        return _fail(f"{type(exc).__name__}: {exc} (run with --debug for details)", EXIT_ERROR)
    print(f"Report written to {path}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
