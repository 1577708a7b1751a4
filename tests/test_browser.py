"""The rendered overview and a partner report work in a real browser: headless Chromium, offline."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from partner_analytics.render.batch import report_file_name

pytestmark = [pytest.mark.slow, pytest.mark.browser]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip("headless Chromium is not installed (Debian package 'chromium'; .ci/run installs it)")
    playwright = pytest.importorskip("playwright.sync_api")
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        yield browser
        browser.close()


@pytest.mark.parametrize("page_name", ["overview.html", f"partners/{report_file_name('P0001')}", "index.html"])
def test_the_page_loads_offline_without_errors_with_images_and_working_contents(browser, rendered, page_name, tmp_path):
    context = browser.new_context(offline=True, viewport={"width": 1100, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto((rendered / page_name).as_uri(), wait_until="load")

    assert errors == []
    assert all(url.startswith(("file:", "data:")) for url in requests), requests
    images = page.evaluate("[...document.images].map(i => i.complete && i.naturalWidth > 0)")
    assert all(images)
    if page_name != "index.html":
        assert len(images) >= 3
    anchors = page.evaluate("[...document.querySelectorAll('nav.toc a')].map(a => a.getAttribute('href'))")
    assert anchors, "the page has a table of contents"
    for anchor in anchors:
        assert page.evaluate("id => document.getElementById(id) !== null", anchor[1:]), anchor
    page.screenshot(path=str(tmp_path / "page.png"), full_page=True)
    assert (tmp_path / "page.png").stat().st_size > 10_000
    context.close()


def test_a_partner_report_is_readable_on_a_phone(browser, rendered, tmp_path):
    context = browser.new_context(offline=True, viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page = context.new_page()
    page.goto((rendered / "partners" / report_file_name("P0002")).as_uri())
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, "no sideways scrolling on a phone"
    page.screenshot(path=str(tmp_path / "phone.png"))
    context.close()
