"""Cohort membership on the tiny program: P1 onboarded 2023-01-15, P2 2024-02-01, P3 2024-05-01; deals from 2024."""

from __future__ import annotations

import pandas as pd
import pytest

import partner_analytics as pa
from partner_analytics.metrics.cohort_members import COHORT_GRAINS, cohort_grain, cohort_members, in_deal_history


@pytest.fixture
def facts(tiny_program):
    return pa.rollup(tiny_program, as_of="2024-03-31")


def test_members_are_the_partners_onboarded_by_as_of_with_their_cohort(facts):
    members = cohort_members(facts, ["partner_type"], "quarter")
    assert list(members.columns) == ["partner_id", "onboarded_on", "partner_type", "cohort"]
    assert members["partner_id"].tolist() == ["P1", "P2"]  # P3 is onboarded after as_of
    assert members["cohort"].tolist() == [pd.Period("2023Q1", "Q"), pd.Period("2024Q1", "Q")]
    assert cohort_members(facts, [], "month")["cohort"].tolist() == [pd.Period("2023-01", "M"),
                                                                    pd.Period("2024-02", "M")]
    assert cohort_members(facts, [], "year")["cohort"].astype(str).tolist() == ["2023", "2024"]


def test_the_deal_history_covers_partners_onboarded_since_it_starts(facts):
    members = cohort_members(facts, [], "quarter")
    assert facts.periods[0] == pd.Period("2024Q1", "Q")
    assert in_deal_history(facts, members, complete_history=False).tolist() == [False, True]
    assert in_deal_history(facts, members, complete_history=True).tolist() == [True, True]


def test_an_unknown_grain_is_an_error_naming_the_option():
    assert COHORT_GRAINS == {"month": "M", "quarter": "Q", "year": "Y"}
    assert cohort_grain("quarter") == "Q"
    with pytest.raises(ValueError, match=r"cohort_by must be one of \['month', 'quarter', 'year'\], got 'week'"):
        cohort_grain("week", "cohort_by")


def test_a_partners_table_without_the_asked_column_is_an_error_naming_it(facts):
    with pytest.raises(ValueError, match="partner_tier"):
        cohort_members(facts, ["partner_tier"], "quarter")
