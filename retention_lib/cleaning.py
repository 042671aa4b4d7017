"""Clean a canonical transaction log, accounting for every row and every unit of revenue.

Rules run in a fixed order and each row is attributed to the *first* rule that touches it,
so the :class:`CleaningReport` adds up: rows kept + rows removed = rows read, and the same
for revenue.
"""

from __future__ import annotations

import html as _html
import math
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd

from ._backend import collect, require_lazy_columns, to_lazy
from ._validation import (
    DataValidationError,
    format_rows,
    require_bool,
    require_columns,
    require_frame,
    require_in_range,
    require_keys,
    require_numeric_column,
    require_regex,
    require_sequence_of_str,
)

__all__ = ["DEFAULT_NON_PRODUCT_CODES", "CleaningReport", "clean_transactions"]

#: Stock codes that are not products (postage, fees, manual adjustments, ...), after the
#: UCI Online Retail documentation. Matching is exact; see ``non_product_prefixes`` too.
DEFAULT_NON_PRODUCT_CODES: tuple[str, ...] = (
    "POST",
    "DOT",
    "M",
    "m",
    "C2",
    "D",
    "S",
    "BANK CHARGES",
    "AMAZONFEE",
    "CRUK",
    "PADS",
    "B",
    "ADJUST",
    "ADJUST2",
    "TEST001",
    "TEST002",
)
DEFAULT_NON_PRODUCT_PREFIXES: tuple[str, ...] = ("DCGS", "gift_0001")

_RULES = (
    "missing_customer_id",
    "test_customer",
    "duplicate",
    "non_product",
    "non_positive_price",
    "cancellation",
)
_DESCRIPTIONS = {
    "missing_customer_id": "no customer id: cannot be tied to a customer",
    "test_customer": "test or internal customer id",
    "duplicate": "exact repeat of an earlier row",
    "non_product": "not a product (postage, fees, manual adjustments, ...)",
    "non_positive_price": "zero or negative price, or zero amount, on a purchase line",
    "cancellation": "cancellation or return",
}


def _fsum(values: pd.Series) -> float:
    return math.fsum(values.to_numpy(dtype="float64"))


@dataclass
class CleaningReport:
    """What cleaning did to a transaction log, rule by rule.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per rule with columns ``rule, description, action, rows, revenue``
        (``action`` is ``"dropped"``, ``"kept (netted)"`` or ``"kept"``).
    rows_read, rows_kept : int
    revenue_read, revenue_kept : float
        Sums of ``amount`` (exact, via ``math.fsum``) before and after cleaning.
    notes : list of str
        Plain-language notes from earlier steps (currency conversion, region mapping).
    returns : pandas.DataFrame or None
        With ``cancellations="net"``, how the return lines were matched to the purchases
        they cancel: one row per ``lines, status`` (return lines ``matched in full``,
        ``partly matched``, ``unmatched``; purchase lines ``returned in full``, ``partly
        returned``) with ``rows``, ``revenue`` (before matching), ``netted`` (the amount
        moved between return and purchase lines) and ``revenue_after``. The return lines'
        ``netted`` add up to minus the purchase lines'. None with ``cancellations="drop"``.
    orders_cancelled : int or None
        Orders whose every purchase line was returned in full (no purchase any more);
        None without ``order_id`` or with ``cancellations="drop"``.
    """

    table: pd.DataFrame
    rows_read: int
    rows_kept: int
    revenue_read: float
    revenue_kept: float
    customers_kept: int
    notes: list[str] = field(default_factory=list)
    returns: pd.DataFrame | None = None
    orders_cancelled: int | None = None

    @property
    def rows_removed(self) -> int:
        """Rows dropped by all the rules together."""
        return int(self.table.loc[self.table["action"] == "dropped", "rows"].sum())

    @property
    def revenue_removed(self) -> float:
        """Revenue of the dropped rows."""
        dropped = self.table.loc[self.table["action"] == "dropped", "revenue"]
        return math.fsum(dropped.to_numpy(dtype="float64"))

    def check(self, tolerance: float = 0.005) -> None:
        """Raise if rows or revenue do not add up (``tolerance`` in currency units).

        Parameters
        ----------
        tolerance : float, default 0.005
            Largest revenue gap allowed, in currency units.
        """
        tolerance = require_in_range(tolerance, name="tolerance", low=0)
        if self.rows_kept + self.rows_removed != self.rows_read:
            raise AssertionError(
                f"rows kept {self.rows_kept} + removed {self.rows_removed} != read {self.rows_read}"
            )
        gap = self.revenue_read - (self.revenue_kept + self.revenue_removed)
        if abs(gap) > tolerance:
            raise AssertionError(f"revenue does not add up: gap of {gap:.6f}")
        if self.returns is None:
            return
        t = self.returns
        cancel = self.table.set_index("rule").loc["cancellation"]
        returns = t[t["lines"] == "return"]
        if int(returns["rows"].sum()) != int(cancel["rows"]):
            raise AssertionError(
                f"return lines matched, partly matched and unmatched "
                f"({int(returns['rows'].sum())}) != cancellation rows ({int(cancel['rows'])})"
            )
        moved = math.fsum(t["netted"].to_numpy(dtype="float64"))
        if abs(moved) > tolerance:
            raise AssertionError(
                f"matched returns and purchases do not net out: gap of {moved:.6f}"
            )
        gap = math.fsum(returns["revenue"].to_numpy(dtype="float64")) - float(cancel["revenue"])
        if abs(gap) > tolerance:
            raise AssertionError(f"return revenue does not add up: gap of {gap:.6f}")

    def summary(self) -> pd.DataFrame:
        """The rule table with a ``kept`` row and a ``read`` total row appended."""
        kept = pd.DataFrame(
            [
                {
                    "rule": "kept",
                    "description": "rows used by the analysis",
                    "action": "kept",
                    "rows": self.rows_kept,
                    "revenue": self.revenue_kept,
                },
                {
                    "rule": "read",
                    "description": "rows in the input",
                    "action": "total",
                    "rows": self.rows_read,
                    "revenue": self.revenue_read,
                },
            ]
        )
        out = pd.concat([self.table, kept], ignore_index=True)
        out["share_of_rows"] = out["rows"] / max(self.rows_read, 1)
        return out

    def to_dict(self) -> dict:
        """The report as a JSON-ready dict (:meth:`from_dict` rebuilds it exactly)."""
        return {
            "table": self.table.to_dict(orient="list"),
            "columns": list(self.table.columns),
            "rows_read": int(self.rows_read),
            "rows_kept": int(self.rows_kept),
            "revenue_read": float(self.revenue_read),
            "revenue_kept": float(self.revenue_kept),
            "customers_kept": int(self.customers_kept),
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, doc: dict) -> CleaningReport:
        """Rebuild a report from :meth:`to_dict` output.

        Parameters
        ----------
        doc : dict
            A document written by ``to_dict``.
        """
        keys = ("table", "columns", "rows_read", "rows_kept", "revenue_read", "revenue_kept")
        doc = require_keys(doc, keys, name="doc", producer="CleaningReport.to_dict")
        table = pd.DataFrame(doc["table"], columns=doc["columns"])
        table["rows"] = table["rows"].astype("int64")
        table["revenue"] = table["revenue"].astype("float64")
        return cls(
            table=table,
            rows_read=int(doc["rows_read"]),
            rows_kept=int(doc["rows_kept"]),
            revenue_read=float(doc["revenue_read"]),
            revenue_kept=float(doc["revenue_kept"]),
            customers_kept=int(doc["customers_kept"]),
            notes=list(doc.get("notes", [])),
        )

    def __repr__(self) -> str:
        lines = [
            f"<CleaningReport: {self.rows_read:,} rows read, {self.rows_kept:,} kept, "
            f"{self.rows_removed:,} dropped; revenue {self.revenue_read:,.2f} read, "
            f"{self.revenue_kept:,.2f} kept; {self.customers_kept:,} customers>",
        ]
        for r in self.table.itertuples():
            if r.rows:
                lines.append(f"  {r.rule:<22} {r.action:<15} {r.rows:>9,} rows {r.revenue:>16,.2f}")
        if self.returns is not None:
            for r in self.returns.itertuples():
                if r.rows:
                    label = f"{r.lines} lines {r.status}"
                    lines.append(
                        f"  {label:<38} {r.rows:>9,} rows {r.revenue:>16,.2f}, "
                        f"netted {r.netted:,.2f}"
                    )
            if self.orders_cancelled is not None:
                lines.append(f"  orders returned in full (no purchase): {self.orders_cancelled:,}")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        from .report import styled_table

        table = self.summary().drop(columns="rule")  # the description says it in words
        html = (
            styled_table(
                table,
                counts=["rows"],
                percent=["share_of_rows"],
                labels={"description": "Rows", "action": "What happened", "rows": "Count"},
            )
            .set_uuid("cleaning-report")
            .to_html()
        )
        from .findings import for_reader

        notes = "".join(
            f"<li>{_html.escape(for_reader(n)).replace(chr(10), '<br>')}</li>" for n in self.notes
        )
        head = (
            f"<p><b>Cleaning report</b>: {self.rows_read:,} rows read, {self.rows_kept:,} kept "
            f"({self.customers_kept:,} customers).</p>"
        )
        matching = ""
        if self.returns is not None:
            matching = "<p><b>Returns matched to the purchases they cancel</b></p>" + (
                self.returns.style.format(
                    {c: "{:,.2f}" for c in ("revenue", "netted", "revenue_after")}
                    | {"rows": "{:,}"}
                )
                .hide(axis="index")
                .set_uuid("cleaning-returns")
                .to_html()
            )
            if self.orders_cancelled is not None:
                matching += (
                    f"<p>{self.orders_cancelled:,} order(s) were returned in full and are no "
                    "purchase.</p>"
                )
        return head + html + matching + (f"<ul>{notes}</ul>" if notes else "")


def _is_lazy_source(obj: Any) -> bool:
    """True for inputs cleaned by the engine-agnostic path (anything but pandas)."""
    if isinstance(obj, pd.DataFrame):
        return False
    if isinstance(obj, (str, os.PathLike)):
        return True
    return nw.from_native(obj, pass_through=True) is not obj


# ---------------------------------------------------------------------------------------------
# matching returns to the purchases they cancel
# ---------------------------------------------------------------------------------------------

#: Units are counted in millionths, as integers, so that cumulative sums are exact and "all of
#: it was returned" is an exact comparison on every engine.
_UNIT_SCALE = 1_000_000
#: A price difference between matched returns and purchases below this share of the value
#: moved is floating-point noise (engines add in their own order) and is taken as 0.
_PRICE_NOISE = 1e-9
_RETURN_STATUSES = ("matched in full", "partly matched", "unmatched")
_PURCHASE_STATUSES = ("returned in full", "partly returned")


def _stack_match(frame: Any, units: str, key: list[str], order: list[str], tag: str) -> Any:
    """One last-in-first-out pass: adds ``_m{tag}`` (units of each return matched) and
    ``_c{tag}`` (units of each purchase taken back), for the signed ``_sign`` rows with
    ``units`` to match, per ``key`` in ``order`` (see :func:`_match_returns`)."""
    d = (nw.col("_sign") * nw.col(units)).alias("_d")
    frame = frame.with_columns(d.cum_sum().over(*key, order_by=order).alias("_S"))
    frame = frame.with_columns(nw.col("_S").cum_min().over(*key, order_by=order).alias("_low"))
    held = nw.when(nw.col("_low") < 0).then(nw.col("_low")).otherwise(nw.lit(0))
    frame = frame.with_columns((nw.col("_S") - held).alias("_H"))
    frame = frame.with_columns(
        nw.col("_H").shift(1).over(*key, order_by=order).fill_null(0).alias("_H_prev"),
        nw.col("_H").cum_min(reverse=True).over(*key, order_by=order).alias("_H_min"),
    )
    left = nw.col("_H_min") - nw.col("_H_prev")  # units of a purchase never taken back
    left = nw.when(left < 0).then(nw.lit(0)).otherwise(left)
    left = nw.when(left > nw.col(units)).then(nw.col(units)).otherwise(left)
    return frame.with_columns(
        nw.when(nw.col("_sign") == -1)
        .then(nw.col("_H_prev") - nw.col("_H"))
        .otherwise(nw.lit(0))
        .alias(f"_m{tag}"),
        nw.when(nw.col("_sign") == 1)
        .then(nw.col(units) - left)
        .otherwise(nw.lit(0))
        .alias(f"_c{tag}"),
    )


def _match_returns(frame: Any, columns: list[str]) -> Any:
    """Net each return line against the purchases it cancels (last in, first out).

    ``frame`` (a narwhals DataFrame or LazyFrame) holds the kept rows with ``is_return``.
    Purchases (``amount > 0``, not a return) and returns (``is_return`` with ``amount < 0``)
    of one customer and product (``product_code`` when present) form a stack in time order,
    a purchase before a return at the same timestamp. A return takes its units (``quantity``,
    or ``amount`` in a log without quantities) from the most recent earlier purchases still
    on the stack, first among those at its own ``unit_price`` (so that a cancelled
    mis-priced line is found among repeat orders of the product), then among all; what
    finds nothing to take stays unmatched.

    Each pass is window functions every engine evaluates: with the net units ``d``
    (+ bought, - returned) in that order, ``S = cumsum(d)`` and
    ``H = S - min(0, cummin(S))`` is the stack height (a walk held at 0: an unmatched return
    cannot take from later purchases). Return ``j`` matches ``H[j-1] - H[j]`` units and
    purchase ``i`` keeps ``clip(min(H[k], k >= i) - H[i-1], 0, q_i)`` of its ``q_i`` units
    (those above the lowest later height were taken back). Units are integers (millionths),
    so the sums are exact and "returned in full" is an exact comparison.

    Money moves at the purchase's price: a purchase line loses ``amount * taken / q`` and
    the returns of that customer and product give up the same total, shared in proportion
    to their matched units; a difference between the two prices (a refund above or below
    the price paid) stays on the return lines. Adds ``netted_amount`` (original amount =
    ``amount + netted_amount``) and private columns (``_status``: see :data:`_STATUS`);
    purchase lines returned in full get ``amount`` 0 and ``is_return`` True, so they never
    count as a purchase.
    """
    return _match_prepared(_prepare_matching(frame, columns), columns)


def _match_in_memory(frame: nw.DataFrame, columns: list[str]) -> nw.DataFrame:
    """:func:`_match_returns` on rows in memory (with their positions in ``_row``), in
    their order.

    Only the stacks (customer, product) that hold a return line can change, so the window
    functions run on their rows alone (a small share of a real log: 10% of the UCI rows);
    the other rows keep their amounts, with nothing netted. This is for pandas, where
    each of the nine windows sorts the frame it is given (the whole log: 2.5 s of
    cleaning UCI, 0.5 s on the stacks alone); an engine runs the windows on every row.
    """
    prepared = _prepare_matching(frame, columns)
    prepared = prepared.with_columns(
        nw.col("is_return").any().over("customer_id", "_product").alias("_touched")
    )
    names = [*frame.columns, "netted_amount", "_status", "_sign", "_order_id"]
    parts = [
        prepared.filter(~nw.col("_touched"))
        .with_columns(netted_amount=nw.lit(0.0), _status=nw.lit(0).cast(nw.Int64))
        .select(names)
    ]
    touched = prepared.filter(nw.col("_touched"))
    if len(touched):
        matched = _match_prepared(touched, columns)
        parts.append(matched.with_columns(nw.col("_status").cast(nw.Int64)).select(names))
    return nw.concat(parts).sort("_row")


def _prepare_matching(frame: Any, columns: list[str]) -> Any:
    """The row-wise columns the matching reads (``_product``, ``_order_id``, ``_price``,
    ``_side``, ``_units``, ``_sign``: see :func:`_match_returns`)."""
    product = nw.col("product_code") if "product_code" in columns else nw.lit("")
    base = nw.col("quantity") if "quantity" in columns else nw.col("amount")
    dated = ~nw.col("timestamp").is_null()
    is_purchase = (~nw.col("is_return") & (nw.col("amount") > 0) & dated).fill_null(False)
    is_return = (nw.col("is_return") & (nw.col("amount") < 0) & dated).fill_null(False)
    units = (base.abs() * _UNIT_SCALE).round(0).fill_null(0).cast(nw.Int64)
    price = (
        (nw.col("unit_price") * _UNIT_SCALE).round(0).fill_null(-1).cast(nw.Int64)
        if "unit_price" in columns
        else nw.lit(0)
    )
    frame = frame.with_columns(
        product.cast(nw.String).fill_null("").alias("_product"),
        (
            nw.col("order_id").cast(nw.String).fill_null("")
            if "order_id" in columns
            else nw.lit("")
        ).alias("_order_id"),
        price.alias("_price"),
        nw.when(is_purchase).then(nw.lit(0)).otherwise(nw.lit(1)).alias("_side"),
        nw.when(is_purchase | is_return).then(units).otherwise(nw.lit(0)).alias("_units"),
        nw.when(is_purchase)
        .then(nw.lit(1))
        .when(is_return)
        .then(nw.lit(-1))
        .otherwise(nw.lit(0))
        .alias("_sign"),
    )
    return frame


def _match_prepared(frame: Any, columns: list[str]) -> Any:
    """The matching of :func:`_match_returns` on a frame with the columns of
    :func:`_prepare_matching` (the window functions and the money moved)."""
    key = ["customer_id", "_product"]
    # ties broken by what the rows hold, so that a log with and without row numbers (a
    # scanned file) match alike; the row number only orders otherwise identical lines
    order = ["timestamp", "_side", "_order_id", "_units", "amount"]
    if "source_row" in columns:
        order.append("source_row")
    frame = _stack_match(frame, "_units", [*key, "_price"], order, "1")
    frame = frame.with_columns((nw.col("_units") - nw.col("_m1") - nw.col("_c1")).alias("_units2"))
    frame = _stack_match(frame, "_units2", key, order, "2")
    frame = frame.with_columns(
        (nw.col("_m1") + nw.col("_m2")).alias("_matched"),
        (nw.col("_c1") + nw.col("_c2")).alias("_cancelled"),
    )

    def share(col: str) -> nw.Expr:
        u = nw.col("_units")
        return (
            nw.when(u > 0)
            .then(nw.col(col).cast(nw.Float64) / u.cast(nw.Float64))
            .otherwise(nw.lit(0.0))
        )

    frame = frame.with_columns(
        (nw.col("amount") * share("_cancelled")).alias("_lost"),  # purchase value taken back
        (nw.col("amount") * share("_matched")).alias("_refund"),  # matched part, own price
    )
    frame = frame.with_columns(
        nw.col("_lost").sum().over(*key).alias("_V"),
        nw.col("_refund").sum().over(*key).alias("_W"),
        nw.col("_matched").sum().over(*key).alias("_M"),
    )
    gap = nw.col("_V") + nw.col("_W")  # price difference, kept by the returns
    gap = (
        nw.when(gap.abs() <= _PRICE_NOISE * (nw.col("_V") - nw.col("_W")))
        .then(nw.lit(0.0))
        .otherwise(gap)
    )
    gap_share = (
        nw.when(nw.col("_M") > 0)
        .then(gap * nw.col("_matched").cast(nw.Float64) / nw.col("_M").cast(nw.Float64))
        .otherwise(nw.lit(0.0))
    )
    netted = (
        nw.when(nw.col("_sign") == 1)
        .then(nw.col("_lost"))
        .when(nw.col("_sign") == -1)
        .then(nw.col("_refund") - gap_share)
        .otherwise(nw.lit(0.0))
    )
    in_full = (nw.col("_units") > 0) & (nw.col("_cancelled") == nw.col("_units"))
    status = (
        nw.when((nw.col("_sign") == 1) & in_full)
        .then(nw.lit(4))
        .when((nw.col("_sign") == 1) & (nw.col("_cancelled") > 0))
        .then(nw.lit(5))
        .when((nw.col("_sign") == -1) & (nw.col("_matched") == nw.col("_units")))
        .then(nw.lit(1))
        .when((nw.col("_sign") == -1) & (nw.col("_matched") > 0))
        .then(nw.lit(2))
        .when(nw.col("is_return").fill_null(False))
        .then(nw.lit(3))
        .otherwise(nw.lit(0))
    )
    frame = frame.with_columns(netted.alias("netted_amount"), status.alias("_status"))
    return frame.with_columns(
        (nw.col("amount") - nw.col("netted_amount")).alias("amount"),
        (nw.col("is_return") | (nw.col("_status") == 4)).alias("is_return"),
    )


#: ``_status`` codes of :func:`_match_returns`: (lines, status) per code (0: untouched).
_STATUS = {
    1: ("return", "matched in full"),
    2: ("return", "partly matched"),
    3: ("return", "unmatched"),
    4: ("purchase", "returned in full"),
    5: ("purchase", "partly returned"),
}


def _matching_table(matched: Any, columns: list[str]) -> tuple[pd.DataFrame, int | None]:
    """How the returns were matched, from a :func:`_match_returns` frame: one row per
    status (``lines, status, rows, revenue, netted, revenue_after``; ``revenue`` before
    matching) and the number of orders whose every purchase line was returned in full
    (None without ``order_id``)."""
    lf = matched.lazy() if isinstance(matched, nw.DataFrame) else matched
    lf = lf.with_columns(
        (nw.col("amount") + nw.col("netted_amount")).alias("_original"),
        # 1/0 by `when`: PostgreSQL cannot cast a boolean to bigint
        nw.when(nw.col("_status") == 4).then(nw.lit(1)).otherwise(nw.lit(0)).alias("_gone"),
    )
    per_status = collect(
        lf.filter(nw.col("_status") > 0)
        .group_by("_status")
        .agg(
            nw.len().alias("rows"),
            nw.col("_original").sum().alias("revenue"),
            nw.col("netted_amount").sum().alias("netted"),
        )
    )
    found = {
        int(code): r for code, r in zip(per_status["_status"], per_status.itertuples(), strict=True)
    }
    rows = []
    for code, (lines, status) in _STATUS.items():
        r = found.get(code)
        n, revenue, netted = (
            (0, 0.0, 0.0) if r is None else (int(r.rows), float(r.revenue), float(r.netted))
        )
        rows.append(
            {
                "lines": lines,
                "status": status,
                "rows": n,
                "revenue": revenue,
                "netted": netted,
                "revenue_after": revenue - netted,
            }
        )
    orders = None
    if "order_id" in columns:
        per_order = (
            lf.filter(nw.col("_sign") == 1)
            .group_by("customer_id", "_order_id")
            .agg(nw.col("_gone").min())
        )
        total = collect(per_order.select(nw.col("_gone").sum())).iloc[0, 0]
        orders = 0 if pd.isna(total) else int(total)
    return pd.DataFrame(rows), orders


def clean_transactions(
    transactions: Any,
    *,
    cancellations: str = "net",
    drop_duplicates: bool = True,
    non_product_codes: Iterable[str] | None = DEFAULT_NON_PRODUCT_CODES,
    non_product_prefixes: Iterable[str] = DEFAULT_NON_PRODUCT_PREFIXES,
    drop_non_positive_prices: bool = True,
    test_customers: str | None = r"(?i)^test",
    notes: Iterable[str] = (),
) -> tuple[pd.DataFrame, CleaningReport]:
    """Apply the cleaning rules and report what each removed or changed.

    Rules, in order (a row counts under the first rule that applies):

    1. ``missing_customer_id``: no customer id (dropped).
    2. ``test_customer``: customer id matches ``test_customers`` (dropped).
    3. ``duplicate``: exact repeat of an earlier row over all columns but ``source_row``
       (dropped when ``drop_duplicates``).
    4. ``non_product``: ``product_code`` in ``non_product_codes`` or starting with one of
       ``non_product_prefixes`` (dropped).
    5. ``non_positive_price``: a purchase line with zero or negative ``unit_price``, or a
       zero ``amount`` (dropped when ``drop_non_positive_prices``).
    6. ``cancellation``: ``order_id`` starting with ``C``, negative quantity or negative
       amount. ``cancellations="net"`` keeps them flagged ``is_return=True`` and matches
       each to the purchase it cancels (below); ``"drop"`` removes them and leaves the
       purchases at their full value.

    With ``cancellations="net"`` a return line is matched to the purchases of the same
    customer and product (``product_code``; the customer's purchases in a log without
    it) made before it (or at the same time), the most recent first, up to the units
    bought (``quantity``; ``amount`` in a log without quantities). The matched value
    moves from the return line to those purchase lines: a purchase line returned in full
    gets ``amount`` 0 and ``is_return=True`` (so an order cancelled in full is no
    purchase at all), a partly returned one keeps its net value, and the unmatched part
    of a return (e.g. of a purchase made before the data starts) stays on the return line
    as negative revenue. Rows are never added or removed by the matching and the
    revenue total is unchanged; ``report.returns`` says how many return lines and how
    much revenue were matched in full, partly and not at all.

    Parameters
    ----------
    transactions : DataFrame, DuckDB relation, PySpark DataFrame or path
        Canonical log from :func:`load_transactions` (pandas), or the same columns in any
        engine narwhals supports (polars, DuckDB, PySpark, ...) or Parquet/CSV files read
        lazily by DuckDB. Non-pandas input is cleaned by that engine: see Notes.
    cancellations : {"net", "drop"}
    drop_duplicates : bool
    non_product_codes, non_product_prefixes : sequence of str
        Codes that are not products (matched exactly) and prefixes of such codes; pass
        ``()`` or ``None`` to keep every line (``non_product_codes=None`` turns the rule
        off, prefixes included). A bare str such as ``"POST"`` is refused: pass
        ``["POST"]``.
    drop_non_positive_prices : bool
    test_customers : str or None
        Regular expression searched anywhere in the customer id (``"(?i)^test"``: ids
        starting with "test", any case), in the RE2 syntax every engine evaluates (no
        look-around or back-references); ``None`` disables the rule.
    notes : iterable of str
        Notes from earlier steps to carry into the report.

    Returns
    -------
    clean : pandas.DataFrame, or the input's own kind of frame
        The kept rows with two added columns: boolean ``is_return`` (never a purchase: a
        return line, or a purchase line returned in full) and ``netted_amount``, the part
        of the line's original amount moved by matching returns (original amount =
        ``amount + netted_amount``; 0 where nothing was matched). For non-pandas input, a
        frame of the same engine: a lazy query (DuckDB relation, PySpark DataFrame, polars
        LazyFrame) for lazy input or a path, an eager frame for an eager one.
    report : CleaningReport
        Per-rule ``rows`` and ``revenue`` and, with ``cancellations="net"``, how returns were
        matched (``report.returns``); rows and revenue add up exactly.

    Notes
    -----
    The rules, the matching and the report are written once, as narwhals expressions that
    every engine evaluates, pandas included (a pandas log is kept in memory, its duplicates
    marked row by row and its sums exact; see ``_clean``). On a non-pandas engine the
    report comes from one aggregation (rows and summed ``amount`` per rule) plus a count
    of distinct customers: the transactions never reach pandas. Duplicates are counted with a
    group-by over all columns (but ``source_row``) and removed with ``unique``, keeping the
    row with the smallest ``source_row`` when there is one (any copy otherwise: they are
    identical). Returns are matched with window functions (cumulative sums and minima per
    customer and product, see ``_match_returns``), the same expressions on every engine,
    pandas included. Row counts equal the pandas ones exactly; revenue sums agree to
    floating-point rounding (engines add in their own order; pandas uses ``math.fsum``).
    Purchases of one product at the same time are taken in the order of ``order_id``,
    quantity, amount (and ``source_row``, when there is one). The rows come
    back in no particular order, and the result is a query, re-run by every analysis that
    reads it: materialise it once for repeated use (``clean.write_parquet(path)`` on DuckDB,
    ``clean.write.parquet(path)`` or ``clean.cache()`` on Spark).

    Examples
    --------
    >>> tx, report = clean_transactions(load_transactions(path))  # doctest: +SKIP
    >>> report.rows_kept + report.rows_removed == report.rows_read  # doctest: +SKIP
    True
    """
    if cancellations not in ("net", "drop"):
        raise DataValidationError(
            f"`cancellations` must be 'net' (keep returns as negative revenue) or 'drop'; "
            f"got {cancellations!r}."
        )
    drop_duplicates = require_bool(drop_duplicates, name="drop_duplicates")
    drop_non_positive_prices = require_bool(
        drop_non_positive_prices, name="drop_non_positive_prices"
    )
    example = "('POST', 'DOT')"
    non_product_codes = require_sequence_of_str(
        non_product_codes, name="non_product_codes", allow_none=True, example=example
    )
    # None: no prefixes, as None for the codes means no codes
    non_product_prefixes = (
        require_sequence_of_str(
            non_product_prefixes, name="non_product_prefixes", allow_none=True, example=example
        )
        or []
    )
    test_customers = require_regex(test_customers, name="test_customers")
    notes = require_sequence_of_str(notes, name="notes", what="str (one note each)")
    if _is_lazy_source(transactions):
        lazy = to_lazy(transactions)
        require_lazy_columns(lazy, ["customer_id", "timestamp", "amount"], what="`transactions`")
        frame: nw.DataFrame[Any] | nw.LazyFrame[Any] = lazy
    else:
        _require_pandas_log(transactions)
        # `_row`, the position in the input: the order and index of the rows handed back,
        # and "the first copy" of a duplicate, as pandas' `duplicated` has it
        eager = nw.from_native(transactions.reset_index(drop=True), eager_only=True)
        frame = eager.with_row_index("_row")
    clean, report = _clean(
        frame,
        cancellations=cancellations,
        drop_duplicates=drop_duplicates,
        non_product_codes=non_product_codes,
        non_product_prefixes=non_product_prefixes,
        drop_non_positive_prices=drop_non_positive_prices,
        test_customers=test_customers,
        notes=notes,
    )
    if isinstance(clean, nw.DataFrame):  # pandas in, pandas out: the input's index and order
        out = clean.to_native()
        index = transactions.index[out["_row"].to_numpy()]
        out = out.drop(columns="_row").set_axis(index, axis=0)
        return out, report
    if not isinstance(transactions, (str, os.PathLike)) and isinstance(
        nw.from_native(transactions), nw.DataFrame
    ):  # an eager frame of another engine (polars): the same kind of frame back
        return clean.collect(
            backend=nw.from_native(transactions).implementation
        ).to_native(), report
    return clean.to_native(), report


def _require_pandas_log(transactions: Any) -> None:
    """The checks of a pandas log that name its rows (the lazy engines' schema is checked by
    :func:`require_lazy_columns`)."""
    require_frame(transactions)
    require_columns(transactions, ["customer_id", "timestamp", "amount"])
    for col in ("amount", "quantity", "unit_price"):
        if col in transactions.columns:
            require_numeric_column(transactions, col)
    _refuse_cleaned(list(transactions.columns))
    missing = transactions["amount"].isna().to_numpy()
    if missing.any():
        raise DataValidationError(
            f"Column `amount` is missing at {format_rows(transactions.index[missing])}; a "
            "missing amount is never taken as 0. Fill or drop these rows before cleaning."
        )
    infinite = np.isinf(transactions["amount"].to_numpy(dtype=float))
    if infinite.any():
        raise DataValidationError(
            f"Column `amount` has {int(infinite.sum())} infinite value(s) at "
            f"{format_rows(transactions.index[infinite])}: an overflow of `quantity` x "
            "`unit_price` upstream. Fix or drop these rows before cleaning."
        )


def _refuse_cleaned(columns: list[str]) -> None:
    if "netted_amount" in columns:
        raise DataValidationError(
            "`transactions` has a `netted_amount` column: it was already cleaned, and "
            "cleaning it again would match its returns a second time. Clean the raw log once "
            "(`retention_lib.load_transactions` then `clean_transactions`)."
        )


def _rule_table(cancellations: str, drop_duplicates: bool, counts: dict) -> pd.DataFrame:
    """The report's rule table from ``counts``: (rows, revenue) per index into ``_RULES``."""
    rows = []
    for code, rule in enumerate(_RULES):
        if rule == "cancellation":
            action = "kept (netted)" if cancellations == "net" else "dropped"
        elif rule == "duplicate" and not drop_duplicates:
            action = "kept"
        else:
            action = "dropped"
        n, revenue = counts.get(code, (0, 0.0))
        rows.append(
            {
                "rule": rule,
                "description": _DESCRIPTIONS[rule],
                "action": action,
                "rows": int(n),
                "revenue": float(revenue),
            }
        )
    return pd.DataFrame(rows)


def _rule_expr(
    columns: list[str],
    *,
    non_product_codes: Iterable[str] | None,
    non_product_prefixes: Iterable[str],
    drop_non_positive_prices: bool,
    test_customers: str | None,
) -> nw.Expr:
    """Index into ``_RULES`` of the first content rule a row meets (-1: none).

    The rules of :func:`clean_transactions` but ``duplicate`` (a property of the log, not of
    the row: see :func:`_clean`), as expressions every engine evaluates, pandas included.
    Every condition is null-safe (a missing quantity is not a cancellation) and keys are
    compared as text (integer codes and ids from a warehouse included).
    """

    def safe(expr: nw.Expr) -> nw.Expr:
        return expr.fill_null(False)

    def text(col: str) -> nw.Expr:
        return nw.col(col).cast(nw.String).fill_null("")

    conditions: list[tuple[str, nw.Expr]] = [
        ("missing_customer_id", nw.col("customer_id").is_null())
    ]
    if test_customers is not None:
        conditions.append(
            (
                "test_customer",
                safe(nw.col("customer_id").cast(nw.String).str.contains(test_customers)),
            )
        )
    if non_product_codes is not None and "product_code" in columns:
        hit = text("product_code").is_in(list(non_product_codes))
        for p in non_product_prefixes:
            hit = hit | text("product_code").str.starts_with(p)
        conditions.append(("non_product", hit))
    is_cancel = safe(nw.col("amount") < 0)
    if "quantity" in columns:
        is_cancel = is_cancel | safe(nw.col("quantity") < 0)
    if "order_id" in columns:
        is_cancel = is_cancel | text("order_id").str.to_uppercase().str.starts_with("C")
    if drop_non_positive_prices:
        worthless = safe(nw.col("amount") == 0)
        if "unit_price" in columns:
            worthless = worthless | safe(nw.col("unit_price") <= 0)
        conditions.append(("non_positive_price", worthless & ~is_cancel))
    conditions.append(("cancellation", is_cancel))
    expr: Any = nw.lit(-1)
    for rule, cond in reversed(conditions):
        expr = nw.when(cond).then(nw.lit(_RULES.index(rule))).otherwise(expr)
    return expr.cast(nw.Int64).alias("_rule")


def _in_database_table(lf: nw.LazyFrame) -> nw.LazyFrame:
    """``lf`` computed once into a temporary table of its database (``CREATE TEMPORARY
    TABLE``, dropped by the database when the connection closes); the query itself where
    the database refuses one (a read-only replica), which gives the same results, only
    recomputed by each query."""
    import uuid

    native = lf.to_native()
    try:
        con = native.get_backend()
        return nw.from_native(
            con.create_table(f"_retention_lib_{uuid.uuid4().hex}", native, temp=True)
        )
    except Exception:  # noqa: BLE001 - any driver's refusal: fall back to the query
        return lf


_DUP_CODE = _RULES.index("duplicate")
_CANCEL_CODE = _RULES.index("cancellation")


def _clean(
    frame: nw.DataFrame | nw.LazyFrame,
    *,
    cancellations: str,
    drop_duplicates: bool,
    non_product_codes: Iterable[str] | None,
    non_product_prefixes: Iterable[str],
    drop_non_positive_prices: bool,
    test_customers: str | None,
    notes: Iterable[str],
) -> tuple[nw.DataFrame | nw.LazyFrame, CleaningReport]:
    """:func:`clean_transactions` on a narwhals frame: the rules, the duplicates, the
    matching of returns and the report, written once for every engine.

    ``frame`` is a LazyFrame of any engine, or an eager (pandas) DataFrame with the row
    positions in ``_row``. The rules and the matching are the same expressions on both;
    what differs is how the work is done, never what is computed:

    - duplicates: an engine counts the copies of each distinct row with one ``GROUP BY``
      (into a temporary table of a database) and removes them with ``unique``; rows in
      memory are marked one by one (all copies but the first, by ``_row``), which pandas
      does at less than half the cost of grouping by every column and ``unique``;
    - sums: an engine adds per rule in its own order; rows in memory are added exactly
      (``math.fsum``), so the pandas report does not depend on the row order;
    - matching returns: rows in memory match the stacks (customer, product) that hold a
      return line alone (:func:`_match_in_memory`).

    ``test_in_memory_path_equals_the_engine_path`` (``tests/test_cleaning_backends.py``)
    checks the two against each other on pandas.
    """
    in_memory = isinstance(frame, nw.DataFrame)
    columns = [c for c in frame.collect_schema().names() if c != "_row"]
    _refuse_cleaned(columns)
    flagged = frame.with_columns(
        _rule_expr(
            columns,
            non_product_codes=non_product_codes,
            non_product_prefixes=non_product_prefixes,
            drop_non_positive_prices=drop_non_positive_prices,
            test_customers=test_customers,
        )
    )
    # identical rows share their content rule; of n copies met by no earlier rule (missing
    # id, test customer), n - 1 are duplicates
    keys = [c for c in columns if c != "source_row"]
    distinct: nw.DataFrame[Any] | nw.LazyFrame[Any]
    if isinstance(flagged, nw.DataFrame):
        distinct = _mark_duplicates(flagged, keys) if drop_duplicates else flagged
        codes = distinct["_rule"].to_numpy()
        amounts = distinct["amount"].to_numpy().astype("float64")
        counts = {
            code: (int(m.sum()), math.fsum(amounts[m]))
            for code in range(len(_RULES))
            for m in [codes == code]
        }
        # the kept rows' revenue is added after the matching (below)
        counts[-1] = (int((codes == -1).sum()), math.nan)
        counted: nw.DataFrame[Any] | nw.LazyFrame[Any] = distinct
    else:
        distinct, counted, counts = _count_by_groups(flagged, keys, columns, drop_duplicates)
    if not drop_duplicates:
        counts[_DUP_CODE] = (0, 0.0)

    keep = nw.col("_rule") == -1
    if cancellations == "net":
        keep = keep | (nw.col("_rule") == _CANCEL_CODE)
    # distinct customers as a group-by: narwhals' n_unique casts a boolean to a small integer,
    # which PostgreSQL refuses
    customers = collect(
        counted.select("customer_id", "_rule")
        .filter(keep)
        .group_by("customer_id")
        .agg(nw.len())
        .select(nw.len().alias("n"))
    )
    out_columns = [*columns, *([] if "is_return" in columns else ["is_return"])]
    carried = [*out_columns, *(["_row"] if in_memory else [])]
    clean = distinct.filter(keep).with_columns(is_return=nw.col("_rule") == _CANCEL_CODE)
    clean = clean.select(carried)
    returns, orders = None, None
    if cancellations == "net":
        if isinstance(clean, nw.DataFrame):
            clean = _match_in_memory(clean, out_columns)
        else:
            clean = _match_returns(clean, out_columns)
        returns, orders = _matching_table(clean, out_columns)
    else:
        clean = clean.with_columns(netted_amount=nw.lit(0.0))
    clean = clean.select(*carried, "netted_amount")

    table = _rule_table(cancellations, drop_duplicates, counts)
    kept_codes = [-1, *([_CANCEL_CODE] if cancellations == "net" else [])]
    rows_kept = sum(counts.get(code, (0, 0.0))[0] for code in kept_codes)
    dropped = table.loc[table["action"] == "dropped"]
    if isinstance(clean, nw.DataFrame):  # the rows themselves, added exactly
        revenue_read = _fsum(frame["amount"].to_pandas())
        revenue_kept = _fsum(clean["amount"].to_pandas())
    else:  # the engine's sums per rule; matching moves revenue between kept rows
        kept = math.fsum(counts.get(code, (0, 0.0))[1] for code in kept_codes)
        moved = [] if returns is None else list(returns["netted"])
        revenue_read = math.fsum([kept, *dropped["revenue"]])
        revenue_kept = math.fsum([kept, *(-v for v in moved)])
    report = CleaningReport(
        table=table,
        rows_read=rows_kept + int(dropped["rows"].sum()),
        rows_kept=rows_kept,
        revenue_read=revenue_read,
        revenue_kept=revenue_kept,
        customers_kept=int(customers.fillna(0).iloc[0, 0]),  # SQL: NULL when nothing is kept
        notes=list(notes),
        returns=returns,
        orders_cancelled=orders,
    )
    report.check()
    return clean, report


def _mark_duplicates(flagged: nw.DataFrame[Any], keys: list[str]) -> nw.DataFrame[Any]:
    """Rows in memory with ``_rule`` set to ``duplicate`` on every copy of a row but the
    first (by ``_row``), where no earlier rule (missing id, test customer) took it."""
    copies = flagged.filter(flagged.select(keys).is_duplicated())  # a small share of a log
    first = copies.unique(keys, keep="first", maintain_order=True)["_row"].to_numpy()
    later = copies.filter(~nw.col("_row").is_in(first))["_row"].to_numpy()
    repeat = nw.col("_row").is_in(later) & ~nw.col("_rule").is_in(list(range(_DUP_CODE)))
    return flagged.with_columns(
        nw.when(repeat)
        .then(nw.lit(_DUP_CODE))
        .otherwise(nw.col("_rule"))
        .cast(nw.Int64)
        .alias("_rule")
    )


def _count_by_groups(
    flagged: nw.LazyFrame[Any], keys: list[str], columns: list[str], drop_duplicates: bool
) -> tuple[nw.LazyFrame[Any], nw.LazyFrame[Any], dict]:
    """On an engine: the rows left once duplicates are removed, the frame to count the kept
    customers in, and (rows, revenue) per index into ``_RULES`` (-1: no rule), from one
    aggregation of the distinct rows (see :func:`_clean`)."""
    if drop_duplicates:
        groups = flagged.group_by([*keys, "_rule"]).agg(nw.len().alias("_n"))
        in_database = flagged.implementation.is_ibis() and "source_row" not in columns
        if in_database:
            # the distinct rows, counted once into a temporary table of the database: the
            # report and every analysis of the cleaned log read it instead of grouping the
            # raw table again in each of their queries
            groups = _in_database_table(groups)
        dups = (
            nw.when(nw.col("_rule").is_in(list(range(_DUP_CODE))))
            .then(nw.lit(0))
            .otherwise(nw.col("_n") - 1)
        )
    else:
        in_database = False
        groups = flagged.select("amount", "_rule").with_columns(_n=nw.lit(1))
        dups = nw.lit(0)
    per_rule = collect(
        groups.with_columns(dups.alias("_dup"))
        .with_columns(_keep=nw.col("_n") - nw.col("_dup"))
        .with_columns(
            _kept_amount=nw.col("amount") * nw.col("_keep"),
            _dup_amount=nw.col("amount") * nw.col("_dup"),
        )
        .group_by("_rule")
        .agg(
            nw.col("_keep").sum().alias("rows"),
            nw.col("_kept_amount").sum().alias("revenue"),
            nw.col("_dup").sum().alias("dup_rows"),
            nw.col("_dup_amount").sum().alias("dup_revenue"),
        )
    ).fillna({"revenue": 0.0, "dup_revenue": 0.0})
    counts = {
        int(code): (int(n), float(revenue))
        for code, n, revenue in zip(
            per_rule["_rule"], per_rule["rows"], per_rule["revenue"], strict=True
        )
    }
    counts[_DUP_CODE] = (int(per_rule["dup_rows"].sum()), math.fsum(per_rule["dup_revenue"]))
    if not drop_duplicates:
        return flagged, flagged, counts
    if in_database:
        return groups, groups, counts  # one row per distinct row already
    if "source_row" in columns:
        distinct = flagged.unique(keys, keep="first", order_by=["source_row"])
    else:
        distinct = flagged.unique(keys, keep="any")
    return distinct, flagged, counts
