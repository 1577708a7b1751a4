"""Axis formatting shared by the plot modules: human formats, legible ticks at any size.

Every value axis reads like the tables (:mod:`partner_analytics.labels`):
amounts as ``$1.5M`` (never a ``1e7`` offset), fractions as percents, counts
as whole numbers. Category axes with many entries (40 periods, 3,000
partners) label only as many ticks as fit side by side.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.axis import Axis
from matplotlib.font_manager import FontProperties
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter, ScalarFormatter

from ..labels import format_money, unit

__all__ = ["compact_money", "money_formatter", "count_formatter", "format_axis", "thin_ticks"]

_CHAR_EM = 0.62  # average width of a tick-label character, in ems (digits, capitals, "Q")
_LAYOUT_SHARE = 0.85  # share of the axes width left for labels after layout (margins, twin axes)


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
    numbers without an offset or scientific notation.

    Returns
    -------
    Axis
        ``axis`` itself.
    """
    kind = unit(column)
    if kind == "currency":
        axis.set_major_formatter(money_formatter())
    elif kind == "fraction":
        axis.set_major_formatter(PercentFormatter(xmax=1))
    elif kind in ("count", "days"):
        axis.set_major_locator(MaxNLocator(integer=True))
        axis.set_major_formatter(count_formatter())
    else:
        plain = ScalarFormatter(useOffset=False)
        plain.set_scientific(False)
        axis.set_major_formatter(plain)
    return axis


def thin_ticks(ax: Axes, positions: Sequence[float], labels: Sequence[str], *, axis: str = "x") -> list[str]:
    """Label as many category ticks as fit without overlapping; every position keeps a minor tick.

    The number of labels that fit comes from the axes' size in the figure and
    the tick font: horizontal labels need their text width plus one
    character of space each (x axis), vertical ones one line each (y axis).
    When not all fit, every ``k``-th label is shown, counted back from the
    last one (the latest period is always labelled). Labels stay horizontal.

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
        The labels shown, in order.
    """
    positions = np.asarray(positions, dtype="float64")
    labels = [str(t) for t in labels]
    n = len(labels)
    target = ax.xaxis if axis == "x" else ax.yaxis
    if n == 0:
        target.set_ticks([])
        return []
    fig = ax.get_figure()
    box = ax.get_position()
    size = FontProperties(size=target.get_ticklabels()[0].get_fontsize() if target.get_ticklabels()
                          else None).get_size_in_points()
    if axis == "x":
        room = box.width * fig.get_figwidth() * 72 * _LAYOUT_SHARE
        need = (max(len(t) for t in labels) + 1) * _CHAR_EM * size
    else:
        room = box.height * fig.get_figheight() * 72 * _LAYOUT_SHARE
        need = 1.6 * size
    fits = max(1, int(room // need))
    step = max(1, math.ceil(n / fits))
    shown = list(range(n - 1, -1, -step))[::-1]
    target.set_ticks(positions[shown], [labels[i] for i in shown])
    if step > 1:
        target.set_ticks(positions, minor=True)
    return [labels[i] for i in shown]
