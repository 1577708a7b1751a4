"""Human labels and display formats: one place for every figure, table and widget leaving the package.

Computed frames keep snake_case column names and raw values (fractions, not
percents). Whatever leaves the package — an axis, a legend, a table header,
a tile, a widget — asks this module how to name and show a column:

* :func:`label` — ``"revenue_growth_qoq"`` → ``"Revenue growth vs prior
  period"``. KPI labels come from the registry
  (:data:`~partner_analytics.metrics.registry.KPIS`); the other columns the
  metric modules return are listed in :data:`COLUMNS`; anything else is
  written in words (``"deal_count"`` → ``"Deal count"``).
* :func:`unit` — how a column's values read: the registry units
  (``currency``, ``count``, ``fraction``, ``days``, ``nps``, ``index``) plus
  ``ratio`` (a coefficient such as the Gini, two decimals), ``p_value``,
  ``bool`` (Yes/No), ``date`` (no time) and ``text``.
* :func:`format_value` — one value as text: ``$1.23M``, ``45.7%``, ``3``
  (counts never show ``.0``), ``2024-03-31``, ``Yes``; missing values show
  as an em dash.
* :func:`display_frame` / :func:`format_frame` — a whole table with human
  headers, as strings or as a pandas ``Styler``.

Examples
--------
>>> label("revenue_growth_qoq"), label("top_10pct_share"), label("gini")
('Revenue growth vs prior period', 'Top 10 % of partners: share of revenue', 'Gini coefficient')
>>> format_value("revenue", 1234567.8), format_value("share", 0.25), format_value("partners", 3.0)
('$1.23M', '25.0%', '3')
"""

from __future__ import annotations

import datetime as _dt
import math
import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

from .metrics.registry import KPIS, compact_amount, format_unit

__all__ = ["COLUMNS", "DISPLAY_UNITS", "label", "unit", "is_fraction", "format_value", "format_money",
           "display_frame", "format_frame"]

DISPLAY_UNITS = ("currency", "count", "fraction", "days", "nps", "index", "ratio", "p_value", "bool", "date",
                 "text")
"""Every unit :func:`unit` can return (the registry's units first)."""

COLUMNS: dict[str, tuple[str, str]] = {
    # keys and attributes
    "partner_id": ("Partner", "text"),
    "partner_name": ("Partner name", "text"),
    "partner_type": ("Partner type", "text"),
    "tier": ("Tier", "text"),
    "region": ("Region", "text"),
    "period": ("Period", "text"),
    "cohort": ("Onboarding cohort", "text"),
    "group": ("Group", "text"),
    "channel": ("Channel", "text"),
    "attribution": ("Attribution", "text"),
    "kpi": ("KPI", "text"),
    "activity": ("Activity", "text"),
    "stage": ("Stage", "text"),
    "survey": ("Survey", "text"),
    # counts
    "partners": ("Partners", "count"),
    "responses": ("Responses", "count"),
    "n": ("Partners compared (n)", "count"),
    "rank": ("Rank", "count"),
    "top_k": ("Top partners removed", "count"),
    "window": ("Window (periods)", "count"),
    "quantity": ("Quantity", "count"),
    "peer_median": ("Peer median", "count"),
    "lost_deals": ("Deals lost", "count"),
    "open_deals": ("Open deals", "count"),
    "periods_since_onboarding": ("Periods since onboarding", "count"),
    "days": ("Days since onboarding", "count"),
    "hhi": ("HHI (0–10,000)", "count"),
    "prm_login": ("PRM logins", "count"),
    "certification": ("Certifications", "count"),
    "asset_download": ("Asset downloads", "count"),
    "qbr_attended": ("QBRs attended", "count"),
    "webinar": ("Webinars", "count"),
    "joint_campaign": ("Joint campaigns", "count"),
    # amounts
    "direct_revenue": ("Direct revenue", "currency"),
    "total_revenue": ("Total revenue", "currency"),
    "target": ("Revenue target", "currency"),
    "actual": ("Actual revenue", "currency"),
    "revenue_lost": ("Revenue lost", "currency"),
    "revenue_remaining": ("Revenue remaining", "currency"),
    "revenue_per_partner": ("Revenue per partner", "currency"),
    "approved": ("MDF approved", "currency"),
    "claimed": ("MDF claimed", "currency"),
    "attributed_revenue": ("Revenue attributed to MDF", "currency"),
    # fractions
    "share": ("Share of partner revenue", "fraction"),
    "channel_share": ("Partner share of total revenue", "fraction"),
    "cumulative_share": ("Cumulative share of revenue", "fraction"),
    "partner_share": ("Share of partners", "fraction"),
    "revenue_share": ("Share of revenue", "fraction"),
    "share_lost": ("Share of revenue lost", "fraction"),
    "share_generating_revenue": ("Share of partners with revenue", "fraction"),
    "revenue_growth": ("Revenue growth", "fraction"),
    "attainment": ("Target attainment", "fraction"),
    "retention": ("Revenue retention", "fraction"),
    "churn_rate": ("Churn rate", "fraction"),
    "activated_share": ("Share of partners with a first deal", "fraction"),
    "rate": ("Share of enrolled partners", "fraction"),
    "conversion_from_previous": ("Conversion from previous stage", "fraction"),
    "roi": ("MDF ROI", "fraction"),
    "percentile": ("Peer percentile", "fraction"),
    # scores and statistics
    "composite": ("Composite score", "index"),
    "score": ("Score", "index"),
    "gini": ("Gini coefficient", "ratio"),
    "r": ("Correlation (r)", "ratio"),
    "ci_low": ("CI low", "ratio"),
    "ci_high": ("CI high", "ratio"),
    "p_value": ("p-value", "p_value"),
    "p_adjusted": ("Adjusted p-value", "p_value"),
    "significant": ("Significant", "bool"),
    "window_complete": ("Full window", "bool"),
    "enrolled": ("Enrolled", "bool"),
    "x": ("Measure", "text"),
    "y": ("Performance measure", "text"),
    "method": ("Method", "text"),
}
"""``{column: (label, unit)}`` for the non-KPI columns metric frames return (and the activity codes)."""

_TOP_PCT = re.compile(r"top_(\d+)pct_share")
_TOP_N = re.compile(r"top_(\d+)_share")
_FRACTION_WORDS = ("share", "rate", "retention", "utilisation", "attainment")
_MONEY_WORDS = ("revenue", "amount", "pipeline")


def label(column: object) -> str:
    """Human label of a column or measure: registry label, known column, or the name in words.

    Examples
    --------
    >>> label("win_rate"), label("psat_responses"), label("top_5_share"), label("deal_count")
    ('Win rate', 'Partner satisfaction (PSAT) responses', 'Top 5 partners: share of revenue', 'Deal count')
    """
    name = str(column)
    if name in KPIS:
        return KPIS[name].label
    if name in COLUMNS:
        return COLUMNS[name][0]
    if name.endswith("_responses") and name[: -len("_responses")] in KPIS:
        return f"{KPIS[name[: -len('_responses')]].label} responses"
    if match := _TOP_PCT.fullmatch(name):
        return f"Top {match[1]} % of partners: share of revenue"
    if match := _TOP_N.fullmatch(name):
        return f"Top {match[1]} partners: share of revenue"
    words = name.replace("_", " ").strip()
    return words[:1].upper() + words[1:]


def unit(column: object, values: pd.Series | None = None) -> str:
    """How the values of ``column`` read: one of :data:`DISPLAY_UNITS`.

    Known names decide (registry KPIs, :data:`COLUMNS`, ``*_responses``
    counts, ``top_*_share`` and names ending in ``share``, ``rate``,
    ``retention`` or starting with ``conversion`` are fractions, ``p_*``
    p-values, other names with the word ``revenue``, ``amount`` or
    ``pipeline`` (but not ``growth``) are amounts, names with the word
    ``days`` are days). Otherwise ``values`` decide by dtype: booleans ``bool``,
    datetimes ``date``, integers ``count``, floats whose values are all whole
    numbers ``count``, other numbers ``ratio``; anything else ``text``.

    Examples
    --------
    >>> unit("revenue"), unit("top_10pct_share"), unit("deals", pd.Series([1.0, 2.0]))
    ('currency', 'fraction', 'count')
    >>> unit("horizon_revenue_per_partner", pd.Series([1.5])), unit("median_days", pd.Series([3.0]))
    ('currency', 'days')
    """
    known = _known_unit(str(column))
    if known is not None:
        return known
    return "text" if values is None else _unit_of(values)


def _known_unit(name: str) -> str | None:
    if name in KPIS:
        return KPIS[name].unit
    if name in COLUMNS:
        return COLUMNS[name][1]
    if name.endswith("_responses"):
        return "count"
    if name.endswith(_FRACTION_WORDS) or name.startswith("conversion"):
        return "fraction"
    if name.startswith("p_"):
        return "p_value"
    words = name.split("_")
    if any(w in _MONEY_WORDS for w in words) and "growth" not in words:  # horizon_revenue_per_partner, amount_mean
        return "currency"
    if "days" in words:  # median_days, days_to_close
        return "days"
    return None


def _unit_of(values: pd.Series) -> str:
    dtype = values.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "date"
    if pd.api.types.is_integer_dtype(dtype):
        return "count"
    if pd.api.types.is_float_dtype(dtype):
        finite = values.to_numpy(dtype="float64", na_value=np.nan)
        finite = finite[np.isfinite(finite)]
        return "count" if len(finite) and bool(np.all(finite == np.round(finite))) else "ratio"
    present = values.dropna()
    if len(present) and all(isinstance(v, _dt.date) for v in present):  # a Timestamp is a date too
        return "date"
    return "text"


def is_fraction(column: object) -> bool:
    """True when ``column`` holds fractions (0..1) shown as percents.

    Examples
    --------
    >>> is_fraction("win_rate"), is_fraction("revenue_growth"), is_fraction("revenue")
    (True, True, False)
    """
    return unit(column) == "fraction"


def format_money(value: float, *, currency: str = "$", decimals: int = 2, trim: bool = False) -> str:
    """An amount in the reporting currency, compact: ``$1.23M``; ``trim`` drops trailing zeros (``$1.5M``).

    Examples
    --------
    >>> format_money(1_234_567.8), format_money(1_500_000, trim=True), format_money(-250)
    ('$1.23M', '$1.5M', '-$250')
    """
    if _missing(value):
        return "—"
    sign = "-" if value < 0 else ""
    return sign + currency + compact_amount(abs(float(value)), decimals=decimals, trim=trim)


def format_value(column: object, value: object, *, unit_name: str | None = None, currency: str = "$",
                 precision: int = 2) -> str:
    """One value of ``column`` as display text; missing values show as an em dash.

    Parameters
    ----------
    column
        Column or KPI name; decides the unit (see :func:`unit`).
    value
        The value.
    unit_name
        Force a unit of :data:`DISPLAY_UNITS` instead of the column's.
    currency
        Currency symbol.
    precision
        Decimals of ``ratio`` values (coefficients, unknown non-whole numbers).

    Examples
    --------
    >>> format_value("win_rate", 0.4567), format_value("gini", 0.91054), format_value("significant", True)
    ('45.7%', '0.91', 'Yes')
    >>> format_value("as_of", pd.Timestamp("2024-03-31 00:00")), format_value("responses", float("nan"))
    ('2024-03-31', '—')
    """
    if _missing(value):
        return "—"
    kind = unit_name or _known_unit(str(column)) or _unit_of(pd.Series([value]))
    if kind == "bool":
        return "Yes" if bool(value) else "No"
    if kind == "date":
        return pd.Timestamp(value).date().isoformat()
    if kind == "text" or not isinstance(value, (int, float, np.number)):
        return str(value)
    if kind == "currency":
        return format_money(float(value), currency=currency)
    if kind == "ratio":
        return f"{value:,.{precision}f}"
    if kind == "p_value":
        return "< 0.001" if value < 0.001 else f"{value:.3f}"
    if kind == "count":
        return f"{value:,.0f}"
    return format_unit(kind, value, currency=currency)


def _missing(value: object) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, (float, np.floating)) and math.isnan(value)


def display_frame(frame: pd.DataFrame, *, percent: Iterable[str] = (), kpi_column: str | None = None,
                  precision: int = 2) -> pd.DataFrame:
    """A copy of ``frame`` as display strings under human headers (:func:`label`, :func:`format_value`).

    Parameters
    ----------
    frame
        Any table; it is not changed.
    percent
        Extra columns holding fractions to show as percents.
    kpi_column
        A column of KPI names: the ``value`` column of each row is then
        formatted with that row's KPI (long KPI tables).
    precision
        Decimals of ``ratio`` columns.

    Examples
    --------
    >>> display_frame(pd.DataFrame({"partner_type": ["msp"], "partners": [3.0], "top_10pct_share": [0.5]}))
      Partner type Partners Top 10 % of partners: share of revenue
    0          msp        3                                  50.0%
    """
    forced = set(percent)
    out = {}
    for column in frame.columns:
        kind = "fraction" if column in forced else unit(column, frame[column])
        if kpi_column is not None and column == "value":
            texts = [format_value(k, v) for k, v in zip(frame[kpi_column], frame[column])]
        elif column == kpi_column:
            texts = [label(k) for k in frame[column]]
        else:
            texts = [format_value(column, v, unit_name=kind, precision=precision) for v in frame[column]]
        out[label(column)] = pd.Series(texts, index=frame.index, dtype="object")
    return pd.DataFrame(out, index=frame.index)


def format_frame(frame: pd.DataFrame, *, percent: Iterable[str] = (), precision: int = 2, hide_index: bool = True):
    """A pandas ``Styler`` of ``frame`` with human headers and display formats; the data stay numbers.

    Sorting and exporting the Styler's data keeps the raw values; only the
    display changes (:func:`format_value` per cell, :func:`label` per header).
    ``percent`` names extra fraction columns, ``precision`` the decimals of
    ``ratio`` columns.

    Examples
    --------
    >>> style = format_frame(pd.DataFrame({"revenue": [1234567.8], "share": [0.25], "partners": [3.0]}))
    >>> style.to_string(delimiter=" ").splitlines()[:2]
    ['Partner revenue Share of partner revenue Partners', '$1.23M 25.0% 3']
    """
    forced = set(percent)
    formats = {}
    for column in frame.columns:
        kind = "fraction" if column in forced else unit(column, frame[column])
        formats[column] = (lambda c, k: lambda v: format_value(c, v, unit_name=k, precision=precision))(column, kind)
    style = frame.style.format(formats).relabel_index([label(c) for c in frame.columns], axis="columns")
    return style.hide(axis="index") if hide_index else style
