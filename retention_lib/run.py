"""One report run: the cleaned log, its facts, the fitted models and the sections it allows.

The report loads, maps, converts and cleans the log once, fits the CLV models once, and
shares them with every notebook through files in its output folder::

    OUT/config.toml               the run's configuration (repeat it with --config)
    OUT/run/transactions.parquet  the cleaned log
    OUT/run/cleaning.json         its cleaning report
    OUT/run/*_model.json          the fitted models (``load_model`` reads them)
    OUT/run/run.json              facts, holdout plan, fit errors and warnings
    OUT/exports/                  CSV and Parquet files for the client (``Run.export``)

A notebook opens the run with one call, ``run = rl.open_run(config_path)``; without a
``config_path`` (a notebook opened on its own) the same object computes everything in memory
from the bundled sample or the given ``data_path``.
"""

from __future__ import annotations

import html
import json
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._schema import DAYS_PER_MONTH, purchase_mask
from ._validation import (
    DataValidationError,
    InputTypeError,
    RetentionLibError,
    require_choice,
    require_frame,
    require_path,
    require_str,
    require_whole_number,
)
from .config import RunConfig
from .sections import (
    KPI_ACTIVE_DAYS,
    KPI_MONTHS,
    HoldoutPlan,
    LogFacts,
    SectionStatus,
    abtest_status,
    clv_status,
    cohorts_status,
    countries_status,
    groups_status,
    holdout_plan,
    holdout_status,
    input_status,
    intervals_status,
    kpis_status,
    log_facts,
    projection_status,
    survey_status,
    whatif_status,
)

__all__ = [
    "CONFIG_FILE",
    "EXPORTS_FOLDER",
    "ClvModels",
    "Export",
    "HoldoutCheck",
    "Run",
    "open_run",
    "prepare_run",
]

CONFIG_FILE = "config.toml"
RUN_FOLDER = "run"
EXPORTS_FOLDER = "exports"
#: Months at the end of the log that the A/B test compares (notebook 05's window).
ABTEST_MONTHS = 3
_FORMAT = 1  # version of the files in RUN_FOLDER


#: ``--model`` name -> the model's label (as :data:`retention_lib.clv.MODEL_CHOICES` names it).
_LABELS = {"bgnbd": "BG/NBD", "mbgnbd": "MBG/NBD", "pnbd": "Pareto/NBD"}


def _purchase_models() -> dict[str, type]:
    from .clv import BetaGeoModel, ModifiedBetaGeoModel, ParetoNBDModel

    return {"bgnbd": BetaGeoModel, "mbgnbd": ModifiedBetaGeoModel, "pnbd": ParetoNBDModel}


#: The purchase models ``--model`` names (``auto`` fits each and keeps the best).
PURCHASE_MODELS = ("bgnbd", "mbgnbd", "pnbd")


def _warning_text(w: warnings.WarningMessage) -> str:
    return f"{w.category.__name__}: {' '.join(str(w.message).split())}"


class _Recorder:
    """Record the warnings raised inside ``with recorder:`` (into every sink) and pass them on."""

    def __init__(self, *sinks: list[str]) -> None:
        self.sinks = sinks

    def __enter__(self) -> _Recorder:
        self._cm = warnings.catch_warnings(record=True)
        self._caught = self._cm.__enter__()
        warnings.simplefilter("always")
        return self

    def __exit__(self, *exc: Any) -> None:
        caught = list(self._caught)
        self._cm.__exit__(*exc)
        for w in caught:
            text = _warning_text(w)
            for sink in self.sinks:
                if text not in sink:
                    sink.append(text)
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def _forecast_above_bound(model: Any, summary: pd.DataFrame, forecast: Any, t: float) -> str | None:
    """Why a purchase model's forecast cannot be used, when it exceeds what the model allows.

    In the BG/NBD family and the Pareto/NBD a customer's expected purchases over ``t`` are at
    most her posterior purchase rate times ``t``, ``(r + x) / (alpha + T) * t`` (drop-out only
    lowers it). A forecast above that bound is the formula failing numerically (parameters
    far out on a boundary, e.g. ``r`` and ``alpha`` in the billions), not a prediction.
    """
    params = getattr(model, "params_", None)
    if params is None or not {"r", "alpha"} <= set(params.index):
        return None
    x = summary["frequency"].to_numpy(dtype=float)
    T = summary["T"].to_numpy(dtype=float)
    bound = (params["r"] + x) / (params["alpha"] + T) * t
    values = np.asarray(forecast, dtype=float)
    over = values > bound * (1 + 1e-6) + 1e-9
    if not over.any():
        return None
    i = int(np.argmax(values / np.maximum(bound, 1e-300)))
    return (
        f"The {model._label} forecast exceeds what the model allows for {int(over.sum()):,} "
        f"customer(s) (e.g. {values[i]:,.0f} purchases where at most {bound[i]:,.0f} are "
        "possible): its parameters sit so far on a boundary that the formula fails "
        "numerically."
    )


def _warn_again(texts: list[str]) -> None:
    """Raise recorded warnings (``"Category: message"``) again, as the fits raised them, so a
    notebook that reads a shared model shows what fitting it said."""
    from . import _validation

    for text in texts:
        name, _, message = text.partition(": ")
        category = getattr(_validation, name, None)
        if not (isinstance(category, type) and issubclass(category, Warning)):
            category = UserWarning
        warnings.warn(message, category, stacklevel=4)


@dataclass
class ClvModels:
    """The CLV models of a run, fitted once on the whole log.

    Attributes
    ----------
    purchase : BetaGeoModel, ModifiedBetaGeoModel or ParetoNBDModel, or None
        The purchase model chosen by the configuration's ``model``.
    spend : GammaGammaModel or None
    errors : dict
        ``"purchase"`` / ``"spend"`` / ``"forecast"`` -> why that model could not be fitted
        (or gives no finite forecast over the horizon).
    warnings : list of str
        What the fits warned (``"Category: message"``).
    """

    purchase: Any = None
    spend: Any = None
    errors: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def fitted(self) -> bool:
        """Whether both the purchase and the spend model were fitted."""
        return self.purchase is not None and self.spend is not None


@dataclass
class HoldoutCheck:
    """The calibration/holdout split of a run and the model fitted on its calibration part.

    Attributes
    ----------
    plan : HoldoutPlan
    split : pandas.DataFrame or None
        :func:`~retention_lib.clv.calibration_holdout_split` output.
    model : purchase model or None
    repeat_buyers : int or None
        Repeat buyers in the calibration period.
    error : str or None
        Why the calibration model could not be fitted.
    choice : ModelComparison or None
        BG/NBD, MBG/NBD and Pareto/NBD compared on the split
        (:func:`~retention_lib.clv.compare_models`; read from the files, its ``models`` is
        empty); ``model`` is its chosen calibration fit.
    warnings : list of str
        What the calibration fits warned.
    """

    plan: HoldoutPlan
    split: pd.DataFrame | None = None
    model: Any = None
    repeat_buyers: int | None = None
    error: str | None = None
    choice: Any = None
    warnings: list[str] = field(default_factory=list)

    @property
    def calibration_end(self) -> pd.Timestamp | None:
        """Last day of the calibration period (None: no holdout)."""
        return self.plan.calibration_end

    @property
    def observation_end(self) -> pd.Timestamp:
        """Last day of the holdout (the log's last day)."""
        return self.plan.observation_end

    @property
    def weeks(self) -> int | None:
        """Length of the holdout in weeks (None: no holdout)."""
        return self.plan.weeks


@dataclass(frozen=True)
class FitNote:
    """The value models' fit warnings, shown where their figures are (see
    :meth:`Run.fit_note`)."""

    warnings: tuple[str, ...]

    def __bool__(self) -> bool:
        return bool(self.warnings)

    def __str__(self) -> str:
        return "\n".join(f"Model fit: {w}" for w in self.warnings)

    def _repr_html_(self) -> str | None:
        if not self.warnings:
            return None
        items = "".join(f"<p><b>Model fit.</b> {html.escape(w)}</p>" for w in self.warnings)
        return f'<div class="rl-skip">{items}</div>'


@dataclass(frozen=True)
class Export:
    """Files a run wrote for the client; shown in a notebook as links relative to the report."""

    name: str
    paths: tuple[Path, ...]
    rows: int
    folder: Path | None

    def _repr_html_(self) -> str:
        if not self.paths:
            return (
                f"<p class='rl-files'><i>{html.escape(self.name)}</i>: {self.rows:,} rows "
                "(the report writes it as CSV and Parquet into its output folder).</p>"
            )
        links = " · ".join(
            f"<a href='{html.escape(self._relative(p), quote=True)}'>{html.escape(p.name)}</a>"
            for p in self.paths
        )
        return f"<p class='rl-files'>Download ({self.rows:,} rows): {links}</p>"

    def _relative(self, path: Path) -> str:
        if self.folder is None:
            return path.as_posix()
        return path.relative_to(self.folder).as_posix()

    def __repr__(self) -> str:
        where = ", ".join(p.name for p in self.paths) or "not written"
        return f"<Export {self.name}: {self.rows:,} rows; {where}>"


class Run:
    """Everything the report's sections share: configuration, cleaned log, facts, models.

    Build one with :func:`prepare_run` (the report does, before the notebooks run) or
    :func:`open_run` (a notebook does). Attributes are computed on first use, or read from
    the run's folder when the report prepared it.

    Parameters
    ----------
    config : RunConfig
        The run's configuration.
    folder : path, optional
        The report's output folder (None: nothing is written).
    reuse : bool, default True
        Read the shared files in ``folder`` when they were written for ``config``.

    Attributes
    ----------
    config : RunConfig
    folder : pathlib.Path or None
        The report's output folder (None: nothing is written). Its shared files are read
        when they were written for this configuration (unless ``reuse=False``).
    transactions : pandas.DataFrame
        The cleaned log (:func:`~retention_lib.prepare_transactions` output).
    cleaning : CleaningReport
    summary : pandas.DataFrame
        RFM summary in weeks at day grain (what the CLV models are fitted on).
    facts : LogFacts
    models : ClvModels
        Fitted once on the whole log; read from the files, they warn again what fitting
        them warned (so the report shows it under the cell that uses them).
    holdout_plan : HoldoutPlan
    holdout : HoldoutCheck
        The split, the three models compared on it and the chosen one's calibration fit.
    model_choice : ModelComparison or None
    survey : pandas.DataFrame or None
    group_by : str or None
        The grouping column of the per-group figures (the first of ``config.by`` in the log).
    warnings : list of str
        Warnings raised while loading the log and fitting the models.
    """

    def __init__(
        self, config: RunConfig, *, folder: str | Path | None = None, reuse: bool = True
    ) -> None:
        if not isinstance(config, RunConfig):
            raise TypeError(f"`config` must be a RunConfig, got {type(config).__name__}.")
        self.config = config
        self.folder = None if folder is None else Path(folder)
        self.warnings: list[str] = []
        self._stored: dict[str, Any] | None = None
        self._reuse = reuse
        self._log: Any = None  # a log read where it lives: the whole cleaned log, lazy

    def __repr__(self) -> str:
        where = f"folder {self.folder}" if self.folder else "in memory"
        return f"<retention_lib.Run: {self.config.data_path or 'bundled sample'}, {where}>"

    # -- the log ------------------------------------------------------------------------------
    @cached_property
    def _prepared(self) -> tuple[pd.DataFrame, Any]:
        stored = self._stored_files()
        if stored is not None:
            from .cleaning import CleaningReport

            tx = pd.read_parquet(stored / "transactions.parquet")
            doc = json.loads((stored / "cleaning.json").read_text(encoding="utf-8"))
            return tx, CleaningReport.from_dict(doc)
        from .pipeline import prepare_transactions, scanned_source

        options = self.config.loader_options()
        if scanned_source(self.config.data_path):
            return self._scanned(options)
        with _Recorder(self.warnings):
            try:
                tx, cleaning = prepare_transactions(
                    self.config.data_path,
                    currency=self.config.currency,
                    source_currency=self.config.source_currency,
                    **options,
                )
            except DataValidationError as exc:
                if "keep" not in options or "in `keep=`" not in str(exc):
                    raise
                # a grouping or experiment column the log lacks: load without them, so that
                # prepare_run names the setting and the columns the log has
                options.pop("keep")
                tx, cleaning = prepare_transactions(
                    self.config.data_path,
                    currency=self.config.currency,
                    source_currency=self.config.source_currency,
                    **options,
                )
        return tx, cleaning

    def _scanned(self, options: dict[str, Any]) -> tuple[pd.DataFrame, Any]:
        """A Parquet folder or a database table: cleaned in its engine, the rows of a sample
        of customers read into pandas; the sample is stated among the run's warnings."""
        from . import pipeline

        customers = self.config.sample_customers or pipeline.SAMPLE_CUSTOMERS

        def scan(**kw: Any) -> tuple[pd.DataFrame, Any, dict[str, int], Any]:
            return pipeline.prepare_scanned(
                self.config.data_path,
                currency=self.config.currency,
                source_currency=self.config.source_currency,
                customers=customers,
                **kw,
            )

        with _Recorder(self.warnings):
            try:
                tx, cleaning, sample, self._log = scan(**options)
            except DataValidationError as exc:
                if "keep" not in options or "in `keep=`" not in str(exc):
                    raise
                options.pop("keep")  # prepare_run names the setting the log lacks
                tx, cleaning, sample, self._log = scan(**options)
        if sample["sampled_customers"] < sample["customers"]:
            self.warnings.append(
                f"SampleWarning: The log has {sample['customers']:,} customers "
                f"({sample['rows']:,} rows after cleaning), more than a report reads into "
                f"memory (`sample_customers` = {customers:,}): the cleaning counts the whole "
                "log and the CLV models are fitted on every customer (on the distinct "
                "purchase histories, counted in the log's engine); the other sections read a "
                f"sample of {sample['sampled_customers']:,} customers chosen by a hash of "
                f"their id, with all their {sample['sampled_rows']:,} rows (revenue and "
                "customer totals there are the sample's)."
            )
        return tx, cleaning

    @property
    def transactions(self) -> pd.DataFrame:
        """The cleaned log in the canonical schema (for a Parquet folder or a database, the
        rows of a sample of its customers: see the run's warnings)."""
        return self._prepared[0]

    @property
    def cleaning(self) -> Any:
        """The CleaningReport of the cleaning (every row and unit of revenue accounted for)."""
        return self._prepared[1]

    @cached_property
    def summary(self) -> pd.DataFrame:
        """The RFM summary of the cleaned log at day grain (``rfm_summary(tx, grain="D")``)."""
        from .clv import rfm_summary

        return rfm_summary(self.transactions, time_unit="W", grain="D")

    @cached_property
    def engine_summary(self) -> Any:
        """For a log read where it lives (a Parquet folder, a database): the RFM summary of
        every customer kept in the log's engine (``rfm_summary(..., collect=False)``, as
        :attr:`summary`: weeks, day grain), which the models fit on; None for a log read
        into pandas (or a saved run's: the models are read from its files)."""
        self._prepared  # noqa: B018 (reading the log sets the lazy log)
        if self._log is None:
            return None
        from .clv import rfm_summary

        return rfm_summary(self._log, time_unit="W", grain="D", collect=False)

    def _fit_rows(self) -> tuple[Any, pd.DataFrame]:
        """What the models fit on (:attr:`engine_summary`, or :attr:`summary` when there is
        none) and the rows whose forecast is checked: the distinct (frequency, recency, T)
        of the engine's summary, counted there, or the per-customer summary."""
        lazy = self.engine_summary
        if lazy is None:
            return self.summary, self.summary
        import narwhals as nw

        from ._backend import collect, to_lazy

        keys = ["frequency", "recency", "T"]
        distinct = collect(to_lazy(lazy).group_by(keys).agg(nw.len().alias("customers")))
        return lazy, distinct[keys]

    @cached_property
    def facts(self) -> LogFacts:
        """What the log holds as far as the sections' needs go (:class:`LogFacts`)."""
        if self._stored is not None:
            return LogFacts.from_dict(self._stored["facts"])
        return log_facts(self.transactions, self.summary)

    @property
    def groups(self) -> tuple[str, ...]:
        """The configured grouping columns that the cleaned log has."""
        return tuple(c for c in self.config.by if c in self.facts.columns)

    @property
    def group_by(self) -> str | None:
        """The grouping column the run uses (None: none of the requested ones is in the log)."""
        return self.groups[0] if self.groups else None

    @cached_property
    def survey(self) -> pd.DataFrame | None:
        """The survey file of the configuration, loaded (None when none was given)."""
        path = self.config.survey_path
        if path is None:
            if self.config.data_path is not None:
                return None
            from .datasets import load_sample_survey

            return load_sample_survey()
        if not Path(path).is_file():
            raise FileNotFoundError(f"No survey file at `{path}`.")
        from ._files import read_file

        survey, _ = read_file(Path(path))  # format, encoding and delimiter as for the log
        if "customer_id" not in survey.columns:
            raise DataValidationError(
                f"The survey file `{Path(path).name}` has no `customer_id` column (found "
                f"{', '.join(f'`{c}`' for c in list(survey.columns)[:12])}). Name the column "
                "of customer ids `customer_id`."
            )
        survey["customer_id"] = survey["customer_id"].astype("str").str.strip()
        for col in survey.columns:
            if col != "customer_id":
                converted = pd.to_numeric(survey[col], errors="coerce")
                if converted.notna().sum() == survey[col].notna().sum():
                    survey[col] = converted
        return survey

    @cached_property
    def _projection_error(self) -> str | None:
        """Why notebook 02's projection (cohort survival, sBG/BdW fit, backtest) cannot be
        computed on this log; None when it can."""
        if self._stored_files() is not None:
            return (self._stored or {}).get("projection_error")
        if not cohorts_status(self.facts):
            return None
        from .cohorts import cohort_survival
        from .projection import backtest_retention, project_retention

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # the notebook raises them where it shows the fit
            try:
                survival = cohort_survival(self.transactions, period="M")
                project_retention(survival, model="auto")
                backtest_retention(survival, holdout=3, model="auto")
            except DataValidationError as exc:
                return str(exc)
            except (ValueError, FloatingPointError, ZeroDivisionError):
                # a fit whose probabilities are not finite: the projection cannot be drawn
                return "Cannot project: the fitted model gives no valid probabilities."
        return None

    # -- models -------------------------------------------------------------------------------
    @cached_property
    def models(self) -> ClvModels:
        """The purchase model (the configuration's, or with ``auto`` the one
        :attr:`model_choice` recommends) and Gamma-Gamma, fitted on the whole log (a log
        read where it lives: on :attr:`engine_summary`, every customer)."""
        stored = self._stored_files()
        if stored is not None:
            out = self._stored_models(stored)
            _warn_again(out.warnings)
            return out
        from .clv import FitError, GammaGammaModel

        out = ClvModels()
        if not clv_status(self.facts):  # too little data: nothing to fit
            return out
        model_class = _purchase_models()[self._purchase_name()]
        fit_on, checked = self._fit_rows()
        units = {"time_unit": "W", "grain": "D"} if fit_on is not self.summary else {}
        with _Recorder(self.warnings, out.warnings):
            try:
                model = model_class(penalizer_coef=self.config.penalizer)
                out.purchase = model.fit(fit_on, **units)
            except (FitError, DataValidationError) as exc:
                out.errors["purchase"] = str(exc)
            try:
                out.spend = GammaGammaModel().fit(fit_on)
            except (FitError, DataValidationError) as exc:
                out.errors["spend"] = str(exc)
            if out.purchase is not None:
                weeks = self.config.horizon_months * DAYS_PER_MONTH / 7
                try:  # the forecast the CLV rests on must be finite for every customer
                    forecast = out.purchase.expected_purchases(checked, t=weeks)
                except FitError as exc:
                    out.errors["forecast"] = str(exc)
                else:
                    broken = _forecast_above_bound(out.purchase, checked, forecast, weeks)
                    if broken:
                        out.errors["forecast"] = broken
        return out

    def _purchase_name(self) -> str:
        """The purchase model to fit on the whole log (``auto``: the holdout's choice, or
        BG/NBD when there is no holdout to choose on)."""
        if self.config.model != "auto":
            return self.config.model
        choice = self.holdout.choice
        if choice is None:
            return "bgnbd"
        return next(k for k, label in _LABELS.items() if label == choice.chosen)

    @property
    def model_choice(self) -> Any:
        """BG/NBD, MBG/NBD and Pareto/NBD compared on the holdout split (a
        :class:`~retention_lib.clv.ModelComparison`), or None without a holdout."""
        return self.holdout.choice

    def fit_note(self) -> FitNote:
        """What fitting the value models warned (a boundary, no convergence), for the
        sections that show their figures; shown in a notebook as a note (empty: nothing)."""
        from .findings import for_reader

        flagged = [
            for_reader(w.partition(": ")[2])
            for w in self.models.warnings
            if w.startswith(("BoundaryWarning", "ConvergenceWarning"))
        ]
        return FitNote(tuple(t for t in flagged if t))

    @property
    def model_label(self) -> str:
        """Name of the purchase model (``"BG/NBD"``...)."""
        model = self.models.purchase
        return model._label if model is not None else _LABELS[self._purchase_name()]

    @cached_property
    def churn_scorecard(self) -> Any:
        """The churn scorecard on the run's holdout (the scores of who makes no purchase in
        it, :func:`~retention_lib.clv.churn_scorecard` at day grain); None when the log has
        no holdout or the scorecard cannot be computed on it. The churn-risk list of the
        report and its executive summary both rank by its recommended score."""
        if not self.status("holdout") or self.holdout_plan.calibration_end is None:
            return None
        from .clv import churn_scorecard

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # notebook 04 shows the scorecard and its notes
            try:
                card = churn_scorecard(
                    self.transactions, calibration_end=self.holdout_plan.calibration_end, grain="D"
                )
            except RetentionLibError:
                return None
        return card if card.recommended else None

    @cached_property
    def holdout_plan(self) -> HoldoutPlan:
        """The holdout's length and dates, or why there is none (no model is read or fitted)."""
        if self._stored_files() is not None:
            return HoldoutPlan.from_dict((self._stored or {})["holdout"]["plan"])
        return holdout_plan(self.facts, requested=self.config.holdout_weeks)

    @cached_property
    def holdout(self) -> HoldoutCheck:
        """The calibration/holdout split, the three purchase models compared on it and the
        chosen (or configured) one's calibration fit."""
        from .clv import FitError, calibration_holdout_split, compare_models

        stored = self._stored_files()
        if stored is not None:
            check = self._stored_holdout(stored)
            _warn_again(check.warnings)
            return check
        plan = self.holdout_plan
        check = HoldoutCheck(plan)
        if plan.weeks is None or not clv_status(self.facts):
            return check
        with _Recorder(self.warnings, check.warnings):
            try:
                check.split = calibration_holdout_split(
                    self.transactions,
                    calibration_end=plan.calibration_end,
                    observation_end=plan.observation_end,
                    grain="D",
                )
            except DataValidationError as exc:
                check.error = str(exc)
                return check
            check.repeat_buyers = int((check.split["frequency_cal"] > 0).sum())
            if not holdout_status(plan, calibration_repeat_buyers=check.repeat_buyers):
                return check
            forced = None if self.config.model == "auto" else _LABELS[self.config.model]
            try:
                check.choice = compare_models(
                    check.split, penalizer_coef=self.config.penalizer, choose=forced
                )
            except (FitError, DataValidationError) as exc:
                check.error = str(exc)
                return check
            check.model = check.choice.model
        return check

    # -- sections -----------------------------------------------------------------------------
    def status(self, section: str) -> SectionStatus:
        """Whether ``section`` can be computed on this log (see :mod:`retention_lib.sections`).

        Parameters
        ----------
        section : str
            A section of :data:`~retention_lib.sections.SECTIONS` (``"cohorts"``, ``"clv"``, ...).
        """
        from .sections import SECTIONS

        section = require_choice(
            require_str(section, name="section"), tuple(SECTIONS), name="section"
        )
        if section == "cohorts":
            return cohorts_status(self.facts)
        if section == "projection":
            cohorts = cohorts_status(self.facts)
            if not cohorts:
                return SectionStatus("projection", False, cohorts.reason)
            return projection_status(self._projection_error)
        if section == "groups":
            largest = None
            if self.group_by is not None:
                sizes = self.transactions.groupby(self.group_by, observed=True)["customer_id"]
                counts = sizes.nunique().sort_values(ascending=False)
                if len(counts):
                    largest = (str(counts.index[0]), int(counts.iloc[0]))
            return groups_status(
                self.facts, self.group_by, requested=self.config.by, largest=largest
            )
        if section == "countries":
            return countries_status(self.facts)
        if section == "clv":
            first = clv_status(self.facts)
            if not first:
                return first
            errors = self.models.errors
            return clv_status(
                self.facts,
                model_label=self.model_label,
                fit_error=errors.get("purchase"),
                spend_error=errors.get("spend"),
                forecast_error=errors.get("forecast"),
                horizon_months=self.config.horizon_months,
            )
        if section == "intervals":
            models = self.models
            singular = [
                m._label
                for m in (models.purchase, models.spend)
                if m is not None and getattr(m, "log_covariance_", None) is None
            ]
            return intervals_status(self.status("clv"), singular=singular)
        if section == "kpis":
            start, end = self.window(months=KPI_MONTHS)
            from .kpis import customer_counts

            counts = customer_counts(
                self.transactions, start=start, end=end, active_days=KPI_ACTIVE_DAYS
            )
            return kpis_status(
                int(counts["customers_start"].iloc[0]), start=start, months=KPI_MONTHS
            )
        if section == "holdout":
            # the holdout checks the purchase model only: a spend model that cannot be fitted
            # takes away the value per customer, not the forecast check or the churn scorecard
            first = clv_status(self.facts)
            errors = self.models.errors if first else {}
            purchase = clv_status(
                self.facts,
                model_label=self.model_label,
                fit_error=errors.get("purchase"),
                forecast_error=errors.get("forecast"),
                horizon_months=self.config.horizon_months,
            )
            if not purchase:
                return SectionStatus("holdout", False, purchase.reason)
            check = self.holdout
            return holdout_status(
                check.plan,
                calibration_repeat_buyers=check.repeat_buyers,
                fit_error=check.error,
                model_label=self.model_label,
            )
        if section == "whatif":
            params = getattr(self.models.purchase, "params_", pd.Series(dtype=float))
            return whatif_status(
                self.status("clv"),
                model_label=self.model_label,
                has_dropout={"a", "b"} <= set(params.index),
            )
        if section == "abtest":
            return abtest_status(
                self.customers_before(months=ABTEST_MONTHS),
                window_months=ABTEST_MONTHS,
                experiment=self.config.experiment,
            )
        if section == "survey":
            return survey_status(self.survey)
        if section == "cac":
            return input_status(
                "cac", given=self.config.given("cac") or bool(self.config.cac_by_segment)
            )
        if section == "retention_cost":
            return input_status("retention_cost", given=self.config.given("retention_cost"))
        from .sections import SECTIONS

        raise ValueError(f"Unknown section {section!r}; the sections are {', '.join(SECTIONS)}.")

    def window(self, *, months: int) -> tuple[pd.Timestamp, pd.Timestamp]:
        """Start and end (exclusive) of the last ``months`` months of the log (its last day
        included): the KPI period, the A/B test window.

        Parameters
        ----------
        months : int
            Length of the window in calendar months.
        """
        months = require_whole_number(months, name="months", low=1, unit="months")
        end = self.facts.last + pd.Timedelta(days=1)
        return end - pd.DateOffset(months=months), end

    def customers_before(self, *, months: int = 3) -> int:
        """Customers with a row before the last ``months`` months of the log.

        Parameters
        ----------
        months : int
            Length of the window in calendar months.
        """
        start, _ = self.window(months=months)
        tx = self.transactions
        return int(tx.loc[tx["timestamp"] < start, "customer_id"].nunique())

    def statuses(self) -> dict[str, SectionStatus]:
        """:meth:`status` of every section."""
        from .sections import SECTIONS

        return {name: self.status(name) for name in SECTIONS}

    # -- files --------------------------------------------------------------------------------
    def export(
        self,
        frame: pd.DataFrame,
        name: str,
        *,
        csv: Callable[[pd.DataFrame, Path], Any] | None = None,
    ) -> Export:
        """Write ``frame`` as ``exports/<name>.csv`` and ``.parquet`` into the run's folder.

        Parameters
        ----------
        frame : pandas.DataFrame
        name : str
            File name without extension (letters, digits, ``_`` and ``-``).
        csv : callable, optional
            Writer of the CSV (``csv(frame, path)``), e.g.
            :func:`~retention_lib.export_churn_risk`; default ``frame.to_csv(index=False)``.

        Returns
        -------
        Export
            Shown in a notebook (and so in the report) as links to the files; without a
            folder nothing is written.
        """
        import re

        require_frame(frame, name="frame")
        name = require_str(name, name="name")
        if csv is not None and not callable(csv):
            raise InputTypeError(f"`csv` must be a function csv(frame, path), got {csv!r}.")
        if not re.fullmatch(r"[A-Za-z0-9_-]+", name):
            raise DataValidationError(f"`name` must be letters, digits, '_' or '-'; got {name!r}.")
        if self.folder is None:
            return Export(name, (), len(frame), None)
        folder = self.folder / EXPORTS_FOLDER
        folder.mkdir(parents=True, exist_ok=True)
        csv_path, parquet_path = folder / f"{name}.csv", folder / f"{name}.parquet"
        if csv is None:
            frame.to_csv(csv_path, index=False)
        else:
            csv(frame, csv_path)
        table = frame.copy()
        table.attrs = {}
        table.to_parquet(parquet_path, index=False)
        return Export(name, (csv_path, parquet_path), len(frame), self.folder)

    def save(self) -> Path:
        """Write the configuration and the shared files into the folder; return config.toml.

        Raises
        ------
        DataValidationError
            The run has no folder, or no purchase survived cleaning.
        """
        if self.folder is None:
            raise DataValidationError("This run has no folder to save into; pass `folder=`.")
        store = self.folder / RUN_FOLDER
        store.mkdir(parents=True, exist_ok=True)
        tx = self.transactions
        tx.to_parquet(store / "transactions.parquet")
        (store / "cleaning.json").write_text(json.dumps(self.cleaning.to_dict()), encoding="utf-8")
        models, check = self.models, self.holdout
        for name, model in (
            ("purchase", models.purchase),
            ("spend", models.spend),
            ("calibration", check.model),
        ):
            path = store / f"{name}_model.json"
            if model is not None:
                model.save(path)
            elif path.exists():
                path.unlink()
        if check.split is not None:
            check.split.to_parquet(store / "holdout_split.parquet")
        doc = {
            "format": _FORMAT,
            "config_digest": self.config.digest(),
            "facts": self.facts.to_dict(),
            "holdout": {
                "plan": check.plan.to_dict(),
                "repeat_buyers": check.repeat_buyers,
                "error": check.error,
                "split": check.split is not None,
                "choice": None if check.choice is None else _choice_doc(check.choice),
                "warnings": check.warnings,
            },
            "model_errors": models.errors,
            "model_warnings": models.warnings,
            "projection_error": self._projection_error,
            "statuses": {
                k: {"available": s.available, "reason": s.reason}
                for k, s in self.statuses().items()
            },  # fmt: skip
            "warnings": self.warnings,
        }
        (store / "run.json").write_text(json.dumps(doc, indent=2, default=str), encoding="utf-8")
        return self.config.write(self.folder / CONFIG_FILE)

    # -- reading a saved run ------------------------------------------------------------------
    def _stored_files(self) -> Path | None:
        """The run folder's shared files when they were written for this configuration."""
        if self.folder is None or not self._reuse:
            return None
        if self._stored is None:
            path = self.folder / RUN_FOLDER / "run.json"
            if not path.is_file():
                return None
            doc = json.loads(path.read_text(encoding="utf-8"))
            if doc.get("format") != _FORMAT or doc.get("config_digest") != self.config.digest():
                return None
            self._stored = doc
            self.warnings = list(doc.get("warnings", []))
        return self.folder / RUN_FOLDER

    def _stored_models(self, store: Path) -> ClvModels:
        from .clv import load_model

        doc = self._stored or {}
        out = ClvModels(
            errors=dict(doc.get("model_errors", {})),
            warnings=list(doc.get("model_warnings", [])),
        )
        for name in ("purchase", "spend"):
            path = store / f"{name}_model.json"
            if path.is_file():
                setattr(out, name, load_model(path))
        return out

    def _stored_holdout(self, store: Path) -> HoldoutCheck:
        from .clv import load_model

        doc = (self._stored or {})["holdout"]
        check = HoldoutCheck(
            HoldoutPlan.from_dict(doc["plan"]),
            repeat_buyers=doc.get("repeat_buyers"),
            error=doc.get("error"),
            choice=None if doc.get("choice") is None else _choice_from(doc["choice"]),
            warnings=list(doc.get("warnings", [])),
        )
        if doc.get("split"):
            check.split = pd.read_parquet(store / "holdout_split.parquet")
        path = store / "calibration_model.json"
        if path.is_file():
            check.model = load_model(path)
        return check


def _choice_doc(choice: Any) -> dict[str, Any]:
    table = choice.table.astype(object).where(choice.table.notna(), None)
    return {
        "table": table.to_dict("records"),
        "columns": list(choice.table.columns),
        "recommended": choice.recommended,
        "chosen": choice.chosen,
        "reason": choice.reason,
    }


def _choice_from(doc: dict[str, Any]) -> Any:
    from .clv import ModelComparison

    table = pd.DataFrame(doc["table"], columns=doc["columns"])
    for col in table.columns:
        if col in ("model", "flags", "caveats"):
            continue
        converted = pd.to_numeric(table[col], errors="coerce")
        if table[col].isna().equals(converted.isna()):
            table[col] = converted
    for col in ("converged", "identified", "calibrated", "recommended", "chosen"):
        if col in table.columns:
            table[col] = table[col].astype(bool)
    return ModelComparison(
        table=table,
        recommended=doc["recommended"],
        chosen=doc["chosen"],
        reason=doc["reason"],
        models={},
    )


def prepare_run(config: RunConfig, folder: str | Path) -> Run:
    """Load and clean the log, fit the models and write the shared files into ``folder``.

    Parameters
    ----------
    config : RunConfig
    folder : path
        The report's output folder.

    Returns
    -------
    Run
        Its ``folder / "config.toml"`` is what the notebooks receive as ``config_path``.

    Raises
    ------
    DataValidationError
        The log cannot be read, no purchase survives cleaning, or a grouping column the
        user asked for is not in the log.
    """
    if not isinstance(config, RunConfig):
        raise InputTypeError(
            f"`config` must be a RunConfig (`retention_lib.load_config` or "
            f"`RunConfig.from_inputs`), got {type(config).__name__}."
        )
    folder = require_path(folder, name="folder", kind="folder")
    run = Run(config, folder=folder, reuse=False)  # never the files of an earlier run
    tx = run.transactions
    bought = purchase_mask(tx)
    if not bought.any():
        raise DataValidationError(
            f"No purchase survives cleaning ({run.cleaning.rows_read:,} rows read, "
            f"{run.cleaning.rows_kept:,} kept, none a purchase with a positive amount): there "
            "is nothing to analyse. Check the amount columns and the cleaning report."
        )
    by = config.setting("by")
    missing = [c for c in config.by if c not in run.facts.columns]
    if by.given and missing:
        raise DataValidationError(
            f"The grouping column(s) {', '.join(f'`{c}`' for c in missing)} "
            f"({by.origin}) are not in the cleaned log; its columns are "
            f"{', '.join(f'`{c}`' for c in run.facts.columns)} (`region` comes from a country "
            "column)."
        )
    experiment = config.setting("experiment")
    if experiment.value is not None and experiment.value not in run.facts.columns:
        raise DataValidationError(
            f"The experiment column `{experiment.value}` ({experiment.origin}) is not in the "
            f"log; its columns are {', '.join(f'`{c}`' for c in run.facts.columns)}."
        )
    _check_cac_segments(run)
    run.survey  # noqa: B018 - a bad survey file stops the run here, before any notebook
    run.save()
    return run


def _check_cac_segments(run: Run) -> None:
    """Costs per acquisition segment must name the log's segments and cover all of them
    (or come with an overall cost for the rest)."""
    config = run.config
    costs = config.cac_by_segment
    if not costs:
        return
    origin = config.setting("cac_by_segment").origin
    tx = run.transactions
    if "segment" not in tx.columns:
        raise DataValidationError(
            f"Acquisition costs per segment ({origin}) need a segment column: the log has "
            "none. Name it with --segment COL, or give one overall cost (--cac 40)."
        )
    segments = sorted(tx["segment"].dropna().astype(str).unique())
    unknown = [s for s in costs if s not in segments]
    if unknown:
        raise DataValidationError(
            f"Acquisition cost(s) ({origin}) for {', '.join(map(repr, unknown))}: no such "
            f"segment in the log; its segments are {', '.join(map(repr, segments))}."
        )
    uncovered = [s for s in segments if s not in costs]
    if uncovered and config.cac is None:
        raise DataValidationError(
            f"No acquisition cost for segment(s) {', '.join(map(repr, uncovered))}: give "
            f"theirs (--cac {uncovered[0]}=COST) or one overall cost for the rest (--cac COST)."
        )


def open_run(config_path: str | Path | None = None, **given: Any) -> Run:
    """The run a notebook works on: the report's (``config_path``) or one of its own.

    Parameters
    ----------
    config_path : path, optional
        A config file. When it is the ``config.toml`` of a report's output folder, the
        shared files written for it there are read instead of recomputed, and exports go
        to that folder; any other config file is only read.
    **given
        Settings that override the file (``data_path=``, ``currency=``, ...; None = not
        given), as notebook parameters do.

    Returns
    -------
    Run

    Examples
    --------
    >>> run = open_run()  # the bundled sample  # doctest: +SKIP
    >>> run = open_run("reports/config.toml")  # doctest: +SKIP
    """
    given = {k: v for k, v in given.items() if v is not None}
    if config_path is not None:
        require_path(config_path, name="config_path", example="config.toml")
    if config_path is None:
        return Run(RunConfig.from_inputs(given))
    config_path = Path(config_path)
    config = RunConfig.from_inputs(given, config_file=config_path)
    run = Run(config, folder=config_path.resolve().parent)
    if run._stored_files() is None:  # not a report's folder (or not for this config):
        run.folder = None  # compute in memory and write nothing next to the user's file
    return run
