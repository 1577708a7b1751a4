"""Plain-language sentences for reports."""

from __future__ import annotations

import pandas as pd

__all__ = ["unavailable", "tier_sentence", "too_few_peers", "partial_last_bar", "no_activity", "no_responses",
           "no_correlations", "same_day_close", "no_mdf", "NO_HISTORY", "NO_SCORES", "NO_TARGETS", "NONE_BEHIND",
           "NO_RANKED"]

NO_HISTORY = "There is no revenue or deal history for you in the programme up to this period."
NO_SCORES = "None of your scorecard KPIs has a value this period, so there is no composite score."
NO_TARGETS = "No partner has a revenue target in this period, so no one can be listed as behind target."
NONE_BEHIND = "Every partner with a revenue target in this period is on track."
NO_RANKED = "No enrolled partner has a composite score this period."

# Sentences about a trailing window take its phrase from ``partner_analytics.periods.window_phrase``
# ("the last four quarters", "the last 12 months"), so they match the reporting grain.


def no_activity(window: str) -> str:
    """Why a partner's engagement section is empty.

    Examples
    --------
    >>> no_activity("the last 12 months")
    'No engagement activity was recorded for you in the last 12 months.'
    """
    return f"No engagement activity was recorded for you in {window}."


def no_responses(window: str) -> str:
    """Why a partner's satisfaction section is empty."""
    return f"No survey responses about you fall in {window}, so there is no score to show."


def no_correlations(window: str) -> str:
    """Why the overview shows no satisfaction correlations."""
    return f"No survey responses fall in {window}, so satisfaction cannot be correlated with performance."


def same_day_close(window: str) -> str:
    """Why the overview draws no time-to-close chart."""
    return f"Every won deal in {window} closed on the day it was created, so there is no time to close to chart."


def no_mdf(window: str) -> str:
    """Why the overview's MDF section is empty."""
    return f"No market development funds were approved in {window}."


def too_few_peers(minimum: int, peers: int) -> str:
    """Why peer comparisons are not shown.

    Examples
    --------
    >>> too_few_peers(5, 3)
    'Peer comparisons are shown when at least 5 other partners of your type take part; there are 3 this period.'
    """
    return (f"Peer comparisons are shown when at least {minimum} other partners of your type take part; "
            f"there {'is' if peers == 1 else 'are'} {peers} this period.")


def partial_last_bar(label: str) -> str:
    """A note under a chart whose last period is still in progress.

    Examples
    --------
    >>> partial_last_bar("2013Q4 to date: 60 of 92 days")
    'The last period shown is 2013Q4 to date: 60 of 92 days; its bars are not comparable with full periods.'
    """
    return f"The last period shown is {label}; its bars are not comparable with full periods."

_TABLE_WORDS = {
    "targets": "Target data (quotas and other SMART targets)",
    "engagement": "Engagement data (portal logins, training, certifications, campaigns)",
    "surveys": "Satisfaction survey data (PSAT, partner NPS, CSAT)",
    "mdf": "Market development fund (MDF) data",
}


def unavailable(table: str) -> str:
    """Say plainly that an optional table was not supplied.

    Examples
    --------
    >>> unavailable("surveys")
    'Satisfaction survey data (PSAT, partner NPS, CSAT) is not available for this program, so this section is empty.'
    """
    return f"{_TABLE_WORDS.get(table, table)} is not available for this program, so this section is empty."


def tier_sentence(tier: pd.Series) -> str:
    """Describe a partner's tier, the gap to the next one, drop risk and reward points.

    ``tier`` is one row of :func:`~partner_analytics.metrics.tiers.assign_tiers`.

    Examples
    --------
    >>> row = pd.Series({"tier": "gold", "next_tier": "platinum", "gap_to_next": 6.4,
    ...                  "at_risk_of_drop": False, "reward_points": 2600.0, "composite": 73.6})
    >>> tier_sentence(row)
    'You are in the gold tier with a composite score of 74. 6.4 more points reach platinum. You have earned 2,600 reward points this period.'
    """
    if pd.isna(tier["tier"]):
        text = "No tier could be assigned: there were not enough measured KPIs this period."
    elif pd.isna(tier["composite"]):  # withheld: too few peers to show a score
        text = f"You are in the {tier['tier']} tier."
    else:
        text = f"You are in the {tier['tier']} tier with a composite score of {tier['composite']:.0f}."
        if pd.notna(tier["next_tier"]):
            text += f" {tier['gap_to_next']:.1f} more points reach {tier['next_tier']}."
        else:
            text += " This is the top tier."
        if bool(tier["at_risk_of_drop"]):
            text += " Your score is close to the tier minimum: you are at risk of dropping a tier."
    return text + f" You have earned {tier['reward_points']:,.0f} reward points this period."
