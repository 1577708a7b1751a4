"""The matplotlib settings every package figure is drawn with, in one place.

Data values (partner names, regions, activity codes) become titles, tick
labels and legends. With matplotlib's math text on, a value such as
``$\\foo$`` is parsed as TeX and fails the whole figure, or renders as
something other than what the data says; so math text is off.
"""

from __future__ import annotations

from contextlib import AbstractContextManager

import matplotlib as mpl

__all__ = ["PLOT_RC", "plot_style"]

PLOT_RC = {"text.parse_math": False}
"""rcParams for package figures; report kernels apply them before every report."""


def plot_style() -> AbstractContextManager:
    """A context in which figures are created and drawn with :data:`PLOT_RC`.

    Matplotlib reads the setting when a text is created, and tick labels are
    created when the figure is drawn, so create, draw and save inside it.

    Examples
    --------
    >>> import io, matplotlib.pyplot as plt
    >>> with plot_style():
    ...     fig, ax = plt.subplots()
    ...     _ = ax.bar(["$\\\\foo$", "plain"], [1, 2])
    ...     fig.savefig(io.BytesIO())
    ...     plt.close(fig)
    """
    return mpl.rc_context(PLOT_RC)
