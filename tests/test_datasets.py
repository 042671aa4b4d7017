"""Tests of retention_lib.datasets (BG/NBD + Gamma-Gamma simulator and bundled sample)."""

from __future__ import annotations

import gzip
import hashlib
import json

import numpy as np
import pandas as pd
import pytest
from scipy.special import hyp2f1

from retention_lib import datasets
from retention_lib._validation import DataValidationError, RetentionLibError
from retention_lib.datasets import (
    DEFAULT_SEED,
    SAMPLE_COLUMNS,
    SAMPLE_COUNTRIES,
    load_sample_parameters,
    load_sample_survey,
    load_sample_transactions,
    make_sample_data,
    sample_data_path,
)
from retention_lib.simulation import simulate_transactions

PARAMS = dict(r=0.6, alpha=5.0, a=1.6, b=3.0, p=5.0, q=4.0, gamma=30.0)


def _sim(n=200, **kwargs):
    args = dict(PARAMS, start="2023-01-01", end="2023-12-31", seed=1) | kwargs
    return simulate_transactions(n, **args)


# ---------------------------------------------------------------------------
# simulator
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def cohort():
    """20,000 customers all acquired on 2023-01-01, observed to 2023-12-31."""
    return simulate_transactions(
        20_000, **PARAMS, start="2023-01-01", end="2023-12-31",
        acquisition_end="2023-01-01", seed=7, return_latent=True,
    )  # fmt: skip


def test_simulate_schema_and_window():
    tx, latent = _sim(500, acquisition_end="2023-06-30", return_latent=True)
    assert list(tx.columns) == ["customer_id", "timestamp", "amount"]
    assert str(tx["customer_id"].dtype) == "str"
    assert tx["timestamp"].dtype == "datetime64[ns]"
    assert tx["amount"].dtype == "float64" and (tx["amount"] > 0).all()
    assert tx["customer_id"].nunique() == 500 == len(latent)
    assert tx["timestamp"].min() >= pd.Timestamp("2023-01-01")
    assert tx["timestamp"].max() < pd.Timestamp("2024-01-01")
    assert latent["first_purchase"].max() < pd.Timestamp("2023-07-01")
    assert (tx["timestamp"].dt.second == 0).all()
    assert tx["timestamp"].is_monotonic_increasing
    counts = tx.groupby("customer_id").size()
    np.testing.assert_array_equal(
        counts.reindex(latent["customer_id"]).to_numpy() - 1, latent["n_repeat"].to_numpy()
    )
    assert latent["customer_id"].iloc[0] == "C000"


def test_simulate_is_deterministic():
    pd.testing.assert_frame_equal(_sim(seed=3), _sim(seed=3))
    assert not _sim(seed=3).equals(_sim(seed=4))


def test_customers_without_repeat_purchase_are_alive(cohort):
    # BG/NBD: dropout can only follow a repeat purchase, so P(alive | x = 0) = 1.
    _, latent = cohort
    assert latent.loc[latent["n_repeat"] == 0, "alive"].all()
    assert not latent["alive"].all()


def test_mean_repeat_purchases_match_FHL_2005_eq_9(cohort):
    # E[X(t)] = (a+b-1)/(a-1) [1 - (alpha/(alpha+t))^r 2F1(r, b; a+b-1; t/(alpha+t))],
    # Fader, Hardie & Lee (2005a), eq. 9; averaged over each customer's own T.
    # Tolerance: 4 Monte Carlo standard errors (seed fixed).
    _, latent = cohort
    r, alpha, a, b = PARAMS["r"], PARAMS["alpha"], PARAMS["a"], PARAMS["b"]
    t = latent["T"].to_numpy()
    z = t / (alpha + t)
    expected = (
        (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, z))
    ).mean()
    x = latent["n_repeat"].to_numpy()
    assert abs(x.mean() - expected) < 4 * x.std() / np.sqrt(len(x))
    assert 51 < t.mean() < 53  # one year observed, in weeks


def test_share_without_repeat_purchase_matches_nbd_zero_class(cohort):
    # P(X(t) = 0) = E[exp(-lambda t)] = (alpha / (alpha + t))^r (FHL 2005a, eq. 8 with x = 0).
    # Tolerance: 4 binomial standard errors.
    _, latent = cohort
    t = latent["T"].to_numpy()
    expected = ((PARAMS["alpha"] / (PARAMS["alpha"] + t)) ** PARAMS["r"]).mean()
    observed = (latent["n_repeat"] == 0).mean()
    assert abs(observed - expected) < 4 * np.sqrt(expected * (1 - expected) / len(t))


def test_mean_spend_matches_gamma_gamma_mean(cohort):
    # E[z] = p * gamma / (q - 1) (Fader, Hardie & Lee 2005b); first purchases are one
    # iid draw per customer. Tolerance: 4 standard errors.
    tx, _ = cohort
    first = tx.drop_duplicates("customer_id")["amount"]
    expected = PARAMS["p"] * PARAMS["gamma"] / (PARAMS["q"] - 1)
    assert abs(first.mean() - expected) < 4 * first.std() / np.sqrt(len(first))


def test_simulate_rejects_non_integer_n_customers():
    with pytest.raises(TypeError, match=r"`n_customers` must be an integer"):
        _sim(n=10.5)


def test_simulate_rejects_zero_customers():
    with pytest.raises(DataValidationError, match=r"`n_customers` must be at least 1"):
        _sim(n=0)


def test_simulate_rejects_non_positive_parameter():
    with pytest.raises(DataValidationError, match=r"`alpha` must be in \(0, inf"):
        _sim(alpha=0.0)


def test_simulate_rejects_end_before_start():
    with pytest.raises(DataValidationError, match=r"`end` \(2022-12-31\) is before `start`"):
        _sim(end="2022-12-31")


def test_simulate_rejects_acquisition_end_outside_window():
    with pytest.raises(DataValidationError, match=r"`acquisition_end` \(2024-02-01\) must lie"):
        _sim(acquisition_end="2024-02-01")


def test_simulate_rejects_bad_date():
    with pytest.raises(DataValidationError, match=r"`start` must be a date"):
        _sim(start="not a date")


def test_simulate_rejects_non_string_prefix():
    with pytest.raises(TypeError, match=r"`id_prefix` must be a string"):
        _sim(id_prefix=1)


# ---------------------------------------------------------------------------
# bundled sample
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sample():
    return load_sample_transactions()


@pytest.fixture(scope="module")
def params():
    return load_sample_parameters()


def test_sample_file_header_and_size():
    path = sample_data_path()
    assert path.name == "sample_transactions.csv.gz"
    assert path.stat().st_size < 3_000_000
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        header = fh.readline().rstrip("\n")
    assert header == ",".join(SAMPLE_COLUMNS)


def test_sample_quirk_counts_match_parameters(sample, params):
    quirks = params["quirks"]
    assert len(sample) == params["rows"]
    assert sample["order_id"].str.startswith("C").sum() == quirks["cancellation_rows"]
    assert (sample.loc[sample["order_id"].str.startswith("C"), "quantity"] < 0).all()
    assert (sample["quantity"] < 0).sum() == quirks["cancellation_rows"]
    assert sample["customer_id"].isna().sum() == quirks["missing_customer_id_rows"]
    assert (sample["product_code"] == "POST").sum() == quirks["postage_rows"]
    assert sample.duplicated().sum() == quirks["duplicate_rows"]
    assert sample["customer_id"].str.startswith("TEST").sum() == quirks["test_rows"]
    assert (sample["unit_price"] == 0).sum() == quirks["zero_price_rows"]
    assert 0.005 < quirks["cancellation_rows"] / len(sample) < 0.02


def test_sample_countries_currencies_and_segments(sample, params):
    pairs = set(map(tuple, sample[["country", "currency"]].drop_duplicates().to_numpy()))
    assert pairs == {(s.country, s.currency) for s in SAMPLE_COUNTRIES}
    assert set(sample["acquisition_channel"].dropna()) == {
        "organic", "paid_search", "social", "referral",
    }  # fmt: skip
    assert set(sample["tier"].dropna()) == {"standard", "premium"}
    # JPY prices are whole yen at a price level ~100-200x the USD one.
    jpy = sample.loc[sample["currency"] == "JPY", "unit_price"]
    usd = sample.loc[sample["currency"] == "USD", "unit_price"]
    assert (jpy == jpy.round()).all()
    assert 80 < jpy.median() / usd.median() < 250
    assert params["time_unit"] == "weeks" and params["seed"] == DEFAULT_SEED


def test_sample_realised_counts_match_file(sample, params):
    clean = sample[
        sample["customer_id"].notna()
        & ~sample["customer_id"].str.startswith("TEST")
        & ~sample["order_id"].str.startswith("C")
    ]
    orders = clean.drop_duplicates("order_id")
    per_country = orders.groupby("country").size()
    repeaters = (orders.groupby(["country", "customer_id"]).size() > 1).groupby("country").sum()
    for country, record in params["countries"].items():
        assert per_country[country] == record["realised"]["orders"]
        assert repeaters[country] == record["realised"]["repeat_buyers"]
        assert record["realised"]["repeat_buyers"] >= 300  # enough for a per-country fit
    assert clean["customer_id"].nunique() == params["customers"]


def test_sample_is_byte_identical_when_regenerated(tmp_path, params):
    paths = make_sample_data(tmp_path, seed=DEFAULT_SEED)
    fresh = gzip.decompress(paths["transactions"].read_bytes())
    shipped = gzip.decompress(sample_data_path().read_bytes())
    assert fresh == shipped
    assert hashlib.sha256(fresh).hexdigest() == params["csv_sha256"]
    assert (
        paths["survey"].read_bytes()
        == (sample_data_path().parent / "sample_survey.csv").read_bytes()
    )
    assert json.loads(paths["parameters"].read_text()) == params
    # The gzip container itself carries no timestamp: a second run gives the same bytes.
    again = make_sample_data(tmp_path / "again", seed=DEFAULT_SEED)
    assert again["transactions"].read_bytes() == paths["transactions"].read_bytes()


def test_make_sample_data_rejects_non_integer_seed(tmp_path):
    with pytest.raises(TypeError, match=r"`seed` must be an integer"):
        make_sample_data(tmp_path, seed="1")


def test_missing_bundled_data_gives_clear_error(monkeypatch, tmp_path):
    monkeypatch.setattr(datasets, "_data_dir", lambda: tmp_path)
    with pytest.raises(RetentionLibError, match=r"install is incomplete.*make_sample_data"):
        sample_data_path()


def test_survey_ranges_links_and_differences(sample):
    survey = load_sample_survey()
    assert list(survey.columns) == list(datasets.SURVEY_COLUMNS)
    assert 900 <= len(survey) <= 1100 and survey["customer_id"].is_unique
    bounds = {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7), "loyalty_rebuy": (0, 10),
              "loyalty_try_new": (0, 10), "loyalty_recommend": (0, 10)}  # fmt: skip
    for col, (low, high) in bounds.items():
        assert survey[col].between(low, high).all(), col
    customers = sample.dropna(subset=["customer_id"]).drop_duplicates("customer_id")
    assert set(survey["customer_id"]) <= set(customers["customer_id"])
    first = sample.groupby("customer_id")["order_date"].min()
    assert (
        survey["survey_date"].to_numpy() >= first[survey["customer_id"]].dt.normalize().to_numpy()
    ).all()
    joined = survey.merge(customers[["customer_id", "country", "tier"]], on="customer_id")
    by_country = joined.groupby("country")["nps"].mean()
    assert by_country["Brazil"] > by_country["Japan"] + 1
    by_tier = joined.groupby("tier")["nps"].mean()
    assert by_tier["premium"] > by_tier["standard"]
