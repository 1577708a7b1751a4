"""Insight rules fire on the numbers they name, rank improvements first and use params thresholds."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

import partner_analytics as pa
from partner_analytics.insights import DEFAULT_THRESHOLDS, INSIGHT_COLUMNS, partner_insights, program_insights, thresholds
from partner_analytics.metrics.kpis import partner_kpis
from partner_analytics.params import load_params


@pytest.fixture
def facts(tiny_program):
    return pa.rollup(tiny_program, as_of="2024-06-30")


def _with_insights(params, **overrides):
    return dataclasses.replace(params, insights={**params.insights, **overrides})


def test_behind_target_fires_below_the_threshold_with_the_value(facts):
    found = partner_insights(facts, partner_kpis(facts), load_params())
    row = found[(found["partner_id"] == "P1") & (found["rule"] == "behind_target")].iloc[0]
    assert row["value"] == 0.5
    assert row["title"] == "Revenue reached 50.0% of target."
    assert row["kind"] == "improvement"
    assert list(found.columns) == INSIGHT_COLUMNS


def test_thresholds_come_from_params(facts):
    params = _with_insights(load_params(), attainment_low=0.4)
    found = partner_insights(facts, partner_kpis(facts), params)
    assert "behind_target" not in set(found["rule"])


def test_an_unknown_threshold_is_an_error_naming_it():
    params = _with_insights(load_params(), attainment_lwo=0.4)
    with pytest.raises(ValueError, match=r"unknown thresholds \['attainment_lwo'\]"):
        thresholds(params)


def test_defaults_apply_when_params_set_nothing_and_overrides_replace_them_one_by_one():
    defaults = thresholds(load_params())
    assert (defaults["attainment_low"], defaults["decline_periods"], defaults["min_responses"]) == (0.8, 2.0, 1.0)
    assert len(defaults) == 14
    changed = thresholds(_with_insights(load_params(), attainment_low=0.5, min_responses=3))
    assert (changed["attainment_low"], changed["min_responses"], changed["attainment_high"]) == (0.5, 3.0, 1.2)


def test_csat_drop_compares_with_a_year_earlier(tiny_frames):
    surveys = tiny_frames["surveys"]
    extra = pd.DataFrame({"partner_id": ["P1"], "responded_on": ["2023-06-01"], "survey": ["csat"], "score": ["5"],
                          "scale_max": ["5"], "deal_id": [None], "comment": [None]})
    tiny_frames["surveys"] = pd.concat([surveys, extra], ignore_index=True)
    tiny_frames["surveys"].loc[3, "score"] = "3"  # the 2024 CSAT of P1 falls from 5/5 to 3/5
    tiny_frames["partners"].loc[0, "onboarded_on"] = "2022-01-01"
    tiny_frames["deals"].loc[len(tiny_frames["deals"])] = ["D9", "P1", "sourced", "2023-01-05", "2023-02-01", "won",
                                                           "100", "Suite", "C9", "false"]
    program = pa.build_program(tiny_frames)
    facts = pa.rollup(program, as_of="2024-06-30")
    found = partner_insights(facts, partner_kpis(facts), load_params())
    drop = found[(found["partner_id"] == "P1") & (found["rule"] == "csat_drop")]
    assert len(drop) == 1
    assert drop.iloc[0]["value"] == pytest.approx(0.6)


def test_partner_findings_never_mention_another_partner(sample_program):
    facts = pa.rollup(sample_program)
    found = partner_insights(facts, partner_kpis(facts), load_params())
    names = set(sample_program.partners["partner_name"])
    text = " ".join(found["title"]) + " ".join(found["action"])
    assert not any(name in text for name in names)


def test_program_findings_on_the_sample(sample_program):
    facts = pa.rollup(sample_program)
    found = program_insights(facts, partner_kpis(facts), load_params())
    rules = set(found["rule"])
    assert "channel_outperforms_direct" in rules  # partner deals close faster and win more in the sample
    assert found["partner_id"].isna().all()
    outperform = found[found["rule"] == "channel_outperforms_direct"].iloc[0]
    assert outperform["title"].startswith("Over the last four quarters, partner deals closed")
    monthly = pa.rollup(sample_program, freq="M")  # trailing-year findings name the window in the grain's words
    titles = " ".join(program_insights(monthly, partner_kpis(monthly), load_params())["title"])
    assert "the last 12 months" in titles and "quarter" not in titles


@pytest.mark.parametrize("value", [0, 2.5])
def test_min_responses_must_be_a_whole_number_of_at_least_one(value):
    from partner_analytics.insights import thresholds
    from partner_analytics.params import parse_params

    base = {"scorecard": {"default": {"revenue": 1}}, "tiers": {"levels": [{"name": "m", "min_score": 0}]}}
    with pytest.raises(ValueError, match=f"insights.min_responses: must be an integer >= 1, got {value}"):
        parse_params({**base, "insights": {"min_responses": value}})  # when the parameters load
    params = _with_insights(parse_params(base), min_responses=value)
    with pytest.raises(ValueError, match=f"insights.min_responses: must be an integer >= 1, got {value}"):
        thresholds(params)  # and when params were built around the check


def test_a_shared_scorecard_is_used_instead_of_recomputing_it(facts):
    kpis = partner_kpis(facts)
    card = pd.DataFrame({"partner_id": kpis["partner_id"], "composite": 95.0})
    found = partner_insights(facts, kpis, load_params(), scorecard=card)
    performers = found[found["rule"] == "high_performer"]
    assert sorted(performers["partner_id"]) == sorted(kpis.loc[kpis["enrolled"], "partner_id"])
    assert set(performers["title"]) == {"Scorecard composite of 95 out of 100 puts you among the strongest "
                                        "partners of your type."}


def test_findings_are_identical_whichever_partner_order_the_kpis_have(facts):
    kpis = partner_kpis(facts)
    params = _with_insights(load_params(), min_closed_deals=1, win_rate_low=0.9, coverage_low=10)
    forward = partner_insights(facts, kpis, params)
    backward = partner_insights(facts, kpis.iloc[::-1].reset_index(drop=True), params)
    assert len(forward) >= 2
    pd.testing.assert_frame_equal(forward, backward)


def test_a_partner_without_revenue_in_the_period_is_told_so(facts):
    found = partner_insights(facts, partner_kpis(facts), load_params())
    none = found[found["rule"] == "no_revenue"]
    assert list(none["partner_id"]) == ["P3"]  # P1 and P2 won revenue in 2024Q2
    row = none.iloc[0]
    assert (row["kind"], row["title"]) == ("improvement", "No partner revenue was won this period.")


def test_a_period_in_progress_says_so_far(tiny_program):
    partial = pa.rollup(tiny_program, as_of="2024-05-15")
    found = partner_insights(partial, partner_kpis(partial), load_params())
    assert list(found.loc[found["rule"] == "no_revenue", "title"]) == ["No partner revenue was won so far this period."]


def test_revenue_falling_to_zero_is_reported_once_as_a_decline(facts):
    kpis = partner_kpis(facts)
    kpis.loc[kpis["partner_id"] == "P1", "revenue"] = 0.0  # P1 fell from 1,000 (2024Q1) to nothing
    found = partner_insights(facts, kpis, _with_insights(load_params(), decline_periods=1))
    p1 = found[found["partner_id"] == "P1"]
    assert "revenue_decline" in set(p1["rule"]) and "no_revenue" not in set(p1["rule"])
    assert list(found.loc[found["rule"] == "no_revenue", "partner_id"]) == ["P3"]


def test_a_rule_reading_a_threshold_without_default_fails_when_the_parameters_load(monkeypatch):
    from partner_analytics import insight_thresholds
    from partner_analytics.insight_rules import PARTNER_RULES, Comparison, PartnerRule
    from partner_analytics.params import parse_params

    typo = PartnerRule("typo", "improvement", 1, "win_rate", "win_rate", (Comparison("win_rate", "<", "win_rat_low"),),
                       title="Win rate is {win_rate}.", action="Act.")
    monkeypatch.setattr(insight_thresholds, "PARTNER_RULES", (*PARTNER_RULES, typo))
    base = {"scorecard": {"default": {"revenue": 1}}, "tiers": {"levels": [{"name": "m", "min_score": 0}]}}
    with pytest.raises(ValueError, match="rule 'typo' reads threshold 'win_rat_low', which has no default"):
        parse_params(base)


def test_a_rule_reading_an_unknown_column_fails_when_the_parameters_load(monkeypatch):
    from partner_analytics import insight_thresholds
    from partner_analytics.insight_rules import PARTNER_RULES, Comparison, PartnerRule
    from partner_analytics.params import load_params

    typo = PartnerRule("typo", "improvement", 1, "win_rate", "win_rate", (Comparison("winrate", "<", 0.5),),
                       title="Win rate is {win_rate}.", action="Act.")
    monkeypatch.setattr(insight_thresholds, "PARTNER_RULES", (typo, *PARTNER_RULES))
    with pytest.raises(ValueError, match="rule 'typo' reads column 'winrate', which is neither a KPI nor a derived"):
        load_params()


def test_every_threshold_the_rules_read_has_a_default():
    from partner_analytics.insight_rules import referenced_thresholds

    read = referenced_thresholds()
    assert read["low_win_rate"] == ("win_rate_low", "min_closed_deals")
    assert read["revenue_decline"] == ("decline_periods",)  # through its derived columns and its title
    assert read["mdf_negative_roi"] == ()  # compared with a fixed 0
    assert set().union(*map(set, read.values())) <= set(DEFAULT_THRESHOLDS)


def _program_findings_with_direct_deals(tiny_frames, **closed_on: str) -> pd.DataFrame:
    deals = tiny_frames["deals"].set_index("deal_id")
    for deal, day in closed_on.items():
        deals.loc[deal, ["closed_on", "stage"]] = [day, "won"]
    tiny_frames["deals"] = deals.reset_index()
    facts = pa.rollup(pa.build_program(tiny_frames), as_of="2024-06-30")
    return program_insights(facts, partner_kpis(facts), load_params()).set_index("rule")


def test_channel_outperforms_direct_names_the_days_in_words_even_for_one_day(tiny_frames):
    # partner deals won: 30, 60 and 30 days (median 30), 3 of 4 closed won; direct D6: 31 days, 1 of 2 won
    found = _program_findings_with_direct_deals(tiny_frames, D6="2024-02-05")
    assert "direct_outperforms_channel" not in found.index
    assert found.loc["channel_outperforms_direct", "title"] == (
        "Over the last four quarters, partner deals closed 1 day faster than direct deals and won 75.0% vs 50.0%.")


def test_direct_outperforms_channel_when_direct_deals_close_faster_and_win_more(tiny_frames):
    found = _program_findings_with_direct_deals(tiny_frames, D6="2024-01-15", D7="2024-02-11")  # 10 days, both won
    assert "channel_outperforms_direct" not in found.index
    assert found.loc["direct_outperforms_channel", "title"] == (
        "Over the last four quarters, direct deals closed faster and won more often than partner deals.")
    assert found.loc["direct_outperforms_channel", "value"] == pytest.approx(0.75)
