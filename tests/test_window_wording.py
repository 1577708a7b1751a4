"""Texts and chart titles name windows from the reporting grain: never "four quarters" on a monthly report."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest

import partner_analytics
from partner_analytics.params import load_params
from partner_analytics.periods import window_phrase
from partner_analytics.plots.partner import plot_engagement_vs_peers
from partner_analytics.render import wording
from partner_analytics.render.context import build_context
from partner_analytics.render.overview_view import overview_view
from partner_analytics.render.partner_view import partner_view

import constructed

PACKAGE = Path(partner_analytics.__file__).parent


@pytest.mark.parametrize(("freq", "n", "phrase"), [
    ("Q", None, "the last four quarters"), ("M", None, "the last 12 months"), ("M", 3, "the last three months"),
    ("Q", 1, "the last quarter"), ("M", 1, "the last month"), ("Q", 10, "the last 10 quarters"),
])
def test_windows_are_phrased_from_the_grain(freq, n, phrase):
    assert window_phrase(freq, n) == phrase


def test_a_window_needs_a_known_grain_and_at_least_one_period():
    with pytest.raises(ValueError, match="freq"):
        window_phrase("W")
    with pytest.raises(ValueError, match="at least 1"):
        window_phrase("Q", 0)


def test_no_page_text_hard_codes_a_quarterly_window():
    """Report texts come from templates, views, wording, plots and insights; only periods.py spells windows out."""
    places = [PACKAGE / "templates", PACKAGE / "render", PACKAGE / "plots", PACKAGE / "insights.py"]
    files = [f for place in places for f in ([place] if place.is_file() else sorted(place.rglob("*.py")))]
    pattern = re.compile(r"\b(four|4|twelve) (quarters|months)\b", re.IGNORECASE)
    offenders = [f"{f.name}:{i}" for f in files for i, line in enumerate(f.read_text().splitlines(), 1)
                 if pattern.search(line) and not line.lstrip().startswith("#")]
    assert offenders == []


def test_empty_section_sentences_name_the_window_they_looked_at():
    window = window_phrase("M")
    for sentence in (wording.no_activity(window), wording.no_responses(window), wording.no_correlations(window),
                     wording.same_day_close(window), wording.no_mdf(window)):
        assert "the last 12 months" in sentence and "quarter" not in sentence


def test_the_activity_chart_title_names_the_window_drawn():
    engagement = pd.DataFrame({"activity": ["training_completed"], "quantity": [3.0]})
    ax = plot_engagement_vs_peers(engagement, window="the last 12 months")
    try:
        assert ax.get_title() == "Activity over the last 12 months"
    finally:
        plt.close(ax.figure)


def test_monthly_views_of_a_partial_month_say_months_and_flag_the_partial_bars():
    params = load_params()
    monthly = params.__class__(**{**params.__dict__, "reporting": params.reporting.__class__(freq="M")})
    context = build_context(constructed.export(end="2025-11-20", drop=("targets",)), monthly, period="2025-11")
    overview = overview_view(context)
    reseller = context.kpis.loc[context.kpis["partner_type"] == "reseller", "partner_id"].iloc[0]
    partner = partner_view(context, reseller)
    assert overview.window == partner.window == "the last 12 months"
    assert "month" in context.coverage.note() and "quarter" not in context.coverage.note()
    note = wording.partial_last_bar("2025-11 to date: 20 of 30 days")
    assert overview.partial_note == partner.partial_note == note
    # the trend table of trailing-year figures stays as short on months as on quarters: one row a quarter
    trend = [str(p) for p in overview.concentration_trend["period"]]
    assert trend == ["2024-02", "2024-05", "2024-08", "2024-11", "2025-02", "2025-05", "2025-08", "2025-11"]
    # without targets revenue attainment is never measured: no blank tile claims it could be there
    assert "revenue_attainment" in partner.kpi_names and "revenue_attainment" not in set(partner.tiles["kpi"])
    assert partner.benchmarks is not None and "revenue_attainment" not in set(partner.benchmarks["kpi"])
    assert "revenue" in set(partner.benchmarks["kpi"])
    assert partner.tiles[["value", "prior"]].notna().any(axis=1).all() and "revenue" in set(partner.tiles["kpi"])
