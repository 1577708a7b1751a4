"""The sample's calendar and array helpers: its window of days, growing deal flow, ids, labels, dates.

Days are ``int64`` day numbers since 1970-01-01 (negative = missing) so that every draw of
:mod:`partner_analytics.sample_generator` stays vectorised; :func:`as_dates` turns them into dates.
Deal flow grows linearly over the window, by :data:`GROWTH` from start to end.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

__all__ = ["SAMPLE_START", "SAMPLE_AS_OF", "day_number", "START_DAY", "AS_OF_DAY", "SPAN_DAYS", "DAYS_PER_MONTH",
           "GROWTH", "as_dates", "make_ids", "as_labels", "split_counts", "expit", "growth_mass", "growth_days",
           "flow_months", "month_starts", "month_index"]

SAMPLE_START = "2022-01-01"
"""First day of the sample's deal, engagement and survey history."""

SAMPLE_AS_OF = "2025-12-31"
"""Last day of the sample; nothing happens after it."""


def day_number(text: str) -> int:
    """Days since 1970-01-01 of an ISO date."""
    return int(np.datetime64(text, "D").astype(np.int64))


START_DAY, AS_OF_DAY = day_number(SAMPLE_START), day_number(SAMPLE_AS_OF)
SPAN_DAYS = AS_OF_DAY - START_DAY + 1  # days in the sample window
DAYS_PER_MONTH = 365.25 / 12
GROWTH = 0.8  # deal flow at the end of the window is (1 + GROWTH) x the start


def as_dates(days: np.ndarray) -> pd.Series:
    """Day numbers (negative = missing) as a ``datetime64[ns]`` Series."""
    days = np.asarray(days, dtype=np.int64)
    values = days.astype("datetime64[D]").astype("datetime64[ns]")
    values[days < 0] = np.datetime64("NaT")
    return pd.Series(values)


def make_ids(prefix: str, count: int, width: int) -> pd.api.extensions.ExtensionArray:
    """``prefix`` + 1-based zero-padded numbers (text), widened if ``count`` needs it."""
    numbers = pd.Series(np.arange(1, count + 1)).astype("str").str.zfill(max(width, len(str(count))))
    return (prefix + numbers).array


def as_labels(options: object, codes: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """``options[codes]`` as a text array; code -1 gives a missing value."""
    return pd.array(np.asarray(options, dtype=object), dtype="str").take(
        np.asarray(codes, dtype=np.intp), allow_fill=True)


def split_counts(shares: np.ndarray, n: int) -> np.ndarray:
    """Split ``n`` into integer counts proportional to ``shares`` (largest remainder)."""
    raw = np.asarray(shares, dtype=float) / np.sum(shares) * n
    counts = np.floor(raw).astype(np.int64)
    counts[np.argsort(counts - raw, kind="stable")[: n - counts.sum()]] += 1
    return counts


def expit(x: np.ndarray) -> np.ndarray:
    """The logistic function ``1 / (1 + exp(-x))``."""
    return 1.0 / (1.0 + np.exp(-x))


def growth_mass(days: np.ndarray) -> np.ndarray:
    """Share of the window's deal flow before ``days`` (density grows linearly by :data:`GROWTH`)."""
    x = np.clip((np.asarray(days, dtype=float) - START_DAY) / SPAN_DAYS, 0.0, 1.0)
    return (x + GROWTH * x**2 / 2) / (1 + GROWTH / 2)


def growth_days(u: np.ndarray, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Days in ``[first, last]`` drawn from the growing deal-flow density (``u`` uniform)."""
    lo, hi = growth_mass(first), growth_mass(last + 1)
    mass = (lo + u * (hi - lo)) * (1 + GROWTH / 2)
    x = (np.sqrt(1 + 2 * GROWTH * mass) - 1) / GROWTH
    return np.clip(START_DAY + np.floor(x * SPAN_DAYS).astype(np.int64), first, last)


def flow_months(first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Average-growth months of deal flow between days ``first`` and ``last`` (inclusive)."""
    return (growth_mass(last + 1) - growth_mass(first)) * SPAN_DAYS / DAYS_PER_MONTH


def month_starts() -> np.ndarray:
    """Day numbers of the first of each month in the window."""
    months = np.arange(np.datetime64(SAMPLE_START, "M"), np.datetime64(SAMPLE_AS_OF, "M") + 1)
    return months.astype("datetime64[D]").astype(np.int64)


def month_index(days: np.ndarray) -> np.ndarray:
    """Month number (0 = first month of the window) of day numbers."""
    months = np.asarray(days).astype("datetime64[D]").astype("datetime64[M]").astype(np.int64)
    return months - np.datetime64(SAMPLE_START, "M").astype(np.int64)
