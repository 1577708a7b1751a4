"""Deal plots draw what the metrics computed."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

import partner_analytics as pa
from partner_analytics.metrics.deals import deal_size_trend, time_to_close, win_rates
from partner_analytics.metrics.targets import attainment_trend
from partner_analytics.plots.deals import plot_attainment, plot_deal_size_trend, plot_time_to_close, plot_win_rate


@pytest.fixture
def facts(tiny_program):
    yield pa.rollup(tiny_program, as_of="2024-06-30")
    plt.close("all")


def test_win_rate_bars_have_the_rates_as_heights(facts):
    ax = plot_win_rate(win_rates(facts, by="channel", periods=2))
    assert [p.get_height() for p in ax.patches] == [0.5, 0.75]
    assert ax.get_title() == "Win rate (95 % Wilson interval)"


def test_time_to_close_bars_show_medians(facts):
    ax = plot_time_to_close(time_to_close(facts, periods=2))
    assert [p.get_height() for p in ax.patches] == [60, 30]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["direct", "partner"]


def test_deal_size_trend_draws_one_line_per_group(facts):
    ax = plot_deal_size_trend(deal_size_trend(facts, by="channel"))
    assert len(ax.get_lines()) == 2


def test_attainment_plot_draws_target_and_actual_bars(facts):
    _, ax = plt.subplots()
    assert plot_attainment(attainment_trend(facts), ax=ax) is ax
    assert [p.get_height() for p in ax.patches] == [2000, 1000, 1000, 500]


def test_win_rate_error_bars_survive_a_perfect_record():
    import pandas as pd

    rates = pd.DataFrame({"channel": ["partner"], "win_rate": [1.0], "ci_low": [0.9], "ci_high": [1.0 - 1e-16]})
    ax = plot_win_rate(rates)
    assert [p.get_height() for p in ax.patches] == [1.0]
    plt.close("all")
