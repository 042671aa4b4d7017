"""Files that ship with the package: the sample data, the notebooks, the report template.

The repository keeps one copy of each file where users look for it (``data/``,
``notebooks/`` at the top level; templates in ``retention_lib/templates/``). A wheel carries
``data/`` and ``notebooks/`` inside the package at ``retention_lib/_bundled/data`` and
``retention_lib/_bundled/notebooks`` (hatch ``force-include``, see ``pyproject.toml``), where
:mod:`importlib.resources` finds them. An editable install from a checkout has no
``_bundled`` folder, so the checkout's top-level folders are used instead.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ._validation import RetentionLibError

__all__ = ["bundled_dir", "templates_dir"]

#: Folders that ship with the package: name -> where the wheel puts them in the package.
_BUNDLED = {"data": "_bundled/data", "notebooks": "_bundled/notebooks"}


def _as_path(traversable: object) -> Path | None:
    # an installed wheel is a folder on disk (pip never installs zipped), so the traversable
    # is a real path; a zip import would give something else, which we do not support
    return traversable if isinstance(traversable, Path) and traversable.is_dir() else None


def bundled_dir(name: str) -> Path:
    """The folder of bundled files ``name`` (``"data"`` or ``"notebooks"``).

    Parameters
    ----------
    name : {"data", "notebooks"}

    Returns
    -------
    pathlib.Path
        ``retention_lib/_bundled/<name>`` in an installed wheel, or ``<checkout>/<name>`` in
        an editable install from a source checkout.

    Raises
    ------
    RetentionLibError
        Neither exists (a broken install).
    """
    if name not in _BUNDLED:
        raise ValueError(f"`name` must be one of {', '.join(map(repr, _BUNDLED))}; got {name!r}.")
    package = resources.files("retention_lib")
    found = _as_path(package.joinpath(*_BUNDLED[name].split("/")))
    if found is not None:
        return found
    root = Path(__file__).resolve().parents[1]
    if (root / "pyproject.toml").is_file() and (root / name).is_dir():  # a source checkout
        return root / name
    raise RetentionLibError(
        f"The bundled `{name}` folder is missing from this retention-lib install (looked in "
        f"{package}/{_BUNDLED[name]} and {root / name}). Reinstall the package from its wheel "
        "(`pip install --force-reinstall retention-lib`) or from a checkout (`pip install -e .`)."
    )


def templates_dir() -> Path:
    """The package's nbconvert templates (``retention_lib/templates``)."""
    found = _as_path(resources.files("retention_lib").joinpath("templates"))
    if found is None:  # pragma: no cover - the folder is part of the package
        raise RetentionLibError("The report templates are missing from this install.")
    return found
