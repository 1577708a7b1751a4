"""Revenue concentration: how much of partner revenue a few partners bring.

Scalar metrics take ``values``: a Series (or array-like) of revenue per
partner, one value per partner, indexed by ``partner_id`` — "Series in, float
out". :func:`partner_revenue` builds it from a :class:`~partner_analytics.Rollup`.

Input contract, the same for every function:

* Values are amounts in the reporting currency and must be >= 0; a negative
  value raises ``ValueError``.
* NaN values are **ignored**: a NaN is not a partner with revenue, so it is
  dropped before counting partners (it is neither a zero nor an error).
* Empty input (after dropping NaN) gives NaN; so does zero total revenue for
  metrics divided by it (shares, Gini, HHI). The input is never modified.

Shares are fractions 0..1; HHI is on the 0..10,000 scale.

Population
----------
Which partners a program-level figure counts is a choice, named by
``population`` (params key ``concentration.population``, see
:data:`POPULATIONS`):

* ``"enrolled"`` (default) — every partner enrolled in the window, zero
  revenue included. Non-producing partners pull the Gini up and the top
  10 % of partners is a larger group.
* ``"with_revenue"`` — only partners with revenue in the window; the
  figures describe how revenue is spread among producing partners.
  ``share_generating_revenue`` is then 1 by construction.

:func:`population_label` gives the words a report uses to name it.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from ..rollup import Rollup
from .checks import require_columns as _require
from .checks import resolve_period as _period

__all__ = ["POPULATIONS", "population_label", "top_n_share", "top_share", "gini", "hhi", "share_generating_revenue", "lorenz_curve", "pareto_curve",
           "revenue_at_risk", "partner_revenue", "concentration_summary", "concentration_trend"]


POPULATIONS = ("enrolled", "with_revenue")
"""Partner populations of the program-level concentration figures (module docstring)."""

_POPULATION_LABELS = {
    "enrolled": "all partners enrolled in the period, including those without revenue",
    "with_revenue": "partners with revenue in the period only",
}


def population_label(population: str) -> str:
    """Plain words naming a concentration population, for a report sentence.

    Examples
    --------
    >>> f"Concentration counts {population_label('with_revenue')}."
    'Concentration counts partners with revenue in the period only.'

    Raises
    ------
    ValueError
        If ``population`` is not one of :data:`POPULATIONS`.
    """
    return _POPULATION_LABELS[_population(population)]


def _population(population: str) -> str:
    if population not in POPULATIONS:
        raise ValueError(f"population must be one of {', '.join(POPULATIONS)}, got {population!r}")
    return population


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


def partner_revenue(facts: Rollup, *, period: str | pd.Period | None = None, window: int = 1,
                    population: str = "enrolled") -> pd.Series:
    """Revenue per partner over the ``window`` periods ending at ``period``.

    With ``population="enrolled"`` the population is every partner enrolled
    in at least one period of the window, plus any partner with revenue in it
    (e.g. a churned partner's last deals); with ``"with_revenue"`` only the
    partners whose revenue in the window is above 0. Revenue is Σ partner
    revenue (sourced + influenced) closed in the window (currency), zero when
    nothing closed. Windows reaching before the first rollup period sum the
    periods available.

    Parameters
    ----------
    facts
        Rolled-up program facts.
    period
        Last period of the window (default ``facts.period``).
    window
        Number of trailing periods summed (>= 1): 4 quarters or 12 months
        for a year.
    population
        ``"enrolled"`` or ``"with_revenue"`` (:data:`POPULATIONS`).

    Returns
    -------
    Series
        Named ``revenue``, indexed by ``partner_id`` (sorted).

    Raises
    ------
    ValueError
        If ``window < 1``, ``population`` is unknown, ``period`` is outside
        ``facts.periods`` or ``partner_periods`` lacks a column.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"), as_of="2025-12-31")
    >>> year = partner_revenue(facts, period="2025Q4", window=4)
    >>> bool(year.ge(0).all()) and year.name == "revenue"
    True
    """
    if window < 1:
        raise ValueError(f"window must be at least 1, got {window}")
    _population(population)
    period = _period(facts, period)
    grid = _require(facts.partner_periods, ["partner_id", "period", "enrolled", "revenue"], "partner_periods")
    rows = grid[(grid["period"] > period - window) & (grid["period"] <= period)]
    per_partner = rows.groupby("partner_id", sort=True).agg(revenue=("revenue", "sum"), enrolled=("enrolled", "any"))
    keep = per_partner["revenue"] > 0
    if population == "enrolled":
        keep |= per_partner["enrolled"]
    return per_partner.loc[keep, "revenue"].astype("float64")


_SUMMARY = ["partners", "revenue", "gini", "hhi", "top_5_share", "top_10_share", "top_10pct_share",
            "top_20pct_share", "share_generating_revenue"]


def _summarise(values: pd.Series) -> dict[str, float]:
    return {
        "partners": len(values),
        "revenue": float(values.sum()),
        "gini": gini(values),
        "hhi": hhi(values),
        "top_5_share": top_n_share(values, n=5),
        "top_10_share": top_n_share(values, n=10),
        "top_10pct_share": top_share(values, fraction=0.1),
        "top_20pct_share": top_share(values, fraction=0.2),
        "share_generating_revenue": share_generating_revenue(values),
    }


def _summary_frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["period", "window", "window_complete", *_SUMMARY])
    return frame.astype({"window": "int64", "window_complete": "bool", "partners": "int64",
                         **dict.fromkeys(_SUMMARY[1:], "float64")})


def _summary_row(facts: Rollup, period: pd.Period, window: int, population: str) -> dict:
    values = partner_revenue(facts, period=period, window=window, population=population)
    complete = bool(len(facts.periods)) and period - (window - 1) >= facts.periods[0]
    return {"period": period, "window": window, "window_complete": complete, **_summarise(values)}


def concentration_summary(facts: Rollup, *, period: str | pd.Period | None = None, window: int = 1,
                          population: str = "enrolled") -> pd.DataFrame:
    """Every concentration metric for one period, as a one-row frame.

    Computed on :func:`partner_revenue` ``(facts, period=period,
    window=window, population=population)``: ``partners`` (count of that population), ``revenue``
    (Σ, currency), ``gini``, ``hhi`` (0..10,000), ``top_5_share``,
    ``top_10_share`` (:func:`top_n_share`), ``top_10pct_share``,
    ``top_20pct_share`` (:func:`top_share`, ceil rounding) and
    ``share_generating_revenue`` (fractions). Edge cases as in each function:
    NaN when there are no partners or no revenue.

    Parameters
    ----------
    facts, period, window, population
        As :func:`partner_revenue` (``window=4`` on quarters: a trailing year).

    Returns
    -------
    DataFrame
        One row: ``period``, ``window``, ``window_complete`` (False when the
        window reaches before the first rollup period) and the metrics above.

    Raises
    ------
    ValueError
        As :func:`partner_revenue`.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"), as_of="2025-12-31")
    >>> summary = concentration_summary(facts, period="2025Q4", window=4)
    >>> len(summary)
    1
    >>> list(summary.columns)  # doctest: +NORMALIZE_WHITESPACE
    ['period', 'window', 'window_complete', 'partners', 'revenue', 'gini', 'hhi', 'top_5_share',
     'top_10_share', 'top_10pct_share', 'top_20pct_share', 'share_generating_revenue']
    """
    return _summary_frame([_summary_row(facts, _period(facts, period), window, _population(population))])


def concentration_trend(facts: Rollup, *, window: int = 4, population: str = "enrolled") -> pd.DataFrame:
    """Concentration metrics for every period of the rollup.

    Each row is :func:`concentration_summary` for that period with the same
    ``window`` (trailing periods summed; the default 4 is a trailing year of
    quarters — use 12 for months). Early rows whose window reaches before the
    first period have ``window_complete`` False and sum fewer periods.

    Parameters
    ----------
    facts, window, population
        As :func:`partner_revenue` (``window`` >= 1).

    Returns
    -------
    DataFrame
        One row per period of ``facts.periods``: ``period``, ``window``,
        ``window_complete``, ``partners``, ``revenue``, ``gini``, ``hhi``,
        ``top_5_share``, ``top_10_share``, ``top_10pct_share``,
        ``top_20pct_share``, ``share_generating_revenue``.

    Raises
    ------
    ValueError
        If ``window < 1``, ``population`` is unknown or ``partner_periods``
        lacks a column.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"), as_of="2025-12-31")
    >>> trend = concentration_trend(facts, window=4)
    >>> len(trend) == len(facts.periods)
    True
    """
    if window < 1:
        raise ValueError(f"window must be at least 1, got {window}")
    _population(population)
    return _summary_frame([_summary_row(facts, period, window, population) for period in facts.periods])
