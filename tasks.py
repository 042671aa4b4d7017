#!/usr/bin/env python3
"""Set up the project and run its jobs, on a machine with only Python >= 3.11.

    python3 tasks.py report [--data PATH] [--currency EUR]   # main job: notebooks -> reports/
    python3 tasks.py test                                     # pytest + nbval over notebooks/
    python3 tasks.py bench [ARGS]                             # benchmarks (see README)
    python3 tasks.py notebooks                                # re-execute and store notebook outputs

Each command first creates ``.venv`` and installs the package with its test extras
(again only when pyproject.toml changed).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".installed"


def run(*cmd: object, env: dict | None = None) -> None:
    print("+", " ".join(map(str, cmd)), flush=True)
    result = subprocess.run([str(c) for c in cmd], cwd=ROOT, env=env)
    if result.returncode:
        sys.exit(result.returncode)


def setup() -> None:
    if sys.version_info < (3, 11):  # noqa: UP036 - tasks.py may run on an older python3
        sys.exit(f"retention-lib needs Python >= 3.11; this is {sys.version.split()[0]}.")
    if not PY.exists():
        venv.create(VENV, with_pip=True)
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if STAMP.exists() and STAMP.read_text() == digest:
        return
    run(PY, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(PY, "-m", "pip", "install", "--quiet", "-e", ".[test]")
    run(PY, "-m", "ipykernel", "install", "--sys-prefix", "--name", "python3")
    STAMP.write_text(digest)


def main(argv: list[str]) -> None:
    if not argv or argv[0] not in {"setup", "report", "test", "bench", "notebooks"}:
        sys.exit(__doc__)
    command, rest = argv[0], argv[1:]
    setup()
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    if command == "report":
        run(BIN / "retention-lib", "report", "--out", "reports", *rest, env=env)
    elif command == "test":
        run(
            PY,
            "-m",
            "pytest",
            "tests",
            "notebooks",
            "--nbval-lax",
            "--nbval-sanitize-with",
            "tests/nbval_sanitize.cfg",
            "-p",
            "no:cacheprovider",
            *rest,
            env=env,
        )
    elif command == "bench":
        run(PY, "benchmarks/run.py", *rest, env=env)
    elif command == "notebooks":
        run(PY, "scripts/refresh_notebooks.py", *rest, env=env)


if __name__ == "__main__":
    main(sys.argv[1:])
