#!/usr/bin/env python3
"""Set up the project and run its jobs, on a machine with only Python >= 3.11.

    python3 tasks.py report [--data PATH] [--currency EUR]   # main job: notebooks -> reports/
    python3 tasks.py test                                     # lint, then pytest + nbval
    python3 tasks.py lint                                     # ruff, numpydoc checks, mypy
    python3 tasks.py docs                                     # Sphinx site -> docs/_build/html
    python3 tasks.py bench [ARGS]                             # benchmarks (see README)
    python3 tasks.py notebooks                                # re-execute and store notebook outputs
    python3 tasks.py lock [--upgrade]                         # re-resolve uv.lock after a dependency change

Each command first creates ``.venv`` and installs into it exactly the versions pinned in
``uv.lock`` (the package, editable, with all its extras), with ``uv`` from PyPI; again only
when pyproject.toml or uv.lock changed. pyproject.toml keeps loose ranges for pip users; the
lock is what the commands and CI run. A lock that no longer matches pyproject.toml stops
every command with the fix: ``python3 tasks.py lock``, then commit uv.lock.
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
UV = BIN / ("uv.exe" if os.name == "nt" else "uv")
STAMP = VENV / ".installed"
UV_VERSION = "0.13.9"
COMMANDS = {"setup", "report", "test", "lint", "docs", "bench", "notebooks", "lock"}


def run(*cmd: object, env: dict | None = None) -> None:
    """Run a command in the project folder; stop with its exit code if it fails."""
    print("+", " ".join(map(str, cmd)), flush=True)
    result = subprocess.run([str(c) for c in cmd], cwd=ROOT, env=env)
    if result.returncode:
        sys.exit(result.returncode)


def uv_env() -> dict:
    """Environment for uv: this .venv, no Python downloads, the system's certificates."""
    return dict(
        os.environ,
        UV_PROJECT_ENVIRONMENT=str(VENV),
        UV_PYTHON_DOWNLOADS="never",
        UV_SYSTEM_CERTS="1",
    )


def ensure_uv() -> None:
    """Create .venv if missing and pip-install the pinned uv into it."""
    if not PY.exists():
        venv.create(VENV, with_pip=True)
    found = (
        subprocess.run([str(UV), "--version"], capture_output=True, text=True)
        if UV.exists()
        else None
    )
    if found is None or found.returncode or UV_VERSION not in found.stdout:
        run(PY, "-m", "pip", "install", "--quiet", f"uv=={UV_VERSION}")


def _digest() -> str:
    files = [ROOT / "pyproject.toml", ROOT / "uv.lock"]
    data = UV_VERSION.encode() + b"".join(f.read_bytes() for f in files if f.exists())
    return hashlib.sha256(data).hexdigest()


def setup() -> None:
    """Install the locked environment into .venv, unless it is already up to date."""
    if sys.version_info < (3, 11):  # noqa: UP036 - tasks.py may run on an older python3
        sys.exit(f"retention-lib needs Python >= 3.11; this is {sys.version.split()[0]}.")
    if PY.exists() and STAMP.exists() and STAMP.read_text() == _digest():
        return
    ensure_uv()
    if (ROOT / "uv.lock").exists():
        stale = subprocess.run([str(UV), "lock", "--check", "--quiet"], cwd=ROOT, env=uv_env())
        if stale.returncode:
            sys.exit(
                "uv.lock does not match pyproject.toml (a dependency changed). Run "
                "`python3 tasks.py lock` and commit uv.lock."
            )
    # --locked: exactly the lock's versions; --inexact keeps pip and uv itself in .venv
    run(UV, "sync", "--all-extras", "--inexact", "--locked", env=uv_env())
    run(PY, "-m", "ipykernel", "install", "--sys-prefix", "--name", "python3")
    STAMP.write_text(_digest())  # after the sync, which may have updated uv.lock


def lint(env: dict) -> None:
    """Ruff (with the numpy-convention docstring rules), numpydoc's checks, mypy."""
    paths = ["retention_lib", "tests", "scripts", "benchmarks", "notebooks", "docs", "tasks.py"]
    run(BIN / "ruff", "check", *paths, env=env)
    run(BIN / "ruff", "format", "--check", *paths, env=env)
    # numpydoc's checks on the docstrings as help() shows them (parts filled in by _docs)
    run(PY, "scripts/check_docstrings.py", env=env)
    run(BIN / "mypy", env=env)


def docs(env: dict, rest: list[str]) -> None:
    """Sphinx with warnings as errors; the notebooks are shown with their stored outputs."""
    out = ROOT / "docs" / "_build" / "html"
    run(PY, "-m", "sphinx", "-W", "--keep-going", "-b", "html", "docs", out, *rest, env=env)
    print(f"docs: open {out / 'index.html'}")


def main(argv: list[str]) -> None:
    """Dispatch ``python3 tasks.py COMMAND [ARGS]``."""
    if not argv or argv[0] not in COMMANDS:
        sys.exit(__doc__)
    command, rest = argv[0], argv[1:]
    if command == "lock":
        ensure_uv()
        run(UV, "lock", *rest, env=uv_env())
        return
    setup()
    env = dict(os.environ, PATH=f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    if command == "report":
        run(BIN / "retention-lib", "report", "--out", "reports", *rest, env=env)
    elif command == "lint":
        lint(env)
    elif command == "docs":
        docs(env, rest)
    elif command == "test":
        lint(env)
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
