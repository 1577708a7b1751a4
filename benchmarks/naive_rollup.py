"""The naive pandas rollup: the scale benchmark's baseline.

This is the package's own :func:`partner_analytics.rollup` as it was before
the engine (up to commit ``e674c6d``): every table in pandas, the facts made
with groupbys, merges and a sweep for the open-pipeline snapshots. It was the
tested implementation of :class:`~partner_analytics.rollup.Rollup`, so it is
what "the naive pandas approach" means in ``benchmarks/scale.py``: the same
work as the engine's SQL rollup, done by reading everything into pandas.
``tests/test_bench_scale.py`` checks that both give equal facts.

The code is the old module's, kept as close to it as possible. Two
adaptations: the per-deal frames it used to return (closed and open deals)
are now summarised the way the engine does, with pandas groupbys (the
distributions of :attr:`~partner_analytics.rollup.Rollup.deal_stats` and
``partner_deal_stats``, the per-partner ``partner_channel_periods``); and it reads the frames :func:`scale.read_tables` returns (straight
from Parquet) instead of a validated :class:`~partner_analytics.program.Program`,
so :class:`_Tables` first gives them the program's dtypes (dates as
``datetime64[ns]``, ids and codes as ``str``, ``is_new_customer`` as nullable
``boolean``) and stands in for the program. Nothing is validated.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from partner_analytics.rollup import (
    DEAL_KPIS,
    DEAL_STAT_COLUMNS,
    FREQS,
    PARTNER_PERIOD_MEASURES,
    Rollup,
    default_windows,
    engagement_activity_for,
)
from partner_analytics.schema import TABLES

__all__ = ["naive_rollup"]

_DEAL_FILTERS = {
    # kpi: (deal filter, value column or None for a count, date column)
    "revenue": ("won", "amount", "closed_on"),
    "sourced_revenue": ("won_sourced", "amount", "closed_on"),
    "influenced_revenue": ("won_influenced", "amount", "closed_on"),
    "deals_won": ("won", None, "closed_on"),
    "new_customers": ("won_new", None, "closed_on"),
    "pipeline_created": ("all", "amount", "created_on"),
    "deals_created": ("all", None, "created_on"),
}
"""How each of :data:`~partner_analytics.rollup.DEAL_KPIS` is measured on partner deals (the old ``DEAL_KPIS``)."""

_DTYPES = {"date": "datetime64[ns]", "number": "float64", "boolean": "boolean"}
_EVENT_DATES = (("deals", "created_on"), ("deals", "closed_on"), ("engagement", "occurred_on"),
                ("surveys", "responded_on"), ("mdf", "approved_on"))


def _typed(name: str, frame: pd.DataFrame | None) -> pd.DataFrame:
    """Table ``name`` with the program's dtypes (empty with the schema columns when ``frame`` is None)."""
    columns = TABLES[name].columns
    if frame is None:
        frame = pd.DataFrame({c.name: pd.Series(dtype=object) for c in columns})
    typed = {}
    for column in columns:
        values = frame[column.name]
        if column.kind == "date":  # datetime64 of any unit, or datetime.date objects
            values = pd.to_datetime(values)
        typed[column.name] = values.astype(_DTYPES.get(column.kind, "str"))
    return pd.DataFrame(typed)


class _Tables:
    """The frames, typed, read the way the old rollup read a :class:`~partner_analytics.program.Program`.

    A table that is missing or empty is not supplied (:meth:`has` is False)
    and reads as an empty frame with the schema columns, as in a program.
    """

    def __init__(self, frames: Mapping[str, pd.DataFrame]) -> None:
        self._frames = {name: _typed(name, frames.get(name)) for name in TABLES}
        self.partners, self.deals, self.targets = (self._frames[n] for n in ("partners", "deals", "targets"))
        self.engagement, self.surveys, self.mdf = (self._frames[n] for n in ("engagement", "surveys", "mdf"))

    def has(self, name: str) -> bool:
        """True if table ``name`` has at least one row."""
        return not self._frames[name].empty

    @property
    def data_end(self) -> pd.Timestamp:
        """Latest event date in the data: the default as-of date."""
        dates = [self._frames[name][column].max() for name, column in _EVENT_DATES]
        return max(d for d in dates if pd.notna(d))


def naive_rollup(frames: Mapping[str, pd.DataFrame], *, freq: str = "Q",
                 as_of: str | pd.Timestamp | None = None) -> Rollup:
    """Compute the tidy facts of a program with plain pandas.

    Parameters
    ----------
    frames
        Table name → frame, as ``scale.read_tables`` returns them (all schema
        columns; an absent optional table may be left out).
    freq
        Period grain: ``"Q"`` (quarter) or ``"M"`` (month).
    as_of
        Last day to count (inclusive). Default: the latest event date in the data.

    Returns
    -------
    Rollup
        The facts :func:`partner_analytics.rollup` computes for the same
        program (row order aside).

    Raises
    ------
    ValueError
        If ``freq`` is not a known grain.
    """
    if freq not in FREQS:
        raise ValueError(f"freq must be one of {sorted(FREQS)}, got {freq!r}")
    freq = FREQS[freq]
    program = _Tables(frames)
    as_of = program.data_end if as_of is None else pd.Timestamp(as_of).normalize()

    partners = program.partners
    deals = program.deals
    deals = deals[deals["created_on"] <= as_of]
    closed_by = deals["closed_on"].notna() & (deals["closed_on"] <= as_of)
    deals = deals.assign(
        stage=deals["stage"].where(closed_by, "open"),
        closed_on=deals["closed_on"].where(closed_by),
        partner_type=deals["partner_id"].map(partners.set_index("partner_id")["partner_type"]),
    )
    start = deals["created_on"].min() if len(deals) else as_of
    periods = pd.period_range(start.to_period(freq), as_of.to_period(freq), freq=freq)

    closed = _closed_deals(deals, freq)
    partner_deals = deals[deals["partner_id"].notna()]
    windows = tuple(sorted({*default_windows(freq), len(periods)}))
    return Rollup(
        freq=freq,
        as_of=as_of,
        periods=periods,
        partners=_partner_dimension(partners, partner_deals),
        partner_periods=_partner_periods(partners, partner_deals, closed, periods, freq),
        channel_periods=_channel_periods(closed, periods),
        partner_channel_periods=_channel_sums(closed[closed["partner_id"].notna()], ["partner_id", "period",
                                                                                    "attribution"]),
        partner_deal_stats=_partner_deal_stats(closed),
        deal_stats=_deal_stats(closed, periods, default_windows(freq)),
        engagement=_engagement(program, as_of, freq),
        surveys=_surveys(program, as_of, freq),
        comments=_comments(program, as_of),
        mdf=_mdf(program, as_of, freq),
        target_actuals=_target_actuals(program, deals, as_of),
        available=frozenset(name for name in ("engagement", "surveys", "mdf") if program.has(name)),
        windows=windows,
    )


_DEAL_COLUMNS = ["deal_id", "partner_id", "attribution", "partner_type", "stage", "amount", "created_on", "closed_on"]


def _closed_deals(deals: pd.DataFrame, freq: str) -> pd.DataFrame:
    closed = deals.loc[deals["stage"].isin(["won", "lost"]), _DEAL_COLUMNS]
    return closed.assign(
        period=closed["closed_on"].dt.to_period(freq),
        days_to_close=(closed["closed_on"] - closed["created_on"]).dt.days.astype("float64"),
    ).reset_index(drop=True)


def _channel_sums(closed: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    won, lost = closed["stage"] == "won", closed["stage"] == "lost"
    return _sum_by(
        closed.assign(won=won.astype(float), lost=lost.astype(float), won_amount=closed["amount"].where(won, 0.0),
                      lost_amount=closed["amount"].where(lost, 0.0),
                      won_days=closed["days_to_close"].where(won, 0.0)),
        keys,
        revenue=("won_amount", "sum"),
        won_deals=("won", "sum"),
        lost_deals=("lost", "sum"),
        lost_amount=("lost_amount", "sum"),
        days_to_close_sum=("won_days", "sum"),
    )


def _channel_periods(closed: pd.DataFrame, periods: pd.PeriodIndex) -> pd.DataFrame:
    keys = ["period", "attribution"]
    grid = pd.MultiIndex.from_product([periods, ["sourced", "influenced", "direct"]], names=keys).to_frame(index=False)
    out = grid.merge(_channel_sums(closed, keys), on=keys, how="left")
    measures = ["revenue", "won_deals", "lost_deals", "lost_amount", "days_to_close_sum"]
    out[measures] = out[measures].astype("float64").fillna(0.0)
    return out


def _partner_deal_stats(closed: pd.DataFrame) -> pd.DataFrame:
    won = closed[(closed["stage"] == "won") & closed["partner_id"].notna()]
    grouped = won.groupby(["partner_id", "period"])
    return pd.DataFrame({"amount_median": grouped["amount"].median(),
                         "days_median": grouped["days_to_close"].median()}).reset_index()


def _deal_stats(closed: pd.DataFrame, periods: pd.PeriodIndex, windows: tuple[int, ...]) -> pd.DataFrame:
    """``windows`` ending at every period and the whole span ending at the last, as the engine computes them."""
    won = closed[closed["stage"] == "won"]
    partner = won["attribution"] != "direct"
    groupings = {
        "all": won[partner].assign(group="all"),
        "channel": won.assign(group=np.where(partner, "partner", "direct")),
        "attribution": won.assign(group=won["attribution"]),
        "partner_type": won[partner].assign(group=won["partner_type"]).dropna(subset=["group"]),
    }
    frames = []
    for end, length in sorted({(end, n) for end in periods for n in windows} | {(periods[-1], len(periods))}):
        for by, rows in groupings.items():
            rows = rows[(rows["period"] > end - length) & (rows["period"] <= end)]
            if rows.empty:
                continue
            grouped = rows.groupby("group")
            stats = {"n": grouped.size().astype("float64")}
            for measure, column in (("amount", "amount"), ("days", "days_to_close")):
                values = grouped[column]
                stats |= {f"{measure}_mean": values.mean(), f"{measure}_median": values.median(),
                          f"{measure}_p25": values.quantile(0.25), f"{measure}_p75": values.quantile(0.75),
                          f"{measure}_min": values.min(), f"{measure}_max": values.max()}
            frames.append(pd.DataFrame(stats).reset_index().assign(period=end, periods=length, by=by))
    out = pd.concat(frames, ignore_index=True)
    return out[DEAL_STAT_COLUMNS].sort_values(["periods", "period", "by", "group"], ignore_index=True)


def _partner_dimension(partners: pd.DataFrame, partner_deals: pd.DataFrame) -> pd.DataFrame:
    won = partner_deals[partner_deals["stage"] == "won"]

    def first(rows: pd.DataFrame, column: str) -> pd.Series:
        firsts = rows.groupby("partner_id")[column].min()
        return partners["partner_id"].map(dict(zip(firsts.index, firsts))).astype("datetime64[ns]")

    return partners.assign(
        first_deal_on=first(partner_deals, "created_on"),
        first_won_on=first(won, "closed_on"),
    ).reset_index(drop=True)


def _sum_by(frame: pd.DataFrame, keys: list[str], **measures: tuple[str, str]) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame(columns=[*keys, *measures])
    return frame.groupby(keys, observed=True, dropna=False).agg(**measures).reset_index()


def _partner_periods(
    partners: pd.DataFrame,
    partner_deals: pd.DataFrame,
    closed: pd.DataFrame,
    periods: pd.PeriodIndex,
    freq: str,
) -> pd.DataFrame:
    won = closed[(closed["stage"] == "won") & closed["partner_id"].notna()]
    lost = closed[(closed["stage"] == "lost") & closed["partner_id"].notna()]
    keys = ["partner_id", "period"]
    won_facts = _sum_by(
        won.assign(
            sourced_revenue=won["amount"].where(won["attribution"] == "sourced", 0.0),
            influenced_revenue=won["amount"].where(won["attribution"] == "influenced", 0.0),
        ),
        keys,
        sourced_revenue=("sourced_revenue", "sum"),
        influenced_revenue=("influenced_revenue", "sum"),
        revenue=("amount", "sum"),
        won_deals=("deal_id", "size"),
        days_to_close_sum=("days_to_close", "sum"),
    )
    new_logo = partner_deals["is_new_customer"].fillna(False).astype(bool) & (partner_deals["stage"] == "won")
    new_facts = _sum_by(
        partner_deals[new_logo].assign(period=lambda d: d["closed_on"].dt.to_period(freq)),
        keys,
        new_customers=("deal_id", "size"),
    )
    lost_facts = _sum_by(lost, keys, lost_deals=("deal_id", "size"), lost_amount=("amount", "sum"))
    created_facts = _sum_by(
        partner_deals.assign(period=partner_deals["created_on"].dt.to_period(freq)),
        keys,
        created_deals=("deal_id", "size"),
        pipeline_created=("amount", "sum"),
    )

    grid = pd.MultiIndex.from_product([partners["partner_id"], periods], names=keys).to_frame(index=False)
    facts = grid
    for part in (won_facts, lost_facts, created_facts, new_facts):
        facts = facts.merge(part, on=keys, how="left")
    facts = facts.join(_open_snapshots(partner_deals, periods), on=keys)
    measures = list(PARTNER_PERIOD_MEASURES)
    facts[measures] = facts[measures].astype("float64").fillna(0.0)

    attributes = partners.set_index("partner_id")
    period_start = facts["period"].dt.start_time
    period_end = facts["period"].dt.end_time.dt.normalize()
    onboarded = facts["partner_id"].map(attributes["onboarded_on"])
    churned = facts["partner_id"].map(attributes["churned_on"])
    facts["enrolled"] = (onboarded <= period_end) & ~(churned < period_start)
    for column in ("partner_type", "tier", "region"):
        facts[column] = facts["partner_id"].map(attributes[column])
    return facts[["partner_id", "period", "partner_type", "tier", "region", "enrolled", *measures]]


def _open_snapshots(partner_deals: pd.DataFrame, periods: pd.PeriodIndex) -> pd.DataFrame:
    """Count and value of deals open at each period end, per partner.

    A deal is open at ``end`` when ``created_on <= end`` and it is not closed
    by ``end``. Computed with a sweep over period ends (+1 when created, -1
    when closed), so it is linear in the number of deals.
    """
    ends = periods.end_time.normalize().to_numpy(dtype="datetime64[ns]")
    never = ends[-1] + np.timedelta64(1, "D")  # open at as_of: closes after the last period end
    opened_idx = np.searchsorted(ends, partner_deals["created_on"].to_numpy(dtype="datetime64[ns]"))
    closed_idx = np.searchsorted(ends, partner_deals["closed_on"].fillna(never).to_numpy(dtype="datetime64[ns]"))
    n = len(periods)
    events = pd.DataFrame(
        {
            "partner_id": np.concatenate([partner_deals["partner_id"].to_numpy(), partner_deals["partner_id"].to_numpy()]),
            "idx": np.concatenate([opened_idx, closed_idx]),
            "open_deals": np.concatenate([np.ones(len(partner_deals)), -np.ones(len(partner_deals))]),
            "open_pipeline": np.concatenate([partner_deals["amount"].to_numpy(), -partner_deals["amount"].to_numpy()]),
        }
    )
    events = events[events["idx"] < n]
    if events.empty:
        return pd.DataFrame(columns=["open_deals", "open_pipeline"],
                            index=pd.MultiIndex.from_arrays([[], pd.PeriodIndex([], freq=periods.freq)],
                                                            names=["partner_id", "period"]))
    steps = events.groupby(["partner_id", "idx"]).sum()
    full = pd.MultiIndex.from_product([steps.index.get_level_values(0).unique(), range(n)], names=["partner_id", "idx"])
    running = steps.reindex(full, fill_value=0.0).groupby(level="partner_id").cumsum()
    running.index = running.index.set_levels(periods, level="idx").set_names("period", level="idx")
    return running.round(6)


def _engagement(program: _Tables, as_of: pd.Timestamp, freq: str) -> pd.DataFrame:
    rows = program.engagement
    rows = rows[rows["occurred_on"] <= as_of]
    facts = _sum_by(
        rows.assign(period=rows["occurred_on"].dt.to_period(freq)),
        ["partner_id", "period", "activity"],
        quantity=("quantity", "sum"),
    )
    return facts.astype({"quantity": "float64"})


def _surveys(program: _Tables, as_of: pd.Timestamp, freq: str) -> pd.DataFrame:
    rows = program.surveys
    rows = rows[rows["responded_on"] <= as_of]
    on_ten = rows["scale_max"] == 10
    facts = _sum_by(
        rows.assign(
            period=rows["responded_on"].dt.to_period(freq),
            score_pct=rows["score"] / rows["scale_max"],
            promoter=(on_ten & (rows["score"] >= 9)).astype(float),
            passive=(on_ten & rows["score"].between(7, 8.999)).astype(float),
            detractor=(on_ten & (rows["score"] <= 6)).astype(float),
        ),
        ["partner_id", "period", "survey"],
        responses=("score", "size"),
        score_sum=("score", "sum"),
        score_pct_sum=("score_pct", "sum"),
        promoters=("promoter", "sum"),
        passives=("passive", "sum"),
        detractors=("detractor", "sum"),
    )
    measures = ["responses", "score_sum", "score_pct_sum", "promoters", "passives", "detractors"]
    return facts.astype(dict.fromkeys(measures, "float64"))


def _comments(program: _Tables, as_of: pd.Timestamp) -> pd.DataFrame:
    rows = program.surveys
    keep = rows["comment"].notna() & (rows["responded_on"] <= as_of)
    columns = ["partner_id", "responded_on", "survey", "score", "scale_max", "comment"]
    return rows.loc[keep, columns].reset_index(drop=True)


def _mdf(program: _Tables, as_of: pd.Timestamp, freq: str) -> pd.DataFrame:
    rows = program.mdf
    rows = rows[rows["approved_on"] <= as_of]
    facts = _sum_by(
        rows.assign(period=rows["approved_on"].dt.to_period(freq)),
        ["partner_id", "period"],
        funds=("fund_id", "size"),
        amount_approved=("amount_approved", "sum"),
        amount_claimed=("amount_claimed", "sum"),
        attributed_revenue=("attributed_revenue", "sum"),
    )
    measures = ["funds", "amount_approved", "amount_claimed", "attributed_revenue"]
    return facts.astype(dict.fromkeys(measures, "float64"))


def _kpi_events(program: _Tables, deals: pd.DataFrame, kpi: str) -> pd.DataFrame | None:
    """Rows (partner_id, date, value) whose sum over a window is the KPI's actual."""
    if kpi in DEAL_KPIS:
        which, value, date = _DEAL_FILTERS[kpi]
        partner_deals = deals[deals["partner_id"].notna()]
        won = partner_deals["stage"] == "won"
        mask = {
            "won": won,
            "won_sourced": won & (partner_deals["attribution"] == "sourced"),
            "won_influenced": won & (partner_deals["attribution"] == "influenced"),
            "won_new": won & partner_deals["is_new_customer"].fillna(False).astype(bool),
            "all": pd.Series(True, index=partner_deals.index),
        }[which]
        rows = partner_deals[mask]
        values = rows[value] if value else pd.Series(1.0, index=rows.index)
        return pd.DataFrame({"partner_id": rows["partner_id"], "date": rows[date], "value": values.astype(float)})
    engagement = program.engagement
    activity = engagement_activity_for(kpi, set(engagement["activity"].unique()))
    if activity is None:
        return None
    rows = engagement[engagement["activity"] == activity]
    return pd.DataFrame({"partner_id": rows["partner_id"], "date": rows["occurred_on"], "value": rows["quantity"]})


def _target_actuals(program: _Tables, deals: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    targets = program.targets[["partner_id", "kpi", "period_start", "period_end", "target"]]
    window_end = targets["period_end"].where(targets["period_end"] < as_of, as_of)
    span = (targets["period_end"] - targets["period_start"]).dt.days + 1
    elapsed = ((window_end - targets["period_start"]).dt.days + 1).clip(lower=0) / span
    out = targets.assign(actual=np.nan, elapsed=elapsed.clip(0, 1).astype("float64"))
    for kpi, group in targets.groupby("kpi"):
        events = _kpi_events(program, deals, kpi)
        if events is None:
            continue
        events = events[events["date"] <= as_of]
        before = _cumulative_at(events, group["partner_id"], group["period_start"] - pd.Timedelta(days=1))
        through = _cumulative_at(events, group["partner_id"], window_end[group.index])
        actual = through - before
        out.loc[group.index, "actual"] = np.where(group["period_start"] > as_of, 0.0, actual)
    return out.reset_index(drop=True)


def _cumulative_at(events: pd.DataFrame, partner_ids: pd.Series, dates: pd.Series) -> np.ndarray:
    """Sum of event values per partner up to and including each date."""
    daily = events.groupby(["partner_id", "date"], as_index=False)["value"].sum().sort_values("date")
    daily["cumulative"] = daily.groupby("partner_id")["value"].cumsum()
    probes = pd.DataFrame({"partner_id": partner_ids.array, "date": dates.to_numpy(), "order": range(len(dates))})
    matched = pd.merge_asof(
        probes.sort_values("date"),
        daily[["partner_id", "date", "cumulative"]],
        on="date",
        by="partner_id",
        direction="backward",
    ).sort_values("order")
    return matched["cumulative"].fillna(0.0).to_numpy()
