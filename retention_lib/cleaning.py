"""Clean a canonical transaction log, accounting for every row and every unit of revenue.

Rules run in a fixed order and each row is attributed to the *first* rule that touches it,
so the :class:`CleaningReport` adds up: rows kept + rows removed = rows read, and the same
for revenue.
"""

from __future__ import annotations

import html as _html
import math
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._validation import DataValidationError, require_columns, require_frame

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
    """

    table: pd.DataFrame
    rows_read: int
    rows_kept: int
    revenue_read: float
    revenue_kept: float
    customers_kept: int
    notes: list[str] = field(default_factory=list)

    @property
    def rows_removed(self) -> int:
        return int(self.table.loc[self.table["action"] == "dropped", "rows"].sum())

    @property
    def revenue_removed(self) -> float:
        dropped = self.table.loc[self.table["action"] == "dropped", "revenue"]
        return math.fsum(dropped.to_numpy(dtype="float64"))

    def check(self, tolerance: float = 0.005) -> None:
        """Raise if rows or revenue do not add up (``tolerance`` in currency units)."""
        if self.rows_kept + self.rows_removed != self.rows_read:
            raise AssertionError(
                f"rows kept {self.rows_kept} + removed {self.rows_removed} != read {self.rows_read}"
            )
        gap = self.revenue_read - (self.revenue_kept + self.revenue_removed)
        if abs(gap) > tolerance:
            raise AssertionError(f"revenue does not add up: gap of {gap:.6f}")

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

    def __repr__(self) -> str:
        lines = [
            f"<CleaningReport: {self.rows_read:,} rows read, {self.rows_kept:,} kept, "
            f"{self.rows_removed:,} dropped; revenue {self.revenue_read:,.2f} read, "
            f"{self.revenue_kept:,.2f} kept; {self.customers_kept:,} customers>",
        ]
        for r in self.table.itertuples():
            if r.rows:
                lines.append(f"  {r.rule:<22} {r.action:<15} {r.rows:>9,} rows {r.revenue:>16,.2f}")
        lines += [f"  note: {n}" for n in self.notes]
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        table = self.summary()
        html = (
            table.style.format({"rows": "{:,}", "revenue": "{:,.2f}", "share_of_rows": "{:.1%}"})
            .hide(axis="index")
            .set_uuid("cleaning-report")
            .to_html()
        )
        notes = "".join(f"<li>{_html.escape(n).replace(chr(10), '<br>')}</li>" for n in self.notes)
        head = (
            f"<p><b>Cleaning report</b>: {self.rows_read:,} rows read, {self.rows_kept:,} kept "
            f"({self.customers_kept:,} customers).</p>"
        )
        return head + html + (f"<ul>{notes}</ul>" if notes else "")


def _is_non_product(codes: pd.Series, exact: Iterable[str], prefixes: Iterable[str]) -> pd.Series:
    codes = codes.fillna("")
    hit = codes.isin(list(exact))
    for p in prefixes:
        hit |= codes.str.startswith(p)
    return hit


def clean_transactions(
    transactions: pd.DataFrame,
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
       amount. ``cancellations="net"`` keeps them flagged ``is_return=True`` so their
       negative amount nets against the customer's revenue but they never count as a
       purchase; ``"drop"`` removes them.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Canonical log from :func:`load_transactions`.
    cancellations : {"net", "drop"}
    drop_duplicates : bool
    non_product_codes, non_product_prefixes : iterable of str
        Codes that are not products; pass ``()`` to keep every line.
    drop_non_positive_prices : bool
    test_customers : str or None
        Regular expression for test customer ids; ``None`` disables the rule.
    notes : iterable of str
        Notes from earlier steps to carry into the report.

    Returns
    -------
    clean : pandas.DataFrame
        The kept rows with an added boolean ``is_return`` column.
    report : CleaningReport
        Per-rule ``rows`` and ``revenue``; rows and revenue add up exactly.

    Examples
    --------
    >>> tx, report = clean_transactions(load_transactions(path))  # doctest: +SKIP
    >>> report.rows_kept + report.rows_removed == report.rows_read  # doctest: +SKIP
    True
    """
    require_frame(transactions)
    require_columns(transactions, ["customer_id", "timestamp", "amount"])
    if cancellations not in ("net", "drop"):
        raise DataValidationError(
            f"`cancellations` must be 'net' (keep returns as negative revenue) or 'drop'; "
            f"got {cancellations!r}."
        )
    tx = transactions
    n = len(tx)
    assigned = np.full(n, -1, dtype=np.int8)  # index into _RULES, -1 = untouched

    def mark(rule: str, mask: pd.Series | np.ndarray) -> None:
        m = np.asarray(mask, dtype=bool) & (assigned == -1)
        assigned[m] = _RULES.index(rule)

    mark("missing_customer_id", tx["customer_id"].isna().to_numpy())
    if test_customers is not None:
        ids = tx["customer_id"].fillna("")
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
        is_cancel |= tx["order_id"].fillna("").str.upper().str.startswith("C").to_numpy()
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
    clean.attrs = dict(transactions.attrs)

    report = CleaningReport(
        table=table,
        rows_read=n,
        rows_kept=int(keep.sum()),
        revenue_read=_fsum(amounts),
        revenue_kept=_fsum(clean["amount"]),
        customers_kept=int(clean["customer_id"].nunique()),
        notes=list(notes),
    )
    report.check()
    return clean, report
