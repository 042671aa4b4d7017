"""A/B test of a retention initiative: did the treated customers stay, buy again or spend
more than the control group?

:func:`ab_outcomes` turns a transaction log and a treatment flag per customer into one
row per customer with the outcomes in a test window; :func:`ab_test` compares the groups
with a significance test and a confidence interval of the difference (scipy).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd
from scipy import stats

from . import _reading as say
from ._backend import check_log, collect, columns_of, datetime_lit, require_lazy_columns, to_lazy
from ._schema import few, order_expr, purchase_expr
from ._stats import newcombe_interval
from ._validation import (
    AssumptionWarning,
    DataValidationError,
    InputTypeError,
    SmallSampleWarning,
    require_bool,
    require_column_name,
    require_columns,
    require_date,
    require_frame_columns,
    require_in_range,
    require_one_row_per_customer,
    require_sequence,
    require_transactions,
    require_treatment,
    require_whole_number,
)

__all__ = [
    "METRICS",
    "ab_outcomes",
    "ab_test",
    "assignment_from_column",
    "describe_ab_test",
    "random_assignment",
]

#: Outcomes :func:`ab_test` knows: name -> (kind, description).
METRICS: dict[str, tuple[str, str]] = {
    "retained": ("proportion", "share of customers with a purchase in the test window"),
    "repeat": ("proportion", "share of customers with 2+ orders in the test window"),
    "revenue": ("mean", "net revenue per customer in the test window"),
    "orders": ("mean", "orders per customer in the test window"),
}


def random_assignment(
    customers: Any, *, treatment_share: float = 0.5, seed: int = 0
) -> pd.DataFrame:
    """Randomly assign customers to treatment or control (for planning or an A/A test).

    Parameters
    ----------
    customers : sequence of str or DataFrame with ``customer_id``
    treatment_share : float, default 0.5
        Share of customers treated.
    seed : int, default 0

    Returns
    -------
    pandas.DataFrame
        ``customer_id, treatment`` (bool), sorted by ``customer_id``; the same input and
        seed always give the same assignment, whatever the input order.

    Examples
    --------
    >>> random_assignment(["a", "b", "c", "d"], seed=1)["treatment"].sum()
    np.int64(2)
    """
    share = require_in_range(
        treatment_share,
        name="treatment_share",
        low=0,
        high=1,
        low_inclusive=False,
        high_inclusive=False,
    )
    seed = require_whole_number(seed, name="seed", low=0)
    if isinstance(customers, pd.DataFrame):
        if "customer_id" not in customers.columns:
            raise DataValidationError(
                "`customers` is missing column `customer_id`; pass a frame with one, or a list "
                "of ids."
            )
        ids = customers["customer_id"]
    else:
        ids = pd.Series(
            require_sequence(customers, name="customers", what="ids", example="['a', 'b']"),
            dtype=object,
        )
    if ids.isna().any():
        raise DataValidationError(
            f"`customers` has missing ids ({int(ids.isna().sum())}); drop them first."
        )
    if len(ids) == 0:
        raise DataValidationError("`customers` is empty; pass the ids of the customers to assign.")
    ids = pd.Series(pd.unique(ids.astype("str"))).sort_values(ignore_index=True)
    n = len(ids)
    n_treat = round(share * n)
    chosen = np.random.default_rng(seed).permutation(n) < n_treat
    return pd.DataFrame({"customer_id": ids.astype("str"), "treatment": chosen})


#: Text flags :func:`assignment_from_column` reads as treated / as control (any case).
TREATED = ("1", "true", "yes", "y", "t", "treatment", "treated", "test")
CONTROL = ("0", "false", "no", "n", "c", "control", "holdout")


def assignment_from_column(transactions: pd.DataFrame, column: str) -> pd.DataFrame:
    """The treatment flag of each customer, read from a column of the log.

    Parameters
    ----------
    transactions : pandas.DataFrame
        The cleaned log (one or more rows per customer).
    column : str
        The log's column flagging the customers who got the campaign: True/False, 1/0 or
        text (:data:`TREATED` / :data:`CONTROL`, any case). Every row of a customer must
        carry the same flag; customers whose rows carry none are left out of the test
        (an :class:`AssumptionWarning` says how many).

    Returns
    -------
    pandas.DataFrame
        ``customer_id, treatment`` (bool), sorted by ``customer_id``.

    Raises
    ------
    DataValidationError
        The column is missing, holds another value, or gives a customer both flags.
    """
    transactions = require_transactions(transactions, columns=("customer_id",))
    column = require_column_name(column, name="column", allow_none=False)
    if column not in transactions.columns:
        raise DataValidationError(
            f"The experiment column `{column}` is not in the log; its columns are "
            f"{', '.join(f'`{c}`' for c in transactions.columns)}."
        )
    raw = transactions[["customer_id", column]].dropna(subset=[column])
    text = raw[column].astype("str").str.strip().str.lower()
    text = text.replace({"1.0": "1", "0.0": "0"})
    flag = pd.Series(pd.NA, index=raw.index, dtype="boolean")
    flag[text.isin(TREATED)] = True
    flag[text.isin(CONTROL)] = False
    bad = flag.isna()
    if bad.any():
        raise DataValidationError(
            f"The experiment column `{column}` must say treated or control (True/False, 1/0, "
            f"treatment/control); found {raw.loc[bad, column].iloc[0]!r} for customers "
            f"{few(raw.loc[bad, 'customer_id'])}."
        )
    per = pd.DataFrame({"customer_id": raw["customer_id"].astype("str"), "treatment": flag})
    both = per.groupby("customer_id")["treatment"].nunique() > 1
    if both.any():
        raise DataValidationError(
            f"The experiment column `{column}` flags customers both treated and control on "
            f"different rows ({few(both[both].index.to_series())}). Give each customer one flag."
        )
    out = per.groupby("customer_id", as_index=False)["treatment"].first()
    out["treatment"] = out["treatment"].astype(bool)
    unflagged = transactions["customer_id"].nunique() - len(out)
    if unflagged:
        warnings.warn(
            f"{unflagged:,} customers have no value in the experiment column `{column}`: they "
            "are left out of the A/B test.",
            AssumptionWarning,
            stacklevel=2,
        )
    return out.sort_values("customer_id", ignore_index=True)


def _check_assignment(assignment: pd.DataFrame, flag: str, treatment: Any) -> pd.DataFrame:
    if not isinstance(assignment, pd.DataFrame):
        raise InputTypeError(
            f"`assignment` must be a pandas DataFrame with `customer_id` and `{flag}`, got "
            f"{type(assignment).__name__}."
        )
    require_columns(
        assignment,
        ["customer_id", flag],
        what="`assignment`",
        fix=f"It needs one row per customer with `customer_id` and a treatment flag `{flag}` "
        "(True/1 = treated).",
    )
    require_one_row_per_customer(assignment, name="assignment")
    treated = require_treatment(
        assignment[flag], column=flag, treatment=treatment, ids=assignment["customer_id"]
    )
    return pd.DataFrame(
        {"customer_id": assignment["customer_id"].astype("str"), "treatment": treated}
    )


def ab_outcomes(
    transactions: Any,
    assignment: pd.DataFrame,
    *,
    start: Any,
    end: Any = None,
    flag: str = "treatment",
    treatment: Any = None,
) -> pd.DataFrame:
    """Outcomes per assigned customer in the test window [``start``, ``end``).

    Parameters
    ----------
    transactions : DataFrame-like
        Canonical transaction log (pandas, polars, DuckDB relation, ...).
    assignment : pandas.DataFrame
        One row per customer in the test: ``customer_id`` and the flag column.
    start : date-like
        First day of the test window (the day the initiative started).
    end : date-like, optional
        Day after the window (default: end of the data).
    flag : str, default "treatment"
        Column of ``assignment`` with True/1 for treated customers (False/0 for control).
    treatment : optional
        When ``flag`` holds two labels (e.g. "control"/"treatment"), the label of the treated
        customers. Missing flags, other values, or a third label are refused.

    Returns
    -------
    pandas.DataFrame
        ``customer_id, treatment`` (bool), ``orders`` (distinct orders in the window),
        ``revenue`` (net amount in the window), ``retained`` (bool, orders >= 1),
        ``repeat`` (bool, orders >= 2). Customers without a purchase get 0 / False.

    Examples
    --------
    >>> outcomes = ab_outcomes(tx, assignment, start="2011-09-01")  # doctest: +SKIP
    """
    assign = _check_assignment(assignment, flag, treatment)
    t0 = require_date(start, name="start")
    t1 = None if end is None else require_date(end, name="end")
    if t1 is not None and t1 <= t0:
        raise DataValidationError(f"`end` ({t1}) must be after `start` ({t0}).")
    lf = to_lazy(transactions)
    cols = columns_of(lf)
    require_lazy_columns(lf, ["customer_id", "timestamp", "amount"], what="`transactions`")
    check_log(lf)
    cond = nw.col("timestamp") >= datetime_lit(t0, lf)
    if t1 is not None:
        cond = cond & (nw.col("timestamp") < datetime_lit(t1, lf))
    window = lf.filter(cond)
    revenue = collect(window.group_by("customer_id").agg(nw.col("amount").sum().alias("revenue")))
    orders = collect(
        window.filter(purchase_expr(cols))
        .select("customer_id", order_expr(cols))
        .unique()
        .group_by("customer_id")
        .agg(nw.len().alias("orders"))
    )
    for f in (revenue, orders):
        f["customer_id"] = f["customer_id"].astype("str")
    out = assign.merge(orders, on="customer_id", how="left").merge(
        revenue, on="customer_id", how="left"
    )
    if out["revenue"].isna().all() and len(out):
        warnings.warn(
            "No assigned customer has a transaction in the test window. Check that "
            "`assignment` uses the same customer ids as `transactions` and the window dates.",
            AssumptionWarning,
            stacklevel=2,
        )
    out["orders"] = out["orders"].fillna(0).astype("int64")
    out["revenue"] = out["revenue"].fillna(0.0).astype("float64")
    out["retained"] = out["orders"] >= 1
    out["repeat"] = out["orders"] >= 2
    out.attrs = {"start": t0, "end": t1}
    return out.sort_values("customer_id", ignore_index=True)


def ab_test(
    outcomes: pd.DataFrame,
    *,
    metrics: str | Sequence[str] = ("retained", "repeat", "revenue"),
    confidence: float = 0.95,
    min_group_size: int = 30,
    treatment: Any = None,
) -> pd.DataFrame:
    """Compare treatment and control on each metric with a test and a confidence interval.

    - Proportions (``retained``, ``repeat``): difference of shares with Newcombe's hybrid
      score interval; p-value of the two-sided two-proportion z test (Pearson chi-square
      without continuity correction), or Fisher's exact test when an expected cell count
      is below 5.
    - Means (``revenue``, ``orders``): difference of means with Welch's t test and its
      interval (``scipy.stats.ttest_ind(equal_var=False)``). Revenue is heavy-tailed: with
      few customers a single big spender can decide the result.

    Parameters
    ----------
    outcomes : pandas.DataFrame
        Output of :func:`ab_outcomes` (``treatment`` plus the metric columns).
    metrics : str or sequence of str, default ("retained", "repeat", "revenue")
        Any of :data:`METRICS`.
    confidence : float, default 0.95
    min_group_size : int, default 30
        Smaller groups trigger a :class:`SmallSampleWarning`; fewer than 2 customers in a
        group raise :class:`DataValidationError`.
    treatment : optional
        As in :func:`ab_outcomes`: the treated label when ``outcomes["treatment"]`` holds
        labels rather than True/False (1/0).

    Returns
    -------
    pandas.DataFrame
        One row per metric: ``metric, kind, n_control, n_treatment, control, treatment``
        (share or mean per group), ``difference`` (treatment - control), ``relative_lift``
        (difference / control, a fraction), ``ci_low, ci_high`` (of the difference), ``p_value,
        test, significant`` (p < 1 - confidence).

    References
    ----------
    Newcombe, R. G. (1998). Interval estimation for the difference between independent
    proportions: comparison of eleven methods. Statistics in Medicine, 17(8), 873-890.
    Welch, B. L. (1947). The generalization of "Student's" problem when several different
    population variances are involved. Biometrika, 34(1-2), 28-35.

    Examples
    --------
    >>> ab_test(ab_outcomes(tx, assignment, start="2011-09-01"))  # doctest: +SKIP
    """
    conf = require_in_range(
        confidence, name="confidence", low=0, high=1, low_inclusive=False, high_inclusive=False
    )
    min_group_size = require_whole_number(min_group_size, name="min_group_size", low=2)
    if not isinstance(outcomes, pd.DataFrame):
        raise InputTypeError(
            f"`outcomes` must be a pandas DataFrame, got {type(outcomes).__name__}."
        )
    metrics = [metrics] if isinstance(metrics, str) else list(metrics)
    if not metrics:
        raise DataValidationError(
            f"`metrics` is empty; choose from {', '.join(repr(m) for m in METRICS)}."
        )
    unknown = [m for m in metrics if m not in METRICS]
    if unknown:
        raise DataValidationError(
            f"`metrics` has unknown metric(s) {', '.join(repr(m) for m in unknown)}; choose from "
            f"{', '.join(repr(m) for m in METRICS)}."
        )
    require_columns(
        outcomes,
        ["treatment", *metrics],
        what="`outcomes`",
        fix="Pass the output of `ab_outcomes`.",
    )
    ids = outcomes["customer_id"] if "customer_id" in outcomes.columns else None
    treat = require_treatment(
        outcomes["treatment"], column="treatment", treatment=treatment, ids=ids
    )
    n1, n0 = int(treat.sum()), int((~treat).sum())
    if min(n1, n0) < 2:
        raise DataValidationError(
            f"The groups are too small to compare: {n1} treated and {n0} control customer(s). "
            "Each group needs at least 2 customers (and ideally hundreds for a retention "
            "effect of a few points)."
        )
    if min(n1, n0) < min_group_size:
        warnings.warn(
            f"Small groups ({n1} treated, {n0} control; fewer than {min_group_size}): the test "
            "has little power, so 'not significant' does not mean 'no effect'. Read the "
            "confidence interval, and plan a larger test.",
            SmallSampleWarning,
            stacklevel=2,
        )
    rows = []
    for m in metrics:
        kind = METRICS[m][0]
        values = outcomes[m].astype("float64").to_numpy()
        if np.isnan(values).any():
            raise DataValidationError(
                f"Column `{m}` of `outcomes` has missing values; fill them (customers without "
                "a purchase have 0) before testing."
            )
        x1, x0 = values[treat], values[~treat]
        row: dict[str, Any] = {"metric": m, "kind": kind, "n_control": n0, "n_treatment": n1}
        if kind == "proportion":
            k1, k0 = int(x1.sum()), int(x0.sum())
            p1, p0 = k1 / n1, k0 / n0
            lo, hi = newcombe_interval(k1, n1, k0, n0, level=conf)
            table = np.array([[k1, n1 - k1], [k0, n0 - k0]])
            if table.sum(axis=0).min() == 0:
                p, test = 1.0, "no variation (all or none)"
            else:
                expected = stats.contingency.expected_freq(table)
                if expected.min() < 5:
                    p, test = float(stats.fisher_exact(table).pvalue), "Fisher exact"
                else:
                    res = stats.chi2_contingency(table, correction=False)
                    p, test = float(res.pvalue), "two-proportion z"
            row.update(control=p0, treatment=p1, difference=p1 - p0)
        else:
            m1, m0 = float(x1.mean()), float(x0.mean())
            if np.ptp(x1) == 0 and np.ptp(x0) == 0:
                warnings.warn(
                    f"`{m}` does not vary within either group, so Welch's test is undefined; "
                    "the p-value is set to 1 if the means are equal, else 0.",
                    AssumptionWarning,
                    stacklevel=2,
                )
                p = 1.0 if m1 == m0 else 0.0
                lo = hi = m1 - m0
                test = "no variation"
            else:
                res = stats.ttest_ind(x1, x0, equal_var=False)
                ci = res.confidence_interval(confidence_level=conf)
                p, lo, hi, test = float(res.pvalue), float(ci.low), float(ci.high), "Welch t"
            row.update(control=m0, treatment=m1, difference=m1 - m0)
        base = row["control"]
        row["relative_lift"] = row["difference"] / base if base else math.nan
        row.update(ci_low=lo, ci_high=hi, p_value=p, test=test, significant=p < 1 - conf)
        rows.append(row)
    return pd.DataFrame(rows)


def describe_ab_test(result: pd.DataFrame, *, random_split: bool = False) -> str:
    """A plain-language reading of :func:`ab_test`.

    Names the metrics that differ significantly (with direction and relative lift) or says
    none does. With ``random_split`` (an A/A test on random halves, no real campaign),
    differences are expected to be chance: about one metric in twenty at the 95% level.

    Parameters
    ----------
    result : pandas.DataFrame
        Output of :func:`ab_test`.
    random_split : bool, default False
        The groups are random halves (an A/A test): say whether the count of significant metrics
        is what chance gives.

    Returns
    -------
    str
        E.g. "0 of 3 metrics differ significantly between the random halves, as expected for
        an A/A test." or "Treatment differs significantly on retained (+4.1%, p = 0.012); not
        on repeat or revenue."
    """
    need = ["metric", "significant", "relative_lift", "p_value"]
    require_frame_columns(result, need, name="result", producer="ab_test")
    random_split = require_bool(random_split, name="random_split")
    if result.empty:
        return "No metric was tested."
    sig = result[result["significant"].astype(bool)]
    rest = result[~result["significant"].astype(bool)]
    n = len(result)
    if random_split:
        if sig.empty:
            return (
                f"0 of {n} metrics differ significantly between the random halves, as expected "
                "for an A/A test."
            )
        return (
            f"{len(sig)} of {n} metrics differ significantly between the random halves "
            f"({say.join(sig['metric'])}): with random groups this is chance (about 1 in 20 "
            "per metric), not an effect."
        )
    if sig.empty:
        return (
            f"No metric differs significantly between treatment and control ({say.join(result['metric'])}); "
            "read the intervals: a small test can miss a real effect."
        )

    def lift(r: Any) -> str:
        rel = f"{r['relative_lift']:+.1%}" if say.finite(r["relative_lift"]) else "n/a"
        return f"{r['metric']} ({rel}, p = {r['p_value']:.3f})"

    text = "Treatment differs significantly on " + say.join(lift(r) for _, r in sig.iterrows())
    if len(rest):
        text += f"; not on {say.join(rest['metric'])}"
    return text + "."
