"""Frames derived from the rollup's facts in pandas: the partner grid and channel totals made from the deal
facts, trailing totals, target activities.

:mod:`partner_analytics.rollup` builds the :class:`~partner_analytics.Rollup` on an engine and
re-exports these; they also serve callers that hold a Rollup's frames (or some partners' rows of them).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from .lookup import positions_in
from .periods import in_trailing_window

__all__ = ["CHANNEL_MEASURES", "PARTNER_PERIOD_MEASURES", "channel_periods", "channel_grid", "deal_facts",
           "engagement_activity_for", "grid_positions", "trailing_totals"]

PARTNER_PERIOD_MEASURES = (
    "sourced_revenue",
    "influenced_revenue",
    "revenue",
    "won_deals",
    "lost_deals",
    "lost_amount",
    "created_deals",
    "pipeline_created",
    "new_customers",
    "days_to_close_sum",
    "open_deals",
    "open_pipeline",
)
"""Additive measures in ``Rollup.partner_periods`` (``open_*`` are end-of-period snapshots)."""

CHANNEL_MEASURES = ("revenue", "won_deals", "lost_deals", "lost_amount", "days_to_close_sum")
"""Measures of ``Rollup.channel_periods`` and ``Rollup.partner_channel_periods`` (closed deals)."""


def channel_periods(
    partner_channel_periods: pd.DataFrame, periods: pd.PeriodIndex, *, direct: pd.DataFrame | None = None
) -> pd.DataFrame:
    """Period × attribution totals of closed deals (``Rollup.channel_periods``) from per-partner totals.

    Parameters
    ----------
    partner_channel_periods
        ``Rollup.partner_channel_periods`` (or the rows of some partners).
    periods
        Every period to list; absent activity is a true zero.
    direct
        ``Rollup.channel_periods`` whose ``direct`` rows to keep; None: zeros.
    """
    measures = list(CHANNEL_MEASURES)
    keys = ["period", "attribution"]
    facts = partner_channel_periods.groupby(keys, observed=True)[measures].sum().reset_index()
    if direct is not None:
        facts = pd.concat([facts, direct.loc[direct["attribution"] == "direct", [*keys, *measures]]],
                          ignore_index=True)
    return channel_grid(facts, periods)


def channel_grid(facts: pd.DataFrame, periods: pd.PeriodIndex) -> pd.DataFrame:
    """Every period × attribution (sourced, influenced, direct), ``facts`` where there are any, true zeros elsewhere."""
    keys = ["period", "attribution"]
    grid = pd.MultiIndex.from_product([periods, ["sourced", "influenced", "direct"]], names=keys).to_frame(index=False)
    out = grid.merge(facts, on=keys, how="left")
    measures = list(CHANNEL_MEASURES)
    out[measures] = out[measures].astype("float64").fillna(0.0)
    return out


def grid_positions(rows: pd.DataFrame, partner_ids: pd.Series, periods: pd.PeriodIndex) -> np.ndarray:
    """Row of the partner-major ``partner_ids`` × ``periods`` grid that each of ``rows`` falls on; −1 off the grid.

    ``rows`` has ``partner_id`` and ``period`` columns; ``partner_ids`` are unique.

    Examples
    --------
    >>> periods = pd.period_range("2025Q1", "2025Q2", freq="Q")
    >>> rows = pd.DataFrame({"partner_id": ["b", "a", "z"], "period": pd.PeriodIndex(["2025Q2"] * 3, freq="Q")})
    >>> grid_positions(rows, pd.Series(["a", "b"]), periods).tolist()
    [3, 1, -1]
    """
    partner = positions_in(rows["partner_id"], pd.Index(partner_ids)).astype(np.int64)
    period = rows["period"].array.asi8 - (periods[0].ordinal if len(periods) else 0)
    inside = (partner >= 0) & (period >= 0) & (period < len(periods))
    return np.where(inside, partner * len(periods) + period, -1)


def engagement_activity_for(kpi: str, activities: set[str]) -> str | None:
    """Engagement activity a target KPI counts, or None.

    A KPI matches an activity with the same name, or its plural
    (``certifications`` counts ``certification`` rows).

    Examples
    --------
    >>> engagement_activity_for("certifications", {"certification", "webinar"})
    'certification'
    >>> engagement_activity_for("unknown_kpi", {"webinar"}) is None
    True
    """
    for candidate in (kpi, kpi.removesuffix("s")):
        if candidate in activities:
            return candidate
    return None


def trailing_totals(partner_periods: pd.DataFrame, *, end: pd.Period, n_periods: int) -> pd.DataFrame:
    """Sum the additive measures per partner over the ``n_periods`` ending at ``end``.

    Use it with monthly facts and ``n_periods=12`` for trailing-twelve-month
    (TTM) figures, or quarterly facts and ``n_periods=4``.

    Parameters
    ----------
    partner_periods
        ``Rollup.partner_periods``.
    end
        Last period included.
    n_periods
        Window length in periods (>= 1).

    Returns
    -------
    DataFrame
        One row per partner: ``partner_id``, ``partner_type``, ``tier``,
        ``region`` and the summed measures, except the ``open_*`` snapshots,
        which are taken at ``end``.
    """
    if n_periods < 1:
        raise ValueError("n_periods must be at least 1")
    window = partner_periods[in_trailing_window(partner_periods["period"], end=end, n_periods=n_periods)]
    flows = [m for m in PARTNER_PERIOD_MEASURES if not m.startswith("open_")]
    totals = window.groupby("partner_id", sort=True)[flows].sum()
    snapshot = window[window["period"] == end].set_index("partner_id")[["partner_type", "tier", "region", "open_deals", "open_pipeline"]]
    return snapshot.join(totals, how="outer").reset_index()


def deal_facts(partners: pd.DataFrame, freq: str, as_of: pd.Timestamp, closed: Callable[[], pd.DataFrame],
               created: Callable[[], pd.DataFrame]) -> dict[str, object]:
    """The rollup's fields made from the closed and the created deal facts (fetched by ``closed`` and ``created``).

    Returns ``periods``, ``partners``, ``partner_periods``, ``channel_periods`` and ``partner_channel_periods``.
    The direct deals' rows (no ``partner_id``) are dropped as soon as the channel totals are made, and every
    per-event frame is gone on return, so the rollup's later facts do not share memory with them.
    """
    created_facts = created()
    start = created_facts["first_created_on"].min()
    start = as_of if pd.isna(start) else start
    periods = pd.period_range(start.to_period(freq), as_of.to_period(freq), freq=freq)
    created_facts = created_facts[created_facts["partner_id"].notna()].reset_index(drop=True)
    closed_facts = closed()
    channel = channel_periods(closed_facts, periods)
    closed_facts = closed_facts[closed_facts["partner_id"].notna()].reset_index(drop=True)
    return {
        "periods": periods,
        "partners": _partner_dimension(partners, closed_facts, created_facts),
        "partner_periods": _partner_periods(partners, periods, closed_facts, created_facts),
        "channel_periods": channel,
        "partner_channel_periods": closed_facts.drop(columns=["new_customers", "first_won_on"]),
    }


def _partner_dimension(partners: pd.DataFrame, closed: pd.DataFrame, created: pd.DataFrame) -> pd.DataFrame:
    """The partners with their first deal created and first deal won (from the partners' closed and created facts)."""
    def first(facts: pd.DataFrame, column: str) -> pd.Series:  # reindex, not map: map fails on an empty mapper
        dates = facts.groupby("partner_id")[column].min().reindex(partners["partner_id"])
        return pd.Series(dates.to_numpy(), index=partners.index).astype("datetime64[ns]")

    return partners.assign(first_deal_on=first(created, "first_created_on"),
                           first_won_on=first(closed, "first_won_on")).reset_index(drop=True)


def _partner_periods(
    partners: pd.DataFrame, periods: pd.PeriodIndex, closed: pd.DataFrame, created: pd.DataFrame
) -> pd.DataFrame:
    """The partner × period grid from the partners' closed (× attribution) and created facts.

    The grid is partner-major, so facts are added at their grid position and partner attributes repeated,
    rather than merged and mapped on the text keys.
    """
    n_partners, n_periods = len(partners), len(periods)
    grid = pd.MultiIndex.from_product([partners["partner_id"], periods], names=["partner_id", "period"])
    facts = grid.to_frame(index=False)
    revenue, attribution = closed["revenue"], closed["attribution"]
    closed = closed.assign(sourced_revenue=revenue.where(attribution == "sourced", 0.0),
                           influenced_revenue=revenue.where(attribution == "influenced", 0.0))
    for rows, measures in ((closed, ["sourced_revenue", "influenced_revenue", *CHANNEL_MEASURES, "new_customers"]),
                           (created, ["created_deals", "pipeline_created"])):
        positions = grid_positions(rows, partners["partner_id"], periods)
        inside = positions >= 0
        for measure in measures:  # a missing sum counts 0, as a partner × period without rows
            values = rows[measure].to_numpy(dtype="float64", na_value=np.nan)[inside]
            facts[measure] = np.bincount(positions[inside], weights=np.where(np.isnan(values), 0.0, values),
                                         minlength=n_partners * n_periods)
    # Open at a period's end = created by then minus closed by then (a running sum along each partner's row).
    for column, created_measure, closed_measures in (("open_deals", "created_deals", ("won_deals", "lost_deals")),
                                                     ("open_pipeline", "pipeline_created", ("revenue", "lost_amount"))):
        change = facts[created_measure] - facts[closed_measures[0]] - facts[closed_measures[1]]
        facts[column] = np.cumsum(change.to_numpy().reshape(n_partners, n_periods), axis=1).ravel().round(6)

    def repeated(column: str) -> pd.Series:  # each partner's attribute on each of its rows
        return partners[column].repeat(n_periods).reset_index(drop=True)

    period_start = facts["period"].dt.start_time
    period_end = facts["period"].dt.end_time.dt.normalize()
    facts["enrolled"] = (repeated("onboarded_on") <= period_end) & ~(repeated("churned_on") < period_start)
    for column in ("partner_type", "tier", "region"):
        facts[column] = repeated(column)
    return facts[["partner_id", "period", "partner_type", "tier", "region", "enrolled", *PARTNER_PERIOD_MEASURES]]
