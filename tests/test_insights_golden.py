"""Characterisation: partner and program insights, word for word and number for number, on fixed programs.

The golden files in ``tests/golden/insights_*.csv`` were written from the hand-written rules before they became a
declarative table; any change of wording, order, severity or value fails here. To accept a deliberate change,
run ``PARTNER_ANALYTICS_WRITE_GOLDEN=1 pytest tests/test_insights_golden.py`` and review the diff.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import os
from pathlib import Path

import pandas as pd
import pytest

import constructed
import partner_analytics as pa
from partner_analytics.insights import partner_insights, program_insights
from partner_analytics.metrics.kpis import partner_kpis
from partner_analytics.params import load_params

GOLDEN = Path(__file__).parent / "golden"

LOOSE = {"decline_periods": 1, "attainment_low": 0.9, "attainment_high": 1.0, "growth_high": 0.1,
         "engagement_low": 60, "win_rate_low": 0.5, "min_closed_deals": 1, "coverage_low": 3, "csat_drop": 0.0,
         "mdf_utilisation_low": 0.9, "high_performer_score": 50, "concentration_top10_high": 0.1,
         "producing_share_low": 0.99}
"""Thresholds that make every rule fire somewhere on the sample."""


@functools.cache
def _sample(freq="Q"):
    return pa.rollup(pa.load_program("sample"), freq=freq)


@functools.cache
def _messy():
    """The 30-partner sample cut part-way through a quarter, with a stray won deal long after the rest."""
    return pa.rollup(constructed.export(end="2025-05-14", tail=["2025-05-13"]), as_of="2025-05-14")


SCENARIOS = {
    "sample_q": (lambda: _sample("Q"), {}, None),
    "sample_m": (lambda: _sample("M"), {}, None),
    "sample_loose": (lambda: _sample("Q"), LOOSE, None),
    "messy_partial": (_messy, {}, 1.0),
    "messy_partial_loose": (_messy, LOOSE, 1e12),
}


def _insights(name: str) -> pd.DataFrame:
    make, overrides, year_ago_revenue = SCENARIOS[name]
    facts = make()
    params = load_params()
    params = dataclasses.replace(params, insights={**params.insights, **overrides})
    kpis = partner_kpis(facts)
    return pd.concat([partner_insights(facts, kpis, params),
                      program_insights(facts, kpis, params, year_ago_revenue=year_ago_revenue)], ignore_index=True)


def _csv(frame: pd.DataFrame) -> str:
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False, lineterminator="\n")
    return buffer.getvalue()


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_insights_are_unchanged(name):
    path = GOLDEN / f"insights_{name}.csv"
    found = _csv(_insights(name))
    if os.environ.get("PARTNER_ANALYTICS_WRITE_GOLDEN"):
        path.write_text(found, encoding="utf-8")
    assert found == path.read_text(encoding="utf-8")


def test_the_loose_scenarios_fire_every_rule():
    rules = set()
    for name in ("sample_loose", "messy_partial_loose"):
        rules |= set(pd.read_csv(GOLDEN / f"insights_{name}.csv")["rule"])
    assert {"revenue_decline", "no_revenue", "behind_target", "target_beaten", "csat_drop", "low_win_rate",
            "thin_pipeline", "low_enablement", "mdf_unused", "mdf_negative_roi", "strong_growth",
            "high_performer", "channel_revenue_down", "revenue_concentrated", "few_partners_producing",
            "partners_behind_target"} <= rules
