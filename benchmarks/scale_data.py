"""Synthetic program for the scale benchmark, written straight to Parquet.

:func:`generate_program` writes exactly ``n_partners`` partners and ``n_deals``
deals (plus targets, engagement, surveys and MDF funds of proportional size)
as one Parquet file per table, in chunks of :data:`CHUNK` deals with
vectorised numpy and pyarrow: 10,000,000 deals take about 20 s and under
1 GiB of memory. The tables follow :data:`partner_analytics.schema.TABLES`
(dates as Parquet ``DATE``) and the shape of the shipped sample
(:mod:`partner_analytics.sample`): one latent quality per partner drives deal
volume, size, win rate and tier; about 31 % of deals are direct and carry no
partner; deals grow over the four years 2022-2025; engagement is monthly
activity counts, surveys are PSAT twice a year, partner NPS once a year and
CSAT after a fifth of the won partner deals; targets are 2025 quarterly
revenue (every partner) and deals-won (resellers, referral partners) targets.
:func:`program_folder` caches the result under ``build/scale/``.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from partner_analytics.schema import ATTRIBUTIONS, DEAL_STAGES, PARTNER_TYPES, SURVEY_KINDS, TABLES

__all__ = ["ROOT", "SEED", "START", "AS_OF", "CHUNK", "GENERATOR", "generate_program", "program_folder"]

ROOT = Path(__file__).resolve().parents[1]
SEED = 20260101
START, AS_OF = "2022-01-01", "2025-12-31"
"""Window of the generated deal, engagement and survey history (four calendar years)."""
CHUNK = 1_000_000
"""Deals generated and written per Parquet row group."""
GENERATOR = 1
"""Version of the generator; a cached folder made by another version is generated again."""

_DAY = np.datetime64("1970-01-01", "D")
_START, _AS_OF = (int((np.datetime64(d, "D") - _DAY).astype(np.int64)) for d in (START, AS_OF))
_SPAN = _AS_OF - _START + 1
_GROWTH = 0.8  # deal flow at the end of the window is 1.8x the start
_DIRECT_SHARE = 0.45 / 1.45  # direct deals among all deals, as in the sample
# per partner type (PARTNER_TYPES order): share, relative deal rate, median deal size, share sourced,
# days-to-close factor, MDF funds per year, median fund
_TYPE = np.array([
    (0.34, 1.0, 18_000, 0.80, 1.00, 0.60, 8_000),
    (0.24, 0.8, 14_000, 0.92, 1.15, 0.15, 3_000),
    (0.16, 0.6, 26_000, 0.30, 1.20, 0.35, 10_000),
    (0.16, 1.1, 9_000, 0.75, 0.85, 0.40, 6_000),
    (0.10, 1.6, 45_000, 0.70, 0.90, 1.20, 25_000),
]).T
_TIERS = np.array(["platinum", "gold", "silver", "registered"])
_TIER_SHARE = np.array([0.08, 0.17, 0.35, 0.40])
_REGIONS = np.array(["North America", "EMEA", "APAC", "LATAM"])
_REGION_SHARE = np.array([0.44, 0.30, 0.18, 0.08])
_COUNTRIES = (("United States", "Canada"), ("United Kingdom", "Germany", "France", "Netherlands", "Spain"),
              ("Australia", "India", "Japan", "Singapore"), ("Brazil", "Mexico", "Argentina"))
_NAMES = np.array([f"{a} {b}" for a in ("Northwind", "Bluepeak", "Redwood", "Silverline", "Ironbridge", "Summit",
                                        "Evergreen", "Keystone", "Granite", "Skyline", "Meridian", "Horizon")
                   for b in ("Systems", "Solutions", "Partners", "Consulting", "Networks", "Group", "Labs")])
_PRODUCTS = np.array(["Core Platform", "Analytics Cloud", "Security Suite", "Data Connectors",
                      "Professional Services", "Premium Support"])
_PRODUCT_SHARE = np.array([0.30, 0.20, 0.15, 0.12, 0.13, 0.10])
_PRODUCT_SIZE = np.array([1.4, 1.0, 1.2, 0.5, 0.7, 0.4])
_ACTIVITIES = np.array(["prm_login", "training_completed", "certification", "asset_download", "qbr_attended",
                        "webinar", "joint_campaign", "program_enrolment"])
_ACTIVITY_RATE = np.array([10.0, 0.7, 0.12, 3.5, 0.3, 0.5, 0.12])  # per month; program_enrolment apart
_COMMENTS = np.array(["Deal registration takes too long", "MDF claims are paid too late",
                      "Great support from our partner manager", "Enablement content is excellent"])
_ARROW = {"id": pa.string(), "string": pa.string(), "category": pa.string(), "date": pa.date32(),
          "number": pa.float64(), "boolean": pa.bool_(), "email": pa.string()}


@dataclass(frozen=True)
class _Partners:
    """Hidden per-partner drivers every table reads (arrays of one value per partner)."""

    ids: pa.Array
    type_index: np.ndarray
    z: np.ndarray  # standardised log quality
    start: np.ndarray  # first day in the window the partner is enrolled
    end: np.ndarray  # last such day (churn day, or the as-of date)
    onboarded: np.ndarray
    churned: np.ndarray  # -1 while active
    rate: np.ndarray  # relative deal flow per month at average growth (0: never sells)
    deal_size: np.ndarray
    win: np.ndarray
    engagement: np.ndarray
    tier: np.ndarray


def _expit(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _ids(prefix: str, numbers: np.ndarray, width: int) -> pa.StringArray:
    """``prefix`` + zero-padded ``numbers`` as an Arrow string array, built byte-wise (fast at 10M rows)."""
    numbers = np.asarray(numbers, dtype=np.int64)
    width = max(width, len(str(int(numbers.max(initial=0)))))
    out = np.empty((len(numbers), len(prefix) + width), dtype=np.uint8)
    out[:, : len(prefix)] = np.frombuffer(prefix.encode(), dtype=np.uint8)
    for k in range(width):
        out[:, len(prefix) + width - 1 - k] = (numbers // 10**k) % 10 + 48
    offsets = np.arange(0, out.size + 1, out.shape[1], dtype=np.int64)
    data = pa.py_buffer(out.reshape(-1))
    return pa.LargeStringArray.from_buffers(len(numbers), pa.py_buffer(offsets), data).cast(pa.string())


def _dates(days: np.ndarray) -> pa.Array:
    """Day numbers (negative = missing) as an Arrow ``date32`` array."""
    days = np.asarray(days, dtype=np.int64)
    return pa.array(days.astype("datetime64[D]"), mask=days < 0)


def _labels(options: np.ndarray, codes: np.ndarray) -> pa.Array:
    """``options[codes]`` as Arrow strings; code -1 is missing."""
    codes = np.asarray(codes, dtype=np.int64)
    return pa.array(np.asarray(options, dtype=object)).take(pa.array(codes, mask=codes < 0))


def _growth_mass(days: np.ndarray) -> np.ndarray:
    """Share of the window's deal flow before ``days`` (its density grows linearly by ``_GROWTH``)."""
    x = np.clip((np.asarray(days, dtype=float) - _START) / _SPAN, 0.0, 1.0)
    return (x + _GROWTH * x**2 / 2) / (1 + _GROWTH / 2)


def _growth_days(u: np.ndarray, first: np.ndarray, last: np.ndarray) -> np.ndarray:
    """Days in ``[first, last]`` drawn from the growing deal-flow density (``u`` uniform)."""
    lo, hi = _growth_mass(first), _growth_mass(last + 1)
    x = (np.sqrt(1 + 2 * _GROWTH * (lo + u * (hi - lo)) * (1 + _GROWTH / 2)) - 1) / _GROWTH
    return np.clip(_START + np.floor(x * _SPAN).astype(np.int64), first, last)


def _weight(lat: _Partners) -> np.ndarray:
    """Expected share of the partner deals each partner gets (unnormalised): deal rate x flow while enrolled."""
    return lat.rate * (_growth_mass(lat.end + 1) - _growth_mass(lat.start))


def _counts(shares: np.ndarray, n: int) -> np.ndarray:
    """Split ``n`` into integer counts proportional to ``shares`` (largest remainder)."""
    raw = shares / shares.sum() * n
    counts = np.floor(raw).astype(np.int64)
    counts[np.argsort(counts - raw, kind="stable")[: n - counts.sum()]] += 1
    return counts


def _partners(rng: np.random.Generator, n: int) -> tuple[pa.Table, _Partners]:
    type_index = rng.permutation(np.repeat(np.arange(len(PARTNER_TYPES)), _counts(_TYPE[0], n)))
    z = rng.standard_normal(n)
    year = rng.choice(np.arange(2019, 2026), size=n, p=np.array([10, 12, 14, 17, 17, 16, 14]) / 100)
    first = (year - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)
    last = np.where(year == 2025, _AS_OF - 61, first + 364)  # the 2025 cohort ends with October
    onboarded = first + np.floor(rng.random(n) * (last - first + 1)).astype(np.int64)
    active = rng.random(n) >= _expit(np.log(0.1 / 0.9) - 0.8 * z)  # ~10 % never sell
    churn = (onboarded <= _AS_OF - 240) & (rng.random(n) < _expit(np.log(0.06 / 0.94) - 0.7 * z))
    churn_lo = np.maximum(onboarded + 120, _START + 90)
    churned = np.where(churn, churn_lo + np.floor(rng.random(n) * np.maximum(_AS_OF - 30 - churn_lo, 1)), -1)
    churned = churned.astype(np.int64)
    start, end = np.maximum(onboarded, _START), np.where(churn, churned, _AS_OF)

    quality = np.exp(0.9 * z)
    rate = _TYPE[1][type_index] * quality**0.65
    deal_size = _TYPE[2][type_index] * quality**0.25
    win = _expit(np.log(0.36 / 0.64) + 0.3 * z + 0.35 * rng.standard_normal(n))
    performance = np.log(rate * deal_size * win) + 0.5 * rng.standard_normal(n)
    performance[~active | (onboarded > _AS_OF - 180)] = -np.inf
    rank = np.empty(n, dtype=np.int64)
    rank[np.argsort(-performance, kind="stable")] = np.arange(n)
    tier = np.searchsorted(np.cumsum(_counts(_TIER_SHARE, n)), rank, side="right")
    region = rng.choice(len(_REGIONS), size=n, p=_REGION_SHARE)
    country_pick = rng.random(n)
    countries = np.array([c for group in _COUNTRIES for c in group], dtype=object)
    offsets = np.cumsum([0, *map(len, _COUNTRIES)])
    country = offsets[region] + np.floor(country_pick * np.diff(offsets)[region]).astype(np.int64)

    ids = _ids("P", np.arange(1, n + 1), 6)
    latent = _Partners(
        ids=ids, type_index=type_index, z=z, start=start, end=end, onboarded=onboarded, churned=churned,
        rate=np.where(active, rate, 0.0),
        deal_size=deal_size, win=win, engagement=np.exp(0.4 * z + 0.8 * rng.standard_normal(n) - 1.0 * ~active),
        tier=tier,
    )
    name_number = pa.array((np.arange(n) // len(_NAMES) + 1).astype(str))
    table = pa.table({
        "partner_id": ids,
        "partner_name": pc.binary_join_element_wise(_labels(_NAMES, rng.permutation(n) % len(_NAMES)),
                                                            name_number, " "),
        "partner_type": _labels(np.array(PARTNER_TYPES), type_index),
        "tier": _labels(_TIERS, tier),
        "region": _labels(_REGIONS, region),
        "country": _labels(countries, country),
        "onboarded_on": _dates(onboarded),
        "churned_on": _dates(churned),
        "contact_email": pc.binary_join_element_wise("reports@", pc.utf8_lower(ids), ".example", ""),
    })
    return table, latent


def _deal_chunk(rng: np.random.Generator, lat: _Partners, first_id: int, m: int) -> tuple[pa.Table, dict]:
    """``m`` deals numbered from ``first_id``, and the CSAT responses they produce."""
    direct = rng.random(m) < _DIRECT_SHARE
    cumulative = np.cumsum(_weight(lat))
    owner = np.searchsorted(cumulative, rng.random(m) * cumulative[-1], side="right")
    owner = np.minimum(owner, len(cumulative) - 1)  # guards the u * total == total edge
    kind = lat.type_index[owner]
    first = np.where(direct, _START, lat.start[owner])
    last = np.where(direct, _AS_OF, lat.end[owner])
    created = _growth_days(rng.random(m), first, last)
    median_days = np.where(direct, 72.0, 44.0 * _TYPE[4][kind])
    days = np.clip(np.round(median_days * np.exp(0.6 * rng.standard_normal(m))), 3, 180).astype(np.int64)
    closed = created + days
    stage = np.where(rng.random(m) < np.where(direct, 0.30, lat.win[owner]), 1, 2)  # codes into DEAL_STAGES
    cut_off = closed > last
    churn_lost = cut_off & (last < _AS_OF)  # the partner left: the deal is lost on the churn day
    stage[churn_lost], closed[churn_lost] = 2, last[churn_lost]
    stage[cut_off & ~churn_lost], closed[cut_off & ~churn_lost] = 0, -1  # still open at the as-of date

    product = np.minimum(np.searchsorted(np.cumsum(_PRODUCT_SHARE), rng.random(m)), len(_PRODUCTS) - 1)
    size = np.where(direct, 30_000.0, lat.deal_size[owner]) * _PRODUCT_SIZE[product]
    amount = np.maximum(np.round(size * np.exp(0.9 * rng.standard_normal(m)), -1), 250.0)
    sourced = rng.random(m) < _TYPE[3][kind]
    attribution = np.where(direct, 2, np.where(sourced, 0, 1))  # codes into ATTRIBUTIONS
    # customers: a pool of 60 accounts per partner, one large shared pool for direct deals
    customer = np.where(direct, rng.integers(0, 10**9, m), owner * 100 + rng.integers(0, 60, m))
    deal_ids = _ids("D", np.arange(first_id, first_id + m), 8)
    table = pa.table({
        "deal_id": deal_ids,
        "partner_id": lat.ids.take(pa.array(owner, mask=direct)),
        "attribution": _labels(np.array(ATTRIBUTIONS), attribution),
        "created_on": _dates(created),
        "closed_on": _dates(closed),
        "stage": _labels(np.array(DEAL_STAGES), stage),
        "amount": amount,
        "product": _labels(_PRODUCTS, product),
        "customer_id": _ids("C", customer, 10),
        "is_new_customer": rng.random(m) < 0.4,
    })
    # CSAT: a fifth of won partner deals get a customer response 3-30 days after closing
    rated = np.flatnonzero((stage == 1) & ~direct & (rng.random(m) < 0.2))
    on = closed[rated] + rng.integers(3, 31, len(rated))
    rated, on = rated[on <= _AS_OF], on[on <= _AS_OF]
    score = np.clip(np.round(4.0 + 0.25 * lat.z[owner[rated]] + 0.8 * rng.standard_normal(len(rated))), 1, 5)
    csat = {"p": owner[rated], "on": on, "kind": np.full(len(rated), 2), "score": score,
            "scale_max": np.full(len(rated), 5.0), "deal_id": deal_ids.take(pa.array(rated))}
    return table, csat


def _targets(rng: np.random.Generator, lat: _Partners, n_partner_deals: int) -> pa.Table:
    """Quarterly 2025 revenue targets for every partner, deals-won targets for resellers and referral partners."""
    quarters = np.arange(np.datetime64("2025-01"), np.datetime64("2026-01"), 3)
    first = (quarters.astype("datetime64[D]") - _DAY).astype(np.int64)
    last = ((quarters + 3).astype("datetime64[D]") - _DAY).astype(np.int64) - 1
    enrolled = (lat.onboarded[:, None] <= first) & ((lat.churned[:, None] < 0) | (lat.churned[:, None] >= first))
    per_rate = n_partner_deals / _weight(lat).sum()  # expected deals = per_rate * rate * flow mass
    mean_amount = (_PRODUCT_SHARE @ _PRODUCT_SIZE) * np.exp(0.9**2 / 2)  # of the amount / deal_size factor
    parts = []
    for kpi, who in (("revenue", np.ones(len(lat.z), dtype=bool)), ("deals_won", np.isin(lat.type_index, [0, 1]))):
        p, q = np.nonzero(enrolled & who[:, None])
        flow = _growth_mass(np.minimum(last[q], lat.end[p]) + 1) - _growth_mass(first[q])
        expected_won = per_rate * lat.rate[p] * np.maximum(flow, 0.0) * lat.win[p]
        noise = np.exp(0.25 * rng.standard_normal(len(p)))
        value = (np.maximum(np.round(0.75 * expected_won * lat.deal_size[p] * mean_amount * noise, -3), 1000.0)
                 if kpi == "revenue" else np.maximum(np.round(expected_won * noise), 1.0))
        parts.append((p, np.full(len(p), kpi, dtype=object), first[q], last[q], value))
    p, kpi, first, last, value = (np.concatenate(c) for c in zip(*parts))
    order = np.lexsort((first, kpi, p))
    return pa.table({"partner_id": lat.ids.take(pa.array(p[order])), "kpi": pa.array(kpi[order]),
                     "period_start": _dates(first[order]), "period_end": _dates(last[order]),
                     "target": value[order]})


def _engagement_block(rng: np.random.Generator, lat: _Partners, who: np.ndarray) -> pa.Table:
    """Monthly activity counts of partners ``who`` (Poisson, driven by engagement propensity)."""
    months = np.arange(np.datetime64(START, "M"), np.datetime64(AS_OF, "M") + 1)
    starts = (months.astype("datetime64[D]") - _DAY).astype(np.int64)
    month_of = lambda days: np.searchsorted(starts, days, side="right") - 1  # noqa: E731
    enrolled = (month_of(lat.start[who])[:, None] <= np.arange(len(starts))) & \
               (np.arange(len(starts)) <= month_of(lat.end[who])[:, None])
    level = lat.engagement[who][:, None] * rng.gamma(2.0, 0.5, size=enrolled.shape) * enrolled
    quantity = rng.poisson(level[:, :, None] * _ACTIVITY_RATE)
    p, mo, a = np.nonzero(quantity)
    counts = quantity[p, mo, a].astype(float)
    joined = np.flatnonzero(lat.onboarded[who] >= _START)  # program_enrolment in the onboarding month
    p = np.concatenate([who[p], who[joined]])
    mo = np.concatenate([mo, month_of(lat.onboarded[who[joined]])])
    a = np.concatenate([a, np.full(len(joined), len(_ACTIVITIES) - 1)])
    return pa.table({"partner_id": lat.ids.take(pa.array(p)), "occurred_on": _dates(starts[mo]),
                     "activity": _labels(_ACTIVITIES, a), "quantity": np.concatenate([counts, np.ones(len(joined))])})


def _survey_table(rng: np.random.Generator, lat: _Partners, csat: list[dict]) -> pa.Table:
    """PSAT twice a year and partner NPS once a year from enrolled partners, plus the deals' CSAT responses."""
    years = np.arange(2022, 2026) - 1970
    year_start = years.astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)
    parts = []
    for kind, waves, rate, scale in ((0, np.sort(np.r_[year_start + 151, year_start + 334]), 0.55, 5.0),
                                     (1, year_start + 273, 0.5, 10.0)):
        day = waves[None, :] + rng.integers(0, 21, size=(len(lat.z), len(waves)))
        enrolled = (lat.onboarded[:, None] <= day) & ((lat.churned[:, None] < 0) | (day < lat.churned[:, None]))
        p, w = np.nonzero(enrolled & (rng.random(day.shape) < rate) & (day <= _AS_OF))
        mean, spread = (3.7, 0.75) if scale == 5.0 else (7.8, 1.5)
        score = np.clip(np.round(mean + spread * (0.55 * lat.z[p] + rng.standard_normal(len(p)))),
                        1 if scale == 5.0 else 0, scale)
        parts.append({"p": p, "on": day[p, w], "kind": np.full(len(p), kind), "score": score,
                      "scale_max": np.full(len(p), scale), "deal_id": pa.nulls(len(p), pa.string())})
    parts += csat
    p, on, kind, score, scale_max = (np.concatenate([part[k] for part in parts])
                                     for k in ("p", "on", "kind", "score", "scale_max"))
    low, high = score / scale_max <= 0.4, score / scale_max >= 0.9
    comment = np.where(low & (rng.random(len(p)) < 0.55), rng.integers(0, 2, len(p)),
                       np.where(high & (rng.random(len(p)) < 0.2), rng.integers(2, 4, len(p)), -1))
    return pa.table({"partner_id": lat.ids.take(pa.array(p)), "responded_on": _dates(on),
                     "survey": _labels(np.array(SURVEY_KINDS), kind), "score": score, "scale_max": scale_max,
                     "deal_id": pa.concat_arrays([part["deal_id"] for part in parts]),
                     "comment": _labels(_COMMENTS, comment)})


def _mdf(rng: np.random.Generator, lat: _Partners) -> pa.Table:
    """Approved MDF funds: more for distributors and higher tiers; claims lag approval by ~90 days."""
    window = np.maximum(lat.end - 30 - lat.start, 0)
    active = lat.rate > 0
    rate = _TYPE[5][lat.type_index] * np.array([2.5, 1.6, 1.0, 0.4])[lat.tier] * np.where(active, 1.0, 0.2)
    owner = np.repeat(np.arange(len(lat.z)), rng.poisson(rate * window / 365.25))
    approved_on = lat.start[owner] + np.floor(rng.random(len(owner)) * window[owner]).astype(np.int64)
    approved = np.maximum(np.round(_TYPE[6][lat.type_index[owner]] * np.exp(0.6 * rng.standard_normal(len(owner)))
                                   / 250) * 250, 500.0)
    claimed = np.round(approved * rng.beta(5, 1.5, len(owner)) * np.clip((_AS_OF - approved_on) / 90, 0, 1), 2)
    multiple = np.exp(np.log(2.2) + 0.35 * lat.z[owner] + 0.9 * rng.standard_normal(len(owner)))
    multiple[(rng.random(len(owner)) < 0.1) | ~active[owner]] = 0.0
    order = np.lexsort((owner, approved_on))
    return pa.table({"partner_id": lat.ids.take(pa.array(owner[order])),
                     "fund_id": _ids("F", np.arange(1, len(owner) + 1), 6),
                     "approved_on": _dates(approved_on[order]), "amount_approved": approved[order],
                     "amount_claimed": claimed[order], "attributed_revenue": np.round(claimed * multiple, 2)[order]})


def _schema(name: str) -> pa.Schema:
    return pa.schema([(c.name, _ARROW[c.kind]) for c in TABLES[name].columns])


def generate_program(folder: str | Path, *, n_partners: int, n_deals: int, seed: int = SEED,
                     chunk: int = CHUNK) -> dict[str, int]:
    """Write a synthetic program of exactly ``n_partners`` partners and ``n_deals`` deals as Parquet.

    Parameters
    ----------
    folder
        Folder to write ``partners.parquet``, ``deals.parquet``, ``targets.parquet``,
        ``engagement.parquet``, ``surveys.parquet`` and ``mdf.parquet`` into
        (created; existing files are replaced).
    n_partners, n_deals
        Table sizes (at least 1 each). About 69 % of the deals are partner deals.
    seed
        The same seed, sizes and ``chunk`` always give the same files.
    chunk
        Deals per chunk (and Parquet row group); memory grows with it, not with ``n_deals``.

    Returns
    -------
    dict of str to int
        Rows written per table.
    """
    if n_partners < 1 or n_deals < 1:
        raise ValueError(f"need at least one partner and one deal, got {n_partners} and {n_deals}")
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    streams = np.random.SeedSequence(seed).spawn(6)  # one per table; deal chunk k uses streams[1]'s child k
    partners, lat = _partners(np.random.default_rng(streams[0]), n_partners)
    rows = {"partners": partners.num_rows}
    pq.write_table(partners.cast(_schema("partners")), folder / "partners.parquet")

    csat, n_partner_deals = [], 0
    with pq.ParquetWriter(folder / "deals.parquet", _schema("deals")) as writer:
        for k, first_id in enumerate(range(1, n_deals + 1, chunk)):
            m = min(chunk, n_deals + 1 - first_id)
            rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(1, k)))
            table, responses = _deal_chunk(rng, lat, first_id, m)
            writer.write_table(table.cast(_schema("deals")), row_group_size=chunk)
            n_partner_deals += m - table["partner_id"].null_count
            csat.append(responses)
    rows["deals"] = n_deals

    targets = _targets(np.random.default_rng(streams[2]), lat, n_partner_deals)
    pq.write_table(targets.cast(_schema("targets")), folder / "targets.parquet")
    rows["targets"] = targets.num_rows

    rows["engagement"] = 0
    engagement_rng = np.random.default_rng(streams[3])
    with pq.ParquetWriter(folder / "engagement.parquet", _schema("engagement")) as writer:
        for lo in range(0, n_partners, 10_000):
            block = _engagement_block(engagement_rng, lat, np.arange(lo, min(lo + 10_000, n_partners)))
            writer.write_table(block.cast(_schema("engagement")))
            rows["engagement"] += block.num_rows

    for name, table in (("surveys", _survey_table(np.random.default_rng(streams[4]), lat, csat)),
                        ("mdf", _mdf(np.random.default_rng(streams[5]), lat))):
        pq.write_table(table.cast(_schema(name)), folder / f"{name}.parquet")
        rows[name] = table.num_rows
    return rows


def program_folder(n_partners: int, n_deals: int, *, seed: int = SEED, build: Path | None = None) -> tuple[Path, float]:
    """The cached generated program of that size, generating it first if absent.

    The folder holds the Parquet files and ``program.json`` (generator
    version, seed and rows per table); it is written under a temporary name
    and renamed when complete, so an interrupted run leaves no half program.

    Returns
    -------
    tuple of (Path, float)
        ``<build>/scale/<n_partners>_<n_deals>/`` (``build`` defaults to the
        repository's ``build/``) and the seconds spent generating (0 if cached).
    """
    name = f"{n_partners}_{n_deals}" + ("" if seed == SEED else f"_seed{seed}")
    folder = (build or ROOT / "build") / "scale" / name
    manifest = folder / "program.json"
    if manifest.is_file() and json.loads(manifest.read_text()).get("generator") == GENERATOR:
        return folder, 0.0
    started = time.perf_counter()
    partial = folder.with_name(f".{name}.{os.getpid()}.tmp")
    shutil.rmtree(partial, ignore_errors=True)
    try:
        rows = generate_program(partial, n_partners=n_partners, n_deals=n_deals, seed=seed)
        (partial / "program.json").write_text(json.dumps({"generator": GENERATOR, "seed": seed, "rows": rows},
                                                         indent=1) + "\n")
        shutil.rmtree(folder, ignore_errors=True)
        partial.rename(folder)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    return folder, time.perf_counter() - started
