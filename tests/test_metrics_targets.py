"""Target attainment is Σ actual / Σ target, with run-rate forecasts for the running period."""

from __future__ import annotations

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


@pytest.fixture
def facts(tiny_program):
    return pa.rollup(tiny_program, as_of="2024-06-30")


@pytest.mark.parametrize(
    ("targets", "actuals", "expected"),
    [
        pytest.param([100.0, 300.0], [50.0, 350.0], 1.0, id="sum of actuals over sum of targets"),
        pytest.param([1.0, 99.0], [2.0, 0.0], 0.02, id="not the mean of ratios (which would be 1.0)"),
        pytest.param([0.0], [10.0], np.nan, id="zero target"),
        pytest.param([100.0, 100.0], [50.0, np.nan], np.nan, id="an unmeasurable actual"),
        pytest.param([100.0], [0.0], 0.0, id="nothing achieved"),
    ],
)
def test_attainment_of_a_group(targets, actuals, expected):
    rows = pd.DataFrame({"partner_id": "A", "kpi": "revenue", "target": targets, "actual": actuals})
    got = attainment(rows)["attainment"].iloc[0]
    assert got == pytest.approx(expected, nan_ok=True)


def test_attainment_of_empty_input_is_an_empty_table():
    empty = pd.DataFrame({"partner_id": [], "kpi": [], "target": [], "actual": []})
    assert attainment(empty).empty


def test_attainment_needs_its_columns():
    with pytest.raises(ValueError, match="actual"):
        attainment(pd.DataFrame({"partner_id": ["A"], "kpi": ["x"], "target": [1.0]}))


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.tuples(st.floats(1, 1e6), st.floats(0, 1e6)), min_size=1, max_size=20),
    st.floats(0.01, 100),
)
def test_attainment_scales_linearly_with_actuals_and_ignores_row_order(pairs, factor):
    rows = pd.DataFrame({"partner_id": "A", "kpi": "revenue", "target": [p[0] for p in pairs],
                         "actual": [p[1] for p in pairs]})
    base = attainment(rows)["attainment"].iloc[0]
    scaled = attainment(rows.assign(actual=rows["actual"] * factor))["attainment"].iloc[0]
    shuffled = attainment(rows.iloc[::-1])["attainment"].iloc[0]
    assert scaled == pytest.approx(base * factor, rel=1e-9, abs=1e-12)
    assert shuffled == pytest.approx(base, rel=1e-12)


def test_attainment_does_not_mutate_its_input():
    rows = pd.DataFrame({"partner_id": ["A"], "kpi": ["revenue"], "target": [10.0], "actual": [5.0]})
    before = rows.copy()
    attainment(rows)
    assert_frame_equal(rows, before)


def test_only_targets_inside_the_period_belong_to_it(facts):
    q1 = targets_in_period(facts, period="2024Q1")
    assert list(q1["kpi"]) == ["revenue"]  # the yearly certification target belongs to the year only


def test_partner_revenue_attainment_per_period(facts):
    q1 = partner_target_kpis(facts, period="2024Q1").set_index("partner_id")["revenue_attainment"]
    q2 = partner_target_kpis(facts, period="2024Q2").set_index("partner_id")["revenue_attainment"]
    assert q1["P1"] == 0.5 and q2["P1"] == 0.5
    assert np.isnan(q2["P2"])  # P2 has a deals_won target only


def test_the_run_rate_forecast_extrapolates_the_elapsed_share(tiny_program):
    facts = pa.rollup(tiny_program, as_of="2024-05-15")  # 45 of Q2's 91 days
    forecast = on_track_forecast(facts).set_index(["partner_id", "kpi"])
    row = forecast.loc[("P1", "revenue")]
    assert row["elapsed"] == pytest.approx(45 / 91)
    assert row["forecast"] == pytest.approx(500 / (45 / 91))
    assert row["forecast_attainment"] == pytest.approx(500 / (45 / 91) / 1000)
    assert bool(row["on_track"])


def test_partners_at_risk_are_ranked_by_gap(facts):
    risky = at_risk_partners(facts, threshold=0.9)
    assert list(risky["partner_id"]) == ["P1"]
    assert risky.loc[0, "gap"] == 500.0


def test_the_attainment_trend_covers_every_period(facts):
    trend = attainment_trend(facts)
    assert list(trend["period"].astype(str)) == ["2024Q1", "2024Q2"]
    assert list(trend["attainment"]) == [0.5, 0.5]
