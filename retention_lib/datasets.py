"""The bundled synthetic sample: how it is built and how it is loaded.

- :func:`make_sample_data` builds the bundled sample: a synthetic global online
  retailer (8 countries, local currencies, two segment columns) with a few data
  quality quirks that the cleaning step must handle, plus a small linked
  customer survey. Same seed -> byte-identical files.

Run ``python -m retention_lib.datasets --out-dir data`` to regenerate the files.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from retention_lib._validation import (
    InputTypeError,
    RetentionLibError,
    require_path,
)
from retention_lib.simulation import simulate_transactions

__all__ = [
    "GENERATOR_VERSION",
    "SAMPLE_COLUMNS",
    "SAMPLE_COUNTRIES",
    "CountrySpec",
    "load_sample_parameters",
    "load_sample_survey",
    "load_sample_transactions",
    "make_sample_data",
    "sample_data_path",
]

#: Bumped whenever a change to the generator changes the bundled files.
GENERATOR_VERSION = "1.0.0"

#: Default seed of the bundled sample.
DEFAULT_SEED = 20240101

TRANSACTIONS_FILE = "sample_transactions.csv.gz"
PARAMETERS_FILE = "sample_parameters.json"
SURVEY_FILE = "sample_survey.csv"

#: Exact header of ``data/sample_transactions.csv.gz``.
SAMPLE_COLUMNS = (
    "order_id",
    "customer_id",
    "order_date",
    "product_code",
    "quantity",
    "unit_price",
    "currency",
    "country",
    "acquisition_channel",
    "tier",
)

SURVEY_COLUMNS = (
    "customer_id",
    "survey_date",
    "nps",
    "csat",
    "ces",
    "loyalty_rebuy",
    "loyalty_try_new",
    "loyalty_recommend",
)

# ----------------------------------------------------------------------------
# Bundled sample
# ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CountrySpec:
    """True generating parameters of one country of the bundled sample.

    BG/NBD parameters are per week; Gamma-Gamma ``gamma`` is in units of the
    local ``currency`` (mean order value ``p * gamma / (q - 1)``).
    """

    country: str
    country_code: str
    region: str
    currency: str
    n_customers: int
    r: float
    alpha: float
    a: float
    b: float
    p: float
    q: float
    gamma: float
    postage: float  # local postage fee of a POST line
    survey_effect: float  # shift of the latent satisfaction score

    @property
    def mean_order_value(self) -> float:
        """Population mean transaction value in local currency, ``p * gamma / (q - 1)``."""
        return self.p * self.gamma / (self.q - 1.0)


SAMPLE_COUNTRIES: tuple[CountrySpec, ...] = (
    CountrySpec("Netherlands", "NL", "Europe", "EUR", 1100, 0.55, 6.0, 0.85, 3.0, 6.0, 3.8, 28.0, 4.95, 0.0),
    CountrySpec("Germany", "DE", "Europe", "EUR", 1200, 0.60, 7.0, 0.75, 2.8, 5.5, 4.0, 36.0, 4.95, -0.1),
    CountrySpec("France", "FR", "Europe", "EUR", 1000, 0.50, 6.5, 0.90, 2.6, 6.0, 4.2, 30.0, 5.90, -0.2),
    CountrySpec("United Kingdom", "GB", "Europe", "GBP", 1300, 0.65, 6.0, 0.80, 3.2, 5.0, 3.5, 25.0, 3.99, 0.1),
    CountrySpec("United States", "US", "North America", "USD", 1200, 0.45, 5.5, 0.95, 2.4, 5.0, 3.6, 36.0, 5.99, 0.4),
    CountrySpec("Japan", "JP", "Asia", "JPY", 700, 0.70, 8.0, 0.70, 3.5, 6.5, 4.5, 4900.0, 600.0, -0.6),
    CountrySpec("Brazil", "BR", "South America", "BRL", 600, 0.40, 5.0, 1.10, 2.2, 4.5, 3.4, 130.0, 19.90, 0.5),
    CountrySpec("Australia", "AU", "Oceania", "AUD", 500, 0.50, 6.0, 0.85, 2.9, 5.5, 3.8, 50.0, 7.95, 0.3),
)  # fmt: skip

_SAMPLE_START = "2023-01-01"
_SAMPLE_END = "2024-12-31"
_SAMPLE_ACQUISITION_END = "2024-09-30"

# Minor-unit decimals of the local currencies (ISO 4217).
_DECIMALS = {"EUR": 2, "GBP": 2, "USD": 2, "JPY": 0, "BRL": 2, "AUD": 2}

_CHANNELS = ("organic", "paid_search", "social", "referral")
_CHANNEL_BASE = np.array([0.40, 0.25, 0.20, 0.15])
# Tilt of each channel's log-odds per standard deviation of logit(p_dropout):
# paid and social customers churn faster, referred customers are more loyal.
_CHANNEL_TILT = np.array([0.0, 0.5, 0.7, -0.9])

_N_PRODUCTS = 400

_CANCELLATION_SHARE = 0.01  # of purchase lines
_QUIRK_TARGETS = {
    "missing_customer_orders": 12,
    "postage_lines": 60,
    "duplicate_rows": 40,
    "test_orders": 2,
    "zero_price_lines": 15,
}


def _zscore(x: np.ndarray) -> np.ndarray:
    sd = x.std()
    return (x - x.mean()) / sd if sd > 0 else np.zeros_like(x)


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _categorical(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One draw per row of ``probs`` (rows sum to 1) by inverse CDF."""
    cdf = np.cumsum(probs, axis=1)
    u = rng.uniform(size=(probs.shape[0], 1))
    return np.minimum((u > cdf).sum(axis=1), probs.shape[1] - 1)


def _format_price(values: np.ndarray, decimals: np.ndarray) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    for d in np.unique(decimals):
        mask = decimals == d
        out[mask] = [f"{v:.{d}f}" for v in values[mask]]
    return out


def _simulate_country(
    spec: CountrySpec, seq: np.random.SeedSequence
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Orders (one row per transaction) and customers of one country."""
    sim_seed, seg_seed = seq.spawn(2)
    tx, latent = simulate_transactions(
        spec.n_customers,
        r=spec.r,
        alpha=spec.alpha,
        a=spec.a,
        b=spec.b,
        p=spec.p,
        q=spec.q,
        gamma=spec.gamma,
        start=_SAMPLE_START,
        end=_SAMPLE_END,
        acquisition_end=_SAMPLE_ACQUISITION_END,
        seed=sim_seed,
        id_prefix=f"{spec.country_code}-",
        return_latent=True,
    )
    rng = np.random.default_rng(seg_seed)
    # Segments are drawn from the latent traits, so each country's population
    # stays exactly BG/NBD + Gamma-Gamma while segments differ plausibly.
    loyal = -_zscore(np.log(latent["p_dropout"] / (1 - latent["p_dropout"])).to_numpy())
    spend = _zscore(np.log(latent["mean_spend"].to_numpy()))
    busy = _zscore(np.log(latent["lambda_"].to_numpy()))
    premium = rng.uniform(size=len(latent)) < _sigmoid(-1.5 + 1.1 * spend + 0.5 * busy)
    logits = np.log(_CHANNEL_BASE)[None, :] - np.outer(loyal, _CHANNEL_TILT)
    probs = np.exp(logits)
    probs /= probs.sum(axis=1, keepdims=True)
    channel = _categorical(rng, probs)
    latent = latent.assign(
        tier=np.where(premium, "premium", "standard"),
        acquisition_channel=np.asarray(_CHANNELS, dtype=object)[channel],
        loyalty_z=loyal,
        country=spec.country,
    )
    tx = tx.assign(country=spec.country, currency=spec.currency)
    return tx, latent


def _build_sample(seed: int) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Transactions (export layout), survey and parameter record for ``seed``."""
    root = np.random.SeedSequence(seed)
    country_seqs = root.spawn(len(SAMPLE_COUNTRIES))
    lines_seq, quirk_seq, id_seq, survey_seq = root.spawn(4)

    orders_parts, customers_parts = [], []
    for spec, seq in zip(SAMPLE_COUNTRIES, country_seqs, strict=True):
        tx, latent = _simulate_country(spec, seq)
        orders_parts.append(tx)
        customers_parts.append(latent)
    orders = pd.concat(orders_parts, ignore_index=True)
    customers = pd.concat(customers_parts, ignore_index=True)

    # Global customer ids that do not reveal the country.
    id_rng = np.random.default_rng(id_seq)
    n_cust = len(customers)
    numbers = 10_001 + id_rng.permutation(n_cust)
    id_map = dict(
        zip(customers["customer_id"].to_numpy(), [f"C{x:05d}" for x in numbers], strict=True)
    )
    customers["sim_id"] = customers["customer_id"]
    customers["customer_id"] = customers["sim_id"].map(id_map)
    orders["customer_id"] = orders["customer_id"].map(id_map)
    seg = customers.set_index("customer_id")[["acquisition_channel", "tier"]]
    orders = orders.join(seg, on="customer_id")
    orders = orders.rename(columns={"timestamp": "order_date"})

    # ---- quirk: guest orders (missing customer id) and test orders ----------
    q_rng = np.random.default_rng(quirk_seq)
    n_guest = _QUIRK_TARGETS["missing_customer_orders"]
    guest_src = orders.iloc[q_rng.choice(len(orders), size=n_guest, replace=False)]
    guests = guest_src.assign(
        customer_id=None,
        acquisition_channel=None,
        tier=None,
        amount=guest_src["amount"].to_numpy() * q_rng.uniform(0.5, 1.5, size=n_guest),
        order_date=guest_src["order_date"]
        + pd.to_timedelta(q_rng.integers(-3000, 3000, size=n_guest), unit="min"),
    )
    guests["order_date"] = guests["order_date"].clip(
        pd.Timestamp(_SAMPLE_START), pd.Timestamp(_SAMPLE_END) + pd.Timedelta("23:59:00")
    )
    n_test = _QUIRK_TARGETS["test_orders"]
    tests = pd.DataFrame(
        {
            "customer_id": [f"TEST{i + 1:03d}" for i in range(n_test)],
            "order_date": pd.to_datetime(["2023-01-02 09:15:00", "2024-06-03 10:30:00"][:n_test]),
            "amount": [1.0] * n_test,
            "country": ["Netherlands"] * n_test,
            "currency": ["EUR"] * n_test,
            "acquisition_channel": ["organic"] * n_test,
            "tier": ["standard"] * n_test,
        }
    )
    orders["kind"] = "customer"
    guests["kind"] = "guest"
    tests["kind"] = "test"
    orders = pd.concat([orders, guests, tests], ignore_index=True)
    orders = orders.sort_values(["order_date", "customer_id"], kind="stable", na_position="last")
    orders = orders.reset_index(drop=True)
    orders["order_id"] = [str(500_001 + i) for i in range(len(orders))]

    # ---- order lines: split each order's value over products ----------------
    l_rng = np.random.default_rng(lines_seq)
    n_orders = len(orders)
    n_lines = np.minimum(1 + l_rng.poisson(1.2, size=n_orders), 6)
    n_lines[orders["kind"].to_numpy() == "test"] = 1
    line_order = np.repeat(np.arange(n_orders), n_lines)
    popularity = 1.0 / np.arange(1, _N_PRODUCTS + 1) ** 0.8
    products = l_rng.choice(_N_PRODUCTS, size=len(line_order), p=popularity / popularity.sum())
    weights = l_rng.gamma(4.0, size=len(line_order))
    weights /= np.bincount(line_order, weights=weights)[line_order]
    quantity = 1 + l_rng.poisson(0.8, size=len(line_order))
    currency = orders["currency"].to_numpy()[line_order]
    decimals = np.array([_DECIMALS[c] for c in currency])
    minor = 10.0 ** (-decimals)
    raw_price = orders["amount"].to_numpy()[line_order] * weights / quantity
    unit_price = np.maximum(np.round(raw_price / minor) * minor, minor)
    lines = pd.DataFrame(
        {
            "order_id": orders["order_id"].to_numpy()[line_order],
            "customer_id": orders["customer_id"].to_numpy()[line_order],
            "order_date": orders["order_date"].to_numpy()[line_order],
            "product_code": [f"{20_001 + i}" for i in products],
            "quantity": quantity.astype("int64"),
            "unit_price": unit_price,
            "currency": currency,
            "country": orders["country"].to_numpy()[line_order],
            "acquisition_channel": orders["acquisition_channel"].to_numpy()[line_order],
            "tier": orders["tier"].to_numpy()[line_order],
            "kind": orders["kind"].to_numpy()[line_order],
            "line": np.arange(len(line_order)) - np.repeat(np.cumsum(n_lines) - n_lines, n_lines),
        }
    )
    lines.loc[lines["kind"] == "test", ["product_code", "quantity", "unit_price"]] = [
        "TEST",
        1,
        1.0,
    ]
    counts: dict[str, int] = {
        "missing_customer_id_orders": int(n_guest),
        "missing_customer_id_rows": int((lines["kind"] == "guest").sum()),
        "test_orders": int(n_test),
        "test_rows": int((lines["kind"] == "test").sum()),
    }

    # ---- quirk: postage and zero-price lines added to customer orders -------
    cust_orders = np.flatnonzero(orders["kind"].to_numpy() == "customer")
    first_lines = lines.drop_duplicates("order_id").set_index("order_id")

    def lines_added_to(quirk: str) -> pd.DataFrame:
        """A copy of the first line of as many random customer orders as ``quirk`` targets."""
        idx = np.sort(q_rng.choice(cust_orders, size=_QUIRK_TARGETS[quirk], replace=False))
        return first_lines.loc[orders["order_id"].to_numpy()[idx]].reset_index()

    post = lines_added_to("postage_lines")
    postage_fee = {s.country: s.postage for s in SAMPLE_COUNTRIES}
    post = post.assign(
        product_code="POST", quantity=1, unit_price=post["country"].map(postage_fee), line=99
    )
    zero = lines_added_to("zero_price_lines")
    zero = zero.assign(
        product_code=[f"{20_001 + i}" for i in q_rng.choice(_N_PRODUCTS, size=len(zero))],
        quantity=1,
        unit_price=0.0,
        line=98,
    )
    counts["postage_rows"] = len(post)
    counts["zero_price_rows"] = len(zero)

    # ---- quirk: cancellations (order id "C" + original, negative quantity) ---
    purchase_lines = np.flatnonzero(lines["kind"].to_numpy() == "customer")
    n_cancel = int(round(_CANCELLATION_SHARE * len(purchase_lines)))
    cancel_idx = np.sort(q_rng.choice(purchase_lines, size=n_cancel, replace=False))
    cancel = lines.iloc[cancel_idx].copy()
    cancel["quantity"] = -q_rng.integers(1, cancel["quantity"].to_numpy() + 1)
    cancel["order_id"] = "C" + cancel["order_id"]
    delay = pd.to_timedelta(q_rng.integers(60, 20 * 24 * 60, size=n_cancel), unit="min")
    cancel["order_date"] = (cancel["order_date"] + delay).clip(
        upper=pd.Timestamp(_SAMPLE_END) + pd.Timedelta("23:59:00")
    )
    counts["cancellation_rows"] = n_cancel
    counts["cancellation_orders"] = int(cancel["order_id"].nunique())

    out = pd.concat([lines, post, zero, cancel], ignore_index=True)
    out = out.sort_values(["order_date", "order_id", "line"], kind="stable").reset_index(drop=True)

    # ---- quirk: exact duplicate rows (placed right after the original) ------
    n_dup = _QUIRK_TARGETS["duplicate_rows"]
    dup_idx = np.sort(q_rng.choice(len(out), size=n_dup, replace=False))
    position = np.concatenate([np.arange(len(out)), dup_idx + 0.5])
    out = pd.concat([out, out.iloc[dup_idx]], ignore_index=True)
    out = out.iloc[np.argsort(position, kind="stable")].reset_index(drop=True)
    counts["duplicate_rows"] = n_dup

    # ---- export layout ------------------------------------------------------
    decimals_out = out["currency"].map(_DECIMALS).to_numpy()
    export = pd.DataFrame(
        {
            "order_id": out["order_id"].astype(object),
            "customer_id": out["customer_id"].astype(object),
            "order_date": out["order_date"].dt.strftime("%Y-%m-%d %H:%M:%S"),
            "product_code": out["product_code"].astype(object),
            "quantity": out["quantity"].astype("int64"),
            "unit_price": _format_price(out["unit_price"].to_numpy(dtype=float), decimals_out),
            "currency": out["currency"].astype(object),
            "country": out["country"].astype(object),
            "acquisition_channel": out["acquisition_channel"].astype(object),
            "tier": out["tier"].astype(object),
        }
    )

    survey = _build_survey(customers, orders, survey_seq)
    params = _parameter_record(seed, customers, orders, export, counts)
    return export, survey, params


def _build_survey(
    customers: pd.DataFrame, orders: pd.DataFrame, seq: np.random.SeedSequence, n: int = 1000
) -> pd.DataFrame:
    """About ``n`` survey responses linked to sample customers."""
    rng = np.random.default_rng(seq)
    pick = np.sort(rng.choice(len(customers), size=min(n, len(customers)), replace=False))
    resp = customers.iloc[pick].reset_index(drop=True)
    mine = orders[orders["kind"] == "customer"]
    last = mine.groupby("customer_id")["order_date"].max().reindex(resp["customer_id"]).to_numpy()
    first = resp["first_purchase"].to_numpy()
    end = np.datetime64(pd.Timestamp(_SAMPLE_END))
    upper = np.minimum(last + np.timedelta64(30, "D"), end)
    span = (upper - first) / np.timedelta64(1, "D")
    survey_day = first + (rng.uniform(size=len(resp)) * span * 86400).astype("int64").astype(
        "timedelta64[s]"
    )
    survey_date = pd.to_datetime(survey_day).normalize() + pd.Timedelta(days=1)
    survey_date = survey_date.where(
        survey_date <= pd.Timestamp(_SAMPLE_END), pd.Timestamp(_SAMPLE_END)
    )

    effect = resp["country"].map({s.country: s.survey_effect for s in SAMPLE_COUNTRIES}).to_numpy()
    tier = np.where(resp["tier"].to_numpy() == "premium", 0.4, 0.0)
    chan = (
        resp["acquisition_channel"]
        .map({"organic": 0.0, "paid_search": -0.15, "social": -0.1, "referral": 0.35})
        .to_numpy()
    )
    base = effect + tier + chan + 0.6 * resp["loyalty_z"].to_numpy() + rng.normal(0, 0.8, len(resp))

    def score(center: float, scale: float, low: int, high: int, noise: float) -> np.ndarray:
        raw = center + scale * (base + rng.normal(0, noise, len(resp)))
        return np.clip(np.round(raw), low, high).astype("int64")

    survey = pd.DataFrame(
        {
            "customer_id": resp["customer_id"].to_numpy(),
            "survey_date": survey_date.strftime("%Y-%m-%d"),
            "nps": score(7.4, 1.7, 0, 10, 0.5),
            "csat": score(3.9, 0.75, 1, 5, 0.6),
            "ces": score(5.1, 1.0, 1, 7, 0.8),
            "loyalty_rebuy": score(7.0, 1.6, 0, 10, 0.5),
            "loyalty_try_new": score(5.8, 1.5, 0, 10, 0.9),
            "loyalty_recommend": score(7.1, 1.7, 0, 10, 0.4),
        }
    )
    return survey.sort_values(["survey_date", "customer_id"], kind="stable").reset_index(drop=True)


def _parameter_record(
    seed: int,
    customers: pd.DataFrame,
    orders: pd.DataFrame,
    export: pd.DataFrame,
    counts: dict[str, int],
) -> dict[str, Any]:
    mine = orders[orders["kind"] == "customer"]
    countries = {}
    for spec in SAMPLE_COUNTRIES:
        cust = customers[customers["country"] == spec.country]
        countries[spec.country] = {
            "country_code": spec.country_code,
            "region": spec.region,
            "currency": spec.currency,
            "n_customers": spec.n_customers,
            "bg_nbd": {"r": spec.r, "alpha": spec.alpha, "a": spec.a, "b": spec.b},
            "gamma_gamma": {"p": spec.p, "q": spec.q, "gamma": spec.gamma},
            "mean_order_value_local": round(spec.mean_order_value, 2),
            "realised": {
                "orders": int((mine["country"] == spec.country).sum()),
                "repeat_buyers": int((cust["n_repeat"] > 0).sum()),
                "repeat_orders": int(cust["n_repeat"].sum()),
                "alive_at_end": int(cust["alive"].sum()),
                "premium": int((cust["tier"] == "premium").sum()),
                "channels": {c: int((cust["acquisition_channel"] == c).sum()) for c in _CHANNELS},
            },
        }
    return {
        "generator": "retention_lib.datasets.make_sample_data",
        "generator_version": GENERATOR_VERSION,
        "seed": seed,
        "time_unit": "weeks",
        "window": {
            "start": _SAMPLE_START,
            "end": _SAMPLE_END,
            "acquisition_end": _SAMPLE_ACQUISITION_END,
            "note": "start/end inclusive; customers acquired uniformly from start to acquisition_end",
        },
        "model": {
            "bg_nbd": "lambda ~ Gamma(shape=r, rate=alpha) per week; dropout prob ~ Beta(a, b) "
            "after each repeat purchase (Fader, Hardie & Lee 2005)",
            "gamma_gamma": "nu ~ Gamma(shape=q, rate=gamma); order value ~ Gamma(shape=p, rate=nu), "
            "in local currency; order value = sum of quantity * unit_price of the order's product "
            "lines, equal to the Gamma-Gamma draw up to rounding to the currency's minor unit",
            "segments": "tier and acquisition_channel are drawn from each customer's latent "
            "traits (premium ~ high spend and rate; referral ~ loyal, paid_search/social ~ churn-"
            "prone), so every country is exactly BG/NBD + Gamma-Gamma but segments are mixtures",
        },
        "countries": countries,
        "quirks": counts,
        "rows": len(export),
        "columns": list(SAMPLE_COLUMNS),
        "customers": int(len(customers)),
        "orders": int(len(mine)),
        "csv_sha256": hashlib.sha256(_csv_bytes(export)).hexdigest(),
    }


def _csv_bytes(df: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    df.to_csv(buf, index=False, lineterminator="\n")
    return buf.getvalue().encode("utf-8")


def make_sample_data(out_dir: str | Path = "data", *, seed: int = DEFAULT_SEED) -> dict[str, Path]:
    """Write the bundled sample files to ``out_dir``.

    Writes ``sample_transactions.csv.gz`` (gzip with a zero timestamp, so the
    same seed gives byte-identical files), ``sample_parameters.json`` (true
    parameters, seed, generator version, quirk counts) and
    ``sample_survey.csv``.

    Parameters
    ----------
    out_dir : str or Path, default "data"
        Directory to write to (created if missing).
    seed : int, default 20240101
        Seed of the generator.

    Returns
    -------
    dict
        ``{"transactions": Path, "parameters": Path, "survey": Path}``.

    Examples
    --------
    >>> paths = make_sample_data("/tmp/retention_sample", seed=1)  # doctest: +SKIP
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer):
        raise InputTypeError(f"`seed` must be an integer, got {type(seed).__name__}.")
    out = require_path(out_dir, name="out_dir", kind="folder")
    out.mkdir(parents=True, exist_ok=True)
    export, survey, params = _build_sample(int(seed))
    paths = {
        "transactions": out / TRANSACTIONS_FILE,
        "parameters": out / PARAMETERS_FILE,
        "survey": out / SURVEY_FILE,
    }
    paths["transactions"].write_bytes(gzip.compress(_csv_bytes(export), compresslevel=9, mtime=0))
    paths["parameters"].write_text(json.dumps(params, indent=2) + "\n", encoding="utf-8")
    paths["survey"].write_bytes(_csv_bytes(survey))
    return paths


# ----------------------------------------------------------------------------
# Access to the bundled files
# ----------------------------------------------------------------------------


def _data_dir() -> Path:
    from ._resources import bundled_dir

    return bundled_dir("data")


def _bundled(name: str) -> Path:
    path = _data_dir() / name
    if not path.is_file():
        raise RetentionLibError(
            f"The bundled sample file `{name}` was not found at {path}: this retention-lib "
            "install is incomplete. Reinstall it, or write the files yourself with "
            "`retention_lib.datasets.make_sample_data(out_dir)` and pass that path on."
        )
    return path


def sample_data_path() -> Path:
    """Path of the bundled sample transactions, ``sample_transactions.csv.gz``.

    In a checkout it is ``data/sample_transactions.csv.gz``; in an installed wheel it is
    inside the package (``retention_lib/_bundled/data``), found through
    :mod:`importlib.resources`.

    Returns
    -------
    pathlib.Path
        The gzip-compressed CSV with header ``order_id, customer_id,
        order_date, product_code, quantity, unit_price, currency, country,
        acquisition_channel, tier``.

    Raises
    ------
    RetentionLibError
        The file is missing (a broken install).

    Examples
    --------
    >>> sample_data_path().name
    'sample_transactions.csv.gz'
    """
    return _bundled(TRANSACTIONS_FILE)


def load_sample_parameters() -> dict[str, Any]:
    """The true generating parameters of the bundled sample.

    Returns
    -------
    dict
        Parsed ``data/sample_parameters.json``: ``seed``, ``generator_version``,
        ``time_unit`` ("weeks"), ``window``, ``countries`` (per country: ``bg_nbd``
        ``{r, alpha, a, b}``, ``gamma_gamma`` ``{p, q, gamma}`` in local currency,
        ``currency``, ``region``, realised counts) and ``quirks`` (row counts).

    Examples
    --------
    >>> load_sample_parameters()["time_unit"]
    'weeks'
    """
    return json.loads(_bundled(PARAMETERS_FILE).read_text(encoding="utf-8"))


def load_sample_transactions() -> pd.DataFrame:
    """Read the bundled sample as raw strings/numbers in its export layout.

    This is the raw file (quirks included); analyses should go through
    ``retention_lib.load_transactions`` / ``prepare_transactions`` instead.

    Returns
    -------
    pandas.DataFrame
        Columns ``order_id, customer_id, order_date`` (datetime64),
        ``product_code, quantity`` (int64), ``unit_price`` (float64),
        ``currency, country, acquisition_channel, tier``.
    """
    df = pd.read_csv(
        sample_data_path(),
        dtype={
            "order_id": "str",
            "customer_id": "str",
            "product_code": "str",
            "quantity": "int64",
            "unit_price": "float64",
            "currency": "str",
            "country": "str",
            "acquisition_channel": "str",
            "tier": "str",
        },
        parse_dates=["order_date"],
    )
    return df


def load_sample_survey() -> pd.DataFrame:
    """The bundled customer survey linked to the sample customers.

    Returns
    -------
    pandas.DataFrame
        ``customer_id`` (str), ``survey_date`` (datetime64), ``nps`` (0-10),
        ``csat`` (1-5), ``ces`` (1-7, higher = easier), ``loyalty_rebuy``,
        ``loyalty_try_new``, ``loyalty_recommend`` (0-10), all scores int64.

    Examples
    --------
    >>> load_sample_survey()["nps"].between(0, 10).all()
    np.True_
    """
    return pd.read_csv(
        _bundled(SURVEY_FILE), dtype={"customer_id": "str"}, parse_dates=["survey_date"]
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m retention_lib.datasets [--out-dir DIR] [--seed N]``.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments (default: ``sys.argv[1:]``).
    """
    parser = argparse.ArgumentParser(description="Regenerate the bundled sample data.")
    parser.add_argument("--out-dir", default=str(_data_dir()), help="output directory")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="generator seed")
    args = parser.parse_args(argv)
    paths = make_sample_data(args.out_dir, seed=args.seed)
    for kind, path in paths.items():
        print(f"{kind}: {path} ({path.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
