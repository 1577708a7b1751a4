"""The rendering benchmark's floor (benchmarks/bench.py) draws what the partner report template draws.

The floor once drew every chart unconditionally and stopped at the first
partner without scorecard values (``NothingToDraw``); it must follow the
template's conditions, so that it times the same work the renderer does.
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
from partner_analytics.render.context import build_context
from partner_analytics.render.partner_view import partner_view

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


@pytest.fixture(scope="module")
def bench():
    sys.path.insert(0, str(BENCHMARKS))
    try:
        yield importlib.import_module("bench")
    finally:
        sys.path.remove(str(BENCHMARKS))


def test_floor_follows_the_template_conditions(bench, tiny_program):
    context = build_context(tiny_program, load_params())
    ids = list(context.kpis["partner_id"])
    for partner_id in ids:
        view = partner_view(context, partner_id)
        plots = [panels[0][0] for panels, _ in bench._report_panels(view)]
        assert (plot_partner_revenue in plots) == (not view.history.empty)
        scored = view.comparable and not view.breakdown["score"].isna().all()
        assert (plot_scorecard_breakdown in plots) == scored
    unscored = [p for p in ids if partner_view(context, p).breakdown["score"].isna().all()]
    assert unscored, "the tiny program should have a partner without scores"
    before = set(plt.get_fignums())
    assert bench._draw_reports(context, unscored[:1] + ids[:1]) == 2  # no NothingToDraw without scores
    assert set(plt.get_fignums()) == before  # every figure closed
