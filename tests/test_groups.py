"""Groups too small to read: sizes, what is left out, and the note that says so."""

from __future__ import annotations

import pandas as pd
import pytest

import retention_lib as rl


@pytest.fixture
def per_region() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "region": ["Europe", "Asia", "Africa", "Oceania"],
            "n_customers": [4286, 25, 1, 9],
            "top_share": [0.74, 0.72, 0.2, 0.93],
        }
    )


def test_small_groups_are_dropped_and_named(per_region):
    kept = rl.drop_small_groups(per_region, by="region")
    assert kept["region"].tolist() == ["Europe", "Asia"]
    note = rl.describe_small_groups(per_region, by="region")
    assert note == (
        "Left out as too small to read (fewer than 20 customers each): Africa (1) and "
        "Oceania (9); 10 customers in all."
    )


def test_note_says_nothing_was_left_out_when_every_group_is_large(per_region):
    big = per_region[per_region["n_customers"] >= 20]
    assert rl.describe_small_groups(big, by="region") == (
        "Every region shown has at least 20 customers."
    )
    assert rl.drop_small_groups(big, by="region").equals(big)


def test_note_when_every_group_is_too_small(per_region):
    note = rl.describe_small_groups(per_region, by="region", min_customers=10_000)
    assert note.startswith("No region has 10,000 customers or more, so none is shown")
    assert rl.drop_small_groups(per_region, by="region", min_customers=10_000).empty


def test_zero_keeps_every_group(per_region):
    assert len(rl.drop_small_groups(per_region, by="region", min_customers=0)) == 4
    assert rl.describe_small_groups(per_region, by="region", min_customers=0) == (
        "Every region is shown."
    )


def test_cohort_tables_sum_cohort_sizes_once_per_cohort(tiny_log):
    table = rl.cohort_retention(tiny_log, by="region")
    # Europe acquired A, C, E (3 customers in 3 cohorts, repeated per period); Asia B, D
    sizes = rl.group_sizes(table, by="region")
    assert sizes.to_dict() == {"Asia": 2, "Europe": 3}
    curves = rl.average_retention(table, by="region", min_customers=0)
    assert rl.group_sizes(curves, by="region").to_dict() == {"Asia": 2, "Europe": 3}
    assert set(rl.drop_small_groups(table, by="region", min_customers=3)["region"]) == {"Europe"}


def test_other_size_columns_and_units():
    counts = pd.DataFrame({"region": ["A", "B"], "customers_start": [30, 4]})
    note = rl.describe_small_groups(
        counts, by="region", size="customers_start", unit="active customers"
    )
    assert "B (4)" in note and "fewer than 20 active customers each" in note


def test_unknown_columns_are_clear_errors(per_region):
    with pytest.raises(rl.DataValidationError, match="`by` 'country'"):
        rl.group_sizes(per_region, by="country")
    with pytest.raises(rl.DataValidationError, match="`size` 'n'"):
        rl.group_sizes(per_region, by="region", size="n")
    with pytest.raises(rl.DataValidationError, match="no customer-count column"):
        rl.group_sizes(per_region.drop(columns="n_customers"), by="region")
    with pytest.raises(rl.DataValidationError, match="min_customers"):
        rl.drop_small_groups(per_region, by="region", min_customers=-1)
