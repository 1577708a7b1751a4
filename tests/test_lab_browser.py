"""The notebooks in a real browser: JupyterLab in headless Chromium, opened the way an analyst opens them.

One JupyterLab server (127.0.0.1, a free port, a random token, the project's lab settings) and one browser page
serve the whole module. Every notebook is opened by double-clicking it in the file browser: it must open as a
notebook, not as a Python file. Two of them are then run with Run → Run All Cells (``LAB_RUN=all`` runs every
one): 01 (Pareto / Lorenz hover charts, the filter that once drew pure-white charts) and 06 (its own partner
choice and sliders). Each must show no error output, every dropdown with a selection, every image and hover
chart non-blank, tables that sort when a header is clicked; then a filter is changed quickly a few times and
the sections must redraw with other content and never go blank. Screenshots after Run All and after the filter
change go to ``build/screenshots/``.

Run All of every notebook headless, on the sample and without optional tables, is in ``test_notebooks.py``;
this module checks what only a browser shows. Needs ``/usr/bin/chromium`` (``.ci/run`` installs it); skipped
without it.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pandas as pd
import pytest

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("0*.py"))
RUN = NOTEBOOKS if os.environ.get("LAB_RUN") == "all" else ["01_revenue_concentration.py", "06_early_warning.py"]
SHOTS = ROOT / "build" / "screenshots"
RUN_TIMEOUT_MS = int(os.environ.get("LAB_RUN_TIMEOUT_MS", 240_000))
REDRAW_TIMEOUT_MS = 90_000
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"

# Dark pixels in each image / chart canvas of the visible notebook: 0 means a blank (pure white or empty) chart.
_INK = """() => {
  const ink = (source, w, h) => {
    if (!w || !h) return 0;
    const c = document.createElement('canvas'); c.width = w; c.height = h;
    const g = c.getContext('2d'); g.drawImage(source, 0, 0);
    const d = g.getImageData(0, 0, w, h).data; let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && d[i] < 160) n++;
    return n;
  };
  const panel = '.jp-NotebookPanel:not(.lm-mod-hidden) ';
  const images = [...document.querySelectorAll(panel + '.jp-OutputArea-output img')]
    .map(img => ink(img, img.naturalWidth, img.naturalHeight));
  const charts = [...document.querySelectorAll(panel + '.vega-embed')]
    .map(v => { const c = v.querySelector('canvas'); if (c) return ink(c, c.width, c.height);
                return v.querySelectorAll('svg path, svg rect, svg circle').length; });
  return {images, charts};
}"""

# Every image of the visible notebook has loaded and every hover chart has drawn (they render asynchronously).
_RENDERED = """() => {
  const panel = '.jp-NotebookPanel:not(.lm-mod-hidden) ';
  return [...document.querySelectorAll(panel + '.jp-OutputArea-output img')].every(i => i.complete)
    && [...document.querySelectorAll(panel + '.vega-embed')].every(v => v.querySelector('canvas, svg'));
}"""

_IDLE = ("() => document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook-ExecutionIndicator')"
         "?.getAttribute('data-status') === 'idle'")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def chromium():
    if not CHROMIUM.exists():
        pytest.skip("needs /usr/bin/chromium")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM),
                                    args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def lab(chromium, tmp_path_factory):
    """A JupyterLab server at the repo root with the project's settings; yields its base URL and token."""
    home = tmp_path_factory.mktemp("lab")
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"), JUPYTER_RUNTIME_DIR=str(home / "runtime"))
    env.pop("MPLBACKEND", None)  # the kernels use the inline backend, as for an analyst
    # lay out every cell (JupyterLab skips painting cells out of view), so every output can be checked
    tracker = home / "settings" / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True)
    tracker.write_text('{"windowingMode": "none"}')
    command = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--ServerApp.ip=127.0.0.1",
               f"--ServerApp.port={port}", f"--IdentityProvider.token={token}", "--ServerApp.root_dir=.",
               "--LabApp.app_settings_dir=jupyter/lab/settings", "--LabApp.news_url=", "--allow-root"]
    log = (home / "server.log").open("w")
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    pytest.fail(f"JupyterLab did not start: {(home / 'server.log').read_text()[-2000:]}")
                time.sleep(0.3)
        yield f"http://127.0.0.1:{port}", token
    finally:
        _shut_down_kernels(f"http://127.0.0.1:{port}", token)  # else the server waits for each on SIGTERM
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _shut_down_kernels(base: str, token: str) -> None:
    import json

    try:
        with urllib.request.urlopen(f"{base}/api/kernels?token={token}", timeout=5) as response:
            kernels = json.load(response)
        for kernel in kernels:
            request = urllib.request.Request(f"{base}/api/kernels/{kernel['id']}?token={token}", method="DELETE")
            urllib.request.urlopen(request, timeout=10).close()
    except OSError:
        pass


@pytest.fixture(scope="module")
def page(chromium, lab):
    """One page of JupyterLab, opened on ``notebooks/`` (the server's default folder for ``make lab``)."""
    base, token = lab
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = chromium.new_page(viewport={"width": 1500, "height": 1100})
    page.set_default_timeout(REDRAW_TIMEOUT_MS)
    page.goto(f"{base}/lab/tree/notebooks?token={token}&reset")
    page.locator(".jp-DirListing-item").first.wait_for()
    yield page
    page.close()


def _open(page, name: str) -> None:
    """Double-click ``name`` in the file browser (or bring its tab to the front if it is open)."""
    tab = page.locator(".jp-mod-current .lm-TabBar-tab, .lm-DockPanel-tabBar .lm-TabBar-tab").filter(has_text=name)
    if tab.count():
        tab.first.click()
    else:
        page.locator(f".jp-DirListing-item[title*='{name}']").first.dblclick()
    page.locator(f"{PANEL} .jp-Notebook .jp-MarkdownCell").first.wait_for()


def _errors(page) -> list[str]:
    """Tracebacks shown in the notebook (stderr also carries harmless warnings, which are not errors)."""
    texts = page.locator(f"{PANEL} [data-mime-type='application/vnd.jupyter.stderr']").all_inner_texts()
    return [t for t in texts if "Traceback" in t or "Error" in t]


def _settle(page, status: str | None = None) -> None:
    """Until every image and chart has rendered; after a filter change, first until the status line names
    ``status`` (the kernel took the last change) and the panel has redrawn every section (``pa-redrawing`` gone)."""
    if status is not None:
        page.wait_for_function(f"s => [...document.querySelectorAll('{PANEL} .pa-filter-status')]"
                               ".some(e => e.textContent.includes(s))", arg=status, timeout=REDRAW_TIMEOUT_MS)
        page.wait_for_function(f"() => !document.querySelector('{PANEL} .pa-filter-panel.pa-redrawing')",
                               timeout=REDRAW_TIMEOUT_MS, polling=200)
    page.wait_for_function(_RENDERED, timeout=REDRAW_TIMEOUT_MS, polling=200)


def _drawn(page, where: str) -> tuple:
    """Every image and hover chart has ink, and nothing shows an error; returns what the sections show."""
    ink = page.evaluate(_INK)
    assert ink["images"] or ink["charts"], f"{where}: no chart at all"
    assert all(n > 200 for n in ink["images"]), f"{where}: a blank image {ink['images']}"
    assert all(n > 0 for n in ink["charts"]), f"{where}: a blank hover chart {ink['charts']}"
    assert _errors(page) == [], f"{where}: error output"
    for placeholder in ("Loading widget", "Error displaying widget", "Widget Javascript not detected"):
        assert page.locator(f"{PANEL} .jp-OutputArea-output", has_text=placeholder).count() == 0, \
            f"{where}: a widget shows {placeholder!r} instead of its control"
    return ink, page.locator(f"{PANEL} .widget-output table").all_inner_texts()


def test_every_notebook_opens_as_a_notebook_on_double_click(page):
    for name in NOTEBOOKS:
        _open(page, name)
        assert page.locator(PANEL).count() == 1, f"{name} did not open as a notebook"
    assert page.locator(".jp-FileEditor").count() == 0, "a notebook opened as a Python file"
    page.wait_for_function(_IDLE, timeout=RUN_TIMEOUT_MS, polling=200)
    assert page.locator(".jp-Dialog").count() == 0, "JupyterLab asked which kernel to start"


@pytest.mark.slow
@pytest.mark.parametrize("name", RUN)
def test_notebook_runs_all_cells_and_its_filters_redraw_in_place(page, name):
    stem = name.removesuffix(".py")
    try:
        _open(page, name)
        page.wait_for_function(_IDLE, timeout=RUN_TIMEOUT_MS, polling=200)  # the kernel has started
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        page.wait_for_function(  # every code cell has an execution count
            f"""() => {{ const p = [...document.querySelectorAll('{PANEL} .jp-CodeCell .jp-InputPrompt')];
                         return p.length > 0 && p.every(e => /\\[\\d+\\]/.test(e.textContent)); }}""",
            timeout=RUN_TIMEOUT_MS, polling=500)
        _settle(page)
        page.screenshot(path=str(SHOTS / f"{stem}_run_all.png"))
        before = _drawn(page, f"{name} after Run All")

        selects = page.locator(f"{PANEL} .pa-filter-panel select")
        assert selects.count() >= 3, "no filter panel"
        assert page.locator(f"{PANEL} select").evaluate_all("ss => ss.map(s => s.selectedIndex)").count(-1) == 0, \
            "a dropdown shows no selection"
        assert page.locator(f"{PANEL} .pa-download-links a").count() == 2, "no CSV / Excel download links"

        region = page.locator(f"{PANEL} .pa-filter-panel .widget-dropdown", has_text="Region").locator("select")
        options = region.locator("option").all_text_contents()
        assert len(options) >= 3
        region.scroll_into_view_if_needed()
        for index in (1, 0, 1, 2):  # quick changes, as a user clicking through: each redraw must finish cleanly
            region.select_option(index=index)
        _settle(page, status=options[2])  # named in the status line only once the last change is taken
        after = _drawn(page, f"{name} after quick filter changes")
        assert after != before, "changing the filter changed no output"
        page.screenshot(path=str(SHOTS / f"{stem}_filtered.png"))
        _sorts(page, name)
    except Exception:
        page.screenshot(path=str(SHOTS / f"{stem}_failure.png"))
        raise


def _sorts(page, name: str) -> None:
    """Clicking a numeric column's header puts the largest value first."""
    table = page.locator(f"{PANEL} .widget-output table[data-pa-sort]").first
    headers = table.locator("th.col_heading")
    keys = table.evaluate("t => JSON.parse(t.dataset.paSort)")
    column = next(i for i, values in enumerate(keys)
                  if any(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values))
    cells = table.locator(f"tbody td.col{column}")
    largest = cells.nth(keys[column].index(max(v for v in keys[column] if v is not None))).inner_text()
    headers.nth(column).click()
    assert cells.first.inner_text() == largest, f"{name}: a header click did not sort the table"
    assert headers.nth(column).get_attribute("aria-sort") == "descending"


def test_a_table_sorts_by_raw_values_when_its_header_is_clicked(chromium):
    """The sort handler on its own page: numbers by value (not by text), reversed by a second click, blanks last."""
    from partner_analytics.explore import styled

    frame = pd.DataFrame({"partner_name": ["b", "a", "c", None], "revenue": [900.0, 2e6, float("nan"), 5.0]})
    page = chromium.new_page()
    try:
        page.set_content(styled(frame).to_html())

        def column(i: int) -> list[str]:
            return page.locator(f"tbody td.col{i}").all_inner_texts()

        assert column(1) == ["$900", "$2.00M", "—", "$5"]
        page.locator("th.col1").click()
        assert column(1) == ["$2.00M", "$900", "$5", "—"]
        page.locator("th.col1").click()
        assert column(1) == ["$5", "$900", "$2.00M", "—"]
        page.locator("th.col0").click()
        assert column(0) == ["a", "b", "c", "—"]
        assert page.locator("th.col0").get_attribute("aria-sort") == "ascending"
    finally:
        page.close()
