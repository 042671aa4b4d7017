"""Churn scorecard: how well each score ranks the customers who make no purchase next.

:func:`churn_scorecard` splits a log into a calibration and a holdout period, labels each
calibration customer *churned* when they make no purchase in the holdout, and evaluates
scorers of that label computed from the calibration period only:

* each purchase model's :meth:`~retention_lib.clv.BetaGeoModel.p_no_purchase` over the
  holdout's length (the score :func:`retention_lib.churn_risk_list` ranks by);
* ``1 - p_alive`` of the same models, for contrast (BG/NBD counts every one-time buyer as
  alive, so it ranks them as the safest customers although they are the least likely to
  come back);
* supervised baselines (scikit-learn logistic regression and gradient boosting) on RFM
  features, trained on an *earlier* split: features up to ``training_end`` and the label
  "no purchase between ``training_end`` and ``calibration_end``", so no holdout label is
  seen in training.

Each gets the AUC, the lift in the top decile, the Brier score and a calibration table;
:mod:`retention_lib.plotting.scorecard` draws the ROC curves and the calibration.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from .._validation import (
    AssumptionWarning,
    DataValidationError,
    InputTypeError,
    require_bool,
    require_date,
    require_frame_columns,
    require_whole_number,
)
from ._rfm import holdout_split
from ._units import TIME_UNITS, UNIT_WORDS, as_timestamp
from .models import (
    BetaGeoModel,
    FitError,
    ModifiedBetaGeoModel,
    ParetoNBDModel,
    PurchaseModel,
)
from .summary import calibration_holdout_split

__all__ = ["ChurnScorecard", "churn_scorecard", "describe_churn_scorecard"]

#: Features of the supervised baselines, from a calibration summary's ``*_cal`` columns.
FEATURES = ("frequency", "recency", "T", "time_since_last", "purchase_rate", "log_spend")


@dataclasses.dataclass
class ChurnScorecard:
    """What :func:`churn_scorecard` measured.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per scorer: ``scorer, kind`` (``"model"``: a purchase model's P(no
        purchase); ``"contrast"``: ``1 - p_alive``; ``"supervised"``), ``auc``,
        ``top_decile_lift`` (churn rate among the 10% highest scores over the overall rate;
        ties at the cut shared at random), ``brier``, ``mean_score``, ``churn_rate``,
        ``n_customers``, ``note`` (why a scorer is missing, if it is). Sorted by AUC.
    calibration : pandas.DataFrame
        ``scorer, bin, lower, upper, n_customers, mean_score, churn_rate``: customers
        grouped by score in bins of equal width (empty bins left out).
    roc : pandas.DataFrame
        ``scorer, false_positive_rate, true_positive_rate``: each scorer's ROC curve.
    scores : pandas.DataFrame
        ``customer_id, churned`` and one column per scorer.
    recommended : str
        The purchase model's P(no purchase) with the highest AUC (``""`` if none fitted).
    reason : str
        Why, in a sentence computed from ``table``.
    horizon : float
        Length of the holdout in ``time_unit`` (the horizon of P(no purchase)).
    models : dict
        The scored purchase models as given (unfitted copies), by name.
    """

    table: pd.DataFrame
    calibration: pd.DataFrame
    roc: pd.DataFrame
    scores: pd.DataFrame
    recommended: str
    reason: str
    horizon: float
    time_unit: str
    calibration_end: pd.Timestamp
    observation_end: pd.Timestamp
    training_end: pd.Timestamp | None
    models: dict = dataclasses.field(default_factory=dict)

    @property
    def recommended_model(self) -> str:
        """Name (key of ``models``) of the model behind the recommended scorer."""
        return self.recommended.removesuffix(" P(no purchase)")

    def fit_recommended(self, summary: pd.DataFrame) -> PurchaseModel:
        """A fresh copy of the recommended model fitted on ``summary`` (e.g. all the data,
        to score today's customers with the score the holdout backed).

        Parameters
        ----------
        summary : pandas.DataFrame
            RFM summary (:func:`rfm_summary`) to fit the recommended model on.

        Raises
        ------
        DataValidationError
            No model was recommended (none could be fitted).
        FitError
            None of the scored models can be fitted on ``summary``.

        Warns
        -----
        AssumptionWarning
            The recommended model cannot be fitted on ``summary``, so the next best by holdout
            AUC is (the churn-risk list's reading then quotes that model's AUC).
        """
        if not self.recommended:
            raise DataValidationError(
                "The scorecard recommends no model (none could be fitted; see `table.note`)."
            )
        require_frame_columns(
            summary, ["frequency", "recency", "T"], name="summary", producer="rfm_summary"
        )
        # the recommended model first, then the others by holdout AUC: a fit that fails on
        # `summary` (it fitted on the shorter calibration period) gives way to the next one
        scored = self.table[self.table["scorer"].str.endswith(" P(no purchase)")]
        scored = scored.assign(_first=scored["scorer"] == self.recommended)
        ranked = scored.sort_values(["_first", "auc"], ascending=False, kind="stable")
        failed: list[str] = []
        for scorer, auc in zip(ranked["scorer"], ranked["auc"], strict=True):
            name = scorer.removesuffix(" P(no purchase)")
            if name not in self.models or not np.isfinite(auc):
                continue
            try:
                model = copy.deepcopy(self.models[name]).fit(summary)
            except FitError as exc:
                failed.append(f"{name}: {exc}")
                continue
            if failed:
                warnings.warn(
                    f"The recommended {self.recommended_model} could not be fitted on "
                    f"`summary` ({failed[0].split(': ', 1)[1]}); the next best by holdout AUC, "
                    f"{name} (AUC {auc:.2f}), is fitted instead.",
                    AssumptionWarning,
                    stacklevel=2,
                )
            return model
        raise FitError(
            "None of the scorecard's models could be fitted on `summary`: " + "; ".join(failed)
        )

    @property
    def recommended_auc(self) -> float:
        """Holdout AUC of the recommended scorer (NaN if none)."""
        hit = self.table.loc[self.table["scorer"] == self.recommended, "auc"]
        return float(hit.iloc[0]) if len(hit) else math.nan

    def __repr__(self) -> str:
        best = f"{self.recommended} (AUC {self.recommended_auc:.3f})" if self.recommended else "-"
        return (
            f"<ChurnScorecard: {int(self.scores.shape[0]):,} customers, holdout "
            f"{self.horizon:g} {UNIT_WORDS[self.time_unit]}, churn rate "
            f"{self.scores['churned'].mean():.1%}; recommended {best}>"
        )


def _default_models() -> dict[str, PurchaseModel]:
    return {
        "BG/NBD": BetaGeoModel(),
        "MBG/NBD": ModifiedBetaGeoModel(),
        "Pareto/NBD": ParetoNBDModel(),
    }


def _check_models(models: Mapping[str, Any] | None) -> dict[str, PurchaseModel]:
    if models is None:
        return _default_models()
    if not isinstance(models, Mapping) or not models:
        raise InputTypeError(
            "`models` must be a dict {name: model}, e.g. {'BG/NBD': BetaGeoModel()}; "
            f"got {type(models).__name__}."
        )
    for name, model in models.items():
        if not isinstance(model, PurchaseModel):
            raise InputTypeError(
                f"`models[{name!r}]` must be a BetaGeoModel, ModifiedBetaGeoModel or "
                f"ParetoNBDModel, got {type(model).__name__}."
            )
    return dict(models)


def rfm_features(split: pd.DataFrame) -> pd.DataFrame:
    """The supervised baselines' features from a calibration summary (``*_cal`` columns):
    ``frequency, recency, T``, ``time_since_last`` (``T - recency``), ``purchase_rate``
    (``frequency / (T + 1)``) and ``log_spend`` (``log1p(monetary_value)``).

    Parameters
    ----------
    split : pandas.DataFrame
        :func:`calibration_holdout_split` output; its ``*_cal`` columns are used.
    """
    need = ["frequency_cal", "recency_cal", "T_cal", "monetary_value_cal"]
    require_frame_columns(split, need, name="split", producer="calibration_holdout_split")
    x = split["frequency_cal"].to_numpy(dtype=float)
    tx = split["recency_cal"].to_numpy(dtype=float)
    T = split["T_cal"].to_numpy(dtype=float)
    m = split["monetary_value_cal"].to_numpy(dtype=float)
    return pd.DataFrame(
        {
            "frequency": x,
            "recency": tx,
            "T": T,
            "time_since_last": T - tx,
            "purchase_rate": x / (T + 1.0),
            "log_spend": np.log1p(np.maximum(m, 0.0)),
        },
        index=split.index,
    )


def _classifiers(random_state: int) -> dict[str, Any]:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    return {
        "logistic regression": make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)),
        "gradient boosting": HistGradientBoostingClassifier(random_state=random_state),
    }


def _lift_top(score: np.ndarray, label: np.ndarray, share: float = 0.1) -> float:
    """Churn rate among the ``share`` highest scores over the overall rate; customers tied
    at the cut count with the fraction that fits (the expectation over random tie-breaks)."""
    n = len(score)
    k = share * n
    rate = label.mean()
    if n == 0 or rate == 0:
        return math.nan
    frame = pd.DataFrame({"s": score, "y": label}).groupby("s", sort=True)["y"].agg(["sum", "size"])
    frame = frame.iloc[::-1]  # highest scores first
    before = frame["size"].cumsum() - frame["size"]
    take = np.clip(k - before, 0, frame["size"])
    hits = float((frame["sum"] / frame["size"] * take).sum())
    return hits / k / rate


def _calibration_table(name: str, score: np.ndarray, label: np.ndarray, n_bins: int) -> list:
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    bins = np.clip(np.digitize(score, edges[1:-1]), 0, n_bins - 1)
    rows = []
    for b in range(n_bins):
        sel = bins == b
        if sel.any():
            rows.append(
                {
                    "scorer": name,
                    "bin": b + 1,
                    "lower": edges[b],
                    "upper": edges[b + 1],
                    "n_customers": int(sel.sum()),
                    "mean_score": float(score[sel].mean()),
                    "churn_rate": float(label[sel].mean()),
                }
            )
    return rows


def churn_scorecard(
    transactions: Any,
    *,
    calibration_end: Any,
    observation_end: Any = None,
    time_unit: str = "W",
    grain: str | None = None,
    count_zero_amounts: bool = False,
    models: Mapping[str, Any] | None = None,
    supervised: bool = True,
    training_end: Any = None,
    n_bins: int = 10,
    random_state: int = 0,
) -> ChurnScorecard:
    """Evaluate churn scores on a calibration/holdout split.

    A calibration customer *churned* when they make no purchase in the holdout (after
    ``calibration_end`` up to ``observation_end``, see
    :func:`~retention_lib.clv.calibration_holdout_split`). Each model is fitted (a copy of
    it) on the calibration summary; its P(no purchase in the holdout's length) and
    ``1 - p_alive`` are scored. With ``supervised``, a logistic regression and a gradient
    boosting classifier learn the same label from :func:`rfm_features` on an earlier
    split (features up to ``training_end``, label: no purchase from then to
    ``calibration_end``) and score the calibration features: nothing after
    ``calibration_end`` is used to train them.

    Parameters
    ----------
    transactions : DataFrame-like
        Canonical (cleaned) transaction log.
    calibration_end, observation_end : date-like
        As in :func:`~retention_lib.clv.calibration_holdout_split`.
    time_unit, grain, count_zero_amounts
        As in :func:`~retention_lib.clv.rfm_summary`.
    models : dict, optional
        ``{name: model}`` of purchase models to score (copies are fitted); defaults to
        BG/NBD, MBG/NBD and Pareto/NBD. A model that cannot be fitted gets a row with a
        ``note`` instead of figures.
    supervised : bool, default True
        Add the scikit-learn baselines.
    training_end : date-like, optional
        End of the supervised baselines' feature window. Defaults to ``calibration_end``
        minus the holdout's length, or minus half the calibration period when that is
        shorter (the label window is then shorter than the holdout, which moves the
        baselines' calibration but not their ranking much).
    n_bins : int, default 10
        Bins of the calibration table.
    random_state : int, default 0
        Seed of the gradient boosting classifier.

    Returns
    -------
    ChurnScorecard
        ``table`` (AUC, top-decile lift, Brier score per scorer), ``calibration``, ``roc``,
        ``scores`` and the ``recommended`` scorer with its ``reason``.

    Raises
    ------
    DataValidationError
        Bad dates or options, or a holdout in which every customer (or none) churned.

    Examples
    --------
    >>> from retention_lib.clv import load_cdnow
    >>> card = churn_scorecard(load_cdnow(), calibration_end="1997-09-30", grain="D",
    ...                        count_zero_amounts=True)  # doctest: +SKIP
    >>> card.recommended, round(card.recommended_auc, 2)  # doctest: +SKIP
    """
    n_bins = require_whole_number(n_bins, name="n_bins", low=2, high=100)
    supervised = require_bool(supervised, name="supervised")
    random_state = require_whole_number(random_state, name="random_state", low=0)
    training_end = require_date(training_end, name="training_end", allow_none=True)
    named = _check_models(models)
    options: dict[str, Any] = {
        "time_unit": time_unit,
        "grain": grain,
        "count_zero_amounts": count_zero_amounts,
    }
    built = holdout_split(
        transactions,
        calibration_end=calibration_end,
        observation_end=observation_end,
        engine="auto",
        **options,
    )
    split, cal_end, obs_end = built.frame, built.calibration_end, built.observation_end
    horizon = float(split["duration_holdout"].iloc[0])
    label = (split["frequency_holdout"].to_numpy() == 0).astype(int)
    if label.min() == label.max():
        raise DataValidationError(
            f"Every calibration customer {'churned' if label[0] else 'bought again'} in the "
            f"holdout ({cal_end.date()} to {obs_end.date()}), so no score can be ranked. Move "
            "`calibration_end` so that the holdout holds both."
        )
    units = {"time_unit": built.time_unit, "grain": built.grain}
    scores = pd.DataFrame({"customer_id": split["customer_id"].to_numpy(), "churned": label})
    kinds: dict[str, str] = {}
    notes: dict[str, str] = {}
    for name, model in named.items():
        try:
            fitted = copy.deepcopy(model).fit(split, **units)  # its *_cal columns
            scores[f"{name} P(no purchase)"] = fitted.p_no_purchase(split, t=horizon).to_numpy()
            scores[f"{name} 1 - P(alive)"] = 1.0 - fitted.p_alive(split).to_numpy()
        except FitError as exc:
            notes[f"{name} P(no purchase)"] = f"not fitted: {exc}"
            notes[f"{name} 1 - P(alive)"] = f"not fitted: {exc}"
        kinds[f"{name} P(no purchase)"] = "model"
        kinds[f"{name} 1 - P(alive)"] = "contrast"
    train_end = None
    if supervised:
        train_end, fitted_scores, note = _supervised_scores(
            transactions, split, cal_end, horizon, training_end, random_state, options
        )
        for name in _classifiers(random_state):
            kinds[name] = "supervised"
            if name in fitted_scores:
                scores[name] = fitted_scores[name]
            else:
                notes[name] = note
    table, calibration, roc = _evaluate(scores, kinds, notes, n_bins)
    recommended, reason = _recommend(table, horizon, time_unit)
    return ChurnScorecard(
        table=table,
        calibration=calibration,
        roc=roc,
        scores=scores,
        recommended=recommended,
        reason=reason,
        horizon=horizon,
        time_unit=time_unit,
        calibration_end=cal_end,
        observation_end=obs_end,
        training_end=train_end,
        models={name: copy.deepcopy(model) for name, model in named.items()},
    )


def _supervised_scores(
    transactions: Any,
    split: pd.DataFrame,
    cal_end: pd.Timestamp,
    horizon: float,
    training_end: Any,
    random_state: int,
    options: dict,
) -> tuple[pd.Timestamp | None, dict[str, np.ndarray], str]:
    """Fit the baselines on features up to ``training_end`` and the label of the window
    from there to ``calibration_end``; score the calibration features."""
    days = TIME_UNITS[options["time_unit"]]
    if training_end is None:
        span = float(split["T_cal"].max())
        window = min(horizon, span / 2)
        train_end = (cal_end - pd.Timedelta(days=window * days)).normalize()
    else:
        train_end = as_timestamp(training_end, "training_end")
        if train_end >= cal_end:
            raise DataValidationError(
                f"`training_end` ({train_end.date()}) must be before `calibration_end` "
                f"({cal_end.date()}): the baselines learn from an earlier window."
            )
    try:
        train = calibration_holdout_split(
            transactions, calibration_end=train_end, observation_end=cal_end, **options
        )
    except DataValidationError as exc:
        return train_end, {}, f"no earlier window to train on: {exc}"
    y = (train["frequency_holdout"].to_numpy() == 0).astype(int)
    if len(y) < 20 or y.min() == y.max():
        return (
            train_end,
            {},
            (
                f"the training window ({train_end.date()} to {cal_end.date()}) has "
                f"{len(y)} customers, {int(y.sum())} of them churned: too few to learn from"
            ),
        )
    X, X_new = rfm_features(train), rfm_features(split)
    out = {}
    for name, classifier in _classifiers(random_state).items():
        with warnings.catch_warnings():
            # sklearn's numerical warnings are about the optimiser, not the user's data
            warnings.simplefilter("ignore", RuntimeWarning)
            classifier.fit(X.to_numpy(), y)
            out[name] = classifier.predict_proba(X_new.to_numpy())[:, 1]
    return train_end, out, ""


def _evaluate(
    scores: pd.DataFrame, kinds: dict[str, str], notes: dict[str, str], n_bins: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    from sklearn.metrics import roc_auc_score, roc_curve

    label = scores["churned"].to_numpy()
    rows, calibration, roc = [], [], []
    for name, kind in kinds.items():
        row = {"scorer": name, "kind": kind, "churn_rate": float(label.mean())}
        if name not in scores:
            rows.append({**row, "n_customers": len(label), "note": notes.get(name, "")})
            continue
        s = scores[name].to_numpy(dtype=float)
        fpr, tpr, _ = roc_curve(label, s)
        roc.append(
            pd.DataFrame({"scorer": name, "false_positive_rate": fpr, "true_positive_rate": tpr})
        )
        calibration += _calibration_table(name, s, label, n_bins)
        rows.append(
            {
                **row,
                "auc": float(roc_auc_score(label, s)),
                "top_decile_lift": _lift_top(s, label),
                "brier": float(np.mean((s - label) ** 2)),
                "mean_score": float(s.mean()),
                "n_customers": len(label),
                "note": "",
            }
        )
    columns = ["scorer", "kind", "auc", "top_decile_lift", "brier", "mean_score", "churn_rate",
               "n_customers", "note"]  # fmt: skip
    table = pd.DataFrame(rows).reindex(columns=columns)
    table = table.sort_values("auc", ascending=False, kind="stable", na_position="last")
    calibration_columns = ["scorer", "bin", "lower", "upper", "n_customers", "mean_score",
                           "churn_rate"]  # fmt: skip
    return (
        table.reset_index(drop=True),
        pd.DataFrame(calibration, columns=calibration_columns),
        pd.concat(roc, ignore_index=True)
        if roc
        else pd.DataFrame(columns=["scorer", "false_positive_rate", "true_positive_rate"]),
    )


#: AUCs closer than this are a tie (the third decimal of the AUC is noise on a holdout)
_TIE = 5e-4


def _recommend(table: pd.DataFrame, horizon: float, time_unit: str) -> tuple[str, str]:
    models = table[(table["kind"] == "model") & table["auc"].notna()]
    if models.empty:
        return "", "No purchase model could be fitted, so none is recommended."
    best = models.iloc[0]
    tied = models.iloc[1:][(best["auc"] - models["auc"].iloc[1:]) < _TIE]["scorer"]
    how = "best"
    if len(tied):
        names = ", ".join(n.removesuffix(" P(no purchase)") for n in tied)
        how = f"best, tied with {names} (their fits differ too little to tell them apart)"
    reason = (
        f"{best['scorer']}: of the purchase models, its probability of no purchase in the next "
        f"{horizon:g} {UNIT_WORDS[time_unit]} ranked the holdout's non-buyers {how} "
        f"(AUC {best['auc']:.2f}; 0.5 is a coin toss)."
    )
    return str(best["scorer"]), reason


def describe_churn_scorecard(card: ChurnScorecard) -> str:
    """A plain-language reading of a scorecard, computed from its numbers.

    Says which score is recommended and its AUC and top-decile lift, how ``1 - p_alive``
    compares, and whether a supervised baseline ranks better or worse.

    Parameters
    ----------
    card : ChurnScorecard
        Output of :func:`churn_scorecard`.

    Examples
    --------
    >>> describe_churn_scorecard(card)  # doctest: +SKIP
    'BG/NBD P(no purchase) ranks ... with AUC 0.78 ...'
    """
    if not isinstance(card, ChurnScorecard):
        raise InputTypeError(
            f"`card` must be a ChurnScorecard (the output of `churn_scorecard`), got "
            f"{type(card).__name__}."
        )
    t = card.table.set_index("scorer")
    unit = UNIT_WORDS[card.time_unit]
    rate = float(card.scores["churned"].mean())
    head = (
        f"{rate:.0%} of {len(card.scores):,} customers made no purchase in the "
        f"{card.horizon:g}-{unit[:-1]} holdout."
    )
    if not card.recommended:
        return head + " " + card.reason
    best = t.loc[card.recommended]
    parts = [
        head,
        f"{card.recommended} ranks them with AUC {best['auc']:.2f} (0.5 is a coin toss, 1 is "
        f"perfect); its top 10% hold {best['top_decile_lift']:.1f}x the average share of "
        "non-buyers.",
    ]
    contrast = card.recommended.replace("P(no purchase)", "1 - P(alive)")
    if contrast in t.index and np.isfinite(t.loc[contrast, "auc"]):
        auc = t.loc[contrast, "auc"]
        verdict = "worse than a coin toss" if auc < 0.5 else f"{best['auc'] - auc:.2f} lower"
        parts.append(f"1 - P(alive) of the same model ranks them with AUC {auc:.2f} ({verdict})")
        if t.loc[contrast, "mean_score"] < 0.01:
            parts[-1] += ": this fit puts P(alive) near 1 for nearly everyone"
        parts[-1] += "."
    failed = t[t["auc"].isna() & (t["kind"] == "model")].index
    if len(failed):
        names = ", ".join(n.replace(" P(no purchase)", "") for n in failed)
        parts.append(f"Not fitted: {names} (see the scorecard's `note`).")
    supervised = t[(t["kind"] == "supervised") & t["auc"].notna()]
    if len(supervised):
        name = supervised["auc"].idxmax()
        gap = supervised.loc[name, "auc"] - best["auc"]
        if gap > 0.01:
            parts.append(
                f"A {name} on RFM features ranks better (AUC {supervised.loc[name, 'auc']:.2f}): "
                "the model's score leaves signal unused."
            )
        elif gap < -0.01:
            parts.append(
                f"The best supervised baseline ({name}) ranks worse (AUC "
                f"{supervised.loc[name, 'auc']:.2f})."
            )
        else:
            parts.append(
                f"A {name} on RFM features ranks about as well (AUC "
                f"{supervised.loc[name, 'auc']:.2f})."
            )
    return " ".join(parts)
