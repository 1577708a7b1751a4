"""Engagement metrics, checked against hand-computed values.

The tiny program (as of 2024-06-30, quarters 2024Q1..2024Q2) records:
P1 prm_login 5 and certification 1 in 2024Q1, certification 1 in 2024Q2;
P2 training_completed 2 in 2024Q1; P3 nothing. P1 and P2 are enrolled in both
quarters, P3 (onboarded 2024-05-01) only in 2024Q2. P1 won deals in both
quarters, P2 in 2024Q2.

Engagement index over the trailing year at 2024Q2 (recorded weighted
activities: certification 3, prm_login 1, training_completed 2; total 6):
every activity has a single active partner, who ranks 3/3 = 1, so
P1 = 100 × (3 + 1) / 6 = 66.67, P2 = 100 × 2 / 6 = 33.33, P3 = 0.
"""

from __future__ import annotations

import copy
import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

import partner_analytics as pa
from partner_analytics.metrics.engagement import (
    ENGAGEMENT_WEIGHTS,
    active_partner_share,
    active_partners,
    activity_counts,
    activity_rates,
    engagement_funnel,
    engagement_index,
    engagement_revenue_association,
    partner_engagement_kpis,
    participation_rate,
)

NAN = float("nan")


@pytest.fixture
def facts(tiny_program) -> pa.Rollup:
    return pa.rollup(tiny_program, as_of="2024-06-30")


@pytest.fixture(scope="module")
def shared_facts() -> pa.Rollup:
    """Tiny facts shared by the property tests (hypothesis needs a fixture that outlives one example)."""
    from conftest import TINY_CSV, read_tiny

    program = pa.build_program({name: read_tiny(name) for name in TINY_CSV}, source="tiny")
    return pa.rollup(program, as_of="2024-06-30")


@pytest.fixture
def bare(tiny_frames) -> pa.Rollup:
    """The tiny program without its optional tables."""
    program = pa.build_program({k: tiny_frames[k] for k in ("partners", "deals", "targets")}, source="tiny")
    return pa.rollup(program, as_of="2024-06-30")


def ids(*values: str) -> pd.Series:
    return pd.Series(list(values), dtype="str")


def with_engagement(facts: pa.Rollup, rows: list[tuple]) -> pa.Rollup:
    """Facts with hand-built engagement facts: rows of (partner_id, period, activity, quantity)."""
    frame = pd.DataFrame(rows, columns=["partner_id", "period", "activity", "quantity"])
    frame = frame.assign(period=pd.PeriodIndex(frame["period"], freq=facts.freq)).astype(
        {"partner_id": "str", "activity": "str", "quantity": "float64"})
    return dataclasses.replace(facts, engagement=frame)


def synthetic(quantities: list[float], revenue: list[float], activity: str = "webinar") -> pa.Rollup:
    """Facts for partners S1..Sn, all enrolled in 2024Q1, with one activity and revenue each."""
    n = len(quantities)
    partner_ids = [f"S{i + 1}" for i in range(n)]
    period = pd.Period("2024Q1", freq="Q")
    partners = pd.DataFrame({"partner_id": partner_ids, "partner_type": ["reseller"] * n}, dtype="str")
    grid = pd.DataFrame({"partner_id": pd.array(partner_ids, dtype="str"), "period": [period] * n,
                         "enrolled": True, "revenue": revenue, "won_deals": 0.0, "lost_deals": 0.0})
    engagement = pd.DataFrame({"partner_id": pd.array(partner_ids, dtype="str"), "period": [period] * n,
                               "activity": pd.array([activity] * n, dtype="str"),
                               "quantity": np.asarray(quantities, dtype="float64")})
    return pa.Rollup(freq="Q", as_of=pd.Timestamp("2024-03-31"), periods=pd.period_range("2024Q1", "2024Q1", freq="Q"),
                     partners=partners, partner_periods=grid, channel_periods=pd.DataFrame(),
                     partner_channel_periods=pd.DataFrame(), partner_deal_stats=pd.DataFrame(), deal_stats=pd.DataFrame(), engagement=engagement,
                     surveys=pd.DataFrame(), comments=pd.DataFrame(), mdf=pd.DataFrame(),
                     target_actuals=pd.DataFrame(), available=frozenset({"engagement"}))


# -- activity counts and rates ---------------------------------------------------------------------------------


def test_activity_counts_list_every_partner_and_recorded_activity_with_true_zeros(facts):
    expected = pd.DataFrame({
        "partner_id": ids(*["P1"] * 3, *["P2"] * 3, *["P3"] * 3),
        "activity": pd.Series(["certification", "prm_login", "training_completed"] * 3, dtype="str"),
        "quantity": [2.0, 5.0, 0.0, 0.0, 0.0, 2.0, 0.0, 0.0, 0.0],
    })
    assert_frame_equal(activity_counts(facts, periods=2), expected)


def test_activity_counts_default_to_the_reporting_period_alone(facts):
    counts = activity_counts(facts)
    assert counts.loc[counts["quantity"] > 0, ["partner_id", "activity", "quantity"]].values.tolist() == [
        ["P1", "certification", 1.0]]


def test_activity_counts_are_empty_without_an_engagement_table(bare):
    counts = activity_counts(bare)
    assert counts.empty and list(counts.columns) == ["partner_id", "activity", "quantity"]


def test_activity_rates_divide_active_partners_by_enrolled_partners(facts):
    expected = pd.DataFrame({
        "activity": pd.Series(["certification", "prm_login", "training_completed"], dtype="str"),
        "partners_active": [1.0, 1.0, 1.0],
        "enrolled_partners": [3.0, 3.0, 3.0],
        "rate": [1 / 3, 1 / 3, 1 / 3],
        "total": [2.0, 5.0, 2.0],
        "mean_per_partner": [2 / 3, 5 / 3, 2 / 3],
    })
    assert_frame_equal(activity_rates(facts, periods=4), expected)


def test_activity_rates_leave_out_partners_not_yet_enrolled(facts):
    rates = activity_rates(facts, period="2024Q1").set_index("activity")
    assert rates["enrolled_partners"].tolist() == [2.0, 2.0, 2.0]  # P3 joins in 2024Q2
    assert rates["rate"].tolist() == [0.5, 0.5, 0.5]


def test_activity_rates_are_nan_with_no_enrolled_partner(facts):
    nobody = dataclasses.replace(facts, partner_periods=facts.partner_periods.assign(enrolled=False))
    rates = activity_rates(nobody, periods=4)
    assert rates["enrolled_partners"].tolist() == [0.0, 0.0, 0.0]
    assert rates["rate"].isna().all() and rates["mean_per_partner"].isna().all()


def test_activity_rates_are_empty_without_an_engagement_table(bare):
    assert activity_rates(bare).empty


@pytest.mark.parametrize(("activity", "period", "periods", "expected"), [
    ("certification", "2024Q2", 1, 1 / 3),
    ("certification", "2024Q1", 1, 1 / 2),
    ("training_completed", "2024Q2", 1, 0.0),
    ("prm_login", "2024Q2", 4, 1 / 3),
    ("program_enrolment", None, 4, 0.0),  # never recorded: a true zero
])
def test_participation_rate_is_the_share_of_enrolled_partners_with_the_activity(facts, activity, period, periods,
                                                                               expected):
    assert participation_rate(facts, activity=activity, period=period, periods=periods) == pytest.approx(expected)


def test_participation_rate_is_nan_without_engagement_or_enrolled_partners(facts, bare):
    nobody = dataclasses.replace(facts, partner_periods=facts.partner_periods.assign(enrolled=False))
    assert np.isnan(participation_rate(bare, activity="certification"))
    assert np.isnan(participation_rate(nobody, activity="certification"))


# -- active partners ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("freq", "days", "active"), [
    ("Q", 90, [True, False, False]),     # the last quarter
    ("Q", 30, [True, False, False]),     # still one whole quarter
    ("Q", 180, [True, True, False]),     # two quarters
    ("M", 90, [True, False, False]),     # April..June: P1's May certification
    ("M", 120, [True, True, False]),     # March..June: P2's March training too
    ("M", 30, [False, False, False]),    # June alone
])
def test_active_partners_use_whole_periods_ending_at_as_of(tiny_program, freq, days, active):
    facts = pa.rollup(tiny_program, freq=freq, as_of="2024-06-30")
    expected = pd.DataFrame({"partner_id": ids("P1", "P2", "P3"), "active": active})
    assert_frame_equal(active_partners(facts, days=days), expected)
    assert active_partner_share(facts, days=days) == pytest.approx(sum(active) / 3)


def test_active_partners_only_list_partners_enrolled_in_the_window(tiny_program):
    facts = pa.rollup(tiny_program, freq="M", as_of="2024-03-31")
    recent = active_partners(facts, days=30)  # March: P2 trained; P3 is not enrolled yet
    assert recent["partner_id"].tolist() == ["P1", "P2"] and recent["active"].tolist() == [False, True]


def test_active_partner_share_is_nan_without_an_engagement_table(bare):
    assert active_partners(bare)["active"].tolist() == [False, False, False]
    assert np.isnan(active_partner_share(bare))


def test_active_partners_reject_a_window_under_one_day(facts):
    with pytest.raises(ValueError, match="days"):
        active_partners(facts, days=0)


# -- engagement index ----------------------------------------------------------------------------------------------


def test_engagement_index_matches_the_hand_computed_values(facts):
    expected = pd.DataFrame({"partner_id": ids("P1", "P2", "P3"), "engagement_index": [400 / 6, 200 / 6, 0.0]})
    assert_frame_equal(engagement_index(facts), expected)


def test_engagement_index_is_nan_for_partners_not_enrolled_in_the_window(facts):
    index = engagement_index(facts, period="2024Q1", periods=1)["engagement_index"]
    assert index.tolist()[:2] == pytest.approx([400 / 6, 200 / 6]) and np.isnan(index[2])


def test_engagement_index_ranks_ties_at_the_higher_percentile(facts):
    tied = with_engagement(facts, [("P1", "2024Q2", "prm_login", 5), ("P2", "2024Q2", "prm_login", 5),
                                   ("P3", "2024Q2", "prm_login", 1)])
    index = engagement_index(tied, weights={"prm_login": 1})["engagement_index"]
    assert index.tolist() == pytest.approx([100.0, 100.0, 100 / 3])


@pytest.mark.parametrize(("weights", "expected"), [
    ({"prm_login": 1.0}, [100.0, 0.0, 0.0]),
    ({"training_completed": 5.0, "certification": 5.0}, [50.0, 50.0, 0.0]),
    ({"prm_login": 1.0, "webinar": 99.0}, [100.0, 0.0, 0.0]),  # webinar is not recorded: weight renormalised away
    ({"webinar": 1.0}, [NAN, NAN, NAN]),                       # no weighted activity recorded
])
def test_engagement_index_uses_custom_weights_over_recorded_activities(facts, weights, expected):
    index = engagement_index(facts, weights=weights)["engagement_index"]
    assert index.tolist() == pytest.approx(expected, nan_ok=True)


@pytest.mark.parametrize("weights", [{}, {"prm_login": -1.0}, {"prm_login": 0.0}, {"prm_login": NAN}])
def test_engagement_index_rejects_invalid_weights(facts, weights):
    with pytest.raises(ValueError, match="weights"):
        engagement_index(facts, weights=weights)


def test_engagement_index_is_nan_without_an_engagement_table(bare):
    assert engagement_index(bare)["engagement_index"].isna().all()


def test_default_weights_cover_the_documented_activities():
    assert set(ENGAGEMENT_WEIGHTS) == {"prm_login", "training_completed", "certification", "asset_download",
                                       "qbr_attended", "webinar", "joint_campaign"}


quantity_lists = st.lists(st.integers(min_value=0, max_value=20), min_size=3, max_size=3)


@settings(max_examples=50, deadline=None)
@given(logins=quantity_lists, trainings=quantity_lists)
def test_engagement_index_stays_within_0_and_100_and_tops_out_for_the_leader(shared_facts, logins, trainings):
    rows = [(p, "2024Q2", "prm_login", q) for p, q in zip(["P1", "P2", "P3"], logins)]
    rows += [(p, "2024Q2", "training_completed", q) for p, q in zip(["P1", "P2", "P3"], trainings)]
    index = engagement_index(with_engagement(shared_facts, rows))["engagement_index"].to_numpy()
    assert ((index >= 0) & (index <= 100)).all()
    for i in range(3):
        leads = logins[i] == max(logins) > 0 and trainings[i] == max(trainings) > 0
        assert (index[i] == pytest.approx(100.0)) == leads
        assert (index[i] == 0) == (logins[i] == 0 and trainings[i] == 0)


# -- funnel --------------------------------------------------------------------------------------------------------


def funnel_frame(partners, previous, first) -> pd.DataFrame:
    return pd.DataFrame({
        "stage": pd.Series(["enrolled", "logged_in", "trained", "certified", "won_deal"], dtype="str"),
        "partners": partners, "conversion_from_previous": previous, "conversion_from_first": first,
    })


def test_engagement_funnel_of_the_tiny_program(facts):
    expected = funnel_frame([3.0, 1.0, 0.0, 0.0, 0.0], [NAN, 1 / 3, 0.0, NAN, NAN], [1.0, 1 / 3, 0.0, 0.0, 0.0])
    assert_frame_equal(engagement_funnel(facts), expected)


def test_engagement_funnel_stages_are_nested(facts):
    rows = [("P1", "2024Q2", a, 1) for a in ("prm_login", "training_completed", "certification")]
    rows += [("P2", "2024Q2", a, 1) for a in ("prm_login", "training_completed")]
    rows += [("P3", "2024Q2", "prm_login", 1), ("P3", "2024Q2", "certification", 1)]  # certified but untrained
    expected = funnel_frame([3.0, 3.0, 2.0, 1.0, 1.0], [NAN, 1.0, 2 / 3, 0.5, 1.0], [1.0, 1.0, 2 / 3, 1 / 3, 1 / 3])
    assert_frame_equal(engagement_funnel(with_engagement(facts, rows)), expected)


def test_engagement_funnel_without_engagement_only_knows_the_enrolled(bare):
    expected = funnel_frame([3.0, NAN, NAN, NAN, NAN], [NAN] * 5, [1.0, NAN, NAN, NAN, NAN])
    assert_frame_equal(engagement_funnel(bare), expected)


@settings(max_examples=50, deadline=None)
@given(rows=st.lists(st.tuples(st.sampled_from(["P1", "P2", "P3"]), st.sampled_from(["2024Q1", "2024Q2"]),
                               st.sampled_from(["prm_login", "training_completed", "certification"]),
                               st.integers(min_value=0, max_value=3)), max_size=12))
def test_engagement_funnel_never_grows_from_one_stage_to_the_next(shared_facts, rows):
    funnel = engagement_funnel(with_engagement(shared_facts, rows))
    assert funnel["partners"].is_monotonic_decreasing
    assert funnel["conversion_from_previous"].dropna().between(0, 1).all()


# -- revenue association -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("quantities", "revenue", "rho"), [
    ([1, 2, 3, 4, 5], [10, 20, 30, 40, 50], 1.0),
    ([1, 2, 3, 4, 5], [50, 40, 30, 20, 10], -1.0),
    ([0, 3, 1, 2, 5], [1, 2, 3, 4, 5], 0.7),  # Σd² = 6: 1 − 6·6 / (5·24)
    ([1, 2, 3], [1, 2, 3], NAN),              # n < 4
    ([2, 2, 2, 2], [1, 2, 3, 4], NAN),        # constant activity
    ([1, 2, 3, 4], [0, 0, 0, 0], NAN),        # constant revenue
])
def test_engagement_revenue_association_is_spearmans_rho(quantities, revenue, rho):
    result = engagement_revenue_association(synthetic(quantities, revenue), period="2024Q1")
    assert result["activity"].tolist() == ["webinar"] and result["n"].tolist() == [len(quantities)]
    assert result["rho"][0] == pytest.approx(rho, nan_ok=True)
    if not np.isnan(rho) and abs(rho) < 1:
        from scipy.stats import spearmanr
        assert result["p_value"][0] == pytest.approx(spearmanr(quantities, revenue).pvalue)
    assert np.isnan(result["p_value"][0]) == np.isnan(rho)


def test_engagement_revenue_association_needs_four_partners(facts, bare):
    association = engagement_revenue_association(facts)
    assert association["n"].tolist() == [3.0, 3.0, 3.0] and association["rho"].isna().all()
    assert engagement_revenue_association(bare).empty


# -- per-partner KPIs ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("period", "expected"), [
    ("2024Q2", {"engagement_index": [400 / 6, 200 / 6, 0.0], "certifications": [1.0, 0.0, 0.0],
                "training_completed": [0.0, 0.0, 0.0], "prm_logins": [0.0, 0.0, 0.0]}),
    ("2024Q1", {"engagement_index": [400 / 6, 200 / 6, NAN], "certifications": [1.0, 0.0, 0.0],
                "training_completed": [0.0, 2.0, 0.0], "prm_logins": [5.0, 0.0, 0.0]}),
])
def test_partner_engagement_kpis_match_the_hand_computed_values(facts, period, expected):
    assert_frame_equal(partner_engagement_kpis(facts, period=period),
                       pd.DataFrame({"partner_id": ids("P1", "P2", "P3"), **expected}))


def test_partner_engagement_kpis_are_nan_without_an_engagement_table(bare):
    kpis = partner_engagement_kpis(bare)
    assert kpis["partner_id"].tolist() == ["P1", "P2", "P3"]
    assert kpis.drop(columns="partner_id").isna().all().all()


def test_partner_engagement_kpis_use_a_trailing_year_of_months_for_monthly_facts(tiny_program):
    facts = pa.rollup(tiny_program, freq="M", as_of="2024-06-30")
    kpis = partner_engagement_kpis(facts)
    assert kpis["engagement_index"].tolist() == pytest.approx([400 / 6, 200 / 6, 0.0])
    assert kpis["certifications"].tolist() == [0.0, 0.0, 0.0]  # nothing in June


# -- contracts -------------------------------------------------------------------------------------------------------


def test_engagement_metrics_never_modify_the_facts(facts):
    before = copy.deepcopy(facts)
    activity_counts(facts, periods=4)
    activity_rates(facts, periods=4)
    participation_rate(facts, activity="prm_login")
    active_partners(facts)
    engagement_index(facts)
    engagement_funnel(facts)
    engagement_revenue_association(facts)
    partner_engagement_kpis(facts)
    for field in ("partners", "partner_periods", "engagement"):
        assert_frame_equal(getattr(facts, field), getattr(before, field))


@pytest.mark.parametrize("function", [activity_counts, activity_rates, engagement_index, engagement_funnel,
                                      engagement_revenue_association, partner_engagement_kpis])
def test_engagement_metrics_name_a_missing_column(facts, function):
    broken = dataclasses.replace(facts, engagement=facts.engagement.drop(columns="quantity"))
    with pytest.raises(ValueError, match="quantity"):
        function(facts=broken)


@pytest.mark.parametrize(("options", "message"), [({"period": "2023Q1"}, "outside"), ({"periods": 0}, "periods")])
def test_engagement_metrics_reject_a_bad_window(facts, options, message):
    with pytest.raises(ValueError, match=message):
        activity_rates(facts, **options)
