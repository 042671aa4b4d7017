"""Run the analysis notebooks on one configuration and write one code-free HTML report.

The report opens with a title block (data source, period covered, currency, rows and
customers, files, table of contents), then the notebooks' markdown, tables and figures
without their code. Before any notebook runs, :func:`~retention_lib.prepare_run` loads and
cleans the log and fits the CLV models once, into the output folder; each notebook receives
``config_path`` (the run's ``config.toml``) as its papermill parameter and opens the shared
run with ``rl.open_run(config_path)``. Notebooks run in parallel when there are cores.

What a notebook can rely on: the ``parameters`` cell is dropped from the report; explorer
cells (``# NBVAL_IGNORE_OUTPUT`` cells calling ``*_explorer(...)`` or ``dashboard(...)``) are
not run, and a markdown cell that only introduces one goes with it; cells tagged
``needs-<section>`` are not run when the log cannot support that section (see
:mod:`retention_lib.sections`) and one paragraph in their place says why; cells tagged
``remove-from-report`` run but are not shown; stderr stays in the executed notebooks in
``OUT/notebooks``, except retention-lib's own warnings (a model on a boundary, a sample too
small, ...), which the report shows under the cell that raised them. A notebook without
``config_path`` in its parameters cell receives the ``data_path``, ``currency`` and
``source_currency`` it declares instead.

The HTML is self-contained: figures are inline images and the page loads no script from the
internet (``retention_lib/templates/retention_report``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import logging
import os
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from ._schema import order_count
from ._validation import (
    DataPathError,
    DataValidationError,
    InputTypeError,
    RetentionLibError,
    require_bool,
    require_currency_code,
    require_path,
    require_sequence,
    require_sequence_of_str,
    require_str,
    require_transactions,
    require_whole_number,
)

if TYPE_CHECKING:  # nbformat is imported where it is used: styled_table stays cheap to import
    import nbformat

__all__ = [
    "REPORT_NOTEBOOKS",
    "ReportError",
    "build_report",
    "column_label",
    "currency_symbol",
    "data_facts",
    "describe_data",
    "notebooks_dir",
    "styled_table",
    "write_pdf",
]

#: The analysis notebooks, in report order (those missing from the folder are skipped).
REPORT_NOTEBOOKS: tuple[str, ...] = (
    "01_load_and_clean.ipynb",
    "02_cohort_retention.ipynb",
    "03_clv.ipynb",
    "04_pareto_segments.ipynb",
    "05_kpis.ipynb",
)

#: Cells with one of these tags are left out of the report (e.g. an interactive explorer).
REMOVE_TAGS = frozenset(
    {"remove-from-report", "remove_cell", "parameters", "injected-parameters", "rl-reset"}
)

_SYMBOLS = {
    "EUR": "€",
    "GBP": "£",
    "USD": "$",
    "JPY": "¥",
    "CNY": "CN¥",
    "AUD": "A$",
    "CAD": "C$",
    "NZD": "NZ$",
    "HKD": "HK$",
    "SGD": "S$",
    "BRL": "R$",
    "INR": "₹",
    "KRW": "₩",
    "CHF": "CHF ",
}


class ReportError(RetentionLibError):
    """A notebook of the report failed, or the report cannot be built as asked."""


def currency_symbol(code: str | None) -> str:
    """``"€"`` for ``"EUR"``, ``"£"`` for ``"GBP"``...; ``"CODE "`` when unknown, "" for none.

    Parameters
    ----------
    code : str or None
        ISO 4217 currency code (None or "" for none).
    """
    if code is None or code == "":
        return ""
    code = require_currency_code(code, name="code")
    return _SYMBOLS.get(code, f"{code} ")


def styled_table(
    table: pd.DataFrame,
    *,
    percent: Sequence[str] = (),
    money: Sequence[str] = (),
    counts: Sequence[str] = (),
    currency: str | None = None,
    decimals: int = 2,
    money_decimals: int = 0,
    index: bool = False,
    labels: Mapping[str, str] | None = None,
    percent_rows: Any = None,
) -> Any:
    """A computed table as a reader of the report sees it (a pandas ``Styler``).

    Fractions become percentages (``0.153`` -> ``15.3%``), money gets the currency symbol and
    thousands separators (``€1,234``), counts thousands separators, dates lose a midnight
    time; other numbers are rounded to ``decimals``; missing values show as a dash. Column
    names are shown in words (``share_of_clv`` -> "Share of CLV", see :func:`column_label`).
    The frame itself is unchanged.

    Parameters
    ----------
    table : pandas.DataFrame
        Any computed table (column names are kept as they are).
    percent, money, counts : sequence of str
        Columns holding fractions (0-1), amounts of money and whole counts; names not in
        ``table`` are ignored, so one call can serve tables with optional columns.
    currency : str, optional
        ISO code of the money columns (``"EUR"`` shows ``€``).
    decimals, money_decimals : int
        Decimals of the other numeric columns and of money.
    index : bool, default False
        Show the index (a 0..n range index carries no information and is hidden).
    labels : mapping, optional
        Column name -> the heading to show, over :func:`column_label`'s.
    percent_rows : array-like of bool, optional
        For a long table mixing fractions and other numbers in one column (e.g.
        :func:`~retention_lib.kpi_summary`, ``unit == "share"``): the rows whose float cells
        are fractions, shown as percentages.

    Returns
    -------
    pandas.io.formats.style.Styler
    """
    if not isinstance(table, pd.DataFrame):
        raise InputTypeError(f"`table` must be a pandas DataFrame, got {type(table).__name__}.")
    percent, money, counts = (
        require_sequence_of_str(v, name=n, what="column names")
        for n, v in (("percent", percent), ("money", money), ("counts", counts))
    )
    currency = require_currency_code(currency, name="currency", allow_none=True)
    decimals = require_whole_number(decimals, name="decimals", low=0, high=12)
    money_decimals = require_whole_number(money_decimals, name="money_decimals", low=0, high=12)
    index = require_bool(index, name="index")
    symbol = currency_symbol(currency)
    if index and table.index.nlevels == 1 and table.columns.nlevels == 1:
        # the index as the first column, its name as its heading (a Styler puts an index
        # name on a header row of its own, under the column headings)
        name = table.index.name if table.index.name is not None else ""
        if name in table.columns:
            raise DataValidationError(
                f"`table` has an index named `{name}` and a column of that name; rename one."
            )
        table = table.rename_axis(name).reset_index()
        index = False

    def money_text(value: float) -> str:
        sign = "-" if value < 0 else ""
        return f"{sign}{symbol}{abs(value):,.{money_decimals}f}"

    chosen = set(percent) | set(money) | set(counts)
    formats: dict[str, Any] = {}
    for col in table.columns:
        if col in percent:
            formats[col] = "{:.1%}"
        elif col in money:
            formats[col] = money_text
        elif col in counts:
            formats[col] = "{:,.0f}"
        elif col not in chosen and pd.api.types.is_float_dtype(table[col]):
            formats[col] = f"{{:,.{decimals}f}}"
        elif pd.api.types.is_bool_dtype(table[col]):
            formats[col] = lambda flag: "yes" if flag else "no"
        elif pd.api.types.is_integer_dtype(table[col]):
            formats[col] = "{:,}"
        elif pd.api.types.is_datetime64_any_dtype(table[col]):
            days = table[col].dropna()
            whole = bool((days == days.dt.normalize()).all())
            formats[col] = "{:%Y-%m-%d}" if whole else "{:%Y-%m-%d %H:%M}"
    styler = table.style.format(formats, na_rep="–")
    if percent_rows is not None:
        rows = np.asarray(percent_rows, dtype=bool)
        if rows.shape != (len(table),):
            raise DataValidationError(
                f"`percent_rows` must hold one flag per row of `table` ({len(table)}); got "
                f"{rows.size}."
            )
        floats = [c for c in table.columns if pd.api.types.is_float_dtype(table[c])]
        if floats and rows.any():
            subset = pd.IndexSlice[table.index[rows], floats]
            styler = styler.format("{:.1%}", subset=subset, na_rep="–")
    names = dict(labels or {})
    styler = styler.format_index(lambda c: names.get(c, column_label(c)), axis="columns")
    if index and hasattr(styler, "format_index_names"):  # pandas >= 3.0
        styler = styler.format_index_names(lambda c: names.get(c, column_label(c)))
    text = [c for c in table.columns if c not in formats and not _is_numeric_or_bool(table[c])]
    if text:  # words read from the left, under a heading on the left
        styler = styler.set_properties(subset=text, **{"text-align": "left"})
        styler = styler.set_table_styles(
            {c: [{"selector": "th.col_heading", "props": "text-align: left;"}] for c in text},
            overwrite=False,
        )
    return styler if index else styler.hide(axis="index")


#: Headings of the library's column names, where words alone would not do.
COLUMN_LABELS: dict[str, str] = {
    "customer_id": "Customer",
    "p_alive": "P(alive)",
    "mean_p_alive": "Mean P(alive)",
    "p_value": "p-value",
    "ci_low": "95% interval, low",
    "ci_high": "95% interval, high",
    "clv_lower": "CLV, 95% low",
    "clv_upper": "CLV, 95% high",
    "n": "Answers",
    "period_number": "Period",
    "expected_spend": "Expected spend per order",
    "ltv_cac_ratio": "LTV:CAC",
    "ltv_cac": "LTV:CAC",
}
_WORDS = {
    "clv": "CLV", "ltv": "LTV", "cac": "CAC", "nps": "NPS", "csat": "CSAT", "ces": "CES",
    "rfm": "RFM", "abc": "ABC", "pct": "(%)", "n": "number of", "id": "id", "cum": "cumulative",
    "aov": "average order value", "roi": "ROI", "gini": "Gini", "grr": "GRR", "nrr": "NRR",
    "auc": "AUC", "bic": "BIC", "aic": "AIC", "mae": "MAE", "rmse": "RMSE", "kpi": "KPI",
}  # fmt: skip


def column_label(name: Any) -> Any:
    """The heading of a column in a report table: :data:`COLUMN_LABELS`, else the name's
    words (``share_of_clv`` -> "Share of CLV", ``profit_uplift_pct`` -> "Profit uplift (%)").
    Names that are not snake_case words are kept as they are.

    Parameters
    ----------
    name : str or hashable
        A column name (any hashable label).
    """
    try:
        hash(name)
    except TypeError:
        raise InputTypeError(
            f"`name` must be a column name (str or another hashable label), got {name!r}."
        ) from None
    if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9]+(_[a-z0-9]+)*", name):
        return name
    if name in COLUMN_LABELS:
        return COLUMN_LABELS[name]
    words = [_WORDS.get(w, w) for w in name.split("_")]
    text = " ".join(words)
    return text[0].upper() + text[1:]


def _is_numeric_or_bool(column: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column)


def _date(ts: Any) -> str:
    return f"{ts.day} {ts:%b %Y}"


def _share(value: float) -> str:
    return "<1%" if 0 < abs(value) < 0.005 else f"{value:.0%}"


def _money(value: float, code: str) -> str:
    symbol = currency_symbol(code)
    sign = "-" if value < 0 else ""
    return f"{sign}{symbol}{abs(value):,.0f}"


def notebooks_dir() -> Path:
    """The analysis notebooks shipped with the package.

    ``notebooks/`` in a checkout; ``retention_lib/_bundled/notebooks`` in an installed wheel
    (found through :mod:`importlib.resources`).
    """
    from ._resources import bundled_dir

    return bundled_dir("notebooks")


def data_facts(
    transactions: pd.DataFrame,
    cleaning: Any = None,
    *,
    data_path: str | os.PathLike | None = None,
    currency: str = "",
) -> dict[str, Any]:
    """Facts about a prepared log for a report header (``orders`` counts purchase orders).

    Parameters
    ----------
    transactions : pandas.DataFrame
        Output of :func:`~retention_lib.prepare_transactions`.
    cleaning : CleaningReport, optional
        Its cleaning report (adds ``rows_read``).
    data_path : path, optional
        The file read (None = the bundled sample).
    currency : str, default ""
        The currency the amounts are in (``prepare_transactions``' ``currency``).

    Returns
    -------
    dict
        ``source, first, last, months, currency, source_currencies, rows_read, rows_kept,
        customers, orders, revenue, regions`` (``regions``: list of ``(name, revenue share)``,
        largest first; empty without a ``region`` column).
    """
    tx = require_transactions(transactions)
    orders = order_count(tx)
    first, last = tx["timestamp"].min(), tx["timestamp"].max()
    if "currency_original" in tx.columns:
        sources = sorted(tx["currency_original"].dropna().astype(str).unique())
    else:
        sources = []
    regions: list[tuple[str, float]] = []
    total = float(tx["amount"].sum())
    if "region" in tx.columns and total:
        shares = tx.groupby("region")["amount"].sum().sort_values(ascending=False) / total
        regions = [(str(k), float(v)) for k, v in shares.items()]
    return {
        "source": "bundled synthetic sample" if data_path is None else str(data_path),
        "first": first,
        "last": last,
        "months": (last.year - first.year) * 12 + last.month - first.month + 1,
        "currency": require_str(currency, name="currency"),
        "source_currencies": sources,
        "rows_read": getattr(cleaning, "rows_read", None),
        "rows_kept": len(tx),
        "customers": int(tx["customer_id"].nunique()),
        "orders": int(orders),
        "revenue": total,
        "regions": regions,
    }


def describe_data(transactions: pd.DataFrame, cleaning: Any = None, *, currency: str = "") -> str:
    """One plain-language sentence about a prepared log (customers, orders, revenue, dates).

    Parameters
    ----------
    transactions : pandas.DataFrame
        Output of :func:`~retention_lib.prepare_transactions`.
    cleaning : CleaningReport, optional
        Its cleaning report, as in :func:`data_facts`.
    currency : str, default ""
        The currency the amounts are in.

    Examples
    --------
    >>> describe_data(tx)  # doctest: +SKIP
    '7,600 customers placed 19,xxx orders worth €1,565,165 (net of returns) between
    1 Jan 2023 and 31 Dec 2024, in 5 regions.'
    """
    f = data_facts(transactions, cleaning, currency=currency)
    where = f", in {len(f['regions'])} regions" if f["regions"] else ""
    return (
        f"{f['customers']:,} customers placed {f['orders']:,} orders worth "
        f"{_money(f['revenue'], f['currency'])} (net of returns) between "
        f"{_date(f['first'])} and {_date(f['last'])}{where}."
    )


def _header_html(
    facts: dict[str, Any], *, title: str, source_currency: str | None, files: str = ""
) -> str:
    from . import __version__

    code = facts["currency"]
    symbol = currency_symbol(code).strip()
    if facts["source_currencies"] and facts["source_currencies"] != [code]:
        money_note = (
            f"converted from {', '.join(facts['source_currencies'])} at ECB reference rates "
            "on each transaction's date"
        )
    elif source_currency and source_currency != code:
        money_note = f"converted from {source_currency} at ECB reference rates"
    elif facts["source_currencies"]:
        money_note = "as in the data"
    else:
        money_note = f"the data has no currency column, so amounts are taken to be in {code}"
    source = facts["source"]
    shown_source = (
        html.escape(source)
        if source.startswith("bundled")
        else f"{html.escape(Path(source).name)} <span class='rl-dim'>({html.escape(source)})</span>"
    )
    rows = (
        f"{facts['rows_read']:,} rows read, {facts['rows_kept']:,} kept after cleaning "
        "(see the cleaning report)"
        if facts["rows_read"] is not None
        else f"{facts['rows_kept']:,} rows"
    )
    shown, rest = facts["regions"][:5], facts["regions"][5:]
    if rest:
        shown = [*shown, (f"{len(rest)} more", sum(s for _, s in rest))]
    regions = ", ".join(f"{html.escape(r)} {html.escape(_share(s))}" for r, s in shown)
    items = [
        ("Data", shown_source),
        (
            "Period covered",
            f"{_date(facts['first'])} to {_date(facts['last'])} "
            f"({facts['months']} calendar months)",
        ),
        ("Currency", f"{html.escape(code)} ({html.escape(symbol)}): {html.escape(money_note)}"),
        ("Rows", rows),
        ("Customers and orders", f"{facts['customers']:,} customers, {facts['orders']:,} orders"),
        ("Revenue, net of returns", _money(facts["revenue"], code)),
    ]
    if regions:
        items.append(("Revenue by region", regions))
    if files:
        items.append(("Files", files))
    items.append(
        (
            "Configuration",
            '<a href="config.toml">config.toml</a> <span class="rl-dim">(repeat this run with '
            "<code>retention-lib report --config config.toml</code>)</span>",
        )
    )
    table = "".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in items)
    today = dt.date.today()
    return (
        f"<style>{_CSS}</style>"
        '<div class="rl-header">'
        f'<h1 class="rl-title">{html.escape(title)}</h1>'
        f'<p class="rl-dim">Generated on {today.day} {today:%B %Y} by retention-lib {__version__}.</p>'
        f'<table class="rl-facts">{table}</table>'
        '<p class="rl-how">How to read it: each table or figure is followed by a short '
        "reading in plain words. Percentages are shares of customers unless the label says "
        f"otherwise; money is in {html.escape(code)}.</p>"
        '<h2 class="rl-contents">Contents</h2><!--RL-TOC-->'
        "</div>"
    )


_CSS = """
.rl-header { border-bottom: 2px solid #2b5d8a; margin-bottom: 2em; padding-bottom: 1em; }
.rl-header h1.rl-title { font-size: 2.2em; margin-bottom: 0.1em; color: #1f3f5f; }
.rl-dim { color: #666; }
.rl-header table.rl-facts { border-collapse: collapse; margin: 1em 0; font-size: 1em; }
.rl-header table.rl-facts th { text-align: left; padding: 0.3em 1.5em 0.3em 0; color: #333;
  white-space: nowrap; vertical-align: top; }
.rl-header table.rl-facts td { text-align: left; padding: 0.3em 0; vertical-align: top; }
.rl-header table.rl-facts tr:nth-child(odd) { background: #f3f6f9; }
.rl-toc > ol { list-style: none; padding-left: 0.5em; }
.rl-toc > ol > li { margin-top: 0.4em; font-weight: 600; }
.rl-toc ol ol { list-style: disc; font-weight: normal; margin: 0.1em 0 0.3em 0; }
.jp-RenderedText.jp-OutputArea-output pre { white-space: pre-wrap; word-break: normal;
  font-family: var(--jp-content-font-family); font-size: var(--jp-content-font-size1, 14px);
  line-height: 1.5; }
.jp-RenderedImage img { max-width: 100%; height: auto; }
.rl-skip { border-left: 4px solid #9aa9b8; background: #f4f6f8; padding: 0.4em 1em;
  margin: 0.6em 0 1.2em 0; color: #333; }
.rl-skip p { margin: 0.3em 0; }
p.rl-files { color: #333; }
ul.rl-findings { font-size: 1.1em; line-height: 1.5; }
ul.rl-findings li { margin: 0.5em 0; }
a.rl-see { color: #2b5d8a; font-size: 0.9em; white-space: nowrap; }
@media print {
  .rl-header { page-break-after: always; }
  .jp-OutputArea-output { overflow: visible; }
  .jp-RenderedHTMLCommon table { font-size: 0.9em; }
  .jp-RenderedImage img, .jp-RenderedHTMLCommon table { page-break-inside: avoid; }
}
"""


def _header_cell(html_text: str) -> nbformat.NotebookNode:
    import nbformat

    cell = nbformat.v4.new_code_cell(source="")
    cell.outputs = [
        nbformat.v4.new_output("display_data", data={"text/html": html_text}, metadata={})
    ]
    return cell


def _is_title(cell: nbformat.NotebookNode) -> bool:
    return cell.cell_type == "markdown" and cell.source.lstrip().startswith("# ")


#: An explorer call in a widget cell: ``cohort_explorer(tx)``, ``dashboard(tx)``...
_EXPLORER_CALL = re.compile(r"\b\w*(explorer|dashboard)\s*\(")


def _is_explorer(cell: nbformat.NotebookNode) -> bool:
    """A ``# NBVAL_IGNORE_OUTPUT`` cell that builds an interactive explorer."""
    source = cell.source.lstrip()
    return (
        cell.cell_type == "code"
        and source.startswith("# NBVAL_IGNORE_OUTPUT")
        and _EXPLORER_CALL.search(source) is not None
    )


def _drop_with_introduction(cells: list, flagged: list[bool]) -> list:
    """Drop the flagged cells, and the markdown cell right before one when that markdown only
    introduces it (the next cell is markdown or the end) and is not a notebook title."""
    kept = []
    for i, cell in enumerate(cells):
        if flagged[i]:
            continue
        if (
            cell.cell_type == "markdown"
            and not _is_title(cell)
            and i + 1 < len(cells)
            and flagged[i + 1]
            and (i + 2 >= len(cells) or cells[i + 2].cell_type == "markdown")
        ):
            continue
        kept.append(cell)
    return kept


def _without_explorers(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook without its explorer cells (and their introductions), for the report run.

    Explorers mean nothing in static HTML, and skipping them keeps widget comms out of the
    unattended run.
    """
    nb.cells = _drop_with_introduction(nb.cells, [_is_explorer(c) for c in nb.cells])
    return nb


def _strip_for_report(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """Drop what means nothing in a static, code-free report.

    Parameters cells, cells tagged ``remove-from-report``, widget views, stderr (it stays in
    the executed notebooks) but for retention-lib's warnings, which become a note (see
    :func:`_warning_notes`), and interactive cells (``# NBVAL_IGNORE_OUTPUT`` left without
    output) together with the markdown cell that introduces them.
    """
    import nbformat

    cells: list[nbformat.NotebookNode] = []
    interactive: list[bool] = []
    for cell in nb.cells:
        tags = set(cell.get("metadata", {}).get("tags", []))
        if tags & REMOVE_TAGS:
            continue
        empty_widget_cell = False
        if cell.cell_type == "code":
            outputs = []
            for o in cell.get("outputs", []):
                if "application/vnd.jupyter.widget-view+json" in o.get("data", {}):
                    continue
                if o.get("name") == "stderr":
                    notes = _warning_notes(o.get("text", ""))
                    if not notes:
                        continue
                    o = nbformat.v4.new_output("stream", name="stdout", text=notes)
                outputs.append(o)
            cell.outputs = outputs
            empty_widget_cell = (
                cell.source.lstrip().startswith("# NBVAL_IGNORE_OUTPUT") and not cell.outputs
            )
        cells.append(cell)
        interactive.append(empty_widget_cell)
    nb.cells = _drop_with_introduction(cells, interactive)
    return nb


def _warning_names() -> set[str]:
    from . import _validation

    return {
        name
        for name, obj in vars(_validation).items()
        if isinstance(obj, type) and issubclass(obj, _validation.RetentionLibWarning)
    }


# what `warnings.showwarning` writes: "path:line: Category: message" (then the source line)
_WARNING_LINE = re.compile(r"^\S.*?:\d+: (\w+): (.*)$")


def _warning_notes(stderr: str) -> str:
    """retention-lib's warnings in ``stderr`` as "Kind: message" lines, the kind of caveat
    from :func:`retention_lib.findings.warning_kind` (other stderr text, and the source lines
    Python prints under a warning, are left out)."""
    from .findings import for_reader, warning_kind

    names = _warning_names()
    notes = []
    for line in stderr.splitlines():
        match = _WARNING_LINE.match(line)
        if match and match.group(1) in names:
            text = for_reader(match.group(2))
            if text:
                notes.append(f"{warning_kind(match.group(1))}: {text}")
    return "".join(f"{n}\n" for n in dict.fromkeys(notes))


#: What a reader sees where a warning already shown above comes up again.
REPEATED_WARNINGS_NOTE = (
    "(The same {what} as above apply here; every warning is listed under Assumptions and caveats.)"
)


def _show_warnings_once(cells: list[Any]) -> list[Any]:
    """Keep the first showing of each warning note in a report's cells (in reading order).

    Sections that reuse one fitted model raise its warnings again; a reader sees each once,
    where it first comes up, and in later places one line saying the same warnings apply.
    Notes are the lines :func:`_warning_notes` writes ("Model fit: ...", "Small groups: ...").

    Parameters
    ----------
    cells : list of notebook cells
        The report's cells in reading order; their stdout outputs are edited in place.

    Returns
    -------
    list
        ``cells`` (the same objects).
    """
    from .findings import CAVEAT_KINDS

    prefixes = tuple(f"{kind}: " for kind in CAVEAT_KINDS)
    seen: set[str] = set()
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        for output in cell.get("outputs", []):
            if output.get("name") != "stdout":
                continue
            lines = str(output.get("text", "")).splitlines()
            kept, repeated = [], []
            for line in lines:
                if line.startswith(prefixes):
                    if line in seen:
                        repeated.append(line.split(":", 1)[0].lower())
                        continue
                    seen.add(line)
                kept.append(line)
            if repeated:
                what = "warnings" if len(set(repeated)) > 1 else f"{repeated[0]} warnings"
                kept.append(REPEATED_WARNINGS_NOTE.format(what=what))
                output["text"] = "".join(f"{line}\n" for line in kept)
    return cells


#: What a reader sees where a section is left out for a reason already given above.
REPEATED_SKIP_NOTE = "<p><b>Not shown</b>, for the same reason as {where} above.</p>"


def _skips_once(cells: list[Any]) -> list[Any]:
    """Give each reason a section is not shown once, where it first comes up (reading order).

    A log without repeat buyers skips a dozen parts of the report for one reason; the first
    part left out says why, and each later one names that part instead of repeating it
    (cells of :func:`_without_unavailable`, tagged ``rl-skipped``, and the outputs of a
    section's status shown by a notebook). ``cells`` are the report's cells in reading order;
    they are edited in place and returned.
    """
    first: dict[str, str] = {}  # reason -> the heading of the part that gave it
    heading = ""

    def once(match: re.Match) -> str:
        reason = match.group(1)
        if reason not in first:
            first[reason] = heading
            return match.group(0)
        where = f"<i>{html.escape(first[reason])}</i>" if first[reason] else "the part"
        return REPEATED_SKIP_NOTE.format(where=where)

    for cell in cells:
        if cell.get("cell_type") == "markdown":
            heading = _skip_heading(cell) or heading
            if "rl-skipped" in cell.get("metadata", {}).get("tags", []):
                cell.source = _SKIP_REASON.sub(once, cell.source)
            continue
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "text/html" in data and _SKIP_REASON.search(str(data["text/html"])):
                data["text/html"] = _SKIP_REASON.sub(once, str(data["text/html"]))
                data.pop("text/markdown", None)  # the HTML is what the report shows
    return cells


#: Cells with this tag move to the report's appendix (cleaning, method, model checks).
APPENDIX_TAG = "report-appendix"
APPENDIX_TITLE = "Appendix: cleaning, method and model checks"


def _raised_warnings(nb: nbformat.NotebookNode) -> list[str]:
    """retention-lib's warnings in the stderr of an executed notebook (``"Category:
    message"``), in order, each once."""
    names = _warning_names()
    found = []
    for cell in nb.cells:
        for o in cell.get("outputs", []) if cell.cell_type == "code" else ():
            if o.get("name") != "stderr":
                continue
            for line in o.get("text", "").splitlines():
                match = _WARNING_LINE.match(line)
                if match and match.group(1) in names:
                    found.append(f"{match.group(1)}: {match.group(2)}")
    return list(dict.fromkeys(found))


_SKIP_REASON = re.compile(r"<p><b>Not shown\.</b> (.*?)</p>", re.S)


def _skip_heading(cell: Any) -> str:
    """The heading a skipped part's note starts with ("" when it has none)."""
    lines = cell.source.lstrip().splitlines()
    return lines[0].lstrip("#").strip() if lines and lines[0].startswith("#") else ""


def _skipped_sections(nb: nbformat.NotebookNode) -> dict[str, str]:
    """Heading -> why it is not shown, for each run of cells the report left out."""
    out = {}
    for cell in nb.cells:
        if "rl-skipped" not in cell.get("metadata", {}).get("tags", []):
            continue
        heading = _skip_heading(cell)
        reasons = [html.unescape(r) for r in _SKIP_REASON.findall(cell.source)]
        out[heading or "A part of a section"] = " ".join(reasons)
    return out


def _summary_html(findings: Sequence[Any]) -> str:
    """The executive summary: one item per finding, each linking to its section."""
    items = "".join(
        f"<li><b>{html.escape(f.topic)}.</b> {html.escape(f.text)} "
        f'<a class="rl-see" href="#{html.escape(f.anchor, quote=True)}">'
        f"({html.escape(f.section)})</a></li>"
        for f in findings
    )
    return f'<h1 id="Executive-summary">Executive summary</h1><ul class="rl-findings">{items}</ul>'


def _assumptions_html(assumptions: pd.DataFrame, caveats: pd.DataFrame) -> str:
    """The Assumptions and caveats section: every input with its source, every warning."""
    inputs = styled_table(assumptions).set_uuid("assumptions").to_html()
    shown = caveats.rename(columns={"kind": "Kind", "caveat": "Caveat"})
    notes = (
        styled_table(shown).set_uuid("caveats").to_html()
        if not shown.empty
        else "<p>No warning was raised while computing this report.</p>"
    )
    return (
        '<h1 id="Assumptions-and-caveats">Assumptions and caveats</h1>'
        "<p>Every input the figures rest on, with its value and where it came from (a "
        "default is the library's, not the client's), then every warning raised while "
        "computing the report, every section not shown and why, and the rows cleaning "
        "dropped.</p>"
        f'<h2 id="Inputs">Inputs</h2>{inputs}'
        f'<h2 id="Caveats">Caveats</h2>{notes}'
    )


_HEADING = re.compile(r'<h([12]) id="([^"]+)"[^>]*>(.*?)</h\1>', re.S)


def _add_toc(body: str) -> str:
    """Give headings unique ids and fill the table of contents from the h1/h2 headings."""
    seen: dict[str, int] = {}
    toc: list[tuple[int, str, str]] = []

    def fix(m: re.Match) -> str:
        level, anchor, inner = m.group(1), m.group(2), m.group(3)
        n = seen.get(anchor, 0)
        seen[anchor] = n + 1
        new = anchor if n == 0 else f"{anchor}-{n + 1}"
        text = html.unescape(re.sub(r"<[^>]+>", "", inner)).replace("¶", "").strip()
        if text:
            toc.append((int(level), new, text))
        inner = inner.replace(f'href="#{anchor}"', f'href="#{new}"')
        return f'<h{level} id="{new}">{inner}</h{level}>'

    body = _HEADING.sub(fix, body)
    parts: list[str] = []
    open_sub = False
    for level, anchor, text in toc:
        link = f'<a href="#{html.escape(anchor, quote=True)}">{html.escape(text)}</a>'
        if level == 1:
            if open_sub:
                parts.append("</ol></li>")
                open_sub = False
            elif parts:
                parts.append("</li>")
            parts.append(f"<li>{link}")
        else:
            if not open_sub:
                parts.append("<ol>")
                open_sub = True
            parts.append(f"<li>{link}</li>")
    if parts:
        parts.append("</ol></li>" if open_sub else "</li>")
    toc_html = f'<nav class="rl-toc"><ol>{"".join(parts)}</ol></nav>'
    return body.replace("<!--RL-TOC-->", toc_html, 1)


def _one_line(text: object) -> str:
    return " ".join(str(text).split())


@contextlib.contextmanager
def _quiet_parameter_parser() -> Iterator[None]:
    """Hide papermill's "Unable to parse line" notes (a comment after a parameter)."""
    log = logging.getLogger("papermill.translators")
    level = log.level
    log.setLevel(logging.ERROR)
    try:
        yield
    finally:
        log.setLevel(level)


def _notebook_parameters(path: Path) -> set[str]:
    from papermill import inspect_notebook

    with _quiet_parameter_parser():
        return set(inspect_notebook(str(path)))


@contextlib.contextmanager
def _inline_figures() -> Iterator[None]:
    """Make the kernels draw figures inline even when ``MPLBACKEND=Agg`` is set (as in CI)."""
    saved = os.environ.get("MPLBACKEND")
    os.environ["MPLBACKEND"] = "module://matplotlib_inline.backend_inline"
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("MPLBACKEND", None)
        else:
            os.environ["MPLBACKEND"] = saved


#: Cells tagged ``needs-<section>`` run only when the section is available on the log.
NEEDS_TAG = "needs-"


def _without_unavailable(
    nb: nbformat.NotebookNode, statuses: dict[str, Any], *, name: str = "notebook"
) -> nbformat.NotebookNode:
    """Drop the cells of sections this log cannot support, leaving one note in their place.

    A cell tagged ``needs-<section>`` is dropped when ``statuses[section]`` is unavailable
    (the first of its tags not met gives the reason). Each run of consecutive dropped cells
    becomes one markdown cell: the heading of its first cell (when that cell is a markdown
    cell starting with a heading, so the section stays in the contents) and the reasons,
    one paragraph each.
    """
    import nbformat

    cells: list[nbformat.NotebookNode] = []
    run: list[nbformat.NotebookNode] = []
    reasons: list[str] = []

    def flush() -> None:
        if not run:
            return
        first = run[0]
        lines = first.source.lstrip().splitlines() if first.cell_type == "markdown" else []
        heading = lines[0] if lines and lines[0].startswith("#") else ""
        note = "".join(f"<p><b>Not shown.</b> {html.escape(r)}</p>" for r in reasons)
        source = (f"{heading}\n\n" if heading else "") + f'<div class="rl-skip">{note}</div>'
        tags = ["rl-skipped"]
        if _in_appendix(first):
            tags.append(APPENDIX_TAG)  # a skipped check stays where its section goes
        cells.append(nbformat.v4.new_markdown_cell(source, metadata={"tags": tags}))
        run.clear()
        reasons.clear()

    for cell in nb.cells:
        tags = cell.get("metadata", {}).get("tags", [])
        needs = [t[len(NEEDS_TAG) :] for t in tags if t.startswith(NEEDS_TAG)]
        unknown = [n for n in needs if n not in statuses]
        if unknown:
            raise ReportError(
                f"{name}: cell tag(s) {', '.join(f'`needs-{n}`' for n in unknown)} name no "
                f"section; the sections are {', '.join(statuses)}."
            )
        missing = [statuses[n] for n in needs if not statuses[n]]
        if not missing:
            flush()
            cells.append(cell)
            continue
        if run and (_starts_section(cell) or _in_appendix(cell) != _in_appendix(run[0])):
            flush()  # each section, and each part of the appendix, says why in its place
        run.append(cell)
        if missing[0].reason not in reasons:  # the first need not met says why
            reasons.append(missing[0].reason)
    flush()
    nb.cells = cells
    return nb


def _starts_section(cell: nbformat.NotebookNode) -> bool:
    return cell.cell_type == "markdown" and cell.source.lstrip().startswith("#")


def _in_appendix(cell: nbformat.NotebookNode) -> bool:
    return APPENDIX_TAG in cell.get("metadata", {}).get("tags", [])


#: Tag of the cell that clears the namespace a shared kernel kept from its previous notebook.
RESET_TAG = "rl-reset"
_RESET_SOURCE = (
    "# retention-lib report: a clean namespace (this kernel may have run another notebook)\n"
    "%reset -f\n"
    "import matplotlib.pyplot as _plt\n"
    "_plt.close('all')\n"
    "del _plt"
)


def _with_reset_cell(nb: nbformat.NotebookNode, cwd: Path) -> nbformat.NotebookNode:
    """Put first a cell that clears the namespace, closes figures and enters the notebook's
    folder, as a fresh kernel would start (tagged so the report leaves it out)."""
    import nbformat

    source = _RESET_SOURCE + f"\nimport os as _os\n_os.chdir({str(cwd)!r})\ndel _os"
    cell = nbformat.v4.new_code_cell(source, metadata={"tags": [RESET_TAG]})
    nb.cells.insert(0, cell)
    return nb


def _failed_cell(target: str, cell_index: int) -> int:
    """1-based position of a failing cell among the notebook's own code cells."""
    import nbformat

    nb = nbformat.read(target, as_version=4)
    own = 0
    for i, cell in enumerate(nb.cells):
        tags = set(cell.get("metadata", {}).get("tags", []))
        if cell.cell_type == "code" and not tags & {RESET_TAG, "injected-parameters"}:
            own += 1
        if i == cell_index:
            break
    return own


def _execute(
    km: Any, target: str, parameters: dict[str, Any], cwd: str, timeout: int | None
) -> tuple[float, str | None]:
    """Run one notebook with papermill in the kernel ``km``; its time and error, if any."""
    import time

    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    started = time.perf_counter()
    try:
        pm.execute_notebook(
            target,
            target,
            parameters=parameters,
            progress_bar=False,
            kernel_name="python3",
            execution_timeout=timeout,
            km=km,
            resources={"metadata": {"path": cwd}},
        )
    except PapermillExecutionError as exc:
        return time.perf_counter() - started, (
            f"failed in cell {_failed_cell(target, exc.cell_index)}: {exc.ename}: "
            f"{_one_line(exc.evalue)}"
        )
    except Exception as exc:  # the kernel died, a timeout...: the report names the notebook
        return time.perf_counter() - started, f"failed: {type(exc).__name__}: {_one_line(exc)}"
    return time.perf_counter() - started, None


def report_jobs(n_notebooks: int) -> int:
    """Notebooks run at once: ``RETENTION_REPORT_JOBS``, else one per core (at most all).

    Parameters
    ----------
    n_notebooks : int
        Notebooks to run.
    """
    text = os.environ.get("RETENTION_REPORT_JOBS", "").strip()
    if text:
        try:
            jobs = int(text)
        except ValueError:
            raise ReportError(
                f"`RETENTION_REPORT_JOBS` must be a whole number; got {text!r}."
            ) from None
    else:
        jobs = (
            len(os.sched_getaffinity(0))
            if hasattr(os, "sched_getaffinity")
            else os.cpu_count() or 1
        )
    return max(1, min(jobs, n_notebooks))


def _run_notebooks(
    jobs: list[tuple[Path, Path, dict[str, Any]]], progress: bool, timeout: int | None
) -> None:
    """Execute the prepared notebooks, several at once when there are cores to spare.

    The notebooks share nothing but the run's files, so their order does not matter: each
    of :func:`report_jobs` worker threads starts one kernel and runs notebooks in it one
    after the other (each begins with a namespace reset, see :func:`_with_reset_cell`), so a
    kernel and its imports are paid once per worker, not once per notebook; the work happens
    in the kernels, the threads only wait on them. ``jobs`` holds ``(original, target,
    parameters)``; the first failure in report order is raised as a :class:`ReportError`.
    """
    import threading

    workers = report_jobs(len(jobs))
    if progress:
        print(
            f"Running {len(jobs)} notebook(s), {workers} at a time...", file=sys.stderr, flush=True
        )
    order = {target: k for k, (_, target, _) in enumerate(jobs)}
    failures: list[tuple[int, str]] = []

    def done(path: Path, target: Path, seconds: float, error: str | None, i: int) -> None:
        if error:
            failures.append((order[target], f"{path.name} {error} (executed notebook: {target})"))
        elif progress:
            print(f"[{i}/{len(jobs)}] {path.name} ({seconds:.1f} s)", file=sys.stderr, flush=True)

    queue = list(jobs)
    lock = threading.Lock()
    finished = [0]

    def worker() -> None:
        from jupyter_client.manager import AsyncKernelManager
        from jupyter_core.utils import run_sync

        km = AsyncKernelManager(kernel_name="python3")
        started = False
        try:
            while True:
                with lock:
                    if not queue:
                        return
                    path, target, params = queue.pop(0)
                try:
                    if not started:
                        run_sync(km.start_kernel)(
                            cwd=str(path.parent),
                            extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
                        )
                        started = True
                    seconds, error = _execute(km, str(target), params, str(path.parent), timeout)
                    if error and not run_sync(km.is_alive)():
                        run_sync(km.restart_kernel)(now=True)
                except Exception as exc:  # the kernel did not start: say so, in one line
                    seconds, error = 0.0, f"failed: {type(exc).__name__}: {_one_line(exc)}"
                with lock:
                    finished[0] += 1
                    done(path, target, seconds, error, finished[0])
        finally:
            if started:
                run_sync(km.shutdown_kernel)(now=True)

    with _quiet_parameter_parser(), _inline_figures():
        threads = [threading.Thread(target=worker, daemon=True) for _ in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    if failures:  # the first notebook in report order that failed
        raise ReportError(min(failures)[1])


_SETTINGS_PARAMETERS = ("data_path", "currency", "source_currency")


def _parameters_for(path: Path, config: Any, config_path: Path) -> dict[str, Any]:
    """What a notebook gets: ``config_path`` when it declares it; otherwise (a notebook of
    its own) the settings it declares among ``data_path``, ``currency``, ``source_currency``."""
    declared = _notebook_parameters(path)
    if "config_path" in declared:
        return {"config_path": str(config_path)}
    if config.source_currency is not None and "source_currency" not in declared:
        raise ReportError(
            f"`source_currency` cannot be passed to {path.name}: their parameters cell has no "
            "`source_currency` (nor `config_path`). Add `config_path = None` there and open "
            "the run with `rl.open_run(config_path)`, or convert the amounts first."
        )
    return {k: getattr(config, k) for k in _SETTINGS_PARAMETERS if k in declared}


def _exports_html(out: Path) -> str:
    folder = out / "exports"
    files = sorted(folder.glob("*.csv")) if folder.is_dir() else []
    links = []
    for csv in files:
        pair = [csv, csv.with_suffix(".parquet")]
        links.append(
            " / ".join(
                f'<a href="exports/{html.escape(p.name, quote=True)}">{html.escape(p.name)}</a>'
                for p in pair
                if p.exists()
            )
        )
    return "; ".join(links)


def build_report(
    data_path: str | os.PathLike | None = None,
    *,
    config: Any = None,
    out_dir: str | os.PathLike = "reports",
    notebooks: Sequence[str | os.PathLike] | None = None,
    pdf: bool = False,
    progress: bool = True,
    timeout: int = 600,
    origins: dict[str, str] | None = None,
    **settings: Any,
) -> Path:
    """Execute the analysis notebooks on ``data_path`` and write ``retention_report.html``.

    The log is loaded, cleaned and summarised once and the CLV models fitted once
    (:func:`~retention_lib.prepare_run`); the notebooks read those shared files. Bad input
    stops at once with the library's message. A section the log cannot support (too short a
    history, no repeat buyers, no country column, a model that does not fit, a business
    input not given...) is replaced in the report by a paragraph saying what it needs.

    Parameters
    ----------
    data_path : path, optional
        Transaction log (CSV, CSV.GZ, Parquet, Excel); ``None`` = the bundled sample (or
        the config file's ``data.path``).
    config : path or RunConfig, optional
        A TOML config file (see :mod:`retention_lib.config`), or a built configuration.
    out_dir : path
        Output folder: ``retention_report.html`` (and ``.pdf``), ``config.toml`` (the
        configuration the run used), ``exports/`` (CSV and Parquet files), ``notebooks/``
        (the executed notebooks) and ``run/`` (the shared intermediate files).
    notebooks : sequence of paths, optional
        Notebooks to run (default: :data:`REPORT_NOTEBOOKS` shipped with the package).
    pdf : bool
        Also write ``retention_report.pdf`` (headless Chromium through Playwright).
    progress : bool
        Show which notebooks run.
    timeout : int
        Seconds any one cell may run.
    origins : dict, optional
        Setting -> the command-line flag it came from (the CLI passes it).
    **settings
        Any setting of :class:`~retention_lib.config.RunConfig` (``currency="GBP"``,
        ``source_currency=``, ``margin=0.3``, ``cac=40``, ``holdout_weeks=13``,
        ``columns={"customer_id": "Client"}``, ``title=``...); these win over the config
        file.

    Returns
    -------
    pathlib.Path
        Path of the HTML report.

    Raises
    ------
    FileNotFoundError
        No file at ``data_path`` or at the config path, or no notebooks.
    DataValidationError
        The data cannot be loaded or holds no purchase after cleaning (the message names
        the column and the fix), or a setting is out of range.
    ReportError
        A notebook failed (the message names the notebook and the error) or does not accept
        the settings.

    Examples
    --------
    >>> build_report()  # doctest: +SKIP
    PosixPath('reports/retention_report.html')
    >>> build_report("online_retail.csv.gz", currency="GBP", cac=40, margin=0.3)  # doctest: +SKIP
    """
    import nbformat
    from nbconvert import HTMLExporter

    from ._resources import templates_dir
    from .config import RunConfig
    from .findings import assumptions_table, caveats_table, executive_summary
    from .run import prepare_run

    out_dir = require_path(out_dir, name="out_dir", kind="folder")
    pdf = require_bool(pdf, name="pdf")
    progress = require_bool(progress, name="progress")
    timeout = require_whole_number(timeout, name="timeout", low=1)
    from .pipeline import scanned_source

    if data_path is not None and not scanned_source(data_path):  # a folder is read in place
        require_path(data_path, name="data_path")
    if notebooks is not None:
        notebooks = require_sequence(
            notebooks, name="notebooks", what="paths", items=(str, os.PathLike)
        )
    if isinstance(config, RunConfig):
        if data_path is not None or settings:
            raise InputTypeError("Pass the settings inside `config` or as keywords, not both.")
    else:
        given = {"data_path": data_path, **settings}
        config = RunConfig.from_inputs(given, config_file=config, origins=origins)
    if (
        config.data_path is not None
        and "://" not in config.data_path  # a database URI
        and not Path(config.data_path).exists()
    ):
        raise DataPathError(f"No transaction file at `{config.data_path}`.")
    if notebooks is None:
        folder = notebooks_dir()
        paths = [folder / name for name in REPORT_NOTEBOOKS if (folder / name).exists()]
    else:
        paths = [Path(p).resolve() for p in notebooks]
        for p in paths:
            if not p.exists():
                raise DataPathError(f"No notebook at `{p}`.")
    if not paths:
        raise DataPathError("No notebooks to run: the notebooks folder is empty.")
    out = Path(out_dir).resolve()
    config_path = out / "config.toml"
    parameters = {p: _parameters_for(p, config, config_path) for p in paths}

    if progress:
        print("Loading, cleaning and fitting the models (once)...", file=sys.stderr, flush=True)
    run = prepare_run(config, out)
    facts = data_facts(
        run.transactions, run.cleaning, data_path=config.data_path, currency=config.currency
    )
    statuses = run.statuses()

    executed_dir = out / "notebooks"
    executed_dir.mkdir(parents=True, exist_ok=True)
    for stale in (out / "exports").glob("*") if (out / "exports").is_dir() else ():
        stale.unlink()
    jobs = []
    for path in paths:
        target = executed_dir / path.name
        nb = _without_explorers(nbformat.read(path, as_version=4))
        nb = _with_reset_cell(_without_unavailable(nb, statuses, name=path.name), path.parent)
        nbformat.write(nb, target)
        jobs.append((path, target, parameters[path]))
    _run_notebooks(jobs, progress, timeout)

    combined = nbformat.v4.new_notebook()
    header = _header_html(
        facts,
        title=config.title,
        source_currency=config.source_currency,
        files=_exports_html(out),
    )
    body: list[nbformat.NotebookNode] = []
    appendix: list[nbformat.NotebookNode] = []
    raised: list[str] = [*run.warnings, *run.holdout.warnings]
    skipped: dict[str, str] = {}
    for _, target, _ in jobs:
        nb = nbformat.read(target, as_version=4)
        raised.extend(_raised_warnings(nb))
        skipped.update(_skipped_sections(nb))
        nb = _strip_for_report(nb)
        for cell in nb.cells:
            tags = cell.get("metadata", {}).get("tags", [])
            (appendix if APPENDIX_TAG in tags else body).append(cell)
        if "kernelspec" not in combined.metadata:
            combined.metadata.update(nb.metadata)
    caveats = caveats_table(
        model_warnings=run.models.warnings,
        warnings=[w for w in raised if w not in run.models.warnings],
        skipped=skipped,
        cleaning=run.cleaning,
        config=config,
        values_shown=bool(statuses["clv"]),
    )
    findings = executive_summary(run, caveats=caveats)
    assumptions = assumptions_table(
        config, holdout_weeks=run.holdout_plan.weeks, model=run.model_label
    )
    combined.cells.append(_header_cell(header))
    combined.cells.append(_header_cell(_summary_html(findings)))
    _show_warnings_once([*body, *appendix])  # reading order: the appendix comes last
    _skips_once([*body, *appendix])
    combined.cells.extend(body)
    combined.cells.append(_header_cell(_assumptions_html(assumptions, caveats)))
    if appendix:
        combined.cells.append(
            nbformat.v4.new_markdown_cell(
                f"# {APPENDIX_TITLE}\n\nHow the log was cleaned, how the models were chosen "
                "and how well they fit: the checks behind the figures above."
            )
        )
        combined.cells.extend(appendix)
    combined.metadata.pop("papermill", None)
    combined.metadata.pop("widgets", None)
    combined.metadata["title"] = config.title
    exporter = HTMLExporter(
        template_name="retention_report",
        extra_template_basedirs=[str(templates_dir())],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    page, _ = exporter.from_notebook_node(combined)
    html_path = out / "retention_report.html"
    html_path.write_text(_add_toc(page), encoding="utf-8")
    if pdf:
        write_pdf(html_path, out / "retention_report.pdf")
    return html_path


def write_pdf(html_path: str | os.PathLike, pdf_path: str | os.PathLike) -> Path:
    """Print an HTML report to PDF with headless Chromium (Playwright).

    Uses the Chromium at ``RETENTION_CHROMIUM`` or ``/usr/bin/chromium`` (Debian's
    ``chromium`` package; never a browser downloaded by ``playwright install``).

    Parameters
    ----------
    html_path : path
        The HTML report to print.
    pdf_path : path
        Where to write the PDF.

    Raises
    ------
    ReportError
        Playwright or Chromium is missing.
    DataPathError
        No file at ``html_path``.
    """
    import shutil

    html_path = require_path(html_path, name="html_path", example="retention_report.html")
    pdf_path = require_path(pdf_path, name="pdf_path", example="retention_report.pdf")
    if not html_path.is_file():
        raise DataPathError(f"No HTML report at `{html_path}`; build it first.")

    chromium = (
        os.environ.get("RETENTION_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    )
    if not Path(chromium).exists():
        raise ReportError(
            f"--pdf needs Chromium: none at {chromium}. Install Debian's package (`apt-get "
            "install chromium`) or set RETENTION_CHROMIUM to a Chromium executable."
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        raise ReportError(
            "--pdf needs Playwright: `pip install retention-lib[pdf]` (no `playwright install` "
            "needed: the system Chromium is used)."
        ) from None
    html_path, pdf_path = Path(html_path).resolve(), Path(pdf_path)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page()
            page.route(
                "**/*",
                lambda route: (
                    route.continue_()
                    if route.request.url.startswith(("file:", "data:"))
                    else route.abort()
                ),
            )
            page.goto(html_path.as_uri(), wait_until="load")
            page.emulate_media(media="print")
            page.pdf(
                path=str(pdf_path),
                format="A4",
                print_background=True,
                scale=PDF_SCALE,  # the widest tables (CLV by group, ~1,050 px) fit the page
                margin={"top": "12mm", "bottom": "12mm", "left": "10mm", "right": "10mm"},
            )
        finally:
            browser.close()
    return pdf_path


#: Print scale of the PDF: an A4 page inside its margins is then about 1,200 CSS pixels wide.
PDF_SCALE = 0.62

#: Chromium flags for headless use in containers and CI (no sandbox, no network chatter).
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
