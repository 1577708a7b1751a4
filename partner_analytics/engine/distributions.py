"""Exact distributions of won deals per window and grouping, in SQL that never holds a window's deals.

A quantile aggregate (``quantile_cont``, ``percentile``) keeps every value of
its group in memory and cannot spill to disk; over windows of many periods at
100M deals that set the rollup's peak memory. The query here locates each
quantile through counts instead, and reads only the few deals it needs again.
Linear interpolation, as pandas' default: the quantile q of n sorted values
x[0..n-1] lies at h = (n - 1) q, between its neighbours x[floor h] and
x[ceil h]. Each value falls in a bucket, monotone in the value
(:data:`BUCKETS_PER_E` per factor e):

1. **cells**: won deals counted (and summed, min, max) per period ×
   attribution × partner type × measure × bucket: at most a few thousand
   buckets per period and group, however many deals;
2. **windowed, ranked**: the cells summed per window × grouping × bucket, with
   a running count of deals over the buckets; the running counts locate the
   bucket of each neighbour and its rank inside the bucket;
3. **needed, ordered**: only the deals in those buckets are read again and
   ranked, which gives the exact neighbour (a bucket whose lowest and highest
   values are equal needs no second look).

Every step is a grouping, a join or a sort, which an engine can spill.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

__all__ = ["GROUPINGS", "QUANTILES", "BUCKETS_PER_E", "deal_stats_sql", "interpolate_quantiles"]

# Groupings of the won deals: (member of a deal, which deals belong); "all" and "partner_type" are partner
# deals only.
_GROUPINGS = {
    "all": ("'all'", "attribution <> 'direct'"),
    "channel": ("CASE WHEN attribution = 'direct' THEN 'direct' ELSE 'partner' END", "TRUE"),
    "attribution": ("attribution", "TRUE"),
    "partner_type": ("partner_type", "attribution <> 'direct' AND partner_type IS NOT NULL"),
}

GROUPINGS = tuple(_GROUPINGS)
"""The groupings :func:`deal_stats_sql` can compute."""

QUANTILES = (0.25, 0.5, 0.75)
"""The quantiles of :func:`deal_stats_sql` (low and high neighbours of each)."""

_NEIGHBOURS = tuple((round(100 * q), side) for q in QUANTILES for side in ("low", "high"))
"""(percent, side) of each quantile neighbour: the columns ``q<percent>_<side>``."""

BUCKETS_PER_E = 256
"""Value buckets per factor e (about 0.4 % wide) of :func:`deal_stats_sql`."""

# The three steps of the module docstring, over the won deals' values in ``{bucketed}``.
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

# Each won deal's amount and days to close with their buckets, from one read of the won deals. Written out where
# it is read rather than shared as a common table expression, which an engine may keep in memory whole between
# its two readers.
_BUCKETED = """
    SELECT period_start, attribution, partner_type, measure, value,
           CASE WHEN value >= 0 THEN FLOOR(LN(1 + value) * {per_e}) ELSE -1 - FLOOR(LN(1 - value) * {per_e}) END
               AS bucket
    FROM (SELECT w.period_start, w.attribution, w.partner_type, m.measure,
                 CASE WHEN m.measure = 'amount' THEN w.amount ELSE w.days END AS value
          FROM ({won}) AS w
          CROSS JOIN (VALUES ('amount'), ('days')) AS m(measure)) AS v
"""

_GROUP = ("window_end", "periods", "measure", "dimension", "member")


def _columns(alias: str) -> str:
    return ", ".join(f"{alias}.{c}" for c in _GROUP)


def _same_group(left: str, right: str) -> str:
    return " AND ".join(f"{left}.{c} = {right}.{c}" for c in _GROUP)


def deal_stats_sql(won: str, windows: Iterable[tuple[pd.Period, pd.Period, int]], groupings: Iterable[str]) -> str:
    """The distribution query of :meth:`~partner_analytics.engine.queries.RollupQueries.deal_stats`.

    Parameters
    ----------
    won
        A DuckDB-dialect ``SELECT`` of the won deals: ``attribution``,
        ``partner_type``, ``amount``, ``days`` (to close) and
        ``period_start`` (of closing).
    windows
        ``(period, window_end, periods)`` triples, each window listing all its periods.
    groupings
        Names from :data:`GROUPINGS`.

    Returns
    -------
    str
        The query; its columns are described at ``RollupQueries.deal_stats``.
    """
    rows = ", ".join(f"('{p.start_time:%Y-%m-%d}', '{e.start_time:%Y-%m-%d}', {int(n)})" for p, e, n in windows)
    rows = rows or "('1970-01-01', '1970-01-01', 0)"
    groupings = [(name, *_GROUPINGS[name]) for name in groupings]
    grouped = " UNION ALL ".join(
        f"SELECT '{name}' AS dimension, {member} AS member, period_start, measure, bucket, deals, total, low, high "
        f"FROM cells WHERE {condition}" for name, member, condition in groupings)
    membership = " OR ".join(f"(nd.dimension = '{name}' AND {condition} AND {member} = nd.member)"
                             for name, member, condition in groupings)
    pivot = ", ".join(f"MIN(CASE WHEN p.pct = {pct} AND p.side = '{side}' THEN p.value END) AS q{pct}_{side}"
                      for pct, side in _NEIGHBOURS)
    return _DEAL_STATS.format(
        bucketed=_BUCKETED.format(won=won, per_e=BUCKETS_PER_E), windows=rows, grouped=grouped,
        group=", ".join(_GROUP), neighbours=", ".join(f"({pct}, '{side}')" for pct, side in _NEIGHBOURS),
        nb_group=_columns("nb"), nb_r_on=_same_group("nb", "r"), l_group=_columns("l"), nd_group=_columns("nd"),
        membership=membership, l_o_on=_same_group("l", "o"), s_group=_columns("s"), s_p_on=_same_group("s", "p"),
        pivot=pivot)


def interpolate_quantiles(stats: pd.DataFrame) -> pd.DataFrame:
    """Replace the quantile neighbours of the rows of :func:`deal_stats_sql` with the quantiles.

    The quantile q lies at h = (n - 1) q between its neighbours low = x[floor h]
    and high = x[ceil h]: low + (h - floor h) (high - low), pandas' default
    (linear) interpolation.

    Parameters
    ----------
    stats
        Rows of :meth:`~partner_analytics.engine.queries.RollupQueries.deal_stats` (column names lower case).

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
