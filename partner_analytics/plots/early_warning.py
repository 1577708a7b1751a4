"""Plots for the early warning: calibration against the baselines, and the model's feature effects.

Each ``plot_*`` takes the frame an early-warning function returns, draws on
``ax`` (a new figure only when ``ax`` is None), passes ``**kwargs`` to the
main artist and returns the Axes. No global state.
"""

from __future__ import annotations

import pandas as pd
from matplotlib.axes import Axes

from ..metrics.early_warning import feature_label
from ..metrics.early_warning_backtest import METHODS
from .axes import get_axes

__all__ = ["plot_calibration", "plot_feature_effects"]


def plot_calibration(calibration: pd.DataFrame, *, ax: Axes | None = None, **kwargs) -> Axes:
    """Observed share of quiet partners against the predicted probability, per method.

    Parameters
    ----------
    calibration
        ``Backtest.calibration`` (``method``, ``band``, ``partners``, ``predicted``, ``observed``).
    ax
        Axes to draw on.
    **kwargs
        Passed to the lines.
    """
    ax = get_axes(ax)
    ax.plot([0, 1], [0, 1], color="0.7", linestyle="--", linewidth=1, label="perfectly calibrated")
    for method, rows in calibration[calibration["partners"] > 0].groupby("method", sort=False):
        ax.plot(rows["predicted"], rows["observed"], marker="o", label=METHODS.get(method, method), **kwargs)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_xlabel("Predicted probability of going quiet")
    ax.set_ylabel("Share that went quiet")
    ax.set_title("Calibration in the backtest")
    ax.legend(loc="upper left", fontsize="small")
    return ax


def plot_feature_effects(effects: pd.DataFrame, *, top: int = 12, ax: Axes | None = None, **kwargs) -> Axes:
    """Horizontal bars of the largest logistic-regression coefficients (log-odds per standard deviation).

    Parameters
    ----------
    effects
        :func:`~partner_analytics.metrics.early_warning_model.feature_effects`.
    top
        Bars shown, largest absolute effect first.
    ax
        Axes to draw on.
    **kwargs
        Passed to ``ax.barh``.
    """
    ax = get_axes(ax)
    rows = effects.head(top).iloc[::-1]
    colours = ["#c0392b" if c > 0 else "#2e86c1" for c in rows["coefficient"]]
    positions = range(len(rows))
    ax.barh(positions, rows["coefficient"], color=colours, **kwargs)
    # category levels are data (``tier = $\foo$``): plain text even where math text is on (notebooks)
    ax.set_yticks(positions, rows["feature"].map(feature_label), parse_math=False)
    ax.axvline(0, color="0.4", linewidth=0.8)
    ax.set_xlabel("Effect on the log-odds of going quiet, per standard deviation (red: raises the risk)")
    ax.set_title("What the model weighs")
    return ax
