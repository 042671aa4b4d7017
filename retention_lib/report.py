"""Run the analysis notebooks with parameters and write one code-free HTML report.

The report opens with a title block (data source, period covered, currency, rows and
customers, table of contents), then the notebooks' markdown, tables and figures without
their code. Each notebook is run by papermill with the parameters ``data_path`` and
``currency`` (and ``source_currency`` when given), so it works on the bundled sample or on
the user's own CSV / Parquet / Excel log.

What a notebook can rely on: the ``parameters`` cell is dropped from the report; explorer
cells (``# NBVAL_IGNORE_OUTPUT`` cells calling ``*_explorer(...)`` or ``dashboard(...)``) are
not run, and a markdown cell that only introduces one goes with it; cells tagged
``remove-from-report`` run but are not shown; stderr stays in the executed notebooks in
``OUT/notebooks``, except retention-lib's own warnings (a model on a boundary, a sample too
small, ...), which the report shows under the cell that raised them.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import logging
import os
import re
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import nbformat
import pandas as pd

from ._validation import (
    DataPathError,
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

__all__ = [
    "REPORT_NOTEBOOKS",
    "ReportError",
    "build_report",
    "currency_symbol",
    "data_facts",
    "describe_data",
    "notebooks_dir",
    "styled_table",
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
REMOVE_TAGS = frozenset({"remove-from-report", "remove_cell", "parameters", "injected-parameters"})

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
) -> Any:
    """A computed table as a reader of the report sees it (a pandas ``Styler``).

    Fractions become percentages (``0.153`` -> ``15.3%``), money gets the currency symbol and
    thousands separators (``€1,234``), counts thousands separators, dates lose a midnight
    time; other numbers are rounded to ``decimals``; missing values show as a dash. The frame
    itself is unchanged.

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
        elif pd.api.types.is_integer_dtype(table[col]):
            formats[col] = "{:,}"
        elif pd.api.types.is_datetime64_any_dtype(table[col]):
            days = table[col].dropna()
            whole = bool((days == days.dt.normalize()).all())
            formats[col] = "{:%Y-%m-%d}" if whole else "{:%Y-%m-%d %H:%M}"
    styler = table.style.format(formats, na_rep="–")
    text = [c for c in table.columns if c not in formats and not _is_numeric_or_bool(table[c])]
    if text:  # words read from the left
        styler = styler.set_properties(subset=text, **{"text-align": "left"})
    return styler if index else styler.hide(axis="index")


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
    """The repository's ``notebooks/`` folder (the package is installed from a checkout)."""
    folder = Path(__file__).resolve().parents[1] / "notebooks"
    if not folder.is_dir():
        raise FileNotFoundError(
            f"The analysis notebooks are not at {folder}. Install retention-lib from a checkout "
            "(`pip install -e .`) or pass `notebooks=` with their paths."
        )
    return folder


def data_facts(
    transactions: pd.DataFrame,
    cleaning: Any = None,
    *,
    data_path: str | os.PathLike | None = None,
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

    Returns
    -------
    dict
        ``source, first, last, months, currency, source_currencies, rows_read, rows_kept,
        customers, orders, revenue, regions`` (``regions``: list of ``(name, revenue share)``,
        largest first; empty without a ``region`` column).
    """
    tx = require_transactions(transactions)
    bought = tx["amount"] > 0
    if "is_return" in tx.columns:
        bought &= ~tx["is_return"].astype(bool)
    purchases = tx[bought]
    orders = purchases["order_id"].nunique() if "order_id" in tx.columns else len(purchases)
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
        "currency": tx.attrs.get("currency", ""),
        "source_currencies": sources,
        "rows_read": getattr(cleaning, "rows_read", None),
        "rows_kept": len(tx),
        "customers": int(tx["customer_id"].nunique()),
        "orders": int(orders),
        "revenue": total,
        "regions": regions,
    }


def describe_data(transactions: pd.DataFrame, cleaning: Any = None) -> str:
    """One plain-language sentence about a prepared log (customers, orders, revenue, dates).

    Parameters
    ----------
    transactions : pandas.DataFrame
        Output of :func:`~retention_lib.prepare_transactions`.
    cleaning : CleaningReport, optional
        Its cleaning report, as in :func:`data_facts`.

    Examples
    --------
    >>> describe_data(tx)  # doctest: +SKIP
    '7,600 customers placed 19,xxx orders worth €1,565,165 (net of returns) between
    1 Jan 2023 and 31 Dec 2024, in 5 regions.'
    """
    f = data_facts(transactions, cleaning)
    where = f", in {len(f['regions'])} regions" if f["regions"] else ""
    return (
        f"{f['customers']:,} customers placed {f['orders']:,} orders worth "
        f"{_money(f['revenue'], f['currency'])} (net of returns) between "
        f"{_date(f['first'])} and {_date(f['last'])}{where}."
    )


def _header_html(facts: dict[str, Any], *, title: str, source_currency: str | None) -> str:
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
@media print { .rl-header { page-break-after: always; } }
"""


def _header_cell(html_text: str) -> nbformat.NotebookNode:
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
    """retention-lib's warnings in ``stderr`` as "Warning (Category): message" lines (other
    stderr text, and the source lines Python prints under a warning, are left out)."""
    names = _warning_names()
    notes = []
    for line in stderr.splitlines():
        match = _WARNING_LINE.match(line)
        if match and match.group(1) in names:
            notes.append(f"Warning ({match.group(1)}): {match.group(2)}")
    return "".join(f"{n}\n" for n in dict.fromkeys(notes))


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


def _one_line(text: str) -> str:
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


def _run_notebooks(
    paths: Sequence[Path],
    executed_dir: Path,
    combined: nbformat.NotebookNode,
    parameters: dict[str, Any],
    progress: bool,
    timeout: int | None,
) -> None:
    """Execute each notebook with papermill and append its cells to ``combined``."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    for i, path in enumerate(paths, 1):
        target = executed_dir / path.name
        if progress:
            print(f"[{i}/{len(paths)}] {path.name}", file=sys.stderr, flush=True)
        nbformat.write(_without_explorers(nbformat.read(path, as_version=4)), target)
        try:
            with _quiet_parameter_parser():
                pm.execute_notebook(
                    str(target),
                    str(target),
                    parameters=parameters,
                    cwd=str(path.parent),
                    progress_bar=progress,
                    kernel_name="python3",
                    execution_timeout=timeout,
                    extra_arguments=["--IPKernelApp.log_level=CRITICAL"],
                )
        except PapermillExecutionError as exc:
            raise ReportError(
                f"{path.name} failed in cell {exc.exec_count}: {exc.ename}: "
                f"{_one_line(exc.evalue)} (executed notebook: {target})"
            ) from None
        nb = _strip_for_report(nbformat.read(target, as_version=4))
        combined.cells.extend(nb.cells)
        if "kernelspec" not in combined.metadata:
            combined.metadata.update(nb.metadata)


def build_report(
    data_path: str | os.PathLike | None = None,
    *,
    currency: str = "EUR",
    source_currency: str | None = None,
    out_dir: str | os.PathLike = "reports",
    notebooks: Sequence[str | os.PathLike] | None = None,
    title: str = "Customer retention report",
    progress: bool = True,
    timeout: int = 600,
) -> Path:
    """Execute the analysis notebooks on ``data_path`` and write ``retention_report.html``.

    The data is loaded once first (through :func:`~retention_lib.prepare_transactions`), so
    bad input stops at once with the library's message, and the header can state the data
    source, period, currency and size.

    Parameters
    ----------
    data_path : path, optional
        Transaction log (CSV, CSV.GZ, Parquet, Excel); ``None`` = the bundled sample.
    currency : str
        Reporting currency (ISO 4217), passed to every notebook.
    source_currency : str, optional
        Currency of every amount when the log has no ``currency`` column (e.g. ``"GBP"`` for
        the UCI Online Retail log); passed to the notebooks as ``source_currency``, so every
        notebook's parameters cell must declare it.
    out_dir : path
        Folder for the HTML report and the executed notebooks (``out_dir/notebooks``).
    notebooks : sequence of paths, optional
        Notebooks to run (default: :data:`REPORT_NOTEBOOKS` from the repository).
    title : str
        Title of the report.
    progress : bool
        Show which notebook runs and papermill's progress bar.
    timeout : int
        Seconds any one cell may run.

    Returns
    -------
    pathlib.Path
        Path of the HTML report.

    Raises
    ------
    FileNotFoundError
        No file at ``data_path``, or no notebooks.
    DataValidationError
        The data cannot be loaded (the message names the column and the fix).
    ReportError
        A notebook failed (the message names the notebook and the error) or does not
        accept ``source_currency``.

    Examples
    --------
    >>> build_report()  # doctest: +SKIP
    PosixPath('reports/retention_report.html')
    >>> build_report("online_retail.csv.gz", currency="GBP", out_dir="uci")  # doctest: +SKIP
    """
    from nbconvert import HTMLExporter

    from .pipeline import prepare_transactions

    currency = require_currency_code(currency, name="currency")
    source_currency = require_currency_code(
        source_currency, name="source_currency", allow_none=True
    )
    out_dir = require_path(out_dir, name="out_dir", kind="folder")
    title = require_str(title, name="title")
    progress = require_bool(progress, name="progress")
    timeout = require_whole_number(timeout, name="timeout", low=1)
    if data_path is not None:
        require_path(data_path, name="data_path")
    if notebooks is not None:
        notebooks = require_sequence(
            notebooks, name="notebooks", what="paths", items=(str, os.PathLike)
        )
    if notebooks is None:
        folder = notebooks_dir()
        paths = [folder / name for name in REPORT_NOTEBOOKS if (folder / name).exists()]
    else:
        paths = [Path(p).resolve() for p in notebooks]
        for p in paths:
            if not p.exists():
                raise FileNotFoundError(f"No notebook at `{p}`.")
    if not paths:
        raise FileNotFoundError("No notebooks to run: the notebooks folder is empty.")
    if data_path is not None:
        data_path = str(Path(data_path).expanduser().resolve())
        if not Path(data_path).exists():
            raise DataPathError(f"No transaction file at `{data_path}`.")
    parameters: dict[str, Any] = {"data_path": data_path, "currency": currency}
    if source_currency is not None:
        lacking = [p.name for p in paths if "source_currency" not in _notebook_parameters(p)]
        if lacking:
            raise ReportError(
                f"`source_currency` cannot be passed to {', '.join(lacking)}: their "
                "parameters cell has no `source_currency`. Add `source_currency = None` there "
                "and pass it to `rl.prepare_transactions`, or convert the amounts first."
            )
        parameters["source_currency"] = source_currency

    if progress:
        print("Loading and checking the data...", file=sys.stderr, flush=True)
    tx, cleaning = prepare_transactions(
        data_path, currency=currency, source_currency=source_currency
    )
    facts = data_facts(tx, cleaning, data_path=data_path)
    del tx

    out = Path(out_dir)
    executed_dir = out / "notebooks"
    executed_dir.mkdir(parents=True, exist_ok=True)
    combined = nbformat.v4.new_notebook()
    combined.cells.append(
        _header_cell(_header_html(facts, title=title, source_currency=source_currency))
    )
    with _inline_figures():
        _run_notebooks(paths, executed_dir, combined, parameters, progress, timeout)
    combined.metadata.pop("papermill", None)
    combined.metadata.pop("widgets", None)
    combined.metadata["title"] = title
    exporter = HTMLExporter(
        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True
    )
    body, _ = exporter.from_notebook_node(combined)
    html_path = out / "retention_report.html"
    html_path.write_text(_add_toc(body), encoding="utf-8")
    return html_path
