"""Insights: rules over metrics that say what to do, not just what happened.

Each rule reads metrics (the per-partner KPI table and the rollup facts) and
thresholds from ``params.insights`` and yields findings. Partner rules are a
declarative table (:data:`~partner_analytics.insight_rules.PARTNER_RULES`)
evaluated over all partners at once; program rules are written out below.
A finding is one row with:

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

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .errors import InputError
from .insight_evaluation import evaluate_partner_rules, no_findings
from .insight_rules import INSIGHT_COLUMNS, KIND_ORDER
from .insight_thresholds import DEFAULT_THRESHOLDS, threshold_problems
from .metrics.checks import resolve_period
from .metrics.registry import KPIS, format_unit, format_value
from .lookup import positions_in
from .metrics.windows import in_window
from .params import Params
from .periods import is_complete, periods_per_year, window_phrase
from .rollup import Rollup

__all__ = ["DEFAULT_THRESHOLDS", "INSIGHT_COLUMNS", "partner_insights", "program_insights", "thresholds"]



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


def _fmt(kpi: str, value: float) -> str:
    return format_value(kpi, value)


def _values(kpis: pd.DataFrame, column: str) -> np.ndarray:
    return kpis[column].to_numpy(dtype=float, na_value=np.nan)


def _aligned(ids, keys, values) -> np.ndarray:
    """``values`` (labelled by ``keys``) in the order of ``ids``; NaN for an id without a value."""
    values = np.append(np.asarray(values, dtype=float), np.nan)
    return values[positions_in(ids, pd.Index(keys))]  # -1 picks the NaN


def _recent_revenue(periods: pd.DataFrame, ids, last: pd.Period, n: int) -> np.ndarray:
    """Partners × the last ``n + 1`` periods up to ``last`` in which any partner was enrolled: summed revenue
    (NaN where the partner has no enrolled row); fewer columns when fewer such periods exist."""
    period = periods["period"].array.asi8
    upto = (period <= last.ordinal) & periods["enrolled"].to_numpy(dtype=bool)
    columns = np.unique(period[upto])[-(n + 1):]
    rows = periods.loc[upto & np.isin(period, columns), ["partner_id", "period", "revenue"]]
    where = positions_in(rows["partner_id"], pd.Index(ids))
    known = where >= 0
    cell = where[known] * len(columns) + np.searchsorted(columns, rows["period"].array.asi8[known])
    revenue = rows["revenue"].to_numpy(dtype=float, na_value=np.nan)[known]
    size = len(ids) * len(columns)
    sums = np.bincount(cell, weights=np.nan_to_num(revenue), minlength=size)
    counts = np.bincount(cell, minlength=size)
    return np.where(counts > 0, sums, np.nan).reshape(len(ids), len(columns))


def _csat_a_year_earlier(facts: Rollup, ids, year_ago: pd.Period) -> np.ndarray:
    """CSAT of the trailing year ending at ``year_ago`` (as :func:`partner_satisfaction_kpis` scores it)."""
    if year_ago not in facts.periods or "surveys" not in facts.available:
        return np.full(len(ids), np.nan)
    surveys = facts.surveys
    rows = surveys[(surveys["survey"] == "csat").to_numpy(dtype=bool)
                   & in_window(surveys["period"], year_ago, periods_per_year(facts.freq)).to_numpy(dtype=bool)]
    sums = rows.groupby("partner_id")[["score_pct_sum", "responses"]].sum()
    responses = sums["responses"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        csat = np.where(responses > 0, sums["score_pct_sum"].to_numpy(dtype=float) / responses, np.nan)
    return _aligned(ids, sums.index.array, csat)


def _partner_table(facts: Rollup, kpis: pd.DataFrame, enrolled: np.ndarray, card: pd.DataFrame,
                   t: Mapping[str, float], period: pd.Period) -> dict[str, np.ndarray]:
    """``partner_id`` and every column the rules read (KPIs and :data:`~.insight_rules.DERIVED_COLUMNS`) for the
    ``enrolled`` rows of ``kpis``."""
    ids = kpis["partner_id"].array[enrolled]
    columns = {name: _values(kpis, name)[enrolled] for name in kpis.columns if name in KPIS}
    periods = facts.partner_periods
    # a period still in progress is not a fall in revenue: the trend rules read complete periods only
    last = period if is_complete(period, facts.as_of) else period - 1
    n = int(t["decline_periods"])
    recent = _recent_revenue(periods, ids, last, n)
    if recent.shape[1] < n + 1:
        falling = np.zeros(len(ids), dtype=bool)
        drop = np.full(len(ids), np.nan)
    else:
        with np.errstate(invalid="ignore", divide="ignore"):
            falling = (np.diff(recent, axis=1) < 0).all(axis=1)
            first = recent[:, 0]
            drop = np.where(first > 0, recent[:, -1] / np.where(first > 0, first, 1) - 1, np.nan)
    current = periods[(periods["period"].array.asi8 == period.ordinal)]
    closed = _aligned(ids, current["partner_id"].array, current["won_deals"] + current["lost_deals"])
    csat_prior = _csat_a_year_earlier(facts, ids, period - periods_per_year(facts.freq))
    columns.update(
        composite=_aligned(ids, card["partner_id"].array, card["composite"].to_numpy(dtype=float, na_value=np.nan)),
        closed_deals=np.nan_to_num(closed, nan=0.0),
        csat_prior=csat_prior,
        csat_fall=csat_prior - columns["csat"],
        revenue_falling=falling, revenue_steady=~falling, revenue_drop=drop,
        partner_id=ids,
    )
    return columns


def _to_frame(rows: list[dict]) -> pd.DataFrame:
    if not rows:
        return no_findings()
    frame = pd.DataFrame(rows, columns=INSIGHT_COLUMNS)
    order = frame["kind"].map(KIND_ORDER)
    frame = frame.assign(_order=order).sort_values(
        ["partner_id", "_order", "severity"], ascending=[True, True, False], kind="stable"
    )
    return frame.drop(columns="_order").reset_index(drop=True).astype({"severity": "int64", "value": "float64"})


def partner_insights(facts: Rollup, kpis: pd.DataFrame, params: Params, *, period: pd.Period | str | None = None,
                     scorecard: pd.DataFrame | None = None) -> pd.DataFrame:
    """Ranked findings with recommended actions for every enrolled partner.

    Evaluates :data:`~partner_analytics.insight_rules.PARTNER_RULES` over all enrolled partners at once.

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
    enrolled = kpis["enrolled"].to_numpy(dtype=bool)
    if scorecard is None:
        from .metrics.scorecard import scorecard as score

        scorecard = score(kpis, params)  # scored among all partners, enrolled or not
    table = _partner_table(facts, kpis, enrolled, scorecard, t, period)
    return evaluate_partner_rules(table, t, complete=is_complete(period, facts.as_of))


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

    producing = concentration_summary(facts, period=period, window=year).iloc[0]  # among all enrolled partners
    summary = (producing if params.concentration.population == "enrolled" else
               concentration_summary(facts, period=period, window=year,
                                     population=params.concentration.population).iloc[0])
    producing = producing["share_generating_revenue"]
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
                f"Over {window}, partner deals closed {format_unit('days', faster)} faster than direct deals and won "
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
