"""Docstring parts written once (``retention_lib._docs``) and filled in at import."""

from __future__ import annotations

import inspect
import re

import pytest

import retention_lib
from retention_lib import _docs
from retention_lib.clv import BetaGeoModel, ParetoNBDModel


def test_a_part_replaces_its_line_indented_as_the_placeholder():
    doc = "Summary.\n\n    Parameters\n    ----------\n    {x}\n    y : int\n        Why {a: 1}.\n"
    out = _docs.fill_text(doc, {"x": "x : float\n    The x.\n"})
    assert out == (
        "Summary.\n\n    Parameters\n    ----------\n    x : float\n        The x.\n"
        "    y : int\n        Why {a: 1}.\n"
    )


def test_an_unknown_part_is_an_error_at_import_not_a_placeholder_in_the_help():
    with pytest.raises(KeyError, match="nope"):
        _docs.filler()(type("C", (), {"__doc__": "S.\n\n    {nope}\n"}))


def test_the_models_show_one_description_of_their_settings():
    for model in (BetaGeoModel, ParetoNBDModel):
        assert "Time budget of one fit; exceeding it raises" in model.__doc__


def _docstrings():
    for name in retention_lib.__all__:
        obj = getattr(retention_lib, name)
        yield name, inspect.getdoc(obj) or ""
        if inspect.isclass(obj):
            for attr, member in vars(obj).items():
                if callable(member) and not attr.startswith("_"):
                    yield f"{name}.{attr}", inspect.getdoc(member) or ""


def test_no_public_docstring_keeps_a_placeholder():
    line = re.compile(r"^\s*\{[A-Za-z_][A-Za-z0-9_]*\}\s*$", re.M)
    left = [name for name, doc in _docstrings() if line.search(doc)]
    assert left == []


def test_a_plot_without_ax_draws_on_the_current_axes_as_the_ax_part_says():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    from retention_lib import lorenz_curve
    from retention_lib.plotting import plot_lorenz

    assert "by default the current Axes" in plot_lorenz.__doc__
    fig, ax = plt.subplots()
    try:
        tx = pd.DataFrame({"customer_id": ["a", "b", "c"], "amount": [1.0, 2.0, 7.0]})
        assert plot_lorenz(lorenz_curve(tx)) is ax
    finally:
        plt.close(fig)


def test_the_docstring_check_reaches_functions_methods_and_properties():
    # scripts/check_docstrings.py would say "no findings" if it found nothing to check
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "scripts" / "check_docstrings.py"
    spec = importlib.util.spec_from_file_location("check_docstrings", path)
    check = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(check)
    names = {name for module in check.public_modules() for name, _ in check.documented(module)}
    assert {
        "retention_lib.plotting.pareto.plot_lorenz",  # a filled-in function
        "retention_lib.clv.models.BetaGeoModel",  # a filled-in class
        "retention_lib.clv.models.PurchaseModel.fit",  # a method (checked where it is defined)
        "retention_lib.cleaning.CleaningReport.rows_removed",  # a property
    } <= names
    assert not any(name.startswith("retention_lib._") for name in names)  # private modules
