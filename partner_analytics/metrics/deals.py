"""Deals: win rate, deal size, time to close (partner vs direct) and pipeline.

Formulas
--------
* **Win rate** = won / (won + lost) deals closed in the window (fraction);
  **by value** = won amount / (won + lost amount). NaN with nothing closed
  (or nothing of value closed). The **Wilson** score interval (95 % by
  default) is given for the count-based rate.
* **Deal size** over deals won in the window: mean and median amount
  (currency); NaN with nothing won.
* **Time to close** = days from ``created_on`` to ``closed_on`` over deals
  **won** in the window. Lost deals are left out: they often close by being
  abandoned or cleaned up long after the fact, which would blur the
  comparison. ``channel`` is ``partner`` (sourced or influenced) or
  ``direct``. The **cycle advantage** = direct median − partner median days
  (positive: partner deals close faster).
* **Open pipeline** = value of the partner's deals open at the period's end
  (currency); **pipeline coverage** = open pipeline / revenue target of the
  *next* period (targets whose ``period_start`` falls in it; fraction, 1.0 =
  the pipeline equals the target). NaN without such a target or with a zero
  one.

A window is the ``periods`` rollup periods ending at ``period`` (default:
the period containing ``as_of``); deals count in the period they closed.
Counts and sums come from the additive rollup facts (``partner_periods``,
``channel_periods``); means, medians and quartiles of won deals come from the
distributions the engine computed (``Rollup.deal_stats``, exact quantiles by
linear interpolation, as pandas), for the window lengths the rollup was asked
for (``rollup(..., windows=...)``; by default 1 and 4 periods, a year and the
whole span; per partner, one period). Another window raises ``ValueError``.
Groupings (``by``): ``partner_id`` and ``partner_type`` count partner deals
only; ``attribution`` (sourced / influenced / direct) and ``channel``
(partner / direct) include direct deals; ``None`` gives one row, ``group`` =
``"all"``, over all partner deals. Every expected group is listed (all
partners, partner types of the program, attributions or channels), with
zero counts and NaN rates where nothing closed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..rollup import Rollup
from .checks import require_columns as _require
from .checks import resolve_period as _period
from .intervals import wilson_interval
from .windows import align_to_partners, partner_positions, rows_in_period, sum_by_partner

__all__ = [
    "GROUPS",
    "wilson_interval",
    "win_rates",
    "deal_size",
    "deal_size_trend",
    "time_to_close",
    "cycle_advantage",
    "pipeline",
    "partner_deal_kpis",
]

GROUPS = ("partner_id", "partner_type", "attribution", "channel")
"""Groupings accepted by ``by``; ``None`` means all partner deals together."""

_CYCLE_GROUPS = ("channel", "attribution", "partner_type")


_PARTNER_MEASURES = ["won_deals", "lost_deals", "revenue", "lost_amount"]
_STATS = ("mean", "median", "p25", "p75")


def _check_grouping(by: str | None) -> None:
    if by is not None and by not in GROUPS:
        raise ValueError(f"by must be one of {GROUPS} or None, got {by!r}")


def _in_window(frame: pd.DataFrame, end: pd.Period, periods: int) -> pd.DataFrame:
    return frame[(frame["period"] > end - periods) & (frame["period"] <= end)]


def _expected_groups(facts: Rollup, by: str | None) -> pd.Index:
    if by is None:
        return pd.Index(["all"], name="group")
    keys = {
        "partner_id": lambda: pd.Index(facts.partners["partner_id"]),
        "partner_type": lambda: pd.Index(sorted(facts.partners["partner_type"].dropna().unique())),
        "attribution": lambda: pd.Index(["direct", "influenced", "sourced"]),
        "channel": lambda: pd.Index(["direct", "partner"]),
    }[by]()
    return keys.rename(by)


def _closed_sums(facts: Rollup, by: str | None, end: pd.Period, periods: int) -> pd.DataFrame:
    """Won and lost counts and amounts of the window per expected group (index), zeros where nothing closed."""
    keys = _expected_groups(facts, by)
    if by in ("attribution", "channel"):
        rows = _in_window(_require(facts.channel_periods, ["period", "attribution", *_PARTNER_MEASURES],
                                   "channel_periods"), end, periods)
        column = rows["attribution"]
        if by == "channel":
            column = column.where(column == "direct", "partner")
    else:
        rows = _in_window(_require(facts.partner_periods, ["partner_id", "period", "partner_type",
                                                          *_PARTNER_MEASURES], "partner_periods"), end, periods)
        column = rows["partner_id"] if by == "partner_id" else rows["partner_type"] if by else "all"
    sums = rows.assign(_group=column).groupby("_group", sort=False)[_PARTNER_MEASURES].sum()
    return sums.reindex(keys, fill_value=0.0).astype("float64")


def _window_length(facts: Rollup, end: pd.Period, periods: int) -> int:
    """The ``Rollup.deal_stats`` window length that covers the same periods as ``periods`` ending at ``end``."""
    position = facts.periods.get_loc(end)
    stored = [n for n in facts.windows if n < len(facts.periods) or position == len(facts.periods) - 1]
    for n in stored:
        if min(n, position + 1) == min(periods, position + 1):
            return n
    raise ValueError(
        f"the rollup holds no deal distributions for a {periods}-period window ending {end} (window lengths: "
        f"{', '.join(map(str, facts.windows)) or 'none'}); roll up with windows=(..., {periods})")


def _distribution(facts: Rollup, by: str | None, end: pd.Period, periods: int, measure: str) -> pd.DataFrame:
    """``n`` (won deals) and the ``measure`` statistics of the window per expected group; NaN where none won.

    Raises ``ValueError`` when a group won deals but the rollup holds no distribution for it (a slice of
    partners, see ``explore.subset_facts``).
    """
    sums = _closed_sums(facts, by, end, periods)
    won = sums["won_deals"]
    columns = [f"{measure}_{stat}" for stat in _STATS]
    if by == "partner_id":
        if min(periods, facts.periods.get_loc(end) + 1) != 1:
            raise ValueError("per-partner distributions cover one period; use periods=1 or deals_for()")
        rows = _require(facts.partner_deal_stats, ["partner_id", "period", f"{measure}_median"],
                        "partner_deal_stats")
        rows = rows[rows["period"] == end].set_index("partner_id")
        stats = pd.DataFrame({"median": rows[f"{measure}_median"]}).reindex(won.index)
        if measure == "amount":
            stats["mean"] = sums["revenue"] / won.where(won > 0)
    else:
        length = _window_length(facts, end, periods)
        rows = _require(facts.deal_stats, ["period", "periods", "by", "group", *columns], "deal_stats")
        rows = rows[(rows["period"] == end) & (rows["periods"] == length) & (rows["by"] == (by or "all"))]
        stats = rows.set_index("group")[columns].reindex(won.index)
        stats.columns = list(_STATS)
    missing = (won > 0) & stats["median"].isna()
    if missing.any():
        raise ValueError(f"the rollup holds no deal distribution for {by or 'all'} = "
                         f"{', '.join(map(str, won.index[missing]))}; use deals_for() for row-level deals")
    return stats.assign(n=won.astype("int64"))


def win_rates(
    facts: Rollup, *, by: str | None = "partner_id", period: str | pd.Period | None = None, periods: int = 1
) -> pd.DataFrame:
    """Win rate by count and by value, with a Wilson interval on the count.

    Parameters
    ----------
    facts
        Rolled-up program facts.
    by
        One of :data:`GROUPS`, or None for all partner deals together.
    period, periods
        Window: the ``periods`` (>= 1) periods ending at ``period`` (default:
        the one containing ``as_of``).

    Returns
    -------
    DataFrame
        Group column (``by``, or ``group`` = "all" when None), ``won``,
        ``lost``, ``n`` (closed deals, counts), ``win_rate`` (won / n),
        ``ci_low``, ``ci_high`` (95 % Wilson interval of ``win_rate``),
        ``win_rate_value`` (won amount / closed amount); rates are NaN when
        nothing closed. Every expected group is listed (module docstring).

    Raises
    ------
    ValueError
        For an unknown ``by``, ``periods`` < 1, an outside period, a missing column.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"))
    >>> rates = win_rates(facts, by="channel", periods=4)
    >>> list(rates["channel"]), list(rates.columns[1:4])
    (['direct', 'partner'], ['won', 'lost', 'n'])
    """
    _check_grouping(by)
    if periods < 1:
        raise ValueError(f"periods must be at least 1, got {periods}")
    sums = _closed_sums(facts, by, _period(facts, period), periods)
    out = pd.DataFrame({"won": sums["won_deals"].astype("int64"), "lost": sums["lost_deals"].astype("int64")},
                       index=sums.index)
    out["n"] = out["won"] + out["lost"]
    out["win_rate"] = out["won"] / out["n"].where(out["n"] > 0)
    out["ci_low"], out["ci_high"] = wilson_interval(out["won"], out["n"])
    amount = sums["revenue"] + sums["lost_amount"]
    out["win_rate_value"] = sums["revenue"] / amount.where(amount > 0)
    return out.reset_index()


def deal_size(
    facts: Rollup, *, by: str | None = None, period: str | pd.Period | None = None, periods: int = 1
) -> pd.DataFrame:
    """Mean and median size of the deals won in the window.

    Parameters
    ----------
    facts
        Rolled-up program facts.
    by
        One of :data:`GROUPS`, or None for all partner deals together.
    period, periods
        Window: the ``periods`` (>= 1) periods ending at ``period`` (default:
        the one containing ``as_of``).

    Returns
    -------
    DataFrame
        Group column (``by``, or ``group`` = "all"), ``n`` (won deals),
        ``mean``, ``median`` (currency; NaN where nothing was won). Every
        expected group is listed.

    Raises
    ------
    ValueError
        For an unknown ``by``, ``periods`` < 1, an outside period, a missing column.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"))
    >>> size = deal_size(facts, periods=4)
    >>> list(size.columns), bool(size.loc[0, "mean"] > 0)
    (['group', 'n', 'mean', 'median'], True)
    """
    _check_grouping(by)
    if periods < 1:
        raise ValueError(f"periods must be at least 1, got {periods}")
    stats = _distribution(facts, by, _period(facts, period), periods, "amount")
    return stats[["n", "mean", "median"]].astype({"mean": "float64", "median": "float64"}).reset_index()


def deal_size_trend(facts: Rollup, *, by: str | None = None) -> pd.DataFrame:
    """:func:`deal_size` of every period of the rollup.

    Parameters
    ----------
    facts
        Rolled-up program facts.
    by
        One of :data:`GROUPS`, or None for all partner deals together.

    Returns
    -------
    DataFrame
        ``period``, group column, ``n``, ``mean``, ``median`` (currency) for
        every period × group that won at least one deal (groups without a
        won deal in a period are left out, so lines show no false zeros).

    Raises
    ------
    ValueError
        For an unknown ``by`` or a missing column.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"))
    >>> trend = deal_size_trend(facts, by="channel")
    >>> list(trend.columns), bool((trend["n"] > 0).all())
    (['period', 'channel', 'n', 'mean', 'median'], True)
    """
    frames = [deal_size(facts, by=by, period=p).assign(period=p) for p in facts.periods]
    out = pd.concat(frames, ignore_index=True)
    out = out[out["n"] > 0].reset_index(drop=True)
    return out[["period", *[c for c in out.columns if c != "period"]]]


def time_to_close(
    facts: Rollup, *, by: str = "channel", period: str | pd.Period | None = None, periods: int = 4
) -> pd.DataFrame:
    """Days from created to closed over deals **won** in the window, partner vs direct.

    Lost deals are left out (see the module docstring). Compare the channels
    with :func:`cycle_advantage`.

    Parameters
    ----------
    facts
        Rolled-up program facts.
    by
        ``channel`` (partner vs direct), ``attribution`` (sourced /
        influenced / direct) or ``partner_type`` (partner deals only).
    period, periods
        Window: the ``periods`` (>= 1; default a year of quarters) periods
        ending at ``period`` (default: the one containing ``as_of``).

    Returns
    -------
    DataFrame
        ``by`` column, ``n`` (won deals), ``mean``, ``median``, ``p25``,
        ``p75`` (days; quartiles by linear interpolation). Every expected
        group is listed; NaN statistics where nothing was won.

    Raises
    ------
    ValueError
        For an unknown ``by``, ``periods`` < 1, an outside period, a missing column.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"))
    >>> cycle = time_to_close(facts).set_index("channel")
    >>> bool(cycle.loc["partner", "median"] < cycle.loc["direct", "median"])
    True
    """
    if by not in _CYCLE_GROUPS:
        raise ValueError(f"by must be one of {_CYCLE_GROUPS}, got {by!r}")
    if periods < 1:
        raise ValueError(f"periods must be at least 1, got {periods}")
    stats = _distribution(facts, by, _period(facts, period), periods, "days")
    return stats[["n", *_STATS]].astype(dict.fromkeys(_STATS, "float64")).reset_index()


def cycle_advantage(facts: Rollup, *, period: str | pd.Period | None = None, periods: int = 4) -> float:
    """Direct median − partner median days to close over won deals in the window.

    Positive: partner deals close that many days faster than direct ones.

    Parameters
    ----------
    facts
        Rolled-up program facts.
    period, periods
        Window: the ``periods`` (>= 1) periods ending at ``period`` (default:
        the one containing ``as_of``).

    Returns
    -------
    float
        Days; NaN when either channel won nothing in the window.

    Raises
    ------
    ValueError
        For ``periods`` < 1, a period outside the rollup or a missing column.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> bool(cycle_advantage(pa.rollup(pa.load_program("sample"))) > 0)
    True
    """
    median = time_to_close(facts, period=period, periods=periods).set_index("channel")["median"]
    return float(median["direct"] - median["partner"])


def pipeline(facts: Rollup, *, period: str | pd.Period | None = None) -> pd.DataFrame:
    """Open pipeline at the period's end and its coverage of the next period's revenue target.

    Parameters
    ----------
    facts
        Rolled-up program facts.
    period
        Period whose end is the snapshot (default: the one containing
        ``as_of``; the snapshot of the running period is taken at ``as_of``).

    Returns
    -------
    DataFrame
        ``partner_id``, ``open_deals`` (count), ``open_pipeline`` (currency),
        ``next_target`` (Σ revenue targets with ``period_start`` in the next
        period; NaN without one), ``pipeline_coverage`` (open_pipeline /
        next_target, fraction; NaN when next_target is NaN or 0). One row per
        partner of ``facts.partners``.

    Raises
    ------
    ValueError
        If ``period`` is outside the rollup or a column is missing.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"), as_of="2025-09-30")
    >>> flow = pipeline(facts)
    >>> list(flow.columns)
    ['partner_id', 'open_deals', 'open_pipeline', 'next_target', 'pipeline_coverage']
    >>> bool(flow["pipeline_coverage"].notna().any())
    True
    """
    period = _period(facts, period)
    grid = _require(facts.partner_periods, ["partner_id", "period", "open_deals", "open_pipeline"], "partner_periods")
    now = align_to_partners(facts, rows_in_period(grid, period, ["open_deals", "open_pipeline"]),
                            ["open_deals", "open_pipeline"]).fillna(0.0)
    targets = _require(facts.target_actuals, ["partner_id", "kpi", "period_start", "target"], "target_actuals")
    following = period + 1
    starts_next = (targets["period_start"] >= following.start_time) & (targets["period_start"] <= following.end_time)
    next_targets = targets[starts_next & (targets["kpi"] == "revenue")]
    positions = partner_positions(facts, next_targets["partner_id"])
    set_for = np.zeros(len(facts.partners), dtype=bool)
    set_for[positions[positions >= 0]] = True
    next_target = sum_by_partner(facts, next_targets, ["target"])["target"].where(set_for)
    out = pd.DataFrame({
        "partner_id": facts.partners["partner_id"].to_numpy(),
        "open_deals": now["open_deals"].to_numpy(),
        "open_pipeline": now["open_pipeline"].to_numpy(),
        "next_target": next_target.to_numpy(),
    })
    out["pipeline_coverage"] = out["open_pipeline"] / out["next_target"].where(out["next_target"] > 0)
    return out


def partner_deal_kpis(facts: Rollup, *, period: str | pd.Period | None = None) -> pd.DataFrame:
    """Deal KPIs per partner for the period (registry domain ``deals``).

    * ``deals_registered`` = partner deals created in the period (count);
    * ``win_rate`` = won / (won + lost) deals closed in the period (fraction);
    * ``avg_deal_size`` = won revenue / won deals in the period (currency);
    * ``days_to_close`` = median days to close over deals won in the period;
    * ``open_pipeline``, ``pipeline_coverage`` as in :func:`pipeline`.

    Parameters
    ----------
    facts
        Rolled-up program facts.
    period
        Reporting period (default: the one containing ``as_of``).

    Returns
    -------
    DataFrame
        ``partner_id, deals_registered, win_rate, avg_deal_size, days_to_close,
        open_pipeline, pipeline_coverage``; one row per partner of
        ``facts.partners`` in that order. ``win_rate`` is NaN with nothing
        closed, ``avg_deal_size`` and ``days_to_close`` NaN with nothing won,
        ``pipeline_coverage`` NaN without a next-period revenue target.

    Raises
    ------
    ValueError
        If ``period`` is outside the rollup or a column is missing.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"))
    >>> kpis = partner_deal_kpis(facts)
    >>> list(kpis.columns[1:4]), len(kpis) == len(facts.partners)
    (['deals_registered', 'win_rate', 'avg_deal_size'], True)
    """
    period = _period(facts, period)
    grid = _require(facts.partner_periods, ["partner_id", "period", "created_deals", *_PARTNER_MEASURES],
                    "partner_periods")
    measures = ["created_deals", "revenue", "won_deals", "lost_deals"]
    now = align_to_partners(facts, rows_in_period(grid, period, measures), measures)
    closed = now[["won_deals", "lost_deals"]].fillna(0.0).astype("int64")  # as win_rates()
    n = closed["won_deals"] + closed["lost_deals"]
    stats = _require(facts.partner_deal_stats, ["partner_id", "period", "days_median"], "partner_deal_stats")
    median_days = align_to_partners(facts, rows_in_period(stats, period, ["days_median"]), ["days_median"])
    median_days = median_days["days_median"]
    flow = pipeline(facts, period=period)
    return pd.DataFrame({
        "partner_id": facts.partners["partner_id"].to_numpy(),
        "deals_registered": now["created_deals"].fillna(0.0).to_numpy(),
        "win_rate": (closed["won_deals"] / n.where(n > 0)).astype("float64").to_numpy(),
        "avg_deal_size": (now["revenue"] / now["won_deals"].where(now["won_deals"] > 0)).to_numpy(),
        "days_to_close": median_days.to_numpy(),
        "open_pipeline": flow["open_pipeline"].to_numpy(),
        "pipeline_coverage": flow["pipeline_coverage"].to_numpy(),
    })
