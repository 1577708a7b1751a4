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

import numpy as np
import pandas as pd
import sqlglot
from sqlglot import exp

from ..sqltext import literal

__all__ = ["RollupQueries", "transpile", "interpolate_quantiles", "QUANTILES", "UNITS"]

UNITS = {"Q": "quarter", "M": "month"}
"""Period grain → ``DATE_TRUNC`` unit."""

# Deals as of the as-of date: created by then; a close after it is not a close yet. The staged
# ``as_of_deals`` leaves out ``deal_id``, which only the drill-down shows (a tenth of its memory at scale).
_DEALS = """
    SELECT {deal_id}d.partner_id, d.attribution, p.partner_type, d.amount, d.created_on,
           CASE WHEN d.closed_on <= {as_of} THEN d.closed_on END AS closed_on,
           CASE WHEN d.closed_on <= {as_of} THEN d.stage ELSE 'open' END AS stage,
           COALESCE(d.is_new_customer, FALSE) AS is_new_customer
    FROM deals AS d
    LEFT JOIN partners AS p ON p.partner_id = d.partner_id
    WHERE d.created_on <= {as_of}
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
    SELECT partner_id, attribution, partner_type, amount,
           CAST(DATE_DIFF('day', created_on, closed_on) AS DOUBLE) AS days,
           CAST(DATE_TRUNC('{unit}', closed_on) AS DATE) AS period_start
    FROM as_of_deals
    WHERE stage = 'won'
"""

# Groupings of the won deals: (member of a deal, which deals belong); "all" and "partner_type" are partner
# deals only.
_GROUPINGS = {
    "all": ("'all'", "attribution <> 'direct'"),
    "channel": ("CASE WHEN attribution = 'direct' THEN 'direct' ELSE 'partner' END", "TRUE"),
    "attribution": ("attribution", "TRUE"),
    "partner_type": ("partner_type", "attribution <> 'direct' AND partner_type IS NOT NULL"),
}

QUANTILES = (0.25, 0.5, 0.75)
"""The quantiles of :meth:`RollupQueries.deal_stats` (low and high neighbours of each)."""

BUCKETS_PER_E = 256
"""Value buckets per factor e (about 0.4 % wide) of :meth:`RollupQueries.deal_stats`."""

# Exact quantiles without holding a group's deals in memory (a quantile aggregate does, and cannot spill).
# Linear interpolation as pandas' default: the quantile q of n sorted values x[0..n-1] lies at h = (n - 1) q,
# between its neighbours x[floor h] and x[ceil h]. Each value falls in a bucket, monotone in the value:
#   1. cells: won deals counted (and summed, min, max) per period × attribution × partner type × measure ×
#      bucket: at most a few thousand buckets per period and group, however many deals;
#   2. windowed, ranked: the cells summed per window × grouping × bucket, with a running count of deals over
#      the buckets; the running counts locate the bucket of each neighbour and its rank inside the bucket;
#   3. needed, ordered: only the deals in those buckets are read again and ranked, which gives the exact
#      neighbour (a bucket whose lowest and highest values are equal needs no second look).
# Every step is a grouping, a join or a sort, which an engine can spill to disk.
_DEAL_STATS = """
    WITH cells AS (
        SELECT period_start, attribution, partner_type, measure, bucket,
               COUNT(*) AS deals, SUM(value) AS total, MIN(value) AS low, MAX(value) AS high
        FROM ({bucketed}) AS b
        GROUP BY period_start, attribution, partner_type, measure, bucket
    ),
    windows AS (
        SELECT CAST(period_start AS DATE) AS period_start, CAST(window_end AS DATE) AS window_end, periods
        FROM (VALUES {windows}) AS w(period_start, window_end, periods)
    ),
    windowed AS (
        SELECT w.window_end, w.periods, g.measure, g.dimension, g.member, g.bucket,
               SUM(g.deals) AS deals, SUM(g.total) AS total, MIN(g.low) AS low, MAX(g.high) AS high
        FROM ({grouped}) AS g
        JOIN windows AS w ON w.period_start = g.period_start
        GROUP BY w.window_end, w.periods, g.measure, g.dimension, g.member, g.bucket
    ),
    ranked AS (
        SELECT {group}, bucket, deals, total, low, high,
               SUM(deals) OVER (PARTITION BY {group} ORDER BY bucket ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
                   AS running,
               SUM(deals) OVER (PARTITION BY {group}) AS n
        FROM windowed
    ),
    neighbours AS (
        SELECT {group}, k.pct, k.side,
               CASE WHEN k.side = 'low' THEN FLOOR((n - 1) * k.pct / 100.0) ELSE CEIL((n - 1) * k.pct / 100.0) END
                   AS position
        FROM (SELECT DISTINCT {group}, n FROM ranked) AS groups
        CROSS JOIN (VALUES {neighbours}) AS k(pct, side)
    ),
    located AS (
        SELECT {nb_group}, nb.pct, nb.side, r.bucket, r.low, r.high, nb.position - (r.running - r.deals) AS rank
        FROM neighbours AS nb
        JOIN ranked AS r ON {nb_r_on} AND r.running - r.deals <= nb.position AND nb.position < r.running
    ),
    needed AS (
        SELECT DISTINCT {l_group}, l.bucket, w.period_start
        FROM located AS l
        JOIN windows AS w ON w.window_end = l.window_end AND w.periods = l.periods
        WHERE l.low < l.high
    ),
    ordered AS (
        SELECT {nd_group}, nd.bucket, b.value,
               ROW_NUMBER() OVER (PARTITION BY {nd_group}, nd.bucket ORDER BY b.value) - 1 AS rank
        FROM ({bucketed}) AS b
        JOIN needed AS nd ON b.period_start = nd.period_start AND b.measure = nd.measure AND b.bucket = nd.bucket
        WHERE {membership}
    ),
    picked AS (
        SELECT {l_group}, l.pct, l.side, COALESCE(o.value, l.low) AS value
        FROM located AS l
        LEFT JOIN ordered AS o ON {l_o_on} AND o.bucket = l.bucket AND o.rank = l.rank
    ),
    summary AS (
        SELECT {group}, MIN(n) AS n, SUM(total) / SUM(deals) AS mean, MIN(low) AS min, MAX(high) AS max
        FROM ranked
        GROUP BY {group}
    )
    SELECT {s_group}, MIN(s.n) AS n, MIN(s.mean) AS mean, MIN(s.min) AS min, MIN(s.max) AS max, {pivot}
    FROM summary AS s
    JOIN picked AS p ON {s_p_on}
    GROUP BY {s_group}
"""

# Each won deal's amount and days to close with their buckets. Written out where it is read rather than shared
# as a common table expression, which an engine may keep in memory whole between its two readers.
_BUCKETED = """
    SELECT period_start, attribution, partner_type, measure, value,
           CASE WHEN value >= 0 THEN FLOOR(LN(1 + value) * {per_e}) ELSE -1 - FLOOR(LN(1 - value) * {per_e}) END
               AS bucket
    FROM (SELECT period_start, attribution, partner_type, 'amount' AS measure, amount AS value FROM ({won}) AS w
          UNION ALL
          SELECT period_start, attribution, partner_type, 'days' AS measure, days AS value FROM ({won}) AS w) AS m
"""

_GROUP = ("window_end", "periods", "measure", "dimension", "member")


def _columns(alias: str) -> str:
    return ", ".join(f"{alias}.{c}" for c in _GROUP)


def _same_group(left: str, right: str) -> str:
    return " AND ".join(f"{left}.{c} = {right}.{c}" for c in _GROUP)


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
                   groupings: Iterable[str] = tuple(_GROUPINGS)) -> str:
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
            each quantile q of :data:`QUANTILES` its neighbours
            ``q<100 q>_low`` and ``q<100 q>_high`` (x[floor h] and
            x[ceil h] at h = (n - 1) q), which :func:`interpolate_quantiles`
            turns into the quantile.
        """
        rows = ", ".join(f"('{p.start_time:%Y-%m-%d}', '{e.start_time:%Y-%m-%d}', {int(n)})" for p, e, n in windows)
        rows = rows or "('1970-01-01', '1970-01-01', 0)"
        groupings = [(name, *_GROUPINGS[name]) for name in groupings]
        grouped = " UNION ALL ".join(
            f"SELECT '{name}' AS dimension, {member} AS member, period_start, measure, bucket, deals, total, low, high "
            f"FROM cells WHERE {condition}" for name, member, condition in groupings)
        membership = " OR ".join(f"(nd.dimension = '{name}' AND {condition} AND {member} = nd.member)"
                                 for name, member, condition in groupings)
        pcts = [round(100 * q) for q in QUANTILES]
        pivot = ", ".join(f"MIN(CASE WHEN p.pct = {pct} AND p.side = '{side}' THEN p.value END) AS q{pct}_{side}"
                          for pct in pcts for side in ("low", "high"))
        return _DEAL_STATS.format(
            bucketed=_BUCKETED.format(won=self._deal_query(_WON), per_e=BUCKETS_PER_E), windows=rows, grouped=grouped,
            group=", ".join(_GROUP), neighbours=", ".join(f"({pct}, '{side}')" for pct in pcts for side in ("low", "high")),
            nb_group=_columns("nb"), nb_r_on=_same_group("nb", "r"), l_group=_columns("l"), nd_group=_columns("nd"),
            membership=membership, l_o_on=_same_group("l", "o"), s_group=_columns("s"), s_p_on=_same_group("s", "p"),
            pivot=pivot)

    @property
    def partner_deal_stats(self) -> str:
        """Partner × period of closing: median amount and median days to close of the won deals."""
        return _PARTNER_DEAL_STATS.format(won=self._deal_query(_WON))

    def drill_down(self, where: str, limit: int) -> str:
        """Row-level deals as of ``as_of`` matching ``where`` (SQL over the deal columns), at most ``limit`` rows."""
        deals = _DEALS.format(as_of=self.as_of, deal_id="d.deal_id, ")
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


def interpolate_quantiles(stats: pd.DataFrame) -> pd.DataFrame:
    """Replace the quantile neighbours of :meth:`RollupQueries.deal_stats` with the quantiles.

    The quantile q lies at h = (n - 1) q between its neighbours low = x[floor h]
    and high = x[ceil h]: low + (h - floor h) (high - low), pandas' default
    (linear) interpolation.

    Parameters
    ----------
    stats
        Rows of :meth:`RollupQueries.deal_stats` (column names lower case).

    Returns
    -------
    DataFrame
        ``stats`` with ``p25``, ``median`` and ``p75`` instead of the
        ``q*_low`` / ``q*_high`` columns.

    Examples
    --------
    >>> row = pd.DataFrame({"n": [4], "q25_low": [1.0], "q25_high": [2.0], "q50_low": [2.0],
    ...                     "q50_high": [3.0], "q75_low": [3.0], "q75_high": [10.0]})
    >>> interpolate_quantiles(row)[["p25", "median", "p75"]].to_dict("records")
    [{'p25': 1.75, 'median': 2.5, 'p75': 4.75}]
    """
    out = stats.copy()
    n = out["n"].to_numpy(dtype="float64")
    for q, name in zip(QUANTILES, ("p25", "median", "p75")):
        pct = round(100 * q)
        low = out.pop(f"q{pct}_low").to_numpy(dtype="float64")
        high = out.pop(f"q{pct}_high").to_numpy(dtype="float64")
        h = (n - 1) * q
        out[name] = low + (h - np.floor(h)) * (high - low)
    return out


DEAL_EVENT_KPIS = tuple(_DEAL_EVENTS)
"""Target KPIs measured on deals."""
