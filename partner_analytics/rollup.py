"""Row-level data to tidy partner × period facts.

This is the only module that reads row-level tables, and it does so through
an engine: the aggregation is SQL written once
(:mod:`partner_analytics.engine.queries`) and run by DuckDB, Spark or a SQL
database, so only compact facts reach pandas. Everything downstream (metrics,
plots, insights, reports) reads the :class:`Rollup`, whichever engine made it.

The contract: **no frame of a Rollup grows with the number of deals.** Sums
are per partner × period (or coarser); per-deal statistics (median deal size,
time-to-close quartiles, box-plot extremes) are computed in the engine with
exact quantiles, per partner × period (:attr:`Rollup.partner_deal_stats`) and
per window × grouping (:attr:`Rollup.deal_stats`). Row-level deals of one
partner or slice are fetched explicitly, and bounded, by :func:`deals_for`.

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
from .engine.distributions import interpolate_quantiles
from .engine.queries import DEAL_EVENT_KPIS, RollupQueries
from .periods import periods_per_year
from .program import Program
from .rollup_frames import (
    CHANNEL_MEASURES,
    PARTNER_PERIOD_MEASURES,
    channel_periods,
    deal_facts,
    engagement_activity_for,
    trailing_totals,
)
from .sqltext import literal

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
    "deals_for",
    "default_windows",
    "deal_stat_frame",
    "DEAL_STAT_GROUPINGS",
]

FREQS = {"Q": "Q", "quarter": "Q", "M": "M", "month": "M"}

DEAL_STAT_GROUPINGS = ("all", "channel", "attribution", "partner_type")
"""Groupings of :attr:`Rollup.deal_stats` (``all`` and ``partner_type`` over partner deals only)."""

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
    partner_channel_periods
        partner × period (of closing) × attribution (``sourced`` /
        ``influenced``) with ``revenue``, ``won_deals``, ``lost_deals``,
        ``lost_amount``, ``days_to_close_sum`` (rows with a close only); the
        partner rows of ``channel_periods``, per partner, so a slice of
        partners has its own channel totals.
    partner_deal_stats
        partner × period (of closing) over the deals won: ``amount_median``
        (currency) and ``days_median`` (days from created to closed), exact
        medians (rows with a won deal only).
    deal_stats
        Distributions of the deals won, one row per window × grouping ×
        group with a won deal: ``period`` (the window's last period),
        ``periods`` (window length), ``by`` (one of
        :data:`DEAL_STAT_GROUPINGS`), ``group``, ``n`` (won deals) and, for
        ``amount`` (currency) and ``days`` (days to close), the ``_mean``,
        ``_median``, ``_p25``, ``_p75`` (exact quantiles by linear
        interpolation), ``_min`` and ``_max``. Windows: each length of
        ``windows`` ending at every period, and the whole span ending at the
        last period.
    windows
        The window lengths (in periods) of ``deal_stats``, whole span included.
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
    partner_channel_periods: pd.DataFrame
    partner_deal_stats: pd.DataFrame
    deal_stats: pd.DataFrame
    engagement: pd.DataFrame
    surveys: pd.DataFrame
    comments: pd.DataFrame
    mdf: pd.DataFrame
    target_actuals: pd.DataFrame
    available: frozenset[str]
    windows: tuple[int, ...] = ()

    @property
    def period(self) -> pd.Period:
        """The period that contains ``as_of`` (the reporting period)."""
        return self.as_of.to_period(self.freq)


def default_windows(freq: str) -> tuple[int, ...]:
    """Window lengths whose deal distributions a rollup computes by default.

    One period, a year, and 4 periods (the default window of
    :func:`~partner_analytics.metrics.deals.time_to_close`).

    Examples
    --------
    >>> default_windows("M"), default_windows("Q")
    ((1, 4, 12), (1, 4))
    """
    return tuple(sorted({1, 4, periods_per_year(FREQS[freq])}))


def rollup(
    program: Program | EngineProgram,
    *,
    freq: str = "Q",
    as_of: str | pd.Timestamp | None = None,
    windows: tuple[int, ...] | None = None,
) -> Rollup:
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
    windows
        Window lengths (periods, >= 1) of the deal distributions
        (:attr:`Rollup.deal_stats`) ending at every period; the whole span is
        always added. Default :func:`default_windows`: one period, 4 periods and a year.

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
    windows = default_windows(freq) if windows is None else tuple(sorted({int(w) for w in windows}))
    if not windows or min(windows) < 1:
        raise ValueError(f"windows must be window lengths of at least 1 period, got {windows!r}")
    as_of = program.data_end if as_of is None else pd.Timestamp(as_of).normalize()
    queries = RollupQueries(freq, as_of)
    with _engine_for(program) as engine:
        engine.stage("as_of_deals", queries.as_of_deals)
        try:
            return _rollup_on(engine, queries, program, windows)
        finally:
            engine.unstage("as_of_deals")


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


def _rollup_on(
    engine: Engine, queries: RollupQueries, program: Program | EngineProgram, windows: tuple[int, ...]
) -> Rollup:
    freq, as_of = queries.freq, queries.as_of_date

    def facts(sql: str, keys: tuple[str, ...] = (), dates: tuple[str, ...] = ()) -> pd.DataFrame:  # query's order
        return _with_period(_fetch(engine, sql, dates=("period_start", *dates), texts=("partner_id", *keys)), freq)

    # First the partner medians: a quantile aggregate holds every won deal, and the engine's memory peaks with it,
    # so it runs before any other fact is held in pandas.
    partner_deal_stats = facts(queries.partner_deal_stats)
    # The per-deal-event facts are fetched inside and gone on return, before the larger frames below are fetched.
    from_deals = deal_facts(program.partners, freq, as_of,
                            lambda: facts(queries.closed_facts, ("attribution",), ("first_won_on",)),
                            lambda: facts(queries.created_facts, dates=("first_created_on",)))
    deal_stats, windows = _deal_stats(engine, queries, from_deals["periods"], windows)
    # The target actuals join every deal event with the target windows: the engine's working memory for that join
    # comes before the larger frames below are held.
    target_actuals = _target_actuals(engine, queries, program)
    return Rollup(
        freq=freq,
        as_of=as_of,
        **from_deals,
        partner_deal_stats=partner_deal_stats,
        deal_stats=deal_stats,
        engagement=facts(queries.engagement, ("activity",)),
        surveys=facts(queries.surveys, ("survey",)),
        comments=_fetch(engine, queries.comments, dates=("responded_on",),
                        texts=("partner_id", "survey", "comment")),
        mdf=facts(queries.mdf),
        target_actuals=target_actuals,
        available=frozenset(name for name in ("engagement", "surveys", "mdf") if program.has(name)),
        windows=windows,
    )


DEAL_STAT_COLUMNS = ["period", "periods", "by", "group", "n"] + [
    f"{measure}_{stat}" for measure in ("amount", "days") for stat in ("mean", "median", "p25", "p75", "min", "max")
]


def _deal_stats(
    engine: Engine, queries: RollupQueries, periods: pd.PeriodIndex, windows: tuple[int, ...]
) -> tuple[pd.DataFrame, tuple[int, ...]]:
    """``Rollup.deal_stats`` and its window lengths: ``windows`` at every period, the whole span at the last."""
    whole = len(periods)
    ends = sorted({(end, n) for end in range(whole) for n in windows} | {(whole - 1, whole)})
    members = [(periods[i], periods[end], n) for end, n in ends for i in range(max(0, end - n + 1), end + 1)]
    # The channel groups are the "all" group (partner deals) and the direct attribution: copied, not computed.
    frame = deal_stat_frame(engine.fetch(queries.deal_stats(members, ("all", "attribution", "partner_type"))),
                            queries.freq)
    partner = frame[frame["by"] == "all"]
    direct = frame[(frame["by"] == "attribution") & (frame["group"] == "direct")]
    channel = pd.concat([partner.assign(group="partner"), direct], ignore_index=True).assign(by="channel")
    frame = pd.concat([frame, channel], ignore_index=True)
    frame = frame.sort_values(["periods", "period", "by", "group"], ignore_index=True)
    return frame[DEAL_STAT_COLUMNS], tuple(sorted({*windows, whole}))


def deal_stat_frame(raw: pd.DataFrame, freq: str) -> pd.DataFrame:
    """The rows of :meth:`RollupQueries.deal_stats` as ``Rollup.deal_stats`` columns: one row per window and
    group, the ``amount_*`` and ``days_*`` statistics side by side."""
    raw = interpolate_quantiles(raw.rename(columns=lambda c: str(c).lower()))  # some databases fold case
    raw["period"] = pd.to_datetime(raw.pop("window_end")).dt.to_period(freq)
    raw = raw.rename(columns={"dimension": "by", "member": "group"}).astype({"by": "str", "group": "str"})
    keys = ["period", "periods", "by", "group"]
    stats = ["mean", "median", "p25", "p75", "min", "max"]

    def measure(name: str, columns: list[str]) -> pd.DataFrame:
        rows = raw[raw["measure"] == name].set_index(keys)[columns]
        return rows.rename(columns={c: f"{name}_{c}" for c in stats})

    # every won deal has its days to close, so the days rows carry the count
    frame = measure("days", ["n", *stats]).join(measure("amount", stats)).reset_index()
    frame = frame.astype({c: "float64" for c in DEAL_STAT_COLUMNS[4:]} | {"periods": "int64"})
    return frame[DEAL_STAT_COLUMNS]


def deals_for(
    program: Program | EngineProgram,
    *,
    partner_id: str | None = None,
    partner_type: str | None = None,
    stage: str | None = None,
    as_of: str | pd.Timestamp | None = None,
    limit: int = 10_000,
) -> pd.DataFrame:
    """Row-level deals of one partner or slice, as of ``as_of``: the explicit, bounded drill-down.

    Parameters
    ----------
    program
        A validated program, in memory or on an engine.
    partner_id, partner_type
        Keep only this partner's deals, or the deals of partners of this type.
    stage
        ``"won"``, ``"lost"``, ``"open"`` (as of ``as_of``), ``"closed"``
        (won or lost), or None for all.
    as_of
        Last day counted. Default: the program's latest date.
    limit
        Largest number of deals returned (>= 1).

    Returns
    -------
    DataFrame
        ``deal_id``, ``partner_id`` (NA for direct), ``attribution``,
        ``partner_type``, ``stage``, ``amount``, ``created_on``,
        ``closed_on`` (NaT while open), ``days_to_close`` (NaN while open),
        ``age_days`` (days open at ``as_of``; NaN once closed); ordered by
        ``created_on``, ``deal_id``.

    Raises
    ------
    ValueError
        If more than ``limit`` deals match (narrow the slice or raise the
        limit), or for an unknown ``stage``.

    Examples
    --------
    >>> from partner_analytics import load_program
    >>> deals = deals_for(load_program("sample"), partner_id="P0001", stage="won")
    >>> set(deals["stage"]), bool((deals["days_to_close"] >= 0).all())
    ({'won'}, True)
    """
    stages = {"won": ("won",), "lost": ("lost",), "open": ("open",), "closed": ("won", "lost"), None: ()}
    if stage not in stages:
        raise ValueError(f"stage must be one of won, lost, open, closed or None, got {stage!r}")
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    conditions = ["TRUE"]
    if partner_id is not None:
        conditions.append(f"partner_id = {literal(str(partner_id))}")
    if partner_type is not None:
        conditions.append(f"partner_type = {literal(str(partner_type))}")
    if stages[stage]:
        conditions.append(f"stage IN ({', '.join(literal(s) for s in stages[stage])})")
    as_of = program.data_end if as_of is None else pd.Timestamp(as_of).normalize()
    queries = RollupQueries("Q", as_of)
    with _engine_for(program) as engine:
        frame = _fetch(engine, queries.drill_down(" AND ".join(conditions), limit + 1),
                       dates=("created_on", "closed_on"),
                       texts=("deal_id", "partner_id", "attribution", "partner_type", "stage"))
    if len(frame) > limit:
        raise ValueError(f"more than {limit} deals match; narrow the slice (partner_id, partner_type, stage) "
                         "or raise limit")
    return frame


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
