"""Target attainment is Σ actual / Σ target, with run-rate forecasts for the running period.

Hand-computed on the tiny program as of 2024-06-30 (quarters 2024Q1..2024Q2):
P1 revenue 2024Q1 target 2000, actual 1000 (D1); P1 revenue 2024Q2 target 1000, actual 500 (D2);
P2 deals_won 2024Q2 target 2, actual 1 (D5); P1 certifications 2024 (yearly) target 4, actual 2.
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
from partner_analytics.metrics.targets import (
    at_risk_partners,
    attainment,
    attainment_trend,
    on_track_forecast,
    partner_target_kpis,
    targets_in_period,
)

Q1, Q2 = pd.Period("2024Q1", "Q"), pd.Period("2024Q2", "Q")


@pytest.fixture
def facts(tiny_program):
    return pa.rollup(tiny_program, as_of="2024-06-30")


def _rows(targets, actuals, partners=None):
    partners = partners or ["A"] * len(targets)
    return pd.DataFrame({"partner_id": pd.Series(partners, dtype="str"), "kpi": pd.Series(["revenue"] * len(targets), dtype="str"),
                         "target": pd.Series(targets, dtype="float64"), "actual": pd.Series(actuals, dtype="float64")})


# --- attainment ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("targets", "actuals", "expected"),
    [
        pytest.param([100.0, 300.0], [50.0, 350.0], 1.0, id="sum of actuals over sum of targets"),
        pytest.param([1.0, 99.0], [2.0, 0.0], 0.02, id="not the mean of ratios (which would be 1.0)"),
        pytest.param([2000.0], [1000.0], 0.5, id="single target"),
        pytest.param([0.0], [10.0], np.nan, id="zero target"),
        pytest.param([0.0, 0.0], [0.0, 0.0], np.nan, id="zero target and zero actual"),
        pytest.param([100.0, 100.0], [50.0, np.nan], np.nan, id="an unmeasurable actual"),
        pytest.param([100.0, 100.0], [np.nan, np.nan], np.nan, id="all actuals missing"),
        pytest.param([100.0], [0.0], 0.0, id="nothing achieved"),
        pytest.param([100.0], [250.0], 2.5, id="over-achievement is not capped"),
    ],
)
def test_attainment_of_a_group(targets, actuals, expected):
    got = attainment(_rows(targets, actuals))["attainment"].iloc[0]
    assert got == pytest.approx(expected, nan_ok=True)


def test_attainment_returns_sums_and_counts_per_group():
    rows = _rows([100.0, 300.0, 50.0], [50.0, 350.0, 10.0], partners=["B", "B", "A"])
    expected = pd.DataFrame({"partner_id": ["A", "B"], "kpi": ["revenue", "revenue"], "target": [50.0, 400.0],
                             "actual": [10.0, 400.0], "attainment": [0.2, 1.0], "targets": [1, 2]})
    assert_frame_equal(attainment(rows), expected, check_dtype=False)
    assert attainment(rows)["targets"].dtype == "int64"


def test_attainment_of_an_unmeasurable_group_has_a_missing_actual():
    got = attainment(_rows([100.0, 100.0], [50.0, np.nan])).iloc[0]
    assert got["target"] == 200.0 and np.isnan(got["actual"])


def test_attainment_of_empty_input_is_an_empty_table():
    got = attainment(_rows([], []))
    assert got.empty
    assert list(got.columns) == ["partner_id", "kpi", "target", "actual", "attainment", "targets"]


def test_program_wide_attainment_of_empty_input_is_one_missing_row():
    got = attainment(_rows([], []), by=[])
    assert len(got) == 1
    assert got.loc[0, "target"] == 0 and got.loc[0, "targets"] == 0
    assert np.isnan(got.loc[0, "attainment"])


def test_program_wide_attainment_pools_every_row():
    got = attainment(_rows([100.0, 300.0], [50.0, 150.0], partners=["A", "B"]), by=[])
    assert got.to_dict("records") == [{"target": 400.0, "actual": 200.0, "attainment": 0.5, "targets": 2}]


@pytest.mark.parametrize("missing", ["actual", "target", "kpi"])
def test_attainment_names_a_missing_column(missing):
    with pytest.raises(ValueError, match=missing):
        attainment(_rows([1.0], [1.0]).drop(columns=missing))


_PAIRS = st.lists(st.tuples(st.sampled_from("ABC"), st.floats(1, 1e6), st.floats(0, 1e6)), min_size=1, max_size=20)


@settings(max_examples=50, deadline=None)
@given(_PAIRS, st.floats(0.01, 100))
def test_attainment_scales_linearly_with_actuals(rows, factor):
    frame = _rows([r[1] for r in rows], [r[2] for r in rows], partners=[r[0] for r in rows])
    base = attainment(frame)["attainment"].to_numpy()
    scaled = attainment(frame.assign(actual=frame["actual"] * factor))["attainment"].to_numpy()
    np.testing.assert_allclose(scaled, base * factor, rtol=1e-9, atol=1e-12)


@settings(max_examples=50, deadline=None)
@given(_PAIRS, st.randoms(use_true_random=False))
def test_attainment_ignores_row_order(rows, random):
    frame = _rows([r[1] for r in rows], [r[2] for r in rows], partners=[r[0] for r in rows])
    order = list(range(len(frame)))
    random.shuffle(order)
    assert_frame_equal(attainment(frame.iloc[order]), attainment(frame), rtol=1e-12)


@settings(max_examples=50, deadline=None)
@given(_PAIRS)
def test_attainment_never_mutates_its_input(rows):
    frame = _rows([r[1] for r in rows], [r[2] for r in rows], partners=[r[0] for r in rows])
    before = frame.copy(deep=True)
    attainment(frame)
    attainment(frame, by=[])
    assert_frame_equal(frame, before)


# --- which targets belong to a period -------------------------------------------------------------------------------


def test_only_targets_inside_the_period_belong_to_it(facts):
    q1 = targets_in_period(facts, period="2024Q1")
    assert q1[["partner_id", "kpi", "target", "actual"]].to_dict("records") == [
        {"partner_id": "P1", "kpi": "revenue", "target": 2000.0, "actual": 1000.0}
    ]  # the yearly certification target belongs to the year only


def test_the_default_period_is_the_one_containing_as_of(facts):
    assert_frame_equal(targets_in_period(facts), targets_in_period(facts, period=Q2))
    assert sorted(targets_in_period(facts)["kpi"]) == ["deals_won", "revenue"]


def test_a_period_outside_the_rollup_is_rejected(facts):
    with pytest.raises(ValueError, match="outside the rollup"):
        targets_in_period(facts, period="2023Q4")


def test_a_missing_target_column_is_named(facts):
    broken = dataclasses.replace(facts, target_actuals=facts.target_actuals.drop(columns="elapsed"))
    with pytest.raises(ValueError, match="elapsed"):
        partner_target_kpis(broken)


# --- per-partner KPI ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("period", "expected"), [("2024Q1", [0.5, np.nan, np.nan]), ("2024Q2", [0.5, np.nan, np.nan])])
def test_partner_revenue_attainment_per_period(facts, period, expected):
    expected_frame = pd.DataFrame({"partner_id": ["P1", "P2", "P3"], "revenue_attainment": expected})
    assert_frame_equal(partner_target_kpis(facts, period=period), expected_frame, check_dtype=False)
    # P1 2024Q1: 1000 / 2000; P2 has a deals_won target only; P3 has no target


def test_a_zero_revenue_target_gives_missing_attainment(tiny_frames):
    tiny_frames["targets"].loc[1, "target"] = "0"  # P1 revenue 2024Q2
    facts = pa.rollup(pa.build_program(tiny_frames), as_of="2024-06-30")
    assert np.isnan(partner_target_kpis(facts).set_index("partner_id").loc["P1", "revenue_attainment"])
    assert at_risk_partners(facts).empty  # NaN forecast attainment is not "at risk"


def test_a_program_without_targets_has_missing_attainment_everywhere(tiny_frames):
    del tiny_frames["targets"]
    facts = pa.rollup(pa.build_program(tiny_frames), as_of="2024-06-30")
    assert partner_target_kpis(facts)["revenue_attainment"].isna().all()
    assert on_track_forecast(facts).empty and at_risk_partners(facts).empty
    assert list(attainment_trend(facts)["targets"]) == [0, 0]


# --- forecast and risk --------------------------------------------------------------------------------------------


def test_the_forecast_of_a_finished_period_is_its_actual(facts):
    expected = pd.DataFrame({
        "partner_id": ["P1", "P2"], "kpi": ["revenue", "deals_won"], "target": [1000.0, 2.0], "actual": [500.0, 1.0],
        "elapsed": [1.0, 1.0], "forecast": [500.0, 1.0], "forecast_attainment": [0.5, 0.5], "on_track": [False, False],
    }).sort_values(["partner_id", "kpi"], ignore_index=True)
    assert_frame_equal(on_track_forecast(facts), expected, check_dtype=False)


def test_the_run_rate_forecast_extrapolates_the_elapsed_share(tiny_program):
    facts = pa.rollup(tiny_program, as_of="2024-05-15")  # 45 of Q2's 91 days
    forecast = on_track_forecast(facts).set_index(["partner_id", "kpi"])
    row = forecast.loc[("P1", "revenue")]
    assert row["elapsed"] == pytest.approx(45 / 91)
    assert row["forecast"] == pytest.approx(500 / (45 / 91))
    assert row["forecast_attainment"] == pytest.approx(500 / (45 / 91) / 1000)
    assert bool(row["on_track"])
    assert forecast.loc[("P2", "deals_won"), "forecast"] == pytest.approx(91 / 45)  # 1 deal won so far


@pytest.mark.parametrize(("threshold", "on_track"), [(1.0, True), (1.011, True), (1.012, False)])
def test_on_track_compares_the_forecast_attainment_with_the_threshold(tiny_program, threshold, on_track):
    facts = pa.rollup(tiny_program, as_of="2024-05-15")  # P1 forecast attainment 500·91/45/1000 = 1.0111
    forecast = on_track_forecast(facts, threshold=threshold).set_index(["partner_id", "kpi"])
    assert bool(forecast.loc[("P1", "revenue"), "on_track"]) is on_track


def test_nothing_elapsed_gives_no_forecast(facts):
    future = facts.target_actuals.assign(elapsed=0.0)
    forecast = on_track_forecast(dataclasses.replace(facts, target_actuals=future))
    assert forecast["forecast"].isna().all()
    assert not forecast["on_track"].any()


def test_an_unmeasurable_kpi_is_never_on_track(tiny_frames):
    tiny_frames["targets"].loc[0, "kpi"] = "joint_business_plans"
    facts = pa.rollup(pa.build_program(tiny_frames), as_of="2024-06-30")
    row = on_track_forecast(facts, period="2024Q1").iloc[0]
    assert row["kpi"] == "joint_business_plans" and np.isnan(row["forecast"]) and not row["on_track"]


def test_partners_at_risk_are_ranked_by_gap(facts):
    expected = pd.DataFrame({"partner_id": ["P1"], "kpi": ["revenue"], "target": [1000.0], "actual": [500.0],
                             "forecast": [500.0], "attainment": [0.5], "gap": [500.0]})
    assert_frame_equal(at_risk_partners(facts, threshold=0.9), expected)


def test_at_risk_partners_sort_by_gap_descending(tiny_frames):
    tiny_frames["targets"].loc[2] = ["P2", "revenue", "2024-04-01", "2024-06-30", "2000"]  # P2 won 200: gap 1800
    facts = pa.rollup(pa.build_program(tiny_frames), as_of="2024-06-30")
    risky = at_risk_partners(facts)
    assert list(risky["partner_id"]) == ["P2", "P1"]
    assert list(risky["gap"]) == [1800.0, 500.0]


def test_at_risk_partners_can_check_another_kpi(facts):
    risky = at_risk_partners(facts, kpi="deals_won")
    assert list(risky["partner_id"]) == ["P2"] and risky.loc[0, "gap"] == 1.0


def test_nobody_is_at_risk_when_the_run_rate_is_on_target(tiny_program):
    assert at_risk_partners(pa.rollup(tiny_program, as_of="2024-05-15")).empty


def test_a_low_threshold_flags_nobody(facts):
    assert at_risk_partners(facts, threshold=0.5).empty  # 0.5 is not below 0.5


# --- trend --------------------------------------------------------------------------------------------------------


def test_the_attainment_trend_covers_every_period(facts):
    expected = pd.DataFrame({"period": pd.PeriodIndex([Q1, Q2]), "target": [2000.0, 1000.0],
                             "actual": [1000.0, 500.0], "attainment": [0.5, 0.5], "targets": [1, 1]})
    assert_frame_equal(attainment_trend(facts), expected)


def test_a_period_without_targets_has_missing_trend_attainment(facts):
    trend = attainment_trend(facts, kpi="deals_won")
    assert list(trend["target"]) == [0.0, 2.0]
    assert np.isnan(trend.loc[0, "attainment"]) and trend.loc[1, "attainment"] == 0.5


def test_a_yearly_target_is_not_in_any_quarter_of_the_trend(facts):
    assert attainment_trend(facts, kpi="certifications")["targets"].tolist() == [0, 0]


def test_the_attainment_trend_per_partner(facts):
    expected = pd.DataFrame({"period": pd.PeriodIndex([Q1, Q2]), "partner_id": ["P1", "P1"],
                             "target": [2000.0, 1000.0], "actual": [1000.0, 500.0], "attainment": [0.5, 0.5],
                             "targets": [1, 1]})
    assert_frame_equal(attainment_trend(facts, by="partner_id"), expected, check_dtype=False)


def test_the_attainment_trend_per_partner_type(facts):
    trend = attainment_trend(facts, kpi="deals_won", by="partner_type")
    assert trend[["partner_type", "attainment"]].to_dict("records") == [{"partner_type": "referral", "attainment": 0.5}]


def test_the_trend_rejects_an_unknown_grouping(facts):
    with pytest.raises(ValueError, match="by must be one of"):
        attainment_trend(facts, by="region")


def test_no_target_function_changes_the_facts(facts):
    before = copy.deepcopy(facts)
    partner_target_kpis(facts)
    on_track_forecast(facts)
    at_risk_partners(facts)
    attainment_trend(facts, by="partner_id")
    targets_in_period(facts, period="2024Q1")
    for field in dataclasses.fields(facts):
        value = getattr(facts, field.name)
        if isinstance(value, pd.DataFrame):
            assert_frame_equal(value, getattr(before, field.name))
