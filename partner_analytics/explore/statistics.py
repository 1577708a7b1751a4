"""Statistics the notebooks explain: the satisfaction table, corrected p-values, correlation wording, weights
and tier what-if changes. Pure functions: no I/O, printing or plotting, inputs never modified."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy import stats

from ..labels import label
from ..metrics.checks import require_columns as _require
from ..metrics.checks import resolve_period as _period
from ..metrics.engagement import engagement_index
from ..metrics.registry import KPIS
from ..metrics.satisfaction import satisfaction_scores
from ..metrics.tiers import TierWhatIf
from ..metrics.windows import enrolled_in_window, window_performance
from ..params import Params
from ..rollup import Rollup

__all__ = ["satisfaction_table", "adjust_p_values", "describe_correlations", "weights_matrix", "tier_changes"]

_STRENGTH = ((0.1, "negligible"), (0.3, "weak"), (0.5, "moderate"), (np.inf, "strong"))
_CORR_COLUMNS = ["x", "y", "method", "n", "r", "ci_low", "ci_high", "p_value", "p_adjusted", "significant"]


def satisfaction_table(facts: Rollup, *, period: str | pd.Period | None = None, periods: int = 4,
                       min_responses: int = 1) -> pd.DataFrame:
    """Satisfaction, engagement and performance per partner: the table behind the correlations.

    The same numbers :func:`~partner_analytics.metrics.satisfaction.satisfaction_correlations`
    correlates, one row per partner enrolled in the window (the ``periods``
    periods ending at ``period``), so scatter plots show exactly what the
    correlation matrix measures:

    * ``psat``, ``partner_nps``, ``csat`` and their ``*_responses`` from
      :func:`~partner_analytics.metrics.satisfaction.satisfaction_scores`
      (fractions 0..1, NPS −100..100, counts); NaN without responses, or
      with fewer than ``min_responses`` (as in the correlations);
    * ``engagement_index`` (0..100) over the same window;
    * ``revenue`` = Σ partner revenue in the window (currency);
      ``revenue_growth`` = revenue / revenue of the previous window − 1
      (fraction; NaN when that is 0 or starts before the data);
      ``win_rate`` = won / (won + lost) deals closed in the window (NaN with
      none closed).

    Parameters
    ----------
    facts
        Rolled-up program facts.
    period, periods
        Last period (default ``facts.period``) and length (>= 1) of the window.
    min_responses
        Responses a partner needs for its survey score to count (params
        ``insights.min_responses``).

    Returns
    -------
    DataFrame
        ``partner_id``, ``partner_type``, ``psat``, ``psat_responses``,
        ``partner_nps``, ``partner_nps_responses``, ``csat``,
        ``csat_responses``, ``engagement_index``, ``revenue``,
        ``revenue_growth``, ``win_rate``; enrolled partners in
        ``facts.partners`` order. Empty when nobody is enrolled.

    Raises
    ------
    ValueError
        If ``periods < 1``, ``period`` is outside ``facts.periods`` or a facts
        frame lacks a column.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"), as_of="2025-12-31")
    >>> table = satisfaction_table(facts)
    >>> list(table.columns[-4:])
    ['engagement_index', 'revenue', 'revenue_growth', 'win_rate']
    """
    end = _period(facts, period)
    enrolled = enrolled_in_window(facts, end, periods).to_numpy()
    scores = satisfaction_scores(facts, period=end, periods=periods, by="partner_id")
    for survey in ("psat", "partner_nps", "csat"):
        scores[survey] = scores[survey].where(scores[f"{survey}_responses"] >= min_responses)
    index = engagement_index(facts, period=end, periods=periods)
    table = scores.merge(index, on="partner_id", how="left").join(window_performance(facts, end, periods), on="partner_id")
    return table[enrolled].reset_index(drop=True)


def adjust_p_values(frame: pd.DataFrame, *, p: str = "p_value", alpha: float = 0.05) -> pd.DataFrame:
    """Add Benjamini-Hochberg adjusted p-values and a significance flag.

    ``p_adjusted`` controls the false discovery rate across every row with a
    p-value (``scipy.stats.false_discovery_control``); rows with a NaN
    p-value stay NaN and are not counted as tests. ``significant`` is
    ``p_adjusted < alpha`` (False for NaN).

    Parameters
    ----------
    frame
        Any table with a column of p-values, e.g.
        :func:`~partner_analytics.metrics.engagement.engagement_revenue_association`.
    p
        Name of the p-value column.
    alpha
        Significance level, 0 < alpha < 1.

    Returns
    -------
    DataFrame
        A copy of ``frame`` with ``p_adjusted`` and ``significant`` (bool).

    Raises
    ------
    ValueError
        If the column is missing or ``alpha`` is not in (0, 1).

    Examples
    --------
    >>> adjust_p_values(pd.DataFrame({"p_value": [0.01, 0.04, 0.03, np.nan]}))
       p_value  p_adjusted  significant
    0     0.01        0.03         True
    1     0.04        0.04         True
    2     0.03        0.04         True
    3      NaN         NaN        False
    """
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha}")
    values = _require(frame, [p], "frame")[p].to_numpy(dtype="float64", na_value=np.nan)
    adjusted = np.full(len(values), np.nan)
    tested = ~np.isnan(values)
    if tested.any():
        adjusted[tested] = stats.false_discovery_control(values[tested])
    return frame.assign(p_adjusted=adjusted, significant=adjusted < alpha)


def _label(name: str) -> str:
    text = label(name)
    return text[0].lower() + text[1:]


def _strength(r: float) -> str:
    return next(word for bound, word in _STRENGTH if abs(r) < bound)


def _p_text(p: float) -> str:
    return "adjusted p < 0.001" if p < 0.001 else f"adjusted p = {p:.3f}"


def describe_correlations(corr: pd.DataFrame, *, method: str = "spearman", alpha: float = 0.05) -> list[str]:
    """Plain-language conclusions from a correlation table: what is and is not significant.

    Reads the rows of ``method`` in ``corr`` and returns, in order:

    1. a headline: how many of the tested pairs are significant after the
       Benjamini-Hochberg correction, which covers every row of ``corr``
       with a p-value, all methods included (or that none could be tested);
    2. one sentence per significant pair, strongest first, with direction,
       strength (``|r|`` < 0.1 negligible, < 0.3 weak, < 0.5 moderate, else
       strong), ``r``, its ``1 − alpha`` confidence interval, ``n`` and the
       adjusted p-value;
    3. one sentence per tested pair that is not significant;
    4. one sentence per pair that could not be tested (``r`` NaN: fewer than
       4 partners with both values, or a constant variable);
    5. a reminder that an association is not a cause (only when a pair was
       tested).

    Labels come from the KPI registry. Numbers are rounded for reading.

    Parameters
    ----------
    corr
        :func:`~partner_analytics.metrics.satisfaction.satisfaction_correlations`
        output (``x``, ``y``, ``method``, ``n``, ``r``, ``ci_low``,
        ``ci_high``, ``p_value``, ``p_adjusted``, ``significant``).
    method
        ``"spearman"`` or ``"pearson"``: which rows to describe.
    alpha
        The significance level ``corr`` was computed with (for the wording).

    Returns
    -------
    list of str
        A single sentence saying nothing was computed when ``corr`` has no
        row for ``method``.

    Raises
    ------
    ValueError
        If ``corr`` lacks a column.

    Examples
    --------
    >>> corr = pd.DataFrame({"x": ["psat"], "y": ["revenue"], "method": ["spearman"], "n": [40.0], "r": [0.45],
    ...                      "ci_low": [0.16], "ci_high": [0.67], "p_value": [0.004], "p_adjusted": [0.004],
    ...                      "significant": [True]})
    >>> for sentence in describe_correlations(corr):
    ...     print(sentence)
    1 of 1 tested pair is significant at the 5% level (Spearman correlation; p-values adjusted with
    Benjamini-Hochberg for the 1 test in the table).
    Partners with higher partner satisfaction (PSAT) tend to have higher partner revenue: a moderate positive
    association (r = +0.45, 95% CI +0.16 to +0.67, n = 40, adjusted p = 0.004).
    These are associations across partners, not causes: larger or more engaged partners may both score higher
    and sell more.
    """
    rows = _require(corr, _CORR_COLUMNS, "corr")
    rows = rows[rows["method"] == method]
    name = method.capitalize()
    if rows.empty:
        return [f"No {name} correlations were computed."]
    tested = rows[rows["r"].notna()]
    significant = tested[tested["significant"].astype(bool)]
    significant = significant.iloc[np.argsort(-significant["r"].abs().to_numpy(), kind="stable")]
    level = f"{1 - alpha:.0%} CI"
    if tested.empty:
        sentences = [f"No pair could be tested ({name} correlation): every pair has fewer than 4 partners with both "
                     "values, or a measure that does not vary."]
    else:
        m, k, tests = len(tested), len(significant), int(corr["p_value"].notna().sum())
        sentences = [f"{k} of {m} tested pair{'s' if m != 1 else ''} {'is' if k == 1 else 'are'} significant at the "
                     f"{alpha:.0%} level ({name} correlation; p-values adjusted with Benjamini-Hochberg for the "
                     f"{tests} test{'s' if tests != 1 else ''} in the table)."]
    for row in significant.itertuples(index=False):
        direction = "higher" if row.r > 0 else "lower"
        sign = "positive" if row.r > 0 else "negative"
        sentences.append(
            f"Partners with higher {_label(row.x)} tend to have {direction} {_label(row.y)}: a {_strength(row.r)} "
            f"{sign} association (r = {row.r:+.2f}, {level} {row.ci_low:+.2f} to {row.ci_high:+.2f}, "
            f"n = {row.n:.0f}, {_p_text(row.p_adjusted)})."
        )
    for row in tested[~tested["significant"].astype(bool)].itertuples(index=False):
        sentences.append(
            f"No significant association between {_label(row.x)} and {_label(row.y)} (r = {row.r:+.2f}, "
            f"{level} {row.ci_low:+.2f} to {row.ci_high:+.2f}, n = {row.n:.0f}, {_p_text(row.p_adjusted)}): "
            "the data cannot tell it apart from chance."
        )
    for row in rows[rows["r"].isna()].itertuples(index=False):
        n = 0 if pd.isna(row.n) else row.n
        sentences.append(
            f"{_label(row.x)[0].upper()}{_label(row.x)[1:]} and {_label(row.y)} could not be tested "
            f"(n = {n:.0f} partners with both values; at least 4 are needed and neither may be constant)."
        )
    if not tested.empty:
        sentences.append("These are associations across partners, not causes: larger or more engaged partners may "
                         "both score higher and sell more.")
    return sentences


def weights_matrix(params: Params, partner_types: Iterable[str] | None = None) -> pd.DataFrame:
    """Normalised scorecard weights: one row per KPI, one column per partner type.

    ``weight`` = configured weight / Σ configured weights of the type
    (:meth:`Params.weights_for`; fractions summing to 1 per column), 0.0 for
    a KPI the type's scorecard does not use. Types without their own set use
    ``default``.

    Parameters
    ----------
    params
        Programme parameters.
    partner_types
        Columns wanted; default every type configured in ``params.scorecard``
        (``default`` included), in configured order.

    Returns
    -------
    DataFrame
        Index ``kpi`` (KPIs used by any of the types, in registry order),
        one float column per partner type.

    Examples
    --------
    >>> from partner_analytics.params import load_params
    >>> weights_matrix(load_params(), ["reseller"])
                        reseller
    kpi
    revenue                 0.35
    new_customers           0.20
    revenue_attainment      0.25
    win_rate                0.20
    """
    types = list(params.scorecard) if partner_types is None else list(partner_types)
    sets = {t: params.weights_for(t) for t in types}
    kpis = [k for k in KPIS if any(k in s for s in sets.values())]
    data = {t: [sets[t].get(k, 0.0) for k in kpis] for t in types}
    return pd.DataFrame(data, index=pd.Index(kpis, name="kpi", dtype="str"), dtype="float64")


def tier_changes(result: TierWhatIf) -> pd.DataFrame:
    """The partners a tier what-if moves: up first, then down, highest new composite first.

    Parameters
    ----------
    result
        :func:`~partner_analytics.metrics.tiers.tier_what_if` output.

    Returns
    -------
    DataFrame
        The rows of ``result.partners`` whose ``change`` is ``"up"`` or
        ``"down"`` (same columns); empty when nobody moves.

    Examples
    --------
    >>> from partner_analytics.metrics.tiers import tier_what_if
    >>> from partner_analytics.params import load_params
    >>> sc = pd.DataFrame({"partner_id": ["A", "B", "C"], "partner_type": "reseller",
    ...                    "composite": [57.0, 61.0, 30.0]})
    >>> list(tier_changes(tier_what_if(sc, load_params(), thresholds={"gold": 55}))["partner_id"])
    ['A']
    """
    partners = result.partners
    moved = partners[partners["change"] != "unchanged"]
    order = np.lexsort((moved["partner_id"].to_numpy(dtype=str), -moved["composite_after"].to_numpy(dtype=float),
                        (moved["change"] != "up").to_numpy()))
    return moved.iloc[order].reset_index(drop=True)


