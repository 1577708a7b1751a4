"""One partner's report numbers and the programme's headline totals, computed by hand on the tiny program.

Tiny program, quarters, as of 2024-06-30: P1 won 1,000 and lost 300 in 2024Q1 (revenue target 2,000), won 500
in 2024Q2 (target 1,000); P2 (enrolled from February) won 200 in 2024Q2 and has no revenue target; P3 enrolled
in 2024Q2 and closed nothing.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import partner_analytics as pa
from partner_analytics.metrics.partner import kpi_changes, like_for_like_growth, partner_history, program_totals
from partner_analytics.metrics.windows import (
    enrolled_in_window,
    in_window,
    partner_index,
    partner_window_sums,
    window_performance,
)

NAN = np.nan
Q1, Q2 = pd.Period("2024Q1", "Q"), pd.Period("2024Q2", "Q")


@pytest.fixture
def facts(tiny_program):
    return pa.rollup(tiny_program, as_of="2024-06-30")


def test_partner_history_per_enrolled_period_with_target_win_rate_and_deal_size(facts):
    history = partner_history(facts, "P1", period=Q2)
    assert list(history.columns) == ["period", "revenue", "target", "won_deals", "lost_deals", "win_rate",
                                     "avg_deal_size"]
    assert history.drop(columns="period").to_dict("list") == {
        "revenue": [1000.0, 500.0], "target": [2000.0, 1000.0], "won_deals": [1.0, 1.0], "lost_deals": [1.0, 0.0],
        "win_rate": [0.5, 1.0], "avg_deal_size": [1000.0, 500.0]}
    assert list(history["period"]) == [Q1, Q2]


def test_partner_history_is_nan_where_nothing_closed_or_no_target_and_stops_at_the_period(facts):
    history = partner_history(facts, "P2", period=Q2)
    assert history["revenue"].tolist() == [0.0, 200.0]
    assert history[["target", "win_rate", "avg_deal_size"]].iloc[0].isna().all()
    assert history["target"].isna().all()
    assert partner_history(facts, "P1", period=Q1)["revenue"].tolist() == [1000.0]
    assert partner_history(facts, "P3", period=Q1).empty  # not enrolled before 2024Q2


def test_program_totals_sum_over_partners_and_targets_in_the_period(facts):
    assert program_totals(facts, period=Q2) == {"revenue": 700.0, "won_deals": 2.0, "win_rate": 1.0,
                                                "revenue_attainment": 0.5}  # 500 of P1's 1,000 target
    assert program_totals(facts, period=Q1) == {"revenue": 1000.0, "won_deals": 1.0, "win_rate": 0.5,
                                                "revenue_attainment": 0.5}


def test_program_totals_outside_the_data_are_missing(facts):
    totals = program_totals(facts, period=pd.Period("2020Q1", "Q"))
    assert set(totals) == {"revenue", "won_deals", "win_rate", "revenue_attainment"}
    assert all(np.isnan(v) for v in totals.values())


def test_kpi_changes_are_relative_for_money_and_counts_absolute_for_rates():
    changes = kpi_changes({"revenue": 150.0, "won_deals": 3.0, "win_rate": 0.5, "partner_nps": 10.0},
                          {"revenue": 0.0, "won_deals": 2.0, "win_rate": 0.25},
                          ["revenue", "won_deals", "win_rate", "partner_nps"])
    assert changes["kpi"].tolist() == ["revenue", "won_deals", "win_rate", "partner_nps"]
    assert changes["change"].tolist()[1:3] == [0.5, 0.25]
    assert np.isnan(changes["change"][0])  # no relative change from 0
    assert np.isnan(changes["prior"][3]) and np.isnan(changes["change"][3])  # no prior value


def test_like_for_like_growth_against_the_earlier_revenue_of_each_partner():
    kpis = pd.DataFrame({"partner_id": ["A", "B", "C"], "revenue": [150.0, 80.0, 10.0],
                         "revenue_growth_qoq": 9.0, "revenue_growth_yoy": 9.0})
    out = like_for_like_growth(kpis, pd.DataFrame({"partner_id": ["A", "B"], "revenue": [100.0, 0.0]}),
                               pd.DataFrame({"partner_id": ["C"], "revenue": [40.0]}))
    np.testing.assert_array_equal(out["revenue_growth_qoq"], [0.5, NAN, NAN])
    np.testing.assert_array_equal(out["revenue_growth_yoy"], [NAN, NAN, -0.75])
    assert kpis["revenue_growth_qoq"].tolist() == [9.0, 9.0, 9.0]  # input unchanged


def test_window_sums_enrolment_and_performance_per_partner_in_partner_order(facts):
    assert list(partner_index(facts)) == ["P1", "P2", "P3"]
    assert in_window(pd.Series([Q1, Q2]), Q2, 1).tolist() == [False, True]
    assert enrolled_in_window(facts, Q1, 1).tolist() == [True, True, False]
    assert enrolled_in_window(facts, Q2, 2).tolist() == [True, True, True]
    assert partner_window_sums(facts, Q2, 2, "revenue").tolist() == [1500.0, 200.0, 0.0]
    assert partner_window_sums(facts, Q2, 1, "lost_deals").tolist() == [0.0, 0.0, 0.0]
    performance = window_performance(facts, Q2, 1)
    assert performance["revenue"].tolist() == [500.0, 200.0, 0.0]
    np.testing.assert_array_equal(performance["revenue_growth"], [-0.5, NAN, NAN])  # P2 had 0 in Q1
    np.testing.assert_array_equal(performance["win_rate"], [1.0, 1.0, NAN])
    assert window_performance(facts, Q2, 2)["revenue_growth"].isna().all()  # the prior window is before the data


def test_a_window_of_no_periods_is_refused():
    with pytest.raises(ValueError, match="periods must be >= 1, got 0"):
        in_window(pd.Series([Q1]), Q1, 0)
