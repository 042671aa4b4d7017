"""RFM scores and named segments, and the churn-risk list ("alerts") for a CRM.

RFM scores rank every customer on Recency (days since the last purchase; recent = high
score), Frequency (number of orders) and Monetary value (net revenue) into five
equal-sized quantile bins, 1 (worst) to 5 (best). Ties are broken by a fixed hash of
``customer_id`` so each bin gets its share of customers even when many customers share a
value (e.g. most customers bought once), and the result never depends on row order.

Named segments come from an editable map of score ranges (:data:`DEFAULT_SEGMENT_MAP`),
the classic R x F grid extended with "Lost".
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import narwhals as nw
import numpy as np
import pandas as pd

from . import _reading as say
from ._backend import collect, columns_of, to_lazy
from ._schema import PERIOD_WORDS, comparable, few, purchase_expr
from ._validation import (
    AssumptionWarning,
    DataValidationError,
    InputTypeError,
    SmallSampleWarning,
    require_choice,
    require_column_name,
    require_columns,
    require_date,
    require_frame,
    require_frame_columns,
    require_in_range,
    require_one_row_per_customer,
    require_path,
    require_sequence_of_str,
    require_str,
    require_whole_number,
)
from .clv.scorecard import ChurnScorecard
from .groups import MIN_GROUP_CUSTOMERS
from .pareto import customer_values

__all__ = [
    "ChurnRiskList",
    "DEFAULT_SEGMENT_MAP",
    "churn_risk_list",
    "describe_churn_risk",
    "describe_segments",
    "export_churn_risk",
    "rfm_scores",
    "segment_map_table",
    "segment_summary",
]

N_SCORES = 5

#: Named RFM segments as score ranges ``{"r": (low, high), "f": (low, high)}``
#: (inclusive; an ``"m"`` range may be added). The first matching rule wins. Together
#: they cover all 25 R x F cells. Copy and edit it to change the segments::
#:
#:     my_map = dict(rl.DEFAULT_SEGMENT_MAP)
#:     my_map["Can't lose them"] = {"r": (1, 2), "f": (4, 5), "m": (4, 5)}
DEFAULT_SEGMENT_MAP: dict[str, dict[str, tuple[int, int]]] = {
    "Champions": {"r": (5, 5), "f": (4, 5)},
    "Loyal": {"r": (3, 4), "f": (4, 5)},
    "Potential loyalists": {"r": (4, 5), "f": (2, 3)},
    "New": {"r": (5, 5), "f": (1, 1)},
    "Promising": {"r": (4, 4), "f": (1, 1)},
    "Need attention": {"r": (3, 3), "f": (3, 3)},
    "About to sleep": {"r": (3, 3), "f": (1, 2)},
    "At risk": {"r": (1, 2), "f": (3, 4)},
    "Can't lose them": {"r": (1, 2), "f": (5, 5)},
    "Hibernating": {"r": (2, 2), "f": (1, 2)},
    "Lost": {"r": (1, 1), "f": (1, 2)},
}

_OTHER = "Other"


# --------------------------------------------------------------------------- scores


def _tie_key(ids: pd.Series) -> np.ndarray:
    """A fixed pseudo-random order of customer ids (pandas' keyed hash, same every run)."""
    return pd.util.hash_array(ids.astype(str).to_numpy(dtype=object))


def _quantile_scores(values: pd.Series, ids: pd.Series, *, higher_is_better: bool) -> np.ndarray:
    """Scores 1..5 in equal-sized bins of a stable rank.

    Ties are broken by a fixed hash of the customer id (then the id itself): deterministic
    and independent of row order, yet not tied to how ids were issued (sequential ids
    would otherwise put early customers in the low bins).
    """
    n = len(values)
    frame = pd.DataFrame({"v": comparable(values), "h": _tie_key(ids), "id": ids.to_numpy()})
    # ascending order of "goodness": worst first
    order = frame.sort_values(
        ["v", "h", "id"], ascending=[higher_is_better, True, True], kind="stable"
    ).index.to_numpy()
    rank = np.empty(n, dtype="int64")
    rank[order] = np.arange(n)
    # score = floor(rank * 5 / n) + 1 puts n/5 customers in each bin
    return (rank * N_SCORES // n + 1).astype("int64")


def _tie_warning(values: pd.Series, scores: np.ndarray, name: str, group: str) -> None:
    """Warn when one tied value fills three or more score levels."""
    spans = pd.DataFrame({"v": comparable(values), "s": scores}).groupby("v")["s"].nunique()
    wide = spans[spans >= 3]
    if len(wide):
        v = wide.index[0]
        share = float((comparable(values) == v).mean())
        v = v.item() if hasattr(v, "item") else v
        warnings.warn(
            f"{share:.0%} of customers{group} share `{name}` = {v!r}, spread over "
            f"{int(wide.iloc[0])} {name[0].upper()} scores at random (a fixed hash of the "
            f"customer id) rather than by behaviour. Read those scores as one group, or segment on the other scores.",
            AssumptionWarning,
            stacklevel=3,
        )


def _check_segment_map(segment_map: Mapping[str, Mapping[str, Any]]) -> dict:
    if not isinstance(segment_map, Mapping) or not segment_map:
        raise InputTypeError(
            "`segment_map` must be a non-empty dict {segment name: {'r': (low, high), "
            "'f': (low, high)}}; start from a copy of `DEFAULT_SEGMENT_MAP`."
        )
    clean = {}
    for name, rule in segment_map.items():
        if not isinstance(rule, Mapping) or not rule:
            raise DataValidationError(
                f"`segment_map[{name!r}]` must be a dict such as {{'r': (4, 5), 'f': (1, 2)}}; "
                f"got {rule!r}."
            )
        parsed = {}
        for key, rng in rule.items():
            if key not in ("r", "f", "m"):
                raise DataValidationError(
                    f"`segment_map[{name!r}]` has key {key!r}; use 'r', 'f' or 'm'."
                )
            try:
                lo, hi = (int(x) for x in rng)
            except (TypeError, ValueError):
                raise DataValidationError(
                    f"`segment_map[{name!r}][{key!r}]` must be a (low, high) pair of scores; "
                    f"got {rng!r}."
                ) from None
            if not 1 <= lo <= hi <= N_SCORES:
                raise DataValidationError(
                    f"`segment_map[{name!r}][{key!r}]` = {rng!r} must satisfy "
                    f"1 <= low <= high <= {N_SCORES}."
                )
            parsed[key] = (lo, hi)
        clean[str(name)] = parsed
    return clean


def _assign_segments(scores: pd.DataFrame, segment_map: dict) -> pd.Series:
    seg = pd.Series(_OTHER, index=scores.index, dtype="object")
    free = pd.Series(True, index=scores.index)
    for name, rule in segment_map.items():
        hit = free.copy()
        for key, (lo, hi) in rule.items():
            s = scores[f"{key}_score"]
            hit &= (s >= lo) & (s <= hi)
        seg[hit] = name
        free &= ~hit
    return seg


def segment_map_table(segment_map: Mapping[str, Mapping[str, Any]] | None = None) -> pd.DataFrame:
    """The segment map as a table, one row per segment.

    Parameters
    ----------
    segment_map : dict, optional
        Defaults to :data:`DEFAULT_SEGMENT_MAP`.

    Returns
    -------
    pandas.DataFrame
        ``segment, r_scores, f_scores, m_scores`` (ranges like ``"4-5"``, ``"any"``).

    Examples
    --------
    >>> segment_map_table().iloc[0].tolist()
    ['Champions', '5', '4-5', 'any']
    """
    seg_map = _check_segment_map(DEFAULT_SEGMENT_MAP if segment_map is None else segment_map)

    def fmt(rng: tuple[int, int] | None) -> str:
        if rng is None or rng == (1, N_SCORES):
            return "any"
        return str(rng[0]) if rng[0] == rng[1] else f"{rng[0]}-{rng[1]}"

    return pd.DataFrame(
        [
            {"segment": n, **{f"{k}_scores": fmt(r.get(k)) for k in ("r", "f", "m")}}
            for n, r in seg_map.items()
        ]
    )


def _observation_day(observation_end: Any, last: pd.Series) -> pd.Timestamp:
    day = require_date(observation_end, name="observation_end", allow_none=True)
    if day is None:
        return last.max().normalize()
    day = day.normalize()
    late = last.dt.normalize() > day
    if late.any():
        raise DataValidationError(
            f"`observation_end` {day.date()} is before the last purchase of {int(late.sum())} "
            f"customer(s) (latest {last.max().date()}). Pass a later date, or filter the "
            "transactions to those on or before it."
        )
    return day


def rfm_scores(
    transactions: Any,
    *,
    observation_end: Any = None,
    by: str | None = None,
    segment_map: Mapping[str, Mapping[str, Any]] | None = None,
) -> pd.DataFrame:
    """Recency, frequency and monetary scores 1-5 with a named segment per customer.

    Parameters
    ----------
    transactions : DataFrame-like
        Canonical transaction log (pandas, polars, DuckDB relation, ...).
    observation_end : date-like, optional
        The last day observed (inclusive): recency is measured from it. Defaults to the day
        of the latest purchase in the data (so recency 0 = bought on that day).
    by : str, optional
        Score within each group (e.g. ``"region"``): scores are then relative to the
        group's customers. A customer active in two groups is scored in each.
    segment_map : dict, optional
        ``{segment: {"r": (low, high), "f": (low, high)[, "m": (low, high)]}}``, first
        match wins; defaults to :data:`DEFAULT_SEGMENT_MAP`. Customers matching no rule
        get ``"Other"`` (with a warning).

    Returns
    -------
    pandas.DataFrame
        One row per customer (with at least one purchase): ``[by], customer_id,
        recency_days, n_orders, monetary, r_score, f_score, m_score, rfm_score`` (e.g.
        ``"545"``), ``rfm_total`` (R + F + M), ``segment``. ``n_orders`` counts all orders
        (the first included; the F score ranks it, unlike ``rfm_summary``'s ``frequency``,
        which counts repeat periods),
        ``monetary`` is net revenue. Scores are quantile bins of a stable rank: with
        ``n`` customers each score holds ``n/5`` of them; recency is reversed (most recent
        = 5). Tied customers are ordered by a fixed hash of their id, so equal values
        can get neighbouring scores.

    Warns
    -----
    SmallSampleWarning
        Fewer than 5 customers (in a group): some scores stay empty.
    AssumptionWarning
        One value (e.g. 1 order) fills three or more score levels, so those levels are
        split at random (by a fixed hash of the customer id), not by behaviour; or customers
        with returns only were left out.

    Examples
    --------
    >>> scores = rfm_scores(tx)  # doctest: +SKIP
    >>> scores["segment"].value_counts()  # doctest: +SKIP
    """
    seg_map = _check_segment_map(DEFAULT_SEGMENT_MAP if segment_map is None else segment_map)
    cust = customer_values(transactions, by=by)
    no_purchase = cust["n_orders"] == 0
    if no_purchase.any():
        warnings.warn(
            f"{int(no_purchase.sum())} customer(s) have returns but no purchase "
            f"({few(cust.loc[no_purchase, 'customer_id'])}); they get no RFM score. "
            "Either every order they placed was returned in full (see the cleaning report's "
            "`returns`), or their returns refer to purchases before the data starts.",
            AssumptionWarning,
            stacklevel=2,
        )
        cust = cust[~no_purchase]
    if len(cust) == 0:
        raise DataValidationError(
            "`transactions` has no purchase (row with `amount` > 0), so there is nothing to "
            "score. Check the sign of `amount`."
        )
    day = _observation_day(observation_end, cust["last_purchase"])
    cust = cust.assign(
        recency_days=(day - cust["last_purchase"].dt.normalize()).dt.days.astype("int64"),
        monetary=cust["revenue"],
    )
    parts = []
    groups = (
        [("", cust)]
        if by is None
        else [(f" in `{by}` = {k!r}", g) for k, g in cust.groupby(by, sort=True)]
    )
    for label, g in groups:
        g = g.copy()
        if len(g) < N_SCORES:
            warnings.warn(
                f"Only {len(g)} customer(s){label}: the data cannot fill the {N_SCORES} RFM "
                f"scores, so scores {len(g) + 1}-{N_SCORES} stay empty. Score a larger group "
                "(drop `by`) or read the scores as ranks.",
                SmallSampleWarning,
                stacklevel=2,
            )
        for key, col, better in (
            ("r", "recency_days", False),
            ("f", "n_orders", True),
            ("m", "monetary", True),
        ):
            g[f"{key}_score"] = _quantile_scores(g[col], g["customer_id"], higher_is_better=better)
            if len(g) >= N_SCORES:
                _tie_warning(g[col], g[f"{key}_score"].to_numpy(), col, label)
        parts.append(g)
    out = pd.concat(parts, ignore_index=True)
    out["rfm_score"] = (
        out["r_score"].astype(str) + out["f_score"].astype(str) + out["m_score"].astype(str)
    )
    out["rfm_total"] = out["r_score"] + out["f_score"] + out["m_score"]
    out["segment"] = _assign_segments(out, seg_map)
    other = out["segment"] == _OTHER
    if other.any():
        warnings.warn(
            f"{int(other.sum())} customer(s) match no rule of `segment_map` (e.g. RFM "
            f"{out.loc[other, 'rfm_score'].iloc[0]}) and are labelled 'Other'. Add a rule "
            "covering them.",
            AssumptionWarning,
            stacklevel=2,
        )
    names = [*seg_map, _OTHER]
    out["segment"] = pd.Categorical(out["segment"], categories=names, ordered=True)
    cols = [
        *([by] if by else []),
        "customer_id",
        "recency_days",
        "n_orders",
        "monetary",
        "r_score",
        "f_score",
        "m_score",
        "rfm_score",
        "rfm_total",
        "segment",
    ]
    return out[cols].sort_values(cols[: 2 if by else 1], kind="stable").reset_index(drop=True)


def segment_summary(scores: pd.DataFrame, *, by: str | None = None) -> pd.DataFrame:
    """Size and value of each RFM segment.

    Parameters
    ----------
    scores : pandas.DataFrame
        Output of :func:`rfm_scores`.
    by : str, optional
        Extra grouping column present in ``scores`` (e.g. ``"region"``).

    Returns
    -------
    pandas.DataFrame
        ``[by], segment, n_customers, customer_share, monetary, value_share,
        mean_recency_days, mean_n_orders, mean_monetary``; every segment of the map is
        listed, empty ones with ``n_customers`` 0. Shares are within ``by``.

    Examples
    --------
    >>> segment_summary(rfm_scores(tx))  # doctest: +SKIP
    """
    require_frame(scores, name="scores", producer="rfm_scores")
    by = require_column_name(by)
    need = ["customer_id", "segment", "recency_days", "n_orders", "monetary"]
    require_columns(
        scores,
        need + ([by] if by else []),
        what="`scores`",
        fix="Pass the output of `rfm_scores` (with the same `by`).",
    )
    seg = scores["segment"]
    cats = (
        list(seg.cat.categories)
        if isinstance(seg.dtype, pd.CategoricalDtype)
        else sorted(seg.unique())
    )
    if _OTHER in cats and not (seg == _OTHER).any():
        cats.remove(_OTHER)
    keys = ([by] if by else []) + ["segment"]
    df = scores.assign(segment=pd.Categorical(seg.astype(str), categories=cats, ordered=True))
    out = (
        df.groupby(keys, observed=False, sort=True)
        .agg(
            n_customers=("customer_id", "size"),
            monetary=("monetary", "sum"),
            mean_recency_days=("recency_days", "mean"),
            mean_n_orders=("n_orders", "mean"),
            mean_monetary=("monetary", "mean"),
        )
        .reset_index()
    )
    if by:
        n = out.groupby(by)["n_customers"].transform("sum")
        total = out.groupby(by)["monetary"].transform("sum")
    else:
        n, total = out["n_customers"].sum(), out["monetary"].sum()
    out["customer_share"] = out["n_customers"] / n
    out["value_share"] = out["monetary"] / total
    cols = [
        *keys,
        "n_customers",
        "customer_share",
        "monetary",
        "value_share",
        "mean_recency_days",
        "mean_n_orders",
        "mean_monetary",
    ]
    return out[cols]


# --------------------------------------------------------------------------- churn risk


def _check_predictions(predictions: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(predictions, pd.DataFrame):
        raise InputTypeError(
            f"`predictions` must be a pandas DataFrame keyed by `customer_id`, got "
            f"{type(predictions).__name__}."
        )
    require_columns(
        predictions,
        ["customer_id"],
        what="`predictions`",
        fix="Pass a frame with `customer_id` and any of `p_alive`, `p_alive_previous`, `clv`.",
    )
    require_one_row_per_customer(predictions, name="predictions")
    for col in ("p_alive", "p_alive_previous"):
        if col in predictions.columns:
            v = pd.to_numeric(predictions[col], errors="coerce")
            bad = ~v.between(0, 1) & predictions[col].notna()
            if bad.any() or v.isna().sum() > predictions[col].isna().sum():
                rows = predictions.loc[bad | (v.isna() & predictions[col].notna()), "customer_id"]
                raise DataValidationError(
                    f"Column `{col}` of `predictions` must hold probabilities in [0, 1]; "
                    f"customers {few(rows)} do not. Pass `BetaGeoModel.p_alive` output."
                )
    keep = [c for c in ("customer_id", "p_alive", "p_alive_previous", "clv") if c in predictions]
    out = predictions[keep].copy()
    out["customer_id"] = out["customer_id"].astype("str")
    return out


_RANKS = ("p_no_purchase", "value_at_risk", "value")


def _model_scores(model: Any, summary: Any, horizon: Any) -> tuple[pd.DataFrame, str]:
    """``customer_id, p_no_purchase, p_alive`` from a fitted purchase model, and the horizon
    in words ("26 weeks")."""
    if not hasattr(model, "p_no_purchase"):
        raise InputTypeError(
            "`model` must be a fitted BetaGeoModel, ModifiedBetaGeoModel, ParetoNBDModel or "
            f"BetaGeoBetaBinomModel, got {type(model).__name__}."
        )
    if summary is None:
        raise DataValidationError(
            "`model` needs `summary`, the RFM summary it scores (`rfm_summary(transactions, "
            "...)` with `customer_id`, in the model's time unit)."
        )
    require_frame_columns(summary, ["customer_id"], name="summary", producer="rfm_summary")
    if horizon is None:
        raise DataValidationError(
            "`model` needs `horizon`: the number of time units (of the model) over which "
            "'no purchase' is scored, e.g. horizon=26 for half a year in weeks."
        )
    scores = pd.DataFrame(
        {
            "customer_id": summary["customer_id"].astype("str").to_numpy(),
            "p_no_purchase": model.p_no_purchase(summary, t=horizon).to_numpy(),
            "p_alive": model.p_alive(summary).to_numpy(),
        }
    )
    unit = PERIOD_WORDS.get(getattr(model, "time_unit_", None) or "", "time units")
    return scores, f"{float(horizon):g} {unit}"


def _purchase_days(transactions: Any) -> pd.DataFrame:
    """``customer_id, n_days``: distinct days with a purchase (orders minutes apart are one
    visit, so the usual gap between purchases is measured in days)."""
    lf = to_lazy(transactions)
    days = (
        lf.filter(purchase_expr(columns_of(lf)))
        .select(nw.col("customer_id"), nw.col("timestamp").dt.truncate("1d").alias("day"))
        .group_by("customer_id")
        .agg(nw.col("day").n_unique().alias("n_days"))
    )
    out = collect(days)
    out["customer_id"] = out["customer_id"].astype("str")
    return out


@dataclass(frozen=True)
class ChurnRiskList:
    """A churn-risk list (:func:`churn_risk_list`) and how it was made.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per listed customer, ranked (see :func:`churn_risk_list`).
    value : {"revenue", "clv"}
        What a customer's value is.
    rank_by : {"p_no_purchase", "value_at_risk", "value"}
        What the order follows; ``ranked_by`` says it in words.
    ranked_by : str
    model : str or None
        The purchase model behind ``p_no_purchase`` (None without one).
    horizon : float or None
        Horizon of P(no purchase), in the model's time unit.
    top_value_share : float
        Share of customers, by value, that count as high value.
    observation_end : pandas.Timestamp
        The last day observed.
    n_customers : int
        Customers in the log.
    n_high_value : int
        Customers in the top ``top_value_share`` by value (the list is those of them with
        a risk signal).
    """

    table: pd.DataFrame
    value: str
    rank_by: str
    ranked_by: str
    model: str | None
    horizon: float | None
    top_value_share: float
    observation_end: Any
    n_customers: int
    n_high_value: int

    def __len__(self) -> int:
        return len(self.table)

    def to_frame(self) -> pd.DataFrame:
        """The list as a table (a copy)."""
        return self.table.copy()

    def __repr__(self) -> str:
        return (
            f"<ChurnRiskList: {len(self.table):,} of {self.n_high_value:,} high-value "
            f"customers, ranked by {self.ranked_by}>"
        )


def churn_risk_list(
    transactions: Any,
    *,
    model: Any = None,
    summary: pd.DataFrame | None = None,
    horizon: float | None = None,
    predictions: pd.DataFrame | None = None,
    value: str = "revenue",
    rank_by: str | None = None,
    top_value_share: float = 0.2,
    p_no_purchase_above: float = 0.5,
    p_alive_below: float = 0.5,
    p_alive_drop: float = 0.2,
    overdue_factor: float = 2.0,
    min_days: int = 30,
    observation_end: Any = None,
    limit: int | None = None,
) -> ChurnRiskList:
    """Valuable customers who look like they are leaving, ranked, with the reason.

    A customer is listed when they are in the top ``top_value_share`` of customers by
    ``value`` **and** at least one risk signal fires:

    - *likely no purchase*: the model's P(no purchase in the next ``horizon``) is at least
      ``p_no_purchase_above`` (needs ``model``);
    - *low P(alive)*: ``p_alive < p_alive_below``;
    - *falling P(alive)*: ``p_alive_previous - p_alive >= p_alive_drop`` (needs
      ``predictions["p_alive_previous"]``);
    - *overdue*: days since the last purchase > ``overdue_factor`` x the customer's usual
      gap between purchase days (``(last - first day) / (days - 1)``; for customers who
      bought on one day only, the median gap of the others) and > ``min_days``.

    The list is ranked by P(no purchase) (``rank_by="p_no_purchase"``, the default with a
    model), by ``value x P(no purchase)`` (``"value_at_risk"``) or by ``value`` (the
    default without a model). P(no purchase) is the score that ranks next-period non-buyers
    (:func:`retention_lib.clv.churn_scorecard` measures it: on the CDNOW holdout, 39 + 39
    weeks, BG/NBD's ranks them with AUC 0.76 and Pareto/NBD's with 0.77, while
    ``1 - P(alive)`` of BG/NBD scores 0.32, worse than a coin toss, because BG/NBD counts
    every one-time buyer as alive).

    Parameters
    ----------
    transactions : DataFrame-like
        Canonical transaction log.
    model : fitted purchase model, optional
        A fitted :class:`~retention_lib.clv.BetaGeoModel` (or MBG/NBD, Pareto/NBD): gives
        ``p_no_purchase`` and ``p_alive`` of each customer of ``summary``.
    summary : pandas.DataFrame, optional
        The RFM summary the model scores (with ``customer_id``); needed with ``model``.
    horizon : float, optional
        Horizon of P(no purchase), in the model's time unit; needed with ``model``.
    predictions : pandas.DataFrame, optional
        Keyed by ``customer_id``, with any of ``clv``, ``p_alive_previous`` (P(alive) at an
        earlier date) and ``p_alive`` (without ``model``).
    value : {"revenue", "clv"}, default "revenue"
        Historical net revenue or predicted CLV (needs ``predictions["clv"]``).
    rank_by : {"p_no_purchase", "value_at_risk", "value"}, optional
        See above.
    top_value_share : float, default 0.2
        Share of customers, ranked by value, that count as high value.
    p_no_purchase_above, p_alive_below, p_alive_drop, overdue_factor : float
        Thresholds of the signals.
    min_days : int, default 30
        An absence shorter than this is never *overdue* (frequent buyers skip a week).
    observation_end : date-like, optional
        The last day observed (inclusive), which the time since the last purchase is
        measured to; defaults to the latest purchase day in the data.
    limit : int, optional
        Keep the first ``limit`` rows.

    Returns
    -------
    ChurnRiskList
        Its ``table``: ``priority, customer_id, value, p_no_purchase, value_at_risk,
        p_alive, p_alive_previous, days_since_last_purchase, usual_gap_days, n_orders,
        n_days, last_purchase, likely_no_purchase, low_p_alive, falling_p_alive, overdue,
        reason``. ``reason`` is a plain sentence per customer for the CRM, citing the
        numbers in the row. The other fields say how the list was made (``ranked_by`` in
        words, ``horizon``, ``model``, ``value``, ``observation_end``, ``n_customers``,
        ``n_high_value``).

    Examples
    --------
    >>> alerts = churn_risk_list(tx, model=bgnbd, summary=summary, horizon=26,
    ...                          predictions=clv[["customer_id", "clv"]], value="clv")  # doctest: +SKIP
    >>> describe_churn_risk(alerts)  # doctest: +SKIP
    >>> export_churn_risk(alerts, "churn_risk.csv")  # doctest: +SKIP
    """
    if value not in ("revenue", "clv"):
        raise DataValidationError(f"`value` must be 'revenue' or 'clv'; got {value!r}.")
    if rank_by is None:
        rank_by = "value" if model is None else "p_no_purchase"
    require_choice(rank_by, _RANKS, name="rank_by")
    if rank_by != "value" and model is None:
        raise DataValidationError(
            f"`rank_by={rank_by!r}` needs P(no purchase): pass a fitted `model` with its "
            "`summary` and a `horizon` (or rank_by='value')."
        )
    top_value_share = require_in_range(
        top_value_share, name="top_value_share", low=0, high=1, low_inclusive=False
    )
    p_no_purchase_above = require_in_range(
        p_no_purchase_above, name="p_no_purchase_above", low=0, high=1
    )
    p_alive_below = require_in_range(p_alive_below, name="p_alive_below", low=0, high=1)
    p_alive_drop = require_in_range(p_alive_drop, name="p_alive_drop", low=0, high=1)
    overdue_factor = require_in_range(
        overdue_factor, name="overdue_factor", low=0, low_inclusive=False
    )
    require_in_range(min_days, name="min_days", low=0)
    if limit is not None:
        limit = require_whole_number(limit, name="limit", low=0)
    cust = customer_values(transactions)
    cust = cust[cust["n_orders"] > 0].copy()
    if len(cust) == 0:
        raise DataValidationError("`transactions` has no purchase (row with `amount` > 0).")
    day = _observation_day(observation_end, cust["last_purchase"])
    preds = None if predictions is None else _check_predictions(predictions)
    if preds is not None:
        cust = cust.merge(preds, on="customer_id", how="left", validate="one_to_one")
    horizon_words = None
    if model is not None:
        if preds is not None and "p_alive" in preds.columns:
            raise DataValidationError(
                "`predictions` has `p_alive` and `model` gives it too; pass `p_alive` one way "
                "only, so that P(alive) and P(no purchase) come from the same model."
            )
        scores, horizon_words = _model_scores(model, summary, horizon)
        cust = cust.merge(scores, on="customer_id", how="left", validate="one_to_one")
        missing = cust["p_no_purchase"].isna()
        if missing.any():
            raise DataValidationError(
                f"{int(missing.sum())} customer(s) with a purchase are not in `summary` "
                f"({few(cust.loc[missing, 'customer_id'])}). Build the summary from the same "
                "transactions (`rfm_summary(transactions, ...)`)."
            )
    if value == "clv":
        if preds is None or "clv" not in preds.columns:
            raise DataValidationError(
                "`value='clv'` needs a `clv` column in `predictions`; pass the output of "
                "`customer_lifetime_value` (or use value='revenue')."
            )
        if cust["clv"].isna().any():
            raise DataValidationError(
                f"{int(cust['clv'].isna().sum())} customer(s) have no `clv` in `predictions` "
                f"({few(cust.loc[cust['clv'].isna(), 'customer_id'])}). Predict for every "
                "customer in `transactions`."
            )
    cust["value"] = cust[value].astype("float64")
    for col in ("p_alive", "p_alive_previous", "p_no_purchase"):
        if col not in cust.columns:
            cust[col] = np.nan
    cust["days_since_last_purchase"] = (day - cust["last_purchase"].dt.normalize()).dt.days.astype(
        "int64"
    )
    cust = cust.merge(_purchase_days(transactions), on="customer_id", how="left")
    span = (cust["last_purchase"].dt.normalize() - cust["first_purchase"].dt.normalize()).dt.days
    repeat = cust["n_days"] > 1
    gap = span / (cust["n_days"] - 1).where(repeat)
    typical = float(gap[repeat].median()) if repeat.any() else math.nan
    if not repeat.any():
        warnings.warn(
            "No customer bought on two or more days, so the usual gap between purchases is "
            "unknown and the `overdue` signal is off. Use a longer history or pass `model`.",
            AssumptionWarning,
            stacklevel=2,
        )
    cust["usual_gap_days"] = gap.where(repeat, typical)

    n = len(cust)
    ranked = cust.sort_values("customer_id", kind="stable").sort_values(
        "value", ascending=False, kind="stable"
    )
    n_top = math.ceil(top_value_share * n - 1e-9)
    high = pd.Series(False, index=cust.index)
    high[ranked.index[:n_top]] = True
    high &= cust["value"] > 0

    cust["likely_no_purchase"] = cust["p_no_purchase"] >= p_no_purchase_above - 1e-12
    cust["low_p_alive"] = cust["p_alive"] < p_alive_below
    cust["falling_p_alive"] = (cust["p_alive_previous"] - cust["p_alive"]) >= p_alive_drop - 1e-12
    cust["overdue"] = (
        cust["days_since_last_purchase"] > overdue_factor * cust["usual_gap_days"]
    ) & (cust["days_since_last_purchase"] > min_days)
    signals = ["likely_no_purchase", "low_p_alive", "falling_p_alive", "overdue"]
    out = cust[high & cust[signals].any(axis=1)].copy()
    out["value_at_risk"] = out["value"] * out["p_no_purchase"]
    out["reason"] = [
        _reason(
            r,
            value=value,
            top=top_value_share,
            horizon=horizon_words,
            above=p_no_purchase_above,
            below=p_alive_below,
            factor=overdue_factor,
            typical=typical,
        )
        for r in out.itertuples()
    ]
    keys = {
        "p_no_purchase": ["p_no_purchase", "value"],
        "value_at_risk": ["value_at_risk", "p_no_purchase"],
        "value": ["value"],
    }[rank_by]
    out = out.sort_values("customer_id", kind="stable").sort_values(
        keys, ascending=False, kind="stable"
    )
    out.insert(0, "priority", np.arange(1, len(out) + 1))
    cols = [
        "priority",
        "customer_id",
        "value",
        "p_no_purchase",
        "value_at_risk",
        "p_alive",
        "p_alive_previous",
        "days_since_last_purchase",
        "usual_gap_days",
        "n_orders",
        "n_days",
        "last_purchase",
        *signals,
        "reason",
    ]
    out = out[cols].reset_index(drop=True)
    out["n_days"] = out["n_days"].astype("int64")
    if limit is not None:
        out = out.head(limit)
    label = "revenue" if value == "revenue" else "predicted CLV"
    model_name = None if model is None else getattr(model, "_label", type(model).__name__)
    ranked_by = {
        "p_no_purchase": f"P(no purchase in the next {horizon_words}) from {model_name}",
        "value_at_risk": f"{label} x P(no purchase in the next {horizon_words}) from {model_name}",
        "value": label,
    }[rank_by]
    return ChurnRiskList(
        table=out,
        value=value,
        rank_by=rank_by,
        ranked_by=ranked_by,
        model=model_name,
        horizon=None if horizon is None else float(horizon),
        top_value_share=float(top_value_share),
        observation_end=day,
        n_customers=int(n),
        n_high_value=int(high.sum()),
    )


def _days(value: float) -> str:
    return f"{value:.1f}" if value < 10 else f"{value:.0f}"


def _reason(
    r: Any,
    *,
    value: str,
    top: float,
    horizon: str | None,
    above: float,
    below: float,
    factor: float,
    typical: float,
) -> str:
    label = "revenue" if value == "revenue" else "predicted CLV"
    parts = [f"top {top:.0%} by {label} ({r.value:,.0f})"]
    if r.likely_no_purchase:
        parts.append(
            f"P(no purchase in the next {horizon}) is {r.p_no_purchase:.0%}, at least {above:.0%}"
        )
    if r.low_p_alive:
        parts.append(f"P(alive) {r.p_alive:.2f} is below {below:.2f}")
    if r.falling_p_alive:
        parts.append(f"P(alive) fell from {r.p_alive_previous:.2f} to {r.p_alive:.2f}")
    if r.overdue:
        ratio = r.days_since_last_purchase / max(r.usual_gap_days, 1e-9)
        if r.n_days > 1:
            gap = f"the usual {_days(r.usual_gap_days)}-day gap between their purchase days"
        else:
            gap = (
                f"the median gap of {_days(typical)} days between purchase days of repeat "
                "customers (they bought on one day only)"
            )
        parts.append(
            f"no purchase for {r.days_since_last_purchase} days, {ratio:.1f}x {gap} "
            f"(threshold {factor:g}x)"
        )
        if horizon is not None and not r.likely_no_purchase:
            parts.append(
                f"the model still expects a purchase (P(no purchase in the next {horizon}) "
                f"{r.p_no_purchase:.0%})"
            )
    return "; ".join(parts)


def describe_churn_risk(alerts: ChurnRiskList, *, scorecard: Any = None) -> str:
    """A plain-language reading of a churn-risk list: how many customers, ranked by what,
    and, given a :class:`~retention_lib.clv.ChurnScorecard`, how well that score ranked
    non-buyers on a holdout.

    Parameters
    ----------
    alerts : ChurnRiskList
        Output of :func:`churn_risk_list`.
    scorecard : ChurnScorecard, optional
        The scorecard (:func:`~retention_lib.clv.churn_scorecard`) of the score the list is
        ranked by, for how well it ranked non-buyers on a holdout.

    Examples
    --------
    >>> describe_churn_risk(alerts, scorecard=card)  # doctest: +SKIP
    """
    if not isinstance(alerts, ChurnRiskList):
        raise InputTypeError(
            "`alerts` must be the `ChurnRiskList` that `churn_risk_list` returns (it records "
            f"what the list is ranked by), got {type(alerts).__name__}."
        )
    if scorecard is not None and not isinstance(scorecard, ChurnScorecard):
        raise InputTypeError(
            "`scorecard` must be a ChurnScorecard (the output of `churn_scorecard`) or None, "
            f"got {type(scorecard).__name__}."
        )
    a = alerts
    text = (
        f"{len(a.table):,} of the {a.n_high_value:,} customers in the top "
        f"{a.top_value_share:.0%} by {'revenue' if a.value == 'revenue' else 'predicted CLV'} "
        f"show a churn signal; they are ranked by {a.ranked_by}."
    )
    if scorecard is None or a.model is None:
        return text
    name = f"{a.model} P(no purchase)"
    row = scorecard.table.loc[scorecard.table["scorer"] == name]
    if row.empty or not np.isfinite(row["auc"].iloc[0]):
        return text + f" The scorecard has no AUC for {name}."
    unit = PERIOD_WORDS[scorecard.time_unit]
    text += (
        f" On a {scorecard.horizon:g}-{unit[:-1]} holdout this score ranked the customers who "
        f"made no purchase with AUC {row['auc'].iloc[0]:.2f} (0.5 is a coin toss)"
    )
    if a.horizon is not None and abs(a.horizon - scorecard.horizon) > 1e-9:
        text += f"; the list scores {a.horizon:g} {unit} ahead"
    return text + "."


def export_churn_risk(alerts: ChurnRiskList | pd.DataFrame, path: str | Path) -> Path:
    """Write the churn-risk list to a CSV file a CRM can import.

    Dates are written as ``YYYY-MM-DD``, flags as ``true``/``false``, numbers with 4
    decimals; the column order is that of :func:`churn_risk_list`.

    Parameters
    ----------
    alerts : ChurnRiskList or pandas.DataFrame
        Output of :func:`churn_risk_list` (or its ``table``).
    path : str or Path
        Destination file (folders are created).

    Returns
    -------
    pathlib.Path
        The written file.

    Examples
    --------
    >>> export_churn_risk(churn_risk_list(tx), "reports/churn_risk.csv")  # doctest: +SKIP
    """
    if isinstance(alerts, ChurnRiskList):
        alerts = alerts.table
    require_frame(alerts, name="alerts", producer="churn_risk_list")
    path = require_path(path, name="path", kind="file")
    need = ["priority", "customer_id", "reason"]
    missing = [c for c in need if c not in alerts.columns]
    if missing:
        raise DataValidationError(
            f"`alerts` is missing column(s) {', '.join(f'`{c}`' for c in missing)}. Pass the "
            "output of `churn_risk_list`."
        )
    out = alerts.copy()
    for c in out.columns:
        if out[c].dtype == bool:
            out[c] = out[c].map({True: "true", False: "false"})
    path.parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(path, index=False, date_format="%Y-%m-%d", float_format="%.4f")
    return path


# --------------------------------------------------------------------------- readings


def describe_segments(
    summary: pd.DataFrame,
    *,
    best: str = "Champions",
    slipping: tuple[str, ...] = ("At risk", "Can't lose them"),
    min_customers: int = MIN_GROUP_CUSTOMERS,
) -> str:
    """A plain-language reading of :func:`segment_summary` (without ``by``).

    Says what share of customers and of value the ``best`` segment holds, how much value
    sits in the ``slipping`` segments (customers who bought well but not recently, with
    their mean days since the last purchase), and names segments that are empty or too
    small to read (fewer than ``min_customers``). Segments missing from a custom map are
    skipped.

    Parameters
    ----------
    summary : pandas.DataFrame
        Output of :func:`segment_summary` without ``by``.
    best : str, default 'Champions'
        The segment whose share of customers and of value is named first.
    slipping : tuple of str, default ("At risk", "Can't lose them")
        Segments of customers who bought well but not recently.
    min_customers : int, default MIN_GROUP_CUSTOMERS
        Segments with fewer customers are named as too small to read.

    Returns
    -------
    str
        E.g. "Champions are 15% of customers and bring 51% of revenue. 'At risk' and 'Can't
        lose them' (661 customers) hold 9% of revenue; they last bought 150 days ago on
        average."
    """
    need = ["segment", "n_customers", "customer_share", "value_share", "mean_recency_days"]
    require_frame_columns(summary, need, name="summary", producer="segment_summary")
    best = require_str(best, name="best")
    slipping = tuple(require_sequence_of_str(slipping, name="slipping", what="segment names"))
    min_customers = require_whole_number(min_customers, name="min_customers", low=0)
    known = set(summary["segment"].astype(str))
    given = [best] if best != "Champions" else []  # the defaults may be absent from a custom map
    given += slipping if tuple(slipping) != ("At risk", "Can't lose them") else []
    unknown = [s for s in given if s not in known]
    if unknown:
        raise DataValidationError(
            f"{', '.join(repr(s) for s in unknown)} is not a segment of `summary` (segments: "
            f"{', '.join(repr(s) for s in sorted(known))}); pass `best=` and `slipping=` naming "
            "segments of the segment map."
        )
    t = summary.set_index(summary["segment"].astype(str))
    parts: list[str] = []
    if best in t.index and t.loc[best, "n_customers"] > 0:
        r = t.loc[best]
        link = "but bring" if r["value_share"] > r["customer_share"] else "and bring only"
        parts.append(
            f"{best} are {say.pct(r['customer_share'])} of customers {link} "
            f"{say.pct(r['value_share'])} of revenue."
        )
    present = [s for s in slipping if s in t.index and t.loc[s, "n_customers"] > 0]
    if present:
        rows = t.loc[present]
        n = int(rows["n_customers"].sum())
        days = float((rows["mean_recency_days"] * rows["n_customers"]).sum() / n)
        names = say.join(f"'{s}'" for s in present)
        verb = "hold" if len(present) > 1 else "holds"
        parts.append(
            f"{names} ({say.count(n, 'customer')}) {verb} {say.pct(rows['value_share'].sum())} "
            f"of revenue; they last bought {days:,.0f} days ago on average."
        )
    empty = t.index[t["n_customers"] == 0].tolist()
    if empty:
        parts.append(
            f"Empty: {say.join(empty)} (no customer falls in their score cells"
            + (
                "; 'New' stays empty when nobody made a first purchase recently"
                if "New" in empty
                else ""
            )
            + ")."
        )
    small = t[(t["n_customers"] > 0) & (t["n_customers"] < min_customers)]
    if len(small):
        listed = say.join(f"{s} ({int(n):,})" for s, n in small["n_customers"].items())
        parts.append(f"Too small to read (fewer than {min_customers} customers): {listed}.")
    if not parts:
        return "No segment to describe."
    return " ".join(parts)
