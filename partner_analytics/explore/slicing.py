"""Slices of the facts and the options of the notebooks' filter dropdowns.

:func:`subset_facts` restricts a :class:`~partner_analytics.Rollup` to the partners of one type, region and/or
tier, so every metric can be recomputed for the slice a filter panel selects; :func:`choices`,
:func:`partner_choices` and :func:`period_choices` build dropdown options whose values are always valid
selections (never ``None``, which ipywidgets reads as "nothing selected").
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import pandas as pd

from ..metrics.checks import require_columns as _require
from ..periods import periods_per_year
from ..rollup import Rollup, channel_periods

__all__ = ["FILTERS", "ALL", "subset_facts", "choices", "partner_choices", "period_choices", "trailing_year",
           "period_end", "with_partner_details", "has_deal_distributions", "NO_DEAL_DISTRIBUTIONS"]

NO_DEAL_DISTRIBUTIONS = ("*Deal sizes and times to close (medians, quartiles) are available for all partners or for "
                         "one partner type; set Region and Tier to All to see them for this slice.*")
"""What a deal-distribution section says for a slice whose partner distributions the facts do not hold."""

FILTERS = ("partner_type", "region", "tier")
"""Partner attributes :func:`subset_facts` and :func:`choices` accept."""

ALL = ""
"""The value of the "all partners" option of a filter dropdown: no restriction.

Not ``None``: ipywidgets reads a ``None`` value as "nothing selected", so a dropdown whose first option is
``("all", None)`` opens empty in the browser (``selectedIndex`` −1) while the kernel filters on "all".
"""

_PARTNER_FRAMES = ("partner_periods", "partner_channel_periods", "partner_deal_stats", "engagement", "surveys",
                   "comments", "mdf", "target_actuals")


def subset_facts(
    facts: Rollup, *, partner_type: str | None = None, region: str | None = None, tier: str | None = None
) -> Rollup:
    """The facts of the partners of one type, region and/or tier.

    Every partner-level frame keeps the rows of the matching partners only:
    ``partners``, ``partner_periods``, ``partner_channel_periods``,
    ``partner_deal_stats``, ``engagement``, ``surveys``, ``comments``,
    ``mdf``, ``target_actuals``. **Direct deals** (no partner) are kept, so
    partner-versus-direct comparisons still work on a slice:
    ``channel_periods`` is recomputed from the kept partners, so its sourced
    and influenced rows are the slice's and its direct rows are unchanged.
    The engine's deal distributions (``deal_stats``) keep the direct rows
    and, for a slice of one partner type alone, that type's rows (as the
    ``all``, ``channel`` = partner and ``partner_type`` rows); other slices
    have no partner distributions (fetch their deals with
    :func:`~partner_analytics.rollup.deals_for`). ``freq``, ``as_of``, ``periods`` and ``available`` are
    unchanged. Filters combine with *and*; ``None`` or :data:`ALL` (``""``) means no restriction, and
    with no filter at all ``facts`` itself is returned. A combination that no
    partner matches gives empty partner frames (metrics then give NaN or
    empty results, as documented for empty input).

    Parameters
    ----------
    facts
        Rolled-up program facts.
    partner_type, region, tier
        Value of that column of ``facts.partners`` to keep, or ``None``.

    Returns
    -------
    Rollup
        A new Rollup; ``facts`` is not modified.

    Raises
    ------
    ValueError
        If a value does not occur in its column (the message lists the known
        values), or ``facts.partners`` lacks the column.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"), as_of="2025-12-31")
    >>> msp = subset_facts(facts, partner_type="msp")
    >>> sorted(set(msp.partners["partner_type"])), sorted(set(msp.channel_periods["attribution"]))
    (['msp'], ['direct', 'influenced', 'sourced'])
    """
    wanted = {column: value for column, value in zip(FILTERS, (partner_type, region, tier)) if value not in (None, ALL)}
    if not wanted:
        return facts
    partners = facts.partners
    keep = pd.Series(True, index=partners.index)
    for column, value in wanted.items():
        known = _known_values(partners, column)
        if value not in known:
            raise ValueError(f"{column} {value!r} does not occur in the partners; known values: {', '.join(known)}")
        keep &= partners[column] == value
    ids = set(partners.loc[keep, "partner_id"])
    changes = {"partners": partners[keep].reset_index(drop=True)}
    for name in _PARTNER_FRAMES:
        frame = getattr(facts, name)
        changes[name] = frame[_require(frame, ["partner_id"], name)["partner_id"].isin(ids)].reset_index(drop=True)
    changes["channel_periods"] = channel_periods(changes["partner_channel_periods"], facts.periods,
                                                 direct=facts.channel_periods)
    changes["deal_stats"] = _sliced_deal_stats(facts.deal_stats, wanted)
    return dataclasses.replace(facts, **changes)


def _sliced_deal_stats(stats: pd.DataFrame, wanted: dict[str, str]) -> pd.DataFrame:
    """The rows of ``Rollup.deal_stats`` that still hold on a slice of partners (see :func:`subset_facts`)."""
    direct = stats[stats["by"].isin(["channel", "attribution"]) & (stats["group"] == "direct")]
    if set(wanted) != {"partner_type"}:
        return direct.reset_index(drop=True)
    kind = stats[(stats["by"] == "partner_type") & (stats["group"] == wanted["partner_type"])]
    parts = [direct, kind, kind.assign(by="all", group="all"), kind.assign(by="channel", group="partner")]
    return pd.concat(parts, ignore_index=True).sort_values(["periods", "period", "by", "group"], ignore_index=True)


def _known_values(partners: pd.DataFrame, column: str) -> list[str]:
    if column not in FILTERS:
        raise ValueError(f"column must be one of {', '.join(FILTERS)}, got {column!r}")
    return sorted(_require(partners, [column], "partners")[column].dropna().astype(str).unique())


def choices(facts: Rollup, column: str, *, all_label: str = "All") -> list[tuple[str, str]]:
    """Dropdown options for a partner attribute: ``(all_label, ALL)``, then ``(value, value)`` for each value.

    :data:`ALL` is "no restriction", as :func:`subset_facts` reads it; it is a string, never ``None``, so an
    ipywidgets ``Dropdown`` built on these options selects its first option. Values are those of ``column`` in
    ``facts.partners``, sorted; missing values are not offered. ``column`` is one of :data:`FILTERS`;
    anything else, or a missing column, raises ``ValueError``.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"), as_of="2025-12-31")
    >>> choices(facts, "region")
    [('All', ''), ('APAC', 'APAC'), ('EMEA', 'EMEA'), ('LATAM', 'LATAM'), ('North America', 'North America')]
    """
    return [(all_label, ALL), *((value, value) for value in _known_values(facts.partners, column))]


def partner_choices(facts: Rollup, *, order: Sequence[str] | None = None) -> list[tuple[str, str]]:
    """Dropdown options for one partner: ``("Name (ID)", ID)`` pairs.

    In the order of ``order`` (e.g. a scorecard, best first; ids unknown to ``facts.partners`` are
    skipped), by default in the order of ``facts.partners``.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"), as_of="2025-12-31")
    >>> partner_choices(facts, order=["P0002", "P0001"])
    [('Horizon Services (P0002)', 'P0002'), ('Juniper Dynamics (P0001)', 'P0001')]
    """
    partners = _require(facts.partners, ["partner_id", "partner_name"], "partners")
    names = dict(zip(partners["partner_id"], partners["partner_name"]))
    ids = list(partners["partner_id"]) if order is None else [i for i in order if i in names]
    return [(f"{names[i]} ({i})", i) for i in ids]


def period_choices(facts: Rollup) -> list[str]:
    """Every period of ``facts.periods`` as text, latest first (dropdown options).

    Examples
    --------
    >>> import partner_analytics as pa
    >>> period_choices(pa.rollup(pa.load_program("sample"), as_of="2025-12-31"))[:2]
    ['2025Q4', '2025Q3']
    """
    return [str(p) for p in facts.periods[::-1]]


def trailing_year(facts: Rollup) -> int:
    """Number of ``facts.freq`` periods in a year: 4 quarters or 12 months.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> trailing_year(pa.rollup(pa.load_program("sample"), freq="M"))
    12
    """
    return periods_per_year(facts.freq)


def period_end(period: str | pd.Period | None, *, freq: str) -> str | None:
    """Last day of ``period`` (read at ``freq``, ``"Q"`` or ``"M"``) as ``YYYY-MM-DD``, for a rollup's ``as_of``.

    None for an empty or blank period; ``ValueError`` if ``period`` cannot be read at ``freq``.

    Examples
    --------
    >>> period_end("2024Q4", freq="Q"), period_end("2024-02", freq="M"), period_end("", freq="Q")
    ('2024-12-31', '2024-02-29', None)
    """
    if period is None or (isinstance(period, str) and not period.strip()):
        return None
    return pd.Period(period, freq=freq).end_time.date().isoformat()




def with_partner_details(frame: pd.DataFrame, facts: Rollup) -> pd.DataFrame:
    """``frame`` (one row per ``partner_id``) with each partner's name, type, region and tier after the id.

    For tables a reader scans or downloads: ids alone mean nothing to them. Partners unknown to
    ``facts.partners`` keep empty details; ``frame`` is not modified.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"), as_of="2025-12-31")
    >>> list(with_partner_details(pd.DataFrame({"partner_id": ["P0001"], "revenue": [1.0]}), facts).columns)
    ['partner_id', 'partner_name', 'partner_type', 'region', 'tier', 'revenue']
    """
    details = [c for c in ("partner_id", "partner_name", *FILTERS) if c in facts.partners.columns]
    extra = [c for c in details[1:] if c not in frame.columns]
    merged = frame.merge(facts.partners[["partner_id", *extra]], on="partner_id", how="left")
    return merged[["partner_id", *extra, *[c for c in frame.columns if c != "partner_id"]]]


def has_deal_distributions(facts: Rollup) -> bool:
    """True when ``facts.deal_stats`` holds the partner deals' distributions (deal size, days to close).

    The engine computes medians and quartiles for the whole programme and per partner type; a slice by region
    or tier keeps only the direct deals' (:func:`subset_facts`), and the distribution metrics then raise. A
    notebook asks first and shows :data:`NO_DEAL_DISTRIBUTIONS` instead.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"), as_of="2025-12-31")
    >>> has_deal_distributions(facts), has_deal_distributions(subset_facts(facts, region="EMEA"))
    (True, False)
    """
    stats = facts.deal_stats
    return bool(len(stats) and ((stats["by"] == "channel") & (stats["group"] == "partner")).any())
