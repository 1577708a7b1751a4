"""Satisfaction metrics, checked against hand-computed values.

The tiny program's survey responses (as of 2024-06-30):
P1 psat 4/5 (2024Q1, "Great support"), P1 partner_nps 9/10 (2024Q2: a promoter),
P2 partner_nps 5/10 (2024Q2: a detractor, "Slow deal registration"), P1 csat 5/5
(2024Q2). So over the trailing four quarters P1 has psat 0.8, NPS 100, csat
1.0; P2 NPS −100; P3 no responses. The program's NPS is (1 − 1) / 2 = 0.
"""

from __future__ import annotations

import copy
import dataclasses
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal
from scipy import stats

import partner_analytics as pa
from partner_analytics.metrics.satisfaction import (
    lowest_scoring_comments,
    nps,
    partner_satisfaction_kpis,
    satisfaction_correlations,
    satisfaction_scores,
    satisfaction_trend,
)

NAN = float("nan")
SCORES = ["psat", "psat_responses", "partner_nps", "partner_nps_responses", "csat", "csat_responses"]


@pytest.fixture
def facts(tiny_program) -> pa.Rollup:
    return pa.rollup(tiny_program, as_of="2024-06-30")


@pytest.fixture
def bare(tiny_frames) -> pa.Rollup:
    """The tiny program without its optional tables."""
    program = pa.build_program({k: tiny_frames[k] for k in ("partners", "deals", "targets")}, source="tiny")
    return pa.rollup(program, as_of="2024-06-30")


def ids(*values: str) -> pd.Series:
    return pd.Series(list(values), dtype="str")


def with_surveys(facts: pa.Rollup, rows: list[tuple]) -> pa.Rollup:
    """Facts with hand-built survey facts: rows of
    (partner_id, period, survey, responses, score_pct_sum, promoters, passives, detractors)."""
    frame = pd.DataFrame(rows, columns=["partner_id", "period", "survey", "responses", "score_pct_sum",
                                        "promoters", "passives", "detractors"])
    frame = frame.assign(period=pd.PeriodIndex(frame["period"], freq=facts.freq), score_sum=0.0).astype(
        {"partner_id": "str", "survey": "str", "responses": "float64", "score_pct_sum": "float64",
         "promoters": "float64", "passives": "float64", "detractors": "float64"})
    return dataclasses.replace(facts, surveys=frame)


# -- nps ---------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("promoters", "passives", "detractors", "expected"), [
    (5, 3, 2, 30.0),
    (1, 0, 0, 100.0),
    (0, 0, 1, -100.0),
    (0, 5, 0, 0.0),
    (0, 0, 0, NAN),
])
def test_nps_is_percent_promoters_minus_percent_detractors(promoters, passives, detractors, expected):
    assert nps(promoters, passives, detractors) == pytest.approx(expected, nan_ok=True)


def test_nps_rejects_negative_counts():
    with pytest.raises(ValueError, match="promoters"):
        nps(-1, 0, 0)


@settings(max_examples=50, deadline=None)
@given(st.integers(0, 1000), st.integers(0, 1000), st.integers(0, 1000))
def test_nps_lies_between_minus_100_and_100(promoters, passives, detractors):
    value = nps(promoters, passives, detractors)
    assert np.isnan(value) if promoters + passives + detractors == 0 else -100 <= value <= 100


# -- per-partner KPIs ----------------------------------------------------------------------------------------------


def test_partner_satisfaction_kpis_match_the_hand_computed_values(facts):
    expected = pd.DataFrame({
        "partner_id": ids("P1", "P2", "P3"),
        "psat": [0.8, NAN, NAN],
        "partner_nps": [100.0, -100.0, NAN],
        "csat": [1.0, NAN, NAN],
    })
    assert_frame_equal(partner_satisfaction_kpis(facts), expected)


def test_partner_satisfaction_kpis_of_an_earlier_period_only_see_responses_until_then(facts):
    kpis = partner_satisfaction_kpis(facts, period="2024Q1")
    assert kpis["psat"].tolist() == pytest.approx([0.8, NAN, NAN], nan_ok=True)
    assert kpis[["partner_nps", "csat"]].isna().all().all()


def test_partner_satisfaction_kpis_use_twelve_months_for_monthly_facts(tiny_program):
    facts = pa.rollup(tiny_program, freq="M", as_of="2024-06-30")
    kpis = partner_satisfaction_kpis(facts)
    assert kpis["psat"].tolist()[0] == 0.8 and kpis["partner_nps"].tolist()[:2] == [100.0, -100.0]


def test_partner_satisfaction_kpis_are_nan_without_a_surveys_table(bare):
    kpis = partner_satisfaction_kpis(bare)
    assert kpis["partner_id"].tolist() == ["P1", "P2", "P3"]
    assert kpis.drop(columns="partner_id").isna().all().all()


# -- scores --------------------------------------------------------------------------------------------------------


def test_satisfaction_scores_per_partner_carry_response_counts(facts):
    expected = pd.DataFrame({
        "partner_id": ids("P1", "P2", "P3"),
        "partner_type": ids("reseller", "referral", "technology"),
        "psat": [0.8, NAN, NAN], "psat_responses": [1.0, 0.0, 0.0],
        "partner_nps": [100.0, -100.0, NAN], "partner_nps_responses": [1.0, 1.0, 0.0],
        "csat": [1.0, NAN, NAN], "csat_responses": [1.0, 0.0, 0.0],
    })
    assert_frame_equal(satisfaction_scores(facts), expected)


def test_satisfaction_scores_per_type_list_every_type_sorted(facts):
    scores = satisfaction_scores(facts, by="partner_type")
    assert scores["partner_type"].tolist() == ["referral", "reseller", "technology"]
    assert scores["partner_nps"].tolist() == pytest.approx([-100.0, 100.0, NAN], nan_ok=True)


@pytest.mark.parametrize(("period", "periods", "expected"), [
    ("2024Q2", 4, [0.8, 1.0, 0.0, 2.0, 1.0, 1.0]),
    ("2024Q2", 1, [NAN, 0.0, 0.0, 2.0, 1.0, 1.0]),
    ("2024Q1", 1, [0.8, 1.0, NAN, 0.0, NAN, 0.0]),
])
def test_satisfaction_scores_for_the_program_pool_every_response(facts, period, periods, expected):
    scores = satisfaction_scores(facts, by=None, period=period, periods=periods)
    assert list(scores.columns) == SCORES and len(scores) == 1
    assert scores.iloc[0].tolist() == pytest.approx(expected, nan_ok=True)


def test_group_scores_pool_responses_rather_than_average_partner_scores(facts):
    pooled = with_surveys(facts, [("P1", "2024Q2", "psat", 3, 2.4, 0, 0, 0), ("P2", "2024Q2", "psat", 1, 0.4, 0, 0, 0),
                                  ("P1", "2024Q2", "partner_nps", 4, 3.0, 3, 1, 0),
                                  ("P2", "2024Q2", "partner_nps", 1, 0.2, 0, 0, 1)])
    total = satisfaction_scores(pooled, by=None).iloc[0]
    assert total["psat"] == pytest.approx(2.8 / 4)  # not (0.8 + 0.4) / 2
    assert total["partner_nps"] == pytest.approx(100 * (3 - 1) / 5)


def test_nps_responses_on_other_scales_count_as_responses_but_not_in_nps(facts):
    five_point = with_surveys(facts, [("P1", "2024Q2", "partner_nps", 1, 0.8, 0, 0, 0)])
    row = satisfaction_scores(five_point).iloc[0]
    assert np.isnan(row["partner_nps"]) and row["partner_nps_responses"] == 1.0


def test_satisfaction_scores_without_a_surveys_table_are_nan_not_zero(bare):
    scores = satisfaction_scores(bare, by=None)
    assert scores.isna().all().all()


def test_satisfaction_scores_reject_an_unknown_grouping(facts):
    with pytest.raises(ValueError, match="by must be"):
        satisfaction_scores(facts, by="region")


# -- trend -----------------------------------------------------------------------------------------------------------


def test_satisfaction_trend_scores_each_period_alone(facts):
    expected = pd.DataFrame({
        "period": pd.PeriodIndex(["2024Q1", "2024Q2"], freq="Q"),
        "psat": [0.8, NAN], "psat_responses": [1.0, 0.0],
        "partner_nps": [NAN, 0.0], "partner_nps_responses": [0.0, 2.0],
        "csat": [NAN, 1.0], "csat_responses": [0.0, 1.0],
    })
    assert_frame_equal(satisfaction_trend(facts), expected)


def test_satisfaction_trend_per_partner_has_every_period_and_partner(facts):
    trend = satisfaction_trend(facts, by="partner_id")
    assert trend[["period", "partner_id"]].astype(str).values.tolist() == [
        ["2024Q1", "P1"], ["2024Q1", "P2"], ["2024Q1", "P3"], ["2024Q2", "P1"], ["2024Q2", "P2"], ["2024Q2", "P3"]]
    assert trend["partner_nps"].tolist() == pytest.approx([NAN, NAN, NAN, 100.0, -100.0, NAN], nan_ok=True)


def test_satisfaction_trend_without_a_surveys_table_is_all_nan(bare):
    trend = satisfaction_trend(bare, by="partner_type")
    assert len(trend) == 2 * 3 and trend[SCORES].isna().all().all()


# -- correlations --------------------------------------------------------------------------------------------------


def synthetic() -> pa.Rollup:
    """Five enrolled partners: psat 0.1..0.5 in 2024Q2; revenue 100 each in 2024Q1 and 200, 100, 400, 300, 500 in
    2024Q2 (growth 1, 0, 3, 2, 4); one won and one lost deal each quarter (win rate constant 0.5)."""
    partner_ids = ["S1", "S2", "S3", "S4", "S5"]
    periods = pd.period_range("2024Q1", "2024Q2", freq="Q")
    partners = pd.DataFrame({"partner_id": partner_ids, "partner_type": ["reseller"] * 5}, dtype="str")
    grid = pd.DataFrame({
        "partner_id": pd.array(partner_ids * 2, dtype="str"),
        "period": [periods[0]] * 5 + [periods[1]] * 5,
        "enrolled": True,
        "revenue": [100.0] * 5 + [200.0, 100.0, 400.0, 300.0, 500.0],
        "won_deals": 1.0, "lost_deals": 1.0,
    })
    surveys = pd.DataFrame({
        "partner_id": pd.array(partner_ids, dtype="str"), "period": [periods[1]] * 5,
        "survey": pd.array(["psat"] * 5, dtype="str"), "responses": 1.0, "score_sum": 0.0,
        "score_pct_sum": [0.1, 0.2, 0.3, 0.4, 0.5], "promoters": 0.0, "passives": 0.0, "detractors": 0.0,
    })
    engagement = pd.DataFrame({"partner_id": pd.array([], dtype="str"), "period": pd.PeriodIndex([], freq="Q"),
                               "activity": pd.array([], dtype="str"), "quantity": np.array([], dtype="float64")})
    return pa.Rollup(freq="Q", as_of=pd.Timestamp("2024-06-30"), periods=periods, partners=partners,
                     partner_periods=grid, channel_periods=pd.DataFrame(), partner_channel_periods=pd.DataFrame(), partner_deal_stats=pd.DataFrame(),
                     deal_stats=pd.DataFrame(), engagement=engagement, surveys=surveys, comments=pd.DataFrame(),
                     mdf=pd.DataFrame(), target_actuals=pd.DataFrame(), available=frozenset({"surveys"}))


def fisher_interval(r: float, se: float, alpha: float) -> tuple[float, float]:
    half = stats.norm.ppf(1 - alpha / 2) * se
    return math.tanh(math.atanh(r) - half), math.tanh(math.atanh(r) + half)


@pytest.mark.parametrize("alpha", [0.05, 0.2])
def test_satisfaction_correlations_match_hand_computed_r_ci_and_p(alpha):
    corr = satisfaction_correlations(synthetic(), period="2024Q2", periods=1, alpha=alpha)
    assert len(corr) == 4 * 3 * 2
    psat = corr[(corr["x"] == "psat") & (corr["y"] != "win_rate")].set_index(["y", "method"])
    # x = 1..5 against 2, 1, 4, 3, 5 (revenue and growth are linear in it): r = 8 / 10 for both methods
    p = 2 * stats.t.sf(0.8 * math.sqrt(3) / 0.6, df=3)
    for y in ("revenue", "revenue_growth"):
        spearman, pearson = psat.loc[(y, "spearman")], psat.loc[(y, "pearson")]
        assert spearman["n"] == pearson["n"] == 5
        assert spearman["r"] == pytest.approx(0.8) and pearson["r"] == pytest.approx(0.8)
        assert (spearman["ci_low"], spearman["ci_high"]) == pytest.approx(
            fisher_interval(0.8, math.sqrt(1.06 / 2), alpha))
        assert (pearson["ci_low"], pearson["ci_high"]) == pytest.approx(fisher_interval(0.8, math.sqrt(1 / 2), alpha))
        for row in (spearman, pearson):
            assert row["p_value"] == pytest.approx(p)       # ≈ 0.104
            assert row["p_adjusted"] == pytest.approx(p)    # four equal p-values: BH leaves them unchanged
            assert row["significant"] == (p < alpha)


def test_satisfaction_correlations_are_nan_for_constant_or_missing_variables():
    corr = satisfaction_correlations(synthetic(), period="2024Q2", periods=1)
    win_rate = corr[(corr["x"] == "psat") & (corr["y"] == "win_rate")]
    assert win_rate["n"].tolist() == [5.0, 5.0] and win_rate["r"].isna().all()  # win rate is 0.5 for everyone
    others = corr[corr["x"] != "psat"]
    assert (others["n"] == 0).all() and others[["r", "ci_low", "ci_high", "p_value", "p_adjusted"]].isna().all().all()
    assert not corr.loc[corr["p_value"].isna(), "significant"].any()


def test_revenue_growth_is_nan_when_the_prior_window_starts_before_the_data():
    corr = satisfaction_correlations(synthetic(), period="2024Q2", periods=2)
    growth = corr[(corr["x"] == "psat") & (corr["y"] == "revenue_growth")]
    assert growth["n"].tolist() == [0.0, 0.0]


def test_satisfaction_correlations_adjust_p_values_with_benjamini_hochberg(sample_program):
    facts = pa.rollup(sample_program, as_of="2025-12-31")
    corr = satisfaction_correlations(facts)
    tested = corr["p_value"].notna()
    assert tested.sum() == 24
    assert corr.loc[tested, "p_adjusted"].to_numpy() == pytest.approx(
        stats.false_discovery_control(corr.loc[tested, "p_value"].to_numpy()))
    assert (corr["significant"] == (corr["p_adjusted"] < 0.05)).all()
    assert ((corr["ci_low"] <= corr["r"]) & (corr["r"] <= corr["ci_high"])).all()


def test_satisfaction_correlations_of_the_tiny_program_are_nan_not_errors(facts, bare):
    for rollup in (facts, bare):
        corr = satisfaction_correlations(rollup)
        assert list(corr.columns) == ["x", "y", "method", "n", "r", "ci_low", "ci_high", "p_value", "p_adjusted",
                                      "significant"]
        assert corr["r"].isna().all() and not corr["significant"].any()
    counts = satisfaction_correlations(facts, method="spearman").set_index(["x", "y"])["n"]
    assert counts[("partner_nps", "revenue")] == 2 and counts[("engagement_index", "revenue")] == 3


@pytest.mark.parametrize(("options", "message"), [({"method": "kendall"}, "method"), ({"method": []}, "method"),
                                                  ({"alpha": 0.0}, "alpha"), ({"alpha": 1.0}, "alpha")])
def test_satisfaction_correlations_reject_bad_options(facts, options, message):
    with pytest.raises(ValueError, match=message):
        satisfaction_correlations(facts, **options)


def test_a_single_method_gives_one_row_per_pair(facts):
    corr = satisfaction_correlations(facts, method="pearson")
    assert len(corr) == 12 and set(corr["method"]) == {"pearson"}


# -- comments ------------------------------------------------------------------------------------------------------


def test_lowest_scoring_comments_come_lowest_score_fraction_first(facts):
    expected = pd.DataFrame({
        "score": [5.0, 4.0], "scale_max": [10.0, 5.0], "score_pct": [0.5, 0.8],
        "survey": ids("partner_nps", "psat"),
        "responded_on": pd.to_datetime(["2024-06-01", "2024-03-15"]).astype("datetime64[ns]"),
        "partner_id": ids("P2", "P1"),
        "comment": ids("Slow deal registration", "Great support"),
    })
    assert_frame_equal(lowest_scoring_comments(facts), expected)


@pytest.mark.parametrize(("survey", "n", "partners"), [
    (None, 1, ["P2"]), (None, 0, []), ("psat", 10, ["P1"]), ("csat", 10, []),
])
def test_lowest_scoring_comments_filter_by_survey_and_count(facts, survey, n, partners):
    assert lowest_scoring_comments(facts, survey=survey, n=n)["partner_id"].tolist() == partners


def test_lowest_scoring_comment_ties_go_to_the_most_recent(facts):
    comments = pd.DataFrame({
        "partner_id": ids("P1", "P2", "P3"), "responded_on": pd.to_datetime(["2024-01-01", "2024-05-01", "2024-05-01"]),
        "survey": ids("psat", "partner_nps", "psat"), "score": [2.0, 4.0, 2.0], "scale_max": [5.0, 10.0, 5.0],
        "comment": ids("a", "b", "c"),
    })
    tied = dataclasses.replace(facts, comments=comments)
    assert lowest_scoring_comments(tied)["comment"].tolist() == ["b", "c", "a"]


def test_lowest_scoring_comments_are_empty_without_a_surveys_table(bare):
    worst = lowest_scoring_comments(bare)
    assert worst.empty and list(worst.columns) == ["score", "scale_max", "score_pct", "survey", "responded_on",
                                                   "partner_id", "comment"]


@pytest.mark.parametrize(("options", "message"), [({"survey": "nps"}, "survey"), ({"n": -1}, "n must")])
def test_lowest_scoring_comments_reject_bad_options(facts, options, message):
    with pytest.raises(ValueError, match=message):
        lowest_scoring_comments(facts, **options)


# -- contracts -------------------------------------------------------------------------------------------------------


def test_satisfaction_metrics_never_modify_the_facts(facts):
    before = copy.deepcopy(facts)
    satisfaction_scores(facts, by="partner_type")
    partner_satisfaction_kpis(facts)
    satisfaction_correlations(facts)
    lowest_scoring_comments(facts)
    satisfaction_trend(facts, by="partner_id")
    for field in ("partners", "partner_periods", "surveys", "comments", "engagement"):
        assert_frame_equal(getattr(facts, field), getattr(before, field))


@pytest.mark.parametrize("function", [satisfaction_scores, partner_satisfaction_kpis, satisfaction_trend,
                                      satisfaction_correlations])
def test_satisfaction_metrics_name_a_missing_column(facts, function):
    broken = dataclasses.replace(facts, surveys=facts.surveys.drop(columns="promoters"))
    with pytest.raises(ValueError, match="promoters"):
        function(broken)


def test_satisfaction_metrics_reject_a_period_outside_the_rollup(facts):
    with pytest.raises(ValueError, match="outside"):
        partner_satisfaction_kpis(facts, period="2025Q1")


# -- minimum responses per partner and tie-safe ranks -----------------------------------------------------------


def with_psat(sums: list[float], responses: list[float]) -> pa.Rollup:
    """The synthetic program with its five partners' PSAT score sums and response counts replaced."""
    facts = synthetic()
    surveys = facts.surveys.assign(score_pct_sum=sums, responses=responses)
    return dataclasses.replace(facts, surveys=surveys)


def psat_vs_revenue(facts: pa.Rollup, **options) -> pd.Series:
    corr = satisfaction_correlations(facts, period="2024Q2", periods=1, method="spearman", **options)
    return corr.set_index(["x", "y"]).loc[("psat", "revenue")]


def test_partners_below_min_responses_are_left_out_of_the_correlations():
    facts = with_psat([0.1, 0.4, 0.9, 1.6, 2.5], [1.0, 2.0, 3.0, 4.0, 5.0])  # psat 0.1 .. 0.5 again
    everyone = psat_vs_revenue(facts)
    assert everyone["n"] == 5 and everyone["r"] == pytest.approx(0.8)
    # min 2 responses drops S1: psat 0.2..0.5 against revenue 100, 400, 300, 500 -> 1 - 6 * 2 / (4 * 15)
    two = psat_vs_revenue(facts, min_responses=2)
    assert two["n"] == 4 and two["r"] == pytest.approx(0.8)
    assert two["p_value"] == pytest.approx(stats.spearmanr([0.2, 0.3, 0.4, 0.5], [100, 400, 300, 500]).pvalue)
    few = psat_vs_revenue(facts, min_responses=3)
    assert few["n"] == 3 and math.isnan(few["r"])  # too few partners left to correlate


@pytest.mark.parametrize("value", [0, 2.5, -1, True])
def test_min_responses_must_be_a_whole_number_of_at_least_one(value):
    with pytest.raises(ValueError, match="min_responses must be an integer >= 1"):
        satisfaction_correlations(synthetic(), min_responses=value)


def test_spearman_keeps_equal_means_tied_whatever_their_float_noise():
    noisy = with_psat([0.1 + 0.2, 0.3, 0.5, 0.7, 0.9], [1.0] * 5)  # S1 0.30000000000000004, S2 0.3: equal means
    expected = stats.spearmanr([0.3, 0.3, 0.5, 0.7, 0.9], [200, 100, 400, 300, 500]).statistic
    assert psat_vs_revenue(noisy)["r"] == expected  # exactly: the tie is kept
    assert expected == pytest.approx(0.8721, abs=1e-4)
    assert stats.spearmanr([0.1 + 0.2, 0.3, 0.5, 0.7, 0.9], [200, 100, 400, 300, 500]).statistic == pytest.approx(0.9)


def test_round_for_ranking_keeps_real_differences():
    from partner_analytics.metrics.satisfaction import round_for_ranking

    values = np.array([0.1 + 0.2, 0.3, 0.3 + 1e-9, np.nan, 5e6 + 1.0])
    assert round_for_ranking(values[:3]).tolist() == [0.3, 0.3, 0.300000001]
    assert round_for_ranking(values[3:]).tolist()[1] == 5000001.0 and np.isnan(round_for_ranking(values[3:])[0])
    assert round_for_ranking(np.array([0.0, 0.0])).tolist() == [0.0, 0.0]
