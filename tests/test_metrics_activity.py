"""Activity sums per partner on the tiny program: P1 logged in 5 times and certified once in 2024Q1 and once in
2024Q2; P2 completed 2 trainings in 2024Q1; P3 recorded nothing."""

from __future__ import annotations

import pandas as pd

import partner_analytics as pa
from partner_analytics.metrics.activity import activity_quantities, has_engagement

Q1, Q2 = pd.Period("2024Q1", "Q"), pd.Period("2024Q2", "Q")


def test_activity_quantities_per_partner_and_activity_over_the_window(tiny_program):
    facts = pa.rollup(tiny_program, as_of="2024-06-30")
    year = activity_quantities(facts, Q2, 2)
    assert list(year.index) == ["P1", "P2", "P3"]
    assert list(year.columns) == ["certification", "prm_login", "training_completed"]
    assert year.to_numpy().tolist() == [[2.0, 5.0, 0.0], [0.0, 0.0, 2.0], [0.0, 0.0, 0.0]]
    assert activity_quantities(facts, Q2, 1).to_numpy().tolist() == [[1.0, 0.0, 0.0], [0.0, 0.0, 0.0],
                                                                     [0.0, 0.0, 0.0]]
    assert has_engagement(facts)


def test_without_an_engagement_table_there_is_no_engagement(tiny_frames):
    del tiny_frames["engagement"]
    facts = pa.rollup(pa.build_program(tiny_frames, source="tiny"), as_of="2024-06-30")
    assert not has_engagement(facts)
    quantities = activity_quantities(facts, Q2, 2)
    assert list(quantities.index) == ["P1", "P2", "P3"] and quantities.columns.empty
