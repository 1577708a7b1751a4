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

from .errors import InputError
from .insight_thresholds import DEFAULT_THRESHOLDS, threshold_problems
from .metrics.checks import resolve_period
from .metrics.registry import format_value
from .params import Params
from .periods import is_complete, periods_per_year, window_phrase
from .rollup import Rollup

__all__ = ["DEFAULT_THRESHOLDS", "INSIGHT_COLUMNS", "partner_insights", "program_insights", "thresholds"]

INSIGHT_COLUMNS = ["scope", "partner_id", "rule", "kind", "severity", "kpi", "value", "title", "action"]

_KIND_ORDER = {"improvement": 0, "strength": 1}


def thresholds(params: Params) -> dict[str, float]:
    """Insight thresholds: defaults overridden by ``params.insights``.

    Raises
    ------
    InputError
        Naming any key of ``params.insights`` that is not a known threshold,
        or a value it cannot take (see :func:`~partner_analytics.insight_thresholds.threshold_problems`).
    """
    problems = threshold_problems(params.insights)
    if problems:
        raise InputError("\n".join(f"{params.source}: {problem}" for problem in problems))
    return {**DEFAULT_THRESHOLDS, **{k: float(v) for k, v in params.insights.items()}}


@dataclass(frozen=True)
class _Finding:
    rule: str
    kind: str
    severity: int
    kpi: str | None
    value: float
    title: str
    action: str


_PartnerRule = Callable[[pd.DataFrame, "_PartnerFacts", Mapping[str, float]], Iterator[pd.DataFrame]]


@dataclass(frozen=True)
class _PartnerFacts:
    """Per-partner arrays the rules need, computed once, aligned with the enrolled partners' KPI rows."""

    revenue_history: np.ndarray  # partners × periods revenue up to the reporting one (NaN: not enrolled)
    composite: np.ndarray
    closed_deals: np.ndarray  # deals won or lost in the reporting period
    csat_prior: np.ndarray  # CSAT a year earlier (the trailing year ending a year ago)
    year_ago: str = "same period last year"  # what year-on-year growth compares with (same days when partial)
    so_far: str = "this period"  # the reporting period in a sentence ("so far this period" when partial)


def _fmt(kpi: str, value: float) -> str:
    return format_value(kpi, value)


def _found(kpis: pd.DataFrame, mask, rule: str, kind: str, severity, kpi: str | None, value, titles, action: str):
    """The findings of one rule for the KPI rows where ``mask`` holds (``titles``: one per such row)."""
    mask = np.asarray(mask, dtype=bool)
    picked = np.flatnonzero(mask)
    return pd.DataFrame({
        "_row": picked,
        "partner_id": kpis["partner_id"].to_numpy()[picked],
        "rule": rule, "kind": kind,
        "severity": np.broadcast_to(np.asarray(severity), mask.shape)[picked],
        "kpi": kpi,
        "value": np.broadcast_to(np.asarray(value, dtype=float), mask.shape)[picked],
        "title": list(titles), "action": action,
    })


def _values(kpis: pd.DataFrame, column: str) -> np.ndarray:
    return kpis[column].to_numpy(dtype=float, na_value=np.nan)


def _falling(history: np.ndarray, n: int) -> np.ndarray:
    """Partners whose revenue fell in each of the last ``n`` periods (all False with fewer periods)."""
    if history.shape[1] < n + 1:
        return np.zeros(history.shape[0], dtype=bool)
    with np.errstate(invalid="ignore"):
        return (np.diff(history[:, -(n + 1):], axis=1) < 0).all(axis=1)


def _revenue_decline(kpis, facts: _PartnerFacts, t) -> Iterator[pd.DataFrame]:
    n = int(t["decline_periods"])
    history = facts.revenue_history
    if history.shape[1] < n + 1:
        return
    recent = history[:, -(n + 1):]
    falling = _falling(history, n)
    with np.errstate(invalid="ignore"):
        drop = np.where(recent[:, 0] > 0, recent[:, -1] / np.where(recent[:, 0] > 0, recent[:, 0], 1) - 1, np.nan)
    revenue = _values(kpis, "revenue")
    titles = (f"Revenue has fallen {n} periods in a row, to {_fmt('revenue', revenue[i])}"
              + (f" ({drop[i]:.0%} since {n} periods ago)." if np.isfinite(drop[i]) else ".")
              for i in np.flatnonzero(falling))
    yield _found(kpis, falling, "revenue_decline", "improvement", 3, "revenue", revenue, titles,
                 "Plan a joint campaign with your channel manager and apply for MDF to rebuild pipeline.")


def _no_revenue(kpis, facts: _PartnerFacts, t) -> Iterator[pd.DataFrame]:
    """An enrolled partner that won no revenue in the period (and whose revenue is not already falling to it)."""
    revenue = _values(kpis, "revenue")
    none = (revenue == 0) & ~_falling(facts.revenue_history, int(t["decline_periods"]))
    titles = (f"No partner revenue was won {facts.so_far}." for _ in np.flatnonzero(none))
    yield _found(kpis, none, "no_revenue", "improvement", 2, "revenue", revenue, titles,
                 "Review your open deals with your channel manager and agree which to close next.")


def _attainment(kpis, facts, t) -> Iterator[pd.DataFrame]:
    value = _values(kpis, "revenue_attainment")
    with np.errstate(invalid="ignore"):
        low, high = value < t["attainment_low"], value >= t["attainment_high"]
    titles = (f"Revenue reached {_fmt('revenue_attainment', v)} of target." for v in value[low])
    yield _found(kpis, low, "behind_target", "improvement", np.where(value < t["attainment_low"] / 2, 3, 2),
                 "revenue_attainment", value, titles,
                 "Review the open pipeline with your channel manager and focus on deals that can close this period.")
    titles = (f"Revenue reached {_fmt('revenue_attainment', v)} of target." for v in value[high])
    yield _found(kpis, high, "target_beaten", "strength", 3, "revenue_attainment", value, titles,
                 "Keep the momentum: ask your channel manager about the next tier's benefits and co-selling plays.")


def _growth(kpis, facts, t) -> Iterator[pd.DataFrame]:
    value = _values(kpis, "revenue_growth_yoy")
    with np.errstate(invalid="ignore"):
        strong = value >= t["growth_high"]
    titles = (f"Revenue grew {_fmt('revenue_growth_yoy', v)} on the {facts.year_ago}." for v in value[strong])
    yield _found(kpis, strong, "strong_growth", "strength", 2, "revenue_growth_yoy", value, titles,
                 "Share what worked with your channel manager so it can be repeated in joint campaigns.")


def _enablement(kpis, facts, t) -> Iterator[pd.DataFrame]:
    value = _values(kpis, "engagement_index")
    with np.errstate(invalid="ignore"):
        low = value < t["engagement_low"]
    titles = (f"Engagement index is {_fmt('engagement_index', v)} of 100: little training, certification or portal use."
              for v in value[low])
    yield _found(kpis, low, "low_enablement", "improvement", 2, "engagement_index", value, titles,
                 "Enrol your sales and technical staff in training and certification, and book a QBR.")


def _win_rate(kpis, facts, t) -> Iterator[pd.DataFrame]:
    value, closed = _values(kpis, "win_rate"), facts.closed_deals
    with np.errstate(invalid="ignore"):
        low = (value < t["win_rate_low"]) & (closed >= t["min_closed_deals"])
    titles = (f"Win rate is {_fmt('win_rate', v)} on {int(c)} closed deals." for v, c in zip(value[low], closed[low]))
    yield _found(kpis, low, "low_win_rate", "improvement", 2, "win_rate", value, titles,
                 "Ask for deal coaching and competitive training; qualify opportunities earlier.")


def _pipeline(kpis, facts, t) -> Iterator[pd.DataFrame]:
    value = _values(kpis, "pipeline_coverage")
    with np.errstate(invalid="ignore"):
        thin = value < t["coverage_low"]
    titles = (f"Open pipeline covers {v:.1f}× next period's revenue target." for v in value[thin])
    yield _found(kpis, thin, "thin_pipeline", "improvement", 2, "pipeline_coverage", value, titles,
                 "Register more opportunities: run a demand-generation campaign with your channel manager.")


def _csat(kpis, facts, t) -> Iterator[pd.DataFrame]:
    now, before = _values(kpis, "csat"), facts.csat_prior
    with np.errstate(invalid="ignore"):
        dropped = before - now >= t["csat_drop"]
    titles = (f"Customer satisfaction fell from {_fmt('csat', b)} to {_fmt('csat', v)} in a year."
              for b, v in zip(before[dropped], now[dropped]))
    yield _found(kpis, dropped, "csat_drop", "improvement", 3, "csat", now, titles,
                 "Hold a service review: look at recent CSAT comments and escalations with your channel manager.")


def _mdf(kpis, facts, t) -> Iterator[pd.DataFrame]:
    used, roi = _values(kpis, "mdf_utilisation"), _values(kpis, "mdf_roi")
    with np.errstate(invalid="ignore"):
        unused, negative = used < t["mdf_utilisation_low"], roi < 0
    titles = (f"Only {_fmt('mdf_utilisation', v)} of approved marketing funds were claimed." for v in used[unused])
    yield _found(kpis, unused, "mdf_unused", "improvement", 1, "mdf_utilisation", used, titles,
                 "Claim the remaining funds before they expire, or plan the activity they were approved for.")
    titles = (f"Marketing funds returned less revenue than they cost (ROI {_fmt('mdf_roi', v)})."
              for v in roi[negative])
    yield _found(kpis, negative, "mdf_negative_roi", "improvement", 2, "mdf_roi", roi, titles,
                 "Review the MDF plan with your channel manager and shift funds to activities that produced deals.")


def _high_performer(kpis, facts, t) -> Iterator[pd.DataFrame]:
    score = facts.composite
    with np.errstate(invalid="ignore"):
        high = score >= t["high_performer_score"]
    titles = (f"Scorecard composite of {v:.0f} out of 100 puts you among the strongest partners of your type."
              for v in score[high])
    yield _found(kpis, high, "high_performer", "strength", 3, None, score, titles,
                 "You qualify for rewards and recognition: talk to your channel manager about co-marketing.")


PARTNER_RULES: tuple[_PartnerRule, ...] = (
    _revenue_decline, _no_revenue, _attainment, _csat, _win_rate, _pipeline, _enablement, _mdf, _growth,
    _high_performer,
)
"""Partner rules in ranking order (ties are broken by this order); each is vectorised over all partners."""


def _partner_facts(
    facts: Rollup, kpis: pd.DataFrame, params: Params, period: pd.Period, card: pd.DataFrame | None
) -> _PartnerFacts:
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
    card = scorecard(kpis, params) if card is None else card  # scored among all partners, enrolled or not
    ids = kpis.loc[kpis["enrolled"].to_numpy(dtype=bool), "partner_id"].reset_index(drop=True)
    return _PartnerFacts(
        revenue_history=history.reindex(ids).to_numpy(dtype=float, na_value=np.nan),
        composite=ids.map(card.set_index("partner_id")["composite"]).to_numpy(dtype=float, na_value=np.nan),
        closed_deals=ids.map(current["won_deals"] + current["lost_deals"]).fillna(0).to_numpy(dtype=float),
        csat_prior=ids.map(csat_prior).to_numpy(dtype=float, na_value=np.nan),
        year_ago="same period last year" if last == period else "same days of the same period last year",
        so_far="this period" if last == period else "so far this period",
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


def partner_insights(facts: Rollup, kpis: pd.DataFrame, params: Params, *, period: pd.Period | str | None = None,
                     scorecard: pd.DataFrame | None = None) -> pd.DataFrame:
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
    scorecard
        :func:`~partner_analytics.metrics.scorecard.scorecard` of ``kpis``,
        when the caller has it already (computed here otherwise).

    Returns
    -------
    DataFrame
        :data:`INSIGHT_COLUMNS`, one row per finding, grouped by partner and
        ranked within it (improvements first, most severe first). Partners
        with nothing to say have no rows.
    """
    t = thresholds(params)
    period = resolve_period(facts, period)
    enrolled = kpis[kpis["enrolled"].to_numpy(dtype=bool)].reset_index(drop=True)
    pf = _partner_facts(facts, kpis, params, period, scorecard)
    found = [f.assign(_rule=i) for i, f in enumerate(part for rule in PARTNER_RULES for part in rule(enrolled, pf, t))]
    found = [f for f in found if len(f)]
    if not found:
        return _to_frame([])
    # partner by partner, rule by rule (the order the findings are ranked from), then ranked
    rows = pd.concat(found, ignore_index=True).sort_values(["_row", "_rule"], kind="stable")
    return _to_frame(rows.assign(scope="partner")[INSIGHT_COLUMNS].to_dict("records"))


def _program_findings(facts: Rollup, kpis: pd.DataFrame, params: Params, period: pd.Period,
                      year_ago_revenue: float | None) -> Iterator[_Finding]:
    from .metrics.concentration import concentration_summary
    from .metrics.deals import time_to_close, win_rates
    from .metrics.revenue import channel_revenue

    t = thresholds(params)
    year = periods_per_year(facts.freq)
    window = window_phrase(facts.freq)  # what the trailing-year findings cover, in words

    channel = channel_revenue(facts).set_index("period")
    complete = is_complete(period, facts.as_of)
    same = "same period last year" if complete else "same days of the same period last year"
    if period - year in channel.index:
        now = channel.loc[period, "partner_revenue"]
        before = channel.loc[period - year, "partner_revenue"] if complete else year_ago_revenue
        if before is not None and before > 0 and now < before:
            yield _Finding(
                "channel_revenue_down", "improvement", 3, "revenue", now / before - 1,
                f"Partner revenue is {1 - now / before:.0%} below the {same} "
                f"({_fmt('revenue', now)} vs {_fmt('revenue', before)}).",
                "Launch a joint demand-generation campaign with the top partners of each type and prioritise MDF.",
            )
        elif before is not None and before > 0 and now / before - 1 >= t["growth_high"]:
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
            f"partners bring {summary['top_10pct_share']:.0%} of partner revenue over {window} "
            f"(Gini {summary['gini']:.2f}): losing one of them would hurt.",
            "Reduce the dependency: develop mid-tier partners with enablement and targeted MDF.",
        )
    if producing < t["producing_share_low"]:  # always among enrolled partners, whatever the population
        yield _Finding(
            "few_partners_producing", "improvement", 2, None, producing,
            f"Only {producing:.0%} of partners generated revenue in {window}.",
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
                f"Over {window}, partner deals closed {faster:.0f} days faster than direct deals and won "
                f"{_fmt('win_rate', rates.loc['partner', 'win_rate'])} vs "
                f"{_fmt('win_rate', rates.loc['direct', 'win_rate'])}.",
                "Invest in the channel: route more opportunities through partners and expand co-selling.",
            )
        elif faster < 0 and better < 0:
            yield _Finding(
                "direct_outperforms_channel", "improvement", 2, "win_rate", rates.loc["partner", "win_rate"],
                f"Over {window}, direct deals closed faster and won more often than partner deals.",
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


def program_insights(facts: Rollup, kpis: pd.DataFrame, params: Params, *, period: pd.Period | str | None = None,
                     year_ago_revenue: float | None = None) -> pd.DataFrame:
    """Ranked program-level findings with recommended actions (internal audience).

    Parameters
    ----------
    facts, kpis, params, period
        As for :func:`partner_insights`.
    year_ago_revenue
        Partner revenue of the same days of the period a year earlier: the
        like-for-like base when ``period`` is still partial (see
        :func:`~partner_analytics.periods.same_days_as_of`). Without it, a
        partial period is not compared with the year before.

    Returns
    -------
    DataFrame
        :data:`INSIGHT_COLUMNS` with ``scope`` "program" and ``partner_id`` NA.
    """
    period = resolve_period(facts, period)
    findings = _program_findings(facts, kpis, params, period, year_ago_revenue)
    rows = [{"scope": "program", "partner_id": pd.NA, **f.__dict__} for f in findings]
    return _to_frame(rows)
