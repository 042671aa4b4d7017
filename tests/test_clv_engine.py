"""Compressed statistics stay in the engine: a summary kept in DuckDB, polars or PySpark
(``rfm_summary(..., collect=False)``) is fitted on the distinct rows the engine counts, and
the CLV is joined back there; parameters and per-customer values equal the pandas pipeline's.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import polars as pl
import pytest

import retention_lib as rl
from retention_lib import _backend
from retention_lib.clv import BetaGeoModel, GammaGammaModel, customer_lifetime_value, rfm_summary

pytestmark = [
    pytest.mark.filterwarnings("ignore::retention_lib.RetentionLibWarning"),
    pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning"),
]


@pytest.fixture(scope="module")
def log() -> pd.DataFrame:
    tx = rl.simulate_transactions(
        3_000, r=0.25, alpha=5.0, a=0.8, b=2.5, p=6.0, q=3.5, gamma=15.0,
        start="2022-01-01", end="2023-12-31", acquisition_end="2022-12-31", seed=3,
    )  # fmt: skip
    tx["amount"] = tx["amount"].round(2)
    return tx


@pytest.fixture(scope="module")
def expected(log):
    summary = rfm_summary(log, time_unit="W")
    bg, gg = BetaGeoModel().fit(summary), GammaGammaModel().fit(summary)
    clv = customer_lifetime_value(bg, gg, summary, horizon_months=12, margin=0.3)
    return bg, gg, clv


ENGINES = {
    "duckdb": duckdb.from_df,
    "polars_lazy": lambda df: pl.from_pandas(df).lazy(),
    "spark": None,
}


@pytest.mark.parametrize(
    "name", ["duckdb", "polars_lazy", pytest.param("spark", marks=pytest.mark.spark)]
)
def test_engine_summary_fits_and_values_like_pandas(request, log, expected, name):
    if name == "spark":
        session = request.getfixturevalue("spark")
        data = session.createDataFrame(log)
    else:
        data = ENGINES[name](log)
    bg0, gg0, clv0 = expected
    lazy = rfm_summary(data, time_unit="W", collect=False)
    assert not isinstance(lazy, pd.DataFrame)  # stays in the engine
    # an engine summary records no unit: the fit is told it
    bg, gg = BetaGeoModel().fit(lazy, time_unit="W"), GammaGammaModel().fit(lazy)
    np.testing.assert_allclose(bg.params_, bg0.params_, rtol=1e-6)
    np.testing.assert_allclose(gg.params_, gg0.params_, rtol=1e-6)
    assert bg.n_customers_ == bg0.n_customers_ and bg.n_unique_rows_ == bg0.n_unique_rows_
    assert gg.n_customers_ == gg0.n_customers_
    assert gg.frequency_spend_correlation_ == pytest.approx(gg0.frequency_spend_correlation_)
    clv = customer_lifetime_value(bg, gg, lazy, horizon_months=12, margin=0.3, time_unit="W")
    assert not isinstance(clv, pd.DataFrame)
    got = _backend.collect(_backend.to_lazy(clv)).sort_values("customer_id").reset_index(drop=True)
    pd.testing.assert_frame_equal(got, clv0.reset_index(drop=True), check_dtype=False, rtol=1e-6)


def test_engine_summary_is_the_pandas_summary(log):
    lazy = rfm_summary(duckdb.from_df(log), time_unit="W", collect=False)
    got = _backend.collect(_backend.to_lazy(lazy)).sort_values("customer_id")
    pd.testing.assert_frame_equal(
        got.reset_index(drop=True),
        rfm_summary(log, time_unit="W"),
        check_dtype=False,
        check_like=False,
        rtol=1e-12,
    )


def test_pandas_input_gives_the_pandas_summary(log):
    assert isinstance(rfm_summary(log, collect=False), pd.DataFrame)


def _collected(query, name: str) -> pd.Series:
    frame = _backend.collect(_backend.to_lazy(query))
    assert list(frame.columns) == ["customer_id", name]
    return frame.set_index("customer_id")[name].sort_index()


@pytest.mark.parametrize(
    "name", ["duckdb", "polars_lazy", pytest.param("spark", marks=pytest.mark.spark)]
)
def test_engine_summary_predictions_equal_the_pandas_ones(request, log, expected, name):
    """p_alive, expected_purchases and expected_spend of a summary kept in its engine are
    queries there, with the per-customer values of the pandas summary."""
    if name == "spark":
        data = request.getfixturevalue("spark").createDataFrame(log)
    else:
        data = ENGINES[name](log)
    bg, gg, _ = expected
    summary = rfm_summary(log, time_unit="W").set_index("customer_id", drop=False)
    lazy = rfm_summary(data, time_unit="W", collect=False)
    cases = {
        "p_alive": (bg.p_alive(lazy), bg.p_alive(summary)),
        "expected_purchases": (
            bg.expected_purchases(lazy, t=26),
            bg.expected_purchases(summary, t=26),
        ),
        "expected_spend": (gg.expected_spend(lazy), gg.expected_spend(summary)),
    }
    for column, (got, want) in cases.items():
        assert not isinstance(got, (pd.DataFrame, pd.Series))  # stays in the engine
        pd.testing.assert_series_equal(
            _collected(got, column), want.sort_index(), check_names=False, rtol=1e-9
        )


def test_engine_predictions_read_only_the_distinct_rows(log, expected, monkeypatch):
    """The model sees the distinct (frequency, recency, T) rows, not one row per customer."""
    bg, _, _ = expected
    lazy = rfm_summary(duckdb.from_df(log), time_unit="W", collect=False)
    seen = []
    original = BetaGeoModel.p_alive

    def spy(self, summary, **kw):
        seen.append(len(summary))
        return original(self, summary, **kw)

    monkeypatch.setattr(BetaGeoModel, "p_alive", spy)
    query = bg.p_alive(lazy)
    summary = rfm_summary(log, time_unit="W")
    distinct = len(summary[["frequency", "recency", "T"]].drop_duplicates())
    assert seen[-1] == distinct < len(summary)
    assert len(_collected(query, "p_alive")) == len(summary)


def test_engine_predictions_refuse_a_unit_they_cannot_convert(log, expected):
    """An engine's summary records no grain, so it cannot be converted to the model's unit:
    a clear error, not values in the wrong unit."""
    bg, _, _ = expected  # fitted in weeks
    lazy = rfm_summary(duckdb.from_df(log), time_unit="D", grain="D", collect=False)
    with pytest.raises(rl.DataValidationError, match="grain at which the summary counts"):
        bg.expected_purchases(lazy, t=13, time_unit="D")


@pytest.mark.parametrize("resolution", [1e-3, 0.05])
def test_gamma_gamma_on_binned_spend_stays_within_its_stated_bound(
    log, expected, monkeypatch, resolution
):
    """Beyond EXACT_SPEND_ROWS distinct rows the engine bins the spend: the parameters move
    from the per-customer fit's by no more than ``spend_error_bound_`` (plus the optimiser's
    tolerance), on fewer rows, and a coarser bin gives a looser bound."""
    from retention_lib.clv import models

    monkeypatch.setattr(models, "EXACT_SPEND_ROWS", 0)
    _, gg0, _ = expected
    lazy = rfm_summary(duckdb.from_df(log), time_unit="W", collect=False)
    gg = GammaGammaModel(spend_resolution=resolution).fit(lazy)
    moved = np.abs(np.log(gg.params_.to_numpy() / gg0.params_.to_numpy()))
    bound = gg.spend_error_bound_.to_numpy()
    assert np.all(bound > 0)
    assert np.all(moved <= bound + 1e-7), (moved, bound)
    assert gg.n_customers_ == gg0.n_customers_
    assert gg.n_unique_rows_ < gg0.n_unique_rows_
    finer = GammaGammaModel(spend_resolution=resolution / 10).fit(lazy)
    assert np.all(finer.spend_error_bound_.to_numpy() < bound)
    assert gg.frequency_spend_correlation_ == pytest.approx(
        gg0.frequency_spend_correlation_, abs=10 * resolution
    )


def test_gamma_gamma_on_few_distinct_rows_is_exact(log, expected):
    _, gg0, _ = expected
    gg = GammaGammaModel().fit(rfm_summary(duckdb.from_df(log), time_unit="W", collect=False))
    assert gg.n_unique_rows_ == gg0.n_unique_rows_
    assert (gg.spend_error_bound_ == 0).all() and (gg0.spend_error_bound_ == 0).all()
