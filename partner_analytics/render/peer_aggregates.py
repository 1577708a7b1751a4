"""Every partner's peer aggregates, computed once per batch rather than once per partner report.

A partner report compares the partner with the other partners of its type
(:func:`~partner_analytics.render.partner_view.partner_view`). Computed for
one partner at a time, each comparison scans every partner of the program, so
a report's cost grew with the program. :func:`peer_aggregates` computes the
same numbers for all partners at once, one sort per partner type and KPI
(:func:`~partner_analytics.metrics.peers.peer_quantiles_without_self`), and the
report only looks its own rows up. The numbers are exactly those of
:func:`~partner_analytics.metrics.peers.peer_benchmarks` and
:func:`~partner_analytics.metrics.peers.peer_quantile` for one partner
(``tests/test_peer_aggregates.py`` checks every partner against them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..metrics.peers import peer_quantiles_without_self, percentile_ranks
from ..metrics.registry import KPIS
from ..params import Params
from ..periods import in_trailing_window, periods_per_year
from ..rollup import Rollup

__all__ = ["PeerAggregates", "peer_aggregates", "kpi_names", "trailing", "BENCHMARK_COLUMNS"]

BENCHMARK_COLUMNS = ["kpi", "value", "percentile", "peer_p25", "peer_median", "peer_p75", "peers"]
"""Columns of :func:`~partner_analytics.metrics.peers.peer_benchmarks`."""


@dataclass(frozen=True)
class PeerAggregates:
    """What the partner reports show about each partner's peers; nothing here names a peer.

    Attributes
    ----------
    groups
        One row per partner: ``partner_id``, ``peers`` (other partners of the
        same type) and ``engaged_peers`` (other *enrolled* partners of the
        same type: the engagement comparison's group).
    benchmarks
        ``partner_id`` and the columns of
        :func:`~partner_analytics.metrics.peers.peer_benchmarks`, one row per
        partner and KPI of its type's set (:func:`kpi_names`, in that order).
    activities
        The activity codes at least ``peer_group_min_size`` partners took part
        in over the trailing year (every report lists them).
    engagement
        ``partner_id, activity, peer_median``: for each partner with at least
        ``peer_group_min_size`` engaged peers, the peers' median quantity
        (:func:`~partner_analytics.metrics.peers.peer_quantile`, peers without
        the activity counting 0) of every activity its report lists.
    """

    groups: pd.DataFrame
    benchmarks: pd.DataFrame
    activities: tuple[str, ...]
    engagement: pd.DataFrame


def kpi_names(params: Params, partner_type: str) -> tuple[str, ...]:
    """The KPI set of ``partner_type``: its scorecard KPIs, revenue first."""
    names = list(params.weights_for(partner_type))
    return tuple(["revenue", *[n for n in names if n != "revenue"]])


def trailing(frame: pd.DataFrame, facts: Rollup, period: pd.Period) -> pd.DataFrame:
    """The rows of ``frame`` in the trailing year ending at ``period``."""
    return frame[in_trailing_window(frame["period"], end=period, n_periods=periods_per_year(facts.freq))]


def peer_aggregates(kpis: pd.DataFrame, facts: Rollup, params: Params, *, period: pd.Period) -> PeerAggregates:
    """Compute :class:`PeerAggregates` for every partner of ``kpis`` (one row per partner)."""
    minimum = params.peer_group_min_size
    type_size = kpis.groupby("partner_type")["partner_id"].transform("size")
    enrolled = kpis["enrolled"].astype(bool)
    engaged_size = enrolled.groupby(kpis["partner_type"]).transform("sum")
    groups = pd.DataFrame({
        "partner_id": kpis["partner_id"].to_numpy(),
        "peers": (type_size.fillna(1) - 1).astype(int).to_numpy(),
        "engaged_peers": (engaged_size.fillna(0) - enrolled).astype(int).to_numpy(),
    })
    activity = trailing(facts.engagement, facts, period)
    activity = activity[activity["quantity"] > 0]
    takers = activity.groupby("activity")["partner_id"].nunique()
    activities = tuple(sorted(takers.index[takers >= minimum]))
    return PeerAggregates(
        groups=groups,
        benchmarks=_benchmarks(kpis, params, minimum),
        activities=activities,
        engagement=_engagement_medians(kpis, activity, activities, groups, minimum),
    )


def _benchmarks(kpis: pd.DataFrame, params: Params, minimum: int) -> pd.DataFrame:
    """:func:`~partner_analytics.metrics.peers.peer_benchmarks` of every partner, one partner type at a time."""
    parts = []
    for partner_type, same in kpis.groupby("partner_type", sort=False):
        for name in kpi_names(params, partner_type):
            value = same[name].astype(float)
            v = value.to_numpy()
            has = ~np.isnan(v)
            peers = has.sum() - has
            shown = (peers >= minimum) & has
            signed = value * (1.0 if KPIS[name].higher_is_better else -1.0)
            quartiles = [np.where(shown, peer_quantiles_without_self(v, v, q, min_peers=minimum), np.nan)
                         for q in (0.25, 0.5, 0.75)]
            parts.append(pd.DataFrame({
                "partner_id": same["partner_id"].to_numpy(), "kpi": name, "value": v,
                "percentile": np.where(shown, percentile_ranks(signed).to_numpy(), np.nan),
                "peer_p25": quartiles[0], "peer_median": quartiles[1], "peer_p75": quartiles[2], "peers": peers,
            }))
    if not parts:
        return pd.DataFrame(columns=["partner_id", *BENCHMARK_COLUMNS])
    return pd.concat(parts, ignore_index=True)


def _engagement_medians(kpis: pd.DataFrame, activity: pd.DataFrame, activities: tuple[str, ...],
                        groups: pd.DataFrame, minimum: int) -> pd.DataFrame:
    """Peer medians of each listed activity, for the partners with at least ``minimum`` engaged peers."""
    own = activity[["partner_id", "activity"]].drop_duplicates()
    parts = []
    enough = groups["engaged_peers"].to_numpy() >= minimum
    for partner_type, members in kpis[enough].groupby("partner_type", sort=False):
        engaged = kpis.loc[(kpis["partner_type"] == partner_type) & kpis["enrolled"].astype(bool), "partner_id"]
        listed = sorted(set(activities) | set(own.loc[own["partner_id"].isin(members["partner_id"]), "activity"]))
        per_peer = (activity[activity["partner_id"].isin(engaged)]
                    .pivot_table(index="partner_id", columns="activity", values="quantity", aggfunc="sum")
                    .reindex(index=engaged, columns=listed).fillna(0.0))
        mine = per_peer.reindex(index=members["partner_id"])  # NaN for a partner outside the group: none left out
        medians = pd.DataFrame({a: peer_quantiles_without_self(per_peer[a].to_numpy(), mine[a].to_numpy(), 0.5,
                                                               min_peers=minimum) for a in listed},
                               index=members["partner_id"].to_numpy(), columns=listed)
        shown = pd.concat([pd.DataFrame({"partner_id": members["partner_id"].to_numpy()}).merge(
            pd.DataFrame({"activity": list(activities)}), how="cross"),
            own[own["partner_id"].isin(members["partner_id"])]]).drop_duplicates()
        rows = medians.stack().rename("peer_median").rename_axis(["partner_id", "activity"]).reset_index()
        parts.append(rows.merge(shown, on=["partner_id", "activity"]))
    if not parts:
        return pd.DataFrame(columns=["partner_id", "activity", "peer_median"])
    return pd.concat(parts, ignore_index=True)
