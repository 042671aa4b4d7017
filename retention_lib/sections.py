"""What each report section needs, whether this log has it, and the sentence that says so.

The report is written for every log that loads and keeps a purchase after cleaning. A section
whose needs the log does not meet is replaced, in its place, by one short paragraph naming
what it needs and what the log has ("Customer lifetime value needs at least 8 weeks of
history and 10 repeat buyers: this log has 3 weeks and 0 repeat buyers."). The decisions and
their wording live here, as tested functions of the log's facts; ``retention_lib.run`` applies
them to a run and the report drops the cells of an unavailable section (notebook cells tagged
``needs-<section>``).

Notes
-----
``cohorts``
    Cohort retention: purchases in at least :data:`MIN_COHORT_MONTHS` calendar months.
``projection``
    Where retention is heading: cohorts followed two months or more, some customers lost,
    enough months to check the projection (its model fits).
``groups``
    Per-group figures: the grouping column (``region`` needs a country column) with a group
    of at least :data:`MIN_GROUP_CUSTOMERS` customers.
``countries``
    The largest market against the rest: a country column.
``clv``
    BG/NBD-family purchase model and Gamma-Gamma spend model fitted on the whole log:
    :data:`MIN_HISTORY_WEEKS` of history and :data:`MIN_REPEAT_BUYERS` repeat buyers.
``intervals``
    Intervals of CLV: the parameter uncertainty of both models (a finite covariance).
``holdout``
    The forecast checked against a holdout period: a holdout of at least
    :data:`MIN_HOLDOUT_WEEKS` leaving :data:`MIN_HISTORY_WEEKS` before it, with enough
    repeat buyers there, and a model fitted on them.
``whatif``
    What more retention is worth: a purchase model with a dropout after each purchase
    (BG/NBD or MBG/NBD).
``kpis``
    Retention KPIs of the last :data:`KPI_MONTHS` months: customers active at their start.
``abtest``
    The A/B test: :data:`MIN_TEST_CUSTOMERS` customers active before its window.
``survey``
    Survey scores: a survey file.
``cac``
    LTV:CAC verdicts: the user's acquisition cost.
``retention_cost``
    Return on a retention programme: the user's cost of the programme.
"""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, fields
from typing import Any

import numpy as np
import pandas as pd

from ._schema import purchase_mask
from ._validation import (
    InputTypeError,
    require_bool,
    require_column_name,
    require_date,
    require_frame,
    require_frame_columns,
    require_keys,
    require_sequence_of_str,
    require_str,
    require_transactions,
    require_whole_number,
)

__all__ = [
    "DEFAULT_HOLDOUT_WEEKS",
    "KPI_ACTIVE_DAYS",
    "KPI_MONTHS",
    "MIN_GROUP_CUSTOMERS",
    "MIN_COHORT_MONTHS",
    "MIN_HISTORY_WEEKS",
    "MIN_HOLDOUT_WEEKS",
    "MIN_REPEAT_BUYERS",
    "MIN_TEST_CUSTOMERS",
    "SECTIONS",
    "HoldoutPlan",
    "LogFacts",
    "SectionStatus",
    "abtest_status",
    "clv_status",
    "cohorts_status",
    "countries_status",
    "groups_status",
    "holdout_plan",
    "holdout_status",
    "input_status",
    "intervals_status",
    "kpis_status",
    "log_facts",
    "projection_status",
    "survey_status",
    "whatif_status",
]

#: Weeks of history a purchase model needs (on the whole log, and before a holdout).
MIN_HISTORY_WEEKS = 8
#: Customers with purchases on two or more days a purchase model needs.
MIN_REPEAT_BUYERS = 10
#: Shortest holdout worth comparing a forecast with.
MIN_HOLDOUT_WEEKS = 4
#: Holdout length when the history allows it and the user gave none.
DEFAULT_HOLDOUT_WEEKS = 26
#: Calendar months of purchases a retention triangle needs (one month is only period 0).
MIN_COHORT_MONTHS = 2
#: Customers active before its window an A/B test of retention needs (both groups together).
MIN_TEST_CUSTOMERS = 20
#: Customers the largest group needs for per-group figures (smaller groups are left out).
MIN_GROUP_CUSTOMERS = 50
#: Length of the KPI period and activity window (notebook 05's ``period_months``,
#: ``active_days``).
KPI_MONTHS, KPI_ACTIVE_DAYS = 6, 180

#: Every section name, with what it covers (the ``needs-<name>`` cell tags of the notebooks).
SECTIONS: dict[str, str] = {
    "cohorts": "cohort retention",
    "projection": "where retention is heading",
    "groups": "figures per group",
    "countries": "the largest market against the rest",
    "clv": "customer lifetime value",
    "intervals": "intervals of customer lifetime value",
    "holdout": "the holdout check of the CLV model",
    "kpis": "the retention KPIs of the last months",
    "whatif": "what more retention is worth",
    "abtest": "the A/B test of a retention campaign",
    "survey": "survey scores",
    "cac": "LTV:CAC",
    "retention_cost": "the return on retention spending",
}


@dataclass(frozen=True)
class SectionStatus:
    """Whether a section can be computed on this log, and if not, why.

    Truthy when available. In a notebook, an unavailable status displays its paragraph.

    Attributes
    ----------
    section : str
        One of :data:`SECTIONS`.
    available : bool
    reason : str
        One short paragraph: what the section needs and what this log has ("" if available).
    """

    section: str
    available: bool
    reason: str = ""

    def __bool__(self) -> bool:
        return self.available

    def _repr_markdown_(self) -> str | None:
        return None if self.available else f"**Not shown.** {self.reason}"

    def _repr_html_(self) -> str | None:
        if self.available:
            return None
        return f'<div class="rl-skip"><p><b>Not shown.</b> {html.escape(self.reason)}</p></div>'

    def __repr__(self) -> str:
        state = "available" if self.available else f"not available: {self.reason}"
        return f"<SectionStatus {self.section}: {state}>"


def _ok(section: str) -> SectionStatus:
    return SectionStatus(section, True)


def _no(section: str, reason: str) -> SectionStatus:
    return SectionStatus(section, False, " ".join(reason.split()))


def _plural(n: int, word: str, many: str | None = None) -> str:
    return f"{n:,} {word if n == 1 else (many or word + 's')}"


def _weeks(weeks: float) -> str:
    # whole weeks as a reader counts them ("3 weeks", "less than a week")
    if weeks < 1:
        return "less than a week"
    return _plural(int(math.floor(weeks + 1e-9)), "week")


def _day(ts: pd.Timestamp) -> str:
    return f"{ts.day} {ts:%b %Y}"


# ----------------------------------------------------------------------------- facts


@dataclass(frozen=True)
class LogFacts:
    """What a cleaned log holds, as far as the sections' needs go.

    Attributes
    ----------
    customers : int
        Customers with a purchase.
    purchase_days : int
        (customer, day) pairs with a purchase: the transactions the CLV models count.
    repeat_buyers : int
        Customers with purchases on two or more days (``frequency > 0`` in the RFM summary).
    first, last : pandas.Timestamp
        Day of the first purchase, and the last day of the log (its latest row).
    history_weeks : float
        ``(last - first)`` in weeks.
    months : int
        Calendar months from the first to the last purchase, both counted.
    columns : tuple of str
        Columns of the cleaned log.
    """

    customers: int
    purchase_days: int
    repeat_buyers: int
    first: pd.Timestamp
    last: pd.Timestamp
    history_weeks: float
    months: int
    columns: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """The facts as a JSON-ready dict (dates as ISO text)."""
        out = asdict(self)
        out["first"], out["last"] = str(self.first.date()), str(self.last.date())
        out["columns"] = list(self.columns)
        return out

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> LogFacts:
        """Rebuild the facts from :meth:`to_dict` output.

        Parameters
        ----------
        doc : dict
            A document written by ``to_dict``.
        """
        keys = [f.name for f in fields(cls) if f.name != "columns"]
        values = require_keys(doc, keys, name="doc", producer="LogFacts.to_dict")
        values["first"], values["last"] = (
            pd.Timestamp(values["first"]),
            pd.Timestamp(values["last"]),
        )
        values["columns"] = tuple(values.get("columns", ()))
        return cls(**values)


def log_facts(transactions: pd.DataFrame, summary: pd.DataFrame) -> LogFacts:
    """The facts of a cleaned log and its RFM summary (``rfm_summary(tx, grain="D")``).

    Parameters
    ----------
    transactions : pandas.DataFrame
        Clean canonical transactions.
    summary : pandas.DataFrame
        Its RFM summary at day grain (``rfm_summary(tx, grain="D")``).

    Returns
    -------
    LogFacts
    """
    transactions = require_transactions(transactions)
    require_frame_columns(summary, ["frequency"], name="summary", producer="rfm_summary")
    bought = purchase_mask(transactions)
    first = transactions.loc[bought, "timestamp"].min().normalize()
    last = transactions["timestamp"].max().normalize()  # the day the log ends
    return LogFacts(
        customers=len(summary),
        purchase_days=int(len(summary) + summary["frequency"].sum()),
        repeat_buyers=int((summary["frequency"] > 0).sum()),
        first=first,
        last=last,
        history_weeks=(last - first).days / 7,
        months=(last.year - first.year) * 12 + last.month - first.month + 1,
        columns=tuple(map(str, transactions.columns)),
    )


# ----------------------------------------------------------------------------- decisions


def _require_facts(facts: Any) -> None:
    if not isinstance(facts, LogFacts):
        raise InputTypeError(
            f"`facts` must be the LogFacts of `log_facts`, got {type(facts).__name__}."
        )


def _require_status(status: Any, name: str = "clv") -> None:
    if not isinstance(status, SectionStatus):
        raise InputTypeError(
            f"`{name}` must be a SectionStatus (e.g. of `clv_status`), got {type(status).__name__}."
        )


def cohorts_status(facts: LogFacts) -> SectionStatus:
    """Cohort retention needs purchases in :data:`MIN_COHORT_MONTHS` calendar months.

    Parameters
    ----------
    facts : LogFacts
        :func:`log_facts` output.
    """
    _require_facts(facts)
    if facts.months >= MIN_COHORT_MONTHS:
        return _ok("cohorts")
    return _no(
        "cohorts",
        f"Cohort retention needs purchases in at least {MIN_COHORT_MONTHS} calendar months, "
        f"to see who comes back a month later: this log covers {_plural(facts.months, 'month')} "
        f"({_day(facts.first)} to {_day(facts.last)}).",
    )


def projection_status(error: str | None) -> SectionStatus:
    """Where retention is heading needs its retention model to fit the log's cohorts.

    Parameters
    ----------
    error : str or None
        Why fitting the projection (or its backtest) failed on this log, if it did.
    """
    error = require_str(error, name="error", allow_none=True)
    if not error:
        return _ok("projection")
    text = " ".join(str(error).split())
    if "was lost" in text:
        cause = "no customer of this log has gone three months without buying yet"
    elif "period 0 only" in text:
        cause = "no cohort of this log can be followed past its first month yet"
    elif "too uncertain to draw from" in text:
        cause = (
            "its model, fitted on this log's cohorts, sits near a boundary and is too "
            "uncertain to project"
        )
    elif "no valid probabilities" in text:
        cause = "its model, fitted on this log's cohorts, gives no valid probabilities"
    elif "hold out" in text or "No cell is projected" in text:
        cause = "this log is too short to check a projection against its last three months"
    else:
        cause = _fit_problem(text.split(": ", 1)[-1])
    return _no(
        "projection",
        "Where retention is heading projects the share of each cohort still buying (a "
        "customer counts as lost after three months without a purchase) with a model fitted "
        "on the cohorts followed so far, and needs cohorts followed two months or more with "
        f"some customers lost: {cause}.",
    )


def groups_status(
    facts: LogFacts,
    by: str | None,
    *,
    requested: Sequence[str] = (),
    largest: tuple[str, int] | None = None,
) -> SectionStatus:
    """Per-group figures need the grouping column and one group of
    :data:`MIN_GROUP_CUSTOMERS` customers (``region`` comes from a country column).

    Parameters
    ----------
    facts : LogFacts
    by : str or None
        The grouping column the run uses (None: none of ``requested`` is in the log).
    requested : sequence of str
        The grouping columns asked for (``("region",)`` by default).
    largest : (str, int), optional
        The largest group of ``by`` and its number of customers.
    """
    _require_facts(facts)
    by = require_column_name(by, name="by")
    requested = require_sequence_of_str(requested, name="requested", what="column names")
    if largest is not None and not (
        isinstance(largest, tuple)
        and len(largest) == 2
        and isinstance(largest[1], int | np.integer)
    ):
        raise InputTypeError(
            f"`largest` must be a (group, customers) pair such as ('UK', 120), got {largest!r}."
        )
    if by is not None and by in facts.columns:
        if largest is None or largest[1] >= MIN_GROUP_CUSTOMERS:
            return _ok("groups")
        return _no(
            "groups",
            f"Figures by {by} leave out groups of fewer than {MIN_GROUP_CUSTOMERS} customers, "
            f"whose rates are noise: this log's largest, {largest[0]}, has "
            f"{_plural(largest[1], 'customer')}.",
        )
    asked = ", ".join(f"`{c}`" for c in requested) or "a grouping column"
    if "region" in requested and "country" not in facts.columns:
        need = "a country column (mapped to regions)"
        fix = "Name it with --country COL, or group by another column with --by COL."
    else:
        need = f"the column {asked}"
        fix = "Group by another column with --by COL."
    return _no(
        "groups",
        f"Figures by group need {need}: this log has none (its columns are "
        f"{', '.join(f'`{c}`' for c in facts.columns if c not in _INTERNAL)}). {fix}",
    )


_INTERNAL = {"source_row", "is_return", "currency_original"}


def countries_status(facts: LogFacts) -> SectionStatus:
    """The largest market against the rest needs a country column.

    Parameters
    ----------
    facts : LogFacts
        :func:`log_facts` output.
    """
    _require_facts(facts)
    if "country" in facts.columns:
        return _ok("countries")
    return _no(
        "countries",
        "The largest market against the rest needs a country column: this log has none. "
        "Name it with --country COL.",
    )


def clv_status(
    facts: LogFacts,
    *,
    model_label: str = "BG/NBD",
    fit_error: str | None = None,
    spend_error: str | None = None,
    forecast_error: str | None = None,
    horizon_months: int = 12,
) -> SectionStatus:
    """Customer lifetime value needs history, repeat buyers, fitted models and a finite
    forecast over the horizon.

    Parameters
    ----------
    facts : LogFacts
    model_label : str
        Name of the purchase model, for the message.
    fit_error, spend_error : str, optional
        Why the purchase model or the Gamma-Gamma spend model could not be fitted.
    forecast_error : str, optional
        Why the fitted purchase model gives no finite (or no plausible) forecast over ``horizon_months``.
    horizon_months : int
        CLV horizon in months.
    """
    _require_facts(facts)
    model_label = require_str(model_label, name="model_label")
    fit_error, spend_error, forecast_error = (
        require_str(v, name=n, allow_none=True)
        for n, v in (("fit_error", fit_error), ("spend_error", spend_error),
                     ("forecast_error", forecast_error))
    )  # fmt: skip
    horizon_months = require_whole_number(horizon_months, name="horizon_months", low=1)
    if facts.history_weeks < MIN_HISTORY_WEEKS or facts.repeat_buyers < MIN_REPEAT_BUYERS:
        return _no(
            "clv",
            f"Customer lifetime value needs at least {MIN_HISTORY_WEEKS} weeks of history and "
            f"{MIN_REPEAT_BUYERS} repeat buyers (customers who bought on two or more days) to "
            f"fit its models: this log has {_weeks(facts.history_weeks)} and "
            f"{_plural(facts.repeat_buyers, 'repeat buyer')}.",
        )
    if fit_error:
        return _no(
            "clv",
            f"The {model_label} purchase model could not be fitted on this log "
            f"({_fit_problem(fit_error)}). Re-run with a small penalty on its parameters "
            "(--penalizer 0.01) or another model (--model pnbd).",
        )
    if forecast_error:
        return _no(
            "clv",
            f"The fitted {model_label} model gives no usable forecast of purchases over "
            f"{horizon_months} months for some customers of this log (its parameters make the "
            "formula unstable). Re-run with another model (--model pnbd), a shorter horizon "
            "(--horizon-months) or a small penalty (--penalizer 0.01).",
        )
    if spend_error:
        return _no(
            "clv",
            f"The Gamma-Gamma spend model could not be fitted on this log "
            f"({_fit_problem(spend_error)}), so there is no value per customer.",
        )
    return _ok("clv")


def intervals_status(clv: SectionStatus, *, singular: Sequence[str] = ()) -> SectionStatus:
    """Intervals of CLV carry the models' parameter uncertainty, so they need a finite
    covariance of both models' parameters.

    Parameters
    ----------
    clv : SectionStatus
        The ``clv`` status.
    singular : sequence of str
        Labels of the models whose covariance is missing (a flat likelihood).
    """
    _require_status(clv)
    singular = require_sequence_of_str(singular, name="singular", what="parameter names")
    if not clv:
        return _no("intervals", clv.reason)
    if singular:
        return _no(
            "intervals",
            f"Intervals of CLV carry the uncertainty of the models' parameters: the "
            f"{' and '.join(singular)} fit has none (its likelihood is flat in some direction, "
            "as when a parameter sits on a boundary). Re-run with a small penalty "
            "(--penalizer 0.01) to see them.",
        )
    return _ok("intervals")


def kpis_status(
    customers_start: int, *, start: pd.Timestamp, months: int = KPI_MONTHS,
    active_days: int = KPI_ACTIVE_DAYS,
) -> SectionStatus:  # fmt: skip
    """The KPIs of the last ``months`` compare the customers active at their start (a
    purchase in the ``active_days`` before it) with those active at their end.

    Parameters
    ----------
    active_days : int
        Days without a purchase after which a customer counts as inactive.
    customers_start : int
        Customers active at the start of the KPI period.
    months : int
        Length of the window in calendar months.
    start : pandas.Timestamp
        Start of the KPI period.
    """
    customers_start = require_whole_number(customers_start, name="customers_start", low=0)
    start = require_date(start, name="start")
    months = require_whole_number(months, name="months", low=1)
    active_days = require_whole_number(active_days, name="active_days", low=1)
    if customers_start > 0:
        return _ok("kpis")
    return _no(
        "kpis",
        f"The retention KPIs of the last {months} months follow the customers who were active "
        f"(bought in the {active_days} days before) on {_day(start)}, when that period starts: "
        "this log has none, as its purchases start later.",
    )


def whatif_status(clv: SectionStatus, *, model_label: str, has_dropout: bool) -> SectionStatus:
    """What more retention is worth needs the CLV models and a dropout after each purchase.

    The scenario raises the BG/NBD (or MBG/NBD) chance of staying after a purchase; the
    Pareto/NBD model has no such parameter.

    Parameters
    ----------
    clv : SectionStatus
        The CLV section's status (:func:`clv_status`).
    has_dropout : bool
        Whether the purchase model has drop-out (the what-if scenarios change it).
    model_label : str
        The purchase model's label (``"BG/NBD"``).
    """
    _require_status(clv)
    model_label = require_str(model_label, name="model_label")
    has_dropout = require_bool(has_dropout, name="has_dropout")
    if not clv:
        return _no("whatif", clv.reason)
    if not has_dropout:
        return _no(
            "whatif",
            f"What more retention is worth is modelled as a higher chance of staying after "
            f"each purchase, a parameter of the BG/NBD and MBG/NBD models: this run uses the "
            f"{model_label} model. Re-run with --model bgnbd to see it.",
        )
    return _ok("whatif")


def abtest_status(
    customers_before: int, *, window_months: int = 3, experiment: str | None = None
) -> SectionStatus:
    """An A/B test of retention needs the user's experiment column (which customers got the
    campaign) and customers active before its window. Without the column no test is run: a
    test on random halves of the customers would only show noise.

    Parameters
    ----------
    customers_before : int
        Customers with a row before the test window.
    experiment : str, optional
        The log's experiment column (None: none given).
    window_months : int
        Length of the test window in months.
    """
    customers_before = require_whole_number(customers_before, name="customers_before", low=0)
    window_months = require_whole_number(window_months, name="window_months", low=1)
    experiment = require_str(experiment, name="experiment", allow_none=True)
    if experiment is None:
        return _no(
            "abtest",
            "An A/B test compares the customers who got a campaign with those who did not, "
            "and needs the log's column that says which is which (give it with --experiment "
            "COL): none was given.",
        )
    if customers_before >= MIN_TEST_CUSTOMERS:
        return _ok("abtest")
    return _no(
        "abtest",
        f"The A/B test compares what customers active before its last {window_months} months "
        f"did in them, and needs {MIN_TEST_CUSTOMERS} such customers: this log has "
        f"{customers_before:,}.",
    )


def _fit_problem(error: str) -> str:
    """What went wrong in a fit, in a few words for a reader (not the optimiser's message)."""
    text = " ".join(str(error).split())
    if "did not converge" in text or "ConvergenceError" in text:
        return "its optimiser did not converge"
    if "non-finite" in text or "not finite" in text:
        return "it gave non-finite parameters"
    if "no repeat buyers" in text:
        return "it has no repeat buyers to learn from"
    cut = text.find(". ")
    return (text if cut < 0 else text[:cut]).rstrip(".")


@dataclass(frozen=True)
class HoldoutPlan:
    """The holdout period of the CLV check, or why there is none.

    Attributes
    ----------
    weeks : int or None
        Holdout length; None when the history is too short (then ``reason`` says why).
    calibration_end, observation_end : pandas.Timestamp or None
        Last day of the calibration period and of the holdout.
    chosen_by : {"user", "history"}
        The user's ``holdout_weeks``, or chosen from the history.
    reason : str
        Why there is no holdout ("" when there is one).
    """

    weeks: int | None
    calibration_end: pd.Timestamp | None
    observation_end: pd.Timestamp
    chosen_by: str
    reason: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The plan as a JSON-ready dict (dates as ISO text)."""
        return {
            "weeks": self.weeks,
            "calibration_end": None
            if self.calibration_end is None
            else str(self.calibration_end.date()),
            "observation_end": str(self.observation_end.date()),
            "chosen_by": self.chosen_by,
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> HoldoutPlan:
        """Rebuild the plan from :meth:`to_dict` output.

        Parameters
        ----------
        doc : dict
            A document written by ``to_dict``.
        """
        keys = ("observation_end", "chosen_by")
        doc = require_keys(doc, keys, name="doc", producer="HoldoutPlan.to_dict")
        cal = doc.get("calibration_end")
        return cls(
            weeks=doc.get("weeks"),
            calibration_end=None if cal is None else pd.Timestamp(cal),
            observation_end=pd.Timestamp(doc["observation_end"]),
            chosen_by=doc["chosen_by"],
            reason=doc.get("reason", ""),
        )


def holdout_plan(facts: LogFacts, *, requested: int | None = None) -> HoldoutPlan:
    """Choose the holdout length from the history, or check the user's.

    Without ``requested``: :data:`DEFAULT_HOLDOUT_WEEKS`, shortened to half the history, and
    further so that :data:`MIN_HISTORY_WEEKS` stay before it; no holdout when that leaves
    less than :data:`MIN_HOLDOUT_WEEKS`. With ``requested``: that length, if it leaves
    :data:`MIN_HISTORY_WEEKS` before it.

    Parameters
    ----------
    facts : LogFacts
        :func:`log_facts` output.
    requested : int, optional
        Holdout length the user asked for, in weeks (None: chosen from the history).

    Examples
    --------
    >>> facts = LogFacts(100, 300, 40, pd.Timestamp("2024-01-01"), pd.Timestamp("2024-07-01"),
    ...                  26.0, 7)
    >>> holdout_plan(facts).weeks
    13
    """
    _require_facts(facts)
    if requested is not None:
        requested = require_whole_number(requested, name="requested", low=1, unit="weeks")
    end = facts.last
    history = int(math.floor(facts.history_weeks + 1e-9))
    if requested is not None:
        if history - requested < MIN_HISTORY_WEEKS:
            most = history - MIN_HISTORY_WEEKS
            fix = (
                f"Use --holdout-weeks {most} or less."
                if most >= MIN_HOLDOUT_WEEKS
                else "This log is too short for a holdout check."
            )
            return HoldoutPlan(
                None,
                None,
                end,
                "user",
                f"The holdout check fits the model on the weeks before the holdout and needs "
                f"at least {MIN_HISTORY_WEEKS} of them: the {requested}-week holdout asked for "
                f"(--holdout-weeks) leaves {_weeks(max(facts.history_weeks - requested, 0))} of "
                f"this log's {_weeks(facts.history_weeks)}. {fix}",
            )
        return HoldoutPlan(requested, end - pd.Timedelta(weeks=requested), end, "user")
    weeks = min(DEFAULT_HOLDOUT_WEEKS, history // 2)
    weeks = min(weeks, history - MIN_HISTORY_WEEKS)
    if weeks < MIN_HOLDOUT_WEEKS:
        return HoldoutPlan(
            None,
            None,
            end,
            "history",
            f"The holdout check needs at least {MIN_HISTORY_WEEKS + MIN_HOLDOUT_WEEKS} weeks of "
            f"history ({MIN_HISTORY_WEEKS} to fit the model, {MIN_HOLDOUT_WEEKS} to compare its "
            f"forecast with what customers did): this log has {_weeks(facts.history_weeks)}.",
        )
    return HoldoutPlan(weeks, end - pd.Timedelta(weeks=weeks), end, "history")


def holdout_status(
    plan: HoldoutPlan,
    *,
    calibration_repeat_buyers: int | None = None,
    fit_error: str | None = None,
    model_label: str = "BG/NBD",
) -> SectionStatus:
    """The holdout check needs a holdout plan, repeat buyers before it and a fitted model.

    Parameters
    ----------
    calibration_repeat_buyers : int, optional
        Repeat buyers in the calibration period.
    fit_error : str, optional
        Why the calibration fit failed, if it did.
    model_label : str
        The purchase model's label (``"BG/NBD"``).
    plan : HoldoutPlan
        :func:`holdout_plan` output.
    """
    if not isinstance(plan, HoldoutPlan):
        raise InputTypeError(
            f"`plan` must be the HoldoutPlan of `holdout_plan`, got {type(plan).__name__}."
        )
    if calibration_repeat_buyers is not None:
        calibration_repeat_buyers = require_whole_number(
            calibration_repeat_buyers, name="calibration_repeat_buyers", low=0
        )
    fit_error = require_str(fit_error, name="fit_error", allow_none=True)
    model_label = require_str(model_label, name="model_label")
    if plan.weeks is None:
        return _no("holdout", plan.reason)
    if calibration_repeat_buyers is not None and calibration_repeat_buyers < MIN_REPEAT_BUYERS:
        return _no(
            "holdout",
            f"The holdout check fits the model on the {_plural(plan.weeks, 'week')} before "
            f"the holdout (to {_day(plan.calibration_end)}) and needs {MIN_REPEAT_BUYERS} repeat "
            f"buyers there: that period has {_plural(calibration_repeat_buyers, 'repeat buyer')}.",
        )
    if fit_error:
        return _no(
            "holdout",
            f"The {model_label} model could not be fitted on the weeks before the "
            f"{plan.weeks}-week holdout ({_fit_problem(fit_error)}). Re-run with a small "
            "penalty (--penalizer 0.01), another model (--model pnbd) or a shorter holdout "
            "(--holdout-weeks).",
        )
    return _ok("holdout")


def survey_status(survey: pd.DataFrame | None, *, linked: int | None = None) -> SectionStatus:
    """Survey scores need a survey file whose answers link to customers of the log.

    Parameters
    ----------
    linked : int, optional
        Survey answers linked to a customer of the log.
    survey : pandas.DataFrame or None
        The run's survey (None: none given).
    """
    if survey is not None:
        require_frame(survey, name="survey", producer="load_sample_survey")
    if linked is not None:
        linked = require_whole_number(linked, name="linked", low=0)
    if survey is None:
        return _no(
            "survey",
            "Survey scores (NPS, CSAT, CES, loyalty) need a survey file: none was given. Pass "
            "--survey answers.csv (one row per answer: the customer's id, and NPS, CSAT, CES or "
            "loyalty scores; the README names the columns).",
        )
    if linked is not None and linked == 0:
        return _no(
            "survey",
            f"Survey scores need answers from customers of this log: none of the survey's "
            f"{len(survey):,} answers has a customer_id found in the log.",
        )
    return _ok("survey")


_INPUTS = {
    "cac": (
        "LTV:CAC compares a customer's value with what acquiring one costs, and needs your "
        "acquisition cost: none was given, so there is no LTV:CAC verdict. Pass --cac 40, or "
        "one per acquisition segment (--cac organic=2 --cac paid_search=12)."
    ),
    "retention_cost": (
        "The return on retention spending needs the cost of the retention programme: none "
        "was given. Pass --retention-cost 2000 (in the reporting currency)."
    ),
}


def input_status(section: str, *, given: bool) -> SectionStatus:
    """Sections resting on a business input the user must give (``cac``, ``retention_cost``).

    An example value is never used in its place: without the user's input the section says
    what it needs instead of showing a verdict.

    Parameters
    ----------
    given : bool
        Whether the user gave the input.
    section : str
        The section that needs the business input (``"whatif"``, ...).
    """
    section = require_str(section, name="section")
    given = require_bool(given, name="given")
    if section not in _INPUTS:
        raise ValueError(f"`section` must be one of {', '.join(_INPUTS)}; got {section!r}.")
    return _ok(section) if given else _no(section, _INPUTS[section])
