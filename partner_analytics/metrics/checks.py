"""Argument checks shared by every metric module."""

from __future__ import annotations

import pandas as pd

from ..errors import InputError
from ..rollup import Rollup

__all__ = ["resolve_period", "require_columns"]


def resolve_period(facts: Rollup, period: str | pd.Period | None) -> pd.Period:
    """Normalise ``period`` to a Period of ``facts.freq`` inside ``facts.periods``.

    ``None`` means the reporting period (the one containing ``facts.as_of``).

    Raises
    ------
    InputError
        If the period lies outside the rollup's periods (a ``ValueError``).
    """
    if period is None:
        return facts.period
    normalised = pd.Period(period, freq=facts.freq)
    if normalised not in facts.periods:
        first, last = (facts.periods[0], facts.periods[-1]) if len(facts.periods) else ("-", "-")
        raise InputError(f"period {normalised} is outside the rollup's periods {first}..{last}")
    return normalised


def require_columns(frame: pd.DataFrame, columns: list[str], table: str) -> pd.DataFrame:
    """Return ``frame``; raise ValueError naming the first of ``columns`` it lacks."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{table} is missing column {missing[0]!r}")
    return frame
