"""Deals: win rates with Wilson intervals, deal size, time to close partner vs direct, pipeline coverage.

Closed deals of the tiny program as of 2024-06-30 (quarter of closing, days to close):
D1 P1 sourced won 1000 (Q1, 30) · D3 P1 sourced lost 300 (Q1, 30) · D6 direct won 2000 (Q1, 60)
D2 P1 influenced won 500 (Q2, 60) · D5 P2 sourced won 200 (Q2, 30) · D7 direct lost 700 (Q2, 89).
Open: D4 P2 800 (created Q1), D8 P1 400 (created Q2). P1 reseller, P2 referral, P3 technology.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal
from conftest import TINY_CSV, read_tiny
from scipy import stats

import partner_analytics as pa
from partner_analytics.metrics.deals import (
    cycle_advantage,
    deal_size,
    deal_size_trend,
    partner_deal_kpis,
    pipeline,
    time_to_close,
    wilson_interval,
    win_rates,
)

nan = np.nan
Q1, Q2 = pd.Period("2024Q1", "Q"), pd.Period("2024Q2", "Q")


@pytest.fixture
def facts(tiny_program):
    return pa.rollup(tiny_program, as_of="2024-06-30")


# --- Wilson interval ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("k", "n"), [(0, 1), (1, 1), (3, 4), (8, 10), (37, 100), (500, 1000)])
@pytest.mark.parametrize("confidence", [0.95, 0.8])
def test_the_wilson_interval_matches_scipy(k, n, confidence):
    low, high = wilson_interval([k], [n], confidence=confidence)
    expected = stats.binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
    assert (low[0], high[0]) == pytest.approx((expected.low, expected.high), abs=1e-12)


def test_the_wilson_interval_is_vectorised_over_series():
    low, high = wilson_interval(pd.Series([3, 0, 2]), pd.Series([4, 0, 2]))
    assert low.shape == high.shape == (3,)
    expected = stats.binomtest(3, 4).proportion_ci(method="wilson")
    assert (low[0], high[0]) == pytest.approx((expected.low, expected.high))
    assert np.isnan(low[1]) and np.isnan(high[1])


def test_the_wilson_interval_of_scalars_is_zero_dimensional():
    low, high = wilson_interval(8, 10)
    assert float(low) == pytest.approx(0.4902, abs=1e-4) and float(high) == pytest.approx(0.9433, abs=1e-4)


def test_the_wilson_interval_needs_no_scipy():
    # the context build computes win-rate intervals; importing scipy.stats for one normal quantile cost it a second
    script = ("import sys; from partner_analytics.metrics.intervals import wilson_interval; "
              "wilson_interval([8], [10], confidence=0.9); print('scipy' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


@pytest.mark.parametrize(("k", "n"), [(0, 0), (nan, 5), (1, nan)])
def test_the_wilson_interval_without_trials_is_missing(k, n):
    low, high = wilson_interval([k], [n])
    assert np.isnan(low[0]) and np.isnan(high[0])


@pytest.mark.parametrize(("k", "n", "confidence"), [(5, 4, 0.95), (-1, 4, 0.95), (1, 4, 1.0), (1, 4, 0.0)])
def test_the_wilson_interval_rejects_impossible_inputs(k, n, confidence):
    with pytest.raises(ValueError):
        wilson_interval([k], [n], confidence=confidence)


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 5000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_the_wilson_interval_contains_the_observed_rate(pair):
    k, n = pair
    low, high = wilson_interval(k, n)
    assert 0 <= float(low) <= k / n + 1e-12 and k / n - 1e-12 <= float(high) <= 1


# --- win rates ----------------------------------------------------------------------------------------------------


def _rates(won, lost, won_amount, amount):
    won, lost = np.array(won), np.array(lost)
    n = won + lost
    low, high = wilson_interval(won, n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return {"won": won, "lost": lost, "n": n, "win_rate": won / np.where(n > 0, n, nan), "ci_low": low,
                "ci_high": high, "win_rate_value": np.array(won_amount) / np.where(np.array(amount) > 0, amount, nan)}


@pytest.mark.parametrize(
    ("by", "keys", "won", "lost", "won_amount", "amount"),
    [
        ("partner_id", ["P1", "P2", "P3"], [2, 1, 0], [1, 0, 0], [1500, 200, 0], [1800, 200, 0]),
        ("partner_type", ["referral", "reseller", "technology"], [1, 2, 0], [0, 1, 0], [200, 1500, 0], [200, 1800, 0]),
        ("attribution", ["direct", "influenced", "sourced"], [1, 1, 2], [1, 0, 1], [2000, 500, 1200], [2700, 500, 1500]),
        ("channel", ["direct", "partner"], [1, 3], [1, 1], [2000, 1700], [2700, 2000]),
        (None, ["all"], [3], [1], [1700], [2000]),
    ],
)
def test_win_rates_over_two_quarters(facts, by, keys, won, lost, won_amount, amount):
    expected = pd.DataFrame({by or "group": keys, **_rates(won, lost, won_amount, amount)})
    assert_frame_equal(win_rates(facts, by=by, periods=2), expected, check_dtype=False)


def test_win_rates_per_partner_by_count_and_value(facts):
    rates = win_rates(facts, periods=2).set_index("partner_id")
    assert rates.loc["P1", ["won", "lost", "n"]].tolist() == [2, 1, 3]
    assert rates.loc["P1", "win_rate"] == pytest.approx(2 / 3)
    assert rates.loc["P1", "win_rate_value"] == pytest.approx(1500 / 1800)
    assert np.isnan(rates.loc["P3", "win_rate"])  # nothing closed: NaN, not 0


@pytest.mark.parametrize(("period", "direct", "partner"), [("2024Q1", 1.0, 0.5), ("2024Q2", 0.0, 1.0), (None, 0.0, 1.0)])
def test_one_period_windows(facts, period, direct, partner):
    rates = win_rates(facts, by="channel", period=period).set_index("channel")["win_rate"]
    assert (rates["direct"], rates["partner"]) == (direct, partner)


def test_a_window_with_nothing_closed_lists_every_group_with_missing_rates(tiny_program):
    facts = pa.rollup(tiny_program, as_of="2024-01-31")  # D1 and D6 are still open
    rates = win_rates(facts, by="channel")
    assert list(rates["channel"]) == ["direct", "partner"]
    assert rates["n"].tolist() == [0, 0]
    assert rates[["win_rate", "ci_low", "ci_high", "win_rate_value"]].isna().all().all()
    assert np.isnan(win_rates(facts, by=None).loc[0, "win_rate"])


def test_a_won_deal_of_zero_value_has_a_count_rate_but_no_value_rate(tiny_frames):
    tiny_frames["deals"]["amount"] = "0"
    facts = pa.rollup(pa.build_program(tiny_frames), as_of="2024-06-30")
    rates = win_rates(facts, by=None, periods=2)
    assert rates.loc[0, "win_rate"] == 0.75 and np.isnan(rates.loc[0, "win_rate_value"])


def _tiny_facts(order=None) -> pa.Rollup:
    """The tiny rollup, its deal rows in ``order`` (hypothesis tests cannot use function-scoped fixtures)."""
    frames = {name: read_tiny(name) for name in TINY_CSV}
    if order is not None:
        frames["deals"] = frames["deals"].iloc[list(order)].reset_index(drop=True)
    return pa.rollup(pa.build_program(frames), as_of="2024-06-30")


@settings(max_examples=8, deadline=None)
@given(st.permutations(range(8)))
def test_win_rates_and_deal_sizes_ignore_row_order(order):
    facts, shuffled = _tiny_facts(), _tiny_facts(order)
    for by in ("partner_id", "attribution", None):
        assert_frame_equal(win_rates(shuffled, by=by, periods=2), win_rates(facts, by=by, periods=2))
        assert_frame_equal(deal_size(shuffled, by=by), deal_size(facts, by=by))
    assert_frame_equal(time_to_close(shuffled), time_to_close(facts))


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"by": "region"}, "by must be one of"),
    ({"periods": 0}, "periods must be at least 1"),
    ({"period": "2025Q1"}, "outside the rollup"),
])
def test_win_rates_reject_bad_arguments(facts, kwargs, message):
    with pytest.raises(ValueError, match=message):
        win_rates(facts, **kwargs)


def test_a_missing_deal_column_is_named(facts):
    broken = dataclasses.replace(facts, deal_stats=facts.deal_stats.drop(columns="days_median"))
    with pytest.raises(ValueError, match="days_median"):
        time_to_close(broken)


def test_a_window_length_the_rollup_did_not_compute_is_refused_with_the_fix(sample_program):
    facts = pa.rollup(sample_program)
    with pytest.raises(ValueError, match=r"windows=\(\.\.\., 3\)"):
        time_to_close(facts, periods=3)
    wider = pa.rollup(sample_program, windows=(3,))
    assert time_to_close(wider, periods=3)["n"].sum() > 0


# --- deal size ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("by", "expected"),
    [
        (None, {"group": ["all"], "n": [3], "mean": [1700 / 3], "median": [500.0]}),
        ("channel", {"channel": ["direct", "partner"], "n": [1, 3], "mean": [2000.0, 1700 / 3], "median": [2000.0, 500.0]}),
    ],
)
def test_deal_size_over_won_deals(facts, by, expected):
    assert_frame_equal(deal_size(facts, by=by, periods=2), pd.DataFrame(expected), check_dtype=False)


def test_deal_size_per_partner_covers_one_period(facts):
    expected = {"partner_id": ["P1", "P2", "P3"], "n": [1, 1, 0], "mean": [500.0, 200.0, nan],
                "median": [500.0, 200.0, nan]}  # Q2: D2 (P1, 500) and D5 (P2, 200)
    assert_frame_equal(deal_size(facts, by="partner_id"), pd.DataFrame(expected), check_dtype=False)
    with pytest.raises(ValueError, match="deals_for"):
        deal_size(facts, by="partner_id", periods=2)


def test_deal_size_of_a_window_without_wins_is_missing(tiny_program):
    size = deal_size(pa.rollup(tiny_program, as_of="2024-01-31"))
    assert size.loc[0, "n"] == 0 and np.isnan(size.loc[0, "mean"]) and np.isnan(size.loc[0, "median"])


def test_deal_size_trend_has_one_row_per_period_and_group_with_wins(facts):
    expected = pd.DataFrame({"period": pd.PeriodIndex([Q1, Q1, Q2]), "channel": ["direct", "partner", "partner"],
                             "n": [1, 1, 2], "mean": [2000.0, 1000.0, 350.0], "median": [2000.0, 1000.0, 350.0]})
    assert_frame_equal(deal_size_trend(facts, by="channel"), expected, check_dtype=False)


# --- time to close ------------------------------------------------------------------------------------------------


def test_time_to_close_uses_won_deals_by_channel(facts):
    expected = pd.DataFrame({"channel": ["direct", "partner"], "n": [1, 3], "mean": [60.0, 40.0],
                             "median": [60.0, 30.0], "p25": [60.0, 30.0], "p75": [60.0, 45.0]})
    # partner: median(30, 60, 30) = 30; direct: the lost D7 (89 days) is left out
    assert_frame_equal(time_to_close(facts), expected, check_dtype=False)


@pytest.mark.parametrize(
    ("by", "keys", "median"),
    [
        ("attribution", ["direct", "influenced", "sourced"], [60.0, 60.0, 30.0]),
        ("partner_type", ["referral", "reseller", "technology"], [30.0, 45.0, nan]),
    ],
)
def test_time_to_close_by_other_groupings(facts, by, keys, median):
    cycle = time_to_close(facts, by=by)
    assert list(cycle[by]) == keys
    np.testing.assert_array_equal(cycle["median"], median)


def test_time_to_close_of_a_window_without_wins_is_missing(facts):
    cycle = time_to_close(facts, period="2024Q2", periods=1).set_index("channel")  # no direct deal won in Q2
    assert cycle.loc["direct", "n"] == 0 and np.isnan(cycle.loc["direct", "median"])
    assert cycle.loc["partner", "median"] == 45  # median(60, 30)


@pytest.mark.parametrize(("period", "periods", "expected"), [(None, 4, 30.0), ("2024Q1", 1, 30.0), ("2024Q2", 1, nan)])
def test_cycle_advantage_is_direct_minus_partner_median(facts, period, periods, expected):
    assert cycle_advantage(facts, period=period, periods=periods) == pytest.approx(expected, nan_ok=True)


def test_time_to_close_rejects_an_unknown_grouping(facts):
    with pytest.raises(ValueError, match="by must be one of"):
        time_to_close(facts, by="partner_id")


# --- pipeline and partner KPIs ------------------------------------------------------------------------------------


def test_pipeline_coverage_uses_the_next_periods_revenue_target(facts):
    expected = pd.DataFrame({"partner_id": ["P1", "P2", "P3"], "open_deals": [1.0, 1.0, 0.0],
                             "open_pipeline": [500.0, 800.0, 0.0], "next_target": [1000.0, nan, nan],
                             "pipeline_coverage": [0.5, nan, nan]})  # P1: 500 / 1000 target of 2024Q2
    assert_frame_equal(pipeline(facts, period="2024Q1"), expected)


def test_pipeline_coverage_without_a_next_target_is_missing(facts):
    flow = pipeline(facts)  # nothing targeted in 2024Q3
    assert flow["open_pipeline"].tolist() == [400.0, 800.0, 0.0]
    assert flow["pipeline_coverage"].isna().all()


def test_a_zero_next_target_gives_missing_coverage(tiny_frames):
    tiny_frames["targets"].loc[1, "target"] = "0"
    facts = pa.rollup(pa.build_program(tiny_frames), as_of="2024-06-30")
    assert np.isnan(pipeline(facts, period="2024Q1").loc[0, "pipeline_coverage"])


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ("2024Q1", {"deals_registered": [3.0, 1.0, 0.0], "win_rate": [0.5, nan, nan], "avg_deal_size": [1000.0, nan, nan],
                    "days_to_close": [30.0, nan, nan], "open_pipeline": [500.0, 800.0, 0.0],
                    "pipeline_coverage": [0.5, nan, nan]}),
        ("2024Q2", {"deals_registered": [1.0, 1.0, 0.0], "win_rate": [1.0, 1.0, nan], "avg_deal_size": [500.0, 200.0, nan],
                    "days_to_close": [60.0, 30.0, nan], "open_pipeline": [400.0, 800.0, 0.0],
                    "pipeline_coverage": [nan, nan, nan]}),
    ],
)
def test_partner_deal_kpis_match_hand_computed_values(facts, period, expected):
    expected = pd.DataFrame({"partner_id": ["P1", "P2", "P3"], **expected})
    assert_frame_equal(partner_deal_kpis(facts, period=period), expected)


def test_partner_deal_kpis_follow_the_partner_order(facts):
    reordered = dataclasses.replace(facts, partners=facts.partners.iloc[::-1].reset_index(drop=True))
    assert list(partner_deal_kpis(reordered)["partner_id"]) == ["P3", "P2", "P1"]


def test_no_deal_function_changes_the_facts(facts):
    before = copy.deepcopy(facts)
    for by in ("partner_id", "partner_type", "attribution", "channel", None):
        win_rates(facts, by=by, periods=2)
        deal_size(facts, by=by)
        deal_size_trend(facts, by=by)
    time_to_close(facts, by="partner_type")
    cycle_advantage(facts)
    pipeline(facts)
    partner_deal_kpis(facts)
    for field in dataclasses.fields(facts):
        value = getattr(facts, field.name)
        if isinstance(value, pd.DataFrame):
            assert_frame_equal(value, getattr(before, field.name))
