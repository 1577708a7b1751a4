"""Cohort membership shared by the cohort and survival metrics: grains, members, who the deal history covers.

A partner's **cohort** is the month, quarter or year (:data:`COHORT_GRAINS`) of its ``onboarded_on``;
partners onboarded after ``as_of`` are not members yet.
"""

from __future__ import annotations

import pandas as pd

from ..rollup import Rollup
from .checks import require_columns as _require

__all__ = ["COHORT_GRAINS", "cohort_grain", "cohort_members", "in_deal_history"]

COHORT_GRAINS = {"month": "M", "quarter": "Q", "year": "Y"}
"""Cohort grains accepted by ``by=`` and their pandas period frequencies."""


def cohort_grain(by: str, option: str = "by") -> str:
    """The pandas frequency of cohort grain ``by``; ``ValueError`` naming ``option`` if it is not one."""
    if by not in COHORT_GRAINS:
        raise ValueError(f"{option} must be one of {list(COHORT_GRAINS)}, got {by!r}")
    return COHORT_GRAINS[by]


def cohort_members(facts: Rollup, columns: list[str], by: str) -> pd.DataFrame:
    """Partners onboarded by ``as_of`` with ``columns`` and their ``cohort``."""
    grain = cohort_grain(by)
    partners = _require(facts.partners, ["partner_id", "onboarded_on", *columns], "partners")
    partners = partners.loc[partners["onboarded_on"] <= facts.as_of, ["partner_id", "onboarded_on", *columns]]
    return partners.assign(cohort=partners["onboarded_on"].dt.to_period(grain)).reset_index(drop=True)


def in_deal_history(facts: Rollup, members: pd.DataFrame, complete_history: bool) -> pd.Series:
    """True for partners onboarded on or after the start of the deal history (all when ``complete_history``)."""
    start = facts.periods[0].start_time if len(facts.periods) and not complete_history else pd.Timestamp.min
    return members["onboarded_on"] >= start
