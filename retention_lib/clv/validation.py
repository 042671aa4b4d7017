"""Model checks: holdout accuracy, calibration by frequency, cumulative tracking,
period-transaction counts, frequency/recency matrices and a customer's P(alive) history.

Every function returns a tidy frame; :mod:`retention_lib.plotting.clv` draws them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._validation import DataValidationError
from . import _formulas as F
from .models import BetaGeoModel, ParetoNBDModel, _check_horizon, _PurchaseModel
from .summary import (
    _as_timestamp,
    _resolve_grain,
    _scale,
    period_index_of,
    period_start,
)

__all__ = [
    "calibration_by_frequency",
    "cumulative_tracking",
    "frequency_recency_matrix",
    "holdout_predictions",
    "holdout_report",
    "p_alive_history",
    "period_transactions",
]


def _check_model(model: Any) -> None:
    if not isinstance(model, _PurchaseModel):
        raise TypeError(
            "`model` must be a fitted BetaGeoModel, ParetoNBDModel or ModifiedBetaGeoModel, "
            f"got {type(model).__name__}."
        )
    model._check_fitted()


def _calibration_view(split: pd.DataFrame) -> pd.DataFrame:
    need = ["customer_id", "frequency_cal", "recency_cal", "T_cal", "frequency_holdout",
            "duration_holdout"]  # fmt: skip
    missing = [c for c in need if c not in split.columns]
    if missing:
        raise DataValidationError(
            f"`split` is missing column(s) {', '.join(f'`{c}`' for c in missing)}. Build it "
            "with `retention_lib.calibration_holdout_split`."
        )
    return pd.DataFrame(
        {
            "frequency": split["frequency_cal"].to_numpy(),
            "recency": split["recency_cal"].to_numpy(),
            "T": split["T_cal"].to_numpy(),
        },
        index=split.index,
    )


def holdout_predictions(model: _PurchaseModel, split: pd.DataFrame) -> pd.DataFrame:
    """Per-customer predicted vs actual holdout purchases.

    Returns
    -------
    pandas.DataFrame
        ``customer_id``, ``frequency_cal``, ``actual`` (holdout transactions), ``predicted``
        (E[Y(duration_holdout)]), ``error`` (predicted - actual).
    """
    _check_model(model)
    view = _calibration_view(split)
    duration = float(split["duration_holdout"].iloc[0])
    predicted = model.predict_purchases(view, duration).to_numpy()
    actual = split["frequency_holdout"].to_numpy(dtype=float)
    return pd.DataFrame(
        {
            "customer_id": split["customer_id"].to_numpy(),
            "frequency_cal": split["frequency_cal"].to_numpy(),
            "actual": actual,
            "predicted": predicted,
            "error": predicted - actual,
        }
    )


def holdout_report(model: _PurchaseModel, split: pd.DataFrame) -> pd.DataFrame:
    """Accuracy of holdout forecasts: per-customer MAE/RMSE/correlation and aggregate totals.

    Parameters
    ----------
    model : fitted purchase model
        Fitted on the calibration columns of ``split``.
    split : pandas.DataFrame
        :func:`calibration_holdout_split` output.

    Returns
    -------
    pandas.DataFrame
        Index ``metric`` (``customers``, ``mae``, ``rmse``, ``correlation``,
        ``actual_total``, ``predicted_total``, ``total_error_pct``), column ``value``.

    Examples
    --------
    >>> from retention_lib.clv import load_cdnow, calibration_holdout_split
    >>> split = calibration_holdout_split(load_cdnow(), calibration_end="1997-09-30",
    ...     observation_end="1998-06-30", grain="D", count_zero_amounts=True)
    >>> cal = split.rename(columns={"frequency_cal": "frequency", "recency_cal": "recency",
    ...                             "T_cal": "T"})
    >>> report = holdout_report(BetaGeoModel().fit(cal), split)
    >>> int(report.loc["actual_total", "value"])
    1882
    """
    pred = holdout_predictions(model, split)
    err = pred["error"].to_numpy()
    corr = (
        float(np.corrcoef(pred["predicted"], pred["actual"])[0, 1])
        if pred["actual"].std() > 0
        else np.nan
    )
    actual_total = float(pred["actual"].sum())
    predicted_total = float(pred["predicted"].sum())
    values = {
        "customers": float(len(pred)),
        "mae": float(np.mean(np.abs(err))),
        "rmse": float(np.sqrt(np.mean(err**2))),
        "correlation": corr,
        "actual_total": actual_total,
        "predicted_total": predicted_total,
        "total_error_pct": 100 * (predicted_total - actual_total) / actual_total
        if actual_total > 0
        else np.nan,
    }
    return pd.DataFrame({"value": values}).rename_axis("metric")


def calibration_by_frequency(
    model: _PurchaseModel, split: pd.DataFrame, *, max_frequency: int = 7
) -> pd.DataFrame:
    """Mean actual vs predicted holdout purchases by calibration frequency (FHL 2005 fig. 4).

    Returns
    -------
    pandas.DataFrame
        ``frequency_cal`` (0 .. max_frequency, the last bucket means "or more"),
        ``customers``, ``actual`` and ``predicted`` (means per customer).
    """
    pred = holdout_predictions(model, split)
    bucket = np.minimum(pred["frequency_cal"].to_numpy(), max_frequency)
    out = (
        pred.assign(frequency_cal=bucket)
        .groupby("frequency_cal")
        .agg(
            customers=("actual", "size"), actual=("actual", "mean"), predicted=("predicted", "mean")
        )
        .reset_index()
    )
    out.attrs["max_frequency"] = max_frequency
    return out


def cumulative_tracking(
    model: _PurchaseModel,
    transactions: pd.DataFrame,
    *,
    calibration_end: Any,
    observation_end: Any = None,
    time_unit: str = "W",
    grain: str | None = None,
    count_zero_amounts: bool = False,
) -> pd.DataFrame:
    """Actual vs expected cumulative repeat transactions, period by period (FHL 2005 fig. 2).

    The expectation sums, over customers, E[X(t - t0_i)] (the model's unconditional expected
    repeat purchases since each customer's first purchase ``t0_i``), for customers whose first
    purchase is on or before ``calibration_end``.

    Returns
    -------
    pandas.DataFrame
        ``period`` (1, 2, ...: periods of ``time_unit`` since the first purchase in the data),
        ``date`` (start of the period), ``actual``, ``predicted`` (cumulative repeat
        transactions at the end of the period), ``holdout`` (bool).
    """
    _check_model(model)
    grain = _resolve_grain(time_unit, grain)
    cal_end = _as_timestamp(calibration_end, "calibration_end")
    tx = transactions
    buys = tx[tx["amount"] >= 0] if count_zero_amounts else tx[tx["amount"] > 0]
    if "is_return" in buys.columns:
        buys = buys[~buys["is_return"].fillna(False).astype(bool)]
    end = (
        _as_timestamp(observation_end, "observation_end")
        if observation_end is not None
        else buys["timestamp"].max()
    )
    days = (buys["timestamp"].dt.normalize() - pd.Timestamp("1970-01-01")).dt.days.to_numpy()
    if grain == "D":
        per = days
    elif grain == "W":
        per = (days + 3) // 7
    else:
        per = (buys["timestamp"].dt.year * 12 + buys["timestamp"].dt.month - 1).to_numpy()
    frame = pd.DataFrame({"customer_id": buys["customer_id"].to_numpy(), "period": per})
    frame = frame[frame["period"] <= period_index_of(end, grain)].drop_duplicates()
    first = frame.groupby("customer_id")["period"].transform("min")
    frame["repeat"] = frame["period"] > first
    cal_idx = period_index_of(cal_end, grain)
    starts = frame.loc[~frame["repeat"], "period"]
    cohort = starts[starts <= cal_idx]
    known = frame["customer_id"].isin(
        frame.loc[~frame["repeat"] & (frame["period"] <= cal_idx), "customer_id"]
    )
    scale = _scale(grain, time_unit)
    origin = int(frame["period"].min())
    end_idx = period_index_of(end, grain)
    # tracking steps: one per time_unit, in grain periods
    step = max(int(round(1 / scale)), 1) if grain != time_unit else 1
    ends = np.arange(origin + step - 1, end_idx + 1, step)
    reps = np.sort(frame.loc[frame["repeat"] & known, "period"].to_numpy())
    actual = np.searchsorted(reps, ends, side="right")
    births, counts = np.unique(cohort.to_numpy(), return_counts=True)
    predicted = np.array(
        [
            float(
                np.sum(
                    counts
                    * model.expected_purchases_new_customer(np.maximum(e + 1 - births, 0) * scale)
                )
            )
            for e in ends
        ]
    )
    return pd.DataFrame(
        {
            "period": np.arange(1, len(ends) + 1),
            "date": period_start(ends - (step - 1), grain).to_numpy(),
            "actual": actual.astype(float),
            "predicted": predicted,
            "holdout": ends > cal_idx,
        }
    )


def period_transactions(
    model: BetaGeoModel | ParetoNBDModel, summary: pd.DataFrame, *, max_frequency: int = 7
) -> pd.DataFrame:
    """Observed vs expected number of customers with 0, 1, ..., max_frequency+ repeat
    transactions in the calibration period (each customer's own ``T``; FHL 2005 fig. 3).

    Returns
    -------
    pandas.DataFrame
        ``frequency`` (last bucket = "or more"), ``actual``, ``expected`` (customers).
    """
    _check_model(model)
    if not isinstance(model, BetaGeoModel):
        raise TypeError("`period_transactions` needs a BetaGeoModel (FHL 2005 eq. 8).")
    T = summary["T"].to_numpy(dtype=float)
    uT, counts = np.unique(T, return_counts=True)
    params = model.params_.to_numpy()
    expected = []
    for n in range(max_frequency):
        expected.append(float(np.sum(counts * F.bgnbd_prob_n(*params, uT, n))))
    expected.append(len(T) - sum(expected))
    observed = np.bincount(np.minimum(summary["frequency"].to_numpy(dtype=int), max_frequency),
                           minlength=max_frequency + 1)  # fmt: skip
    return pd.DataFrame(
        {"frequency": np.arange(max_frequency + 1), "actual": observed, "expected": expected}
    )


def frequency_recency_matrix(
    model: _PurchaseModel,
    *,
    T: float,
    max_frequency: int = 20,
    t: float = 1.0,
    n_recency: int = 40,
) -> pd.DataFrame:
    """P(alive) and expected purchases in the next ``t`` over a (frequency, recency) grid for
    customers of age ``T`` (the lifetimes heatmaps, as a tidy frame).

    Returns
    -------
    pandas.DataFrame
        ``frequency``, ``recency``, ``p_alive``, ``expected_purchases``; ``attrs["time_unit"]``
        is the model's time unit.
    """
    _check_model(model)
    T = _check_horizon(T)
    freq = np.arange(max_frequency + 1)
    rec = np.linspace(0, T, n_recency)
    ff, rr = np.meshgrid(freq, rec, indexing="ij")
    rr = np.where(ff == 0, 0.0, rr)
    grid = pd.DataFrame({"frequency": ff.ravel(), "recency": rr.ravel(), "T": T})
    out = pd.DataFrame(
        {
            "frequency": ff.ravel(),
            "recency": np.tile(rec, len(freq)),
            "p_alive": model.p_alive(grid).to_numpy(),
            "expected_purchases": model.predict_purchases(grid, t).to_numpy(),
        }
    )
    out.attrs["time_unit"] = getattr(model, "time_unit_", None)
    return out


def p_alive_history(
    model: _PurchaseModel,
    transactions: pd.DataFrame,
    customer_id: Any,
    *,
    time_unit: str = "W",
    grain: str | None = None,
    end: Any = None,
) -> pd.DataFrame:
    """A customer's P(alive) at the end of each period since their first purchase.

    Returns
    -------
    pandas.DataFrame
        ``date`` (end of the period), ``age`` (in ``time_unit``), ``frequency``, ``recency``,
        ``p_alive``, ``purchase`` (bool: a purchase in that period).
    """
    _check_model(model)
    grain = _resolve_grain(time_unit, grain)
    own = transactions[transactions["customer_id"].astype(str) == str(customer_id)]
    if own.empty:
        raise DataValidationError(
            f"No transactions for customer `{customer_id}`; check the id (ids are strings)."
        )
    end_ts = _as_timestamp(end, "end") if end is not None else transactions["timestamp"].max()
    summary_end = period_index_of(end_ts, grain)
    first = period_index_of(own["timestamp"].min(), grain)
    steps = np.arange(first, summary_end + 1)
    rows = []
    buys = own[own["amount"] > 0]
    bought = {period_index_of(ts, grain) for ts in buys["timestamp"]}
    scale = _scale(grain, time_unit)
    last = first
    x = 0
    for p in steps:
        if p in bought and p > first:
            x += 1
            last = p
        rows.append((p, (p - first) * scale, x, (last - first) * scale, p in bought))
    frame = pd.DataFrame(rows, columns=["p", "age", "frequency", "recency", "purchase"])
    view = pd.DataFrame(
        {"frequency": frame["frequency"], "recency": frame["recency"], "T": frame["age"]}
    )
    frame["p_alive"] = model.p_alive(view).to_numpy()
    frame["date"] = period_start(frame["p"], grain).to_numpy()
    return frame[["date", "age", "frequency", "recency", "p_alive", "purchase"]]
