"""Saving fitted models as JSON (no pickle): one ``save`` for every model that has ``to_dict``."""

from __future__ import annotations

import json
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any


class JsonModel:
    """Mixin giving a model with ``to_dict()`` a ``save(path=None)`` that writes JSON."""

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
            The JSON document; reload it with :func:`retention_lib.load_model`.
        """
        text = json.dumps(self.to_dict(), indent=2)
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
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
