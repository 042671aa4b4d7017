"""Model choice from the data: BG/NBD, MBG/NBD and Pareto/NBD fitted on the same calibration
period, compared side by side on it and on the holdout that follows, and one recommended
with its reason.

The rule (:func:`recommend_model`): among the models whose fit passes every diagnostic check
(converged, identified, away from boundaries, reproducing the calibration data; see
``model.diagnostics_``), the one with the lowest holdout error per customer (MAE); when
several are within 1 % of that MAE, the lowest BIC among them, and when their BICs are within
2 of each other (no evidence either way, Kass & Raftery 1995) the first of BG/NBD, MBG/NBD,
Pareto/NBD (the simplest to compute). When every model is flagged, the same rule runs over
all of them and the reason says so, with what the flags mean.

References
----------
Kass, R. E. & Raftery, A. E. (1995). Bayes factors. JASA 90(430), 773-795.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._validation import (
    DataValidationError,
    require_bool,
    require_date,
    require_frame,
    require_frame_columns,
)
from .models import BetaGeoModel, FitError, ModifiedBetaGeoModel, ParetoNBDModel, PurchaseModel
from .summary import calibration_holdout_split
from .validation import holdout_report

__all__ = [
    "MODEL_CHOICES",
    "ModelComparison",
    "compare_models",
    "describe_model_choice",
    "recommend_model",
]

#: The purchase models compared, by label.
MODEL_CHOICES: dict[str, type[PurchaseModel]] = {
    "BG/NBD": BetaGeoModel,
    "MBG/NBD": ModifiedBetaGeoModel,
    "Pareto/NBD": ParetoNBDModel,
}
#: Holdout MAEs within this fraction of the best count as tied (BIC decides among them).
MAE_TIE = 0.01
#: BICs closer than this are tied (the order of MODEL_CHOICES decides).
BIC_TIE = 2.0

_COLUMNS = [
    "model",
    "parameters",
    "log_likelihood",
    "bic",
    "holdout_actual",
    "holdout_predicted",
    "holdout_error",
    "mae",
    "correlation",
    "converged",
    "identified",
    "calibrated",
    "warnings",
    "flags",
    "caveats",
    "recommended",
    "chosen",
]


@dataclass
class ModelComparison:
    """What :func:`compare_models` returns.

    Attributes
    ----------
    table : pandas.DataFrame
        One row per model (see :func:`compare_models`).
    recommended : str
        Label of the model the data recommend.
    chosen : str
        Label of the model to use: ``recommended`` unless the caller forced another.
    reason : str
        Why, in a sentence (:func:`describe_model_choice` of ``table``).
    models : dict
        The fitted calibration models by label (a model whose fit failed is absent).
    """

    table: pd.DataFrame
    recommended: str
    chosen: str
    reason: str
    models: dict[str, PurchaseModel] = field(repr=False)

    @property
    def model_class(self) -> type[PurchaseModel]:
        """The class of the chosen model, to refit on all data: ``model_class().fit(summary)``."""
        return MODEL_CHOICES[self.chosen]

    @property
    def model(self) -> PurchaseModel:
        """The chosen model as fitted on the calibration period."""
        return self.models[self.chosen]


def _label_of(choice: Any) -> str:
    if isinstance(choice, type):
        for label, cls in MODEL_CHOICES.items():
            if choice is cls:
                return label
    else:
        key = str(choice).replace(" ", "").lower()
        for label, cls in MODEL_CHOICES.items():
            if key in (label.lower(), cls.__name__.lower(), label.lower().replace("/", "")):
                return label
    raise DataValidationError(
        f"`choose` must name one of the models compared ({', '.join(MODEL_CHOICES)}, or their "
        f"classes); got {choice!r}."
    )


def _flags(diagnostics: pd.DataFrame) -> str:
    """The failing checks of one model in a few words."""
    failing = diagnostics[diagnostics["status"] == "warning"]
    parts = []
    if (failing["warning"] == "ConvergenceWarning").any():
        parts.append("did not converge")
    boundary = failing[failing["warning"] == "BoundaryWarning"]
    if (boundary["check"] == "Hessian positive definite").any():
        parts.append("Hessian not positive definite")
    # parameters found on a boundary or with a too-wide interval (not those whose interval
    # could not be computed: the Hessian says that)
    named = boundary[boundary["check"].str.contains(":") & boundary["value"].notna()]
    names = list(dict.fromkeys(c.split(":")[0] for c in named["check"]))
    if names:
        parts.append(f"{', '.join(names)} on a boundary or unidentified")
    if (failing["warning"] == "AssumptionWarning").any():
        parts.append("misses the calibration data")
    return "; ".join(parts)


def _row(label: str, model: PurchaseModel | None, split: pd.DataFrame, error: str) -> dict:
    k = len(MODEL_CHOICES[label]._param_names)
    row: dict[str, Any] = dict.fromkeys(_COLUMNS, np.nan)
    row.update(model=label, parameters=k, recommended=False, chosen=False)
    if model is None:
        row.update(
            converged=False,
            identified=False,
            calibrated=False,
            warnings=1,
            flags=f"fit failed: {error}",
            caveats="",
        )
        return row
    report = holdout_report(model, split)["value"]
    d = model.diagnostics_
    failing = d[d["status"] == "warning"]
    row.update(
        log_likelihood=model.log_likelihood_,
        bic=k * np.log(model.n_customers_) - 2 * model.log_likelihood_,
        holdout_actual=report["actual_total"],
        holdout_predicted=report["predicted_total"],
        holdout_error=report["total_error"],
        mae=report["mae"],
        correlation=report["correlation"],
        converged=not (failing["warning"] == "ConvergenceWarning").any(),
        identified=not (failing["warning"] == "BoundaryWarning").any(),
        calibrated=not (failing["warning"] == "AssumptionWarning").any(),
        warnings=len(failing),
        flags=_flags(d),
        caveats=" ".join(dict.fromkeys(m for m in failing["meaning"] if m)),
    )
    return row


def recommend_model(table: pd.DataFrame) -> str:
    """The label the data recommend (the rule of this module's docstring).

    Parameters
    ----------
    table : pandas.DataFrame
        The comparison table of :func:`compare_models` (``ModelComparison.table``).
    """
    need = ["model", "log_likelihood", "warnings", "flags", "mae", "bic"]
    require_frame_columns(table, need, name="table", producer="compare_models(...).table")
    fitted = table[table["log_likelihood"].notna()]
    if fitted.empty:
        raise FitError(
            "No model could be fitted on the calibration period: "
            + "; ".join(f"{m}: {f}" for m, f in zip(table["model"], table["flags"], strict=True))
        )
    clean = fitted[fitted["warnings"] == 0]
    pool = clean if len(clean) else fitted
    if pool["mae"].notna().any():
        best = pool["mae"].min()
        pool = pool[pool["mae"] <= best * (1 + MAE_TIE)]
    pool = pool[pool["bic"] <= pool["bic"].min() + BIC_TIE]
    return str(pool["model"].iloc[0])  # the table follows MODEL_CHOICES' order


def _names(labels: list[str]) -> str:
    if len(labels) <= 1:
        return "".join(labels)
    return ", ".join(labels[:-1]) + " and " + labels[-1]


def _listing(rows: pd.DataFrame, column: str, fmt: str) -> str:
    return ", ".join(f"{m} {v:{fmt}}" for m, v in zip(rows["model"], rows[column], strict=True))


def _pick_reason(rec: pd.Series, pool: pd.DataFrame) -> str:
    """Why ``rec`` is picked from ``pool`` (the steps of :func:`recommend_model`)."""
    rivals = pool[pool["model"] != rec["model"]]
    if rivals.empty:
        return "it is the only model without flags"
    if not np.isfinite(rec["mae"]):
        return f"it has the lowest BIC ({rec['bic']:,.0f}; {_listing(rivals, 'bic', ',.0f')})"
    tied = rivals[rivals["mae"] <= pool["mae"].min() * (1 + MAE_TIE)]
    maes = f"MAE {rec['mae']:.3f}; {_listing(rivals, 'mae', '.3f')}"
    if tied.empty:
        return f"it has the lowest holdout error per customer ({maes})"
    close = f"its holdout error per customer is within {MAE_TIE:.0%} of the best ({maes})"
    bic_tied = tied[tied["bic"] <= rec["bic"] + BIC_TIE]
    bics = f"{rec['bic']:,.0f}; {_listing(tied, 'bic', ',.0f')}"
    if bic_tied.empty:
        return f"{close} and it has the lowest BIC among those ({bics})"
    return (
        f"{close}, their BICs are within {BIC_TIE:g} of each other ({bics}), and it is the "
        "simplest of them to compute"
    )


def describe_model_choice(table: pd.DataFrame) -> str:
    """The reason for the model choice in :func:`compare_models`' table, in words.

    Says which model is used and why: which models are flagged by their fit checks, how the
    recommended model compares on the holdout error per customer (MAE) and on BIC, how far its
    holdout total is off, and, when every model is flagged, what the flags mean for the user.
    Every figure comes from ``table``; the sentence follows the numbers when they change.

    Parameters
    ----------
    table : pandas.DataFrame
        ``compare_models(...).table``.

    Returns
    -------
    str
    """
    need = ["model", "recommended", "chosen", "log_likelihood", "warnings", "flags", "mae", "bic"]
    need += ["holdout_error", "holdout_predicted", "holdout_actual", "caveats"]
    require_frame_columns(table, need, name="table", producer="compare_models(...).table")
    for col in ("recommended", "chosen"):
        if not table[col].astype(bool).any():
            raise DataValidationError(
                f"`table` has no `{col}` model; pass `compare_models(...).table` unchanged."
            )
    rec = table[table["recommended"]].iloc[0]
    chosen = table[table["chosen"]].iloc[0]
    fitted = table[table["log_likelihood"].notna()]
    flagged = table[table["warnings"] > 0]
    parts = []
    if len(flagged) == len(table):
        parts.append(
            "every model is flagged by its fit checks ("
            + "; ".join(
                f"{m}: {f}" for m, f in zip(flagged["model"], flagged["flags"], strict=True)
            )
            + ")"
        )
    elif len(flagged):
        one = len(flagged) == 1
        parts.append(
            f"{_names(list(flagged['model']))} {'is' if one else 'are'} flagged by "
            f"{'its' if one else 'their'} fit checks ("
            + "; ".join(
                f"{m}: {f}" for m, f in zip(flagged["model"], flagged["flags"], strict=True)
            )
            + ")"
        )
    else:
        parts.append(f"all {len(table)} models pass their fit checks")
    pool = fitted if len(flagged) == len(table) else fitted[fitted["warnings"] == 0]
    parts.append(_pick_reason(rec, pool))
    if chosen["model"] == rec["model"]:
        head = f"{rec['model']} is recommended: "
    else:
        flags = f" (flagged: {chosen['flags']})" if chosen["warnings"] > 0 else ""
        head = f"{chosen['model']} is used, as chosen{flags}; the data recommend {rec['model']}: "
    sentence = head + ", and ".join(parts) + "."
    if np.isfinite(rec["holdout_error"]):
        sentence += (
            f" Over the holdout {rec['model']} predicts {rec['holdout_predicted']:,.0f} repeat "
            f"purchases against {rec['holdout_actual']:,.0f} made ({rec['holdout_error']:+.1%})."
        )
    if rec["caveats"]:
        sentence += f" Caveats of {rec['model']}: {rec['caveats']}"
    return sentence


def compare_models(
    data: pd.DataFrame,
    *,
    calibration_end: Any = None,
    observation_end: Any = None,
    time_unit: str | None = None,
    grain: str | None = None,
    count_zero_amounts: bool = False,
    penalizer_coef: float = 0.0,
    choose: Any = None,
) -> ModelComparison:
    """Fit BG/NBD, MBG/NBD and Pareto/NBD on one calibration period and compare them.

    Parameters
    ----------
    data : pandas.DataFrame
        A :func:`calibration_holdout_split` frame, or a transaction log (then
        ``calibration_end`` is needed and the split is built here).
    calibration_end, observation_end, grain, count_zero_amounts
        For a transaction log: as in :func:`calibration_holdout_split`.
    time_unit : {'W', 'D', 'M'}, optional
        Time unit of the split (for a log: as in :func:`calibration_holdout_split`, default
        'W'); for a split, checked against the unit it records.
    penalizer_coef : float, default 0.0
        Passed to every model.
    choose : str or model class, optional
        Force a model ('BG/NBD', 'MBG/NBD', 'Pareto/NBD' or the class); the reason still says
        what the data recommend.

    Returns
    -------
    ModelComparison
        ``table`` (one row per model): ``model``, ``parameters``, ``log_likelihood``
        (calibration), ``bic`` (k ln n - 2 LL), ``holdout_actual`` and
        ``holdout_predicted`` (repeat purchases in the holdout), ``holdout_error``
        (predicted / actual - 1, a fraction), ``mae`` and ``correlation`` (per customer,
        predicted vs actual holdout purchases), ``converged``, ``identified`` and
        ``calibrated`` (no failing check of that kind in ``diagnostics_``), ``warnings``
        (failing checks), ``flags`` and ``caveats`` (in words), ``recommended``, ``chosen``;
        and ``recommended``, ``chosen``, ``reason``, ``models`` (the calibration fits).

    Warns
    -----
    ConvergenceWarning, BoundaryWarning, AssumptionWarning
        Each model's own fit warnings (also summarised in ``flags``).

    Examples
    --------
    >>> from retention_lib.clv import load_cdnow
    >>> split = calibration_holdout_split(load_cdnow(), calibration_end="1997-09-30",
    ...     observation_end="1998-06-30", grain="D", count_zero_amounts=True)
    >>> comparison = compare_models(split)
    >>> list(comparison.table["model"])
    ['BG/NBD', 'MBG/NBD', 'Pareto/NBD']
    """
    require_frame(data, name="data")
    for name, day in (("calibration_end", calibration_end), ("observation_end", observation_end)):
        require_date(day, name=name, allow_none=True, tz="utc")
    count_zero_amounts = require_bool(count_zero_amounts, name="count_zero_amounts")
    if "frequency_holdout" in data.columns:
        split = data
    else:
        if calibration_end is None:
            raise DataValidationError(
                "`data` is a transaction log (it has no `frequency_holdout`), so "
                "`calibration_end` is needed to split it; or pass a "
                "`calibration_holdout_split(...)` frame."
            )
        split = calibration_holdout_split(
            data,
            calibration_end=calibration_end,
            observation_end=observation_end,
            time_unit=time_unit or "W",
            grain=grain,
            count_zero_amounts=count_zero_amounts,
        )
        time_unit = None
    forced = None if choose is None else _label_of(choose)
    rows, models = [], {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for label, cls in MODEL_CHOICES.items():
            try:
                model = cls(penalizer_coef=penalizer_coef).fit(split, time_unit=time_unit)
            except FitError as exc:
                rows.append(_row(label, None, split, str(exc).split(". ")[0]))
                continue
            models[label] = model
            rows.append(_row(label, model, split, ""))
    for w in caught:  # the fits' own warnings, raised again at the caller's line
        warnings.warn(w.message, w.category, stacklevel=2)
    table = pd.DataFrame(rows, columns=_COLUMNS)
    for col in ("converged", "identified", "calibrated", "recommended", "chosen"):
        table[col] = table[col].astype(bool)
    table["warnings"] = table["warnings"].astype(int)
    recommended = recommend_model(table)
    chosen = forced or recommended
    if chosen not in models:
        raise FitError(
            f"{chosen} was chosen, but its fit failed: "
            f"{table.loc[table['model'] == chosen, 'flags'].iloc[0]}. Choose another model."
        )
    table["recommended"] = table["model"] == recommended
    table["chosen"] = table["model"] == chosen
    return ModelComparison(
        table=table,
        recommended=recommended,
        chosen=chosen,
        reason=describe_model_choice(table),
        models=models,
    )
