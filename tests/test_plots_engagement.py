"""Engagement and satisfaction plots draw what the metric frames say: checked by inspecting the returned Axes."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import partner_analytics as pa  # noqa: E402
from partner_analytics.metrics.engagement import activity_rates, engagement_funnel  # noqa: E402
from partner_analytics.plots.empty import NothingToDraw, nothing_to_draw  # noqa: E402
from partner_analytics.metrics.satisfaction import satisfaction_correlations, satisfaction_trend  # noqa: E402
from partner_analytics.plots.engagement import (  # noqa: E402
    plot_activity_rates,
    plot_correlation_matrix,
    plot_engagement_funnel,
    plot_nps_trend,
    plot_satisfaction_scatter,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture
def facts(tiny_program):
    return pa.rollup(tiny_program, as_of="2024-06-30")


@pytest.fixture
def bare(tiny_frames):
    program = pa.build_program({k: tiny_frames[k] for k in ("partners", "deals", "targets")}, source="tiny")
    return pa.rollup(program, as_of="2024-06-30")


def _texts(items):
    return [t.get_text() for t in items]


def test_funnel_draws_one_bar_per_stage_first_stage_on_top(facts):
    ax = plot_engagement_funnel(engagement_funnel(facts))
    assert ax.get_title() == "Engagement funnel"
    assert [bar.get_width() for bar in ax.patches] == [3, 1, 0, 0, 0]
    assert _texts(ax.get_yticklabels()) == ["Enrolled", "Logged in to the portal", "Completed training", "Certified",
                                            "Won a deal"]
    assert ax.yaxis_inverted()
    assert _texts(ax.texts) == ["3", "1 (33% of previous)", "0 (0% of previous)", "0", "0"]


def test_funnel_without_engagement_marks_unknown_stages(bare):
    ax = plot_engagement_funnel(engagement_funnel(bare))
    assert [bar.get_width() for bar in ax.patches] == [3, 0, 0, 0, 0]
    assert _texts(ax.texts) == ["3", "n/a", "n/a", "n/a", "n/a"]


def test_funnel_draws_on_the_axes_it_is_given(facts):
    _, given = plt.subplots()
    assert plot_engagement_funnel(engagement_funnel(facts), ax=given, color="green") is given


def test_activity_rates_are_sorted_bars_on_a_percent_axis():
    rates = pd.DataFrame({"activity": ["webinar", "prm_login", "certification"], "rate": [0.25, 0.9, 0.5]})
    ax = plot_activity_rates(rates)
    assert ax.get_title() == "Share of enrolled partners active, by activity"
    assert [bar.get_width() for bar in ax.patches] == [0.25, 0.5, 0.9]  # bottom to top: highest on top
    assert _texts(ax.get_yticklabels()) == ["Webinars", "Certifications", "PRM logins"]
    assert ax.get_xlim() == (0, 1)


def test_activity_rates_of_the_tiny_program(facts):
    ax = plot_activity_rates(activity_rates(facts, periods=4))
    assert [bar.get_width() for bar in ax.patches] == pytest.approx([1 / 3] * 3)


def test_satisfaction_scatter_draws_the_partners_and_a_regression_line():
    frame = pd.DataFrame({"psat": [0.2, 0.4, 0.6, 0.8, np.nan], "revenue": [100.0, 300.0, 200.0, 400.0, 50.0]})
    ax = plot_satisfaction_scatter(frame, x="psat", y="revenue")
    assert ax.get_title() == "Partner revenue vs Partner satisfaction (PSAT) (n = 4)"
    assert ax.get_xlabel() == "Partner satisfaction (PSAT)" and ax.get_ylabel() == "Partner revenue"
    assert ax.collections[0].get_offsets().tolist() == [[0.2, 100.0], [0.4, 300.0], [0.6, 200.0], [0.8, 400.0]]
    (line,) = ax.get_lines()
    slope = np.diff(line.get_ydata()[[0, -1]]) / np.diff(line.get_xdata()[[0, -1]])
    assert slope[0] == pytest.approx(np.polyfit([0.2, 0.4, 0.6, 0.8], [100, 300, 200, 400], 1)[0])


def test_satisfaction_scatter_with_one_partner_has_no_regression_line():
    ax = plot_satisfaction_scatter(pd.DataFrame({"csat": [0.9], "win_rate": [0.5]}), x="csat", y="win_rate")
    assert ax.get_lines() == [] and ax.get_title() == "Win rate vs Customer satisfaction (CSAT) (n = 1)"


def test_satisfaction_scatter_names_a_missing_column():
    with pytest.raises(ValueError, match="psat"):
        plot_satisfaction_scatter(pd.DataFrame({"revenue": [1.0]}), x="psat", y="revenue")


def correlation_frame() -> pd.DataFrame:
    rows = [("psat", "revenue", "spearman", 0.5, True), ("psat", "win_rate", "spearman", -0.2, False),
            ("csat", "revenue", "spearman", np.nan, False), ("csat", "win_rate", "spearman", 0.123, False),
            ("psat", "revenue", "pearson", 0.9, True), ("psat", "win_rate", "pearson", 0.1, False),
            ("csat", "revenue", "pearson", 0.0, False), ("csat", "win_rate", "pearson", 0.0, False)]
    return pd.DataFrame(rows, columns=["x", "y", "method", "r", "significant"])


def test_correlation_matrix_annotates_r_and_stars_significant_cells():
    ax = plot_correlation_matrix(correlation_frame())
    assert ax.get_title() == "Spearman correlation with performance (* significant after BH adjustment)"
    assert _texts(ax.texts) == ["0.50*", "-0.20", "0.12"]  # the NaN cell is blank
    assert _texts(ax.get_xticklabels()) == ["Partner revenue", "Win rate"]
    assert _texts(ax.get_yticklabels()) == ["Partner satisfaction (PSAT)", "Customer satisfaction (CSAT)"]
    assert ax.collections[0].get_clim() == (-1, 1)


def test_correlation_matrix_shows_the_partners_compared_in_each_cell():
    corr = correlation_frame().assign(n=[12.0, 3000.0, 2.0, 40.0, 12.0, 3000.0, 2.0, 40.0])
    ax = plot_correlation_matrix(corr)
    assert _texts(ax.texts) == ["0.50*\nn = 12", "-0.20\nn = 3,000", "0.12\nn = 40"]
    assert ax.collections[0].colorbar.ax.get_ylabel() == "Correlation (r)"


def test_correlation_matrix_draws_the_requested_method():
    ax = plot_correlation_matrix(correlation_frame(), method="pearson")
    assert _texts(ax.texts) == ["0.90*", "0.10", "0.00", "0.00"]


def test_correlation_matrix_rejects_a_method_without_rows():
    with pytest.raises(ValueError, match="kendall"):
        plot_correlation_matrix(correlation_frame(), method="kendall")


def test_correlation_matrix_of_all_nan_correlations_draws_nothing_and_says_why(facts):
    corr = satisfaction_correlations(facts)
    reason = ("Too few partners with both survey or engagement scores and performance in the window "
              "(at most 3; at least 4 are needed), so there are no correlations to show.")
    assert nothing_to_draw(plot_correlation_matrix, corr) == reason
    with pytest.raises(NothingToDraw) as raised:
        plot_correlation_matrix(corr)
    assert str(raised.value) == reason


def test_nps_trend_is_one_line_with_a_zero_reference(facts):
    ax = plot_nps_trend(satisfaction_trend(facts))
    assert ax.get_title() == "Partner NPS by period"
    nps_line, zero = ax.get_lines()
    assert nps_line.get_ydata().tolist() == pytest.approx([np.nan, 0.0], nan_ok=True)
    assert list(zero.get_ydata()) == [0, 0]
    assert ax.get_ylim() == (-100, 100)
    assert _texts(ax.get_xticklabels()) == ["2024Q1", "2024Q2"]


def test_nps_trend_per_type_draws_one_line_per_type(facts):
    ax = plot_nps_trend(satisfaction_trend(facts, by="partner_type"))
    assert ax.get_title() == "Partner NPS by period and partner type"
    lines = ax.get_lines()[:-1]
    assert [line.get_label() for line in lines] == ["referral", "reseller", "technology"]
    assert [line.get_ydata()[-1] for line in lines[:2]] == [-100.0, 100.0]
    assert _texts(ax.get_legend().get_texts()) == ["referral", "reseller", "technology"]
