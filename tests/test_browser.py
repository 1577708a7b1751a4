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
        charts = page.evaluate("[...document.querySelectorAll('.pa-figure svg')].filter(s => s.getBoundingClientRect()"
                               ".width > 300).length")
        assert charts >= 3, "the desktop rendition of every chart is shown"
    anchors = page.evaluate("[...document.querySelectorAll('nav.toc a')].map(a => a.getAttribute('href'))")
    assert anchors, "the page has a table of contents"
    for anchor in anchors:
        assert page.evaluate("id => document.getElementById(id) !== null", anchor[1:]), anchor
    page.screenshot(path=str(tmp_path / "page.png"), full_page=True)
    assert (tmp_path / "page.png").stat().st_size > 10_000
    context.close()


PAGES = ["overview.html", f"partners/{report_file_name('P0002')}", "index.html"]


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("page_name", PAGES)
def test_pages_never_scroll_sideways_on_a_phone_or_a_desktop(browser, rendered, page_name, width):
    context = browser.new_context(offline=True, viewport={"width": width, "height": 844}, device_scale_factor=1)
    page = context.new_page()
    page.goto((rendered / page_name).as_uri())
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 1, "no sideways scrolling of the page (wide tables scroll inside themselves)"
    context.close()


def test_on_a_phone_the_charts_are_the_stacked_rendition_with_legible_text(browser, rendered):
    context = browser.new_context(offline=True, viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page = context.new_page()
    page.goto((rendered / "partners" / report_file_name("P0002")).as_uri())
    shown = page.evaluate("""[...document.querySelectorAll('.pa-figure')].map(f => [
        getComputedStyle(f.querySelector('.pa-wide')).display, getComputedStyle(f.querySelector('.pa-narrow')).display])""")
    assert shown and all(pair == ["none", "block"] for pair in shown)
    smallest = page.evaluate("""Math.min(...[...document.querySelectorAll('.pa-narrow svg text')]
        .filter(t => t.getBoundingClientRect().height > 0).map(t => t.getBoundingClientRect().height))""")
    assert smallest >= 8, f"chart text is {smallest:.1f} px high on a phone"
    context.close()


def test_the_index_sorts_filters_and_searches_from_a_file_url(browser, rendered):
    context = browser.new_context(offline=True, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto((rendered / "index.html").as_uri())
    visible = "[...document.querySelectorAll('#pa-partners tbody tr')].filter(r => !r.hidden)"
    total = page.evaluate(f"{visible}.length")
    assert total >= 100

    page.click("th[data-key=name] button")
    names = page.evaluate(f"{visible}.map(r => r.cells[0].textContent.trim().toLowerCase())")
    assert names == sorted(names)
    page.click("th[data-key=name] button")
    assert page.evaluate(f"{visible}.map(r => r.cells[0].textContent.trim().toLowerCase())") == sorted(names, reverse=True)
    page.click("th[data-key=composite] button")  # numbers sort high to low first, missing values last
    scores = page.evaluate(f"{visible}.map(r => r.dataset.composite).filter(v => v !== '').map(Number)")
    assert scores == sorted(scores, reverse=True)

    page.select_option("select[name=type]", "reseller")
    types = page.evaluate(f"{visible}.map(r => r.dataset.type)")
    assert types and set(types) == {"reseller"}
    page.select_option("select[name=tier]", index=1)
    tier = page.evaluate("document.querySelector('select[name=tier]').value")
    assert set(page.evaluate(f"{visible}.map(r => r.dataset.tier)")) <= {tier}
    page.select_option("select[name=type]", "")
    page.select_option("select[name=tier]", "")
    page.select_option("select[name=region]", "EMEA")
    assert set(page.evaluate(f"{visible}.map(r => r.dataset.region)")) == {"EMEA"}
    page.select_option("select[name=region]", "")

    first = names[0].split(" (")[0]
    page.fill("input[name=q]", first.upper())
    found = page.evaluate(f"{visible}.map(r => r.cells[0].textContent.toLowerCase())")
    assert found and all(first in name for name in found)
    assert page.evaluate("document.getElementById('pa-count').textContent") == f"{len(found)} of {total} partners"
    page.fill("input[name=q]", "")
    assert page.evaluate(f"{visible}.length") == total
    assert errors == []
    context.close()


def test_a_failed_report_stays_flagged_in_the_index(browser, tmp_path, tiny_dir):
    from partner_analytics.render.index_page import write_index
    from partner_analytics.render.context import build_context
    import partner_analytics as pa
    from partner_analytics.params import load_params

    context = build_context(pa.load_program(tiny_dir), load_params(), period="2024Q2")
    links = {p: f"partners/{report_file_name(p)}" for p in context.kpis["partner_id"]}
    write_index(context, tmp_path, links, overview="overview.html", failed={links["P2"]})
    page = browser.new_page()
    page.goto((tmp_path / "index.html").as_uri())
    page.click("th[data-key=name] button")
    page.fill("input[name=q]", "beta")
    assert page.evaluate("[...document.querySelectorAll('td.failed')].filter(c => !c.closest('tr').hidden)"
                         ".map(c => c.textContent)") == ["failed"]
    page.close()


def test_on_a_phone_the_index_reflows_into_cards_that_never_scroll_sideways(browser, rendered):
    context = browser.new_context(offline=True, viewport={"width": 390, "height": 844}, device_scale_factor=1)
    page = context.new_page()
    page.goto((rendered / "index.html").as_uri())
    table = page.locator("#pa-partners")
    assert page.evaluate("(t => t.scrollWidth - t.clientWidth)(document.getElementById('pa-partners'))") <= 1
    first = table.locator("tbody tr").first
    cells = first.locator("td")
    tops = [cells.nth(i).bounding_box()["y"] for i in range(cells.count())]
    assert tops == sorted(tops) and len(set(tops)) == len(tops), "one line per column: the row is a stacked card"
    labels = page.evaluate("""[...document.querySelectorAll('#pa-partners tbody tr:first-child td')].slice(1)
        .map(td => getComputedStyle(td, '::before').content)""")
    assert labels[:2] == ['"Type"', '"Tier"'] and labels[-1] == '"Report"'  # each value says which column it is
    page.select_option("select[name=tier]", index=1)  # filtered-out cards stay hidden despite the card layout
    hidden = table.locator("tbody tr[hidden]")
    assert hidden.count() > 0 and not hidden.first.is_visible()
    context.close()
