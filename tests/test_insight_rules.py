"""Every partner insight rule, directly: a hand-made partner table, default thresholds, exact findings.

Each rule is checked where it fires and just across its boundary, with the exact title, value, kind and severity.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from partner_analytics.insight_evaluation import evaluate_partner_rules, no_findings, required_columns
from partner_analytics.insight_rules import INSIGHT_COLUMNS, PARTNER_RULES, Comparison, PartnerRule
from partner_analytics.insights import thresholds
from partner_analytics.params import load_params

T = thresholds(load_params())
CONDITIONS = ("revenue_falling", "revenue_steady")


def _table(*rows: dict) -> pd.DataFrame:
    """Partners P1, P2, ... with the given columns; every other column missing (NaN; conditions false)."""
    frame = pd.DataFrame([{"partner_id": f"P{i}", **row} for i, row in enumerate(rows, 1)])
    for column in required_columns():
        if column not in frame:
            frame[column] = False if column in CONDITIONS else np.nan
    return frame


def _found(*rows: dict, complete: bool = True, **overrides) -> list[tuple]:
    found = evaluate_partner_rules(_table(*rows), {**T, **overrides}, complete=complete)
    return [tuple(row) for row in found[["partner_id", "rule", "kind", "severity", "kpi", "value", "title"]]
            .itertuples(index=False)]


def test_revenue_decline_fires_on_a_falling_run_and_says_by_how_much():
    found = _found({"revenue": 800.0, "revenue_falling": True, "revenue_drop": -0.2},
                   {"revenue": 800.0, "revenue_falling": True},  # no drop: the first period had no revenue
                   {"revenue": 800.0, "revenue_steady": True, "revenue_drop": -0.2})
    assert found == [
        ("P1", "revenue_decline", "improvement", 3, "revenue", 800.0,
         "Revenue has fallen 2 periods in a row, to $800 (-20% since 2 periods ago)."),
        ("P2", "revenue_decline", "improvement", 3, "revenue", 800.0, "Revenue has fallen 2 periods in a row, to $800."),
    ]


def test_revenue_decline_names_the_number_of_periods_from_the_threshold():
    found = _found({"revenue": 1500.0, "revenue_falling": True, "revenue_drop": -0.5}, decline_periods=3)
    assert found[0][-1] == "Revenue has fallen 3 periods in a row, to $1.50k (-50% since 3 periods ago)."


def test_no_revenue_fires_on_exactly_zero_unless_revenue_is_already_falling():
    rows = ({"revenue": 0.0, "revenue_steady": True}, {"revenue": 0.01, "revenue_steady": True},
            {"revenue": 0.0, "revenue_falling": True}, {"revenue_steady": True})
    assert [f[:2] for f in _found(*rows)] == [("P1", "no_revenue"), ("P3", "revenue_decline")]
    assert _found(*rows)[0][2:] == ("improvement", 2, "revenue", 0.0, "No partner revenue was won this period.")
    assert _found(rows[0], complete=False)[0][-1] == "No partner revenue was won so far this period."


def test_behind_target_below_the_threshold_and_severe_below_half_of_it():
    found = _found({"revenue_attainment": 0.79}, {"revenue_attainment": 0.8}, {"revenue_attainment": 0.39},
                   {"revenue_attainment": 0.4})
    assert found == [
        ("P1", "behind_target", "improvement", 2, "revenue_attainment", 0.79, "Revenue reached 79.0% of target."),
        ("P3", "behind_target", "improvement", 3, "revenue_attainment", 0.39, "Revenue reached 39.0% of target."),
        ("P4", "behind_target", "improvement", 2, "revenue_attainment", 0.4, "Revenue reached 40.0% of target."),
    ]


def test_target_beaten_at_or_above_the_threshold():
    found = _found({"revenue_attainment": 1.2}, {"revenue_attainment": 1.19})
    assert found == [("P1", "target_beaten", "strength", 3, "revenue_attainment", 1.2,
                      "Revenue reached 120.0% of target.")]


def test_csat_drop_at_the_threshold_compared_with_a_year_earlier():
    found = _found({"csat_prior": 0.75, "csat": 0.625, "csat_fall": 0.125},
                   {"csat_prior": 0.75, "csat": 0.6875, "csat_fall": 0.0625}, csat_drop=0.125)
    assert found == [("P1", "csat_drop", "improvement", 3, "csat", 0.625,
                      "Customer satisfaction fell from 75.0% to 62.5% in a year.")]


def test_low_win_rate_needs_enough_closed_deals():
    found = _found({"win_rate": 0.2, "closed_deals": 4}, {"win_rate": 0.2, "closed_deals": 3},
                   {"win_rate": 0.25, "closed_deals": 10})
    assert found == [("P1", "low_win_rate", "improvement", 2, "win_rate", 0.2, "Win rate is 20.0% on 4 closed deals.")]


def test_thin_pipeline_below_the_coverage_threshold():
    found = _found({"pipeline_coverage": 0.99}, {"pipeline_coverage": 1.0})
    assert found == [("P1", "thin_pipeline", "improvement", 2, "pipeline_coverage", 0.99,
                      "Open pipeline covers 1.0× next period's revenue target.")]


def test_low_enablement_below_the_engagement_threshold():
    found = _found({"engagement_index": 24.9}, {"engagement_index": 25.0})
    assert found == [("P1", "low_enablement", "improvement", 2, "engagement_index", 24.9,
                      "Engagement index is 25 of 100: little training, certification or portal use.")]


def test_mdf_unused_is_a_note_below_the_utilisation_threshold():
    found = _found({"mdf_utilisation": 0.49}, {"mdf_utilisation": 0.5})
    assert found == [("P1", "mdf_unused", "improvement", 1, "mdf_utilisation", 0.49,
                      "Only 49.0% of approved marketing funds were claimed.")]


def test_mdf_negative_roi_below_zero_only():
    found = _found({"mdf_roi": -0.1}, {"mdf_roi": 0.0})
    assert found == [("P1", "mdf_negative_roi", "improvement", 2, "mdf_roi", -0.1,
                      "Marketing funds returned less revenue than they cost (ROI -10.0%).")]


def test_strong_growth_at_the_threshold_says_what_it_compares_with():
    found = _found({"revenue_growth_yoy": 0.25}, {"revenue_growth_yoy": 0.2499})
    assert found == [("P1", "strong_growth", "strength", 2, "revenue_growth_yoy", 0.25,
                      "Revenue grew 25.0% on the same period last year.")]
    partial = _found({"revenue_growth_yoy": 0.25}, complete=False)
    assert partial[0][-1] == "Revenue grew 25.0% on the same days of the same period last year."


def test_high_performer_at_the_score_threshold_is_about_no_single_kpi():
    found = evaluate_partner_rules(_table({"composite": 80.0}, {"composite": 79.9}), T)
    assert list(found["partner_id"]) == ["P1"]
    row = found.iloc[0]
    assert (row["rule"], row["kind"], row["severity"], row["value"]) == ("high_performer", "strength", 3, 80.0)
    assert pd.isna(row["kpi"])
    assert row["title"] == "Scorecard composite of 80 out of 100 puts you among the strongest partners of your type."
    assert row["action"] == "You qualify for rewards and recognition: talk to your channel manager about co-marketing."


def test_missing_values_never_fire_and_nothing_found_is_an_empty_table():
    found = evaluate_partner_rules(_table({}, {"revenue_steady": True}), T)
    pd.testing.assert_frame_equal(found, no_findings())
    assert list(found.columns) == INSIGHT_COLUMNS


def test_findings_are_ranked_by_partner_then_improvements_then_severity_then_rule_order():
    found = evaluate_partner_rules(_table(
        {"revenue_attainment": 1.5, "composite": 90.0, "mdf_utilisation": 0.1, "revenue_growth_yoy": 0.5},
        {"revenue_attainment": 0.1, "engagement_index": 1.0, "revenue_falling": True, "revenue": 5.0},
    ).assign(partner_id=["B", "A"]), T)
    assert list(zip(found["partner_id"], found["rule"], found["severity"])) == [
        ("A", "revenue_decline", 3), ("A", "behind_target", 3), ("A", "low_enablement", 2),
        ("B", "mdf_unused", 1), ("B", "target_beaten", 3), ("B", "high_performer", 3), ("B", "strong_growth", 2),
    ]
    assert set(found["scope"]) == {"partner"}
    assert found["title"].dtype == "str" and found["severity"].dtype == "int64"


def test_a_table_without_a_column_the_rules_read_is_an_error_naming_it():
    with pytest.raises(KeyError, match=r"lacks columns \['win_rate'\]"):
        evaluate_partner_rules(_table({}).drop(columns="win_rate"), T)


def test_a_rule_table_can_be_evaluated_on_its_own():
    rule = PartnerRule("big_deal", "strength", 1, "revenue", "revenue", (Comparison("revenue", ">", 100),),
                       title="Revenue of {revenue}[ after {revenue_drop:.0%}].", action="Celebrate.")
    found = evaluate_partner_rules({"partner_id": ["X", "Y"], "revenue": [150.0, 50.0], "revenue_drop": [np.nan, 0]},
                                   T, rules=(rule,))
    assert list(found["title"]) == ["Revenue of $150."]


def test_every_rule_is_tested_here():
    names = {rule.name for rule in PARTNER_RULES}
    source = open(__file__, encoding="utf-8").read()
    assert {name for name in names if f'"{name}"' not in source} == set()


def test_a_comparison_with_an_unknown_operator_is_refused():
    with pytest.raises(ValueError, match="comparison operator must be one of"):
        Comparison("revenue", "=<", 0)
