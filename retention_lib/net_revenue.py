"""Net revenue retention from a transaction log: where each period's revenue came from.

For every customer and calendar period ``t`` the net revenue (purchases less returns) is
compared with the period before. Customers who *bought* in ``t - 1`` form the starting
base; in ``t`` each of them either bought again (her revenue kept up to its earlier
level is *retained*, above it *expansion*, below it *contraction*) or did not
(*churned*: all of her starting revenue). Customers who bought in ``t`` but not in
``t - 1`` are *new* (first purchase in ``t``) or *reactivated*. Returns and credits in
``t`` of customers who bought nothing in ``t`` are *other*, and so is the part of a
buyer's returns that exceeds her purchases in a period (her revenue counts as zero in
the movements, as a starting base of zero the period after). So, exactly, per cohort and
period::

    starting_revenue = retained + contraction + churned
    revenue          = retained + expansion + reactivated + new + other

and ``gross_revenue_retention = retained / starting_revenue``,
``net_revenue_retention = (retained + expansion) / starting_revenue``, as ChartMogul
defines them for subscription revenue, here for a purchase log.

The aggregation is written once with narwhals, so it runs on pandas, polars, DuckDB,
Parquet paths or PySpark; only the per-cohort sums are collected.
"""

from __future__ import annotations

from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd

from . import _reading as say
from ._backend import collect
from ._cohort_log import CohortLog as _Cohorts
from ._schema import period_start
from ._tables import require_period
from ._validation import (
    DataValidationError,
    require_bool,
    require_frame_columns,
    require_str,
    require_whole_number,
)

__all__ = ["MOVEMENTS", "describe_net_revenue_retention", "net_revenue_retention"]

#: The parts of a period's revenue, in the order they are stacked.
MOVEMENTS = ("retained", "expansion", "contraction", "churned", "reactivated", "new", "other")
_SUMS = ("starting_revenue", *MOVEMENTS, "revenue")
_COUNTS = ("customers_start", "customers_churned", "customers_reactivated", "customers_new")


def _movements(lf: nw.LazyFrame) -> nw.LazyFrame:
    """Per customer and period: the revenue parts (see the module docstring).

    A buyer whose returns in a period exceed her purchases there has a negative net
    revenue: the movements see it as zero and the negative rest goes to *other*, so
    every part but *other* is non-negative and the two identities still hold exactly.
    """
    was, now = nw.col("prev_buy") > 0, nw.col("cur_buy") > 0
    zero = nw.lit(0.0)
    prev = nw.when(nw.col("prev_rev") > 0).then(nw.col("prev_rev")).otherwise(zero)
    cur = nw.when(nw.col("cur_rev") > 0).then(nw.col("cur_rev")).otherwise(zero)
    both = was & now
    return lf.with_columns(
        starting_revenue=nw.when(was).then(prev).otherwise(zero),
        retained=nw.when(both & (cur < prev))
        .then(cur)
        .otherwise(nw.when(both).then(prev).otherwise(zero)),
        expansion=nw.when(both & (cur > prev)).then(cur - prev).otherwise(zero),
        contraction=nw.when(both & (cur < prev)).then(prev - cur).otherwise(zero),
        churned=nw.when(was & ~now).then(prev).otherwise(zero),
        reactivated=nw.when(now & ~was & (nw.col("pidx") > nw.col("cohort_idx")))
        .then(cur)
        .otherwise(zero),
        new=nw.when(now & ~was & (nw.col("pidx") == nw.col("cohort_idx")))
        .then(cur)
        .otherwise(zero),
        other=nw.when(now).then(nw.col("cur_rev") - cur).otherwise(nw.col("cur_rev")),
        revenue=nw.col("cur_rev"),
        customers_start=was.cast(nw.Int64),
        customers_churned=(was & ~now).cast(nw.Int64),
        customers_reactivated=(now & ~was & (nw.col("pidx") > nw.col("cohort_idx"))).cast(nw.Int64),
        customers_new=(now & ~was & (nw.col("pidx") == nw.col("cohort_idx"))).cast(nw.Int64),
    )


def net_revenue_retention(
    transactions: Any,
    *,
    period: str = "M",
    by: str | None = None,
    by_cohort: bool = True,
    observation_end: Any = None,
) -> pd.DataFrame:
    """Revenue of each period split into retained, expansion, contraction, churned,
    reactivated, new and other, with gross and net revenue retention.

    Parameters
    ----------
    transactions : DataFrame, DuckDB relation, PySpark DataFrame or path
        Canonical (cleaned) transactions: ``customer_id, timestamp, amount`` (and
        ``is_return`` if present); returns are negative ``amount`` rows.
    period : {"D", "W", "M", "Q"}
        Calendar period.
    by : str, optional
        Split by this column (the group on the customer's first purchase).
    by_cohort : bool, default True
        One row per acquisition cohort and period; False sums the cohorts (one row per
        period: the business's NRR).
    observation_end : datetime-like, optional
        Ignore transactions after this time.

    Returns
    -------
    pandas.DataFrame
        ``[by], [cohort, period_number], period, starting_revenue, retained, expansion,
        contraction, churned, reactivated, new, other, revenue, customers_start,
        customers_churned, customers_reactivated, customers_new,
        gross_revenue_retention, net_revenue_retention, partial``. Rates are fractions
        (NaN where nobody bought in the period before). Revenue that belongs to no cohort
        (returns dated before a customer's first purchase, customers with returns only) is
        in rows with ``cohort`` NaT, under ``other``, so the table sums to the log's
        revenue. ``partial`` marks the last, incomplete period.

    Examples
    --------
    >>> nrr = net_revenue_retention(tx, period="M", by_cohort=False)  # doctest: +SKIP
    >>> nrr[["period", "net_revenue_retention"]].tail(3)  # doctest: +SKIP
    """
    by_cohort = require_bool(by_cohort, name="by_cohort")
    c = _Cohorts(transactions, period=period, by=by, observation_end=observation_end)
    bought = c.purchases.group_by("customer_id", "pidx").agg(nw.len().alias("_purchases"))
    every = (
        c.lf.group_by("customer_id", "pidx")
        .agg(nw.col("amount").sum().alias("rev"))
        .join(bought, on=["customer_id", "pidx"], how="left")
        .with_columns(buy=(~nw.col("_purchases").is_null()).cast(nw.Int64))
        .select("customer_id", "pidx", "rev", "buy")
    )
    zero_f, zero_i = nw.lit(0.0, dtype=nw.Float64), nw.lit(0, dtype=nw.Int64)
    cur = every.select(
        "customer_id",
        "pidx",
        nw.col("rev").cast(nw.Float64).alias("cur_rev"),
        nw.col("buy").alias("cur_buy"),
        zero_f.alias("prev_rev"),
        zero_i.alias("prev_buy"),
    )
    prev = every.select(
        "customer_id",
        (nw.col("pidx") + 1).alias("pidx"),
        zero_f.alias("cur_rev"),
        zero_i.alias("cur_buy"),
        nw.col("rev").cast(nw.Float64).alias("prev_rev"),
        nw.col("buy").alias("prev_buy"),
    )
    pairs = (
        nw.concat([cur, prev], how="vertical")
        .group_by("customer_id", "pidx")
        .agg(nw.col("cur_rev", "cur_buy", "prev_rev", "prev_buy").sum())
        .filter(nw.col("pidx") <= c.last_index)
        .join(c.customers, on="customer_id", how="left")
    )
    outside = nw.col("cohort_idx").is_null() | (nw.col("pidx") < nw.col("cohort_idx"))
    inside = collect(
        _movements(pairs.filter(~outside))
        .group_by(c.keys + ["pidx"])
        .agg(nw.col(*_SUMS, *_COUNTS).sum())
    )
    if inside.empty:
        c.no_purchases()
    rest = collect(
        pairs.filter(outside).group_by("pidx").agg(nw.col("cur_rev").sum().alias("other"))
    )
    first = int(min(inside["pidx"].min(), rest["pidx"].min() if len(rest) else np.inf))
    table = _complete(inside, c.keys, c.last_index)
    if len(rest):
        out_rows = pd.DataFrame({"pidx": rest["pidx"], "other": rest["other"]})
        out_rows["revenue"] = out_rows["other"]
        out_rows["cohort_idx"] = np.nan
        table = pd.concat([table, out_rows], ignore_index=True)
    table = table.fillna({name: 0 for name in (*_SUMS, *_COUNTS)})
    table = table[table["pidx"] >= first]
    table["period"] = period_start(table["pidx"], period).to_numpy()
    table["partial"] = (table["pidx"] == c.last_index) & c.last_partial
    if by_cohort:
        cohort = table["cohort_idx"]
        table["cohort"] = pd.NaT
        known = cohort.notna()
        table.loc[known, "cohort"] = period_start(cohort[known].astype("int64"), period).to_numpy()
        table["cohort"] = pd.to_datetime(table["cohort"])
        table["period_number"] = (table["pidx"] - cohort).astype("Int64")
        keys = ([by] if by else []) + ["cohort", "period_number", "period"]
    else:
        keys = ([by] if by else []) + ["period"]
        table = table.groupby(keys + ["partial"], dropna=False, as_index=False)[
            [*_SUMS, *_COUNTS]
        ].sum()
    for name in _COUNTS:
        table[name] = table[name].astype("int64")
    start = table["starting_revenue"].where(table["starting_revenue"] != 0)
    table["gross_revenue_retention"] = table["retained"] / start
    table["net_revenue_retention"] = (table["retained"] + table["expansion"]) / start
    cols = keys + [*_SUMS, *_COUNTS, "gross_revenue_retention", "net_revenue_retention", "partial"]
    out = table.sort_values(keys, kind="stable", na_position="last")[cols].reset_index(drop=True)
    out.attrs = {
        "period": period,
        "by": by,
        "by_cohort": by_cohort,
        "observation_end": c.observation_end,
    }
    return out


def _complete(counts: pd.DataFrame, keys: list[str], last: int) -> pd.DataFrame:
    """Every (cohort, period) from the cohort's period to the last, zeros where nothing moved."""
    cohorts = counts[keys].drop_duplicates()
    rows = []
    for values in cohorts.itertuples(index=False):
        start = int(values[-1])
        frame = pd.DataFrame({"pidx": np.arange(start, last + 1)})
        for key, value in zip(keys, values, strict=True):
            frame[key] = value
        rows.append(frame)
    grid = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame(columns=keys + ["pidx"])
    return grid.merge(counts, on=keys + ["pidx"], how="left")


def describe_net_revenue_retention(
    table: pd.DataFrame, *, last: int = 3, currency: str = "", period: str = "M"
) -> str:
    """A plain-language reading of the business's NRR (``by_cohort=False``, without ``by``).

    Quotes the last ``last`` complete periods: the starting revenue they rest on, NRR and
    GRR, and which movement weighed most (churned or contraction against expansion); says
    "grew" or "shrank" as the numbers do.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`net_revenue_retention` with ``by_cohort=False``.
    last : int, default 3
        Complete periods to sum.
    currency : str
        Currency code or symbol.
    period : {"D", "W", "M", "Q"}, default "M"
        The ``period`` the table was built with.

    Returns
    -------
    str
    """
    need = ["period", "starting_revenue", "retained", "expansion", "partial"]
    require_frame_columns(table, need, name="table", producer="net_revenue_retention")
    last = require_whole_number(last, name="last", low=1)
    currency = require_str(currency, name="currency")
    if "cohort" in table.columns or table.duplicated(subset=["period"]).any():
        raise DataValidationError(
            "`describe_net_revenue_retention` reads the business-wide table: call "
            "`net_revenue_retention(tx, by_cohort=False)` without `by`."
        )
    word = say.period_word(require_period(table, period, column="period"))
    complete = table[~table["partial"] & (table["starting_revenue"] > 0)].tail(int(last))
    if complete.empty:
        return f"No complete {word} with revenue in the {word} before it: nothing to compare."
    s = complete[list(_SUMS)].sum()
    unit = f" {currency}" if currency else ""
    nrr = (s["retained"] + s["expansion"]) / s["starting_revenue"]
    grr = s["retained"] / s["starting_revenue"]
    span = f"the last {len(complete)} complete {word}s" if len(complete) > 1 else f"the last {word}"
    lost = s["churned"] + s["contraction"]
    verb = "grew to" if nrr > 1 else ("shrank to" if nrr < 1 else "held at")
    head = (
        f"Over {span}, the revenue of customers who bought in the {word} before "
        f"({s['starting_revenue']:,.0f}{unit} in all) {verb} {nrr:.0%} of itself a {word} "
        f"later (net revenue retention; gross, without expansion: {grr:.0%})."
    )
    if lost <= 0:
        return f"{head} They lost no revenue: nobody stopped buying or bought less."
    share = s["churned"] / lost
    if abs(share - 0.5) < 0.05:
        split = "split about evenly between customers who stopped buying and those buying less"
    elif share > 0.5:
        split = f"{share:.0%} of it from customers who stopped buying, the rest from lower spend"
    else:
        split = f"{1 - share:.0%} of it from customers buying less, the rest from those who stopped"
    return (
        f"{head} Of the {lost:,.0f}{unit} lost, {split}; expansion brought back "
        f"{s['expansion']:,.0f}{unit}, reactivated customers {s['reactivated']:,.0f}{unit} and "
        f"new customers {s['new']:,.0f}{unit}."
    )
