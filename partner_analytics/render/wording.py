"""Plain-language sentences for reports."""

from __future__ import annotations

import pandas as pd

__all__ = ["unavailable", "tier_sentence"]

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
    else:
        text = f"You are in the {tier['tier']} tier with a composite score of {tier['composite']:.0f}."
        if pd.notna(tier["next_tier"]):
            text += f" {tier['gap_to_next']:.1f} more points reach {tier['next_tier']}."
        else:
            text += " This is the top tier."
        if bool(tier["at_risk_of_drop"]):
            text += " Your score is close to the tier minimum: you are at risk of dropping a tier."
    return text + f" You have earned {tier['reward_points']:,.0f} reward points this period."
