"""The rollup's SQL, written once and transpiled to each engine's dialect.

Every query is written in DuckDB's SQL dialect and translated by `sqlglot
<https://sqlglot.com>`_ into the dialect of the engine that runs it (DuckDB,
Spark SQL, PostgreSQL, ...). The queries read the program tables by their
schema names (``partners``, ``deals``, ``targets``, ``engagement``,
``surveys``, ``mdf``) with schema column types, and return only compact facts:
sums per partner × period, per period × attribution, per target; distribution
statistics of won deals (exact quantiles) per partner × period and per window ×
grouping; and the survey comments (verbatims). Row-level deals leave the engine
only through the bounded drill-down (:meth:`RollupQueries.drill_down`).

Conventions are those of :mod:`partner_analytics.rollup`: a deal counts in the
period it closed (wins, losses, revenue, cycle) or was created (pipeline); a
deal closed after ``as_of`` is still open; events after ``as_of`` are ignored.
Periods are returned as their first day (``period_start``). The deal queries
read ``as_of_deals`` (:attr:`RollupQueries.as_of_deals`), which the caller
stages (:meth:`~partner_analytics.engine.backends.Engine.stage`): computed once
(Spark, SQL databases) or a view (DuckDB, whose memory then stays bounded).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache

import pandas as pd
import sqlglot
from sqlglot import exp

from ..sqltext import literal
from .distributions import GROUPINGS, deal_stats_sql

__all__ = ["RollupQueries", "transpile", "UNITS"]

UNITS = {"Q": "quarter", "M": "month"}
"""Period grain → ``DATE_TRUNC`` unit."""

# Deals as of the as-of date: created by then; a close after it is not a close yet. The staged
# ``as_of_deals`` leaves out ``deal_id``, which only the drill-down shows (a tenth of its memory at scale),
# and the partner type, which only the drill-down and the distributions by type read (_WITH_PARTNER_TYPE):
# a join in every read of the deals cost a tenth of the other deal queries' time.
_DEALS = """
    SELECT {deal_id}d.partner_id, d.attribution, d.amount, d.created_on,
           CASE WHEN d.closed_on <= {as_of} THEN d.closed_on END AS closed_on,
           CASE WHEN d.closed_on <= {as_of} THEN d.stage ELSE 'open' END AS stage,
           COALESCE(d.is_new_customer, FALSE) AS is_new_customer
    FROM deals AS d
    WHERE d.created_on <= {as_of}
"""

_WITH_PARTNER_TYPE = """
    SELECT d.*, p.partner_type
    FROM ({deals}) AS d
    LEFT JOIN partners AS p ON p.partner_id = d.partner_id
"""

# Closed deals per partner × period of closing × attribution, direct deals (no partner) included: the one
# pass over the closed deals from which the rollup derives partner, channel and partner-channel totals and
# each partner's first win.
_CLOSED_FACTS = """
    SELECT partner_id,
           CAST(DATE_TRUNC('{unit}', closed_on) AS DATE) AS period_start,
           attribution,
           SUM(CASE WHEN stage = 'won' THEN amount ELSE 0 END) AS revenue,
           COUNT(CASE WHEN stage = 'won' THEN 1 END) AS won_deals,
           COUNT(CASE WHEN stage = 'lost' THEN 1 END) AS lost_deals,
           SUM(CASE WHEN stage = 'lost' THEN amount ELSE 0 END) AS lost_amount,
           SUM(CASE WHEN stage = 'won' THEN CAST(DATE_DIFF('day', created_on, closed_on) AS DOUBLE) ELSE 0 END)
               AS days_to_close_sum,
           COUNT(CASE WHEN stage = 'won' AND is_new_customer THEN 1 END) AS new_customers,
           MIN(CASE WHEN stage = 'won' THEN closed_on END) AS first_won_on
    FROM as_of_deals
    WHERE stage IN ('won', 'lost')
    GROUP BY 1, 2, 3
    ORDER BY 1, 2, 3
"""

# Deals per partner × period of creation, direct deals (no partner) included; also the first creation date.
_CREATED_FACTS = """
    SELECT partner_id,
           CAST(DATE_TRUNC('{unit}', created_on) AS DATE) AS period_start,
           COUNT(*) AS created_deals,
           SUM(amount) AS pipeline_created,
           MIN(created_on) AS first_created_on
    FROM as_of_deals
    GROUP BY 1, 2
"""

# Won deals with their period of closing and days to close, the input of every distribution.
_WON = """
    SELECT partner_id, attribution, amount,
           CAST(DATE_DIFF('day', created_on, closed_on) AS DOUBLE) AS days,
           CAST(DATE_TRUNC('{unit}', closed_on) AS DATE) AS period_start
    FROM as_of_deals
    WHERE stage = 'won'
"""

_PARTNER_DEAL_STATS = """
    SELECT partner_id, period_start,
           QUANTILE_CONT(amount, 0.5) AS amount_median,
           QUANTILE_CONT(days, 0.5) AS days_median
    FROM ({won}) AS won
    WHERE partner_id IS NOT NULL
    GROUP BY 1, 2
    ORDER BY 1, 2
"""

_DRILL_DOWN = """
    SELECT deal_id, partner_id, attribution, partner_type, stage, amount, created_on, closed_on,
           DATE_DIFF('day', created_on, closed_on) AS days_to_close,
           CASE WHEN stage = 'open' THEN DATE_DIFF('day', created_on, {as_of}) END AS age_days
    FROM ({deals}) AS d
    WHERE {where}
    ORDER BY created_on, deal_id
    LIMIT {limit}
"""

_ENGAGEMENT = """
    SELECT partner_id, CAST(DATE_TRUNC('{unit}', occurred_on) AS DATE) AS period_start, activity,
           SUM(quantity) AS quantity
    FROM engagement
    WHERE occurred_on <= {as_of}
    GROUP BY 1, 2, 3
    ORDER BY 1, 2, 3
"""

_ACTIVITIES = "SELECT DISTINCT activity FROM engagement"

_SURVEYS = """
    SELECT partner_id, CAST(DATE_TRUNC('{unit}', responded_on) AS DATE) AS period_start, survey,
           COUNT(*) AS responses,
           SUM(score) AS score_sum,
           SUM(score / scale_max) AS score_pct_sum,
           COUNT(CASE WHEN scale_max = 10 AND score >= 9 THEN 1 END) AS promoters,
           COUNT(CASE WHEN scale_max = 10 AND score >= 7 AND score < 9 THEN 1 END) AS passives,
           COUNT(CASE WHEN scale_max = 10 AND score <= 6 THEN 1 END) AS detractors
    FROM surveys
    WHERE responded_on <= {as_of}
    GROUP BY 1, 2, 3
    ORDER BY 1, 2, 3
"""

_COMMENTS = """
    SELECT partner_id, responded_on, survey, score, scale_max, comment
    FROM surveys
    WHERE comment IS NOT NULL AND responded_on <= {as_of}
    ORDER BY responded_on, partner_id, survey, score, comment
"""

_MDF = """
    SELECT partner_id, CAST(DATE_TRUNC('{unit}', approved_on) AS DATE) AS period_start,
           COUNT(*) AS funds,
           SUM(amount_approved) AS amount_approved,
           SUM(amount_claimed) AS amount_claimed,
           SUM(attributed_revenue) AS attributed_revenue
    FROM mdf
    WHERE approved_on <= {as_of}
    GROUP BY 1, 2
    ORDER BY 1, 2
"""

_TARGETS = "SELECT partner_id, kpi, period_start, period_end, target FROM targets"

_TARGET_ACTUALS = """
    WITH kpi_events AS ({events}),
    windows AS (
        SELECT DISTINCT partner_id, kpi, period_start, period_end,
               CASE WHEN period_end < {as_of} THEN period_end ELSE {as_of} END AS window_end
        FROM targets
    )
    SELECT w.partner_id, w.kpi, w.period_start, w.period_end, COALESCE(SUM(e.amount), 0) AS actual
    FROM windows AS w
    LEFT JOIN kpi_events AS e
      ON e.partner_id = w.partner_id AND e.kpi = w.kpi
     AND e.on_date >= w.period_start AND e.on_date <= w.window_end
    WHERE w.kpi IN ({kpis})
    GROUP BY 1, 2, 3, 4
"""

# kpi: (condition on as_of_deals, value expression, date column)
_DEAL_EVENTS = {
    "revenue": ("stage = 'won'", "amount", "closed_on"),
    "sourced_revenue": ("stage = 'won' AND attribution = 'sourced'", "amount", "closed_on"),
    "influenced_revenue": ("stage = 'won' AND attribution = 'influenced'", "amount", "closed_on"),
    "deals_won": ("stage = 'won'", "1", "closed_on"),
    "new_customers": ("stage = 'won' AND is_new_customer", "1", "closed_on"),
    "pipeline_created": ("TRUE", "amount", "created_on"),
    "deals_created": ("TRUE", "1", "created_on"),
}


@lru_cache(maxsize=256)
def transpile(sql: str, dialect: str) -> str:
    """Translate one DuckDB-dialect query into ``dialect`` (a sqlglot dialect name).

    Examples
    --------
    >>> transpile("SELECT DATE_DIFF('day', a, b) AS d FROM t", "spark")
    'SELECT DATEDIFF(DAY, a, b) AS d FROM t'
    """
    if dialect == "duckdb":
        return sql
    tree = sqlglot.parse_one(sql, read="duckdb")
    if dialect == "spark":  # Spark's exact percentile (sqlglot would write PERCENTILE_CONT(x, q), not Spark SQL)
        tree = tree.transform(_exact_spark_percentile)
    return tree.sql(dialect=dialect, pretty=False)


def _exact_spark_percentile(node: exp.Expression) -> exp.Expression:
    if isinstance(node, exp.PercentileCont):
        return exp.Anonymous(this="PERCENTILE", expressions=[node.this, node.expression])
    return node


class RollupQueries:
    """The rollup queries for one grain and as-of date, in DuckDB's dialect.

    Parameters
    ----------
    freq
        ``"Q"`` or ``"M"``.
    as_of
        Last day counted.

    Examples
    --------
    >>> q = RollupQueries("Q", pd.Timestamp("2025-12-31"))
    >>> "DATE_TRUNC('quarter', closed_on)" in q.closed_facts
    True
    """

    def __init__(self, freq: str, as_of: pd.Timestamp) -> None:
        self.freq, self.as_of_date = freq, pd.Timestamp(as_of).normalize()
        self.unit = UNITS[freq]
        self.as_of = f"DATE '{self.as_of_date:%Y-%m-%d}'"

    @property
    def as_of_deals(self) -> str:
        """The deals as of ``as_of``: every deal query reads this relation, staged by the caller."""
        return _DEALS.format(as_of=self.as_of, deal_id="")

    def _deal_query(self, body: str) -> str:
        return body.format(unit=self.unit, as_of=self.as_of)

    def _query(self, body: str) -> str:
        return body.format(unit=self.unit, as_of=self.as_of)

    @property
    def closed_facts(self) -> str:
        """Partner × period of closing × attribution (direct deals too): won/lost counts and amounts, cycle days,
        new customers, first win."""
        return self._deal_query(_CLOSED_FACTS)

    @property
    def created_facts(self) -> str:
        """Partner × period of creation (direct deals too): deals and pipeline created, first creation date."""
        return self._deal_query(_CREATED_FACTS)

    def deal_stats(self, windows: Iterable[tuple[pd.Period, pd.Period, int]],
                   groupings: Iterable[str] = GROUPINGS) -> str:
        """Distribution statistics of won deals per window, grouping and measure (exact quantiles).

        Parameters
        ----------
        windows
            ``(period, window_end, periods)`` triples: the period of closing
            ``period`` counts in the ``periods``-long window ending at
            ``window_end``. Each window lists all its periods.
        groupings
            Which of ``all``, ``channel``, ``attribution``, ``partner_type``
            (default all four).

        Returns
        -------
        str
            One row per window, grouping and measure: ``window_end`` (the
            window's last period), ``periods``, ``measure`` (``amount`` or
            ``days`` to close), ``dimension`` (the grouping), ``member`` (the
            group), ``n`` (won deals), ``mean``, ``min``, ``max``, and for
            each quantile q of :data:`~partner_analytics.engine.distributions.QUANTILES` its neighbours
            ``q<100 q>_low`` and ``q<100 q>_high`` (x[floor h] and
            x[ceil h] at h = (n - 1) q), which
            :func:`~partner_analytics.engine.distributions.interpolate_quantiles`
            turns into the quantile.
        """
        return deal_stats_sql(_WITH_PARTNER_TYPE.format(deals=self._deal_query(_WON)), windows, groupings)

    @property
    def partner_deal_stats(self) -> str:
        """Partner × period of closing: median amount and median days to close of the won deals."""
        return _PARTNER_DEAL_STATS.format(won=self._deal_query(_WON))

    def drill_down(self, where: str, limit: int) -> str:
        """Row-level deals as of ``as_of`` matching ``where`` (SQL over the deal columns), at most ``limit`` rows."""
        deals = _WITH_PARTNER_TYPE.format(deals=_DEALS.format(as_of=self.as_of, deal_id="d.deal_id, "))
        return _DRILL_DOWN.format(deals=deals, as_of=self.as_of, where=where, limit=int(limit))

    @property
    def engagement(self) -> str:
        """Partner × period × activity: summed quantity."""
        return self._query(_ENGAGEMENT)

    @property
    def activities(self) -> str:
        """Distinct engagement activities."""
        return _ACTIVITIES

    @property
    def surveys(self) -> str:
        """Partner × period × survey: responses, score sums and NPS bands."""
        return self._query(_SURVEYS)

    @property
    def comments(self) -> str:
        """Survey responses with a comment."""
        return self._query(_COMMENTS)

    @property
    def mdf(self) -> str:
        """Partner × period of approval: funds and amounts."""
        return self._query(_MDF)

    @property
    def targets(self) -> str:
        """The targets table (one row per target)."""
        return _TARGETS

    def target_actuals(self, deal_kpis: Iterable[str], activities: dict[str, str]) -> str | None:
        """Actual per distinct target window, for the measurable KPIs.

        Parameters
        ----------
        deal_kpis
            Target KPIs measured on deals (keys of the deal-event table).
        activities
            Target KPI → engagement activity it counts.

        Returns
        -------
        str or None
            None when no KPI is measurable.
        """
        events = [
            f"SELECT partner_id, {literal(kpi)} AS kpi, {_DEAL_EVENTS[kpi][2]} AS on_date, "
            f"CAST({_DEAL_EVENTS[kpi][1]} AS DOUBLE) AS amount FROM as_of_deals "
            f"WHERE partner_id IS NOT NULL AND {_DEAL_EVENTS[kpi][0]}"
            for kpi in sorted(deal_kpis)
        ]
        events += [
            f"SELECT partner_id, {literal(kpi)} AS kpi, occurred_on AS on_date, quantity AS amount "
            f"FROM engagement WHERE activity = {literal(activity)}"
            for kpi, activity in sorted(activities.items())
        ]
        if not events:
            return None
        kpis = ", ".join(literal(k) for k in [*sorted(deal_kpis), *sorted(activities)])
        return _TARGET_ACTUALS.format(events=" UNION ALL ".join(events), as_of=self.as_of, kpis=kpis)


DEAL_EVENT_KPIS = tuple(_DEAL_EVENTS)
"""Target KPIs measured on deals."""
