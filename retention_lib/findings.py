"""The report's executive summary and its assumptions and caveats, computed from the numbers.

Each finding is one sentence from a tested function of the figures it states (the same
figures the sections show), with a link to the section that shows them. The assumptions
list every input of the run with its value and where it came from (the user's flag or
argument, a config file, or the library's default); the caveats collect every warning raised
while computing, every skipped section with its reason, and the rows cleaning dropped.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pandas as pd

from . import _reading as say
from ._validation import (
    DataValidationError,
    InputTypeError,
    require_bool,
    require_currency_code,
    require_frame_columns,
    require_in_range,
    require_margin,
    require_number,
    require_sequence,
    require_sequence_of_str,
    require_str,
    require_whole_number,
)

__all__ = [
    "Finding",
    "assumptions_table",
    "caveats_table",
    "cohort_trend_finding",
    "concentration_finding",
    "executive_summary",
    "for_reader",
    "main_caveat",
    "retention_finding",
    "risk_finding",
    "scorecard_auc",
    "survey_finding",
    "value_finding",
    "warning_kind",
]

#: Months at which the summary quotes retention.
SUMMARY_MONTHS = (1, 3, 6)
#: Fewest complete cohorts (of a month 1 observed) before newer and older ones are compared.
MIN_TREND_COHORTS = 4


@dataclass(frozen=True)
class Finding:
    """One line of the executive summary.

    Attributes
    ----------
    topic : str
        ``"Retention"``, ``"Concentration"``...
    text : str
        The sentence.
    section : str
        Heading of the report section that shows the figures (the link target).
    """

    topic: str
    text: str
    section: str

    @property
    def anchor(self) -> str:
        """The id the report gives the section's heading (as nbconvert makes it: spaces as
        dashes, other characters a URL fragment cannot hold percent-encoded)."""
        return quote(self.section.replace(" ", "-"), safe="?/:@!$&'()*+,;=")


# ----------------------------------------------------------------------------- the findings


def retention_finding(curves: pd.DataFrame, *, at: Sequence[int] = SUMMARY_MONTHS) -> str | None:
    """Retention at months 1, 3 and 6 from an average retention curve.

    Parameters
    ----------
    curves : pandas.DataFrame
        :func:`~retention_lib.average_retention` output without groups.
    at : sequence of int
        Months to quote (those the cohorts have not reached are left out).

    Returns
    -------
    str or None
        None when no quoted month is observed.
    """
    require_frame_columns(
        curves, ["period_number", "retention"], name="curves", producer="average_retention"
    )
    at = [
        require_whole_number(k, name="at", low=0)
        for k in require_sequence(at, name="at", what="months", example="(1, 3, 6)")
    ]
    by_k = curves.set_index("period_number")["retention"]
    quoted = [k for k in at if k in by_k.index and say.finite(by_k[k])]
    if not quoted:
        return None
    if all(float(by_k[k]) == 0 for k in quoted):
        months = say.join([f"month {k}" for k in quoted])
        return (
            f"No new customer bought again in {months} after the first purchase: in this log "
            "every customer observed that long bought once."
        )
    first, *rest = quoted
    parts = [f"{say.pct(by_k[first])} buy again in month {first} after their first purchase"]
    parts += [f"{say.pct(by_k[k])} in month {k}" for k in rest]
    text = f"Of each month's new customers, on average {say.join(parts)}"
    if len(quoted) >= 2:
        change = float(by_k[quoted[-1]] - by_k[quoted[0]])
        if change < -say.LEVEL:
            text += "; retention fades with time"
        elif change > say.LEVEL:
            text += "; the later months rest on the older cohorts only"
    return text + "."


def cohort_trend_finding(
    table: pd.DataFrame, *, period_number: int = 1, min_cohorts: int = MIN_TREND_COHORTS
) -> str | None:
    """Whether newer cohorts come back more or less often than older ones.

    The complete cohorts observed at ``period_number`` are split in two by date (the newer
    half gets the extra one); each half's retention is weighted by cohort size.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`~retention_lib.cohort_retention` output without groups.
    period_number : int
        The month compared (1: the month after the first purchase).
    min_cohorts : int
        Fewest cohorts to compare.

    Returns
    -------
    str or None
        None with fewer than ``min_cohorts`` cohorts observed that long.
    """
    cols = ["cohort", "period_number", "observable", "partial", "customers", "cohort_size"]
    require_frame_columns(table, cols, name="table", producer="cohort_retention")
    period_number = require_whole_number(period_number, name="period_number", low=1)
    min_cohorts = require_whole_number(min_cohorts, name="min_cohorts", low=2)
    cells = table[(table["period_number"] == period_number) & table["observable"]]
    cells = cells[~cells["partial"].astype(bool)]
    cells = cells.sort_values("cohort")
    if len(cells) < min_cohorts:
        return None
    older, newer = cells.iloc[: len(cells) // 2], cells.iloc[len(cells) // 2 :]

    def rate(part: pd.DataFrame) -> float:
        return float(part["customers"].sum() / part["cohort_size"].sum())

    old, new = rate(older), rate(newer)
    if old == new == 0:
        return None  # nobody came back: the retention finding says so
    span = (
        f"{say.pct(new)} of the {say.count(len(newer), 'newest cohort')} "
        f"({newer['cohort'].iloc[0]:%b %Y} to {newer['cohort'].iloc[-1]:%b %Y}) bought again in "
        f"month {period_number}, against {say.pct(old)} of the {len(older)} older ones"
    )
    if new < old - say.LEVEL:
        return f"Newer customers come back less often: {span}."
    if new > old + say.LEVEL:
        return f"Newer customers come back more often: {span}."
    return f"Newer customers come back about as often as older ones: {span}."


def concentration_finding(summary: pd.DataFrame) -> str:
    """Revenue concentration from :func:`~retention_lib.pareto.pareto_summary` (one row).

    Parameters
    ----------
    summary : pandas.DataFrame
        :func:`~retention_lib.pareto.pareto_summary` output (one row, no groups).
    """
    cols = ["top", "top_share", "customer_share_for_target", "n_customers_for_target", "target"]
    require_frame_columns(summary, cols, name="summary", producer="pareto_summary")
    if len(summary) != 1:
        raise DataValidationError(
            f"`summary` must be the one row of `retention_lib.pareto_summary` without groups; "
            f"it has {len(summary)} rows."
        )
    s = summary.iloc[0]
    return (
        f"The top {say.pct(s['top'])} of customers bring {say.pct(s['top_share'])} of net "
        f"revenue; {say.pct(s['customer_share_for_target'])} of customers "
        f"({int(s['n_customers_for_target']):,}) bring {say.pct(s['target'])} of it."
    )


def value_finding(
    total: float,
    lower: float | None,
    upper: float | None,
    *,
    customers: int,
    horizon_months: int,
    past_revenue: float,
    currency: str,
    margin: float,
    margin_given: bool,
    note: str | None = None,
) -> str:
    """Predicted value of the current customers over the horizon, with its interval, set
    against the net revenue of the last ``horizon_months`` months.

    Parameters
    ----------
    total, lower, upper : float
        Total CLV and its 95% interval (None: no interval).
    customers : int
        Customers it covers.
    horizon_months : int
    past_revenue : float
        Net revenue of the log's last ``horizon_months`` months (or of the whole log when
        shorter).
    currency : str
    margin : float
    margin_given : bool
        Whether the user gave the margin (else the value is revenue, and says so).
    note : str, optional
        What the model's fit means for the figure (e.g. that it is an upper bound).
    """
    total = require_number(total, name="total")
    lower = None if lower is None else require_number(lower, name="lower")
    upper = None if upper is None else require_number(upper, name="upper")
    customers = require_whole_number(customers, name="customers", low=0)
    horizon_months = require_whole_number(horizon_months, name="horizon_months", low=1)
    past_revenue = require_number(past_revenue, name="past_revenue")
    currency = require_currency_code(currency, name="currency")
    margin = require_margin(margin)
    margin_given = require_bool(margin_given, name="margin_given")
    note = require_str(note, name="note", allow_none=True)
    basis = (
        f"profit at the given {say.pct(margin)} margin"
        if margin_given
        else "revenue, not profit (no margin was given)"
    )
    interval = (
        f" (95% interval {say.money_short(lower, currency)} to {say.money_short(upper, currency)})"
        if lower is not None and upper is not None
        else " (no interval: the fit gives no parameter uncertainty)"
    )
    against = ""
    if past_revenue > 0:
        at_margin = (
            f" ({say.money_short(past_revenue * margin, currency)} at that margin)"
            if margin_given
            else ""
        )
        against = (
            f"; for comparison, the last {horizon_months} months brought "
            f"{say.money_short(past_revenue, currency)} of net revenue{at_margin}"
        )
    return (
        f"The {customers:,} customers are predicted to bring "
        f"{say.money_short(total, currency)}{interval} over the next {horizon_months} months, "
        f"as {basis}{against}." + (f" {note}" if note else "")
    )


def risk_finding(
    at_risk: int,
    high_value: int,
    value_at_risk: float,
    *,
    currency: str,
    horizon_months: int,
    score: str | None = None,
    auc: float | None = None,
) -> str:
    """Valuable customers at risk of leaving and the predicted value they hold.

    Parameters
    ----------
    at_risk, high_value : int
        Customers on the churn-risk list, and the high-value customers it was drawn from.
    value_at_risk : float
        Their predicted value over the horizon.
    currency : str
    horizon_months : int
    score, auc : str and float, optional
        The score the list ranks by (the churn scorecard's recommended one) and its AUC on
        the holdout (:func:`~retention_lib.clv.churn_scorecard`); without them the list
        ranks by the model's P(alive) and how well it predicts is not measured.
    """
    at_risk = require_whole_number(at_risk, name="at_risk", low=0)
    high_value = require_whole_number(high_value, name="high_value", low=0)
    if at_risk > high_value:
        raise DataValidationError(
            f"`at_risk` ({at_risk}) cannot exceed `high_value` ({high_value}): the churn-risk "
            "list is drawn from the high-value customers."
        )
    value_at_risk = require_number(value_at_risk, name="value_at_risk")
    currency = require_currency_code(currency, name="currency")
    horizon_months = require_whole_number(horizon_months, name="horizon_months", low=1)
    score = require_str(score, name="score", allow_none=True)
    if auc is not None:
        auc = require_in_range(auc, name="auc", low=0, high=1)
    if (score is None) != (auc is None):
        raise DataValidationError("Give `score` and `auc` together (the scorecard's).")
    if not high_value:
        return "No customer has a predicted value high enough to be watched for churn."
    if not at_risk:
        return (
            f"None of the {high_value:,} most valuable customers shows a sign of leaving "
            "(low or falling chance of still being active, or a purchase long overdue)."
        )
    return (
        f"{at_risk:,} of the {high_value:,} most valuable customers ({say.pct(at_risk / high_value)}) "
        f"show signs of leaving; they hold {say.money_short(value_at_risk, currency)} of "
        f"predicted revenue over the next {horizon_months} months. " + _ranking(score, auc)
    )


def _ranking(score: str | None, auc: float | None) -> str:
    if score is None or auc is None:
        return (
            "The list ranks them by the model's chance that each is still active; how well it "
            "predicts who stops buying is not measured in this report."
        )
    if auc <= 0.5 + say.LEVEL:
        quality = "no better than a coin toss at telling who stops buying"
    elif auc < 0.7:
        quality = "a weak ranking of who stops buying"
    elif auc < 0.8:
        quality = "a fair ranking of who stops buying"
    else:
        quality = "a good ranking of who stops buying"
    return (
        f"The list ranks them by {score}, whose AUC on the holdout is {auc:.2f} (0.5 is a coin "
        f"toss, 1 a perfect ranking): {quality}."
    )


def scorecard_auc(card: Any) -> float:
    """The holdout AUC of a churn scorecard's recommended score (the one the churn-risk list
    ranks by).

    Parameters
    ----------
    card : ChurnScorecard
        :func:`~retention_lib.clv.churn_scorecard` output.

    Returns
    -------
    float
    """
    from .clv import ChurnScorecard

    if not isinstance(card, ChurnScorecard):
        raise InputTypeError(
            f"`card` must be a ChurnScorecard (`retention_lib.clv.churn_scorecard`), got "
            f"{type(card).__name__}."
        )
    rows = card.table[card.table["scorer"] == card.recommended]
    if not card.recommended or rows.empty or not say.finite(rows["auc"].iloc[0]):
        raise DataValidationError(
            "`card` recommends no score with an AUC (no purchase model was fitted on its "
            "holdout); see its `table` notes."
        )
    return float(rows["auc"].iloc[0])


#: Survey scores that are shares of respondents (``survey_summary`` label -> the label in
#: a sentence, where the value reads as a percentage).
_SHARE_SCORES = {"CSAT (share)": "CSAT (share satisfied)"}


def survey_finding(scores: pd.DataFrame) -> str | None:
    """Survey scores from :func:`~retention_lib.kpis.survey_summary` (no groups).

    Parameters
    ----------
    scores : pandas.DataFrame
        :func:`~retention_lib.kpis.survey_summary` output (no groups).
    """
    if scores is None or scores.empty:
        return None
    cols = ["score", "value", "ci_low", "ci_high", "n"]
    require_frame_columns(scores, cols, name="scores", producer="survey_summary")
    parts = []
    for row in scores.itertuples(index=False):
        numbers = (row.value, row.ci_low, row.ci_high)
        if row.score in _SHARE_SCORES:  # a share of respondents: read as a percentage
            label, (value, low, high) = _SHARE_SCORES[row.score], map(say.pct, numbers)
        else:
            label, (value, low, high) = row.score, (f"{x:,.1f}" for x in numbers)
        parts.append(f"{label} {value} (95% interval {low} to {high})")
    n = int(scores["n"].max())
    return f"Survey ({n:,} answers): {say.join(parts)}."


def main_caveat(caveats: pd.DataFrame) -> str | None:
    """The caveat that weighs most on the report's figures (the first of
    :func:`caveats_table`, which lists them by weight), in one sentence.

    Parameters
    ----------
    caveats : pandas.DataFrame
        :func:`caveats_table` output.
    """
    if caveats is None or caveats.empty:
        return None
    require_frame_columns(caveats, ["kind", "caveat"], name="caveats", producer="caveats_table")
    row = caveats.iloc[0]
    text = row["caveat"]
    first, _, rest = text.partition(". ")
    detail = re.match(r"The (.+?) fit: ", first)
    if detail and rest:  # the fit's figures stay in the caveats; the summary says what they mean
        text = f"The {detail.group(1)} fit is flagged (its figures are in the caveats). {rest}"
    return f"{row['kind']}: {text}"


# ----------------------------------------------------------------------------- caveats


#: Kinds of caveat, the heaviest first (the executive summary quotes the first one found).
CAVEAT_KINDS = (
    "Value model",
    "Business input",
    "Section not shown",
    "Model fit",
    "Model check",
    "Small groups",
    "Data",
)


def warning_kind(text: str) -> str:
    """The kind of caveat (one of :data:`CAVEAT_KINDS`) a retention-lib warning is.

    Parameters
    ----------
    text : str
        The warning as ``"Category: message"`` (or the category name alone), e.g.
        ``"BoundaryWarning: The BG/NBD fit: ..."``.

    Returns
    -------
    str
        ``"Model fit"`` (convergence, boundary), ``"Small groups"``, ``"Model check"``
        (assumptions) or ``"Data"`` (anything else).
    """
    text = require_str(text, name="text")
    name = text.split(":", 1)[0]
    if name in ("ConvergenceWarning", "BoundaryWarning"):
        return "Model fit"
    if name == "SmallSampleWarning":
        return "Small groups"
    return "Model check" if name == "AssumptionWarning" else "Data"


def _strip_category(text: str) -> str:
    name, sep, message = text.partition(": ")
    return message if sep and name.endswith("Warning") else text


_CODE_ASIDE = re.compile(  # "(see `model.diagnostics_`)": code spans read as whole tokens
    r"\s*\((?:[^()`]|`[^`]*`)*?`[^`]*[.(=/][^`]*`(?:[^()`]|`[^`]*`)*\)"
)
_NAME = re.compile(r"`([A-Za-z_][A-Za-z0-9_]*)`")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(])")


def _in_words(match: re.Match) -> str:
    from .report import column_label

    label = str(column_label(match.group(1)))
    if len(label) > 1 and label[0].isupper() and label[1].islower():
        label = label[0].lower() + label[1:]  # mid-sentence
    return label


def for_reader(text: str) -> str:
    """A warning written for a programmer, as a report's reader sees it: a column or
    argument name becomes its words (`p_alive` -> P(alive)); asides and sentences that
    show code (a call, an assignment, a dotted name) are left out; the rest is kept word for
    word.

    Parameters
    ----------
    text : str
        A warning or note as written for a programmer.

    Examples
    --------
    >>> for_reader("The fit sits on a boundary (see `model.diagnostics_`). Refit with "
    ...            "`penalizer_coef=0.01`. Its `p_alive` is near 1.")
    'The fit sits on a boundary. Its P(alive) is near 1.'
    """
    text = require_str(text, name="text")
    lines = [_line_for_reader(line) for line in str(text).splitlines()]
    return "\n".join(line for line in lines if line).strip()


def _line_for_reader(text: str) -> str:
    text = _CODE_ASIDE.sub("", " ".join(text.split()))
    text = _NAME.sub(_in_words, text)
    kept = []
    for sentence in _SENTENCE_END.split(text):
        if "`" not in sentence:
            kept.append(sentence)
            continue
        end = sentence[-1] if sentence[-1:] in ".!?" else ""
        clauses = [c for c in sentence.rstrip(".!?").split("; ") if "`" not in c]
        if clauses:  # the clauses that show no code
            kept.append("; ".join(clauses) + end)
    return " ".join(kept).strip()


def caveats_table(
    *,
    model_warnings: Iterable[str] = (),
    warnings: Iterable[str] = (),
    skipped: dict[str, str] | None = None,
    cleaning: Any = None,
    config: Any = None,
    values_shown: bool = True,
) -> pd.DataFrame:
    """Every caveat of a run, heaviest first: fit and check warnings, business inputs left at
    their default, sections not shown, small groups, rows dropped in cleaning.

    Parameters
    ----------
    model_warnings : iterable of str
        What fitting the value models (purchase and spend, on the whole log) warned.
    warnings : iterable of str
        Other warnings raised while computing (``"Category: message"``).
    skipped : dict, optional
        Section title -> why it is not shown.
    cleaning : CleaningReport, optional
    config : RunConfig, optional
    values_shown : bool, default True
        Whether the report shows values (CLV...); a margin left at its default matters
        only then.

    Returns
    -------
    pandas.DataFrame
        ``kind, caveat`` (kinds in :data:`CAVEAT_KINDS` order; duplicates dropped).
    """
    model_warnings = require_sequence_of_str(model_warnings, name="model_warnings", what="warnings")
    warnings = require_sequence_of_str(warnings, name="warnings", what="warnings")
    if skipped is not None and not isinstance(skipped, dict):
        raise InputTypeError(
            f"`skipped` must be a dict of section title -> reason, got {type(skipped).__name__}."
        )
    values_shown = require_bool(values_shown, name="values_shown")
    _require_config(config, allow_none=True)
    if cleaning is not None:
        from .cleaning import CleaningReport

        if not isinstance(cleaning, CleaningReport):
            raise InputTypeError(
                "`cleaning` must be the CleaningReport of `retention_lib.clean_transactions`, "
                f"got {type(cleaning).__name__}."
            )
    rows: list[tuple[str, str]] = []
    for text in model_warnings:
        rows.append(("Value model", for_reader(_strip_category(text))))
    for text in warnings:
        rows.append((warning_kind(text), for_reader(_strip_category(text))))
    if config is not None and values_shown and not config.given("margin"):
        rows.append(
            (
                "Business input",
                "No margin was given, so every value (CLV, value at risk, what-if) is revenue, "
                "not profit. Give one with --margin.",
            )
        )
    by_reason: dict[str, list[str]] = {}
    for title, reason in (skipped or {}).items():  # sections skipped for one reason: one row
        by_reason.setdefault(reason, []).append(title)
    for reason, titles in by_reason.items():
        names = say.join([f"“{t}”" for t in titles])
        rows.append(("Section not shown", f"{names}: {reason}"))
    if cleaning is not None and cleaning.rows_removed:
        dropped = cleaning.table[cleaning.table["action"] == "dropped"]
        parts = [
            f"{int(r.rows):,} {r.description}" for r in dropped.itertuples(index=False) if r.rows
        ]
        rows.append(
            (
                "Data",
                f"Cleaning dropped {cleaning.rows_removed:,} of {cleaning.rows_read:,} rows "
                f"({say.pct_exact(cleaning.rows_removed / max(cleaning.rows_read, 1))}): "
                f"{'; '.join(parts)} (see the cleaning report).",
            )
        )
    out = pd.DataFrame(rows, columns=["kind", "caveat"])
    out = out[out["caveat"] != ""]
    # a warning raised again by a section, or by a refit of the same model (other numbers)
    out = out[~out["caveat"].str.replace(r"\d+(?:\.\d+)?", "#", regex=True).duplicated()]
    order = {k: i for i, k in enumerate(CAVEAT_KINDS)}
    out["_order"] = out["kind"].map(order)
    return out.sort_values("_order", kind="stable").drop(columns="_order").reset_index(drop=True)


#: Settings shown among the assumptions even when left at their default.
_ALWAYS = (
    "currency",
    "by",
    "horizon_months",
    "discount_rate",
    "holdout_weeks",
    "model",
    "penalizer",
    "margin",
    "cac",
    "retention_cost",
)
_SOURCE_WORDS = {"user": "given on the command line or as an argument", "config": "config file"}


def _shown_value(key: str, value: Any, currency: str) -> str:
    if value is None or value == {}:
        return "none"
    if key in ("margin", "discount_rate"):
        return f"{value * 100:.4g}%"
    if key in ("cac", "retention_cost"):
        return say.money(value, currency, 2)
    if key == "cac_by_segment":
        return "; ".join(f"{k}: {say.money(v, currency, 2)}" for k, v in value.items())
    if isinstance(value, (tuple, list)):
        return ", ".join(map(str, value))
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def assumptions_table(
    config: Any, *, holdout_weeks: int | None = None, model: str | None = None
) -> pd.DataFrame:
    """Every input of the run with its value and where it came from.

    Parameters
    ----------
    config : RunConfig
    holdout_weeks : int, optional
        The holdout the run used (chosen from the history when the user gave none).
    model : str, optional
        The purchase model the run used (its label).

    Returns
    -------
    pandas.DataFrame
        ``Assumption, Value, Source``: the settings the user gave and the analysis and
        business inputs (given or default).
    """
    _require_config(config)
    if holdout_weeks is not None:
        holdout_weeks = require_whole_number(holdout_weeks, name="holdout_weeks", low=1)
    model = require_str(model, name="model", allow_none=True)
    rows = []
    for s in config.settings():
        if not (s.given or s.key in _ALWAYS):
            continue
        value = _shown_value(s.key, s.value, config.currency)
        if s.source == "default":
            source = "default"
            if s.key == "holdout_weeks":
                value = f"{holdout_weeks} (chosen from the history)" if holdout_weeks else "none"
            elif s.key == "model" and model:
                value = model
            elif s.key == "margin":
                value = "none (values are revenue)"
            elif s.key in ("cac", "retention_cost"):
                source = "not given (no figure rests on it)"
        else:
            if s.source == "config":
                source = f"given: config file {s.origin}"
            elif s.origin.startswith("--"):
                source = f"given: {s.origin}"
            else:  # an argument of a Python call
                source = "given by the user"
            if s.key == "model" and model and s.value == "auto":
                value = f"auto: {model}"
        rows.append((s.label, value, source))
    return pd.DataFrame(rows, columns=["Assumption", "Value", "Source"])


def _require_config(config: Any, *, allow_none: bool = False) -> None:
    from .config import RunConfig

    if config is None and allow_none:
        return
    if not isinstance(config, RunConfig):
        raise InputTypeError(
            f"`config` must be a RunConfig (`retention_lib.load_config` or "
            f"`RunConfig.from_inputs`), got {type(config).__name__}."
        )


# ----------------------------------------------------------------------------- from a run


def executive_summary(run: Any, *, caveats: pd.DataFrame | None = None) -> list[Finding]:
    """The 5 to 8 findings of a run's report (those its log supports), in report order.

    Parameters
    ----------
    run : Run
        :func:`~retention_lib.open_run` output (its fitted models are reused).
    caveats : pandas.DataFrame, optional
        :func:`caveats_table` of the run (its first row becomes the last finding).

    Returns
    -------
    list of Finding
    """
    from .run import Run

    if not isinstance(run, Run):
        raise InputTypeError(
            f"`run` must be the Run of `retention_lib.open_run`, got {type(run).__name__}."
        )
    if caveats is not None:
        require_frame_columns(caveats, ["kind", "caveat"], name="caveats", producer="caveats_table")
    import warnings

    from .cohorts import average_retention, cohort_retention
    from .pareto import pareto_summary

    tx = run.transactions
    found: list[Finding] = []
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the sections raise them where their figures are shown
        if run.status("cohorts"):
            table = cohort_retention(tx, period="M")
            text = retention_finding(average_retention(table))
            if text:
                found.append(Finding("Retention", text, "Retention triangle"))
            text = cohort_trend_finding(table)
            if text:
                found.append(Finding("Newer cohorts", text, "Retention triangle"))
        found.append(
            Finding(
                "Concentration",
                concentration_finding(pareto_summary(tx)),
                "How concentrated is revenue?",
            )
        )
        if run.status("clv"):
            found.extend(_value_findings(run))
        if run.status("survey") and run.survey is not None:
            from .kpis import survey_summary

            try:
                text = survey_finding(survey_summary(run.survey))
            except DataValidationError:
                text = None
            if text:
                found.append(Finding("Survey", text, "Survey KPIs: NPS, CSAT, CES and loyalty"))
    text = main_caveat(caveats) if caveats is not None else None
    if text:
        found.append(Finding("Main caveat", text, "Assumptions and caveats"))
    return found


_FIT_WARNINGS = ("BoundaryWarning", "ConvergenceWarning")


def _value_findings(run: Any) -> list[Finding]:
    from .clv import FitError, clv_intervals, customer_lifetime_value
    from .segments import churn_risk_list

    config, tx = run.config, run.transactions
    bg, gg, summary = run.models.purchase, run.models.spend, run.summary
    horizon = config.horizon_months
    values = customer_lifetime_value(
        bg, gg, summary, horizon_months=horizon, discount_rate=config.discount_rate,
        margin=config.margin,
    )  # fmt: skip
    lower = upper = None
    if run.status("intervals"):
        try:
            ci = clv_intervals(
                bg, gg, summary, n_draws=100, horizon_months=horizon,
                discount_rate=config.discount_rate, margin=config.margin, seed=0,
                progress=False,
            )  # fmt: skip
            lower, upper = float(ci["clv_lower"].iloc[0]), float(ci["clv_upper"].iloc[0])
        except (DataValidationError, TypeError):
            pass
    flagged = [w for w in run.models.warnings if w.startswith(_FIT_WARNINGS)]
    note = None
    if any("upper bound" in w for w in flagged):
        note = "The model finds no drop-out in this history, so this is an upper bound."
    elif flagged:
        note = "The model's fit is flagged (see the main caveat)."
    end = tx["timestamp"].max()
    recent = tx[tx["timestamp"] > end - pd.DateOffset(months=horizon)]
    value = value_finding(
        float(values["clv"].sum()), lower, upper, customers=len(values),
        horizon_months=horizon, past_revenue=float(recent["amount"].sum()),
        currency=config.currency, margin=config.margin, margin_given=config.given("margin"),
        note=note,
    )  # fmt: skip
    out = [Finding("Value", value, "Customer lifetime value")]
    predictions = customer_lifetime_value(
        bg, gg, summary, horizon_months=horizon, discount_rate=config.discount_rate, margin=1.0
    )
    card = run.churn_scorecard
    score = auc = None
    list_model = None
    if card is not None:  # as notebook 04's list: the scorecard's recommended model (or the
        try:  # next best by AUC where it cannot be fitted), refitted on all the log
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # notebook 04 shows what the refit warned
                list_model = card.fit_recommended(summary)
        except FitError:
            list_model = None
    if list_model is None:
        alerts = churn_risk_list(
            tx, predictions=predictions[["customer_id", "p_alive", "clv"]], value="clv"
        )
    else:
        alerts = churn_risk_list(
            tx, model=list_model, summary=summary, horizon=card.horizon,
            predictions=predictions[["customer_id", "clv"]], value="clv",
        )  # fmt: skip
        score = f"{alerts.model} P(no purchase)"  # the score the list ranks by
        hit = card.table.loc[card.table["scorer"] == score, "auc"]
        auc = float(hit.iloc[0]) if len(hit) else None
    risk = risk_finding(
        len(alerts), alerts.n_high_value, float(alerts.table["value"].sum()),
        currency=config.currency, horizon_months=horizon, score=score, auc=auc,
    )  # fmt: skip
    out.append(Finding("Risk", risk, "Churn-risk list for the CRM"))
    return out
