"""What every fitted model of retention-lib shares: the not-fitted guard and JSON ``save``.

A model sets ``params_`` in ``fit`` and describes itself in ``to_dict()``; ``save`` writes that
as JSON (no pickle) and :func:`retention_lib.load_model` reads it back.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

from ._validation import NotFittedError, require_path


class Estimator:
    """Mixin: ``_check_fitted`` (scikit-learn's message) and ``save``."""

    def _check_fitted(self) -> None:
        if not hasattr(self, "params_"):
            raise NotFittedError(
                f"This {type(self).__name__} instance is not fitted yet. Call 'fit' before "
                "using this method."
            )

    def to_dict(self) -> dict[str, Any]:  # pragma: no cover - every model defines it
        raise NotImplementedError

    def save(self, path: str | Path | None = None) -> str:
        """Write the fitted model as JSON (no pickle) and return the JSON text.

        Parameters
        ----------
        path : str or Path, optional
            File to write; if omitted only the text is returned.

        Returns
        -------
        str
            The JSON document of ``to_dict()``: the parameters and their covariance, every
            ``__init__`` setting, the unit and the fit's diagnostics where the model has them.
            Reload it with :func:`retention_lib.load_model`.
        """
        if path is not None:
            path = require_path(path, name="path", example="model.json")
        text = json.dumps(self.to_dict(), indent=2)
        if path is not None:
            path.write_text(text, encoding="utf-8")
        return text


def versions(packages: Iterable[str]) -> dict[str, str]:
    """Installed version of each package (``"unknown"`` when it is not installed)."""
    out = {}
    for pkg in packages:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = "unknown"
    return out
