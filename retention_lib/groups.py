"""Groups too small to read: which groups of a per-group table to leave out, and the note.

A region of one customer gets a retention curve, a Gini coefficient and a bar like any
other group, and none of them means anything. Per-group figures leave out groups with
fewer than :data:`MIN_GROUP_CUSTOMERS` customers by default (the plotting functions and
:func:`~retention_lib.average_retention` / :func:`~retention_lib.value_curves` call
:func:`drop_small_groups`); :func:`describe_small_groups` says what was left out, so a
table or figure never hides a group silently.

The size of a group is read from the table itself:

* tables with a ``cohort`` column (:func:`~retention_lib.cohort_retention`,
  :func:`~retention_lib.revenue_retention`): the sum of the group's cohort sizes;
* other tables (one row per group, or curves by period): the largest value of the size
  column in the group (for curves, the acquisition period, where every cohort counts).
"""

from __future__ import annotations

import pandas as pd

from . import _reading as say
from ._validation import (
    DataValidationError,
    require_column_name,
    require_columns,
    require_frame,
    require_min_customers,
    require_str,
)

__all__ = [
    "MIN_GROUP_CUSTOMERS",
    "describe_small_groups",
    "drop_small_groups",
    "group_sizes",
    "ranked_groups",
    "small_groups",
]

#: Groups with fewer customers than this are left out of per-group figures by default.
MIN_GROUP_CUSTOMERS = 20

#: Size columns recognised when ``size`` is not given, in order of preference.
_SIZE_COLUMNS = ("n_customers", "cohort_size", "customers")


def _size_column(table: pd.DataFrame, size: str | None) -> str:
    if size is not None:
        if size not in table.columns:
            raise DataValidationError(
                f"`size` {size!r} is not a column of `table`; choose one of "
                f"{', '.join(map(repr, table.columns))}."
            )
        return size
    for col in _SIZE_COLUMNS:
        if col in table.columns:
            return col
    raise DataValidationError(
        "`table` has no customer-count column (one of "
        f"{', '.join(f'`{c}`' for c in _SIZE_COLUMNS)}); pass `size=` with the column that "
        "counts each group's customers."
    )


def group_sizes(table: pd.DataFrame, *, by: str, size: str | None = None) -> pd.Series:
    """Customers per group of a per-group table.

    Parameters
    ----------
    table : pandas.DataFrame
        A table with one or more rows per group (column ``by``).
    by : str
        The group column.
    size : str, optional
        Column counting the group's customers (default: the first of ``n_customers``,
        ``cohort_size``, ``customers`` present).

    Returns
    -------
    pandas.Series
        Index: the groups (sorted); values: customers, as integers.
    """
    require_frame(table, name="table")
    require_column_name(by, allow_none=False)
    if by not in table.columns:
        raise DataValidationError(
            f"`by` {by!r} is not a column of `table`; choose one of "
            f"{', '.join(map(repr, table.columns))}."
        )
    col = _size_column(table, size)
    if "cohort" in table.columns:
        per_cohort = table.drop_duplicates([by, "cohort"])
        sizes = per_cohort.groupby(by, observed=True)[col].sum()
    else:
        sizes = table.groupby(by, observed=True)[col].max()
    return sizes.fillna(0).round().astype("int64").rename("customers")


def small_groups(
    table: pd.DataFrame,
    *,
    by: str,
    size: str | None = None,
    min_customers: int = MIN_GROUP_CUSTOMERS,
) -> pd.Series:
    """The groups with fewer than ``min_customers`` customers, smallest first.

    Parameters
    ----------
    table, by, size
        As in :func:`group_sizes`.
    min_customers : int, default MIN_GROUP_CUSTOMERS
        Groups with fewer customers are listed.

    Returns
    -------
    pandas.Series
        Index: the small groups; values: their customers.
    """
    sizes = group_sizes(table, by=by, size=size)
    small = sizes[sizes < require_min_customers(min_customers)]
    return small.sort_values(kind="stable")


def drop_small_groups(
    table: pd.DataFrame,
    *,
    by: str,
    size: str | None = None,
    min_customers: int = MIN_GROUP_CUSTOMERS,
) -> pd.DataFrame:
    """Rows of the groups with at least ``min_customers`` customers.

    Parameters
    ----------
    table : pandas.DataFrame
        A per-group table (see :func:`group_sizes`).
    by, size
        As in :func:`group_sizes`.
    min_customers : int, default :data:`MIN_GROUP_CUSTOMERS`
        0 keeps every group.

    Returns
    -------
    pandas.DataFrame
        ``table`` without the rows of small groups (same columns).

    Examples
    --------
    >>> by_region = pareto_summary(tx, by="region")  # doctest: +SKIP
    >>> drop_small_groups(by_region, by="region")  # doctest: +SKIP
    """
    small = small_groups(table, by=by, size=size, min_customers=min_customers)
    return table[~table[by].isin(small.index)]


def ranked_groups(
    table: pd.DataFrame,
    *,
    by: str,
    value: str,
    size: str | None = None,
    min_customers: int = MIN_GROUP_CUSTOMERS,
) -> pd.DataFrame:
    """The groups large enough to read, highest ``value`` first (missing values left out):
    what a reading compares when it names the best and the worst group.

    Parameters
    ----------
    table, by, size
        As in :func:`group_sizes`.
    value : str
        The column to rank by.
    min_customers : int, default MIN_GROUP_CUSTOMERS
        Groups with fewer customers are left out.

    Returns
    -------
    pandas.DataFrame
        Rows of ``table``; ``iloc[0]`` is the highest, ``iloc[-1]`` the lowest.
    """
    big = drop_small_groups(table, by=by, size=size, min_customers=min_customers)
    require_columns(big, [value], what="`table`", fix="Pass `value=` naming a column of it.")
    big = big[big[value].notna()]
    return big.sort_values(value, ascending=False, kind="stable")


def describe_small_groups(
    table: pd.DataFrame,
    *,
    by: str,
    size: str | None = None,
    min_customers: int = MIN_GROUP_CUSTOMERS,
    unit: str = "customers",
) -> str:
    """The note under a per-group figure: which groups were left out as too small, or that
    none was.

    Parameters
    ----------
    table : pandas.DataFrame
        The full per-group table (before :func:`drop_small_groups`).
    by, size, min_customers
        As in :func:`drop_small_groups`.
    unit : str
        What ``size`` counts (``"customers"``, ``"answers"``).

    Returns
    -------
    str
        E.g. "Left out as too small to read (fewer than 20 customers each): Africa (1),
        South America (1), Unknown (4); 6 customers in all."

    Examples
    --------
    >>> describe_small_groups(pareto_summary(tx, by="region"), by="region")  # doctest: +SKIP
    """
    unit = require_str(unit, name="unit")
    n_min = require_min_customers(min_customers)
    sizes = group_sizes(table, by=by, size=size)
    small = small_groups(table, by=by, size=size, min_customers=n_min)
    word = by.replace("_", " ")
    if small.empty:
        if n_min <= 1:
            return f"Every {word} is shown."
        return f"Every {word} shown has at least {n_min:,} {unit}."
    listed = say.join(f"{g} ({n:,})" for g, n in small.items())
    if len(small) == len(sizes):
        return (
            f"No {word} has {n_min:,} {unit} or more, so none is shown: {listed}. "
            f"Look at all {unit} together, or group them more coarsely."
        )
    return (
        f"Left out as too small to read (fewer than {n_min:,} {unit} each): {listed}; "
        f"{int(small.sum()):,} {unit} in all."
    )
