"""Row-level data to tidy partner × period facts.

This is the only module that reads row-level tables, and it does so through
an engine: the aggregation is SQL written once
(:mod:`partner_analytics.engine.queries`) and run by DuckDB, Spark or a SQL
database, so only compact facts reach pandas. Everything downstream (metrics,
plots, insights, reports) reads the :class:`Rollup`, whichever engine made it.

Conventions
-----------
* ``period`` is a pandas ``Period`` (quarter ``"Q"`` or month ``"M"``).
* Deals count in the period they **closed** (revenue, wins, losses, cycle) or
  were **created** (pipeline created); open pipeline is a snapshot at the
  period's end.
* Only events on or before ``as_of`` are counted; a deal closed after
  ``as_of`` is still open as of then.
* Amounts are in the program's reporting currency; counts are numbers of
  rows (deals) or summed ``quantity`` (engagement). Absent activity is a true
  zero in ``partner_periods`` (the grid is complete), never missing.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from .engine.backends import DuckDBEngine, Engine
from .engine.queries import DEAL_EVENT_KPIS, RollupQueries
from .periods import in_trailing_window
from .program import Program

if TYPE_CHECKING:
    from .engine.program import EngineProgram

__all__ = [
    "Rollup",
    "rollup",
    "trailing_totals",
    "channel_periods",
    "DEAL_KPIS",
    "PARTNER_PERIOD_MEASURES",
    "engagement_activity_for",
]

FREQS = {"Q": "Q", "quarter": "Q", "M": "M", "month": "M"}

PARTNER_PERIOD_MEASURES = (
    "sourced_revenue",
    "influenced_revenue",
    "revenue",
    "won_deals",
    "lost_deals",
    "lost_amount",
    "created_deals",
    "pipeline_created",
    "new_customers",
    "days_to_close_sum",
    "open_deals",
    "open_pipeline",
)
"""Additive measures in ``Rollup.partner_periods`` (``open_*`` are end-of-period snapshots)."""

DEAL_KPIS = DEAL_EVENT_KPIS
"""Target KPIs measured on partner deals. Any other KPI is matched to an engagement activity."""


@dataclass(frozen=True)
class Rollup:
    """Tidy facts derived from a :class:`Program`; every metric reads these.

    What a period means (periods per year, trailing windows, complete vs
    partial periods, data coverage, the default period) is decided in
    :mod:`partner_analytics.periods`.

    Attributes
    ----------
    freq
        ``"Q"`` or ``"M"``.
    as_of
        Last day counted.
    periods
        Every period from the first data period to ``as_of``'s period.
    partners
        One row per partner: the partner attributes plus ``first_deal_on``
        (first deal created) and ``first_won_on`` (first deal won), NaT if none.
    partner_periods
        Complete partner × period grid with :data:`PARTNER_PERIOD_MEASURES`,
        ``partner_type``, ``tier``, ``region`` and ``enrolled`` (onboarded by
        the period's end and not churned before its start).
    channel_periods
        period × attribution (sourced / influenced / direct) with ``revenue``,
        ``won_deals``, ``lost_deals``, ``lost_amount``, ``days_to_close_sum``;
        every period and attribution present.
    closed_deals
        One row per deal won or lost by ``as_of``: ``deal_id``, ``partner_id``
        (NA for direct), ``attribution``, ``partner_type``, ``stage``,
        ``amount``, ``created_on``, ``closed_on``, ``period`` (of closing),
        ``days_to_close``.
    open_deals
        Deals open at ``as_of`` (same columns, ``closed_on`` NaT, ``age_days``).
    engagement
        partner × period × activity with summed ``quantity`` (rows with activity only).
    surveys
        partner × period × survey with ``responses``, ``score_sum``,
        ``score_pct_sum`` (score / scale_max summed), ``promoters``,
        ``passives``, ``detractors`` (NPS bands, counted on 0-10 scales only).
    comments
        Survey responses that carry a comment: ``partner_id``, ``responded_on``,
        ``survey``, ``score``, ``scale_max``, ``comment``.
    mdf
        partner × period (of approval) with ``funds``, ``amount_approved``,
        ``amount_claimed``, ``attributed_revenue``.
    target_actuals
        One row per target: ``partner_id``, ``kpi``, ``period_start``,
        ``period_end``, ``target``, ``actual`` (measured from ``period_start``
        to ``min(period_end, as_of)``; NaN for a KPI that cannot be measured),
        ``elapsed`` (fraction of the target window elapsed at ``as_of``, 0..1).
    available
        Names of the optional tables the program supplied.
    """

    freq: str
    as_of: pd.Timestamp
    periods: pd.PeriodIndex
    partners: pd.DataFrame
    partner_periods: pd.DataFrame
    channel_periods: pd.DataFrame
    closed_deals: pd.DataFrame
    open_deals: pd.DataFrame
    engagement: pd.DataFrame
    surveys: pd.DataFrame
    comments: pd.DataFrame
    mdf: pd.DataFrame
    target_actuals: pd.DataFrame
    available: frozenset[str]

    @property
    def period(self) -> pd.Period:
        """The period that contains ``as_of`` (the reporting period)."""
        return self.as_of.to_period(self.freq)


def rollup(program: Program | EngineProgram, *, freq: str = "Q", as_of: str | pd.Timestamp | None = None) -> Rollup:
    """Compute the tidy facts of a program.

    The aggregation runs as SQL (:mod:`partner_analytics.engine.queries`) on
    an engine: an in-memory :class:`~partner_analytics.program.Program` is
    rolled up by embedded DuckDB over its frames (nothing is copied); an
    :class:`~partner_analytics.engine.EngineProgram` is rolled up where its
    data lives (DuckDB over Parquet files, Spark, PostgreSQL). Either way only
    the compact facts below reach pandas.

    Parameters
    ----------
    program
        A validated program, in memory or on an engine.
    freq
        Period grain: ``"Q"`` (quarter) or ``"M"`` (month).
    as_of
        Last day to count (inclusive). Default: the program's latest date.

    Returns
    -------
    Rollup

    Examples
    --------
    >>> from partner_analytics import load_program
    >>> facts = rollup(load_program("sample"), freq="Q", as_of="2025-12-31")
    >>> str(facts.period)
    '2025Q4'
    """
    if freq not in FREQS:
        raise ValueError(f"freq must be one of {sorted(FREQS)}, got {freq!r}")
    freq = FREQS[freq]
    as_of = program.data_end if as_of is None else pd.Timestamp(as_of).normalize()
    queries = RollupQueries(freq, as_of)
    with _engine_for(program) as engine:
        engine.materialize("as_of_deals", queries.as_of_deals)
        try:
            return _rollup_on(engine, queries, program)
        finally:
            engine.drop("as_of_deals")


_QUERIED_TABLES = ("partners", "deals", "targets", "engagement", "surveys", "mdf")


def _engine_for(program: Program | EngineProgram) -> AbstractContextManager[Engine]:
    """The engine to run the queries on: the program's own, or DuckDB over its frames."""
    if isinstance(program, Program):
        return DuckDBEngine.from_frames({name: program.table(name) for name in _QUERIED_TABLES})
    return nullcontext(program.engine)


def _fetch(engine: Engine, sql: str, *, dates: tuple[str, ...] = (), texts: tuple[str, ...] = ()) -> pd.DataFrame:
    """Run a query and give its columns the program's dtypes: dates, text, and float for the rest."""
    frame = engine.fetch(sql)
    frame.columns = [str(c).lower() for c in frame.columns]  # some databases fold case
    types = {c: "datetime64[ns]" if c in dates else "str" if c in texts else "float64" for c in frame.columns}
    for column in dates:  # dates may arrive as datetime.date objects (Spark, PostgreSQL)
        frame[column] = pd.to_datetime(frame[column])
    return frame.astype(types)


def _with_period(frame: pd.DataFrame, freq: str) -> pd.DataFrame:
    """Replace ``period_start`` with ``period``, placed after ``partner_id``."""
    period = frame.pop("period_start").dt.to_period(freq)
    frame.insert(1 if "partner_id" in frame else 0, "period", period)
    return frame


def _rollup_on(engine: Engine, queries: RollupQueries, program: Program | EngineProgram) -> Rollup:
    freq, as_of = queries.freq, queries.as_of_date
    partners = program.partners

    def deals(sql: str) -> pd.DataFrame:
        return _fetch(engine, sql, dates=("created_on", "closed_on"),
                      texts=("deal_id", "partner_id", "attribution", "partner_type", "stage"))

    closed = deals(queries.closed_deals)
    closed["period"] = closed["closed_on"].dt.to_period(freq)
    closed = closed[[*_DEAL_COLUMNS, "period", "days_to_close"]]
    start = _fetch(engine, queries.deal_span, dates=("first_created_on",))["first_created_on"].iloc[0]
    start = as_of if pd.isna(start) else start
    periods = pd.period_range(start.to_period(freq), as_of.to_period(freq), freq=freq)

    def facts(sql: str, keys: tuple[str, ...] = ()) -> pd.DataFrame:  # sorted by the query
        return _with_period(_fetch(engine, sql, dates=("period_start",), texts=("partner_id", *keys)), freq)

    return Rollup(
        freq=freq,
        as_of=as_of,
        periods=periods,
        partners=_partner_dimension(engine, queries, partners),
        partner_periods=_partner_periods(engine, queries, partners, periods, freq),
        channel_periods=_channel_periods(engine, queries, periods),
        closed_deals=closed,
        open_deals=deals(queries.open_deals),
        engagement=facts(queries.engagement, ("activity",)),
        surveys=facts(queries.surveys, ("survey",)),
        comments=_fetch(engine, queries.comments, dates=("responded_on",),
                        texts=("partner_id", "survey", "comment")),
        mdf=facts(queries.mdf),
        target_actuals=_target_actuals(engine, queries, program),
        available=frozenset(name for name in ("engagement", "surveys", "mdf") if program.has(name)),
    )


_DEAL_COLUMNS = ["deal_id", "partner_id", "attribution", "partner_type", "stage", "amount", "created_on", "closed_on"]


def _channel_periods(engine: Engine, queries: RollupQueries, periods: pd.PeriodIndex) -> pd.DataFrame:
    facts = _fetch(engine, queries.channel_facts, dates=("period_start",), texts=("attribution",))
    return _channel_grid(_with_period(facts, queries.freq), periods)


def _partner_dimension(engine: Engine, queries: RollupQueries, partners: pd.DataFrame) -> pd.DataFrame:
    firsts = _fetch(engine, queries.partner_firsts, dates=("first_deal_on", "first_won_on"), texts=("partner_id",))
    firsts = firsts.set_index("partner_id")
    return partners.assign(
        first_deal_on=partners["partner_id"].map(firsts["first_deal_on"]).astype("datetime64[ns]"),
        first_won_on=partners["partner_id"].map(firsts["first_won_on"]).astype("datetime64[ns]"),
    ).reset_index(drop=True)


def _partner_periods(
    engine: Engine, queries: RollupQueries, partners: pd.DataFrame, periods: pd.PeriodIndex, freq: str
) -> pd.DataFrame:
    keys = ["partner_id", "period"]
    grid = pd.MultiIndex.from_product([partners["partner_id"], periods], names=keys).to_frame(index=False)
    facts = grid
    for sql in (queries.closed_facts, queries.created_facts):
        part = _with_period(_fetch(engine, sql, dates=("period_start",), texts=("partner_id",)), freq)
        facts = facts.merge(part, on=keys, how="left")
    flows = [m for m in PARTNER_PERIOD_MEASURES if not m.startswith("open_")]
    facts[flows] = facts[flows].astype("float64").fillna(0.0)
    # Open at a period's end = created by then minus closed by then (the grid is sorted by partner, period).
    change = facts.assign(
        open_deals=facts["created_deals"] - facts["won_deals"] - facts["lost_deals"],
        open_pipeline=facts["pipeline_created"] - facts["revenue"] - facts["lost_amount"],
    )
    running = change.groupby("partner_id", sort=False)[["open_deals", "open_pipeline"]].cumsum()
    facts[["open_deals", "open_pipeline"]] = running.round(6)

    attributes = partners.set_index("partner_id")
    period_start = facts["period"].dt.start_time
    period_end = facts["period"].dt.end_time.dt.normalize()
    onboarded = facts["partner_id"].map(attributes["onboarded_on"])
    churned = facts["partner_id"].map(attributes["churned_on"])
    facts["enrolled"] = (onboarded <= period_end) & ~(churned < period_start)
    for column in ("partner_type", "tier", "region"):
        facts[column] = facts["partner_id"].map(attributes[column])
    return facts[["partner_id", "period", "partner_type", "tier", "region", "enrolled", *PARTNER_PERIOD_MEASURES]]


def _target_actuals(engine: Engine, queries: RollupQueries, program: Program | EngineProgram) -> pd.DataFrame:
    as_of = queries.as_of_date
    targets = program.targets[["partner_id", "kpi", "period_start", "period_end", "target"]].reset_index(drop=True)
    window_end = targets["period_end"].where(targets["period_end"] < as_of, as_of)
    span = (targets["period_end"] - targets["period_start"]).dt.days + 1
    elapsed = ((window_end - targets["period_start"]).dt.days + 1).clip(lower=0) / span
    out = targets.assign(elapsed=elapsed.clip(0, 1).astype("float64"))
    kpis = set(targets["kpi"].unique())
    activities = set()
    if program.has("engagement") and kpis - set(DEAL_KPIS):
        activities = set(_fetch(engine, queries.activities, texts=("activity",))["activity"])
    matched = {kpi: engagement_activity_for(kpi, activities) for kpi in kpis - set(DEAL_KPIS)}
    sql = queries.target_actuals(kpis & set(DEAL_KPIS), {k: a for k, a in matched.items() if a})
    keys = ["partner_id", "kpi", "period_start", "period_end"]
    if sql is None:
        actuals = pd.DataFrame({**{k: out[k].iloc[:0] for k in keys}, "actual": pd.Series(dtype="float64")})
    else:
        actuals = _fetch(engine, sql, dates=("period_start", "period_end"), texts=("partner_id", "kpi"))
    out = out.merge(actuals, on=keys, how="left", validate="many_to_one")
    return out[[*keys, "target", "actual", "elapsed"]]


def _sum_by(frame: pd.DataFrame, keys: list[str], **measures: tuple[str, str]) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame(columns=[*keys, *measures])
    return frame.groupby(keys, observed=True, dropna=False).agg(**measures).reset_index()


def channel_periods(closed_deals: pd.DataFrame, periods: pd.PeriodIndex) -> pd.DataFrame:
    """Period × attribution totals of closed deals (``Rollup.channel_periods``).

    Parameters
    ----------
    closed_deals
        ``Rollup.closed_deals`` (or a subset of it).
    periods
        Every period to list; absent activity is a true zero.
    """
    closed = closed_deals
    keys = ["period", "attribution"]
    facts = _sum_by(
        closed.assign(
            won=(closed["stage"] == "won").astype(float),
            lost=(closed["stage"] == "lost").astype(float),
            won_amount=closed["amount"].where(closed["stage"] == "won", 0.0),
            lost_amount=closed["amount"].where(closed["stage"] == "lost", 0.0),
            won_days=closed["days_to_close"].where(closed["stage"] == "won", 0.0),
        ),
        keys,
        revenue=("won_amount", "sum"),
        won_deals=("won", "sum"),
        lost_deals=("lost", "sum"),
        lost_amount=("lost_amount", "sum"),
        days_to_close_sum=("won_days", "sum"),
    )
    return _channel_grid(facts, periods)


def _channel_grid(facts: pd.DataFrame, periods: pd.PeriodIndex) -> pd.DataFrame:
    """Every period × attribution, with ``facts`` where there are any and true zeros elsewhere."""
    keys = ["period", "attribution"]
    grid = pd.MultiIndex.from_product([periods, ["sourced", "influenced", "direct"]], names=keys).to_frame(index=False)
    out = grid.merge(facts, on=keys, how="left")
    measures = ["revenue", "won_deals", "lost_deals", "lost_amount", "days_to_close_sum"]
    out[measures] = out[measures].astype("float64").fillna(0.0)
    return out


def engagement_activity_for(kpi: str, activities: set[str]) -> str | None:
    """Engagement activity a target KPI counts, or None.

    A KPI matches an activity with the same name, or its plural
    (``certifications`` counts ``certification`` rows).

    Examples
    --------
    >>> engagement_activity_for("certifications", {"certification", "webinar"})
    'certification'
    >>> engagement_activity_for("unknown_kpi", {"webinar"}) is None
    True
    """
    for candidate in (kpi, kpi.removesuffix("s")):
        if candidate in activities:
            return candidate
    return None


def trailing_totals(partner_periods: pd.DataFrame, *, end: pd.Period, n_periods: int) -> pd.DataFrame:
    """Sum the additive measures per partner over the ``n_periods`` ending at ``end``.

    Use it with monthly facts and ``n_periods=12`` for trailing-twelve-month
    (TTM) figures, or quarterly facts and ``n_periods=4``.

    Parameters
    ----------
    partner_periods
        ``Rollup.partner_periods``.
    end
        Last period included.
    n_periods
        Window length in periods (>= 1).

    Returns
    -------
    DataFrame
        One row per partner: ``partner_id``, ``partner_type``, ``tier``,
        ``region`` and the summed measures, except the ``open_*`` snapshots,
        which are taken at ``end``.
    """
    if n_periods < 1:
        raise ValueError("n_periods must be at least 1")
    window = partner_periods[in_trailing_window(partner_periods["period"], end=end, n_periods=n_periods)]
    flows = [m for m in PARTNER_PERIOD_MEASURES if not m.startswith("open_")]
    totals = window.groupby("partner_id", sort=True)[flows].sum()
    snapshot = window[window["period"] == end].set_index("partner_id")[["partner_type", "tier", "region", "open_deals", "open_pipeline"]]
    return snapshot.join(totals, how="outer").reset_index()
