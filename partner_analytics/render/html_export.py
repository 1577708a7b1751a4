"""Export an executed notebook to one self-contained, offline HTML page.

The exporter uses the project's nbconvert template (``templates/html/report``),
which extends JupyterLab's HTML template without its theme CSS (the page's
only stylesheet is ``report.css``) and loads nothing from the network:
no require.js, no MathJax, no widget manager, no Mermaid. Images are embedded
as data URIs by nbconvert already. Code cells, prompts and the cell Papermill
injects with the parameters are removed. A table of contents is built from the
page's ``<h2>`` headings, and a stamp (parameters, data hash, package version,
render time) closes the page.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from importlib.resources import files
from pathlib import Path

import nbformat
from jinja2 import pass_context
from nbconvert import HTMLExporter
from nbconvert.exporters.templateexporter import TemplateExporter
from nbconvert.filters.highlight import Highlight2HTML
from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter
from traitlets.config import Config
from nbconvert.preprocessors import TagRemovePreprocessor

__all__ = ["make_exporter", "export_html", "ReportExporter", "REMOVED_CELL_TAGS"]

REMOVED_CELL_TAGS = frozenset({"injected-parameters", "parameters", "renderer-reset"})
"""Cells with these tags never reach the HTML."""

_TEMPLATE_DIR = Path(str(files("partner_analytics") / "templates" / "html"))
_HEADING = re.compile(r'<h2 id="([^"]+)"[^>]*>(.*?)(?:<a class="anchor-link"[^>]*>.*?</a>)?</h2>', re.S)
_TOC_MARKER = "<!-- toc -->"


class ReportExporter(HTMLExporter):
    """nbconvert's HTML exporter with less work per page, for the same page.

    - No last pass through BeautifulSoup. That pass parses and re-serialises
      the whole page (a third of the export time of a partner report, most
      of it the inline SVG charts) to add alt text to ``<img>`` elements
      (reports have none: charts are inline SVG with an accessible name) and
      ``tabindex="0"`` to every code input and output area, which would put
      each block of a read-only page into the keyboard's tab order. The page
      is otherwise what the template renders.
    - One copy of the notebook instead of three. nbconvert copies it before
      preprocessing, again to preprocess it, and a third time to normalise it
      (which changes nothing in a valid notebook). The notebook is still
      validated, once, after the preprocessors (nbconvert's
      ``optimistic_validation``).
    - Each markdown cell's HTML is kept by its source: every report of a
      template has the same markdown cells.
    """

    _MARKDOWN_CACHE_SIZE = 256

    def __init__(self, **kw) -> None:
        super().__init__(**kw)
        self._markdown_html: dict[tuple[str, str], str] = {}

    def from_notebook_node(self, nb: nbformat.NotebookNode, resources: dict | None = None, **kw):
        """The page and resources, rendered by the template alone (the filters set up as nbconvert does)."""
        resources = self._init_resources(resources)
        self.register_filter("highlight_code", Highlight2HTML(parent=self))
        self.register_filter("filter_data_type", WidgetsDataTypeFilter(
            notebook_metadata=self._nb_metadata, parent=self, resources=resources))
        return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    def _preprocess(self, nb: nbformat.NotebookNode, resources: dict) -> tuple[nbformat.NotebookNode, dict]:
        """Run the preprocessors on ``nb`` itself (``from_notebook_node`` passes a copy), then validate it once."""
        for preprocessor in self._preprocessors:
            nb, resources = preprocessor(nb, resources)
        if self._preprocessors:
            self._validate_preprocessor(nb, self._preprocessors[-1])
        return nb, resources

    @pass_context
    def markdown2html(self, context, source: str) -> str:
        """nbconvert's markdown filter, each source converted once (a cell with attachments every time)."""
        if context.get("cell", {}).get("attachments"):
            return super().markdown2html(context, source)
        key = (source, context.get("resources", {}).get("metadata", {}).get("path", ""))
        if key not in self._markdown_html:
            if len(self._markdown_html) >= self._MARKDOWN_CACHE_SIZE:
                self._markdown_html.clear()
            self._markdown_html[key] = super().markdown2html(context, source)
        return self._markdown_html[key]


def make_exporter() -> HTMLExporter:
    """Create an HTML exporter configured for reports (reuse it: creating one is the slow part)."""
    exporter = ReportExporter(
        template_name="report",
        extra_template_basedirs=[str(_TEMPLATE_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        # no code is shown, so no code-highlighting CSS (the base template's conf.json enables it, and the
        # base's conf wins over ours; configuration wins over both)
        config=Config({"CSSHTMLHeaderPreprocessor": {"enabled": False}}),
    )
    exporter.register_preprocessor(TagRemovePreprocessor(remove_cell_tags=set(REMOVED_CELL_TAGS)), enabled=True)
    return exporter


def export_html(
    exporter: HTMLExporter,
    notebook: nbformat.NotebookNode,
    *,
    title: str,
    stamp: Mapping[str, str],
) -> str:
    """Export an executed notebook to a complete HTML page.

    Parameters
    ----------
    exporter
        From :func:`make_exporter`.
    notebook
        The executed notebook (not modified).
    title
        Page title (escaped here).
    stamp
        Key/value pairs printed in the page footer (escaped here).

    Returns
    -------
    str
        The HTML page, with a table of contents of its ``<h2>`` sections.
    """
    metadata = {key: value for key, value in notebook.metadata.items() if key != "widgets"}
    notebook = nbformat.NotebookNode({**notebook, "metadata": nbformat.NotebookNode({**metadata, "title": title})})
    body, _ = exporter.from_notebook_node(notebook, resources={"stamp": dict(stamp)})  # it copies the notebook
    return _insert_toc(body)


def _insert_toc(page: str) -> str:
    entries = [(anchor, re.sub(r"<[^>]+>", "", text).strip()) for anchor, text in _HEADING.findall(page)]
    items = "".join(f'<li><a href="#{html.escape(a)}">{t}</a></li>' for a, t in entries)
    nav = f'<nav class="toc" aria-label="Contents"><h2 class="toc-title">Contents</h2><ol>{items}</ol></nav>'
    return page.replace(_TOC_MARKER, nav if entries else "", 1)
