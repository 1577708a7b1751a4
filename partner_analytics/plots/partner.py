"""Charts of one partner's own history (partner report)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from .formatting import money_formatter

__all__ = ["plot_partner_revenue", "plot_partner_win_rate", "plot_partner_deal_size", "plot_engagement_vs_peers"]

_BAR, _LINE, _PEER = "#1f4e79", "#e07b00", "#9aa5b1"


def _axes(ax: Axes | None) -> Axes:
    if ax is None:
        _, ax = plt.subplots(figsize=(8, 3.2))
    return ax


def _x(history: pd.DataFrame) -> tuple[np.ndarray, list[str]]:
    return np.arange(len(history)), [str(p) for p in history["period"]]


def _ticks(ax: Axes, positions: np.ndarray, labels: list[str]) -> None:
    step = max(1, len(labels) // 8)
    ax.set_xticks(positions[::step], labels[::step])


def plot_partner_revenue(history: pd.DataFrame, *, ax: Axes | None = None, **kwargs) -> Axes:
    """Revenue per period as bars, with the revenue target as a line where one was set.

    ``history`` has ``period``, ``revenue`` and ``target`` (NaN where none).
    """
    ax = _axes(ax)
    x, labels = _x(history)
    ax.bar(x, history["revenue"], color=_BAR, label="Revenue", **kwargs)
    if history["target"].notna().any():
        ax.plot(x, history["target"], color=_LINE, marker="o", label="Target")
    _ticks(ax, x, labels)
    ax.yaxis.set_major_formatter(money_formatter())
    ax.set_title("Revenue vs target by period")
    ax.legend(loc="upper left", frameon=False)
    return ax


def plot_partner_win_rate(history: pd.DataFrame, *, ax: Axes | None = None, **kwargs) -> Axes:
    """Win rate per period (won / (won + lost)); gaps where nothing closed."""
    ax = _axes(ax)
    x, labels = _x(history)
    ax.plot(x, history["win_rate"], color=_BAR, marker="o", **kwargs)
    _ticks(ax, x, labels)
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_title("Win rate by period")
    return ax


def plot_partner_deal_size(history: pd.DataFrame, *, ax: Axes | None = None, **kwargs) -> Axes:
    """Average won deal size per period; gaps where nothing was won."""
    ax = _axes(ax)
    x, labels = _x(history)
    ax.plot(x, history["avg_deal_size"], color=_BAR, marker="o", **kwargs)
    _ticks(ax, x, labels)
    ax.yaxis.set_major_formatter(money_formatter())
    ax.set_title("Average deal size by period")
    return ax


def plot_engagement_vs_peers(engagement: pd.DataFrame, *, ax: Axes | None = None, **kwargs) -> Axes:
    """Activity counts of the partner, next to the peer median when ``peer_median`` is present."""
    ax = _axes(ax)
    y = np.arange(len(engagement))
    has_peers = "peer_median" in engagement
    height = 0.4 if has_peers else 0.7
    ax.barh(y + (height / 2 if has_peers else 0), engagement["quantity"], height=height, color=_BAR, label="You",
            **kwargs)
    if has_peers:
        ax.barh(y - height / 2, engagement["peer_median"], height=height, color=_PEER, label="Peer median")
        ax.legend(loc="lower right", frameon=False)
    ax.set_yticks(y, [str(a).replace("_", " ") for a in engagement["activity"]])
    ax.invert_yaxis()
    ax.set_title("Activity over the last four quarters")
    return ax
