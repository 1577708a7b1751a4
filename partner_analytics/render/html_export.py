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
    """nbconvert's HTML exporter without its last pass through BeautifulSoup.

    That pass parses and re-serialises the whole page (a third of the export
    time of a partner report, most of it the inline SVG charts) to add alt
    text to ``<img>`` elements (reports have none: charts are inline SVG
    with an accessible name) and ``tabindex="0"`` to every code input and
    output area, which would put each block of a read-only page into the
    keyboard's tab order. The page is otherwise what the template renders.
    """

    def from_notebook_node(self, nb: nbformat.NotebookNode, resources: dict | None = None, **kw):
        """The page and resources, rendered by the template alone (the filters set up as nbconvert does)."""
        resources = self._init_resources(resources)
        self.register_filter("highlight_code", Highlight2HTML(parent=self))
        self.register_filter("filter_data_type", WidgetsDataTypeFilter(
            notebook_metadata=self._nb_metadata, parent=self, resources=resources))
        return TemplateExporter.from_notebook_node(self, nb, resources, **kw)


def make_exporter() -> HTMLExporter:
    """Create an HTML exporter configured for reports (reuse it: creating one is the slow part)."""
    exporter = ReportExporter(
        template_name="report",
        extra_template_basedirs=[str(_TEMPLATE_DIR)],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        embed_images=True,
        optimistic_validation=True,  # validate once after all preprocessors, not after each one
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
    notebook = nbformat.from_dict(notebook)
    notebook.metadata["title"] = title
    notebook.metadata.pop("widgets", None)
    body, _ = exporter.from_notebook_node(notebook, resources={"stamp": dict(stamp)})
    return _insert_toc(body)


def _insert_toc(page: str) -> str:
    entries = [(anchor, re.sub(r"<[^>]+>", "", text).strip()) for anchor, text in _HEADING.findall(page)]
    items = "".join(f'<li><a href="#{html.escape(a)}">{t}</a></li>' for a, t in entries)
    nav = f'<nav class="toc" aria-label="Contents"><h2 class="toc-title">Contents</h2><ol>{items}</ol></nav>'
    return page.replace(_TOC_MARKER, nav if entries else "", 1)
