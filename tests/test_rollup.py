"""Rollup facts match figures computed by hand on the tiny program (as of 2024-06-30, quarterly)."""

from __future__ import annotations

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

import partner_analytics as pa
from partner_analytics.rollup import channel_periods, deals_for, trailing_totals

Q1, Q2 = pd.Period("2024Q1", "Q"), pd.Period("2024Q2", "Q")


@pytest.fixture
def facts(tiny_program):
    return pa.rollup(tiny_program, freq="Q", as_of="2024-06-30")


def _row(frame, **keys):
    mask = pd.Series(True, index=frame.index)
    for key, value in keys.items():
        mask &= frame[key] == value
    assert mask.sum() == 1, keys
    return frame[mask].iloc[0]


def test_periods_run_from_the_first_deal_to_as_of(facts):
    assert list(facts.periods) == [Q1, Q2]
    assert facts.period == Q2


@pytest.mark.parametrize(
    ("partner", "period", "expected"),
    [
        ("P1", Q1, dict(sourced_revenue=1000, influenced_revenue=0, revenue=1000, won_deals=1, lost_deals=1,
                        lost_amount=300, created_deals=3, pipeline_created=1800, new_customers=1,
                        days_to_close_sum=30, open_deals=1, open_pipeline=500)),
        ("P1", Q2, dict(sourced_revenue=0, influenced_revenue=500, revenue=500, won_deals=1, lost_deals=0,
                        lost_amount=0, created_deals=1, pipeline_created=400, new_customers=0,
                        days_to_close_sum=60, open_deals=1, open_pipeline=400)),
        ("P2", Q1, dict(revenue=0, created_deals=1, pipeline_created=800, open_deals=1, open_pipeline=800)),
        ("P2", Q2, dict(sourced_revenue=200, revenue=200, won_deals=1, new_customers=1, days_to_close_sum=30,
                        open_deals=1, open_pipeline=800)),
        ("P3", Q2, dict(revenue=0, won_deals=0, created_deals=0, open_deals=0, open_pipeline=0)),
    ],
)
def test_partner_period_measures_match_hand_computed_values(facts, partner, period, expected):
    row = _row(facts.partner_periods, partner_id=partner, period=period)
    assert {k: row[k] for k in expected} == pytest.approx(expected)


def test_the_partner_grid_is_complete_with_true_zeros(facts):
    assert len(facts.partner_periods) == 3 * 2
    assert facts.partner_periods.drop(columns=["tier"]).notna().all().all()


def test_enrolment_follows_onboarding_and_churn(facts):
    enrolled = facts.partner_periods.set_index(["partner_id", "period"])["enrolled"]
    assert enrolled[("P2", Q1)]  # onboarded 2024-02-01, inside Q1
    assert not enrolled[("P3", Q1)]  # onboarded 2024-05-01
    assert enrolled[("P3", Q2)]


def test_channel_periods_split_won_revenue_by_attribution(facts):
    got = facts.channel_periods.set_index(["period", "attribution"])
    assert got.loc[(Q1, "direct"), "revenue"] == 2000
    assert got.loc[(Q1, "sourced"), "lost_amount"] == 300
    assert got.loc[(Q2, "influenced"), "revenue"] == 500
    assert got.loc[(Q2, "direct"), "lost_deals"] == 1
    assert got["revenue"].sum() == 3700


@pytest.mark.parametrize("freq", ["Q", "M"])
def test_channel_periods_from_the_per_partner_totals_equal_the_engine_totals(freq):
    # explore.subset_facts recomputes channel totals from a subset of partners in pandas: same numbers
    facts = pa.rollup(pa.load_program("sample"), freq=freq)
    got = channel_periods(facts.partner_channel_periods, facts.periods, direct=facts.channel_periods)
    assert_frame_equal(got, facts.channel_periods, rtol=1e-12)


def test_partner_deal_stats_hold_exact_medians_of_the_won_deals(facts):
    # won: D1 P1 1000 (Q1, 30 days); D2 P1 500 (Q2, 60); D5 P2 200 (Q2, 30)
    got = facts.partner_deal_stats.set_index(["partner_id", "period"])
    assert got["days_median"].to_dict() == {("P1", Q1): 30, ("P1", Q2): 60, ("P2", Q2): 30}
    assert got["amount_median"].to_dict() == {("P1", Q1): 1000, ("P1", Q2): 500, ("P2", Q2): 200}


def test_deal_stats_hold_quartiles_per_window_and_grouping(facts):
    assert facts.windows == (1, 2, 4)  # one period, a year of quarters, the whole span (2 quarters)
    stats = facts.deal_stats.set_index(["periods", "period", "by", "group"])
    partner = stats.loc[(2, Q2, "channel", "partner")]  # won partner deals: 30, 60, 30 days; 1000, 500, 200
    assert (partner["n"], partner["days_median"], partner["days_p25"], partner["days_p75"]) == (3, 30, 30, 45)
    assert (partner["amount_min"], partner["amount_median"], partner["amount_max"]) == (200, 500, 1000)
    assert stats.loc[(1, Q1, "attribution", "direct"), "days_median"] == 60  # D6
    assert stats.loc[(4, Q2, "all", "all"), "n"] == 3
    assert set(stats.loc[(1, Q2)].index) == {("all", "all"), ("attribution", "influenced"),
                                             ("attribution", "sourced"), ("channel", "partner"),
                                             ("partner_type", "referral"), ("partner_type", "reseller")}


def test_no_rollup_frame_grows_with_the_deals(sample_program):
    facts = pa.rollup(sample_program)
    partner_periods = len(facts.partners) * len(facts.periods)
    for name in ("partner_channel_periods", "partner_deal_stats"):
        assert len(getattr(facts, name)) <= 2 * partner_periods, name
    groups = 1 + 2 + 3 + facts.partners["partner_type"].nunique()
    assert len(facts.deal_stats) <= groups * len(facts.periods) * len(facts.windows)


def test_deals_for_drills_down_to_one_partner_and_stage_as_of_a_date(tiny_program):
    deals = deals_for(tiny_program, as_of="2024-03-31")
    assert "D2" in set(deals.loc[deals["stage"] == "open", "deal_id"])  # closed 2024-04-01: still open
    assert "D8" not in set(deals["deal_id"])  # created after as_of
    won = deals_for(tiny_program, partner_id="P1", stage="won", as_of="2024-06-30")
    assert won.set_index("deal_id")["days_to_close"].to_dict() == {"D1": 30, "D2": 60}
    assert won["age_days"].isna().all()
    assert list(deals_for(tiny_program, partner_type="referral", stage="open")["deal_id"]) == ["D4"]


def test_deals_for_is_bounded(tiny_program):
    assert len(deals_for(tiny_program, limit=8)) == 8
    with pytest.raises(ValueError, match="more than 3 deals match"):
        deals_for(tiny_program, limit=3)
    with pytest.raises(ValueError, match="stage must be"):
        deals_for(tiny_program, stage="pending")


def test_target_actuals_are_measured_over_each_target_window(facts):
    got = facts.target_actuals.set_index(["partner_id", "kpi", "period_start"])
    assert got.loc[("P1", "revenue", pd.Timestamp("2024-01-01")), "actual"] == 1000
    assert got.loc[("P1", "revenue", pd.Timestamp("2024-04-01")), "actual"] == 500
    assert got.loc[("P2", "deals_won", pd.Timestamp("2024-04-01")), "actual"] == 1
    cert = got.loc[("P1", "certifications", pd.Timestamp("2024-01-01"))]
    assert cert["actual"] == 2  # engagement rows 'certification' count for the 'certifications' KPI
    assert cert["elapsed"] == pytest.approx(182 / 366)


def test_a_target_kpi_that_cannot_be_measured_has_a_missing_actual(tiny_frames):
    tiny_frames["targets"].loc[0, "kpi"] = "joint_business_plans"
    facts = pa.rollup(pa.build_program(tiny_frames), as_of="2024-06-30")
    assert pd.isna(facts.target_actuals.loc[0, "actual"])


def test_survey_facts_count_nps_bands_on_ten_point_scales_only(facts):
    got = facts.surveys.set_index(["partner_id", "survey"])
    assert got.loc[("P1", "partner_nps"), "promoters"] == 1
    assert got.loc[("P2", "partner_nps"), "detractors"] == 1
    assert got.loc[("P1", "psat"), ["promoters", "passives", "detractors"]].sum() == 0
    assert got.loc[("P1", "psat"), "score_pct_sum"] == pytest.approx(0.8)


def test_engagement_and_mdf_facts_are_summed_per_period(facts):
    engagement = facts.engagement.set_index(["partner_id", "period", "activity"])["quantity"]
    assert engagement[("P1", Q1, "certification")] == 1
    assert engagement[("P1", Q2, "certification")] == 1
    mdf = facts.mdf.iloc[0]
    assert (mdf["amount_approved"], mdf["amount_claimed"], mdf["attributed_revenue"]) == (1000, 800, 3000)


def test_partner_dimension_has_first_deal_dates(facts):
    partners = facts.partners.set_index("partner_id")
    assert partners.loc["P1", "first_won_on"] == pd.Timestamp("2024-02-09")
    assert pd.isna(partners.loc["P3", "first_deal_on"])


def test_monthly_grain_sums_to_the_quarterly_totals(tiny_program):
    monthly = pa.rollup(tiny_program, freq="M", as_of="2024-06-30").partner_periods
    quarterly = pa.rollup(tiny_program, freq="Q", as_of="2024-06-30").partner_periods
    flows = ["revenue", "won_deals", "lost_amount", "pipeline_created"]
    by_quarter = monthly.assign(period=monthly["period"].dt.asfreq("Q")).groupby(["partner_id", "period"])[flows].sum()
    assert_frame_equal(by_quarter, quarterly.set_index(["partner_id", "period"])[flows])


def test_trailing_totals_sum_flows_and_snapshot_open_pipeline(facts):
    totals = trailing_totals(facts.partner_periods, end=Q2, n_periods=2).set_index("partner_id")
    assert totals.loc["P1", "revenue"] == 1500
    assert totals.loc["P1", "open_pipeline"] == 400
    assert totals.loc["P2", "won_deals"] == 1


def test_rollup_does_not_change_the_program(tiny_program):
    before = tiny_program.fingerprint
    deals = tiny_program.deals.copy()
    pa.rollup(tiny_program, as_of="2024-06-30")
    assert_frame_equal(tiny_program.deals, deals)
    assert tiny_program.fingerprint == before


def test_an_unknown_grain_is_rejected(tiny_program):
    with pytest.raises(ValueError, match="freq must be one of"):
        pa.rollup(tiny_program, freq="W")


def test_a_rollup_before_any_win_has_no_first_win_dates(tiny_program):
    facts = pa.rollup(tiny_program, as_of="2024-01-31")
    assert facts.partners["first_won_on"].isna().all()
    assert facts.partners["first_won_on"].dtype == "datetime64[ns]"
    assert facts.partner_periods["revenue"].sum() == 0


def test_channel_distributions_equal_the_engine_computing_the_channel_grouping(sample_program):
    """The rollup copies the channel groups from ``all`` and the direct attribution instead of computing them."""
    from partner_analytics.engine.backends import DuckDBEngine
    from partner_analytics.engine.queries import RollupQueries
    from partner_analytics.rollup import deal_stat_frame

    facts = pa.rollup(sample_program)
    queries = RollupQueries(facts.freq, facts.as_of)
    windows = [(p, p, 1) for p in facts.periods]
    tables = {name: sample_program.table(name) for name in ("partners", "deals")}
    with DuckDBEngine.from_frames(tables) as engine:
        engine.materialize("as_of_deals", queries.as_of_deals)
        direct = deal_stat_frame(engine.fetch(queries.deal_stats(windows, ["channel"])), facts.freq)
    got = facts.deal_stats[(facts.deal_stats["periods"] == 1) & (facts.deal_stats["by"] == "channel")]
    assert set(got["group"]) == {"partner", "direct"} and len(got) == len(direct)
    pd.testing.assert_frame_equal(got.reset_index(drop=True),
                                  direct.sort_values(["period", "group"], ignore_index=True),
                                  check_exact=False, rtol=1e-12)
