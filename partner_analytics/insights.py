"""Insights: rules over metrics that say what to do, not just what happened.

Each rule reads metrics (the per-partner KPI table and the rollup facts) and
thresholds from ``params.insights`` and yields findings. A finding is one row
with:

``scope``      ``partner`` or ``program``
``partner_id`` the partner (NA for program findings)
``rule``       the rule's name (stable, for filtering and tests)
``kind``       ``strength`` (keep doing it) or ``improvement`` (act on it)
``severity``   1 (note) .. 3 (act now); strengths use it as importance
``kpi``        the KPI the finding is about (registry name) or NA
``value``      that KPI's value
``title``      one plain-language sentence
``action``     the recommended action

Findings are ranked: improvements before strengths, then by severity, then
by rule order. Partner findings use only that partner's own numbers and
anonymised peer medians of its partner type, so they are safe to show the
partner.

Thresholds (``params.insights``; every key is optional, defaults in
:data:`DEFAULT_THRESHOLDS`): a key that is not listed there is an error, so a
typo cannot silently disable a rule.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .metrics.checks import resolve_period
from .metrics.registry import format_value
from .params import Params
from .periods import is_complete, periods_per_year, same_days_as_of
from .rollup import Rollup

__all__ = ["DEFAULT_THRESHOLDS", "INSIGHT_COLUMNS", "partner_insights", "program_insights", "thresholds"]

DEFAULT_THRESHOLDS: dict[str, float] = {
    "decline_periods": 2,  # revenue fell this many periods in a row
    "attainment_low": 0.8,  # revenue attainment below this = behind target
    "attainment_high": 1.2,  # at or above this = target beaten clearly
    "growth_high": 0.25,  # year-on-year growth at or above this = strong growth
    "engagement_low": 25,  # engagement index (0-100) below this = low enablement
    "win_rate_low": 0.25,  # win rate below this (with enough closed deals) = deal coaching
    "min_closed_deals": 4,  # closed deals needed before the win rate counts
    "coverage_low": 1.0,  # open pipeline below this multiple of next target = thin pipeline
    "csat_drop": 0.1,  # CSAT (fraction of scale) down by this much vs a year earlier
    "mdf_utilisation_low": 0.5,  # MDF claimed below this share of approved funds
    "high_performer_score": 80,  # composite score at or above this = reward
    "concentration_top10_high": 0.5,  # top 10 % of partners bring more than this share
    "producing_share_low": 0.6,  # fewer partners than this share produce revenue
    "min_responses": 1,  # survey responses a partner needs to count in the satisfaction correlations
}
"""Default insight thresholds; ``params.insights`` overrides any of them."""

INSIGHT_COLUMNS = ["scope", "partner_id", "rule", "kind", "severity", "kpi", "value", "title", "action"]

_KIND_ORDER = {"improvement": 0, "strength": 1}


def thresholds(params: Params) -> dict[str, float]:
    """Insight thresholds: defaults overridden by ``params.insights``.

    Raises
    ------
    ValueError
        Naming any key of ``params.insights`` that is not a known threshold,
        or a ``min_responses`` that is not an integer >= 1.
    """
    unknown = sorted(set(params.insights) - set(DEFAULT_THRESHOLDS))
    if unknown:
        raise ValueError(
            f"{params.source}: insights: unknown thresholds {unknown}; known: {', '.join(DEFAULT_THRESHOLDS)}"
        )
    merged = {**DEFAULT_THRESHOLDS, **{k: float(v) for k, v in params.insights.items()}}
    if not (merged["min_responses"] >= 1 and float(merged["min_responses"]).is_integer()):
        raise ValueError(f"{params.source}: insights.min_responses: must be an integer >= 1, "
                         f"got {params.insights['min_responses']!r}")
    return merged


@dataclass(frozen=True)
class _Finding:
    rule: str
    kind: str
    severity: int
    kpi: str | None
    value: float
    title: str
    action: str


_PartnerRule = Callable[[pd.Series, "_PartnerFacts", Mapping[str, float]], Iterator[_Finding]]


@dataclass(frozen=True)
class _PartnerFacts:
    """Per-partner series the rules need, computed once for all partners."""

    revenue_history: pd.DataFrame  # partner_id × period revenue, periods up to the reporting one
    composite: pd.Series
    closed_deals: pd.Series  # deals won or lost in the reporting period
    csat_prior: pd.Series  # CSAT a year earlier (trailing four periods ending four periods ago)
    year_ago: str = "same period last year"  # what year-on-year growth compares with (same days when partial)


def _fmt(kpi: str, value: float) -> str:
    return format_value(kpi, value)


def _revenue_decline(row, facts: _PartnerFacts, t) -> Iterator[_Finding]:
    n = int(t["decline_periods"])
    history = facts.revenue_history.loc[row.partner_id] if row.partner_id in facts.revenue_history.index else None
    if history is None or len(history) < n + 1:
        return
    recent = history.iloc[-(n + 1):].to_numpy()
    if (np.diff(recent) < 0).all():
        drop = recent[-1] / recent[0] - 1 if recent[0] > 0 else np.nan
        yield _Finding(
            "revenue_decline", "improvement", 3, "revenue", row.revenue,
            f"Revenue has fallen {n} periods in a row, to {_fmt('revenue', recent[-1])}"
            + (f" ({drop:.0%} since {n} periods ago)." if np.isfinite(drop) else "."),
            "Plan a joint campaign with your channel manager and apply for MDF to rebuild pipeline.",
        )


def _attainment(row, facts, t) -> Iterator[_Finding]:
    value = row.revenue_attainment
    if pd.isna(value):
        return
    if value < t["attainment_low"]:
        yield _Finding(
            "behind_target", "improvement", 3 if value < t["attainment_low"] / 2 else 2, "revenue_attainment", value,
            f"Revenue reached {_fmt('revenue_attainment', value)} of target.",
            "Review the open pipeline with your channel manager and focus on deals that can close this period.",
        )
    elif value >= t["attainment_high"]:
        yield _Finding(
            "target_beaten", "strength", 3, "revenue_attainment", value,
            f"Revenue reached {_fmt('revenue_attainment', value)} of target.",
            "Keep the momentum: ask your channel manager about the next tier's benefits and co-selling plays.",
        )


def _growth(row, facts, t) -> Iterator[_Finding]:
    value = row.revenue_growth_yoy
    if pd.notna(value) and value >= t["growth_high"]:
        yield _Finding(
            "strong_growth", "strength", 2, "revenue_growth_yoy", value,
            f"Revenue grew {_fmt('revenue_growth_yoy', value)} on the {facts.year_ago}.",
            "Share what worked with your channel manager so it can be repeated in joint campaigns.",
        )


def _enablement(row, facts, t) -> Iterator[_Finding]:
    value = row.engagement_index
    if pd.notna(value) and value < t["engagement_low"]:
        yield _Finding(
            "low_enablement", "improvement", 2, "engagement_index", value,
            f"Engagement index is {_fmt('engagement_index', value)} of 100: little training, certification or portal use.",
            "Enrol your sales and technical staff in training and certification, and book a QBR.",
        )


def _win_rate(row, facts, t) -> Iterator[_Finding]:
    value, closed = row.win_rate, facts.closed_deals.get(row.partner_id, 0)
    if pd.notna(value) and value < t["win_rate_low"] and closed >= t["min_closed_deals"]:
        yield _Finding(
            "low_win_rate", "improvement", 2, "win_rate", value,
            f"Win rate is {_fmt('win_rate', value)} on {int(closed)} closed deals.",
            "Ask for deal coaching and competitive training; qualify opportunities earlier.",
        )


def _pipeline(row, facts, t) -> Iterator[_Finding]:
    value = row.pipeline_coverage
    if pd.notna(value) and value < t["coverage_low"]:
        yield _Finding(
            "thin_pipeline", "improvement", 2, "pipeline_coverage", value,
            f"Open pipeline covers {value:.1f}× next period's revenue target.",
            "Register more opportunities: run a demand-generation campaign with your channel manager.",
        )


def _csat(row, facts, t) -> Iterator[_Finding]:
    now, before = row.csat, facts.csat_prior.get(row.partner_id, np.nan)
    if pd.notna(now) and pd.notna(before) and before - now >= t["csat_drop"]:
        yield _Finding(
            "csat_drop", "improvement", 3, "csat", now,
            f"Customer satisfaction fell from {_fmt('csat', before)} to {_fmt('csat', now)} in a year.",
            "Hold a service review: look at recent CSAT comments and escalations with your channel manager.",
        )


def _mdf(row, facts, t) -> Iterator[_Finding]:
    used, roi = row.mdf_utilisation, row.mdf_roi
    if pd.notna(used) and used < t["mdf_utilisation_low"]:
        yield _Finding(
            "mdf_unused", "improvement", 1, "mdf_utilisation", used,
            f"Only {_fmt('mdf_utilisation', used)} of approved marketing funds were claimed.",
            "Claim the remaining funds before they expire, or plan the activity they were approved for.",
        )
    if pd.notna(roi) and roi < 0:
        yield _Finding(
            "mdf_negative_roi", "improvement", 2, "mdf_roi", roi,
            f"Marketing funds returned less revenue than they cost (ROI {_fmt('mdf_roi', roi)}).",
            "Review the MDF plan with your channel manager and shift funds to activities that produced deals.",
        )


def _high_performer(row, facts, t) -> Iterator[_Finding]:
    score = facts.composite.get(row.partner_id, np.nan)
    if pd.notna(score) and score >= t["high_performer_score"]:
        yield _Finding(
            "high_performer", "strength", 3, None, score,
            f"Scorecard composite of {score:.0f} out of 100 puts you among the strongest partners of your type.",
            "You qualify for rewards and recognition: talk to your channel manager about co-marketing.",
        )


PARTNER_RULES: tuple[_PartnerRule, ...] = (
    _revenue_decline, _attainment, _csat, _win_rate, _pipeline, _enablement, _mdf, _growth, _high_performer,
)
"""Partner rules in ranking order (ties are broken by this order)."""


def _partner_facts(facts: Rollup, kpis: pd.DataFrame, params: Params, period: pd.Period) -> _PartnerFacts:
    from .metrics.satisfaction import partner_satisfaction_kpis
    from .metrics.scorecard import scorecard

    periods = facts.partner_periods
    # a period still in progress is not a fall in revenue: the trend rules read complete periods only
    last = period if is_complete(period, facts.as_of) else period - 1
    upto = periods[(periods["period"] <= last) & periods["enrolled"]]
    history = upto.pivot_table(index="partner_id", columns="period", values="revenue", aggfunc="sum", observed=True)
    current = periods[periods["period"] == period].set_index("partner_id")
    year_ago = period - periods_per_year(facts.freq)
    csat_prior = (
        partner_satisfaction_kpis(facts, period=year_ago).set_index("partner_id")["csat"]
        if year_ago in facts.periods else pd.Series(dtype=float)
    )
    return _PartnerFacts(
        revenue_history=history,
        composite=scorecard(kpis, params).set_index("partner_id")["composite"],
        closed_deals=current["won_deals"] + current["lost_deals"],
        csat_prior=csat_prior,
        year_ago="same period last year" if last == period else "same days of the same period last year",
    )


def _to_frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=INSIGHT_COLUMNS)
    if frame.empty:
        return frame.astype({"severity": "int64", "value": "float64"})
    order = frame["kind"].map(_KIND_ORDER)
    frame = frame.assign(_order=order).sort_values(
        ["partner_id", "_order", "severity"], ascending=[True, True, False], kind="stable"
    )
    return frame.drop(columns="_order").reset_index(drop=True).astype({"severity": "int64", "value": "float64"})


def partner_insights(facts: Rollup, kpis: pd.DataFrame, params: Params, *, period: pd.Period | str | None = None) -> pd.DataFrame:
    """Ranked findings with recommended actions for every enrolled partner.

    Parameters
    ----------
    facts
        Rollup of the program.
    kpis
        :func:`~partner_analytics.metrics.kpis.partner_kpis` for ``period``.
    params
        Programme parameters (``params.insights`` thresholds, scorecard weights).
    period
        Reporting period (default ``facts.period``).

    Returns
    -------
    DataFrame
        :data:`INSIGHT_COLUMNS`, one row per finding, grouped by partner and
        ranked within it (improvements first, most severe first). Partners
        with nothing to say have no rows.
    """
    t = thresholds(params)
    period = resolve_period(facts, period)
    pf = _partner_facts(facts, kpis, params, period)
    rows = []
    for row in kpis[kpis["enrolled"]].itertuples(index=False):
        for rule in PARTNER_RULES:
            for f in rule(row, pf, t):
                rows.append({"scope": "partner", "partner_id": row.partner_id, **f.__dict__})
    return _to_frame(rows)


def _partner_revenue_between(facts: Rollup, start: pd.Timestamp, end: pd.Timestamp) -> float:
    """Partner revenue (sourced + influenced) won from ``start`` to ``end`` inclusive: a like-for-like base."""
    deals = facts.closed_deals
    won = deals[(deals["stage"] == "won") & (deals["attribution"] != "direct")
                & (deals["closed_on"] >= start) & (deals["closed_on"] <= end)]
    return float(won["amount"].sum())


def _program_findings(facts: Rollup, kpis: pd.DataFrame, params: Params, period: pd.Period) -> Iterator[_Finding]:
    from .metrics.concentration import concentration_summary
    from .metrics.deals import time_to_close, win_rates
    from .metrics.revenue import channel_revenue

    t = thresholds(params)
    year = periods_per_year(facts.freq)

    channel = channel_revenue(facts).set_index("period")
    complete = is_complete(period, facts.as_of)
    same = "same period last year" if complete else "same days of the same period last year"
    if period - year in channel.index:
        now = channel.loc[period, "partner_revenue"]
        before = (channel.loc[period - year, "partner_revenue"] if complete
                  else _partner_revenue_between(facts, (period - year).start_time,
                                                same_days_as_of(period, facts.as_of, lag=year)))
        if before > 0 and now < before:
            yield _Finding(
                "channel_revenue_down", "improvement", 3, "revenue", now / before - 1,
                f"Partner revenue is {1 - now / before:.0%} below the {same} "
                f"({_fmt('revenue', now)} vs {_fmt('revenue', before)}).",
                "Launch a joint demand-generation campaign with the top partners of each type and prioritise MDF.",
            )
        elif before > 0 and now / before - 1 >= t["growth_high"]:
            yield _Finding(
                "channel_revenue_up", "strength", 2, "revenue", now / before - 1,
                f"Partner revenue grew {now / before - 1:.0%} on the {same}.",
                "Keep investing in the programme; recognise the partners behind the growth.",
            )

    summary = concentration_summary(facts, period=period, window=year,
                                    population=params.concentration.population).iloc[0]
    producing = concentration_summary(facts, period=period, window=year).iloc[0]["share_generating_revenue"]
    if summary["top_10pct_share"] > t["concentration_top10_high"]:
        yield _Finding(
            "revenue_concentrated", "improvement", 2, None, summary["top_10pct_share"],
            f"The top 10 % of {'producing ' if params.concentration.population == 'with_revenue' else ''}"
            f"partners bring {summary['top_10pct_share']:.0%} of partner revenue "
            f"(Gini {summary['gini']:.2f}): losing one of them would hurt.",
            "Reduce the dependency: develop mid-tier partners with enablement and targeted MDF.",
        )
    if producing < t["producing_share_low"]:  # always among enrolled partners, whatever the population
        yield _Finding(
            "few_partners_producing", "improvement", 2, None, producing,
            f"Only {producing:.0%} of partners generated revenue in the last year.",
            "Run an activation programme for non-producing partners: onboarding review, first-deal incentives.",
        )

    rates = win_rates(facts, by="channel", period=period, periods=year).set_index("channel")
    cycle = time_to_close(facts, period=period, periods=year).set_index("channel")
    if {"partner", "direct"} <= set(rates.index) and {"partner", "direct"} <= set(cycle.index):
        faster = cycle.loc["direct", "median"] - cycle.loc["partner", "median"]
        better = rates.loc["partner", "win_rate"] - rates.loc["direct", "win_rate"]
        if faster > 0 and better >= 0:
            yield _Finding(
                "channel_outperforms_direct", "strength", 3, "win_rate", rates.loc["partner", "win_rate"],
                f"Partner deals close {faster:.0f} days faster than direct deals and win "
                f"{_fmt('win_rate', rates.loc['partner', 'win_rate'])} vs {_fmt('win_rate', rates.loc['direct', 'win_rate'])}.",
                "Invest in the channel: route more opportunities through partners and expand co-selling.",
            )
        elif faster < 0 and better < 0:
            yield _Finding(
                "direct_outperforms_channel", "improvement", 2, "win_rate", rates.loc["partner", "win_rate"],
                "Direct deals close faster and win more often than partner deals.",
                "Review partner enablement and deal registration; coach partners on qualification.",
            )

    enrolled = kpis[kpis["enrolled"]]
    behind = (enrolled["revenue_attainment"] < t["attainment_low"]).sum()
    if behind:
        yield _Finding(
            "partners_behind_target", "improvement", 2, "revenue_attainment", float(behind),
            f"{behind} partner(s) are below {t['attainment_low']:.0%} of their revenue target this period.",
            "Give the at-risk list to channel managers for pipeline reviews this period.",
        )


def program_insights(facts: Rollup, kpis: pd.DataFrame, params: Params, *, period: pd.Period | str | None = None) -> pd.DataFrame:
    """Ranked program-level findings with recommended actions (internal audience).

    Parameters
    ----------
    facts, kpis, params, period
        As for :func:`partner_insights`.

    Returns
    -------
    DataFrame
        :data:`INSIGHT_COLUMNS` with ``scope`` "program" and ``partner_id`` NA.
    """
    period = resolve_period(facts, period)
    rows = [{"scope": "program", "partner_id": pd.NA, **f.__dict__} for f in _program_findings(facts, kpis, params, period)]
    return _to_frame(rows)
