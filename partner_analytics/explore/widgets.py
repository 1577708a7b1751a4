"""The filter panel at the top of every notebook, and the sections it redraws in place.

A :class:`FilterPanel` holds a period dropdown and one dropdown per partner attribute (type, region, tier).
Every section below it is a function of the current :class:`Slice`; :meth:`FilterPanel.section` shows what it
returns in an output area and redraws it whenever a filter changes. Redraws compute everything first and then
swap the output in one step (``clear_output(wait=True)``), so the old view stays until the new one is ready:
no flicker, no table-first-chart-later.

Charts are drawn on plain :class:`matplotlib.figure.Figure` objects and sent as PNG bytes
(:func:`~.charts.png`), never through pyplot. The blank charts of the old ``interact`` + ``plt.show()`` slice
widgets came from pyplot's global list of open figures: the inline backend's ``show``/``flush_figures``
displays and closes *every* open figure, and ipykernel 7 may dispatch a widget's comm message while another
shell message is still being handled (``Kernel.shell_main`` runs comm messages without waiting for the lock, and
can route them to subshell threads). Under quick filter changes in the browser one redraw could display another's
figure before anything was drawn on it: a pure-white PNG (seen as a 5 kB all-white image in Chromium), with
nothing on stderr. Sending each section's own figure as bytes leaves nothing shared to race on.
"""

from __future__ import annotations

import dataclasses
import html
from collections.abc import Callable, Iterable, Sequence

import ipywidgets as widgets
import pandas as pd
from IPython.display import HTML, Image, Markdown, clear_output, display
from matplotlib.figure import Figure

from ..labels import label
from ..plots.empty import NothingToDraw
from ..plots.style import plot_style
from ..rollup import Rollup
from .charts import png
from .downloads import download_links
from .slicing import ALL, FILTERS, choices, partner_choices, period_choices, subset_facts

__all__ = ["Slice", "FilterPanel", "dropdown", "percent_slider", "score_slider", "figure", "as_outputs",
           "section_outputs"]

_LABEL_STYLE = {"description_width": "initial"}


@dataclasses.dataclass(frozen=True)
class Slice:
    """What the filter panel selects: the facts of the chosen partners and the chosen period.

    ``filters`` maps each partner attribute to its chosen value (:data:`~.slicing.ALL` for no restriction).
    """

    facts: Rollup
    period: str
    filters: dict
    options: dict = dataclasses.field(default_factory=dict)
    """The values of the notebook's own controls (:meth:`FilterPanel.add`), by name."""

    @property
    def title(self) -> str:
        """The slice in words, e.g. ``"2025Q3 · EMEA · msp"`` or ``"2025Q3 · all partners"``."""
        chosen = [value for value in self.filters.values() if value != ALL]
        return " · ".join([self.period, *(chosen or ["all partners"])])

    @property
    def file_stem(self) -> str:
        """A file name for downloads of this slice."""
        return "_".join([self.period, *[v for v in self.filters.values() if v != ALL]])


def dropdown(description: str, options: Sequence, *, value=None) -> widgets.Dropdown:
    """A dropdown whose label is never cut off and whose value is one of its options.

    ``value`` defaults to the first option. ``ValueError`` if it is not among the options (ipywidgets would
    otherwise show an empty selection in the browser).
    """
    values = [o[1] if isinstance(o, tuple) else o for o in options]
    value = values[0] if value is None else value
    if value not in values:
        raise ValueError(f"{description}: {value!r} is not one of the options {values}")
    return widgets.Dropdown(options=options, value=value, description=description, style=_LABEL_STYLE,
                            layout=widgets.Layout(width="auto", min_width="180px"))


def percent_slider(description: str, value: float, *, max_value: float = 1.0, step: float = 0.05,
                   min_value: float = 0.0):
    """A slider for a share (``min_value``..``max_value``) that reads as a percent (``35%``), wide enough to aim."""
    return widgets.FloatSlider(value=value, min=min_value, max=max_value, step=step, description=description,
                               readout_format=".0%", continuous_update=False, style=_LABEL_STYLE,
                               layout=widgets.Layout(width="460px"))


def score_slider(description: str, value: float, *, low: int = 0, high: int = 100) -> widgets.IntSlider:
    """An integer slider for a score (``low``..``high``), one whole step at a time.

    The track is wide enough to aim at every value: 400 px for a 0-100 score (a point is four pixels), narrower
    for short ranges (40 px a step for a 1-4 count); the label and the readout get room of their own.
    """
    track = 400 if high - low >= 50 else 120 + 40 * (high - low)
    width = min(track, 400) + 8 * len(description) + 60  # the label and the readout sit inside the width
    return widgets.IntSlider(value=round(value), min=low, max=high, step=1, description=description,
                             continuous_update=False, style=_LABEL_STYLE, layout=widgets.Layout(width=f"{width}px"))


def figure(ncols: int = 1, *, nrows: int = 1, size: tuple[float, float] = (13, 4.5)):
    """A new constrained-layout figure and its axes, outside pyplot (see the module docstring)."""
    fig = Figure(figsize=size, layout="constrained")
    return fig, fig.subplots(nrows, ncols, squeeze=True)


def as_outputs(result) -> list:
    """What a section function returned, as objects ``display`` shows: figures become PNG images, text Markdown."""
    items = result if isinstance(result, (list, tuple)) else [result]
    out = []
    for item in items:
        if item is None:
            continue
        if isinstance(item, Figure):
            item = Image(data=png(item), format="png")
        elif isinstance(item, str):
            item = Markdown(item)
        out.append(item)
    return out


def section_outputs(draw: Callable[[Slice], object], view: Slice) -> list:
    """What ``draw(view)`` shows (:func:`as_outputs`); a chart with nothing to show gives its one-sentence reason.

    A plot raises :class:`~partner_analytics.plots.empty.NothingToDraw` rather than draw an empty grid (no NPS
    responses in the slice, no closed deals); the section then says why, in italics, instead of a traceback.
    """
    try:
        with plot_style():  # data text such as "$5 off $10" is drawn as written, not as maths
            return as_outputs(draw(view))
    except NothingToDraw as reason:
        return as_outputs(f"*{reason}*")


class FilterPanel:
    """Period, partner type, region and tier filters that drive every section of a notebook.

    Parameters
    ----------
    facts
        The whole programme's facts.
    period
        The period selected first (default: the latest).
    filters
        Partner attributes offered (default all of :data:`~.slicing.FILTERS`).
    periods
        Offer a period dropdown (False where the notebook's window is fixed by its parameters).
    """

    def __init__(self, facts: Rollup, *, period: str | None = None, filters: Iterable[str] = FILTERS,
                 periods: bool = True) -> None:
        self.facts = facts
        options = period_choices(facts)
        self.controls: dict[str, widgets.Dropdown] = {}
        if periods:
            self.controls["period"] = dropdown("Period", options, value=period or options[0])
        self._period = period or options[0]
        for column in filters:
            self.controls[column] = dropdown(label(column), choices(facts, column))
        self.status = widgets.HTML()
        self.status.add_class("pa-filter-status")
        self.sections: list[tuple[widgets.Output, Callable, frozenset]] = []
        self._partner_orders: dict[str, Sequence[str] | None] = {}
        self.widget = widgets.VBox([widgets.HBox(list(self.controls.values()),
                                                 layout=widgets.Layout(flex_flow="row wrap", grid_gap="4px 16px")),
                                    self.status], layout=widgets.Layout(border="1px solid #ddd", padding="6px"))
        self.widget.add_class("pa-filter-panel")
        for control in self.controls.values():
            control.observe(self._changed, names="value")
        self._slice = self._current()
        self._show_status()

    def _current(self) -> Slice:
        period = self.controls["period"].value if "period" in self.controls else self._period
        filters = {c: w.value for c, w in self.controls.items() if c in FILTERS}
        options = {c: w.value for c, w in self.controls.items() if c != "period" and c not in FILTERS}
        return Slice(subset_facts(self.facts, **filters), period, filters, options)

    @property
    def slice(self) -> Slice:
        """The slice currently selected."""
        return self._slice

    def _show_status(self) -> None:
        n = len(self._slice.facts.partners)
        self.status.value = (f"<span class='mathjax_ignore'><b>{html.escape(self._slice.title)}</b> · "
                             f"{n:,} partner{'s' if n != 1 else ''} in the slice"
                             + (" · <b>few partners: read the numbers with care</b>" if 0 < n < 10 else "")
                             + (" · <b>no partner matches these filters</b>" if n == 0 else "") + "</span>")

    def add(self, name: str, control: widgets.ValueWidget, *, in_panel: bool = True) -> widgets.ValueWidget:
        """Add a control of the notebook's own (e.g. which measure to plot); its value is ``slice.options[name]``.

        Changing it redraws the sections that watch it (:meth:`section`). ``in_panel=False`` leaves it out of
        the panel, for the notebook to display next to the section it drives.
        """
        self.controls[name] = control
        if in_panel:
            self.widget.children[0].children = [*self.widget.children[0].children, control]
        control.observe(self._changed, names="value")
        self._slice = self._current()
        return control

    def add_partner_choice(self, name: str = "partner", *, order: Sequence[str] | None = None,
                           value: str | None = None, in_panel: bool = True) -> widgets.Dropdown:
        """Add a *Partner* dropdown (``"Name (ID)"``, in ``order``) that offers the partners of the slice only.

        When a filter changes, its options follow the slice: the chosen partner stays chosen while it is in the
        slice, otherwise the first partner of the slice is chosen; an empty slice offers one "No partner in this
        slice" option (value ``""``), never an empty selection.
        """
        self._partner_orders[name] = order
        return self.add(name, dropdown("Partner", self._partner_options(name), value=value or None),
                        in_panel=in_panel)

    def _partner_options(self, name: str) -> list[tuple[str, str]]:
        return partner_choices(self._slice.facts, order=self._partner_orders[name]) or [("No partner in this slice", "")]

    def _follow_slice(self) -> None:
        for name in self._partner_orders:
            control, options = self.controls[name], self._partner_options(name)
            kept = control.value if control.value in [value for _, value in options] else options[0][1]
            control.unobserve(self._changed, names="value")  # one redraw for the filter change, not two
            try:
                control.options, control.value = options, kept
            finally:
                control.observe(self._changed, names="value")
        self._slice = self._current()

    def section(self, draw: Callable[[Slice], object], *, watch: Iterable[str] | None = None) -> widgets.Output:
        """An output area showing ``draw(slice)``, redrawn in place when a filter changes.

        ``draw`` returns a figure, a table (Styler/DataFrame), a chart, Markdown text, or a list of them.
        ``watch`` names the notebook's own controls (:meth:`add`) the section depends on; default all of them.
        """
        out = widgets.Output()
        self.sections.append((out, draw, None if watch is None else frozenset(watch)))
        self._draw(out, draw)
        return out

    def downloads(self, table: Callable[[Slice], pd.DataFrame], name: str) -> widgets.HTML:
        """CSV and Excel links for ``table(slice)`` (formula-safe), kept in step with the filters."""
        link = widgets.HTML()
        link.add_class("pa-download-links")

        def draw(view: Slice) -> None:
            link.value = download_links(table(view), f"{name}_{view.file_stem}")

        self.sections.append((link, draw, None))
        draw(self._slice)
        return link

    def _draw(self, out, draw) -> None:
        if not isinstance(out, widgets.Output):
            draw(self._slice)
            return
        with out:  # an error shows as a traceback in the section (and fails the notebook tests)
            items = section_outputs(draw, self._slice)
            clear_output(wait=True)
            for item in items:
                display(item)

    def _changed(self, change=None) -> None:
        """Redraw the sections a change concerns; the panel carries the class ``pa-redrawing`` meanwhile."""
        self.widget.add_class("pa-redrawing")  # a browser (or a test) can tell when every section is redrawn
        try:
            self._slice = self._current()
            name = next((n for n, w in self.controls.items() if change is not None and w is change.get("owner")),
                        None)
            if name is None or name in FILTERS:
                self._follow_slice()
            self._show_status()
            for out, draw, watch in self.sections:
                if name is None or name == "period" or name in FILTERS or watch is None or name in watch:
                    self._draw(out, draw)
        finally:
            self.widget.remove_class("pa-redrawing")

    def _ipython_display_(self) -> None:
        display(self.widget)
