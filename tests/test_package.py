"""The package as a whole: clean import, public surface."""

from __future__ import annotations

import subprocess
import sys

import retention_lib as rl

_SNAPSHOT = """
import json, warnings
warnings.simplefilter("ignore")
import pandas as pd
from pandas._config.config import _registered_options

def snapshot():
    out = {}
    for key in sorted(_registered_options):
        try:
            out[key] = repr(pd.get_option(key))
        except Exception:
            pass
    return out

before = snapshot()
import {module}
after = snapshot()
print(json.dumps({{k: [before[k], after.get(k)] for k in before if before[k] != after.get(k)}}))
"""


def _changed_options(module: str) -> str:
    code = _SNAPSHOT.replace("{module}", module).replace("{{", "{").replace("}}", "}")
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    return result.stdout.strip()


def test_import_changes_no_pandas_option():
    assert _changed_options("retention_lib") == "{}"


def test_lifetimes_itself_would_change_an_option():
    # guards the test above: the snapshot does see what lifetimes changes
    assert "mode.chained_assignment" in _changed_options("lifetimes")


def test_public_names_exist():
    missing = [name for name in rl.__all__ if not hasattr(rl, name)]
    assert missing == []
