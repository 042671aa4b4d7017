"""Classify what each call of the bad-input corpus (``tests/test_bad_inputs.py``) gives.

    python benchmarks/bad_inputs.py [--timeout 60] [--json out.json] [--show deep,silent]

Each call ends in one of:

- ``clear``: an error raised by retention_lib itself that names the argument or column (a
  ``RetentionLibError``, or a ``TypeError``/``ValueError``/``FileNotFoundError`` raised in a
  retention_lib frame with a backtick-quoted name in its message);
- ``correct``: a result that passes the case's check;
- ``deep``: any other exception (``KeyError``, ``AttributeError``, ``IndexError``, an error
  from inside pandas, numpy, pyarrow, narwhals, ...);
- ``silent``: a result where the corpus expects an error, or one that fails its check;
- ``hang``: still running after ``--timeout`` seconds.

Run it against another checkout with ``PYTHONPATH=that/checkout``: cases that use arguments
added by issue 11 (``new_api``) are then skipped, and names the corpus needs that the older
package lacks (``InputTypeError``, ``DataPathError``) are stood in for by their base class.
"""

from __future__ import annotations

import argparse
import collections
import importlib.util
import json
import re
import signal
import sys
import traceback
import warnings
from pathlib import Path

import matplotlib.pyplot as plt

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("clear", "correct", "deep", "silent", "hang")


class _Timeout(Exception):
    pass


def _absent(name: str):
    def stub(*args, **kwargs):
        raise NotImplementedError(f"{name} is not in this package")

    stub.__name__ = name
    stub.absent = True
    return stub


def _alarm(signum, frame):  # noqa: ANN001
    raise _Timeout


def _load_corpus():
    import matplotlib

    matplotlib.use("Agg")

    import retention_lib as rl

    # an older package: the corpus's newer error classes stand for their base class there,
    # and the functions it does not have yet are stubs whose cases are skipped
    for name, base in (("InputTypeError", TypeError), ("DataPathError", FileNotFoundError)):
        if not hasattr(rl, name):
            setattr(rl, name, base)
    import retention_lib.plotting
    import retention_lib.report
    import retention_lib.widgets

    modules = {"rl": rl, "plotting": rl.plotting, "widgets": rl.widgets, "report": rl.report}
    text = (ROOT / "tests" / "test_bad_inputs.py").read_text()
    for prefix, name in set(re.findall(r"\b(rl|plotting|widgets|report)\.([A-Za-z_]\w*)", text)):
        if not hasattr(modules[prefix], name):
            setattr(modules[prefix], name, _absent(name))
    spec = importlib.util.spec_from_file_location("corpus", ROOT / "tests" / "test_bad_inputs.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["corpus"] = module
    spec.loader.exec_module(module)
    return rl, module


def _raised_by_library(exc: BaseException, package: Path) -> bool:
    frames = traceback.extract_tb(exc.__traceback__)
    return bool(frames) and Path(frames[-1].filename).resolve().is_relative_to(package)


def classify(case, rl, package: Path, timeout: float) -> tuple[str, str]:
    """(kind, what happened) of one case."""
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = case.run()
    except _Timeout:
        return "hang", f"still running after {timeout:g} s"
    except BaseException as exc:  # noqa: BLE001 - classifying every outcome is the point
        text = f"{type(exc).__name__}: {' '.join(str(exc).split())[:200]}"
        if isinstance(exc, rl.RetentionLibError):
            return "clear", text
        plain = isinstance(exc, (TypeError, ValueError, FileNotFoundError, SystemExit))
        if plain and _raised_by_library(exc, package) and "`" in str(exc):
            return "clear", text
        return "deep", text
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        plt.close("all")
    if case.raises is not None:
        return "silent", f"returned {type(result).__name__}; expected {case.raises[0].__name__}"
    try:
        good = bool(case.check(result))
    except Exception as exc:  # noqa: BLE001
        good = False
        return "silent", f"check failed: {type(exc).__name__}: {exc}"
    return ("correct", "check passed") if good else ("silent", "check failed")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per call")
    parser.add_argument("--json", type=Path, help="write every case's outcome here")
    parser.add_argument("--show", default="deep,silent,hang", help="kinds to list one by one")
    args = parser.parse_args(argv)

    rl, corpus = _load_corpus()
    package = Path(rl.__file__).resolve().parent
    signal.signal(signal.SIGALRM, _alarm)
    counts: collections.Counter[str] = collections.Counter()
    rows = []
    skipped = 0
    for case in corpus.CASES:
        absent = getattr(case.target, "absent", False)
        if absent or (case.new_api and rl.InputTypeError is TypeError):
            skipped += 1
            continue
        kind, what = classify(case, rl, package, args.timeout)
        counts[kind] += 1
        rows.append({"id": case.id, "kind": kind, "outcome": what})
    shown = set(args.show.split(","))
    for row in rows:
        if row["kind"] in shown:
            print(f"{row['kind']:<7} {row['id']}: {row['outcome']}")
    total = sum(counts.values())
    print(f"\nretention_lib from {package}")
    print(f"{total} calls ({skipped} skipped: functions or arguments the package does not have)")
    for kind in KINDS:
        print(f"  {kind:<8} {counts[kind]:>4}")
    if args.json:
        args.json.write_text(json.dumps({"counts": counts, "cases": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
