"""Cohort and MDF plots, checked by inspecting the returned Axes."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

import partner_analytics as pa  # noqa: E402
from partner_analytics.metrics.cohorts import churn_by_cohort, revenue_retention, time_to_first_deal  # noqa: E402
from partner_analytics.metrics.mdf import mdf_roi_ranking, mdf_summary  # noqa: E402
from partner_analytics.plots.empty import NothingToDraw  # noqa: E402
from partner_analytics.plots.cohorts import (  # noqa: E402
    plot_churn_by_cohort,
    plot_cohort_heatmap,
    plot_mdf_roi,
    plot_time_to_first_deal,
)


@pytest.fixture
def facts(tiny_program) -> pa.Rollup:
    return pa.rollup(tiny_program, as_of="2024-06-30")


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_cohort_heatmap_has_one_cell_per_cohort_and_period(facts):
    # cohorts 2023Q1, 2024Q1, 2024Q2 × periods 0, 1, 4, 5; only 2024Q1 has a known first full period, and only
    # its periods 0 and 1 have values: empty cohorts and columns are left out
    ax = plot_cohort_heatmap(revenue_retention(facts))
    cells = ax.collections[0].get_array()
    assert cells.size == 1 * 2
    np.testing.assert_array_equal(np.ma.filled(cells.astype(float), np.nan).ravel(), [0.0, 1.0])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["2024Q1"]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["0", "1"]
    assert ax.get_title().startswith("Cohort revenue retention")
    assert "100%" in [t.get_text() for t in ax.texts]


def test_cohort_heatmap_can_show_another_value(facts):
    ax = plot_cohort_heatmap(revenue_retention(facts), value="revenue_per_partner", annot=False)
    assert ax.get_title() == "Revenue per partner by cohort and periods since onboarding"
    assert np.nanmax(np.ma.filled(ax.collections[0].get_array().astype(float), np.nan)) == 1000.0
    assert len(ax.texts) == 0


def test_cohort_heatmap_of_an_empty_table_draws_nothing_and_says_why(facts):
    before = plt.get_fignums()
    with pytest.raises(NothingToDraw, match="^No onboarding cohort has revenue to show yet.$"):
        plot_cohort_heatmap(revenue_retention(facts).iloc[:0])
    assert plt.get_fignums() == before  # no empty figure left behind


def test_time_to_first_deal_draws_one_step_curve_per_group(facts):
    ax = plot_time_to_first_deal(time_to_first_deal(facts, by="partner_type", complete_history=True))
    assert len(ax.get_lines()) == 3
    assert [line.get_label() for line in ax.get_lines()] == ["referral", "reseller", "technology"]
    referral = ax.get_lines()[0]
    assert list(referral.get_ydata()) == [0.0, 1.0]
    assert ax.get_legend() is not None
    assert ax.get_title() == "Time to first deal (Kaplan–Meier)"


def test_time_to_first_deal_single_curve_has_no_legend(facts):
    ax = plot_time_to_first_deal(time_to_first_deal(facts, complete_history=True))
    assert len(ax.get_lines()) == 1
    assert list(ax.get_lines()[0].get_ydata()) == [0.0, 0.0, 0.5, 1.0]
    assert ax.get_legend() is None


def test_churn_by_cohort_bar_heights_are_churn_rates(tiny_program):
    later = pa.rollup(tiny_program, as_of="2024-12-31")
    ax = plot_churn_by_cohort(churn_by_cohort(later))
    assert [bar.get_height() for bar in ax.patches] == [0.0, 0.5]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2023", "2024"]
    assert ax.get_title().startswith("Churn by onboarding cohort")


def test_mdf_roi_per_partner_type_draws_bars_and_a_zero_line(facts):
    ax = plot_mdf_roi(mdf_summary(facts, by="partner_type"))
    assert [bar.get_height() for bar in ax.patches] == [2.75]  # types without spend are left out
    assert [t.get_text() for t in ax.get_xticklabels()] == ["reseller"]
    zero = [line for line in ax.get_lines() if list(line.get_ydata()) == [0, 0]]
    assert len(zero) == 1
    assert ax.get_title() == "MDF ROI by partner type"


def test_mdf_roi_shows_the_top_partners_best_first(facts):
    frame = pd.DataFrame({
        "partner_id": pd.Series(["A", "B", "C", "D"], dtype="str"),
        "roi": [0.5, -0.25, 2.0, float("nan")],
    })
    ax = plot_mdf_roi(frame, top=2)
    assert [bar.get_height() for bar in ax.patches] == [2.0, 0.5]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["C", "A"]
    assert ax.get_title() == "MDF ROI: top 2 partners"
    negative = plot_mdf_roi(frame, top=3)
    assert negative.patches[-1].get_facecolor() != negative.patches[0].get_facecolor()


def test_mdf_roi_accepts_the_ranking_table(facts):
    ax = plot_mdf_roi(mdf_roi_ranking(facts))
    assert [bar.get_height() for bar in ax.patches] == [2.75]


def test_plots_draw_on_the_axes_they_are_given(facts):
    _, ax = plt.subplots()
    assert plot_churn_by_cohort(churn_by_cohort(facts), ax=ax) is ax
    _, ax = plt.subplots()
    assert plot_time_to_first_deal(time_to_first_deal(facts), ax=ax) is ax
    assert len(plt.get_fignums()) == 2


@pytest.mark.parametrize(
    ("plot", "frame", "column"),
    [
        (plot_cohort_heatmap, pd.DataFrame({"cohort": []}), "periods_since_onboarding"),
        (plot_time_to_first_deal, pd.DataFrame({"group": [], "days": []}), "activated_share"),
        (plot_churn_by_cohort, pd.DataFrame({"cohort": []}), "churn_rate"),
        (plot_mdf_roi, pd.DataFrame({"partner_type": []}), "roi"),
    ],
)
def test_plots_reject_frames_without_their_columns(plot, frame, column):
    with pytest.raises(ValueError, match=column):
        plot(frame)


def test_cohort_heatmap_caps_the_colours_of_outlying_retention_but_annotates_the_true_value():
    from partner_analytics.plots.cohorts import RETENTION_COLOUR_CAP

    retention = pd.DataFrame({"cohort": ["2024Q1", "2024Q1", "2024Q2", "2024Q2"],
                              "periods_since_onboarding": [0, 1, 0, 1], "retention": [1.0, 0.8, 1.0, 21.4]})
    ax = plot_cohort_heatmap(retention)
    mesh = ax.collections[0]
    assert mesh.get_clim()[1] == RETENTION_COLOUR_CAP == 2.0
    assert mesh.colorbar.extend == "max"
    assert "2140%" in [t.get_text() for t in ax.texts] and "80%" in [t.get_text() for t in ax.texts]
    ordinary = plot_cohort_heatmap(retention.iloc[:3])
    assert ordinary.collections[0].get_clim()[1] == 1.0 and ordinary.collections[0].colorbar.extend == "neither"
