"""Survival of partners to their first deal: Kaplan–Meier curves and median time to first deal.

A partner is at risk from ``onboarded_on``; the event is its first won (or created) deal; partners
without one are censored at ``churned_on`` or ``as_of``. Cohorts are those of
:mod:`partner_analytics.metrics.cohorts`, which re-exports these functions.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
# scipy is imported where it is used, so partner report kernels never load it (tests/test_render_worker.py)

from ..rollup import Rollup
from .cohort_members import cohort_grain, cohort_members, in_deal_history

__all__ = ["time_to_first_deal", "median_time_to_first_deal"]

_EVENTS = {"won": "first_won_on", "created": "first_deal_on"}

_KM_GROUPS = (None, "cohort", "partner_type")


def _durations(facts: Rollup, by: str | None, event: str, cohort_by: str, complete_history: bool) -> pd.DataFrame:
    """One row per partner in the curve: ``group``, ``days`` to the event or censoring, ``activated``."""
    if event not in _EVENTS:
        raise ValueError(f"event must be one of {list(_EVENTS)}, got {event!r}")
    if by not in _KM_GROUPS:
        raise ValueError(f"by must be one of {list(_KM_GROUPS)}, got {by!r}")
    cohort_grain(cohort_by, "cohort_by")
    column = _EVENTS[event]
    extra = ["partner_type"] if by == "partner_type" else []
    members = cohort_members(facts, [column, "churned_on", *extra], cohort_by)
    members = members.loc[in_deal_history(facts, members, complete_history)]
    end = members["churned_on"].where(members["churned_on"] <= facts.as_of).fillna(facts.as_of)
    activated = members[column].notna()
    days = (members[column].where(activated, end) - members["onboarded_on"]).dt.days.clip(lower=0)
    group = pd.Series("all", index=members.index, dtype="str") if by is None else members[by].astype("str")
    return pd.DataFrame({"group": group, "days": days.astype("float64"), "activated": activated.astype(bool)})


def _kaplan_meier(days: np.ndarray, activated: np.ndarray) -> pd.DataFrame:
    """Life table at day 0 and at every distinct duration (events or censoring)."""
    from scipy import stats
    result = stats.ecdf(stats.CensoredData(uncensored=days[activated], right=days[~activated]))
    times = np.union1d([0.0], days)
    events = np.sort(days[activated])
    survival = result.sf.evaluate(times)
    return pd.DataFrame({
        "days": times,
        "at_risk": (len(days) - np.searchsorted(np.sort(days), times, side="left")).astype("int64"),
        "activations": (np.searchsorted(events, times, "right") - np.searchsorted(events, times, "left")).astype("int64"),
        "survival": survival,
        "activated_share": 1.0 - survival,
    })


def time_to_first_deal(
    facts: Rollup, *, by: str | None = None, event: str = "won", cohort_by: str = "year",
    complete_history: bool = False,
) -> pd.DataFrame:
    """Kaplan–Meier curve of the days from onboarding to a partner's first deal.

    Each partner contributes the days from ``onboarded_on`` to its first deal
    (an **event**, 0 if the deal came before onboarding) or, without one, to
    ``min(as_of, churned_on)`` (**right-censored**). Partners onboarded
    before the deal history are left out unless ``complete_history=True``.
    Estimated with ``scipy.stats.ecdf`` on ``scipy.stats.CensoredData``.

    Formula: ``survival(t)`` = Π over event days ``s <= t`` of (1 −
    activations(s) / at_risk(s)): the estimated share of partners *not yet
    activated* after ``t`` days; ``activated_share`` = 1 − survival
    (fractions). ``at_risk(t)`` = partners whose duration is >= ``t``.

    Parameters
    ----------
    facts
        Rolled-up program facts.
    by
        ``None`` (one curve, group ``"all"``), ``"cohort"`` (one per
        onboarding cohort of grain ``cohort_by``) or ``"partner_type"``.
    event
        ``"won"`` or ``"created"``.
    cohort_by
        ``"month"``, ``"quarter"`` or ``"year"``; used with ``by="cohort"``.
    complete_history
        True when the data holds every deal since the programme began.

    Returns
    -------
    DataFrame
        ``group`` (text), ``days`` (float), ``at_risk``, ``activations``
        (counts), ``survival``, ``activated_share``: a row at day 0 and one per
        distinct duration of the group, ordered by group then days.

    Raises
    ------
    ValueError
        If ``by``, ``event`` or ``cohort_by`` is unknown or a column is missing.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"), as_of="2025-12-31")
    >>> km = time_to_first_deal(facts, by="partner_type")
    >>> list(km.columns)
    ['group', 'days', 'at_risk', 'activations', 'survival', 'activated_share']
    >>> bool(km.groupby("group")["survival"].is_monotonic_decreasing.all())
    True
    """
    durations = _durations(facts, by, event, cohort_by, complete_history)
    parts = [
        _kaplan_meier(part["days"].to_numpy(), part["activated"].to_numpy()).assign(group=name)
        for name, part in durations.groupby("group", sort=True)
    ]
    if not parts:
        parts = [_kaplan_meier(np.array([]), np.array([], dtype=bool)).iloc[:0].assign(group="")]
    out = pd.concat(parts, ignore_index=True)
    return out[["group", "days", "at_risk", "activations", "survival", "activated_share"]].astype({"group": "str"})


def median_time_to_first_deal(
    facts: Rollup, *, by: str | None = None, event: str = "won", cohort_by: str = "year",
    complete_history: bool = False,
) -> pd.DataFrame:
    """Median days from onboarding to the first deal, from the Kaplan–Meier curve.

    Formula: ``median_days`` = the smallest day with ``survival <= 0.5`` on
    the :func:`time_to_first_deal` curve (days). NaN when the curve never
    drops to 0.5 (fewer than half are known to have activated).

    Parameters
    ----------
    facts
        Rolled-up program facts.
    by, event, cohort_by, complete_history
        As in :func:`time_to_first_deal`.

    Returns
    -------
    DataFrame
        ``group``, ``partners`` (in the curve), ``activated`` (with the
        event), ``median_days``; one row per group.

    Raises
    ------
    ValueError
        As :func:`time_to_first_deal`.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"), as_of="2025-12-31")
    >>> list(median_time_to_first_deal(facts).columns)
    ['group', 'partners', 'activated', 'median_days']
    """
    km = time_to_first_deal(facts, by=by, event=event, cohort_by=cohort_by, complete_history=complete_history)
    first = km.groupby("group", sort=True).agg(partners=("at_risk", "first"), activated=("activations", "sum"))
    reached = km.loc[km["survival"] <= 0.5].groupby("group")["days"].min()
    out = first.assign(median_days=reached.reindex(first.index).astype("float64")).reset_index()
    return out.astype({"group": "str", "partners": "int64", "activated": "int64"})
