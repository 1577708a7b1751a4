"""Peer statistics never disclose one peer: k-anonymity rules of the partner report (metrics.peers, partner_view)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import partner_analytics as pa
from partner_analytics.metrics.peers import peer_benchmarks, peer_quantile, percentile_ranks
from partner_analytics.metrics.scorecard import kpi_scores
from partner_analytics.params import load_params
from partner_analytics.render.context import build_context
from partner_analytics.render.partner_view import partner_view
from partner_analytics.sample import generate_sample

pytestmark = pytest.mark.faults


def _table(values: list[float], kpi: str = "revenue") -> pd.DataFrame:
    return pd.DataFrame({"partner_id": [f"P{i}" for i in range(len(values))], "partner_type": "reseller",
                         kpi: values})


@pytest.mark.parametrize("n", [5, 6, 7, 9, 12, 25])
def test_no_shown_peer_quartile_equals_a_single_peers_value(n):
    values = np.arange(1.0, n + 1.0) ** 2  # distinct values: any equality would disclose one peer
    for q in (0.25, 0.5, 0.75):
        shown = peer_quantile(values, q, min_peers=5)
        assert not np.isclose(values, shown).any(), (n, q, shown)


def test_with_five_peers_the_median_is_not_the_middle_peer():
    assert peer_quantile(np.array([10.0, 20.0, 30.0, 40.0, 1000.0]), 0.5, min_peers=5) == 220.0


def test_peer_statistics_need_the_minimum_number_of_other_partners():
    table = _table([1.0, 2.0, 3.0, 4.0, 5.0])  # P0 has 4 peers
    below = peer_benchmarks(table, "P0", ["revenue"], min_peers=5).iloc[0]
    assert below["peers"] == 4 and below[["percentile", "peer_p25", "peer_median", "peer_p75"]].isna().all()
    enough = peer_benchmarks(table, "P0", ["revenue"], min_peers=4).iloc[0]
    assert enough["percentile"] == 0.0 and enough["peer_median"] == pytest.approx(3.5)


def test_the_threshold_does_not_count_the_partner_itself():
    table = _table([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])  # five others
    assert peer_benchmarks(table, "P5", ["revenue"], min_peers=5).iloc[0]["peers"] == 5
    assert peer_benchmarks(table, "P5", ["revenue"], min_peers=5).iloc[0]["percentile"] == 1.0


def test_the_partner_percentile_is_the_scorecard_score():
    rng = np.random.default_rng(7)
    table = _table(list(rng.normal(100, 30, 40).round(2)))
    table.loc[3, "revenue"] = table.loc[4, "revenue"]  # a tie
    scores = kpi_scores(table).set_index("partner_id")["score"]
    for partner in table["partner_id"]:
        pct = peer_benchmarks(table, partner, ["revenue"], min_peers=5).iloc[0]["percentile"]
        assert pct * 100 == pytest.approx(scores[partner], abs=1e-9)


def test_float_noise_does_not_split_a_tie():
    noisy = pd.Series([0.1 + 0.2, 0.3, 0.5])
    assert percentile_ranks(noisy).tolist() == [0.25, 0.25, 1.0]
    table = _table([0.1 + 0.2, 0.3, 0.5], kpi="win_rate")
    assert kpi_scores(table)["score"].tolist() == [25.0, 25.0, 100.0]


@pytest.fixture(scope="module")
def small_type_context():
    """The sample with one partner type cut down to three partners, and one private activity code."""
    frames = generate_sample(n_partners=40)
    partners = frames["partners"]
    small = partners[partners["partner_type"] == "distributor"]["partner_id"]
    keep = set(partners["partner_id"]) - set(small.iloc[3:])
    frames = {name: frame[frame["partner_id"].isin(keep) | frame["partner_id"].isna()] if "partner_id" in frame
              else frame for name, frame in frames.items()}
    engagement = frames["engagement"]
    secret = engagement.iloc[[0]].assign(activity="acme_secret_programme", partner_id=small.iloc[0],
                                         occurred_on=pd.Timestamp("2025-11-14"), quantity=3.0)
    frames["engagement"] = pd.concat([engagement, secret], ignore_index=True)
    program = pa.build_program(frames, source="small type")
    return build_context(program, load_params()), list(small.iloc[:3])


def test_below_the_threshold_nothing_reveals_the_partners_position(small_type_context):
    context, small = small_type_context
    view = partner_view(context, small[1])
    assert view.peers == 2 and not view.comparable
    assert view.benchmarks is None
    assert view.breakdown["score"].isna().all() and view.breakdown["contribution"].isna().all()
    assert np.isnan(view.composite) and pd.isna(view.tier["composite"]) and pd.isna(view.tier["gap_to_next"])
    assert "peer_median" not in view.engagement.columns


def test_a_partner_sees_only_its_own_activity_codes_and_programme_wide_ones(small_type_context):
    context, small = small_type_context
    owner = partner_view(context, small[0]).engagement["activity"].tolist()
    other = partner_view(context, small[1]).engagement["activity"].tolist()
    assert "acme_secret_programme" in owner
    assert "acme_secret_programme" not in other
    assert "prm_login" in other


def test_above_the_threshold_the_report_shows_k_anonymous_aggregates(small_type_context):
    context, _ = small_type_context
    kpis = context.kpis
    biggest = kpis["partner_type"].value_counts().idxmax()
    partner = kpis.loc[kpis["partner_type"] == biggest, "partner_id"].iloc[0]
    view = partner_view(context, partner)
    assert view.comparable and view.benchmarks is not None
    scores = context.breakdown.set_index(["partner_id", "kpi"])["score"]
    for row in view.benchmarks.dropna(subset=["percentile"]).itertuples():
        assert row.percentile * 100 == pytest.approx(scores[(partner, row.kpi)])
    peers = kpis[(kpis["partner_type"] == biggest) & (kpis["partner_id"] != partner)]
    for row in view.benchmarks.dropna(subset=["peer_median"]).itertuples():
        values = peers[row.kpi].dropna().to_numpy()
        distinct = len(np.unique(values)) == len(values)
        if distinct:
            assert not np.isclose(values, row.peer_median).any()


def test_ranks_of_extreme_values_are_kept_without_warnings():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ranks = percentile_ranks(pd.Series([1e-320, 1e300, -1e300, 0.0, np.inf]))
    assert ranks.tolist() == [0.5, 0.75, 0.0, 0.25, 1.0]
