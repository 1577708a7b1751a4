"""Ticks worked out once per axes position (render.tick_layout): the same SVG, less work, Matplotlib restored."""

from __future__ import annotations

from contextlib import nullcontext

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.axis import Axis  # noqa: E402

from partner_analytics.plots.deals import plot_win_rate  # noqa: E402
from partner_analytics.plots.partner import plot_partner_revenue  # noqa: E402
from partner_analytics.render import figures  # noqa: E402
from partner_analytics.render.tick_layout import cached_tick_layout  # noqa: E402

QUARTERS = [str(p) for p in pd.period_range("2015Q1", periods=14, freq="Q")]


def _figure():
    """Four axes on a 2 x 2 grid: thinned period labels, rotated labels, a log scale and dates, two sharing y."""
    fig, axes = plt.subplots(2, 2, figsize=(10, 7), constrained_layout=True)
    history = pd.DataFrame({"period": QUARTERS, "revenue": range(14), "target": 7.0})
    plot_partner_revenue(history, ax=axes[0, 0])
    rates = pd.DataFrame({"partner_type": [f"A long partner type {i}" for i in range(8)], "win_rate": 0.5,
                          "ci_low": 0.4, "ci_high": 0.6})
    plot_win_rate(rates, ax=axes[0, 1])
    axes[1, 0].semilogy([1, 10, 1_000, 100_000])
    days = pd.date_range("2024-01-01", periods=40, freq="W")
    axes[1, 1].plot(days, range(40))
    axes[1, 1].sharey(axes[1, 0])
    return fig


class _CountedTicks:
    """Counts how often Matplotlib really works out an axis' ticks."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls = 0
        original = Axis._update_ticks

        def counted(axis: Axis):
            self.calls += 1
            return original(axis)

        monkeypatch.setattr(Axis, "_update_ticks", counted)


def _squeezed_figure():
    """Two axes placed in a narrow strip: the layout widens them, so that more automatic ticks fit."""
    fig, axes = plt.subplots(1, 2, figsize=(10, 3), gridspec_kw={"left": 0.45, "right": 0.55, "wspace": 0})
    for ax in axes:
        ax.plot(range(1000), range(1000))
    return fig


@pytest.mark.parametrize("make", [_figure, _squeezed_figure])
def test_figures_are_byte_identical_with_and_without_the_cache(monkeypatch, make):
    fig = make()
    with monkeypatch.context() as patch:
        patch.setattr(figures, "cached_tick_layout", nullcontext)
        plain = figures.figure_html(fig)  # the desktop and the re-arranged phone rendition
    cached = figures.figure_html(fig)
    plt.close(fig)
    assert cached == plain


def test_each_axis_works_out_its_ticks_once_per_position_not_at_every_look(monkeypatch):
    fig = _figure()
    counted = _CountedTicks(monkeypatch)
    with monkeypatch.context() as patch:
        patch.setattr(figures, "cached_tick_layout", nullcontext)
        figures.figure_svg(fig)
    uncached, counted.calls = counted.calls, 0
    figures.figure_svg(fig)
    plt.close(fig)
    # 8 axis objects; the layout moves the axes twice: at most three positions each (before, between, after)
    assert counted.calls <= 3 * 8 < uncached


def test_a_figure_changed_between_two_saves_shows_its_new_ticks(monkeypatch):
    def save_change_save() -> str:
        fig, ax = plt.subplots(figsize=(5, 3), constrained_layout=True)
        ax.plot([0, 1, 2], [3, 1, 2])
        figures.figure_svg(fig)
        ax.set_xticks([0, 2], ["first tick", "second tick"])  # same position and view: only the labels change
        try:
            return figures.figure_svg(fig)
        finally:
            plt.close(fig)

    cached = save_change_save()
    with monkeypatch.context() as patch:
        patch.setattr(figures, "cached_tick_layout", nullcontext)
        plain = save_change_save()
    assert "second tick" in cached
    assert cached == plain


def test_matplotlib_is_restored_after_the_context_even_on_error():
    original = Axis._update_ticks
    with pytest.raises(RuntimeError):
        with cached_tick_layout():
            assert Axis._update_ticks is not original
            with cached_tick_layout():  # nested: its own memo, the outer one restored after it
                pass
            assert Axis._update_ticks is not original
            raise RuntimeError
    assert Axis._update_ticks is original
