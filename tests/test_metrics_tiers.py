"""Tiers follow inclusive thresholds; gaps, drop risk, rewards, distributions and what-ifs are exact."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from partner_analytics.metrics.tiers import TierWhatIf, assign_tiers, tier_distribution, tier_what_if
from partner_analytics.params import ParamsError, load_params, parse_params

NAN = np.nan
PARAMS = load_params()  # platinum 80, gold 60, silver 40, registered 0; margin 5; 5000/2500/1000/0 points
TIERS = pd.CategoricalDtype(["registered", "silver", "gold", "platinum"], ordered=True)


def scores(composites, partner_type="reseller", **extra) -> pd.DataFrame:
    return pd.DataFrame({"partner_id": [f"P{i + 1}" for i in range(len(composites))],
                         "partner_type": partner_type, "composite": composites, **extra})


def test_tiers_match_hand_computed_values():
    frame = scores([87.5, 50.0, 40.0, 30.0, NAN], achievement_points=[100.0, 0.0, 20.0, 0.0, 0.0])
    expected = pd.DataFrame({
        "partner_id": pd.Series(["P1", "P2", "P3", "P4", "P5"], dtype="str"),
        "partner_type": pd.Series(["reseller"] * 5, dtype="str"),
        "composite": [87.5, 50.0, 40.0, 30.0, NAN],
        "tier": pd.Categorical(["platinum", "silver", "silver", "registered", NAN], dtype=TIERS),
        "next_tier": pd.Categorical([NAN, "gold", "gold", "silver", NAN], dtype=TIERS),
        "gap_to_next": [NAN, 10.0, 20.0, 10.0, NAN],
        "at_risk_of_drop": [False, False, True, False, False],
        "reward_points": [5100.0, 1000.0, 1020.0, 0.0, 0.0],
    })
    assert_frame_equal(assign_tiers(frame, PARAMS), expected)


@pytest.mark.parametrize(
    ("composite", "tier"),
    [
        (100.0, "platinum"), (80.0, "platinum"), (79.999, "gold"), (60.0, "gold"), (59.99, "silver"),
        (40.0, "silver"), (39.9, "registered"), (0.0, "registered"),
        (0.1 + 0.2 + 79.7, "platinum"),  # 80 up to floating-point rounding
        (80.0 - 1e-12, "platinum"),
    ],
)
def test_tier_minimums_are_inclusive(composite, tier):
    assert assign_tiers(scores([composite]), PARAMS)["tier"].iloc[0] == tier


@pytest.mark.parametrize(
    ("composite", "at_risk"),
    [(80.0, True), (84.99, True), (85.0, False), (64.0, True), (66.0, False), (40.0, True), (0.0, False),
     (4.0, False), (NAN, False)],
)
def test_partners_just_above_their_tier_minimum_are_at_risk_of_dropping(composite, at_risk):
    assert bool(assign_tiers(scores([composite]), PARAMS)["at_risk_of_drop"].iloc[0]) is at_risk


def test_a_composite_below_every_minimum_gets_no_tier_and_the_lowest_as_next():
    levels = [{"name": "gold", "min_score": 60}, {"name": "member", "min_score": 20}]
    params = parse_params({"scorecard": {"default": {"revenue": 1}}, "tiers": {"levels": levels},
                           "rewards": {"tier_points": {"member": 50}}})
    row = assign_tiers(scores([15.0]), params).iloc[0]
    assert pd.isna(row["tier"])
    assert (row["next_tier"], row["gap_to_next"], row["reward_points"]) == ("member", 5.0, 0.0)


def test_tier_points_alone_are_rewarded_without_achievement_points():
    assert assign_tiers(scores([90.0, 61.0]), PARAMS)["reward_points"].tolist() == [5000.0, 2500.0]


def test_empty_scorecard_gives_empty_tiers():
    result = assign_tiers(scores([]), PARAMS)
    assert result.empty
    assert list(result.columns) == ["partner_id", "partner_type", "composite", "tier", "next_tier", "gap_to_next",
                                    "at_risk_of_drop", "reward_points"]


def test_assign_tiers_reports_a_missing_column():
    with pytest.raises(ValueError, match="scorecard is missing column 'composite'"):
        assign_tiers(scores([1.0]).drop(columns="composite"), PARAMS)


def test_assign_tiers_does_not_mutate_its_input():
    frame = scores([87.5, NAN])
    before = frame.copy()
    assign_tiers(frame, PARAMS)
    assert_frame_equal(frame, before)


def test_tiers_compare_in_rank_order():
    tiers = assign_tiers(scores([87.5, 50.0, 61.0]), PARAMS)
    assert (tiers["tier"] >= "gold").tolist() == [True, False, True]


# --- distribution ------------------------------------------------------------------------------------------------


def test_distribution_counts_every_tier_highest_first_with_unranked_last():
    dist = tier_distribution(assign_tiers(scores([87.5, 85.0, 30.0, NAN]), PARAMS))
    expected = pd.DataFrame({
        "tier": pd.Categorical(["platinum", "gold", "silver", "registered", NAN], dtype=TIERS),
        "partners": np.array([2, 0, 0, 1, 1], dtype="int64"),
        "share": [0.5, 0.0, 0.0, 0.25, 0.25],
    })
    assert_frame_equal(dist, expected)


def test_distribution_has_no_unranked_row_when_every_partner_has_a_tier():
    dist = tier_distribution(assign_tiers(scores([10.0]), PARAMS))
    assert dist["tier"].tolist() == ["platinum", "gold", "silver", "registered"]
    assert dist["share"].tolist() == [0.0, 0.0, 0.0, 1.0]


def test_distribution_of_no_partners_has_nan_shares():
    dist = tier_distribution(assign_tiers(scores([]), PARAMS))
    assert dist["partners"].tolist() == [0, 0, 0, 0]
    assert dist["share"].isna().all()


def test_distribution_needs_the_ordered_tier_column():
    with pytest.raises(ValueError, match="column 'tier' must be the ordered categorical"):
        tier_distribution(pd.DataFrame({"tier": ["gold", "silver"]}))


# --- what-if -----------------------------------------------------------------------------------------------------


def summary(up, down, unchanged) -> pd.DataFrame:
    total = up + down + unchanged
    return pd.DataFrame({"change": pd.Series(["up", "down", "unchanged"], dtype="str"),
                         "partners": np.array([up, down, unchanged], dtype="int64"),
                         "share": [up / total, down / total, unchanged / total]})


def test_lowering_thresholds_moves_exactly_the_partners_in_between_up():
    frame = scores([57.0, 61.0, 30.0, 38.0, 79.0])
    result = tier_what_if(frame, PARAMS, thresholds={"gold": 55, "silver": 35})
    assert isinstance(result, TierWhatIf)
    assert_frame_equal(result.summary, summary(2, 0, 3))
    assert (result.moved_up, result.moved_down, result.unchanged) == (2, 0, 3)
    assert result.partners["change"].tolist() == ["up", "unchanged", "unchanged", "up", "unchanged"]
    assert result.partners["tier_after"].tolist() == ["gold", "gold", "registered", "silver", "gold"]


def test_raising_a_threshold_moves_partners_down():
    result = tier_what_if(scores([81.0, 85.0, NAN]), PARAMS, thresholds={"platinum": 82})
    assert result.partners["change"].tolist() == ["down", "unchanged", "unchanged"]
    assert_frame_equal(result.summary, summary(0, 1, 2))


def test_changing_weights_recomputes_composites_from_the_kpi_table():
    params = parse_params({
        "scorecard": {"default": {"revenue": 1},
                      "reseller": {"revenue": 3, "win_rate": 1, "days_to_close": 1},
                      "technology": {"revenue": 1, "win_rate": 3}},
        "tiers": {"levels": [{"name": n, "min_score": m}
                             for n, m in [("platinum", 80), ("gold", 60), ("silver", 40), ("registered", 0)]]},
    })
    table = pd.DataFrame({
        "partner_id": ["P1", "P2", "P3", "P4"],
        "partner_type": ["reseller", "reseller", "reseller", "technology"],
        "revenue": [100.0, 300.0, 400.0, 50.0],
        "win_rate": [0.5, 0.25, NAN, 0.4],
        "days_to_close": [30.0, 60.0, 45.0, NAN],
    })
    # before: 40 silver, 30 registered, 87.5 platinum, 50 silver
    # dropping revenue for resellers: P1 (100 + 100) / 2 = 100 platinum, P2 0 registered, P3 only days → 50 silver
    result = tier_what_if(table, params, weights={"reseller": {"revenue": 0}})
    assert result.partners["composite_before"].tolist() == pytest.approx([40.0, 30.0, 87.5, 50.0])
    assert result.partners["composite_after"].tolist() == pytest.approx([100.0, 0.0, 50.0, 50.0])
    assert result.partners["change"].tolist() == ["up", "unchanged", "down", "unchanged"]
    assert_frame_equal(result.summary, summary(1, 1, 2))


def test_no_change_leaves_every_partner_unchanged():
    result = tier_what_if(scores([10.0, 90.0]), PARAMS)
    assert (result.moved_up, result.moved_down, result.unchanged) == (0, 0, 2)


def test_what_if_on_no_partners_has_nan_shares():
    result = tier_what_if(scores([]), PARAMS, thresholds={"gold": 50})
    assert result.summary["partners"].tolist() == [0, 0, 0]
    assert result.summary["share"].isna().all()


def test_weights_cannot_change_when_only_composites_are_given():
    with pytest.raises(ValueError, match="weights can only change with a KPI table"):
        tier_what_if(scores([50.0]), PARAMS, weights={"reseller": {"revenue": 1}})


def test_thresholds_that_reorder_the_tiers_are_rejected():
    with pytest.raises(ValueError, match="thresholds must keep the tier order platinum, gold, silver, registered"):
        tier_what_if(scores([50.0]), PARAMS, thresholds={"gold": 90})


def test_an_unknown_tier_in_thresholds_is_a_params_error():
    with pytest.raises(ParamsError, match="unknown tier 'diamond'"):
        tier_what_if(scores([50.0]), PARAMS, thresholds={"diamond": 95})


def test_what_if_does_not_change_the_params():
    tier_what_if(scores([57.0]), PARAMS, thresholds={"gold": 55})
    assert PARAMS.tiers.minimum("gold") == 60.0
