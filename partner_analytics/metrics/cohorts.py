"""Cohort metrics: onboarding cohorts, activation, time to first deal, revenue retention and churn.

A **cohort** is the set of partners onboarded in the same month, quarter or
year: ``cohort`` is a pandas ``Period`` of that grain containing
``onboarded_on``. Every function reads a :class:`partner_analytics.Rollup`
and returns a tidy DataFrame. Conventions used throughout:

* Only partners onboarded on or before ``facts.as_of`` count (later ones are
  not in the programme yet), except in :func:`onboarding_cohorts`.
* A partner has **churned** when ``churned_on <= as_of``; a later date lies
  in the future as of ``as_of``.
* A partner **activates** with its first won deal (``first_won_on``), or its
  first deal created (``first_deal_on``) with ``event="created"``. Durations
  are calendar days from ``onboarded_on``; a first deal dated *before*
  onboarding counts as day 0. Months are days / 30.436875.
* **Deal history** starts with the first rollup period (``facts.periods[0]``,
  the period of the first deal in the data). For a partner onboarded before
  it, the first deal may be missing from the data, so activation and time to
  first deal leave such partners out unless ``complete_history=True`` (the
  data holds every deal ever made).
* **Periods since onboarding** ``k`` count ``facts.freq`` periods: ``k = 0``
  is the period containing ``onboarded_on`` (usually partial), ``k = 1`` the
  first full period. Periods before ``facts.periods[0]`` are *not observed*
  (never zero). The period containing ``as_of`` is used as it stands.
* Partner counts are integers, revenue is in the reporting currency, rates
  are fractions 0..1. A zero denominator gives NaN (never 0 or inf); a frame
  missing a column raises ``ValueError`` naming it, and so does an unknown
  option. Inputs are never modified. Without partners, results are empty.
"""

from __future__ import annotations

import pandas as pd

from ..rollup import Rollup
from .checks import require_columns as _require
from .cohort_members import COHORT_GRAINS
from .cohort_members import cohort_grain as _grain
from .cohort_members import cohort_members as _members
from .cohort_members import in_deal_history as _in_history
from .survival import median_time_to_first_deal, time_to_first_deal

__all__ = [
    "COHORT_GRAINS",
    "onboarding_cohorts",
    "activation",
    "time_to_first_deal",
    "median_time_to_first_deal",
    "revenue_retention",
    "churn_by_cohort",
    "cohort_quality",
]

_DAYS_PER_MONTH = 365.2425 / 12


def _since_onboarding(facts: Rollup, members: pd.DataFrame) -> pd.DataFrame:
    """Observed partner × period rows with ``periods_since_onboarding`` >= 0."""
    grid = _require(facts.partner_periods, ["partner_id", "period", "revenue"], "partner_periods")
    rows = grid[["partner_id", "period", "revenue"]].merge(
        members[["partner_id", "cohort", "onboarded_on"]], on="partner_id", how="inner"
    )
    start = rows["onboarded_on"].dt.to_period(facts.freq).array.asi8
    k = pd.PeriodIndex(rows["period"], freq=facts.freq).asi8 - start
    rows = rows.assign(periods_since_onboarding=pd.Series(k, index=rows.index, dtype="int64"))
    return rows.loc[rows["periods_since_onboarding"] >= 0].reset_index(drop=True)


def _per_cohort(frame: pd.DataFrame, **aggregations: tuple[str, str]) -> pd.DataFrame:
    return frame.groupby("cohort", sort=True).agg(**aggregations).reset_index()


def onboarding_cohorts(facts: Rollup, *, by: str = "quarter") -> pd.DataFrame:
    """The onboarding cohort of every partner: the ``by`` period containing ``onboarded_on``.

    Parameters
    ----------
    facts
        Rolled-up program facts.
    by
        Cohort grain: ``"month"``, ``"quarter"`` or ``"year"``.

    Returns
    -------
    DataFrame
        ``partner_id``, ``cohort`` (Period); one row per partner of
        ``facts.partners`` (even if onboarded after ``as_of``), in order.

    Raises
    ------
    ValueError
        If ``by`` is unknown or ``facts.partners`` lacks a column.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"), as_of="2025-12-31")
    >>> cohorts = onboarding_cohorts(facts, by="year")
    >>> list(cohorts.columns), len(cohorts) == len(facts.partners)
    (['partner_id', 'cohort'], True)
    """
    partners = _require(facts.partners, ["partner_id", "onboarded_on"], "partners").reset_index(drop=True)
    return pd.DataFrame({"partner_id": partners["partner_id"], "cohort": partners["onboarded_on"].dt.to_period(_grain(by))})


def activation(
    facts: Rollup, *, by: str = "quarter", within_days: int = 180, complete_history: bool = False
) -> pd.DataFrame:
    """Share of each cohort that won a first deal within ``within_days`` of onboarding.

    Formula: ``activation_rate`` = activated / observable (fraction); NaN
    when no partner of the cohort is observable. **Observable** partners have
    their whole window in the data: ``onboarded_on + within_days <= as_of``
    and onboarded within the deal history. Censored partners are left out of
    the rate, even if they already won: ``not_yet_observable`` (window not
    over by ``as_of``) and ``before_history``. ``activated`` = observable
    partners whose first win came within ``within_days`` days (a win before
    onboarding is day 0; churn without a win is not activated).

    Parameters
    ----------
    facts
        Rolled-up program facts.
    by
        Cohort grain: ``"month"``, ``"quarter"`` or ``"year"``.
    within_days
        Activation window in days (>= 0).
    complete_history
        True when the data holds every deal since the programme began.

    Returns
    -------
    DataFrame
        One row per cohort, in order: ``cohort``, ``partners``,
        ``observable``, ``not_yet_observable``, ``before_history``,
        ``activated`` (counts; partners = the next three added up),
        ``activation_rate``.

    Raises
    ------
    ValueError
        If ``by`` is unknown, ``within_days < 0`` or a column is missing.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"), as_of="2025-12-31")
    >>> table = activation(facts, by="year")
    >>> list(table.columns)  # doctest: +NORMALIZE_WHITESPACE
    ['cohort', 'partners', 'observable', 'not_yet_observable', 'before_history', 'activated', 'activation_rate']
    >>> bool(table["activation_rate"].dropna().between(0, 1).all())
    True
    """
    if within_days < 0:
        raise ValueError(f"within_days must be >= 0, got {within_days}")
    members = _members(facts, ["first_won_on"], by)
    in_history = _in_history(facts, members, complete_history)
    elapsed = members["onboarded_on"] + pd.Timedelta(days=within_days) <= facts.as_of
    days = (members["first_won_on"] - members["onboarded_on"]).dt.days.clip(lower=0)
    observable = in_history & elapsed
    frame = members.assign(
        observable=observable,
        not_yet_observable=in_history & ~elapsed,
        before_history=~in_history,
        activated=observable & (days <= within_days),
    )
    counts = ["observable", "not_yet_observable", "before_history", "activated"]
    out = _per_cohort(frame, partners=("partner_id", "size"), **{c: (c, "sum") for c in counts})
    out = out.astype(dict.fromkeys(["partners", *counts], "int64"))
    out["activation_rate"] = (out["activated"] / out["observable"].where(out["observable"] > 0)).astype("float64")
    return out


def _base_revenue(table: pd.DataFrame) -> pd.Series:
    """Per cohort: revenue of the first full period with revenue, if every period up to it is fully observed."""
    bases = {}
    full = table.loc[table["periods_since_onboarding"] >= 1]
    for cohort, rows in full.groupby("cohort", sort=False):
        expected = 1
        for k, complete, revenue in zip(rows["periods_since_onboarding"], rows["complete"], rows["revenue"]):
            if k != expected or not complete:
                break
            if revenue > 0:
                bases[cohort] = revenue
                break
            expected += 1
    return pd.Series(bases, dtype="float64")


def revenue_retention(facts: Rollup, *, by: str = "quarter") -> pd.DataFrame:
    """Cohort revenue by periods since onboarding, indexed to the first full period with revenue.

    For cohort ``c`` and ``k`` periods since onboarding, over the partners of
    ``c`` whose period ``k`` is observed (inside ``facts.periods``):

    * ``revenue`` = Σ revenue in their period ``k`` (currency);
      ``active_partners`` = those with revenue > 0;
      ``revenue_per_partner`` = revenue / ``partners_observed``.
    * ``retention`` = revenue(k) / revenue(base) (fraction; 1 at the base).
      ``base`` = the cohort's first full period with revenue: the smallest
      ``k >= 1`` with revenue > 0, every period 1..base being observed for
      every partner. Churned partners stay in with zero revenue. NaN without
      a base (no revenue yet, or first periods before ``facts.periods[0]``)
      and where the cohort is partly observed (``partners_observed <
      partners``), so partial cells never look like decay.

    Pivot ``cohort`` × ``periods_since_onboarding`` for a heatmap.

    Parameters
    ----------
    facts
        Rolled-up program facts.
    by
        Cohort grain: ``"month"``, ``"quarter"`` or ``"year"``.

    Returns
    -------
    DataFrame
        ``cohort``, ``periods_since_onboarding``, ``partners`` (cohort size),
        ``partners_observed``, ``active_partners``, ``revenue``,
        ``revenue_per_partner``, ``retention``; one row per cohort and
        observed ``k``, ordered by cohort then ``k``.

    Raises
    ------
    ValueError
        If ``by`` is unknown or a facts frame lacks a column.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"), as_of="2025-12-31")
    >>> table = revenue_retention(facts, by="year")
    >>> bool((table["partners_observed"] <= table["partners"]).all())
    True
    """
    members = _members(facts, [], by)
    rows = _since_onboarding(facts, members)
    out = (
        rows.assign(active=rows["revenue"] > 0)
        .groupby(["cohort", "periods_since_onboarding"], sort=True)
        .agg(partners_observed=("partner_id", "size"), active_partners=("active", "sum"), revenue=("revenue", "sum"))
        .reset_index()
    )
    out.insert(2, "partners", out["cohort"].map(members.groupby("cohort")["partner_id"].size()).astype("int64"))
    out = out.astype({"partners_observed": "int64", "active_partners": "int64", "revenue": "float64"})
    complete = out["partners_observed"] == out["partners"]
    base = out["cohort"].map(_base_revenue(out.assign(complete=complete))).astype("float64")
    out["revenue_per_partner"] = out["revenue"] / out["partners_observed"]
    out["retention"] = (out["revenue"] / base).where(complete).astype("float64")
    return out


def churn_by_cohort(facts: Rollup, *, by: str = "year") -> pd.DataFrame:
    """Churn of each onboarding cohort by ``as_of``.

    Formulas: ``churned`` = partners with ``churned_on <= as_of``;
    ``churn_rate`` = churned / partners (fraction, cumulative since
    onboarding, so older cohorts had more time to churn);
    ``median_months_to_churn`` = median over churned partners of
    (churned_on − onboarded_on) in days / 30.436875; NaN when none churned.

    Parameters
    ----------
    facts
        Rolled-up program facts.
    by
        Cohort grain: ``"month"``, ``"quarter"`` or ``"year"``.

    Returns
    -------
    DataFrame
        ``cohort``, ``partners``, ``churned`` (counts), ``churn_rate``,
        ``median_months_to_churn``; one row per cohort, in order.

    Raises
    ------
    ValueError
        If ``by`` is unknown or ``facts.partners`` lacks a column.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"), as_of="2025-12-31")
    >>> list(churn_by_cohort(facts).columns)
    ['cohort', 'partners', 'churned', 'churn_rate', 'median_months_to_churn']
    """
    members = _members(facts, ["churned_on"], by)
    churned_on = members["churned_on"].where(members["churned_on"] <= facts.as_of)
    frame = members.assign(
        churned=churned_on.notna(),
        months=((churned_on - members["onboarded_on"]).dt.days / _DAYS_PER_MONTH).astype("float64"),
    )
    out = _per_cohort(
        frame, partners=("partner_id", "size"), churned=("churned", "sum"), median_months_to_churn=("months", "median")
    ).astype({"partners": "int64", "churned": "int64", "median_months_to_churn": "float64"})
    out["churn_rate"] = (out["churned"] / out["partners"].where(out["partners"] > 0)).astype("float64")
    return out[["cohort", "partners", "churned", "churn_rate", "median_months_to_churn"]]


def cohort_quality(
    facts: Rollup, *, by: str = "year", horizon_periods: int = 4, within_days: int = 180,
    complete_history: bool = False,
) -> pd.DataFrame:
    """Compare cohorts on early revenue, activation and churn.

    Formulas, per cohort:

    * ``horizon_revenue_per_partner`` = Σ revenue of the cohort's partners in
      their periods ``k = 0 .. horizon_periods − 1`` since onboarding / the
      cohort's partners (currency). NaN unless every partner is observed in
      all those periods (too young, or onboarded before
      ``facts.periods[0]``), so cohorts compare on equal footing.
    * ``activation_rate`` from :func:`activation` (with ``within_days`` and
      ``complete_history``), ``churn_rate`` from :func:`churn_by_cohort`.

    Parameters
    ----------
    facts
        Rolled-up program facts.
    by
        Cohort grain: ``"month"``, ``"quarter"`` or ``"year"``.
    horizon_periods
        Number of ``facts.freq`` periods since onboarding to add up (>= 1).
    within_days, complete_history
        As in :func:`activation`.

    Returns
    -------
    DataFrame
        ``cohort``, ``partners``, ``horizon_revenue_per_partner``,
        ``activation_rate``, ``churn_rate``; one row per cohort, in order.

    Raises
    ------
    ValueError
        If ``by`` is unknown, ``horizon_periods < 1``, ``within_days < 0`` or
        a facts frame lacks a column.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"), as_of="2025-12-31")
    >>> list(cohort_quality(facts, horizon_periods=4).columns)
    ['cohort', 'partners', 'horizon_revenue_per_partner', 'activation_rate', 'churn_rate']
    """
    if horizon_periods < 1:
        raise ValueError(f"horizon_periods must be >= 1, got {horizon_periods}")
    members = _members(facts, [], by)
    rows = _since_onboarding(facts, members)
    rows = rows.loc[rows["periods_since_onboarding"] < horizon_periods]
    per_partner = rows.groupby("partner_id").agg(periods=("revenue", "size"), revenue=("revenue", "sum"))
    observed = members["partner_id"].map(per_partner["periods"]).astype("float64")
    frame = members.assign(
        complete=observed == horizon_periods,
        revenue=members["partner_id"].map(per_partner["revenue"]).astype("float64"),
    )
    out = _per_cohort(
        frame, partners=("partner_id", "size"), revenue=("revenue", "sum"), complete=("complete", "all")
    ).astype({"partners": "int64", "revenue": "float64", "complete": bool})
    out["horizon_revenue_per_partner"] = (out["revenue"] / out["partners"]).where(out["complete"]).astype("float64")
    rates = activation(facts, by=by, within_days=within_days, complete_history=complete_history)
    churn = churn_by_cohort(facts, by=by)
    out["activation_rate"] = out["cohort"].map(rates.set_index("cohort")["activation_rate"]).astype("float64")
    out["churn_rate"] = out["cohort"].map(churn.set_index("cohort")["churn_rate"]).astype("float64")
    return out[["cohort", "partners", "horizon_revenue_per_partner", "activation_rate", "churn_rate"]]
