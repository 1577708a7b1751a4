"""What a KPI tile says under its value: the change, the prior value when no change can be computed, or that
there is none."""

from __future__ import annotations

import numpy as np
import pandas as pd

from partner_analytics.render import blocks


def _tiles(prior: float, change: float, versus: str = "vs prior period") -> str:
    frame = pd.DataFrame({"kpi": ["revenue"], "value": [0.0], "prior": [prior], "change": [change]})
    return blocks.tiles(frame, versus=versus).data


def test_a_change_from_zero_shows_the_prior_value_not_that_there_was_none():
    html = _tiles(0.0, np.nan, versus="vs the same 15 days of 2025-10")
    assert "$0 in the same 15 days of 2025-10" in html and "no prior value" not in html
    assert "$0 in the prior period" in _tiles(0.0, np.nan)


def test_without_a_prior_value_the_tile_says_so():
    assert "no prior value" in _tiles(np.nan, np.nan)


def test_a_change_is_shown_against_what_it_compares_with():
    assert "▲ +50% vs prior period" in _tiles(100.0, 0.5).replace("&#x27;", "'")

