"""Market development funds (MDF): utilisation and return on investment.

Every function reads ``facts.mdf`` (partner × period of **approval** with
``funds``, ``amount_approved``, ``amount_claimed``, ``attributed_revenue``)
from a :class:`partner_analytics.Rollup`. Definitions used throughout:

* A fund belongs to the period in which it was **approved**; its claimed
  amount and attributed revenue stay with that period even when they come in
  later. Windows are the ``periods`` ``facts.freq`` periods ending at
  ``period`` (default ``facts.period``, the period containing ``as_of``).
* **Spend** is the amount **claimed** (money actually used), not the amount
  approved. ``unclaimed`` = approved − claimed (currency).
* ``utilisation`` = Σ claimed / Σ approved (fraction, normally 0..1); NaN when
  nothing was approved.
* ``roi`` = (Σ attributed revenue − Σ claimed) / Σ claimed (fraction: 2.75
  means every unit spent brought 3.75 units of revenue, i.e. 275 % return);
  NaN when nothing was claimed.
* A partner without funds in the window has true zeros for the amounts (no
  fund approved is 0 approved) and NaN ratios. When the program has no MDF
  table (``"mdf" not in facts.available``) every amount and ratio is NaN:
  not available, not zero.
* A period outside ``facts.periods`` or a frame missing a column raises
  ``ValueError``. Inputs are never modified.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..periods import periods_per_year
from ..rollup import Rollup
from .checks import require_columns as _require
from .checks import resolve_period as _period

__all__ = ["mdf_summary", "partner_mdf_kpis", "mdf_roi_ranking", "MDF_GROUPINGS"]

MDF_GROUPINGS = ("partner_id", "partner_type", None)
"""Values of ``by`` accepted by :func:`mdf_summary`."""

_SOURCE = {"funds": "funds", "amount_approved": "approved", "amount_claimed": "claimed",
           "attributed_revenue": "attributed_revenue"}
_AMOUNTS = list(_SOURCE.values())
_COLUMNS = ["funds", "approved", "claimed", "unclaimed", "attributed_revenue", "utilisation", "roi"]


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """``numerator / denominator``; NaN where the denominator is 0 or missing."""
    return (numerator / denominator.where(denominator != 0)).astype("float64")


def _partner_totals(facts: Rollup, end: pd.Period, periods: int) -> pd.DataFrame:
    """One row per partner of ``facts.partners``: partner_id, partner_type and summed amounts."""
    if periods < 1:
        raise ValueError(f"periods must be >= 1, got {periods}")
    partners = _require(facts.partners, ["partner_id", "partner_type"], "partners")[["partner_id", "partner_type"]]
    if "mdf" not in facts.available:
        return partners.assign(**dict.fromkeys(_AMOUNTS, np.nan)).reset_index(drop=True)
    mdf = _require(facts.mdf, ["partner_id", "period", *_SOURCE], "mdf")
    window = mdf.loc[(mdf["period"] > end - periods) & (mdf["period"] <= end), ["partner_id", *_SOURCE]]
    sums = window.rename(columns=_SOURCE).groupby("partner_id")[_AMOUNTS].sum()
    amounts = sums.reindex(partners["partner_id"].array).astype("float64").fillna(0.0)
    return pd.concat([partners.reset_index(drop=True), amounts.reset_index(drop=True)], axis=1)


def _with_ratios(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(
        unclaimed=frame["approved"] - frame["claimed"],
        utilisation=_ratio(frame["claimed"], frame["approved"]),
        roi=_ratio(frame["attributed_revenue"] - frame["claimed"], frame["claimed"]),
    )


def mdf_summary(
    facts: Rollup, *, by: str | None = "partner_id", period: str | pd.Period | None = None, periods: int = 4
) -> pd.DataFrame:
    """MDF amounts, utilisation and ROI over a window, per partner, per type or in total.

    Formulas over funds approved in the ``periods`` periods ending at
    ``period``:

    * ``funds`` = number of fund requests; ``approved``, ``claimed``,
      ``attributed_revenue`` = Σ amounts (currency); ``unclaimed`` =
      approved − claimed. Spend is ``claimed``.
    * ``utilisation`` = Σ claimed / Σ approved (fraction); NaN when approved
      is 0.
    * ``roi`` = (Σ attributed_revenue − Σ claimed) / Σ claimed (fraction);
      NaN when claimed is 0.

    Ratios of a group are ratios of its sums (not means of partner ratios).
    Partners without funds contribute zeros; without an MDF table every value
    is NaN.

    Parameters
    ----------
    facts
        Rolled-up program facts.
    by
        ``"partner_id"`` (one row per partner of ``facts.partners``, in that
        order, with its ``partner_type``), ``"partner_type"`` (one row per
        type, sorted) or ``None`` (one row for the whole program).
    period
        Last period of the window (default ``facts.period``).
    periods
        Window length in ``facts.freq`` periods (>= 1): 4 is a year of
        quarters, 12 a year of months.

    Returns
    -------
    DataFrame
        The key columns, then ``funds``, ``approved``, ``claimed``,
        ``unclaimed``, ``attributed_revenue``, ``utilisation``, ``roi``.

    Raises
    ------
    ValueError
        If ``by`` is unknown, ``periods < 1``, ``period`` is outside
        ``facts.periods`` or a facts frame lacks a column.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"), as_of="2025-12-31")
    >>> total = mdf_summary(facts, by=None, period="2025Q4", periods=4)
    >>> list(total.columns)
    ['funds', 'approved', 'claimed', 'unclaimed', 'attributed_revenue', 'utilisation', 'roi']
    >>> len(mdf_summary(facts, by="partner_id")) == len(facts.partners)
    True
    """
    if by not in MDF_GROUPINGS:
        raise ValueError(f"by must be one of {list(MDF_GROUPINGS)}, got {by!r}")
    totals = _partner_totals(facts, _period(facts, period), periods)
    if by == "partner_id":
        return _with_ratios(totals)[["partner_id", "partner_type", *_COLUMNS]]
    if by == "partner_type":
        grouped = totals.groupby("partner_type", sort=True)[_AMOUNTS].sum(min_count=1).reset_index()
        return _with_ratios(grouped.astype(dict.fromkeys(_AMOUNTS, "float64")))[["partner_type", *_COLUMNS]]
    total = pd.DataFrame([totals[_AMOUNTS].sum(min_count=1)]).astype("float64")
    return _with_ratios(total)[_COLUMNS]


def partner_mdf_kpis(facts: Rollup, *, period: str | pd.Period | None = None) -> pd.DataFrame:
    """Per-partner MDF KPIs (registry domain ``"mdf"``), trailing four quarters.

    Formulas over funds approved in the four quarters (12 months for monthly
    facts) ending at ``period``:

    * ``mdf_utilisation`` = Σ claimed / Σ approved (fraction).
    * ``mdf_roi`` = (Σ attributed revenue − Σ claimed) / Σ claimed (fraction).

    NaN for a partner without approved (utilisation) or claimed (ROI) funds
    in the window, and for every partner when the program has no MDF table.

    Parameters
    ----------
    facts
        Rolled-up program facts.
    period
        Reporting period (default ``facts.period``).

    Returns
    -------
    DataFrame
        ``partner_id``, ``mdf_utilisation``, ``mdf_roi``; one row per partner
        of ``facts.partners``, in that order.

    Raises
    ------
    ValueError
        If ``period`` is outside ``facts.periods`` or a facts frame lacks a
        column.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"), as_of="2025-12-31")
    >>> kpis = partner_mdf_kpis(facts)
    >>> list(kpis.columns), len(kpis) == len(facts.partners)
    (['partner_id', 'mdf_utilisation', 'mdf_roi'], True)
    """
    summary = mdf_summary(facts, by="partner_id", period=period, periods=periods_per_year(facts.freq))
    return summary[["partner_id", "utilisation", "roi"]].rename(
        columns={"utilisation": "mdf_utilisation", "roi": "mdf_roi"}
    )


def mdf_roi_ranking(
    facts: Rollup, *, period: str | pd.Period | None = None, periods: int = 4, min_claimed: float = 0.0
) -> pd.DataFrame:
    """Partners ranked by MDF ROI over a window, best first.

    Uses :func:`mdf_summary` per partner. Only partners with ``claimed > 0``
    and ``claimed >= min_claimed`` are ranked (ROI is undefined without
    spend; ``min_claimed`` leaves out small funds whose ROI is noisy).
    ``rank`` = 1 for the highest ``roi``; ties share the lowest rank
    (``method="min"``) and are listed by ``partner_id``.

    Parameters
    ----------
    facts
        Rolled-up program facts.
    period
        Last period of the window (default ``facts.period``).
    periods
        Window length in ``facts.freq`` periods (>= 1).
    min_claimed
        Minimum claimed amount (currency, >= 0).

    Returns
    -------
    DataFrame
        ``rank`` (int), ``partner_id``, ``partner_type`` and the columns of
        :func:`mdf_summary`, one row per ranked partner. Empty when no
        partner qualifies or the program has no MDF table.

    Raises
    ------
    ValueError
        If ``min_claimed < 0``, or as :func:`mdf_summary`.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"), as_of="2025-12-31")
    >>> ranking = mdf_roi_ranking(facts, min_claimed=1000)
    >>> bool(ranking["roi"].is_monotonic_decreasing)
    True
    """
    if not min_claimed >= 0:
        raise ValueError(f"min_claimed must be >= 0, got {min_claimed}")
    summary = mdf_summary(facts, by="partner_id", period=period, periods=periods)
    ranked = summary.loc[(summary["claimed"] > 0) & (summary["claimed"] >= min_claimed)]
    ranked = ranked.sort_values(["roi", "partner_id"], ascending=[False, True], kind="stable")
    rank = ranked["roi"].rank(method="min", ascending=False).astype("int64")
    return ranked.assign(rank=rank)[["rank", *summary.columns]].reset_index(drop=True)
