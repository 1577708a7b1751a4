"""What one partner may see: its own numbers and anonymised peer aggregates.

:func:`partner_view` is the only door from the report context to a partner
report. It selects the partner's own rows and turns peers into aggregates
(percentile and quartiles within the same partner type) that are released
only when the peer group has at least ``params.peer_group_min_size`` members.
Nothing in a :class:`PartnerView` names or quantifies another partner.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..metrics.registry import KPIS, format_value
from .context import ReportContext

__all__ = ["PartnerView", "partner_view", "peer_benchmarks", "kpi_tiles"]

_RELATIVE_UNITS = ("currency", "count")


@dataclass(frozen=True)
class PartnerView:
    """Partner-safe data for one partner report.

    Attributes
    ----------
    partner_id, name, partner_type, region
        The partner's own attributes.
    period, as_of
        Reporting period and the last day counted.
    kpi_names
        The partner type's KPI set (scorecard KPIs; revenue first).
    tiles
        One row per KPI in ``kpi_names``: ``kpi, value, prior, change``
        (relative for currency and counts, absolute otherwise) and ``target``
        (revenue target of the period, where set).
    history
        The partner's own periods up to the reporting one: ``period, revenue,
        target, won_deals, lost_deals, win_rate, avg_deal_size``.
    engagement
        The partner's activity counts over the last four quarters (``activity,
        quantity``) and, when the peer group is large enough, the peer median.
    satisfaction
        ``survey, value, responses`` over the last four quarters.
    breakdown
        The scorecard explained: ``kpi, value, score, weight, contribution``.
    composite
        Scorecard composite (0..100).
    tier
        One row: ``tier, next_tier, gap_to_next, at_risk_of_drop, reward_points``.
    insights
        The partner's findings (strengths and improvements with actions).
    benchmarks
        ``kpi, value, percentile, peer_p25, peer_median, peer_p75, peers`` or
        None when the peer group is smaller than ``peer_group_min_size``.
    peers, peer_group_min_size
        Size of the peer group (same type, excluding the partner) and the
        minimum size for showing aggregates.
    available
        Optional tables the program supplied (engagement, surveys, mdf).
    """

    partner_id: str
    name: str
    partner_type: str
    region: str
    period: pd.Period
    as_of: pd.Timestamp
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
    names = _kpi_names(context, me["partner_type"])
    peers = _peers(context, partner_id, me["partner_type"])
    enough = len(peers) >= context.params.peer_group_min_size
    return PartnerView(
        partner_id=partner_id,
        name=str(me["partner_name"]),
        partner_type=str(me["partner_type"]),
        region="" if pd.isna(me["region"]) else str(me["region"]),
        period=context.period,
        as_of=context.facts.as_of,
        kpi_names=names,
        tiles=kpi_tiles(context, partner_id, names),
        history=_history(context, partner_id),
        engagement=_engagement(context, partner_id, peers if enough else None),
        satisfaction=_satisfaction(context, partner_id),
        breakdown=context.breakdown.loc[context.breakdown["partner_id"] == partner_id,
                                        ["kpi", "value", "score", "weight", "contribution"]].reset_index(drop=True),
        composite=float(context.scorecard.set_index("partner_id").loc[partner_id, "composite"]),
        tier=context.tiers.set_index("partner_id").loc[partner_id],
        insights=context.partner_insights.loc[context.partner_insights["partner_id"] == partner_id].reset_index(drop=True),
        benchmarks=peer_benchmarks(me, peers, names) if enough else None,
        peers=len(peers),
        peer_group_min_size=context.params.peer_group_min_size,
        available=context.facts.available,
    )


def _kpi_names(context: ReportContext, partner_type: str) -> tuple[str, ...]:
    names = list(context.params.weights_for(partner_type))
    return tuple(["revenue", *[n for n in names if n != "revenue"]])


def _peers(context: ReportContext, partner_id: str, partner_type: str) -> pd.DataFrame:
    kpis = context.kpis
    same_type = (kpis["partner_type"] == partner_type) & kpis["enrolled"] & (kpis["partner_id"] != partner_id)
    return kpis.loc[same_type, list(KPIS)].reset_index(drop=True)


def kpi_tiles(context: ReportContext, partner_id: str, names: tuple[str, ...]) -> pd.DataFrame:
    """The partner's KPI values with change vs the prior period and the revenue target."""
    current = context.kpis.set_index("partner_id").loc[partner_id]
    prior = context.prior_kpis.set_index("partner_id")
    prior = prior.loc[partner_id] if partner_id in prior.index else pd.Series(np.nan, index=current.index)
    rows = []
    for name in names:
        value, before = float(current[name]), float(prior[name])
        if KPIS[name].unit in _RELATIVE_UNITS:
            change = value / before - 1 if before else np.nan
        else:
            change = value - before
        rows.append({"kpi": name, "value": value, "prior": before, "change": change})
    tiles = pd.DataFrame(rows)
    targets = _revenue_targets(context, partner_id)
    tiles["target"] = np.where(tiles["kpi"] == "revenue", targets.get(context.period, np.nan), np.nan)
    return tiles


def _revenue_targets(context: ReportContext, partner_id: str) -> pd.Series:
    actuals = context.facts.target_actuals
    mine = actuals[(actuals["partner_id"] == partner_id) & (actuals["kpi"] == "revenue")]
    return mine.groupby(mine["period_start"].dt.to_period(context.facts.freq))["target"].sum()


def _history(context: ReportContext, partner_id: str) -> pd.DataFrame:
    periods = context.facts.partner_periods
    mine = periods[(periods["partner_id"] == partner_id) & (periods["period"] <= context.period) & periods["enrolled"]]
    closed = mine["won_deals"] + mine["lost_deals"]
    history = pd.DataFrame(
        {
            "period": mine["period"].to_numpy(),
            "revenue": mine["revenue"].to_numpy(),
            "won_deals": mine["won_deals"].to_numpy(),
            "lost_deals": mine["lost_deals"].to_numpy(),
            "win_rate": (mine["won_deals"] / closed.where(closed > 0)).to_numpy(),
            "avg_deal_size": (mine["revenue"] / mine["won_deals"].where(mine["won_deals"] > 0)).to_numpy(),
        }
    )
    history.insert(2, "target", history["period"].map(_revenue_targets(context, partner_id)).astype(float))
    return history


def _trailing(frame: pd.DataFrame, context: ReportContext, partner_id: str | None = None) -> pd.DataFrame:
    year = 4 if context.facts.freq == "Q" else 12
    window = (frame["period"] > context.period - year) & (frame["period"] <= context.period)
    if partner_id is not None:
        window &= frame["partner_id"] == partner_id
    return frame[window]


def _engagement(context: ReportContext, partner_id: str, peers: pd.DataFrame | None) -> pd.DataFrame:
    activity = _trailing(context.facts.engagement, context)
    mine = activity[activity["partner_id"] == partner_id].groupby("activity")["quantity"].sum()
    out = pd.DataFrame({"activity": sorted(set(activity["activity"]))})
    out["quantity"] = out["activity"].map(mine).fillna(0.0)
    if peers is not None:
        kpis = context.kpis
        peer_ids = kpis.loc[kpis["partner_type"].isin(kpis.loc[kpis["partner_id"] == partner_id, "partner_type"])
                            & kpis["enrolled"] & (kpis["partner_id"] != partner_id), "partner_id"]
        per_peer = (activity[activity["partner_id"].isin(peer_ids)]
                    .pivot_table(index="partner_id", columns="activity", values="quantity", aggfunc="sum")
                    .reindex(index=peer_ids, columns=out["activity"]).fillna(0.0))
        out["peer_median"] = out["activity"].map(per_peer.median()).astype(float)
    return out


def _satisfaction(context: ReportContext, partner_id: str) -> pd.DataFrame:
    mine = _trailing(context.facts.surveys, context, partner_id).groupby("survey")[
        ["responses", "score_pct_sum", "promoters", "detractors"]].sum()
    rows = []
    for survey, kpi_name in (("psat", "psat"), ("partner_nps", "partner_nps"), ("csat", "csat")):
        value = context.kpis.set_index("partner_id").loc[partner_id, kpi_name]
        responses = mine.loc[survey, "responses"] if survey in mine.index else 0.0
        rows.append({"survey": kpi_name, "value": float(value), "responses": float(responses)})
    return pd.DataFrame(rows)


def peer_benchmarks(me: pd.Series, peers: pd.DataFrame, names: tuple[str, ...]) -> pd.DataFrame:
    """The partner's standing among its peers, as anonymised aggregates.

    ``percentile`` = share of peers with a worse value, ties counted half
    (0..1, direction from the registry); ``peer_p25``, ``peer_median``,
    ``peer_p75`` are quartiles of the peers' values (the partner excluded);
    ``peers`` counts peers with a value. NaN when the partner has no value.
    """
    rows = []
    for name in names:
        values = peers[name].dropna().to_numpy(dtype=float)
        value = float(me[name])
        if len(values) == 0 or np.isnan(value):
            pct = np.nan
        else:
            below = (values < value).sum() if KPIS[name].higher_is_better else (values > value).sum()
            pct = (below + 0.5 * (values == value).sum()) / len(values)
        quartiles = np.quantile(values, [0.25, 0.5, 0.75]) if len(values) else [np.nan] * 3
        rows.append({"kpi": name, "value": value, "percentile": pct, "peer_p25": quartiles[0],
                     "peer_median": quartiles[1], "peer_p75": quartiles[2], "peers": len(values)})
    return pd.DataFrame(rows)


def display_value(kpi_name: str, value: float) -> str:
    """Registry formatting (kept here so templates need one import)."""
    return format_value(kpi_name, value)
