"""What the data covers, and the default reporting period and as-of date derived from it.

Coverage of every table, rows by day, a sparse tail of stray records and :func:`resolve_coverage`; the rules are
described in :mod:`partner_analytics.periods`, which re-exports everything here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .errors import InputError
from .period_calendar import (
    days_elapsed,
    is_complete,
    period_days,
    period_label,
    period_unit,
    periods_per_year,
    window_phrase,
)

if TYPE_CHECKING:
    from .engine.program import EngineProgram
    from .program import Program

__all__ = [
    "GRACE_DAYS",
    "data_coverage",
    "activity_by_day",
    "SparseTail",
    "find_sparse_tail",
    "sparse_tail_warning",
    "Coverage",
    "resolve_coverage",
]

GRACE_DAYS = 3
"""Data ending at most this many days before a period's last day still completes it (by default)."""

_ROW_DATES = {  # table -> the date a row counts at (its latest event)
    "deals": ("created_on", "closed_on"),
    "engagement": ("occurred_on",),
    "surveys": ("responded_on",),
    "mdf": ("approved_on",),
}
_TABLE_DATES = {"partners": ("onboarded_on",), "deals": _ROW_DATES["deals"], "targets": ("period_start", "period_end"),
                **{t: c for t, c in _ROW_DATES.items() if t != "deals"}}


# ----------------------------------------------------------------------------------------------------------------
# What the data covers


def data_coverage(program: Program | EngineProgram) -> pd.DataFrame:
    """First and last date and the row count of every supplied table.

    Returns
    -------
    DataFrame
        ``table, rows, first, last`` in schema order (partners: onboarding
        dates; deals: creation and close dates; targets: target periods;
        the others: their event date). ``first``/``last`` are NaT for a table
        without dates.
    """
    rows = []
    for table, columns in _TABLE_DATES.items():
        if not program.has(table):
            continue
        if _is_engine(program):
            select = ", ".join(f"MIN({c}) AS min_{c}, MAX({c}) AS max_{c}" for c in columns)
            result = program.engine.fetch(f"SELECT COUNT(*) AS n, {select} FROM {table}").iloc[0]
            count = int(result.iloc[0])
            firsts = [pd.Timestamp(result.iloc[1 + 2 * i]) for i in range(len(columns))]
            lasts = [pd.Timestamp(result.iloc[2 + 2 * i]) for i in range(len(columns))]
        else:
            frame = program.table(table)
            count = len(frame)
            firsts = [frame[c].min() for c in columns]
            lasts = [frame[c].max() for c in columns]
        first = min((d for d in firsts if pd.notna(d)), default=pd.NaT)
        last = max((d for d in lasts if pd.notna(d)), default=pd.NaT)
        rows.append({"table": table, "rows": count, "first": first, "last": last})
    out = pd.DataFrame(rows, columns=["table", "rows", "first", "last"])
    return out.astype({"rows": "int64", "first": "datetime64[ns]", "last": "datetime64[ns]"})


def _is_engine(program: object) -> bool:
    return hasattr(program, "engine")  # an EngineProgram (imported lazily: no engine import at module load)


def activity_by_day(program: Program | EngineProgram) -> pd.Series:
    """Rows of the event tables counted at the last date each carries, by day.

    A deal counts at its close date (its creation date while open); an
    engagement, survey or MDF row at its own date. Computed in the engine for
    an engine program, so only one number per day leaves it.

    Returns
    -------
    Series
        Row counts (int) indexed by day (sorted), named ``rows``.
    """
    parts = []
    if _is_engine(program):
        selects = []
        for table, columns in _ROW_DATES.items():
            if program.has(table):
                day = columns[0] if len(columns) == 1 else f"COALESCE({columns[1]}, {columns[0]})"
                selects.append(f"SELECT {day} AS d FROM {table}")
        sql = (f"SELECT CAST(d AS DATE) AS day, COUNT(*) AS n FROM ({' UNION ALL '.join(selects)}) AS rows_by_day "
               "WHERE d IS NOT NULL GROUP BY CAST(d AS DATE)")
        frame = program.engine.fetch(sql)
        frame.columns = [str(c).lower() for c in frame.columns]
        counts = pd.Series(frame["n"].to_numpy(dtype="int64"), index=pd.to_datetime(frame["day"]))
    else:
        for table, columns in _ROW_DATES.items():
            if program.has(table):
                frame = program.table(table)
                day = frame[columns[0]] if len(columns) == 1 else frame[columns[1]].fillna(frame[columns[0]])
                parts.append(day.dropna())
        days = pd.concat(parts) if parts else pd.Series(dtype="datetime64[ns]")
        counts = days.dt.normalize().value_counts()
    counts = counts.groupby(level=0).sum().sort_index().astype("int64")
    counts.index = pd.DatetimeIndex(counts.index, name="day").astype("datetime64[ns]")
    return counts.rename("rows")


@dataclass(frozen=True)
class SparseTail:
    """A few rows at the end of the data that should not set the default period.

    Attributes
    ----------
    rows
        Rows in the tail.
    first, last
        Dates of the tail's first and last row.
    before
        Date of the last row before the tail (the default as-of date).
    reason
        ``"gap"`` (after a long quiet spell) or ``"low_volume"``.
    gap_days
        Days between ``before`` and ``first``.
    share
        ``rows`` as a fraction of all rows.
    """

    rows: int
    first: pd.Timestamp
    last: pd.Timestamp
    before: pd.Timestamp
    reason: str
    gap_days: int
    share: float

    def sentence(self) -> str:
        """Plain-language description, naming the count and the dates."""
        dates = (f"on {self.first.date()}" if self.first == self.last
                 else f"from {self.first.date()} to {self.last.date()}")
        rows = f"{self.rows:,} record{'s' if self.rows != 1 else ''}"
        if self.reason == "gap":
            why = f"{self.gap_days} days after the previous record ({self.before.date()})"
        else:
            why = f"far below the usual volume (after {self.before.date()})"
        return f"{rows} ({self.share:.2%} of all) dated {dates} come {why}"


def find_sparse_tail(
    rows_by_day: pd.Series,
    *,
    freq: str = "Q",
    gap_days: int = 90,
    max_share: float = 0.01,
    low_ratio: float = 0.1,
) -> SparseTail | None:
    """Find a stray tail at the end of the data (rules in the module docstring), or None.

    Parameters
    ----------
    rows_by_day
        Row counts by day, as from :func:`activity_by_day`.
    freq
        Period length for the low-volume rule.
    gap_days
        A quiet spell at least this long may precede a tail.
    max_share
        A tail after a gap holds at most this fraction of all rows.
    low_ratio
        The last period is a tail when its rate per day is below this
        fraction of the median rate of the (up to four) periods before it.

    Examples
    --------
    >>> days = pd.date_range("2020-01-01", "2020-12-31")
    >>> counts = pd.concat([pd.Series(10, index=days), pd.Series(2, index=[pd.Timestamp("2022-05-01")])])
    >>> tail = find_sparse_tail(counts)
    >>> tail.rows, str(tail.first.date()), tail.reason
    (2, '2022-05-01', 'gap')
    """
    counts = rows_by_day[rows_by_day > 0].sort_index()
    total = int(counts.sum())
    if len(counts) < 2 or total == 0:
        return None
    days = counts.index
    gaps = np.diff(days.to_numpy()).astype("timedelta64[D]").astype(int)
    after = total - np.cumsum(counts.to_numpy())[:-1]  # rows after each gap
    for i in np.flatnonzero((gaps >= gap_days) & (after <= max_share * total)):
        return _tail(counts.iloc[i + 1:], before=days[i], reason="gap", total=total)
    period = counts.index.to_period(freq)
    last = period[-1]
    history = counts[period < last]
    if history.empty:
        return None
    per_period = history.groupby(history.index.to_period(freq)).sum()
    per_period = per_period[per_period.index >= last - 4]
    usual = float(np.median([n / period_days(p) for p, n in per_period.items()]))
    tail = counts[period == last]
    rate = tail.sum() / days_elapsed(last, days[-1])
    if rate < low_ratio * usual:
        return _tail(tail, before=history.index[-1], reason="low_volume", total=total)
    return None


def _tail(tail: pd.Series, *, before: pd.Timestamp, reason: str, total: int) -> SparseTail:
    first = pd.Timestamp(tail.index[0])
    return SparseTail(rows=int(tail.sum()), first=first, last=pd.Timestamp(tail.index[-1]),
                      before=pd.Timestamp(before), reason=reason, gap_days=int((first - before).days),
                      share=float(tail.sum() / total))


def sparse_tail_warning(program: Program | EngineProgram, *, freq: str = "Q") -> str | None:
    """The ``validate`` warning about a sparse tail in ``program``, or None when there is none."""
    tail = find_sparse_tail(activity_by_day(program), freq=freq)
    if tail is None:
        return None
    return (f"{tail.sentence()}; reports leave them out of the default period "
            f"(pass --as-of {tail.last.date()} to count them)")


# ----------------------------------------------------------------------------------------------------------------
# What a report counts


@dataclass(frozen=True)
class Coverage:
    """What the data covers and what a report counts.

    Attributes
    ----------
    freq
        Period length.
    period
        The reporting period.
    as_of
        Last day counted.
    complete
        Whether ``period`` is complete at ``as_of``.
    chosen
        How the period was chosen: ``"default"``, ``"period"`` (given) or ``"as_of"`` (given).
    tables
        :func:`data_coverage` of the program.
    data_start, data_end
        First and last date of any row (events, not targets).
    tail
        The sparse tail left out by default, or None.
    """

    freq: str
    period: pd.Period
    as_of: pd.Timestamp
    complete: bool
    chosen: str
    tables: pd.DataFrame = field(repr=False, compare=False)
    data_start: pd.Timestamp
    data_end: pd.Timestamp
    tail: SparseTail | None = None

    @property
    def label(self) -> str:
        """The period as shown on a page (see :func:`period_label`)."""
        return period_label(self.period, self.as_of)

    @property
    def window(self) -> str:
        """The trailing year ending at the period, in words: ``"the last four quarters"`` (:func:`window_phrase`)."""
        return window_phrase(self.freq)

    @property
    def days(self) -> int:
        """Days of the period counted."""
        return days_elapsed(self.period, self.as_of)

    def versus(self, lag: int = 1) -> str:
        """What a change is measured against, e.g. ``"vs prior period"`` or ``"vs the same 60 days of 2013Q3"``."""
        if self.complete:
            return "vs prior period" if lag == 1 else f"vs {self.period - lag}"
        return f"vs the same {self.days} days of {self.period - lag}"

    def note(self, *, subject: str = "This page") -> str:
        """The coverage note every page shows: what the data covers and what ``subject`` counts."""
        text = f"Data from {self.data_start.date()} to {self.data_end.date()}."
        if self.complete:
            text += (f" {subject} reports {self.period}, a complete {period_unit(self.freq)}, "
                     f"counted to {self.as_of.date()}.")
        else:
            text += (f" {subject} reports {self.label} (counted to {self.as_of.date()}); comparisons use the same "
                     f"{self.days} days of earlier {period_unit(self.freq, 2)}.")
        last = (self.tail.before if self.tail is not None else self.data_end).to_period(self.freq)
        if self.chosen == "default" and last == self.period + 1:
            text += (f" The data stops part-way through {last}, so the latest complete {period_unit(self.freq)} "
                     "is shown.")
        elif self.chosen == "default" and last > self.period + 1:
            text += f" {self.period + 1} to {last} have too little activity to report, so {self.period} is shown."
        if self.tail is not None and self.as_of < self.tail.first:
            text += f" Left out: {self.tail.sentence()}."
        return text


def resolve_coverage(
    program: Program | EngineProgram,
    *,
    freq: str = "Q",
    as_of: str | pd.Timestamp | None = None,
    period: str | pd.Period | None = None,
) -> Coverage:
    """Decide the reporting period and as-of date of ``program`` (rules in the module docstring).

    Parameters
    ----------
    program
        A validated program, in memory or on an engine.
    freq
        ``"Q"`` or ``"M"``.
    as_of
        Last day to count; given, it is honoured. With ``period`` and
        without ``as_of``, counting stops at the period's end (or the data's).
    period
        Reporting period; given, it is honoured.

    Raises
    ------
    ValueError
        If the program holds no dated rows.
    """
    periods_per_year(freq)
    tables = data_coverage(program)
    counts = activity_by_day(program)
    if counts.empty:
        raise InputError("the program has no dated records (deals, engagement, surveys or MDF)")
    tail = find_sparse_tail(counts, freq=freq)
    events = tables[tables["table"].isin(list(_ROW_DATES))]
    data_start, data_end = events["first"].min(), counts.index[-1]
    usable_end = tail.before if tail is not None else data_end
    if as_of is not None:
        as_of = pd.Timestamp(as_of).normalize()
        chosen_period = pd.Period(period, freq=freq) if period else as_of.to_period(freq)
        chosen = "period" if period else "as_of"
    else:
        if period:
            chosen_period, chosen = pd.Period(period, freq=freq), "period"
        else:
            chosen_period, chosen = _default_period(counts[counts.index <= usable_end], freq), "default"
        last_day = chosen_period.end_time.normalize()
        # counting stops at the period's end, or at the data's (the tail counts only in a period asked for)
        as_of = min(last_day, usable_end if chosen_period.start_time <= usable_end else data_end)
        if last_day - as_of <= pd.Timedelta(days=GRACE_DAYS):
            as_of = last_day
    return Coverage(freq=freq, period=chosen_period, as_of=as_of, complete=is_complete(chosen_period, as_of),
                    chosen=chosen, tables=tables, data_start=data_start, data_end=data_end, tail=tail)


def _default_period(counts: pd.Series, freq: str) -> pd.Period:
    """Latest complete period with material activity (else the latest period)."""
    end = counts.index[-1]
    per_period = counts.groupby(counts.index.to_period(freq)).sum()
    per_period = per_period.reindex(pd.period_range(per_period.index[0], per_period.index[-1], freq=freq),
                                    fill_value=0)
    material = per_period >= 0.1 * float(per_period[per_period > 0].median())
    complete = [p.end_time.normalize() - end <= pd.Timedelta(days=GRACE_DAYS) for p in per_period.index]
    candidates = per_period.index[material.to_numpy() & np.array(complete)]
    return candidates[-1] if len(candidates) else per_period.index[-1]
