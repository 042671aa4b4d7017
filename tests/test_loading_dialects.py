"""Round trips: one log written by pandas in each local convention loads to the same frame.

Each dialect is how a real export looks: Excel in the Netherlands/Germany/France writes ``;``
with a decimal comma in Windows-1252, Swiss software groups thousands with apostrophes, US
exports write month-first dates with AM/PM, Excel's "Unicode text" is tab-separated UTF-16.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import retention_lib as rl

AS_OF = "2030-01-01"


def _log(rng: np.random.Generator, n: int = 300) -> pd.DataFrame:
    """A log with day > 12 dates, prices above 1,000, accents, leading-zero ids."""
    minutes = np.sort(rng.integers(0, 400 * 24 * 60, n))
    return pd.DataFrame(
        {
            "CustomerID": [f"{i:05d}" for i in rng.integers(1, 80, n)],
            "InvoiceDate": pd.Timestamp("2023-01-01") + pd.to_timedelta(minutes, unit="min"),
            "InvoiceNo": [f"{536000 + i}" for i in range(n)],
            "Description": rng.choice(["CAFÉ CRÈME", "España mug", "Größe M", "plain"], n),
            "Quantity": rng.integers(-2, 40, n),
            "UnitPrice": np.round(rng.choice([0.85, 2.55, 12.5, 1234.5, 18999.99], n), 2),
            "Country": rng.choice(["España", "Nederland", "United Kingdom"], n),
        }
    )


def _grouped(x: float, thousands: str, decimal: str) -> str:
    text = f"{x:,.2f}"  # 1,234.50
    return text.replace(",", "\0").replace(".", decimal).replace("\0", thousands)


def _write(log: pd.DataFrame, path, dialect: str) -> None:
    df = log.copy()
    if dialect == "iso":
        df.to_csv(path, index=False, date_format="%Y-%m-%d %H:%M:%S")
    elif dialect == "dayfirst":
        df.to_csv(path, index=False, date_format="%d/%m/%Y %H:%M")
    elif dialect == "semicolon_cp1252":  # Excel NL/DE/FR
        df.to_csv(
            path, index=False, sep=";", decimal=",", encoding="cp1252", date_format="%d-%m-%Y %H:%M"
        )
    elif dialect == "german":
        df["UnitPrice"] = df["UnitPrice"].map(lambda x: _grouped(x, ".", ","))
        df.to_csv(path, index=False, sep=";", encoding="cp1252", date_format="%d.%m.%Y %H:%M")
    elif dialect == "swiss":
        df["UnitPrice"] = df["UnitPrice"].map(lambda x: "CHF " + _grouped(x, "'", "."))
        df.to_csv(path, index=False, sep=";", date_format="%d.%m.%Y %H:%M")
    elif dialect == "french":  # narrow no-break space thousands, euro sign after
        df["UnitPrice"] = df["UnitPrice"].map(lambda x: _grouped(x, "\u202f", ",") + "\u00a0€")
        df.to_csv(path, index=False, sep=";", date_format="%d/%m/%Y %H:%M", encoding="utf-8-sig")
    elif dialect == "us":
        df["UnitPrice"] = df["UnitPrice"].map(lambda x: "$" + _grouped(x, ",", "."))
        df.to_csv(path, index=False, date_format="%m/%d/%Y %I:%M %p")
    elif dialect == "tab":
        df.to_csv(path, index=False, sep="\t")
    elif dialect == "pipe":
        df.to_csv(path, index=False, sep="|")
    elif dialect == "bom":
        df.to_csv(path, index=False, encoding="utf-8-sig")
    elif dialect == "utf16_tab":  # Excel "Unicode text"
        df.to_csv(path, index=False, sep="\t", encoding="utf-16")
    elif dialect == "excel_sep_line":
        with open(path, "w", encoding="cp1252", newline="") as fh:
            fh.write("sep=;\r\n")
            df.to_csv(fh, index=False, sep=";", decimal=",", date_format="%d.%m.%Y %H:%M")
    elif dialect == "gzip_semicolon":
        df.to_csv(
            path,
            index=False,
            sep=";",
            decimal=",",
            date_format="%d-%m-%Y %H:%M",
            compression="gzip",
        )
    else:  # pragma: no cover
        raise AssertionError(dialect)


#: the currency the amounts' signs name (kept as the ``currency`` column)
SIGNS = {"swiss": "CHF", "french": "EUR"}

DIALECTS = [
    "iso",
    "dayfirst",
    "semicolon_cp1252",
    "german",
    "swiss",
    "french",
    "us",
    "tab",
    "pipe",
    "bom",
    "utf16_tab",
    "excel_sep_line",
    "gzip_semicolon",
]


def _load(path, **options) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no pandas warning reaches the user
        tx = rl.load_transactions(path, keep=["Description"], analysis_date=AS_OF, **options)
    tx.attrs = {}
    return tx


@pytest.fixture(scope="module")
def log() -> pd.DataFrame:
    return _log(np.random.default_rng(20261123))


@pytest.fixture(scope="module")
def expected(log, tmp_path_factory) -> pd.DataFrame:
    path = tmp_path_factory.mktemp("iso") / "log.csv"
    _write(log, path, "iso")
    return _load(path)


def test_iso_export_is_the_log(log, expected):
    assert expected["timestamp"].tolist() == log["InvoiceDate"].tolist()
    assert expected["customer_id"].tolist() == log["CustomerID"].tolist()  # zeros kept
    assert expected["amount"].to_numpy() == pytest.approx(log["Quantity"] * log["UnitPrice"])
    assert expected["Description"].tolist() == log["Description"].tolist()


@pytest.mark.parametrize("dialect", DIALECTS)
def test_each_dialect_loads_to_the_same_frame(log, expected, tmp_path, dialect):
    suffix = ".csv.gz" if dialect.startswith("gzip") else ".csv"
    path = tmp_path / f"export{suffix}"
    _write(log, path, dialect)
    got = _load(path)
    if dialect in SIGNS:
        assert (got.pop("currency") == SIGNS[dialect]).all()
    pd.testing.assert_frame_equal(got, expected)


def test_day_first_semicolon_cp1252_and_iso_exports_are_identical(log, tmp_path):
    """The issue's done-when: three exports of one log, three identical frames."""
    frames = []
    for dialect in ("dayfirst", "semicolon_cp1252", "iso"):
        _write(log, tmp_path / f"{dialect}.csv", dialect)
        frames.append(_load(tmp_path / f"{dialect}.csv"))
    pd.testing.assert_frame_equal(frames[0], frames[2])
    pd.testing.assert_frame_equal(frames[1], frames[2])


def test_day_first_log_has_no_date_read_month_first(tmp_path):
    """The issue's example: 1,169 day-first dates, the first ones with days of 12 or less
    (today pandas guessed month-first from them and read 36% of the log wrong)."""
    rng = np.random.default_rng(1)
    ts = pd.Timestamp("2023-01-01") + pd.to_timedelta(
        rng.integers(0, 500 * 24 * 60, 1169), unit="min"
    )
    ts = ts[np.argsort(ts.day > 12, kind="stable")]
    raw = pd.DataFrame(
        {"CustomerID": "1", "InvoiceDate": ts.strftime("%d/%m/%Y %H:%M"), "Revenue": "2.5"}
    )
    raw.to_csv(tmp_path / "dayfirst.csv", index=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        tx = rl.load_transactions(tmp_path / "dayfirst.csv", analysis_date=AS_OF)
    assert (tx["timestamp"].to_numpy() != ts.to_numpy()).sum() == 0
    assert "day-first" in " ".join(tx.attrs["loading_notes"])


def test_cp1252_note_shows_decoded_words(log, tmp_path):
    _write(log, tmp_path / "x.csv", "semicolon_cp1252")
    tx = rl.load_transactions(tmp_path / "x.csv", analysis_date=AS_OF)
    notes = " ".join(tx.attrs["loading_notes"])
    assert "read as cp1252" in notes and "CAFÉ" in notes and "España" in notes
    assert "decimal comma" in notes and "separated by ';'" in notes


def test_explicit_options_read_the_same(log, expected, tmp_path):
    path = tmp_path / "x.csv"
    _write(log, path, "semicolon_cp1252")
    got = _load(path, sep=";", decimal=",", encoding="cp1252", date_format="%d-%m-%Y %H:%M")
    pd.testing.assert_frame_equal(got, expected)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    seed=st.integers(0, 2**32 - 1),
    n=st.integers(13, 60),
    dialect=st.sampled_from([d for d in DIALECTS if not d.startswith("gzip")]),
)
def test_generated_logs_round_trip_in_every_dialect(tmp_path, seed, n, dialect):
    rng = np.random.default_rng(seed)
    log = _log(rng, n)
    log.loc[0, "InvoiceDate"] = pd.Timestamp("2023-05-28 10:00")  # a day above 12 decides
    _write(log, tmp_path / "iso.csv", "iso")
    _write(log, tmp_path / "other.csv", dialect)
    got = _load(tmp_path / "other.csv").drop(columns="currency", errors="ignore")
    pd.testing.assert_frame_equal(got, _load(tmp_path / "iso.csv"))


# the same exports scanned lazily by DuckDB ---------------------------------------------------

# DuckDB reads UTF-8 only here: cp1252 exports go through load_transactions
LAZY_DIALECTS = ["iso", "dayfirst", "swiss", "french", "us", "tab", "pipe", "bom"]


@pytest.mark.parametrize("dialect", LAZY_DIALECTS)
def test_each_dialect_scans_like_it_loads(log, expected, tmp_path, dialect):
    import duckdb

    from retention_lib import _backend

    path = tmp_path / "export.csv"
    _write(log, path, dialect)
    lazy = rl.scan_transactions(path, keep=["Description"], analysis_date=AS_OF)
    assert isinstance(lazy, duckdb.DuckDBPyRelation)
    got = _backend.collect(_backend.to_lazy(lazy))
    pd.testing.assert_frame_equal(
        got.sort_values(["timestamp", "amount"]).reset_index(drop=True),
        expected.drop(columns="source_row")
        .sort_values(["timestamp", "amount"])
        .reset_index(drop=True),
        check_dtype=False,
    )


def test_scan_of_a_file_that_is_not_utf8_asks_for_the_encoding(log, tmp_path):
    _write(log, tmp_path / "x.csv", "german")
    with pytest.raises(rl.DataValidationError, match=r"not valid UTF-8.*`encoding=`"):
        rl.scan_transactions(tmp_path / "x.csv")


def test_scan_asks_for_dayfirst_on_an_ambiguous_column(tmp_path):
    (tmp_path / "x.csv").write_text(
        "CustomerID,InvoiceDate,Amount\n1,07/05/2024,1\n2,08/05/2024,2\n"
    )
    with pytest.raises(rl.DataValidationError, match=r"'07/05/2024'.*`dayfirst=True`"):
        rl.scan_transactions(tmp_path / "x.csv")
    lazy = rl.scan_transactions(tmp_path / "x.csv", dayfirst=True, analysis_date=AS_OF)
    assert [r[1].month for r in lazy.fetchall()] == [5, 5]


def test_scan_refuses_a_column_mixing_day_and_month_first(tmp_path):
    (tmp_path / "x.csv").write_text(
        "CustomerID,InvoiceDate,Amount\n1,25/05/2024,1\n2,05/25/2024,2\n"
    )
    with pytest.raises(rl.DataValidationError, match="mixes day-first dates"):
        rl.scan_transactions(tmp_path / "x.csv")


def test_scan_keeps_leading_zeros_and_drops_float_zeros(tmp_path):
    (tmp_path / "x.csv").write_text(
        "CustomerID,InvoiceDate,Amount\n00123,2024-05-07,1\n12583.0,2024-05-08,2\n"
    )
    rows = rl.scan_transactions(tmp_path / "x.csv", analysis_date=AS_OF).fetchall()
    assert [r[0] for r in rows] == ["00123", "12583"]


def test_scan_decimal_comma_that_does_not_group_in_threes_fails_clearly(tmp_path):
    (tmp_path / "x.csv").write_text(
        "CustomerID;InvoiceDate;Amount\n1;2024-05-07;1,5\n2;2024-05-08;1.23,5\n"
    )
    with pytest.raises(
        rl.DataValidationError, match="could not be read into the canonical columns.*1.23,5"
    ):
        rl.scan_transactions(tmp_path / "x.csv")


def test_scan_decimal_marks_that_disagree(tmp_path):
    (tmp_path / "x.csv").write_text(
        "CustomerID;InvoiceDate;Amount\n1;2024-05-07;1,5\n2;2024-05-08;2.25\n"
    )
    with pytest.raises(rl.DataValidationError, match="disagree on the decimal mark"):
        rl.scan_transactions(tmp_path / "x.csv")


def test_scan_quantity_times_price_overflow(tmp_path):
    (tmp_path / "x.csv").write_text(
        "CustomerID,InvoiceDate,Quantity,UnitPrice\n1,2024-05-07,1e200,1e200\n"
    )
    with pytest.raises(
        rl.DataValidationError, match=r"`Quantity` x `UnitPrice` \(`amount`\) has 1 infinite"
    ):
        rl.scan_transactions(tmp_path / "x.csv")


def test_a_column_the_aliases_miss_is_named_in_the_notes(tmp_path):
    # a Dutch shop export: `Artikelcode` is the product column, `Omschrijving` a description
    path = tmp_path / "bestellingen.csv"
    path.write_text(
        "Ordernummer;Klantnummer;Besteldatum;Artikelcode;Omschrijving;Aantal;Prijs\n"
        "5001;10;15-07-2023 08:15;K4;Stroopwafelblik;4;6,75\n"
        "5001;10;15-07-2023 08:15;POST;Verzendkosten;1;4,95\n"
        "5002;11;16-07-2023 09:00;K1;Koffiemok;1;9,95\n",
        encoding="utf-8",
    )
    tx = rl.load_transactions(path, dayfirst=True)
    assert tx["product_code"].tolist() == ["K4", "POST", "K1"]
    assert "Columns not used: `Omschrijving`." in tx.attrs["loading_notes"]
    clean, report = rl.clean_transactions(tx)
    assert len(clean) == 2  # the postage line is recognised now that the product is read
    renamed = tmp_path / "unknown.csv"
    renamed.write_text(path.read_text().replace("Artikelcode", "Artcode_intern"))
    notes = rl.load_transactions(renamed, dayfirst=True).attrs["loading_notes"]
    unused = [n for n in notes if n.startswith("Columns not used")]
    assert unused and "`Artcode_intern`" in unused[0] and "`product_code=`" in unused[0]
    every = rl.load_transactions(
        pd.DataFrame({"CustomerID": ["a"], "InvoiceDate": ["2024-01-02"], "Amount": [5.0]})
    )
    assert not any(n.startswith("Columns not used") for n in every.attrs["loading_notes"])
