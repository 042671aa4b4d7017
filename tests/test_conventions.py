"""Conventions of the code base that a reading of the source checks (issue 13)."""

from __future__ import annotations

import ast
from pathlib import Path

import retention_lib

PACKAGE = Path(retention_lib.__file__).resolve().parent


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
