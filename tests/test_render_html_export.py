"""The offline HTML export directly: no code, no parameters, escaped title and stamp, a table of contents."""

from __future__ import annotations

import re

import nbformat
import pytest

from partner_analytics.render.html_export import REMOVED_CELL_TAGS, export_html, make_exporter


@pytest.fixture(scope="module")
def exporter():
    return make_exporter()


def _notebook() -> nbformat.NotebookNode:
    injected = nbformat.v4.new_code_cell("partner_id = 'P9'", metadata={"tags": ["injected-parameters"]})
    injected.outputs = [nbformat.v4.new_output("stream", text="INJECTED-OUTPUT")]
    shown = nbformat.v4.new_code_cell("print('hello')")
    shown.outputs = [nbformat.v4.new_output("stream", text="VISIBLE-OUTPUT")]
    return nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell("SECRET_SOURCE = 1", metadata={"tags": ["parameters"]}),
        injected,
        nbformat.v4.new_markdown_cell("## Revenue & growth\n\nText."),
        shown,
        nbformat.v4.new_markdown_cell("## Deals"),
    ])


def test_the_page_shows_outputs_but_no_code_and_no_parameter_cells(exporter):
    page = export_html(exporter, _notebook(), title="Report", stamp={"version": "1"})
    assert "VISIBLE-OUTPUT" in page
    assert "SECRET_SOURCE" not in page and "INJECTED-OUTPUT" not in page and "print(" not in page
    assert {"parameters", "injected-parameters"} <= REMOVED_CELL_TAGS


def test_title_and_stamp_are_escaped(exporter):
    page = export_html(exporter, _notebook(), title="Acme <script>alert(1)</script>",
                       stamp={"partner": "<b>$=1</b>"})
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<b>$=1</b>" not in page and "&lt;b&gt;$=1&lt;/b&gt;" in page


def test_a_table_of_contents_lists_the_sections_in_order(exporter):
    page = export_html(exporter, _notebook(), title="Report", stamp={})
    toc = re.search(r'<nav class="toc".*?</nav>', page, re.S).group(0)
    assert re.findall(r"<li><a href=\"#[^\"]+\">([^<]*)</a></li>", toc) == ["Revenue &amp; growth", "Deals"]


def test_the_page_loads_nothing_from_the_network_and_the_notebook_is_not_modified(exporter):
    notebook = _notebook()
    page = export_html(exporter, notebook, title="Report", stamp={})
    assert not re.search(r'<(script|link)[^>]+(src|href)="(https?:)?//', page)
    assert "require.js" not in page and "MathJax" not in page
    assert "title" not in notebook.metadata and len(notebook.cells) == 5


def test_the_page_is_the_template_output_without_a_reparse(exporter):
    """No BeautifulSoup pass: inline SVG keeps its attribute case and no block joins the keyboard's tab order."""
    notebook = _notebook()
    svg = '<svg viewBox="0 0 10 10"><clipPath id="c"><rect width="1" height="1"/></clipPath></svg>'
    notebook.cells[3].outputs.append(nbformat.v4.new_output("display_data", data={"text/html": svg}))
    page = export_html(exporter, notebook, title="Report", stamp={})
    assert svg in page
    assert "tabindex" not in page
