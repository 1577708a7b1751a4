"""Engagement metrics: activity, participation, the engagement index and its link to revenue.

Every function reads ``facts.engagement`` (partner × period × activity with
summed ``quantity``) and ``facts.partner_periods`` from a
:class:`partner_analytics.Rollup`. Definitions used throughout:

* **Window**: the ``periods`` ``facts.freq`` periods ending at ``period``
  (default ``facts.period``, the period containing ``as_of``). A window
  reaching before the first rollup period holds the periods available.
* **Enrolled partners**: partners enrolled (``partner_periods.enrolled``) in
  at least one period of the window, i.e. in the programme during it. Rates,
  ranks, funnels and associations are over them; partners not enrolled in the
  window are left out (their ``engagement_index`` is NaN; plain activity
  counts still list them).
* **Activities** are the activity codes recorded in ``facts.engagement`` at
  any period up to ``as_of``, sorted. A partner is **active** in an activity
  when its summed quantity in the window is > 0; a partner without rows has a
  true zero.
* **Not available**: when the program has no engagement table
  (``"engagement" not in facts.available``), frames with one row per activity
  are empty and per-partner values, counts and scalars are NaN: not
  available, not zero (:func:`active_partners` then lists everyone as not
  active and :func:`active_partner_share` is NaN).
* A ``period`` outside ``facts.periods``, ``periods < 1`` or a facts frame
  missing a column raises ``ValueError``. Inputs are never modified.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd
# scipy is imported where it is used, so partner report kernels never load it (tests/test_render_worker.py)

from ..periods import periods_per_year
from ..rollup import Rollup
from .activity import (
    active_partner_share,
    active_partners,
    activity_counts,
    activity_quantities,
    activity_quantities_by_window,
    activity_rates,
    has_engagement,
    participation_rate,
)
from .checks import resolve_period as _period
from .windows import enrolled_in_window as _enrolled
from .windows import partner_window_sums as _partner_sums

__all__ = [
    "ENGAGEMENT_WEIGHTS",
    "FUNNEL_STAGES",
    "activity_counts",
    "activity_rates",
    "participation_rate",
    "active_partners",
    "active_partner_share",
    "engagement_index",
    "engagement_funnel",
    "engagement_revenue_association",
    "partner_engagement_kpis",
]

ENGAGEMENT_WEIGHTS: dict[str, float] = {
    "prm_login": 1.0,
    "training_completed": 2.0,
    "certification": 3.0,
    "asset_download": 1.0,
    "qbr_attended": 2.0,
    "webinar": 1.0,
    "joint_campaign": 2.0,
}
"""Default activity weights of :func:`engagement_index` (enablement and joint selling weigh most)."""

FUNNEL_STAGES = {
    "enrolled": None,
    "logged_in": "prm_login",
    "trained": "training_completed",
    "certified": "certification",
    "won_deal": None,
}
"""Stages of :func:`engagement_funnel` and the activity each one requires (``won_deal``: a won deal)."""

def _weights(weights: Mapping[str, float] | None) -> dict[str, float]:
    weights = dict(ENGAGEMENT_WEIGHTS if weights is None else weights)
    values = np.array(list(weights.values()), dtype="float64")
    if not len(values) or not np.isfinite(values).all() or (values < 0).any() or not (values > 0).any():
        raise ValueError("weights must be finite, >= 0 and at least one > 0")
    return weights


def engagement_index(
    facts: Rollup,
    *,
    period: str | pd.Period | None = None,
    periods: int = 4,
    weights: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Composite engagement index, 0..100, per partner.

    For each weighted activity ``a`` that the program records and each
    partner ``i`` enrolled in the window, with ``q`` the Σ quantity in the
    window and ``N`` the number of enrolled partners:

    * score ``s_ia`` = #{enrolled j : q_ja <= q_ia} / N (percentile rank,
      ties share the higher rank; the most active partner scores 1), and
      ``s_ia = 0`` when ``q_ia = 0``;
    * ``engagement_index_i`` = 100 × Σ_a w_a s_ia / Σ_a w_a (index 0..100).

    Weights default to :data:`ENGAGEMENT_WEIGHTS` (prm_login 1,
    training_completed 2, certification 3, asset_download 1, qbr_attended 2,
    webinar 1, joint_campaign 2) and are renormalised over the weighted
    activities recorded in ``facts.engagement`` (an untracked activity does
    not cap the index); other activities are ignored. The index is relative
    to the enrolled partners of the window, so it compares partners, not
    periods. NaN for partners not enrolled in the window, when no weighted
    activity is recorded, and when the program has no engagement table.

    Parameters
    ----------
    facts
        Rolled-up program facts.
    period, periods
        Last period (default ``facts.period``) and length in ``facts.freq``
        periods (>= 1) of the window.
    weights
        Activity → weight (finite, >= 0, at least one > 0).

    Returns
    -------
    DataFrame
        ``partner_id``, ``engagement_index``; one row per partner of
        ``facts.partners``, in that order.

    Raises
    ------
    ValueError
        If ``weights`` are invalid, or as :func:`activity_counts`.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"), as_of="2025-12-31")
    >>> index = engagement_index(facts)["engagement_index"].dropna()
    >>> bool(index.between(0, 100).all())
    True
    """
    weights = _weights(weights)
    end = _period(facts, period)
    return _index_of(facts, activity_quantities(facts, end, periods), _enrolled(facts, end, periods), weights)


def _index_of(facts: Rollup, wide: pd.DataFrame, enrolled: pd.Series, weights: dict[str, float]) -> pd.DataFrame:
    """:func:`engagement_index` from the window's activity quantities and enrolled partners."""
    used = {a: w for a, w in weights.items() if a in wide.columns}
    index = pd.Series(np.nan, index=wide.index)
    if has_engagement(facts) and sum(used.values()) > 0 and enrolled.any():
        mine = wide.loc[enrolled.to_numpy(), list(used)]
        scores = mine.rank(method="max", pct=True).where(mine > 0, 0.0)
        w = pd.Series(used, dtype="float64")
        index[enrolled.to_numpy()] = 100 * (scores * w).sum(axis=1) / w.sum()
    return pd.DataFrame({"partner_id": wide.index.array, "engagement_index": index.to_numpy(dtype="float64")})


def engagement_funnel(facts: Rollup, *, period: str | pd.Period | None = None, periods: int = 4) -> pd.DataFrame:
    """Enrolled → logged in → trained → certified → won a deal, over a window.

    Stages are nested: each counts the partners of the previous stage that
    also meet its condition in the window (:data:`FUNNEL_STAGES`):
    ``enrolled`` (enrolled in the window), ``logged_in`` (prm_login > 0),
    ``trained`` (training_completed > 0), ``certified`` (certification > 0),
    ``won_deal`` (won deals > 0 in ``partner_periods``).

    * ``partners`` = number of partners in the stage (count).
    * ``conversion_from_previous`` = partners / partners of the previous
      stage; NaN for the first stage and when the previous stage is 0.
    * ``conversion_from_first`` = partners / enrolled partners; NaN with no
      enrolled partner.

    Without an engagement table every stage after ``enrolled`` is NaN.

    Parameters
    ----------
    facts
        Rolled-up program facts.
    period, periods
        Last period (default ``facts.period``) and length in ``facts.freq``
        periods (>= 1) of the window.

    Returns
    -------
    DataFrame
        ``stage``, ``partners``, ``conversion_from_previous``,
        ``conversion_from_first``; five rows in stage order.

    Raises
    ------
    ValueError
        As :func:`activity_counts`.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"), as_of="2025-12-31")
    >>> funnel = engagement_funnel(facts)
    >>> list(funnel["stage"])
    ['enrolled', 'logged_in', 'trained', 'certified', 'won_deal']
    >>> bool(funnel["partners"].is_monotonic_decreasing)
    True
    """
    end = _period(facts, period)
    current = _enrolled(facts, end, periods)
    wide = activity_quantities(facts, end, periods)
    won = _partner_sums(facts, end, periods, "won_deals")
    counts = [float(current.sum())]
    for stage, activity in list(FUNNEL_STAGES.items())[1:]:
        if stage == "won_deal":
            current = current & (won > 0)
        else:
            quantity = wide[activity] if activity in wide.columns else pd.Series(0.0, index=wide.index)
            current = current & (quantity > 0)
        counts.append(float(current.sum()) if has_engagement(facts) else np.nan)
    partners = pd.Series(counts, dtype="float64")
    previous = partners.shift(1)
    return pd.DataFrame({
        "stage": pd.array(list(FUNNEL_STAGES), dtype="str"),
        "partners": partners,
        "conversion_from_previous": partners / previous.where(previous != 0),
        "conversion_from_first": partners / (counts[0] if counts[0] else np.nan),
    })


def _spearman(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Spearman rho and its p-value; NaN for n < 4 or a constant variable."""
    from scipy import stats
    if len(x) < 4 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return np.nan, np.nan
    result = stats.spearmanr(x, y)
    return float(result.statistic), float(result.pvalue)


def engagement_revenue_association(
    facts: Rollup, *, period: str | pd.Period | None = None, periods: int = 4
) -> pd.DataFrame:
    """Spearman rank correlation between each activity and partner revenue.

    Across the ``n`` partners enrolled in the window, ``rho`` = Spearman
    correlation between the partner's Σ quantity of the activity and its Σ
    revenue (``partner_periods.revenue``) in the same window, in −1..1;
    ``p_value`` is scipy's two-sided test of rho = 0 (not adjusted for the
    number of activities). An association, not an effect: active partners
    may simply be bigger. NaN when ``n < 4`` or either variable is constant;
    empty without an engagement table.

    Parameters
    ----------
    facts
        Rolled-up program facts.
    period, periods
        Last period (default ``facts.period``) and length in ``facts.freq``
        periods (>= 1) of the window.

    Returns
    -------
    DataFrame
        ``activity``, ``n``, ``rho``, ``p_value``; one row per recorded
        activity, sorted.

    Raises
    ------
    ValueError
        As :func:`activity_counts`.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"), as_of="2025-12-31")
    >>> association = engagement_revenue_association(facts)
    >>> bool(association["rho"].between(-1, 1).all())
    True
    """
    end = _period(facts, period)
    enrolled = _enrolled(facts, end, periods).to_numpy()
    wide = activity_quantities(facts, end, periods)[enrolled]
    if not has_engagement(facts):
        wide = wide.iloc[:, :0]
    revenue = _partner_sums(facts, end, periods, "revenue")[enrolled].to_numpy()
    rows = [(activity, float(len(wide)), *_spearman(wide[activity].to_numpy(), revenue)) for activity in wide.columns]
    frame = pd.DataFrame(rows, columns=["activity", "n", "rho", "p_value"])
    return frame.astype({"activity": "str", "n": "float64", "rho": "float64", "p_value": "float64"})


def partner_engagement_kpis(facts: Rollup, *, period: str | pd.Period | None = None) -> pd.DataFrame:
    """Per-partner engagement KPIs (registry domain ``"engagement"``).

    * ``engagement_index`` = :func:`engagement_index` over the trailing
      year (4 quarters, or 12 months for monthly facts) ending at ``period``
      (index 0..100; NaN for a partner not enrolled in that year).
    * ``certifications``, ``training_completed``, ``prm_logins`` = Σ
      quantity of ``certification``, ``training_completed`` and
      ``prm_login`` in ``period`` alone (counts; true 0 when none).

    Every value is NaN when the program has no engagement table.

    Parameters
    ----------
    facts
        Rolled-up program facts.
    period
        Reporting period (default ``facts.period``).

    Returns
    -------
    DataFrame
        ``partner_id``, ``engagement_index``, ``certifications``,
        ``training_completed``, ``prm_logins``; one row per partner of
        ``facts.partners``, in that order.

    Raises
    ------
    ValueError
        If ``period`` is outside ``facts.periods`` or a facts frame lacks a
        column.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"), as_of="2025-12-31")
    >>> kpis = partner_engagement_kpis(facts)
    >>> list(kpis.columns), len(kpis) == len(facts.partners)
    (['partner_id', 'engagement_index', 'certifications', 'training_completed', 'prm_logins'], True)
    """
    end = _period(facts, period)
    year = periods_per_year(facts.freq)
    windows = activity_quantities_by_window(facts, end, (year, 1))
    out = _index_of(facts, windows[year], _enrolled(facts, end, year), _weights(None))
    wide = windows[1]
    for column, activity in (("certifications", "certification"), ("training_completed", "training_completed"),
                             ("prm_logins", "prm_login")):
        values = wide[activity].to_numpy() if activity in wide.columns else np.zeros(len(wide))
        out[column] = values if has_engagement(facts) else np.nan
    return out.astype({c: "float64" for c in out.columns if c != "partner_id"})
