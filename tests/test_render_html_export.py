"""The offline HTML export directly: no code, no parameters, escaped title and stamp, a table of contents."""

from __future__ import annotations

import re
import types

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


def _stock_exporter():
    """The report exporter with nbconvert's own preprocessing (three notebook copies) and markdown filter."""
    from nbconvert import HTMLExporter

    stock = make_exporter()
    stock._preprocess = types.MethodType(HTMLExporter._preprocess, stock)
    stock.markdown2html = types.MethodType(HTMLExporter.markdown2html, stock)
    return stock


def _rich_notebook() -> nbformat.NotebookNode:
    notebook = _notebook()
    image = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
    pictured = nbformat.v4.new_markdown_cell("## Logo\n\n![logo](attachment:logo.png)")
    pictured.attachments = {"logo.png": {"image/png": image}}
    notebook.cells += [
        nbformat.v4.new_markdown_cell("Growth of $x^2$ with a [link](https://example.org) and *emphasis*."),
        pictured,
    ]
    notebook.cells[3].outputs.append(nbformat.v4.new_output("display_data", data={"text/html": "<b>tile</b>"}))
    return notebook


def test_the_page_is_what_nbconvert_renders_with_its_own_copies_and_markdown_filter(exporter):
    stock, notebook = _stock_exporter(), _rich_notebook()
    expected = export_html(stock, notebook, title="Report", stamp={"version": "1"})
    assert 'src="data:image/png;base64,' in expected  # the attachment is embedded
    for _ in range(2):  # the second time from the markdown kept by source
        assert export_html(exporter, notebook, title="Report", stamp={"version": "1"}) == expected
    notebook.cells[5].source = "Growth of *revenue*."
    page = export_html(exporter, notebook, title="Report", stamp={"version": "1"})
    assert page == export_html(stock, notebook, title="Report", stamp={"version": "1"}) != expected


def test_the_notebook_is_copied_once_per_page(exporter, monkeypatch):
    """nbconvert copies it three times; the copy ``from_notebook_node`` makes is the only one needed."""
    import copy

    copies = []
    deepcopy = copy.deepcopy

    def counting(value, *args, **kwargs):
        if isinstance(value, nbformat.NotebookNode) and "cells" in value:
            copies.append(value)
        return deepcopy(value, *args, **kwargs)

    monkeypatch.setattr(copy, "deepcopy", counting)
    export_html(exporter, _rich_notebook(), title="Report", stamp={})
    assert len(copies) == 1


def test_a_notebook_the_schema_rejects_still_fails_its_export(exporter):
    notebook = _notebook()
    notebook.cells[3].outputs.append(nbformat.NotebookNode({"output_type": "stream", "text": "no stream name"}))
    with pytest.raises(nbformat.ValidationError):
        export_html(exporter, notebook, title="Report", stamp={})
