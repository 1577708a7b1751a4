"""Per-partner sums over a trailing window of the Rollup's partner grid, shared by the metric modules.

A window is the ``n`` periods ending at ``end`` (:func:`partner_analytics.periods.in_trailing_window`).
Every function returns one value per partner of ``facts.partners``, in that order, with partners
without rows in the window at ``False`` / ``0.0`` (a true zero, not missing). A facts frame missing a
column raises ``ValueError`` naming it; ``n < 1`` raises ``ValueError``. Inputs are never modified.
"""

from __future__ import annotations

import pandas as pd

from ..periods import in_trailing_window
from ..rollup import Rollup
from .checks import require_columns

__all__ = ["in_window", "partner_index", "enrolled_in_window", "partner_window_sums", "window_performance"]


def in_window(periods: pd.Series, end: pd.Period, n: int) -> pd.Series:
    """Boolean mask of ``periods`` in the ``n`` periods ending at ``end``.

    :func:`~partner_analytics.periods.in_trailing_window`, with the error naming the metric argument
    ``periods``.

    Examples
    --------
    >>> quarters = pd.Series(pd.period_range("2025Q1", periods=4, freq="Q"))
    >>> in_window(quarters, pd.Period("2025Q3", "Q"), 2).tolist()
    [False, True, True, False]
    """
    if n < 1:
        raise ValueError(f"periods must be >= 1, got {n}")
    return in_trailing_window(periods, end=end, n_periods=n)


def partner_index(facts: Rollup) -> pd.Index:
    """The partners of ``facts.partners`` as an Index named ``partner_id``."""
    return pd.Index(require_columns(facts.partners, ["partner_id"], "partners")["partner_id"].array,
                    name="partner_id")


def enrolled_in_window(facts: Rollup, end: pd.Period, n: int) -> pd.Series:
    """Bool per partner of ``facts.partners``: enrolled in at least one period of the window."""
    grid = require_columns(facts.partner_periods, ["partner_id", "period", "enrolled"], "partner_periods")
    window = grid[in_window(grid["period"], end, n)]
    return window.groupby("partner_id")["enrolled"].any().reindex(partner_index(facts), fill_value=False).astype(bool)


def partner_window_sums(facts: Rollup, end: pd.Period, n: int, column: str) -> pd.Series:
    """Σ ``column`` of ``partner_periods`` per partner of ``facts.partners`` over the window (float)."""
    grid = require_columns(facts.partner_periods, ["partner_id", "period", column], "partner_periods")
    window = grid[in_window(grid["period"], end, n)]
    return window.groupby("partner_id")[column].sum().reindex(partner_index(facts), fill_value=0.0).astype("float64")


def window_performance(facts: Rollup, end: pd.Period, periods: int) -> pd.DataFrame:
    """Window revenue, revenue growth vs the previous window and win rate per partner.

    Returns
    -------
    DataFrame
        Indexed by ``partner_id``: ``revenue`` (Σ over the window), ``revenue_growth`` (revenue / revenue
        of the ``periods`` before − 1; NaN when that was 0 or reaches before the first rollup period) and
        ``win_rate`` (won / (won + lost) deals; NaN with no closed deal).
    """
    revenue = partner_window_sums(facts, end, periods, "revenue")
    prior = partner_window_sums(facts, end - periods, periods, "revenue")
    complete = len(facts.periods) > 0 and end - 2 * periods + 1 >= facts.periods[0]
    won = partner_window_sums(facts, end, periods, "won_deals")
    closed = won + partner_window_sums(facts, end, periods, "lost_deals")
    return pd.DataFrame({
        "revenue": revenue,
        "revenue_growth": revenue / prior.where((prior != 0) & complete) - 1,
        "win_rate": won / closed.where(closed != 0),
    })
