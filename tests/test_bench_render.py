"""The rendering benchmark's floor (benchmarks/bench.py) draws what the report templates draw.

The floor once drew every chart unconditionally and stopped at the first
partner without scorecard values (``NothingToDraw``), and it once left the
overview out while the renderer's time per page included it. The templates
and the floor now draw the same figure lists (``partner_figures``,
``overview_figures``), so the floor times the same charts the renderer does.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import matplotlib.pyplot as plt
import pytest

from partner_analytics.params import load_params
from partner_analytics.plots.partner import plot_partner_revenue
from partner_analytics.plots.scorecard import plot_scorecard_breakdown
from partner_analytics.render.batch import TEMPLATES
from partner_analytics.render.context import build_context
from partner_analytics.render.overview_view import overview_figures, overview_view
from partner_analytics.render.partner_view import partner_figures, partner_view

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(BENCHMARKS))
    try:
        yield importlib.import_module("bench")
    finally:
        sys.path.remove(str(BENCHMARKS))


def test_partner_figures_follow_the_template_conditions(tiny_program):
    context = build_context(tiny_program, load_params())
    for partner_id in context.kpis["partner_id"]:
        view = partner_view(context, partner_id)
        plots = [spec.panels[0][0] for spec in partner_figures(view).values()]
        assert (plot_partner_revenue in plots) == (not view.history.empty)
        scored = view.comparable and not view.breakdown["score"].isna().all()
        assert (plot_scorecard_breakdown in plots) == scored


def test_the_templates_draw_only_the_views_figure_lists():
    for template in TEMPLATES.values():
        source = template.read_text()
        assert "draw_panels(" not in source and "plt.subplots(" not in source
    partner, overview = (TEMPLATES[kind].read_text() for kind in ("partner", "overview"))
    assert all(f'figures["{name}"].draw()' in partner for name in ("revenue", "engagement", "scorecard"))
    for name in ("revenue", "concentration", "revenue_by", "deals", "cohorts", "correlations", "tiers", "mdf"):
        assert f'figures["{name}"].draw()' in overview


def test_the_overview_lists_every_chart_section(tiny_program):
    view = overview_view(build_context(tiny_program, load_params()))
    figures = overview_figures(view)
    assert {"revenue", "concentration", "revenue_by", "deals", "cohorts", "tiers"} <= set(figures)
    assert len(figures["deals"].panels) == (1 if view.closes_same_day else 2)
    assert figures["deals"].figsize == (5.0 * len(figures["deals"].panels), 4)


def test_the_floor_draws_the_overview_and_partners_without_leaving_figures_open(bench, tiny_program):
    context = build_context(tiny_program, load_params())
    ids = list(context.kpis["partner_id"])
    unscored = [p for p in ids if partner_view(context, p).breakdown["score"].isna().all()]
    assert unscored, "the tiny program should have a partner without scores"
    before = set(plt.get_fignums())
    assert bench._draw_pages(context, [bench.OVERVIEW, unscored[0], ids[0]]) == 3  # no NothingToDraw
    assert set(plt.get_fignums()) == before  # every figure closed
