"""Regions benchmark: the cost of reading country names in other languages.

    .venv/bin/python benchmarks/regions.py               # UCI log (541,909 rows), 5 repeats

Measured in one run, each the median of ``--repeats`` runs taken in turn:

* *index build*: the reverse index of pycountry's translated country names
  (``regions._name_index``, cache cleared before each run); built once per process, on the
  first name that neither the aliases nor ``pycountry.countries.lookup`` resolve;
* *value_counts*: ``country.value_counts(dropna=False)`` of the log, the reference pass;
* ``add_regions`` on the UCI log as it is (38 English names and aliases: the index is never
  built), and on the same log with every country written in German, French, Dutch, Spanish or
  Italian (by customer), index already built (*warm*) and built inside the call (*cold*).

Ratios divide by the reference pass of the same run. Results: ``benchmarks/out/regions.json``.
"""

from __future__ import annotations

import argparse
import gettext
import json
import statistics
import sys
import time
from pathlib import Path

import pandas as pd
import pycountry

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from retention_lib import regions  # noqa: E402

LOCALES = ["de", "fr", "nl", "es", "it"]


def local_names(countries: pd.Series, customers: pd.Series) -> pd.Series:
    """Each row's country in the language of its customer (one of LOCALES, by customer id)."""
    codes = dict(zip(countries.unique(), regions.country_to_iso(countries.unique()), strict=True))
    out = countries.astype(object).copy()
    lang = pd.util.hash_pandas_object(customers.astype(str), index=False) % len(LOCALES)
    for i, locale in enumerate(LOCALES):
        catalogue = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, [locale])
        names = {
            c: catalogue.gettext(pycountry.countries.get(alpha_2=code).name)
            for c, code in codes.items()
            if code is not None
        }
        rows = (lang == i).to_numpy()
        out[rows] = countries[rows].map(lambda c, names=names: names.get(c, c))
    return out


def _cold(frame: pd.DataFrame):
    regions._name_index.cache_clear()
    return regions.add_regions(frame, unmapped="keep")


def main(argv: list[str] | None = None) -> int:
    from conftest import ONLINE_RETAIL

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    raw = pd.read_csv(ONLINE_RETAIL, usecols=["CustomerID", "Country"])
    english = raw[["Country"]].rename(columns={"Country": "country"})
    local = pd.DataFrame({"country": local_names(raw["Country"], raw["CustomerID"])})
    _, mapping = regions.add_regions(local, unmapped="keep")
    translated = int(mapping.loc[mapping["method"] == "translation", "rows"].sum())
    cases = {
        "index build": lambda: (regions._name_index.cache_clear(), regions._name_index()),
        "value_counts": lambda: english["country"].value_counts(dropna=False),
        "add_regions, UCI log": lambda: regions.add_regions(english),
        "add_regions, local names, warm": lambda: regions.add_regions(local, unmapped="keep"),
        "add_regions, local names, cold": lambda: _cold(local),
    }
    times: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(args.repeats):
        for name, func in cases.items():
            t0 = time.perf_counter()
            func()
            times[name].append(time.perf_counter() - t0)
    median = {name: statistics.median(t) for name, t in times.items()}
    ref = median["value_counts"]
    print(
        f"{len(raw):,} rows; {mapping['rows'].sum():,} rows of local names, "
        f"{translated:,} read as translations; "
        f"index: {len(regions._name_index()):,} names, {len(regions.COUNTRY_NAME_LANGUAGES)} languages"
    )
    print("| step | median | / value_counts |\n|---|---:|---:|")
    for name, seconds in median.items():
        print(f"| {name} | {seconds * 1000:.0f} ms | {seconds / ref:.1f}x |")
    out = ROOT / "benchmarks" / "out"
    out.mkdir(exist_ok=True)
    (out / "regions.json").write_text(json.dumps({"rows": len(raw), "seconds": median}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
