"""The model behind the embedded sample: latent partner drivers and one generator per table.

The sample is a synthetic but realistic channel programme: 150 partners of the
five default types, four calendar years of partner and direct deals
(:data:`SAMPLE_START` to :data:`SAMPLE_AS_OF`), quarterly targets, monthly
engagement, PSAT / NPS / CSAT surveys and MDF funds. One latent *quality* per
partner (lognormal, so revenue is heavy-tailed) drives deal volume, deal size,
win rate and tier; engagement propensity and satisfaction are correlated with
it, with noise, so the analyses have something true to find.

Everything is drawn from ``numpy.random.default_rng(seed)`` (one spawned
sub-stream per table) and fully vectorised, so the same seed always gives the
same program and a program of ~1,000,000 deals takes seconds. The values'
vocabulary (names, regions, products, activities, comments) is in
:mod:`partner_analytics.sample_vocabulary`; writing and finding the shipped CSV
files is :mod:`partner_analytics.sample`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .sample_calendar import (
    AS_OF_DAY,
    DAYS_PER_MONTH,
    SAMPLE_AS_OF,
    SAMPLE_START,
    START_DAY,
    as_dates,
    as_labels,
    day_number,
    expit,
    flow_months,
    growth_days,
    make_ids,
    month_index,
    month_starts,
    split_counts,
)
from .sample_vocabulary import (
    ACTIVITIES,
    ACTIVITY_RATE,
    ACTIVITY_TYPE_FACTOR,
    CERTIFICATION,
    COMMENTS,
    PRODUCT_SHARE,
    PRODUCT_SIZE,
    PRODUCTS,
    TIER_SHARE,
    TIERS,
    company_names,
    pick,
    regions_and_countries,
)
from .schema import ATTRIBUTIONS, DEAL_STAGES, PARTNER_TYPES, SURVEY_KINDS, TABLES

__all__ = ["SAMPLE_SEED", "SAMPLE_START", "SAMPLE_AS_OF", "generate_sample"]

SAMPLE_SEED = 20251231
"""Seed of the shipped sample."""

_QUALITY_SIGMA = 0.9  # lognormal sigma of partner quality: the revenue tail
_COUNT_POWER, _SIZE_POWER = 0.65, 0.25  # quality -> deals per month, deal size
_DEALS_PER_MONTH = 2.1  # mean for an average-quality partner of an average type
_DIRECT_RATIO = 0.45  # direct deals per partner deal
_AMOUNT_SIGMA = 0.9
_TARGET_SHARE = 0.75  # revenue targets as a share of expected revenue
_MAX_DAYS_TO_CLOSE = 180  # so open deals are at most ~6 months old
_NEVER_ACTIVE, _CHURNED = 0.10, 0.06  # shares of partners

# share of partners, deals per active month (relative), median deal size,
# share of deals sourced (rest influenced), days-to-close factor, MDF funds per year, median fund
_TYPE_PARAMS = {
    "reseller": (0.34, 1.0, 18_000, 0.80, 1.00, 0.6, 8_000),
    "referral": (0.24, 0.8, 14_000, 0.92, 1.15, 0.15, 3_000),
    "technology": (0.16, 0.6, 26_000, 0.30, 1.20, 0.35, 10_000),
    "msp": (0.16, 1.1, 9_000, 0.75, 0.85, 0.4, 6_000),
    "distributor": (0.10, 1.6, 45_000, 0.70, 0.90, 1.2, 25_000),
}
_TYPES = np.array(PARTNER_TYPES)
_TYPE_SHARE, _TYPE_RATE, _TYPE_SIZE, _TYPE_SOURCED, _TYPE_DTC, _TYPE_FUNDS, _TYPE_FUND_SIZE = (
    np.array([_TYPE_PARAMS[t][k] for t in PARTNER_TYPES], dtype=float) for k in range(7)
)

_TABLE_NAMES = ("partners", "deals", "targets", "engagement", "surveys", "mdf")


@dataclass(frozen=True)
class _Latent:
    """Hidden per-partner drivers shared by every table (arrays of length n)."""

    ids: np.ndarray
    type_index: np.ndarray
    z: np.ndarray  # standardised log quality
    onboarded: np.ndarray  # day numbers
    churned: np.ndarray  # day number, -1 if active
    active: np.ndarray  # ever generates deals
    start: np.ndarray  # first day of the sample window the partner is enrolled
    end: np.ndarray  # last such day
    deal_rate: np.ndarray  # expected deals per month at average growth
    deal_size: np.ndarray  # median deal size
    win: np.ndarray  # win probability
    engagement: np.ndarray  # engagement propensity (1 = average)
    satisfaction: np.ndarray  # standardised latent satisfaction
    tier: np.ndarray  # index into TIERS


def generate_sample(*, seed: int = SAMPLE_SEED, n_partners: int = 150) -> dict[str, pd.DataFrame]:
    """Generate a synthetic partner program.

    Parameters
    ----------
    seed
        Seed of ``numpy.random.default_rng``; the default gives the shipped sample.
    n_partners
        Number of partners (at least 1). Deals grow in proportion: about 100
        deals (partner and direct) per partner.

    Returns
    -------
    dict of str to DataFrame
        One frame per table of :data:`partner_analytics.schema.TABLES`, with
        exactly its columns in order: ids and text as strings, dates as
        ``datetime64``, numbers as floats, ``is_new_customer`` as ``boolean``.
        The same arguments always give the same frames.

    Raises
    ------
    ValueError
        If ``n_partners`` is below 1.

    Examples
    --------
    >>> program = generate_sample(n_partners=20)
    >>> list(program)
    ['partners', 'deals', 'targets', 'engagement', 'surveys', 'mdf']
    >>> len(program["partners"])
    20
    """
    if n_partners < 1:
        raise ValueError(f"n_partners must be at least 1, got {n_partners}")
    streams = dict(zip(_TABLE_NAMES, np.random.default_rng(seed).spawn(len(_TABLE_NAMES))))
    partners, latent = _partners(streams["partners"], n_partners)
    deals = _deals(streams["deals"], latent)
    frames = {
        "partners": partners,
        "deals": deals,
        "targets": _targets(streams["targets"], latent),
        "engagement": _engagement(streams["engagement"], latent),
        "surveys": _surveys(streams["surveys"], latent, deals),
        "mdf": _mdf(streams["mdf"], latent),
    }
    return {name: frame[TABLES[name].column_names] for name, frame in frames.items()}


# ---------------------------------------------------------------------------
# partners


def _onboarding(rng: np.random.Generator, n: int) -> np.ndarray:
    """Onboarding days in cohorts 2019-2025 (the 2025 cohort up to end of October)."""
    years = np.arange(2019, 2026)
    year = rng.choice(years, size=n, p=np.array([10, 12, 14, 17, 17, 16, 14]) / 100)
    first = (year - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)
    last = np.where(year == 2025, day_number("2025-10-31"), first + 364)
    return first + np.floor(rng.random(n) * (last - first + 1)).astype(np.int64)


def _choose(rng: np.random.Generator, weights: np.ndarray, share: float) -> np.ndarray:
    """Boolean mask of ``round(share * eligible)`` partners drawn with ``weights`` (0 = not eligible)."""
    mask = np.zeros(len(weights), dtype=bool)
    k = min(int(round(share * len(weights))), int(np.count_nonzero(weights)))
    if k:
        mask[rng.choice(len(weights), size=k, replace=False, p=weights / weights.sum())] = True
    return mask


def _partners(rng: np.random.Generator, n: int) -> tuple[pd.DataFrame, _Latent]:
    type_index = rng.permutation(np.repeat(np.arange(len(_TYPES)), split_counts(_TYPE_SHARE, n)))
    z = rng.standard_normal(n)
    onboarded = _onboarding(rng, n)
    recent = onboarded >= day_number("2024-07-01")
    active = ~_choose(rng, np.exp(-0.8 * z) * (1 + 2 * recent), _NEVER_ACTIVE)

    can_churn = onboarded <= AS_OF_DAY - 240
    churn_mask = _choose(rng, np.exp(-0.7 * z) * can_churn, _CHURNED)
    churn_lo = np.maximum(onboarded + 120, START_DAY + 90)
    churn_day = churn_lo + np.floor(rng.random(n) * np.maximum(AS_OF_DAY - 30 - churn_lo, 1)).astype(np.int64)
    churned = np.where(churn_mask, churn_day, -1)

    quality = np.exp(_QUALITY_SIGMA * z)
    mean_power = np.exp((_COUNT_POWER * _QUALITY_SIGMA) ** 2 / 2)  # E[quality ** _COUNT_POWER]
    type_rate = _TYPE_RATE[type_index] / (_TYPE_RATE @ _TYPE_SHARE)
    deal_rate = _DEALS_PER_MONTH * type_rate * quality**_COUNT_POWER / mean_power
    deal_size = _TYPE_SIZE[type_index] * quality**_SIZE_POWER
    win = expit(np.log(0.36 / 0.64) + 0.3 * z + 0.35 * rng.standard_normal(n))
    engagement = np.exp(0.4 * z + 0.8 * rng.standard_normal(n) - 1.0 * ~active)
    satisfaction = 0.55 * z + np.sqrt(1 - 0.55**2) * rng.standard_normal(n)

    performance = np.log(deal_rate * deal_size * win) + 0.5 * rng.standard_normal(n)
    performance[~active | (onboarded > AS_OF_DAY - 180)] = -np.inf
    rank = np.empty(n, dtype=np.int64)
    rank[np.argsort(-performance, kind="stable")] = np.arange(n)
    tier = np.searchsorted(np.cumsum(split_counts(np.array(TIER_SHARE), n)), rank, side="right")

    region, country = regions_and_countries(rng, n)
    ids = np.asarray(make_ids("P", n, 4), dtype=object)
    latent = _Latent(
        ids=ids, type_index=type_index, z=z, onboarded=onboarded, churned=churned, active=active,
        start=np.maximum(onboarded, START_DAY), end=np.where(churn_mask, churned, AS_OF_DAY),
        deal_rate=deal_rate, deal_size=deal_size, win=win, engagement=engagement,
        satisfaction=satisfaction, tier=tier,
    )
    names = company_names(rng, n)
    frame = pd.DataFrame({
        "partner_id": ids,
        "partner_name": names,
        "partner_type": as_labels(_TYPES, type_index),
        "tier": as_labels(TIERS, tier),
        "region": region,
        "country": country,
        "onboarded_on": as_dates(onboarded),
        "churned_on": as_dates(churned),
        "contact_email": [f"reports@{re.sub(r'[^a-z0-9]+', '-', name.lower()).strip('-')}.example" for name in names],
    })
    return frame, latent


# ---------------------------------------------------------------------------
# deals


def _deals(rng: np.random.Generator, lat: _Latent) -> pd.DataFrame:
    expected = np.where(lat.active, lat.deal_rate * flow_months(lat.start, lat.end), 0.0)
    owner = np.repeat(np.arange(len(lat.ids)), rng.poisson(expected))
    n_partner = len(owner)
    n_direct = int(rng.poisson(_DIRECT_RATIO * expected.sum()))
    n = n_partner + n_direct

    first = np.concatenate([lat.start[owner], np.full(n_direct, START_DAY)])
    last = np.concatenate([lat.end[owner], np.full(n_direct, AS_OF_DAY)])
    created = growth_days(rng.random(n), first, last)

    median_days = np.concatenate([44 * _TYPE_DTC[lat.type_index[owner]], np.full(n_direct, 72.0)])
    days = np.clip(np.round(median_days * np.exp(0.6 * rng.standard_normal(n))), 3, _MAX_DAYS_TO_CLOSE)
    closed = created + days.astype(np.int64)
    win = np.concatenate([lat.win[owner], np.full(n_direct, 0.30)])
    stage = np.where(rng.random(n) < win, 1, 2)  # codes into DEAL_STAGES
    cut_off = closed > last  # the partner churned, or the deal is still open at as-of
    churn_lost = cut_off & (last < AS_OF_DAY)
    stage[churn_lost] = 2
    closed[churn_lost] = last[churn_lost]
    still_open = cut_off & ~churn_lost
    stage[still_open] = 0
    closed[still_open] = -1

    product = rng.choice(len(PRODUCTS), size=n, p=PRODUCT_SHARE)
    size = np.concatenate([lat.deal_size[owner], np.full(n_direct, 30_000.0)])
    amount = size * PRODUCT_SIZE[product] * np.exp(_AMOUNT_SIGMA * rng.standard_normal(n))
    amount = np.maximum(np.round(amount, -1), 250.0)

    sourced = rng.random(n_partner) < _TYPE_SOURCED[lat.type_index[owner]]
    attribution = np.concatenate([np.where(sourced, 0, 1), np.full(n_direct, 2)])  # codes into ATTRIBUTIONS
    partner = np.concatenate([owner, np.full(n_direct, -1)])
    customer, is_new = _customers(rng, owner, n_direct, created, closed, stage == 1)

    order = np.lexsort((rng.random(n), created))
    customer_codes = pd.factorize(customer[order])[0]
    return pd.DataFrame({
        "deal_id": make_ids("D", n, 6),
        "partner_id": as_labels(lat.ids, partner[order]),
        "attribution": as_labels(ATTRIBUTIONS, attribution[order]),
        "created_on": as_dates(created[order]),
        "closed_on": as_dates(closed[order]),
        "stage": as_labels(DEAL_STAGES, stage[order]),
        "amount": amount[order],
        "product": as_labels(PRODUCTS, product[order]),
        "customer_id": make_ids("C", int(customer_codes.max(initial=-1)) + 1, 5).take(customer_codes),
        "is_new_customer": pd.array(is_new[order], dtype="boolean"),
    })


def _customers(
    rng: np.random.Generator, owner: np.ndarray, n_direct: int, created: np.ndarray, closed: np.ndarray,
    won: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Customer keys (a pool per partner plus a direct pool) and the new-logo flag.

    A deal brings a new logo unless its customer is a legacy account or had
    already won a deal before this one was created.
    """
    per_partner = np.bincount(owner, minlength=int(owner.max(initial=-1)) + 1)
    pool = np.maximum(np.round(per_partner * 0.6), 1).astype(np.int64)
    offset = np.concatenate([[0], np.cumsum(pool)])
    direct_pool = max(int(round(n_direct * 0.7)), 1)
    u = rng.random(len(owner) + n_direct)
    key = np.concatenate([
        offset[owner] + np.floor(u[: len(owner)] * pool[owner]).astype(np.int64),
        offset[-1] + np.floor(u[len(owner):] * direct_pool).astype(np.int64),
    ])
    n_keys = int(offset[-1]) + direct_pool
    legacy = rng.random(n_keys) < 0.12
    first_won = np.full(n_keys, np.iinfo(np.int64).max)
    np.minimum.at(first_won, key, np.where(won, closed, np.iinfo(np.int64).max))
    return key, (created <= first_won[key]) & ~legacy[key]


# ---------------------------------------------------------------------------
# targets


def _periods(freq: str) -> tuple[np.ndarray, np.ndarray]:
    """First and last day numbers of each quarter (``Q``) or year (``Y``) of 2023-2025."""
    step = {"Q": 3, "Y": 12}[freq]
    months = np.arange(np.datetime64("2023-01"), np.datetime64("2026-01"), step)
    first = months.astype("datetime64[D]").astype(np.int64)
    last = (months + step).astype("datetime64[D]").astype(np.int64) - 1
    return first, last


def _target_rows(lat: _Latent, freq: str, kpi: str, who: np.ndarray) -> pd.DataFrame:
    """Partner x period rows for partners ``who`` enrolled at the period start."""
    first, last = _periods(freq)
    p, k = np.nonzero(who[:, None] & (lat.onboarded[:, None] <= first) &
                      ((lat.churned[:, None] < 0) | (lat.churned[:, None] >= first)))
    return pd.DataFrame({"p": p, "first": first[k], "last": last[k], "kpi": kpi})


def _targets(rng: np.random.Generator, lat: _Latent) -> pd.DataFrame:
    n = len(lat.ids)
    types = _TYPES[lat.type_index]
    rows = pd.concat([
        _target_rows(lat, "Q", "revenue", np.ones(n, dtype=bool)),
        _target_rows(lat, "Q", "deals_won", np.isin(types, ["reseller", "referral"])),
        _target_rows(lat, "Y", "certifications", np.isin(types, ["technology", "msp"])),
    ], ignore_index=True)
    p, first, last = rows["p"].to_numpy(), rows["first"].to_numpy(), rows["last"].to_numpy()
    mean_amount = (PRODUCT_SHARE @ PRODUCT_SIZE) * np.exp(_AMOUNT_SIGMA**2 / 2)
    won = lat.deal_rate[p] * lat.win[p] * flow_months(first, last)
    certifications = (ACTIVITY_RATE[CERTIFICATION] * lat.engagement[p] * 12
                      * ACTIVITY_TYPE_FACTOR[lat.type_index[p], CERTIFICATION])
    noise = np.exp(0.25 * rng.standard_normal(len(rows)))
    kpi = rows["kpi"].to_numpy()
    # a few large deals make up much of the expected revenue, so a fair target sits below it
    revenue = _TARGET_SHARE * won * lat.deal_size[p] * mean_amount
    target = np.select(
        [kpi == "revenue", kpi == "deals_won"],
        [np.maximum(np.round(revenue * noise, -3), 1000.0),
         np.maximum(np.round(won * noise), 1.0)],
        np.maximum(np.round(certifications * noise), 1.0),
    )
    order = np.lexsort((first, kpi, p))
    return pd.DataFrame({
        "partner_id": as_labels(lat.ids, p[order]),
        "kpi": pd.array(kpi[order], dtype="str"),
        "period_start": as_dates(first[order]),
        "period_end": as_dates(last[order]),
        "target": target[order],
    })


# ---------------------------------------------------------------------------
# engagement


def _engagement(rng: np.random.Generator, lat: _Latent) -> pd.DataFrame:
    starts = month_starts()
    month = np.arange(len(starts))
    enrolled = (month_index(lat.start)[:, None] <= month) & (month <= month_index(lat.end)[:, None])
    months_left = (lat.end[:, None] - starts) / DAYS_PER_MONTH
    fading = np.where(lat.churned[:, None] >= 0, np.clip(months_left / 6, 0.2, 1.0), 1.0)
    busy = rng.gamma(2.0, 0.5, size=enrolled.shape)
    level = lat.engagement[:, None] * fading * busy * enrolled  # partner x month
    rate = ACTIVITY_RATE * ACTIVITY_TYPE_FACTOR[lat.type_index]  # partner x activity
    quantity = rng.poisson(level[:, :, None] * rate[:, None, :])
    p, m, a = np.nonzero(quantity)
    counts = quantity[p, m, a]

    joined = np.flatnonzero(lat.onboarded >= START_DAY)  # program_enrolment in the onboarding month
    p = np.concatenate([p, joined])
    m = np.concatenate([m, month_index(lat.onboarded[joined])])
    a = np.concatenate([a + 1, np.zeros(len(joined), dtype=np.int64)])
    counts = np.concatenate([counts, np.ones(len(joined), dtype=counts.dtype)])
    order = np.lexsort((a, m, p))
    return pd.DataFrame({
        "partner_id": as_labels(lat.ids, p[order]),
        "occurred_on": as_dates(starts[m[order]]),
        "activity": as_labels(ACTIVITIES, a[order]),
        "quantity": counts[order].astype(float),
    })


# ---------------------------------------------------------------------------
# surveys


def _survey_waves(
    rng: np.random.Generator, lat: _Latent, wave_days: np.ndarray, rate: float
) -> tuple[np.ndarray, np.ndarray]:
    """Partners answering each survey wave: (partner index, response day) of each response.

    A partner enrolled on the response day answers with probability about
    ``rate``, more often when engaged.
    """
    day = wave_days[None, :] + rng.integers(0, 21, size=(len(lat.ids), len(wave_days)))
    enrolled = (lat.onboarded[:, None] <= day) & ((lat.churned[:, None] < 0) | (day < lat.churned[:, None]))
    answer = rng.random(day.shape) < expit(np.log(rate / (1 - rate)) + 0.5 * np.log(lat.engagement))[:, None]
    p, w = np.nonzero(enrolled & answer & (day <= AS_OF_DAY))
    return p, day[p, w]


def _comments(rng: np.random.Generator, score: np.ndarray, low: np.ndarray, high: np.ndarray, who: str) -> np.ndarray:
    comment = np.full(len(score), None, dtype=object)
    bad = low & (rng.random(len(score)) < 0.55)
    good = high & (rng.random(len(score)) < 0.2)
    comment[bad] = pick(rng, COMMENTS[(who, "low")], int(bad.sum()))
    comment[good] = pick(rng, COMMENTS[(who, "high")], int(good.sum()))
    return comment


def _surveys(rng: np.random.Generator, lat: _Latent, deals: pd.DataFrame) -> pd.DataFrame:
    years = np.arange(np.datetime64("2022", "Y"), np.datetime64("2026", "Y"))
    year_start = years.astype("datetime64[D]").astype(np.int64)
    psat_waves = np.sort(np.concatenate([year_start + 151, year_start + 334]))  # ~1 June and ~1 December
    p1, d1 = _survey_waves(rng, lat, psat_waves, 0.55)
    psat = np.clip(np.round(3.7 + 0.75 * lat.satisfaction[p1] + 0.75 * rng.standard_normal(len(p1))), 1, 5)
    p2, d2 = _survey_waves(rng, lat, year_start + 273, 0.5)  # ~1 October
    nps = np.clip(np.round(7.8 + 1.5 * lat.satisfaction[p2] + 1.4 * rng.standard_normal(len(p2))), 0, 10)

    won = deals[(deals["stage"] == "won") & deals["partner_id"].notna()]
    won = won[rng.random(len(won)) < 0.2]
    d3 = _days_of(won["closed_on"]) + rng.integers(3, 31, size=len(won))
    won, d3 = won[d3 <= AS_OF_DAY], d3[d3 <= AS_OF_DAY]
    p3 = pd.Index(lat.ids).get_indexer(won["partner_id"])
    csat = np.clip(np.round(4.0 + 0.45 * lat.satisfaction[p3] + 0.8 * rng.standard_normal(len(p3))), 1, 5)

    frame = pd.DataFrame({
        "p": np.concatenate([p1, p2, p3]),
        "responded_on": np.concatenate([d1, d2, d3]),
        "kind": np.repeat([0, 1, 2], [len(p1), len(p2), len(p3)]),
        "score": np.concatenate([psat, nps, csat]),
        "scale_max": np.repeat([5.0, 10.0, 5.0], [len(p1), len(p2), len(p3)]),
        "deal_id": np.concatenate([np.full(len(p1) + len(p2), None, dtype=object), won["deal_id"].to_numpy(object)]),
        "comment": np.concatenate([
            _comments(rng, psat, psat <= 2, psat >= 5, "partner"),
            _comments(rng, nps, nps <= 5, nps >= 9, "partner"),
            _comments(rng, csat, csat <= 2, csat >= 5, "customer"),
        ]),
    })
    frame = frame.iloc[np.lexsort((frame["kind"], frame["p"], frame["responded_on"]))]
    return frame.assign(
        partner_id=as_labels(lat.ids, frame["p"].to_numpy()),
        survey=as_labels(SURVEY_KINDS, frame["kind"].to_numpy()),
        responded_on=as_dates(frame["responded_on"].to_numpy()).to_numpy(),
        deal_id=frame["deal_id"].astype("str"),
        comment=frame["comment"].astype("str"),
    ).reset_index(drop=True)


def _days_of(dates: pd.Series) -> np.ndarray:
    return dates.to_numpy().astype("datetime64[D]").astype(np.int64)


# ---------------------------------------------------------------------------
# mdf


def _mdf(rng: np.random.Generator, lat: _Latent) -> pd.DataFrame:
    tier_factor = np.array([2.5, 1.6, 1.0, 0.4])[lat.tier] * np.where(lat.active, 1.0, 0.2)
    window = np.maximum(lat.end - 30 - lat.start, 0)
    funds = rng.poisson(_TYPE_FUNDS[lat.type_index] * tier_factor * window / 365.25)
    owner = np.repeat(np.arange(len(lat.ids)), funds)
    approved_on = lat.start[owner] + np.floor(rng.random(len(owner)) * window[owner]).astype(np.int64)
    approved = np.maximum(np.round(_TYPE_FUND_SIZE[lat.type_index[owner]]
                                   * np.exp(0.6 * rng.standard_normal(len(owner))) / 250) * 250, 500.0)
    claimed_share = np.where(rng.random(len(owner)) < 0.04, 1 + 0.1 * rng.random(len(owner)),
                             rng.beta(5, 1.5, size=len(owner)))
    claimed_share *= np.clip((AS_OF_DAY - approved_on) / 90, 0.0, 1.0)  # recent funds are still being spent
    claimed = np.round(approved * claimed_share, 2)
    multiple = np.exp(np.log(2.2) + 0.35 * lat.z[owner] + 0.9 * rng.standard_normal(len(owner)))
    multiple[(rng.random(len(owner)) < 0.1) | ~lat.active[owner]] = 0.0  # campaigns that produced nothing
    order = np.lexsort((owner, approved_on))
    return pd.DataFrame({
        "partner_id": as_labels(lat.ids, owner[order]),
        "fund_id": make_ids("F", len(owner), 4),
        "approved_on": as_dates(approved_on[order]),
        "amount_approved": approved[order],
        "amount_claimed": claimed[order],
        "attributed_revenue": np.round(claimed * multiple, 2)[order],
    })
