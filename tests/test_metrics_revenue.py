"""Revenue metrics match figures computed by hand on the tiny program (quarterly, as of 2024-06-30).

Tiny program, partner revenue by quarter (won deals by close date):
P1 reseller/gold/North America: Q1 1000 sourced (D1, new customer), Q2 500 influenced (D2).
P2 referral/silver/EMEA: Q2 200 sourced (D5, new customer).
P3 technology/registered/APAC: nothing; enrolled from Q2 only.
Direct: Q1 2000 (D6), Q2 nothing won.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import partner_analytics as pa
from partner_analytics.metrics.revenue import channel_revenue, partner_revenue_kpis, revenue_by, revenue_trend

NAN = np.nan
Q1, Q2 = pd.Period("2024Q1", "Q"), pd.Period("2024Q2", "Q")


@pytest.fixture
def facts(tiny_program):
    return pa.rollup(tiny_program, freq="Q", as_of="2024-06-30")


@pytest.fixture
def year_facts(tiny_frames):
    """The tiny program plus P1 winning 250 sourced in 2023Q2 (April 2023), so year-on-year growth exists."""
    extra = pd.DataFrame([{"deal_id": "D9", "partner_id": "P1", "attribution": "sourced", "created_on": "2023-04-01",
                           "closed_on": "2023-04-15", "stage": "won", "amount": "250", "product": "Suite",
                           "customer_id": "C9", "is_new_customer": "false"}])
    tiny_frames["deals"] = pd.concat([tiny_frames["deals"], extra], ignore_index=True)
    tiny_frames["partners"].loc[0, "onboarded_on"] = "2023-01-15"
    return pa.build_program(tiny_frames)


def _kpis(rows):
    columns = ["partner_id", "revenue", "sourced_revenue", "influenced_revenue", "revenue_growth_qoq",
               "revenue_growth_yoy", "won_deals", "new_customers"]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.astype({"partner_id": "str", **dict.fromkeys(columns[1:], "float64")})


# --- partner_revenue_kpis ---------------------------------------------------------------------------------------

def test_partner_kpis_for_the_reporting_period_match_hand_computed_values(facts):
    expected = _kpis([
        ("P1", 500, 0, 500, 500 / 1000 - 1, NAN, 1, 0),  # yoy: 2023Q2 lies before the first period
        ("P2", 200, 200, 0, NAN, NAN, 1, 1),  # qoq: prior quarter revenue was 0
        ("P3", 0, 0, 0, NAN, NAN, 0, 0),
    ])
    assert_frame_equal(partner_revenue_kpis(facts), expected)


@pytest.mark.parametrize("period", ["2024Q1", Q1, pd.Period("2024-02", "M")])
def test_partner_kpis_accept_a_period_as_text_or_period(facts, period):
    expected = _kpis([("P1", 1000, 1000, 0, NAN, NAN, 1, 1), ("P2", 0, 0, 0, NAN, NAN, 0, 0),
                      ("P3", 0, 0, 0, NAN, NAN, 0, 0)])
    assert_frame_equal(partner_revenue_kpis(facts, period=period), expected)


def test_year_on_year_growth_compares_with_the_same_quarter_a_year_earlier(year_facts):
    facts = pa.rollup(year_facts, as_of="2024-06-30")
    kpis = partner_revenue_kpis(facts).set_index("partner_id")
    assert kpis.loc["P1", "revenue_growth_yoy"] == pytest.approx(500 / 250 - 1)
    assert np.isnan(kpis.loc["P2", "revenue_growth_yoy"])  # 0 a year earlier


def test_year_on_year_growth_on_monthly_facts_looks_twelve_months_back(year_facts):
    facts = pa.rollup(year_facts, freq="M", as_of="2024-06-30")
    kpis = partner_revenue_kpis(facts, period="2024-04").set_index("partner_id")
    assert kpis.loc["P1", "revenue_growth_yoy"] == pytest.approx(500 / 250 - 1)
    assert np.isnan(kpis.loc["P1", "revenue_growth_qoq"])  # March 2024: nothing won


def test_partner_kpis_follow_the_order_of_facts_partners(tiny_frames):
    tiny_frames["partners"] = tiny_frames["partners"].iloc[::-1].reset_index(drop=True)
    facts = pa.rollup(pa.build_program(tiny_frames), as_of="2024-06-30")
    assert list(partner_revenue_kpis(facts)["partner_id"]) == list(facts.partners["partner_id"])


@pytest.mark.parametrize("period", ["2023Q4", "2024Q3"])
def test_a_period_outside_the_rollup_is_rejected(facts, period):
    with pytest.raises(ValueError, match="outside the rollup's periods 2024Q1..2024Q2"):
        partner_revenue_kpis(facts, period=period)


@pytest.mark.parametrize(
    ("function", "table", "column"),
    [
        (partner_revenue_kpis, "partner_periods", "new_customers"),
        (revenue_by, "partner_periods", "enrolled"),
        (channel_revenue, "channel_periods", "attribution"),
        (revenue_trend, "channel_periods", "won_deals"),
    ],
)
def test_a_missing_column_raises_value_error_naming_it(facts, function, table, column):
    broken = dataclasses.replace(facts, **{table: getattr(facts, table).drop(columns=column)})
    with pytest.raises(ValueError, match=f"{table} is missing column '{column}'"):
        function(broken)


# --- channel_revenue --------------------------------------------------------------------------------------------

def test_channel_revenue_splits_partner_and_direct_revenue_per_period(facts):
    expected = pd.DataFrame(
        {
            "period": pd.PeriodIndex([Q1, Q2]),
            "partner_revenue": [1000.0, 700.0],
            "sourced_revenue": [1000.0, 200.0],
            "influenced_revenue": [0.0, 500.0],
            "direct_revenue": [2000.0, 0.0],
            "total_revenue": [3000.0, 700.0],
            "channel_share": [1000 / 3000, 1.0],
            "partner_won_deals": [1.0, 2.0],
            "direct_won_deals": [1.0, 0.0],
            "won_deals": [2.0, 2.0],
        }
    )
    assert_frame_equal(channel_revenue(facts), expected)


def test_channel_share_is_nan_in_a_month_when_nothing_was_won(tiny_program):
    facts = pa.rollup(tiny_program, freq="M", as_of="2024-06-30")  # first deal closes on 2024-02-09
    channel = channel_revenue(facts).set_index("period")
    assert channel.loc[pd.Period("2024-01", "M"), "total_revenue"] == 0
    assert np.isnan(channel.loc[pd.Period("2024-01", "M"), "channel_share"])
    assert channel.loc[pd.Period("2024-03", "M"), "channel_share"] == 0  # only the direct D6 won in March


# --- revenue_by -------------------------------------------------------------------------------------------------

def _by(by, rows):
    columns = [by, "revenue", "sourced_revenue", "influenced_revenue", "won_deals", "partners", "share",
               "revenue_growth_qoq", "revenue_growth_yoy"]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.astype({by: "str", "partners": "int64", **dict.fromkeys(columns[1:5] + columns[6:], "float64")})


def test_revenue_by_partner_type_sums_partners_largest_first(facts):
    expected = _by("partner_type", [
        ("reseller", 500, 0, 500, 1, 1, 500 / 700, -0.5, NAN),
        ("referral", 200, 200, 0, 1, 1, 200 / 700, NAN, NAN),
        ("technology", 0, 0, 0, 0, 1, 0, NAN, NAN),
    ])
    assert_frame_equal(revenue_by(facts), expected)


def test_revenue_by_tier_counts_only_enrolled_partners_and_breaks_ties_by_name(facts):
    expected = _by("tier", [
        ("gold", 1000, 1000, 0, 1, 1, 1.0, NAN, NAN),
        ("registered", 0, 0, 0, 0, 0, 0.0, NAN, NAN),  # P3 onboarded in Q2
        ("silver", 0, 0, 0, 0, 1, 0.0, NAN, NAN),
    ])
    assert_frame_equal(revenue_by(facts, by="tier", period="2024Q1"), expected)


def test_partners_without_the_attribute_form_one_group_with_a_missing_key(tiny_frames):
    tiny_frames["partners"].loc[[0, 1], "region"] = np.nan
    facts = pa.rollup(pa.build_program(tiny_frames), as_of="2024-06-30")
    by_region = revenue_by(facts, by="region")
    assert by_region["region"].isna().tolist() == [True, False]
    assert by_region["revenue"].tolist() == [700.0, 0.0]
    assert by_region["share"].sum() == pytest.approx(1.0)


def test_revenue_by_share_is_nan_when_partners_earned_nothing(tiny_program):
    facts = pa.rollup(tiny_program, freq="M", as_of="2024-06-30")
    by_type = revenue_by(facts, period="2024-03")  # only the direct D6 won in March
    assert by_type["revenue"].sum() == 0
    assert by_type["share"].isna().all()


def test_revenue_by_rejects_an_unknown_grouping(facts):
    with pytest.raises(ValueError, match="by must be one of"):
        revenue_by(facts, by="country")


# --- revenue_trend ----------------------------------------------------------------------------------------------

def test_program_revenue_trend_has_attribution_and_growth(facts):
    expected = pd.DataFrame(
        {
            "period": pd.PeriodIndex([Q1, Q2]),
            "revenue": [1000.0, 700.0],
            "sourced_revenue": [1000.0, 200.0],
            "influenced_revenue": [0.0, 500.0],
            "direct_revenue": [2000.0, 0.0],
            "total_revenue": [3000.0, 700.0],
            "revenue_growth_qoq": [NAN, 700 / 1000 - 1],
            "revenue_growth_yoy": [NAN, NAN],
        }
    )
    assert_frame_equal(revenue_trend(facts), expected)


def test_grouped_revenue_trend_has_one_row_per_period_and_group(facts):
    expected = pd.DataFrame(
        {
            "period": pd.PeriodIndex([Q1, Q1, Q1, Q2, Q2, Q2]),
            "partner_type": ["referral", "reseller", "technology"] * 2,
            "revenue": [0.0, 1000, 0, 200, 500, 0],
            "sourced_revenue": [0.0, 1000, 0, 200, 0, 0],
            "influenced_revenue": [0.0, 0, 0, 0, 500, 0],
            "revenue_growth_qoq": [NAN, NAN, NAN, NAN, -0.5, NAN],
            "revenue_growth_yoy": [NAN] * 6,
        }
    ).astype({"partner_type": "str"})
    assert_frame_equal(revenue_trend(facts, by="partner_type"), expected)


def test_revenue_trend_year_on_year_growth_uses_four_quarters_back(year_facts):
    trend = revenue_trend(pa.rollup(year_facts, as_of="2024-06-30")).set_index("period")
    assert list(trend.index.astype(str)) == ["2023Q2", "2023Q3", "2023Q4", "2024Q1", "2024Q2"]
    assert trend.loc[Q2, "revenue_growth_yoy"] == pytest.approx(700 / 250 - 1)
    assert np.isnan(trend.loc[Q1, "revenue_growth_qoq"])  # 2023Q4 had no revenue


# --- purity -----------------------------------------------------------------------------------------------------

def test_revenue_metrics_do_not_change_the_facts(facts):
    before = {name: getattr(facts, name).copy() for name in ("partners", "partner_periods", "channel_periods")}
    partner_revenue_kpis(facts)
    channel_revenue(facts)
    revenue_by(facts, by="region")
    revenue_trend(facts)
    revenue_trend(facts, by="tier")
    for name, frame in before.items():
        assert_frame_equal(getattr(facts, name), frame)


def test_sample_program_revenue_adds_up_across_views(sample_program):
    facts = pa.rollup(sample_program, as_of="2025-12-31")
    kpis = partner_revenue_kpis(facts)
    channel = channel_revenue(facts).set_index("period")
    by_type = revenue_by(facts)
    assert len(kpis) == len(facts.partners)
    assert kpis["revenue"].sum() == pytest.approx(channel.loc[facts.period, "partner_revenue"])
    assert by_type["revenue"].sum() == pytest.approx(kpis["revenue"].sum())
    assert (kpis["revenue"] == kpis["sourced_revenue"] + kpis["influenced_revenue"]).all()
