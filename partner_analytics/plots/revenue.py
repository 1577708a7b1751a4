"""Plots for revenue and concentration metrics.

Each ``plot_*`` takes the frame a metric function returns, draws on ``ax``
(a new figure only when ``ax`` is None), passes ``**kwargs`` to the main
artist and returns the Axes. No global state: titles via ``ax.set_title``, no
rcParams changes.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from ..metrics.registry import KPIS, kpi
from ..metrics.checks import require_columns as _require
from ..metrics.revenue import GROUPINGS
from .formatting import money_formatter

__all__ = ["plot_revenue_trend", "plot_channel_share", "plot_lorenz", "plot_pareto", "plot_revenue_by"]

_MISSING = "not set"
_ATTRIBUTIONS = {"sourced_revenue": "Sourced", "influenced_revenue": "Influenced", "direct_revenue": "Direct"}


def _axes(ax: Axes | None) -> Axes:
    if ax is None:
        _, ax = plt.subplots()
    return ax


def _label(value: object) -> str:
    return _MISSING if pd.isna(value) else str(value)


def _period_ticks(ax: Axes, periods: pd.Series) -> np.ndarray:
    """Put one tick per period at x = 0, 1, …; return the positions."""
    x = np.arange(len(periods))
    ax.set_xticks(x, [str(p) for p in periods], rotation=45 if len(periods) > 8 else 0)
    return x


def plot_revenue_trend(trend: pd.DataFrame, *, ax: Axes | None = None, **kwargs) -> Axes:
    """Revenue per period: stacked attribution bars, or one line per group.

    Parameters
    ----------
    trend
        :func:`partner_analytics.metrics.revenue.revenue_trend` output. With
        ``by=None`` the bars stack ``sourced_revenue``,
        ``influenced_revenue`` and, if present, ``direct_revenue``; with a
        ``partner_type`` / ``tier`` / ``region`` column, one line of
        ``revenue`` per group (a missing group is labelled "not set").
    ax
        Axes to draw on; a new figure when None.
    **kwargs
        Passed to ``ax.bar`` or ``ax.plot``.

    Returns
    -------
    Axes
    """
    ax = _axes(ax)
    group = next((c for c in GROUPINGS if c in trend.columns), None)
    if group is None:
        _require(trend, ["period", "sourced_revenue", "influenced_revenue"], "trend")
        x = _period_ticks(ax, trend["period"])
        bottom = np.zeros(len(trend))
        for column, label in _ATTRIBUTIONS.items():
            if column in trend.columns:
                heights = trend[column].to_numpy(dtype="float64")
                ax.bar(x, heights, bottom=bottom, label=label, **kwargs)
                bottom = bottom + heights
        ax.set_title("Revenue by period and attribution")
        ax.set_ylabel("Revenue")
    else:
        _require(trend, ["period", "revenue"], "trend")
        periods = pd.Series(sorted(trend["period"].unique()))
        x = _period_ticks(ax, periods)
        position = dict(zip(periods, x))
        for name, rows in trend.groupby(group, dropna=False, sort=True):
            rows = rows.sort_values("period")
            ax.plot(rows["period"].map(position), rows["revenue"], marker="o", label=_label(name), **kwargs)
        ax.set_title(f"{kpi('revenue').label} by {group.replace('_', ' ')}")
        ax.set_ylabel(kpi("revenue").label)
    ax.set_xlabel("Period")
    ax.yaxis.set_major_formatter(money_formatter())
    ax.legend()
    return ax


def plot_channel_share(channel: pd.DataFrame, *, ax: Axes | None = None, **kwargs) -> Axes:
    """Partner share of total revenue per period, as a line on a 0-100 % axis.

    Parameters
    ----------
    channel
        :func:`partner_analytics.metrics.revenue.channel_revenue` output
        (``period``, ``channel_share`` as a fraction; NaN points are gaps).
    ax
        Axes to draw on; a new figure when None.
    **kwargs
        Passed to ``ax.plot``.

    Returns
    -------
    Axes
    """
    _require(channel, ["period", "channel_share"], "channel")
    ax = _axes(ax)
    x = _period_ticks(ax, channel["period"])
    ax.plot(x, channel["channel_share"].to_numpy(dtype="float64"), marker="o", **kwargs)
    ax.set_ylim(0, 1.05)
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1))
    ax.set_title("Partner share of total revenue")
    ax.set_xlabel("Period")
    ax.set_ylabel("Share of revenue")
    return ax


def plot_lorenz(curve: pd.DataFrame, *, ax: Axes | None = None, gini: float | None = None, **kwargs) -> Axes:
    """Lorenz curve of partner revenue with the line of equality.

    Parameters
    ----------
    curve
        :func:`partner_analytics.metrics.concentration.lorenz_curve` output.
    ax
        Axes to draw on; a new figure when None.
    gini
        If given (and not NaN), shown in the title, e.g. ``Gini 0.75``.
    **kwargs
        Passed to ``ax.plot`` for the curve.

    Returns
    -------
    Axes
        The curve is the first line, the dashed diagonal the second.
    """
    _require(curve, ["partner_share", "revenue_share"], "curve")
    ax = _axes(ax)
    ax.plot(curve["partner_share"], curve["revenue_share"], label="Partners", **kwargs)
    ax.plot([0, 1], [0, 1], linestyle="--", color="grey", label="Equality")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.set_aspect("equal")
    for axis in (ax.xaxis, ax.yaxis):
        axis.set_major_formatter(PercentFormatter(xmax=1))
    title = "Lorenz curve of partner revenue"
    if gini is not None and not pd.isna(gini):
        title += f" (Gini {gini:.2f})"
    ax.set_title(title)
    ax.set_xlabel("Share of partners (smallest first)")
    ax.set_ylabel("Share of revenue")
    ax.legend()
    return ax


def plot_pareto(pareto: pd.DataFrame, *, ax: Axes | None = None, **kwargs) -> Axes:
    """Partner revenue as bars, largest first, with the cumulative share on a twin axis.

    Parameters
    ----------
    pareto
        :func:`partner_analytics.metrics.concentration.pareto_curve` output
        (pass ``.head(n)`` to show the top ``n`` only).
    ax
        Axes to draw on; a new figure when None.
    **kwargs
        Passed to ``ax.bar``.

    Returns
    -------
    Axes
        The bar Axes; the cumulative-share line (0-100 %) and a dotted 80 %
        reference line live on its twin, reachable as
        ``ax.get_shared_x_axes().get_siblings(ax)``.
    """
    _require(pareto, ["rank", "revenue", "cumulative_share"], "pareto")
    ax = _axes(ax)
    x = pareto["rank"].to_numpy()
    ax.bar(x, pareto["revenue"].to_numpy(dtype="float64"), **kwargs)
    if "partner_id" in pareto.columns and len(pareto) <= 20:
        ax.set_xticks(x, [str(p) for p in pareto["partner_id"]], rotation=45 if len(pareto) > 8 else 0)
    ax.set_xlabel("Partner (largest revenue first)")
    ax.set_ylabel(kpi("revenue").label)
    share = ax.twinx()
    share.plot(x, pareto["cumulative_share"].to_numpy(dtype="float64"), color="black", marker=".")
    share.axhline(0.8, linestyle=":", color="grey")
    share.set_ylim(0, 1.05)
    share.yaxis.set_major_formatter(PercentFormatter(xmax=1))
    share.set_ylabel("Cumulative share of revenue")
    ax.set_title("Partner revenue concentration (Pareto)")
    return ax


def plot_revenue_by(
    frame: pd.DataFrame, *, by: str, ax: Axes | None = None, value: str = "revenue", **kwargs
) -> Axes:
    """Horizontal bars of one column per group, largest at the top.

    Parameters
    ----------
    frame
        :func:`partner_analytics.metrics.revenue.revenue_by` output.
    by
        The group column (``partner_type``, ``tier`` or ``region``); a
        missing group is labelled "not set".
    ax
        Axes to draw on; a new figure when None.
    value
        Column to draw (default ``revenue``); ``share`` is drawn as a percent.
    **kwargs
        Passed to ``ax.barh``.

    Returns
    -------
    Axes
        One bar per row of ``frame``.
    """
    _require(frame, [by, value], "frame")
    ax = _axes(ax)
    ordered = frame.sort_values(value, ascending=True, kind="stable")
    ax.barh([_label(g) for g in ordered[by]], ordered[value].to_numpy(dtype="float64"), **kwargs)
    name = KPIS[value].label if value in KPIS else value.replace("_", " ").capitalize()
    if value == "share":
        name = "Share of partner revenue"
        ax.xaxis.set_major_formatter(PercentFormatter(xmax=1))
    else:
        ax.xaxis.set_major_formatter(money_formatter())
    ax.set_title(f"{name} by {by.replace('_', ' ')}")
    ax.set_xlabel(name)
    return ax
