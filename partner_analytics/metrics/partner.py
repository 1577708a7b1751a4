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
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..rollup import Rollup
from .registry import KPIS
from .targets import targets_in_period

__all__ = ["RELATIVE_UNITS", "kpi_changes", "revenue_targets", "partner_history", "program_totals", "TOTALS"]

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
