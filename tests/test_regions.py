"""Tests of retention_lib.regions (country names -> ISO codes -> regions)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pycountry
import pytest

from retention_lib._validation import DataValidationError
from retention_lib.regions import (
    CONTINENTS,
    COUNTRY_ALIASES,
    SUBREGIONS,
    add_regions,
    country_to_iso,
    map_countries,
)

UCI_PATH = Path("/work/shared/data/online_retail.csv.gz")

# The 38 countries listed in the UCI Online Retail README.
UCI_COUNTRIES = [
    "Australia", "Austria", "Bahrain", "Belgium", "Brazil", "Canada", "Channel Islands",
    "Cyprus", "Czech Republic", "Denmark", "EIRE", "European Community", "Finland", "France",
    "Germany", "Greece", "Hong Kong", "Iceland", "Israel", "Italy", "Japan", "Lebanon",
    "Lithuania", "Malta", "Netherlands", "Norway", "Poland", "Portugal", "RSA", "Saudi Arabia",
    "Singapore", "Spain", "Sweden", "Switzerland", "USA", "United Arab Emirates",
    "United Kingdom", "Unspecified",
]  # fmt: skip


def _tx(countries):
    return pd.DataFrame(
        {"customer_id": [str(i) for i in range(len(countries))], "country": countries}
    )


def test_subregion_table_covers_every_iso_code_once():
    codes = {c.alpha_2 for c in pycountry.countries}
    assert set(SUBREGIONS) == codes
    assert set(SUBREGIONS.values()) == set(CONTINENTS)
    assert set(CONTINENTS.values()) == {
        "Europe", "Asia", "Africa", "North America", "South America", "Oceania", "Other",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("name", "code", "region", "subregion"),
    [
        ("Netherlands", "NL", "Europe", "Western Europe"),
        ("United Kingdom", "GB", "Europe", "Northern Europe"),
        ("EIRE", "IE", "Europe", "Northern Europe"),
        ("Czech Republic", "CZ", "Europe", "Eastern Europe"),
        ("Japan", "JP", "Asia", "Eastern Asia"),
        ("Cyprus", "CY", "Asia", "Western Asia"),
        ("RSA", "ZA", "Africa", "Southern Africa"),
        ("USA", "US", "North America", "Northern America"),
        ("Mexico", "MX", "North America", "Central America"),
        ("Brazil", "BR", "South America", "South America"),
        ("Australia", "AU", "Oceania", "Australia and New Zealand"),
        ("UK", "GB", "Europe", "Northern Europe"),
        ("Turkey", "TR", "Asia", "Western Asia"),
        ("gbr", "GB", "Europe", "Northern Europe"),  # alpha-3, any case
        ("  united   kingdom ", "GB", "Europe", "Northern Europe"),  # spacing ignored
    ],
)
def test_map_countries_hand_examples(name, code, region, subregion):
    row = map_countries([name]).iloc[0]
    assert (row["country_code"], row["region"], row["subregion"]) == (code, region, subregion)
    assert row["mapped"]


def test_non_countries_are_mapped_by_alias_without_code():
    table = map_countries(["Channel Islands", "European Community", "Unspecified"]).set_index(
        "country"
    )
    assert table["country_code"].isna().all()
    assert table.loc["Channel Islands", ["region", "subregion"]].tolist() == [
        "Europe",
        "Northern Europe",
    ]
    assert table.loc["European Community", "region"] == "Europe"
    assert table.loc["Unspecified", ["region", "subregion", "method"]].tolist() == [
        "Unknown",
        "Unknown",
        "unknown",
    ]
    assert table["mapped"].all()


def test_map_countries_columns_methods_and_dedup():
    table = map_countries(["France", "EIRE", "France", "Narnia", None])
    assert list(table.columns) == [
        "country", "country_code", "country_name", "region", "subregion", "method", "mapped",
    ]  # fmt: skip
    assert table["method"].tolist() == ["pycountry", "alias", "unmapped", "missing"]
    assert table["mapped"].tolist() == [True, True, False, True]
    assert table.loc[0, "country_name"] == "France"


def test_country_to_iso():
    assert country_to_iso(["EIRE", "RSA", "United Kingdom", "Unspecified", None, "Narnia"]) == [
        "IE", "ZA", "GB", None, None, None,
    ]  # fmt: skip


def test_all_uci_countries_from_readme_are_mapped():
    table = map_countries(UCI_COUNTRIES)
    assert len(table) == 38
    assert table["mapped"].all()
    # Every one except the non-countries gets an ISO code.
    no_code = set(table.loc[table["country_code"].isna(), "country"])
    assert no_code == {"Channel Islands", "European Community", "Unspecified"}


def test_all_uci_countries_in_the_file_are_mapped():
    if not UCI_PATH.exists():
        pytest.skip(f"UCI Online Retail file not found at {UCI_PATH}; README list tested instead")
    countries = pd.read_csv(UCI_PATH, usecols=["Country"])["Country"]
    out, mapping = add_regions(countries.rename("country").to_frame())
    assert countries.nunique() == 38
    assert len(mapping) == 38 and mapping["rows"].sum() == len(countries)
    assert out["region"].notna().all() and out["subregion"].notna().all()
    assert mapping.set_index("country").loc["Unspecified", "region"] == "Unknown"
    assert (out["region"] == "Europe").sum() > 0.95 * len(out)


def test_add_regions_adds_columns_and_mapping_table():
    tx = _tx(["EIRE", "France", "EIRE", "Unspecified"]).set_index(pd.Index([10, 11, 12, 13]))
    before = tx.copy()
    out, mapping = add_regions(tx)
    pd.testing.assert_frame_equal(tx, before)  # input untouched
    assert out.index.tolist() == [10, 11, 12, 13]
    assert out["country_code"].tolist()[:3] == ["IE", "FR", "IE"]
    assert pd.isna(out["country_code"].iloc[3])
    assert out["region"].tolist() == ["Europe", "Europe", "Europe", "Unknown"]
    assert str(out["region"].dtype) == "str"
    assert mapping["country"].tolist() == ["EIRE", "France", "Unspecified"]  # by rows desc
    assert mapping["rows"].tolist() == [2, 1, 1]
    assert mapping["method"].tolist() == ["alias", "pycountry", "unknown"]
    assert mapping["action"].tolist() == ["mapped"] * 3


def test_add_regions_missing_country_values_are_unknown_and_reported():
    tx = _tx(["France", None, np.nan])
    out, mapping = add_regions(tx)
    assert out["region"].tolist() == ["Europe", "Unknown", "Unknown"]
    missing = mapping[mapping["method"] == "missing"]
    assert missing["rows"].tolist() == [2]


def test_add_regions_unmapped_raises_naming_values_counts_and_fix():
    tx = _tx(["France", "Narnia", "Narnia", "Atlantis"])
    with pytest.raises(
        DataValidationError,
        match=r"`country` has 2 value\(s\).*'Narnia' \(2 rows\), 'Atlantis' \(1 rows\).*aliases=\{'Narnia': 'GB'\}",
    ):
        add_regions(tx)


def test_add_regions_user_alias_fixes_unmapped():
    out, mapping = add_regions(_tx(["Narnia", "France"]), aliases={"narnia": "GBR"})
    assert out["country_code"].tolist() == ["GB", "FR"]
    assert mapping.set_index("country").loc["Narnia", "method"] == "user_alias"


def test_add_regions_user_alias_to_none_means_unknown():
    out, _ = add_regions(_tx(["Narnia"]), aliases={"Narnia": None})
    assert out["region"].tolist() == ["Unknown"]


def test_add_regions_keep_and_drop():
    tx = _tx(["France", "Narnia"])
    kept, kept_map = add_regions(tx, unmapped="keep")
    assert kept["region"].tolist() == ["Europe", "Unknown"]
    assert kept_map.set_index("country").loc["Narnia", "action"] == "kept"
    dropped, drop_map = add_regions(tx, unmapped="drop")
    assert dropped["country"].tolist() == ["France"]
    assert drop_map.set_index("country").loc["Narnia", ["rows", "action"]].tolist() == [
        1,
        "dropped",
    ]


def test_bad_alias_target_raises():
    with pytest.raises(DataValidationError, match=r"`aliases` maps 'Narnia' to 'Oz'"):
        map_countries(["Narnia"], aliases={"Narnia": "Oz"})


def test_aliases_must_be_a_mapping():
    with pytest.raises(TypeError, match=r"`aliases` must be a dict"):
        map_countries(["France"], aliases=[("Narnia", "GB")])


def test_add_regions_needs_country_column():
    with pytest.raises(DataValidationError, match=r"missing column\(s\) `country`"):
        add_regions(pd.DataFrame({"customer_id": ["1"]}))


def test_add_regions_unmapped_choice_validated():
    with pytest.raises(DataValidationError, match=r"`unmapped` must be one of"):
        add_regions(_tx(["France"]), unmapped="ignore")


def test_add_regions_needs_a_dataframe():
    with pytest.raises(TypeError, match=r"`transactions` must be a pandas DataFrame"):
        add_regions(["France"])


def test_builtin_alias_targets_are_valid_codes():
    for name, target in COUNTRY_ALIASES.items():
        if isinstance(target, str):
            assert target in SUBREGIONS, name
