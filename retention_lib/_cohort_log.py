"""The shared first step of the cohort tables (private): a log's purchases, each customer's
acquisition cohort and acquisition group, and the engine routes that count them."""

from __future__ import annotations

from functools import cached_property
from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd

from . import _cohort_cells as _cells
from . import _cohort_sql as _sql
from ._backend import (
    as_int,
    check_log,
    check_period,
    collect,
    columns_of,
    datetime_lit,
    infinite_expr,
    missing_counts,
    raise_if_missing,
    require_lazy_columns,
    to_lazy,
)
from ._schema import (
    first_purchase_attributes,
    period_index,
    period_index_of,
    period_start,
    purchase_expr,
)
from ._validation import (
    DataValidationError,
    require_column_name,
    require_date,
)


class CohortLog:
    """Shared first step: purchases, acquisition cohort and acquisition group per customer.

    The tables rest on the log's *cells*, one per (customer, calendar period) with a row in
    it. A pandas log that qualifies (``_cohort_cells.applies``) is counted by one integer
    sort in numpy, any other pandas log (e.g. with ``by``) by DuckDB scanning the frame in
    place; a DuckDB input by one SQL statement per table that reads the log once
    (``_cohort_sql``: the customer tables by one aggregation per customer with a bit mask of
    the periods bought, shared by the tables of one call); any other engine's by one narwhals query per table on that engine
    (distinct customer-periods, joined to each customer's first period). Only small
    per-cohort counts are collected.
    """

    def __init__(
        self,
        transactions: Any,
        *,
        period: str,
        by: str | None,
        observation_end: Any = None,
        keep: tuple[str, ...] = (),
    ) -> None:
        self.period = check_period(period)
        self.by = by = require_column_name(by)
        observation_end = require_date(observation_end, name="observation_end", allow_none=True)
        lf = to_lazy(transactions)
        need = ["customer_id", "timestamp", "amount"] + ([by] if by else [])
        require_lazy_columns(lf, need, what="`transactions`")
        has_return = "is_return" in columns_of(lf)
        lf = lf.select(need + (["is_return"] if has_return else []) + list(keep))
        kernel = _cells.applies(transactions, by)
        if isinstance(transactions, pd.DataFrame) and not kernel:
            lf = lf.collect().lazy(backend="duckdb")  # pandas' string group-bys are slow
        checked = ["customer_id", "timestamp", "amount"]
        stamps = (nw.col("timestamp").max(), nw.col("timestamp").min().alias("_first"))
        self._codes: pd.Series | None = None
        if by and lf.implementation.is_duckdb():
            # the checks and the groups in one pass (per group, then summed up)
            counts, groups = missing_counts(
                lf, checked, infinite_expr(lf, "amount"), *stamps, by=by, lasts=["timestamp"]
            )
            raise_if_missing(counts, checked)
            if groups.isna().any():  # a missing group is reported as check_log does
                check_log(lf, [], by=by)
            self._codes = _sql.group_codes(groups, (counts["_first"], counts["timestamp"]))
        else:
            counts = missing_counts(lf, checked, infinite_expr(lf, "amount"), *stamps)
            raise_if_missing(counts, checked)
        if by and not lf.implementation.is_duckdb():
            check_log(lf, [], by=by)  # a customer without a group would fall out of every group
        given_end = None
        if observation_end is not None:
            end = given_end = observation_end
            lf = lf.filter(nw.col("timestamp") <= datetime_lit(end, lf))
        else:
            end = counts["timestamp"]
            if pd.isna(end):
                raise DataValidationError(
                    "`transactions` has no rows. Check the filters applied before this call."
                )
            end = pd.Timestamp(end)
        self.observation_end = end
        self.last_index = period_index_of(end, period)
        nxt = period_start(pd.Series([self.last_index + 1]), period).iloc[0]
        self.last_partial = bool(end < nxt - pd.Timedelta(days=1))
        self.keys = ([by] if by else []) + ["cohort_idx"]
        self._frame = transactions if kernel else None
        self._sql = lf.implementation.is_duckdb()
        # the first period of the log, where the DuckDB route's period masks start
        self._base = (
            None if pd.isna(counts["_first"]) else period_index_of(counts["_first"], period)
        )
        self._given_end = given_end

        self.is_purchase = purchase_expr(["is_return"] if has_return else [])
        self._lf = lf

    # the narwhals queries, built on first use (a pandas input is eager in narwhals, and the
    # integer-sort route needs none of them)
    @cached_property
    def lf(self) -> nw.LazyFrame:
        return self._lf.with_columns(pidx=period_index(self.period))

    @cached_property
    def purchases(self) -> nw.LazyFrame:
        return self.lf.filter(self.is_purchase)

    @cached_property
    def cells(self) -> nw.LazyFrame:
        """Distinct (customer, period) with a purchase: a group-by, which engines run as one
        hash aggregation (narwhals' ``unique`` adds a window function)."""
        return self.purchases.group_by("customer_id", "pidx").agg(nw.len().alias("_rows"))

    @cached_property
    def customers(self) -> nw.LazyFrame:
        """``customer_id, cohort_idx[, by]``."""
        return self._customers(self.cells)

    def _customers(self, cells: nw.LazyFrame) -> nw.LazyFrame:
        """``customer_id, cohort_idx[, by]``: the first period with a purchase (from the
        purchase ``cells``) and, with ``by``, the group on the first purchase (ties: the
        smallest), fixed at acquisition."""
        by = self.by
        if not by:
            return cells.group_by("customer_id").agg(nw.col("pidx").min().alias("cohort_idx"))
        first = self.purchases.group_by("customer_id").agg(nw.col("pidx").min().alias("cohort_idx"))
        group = first_purchase_attributes(self.purchases, [by])
        return first.join(group, on="customer_id").select("customer_id", "cohort_idx", by)

    @cached_property
    def rows(self) -> Any:
        """The rows as the DuckDB relation ``_cohort_sql`` counts: ``customer_id, pidx,
        _buy`` (1 for a purchase), ``amount, timestamp[, by]``."""
        cols = ["customer_id", "pidx", "_buy", "amount", "timestamp"] + (
            [self.by] if self.by else []
        )
        return self.lf.with_columns(_buy=as_int(self.is_purchase)).select(cols).to_native()

    @cached_property
    def masks(self) -> _sql.Masks | None:
        """The DuckDB route's customers per (group, cohort, periods bought), when the log's
        span of periods fits a mask (``_cohort_sql.mask_words``); shared by the tables."""
        if not self._sql or self._base is None:
            return None
        span = self.last_index - self._base + 1
        if not _sql.mask_words(span):
            return None
        return _sql.masks(self.rows, self.by, self._base, span, self._codes)

    def _kernel_cells(self, *, revenue: bool) -> _cells.Cells | None:
        if self._frame is None:
            return None
        return _cells.cells(self._frame, period=self.period, end=self._given_end, revenue=revenue)

    def _active(self, cells: nw.LazyFrame) -> nw.LazyFrame:
        """The purchase ``cells`` with the customer's cohort (and group) and
        ``period_number``."""
        return cells.join(self._customers(cells), on="customer_id").with_columns(
            period_number=nw.col("pidx") - nw.col("cohort_idx")
        )

    def _engine_counts(self, table: str) -> pd.DataFrame | None:
        """The customer table ``table`` (``active``, ``last`` or ``churn``) by the integer
        sort, the masks or the SQL statements when the log takes one of them; else ``None``
        (the narwhals query)."""
        kernel = self._kernel_cells(revenue=False)
        if kernel is not None:
            return getattr(_cells, f"{table}_counts")(kernel)
        if self.masks is not None:
            by = (self.by,) if table == "churn" else ()  # the others read it from the keys
            return getattr(_sql, f"mask_{table}_counts")(self.masks, *by)
        if self._sql:
            return getattr(_sql, f"{table}_counts")(self.rows, self.by)
        return None

    def active_counts(self) -> pd.DataFrame:
        """Customers buying in each (cohort, period_number): ``keys, period_number,
        customers``."""
        counts = self._engine_counts("active")
        if counts is not None:
            return counts
        return collect(
            self._active(self.cells)
            .group_by(self.keys + ["period_number"])
            .agg(nw.len().alias("customers"))
        )

    def last_counts(self) -> pd.DataFrame:
        """Customers by the period_number of their last purchase: ``keys, period_number,
        customers``."""
        counts = self._engine_counts("last")
        if counts is not None:
            return counts
        return collect(
            self._active(self.cells)
            .group_by("customer_id")
            .agg(
                nw.col("period_number").max().alias("period_number"),
                *[nw.col(k).min() for k in self.keys],
            )
            .group_by(self.keys + ["period_number"])
            .agg(nw.len().alias("customers"))
        )

    def revenue_counts(self) -> tuple[pd.DataFrame, float, int]:
        """Revenue and buyers per (cohort, period_number) from the cohort's period on, and
        the revenue and rows outside every cohort."""
        kernel = self._kernel_cells(revenue=True)
        if kernel is not None:
            return _cells.revenue_counts(kernel)
        if self._sql:
            table = _sql.revenue_counts(self.rows, self.by, self._codes)
        else:
            table = collect(self._revenue_query())
        outside = table["inside"] == 0
        out = table[~outside].drop(columns=["inside", "rows"])
        return (
            out,
            float(table.loc[outside, "revenue"].sum()),
            int(table.loc[outside, "rows"].sum()),
        )

    def churn_counts(self) -> pd.DataFrame:
        """Per period (and group): ``customers_end`` buying in it, ``new`` (first purchase)
        and ``retained`` (also bought the period before)."""
        counts = self._engine_counts("churn")
        if counts is not None:
            return counts
        grp = [self.by] if self.by else []
        cells = self.cells
        prev = cells.select(
            "customer_id", (nw.col("pidx") + 1).alias("pidx"), nw.lit(1).alias("was_active")
        )
        flags = (
            self._active(cells)
            .join(prev, on=["customer_id", "pidx"], how="left")
            .with_columns(
                new=as_int(nw.col("pidx") == nw.col("cohort_idx")),
                retained=as_int(~nw.col("was_active").is_null()),
            )
        )
        return collect(
            flags.group_by(grp + ["pidx"]).agg(
                nw.len().alias("customers_end"),
                nw.col("new").sum(),
                nw.col("retained").sum(),
            )
        )

    def _revenue_query(self) -> nw.LazyFrame:
        """The narwhals query of :meth:`revenue_counts`: ``keys, period_number, inside,
        revenue, buyers, rows``."""
        every = (  # every (customer, period) with a row: revenue, rows, and a purchase flag
            self.lf.with_columns(buyers=as_int(self.is_purchase))
            .group_by("customer_id", "pidx")
            .agg(
                nw.col("amount").sum().alias("revenue"),
                nw.col("buyers").max(),
                nw.len().alias("rows"),
            )
        )
        inside = nw.col("period_number") >= 0
        return (
            every.join(
                self._customers(every.filter(nw.col("buyers") > 0)), on="customer_id", how="left"
            )
            .with_columns(period_number=nw.col("pidx") - nw.col("cohort_idx"))
            .with_columns(
                inside=as_int(inside),
                cohort_idx=nw.when(inside).then(nw.col("cohort_idx")),
                period_number=nw.when(inside).then(nw.col("period_number")),
            )
            .group_by([*self.keys, "period_number", "inside"])
            .agg(nw.col("revenue").sum(), nw.col("buyers").sum(), nw.col("rows").sum())
        )

    def sizes(self, counts: pd.DataFrame, *, last: bool = False) -> pd.DataFrame:
        """Cohort sizes from :meth:`active_counts` (period 0 holds every customer of a cohort)
        or, with ``last``, from :meth:`last_counts` (every customer has one last period)."""
        if last:
            out = counts.groupby(self.keys, dropna=False, as_index=False)["customers"].sum()
        else:
            out = counts.loc[counts["period_number"] == 0, self.keys + ["customers"]]
        out = out.rename(columns={"customers": "cohort_size"})
        if out.empty:
            self.no_purchases()
        return out.reset_index(drop=True)

    @staticmethod
    def no_purchases() -> None:
        raise DataValidationError(
            "`transactions` has no purchases (rows with `amount` > 0 that are not returns), "
            "so no cohort can be formed. Check the cleaning step and the `observation_end`."
        )

    def grid(self, sizes: pd.DataFrame) -> pd.DataFrame:
        """Every (cohort, period_number) cell from 0 to the last period, flagged observable."""
        span = self.last_index - int(sizes["cohort_idx"].min())
        k = np.arange(span + 1)
        grid = sizes.loc[sizes.index.repeat(len(k))].reset_index(drop=True)
        grid["period_number"] = np.tile(k, len(sizes))
        cell = grid["cohort_idx"] + grid["period_number"]
        grid["observable"] = cell <= self.last_index
        grid["partial"] = (cell == self.last_index) & self.last_partial
        return grid

    def finish(self, table: pd.DataFrame, min_cohort_size: int) -> pd.DataFrame:
        table["cohort"] = period_start(table["cohort_idx"], self.period).to_numpy()
        table["small_cohort"] = table["cohort_size"] < min_cohort_size
        table = table.sort_values(self.keys + ["period_number"], kind="stable")
        table = table.drop(columns="cohort_idx").reset_index(drop=True)
        table.attrs = {
            "period": self.period,
            "by": self.by,
            "observation_end": self.observation_end,
        }
        return table
