"""numpydoc's checks on the docstrings a user reads: ``help(f)``, the API reference.

Run by ``python3 tasks.py lint``. ``numpydoc lint`` reads the source text, so it cannot see a
docstring part that :mod:`retention_lib._docs` fills in at import; this script imports each
public module and hands numpydoc's validator the objects themselves, with the checks and the
exclusions of ``[tool.numpydoc_validation]`` in pyproject.toml. It prints one line per finding
(``module.name: CODE message``) and exits 1 when there is any.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import re
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

from numpydoc.validate import validate

ROOT = Path(__file__).resolve().parent.parent


def public_modules() -> list[str]:
    """Dotted names of the package's modules with no private part."""
    out = []
    for path in sorted((ROOT / "retention_lib").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if any(part.startswith("_") for part in parts[1:-1]) or (
            parts[-1].startswith("_") and parts[-1] != "__init__"
        ):
            continue
        out.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return out


def documented(module_name: str) -> Iterator[tuple[str, object]]:
    """The functions, classes, methods and properties ``module_name`` defines, by dotted name."""
    module = importlib.import_module(module_name)
    for name, obj in vars(module).items():
        if getattr(obj, "__module__", None) != module_name:
            continue
        if inspect.isfunction(obj):
            yield f"{module_name}.{name}", obj
        elif inspect.isclass(obj):
            yield f"{module_name}.{name}", obj
            for attr, member in vars(obj).items():
                member = getattr(member, "fget", member)  # a property's getter
                member = getattr(member, "__func__", member)  # classmethod, staticmethod
                if inspect.isfunction(member):
                    yield f"{module_name}.{name}.{attr}", member


def main() -> int:
    """Validate every public docstring; print the findings; 1 when there are any."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["numpydoc_validation"]
    checks = set(config["checks"])
    exclude = [re.compile(p) for p in config.get("exclude", [])]
    findings = []
    for module_name in public_modules():
        for name, obj in documented(module_name):
            if any(p.search(name) for p in exclude):
                continue
            result = validate(name)
            # a dataclass's fields are its Attributes, not Parameters to document twice
            skip = {"PR01", "PR02"} if dataclasses.is_dataclass(obj) else set()
            for code, message in result["errors"]:
                if code in checks - skip:
                    findings.append(f"{name}: {code} {message}")
    print("\n".join(findings) if findings else "numpydoc: no findings")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
