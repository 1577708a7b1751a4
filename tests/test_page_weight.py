"""Lean pages: the sample's reports stay small, carry only the project's CSS and inline SVG charts."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.slow

PARTNER_PAGE_MAX = 150 * 1024
OVERVIEW_MAX = 400 * 1024


def test_every_partner_page_weighs_at_most_150_kb(rendered):
    sizes = {page.name: page.stat().st_size for page in (rendered / "partners").glob("*.html")}
    assert sizes
    heavy = {name: size for name, size in sizes.items() if size > PARTNER_PAGE_MAX}
    assert not heavy, heavy


def test_the_overview_weighs_at_most_400_kb(rendered):
    assert (rendered / "overview.html").stat().st_size <= OVERVIEW_MAX


@pytest.mark.parametrize("page", ["overview.html", "partners"])
def test_pages_carry_no_jupyterlab_theme_css_and_no_raster_charts(rendered, page):
    path = rendered / page if page.endswith(".html") else sorted((rendered / page).glob("*.html"))[0]
    text = path.read_text(encoding="utf-8")
    assert "--jp-" not in text and ".highlight" not in text  # theme variables, code highlighting
    assert len(re.findall(r"<style", text)) == 1  # report.css only
    assert "<img" not in text  # charts are inline SVG (an image plot may hold a raster inside its SVG)
    assert len(re.findall(r'<figure[^>]*\bclass="pa-figure"', text)) >= 3
