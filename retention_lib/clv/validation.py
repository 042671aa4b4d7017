"""Model checks: holdout accuracy, calibration by frequency, cumulative tracking,
period-transaction counts, frequency/recency matrices and a customer's P(alive) history.

Every function returns a tidy frame; :mod:`retention_lib.plotting.clv` draws them.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .. import _reading as say
from .._schema import period_index_of, period_start, purchases
from .._validation import (
    DataValidationError,
    InputTypeError,
    require_bool,
    require_frame,
    require_frame_columns,
    require_in_range,
    require_transactions,
    require_whole_number,
)
from ._units import as_timestamp, check_unit, grain_scale, resolve_grain, unit_words
from .models import PurchaseModel

__all__ = [
    "GROUP_TOLERANCE",
    "TRACKING_TOLERANCE",
    "calibration_by_frequency",
    "cumulative_tracking",
    "describe_calibration_by_frequency",
    "describe_frequency_recency",
    "describe_holdout",
    "describe_p_alive_history",
    "describe_period_transactions",
    "describe_tracking",
    "frequency_recency_matrix",
    "holdout_predictions",
    "holdout_report",
    "p_alive_history",
    "period_transactions",
]


def _check_model(model: Any) -> None:
    if not isinstance(model, PurchaseModel):
        raise InputTypeError(
            "`model` must be a fitted BetaGeoModel, ParetoNBDModel or ModifiedBetaGeoModel, "
            f"got {type(model).__name__}."
        )
    model._check_fitted()


def _model_unit(model: PurchaseModel, time_unit: Any, grain: Any) -> tuple[str, str]:
    """The model's time unit and grain; an explicit ``time_unit`` or ``grain`` must agree with
    them (the model's rates are per its own unit)."""
    unit = model._own_unit()
    if time_unit is not None and time_unit != unit:
        raise DataValidationError(
            f"`time_unit={time_unit!r}` differs from the model's unit: it was fitted in "
            f"{unit_words(unit)} ({unit!r}), and its rates are per {unit_words(unit)[:-1]}. "
            "Leave `time_unit` out, or refit the model on a summary in the unit you want."
        )
    model_grain = getattr(model, "grain_", None)
    if grain is not None and model_grain is not None and grain != model_grain:
        raise DataValidationError(
            f"`grain={grain!r}` differs from the model's: it counts purchases per "
            f"{model_grain!r} period (`grain_`). Leave `grain` out or refit the model."
        )
    return unit, resolve_grain(unit, grain or model_grain)


def _calibration_view(split: pd.DataFrame) -> pd.DataFrame:
    require_frame(split, name="split", producer="calibration_holdout_split")
    need = ["customer_id", "frequency_cal", "recency_cal", "T_cal", "frequency_holdout",
            "duration_holdout"]  # fmt: skip
    missing = [c for c in need if c not in split.columns]
    if missing:
        raise DataValidationError(
            f"`split` is missing column(s) {', '.join(f'`{c}`' for c in missing)}. Build it "
            "with `retention_lib.calibration_holdout_split`."
        )
    if len(split) == 0:
        raise DataValidationError(
            "`split` has no rows: no customer bought in the calibration period. Pass a later "
            "`calibration_end` to `calibration_holdout_split`."
        )
    view = pd.DataFrame(
        {
            "frequency": split["frequency_cal"].to_numpy(),
            "recency": split["recency_cal"].to_numpy(),
            "T": split["T_cal"].to_numpy(),
        },
        index=split.index,
    )
    view.attrs = dict(split.attrs)  # a split in another unit than the model's is refused
    return view


def holdout_predictions(model: PurchaseModel, split: pd.DataFrame) -> pd.DataFrame:
    """Per-customer predicted vs actual holdout purchases.

    Parameters
    ----------
    model, split
        As in :func:`holdout_report`.

    Returns
    -------
    pandas.DataFrame
        ``customer_id``, ``frequency_cal``, ``actual`` (holdout transactions), ``predicted``
        (E[Y(duration_holdout)]), ``error`` (predicted - actual).
    """
    _check_model(model)
    view = _calibration_view(split)
    duration = float(split["duration_holdout"].iloc[0])
    predicted = model.expected_purchases(view, t=duration).to_numpy()
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


def holdout_report(model: PurchaseModel, split: pd.DataFrame) -> pd.DataFrame:
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
        ``actual_total``, ``predicted_total``, ``total_error``: the relative error of the
        total, a fraction), column ``value``.

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
        "total_error": (predicted_total - actual_total) / actual_total
        if actual_total > 0
        else np.nan,
    }
    return pd.DataFrame({"value": values}).rename_axis("metric")


def calibration_by_frequency(
    model: PurchaseModel, split: pd.DataFrame, *, max_frequency: int = 7
) -> pd.DataFrame:
    """Mean actual vs predicted holdout purchases by calibration frequency (FHL 2005 fig. 4).

    Parameters
    ----------
    model, split
        As in :func:`holdout_report`.
    max_frequency : int, default 7
        Highest frequency shown on its own; larger ones are pooled into this last bucket.

    Returns
    -------
    pandas.DataFrame
        ``frequency_cal`` (0 .. max_frequency), ``or_more`` (True on the last bucket,
        ``max_frequency`` or more), ``customers``, ``actual`` and ``predicted`` (means per
        customer).
    """
    max_frequency = require_whole_number(max_frequency, name="max_frequency", low=1)
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
    out.insert(1, "or_more", out["frequency_cal"] >= max_frequency)
    return out


def cumulative_tracking(
    model: PurchaseModel,
    transactions: pd.DataFrame,
    *,
    calibration_end: Any,
    observation_end: Any = None,
    time_unit: str | None = None,
    grain: str | None = None,
    count_zero_amounts: bool = False,
) -> pd.DataFrame:
    """Actual vs expected cumulative repeat transactions, period by period (FHL 2005 fig. 2).

    The expectation sums, over customers, E[X(t - t0_i)] (the model's unconditional expected
    repeat purchases since each customer's first purchase ``t0_i``), for customers whose first
    purchase is on or before ``calibration_end``. Periods are of the model's time unit and
    purchases merge at its grain; ``time_unit`` and ``grain``, if given, must agree with them.

    Parameters
    ----------
    model : fitted purchase model
        Fitted on the calibration period of ``transactions`` (up to ``calibration_end``).
    transactions : pandas.DataFrame
        Canonical transactions (``customer_id, timestamp, amount``, and ``is_return`` if
        present).
    calibration_end : date-like
        Last day of the calibration period (inclusive); customers who first bought later are
        left out.
    observation_end : date-like, optional
        Last day shown (inclusive); defaults to the last purchase.
    time_unit : {'D', 'W', 'M'}, optional
        Must agree with the model's time unit; by default the model's.
    grain : {'D', 'W', 'M'}, optional
        Must agree with the period the model's summary merged purchases into; by default the
        model's.
    count_zero_amounts : bool, default False
        Count rows with ``amount == 0`` as purchases, as in :func:`rfm_summary`.

    Returns
    -------
    pandas.DataFrame
        ``period`` (1, 2, ...: periods of ``time_unit`` since the first purchase in the data,
        at the end of each step; the step ending on ``calibration_end`` and the last one may be
        partial, so their ``period`` is fractional), ``date`` (first day of the step),
        ``actual``, ``predicted`` (cumulative repeat transactions at the end of the step),
        ``holdout`` (bool: the step ends after ``calibration_end``). The curve reaches the last
        day of the data, and its holdout steps count exactly the holdout's repeat purchases.
    """
    _check_model(model)
    require_transactions(transactions)
    count_zero_amounts = require_bool(count_zero_amounts, name="count_zero_amounts")
    time_unit, grain = _model_unit(model, time_unit, grain)
    cal_end = as_timestamp(calibration_end, "calibration_end")
    tx = transactions
    buys = purchases(tx, count_zero_amounts=count_zero_amounts)
    end = (
        as_timestamp(observation_end, "observation_end")
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
    scale = grain_scale(grain, time_unit)
    origin = int(frame["period"].min())
    end_idx = period_index_of(end, grain)
    # tracking steps: one per time_unit, in grain periods
    step = max(int(round(1 / scale)), 1) if grain != time_unit else 1
    # the last step may be partial, and the calibration end need not fall on a step's end:
    # both are steps' ends too, so the curve reaches the end of the data and the holdout
    # part alone is read exactly from the calibration end
    ends = np.arange(origin + step - 1, end_idx + 1, step)
    ends = np.unique(np.concatenate([ends, [end_idx], [cal_idx] if cal_idx < end_idx else []]))
    ends = ends[ends >= origin].astype(np.int64)
    starts_of_steps = np.concatenate([[origin], ends[:-1] + 1])
    reps = np.sort(frame.loc[frame["repeat"] & known, "period"].to_numpy())
    actual = np.searchsorted(reps, ends, side="right")
    births, counts = np.unique(cohort.to_numpy(), return_counts=True)
    predicted = np.array(
        [
            float(
                np.sum(
                    counts
                    * model.expected_purchases_new_customer(
                        np.maximum(e + 1 - births, 0) * scale
                    ).to_numpy()
                )
            )
            for e in ends
        ]
    )
    return pd.DataFrame(
        {
            "period": (ends - origin + 1) / step,
            "date": period_start(starts_of_steps, grain).to_numpy(),
            "actual": actual.astype(float),
            "predicted": predicted,
            "holdout": ends > cal_idx,
        }
    )


def period_transactions(
    model: PurchaseModel, summary: pd.DataFrame, *, max_frequency: int = 7
) -> pd.DataFrame:
    """Observed vs expected number of customers with 0, 1, ..., max_frequency+ repeat
    transactions in the calibration period (each customer's own ``T``; FHL 2005 fig. 3;
    P(X(T) = n) from the model's :meth:`p_n_purchases`).

    Parameters
    ----------
    model : fitted purchase model
        Fitted on ``summary``.
    summary : pandas.DataFrame
        RFM summary (:func:`rfm_summary`) the model was fitted on.
    max_frequency : int, default 7
        Highest repeat count shown on its own; larger ones are pooled into this last bucket.

    Returns
    -------
    pandas.DataFrame
        ``frequency`` (last bucket = "or more"), ``actual``, ``expected`` (customers).
    """
    _check_model(model)
    require_frame_columns(summary, ["frequency", "T"], name="summary", producer="rfm_summary")
    max_frequency = require_whole_number(max_frequency, name="max_frequency", low=1)
    x, _, T = model._history(summary)
    uT, counts = np.unique(T, return_counts=True)
    params = model.params_.to_numpy()
    expected = []
    for n in range(max_frequency):
        expected.append(float(np.sum(counts * model._prob_n(params, uT, n))))
    expected.append(len(T) - sum(expected))
    observed = np.bincount(np.minimum(x.astype(int), max_frequency), minlength=max_frequency + 1)
    return pd.DataFrame(
        {"frequency": np.arange(max_frequency + 1), "actual": observed, "expected": expected}
    )


def frequency_recency_matrix(
    model: PurchaseModel,
    *,
    T: float,
    max_frequency: int = 20,
    t: float = 1.0,
    n_recency: int = 40,
) -> pd.DataFrame:
    """P(alive) and expected purchases in the next ``t`` over a (frequency, recency) grid for
    customers of age ``T`` (the lifetimes heatmaps, as a tidy frame).

    Parameters
    ----------
    model : fitted purchase model
        A fitted BetaGeoModel, ModifiedBetaGeoModel or ParetoNBDModel.
    T : float
        Age of the customers in the grid, in the model's time unit.
    max_frequency : int, default 20
        Frequencies 0 to ``max_frequency``.
    t : float, default 1.0
        Horizon of ``expected_purchases``, in the model's time unit.
    n_recency : int, default 40
        Number of recency values, evenly spaced from 0 to ``T``.

    Returns
    -------
    pandas.DataFrame
        ``frequency``, ``recency``, ``p_alive``, ``expected_purchases`` (``recency`` in the
        model's ``time_unit_``).
    """
    _check_model(model)
    T = require_in_range(T, name="T", low=0, low_inclusive=False)
    t = require_in_range(t, name="t", low=0)
    max_frequency = require_whole_number(max_frequency, name="max_frequency", low=1)
    n_recency = require_whole_number(n_recency, name="n_recency", low=2)
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
            "expected_purchases": model.expected_purchases(grid, t=t).to_numpy(),
        }
    )
    return out


def p_alive_history(
    model: PurchaseModel,
    transactions: pd.DataFrame,
    customer_id: Any,
    *,
    time_unit: str | None = None,
    grain: str | None = None,
    observation_end: Any = None,
) -> pd.DataFrame:
    """A customer's P(alive) at the end of each period since their first purchase.

    Periods are of the model's time unit and purchases merge at its grain; ``time_unit`` and
    ``grain``, if given, must agree with them.

    Parameters
    ----------
    model : fitted purchase model
        A fitted BetaGeoModel, ModifiedBetaGeoModel or ParetoNBDModel.
    transactions : pandas.DataFrame
        Canonical transactions (``customer_id, timestamp, amount``, and ``is_return``); a
        purchase is a row with ``amount > 0`` that is not flagged ``is_return``.
    customer_id : str
        The customer (ids are compared as text).
    time_unit : {'D', 'W', 'M'}, optional
        Must agree with the model's time unit; by default the model's.
    grain : {'D', 'W', 'M'}, optional
        Must agree with the period the model's summary merged purchases into; by default the
        model's.
    observation_end : date-like, optional
        Last day shown (inclusive); defaults to the last transaction in ``transactions``.

    Returns
    -------
    pandas.DataFrame
        ``date`` (end of the period), ``age`` (in ``time_unit``), ``frequency``, ``recency``,
        ``p_alive``, ``purchase`` (bool: a purchase in that period).
    """
    _check_model(model)
    require_transactions(transactions)
    if not isinstance(customer_id, str | int | np.integer):
        raise InputTypeError(
            f"`customer_id` must be one id (a str such as '17850'), got {type(customer_id).__name__}."
        )
    time_unit, grain = _model_unit(model, time_unit, grain)
    own = transactions[transactions["customer_id"].astype(str) == str(customer_id)]
    if own.empty:
        raise DataValidationError(
            f"No transactions for customer `{customer_id}`; check the id (ids are strings)."
        )
    end_ts = (
        as_timestamp(observation_end, "observation_end")
        if observation_end is not None
        else transactions["timestamp"].max()
    )
    summary_end = period_index_of(end_ts, grain)
    first = period_index_of(own["timestamp"].min(), grain)
    steps = np.arange(first, summary_end + 1)
    rows = []
    buys = purchases(own)
    bought = {period_index_of(ts, grain) for ts in buys["timestamp"]}
    scale = grain_scale(grain, time_unit)
    last = first
    x = 0
    for p in steps.tolist():
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


# ---------------------------------------------------------------------------------------------
# readings: the sentences under the validation tables and figures
# ---------------------------------------------------------------------------------------------

#: Relative error within which a reading says the model "tracks" or "follows" the data.
TRACKING_TOLERANCE = 0.05
#: The same for small groups of customers (calibration buckets), which are noisier.
GROUP_TOLERANCE = 0.10


def _relative_error(predicted: float, actual: float) -> float:
    return (predicted - actual) / actual if actual > 0 else np.nan


def _error_phrase(error: float, tolerance: float) -> str:
    """``"within 5% (-2.1%)"`` / ``"under-predicts by 9.4%"`` / ``"over-predicts by 12.0%"``."""
    if not say.finite(error):
        return "cannot be compared (no actual purchases)"
    if abs(error) <= tolerance:
        return f"is within {say.pct(tolerance)} of it ({error:+.1%})"
    side = "under" if error < 0 else "over"
    return (
        f"{side}-predicts by {say.pct(abs(error), 1)}, more than the {say.pct(tolerance)} tolerance"
    )


def describe_holdout(
    report: pd.DataFrame,
    *,
    duration: float | None = None,
    time_unit: str = "W",
    tolerance: float = TRACKING_TOLERANCE,
) -> str:
    """A plain-language reading of :func:`holdout_report`.

    The total is said to track the holdout only when its error is within ``tolerance``;
    otherwise the reading says the model under- or over-predicts and by how much. The
    per-customer error is set against the average actual count, and the correlation is read
    as a ranking (strong from 0.7, moderate from 0.4, weak below).

    Parameters
    ----------
    report : pandas.DataFrame
        :func:`holdout_report` output.
    duration : float, optional
        Length of the holdout in ``time_unit`` (e.g. 26 weeks), for the wording.
    time_unit : {"D", "W", "M"}
    tolerance : float, default :data:`TRACKING_TOLERANCE`

    Returns
    -------
    str
        E.g. "Over the 26-week holdout the model expected 6,151 repeat purchases; customers
        made 6,790: the model under-predicts by 9.4%, more than the 5% tolerance. ..."
    """
    require_frame_columns(report, ["value"], name="report", producer="holdout_report")
    absent = [k for k in ("predicted_total", "actual_total") if k not in report.index]
    if absent:
        raise DataValidationError(
            f"`report` has no row(s) {', '.join(f'`{k}`' for k in absent)}; pass the output "
            "of `retention_lib.holdout_report`."
        )
    if duration is not None:
        duration = require_in_range(duration, name="duration", low=0, low_inclusive=False)
    check_unit(time_unit, "time_unit")
    tolerance = require_in_range(tolerance, name="tolerance", low=0, high=1)
    r = report["value"]
    predicted, actual = float(r["predicted_total"]), float(r["actual_total"])
    span = f"the {duration:g}-{say.period_word(time_unit)} holdout" if duration else "the holdout"
    text = (
        f"Over {span} the model expected {predicted:,.0f} repeat purchases; customers made "
        f"{actual:,.0f}"
    )
    if actual <= 0:
        return text + ", so the forecast error cannot be measured."
    error = _relative_error(predicted, actual)
    if abs(error) <= tolerance:
        text += f": the total is within {say.pct(tolerance)} ({error:+.1%})."
    else:
        side, effect = ("under", "too low") if error < 0 else ("over", "too high")
        text += (
            f": the model {side}-predicts by {say.pct(abs(error), 1)}, more than the "
            f"{say.pct(tolerance)} tolerance, so forecasts and CLV built this way are likely "
            f"{effect}."
        )
    n = float(r["customers"])
    mean_actual = actual / n if n > 0 else np.nan
    text += (
        f" Per customer the typical error is {float(r['mae']):.2f} purchases (customers made "
        f"{mean_actual:.2f} on average)"
    )
    corr = float(r["correlation"])
    if not say.finite(corr):
        return text + "; with no variation in actual purchases, the ranking cannot be checked."
    strength = "well" if corr >= 0.7 else "moderately" if corr >= 0.4 else "poorly"
    return (
        text + f", and predicted and actual counts correlate at {corr:.2f}: the model ranks "
        f"customers {strength}."
    )


def describe_calibration_by_frequency(
    table: pd.DataFrame, *, tolerance: float = GROUP_TOLERANCE
) -> str:
    """A plain-language reading of :func:`calibration_by_frequency`.

    Says whether holdout purchases rise with calibration purchases, and in which groups the
    model's mean is within ``tolerance`` of the actual mean or under/over-predicts.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`calibration_by_frequency`.
    tolerance : float, default GROUP_TOLERANCE (0.10)
        Relative error within which the reading says the model follows the data.

    Returns
    -------
    str
        E.g. "Customers who bought more in the calibration period bought more in the holdout
        (1.10 on average for 0 repeat purchases, 12.69 for 7 or more). The model is within
        10% for 0 to 3 repeat purchases and under-predicts 4 (-17%), 6 (-20%) and 7+ (-24%)."
    """
    need = ["frequency_cal", "customers", "actual", "predicted"]
    require_frame_columns(table, need, name="table", producer="calibration_by_frequency")
    tolerance = require_in_range(tolerance, name="tolerance", low=0, high=1)
    t = table[table["customers"] > 0].sort_values("frequency_cal")
    if t.empty:
        return "No customer to compare."
    pooled = set(t.loc[t["or_more"].astype(bool), "frequency_cal"]) if "or_more" in t else set()

    def label(f: int) -> str:
        return f"{f}+" if f in pooled else str(f)

    first, last = t.iloc[0], t.iloc[-1]
    rising = bool(t["actual"].is_monotonic_increasing) or (
        len(t) > 2 and t["actual"].corr(t["frequency_cal"], method="spearman") >= 0.9
    )
    ends = (
        f"({first['actual']:.2f} on average for {label(int(first['frequency_cal']))} repeat "
        f"purchases, {last['actual']:.2f} for {label(int(last['frequency_cal']))})"
    )
    if len(t) < 2:
        text = f"Only one group of customers {ends}."
    elif rising:
        text = (
            "Customers who bought more in the calibration period bought more in the holdout "
            f"{ends}."
        )
    else:
        text = (
            "Holdout purchases do not rise steadily with calibration purchases "
            f"{ends}: past frequency is a weak guide here."
        )
    err = (t["predicted"] - t["actual"]) / t["actual"].where(t["actual"] > 0)
    close = t.loc[err.abs() <= tolerance, "frequency_cal"].astype(int).tolist()
    under = [(int(f), e) for f, e in zip(t["frequency_cal"], err, strict=True) if e < -tolerance]
    over = [(int(f), e) for f, e in zip(t["frequency_cal"], err, strict=True) if e > tolerance]
    if not under and not over:
        return text + f" The model follows every group within {say.pct(tolerance)}."
    parts = []
    if close:
        parts.append(
            f"is within {say.pct(tolerance)} for {say.join(label(f) for f in close)} repeat "
            "purchases"
        )
    if under:
        parts.append("under-predicts " + say.join(f"{label(f)} ({e:+.0%})" for f, e in under))
    if over:
        parts.append("over-predicts " + say.join(f"{label(f)} ({e:+.0%})" for f, e in over))
    return text + " The model " + say.join(parts) + "."


def describe_tracking(table: pd.DataFrame, *, tolerance: float = TRACKING_TOLERANCE) -> str:
    """A plain-language reading of :func:`cumulative_tracking`: the end of the curve and the
    holdout part alone.

    The cumulative count includes the calibration period, so its error differs from the
    holdout-only error of :func:`holdout_report`; the reading gives both.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`cumulative_tracking`.
    tolerance : float, default TRACKING_TOLERANCE (0.05)
        Relative error within which the reading says the model follows the data.

    Returns
    -------
    str
        E.g. "By the end the model tracks 10,054 cumulative repeat purchases against 10,984
        actual: it under-predicts by 8.5%, more than the 5% tolerance. In the holdout alone it
        expected 6,150 against 6,774 (-9.2%)."
    """
    need = ["period", "actual", "predicted", "holdout"]
    require_frame_columns(table, need, name="table", producer="cumulative_tracking")
    tolerance = require_in_range(tolerance, name="tolerance", low=0, high=1)
    if table.empty:
        return "Nothing to track: no repeat purchase period."
    end = table.iloc[-1]
    text = (
        f"By the end the model tracks {end['predicted']:,.0f} cumulative repeat purchases "
        f"against {end['actual']:,.0f} actual: it "
        f"{_error_phrase(_relative_error(end['predicted'], end['actual']), tolerance)}."
    )
    cal = table[~table["holdout"].astype(bool)]
    if table["holdout"].any() and len(cal):
        c = cal.iloc[-1]
        pred, act = end["predicted"] - c["predicted"], end["actual"] - c["actual"]
        error = _relative_error(pred, act)
        text += f" In the holdout alone it expected {pred:,.0f} against {act:,.0f}"
        text += f" ({error:+.1%})." if say.finite(error) else "."
    return text


def describe_period_transactions(
    table: pd.DataFrame, *, tolerance: float = TRACKING_TOLERANCE
) -> str:
    """A plain-language reading of :func:`period_transactions`.

    The fit is read from the share of customers the model puts in another frequency group
    than observed (half the total absolute difference over the customers): within
    ``tolerance`` the model reproduces the distribution; otherwise the reading names the
    group it misses most.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`period_transactions`.
    tolerance : float, default TRACKING_TOLERANCE (0.05)
        Relative error within which the reading says the model follows the data.

    Returns
    -------
    str
        E.g. "The model reproduces how many customers made 0, 1, 2, ... repeat purchases: 4%
        of customers fall in another group than expected (largest gap: 1 repeat purchase, 869
        actual vs 793 expected)."
    """
    need = ["frequency", "actual", "expected"]
    require_frame_columns(table, need, name="table", producer="period_transactions")
    tolerance = require_in_range(tolerance, name="tolerance", low=0, high=1)
    actual = table["actual"].to_numpy(dtype=float)
    expected = table["expected"].to_numpy(dtype=float)
    n = actual.sum()
    if n <= 0:
        return "No customer to compare."
    misplaced = 0.5 * np.abs(expected - actual).sum() / n
    i = int(np.argmax(np.abs(expected - actual)))
    top = int(table["frequency"].max())
    f = int(table["frequency"].iloc[i])
    group = f"{f}{'+' if f == top else ''} repeat purchase{'' if f == 1 else 's'}"
    gap = f"(largest gap: {group}, {actual[i]:,.0f} actual vs {expected[i]:,.0f} expected)"
    if misplaced <= tolerance:
        return (
            "The model reproduces how many customers made 0, 1, 2, ... repeat purchases: "
            f"{say.pct(misplaced)} of customers fall in another group than expected {gap}."
        )
    return (
        "The model does not reproduce how many customers made 0, 1, 2, ... repeat purchases: "
        f"{say.pct(misplaced)} of customers fall in another group than expected {gap}."
    )


def describe_frequency_recency(
    grid: pd.DataFrame, *, time_unit: str = "W", flat: float = 0.9
) -> str:
    """A plain-language reading of :func:`frequency_recency_matrix` (P(alive) over the grid).

    If P(alive) stays above ``flat`` everywhere, the reading says the model sees no drop-out
    pattern; otherwise it says, for a frequent buyer, how long a pause makes them more
    likely gone than not.

    Parameters
    ----------
    grid : pandas.DataFrame
        Output of :func:`frequency_recency_matrix`.
    time_unit : {"W", "D", "M"}, default "W"
        The unit of ``recency``: the model's ``time_unit_``.
    flat : float, default 0.9
        If P(alive) stays above this everywhere on the grid, the reading says the model sees no
        drop-out.

    Returns
    -------
    str
        E.g. "At 12 repeat purchases, P(alive) falls below 50% once the last purchase is
        more than 21 weeks before the end (customers aged 53 weeks): customers who bought
        often but not recently are probably gone."
    """
    need = ["frequency", "recency", "p_alive"]
    require_frame_columns(grid, need, name="grid", producer="frequency_recency_matrix")
    flat = require_in_range(flat, name="flat", low=0, high=1)
    if grid.empty:
        return "No grid to describe."
    unit = check_unit(time_unit, "time_unit")
    word = say.period_word(unit, plural=True)
    low = float(grid["p_alive"].min())
    if low >= flat:
        return (
            f"P(alive) is at least {say.pct(low)} everywhere on this grid: the model sees no "
            "drop-out pattern, so a long pause after frequent buying does not make a customer "
            "look gone."
        )
    T = float(grid["recency"].max())
    gone = grid[(grid["p_alive"] < 0.5) & (grid["frequency"] > 0)]
    if gone.empty:
        return (
            f"P(alive) dips to {say.pct(low)} on this grid but stays above 50% for repeat "
            "buyers: a pause lowers it without making anyone more likely gone than not."
        )
    freq = int(grid["frequency"].max())
    at = grid[grid["frequency"] == freq]
    alive = at[at["p_alive"] >= 0.5]
    pause = T - float(alive["recency"].min()) if len(alive) else T
    return (
        f"On this grid, at {freq} repeat purchases, P(alive) falls below 50% once the last purchase is more "
        f"than {pause:,.0f} {word} before the end (customers aged {T:,.0f} {word}): customers "
        "who bought often but not recently are probably gone."
    )


def describe_p_alive_history(
    history: pd.DataFrame, *, customer_id: Any = None, flat: float = 0.02
) -> str:
    """A plain-language reading of :func:`p_alive_history`.

    A line that moves by less than ``flat`` is called flat (and, for a customer with no
    repeat purchase, the reading says why: the model then counts them as alive); otherwise
    it says how low P(alive) fell between purchases, whether it jumped back after them, and
    how far it has fallen since the last one.

    Parameters
    ----------
    history : pandas.DataFrame
        Output of :func:`p_alive_history`.
    customer_id : str, optional
        Named at the start of the sentence.
    flat : float, default 0.02
        A P(alive) line that moves by less than this is called flat.

    Returns
    -------
    str
        E.g. "Customer 14646: P(alive) stays at 100% throughout (from 100% to 100%, 45
        purchase periods): the model sees no sign that this customer could have left."
    """
    need = ["date", "p_alive", "purchase", "frequency"]
    require_frame_columns(history, need, name="history", producer="p_alive_history")
    flat = require_in_range(flat, name="flat", low=0, high=1)
    if history.empty:
        return "No history to describe."
    who = f"Customer {customer_id}: " if customer_id is not None else ""
    p = history["p_alive"].to_numpy(dtype=float)
    bought = history["purchase"].to_numpy(dtype=bool)
    dates = pd.to_datetime(history["date"])
    now = p[-1]
    if p.max() - p.min() < flat:
        if int(history["frequency"].iloc[-1]) == 0:
            return (
                f"{who}P(alive) stays at {say.pct(now)} throughout: with no repeat purchase, "
                "this model counts a customer as alive however long ago they bought."
            )
        lo, hi = say.pct(p.min()), say.pct(p.max())
        within = f"between {lo} and {hi}, " if lo != hi else ""
        return (
            f"{who}P(alive) stays at {say.pct(now)} throughout ({within}over "
            f"{say.count(bought.sum(), 'period')} with a purchase): the model sees no sign that this "
            "customer could have left."
        )
    steps = np.diff(p)
    jumps = int(((steps > 0) & bought[1:]).sum())
    drops = int(((steps < 0) & ~bought[1:]).sum())
    i = int(np.argmin(p))
    text = f"{who}P(alive) "
    if drops and jumps:
        text += (
            f"falls between purchases (lowest {say.pct(p[i])} on {say.day(dates[i])}) and jumps "
            "back after each"
        )
    elif drops:
        text += f"falls between purchases (lowest {say.pct(p[i])} on {say.day(dates[i])})"
    else:
        text += f"moves between {say.pct(p.min())} and {say.pct(p.max())}"
    last_buy = np.flatnonzero(bought)
    if len(last_buy) and last_buy[-1] < len(p) - 1 and p[last_buy[-1]] - now >= flat:
        j = last_buy[-1]
        text += (
            f"; since the last purchase ({say.day(dates[j])}) it has fallen from "
            f"{say.pct(p[j])} to {say.pct(now)} today."
        )
    else:
        text += f"; today it is {say.pct(now)}."
    return text
