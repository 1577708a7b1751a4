"""Target attainment: SMART targets per partner, KPI and period.

Formulas
--------
* **Attainment** of a group of targets = Σ actual / Σ target (fraction;
  1.0 = target met). Never the mean of per-target ratios, which would let a
  tiny target dominate. NaN when Σ target is 0 or any actual in the group is
  unmeasurable (NaN: a KPI the data cannot count).
* A target **belongs to** a reporting period when its window lies inside the
  period (``period_start >= period start`` and ``period_end <= period end``);
  quarterly targets and a quarterly period match exactly, and a yearly
  target belongs to the year only.
* **Run-rate forecast** for a running target = actual / elapsed, where
  elapsed is the share of the target window passed at ``as_of`` (0..1);
  NaN when nothing has elapsed. ``forecast_attainment`` = forecast / target.

Actual values come from ``Rollup.target_actuals`` (measured from
``period_start`` to ``min(period_end, as_of)``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from ..rollup import Rollup
from .checks import require_columns as _require
from .checks import resolve_period as _period

__all__ = [
    "attainment",
    "targets_in_period",
    "partner_target_kpis",
    "on_track_forecast",
    "at_risk_partners",
    "attainment_trend",
]

_TARGET_COLUMNS = ["partner_id", "kpi", "period_start", "period_end", "target", "actual", "elapsed"]


def attainment(target_actuals: pd.DataFrame, *, by: Sequence[str] = ("partner_id", "kpi")) -> pd.DataFrame:
    """Σ actual / Σ target per group.

    Parameters
    ----------
    target_actuals
        Rows with ``target`` and ``actual`` (e.g. ``Rollup.target_actuals``).
    by
        Grouping columns; empty for one program-wide row.

    Returns
    -------
    DataFrame
        ``by`` columns, ``target``, ``actual`` (sums; ``actual`` NaN when any
        actual in the group is NaN), ``attainment`` (fraction, NaN when the
        target sum is 0 or the actual is NaN), ``targets`` (count).

    Examples
    --------
    >>> rows = pd.DataFrame({"partner_id": ["A", "A", "B"], "kpi": "revenue",
    ...                      "target": [100.0, 300.0, 0.0], "actual": [50.0, 350.0, 10.0]})
    >>> attainment(rows)
      partner_id      kpi  target  actual  attainment  targets
    0          A  revenue   400.0   400.0         1.0        2
    1          B  revenue     0.0    10.0         NaN        1
    """
    by = list(by)
    _require(target_actuals, [*by, "target", "actual"], "target_actuals")
    frame = target_actuals.assign(_key=0) if not by else target_actuals
    keys = by or ["_key"]
    grouped = frame.groupby(keys, sort=True, observed=True, dropna=False)
    out = pd.DataFrame({
        "target": grouped["target"].sum(),
        "actual": grouped["actual"].sum(min_count=1).where(~grouped["actual"].apply(lambda s: s.isna().any())),
        "targets": grouped["target"].size(),
    })
    out["attainment"] = out["actual"] / out["target"].where(out["target"] != 0)
    out = out[["target", "actual", "attainment", "targets"]].reset_index()
    if not by:
        out = out.drop(columns="_key")
    return out.astype({"target": "float64", "actual": "float64", "attainment": "float64", "targets": "int64"})


def targets_in_period(facts: Rollup, *, period: str | pd.Period | None = None) -> pd.DataFrame:
    """Targets whose window lies inside ``period`` (see the module docstring).

    Returns
    -------
    DataFrame
        The matching rows of ``facts.target_actuals`` (same columns).
    """
    period = _period(facts, period)
    rows = _require(facts.target_actuals, _TARGET_COLUMNS, "target_actuals")
    start, end = period.start_time, period.end_time.normalize()
    inside = (rows["period_start"] >= start) & (rows["period_end"] <= end)
    return rows[inside].reset_index(drop=True)


def partner_target_kpis(facts: Rollup, *, period: str | pd.Period | None = None) -> pd.DataFrame:
    """Revenue attainment per partner for the KPI table.

    Returns
    -------
    DataFrame
        ``partner_id``, ``revenue_attainment`` (Σ actual / Σ target over the
        partner's ``revenue`` targets in the period; NaN without such a target
        or with a zero target), one row per partner of ``facts.partners``.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> facts = pa.rollup(pa.load_program("sample"))
    >>> kpis = partner_target_kpis(facts)
    >>> list(kpis.columns), len(kpis) == len(facts.partners)
    (['partner_id', 'revenue_attainment'], True)
    """
    rows = targets_in_period(facts, period=period)
    revenue = attainment(rows[rows["kpi"] == "revenue"], by=["partner_id"]).set_index("partner_id")["attainment"]
    ids = facts.partners["partner_id"]
    return pd.DataFrame({"partner_id": ids.to_numpy(), "revenue_attainment": ids.map(revenue).astype("float64").to_numpy()})


def on_track_forecast(
    facts: Rollup, *, period: str | pd.Period | None = None, threshold: float = 1.0
) -> pd.DataFrame:
    """Run-rate forecast of each partner × KPI's attainment for the period.

    Parameters
    ----------
    facts
        Rolled-up program facts.
    period
        Reporting period (default: the one containing ``as_of``).
    threshold
        Forecast attainment at or above which a target is on track.

    Returns
    -------
    DataFrame
        ``partner_id, kpi, target, actual, elapsed, forecast, forecast_attainment, on_track``
        per partner and KPI (targets summed; elapsed weighted by target).
        ``forecast`` = actual / elapsed (NaN when elapsed is 0);
        ``forecast_attainment`` = forecast / target (NaN for a zero target);
        ``on_track`` is False when the forecast is NaN.
    """
    rows = targets_in_period(facts, period=period)
    weighted = rows.assign(_weighted=rows["elapsed"] * rows["target"])
    grouped = weighted.groupby(["partner_id", "kpi"], sort=True)
    out = attainment(rows, by=["partner_id", "kpi"]).drop(columns=["attainment", "targets"])
    target_sum = grouped["target"].sum().to_numpy()
    elapsed = np.where(target_sum > 0, grouped["_weighted"].sum().to_numpy() / np.where(target_sum > 0, target_sum, 1),
                       grouped["elapsed"].mean().to_numpy())
    out["elapsed"] = elapsed
    out["forecast"] = out["actual"] / out["elapsed"].where(out["elapsed"] > 0)
    out["forecast_attainment"] = out["forecast"] / out["target"].where(out["target"] != 0)
    out["on_track"] = (out["forecast_attainment"] >= threshold).fillna(False).astype(bool)
    return out


def at_risk_partners(
    facts: Rollup, *, period: str | pd.Period | None = None, threshold: float = 0.9, kpi: str = "revenue"
) -> pd.DataFrame:
    """Partners forecast (or, for a finished period, measured) below ``threshold`` of a KPI target.

    Returns
    -------
    DataFrame
        ``partner_id, kpi, target, actual, forecast, attainment, gap`` where
        ``attainment`` is the forecast attainment (equal to the final one once
        the period is over) and ``gap`` = target − forecast (in the KPI's
        unit), largest gap first. Targets whose forecast is NaN are left out.
    """
    forecast = on_track_forecast(facts, period=period, threshold=threshold)
    rows = forecast[(forecast["kpi"] == kpi) & (forecast["forecast_attainment"] < threshold)]
    out = rows.assign(attainment=rows["forecast_attainment"], gap=rows["target"] - rows["forecast"])
    out = out.sort_values(["gap", "partner_id"], ascending=[False, True])
    return out[["partner_id", "kpi", "target", "actual", "forecast", "attainment", "gap"]].reset_index(drop=True)


def attainment_trend(facts: Rollup, *, kpi: str = "revenue") -> pd.DataFrame:
    """Program-wide attainment of one KPI per period (targets that belong to each period).

    Returns
    -------
    DataFrame
        ``period, target, actual, attainment, targets`` for every period of
        ``facts.periods`` (NaN attainment where no target belongs to it).
    """
    rows = []
    for period in facts.periods:
        in_period = targets_in_period(facts, period=period)
        summary = attainment(in_period[in_period["kpi"] == kpi], by=[])
        row = summary.iloc[0].to_dict() if len(summary) else {"target": 0.0, "actual": np.nan,
                                                               "attainment": np.nan, "targets": 0}
        rows.append({"period": period, **row})
    return pd.DataFrame(rows).astype({"target": "float64", "actual": "float64", "attainment": "float64",
                                      "targets": "int64"})
