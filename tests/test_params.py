"""Programme parameters load, validate with clear messages, and the shipped defaults cannot drift."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import yaml

from partner_analytics.insight_thresholds import DEFAULT_THRESHOLDS
from partner_analytics.metrics.registry import KPIS
from partner_analytics.params import (
    Concentration,
    ParamsError,
    Reporting,
    default_params_path,
    load_params,
    parse_params,
)

ROOT = Path(__file__).resolve().parents[1]
KNOWN_KPIS = ", ".join(KPIS)

MINIMAL = {
    "scorecard": {"default": {"revenue": 1}, "reseller": {"revenue": 3, "win_rate": 1}},
    "tiers": {"levels": [{"name": "gold", "min_score": 60}, {"name": "member", "min_score": 0}]},
}


def write(tmp_path: Path, data: object, name: str = "program.yml") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    return path


def with_changes(**sections) -> dict:
    data = {k: (dict(v) if isinstance(v, dict) else v) for k, v in MINIMAL.items()}
    data.update(sections)
    return data


# --- the shipped defaults ----------------------------------------------------------------------------------------


def test_repo_params_file_is_identical_to_the_packaged_default():
    assert (ROOT / "params" / "program.yml").read_bytes() == default_params_path().read_bytes()


def test_packaged_default_lives_inside_the_package():
    assert default_params_path() == ROOT / "partner_analytics" / "data" / "params" / "program.yml"


def test_default_params_load_with_the_documented_values():
    params = load_params()
    assert params.scoring == "peer_percentile"
    assert params.peer_group_min_size == 5
    assert params.tiers.names == ("platinum", "gold", "silver", "registered")
    assert [t.min_score for t in params.tiers.levels] == [80.0, 60.0, 40.0, 0.0]
    assert params.tiers.drop_risk_margin == 5.0
    assert params.reporting == Reporting(source="sample", freq="Q", as_of=None, period=None)
    assert dict(params.insights) == {}
    assert params.concentration == Concentration(population="enrolled")
    assert params.source == str(default_params_path())


def test_the_concentration_population_can_be_partners_with_revenue(tmp_path):
    params = load_params(write(tmp_path, with_changes(concentration={"population": "with_revenue"})))
    assert params.concentration.population == "with_revenue"


@pytest.mark.parametrize(
    ("partner_type", "kpis"),
    [
        ("reseller", ["revenue", "revenue_attainment", "win_rate", "new_customers"]),
        ("technology", ["influenced_revenue", "engagement_index", "certifications", "psat"]),
        ("referral", ["deals_registered", "win_rate", "sourced_revenue", "influenced_revenue"]),
        ("msp", ["revenue", "revenue_growth_yoy", "csat", "certifications"]),
        ("distributor", ["revenue", "revenue_growth_yoy", "pipeline_coverage", "mdf_roi"]),
    ],
)
def test_default_scorecards_weigh_the_kpis_of_each_partner_type(partner_type, kpis):
    weights = load_params().weights_for(partner_type)
    assert list(weights) == kpis
    assert sum(weights.values()) == pytest.approx(1.0)


def test_loading_the_repo_file_names_it_as_the_source():
    assert load_params(ROOT / "params" / "program.yml").source == str(ROOT / "params" / "program.yml")


# --- weights and optional sections -------------------------------------------------------------------------------


def test_weights_are_normalised_to_sum_to_one(tmp_path):
    params = load_params(write(tmp_path, MINIMAL))
    assert params.weights_for("reseller") == {"revenue": 0.75, "win_rate": 0.25}


def test_an_unlisted_partner_type_uses_the_default_set(tmp_path):
    assert load_params(write(tmp_path, MINIMAL)).weights_for("franchise") == {"revenue": 1.0}


def test_optional_sections_take_their_defaults(tmp_path):
    params = load_params(write(tmp_path, MINIMAL))
    assert params.scoring == "peer_percentile"
    assert params.peer_group_min_size == 5
    assert params.reporting == Reporting()
    assert params.rewards.points_for_tier("gold") == 0.0
    assert params.rewards.points_for_kpi("revenue") == 0.0
    assert params.rewards.achievement_score == 75.0
    assert dict(params.insights) == {}
    assert params.concentration == Concentration()


def test_tiers_are_stored_highest_first_whatever_the_file_order(tmp_path):
    data = with_changes(tiers={"levels": [{"name": "member", "min_score": 0}, {"name": "gold", "min_score": 60}]})
    assert load_params(write(tmp_path, data)).tiers.names == ("gold", "member")


def test_reward_points_fall_back_to_the_default_entry(tmp_path):
    data = with_changes(rewards={"tier_points": {"gold": 500}, "achievement_points": {"default": 10, "revenue": 40}})
    rewards = load_params(write(tmp_path, data)).rewards
    assert (rewards.points_for_tier("gold"), rewards.points_for_tier("member")) == (500.0, 0.0)
    assert (rewards.points_for_kpi("revenue"), rewards.points_for_kpi("win_rate")) == (40.0, 10.0)


def test_reporting_dates_and_periods_are_normalised(tmp_path):
    text = yaml.safe_dump(MINIMAL) + "reporting:\n  as_of: 2025-12-31\n  period: 2025q4\n  freq: Q\n"
    assert load_params(write(tmp_path, text)).reporting == Reporting("sample", "Q", "2025-12-31", "2025Q4")


def test_insight_thresholds_are_kept_as_given(tmp_path):
    params = load_params(write(tmp_path, with_changes(insights={"attainment_low": 0.7, "decline_periods": 3})))
    assert dict(params.insights) == {"attainment_low": 0.7, "decline_periods": 3}


def test_insight_thresholds_are_checked_when_params_load(tmp_path):
    bad = {"bookings_drop": 0.2, "attainment_low": "low", "growth_high": -0.1, "decline_periods": 1.5,
           "min_closed_deals": 0}
    with pytest.raises(ParamsError) as info:
        load_params(write(tmp_path, with_changes(insights=bad)))
    assert set(info.value.problems) == {
        "insights: unknown thresholds ['bookings_drop']; known: " + ", ".join(DEFAULT_THRESHOLDS),
        "insights.attainment_low: must be a number >= 0, got 'low'",
        "insights.growth_high: must be a number >= 0, got -0.1",
        "insights.decline_periods: must be an integer >= 1, got 1.5",
    }


def test_params_are_immutable():
    params = load_params()
    with pytest.raises(dataclasses.FrozenInstanceError):
        params.scoring = "target"
    with pytest.raises(TypeError):
        params.scorecard["reseller"]["revenue"] = 0.0


# --- errors ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"scorecard": {"default": {"revenue": 1}, "reseller": {"win_rat": 1}}},
         f"scorecard.reseller.win_rat: unknown KPI; known KPIs: {KNOWN_KPIS}"),
        ({"scorecard": {"default": {"revenue": 1}, "reseller": {"win_rate": -1}}},
         "scorecard.reseller.win_rate: weight must be a number >= 0, got -1"),
        ({"scorecard": {"default": {"revenue": "high"}}},
         "scorecard.default.revenue: weight must be a number >= 0, got 'high'"),
        ({"scorecard": {"default": {"revenue": True}}},
         "scorecard.default.revenue: weight must be a number >= 0, got True"),
        ({"scorecard": {"default": {"revenue": 0, "win_rate": 0}}}, "scorecard.default: weights must not all be 0"),
        ({"scorecard": {"reseller": {"revenue": 1}}},
         "scorecard.default: required key missing (the KPI set for unlisted partner types)"),
        ({"scorecard": {"default": {"revenue": 1}, "msp": {}}}, "scorecard.msp: needs at least one KPI"),
        ({"scorecard": {"default": {"revenue": 1}, "reseller": {"influenced_revenue": 1}}},
         "scorecard.reseller.influenced_revenue: KPI does not apply to reseller partners "
         "(applies to technology, referral, distributor)"),
        ({"tier": {}}, "tier: unknown key; known keys: reporting, scoring, peer_group_min_size, scorecard, tiers, "
                       "rewards, insights, concentration, early_warning"),
        ({"scoring": "percentile"}, "scoring: must be one of peer_percentile, target, got 'percentile'"),
        ({"peer_group_min_size": 1}, "peer_group_min_size: must be an integer >= 2, got 1"),
        ({"peer_group_min_size": 2.5}, "peer_group_min_size: must be an integer >= 2, got 2.5"),
        ({"insights": [1, 2]}, "insights: must be a mapping, got list"),
        ({"tiers": {"levels": []}}, "tiers.levels: must be a non-empty list of {name, min_score}"),
        ({"tiers": {"levels": [{"name": "gold", "min_score": 120}]}},
         "tiers.levels[0].min_score: must be a number between 0 and 100, got 120"),
        ({"tiers": {"levels": [{"name": "gold", "min": 60}]}},
         "tiers.levels[0]: must be a mapping with exactly the keys name and min_score"),
        ({"tiers": {"levels": [{"name": "gold", "min_score": 60}, {"name": "gold", "min_score": 0}]}},
         "tiers.levels: tier names must be unique; repeated: gold"),
        ({"tiers": {"levels": [{"name": "gold", "min_score": 60}, {"name": "silver", "min_score": 60}]}},
         "tiers.levels: tier minimums must be unique; repeated: 60.0"),
        ({"tiers": {"levels": [{"name": "gold", "min_score": 0}], "drop_risk_margin": -1}},
         "tiers.drop_risk_margin: must be a number >= 0, got -1"),
        ({"rewards": {"tier_points": {"diamond": 10}}},
         "rewards.tier_points.diamond: unknown tier; known tiers: gold, member"),
        ({"rewards": {"achievement_points": {"revenu": 10}}},
         f"rewards.achievement_points.revenu: unknown KPI; known KPIs: default, {KNOWN_KPIS}"),
        ({"rewards": {"bonus": 1}},
         "rewards.bonus: unknown key; known keys: tier_points, achievement_score, achievement_points"),
        ({"reporting": {"freq": "W"}}, "reporting.freq: must be one of Q, M, got 'W'"),
        ({"concentration": {"population": "producing"}},
         "concentration.population: must be one of enrolled, with_revenue, got 'producing'"),
        ({"concentration": {"populace": "enrolled"}}, "concentration.populace: unknown key; known keys: population"),
        ({"reporting": {"period": "someday"}},
         "reporting.period: must be a period such as 2025Q4 (freq Q) or null, got 'someday'"),
        ({"reporting": {"frequency": "Q"}},
         "reporting.frequency: unknown key; known keys: source, mapping, engine, engine_options, freq, as_of, period, encoding"),
    ],
)
def test_invalid_params_raise_naming_the_file_and_the_key_path(tmp_path, changes, problem):
    path = write(tmp_path, with_changes(**changes))
    with pytest.raises(ParamsError) as info:
        load_params(path)
    assert str(info.value) == f"{path}: {problem}"
    assert info.value.problems == (problem,)
    assert info.value.source == str(path)


def test_every_problem_is_reported_at_once(tmp_path):
    path = write(tmp_path, with_changes(scoring="best", peer_group_min_size=0))
    with pytest.raises(ParamsError) as info:
        load_params(path)
    assert str(info.value).splitlines() == [
        f"{path}: scoring: must be one of peer_percentile, target, got 'best'",
        f"{path}: peer_group_min_size: must be an integer >= 2, got 0",
    ]


def test_missing_required_sections_are_named(tmp_path):
    path = write(tmp_path, "scoring: target\n")
    with pytest.raises(ParamsError) as info:
        load_params(path)
    assert info.value.problems == ("scorecard: required key missing", "tiers: required key missing")


def test_bad_yaml_syntax_names_the_file_line_and_column(tmp_path):
    path = write(tmp_path, "scorecard:\n  default:\n    revenue: [1\n")
    with pytest.raises(ParamsError, match=r"program\.yml: invalid YAML: .* \(line 4, column 1\)$") as info:
        load_params(path)
    assert str(info.value).startswith(f"{path}: invalid YAML: ")


def test_a_repeated_key_is_an_error_not_silently_overwritten(tmp_path):
    path = write(tmp_path, "scorecard:\n  default:\n    revenue: 1\n    revenue: 2\n")
    with pytest.raises(ParamsError) as info:
        load_params(path)
    assert str(info.value) == f"{path}: invalid YAML: repeated key 'revenue' (line 4, column 5)"


def test_a_file_that_is_not_a_mapping_is_rejected(tmp_path):
    path = write(tmp_path, "- scorecard\n- tiers\n")
    with pytest.raises(ParamsError, match=r"program\.yml: the file must hold a mapping of sections, not list$"):
        load_params(path)


def test_a_missing_file_is_reported_by_name(tmp_path):
    with pytest.raises(ParamsError, match=r"nope\.yml: no such file$"):
        load_params(tmp_path / "nope.yml")


def test_params_error_is_a_value_error():
    assert issubclass(ParamsError, ValueError)


# --- overrides (used by what-if analyses) ------------------------------------------------------------------------


def test_overriding_thresholds_changes_only_the_named_tiers():
    params = load_params().with_overrides(thresholds={"gold": 55})
    assert [t.min_score for t in params.tiers.levels] == [80.0, 55.0, 40.0, 0.0]
    assert params.source.endswith("program.yml (what-if)")


def test_overriding_weights_merges_into_the_type_set():
    params = parse_params(MINIMAL).with_overrides(weights={"reseller": {"win_rate": 3, "revenue": 0}})
    assert params.weights_for("reseller") == {"revenue": 0.0, "win_rate": 1.0}


def test_overriding_weights_of_an_unlisted_type_starts_from_default():
    params = parse_params(MINIMAL).with_overrides(weights={"msp": {"csat": 1}})
    assert params.weights_for("msp") == {"revenue": 0.5, "csat": 0.5}


def test_invalid_overrides_raise_params_error_marked_what_if():
    with pytest.raises(ParamsError) as info:
        parse_params(MINIMAL).with_overrides(weights={"reseller": {"win_rate": -2}})
    assert str(info.value) == "<dict> (what-if): scorecard.reseller.win_rate: weight must be a number >= 0, got -2"


def test_overriding_an_unknown_tier_is_an_error():
    with pytest.raises(ParamsError, match=r"tiers\.levels: unknown tier 'diamond'; tiers: gold, member"):
        parse_params(MINIMAL).with_overrides(thresholds={"diamond": 90})


def test_overrides_leave_the_original_params_unchanged():
    params = load_params()
    params.with_overrides(thresholds={"gold": 10}, weights={"reseller": {"revenue": 1}})
    assert params.tiers.minimum("gold") == 60.0
    assert params.weights_for("reseller")["revenue"] == pytest.approx(0.35)


def test_parse_params_gives_the_same_params_as_loading_the_file(tmp_path):
    loaded = load_params(write(tmp_path, MINIMAL))
    assert parse_params(MINIMAL) == dataclasses.replace(loaded, source="<dict>")
