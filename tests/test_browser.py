"""Browser tests: the dashboard (notebooks/00_dashboard.ipynb under Voila) driven in headless
Chromium, and the HTML report opened offline.

Uses Debian's ``chromium`` package (``apt-get install chromium``; ``.ci/run`` installs it) through
Playwright's ``executable_path``; never a browser downloaded by ``playwright install``.
Skipped, with the reason, when Chromium, Playwright or Voila is missing.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from retention_lib.report import CHROMIUM_ARGS as REPORT_CHROMIUM_ARGS

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
DASHBOARD = ROOT / "notebooks" / "00_dashboard.ipynb"
CHROMIUM = Path(os.environ.get("RETENTION_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = list(REPORT_CHROMIUM_ARGS)
SCREENSHOTS = Path(os.environ.get("RETENTION_SCREENSHOTS", ROOT / "reports" / "screenshots"))
START_TIMEOUT = 60  # seconds for Voila to answer
PAGE_TIMEOUT_MS = 60_000  # for the notebook to run and the explorer to draw


def _voila_command() -> list[str] | None:
    exe = Path(sys.executable).with_name("voila")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("voila")
    return [found] if found else None


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def chromium() -> Path:
    if not CHROMIUM.exists():
        pytest.skip(
            f"Chromium not found at {CHROMIUM}: install Debian's package "
            "(`apt-get install chromium`, as .ci/run does) or set RETENTION_CHROMIUM"
        )
    pytest.importorskip("playwright.sync_api", reason="Playwright (Python) is not installed")
    return CHROMIUM


@pytest.fixture(scope="module")
def voila_url(chromium: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Start Voila on 127.0.0.1 with a free port; stop it at the end."""
    command = _voila_command()
    if command is None:
        pytest.skip("Voila is not installed (`pip install voila`)")
    port = _free_port()
    log_path = tmp_path_factory.mktemp("voila") / "voila.log"
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)  # the kernel should use the inline backend, as in Jupyter
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            [
                *command,
                str(DASHBOARD),
                "--no-browser",
                f"--port={port}",
                "--Voila.ip=127.0.0.1",
                "--Voila.port_retries=0",
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"Voila exited with {proc.returncode}:\n{log_path.read_text()[-3000:]}")
            try:  # a TCP connection only: a GET would already run the notebook
                with socket.create_connection(("127.0.0.1", port), timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"Voila did not answer on {url} within {START_TIMEOUT} s")
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


def test_dashboard_region_change_redraws_cohorts_and_tables_read_as_the_reports(
    voila_url: str, chromium: Path
) -> None:
    """A region change redraws the cohort tab; the CLV tab, opened on that region, shows its
    table as the report does (money with the currency symbol, shares in percent, no raw
    floats)."""
    import re

    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1100})
            page.set_default_timeout(PAGE_TIMEOUT_MS)
            page.goto(voila_url, timeout=PAGE_TIMEOUT_MS)
            explorer = page.locator(".retention-cohort-explorer")
            figure = explorer.locator("img").first
            figure.wait_for(state="visible")
            header = explorer.locator(".widget-html").first
            before = {
                "src": figure.get_attribute("src"),
                "header": header.inner_text(),
                "table": explorer.locator("table").first.inner_text(),
            }
            assert "All customers" in before["header"]
            assert "months after first purchase" in before["table"]
            page.screenshot(path=str(SCREENSHOTS / "dashboard_all.png"), full_page=True)

            region = explorer.locator(".widget-dropdown select").first
            options = region.locator("option").all_inner_texts()
            assert options[0] == "All" and len(options) > 2, options
            picked = options[1]
            region.select_option(label=picked)
            page.wait_for_function(
                "([el, old]) => el.getAttribute('src') !== old",
                arg=[figure.element_handle(), before["src"]],
            )
            page.wait_for_function(
                "([el, name]) => el.innerText.includes(name)",
                arg=[header.element_handle(), picked],
            )
            page.wait_for_function(  # the table's widget may change after the header's
                "([el, old]) => { const t = el.querySelector('table'); "
                "return t !== null && t.innerText !== old; }",
                arg=[explorer.element_handle(), before["table"]],
            )
            after_table = explorer.locator("table").first.inner_text()
            assert picked in header.inner_text()
            assert after_table != before["table"]
            page.screenshot(path=str(SCREENSHOTS / "dashboard_region.png"), full_page=True)

            page.locator(".lm-TabBar-tabLabel", has_text="Customer value").click()
            clv_table = page.locator("table", has_text="Total CLV").first
            clv_table.wait_for(state="visible")
            cells = clv_table.locator("td").all_inner_texts()
            headings = clv_table.locator("th").all_inner_texts()
            assert "Share of CLV" in headings and "Mean P(alive)" in headings, headings
            assert any(c.startswith("€") for c in cells) and any(c.endswith("%") for c in cells)
            assert not [c for c in cells if re.fullmatch(r"-?\d+\.\d{3,}", c)], cells  # raw
            page.screenshot(path=str(SCREENSHOTS / "dashboard_clv.png"), full_page=True)
        finally:
            browser.close()
    shot = SCREENSHOTS / "dashboard_region.png"
    assert shot.stat().st_size > 20_000  # a page with a figure, not a blank one


def _open_offline(html: Path, chromium: Path, screenshot: str) -> dict:
    """Open ``html`` in Chromium with every request outside file:// and data: blocked and
    recorded; what the page drew, the blocked requests and the page's script errors."""
    from playwright.sync_api import sync_playwright

    outside: list[str] = []

    def block(route) -> None:  # noqa: ANN001
        url = route.request.url
        if url.startswith(("file:", "data:")):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 1600})
            page.route("**/*", block)
            errors: list[str] = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(html.as_uri(), wait_until="networkidle")
            drawn = {
                "title": page.locator("h1.rl-title").inner_text(),
                "toc": page.locator("nav.rl-toc a").count(),
                "images": page.evaluate(
                    "[...document.images].filter(i => i.complete && i.naturalWidth > 100).length"
                ),
                "tables": page.locator("table").count(),
                "links": page.evaluate("[...document.links].map(a => a.getAttribute('href'))"),
            }
            page.screenshot(path=str(SCREENSHOTS / screenshot))
        finally:
            browser.close()
    return {**drawn, "outside": outside, "errors": errors}


@pytest.mark.slow
def test_report_opens_offline_and_renders(installed_report, chromium: Path) -> None:
    """The report makes no request outside file:// (requests to other hosts are blocked and
    recorded) and draws its header, contents, tables and figures."""
    assert installed_report["result"].returncode == 0, installed_report["result"].stderr[-2000:]
    seen = _open_offline(
        installed_report["out"] / "retention_report.html", chromium, "report_top.png"
    )
    assert seen["title"] == "Customer retention report"
    assert seen["toc"] >= 20 and seen["images"] >= 5 and seen["tables"] >= 10
    assert seen["outside"] == [] and seen["errors"] == []


@pytest.mark.slow
def test_uci_report_opens_offline_with_its_exports(uci_report, chromium: Path) -> None:
    """The issue's command on the UCI log (``--currency GBP --cac 40 --margin 0.3``): its
    HTML, opened with requests to other hosts blocked, attempts none and draws; the exports
    it links are in the output folder, and ``--pdf`` wrote the same report as PDF."""
    assert uci_report["code"] == 0
    out = uci_report["out"]
    seen = _open_offline(out / "retention_report.html", chromium, "report_uci_top.png")
    assert seen["outside"] == [] and seen["errors"] == []
    assert seen["title"] == "Customer retention report"
    assert seen["images"] >= 10 and seen["tables"] >= 15
    exports = {h for h in seen["links"] if h and h.startswith("exports/")}
    for name in ("customer_values", "churn_risk", "cohort_retention"):
        for ext in ("csv", "parquet"):
            assert f"exports/{name}.{ext}" in exports, name
    for href in exports:  # every linked file is there, next to the page
        assert (out / href).is_file() and (out / href).stat().st_size > 100, href
    assert "config.toml" in seen["links"] and (out / "config.toml").is_file()
    assert uci_report["pdf"], "the fixture asks for --pdf when Chromium and Playwright are there"
    pdf = (out / "retention_report.pdf").read_bytes()
    assert pdf.startswith(b"%PDF-") and pdf.count(b"/Type /Page") - pdf.count(b"/Type /Pages") >= 10
