"""Figures stay legible at any size: 40 periods, 3,000 partners; human labels; nothing drawn from nothing.

Checked on the drawn figure: the visible tick labels' boxes (after layout)
must not overlap, no axis text is snake_case, no axis carries an offset such
as ``1e7``, and plots with nothing to show raise ``NothingToDraw`` before
creating a figure.
"""

from __future__ import annotations

import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from partner_analytics.metrics.concentration import lorenz_curve, pareto_curve  # noqa: E402
from partner_analytics.plots.cohorts import plot_churn_by_cohort, plot_cohort_heatmap, plot_time_to_first_deal  # noqa: E402
from partner_analytics.plots.deals import plot_attainment, plot_deal_size_trend  # noqa: E402
from partner_analytics.plots.empty import NothingToDraw, nothing_to_draw  # noqa: E402
from partner_analytics.plots.engagement import plot_correlation_matrix, plot_nps_trend  # noqa: E402
from partner_analytics.plots.formatting import thin_ticks  # noqa: E402
from partner_analytics.plots.partner import (  # noqa: E402
    plot_engagement_vs_peers,
    plot_partner_deal_size,
    plot_partner_revenue,
    plot_partner_win_rate,
)
from partner_analytics.plots.revenue import plot_channel_share, plot_lorenz, plot_pareto, plot_revenue_trend  # noqa: E402
from partner_analytics.plots.scorecard import plot_composite_distribution  # noqa: E402

QUARTERS = [str(p) for p in pd.period_range("2015Q1", periods=40, freq="Q")]
MONTHS = [str(p) for p in pd.period_range("2021-01", periods=40, freq="M")]
SNAKE = re.compile(r"\b[a-z0-9]+_[a-z0-9_]+\b")


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def history(periods: list[str], *, target: bool = True) -> pd.DataFrame:
    rng = np.random.default_rng(7)
    revenue = rng.uniform(2e6, 9e6, len(periods))
    return pd.DataFrame({"period": periods, "revenue": revenue,
                         "target": revenue * 1.1 if target else np.nan,
                         "win_rate": rng.uniform(0.2, 0.6, len(periods)),
                         "avg_deal_size": rng.uniform(2e4, 9e4, len(periods))})


def revenue_3000() -> pd.Series:
    rng = np.random.default_rng(3)
    values = np.where(rng.random(3000) < 0.3, 0.0, rng.pareto(1.2, 3000) * 1e5)
    return pd.Series(values, index=[f"P{i:05d}" for i in range(3000)])


def visible_tick_texts(axis) -> list:
    low, high = sorted(axis.get_view_interval())
    return [t for t, loc in zip(axis.get_ticklabels(), axis.get_ticklocs())
            if t.get_visible() and t.get_text() and low - 1e-9 <= loc <= high + 1e-9]


MIN_GAP = 3  # pixels between neighbouring labels (at 100 dpi, about a third of a character)


def overlaps(axis) -> list[tuple[str, str]]:
    """Pairs of neighbouring visible tick labels whose drawn boxes touch or overlap."""
    renderer = axis.figure.canvas.get_renderer()
    boxes = sorted(((t.get_window_extent(renderer), t.get_text()) for t in visible_tick_texts(axis)),
                   key=lambda b: b[0].x0)
    return [(a[1], b[1]) for a, b in zip(boxes, boxes[1:])
            if b[0].x0 - a[0].x1 < MIN_GAP and a[0].y1 > b[0].y0 and b[0].y1 > a[0].y0]


def axis_texts(fig) -> list[str]:
    texts = []
    for ax in fig.axes:
        texts += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        texts += [t.get_text() for t in ax.get_xticklabels() + ax.get_yticklabels()]
        if ax.get_legend():
            texts += [t.get_text() for t in ax.get_legend().get_texts()] + [ax.get_legend().get_title().get_text()]
    return [t for t in texts if t]


def assert_legible(fig) -> None:
    fig.canvas.draw()
    for ax in fig.axes:
        assert overlaps(ax.xaxis) == [], ax.get_title()
        for axis in (ax.xaxis, ax.yaxis):
            assert axis.get_offset_text().get_text() == "", ax.get_title()
    assert [t for t in axis_texts(fig) if SNAKE.search(t)] == []


@pytest.mark.parametrize("periods", [QUARTERS, MONTHS], ids=["40 quarters", "40 months"])
def test_the_partner_report_charts_label_40_periods_without_collisions(periods):
    fig, axes = plt.subplots(3, 1, figsize=(8, 9), constrained_layout=True)  # the partner report's layout
    frame = history(periods)
    plot_partner_revenue(frame, ax=axes[0])
    plot_partner_win_rate(frame, ax=axes[1])
    plot_partner_deal_size(frame, ax=axes[2])
    assert_legible(fig)
    shown = [t.get_text() for t in visible_tick_texts(axes[0].xaxis)]
    assert shown[-1] == periods[-1]  # the latest period is always named
    assert 5 <= len(shown) < 40
    marks = set(axes[0].xaxis.get_minorticklocs()) | set(axes[0].xaxis.get_majorticklocs())
    assert marks == set(range(40))  # every period keeps a tick mark


def test_fourteen_periods_no_longer_collide_like_2017Q12017Q2():
    fig, ax = plt.subplots(figsize=(8, 3.2))
    plot_partner_revenue(history(QUARTERS[:14]), ax=ax)
    assert_legible(fig)


@pytest.mark.parametrize("n", [1, 5, 8])
def test_few_periods_are_all_labelled(n):
    fig, ax = plt.subplots(figsize=(8, 3.2))
    plot_partner_revenue(history(QUARTERS[:n]), ax=ax)
    fig.canvas.draw()
    assert [t.get_text() for t in visible_tick_texts(ax.xaxis)] == QUARTERS[:n]


def test_thin_ticks_shows_every_kth_label_counted_back_from_the_last():
    fig, ax = plt.subplots(figsize=(2, 2))
    shown = thin_ticks(ax, np.arange(40), QUARTERS)
    step = QUARTERS.index(shown[1]) - QUARTERS.index(shown[0])
    assert shown == QUARTERS[::-1][::step][::-1] and step > 1


def test_program_charts_over_40_periods_are_legible():
    trend = pd.DataFrame({"period": QUARTERS, "sourced_revenue": np.linspace(1e6, 4e7, 40),
                          "influenced_revenue": np.linspace(5e5, 2e7, 40), "direct_revenue": 3e7})
    channel = pd.DataFrame({"period": QUARTERS, "channel_share": np.linspace(0.3, 0.7, 40)})
    fig, axes = plt.subplots(2, 1, figsize=(9, 7), constrained_layout=True)  # the overview's layout
    plot_revenue_trend(trend, ax=axes[0])
    plot_channel_share(channel, ax=axes[1])
    assert_legible(fig)
    assert "$40M" in [t.get_text() for t in axes[0].get_yticklabels()]  # amounts, never a 1e7 offset


def test_cohort_deal_and_nps_charts_over_40_periods_are_legible():
    fig, axes = plt.subplots(2, 2, figsize=(12, 8), constrained_layout=True)
    plot_churn_by_cohort(pd.DataFrame({"cohort": QUARTERS, "churn_rate": np.linspace(0, 0.4, 40)}), ax=axes[0, 0])
    plot_deal_size_trend(pd.DataFrame({"channel": "partner", "period": QUARTERS, "median": 5e4}), ax=axes[0, 1])
    plot_nps_trend(pd.DataFrame({"period": QUARTERS, "partner_nps": np.linspace(-20, 40, 40)}), ax=axes[1, 0])
    plot_attainment(pd.DataFrame({"period": QUARTERS, "target": 1e6, "actual": 9e5, "attainment": 0.9}),
                    ax=axes[1, 1])
    assert_legible(fig)


def test_pareto_and_lorenz_of_3000_partners_are_legible():
    values = revenue_3000()
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)  # the overview's layout
    plot_lorenz(lorenz_curve(values), ax=axes[0])
    ax = plot_pareto(pareto_curve(values), ax=axes[1])
    assert_legible(fig)
    assert len(ax.patches) == 0 and len(ax.collections) == 1  # an area, not 3,000 bars
    assert ax.get_xlabel() == "Partners ranked by revenue (largest first)"
    assert all(re.fullmatch(r"-?[\d,]+", t.get_text()) for t in visible_tick_texts(ax.xaxis))  # ranks, no ".0"


def test_a_histogram_of_3000_partners_counts_whole_partners():
    rng = np.random.default_rng(1)
    card = pd.DataFrame({"partner_type": rng.choice(["msp", "reseller"], 3000), "composite": rng.uniform(0, 100, 3000)})
    fig, ax = plt.subplots()
    plot_composite_distribution(card, ax=ax)
    assert_legible(fig)
    assert all(".0" not in t.get_text() for t in ax.get_yticklabels())
    assert "1,000" in [t.get_text() for t in visible_tick_texts(ax.yaxis)] or ax.get_ylim()[1] < 1000


def test_the_revenue_chart_names_a_target_only_when_one_is_drawn():
    assert plot_partner_revenue(history(QUARTERS[:4])).get_title() == "Revenue vs target by period"
    ax = plot_partner_revenue(history(QUARTERS[:4], target=False))
    assert ax.get_title() == "Revenue by period" and ax.get_legend() is None
    assert ax.get_ylabel() == "Partner revenue"


KM_DAY_ZERO = pd.DataFrame({"group": "all", "days": [0.0], "activated_share": [1.0]})
NO_SURVEYS = pd.DataFrame({"x": ["psat", "psat"], "y": ["revenue", "win_rate"], "method": "spearman",
                           "n": [0.0, 0.0], "r": np.nan, "significant": False})


@pytest.mark.parametrize(
    ("plot", "data", "options", "reason"),
    [
        (plot_time_to_first_deal, KM_DAY_ZERO, {},
         "Every first deal fell on its partner's onboarding day, so there is no time-to-first-deal curve to draw."),
        (plot_correlation_matrix, NO_SURVEYS, {},
         "Too few partners with both survey or engagement scores and performance in the window (at most 0; at "
         "least 4 are needed), so there are no correlations to show."),
        (plot_partner_revenue, history(QUARTERS[:2], target=False).assign(revenue=0.0), {},
         "No revenue and no revenue target in these periods, so there is no revenue chart."),
        (plot_partner_win_rate, history(QUARTERS[:2]).assign(win_rate=np.nan), {},
         "No deal was won or lost in these periods, so there is no win rate to draw."),
        (plot_partner_deal_size, history(QUARTERS[:2]).assign(avg_deal_size=np.nan), {},
         "No deal was won in these periods, so there is no deal size to draw."),
        (plot_engagement_vs_peers, pd.DataFrame({"activity": ["webinar"], "quantity": [0.0]}),
         {"window": "the last 12 months"}, "No recorded activity in the last 12 months."),
        (plot_lorenz, lorenz_curve([0.0, 0.0]), {},
         "No partner revenue in the window, so there is no concentration to draw."),
        (plot_pareto, pareto_curve(pd.Series(dtype="float64")), {},
         "No partner revenue in the window, so there is no concentration to draw."),
        (plot_revenue_trend, pd.DataFrame({"period": QUARTERS[:2], "sourced_revenue": 0.0, "influenced_revenue": 0.0}),
         {}, "No revenue in these periods, so there is no revenue trend to draw."),
    ],
    ids=lambda v: getattr(v, "__name__", None),
)
def test_plots_with_nothing_to_show_say_why_and_draw_no_figure(plot, data, options, reason):
    assert nothing_to_draw(plot, data, **options) == reason
    before = plt.get_fignums()
    with pytest.raises(NothingToDraw) as raised:
        plot(data, **options)
    assert str(raised.value) == reason and isinstance(raised.value, ValueError)
    assert plt.get_fignums() == before


def test_plots_with_something_to_show_have_no_reason():
    km = pd.DataFrame({"group": "all", "days": [0.0, 30.0], "activated_share": [0.5, 1.0]})
    assert nothing_to_draw(plot_time_to_first_deal, km) is None
    ax = plot_time_to_first_deal(km)
    assert ax.get_xlim()[0] == 0


def test_draw_panels_draws_only_what_has_data_and_returns_the_reasons():
    from partner_analytics.plots.empty import draw_panels

    empty = history(QUARTERS[:4]).assign(win_rate=np.nan)
    fig, reasons = draw_panels([(plot_partner_revenue, empty, {}), (plot_partner_win_rate, empty, {}),
                                (plot_partner_deal_size, empty, {})], figsize=(8, 9))
    assert reasons == ["No deal was won or lost in these periods, so there is no win rate to draw."]
    assert [ax.get_title() for ax in fig.axes] == ["Revenue vs target by period", "Average deal size by period"]
    assert tuple(fig.get_size_inches()) == (8, 6)
    nothing, reasons = draw_panels([(plot_partner_win_rate, empty, {})])
    assert nothing is None and len(reasons) == 1


def test_a_group_whose_first_deals_all_fell_on_day_zero_is_drawn_and_named():
    km = pd.DataFrame({"group": ["msp", "msp", "referral", "reseller", "technology"],
                       "days": [0.0, 40.0, 0.0, 0.0, 0.0], "activated_share": [0.5, 0.8, 1.0, 1.0, 1.0]})
    ax = plot_time_to_first_deal(km)
    try:
        lines = {line.get_label(): line for line in ax.get_lines()}
        named = "referral, reseller and technology: every first deal on day 0"
        assert set(lines) == {"msp", named}
        assert lines[named].get_xydata().tolist() == [[0.0, 1.0]]
    finally:
        plt.close(ax.figure)


def test_the_cohort_heatmap_leaves_out_cohorts_and_columns_without_values():
    retention = pd.DataFrame({"cohort": ["2021", "2021", "2022", "2022", "2023", "2023"],
                              "periods_since_onboarding": [0, 1, 0, 1, 0, 1],
                              "retention": [np.nan, np.nan, 1.0, np.nan, 0.8, np.nan]})
    ax = plot_cohort_heatmap(retention)
    try:
        assert [t.get_text() for t in ax.get_yticklabels()] == ["2022", "2023"]
        assert [t.get_text() for t in ax.get_xticklabels()] == ["0"]
    finally:
        plt.close(ax.figure)


def test_period_labels_are_thinned_again_for_a_narrower_rendition():
    """The phone rendition (4.6 in wide) names fewer periods than the desktop one, still the latest, never touching."""
    fig, ax = plt.subplots(figsize=(8, 3.2), constrained_layout=True)
    plot_partner_revenue(history(QUARTERS[:16]), ax=ax)
    fig.canvas.draw()
    wide = [t.get_text() for t in visible_tick_texts(ax.xaxis)]
    fig.set_size_inches(4.6, 3.2)
    assert_legible(fig)
    narrow = [t.get_text() for t in visible_tick_texts(ax.xaxis)]
    assert len(narrow) < len(wide) and narrow[-1] == wide[-1] == QUARTERS[15]
    assert set(narrow) <= set(wide)  # the same quarter of each year
    assert set(ax.xaxis.get_minorticklocs()) | set(ax.xaxis.get_majorticklocs()) == set(range(16))


@pytest.mark.parametrize("width", [8, 4.6], ids=["desktop", "phone"])
def test_the_revenue_legend_never_overlaps_the_title(width):
    fig, ax = plt.subplots(figsize=(width, 3.2), constrained_layout=True)
    plot_partner_revenue(history(QUARTERS[:12]), ax=ax)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    legend, title = ax.get_legend().get_window_extent(renderer), ax.title.get_window_extent(renderer)
    assert legend.y1 <= title.y0 + 1  # the legend's row is below the title's
    assert legend.y0 >= ax.get_window_extent(renderer).y1 - 1  # and above the axes
