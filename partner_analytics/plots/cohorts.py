"""Plots for cohort and MDF metrics.

Each ``plot_*`` takes the frame a metric function of
:mod:`partner_analytics.metrics.cohorts` or :mod:`partner_analytics.metrics.mdf`
returns, draws on ``ax`` (a new figure only when ``ax`` is None), passes
``**kwargs`` to the main artist and returns the Axes. No global state: titles
via ``ax.set_title``, no rcParams changes.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.axes import Axes
from matplotlib.ticker import PercentFormatter

from ..metrics.registry import kpi
from ..metrics.checks import require_columns as _require

__all__ = ["plot_cohort_heatmap", "plot_time_to_first_deal", "plot_churn_by_cohort", "plot_mdf_roi"]

_HEATMAP_TITLES = {
    "retention": "Cohort revenue retention (first full period with revenue = 100 %)",
    "revenue": "Cohort revenue by periods since onboarding",
    "revenue_per_partner": "Revenue per partner by cohort and periods since onboarding",
    "active_partners": "Active partners by cohort and periods since onboarding",
}
_FRACTIONS = {"retention"}
_POSITIVE, _NEGATIVE = "tab:green", "tab:red"


def _axes(ax: Axes | None) -> Axes:
    if ax is None:
        _, ax = plt.subplots()
    return ax


def _no_data(ax: Axes, title: str) -> Axes:
    ax.text(0.5, 0.5, "No data", ha="center", va="center", transform=ax.transAxes)
    ax.set_title(title)
    return ax


def plot_cohort_heatmap(retention: pd.DataFrame, *, value: str = "retention", ax: Axes | None = None,
                        **kwargs) -> Axes:
    """Heatmap of a cohort measure: cohorts as rows, periods since onboarding as columns.

    Parameters
    ----------
    retention
        :func:`partner_analytics.metrics.cohorts.revenue_retention` output
        (``cohort``, ``periods_since_onboarding`` and ``value``).
    value
        Column to show: ``"retention"`` (annotated as percents),
        ``"revenue"``, ``"revenue_per_partner"``, ``"active_partners"``...
        NaN cells (cohort not fully observed) are left blank.
    ax
        Axes to draw on; a new figure when None.
    **kwargs
        Passed to ``seaborn.heatmap`` (defaults: ``cmap="Blues"``, cell
        annotations when the grid has at most 12 columns and 120 cells).

    Returns
    -------
    Axes
        The heatmap is ``ax.collections[0]`` (one cell per cohort × period).

    Raises
    ------
    ValueError
        If ``retention`` lacks a column.
    """
    _require(retention, ["cohort", "periods_since_onboarding", value], "retention")
    ax = _axes(ax)
    title = _HEATMAP_TITLES.get(value, f"Cohort {value.replace('_', ' ')} by periods since onboarding")
    if retention.empty:
        return _no_data(ax, title)
    grid = retention.pivot(index="cohort", columns="periods_since_onboarding", values=value).astype("float64")
    grid.index = [str(c) for c in grid.index]
    fraction = value in _FRACTIONS
    kwargs.setdefault("cmap", "Blues")
    kwargs.setdefault("annot", grid.shape[1] <= 12 and grid.size <= 120)
    kwargs.setdefault("fmt", ".0%" if fraction else ",.0f")
    if fraction:
        kwargs.setdefault("cbar_kws", {"format": PercentFormatter(xmax=1)})
    sns.heatmap(grid, ax=ax, **kwargs)
    ax.set_title(title)
    ax.set_xlabel("Periods since onboarding")
    ax.set_ylabel("Onboarding cohort")
    return ax


def plot_time_to_first_deal(km: pd.DataFrame, *, ax: Axes | None = None, **kwargs) -> Axes:
    """Kaplan–Meier step curves of the share of partners activated, one per group.

    Parameters
    ----------
    km
        :func:`partner_analytics.metrics.cohorts.time_to_first_deal` output
        (``group``, ``days``, ``activated_share``).
    ax
        Axes to draw on; a new figure when None.
    **kwargs
        Passed to ``ax.step``.

    Returns
    -------
    Axes
        One line per group (in group order), a legend when there are several.

    Raises
    ------
    ValueError
        If ``km`` lacks a column.
    """
    _require(km, ["group", "days", "activated_share"], "km")
    ax = _axes(ax)
    groups = list(km.groupby("group", sort=True))
    for name, rows in groups:
        rows = rows.sort_values("days")
        ax.step(rows["days"].to_numpy(dtype="float64"), rows["activated_share"].to_numpy(dtype="float64"),
                where="post", label=str(name), **kwargs)
    ax.set_ylim(0, 1.05)
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1))
    ax.set_title("Time to first deal (Kaplan–Meier)")
    ax.set_xlabel("Days since onboarding")
    ax.set_ylabel("Share of partners with a first deal")
    if len(groups) > 1:
        ax.legend()
    return ax


def plot_churn_by_cohort(frame: pd.DataFrame, *, ax: Axes | None = None, **kwargs) -> Axes:
    """Bars of the churn rate of each onboarding cohort.

    Parameters
    ----------
    frame
        :func:`partner_analytics.metrics.cohorts.churn_by_cohort` output
        (``cohort``, ``churn_rate`` as a fraction).
    ax
        Axes to draw on; a new figure when None.
    **kwargs
        Passed to ``ax.bar``.

    Returns
    -------
    Axes
        One bar per cohort, in cohort order; bar height = churn rate.

    Raises
    ------
    ValueError
        If ``frame`` lacks a column.
    """
    _require(frame, ["cohort", "churn_rate"], "frame")
    ax = _axes(ax)
    rows = frame.sort_values("cohort")
    x = np.arange(len(rows))
    ax.bar(x, rows["churn_rate"].to_numpy(dtype="float64"), **kwargs)
    ax.set_xticks(x, [str(c) for c in rows["cohort"]], rotation=45 if len(rows) > 8 else 0)
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1))
    ax.set_title("Churn by onboarding cohort (churned by the as-of date)")
    ax.set_xlabel("Onboarding cohort")
    ax.set_ylabel("Churn rate")
    return ax


def plot_mdf_roi(frame: pd.DataFrame, *, ax: Axes | None = None, top: int = 10, **kwargs) -> Axes:
    """Bars of MDF ROI per partner type, or for the top partners, with a zero line.

    Parameters
    ----------
    frame
        :func:`partner_analytics.metrics.mdf.mdf_summary` output with
        ``by="partner_type"`` (one bar per type), or with
        ``by="partner_id"`` / :func:`~partner_analytics.metrics.mdf.mdf_roi_ranking`
        output (the ``top`` partners by ROI, best first). Rows with NaN ROI
        (nothing claimed) are left out.
    ax
        Axes to draw on; a new figure when None.
    top
        Number of partners shown for per-partner frames.
    **kwargs
        Passed to ``ax.bar`` (default colours: green for ROI >= 0, red
        below).

    Returns
    -------
    Axes
        One bar per type or partner (height = ROI as a fraction) and a
        horizontal line at 0.

    Raises
    ------
    ValueError
        If ``frame`` lacks ``roi`` and a ``partner_id`` or ``partner_type``
        column.
    """
    key = "partner_id" if "partner_id" in frame.columns else "partner_type"
    _require(frame, [key, "roi"], "frame")
    ax = _axes(ax)
    rows = frame.loc[frame["roi"].notna()]
    if key == "partner_id":
        rows = rows.sort_values(["roi", "partner_id"], ascending=[False, True], kind="stable").head(top)
        title = f"{kpi('mdf_roi').label}: top {len(rows)} partners"
    else:
        rows = rows.sort_values(key)
        title = f"{kpi('mdf_roi').label} by partner type"
    roi = rows["roi"].to_numpy(dtype="float64")
    kwargs.setdefault("color", [_POSITIVE if r >= 0 else _NEGATIVE for r in roi])
    x = np.arange(len(rows))
    ax.bar(x, roi, **kwargs)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xticks(x, [str(k) for k in rows[key]], rotation=45 if len(rows) > 6 else 0)
    ax.yaxis.set_major_formatter(PercentFormatter(xmax=1))
    ax.set_title(title)
    ax.set_xlabel("Partner" if key == "partner_id" else "Partner type")
    ax.set_ylabel(kpi("mdf_roi").label)
    return ax
