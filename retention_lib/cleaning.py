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

from ._backend import collect, columns_of, require_lazy_columns, to_lazy
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


def _text(values: pd.Series) -> pd.Series:
    """Keys as text for matching (integer codes and ids from a warehouse included)."""
    return values.fillna("").astype("str")


def _is_non_product(codes: pd.Series, exact: Iterable[str], prefixes: Iterable[str]) -> pd.Series:
    codes = _text(codes)
    hit = codes.isin(list(exact))
    for p in prefixes:
        hit |= codes.str.startswith(p)
    return hit


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
    On a non-pandas engine the rules are the same expressions evaluated by that engine, and
    the report comes from one aggregation (rows and summed ``amount`` per rule) plus a count
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
        return _clean_any_engine(
            transactions,
            cancellations=cancellations,
            drop_duplicates=drop_duplicates,
            non_product_codes=non_product_codes,
            non_product_prefixes=non_product_prefixes,
            drop_non_positive_prices=drop_non_positive_prices,
            test_customers=test_customers,
            notes=notes,
        )
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
    tx = transactions
    n = len(tx)
    assigned = np.full(n, -1, dtype=np.int8)  # index into _RULES, -1 = untouched

    def mark(rule: str, mask: pd.Series | np.ndarray) -> None:
        m = np.asarray(mask, dtype=bool) & (assigned == -1)
        assigned[m] = _RULES.index(rule)

    mark("missing_customer_id", tx["customer_id"].isna().to_numpy())
    if test_customers is not None:
        ids = _text(tx["customer_id"])
        mark("test_customer", ids.str.contains(test_customers, regex=True).to_numpy())
    if drop_duplicates:
        cols = [c for c in tx.columns if c != "source_row"]
        mark("duplicate", tx.duplicated(subset=cols, keep="first").to_numpy())
    if non_product_codes is not None and "product_code" in tx.columns:
        mark(
            "non_product",
            _is_non_product(tx["product_code"], non_product_codes, non_product_prefixes).to_numpy(),
        )
    is_cancel = tx["amount"].to_numpy() < 0
    if "quantity" in tx.columns:
        is_cancel |= tx["quantity"].to_numpy() < 0
    if "order_id" in tx.columns:
        is_cancel |= _text(tx["order_id"]).str.upper().str.startswith("C").to_numpy()
    if drop_non_positive_prices:
        worthless = tx["amount"].to_numpy() == 0
        if "unit_price" in tx.columns:
            worthless |= tx["unit_price"].to_numpy() <= 0
        mark("non_positive_price", worthless & ~is_cancel)
    mark("cancellation", is_cancel)

    amounts = tx["amount"]
    rows = []
    for i, rule in enumerate(_RULES):
        m = assigned == i
        if rule == "cancellation":
            action = "kept (netted)" if cancellations == "net" else "dropped"
        elif rule == "duplicate" and not drop_duplicates:
            action = "kept"
        else:
            action = "dropped"
        rows.append(
            {
                "rule": rule,
                "description": _DESCRIPTIONS[rule],
                "action": action,
                "rows": int(m.sum()),
                "revenue": _fsum(amounts[m]),
            }
        )
    table = pd.DataFrame(rows)

    cancel_code = _RULES.index("cancellation")
    keep = assigned == -1
    if cancellations == "net":
        keep |= assigned == cancel_code
    clean = tx.loc[keep].copy()
    clean["is_return"] = assigned[keep] == cancel_code
    returns, orders = None, None
    if cancellations == "net":
        clean, returns, orders = _net_returns_pandas(clean)
    else:
        clean["netted_amount"] = 0.0

    report = CleaningReport(
        table=table,
        rows_read=n,
        rows_kept=int(keep.sum()),
        revenue_read=_fsum(amounts),
        revenue_kept=_fsum(clean["amount"]),
        customers_kept=int(clean["customer_id"].nunique()),
        notes=list(notes),
        returns=returns,
        orders_cancelled=orders,
    )
    report.check()
    return clean, report


def _refuse_cleaned(columns: list[str]) -> None:
    if "netted_amount" in columns:
        raise DataValidationError(
            "`transactions` has a `netted_amount` column: it was already cleaned, and "
            "cleaning it again would match its returns a second time. Clean the raw log once "
            "(`retention_lib.load_transactions` then `clean_transactions`)."
        )


def _net_returns_pandas(clean: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, int | None]:
    """:func:`_match_returns` on the kept pandas rows (same index and columns, plus
    ``netted_amount``), with the matching table."""
    columns = list(clean.columns)
    index = clean.index
    prepared = _prepare_matching(
        nw.from_native(clean.reset_index(drop=True), eager_only=True), columns
    ).to_native()
    # only the stacks (customer, product) that hold a return line can change, so the window
    # functions run on their rows alone (a small share of a real log); the other rows keep
    # their amounts, with nothing netted
    touched = (
        prepared["is_return"]
        .astype(bool)
        .groupby([prepared["customer_id"], prepared["_product"]], sort=False, dropna=False)
        .transform("any")
        .to_numpy(dtype=bool)
    )
    keep = [*columns, "netted_amount", "_status", "_sign", "_order_id"]
    parts = [prepared.loc[~touched].assign(netted_amount=0.0, _status=0)[keep]]
    if touched.any():
        matched = _match_prepared(nw.from_native(prepared.loc[touched], eager_only=True), columns)
        parts.append(matched.to_native()[keep])
    full = pd.concat([p for p in parts if len(p)] or parts[:1]).sort_index()
    table, orders = _matching_table(nw.from_native(full, eager_only=True), columns)
    out = full[[*columns, "netted_amount"]]
    out.index = index
    return out, table, orders


def _rule_table(cancellations: str, drop_duplicates: bool, counts: dict) -> pd.DataFrame:
    rows = []
    for rule in _RULES:
        if rule == "cancellation":
            action = "kept (netted)" if cancellations == "net" else "dropped"
        elif rule == "duplicate" and not drop_duplicates:
            action = "kept"
        else:
            action = "dropped"
        n, revenue = counts.get(rule, (0, 0.0))
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

    The same rules as the pandas path, as engine-neutral expressions; every condition is
    null-safe (a missing quantity is not a cancellation, as in pandas).
    """

    def safe(expr: nw.Expr) -> nw.Expr:
        return expr.fill_null(False)

    conditions: list[tuple[str, nw.Expr]] = [
        ("missing_customer_id", nw.col("customer_id").is_null())
    ]
    if test_customers is not None:
        conditions.append(
            ("test_customer", safe(nw.col("customer_id").str.contains(test_customers)))
        )
    if non_product_codes is not None and "product_code" in columns:
        code = nw.col("product_code").fill_null("")
        hit = code.is_in(list(non_product_codes))
        for p in non_product_prefixes:
            hit = hit | code.str.starts_with(p)
        conditions.append(("non_product", hit))
    is_cancel = safe(nw.col("amount") < 0)
    if "quantity" in columns:
        is_cancel = is_cancel | safe(nw.col("quantity") < 0)
    if "order_id" in columns:
        is_cancel = is_cancel | nw.col("order_id").fill_null("").str.to_uppercase().str.starts_with(
            "C"
        )
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


def _clean_any_engine(
    transactions: Any,
    *,
    cancellations: str,
    drop_duplicates: bool,
    non_product_codes: Iterable[str] | None,
    non_product_prefixes: Iterable[str],
    drop_non_positive_prices: bool,
    test_customers: str | None,
    notes: Iterable[str],
) -> tuple[Any, CleaningReport]:
    """:func:`clean_transactions` on any narwhals engine; only the report is collected."""
    eager = not isinstance(transactions, (str, os.PathLike)) and isinstance(
        nw.from_native(transactions), nw.DataFrame
    )
    lf = to_lazy(transactions)
    require_lazy_columns(lf, ["customer_id", "timestamp", "amount"], what="`transactions`")
    columns = columns_of(lf)
    _refuse_cleaned(columns)
    flagged = lf.with_columns(
        _rule_expr(
            columns,
            non_product_codes=non_product_codes,
            non_product_prefixes=non_product_prefixes,
            drop_non_positive_prices=drop_non_positive_prices,
            test_customers=test_customers,
        )
    )
    dup_code = _RULES.index("duplicate")
    cancel_code = _RULES.index("cancellation")
    keys = [c for c in columns if c != "source_row"]
    if drop_duplicates:
        # identical rows share their rule; in a group of n copies met by no earlier rule
        # (missing id, test customer), n - 1 are duplicates
        groups = flagged.group_by([*keys, "_rule"]).agg(nw.len().alias("_n"))
        in_database = lf.implementation.is_ibis() and "source_row" not in columns
        if in_database:
            # the distinct rows, counted once into a temporary table of the database: the
            # report and every analysis of the cleaned log read it instead of grouping the
            # raw table again in each of their queries
            groups = _in_database_table(groups)
        dups = (
            nw.when(nw.col("_rule").is_in(list(range(dup_code))))
            .then(nw.lit(0))
            .otherwise(nw.col("_n") - 1)
        ).alias("_dup")
    else:
        in_database = False
        groups = flagged.select("amount", "_rule").with_columns(_n=nw.lit(1))
        dups = nw.lit(0).alias("_dup")
    per_rule = collect(
        groups.with_columns(dups)
        .with_columns(_keep=nw.col("_n") - nw.col("_dup"))
        .group_by("_rule")
        .agg(
            nw.col("_keep").sum().alias("rows"),
            (nw.col("amount") * nw.col("_keep")).sum().alias("revenue"),
            nw.col("_dup").sum().alias("dup_rows"),
            (nw.col("amount") * nw.col("_dup")).sum().alias("dup_revenue"),
        )
    )
    per_rule = per_rule.fillna({"revenue": 0.0, "dup_revenue": 0.0})
    counts = {
        _RULES[int(r.rule_)]: (int(r.rows), float(r.revenue))
        for r in per_rule.rename(columns={"_rule": "rule_"}).itertuples()
        if int(r.rule_) >= 0
    }
    counts["duplicate"] = (int(per_rule["dup_rows"].sum()), math.fsum(per_rule["dup_revenue"]))
    untouched = per_rule[per_rule["_rule"] == -1]
    kept_parts = [(int(untouched["rows"].sum()), math.fsum(untouched["revenue"]))]
    if cancellations == "net":
        kept_parts.append(counts.get("cancellation", (0, 0.0)))
    if not drop_duplicates:
        counts["duplicate"] = (0, 0.0)

    keep = nw.col("_rule") == -1
    if cancellations == "net":
        keep = keep | (nw.col("_rule") == cancel_code)
    # distinct customers as a group-by: narwhals' n_unique casts a boolean to a small integer,
    # which PostgreSQL refuses
    customers = collect(
        (groups if drop_duplicates and in_database else flagged)
        .filter(keep)
        .group_by("customer_id")
        .agg(nw.len())
        .select(nw.len().alias("n"))
    )

    clean = flagged
    if drop_duplicates:
        if in_database:
            clean = groups  # one row per distinct row already
        elif "source_row" in columns:
            clean = clean.unique(keys, keep="first", order_by=["source_row"])
        else:
            clean = clean.unique(keys, keep="any")
    out_columns = [*columns, *([] if "is_return" in columns else ["is_return"])]
    clean = clean.filter(keep).with_columns(is_return=nw.col("_rule") == cancel_code)
    returns, orders = None, None
    if cancellations == "net":
        clean = _match_returns(clean.select(out_columns), out_columns)
        returns, orders = _matching_table(clean, out_columns)
    else:
        clean = clean.with_columns(netted_amount=nw.lit(0.0))
    clean = clean.select(*out_columns, "netted_amount")

    table = _rule_table(cancellations, drop_duplicates, counts)
    rows_kept = sum(n for n, _ in kept_parts)
    # matching moves revenue between kept rows; what it leaves is rounding (see `check`)
    moved = [] if returns is None else list(returns["netted"])
    revenue_kept = math.fsum(v for _, v in kept_parts)
    dropped = table.loc[table["action"] == "dropped"]
    report = CleaningReport(
        table=table,
        rows_read=rows_kept + int(dropped["rows"].sum()),
        rows_kept=rows_kept,
        revenue_read=math.fsum([revenue_kept, *dropped["revenue"]]),
        revenue_kept=math.fsum([revenue_kept, *(-v for v in moved)]),
        customers_kept=int(customers.fillna(0).iloc[0, 0]),  # SQL: NULL when nothing is kept
        notes=list(notes),
        returns=returns,
        orders_cancelled=orders,
    )
    report.check()
    if eager:
        return clean.collect(
            backend=nw.from_native(transactions).implementation
        ).to_native(), report
    return clean.to_native(), report
