"""Everything the program overview shows, computed from the report context.

The overview is internal (leadership), so it may name partners, e.g. in the
lists of partners to reward and to support.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..insights import thresholds
from ..labels import label
from ..metrics import cohorts, concentration, deals, mdf, revenue, satisfaction, targets, tiers
from ..periods import periods_per_year
from ..plots import cohorts as cohort_plots
from ..plots import deals as deal_plots
from ..plots import engagement as engagement_plots
from ..plots import revenue as revenue_plots
from ..plots import scorecard as scorecard_plots
from ..plots.empty import PanelFigure
from .context import ReportContext
from .wording import partial_last_bar

__all__ = ["OverviewView", "overview_view", "overview_figures"]

TOP_PERFORMERS = 10
AT_RISK = 15
LIKELY_QUIET = 15


@dataclass(frozen=True)
class OverviewView:
    """Frames and numbers for the program overview (see the template for how each is shown)."""

    period: pd.Period
    as_of: pd.Timestamp
    period_label: str
    versus: str
    coverage_note: str
    window: str
    partial_note: str | None
    enrolled: int
    insights: pd.DataFrame
    tiles: pd.DataFrame
    channel: pd.DataFrame
    revenue_trend: pd.DataFrame
    concentration: pd.Series
    concentration_trend: pd.DataFrame
    lorenz: pd.DataFrame
    pareto: pd.DataFrame
    revenue_at_risk: pd.DataFrame
    revenue_by: dict[str, pd.DataFrame]
    win_rates: pd.DataFrame
    time_to_close: pd.DataFrame
    closes_same_day: bool
    retention: pd.DataFrame
    time_to_first_deal: pd.DataFrame
    correlations: pd.DataFrame | None
    correlation_sentences: list[str]
    has_survey_correlations: bool
    top_performers: pd.DataFrame
    at_risk: pd.DataFrame
    has_targets: bool
    tier_distribution: pd.DataFrame
    scorecard: pd.DataFrame
    mdf: pd.DataFrame | None
    likely_quiet: pd.DataFrame | None = None
    likely_quiet_summary: str = ""


def _year(context: ReportContext) -> int:
    return periods_per_year(context.facts.freq)


def _correlations(context: ReportContext) -> tuple[pd.DataFrame | None, list[str]]:
    if "surveys" not in context.facts.available:
        return None, []
    corr = satisfaction.satisfaction_correlations(context.facts, period=context.period, periods=_year(context),
                                                  min_responses=int(thresholds(context.params)["min_responses"]))
    spearman = corr[corr["method"] == "spearman"]
    sentences = []
    for row in spearman.itertuples(index=False):
        if pd.isna(row.r):
            continue
        strength = "significant" if row.significant else "not significant"
        sentences.append(
            f"{label(row.x)} vs {label(row.y).lower()}: Spearman r = {row.r:.2f} "
            f"(95 % CI {row.ci_low:.2f} to {row.ci_high:.2f}, n = {row.n:,.0f}): {strength}."
        )
    return corr, sentences


def _top_performers(context: ReportContext) -> pd.DataFrame:
    table = context.tiers.merge(context.kpis[["partner_id", "partner_name", "revenue", "enrolled"]], on="partner_id")
    table = table[table["enrolled"] & table["composite"].notna()]
    return table.sort_values(["composite", "partner_id"], ascending=[False, True]).head(TOP_PERFORMERS)


def _at_risk(context: ReportContext) -> pd.DataFrame:
    risky = targets.at_risk_partners(context.facts, period=context.period)
    risky = risky[risky["kpi"] == "revenue"] if "kpi" in risky else risky
    names = context.kpis.set_index("partner_id")[["partner_name", "partner_type"]]
    return risky.join(names, on="partner_id").head(AT_RISK)


def _upto(frame: pd.DataFrame, period: pd.Period) -> pd.DataFrame:
    """The rows of ``frame`` up to the reporting period (the overview never shows later periods)."""
    return frame[frame["period"] <= period].reset_index(drop=True)


TREND_ROWS = 8


def _quarterly(trend: pd.DataFrame, period: pd.Period, year: int) -> pd.DataFrame:
    """The last :data:`TREND_ROWS` rows a quarter apart, ending at ``period`` (two years of trailing-year figures).

    On a monthly grain every third month is kept, so the table is as short as a quarterly one.
    """
    step = year // 4  # periods in a quarter
    behind = period.ordinal - trend["period"].map(lambda p: p.ordinal)
    return trend[behind % step == 0].tail(TREND_ROWS).reset_index(drop=True)


def _likely_quiet(context: ReportContext) -> tuple[pd.DataFrame | None, str]:
    """The partners most likely to go quiet (None when nothing is scored) and the backtest sentence."""
    warning = context.early_warning
    if warning is None:
        return None, ""
    if not warning.ok:
        return None, warning.summary()
    names = context.kpis.set_index("partner_id")[["partner_name", "partner_type"]]
    table = warning.scores.head(LIKELY_QUIET).join(names, on="partner_id")
    table = table.assign(
        likelihood=[f"{band} ({p:.0%})".replace("%", " %") for band, p in zip(table["band"], table["probability"])],
        reasons=["; ".join(r) for r in table["reasons"]],
    )
    return table, warning.summary()


def overview_view(context: ReportContext) -> OverviewView:
    """Compute the program overview of ``context``."""
    facts, period, year = context.facts, context.period, _year(context)
    population = context.params.concentration.population
    values = concentration.partner_revenue(facts, period=period, window=year, population=population)
    summary = concentration.concentration_summary(facts, period=period, window=year, population=population).iloc[0]
    correlations, sentences = _correlations(context)
    first_deal = cohorts.time_to_first_deal(facts, by="partner_type")
    cycle = deals.time_to_close(facts, period=period, periods=year)
    likely_quiet, likely_quiet_summary = _likely_quiet(context)
    mdf_by_type = mdf.mdf_summary(facts, by="partner_type", period=period, periods=year) \
        if "mdf" in facts.available else None
    return OverviewView(
        period=period,
        as_of=facts.as_of,
        period_label=context.coverage.label,
        versus=context.coverage.versus(),
        coverage_note=context.coverage.note(),
        window=context.coverage.window,
        partial_note=None if context.coverage.complete else partial_last_bar(context.coverage.label),
        enrolled=int(context.kpis["enrolled"].sum()),
        insights=context.program_insights,
        tiles=context.program_tiles.dropna(subset=["value", "prior"], how="all").reset_index(drop=True),
        channel=_upto(revenue.channel_revenue(facts), period),
        revenue_trend=_upto(revenue.revenue_trend(facts), period),
        concentration=summary,
        concentration_trend=_quarterly(_upto(concentration.concentration_trend(facts, window=year,
                                                                          population=population), period),
                                         period, year),
        lorenz=concentration.lorenz_curve(values),
        pareto=concentration.pareto_curve(values),
        revenue_at_risk=concentration.revenue_at_risk(values, k=5),
        revenue_by={by: revenue.revenue_by(facts, by=by, period=period) for by in ("partner_type", "tier", "region")},
        win_rates=deals.win_rates(facts, by="channel", period=period, periods=year),
        time_to_close=cycle,
        closes_same_day=not (cycle[["median", "p75"]] > 0).any().any(),
        retention=cohorts.revenue_retention(facts, by="year"),
        time_to_first_deal=first_deal,
        correlations=correlations,
        correlation_sentences=sentences,
        has_survey_correlations=correlations is not None and bool(
            correlations.loc[correlations["x"].isin(["psat", "partner_nps", "csat"]), "r"].notna().any()),
        top_performers=_top_performers(context),
        at_risk=_at_risk(context),
        has_targets=bool((targets.targets_in_period(facts, period=period)["kpi"] == "revenue").any()),
        tier_distribution=tiers.tier_distribution(context.tiers),
        scorecard=context.scorecard,
        mdf=mdf_by_type,
        likely_quiet=likely_quiet,
        likely_quiet_summary=likely_quiet_summary,
    )


def overview_figures(view: OverviewView) -> dict[str, PanelFigure]:
    """The charts the program overview draws for ``view``, by section; a section that shows a note instead is left out.

    Without a time-to-close chart (every deal closed on its creation day) the
    deals figure holds the win rates alone, at half the width.
    """
    deals = [(deal_plots.plot_win_rate, view.win_rates, {})]
    if not view.closes_same_day:
        deals.append((deal_plots.plot_time_to_close, view.time_to_close, {}))
    figures = {
        "revenue": PanelFigure([(revenue_plots.plot_revenue_trend, view.revenue_trend, {}),
                                (revenue_plots.plot_channel_share, view.channel, {})], figsize=(9, 7)),
        "concentration": PanelFigure([(revenue_plots.plot_lorenz, view.lorenz, {"gini": view.concentration["gini"]}),
                                      (revenue_plots.plot_pareto, view.pareto, {})], ncols=2, figsize=(10, 4)),
        "revenue_by": PanelFigure([(revenue_plots.plot_revenue_by, frame, {"by": by})
                                   for by, frame in view.revenue_by.items()], ncols=3, figsize=(12, 4)),
        "deals": PanelFigure(deals, ncols=2, figsize=(5 * len(deals), 4)),
        "cohorts": PanelFigure([(cohort_plots.plot_cohort_heatmap, view.retention, {}),
                                (cohort_plots.plot_time_to_first_deal, view.time_to_first_deal, {})], figsize=(10, 9)),
        "tiers": PanelFigure([(scorecard_plots.plot_tier_distribution, view.tier_distribution, {}),
                              (scorecard_plots.plot_composite_distribution, view.scorecard, {})], ncols=2,
                             figsize=(10, 4)),
    }
    if view.correlations is not None and view.has_survey_correlations:
        figures["correlations"] = PanelFigure([(engagement_plots.plot_correlation_matrix, view.correlations, {})],
                                              figsize=(6.4, 4.8))
    if view.mdf is not None and not view.mdf.empty and view.mdf["approved"].gt(0).any():
        figures["mdf"] = PanelFigure([(cohort_plots.plot_mdf_roi, view.mdf, {})], figsize=(6.4, 4.8))
    return figures
