"""Tiers: composite scores → programme tiers, gaps, drop risk, rewards and what-ifs.

Rules (thresholds from ``params.tiers``)
---------------------------------------
* A partner gets the **highest tier whose minimum it reaches**; minimums are
  inclusive (``composite >= min_score``, with a 1e-9 tolerance so that
  floating-point rounding cannot drop a partner sitting exactly on a boundary).
* A NaN composite (nothing measured), or one below every minimum, gets **no
  tier** (``tier`` is NA). For ordering, no tier ranks below the lowest tier.
* ``next_tier`` is the tier just above; ``gap_to_next = next minimum −
  composite`` in points (NaN at the top tier or without a composite).
* ``at_risk_of_drop``: ``composite − current tier minimum < drop_risk_margin``
  for a tier with a minimum above 0 (a tier starting at 0 cannot be lost).
  False without a tier.
* ``reward_points = tier points (0 without a tier) + achievement_points``
  (the scorecard's KPI achievement points, when that column is present).

``tier`` and ``next_tier`` are ordered categoricals (categories lowest tier
first), so ``frame.tier >= "gold"`` works and every tier is known even when
no partner holds it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..params import Params
from .checks import require_columns
from .scorecard import scorecard

__all__ = ["assign_tiers", "tier_distribution", "tier_what_if", "TierWhatIf", "TOLERANCE"]

TOLERANCE = 1e-9
"""Points of floating-point slack when comparing a composite with a tier minimum."""

_CHANGES = ("up", "down", "unchanged")


def assign_tiers(scorecard_frame: pd.DataFrame, params: Params) -> pd.DataFrame:
    """Tier, next tier, gap, drop risk and reward points of every partner.

    Parameters
    ----------
    scorecard_frame
        One row per partner with ``partner_id``, ``partner_type`` and
        ``composite`` (0..100), e.g. from
        :func:`~partner_analytics.metrics.scorecard.scorecard`; an
        ``achievement_points`` column, if present, is added to the rewards.
    params
        Programme parameters (tiers and rewards).

    Returns
    -------
    DataFrame
        One row per partner, in input order: ``partner_id, partner_type,
        composite, tier, next_tier, gap_to_next, at_risk_of_drop,
        reward_points`` (rules in the module docstring). Empty input → empty
        table.

    Raises
    ------
    ValueError
        If a required column is missing.

    Examples
    --------
    >>> from partner_analytics.params import load_params
    >>> sc = pd.DataFrame({"partner_id": ["A", "B", "C", "D"], "partner_type": "reseller",
    ...                    "composite": [82.0, 60.0, 12.5, np.nan]})
    >>> print(assign_tiers(sc, load_params()).to_string())
      partner_id partner_type  composite        tier next_tier  gap_to_next  at_risk_of_drop  reward_points
    0          A     reseller       82.0    platinum       NaN          NaN             True         5000.0
    1          B     reseller       60.0        gold  platinum         20.0             True         2500.0
    2          C     reseller       12.5  registered    silver         27.5            False            0.0
    3          D     reseller        NaN         NaN       NaN          NaN            False            0.0
    """
    require_columns(scorecard_frame, ["partner_id", "partner_type", "composite"], "scorecard")
    low_to_high = params.tiers.levels[::-1]
    mins = np.array([t.min_score for t in low_to_high], dtype=float)
    dtype = pd.CategoricalDtype([t.name for t in low_to_high], ordered=True)
    composite = scorecard_frame["composite"].to_numpy(dtype=float, na_value=np.nan)
    measured = ~np.isnan(composite)
    code = np.where(measured, np.searchsorted(mins, composite + TOLERANCE, side="right") - 1, -1)
    next_code = np.where(measured & (code + 1 < len(mins)), code + 1, -1)
    current_min = np.where(code >= 0, mins[np.maximum(code, 0)], np.nan)
    gap = np.where(next_code >= 0, mins[np.maximum(next_code, 0)] - composite, np.nan)
    at_risk = (code >= 0) & (current_min > 0) & (composite - current_min < params.tiers.drop_risk_margin)
    tier = pd.Categorical.from_codes(code, dtype=dtype)
    points = pd.Series(tier).map(params.rewards.points_for_tier).astype(float).fillna(0.0).to_numpy()
    if "achievement_points" in scorecard_frame.columns:
        points = points + scorecard_frame["achievement_points"].to_numpy(dtype=float, na_value=np.nan)
    return pd.DataFrame({
        "partner_id": scorecard_frame["partner_id"].reset_index(drop=True),
        "partner_type": scorecard_frame["partner_type"].reset_index(drop=True),
        "composite": composite,
        "tier": tier,
        "next_tier": pd.Categorical.from_codes(next_code, dtype=dtype),
        "gap_to_next": gap,
        "at_risk_of_drop": at_risk.astype(bool),
        "reward_points": points,
    })


def tier_distribution(tiers_frame: pd.DataFrame) -> pd.DataFrame:
    """How many partners hold each tier, and their share of all partners.

    Parameters
    ----------
    tiers_frame
        Output of :func:`assign_tiers` (its ``tier`` column is an ordered
        categorical that carries the tier order).

    Returns
    -------
    DataFrame
        ``tier, partners, share``: one row per tier, highest tier first, tiers
        nobody holds included with 0; then one row with ``tier`` NA for the
        partners without a tier, only if there are any. ``share = partners /
        all partners`` (NaN for empty input).

    Raises
    ------
    ValueError
        If ``tier`` is missing or is not an ordered categorical.

    Examples
    --------
    >>> from partner_analytics.params import load_params
    >>> sc = pd.DataFrame({"partner_id": ["A", "B", "C", "D"], "partner_type": "reseller",
    ...                    "composite": [82.0, 60.0, 12.5, np.nan]})
    >>> tier_distribution(assign_tiers(sc, load_params()))
             tier  partners  share
    0    platinum         1   0.25
    1        gold         1   0.25
    2      silver         0   0.00
    3  registered         1   0.25
    4         NaN         1   0.25
    """
    require_columns(tiers_frame, ["tier"], "tiers")
    tier = tiers_frame["tier"]
    if not isinstance(tier.dtype, pd.CategoricalDtype) or not tier.dtype.ordered:
        raise ValueError("column 'tier' must be the ordered categorical that assign_tiers returns")
    names = list(tier.dtype.categories[::-1])
    counts = [int((tier == name).sum()) for name in names]
    missing = int(tier.isna().sum())
    if missing:
        names, counts = names + [np.nan], counts + [missing]
    total = len(tier)
    return pd.DataFrame({
        "tier": pd.Categorical(names, dtype=tier.dtype),
        "partners": np.array(counts, dtype="int64"),
        "share": np.array(counts, dtype=float) / total if total else np.full(len(counts), np.nan),
    })


@dataclass(frozen=True)
class TierWhatIf:
    """Result of :func:`tier_what_if`.

    Attributes
    ----------
    partners
        One row per partner: ``partner_id, partner_type, composite_before,
        composite_after, tier_before, tier_after, change`` (``"up"``,
        ``"down"`` or ``"unchanged"``; no tier ranks below the lowest tier).
    summary
        ``change, partners, share``: three rows in the order up, down,
        unchanged; ``share`` of all partners (NaN for empty input).
    """

    partners: pd.DataFrame
    summary: pd.DataFrame

    def _count(self, change: str) -> int:
        return int(self.summary.set_index("change").loc[change, "partners"])

    @property
    def moved_up(self) -> int:
        """Partners that would reach a higher tier."""
        return self._count("up")

    @property
    def moved_down(self) -> int:
        """Partners that would fall to a lower tier (or lose their tier)."""
        return self._count("down")

    @property
    def unchanged(self) -> int:
        """Partners that would keep their tier."""
        return self._count("unchanged")


def tier_what_if(
    data: pd.DataFrame,
    params: Params,
    *,
    thresholds: dict[str, float] | None = None,
    weights: dict[str, dict[str, float]] | None = None,
) -> TierWhatIf:
    """Which partners would change tier if tier minimums or KPI weights changed.

    Parameters
    ----------
    data
        A scorecard (recognised by its ``composite`` column; only
        ``thresholds`` can change then) or a per-partner KPI table (the
        composites are recomputed with the changed weights).
    params
        Current programme parameters.
    thresholds
        ``{tier: new min_score}`` for the tiers to change; the tier order must
        stay the same.
    weights
        ``{partner_type: {kpi: weight}}``; each weight replaces or adds that
        KPI's weight in the type's scorecard (0 drops it); see
        :meth:`Params.with_overrides`.

    Returns
    -------
    TierWhatIf
        Per-partner before/after tiers and an up/down/unchanged summary.

    Raises
    ------
    ParamsError
        If the changed parameters are invalid (unknown tier or KPI, ...).
    ValueError
        If ``weights`` is given with a scorecard, or ``thresholds`` reorder
        the tiers.

    Examples
    --------
    >>> from partner_analytics.params import load_params
    >>> sc = pd.DataFrame({"partner_id": ["A", "B", "C"], "partner_type": "reseller",
    ...                    "composite": [57.0, 61.0, 30.0]})
    >>> result = tier_what_if(sc, load_params(), thresholds={"gold": 55, "silver": 35})
    >>> result.summary
          change  partners     share
    0         up         1  0.333333
    1       down         0  0.000000
    2  unchanged         2  0.666667
    """
    after_params = params.with_overrides(thresholds=thresholds, weights=weights)
    if after_params.tiers.names != params.tiers.names:
        raise ValueError(f"thresholds must keep the tier order {', '.join(params.tiers.names)}; "
                         f"got {', '.join(after_params.tiers.names)}")
    if "composite" in data.columns:
        if weights:
            raise ValueError("weights can only change with a KPI table; got a scorecard (it has 'composite')")
        before_sc = after_sc = data
    else:
        before_sc, after_sc = scorecard(data, params), scorecard(data, after_params)
    before, after = assign_tiers(before_sc, params), assign_tiers(after_sc, after_params)
    old, new = before["tier"].cat.codes.to_numpy(), after["tier"].cat.codes.to_numpy()
    change = np.select([new > old, new < old], ["up", "down"], "unchanged")
    partners = pd.DataFrame({
        "partner_id": before["partner_id"],
        "partner_type": before["partner_type"],
        "composite_before": before["composite"],
        "composite_after": after["composite"],
        "tier_before": before["tier"],
        "tier_after": after["tier"],
        "change": pd.Series(change, dtype="str"),
    })
    counts = np.array([int((change == c).sum()) for c in _CHANGES], dtype="int64")
    total = len(partners)
    summary = pd.DataFrame({
        "change": pd.Series(_CHANGES, dtype="str"),
        "partners": counts,
        "share": counts / total if total else np.full(len(_CHANGES), np.nan),
    })
    return TierWhatIf(partners, summary)
