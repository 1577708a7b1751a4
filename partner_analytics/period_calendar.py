"""The calendar of periods: what a period is, how many make a year, windows, completeness and labels.

Nothing here reads "today": the as-of date is always a parameter. The semantics are described in
:mod:`partner_analytics.periods`, which re-exports everything here.
"""

from __future__ import annotations

from types import MappingProxyType

import pandas as pd

__all__ = [
    "PERIODS_PER_YEAR",
    "periods_per_year",
    "period_unit",
    "window_phrase",
    "in_trailing_window",
    "period_days",
    "days_elapsed",
    "is_complete",
    "period_label",
    "same_days_as_of",
]

PERIODS_PER_YEAR = MappingProxyType({"Q": 4, "M": 12})
"""Periods in a year for each period length."""

def periods_per_year(freq: str) -> int:
    """Number of ``freq`` periods in a year.

    Examples
    --------
    >>> periods_per_year("Q"), periods_per_year("M")
    (4, 12)
    """
    try:
        return PERIODS_PER_YEAR[freq]
    except KeyError:
        raise ValueError(f"freq must be one of {sorted(PERIODS_PER_YEAR)}, got {freq!r}") from None


def period_unit(freq: str, n: int = 1) -> str:
    """The word for ``n`` periods of ``freq``: ``"quarter"``, ``"months"``, ...

    Examples
    --------
    >>> period_unit("Q"), period_unit("M", 12)
    ('quarter', 'months')
    """
    periods_per_year(freq)
    word = "quarter" if freq == "Q" else "month"
    return word if n == 1 else f"{word}s"


_NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def window_phrase(freq: str, n_periods: int | None = None) -> str:
    """How pages name a trailing window of ``n_periods`` (default: a year of periods) ending at the reported one.

    Every text and chart title that names a window uses this, so a monthly
    report never says "four quarters". Numbers below ten are spelled out.

    Examples
    --------
    >>> window_phrase("Q"), window_phrase("M")
    ('the last four quarters', 'the last 12 months')
    >>> window_phrase("M", 3), window_phrase("Q", 1)
    ('the last three months', 'the last quarter')
    """
    n = periods_per_year(freq) if n_periods is None else int(n_periods)
    if n < 1:
        raise ValueError("n_periods must be at least 1")
    if n == 1:
        return f"the last {period_unit(freq)}"
    count = _NUMBER_WORDS[n] if n < len(_NUMBER_WORDS) else f"{n:,}"
    return f"the last {count} {period_unit(freq, n)}"


def in_trailing_window(periods: pd.Series, *, end: pd.Period, n_periods: int) -> pd.Series:
    """Boolean mask: which of ``periods`` fall in the ``n_periods`` ending at ``end``."""
    if n_periods < 1:
        raise ValueError("n_periods must be at least 1")
    values = periods.array
    if isinstance(values, pd.arrays.PeriodArray) and values.freq == end.freq:  # compare ordinals (NaT: never in)
        ordinals = values.asi8
        inside = (ordinals > end.ordinal - n_periods) & (ordinals <= end.ordinal)
        return pd.Series(inside, index=periods.index, name=periods.name)
    return (periods > end - n_periods) & (periods <= end)


def period_days(period: pd.Period) -> int:
    """Calendar days in ``period``.

    Examples
    --------
    >>> period_days(pd.Period("2024Q1", "Q")), period_days(pd.Period("2023-02", "M"))
    (91, 28)
    """
    return int((period.end_time.normalize() - period.start_time).days) + 1


def days_elapsed(period: pd.Period, as_of: pd.Timestamp) -> int:
    """Days of ``period`` on or before ``as_of`` (0 before it starts, all of them after it ends).

    Examples
    --------
    >>> days_elapsed(pd.Period("2013Q4", "Q"), pd.Timestamp("2013-11-29"))
    60
    """
    days = (pd.Timestamp(as_of).normalize() - period.start_time).days + 1
    return int(min(max(days, 0), period_days(period)))


def is_complete(period: pd.Period, as_of: pd.Timestamp) -> bool:
    """Whether ``as_of`` is on or after the last day of ``period``."""
    return days_elapsed(period, as_of) == period_days(period)


def period_label(period: pd.Period, as_of: pd.Timestamp) -> str:
    """``"2025Q4"`` for a complete period, ``"2013Q4 to date: 60 of 92 days"`` for a partial one.

    Examples
    --------
    >>> period_label(pd.Period("2013Q4", "Q"), pd.Timestamp("2013-11-29"))
    '2013Q4 to date: 60 of 92 days'
    >>> period_label(pd.Period("2013Q3", "Q"), pd.Timestamp("2013-11-29"))
    '2013Q3'
    """
    if is_complete(period, as_of):
        return str(period)
    return f"{period} to date: {days_elapsed(period, as_of)} of {period_days(period)} days"


def same_days_as_of(period: pd.Period, as_of: pd.Timestamp, *, lag: int) -> pd.Timestamp:
    """The as-of date that covers as many days of ``period - lag`` as ``as_of`` covers of ``period``.

    Used to compare a partial period like-for-like: roll up with this date and
    read period ``period - lag``. The day count is capped at the earlier
    period's length (a 31-day month to date against a 30-day month).

    Examples
    --------
    >>> same_days_as_of(pd.Period("2013Q4", "Q"), pd.Timestamp("2013-11-29"), lag=1)
    Timestamp('2013-08-29 00:00:00')
    >>> same_days_as_of(pd.Period("2013Q4", "Q"), pd.Timestamp("2013-11-29"), lag=4)
    Timestamp('2012-11-29 00:00:00')
    """
    earlier = period - lag
    days = min(days_elapsed(period, as_of), period_days(earlier))
    return earlier.start_time + pd.Timedelta(days=days - 1)
