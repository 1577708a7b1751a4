"""Revenue plots draw what the metric frames say: checked by inspecting the returned Axes."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import partner_analytics as pa  # noqa: E402
from partner_analytics.metrics.concentration import gini, lorenz_curve, pareto_curve  # noqa: E402
from partner_analytics.metrics.revenue import channel_revenue, revenue_by, revenue_trend  # noqa: E402
from partner_analytics.plots.revenue import (  # noqa: E402
    plot_channel_share,
    plot_lorenz,
    plot_pareto,
    plot_revenue_by,
    plot_revenue_trend,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def facts(tiny_program):
    return pa.rollup(tiny_program, as_of="2024-06-30")


def _ticks(axis):
    return [label.get_text() for label in axis.get_ticklabels()]


def test_program_trend_stacks_sourced_influenced_and_direct_bars(facts):
    ax = plot_revenue_trend(revenue_trend(facts))
    assert ax.get_title() == "Revenue by period and attribution"
    assert _ticks(ax.xaxis) == ["2024Q1", "2024Q2"]
    bars = ax.patches
    assert [b.get_height() for b in bars] == [1000, 200, 0, 500, 2000, 0]  # sourced, influenced, direct per period
    assert [b.get_y() for b in bars] == [0, 0, 1000, 200, 1000, 700]  # each layer sits on the ones below
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Sourced", "Influenced", "Direct"]


def test_grouped_trend_draws_one_line_per_group(facts):
    ax = plot_revenue_trend(revenue_trend(facts, by="partner_type"))
    assert ax.get_title() == "Partner revenue by partner type"
    assert [line.get_label() for line in ax.get_lines()] == ["referral", "reseller", "technology"]
    assert list(ax.get_lines()[1].get_ydata()) == [1000, 500]


def test_channel_share_is_one_line_of_fractions(facts):
    ax = plot_channel_share(channel_revenue(facts))
    assert ax.get_title() == "Partner share of total revenue"
    (line,) = ax.get_lines()
    assert list(line.get_ydata()) == pytest.approx([1 / 3, 1.0])
    assert ax.get_ylim() == (0, 1.05)


@pytest.mark.parametrize(("given", "title"), [(0.75, "Lorenz curve of partner revenue (Gini 0.75)"),
                                             (None, "Lorenz curve of partner revenue"),
                                             (float("nan"), "Lorenz curve of partner revenue")])
def test_lorenz_plot_draws_the_curve_and_the_line_of_equality(given, title):
    values = [0, 0, 0, 10]
    ax = plot_lorenz(lorenz_curve(values), gini=given)
    assert ax.get_title() == title
    curve, diagonal = ax.get_lines()
    assert list(curve.get_ydata()) == [0, 0, 0, 0, 1]
    assert list(diagonal.get_xdata()) == [0, 1] and list(diagonal.get_ydata()) == [0, 1]
    assert gini(values) == 0.75


def test_pareto_plot_has_bars_and_a_cumulative_share_line_on_a_twin_axis():
    ax = plot_pareto(pareto_curve(pd.Series({"P1": 20.0, "P2": 60.0, "P3": 20.0})))
    assert ax.get_title() == "Partner revenue concentration (Pareto)"
    assert [b.get_height() for b in ax.patches] == [60, 20, 20]
    assert _ticks(ax.xaxis) == ["P2", "P1", "P3"]
    (twin,) = [other for other in ax.figure.axes if other is not ax]
    cumulative, reference = twin.get_lines()
    assert list(cumulative.get_ydata()) == pytest.approx([0.6, 0.8, 1.0])
    assert list(reference.get_ydata()) == [0.8, 0.8]


def test_revenue_by_plot_draws_horizontal_bars_largest_on_top(facts):
    ax = plot_revenue_by(revenue_by(facts), by="partner_type")
    assert ax.get_title() == "Partner revenue by partner type"
    assert [b.get_width() for b in ax.patches] == [0, 200, 500]
    assert _ticks(ax.yaxis) == ["technology", "referral", "reseller"]


def test_revenue_by_plot_labels_a_missing_group_and_can_draw_shares():
    frame = pd.DataFrame({"region": ["EMEA", np.nan], "share": [0.25, 0.75]})
    ax = plot_revenue_by(frame, by="region", value="share")
    assert ax.get_title() == "Share of partner revenue by region"
    assert _ticks(ax.yaxis) == ["EMEA", "not set"]
    assert [b.get_width() for b in ax.patches] == [0.25, 0.75]


def test_plots_draw_on_the_axes_they_are_given(facts):
    fig, axes = plt.subplots(1, 2)
    assert plot_channel_share(channel_revenue(facts), ax=axes[1]) is axes[1]
    assert plot_revenue_trend(revenue_trend(facts), ax=axes[0], color="red") is axes[0]
    assert plt.get_fignums() == [fig.number]
    assert len(axes[0].patches) == 6 and not axes[1].patches


@pytest.mark.parametrize(
    ("plot", "frame", "column"),
    [
        (plot_channel_share, pd.DataFrame({"period": []}), "channel_share"),
        (plot_lorenz, pd.DataFrame({"partner_share": []}), "revenue_share"),
        (plot_pareto, pd.DataFrame({"rank": [], "revenue": []}), "cumulative_share"),
        (plot_revenue_trend, pd.DataFrame({"period": [], "sourced_revenue": []}), "influenced_revenue"),
    ],
)
def test_a_frame_missing_a_column_is_rejected_by_name(plot, frame, column):
    with pytest.raises(ValueError, match=f"missing column '{column}'"):
        plot(frame)
