"""Target attainment: SMART targets per partner, KPI and period.

Formulas
--------
* **Attainment** of a group of targets = Σ actual / Σ target (fraction;
  1.0 = target met). Never the mean of per-target ratios, which would let a
  tiny target dominate. NaN when Σ target is 0, or when any actual in the
  group is unmeasurable (NaN: a KPI the data cannot count).
* A target **belongs to** a reporting period when its whole window lies
  inside the period: ``period_start >= start of the period`` and
  ``period_end <= end of the period``. Quarterly targets and a quarterly
  period match exactly; a yearly target belongs to the year only, never to
  one of its quarters (so with a monthly rollup, quarterly targets belong to
  no period: use ``freq="Q"`` for target reporting).
* **Run-rate forecast** of a running target = actual / elapsed, where
  elapsed is the share of the target window passed at ``as_of`` (0..1,
  from ``Rollup.target_actuals``); NaN when nothing has elapsed.
  ``forecast_attainment`` = forecast / target; once the window is over,
  elapsed is 1 and the forecast is the final actual.

Units are those of the KPI (currency for ``revenue``, counts for
``deals_won``, ...). Actual values come from ``Rollup.target_actuals``
(measured from ``period_start`` to ``min(period_end, as_of)``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..rollup import Rollup
from .checks import require_columns as _require
from .checks import resolve_period as _period
from .windows import partner_positions

__all__ = [
    "attainment",
    "targets_in_period",
    "partner_target_kpis",
    "on_track_forecast",
    "at_risk_partners",
    "attainment_trend",
]

_TARGET_COLUMNS = ["partner_id", "kpi", "period_start", "period_end", "target", "actual", "elapsed"]
_TREND_GROUPS = ("partner_id", "partner_type")


def attainment(target_actuals: pd.DataFrame, *, by: Sequence[str] = ("partner_id", "kpi")) -> pd.DataFrame:
    """Σ actual / Σ target per group (never the mean of per-target ratios).

    Parameters
    ----------
    target_actuals
        Rows with ``target`` and ``actual`` (e.g. ``Rollup.target_actuals`` or
        :func:`targets_in_period`) plus the ``by`` columns.
    by
        Grouping columns; empty for exactly one program-wide row.

    Returns
    -------
    DataFrame
        ``by`` columns (sorted), ``target`` and ``actual`` (sums, in the KPI's
        unit; ``actual`` is NaN when any actual in the group is NaN),
        ``attainment`` (fraction = actual / target; NaN when the target sum is
        0 or the actual is NaN) and ``targets`` (number of target rows).
        Empty input gives an empty table, or with ``by=()`` one row with
        target 0, NaN actual and attainment, 0 targets.

    Raises
    ------
    ValueError
        If a ``by`` column, ``target`` or ``actual`` is missing.

    Examples
    --------
    >>> rows = pd.DataFrame({"partner_id": ["A", "A", "B"], "kpi": "revenue",
    ...                      "target": [100.0, 300.0, 0.0], "actual": [50.0, 350.0, 10.0]})
    >>> attainment(rows)
      partner_id      kpi  target  actual  attainment  targets
    0          A  revenue   400.0   400.0         1.0        2
    1          B  revenue     0.0    10.0         NaN        1
    >>> attainment(rows, by=[])
       target  actual  attainment  targets
    0   400.0   410.0      1.025        3
    """
    by = list(by)
    _require(target_actuals, [*by, "target", "actual"], "target_actuals")
    keys = by or ["_all"]
    frame = target_actuals[[*by, "target", "actual"]].assign(_all=0) if not by else target_actuals
    grouped = frame.groupby(keys, sort=True, observed=True, dropna=False)
    sizes = grouped["target"].size()
    measured = grouped["actual"].count() == sizes
    out = pd.DataFrame({
        "target": grouped["target"].sum(),
        "actual": grouped["actual"].sum().where(measured),
        "targets": sizes,
    })
    if not by and out.empty:
        out = pd.DataFrame({"target": [0.0], "actual": [np.nan], "targets": [0]}, index=pd.Index([0], name="_all"))
    out["attainment"] = out["actual"] / out["target"].where(out["target"] != 0)
    out = out[["target", "actual", "attainment", "targets"]].reset_index()
    if not by:
        out = out.drop(columns="_all")
    return out.astype({"target": "float64", "actual": "float64", "attainment": "float64", "targets": "int64"})


def targets_in_period(facts: Rollup, *, period: str | pd.Period | None = None) -> pd.DataFrame:
    """Targets whose whole window lies inside ``period`` (see the module docstring).

    Parameters
    ----------
    facts
        Rolled-up program facts.
    period
        Reporting period (default: the one containing ``facts.as_of``).

    Returns
    -------
    DataFrame
        The matching rows of ``facts.target_actuals`` (same columns, same
        order); empty when the program has no targets in the period.

    Raises
    ------
    ValueError
        If ``period`` is outside the rollup or a target column is missing.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"), as_of="2025-12-31")
    >>> rows = targets_in_period(facts, period="2025Q3")
    >>> sorted(rows["kpi"].unique()), str(rows["period_start"].min().date())
    (['deals_won', 'revenue'], '2025-07-01')
    """
    period = _period(facts, period)
    rows = _require(facts.target_actuals, _TARGET_COLUMNS, "target_actuals")
    start, end = period.start_time, period.end_time.normalize()
    inside = (rows["period_start"] >= start) & (rows["period_end"] <= end)
    return rows[inside].reset_index(drop=True)


def partner_target_kpis(facts: Rollup, *, period: str | pd.Period | None = None) -> pd.DataFrame:
    """Revenue attainment per partner for the KPI table (registry domain ``targets``).

    ``revenue_attainment`` = Σ actual revenue / Σ revenue target over the
    partner's ``revenue`` targets that belong to the period (fraction).

    Parameters
    ----------
    facts
        Rolled-up program facts.
    period
        Reporting period (default: the one containing ``facts.as_of``).

    Returns
    -------
    DataFrame
        ``partner_id``, ``revenue_attainment``; one row per partner of
        ``facts.partners`` in that order. NaN without a revenue target in the
        period or with a zero target.

    Raises
    ------
    ValueError
        If ``period`` is outside the rollup or a target column is missing.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"))
    >>> kpis = partner_target_kpis(facts)
    >>> list(kpis.columns), len(kpis) == len(facts.partners)
    (['partner_id', 'revenue_attainment'], True)
    """
    rows = targets_in_period(facts, period=period)
    rows = rows[rows["kpi"] == "revenue"]
    positions = partner_positions(facts, rows["partner_id"])
    mine = positions >= 0
    by_position = attainment(rows[mine].assign(partner_id=positions[mine]), by=["partner_id"])
    values = np.full(len(facts.partners), np.nan)
    values[by_position["partner_id"].to_numpy()] = by_position["attainment"].to_numpy()
    return pd.DataFrame({"partner_id": facts.partners["partner_id"].to_numpy(), "revenue_attainment": values})


def on_track_forecast(
    facts: Rollup, *, period: str | pd.Period | None = None, threshold: float = 1.0
) -> pd.DataFrame:
    """Linear run-rate forecast of each partner × KPI's attainment for the period.

    ``forecast`` = actual / elapsed (KPI unit), ``forecast_attainment`` =
    forecast / target (fraction), ``on_track`` = forecast_attainment ≥
    ``threshold``. When a partner has several targets of one KPI in the
    period, targets and actuals are summed and ``elapsed`` is their
    target-weighted mean.

    Parameters
    ----------
    facts
        Rolled-up program facts.
    period
        Reporting period (default: the one containing ``as_of``, the running one).
    threshold
        Forecast attainment at or above which a target is on track (fraction).

    Returns
    -------
    DataFrame
        ``partner_id, kpi, target, actual, elapsed, forecast,
        forecast_attainment, on_track``, one row per partner × KPI with a
        target in the period, sorted by both. ``forecast`` is NaN when
        nothing has elapsed or the actual is unmeasurable;
        ``forecast_attainment`` is NaN also for a zero target; ``on_track``
        is False whenever the forecast attainment is NaN.

    Raises
    ------
    ValueError
        If ``period`` is outside the rollup or a target column is missing.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"), as_of="2025-11-15")
    >>> forecast = on_track_forecast(facts)
    >>> round(float(forecast["elapsed"].iloc[0]), 3)  # 46 of Q4's 92 days
    0.5
    >>> bool((forecast["forecast"] == forecast["actual"] / forecast["elapsed"]).all())
    True
    """
    rows = targets_in_period(facts, period=period)
    out = attainment(rows, by=["partner_id", "kpi"]).drop(columns=["attainment", "targets"])
    grouped = rows.assign(_weighted=rows["elapsed"] * rows["target"]).groupby(["partner_id", "kpi"], sort=True)
    target_sum = grouped["target"].sum().to_numpy()
    safe = np.where(target_sum > 0, target_sum, 1.0)
    out["elapsed"] = np.where(target_sum > 0, grouped["_weighted"].sum().to_numpy() / safe,
                              grouped["elapsed"].mean().to_numpy())
    out["forecast"] = out["actual"] / out["elapsed"].where(out["elapsed"] > 0)
    out["forecast_attainment"] = out["forecast"] / out["target"].where(out["target"] != 0)
    out["on_track"] = (out["forecast_attainment"] >= threshold).astype(bool)
    return out.astype({"elapsed": "float64", "forecast": "float64", "forecast_attainment": "float64"})


def at_risk_partners(
    facts: Rollup, *, period: str | pd.Period | None = None, threshold: float = 0.9, kpi: str = "revenue"
) -> pd.DataFrame:
    """Partners forecast (or, for a finished period, measured) below ``threshold`` of a KPI target.

    Parameters
    ----------
    facts
        Rolled-up program facts.
    period
        Reporting period (default: the one containing ``as_of``).
    threshold
        Attainment below which a partner is at risk (fraction).
    kpi
        Target KPI to check.

    Returns
    -------
    DataFrame
        ``partner_id, kpi, target, actual, forecast, attainment, gap`` where
        ``attainment`` is the run-rate forecast attainment (the final
        attainment once the period is over, as elapsed is then 1) and
        ``gap`` = target − forecast (KPI unit), largest gap first, ties by
        ``partner_id``. Targets whose forecast attainment is NaN (zero
        target, nothing elapsed, unmeasurable KPI) are left out. Empty when
        nobody is at risk.

    Raises
    ------
    ValueError
        If ``period`` is outside the rollup or a target column is missing.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"))
    >>> risky = at_risk_partners(facts, threshold=0.9)
    >>> bool((risky["attainment"] < 0.9).all()), bool(risky["gap"].is_monotonic_decreasing)
    (True, True)
    """
    forecast = on_track_forecast(facts, period=period, threshold=threshold)
    rows = forecast[(forecast["kpi"] == kpi) & (forecast["forecast_attainment"] < threshold)]
    out = rows.assign(attainment=rows["forecast_attainment"], gap=rows["target"] - rows["forecast"])
    out = out.sort_values(["gap", "partner_id"], ascending=[False, True], kind="stable")
    return out[["partner_id", "kpi", "target", "actual", "forecast", "attainment", "gap"]].reset_index(drop=True)


def attainment_trend(facts: Rollup, *, kpi: str = "revenue", by: str | None = None) -> pd.DataFrame:
    """Attainment of one KPI per period, program-wide or per partner (or partner type).

    Each target counts in the period that contains its whole window (see the
    module docstring); attainment = Σ actual / Σ target over those targets.

    Parameters
    ----------
    facts
        Rolled-up program facts.
    kpi
        Target KPI.
    by
        ``None`` for one program-wide row per period, ``"partner_id"`` or
        ``"partner_type"`` for one row per period × group with a target.

    Returns
    -------
    DataFrame
        ``period`` (+ ``by`` column), ``target``, ``actual``, ``attainment``,
        ``targets`` (KPI unit / fraction / count). Program-wide: every period
        of ``facts.periods``, with target 0 and NaN attainment where no target
        belongs to it. Per group: only periods where the group has a target.

    Raises
    ------
    ValueError
        If ``by`` is not one of the groupings or a target column is missing.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"))
    >>> trend = attainment_trend(facts)
    >>> len(trend) == len(facts.periods), list(trend.columns)
    (True, ['period', 'target', 'actual', 'attainment', 'targets'])
    >>> list(attainment_trend(facts, by="partner_id").columns[:2])
    ['period', 'partner_id']
    """
    if by is not None and by not in _TREND_GROUPS:
        raise ValueError(f"by must be one of {_TREND_GROUPS} or None, got {by!r}")
    rows = _require(facts.target_actuals, _TARGET_COLUMNS, "target_actuals")
    rows = rows[rows["kpi"] == kpi]
    # A window lies inside period P exactly when P contains its start and P's end is on or after its end.
    period = rows["period_start"].dt.to_period(facts.freq)
    inside = rows["period_end"] <= period.dt.end_time.dt.normalize()
    rows = rows.assign(period=period)[inside & period.isin(facts.periods)]
    if by == "partner_type":
        rows = rows.assign(partner_type=rows["partner_id"].map(facts.partners.set_index("partner_id")["partner_type"]))
    if by is not None:
        return attainment(rows, by=["period", by])
    summary = attainment(rows, by=["period"]).set_index("period").reindex(facts.periods)
    summary = summary.fillna({"target": 0.0, "targets": 0}).rename_axis("period").reset_index()
    return summary.astype({"targets": "int64"})
