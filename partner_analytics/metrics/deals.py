"""Deals: win rate, deal size, time to close (partner vs direct) and pipeline.

Formulas
--------
* **Win rate** = won / (won + lost) deals closed in the window (fraction);
  **by value** = won amount / (won + lost amount). NaN with nothing closed.
  The 95 % **Wilson** interval is given for the count-based rate.
* **Deal size** over deals won in the window: mean and median (currency).
* **Time to close** = days from ``created_on`` to ``closed_on`` over deals
  **won** in the window (lost deals often close by being abandoned, which
  would blur the comparison). ``channel`` is ``partner`` (sourced or
  influenced) or ``direct``.
* **Open pipeline** = value of deals open at the period's end (currency);
  **pipeline coverage** = open pipeline / revenue target of the *next*
  period (targets whose window starts inside it); NaN without one.

A window is the ``periods`` rollup periods ending at ``period`` (default:
the period containing ``as_of``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats

from ..rollup import Rollup
from .checks import require_columns as _require
from .checks import resolve_period as _period

__all__ = [
    "wilson_interval",
    "win_rates",
    "deal_size",
    "deal_size_trend",
    "time_to_close",
    "pipeline",
    "partner_deal_kpis",
    "GROUPS",
]

GROUPS = ("partner_id", "partner_type", "attribution", "channel")
"""Groupings accepted by ``by``; ``None`` means the whole program (partner deals only)."""

_DEAL_COLUMNS = ["deal_id", "partner_id", "attribution", "partner_type", "stage", "amount", "period", "days_to_close"]


def wilson_interval(successes, trials, *, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of a proportion, vectorised.

    ``center = (p + z²/2n) / (1 + z²/n)``, ``half = z·√(p(1−p)/n + z²/4n²) / (1 + z²/n)``
    with ``p = successes / n`` and ``z`` the normal quantile of ``(1 + confidence) / 2``.

    Returns
    -------
    tuple of arrays
        ``(low, high)``, fractions in [0, 1]; NaN where ``trials`` is 0.

    Examples
    --------
    >>> low, high = wilson_interval([8, 0], [10, 0])
    >>> [round(float(v), 4) for v in (low[0], high[0])]
    [0.4902, 0.9433]
    >>> bool(np.isnan(low[1]))
    True
    """
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    z = stats.norm.ppf((1 + confidence) / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        denominator = 1 + z**2 / n
        center = (p + z**2 / (2 * n)) / denominator
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denominator
    valid = n > 0
    return np.where(valid, np.clip(center - half, 0, 1), np.nan), np.where(valid, np.clip(center + half, 0, 1), np.nan)


def _window(facts: Rollup, period: str | pd.Period | None, periods: int) -> pd.DataFrame:
    if periods < 1:
        raise ValueError(f"periods must be at least 1, got {periods}")
    end = _period(facts, period)
    deals = _require(facts.closed_deals, _DEAL_COLUMNS, "closed_deals")
    deals = deals[(deals["period"] > end - periods) & (deals["period"] <= end)]
    return deals.assign(channel=np.where(deals["attribution"] == "direct", "direct", "partner"))


def _grouped(deals: pd.DataFrame, by: str | None):
    if by is not None and by not in GROUPS:
        raise ValueError(f"by must be one of {GROUPS} or None, got {by!r}")
    if by is None:
        deals = deals[deals["channel"] == "partner"]
        return deals.assign(_all="all").groupby("_all", sort=True), deals
    if by in ("partner_id", "partner_type"):
        deals = deals[deals["channel"] == "partner"]
    return deals.groupby(by, sort=True, observed=True), deals


def win_rates(
    facts: Rollup, *, by: str | None = "partner_id", period: str | pd.Period | None = None, periods: int = 1
) -> pd.DataFrame:
    """Win rate by count and by value, with a Wilson interval.

    Parameters
    ----------
    facts
        Rolled-up program facts.
    by
        One of :data:`GROUPS`, or None for all partner deals together.
        ``partner_id`` and ``partner_type`` count partner deals only.
    period, periods
        Window: ``periods`` periods ending at ``period``.

    Returns
    -------
    DataFrame
        ``by`` column (``group`` = "all" when None), ``won``, ``lost``, ``n``
        (closed), ``win_rate``, ``ci_low``, ``ci_high``, ``win_rate_value``.
        ``by="partner_id"`` lists every partner of ``facts.partners``.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"))
    >>> rates = win_rates(facts, by="channel", periods=4)
    >>> list(rates["channel"])
    ['direct', 'partner']
    """
    deals = _window(facts, period, periods)
    won = deals["stage"] == "won"
    deals = deals.assign(_won=won.astype(float), _lost=(~won).astype(float),
                         _won_amount=deals["amount"].where(won, 0.0))
    groups, deals = _grouped(deals, by)
    out = pd.DataFrame({
        "won": groups["_won"].sum(),
        "lost": groups["_lost"].sum(),
        "_won_amount": groups["_won_amount"].sum(),
        "_amount": groups["amount"].sum(),
    })
    if by == "partner_id":
        out = out.reindex(facts.partners["partner_id"], fill_value=0.0)
    out["n"] = out["won"] + out["lost"]
    out["win_rate"] = out["won"] / out["n"].where(out["n"] > 0)
    out["ci_low"], out["ci_high"] = wilson_interval(out["won"], out["n"])
    out["win_rate_value"] = out["_won_amount"] / out["_amount"].where(out["_amount"] > 0)
    out = out.drop(columns=["_won_amount", "_amount"]).reset_index()
    return out.rename(columns={"_all": "group"})


def deal_size(
    facts: Rollup, *, by: str | None = None, period: str | pd.Period | None = None, periods: int = 1
) -> pd.DataFrame:
    """Mean and median size of deals won in the window.

    Returns
    -------
    DataFrame
        ``by`` column (``group`` when None), ``won``, ``mean``, ``median``
        (currency); NaN sizes where nothing was won.
    """
    deals = _window(facts, period, periods)
    groups, _ = _grouped(deals[deals["stage"] == "won"], by)
    out = pd.DataFrame({"won": groups["amount"].size().astype(float), "mean": groups["amount"].mean(),
                        "median": groups["amount"].median()})
    if by == "partner_id":
        out = out.reindex(facts.partners["partner_id"]).fillna({"won": 0.0})
    return out.reset_index().rename(columns={"_all": "group"})


def deal_size_trend(facts: Rollup, *, by: str | None = None) -> pd.DataFrame:
    """:func:`deal_size` for every period, one row per period (× group)."""
    frames = [deal_size(facts, by=by, period=p).assign(period=p) for p in facts.periods]
    out = pd.concat(frames, ignore_index=True)
    return out[["period", *[c for c in out.columns if c != "period"]]]


def time_to_close(
    facts: Rollup, *, by: str = "channel", period: str | pd.Period | None = None, periods: int = 4
) -> pd.DataFrame:
    """Days from created to closed over deals won in the window.

    Parameters
    ----------
    by
        ``channel`` (partner vs direct), ``attribution`` or ``partner_type``.

    Returns
    -------
    DataFrame
        ``by`` column, ``n``, ``mean``, ``median``, ``p25``, ``p75`` (days).

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"))
    >>> cycle = time_to_close(facts).set_index("channel")
    >>> bool(cycle.loc["partner", "median"] < cycle.loc["direct", "median"])
    True
    """
    if by not in ("channel", "attribution", "partner_type"):
        raise ValueError(f"by must be 'channel', 'attribution' or 'partner_type', got {by!r}")
    won = _window(facts, period, periods)
    won = won[won["stage"] == "won"]
    groups = won.groupby(by, sort=True, observed=True)["days_to_close"]
    out = pd.DataFrame({"n": groups.size().astype(float), "mean": groups.mean(), "median": groups.median(),
                        "p25": groups.quantile(0.25), "p75": groups.quantile(0.75)})
    return out.reset_index()


def pipeline(facts: Rollup, *, period: str | pd.Period | None = None) -> pd.DataFrame:
    """Open pipeline at the period's end and its coverage of the next period's revenue target.

    Returns
    -------
    DataFrame
        ``partner_id, open_deals, open_pipeline, next_target, pipeline_coverage``,
        one row per partner of ``facts.partners``; coverage NaN when the next
        period has no (or a zero) revenue target.
    """
    period = _period(facts, period)
    grid = _require(facts.partner_periods, ["partner_id", "period", "open_deals", "open_pipeline"], "partner_periods")
    now = grid[grid["period"] == period].set_index("partner_id")
    targets = _require(facts.target_actuals, ["partner_id", "kpi", "period_start", "target"], "target_actuals")
    following = period + 1
    starts_next = (targets["period_start"] >= following.start_time) & (targets["period_start"] <= following.end_time)
    next_target = targets[starts_next & (targets["kpi"] == "revenue")].groupby("partner_id")["target"].sum()
    ids = facts.partners["partner_id"]
    out = pd.DataFrame({
        "partner_id": ids.to_numpy(),
        "open_deals": ids.map(now["open_deals"]).fillna(0.0).to_numpy(),
        "open_pipeline": ids.map(now["open_pipeline"]).fillna(0.0).to_numpy(),
        "next_target": ids.map(next_target).astype(float).to_numpy(),
    })
    out["pipeline_coverage"] = out["open_pipeline"] / out["next_target"].where(out["next_target"] > 0)
    return out


def partner_deal_kpis(facts: Rollup, *, period: str | pd.Period | None = None) -> pd.DataFrame:
    """Deal KPIs per partner for the period (registry domain ``deals``).

    Returns
    -------
    DataFrame
        ``partner_id, deals_registered, win_rate, avg_deal_size, days_to_close,
        open_pipeline, pipeline_coverage``; one row per partner of
        ``facts.partners``. ``avg_deal_size`` = won revenue / won deals and
        ``days_to_close`` the median over won deals (NaN when none won).
    """
    period = _period(facts, period)
    grid = facts.partner_periods
    now = grid[grid["period"] == period].set_index("partner_id")
    ids = facts.partners["partner_id"]
    rates = win_rates(facts, by="partner_id", period=period).set_index("partner_id")
    won = _window(facts, period, 1)
    won = won[(won["stage"] == "won") & (won["channel"] == "partner")]
    median_days = won.groupby("partner_id")["days_to_close"].median()
    revenue, won_deals = ids.map(now["revenue"]), ids.map(now["won_deals"])
    flow = pipeline(facts, period=period).set_index("partner_id")
    return pd.DataFrame({
        "partner_id": ids.to_numpy(),
        "deals_registered": ids.map(now["created_deals"]).fillna(0.0).to_numpy(),
        "win_rate": ids.map(rates["win_rate"]).to_numpy(),
        "avg_deal_size": (revenue / won_deals.where(won_deals > 0)).to_numpy(),
        "days_to_close": ids.map(median_days).astype(float).to_numpy(),
        "open_pipeline": ids.map(flow["open_pipeline"]).to_numpy(),
        "pipeline_coverage": ids.map(flow["pipeline_coverage"]).to_numpy(),
    })
