"""Money axes read as currency amounts, not scientific offsets."""

from __future__ import annotations

import matplotlib.pyplot as plt

import partner_analytics as pa
from partner_analytics.metrics.revenue import revenue_trend
from partner_analytics.plots.formatting import compact_money
from partner_analytics.plots.revenue import plot_revenue_trend


def test_compact_money_labels():
    assert [compact_money(v) for v in (0, 950, 1_500, 2_000_000, 3.5e9, -2_500, 0.5)] == [
        "$0", "$950", "$1.5k", "$2M", "$3.5B", "-$2.5k", "$0.5"]


def test_the_revenue_trend_axis_shows_compact_amounts(sample_program):
    ax = plot_revenue_trend(revenue_trend(pa.rollup(sample_program)))
    ax.figure.canvas.draw()
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert any(label.startswith("$") and label.endswith("M") for label in labels)
    assert ax.yaxis.get_offset_text().get_text() == ""
    plt.close("all")
