"""Re-execute the notebooks in place and store their outputs without images.

The committed outputs are what nbval compares in cells marked ``# NBVAL_CHECK_OUTPUT``;
images are dropped to keep the repository small (they are regenerated in every report).

    python3 tasks.py notebooks                # all notebooks
    python3 tasks.py notebooks notebooks/02_cohort_retention.ipynb
"""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
from nbconvert.preprocessors import ExecutePreprocessor

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("image/png", "image/svg+xml")


def refresh(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    ExecutePreprocessor(timeout=900, kernel_name="python3").preprocess(
        nb, {"metadata": {"path": str(path.parent)}}
    )
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            # keep the text/plain twin of every rich output, drop the heavy part
            if "text/plain" in data:
                for key in HEAVY:
                    data.pop(key, None)
    nb.metadata.pop("widgets", None)  # widget state: large, and meaningless without a kernel
    nbformat.write(nb, path)
    print(f"refreshed {path.relative_to(ROOT)}")


def main(argv: list[str]) -> None:
    paths = [Path(a).resolve() for a in argv] or sorted((ROOT / "notebooks").glob("*.ipynb"))
    for path in paths:
        refresh(path)


if __name__ == "__main__":
    main(sys.argv[1:])
