"""Scorecards: KPI values → 0-100 scores → one weighted composite per partner.

Input is a per-partner KPI table (one row per partner: ``partner_id``,
``partner_type`` and a column per registry KPI with raw values, NaN where
undefined), e.g. from ``partner_analytics.metrics.kpis.partner_kpis``.

Scoring (``method``)
--------------------
``peer_percentile``
    Within each (``partner_type``, KPI) peer group, the partners with a value
    are ranked (ties get their average rank, rank 1 = worst; the order is
    flipped for KPIs whose registry direction is lower-is-better; values are
    rounded to 12 significant digits first) and scored
    ``score = 100 × (rank − 1) / (n − 1)`` (one formula with the partner
    report: :func:`~partner_analytics.metrics.peers.percentile_ranks`) where ``n`` is the number of
    partners of that type with a value. A lone partner (``n == 1``) scores 50.
``target``
    Attainment KPIs (:data:`ATTAINMENT_KPIS`, fractions of target) are scored
    on an absolute scale, ``score = min(max(value, 0), 1.5) / 1.5 × 100``
    (150 % of target or more scores 100); every other KPI by peer percentile.

A missing value always scores NaN. Scores are relative to the partners in the
table, so pass the whole programme, not a filtered subset.

Composite
---------
``composite = Σ wᵢ·scoreᵢ / Σ wᵢ`` over the KPIs of the partner type's
scorecard (:meth:`Params.weights_for`) that have a score: weights are
renormalised over the available KPIs. ``coverage = Σ available wᵢ / Σ wᵢ``
(0..1) says how much of the scorecard was measured. No available KPI (or only
zero-weight ones) → composite NaN.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..params import SCORING_METHODS, Params
from .checks import require_columns
from .peers import percentile_ranks
from .registry import KPIS

__all__ = ["kpi_scores", "scorecard", "scorecard_breakdown", "ATTAINMENT_KPIS", "TARGET_CAP"]

ATTAINMENT_KPIS = ("revenue_attainment",)
"""KPIs that are a fraction of a target; the ``target`` method scores them absolutely."""

TARGET_CAP = 1.5
"""Attainment that earns the full score of 100 under the ``target`` method."""

_SCORECARD_COLUMNS = ["partner_id", "partner_type", "composite", "coverage", "kpis_achieved", "achievement_points"]


def kpi_scores(kpi_table: pd.DataFrame, *, method: str = "peer_percentile") -> pd.DataFrame:
    """Score every registry KPI in ``kpi_table`` from 0 (worst) to 100 (best).

    Parameters
    ----------
    kpi_table
        One row per partner: ``partner_id``, ``partner_type`` and KPI columns
        (columns named after registry KPIs are scored; others are ignored).
    method
        ``"peer_percentile"`` or ``"target"`` (formulas in the module docstring).

    Returns
    -------
    DataFrame
        Long table ``partner_id, kpi, value, score``: one row per partner ×
        scored KPI (partners in input order, KPIs in registry order). ``score``
        is NaN where ``value`` is NaN. Empty input → empty table.

    Raises
    ------
    ValueError
        If ``partner_id`` or ``partner_type`` is missing, a partner repeats, a
        KPI column is not numeric, or ``method`` is unknown.

    Examples
    --------
    >>> table = pd.DataFrame({"partner_id": ["A", "B", "C"], "partner_type": "reseller",
    ...                       "win_rate": [0.2, 0.5, np.nan], "days_to_close": [30.0, 60.0, 45.0]})
    >>> kpi_scores(table)
      partner_id           kpi  value  score
    0          A      win_rate    0.2    0.0
    1          A days_to_close   30.0  100.0
    2          B      win_rate    0.5  100.0
    3          B days_to_close   60.0    0.0
    4          C      win_rate    NaN    NaN
    5          C days_to_close   45.0   50.0
    """
    return _scores(kpi_table, method)


def scorecard_breakdown(kpi_table: pd.DataFrame, params: Params, *, method: str | None = None) -> pd.DataFrame:
    """The composite explained: each scorecard KPI's score, weight and contribution.

    Parameters
    ----------
    kpi_table
        One row per partner (see :func:`kpi_scores`); must hold every KPI the
        scorecards of its partner types use.
    params
        Programme parameters (scorecard weights, scoring method).
    method
        Scoring method; default ``params.scoring``.

    Returns
    -------
    DataFrame
        Long table ``partner_id, kpi, value, score, base_weight, weight,
        contribution``: one row per partner × KPI of its type's scorecard
        (partners in input order, KPIs in configured order).
        ``base_weight`` is the configured weight normalised to sum to 1 over
        the type's KPIs; ``weight`` is renormalised over the KPIs with a
        score (0 for a KPI without a score; NaN for every KPI when none has
        a score or the scored ones all weigh 0); ``contribution =
        weight × score`` (NaN without a score). A partner's contributions sum
        to its composite.

    Raises
    ------
    ValueError
        As :func:`kpi_scores`, or naming a KPI column the scorecards need.

    Examples
    --------
    >>> from partner_analytics.params import load_params
    >>> table = pd.DataFrame({"partner_id": ["A", "B"], "partner_type": "msp",
    ...                       "revenue": [100.0, 300.0], "revenue_growth_yoy": [0.1, np.nan],
    ...                       "csat": [0.9, 0.8], "certifications": [2.0, 1.0]})
    >>> b = scorecard_breakdown(table, load_params())
    >>> print(b[b.partner_id == "B"].to_string())
      partner_id                 kpi  value  score  base_weight    weight  contribution
    4          B             revenue  300.0  100.0         0.35  0.466667     46.666667
    5          B  revenue_growth_yoy    NaN    NaN         0.25  0.000000           NaN
    6          B                csat    0.8    0.0         0.20  0.266667      0.000000
    7          B      certifications    1.0    0.0         0.20  0.266667      0.000000
    """
    return _breakdown(kpi_table, params, method).drop(columns=["partner_type", "_row", "_kpi"])


def scorecard(kpi_table: pd.DataFrame, params: Params, *, method: str | None = None) -> pd.DataFrame:
    """One composite score (0..100) per partner from its type's weighted KPI scores.

    Parameters
    ----------
    kpi_table
        One row per partner (see :func:`kpi_scores`).
    params
        Programme parameters (scorecard weights, scoring method, rewards).
    method
        Scoring method; default ``params.scoring``.

    Returns
    -------
    DataFrame
        One row per partner, in input order: ``partner_id``, ``partner_type``,
        ``composite`` (``Σ w·score / Σ w`` over available KPIs; NaN when none),
        ``coverage`` (share 0..1 of the configured weight that was available),
        ``kpis_achieved`` (scorecard KPIs with weight > 0 whose score reaches
        ``params.rewards.achievement_score``) and ``achievement_points``
        (Σ :meth:`Rewards.points_for_kpi` over those KPIs). Empty input →
        empty table.

    Raises
    ------
    ValueError
        As :func:`scorecard_breakdown`.

    Examples
    --------
    >>> from partner_analytics.params import load_params
    >>> table = pd.DataFrame({"partner_id": ["A", "B"], "partner_type": "msp",
    ...                       "revenue": [100.0, 300.0], "revenue_growth_yoy": [0.1, np.nan],
    ...                       "csat": [0.9, 0.8], "certifications": [2.0, 1.0]})
    >>> print(scorecard(table, load_params()).to_string())
      partner_id partner_type  composite  coverage  kpis_achieved  achievement_points
    0          A          msp  52.500000      1.00              2               250.0
    1          B          msp  46.666667      0.75              1               100.0
    """
    b = _breakdown(kpi_table, params, method, names=False)
    if b.empty:
        out = pd.DataFrame({c: pd.Series(dtype=float) for c in _SCORECARD_COLUMNS})
        out["partner_id"] = kpi_table["partner_id"].iloc[:0].reset_index(drop=True)
        out["partner_type"] = kpi_table["partner_type"].iloc[:0].reset_index(drop=True)
        return out.astype({"kpis_achieved": "int64"})
    rewards = params.rewards
    achieved = (b["score"] >= rewards.achievement_score) & (b["base_weight"] > 0)
    points = np.array([rewards.points_for_kpi(k) for k in b.attrs["kpis"]], dtype=float)
    b = b.assign(
        available_weight=b["base_weight"].where(b["score"].notna(), 0.0),
        achieved=achieved.astype("int64"),
        points=pd.Series(points[b["_kpi"].to_numpy()], index=b.index).where(achieved, 0.0),
    )
    g = b.groupby("_row", sort=False)  # partners in input order
    composite = g["contribution"].sum(min_count=1)
    rows = composite.index.to_numpy()
    out = pd.DataFrame({
        "partner_id": kpi_table["partner_id"].array[rows],
        "partner_type": kpi_table["partner_type"].array[rows],
        "composite": composite.to_numpy(),
        "coverage": g["available_weight"].sum().to_numpy(),
        "kpis_achieved": g["achieved"].sum().to_numpy(),
        "achievement_points": g["points"].sum().to_numpy(),
    })
    return out[_SCORECARD_COLUMNS]


def _score_matrix(kpi_table: pd.DataFrame, method: str, kpis: list[str] | None = None
                  ) -> tuple[list[str], np.ndarray, np.ndarray]:
    """``(kpis, values, scores)``: partners × KPIs arrays of raw values and 0..100 scores (NaN without a value)."""
    if method not in SCORING_METHODS:
        raise ValueError(f"method must be one of {', '.join(SCORING_METHODS)}, got {method!r}")
    require_columns(kpi_table, ["partner_id", "partner_type"], "kpi_table")
    dupes = kpi_table["partner_id"][kpi_table["partner_id"].duplicated()]
    if len(dupes):
        raise ValueError(f"column 'partner_id' must be unique; repeated: {', '.join(map(str, dupes.unique()[:5]))}")
    if kpis is None:
        kpis = [k for k in KPIS if k in kpi_table.columns]
    for k in kpis:
        if not pd.api.types.is_numeric_dtype(kpi_table[k]) and kpi_table[k].notna().any():
            raise ValueError(f"KPI column {k!r} must be numeric, got dtype {kpi_table[k].dtype}")
    types = pd.Series(pd.factorize(kpi_table["partner_type"].to_numpy(dtype=object), use_na_sentinel=False)[0])
    values = np.empty((len(kpi_table), len(kpis)), dtype=float)
    scores = np.empty_like(values)
    for j, k in enumerate(kpis):  # one peer ranking per KPI, within partner types
        value = pd.Series(kpi_table[k].to_numpy(dtype=float, na_value=np.nan))
        score = 100.0 * percentile_ranks(value * (1.0 if KPIS[k].higher_is_better else -1.0), [types])
        if method == "target" and k in ATTAINMENT_KPIS:
            score = value.clip(0.0, TARGET_CAP) / TARGET_CAP * 100.0
        values[:, j] = value.to_numpy()
        scores[:, j] = score.where(value.notna()).to_numpy(dtype=float)
    return kpis, values, scores


def _scores(kpi_table: pd.DataFrame, method: str) -> pd.DataFrame:
    """Long partner × KPI scores (partners in input order, KPIs in registry order)."""
    kpis, values, scores = _score_matrix(kpi_table, method)
    n = len(kpis)
    return pd.DataFrame({
        "partner_id": kpi_table["partner_id"].repeat(n).reset_index(drop=True),
        "kpi": pd.Series(np.tile(np.array(kpis, dtype=object), len(kpi_table)), dtype="str"),
        "value": values.ravel(),
        "score": scores.ravel(),
    })


def _breakdown(kpi_table: pd.DataFrame, params: Params, method: str | None, *, names: bool = True) -> pd.DataFrame:
    """Each partner's scorecard KPIs with score, weights and contribution.

    Besides the documented columns, ``_row`` (the partner's row in ``kpi_table``) and ``_kpi`` (the KPI's
    position in ``attrs["kpis"]``) let callers aggregate without string keys; ``names=False`` leaves out
    the ``partner_id``, ``partner_type`` and ``kpi`` columns.
    """
    method = params.scoring if method is None else method
    require_columns(kpi_table, ["partner_id", "partner_type"], "kpi_table")
    sets = {t: params.weights_for(t) for t in kpi_table["partner_type"].drop_duplicates()}
    needed = [k for k in KPIS if any(k in s for s in sets.values())]
    for t, s in sets.items():
        for k in s:
            if k not in kpi_table.columns:
                card = t if t in params.scorecard else "default"
                raise ValueError(f"kpi_table has no column {k!r}, needed by scorecard.{card}")
    kpis, values, scores = _score_matrix(kpi_table, method, needed)
    rows, columns, base_weight = _plan(kpi_table, sets, kpis)
    score = pd.Series(scores[rows, columns] if len(rows) else np.array([], float))
    available = pd.Series(base_weight).where(score.notna(), 0.0)
    total = available.groupby(rows, sort=False).transform("sum")
    weight = available / total.where(total > 0)
    b = pd.DataFrame({
        **({"partner_id": kpi_table["partner_id"].array[rows],
            "partner_type": kpi_table["partner_type"].array[rows],
            "kpi": pd.array(kpis, dtype="str")[columns] if kpis else pd.array([], dtype="str")} if names else {}),
        "value": values[rows, columns] if len(rows) else np.array([], float),
        "score": score,
        "base_weight": base_weight,
        "weight": weight,
        "contribution": weight * score,
        "_row": rows,
        "_kpi": columns,
    })
    b.attrs["kpis"] = kpis
    return b


def _plan(kpi_table: pd.DataFrame, sets: dict, kpis: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(rows, columns, base_weights)``: each partner's scorecard KPIs as its row in ``kpi_table``, the KPI's
    position in ``kpis`` and its weight (partners in input order, KPIs in configured order)."""
    types = kpi_table["partner_type"].to_numpy(dtype=object)
    codes, cards = pd.factorize(types, use_na_sentinel=False)
    cards = [sets[t] for t in cards]
    sizes = np.array([len(card) for card in cards], dtype="int64")[codes]
    starts = np.concatenate([[0], np.cumsum([len(card) for card in cards])])[codes]
    within = np.arange(sizes.sum()) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    flat = np.repeat(starts, sizes) + within  # position in the concatenated scorecards
    column_of = {k: j for j, k in enumerate(kpis)}
    columns = np.array([column_of[k] for card in cards for k in card], dtype="int64")
    weights = np.array([w for card in cards for w in card.values()], dtype=float)
    rows = np.repeat(np.arange(len(kpi_table)), sizes)
    return rows, columns[flat] if len(flat) else np.array([], "int64"), weights[flat] if len(flat) else np.array([], float)
