"""The notebooks in a real browser: JupyterLab in headless Chromium, opened the way an analyst opens them.

One JupyterLab server (127.0.0.1, a free port, a random token, the project's lab settings) serves every
notebook. Each is opened by double-clicking it in the file browser (so it must open as a notebook, not as a
Python file), run with Run → Run All Cells, then checked: no error output, every widget drawn as a control,
every image and hover chart non-blank; then every filter of the panel is changed a few times, quickly, and the
sections must change and never go blank (the pure-white chart of issue 14 came from quick filter changes).
Screenshots of each notebook after Run All and after a filter change go to ``build/screenshots/``.

Needs ``/usr/bin/chromium`` (``.ci/run`` installs it); skipped without it.
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

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.timeout(600)]

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
NOTEBOOKS = sorted(p.name for p in (ROOT / "notebooks").glob("0*.py"))
SHOTS = ROOT / "build" / "screenshots"
RUN_TIMEOUT_MS = int(os.environ.get("LAB_RUN_TIMEOUT_MS", 240_000))
REDRAW_TIMEOUT_MS = 60_000

# Dark pixels in each image / chart canvas of the page: 0 means a blank (pure white or empty) chart.
_INK = """() => {
  const ink = (source, w, h) => {
    if (!w || !h) return 0;
    const c = document.createElement('canvas'); c.width = w; c.height = h;
    const g = c.getContext('2d'); g.drawImage(source, 0, 0);
    const d = g.getImageData(0, 0, w, h).data; let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i + 3] > 0 && d[i] < 160) n++;
    return n;
  };
  const images = [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output img')]
    .map(img => ink(img, img.naturalWidth, img.naturalHeight));
  const charts = [...document.querySelectorAll('.jp-NotebookPanel:not(.lm-mod-hidden) .vega-embed')]
    .map(v => { const c = v.querySelector('canvas'); if (c) return ink(c, c.width, c.height);
                return v.querySelectorAll('svg path, svg rect, svg circle').length; });
  return {images, charts};
}"""


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A JupyterLab server at the repo root with the project's settings; yields its base URL with the token."""
    if not CHROMIUM.exists():
        pytest.skip("needs /usr/bin/chromium")
    home = tmp_path_factory.mktemp("lab")
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTER_CONFIG_DIR=str(home / "config"), JUPYTERLAB_SETTINGS_DIR=str(home / "settings"),
               JUPYTERLAB_WORKSPACES_DIR=str(home / "workspaces"), MPLBACKEND="")
    env.pop("MPLBACKEND")
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
                time.sleep(0.5)
        yield f"http://127.0.0.1:{port}", token
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="module")
def browser(lab):
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM),
                                     args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"])
        yield chromium
        chromium.close()


def _wait_for_run_all(page) -> None:
    """Until the kernel is idle and every code cell has an execution count (Run All finished)."""
    page.wait_for_function(
        """() => { const p = [...document.querySelectorAll(
                     '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-CodeCell .jp-InputPrompt')];
                   return p.length > 0 && p.every(e => /\\[\\d+\\]/.test(e.textContent)); }""",
        timeout=RUN_TIMEOUT_MS, polling=500)


def _errors(page) -> list[str]:
    """Tracebacks shown in the notebook (stderr also carries harmless warnings, which are not errors)."""
    texts = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) "
                         "[data-mime-type='application/vnd.jupyter.stderr']").all_inner_texts()
    return [t for t in texts if "Traceback" in t or "Error" in t]


def _snapshot(page) -> tuple:
    ink = page.evaluate(_INK)
    tables = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .widget-output table").all_inner_texts()
    return ink, tables


def _assert_drawn(page, where: str) -> tuple:
    ink, tables = _snapshot(page)
    assert ink["images"] or ink["charts"], f"{where}: no chart at all"
    assert all(n > 200 for n in ink["images"]), f"{where}: a blank image {ink['images']}"
    assert all(n > 0 for n in ink["charts"]), f"{where}: a blank hover chart {ink['charts']}"
    assert _errors(page) == [], f"{where}: error output"
    return ink, tables


def _settle(page) -> None:
    """Until the kernel is idle again after widget changes."""
    page.wait_for_function(
        "() => !document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Toolbar-kernelStatus"
        "[data-status=\"busy\"]') && !document.querySelector('.jp-Notebook-ExecutionIndicator[data-status=\"busy\"]')",
        timeout=REDRAW_TIMEOUT_MS, polling=250)
    page.wait_for_timeout(800)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_opens_runs_and_redraws_in_the_browser(lab, browser, name):
    base, token = lab
    SHOTS.mkdir(parents=True, exist_ok=True)
    page = browser.new_page(viewport={"width": 1500, "height": 1100})
    page.set_default_timeout(REDRAW_TIMEOUT_MS)
    try:
        page.goto(f"{base}/lab/tree/notebooks?token={token}&reset")
        page.locator(f".jp-DirListing-item[title*='{name}']").first.dblclick()
        page.wait_for_selector(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell")
        assert page.locator(".jp-NotebookPanel:not(.lm-mod-hidden)").count() == 1, "did not open as a notebook"
        select_kernel = page.locator(".jp-Dialog button.jp-mod-accept")
        try:  # a fresh server may ask which kernel to start; the notebook's own (python3) is preselected
            select_kernel.click(timeout=5_000)
        except Exception:
            pass
        page.get_by_role("menuitem", name="Run", exact=True).click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        _wait_for_run_all(page)
        _settle(page)
        stem = name.removesuffix(".py")
        page.screenshot(path=str(SHOTS / f"{stem}_run_all.png"))
        before = _assert_drawn(page, f"{name} after Run All")

        panel = page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .pa-filter-panel").first
        selects = panel.locator("select")
        assert selects.count() >= 3, "no filter panel"
        for i in range(selects.count()):  # every dropdown shows a selection (never selectedIndex -1)
            assert selects.nth(i).evaluate("s => s.selectedIndex") >= 0
        page.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .widget-slider, "
                     ".jp-NotebookPanel:not(.lm-mod-hidden) .widget-dropdown").first.wait_for()
        changed = False
        for i in range(selects.count()):
            count = selects.nth(i).locator("option").count()
            for index in [*range(1, min(count, 3)), 0]:  # quick changes, then back to the first choice
                selects.nth(i).select_option(index=index)
                page.wait_for_timeout(150)
            _settle(page)
            after = _assert_drawn(page, f"{name} after changing filter {i}")
            selects.nth(i).select_option(index=min(1, count - 1))
            _settle(page)
            moved = _assert_drawn(page, f"{name} with filter {i} on its second choice")
            changed |= moved != after
            selects.nth(i).select_option(index=0)
            _settle(page)
        assert changed, "no filter changed any output"
        selects.nth(selects.count() - 1).select_option(index=1)
        _settle(page)
        page.screenshot(path=str(SHOTS / f"{stem}_filtered.png"))
        assert before[0]["images"] or before[0]["charts"]
    except Exception:
        page.screenshot(path=str(SHOTS / f"{name.removesuffix('.py')}_failure.png"))
        raise
    finally:
        page.close()
