"""Numbers the reports show about one partner, and the programme's headline totals.

Every number here has one formula, used by the partner report, the overview
and the notebooks alike:

* :func:`kpi_changes`: a KPI's value against an earlier one. ``change`` is
  relative (``value / prior − 1``) for currency and counts, absolute
  (``value − prior``) otherwise; NaN without a prior value, and for a
  relative change when the prior value is 0.
* :func:`partner_history`: one partner's periods with revenue, its revenue
  target, won and lost deals, ``win_rate = won / (won + lost)`` and
  ``avg_deal_size = revenue / won`` (NaN without closed or won deals).
* :func:`program_totals`: the programme's revenue, won deals, win rate
  (won / closed, summed over partners) and revenue attainment
  (Σ actual / Σ target over revenue targets whose window lies in the period).
* :func:`period_kpis`: the reporting period's KPIs with those of the prior
  period and of the same period a year earlier. For a **partial** period
  (see :mod:`partner_analytics.periods`) the earlier periods count only the
  same number of days (:func:`~partner_analytics.periods.same_days_as_of`),
  and revenue growth is recomputed against them
  (:func:`like_for_like_growth`): ``revenue / earlier revenue − 1``, NaN
  without an earlier value or when it is 0. Reports and the ``metrics``
  command both use it, so they print the same growth.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from ..periods import Coverage, periods_per_year, same_days_as_of
from ..rollup import Rollup, rollup
from .kpis import partner_kpis
from .registry import KPIS
from .targets import targets_in_period

if TYPE_CHECKING:
    from ..engine.program import EngineProgram
    from ..program import Program

__all__ = ["RELATIVE_UNITS", "kpi_changes", "revenue_targets", "partner_history", "program_totals", "TOTALS",
           "PeriodKpis", "period_kpis", "earlier_kpis", "like_for_like_growth"]

RELATIVE_UNITS = ("currency", "count")
"""KPI units whose change is relative (a fraction); the others change in their own unit."""

TOTALS = ("revenue", "won_deals", "win_rate", "revenue_attainment")
"""The programme totals :func:`program_totals` computes (the overview's tiles)."""


def kpi_changes(current: Mapping[str, float], prior: Mapping[str, float], names: Sequence[str]) -> pd.DataFrame:
    """``kpi, value, prior, change`` for each of ``names`` (formula in the module docstring).

    Examples
    --------
    >>> kpi_changes({"revenue": 120.0, "win_rate": 0.5}, {"revenue": 100.0, "win_rate": 0.4},
    ...             ["revenue", "win_rate"]).round(2).to_dict("list")
    {'kpi': ['revenue', 'win_rate'], 'value': [120.0, 0.5], 'prior': [100.0, 0.4], 'change': [0.2, 0.1]}
    """
    rows = []
    for name in names:
        value, before = float(current.get(name, np.nan)), float(prior.get(name, np.nan))
        if KPIS[name].unit in RELATIVE_UNITS:
            change = value / before - 1 if before else np.nan
        else:
            change = value - before
        rows.append({"kpi": name, "value": value, "prior": before, "change": change})
    return pd.DataFrame(rows, columns=["kpi", "value", "prior", "change"])


def revenue_targets(facts: Rollup, partner_id: str) -> pd.Series:
    """A partner's revenue targets summed by the period their window starts in (currency)."""
    actuals = facts.target_actuals
    mine = actuals[(actuals["partner_id"] == partner_id) & (actuals["kpi"] == "revenue")]
    return mine.groupby(mine["period_start"].dt.to_period(facts.freq))["target"].sum()


def partner_history(facts: Rollup, partner_id: str, *, period: pd.Period) -> pd.DataFrame:
    """The partner's enrolled periods up to ``period``.

    Returns
    -------
    DataFrame
        ``period, revenue, target, won_deals, lost_deals, win_rate,
        avg_deal_size`` (formulas in the module docstring; ``target`` NaN
        where none is set).
    """
    periods = facts.partner_periods
    mine = periods[(periods["partner_id"] == partner_id) & (periods["period"] <= period) & periods["enrolled"]]
    closed = mine["won_deals"] + mine["lost_deals"]
    history = pd.DataFrame({
        "period": mine["period"].to_numpy(),
        "revenue": mine["revenue"].to_numpy(),
        "won_deals": mine["won_deals"].to_numpy(),
        "lost_deals": mine["lost_deals"].to_numpy(),
        "win_rate": (mine["won_deals"] / closed.where(closed > 0)).to_numpy(),
        "avg_deal_size": (mine["revenue"] / mine["won_deals"].where(mine["won_deals"] > 0)).to_numpy(),
    })
    history.insert(2, "target", history["period"].map(revenue_targets(facts, partner_id)).astype(float))
    return history


def program_totals(facts: Rollup, *, period: pd.Period) -> dict[str, float]:
    """The programme's :data:`TOTALS` in ``period`` (NaN for a period outside ``facts``)."""
    if period not in facts.periods:
        return dict.fromkeys(TOTALS, np.nan)
    rows = facts.partner_periods[facts.partner_periods["period"] == period]
    won = rows["won_deals"].sum()
    closed = won + rows["lost_deals"].sum()
    in_period = targets_in_period(facts, period=period)
    revenue = in_period[in_period["kpi"] == "revenue"]
    target = revenue["target"].sum()
    return {
        "revenue": float(rows["revenue"].sum()),
        "won_deals": float(won),
        "win_rate": won / closed if closed else np.nan,
        "revenue_attainment": revenue["actual"].sum() / target if target else np.nan,
    }


@dataclass(frozen=True)
class PeriodKpis:
    """The reporting period's KPIs and the earlier ones its changes are measured against.

    Attributes
    ----------
    kpis
        :func:`~partner_analytics.metrics.kpis.partner_kpis` of the period;
        for a partial period with like-for-like revenue growth.
    prior_kpis, year_ago_kpis
        KPIs of the prior period and of the same period a year earlier (the
        same days of them when the period is partial); empty when that period
        is before the data.
    prior_totals, year_ago_totals
        :func:`program_totals` of those earlier periods (NaN before the data).
    """

    kpis: pd.DataFrame
    prior_kpis: pd.DataFrame
    prior_totals: dict[str, float]
    year_ago_kpis: pd.DataFrame
    year_ago_totals: dict[str, float]


def period_kpis(program: Program | EngineProgram, facts: Rollup, coverage: Coverage) -> PeriodKpis:
    """KPIs of ``coverage.period`` compared like-for-like (formula in the module docstring).

    Parameters
    ----------
    program
        The program ``facts`` was rolled up from (re-rolled up to the
        like-for-like dates of a partial period).
    facts
        Rollup of ``program`` as of ``coverage.as_of``.
    coverage
        The reporting period and as-of date
        (:func:`~partner_analytics.periods.resolve_coverage`).
    """
    kpis = partner_kpis(facts, period=coverage.period)
    (prior, prior_totals), (year_ago, year_ago_totals) = (
        earlier_kpis(program, facts, coverage, lag=lag) for lag in (1, periods_per_year(facts.freq)))
    if not coverage.complete:
        kpis = like_for_like_growth(kpis, prior, year_ago)
    return PeriodKpis(kpis=kpis, prior_kpis=prior, prior_totals=prior_totals, year_ago_kpis=year_ago,
                      year_ago_totals=year_ago_totals)


def earlier_kpis(program: Program | EngineProgram, facts: Rollup, coverage: Coverage, *,
                 lag: int) -> tuple[pd.DataFrame, dict[str, float]]:
    """KPIs and :func:`program_totals` of the period ``lag`` periods before the reporting one.

    For a partial reporting period, only the same days of that period count.
    Before the data: an empty KPI frame and NaN totals.
    """
    earlier = coverage.period - lag
    if earlier not in facts.periods:
        return partner_kpis(facts).iloc[:0], program_totals(facts, period=earlier)
    if not coverage.complete:
        facts = rollup(program, freq=facts.freq, as_of=same_days_as_of(coverage.period, coverage.as_of, lag=lag))
    return partner_kpis(facts, period=earlier), program_totals(facts, period=earlier)


def like_for_like_growth(kpis: pd.DataFrame, prior: pd.DataFrame, year_ago: pd.DataFrame) -> pd.DataFrame:
    """``kpis`` with ``revenue_growth_qoq``/``_yoy`` recomputed against ``prior``/``year_ago`` revenue.

    ``revenue / earlier revenue − 1`` per partner (fractions); NaN for a
    partner without an earlier row or with earlier revenue 0.

    Examples
    --------
    >>> kpis = pd.DataFrame({"partner_id": ["A", "B"], "revenue": [150.0, 80.0],
    ...                      "revenue_growth_qoq": 0.0, "revenue_growth_yoy": 0.0})
    >>> prior = pd.DataFrame({"partner_id": ["A", "B"], "revenue": [100.0, 0.0]})
    >>> year_ago = pd.DataFrame({"partner_id": ["A"], "revenue": [200.0]})
    >>> like_for_like_growth(kpis, prior, year_ago)[["revenue_growth_qoq", "revenue_growth_yoy"]].to_dict("list")
    {'revenue_growth_qoq': [0.5, nan], 'revenue_growth_yoy': [-0.25, nan]}
    """
    out = kpis.copy()
    for column, earlier in (("revenue_growth_qoq", prior), ("revenue_growth_yoy", year_ago)):
        before = out["partner_id"].map(earlier.set_index("partner_id")["revenue"])
        out[column] = out["revenue"] / before.where(before != 0) - 1
    return out
