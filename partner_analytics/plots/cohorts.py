"""Plots for cohort and MDF metrics.

Each ``plot_*`` takes the frame a metric function of
:mod:`partner_analytics.metrics.cohorts` or :mod:`partner_analytics.metrics.mdf`
returns, draws on ``ax`` (a new figure only when ``ax`` is None), passes
``**kwargs`` to the main artist and returns the Axes. No global state: titles
via ``ax.set_title``, no rcParams changes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
# seaborn is imported where it is used, so partner report kernels never load it (tests/test_render_worker.py)

from ..labels import label
from ..metrics.checks import require_columns as _require
from .axes import get_axes
from .empty import all_missing, checked
from .formatting import format_axis, thin_ticks

__all__ = ["RETENTION_COLOUR_CAP", "plot_cohort_heatmap", "plot_time_to_first_deal", "plot_churn_by_cohort", "plot_mdf_roi"]

_HEATMAP_TITLES = {
    "retention": "Cohort revenue retention (first full period with revenue = 100 %)",
    "revenue": "Cohort revenue by periods since onboarding",
    "revenue_per_partner": "Revenue per partner by cohort and periods since onboarding",
    "active_partners": "Active partners by cohort and periods since onboarding",
}
_FRACTIONS = {"retention"}
RETENTION_COLOUR_CAP = 2.0
"""Retention above 200 % takes the darkest colour: one tiny first period (a 2,000 % cohort) would otherwise
drain every ordinary cell of colour. The cell's annotation still shows its true value."""
_POSITIVE, _NEGATIVE = "tab:green", "tab:red"


def _no_cohorts(retention: pd.DataFrame, *, value: str = "retention", **_) -> str | None:
    return "No onboarding cohort has revenue to show yet." if all_missing(retention, value) else None


def _no_first_deals(km: pd.DataFrame, **_) -> str | None:
    if not {"days", "activated_share"} <= set(km.columns):
        return None  # the plot names the missing column
    if all_missing(km, "activated_share"):
        return "No partner has a first deal to show yet."
    if not (km["days"].astype("float64") > 0).any():
        return ("Every first deal fell on its partner's onboarding day, so there is no "
                "time-to-first-deal curve to draw.")
    return None


def _no_churn(frame: pd.DataFrame, **_) -> str | None:
    return "No onboarding cohort has a churn rate yet." if all_missing(frame, "churn_rate") else None


def _no_roi(frame: pd.DataFrame, **_) -> str | None:
    return "No MDF was claimed, so there is no MDF ROI to draw." if all_missing(frame, "roi") else None


@checked(_no_cohorts)
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
        NaN cells (cohort not fully observed) are left blank; cohorts and
        columns without any value are left out, so no row or column is empty.
    ax
        Axes to draw on; a new figure when None.
    **kwargs
        Passed to ``seaborn.heatmap`` (defaults: ``cmap="Blues"``, cell
        annotations when the grid has at most 12 columns and 120 cells; for
        retention, colours capped at :data:`RETENTION_COLOUR_CAP` with an
        arrow on the colour bar when a cell is above it).

    Returns
    -------
    Axes
        The heatmap is ``ax.collections[0]`` (one cell per cohort × period).

    Raises
    ------
    NothingToDraw
        When the table is empty or every cell is NaN.
    ValueError
        If ``retention`` lacks a column.
    """
    import seaborn as sns
    _require(retention, ["cohort", "periods_since_onboarding", value], "retention")
    ax = get_axes(ax)
    title = _HEATMAP_TITLES.get(value, f"Cohort {label(value).lower()} by periods since onboarding")
    grid = retention.pivot(index="cohort", columns="periods_since_onboarding", values=value).astype("float64")
    grid = grid.dropna(how="all").dropna(axis=1, how="all")
    grid.index = [str(c) for c in grid.index]
    fraction = value in _FRACTIONS
    kwargs.setdefault("cmap", "Blues")
    kwargs.setdefault("annot", grid.shape[1] <= 12 and grid.size <= 120)
    kwargs.setdefault("fmt", ".0%" if fraction else ",.0f")
    kwargs.setdefault("cbar_kws", {"label": label(value)})
    if value == "retention" and "vmax" not in kwargs and grid.max().max() > RETENTION_COLOUR_CAP:
        kwargs["vmax"] = RETENTION_COLOUR_CAP
        kwargs["cbar_kws"] = {**kwargs["cbar_kws"], "extend": "max"}
    sns.heatmap(grid, ax=ax, **kwargs)
    if ax.collections and ax.collections[0].colorbar is not None:
        format_axis(ax.collections[0].colorbar.ax.yaxis, value)
    ax.set_title(title)
    ax.set_xlabel(label("periods_since_onboarding"))
    ax.set_ylabel(label("cohort"))
    return ax


@checked(_no_first_deals)
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
        Groups whose every first deal fell on the onboarding day share one
        marker at day 0, named in the legend ("msp and referral: every first
        deal on day 0").

    Raises
    ------
    NothingToDraw
        When no partner has a first deal, or every first deal fell on its
        onboarding day (a curve over 0 days would be an axis around zero).
    ValueError
        If ``km`` lacks a column.
    """
    _require(km, ["group", "days", "activated_share"], "km")
    ax = get_axes(ax)
    groups = list(km.groupby("group", sort=True))
    on_day_zero: dict[float, list[str]] = {}  # a curve over 0 days is a point: groups sharing one are named together
    for name, rows in groups:
        rows = rows.sort_values("days")
        days, share = rows["days"].to_numpy(dtype="float64"), rows["activated_share"].to_numpy(dtype="float64")
        if days.max() > 0:
            ax.step(days, share, where="post", label=str(name), **kwargs)
        else:
            on_day_zero.setdefault(float(share[-1]), []).append(str(name))
    for share, names in on_day_zero.items():
        listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"
        ax.plot([0.0], [share], marker="o", linestyle="none", clip_on=False, color="black",
                label=f"{listed}: every first deal on day 0")
    ax.set_ylim(0, 1.05)
    ax.set_xlim(left=0)
    format_axis(ax.yaxis, "activated_share")
    format_axis(ax.xaxis, "days")
    ax.set_title("Time to first deal (Kaplan–Meier)")
    ax.set_xlabel("Days since onboarding")
    ax.set_ylabel("Share of partners with a first deal")
    if len(groups) > 1:
        ax.legend()
    return ax


@checked(_no_churn)
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
        One bar per cohort, in cohort order; bar height = churn rate; as many
        cohort labels as fit (40 cohorts stay legible).

    Raises
    ------
    NothingToDraw
        When no cohort has a churn rate.
    ValueError
        If ``frame`` lacks a column.
    """
    _require(frame, ["cohort", "churn_rate"], "frame")
    ax = get_axes(ax)
    rows = frame.sort_values("cohort")
    x = np.arange(len(rows))
    ax.bar(x, rows["churn_rate"].to_numpy(dtype="float64"), **kwargs)
    thin_ticks(ax, x, [str(c) for c in rows["cohort"]])
    format_axis(ax.yaxis, "churn_rate")
    ax.set_title("Churn by onboarding cohort (churned by the as-of date)")
    ax.set_xlabel(label("cohort"))
    ax.set_ylabel(label("churn_rate"))
    return ax


@checked(_no_roi)
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
    NothingToDraw
        When no row has an ROI (nothing claimed).
    ValueError
        If ``frame`` lacks ``roi`` and a ``partner_id`` or ``partner_type``
        column.
    """
    key = "partner_id" if "partner_id" in frame.columns else "partner_type"
    _require(frame, [key, "roi"], "frame")
    ax = get_axes(ax)
    rows = frame.loc[frame["roi"].notna()]
    if key == "partner_id":
        rows = rows.sort_values(["roi", "partner_id"], ascending=[False, True], kind="stable").head(top)
        title = f"{label('mdf_roi')}: top {len(rows)} partners"
    else:
        rows = rows.sort_values(key)
        title = f"{label('mdf_roi')} by partner type"
    roi = rows["roi"].to_numpy(dtype="float64")
    kwargs.setdefault("color", [_POSITIVE if r >= 0 else _NEGATIVE for r in roi])
    x = np.arange(len(rows))
    ax.bar(x, roi, **kwargs)
    ax.axhline(0, color="black", linewidth=0.8)
    thin_ticks(ax, x, [str(k) for k in rows[key]], rotate=True)
    format_axis(ax.yaxis, "mdf_roi")
    ax.set_title(title)
    ax.set_xlabel(label(key))
    ax.set_ylabel(label("mdf_roi"))
    return ax
