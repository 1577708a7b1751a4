"""Text measured once per look (render.text_layout): the same SVG as without the cache, Matplotlib left as it was."""

from __future__ import annotations

from contextlib import nullcontext

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.text import Text  # noqa: E402

from partner_analytics.plots.deals import plot_win_rate  # noqa: E402
from partner_analytics.plots.partner import plot_partner_revenue  # noqa: E402
from partner_analytics.render import figures  # noqa: E402
from partner_analytics.render.text_layout import cached_text_layout  # noqa: E402

QUARTERS = [str(p) for p in pd.period_range("2015Q1", periods=14, freq="Q")]


def _figure():
    fig, axes = plt.subplots(1, 2, figsize=(10, 4), constrained_layout=True)
    history = pd.DataFrame({"period": QUARTERS, "revenue": range(14), "target": 7.0})
    plot_partner_revenue(history, ax=axes[0])  # legend above the axes, thinned period labels
    rates = pd.DataFrame({"partner_type": [f"A long partner type {i}" for i in range(8)], "win_rate": 0.5,
                          "ci_low": 0.4, "ci_high": 0.6})
    plot_win_rate(rates, ax=axes[1])  # rotated labels
    axes[1].set_title("Two lines\nof title", wrap=True)  # wrapped text: measured as usual
    return fig


def test_figures_are_byte_identical_with_and_without_the_cache(monkeypatch):
    fig = _figure()
    with monkeypatch.context() as patch:
        patch.setattr(figures, "cached_text_layout", nullcontext)
        plain = figures.figure_html(fig)
    cached = figures.figure_html(fig)
    again = figures.figure_html(fig)  # measured from the cache this time
    plt.close(fig)
    assert cached == plain == again


def test_matplotlib_is_restored_after_the_context_even_on_error():
    original = Text._get_layout
    try:
        with cached_text_layout():
            assert Text._get_layout is not original
            with cached_text_layout():  # re-entrant
                pass
            assert Text._get_layout is not original
            raise RuntimeError
    except RuntimeError:
        pass
    assert Text._get_layout is original
