"""Regenerate the bundled sample data (thin wrapper around retention_lib.datasets).

Usage::

    python scripts/make_sample_data.py [--out-dir data] [--seed 20240101]
"""

from retention_lib.datasets import main

if __name__ == "__main__":
    raise SystemExit(main())
