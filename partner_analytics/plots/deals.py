"""Plots for deals and targets: win rates, time to close, deal size, attainment.

Each ``plot_*`` takes the frame a metric returned, draws on ``ax`` (a new
figure when None) and returns the Axes; nothing global is changed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from ..labels import label
from ..metrics.checks import require_columns as _require
from .axes import get_axes
from .formatting import format_axis, thin_ticks

__all__ = ["plot_win_rate", "plot_time_to_close", "plot_deal_size_trend", "plot_attainment"]

_COLOR, _SECOND, _GREY = "#1f4e79", "#e07b00", "#9aa5b1"
_GROUP_COLUMNS = ("channel", "partner_type", "attribution", "partner_id", "group")


def _label_column(frame: pd.DataFrame) -> str:
    for column in _GROUP_COLUMNS:
        if column in frame.columns:
            return column
    raise ValueError(f"expected one group column among {_GROUP_COLUMNS}")


def plot_win_rate(rates: pd.DataFrame, *, ax: Axes | None = None, **kwargs) -> Axes:
    """Bars of win rate per group with Wilson interval error bars.

    Parameters
    ----------
    rates
        A frame from :func:`partner_analytics.metrics.deals.win_rates`
        (group column, ``win_rate``, ``ci_low``, ``ci_high``).
    ax
        Axes to draw on; a new figure when None.
    **kwargs
        Passed to ``Axes.bar``.

    Returns
    -------
    Axes
        One bar per row (height = win rate; NaN rates draw no bar), y axis
        0..100 %.

    Raises
    ------
    ValueError
        If a column is missing.
    """
    _require(rates, ["win_rate", "ci_low", "ci_high"], "win rates")
    group = _label_column(rates)
    ax = get_axes(ax)
    x = np.arange(len(rates))
    rate = rates["win_rate"].to_numpy(dtype=float)
    errors = np.vstack([rate - rates["ci_low"].to_numpy(dtype=float), rates["ci_high"].to_numpy(dtype=float) - rate])
    errors = np.nan_to_num(np.clip(errors, 0, None))  # rounding at 0 % or 100 % must not give negative bars
    ax.bar(x, rate, yerr=errors, capsize=4, color=_COLOR, **kwargs)
    thin_ticks(ax, x, [str(v) for v in rates[group]], rotate=True)
    ax.set_ylim(0, 1)
    format_axis(ax.yaxis, "win_rate")
    ax.set_xlabel(label(group))
    ax.set_ylabel(label("win_rate"))
    ax.set_title("Win rate (95 % Wilson interval)")
    return ax


def plot_time_to_close(data: pd.DataFrame, *, ax: Axes | None = None, **kwargs) -> Axes:
    """Days to close, partner vs direct: median bars or box plots of won deals.

    Parameters
    ----------
    data
        Either a summary from :func:`partner_analytics.metrics.deals.time_to_close`
        (group column, ``median``, ``p25``, ``p75``) — drawn as bars of the
        median with interquartile error bars — or row-level deals from
        :func:`partner_analytics.rollup.deals_for` (``attribution``,
        ``stage``, ``days_to_close``), drawn as one box per channel over its
        won deals.
    ax
        Axes to draw on; a new figure when None.
    **kwargs
        Passed to ``Axes.bar`` or ``Axes.boxplot``.

    Returns
    -------
    Axes
        Bars (one per row) or boxes (``direct``, ``partner``; a channel
        without won deals gets an empty box).

    Raises
    ------
    ValueError
        If ``data`` is neither kind of frame.
    """
    ax = get_axes(ax)
    if "days_to_close" in data.columns:
        _require(data, ["attribution", "stage", "days_to_close"], "closed deals")
        won = data[data["stage"] == "won"]
        channel = np.where(won["attribution"] == "direct", "direct", "partner")
        groups = ["direct", "partner"]
        samples = [won.loc[channel == g, "days_to_close"].dropna().to_numpy(dtype=float) for g in groups]
        ax.boxplot(samples, tick_labels=groups, **kwargs)
        ax.set_ylabel("Days to close")
        ax.set_title("Days to close (won deals)")
        return ax
    _require(data, ["median", "p25", "p75"], "time to close")
    group = _label_column(data)
    x = np.arange(len(data))
    median = data["median"].to_numpy(dtype=float)
    errors = np.vstack([median - data["p25"].to_numpy(dtype=float), data["p75"].to_numpy(dtype=float) - median])
    ax.bar(x, median, yerr=np.nan_to_num(errors), capsize=4, color=_SECOND, **kwargs)
    thin_ticks(ax, x, [str(v) for v in data[group]], rotate=True)
    ax.set_xlabel(label(group))
    ax.set_ylabel("Days to close")
    ax.set_title("Median days to close (won deals, IQR bars)")
    return ax


def plot_deal_size_trend(trend: pd.DataFrame, *, value: str = "median", ax: Axes | None = None, **kwargs) -> Axes:
    """Won deal size per period, one line per group.

    Parameters
    ----------
    trend
        A frame from :func:`partner_analytics.metrics.deals.deal_size_trend`.
    value
        ``"median"`` or ``"mean"``.
    ax
        Axes to draw on; a new figure when None.
    **kwargs
        Passed to ``Axes.plot``.

    Returns
    -------
    Axes
        One line per group, x = periods in order, y in currency.

    Raises
    ------
    ValueError
        If a column is missing.
    """
    _require(trend, ["period", value], "deal size trend")
    group = _label_column(trend)
    ax = get_axes(ax)
    periods = sorted(trend["period"].unique())
    position = {p: i for i, p in enumerate(periods)}
    for key, rows in trend.groupby(group, sort=True):
        ax.plot(rows["period"].map(position), rows[value], marker="o", label=str(key), **kwargs)
    thin_ticks(ax, np.arange(len(periods)), [str(p) for p in periods])
    format_axis(ax.yaxis, "avg_deal_size")
    ax.set_xlabel(label("period"))
    ax.set_ylabel("Won deal size")
    if len(periods):
        ax.legend(frameon=False, title=label(group))
    ax.set_title(f"{value.capitalize()} won deal size by period")
    return ax


def plot_attainment(trend: pd.DataFrame, *, ax: Axes | None = None, **kwargs) -> Axes:
    """Target vs actual per period as paired bars, with attainment against a 100 % line.

    Parameters
    ----------
    trend
        Program-wide :func:`partner_analytics.metrics.targets.attainment_trend`
        (or one partner's rows of the per-partner trend): one row per period
        with ``target``, ``actual`` and ``attainment``.
    ax
        Axes to draw on; a new figure when None.
    **kwargs
        Passed to ``Axes.bar`` for the actual bars.

    Returns
    -------
    Axes
        Target bars (grey) then actual bars, in currency; attainment is drawn
        on a twin axis (percent) with a dashed 100 % line.

    Raises
    ------
    ValueError
        If a column is missing or a period repeats.
    """
    _require(trend, ["period", "target", "actual", "attainment"], "attainment trend")
    if trend["period"].duplicated().any():
        raise ValueError("attainment trend must have one row per period; filter it to one partner first")
    ax = get_axes(ax)
    x = np.arange(len(trend))
    ax.bar(x - 0.2, trend["target"], width=0.4, color=_GREY, label="Target")
    ax.bar(x + 0.2, trend["actual"], width=0.4, color=_COLOR, label="Actual", **kwargs)
    format_axis(ax.yaxis, "revenue")
    ax.set_ylabel(label("revenue"))
    twin = ax.twinx()
    twin.plot(x, trend["attainment"], color=_SECOND, marker="o", label="Attainment")
    twin.axhline(1.0, color=_SECOND, linestyle="--", linewidth=1)
    format_axis(twin.yaxis, "attainment")
    twin.set_ylabel(label("attainment"))
    thin_ticks(ax, x, [str(p) for p in trend["period"]])
    ax.set_xlabel(label("period"))
    ax.legend(loc="upper left", frameon=False)
    ax.set_title("Target attainment by period")
    return ax
