"""Per-partner sums over a trailing window of the Rollup's partner grid, shared by the metric modules.

A window is the ``n`` periods ending at ``end`` (:func:`partner_analytics.periods.in_trailing_window`).
Every function returns one value per partner of ``facts.partners``, in that order, with partners
without rows in the window at ``False`` / ``0.0`` (a true zero, not missing). A facts frame missing a
column raises ``ValueError`` naming it; ``n < 1`` raises ``ValueError``. Inputs are never modified.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..lookup import positions_in
from ..periods import in_trailing_window
from ..rollup import Rollup
from .checks import require_columns

__all__ = [
    "in_window",
    "partner_index",
    "partner_positions",
    "rows_in_period",
    "align_to_partners",
    "sum_by_partner",
    "sums_by_key",
    "enrolled_in_window",
    "partner_window_sums",
    "window_performance",
]


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


def partner_positions(facts: Rollup, ids: pd.Series | pd.api.extensions.ExtensionArray) -> np.ndarray:
    """Position in ``facts.partners`` of each of ``ids``; −1 for a missing id or one that is not a partner.

    Hashes each distinct id once, so aligning a large frame to the partners costs one factorisation,
    not a string lookup per row.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> facts = SimpleNamespace(partners=pd.DataFrame({"partner_id": ["A", "B"]}))
    >>> partner_positions(facts, pd.Series(["B", "C", "B", None, "A"])).tolist()
    [1, -1, 1, -1, 0]
    """
    return positions_in(ids, partner_index(facts))


def rows_in_period(frame: pd.DataFrame, period: pd.Period, columns: list[str]) -> pd.DataFrame:
    """``partner_id`` and ``columns`` of the rows of ``frame`` whose ``period`` is ``period`` (only those columns
    are copied)."""
    return frame.loc[in_window(frame["period"], period, 1).to_numpy(), ["partner_id", *columns]]


def align_to_partners(facts: Rollup, rows: pd.DataFrame, columns: list[str], *,
                      fill: float = np.nan) -> pd.DataFrame:
    """``columns`` of ``rows`` (at most one row per partner) in ``facts.partners`` order, as float.

    Partners without a row get ``fill``; rows of other partners are ignored. The result has a
    ``RangeIndex`` over the partners (``partner_id`` is not a column).
    """
    positions = partner_positions(facts, rows["partner_id"])
    mine = positions >= 0
    out = {}
    for column in columns:
        values = np.full(len(facts.partners), fill, dtype="float64")
        values[positions[mine]] = rows[column].to_numpy(dtype="float64", na_value=np.nan)[mine]
        out[column] = values
    return pd.DataFrame(out, columns=columns)


def sums_by_key(keys: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """Σ ``values`` per key ``0 .. size-1`` (0.0 for a key without values), the numbers of a pandas groupby sum.

    Whole numbers (counts) sum exactly in any order, so they take the fast ``np.bincount``; anything else
    (amounts, NaN) takes pandas' compensated groupby sum, which skips NaN.

    Examples
    --------
    >>> sums_by_key(np.array([2, 0, 2]), np.array([1.0, 2.0, 3.0]), 4).tolist()
    [2.0, 0.0, 4.0, 0.0]
    """
    values = np.asarray(values, dtype="float64")
    if np.all(values == np.floor(values)) and np.abs(values).sum() < 2.0**53:
        return np.bincount(keys, weights=values, minlength=size).astype("float64")
    out = np.zeros(size, dtype="float64")
    if len(values):
        sums = pd.Series(values).groupby(keys, sort=False).sum()
        out[sums.index.to_numpy(dtype="int64")] = sums.to_numpy(dtype="float64")
    return out


def sum_by_partner(facts: Rollup, rows: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Σ ``columns`` of ``rows`` per partner of ``facts.partners`` (that order, ``RangeIndex``), float.

    Partners without rows get a true 0.0; rows of other partners are ignored. The sums are those of
    ``rows.groupby("partner_id").sum()`` (:func:`sums_by_key`).
    """
    positions = partner_positions(facts, rows["partner_id"])
    mine = positions >= 0
    return pd.DataFrame({c: sums_by_key(positions[mine], rows[c].to_numpy(dtype="float64", na_value=np.nan)[mine],
                                        len(facts.partners)) for c in columns}, columns=columns)


def enrolled_in_window(facts: Rollup, end: pd.Period, n: int) -> pd.Series:
    """Bool per partner of ``facts.partners``: enrolled in at least one period of the window."""
    grid = require_columns(facts.partner_periods, ["partner_id", "period", "enrolled"], "partner_periods")
    window = grid[in_window(grid["period"], end, n)]
    positions = partner_positions(facts, window["partner_id"])
    enrolled = np.zeros(len(facts.partners), dtype=bool)
    enrolled[positions[(positions >= 0) & window["enrolled"].to_numpy(dtype=bool)]] = True
    return pd.Series(enrolled, index=partner_index(facts), name="enrolled")


def partner_window_sums(facts: Rollup, end: pd.Period, n: int, column: str) -> pd.Series:
    """Σ ``column`` of ``partner_periods`` per partner of ``facts.partners`` over the window (float)."""
    grid = require_columns(facts.partner_periods, ["partner_id", "period", column], "partner_periods")
    window = grid[in_window(grid["period"], end, n)]
    return sum_by_partner(facts, window, [column])[column].set_axis(partner_index(facts)).rename(column)


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
