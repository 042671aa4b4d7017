"""A table's settings are arguments: checks that a table matches the ``by=`` and ``period=``
it is read with.

No function reads a frame's ``DataFrame.attrs`` (experimental in pandas and lost on a CSV or
Parquet round trip, many pandas operations and every engine). A function that reads a
cohort table, curve or churn table takes the settings it was built with as keyword
arguments (``by=``, ``period=``, ``observation_end=``) and checks them against the data here:

* :func:`require_by`: ``by`` is a column, and a table holding several groups is never read
  as one (its repeated cells would be mixed);
* :func:`require_period`: the dates of the table are starts of ``period`` (a weekly table
  read as monthly is refused, not mislabelled).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from ._backend import check_period
from ._schema import period_index_of, period_start
from ._validation import DataValidationError


def require_by(
    table: pd.DataFrame,
    by: Any,
    *,
    keys: Sequence[str],
    name: str = "table",
) -> str | None:
    """``by`` (a column of ``table``, or None for a table of one group).

    Raises
    ------
    DataValidationError
        ``by`` is not a column, or ``by`` is None while ``keys`` repeat (several groups).
    """
    if by is not None:
        if not isinstance(by, str) or by not in table.columns:
            raise DataValidationError(
                f"`by` {by!r} is not a column of `{name}`; pass the `by=` the table was "
                f"built with (columns: {', '.join(map(repr, table.columns))})."
            )
        return by
    present = [k for k in keys if k in table.columns]
    if not present:
        return None
    repeated = table.duplicated(subset=present)
    if repeated.any():
        others = [c for c in table.columns if c not in keys]
        what = f"several `{others[0]}` groups" if others else "several groups"
        hint = f" (`by={others[0]!r}`)" if others else ""
        raise DataValidationError(
            f"`{name}` holds {what}: {int(repeated.sum())} of its ({', '.join(present)}) "
            f"rows repeat. Pass `by=` the group column it was built with{hint}, or filter it "
            "to one group."
        )
    return None


def require_period(
    table: pd.DataFrame, period: Any, *, column: str = "cohort", name: str = "table"
) -> str:
    """``period`` ('D', 'W', 'M' or 'Q'), checked against the dates in ``column`` (if dated).

    Raises
    ------
    DataValidationError
        ``period`` is no period, or a date of ``column`` is not the start of one.
    """
    period = check_period(period)
    if (
        column not in table.columns
        or period == "D"
        or not pd.api.types.is_datetime64_any_dtype(table[column])
    ):
        return period  # undated cohorts (e.g. a subscription's plan years) are not checked
    dates = pd.Series(pd.to_datetime(table[column].dropna().unique()))
    if dates.empty:
        return period
    starts = period_start(pd.Series([period_index_of(d, period) for d in dates]), period)
    off = dates[dates.to_numpy() != starts.to_numpy()]
    if len(off):
        raise DataValidationError(
            f"`{name}` has `{column}` dates that do not start a {period!r} period (e.g. "
            f"{off.iloc[0].date()}), so it was not built with `period={period!r}`. Pass the "
            "`period=` the table was built with."
        )
    return period
