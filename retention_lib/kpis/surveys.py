"""Survey scores: NPS, CSAT, CES and the loyalty score, with confidence intervals.

Survey functions take a DataFrame and a column name (or a plain sequence of answers), drop
missing answers (counting them in ``n_missing``), refuse answers outside the scale, and
return one row per group with a confidence interval. They warn with
:class:`~retention_lib.SmallSampleWarning` below ``min_responses`` answers. Shares (CSAT,
the promoter, detractor and "easy" shares) are fractions in [0, 1]; NPS is on its own scale,
-100 to 100.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .. import _reading as say
from .._schema import customer_attributes
from .._stats import wilson_interval, z_value
from .._validation import (
    DataValidationError,
    InputTypeError,
    SmallSampleWarning,
    format_rows,
    require_column_name,
    require_columns,
    require_frame,
    require_frame_columns,
    require_in_range,
    require_sequence_of_str,
    require_str,
    require_whole_number,
)

__all__ = [
    "DEFAULT_LOYALTY_COLUMNS",
    "ces",
    "csat",
    "describe_nps",
    "link_survey",
    "loyalty_score",
    "nps",
    "survey_summary",
]

#: Survey columns of the three loyalty questions (0-10): would buy again, would try new
#: products, would recommend.
DEFAULT_LOYALTY_COLUMNS: tuple[str, str, str] = (
    "loyalty_rebuy",
    "loyalty_try_new",
    "loyalty_recommend",
)


def link_survey(
    survey: pd.DataFrame,
    transactions: Any,
    *,
    columns: Sequence[str] = ("region", "segment"),
    unknown: str = "Unknown",
) -> pd.DataFrame:
    """Add customer attributes (region, segment, ...) to survey answers.

    Each customer's attribute is the one on their first purchase
    (:func:`~retention_lib.customer_attributes`, as in :mod:`retention_lib.cohorts`).

    Parameters
    ----------
    survey : pandas.DataFrame
        Survey answers with ``customer_id`` (e.g.
        :func:`~retention_lib.datasets.load_sample_survey`).
    transactions : DataFrame-like
        Canonical transaction log holding ``columns``.
    columns : sequence of str, default ("region", "segment")
        Attributes to add; those missing from ``transactions`` are skipped.
    unknown : str, default "Unknown"
        Label for respondents with no purchase in ``transactions`` (counted in a warning).

    Returns
    -------
    pandas.DataFrame
        ``survey`` with the attribute columns added (same rows, same order).

    Examples
    --------
    >>> nps(link_survey(survey, tx), by="region")  # doctest: +SKIP
    """
    require_frame(survey, name="survey", producer="load_sample_survey")
    columns = require_sequence_of_str(columns, name="columns", what="column names")
    unknown = require_str(unknown, name="unknown")
    if "customer_id" not in survey.columns:
        raise DataValidationError(
            "`survey` is missing column `customer_id`, needed to link answers to customers."
        )
    attrs = customer_attributes(transactions, columns=columns)
    cols = [c for c in attrs.columns if c != "customer_id"]
    out = survey.copy()
    if not cols:
        return out
    clash = [c for c in cols if c in out.columns]
    out = out.drop(columns=clash)
    key = out["customer_id"].astype("str")
    merged = pd.DataFrame({"customer_id": key}).merge(attrs, on="customer_id", how="left")
    lacking = merged[cols[0]].isna()
    if lacking.any():
        warnings.warn(
            f"{int(lacking.sum())} survey answer(s) come from customers with no purchase in "
            f"`transactions` ({format_rows(out.index[lacking.to_numpy()])}); they are labelled "
            f"{unknown!r}.",
            SmallSampleWarning,
            stacklevel=2,
        )
    for c in cols:
        out[c] = merged[c].fillna(unknown).astype("str").to_numpy()
    return out


def _answers(
    responses: Any, column: str | None, by: str | None, *, what: str
) -> tuple[pd.DataFrame, str]:
    """A frame with ``[by], _v`` (float answers, NaN = no answer)."""
    by = require_column_name(by)
    if isinstance(responses, pd.DataFrame):
        if column is None:
            raise DataValidationError(f"Pass `column=` naming the {what} answers in `responses`.")
        need = [column, *([by] if by else [])]
        require_columns(
            responses,
            need,
            what="`responses`",
            fix="Pass `column=` (and `by=`) naming columns of the survey.",
        )
        frame = responses[need].rename(columns={column: "_v"})
        label = column
    else:
        if by is not None:
            raise DataValidationError("`by` needs `responses` as a DataFrame holding that column.")
        if isinstance(responses, (str, bytes)) or not hasattr(responses, "__len__"):
            raise InputTypeError(
                f"`responses` must be a DataFrame or a sequence of answers, got "
                f"{type(responses).__name__}."
            )
        frame = pd.DataFrame({"_v": pd.Series(responses).reset_index(drop=True)})
        label = "responses"
    raw = frame["_v"]
    num = pd.to_numeric(raw, errors="coerce")
    bad = num.isna() & raw.notna()
    if bad.any():
        raise DataValidationError(
            f"Column `{label}` has non-numeric answers at {format_rows(frame.index[bad])} "
            f"(e.g. {raw[bad].iloc[0]!r}). Map text answers to numbers first."
        )
    frame = frame.assign(_v=num.astype("float64"))
    if by is not None and frame[by].isna().any():
        rows = frame.index[frame[by].isna()]
        raise DataValidationError(
            f"Column `{by}` has missing values at {format_rows(rows)}. Fill them (e.g. "
            f"'Unknown') first."
        )
    return frame, label


def _check_scale(frame: pd.DataFrame, label: str, low: float, high: float) -> None:
    v = frame["_v"]
    bad = v.notna() & ((v < low) | (v > high) | (v != np.round(v)))
    if bad.any():
        raise DataValidationError(
            f"Column `{label}` must hold whole numbers from {low:g} to {high:g}; found "
            f"{v[bad].iloc[0]:g} at {format_rows(frame.index[bad])}. Check the scale (pass "
            f"`scale=`) or recode the answers."
        )


def _groups(frame: pd.DataFrame, by: str | None) -> list[tuple[dict, pd.Series]]:
    if by is None:
        return [({}, frame["_v"])]
    return [({by: k}, g["_v"]) for k, g in frame.groupby(by, sort=True)]


def _small(n: int, min_responses: int, what: str, key: dict) -> None:
    if n < min_responses:
        where = "".join(f" for `{k}` = {v!r}" for k, v in key.items())
        warnings.warn(
            f"Only {n} {what} answer(s){where}: the score is very uncertain (see the "
            f"confidence interval). Collect at least {min_responses} answers before acting "
            "on it.",
            SmallSampleWarning,
            stacklevel=3,
        )


def _score_table(
    frame: pd.DataFrame,
    by: str | None,
    what: str,
    min_responses: int,
    stat: Callable[[pd.Series], dict[str, Any]],
) -> pd.DataFrame:
    """One row per group: ``[by], n, n_missing`` and what ``stat`` computes from the answers."""
    min_responses = require_whole_number(min_responses, name="min_responses", low=0)
    rows = []
    for key, v in _groups(frame, by):
        ans = v.dropna()
        n = len(ans)
        if n == 0:
            raise DataValidationError(f"No {what} answer{_where(key)}; the {what} is undefined.")
        _small(n, min_responses, what, key)
        rows.append({**key, "n": n, "n_missing": int(v.isna().sum()), **stat(ans)})
    return pd.DataFrame(rows)


def _level(confidence: float) -> float:
    return require_in_range(
        confidence, name="confidence", low=0, high=1, low_inclusive=False, high_inclusive=False
    )


def _z(confidence: float) -> float:
    return z_value(_level(confidence))


def nps(
    responses: Any,
    *,
    column: str | None = "nps",
    by: str | None = None,
    confidence: float = 0.95,
    min_responses: int = 30,
) -> pd.DataFrame:
    """Net Promoter Score from 0-10 "would you recommend us" answers.

    ``NPS = % promoters (9-10) - % detractors (0-6)``, from -100 to 100. The interval is
    the adjusted Wald interval of Rocks (2016): add 3/4 to promoters and detractors and 3
    to ``n``, then ``NPS' +/- z sqrt((p' + d' - (p' - d')^2) / n')``, clipped to
    [-100, 100].

    Parameters
    ----------
    responses : DataFrame or sequence of int
        Survey answers 0-10.
    column : str, default "nps"
        Column with the answers when ``responses`` is a DataFrame.
    by : str, optional
        Grouping column of ``responses`` (e.g. ``"region"``).
    confidence : float, default 0.95
    min_responses : int, default 30
        Fewer answers trigger a :class:`SmallSampleWarning`.

    Returns
    -------
    pandas.DataFrame
        ``[by], n, n_missing, promoters, passives, detractors, promoter_share,
        detractor_share (fractions), nps, ci_low, ci_high``.

    References
    ----------
    Reichheld, F. F. (2003). The one number you need to grow. Harvard Business Review,
    81(12), 46-54.
    Rocks, B. (2016). Interval estimation for the "net promoter score". The American
    Statistician, 70(4), 365-372.

    Examples
    --------
    >>> nps([10, 9, 8, 7, 6], min_responses=1)["nps"].item()
    20.0
    """
    z = _z(confidence)
    frame, label = _answers(responses, column, by, what="NPS")
    _check_scale(frame, label, 0, 10)

    def stat(ans: pd.Series) -> dict[str, Any]:
        n = len(ans)
        pro, det = int((ans >= 9).sum()), int((ans <= 6).sum())
        # adjusted Wald (Rocks 2016, Sec. 3.3)
        n_adj = n + 3
        p_adj, d_adj = (pro + 0.75) / n_adj, (det + 0.75) / n_adj
        centre = p_adj - d_adj
        half = z * math.sqrt((p_adj + d_adj - centre**2) / n_adj)
        return {
            "promoters": pro,
            "passives": n - pro - det,
            "detractors": det,
            "promoter_share": pro / n,
            "detractor_share": det / n,
            "nps": (pro - det) / n * 100,
            "ci_low": max(-100.0, (centre - half) * 100),
            "ci_high": min(100.0, (centre + half) * 100),
        }

    return _score_table(frame, by, "NPS", min_responses, stat)


def _where(key: dict) -> str:
    return "".join(f" for `{k}` = {v!r}" for k, v in key.items())


def _check_scale_arg(scale: Any) -> tuple[int, int]:
    try:
        low, high = (int(x) for x in scale)
    except (TypeError, ValueError):
        raise InputTypeError(
            f"`scale` must be a (low, high) pair such as (1, 5); got {scale!r}."
        ) from None
    if high <= low:
        raise DataValidationError(f"`scale` must have low < high; got {scale!r}.")
    return low, high


def csat(
    responses: Any,
    *,
    column: str | None = "csat",
    by: str | None = None,
    scale: tuple[int, int] = (1, 5),
    satisfied_from: int | None = None,
    confidence: float = 0.95,
    min_responses: int = 30,
) -> pd.DataFrame:
    """Customer satisfaction score: percent of satisfied answers.

    ``CSAT = answers >= satisfied_from / answers`` (a fraction); on the usual 1-5 scale the
    satisfied answers are 4 and 5 (the top two boxes). The interval is Wilson's score
    interval for a proportion.

    Parameters
    ----------
    responses : DataFrame or sequence of int
    column : str, default "csat"
    by : str, optional
    scale : (int, int), default (1, 5)
        Lowest and highest possible answer.
    satisfied_from : int, optional
        Lowest satisfied answer; default the second-highest point of the scale.
    confidence : float, default 0.95
    min_responses : int, default 30

    Returns
    -------
    pandas.DataFrame
        ``[by], n, n_missing, n_satisfied, csat, ci_low, ci_high`` (fractions in [0, 1]).

    References
    ----------
    Wilson, E. B. (1927). Probable inference, the law of succession, and statistical
    inference. JASA, 22(158), 209-212.

    Examples
    --------
    >>> csat([5, 4, 3, 2, 5], min_responses=1)["csat"].item()
    0.6
    """
    level = _level(confidence)
    low, high = _check_scale_arg(scale)
    cut = (
        high - 1
        if satisfied_from is None
        else require_whole_number(satisfied_from, name="satisfied_from")
    )
    if not low <= cut <= high:
        raise DataValidationError(
            f"`satisfied_from` must lie within `scale` {low}-{high}; got {satisfied_from!r}."
        )
    frame, label = _answers(responses, column, by, what="CSAT")
    _check_scale(frame, label, low, high)

    def stat(ans: pd.Series) -> dict[str, Any]:
        n, k = len(ans), int((ans >= cut).sum())
        lo, hi = wilson_interval(k, n, level)
        return {"n_satisfied": k, "csat": k / n, "ci_low": float(lo), "ci_high": float(hi)}

    return _score_table(frame, by, "CSAT", min_responses, stat)


def _mean_ci(ans: pd.Series, z_conf: float) -> tuple[float, float, float]:
    n = len(ans)
    mean = float(ans.mean())
    if n < 2:
        return mean, math.nan, math.nan
    se = float(ans.std(ddof=1)) / math.sqrt(n)
    t = float(stats.t.ppf(0.5 + z_conf / 2, n - 1))
    return mean, mean - t * se, mean + t * se


def ces(
    responses: Any,
    *,
    column: str | None = "ces",
    by: str | None = None,
    scale: tuple[int, int] = (1, 7),
    confidence: float = 0.95,
    min_responses: int = 30,
) -> pd.DataFrame:
    """Customer effort score: the mean answer to "how easy was it to ...".

    ``CES = sum of answers / number of answers`` on ``scale`` (1-7 by default, 7 = very
    easy). Whether high is good depends on the wording of the question: with "how much
    effort", low is good. The interval is Student's t interval of the mean; ``easy_share``
    is the share of answers in the top two points.

    Parameters
    ----------
    responses : DataFrame or sequence of int
    column : str, default "ces"
    by : str, optional
    scale : (int, int), default (1, 7)
    confidence : float, default 0.95
    min_responses : int, default 30

    Returns
    -------
    pandas.DataFrame
        ``[by], n, n_missing, ces, ci_low, ci_high, easy_share`` (a fraction).

    References
    ----------
    Dixon, M., Freeman, K., & Toman, N. (2010). Stop trying to delight your customers.
    Harvard Business Review, 88(7/8), 116-122.

    Examples
    --------
    >>> ces([7, 6, 5, 2], min_responses=1)["ces"].item()
    5.0
    """
    c = require_in_range(
        confidence, name="confidence", low=0, high=1, low_inclusive=False, high_inclusive=False
    )
    low, high = _check_scale_arg(scale)
    frame, label = _answers(responses, column, by, what="CES")
    _check_scale(frame, label, low, high)

    def stat(ans: pd.Series) -> dict[str, Any]:
        mean, lo, hi = _mean_ci(ans, c)
        return {
            "ces": mean,
            "ci_low": lo,
            "ci_high": hi,
            "easy_share": float((ans >= high - 1).mean()),
        }

    return _score_table(frame, by, "CES", min_responses, stat)


def loyalty_score(
    responses: pd.DataFrame,
    *,
    columns: Sequence[str] = DEFAULT_LOYALTY_COLUMNS,
    by: str | None = None,
    confidence: float = 0.95,
    min_responses: int = 30,
) -> pd.DataFrame:
    """Customer loyalty score: mean of three 0-10 answers.

    Per respondent ``loyalty = (rebuy + try_new + recommend) / 3`` (would buy again, would
    try new products, would recommend); the score is the mean over respondents who
    answered all three (others are counted in ``n_missing``).

    Parameters
    ----------
    responses : pandas.DataFrame
    columns : sequence of 3 str, default :data:`DEFAULT_LOYALTY_COLUMNS`
    by : str, optional
    confidence : float, default 0.95
    min_responses : int, default 30

    Returns
    -------
    pandas.DataFrame
        ``[by], n, n_missing, loyalty_score, ci_low, ci_high`` and the mean of each
        question (named after ``columns``), all on 0-10.

    Examples
    --------
    >>> survey = pd.DataFrame({"loyalty_rebuy": [9, 6], "loyalty_try_new": [6, 3],
    ...                        "loyalty_recommend": [9, 6]})
    >>> loyalty_score(survey, min_responses=1)["loyalty_score"].item()
    6.5
    """
    c = require_in_range(
        confidence, name="confidence", low=0, high=1, low_inclusive=False, high_inclusive=False
    )
    require_frame(responses, name="responses", producer="load_sample_survey")
    min_responses = require_whole_number(min_responses, name="min_responses", low=0)
    columns = require_sequence_of_str(columns, name="columns", what="column names")
    if len(columns) != 3:
        raise DataValidationError(
            f"`columns` must name the three loyalty questions (re-buy, try new, recommend); "
            f"got {columns!r}."
        )
    parts = {}
    for col in columns:
        frame, label = _answers(responses, col, by, what="loyalty")
        _check_scale(frame, label, 0, 10)
        parts[col] = frame["_v"]
    answers = pd.DataFrame(parts)
    if by:
        answers[by] = responses[by].to_numpy()
    complete = answers[columns].notna().all(axis=1)
    answers["_v"] = answers[columns].mean(axis=1).where(complete)
    rows = []
    for key, v in _groups(answers, by):
        sub = answers.loc[v.index]
        ok = sub[complete.loc[v.index]]
        n = len(ok)
        if n == 0:
            raise DataValidationError(
                f"No respondent answered all of {', '.join(f'`{x}`' for x in columns)}"
                f"{_where(key)}; the loyalty score is undefined."
            )
        _small(n, min_responses, "loyalty", key)
        mean, lo, hi = _mean_ci(ok["_v"], c)
        rows.append(
            {
                **key,
                "n": n,
                "n_missing": int(len(sub) - n),
                "loyalty_score": mean,
                "ci_low": lo,
                "ci_high": hi,
                **{col: float(ok[col].mean()) for col in columns},
            }
        )
    return pd.DataFrame(rows)


#: The survey scores :func:`survey_summary` reports: label -> (function, its value column,
#: the survey columns it needs).
SURVEY_SCORES: dict[str, tuple[Callable[..., pd.DataFrame], str, tuple[str, ...]]] = {
    "NPS": (nps, "nps", ("nps",)),
    "CSAT (share)": (csat, "csat", ("csat",)),
    "CES (1-7)": (ces, "ces", ("ces",)),
    "Loyalty (0-10)": (loyalty_score, "loyalty_score", DEFAULT_LOYALTY_COLUMNS),
}


def survey_summary(
    responses: pd.DataFrame, *, by: str | None = None, min_responses: int = 30
) -> pd.DataFrame:
    """NPS, CSAT, CES and the loyalty score side by side, with their intervals.

    Each score is computed as its own function computes it (:func:`nps`, :func:`csat`,
    :func:`ces`, :func:`loyalty_score`, default columns and scales); scores whose columns
    the survey lacks are left out and named in ``attrs["missing_scores"]``.

    Parameters
    ----------
    responses : pandas.DataFrame
        Survey answers, one row per respondent (see :func:`link_survey` for ``by`` columns).
    by : str, optional
        Group column (e.g. ``"region"``).
    min_responses : int, default 30
        Groups with fewer answers get a :class:`~retention_lib.SmallSampleWarning`.

    Returns
    -------
    pandas.DataFrame
        One row per score (and group): ``[by], score, value, ci_low, ci_high, n``.

    Raises
    ------
    DataValidationError
        The survey has none of the score columns.

    Examples
    --------
    >>> survey_summary(load_sample_survey())  # doctest: +SKIP
                score  value  ci_low  ci_high     n
    0             NPS   10.7     5.8     15.5  1000
    """
    require_frame(responses, name="responses", producer="load_sample_survey")
    by = require_column_name(by)
    min_responses = require_whole_number(min_responses, name="min_responses", low=0)
    keys = [by] if by else []
    parts, missing = [], []
    for label, (score, column, needed) in SURVEY_SCORES.items():
        if not all(c in responses.columns for c in needed):
            missing.append(label)
            continue
        table = score(responses, by=by, min_responses=min_responses)
        part = table[[*keys, column, "ci_low", "ci_high", "n"]].rename(columns={column: "value"})
        parts.append(part.assign(score=label))
    if not parts:
        raise DataValidationError(
            "`responses` has none of the survey score columns: `nps` (0-10), `csat` (1-5), "
            f"`ces` (1-7) or {', '.join(f'`{c}`' for c in DEFAULT_LOYALTY_COLUMNS)} (0-10). "
            f"Found {', '.join(f'`{c}`' for c in list(responses.columns)[:12])}."
        )
    out = pd.concat(parts, ignore_index=True)[[*keys, "score", "value", "ci_low", "ci_high", "n"]]
    out["n"] = out["n"].astype("int64")
    out.attrs["missing_scores"] = missing
    return out


def describe_nps(table: pd.DataFrame, *, by: str, min_responses: int = 30) -> str:
    """A plain-language reading of :func:`nps` by group: highest and lowest, whether their
    intervals overlap (then the gap may be chance), and the groups with fewer than
    ``min_responses`` answers.

    Parameters
    ----------
    table : pandas.DataFrame
        Output of :func:`nps` with ``by``.
    by : str
        The group column of ``table``.
    min_responses : int, default 30
        Groups with fewer answers are named apart, not compared.

    Returns
    -------
    str
        E.g. "NPS is highest in Europe (32, 95% interval 25 to 39) and lowest in Asia (12,
        -3 to 27); the intervals overlap, so the gap may be chance."
    """
    by = require_column_name(by, allow_none=False)
    need = [by, "nps", "n", "ci_low", "ci_high"]
    require_frame_columns(table, need, name="table", producer="nps")
    min_responses = require_whole_number(min_responses, name="min_responses", low=0)
    t = table[table["nps"].notna()]
    if t.empty:
        return "No NPS to compare."
    small = t.loc[t["n"] < min_responses, by].astype(str).tolist()
    few = (
        f" Fewer than {min_responses} answers in {say.join(small)}: wide intervals, read with care."
        if small
        else ""
    )
    if len(t) == 1:
        r = t.iloc[0]
        return (
            f"NPS in {r[by]} is {r['nps']:.0f} (95% interval {r['ci_low']:.0f} to "
            f"{r['ci_high']:.0f}).{few}"
        )
    hi, lo = t.loc[t["nps"].idxmax()], t.loc[t["nps"].idxmin()]
    text = (
        f"NPS is highest in {hi[by]} ({hi['nps']:.0f}, interval {hi['ci_low']:.0f} to "
        f"{hi['ci_high']:.0f}) and lowest in {lo[by]} ({lo['nps']:.0f}, {lo['ci_low']:.0f} to "
        f"{lo['ci_high']:.0f})"
    )
    if lo["ci_high"] >= hi["ci_low"]:
        text += "; the intervals overlap, so the gap may be chance."
    else:
        text += "; the intervals do not overlap."
    return text + few
