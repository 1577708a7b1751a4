"""Peer statistics: percentile ranks and k-anonymous peer quantiles.

One formula for a partner's standing among its peers, used by the scorecard
(:mod:`partner_analytics.metrics.scorecard`) and the partner report alike.

Percentile rank
---------------
Within a group (partners of one type, one KPI), the partners with a value are
ranked (ties get their average rank, rank 1 = worst) and
``percentile = (rank − 1) / (n − 1)``: the share of the other partners with a
worse value, ties counted half (0..1). A lone partner gets 0.5. Values are
rounded to 12 significant digits before ranking (:func:`stable`), so two
values that differ only by floating-point noise tie.

Privacy rule (k-anonymity)
--------------------------
A partner sees peer statistics for a KPI only when at least ``min_peers``
**other** partners (the partner itself is not counted) have a value for it.
A shown peer quantile never equals one identifiable peer's value: it is the
mean of the ``min_peers`` peer values whose ranks are nearest to the quantile
(:func:`peer_quantile`), so every shown number blends at least ``min_peers``
partners (it can still equal their common value when they all tie).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .registry import KPIS

__all__ = ["stable", "percentile_ranks", "peer_quantile", "peer_quantiles_without_self", "peer_benchmarks",
           "SIGNIFICANT_DIGITS"]

SIGNIFICANT_DIGITS = 12
"""Values are rounded to this many significant digits before ranking."""


def stable(values: pd.Series) -> pd.Series:
    """``values`` rounded to :data:`SIGNIFICANT_DIGITS` significant digits (NaN and ±inf kept).

    Examples
    --------
    >>> stable(pd.Series([0.1 + 0.2, 0.3])).nunique()
    1
    """
    x = values.to_numpy(dtype=float, na_value=np.nan)
    finite = np.isfinite(x) & (x != 0)
    out = x.copy()
    magnitude = np.floor(np.log10(np.abs(x[finite])))
    with np.errstate(over="ignore", invalid="ignore"):  # extreme magnitudes cannot be scaled: keep them as they are
        scale = 10.0 ** (SIGNIFICANT_DIGITS - 1 - magnitude)
        rounded = np.round(x[finite] * scale) / scale
    out[finite] = np.where(np.isfinite(rounded), rounded, x[finite])
    return pd.Series(out, index=values.index, name=values.name)


def percentile_ranks(values: pd.Series, groups: Sequence[pd.Series] = ()) -> pd.Series:
    """Percentile rank (0..1, higher value = higher rank) of each value within its group.

    Parameters
    ----------
    values
        Values to rank (flip the sign first for lower-is-better KPIs).
    groups
        Series aligned with ``values`` whose combinations form the groups;
        none means one group.

    Returns
    -------
    Series
        ``(rank − 1) / (n − 1)`` (average ranks for ties), 0.5 for a lone
        value, NaN where the value is NaN.

    Examples
    --------
    >>> percentile_ranks(pd.Series([10.0, 20.0, 20.0, np.nan])).tolist()
    [0.0, 0.75, 0.75, nan]
    """
    x = stable(values)
    grouped = x.groupby(list(groups), dropna=False, sort=False) if len(groups) else x.groupby(np.zeros(len(x)))
    rank = grouped.rank(method="average")
    count = grouped.transform("count")
    pct = ((rank - 1.0) / (count - 1.0).where(count > 1)).where(count > 1, 0.5)
    return pct.where(x.notna()).astype(float)


def peer_quantile(values: np.ndarray, q: float, *, min_peers: int) -> float:
    """A quantile of peer values that discloses no single peer's value.

    The mean of the ``min_peers`` sorted values whose positions are nearest to
    the quantile's position ``q × (n − 1)``. NaN when fewer than
    ``min_peers`` values are given.

    Examples
    --------
    >>> peer_quantile(np.array([1.0, 2.0, 3.0, 4.0, 100.0]), 0.5, min_peers=5)
    22.0
    >>> peer_quantile(np.array([float(v) for v in range(1, 12)]), 0.5, min_peers=3)
    6.0
    """
    x = np.sort(np.asarray(values, dtype=float)[~np.isnan(values)])
    n = len(x)
    if n < max(min_peers, 1):
        return float("nan")
    k = max(min_peers, 1)
    centre = q * (n - 1)
    start = int(np.clip(np.floor(centre - (k - 1) / 2 + 0.5), 0, n - k))
    return float(x[start:start + k].mean())


def peer_quantiles_without_self(values: np.ndarray, own: np.ndarray, q: float, *, min_peers: int) -> np.ndarray:
    """:func:`peer_quantile` of a group's values without each member's own value, for many members at once.

    Element ``i`` of the result equals ``peer_quantile(values without one occurrence of own[i], q,
    min_peers=min_peers)``; ``own[i]`` NaN leaves nothing out (a partner outside the group, or without a
    value). One sort of the group serves every member, so a whole group costs O(n log n) rather than O(n²).

    Parameters
    ----------
    values
        The group's values (NaN = no value, ignored).
    own
        Per member, the value to leave out: it must be one of ``values``, or NaN.
    q, min_peers
        As :func:`peer_quantile`.

    Examples
    --------
    >>> peer_quantiles_without_self(np.array([1.0, 2.0, 3.0, 4.0]), np.array([1.0, np.nan]), 0.5, min_peers=2).tolist()
    [3.5, 2.5]
    """
    x = np.sort(np.asarray(values, dtype=float)[~np.isnan(values)])
    own = np.asarray(own, dtype=float)
    member = ~np.isnan(own)
    n = len(x) - member.astype(int)
    k = max(min_peers, 1)
    if len(own) == 0 or len(x) == 0:
        return np.full(len(own), np.nan)
    left_out = np.where(member, np.searchsorted(x, own), len(x))  # the position of one occurrence of own
    centre = q * (n - 1)
    start = np.clip(np.floor(centre - (k - 1) / 2 + 0.5), 0, np.maximum(n - k, 0)).astype(int)
    positions = start[:, None] + np.arange(k)
    positions = positions + (positions >= left_out[:, None])  # skip the left-out value
    means = x[np.minimum(positions, len(x) - 1)].mean(axis=1)
    return np.where(n >= k, means, np.nan)


def peer_benchmarks(kpi_table: pd.DataFrame, partner_id: str, names: Sequence[str], *, min_peers: int) -> pd.DataFrame:
    """A partner's standing among partners of its type, as anonymised aggregates.

    Parameters
    ----------
    kpi_table
        One row per partner: ``partner_id``, ``partner_type`` and KPI columns
        (the table the scorecard scores).
    partner_id
        The partner.
    names
        KPIs to benchmark.
    min_peers
        Smallest number of other partners with a value before anything is shown.

    Returns
    -------
    DataFrame
        ``kpi, value, percentile, peer_p25, peer_median, peer_p75, peers``:
        ``percentile`` as :func:`percentile_ranks` (the scorecard's peer score
        / 100); quartiles as :func:`peer_quantile` over the other partners;
        ``peers`` = other partners with a value. ``percentile`` and the
        quartiles are NaN when ``peers < min_peers`` or the partner has no value.
    """
    table = kpi_table.set_index("partner_id")
    same = table[table["partner_type"] == table.loc[partner_id, "partner_type"]]
    rows = []
    for name in names:
        signed = same[name].astype(float) * (1.0 if KPIS[name].higher_is_better else -1.0)
        value = float(same.loc[partner_id, name])
        others = same.loc[same.index != partner_id, name].dropna().to_numpy(dtype=float)
        shown = len(others) >= min_peers and not np.isnan(value)
        quartiles = [peer_quantile(others, q, min_peers=min_peers) if shown else np.nan for q in (0.25, 0.5, 0.75)]
        rows.append({"kpi": name, "value": value,
                     "percentile": float(percentile_ranks(signed).loc[partner_id]) if shown else np.nan,
                     "peer_p25": quartiles[0], "peer_median": quartiles[1], "peer_p75": quartiles[2],
                     "peers": len(others)})
    return pd.DataFrame(rows, columns=["kpi", "value", "percentile", "peer_p25", "peer_median", "peer_p75", "peers"])
