"""Revenue metrics: partner revenue, channel share, growth and sales volume.

Every function reads a :class:`partner_analytics.Rollup` and returns a tidy
DataFrame. Definitions used throughout:

* **Partner revenue** (``revenue``) is won revenue on partner deals closed in
  the period: ``sourced_revenue + influenced_revenue``. **Direct revenue** is
  won revenue on deals without a partner. **Total revenue** is both.
* **Growth** is ``current / prior − 1`` (a fraction: ``-0.5`` is a 50 % drop).
  ``_qoq`` compares with the previous period (previous quarter, or previous
  month for monthly facts); ``_yoy`` with the same period one year earlier
  (4 quarters or 12 months back). Growth is NaN when the prior value is 0 or
  the prior period lies before the first rollup period (no data, not zero).
* Amounts are in the reporting currency; counts are numbers of deals.
* ``period`` is a pandas ``Period`` or a string such as ``"2025Q4"``; default
  ``facts.period`` (the period containing ``facts.as_of``). A period outside
  ``facts.periods`` raises ``ValueError``.
* A frame missing a column it needs raises ``ValueError`` naming the column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..periods import periods_per_year
from ..rollup import Rollup
from .checks import require_columns as _require
from .checks import resolve_period as _period
from .windows import align_to_partners, rows_in_period

__all__ = ["partner_revenue_kpis", "channel_revenue", "revenue_by", "revenue_trend", "GROUPINGS"]

GROUPINGS = ("partner_type", "tier", "region")
"""Partner attributes :func:`revenue_by` and :func:`revenue_trend` can group by."""

_REVENUE = ["revenue", "sourced_revenue", "influenced_revenue"]


def _growth(current: pd.Series, prior: pd.Series) -> pd.Series:
    """``current / prior − 1``; NaN where ``prior`` is 0 or missing."""
    return current / prior.where(prior != 0) - 1


def _add_growth(frame: pd.DataFrame, keys: list[str], freq: str) -> pd.DataFrame:
    """Add ``revenue_growth_qoq`` and ``revenue_growth_yoy`` to a complete keys × period frame.

    ``frame`` must hold every period of the rollup for every key, sorted by
    period within each key, so a shift by ``lag`` rows is a shift by ``lag``
    periods; shifting past the first period gives NaN.
    """
    revenue = frame["revenue"]
    shifted = {lag: (frame.groupby(keys, dropna=False, sort=False)["revenue"].shift(lag) if keys
                     else revenue.shift(lag)) for lag in (1, periods_per_year(freq))}
    return frame.assign(
        revenue_growth_qoq=_growth(revenue, shifted[1]),
        revenue_growth_yoy=_growth(revenue, shifted[periods_per_year(freq)]),
    )


def _partner_grid(facts: Rollup, columns: list[str]) -> pd.DataFrame:
    frame = _require(facts.partner_periods, ["partner_id", "period", *columns], "partner_periods")
    return frame[["partner_id", "period", *columns]]


def partner_revenue_kpis(facts: Rollup, *, period: str | pd.Period | None = None) -> pd.DataFrame:
    """Per-partner revenue KPIs for one period (registry domain ``"revenue"``).

    Formulas (per partner, deals closed in ``period``):

    * ``revenue`` = Σ won amount on the partner's deals (currency);
      ``sourced_revenue`` / ``influenced_revenue`` split it by attribution.
    * ``revenue_growth_qoq`` = revenue / revenue of the previous period − 1;
      ``revenue_growth_yoy`` = revenue / revenue one year earlier − 1
      (fractions). NaN when the prior revenue is 0 or the prior period lies
      before the first rollup period.
    * ``won_deals`` = deals won; ``new_customers`` = won deals flagged as a
      new customer (counts).

    Parameters
    ----------
    facts
        Rolled-up program facts.
    period
        Reporting period (default ``facts.period``).

    Returns
    -------
    DataFrame
        One row per partner of ``facts.partners``, in that order:
        ``partner_id``, ``revenue``, ``sourced_revenue``,
        ``influenced_revenue``, ``revenue_growth_qoq``,
        ``revenue_growth_yoy``, ``won_deals``, ``new_customers``. Partners
        without activity have true zeros (growth NaN).

    Raises
    ------
    ValueError
        If ``period`` is outside ``facts.periods`` or ``partner_periods``
        lacks a column.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"), as_of="2025-12-31")
    >>> kpis = partner_revenue_kpis(facts, period="2025Q4")
    >>> list(kpis.columns)  # doctest: +NORMALIZE_WHITESPACE
    ['partner_id', 'revenue', 'sourced_revenue', 'influenced_revenue',
     'revenue_growth_qoq', 'revenue_growth_yoy', 'won_deals', 'new_customers']
    >>> len(kpis) == len(facts.partners)
    True
    """
    period = _period(facts, period)
    grid = _require(facts.partner_periods, ["partner_id", "period", *_REVENUE, "won_deals", "new_customers"],
                    "partner_periods")
    ids = _require(facts.partners, ["partner_id"], "partners")["partner_id"]

    def at(when: pd.Period, columns: list[str]) -> pd.DataFrame:
        return align_to_partners(facts, rows_in_period(grid, when, columns), columns)

    out = at(period, [*_REVENUE, "won_deals", "new_customers"])
    revenue = out["revenue"]
    growth = {f"revenue_growth_{name}": _growth(revenue, at(period - lag, ["revenue"])["revenue"])
              for name, lag in (("qoq", 1), ("yoy", periods_per_year(facts.freq)))}
    out = out.assign(**growth)
    out.insert(0, "partner_id", ids.array)
    return out[["partner_id", *_REVENUE, "revenue_growth_qoq", "revenue_growth_yoy", "won_deals", "new_customers"]]


def channel_revenue(facts: Rollup) -> pd.DataFrame:
    """Partner versus direct revenue and sales volume, one row per period.

    Formulas (deals closed in each period, from ``facts.channel_periods``):

    * ``partner_revenue`` = ``sourced_revenue`` + ``influenced_revenue``;
      ``total_revenue`` = ``partner_revenue`` + ``direct_revenue`` (currency).
    * ``channel_share`` = partner_revenue / total_revenue (fraction 0..1);
      NaN when total revenue is 0.
    * Sales volume: ``partner_won_deals``, ``direct_won_deals`` and
      ``won_deals`` (their sum) count the deals won (counts).

    Parameters
    ----------
    facts
        Rolled-up program facts.

    Returns
    -------
    DataFrame
        One row per period of ``facts.periods`` (every period, zeros where
        nothing closed): ``period``, ``partner_revenue``, ``sourced_revenue``,
        ``influenced_revenue``, ``direct_revenue``, ``total_revenue``,
        ``channel_share``, ``partner_won_deals``, ``direct_won_deals``,
        ``won_deals``.

    Raises
    ------
    ValueError
        If ``channel_periods`` lacks a column.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"), as_of="2025-12-31")
    >>> channel = channel_revenue(facts)
    >>> len(channel) == len(facts.periods)
    True
    >>> list(channel.columns)  # doctest: +NORMALIZE_WHITESPACE
    ['period', 'partner_revenue', 'sourced_revenue', 'influenced_revenue', 'direct_revenue',
     'total_revenue', 'channel_share', 'partner_won_deals', 'direct_won_deals', 'won_deals']
    """
    frame = _require(facts.channel_periods, ["period", "attribution", "revenue", "won_deals"], "channel_periods")
    wide = frame.pivot_table(index="period", columns="attribution", values=["revenue", "won_deals"],
                             aggfunc="sum", observed=True)
    def column(measure: str, attribution: str) -> pd.Series:
        if (measure, attribution) in wide.columns:
            return wide[(measure, attribution)].reindex(facts.periods, fill_value=0.0).astype("float64")
        return pd.Series(0.0, index=facts.periods)

    sourced, influenced, direct = (column("revenue", a) for a in ("sourced", "influenced", "direct"))
    partner, total = sourced + influenced, sourced + influenced + direct
    partner_won = column("won_deals", "sourced") + column("won_deals", "influenced")
    direct_won = column("won_deals", "direct")
    out = pd.DataFrame(
        {
            "partner_revenue": partner,
            "sourced_revenue": sourced,
            "influenced_revenue": influenced,
            "direct_revenue": direct,
            "total_revenue": total,
            "channel_share": partner / total.where(total != 0),
            "partner_won_deals": partner_won,
            "direct_won_deals": direct_won,
            "won_deals": partner_won + direct_won,
        },
        index=pd.PeriodIndex(facts.periods, name="period"),
    )
    return out.reset_index()


def _check_by(by: str) -> str:
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {GROUPINGS}, got {by!r}")
    return by


def _group_periods(facts: Rollup, by: str) -> pd.DataFrame:
    """Complete group × period frame of summed revenue measures and enrolled partners."""
    grid = _partner_grid(facts, [by, "enrolled", *_REVENUE, "won_deals"])
    summed = grid.groupby([by, "period"], dropna=False, observed=True, sort=True).agg(
        **{m: (m, "sum") for m in [*_REVENUE, "won_deals"]}, partners=("enrolled", "sum")
    )
    return summed.astype({"partners": "int64"}).reset_index()


def revenue_by(facts: Rollup, *, by: str = "partner_type", period: str | pd.Period | None = None) -> pd.DataFrame:
    """Partner revenue per partner group for one period.

    Formulas (per group, partner deals closed in ``period``):

    * ``revenue``, ``sourced_revenue``, ``influenced_revenue`` (currency) and
      ``won_deals`` (count) are sums over the group's partners.
    * ``partners`` = partners of the group enrolled in the period (count).
    * ``share`` = group revenue / partner revenue of all groups (fraction;
      shares sum to 1); NaN when partner revenue is 0.
    * ``revenue_growth_qoq`` / ``revenue_growth_yoy`` as in the module
      docstring, per group.

    Groups are every value of the attribute among ``facts.partners``;
    partners whose attribute is missing form one group with a missing key.

    Parameters
    ----------
    facts
        Rolled-up program facts.
    by
        ``"partner_type"``, ``"tier"`` or ``"region"``.
    period
        Reporting period (default ``facts.period``).

    Returns
    -------
    DataFrame
        One row per group, largest revenue first (ties by group key):
        ``<by>``, ``revenue``, ``sourced_revenue``, ``influenced_revenue``,
        ``won_deals``, ``partners``, ``share``, ``revenue_growth_qoq``,
        ``revenue_growth_yoy``.

    Raises
    ------
    ValueError
        If ``by`` is not a known grouping, ``period`` is outside
        ``facts.periods`` or ``partner_periods`` lacks a column.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"), as_of="2025-12-31")
    >>> by_type = revenue_by(facts, by="partner_type", period="2025Q4")
    >>> list(by_type.columns)  # doctest: +NORMALIZE_WHITESPACE
    ['partner_type', 'revenue', 'sourced_revenue', 'influenced_revenue', 'won_deals',
     'partners', 'share', 'revenue_growth_qoq', 'revenue_growth_yoy']
    """
    by, period = _check_by(by), _period(facts, period)
    groups = _add_growth(_group_periods(facts, by), [by], facts.freq)
    current = groups[groups["period"] == period].drop(columns="period")
    total = current["revenue"].sum()
    current = current.assign(share=current["revenue"] / total if total != 0 else np.nan)
    current = current.sort_values([by], kind="stable").sort_values("revenue", ascending=False, kind="stable")
    columns = [by, *_REVENUE, "won_deals", "partners", "share", "revenue_growth_qoq", "revenue_growth_yoy"]
    return current[columns].reset_index(drop=True)


def revenue_trend(facts: Rollup, *, by: str | None = None) -> pd.DataFrame:
    """Partner revenue per period, overall or per partner group, with growth.

    Formulas: ``revenue`` = sourced + influenced partner revenue closed in the
    period (currency); growth columns as in the module docstring (NaN in the
    first period, the first year for ``_yoy``, and after a zero period).

    Parameters
    ----------
    facts
        Rolled-up program facts.
    by
        ``None`` for the whole program, or ``"partner_type"``, ``"tier"``,
        ``"region"`` for one row per period × group.

    Returns
    -------
    DataFrame
        ``by=None``: one row per period with ``period``, ``revenue``,
        ``sourced_revenue``, ``influenced_revenue``, ``direct_revenue``,
        ``total_revenue``, ``revenue_growth_qoq``, ``revenue_growth_yoy``.
        Otherwise one row per period × group, sorted by period then group:
        ``period``, ``<by>``, ``revenue``, ``sourced_revenue``,
        ``influenced_revenue``, ``revenue_growth_qoq``, ``revenue_growth_yoy``.

    Raises
    ------
    ValueError
        If ``by`` is not a known grouping or a facts frame lacks a column.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"), as_of="2025-12-31")
    >>> trend = revenue_trend(facts)
    >>> bool(pd.isna(trend["revenue_growth_qoq"].iloc[0]))
    True
    >>> list(revenue_trend(facts, by="tier").columns[:2])
    ['period', 'tier']
    """
    growth = ["revenue_growth_qoq", "revenue_growth_yoy"]
    if by is None:
        channel = channel_revenue(facts)
        trend = channel.rename(columns={"partner_revenue": "revenue"})
        trend = _add_growth(trend, [], facts.freq)
        return trend[["period", *_REVENUE, "direct_revenue", "total_revenue", *growth]]
    by = _check_by(by)
    groups = _add_growth(_group_periods(facts, by), [by], facts.freq)
    groups = groups.sort_values(by, kind="stable").sort_values("period", kind="stable")
    return groups[["period", by, *_REVENUE, *growth]].reset_index(drop=True)
