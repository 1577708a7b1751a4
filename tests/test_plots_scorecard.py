"""Scorecard and tier plots draw the expected bars, lines and titles on the returned Axes."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from partner_analytics.metrics.scorecard import scorecard, scorecard_breakdown  # noqa: E402
from partner_analytics.metrics.tiers import assign_tiers, tier_distribution  # noqa: E402
from partner_analytics.params import load_params, parse_params  # noqa: E402
from partner_analytics.plots.empty import NothingToDraw, nothing_to_draw  # noqa: E402
from partner_analytics.plots.scorecard import (  # noqa: E402
    plot_composite_distribution,
    plot_scorecard_breakdown,
    plot_tier_distribution,
)

NAN = np.nan
PARAMS = parse_params({
    "scorecard": {"default": {"revenue": 1}, "reseller": {"revenue": 3, "win_rate": 1, "days_to_close": 1},
                  "technology": {"revenue": 1, "win_rate": 3}},
    "tiers": {"levels": [{"name": "gold", "min_score": 60}, {"name": "silver", "min_score": 40},
                         {"name": "member", "min_score": 0}]},
})
TABLE = pd.DataFrame({
    "partner_id": ["P1", "P2", "P3", "P4"],
    "partner_type": ["reseller", "reseller", "reseller", "technology"],
    "revenue": [100.0, 300.0, 400.0, 50.0],
    "win_rate": [0.5, 0.25, NAN, 0.4],
    "days_to_close": [30.0, 60.0, 45.0, NAN],
})


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def bars(ax) -> list[Rectangle]:
    return [p for p in ax.patches if isinstance(p, Rectangle)]


def test_breakdown_plot_stacks_each_contribution_after_the_previous_one():
    ax = plot_scorecard_breakdown(scorecard_breakdown(TABLE, PARAMS), partner_id="P3")
    drawn = bars(ax)
    # P3: revenue 75 from 0, win rate has no data (no bar), days 12.5 from 75, composite 87.5 from 0
    assert [b.get_x() for b in drawn] == pytest.approx([0.0, 75.0, 0.0])
    assert [b.get_width() for b in drawn] == pytest.approx([75.0, 12.5, 87.5])
    assert [t.get_text() for t in ax.get_yticklabels()] == [
        "Partner revenue", "Win rate (no data)", "Median days to close", "Composite"
    ]
    assert ax.get_title() == "Composite score explained: partner P3"
    assert ax.get_xlim() == (0.0, 100.0)


def test_breakdown_plot_draws_on_the_given_axes():
    _, ax = plt.subplots()
    assert plot_scorecard_breakdown(scorecard_breakdown(TABLE, PARAMS), partner_id="P1", ax=ax) is ax


def test_breakdown_plot_rejects_an_unknown_partner():
    with pytest.raises(ValueError, match="partner_id 'P9' is not in the breakdown"):
        plot_scorecard_breakdown(scorecard_breakdown(TABLE, PARAMS), partner_id="P9")


def test_tier_distribution_plot_has_one_bar_per_tier_with_its_count():
    dist = tier_distribution(assign_tiers(scorecard(TABLE, PARAMS), PARAMS))  # 40, 30, 87.5, 50
    ax = plot_tier_distribution(dist)
    assert [b.get_height() for b in bars(ax)] == [1.0, 2.0, 1.0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["gold", "silver", "member"]
    assert [t.get_text() for t in ax.texts] == ["1 (25%)", "2 (50%)", "1 (25%)"]
    assert ax.get_title() == "Partners by tier"


def test_tier_distribution_plot_labels_partners_without_a_tier():
    dist = tier_distribution(assign_tiers(pd.DataFrame(
        {"partner_id": ["A", "B"], "partner_type": "msp", "composite": [70.0, NAN]}), PARAMS))
    ax = plot_tier_distribution(dist)
    assert [t.get_text() for t in ax.get_xticklabels()][-1] == "no tier"


def test_composite_histogram_stacks_partner_types_and_marks_tier_minimums():
    card = scorecard(TABLE, PARAMS)
    ax = plot_composite_distribution(card, params=load_params())
    assert len(bars(ax)) == 2 * 10  # two partner types × ten bins
    assert [line.get_xdata()[0] for line in ax.get_lines()] == [80.0, 60.0, 40.0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["reseller", "technology"]
    assert ax.get_title() == "Composite score distribution by partner type"
    counts = [b.get_height() for b in bars(ax)][:10]
    assert counts == [0, 0, 0, 1, 1, 0, 0, 0, 1, 0]  # resellers at 30, 40 and 87.5


def test_composite_histogram_without_params_draws_no_threshold_lines():
    ax = plot_composite_distribution(scorecard(TABLE, PARAMS))
    assert ax.get_lines() == []


def test_composite_histogram_of_no_scored_partners_draws_nothing_and_says_why():
    card = pd.DataFrame({"partner_id": ["A"], "partner_type": ["msp"], "composite": [NAN]})
    assert nothing_to_draw(plot_composite_distribution, card) == "No partner has a composite score yet."
    with pytest.raises(NothingToDraw, match="^No partner has a composite score yet.$"):
        plot_composite_distribution(card)
