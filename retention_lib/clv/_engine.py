"""A summary kept in its engine (``rfm_summary(..., collect=False)``): what the models read
of it and how their predictions go back to its customers, without collecting one row per
customer."""

from __future__ import annotations

from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd

from .._backend import collect, table_like, to_lazy


def engine_rows(summary: Any, columns: list[str]):
    """For a summary held in an engine (``rfm_summary(..., collect=False)``): its distinct
    rows of ``columns`` and how many customers share each (``_customers``), counted by the
    engine, and those counts; ``(summary, None)`` for a pandas summary."""
    if isinstance(summary, pd.DataFrame):
        return summary, None

    try:
        lf = to_lazy(summary)
    except TypeError:
        return summary, None  # reported by the pandas checks
    rows = collect(lf.group_by(columns).agg(nw.len().alias("_customers")))
    return rows, rows["_customers"].to_numpy(dtype=np.int64)


def in_engine(summary: Any) -> bool:
    """Whether ``summary`` is kept in an engine (``rfm_summary(..., collect=False)``)."""
    return not isinstance(summary, (pd.DataFrame, list, tuple, str))


def join_in_engine(summary: Any, keys: list[str], compute) -> nw.LazyFrame:
    """Per-customer values of a summary kept in its engine, computed where they vary.

    ``compute`` maps a pandas frame of the distinct ``keys`` rows (found by the engine, with
    ``customer_id`` blank) to a frame of those rows' values; they are joined back to the
    customers in the engine. Returns the summary's query with the computed columns added:
    nothing per customer reaches the driver.
    """
    lf = to_lazy(summary)
    rows = collect(lf.group_by(keys).agg(nw.len().alias("_customers")))[keys]
    values = compute(rows.assign(customer_id=""))
    predictions = rows.assign(**{c: values[c].to_numpy() for c in values.columns})
    return lf.join(table_like(predictions, lf), on=keys, how="left")
