"""Activity metrics: what partners did in a window, and who is active.

Counts, rates and participation per activity, and the partners active in the
last days. Definitions (window, enrolled partners, activities, "not
available" without an engagement table, errors) are those of
:mod:`partner_analytics.metrics.engagement`, which re-exports these functions
and builds the engagement index, funnel and revenue association on them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..rollup import Rollup
from .checks import require_columns as _require
from .checks import resolve_period as _period
from .windows import enrolled_in_window as _enrolled
from .windows import in_window as _in_window
from .windows import partner_index as _partner_ids
from .windows import partner_positions as _positions
from ..lookup import positions_in
from .windows import sums_by_key

__all__ = [
    "activity_counts",
    "activity_rates",
    "participation_rate",
    "active_partners",
    "active_partner_share",
    "activity_quantities",
    "activity_quantities_by_window",
    "has_engagement",
]

_COLUMNS = ["partner_id", "period", "activity", "quantity"]

_PERIOD_DAYS = {"Q": 365.25 / 4, "M": 365.25 / 12}


def _activities(facts: Rollup) -> list[str]:
    engagement = _require(facts.engagement, _COLUMNS, "engagement")
    return sorted(engagement["activity"].dropna().unique())


def activity_quantities(facts: Rollup, end: pd.Period, n: int) -> pd.DataFrame:
    """Σ quantity per partner and activity over the ``n`` periods ending at ``end`` (wide).

    Index: the partners of ``facts.partners``; columns: the recorded activities, sorted; a true 0.0
    where a partner has no rows.
    """
    return activity_quantities_by_window(facts, end, (n,))[n]


def activity_quantities_by_window(facts: Rollup, end: pd.Period, lengths: tuple[int, ...]) -> dict[int, pd.DataFrame]:
    """:func:`activity_quantities` for several window lengths ending at ``end``, in one pass.

    The rows of the longest window are matched to partners and activities once; each shorter
    window sums its own rows of them (in row order, so the sums equal separate calls).
    """
    engagement = _require(facts.engagement, _COLUMNS, "engagement")
    activities = _activities(facts)
    window = _in_window(engagement["period"], end, max(lengths)).to_numpy()
    positions = _positions(facts, engagement["partner_id"].array[window])
    kinds = positions_in(engagement["activity"].array[window], pd.Index(activities))
    mine = (positions >= 0) & (kinds >= 0)
    cells = positions[mine] * len(activities) + kinds[mine]  # partner × activity, row-major
    quantity = engagement["quantity"].to_numpy(dtype="float64", na_value=np.nan)[window][mine]
    periods = pd.Series(engagement["period"].array[window][mine])
    out = {}
    for n in lengths:
        inside = _in_window(periods, end, n).to_numpy()
        wide = sums_by_key(cells[inside], quantity[inside], len(facts.partners) * len(activities))
        out[n] = pd.DataFrame(wide.reshape(len(facts.partners), len(activities)), index=_partner_ids(facts),
                              columns=activities)
    return out


def has_engagement(facts: Rollup) -> bool:
    """Whether the program had an engagement table (otherwise engagement values are NaN, not 0)."""
    return "engagement" in facts.available


def activity_counts(facts: Rollup, *, period: str | pd.Period | None = None, periods: int = 1) -> pd.DataFrame:
    """Quantity of every activity per partner over a window (long).

    ``quantity`` = Σ engagement quantity of the partner and activity in the
    ``periods`` periods ending at ``period`` (a count; true 0 when none).
    Every partner of ``facts.partners`` (enrolled or not) × every recorded
    activity is present; empty when the program has no engagement table.

    Parameters
    ----------
    facts
        Rolled-up program facts.
    period, periods
        Last period (default ``facts.period``) and length in ``facts.freq``
        periods (>= 1) of the window.

    Returns
    -------
    DataFrame
        ``partner_id``, ``activity``, ``quantity``; partners in
        ``facts.partners`` order, activities sorted within each partner.

    Raises
    ------
    ValueError
        If ``periods < 1``, ``period`` is outside ``facts.periods`` or a
        facts frame lacks a column.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"), as_of="2025-12-31")
    >>> counts = activity_counts(facts, period="2025Q4")
    >>> list(counts.columns), len(counts) == len(facts.partners) * counts["activity"].nunique()
    (['partner_id', 'activity', 'quantity'], True)
    """
    end = _period(facts, period)
    wide = activity_quantities(facts, end, periods)
    if not has_engagement(facts):
        wide = wide.iloc[:, :0]
    activities = list(wide.columns)
    return pd.DataFrame({
        "partner_id": wide.index.repeat(len(activities)),
        "activity": pd.array(activities * len(wide), dtype="str"),
        "quantity": wide.to_numpy(dtype="float64").ravel(),
    })


def activity_rates(facts: Rollup, *, period: str | pd.Period | None = None, periods: int = 1) -> pd.DataFrame:
    """Reach and volume of each activity among enrolled partners over a window.

    Per recorded activity, over the partners enrolled in the window:

    * ``partners_active`` = number of partners with quantity > 0 (count);
      ``enrolled_partners`` = number of enrolled partners (count).
    * ``rate`` = partners_active / enrolled_partners (fraction 0..1); NaN
      with no enrolled partner.
    * ``total`` = Σ quantity (count); ``mean_per_partner`` = total /
      enrolled_partners (count per partner, inactive partners included);
      NaN with no enrolled partner.

    Empty (no rows) when the program has no engagement table.

    Parameters
    ----------
    facts
        Rolled-up program facts.
    period, periods
        Last period (default ``facts.period``) and length in ``facts.freq``
        periods (>= 1) of the window.

    Returns
    -------
    DataFrame
        ``activity``, ``partners_active``, ``enrolled_partners``, ``rate``,
        ``total``, ``mean_per_partner``; one row per activity, sorted.

    Raises
    ------
    ValueError
        As :func:`activity_counts`.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"), as_of="2025-12-31")
    >>> rates = activity_rates(facts, periods=4)
    >>> bool(rates["rate"].between(0, 1).all())
    True
    """
    end = _period(facts, period)
    wide = activity_quantities(facts, end, periods)[_enrolled(facts, end, periods).to_numpy()]
    if not has_engagement(facts):
        wide = wide.iloc[:, :0]
    enrolled = float(len(wide))
    denominator = enrolled if enrolled else np.nan
    active = (wide > 0).sum().astype("float64")
    total = wide.sum().astype("float64")
    return pd.DataFrame({
        "activity": pd.array(list(wide.columns), dtype="str"),
        "partners_active": active.to_numpy(),
        "enrolled_partners": np.full(len(active), enrolled),
        "rate": (active / denominator).to_numpy(),
        "total": total.to_numpy(),
        "mean_per_partner": (total / denominator).to_numpy(),
    })


def participation_rate(
    facts: Rollup, *, activity: str = "program_enrolment", period: str | pd.Period | None = None, periods: int = 4
) -> float:
    """Share of enrolled partners with an activity in a window.

    ``rate`` = (enrolled partners with Σ quantity of ``activity`` > 0 in the
    window) / (enrolled partners), a fraction 0..1. An activity never
    recorded gives 0.0. NaN when no partner is enrolled in the window or the
    program has no engagement table.

    Parameters
    ----------
    facts
        Rolled-up program facts.
    activity
        Activity code, e.g. ``"program_enrolment"`` or ``"webinar"``.
    period, periods
        Last period (default ``facts.period``) and length in ``facts.freq``
        periods (>= 1) of the window.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        As :func:`activity_counts`.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"), as_of="2025-12-31")
    >>> 0 <= participation_rate(facts, activity="webinar") <= 1
    True
    """
    end = _period(facts, period)
    enrolled = _enrolled(facts, end, periods)
    wide = activity_quantities(facts, end, periods)
    if not has_engagement(facts) or not enrolled.any():
        return float("nan")
    if activity not in wide.columns:
        return 0.0
    return float((wide.loc[enrolled.to_numpy(), activity] > 0).mean())


def _recent_periods(facts: Rollup, days: int) -> int:
    if days < 1:
        raise ValueError(f"days must be >= 1, got {days}")
    return max(1, round(days / _PERIOD_DAYS[facts.freq]))


def active_partners(facts: Rollup, *, days: int = 90) -> pd.DataFrame:
    """Which enrolled partners had any activity in roughly the last ``days`` days.

    Engagement facts are by period, so the trailing window is **whole
    periods**: the ``max(1, round(days / L))`` periods ending at
    ``facts.period`` (the period containing ``as_of``), where ``L`` is the
    mean period length (30.44 days for ``"M"``, 91.31 for ``"Q"``). With a
    monthly rollup 90 days are the 3 months ending at ``as_of``; with a
    quarterly rollup they are the last quarter (and 30 days still one
    quarter). Facts only count activity up to ``as_of``, so the window ends
    there but may start up to half a period earlier or later than
    ``as_of − days``: use a monthly rollup for day-level windows.

    A partner is **active** when its Σ quantity over all activities in the
    window is > 0. Partners are those enrolled in at least one period of the
    window.

    Parameters
    ----------
    facts
        Rolled-up program facts.
    days
        Trailing window in days (>= 1).

    Returns
    -------
    DataFrame
        ``partner_id``, ``active`` (bool), one row per enrolled partner in
        ``facts.partners`` order. ``active`` is all False when the program
        has no engagement table (use :func:`active_partner_share`, which is
        then NaN).

    Raises
    ------
    ValueError
        If ``days < 1`` or a facts frame lacks a column.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"), freq="M", as_of="2025-12-31")
    >>> recent = active_partners(facts, days=90)  # October to December 2025
    >>> list(recent.columns)
    ['partner_id', 'active']
    """
    n = _recent_periods(facts, days)
    enrolled = _enrolled(facts, facts.period, n)
    wide = activity_quantities(facts, facts.period, n)[enrolled.to_numpy()]
    active = wide.sum(axis=1).gt(0) if has_engagement(facts) else pd.Series(False, index=wide.index)
    return pd.DataFrame({"partner_id": wide.index.array, "active": active.to_numpy(dtype=bool)})


def active_partner_share(facts: Rollup, *, days: int = 90) -> float:
    """Share of enrolled partners active in roughly the last ``days`` days.

    ``share`` = active partners / enrolled partners (fraction 0..1), with
    the whole-period window of :func:`active_partners`. NaN with no enrolled
    partner or when the program has no engagement table.

    Parameters
    ----------
    facts
        Rolled-up program facts.
    days
        Trailing window in days (>= 1).

    Returns
    -------
    float

    Raises
    ------
    ValueError
        As :func:`active_partners`.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"), freq="M", as_of="2025-12-31")
    >>> 0 <= active_partner_share(facts, days=90) <= 1
    True
    """
    active = active_partners(facts, days=days)["active"]
    if not has_engagement(facts) or active.empty:
        return float("nan")
    return float(active.mean())
