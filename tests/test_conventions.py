"""House rules that the code itself can be checked for (STYLE.md, "Shape of the code"; issue 13).

No computation reads ``DataFrame.attrs``: settings are arguments or fields of a result object.

No module imports another's private helpers: a helper shared by two modules lives in a private
module (``_schema``, ``clv/_units``, ...) or is a public, documented name (``PurchaseModel``).
Importing a private *module* (``from . import _reading``) is how shared helpers are reached.
"""

from __future__ import annotations

import ast
from pathlib import Path

import retention_lib

PACKAGE = Path(retention_lib.__file__).parent

#: private names still imported from a public module, each with the work that removes it;
#: the test below fails when one is gone, so this list only shrinks (empty: none left)
KNOWN: set[str] = set()


def _module_parts(path: Path) -> list[str]:
    parts = ["retention_lib", *path.relative_to(PACKAGE).with_suffix("").parts]
    return parts[:-1] if parts[-1] == "__init__" else parts


def _is_module(parts: list[str]) -> bool:
    base = PACKAGE.parent.joinpath(*parts)
    return base.with_suffix(".py").exists() or (base / "__init__.py").exists()


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def private_imports(path: Path, source: str | None = None) -> list[str]:
    """Each ``from <public module> import _name`` and ``<public module alias>._name`` in
    ``path`` (or in ``source``, as if it were that file), as ``file: statement``."""
    tree = ast.parse(path.read_text(encoding="utf-8") if source is None else source)
    parts = _module_parts(path)
    package = parts if path.name == "__init__.py" else parts[:-1]
    where = path.relative_to(PACKAGE).as_posix()
    found, modules = [], {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                target = package[: len(package) - node.level + 1]
                target = target + (node.module.split(".") if node.module else [])
            else:
                target = (node.module or "").split(".")
            if target[0] != "retention_lib":
                continue
            for alias in node.names:
                if _is_module([*target, alias.name]):
                    modules[alias.asname or alias.name] = [*target, alias.name]
                elif _private(alias.name) and not _private(target[-1]):
                    found.append(f"{where}: from {'.'.join(target)} import {alias.name}")
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("retention_lib.") and alias.asname:
                    modules[alias.asname] = alias.name.split(".")
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
            and _private(node.attr)
            and not _private(modules[node.value.id][-1])
            and not _is_module([*modules[node.value.id], node.attr])
        ):
            found.append(f"{where}:{node.lineno}: {node.value.id}.{node.attr}")
    return found


def _all_private_imports() -> set[str]:
    return {hit for path in sorted(PACKAGE.rglob("*.py")) for hit in private_imports(path)}


def test_no_module_imports_another_modules_private_helpers() -> None:
    assert _all_private_imports() - KNOWN == set()


def test_the_known_private_imports_are_still_there() -> None:
    # a known one that is fixed leaves the list, so it cannot hide a new one later
    assert KNOWN - _all_private_imports() == set()


def test_the_check_sees_a_private_import() -> None:
    probe = PACKAGE / "clv" / "_probe_conventions.py"
    assert private_imports(probe, _PROBE) == [
        "clv/_probe_conventions.py: from retention_lib.clv.models import _compress",
        "clv/_probe_conventions.py: from retention_lib.cohorts import _Cohorts",
        "clv/_probe_conventions.py:6: pareto._helper",
    ]


_PROBE = """
from . import _units, models
from .models import _compress, BetaGeoModel
from .. import pareto
from ..cohorts import _Cohorts
pareto._helper(_units._private_is_fine)
"""


# ----------------------------------------------------------------------------- attrs


def _attrs_reads(tree: ast.AST) -> list[int]:
    """Lines where ``x.attrs`` is read: anything but ``x.attrs = ...``,
    ``x.attrs[key] = ...`` and ``x.attrs.update(...)`` (writes for the user's information),
    and ``getattr(x, "attrs", ...)``."""
    writes: set[int] = set()  # id() of the Attribute nodes that are written to
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store | ast.Del):
            writes.add(id(node.value))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "update"
        ):
            writes.add(id(node.func.value))
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and node.attr == "attrs":
            if isinstance(node.ctx, ast.Store) or id(node) in writes:
                continue
            lines.append(node.lineno)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in {"getattr", "hasattr"}
            and len(node.args) >= 2
            and isinstance(node.args[1], ast.Constant)
            and node.args[1].value == "attrs"
        ):
            lines.append(node.lineno)
    return sorted(lines)


def test_the_checker_finds_every_kind_of_read() -> None:
    source = "\n".join(
        [
            "a = t.attrs['by']",  # 1: subscript load
            "b = t.attrs.get('period')",  # 2: .get
            "c = dict(t.attrs)",  # 3: passed along
            "d = 'kind' in t.attrs",  # 4: membership
            "e = getattr(t, 'attrs', {})",  # 5: getattr
            "t.attrs = {'by': None}",  # write
            "t.attrs['notes'] = []",  # write
            "t.attrs.update(kind='survival')",  # write
            "u.attrs = dict(t.attrs)",  # 9: a copy reads t.attrs
        ]
    )
    assert _attrs_reads(ast.parse(source)) == [1, 2, 3, 4, 5, 9]


#: Functions that still read ``attrs``: the RFM summary's record of its ``time_unit`` and
#: ``grain`` (written by ``rfm_summary`` / ``calibration_holdout_split``), which the purchase
#: models check an explicit ``time_unit=`` against. Not yet replaced by an argument (issue 13,
#: item 5): ``grain='D'`` summaries are fitted without ``grain=`` in ~70 places. No other
#: function may join this list.
LEFT = {
    "clv/_units.py": {"recorded"},
    "clv/models.py": {"_calibration_columns"},
    "clv/validation.py": {"_calibration_view"},
}


def _functions(tree: ast.AST) -> dict[int, str]:
    """The name of the innermost function holding each line."""
    owner: dict[int, tuple[int, str]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for line in range(node.lineno, (node.end_lineno or node.lineno) + 1):
                if line not in owner or owner[line][0] < node.lineno:
                    owner[line] = (node.lineno, node.name)
    return {line: name for line, (_, name) in owner.items()}


def test_no_computation_reads_dataframe_attrs() -> None:
    """Settings are arguments or fields of a result object, never ``DataFrame.attrs``
    (experimental in pandas and lost on a round trip): see the glossary."""
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        where = _functions(tree)
        name = path.relative_to(PACKAGE).as_posix()
        for line in _attrs_reads(tree):
            if where.get(line) not in LEFT.get(name, set()):
                found.append(f"{name}:{line}")
    assert found == [], "reads of `.attrs`: " + ", ".join(found)
