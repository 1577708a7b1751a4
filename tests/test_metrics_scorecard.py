"""KPI scores, composites and their breakdown match hand-computed values on a 4-partner KPI table."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

from partner_analytics.metrics.scorecard import kpi_scores, scorecard, scorecard_breakdown
from partner_analytics.params import load_params, parse_params

NAN = np.nan

PARAMS = parse_params({
    "scorecard": {
        "default": {"revenue": 1},
        "reseller": {"revenue": 3, "win_rate": 1, "days_to_close": 1},
        "technology": {"revenue": 1, "win_rate": 3},
    },
    "tiers": {"levels": [{"name": "gold", "min_score": 60}, {"name": "member", "min_score": 0}]},
    "rewards": {"achievement_score": 75, "achievement_points": {"default": 10, "revenue": 100}},
})


def kpi_table() -> pd.DataFrame:
    """Three resellers and one technology partner.

    Reseller revenue ranks 100 < 300 < 400 → scores 0, 50, 100; win rate (P3 missing) .25 < .5 → 0, 100;
    days to close is lower-is-better: 30 → 100, 45 → 50, 60 → 0. P4 is alone in its type → 50 everywhere.
    """
    return pd.DataFrame({
        "partner_id": ["P1", "P2", "P3", "P4"],
        "partner_type": ["reseller", "reseller", "reseller", "technology"],
        "revenue": [100.0, 300.0, 400.0, 50.0],
        "win_rate": [0.5, 0.25, NAN, 0.4],
        "days_to_close": [30.0, 60.0, 45.0, NAN],
        "revenue_attainment": [1.2, 0.6, NAN, NAN],
        "unrelated": ["x", "y", "z", "w"],
    })


def long(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["partner_id", "kpi", "value", "score"]).astype(
        {"partner_id": "str", "kpi": "str", "value": float, "score": float}
    )


# --- kpi_scores --------------------------------------------------------------------------------------------------


def test_peer_percentile_scores_match_hand_computed_values():
    expected = long([
        ("P1", "revenue", 100.0, 0.0), ("P1", "revenue_attainment", 1.2, 100.0),
        ("P1", "win_rate", 0.5, 100.0), ("P1", "days_to_close", 30.0, 100.0),
        ("P2", "revenue", 300.0, 50.0), ("P2", "revenue_attainment", 0.6, 0.0),
        ("P2", "win_rate", 0.25, 0.0), ("P2", "days_to_close", 60.0, 0.0),
        ("P3", "revenue", 400.0, 100.0), ("P3", "revenue_attainment", NAN, NAN),
        ("P3", "win_rate", NAN, NAN), ("P3", "days_to_close", 45.0, 50.0),
        ("P4", "revenue", 50.0, 50.0), ("P4", "revenue_attainment", NAN, NAN),
        ("P4", "win_rate", 0.4, 50.0), ("P4", "days_to_close", NAN, NAN),
    ])
    assert_frame_equal(kpi_scores(kpi_table()), expected)


def test_lower_is_better_kpi_scores_the_smallest_value_best():
    table = pd.DataFrame({"partner_id": ["A", "B"], "partner_type": "msp", "days_to_close": [10.0, 90.0]})
    assert kpi_scores(table)["score"].tolist() == [100.0, 0.0]


def test_tied_values_share_their_average_rank():
    table = pd.DataFrame({"partner_id": list("ABCD"), "partner_type": "msp", "revenue": [1.0, 1.0, 2.0, 3.0]})
    # ranks 1.5, 1.5, 3, 4 of n = 4 → 100 × (rank − 1) / 3
    assert kpi_scores(table)["score"].tolist() == pytest.approx([100 / 6, 100 / 6, 200 / 3, 100.0])


def test_peers_are_partners_of_the_same_type_only():
    table = pd.DataFrame({"partner_id": list("ABC"), "partner_type": ["msp", "msp", "referral"],
                          "revenue": [1.0, 2.0, 1000.0]})
    assert kpi_scores(table)["score"].tolist() == [0.0, 100.0, 50.0]


@pytest.mark.parametrize(
    ("attainment", "score"),
    [(0.6, 40.0), (1.2, 80.0), (1.5, 100.0), (2.0, 100.0), (0.0, 0.0), (-0.3, 0.0), (NAN, NAN)],
)
def test_target_method_scores_attainment_against_a_150_percent_cap(attainment, score):
    table = pd.DataFrame({"partner_id": ["A"], "partner_type": "reseller", "revenue_attainment": [attainment]})
    result = kpi_scores(table, method="target")["score"].iloc[0]
    assert result == pytest.approx(score, nan_ok=True)


def test_target_method_scores_other_kpis_by_peer_percentile():
    scores = kpi_scores(kpi_table(), method="target").set_index(["partner_id", "kpi"])["score"]
    assert scores[("P1", "revenue_attainment")] == pytest.approx(80.0)
    assert scores[("P2", "revenue_attainment")] == pytest.approx(40.0)
    assert scores[("P2", "revenue")] == 50.0


@pytest.mark.parametrize(
    ("values", "scores"),
    [
        ([], []),
        ([5.0], [50.0]),
        ([NAN, NAN], [NAN, NAN]),
        ([0.0, 0.0], [50.0, 50.0]),
        ([NAN, 3.0, 1.0], [NAN, 100.0, 0.0]),
    ],
    ids=["empty", "single partner", "all NaN", "all tied", "some NaN"],
)
def test_edge_cases_of_peer_percentile(values, scores):
    table = pd.DataFrame({"partner_id": [f"P{i}" for i in range(len(values))], "partner_type": "msp",
                          "revenue": pd.Series(values, dtype=float)})
    result = kpi_scores(table)
    assert list(result.columns) == ["partner_id", "kpi", "value", "score"]
    np.testing.assert_array_equal(result["score"].to_numpy(), np.array(scores, dtype=float))


def test_missing_partner_type_is_reported_by_name():
    with pytest.raises(ValueError, match="kpi_table is missing column 'partner_type'"):
        kpi_scores(pd.DataFrame({"partner_id": ["A"], "revenue": [1.0]}))


def test_unknown_method_is_rejected():
    with pytest.raises(ValueError, match="method must be one of peer_percentile, target, got 'rank'"):
        kpi_scores(kpi_table(), method="rank")


def test_a_repeated_partner_is_rejected():
    table = pd.concat([kpi_table(), kpi_table().iloc[[0]]])
    with pytest.raises(ValueError, match="column 'partner_id' must be unique; repeated: P1"):
        kpi_scores(table)


def test_a_text_kpi_column_is_rejected():
    table = kpi_table().assign(revenue=["1", "2", "3", "4"])
    with pytest.raises(ValueError, match="KPI column 'revenue' must be numeric"):
        kpi_scores(table)


# --- scorecard ---------------------------------------------------------------------------------------------------


def test_composites_match_hand_computed_values():
    # reseller weights .6 revenue / .2 win rate / .2 days; technology .25 revenue / .75 win rate
    expected = pd.DataFrame({
        "partner_id": pd.Series(["P1", "P2", "P3", "P4"], dtype="str"),
        "partner_type": pd.Series(["reseller", "reseller", "reseller", "technology"], dtype="str"),
        "composite": [40.0, 30.0, 87.5, 50.0],  # P3: win rate missing → .75 × 100 + .25 × 50
        "coverage": [1.0, 1.0, 0.8, 1.0],
        "kpis_achieved": pd.Series([2, 0, 1, 0], dtype="int64"),  # scores >= 75
        "achievement_points": [20.0, 0.0, 100.0, 0.0],  # 10 per KPI, 100 for revenue
    })
    assert_frame_equal(scorecard(kpi_table(), PARAMS), expected, check_exact=False, rtol=1e-12)


def test_weights_are_renormalised_over_the_kpis_with_a_value():
    table = kpi_table().assign(days_to_close=[30.0, 60.0, NAN, NAN])
    # P3 keeps only revenue (score 100) → composite 100 with coverage .6
    row = scorecard(table, PARAMS).set_index("partner_id").loc["P3"]
    assert (row["composite"], row["coverage"]) == (pytest.approx(100.0), pytest.approx(0.6))


def test_a_partner_without_any_kpi_value_gets_nan_composite_and_zero_coverage():
    table = kpi_table().assign(revenue=[100.0, 300.0, NAN, 50.0], days_to_close=[30.0, 60.0, NAN, NAN])
    row = scorecard(table, PARAMS).set_index("partner_id").loc["P3"]
    assert np.isnan(row["composite"])
    assert (row["coverage"], row["kpis_achieved"], row["achievement_points"]) == (0.0, 0, 0.0)


def test_an_unlisted_partner_type_is_scored_with_the_default_set():
    table = pd.DataFrame({"partner_id": ["A", "B"], "partner_type": "franchise", "revenue": [1.0, 2.0]})
    assert scorecard(table, PARAMS)["composite"].tolist() == [0.0, 100.0]


def test_method_argument_overrides_the_params_scoring():
    params = parse_params({"scorecard": {"default": {"revenue_attainment": 1}},
                           "tiers": {"levels": [{"name": "member", "min_score": 0}]}, "scoring": "target"})
    table = pd.DataFrame({"partner_id": ["A", "B"], "partner_type": "msp", "revenue_attainment": [0.75, 1.5]})
    assert scorecard(table, params)["composite"].tolist() == pytest.approx([50.0, 100.0])
    assert scorecard(table, params, method="peer_percentile")["composite"].tolist() == [0.0, 100.0]


def test_empty_kpi_table_gives_an_empty_scorecard():
    result = scorecard(kpi_table().iloc[:0], PARAMS)
    assert list(result.columns) == ["partner_id", "partner_type", "composite", "coverage", "kpis_achieved",
                                    "achievement_points"]
    assert result.empty


def test_a_kpi_column_the_scorecard_needs_is_reported_with_its_scorecard():
    with pytest.raises(ValueError, match="kpi_table has no column 'win_rate', needed by scorecard.reseller"):
        scorecard(kpi_table().drop(columns="win_rate"), PARAMS)


def test_scoring_does_not_mutate_the_kpi_table():
    table = kpi_table()
    before = table.copy()
    kpi_scores(table)
    scorecard(table, PARAMS)
    scorecard_breakdown(table, PARAMS)
    assert_frame_equal(table, before)


# --- breakdown ---------------------------------------------------------------------------------------------------


def test_breakdown_explains_a_composite_with_a_missing_kpi():
    expected = pd.DataFrame({
        "partner_id": pd.Series(["P3"] * 3, dtype="str"),
        "kpi": pd.Series(["revenue", "win_rate", "days_to_close"], dtype="str"),
        "value": [400.0, NAN, 45.0],
        "score": [100.0, NAN, 50.0],
        "base_weight": [0.6, 0.2, 0.2],
        "weight": [0.75, 0.0, 0.25],
        "contribution": [75.0, NAN, 12.5],
    })
    b = scorecard_breakdown(kpi_table(), PARAMS)
    assert_frame_equal(b[b["partner_id"] == "P3"].reset_index(drop=True), expected, check_exact=False)


def test_breakdown_lists_each_partner_type_its_own_kpis_in_configured_order():
    b = scorecard_breakdown(kpi_table(), PARAMS)
    assert b.groupby("partner_id", sort=False)["kpi"].apply(list).to_dict() == {
        "P1": ["revenue", "win_rate", "days_to_close"],
        "P2": ["revenue", "win_rate", "days_to_close"],
        "P3": ["revenue", "win_rate", "days_to_close"],
        "P4": ["revenue", "win_rate"],
    }


def test_breakdown_weights_are_nan_when_nothing_was_measured():
    table = kpi_table().assign(revenue=[100.0, 300.0, NAN, 50.0], days_to_close=[30.0, 60.0, NAN, NAN])
    b = scorecard_breakdown(table, PARAMS)
    assert b.loc[b["partner_id"] == "P3", "weight"].isna().all()


value = st.one_of(st.just(NAN), st.floats(min_value=-1e6, max_value=1e6, allow_nan=False))


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(["reseller", "technology", "msp"]), value, value, value),
             min_size=1, max_size=12),
    st.sampled_from(["peer_percentile", "target"]),
)
def test_contributions_sum_to_the_composite_and_stay_in_range(rows, method):
    table = pd.DataFrame({
        "partner_id": [f"P{i}" for i in range(len(rows))],
        "partner_type": [r[0] for r in rows],
        "revenue": [r[1] for r in rows],
        "win_rate": [r[2] for r in rows],
        "days_to_close": [r[3] for r in rows],
    })
    card = scorecard(table, PARAMS, method=method).set_index("partner_id")
    b = scorecard_breakdown(table, PARAMS, method=method)
    sums = b.groupby("partner_id")["contribution"].sum(min_count=1)
    np.testing.assert_allclose(sums.reindex(card.index), card["composite"], rtol=1e-12, atol=1e-9)
    scored = card["composite"].dropna()
    assert ((scored >= -1e-9) & (scored <= 100 + 1e-9)).all()
    assert ((card["coverage"] >= 0) & (card["coverage"] <= 1 + 1e-12)).all()
    weights = b.dropna(subset=["score"]).groupby("partner_id")["weight"].sum()
    np.testing.assert_allclose(weights[weights.notna()], 1.0)


def test_default_params_score_the_sample_program():
    import partner_analytics as pa
    from partner_analytics.metrics.kpis import partner_kpis

    facts = pa.rollup(pa.load_program("sample"))
    table = partner_kpis(facts)
    card = scorecard(table, load_params())
    assert card["partner_id"].tolist() == table["partner_id"].tolist()
    scored = card["composite"].dropna()
    assert len(scored) > 0
    assert scored.between(0, 100).all()
