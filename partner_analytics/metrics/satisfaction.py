"""Satisfaction metrics: PSAT, partner NPS, CSAT, verbatims and their link to performance.

Every function reads ``facts.surveys`` (partner × period × survey with
``responses``, ``score_sum``, ``score_pct_sum``, ``promoters``,
``passives``, ``detractors``) or ``facts.comments`` from a
:class:`partner_analytics.Rollup`. Definitions used throughout:

* ``psat`` and ``csat`` = Σ score_pct / Σ responses of the ``psat`` /
  ``csat`` survey: the mean score as a fraction of its scale maximum (0..1),
  so 1-5 and 0-10 scales mix safely. Each response weighs the same (a
  partner with many CSAT responses counts more in a group mean).
* ``partner_nps`` = 100 × (promoters − detractors) / (promoters + passives +
  detractors) of the ``partner_nps`` survey, in −100..100. Promoters score
  9-10, passives 7-8, detractors 0-6, on 0-10 scales only (responses on
  other scales are left out of NPS).
* ``<survey>_responses`` = Σ responses of that survey (count).
* A score is NaN when it has no (banded) response. Windows are the
  ``periods`` ``facts.freq`` periods ending at ``period`` (default
  ``facts.period``). When the program has no surveys table
  (``"surveys" not in facts.available``) scores **and** response counts
  are NaN: not available, not zero.
* A ``period`` outside ``facts.periods``, ``periods < 1``, an unknown
  option or a facts frame missing a column raises ``ValueError``. Inputs are
  never modified.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
# scipy is imported where it is used, so partner report kernels never load it (tests/test_render_worker.py)

from ..periods import periods_per_year
from ..rollup import Rollup
from ..schema import SURVEY_KINDS
from .checks import require_columns as _require
from .checks import resolve_period as _period
from .engagement import engagement_index
from .windows import in_window as _in_window
from .windows import partner_positions as _positions
from .windows import window_performance as _performance

__all__ = [
    "SATISFACTION_GROUPINGS",
    "CORRELATION_X",
    "CORRELATION_Y",
    "nps",
    "satisfaction_scores",
    "partner_satisfaction_kpis",
    "satisfaction_correlations",
    "lowest_scoring_comments",
    "satisfaction_trend",
    "round_for_ranking",
    "RANK_DIGITS",
]

SATISFACTION_GROUPINGS = ("partner_id", "partner_type", None)
"""Values of ``by`` accepted by :func:`satisfaction_scores` and :func:`satisfaction_trend`."""

CORRELATION_X = ("psat", "partner_nps", "csat", "engagement_index")
"""Satisfaction and engagement measures correlated by :func:`satisfaction_correlations`."""

CORRELATION_Y = ("revenue", "revenue_growth", "win_rate")
"""Performance measures correlated by :func:`satisfaction_correlations`."""

RANK_DIGITS = 12
"""Significant digits kept before ranking (:func:`round_for_ranking`)."""

_SUMS = ["responses", "score_pct_sum", "promoters", "passives", "detractors"]
_SCORES = ["psat", "psat_responses", "partner_nps", "partner_nps_responses", "csat", "csat_responses"]
_COMMENT_COLUMNS = ["score", "scale_max", "score_pct", "survey", "responded_on", "partner_id", "comment"]
_SPEARMAN_VARIANCE = 1.06


def nps(promoters: float, passives: float, detractors: float) -> float:
    """Net promoter score from band counts.

    ``nps`` = 100 × (P − D) / N with N = P + passives + D, in −100..100.
    NaN when N is 0.

    Parameters
    ----------
    promoters, passives, detractors
        Numbers of responses scoring 9-10, 7-8 and 0-6 (>= 0).

    Returns
    -------
    float

    Raises
    ------
    ValueError
        If a count is negative.

    Examples
    --------
    >>> nps(5, 3, 2)
    30.0
    >>> nps(0, 0, 0)
    nan
    """
    counts = np.array([promoters, passives, detractors], dtype="float64")
    if (counts < 0).any():
        raise ValueError("promoters, passives and detractors must be >= 0")
    total = counts.sum()
    return float(100 * (counts[0] - counts[2]) / total) if total > 0 else float("nan")


def _survey_facts(facts: Rollup) -> pd.DataFrame:
    return _require(facts.surveys, ["partner_id", "period", "survey", *_SUMS], "surveys")


def _scores(rows: pd.DataFrame, keys: list[str], index: pd.Index, available: bool) -> pd.DataFrame:
    """Scores per ``keys`` value of ``index`` (every key present; NaN scores without responses)."""
    out = pd.DataFrame(index=index)
    for survey in SURVEY_KINDS:
        mine = rows[rows["survey"] == survey]
        sums = mine.groupby(keys)[_SUMS].sum() if len(mine) else pd.DataFrame(columns=_SUMS)
        sums = sums.reindex(index).astype("float64").fillna(0.0)
        if survey == "partner_nps":
            banded = sums["promoters"] + sums["passives"] + sums["detractors"]
            value = 100 * (sums["promoters"] - sums["detractors"]) / banded.where(banded > 0)
        else:
            value = sums["score_pct_sum"] / sums["responses"].where(sums["responses"] > 0)
        out[survey] = value if available else np.nan
        out[f"{survey}_responses"] = sums["responses"] if available else np.nan
    return out[_SCORES].astype("float64")


def _grouped(facts: Rollup, rows: pd.DataFrame, by: str | None, with_period: pd.Index | None) -> pd.DataFrame:
    """Attach the ``by`` key to survey rows and score them, optionally per period too."""
    if by not in SATISFACTION_GROUPINGS:
        raise ValueError(f"by must be one of {list(SATISFACTION_GROUPINGS)}, got {by!r}")
    partners = _require(facts.partners, ["partner_id", "partner_type"], "partners")
    available = "surveys" in facts.available
    positions = _positions(facts, rows["partner_id"])
    rows = rows[positions >= 0].assign(_partner=positions[positions >= 0])
    key = {"partner_id": "_partner", None: "_all"}.get(by, by)
    groups = {"_partner": pd.RangeIndex(len(partners)),
              "partner_type": pd.Index(sorted(partners["partner_type"].dropna().unique())),
              "_all": pd.Index([0])}[key]
    types = partners["partner_type"].array
    rows = rows.assign(partner_type=types[rows["_partner"].to_numpy()], _all=0)
    keys = [key] if with_period is None else ["period", key]
    index = (pd.Index(groups, name=key) if with_period is None
             else pd.MultiIndex.from_product([with_period, groups], names=keys))
    out = _scores(rows, keys, index, available).reset_index()
    if by == "partner_id":
        at = out["_partner"].to_numpy()
        out.insert(out.columns.get_loc("_partner"), "partner_id", partners["partner_id"].array[at])
        out.insert(out.columns.get_loc("_partner"), "partner_type", types[at])
    out = out.drop(columns=["_all", "_partner"], errors="ignore")
    return out.astype({c: "str" for c in ("partner_id", "partner_type") if c in out.columns})


def satisfaction_scores(
    facts: Rollup, *, period: str | pd.Period | None = None, periods: int = 4, by: str | None = "partner_id"
) -> pd.DataFrame:
    """PSAT, partner NPS and CSAT over a window, per partner, per type or in total.

    Formulas over responses in the ``periods`` periods ending at ``period``
    (module docstring): ``psat`` / ``csat`` = Σ score_pct / Σ responses
    (fraction 0..1); ``partner_nps`` = 100 × (P − D) / (P + passives + D)
    (−100..100); ``*_responses`` = response counts. Group scores pool the
    group's responses (not a mean of partner scores). NaN scores without
    responses; everything NaN without a surveys table.

    Parameters
    ----------
    facts
        Rolled-up program facts.
    period
        Last period of the window (default ``facts.period``).
    periods
        Window length in ``facts.freq`` periods (>= 1): 4 is a year of
        quarters.
    by
        ``"partner_id"`` (one row per partner of ``facts.partners``, in that
        order, with its ``partner_type``), ``"partner_type"`` (one row per
        type, sorted) or ``None`` (one row for the whole program).

    Returns
    -------
    DataFrame
        The key columns, then ``psat``, ``psat_responses``,
        ``partner_nps``, ``partner_nps_responses``, ``csat``,
        ``csat_responses``.

    Raises
    ------
    ValueError
        If ``by`` is unknown, ``periods < 1``, ``period`` is outside
        ``facts.periods`` or a facts frame lacks a column.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"), as_of="2025-12-31")
    >>> total = satisfaction_scores(facts, by=None)
    >>> list(total.columns)
    ['psat', 'psat_responses', 'partner_nps', 'partner_nps_responses', 'csat', 'csat_responses']
    >>> bool(-100 <= total.loc[0, "partner_nps"] <= 100)
    True
    """
    end = _period(facts, period)
    surveys = _survey_facts(facts)
    return _grouped(facts, surveys[_in_window(surveys["period"], end, periods)], by, None)


def partner_satisfaction_kpis(facts: Rollup, *, period: str | pd.Period | None = None) -> pd.DataFrame:
    """Per-partner satisfaction KPIs (registry domain ``"satisfaction"``), trailing year.

    ``psat``, ``partner_nps`` and ``csat`` of :func:`satisfaction_scores`
    over the four quarters (12 months for monthly facts) ending at
    ``period``: fractions 0..1 and NPS −100..100. NaN for a partner without
    responses to that survey, and for everyone without a surveys table.

    Parameters
    ----------
    facts
        Rolled-up program facts.
    period
        Reporting period (default ``facts.period``).

    Returns
    -------
    DataFrame
        ``partner_id``, ``psat``, ``partner_nps``, ``csat``; one row per
        partner of ``facts.partners``, in that order.

    Raises
    ------
    ValueError
        If ``period`` is outside ``facts.periods`` or a facts frame lacks a
        column.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"), as_of="2025-12-31")
    >>> kpis = partner_satisfaction_kpis(facts)
    >>> list(kpis.columns), len(kpis) == len(facts.partners)
    (['partner_id', 'psat', 'partner_nps', 'csat'], True)
    """
    scores = satisfaction_scores(facts, period=period, periods=periods_per_year(facts.freq), by="partner_id")
    return scores[["partner_id", "psat", "partner_nps", "csat"]]


def round_for_ranking(values: np.ndarray, *, digits: int = RANK_DIGITS) -> np.ndarray:
    """``values`` rounded to ``digits`` significant digits of their largest magnitude, so ties stay ties.

    Means computed in a different order differ in the last bits (``0.1 + 0.2``
    is ``0.30000000000000004``, not ``0.3``); ranking such values would split
    a tie by noise. Rounding at a precision far finer than any real
    difference but far coarser than float noise keeps equal means equal.

    Examples
    --------
    >>> round_for_ranking(np.array([0.1 + 0.2, 0.3, 0.5])).tolist()
    [0.3, 0.3, 0.5]
    >>> round_for_ranking(np.array([1e6 + 1e-7, 1e6, 2.5e6])).tolist()
    [1000000.0, 1000000.0, 2500000.0]
    """
    finite = np.abs(values[np.isfinite(values)])
    if not len(finite) or finite.max() == 0:
        return values.copy()
    return np.round(values, digits - 1 - int(np.floor(np.log10(finite.max()))))


def _correlate(x: np.ndarray, y: np.ndarray, method: str, alpha: float) -> tuple[float, ...]:
    """(n, r, ci_low, ci_high, p_value) on the pairs where both are present."""
    from scipy import stats
    keep = ~(np.isnan(x) | np.isnan(y))
    x, y = x[keep], y[keep]
    if method == "spearman":
        x, y = round_for_ranking(x), round_for_ranking(y)
    n = float(len(x))
    if n < 4 or np.ptp(x) == 0 or np.ptp(y) == 0:
        return n, np.nan, np.nan, np.nan, np.nan
    if method == "pearson":
        result = stats.pearsonr(x, y)
        ci = result.confidence_interval(confidence_level=1 - alpha)
        return n, float(result.statistic), float(ci.low), float(ci.high), float(result.pvalue)
    result = stats.spearmanr(x, y)
    r = float(result.statistic)
    z = np.arctanh(np.clip(r, -1 + 1e-12, 1 - 1e-12))
    half = stats.norm.ppf(1 - alpha / 2) * np.sqrt(_SPEARMAN_VARIANCE / (n - 3))
    return n, r, float(np.tanh(z - half)), float(np.tanh(z + half)), float(result.pvalue)


def satisfaction_correlations(
    facts: Rollup,
    *,
    period: str | pd.Period | None = None,
    periods: int = 4,
    method: str | Sequence[str] = ("spearman", "pearson"),
    alpha: float = 0.05,
    min_responses: int = 1,
) -> pd.DataFrame:
    """Correlations of satisfaction and engagement with partner performance.

    Across the partners enrolled in the window (the ``periods`` periods
    ending at ``period``), each ``x`` of :data:`CORRELATION_X` (``psat``,
    ``partner_nps``, ``csat`` of :func:`satisfaction_scores`,
    ``engagement_index`` of :func:`engagement_index`, same window) is
    correlated with each ``y`` of :data:`CORRELATION_Y`:

    * ``revenue`` = Σ partner revenue in the window (currency);
    * ``revenue_growth`` = revenue / revenue of the previous window of the
      same length − 1 (fraction); NaN when that is 0 or starts before the
      first rollup period;
    * ``win_rate`` = Σ won / Σ (won + lost) deals in the window; NaN with
      none closed.

    A partner's ``psat``, ``partner_nps`` or ``csat`` counts only when it has
    at least ``min_responses`` responses to that survey in the window (params
    ``insights.min_responses``), so one review does not weigh as much as 300;
    below that it is NaN. Each pair uses the partners where both values are
    present (``n``). Spearman ranks values rounded to
    :data:`RANK_DIGITS` significant digits (:func:`round_for_ranking`), so
    per-partner means that are equal stay tied whatever float noise their
    sums carry.
    ``r`` is Pearson's or Spearman's coefficient (−1..1) with a
    ``1 − alpha`` confidence interval: Pearson's from scipy's
    ``pearsonr(...).confidence_interval`` (Fisher z); Spearman's by Fisher z
    with the Fieller-Hartley-Pearson standard error
    ``se = sqrt(1.06 / (n − 3))``: ``tanh(atanh(r) ± z_(1−alpha/2) · se)``.
    ``p_value`` is scipy's two-sided test of no correlation; ``p_adjusted``
    applies Benjamini-Hochberg across every row with a p-value
    (``scipy.stats.false_discovery_control``), and ``significant`` is
    ``p_adjusted < alpha``. An association, not a cause. ``r``, CI and
    p-values are NaN (``significant`` False) when ``n < 4`` or a variable is
    constant, e.g. without a surveys or engagement table.

    Parameters
    ----------
    facts
        Rolled-up program facts.
    period, periods
        Last period (default ``facts.period``) and length in ``facts.freq``
        periods (>= 1) of the window.
    method
        ``"spearman"``, ``"pearson"`` or a sequence of them.
    alpha
        Significance level, 0 < alpha < 1; the CI level is ``1 − alpha``.
    min_responses
        Smallest number of responses (integer >= 1) a partner needs for its
        survey score to count.

    Returns
    -------
    DataFrame
        ``x``, ``y``, ``method``, ``n``, ``r``, ``ci_low``, ``ci_high``,
        ``p_value``, ``p_adjusted``, ``significant`` (bool); one row per
        (x, y, method), in that nesting order.

    Raises
    ------
    ValueError
        If ``method``, ``alpha`` or ``min_responses`` is invalid, or as
        :func:`satisfaction_scores`.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"), as_of="2025-12-31")
    >>> corr = satisfaction_correlations(facts)
    >>> len(corr), bool((corr["p_adjusted"] >= corr["p_value"]).all())
    (24, True)
    """
    from scipy import stats
    methods = [method] if isinstance(method, str) else list(method)
    if not methods or any(m not in ("spearman", "pearson") for m in methods):
        raise ValueError(f"method must be 'spearman', 'pearson' or a sequence of them, got {method!r}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be between 0 and 1, got {alpha}")
    if isinstance(min_responses, bool) or not float(min_responses).is_integer() or min_responses < 1:
        raise ValueError(f"min_responses must be an integer >= 1, got {min_responses!r}")
    end = _period(facts, period)
    grid = _require(facts.partner_periods, ["partner_id", "period", "enrolled"], "partner_periods")
    enrolled = set(grid.loc[_in_window(grid["period"], end, periods) & grid["enrolled"], "partner_id"])
    scores = satisfaction_scores(facts, period=end, periods=periods).set_index("partner_id")
    for survey in ("psat", "partner_nps", "csat"):
        scores[survey] = scores[survey].where(scores[f"{survey}_responses"] >= min_responses)
    index = engagement_index(facts, period=end, periods=periods).set_index("partner_id")["engagement_index"]
    table = pd.concat([scores[["psat", "partner_nps", "csat"]], index.rename("engagement_index"),
                       _performance(facts, end, periods)], axis=1)
    table = table[table.index.isin(enrolled)]
    rows = [(x, y, m, *_correlate(table[x].to_numpy("float64"), table[y].to_numpy("float64"), m, alpha))
            for x in CORRELATION_X for y in CORRELATION_Y for m in methods]
    out = pd.DataFrame(rows, columns=["x", "y", "method", "n", "r", "ci_low", "ci_high", "p_value"])
    tested = out["p_value"].notna()
    out["p_adjusted"] = np.nan
    if tested.any():
        out.loc[tested, "p_adjusted"] = stats.false_discovery_control(out.loc[tested, "p_value"].to_numpy())
    out["significant"] = (out["p_adjusted"] < alpha).astype(bool)
    return out.astype({"x": "str", "y": "str", "method": "str"})


def lowest_scoring_comments(facts: Rollup, *, survey: str | None = None, n: int = 10) -> pd.DataFrame:
    """The ``n`` lowest-scoring survey verbatims up to ``as_of``.

    Responses with a comment are ranked by ``score_pct`` = score /
    scale_max (fraction 0..1, so scales compare), lowest first; ties go to
    the most recent response, then by ``partner_id``. Every comment up to
    ``as_of`` counts (no window). Empty when there are none, including
    without a surveys table.

    Parameters
    ----------
    facts
        Rolled-up program facts.
    survey
        ``"psat"``, ``"partner_nps"``, ``"csat"`` or ``None`` for all.
    n
        Number of comments (>= 0).

    Returns
    -------
    DataFrame
        ``score``, ``scale_max``, ``score_pct``, ``survey``,
        ``responded_on``, ``partner_id``, ``comment``; at most ``n`` rows.

    Raises
    ------
    ValueError
        If ``survey`` is unknown, ``n < 0`` or ``comments`` lacks a column.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"), as_of="2025-12-31")
    >>> worst = lowest_scoring_comments(facts, survey="csat", n=3)
    >>> len(worst), bool(worst["score_pct"].is_monotonic_increasing)
    (3, True)
    """
    if survey is not None and survey not in SURVEY_KINDS:
        raise ValueError(f"survey must be one of {list(SURVEY_KINDS)} or None, got {survey!r}")
    if n < 0:
        raise ValueError(f"n must be >= 0, got {n}")
    comments = _require(facts.comments, ["partner_id", "responded_on", "survey", "score", "scale_max", "comment"],
                        "comments")
    if survey is not None:
        comments = comments[comments["survey"] == survey]
    comments = comments.assign(score_pct=(comments["score"] / comments["scale_max"]).astype("float64"))
    ranked = comments.sort_values(["score_pct", "responded_on", "partner_id"], ascending=[True, False, True],
                                  kind="stable")
    out = ranked.head(n)[_COMMENT_COLUMNS].reset_index(drop=True)
    return out.astype({"score": "float64", "scale_max": "float64", "survey": "str", "partner_id": "str",
                       "comment": "str", "responded_on": "datetime64[ns]"})


def satisfaction_trend(facts: Rollup, *, by: str | None = None) -> pd.DataFrame:
    """PSAT, partner NPS and CSAT per period, optionally per group.

    The formulas of :func:`satisfaction_scores` on each single period of
    ``facts.periods`` (not a trailing window). Every period × group is
    present; NaN scores in periods without responses, everything NaN without
    a surveys table.

    Parameters
    ----------
    facts
        Rolled-up program facts.
    by
        ``None`` (one row per period), ``"partner_type"`` or
        ``"partner_id"`` (one row per period × group).

    Returns
    -------
    DataFrame
        ``period``, the key columns, then the score and response columns of
        :func:`satisfaction_scores`; sorted by period, then group.

    Raises
    ------
    ValueError
        If ``by`` is unknown or a facts frame lacks a column.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"), as_of="2025-12-31")
    >>> trend = satisfaction_trend(facts)
    >>> len(trend) == len(facts.periods), list(trend.columns[:2])
    (True, ['period', 'psat'])
    """
    surveys = _survey_facts(facts)
    return _grouped(facts, surveys, by, pd.PeriodIndex(facts.periods, name="period"))
