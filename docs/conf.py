"""Sphinx configuration: ``python3 tasks.py docs`` builds docs/_build/html with -W.

The API reference is written here, at build time, from the package's ``__all__`` lists (one
page per defining module), so a new public name appears without editing the docs. The user
guide is the notebooks folder (``docs/user_guide`` links to it), shown with the outputs stored
in the notebooks: nothing is executed.
"""

from __future__ import annotations

import importlib
import inspect
import pprint
import textwrap
from collections import defaultdict
from pathlib import Path

import retention_lib

HERE = Path(__file__).resolve().parent

project = "retention-lib"
author = "retention-lib developers"
release = retention_lib.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "myst_nb",
]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb", ".ipynb": "myst-nb"}
exclude_patterns = ["_build", "**/.ipynb_checkpoints"]
html_theme = "furo"
html_title = f"retention-lib {release}"

# notebooks: their stored outputs, never executed while building
nb_execution_mode = "off"
# widget views need a live kernel; their text/plain fallback is shown instead
nb_mime_priority_overrides = [
    ("html", "application/vnd.jupyter.widget-view+json", None),
]
myst_enable_extensions = ["dollarmath", "colon_fence"]
myst_heading_anchors = 3

autodoc_default_options = {"members": True, "inherited-members": False}
autodoc_typehints = "none"  # the numpydoc Parameters sections say the types
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

# where a name is defined -> title of its page in the API reference
SECTIONS = {
    "loading": "Loading transactions",
    "pipeline": "Load and clean in one call",
    "cleaning": "Cleaning",
    "currency": "Currency",
    "regions": "Regions and countries",
    "cohorts": "Cohort retention",
    "cohort_stats": "Cohort statistics",
    "contractual": "Contractual retention models",
    "projection": "Retention projection",
    "net_revenue": "Net revenue retention",
    "clv.summary": "CLV: RFM summaries",
    "clv.discrete": "CLV: discrete-time summaries",
    "clv.models": "CLV: purchase and spend models",
    "clv.selection": "CLV: model selection",
    "clv.validation": "CLV: holdout validation",
    "clv.value": "CLV: lifetime value",
    "clv._cdnow": "CLV: bundled CDNOW data",
    "pareto": "Pareto and concentration",
    "segments": "RFM segments and churn risk",
    "groups": "Groups",
    "kpis.rates": "KPIs: retention rates",
    "kpis.surveys": "KPIs: survey scores",
    "kpis.unit_economics": "KPIs: unit economics",
    "_schema": "Transaction schema",
    "abtest": "A/B tests",
    "whatif": "What-if scenarios",
    "datasets": "Datasets",
    "simulation": "Simulation",
    "_validation": "Errors and warnings",
    "plotting": "Plotting",
    "widgets": "Widgets",
}


def _write_api() -> None:
    pages: dict[str, list[tuple[str, str, object]]] = defaultdict(list)
    packages = {
        "retention_lib": retention_lib,
        "retention_lib.plotting": importlib.import_module("retention_lib.plotting"),
        "retention_lib.widgets": importlib.import_module("retention_lib.widgets"),
    }
    for prefix, package in packages.items():
        for name in package.__all__:
            obj = getattr(package, name)
            module = getattr(obj, "__module__", None) if callable(obj) else None
            if prefix != "retention_lib":
                key = prefix.removeprefix("retention_lib.")
            elif module and module.startswith("retention_lib."):
                key = module.removeprefix("retention_lib.")
            else:
                key = "constants"
            pages[key].append((prefix, name, obj))
    api = HERE / "api"
    api.mkdir(exist_ok=True)
    order = [*SECTIONS, *sorted(set(pages) - set(SECTIONS))]
    index = ["API reference", "=============", "", ".. toctree::", "   :maxdepth: 1", ""]
    for key in order:
        if key not in pages:
            continue
        slug = key.replace(".", "_").replace("__", "_").strip("_")
        title = SECTIONS.get(key, "Constants" if key == "constants" else key)
        index.append(f"   {slug}")
        lines = [title, "=" * len(title), ""]
        for prefix, name, obj in sorted(pages[key], key=lambda item: item[1].lower()):
            lines.append(f".. currentmodule:: {prefix}")
            lines.append("")
            if inspect.isclass(obj):
                lines.append(f".. autoclass:: {name}")
            elif callable(obj):
                lines.append(f".. autofunction:: {name}")
            else:
                value = textwrap.indent(pprint.pformat(obj, width=90, compact=True), "      ")
                lines += [f".. data:: {name}", "", "   ::", "", value]
            lines.append("")
        text = "\n".join(lines)
        target = api / f"{slug}.rst"
        if not target.exists() or target.read_text() != text:
            target.write_text(text)
    (api / "index.rst").write_text("\n".join(index) + "\n")


_write_api()
