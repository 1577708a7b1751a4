"""Frames derived from the rollup's facts in pandas: channel totals, trailing totals, target activities.

:mod:`partner_analytics.rollup` builds the :class:`~partner_analytics.Rollup` on an engine and
re-exports these; they also serve callers that hold a Rollup's frames (or some partners' rows of them).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .lookup import positions_in
from .periods import in_trailing_window

__all__ = ["CHANNEL_MEASURES", "PARTNER_PERIOD_MEASURES", "channel_periods", "channel_grid", "engagement_activity_for",
           "grid_positions", "trailing_totals"]

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
