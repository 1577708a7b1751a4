"""What one partner may see: its own numbers and anonymised peer aggregates.

:func:`partner_view` is the only door from the report context to a partner
report. It selects the partner's own rows and its peer aggregates
(percentile and quartiles within the same partner type, from
:mod:`partner_analytics.metrics.peers`, computed once for every partner by
:mod:`~partner_analytics.render.peer_aggregates`), released only when at least
``params.peer_group_min_size`` *other* partners of the type take part. It reads
nothing but those rows, so it works the same on the whole context and on one
partner's (:func:`~partner_analytics.render.partner_store.partner_context`). Below
that, nothing in the view (scores, percentiles, composite, peer medians)
reveals where the partner stands among its peers. Nothing in a
:class:`PartnerView` names or quantifies another partner, and the activity
list holds only the partner's own activities plus those of at least
``peer_group_min_size`` partners. The view computes nothing new: every
number comes from ``metrics``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..metrics.partner import kpi_changes, partner_history, revenue_targets
from ..metrics.registry import format_value
from ..plots.empty import PanelFigure
from ..plots.partner import (
    plot_engagement_vs_peers,
    plot_partner_deal_size,
    plot_partner_revenue,
    plot_partner_win_rate,
)
from ..plots.scorecard import plot_scorecard_breakdown
from .context import ReportContext
from .peer_aggregates import BENCHMARK_COLUMNS, kpi_names, trailing
from .wording import partial_last_bar

__all__ = ["PartnerView", "partner_view", "partner_figures", "kpi_tiles"]


@dataclass(frozen=True)
class PartnerView:
    """Partner-safe data for one partner report.

    Attributes
    ----------
    partner_id, name, partner_type, region
        The partner's own attributes.
    period, as_of
        Reporting period and the last day counted.
    period_label, versus, coverage_note
        The period as shown (``"2013Q4 to date: 60 of 92 days"`` when partial), what changes are
        measured against, and the page's data-coverage sentence.
    window
        The trailing year ending at the period, in words (``"the last 12 months"``).
    kpi_names
        The partner type's KPI set (scorecard KPIs; revenue first).
    tiles
        One row per KPI in ``kpi_names`` with a value now or before: ``kpi,
        value, prior, change`` (relative for currency and counts, absolute
        otherwise) and ``target`` (revenue target of the period, where set).
        A KPI that cannot be measured at all (e.g. pipeline coverage without
        targets) gets no tile; the scorecard table still lists it.
    partial_note
        For a partial period, the sentence under charts whose last bar is
        that period (:func:`~partner_analytics.render.wording.partial_last_bar`); else None.
    history
        The partner's own periods up to the reporting one: ``period, revenue,
        target, won_deals, lost_deals, win_rate, avg_deal_size``.
    engagement
        The partner's activity counts over ``window`` (``activity,
        quantity``) and, when the peer group is large enough, the peer median.
    satisfaction
        ``survey, value, responses`` over ``window``.
    breakdown
        The scorecard explained: ``kpi, value, score, weight, contribution``.
    composite
        Scorecard composite (0..100).
    tier
        One row: ``tier, next_tier, gap_to_next, at_risk_of_drop, reward_points``.
    insights
        The partner's findings (strengths and improvements with actions).
    benchmarks
        ``kpi, value, percentile, peer_p25, peer_median, peer_p75, peers``
        (:func:`~partner_analytics.metrics.peers.peer_benchmarks`; NaN for a KPI
        with too few peers; a KPI nobody has a value for is left out) or None
        when the peer group is too small.
    peers, peer_group_min_size
        Size of the peer group (other partners of the same type) and the
        minimum size for showing aggregates.
    comparable
        Whether the peer group is large enough to show the partner's position
        (scores, composite, percentiles).
    available
        Optional tables the program supplied (engagement, surveys, mdf).
    """

    partner_id: str
    name: str
    partner_type: str
    region: str
    period: pd.Period
    as_of: pd.Timestamp
    period_label: str
    versus: str
    coverage_note: str
    window: str
    partial_note: str | None
    kpi_names: tuple[str, ...]
    tiles: pd.DataFrame
    history: pd.DataFrame
    engagement: pd.DataFrame
    satisfaction: pd.DataFrame
    breakdown: pd.DataFrame
    composite: float
    tier: pd.Series
    insights: pd.DataFrame
    benchmarks: pd.DataFrame | None
    peers: int
    peer_group_min_size: int
    available: frozenset[str]
    comparable: bool


def partner_view(context: ReportContext, partner_id: str) -> PartnerView:
    """Build the partner-safe view of ``partner_id``.

    Raises
    ------
    KeyError
        If the partner is not in the program.
    """
    partner_id = str(partner_id)
    kpis = context.kpis.set_index("partner_id")
    if partner_id not in kpis.index:
        raise KeyError(f"partner {partner_id!r} is not in the program")
    me = kpis.loc[partner_id]
    names = kpi_names(context.params, me["partner_type"])
    minimum = context.params.peer_group_min_size
    group = _own_rows(context.peer_aggregates.groups, partner_id).iloc[0]
    peers = int(group["peers"])
    enough = peers >= minimum
    breakdown = context.breakdown.loc[context.breakdown["partner_id"] == partner_id,
                                      ["kpi", "value", "score", "weight", "contribution"]].reset_index(drop=True)
    if not enough:  # scores are peer percentiles: they would reveal the partner's position
        breakdown = breakdown.assign(score=np.nan, contribution=np.nan)
    coverage = context.coverage
    return PartnerView(
        partner_id=partner_id,
        name=str(me["partner_name"]),
        partner_type=str(me["partner_type"]),
        region="" if pd.isna(me["region"]) else str(me["region"]),
        period=context.period,
        as_of=context.facts.as_of,
        period_label=coverage.label,
        versus=coverage.versus(),
        coverage_note=coverage.note(),
        window=coverage.window,
        partial_note=None if coverage.complete else partial_last_bar(coverage.label),
        kpi_names=names,
        tiles=_measured(kpi_tiles(context, partner_id, names)),
        history=partner_history(context.facts, partner_id, period=context.period),
        engagement=_engagement(context, partner_id, int(group["engaged_peers"]) >= minimum),
        satisfaction=_satisfaction(context, partner_id),
        breakdown=breakdown,
        composite=float(context.scorecard.set_index("partner_id").loc[partner_id, "composite"]) if enough else np.nan,
        tier=_tier(context, partner_id, enough),
        insights=context.partner_insights.loc[context.partner_insights["partner_id"] == partner_id].reset_index(drop=True),
        benchmarks=_measured_benchmarks(_own_rows(context.peer_aggregates.benchmarks, partner_id)[BENCHMARK_COLUMNS])
        if enough else None,
        peers=peers,
        peer_group_min_size=minimum,
        available=context.facts.available,
        comparable=enough,
    )


def partner_figures(view: PartnerView) -> dict[str, PanelFigure]:
    """The charts the partner report draws for ``view``, by section; a section that shows a note instead is left out.

    ``"revenue"`` (revenue, win rate and deal size by period) needs a history,
    ``"engagement"`` the engagement table and some activity, ``"scorecard"``
    (the composite's breakdown) enough peers and at least one score.
    """
    figures = {}
    if not view.history.empty:
        figures["revenue"] = PanelFigure([(plot_partner_revenue, view.history, {}),
                                          (plot_partner_win_rate, view.history, {}),
                                          (plot_partner_deal_size, view.history, {})], figsize=(8, 9))
    if "engagement" in view.available and view.engagement["quantity"].gt(0).any():
        figures["engagement"] = PanelFigure([(plot_engagement_vs_peers, view.engagement, {"window": view.window})],
                                            figsize=(8, 3.2))
    if view.comparable and not view.breakdown["score"].isna().all():
        breakdown = view.breakdown.assign(partner_id=view.partner_id)
        figures["scorecard"] = PanelFigure([(plot_scorecard_breakdown, breakdown, {"partner_id": view.partner_id})],
                                           figsize=(6.4, 4.8))
    return figures


def _tier(context: ReportContext, partner_id: str, comparable: bool) -> pd.Series:
    """The partner's tier row; below the peer minimum without the score and the gap (they reveal its position)."""
    tier = context.tiers.set_index("partner_id").loc[partner_id].copy()
    if not comparable:
        tier[["composite", "gap_to_next"]] = np.nan
        tier["at_risk_of_drop"] = False
    return tier


def kpi_tiles(context: ReportContext, partner_id: str, names: tuple[str, ...]) -> pd.DataFrame:
    """The partner's KPI values with change vs the prior period (like-for-like when partial) and the revenue target."""
    current = context.kpis.set_index("partner_id").loc[partner_id]
    prior = context.prior_kpis.set_index("partner_id")
    tiles = kpi_changes(current, prior.loc[partner_id] if partner_id in prior.index else {}, names)
    target = revenue_targets(context.facts, partner_id).get(context.period, np.nan)
    tiles["target"] = np.where(tiles["kpi"] == "revenue", target, np.nan)
    return tiles


def _measured(tiles: pd.DataFrame) -> pd.DataFrame:
    """The tiles with a value now or in the prior period (an all-blank tile says nothing)."""
    return tiles.dropna(subset=["value", "prior"], how="all").reset_index(drop=True)


def _measured_benchmarks(benchmarks: pd.DataFrame) -> pd.DataFrame:
    """The benchmark rows with a value for the partner or its peers (a row of dashes says nothing)."""
    return benchmarks.dropna(subset=["value", "peer_median"], how="all").reset_index(drop=True)


def _own_rows(frame: pd.DataFrame, partner_id: str) -> pd.DataFrame:
    """The rows of ``frame`` that belong to ``partner_id``, renumbered from 0."""
    return frame[frame["partner_id"] == partner_id].reset_index(drop=True)


def _engagement(context: ReportContext, partner_id: str, with_peers: bool) -> pd.DataFrame:
    """Own activity counts over the trailing year; the peer median only with enough peers.

    Listed activities: the partner's own, plus those at least
    ``peer_group_min_size`` partners took part in (an activity code only
    another partner uses is not shown). The peer medians were computed once
    for every partner (:attr:`~partner_analytics.render.peer_aggregates.PeerAggregates.engagement`).
    """
    activity = trailing(context.facts.engagement, context.facts, context.period)
    activity = activity[activity["quantity"] > 0]
    mine = activity[activity["partner_id"] == partner_id].groupby("activity")["quantity"].sum()
    shown = sorted(set(mine.index) | set(context.peer_aggregates.activities))
    out = pd.DataFrame({"activity": pd.Series(shown, dtype=str)})
    out["quantity"] = out["activity"].map(mine).fillna(0.0).astype(float)
    if with_peers:
        medians = _own_rows(context.peer_aggregates.engagement, partner_id).set_index("activity")["peer_median"]
        out["peer_median"] = out["activity"].map(medians).to_numpy(dtype=float)
    return out


def _satisfaction(context: ReportContext, partner_id: str) -> pd.DataFrame:
    surveys = trailing(context.facts.surveys, context.facts, context.period)
    mine = surveys[surveys["partner_id"] == partner_id].groupby("survey")["responses"].sum()
    value = context.kpis.set_index("partner_id").loc[partner_id]
    return pd.DataFrame([{"survey": s, "value": float(value[s]), "responses": float(mine.get(s, 0.0))}
                         for s in ("psat", "partner_nps", "csat")])


def display_value(kpi_name: str, value: float) -> str:
    """Registry formatting (kept here so templates need one import)."""
    return format_value(kpi_name, value)
