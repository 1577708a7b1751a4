"""The notebooks' hover charts (Altair): what they encode, checked on their Vega-Lite specs."""

from __future__ import annotations

import pandas as pd
import pytest

from partner_analytics.explore.charts import heatmap_chart, png
from partner_analytics.plots.cohorts import RETENTION_COLOUR_CAP
from partner_analytics.plots.style import plot_style

RETENTION = pd.DataFrame({"cohort": pd.PeriodIndex(["2024Q1", "2024Q1", "2024Q2", "2024Q2"], freq="Q"),
                          "periods_since_onboarding": [0, 1, 0, 1], "retention": [1.0, 0.8, float("nan"), 21.4]})


def _colour_scale(chart) -> dict:
    return chart.to_dict()["encoding"]["color"]["scale"]


def test_the_heatmap_leaves_out_unobserved_cells_and_shows_cohorts_as_text():
    chart = heatmap_chart(RETENTION)
    assert chart.data["cohort"].tolist() == ["2024Q1", "2024Q1", "2024Q2"]
    assert chart.to_dict()["encoding"]["y"]["field"] == "cohort"


def test_the_heatmap_caps_outlying_retention_colours_like_the_static_heatmap():
    assert _colour_scale(heatmap_chart(RETENTION)) == {"scheme": "blues", "domain": [0, RETENTION_COLOUR_CAP],
                                                       "clamp": True}
    assert _colour_scale(heatmap_chart(RETENTION.iloc[:2])) == {"scheme": "blues"}
    per_partner = RETENTION.assign(revenue_per_partner=[10.0, 20.0, 30.0, 4000.0])
    assert _colour_scale(heatmap_chart(per_partner, value="revenue_per_partner")) == {"scheme": "blues"}


@pytest.mark.parametrize("title", [r"Partner $\foo$", "$5 off $10", "<script>x</script>"])
def test_png_draws_any_text_from_data(title):
    from partner_analytics.explore.widgets import figure

    with plot_style():
        fig, ax = figure(size=(3, 2))
        ax.set_title(title)
        assert png(fig)[:8] == b"\x89PNG\r\n\x1a\n"
