"""Exact quantiles from value buckets (``engine/distributions.py``) against pandas, on values chosen to be hard:
several distinct values in one bucket, ties, negative values, one-deal groups and windows over two periods."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from partner_analytics.engine.backends import DuckDBEngine
from partner_analytics.engine.distributions import BUCKETS_PER_E, deal_stats_sql, interpolate_quantiles

Q1, Q2 = pd.Period("2025Q1", "Q"), pd.Period("2025Q2", "Q")
WINDOWS = [(Q1, Q1, 1), (Q2, Q2, 1), (Q1, Q2, 2), (Q2, Q2, 2)]
WON_SQL = "SELECT attribution, partner_type, amount, days, period_start FROM won"


def _won() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    # 1000.0 .. 1001.0 share one bucket (each bucket is about 0.4 % wide), so the exact rank is read again
    same_bucket = [1000.0, 1000.3, 1000.3, 1000.6, 1001.0]
    q1 = pd.DataFrame({"amount": same_bucket + list(np.round(rng.lognormal(8, 1, 40), 2)),
                       "days": [-3.0, 0.0, 0.0, 5.0, 7.0] + list(rng.integers(1, 200, 40).astype(float))})
    q2 = pd.DataFrame({"amount": [250.0, 250.0, 99999.99], "days": [10.0, 10.0, 400.0]})
    won = pd.concat([q1.assign(period_start=Q1.start_time), q2.assign(period_start=Q2.start_time)], ignore_index=True)
    won["attribution"] = np.where(np.arange(len(won)) % 3 == 0, "direct", "sourced")
    won["partner_type"] = np.where(won["attribution"] == "direct", None, "reseller")
    lonely = pd.DataFrame({"amount": [42.0], "days": [3.0], "period_start": [Q2.start_time],
                           "attribution": ["influenced"], "partner_type": ["referral"]})
    return pd.concat([won, lonely], ignore_index=True)


def _expected(won: pd.DataFrame, dimension: str, member: str, periods: list[pd.Period]) -> pd.DataFrame:
    rows = won[won["period_start"].isin([p.start_time for p in periods])]
    if dimension == "all":
        rows = rows[rows["attribution"] != "direct"]
    else:
        rows = rows[rows[dimension] == member]
    return rows


@pytest.fixture(scope="module")
def stats() -> pd.DataFrame:
    with DuckDBEngine.from_frames({"won": _won()}) as engine:
        raw = engine.fetch(deal_stats_sql(WON_SQL, WINDOWS, ("all", "attribution", "partner_type")))
    return interpolate_quantiles(raw)


def test_a_bucket_holds_several_values_so_the_rank_inside_it_is_read():
    values = np.array([1000.0, 1000.3, 1000.6, 1001.0])
    assert len(set(np.floor(np.log1p(values) * BUCKETS_PER_E))) == 1


def test_every_statistic_equals_pandas_on_every_window_and_group(stats):
    won = _won()
    assert len(stats) == 2 * len(stats.drop_duplicates(["window_end", "periods", "dimension", "member"]))
    for row in stats.itertuples():
        end = pd.Timestamp(row.window_end).to_period("Q")
        periods = [end] if row.periods == 1 else [p for p in (Q1, Q2) if p <= end]
        values = _expected(won, row.dimension, row.member, periods)[row.measure]
        assert row.n == len(values)
        got = [row.mean, row.min, row.max, row.p25, row.median, row.p75]
        want = [values.mean(), values.min(), values.max(), *values.quantile([0.25, 0.5, 0.75])]
        assert got == pytest.approx(want, rel=1e-12), (row.window_end, row.periods, row.dimension, row.member,
                                                       row.measure)


def test_groups_and_windows_with_one_deal_or_none(stats):
    lonely = stats[(stats["member"] == "influenced") & (stats["measure"] == "amount")]
    summary = lonely[["n", "p25", "median", "p75", "min", "max"]].drop_duplicates().values.tolist()
    assert summary == [[1, 42, 42, 42, 42, 42]]
    assert set(lonely["window_end"].astype(str).str[:10]) == {"2025-04-01"}  # no row for the window without a deal
