"""One table with every registry KPI per partner for a reporting period."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import pandas as pd

from ..params import Params
from ..rollup import Rollup
from .checks import resolve_period
from .deals import partner_deal_kpis
from .engagement import partner_engagement_kpis
from .mdf import partner_mdf_kpis
from .registry import KPIS
from .revenue import partner_revenue_kpis
from .satisfaction import partner_satisfaction_kpis
from .scorecard import scorecard
from .targets import partner_target_kpis
from .tiers import assign_tiers
from .windows import align_to_partners, rows_in_period

__all__ = ["partner_kpis", "scorecard_table", "ATTRIBUTE_COLUMNS", "KPI_FUNCTIONS"]

ATTRIBUTE_COLUMNS = ("partner_id", "partner_name", "partner_type", "tier", "region", "enrolled")
"""Columns that describe the partner, before the KPI columns."""

KPI_FUNCTIONS: dict[str, Callable[..., pd.DataFrame]] = {
    "revenue": partner_revenue_kpis,
    "targets": partner_target_kpis,
    "deals": partner_deal_kpis,
    "engagement": partner_engagement_kpis,
    "satisfaction": partner_satisfaction_kpis,
    "mdf": partner_mdf_kpis,
}
"""The function that computes each group of registry KPIs (:attr:`KPI.domain <.registry.KPI>` → function).

Called as ``function(facts, period=period)``, it returns one row per partner of ``facts.partners``, in that
order: ``partner_id``, then one column per registry KPI of the domain. The registry stays free of imports
(labels, params and plots read it); this table, which imports the domain modules, ties it to the code.
"""


def _domain_tables(facts: Rollup, period: pd.Period) -> Iterator[pd.DataFrame]:
    """The KPI columns of every registry domain, in registry order, checked against the registry."""
    partner_ids = facts.partners["partner_id"].to_numpy()
    for domain in dict.fromkeys(k.domain for k in KPIS.values()):
        if domain not in KPI_FUNCTIONS:
            raise KeyError(f"registry KPIs of domain {domain!r} have no function in KPI_FUNCTIONS")
        values = KPI_FUNCTIONS[domain](facts, period=period)
        registered = {k.name for k in KPIS.values() if k.domain == domain}
        computed = set(values.columns) - {"partner_id"}
        if computed != registered:
            raise ValueError(f"{KPI_FUNCTIONS[domain].__name__} computes {sorted(computed)}, but the registry "
                             f"lists {sorted(registered)} for domain {domain!r}")
        if not np.array_equal(values["partner_id"].to_numpy(), partner_ids):
            raise ValueError(f"{KPI_FUNCTIONS[domain].__name__} is not one row per partner in facts.partners order")
        yield values.drop(columns="partner_id").reset_index(drop=True)


def partner_kpis(facts: Rollup, *, period: pd.Period | str | None = None) -> pd.DataFrame:
    """Every registry KPI for every partner in one reporting period.

    Parameters
    ----------
    facts
        Rollup of the program.
    period
        Reporting period (default: the period containing ``facts.as_of``).

    Returns
    -------
    DataFrame
        One row per partner in ``facts.partners`` order: the columns of
        :data:`ATTRIBUTE_COLUMNS` (``enrolled``: in the programme during the
        period), then one column per KPI in registry order. Values are raw
        (fractions 0..1, NPS −100..100); NaN where a KPI is undefined, e.g. a
        win rate without closed deals or satisfaction without responses.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"))
    >>> table = partner_kpis(facts)
    >>> list(table.columns[:6])
    ['partner_id', 'partner_name', 'partner_type', 'tier', 'region', 'enrolled']
    >>> len(table) == len(facts.partners)
    True
    """
    period = resolve_period(facts, period)
    enrolled = align_to_partners(facts, rows_in_period(facts.partner_periods, period, ["enrolled"]), ["enrolled"])
    table = facts.partners[["partner_id", "partner_name", "partner_type", "tier", "region"]].reset_index(drop=True)
    table["enrolled"] = enrolled["enrolled"].fillna(0.0).to_numpy(dtype=bool)
    table = pd.concat([table, *_domain_tables(facts, period)], axis=1)
    return table[[*ATTRIBUTE_COLUMNS, *KPIS]]


def scorecard_table(facts: Rollup, params: Params, *, period: pd.Period | str | None = None,
                    kpis: pd.DataFrame | None = None) -> pd.DataFrame:
    """The KPI table with each partner's composite score, assigned tier and reward points.

    ``kpis`` are the period's :func:`partner_kpis` when already computed, e.g.
    with like-for-like growth for a partial period
    (:func:`~partner_analytics.metrics.partner.period_kpis`); default: computed
    from ``facts`` and ``period``.

    Returns
    -------
    DataFrame
        :func:`partner_kpis` columns (the data's ``tier`` column renamed
        ``tier_in_data``), then ``composite``, ``tier``, ``next_tier``,
        ``gap_to_next``, ``at_risk_of_drop`` and ``reward_points`` from
        :func:`~partner_analytics.metrics.tiers.assign_tiers`; sorted by
        composite, best first (partners without one last).

    Examples
    --------
    >>> import partner_analytics as pa
    >>> from partner_analytics.params import load_params
    >>> table = scorecard_table(pa.rollup(pa.load_program("sample")), load_params())
    >>> list(table.columns[-6:])
    ['composite', 'tier', 'next_tier', 'gap_to_next', 'at_risk_of_drop', 'reward_points']
    """
    kpis = partner_kpis(facts, period=period) if kpis is None else kpis
    tiers = assign_tiers(scorecard(kpis, params), params).drop(columns="partner_type")
    table = kpis.rename(columns={"tier": "tier_in_data"}).merge(tiers, on="partner_id", how="left")
    return table.sort_values(["composite", "partner_id"], ascending=[False, True], na_position="last",
                             kind="stable").reset_index(drop=True)
