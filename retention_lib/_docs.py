"""Docstring parts that several public functions share, written once and filled in at import.

A docstring names a part on a line of its own, ``{name}``, indented as the part should be;
:func:`fill` replaces that line with the part (every line of it indented the same). Only
whole-line placeholders are filled, so braces elsewhere in a docstring (formulas, dicts) are
left alone, and an unknown name is an error at import, never a placeholder left in the help.
This is how seaborn (``_docstrings.DocstringComponents``) and pandas (``@doc``) keep a
parameter's description the same across their functions.

``scripts/check_docstrings.py`` (run by ``python3 tasks.py lint``) checks the filled
docstrings, as ``help()`` and the API reference show them.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable, Mapping
from typing import TypeVar

T = TypeVar("T")

_LINE = re.compile(r"^(?P<indent>[ \t]*)\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)\}[ \t]*$", re.M)

#: parts any module may name; a module adds its own with :func:`filler`
PARTS: dict[str, str] = {
    "ax": """
        ax : matplotlib.axes.Axes, optional
            Axes to draw on; by default the current Axes (``plt.gca()``: the open figure's, or a
            new figure's when none is open).
        """,
    "returns_ax": """
        Returns
        -------
        matplotlib.axes.Axes
            The axes drawn on.
        """,
    "model_settings": """
        penalizer_coef : float, default 0.0
            L2 penalty on the parameters (lifetimes' ``penalizer_coef``); a small value such as
            0.001 stabilises fits on sparse data.
        max_iterations : int, default 2000
            Most optimiser iterations (lifetimes' ``maxiter``; also retention-lib's start).
        max_seconds : float, default 300
            Time budget of one fit; exceeding it raises :class:`FitError`.
        """,
}


def fill_text(doc: str, parts: Mapping[str, str]) -> str:
    """``doc`` with each whole-line ``{name}`` replaced by ``parts[name]``, indented alike.

    Raises
    ------
    KeyError
        A placeholder names no part.
    """

    def replace(match: re.Match[str]) -> str:
        name, indent = match["name"], match["indent"]
        if name not in parts:
            raise KeyError(f"docstring part {{{name}}} is not defined in retention_lib._docs")
        body = textwrap.dedent(parts[name]).strip("\n")
        return textwrap.indent(body, indent, lambda line: bool(line.strip()))

    return _LINE.sub(replace, doc)


def filler(**parts: str) -> Callable[[T], T]:
    """A decorator that fills an object's docstring from :data:`PARTS` and ``parts``."""
    table = {**PARTS, **parts}

    def decorate(obj: T) -> T:
        if obj.__doc__:
            obj.__doc__ = fill_text(obj.__doc__, table)
        return obj

    return decorate


#: fill from :data:`PARTS` alone
fill = filler()
