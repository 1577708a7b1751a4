"""Peer aggregates computed once for every partner equal the per-partner definitions (metrics.peers)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import partner_analytics as pa
from partner_analytics.metrics.peers import peer_benchmarks, peer_quantile, peer_quantiles_without_self
from partner_analytics.params import load_params
from partner_analytics.render.context import build_context
from partner_analytics.render.peer_aggregates import BENCHMARK_COLUMNS, kpi_names, trailing
from partner_analytics.sample import generate_sample


def test_quantiles_without_each_member_equal_the_quantile_of_the_others():
    rng = np.random.default_rng(3)
    for _ in range(300):
        values = np.round(rng.normal(size=int(rng.integers(0, 25))) * 1000, int(rng.integers(0, 3)))
        if len(values) > 3:
            values[rng.integers(0, len(values), size=3)] = values[0]  # ties
            values[1] = np.nan  # a member without a value
        k, q = int(rng.integers(1, 9)), float(rng.choice([0.25, 0.5, 0.75]))
        own = np.append(values, np.nan)  # the last one is no member: nothing left out
        got = peer_quantiles_without_self(values, own, q, min_peers=k)
        for i in range(len(own)):
            others = values if i == len(values) else np.delete(values, i)
            expected = peer_quantile(others, q, min_peers=k)
            assert got[i] == expected or (np.isnan(got[i]) and np.isnan(expected)), (values, i, k, q)


@pytest.fixture(scope="module")
def context():
    """40 partners; one type cut to three (too few peers) and one partner no longer enrolled."""
    frames = generate_sample(n_partners=40)
    partners = frames["partners"]
    small = partners.loc[partners["partner_type"] == "distributor", "partner_id"]
    keep = set(partners["partner_id"]) - set(small.iloc[3:])
    frames = {name: frame[frame["partner_id"].isin(keep) | frame["partner_id"].isna()] if "partner_id" in frame
              else frame for name, frame in frames.items()}
    return build_context(pa.build_program(frames, source="peer aggregates"), load_params())


def _old_engagement_median(context, partner_id: str) -> pd.Series | None:
    """The partner report's engagement peer medians as it computed them for one partner, scanning every partner."""
    minimum = context.params.peer_group_min_size
    activity = trailing(context.facts.engagement, context.facts, context.period)
    activity = activity[activity["quantity"] > 0]
    mine = activity[activity["partner_id"] == partner_id].groupby("activity")["quantity"].sum()
    takers = activity.groupby("activity")["partner_id"].nunique()
    shown = sorted(set(mine.index) | set(takers.index[takers >= minimum]))
    kpis = context.kpis
    partner_type = kpis.set_index("partner_id").loc[partner_id, "partner_type"]
    peer_ids = kpis.loc[(kpis["partner_type"] == partner_type) & kpis["enrolled"] & (kpis["partner_id"] != partner_id),
                        "partner_id"]
    if len(peer_ids) < minimum:
        return None
    per_peer = (activity[activity["partner_id"].isin(peer_ids)]
                .pivot_table(index="partner_id", columns="activity", values="quantity", aggfunc="sum")
                .reindex(index=peer_ids, columns=shown).fillna(0.0))
    return pd.Series([peer_quantile(per_peer[a].to_numpy(), 0.5, min_peers=minimum) for a in shown], index=shown)


def test_every_partners_benchmarks_equal_peer_benchmarks(context):
    aggregates, minimum = context.peer_aggregates, context.params.peer_group_min_size
    assert (~context.kpis["enrolled"]).any() and (aggregates.groups["peers"] < minimum).any()
    for partner_id, partner_type in context.kpis[["partner_id", "partner_type"]].itertuples(index=False):
        names = kpi_names(context.params, partner_type)
        expected = peer_benchmarks(context.kpis, partner_id, names, min_peers=minimum)
        got = aggregates.benchmarks.loc[aggregates.benchmarks["partner_id"] == partner_id, BENCHMARK_COLUMNS]
        pd.testing.assert_frame_equal(got.reset_index(drop=True), expected, check_exact=True)


def test_every_partners_engagement_peer_medians_equal_the_per_partner_computation(context):
    aggregates, minimum = context.peer_aggregates, context.params.peer_group_min_size
    groups = aggregates.groups.set_index("partner_id")
    compared = 0
    for partner_id, partner_type in context.kpis[["partner_id", "partner_type"]].itertuples(index=False):
        same = context.kpis[context.kpis["partner_type"] == partner_type]
        assert groups.loc[partner_id, "peers"] == len(same) - 1
        assert groups.loc[partner_id, "engaged_peers"] == (same["enrolled"] & (same["partner_id"] != partner_id)).sum()
        expected = _old_engagement_median(context, partner_id)
        rows = aggregates.engagement[aggregates.engagement["partner_id"] == partner_id]
        if expected is None:
            assert groups.loc[partner_id, "engaged_peers"] < minimum and rows.empty
            continue
        got = rows.set_index("activity")["peer_median"].sort_index()
        assert list(got.index) == list(expected.index)
        assert got.to_numpy().tolist() == expected.to_numpy().tolist()
        compared += 1
    assert compared >= 30
