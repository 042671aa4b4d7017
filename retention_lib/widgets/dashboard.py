"""The dashboard: the explorers in tabs (the Voila app ``notebooks/00_dashboard.ipynb``).

Each tab but the first is built the first time it is opened, so the app starts fast.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ipywidgets as w
import pandas as pd

from .._validation import (
    DataValidationError,
    InputTypeError,
    RetentionLibError,
    require_column_name,
    require_currency_code,
    require_frame,
    require_mapping,
    require_margin,
    require_rate,
    require_sequence_of_str,
    require_transactions,
    require_whole_number,
)
from ._common import Steps, collect_warnings, note_html
from .cohorts import cohort_explorer

__all__ = ["dashboard", "dashboard_for_run", "fit_clv"]

_EXAMPLE = "{'Customer value': 'CLV needs repeat buyers'}"


def fit_clv(
    transactions: pd.DataFrame, *, time_unit: str = "W", progress: Steps | None = None
) -> tuple[Any, Any, pd.DataFrame]:
    """Fit the BG/NBD and Gamma-Gamma models once, for the CLV explorer.

    The RFM summary counts purchases per day, as the report does, so the dashboard and the
    report give the same values on the same log.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Clean canonical transactions.
    time_unit : {"W", "D", "M"}
        Time unit of the RFM summary.
    progress : Steps, optional
        Progress bar advanced after each step.

    Returns
    -------
    bgnbd : BetaGeoModel
    gg : GammaGammaModel
    summary : pandas.DataFrame
        :func:`~retention_lib.clv.rfm_summary` output the models were fitted on.
    """
    from ..clv import BetaGeoModel, GammaGammaModel, rfm_summary

    def step(label: str) -> None:
        if progress is not None:
            progress.advance(label)

    step("RFM summary")
    summary = rfm_summary(transactions, time_unit=time_unit, grain="D")
    step("Fitting BG/NBD")
    bgnbd = BetaGeoModel().fit(summary)
    step("Fitting Gamma-Gamma")
    gg = GammaGammaModel().fit(summary)
    return bgnbd, gg, summary


def _clv_tab(
    transactions: pd.DataFrame,
    slot: w.Box,
    models: tuple | None,
    notes: Sequence[str] = (),
    settings: Mapping[str, Any] | None = None,
) -> w.Widget:
    from .clv import clv_explorer

    settings = dict(settings or {})
    by = settings.get("by", "region")
    if by not in transactions.columns:
        raise RetentionLibError(f"The CLV explorer groups customers by `{by}`; the data has none.")
    messages: list[str] = list(notes)
    if models is None:
        steps = Steps(3)
        slot.children = [w.HTML("<p>Fitting the CLV models (once)...</p>"), steps.bar]
        steps.start("Preparing")
        try:
            models, messages = collect_warnings(fit_clv, transactions, progress=steps)
        finally:
            steps.done()
    assert models is not None  # fitted above when not given
    bgnbd, gg, summary = models
    return _with_notes(clv_explorer(bgnbd, gg, summary, transactions, **settings), messages)


def _with_notes(widget: w.Box, messages: list[str]) -> w.Box:
    """``widget`` with the warnings its building raised shown above it (never dropped)."""
    if messages:
        notes = w.HTML("".join(note_html(f"Note: {m}") for m in messages))
        widget.children = (notes, *widget.children)
    return widget


def _pareto_tab(transactions: pd.DataFrame, margin: float) -> w.Widget:
    from .pareto import pareto_explorer

    return pareto_explorer(transactions, margin=margin)


def _kpi_tab(survey: pd.DataFrame, transactions: pd.DataFrame) -> w.Widget:
    from ..kpis import link_survey
    from .kpis import kpi_explorer

    linked, messages = collect_warnings(link_survey, survey, transactions)
    return _with_notes(kpi_explorer(linked), messages)


class _RegionLink:
    """Keeps the explorers' region dropdowns on the same choice: a tab opened later starts on
    the region chosen so far, and a change in any tab reaches the others that offer it."""

    def __init__(self) -> None:
        self.value: Any = None
        self.dropdowns: list[w.Dropdown] = []

    def add(self, widgets: Any) -> None:
        for dropdown in _region_dropdowns(widgets):
            if dropdown in self.dropdowns:
                continue
            if self.value is not None and self.value in dropdown.options:
                dropdown.value = self.value
            dropdown.observe(self._changed, names="value")
            self.dropdowns.append(dropdown)
            if self.value is None:
                self.value = dropdown.value

    def _changed(self, change: dict) -> None:
        self.value = change["new"]
        for dropdown in self.dropdowns:
            if dropdown.value != self.value and self.value in dropdown.options:
                dropdown.value = self.value


def _region_dropdowns(widgets: Any) -> list[w.Dropdown]:
    """The dropdowns labelled "Region" inside ``widgets`` (a widget or a tuple of them)."""
    found: list[w.Dropdown] = []
    stack = list(widgets) if isinstance(widgets, (list, tuple)) else [widgets]
    while stack:
        widget = stack.pop()
        if isinstance(widget, w.Dropdown) and str(widget.description).lower() == "region":
            found.append(widget)
        stack.extend(getattr(widget, "children", ()))
    return found


def dashboard(
    transactions: pd.DataFrame,
    *,
    survey: pd.DataFrame | None = None,
    margin: float = 1.0,
    models: tuple[Any, Any, pd.DataFrame] | None = None,
    model_notes: Sequence[str] = (),
    by: str | None = None,
    horizon_months: int = 12,
    discount_rate: float = 0.01,
    currency: str | None = None,
    unavailable: Mapping[str, str] | None = None,
) -> w.Tab:
    """The explorers in tabs: cohorts, customer value (CLV), Pareto and survey KPIs.

    Parameters
    ----------
    transactions : pandas.DataFrame
        Clean canonical transactions, read once (e.g. from
        :func:`~retention_lib.prepare_transactions`).
    survey : pandas.DataFrame, optional
        Survey answers with ``customer_id`` (adds a "Survey KPIs" tab).
    margin : float, default 1.0
        Contribution margin of the CLV tab (where its slider starts) and of the Pareto tab's
        "Margin" measure (1.0: revenue).
    models : tuple, optional
        ``(purchase_model, gamma_gamma, summary)`` already fitted (e.g. a report run's,
        ``(run.models.purchase, run.models.spend, run.summary)``); without them the CLV tab
        fits with :func:`fit_clv` when first opened.
    model_notes : sequence of str
        Warnings raised when ``models`` were fitted, shown as notes in the CLV tab.
    by : str, optional
        Group column of the CLV tab's table (None: ``region``; the tab says so when the log
        has none).
    horizon_months, discount_rate : int, float
        Where the CLV tab's horizon and monthly discount sliders start.
    currency : str, optional
        ISO code of the amounts, for the tables' money columns.
    unavailable : mapping, optional
        Tab title -> why it cannot be shown (a report run's skipped section): the tab shows
        the reason instead of computing.

    Returns
    -------
    ipywidgets.Tab
        The cohort tab is built at once; the others the first time they are opened (the CLV
        tab fits its models then, behind a progress bar). ``tab.build(i)`` builds tab ``i``
        now; ``tab.children[i].children[0]`` is then its explorer (or an HTML message). The
        region chosen in one tab is chosen in the others (where they have it);
        ``tab.region.value`` is the current choice.

    Examples
    --------
    >>> tx, _ = rl.prepare_transactions()  # doctest: +SKIP
    >>> dashboard(tx)  # doctest: +SKIP
    >>> dashboard_for_run(rl.open_run("reports/config.toml"))  # the report's settings  # doctest: +SKIP
    """
    require_transactions(transactions)
    margin = require_margin(margin)
    model_notes = require_sequence_of_str(model_notes, name="model_notes", what="notes")
    by = require_column_name(by)
    if by is not None and by not in transactions.columns:
        raise DataValidationError(
            f"`by={by!r}` is not a column of `transactions` (it has "
            f"{', '.join(f'`{c}`' for c in transactions.columns)}); name one of them, or leave "
            "`by` out to group by `region`."
        )
    horizon_months = require_whole_number(horizon_months, name="horizon_months", low=1)
    discount_rate = require_rate(discount_rate)
    currency = require_currency_code(currency, name="currency", allow_none=True)
    reasons = dict(require_mapping(unavailable or {}, name="unavailable", example=_EXAMPLE))
    settings = {
        "by": by or "region",
        "horizon_months": horizon_months,
        "discount_rate": discount_rate,
        "margin": margin,
        "currency": currency,
    }
    if survey is not None:
        require_frame(survey, name="survey", producer="load_sample_survey")
    titles = ["Cohorts", "Customer value", "Pareto 80/20"]
    if survey is not None:
        titles.append("Survey KPIs")
    slots = [w.VBox([w.HTML("<p>Loading...</p>")]) for _ in titles]
    builders: dict[str, Callable[[], w.Widget]] = {
        "Cohorts": lambda: cohort_explorer(transactions),
        "Customer value": lambda: _clv_tab(transactions, slots[1], models, model_notes, settings),
        "Pareto 80/20": lambda: _pareto_tab(transactions, margin),
    }
    if survey is not None:
        builders["Survey KPIs"] = lambda: _kpi_tab(survey, transactions)
    built: set[int] = set()
    tab = w.Tab(children=slots, titles=titles)

    def build(index: int) -> None:
        if index in built:
            return
        built.add(index)
        try:
            if titles[index] in reasons:
                raise RetentionLibError(reasons[titles[index]])
            widget = builders[titles[index]]()
        except (RetentionLibError, ValueError, ImportError) as exc:
            widget = w.HTML(f"<p><b>This tab is not available.</b> {html.escape(str(exc))}</p>")
        slots[index].children = [widget]

    def on_select(change: dict) -> None:
        if change["new"] is not None:
            build(change["new"])

    tab.observe(on_select, names="selected_index")
    tab.region = _RegionLink()  # type: ignore[attr-defined]
    for slot in slots:
        slot.observe(lambda change: tab.region.add(change["new"]), names="children")
    tab.build = build  # type: ignore[attr-defined]
    tab.builders = builders  # type: ignore[attr-defined]
    build(0)
    return tab


def dashboard_for_run(run: Any) -> w.Tab:
    """The dashboard on a report run: the same cleaned log, survey, margin, grouping column,
    horizon, discount rate, currency and fitted models as the report (see
    :func:`~retention_lib.open_run`), so both show the same numbers; a tab whose section the
    report skipped says why, as the report does.

    Parameters
    ----------
    run : retention_lib.Run

    Returns
    -------
    ipywidgets.Tab
    """
    from ..run import Run

    if not isinstance(run, Run):
        raise InputTypeError(
            f"`run` must be the Run of `retention_lib.open_run`, got {type(run).__name__}."
        )
    config = run.config
    models = None
    notes: tuple[str, ...] = ()
    unavailable: dict[str, str] = {}
    status = run.status("clv")
    if status:
        models = (run.models.purchase, run.models.spend, run.summary)
        notes = run.fit_note().warnings
    else:
        unavailable["Customer value"] = status.reason
    return dashboard(
        run.transactions,
        survey=run.survey,
        margin=config.margin,
        models=models,
        model_notes=notes,
        by=run.group_by,
        horizon_months=config.horizon_months,
        discount_rate=config.discount_rate,
        currency=config.currency,
        unavailable=unavailable,
    )
