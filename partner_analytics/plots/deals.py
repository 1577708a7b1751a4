"""Plots for deals and targets: win rates, time to close, deal size, attainment."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from ..metrics.checks import require_columns as _require

__all__ = ["plot_win_rate", "plot_time_to_close", "plot_deal_size_trend", "plot_attainment"]

_COLOR, _SECOND = "#1f4e79", "#e07b00"


def _axes(ax: Axes | None) -> Axes:
    if ax is None:
        _, ax = plt.subplots()
    return ax


def _label_column(frame: pd.DataFrame) -> str:
    return next(c for c in frame.columns if c in ("channel", "partner_type", "attribution", "partner_id", "group"))


def plot_win_rate(rates: pd.DataFrame, *, ax: Axes | None = None, **kwargs) -> Axes:
    """Bars of win rate per group with Wilson interval error bars.

    ``rates`` comes from :func:`partner_analytics.metrics.deals.win_rates`.
    """
    _require(rates, ["win_rate", "ci_low", "ci_high"], "win rates")
    ax = _axes(ax)
    label = _label_column(rates)
    x = np.arange(len(rates))
    rate = rates["win_rate"].to_numpy(dtype=float)
    errors = np.vstack([rate - rates["ci_low"].to_numpy(dtype=float), rates["ci_high"].to_numpy(dtype=float) - rate])
    errors = np.nan_to_num(np.clip(errors, 0, None))  # rounding at 0 % or 100 % must not give negative bars
    ax.bar(x, rate, yerr=errors, capsize=4, color=_COLOR, **kwargs)
    ax.set_xticks(x, [str(v) for v in rates[label]])
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_title("Win rate (95 % Wilson interval)")
    return ax


def plot_time_to_close(cycle: pd.DataFrame, *, ax: Axes | None = None, **kwargs) -> Axes:
    """Median days to close per group, with the interquartile range as error bars.

    ``cycle`` comes from :func:`partner_analytics.metrics.deals.time_to_close`.
    """
    _require(cycle, ["median", "p25", "p75"], "time to close")
    ax = _axes(ax)
    label = _label_column(cycle)
    x = np.arange(len(cycle))
    median = cycle["median"].to_numpy(dtype=float)
    errors = np.vstack([median - cycle["p25"].to_numpy(dtype=float), cycle["p75"].to_numpy(dtype=float) - median])
    ax.bar(x, median, yerr=errors, capsize=4, color=_SECOND, **kwargs)
    ax.set_xticks(x, [str(v) for v in cycle[label]])
    ax.set_ylabel("days")
    ax.set_title("Median days to close (won deals, IQR bars)")
    return ax


def plot_deal_size_trend(trend: pd.DataFrame, *, value: str = "median", ax: Axes | None = None, **kwargs) -> Axes:
    """Deal size per period, one line per group.

    ``trend`` comes from :func:`partner_analytics.metrics.deals.deal_size_trend`.
    """
    _require(trend, ["period", value], "deal size trend")
    ax = _axes(ax)
    periods = sorted(trend["period"].unique())
    position = {p: i for i, p in enumerate(periods)}
    label = _label_column(trend)
    for key, rows in trend.groupby(label, sort=True):
        ax.plot(rows["period"].map(position), rows[value], marker="o", label=str(key), **kwargs)
    step = max(1, len(periods) // 8)
    ax.set_xticks(range(0, len(periods), step), [str(p) for p in periods[::step]])
    ax.legend(frameon=False)
    ax.set_title(f"{value.capitalize()} won deal size by period")
    return ax


def plot_attainment(trend: pd.DataFrame, *, ax: Axes | None = None, **kwargs) -> Axes:
    """Actual vs target per period as paired bars, with attainment against a 100 % line.

    ``trend`` comes from :func:`partner_analytics.metrics.targets.attainment_trend`.
    """
    _require(trend, ["period", "target", "actual", "attainment"], "attainment trend")
    ax = _axes(ax)
    x = np.arange(len(trend))
    ax.bar(x - 0.2, trend["target"], width=0.4, color="#9aa5b1", label="Target")
    ax.bar(x + 0.2, trend["actual"], width=0.4, color=_COLOR, label="Actual", **kwargs)
    twin = ax.twinx()
    twin.plot(x, trend["attainment"], color=_SECOND, marker="o", label="Attainment")
    twin.axhline(1.0, color=_SECOND, linestyle="--", linewidth=1)
    twin.yaxis.set_major_formatter(PercentFormatter(1.0))
    step = max(1, len(trend) // 8)
    ax.set_xticks(x[::step], [str(p) for p in trend["period"]][::step])
    ax.legend(loc="upper left", frameon=False)
    ax.set_title("Target attainment by period")
    return ax
