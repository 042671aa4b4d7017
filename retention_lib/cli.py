"""Command line: ``retention-lib report [--config FILE] [--data PATH] [options] [--out DIR]``.

Runs the analysis notebooks on the bundled sample or on your own transaction log and writes
one code-free HTML report (and, with ``--pdf``, a PDF). Every setting can come from a flag or
from a TOML config file (``--config client.toml``; flags win); the run writes the
configuration it used to ``OUT/config.toml``. Bad input stops with a one-line error and a
non-zero exit.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

#: Exit codes: 0 done, 1 the data or a notebook failed, 2 a file is missing / bad usage.
EXIT_ERROR, EXIT_MISSING = 1, 2

#: Flag destinations that are settings of the run configuration (the rest steer the CLI).
_SETTING_FLAGS = {
    "data_path": "--data",
    "survey_path": "--survey",
    "sample_customers": "--sample-customers",
    "currency": "--currency",
    "source_currency": "--source-currency",
    "date_format": "--date-format",
    "dayfirst": "--dayfirst",
    "sep": "--sep",
    "decimal": "--decimal",
    "encoding": "--encoding",
    "by": "--by",
    "horizon_months": "--horizon-months",
    "discount_rate": "--discount-rate",
    "holdout_weeks": "--holdout-weeks",
    "experiment": "--experiment",
    "model": "--model",
    "penalizer": "--penalizer",
    "margin": "--margin",
    "retention_cost": "--retention-cost",
    "title": "--title",
}


def _parser() -> argparse.ArgumentParser:
    from .config import COLUMN_FLAGS, MODEL_CHOICES

    parser = argparse.ArgumentParser(
        prog="retention-lib",
        description="Customer retention analytics: write the HTML retention report.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    rep = sub.add_parser(
        "report",
        help="run the analysis notebooks and write an HTML report",
        description="Run the analysis notebooks (papermill) on a transaction log and write "
        "OUT/retention_report.html without code, the configuration used (OUT/config.toml), "
        "CSV/Parquet exports (OUT/exports) and the executed notebooks (OUT/notebooks). "
        "Settings come from the flags, then from --config, then from the defaults.",
    )
    rep.add_argument(
        "--config", default=None, metavar="FILE", help="TOML config file (flags override it)"
    )
    rep.add_argument(
        "--out", default="reports", metavar="DIR", help="output folder (default reports/)"
    )
    rep.add_argument("--pdf", action="store_true", help="also write the report as PDF (Chromium)")
    rep.add_argument(
        "--notebook",
        action="append",
        default=None,
        metavar="PATH",
        help="run this notebook instead of the bundled analysis notebooks (repeatable)",
    )
    rep.add_argument("--quiet", action="store_true", help="no progress output")
    rep.add_argument("--debug", action="store_true", help="show the full traceback on errors")

    data = rep.add_argument_group("the data")
    data.add_argument(
        "--data",
        dest="data_path",
        metavar="PATH",
        help="transaction log (CSV, CSV.GZ, Parquet, Excel), a folder of Parquet files or a "
        "database URI with the table after # (read in place: the report reads a sample of "
        "its customers); default: the bundled sample",
    )
    data.add_argument("--currency", help="reporting currency, ISO 4217 (default EUR)")
    data.add_argument(
        "--source-currency",
        metavar="CODE",
        help="currency of the amounts when the log has no currency column "
        "(default: taken to be --currency)",
    )
    data.add_argument("--survey", dest="survey_path", metavar="PATH", help="survey answers file")
    data.add_argument(
        "--sample-customers",
        type=int,
        metavar="N",
        help="for a Parquet folder or database: customers whose rows the per-customer "
        "sections read (default 200000; the models fit on every customer)",
    )
    data.add_argument("--date-format", metavar="FMT", help="strftime format of the dates")
    data.add_argument(
        "--dayfirst", action="store_const", const=True, help="dates are day/month/year"
    )
    data.add_argument("--sep", metavar="CHAR", help="column delimiter (default: ',')")
    data.add_argument("--decimal", metavar="CHAR", help="decimal mark, '.' or ','")
    data.add_argument("--encoding", metavar="NAME", help="text encoding (default UTF-8)")
    columns = rep.add_argument_group(
        "column mapping", "the log's column for each canonical column (default: recognised)"
    )
    for canon, flag in COLUMN_FLAGS.items():
        columns.add_argument(flag, dest=f"column_{canon}", metavar="COL", help=f"`{canon}`")

    analysis = rep.add_argument_group("analysis")
    analysis.add_argument(
        "--by",
        action="append",
        metavar="COL",
        help="grouping column of the per-group figures (repeatable; default region)",
    )
    analysis.add_argument(
        "--horizon-months", type=int, metavar="N", help="CLV horizon in months (default 12)"
    )
    analysis.add_argument(
        "--discount-rate", type=float, metavar="R", help="monthly discount rate (default 0.01)"
    )
    analysis.add_argument(
        "--holdout-weeks",
        type=int,
        metavar="N",
        help="holdout of the CLV check (default: up to 26, chosen from the history)",
    )
    analysis.add_argument(
        "--model",
        choices=MODEL_CHOICES,
        help="purchase model (default bgnbd; auto = the holdout comparison's choice)",
    )
    analysis.add_argument(
        "--experiment",
        metavar="COL",
        help="column flagging the customers who got a campaign (treatment); without it no "
        "A/B test is shown",
    )
    analysis.add_argument(
        "--penalizer", type=float, metavar="X", help="penalty on the model parameters (default 0)"
    )

    business = rep.add_argument_group(
        "business inputs", "without them no figure rests on an example value"
    )
    business.add_argument(
        "--margin", type=float, metavar="M", help="profit margin, 0-1 (default 1: revenue)"
    )
    business.add_argument(
        "--cac",
        action="append",
        metavar="COST|SEGMENT=COST",
        help="acquisition cost per customer, overall or per segment (repeatable)",
    )
    business.add_argument(
        "--retention-cost", type=float, metavar="COST", help="cost of a retention programme"
    )
    rep.add_argument("--title", help="report title")
    return parser


def _fail(message: object, code: int) -> int:
    print(f"retention-lib: error: {' '.join(str(message).split())}", file=sys.stderr)
    return code


def _settings(args: argparse.Namespace) -> tuple[dict[str, Any], dict[str, str]]:
    """The settings the user gave as flags, and the flag each came from."""
    from ._validation import DataValidationError
    from .config import COLUMN_FLAGS

    given: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for dest, flag in _SETTING_FLAGS.items():
        value = getattr(args, dest)
        if value is not None:
            given[dest], origins[dest] = value, flag
    for canon, flag in COLUMN_FLAGS.items():
        value = getattr(args, f"column_{canon}")
        if value is not None:
            given.setdefault("columns", {})[canon] = value
            origins[f"columns.{canon}"] = flag
    for text in args.cac or ():
        segment, _, cost = text.rpartition("=")
        try:
            number = float(cost)
        except ValueError:
            raise DataValidationError(
                f"`--cac` must be a cost (`--cac 40`) or SEGMENT=COST (`--cac organic=2`); "
                f"got {text!r}."
            ) from None
        if segment:
            given.setdefault("cac_by_segment", {})[segment.strip()] = number
            origins["cac_by_segment"] = "--cac"
        elif "cac" in given:
            raise DataValidationError(
                f"`--cac` gives one overall cost; got {given['cac']:g} and {number:g}. Give "
                "costs per segment as SEGMENT=COST."
            )
        else:
            given["cac"], origins["cac"] = number, "--cac"
    return given, origins


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
        given, origins = _settings(args)
        path = build_report(
            config=args.config,
            out_dir=args.out,
            notebooks=args.notebook,
            pdf=args.pdf,
            progress=not args.quiet,
            origins=origins,
            **given,
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
    if args.pdf:
        print(f"PDF written to {path.with_suffix('.pdf')}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
