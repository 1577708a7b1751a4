"""Plots for scorecards and tiers.

Each ``plot_*`` takes the frame a metric function returns, draws on ``ax``
(a new figure only when ``ax`` is None), passes ``**kwargs`` to the main
artist and returns the Axes. No global state: titles via ``ax.set_title``, no
rcParams changes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from ..labels import label
from ..metrics.checks import require_columns as _require
from ..params import Params
from .axes import get_axes
from .empty import all_missing, checked
from .formatting import format_axis

__all__ = ["plot_scorecard_breakdown", "plot_tier_distribution", "plot_composite_distribution"]

_NO_TIER = "no tier"
_BINS = np.linspace(0.0, 100.0, 11)


def _no_breakdown(breakdown: pd.DataFrame, *, partner_id: str = "", **_) -> str | None:
    if not {"partner_id", "contribution"} <= set(breakdown.columns):
        return None
    rows = breakdown[breakdown["partner_id"] == partner_id]
    if rows.empty:
        return None  # the plot names the unknown partner
    return "No KPI of the scorecard has a value this period, so there is no score to explain." if all_missing(
        rows, "contribution") else None


def _no_tiers(dist: pd.DataFrame, **_) -> str | None:
    return "No partner has a tier yet." if all_missing(dist, "partners", zero=True) else None


def _no_scores(scorecard: pd.DataFrame, **_) -> str | None:
    return "No partner has a composite score yet." if all_missing(scorecard, "composite") else None


@checked(_no_breakdown)
def plot_scorecard_breakdown(
    breakdown: pd.DataFrame, *, partner_id: str, ax: Axes | None = None, **kwargs
) -> Axes:
    """Waterfall of one partner's composite score: each KPI's contribution in points.

    Parameters
    ----------
    breakdown
        :func:`partner_analytics.metrics.scorecard.scorecard_breakdown` output.
    partner_id
        Partner to draw.
    ax
        Axes to draw on; a new figure when None.
    **kwargs
        Passed to ``ax.barh`` for the KPI bars.

    Returns
    -------
    Axes
        One horizontal bar per KPI with a score, starting where the previous
        one ended (KPIs without a score keep their row, labelled "no data",
        without a bar), then a "Composite" bar from 0 to the total.

    Raises
    ------
    NothingToDraw
        When none of the partner's KPIs has a score.
    ValueError
        If a column is missing or ``partner_id`` is not in ``breakdown``.
    """
    _require(breakdown, ["partner_id", "kpi", "contribution"], "breakdown")
    rows = breakdown[breakdown["partner_id"] == partner_id]
    if rows.empty:
        raise ValueError(f"partner_id {partner_id!r} is not in the breakdown")
    ax = get_axes(ax)
    contribution = rows["contribution"].to_numpy(dtype=float, na_value=np.nan)
    has_score = ~np.isnan(contribution)
    starts = np.concatenate([[0.0], np.cumsum(np.where(has_score, contribution, 0.0))[:-1]])
    y = np.arange(len(rows))
    ax.barh(y[has_score], contribution[has_score], left=starts[has_score], label="KPI contribution", **kwargs)
    for yi, start, width in zip(y[has_score], starts[has_score], contribution[has_score]):
        ax.text(start + width, yi, f" +{width:.1f}", va="center", fontsize="small")
    total = float(contribution[has_score].sum()) if has_score.any() else np.nan
    if has_score.any():
        ax.barh([len(rows)], [total], color="0.3", label="Composite")
        ax.text(total, len(rows), f" {total:.1f}", va="center", fontsize="small")
    labels = [label(k) for k in rows["kpi"]]
    labels = [lab if ok else f"{lab} (no data)" for lab, ok in zip(labels, has_score)]
    ax.set_yticks(np.arange(len(rows) + 1), labels + ["Composite"])
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("Points of the composite score (0-100)")
    ax.set_title(f"Composite score explained: partner {partner_id}")
    return ax


@checked(_no_tiers)
def plot_tier_distribution(dist: pd.DataFrame, *, ax: Axes | None = None, **kwargs) -> Axes:
    """Bar chart of partners per tier, highest tier first, labelled with counts and shares.

    Parameters
    ----------
    dist
        :func:`partner_analytics.metrics.tiers.tier_distribution` output; a
        row with ``tier`` NA is labelled "no tier".
    ax
        Axes to draw on; a new figure when None.
    **kwargs
        Passed to ``ax.bar``.

    Returns
    -------
    Axes
        One bar per row of ``dist``, height = ``partners``; counts as whole
        numbers.

    Raises
    ------
    NothingToDraw
        When no partner has a tier.
    """
    _require(dist, ["tier", "partners", "share"], "dist")
    ax = get_axes(ax)
    x = np.arange(len(dist))
    heights = dist["partners"].to_numpy(dtype=float)
    ax.bar(x, heights, **kwargs)
    for xi, n, share in zip(x, heights, dist["share"]):
        text = f"{n:,.0f}" if pd.isna(share) else f"{n:,.0f} ({share:.0%})"
        ax.text(xi, n, text, ha="center", va="bottom", fontsize="small")
    ax.set_xticks(x, [_NO_TIER if pd.isna(t) else str(t) for t in dist["tier"]])
    format_axis(ax.yaxis, "partners")
    ax.set_xlabel(label("tier"))
    ax.set_ylabel(label("partners"))
    ax.set_title("Partners by tier")
    return ax


@checked(_no_scores)
def plot_composite_distribution(
    scorecard: pd.DataFrame, *, params: Params | None = None, ax: Axes | None = None, **kwargs
) -> Axes:
    """Stacked histogram of composite scores by partner type, with tier thresholds.

    Parameters
    ----------
    scorecard
        :func:`partner_analytics.metrics.scorecard.scorecard` output. Partners
        with a NaN composite are left out.
    params
        When given, a dashed vertical line marks each tier minimum above 0.
    ax
        Axes to draw on; a new figure when None.
    **kwargs
        Passed to ``ax.hist``.

    Returns
    -------
    Axes
        Ten 10-point bins from 0 to 100, one stacked series per partner type
        (sorted by name); whole-number partner counts on the y axis.

    Raises
    ------
    NothingToDraw
        When no partner has a composite score.
    """
    _require(scorecard, ["partner_type", "composite"], "scorecard")
    ax = get_axes(ax)
    scored = scorecard[scorecard["composite"].notna()]
    types = sorted(scored["partner_type"].dropna().unique())
    if types:
        data = [scored.loc[scored["partner_type"] == t, "composite"].to_numpy(dtype=float) for t in types]
        ax.hist(data, bins=_BINS, stacked=True, label=[str(t) for t in types], **kwargs)
    if params is not None:
        for tier in params.tiers.levels:
            if tier.min_score > 0:
                ax.axvline(tier.min_score, color="0.3", linestyle="--", linewidth=1)
                ax.text(tier.min_score, 1.0, f" {tier.name}", transform=ax.get_xaxis_transform(),
                        va="top", fontsize="small")
    ax.set_xlim(0, 100)
    format_axis(ax.yaxis, "partners")
    ax.set_xlabel("Composite score (0-100)")
    ax.set_ylabel(label("partners"))
    ax.set_title("Composite score distribution by partner type")
    if types:
        ax.legend(title=label("partner_type"))
    return ax
