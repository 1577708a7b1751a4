"""Charts of one partner's own history (partner report).

Each ``plot_*`` draws on ``ax`` (a new figure when None) and returns the
Axes; with nothing to show it raises
:class:`~partner_analytics.plots.empty.NothingToDraw` before drawing
(ask first with :func:`~partner_analytics.plots.empty.nothing_to_draw`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from ..labels import label
from .axes import get_axes
from .empty import all_missing, checked
from .formatting import format_axis, thin_ticks

__all__ = ["plot_partner_revenue", "plot_partner_win_rate", "plot_partner_deal_size", "plot_engagement_vs_peers"]

_BAR, _LINE, _PEER = "#1f4e79", "#e07b00", "#9aa5b1"
_LEGEND_ROW = 24.0
"""Title padding in points over a legend row above the axes (the default 6 pt plus one legend line)."""


def _period_axis(ax: Axes, history: pd.DataFrame) -> np.ndarray:
    x = np.arange(len(history))
    thin_ticks(ax, x, [str(p) for p in history["period"]])
    ax.set_xlabel(label("period"))
    return x


def _has_target(history: pd.DataFrame) -> bool:
    return "target" in history.columns and bool(history["target"].notna().any())


def _no_revenue(history: pd.DataFrame, **_) -> str | None:
    if all_missing(history, "revenue", zero=True) and not _has_target(history):
        return "No revenue and no revenue target in these periods, so there is no revenue chart."
    return None


def _no_win_rate(history: pd.DataFrame, **_) -> str | None:
    return "No deal was won or lost in these periods, so there is no win rate to draw." if all_missing(
        history, "win_rate") else None


def _no_deal_size(history: pd.DataFrame, **_) -> str | None:
    return "No deal was won in these periods, so there is no deal size to draw." if all_missing(
        history, "avg_deal_size") else None


def _no_activity(engagement: pd.DataFrame, *, window: str = "the last year", **_) -> str | None:
    columns = ["quantity", *(["peer_median"] if "peer_median" in engagement.columns else [])]
    return f"No recorded activity in {window}." if all_missing(engagement, *columns, zero=True) else None


@checked(_no_revenue)
def plot_partner_revenue(history: pd.DataFrame, *, ax: Axes | None = None, **kwargs) -> Axes:
    """Revenue per period as bars, with the revenue target as a line where one was set.

    ``history`` has ``period``, ``revenue`` and ``target`` (NaN where none).
    The title names the target only when one is drawn: "Revenue vs target by
    period", else "Revenue by period". Raises ``NothingToDraw`` when there is
    neither revenue nor a target.
    """
    ax = get_axes(ax, figsize=(8, 3.2))
    x = _period_axis(ax, history)
    ax.bar(x, history["revenue"], color=_BAR, label="Revenue", **kwargs)
    if _has_target(history):
        ax.plot(x, history["target"], color=_LINE, marker="o", label="Target")
        # the legend sits in its own row between the axes and the title, so that the two never overlap,
        # however narrow the figure (the phone rendition)
        ax.set_title("Revenue vs target by period", pad=_LEGEND_ROW)
        ax.legend(loc="lower right", bbox_to_anchor=(1, 1), ncols=2, frameon=False, borderaxespad=0.2)
    else:
        ax.set_title("Revenue by period")
    format_axis(ax.yaxis, "revenue")
    ax.set_ylabel(label("revenue"))
    return ax


@checked(_no_win_rate)
def plot_partner_win_rate(history: pd.DataFrame, *, ax: Axes | None = None, **kwargs) -> Axes:
    """Win rate per period (won / (won + lost)); gaps where nothing closed.

    Raises ``NothingToDraw`` when nothing closed in any period.
    """
    ax = get_axes(ax, figsize=(8, 3.2))
    x = _period_axis(ax, history)
    ax.plot(x, history["win_rate"], color=_BAR, marker="o", **kwargs)
    ax.set_ylim(0, 1)
    format_axis(ax.yaxis, "win_rate")
    ax.set_ylabel(label("win_rate"))
    ax.set_title("Win rate by period")
    return ax


@checked(_no_deal_size)
def plot_partner_deal_size(history: pd.DataFrame, *, ax: Axes | None = None, **kwargs) -> Axes:
    """Average won deal size per period; gaps where nothing was won.

    Raises ``NothingToDraw`` when nothing was won in any period.
    """
    ax = get_axes(ax, figsize=(8, 3.2))
    x = _period_axis(ax, history)
    ax.plot(x, history["avg_deal_size"], color=_BAR, marker="o", **kwargs)
    format_axis(ax.yaxis, "avg_deal_size")
    ax.set_ylabel(label("avg_deal_size"))
    ax.set_title("Average deal size by period")
    return ax


@checked(_no_activity)
def plot_engagement_vs_peers(engagement: pd.DataFrame, *, window: str = "the last year", ax: Axes | None = None,
                             **kwargs) -> Axes:
    """Activity counts of the partner, next to the peer median when ``peer_median`` is present.

    Activities are labelled from the registry ("PRM logins"); ``window`` names
    the counted window in the title (``"the last 12 months"``, from
    :func:`partner_analytics.periods.window_phrase`). Raises
    ``NothingToDraw`` when every count is 0 or missing.
    """
    ax = get_axes(ax, figsize=(8, 3.2))
    y = np.arange(len(engagement))
    has_peers = "peer_median" in engagement
    height = 0.4 if has_peers else 0.7
    ax.barh(y + (height / 2 if has_peers else 0), engagement["quantity"], height=height, color=_BAR, label="You",
            **kwargs)
    if has_peers:
        ax.barh(y - height / 2, engagement["peer_median"], height=height, color=_PEER, label="Peer median")
        ax.legend(loc="lower right", frameon=False)
    ax.set_yticks(y, [label(a) for a in engagement["activity"]])
    format_axis(ax.xaxis, "quantity")
    ax.set_xlabel("Count")
    ax.invert_yaxis()
    ax.set_title(f"Activity over {window}")
    return ax
