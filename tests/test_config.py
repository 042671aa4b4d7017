"""RunConfig: one configuration per run, each value with its source; TOML in and out."""

from __future__ import annotations

import tomllib

import pytest

from retention_lib import DataValidationError
from retention_lib.config import RunConfig, load_config


def test_defaults_say_they_are_defaults():
    config = RunConfig.from_inputs()
    assert config.currency == "EUR" and config.margin == 1.0 and config.cac is None
    assert config.by == ("region",) and config.model == "bgnbd" and config.holdout_weeks is None
    assert all(s.source == "default" and s.origin == "default" for s in config.settings())
    assert config.columns == {} and config.cac_by_segment == {}
    assert not config.given("cac")


def test_user_values_win_over_the_file_which_wins_over_defaults(tmp_path):
    file = tmp_path / "client.toml"
    file.write_text('[data]\ncurrency = "GBP"\n[business]\nmargin = 0.25\ncac = 30\n')
    config = RunConfig.from_inputs(
        {"margin": 0.4, "title": "Q3"}, config_file=file, origins={"margin": "--margin"}
    )
    assert (config.margin, config.cac, config.currency, config.title) == (0.4, 30.0, "GBP", "Q3")
    assert config.setting("margin").source == "user"
    assert config.setting("margin").origin == "--margin"
    assert config.setting("title").origin == "title="
    assert config.setting("cac").source == "config"
    assert config.setting("cac").origin == "client.toml"
    assert config.setting("discount_rate").source == "default"


def test_written_config_repeats_the_run_with_the_same_sources(tmp_path):
    data = tmp_path / "orders.csv"
    data.write_text("x\n")
    config = RunConfig.from_inputs(
        {
            "data_path": data,
            "currency": "gbp",
            "cac_by_segment": {"organic": 2.0, "paid search": 12.5},
            "by": ["region", "segment"],
            "columns": {"customer_id": "Client Nr"},
            "dayfirst": True,
            "sep": ";",
            "title": 'The "best" shop',
        },
        origins={"data_path": "--data", "columns": "--customer-id"},
    )
    path = config.write(tmp_path / "out" / "config.toml")
    doc = tomllib.loads(path.read_text(encoding="utf-8"))  # valid TOML
    assert doc["data"]["path"] == str(data.resolve())
    assert doc["data"]["columns"] == {"customer_id": "Client Nr"}
    assert doc["business"]["cac_by_segment"] == {"organic": 2.0, "paid search": 12.5}
    assert "margin" not in doc["business"]  # a default is only shown, commented out
    assert "# margin = 1.0  (default)" in path.read_text(encoding="utf-8")
    assert doc["provenance"]["data.path"] == ["user", "--data"]
    again = load_config(path)
    assert again == config  # same values, sources and origins
    assert again.digest() == config.digest()
    assert again.setting("margin").source == "default"


def test_a_file_without_provenance_is_the_source_of_its_values(tmp_path):
    (tmp_path / "sub").mkdir()
    file = tmp_path / "sub" / "client.toml"
    file.write_text(
        '[data]\npath = "../orders.csv"\n\n[data.columns]\ntimestamp = "Date"\n\n'
        "[business]\ncac = { organic = 2, social = 8 }\n"
    )
    config = load_config(file)
    assert config.data_path == str((tmp_path / "orders.csv").resolve())  # from the file's folder
    assert config.columns == {"timestamp": "Date"}
    assert config.cac_by_segment == {"organic": 2.0, "social": 8.0} and config.cac is None
    assert config.setting("columns.timestamp").origin == "client.toml"
    assert config.cac_for("social") == 8.0 and config.cac_for("referral") is None


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        (
            "[business]\nmargn = 0.3\n",
            r"Unknown key `business.margn` in config file c.toml.*margin",
        ),
        ("[busines]\nmargin = 0.3\n", r"Unknown key `busines`.*\[business\]"),
        ("[business]\nmargin = 30\n", r"`business.margin` in c.toml must be a fraction.*0\.3"),
        ("[data]\ncurrency = 'euro'\n", r"`data.currency` in c.toml must be a three-letter ISO"),
        ("[analysis]\nmodel = 'gamma'\n", r"must be one of bgnbd, mbgnbd, pnbd, auto"),
        ("[analysis]\nholdout_weeks = 0\n", r"`analysis.holdout_weeks`.*whole number from 1"),
        ("[data]\nsep = ';;'\n", r"`data.sep` in c.toml must be one character"),
        ("[data]\nencoding = 'klingon'\n", r"must be a text encoding"),
        ("[business]\ncac = -5\n", r"`business.cac` in c.toml must be an amount above 0"),
        ("[data\n", r"is not valid TOML"),
    ],
)
def test_bad_config_files_name_the_key(tmp_path, toml, message):
    file = tmp_path / "c.toml"
    file.write_text(toml)
    with pytest.raises(DataValidationError, match=message):
        load_config(file)


def test_bad_user_values_name_the_flag():
    with pytest.raises(DataValidationError, match=r"`--margin` must be a fraction.*got 30"):
        RunConfig.from_inputs({"margin": 30}, origins={"margin": "--margin"})
    with pytest.raises(DataValidationError, match=r"`discount_rate=` must be a monthly rate"):
        RunConfig.from_inputs({"discount_rate": 1.5})
    with pytest.raises(DataValidationError, match=r"Unknown setting\(s\) `margn`"):
        RunConfig.from_inputs({"margn": 0.3})
    with pytest.raises(FileNotFoundError, match="No config file"):
        RunConfig.from_inputs(config_file="/nonexistent/client.toml")


def test_separator_aliases_and_the_tab():
    assert RunConfig.from_inputs({"sep": "\\t"}).sep == "\t"
    assert RunConfig.from_inputs({"sep": "tab"}).sep == "\t"
    assert RunConfig.from_inputs({"sep": "|"}).sep == "|"


def test_basis_names_each_input_and_where_it_came_from():
    given = RunConfig.from_inputs(
        {"margin": 0.3, "cac": 40}, origins={"margin": "--margin", "cac": "--cac"}
    )
    assert str(given.basis("margin", "discount_rate", "horizon_months", "cac")) == (
        "Basis: a 30% margin (given: --margin); a discount rate of 1% a month (default); "
        "a 12-month horizon (default); an acquisition cost of 40.00 EUR (given: --cac)."
    )
    defaults = RunConfig.from_inputs()
    assert str(defaults.basis("margin", "cac")) == (
        "Basis: no margin applied, so values are revenue (none given; set one with --margin); "
        "no acquisition cost (none given)."
    )


def test_loader_options_pass_the_mapping_and_the_reading_options_given():
    config = RunConfig.from_inputs(
        {"columns": {"customer_id": "Client"}, "date_format": "%d/%m/%Y", "sep": ";"}
    )
    assert config.loader_options() == {
        "customer_id": "Client",
        "date_format": "%d/%m/%Y",
        "sep": ";",
    }
    assert RunConfig.from_inputs({"dayfirst": False}).loader_options() == {"dayfirst": False}
    assert RunConfig.from_inputs().loader_options() == {}  # the loader infers the rest


def test_reading_options_reach_the_loader(tmp_path):
    path = tmp_path / "semicolons.csv"
    path.write_text("Client;Date;Amount\na;03/02/2024;1,5\nb;04/02/2024;2,25\n", encoding="latin-1")
    from retention_lib import prepare_transactions

    config = RunConfig.from_inputs(
        {"columns": {"customer_id": "Client", "timestamp": "Date", "amount": "Amount"},
         "sep": ";", "decimal": ",", "dayfirst": True, "encoding": "latin-1"}
    )  # fmt: skip
    tx, _ = prepare_transactions(path, **config.loader_options())
    assert tx["amount"].tolist() == [1.5, 2.25]
    assert tx["timestamp"].dt.month.tolist() == [2, 2]  # 3 February, day first


def test_the_table_lists_every_setting_with_its_source():
    table = RunConfig.from_inputs({"cac": 40}).table()
    assert list(table.columns) == ["key", "label", "value", "source", "origin"]
    row = table.set_index("key").loc["cac"]
    assert (row["value"], row["source"], row["label"]) == (
        40.0,
        "user",
        "Acquisition cost per customer",
    )
