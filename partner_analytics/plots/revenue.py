"""Plots for revenue and concentration metrics.

Each ``plot_*`` takes the frame a metric function returns, draws on ``ax``
(a new figure only when ``ax`` is None), passes ``**kwargs`` to the main
artist and returns the Axes. No global state: titles via ``ax.set_title``, no
rcParams changes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from ..labels import label as _human
from ..metrics.checks import require_columns as _require
from ..metrics.revenue import GROUPINGS
from .axes import get_axes, period_ticks
from .empty import all_missing, checked
from .formatting import format_axis, thin_ticks

__all__ = ["plot_revenue_trend", "plot_channel_share", "plot_lorenz", "plot_pareto", "plot_revenue_by"]

_MISSING = "not set"
_ATTRIBUTIONS = {"sourced_revenue": "Sourced", "influenced_revenue": "Influenced", "direct_revenue": "Direct"}


def _label(value: object) -> str:
    return _MISSING if pd.isna(value) else str(value)


_MANY_BARS = 100  # more partners than this: the Pareto revenue is an area, not bars


def _no_trend(trend: pd.DataFrame, **_) -> str | None:
    if any(c in trend.columns for c in GROUPINGS):
        columns = ["revenue"]
    else:  # the stacked bars; direct revenue is optional
        columns = ["sourced_revenue", "influenced_revenue", *(["direct_revenue"] if "direct_revenue" in trend else [])]
    return "No revenue in these periods, so there is no revenue trend to draw." if all_missing(
        trend, *columns, zero=True) else None


def _no_share(channel: pd.DataFrame, **_) -> str | None:
    return "No revenue in these periods, so there is no partner share to draw." if all_missing(
        channel, "channel_share") else None


def _no_concentration(curve: pd.DataFrame, **_) -> str | None:
    lorenz = "revenue_share" in curve.columns  # a Lorenz curve starts at (0, 0) even without revenue
    rows, column = (curve.iloc[1:], "revenue_share") if lorenz else (curve, "cumulative_share")
    return "No partner revenue in the window, so there is no concentration to draw." if all_missing(
        rows, column) else None


def _no_breakdown(frame: pd.DataFrame, *, value: str = "revenue", **_) -> str | None:
    return "No partner revenue in the window, so there is no breakdown to draw." if all_missing(
        frame, value, zero=True) else None


@checked(_no_trend)
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

    Raises
    ------
    NothingToDraw
        When every revenue value is 0 or missing.
    """
    ax = get_axes(ax)
    group = next((c for c in GROUPINGS if c in trend.columns), None)
    if group is None:
        _require(trend, ["period", "sourced_revenue", "influenced_revenue"], "trend")
        x = period_ticks(ax, trend["period"])
        bottom = np.zeros(len(trend))
        for column, label in _ATTRIBUTIONS.items():
            if column in trend.columns:
                heights = trend[column].to_numpy(dtype="float64")
                ax.bar(x, heights, bottom=bottom, label=label, **kwargs)
                bottom = bottom + heights
        ax.set_title("Revenue by period and attribution")
        ax.set_ylabel(_human("revenue"))
    else:
        _require(trend, ["period", "revenue"], "trend")
        periods = pd.Series(sorted(trend["period"].unique()))
        x = period_ticks(ax, periods)
        position = dict(zip(periods, x))
        for name, rows in trend.groupby(group, dropna=False, sort=True):
            rows = rows.sort_values("period")
            ax.plot(rows["period"].map(position), rows["revenue"], marker="o", label=_label(name), **kwargs)
        ax.set_title(f"{_human('revenue')} by {_human(group).lower()}")
        ax.set_ylabel(_human("revenue"))
    ax.set_xlabel(_human("period"))
    format_axis(ax.yaxis, "revenue")
    ax.legend(title=None if group is None else _human(group))
    return ax


@checked(_no_share)
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

    Raises
    ------
    NothingToDraw
        When every share is missing (no revenue at all).
    """
    _require(channel, ["period", "channel_share"], "channel")
    ax = get_axes(ax)
    x = period_ticks(ax, channel["period"])
    ax.plot(x, channel["channel_share"].to_numpy(dtype="float64"), marker="o", **kwargs)
    ax.set_ylim(0, 1.05)
    format_axis(ax.yaxis, "channel_share")
    ax.set_title(_human("channel_share"))
    ax.set_xlabel(_human("period"))
    ax.set_ylabel("Share of revenue")
    return ax


@checked(_no_concentration)
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

    Raises
    ------
    NothingToDraw
        When the curve is empty or there is no revenue (NaN shares).
    """
    _require(curve, ["partner_share", "revenue_share"], "curve")
    ax = get_axes(ax)
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


@checked(_no_concentration)
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
        The revenue Axes: one bar per partner (more than 100 partners: a
        filled area instead, so 3,000 partners stay readable); x ticks name
        the partners when there are at most 20, else the rank. The
        cumulative-share line (0-100 %) and a dotted 80 % reference line live
        on its twin, reachable as ``ax.get_shared_x_axes().get_siblings(ax)``.

    Raises
    ------
    NothingToDraw
        When there are no partners or no revenue.
    """
    _require(pareto, ["rank", "revenue", "cumulative_share"], "pareto")
    ax = get_axes(ax)
    x = pareto["rank"].to_numpy()
    revenue = pareto["revenue"].to_numpy(dtype="float64")
    if len(pareto) > _MANY_BARS:
        kwargs.setdefault("step", "mid")
        ax.fill_between(x, revenue, **kwargs)
        ax.set_xlim(0.5, len(pareto) + 0.5)
    else:
        ax.bar(x, revenue, **kwargs)
    if "partner_id" in pareto.columns and len(pareto) <= 20:
        thin_ticks(ax, x, [str(p) for p in pareto["partner_id"]])
        ax.set_xlabel("Partner (largest revenue first)")
    else:
        format_axis(ax.xaxis, "rank")
        ax.set_xlabel("Partners ranked by revenue (largest first)")
    format_axis(ax.yaxis, "revenue")
    ax.set_ylabel(_human("revenue"))
    share = ax.twinx()
    share.plot(x, pareto["cumulative_share"].to_numpy(dtype="float64"), color="black",
               marker="." if len(pareto) <= _MANY_BARS else None)
    share.axhline(0.8, linestyle=":", color="grey")
    share.set_ylim(0, 1.05)
    format_axis(share.yaxis, "cumulative_share")
    share.set_ylabel(_human("cumulative_share"))
    ax.set_title("Partner revenue concentration (Pareto)")
    return ax


@checked(_no_breakdown)
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
        One bar per row of ``frame``; the value axis formatted by the
        column's unit (amounts, percents, counts).

    Raises
    ------
    NothingToDraw
        When every value is 0 or missing.
    """
    _require(frame, [by, value], "frame")
    ax = get_axes(ax)
    ordered = frame.sort_values(value, ascending=True, kind="stable")
    y = np.arange(len(ordered))
    ax.barh(y, ordered[value].to_numpy(dtype="float64"), **kwargs)
    thin_ticks(ax, y, [_label(g) for g in ordered[by]], axis="y")
    name = _human(value)
    format_axis(ax.xaxis, value)
    ax.set_title(f"{name} by {_human(by).lower()}")
    ax.set_xlabel(name)
    ax.set_ylabel(_human(by))
    return ax
