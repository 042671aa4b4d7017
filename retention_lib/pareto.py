"""Pareto (80/20) concentration of customer value: cumulative shares, Lorenz curve, Gini,
deciles and ABC classes.

The per-customer aggregation runs once through narwhals, so a pandas frame, a polars frame
or a DuckDB relation give the same result; ranking and cumulative sums then run in pandas
on the small per-customer result.

Every function takes either a transaction log (canonical schema, one row per line) or a
per-customer frame (one row per customer, e.g. the output of :func:`customer_values` or a
CLV table): the value column is summed per customer, which leaves a per-customer frame
unchanged.

Customers whose net value is zero stay in every table (they are customers that produced
nothing). Customers whose net value is negative (more returned than bought) are either
counted with value 0 (``negative="clip"``, the default) or left out
(``negative="drop"``); either way :func:`pareto_summary` reports how many there were and
what they sum to, so nothing is hidden.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd

from . import _reading as say
from ._backend import as_int, check_log, collect, columns_of, require_lazy_columns, to_lazy
from ._schema import check_by, comparable, few, order_expr, purchase_expr
from ._validation import (
    AssumptionWarning,
    DataValidationError,
    InputTypeError,
    SmallSampleWarning,
    format_rows,
    require_choice,
    require_column_name,
    require_columns,
    require_frame,
    require_frame_columns,
    require_in_range,
    require_margin,
    require_numbers,
    require_one_row_per_customer,
    require_sequence_of_str,
    require_str,
)
from .groups import MIN_GROUP_CUSTOMERS, ranked_groups

__all__ = [
    "abc_summary",
    "concentration_comparison",
    "customer_values",
    "describe_concentration_comparison",
    "describe_pareto",
    "describe_pareto_groups",
    "gini",
    "lorenz_curve",
    "pareto_deciles",
    "pareto_summary",
    "pareto_table",
]

_NEGATIVE = ("clip", "drop")
#: Groups with fewer customers get a SmallSampleWarning from :func:`pareto_summary` (the
#: library-wide :data:`~retention_lib.groups.MIN_GROUP_CUSTOMERS`).
MIN_CUSTOMERS = MIN_GROUP_CUSTOMERS


# --------------------------------------------------------------------------- aggregation


def _keys(by: str | None) -> list[str]:
    return ([by] if by is not None else []) + ["customer_id"]


def _normalise(out: pd.DataFrame, by: str | None) -> pd.DataFrame:
    out["customer_id"] = out["customer_id"].astype("str")
    if by is not None and out[by].dtype == object:
        out[by] = out[by].astype("str")
    return out.sort_values(_keys(by), kind="stable").reset_index(drop=True)


def _missing_flag(column: str) -> nw.Expr:
    """1 where ``column`` is missing, else 0 (summed per customer to refuse silent NaN)."""
    return as_int(nw.col(column).is_null()).alias("_n_missing")


def _sum_per_customer(data: Any, value: str, by: str | None, *, name: str) -> pd.DataFrame:
    """Sum ``value`` per (``by``, customer) with narwhals; refuse missing values."""
    require_column_name(value, name="value", allow_none=False)
    by = check_by(by)
    lf = to_lazy(data, name)
    require_lazy_columns(lf, _keys(by) + [value], what=f"`{name}`")
    check_log(lf, ["customer_id"], what=f"`{name}`", by=by)
    out = collect(
        lf.with_columns(_missing_flag(value))
        .group_by(_keys(by))
        .agg(nw.col(value).sum().alias("value"), nw.col("_n_missing").sum())
    )
    out = _normalise(out, by)
    out["value"] = out["value"].astype("float64")
    missing = out["_n_missing"] > 0
    if missing.any():
        raise DataValidationError(
            f"Column `{value}` has {int(out.loc[missing, '_n_missing'].sum())} missing value(s), "
            f"for customers {few(out.loc[missing, 'customer_id'])}. Drop or fill them "
            f"before ranking customers (for a CLV table, `clv.fillna(0)` counts customers without "
            f"a prediction as worth nothing)."
        )
    bad = ~np.isfinite(out["value"].to_numpy())
    if bad.any():
        raise DataValidationError(
            f"Column `{value}` sums to a non-finite number for customers "
            f"{few(out.loc[bad, 'customer_id'])}. Remove infinite or NaN amounts first."
        )
    return out.drop(columns="_n_missing")


def customer_values(
    transactions: Any,
    *,
    by: str | None = None,
    margin: float | None = None,
    clv: pd.DataFrame | None = None,
    missing_clv: float | None = None,
) -> pd.DataFrame:
    """One row per customer with the value measures that Pareto and RFM rank on.

    Parameters
    ----------
    transactions : DataFrame-like
        Canonical transaction log (pandas, polars, DuckDB relation, ...) with
        ``customer_id``, ``timestamp`` and ``amount``; ``order_id`` and ``is_return`` are
        used when present.
    by : str, optional
        Grouping column (e.g. ``"region"``). A customer who bought in two groups gets one
        row per group.
    margin : float, optional
        Contribution margin as a fraction of revenue (e.g. ``0.3``); adds a ``margin``
        column ``= revenue * margin``.
    clv : pandas.DataFrame, optional
        Predictions keyed by ``customer_id`` (e.g. from
        :func:`retention_lib.clv.customer_lifetime_value`); its other columns (``clv``,
        ``p_alive``, ...) are joined on. Customers without a prediction get NaN there and
        an :class:`AssumptionWarning`, unless ``missing_clv`` is given.
    missing_clv : float, optional
        The ``clv`` of customers who have no row in ``clv`` (e.g. ``0.0`` for customers
        whose returns cancel every purchase, who get no prediction): they are counted at
        this value, their other prediction columns stay NaN and ``predicted`` says which
        rows had a prediction. Needs ``clv`` with a ``clv`` column.

    Returns
    -------
    pandas.DataFrame
        Columns ``[by], customer_id, revenue, n_orders, first_purchase, last_purchase``
        (+ ``margin``, + the ``clv`` columns, + ``predicted`` with ``missing_clv``).
        ``revenue`` is the net sum of ``amount``
        (returns included), ``n_orders`` counts distinct purchase orders (distinct
        purchase days when there is no ``order_id``), the dates are those of the first and
        last purchase (NaT for a customer with returns only). Sorted by ``[by],
        customer_id``.

    Examples
    --------
    >>> customers = customer_values(tx, by="region", margin=0.3)  # doctest: +SKIP
    """
    by = check_by(by)
    if margin is not None:
        margin = require_margin(margin)
    if clv is not None:
        require_frame(clv, name="clv", producer="customer_lifetime_value")
    if missing_clv is not None:
        missing_clv = require_in_range(missing_clv, name="missing_clv")
        if clv is None or "clv" not in clv.columns:
            raise DataValidationError(
                "`missing_clv` fills the `clv` column of customers without a prediction, "
                "so it needs `clv=` with a `clv` column (`customer_lifetime_value` output)."
            )
    lf = to_lazy(transactions)
    cols = columns_of(lf)
    require_lazy_columns(lf, _keys(by) + ["timestamp", "amount"], what="`transactions`")
    check_log(lf, by=by)
    keys = _keys(by)
    totals = (
        lf.with_columns(_missing_flag("amount"))
        .group_by(keys)
        .agg(nw.col("amount").sum().alias("revenue"), nw.col("_n_missing").sum())
    )
    purchases = lf.filter(purchase_expr(cols))
    order = order_expr(cols)
    # distinct orders per customer as two group-bys (narwhals' n_unique casts a boolean to a
    # small integer, which PostgreSQL refuses)
    orders = (
        purchases.select(*keys, order, nw.col("timestamp"))
        .group_by(*keys, "order_id")
        .agg(
            nw.col("timestamp").min().alias("first_purchase"),
            nw.col("timestamp").max().alias("last_purchase"),
        )
        .group_by(keys)
        .agg(
            nw.len().alias("n_orders"),
            nw.col("first_purchase").min(),
            nw.col("last_purchase").max(),
        )
    )
    out = collect(totals.join(orders, on=keys, how="left"))
    missing = out["_n_missing"] > 0
    if missing.any():
        raise DataValidationError(
            f"Column `amount` has {int(out.loc[missing, '_n_missing'].sum())} missing value(s), "
            f"for customers {few(out.loc[missing, 'customer_id'].astype(str))}. "
            "Drop or fill them first (`retention_lib.clean_transactions` does)."
        )
    out = _normalise(out.drop(columns="_n_missing"), by)
    out["revenue"] = out["revenue"].astype("float64")
    out["n_orders"] = out["n_orders"].fillna(0).astype("int64")
    for c in ("first_purchase", "last_purchase"):
        out[c] = pd.to_datetime(out[c]).astype("datetime64[us]")
    if margin is not None:
        out["margin"] = out["revenue"] * margin
    if clv is not None:
        out = _join_predictions(out, clv, missing_clv=missing_clv)
    return out


def _join_predictions(
    out: pd.DataFrame, clv: pd.DataFrame, *, missing_clv: float | None
) -> pd.DataFrame:
    require_columns(
        clv,
        ["customer_id"],
        what="`clv`",
        fix="Pass the frame returned by `customer_lifetime_value`, keyed by `customer_id`.",
    )
    require_one_row_per_customer(clv, name="clv", fix="Keep one prediction per customer.")
    extra = [c for c in clv.columns if c != "customer_id" and c not in out.columns]
    right = clv[["customer_id", *extra]].copy()
    right["customer_id"] = right["customer_id"].astype("str")
    merged = out.merge(
        right, on="customer_id", how="left", validate="many_to_one", indicator="_clv_row"
    )
    lacking = (merged.pop("_clv_row") == "left_only").to_numpy()
    if missing_clv is not None:  # counted at the given value, not warned about
        merged.loc[lacking, "clv"] = missing_clv
        merged["predicted"] = ~lacking
        return merged
    if extra and lacking.any():  # a missing row, not a NaN the caller put in on purpose
        named = ", ".join(f"`{c}`" for c in extra)
        warnings.warn(
            f"{int(lacking.sum())} customer(s) have no row in `clv` "
            f"({few(merged.loc[lacking, 'customer_id'])}); their {named} "
            f"{'is' if len(extra) == 1 else 'are'} NaN. Fit the CLV model on the same "
            "transactions, or give them a row (e.g. `clv` 0 to count them as worth nothing).",
            AssumptionWarning,
            stacklevel=3,
        )
    return merged


# --------------------------------------------------------------------------- Pareto table


def _check_negative(negative: str) -> str:
    return require_choice(negative, _NEGATIVE, name="negative")


def _check_thresholds(thresholds: Sequence[float]) -> tuple[float, ...]:
    try:
        t = tuple(float(x) for x in thresholds)
    except (TypeError, ValueError):
        raise InputTypeError(
            f"`abc_thresholds` must be a sequence of numbers such as (0.8, 0.95); got "
            f"{thresholds!r}."
        ) from None
    if (
        not t
        or any(not 0 < x < 1 for x in t)
        or any(b <= a for a, b in zip(t, t[1:], strict=False))
    ):
        raise DataValidationError(
            f"`abc_thresholds` must rise strictly inside (0, 1), e.g. (0.8, 0.95); got {thresholds!r}."
        )
    return t


def _rank_group(g: pd.DataFrame, negative: str, thresholds: tuple[float, ...]) -> pd.DataFrame:
    """Rank one group's customers by value (descending; ties by customer id)."""
    if negative == "drop":
        g = g[comparable(g["value"]) >= 0]
    # stable ordering independent of row order and of the engine: value desc (to 1e-6),
    # then customer id asc
    g = g.sort_values("customer_id", kind="stable")
    g = g.iloc[np.argsort(-comparable(g["value"]), kind="stable")]
    n = len(g)
    used = g["value"].clip(lower=0.0).to_numpy()
    total = math.fsum(used)
    rank = np.arange(1, n + 1)
    out = g.copy()
    out["value_used"] = used
    out["rank"] = rank
    out["cum_customer_share"] = rank / n
    if total > 0:
        out["value_share"] = used / total
        # cumulative sums can drift past 1 by rounding; the last point is 1 by definition
        cum = np.minimum(np.cumsum(used) / total, 1.0)
        cum[-1] = 1.0
    else:
        out["value_share"] = np.nan
        cum = np.full(n, np.nan)
    out["cum_value_share"] = cum
    # decile 1 = top 10% of customers by rank
    out["decile"] = np.ceil(rank * 10 / n).astype("int64")
    prev = np.concatenate([[0.0], cum[:-1]])
    labels = [chr(ord("A") + i) for i in range(len(thresholds) + 1)]
    # class A = the smallest set of top customers whose value reaches the first threshold
    cls = np.searchsorted(np.asarray(thresholds), prev, side="right")
    out["abc_class"] = [labels[i] for i in cls] if total > 0 else labels[-1]
    return out


def _table(
    data: Any,
    value: str,
    by: str | None,
    negative: str,
    thresholds: tuple[float, ...] = (0.8, 0.95),
    *,
    name: str = "data",
    label: str | None = None,
) -> pd.DataFrame:
    _check_negative(negative)
    per = _sum_per_customer(data, value, by, name=name)
    if len(per) == 0:
        raise DataValidationError(
            f"`{name}` has no rows. Check the file path and any filters applied before this call."
        )
    groups = [per] if by is None else [g for _, g in per.groupby(by, sort=True, dropna=False)]
    parts = []
    for g in groups:
        ranked = _rank_group(g, negative, thresholds)
        if not (ranked["value_used"] > 0).any():
            where = "" if by is None else f" in group `{by}` = {g[by].iloc[0]!r}"
            raise DataValidationError(
                f"No customer has a positive `{label or value}`{where}, so value shares are "
                "undefined. "
                "Check the sign of the value column, or filter out that group."
            )
        parts.append(ranked)
    out = pd.concat(parts, ignore_index=True)
    cols = [
        *([by] if by else []),
        "rank",
        "customer_id",
        "value",
        "value_used",
        "value_share",
        "cum_customer_share",
        "cum_value_share",
        "decile",
        "abc_class",
    ]
    return out[cols].reset_index(drop=True)


def pareto_table(
    data: Any,
    *,
    value: str = "amount",
    by: str | None = None,
    negative: str = "clip",
    abc_thresholds: Sequence[float] = (0.8, 0.95),
) -> pd.DataFrame:
    """Customers ranked by value with cumulative shares, deciles and ABC classes.

    Parameters
    ----------
    data : DataFrame-like
        A transaction log, or a per-customer frame such as :func:`customer_values` or a
        CLV table; ``value`` is summed per customer.
    value : str, default "amount"
        Column to rank on: ``"amount"`` on transactions, ``"revenue"``, ``"margin"`` or
        ``"clv"`` on a per-customer frame.
    by : str, optional
        Rank within each group (e.g. ``"region"``, ``"segment"``).
    negative : {"clip", "drop"}, default "clip"
        Customers with negative net value count as 0 (``"clip"``) or are left out
        (``"drop"``). Zero-value customers are always kept.
    abc_thresholds : sequence of float, default (0.8, 0.95)
        Cumulative value shares closing class A, B, ...: class A is the smallest set of
        top customers whose value reaches 80%, B the next ones up to 95%, C the rest.

    Returns
    -------
    pandas.DataFrame
        One row per customer, ordered by ``[by], rank``, with columns

        - ``[by]``, ``rank`` (1 = most valuable; ties broken by ``customer_id``),
          ``customer_id``;
        - ``value``: the net value; ``value_used``: the value counted (negatives clipped);
        - ``value_share``: ``value_used / total``;
        - ``cum_customer_share``: ``rank / n``; ``cum_value_share``: share of value from
          the top ``rank`` customers (rises monotonically to 1);
        - ``decile``: 1 (top 10% of customers) .. 10;
        - ``abc_class``: ``"A"``, ``"B"``, ``"C"`` (more letters for more thresholds).

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": list("abcd"), "amount": [60.0, 25, 10, 5],
    ...                    "timestamp": pd.Timestamp("2024-01-01")})
    >>> pareto_table(tx)[["rank", "customer_id", "cum_value_share", "abc_class"]]
       rank customer_id  cum_value_share abc_class
    0     1           a             0.60         A
    1     2           b             0.85         A
    2     3           c             0.95         B
    3     4           d             1.00         C
    """
    return _table(data, value, by, negative, _check_thresholds(abc_thresholds))


def _curve_points(g: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    x = np.concatenate([[0.0], g["cum_customer_share"].to_numpy()])
    y = np.concatenate([[0.0], g["cum_value_share"].to_numpy()])
    return x, y


def _share_for_target(x: np.ndarray, y: np.ndarray, target: float) -> tuple[float, int]:
    """Smallest customer share (interpolated) and count whose value reaches ``target``."""
    k = int(np.argmax(y >= target - 1e-12))  # first point at or above the target
    if k == 0:
        return 0.0, 0
    dy = y[k] - y[k - 1]
    frac = 1.0 if dy <= 0 else (target - y[k - 1]) / dy
    return float(x[k - 1] + frac * (x[k] - x[k - 1])), k


def _gini_sorted_desc(used: np.ndarray) -> float:
    asc = np.sort(used)
    n = len(asc)
    total = asc.sum()
    i = np.arange(1, n + 1)
    # G = sum_i (2i - n - 1) x_(i) / (n sum x), x_(i) ascending (Eq. 2 in Damgaard & Weiner
    # 2000); 0 = all equal, (n-1)/n = one customer has everything
    return float(np.sum((2 * i - n - 1) * asc) / (n * total))


def gini(values: Any) -> float:
    """Gini coefficient of non-negative values (0 = equal, towards 1 = concentrated).

    ``G = sum_i (2i - n - 1) x_(i) / (n * sum_i x_i)`` with ``x_(i)`` sorted ascending,
    i.e. twice the area between the 45-degree line and the Lorenz curve. Its maximum for
    ``n`` customers is ``(n - 1) / n``.

    Parameters
    ----------
    values : array-like of float
        Per-customer values, all >= 0 and not all 0.

    Returns
    -------
    float
        The Gini coefficient in [0, 1).

    References
    ----------
    Damgaard, C., & Weiner, J. (2000). Describing inequality in plant size or fecundity.
    Ecology, 81(4), 1139-1142.

    Examples
    --------
    >>> gini([1, 1, 1, 1])
    0.0
    >>> gini([0, 0, 0, 4])
    0.75
    """
    arr = require_numbers(values, name="values")
    if arr.size == 0:
        raise DataValidationError("`values` is empty; the Gini coefficient needs >= 1 value.")
    bad = ~np.isfinite(arr) | (arr < 0)
    if bad.any():
        raise DataValidationError(
            f"`values` must be finite and >= 0; found {int(bad.sum())} bad value(s) at "
            f"{format_rows(np.flatnonzero(bad))}. Clip negative net values to 0 "
            "(`np.clip(values, 0, None)`) or drop them."
        )
    if arr.sum() <= 0:
        raise DataValidationError("`values` are all 0; the Gini coefficient is undefined.")
    return _gini_sorted_desc(arr)


def pareto_summary(
    data: Any,
    *,
    value: str = "amount",
    by: str | None = None,
    top: float = 0.2,
    target: float = 0.8,
    negative: str = "clip",
) -> pd.DataFrame:
    """The 80/20 figures: share of value from the top ``top`` customers, share of customers
    making ``target`` of value, and the Gini coefficient, per group.

    Shares between two customers are read off the cumulative-share curve by linear
    interpolation, so ``top=0.2`` on 4,372 customers means the top 874.4 customers. Groups
    with fewer than ``MIN_CUSTOMERS`` (20) customers get a :class:`SmallSampleWarning`.

    Parameters
    ----------
    data, value, by, negative
        As in :func:`pareto_table`.
    top : float, default 0.2
        Top share of customers, in (0, 1].
    target : float, default 0.8
        Share of value, in (0, 1].

    Returns
    -------
    pandas.DataFrame
        One row per group: ``[by], n_customers`` (customers ranked),
        ``n_zero_value, n_negative_value, negative_value`` (customers with zero / negative
        net value and the negative total; clipped or dropped per ``negative``),
        ``total_value`` (sum of the counted values), ``top, top_share`` (share of value
        from the top ``top`` customers), ``target, customer_share_for_target,
        n_customers_for_target`` (interpolated share and whole number of top customers
        whose value reaches ``target``), ``gini``.

    Examples
    --------
    >>> tx = pd.DataFrame({"customer_id": list("abcdefghij"),
    ...                    "amount": [50.0, 20, 10, 5, 5, 4, 3, 2, 1, 0],
    ...                    "timestamp": pd.Timestamp("2024-01-01")})
    >>> s = pareto_summary(tx)
    >>> round(float(s["top_share"].iloc[0]), 2), round(float(s["customer_share_for_target"].iloc[0]), 2)
    (0.7, 0.3)
    """
    top = require_in_range(top, name="top", low=0, high=1, low_inclusive=False)
    target = require_in_range(target, name="target", low=0, high=1, low_inclusive=False)
    _check_negative(negative)
    per = _sum_per_customer(data, value, by, name="data")
    table = _table(per, "value", by, negative, name="data", label=value)
    rows = []
    groups = (
        [(None, per, table)]
        if by is None
        else [(key, per[per[by] == key], table[table[by] == key]) for key in table[by].unique()]
    )
    small = [(key, len(g)) for key, _, g in groups if len(g) < MIN_CUSTOMERS]
    if small:
        listed = ", ".join(f"{'all' if k is None else repr(k)} ({n})" for k, n in small[:5]) + (
            f" and {len(small) - 5} more" if len(small) > 5 else ""
        )
        warnings.warn(
            f"Fewer than {MIN_CUSTOMERS} customers in {listed}: their concentration figures "
            "(top share, Gini) say little. Merge small groups (e.g. by region instead of "
            "country) before comparing them.",
            SmallSampleWarning,
            stacklevel=2,
        )
    for key, raw, g in groups:
        x, y = _curve_points(g)
        share, k = _share_for_target(x, y, target)
        # signs as ranked (to 1e-6): a net of zero summed in another order stays zero
        signed = comparable(raw["value"])
        neg = signed < 0
        row = {} if by is None else {by: key}
        row.update(
            n_customers=len(g),
            n_zero_value=int((signed == 0).sum()),
            n_negative_value=int(neg.sum()),
            negative_value=float(raw.loc[neg, "value"].sum()),
            total_value=math.fsum(g["value_used"]),
            top=top,
            top_share=float(np.interp(top, x, y)),
            target=target,
            customer_share_for_target=share,
            n_customers_for_target=k,
            gini=_gini_sorted_desc(g["value_used"].to_numpy()),
        )
        rows.append(row)
    return pd.DataFrame(rows)


def lorenz_curve(
    data: Any, *, value: str = "amount", by: str | None = None, negative: str = "clip"
) -> pd.DataFrame:
    """Lorenz curve: cumulative share of value held by the poorest ``p`` of customers.

    Parameters
    ----------
    data, value, by, negative
        As in :func:`pareto_table`.

    Returns
    -------
    pandas.DataFrame
        ``[by], cum_customer_share, cum_value_share``, starting at (0, 0) and ending at
        (1, 1), customers sorted by ascending value. The 80/20 curve of
        :func:`pareto_table` is its mirror image: ``L(p) = 1 - P(1 - p)``.

    Examples
    --------
    >>> lorenz_curve(tx, by="region")  # doctest: +SKIP
    """
    table = _table(data, value, by, negative)
    parts = []
    groups = [(None, table)] if by is None else list(table.groupby(by, sort=True))
    for key, g in groups:
        asc = np.sort(g["value_used"].to_numpy())
        n = len(asc)
        part = pd.DataFrame(
            {
                "cum_customer_share": np.arange(0, n + 1) / n,
                "cum_value_share": np.concatenate([[0.0], np.cumsum(asc) / asc.sum()]),
            }
        )
        part["cum_value_share"] = part["cum_value_share"].clip(upper=1.0)
        part.loc[n, "cum_value_share"] = 1.0
        if by is not None:
            part.insert(0, by, key)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


def pareto_deciles(
    data: Any, *, value: str = "amount", by: str | None = None, negative: str = "clip"
) -> pd.DataFrame:
    """Value per customer decile (decile 1 = top 10% of customers).

    Parameters
    ----------
    data, value, by, negative
        As in :func:`pareto_table`.

    Returns
    -------
    pandas.DataFrame
        ``[by], decile, n_customers, value, value_share, cum_value_share``, where
        ``value`` sums the counted (clipped) values of the decile.

    Examples
    --------
    >>> pareto_deciles(tx)  # doctest: +SKIP
    """
    return _group_summary(_table(data, value, by, negative), "decile", by)


def abc_summary(
    data: Any,
    *,
    value: str = "amount",
    by: str | None = None,
    negative: str = "clip",
    abc_thresholds: Sequence[float] = (0.8, 0.95),
) -> pd.DataFrame:
    """Customers and value per ABC class (see :func:`pareto_table`).

    Parameters
    ----------
    data, value, by, negative, abc_thresholds
        As in :func:`pareto_table`.

    Returns
    -------
    pandas.DataFrame
        ``[by], abc_class, n_customers, customer_share, value, value_share,
        cum_value_share``.

    Examples
    --------
    >>> abc_summary(tx, abc_thresholds=(0.7, 0.9))  # doctest: +SKIP
    """
    table = _table(data, value, by, negative, _check_thresholds(abc_thresholds))
    return _group_summary(table, "abc_class", by)


def _group_summary(table: pd.DataFrame, col: str, by: str | None) -> pd.DataFrame:
    keys = ([by] if by else []) + [col]
    out = (
        table.groupby(keys, sort=True)
        .agg(n_customers=("customer_id", "size"), value=("value_used", "sum"))
        .reset_index()
    )
    if by:
        n = out.groupby(by)["n_customers"].transform("sum")
        tot = out.groupby(by)["value"].transform("sum")
        out["customer_share"] = out["n_customers"] / n
        out["value_share"] = out["value"] / tot
        out["cum_value_share"] = out.groupby(by)["value_share"].cumsum().clip(upper=1.0)
    else:
        out["customer_share"] = out["n_customers"] / out["n_customers"].sum()
        out["value_share"] = out["value"] / out["value"].sum()
        out["cum_value_share"] = out["value_share"].cumsum().clip(upper=1.0)
    order = [*keys, "n_customers", "customer_share", "value", "value_share", "cum_value_share"]
    return out[order]


def concentration_comparison(
    customers: Any,
    *,
    values: Sequence[str] = ("revenue", "clv"),
    by: str | None = None,
    top: float = 0.2,
    target: float = 0.8,
    negative: str = "clip",
) -> pd.DataFrame:
    """:func:`pareto_summary` for several value measures side by side, e.g. historical
    revenue beside predicted CLV.

    Parameters
    ----------
    customers : DataFrame-like
        Per-customer frame holding every column in ``values`` (e.g.
        ``customer_values(tx, clv=clv_table)``).
    values : sequence of str, default ("revenue", "clv")
    by, top, target, negative
        As in :func:`pareto_summary`.

    Returns
    -------
    pandas.DataFrame
        ``measure`` followed by the :func:`pareto_summary` columns, one row per measure
        (and group).

    Examples
    --------
    >>> concentration_comparison(customer_values(tx, clv=clv))  # doctest: +SKIP
    """
    to_lazy(customers, "customers")  # a frame of some engine
    if isinstance(values, str):
        values = [values]
    values = require_sequence_of_str(values, name="values", what="column names")
    if not values:
        raise DataValidationError(
            "`values` is empty; pass value columns such as ['revenue', 'clv']."
        )
    parts = []
    for v in values:
        s = pareto_summary(customers, value=v, by=by, top=top, target=target, negative=negative)
        s.insert(0, "measure", v)
        parts.append(s)
    return pd.concat(parts, ignore_index=True)


# ---------------------------------------------------------------------------------------------
# readings: the sentences under the concentration tables and figures
# ---------------------------------------------------------------------------------------------

_MEASURE_WORDS = {
    "amount": "revenue",
    "revenue": "revenue",
    "margin": "margin",
    "clv": "predicted value (CLV)",
}


def _measure_word(measure: str) -> str:
    return _MEASURE_WORDS.get(str(measure), str(measure).replace("_", " "))


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _gini_word(g: float) -> str:
    if g >= 0.6:
        return "depends heavily on a few customers"
    if g >= 0.3:
        return "is moderately concentrated"
    return "is spread fairly evenly over customers"


def describe_pareto(summary: pd.DataFrame, *, measure: str = "revenue") -> str:
    """A plain-language reading of a :func:`pareto_summary` row (without ``by``).

    Compares the top share with the rule of thumb (``target`` from the top ``top``: 80% from
    the top 20%), more, less or in line within 2 points, and reads the Gini
    coefficient (0.6 or more: heavily concentrated; below 0.3: spread evenly).

    Parameters
    ----------
    summary : pandas.DataFrame
        Output of :func:`pareto_summary` without ``by`` (one row).
    measure : str, default 'revenue'
        The value column the summary measured, named in the sentence (``'revenue'``, ``'clv'``,
        ...).

    Returns
    -------
    str
        E.g. "The top 20% of customers bring 74% of revenue, less concentrated than the
        80/20 rule of thumb; 27% of customers (1,166) bring 80% of it. Gini 0.71: revenue
        depends heavily on a few customers."
    """
    need = ["top", "target", "top_share", "gini"]
    require_frame_columns(summary, need, name="summary", producer="pareto_summary")
    if summary.empty:
        raise DataValidationError("`summary` has no rows; pass the output of `pareto_summary`.")
    measure = require_str(measure, name="measure")
    s = summary.iloc[0]
    what = _measure_word(measure)
    top, target, share = float(s["top"]), float(s["target"]), float(s["top_share"])
    rule = f"the {target * 100:.0f}/{top * 100:.0f} rule of thumb"
    if share > target + say.LEVEL:
        versus = f"more concentrated than {rule}"
    elif share < target - say.LEVEL:
        versus = f"less concentrated than {rule}"
    else:
        versus = f"in line with {rule}"
    n_target = (
        f" ({int(s['n_customers_for_target']):,})" if "n_customers_for_target" in s.index else ""
    )
    text = (
        f"The top {say.pct(top)} of customers bring {say.pct(share)} of {what}, {versus}; "
        f"{say.pct(s['customer_share_for_target'])} of customers{n_target} bring "
        f"{say.pct(target)} of it."
    )
    g = float(s["gini"])
    if say.finite(g):
        text += f" Gini {g:.2f}: {what} {_gini_word(g)}."
    return text


def describe_pareto_groups(
    summary: pd.DataFrame, *, by: str, min_customers: int = MIN_CUSTOMERS
) -> str:
    """A plain-language reading of :func:`pareto_summary` by group: where value is most and
    least concentrated, among groups with at least ``min_customers`` customers.

    Parameters
    ----------
    summary : pandas.DataFrame
        Output of :func:`pareto_summary` with ``by``.
    by : str
        The group column of ``summary``.
    min_customers : int, default MIN_CUSTOMERS
        Groups with fewer customers are left out.

    Returns
    -------
    str
        E.g. "Among regions with at least 20 customers, revenue is most concentrated in Europe
        (top 20% bring 74%) and least in Asia (72%)."
    """
    by = require_column_name(by, allow_none=False)
    need = [by, "top", "top_share", "n_customers"]
    require_frame_columns(summary, need, name="summary", producer="pareto_summary")
    big = ranked_groups(
        summary, by=by, value="top_share", size="n_customers", min_customers=min_customers
    )
    word = by.replace("_", " ")
    if big.empty:
        return f"No {word} has {min_customers:,} customers or more, so none is compared."
    top = say.pct(big["top"].iloc[0])
    if len(big) == 1:
        r = big.iloc[0]
        return (
            f"Only {r[by]} has at least {min_customers:,} customers: its top {top} bring "
            f"{say.pct(r['top_share'])} of its value."
        )
    hi, lo = big.iloc[0], big.iloc[-1]
    lead = f"Among {word}s with at least {min_customers:,} customers"
    if hi["top_share"] - lo["top_share"] <= say.LEVEL:
        return (
            f"{lead}, value is about equally concentrated: the top {top} bring "
            f"{say.pct(lo['top_share'])} to {say.pct(hi['top_share'])}."
        )
    return (
        f"{lead}, value is most concentrated in {hi[by]} (top {top} bring "
        f"{say.pct(hi['top_share'])}) and least in {lo[by]} ({say.pct(lo['top_share'])})."
    )


def describe_concentration_comparison(
    comparison: pd.DataFrame, *, base: str = "revenue", other: str = "clv"
) -> str:
    """A plain-language reading of :func:`concentration_comparison` (without ``by``): is
    ``other`` more, less or about as concentrated as ``base`` (within
    2 points)?

    Parameters
    ----------
    comparison : pandas.DataFrame
        Output of :func:`concentration_comparison` without ``by``.
    base : str, default 'revenue'
        The measure compared against.
    other : str, default 'clv'
        The measure read against ``base``.

    Returns
    -------
    str
        E.g. "Predicted value (CLV) is less concentrated than revenue (top 20%: 64% vs 74%)."
    """
    need = ["measure", "top", "top_share"]
    require_frame_columns(comparison, need, name="comparison", producer="concentration_comparison")
    base, other = require_str(base, name="base"), require_str(other, name="other")
    rows = comparison.set_index("measure")
    for m in (base, other):
        if m not in rows.index:
            raise DataValidationError(
                f"`comparison` has no measure {m!r}; it has {', '.join(map(repr, rows.index))}."
            )
    a, b = float(rows.loc[base, "top_share"]), float(rows.loc[other, "top_share"])
    top = say.pct(rows.loc[base, "top"])
    diff = b - a
    word = (
        "about as concentrated as"
        if abs(diff) <= say.LEVEL
        else "more concentrated than"
        if diff > 0
        else "less concentrated than"
    )
    return (
        f"{_capital(_measure_word(other))} is {word} {_measure_word(base)} "
        f"(top {top}: {say.pct(b)} vs {say.pct(a)})."
    )
