"""Axes helpers shared by the plot modules: the Axes to draw on, periods along the x axis."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from .formatting import thin_ticks

__all__ = ["get_axes", "period_ticks"]


def get_axes(ax: Axes | None, *, figsize: tuple[float, float] | None = None) -> Axes:
    """``ax``, or the Axes of a new figure (of ``figsize``, default matplotlib's) when it is None.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> get_axes(ax) is ax
    True
    >>> get_axes(None, figsize=(8, 3)).figure.get_size_inches().tolist()
    [8.0, 3.0]
    >>> plt.close("all")
    """
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    return ax


def period_ticks(ax: Axes, periods: pd.Series) -> np.ndarray:
    """Put ``periods`` at x = 0, 1, …, label as many as fit (:func:`~.formatting.thin_ticks`); return the x positions.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> period_ticks(ax, pd.Series(pd.period_range("2025Q1", periods=3, freq="Q"))).tolist()
    [0, 1, 2]
    >>> plt.close(fig)
    """
    x = np.arange(len(periods))
    thin_ticks(ax, x, [str(p) for p in periods])
    return x
