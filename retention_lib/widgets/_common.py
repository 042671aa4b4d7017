"""Helpers shared by the explorers: selection filters, progress, figures and messages.

Nothing here computes an analysis; the explorers call named ``*_view`` functions and these
helpers only show what those return (or the message of the error they raise).
"""

from __future__ import annotations

import html
import io
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

import ipywidgets as w
import matplotlib.pyplot as plt
import pandas as pd
from IPython.display import Image

ALL = "All"
T = TypeVar("T")


def options(tx: pd.DataFrame, column: str) -> list[str]:
    """``["All", ...]`` followed by the sorted distinct values of ``column`` (if present)."""
    if column not in tx.columns:
        return [ALL]
    return [ALL, *sorted(tx[column].dropna().astype(str).unique())]


def select(tx: pd.DataFrame, **filters: str | None) -> pd.DataFrame:
    """Rows of ``tx`` matching every ``column=value`` filter (``"All"``/None = no filter)."""
    from .._validation import DataValidationError

    mask = pd.Series(True, index=tx.index)
    for column, value in filters.items():
        if value in (None, ALL):
            continue
        if column not in tx.columns:
            raise DataValidationError(
                f"`{column}={value!r}` filters on a column the data does not have; leave it "
                f"as {ALL!r} or add a `{column}` column."
            )
        mask &= tx[column] == value
    return tx.loc[mask]


def selection(
    tx: pd.DataFrame, *, region: str, segment: str, at_least: int
) -> tuple[pd.DataFrame, int]:
    """The rows of one region and segment and their customer count; an error when there are
    fewer than ``at_least`` customers to draw."""
    from .._validation import DataValidationError

    sub = select(tx, region=region, segment=segment)
    n = sub["customer_id"].nunique()
    if n < at_least:
        raise DataValidationError(
            f"Only {n} customer(s) with `region={region!r}`, `segment={segment!r}`; pick a wider "
            f"selection (at least {at_least} customers)."
        )
    return sub, n


def dropdown(description: str, choices: list[Any], value: Any = None) -> w.Dropdown:
    """A labelled dropdown; disabled when there is nothing to choose from."""
    return w.Dropdown(
        options=choices,
        value=choices[0] if value is None else value,
        description=description,
        disabled=len(choices) < 2,
        style={"description_width": "initial"},
        layout=w.Layout(width="auto"),
    )


def show_message(out: w.Output, message: str) -> None:
    """Replace the contents of ``out`` with ``message`` (a selection too small, ...)."""
    with out:
        out.clear_output(wait=True)
        print(message)


def figure_png(fig: plt.Figure, *, dpi: int = 100) -> bytes:
    """The figure as PNG bytes (the same under any matplotlib backend); closes the figure."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
    plt.close(fig)
    return buf.getvalue()


def figure_image(fig: plt.Figure, *, dpi: int = 100) -> Image:
    """The figure as an IPython ``Image`` to ``display``; closes the figure."""
    return Image(data=figure_png(fig, dpi=dpi), format="png")


def note_html(text: str) -> str:
    """A short grey note (a warning about small cohorts and the like) as HTML."""
    return f'<p style="color:#555;font-size:0.9em;margin:0.2em 0">{html.escape(text)}</p>'


def collect_warnings(fn: Callable[..., T], *args: Any, **kwargs: Any) -> tuple[T, list[str]]:
    """Call ``fn`` and return its result with the (deduplicated) warning messages it raised.

    In a dashboard, warnings go under the figure as notes instead of onto stderr.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = fn(*args, **kwargs)
    messages = list(dict.fromkeys(str(c.message) for c in caught))
    return result, messages


class Steps:
    """A progress bar for a callback's slow steps (hidden when idle).

    Examples
    --------
    >>> steps = Steps(3)  # doctest: +SKIP
    >>> steps.start("Selecting customers"); steps.advance("Computing"); steps.done()  # doctest: +SKIP
    """

    def __init__(self, total: int) -> None:
        self.bar = w.IntProgress(
            value=0,
            min=0,
            max=total,
            bar_style="info",
            description="",
            style={"description_width": "initial"},
            layout=w.Layout(display="none", width="420px"),
        )

    def start(self, label: str) -> None:
        self.bar.value = 0
        self.bar.description = label
        self.bar.layout.display = ""

    def advance(self, label: str | None = None) -> None:
        self.bar.value = min(self.bar.value + 1, self.bar.max)
        if label is not None:
            self.bar.description = label

    def done(self) -> None:
        self.bar.value = self.bar.max
        self.bar.layout.display = "none"


def percent_slider(description: str, value: float, low: float, high: float, step: float,
                   *, readout: str = ".0%") -> w.FloatSlider:  # fmt: skip
    return w.FloatSlider(value=value, min=low, max=high, step=step, description=description,
                         readout_format=readout, style={"description_width": "initial"})  # fmt: skip


def wire(rows: list[list[w.Widget]], show: Callable[[], tuple[Any, ...]]) -> w.VBox:
    """Lay out ``rows`` of controls above an output area redrawn by ``show``.

    ``show()`` returns the things to display (a reading string, a table, a figure, ...) or
    raises :class:`RetentionLibError`, whose message is shown instead of a traceback. The
    returned box has ``update()`` to redraw on demand and ``shown``: the items of the last
    redraw (an empty tuple after a message).
    """
    from IPython.display import display

    from .._validation import RetentionLibError

    out = w.Output()
    box = w.VBox([*(w.HBox(row) for row in rows), out])
    box.shown = ()  # type: ignore[attr-defined]

    def update(*_: Any) -> None:
        try:
            items = show()
        except RetentionLibError as exc:
            box.shown = ()  # type: ignore[attr-defined]
            show_message(out, str(exc))
            return
        box.shown = items  # type: ignore[attr-defined]
        with out:
            out.clear_output(wait=True)
            for item in items:
                if isinstance(item, str):
                    print(item)
                else:
                    display(item)
                if isinstance(item, plt.Figure):
                    plt.close(item)

    for row in rows:
        for control in row:
            control.observe(update, names="value")
    update()
    box.update = update  # type: ignore[attr-defined]
    return box


#: Borders and stripes of the explorers' tables (the report's page styles its own).
TABLE_STYLES = [
    {"selector": "", "props": "border-collapse: collapse; margin: 0.5em 0;"},
    {
        "selector": "th",
        "props": "text-align: right; padding: 4px 12px; border-bottom: 1px solid #999;",
    },
    {"selector": "td", "props": "text-align: right; padding: 3px 12px;"},
    {"selector": "tbody tr:nth-child(odd)", "props": "background: #f3f6f9;"},
]


def explorer_table(frame: pd.DataFrame, **formats: Any) -> Any:
    """``frame`` formatted as in the report (:func:`~retention_lib.report.styled_table` with
    ``formats``: percentages, money with its symbol, counts, headings in words), with the
    explorers' borders and stripes."""
    from ..report import styled_table

    return styled_table(frame, **formats).set_table_styles(TABLE_STYLES, overwrite=False)
