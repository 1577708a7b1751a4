"""Cohort metrics: every expected value below is computed by hand.

The tiny program (as_of 2024-06-30, quarters 2024Q1..2024Q2):

* P1 reseller, onboarded 2023-01-15 (2023Q1), first deal created 2024-01-10
  (360 days), first won 2024-02-09 (390 days); revenue 1000 in 2024Q1, 500 in
  2024Q2.
* P2 referral, onboarded 2024-02-01 (2024Q1), first deal created 2024-03-15
  (43 days), first won 2024-05-10 (99 days); revenue 0, 200.
* P3 technology, onboarded 2024-05-01 (2024Q2), no deal; churns 2024-11-30,
  after as_of, so it is censored at as_of: 60 days.

The deal history starts with the first rollup period, 2024Q1: P1 was onboarded
before it, so activation and time to first deal leave P1 out unless
``complete_history=True``.
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
from partner_analytics.metrics.cohorts import (
    activation,
    churn_by_cohort,
    cohort_quality,
    median_time_to_first_deal,
    onboarding_cohorts,
    revenue_retention,
    time_to_first_deal,
)

NAN = float("nan")
ALL_FUNCTIONS = [
    onboarding_cohorts,
    activation,
    time_to_first_deal,
    median_time_to_first_deal,
    revenue_retention,
    churn_by_cohort,
    cohort_quality,
]


@pytest.fixture
def facts(tiny_program) -> pa.Rollup:
    return pa.rollup(tiny_program, as_of="2024-06-30")


def quarters(*labels: str) -> pd.Series:
    return pd.Series(pd.PeriodIndex(list(labels), freq="Q"))


def years(*labels: str) -> pd.Series:
    return pd.Series(pd.PeriodIndex(list(labels), freq="Y"))


def with_partners(facts: pa.Rollup, rows: list[dict], as_of: str | None = None) -> pa.Rollup:
    """The tiny facts with a hand-built partner dimension (dates as ISO text, None for missing)."""
    frame = pd.DataFrame(rows)
    frame["partner_id"] = frame["partner_id"].astype("str")
    frame["partner_type"] = frame.get("partner_type", pd.Series("reseller", index=frame.index)).astype("str")
    for column in ("onboarded_on", "churned_on", "first_deal_on", "first_won_on"):
        frame[column] = pd.to_datetime(frame.get(column, pd.Series(None, index=frame.index, dtype=object)))
    changes = {"partners": frame}
    if as_of is not None:
        changes["as_of"] = pd.Timestamp(as_of)
    return dataclasses.replace(facts, **changes)


def km_five(facts: pa.Rollup) -> pa.Rollup:
    """Durations 10, 20 (censored by churn), 30, 40 (censored by churn), 50 days."""
    start = pd.Timestamp("2024-01-01")
    day = lambda n: str((start + pd.Timedelta(days=n)).date())  # noqa: E731
    return with_partners(facts, [
        {"partner_id": "A", "onboarded_on": day(0), "first_won_on": day(10)},
        {"partner_id": "B", "onboarded_on": day(0), "churned_on": day(20)},
        {"partner_id": "C", "onboarded_on": day(0), "first_won_on": day(30)},
        {"partner_id": "D", "onboarded_on": day(0), "churned_on": day(40)},
        {"partner_id": "E", "onboarded_on": day(0), "first_won_on": day(50)},
    ])


# --- onboarding_cohorts ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("by", "expected"),
    [
        ("quarter", quarters("2023Q1", "2024Q1", "2024Q2")),
        ("year", years("2023", "2024", "2024")),
        ("month", pd.Series(pd.PeriodIndex(["2023-01", "2024-02", "2024-05"], freq="M"))),
    ],
)
def test_onboarding_cohort_is_the_period_containing_onboarded_on(facts, by, expected):
    expected_frame = pd.DataFrame({"partner_id": pd.Series(["P1", "P2", "P3"], dtype="str"), "cohort": expected})
    assert_frame_equal(onboarding_cohorts(facts, by=by), expected_frame)


def test_onboarding_cohorts_label_partners_onboarded_after_as_of(facts):
    late = with_partners(facts, [{"partner_id": "L", "onboarded_on": "2024-08-01"}])
    assert onboarding_cohorts(late)["cohort"].tolist() == [pd.Period("2024Q3", freq="Q")]
    assert activation(late).empty


# --- activation -----------------------------------------------------------------------------------------------------


def test_activation_excludes_partners_not_observed_for_the_whole_window(facts):
    # P1 was onboarded before the deal history (2024Q1): its first deal may be missing.
    # P2 (150 days) and P3 (60 days) are too young: censored even though P2 already won.
    expected = pd.DataFrame({
        "cohort": quarters("2023Q1", "2024Q1", "2024Q2"),
        "partners": [1, 1, 1],
        "observable": [0, 0, 0],
        "not_yet_observable": [0, 1, 1],
        "before_history": [1, 0, 0],
        "activated": [0, 0, 0],
        "activation_rate": [NAN, NAN, NAN],
    })
    assert_frame_equal(activation(facts), expected)


def test_activation_with_complete_history_counts_partners_onboarded_earlier(facts):
    # P1 observable (532 days before as_of) but its first win came after 390 > 180 days.
    table = activation(facts, complete_history=True)
    assert table["observable"].tolist() == [1, 0, 0]
    assert table["before_history"].tolist() == [0, 0, 0]
    assert table["activation_rate"].tolist()[0] == 0.0


def test_activation_within_a_year_by_yearly_cohort(facts):
    expected = pd.DataFrame({
        "cohort": years("2023", "2024"),
        "partners": [1, 2],
        "observable": [1, 0],
        "not_yet_observable": [0, 2],
        "before_history": [0, 0],
        "activated": [1, 0],
        "activation_rate": [1.0, NAN],
    })
    assert_frame_equal(activation(facts, by="year", within_days=400, complete_history=True), expected)


@pytest.mark.parametrize(
    ("within_days", "observable", "activated"),
    [
        (0, 3, 0),      # everyone observable on day 0; nobody won on the onboarding day
        (99, 2, 1),     # P2 observable (150 >= 99 days) and won on day 99 exactly; P1 not within 99 days
        (150, 2, 1),    # P2 observed for exactly 150 days counts
        (151, 1, 0),
    ],
)
def test_activation_window_edges(facts, within_days, observable, activated):
    table = activation(facts, by="year", within_days=within_days, complete_history=True)
    assert table["observable"].sum() == observable
    assert table["activated"].sum() == activated


def test_activation_counts_a_first_win_before_onboarding_as_day_zero(facts):
    early = with_partners(facts, [{"partner_id": "X", "onboarded_on": "2024-03-01", "first_won_on": "2024-02-01"}])
    assert activation(early, within_days=0)["activation_rate"].tolist() == [1.0]


# --- time_to_first_deal (Kaplan–Meier) ------------------------------------------------------------------------------


def test_kaplan_meier_matches_the_hand_computed_curve(facts):
    km = time_to_first_deal(km_five(facts))
    expected = pd.DataFrame({
        "group": pd.Series(["all"] * 6, dtype="str"),
        "days": [0.0, 10.0, 20.0, 30.0, 40.0, 50.0],
        "at_risk": [5, 5, 4, 3, 2, 1],
        "activations": [0, 1, 0, 1, 0, 1],
        "survival": [1.0, 0.8, 0.8, 0.8 * 2 / 3, 0.8 * 2 / 3, 0.0],
        "activated_share": [0.0, 0.2, 0.2, 1 - 0.8 * 2 / 3, 1 - 0.8 * 2 / 3, 1.0],
    })
    assert_frame_equal(km, expected)


def test_median_time_to_first_deal_is_the_first_day_survival_reaches_one_half(facts):
    expected = pd.DataFrame({
        "group": pd.Series(["all"], dtype="str"), "partners": [5], "activated": [3], "median_days": [50.0],
    })
    assert_frame_equal(median_time_to_first_deal(km_five(facts)), expected)


def test_tiny_program_time_to_first_won_deal_censors_p3_at_as_of(facts):
    expected = pd.DataFrame({
        "group": pd.Series(["all"] * 4, dtype="str"),
        "days": [0.0, 60.0, 99.0, 390.0],
        "at_risk": [3, 3, 2, 1],
        "activations": [0, 0, 1, 1],
        "survival": [1.0, 1.0, 0.5, 0.0],
        "activated_share": [0.0, 0.0, 0.5, 1.0],
    })
    assert_frame_equal(time_to_first_deal(facts, complete_history=True), expected)
    assert median_time_to_first_deal(facts, complete_history=True)["median_days"].tolist() == [99.0]


def test_time_to_first_deal_leaves_out_partners_onboarded_before_the_deal_history(facts):
    km = time_to_first_deal(facts)  # P2 (99 days, won) and P3 (60 days, censored) only
    assert km["days"].tolist() == [0.0, 60.0, 99.0]
    assert km["at_risk"].tolist() == [2, 2, 1]
    assert km["survival"].tolist() == [1.0, 1.0, 0.0]


def test_time_to_first_created_deal_uses_first_deal_on(facts):
    km = time_to_first_deal(facts, event="created", complete_history=True)
    assert km["days"].tolist() == [0.0, 43.0, 60.0, 360.0]
    assert km["survival"].tolist() == pytest.approx([1.0, 2 / 3, 2 / 3, 0.0])


def test_time_to_first_deal_by_partner_type_gives_one_curve_per_type(facts):
    medians = median_time_to_first_deal(facts, by="partner_type", complete_history=True)
    expected = pd.DataFrame({
        "group": pd.Series(["referral", "reseller", "technology"], dtype="str"),
        "partners": [1, 1, 1],
        "activated": [1, 1, 0],
        "median_days": [99.0, 390.0, NAN],  # technology never drops to 0.5: NaN
    })
    assert_frame_equal(medians, expected)


def test_time_to_first_deal_by_cohort_labels_groups_with_the_cohort(facts):
    km = time_to_first_deal(facts, by="cohort", cohort_by="year", complete_history=True)
    assert km["group"].unique().tolist() == ["2023", "2024"]
    assert time_to_first_deal(facts, by="cohort", cohort_by="year")["group"].unique().tolist() == ["2024"]
    assert km.loc[km["group"] == "2024", "survival"].tolist() == [1.0, 1.0, 0.0]


def test_first_deal_before_onboarding_is_clipped_to_day_zero(facts):
    early = with_partners(facts, [
        {"partner_id": "X", "onboarded_on": "2024-03-01", "first_won_on": "2024-02-01"},
        {"partner_id": "Y", "onboarded_on": "2024-03-01"},
    ])
    km = time_to_first_deal(early)
    assert km["days"].tolist() == [0.0, 121.0]
    assert km["survival"].tolist() == [0.5, 0.5]
    assert km["activations"].tolist() == [1, 0]


def test_churned_partner_is_censored_at_churn_not_at_as_of(facts):
    churned = with_partners(facts, [{"partner_id": "X", "onboarded_on": "2024-01-01", "churned_on": "2024-01-31"}])
    assert time_to_first_deal(churned)["days"].tolist() == [0.0, 30.0]


@pytest.mark.parametrize(("option", "value"), [("by", "region"), ("event", "lost"), ("cohort_by", "week")])
def test_time_to_first_deal_rejects_unknown_options(facts, option, value):
    with pytest.raises(ValueError, match=option):
        time_to_first_deal(facts, **{option: value})


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 300), st.booleans()), min_size=1, max_size=30))
def test_kaplan_meier_survival_is_a_non_increasing_fraction(tiny_facts_for_hypothesis, durations):
    start = pd.Timestamp("2023-01-01")
    rows = [
        {"partner_id": f"X{i}", "onboarded_on": str(start.date()),
         "first_won_on": str((start + pd.Timedelta(days=d)).date()) if won else None,
         "churned_on": None if won else str((start + pd.Timedelta(days=d)).date())}
        for i, (d, won) in enumerate(durations)
    ]
    km = time_to_first_deal(with_partners(tiny_facts_for_hypothesis, rows), complete_history=True)
    survival = km["survival"].to_numpy()
    assert ((survival >= 0) & (survival <= 1)).all()
    assert (np.diff(survival) <= 1e-12).all()
    assert np.allclose(km["activated_share"], 1 - survival)
    assert km["activations"].sum() == sum(won for _, won in durations)
    if all(won for _, won in durations):  # without censoring KM is the empirical survival function
        days = np.array([d for d, _ in durations])
        assert np.allclose(survival, [(days > t).mean() for t in km["days"]])


@pytest.fixture(scope="module")
def tiny_facts_for_hypothesis() -> pa.Rollup:
    from conftest import TINY_CSV, read_tiny

    program = pa.build_program({name: read_tiny(name) for name in TINY_CSV}, source="tiny")
    return pa.rollup(program, as_of="2024-06-30")


# --- revenue_retention ----------------------------------------------------------------------------------------------


def test_revenue_retention_indexes_to_the_first_full_period_with_revenue(facts):
    # P1's periods 0..3 (2023) precede the rollup: not observed, so its first full period is unknown.
    # P2's base is k=1 (2024Q2, 200); P3 has no full period yet: retention NaN.
    expected = pd.DataFrame({
        "cohort": quarters("2023Q1", "2023Q1", "2024Q1", "2024Q1", "2024Q2"),
        "periods_since_onboarding": [4, 5, 0, 1, 0],
        "partners": [1, 1, 1, 1, 1],
        "partners_observed": [1, 1, 1, 1, 1],
        "active_partners": [1, 1, 0, 1, 0],
        "revenue": [1000.0, 500.0, 0.0, 200.0, 0.0],
        "revenue_per_partner": [1000.0, 500.0, 0.0, 200.0, 0.0],
        "retention": [NAN, NAN, 0.0, 1.0, NAN],
    })
    assert_frame_equal(revenue_retention(facts), expected)


def test_revenue_retention_is_nan_where_a_cohort_is_only_partly_observed(facts):
    # Yearly cohort 2024 = P2 (2024Q1) + P3 (2024Q2): P3 has not reached k=1 by as_of.
    table = revenue_retention(facts, by="year")
    cohort_2024 = table[table["cohort"] == pd.Period("2024", freq="Y")]
    assert cohort_2024["partners_observed"].tolist() == [2, 1]
    assert cohort_2024["revenue_per_partner"].tolist() == [0.0, 200.0]
    assert cohort_2024["retention"].isna().all()


# --- churn_by_cohort ------------------------------------------------------------------------------------------------


def test_churn_after_as_of_does_not_count(facts):
    expected = pd.DataFrame({
        "cohort": years("2023", "2024"),
        "partners": [1, 2],
        "churned": [0, 0],
        "churn_rate": [0.0, 0.0],
        "median_months_to_churn": [NAN, NAN],
    })
    assert_frame_equal(churn_by_cohort(facts), expected)


def test_churn_by_cohort_counts_churn_by_a_later_as_of(tiny_program):
    later = pa.rollup(tiny_program, as_of="2024-12-31")
    expected = pd.DataFrame({
        "cohort": years("2023", "2024"),
        "partners": [1, 2],
        "churned": [0, 1],
        "churn_rate": [0.0, 0.5],
        "median_months_to_churn": [NAN, 213 / 30.436875],  # 2024-05-01 -> 2024-11-30
    })
    assert_frame_equal(churn_by_cohort(later), expected)


# --- cohort_quality -------------------------------------------------------------------------------------------------


def test_cohort_quality_compares_cohorts_over_their_first_periods(facts):
    # horizon 2 quarters: P1 (2023Q1) not observed in 2023 -> NaN; P2 0 + 200; P3 lacks 2024Q3 -> NaN.
    expected = pd.DataFrame({
        "cohort": quarters("2023Q1", "2024Q1", "2024Q2"),
        "partners": [1, 1, 1],
        "horizon_revenue_per_partner": [NAN, 200.0, NAN],
        "activation_rate": [NAN, NAN, NAN],
        "churn_rate": [0.0, 0.0, 0.0],
    })
    assert_frame_equal(cohort_quality(facts, by="quarter", horizon_periods=2), expected)


def test_cohort_quality_needs_every_partner_of_the_cohort_observed(facts):
    table = cohort_quality(facts, by="year", horizon_periods=1)
    assert table["horizon_revenue_per_partner"].tolist()[1] == 0.0  # P2 in 2024Q1 and P3 in 2024Q2: both 0
    assert np.isnan(cohort_quality(facts, by="year", horizon_periods=2)["horizon_revenue_per_partner"]).all()


def test_cohort_quality_rejects_a_horizon_below_one(facts):
    with pytest.raises(ValueError, match="horizon_periods"):
        cohort_quality(facts, horizon_periods=0)


# --- contracts shared by every function -----------------------------------------------------------------------------


@pytest.mark.parametrize("function", ALL_FUNCTIONS, ids=lambda f: f.__name__)
def test_no_partners_gives_an_empty_table_with_the_usual_columns(facts, function):
    empty = dataclasses.replace(facts, partners=facts.partners.iloc[:0])
    out = function(empty)
    assert out.empty
    assert list(out.columns) == list(function(facts).columns)


@pytest.mark.parametrize("function", ALL_FUNCTIONS, ids=lambda f: f.__name__)
def test_functions_do_not_modify_the_facts(facts, function):
    before = copy.deepcopy(facts)
    function(facts)
    assert_frame_equal(facts.partners, before.partners)
    assert_frame_equal(facts.partner_periods, before.partner_periods)


@pytest.mark.parametrize(
    ("function", "column"),
    [
        (onboarding_cohorts, "onboarded_on"),
        (activation, "first_won_on"),
        (time_to_first_deal, "churned_on"),
        (churn_by_cohort, "churned_on"),
        (revenue_retention, "onboarded_on"),
    ],
)
def test_missing_partner_column_raises_naming_it(facts, function, column):
    broken = dataclasses.replace(facts, partners=facts.partners.drop(columns=column))
    with pytest.raises(ValueError, match=column):
        function(broken)


def test_missing_revenue_column_raises_naming_it(facts):
    broken = dataclasses.replace(facts, partner_periods=facts.partner_periods.drop(columns="revenue"))
    with pytest.raises(ValueError, match="revenue"):
        revenue_retention(broken)


@pytest.mark.parametrize("function", [onboarding_cohorts, activation, revenue_retention, churn_by_cohort])
def test_unknown_cohort_grain_raises(facts, function):
    with pytest.raises(ValueError, match="by must be one of"):
        function(facts, by="week")


def test_activation_rejects_a_negative_window(facts):
    with pytest.raises(ValueError, match="within_days"):
        activation(facts, within_days=-1)
