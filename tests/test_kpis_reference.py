"""The vectorised KPI table and scorecard equal a plain per-partner reference on a small, messy program.

Messy: a partial last period, rows in random order, a partner missing from the reporting period's grid,
rows of a partner that is not in the partner table, engagement rows without an activity, a partner type
with a single partner. The reference below loops over partners with dictionaries: slow, obviously right.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from constructed import export
from pandas.testing import assert_frame_equal

import partner_analytics as pa
from partner_analytics.metrics.engagement import ENGAGEMENT_WEIGHTS
from partner_analytics.metrics.kpis import partner_kpis
from partner_analytics.metrics.peers import stable
from partner_analytics.metrics.registry import KPIS
from partner_analytics.metrics.scorecard import scorecard
from partner_analytics.params import load_params

STRANGER = "NOT-A-PARTNER"


def shuffled(frame: pd.DataFrame, seed: int) -> pd.DataFrame:
    return frame.sample(frac=1.0, random_state=seed).reset_index(drop=True)


def with_stranger(frame: pd.DataFrame) -> pd.DataFrame:
    stray = frame.head(3).copy()
    stray["partner_id"] = STRANGER
    return pd.concat([frame, stray], ignore_index=True)


@pytest.fixture(scope="module")
def facts() -> pa.Rollup:
    clean = pa.rollup(export(end="2025-11-15"))
    partners = clean.partners.iloc[::-1].reset_index(drop=True)
    partners.loc[0, "partner_type"] = "lonely"  # a type with one partner
    grid = clean.partner_periods
    gap = (grid["partner_id"] == partners.loc[1, "partner_id"]) & (grid["period"] == clean.period)
    engagement = with_stranger(clean.engagement)
    engagement.loc[engagement.index[:2], "activity"] = None
    return dataclasses.replace(
        clean,
        partners=partners,
        partner_periods=shuffled(with_stranger(grid[~gap]), 1),
        engagement=shuffled(engagement, 2),
        surveys=shuffled(with_stranger(clean.surveys), 3),
        target_actuals=shuffled(with_stranger(clean.target_actuals), 4),
        partner_deal_stats=shuffled(clean.partner_deal_stats, 5),
    )


def reference_kpis(facts: pa.Rollup, period: pd.Period) -> pd.DataFrame:
    grid = {(r.partner_id, r.period): r for r in facts.partner_periods.itertuples()}
    median_days = {(r.partner_id, r.period): r.days_median for r in facts.partner_deal_stats.itertuples()}
    year = 4 if facts.freq == "Q" else 12
    window = [p for p in facts.periods if period - year < p <= period]

    def at(pid: str, when: pd.Period, column: str) -> float:
        row = grid.get((pid, when))
        return float(getattr(row, column)) if row is not None else np.nan

    def ratio(numerator: float, denominator: float) -> float:
        return numerator / denominator if denominator > 0 else np.nan

    def growth(current: float, prior: float) -> float:
        return current / prior - 1 if prior != 0 and not np.isnan(prior) else np.nan

    def quantities(pid: str, periods: list[pd.Period]) -> dict[str, float]:
        rows = facts.engagement[(facts.engagement["partner_id"] == pid) & facts.engagement["period"].isin(periods)]
        return rows.dropna(subset=["activity"]).groupby("activity")["quantity"].sum().to_dict()

    targets = facts.target_actuals
    start, end = period.start_time, period.end_time.normalize()
    following = period + 1
    ids = list(facts.partners["partner_id"])
    enrolled_year = {pid: any(getattr(grid.get((pid, p)), "enrolled", False) for p in window) for pid in ids}
    year_quantities = {pid: quantities(pid, window) for pid in ids}
    members = [pid for pid in ids if enrolled_year[pid]]
    recorded = set(facts.engagement["activity"].dropna())
    used = {a: w for a, w in ENGAGEMENT_WEIGHTS.items() if a in recorded}
    rows = []
    for pid in ids:
        row = {"partner_id": pid}
        for column in ("revenue", "sourced_revenue", "influenced_revenue", "won_deals", "new_customers"):
            row[column] = at(pid, period, column)
        row["revenue_growth_qoq"] = growth(row["revenue"], at(pid, period - 1, "revenue"))
        row["revenue_growth_yoy"] = growth(row["revenue"], at(pid, period - year, "revenue"))
        mine = targets[(targets["partner_id"] == pid) & (targets["kpi"] == "revenue")]
        inside = mine[(mine["period_start"] >= start) & (mine["period_end"] <= end)]
        actual = inside["actual"].sum() if inside["actual"].notna().all() else np.nan
        row["revenue_attainment"] = ratio(actual, inside["target"].sum()) if len(inside) else np.nan
        won, lost = (np.nan_to_num(at(pid, period, c)) for c in ("won_deals", "lost_deals"))
        row["deals_registered"] = np.nan_to_num(at(pid, period, "created_deals"))
        row["win_rate"] = ratio(won, won + lost)
        row["avg_deal_size"] = ratio(row["revenue"], row["won_deals"])
        row["days_to_close"] = median_days.get((pid, period), np.nan)
        row["open_pipeline"] = np.nan_to_num(at(pid, period, "open_pipeline"))
        starts_next = mine[(mine["period_start"] >= following.start_time)
                           & (mine["period_start"] <= following.end_time)]
        row["pipeline_coverage"] = ratio(row["open_pipeline"], starts_next["target"].sum()) if len(starts_next) \
            else np.nan
        score = 0.0
        for activity, weight in used.items():
            q = year_quantities[pid].get(activity, 0.0)
            peers = [year_quantities[j].get(activity, 0.0) for j in members]
            score += weight * (sum(p <= q for p in peers) / len(members) if q > 0 else 0.0)
        row["engagement_index"] = 100 * score / sum(used.values()) if enrolled_year[pid] else np.nan
        now = quantities(pid, [period])
        row["certifications"] = now.get("certification", 0.0)
        row["training_completed"] = now.get("training_completed", 0.0)
        row["prm_logins"] = now.get("prm_login", 0.0)
        surveys = facts.surveys[(facts.surveys["partner_id"] == pid) & facts.surveys["period"].isin(window)]
        for survey in ("psat", "csat"):
            answers = surveys[surveys["survey"] == survey]
            row[survey] = ratio(answers["score_pct_sum"].sum(), answers["responses"].sum())
        nps = surveys[surveys["survey"] == "partner_nps"]
        banded = nps["promoters"].sum() + nps["passives"].sum() + nps["detractors"].sum()
        row["partner_nps"] = ratio(100 * (nps["promoters"].sum() - nps["detractors"].sum()), banded)
        rows.append(row)
    return pd.DataFrame(rows)


def reference_composite(kpis: pd.DataFrame, params) -> dict[str, float]:
    """Σ w·score / Σ w over each partner's scored KPIs, peer percentiles ranked within the partner type."""
    out = {}
    for row in kpis.itertuples():
        weights = params.weights_for(row.partner_type)
        peers = kpis[kpis["partner_type"] == row.partner_type]
        total = weighted = 0.0
        for name, weight in weights.items():
            value = getattr(row, name)
            if np.isnan(value):
                continue
            sign = 1.0 if KPIS[name].higher_is_better else -1.0
            others = stable(peers[name].dropna() * sign).tolist()
            mine = stable(pd.Series([value * sign]))[0]
            n = len(others)
            rank = sum(o < mine for o in others) + (sum(o == mine for o in others) + 1) / 2
            score = 100 * (rank - 1) / (n - 1) if n > 1 else 50.0
            total, weighted = total + weight, weighted + weight * score
        out[row.partner_id] = weighted / total if total > 0 else np.nan
    return out


@pytest.mark.parametrize("back", [0, 3])
def test_partner_kpis_equal_the_per_partner_reference(facts, back):
    period = facts.period - back
    table = partner_kpis(facts, period=period)
    expected = reference_kpis(facts, period)
    assert list(table["partner_id"]) == list(facts.partners["partner_id"])
    columns = [c for c in expected.columns if c != "partner_id"]
    assert_frame_equal(table[columns].reset_index(drop=True), expected[columns].astype("float64"),
                       check_exact=False, rtol=1e-12, atol=1e-12)
    assert (expected[columns].notna().sum() == 0).sum() <= 2  # values to compare (the partial period lacks some)
    if back == 0:  # the partner without a row in the reporting period
        assert not table.loc[1, "enrolled"] and np.isnan(table.loc[1, "revenue"])


def test_scorecard_composites_equal_the_per_partner_reference(facts):
    params = load_params()
    kpis = partner_kpis(facts)
    card = scorecard(kpis, params)
    expected = reference_composite(kpis, params)
    assert list(card["partner_id"]) == list(kpis["partner_id"])
    np.testing.assert_allclose(card["composite"], [expected[p] for p in card["partner_id"]], rtol=1e-12)
    assert card.loc[0, "composite"] == 50.0  # the lonely partner type: every KPI scores 50
