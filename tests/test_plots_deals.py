"""Deal and target plots draw what the metrics computed (tiny program as of 2024-06-30)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

import partner_analytics as pa
from partner_analytics.rollup import deals_for
from partner_analytics.metrics.deals import deal_size_trend, time_to_close, win_rates
from partner_analytics.metrics.targets import attainment_trend
from partner_analytics.plots.deals import plot_attainment, plot_deal_size_trend, plot_time_to_close, plot_win_rate


@pytest.fixture
def facts(tiny_program):
    yield pa.rollup(tiny_program, as_of="2024-06-30")
    plt.close("all")


def _heights(ax):
    return [p.get_height() for p in ax.patches]


def test_win_rate_bars_have_the_rates_as_heights(facts):
    ax = plot_win_rate(win_rates(facts, by="channel", periods=2))
    assert _heights(ax) == [0.5, 0.75]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["direct", "partner"]
    assert ax.get_title() == "Win rate (95 % Wilson interval)"


def test_win_rate_error_bars_span_the_wilson_interval(facts):
    rates = win_rates(facts, by="channel", periods=2)
    ax = plot_win_rate(rates)
    segments = ax.collections[0].get_segments()  # one vertical error bar per bar
    lows, highs = [s[:, 1].min() for s in segments], [s[:, 1].max() for s in segments]
    np.testing.assert_allclose(lows, rates["ci_low"])
    np.testing.assert_allclose(highs, rates["ci_high"])


def test_win_rate_plot_draws_on_the_given_axes(facts):
    _, ax = plt.subplots()
    assert plot_win_rate(win_rates(facts, periods=2), ax=ax) is ax
    assert len(ax.patches) == 3  # P1, P2, P3 (P3's NaN rate draws an empty bar)


def test_win_rate_error_bars_survive_a_perfect_record():
    rates = pd.DataFrame({"channel": ["partner"], "win_rate": [1.0], "ci_low": [0.9], "ci_high": [1.0 - 1e-16]})
    ax = plot_win_rate(rates)
    assert _heights(ax) == [1.0]
    plt.close("all")


def test_a_win_rate_frame_without_intervals_is_rejected():
    with pytest.raises(ValueError, match="ci_low"):
        plot_win_rate(pd.DataFrame({"channel": ["partner"], "win_rate": [0.5]}))


def test_time_to_close_bars_show_medians(facts):
    ax = plot_time_to_close(time_to_close(facts, periods=2))
    assert _heights(ax) == [60, 30]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["direct", "partner"]
    assert ax.get_title() == "Median days to close (won deals, IQR bars)"


def test_time_to_close_boxes_from_drilled_down_deals(tiny_program):
    ax = plot_time_to_close(deals_for(tiny_program, stage="closed", as_of="2024-06-30"))
    assert [t.get_text() for t in ax.get_xticklabels()] == ["direct", "partner"]
    assert ax.get_title() == "Days to close (won deals)"
    lines = ax.get_lines()  # per box: box, 2 whiskers, 2 caps, median, fliers
    assert [line.get_ydata()[0] for line in lines[5::7]] == [60, 30]  # medians; the lost D7 is left out
    assert (min(lines[7].get_ydata()), max(lines[7].get_ydata())) == (30, 45)  # partner box: p25..p75


def test_deal_size_trend_draws_one_line_per_group(facts):
    ax = plot_deal_size_trend(deal_size_trend(facts, by="channel"))
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["direct", "partner"]
    assert list(lines[1].get_ydata()) == [1000.0, 350.0]  # partner median by quarter
    assert ax.get_title() == "Median won deal size by period"


def test_deal_size_trend_can_plot_the_mean(facts):
    ax = plot_deal_size_trend(deal_size_trend(facts), value="mean")
    assert list(ax.get_lines()[0].get_ydata()) == [1000.0, 350.0]
    assert ax.get_title() == "Mean won deal size by period"


def test_attainment_plot_draws_target_and_actual_bars(facts):
    _, ax = plt.subplots()
    assert plot_attainment(attainment_trend(facts), ax=ax) is ax
    assert _heights(ax) == [2000, 1000, 1000, 500]  # targets Q1, Q2 then actuals Q1, Q2
    twin = next(other for other in ax.figure.axes if other is not ax)
    attainment_line, hundred_percent = twin.get_lines()
    assert list(attainment_line.get_ydata()) == [0.5, 0.5]
    assert list(hundred_percent.get_ydata()) == [1.0, 1.0]
    assert ax.get_title() == "Target attainment by period"


def test_attainment_plot_needs_one_row_per_period(facts):
    trend = attainment_trend(facts, by="partner_id")
    doubled = pd.concat([trend, trend.assign(partner_id="P9")])
    with pytest.raises(ValueError, match="one row per period"):
        plot_attainment(doubled)
