"""The plot modules without a chart family of their own: axes, empty-data checks, panels, style, early warning."""

from __future__ import annotations

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from partner_analytics.plots.axes import get_axes, period_ticks
from partner_analytics.plots.early_warning import plot_calibration, plot_feature_effects
from partner_analytics.plots.empty import NothingToDraw, all_missing, checked, draw_panels, nothing_to_draw
from partner_analytics.plots.style import PLOT_RC, plot_style


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _bars(frame: pd.DataFrame, *, ax=None, column: str = "value"):
    ax = get_axes(ax)
    ax.bar(range(len(frame)), frame[column])
    return ax


@checked(lambda frame, *, column="value", **_: "Nothing sold yet." if all_missing(frame, column, zero=True) else None)
def _checked_bars(frame: pd.DataFrame, *, ax=None, column: str = "value"):
    return _bars(frame, ax=ax, column=column)


def test_period_ticks_places_every_period_and_labels_them_in_order():
    ax = get_axes(None)
    x = period_ticks(ax, pd.Series(pd.period_range("2024Q1", periods=4, freq="Q")))
    assert x.tolist() == [0, 1, 2, 3]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2024Q1", "2024Q2", "2024Q3", "2024Q4"]


def test_all_missing_counts_nan_and_optionally_zero_and_leaves_a_missing_column_to_the_plot():
    frame = pd.DataFrame({"value": [np.nan, 0.0], "other": [1.0, np.nan]})
    assert all_missing(frame, "value", zero=True) and not all_missing(frame, "value")
    assert not all_missing(frame, "other") and all_missing(frame.iloc[:0], "value")
    assert not all_missing(frame, "absent")


def test_a_checked_plot_raises_its_sentence_and_otherwise_draws():
    empty = pd.DataFrame({"value": [0.0, np.nan]})
    with pytest.raises(NothingToDraw, match="^Nothing sold yet.$"):
        _checked_bars(empty)
    assert nothing_to_draw(_checked_bars, empty) == "Nothing sold yet."
    assert nothing_to_draw(_bars, empty) is None  # a plot without a check always draws
    assert len(_checked_bars(pd.DataFrame({"value": [1.0, 2.0]})).patches) == 2


def test_draw_panels_draws_what_it_can_and_says_each_reason_once():
    full, empty = pd.DataFrame({"value": [1.0, 2.0, 3.0]}), pd.DataFrame({"value": [np.nan]})
    fig, reasons = draw_panels([(_checked_bars, full, {}), (_checked_bars, empty, {}), (_checked_bars, empty, {})],
                               ncols=3, figsize=(9.0, 3.0))
    assert reasons == ["Nothing sold yet."]
    assert len(fig.axes) == 1 and len(fig.axes[0].patches) == 3
    assert fig.get_size_inches().tolist() == [3.0, 3.0]  # one of three columns
    assert draw_panels([(_checked_bars, empty, {})]) == (None, ["Nothing sold yet."])


def test_plot_style_turns_math_text_off_only_inside():
    assert matplotlib.rcParams["text.parse_math"] is True
    with plot_style():
        assert all(matplotlib.rcParams[key] == value for key, value in PLOT_RC.items())
    assert matplotlib.rcParams["text.parse_math"] is True


def test_calibration_draws_the_diagonal_and_one_line_per_method_with_its_report_name():
    calibration = pd.DataFrame({"method": ["model", "model", "trend_rule", "trend_rule"], "band": [0, 1, 0, 1],
                                "partners": [10, 5, 8, 0], "predicted": [0.1, 0.6, 0.2, 0.7],
                                "observed": [0.12, 0.5, 0.3, np.nan]})
    ax = plot_calibration(calibration)
    assert [line.get_label() for line in ax.get_lines()] == ["perfectly calibrated", "model", "revenue-trend rule"]
    assert ax.get_lines()[2].get_xdata().tolist() == [0.2]  # bands without partners are left out
    assert ax.get_xlim() == (0.0, 1.0) and ax.get_ylim() == (0.0, 1.0)


def test_feature_effects_shows_the_largest_effects_in_plain_words_coloured_by_direction():
    effects = pd.DataFrame({"feature": ["active_periods", "tier = gold", "open_pipeline"],
                            "coefficient": [-0.9, 0.4, 0.1]})
    ax = plot_feature_effects(effects, top=2)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Tier = gold", "Periods with revenue, of the last 4"]
    red, blue = (matplotlib.colors.to_hex(p.get_facecolor()) for p in ax.patches)
    assert (red, blue) == ("#c0392b", "#2e86c1") and [p.get_width() for p in ax.patches] == [0.4, -0.9]
