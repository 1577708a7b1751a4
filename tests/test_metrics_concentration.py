"""Concentration metrics: exact values on tiny series, invariants by property tests, tiny-program facts."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal, assert_series_equal

import partner_analytics as pa
from partner_analytics.metrics.concentration import (
    concentration_summary,
    concentration_trend,
    gini,
    hhi,
    lorenz_curve,
    pareto_curve,
    partner_revenue,
    revenue_at_risk,
    share_generating_revenue,
    top_n_share,
    top_share,
)

NAN = float("nan")


def same(got: float, expected: float) -> bool:
    """Equal within float tolerance, with NaN equal to NaN."""
    if np.isnan(expected):
        return np.isnan(got)
    return got == pytest.approx(expected)


# --- scalar metrics: exact tables --------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([0, 0, 0, 10], 0.75),  # (2·4 − 4 − 1) · 10 / (4 · 10)
        ([1, 2, 3, 4], 0.25),  # (−3·1 − 1·2 + 1·3 + 3·4) / (4 · 10)
        ([5, 5, 5], 0.0),
        ([7], 0.0),  # single partner
        ([NAN, 10, 0], 0.5),  # NaN ignored: [0, 10]
        ([], NAN),  # empty
        ([0, 0], NAN),  # zero total
        ([NAN, NAN], NAN),  # all NaN
    ],
)
def test_gini_matches_the_sorted_rank_formula(values, expected):
    assert same(gini(values), expected)


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([50, 50], 5000.0),
        ([30, 70], 30.0**2 + 70.0**2),
        ([1, 1, 1, 1], 2500.0),
        ([0, 0, 0, 10], 10000.0),
        ([7], 10000.0),
        ([], NAN),
        ([0], NAN),
        ([NAN], NAN),
    ],
)
def test_hhi_sums_squared_percentage_shares(values, expected):
    assert same(hhi(values), expected)


@pytest.mark.parametrize(
    ("values", "n", "expected"),
    [
        ([50, 30, 20, 0], 1, 0.5),
        ([50, 30, 20, 0], 2, 0.8),
        ([20, 50, 0, 30], 2, 0.8),  # order does not matter
        ([50, 30, 20, 0], 10, 1.0),  # fewer partners than n
        ([10], 1, 1.0),
        ([], 1, NAN),
        ([0, 0], 1, NAN),
        ([NAN, NAN], 3, NAN),
    ],
)
def test_top_n_share_is_the_revenue_share_of_the_n_largest_partners(values, n, expected):
    assert same(top_n_share(values, n=n), expected)


@pytest.mark.parametrize(
    ("values", "fraction", "expected"),
    [
        ([40, 30, 10, 10, 5, 5], 0.2, 0.7),  # ceil(0.2 · 6) = 2 partners
        ([40, 30, 10, 10, 5, 5], 0.5, 0.8),  # 3 partners
        ([1] * 30, 0.1, 0.1),  # 0.1 · 30 is 3 partners, not 4 (float rounding)
        ([10, 0, 0], 0.2, 1.0),  # ceil(0.6) = 1 partner
        ([3, 1], 1.0, 1.0),
        ([], 0.2, NAN),
        ([0, 0, 0], 0.2, NAN),
    ],
)
def test_top_share_takes_the_ceiling_of_the_partner_fraction(values, fraction, expected):
    assert same(top_share(values, fraction=fraction), expected)


@pytest.mark.parametrize(
    ("values", "expected"),
    [([0, 0, 5, 10], 0.5), ([3], 1.0), ([0, 0], 0.0), ([NAN, 5], 1.0), ([], NAN), ([NAN], NAN)],
)
def test_share_generating_revenue_counts_partners_with_revenue(values, expected):
    assert same(share_generating_revenue(values), expected)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: top_n_share([1, 2], n=0), "n must be at least 1"),
        (lambda: top_share([1, 2], fraction=0), r"fraction must be in \(0, 1\]"),
        (lambda: top_share([1, 2], fraction=1.5), r"fraction must be in \(0, 1\]"),
        (lambda: revenue_at_risk([1, 2], k=0), "k must be at least 1"),
        (lambda: gini(pd.Series({"P1": 5.0, "P2": -1.0})), "values must be >= 0; got -1.0 for partner 'P2'"),
        (lambda: hhi([-3]), "values must be >= 0"),
        (lambda: lorenz_curve([1, -1]), "values must be >= 0"),
        (lambda: pareto_curve([-1]), "values must be >= 0"),
    ],
)
def test_invalid_arguments_raise_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --- curves --------------------------------------------------------------------------------------------------------

def test_lorenz_curve_starts_at_the_origin_and_accumulates_ascending():
    expected = pd.DataFrame({"partner_share": [0, 1 / 3, 2 / 3, 1], "revenue_share": [0, 0, 0.25, 1.0]})
    assert_frame_equal(lorenz_curve(pd.Series({"P1": 30.0, "P2": 0.0, "P3": 10.0})), expected)


def test_lorenz_curve_of_nothing_is_empty_and_of_zero_revenue_is_undefined():
    assert lorenz_curve([]).empty and list(lorenz_curve([]).columns) == ["partner_share", "revenue_share"]
    expected = pd.DataFrame({"partner_share": [0, 0.5, 1.0], "revenue_share": [0, NAN, NAN]})
    assert_frame_equal(lorenz_curve([0, 0]), expected)


def test_pareto_curve_ranks_partners_largest_first_with_ties_by_id():
    values = pd.Series({"P3": 20.0, "P2": 60.0, "P1": 20.0, "P4": NAN})
    expected = pd.DataFrame(
        {
            "partner_id": ["P2", "P1", "P3"],
            "rank": np.array([1, 2, 3], dtype="int64"),
            "revenue": [60.0, 20.0, 20.0],
            "cumulative_share": [0.6, 0.8, 1.0],
            "partner_share": [1 / 3, 2 / 3, 1.0],
        }
    ).astype({"partner_id": "str"})
    assert_frame_equal(pareto_curve(values), expected)


def test_pareto_curve_of_zero_revenue_has_undefined_cumulative_shares():
    pareto = pareto_curve(pd.Series({"P1": 0.0}))
    assert pareto["rank"].tolist() == [1] and np.isnan(pareto.loc[0, "cumulative_share"])
    assert pareto_curve([]).empty


def test_revenue_at_risk_removes_the_top_partners_one_by_one():
    values = pd.Series({"P1": 20.0, "P2": 60.0, "P3": 15.0, "P4": 5.0})
    expected = pd.DataFrame(
        {
            "top_k": np.array([1, 2, 3], dtype="int64"),
            "partner_id": ["P2", "P1", "P3"],
            "revenue_lost": [60.0, 80.0, 95.0],
            "share_lost": [0.6, 0.8, 0.95],
            "revenue_remaining": [40.0, 20.0, 5.0],
        }
    ).astype({"partner_id": "str"})
    assert_frame_equal(revenue_at_risk(values, k=3), expected)


def test_revenue_at_risk_stops_at_the_number_of_partners():
    assert revenue_at_risk([5, 10], k=5)["top_k"].tolist() == [1, 2]
    assert revenue_at_risk([], k=3).empty


# --- property tests ------------------------------------------------------------------------------------------------

revenues = st.lists(st.floats(min_value=0, max_value=1e9, allow_nan=False), min_size=1, max_size=40)
positive_revenues = revenues.filter(lambda xs: sum(xs) > 0)


def _series(xs):
    return pd.Series(xs, index=[f"P{i:03d}" for i in range(len(xs))], dtype="float64")


@settings(max_examples=50, deadline=None)
@given(positive_revenues)
def test_curves_end_at_all_the_revenue(xs):
    values = _series(xs)
    lorenz = lorenz_curve(values)
    assert (lorenz.iloc[0].tolist(), lorenz.iloc[-1]["partner_share"]) == ([0.0, 0.0], 1.0)
    assert lorenz.iloc[-1]["revenue_share"] == pytest.approx(1.0)
    assert lorenz["revenue_share"].is_monotonic_increasing or np.allclose(np.diff(lorenz["revenue_share"]), 0)
    assert pareto_curve(values)["cumulative_share"].iloc[-1] == pytest.approx(1.0)


@settings(max_examples=50, deadline=None)
@given(positive_revenues, st.randoms(use_true_random=False))
def test_gini_and_hhi_stay_in_range_whatever_the_partner_order(xs, rng):
    values = _series(xs)
    shuffled = values.sample(frac=1.0, random_state=rng.randrange(2**32))
    assert 0 <= gini(values) <= 1 and gini(shuffled) == pytest.approx(gini(values), abs=1e-12)
    assert 0 <= hhi(values) <= 10_000 * (1 + 1e-12) and hhi(shuffled) == pytest.approx(hhi(values))
    assert hhi(values) >= 10_000 / len(xs) * (1 - 1e-9)


@settings(max_examples=50, deadline=None)
@given(positive_revenues)
def test_gini_is_one_minus_twice_the_area_under_the_lorenz_curve(xs):
    lorenz = lorenz_curve(xs)
    area = np.trapezoid(lorenz["revenue_share"], lorenz["partner_share"])
    assert gini(xs) == pytest.approx(1 - 2 * area, abs=1e-9)


@settings(max_examples=50, deadline=None)
@given(positive_revenues)
def test_top_n_share_grows_with_n_up_to_one(xs):
    shares = [top_n_share(xs, n=n) for n in range(1, len(xs) + 2)]
    assert all(b >= a - 1e-12 for a, b in zip(shares, shares[1:]))
    assert shares[-1] == pytest.approx(1.0)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.one_of(st.floats(min_value=0, max_value=1e6), st.just(NAN)), max_size=20))
def test_concentration_metrics_never_change_their_input(xs):
    values = _series(xs)
    before = values.copy()
    for metric in (gini, hhi, share_generating_revenue, lorenz_curve, pareto_curve):
        metric(values)
    top_n_share(values, n=2)
    top_share(values, fraction=0.2)
    revenue_at_risk(values, k=3)
    assert_series_equal(values, before)


# --- from rollup facts ---------------------------------------------------------------------------------------------
# Tiny program partner revenue: P1 2024Q1 1000, 2024Q2 500; P2 2024Q2 200; P3 none, enrolled from 2024Q2.

@pytest.fixture
def facts(tiny_program):
    return pa.rollup(tiny_program, as_of="2024-06-30")


@pytest.mark.parametrize(
    ("period", "window", "expected"),
    [
        ("2024Q2", 1, {"P1": 500.0, "P2": 200.0, "P3": 0.0}),
        ("2024Q1", 1, {"P1": 1000.0, "P2": 0.0}),  # P3 not enrolled yet and no revenue: not a partner then
        ("2024Q2", 2, {"P1": 1500.0, "P2": 200.0, "P3": 0.0}),
        ("2024Q1", 4, {"P1": 1000.0, "P2": 0.0}),  # window reaching before the first period: partial
    ],
)
def test_partner_revenue_sums_the_trailing_window_over_enrolled_partners(facts, period, window, expected):
    expected = pd.Series(expected, name="revenue").rename_axis("partner_id")
    expected.index = expected.index.astype("str")
    assert_series_equal(partner_revenue(facts, period=period, window=window), expected)


def test_a_churned_partner_with_revenue_in_the_window_still_counts(tiny_frames):
    tiny_frames["partners"].loc[1, "churned_on"] = "2024-03-15"  # P2 left in Q1 but D5 closed in Q2
    facts = pa.rollup(pa.build_program(tiny_frames), as_of="2024-06-30")
    assert partner_revenue(facts).to_dict() == {"P1": 500.0, "P2": 200.0, "P3": 0.0}


def _summary(rows):
    columns = ["period", "window", "window_complete", "partners", "revenue", "gini", "hhi", "top_5_share",
               "top_10_share", "top_10pct_share", "top_20pct_share", "share_generating_revenue"]
    frame = pd.DataFrame(rows, columns=columns)
    return frame.astype({"period": "period[Q-DEC]", "window": "int64", "window_complete": "bool",
                         "partners": "int64", **dict.fromkeys(columns[4:], "float64")})


Q2_ROW = ("2024Q2", 1, True, 3, 700.0,
          (0 * 0 + 0 * 200 + 2 * 500) / (3 * 700),  # gini on ascending [0, 200, 500]
          (100 * 500 / 700) ** 2 + (100 * 200 / 700) ** 2,
          1.0, 1.0, 500 / 700, 500 / 700, 2 / 3)


def test_concentration_summary_of_the_reporting_quarter_matches_hand_computed_values(facts):
    assert_frame_equal(concentration_summary(facts), _summary([Q2_ROW]))


def test_concentration_trend_has_one_row_per_period_and_flags_partial_windows(facts):
    q1 = ("2024Q1", 2, False, 2, 1000.0, 0.5, 10000.0, 1.0, 1.0, 1.0, 1.0, 0.5)  # P1 1000, P2 0
    q2 = ("2024Q2", 2, True, 3, 1700.0, (2 * 1500 + 0 * 200) / (3 * 1700),
          (100 * 1500 / 1700) ** 2 + (100 * 200 / 1700) ** 2, 1.0, 1.0, 1500 / 1700, 1500 / 1700, 2 / 3)
    assert_frame_equal(concentration_trend(facts, window=2), _summary([q1, q2]))


def test_concentration_summary_agrees_with_the_trend_row(facts):
    trend = concentration_trend(facts, window=1)
    assert_frame_equal(concentration_summary(facts, period="2024Q2"), trend.iloc[[1]].reset_index(drop=True))


@pytest.mark.parametrize("call", [
    lambda f: concentration_summary(f, window=0),
    lambda f: concentration_trend(f, window=0),
    lambda f: partner_revenue(f, window=0),
])
def test_a_window_below_one_is_rejected(facts, call):
    with pytest.raises(ValueError, match="window must be at least 1"):
        call(facts)


def test_missing_revenue_in_the_facts_is_named(facts):
    broken = dataclasses.replace(facts, partner_periods=facts.partner_periods.drop(columns="revenue"))
    with pytest.raises(ValueError, match="partner_periods is missing column 'revenue'"):
        concentration_summary(broken)


def test_concentration_helpers_do_not_change_the_facts(facts):
    before = facts.partner_periods.copy()
    concentration_summary(facts, window=2)
    concentration_trend(facts)
    assert_frame_equal(facts.partner_periods, before)


def test_sample_program_concentration_is_in_range(sample_program):
    trend = concentration_trend(pa.rollup(sample_program, as_of="2025-12-31"), window=4)
    complete = trend[trend["window_complete"]]
    assert not complete.empty
    assert complete["gini"].between(0, 1).all() and complete["hhi"].between(0, 10_000).all()
    assert (complete["top_20pct_share"] >= complete["top_10pct_share"]).all()


# --- population: all enrolled partners (zero revenue included) or partners with revenue only ----------------------

def test_the_with_revenue_population_leaves_out_partners_without_revenue(facts):
    assert partner_revenue(facts).to_dict() == {"P1": 500.0, "P2": 200.0, "P3": 0.0}
    assert partner_revenue(facts, population="with_revenue").to_dict() == {"P1": 500.0, "P2": 200.0}
    assert partner_revenue(facts, period="2024Q1", population="with_revenue").to_dict() == {"P1": 1000.0}


def test_concentration_among_partners_with_revenue_matches_hand_computed_values(facts):
    row = ("2024Q2", 1, True, 2, 700.0,
           (-1 * 200 + 1 * 500) / (2 * 700),  # gini on ascending [200, 500]: 0.2143 instead of 0.4762
           (100 * 500 / 700) ** 2 + (100 * 200 / 700) ** 2,  # HHI unchanged: a zero adds nothing
           1.0, 1.0, 500 / 700, 500 / 700, 1.0)  # top 10 % of 2 partners = 1 partner; all produce
    assert_frame_equal(concentration_summary(facts, population="with_revenue"), _summary([row]))
    trend = concentration_trend(facts, window=1, population="with_revenue")
    assert trend["partners"].tolist() == [1, 2] and trend["gini"].tolist() == pytest.approx([0.0, 300 / 1400])


def test_the_default_population_is_every_enrolled_partner(facts):
    assert_frame_equal(concentration_summary(facts), concentration_summary(facts, population="enrolled"))


@pytest.mark.parametrize("call", [
    lambda f: partner_revenue(f, population="producing"),
    lambda f: concentration_summary(f, population="all"),
    lambda f: concentration_trend(f, population=""),
])
def test_an_unknown_population_is_rejected_with_the_choices(facts, call):
    with pytest.raises(ValueError, match="population must be one of enrolled, with_revenue"):
        call(facts)


def test_the_population_used_can_be_named_in_a_report():
    from partner_analytics.metrics.concentration import population_label

    assert population_label("enrolled") == "all partners enrolled in the period, including those without revenue"
    assert population_label("with_revenue") == "partners with revenue in the period only"
