"""A report run: loaded, cleaned and fitted once, shared through files, sections decided."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from thin_logs import EXPECTED, NOT_GIVEN, THIN_LOGS, write_log

import retention_lib as rl
from retention_lib import DataValidationError
from retention_lib.config import RunConfig
from retention_lib.run import Run, open_run, prepare_run


@pytest.fixture(scope="module")
def orders_csv(tmp_path_factory):
    """400 simulated customers over a year in two countries and two acquisition segments."""
    tx = rl.simulate_transactions(
        400, r=0.8, alpha=4.0, a=0.8, b=2.5, p=6.0, q=4.0, gamma=15.0,
        start="2023-01-01", end="2023-12-31", seed=11,
    )  # fmt: skip
    n = tx["customer_id"].str[1:].astype(int)
    tx["Country"] = np.where(n % 3 == 0, "Japan", "Germany")
    tx["Channel"] = np.where(n % 2 == 0, "organic", "social")
    path = tmp_path_factory.mktemp("orders") / "orders.csv"
    tx.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def prepared(orders_csv, tmp_path_factory):
    config = RunConfig.from_inputs(
        {"data_path": orders_csv, "columns": {"segment": "Channel"}, "cac": 10.0}
    )
    return prepare_run(config, tmp_path_factory.mktemp("out"))


def test_the_shared_files_give_back_the_same_run(prepared):
    folder = prepared.folder
    for name in ("transactions.parquet", "cleaning.json", "run.json", "purchase_model.json",
                 "spend_model.json", "calibration_model.json"):  # fmt: skip
        assert (folder / "run" / name).is_file(), name
    again = open_run(folder / "config.toml")
    assert again.folder == folder and again._stored_files() is not None
    pd.testing.assert_frame_equal(again.transactions, prepared.transactions)
    assert again.transactions.attrs["currency"] == "EUR"
    assert again.cleaning.summary().equals(prepared.cleaning.summary())
    pd.testing.assert_series_equal(again.models.purchase.params_, prepared.models.purchase.params_)
    pd.testing.assert_series_equal(again.models.spend.params_, prepared.models.spend.params_)
    assert again.holdout.plan == prepared.holdout.plan and again.holdout.weeks == 26
    pd.testing.assert_frame_equal(again.holdout.split, prepared.holdout.split)
    choice, stored = prepared.model_choice, again.model_choice
    assert (stored.chosen, stored.recommended, stored.reason) == (
        choice.chosen, choice.recommended, choice.reason
    )  # fmt: skip
    pd.testing.assert_frame_equal(stored.table, choice.table, check_dtype=False)
    assert again.facts == prepared.facts
    assert again.statuses() == prepared.statuses()
    doc = json.loads((folder / "run" / "run.json").read_text())
    assert doc["statuses"]["cac"] == {"available": True, "reason": ""}
    assert doc["statuses"]["survey"]["available"] is False


def test_the_shared_models_are_those_of_a_fit_on_the_cleaned_log(prepared):
    summary = rl.rfm_summary(prepared.transactions, time_unit="W", grain="D")
    pd.testing.assert_frame_equal(prepared.summary, summary)
    bg = rl.BetaGeoModel().fit(summary)
    pd.testing.assert_series_equal(prepared.models.purchase.params_, bg.params_)


def test_in_memory_run_equals_prepare_transactions():
    run = open_run()
    tx, cleaning = rl.prepare_transactions()
    pd.testing.assert_frame_equal(run.transactions, tx)
    assert run.folder is None and run.config.data_path is None
    assert run.survey is not None  # the bundled sample's survey
    assert run.group_by == "region" and run.status("groups")
    assert run.export(tx.head(3), "x")._repr_html_().count("<a ") == 0  # nothing written


def test_a_changed_config_does_not_read_the_files_of_another(prepared, tmp_path):
    moved = tmp_path / "client.toml"
    moved.write_text((prepared.folder / "config.toml").read_text())
    run = open_run(moved)  # not a report folder: computes in memory, writes nothing there
    assert run.folder is None and run._stored_files() is None
    other = open_run(prepared.folder / "config.toml", currency="GBP")
    assert other.folder is None and other.transactions.attrs["currency"] == "GBP"


def test_prepare_run_never_reuses_an_earlier_run(prepared, orders_csv):
    store = prepared.folder / "run" / "run.json"
    doc = json.loads(store.read_text())
    doc["statuses"]["clv"] = {"available": False, "reason": "stale"}
    doc["model_errors"] = {"purchase": "stale"}
    store.write_text(json.dumps(doc))
    assert not open_run(prepared.folder / "config.toml").status("clv")  # reads what is there
    again = prepare_run(prepared.config, prepared.folder)
    assert again.status("clv") and open_run(prepared.folder / "config.toml").status("clv")


def test_exports_write_csv_and_parquet_and_link_them(prepared):
    table = pd.DataFrame({"customer_id": ["a", "b"], "clv": [1.5, 2.0]})
    export = prepared.export(table, "customer_values")
    csv, parquet = export.paths
    assert csv == prepared.folder / "exports" / "customer_values.csv"
    pd.testing.assert_frame_equal(pd.read_csv(csv), table)
    pd.testing.assert_frame_equal(pd.read_parquet(parquet), table)
    assert "href='exports/customer_values.csv'" in export._repr_html_()
    assert "(2 rows)" in export._repr_html_()
    with pytest.raises(DataValidationError, match="letters, digits"):
        prepared.export(table, "../x")


def test_auto_takes_the_model_the_holdout_comparison_recommends(orders_csv):
    from retention_lib.clv.selection import MODEL_CHOICES

    run = Run(RunConfig.from_inputs({"data_path": orders_csv, "model": "auto"}))
    choice = run.model_choice
    assert list(choice.table["model"]) == ["BG/NBD", "MBG/NBD", "Pareto/NBD"]
    assert run.model_label == choice.chosen == choice.recommended
    assert type(run.models.purchase) is MODEL_CHOICES[choice.chosen]
    assert run.holdout.model is choice.model  # the chosen calibration fit, not a refit
    forced = Run(RunConfig.from_inputs({"data_path": orders_csv, "model": "mbgnbd"}))
    assert forced.model_choice.chosen == "MBG/NBD" == forced.model_label
    assert forced.model_choice.recommended == choice.recommended  # still says what data say


def test_a_shared_model_warns_what_its_fit_warned(prepared):
    from retention_lib import BoundaryWarning

    store = prepared.folder / "run" / "run.json"
    doc = json.loads(store.read_text())
    doc["model_warnings"] = ["BoundaryWarning: The BG/NBD fit: a is near 0."]
    store.write_text(json.dumps(doc))
    with pytest.warns(BoundaryWarning, match="a is near 0"):
        open_run(prepared.folder / "config.toml").models  # noqa: B018
    prepare_run(prepared.config, prepared.folder)  # put the real files back


def test_pareto_nbd_has_no_retention_scenario(orders_csv):
    run = Run(RunConfig.from_inputs({"data_path": orders_csv, "model": "pnbd"}))
    assert run.status("clv") and type(run.models.purchase).__name__ == "ParetoNBDModel"
    assert "this run uses the Pareto/NBD model" in run.status("whatif").reason


@pytest.mark.parametrize("name", list(THIN_LOGS))
def test_thin_logs_skip_what_they_cannot_support(name, tmp_path):
    run = Run(RunConfig.from_inputs({"data_path": write_log(name, tmp_path)}))
    statuses = run.statuses()
    off = {k for k, s in statuses.items() if not s}
    assert off - set(NOT_GIVEN) == EXPECTED[name]
    for key in off:
        assert statuses[key].reason.endswith((".", ")")), statuses[key]


def test_nothing_to_analyse_when_no_purchase_survives_cleaning(tmp_path):
    path = tmp_path / "returns.csv"
    pd.DataFrame(
        {"CustomerID": ["a", "b"], "InvoiceDate": ["2024-01-02", "2024-01-03"], "Amount": [-5, -7]}
    ).to_csv(path, index=False)
    with pytest.raises(DataValidationError, match="No purchase survives cleaning"):
        prepare_run(RunConfig.from_inputs({"data_path": path}), tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_grouping_and_cac_segments_the_log_does_not_have_are_errors(orders_csv, tmp_path):
    def prepare(**given):
        config = RunConfig.from_inputs({"data_path": orders_csv, **given}, origins={
            "by": "--by", "cac_by_segment": "--cac"})  # fmt: skip
        return prepare_run(config, tmp_path / "out")

    with pytest.raises(DataValidationError, match=r"`tier` \(--by\) are not in the cleaned log"):
        prepare(by=["tier"])
    with pytest.raises(DataValidationError, match=r"need a segment column: the log has none"):
        prepare(cac_by_segment={"organic": 2.0})
    with pytest.raises(DataValidationError, match=r"for 'paid': no such segment in the log"):
        prepare(columns={"segment": "Channel"}, cac_by_segment={"paid": 2.0})
    with pytest.raises(DataValidationError, match=r"No acquisition cost for segment\(s\) 'social'"):
        prepare(columns={"segment": "Channel"}, cac_by_segment={"organic": 2.0})
    run = prepare(columns={"segment": "Channel"}, cac_by_segment={"organic": 2.0}, cac=5.0)
    assert run.config.cac_for("organic") == 2.0 and run.config.cac_for("social") == 5.0


def test_a_survey_file_is_read_and_checked(orders_csv, tmp_path):
    survey = tmp_path / "survey.csv"
    pd.DataFrame({"customer_id": ["C000", "C001"], "nps": [9, 3]}).to_csv(survey, index=False)
    run = Run(RunConfig.from_inputs({"data_path": orders_csv, "survey_path": survey}))
    assert run.survey["nps"].tolist() == [9, 3] and run.status("survey")
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"client": ["C000"], "nps": [9]}).to_csv(bad, index=False)
    with pytest.raises(DataValidationError, match="has no `customer_id` column"):
        Run(RunConfig.from_inputs({"data_path": orders_csv, "survey_path": bad})).survey  # noqa: B018
    assert Run(RunConfig.from_inputs({"data_path": orders_csv})).survey is None


def test_an_experiment_column_is_kept_and_the_ab_test_runs_on_it(orders_csv, tmp_path):
    tx = pd.read_csv(orders_csv)
    tx["Campaign"] = np.where(tx["customer_id"].str[1:].astype(int) % 2, "treatment", "control")
    path = tmp_path / "with_campaign.csv"
    tx.to_csv(path, index=False)
    run = prepare_run(
        RunConfig.from_inputs({"data_path": path, "experiment": "Campaign"}), tmp_path / "o"
    )
    assert "Campaign" in run.transactions.columns and run.status("abtest")
    assignment = rl.abtest.assignment_from_column(run.transactions, "Campaign")
    assert assignment["treatment"].mean() == pytest.approx(0.5, abs=0.1)
    assert (
        "give it with --experiment COL"
        in Run(RunConfig.from_inputs({"data_path": path})).status("abtest").reason
    )
    with pytest.raises(DataValidationError, match=r"experiment column `Arm` \(experiment=\)"):
        prepare_run(RunConfig.from_inputs({"data_path": path, "experiment": "Arm"}), tmp_path)


def test_the_fit_note_carries_the_value_models_boundary_warnings(prepared):
    run = open_run(prepared.folder / "config.toml")
    note = run.fit_note()
    flagged = [w for w in run.models.warnings if w.startswith(("BoundaryWarning", "Convergence"))]
    assert bool(note) == bool(flagged) and len(note.warnings) == len(flagged)
    from retention_lib.run import FitNote

    shown = FitNote(("The fit sits on a boundary.",))._repr_html_()
    assert (
        shown == '<div class="rl-skip"><p><b>Model fit.</b> The fit sits on a boundary.</p></div>'
    )
    assert FitNote(())._repr_html_() is None and not FitNote(())


def test_a_projection_too_uncertain_to_draw_is_a_skipped_section_with_its_reason(tmp_path):
    # tests/test_cli.py's log: the sBG fit on its cohorts sits on a boundary and cannot be
    # drawn from; the run says why instead of failing (or quoting NaN) in notebook 02
    days = pd.date_range("2024-01-01", periods=60, freq="5D")
    path = tmp_path / "orders.csv"
    pd.DataFrame(
        {
            "CustomerID": [f"C{i % 25}" for i in range(60)],
            "InvoiceDate": days,
            "Quantity": 1,
            "UnitPrice": 10.0,
            "InvoiceNo": [f"N{i}" for i in range(60)],
        }
    ).to_csv(path, index=False)
    run = open_run(data_path=str(path))
    assert run.status("cohorts")
    status = run.status("projection")
    assert not status
    assert "sits near a boundary and is too uncertain to project" in status.reason


def test_a_spend_model_that_fails_takes_away_values_not_the_holdout_check(orders_csv):
    # the holdout check and the churn scorecard rest on the purchase model only
    run = Run(RunConfig.from_inputs({"data_path": orders_csv}))
    assert run.status("clv") and run.status("holdout")
    run.models.errors["spend"] = "The Gamma-Gamma fit failed (ConvergenceError: ...)."
    assert not run.status("clv") and "Gamma-Gamma" in run.status("clv").reason
    assert run.status("holdout")
    run.models.errors["purchase"] = "The BG/NBD fit failed (ConvergenceError: ...)."
    assert not run.status("holdout") and "could not be fitted" in run.status("holdout").reason


@pytest.fixture(scope="module")
def orders_folder(orders_csv, tmp_path_factory):
    """The same log as a folder of two Parquet files."""
    tx = pd.read_csv(orders_csv, parse_dates=["timestamp"])
    folder = tmp_path_factory.mktemp("orders_parquet")
    half = len(tx) // 2
    tx.iloc[:half].to_parquet(folder / "part-0.parquet", index=False)
    tx.iloc[half:].to_parquet(folder / "part-1.parquet", index=False)
    return folder


def test_a_parquet_folder_is_cleaned_in_place_and_sampled_by_customer(
    orders_csv, orders_folder, tmp_path, monkeypatch
):
    """A folder run never loads the log into pandas: the cleaning counts every row in
    DuckDB, the sections get all rows of a sample of customers, and the run says how many."""
    from retention_lib import pipeline

    def no_pandas_load(*args, **kwargs):
        raise AssertionError("the log was loaded into pandas")

    monkeypatch.setattr(pipeline, "load_transactions", no_pandas_load)
    monkeypatch.setattr(pipeline, "SAMPLE_CUSTOMERS", 150)
    columns = {"segment": "Channel"}
    run = prepare_run(
        RunConfig.from_inputs({"data_path": orders_folder, "columns": columns}), tmp_path
    )
    monkeypatch.undo()
    whole = Run(RunConfig.from_inputs({"data_path": orders_csv, "columns": columns}))
    assert run.cleaning.rows_read == whole.cleaning.rows_read
    assert run.cleaning.rows_kept == whole.cleaning.rows_kept
    customers = whole.transactions["customer_id"].nunique()
    sampled = run.transactions["customer_id"].nunique()
    assert 0 < sampled < customers
    kept = whole.transactions[
        whole.transactions["customer_id"].isin(run.transactions["customer_id"])
    ]
    assert len(run.transactions) == len(kept)  # every row of a sampled customer
    assert set(run.transactions["region"]) <= set(whole.transactions["region"])
    note = [w for w in run.warnings if w.startswith("SampleWarning")]
    assert len(note) == 1 and f"{sampled:,} customers" in note[0] and f"{customers:,}" in note[0]
    again = open_run(run.folder / "config.toml")  # the notebooks' view: the sample, stated
    assert len(again.transactions) == len(run.transactions) and note[0] in again.warnings


def test_a_folder_with_fewer_customers_than_the_sample_is_read_whole(
    orders_csv, orders_folder, tmp_path
):
    columns = {"segment": "Channel"}
    run = Run(RunConfig.from_inputs({"data_path": orders_folder, "columns": columns}))
    whole = Run(RunConfig.from_inputs({"data_path": orders_csv, "columns": columns}))
    assert len(run.transactions) == len(whole.transactions)
    assert not [w for w in run.warnings if w.startswith("SampleWarning")]
    pd.testing.assert_series_equal(
        run.transactions.groupby("customer_id")["amount"].sum(),
        whole.transactions.groupby("customer_id")["amount"].sum(),
    )


def test_a_folder_run_fits_its_models_on_every_customer_in_the_engine(
    orders_csv, orders_folder, monkeypatch
):
    """A folder run reads a sample of customers (``sample_customers``) for the sections, but
    fits the models on the compressed statistics of every customer, counted in DuckDB: the
    parameters of the per-customer pandas fit on the whole log, and the driver gets the
    distinct (frequency, recency, T) rows, not one row per customer."""
    from retention_lib.clv import models as clv_models

    columns = {"segment": "Channel"}
    given = {"data_path": orders_folder, "columns": columns, "sample_customers": 150}
    run = Run(RunConfig.from_inputs(given))
    whole = Run(RunConfig.from_inputs({"data_path": orders_csv, "columns": columns}))
    customers = whole.transactions["customer_id"].nunique()
    assert run.transactions["customer_id"].nunique() < customers  # the sections' sample
    handed: list[int] = []
    real = clv_models._compress

    def spy(*arrays):
        handed.append(len(arrays[0]))
        return real(*arrays)

    monkeypatch.setattr(clv_models, "_compress", spy)
    lazy, pandas = run.models, whole.models
    assert lazy.fitted and pandas.fitted
    assert lazy.purchase.n_customers_ == pandas.purchase.n_customers_ == customers
    assert lazy.purchase.n_unique_rows_ < customers
    assert handed[0] == lazy.purchase.n_unique_rows_  # what the BG/NBD fit got: distinct rows
    assert max(handed[:2]) < customers
    for mine, theirs in ((lazy.purchase, pandas.purchase), (lazy.spend, pandas.spend)):
        np.testing.assert_allclose(mine.params_, theirs.params_, rtol=1e-5)


def test_sample_customers_is_a_run_setting_and_a_flag():
    from retention_lib.cli import _parser

    args = _parser().parse_args(["report", "--data", "x", "--sample-customers", "1000"])
    assert args.sample_customers == 1000
    assert RunConfig.from_inputs({"sample_customers": 1000}).sample_customers == 1000
    with pytest.raises(DataValidationError, match="sample_customers"):
        RunConfig.from_inputs({"sample_customers": 0})
