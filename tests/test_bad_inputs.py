"""A corpus of bad and edge-case calls against every public function (issue 11, items 5 and 8).

Each case is one call and what it must give: a clear retention_lib error (the exact class and
a fragment of the message, which names the argument or column) or the right result (checked).
No public call may end in a ``KeyError``, ``AttributeError``, ``IndexError`` or a traceback
from inside pandas, numpy, pyarrow or narwhals; a bad value is never silently accepted.

``benchmarks/bad_inputs.py`` runs the same cases outside pytest and classifies each outcome
(clear error, correct handling, deep traceback, silent wrong result, hang).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import inspect
import io
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import retention_lib as rl  # noqa: E402
from retention_lib import cli, plotting, report, widgets  # noqa: E402
from retention_lib import whatif as whatif_module  # noqa: E402

DVE = rl.DataValidationError
ITE = rl.InputTypeError
NFE = rl.NotFittedError

# --------------------------------------------------------------------------- the case table


class _Fixture:
    """A placeholder for a fixture value, resolved (and copied) when the case runs.

    Method calls on it are recorded and replayed on the value: ``F.tx.drop(columns="amount")``.
    """

    def __init__(self, name: str, calls: tuple = ()) -> None:
        self.name = name
        self.calls = calls

    def __getattr__(self, attr: str) -> Callable[..., _Fixture]:
        if attr.startswith("__"):
            raise AttributeError(attr)

        def record(*args: Any, **kwargs: Any) -> _Fixture:
            return _Fixture(self.name, (*self.calls, (attr, args, kwargs)))

        return record

    def value(self) -> Any:
        out = FIXTURES[self.name]()
        if isinstance(out, pd.DataFrame):
            out = out.copy()
        for attr, args, kwargs in self.calls:
            out = getattr(out, attr)(*resolve(args), **resolve(kwargs))
        return out

    def __repr__(self) -> str:
        return f"F.{self.name}" + "".join(f".{a}(...)" for a, _, _ in self.calls)


class _Fixtures:
    def __getattr__(self, name: str) -> _Fixture:
        if name not in FIXTURES:
            raise AttributeError(f"no fixture {name!r}")
        return _Fixture(name)


F = _Fixtures()
FIXTURES: dict[str, Callable[[], Any]] = {}


def fixture(fn: Callable[[], Any]) -> Callable[[], Any]:
    cached = functools.cache(fn)
    FIXTURES[fn.__name__] = cached
    return cached


def resolve(value: Any) -> Any:
    if isinstance(value, _Fixture):
        return value.value()
    if isinstance(value, list):
        return [resolve(v) for v in value]
    if isinstance(value, tuple):
        return tuple(resolve(v) for v in value)
    if isinstance(value, dict):
        return {k: resolve(v) for k, v in value.items()}
    return value


@dataclasses.dataclass
class Case:
    """One call: ``func(*args, **kwargs)`` and the error (``raises``) or result (``check``)."""

    func: Callable[..., Any]
    args: tuple
    kwargs: dict
    name: str
    raises: tuple[type[BaseException], str] | None = None
    check: Callable[[Any], bool] | None = None
    covers: Callable[..., Any] | None = None  # the public function a wrapper exercises
    new_api: bool = False  # uses an argument added by issue 11 (skipped on older code)
    exact: bool = True  # the error's class is exactly `raises[0]` (else any subclass)

    @property
    def target(self) -> Callable[..., Any]:
        return self.covers or self.func

    @property
    def id(self) -> str:
        return f"{self.target.__name__}-{self.name}"

    def run(self) -> Any:
        return self.func(*resolve(self.args), **resolve(self.kwargs))


CASES: list[Case] = []


def bad(func, *args, raises, id, covers=None, new_api=False, **kwargs) -> None:  # noqa: A002
    CASES.append(Case(func, args, kwargs, id, raises=raises, covers=covers, new_api=new_api))


def ok(func, *args, check, id, covers=None, new_api=False, **kwargs) -> None:  # noqa: A002
    CASES.append(Case(func, args, kwargs, id, check=check, covers=covers, new_api=new_api))


# --------------------------------------------------------------------------- fixtures


@fixture
def tx() -> pd.DataFrame:
    """60 customers over 2023, with order lines, products, regions, segments and countries."""
    rng = np.random.default_rng(11)
    regions = {"Europe": "France", "Asia": "Japan", "Americas": "Brazil"}
    rows = []
    for i in range(60):
        region = list(regions)[i % 3]
        days = np.sort(rng.choice(330, int(rng.integers(1, 6)), replace=False))
        for j, day in enumerate(days):
            qty = int(rng.integers(1, 5))
            price = float(np.round(rng.uniform(2, 40), 2))
            rows.append(
                {
                    "customer_id": f"C{i:03d}",
                    "timestamp": pd.Timestamp("2023-01-02 10:00") + pd.Timedelta(days=int(day)),
                    "amount": qty * price,
                    "order_id": f"O{i:03d}-{j}",
                    "product_code": f"P{int(rng.integers(0, 15)):02d}",
                    "quantity": float(qty),
                    "unit_price": price,
                    "country": regions[region],
                    "region": region,
                    "segment": ("web", "shop")[i % 2],
                    "is_return": False,
                }
            )
    out = pd.DataFrame(rows)
    for col in ("customer_id", "order_id", "product_code", "country", "region", "segment"):
        out[col] = out[col].astype("str")
    return out


def _with(frame: pd.DataFrame, row: int, column: str, value: Any) -> pd.DataFrame:
    out = frame.copy()
    if value is None and out[column].dtype.kind in "fM":
        value = np.nan if out[column].dtype.kind == "f" else pd.NaT
    if value is None:
        out[column] = out[column].astype(object)
    out.loc[row, column] = value
    return out


@fixture
def tx_nan_amount() -> pd.DataFrame:
    return _with(tx(), 3, "amount", None)


@fixture
def tx_nat() -> pd.DataFrame:
    return _with(tx(), 3, "timestamp", None)


@fixture
def tx_missing_id() -> pd.DataFrame:
    return _with(tx(), 3, "customer_id", None)


@fixture
def tx_text_time() -> pd.DataFrame:
    return tx().assign(timestamp=tx()["timestamp"].dt.strftime("%Y-%m-%d %H:%M"))


@fixture
def tx_inf() -> pd.DataFrame:
    return _with(tx(), 3, "amount", np.inf)


@fixture
def tx_twice() -> pd.DataFrame:
    """Two `amount` columns (an export joined twice)."""
    return pd.concat([tx(), tx()[["amount"]]], axis=1)


@fixture
def tx_series() -> pd.Series:
    return tx()["amount"]


@fixture
def tx_empty() -> pd.DataFrame:
    return tx().iloc[:0]


@fixture
def tx_seg_missing() -> pd.DataFrame:
    """Customers C000-C004 have no segment (12 rows)."""
    out = tx().copy()
    out["segment"] = out["segment"].astype(object)
    out.loc[out["customer_id"] < "C005", "segment"] = None
    return out


@fixture
def tx_labels() -> pd.DataFrame:
    """Purchases only: ``[customer_id, timestamp, amount]``."""
    return tx()[["customer_id", "timestamp", "amount"]]


@fixture
def tx_dcgs() -> pd.DataFrame:
    out = tx().copy()
    out.loc[0, "product_code"] = "DCGS0001"
    out.loc[1, "product_code"] = "SHIP-UK"
    out.loc[2, "product_code"] = "TSHIRT"
    return out


@fixture
def rows_as_dicts() -> list:
    return tx().head(5).to_dict("records")


@fixture
def unrelated() -> pd.DataFrame:
    return pd.DataFrame({"x": [1.0, 2.0], "y": ["a", "b"]})


@fixture
def cdnow() -> pd.DataFrame:
    return rl.load_cdnow()


@fixture
def summary() -> pd.DataFrame:
    return rl.rfm_summary(cdnow(), grain="D")


@fixture
def summary_no_money() -> pd.DataFrame:
    return summary().drop(columns="monetary_value")


@fixture
def summary_no_T() -> pd.DataFrame:
    return summary().drop(columns="T")


@fixture
def bg():
    return rl.BetaGeoModel().fit(summary())


@fixture
def pnbd():
    return rl.ParetoNBDModel().fit(summary())


@fixture
def gg():
    return rl.GammaGammaModel().fit(summary())


@fixture
def unfitted_bg():
    return rl.BetaGeoModel()


@fixture
def unfitted_gg():
    return rl.GammaGammaModel()


@fixture
def clv() -> pd.DataFrame:
    return rl.customer_lifetime_value(bg(), gg(), summary())


@fixture
def groups() -> pd.DataFrame:
    ids = summary()["customer_id"]
    codes = ids.str.len().to_numpy() + ids.str[-1].map(ord).to_numpy()
    return pd.DataFrame(
        {
            "customer_id": ids,
            "region": np.array(["Europe", "Asia", "Americas"])[codes % 3],
            "segment": np.array(["web", "shop"])[codes % 2],
        }
    )


@fixture
def clv_by_region() -> pd.DataFrame:
    return rl.clv_by_group(clv(), groups(), by="region")


@fixture
def uplift_by_segment() -> pd.DataFrame:
    return rl.retention_uplift(bg(), gg(), summary(), gains=[0.05], groups=groups(), by="segment")


@fixture
def groups_gap() -> pd.DataFrame:
    """Groups without the first ten customers."""
    return groups().iloc[10:]


@fixture
def split() -> pd.DataFrame:
    return rl.calibration_holdout_split(cdnow(), calibration_end="1997-09-30", grain="D")


@fixture
def bg_split():
    return rl.BetaGeoModel().fit(split())


@fixture
def split_one_row() -> pd.DataFrame:
    return split().iloc[:0]


@fixture
def cohort_table() -> pd.DataFrame:
    return rl.cohort_retention(tx(), min_cohort_size=1)


@fixture
def revenue_table() -> pd.DataFrame:
    return rl.revenue_retention(tx(), min_cohort_size=1)


@fixture
def curves() -> pd.DataFrame:
    return rl.average_retention(cohort_table())


@fixture
def value_curves_table() -> pd.DataFrame:
    return rl.value_curves(revenue_table())


@fixture
def customers() -> pd.DataFrame:
    return rl.customer_values(tx())


@fixture
def customers_clv() -> pd.DataFrame:
    out = rl.customer_values(tx())
    return out.assign(clv=out["revenue"] * 1.5)


@fixture
def pareto_tbl() -> pd.DataFrame:
    return rl.pareto_table(tx())


@fixture
def pareto_by_region() -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return rl.pareto_summary(tx(), by="region")


@fixture
def lorenz() -> pd.DataFrame:
    return rl.lorenz_curve(tx())


@fixture
def scores() -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return rl.rfm_scores(tx())


@fixture
def seg_summary() -> pd.DataFrame:
    return rl.segment_summary(scores())


@fixture
def alerts() -> pd.DataFrame:
    return rl.churn_risk_list(tx()).table


@fixture
def survey() -> pd.DataFrame:
    return rl.load_sample_survey()


@fixture
def survey_regions() -> pd.DataFrame:
    s = survey()
    return s.assign(region=np.array(["Europe", "Asia"])[np.arange(len(s)) % 2])


@fixture
def survey_region_gap() -> pd.DataFrame:
    out = survey_regions().copy()
    out["region"] = out["region"].astype(object)
    out.loc[:2, "region"] = None
    return out


@fixture
def nps_by_region() -> pd.DataFrame:
    return rl.nps(survey_regions(), by="region")


@fixture
def outcomes() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    n = 80
    orders = rng.integers(0, 4, n)
    return pd.DataFrame(
        {
            "customer_id": [f"c{i:02d}" for i in range(n)],
            "treatment": np.arange(n) % 2 == 0,
            "orders": orders,
            "revenue": orders * rng.uniform(5, 30, n),
            "retained": orders >= 1,
            "repeat": orders >= 2,
        }
    )


@fixture
def outcomes_nan_flag() -> pd.DataFrame:
    out = outcomes().copy()
    out["treatment"] = out["treatment"].astype(object)
    out.loc[:9, "treatment"] = np.nan
    return out


@fixture
def outcomes_labels() -> pd.DataFrame:
    return outcomes().assign(treatment=np.where(outcomes()["treatment"], "treatment", "control"))


@fixture
def assignment() -> pd.DataFrame:
    ids = tx()["customer_id"].unique()
    return pd.DataFrame({"customer_id": ids, "treatment": np.arange(len(ids)) % 2 == 0})


@fixture
def assignment_labels() -> pd.DataFrame:
    a = assignment()
    return a.assign(treatment=np.where(a["treatment"], "treatment", "control"))


@fixture
def assignment_nan() -> pd.DataFrame:
    a = assignment().copy()
    a["treatment"] = a["treatment"].astype(object)
    a.loc[:4, "treatment"] = np.nan
    return a


@fixture
def ab_result() -> pd.DataFrame:
    return rl.ab_test(outcomes())


@fixture
def uplift() -> pd.DataFrame:
    return rl.retention_uplift(bg(), gg(), summary(), gains=[0.05], groups=groups(), by="segment")


@fixture
def clv_groups() -> pd.DataFrame:
    return rl.clv_by_group(clv(), groups(), by="region")


@fixture
def calib() -> pd.DataFrame:
    return rl.calibration_by_frequency(bg_split(), split())


@fixture
def tracking() -> pd.DataFrame:
    return rl.cumulative_tracking(bg(), cdnow(), calibration_end="1997-09-30", grain="D")


@fixture
def period_tx() -> pd.DataFrame:
    return rl.period_transactions(bg(), summary())


@fixture
def fr_matrix() -> pd.DataFrame:
    return rl.frequency_recency_matrix(bg(), T=40, max_frequency=5, n_recency=5)


@fixture
def history() -> pd.DataFrame:
    return rl.p_alive_history(bg(), cdnow(), "1")


@fixture
def params() -> pd.Series:
    return bg().params_


@fixture
def a_file() -> str:
    import tempfile

    folder = Path(tempfile.mkdtemp(prefix="rl-bad-inputs-"))
    path = folder / "a_file.txt"
    path.write_text("not a folder")
    return str(path)


@fixture
def a_folder() -> str:
    import tempfile

    return tempfile.mkdtemp(prefix="rl-bad-inputs-")


@fixture
def alerts_path() -> str:
    return str(Path(a_folder()) / "alerts.csv")


def _cli(*argv: str) -> tuple[Any, str]:
    """``retention-lib`` with ``argv``: (exit code, stderr)."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            code = cli.main(list(argv))
        except SystemExit as exc:
            code = exc.code
    return code, err.getvalue()


def _fmt(value: Any) -> str:
    """Render a Styler, so that format errors show now and not in the notebook."""
    return value.to_html()


# --------------------------------------------------------------------------- generic cases
#
# Every function that reads a transaction log gets the same bad logs: rows as a list of dicts,
# None, a frame without `amount`, an empty frame, a missing amount, a missing date, a missing
# customer id, dates held as text.

_LIST = (ITE, r"`(transactions|data)` must be .*got list")
_NONE = (ITE, r"`(transactions|data)` must be .*got None\b")
_NO_AMOUNT = (DVE, r"missing column\(s\) `amount`")
_EMPTY = (DVE, r"`(transactions|data)` (has|holds) no (rows|purchase)")
_NAN = (DVE, r"Column `amount` (has \d+ missing|is missing)")
_NAT = (DVE, r"Column `timestamp` (has \d+ missing|is missing)")
_NO_ID = (DVE, r"Column `customer_id` (has \d+ missing|is missing)")
_TEXT = (ITE, r"Column `timestamp` (holds text|must hold datetimes)")
_SERIES = (ITE, r"`(transactions|data)` must be .*got Series")
_INF = (DVE, r"Column `amount` (has \d+ infinite value|sums to a non-finite number)")
_TWICE = (DVE, r"has more than one column named `amount`")

#: function, arguments before the log, keyword arguments, variants it does not read
_TRANSACTION_FUNCTIONS: list[tuple[Callable, tuple, dict, set[str]]] = [
    (rl.transactions_overview, (), {}, set()),
    (rl.describe_overview, (), {"by": "region"}, set()),
    (rl.cohort_retention, (), {}, set()),
    (rl.revenue_retention, (), {}, set()),
    (rl.churn_table, (), {}, set()),
    (rl.repeat_purchase_rates, (), {}, set()),
    (rl.customer_attributes, (), {}, {"nan", "inf"}),
    (rl.customer_values, (), {}, set()),
    (rl.pareto_table, (), {}, {"nat", "text"}),
    (rl.pareto_summary, (), {}, {"nat", "text"}),
    (rl.lorenz_curve, (), {}, {"nat", "text"}),
    (rl.pareto_deciles, (), {}, {"nat", "text"}),
    (rl.abc_summary, (), {}, {"nat", "text"}),
    (rl.rfm_scores, (), {}, set()),
    (rl.churn_risk_list, (), {}, set()),
    (rl.customer_counts, (), {"start": "2023-06-01", "end": "2023-12-01"}, set()),
    (rl.kpi_summary, (), {"start": "2023-06-01", "end": "2023-12-01"}, set()),
    (rl.rebuy_rate, (), {"start": "2023-06-01"}, set()),
    (rl.upsell_rate, (), {"start": "2023-06-01"}, set()),
    (rl.rfm_summary, (), {}, set()),
    (rl.calibration_holdout_split, (), {"calibration_end": "2023-08-01"}, set()),
    (rl.churn_scorecard, (), {"calibration_end": "2023-08-01"}, set()),
    (rl.customer_groups, (), {"by": "region"}, {"nan", "inf"}),
    (rl.ltv_comparison, (), {"clv": F.clv}, set()),
    (rl.cumulative_tracking, (F.bg,), {"calibration_end": "2023-08-01"}, set()),
    (rl.p_alive_history, (F.bg,), {"customer_id": "C001"}, set()),
    (rl.link_survey, (F.survey,), {}, {"nan", "inf"}),
    (rl.ltv_cac_by_group, (F.clv,), {"cac": 10.0}, {"nan", "inf"}),
    (rl.ab_outcomes, (), {"assignment": F.assignment, "start": "2023-06-01"}, set()),
    (rl.convert_currency, (), {"source_currency": "GBP"}, {"nan", "id", "empty", "inf"}),
    (rl.add_regions, (), {}, {"amount", "nan", "nat", "id", "text", "empty", "inf"}),
    (rl.clean_transactions, (), {}, {"nat", "id", "text", "empty"}),
    (widgets.cohort_view, (), {}, set()),
    (widgets.pareto_view, (), {}, {"nat", "text"}),
    (widgets.fit_clv, (), {}, set()),
    (rl.cohort_survival, (), {}, set()),
    (rl.net_revenue_retention, (), {}, set()),
    (rl.discrete_rfm_summary, (), {"period": "M"}, set()),
    (widgets.projection_view, (), {}, set()),
    (report.data_facts, (), {}, set()),
    (report.describe_data, (), {}, set()),
]

_VARIANTS = {
    "list": (F.rows_as_dicts, _LIST),
    "series": (F.tx_series, _SERIES),
    "none": (None, _NONE),
    "amount": (F.unrelated, None),  # filled per function below
    "empty": (F.tx_empty, _EMPTY),
    "nan": (F.tx_nan_amount, _NAN),
    "nat": (F.tx_nat, _NAT),
    "id": (F.tx_missing_id, _NO_ID),
    "text": (F.tx_text_time, _TEXT),
    "inf": (F.tx_inf, _INF),
    "twice": (F.tx_twice, _TWICE),
}


def _generic_cases() -> None:
    for func, before, kwargs, skip in _TRANSACTION_FUNCTIONS:
        for variant, (data, raises) in _VARIANTS.items():
            if variant in skip:
                continue
            if variant == "amount":
                data = F.unrelated
                raises = (DVE, r"missing column\(s\) `\w+`")
            bad(func, *before, data, raises=raises, id=f"log-{variant}", **kwargs)


_generic_cases()

# --------------------------------------------------------------------------- pipeline


def _cleaning_dropped_returns(result) -> bool:
    tx_, _ = result
    return not tx_["is_return"].any()


bad(rl.prepare_transactions, F.tx_labels, cleaning=["drop"],
    raises=(ITE, r"`cleaning` must be a dict"), id="cleaning-list")  # fmt: skip
bad(rl.prepare_transactions, F.tx_labels, cleaning={"cancelations": "drop"},
    raises=(DVE, r"`cleaning` has unknown option\(s\) 'cancelations'"), id="cleaning-typo")  # fmt: skip
ok(rl.prepare_transactions, F.tx, cleaning={"cancellations": "drop"},
   check=_cleaning_dropped_returns, id="cleaning-ok")  # fmt: skip
bad(rl.prepare_transactions, F.tx_labels, currency=5,
    raises=(ITE, r"`currency` must be an ISO 4217 code"), id="currency-int")  # fmt: skip
bad(rl.prepare_transactions, F.tx_labels, currency="euro",
    raises=(DVE, r"`currency` must be a three-letter ISO 4217 code"), id="currency-word")  # fmt: skip
bad(rl.prepare_transactions, F.tx_labels, aliases=["Narnia"],
    raises=(ITE, r"`aliases` must be a dict"), id="aliases-list")  # fmt: skip
bad(rl.prepare_transactions, F.tx_labels, source_currency=["GBP"],
    raises=(ITE, r"`source_currency` must be an ISO 4217 code"), id="source-currency-list")  # fmt: skip
bad(rl.prepare_transactions, F.tx_labels, custmer_id="id",
    raises=(ITE, r"`custmer_id` is not a column of the canonical schema"), id="unknown-column")  # fmt: skip
bad(rl.prepare_transactions, [1, 2, 3], raises=(ITE, r"`source` must be"), id="list-of-ints")
bad(rl.prepare_transactions, F.tx_labels, keep="tier",
    raises=(ITE, r"`keep` must be a sequence of column names"), id="keep-str")  # fmt: skip


def _overview_counts_missing_group(out: pd.DataFrame) -> bool:
    row = out[out["segment"] == "(missing)"]
    return len(row) == 1 and int(row["customers"].iloc[0]) == 5 and out["customers"].sum() == 60


ok(rl.transactions_overview, F.tx_seg_missing, by="segment",
   check=_overview_counts_missing_group, id="by-missing-values")  # fmt: skip
ok(rl.transactions_overview, F.tx, by="region",
   check=lambda out: out["customers"].sum() == 60 and abs(out["revenue_share"].sum() - 1) < 1e-9,
   id="by-region")  # fmt: skip
bad(rl.transactions_overview, F.tx, by=["region"],
    raises=(ITE, r"`by` must be a column name"), id="by-list")  # fmt: skip
bad(rl.transactions_overview, F.tx, by="channel",
    raises=(DVE, r"missing column\(s\) `channel`"), id="by-unknown")  # fmt: skip
ok(rl.describe_overview, F.tx, by="region", check=lambda text: text is None or "count" in text,
   id="by-region")  # fmt: skip
bad(rl.describe_overview, F.tx, by=None, raises=(ITE, r"`by` must be a column name"),
    id="by-none")  # fmt: skip
bad(rl.describe_overview, F.tx, by="channel", raises=(DVE, r"missing column\(s\) `channel`"),
    id="by-unknown")  # fmt: skip

# --------------------------------------------------------------------------- loading
# (argument checks only: parsing the file itself is tested in test_loading.py)

for _f in (rl.load_transactions, rl.scan_transactions):
    bad(_f, F.tx_labels, keep="tier", raises=(ITE, r"`keep` must be a sequence of column names"),
        id="keep-str")  # fmt: skip
    bad(_f, F.tx_labels, analysis_date="yesterday",
        raises=(DVE, r"`analysis_date` must be a date"), id="date-word")  # fmt: skip
    bad(_f, F.tx_labels, analysis_date=20240101, raises=(ITE, r"`analysis_date` must be a date"),
        id="date-int")  # fmt: skip
    bad(_f, 5, raises=(ITE, r"`source` must be"), id="source-int")
bad(rl.load_transactions, [1, 2], raises=(ITE, r"`source` must be"), id="source-list")
bad(rl.load_transactions, F.tx_labels, notes="x", raises=(ITE, r"`notes` must be a list"),
    id="notes-str")  # fmt: skip
bad(rl.load_transactions, "/nonexistent/log.csv", raises=(rl.DataPathError, r"does not exist"),
    id="no-file")  # fmt: skip
ok(rl.load_transactions, F.tx_labels, analysis_date=pd.Timestamp("2024-01-01"),
   check=lambda t: len(t) == len(tx()), id="date-timestamp")  # fmt: skip

# --------------------------------------------------------------------------- cleaning

bad(rl.clean_transactions, F.tx_dcgs, non_product_prefixes="POST",
    raises=(ITE, r"`non_product_prefixes` must be a sequence of str.*'POST'"), id="prefixes-str")  # fmt: skip
ok(rl.clean_transactions, F.tx_dcgs, non_product_prefixes=None,
   check=lambda r: "DCGS0001" in set(r[0]["product_code"]), id="prefixes-none")  # fmt: skip
ok(rl.clean_transactions, F.tx_dcgs, non_product_prefixes=["SHIP"],
   check=lambda r: "SHIP-UK" not in set(r[0]["product_code"])
   and {"TSHIRT", "DCGS0001"} <= set(r[0]["product_code"]), id="prefixes-list")  # fmt: skip
bad(rl.clean_transactions, F.tx_dcgs, non_product_codes="POST",
    raises=(ITE, r"`non_product_codes` must be a sequence of str.*'POST'"), id="codes-str")  # fmt: skip
bad(rl.clean_transactions, F.tx, non_product_codes=[1, 2],
    raises=(ITE, r"`non_product_codes` must be a sequence of str"), id="codes-ints")  # fmt: skip
ok(rl.clean_transactions, F.tx, non_product_codes=None,
   check=lambda r: r[1].rows_kept == len(tx()), id="codes-none")  # fmt: skip
bad(rl.clean_transactions, F.tx, test_customers="([",
    raises=(DVE, r"`test_customers` is not a valid regular expression"), id="regex-broken")  # fmt: skip
bad(rl.clean_transactions, F.tx, test_customers=r"^(?!C0)",
    raises=(DVE, r"`test_customers` uses look-around"), id="regex-lookahead")  # fmt: skip
bad(rl.clean_transactions, F.tx, test_customers=["C001"],
    raises=(ITE, r"`test_customers` must be a regular expression"), id="regex-list")  # fmt: skip
ok(rl.clean_transactions, F.tx, test_customers=r"^C00[0-4]$",
   check=lambda r: r[1].table.set_index("rule").loc["test_customer", "rows"]
   == int((tx()["customer_id"] < "C005").sum()), id="regex-ok")  # fmt: skip
bad(rl.clean_transactions, F.tx, cancellations="delete",
    raises=(DVE, r"`cancellations` must be 'net'"), id="cancellations-word")  # fmt: skip
bad(rl.clean_transactions, F.tx, drop_duplicates="no",
    raises=(ITE, r"`drop_duplicates` must be True or False"), id="flag-str")  # fmt: skip
bad(rl.clean_transactions, F.tx, drop_non_positive_prices="no",
    raises=(ITE, r"`drop_non_positive_prices` must be True or False"), id="flag-str-2")  # fmt: skip
bad(rl.clean_transactions, F.tx, notes="one note",
    raises=(ITE, r"`notes` must be a sequence of str"), id="notes-str")  # fmt: skip
ok(rl.clean_transactions, F.tx_empty,
   check=lambda r: r[1].rows_read == 0 and len(r[0]) == 0, id="empty")  # fmt: skip
bad(rl.clean_transactions, F.tx.assign(amount="1"), raises=(ITE, r"Column `amount` must be numeric"),
    id="text-amount")  # fmt: skip
ok(rl.clean_transactions, F.tx.assign(customer_id=np.arange(len(tx())), product_code=7, order_id=1),
   check=lambda r: r[1].rows_kept == len(tx()), id="integer-keys")  # fmt: skip

# --------------------------------------------------------------------------- regions

bad(rl.map_countries, None, raises=(ITE, r"`countries` must be a sequence"), id="none")
bad(rl.map_countries, "France", raises=(ITE, r"`countries` must be a sequence.*'France'"), id="str")
bad(rl.map_countries, 5, raises=(ITE, r"`countries` must be a sequence"), id="int")
ok(rl.map_countries, ["France", None, "Narnia", "EIRE"],
   check=lambda t: t["method"].tolist() == ["pycountry", "missing", "unmapped", "alias"],
   id="mixed")  # fmt: skip
ok(rl.map_countries, pd.Series(["Japan", "Japan"]), check=lambda t: len(t) == 1, id="series")
bad(rl.map_countries, ["France"], aliases=["x"], raises=(ITE, r"`aliases` must be a dict"),
    id="aliases-list")  # fmt: skip
bad(rl.map_countries, ["Narnia"], aliases={"Narnia": "Atlantis"},
    raises=(DVE, r"`aliases` maps 'Narnia' to 'Atlantis'"), id="alias-target")  # fmt: skip
bad(rl.country_to_iso, None, raises=(ITE, r"`names` must be a sequence"), id="none")
bad(rl.country_to_iso, "FR", raises=(ITE, r"`names` must be a sequence.*'FR'"), id="str")
ok(rl.country_to_iso, ["EIRE", None], check=lambda r: r == ["IE", None], id="missing")
bad(rl.add_regions, F.tx, unmapped="ignore", raises=(DVE, r"`unmapped` must be one of"),
    id="unmapped-word")  # fmt: skip
bad(rl.add_regions, F.tx, aliases="GB", raises=(ITE, r"`aliases` must be a dict"), id="aliases-str")
bad(rl.add_regions, F.tx.drop(columns="country"), raises=(DVE, r"missing column\(s\) `country`"),
    id="no-country")  # fmt: skip
ok(rl.add_regions, F.tx_seg_missing.assign(country=lambda d: d["segment"].map({"web": "Japan"})),
   check=lambda r: (r[0]["region"] == "Unknown").sum() == (r[0]["country"].isna()).sum() > 0,
   id="missing-country")  # fmt: skip

# --------------------------------------------------------------------------- currency

bad(rl.convert_currency, F.tx, to="euro", raises=(DVE, r"`to` must be a three-letter"),
    id="to-word")  # fmt: skip
bad(
    rl.convert_currency, F.tx, to=None, raises=(ITE, r"`to` must be an ISO 4217 code"), id="to-none"
)
bad(rl.convert_currency, F.tx, to="XYZ", raises=(DVE, r"`to` is 'XYZ'.*no ECB"), id="to-unknown")
bad(rl.convert_currency, F.tx, source_currency=["GBP"],
    raises=(ITE, r"`source_currency` must be an ISO 4217 code"), id="source-list")  # fmt: skip
bad(rl.convert_currency, F.tx, raises=(DVE, r"no `currency` column and `source_currency`"),
    id="no-currency")  # fmt: skip
bad(rl.convert_currency, F.tx, source_currency="GBP", converter="ecb",
    raises=(ITE, r"`converter` must be a CurrencyConverter"), id="converter-str")  # fmt: skip
ok(rl.convert_currency, F.tx_empty, source_currency="GBP", check=lambda r: len(r[0]) == 0,
   id="empty")  # fmt: skip
ok(rl.add_regions, F.tx_empty, check=lambda r: len(r[0]) == 0 and len(r[1]) == 0, id="empty")
ok(rl.convert_currency, F.tx_nan_amount, source_currency="GBP",
   check=lambda r: int(r[0]["amount"].isna().sum()) == 1, id="nan-amount-kept")  # fmt: skip

# --------------------------------------------------------------------------- cohorts

for _f in (rl.cohort_retention, rl.revenue_retention, rl.churn_table):
    bad(_f, F.tx, observation_end="soon", raises=(DVE, r"`observation_end` must be a date"),
        id="end-word")  # fmt: skip
    bad(_f, F.tx, observation_end=5, raises=(ITE, r"`observation_end` must be a date"),
        id="end-int")  # fmt: skip
    bad(_f, F.tx, period="month", raises=(DVE, r"`period` must be one of"), id="period-word")
    bad(_f, F.tx, by=["region"], raises=(ITE, r"`by` must be a column name"), id="by-list")
    bad(_f, F.tx, by="channel", raises=(DVE, r"missing column\(s\) `channel`"), id="by-unknown")
    bad(_f, F.tx_seg_missing, by="segment",
        raises=(DVE, r"Column `segment` has missing values for 5 customer"), id="by-missing")  # fmt: skip
bad(rl.repeat_purchase_rates, F.tx_seg_missing, by="segment",
    raises=(DVE, r"Column `segment` has missing values for 5 customer"), id="by-missing")  # fmt: skip
bad(rl.repeat_purchase_rates, F.tx, by=5, raises=(ITE, r"`by` must be a column name"), id="by-int")
for _f in (rl.cohort_retention, rl.revenue_retention):
    bad(_f, F.tx, min_cohort_size=2.5, raises=(DVE, r"`min_cohort_size` must be a whole number"),
        id="min-size-float")  # fmt: skip
    bad(_f, F.tx, min_cohort_size="30", raises=(ITE, r"`min_cohort_size` must be a whole number"),
        id="min-size-str")  # fmt: skip
bad(rl.cohort_retention, F.tx, kind=None, raises=(DVE, r"`kind` must be one of"), id="kind-none")
ok(rl.cohort_retention, F.tx, observation_end=pd.Timestamp("2023-06-30"),
   check=lambda t: t["cohort"].max() <= pd.Timestamp("2023-06-30"), id="end-timestamp")  # fmt: skip

bad(rl.retention_matrix, [1, 2], raises=(ITE, r"`table` must be a pandas DataFrame"), id="list")
bad(
    rl.retention_matrix,
    F.unrelated,
    raises=(DVE, r"`table` is missing column\(s\)"),
    id="unrelated",
)
bad(rl.retention_matrix, F.cohort_table, value="nope", raises=(DVE, r"`value` 'nope'"), id="value")
bad(rl.average_retention, [1, 2], raises=(ITE, r"`table` must be a pandas DataFrame"), id="list")
bad(rl.average_retention, F.unrelated, raises=(DVE, r"`table` is missing column\(s\)"),
    id="unrelated")  # fmt: skip
bad(rl.average_retention, F.cohort_table, value="nope",
    raises=(DVE, r"`table` is missing column\(s\) `nope`"), id="value")  # fmt: skip
bad(rl.average_retention, F.cohort_table, min_customers="x",
    raises=(ITE, r"`min_customers` must be a whole number"), id="min-str")  # fmt: skip
bad(rl.value_curves, [1, 2], raises=(ITE, r"`table` must be a pandas DataFrame"), id="list")
bad(rl.value_curves, F.cohort_table,
    raises=(DVE, r"`table` is missing column\(s\) `cumulative_revenue_per_customer`"),
    id="cohort-table")  # fmt: skip
bad(rl.value_curves, F.revenue_table, min_share=2, raises=(DVE, r"`min_share` must be in"),
    id="share-2")  # fmt: skip
bad(rl.value_curves, F.revenue_table, min_customers="x",
    raises=(ITE, r"`min_customers` must be a whole number"), id="min-str")  # fmt: skip
bad(rl.describe_retention, [1], raises=(ITE, r"`curves` must be a pandas DataFrame"), id="list")
bad(rl.describe_retention, F.unrelated, raises=(DVE, r"`curves` is missing column\(s\)"),
    id="unrelated")  # fmt: skip
bad(rl.describe_retention, F.curves, at=3, raises=(ITE, r"`at` must be a sequence of whole"),
    id="at-int")  # fmt: skip
ok(rl.describe_retention, F.curves, at=(1, 2), check=lambda s: "month 1" in s, id="at-ok")
bad(rl.describe_value_curves, [1], raises=(ITE, r"`curves` must be a pandas DataFrame"), id="list")
bad(rl.describe_value_curves, F.curves,
    raises=(DVE, r"`curves` is missing column\(s\) `cumulative_revenue_per_customer`"),
    id="retention-curves")  # fmt: skip
bad(rl.describe_value_curves, F.value_curves_table, at="12",
    raises=(ITE, r"`at` must be a whole number"), id="at-str")  # fmt: skip
bad(rl.describe_value_curves, F.value_curves_table, currency=5,
    raises=(ITE, r"`currency` must be"), id="currency-int")  # fmt: skip

# --------------------------------------------------------------------------- pareto

bad(rl.gini, ["a", "b"], raises=(ITE, r"`values` must be numbers"), id="strings")
bad(rl.gini, "123", raises=(ITE, r"`values` must be numbers"), id="str")
bad(rl.gini, None, raises=(ITE, r"`values` must be numbers"), id="none")
bad(rl.gini, {"a": 1.0}, raises=(ITE, r"`values` must be numbers"), id="dict")
bad(rl.gini, [], raises=(DVE, r"`values` is empty"), id="empty")
bad(rl.gini, [1.0, -1.0], raises=(DVE, r"`values` must be finite and >= 0"), id="negative")
bad(rl.gini, pd.Series([1.0, np.nan]), raises=(DVE, r"`values` must be finite"), id="nan")
bad(rl.gini, [0, 0], raises=(DVE, r"`values` are all 0"), id="zeros")
ok(rl.gini, pd.Series([0, 0, 0, 4]), check=lambda g: g == 0.75, id="series")
bad(rl.gini, [True, False], raises=(ITE, r"`values` must be numbers"), id="bools")
for _f in (rl.pareto_table, rl.pareto_summary, rl.lorenz_curve, rl.pareto_deciles, rl.abc_summary):
    bad(_f, F.tx, value=5, raises=(ITE, r"`value` must be a column name"), id="value-int")
    bad(_f, F.tx, value="profit", raises=(DVE, r"missing column\(s\) `profit`"), id="value-unknown")
    bad(_f, F.tx, by="customer_id", raises=(DVE, r"`by` cannot be `customer_id`"), id="by-id")
    bad(_f, F.tx, by=["region"], raises=(ITE, r"`by` must be a column name"), id="by-list")
    bad(_f, F.tx, negative="abs", raises=(DVE, r"`negative` must be one of"), id="negative")
    bad(_f, F.tx_seg_missing, by="segment",
        raises=(DVE, r"Column `segment` has missing values for 5 customer"), id="by-missing")  # fmt: skip
bad(rl.pareto_table, F.tx, abc_thresholds=(0.95, 0.8),
    raises=(DVE, r"`abc_thresholds` must rise"), id="thresholds-order")  # fmt: skip
bad(rl.pareto_table, F.tx, abc_thresholds="0.8",
    raises=(ITE, r"`abc_thresholds` must be a sequence of numbers"), id="thresholds-str")  # fmt: skip
bad(rl.abc_summary, F.tx, abc_thresholds=0.8,
    raises=(ITE, r"`abc_thresholds` must be a sequence of numbers"), id="thresholds-float")  # fmt: skip
bad(rl.pareto_summary, F.tx, top=0, raises=(DVE, r"`top` must be in"), id="top-0")
bad(rl.pareto_summary, F.tx, top="20%", raises=(ITE, r"`top` must be a number"), id="top-str")
bad(rl.pareto_summary, F.tx, target=1.5, raises=(DVE, r"`target` must be in"), id="target")
bad(rl.pareto_summary, F.tx, top=np.nan, raises=(DVE, r"`top` must be in"), id="top-nan")
bad(rl.concentration_comparison, F.customers_clv, values=[],
    raises=(DVE, r"`values` is empty"), id="values-empty")  # fmt: skip
bad(rl.concentration_comparison, F.customers_clv, values=["revenue", "profit"],
    raises=(DVE, r"missing column\(s\) `profit`"), id="values-unknown")  # fmt: skip
bad(rl.concentration_comparison, F.customers_clv, values=[1],
    raises=(ITE, r"`values` must be a sequence of column names"), id="values-int")  # fmt: skip
ok(rl.concentration_comparison, F.customers_clv, values="revenue",
   check=lambda t: t["measure"].tolist() == ["revenue"], id="values-one-str")  # fmt: skip
bad(rl.concentration_comparison, [1, 2], raises=(ITE, r"`customers` must be .*got list"),
    id="list")  # fmt: skip
for _m in (1.5, 0, -0.2):
    bad(rl.customer_values, F.tx, margin=_m, raises=(DVE, r"`margin` must be in \(0, 1\]"),
        id=f"margin-{_m}")  # fmt: skip
bad(rl.customer_values, F.tx, margin="30%", raises=(ITE, r"`margin` must be a number"),
    id="margin-str")  # fmt: skip
bad(rl.customer_values, F.tx, margin=True, raises=(ITE, r"`margin` must be a number"),
    id="margin-bool")  # fmt: skip
bad(rl.customer_values, F.tx, clv=[1], raises=(ITE, r"`clv` must be a pandas DataFrame"),
    id="clv-list")  # fmt: skip
bad(rl.customer_values, F.tx, clv=F.unrelated, raises=(DVE, r"`clv` is missing column\(s\) `customer_id`"),
    id="clv-unrelated")  # fmt: skip
bad(rl.customer_values, F.tx, by=1, raises=(ITE, r"`by` must be a column name"), id="by-int")
bad(rl.customer_values, F.tx, missing_clv="0", raises=(ITE, r"`missing_clv` must be a number"),
    id="missing-clv-str")  # fmt: skip
bad(rl.customer_values, F.tx, missing_clv=0.0, raises=(DVE, r"`missing_clv` .* needs `clv=`"),
    id="missing-clv-without-clv")  # fmt: skip

# --------------------------------------------------------------------------- segments

bad(rl.rfm_scores, F.tx, observation_end="yesterday", raises=(DVE, r"`observation_end` must be a date"),
    id="date-word")  # fmt: skip
bad(rl.rfm_scores, F.tx, observation_end=5, raises=(ITE, r"`observation_end` must be a date"),
    id="date-int")  # fmt: skip
bad(rl.rfm_scores, F.tx, observation_end="2023-01-01", raises=(DVE, r"is before the last purchase"),
    id="date-early")  # fmt: skip
bad(rl.rfm_scores, F.tx, segment_map=["Champions"], raises=(ITE, r"`segment_map` must be a non-empty"),
    id="map-list")  # fmt: skip
bad(rl.rfm_scores, F.tx, segment_map={"A": {"r": (5, 1)}},
    raises=(DVE, r"`segment_map\['A'\]\['r'\]`"), id="map-range")  # fmt: skip
bad(rl.rfm_scores, F.tx_seg_missing, by="segment",
    raises=(DVE, r"Column `segment` has missing values for 5 customer"), id="by-missing")  # fmt: skip
bad(rl.segment_summary, [1], raises=(ITE, r"`scores` must be a pandas DataFrame"), id="list")
bad(
    rl.segment_summary,
    F.unrelated,
    raises=(DVE, r"`scores` is missing column\(s\)"),
    id="unrelated",
)
bad(rl.segment_summary, F.scores, by="region", raises=(DVE, r"`scores` is missing column\(s\) `region`"),
    id="by-unknown")  # fmt: skip
bad(rl.segment_summary, F.scores, by=["segment"], raises=(ITE, r"`by` must be a column name"),
    id="by-list")  # fmt: skip
bad(rl.segment_map_table, "Champions", raises=(ITE, r"`segment_map` must be a non-empty"), id="str")
bad(rl.segment_map_table, {}, raises=(ITE, r"`segment_map` must be a non-empty"), id="empty")
bad(rl.segment_map_table, {"A": {"x": (1, 2)}}, raises=(DVE, r"has key 'x'"), id="key")
ok(rl.segment_map_table, None, check=lambda t: len(t) == len(rl.DEFAULT_SEGMENT_MAP), id="default")
bad(rl.churn_risk_list, F.tx, value="margin", raises=(DVE, r"`value` must be 'revenue' or 'clv'"),
    id="value")  # fmt: skip
bad(rl.churn_risk_list, F.tx, top_value_share=0, raises=(DVE, r"`top_value_share` must be in"),
    id="share-0")  # fmt: skip
bad(rl.churn_risk_list, F.tx, min_days="x", raises=(ITE, r"`min_days` must be a number"),
    id="min-days-str")  # fmt: skip
bad(rl.churn_risk_list, F.tx, limit="ten", raises=(ITE, r"`limit` must be a whole number"),
    id="limit-str")  # fmt: skip
bad(rl.churn_risk_list, F.tx, limit=-1, raises=(DVE, r"`limit` must be in \[0, inf"),
    id="limit-negative")  # fmt: skip
bad(rl.churn_risk_list, F.tx, observation_end="soon", raises=(DVE, r"`observation_end` must be a date"),
    id="date-word")  # fmt: skip
bad(rl.churn_risk_list, F.tx, predictions=[1], raises=(ITE, r"`predictions` must be a pandas"),
    id="predictions-list")  # fmt: skip
bad(rl.churn_risk_list, F.tx, predictions=pd.DataFrame({"customer_id": ["C001"], "p_alive": [1.5]}),
    raises=(DVE, r"`p_alive` of `predictions` must hold probabilities"), id="p-alive-1.5")  # fmt: skip
bad(rl.churn_risk_list, F.tx, value="clv", raises=(DVE, r"`value='clv'` needs a `clv` column"),
    id="clv-without-predictions")  # fmt: skip
bad(rl.churn_risk_list, F.tx, model="BetaGeoModel", summary=F.summary, horizon=39,
    raises=(ITE, r"`model` must be a fitted"), id="model-str")  # fmt: skip
bad(rl.churn_risk_list, F.cdnow, model=F.bg, horizon=39,
    raises=(DVE, r"`model` needs `summary`"), id="model-without-summary")  # fmt: skip
bad(rl.churn_risk_list, F.cdnow, model=F.bg, summary=[1], horizon=39,
    raises=(ITE, r"`summary` must be a pandas DataFrame"), id="summary-list")  # fmt: skip
bad(rl.churn_risk_list, F.cdnow, model=F.bg, summary=F.summary,
    raises=(DVE, r"`model` needs `horizon`"), id="model-without-horizon")  # fmt: skip
bad(rl.churn_risk_list, F.cdnow, model=F.bg, summary=F.summary, horizon="half a year",
    raises=(ITE, r"`t` must be a number"), id="horizon-str")  # fmt: skip
bad(rl.churn_risk_list, F.cdnow, model=F.unfitted_bg, summary=F.summary, horizon=39,
    raises=(NFE, r"not fitted yet"), id="model-unfitted")  # fmt: skip
bad(rl.churn_risk_list, F.tx, model=F.bg, summary=F.summary, horizon=39,
    raises=(DVE, r"not in `summary`"), id="summary-of-other-customers")  # fmt: skip
bad(rl.churn_risk_list, F.tx, rank_by="churn", raises=(DVE, r"`rank_by` must be one of"),
    id="rank-by-word")  # fmt: skip
bad(rl.churn_risk_list, F.tx, rank_by="value_at_risk",
    raises=(DVE, r"`rank_by='value_at_risk'` needs P\(no purchase\)"), id="rank-without-model")  # fmt: skip
ok(rl.churn_risk_list, F.cdnow, model=F.bg, summary=F.summary, horizon=39,
   check=lambda t: t.table["p_no_purchase"].is_monotonic_decreasing
   and t.table["p_no_purchase"].between(0, 1).all(), id="ranked-by-p-no-purchase")  # fmt: skip
bad(rl.export_churn_risk, [1], "x.csv", raises=(ITE, r"`alerts` must be a pandas"), id="list")
bad(rl.export_churn_risk, F.unrelated, "x.csv", raises=(DVE, r"`alerts` is missing column\(s\)"),
    id="unrelated")  # fmt: skip
bad(
    rl.export_churn_risk,
    F.alerts,
    None,
    raises=(ITE, r"`path` must be a file path"),
    id="path-none",
)
bad(rl.export_churn_risk, F.alerts, 5, raises=(ITE, r"`path` must be a file path"), id="path-int")
bad(rl.export_churn_risk, F.alerts, F.a_folder, raises=(DVE, r"`path` .* is a folder"),
    id="path-folder")  # fmt: skip

# --------------------------------------------------------------------------- kpis

bad(rl.churn_rate, "a", 10, raises=(ITE, r"`lost` must be a number"), id="str")
bad(rl.churn_rate, True, 10, raises=(ITE, r"`lost` must be a number"), id="bool")
bad(rl.churn_rate, 20, 10, raises=(DVE, r"`lost` \(20\) exceeds `start`"), id="lost-gt-start")
bad(rl.churn_rate, 1, 0, raises=(DVE, r"`start` is 0"), id="start-0")
bad(rl.churn_rate, np.nan, 10, raises=(DVE, r"`lost` must be a finite count"), id="nan")
ok(rl.churn_rate, np.int64(20), 200, check=lambda v: v == 0.1, id="numpy-int")
bad(rl.retention_rate, 190, 30, 0, raises=(DVE, r"`start` is 0"), id="start-0")
bad(rl.retention_rate, None, 1, 2, raises=(ITE, r"`end` must be a number"), id="none")
bad(rl.retention_rate, 10, 30, 200, raises=(DVE, r"`end` - `new`"), id="negative-kept")
bad(rl.retention_roi, 100, 0, raises=(DVE, r"`retention_cost` must be in"), id="cost-0")
bad(rl.retention_roi, "x", 1, raises=(ITE, r"`retained_value` must be a number"), id="str")
bad(rl.ltv_cac, 600, 0, raises=(DVE, r"`cac` must be finite and > 0"), id="cac-0")
bad(rl.ltv_cac, "a", 1, raises=(ITE, r"`ltv` must be numbers"), id="str")
bad(rl.ltv_cac, 600, None, raises=(ITE, r"`cac` must be numbers"), id="cac-none")
bad(rl.ltv_cac, [1, 2], [1, 2, 3], raises=(DVE, r"`ltv` and `cac` must have the same length"),
    id="lengths")  # fmt: skip
bad(
    rl.ltv_cac, 600, 100, healthy_ratio=0, raises=(DVE, r"`healthy_ratio` must be in"), id="ratio-0"
)
ok(rl.ltv_cac, pd.Series([600.0], index=["web"]), 150, check=lambda t: t.index[0] == "web",
   id="series")  # fmt: skip
bad(rl.ltv_cac_by_group, F.clv, F.tx, cac={"web": 10.0},
    raises=(DVE, r"No acquisition cost for segment"), id="cac-missing-group")  # fmt: skip
bad(rl.ltv_cac_by_group, F.clv, F.tx, cac=-5.0, raises=(DVE, r"`cac` must be finite and > 0"),
    id="cac-negative")  # fmt: skip
bad(rl.ltv_cac_by_group, F.clv, F.tx, cac="10", raises=(ITE, r"`cac` must be a number or a dict"),
    id="cac-str")  # fmt: skip
bad(rl.ltv_cac_by_group, F.clv, F.tx, cac=10.0, value="nope",
    raises=(DVE, r"`values` is missing column\(s\) `nope`"), id="value")  # fmt: skip
bad(rl.ltv_cac_by_group, [1], F.tx, cac=10.0, raises=(ITE, r"`values` must be a pandas"),
    id="values-list")  # fmt: skip
bad(rl.ltv_cac_by_group, F.clv, F.tx, cac=10.0, by=["segment"],
    raises=(ITE, r"`by` must be a column name"), id="by-list")  # fmt: skip
for _f, _kw in (
    (rl.customer_counts, {"end": "2023-12-01"}),
    (rl.kpi_summary, {"end": "2023-12-01"}),
    (rl.rebuy_rate, {}),
    (rl.upsell_rate, {}),
):
    bad(_f, F.tx, start="soon", raises=(DVE, r"`start` must be a date"), id="start-word", **_kw)
    bad(_f, F.tx, start=None, raises=(DVE, r"`start` must be a date"), id="start-none", **_kw)
    bad(_f, F.tx, start=20230601, raises=(ITE, r"`start` must be a date"), id="start-int", **_kw)
    bad(_f, F.tx, start="2024-01-01", end="2023-01-01",
        raises=(DVE, r"`end` \(2023-01-01 00:00:00\) must be after `start`"), id="end-first")  # fmt: skip
for _f in (rl.customer_counts, rl.kpi_summary):
    bad(_f, F.tx, start="2023-06-01", end="2023-12-01", active_days=0,
        raises=(DVE, r"`active_days` must be in"), id="days-0")  # fmt: skip
    bad(_f, F.tx, start="2023-06-01", end="2023-12-01", active_days="x",
        raises=(ITE, r"`active_days` must be a whole number"), id="days-str")  # fmt: skip
bad(rl.customer_counts, F.tx_seg_missing, start="2023-06-01", end="2023-12-01", by="segment",
    raises=(DVE, r"Column `segment` has missing values for 5 customer"), id="by-missing")  # fmt: skip
bad(rl.upsell_rate, F.tx_labels, start="2023-06-01",
    raises=(DVE, r"missing column\(s\) `product_code`"), id="no-products")  # fmt: skip
bad(rl.rebuy_rate, F.tx, start="2022-01-01", raises=(DVE, r"No customer bought before `start`"),
    id="start-before-data")  # fmt: skip

for _f, _col in ((rl.nps, "nps"), (rl.csat, "csat"), (rl.ces, "ces")):
    bad(_f, "10,9,8", raises=(ITE, r"`responses` must be a DataFrame or a sequence"), id="str")
    bad(_f, None, raises=(ITE, r"`responses` must be a DataFrame or a sequence"), id="none")
    bad(_f, [99, 1], raises=(DVE, r"Column `responses` must hold whole numbers"), id="scale")
    bad(_f, ["good"], raises=(DVE, r"non-numeric answers"), id="text")
    bad(_f, F.survey, column="nope", raises=(DVE, r"`responses` is missing column\(s\) `nope`"),
        id="column")  # fmt: skip
    bad(_f, F.survey_region_gap, by="region", raises=(DVE, r"Column `region` has missing values"),
        id="by-missing")  # fmt: skip
    bad(_f, F.survey, confidence=95, raises=(DVE, r"`confidence` must be in"), id="confidence-95")
    bad(_f, F.survey, min_responses="x", raises=(ITE, r"`min_responses` must be a whole number"),
        id="min-str")  # fmt: skip
    bad(_f, F.survey, by=["region"], raises=(ITE, r"`by` must be a column name"), id="by-list")
    ok(_f, F.survey, check=lambda t: int(t["n"].iloc[0]) + int(t["n_missing"].iloc[0]) == 1000,
       id="counts")  # fmt: skip
bad(
    rl.csat, F.survey, scale=(5, 1), raises=(DVE, r"`scale` must have low < high"), id="scale-order"
)
bad(rl.csat, F.survey, satisfied_from=9, raises=(DVE, r"`satisfied_from` must lie within"),
    id="satisfied")  # fmt: skip
bad(rl.csat, F.survey, satisfied_from="4", raises=(ITE, r"`satisfied_from` must be a whole"),
    id="satisfied-str")  # fmt: skip
bad(
    rl.ces, F.survey, scale=7, raises=(ITE, r"`scale` must be a \(low, high\) pair"), id="scale-int"
)
bad(rl.loyalty_score, [1], raises=(ITE, r"`responses` must be a pandas DataFrame"), id="list")
bad(rl.loyalty_score, F.survey, columns="abc", raises=(ITE, r"`columns` must be a sequence of"),
    id="columns-str")  # fmt: skip
bad(rl.loyalty_score, F.survey, columns=["loyalty_rebuy"], raises=(DVE, r"`columns` must name the three"),
    id="columns-one")  # fmt: skip
bad(rl.loyalty_score, F.survey_region_gap, by="region",
    raises=(DVE, r"Column `region` has missing values"), id="by-missing")  # fmt: skip
bad(rl.survey_summary, [1], raises=(ITE, r"`responses` must be a pandas DataFrame"), id="list")
bad(rl.survey_summary, F.unrelated, raises=(DVE, r"has none of the survey score columns"),
    id="unrelated")  # fmt: skip
bad(rl.survey_summary, F.survey, min_responses=None,
    raises=(ITE, r"`min_responses` must be a whole number"), id="min-none")  # fmt: skip
bad(rl.customer_attributes, F.tx, columns="region",
    raises=(ITE, r"`columns` must be a sequence of column names.*'region'"), id="columns-str")  # fmt: skip
ok(rl.customer_attributes, F.tx, columns=["region"],
   check=lambda t: t["customer_id"].is_unique and list(t.columns) == ["customer_id", "region"],
   id="region")  # fmt: skip
bad(rl.link_survey, [1], F.tx, raises=(ITE, r"`survey` must be a pandas DataFrame"), id="list")
bad(rl.link_survey, F.unrelated, F.tx, raises=(DVE, r"`survey` is missing column `customer_id`"),
    id="unrelated")  # fmt: skip
bad(rl.link_survey, F.survey, F.tx, columns="region",
    raises=(ITE, r"`columns` must be a sequence of column names.*'region'"), id="columns-str")  # fmt: skip
bad(rl.link_survey, F.survey, F.tx, unknown=None, raises=(ITE, r"`unknown` must be a str"),
    id="unknown-none")  # fmt: skip

# --------------------------------------------------------------------------- abtest

bad(rl.random_assignment, ["a", "b"], treatment_share=1, raises=(DVE, r"`treatment_share` must be in"),
    id="share-1")  # fmt: skip
bad(rl.random_assignment, "abc", raises=(ITE, r"`customers` must be a sequence of ids"), id="str")
bad(rl.random_assignment, None, raises=(ITE, r"`customers` must be a sequence of ids"), id="none")
bad(rl.random_assignment, [], raises=(DVE, r"`customers` is empty"), id="empty")
bad(rl.random_assignment, F.unrelated, raises=(DVE, r"`customers` is missing column `customer_id`"),
    id="frame-no-id")  # fmt: skip
bad(rl.random_assignment, ["a", "b"], seed="x", raises=(ITE, r"`seed` must be a whole number"),
    id="seed-str")  # fmt: skip
ok(rl.random_assignment, ["b", "a", "b"], seed=1, check=lambda t: t["customer_id"].tolist() == ["a", "b"],
   id="duplicates")  # fmt: skip
bad(
    rl.random_assignment, ["a", None], raises=(DVE, r"`customers` has missing ids"), id="missing-id"
)

bad(rl.ab_outcomes, F.tx, F.assignment_nan, start="2023-06-01",
    raises=(DVE, r"Column `treatment` must be True/False"), id="flag-nan")  # fmt: skip
bad(rl.ab_outcomes, F.tx, F.assignment_labels, start="2023-06-01",
    raises=(DVE, r"Column `treatment` must be True/False \(or 1/0\).*pass `treatment=`"),
    id="flag-labels")  # fmt: skip
ok(rl.ab_outcomes, F.tx, F.assignment_labels, start="2023-06-01", treatment="treatment",
   check=lambda t: int(t["treatment"].sum()) == 30, id="flag-labels-named", new_api=True)  # fmt: skip
bad(rl.ab_outcomes, F.tx, F.assignment_labels, start="2023-06-01", treatment="treated",
    raises=(DVE, r"`treatment` 'treated' is not a value of column `treatment`"),
    id="flag-labels-wrong", new_api=True)  # fmt: skip
bad(rl.ab_outcomes, F.tx, F.assignment, start="soon", raises=(DVE, r"`start` must be a date"),
    id="start-word")  # fmt: skip
bad(rl.ab_outcomes, F.tx, [1], start="2023-06-01", raises=(ITE, r"`assignment` must be a pandas"),
    id="assignment-list")  # fmt: skip
bad(rl.ab_outcomes, F.tx, F.assignment, start="2023-06-01", flag="group",
    raises=(DVE, r"`assignment` is missing column\(s\) `group`"), id="flag-unknown")  # fmt: skip
bad(rl.ab_outcomes, F.tx, F.assignment, start="2023-06-01", end="2023-01-01",
    raises=(DVE, r"`end` .* must be after `start`"), id="end-first")  # fmt: skip

bad(rl.ab_test, F.outcomes_nan_flag, raises=(DVE, r"Column `treatment` must be True/False"),
    id="flag-nan")  # fmt: skip
bad(rl.ab_test, F.outcomes_labels, raises=(DVE, r"Column `treatment` must be True/False"),
    id="flag-labels")  # fmt: skip
ok(rl.ab_test, F.outcomes_labels, treatment="treatment",
   check=lambda t: int(t["n_treatment"].iloc[0]) == 40, id="flag-labels-named", new_api=True)  # fmt: skip
bad(rl.ab_test, F.outcomes, metrics="profit", raises=(DVE, r"`metrics` has unknown metric\(s\) 'profit'"),
    id="metric-unknown")  # fmt: skip
bad(rl.ab_test, F.outcomes, metrics=[], raises=(DVE, r"`metrics` is empty"), id="metrics-empty")
bad(rl.ab_test, F.outcomes, confidence=1, raises=(DVE, r"`confidence` must be in"), id="conf-1")
bad(rl.ab_test, [1], raises=(ITE, r"`outcomes` must be a pandas DataFrame"), id="list")
bad(rl.ab_test, F.outcomes.drop(columns="repeat"), raises=(DVE, r"missing column\(s\) `repeat`"),
    id="no-metric-column")  # fmt: skip
bad(rl.ab_test, F.outcomes, min_group_size="x", raises=(ITE, r"`min_group_size` must be a whole"),
    id="min-str")  # fmt: skip
ok(rl.ab_test, F.outcomes.assign(treatment=lambda d: d["treatment"].astype(int)),
   check=lambda t: int(t["n_treatment"].iloc[0]) == 40, id="flag-0-1")  # fmt: skip

# --------------------------------------------------------------------------- what-if

bad(rl.max_retention_gain, {"r": 1, "alpha": 1, "a": 1, "b": 1},
    raises=(ITE, r"`params` must be the BG/NBD parameters"), id="dict")  # fmt: skip
bad(rl.max_retention_gain, pd.Series({"r": 1.0, "alpha": 1.0, "a": np.nan, "b": 1.0}),
    raises=(DVE, r"`params` must be finite and > 0"), id="nan")  # fmt: skip
bad(
    rl.retention_gain_params, F.params, -0.1, raises=(DVE, r"`gain` must be in"), id="gain-negative"
)
bad(
    rl.retention_gain_params,
    F.params,
    "5%",
    raises=(ITE, r"`gain` must be a number"),
    id="gain-str",
)
bad(rl.retention_gain_params, F.params, 5, raises=(DVE, r"would push the average chance"),
    id="gain-too-big")  # fmt: skip
_MODELS = (F.bg, F.gg, F.summary)
for _f in (rl.retention_scenario, rl.retention_uplift):
    bad(_f, *_MODELS, margin=1.5, raises=(DVE, r"`margin` must be in \(0, 1\]"), id="margin-1.5")
    bad(_f, *_MODELS, margin=0, raises=(DVE, r"`margin` must be in \(0, 1\]"), id="margin-0")
    bad(_f, *_MODELS, horizon_months="a year", raises=(ITE, r"`horizon_months` must be a whole"),
        id="horizon-str")  # fmt: skip
    bad(_f, *_MODELS, discount_rate=12, raises=(DVE, r"`discount_rate` must be in \[0, 1\)"),
        id="rate-12")  # fmt: skip
    bad(_f, F.pnbd, F.gg, F.summary, raises=(ITE, r"`bgnbd` must be a fitted BetaGeoModel"),
        id="pareto-nbd")  # fmt: skip
    bad(_f, F.unfitted_bg, F.gg, F.summary, raises=(NFE, r"not fitted yet"), id="unfitted")
    bad(
        _f,
        F.bg,
        F.gg,
        [1],
        raises=(ITE, r"`summary` must be a pandas DataFrame"),
        id="summary-list",
    )
    bad(_f, F.bg, F.gg, F.summary_no_money, raises=(DVE, r"missing column\(s\) `monetary_value`"),
        id="no-money")  # fmt: skip
bad(rl.retention_uplift, *_MODELS, gains=[], raises=(DVE, r"`gains` is empty"), id="gains-empty")
bad(rl.retention_uplift, *_MODELS, gains="0.05", raises=(ITE, r"`gains` must be a sequence of numbers"),
    id="gains-str")  # fmt: skip
bad(rl.retention_uplift, *_MODELS, by="segment", raises=(DVE, r"`by='segment'` needs `groups`"),
    id="by-without-groups")  # fmt: skip
bad(rl.retention_uplift, *_MODELS, groups=F.groups_gap, by="segment",
    raises=(DVE, r"10 customer\(s\) of `summary` have no `segment`"), id="groups-gap")  # fmt: skip
bad(rl.retention_uplift, *_MODELS, groups=F.groups, by="tier",
    raises=(DVE, r"`groups` is missing column\(s\) `tier`"), id="by-unknown")  # fmt: skip
bad(rl.retention_value_multiplier, 1.2, raises=(DVE, r"`retention` must lie in \(0, 1\)"), id="1.2")
bad(rl.retention_value_multiplier, "0.8", raises=(ITE, r"`retention` must be numbers"), id="str")
bad(rl.retention_value_multiplier, [], raises=(DVE, r"`retention` is empty"), id="empty")
bad(rl.retention_value_multiplier, 0.8, discount_rate=10, raises=(DVE, r"`discount_rate` must be in"),
    id="rate-10")  # fmt: skip
bad(rl.retention_value_multiplier, 0.8, gain=0.5, raises=(DVE, r"pushes retention 0.8 to 1"),
    id="gain-too-big")  # fmt: skip

# --------------------------------------------------------------------------- clv

bad(rl.rfm_summary, F.tx, time_unit="week", raises=(DVE, r"`time_unit` must be one of"), id="unit")
bad(rl.rfm_summary, F.tx, observation_end="soon", raises=(DVE, r"`observation_end` must be a date"),
    id="end-word")  # fmt: skip
bad(rl.rfm_summary, F.tx, observation_end=5, raises=(ITE, r"`observation_end` must be a date"),
    id="end-int")  # fmt: skip
bad(rl.rfm_summary, F.tx, time_unit="W", grain="M", raises=(DVE, r"`grain` \('M'\) must not be"),
    id="grain-coarse")  # fmt: skip
bad(rl.rfm_summary, F.tx, engine="spark", raises=(DVE, r"`engine` must be one of"), id="engine")
bad(rl.rfm_summary, F.tx, count_zero_amounts="no",
    raises=(ITE, r"`count_zero_amounts` must be True or False"), id="flag-str")  # fmt: skip
bad(rl.rfm_summary, F.tx, monetary="no", raises=(ITE, r"`monetary` must be True or False"),
    id="monetary-str")  # fmt: skip
bad(rl.calibration_holdout_split, F.tx, calibration_end="soon",
    raises=(DVE, r"`calibration_end` must be a date"), id="cal-word")  # fmt: skip
bad(rl.calibration_holdout_split, F.tx, calibration_end=None,
    raises=(DVE, r"`calibration_end` must be a date"), id="cal-none")  # fmt: skip
bad(rl.calibration_holdout_split, F.tx, calibration_end="2024-06-01",
    raises=(DVE, r"must fall in an earlier"), id="cal-after-end")  # fmt: skip

_CLV = (F.bg, F.gg, F.summary)
for _f in (rl.customer_lifetime_value, rl.clv_intervals):
    _kw = {"n_draws": 2, "progress": False} if _f is rl.clv_intervals else {}
    bad(_f, *_CLV, horizon_months="a year", raises=(ITE, r"`horizon_months` must be a whole"),
        id="horizon-str", **_kw)  # fmt: skip
    for _h in (0, -3):
        bad(_f, *_CLV, horizon_months=_h, raises=(DVE, r"`horizon_months` must be in \[1, 600\]"),
            id=f"horizon-{_h}", **_kw)  # fmt: skip
    bad(_f, *_CLV, horizon_months=np.nan, raises=(DVE, r"`horizon_months` must be a whole"),
        id="horizon-nan", **_kw)  # fmt: skip
    bad(_f, *_CLV, horizon_months=1.5, raises=(DVE, r"`horizon_months` must be a whole"),
        id="horizon-1.5", **_kw)  # fmt: skip
    for _m in (1.5, 0):
        bad(_f, *_CLV, margin=_m, raises=(DVE, r"`margin` must be in \(0, 1\]"), id=f"margin-{_m}",
            **_kw)  # fmt: skip
    bad(_f, *_CLV, discount_rate=-0.1, raises=(DVE, r"`discount_rate` must be in \[0, 1\)"),
        id="rate-negative", **_kw)  # fmt: skip
    bad(_f, *_CLV, discount_rate=1, raises=(DVE, r"`discount_rate` must be in \[0, 1\)"),
        id="rate-1", **_kw)  # fmt: skip
    bad(_f, *_CLV, discount_rate="1%", raises=(ITE, r"`discount_rate` must be a number"),
        id="rate-str", **_kw)  # fmt: skip
    bad(_f, F.bg, F.gg, F.summary_no_money, raises=(DVE, r"missing column\(s\) `monetary_value`"),
        id="no-money", **_kw)  # fmt: skip
    bad(
        _f, F.bg, F.gg, [1], raises=(ITE, r"`summary` must be a pandas DataFrame"), id="list", **_kw
    )
    bad(
        _f, None, F.gg, F.summary, raises=(ITE, r"`bgnbd` must be a fitted"), id="model-none", **_kw
    )
    bad(_f, F.bg, F.unfitted_gg, F.summary, raises=(NFE, r"not fitted yet"), id="unfitted", **_kw)
    bad(_f, *_CLV, time_unit="week", raises=(DVE, r"`time_unit` must be one of"),
        id="unit", **_kw)  # fmt: skip
ok(rl.customer_lifetime_value, F.bg, F.gg, F.summary, horizon_months=np.int64(6),
   check=lambda t: (t["clv"] >= 0).all(), id="horizon-numpy-int")  # fmt: skip
bad(rl.clv_intervals, *_CLV, n_draws=1, progress=False, raises=(DVE, r"`n_draws` must be in"),
    id="draws-1")  # fmt: skip
bad(rl.clv_intervals, *_CLV, n_draws="x", progress=False,
    raises=(ITE, r"`n_draws` must be a whole number"), id="draws-str")  # fmt: skip
bad(rl.clv_intervals, *_CLV, n_draws=2, level=0.3, progress=False,
    raises=(DVE, r"`level` must be in"), id="level")  # fmt: skip
bad(rl.clv_intervals, *_CLV, n_draws=2, seed="x", progress=False,
    raises=(ITE, r"`seed` must be a whole number"), id="seed-str")  # fmt: skip
bad(rl.clv_intervals, *_CLV, n_draws=2, groups=[1], progress=False,
    raises=(ITE, r"`groups` must be a pandas DataFrame"), id="groups-list")  # fmt: skip
bad(rl.clv_intervals, *_CLV, n_draws=2, groups=F.groups, by="tier", progress=False,
    raises=(DVE, r"missing column(\(s\))? `tier`"), id="by-unknown")  # fmt: skip

bad(rl.customer_groups, [1], raises=(ITE, r"`transactions` must be a pandas DataFrame"), id="list")
bad(
    rl.customer_groups,
    F.tx,
    by="tier",
    raises=(DVE, r"missing column(\(s\))? `tier`"),
    id="by-unknown",
)
bad(rl.customer_groups, F.tx, by=["region"], raises=(ITE, r"`by` must be a column name"),
    id="by-list")  # fmt: skip
ok(rl.customer_groups, F.tx_seg_missing, by="segment",
   check=lambda t: len(t) == 60 and int(t["segment"].isna().sum()) == 5, id="by-missing")  # fmt: skip
bad(rl.clv_by_group, [1], F.groups, raises=(ITE, r"`clv` must be a pandas DataFrame"), id="list")
bad(rl.clv_by_group, F.unrelated, F.groups, raises=(DVE, r"`clv` is missing column\(s\)"),
    id="unrelated")  # fmt: skip
bad(rl.clv_by_group, F.clv, [1], raises=(ITE, r"`groups` must be a pandas DataFrame"),
    id="groups-list")  # fmt: skip
bad(rl.clv_by_group, F.clv, F.groups, by="tier", raises=(DVE, r"missing column(\(s\))? `tier`"),
    id="by-unknown")  # fmt: skip
bad(rl.clv_by_group, F.clv, F.groups, intervals=[1], raises=(ITE, r"`intervals` must be a pandas"),
    id="intervals-list")  # fmt: skip
bad(rl.clv_by_group, F.clv, F.groups, intervals=F.unrelated,
    raises=(DVE, r"`intervals` is missing column\(s\)"), id="intervals-unrelated")  # fmt: skip
ok(rl.clv_by_group, F.clv, F.groups_gap, by="region",
   check=lambda t: int(t.loc[t["region"] == "(missing)", "customers"].sum()) == 10
   and int(t["customers"].sum()) == len(summary()), id="groups-gap")  # fmt: skip
bad(rl.fit_by_group, F.summary, F.groups, min_customers="x",
    raises=(ITE, r"`min_customers` must be a whole number"), id="min-str")  # fmt: skip
bad(rl.fit_by_group, F.summary, F.groups, model="BetaGeoModel",
    raises=(ITE, r"`model` must be a purchase model class"), id="model-str")  # fmt: skip
bad(rl.fit_by_group, F.summary, [1], raises=(ITE, r"`groups` must be a pandas DataFrame"),
    id="groups-list")  # fmt: skip
bad(rl.fit_by_group, [1], F.groups, raises=(ITE, r"`summary` must be a pandas DataFrame"),
    id="summary-list")  # fmt: skip
bad(rl.simple_ltv, -1, 1, 1, raises=(DVE, r"`average_order_value` must be in"), id="aov-negative")
bad(rl.simple_ltv, "a", 1, 1, raises=(ITE, r"`average_order_value` must be a number"), id="aov-str")
bad(rl.simple_ltv, 50, 4, 3, margin=1.5, raises=(DVE, r"`margin` must be in \(0, 1\]"), id="margin")
bad(rl.simple_ltv, 50, 4, 3, cac=-1, raises=(DVE, r"`cac` must be in"), id="cac")
ok(rl.simple_ltv, 50.0, 4.0, 3.0, margin=0.3, cac=40.0, check=lambda v: abs(v - 140) < 1e-9,
   id="doc")  # fmt: skip
bad(rl.ltv_comparison, F.tx, F.clv, margin=1.5, raises=(DVE, r"`margin` must be in \(0, 1\]"),
    id="margin")  # fmt: skip
bad(rl.ltv_comparison, F.tx, [1], raises=(ITE, r"`clv` must be a pandas DataFrame"), id="clv-list")
bad(rl.ltv_comparison, F.tx, F.unrelated, raises=(DVE, r"`clv` is missing column\(s\)"),
    id="clv-unrelated")  # fmt: skip
bad(rl.ltv_comparison, F.tx, F.clv, cac=-1, raises=(DVE, r"`cac` must be in"), id="cac")
bad(rl.ltv_comparison, F.tx, F.clv, horizon_months="a year",
    raises=(ITE, r"`horizon_months` must be a whole"), id="horizon-str")  # fmt: skip
bad(rl.ltv_comparison, F.tx, F.clv, horizon_months=0,
    raises=(DVE, r"`horizon_months` must be in \[1, 600\]"), id="horizon-0")  # fmt: skip
for _f in (rl.holdout_predictions, rl.holdout_report, rl.calibration_by_frequency):
    bad(_f, F.bg_split, [1], raises=(ITE, r"`split` must be a pandas DataFrame"), id="list")
    bad(_f, F.bg_split, F.summary, raises=(DVE, r"`split` is missing column\(s\)"), id="summary")
    bad(_f, F.bg_split, F.split_one_row, raises=(DVE, r"`split` has no rows"), id="empty")
    bad(_f, None, F.split, raises=(ITE, r"`model` must be a fitted"), id="model-none")
    bad(_f, F.unfitted_bg, F.split, raises=(NFE, r"not fitted yet"), id="unfitted")
bad(rl.calibration_by_frequency, F.bg_split, F.split, max_frequency=-1,
    raises=(DVE, r"`max_frequency` must be in \[1, "), id="max-negative")  # fmt: skip
bad(rl.calibration_by_frequency, F.bg_split, F.split, max_frequency="7",
    raises=(ITE, r"`max_frequency` must be a whole number"), id="max-str")  # fmt: skip
bad(rl.cumulative_tracking, F.bg, F.cdnow, calibration_end="soon",
    raises=(DVE, r"`calibration_end` must be a date"), id="cal-word")  # fmt: skip
bad(rl.cumulative_tracking, F.bg, F.cdnow, calibration_end="1997-09-30", time_unit="week",
    raises=(DVE, r"`time_unit='week'` differs from the model's unit"), id="unit")  # fmt: skip
bad(rl.cumulative_tracking, F.bg, F.cdnow, calibration_end="1997-09-30", observation_end="soon",
    raises=(DVE, r"`observation_end` must be a date"), id="end-word")  # fmt: skip
bad(rl.period_transactions, F.bg, F.summary_no_T, raises=(DVE, r"missing column\(s\) `T`"),
    id="no-T")  # fmt: skip
bad(rl.period_transactions, F.bg, [1], raises=(ITE, r"`summary` must be a pandas DataFrame"),
    id="list")  # fmt: skip
bad(rl.period_transactions, F.bg, F.summary, max_frequency=-1,
    raises=(DVE, r"`max_frequency` must be in \[1, "), id="max-negative")  # fmt: skip
ok(rl.period_transactions, F.pnbd, F.summary, check=lambda t: t["actual"].sum() == len(summary()),
   id="pnbd")  # fmt: skip
bad(rl.frequency_recency_matrix, F.bg, T=-1, raises=(DVE, r"`T` must be"), id="T-negative")
bad(rl.frequency_recency_matrix, F.bg, T="x", raises=(ITE, r"`T` must be a number"), id="T-str")
bad(rl.frequency_recency_matrix, F.bg, T=40, max_frequency=-1,
    raises=(DVE, r"`max_frequency` must be in \[1, "), id="max-negative")  # fmt: skip
bad(rl.frequency_recency_matrix, F.bg, T=40, n_recency=0,
    raises=(DVE, r"`n_recency` must be in \[2, "), id="n-recency-0")  # fmt: skip
bad(
    rl.frequency_recency_matrix,
    F.bg,
    T=40,
    t="x",
    raises=(ITE, r"`t` must be a number"),
    id="t-str",
)
bad(rl.frequency_recency_matrix, None, T=40, raises=(ITE, r"`model` must be a fitted"), id="none")
bad(rl.p_alive_history, F.bg, F.cdnow, "nope", raises=(DVE, r"No transactions for customer `nope`"),
    id="unknown-id")  # fmt: skip
bad(rl.p_alive_history, F.bg, F.cdnow, "1", observation_end="soon", raises=(DVE, r"`observation_end` must be a date"),
    id="end-word")  # fmt: skip
bad(rl.p_alive_history, F.bg, F.cdnow, ["1", "2"], raises=(ITE, r"`customer_id` must be one id"),
    id="id-list")  # fmt: skip
bad(rl.load_cdnow, sample="no", raises=(ITE, r"`sample` must be True or False"), id="sample-str")
ok(rl.load_cdnow, sample=True, check=lambda t: len(t) == len(cdnow()), id="sample")
bad(rl.load_model, "/nonexistent/model.json", raises=(FileNotFoundError, r"No saved model at"),
    id="no-file")  # fmt: skip

# models: argument checks of the prediction methods
bad(rl.BetaGeoModel.p_alive, F.bg, [1, 2], raises=(ITE, r"`summary` must be a pandas"), id="list")
bad(rl.BetaGeoModel.p_alive, F.unfitted_bg, F.summary, raises=(NFE, r"not fitted yet"),
    id="unfitted")  # fmt: skip
bad(rl.BetaGeoModel.expected_purchases, F.bg, F.summary, t="a year", raises=(ITE, r"`t` must be a number"),
    id="t-str")  # fmt: skip
bad(rl.BetaGeoModel.expected_purchases, F.bg, F.summary, t=-1, raises=(DVE, r"`t` must be a finite"),
    id="t-negative")  # fmt: skip
bad(rl.BetaGeoModel.expected_purchases_new_customer, F.bg, "x", raises=(ITE, r"`t` must be"),
    id="t-str")  # fmt: skip
bad(rl.BetaGeoModel.p_n_purchases, F.bg, -1, t=10, raises=(DVE, r"`n` must be"), id="n-negative")
bad(rl.BetaGeoModel.with_params, F.bg, [1, 2], raises=(ITE, r"`params` must be a dict or Series"),
    id="bg-list")  # fmt: skip
bad(rl.BetaGeoModel.with_params, F.bg, {"s": 1.0}, raises=(DVE, r"`s`, not a parameter of"),
    id="bg-unknown")  # fmt: skip
bad(rl.BetaGeoModel.with_params, F.bg, {"b": -1.0}, raises=(DVE, r"`params\['b'\]` must be a finite"),
    id="bg-negative")  # fmt: skip
bad(rl.BetaGeoModel.with_params, F.unfitted_bg, {"b": 1.0}, raises=(NFE, r"not fitted yet"),
    id="bg-unfitted")  # fmt: skip
bad(rl.GammaGammaModel.expected_spend, F.gg, F.summary_no_money,
    raises=(DVE, r"missing column\(s\) `monetary_value`"), id="no-money")  # fmt: skip

# --------------------------------------------------------------------------- datasets

_SIM = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.4, "p": 6.0, "q": 4.0, "gamma": 16.0,
        "start": "2023-01-01", "end": "2023-12-31"}  # fmt: skip
bad(rl.simulate_transactions, 10, **{**_SIM, "r": -1}, raises=(DVE, r"`r` must be in"), id="r-neg")
bad(rl.simulate_transactions, "10", **_SIM, raises=(ITE, r"`n_customers` must be an integer"),
    id="n-str")  # fmt: skip
bad(rl.simulate_transactions, 10, **{**_SIM, "start": "soon"}, raises=(DVE, r"`start` must be a date"),
    id="start-word")  # fmt: skip
bad(rl.simulate_transactions, 10, **{**_SIM, "end": "2022-01-01"}, raises=(DVE, r"`end`"),
    id="end-first")  # fmt: skip
bad(rl.simulate_transactions, 10, **_SIM, id_prefix=5, raises=(ITE, r"`id_prefix` must be a string"),
    id="prefix-int")  # fmt: skip
bad(rl.simulate_transactions, 10, **_SIM, seed="x", raises=(ITE, r"`seed` must be"), id="seed-str")
ok(rl.simulate_transactions, 5, **_SIM, check=lambda t: t["customer_id"].nunique() == 5, id="ok")
bad(rl.make_sample_data, F.a_folder, seed="x", raises=(ITE, r"`seed` must be an integer"),
    id="seed-str")  # fmt: skip
bad(rl.make_sample_data, F.a_file, raises=(DVE, r"`out_dir` .* is a file"), id="out-dir-file")
bad(rl.make_sample_data, None, raises=(ITE, r"`out_dir` must be a folder path"), id="out-dir-none")
ok(rl.sample_data_path, check=lambda p: Path(p).exists(), id="exists")
ok(rl.load_sample_parameters, check=lambda d: isinstance(d, dict) and d, id="dict")
ok(rl.load_sample_survey, check=lambda s: "customer_id" in s.columns, id="frame")

# --------------------------------------------------------------------------- report and cli

bad(report.styled_table, [1], raises=(ITE, r"`table` must be a pandas DataFrame"), id="list")
bad(report.styled_table, F.curves, percent="retention",
    raises=(ITE, r"`percent` must be a sequence of column names.*'retention'"), id="percent-str")  # fmt: skip
bad(report.styled_table, F.curves, money=None,
    raises=(ITE, r"`money` must be a sequence of column names"), id="money-none")  # fmt: skip
bad(report.styled_table, F.curves, decimals=-1, raises=(DVE, r"`decimals` must be in \[0, "),
    id="decimals-negative")  # fmt: skip
bad(report.styled_table, F.curves, decimals="2", raises=(ITE, r"`decimals` must be a whole"),
    id="decimals-str")  # fmt: skip
bad(report.styled_table, F.curves, currency=5, raises=(ITE, r"`currency` must be an ISO 4217"),
    id="currency-int")  # fmt: skip
bad(report.styled_table, F.curves, percent_rows=[True],
    raises=(DVE, r"`percent_rows` must hold one flag per row"), id="percent-rows-length")  # fmt: skip
ok(_fmt, report.styled_table(pd.DataFrame({"share": [0.5]}), percent=["share"]),
   check=lambda h: "50.0%" in h, covers=report.styled_table, id="percent-ok")  # fmt: skip
ok(_fmt, report.styled_table(pd.DataFrame({"value": [0.25, 12.0]}), percent_rows=[True, False]),
   check=lambda h: "25.0%" in h and "12.00" in h and "1200" not in h,
   covers=report.styled_table, id="percent-rows-ok")  # fmt: skip
bad(report.currency_symbol, 5, raises=(ITE, r"`code` must be an ISO 4217 code"), id="int")
ok(report.currency_symbol, None, check=lambda s: s == "", id="none")
ok(report.currency_symbol, "gbp", check=lambda s: s == "£", id="lower")
ok(report.notebooks_dir, check=lambda p: Path(p).is_dir(), id="exists")
bad(report.build_report, currency="euro", raises=(DVE, r"`currency=?` must be a three-letter"),
    id="currency-word")  # fmt: skip
bad(report.build_report, "/nonexistent/log.csv", raises=(rl.DataPathError, r"No transaction file"),
    id="no-file")  # fmt: skip
bad(report.build_report, notebooks="01_overview.ipynb",
    raises=(ITE, r"`notebooks` must be a sequence of paths.*'01_overview.ipynb'"), id="notebooks-str")  # fmt: skip
bad(report.build_report, timeout="x", raises=(ITE, r"`timeout` must be a whole number"),
    id="timeout-str")  # fmt: skip
bad(report.build_report, timeout=0, raises=(DVE, r"`timeout` must be in \[1, "), id="timeout-0")
bad(
    report.build_report,
    title=3,
    raises=(ITE, r"`title=?` must be a non-empty text"),
    id="title-int",
)
bad(report.build_report, out_dir=None, raises=(ITE, r"`out_dir` must be a folder path"),
    id="out-dir-none")  # fmt: skip
bad(report.build_report, out_dir=F.a_file, raises=(DVE, r"`out_dir` .* is a file"),
    id="out-dir-file")  # fmt: skip
bad(report.build_report, source_currency=5, raises=(ITE, r"`source_currency=?` must be a three-letter"),
    id="source-int")  # fmt: skip
ok(_cli, "report", "--data", "/nonexistent/log.csv",
   check=lambda r: r[0] == 2 and "No transaction file" in r[1], covers=cli.main, id="no-file")  # fmt: skip
ok(_cli, "report", "--currency", "euro",
   check=lambda r: r[0] == 1 and "three-letter" in r[1], covers=cli.main, id="currency-word")  # fmt: skip
ok(_cli, "report", "--out", F.a_file,
   check=lambda r: r[0] == 1 and "is a file" in r[1] and "Traceback" not in r[1],
   covers=cli.main, id="out-dir-file")  # fmt: skip
ok(_cli, check=lambda r: r[0] == 2 and "usage" in r[1], covers=cli.main, id="no-command")

# --------------------------------------------------------------------------- widgets

bad(
    widgets.cohort_view, F.tx, period="month", raises=(DVE, r"`period` must be one of"), id="period"
)
bad(widgets.cohort_view, F.tx, kind="x", raises=(DVE, r"`kind` must be one of"), id="kind")
bad(widgets.cohort_view, F.tx, region="Narnia", raises=(DVE, r"Only 0 customer\(s\)"), id="region")
bad(widgets.cohort_summary, [1], raises=(ITE, r"`table` must be a pandas DataFrame"), id="list")
bad(widgets.cohort_summary, F.cohort_table, at="1", raises=(ITE, r"`at` must be a sequence of whole"),
    id="at-str")  # fmt: skip
bad(widgets.cohort_summary, F.unrelated, raises=(DVE, r"`table` is missing column\(s\)"),
    id="unrelated")  # fmt: skip
bad(widgets.cohort_explorer, [1], raises=(ITE, r"`transactions` must be a pandas DataFrame"),
    id="list")  # fmt: skip
bad(widgets.cohort_explorer, F.unrelated, raises=(DVE, r"missing column\(s\) `customer_id`"),
    id="unrelated")  # fmt: skip
bad(widgets.pareto_view, F.tx, measure="profit", raises=(DVE, r"`measure` must be one of"),
    id="measure")  # fmt: skip
bad(widgets.pareto_view, F.tx, top=2, raises=(DVE, r"`top` must be in"), id="top-2")
bad(widgets.pareto_view, F.tx, measure="margin", margin=1.5,
    raises=(DVE, r"`margin` must be in \(0, 1\]"), id="margin")  # fmt: skip
bad(widgets.pareto_view, F.tx, measure="clv", raises=(DVE, r"needs the CLV table"), id="clv-none")
bad(widgets.pareto_explorer, [1], raises=(ITE, r"`transactions` must be a pandas DataFrame"),
    id="list")  # fmt: skip
bad(widgets.pareto_explorer, F.tx, margin=1.5, raises=(DVE, r"`margin` must be in \(0, 1\]"),
    id="margin")  # fmt: skip
bad(widgets.kpi_view, F.survey, by=["region"], raises=(ITE, r"`by` must be a column name"),
    id="by-list")  # fmt: skip
bad(widgets.kpi_view, [1], raises=(ITE, r"`survey` must be a pandas DataFrame"), id="list")
bad(widgets.kpi_view, F.survey_regions, region="Narnia", raises=(DVE, r"Only 0 survey answer"),
    id="region")  # fmt: skip
bad(widgets.kpi_view, F.survey, region="Europe",
    raises=(DVE, r"`region='Europe'` filters on a column the data does not have"),
    id="region-no-column")  # fmt: skip
bad(widgets.kpi_explorer, [1], raises=(ITE, r"`survey` must be a pandas DataFrame"), id="list")
_W = (F.bg, F.gg, F.summary, F.groups)
bad(widgets.clv_view, *_W, margin=1.5, raises=(DVE, r"`margin` must be in \(0, 1\]"), id="margin")
bad(widgets.clv_view, *_W, horizon_months="a year", raises=(ITE, r"`horizon_months` must be a whole"),
    id="horizon-str")  # fmt: skip
bad(widgets.clv_view, *_W, region="Narnia", raises=(DVE, r"No customers with `region` = 'Narnia'"),
    id="region")  # fmt: skip
bad(
    widgets.clv_view,
    *_W,
    by="tier",
    raises=(DVE, r"missing column(\(s\))? `tier`"),
    id="by-unknown",
)
bad(widgets.clv_explorer, None, F.gg, F.summary, F.groups, raises=(ITE, r"`bgnbd` must be a fitted"),
    id="model-none")  # fmt: skip
bad(
    widgets.clv_explorer,
    *_W,
    by="tier",
    raises=(DVE, r"missing column(\(s\))? `tier`"),
    id="by-unknown",
)
bad(widgets.whatif_view, *_W, gain=-1, raises=(DVE, r"`gain` must be in"), id="gain")
bad(widgets.whatif_view, *_W, by="tier", raises=(DVE, r"`groups` is missing column\(s\) `tier`"),
    id="by-unknown")  # fmt: skip
bad(
    widgets.whatif_view, *_W, margin=1.5, raises=(DVE, r"`margin` must be in \(0, 1\]"), id="margin"
)
bad(widgets.whatif_explorer, F.bg, F.gg, F.summary, [1], raises=(ITE, r"`groups` must be a pandas"),
    id="groups-list")  # fmt: skip
bad(widgets.whatif_explorer, *_W, margin=1.5, raises=(DVE, r"`margin` must be in \(0, 1\]"),
    id="margin")  # fmt: skip
bad(widgets.fit_clv, F.tx, time_unit="week", raises=(DVE, r"`time_unit` must be one of"), id="unit")
bad(widgets.clv_explorer, *_W, discount_rate=2, raises=(DVE, r"`discount_rate` must be in"),
    id="rate")  # fmt: skip
bad(widgets.clv_explorer, *_W, currency="EURO", raises=(DVE, r"`currency`"), id="currency")
bad(widgets.clv_table, [1], raises=(ITE, r"`table` must be a pandas DataFrame"), id="list")
bad(widgets.clv_table, F.clv, raises=(DVE, r"`table` is missing column\(s\)"), id="not-by-group")
bad(widgets.clv_table, F.clv_by_region, by="segment", raises=(DVE, r"`segment`"), id="by")
ok(widgets.clv_table, F.clv_by_region, currency="EUR", id="good",
   check=lambda out: "€" in out.to_html() and "Share of CLV" in out.to_html())  # fmt: skip
bad(widgets.uplift_table, [1], raises=(ITE, r"`table` must be a pandas DataFrame"), id="list")
bad(widgets.uplift_table, F.clv, raises=(DVE, r"`table` is missing column\(s\)"), id="not-uplift")
bad(widgets.uplift_table, F.uplift_by_segment, by="tier", raises=(DVE, r"`tier`"), id="by")
ok(widgets.uplift_table, F.uplift_by_segment, by="segment", id="good",
   check=lambda out: "Profit uplift" in out.to_html() and "Profit scenario" not in out.to_html())  # fmt: skip
bad(widgets.whatif_explorer, *_W, currency=3, raises=(ITE, r"`currency`"), id="currency")
bad(widgets.dashboard, F.tx, by=["region"], raises=(ITE, r"`by` must be a column name"), id="by")
bad(widgets.dashboard, F.tx, by="tier", raises=(DVE, r"`by='tier'`"), id="by-unknown")
bad(widgets.dashboard, F.tx, horizon_months=0, raises=(DVE, r"`horizon_months`"), id="horizon")
bad(widgets.dashboard, F.tx, unavailable=["CLV"], raises=(ITE, r"`unavailable` must be a dict"),
    id="unavailable")  # fmt: skip
bad(widgets.dashboard, [1], raises=(ITE, r"`transactions` must be a pandas DataFrame"), id="list")
bad(widgets.dashboard, F.tx, margin=1.5, raises=(DVE, r"`margin` must be in \(0, 1\]"), id="margin")
bad(widgets.dashboard, F.tx, survey=[1], raises=(ITE, r"`survey` must be a pandas DataFrame"),
    id="survey-list")  # fmt: skip

# --------------------------------------------------------------------------- more messages
# one case per message of the helpers that the cases above do not reach


@fixture
def assignment_labels_gap() -> pd.DataFrame:
    a = assignment_labels().copy()
    a["treatment"] = a["treatment"].astype(object)
    a.loc[:2, "treatment"] = None
    return a


@fixture
def outcomes_three_labels() -> pd.DataFrame:
    o = outcomes_labels().copy()
    o.loc[:4, "treatment"] = "holdout"
    return o


@fixture
def curves_by_region() -> pd.DataFrame:
    table = rl.cohort_retention(tx(), by="region", min_cohort_size=1)
    return rl.average_retention(table, by="region")


@fixture
def cohort_table_by_region() -> pd.DataFrame:
    return rl.cohort_retention(tx(), by="region", min_cohort_size=1)


bad(rl.ab_outcomes, F.tx, F.assignment_labels_gap, start="2023-06-01", treatment="treatment",
    raises=(DVE, r"Column `treatment` is missing for customers C000, C001, C002"),
    id="flag-labels-missing", new_api=True)  # fmt: skip
bad(rl.ab_test, F.outcomes_three_labels, treatment="treatment",
    raises=(DVE, r"Column `treatment` holds 3 labels"), id="flag-three-labels", new_api=True)  # fmt: skip
bad(rl.rfm_scores, F.tx, observation_end="2023-12-31T00:00+01:00",
    raises=(DVE, r"`observation_end` must be time-zone naive"), id="date-zone")  # fmt: skip
ok(rl.rfm_summary, F.tx, observation_end="2023-12-31T00:00+01:00",
   check=lambda s: s.attrs["observation_end"] == "2023-12-30", id="end-zone-as-utc")  # fmt: skip
ok(rl.clean_transactions, F.tx, test_customers=__import__("re").compile("^C00[0-4]$"),
   check=lambda r: r[1].table.set_index("rule").loc["test_customer", "rows"] > 0,
   id="regex-compiled")  # fmt: skip
bad(rl.describe_retention, F.curves_by_region,
    raises=(DVE, r"`curves` holds several `region` groups"), id="by-region")  # fmt: skip
ok(rl.describe_retention, F.curves.query("period_number > 0"),
   check=lambda text: text.startswith("No complete month"), id="no-period-0")  # fmt: skip
bad(plotting.plot_retention_heatmap, F.cohort_table_by_region,
    raises=(DVE, r"`table` holds several `region` groups"), id="several-groups")  # fmt: skip
bad(plotting.plot_rfm_grid, F.scores, cmap=5, raises=(ITE, r"`cmap` must be a colour map name"),
    id="cmap-int")  # fmt: skip
ok(rl.gini, pd.Series([1, 3], dtype=object), check=lambda g: g == 0.25, id="object-numbers")
ok(rl.ltv_cac_by_group, F.clv, F.tx, cac=10.0, by="channel",
   check=lambda t: t.index.tolist() == ["all"], id="no-by-column-one-group")  # fmt: skip
bad(rl.random_assignment, ["a", "b"], seed=-1, raises=(DVE, r"`seed` must be in \[0, inf\)"),
    id="seed-negative")  # fmt: skip

# --------------------------------------------------------------------------- churn scorecard
# one model and no supervised baselines: a scorecard of the CDNOW sample in a tenth of a second


@fixture
def card():
    return rl.churn_scorecard(cdnow(), calibration_end="1997-09-30", grain="D",
                              models={"BG/NBD": rl.BetaGeoModel()}, supervised=False)  # fmt: skip


@fixture
def card_none():
    """A scorecard that recommends no model (as when none could be fitted)."""
    return dataclasses.replace(
        card(), recommended="", reason="No purchase model could be fitted, so none is recommended."
    )


@fixture
def card_roc() -> pd.DataFrame:
    return card().roc


@fixture
def card_calibration() -> pd.DataFrame:
    return card().calibration


@fixture
def card_table() -> pd.DataFrame:
    return card().table


@fixture
def alerts_scored() -> rl.ChurnRiskList:
    return rl.churn_risk_list(cdnow(), model=bg(), summary=summary(), horizon=39)


_CS = rl.churn_scorecard
_CS_ARGS = {"calibration_end": "1997-09-30", "grain": "D"}
bad(_CS, F.cdnow, models={"BG/NBD": "BetaGeoModel"}, **_CS_ARGS,
    raises=(ITE, r"`models\['BG/NBD'\]` must be a BetaGeoModel"), id="model-str")  # fmt: skip
bad(_CS, F.cdnow, models=[rl.BetaGeoModel()], **_CS_ARGS,
    raises=(ITE, r"`models` must be a dict"), id="models-list")  # fmt: skip
bad(_CS, F.cdnow, models={}, **_CS_ARGS, raises=(ITE, r"`models` must be a dict"),
    id="models-empty")  # fmt: skip
bad(_CS, F.cdnow, n_bins=1, **_CS_ARGS, raises=(DVE, r"`n_bins` must be in \[2, 100\]"),
    id="bins-1")  # fmt: skip
bad(_CS, F.cdnow, n_bins=2.5, **_CS_ARGS, raises=(DVE, r"`n_bins` must be a whole number"),
    id="bins-2.5")  # fmt: skip
bad(_CS, F.cdnow, supervised="no", **_CS_ARGS, raises=(ITE, r"`supervised` must be True or False"),
    id="supervised-str")  # fmt: skip
bad(_CS, F.cdnow, random_state=-1, **_CS_ARGS, raises=(DVE, r"`random_state` must be in"),
    id="seed-negative")  # fmt: skip
bad(_CS, F.cdnow, training_end="soon", **_CS_ARGS, raises=(DVE, r"`training_end` must be a date"),
    id="training-end-word")  # fmt: skip
bad(_CS, F.cdnow, training_end=5, **_CS_ARGS, raises=(ITE, r"`training_end` must be a date"),
    id="training-end-int")  # fmt: skip
bad(_CS, F.cdnow, training_end="1997-10-31", **_CS_ARGS,
    raises=(DVE, r"`training_end` \(1997-10-31\) must be before `calibration_end`"),
    id="training-after-calibration")  # fmt: skip
bad(_CS, F.cdnow, calibration_end="1998-07-15", grain="D",
    raises=(DVE, r"`calibration_end` \(1998-07-15\) must fall in an earlier"), id="no-holdout")  # fmt: skip
bad(_CS, F.tx, calibration_end="2023-11-02", observation_end="2023-11-15", grain="D",
    supervised=False, raises=(DVE, r"Every calibration customer churned.*Move `calibration_end`"),
    id="nobody-bought-again")  # fmt: skip
ok(_CS, F.cdnow, **_CS_ARGS, models={"BG/NBD": rl.BetaGeoModel()}, supervised=False,
   check=lambda c: c.recommended == "BG/NBD P(no purchase)" and 0.5 < c.recommended_auc < 1
   and len(c.scores) == len(split()), id="bgnbd")  # fmt: skip

_CSC = rl.ChurnScorecard
bad(_CSC.fit_recommended, F.card, [1], raises=(ITE, r"`summary` must be a pandas DataFrame"),
    id="list")  # fmt: skip
bad(_CSC.fit_recommended, F.card, F.unrelated, raises=(DVE, r"`summary` is missing column\(s\)"),
    id="unrelated")  # fmt: skip
bad(_CSC.fit_recommended, F.card_none, F.summary, raises=(DVE, r"recommends no model.*`table"),
    id="none-recommended")  # fmt: skip
ok(_CSC.fit_recommended, F.card, F.summary,
   check=lambda m: type(m) is rl.BetaGeoModel and m.params_.equals(bg().params_), id="cdnow")  # fmt: skip

_RF = rl.clv.rfm_features
bad(_RF, [1], raises=(ITE, r"`split` must be a pandas DataFrame"), id="list")
bad(_RF, F.summary, raises=(DVE, r"`split` is missing column\(s\) `frequency_cal`"),
    id="summary-not-split")  # fmt: skip
ok(_RF, F.split, check=lambda X: len(X) == len(split()) and X.notna().all().all()
   and bool((X["time_since_last"] >= 0).all()), id="cdnow")  # fmt: skip

_DCS = rl.describe_churn_scorecard
bad(_DCS, F.card_table, raises=(ITE, r"`card` must be a ChurnScorecard"), id="table")
bad(_DCS, None, raises=(ITE, r"`card` must be a ChurnScorecard"), id="none")
ok(_DCS, F.card, check=lambda text: "AUC" in text and "BG/NBD" in text, id="cdnow")
ok(_DCS, F.card_none, check=lambda text: "AUC" not in text and "none is recommended" in text,
   id="none-recommended")  # fmt: skip

_DCR = rl.describe_churn_risk
bad(_DCR, F.alerts, raises=(ITE, r"`alerts` must be the `ChurnRiskList`"), id="table")
bad(_DCR, [1, 2], raises=(ITE, r"`alerts` must be the `ChurnRiskList`"), id="list")
_CRL = rl.ChurnRiskList.to_frame
ok(_CRL, F.alerts_scored, check=lambda t: "reason" in t.columns, id="risk-frame")
bad(_DCR, F.alerts_scored, scorecard=F.card_table,
    raises=(ITE, r"`scorecard` must be a ChurnScorecard"), id="scorecard-table")  # fmt: skip
ok(_DCR, F.alerts_scored, scorecard=F.card,
   check=lambda text: "39-week holdout" in text and "AUC" in text, id="with-scorecard")  # fmt: skip

_PNP = rl.BetaGeoModel.p_no_purchase
bad(_PNP, F.bg, [1], t=39, raises=(ITE, r"`summary` must be a pandas"), id="bg-list")
bad(_PNP, F.bg, F.summary, t="39", raises=(ITE, r"`t` must be a number"), id="bg-t-text")
bad(_PNP, F.bg, F.summary, t=True, raises=(ITE, r"`t` must be a number"), id="bg-t-bool")
bad(
    _PNP,
    F.bg,
    F.summary,
    t=-1,
    raises=(DVE, r"`t` must be a finite number >= 0"),
    id="bg-t-negative",
)
bad(_PNP, F.bg, F.summary, t=np.nan, raises=(DVE, r"`t` must be a finite"), id="bg-t-nan")
bad(_PNP, F.unfitted_bg, F.summary, t=39, raises=(NFE, r"not fitted yet"), id="bg-unfitted")
bad(_PNP, F.bg, F.summary, t=39, time_unit="week", raises=(DVE, r"`time_unit`"), id="bg-unit-word")
ok(_PNP, F.pnbd, F.summary, t=0, check=lambda p: bool(np.allclose(p, 1.0)), id="pnbd-t-0-is-1")
ok(_PNP, F.bg, F.summary, t=39,
   check=lambda p: _in_unit_interval(p) and bool((p >= 1 - bg().p_alive(summary()) - 1e-12).all()),
   id="bg-at-least-1-minus-p-alive")  # fmt: skip

# --------------------------------------------------------------------------- plotting

#: plot function, a good table, extra keyword arguments
_PLOTS: list[tuple[Callable, _Fixture, dict]] = [
    (plotting.plot_ab_test, F.ab_result, {}),
    (plotting.plot_calibration_by_frequency, F.calib, {}),
    (plotting.plot_clv_by_group, F.clv_groups, {"by": "region"}),
    (plotting.plot_cumulative_tracking, F.tracking, {}),
    (plotting.plot_frequency_recency_heatmap, F.fr_matrix, {}),
    (plotting.plot_lorenz, F.lorenz, {}),
    (plotting.plot_p_alive_history, F.history, {}),
    (plotting.plot_pareto, F.pareto_tbl, {}),
    (plotting.plot_period_transactions, F.period_tx, {}),
    (plotting.plot_retention_curves, F.curves, {}),
    (plotting.plot_retention_heatmap, F.cohort_table, {}),
    (plotting.plot_rfm_grid, F.scores, {}),
    (plotting.plot_score_intervals, F.nps_by_region, {"value": "nps", "by": "region"}),
    (plotting.plot_segments, F.seg_summary, {}),
    (plotting.plot_top_share, F.pareto_by_region, {"by": "region"}),
    (plotting.plot_value_curves, F.value_curves_table, {}),
    (plotting.plot_whatif, F.uplift, {"by": "segment"}),
    (plotting.plot_churn_roc, F.card_roc, {}),
    (plotting.plot_churn_calibration, F.card_calibration, {}),
]
for _plot, _table, _kw in _PLOTS:
    _arg = inspect.signature(_plot).parameters
    _name = next(iter(_arg))
    bad(_plot, [1, 2], raises=(ITE, rf"`{_name}` must be a pandas DataFrame"), id="list", **_kw)
    bad(
        _plot,
        F.unrelated,
        raises=(DVE, rf"`{_name}` is missing column\(s\)"),
        id="unrelated",
        **_kw,
    )
    bad(
        _plot,
        _table,
        ax="left",
        raises=(ITE, r"`ax` must be a matplotlib Axes"),
        id="ax-str",
        **_kw,
    )
    ok(_plot, _table, check=lambda ax: hasattr(ax, "figure"), id="ok", **_kw)
for _plot, _table in ((plotting.plot_churn_roc, F.card_roc),
                     (plotting.plot_churn_calibration, F.card_calibration)):  # fmt: skip
    bad(_plot, _table, scorers="BG/NBD P(no purchase)",
        raises=(ITE, r"`scorers` must be a sequence of scorer names"), id="scorers-str")  # fmt: skip
    bad(_plot, _table, scorers=["XGBoost"], raises=(DVE, r"`scorers` \['XGBoost'\] are not in"),
        id="scorers-unknown")  # fmt: skip
bad(plotting.plot_churn_roc, F.card_roc, auc=[1], raises=(ITE, r"`auc` must be a pandas"),
    id="auc-list")  # fmt: skip
bad(plotting.plot_churn_roc, F.card_roc, auc=F.card_calibration,
    raises=(DVE, r"`auc` is missing column\(s\) `auc`"), id="auc-calibration")  # fmt: skip
ok(plotting.plot_churn_roc, F.card_roc, auc=F.card_table,
   check=lambda ax: any("AUC" in t.get_text() for t in ax.get_legend().get_texts()),
   id="auc-in-legend")  # fmt: skip
bad(plotting.plot_pareto, F.pareto_tbl, top=2, raises=(DVE, r"`top` must be in"), id="top-2")
bad(plotting.plot_retention_heatmap, F.cohort_table, value="nope",
    raises=(DVE, r"`value` 'nope' is not a column"), id="value")  # fmt: skip
bad(plotting.plot_retention_curves, F.curves, max_periods="x",
    raises=(ITE, r"`max_periods` must be a whole number"), id="max-str")  # fmt: skip
bad(plotting.plot_clv_by_group, F.clv_groups, by="tier", raises=(DVE, r"missing column\(s\) `tier`"),
    id="by-unknown")  # fmt: skip
bad(plotting.plot_top_share, F.pareto_by_region, by="region", benchmark=80,
    raises=(DVE, r"`benchmark` must be in"), id="benchmark-80")  # fmt: skip


# --------------------------------------------------------------------------- readings and groups
# the describe_* readings and the small-group helpers take computed tables


@fixture
def churn() -> pd.DataFrame:
    return rl.churn_table(tx())


@fixture
def counts_by_region() -> pd.DataFrame:
    return rl.customer_counts(tx(), start="2023-06-01", end="2023-12-01", by="region")


@fixture
def comparison() -> pd.DataFrame:
    return rl.concentration_comparison(customers_clv())


@fixture
def holdout() -> pd.DataFrame:
    return rl.holdout_report(bg_split(), split())


@fixture
def ratio() -> pd.DataFrame:
    return rl.ltv_cac(pd.Series([600.0, 200.0], index=["web", "shop"]), 150.0)


@fixture
def ltv_table() -> pd.DataFrame:
    return rl.ltv_comparison(cdnow(), clv(), cac=10.0)


@fixture
def pareto_all() -> pd.DataFrame:
    return rl.pareto_summary(tx())


@fixture
def model_choice() -> pd.DataFrame:
    return rl.compare_models(split()).table


@fixture
def country_mapping() -> pd.DataFrame:
    return rl.add_regions(tx())[1]


@fixture
def survival() -> pd.DataFrame:
    return rl.cohort_survival(cdnow(), min_cohort_size=1)


@fixture
def projection() -> pd.DataFrame:
    return rl.project_retention(survival(), n_draws=50)


@fixture
def outlook() -> rl.RetentionOutlook:
    return rl.retention_outlook(survival(), n_draws=50)


@fixture
def backtest():
    return rl.backtest_retention(survival(), holdout=3, n_draws=50)


@fixture
def intervals() -> pd.DataFrame:
    return rl.retention_intervals(cohort_table())


@fixture
def retention_comparison() -> pd.DataFrame:
    return rl.compare_retention(
        cohort_table_by_region(), period=1, by="region", groups=("Europe", "Asia"), min_customers=1
    )


@fixture
def nrr() -> pd.DataFrame:
    return rl.net_revenue_retention(tx())


@fixture
def nrr_total() -> pd.DataFrame:
    return rl.net_revenue_retention(tx(), by_cohort=False)


@fixture
def sbg():
    return rl.ShiftedBetaGeoModel().fit([1000, 869, 743, 653, 593, 551, 517, 491])


@fixture
def bdw():
    return rl.BetaDiscreteWeibullModel().fit([1000, 869, 743, 653, 593, 551, 517, 491])


@fixture
def uplift_all() -> pd.DataFrame:
    return rl.retention_uplift(bg(), gg(), summary(), gains=[0.05])


_GROUP_TABLE = {"by": "region", "size": "customers"}
#: reading or group helper -> (its input table, the other arguments it needs)
_READINGS: dict[Callable, tuple[Any, dict]] = {
    rl.clv_vs_past_revenue: (F.clv, {"transactions": F.cdnow, "horizon_months": 12}),
    rl.describe_ab_test: (F.ab_result, {}),
    rl.describe_calibration_by_frequency: (F.calib, {}),
    rl.describe_churn: (F.churn, {}),
    rl.describe_clv: (F.clv, {"transactions": F.cdnow, "horizon_months": 12}),
    rl.describe_clv_by_group: (F.clv_groups, {"by": "region"}),
    rl.describe_concentration_comparison: (F.comparison, {}),
    rl.describe_customer_counts: (F.counts_by_region, {"by": "region"}),
    rl.describe_frequency_recency: (F.fr_matrix, {}),
    rl.describe_holdout: (F.holdout, {}),
    rl.describe_ltv_cac: (F.ratio, {"horizon_months": 12}),
    rl.describe_ltv_comparison: (F.ltv_table, {"cac": 10.0}),
    rl.describe_nps: (F.nps_by_region, {"by": "region"}),
    rl.describe_p_alive_history: (F.history, {}),
    rl.describe_pareto: (F.pareto_all, {}),
    rl.describe_pareto_groups: (F.pareto_by_region, {"by": "region"}),
    rl.describe_period_transactions: (F.period_tx, {}),
    rl.describe_segments: (F.seg_summary, {}),
    rl.describe_small_groups: (F.clv_groups, _GROUP_TABLE),
    rl.describe_tracking: (F.tracking, {}),
    rl.describe_uplift: (F.uplift_all, {"gain": 0.05}),
    rl.describe_uplift_by_group: (F.uplift, {"by": "segment", "gain": 0.05}),
    rl.drop_small_groups: (F.clv_groups, _GROUP_TABLE),
    rl.group_sizes: (F.clv_groups, _GROUP_TABLE),
    rl.ranked_groups: (F.clv_groups, {**_GROUP_TABLE, "value": "total_clv"}),
    rl.small_groups: (F.clv_groups, _GROUP_TABLE),
    plotting.plot_group_rates: (F.counts_by_region, {"by": "region"}),
    rl.describe_model_choice: (F.model_choice, {}),
    rl.retention_intervals: (F.cohort_table, {}),
    rl.compare_retention: (
        F.cohort_table_by_region,
        {"period": 1, "by": "region", "groups": ("Europe", "Asia"), "min_customers": 1},
    ),
    rl.describe_retention_comparison: (F.retention_comparison, {}),
    rl.project_retention: (F.survival, {"n_draws": 50}),
    rl.retention_models: (F.survival, {}),
    rl.retention_outlook: (F.survival, {"n_draws": 50}),
    rl.backtest_retention: (F.survival, {"holdout": 3, "n_draws": 50}),
    rl.describe_net_revenue_retention: (F.nrr_total, {}),
    plotting.plot_projected_curves: (F.projection, {}),
    plotting.plot_projected_heatmap: (F.projection, {}),
    plotting.plot_retention_intervals: (F.intervals, {}),
    plotting.plot_revenue_movements: (F.nrr, {}),
    plotting.plot_revenue_waterfall: (F.nrr, {}),
    rl.describe_country_mapping: (F.country_mapping, {}),
}
for _f, (_table, _kw) in _READINGS.items():
    _first = next(iter(inspect.signature(_f).parameters))
    bad(_f, [1, 2], raises=(ITE, r"`\w+` must be a pandas DataFrame"), id="list", **_kw)
    _absent = r"`\w+` is missing column\(s\)|`by` '\w+' is not a column of `\w+`"
    bad(_f, F.unrelated, raises=(DVE, _absent), id="unrelated", **_kw)
bad(rl.compare_models, [1], raises=(ITE, r"`data` must be a pandas DataFrame"), id="list")
bad(rl.compare_models, F.split, choose="XGBoost", raises=(DVE, r"`choose`"), id="choose-unknown")
bad(rl.compare_models, F.cdnow, raises=(DVE, r"`calibration_end`"), id="log-without-end")
bad(rl.describe_model_choice, F.model_choice.assign(recommended=False),
    raises=(DVE, r"`table` has no `recommended` model"), id="no-recommended")  # fmt: skip
bad(rl.describe_backtest, [1], raises=(ITE, r"`backtest` must be the result of"), id="list")
bad(rl.describe_projection, F.outlook.to_frame(),
    raises=(ITE, r"`outlook` must be the `RetentionOutlook`"), id="table")  # fmt: skip
ok(rl.describe_projection, F.outlook, check=lambda t: "still active now" in t, id="good")
ok(rl.RetentionOutlook.to_frame, F.outlook, check=lambda t: "customers_now" in t.columns,
   id="outlook-frame")  # fmt: skip
ok(rl.load_donations, check=lambda t: len(t) > 0, id="frame")
bad(rl.likelihood_ratio_test, None, F.bdw, raises=(ITE, r"`restricted`"), id="none")
bad(rl.likelihood_ratio_test, F.bdw, F.sbg, raises=(DVE, r"nested|`full`"), id="swapped")
bad(rl.describe_p_alive, "high", raises=(ITE, r"`p_alive` must be numbers"), id="str")
bad(rl.describe_p_alive, [0.5, 1.5], raises=(DVE, r"`p_alive` must hold probabilities"),
    id="above-1")  # fmt: skip
bad(rl.describe_p_alive, [], raises=(DVE, r"`p_alive` is empty"), id="empty")
bad(rl.describe_retention_headroom, {"a": 1.0}, [0.05],
    raises=(ITE, r"`params` must be the BG/NBD parameters"), id="dict")  # fmt: skip
bad(rl.describe_retention_headroom, F.params, "0.05",
    raises=(ITE, r"`gains` must be a sequence of numbers"), id="gains-str")  # fmt: skip
bad(rl.describe_small_groups, F.clv_groups, by="tier", size="customers",
    raises=(DVE, r"`by` 'tier' is not a column of `table`"), id="by-unknown")  # fmt: skip
bad(rl.small_groups, F.clv_groups, by="region", size="customers", min_customers=-1,
    raises=(DVE, r"`min_customers` must be in \[0, inf\)"), id="min-negative")  # fmt: skip

# --------------------------------------------------------------------------- model methods
# every public method of the model classes, with fixtures that a call never changes: a fit
# runs on a new instance (`_fresh`), and the fitted fixtures are only read


def _fresh(cls: type, method: str = "fit") -> Callable[..., Any]:
    """``cls().method(...)``: a fit in the corpus never changes a cached fixture."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(cls(), method)(*args, **kwargs)

    call.__name__ = f"{cls.__name__}().{method}"
    return call


_SURVIVORS = [1000, 869, 743, 653, 593, 551, 517, 491]


@fixture
def unfitted_sbg():
    return rl.ShiftedBetaGeoModel()


@fixture
def donations() -> pd.DataFrame:
    return rl.load_donations()


@fixture
def bgbb():
    return rl.BetaGeoBetaBinomModel().fit(donations(), period="Y")


@fixture
def unfitted_bgbb():
    return rl.BetaGeoBetaBinomModel()


@fixture
def cleaning_report():
    return rl.clean_transactions(tx())[1]


def _in_unit_interval(values: Any) -> bool:
    arr = np.asarray(values, dtype=float)
    return bool(len(arr)) and bool(((arr >= 0) & (arr <= 1)).all())


_SBG = rl.ShiftedBetaGeoModel
_BDW = rl.BetaDiscreteWeibullModel
for _cls, _label in ((_SBG, "sbg"), (_BDW, "bdw")):
    bad(_fresh(_cls), "abc", raises=(ITE, r"`data` must be survivor counts"), covers=_cls.fit,
        id=f"{_label}-str")  # fmt: skip
    bad(_fresh(_cls), [100, 120], raises=(DVE, r"rise from 100 to 120"), covers=_cls.fit,
        id=f"{_label}-rising")  # fmt: skip
    bad(_fresh(_cls), _SURVIVORS, period="month", raises=(DVE, r"`period` must be one of"),
        covers=_cls.fit, id=f"{_label}-period-word")  # fmt: skip
    ok(_fresh(_cls), _SURVIVORS, check=lambda m: bool((m.params_ > 0).all()), covers=_cls.fit,
       id=f"{_label}-regular")  # fmt: skip
bad(_SBG.survival, F.sbg, "x", raises=(ITE, r"`t` must be a number of periods"), id="t-str")
bad(_SBG.survival, F.sbg, "3", raises=(ITE, r"`t` must be a number of periods"), id="t-text-number")
bad(_SBG.survival, F.sbg, -1, raises=(DVE, r"`t` must hold finite numbers >= 0"), id="t-negative")
bad(_SBG.survival, F.unfitted_sbg, 3, raises=(NFE, r"not fitted yet"), id="unfitted")
ok(_SBG.survival, F.sbg, [0, 1, 2], check=lambda s: s.iloc[0] == 1 and s.is_monotonic_decreasing,
   id="curve")  # fmt: skip
bad(_SBG.retention_rate, F.sbg, 0, raises=(DVE, r"`t` must hold finite numbers >= 1"), id="t-0")
ok(_SBG.retention_rate, F.bdw, [1, 2, 3], check=_in_unit_interval, id="rates")
bad(_SBG.residual_lifetime, F.sbg, "x", raises=(ITE, r"`age` must be a number"), id="age-str")
bad(_SBG.residual_lifetime, F.sbg, 3, discount_rate="10%",
    raises=(ITE, r"`discount_rate` must be a number"), id="rate-str")  # fmt: skip
bad(_SBG.residual_lifetime, F.sbg, 3, horizon=2.5, raises=(DVE, r"`horizon` must be a whole"),
    id="horizon-2.5")  # fmt: skip
ok(_SBG.residual_lifetime, F.sbg, 3, horizon=1,
   check=lambda v: abs(v - F.sbg.value().retention_rate(4)) < 1e-12, id="horizon-1")  # fmt: skip
bad(_SBG.residual_value, F.sbg, "x", raises=(ITE, r"`value_per_period` must be a number"),
    id="value-str")  # fmt: skip
ok(_SBG.residual_value, F.sbg, 10.0, discount_rate=0.1,
   check=lambda v: abs(v - 10 * F.sbg.value().residual_lifetime(discount_rate=0.1)) < 1e-9,
   id="ten-per-period")  # fmt: skip
bad(_SBG.to_dict, F.unfitted_sbg, raises=(NFE, r"not fitted yet"), id="unfitted")
ok(_SBG.to_dict, F.sbg, check=lambda d: d["model"] == "ShiftedBetaGeoModel", id="doc")
bad(_SBG.from_dict, [1], raises=(ITE, r"`doc` must be the dict of"), id="list")
bad(_SBG.from_dict, {}, raises=(DVE, r"Not a saved ShiftedBetaGeoModel"), id="empty")
bad(_SBG.from_dict, F.bdw.to_dict(), raises=(DVE, r"Not a saved ShiftedBetaGeoModel"),
    id="other-model")  # fmt: skip
ok(_SBG.from_dict, F.sbg.to_dict(),
   check=lambda m: m.params_.equals(F.sbg.value().params_), id="round-trip")  # fmt: skip
bad(_SBG.with_params, F.sbg, [1, 2], raises=(ITE, r"`params` must be a dict or Series"),
    id="list")  # fmt: skip
bad(_SBG.with_params, F.sbg, {"alpha": -1, "beta": 1}, raises=(DVE, r"`params` must give a finite"),
    id="negative")  # fmt: skip
ok(_SBG.with_params, F.sbg, {"alpha": 1.0, "beta": 1.0},
   check=lambda m: abs(m.survival(1) - 0.5) < 1e-12, id="alpha-beta-1")  # fmt: skip
bad(_SBG.parameter_draws, F.sbg, "x", raises=(ITE, r"`n` must be a whole number"), id="n-str")
bad(_SBG.parameter_draws, F.sbg, 0, raises=(DVE, r"`n` must be in \[1, inf\)"), id="n-0")
bad(_SBG.parameter_draws, F.sbg, 5, seed="x", raises=(ITE, r"`seed` must be a whole number"),
    id="seed-str")  # fmt: skip
ok(_SBG.parameter_draws, F.bdw, 5, check=lambda d: d.shape == (5, 3) and (d > 0).all().all(),
   id="five")  # fmt: skip
bad(_SBG.parameter_arrays, F.sbg, [1], raises=(ITE, r"`draws` must be a pandas DataFrame"),
    id="list")  # fmt: skip
bad(_SBG.parameter_arrays, F.bdw, F.unrelated, raises=(DVE, r"`draws` is missing column\(s\)"),
    id="unrelated")  # fmt: skip
ok(_SBG.parameter_arrays, F.sbg, check=lambda abc: abc[2] == 1.0, id="point")
bad(_SBG.save, F.sbg, 5, raises=(ITE, r"`path` must be a file path"), id="path-int")
bad(_SBG.save, F.sbg, F.a_folder, raises=(DVE, r"`path` .* is a folder.*model\.json"),
    id="path-folder")  # fmt: skip
bad(_SBG.save, F.unfitted_sbg, raises=(NFE, r"not fitted yet"), id="unfitted")
ok(_SBG.save, F.sbg, check=lambda text: type(rl.load_model(text)) is _SBG, id="text")

_SC = rl.contractual.survival_curve
_RL = rl.contractual.residual_lifetimes
bad(_SC, "a", 1, 1, [1], raises=(ITE, r"`alpha` must be numbers"), id="alpha-str")
bad(_SC, 1, -1, 1, [1], raises=(DVE, r"`beta` must be finite and > 0"), id="beta-negative")
bad(_SC, 1, 1, np.nan, [1], raises=(DVE, r"`c` must be finite and > 0"), id="c-nan")
bad(_SC, 1, 1, 1, "x", raises=(ITE, r"`t` must be a number of periods"), id="t-str")
bad(_SC, 1, 1, 1, [-1], raises=(DVE, r"`t` must hold finite numbers >= 0"), id="t-negative")
ok(_SC, 1, 1, 1, [0, 1, 2, 3], check=lambda s: np.allclose(s, 1 / np.arange(1, 5)),
   id="alpha-beta-1")  # S(t) = 1 / (t + 1)  # fmt: skip
ok(_SC, np.array([[1.0], [2.0]]), 1, 1, np.arange(3), check=lambda s: s.shape == (2, 3),
   id="draws-by-periods")  # fmt: skip
bad(_RL, "a", 1, 1, 0, raises=(ITE, r"`alpha` must be numbers"), id="alpha-str")
bad(_RL, 1, 1, 1, [1, 2], raises=(ITE, r"`age` must be one number"), id="age-list")
bad(_RL, 1, 1, 1, 0, horizon="x", raises=(ITE, r"`horizon` must be a whole number"),
    id="horizon-str")  # fmt: skip
bad(_RL, 1, 1, 1, 0, discount_rate=-0.1, raises=(DVE, r"`discount_rate` must be >= 0"),
    id="rate-negative")  # fmt: skip
ok(_RL, 1, 1, 1, 0, horizon=2, check=lambda v: abs(v[0] - (1 / 2 + 1 / 3)) < 1e-12,
   id="horizon-2")  # S(1) + S(2) of alpha = beta = 1  # fmt: skip

_BB = rl.BetaGeoBetaBinomModel
bad(_fresh(_BB), [1], raises=(ITE, r"`summary` must be a pandas DataFrame"), covers=_BB.fit,
    id="bgbb-list")  # fmt: skip
bad(_fresh(_BB), F.unrelated, raises=(DVE, r"`summary` is missing column\(s\)"), covers=_BB.fit,
    id="bgbb-unrelated")  # fmt: skip
bad(_fresh(_BB), F.summary, raises=(DVE, r"a count is not whole"), covers=_BB.fit,
    id="bgbb-continuous-summary")  # fmt: skip
ok(_fresh(_BB), F.donations, check=lambda m: bool((m.params_ > 0).all()), covers=_BB.fit,
   id="bgbb-donations")  # fmt: skip
bad(_BB.p_alive, F.bgbb, [1], raises=(ITE, r"`summary` must be a pandas DataFrame"),
    id="bgbb-list")  # fmt: skip
bad(_BB.p_alive, F.unfitted_bgbb, F.donations, raises=(NFE, r"not fitted yet"), id="bgbb-unfitted")
ok(_BB.p_alive, F.bgbb, F.donations, check=_in_unit_interval, id="bgbb-donations")
bad(_BB.p_no_purchase, F.bgbb, F.donations, t="x", raises=(ITE, r"`t` must be a number"),
    id="t-str")  # fmt: skip
bad(_BB.p_no_purchase, F.bgbb, F.donations, t=-1, raises=(DVE, r"`t` must be a whole number"),
    id="t-negative")  # fmt: skip
ok(_BB.p_no_purchase, F.bgbb, F.donations, t=5, check=_in_unit_interval, id="five")
bad(_BB.expected_purchases, F.bgbb, F.donations, t="x", raises=(ITE, r"`t` must be a number"),
    id="bgbb-t-str")  # fmt: skip
bad(_BB.expected_purchases, F.bgbb, F.donations, t=1.5, raises=(DVE, r"`t` must be a whole number"),
    id="bgbb-t-1.5")  # fmt: skip
ok(_BB.expected_purchases, F.bgbb, F.donations, t=5, check=lambda s: bool((s >= 0).all()),
   id="bgbb-five")  # fmt: skip
bad(_BB.expected_purchases_new_customer, F.bgbb, "x", raises=(ITE, r"`t` must be a number"),
    id="bgbb-t-str")  # fmt: skip
ok(_BB.expected_purchases_new_customer, F.bgbb, [1, 2, 3], check=lambda v: bool(np.all(np.diff(v) > 0)),
   id="bgbb-rising")  # fmt: skip
bad(_BB.p_n_purchases, F.bgbb, 1, t="x", raises=(ITE, r"`t` must be a number"), id="bgbb-t-str")
bad(_BB.p_n_purchases, F.bgbb, -1, t=5, raises=(DVE, r"`n` must be a whole number"),
    id="bgbb-n-negative")  # fmt: skip
ok(_BB.p_n_purchases, F.bgbb, list(range(6)), t=5, check=lambda p: abs(p.sum() - 1) < 1e-9,
   id="bgbb-sums-to-1")  # fmt: skip
bad(_BB.fit_report, F.unfitted_bgbb, raises=(NFE, r"not fitted yet"), id="bgbb-unfitted")
ok(_BB.fit_report, F.bgbb, check=lambda text: "BG/BB" in text, id="bgbb")

_BG = rl.BetaGeoModel
_GG = rl.GammaGammaModel
bad(_fresh(_BG), [1], raises=(ITE, r"`summary` must be a pandas DataFrame"), covers=_BG.fit,
    id="bg-list")  # fmt: skip
bad(_fresh(_BG), F.unrelated, raises=(DVE, r"`summary` is missing column\(s\)"), covers=_BG.fit,
    id="bg-unrelated")  # fmt: skip
ok(_fresh(_BG), F.summary, check=lambda m: m.params_.equals(bg().params_), covers=_BG.fit,
   id="bg-cdnow")  # fmt: skip
bad(_fresh(_GG), [1], raises=(ITE, r"`summary` must be a pandas DataFrame"), covers=_GG.fit,
    id="gg-list")  # fmt: skip
bad(_fresh(_GG), F.summary_no_money, raises=(DVE, r"missing column\(s\) `monetary_value`"),
    covers=_GG.fit, id="gg-no-money")  # fmt: skip
ok(_fresh(_GG), F.summary, check=lambda m: bool((m.params_ > 0).all()), covers=_GG.fit,
   id="gg-cdnow")  # fmt: skip
for _m, _fit, _name in ((_BG, F.bg, "bg"), (_GG, F.gg, "gg")):
    bad(_m.fit_report, _m(), raises=(NFE, r"not fitted yet"), id=f"{_name}-unfitted")
    ok(_m.fit_report, _fit, check=lambda text: "fitted on" in text, id=_name)
bad(_BG.to_dict, F.unfitted_bg, raises=(NFE, r"not fitted yet"), id="bg-unfitted")
ok(_BG.to_dict, F.bg, check=lambda d: d["model"] == "BetaGeoModel", id="bg")
ok(_BG.get_params, F.bg, check=lambda p: "penalizer_coef" in p, id="bg")
bad(_BG.from_params, [1, 2], raises=(ITE, r"`params` must be a dict or Series"), id="list")
bad(_BG.from_params, {"r": 1.0}, raises=(DVE, r"`params` lacks `alpha`"), id="missing")
bad(_BG.from_params, F.params, time_unit="week", raises=(DVE, r"`time_unit` must be one of"),
    id="unit-word")  # fmt: skip
ok(_BG.from_params, F.params, time_unit="W",
   check=lambda m: m.params_.equals(bg().params_), id="bg-params")  # fmt: skip
bad(_BG.save, F.bg, F.a_folder, raises=(DVE, r"`path` .* is a folder"), id="bg-path-folder")
ok(rl.load_model, F.bg.save(), check=lambda m: m.params_.equals(bg().params_), id="bg-text")
ok(_BG.p_alive, F.bg, F.summary, check=_in_unit_interval, id="cdnow")
ok(_BG.expected_purchases, F.bg, F.summary, t=39, check=lambda s: bool((s >= 0).all()), id="cdnow")
ok(_BG.expected_purchases_new_customer, F.bg, 39, check=lambda v: 0 < float(v) < 39, id="39")
ok(_BG.p_n_purchases, F.bg, list(range(60)), t=39, check=lambda p: abs(p.sum() - 1) < 1e-3,
   id="sums-to-1")  # fmt: skip
ok(_BG.with_params, F.bg, {"b": 3.0},
   check=lambda m: m.params_["b"] == 3.0 and m.params_["a"] == bg().params_["a"], id="bg-b")  # fmt: skip
ok(_BG.expected_purchases_new_customer, F.bg, [13, 39],
   check=lambda s: list(s.index) == [13.0, 39.0] and s.is_monotonic_increasing, id="series")  # fmt: skip
ok(_GG.expected_spend, F.gg, F.summary, check=lambda s: bool((s > 0).all()), id="cdnow")


def _fit_with(cls: type, **settings: Any) -> Callable[..., Any]:
    """``cls(**settings).fit(...)``: the settings are checked when the model is fitted."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return cls(**settings).fit(*args, **kwargs)

    call.__name__ = f"{cls.__name__}(...).fit"
    return call


for _cls, _data, _name in (
    (_BG, F.summary, "bg"),
    (_GG, F.summary, "gg"),
    (_BB, F.donations, "bgbb"),
):
    _covers = _cls.fit
    bad(_fit_with(_cls, penalizer_coef="0.1"), _data, covers=_covers, id=f"{_name}-penalizer-str",
        raises=(ITE, r"`penalizer_coef` must be a number"))  # fmt: skip
    bad(_fit_with(_cls, penalizer_coef=True), _data, covers=_covers, id=f"{_name}-penalizer-bool",
        raises=(ITE, r"`penalizer_coef` must be a number"))  # fmt: skip
    bad(_fit_with(_cls, penalizer_coef=np.nan), _data, covers=_covers, id=f"{_name}-penalizer-nan",
        raises=(DVE, r"`penalizer_coef` must be a finite number >= 0"))  # fmt: skip
    bad(_fit_with(_cls, max_iterations="x"), _data, covers=_covers, id=f"{_name}-iterations-str",
        raises=(ITE, r"`max_iterations` must be a whole number"))  # fmt: skip
    bad(_fit_with(_cls, max_seconds=0), _data, covers=_covers, id=f"{_name}-seconds-0",
        raises=(DVE, r"`max_seconds` must be in \(0, inf\)"))  # fmt: skip
bad(_fit_with(_GG, spend_resolution=0), F.summary, covers=_GG.fit, id="gg-resolution-0",
    raises=(DVE, r"`spend_resolution` must be in \(0, 1\]"))  # fmt: skip
bad(_fit_with(_GG, spend_resolution="x"), F.summary, covers=_GG.fit, id="gg-resolution-str",
    raises=(ITE, r"`spend_resolution` must be a number"))  # fmt: skip
ok(_fit_with(_GG, spend_resolution=None), F.summary, covers=_GG.fit, id="gg-resolution-none",
   check=lambda m: bool((m.spend_error_bound_ == 0).all()))  # fmt: skip

_RM = rl.clv.selection.recommend_model
bad(_RM, [1], raises=(ITE, r"`table` must be a pandas DataFrame"), id="list")
bad(_RM, F.unrelated, raises=(DVE, r"`table` is missing column\(s\)"), id="unrelated")
ok(_RM, F.model_choice, check=lambda label: label in set(model_choice()["model"]), id="cdnow")

_CR = rl.CleaningReport
bad(_CR.check, F.cleaning_report, "x", raises=(ITE, r"`tolerance` must be a number"), id="str")
bad(_CR.check, F.cleaning_report, -1, raises=(DVE, r"`tolerance` must be in \[0, inf\)"),
    id="negative")  # fmt: skip
ok(_CR.check, F.cleaning_report, check=lambda r: r is None, id="adds-up")
ok(_CR.summary, F.cleaning_report, check=lambda t: int(t.loc[t["rule"] == "read", "rows"].iloc[0])
   == len(tx()), id="read-row")  # fmt: skip

ok(rl.currency.supported_currencies, check=lambda codes: "EUR" in codes, id="eur")
ok(rl.datasets.load_sample_transactions, check=lambda t: len(t) > 0, id="frame")
bad(widgets.pareto.pareto_reading, [1], "revenue", raises=(ITE, r"`summary` must be a pandas"),
    id="list")  # fmt: skip
bad(widgets.pareto.pareto_reading, F.pareto_all, 5, raises=(ITE, r"`measure` must be a str"),
    id="measure-int")  # fmt: skip
ok(widgets.pareto.pareto_reading, F.pareto_all, "revenue", check=lambda text: len(text) > 0,
   id="revenue")  # fmt: skip
for _f in (whatif_module.yearly_discount_rate, whatif_module.describe_multiplier_basis):
    bad(_f, "1%", raises=(ITE, r"`monthly_rate` must be a number"), id="str")
    bad(_f, 12, raises=(DVE, r"`monthly_rate` must be in \[0, 1\]"), id="percent-not-fraction")
ok(whatif_module.yearly_discount_rate, 0.01, check=lambda d: abs(d - 0.126825) < 1e-6,
   id="one-percent")  # fmt: skip
ok(whatif_module.describe_multiplier_basis, 0.0, check=lambda t: "0.0% a year" in t, id="zero")
bad(widgets.whatif.whatif_reading, [1], 0.05, raises=(ITE, r"`table` must be a pandas"), id="list")
bad(widgets.whatif.whatif_reading, F.unrelated, 0.05, raises=(DVE, r"`table` is missing column"),
    id="unrelated")  # fmt: skip
ok(widgets.whatif.whatif_reading, F.uplift_all, 0.05, check=lambda text: len(text) > 0, id="five")
ok(rl.scan_transactions, F.tx_labels, check=lambda lf: lf is not None, id="frame")
ok(rl.make_sample_data, F.a_folder, check=lambda paths: all(Path(p).exists() for p in paths.values()),
   id="folder")  # fmt: skip
ok(rl.retention_outlook, F.survival, n_draws=50, value_per_customer=10.0, discount_rate=0.01,
   check=lambda t: bool((t.table["base_value"] > 0).all()), id="value")  # fmt: skip
bad(rl.retention_outlook, F.survival, n_draws=50, value_per_customer=10.0, value_horizon=2.5,
    raises=(DVE, r"`value_horizon` must be a whole number"), id="value-horizon-2.5")  # fmt: skip
bad(rl.retention_outlook, F.survival, n_draws=50, value_per_customer=10.0, discount_rate=1,
    raises=(DVE, r"`discount_rate` must be in \[0, 1\).*per period"), id="rate-1")  # fmt: skip

# --------------------------------------------------------------------------- report runs
# the run of a report (issue 12): configuration, shared run, sections, findings


@fixture
def run_csv() -> str:
    import tempfile

    log = rl.simulate_transactions(
        60, r=0.8, alpha=4.0, a=0.8, b=2.5, p=6.0, q=4.0, gamma=15.0,
        start="2023-01-01", end="2023-12-31", seed=3,
    )  # fmt: skip
    path = Path(tempfile.mkdtemp(prefix="rl-bad-inputs-")) / "orders.csv"
    log.to_csv(path, index=False)
    return str(path)


@fixture
def run_config() -> Any:
    return rl.RunConfig.from_inputs({"data_path": run_csv(), "margin": 0.3, "cac": 20.0})


@fixture
def config_file() -> str:
    return str(run_config().write(Path(a_folder()) / "client.toml"))


@fixture
def prepared_run() -> Any:
    import tempfile

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return rl.prepare_run(run_config(), tempfile.mkdtemp(prefix="rl-bad-inputs-"))


@fixture
def run_config_path() -> Path:
    return prepared_run().folder / "config.toml"


@fixture
def facts() -> Any:
    return prepared_run().facts


@fixture
def plan() -> Any:
    return rl.sections.holdout_plan(facts())


@fixture
def status_ok() -> Any:
    return rl.sections.input_status("cac", given=True)


@fixture
def caveats() -> pd.DataFrame:
    return rl.caveats_table(warnings=["SmallSampleWarning: a group of 3 customers."])


@fixture
def an_html() -> str:
    path = Path(a_folder()) / "report.html"
    path.write_text("<html><body>report</body></html>")
    return str(path)


_sec = rl.sections
_is_status = lambda out: isinstance(out, _sec.SectionStatus)  # noqa: E731
_is_str = lambda out: isinstance(out, str) and len(out) > 0  # noqa: E731

bad(rl.abtest.assignment_from_column, F.tx, ["segment"], raises=(ITE, "`column`"), id="list")
bad(rl.abtest.assignment_from_column, F.tx, "arm", raises=(DVE, "`arm`"), id="missing")
bad(rl.abtest.assignment_from_column, F.tx.assign(arm="maybe"), "arm", raises=(DVE, "`arm`"),
    id="unknown-flag")  # fmt: skip
bad(rl.abtest.assignment_from_column, F.tx_series, "arm", raises=(ITE, "`transactions`"),
    id="series")  # fmt: skip
ok(rl.abtest.assignment_from_column, F.tx.assign(arm="yes"), "arm", id="good",
   check=lambda out: bool(out["treatment"].all()) and len(out) == 60)  # fmt: skip

bad(rl.RunConfig.from_inputs, ["margin"], raises=(ITE, "`given`"), id="list")
bad(rl.RunConfig.from_inputs, {"margin": 2.0}, raises=(DVE, "margin"), id="margin")
bad(rl.RunConfig.from_inputs, {}, config_file=3, raises=(ITE, "`config_file`"), id="file-type")
ok(rl.RunConfig.from_inputs, {"margin": 0.3}, id="good", check=lambda out: out.margin == 0.3)
bad(rl.load_config, 3, raises=(ITE, "`path`"), id="type")
bad(rl.load_config, "no/such/client.toml", raises=(rl.DataPathError, "client.toml"), id="missing")
ok(rl.load_config, F.config_file, id="good", check=lambda out: out.margin == 0.3)
bad(rl.RunConfig.setting, F.run_config, "nonsense", raises=(DVE, "`nonsense`"), id="unknown")  # fmt: skip
bad(rl.RunConfig.setting, F.run_config, 3, raises=(ITE, "`key`"), id="type")
ok(rl.RunConfig.setting, F.run_config, "cac", id="good",
   check=lambda out: out.value == 20.0 and out.given)  # fmt: skip
bad(rl.RunConfig.given, F.run_config, "nonsense", raises=(DVE, "`nonsense`"), id="unknown")  # fmt: skip
ok(rl.RunConfig.given, F.run_config, "margin", id="good", check=lambda out: out)
bad(
    rl.RunConfig.cac_for,
    F.run_config,
    3,
    raises=(ITE, "`segment`"),
    id="type",
)
ok(
    rl.RunConfig.cac_for,
    F.run_config,
    id="good",
    check=lambda out: out == 20.0,
)
bad(rl.RunConfig.basis, F.run_config, "nonsense", raises=(DVE, "`nonsense`"), id="unknown")  # fmt: skip
bad(rl.RunConfig.basis, F.run_config, ["margin"], raises=(ITE, "`keys`"), id="list")
ok(rl.RunConfig.basis, F.run_config, "margin", id="good",
   check=lambda out: "30% margin" in str(out))  # fmt: skip
bad(rl.RunConfig.write, F.run_config, 3, raises=(ITE, "`path`"), id="type")
bad(rl.RunConfig.write, F.run_config, F.a_folder, raises=(DVE, "`path`"), id="folder")  # fmt: skip
ok(rl.RunConfig.write, F.run_config, F.alerts_path.replace("alerts.csv", "written.toml"), id="good", check=lambda out: out.is_file())  # fmt: skip
ok(rl.RunConfig.digest, F.run_config, id="good",
   check=lambda out: isinstance(out, str) and len(out) >= 8)  # fmt: skip
ok(rl.RunConfig.settings, F.run_config, id="good",
   check=lambda out: any(s.key == "margin" for s in out))  # fmt: skip
ok(rl.RunConfig.table, F.run_config, id="good",
   check=lambda out: {"key", "value", "source"} <= set(out.columns))  # fmt: skip
ok(rl.RunConfig.to_toml, F.run_config, id="good",
   check=lambda out: "margin = 0.3" in out)  # fmt: skip
ok(rl.RunConfig.loader_options, F.run_config, id="good",
   check=lambda out: isinstance(out, dict))  # fmt: skip

bad(rl.prepare_run, {"margin": 0.3}, F.a_folder, raises=(ITE, "`config`"), id="dict")
bad(rl.prepare_run, F.run_config, F.a_file, raises=(DVE, "`folder`"), id="file")
ok(rl.prepare_run, F.run_config, F.a_folder, id="good",
   check=lambda out: (out.folder / "config.toml").is_file())  # fmt: skip
bad(rl.open_run, 3, raises=(ITE, "`config_path`"), id="type")
bad(rl.open_run, margin=7, raises=(DVE, "margin"), id="margin")
ok(rl.open_run, F.run_config_path, id="good",
   check=lambda out: out.config.margin == 0.3)  # fmt: skip
bad(rl.Run.status, F.prepared_run, "nonsense", raises=(DVE, "`section`"), id="unknown")  # fmt: skip
bad(rl.Run.status, F.prepared_run, 3, raises=(ITE, "`section`"), id="type")
ok(rl.Run.status, F.prepared_run, "cohorts", id="good", check=_is_status)
ok(rl.Run.statuses, F.prepared_run, id="good",
   check=lambda out: set(out) == set(_sec.SECTIONS))  # fmt: skip
bad(rl.Run.window, F.prepared_run, months="3", raises=(ITE, "`months`"), id="text")
bad(rl.Run.window, F.prepared_run, months=0, raises=(DVE, "`months`"), id="zero")
ok(rl.Run.window, F.prepared_run, months=3, id="good",
   check=lambda out: out[0] < out[1])  # fmt: skip
bad(rl.Run.customers_before, F.prepared_run, months=1.5, raises=(DVE, "`months`"), id="fraction")  # fmt: skip
ok(rl.Run.customers_before, F.prepared_run, id="good",
   check=lambda out: 0 < out <= 60)  # fmt: skip
bad(rl.Run.export, F.prepared_run, F.tx_series, "x", raises=(ITE, "`frame`"), id="series")  # fmt: skip
bad(rl.Run.export, F.prepared_run, F.tx, "a b", raises=(DVE, "`name`"), id="name")
bad(rl.Run.export, F.prepared_run, F.tx, "x", csv="yes", raises=(ITE, "`csv`"), id="csv")  # fmt: skip
ok(rl.Run.export, F.prepared_run, F.tx, "corpus_rows", id="good",
   check=lambda out: all(p.is_file() for p in out.paths))  # fmt: skip
ok(rl.Run.fit_note, F.prepared_run, id="good",
   check=lambda out: isinstance(str(out), str))  # fmt: skip
ok(rl.Run.save, F.prepared_run, id="good",
   check=lambda out: out.name == "config.toml" and out.is_file())  # fmt: skip
bad(widgets.dashboard_for_run, F.tx, raises=(ITE, "`run`"), id="frame")
ok(widgets.dashboard_for_run, F.prepared_run, id="good", check=lambda out: out is not None)

bad(_sec.log_facts, F.tx_series, F.summary, raises=(ITE, "`transactions`"), id="series")
bad(_sec.log_facts, F.tx, F.tx, raises=(DVE, "`frequency`"), id="not-a-summary")
ok(_sec.log_facts, F.tx, F.tx.pipe(rl.rfm_summary, grain="D"), id="good",
   check=lambda out: out.customers == 60 and out.months >= 10)  # fmt: skip
for _status in (_sec.cohorts_status, _sec.countries_status, _sec.clv_status):
    bad(_status, F.tx, raises=(ITE, "`facts`"), id="frame")
    ok(_status, F.facts, id="good", check=_is_status)
bad(_sec.clv_status, F.facts, horizon_months=0, raises=(DVE, "`horizon_months`"), id="horizon")
bad(_sec.groups_status, F.facts, ["region"], raises=(ITE, "`by`"), id="list")
bad(_sec.groups_status, F.facts, "region", largest=("UK",), raises=(ITE, "`largest`"), id="pair")
ok(_sec.groups_status, F.facts, None, requested=("region",), id="good",
   check=lambda out: not out and "country" in out.reason)  # fmt: skip
bad(_sec.projection_status, 3, raises=(ITE, "`error`"), id="type")
ok(_sec.projection_status, "0 was lost", id="good",
   check=lambda out: not out and "three months" in out.reason)  # fmt: skip
bad(_sec.intervals_status, True, raises=(ITE, "`clv`"), id="bool")
bad(_sec.intervals_status, F.status_ok, singular="r", raises=(ITE, "`singular`"), id="str")
ok(_sec.intervals_status, F.status_ok, singular=["r"], id="good", check=lambda out: not out)
bad(_sec.kpis_status, "10", start="2023-01-01", raises=(ITE, "`customers_start`"), id="text")
bad(_sec.kpis_status, 10, start="soon", raises=(DVE, "`start`"), id="start")
ok(_sec.kpis_status, 10, start="2023-01-01", id="good", check=lambda out: bool(out))
bad(_sec.whatif_status, F.status_ok, model_label="BG/NBD", has_dropout="yes",
    raises=(ITE, "`has_dropout`"), id="flag")  # fmt: skip
ok(_sec.whatif_status, F.status_ok, model_label="BG/NBD", has_dropout=False, id="good",
   check=lambda out: not out)  # fmt: skip
bad(_sec.abtest_status, -1, raises=(DVE, "`customers_before`"), id="negative")
bad(_sec.abtest_status, 500, experiment=["arm"], raises=(ITE, "`experiment`"), id="list")
ok(_sec.abtest_status, 500, experiment="arm", id="good", check=lambda out: bool(out))
bad(_sec.holdout_plan, F.tx, raises=(ITE, "`facts`"), id="frame")
bad(_sec.holdout_plan, F.facts, requested=0, raises=(DVE, "`requested`"), id="zero")
ok(_sec.holdout_plan, F.facts, requested=8, id="good", check=lambda out: out.weeks == 8)
bad(_sec.holdout_status, F.facts, raises=(ITE, "`plan`"), id="facts")
bad(_sec.holdout_status, F.plan, fit_error=3, raises=(ITE, "`fit_error`"), id="error")
ok(_sec.holdout_status, F.plan, calibration_repeat_buyers=30, id="good", check=_is_status)
bad(_sec.survey_status, [1, 2], raises=(ITE, "`survey`"), id="list")
bad(_sec.survey_status, None, linked="3", raises=(ITE, "`linked`"), id="linked")
ok(_sec.survey_status, None, id="good", check=lambda out: not out)
bad(_sec.input_status, "cac", given="yes", raises=(ITE, "`given`"), id="flag")
ok(_sec.input_status, "cac", given=False, id="good", check=lambda out: not out)
bad(_sec.LogFacts.from_dict, {"customers": 3}, raises=(DVE, "`purchase_days`"), id="facts-keys")
bad(_sec.LogFacts.from_dict, [1], raises=(ITE, "`doc`"), id="facts-list")
ok(_sec.LogFacts.from_dict, F.facts.to_dict(), id="facts-good", check=lambda out: out == facts())
ok(_sec.LogFacts.to_dict, F.facts, id="facts-good",
   check=lambda out: out["customers"] == facts().customers)  # fmt: skip
bad(_sec.HoldoutPlan.from_dict, {"weeks": 8}, raises=(DVE, "`observation_end`"), id="plan-keys")
ok(_sec.HoldoutPlan.from_dict, F.plan.to_dict(), id="plan-good", check=lambda out: out == plan())
ok(_sec.HoldoutPlan.to_dict, F.plan, id="plan-good",
   check=lambda out: "observation_end" in out)  # fmt: skip
bad(rl.CleaningReport.from_dict, {"table": []}, raises=(DVE, "`rows_read`"), id="cleaning-keys")
ok(rl.CleaningReport.from_dict, F.cleaning_report.to_dict(), id="cleaning-good",
   check=lambda out: out.rows_read == cleaning_report().rows_read)  # fmt: skip
ok(rl.CleaningReport.to_dict, F.cleaning_report, id="cleaning-good",
   check=lambda out: out["rows_read"] >= out["rows_kept"])  # fmt: skip

_fd = rl.findings
bad(_fd.retention_finding, F.tx, raises=(DVE, "`period_number`"), id="not-curves")
bad(_fd.retention_finding, F.curves, at=1, raises=(ITE, "`at`"), id="at")
ok(_fd.retention_finding, F.curves, id="good", check=lambda out: out is None or "month" in out)
bad(_fd.cohort_trend_finding, F.curves, raises=(DVE, "`cohort"), id="not-table")
bad(_fd.cohort_trend_finding, F.cohort_table, period_number=0, raises=(DVE, "`period_number`"),
    id="zero")  # fmt: skip
ok(_fd.cohort_trend_finding, F.cohort_table, min_cohorts=2, id="good",
   check=lambda out: out is None or "cohort" in out)  # fmt: skip
bad(_fd.concentration_finding, F.tx, raises=(DVE, "`top"), id="not-summary")
bad(_fd.concentration_finding, F.tx.pipe(rl.pareto_summary, by="region"),
    raises=(DVE, "`summary`"), id="groups")  # fmt: skip
ok(_fd.concentration_finding, F.tx.pipe(rl.pareto_summary), id="good",
   check=lambda out: "of net revenue" in out)  # fmt: skip
_value = {"customers": 60, "horizon_months": 12, "past_revenue": 900.0, "currency": "EUR",
          "margin": 0.3, "margin_given": True}  # fmt: skip
bad(_fd.value_finding, "1000", 800.0, 1200.0, raises=(ITE, "`total`"), id="text", **_value)
bad(_fd.value_finding, 1000.0, None, None, raises=(DVE, "`margin`"), id="margin",
    **{**_value, "margin": 3.0})  # fmt: skip
ok(
    _fd.value_finding,
    1000.0,
    800.0,
    1200.0,
    id="good",
    check=lambda out: "1.0k EUR" in out,
    **_value,
)
bad(_fd.risk_finding, 5, 3, 100.0, currency="EUR", horizon_months=12, raises=(DVE, "`at_risk`"),
    id="more-at-risk")  # fmt: skip
bad(_fd.risk_finding, 1, 3, 100.0, currency="euro", horizon_months=12,
    raises=(DVE, "`currency`"), id="currency")  # fmt: skip
ok(_fd.risk_finding, 1, 3, 100.0, currency="EUR", horizon_months=12, id="good",
   check=lambda out: out.startswith("1 of the 3"))  # fmt: skip
bad(_fd.risk_finding, 1, 3, 100.0, currency="EUR", horizon_months=12, score="P(no purchase)",
    auc=2.0, raises=(DVE, "`auc`"), id="auc")  # fmt: skip
bad(_fd.scorecard_auc, F.tx, raises=(ITE, "`card`"), id="frame")
bad(_fd.scorecard_auc, F.card_none, raises=(DVE, "`card` recommends no score"), id="none")
ok(_fd.scorecard_auc, F.card, id="good", check=lambda out: 0.5 < out <= 1)
bad(_fd.survey_finding, F.tx, raises=(DVE, "`score`"), id="not-scores")
ok(_fd.survey_finding, F.survey.pipe(rl.survey_summary), id="good",
   check=lambda out: out.startswith("Survey ("))  # fmt: skip
bad(_fd.main_caveat, F.tx, raises=(DVE, "`kind`"), id="not-caveats")
ok(_fd.main_caveat, F.caveats, id="good", check=_is_str)
bad(_fd.for_reader, 3, raises=(ITE, "`text`"), id="type")
ok(_fd.for_reader, "Refit with `penalizer_coef=0.01`. Its `p_alive` is near 1.", id="good",
   check=lambda out: out == "Its P(alive) is near 1.")  # fmt: skip
bad(_fd.warning_kind, None, raises=(ITE, "`text`"), id="none")
ok(_fd.warning_kind, "BoundaryWarning: The BG/NBD fit: a = 0.003 is near 0.", id="good",
   check=lambda out: out == "Model fit")  # fmt: skip
bad(rl.caveats_table, warnings="one warning", raises=(ITE, "`warnings`"), id="str")
bad(rl.caveats_table, skipped=["CLV"], raises=(ITE, "`skipped`"), id="skipped")
bad(rl.caveats_table, config={"margin": 0.3}, raises=(ITE, "`config`"), id="config")
bad(rl.caveats_table, cleaning=F.tx, raises=(ITE, "`cleaning`"), id="cleaning")
ok(rl.caveats_table, skipped={"CLV": "no repeat buyers"}, config=F.run_config, id="good",
   check=lambda out: list(out.columns) == ["kind", "caveat"] and len(out) >= 1)  # fmt: skip
bad(rl.assumptions_table, {"margin": 0.3}, raises=(ITE, "`config`"), id="dict")
bad(rl.assumptions_table, F.run_config, holdout_weeks="8", raises=(ITE, "`holdout_weeks`"),
    id="weeks")  # fmt: skip
ok(rl.assumptions_table, F.run_config, holdout_weeks=8, id="good",
   check=lambda out: "Profit margin on revenue" in set(out["Assumption"]))  # fmt: skip
bad(rl.executive_summary, F.run_config, raises=(ITE, "`run`"), id="config")
bad(rl.executive_summary, F.prepared_run, caveats=F.tx, raises=(DVE, "`kind`"), id="caveats")
ok(rl.executive_summary, F.prepared_run, id="good",
   check=lambda out: 1 <= len(out) <= 8 and all(isinstance(f, _fd.Finding) for f in out))  # fmt: skip

bad(report.column_label, ["share_of_clv"], raises=(ITE, "`name`"), id="list")
ok(report.column_label, "share_of_clv", id="good", check=lambda out: out == "Share of CLV")
bad(report.write_pdf, 3, F.alerts_path, raises=(ITE, "`html_path`"), id="type")
bad(report.write_pdf, F.a_folder, F.alerts_path, raises=(DVE, "`html_path`"), id="folder")
bad(report.write_pdf, F.alerts_path.replace("alerts.csv", "none.html"), F.alerts_path,
    raises=(rl.DataPathError, "none.html"), id="missing")  # fmt: skip


# --------------------------------------------------------------------------- the argument sweep
#
# One good call per public function, then each of its optional arguments in turn set to a
# value of the wrong type or out of its domain: a number given as text, NaN, a flag given as
# text, a sequence given as a str, a word that is not an option, a date that is no date. Each
# must be refused by a retention_lib error that names the argument (or the bad value).

_CLV_ARGS = (F.bg, F.gg, F.summary)
_PLOT_TABLES = {p.__name__: (t, kw) for p, t, kw in _PLOTS}

#: function -> (arguments, keyword arguments) of a call that works
GOOD_CALLS: dict[Callable, tuple[tuple, dict]] = {
    rl.ab_outcomes: ((F.tx, F.assignment), {"start": "2023-06-01"}),
    rl.ab_test: ((F.outcomes,), {}),
    rl.abc_summary: ((F.tx,), {}),
    rl.add_regions: ((F.tx,), {}),
    rl.average_retention: ((F.cohort_table,), {}),
    rl.calibration_by_frequency: ((F.bg_split, F.split), {}),
    rl.calibration_holdout_split: ((F.tx,), {"calibration_end": "2023-08-01"}),
    rl.ces: ((F.survey,), {}),
    rl.churn_rate: ((20, 200), {}),
    rl.churn_risk_list: ((F.tx,), {}),
    rl.churn_scorecard: ((F.cdnow,), {**_CS_ARGS, "models": {"BG/NBD": rl.BetaGeoModel()}}),
    rl.churn_table: ((F.tx,), {}),
    rl.clean_transactions: ((F.tx,), {}),
    rl.clv_by_group: ((F.clv, F.groups), {}),
    rl.clv_intervals: (_CLV_ARGS, {"n_draws": 2, "progress": False, "groups": F.groups}),
    rl.cohort_retention: ((F.tx,), {}),
    rl.concentration_comparison: ((F.customers_clv,), {}),
    rl.convert_currency: ((F.tx,), {"source_currency": "GBP"}),
    rl.country_to_iso: ((["EIRE"],), {}),
    rl.csat: ((F.survey,), {}),
    rl.cumulative_tracking: ((F.bg, F.cdnow), {"calibration_end": "1997-09-30"}),
    rl.customer_attributes: ((F.tx,), {}),
    rl.customer_counts: ((F.tx,), {"start": "2023-06-01", "end": "2023-12-01"}),
    rl.customer_groups: ((F.tx,), {}),
    rl.customer_lifetime_value: (_CLV_ARGS, {}),
    rl.customer_values: ((F.tx,), {}),
    rl.describe_retention: ((F.curves,), {}),
    rl.describe_value_curves: ((F.value_curves_table,), {}),
    rl.export_churn_risk: ((F.alerts, F.alerts_path), {}),
    rl.fit_by_group: ((F.summary, F.groups), {"min_customers": 2000}),
    rl.frequency_recency_matrix: ((F.bg,), {"T": 40}),
    rl.gini: (([1.0, 2.0, 3.0],), {}),
    rl.holdout_predictions: ((F.bg_split, F.split), {}),
    rl.holdout_report: ((F.bg_split, F.split), {}),
    rl.kpi_summary: ((F.tx,), {"start": "2023-06-01", "end": "2023-12-01"}),
    rl.link_survey: ((F.survey, F.tx), {}),
    rl.load_cdnow: ((), {}),
    rl.lorenz_curve: ((F.tx,), {}),
    rl.loyalty_score: ((F.survey,), {}),
    rl.ltv_cac: ((600, 150), {}),
    rl.ltv_cac_by_group: ((F.clv, F.tx), {"cac": 10.0, "by": "segment"}),  # by: see below
    rl.ltv_comparison: ((F.tx, F.clv), {}),
    rl.map_countries: ((["EIRE", "Japan"],), {}),
    rl.max_retention_gain: ((F.params,), {}),
    rl.nps: ((F.survey,), {}),
    rl.p_alive_history: ((F.bg, F.cdnow, "1"), {}),
    rl.pareto_deciles: ((F.tx,), {}),
    rl.pareto_summary: ((F.tx,), {}),
    rl.pareto_table: ((F.tx,), {}),
    rl.period_transactions: ((F.bg, F.summary), {}),
    rl.prepare_transactions: ((F.tx_labels,), {}),
    rl.random_assignment: ((["a", "b", "c", "d"],), {}),
    rl.rebuy_rate: ((F.tx,), {"start": "2023-06-01"}),
    rl.repeat_purchase_rates: ((F.tx,), {}),
    rl.retention_gain_params: ((F.params, 0.05), {}),
    rl.retention_matrix: ((F.cohort_table,), {}),
    rl.retention_rate: ((190, 30, 200), {}),
    rl.retention_roi: ((15_000, 5_000), {}),
    rl.retention_scenario: (_CLV_ARGS, {}),
    rl.retention_uplift: (_CLV_ARGS, {}),
    rl.retention_value_multiplier: ((0.8,), {}),
    rl.revenue_retention: ((F.tx,), {}),
    rl.rfm_scores: ((F.tx,), {}),
    rl.rfm_summary: ((F.tx,), {}),
    rl.segment_map_table: ((), {}),
    rl.segment_summary: ((F.scores,), {}),
    rl.simple_ltv: ((50.0, 4.0, 3.0), {}),
    rl.simulate_transactions: ((5,), _SIM),
    rl.survey_summary: ((F.survey,), {}),
    rl.transactions_overview: ((F.tx,), {}),
    rl.describe_overview: ((F.tx,), {"by": "region"}),
    rl.upsell_rate: ((F.tx,), {"start": "2023-06-01"}),
    rl.value_curves: ((F.revenue_table,), {}),
    **{p: ((_PLOT_TABLES[p.__name__][0],), _PLOT_TABLES[p.__name__][1]) for p, _, _ in _PLOTS},
    widgets.clv_view: (_W, {}),
    widgets.clv_explorer: (_W, {}),
    widgets.cohort_summary: ((F.cohort_table,), {}),
    widgets.cohort_view: ((F.tx,), {}),
    widgets.cohort_explorer: ((F.tx,), {}),
    widgets.dashboard: ((F.tx,), {}),
    widgets.fit_clv: ((F.cdnow,), {}),
    widgets.kpi_view: ((F.survey_regions,), {"by": "region"}),
    widgets.kpi_explorer: ((F.survey_regions,), {}),
    widgets.pareto_view: ((F.tx,), {}),
    widgets.pareto_explorer: ((F.tx,), {}),
    widgets.whatif_view: (_W, {}),
    widgets.whatif_explorer: (_W, {}),
    widgets.clv_table: ((F.clv_by_region,), {}),
    widgets.uplift_table: ((F.uplift_by_segment,), {}),
    report.styled_table: ((F.curves,), {}),
    report.data_facts: ((F.tx,), {}),
    report.describe_data: ((F.tx,), {}),
    report.currency_symbol: (("EUR",), {}),
    rl.describe_p_alive: (([0.2, 0.9],), {}),
    rl.compare_models: ((F.split,), {}),
    rl.describe_backtest: ((F.backtest,), {}),
    rl.likelihood_ratio_test: ((F.sbg, F.bdw), {}),
    rl.describe_retention_headroom: ((F.params, [0.05]), {}),
    rl.cohort_survival: ((F.tx,), {"min_cohort_size": 1}),
    rl.net_revenue_retention: ((F.tx,), {}),
    rl.discrete_rfm_summary: ((F.tx,), {"period": "M"}),
    widgets.projection_view: ((F.cdnow,), {}),
    **{f: ((t,), kw) for f, (t, kw) in _READINGS.items()},
}

_DATE_ARGUMENTS = {"start", "end", "observation_end", "calibration_end", "analysis_date",
                   "acquisition_end"}  # fmt: skip
#: optional str arguments that take any text (a label, a prefix, a pattern)
_FREE_TEXT = {"id_prefix", "unknown", "currency", "title", "test_customers", "region", "segment",
              "unit", "describe_pareto.measure"}  # fmt: skip
#: optional arguments the sweep leaves alone: the model class, file paths, switches of output
_NOT_SWEPT = {"model", "progress", "out_dir", "path", "data_path", "cleaning", "converter",
              "return_latent", "annot", "show_sizes"}  # fmt: skip


def _bad_values(func: Callable, name: str, default: Any) -> list[tuple[str, Any, str]]:
    """(label, bad value, pattern of the message) for one optional argument."""
    named = rf"`{name}`"
    if name in _NOT_SWEPT or f"{func.__name__}.{name}" in _NOT_SWEPT:
        return []
    if name in _DATE_ARGUMENTS:
        return [("word", "soon", named)]
    if isinstance(default, bool):
        return [("str", "yes", named)]
    if isinstance(default, int | float):
        return [("str", "x", named), ("nan", float("nan"), named)]
    if isinstance(default, tuple):
        return [("str", "abc", rf"{named}|`abc`")]
    if isinstance(default, str) and not {name, f"{func.__name__}.{name}"} & _FREE_TEXT:
        return [("word", "nonsense", rf"{named}|`nonsense`|'nonsense'")]
    if default is None and name == "by":
        return [("word", "nonsense", r"`nonsense`|'nonsense'")]
    return []


def _sweep() -> None:
    for func, (args, kwargs) in GOOD_CALLS.items():
        ok(func, *args, check=lambda out: True, id="good-call", **kwargs)
        for name, p in inspect.signature(func).parameters.items():
            if p.default is inspect.Parameter.empty or name in kwargs:
                continue
            for label, value, pattern in _bad_values(func, name, p.default):
                CASES.append(
                    Case(
                        func,
                        args,
                        {**kwargs, name: value},
                        f"sweep-{name}-{label}",
                        raises=(rl.RetentionLibError, pattern),
                        exact=False,
                    )  # fmt: skip
                )


_sweep()

# --------------------------------------------------------------------------- the tests


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input(case: Case) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # statistical caveats are tested elsewhere
        if case.raises is not None:
            cls, pattern = case.raises
            with pytest.raises(cls, match=pattern) as info:
                case.run()
            if case.exact:
                assert info.type is cls, f"raised {info.type.__name__}, not {cls.__name__}"
            if cls is not NFE:  # scikit-learn's wording: "This X instance is not fitted yet..."
                assert "`" in str(info.value), "the message names the argument or column"
        else:
            assert case.check(case.run())


def _function(obj: Any) -> Any:
    """The plain function behind a function, a method or a classmethod."""
    return inspect.unwrap(getattr(obj, "__func__", obj))


def _public_modules() -> list[Any]:
    """retention_lib and each of its modules whose path has no ``_`` part."""
    import importlib
    import pkgutil

    found = [rl]
    for info in pkgutil.walk_packages(rl.__path__, "retention_lib."):
        if any(part.startswith("_") for part in info.name.split(".")[1:]):
            continue
        found.append(importlib.import_module(info.name))
    return found


def _public_api() -> dict[Any, str]:
    """function -> its public name, for every public function and every public method of a
    public class in the ``__all__`` of retention_lib or of one of its public modules."""
    api: dict[Any, str] = {}
    for module in _public_modules():
        for name in getattr(module, "__all__", ()):
            obj = getattr(module, name)
            if inspect.isfunction(obj):
                api.setdefault(_function(obj), f"{module.__name__}.{name}")
            elif inspect.isclass(obj) and not issubclass(obj, BaseException | Warning):
                for attr in dir(obj):
                    if attr.startswith("_"):
                        continue
                    method = _function(inspect.getattr_static(obj, attr))
                    if inspect.isfunction(method) and method.__module__.startswith("retention_lib"):
                        api.setdefault(method, f"{method.__module__}.{method.__qualname__}")
    return api


def _uncovered(cases: list[Case], *, exempt: set[str] = frozenset()) -> list[str]:
    covered = {_function(c.target) for c in cases}
    return sorted(n for f, n in _public_api().items() if f not in covered and n not in exempt)


#: public functions and methods without arguments to get wrong (their good call is in the corpus)
_NO_ARGUMENTS = {
    "retention_lib.sample_data_path",
    "retention_lib.load_sample_parameters",
    "retention_lib.load_sample_survey",
    "retention_lib.load_donations",
    "retention_lib.datasets.load_sample_transactions",
    "retention_lib.currency.ecb_converter",
    "retention_lib.currency.supported_currencies",
    "retention_lib.report.notebooks_dir",
    "retention_lib.cleaning.CleaningReport.summary",
    "retention_lib.clv.models._BaseModel.get_params",
    "retention_lib.cleaning.CleaningReport.to_dict",
    "retention_lib.config.RunConfig.digest",
    "retention_lib.config.RunConfig.loader_options",
    "retention_lib.config.RunConfig.settings",
    "retention_lib.config.RunConfig.table",
    "retention_lib.config.RunConfig.to_toml",
    "retention_lib.run.Run.fit_note",
    "retention_lib.run.Run.save",
    "retention_lib.run.Run.statuses",
    "retention_lib.sections.HoldoutPlan.to_dict",
    "retention_lib.sections.LogFacts.to_dict",
    "retention_lib.projection.RetentionOutlook.to_frame",
    "retention_lib.segments.ChurnRiskList.to_frame",
}


def test_every_public_function_is_in_the_corpus() -> None:
    assert _uncovered(CASES) == []


#: public functions whose good call is too slow for the corpus, and where it is tested instead
_GOOD_CALL_ELSEWHERE = {
    "retention_lib.report.build_report",  # runs the notebooks: test_report.py
    "retention_lib.report.write_pdf",  # needs Chromium: the --pdf report of test_installed.py
}


def test_every_public_function_has_a_good_call() -> None:
    good_calls = [c for c in CASES if c.raises is None]
    assert _uncovered(good_calls, exempt=_GOOD_CALL_ELSEWHERE) == []


def test_every_public_function_has_a_bad_call() -> None:
    bad_calls = [c for c in CASES if c.raises is not None]
    assert _uncovered(bad_calls, exempt=_NO_ARGUMENTS) == []


def test_corpus_ids_are_unique() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids))


def test_no_public_error_is_a_lookup_error() -> None:
    # the classes a bad call may raise are retention_lib's, or FileNotFoundError for a path
    allowed = (rl.RetentionLibError, FileNotFoundError)
    bad_classes = [c.id for c in CASES if c.raises and not issubclass(c.raises[0], allowed)]
    assert bad_classes == []


__all__ = ["CASES", "Case", "FIXTURES", "resolve"]
