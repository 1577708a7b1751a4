"""The partner insight rules, declared as a table: what each compares, with which threshold, and what it says.

A rule fires for a partner when every :class:`Comparison` in ``when`` holds (and, where the rule names one,
its ``condition``: a derived true/false column for the few tests that are more than one comparison).
:func:`partner_analytics.insights.partner_insights` evaluates the whole table at once, over all partners.

Columns a rule can read: every KPI of the per-partner KPI table, plus these partner facts, derived once per run
(:data:`DERIVED_COLUMNS`):

``composite``        scorecard composite score (0-100) among all partners
``closed_deals``     deals won or lost in the reporting period
``csat_prior``       CSAT of the trailing year ending a year earlier
``csat_fall``        ``csat_prior - csat`` (NaN when either is missing)
``revenue_falling``  revenue fell in each of the last ``decline_periods`` complete periods
``revenue_steady``   not ``revenue_falling``
``revenue_drop``     revenue change over those periods (``last / first - 1``; NaN when ``first`` is not > 0)

A threshold is a key of ``params.insights`` (defaults in
:data:`~partner_analytics.insight_thresholds.DEFAULT_THRESHOLDS`) or a fixed number. Every key a rule reads,
directly or through a derived column, is checked to have a default when the parameters load
(:func:`~partner_analytics.insight_thresholds.threshold_problems`), so a typo in this table is caught at once.

Wording: ``title`` is a template. ``{name}`` is replaced by the finding's value of column ``name`` (a
threshold key, or ``so_far`` / ``year_ago``, the period in words); without a format spec, a KPI is formatted
as the registry formats it (``$1.23M``, ``45.7%``); with a KPI name as spec (``{csat_prior:csat}``) as that KPI;
with another spec (``{closed_deals:.0f}``) by Python's ``format``.
A part in square brackets is left out where any value inside it is missing.

The table's order is the ranking order among findings of the same kind and severity.
"""

from __future__ import annotations

import string
from dataclasses import dataclass

from .metrics.registry import KPIS

__all__ = ["Comparison", "PartnerRule", "PARTNER_RULES", "DERIVED_COLUMNS", "OPERATORS", "WORDS",
           "INSIGHT_COLUMNS", "KIND_ORDER", "known_column", "referenced_thresholds"]

INSIGHT_COLUMNS = ["scope", "partner_id", "rule", "kind", "severity", "kpi", "value", "title", "action"]
"""The columns of a table of findings (:mod:`partner_analytics.insights`)."""

KIND_ORDER = {"improvement": 0, "strength": 1}
"""Findings are ranked by kind first: improvements before strengths."""

OPERATORS = ("<", "<=", ">", ">=", "==")
"""Comparisons a rule may make. Any comparison with a missing (NaN) value is false."""

DERIVED_COLUMNS: dict[str, tuple[str, ...]] = {
    "composite": (),
    "closed_deals": (),
    "csat_prior": (),
    "csat_fall": (),
    "revenue_falling": ("decline_periods",),
    "revenue_steady": ("decline_periods",),
    "revenue_drop": ("decline_periods",),
}
"""Partner facts beyond the KPI table that rules read, each with the thresholds it depends on."""

WORDS = ("so_far", "year_ago")
"""Phrases a title can use: the reporting period ("this period" / "so far this period") and what year-on-year
growth compares with ("same period last year" / "same days of the same period last year")."""


@dataclass(frozen=True)
class Comparison:
    """``column op threshold``; ``threshold`` is a key of ``params.insights`` or a number, times ``scale``."""

    column: str
    op: str
    threshold: str | float
    scale: float = 1.0

    def __post_init__(self) -> None:
        if self.op not in OPERATORS:
            raise ValueError(f"comparison operator must be one of {OPERATORS}, got {self.op!r}")


@dataclass(frozen=True)
class PartnerRule:
    """One partner insight rule: when it fires, how it is classed, and what it says and recommends.

    Attributes
    ----------
    name
        Stable rule name (the ``rule`` column of findings).
    kind
        ``"improvement"`` (act on it) or ``"strength"`` (keep doing it).
    severity
        1 (note) .. 3 (act now); strengths use it as importance.
    kpi
        Registry KPI the finding is about (``None``: none, e.g. the composite score).
    value
        Column reported as the finding's ``value``.
    when
        Comparisons that must all hold.
    title, action
        Wording template (module docstring) and the recommended action.
    condition
        A true/false derived column that must hold as well (``None``: none).
    severe_when
        Where this comparison holds too, the severity is 3.
    """

    name: str
    kind: str
    severity: int
    kpi: str | None
    value: str
    when: tuple[Comparison, ...]
    title: str
    action: str
    condition: str | None = None
    severe_when: Comparison | None = None

    @property
    def comparisons(self) -> tuple[Comparison, ...]:
        """Every comparison the rule makes (``when`` and ``severe_when``)."""
        return self.when + ((self.severe_when,) if self.severe_when else ())

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns the rule reads: compared, required, reported and worded."""
        read = [c.column for c in self.comparisons] + [self.value] + ([self.condition] if self.condition else [])
        read += [field for field in _fields(self.title) if known_column(field)]
        return tuple(dict.fromkeys(read))

    @property
    def thresholds(self) -> tuple[str, ...]:
        """The ``params.insights`` keys the rule reads, directly or through derived columns and its title."""
        keys = [c.threshold for c in self.comparisons if isinstance(c.threshold, str)]
        for column in self.columns:
            keys.extend(DERIVED_COLUMNS.get(column, ()))
        keys.extend(field for field in _fields(self.title) if field not in WORDS and not known_column(field))
        return tuple(dict.fromkeys(keys))


def _fields(template: str) -> list[str]:
    """The names of the fields of a title template."""
    return [name.split(":")[0] for _, name, _, _ in string.Formatter().parse(template.replace("[", "").replace("]", ""))
            if name]


def known_column(name: str) -> bool:
    """True for a column rules can read: a registry KPI or one of :data:`DERIVED_COLUMNS`."""
    return name in KPIS or name in DERIVED_COLUMNS


def referenced_thresholds(rules: tuple[PartnerRule, ...] | None = None) -> dict[str, tuple[str, ...]]:
    """Rule name → the threshold keys it reads, for every rule of ``rules`` (default :data:`PARTNER_RULES`)."""
    return {rule.name: rule.thresholds for rule in (PARTNER_RULES if rules is None else rules)}


_C = Comparison

PARTNER_RULES: tuple[PartnerRule, ...] = (
    PartnerRule(
        "revenue_decline", "improvement", 3, "revenue", "revenue", (), condition="revenue_falling",
        title="Revenue has fallen {decline_periods:.0f} periods in a row, to {revenue}"
              "[ ({revenue_drop:.0%} since {decline_periods:.0f} periods ago)].",
        action="Plan a joint campaign with your channel manager and apply for MDF to rebuild pipeline."),
    PartnerRule(
        "no_revenue", "improvement", 2, "revenue", "revenue", (_C("revenue", "==", 0),), condition="revenue_steady",
        title="No partner revenue was won {so_far}.",
        action="Review your open deals with your channel manager and agree which to close next."),
    PartnerRule(
        "behind_target", "improvement", 2, "revenue_attainment", "revenue_attainment",
        (_C("revenue_attainment", "<", "attainment_low"),),
        severe_when=_C("revenue_attainment", "<", "attainment_low", scale=0.5),
        title="Revenue reached {revenue_attainment} of target.",
        action="Review the open pipeline with your channel manager and focus on deals that can close this period."),
    PartnerRule(
        "target_beaten", "strength", 3, "revenue_attainment", "revenue_attainment",
        (_C("revenue_attainment", ">=", "attainment_high"),),
        title="Revenue reached {revenue_attainment} of target.",
        action="Keep the momentum: ask your channel manager about the next tier's benefits and co-selling plays."),
    PartnerRule(
        "csat_drop", "improvement", 3, "csat", "csat", (_C("csat_fall", ">=", "csat_drop"),),
        title="Customer satisfaction fell from {csat_prior:csat} to {csat} in a year.",
        action="Hold a service review: look at recent CSAT comments and escalations with your channel manager."),
    PartnerRule(
        "low_win_rate", "improvement", 2, "win_rate", "win_rate",
        (_C("win_rate", "<", "win_rate_low"), _C("closed_deals", ">=", "min_closed_deals")),
        title="Win rate is {win_rate} on {closed_deals:.0f} closed deals.",
        action="Ask for deal coaching and competitive training; qualify opportunities earlier."),
    PartnerRule(
        "thin_pipeline", "improvement", 2, "pipeline_coverage", "pipeline_coverage",
        (_C("pipeline_coverage", "<", "coverage_low"),),
        title="Open pipeline covers {pipeline_coverage:.1f}× next period's revenue target.",
        action="Register more opportunities: run a demand-generation campaign with your channel manager."),
    PartnerRule(
        "low_enablement", "improvement", 2, "engagement_index", "engagement_index",
        (_C("engagement_index", "<", "engagement_low"),),
        title="Engagement index is {engagement_index} of 100: little training, certification or portal use.",
        action="Enrol your sales and technical staff in training and certification, and book a QBR."),
    PartnerRule(
        "mdf_unused", "improvement", 1, "mdf_utilisation", "mdf_utilisation",
        (_C("mdf_utilisation", "<", "mdf_utilisation_low"),),
        title="Only {mdf_utilisation} of approved marketing funds were claimed.",
        action="Claim the remaining funds before they expire, or plan the activity they were approved for."),
    PartnerRule(
        "mdf_negative_roi", "improvement", 2, "mdf_roi", "mdf_roi", (_C("mdf_roi", "<", 0),),
        title="Marketing funds returned less revenue than they cost (ROI {mdf_roi}).",
        action="Review the MDF plan with your channel manager and shift funds to activities that produced deals."),
    PartnerRule(
        "strong_growth", "strength", 2, "revenue_growth_yoy", "revenue_growth_yoy",
        (_C("revenue_growth_yoy", ">=", "growth_high"),),
        title="Revenue grew {revenue_growth_yoy} on the {year_ago}.",
        action="Share what worked with your channel manager so it can be repeated in joint campaigns."),
    PartnerRule(
        "high_performer", "strength", 3, None, "composite", (_C("composite", ">=", "high_performer_score"),),
        title="Scorecard composite of {composite:.0f} out of 100 puts you among the strongest partners of your type.",
        action="You qualify for rewards and recognition: talk to your channel manager about co-marketing."),
)
"""The partner rules, in ranking order (ties of kind and severity are broken by this order)."""
