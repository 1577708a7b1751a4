"""Axis formatting shared by the plot modules: human formats, legible ticks at any size.

Every value axis reads like the tables (:mod:`partner_analytics.labels`):
amounts as ``$1.5M`` (never a ``1e7`` offset), fractions as percents, counts
as whole numbers. Category axes with many entries (40 periods, 3,000
partners) label only as many ticks as fit side by side.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.font_manager import FontProperties
from matplotlib.ticker import FixedLocator, FuncFormatter, Locator, MaxNLocator, PercentFormatter, ScalarFormatter

from ..labels import format_money, unit

__all__ = ["compact_money", "money_formatter", "count_formatter", "format_axis", "thin_ticks",
           "FittingCategoryLocator"]

_CHAR_EM = 0.62  # average width of a tick-label character, in ems (digits, capitals, "Q")
_ROTATED_LINE = 2.0  # horizontal room, in ems, of one label turned 45° (line height / sin 45°, plus space)
_LAYOUT_SHARE = 0.85
_QUARTER = re.compile(r"\d{4}Q[1-4]")
_MONTH = re.compile(r"\d{4}-\d{2}")  # share of the axes width left for labels after layout (margins, twin axes)


def compact_money(value: float, _position: object = None) -> str:
    """Compact tick label for an amount in the reporting currency.

    Examples
    --------
    >>> compact_money(12_500_000), compact_money(800_000), compact_money(250), compact_money(-1_500)
    ('$12.5M', '$800k', '$250', '-$1.5k')
    """
    if abs(value) < 1000 and value != round(value):
        return f"{'-' if value < 0 else ''}${abs(value):g}"
    return format_money(value, trim=True)


def money_formatter() -> FuncFormatter:
    """A new tick formatter for amounts (formatters must not be shared between axes)."""
    return FuncFormatter(compact_money)


def count_formatter() -> FuncFormatter:
    """A new tick formatter for counts: whole numbers with thousands separators, never ``.0``."""
    return FuncFormatter(lambda value, _position=None: f"{value:,.0f}")


def format_axis(axis: Axis, column: str) -> Axis:
    """Give ``axis`` the tick format of ``column`` and its human label's unit.

    ``currency`` → ``$1.5M``; ``fraction`` → percent; ``count`` / ``days`` →
    whole-number ticks at whole-number positions; anything else → plain
    numbers without an offset or scientific notation. On an x axis, amounts
    and counts get at most six ticks, so wide labels never touch.

    Returns
    -------
    Axis
        ``axis`` itself.
    """
    kind = unit(column)
    if axis.axis_name == "x" and kind in ("currency", "count", "days"):
        # wide labels ("$12.5M", "3,000") side by side: at most six ticks
        axis.set_major_locator(MaxNLocator(nbins=5, integer=kind != "currency", steps=[1, 2, 2.5, 5, 10]))
    if kind == "currency":
        axis.set_major_formatter(money_formatter())
    elif kind == "fraction":
        axis.set_major_formatter(PercentFormatter(xmax=1))
    elif kind in ("count", "days"):
        if axis.axis_name != "x":
            axis.set_major_locator(MaxNLocator(integer=True))
        axis.set_major_formatter(count_formatter())
    else:
        plain = ScalarFormatter(useOffset=False)
        plain.set_scientific(False)
        axis.set_major_formatter(plain)
    return axis


def _calendar_step(step: int, last: str) -> int:
    """Round a label step up to whole years (or halves, quarters) for period labels like 2024Q3 or 2024-07."""
    if step == 1:
        return 1
    if _QUARTER.fullmatch(last):
        nice = (2, 4)
        year = 4
    elif _MONTH.fullmatch(last):
        nice = (2, 3, 4, 6, 12)
        year = 12
    else:
        return step
    return next((s for s in nice if s >= step), year * math.ceil(step / year))


def thin_ticks(ax: Axes, positions: Sequence[float], labels: Sequence[str], *, axis: str = "x",
               rotate: bool = False) -> list[str]:
    """Label as many category ticks as fit without overlapping; every position keeps a minor tick.

    The number of labels that fit comes from the axes' size in the figure and
    the tick font: horizontal labels need their text width plus one
    character of space each (x axis), vertical ones one line each (y axis).
    When not all fit, every ``k``-th label is shown, counted back from the
    last one (the latest period is always labelled); for period labels
    (``2024Q3``, ``2024-07``) ``k`` is rounded up to whole years or a
    divisor of one, so the labels shown are the same quarter or month of
    each year. Labels stay horizontal
    unless ``rotate`` is set: then x labels that do not fit side by side are
    first turned 45° (for categories that all need a name, e.g. the top ten
    partners), and thinned only if even that is too tight.

    Horizontal labels are thinned again whenever the figure is drawn at
    another size or the axes move to another grid cell (the phone rendition
    of a report figure, :mod:`partner_analytics.render.figures`): the axis
    keeps a :class:`FittingCategoryLocator`.

    Parameters
    ----------
    ax
        Axes whose ``axis`` gets the ticks.
    positions, labels
        One position and one label per category, in order.
    axis
        ``"x"`` or ``"y"``.

    Returns
    -------
    list of str
        The labels shown (at the axes' size now), in order.
    """
    positions = np.asarray(positions, dtype="float64")
    labels = [str(t) for t in labels]
    n = len(labels)
    target = ax.xaxis if axis == "x" else ax.yaxis
    if n == 0:
        target.set_ticks([])
        return []
    ticks = target.get_major_ticks(1)  # one tick (not all the default locator's) for the label font
    size = FontProperties(size=ticks[0].label1.get_fontsize()).get_size_in_points()
    locator = FittingCategoryLocator(positions, labels, size)
    rotation = 0
    if axis == "x" and rotate and n * locator.need(axis) > locator.room(ax, axis):
        rotation = 45
    shown = locator.shown(ax, axis, need=_ROTATED_LINE * size if rotation else None)
    step = shown[1] - shown[0] if len(shown) > 1 else 1
    target.set_ticks(positions[shown], [labels[i] for i in shown])  # also widens the view to these ticks
    if rotation:
        for text in target.get_ticklabels():
            text.set_rotation(rotation)
            text.set_horizontalalignment("right")
            text.set_rotation_mode("anchor")
    else:
        target.set_major_locator(locator)
        lookup = dict(zip(positions.tolist(), labels))
        target.set_major_formatter(FuncFormatter(lambda value, _position=None: lookup.get(float(value), "")))
    if step > 1:
        target.set_ticks(positions, minor=True)
    else:
        target.set_minor_locator(FixedLocator(positions))  # marks for the periods a narrower rendition leaves unnamed
    return [labels[i] for i in shown]


class FittingCategoryLocator(Locator):
    """Major ticks at every ``k``-th category, ``k`` chosen for the axes' size when the ticks are asked for.

    The room is the axes' grid cell in the figure (its place before layout),
    so the same figure size and grid give the same ticks; see :func:`thin_ticks`.

    Parameters
    ----------
    positions, labels
        One position and one label per category, in order.
    size
        Font size of the tick labels, in points.
    """

    def __init__(self, positions: np.ndarray, labels: list[str], size: float) -> None:
        self.positions, self.labels, self.size = positions, labels, size

    def room(self, ax: Axes, axis: str) -> float:
        """Points along ``axis`` the labels may use: the grid cell's length, less what layout takes."""
        spec = ax.get_subplotspec()
        fig = ax.get_figure()
        box = spec.get_position(fig) if spec is not None else ax.get_position(original=True)
        inches = box.width * fig.get_figwidth() if axis == "x" else box.height * fig.get_figheight()
        return inches * 72 * _LAYOUT_SHARE

    def need(self, axis: str) -> float:
        """Points along ``axis`` one horizontal label takes, with its space."""
        return (max(len(t) for t in self.labels) + 1) * _CHAR_EM * self.size if axis == "x" else 1.6 * self.size

    def shown(self, ax: Axes, axis: str, *, need: float | None = None) -> list[int]:
        """Indices of the labelled categories: every ``k``-th, counted back from the last."""
        n = len(self.labels)
        fits = max(1, int(self.room(ax, axis) // (need or self.need(axis))))
        step = _calendar_step(max(1, math.ceil(n / fits)), self.labels[-1])
        return list(range(n - 1, -1, -step))[::-1]

    def __call__(self) -> np.ndarray:
        axis = "x" if self.axis is self.axis.axes.xaxis else "y"
        return self.positions[self.shown(self.axis.axes, axis)]

    def tick_values(self, vmin: float, vmax: float) -> np.ndarray:
        return self()
