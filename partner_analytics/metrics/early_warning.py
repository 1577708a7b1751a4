"""Early warning, part 1: the target, the features and who is scored (pure pandas, no model).

Every row of the *panel* is one partner at the end of one period ``t`` (the
*origin*). Its features use the facts of periods ``<= t`` only, so a score
made at the end of ``t`` could really have been made then; its target looks
at the ``horizon`` periods after ``t``. The model that turns features into a
probability lives in :mod:`partner_analytics.metrics.early_warning_model`, the backtest in
:mod:`partner_analytics.metrics.early_warning_backtest`.

Target
    ``quiet`` = 1 when the partner wins **no revenue** in periods
    ``t+1 .. t+horizon``. Variant (``drop_pct`` = X, a fraction): quiet when
    the revenue of those periods is more than X below the revenue of the
    ``horizon`` periods up to ``t`` (``next < (1 − X) × last``). The target is
    NaN when ``t+horizon`` is not a complete period yet.
Features (``W`` = the last 4 periods ``t−3 .. t``; "last 2" = ``t−1 .. t``, "prior 2" = ``t−3 .. t−2``)
    ``revenue_w`` won revenue in W (currency); ``revenue_trend`` = (last 2 −
    prior 2) / (last 2 + prior 2) in −1..1 (NaN when both are 0);
    ``active_periods`` periods of W with won revenue (0..4);
    ``periods_since_win`` periods since the last period with won revenue (0 =
    won in ``t``; NaN = never); ``created_deals_w``, ``won_deals_w``;
    ``win_rate_w`` = won / (won + lost) in W (NaN when nothing closed);
    ``open_pipeline`` (snapshot at the end of ``t``); ``engagement_w`` summed
    activity quantity in W and ``engagement_change`` = last 2 / prior 2 − 1
    (NaN when prior 2 is 0) [engagement table]; ``satisfaction`` mean survey
    score as a fraction of the scale and ``nps`` (−100..100) in W [surveys];
    ``attainment`` revenue-target attainment at the pace of time (revenue so
    far in the target windows open at ``t`` / the pro-rata target so far)
    [targets]; ``mdf_approved_w`` MDF amount approved in W [mdf; only
    approvals are dated, so claims, which may come later, are not used];
    ``tenure_periods`` periods since onboarding; ``partner_type`` and
    ``tier`` (categories). A feature of a missing optional table is dropped.
    NaN stays NaN here; the model imputes it.
Eligibility
    A partner is scored at ``t`` when it is enrolled in ``t``, has at least
    ``min_history_periods`` periods of history (since onboarding, and inside
    the data), and won revenue in at least one period of W (partners that
    never sold, or stopped a year ago, are not "going" quiet).

Known limit: ``tier`` and ``partner_type`` are today's values from the
partners table (there is no tier history), so for past origins they may
already reflect what happened later.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..periods import is_complete
from ..rollup import Rollup

__all__ = [
    "WINDOW",
    "NUMERIC_FEATURES",
    "CATEGORICAL_FEATURES",
    "FEATURE_TABLES",
    "WarningSettings",
    "quiet_target",
    "warning_features",
    "warning_panel",
    "available_features",
    "feature_label",
    "period_word",
    "periods_after",
]

WINDOW = 4
"""Feature window in periods (``t−3 .. t``)."""

NUMERIC_FEATURES = (
    "revenue_w", "revenue_trend", "active_periods", "periods_since_win",
    "created_deals_w", "won_deals_w", "win_rate_w", "open_pipeline",
    "engagement_w", "engagement_change", "satisfaction", "nps",
    "attainment", "mdf_approved_w", "tenure_periods",
)
CATEGORICAL_FEATURES = ("partner_type", "tier")

FEATURE_LABELS = {
    "revenue_w": f"Revenue, last {WINDOW} periods", "revenue_trend": "Revenue trend, last 2 vs prior 2 periods",
    "active_periods": f"Periods with revenue, of the last {WINDOW}", "periods_since_win": "Periods since the last win",
    "created_deals_w": f"Deals registered, last {WINDOW} periods", "won_deals_w": f"Deals won, last {WINDOW} periods",
    "win_rate_w": f"Win rate, last {WINDOW} periods", "open_pipeline": "Open pipeline",
    "engagement_w": f"Engagement activities, last {WINDOW} periods", "engagement_change": "Engagement change",
    "satisfaction": "Partner satisfaction", "nps": "Partner NPS", "attainment": "Revenue target attainment",
    "mdf_approved_w": f"MDF approved, last {WINDOW} periods", "tenure_periods": "Periods in the programme",
    "partner_type": "Partner type", "tier": "Tier",
}
"""Plain-language name of each feature, for charts and tables."""

FEATURE_TABLES = {
    "engagement_w": "engagement", "engagement_change": "engagement",
    "satisfaction": "surveys", "nps": "surveys",
    "attainment": "targets", "mdf_approved_w": "mdf",
}
"""Optional table each feature needs; features not listed need only partners and deals."""


@dataclass(frozen=True)
class WarningSettings:
    """How the early warning is defined (the ``early_warning`` section of ``params``).

    Attributes
    ----------
    horizon
        Periods ahead: quiet = no won revenue in the next ``horizon`` periods.
    min_history_periods
        Periods of history a partner needs before it is scored.
    drop_pct
        ``None`` for the "no revenue" target, else the fraction (0..1] by which
        revenue must fall to count as quiet.
    min_events
        Fewest quiet events the backtest needs before any score is shown.
    """

    horizon: int = 1
    min_history_periods: int = 4
    drop_pct: float | None = None
    min_events: int = 20


# --- period arithmetic: what a complete period is comes from partner_analytics.periods ---------------------------

def _complete_periods(facts: Rollup) -> pd.PeriodIndex:
    """Periods of ``facts`` that ended on or before ``as_of``."""
    return facts.periods[[is_complete(period, facts.as_of) for period in facts.periods]]


def _period_number(periods: pd.Series | pd.PeriodIndex) -> np.ndarray:
    """Periods as consecutive integers (same freq), so that ``t + 1`` is the next period."""
    return pd.PeriodIndex(periods).asi8


def _onboarding_number(onboarded: pd.Series, freq: str) -> np.ndarray:
    """Period number of each onboarding date (dates are required, so never NaT)."""
    return _period_number(onboarded.dt.to_period(freq))


def periods_after(origin: pd.Period, horizon: int) -> str:
    """The ``horizon`` periods after ``origin`` as text.

    Examples
    --------
    >>> periods_after(pd.Period("2025Q4"), 1), periods_after(pd.Period("2025-11", "M"), 3)
    ('2026Q1', '2025-12–2026-02')
    """
    first, last = origin + 1, origin + horizon
    return str(first) if horizon == 1 else f"{first}–{last}"


def period_word(freq: str, n: int = 2) -> str:
    """``"quarter"``/``"quarters"`` or ``"month"``/``"months"`` for ``n`` periods of ``freq``.

    Examples
    --------
    >>> period_word("Q", 1), period_word("M", 4)
    ('quarter', 'months')
    """
    word = {"Q": "quarter", "M": "month"}.get(freq, "period")
    return word if n == 1 else word + "s"


# --- rolling sums over the complete partner × period grid ------------------------------------------------------

def _grid(facts: Rollup) -> pd.DataFrame:
    """``partner_periods`` sorted by partner and period (the grid is complete, so row shifts are period shifts)."""
    return facts.partner_periods.sort_values(["partner_id", "period"], kind="stable").reset_index(drop=True)


def _trailing(values: pd.Series, partners: pd.Series, n: int) -> pd.Series:
    """Sum of the ``n`` periods ending at each row (fewer at the start of the data)."""
    running = values.groupby(partners, sort=False).cumsum()
    before = running.groupby(partners, sort=False).shift(n).fillna(0.0)
    return running - before


def _ahead(values: pd.Series, partners: pd.Series, n: int) -> pd.Series:
    """Sum of the ``n`` periods after each row; NaN where the data ends sooner."""
    running = values.groupby(partners, sort=False).cumsum()
    return running.groupby(partners, sort=False).shift(-n) - running


def _per_grid(grid: pd.DataFrame, facts_frame: pd.DataFrame, column: str) -> pd.Series:
    """``column`` of a partner × period facts frame aligned to ``grid`` (0 where there is no row)."""
    if facts_frame.empty:
        return pd.Series(0.0, index=grid.index)
    sums = facts_frame.groupby(["partner_id", "period"], observed=True)[column].sum()
    keys = pd.MultiIndex.from_frame(grid[["partner_id", "period"]])
    return pd.Series(sums.reindex(keys).to_numpy(dtype="float64"), index=grid.index).fillna(0.0)


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    return (numerator / denominator.where(denominator != 0)).astype("float64")


# --- target ----------------------------------------------------------------------------------------------------

def quiet_target(facts: Rollup, settings: WarningSettings | None = None) -> pd.DataFrame:
    """Whether each partner went quiet after each period.

    Parameters
    ----------
    facts
        Rollup of the program.
    settings
        ``horizon`` and ``drop_pct`` (default: :class:`WarningSettings`).

    Returns
    -------
    DataFrame
        One row per partner × period: ``partner_id``, ``period``,
        ``revenue_next`` (won revenue in the next ``horizon`` periods) and
        ``quiet`` (1.0 / 0.0, NaN when ``t + horizon`` is not complete yet).
    """
    settings = settings or WarningSettings()
    grid = _grid(facts)
    partners, revenue = grid["partner_id"], grid["revenue"]
    ahead = _ahead(revenue, partners, settings.horizon)
    last_complete = _period_number(_complete_periods(facts)[-1:])
    known = _period_number(grid["period"]) + settings.horizon <= (last_complete[0] if len(last_complete) else -1)
    ahead = ahead.where(known)
    if settings.drop_pct is None:
        quiet = (ahead <= 0).astype("float64")
    else:
        before = _trailing(revenue, partners, settings.horizon)
        quiet = (ahead < (1 - settings.drop_pct) * before).astype("float64")
    return pd.DataFrame({"partner_id": partners, "period": grid["period"], "revenue_next": ahead,
                         "quiet": quiet.where(ahead.notna())})


# --- features --------------------------------------------------------------------------------------------------

def _since_last_win(grid: pd.DataFrame, number: np.ndarray) -> pd.Series:
    won_at = pd.Series(np.where(grid["revenue"] > 0, number, np.nan), index=grid.index)
    last_won = won_at.groupby(grid["partner_id"], sort=False).ffill()
    return pd.Series(number, index=grid.index) - last_won


def _attainment(facts: Rollup, grid: pd.DataFrame, number: np.ndarray) -> pd.Series:
    """Revenue so far / pro-rata revenue target so far, over the revenue-target windows open at each period."""
    targets = facts.target_actuals
    targets = targets[targets["kpi"] == "revenue"]
    if targets.empty:
        return pd.Series(np.nan, index=grid.index)
    windows = pd.DataFrame({
        "partner_id": targets["partner_id"].to_numpy(),
        "first": _period_number(targets["period_start"].dt.to_period(facts.freq)),
        "last": _period_number(targets["period_end"].dt.to_period(facts.freq)),
        "target": targets["target"].to_numpy(dtype="float64"),
    })
    rows = grid[["partner_id"]].assign(t=number, row=grid.index)
    pairs = rows.merge(windows, on="partner_id")
    pairs = pairs[(pairs["first"] <= pairs["t"]) & (pairs["t"] <= pairs["last"])]
    if pairs.empty:
        return pd.Series(np.nan, index=grid.index)
    running = grid["revenue"].groupby(grid["partner_id"], sort=False).cumsum()
    lookup = pd.Series(running.to_numpy(), index=pd.MultiIndex.from_arrays([grid["partner_id"], number]))
    before = lookup.reindex(pd.MultiIndex.from_arrays([pairs["partner_id"], pairs["first"] - 1])).fillna(0.0)
    in_window = running.to_numpy()[pairs["row"]] - before.to_numpy()  # revenue from the window start to t
    elapsed = (pairs["t"] - pairs["first"] + 1) / (pairs["last"] - pairs["first"] + 1)
    sums = pd.DataFrame({"row": pairs["row"].to_numpy(), "actual": in_window,
                         "expected": pairs["target"].to_numpy() * elapsed.to_numpy()}).groupby("row").sum()
    return _ratio(sums["actual"], sums["expected"]).reindex(grid.index)


def warning_features(facts: Rollup) -> pd.DataFrame:
    """Features of every partner at the end of every period, from facts up to that period only.

    Parameters
    ----------
    facts
        Rollup of the program.

    Returns
    -------
    DataFrame
        One row per partner × period: ``partner_id``, ``period``,
        ``enrolled``, ``history_periods`` (periods since onboarding and in the
        data, counting ``t``), the columns of :func:`available_features` (see
        the module docstring for each formula) and ``revenue``,
        ``revenue_last2``, ``revenue_prior2`` (for the baselines and reasons).
    """
    grid = _grid(facts)
    partners, number = grid["partner_id"], _period_number(grid["period"])
    attributes = facts.partners.set_index("partner_id")

    def window(values: pd.Series, n: int = WINDOW) -> pd.Series:
        return _trailing(values.astype("float64"), partners, n)

    revenue = grid["revenue"].astype("float64")
    last2, last4 = window(revenue, 2), window(revenue)
    onboarded = _onboarding_number(partners.map(attributes["onboarded_on"]), facts.freq)
    first = number.min() if len(number) else 0
    out = pd.DataFrame({
        "partner_id": partners,
        "period": grid["period"],
        "enrolled": grid["enrolled"].astype(bool),
        "history_periods": number - np.maximum(onboarded, first) + 1,
        "partner_type": grid["partner_type"].astype("str"),
        "tier": grid["tier"].astype("str"),
        "revenue": revenue,
        "revenue_last2": last2,
        "revenue_prior2": last4 - last2,
        "revenue_w": last4,
        "revenue_trend": _ratio(2 * last2 - last4, last4),
        "active_periods": window((revenue > 0).astype("float64")),
        "periods_since_win": _since_last_win(grid, number),
        "created_deals_w": window(grid["created_deals"]),
        "won_deals_w": window(grid["won_deals"]),
        "win_rate_w": _ratio(window(grid["won_deals"]), window(grid["won_deals"] + grid["lost_deals"])),
        "open_pipeline": grid["open_pipeline"].astype("float64"),
        "tenure_periods": (number - onboarded + 1).clip(min=0).astype("float64"),
    })
    if "engagement" in facts.available:
        activity = _per_grid(grid, facts.engagement, "quantity")
        recent = window(activity, 2)
        out["engagement_w"] = window(activity)
        out["engagement_change"] = _ratio(recent, out["engagement_w"] - recent) - 1
    if "surveys" in facts.available:
        sums = {c: window(_per_grid(grid, facts.surveys, c))
                for c in ("responses", "score_pct_sum", "promoters", "passives", "detractors")}
        out["satisfaction"] = _ratio(sums["score_pct_sum"], sums["responses"])
        rated = sums["promoters"] + sums["passives"] + sums["detractors"]
        out["nps"] = 100 * _ratio(sums["promoters"] - sums["detractors"], rated)
    if not facts.target_actuals.empty and (facts.target_actuals["kpi"] == "revenue").any():
        out["attainment"] = _attainment(facts, grid, number)
    if "mdf" in facts.available:
        out["mdf_approved_w"] = window(_per_grid(grid, facts.mdf, "amount_approved"))
    return out


def feature_label(name: str) -> str:
    """The plain-language name of a feature, or of a category level as returned by ``feature_effects``.

    Examples
    --------
    >>> feature_label("created_deals_w"), feature_label("tier = gold"), feature_label("unknown_thing")
    ('Deals registered, last 4 periods', 'Tier = gold', 'unknown thing')
    """
    feature, level = name.split(" = ", 1) if " = " in name else (name, None)
    text = FEATURE_LABELS.get(feature, feature.replace("_", " "))
    return text if level is None else f"{text} = {level}"


def available_features(features: pd.DataFrame) -> list[str]:
    """The model features present in ``features`` (numeric first, then categorical)."""
    return [c for c in (*NUMERIC_FEATURES, *CATEGORICAL_FEATURES) if c in features.columns]


def warning_panel(facts: Rollup, settings: WarningSettings | None = None) -> pd.DataFrame:
    """Features, eligibility and target of every partner × period.

    Parameters
    ----------
    facts
        Rollup of the program.
    settings
        Target and eligibility settings (default :class:`WarningSettings`).

    Returns
    -------
    DataFrame
        :func:`warning_features` plus ``complete`` (the period has ended by
        ``as_of``), ``eligible`` (scored at this period: see the module
        docstring), ``revenue_next`` and ``quiet`` (:func:`quiet_target`).
    """
    settings = settings or WarningSettings()
    features = warning_features(facts)
    target = quiet_target(facts, settings)
    complete = features["period"].isin(_complete_periods(facts))
    eligible = (features["enrolled"] & complete & (features["history_periods"] >= settings.min_history_periods)
                & (features["active_periods"] > 0))
    return features.assign(complete=complete, eligible=eligible,
                           revenue_next=target["revenue_next"].to_numpy(), quiet=target["quiet"].to_numpy())
