"""Inequality of revenue across partners: top shares, Gini, HHI, Lorenz and Pareto curves, revenue at risk.

"Series in, float out": every function takes ``values``, revenue per partner (a Series or array-like,
one value per partner, indexed by ``partner_id``). The input contract, the same for every function, is
stated in :mod:`partner_analytics.metrics.concentration`, which re-exports these functions and builds
``values`` from a :class:`~partner_analytics.Rollup` (:func:`~.concentration.partner_revenue`):
amounts >= 0 (negative raises ``ValueError``), NaN ignored, empty input or zero total gives NaN; shares
are fractions 0..1, HHI is on the 0..10,000 scale. The input is never modified.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = ["top_n_share", "top_share", "gini", "hhi", "share_generating_revenue", "lorenz_curve", "pareto_curve",
           "revenue_at_risk"]

def _clean(values: pd.Series | np.ndarray | list) -> pd.Series:
    """Float copy of ``values`` without NaN; ValueError on a negative value."""
    series = pd.Series(values, dtype="float64", copy=True) if not isinstance(values, pd.Series) else values
    series = series.astype("float64").dropna()
    negative = series[series < 0]
    if len(negative):
        raise ValueError(f"values must be >= 0; got {negative.iloc[0]} for partner {negative.index[0]!r}")
    return series


def top_n_share(values, *, n: int) -> float:
    """Share of revenue brought by the ``n`` largest partners.

    Formula: Σ of the ``n`` largest values / Σ values (fraction 0..1). With
    fewer than ``n`` partners every partner counts (share 1).

    Parameters
    ----------
    values
        Revenue per partner (>= 0; NaN ignored).
    n
        Number of partners (>= 1).

    Returns
    -------
    float
        NaN for empty input or zero total revenue.

    Raises
    ------
    ValueError
        If ``n < 1`` or a value is negative.

    Examples
    --------
    >>> top_n_share([50, 30, 20, 0], n=1)
    0.5
    >>> top_n_share([50, 30, 20, 0], n=2)
    0.8
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    ordered = np.sort(_clean(values).to_numpy())[::-1]
    total = ordered.sum()
    return float(ordered[:n].sum() / total) if total != 0 else float("nan")


def top_share(values, *, fraction: float = 0.2) -> float:
    """Share of revenue brought by the top ``fraction`` of partners.

    The top ``fraction`` of ``N`` partners is ``ceil(fraction · N)`` partners
    (at least one): the top 20 % of 7 partners is 2 partners. Then as
    :func:`top_n_share` (fraction 0..1).

    Parameters
    ----------
    values
        Revenue per partner (>= 0; NaN ignored).
    fraction
        Fraction of partners, in (0, 1].

    Returns
    -------
    float
        NaN for empty input or zero total revenue.

    Raises
    ------
    ValueError
        If ``fraction`` is not in (0, 1] or a value is negative.

    Examples
    --------
    >>> top_share([40, 30, 10, 10, 5, 5], fraction=0.2)  # ceil(1.2) = 2 partners
    0.7
    """
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    clean = _clean(values)
    if clean.empty:
        return float("nan")
    # round first so that 0.1 * 30 = 3.0000000000000004 counts as 3 partners, not 4
    return top_n_share(clean, n=max(1, math.ceil(round(fraction * len(clean), 9))))


def gini(values) -> float:
    """Gini coefficient of revenue across partners.

    Formula, on values sorted ascending ``x_1 <= … <= x_n``::

        G = Σ_i (2i − n − 1) · x_i / (n · Σ x)

    0 means every partner brings the same revenue; ``(n − 1) / n`` (close to
    1) means one partner brings everything. Partners with zero revenue count.
    Invariant to partner order and to scaling.

    Parameters
    ----------
    values
        Revenue per partner (>= 0; NaN ignored).

    Returns
    -------
    float
        In [0, 1). NaN for empty input or zero total revenue; 0 for a single
        partner with revenue.

    Raises
    ------
    ValueError
        If a value is negative.

    Examples
    --------
    >>> gini([0, 0, 0, 10])
    0.75
    >>> gini([5, 5, 5])
    0.0
    """
    x = np.sort(_clean(values).to_numpy())
    n, total = len(x), x.sum()
    if n == 0 or total == 0:
        return float("nan")
    rank = np.arange(1, n + 1)
    return float(max(0.0, ((2 * rank - n - 1) * x).sum() / (n * total)))


def hhi(values) -> float:
    """Herfindahl-Hirschman index of partner revenue.

    Formula: ``HHI = Σ_i (100 · s_i)²`` with ``s_i`` = partner revenue / Σ
    revenue. Ranges from ``10,000 / N`` (equal shares) to 10,000 (one
    partner brings everything); above 2,500 is usually called highly
    concentrated.

    Parameters
    ----------
    values
        Revenue per partner (>= 0; NaN ignored).

    Returns
    -------
    float
        In [0, 10,000]. NaN for empty input or zero total revenue.

    Raises
    ------
    ValueError
        If a value is negative.

    Examples
    --------
    >>> hhi([50, 50])
    5000.0
    >>> hhi([0, 0, 0, 10])
    10000.0
    """
    x = _clean(values).to_numpy()
    total = x.sum()
    return float(((100 * x / total) ** 2).sum()) if total != 0 else float("nan")


def share_generating_revenue(values) -> float:
    """Fraction of partners with revenue greater than 0.

    Formula: count(values > 0) / count(values) (fraction 0..1).

    Parameters
    ----------
    values
        Revenue per partner (>= 0; NaN ignored, so not counted).

    Returns
    -------
    float
        NaN for empty input; 0 when every partner has zero revenue.

    Raises
    ------
    ValueError
        If a value is negative.

    Examples
    --------
    >>> share_generating_revenue([0, 0, 5, 10])
    0.5
    """
    x = _clean(values)
    return float((x > 0).mean()) if len(x) else float("nan")


def lorenz_curve(values) -> pd.DataFrame:
    """Lorenz curve: cumulative revenue share against cumulative partner share.

    Partners are sorted by revenue ascending. Row ``k`` (``k = 0 … N``) holds
    ``partner_share = k / N`` and ``revenue_share`` = revenue of the ``k``
    smallest partners / Σ revenue. The curve starts at (0, 0) and ends at
    (1, 1); the Gini coefficient is 1 − 2 × the area under it.

    Parameters
    ----------
    values
        Revenue per partner (>= 0; NaN ignored).

    Returns
    -------
    DataFrame
        ``partner_share``, ``revenue_share`` (fractions), ``N + 1`` rows.
        Empty input gives an empty frame; zero total revenue gives NaN
        ``revenue_share`` after the origin.

    Raises
    ------
    ValueError
        If a value is negative.

    Examples
    --------
    >>> lorenz_curve([0, 10, 30])
       partner_share  revenue_share
    0       0.000000           0.00
    1       0.333333           0.00
    2       0.666667           0.25
    3       1.000000           1.00
    """
    x = np.sort(_clean(values).to_numpy())
    n, total = len(x), x.sum()
    if n == 0:
        return pd.DataFrame({"partner_share": pd.Series(dtype="float64"), "revenue_share": pd.Series(dtype="float64")})
    cumulative = np.concatenate([[0.0], np.cumsum(x)])
    revenue_share = cumulative / total if total != 0 else np.concatenate([[0.0], np.full(n, np.nan)])
    return pd.DataFrame({"partner_share": np.arange(n + 1) / n, "revenue_share": revenue_share})


def pareto_curve(values) -> pd.DataFrame:
    """Partners ranked by revenue with the cumulative share of revenue.

    Partners are sorted by revenue descending (ties by ``partner_id``).
    ``rank`` runs 1 … N; ``cumulative_share`` = revenue of the top ``rank``
    partners / Σ revenue; ``partner_share`` = rank / N (fractions).

    Parameters
    ----------
    values
        Revenue per partner (>= 0; NaN ignored); the index gives ``partner_id``.

    Returns
    -------
    DataFrame
        ``partner_id``, ``rank``, ``revenue``, ``cumulative_share``,
        ``partner_share``; one row per partner. ``cumulative_share`` is NaN
        when total revenue is 0; empty input gives an empty frame.

    Raises
    ------
    ValueError
        If a value is negative.

    Examples
    --------
    >>> pareto_curve(pd.Series({"P1": 20.0, "P2": 60.0, "P3": 20.0}))
      partner_id  rank  revenue  cumulative_share  partner_share
    0         P2     1     60.0               0.6       0.333333
    1         P1     2     20.0               0.8       0.666667
    2         P3     3     20.0               1.0       1.000000
    """
    x = _clean(values)
    ranked = pd.DataFrame({"partner_id": x.index, "revenue": x.to_numpy()})
    ranked = ranked.sort_values("partner_id", kind="stable").sort_values("revenue", ascending=False, kind="stable")
    n, total = len(ranked), ranked["revenue"].sum()
    rank = np.arange(1, n + 1, dtype="int64")
    cumulative = ranked["revenue"].cumsum().to_numpy() / total if total != 0 else np.full(n, np.nan)
    return ranked.reset_index(drop=True).assign(rank=rank, cumulative_share=cumulative, partner_share=rank / max(n, 1))[
        ["partner_id", "rank", "revenue", "cumulative_share", "partner_share"]]


def revenue_at_risk(values, *, k: int) -> pd.DataFrame:
    """Revenue lost if the top partners left, for the top 1 … ``k`` partners.

    Row ``j`` removes the ``j`` largest partners (ties by ``partner_id``):
    ``revenue_lost`` = Σ of their revenue (currency), ``share_lost`` =
    revenue_lost / Σ revenue (fraction), ``revenue_remaining`` = Σ revenue −
    revenue_lost. ``partner_id`` names the ``j``-th partner removed.

    Parameters
    ----------
    values
        Revenue per partner (>= 0; NaN ignored); the index gives ``partner_id``.
    k
        Largest number of partners removed (>= 1).

    Returns
    -------
    DataFrame
        ``top_k``, ``partner_id``, ``revenue_lost``, ``share_lost``,
        ``revenue_remaining``; ``min(k, N)`` rows (empty for empty input).
        ``share_lost`` is NaN when total revenue is 0.

    Raises
    ------
    ValueError
        If ``k < 1`` or a value is negative.

    Examples
    --------
    >>> revenue_at_risk(pd.Series({"P1": 20.0, "P2": 60.0, "P3": 20.0}), k=2)
       top_k partner_id  revenue_lost  share_lost  revenue_remaining
    0      1         P2          60.0         0.6               40.0
    1      2         P1          80.0         0.8               20.0
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, got {k}")
    pareto, total = pareto_curve(values).head(k), _clean(values).sum()
    lost = pareto["revenue"].cumsum()
    return pd.DataFrame({"top_k": pareto["rank"], "partner_id": pareto["partner_id"], "revenue_lost": lost,
                         "share_lost": pareto["cumulative_share"], "revenue_remaining": total - lost})
