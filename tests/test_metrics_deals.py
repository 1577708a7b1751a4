"""Deals: win rates with Wilson intervals, deal size, time to close partner vs direct, pipeline coverage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import partner_analytics as pa
from partner_analytics.metrics.deals import (
    deal_size,
    deal_size_trend,
    partner_deal_kpis,
    pipeline,
    time_to_close,
    wilson_interval,
    win_rates,
)


@pytest.fixture
def facts(tiny_program):
    return pa.rollup(tiny_program, as_of="2024-06-30")


@pytest.mark.parametrize(("k", "n"), [(0, 1), (1, 1), (3, 4), (8, 10), (37, 100), (500, 1000)])
def test_the_wilson_interval_matches_scipy(k, n):
    low, high = wilson_interval([k], [n])
    expected = stats.binomtest(k, n).proportion_ci(method="wilson")
    assert (low[0], high[0]) == pytest.approx((expected.low, expected.high), abs=1e-12)


def test_the_wilson_interval_of_no_trials_is_missing():
    low, high = wilson_interval([0], [0])
    assert np.isnan(low[0]) and np.isnan(high[0])


def test_win_rates_per_partner_by_count_and_value(facts):
    rates = win_rates(facts, periods=2).set_index("partner_id")
    assert rates.loc["P1", ["won", "lost", "n"]].tolist() == [2, 1, 3]
    assert rates.loc["P1", "win_rate"] == pytest.approx(2 / 3)
    assert rates.loc["P1", "win_rate_value"] == pytest.approx(1500 / 1800)
    assert np.isnan(rates.loc["P3", "win_rate"])  # nothing closed: NaN, not 0


def test_win_rates_partner_vs_direct(facts):
    rates = win_rates(facts, by="channel", periods=2).set_index("channel")
    assert rates.loc["partner", "win_rate"] == 0.75
    assert rates.loc["direct", "win_rate"] == 0.5


def test_time_to_close_uses_won_deals_by_channel(facts):
    cycle = time_to_close(facts, periods=2).set_index("channel")
    assert cycle.loc["partner", "median"] == 30  # median(30, 60, 30)
    assert cycle.loc["partner", "mean"] == 40
    assert cycle.loc["direct", "median"] == 60  # the lost direct deal (89 days) is left out


def test_deal_size_over_won_deals(facts):
    size = deal_size(facts, periods=2).iloc[0]
    assert (size["won"], size["mean"], size["median"]) == (3, pytest.approx(1700 / 3), 500)


def test_deal_size_trend_has_one_row_per_period_and_group(facts):
    trend = deal_size_trend(facts, by="channel")
    assert len(trend) == 3  # 2024Q1 direct + partner, 2024Q2 partner
    q2 = trend[trend["period"] == pd.Period("2024Q2", "Q")].iloc[0]
    assert q2["median"] == 350


def test_pipeline_coverage_uses_the_next_periods_revenue_target(facts):
    flow = pipeline(facts, period="2024Q1").set_index("partner_id")
    assert flow.loc["P1", "open_pipeline"] == 500
    assert flow.loc["P1", "pipeline_coverage"] == 0.5  # 500 / 1000 target of 2024Q2
    assert np.isnan(flow.loc["P2", "pipeline_coverage"])


def test_partner_deal_kpis_cover_every_partner(facts):
    kpis = partner_deal_kpis(facts).set_index("partner_id")
    assert list(kpis.index) == ["P1", "P2", "P3"]
    assert kpis.loc["P1", "avg_deal_size"] == 500
    assert kpis.loc["P2", "days_to_close"] == 30
    assert np.isnan(kpis.loc["P3", "win_rate"])


def test_an_unknown_grouping_is_rejected(facts):
    with pytest.raises(ValueError, match="by must be one of"):
        win_rates(facts, by="region")
