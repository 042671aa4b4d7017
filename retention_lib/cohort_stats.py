"""Intervals and tests on cohort retention, so a curve's wiggles are not read as news.

* :func:`retention_intervals`: a Wilson score interval on every cell of a cohort table or
  every point of an averaged curve (the curve's denominator is the customers of the
  cohorts old enough to be observed at that period, as :func:`average_retention` sums).
* :func:`compare_retention`: are the customers of one table (or segment) retained better
  than another's at period ``k``? A two-proportion test, the difference with Newcombe's
  interval, Cohen's h, and the customers counted on each side.

Both treat customers as independent; cohorts that differ for reasons of their own
(season, campaign) make the true uncertainty of a pooled curve larger than its interval.
"""

from __future__ import annotations

import warnings
from typing import Any

import pandas as pd

from . import _reading as say
from ._backend import check_period
from ._stats import cohens_h, newcombe_interval, two_proportion_test, wilson_interval
from ._validation import (
    DataValidationError,
    InputTypeError,
    SmallSampleWarning,
    require_bool,
    require_columns,
    require_in_range,
)

__all__ = ["compare_retention", "describe_retention_comparison", "retention_intervals"]


def _level(level: float) -> float:
    return require_in_range(
        level, name="level", low=0, high=1, low_inclusive=False, high_inclusive=False
    )


def _require(table: Any, columns: tuple[str, ...], fix: str) -> pd.DataFrame:
    if not isinstance(table, pd.DataFrame):
        raise InputTypeError(
            f"`table` must be a pandas DataFrame ({fix}), got {type(table).__name__}."
        )
    require_columns(table, columns, what="`table`", fix=f"{fix[0].upper()}{fix[1:]}.")
    return table


def retention_intervals(table: pd.DataFrame, *, level: float = 0.95) -> pd.DataFrame:
    """Add a Wilson score interval to every retention cell or curve point.

    Parameters
    ----------
    table : pandas.DataFrame
        A cohort table (:func:`~retention_lib.cohort_retention`,
        :func:`~retention_lib.cohort_survival`) or an averaged curve
        (:func:`~retention_lib.average_retention`): anything with ``customers`` (retained)
        and ``cohort_size`` (customers who could be observed).
    level : float, default 0.95

    Returns
    -------
    pandas.DataFrame
        ``table`` with ``lower`` and ``upper`` (fractions; NaN where the cell is not
        observable).

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
    inference. JASA 22(158), 209-212.
    """
    level = _level(level)
    table = _require(
        table,
        ("customers", "cohort_size"),
        "pass the output of `cohort_retention`, `cohort_survival` or `average_retention`",
    )
    out = table.copy()
    lower, upper = wilson_interval(out["customers"], out["cohort_size"], level)
    out["lower"], out["upper"] = lower, upper
    return out


def _pooled(
    table: pd.DataFrame, period: int, include_partial: bool, cohorts: Any = None
) -> dict[str, Any]:
    cells = table[(table["period_number"] == period) & table["observable"].astype(bool)]
    if not include_partial and "partial" in cells.columns:
        cells = cells[~cells["partial"].astype(bool)]
    if cohorts is not None:
        cells = cells[cells["cohort"].isin(cohorts)]
    return {
        "cohorts": int(cells["cohort"].nunique()),
        "customers": float(cells["cohort_size"].sum()),
        "retained": float(cells["customers"].sum()),
        "_cohort_set": set(cells["cohort"]),
    }


def compare_retention(
    table_a: pd.DataFrame,
    table_b: pd.DataFrame | None = None,
    *,
    period: int,
    by: str | None = None,
    groups: tuple[Any, Any] | None = None,
    labels: tuple[str, str] | None = None,
    same_cohorts: bool = False,
    include_partial: bool = False,
    level: float = 0.95,
    min_customers: int = 30,
) -> pd.DataFrame:
    """Compare retention at ``period`` between two tables, or two groups of one table.

    Each side counts the customers of its cohorts old enough to be observed at ``period``
    (the last, incomplete period left out unless ``include_partial``) and how many of them
    were retained there. The sides must hold different customers (e.g. two regions, two
    acquisition channels, before and after a change).

    Parameters
    ----------
    table_a, table_b : pandas.DataFrame
        Cohort tables (:func:`~retention_lib.cohort_retention` or
        :func:`~retention_lib.cohort_survival`). Without ``table_b``, ``table_a`` must be
        split ``by`` a column with the two ``groups`` to compare.
    period : int
        The period_number to compare (e.g. 3 for month 3).
    by : str, optional
        The segment column of ``table_a`` (the ``by`` it was built with).
    groups : (a, b), optional
        The two values of ``by`` (default: the only two there are).
    labels : (str, str), optional
        Names of the sides (default: the group values, or "A" and "B").
    same_cohorts : bool, default False
        Count only the cohorts observable on both sides, so a side is not ahead merely
        because its customers were acquired in better months.
    include_partial : bool, default False
    level : float, default 0.95
    min_customers : int, default 30
        Fewer customers on a side trigger a :class:`SmallSampleWarning`.

    Returns
    -------
    pandas.DataFrame
        One row: ``period_number, label_a, label_b, cohorts_a, customers_a, retained_a,
        retention_a, cohorts_b, customers_b, retained_b, retention_b, difference`` (b - a),
        ``difference_lower, difference_upper`` (Newcombe's hybrid score interval),
        ``z, p_value, test`` (two-proportion z, or Fisher's exact test when an expected
        count is below 5), ``cohens_h`` (effect size: 0.2 small, 0.5 medium, 0.8 large)
        and ``significant`` (``p_value < 1 - level``).

    References
    ----------
    Newcombe, R. G. (1998). Interval estimation for the difference between independent
    proportions. Statistics in Medicine 17(8), 873-890.
    Cohen, J. (1988). Statistical Power Analysis for the Behavioral Sciences, 2nd ed., ch. 6.
    """
    same_cohorts = require_bool(same_cohorts, name="same_cohorts")
    include_partial = require_bool(include_partial, name="include_partial")
    level = _level(level)
    fix = "pass tables from `cohort_retention` or `cohort_survival`"
    need = ("cohort", "period_number", "cohort_size", "customers", "observable")
    _require(table_a, need, fix)
    period = int(require_in_range(period, name="period", low=0))
    if table_b is not None:
        _require(table_b, need, fix)
        sides = [table_a, table_b]
        names = list(labels or ("A", "B"))
    else:
        if not by or by not in table_a.columns:
            raise DataValidationError(
                "Pass `table_b`, or a `table_a` split `by` a column (e.g. "
                "`cohort_retention(tx, by='region')`) and the two `groups` to compare."
            )
        values = list(groups) if groups is not None else sorted(table_a[by].dropna().unique())
        if len(values) != 2:
            raise DataValidationError(
                f"`{by}` has {len(values)} groups ({', '.join(map(str, values[:6]))}); pass "
                f"`groups=(a, b)` to choose the two to compare."
            )
        unknown = [v for v in values if v not in set(table_a[by])]
        if unknown:
            raise DataValidationError(f"`groups` {unknown} are not values of `{by}`.")
        sides = [table_a[table_a[by] == v] for v in values]
        names = list(labels or (str(values[0]), str(values[1])))
    pooled = [_pooled(t, period, include_partial) for t in sides]
    if same_cohorts:
        common = pooled[0]["_cohort_set"] & pooled[1]["_cohort_set"]
        pooled = [_pooled(t, period, include_partial, cohorts=common) for t in sides]
    for name, side in zip(names, pooled, strict=True):
        if side["customers"] == 0:
            raise DataValidationError(
                f"No cohort of side {name!r} can be observed at period {period} yet"
                f"{' (in cohorts both sides share)' if same_cohorts else ''}; choose an "
                "earlier `period`."
            )
        if side["customers"] < min_customers:
            warnings.warn(
                f"Side {name!r} counts only {side['customers']:.0f} customers at period "
                f"{period}: the test has little power, so read the interval, not the p-value.",
                SmallSampleWarning,
                stacklevel=2,
            )
    a, b = pooled
    ka, na, kb, nb = a["retained"], a["customers"], b["retained"], b["customers"]
    z, p_value, test = two_proportion_test(int(kb), int(nb), int(ka), int(na))
    low, high = newcombe_interval(kb, nb, ka, na, level)
    row = {
        "period_number": period,
        "label_a": names[0],
        "label_b": names[1],
        "cohorts_a": a["cohorts"],
        "customers_a": int(na),
        "retained_a": int(ka),
        "retention_a": ka / na,
        "cohorts_b": b["cohorts"],
        "customers_b": int(nb),
        "retained_b": int(kb),
        "retention_b": kb / nb,
        "difference": kb / nb - ka / na,
        "difference_lower": low,
        "difference_upper": high,
        "z": z,
        "p_value": p_value,
        "test": test,
        "cohens_h": cohens_h(kb / nb, ka / na),
        "significant": p_value < 1 - level,
        "level": level,
    }
    return pd.DataFrame([row])


def describe_retention_comparison(comparison: pd.DataFrame, *, period: str = "M") -> str:
    """A plain-language reading of :func:`compare_retention`, stating who was counted and
    whether the difference is more than chance (and saying so when it is not).

    Parameters
    ----------
    comparison : pandas.DataFrame
        Output of :func:`compare_retention`.
    period : {"D", "W", "M", "Q"}, default "M"
        The calendar ``period`` the compared tables were built with (it names the periods).

    Returns
    -------
    str
    """
    _require(
        comparison,
        ("label_a", "retention_a", "difference", "p_value"),
        "pass the output of `compare_retention`",
    )
    r = comparison.iloc[0]
    word = say.period_word(check_period(period))
    level = float(r["level"]) if "level" in comparison.columns else 0.95
    pts = r["difference"] * 100
    side = f"{abs(pts):.1f} points {'more' if pts > 0 else 'fewer'}" if pts else "the same share"

    def cohorts(n: int) -> str:
        return f"{n} cohort{'s' if n != 1 else ''}"

    head = (
        f"At {word} {r['period_number']}, {r['label_b']} kept {r['retention_b']:.1%} of "
        f"{r['customers_b']:,} customers ({cohorts(r['cohorts_b'])}) and {r['label_a']} "
        f"{r['retention_a']:.1%} of {r['customers_a']:,} ({cohorts(r['cohorts_a'])}): {side} for "
        f"{r['label_b']} ({level:.0%} interval {r['difference_lower'] * 100:+.1f} to "
        f"{r['difference_upper'] * 100:+.1f} points)."
    )
    h = abs(r["cohens_h"])
    size = "negligible" if h < 0.2 else ("small" if h < 0.5 else "medium" if h < 0.8 else "large")
    if r["p_value"] < 1 - level:
        return (
            f"{head} A difference this large would be unlikely by chance (p = "
            f"{r['p_value']:.3g}); its size is {size} (Cohen's h {r['cohens_h']:+.2f})."
        )
    return (
        f"{head} That is within what chance alone produces (p = {r['p_value']:.2g}): the data "
        "do not show that one side retains better."
    )
