"""Insight thresholds: their defaults, and the check ``params.insights`` must pass when the parameters load.

:mod:`partner_analytics.insights` reads them (through :func:`~partner_analytics.insights.thresholds`);
:mod:`partner_analytics.params` checks ``insights:`` with :func:`threshold_problems` when it loads a file, so a
typo or a nonsensical value is reported at once, with the other parameter problems.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from .insight_rules import PARTNER_RULES, PartnerRule, known_column

__all__ = ["DEFAULT_THRESHOLDS", "threshold_problems", "rule_problems"]

DEFAULT_THRESHOLDS: dict[str, float] = {
    "decline_periods": 2,  # revenue fell this many periods in a row
    "attainment_low": 0.8,  # revenue attainment below this = behind target
    "attainment_high": 1.2,  # at or above this = target beaten clearly
    "growth_high": 0.25,  # year-on-year growth at or above this = strong growth
    "engagement_low": 25,  # engagement index (0-100) below this = low enablement
    "win_rate_low": 0.25,  # win rate below this (with enough closed deals) = deal coaching
    "min_closed_deals": 4,  # closed deals needed before the win rate counts
    "coverage_low": 1.0,  # open pipeline below this multiple of next target = thin pipeline
    "csat_drop": 0.1,  # CSAT (fraction of scale) down by this much vs a year earlier
    "mdf_utilisation_low": 0.5,  # MDF claimed below this share of approved funds
    "high_performer_score": 80,  # composite score at or above this = reward
    "concentration_top10_high": 0.5,  # top 10 % of partners bring more than this share
    "producing_share_low": 0.6,  # fewer partners than this share produce revenue
    "min_responses": 1,  # survey responses a partner needs to count in the satisfaction correlations
}
"""Default insight thresholds; ``params.insights`` overrides any of them."""

_WHOLE_AT_LEAST = {"decline_periods": 1, "min_closed_deals": 0, "min_responses": 1}  # counts: whole numbers


def threshold_problems(values: Mapping[str, Any]) -> list[str]:
    """Problems with insight threshold overrides, each ``key.path: message`` (empty when they are fine).

    Every threshold an insight rule reads must have a default (:func:`rule_problems`). Every key must be a known
    threshold; every value a finite number >= 0; counts (``decline_periods``,
    ``min_closed_deals``, ``min_responses``) whole numbers, ``decline_periods`` and ``min_responses`` >= 1.

    Examples
    --------
    >>> threshold_problems({"attainment_low": 0.7})
    []
    >>> threshold_problems({"attainment_lwo": 0.7, "min_responses": 0})  # doctest: +ELLIPSIS
    ["insights: unknown thresholds ['attainment_lwo']; known: decline_periods, ...", 'insights.min_responses: must be an integer >= 1, got 0']
    """
    problems = rule_problems()
    unknown = sorted(set(values) - set(DEFAULT_THRESHOLDS))
    if unknown:
        problems.append(f"insights: unknown thresholds {unknown}; known: {', '.join(DEFAULT_THRESHOLDS)}")
    for key, value in values.items():
        if key not in DEFAULT_THRESHOLDS:
            continue
        number = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
        if key in _WHOLE_AT_LEAST:
            if not (number and value >= _WHOLE_AT_LEAST[key] and float(value).is_integer()):
                problems.append(f"insights.{key}: must be an integer >= {_WHOLE_AT_LEAST[key]}, got {value!r}")
        elif not (number and value >= 0):
            problems.append(f"insights.{key}: must be a number >= 0, got {value!r}")
    return problems


def rule_problems(rules: tuple[PartnerRule, ...] | None = None) -> list[str]:
    """Mistakes in the insight ``rules`` (default: :data:`~.insight_rules.PARTNER_RULES`), reported when the
    parameters load: a threshold without a default, a column that is neither a KPI nor a derived column.

    Examples
    --------
    >>> rule_problems()
    []
    """
    problems = []
    for rule in PARTNER_RULES if rules is None else rules:
        problems += [f"insights: rule '{rule.name}' reads threshold '{key}', which has no default"
                     for key in rule.thresholds if key not in DEFAULT_THRESHOLDS]
        problems += [f"insights: rule '{rule.name}' reads column '{column}', which is neither a KPI nor a derived "
                     f"column" for column in rule.columns if not known_column(column)]
    return problems
