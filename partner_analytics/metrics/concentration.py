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

import pandas as pd

from ..rollup import Rollup
from .checks import require_columns as _require
from .checks import resolve_period as _period
from .inequality import (
    gini,
    hhi,
    lorenz_curve,
    pareto_curve,
    revenue_at_risk,
    share_generating_revenue,
    top_n_share,
    top_share,
)

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
