"""The KPI registry: every partner KPI described once.

Scorecards, reports, notebooks and insights read labels, units, direction and
applicability from here; computed frames carry only snake_case KPI names and
raw values (fractions, not percents).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["KPI", "KPIS", "kpi", "format_value", "format_unit", "compact_amount", "kpis_for_type", "UNITS"]

UNITS = ("currency", "count", "fraction", "days", "nps", "index")
"""``currency`` reporting currency; ``count`` a number of things; ``fraction``
0..1 shown as a percent; ``days``; ``nps`` −100..100; ``index`` 0..100."""


@dataclass(frozen=True)
class KPI:
    """Description of one partner KPI.

    Parameters
    ----------
    name
        Column name in per-partner KPI tables.
    label
        Human label for reports.
    unit
        One of :data:`UNITS`; decides formatting.
    higher_is_better
        Direction used by scorecards, benchmarks and insights.
    domain
        The group of KPIs computed together, named after the metric module that computes them;
        ``partner_analytics.metrics.kpis.KPI_FUNCTIONS[domain]`` is the function that returns its
        column (kept there so that this module imports nothing of the package).
    description
        Formula in plain language (the module docstring has the details).
    partner_types
        Types the KPI applies to; ``None`` means every type.
    """

    name: str
    label: str
    unit: str
    higher_is_better: bool
    domain: str
    description: str
    partner_types: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"KPI {self.name!r}: unknown unit {self.unit!r}")

    @property
    def is_fraction(self) -> bool:
        """True when values are fractions 0..1, shown as percents."""
        return self.unit == "fraction"

    def applies_to(self, partner_type: str) -> bool:
        """True if the KPI is meaningful for ``partner_type``."""
        return self.partner_types is None or partner_type in self.partner_types


_SELLING = ("reseller", "msp", "distributor", "referral")

KPIS: dict[str, KPI] = {
    k.name: k
    for k in (
        KPI("revenue", "Partner revenue", "currency", True, "revenue",
            "Won partner revenue (sourced + influenced) closed in the period."),
        KPI("sourced_revenue", "Sourced revenue", "currency", True, "revenue",
            "Won revenue on deals the partner sourced.", _SELLING),
        KPI("influenced_revenue", "Influenced revenue", "currency", True, "revenue",
            "Won revenue on deals the partner influenced.", ("technology", "referral", "distributor")),
        KPI("revenue_growth_qoq", "Revenue growth vs prior period", "fraction", True, "revenue",
            "revenue / revenue of the prior period − 1; NaN when the prior period is 0."),
        KPI("revenue_growth_yoy", "Revenue growth vs last year", "fraction", True, "revenue",
            "revenue / revenue of the same period a year earlier − 1; NaN when that is 0."),
        KPI("won_deals", "Deals won", "count", True, "revenue", "Number of partner deals won in the period."),
        KPI("new_customers", "New customers", "count", True, "revenue",
            "Won deals flagged as a new customer (new logos)."),
        KPI("revenue_attainment", "Revenue target attainment", "fraction", True, "targets",
            "Σ actual revenue / Σ revenue target over the partner's targets in the period."),
        KPI("deals_registered", "Deals registered", "count", True, "deals",
            "Partner deals created (registered) in the period: the partner's leads."),
        KPI("win_rate", "Win rate", "fraction", True, "deals",
            "won / (won + lost) deals closed in the period; NaN with no closed deals."),
        KPI("avg_deal_size", "Average deal size", "currency", True, "deals",
            "Won revenue / won deals in the period."),
        KPI("days_to_close", "Median days to close", "days", False, "deals",
            "Median days from created to closed over deals won in the period.", _SELLING),
        KPI("open_pipeline", "Open pipeline", "currency", True, "deals",
            "Value of the partner's deals open at the period's end."),
        KPI("pipeline_coverage", "Pipeline coverage", "fraction", True, "deals",
            "Open pipeline at the period's end / revenue target of the next period."),
        KPI("engagement_index", "Engagement index", "index", True, "engagement",
            "0-100 composite of logins, training, certifications, content and joint activity."),
        KPI("certifications", "Certifications", "count", True, "engagement",
            "Certifications earned in the period."),
        KPI("training_completed", "Trainings completed", "count", True, "engagement",
            "Training modules completed in the period."),
        KPI("prm_logins", "PRM logins", "count", True, "engagement", "Partner portal logins in the period."),
        KPI("psat", "Partner satisfaction (PSAT)", "fraction", True, "satisfaction",
            "Mean PSAT score as a fraction of the scale maximum, over the last year (four quarters or 12 months)."),
        KPI("partner_nps", "Partner NPS", "nps", True, "satisfaction",
            "% promoters (9-10) − % detractors (0-6), over the last year (four quarters or 12 months)."),
        KPI("csat", "Customer satisfaction (CSAT)", "fraction", True, "satisfaction",
            "Mean end-customer CSAT as a fraction of the scale maximum, over the last year "
            "(four quarters or 12 months)."),
        KPI("mdf_utilisation", "MDF utilisation", "fraction", True, "mdf",
            "Σ claimed / Σ approved MDF, over the last year (four quarters or 12 months)."),
        KPI("mdf_roi", "MDF ROI", "fraction", True, "mdf",
            "(Σ attributed revenue − Σ claimed) / Σ claimed, over the last year (four quarters or 12 months)."),
    )
}
"""Every KPI by name."""


def kpi(name: str) -> KPI:
    """Return the KPI called ``name``; raise ``KeyError`` listing the known names."""
    try:
        return KPIS[name]
    except KeyError:
        raise KeyError(f"unknown KPI {name!r}; known KPIs: {', '.join(KPIS)}") from None


def kpis_for_type(partner_type: str) -> list[KPI]:
    """KPIs that apply to ``partner_type``, in registry order."""
    return [k for k in KPIS.values() if k.applies_to(partner_type)]


def format_value(name: str, value: float, *, currency: str = "$") -> str:
    """Format a KPI value for display; missing values show as an em dash.

    Examples
    --------
    >>> format_value("revenue", 1234567.8)
    '$1.23M'
    >>> format_value("win_rate", 0.4567)
    '45.7%'
    >>> format_value("partner_nps", 12.0)
    '+12'
    >>> format_value("days_to_close", float("nan"))
    '—'
    """
    return format_unit(kpi(name).unit, value, currency=currency)


def format_unit(unit: str, value: float, *, currency: str = "$") -> str:
    """Format a value of one of :data:`UNITS` for display; missing values show as an em dash.

    Examples
    --------
    >>> format_unit("fraction", 0.25), format_unit("days", 12.4), format_unit("days", 1.2), format_unit("currency", -2500)
    ('25.0%', '12 days', '1 day', '-$2.50k')
    """
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    if unit == "currency":
        return ("-" if value < 0 else "") + currency + compact_amount(abs(value))
    if unit == "fraction":
        return f"{value:.1%}"
    if unit == "nps":
        return f"{value:+.0f}"
    if unit == "days":
        days = f"{value:.0f}"
        return f"{days} day" if days in ("1", "-1") else f"{days} days"
    if unit == "index":
        return f"{value:.0f}"
    return f"{value:,.0f}"


def compact_amount(value: float, *, decimals: int = 2, trim: bool = False) -> str:
    """An amount with a k / M / B suffix and ``decimals`` decimals; ``trim`` drops trailing zeros.

    Below 1,000 the amount is a whole number with thousands separators.

    Examples
    --------
    >>> compact_amount(1234567.8), compact_amount(1500000, trim=True), compact_amount(950)
    ('1.23M', '1.5M', '950')
    """
    for threshold, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(value) >= threshold:
            text = f"{value / threshold:.{decimals}f}"
            if trim and "." in text:
                text = text.rstrip("0").rstrip(".")
            return text + suffix
    return f"{value:,.0f}"
