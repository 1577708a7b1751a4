"""The partner report's own-history charts: the bars, lines, labels and titles they draw, and when they refuse."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from partner_analytics.plots.empty import NothingToDraw, nothing_to_draw  # noqa: E402
from partner_analytics.plots.partner import (  # noqa: E402
    plot_engagement_vs_peers,
    plot_partner_deal_size,
    plot_partner_revenue,
    plot_partner_win_rate,
)

NAN = np.nan
HISTORY = pd.DataFrame({
    "period": pd.period_range("2024Q1", periods=4, freq="Q"),
    "revenue": [1000.0, 0.0, 2500.0, 1500.0],
    "target": [1200.0, 1200.0, NAN, 2000.0],
    "win_rate": [0.5, NAN, 0.25, 1.0],
    "avg_deal_size": [500.0, NAN, 1250.0, 750.0],
})
ENGAGEMENT = pd.DataFrame({"activity": ["prm_login", "certification"], "quantity": [12.0, 0.0],
                           "peer_median": [8.0, 1.0]})


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _bars(ax):
    return [p for p in ax.patches if isinstance(p, matplotlib.patches.Rectangle)]


def test_revenue_bars_with_the_target_line_and_a_title_naming_it():
    ax = plot_partner_revenue(HISTORY)
    assert isinstance(ax.figure, Figure)
    assert [bar.get_height() for bar in _bars(ax)] == [1000.0, 0.0, 2500.0, 1500.0]
    (target,) = ax.get_lines()
    np.testing.assert_array_equal(target.get_ydata(), [1200.0, 1200.0, NAN, 2000.0])
    assert ax.get_title() == "Revenue vs target by period"
    assert {t.get_text() for t in ax.get_legend().get_texts()} == {"Revenue", "Target"}
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2024Q1", "2024Q2", "2024Q3", "2024Q4"]
    assert ax.get_xlabel() == "Period" and ax.get_ylabel() == "Partner revenue"


def test_revenue_without_a_target_draws_no_line_and_says_so_in_the_title():
    ax = plot_partner_revenue(HISTORY.assign(target=NAN))
    assert ax.get_lines() == [] and ax.get_legend() is None
    assert ax.get_title() == "Revenue by period"


def test_revenue_draws_on_a_given_axes():
    fig, ax = plt.subplots()
    assert plot_partner_revenue(HISTORY, ax=ax) is ax
    assert ax.figure is fig


def test_win_rate_line_on_a_fixed_zero_to_one_scale_with_a_gap_where_nothing_closed():
    ax = plot_partner_win_rate(HISTORY)
    (line,) = ax.get_lines()
    np.testing.assert_array_equal(line.get_ydata(), [0.5, NAN, 0.25, 1.0])
    assert ax.get_ylim() == (0.0, 1.0)
    assert ax.get_title() == "Win rate by period" and ax.get_ylabel() == "Win rate"
    assert ax.yaxis.get_major_formatter()(0.25, 0).endswith("%")


def test_deal_size_line_per_period():
    ax = plot_partner_deal_size(HISTORY)
    (line,) = ax.get_lines()
    np.testing.assert_array_equal(line.get_ydata(), [500.0, NAN, 1250.0, 750.0])
    assert ax.get_title() == "Average deal size by period"
    assert ax.get_ylabel() == "Average deal size"


def test_engagement_bars_next_to_the_peer_median_labelled_from_the_registry():
    ax = plot_engagement_vs_peers(ENGAGEMENT, window="the last 12 months")
    assert sorted(bar.get_width() for bar in _bars(ax)) == [0.0, 1.0, 8.0, 12.0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["PRM logins", "Certifications"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["You", "Peer median"]
    assert ax.get_title() == "Activity over the last 12 months" and ax.get_xlabel() == "Count"


def test_engagement_without_peers_draws_the_partner_alone():
    ax = plot_engagement_vs_peers(ENGAGEMENT.drop(columns="peer_median"))
    assert [bar.get_width() for bar in _bars(ax)] == [12.0, 0.0]
    assert ax.get_legend() is None and ax.get_title() == "Activity over the last year"


@pytest.mark.parametrize(("plot", "data", "reason"), [
    (plot_partner_revenue, HISTORY.assign(revenue=0.0, target=NAN),
     "No revenue and no revenue target in these periods, so there is no revenue chart."),
    (plot_partner_revenue, HISTORY.iloc[:0], "No revenue and no revenue target in these periods, so there is no "
                                             "revenue chart."),
    (plot_partner_win_rate, HISTORY.assign(win_rate=NAN),
     "No deal was won or lost in these periods, so there is no win rate to draw."),
    (plot_partner_deal_size, HISTORY.assign(avg_deal_size=NAN),
     "No deal was won in these periods, so there is no deal size to draw."),
    (plot_engagement_vs_peers, ENGAGEMENT.assign(quantity=0.0, peer_median=NAN), "No recorded activity in the last year."),
    (plot_engagement_vs_peers, ENGAGEMENT.iloc[:0], "No recorded activity in the last year."),
])
def test_nothing_to_draw_is_refused_with_one_sentence_before_drawing(plot, data, reason):
    assert nothing_to_draw(plot, data) == reason
    before = plt.get_fignums()
    with pytest.raises(NothingToDraw, match=f"^{reason}$"):
        plot(data)
    assert plt.get_fignums() == before


def test_a_target_alone_is_still_drawn():
    ax = plot_partner_revenue(HISTORY.assign(revenue=0.0))
    assert nothing_to_draw(plot_partner_revenue, HISTORY.assign(revenue=0.0)) is None
    assert ax.get_title() == "Revenue vs target by period"
