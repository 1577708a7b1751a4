"""When a chart has nothing to show: one public contract for every ``plot_*``.

A plot that would draw an empty grid, an axis around zero or a blank curve
does not draw. Instead it raises :class:`NothingToDraw` **before touching
the Axes or creating a figure**; the exception's text is one plain sentence
saying why, fit to show in a report (e.g. "Every first deal fell on its
partner's onboarding day, so there is no time-to-first-deal curve to
draw."). Report templates ask first with :func:`nothing_to_draw`, which
runs the same check without drawing::

    reason = nothing_to_draw(plot_time_to_first_deal, km)
    if reason:
        display(blocks.note(reason))
    else:
        plot_time_to_first_deal(km)

Figures of several panels use :func:`draw_panels`, which draws the panels
that have something to show and returns the reasons for the others.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

__all__ = ["NothingToDraw", "nothing_to_draw", "checked", "all_missing", "draw_panels", "PanelFigure"]


class NothingToDraw(ValueError):
    """The data hold nothing a chart could show; ``str(exc)`` is one plain sentence saying why."""


Check = Callable[..., "str | None"]


def checked(check: Check) -> Callable[[Callable], Callable]:
    """Decorator for ``plot_*(data, **options)``: raise :class:`NothingToDraw` when ``check`` gives a reason.

    ``check(data, **options)`` returns the sentence, or None when there is
    something to draw; it sees the plot's keyword options (it must accept
    ``**_`` for the ones it ignores). The check is kept as the plot's
    ``nothing_to_draw`` attribute for :func:`nothing_to_draw`.
    """

    def wrap(plot: Callable) -> Callable:
        @functools.wraps(plot)
        def draw(data, *args, **options):
            reason = check(data, *args, **options)
            if reason:
                raise NothingToDraw(reason)
            return plot(data, *args, **options)

        draw.nothing_to_draw = check
        return draw

    return wrap


def nothing_to_draw(plot: Callable, data, *args, **options) -> str | None:
    """Why ``plot(data, *args, **options)`` would draw nothing, as one sentence; None when it would draw.

    Plots without a check always draw (None).
    """
    check = getattr(plot, "nothing_to_draw", None)
    return check(data, *args, **options) if check else None


def all_missing(frame: pd.DataFrame, *columns: str, zero: bool = False) -> bool:
    """True when ``frame`` is empty or every value of ``columns`` is NaN (or 0 too, with ``zero``).

    False when a column is missing, so that the plot's own check names it.
    """
    if any(c not in frame.columns for c in columns):
        return False  # the plot itself names the missing column
    if frame.empty:
        return True
    values = frame[list(columns)].to_numpy(dtype="float64", na_value=np.nan)
    present = ~np.isnan(values) & ((values != 0) if zero else True)
    return not present.any()


Panel = tuple[Callable, object, Mapping[str, object]]


def draw_panels(panels: Sequence[Panel], *, ncols: int = 1, figsize: tuple[float, float] = (8.0, 3.0)
                ) -> tuple[Figure | None, list[str]]:
    """Draw, in one figure, the panels that have something to show; say why for the others.

    Parameters
    ----------
    panels
        ``(plot, data, options)`` triples: each panel is ``plot(data, ax=ax,
        **options)``.
    ncols
        Panels per row.
    figsize
        Size of the figure when every panel is drawn; with fewer panels the
        figure shrinks in proportion (rows, and columns of a single row).

    Returns
    -------
    (Figure or None, list of str)
        The figure (None when no panel has anything to show) and the
        :func:`nothing_to_draw` sentences of the panels left out, in order,
        each sentence once.
    """
    reasons, drawable = [], []
    for plot, data, options in panels:
        reason = nothing_to_draw(plot, data, **options)
        (reasons if reason else drawable).append(reason or (plot, data, options))
    reasons = list(dict.fromkeys(reasons))
    if not drawable:
        return None, reasons
    cols = min(ncols, len(drawable))
    rows, full_rows = math.ceil(len(drawable) / cols), math.ceil(len(panels) / ncols)
    size = (figsize[0] * cols / min(ncols, len(panels)), figsize[1] * rows / full_rows)
    fig, axes = plt.subplots(rows, cols, figsize=size, constrained_layout=True, squeeze=False)
    for ax, (plot, data, options) in zip(axes.flat, drawable):
        plot(data, ax=ax, **options)
    for ax in axes.flat[len(drawable):]:
        ax.remove()
    return fig, reasons


@dataclass(frozen=True)
class PanelFigure:
    """One report figure as a report draws it: its panels, panels per row and full size (:func:`draw_panels`).

    Report views list their figures as ``PanelFigure`` objects, so that the
    report template and the rendering benchmark's floor draw the same charts.
    """

    panels: Sequence[Panel]
    figsize: tuple[float, float]
    ncols: int = 1

    def draw(self) -> tuple[Figure | None, list[str]]:
        """The figure and the reasons for the panels left out, as :func:`draw_panels` returns them."""
        return draw_panels(self.panels, ncols=self.ncols, figsize=self.figsize)
