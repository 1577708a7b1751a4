"""Periods, windows and data coverage: the one place that knows what a period means.

Everything else asks this module how many periods make a year, which periods
a trailing window holds, whether a period is complete, and what the data
covers. Nothing here reads "today": the as-of date is always a parameter.

Period semantics
----------------
* A period is a pandas ``Period`` of ``freq`` ``"Q"`` (quarter) or ``"M"``
  (month); :func:`periods_per_year` gives 4 or 12.
* A trailing window of ``n`` periods ending at ``end`` holds the periods
  ``end - n + 1 .. end`` (:func:`in_trailing_window`).
* A period is **complete** at ``as_of`` when ``as_of`` is on or after its last
  day; otherwise it is **partial** and is labelled with the days it covers,
  e.g. ``"2013Q4 to date: 60 of 92 days"`` (:func:`period_label`).
* A partial period is compared like-for-like: with the same number of days
  from the start of the prior period, and of the same period one year earlier
  (:func:`same_days_as_of`).

Coverage and the default period
-------------------------------
:func:`data_coverage` lists the first and last date of every table.
:func:`activity_by_day` counts rows by the last date they carry (a deal's
close date, else its creation date; an activity's, response's or approval's
date). From those counts :func:`find_sparse_tail` spots a stray tail:

* **after a gap**: the rows after a quiet spell of at least ``gap_days`` (90)
  days, when they are at most ``max_share`` (1 %) of all rows;
* **low volume**: otherwise, the last period's rows when its rate per day
  (over the days it has run) is below ``low_ratio`` (10 %) of the median rate
  of up to four periods before it.

:func:`resolve_coverage` then picks what a report counts. An explicit
``as_of`` or ``period`` is always honoured. Without them, ``as_of`` is the last
date before any sparse tail, and the period is the latest **complete** period
with material activity (at least 10 % of the median rows per period); a data
end at most :data:`GRACE_DAYS` days before a period's last day counts as
complete (a weekend or holiday), and the period then ends on its last day.
When no period is complete, the latest (partial) one is used and labelled.
"""

from __future__ import annotations

from . import coverage, period_calendar
from .coverage import *  # noqa: F401,F403  (the re-exported names are listed in each module's __all__)
from .period_calendar import *  # noqa: F401,F403

__all__ = [*period_calendar.__all__, *coverage.__all__]
