"""The sample's vocabulary: company names, regions and countries, tiers, products, activities, comments.

What the embedded sample's values look like (:mod:`partner_analytics.sample`); the model that draws them
lives in :mod:`partner_analytics.sample_generator`. Shares and rates are relative weights per option.
"""

from __future__ import annotations

import numpy as np

__all__ = ["REGIONS", "TIERS", "TIER_SHARE", "NAME_FIRST", "NAME_MIDDLE", "NAME_LAST", "PRODUCTS", "PRODUCT_SHARE",
           "PRODUCT_SIZE", "ACTIVITIES", "ACTIVITY_RATE", "ACTIVITY_TYPE_FACTOR", "CERTIFICATION", "COMMENTS",
           "pick", "company_names", "regions_and_countries"]
# region -> (share of partners, {country: share within the region})
REGIONS = {
    "North America": (0.44, {"United States": 0.84, "Canada": 0.16}),
    "EMEA": (0.30, {"United Kingdom": 0.26, "Germany": 0.22, "France": 0.14, "Netherlands": 0.10, "Spain": 0.07,
                    "Italy": 0.06, "Sweden": 0.05, "United Arab Emirates": 0.05, "South Africa": 0.05}),
    "APAC": (0.18, {"Australia": 0.30, "India": 0.18, "Japan": 0.20, "Singapore": 0.16, "South Korea": 0.10,
                    "New Zealand": 0.06}),
    "LATAM": (0.08, {"Brazil": 0.45, "Mexico": 0.30, "Argentina": 0.10, "Chile": 0.08, "Colombia": 0.07}),
}

TIERS = ("platinum", "gold", "silver", "registered")
TIER_SHARE = (0.08, 0.17, 0.35, 0.40)  # by expected performance, best first

NAME_FIRST = (
    "Northwind", "Bluepeak", "Redwood", "Silverline", "Ironbridge", "Brightpath", "Clearwater", "Summit",
    "Evergreen", "Stonegate", "Harbor", "Keystone", "Lakeside", "Cedar", "Granite", "Skyline", "Trident",
    "Meridian", "Pinnacle", "Horizon", "Falcon", "Atlas", "Beacon", "Copperfield", "Driftwood", "Eastgate",
    "Foxglove", "Goldcrest", "Highland", "Juniper", "Kestrel", "Lighthouse", "Maple", "Nimbus", "Oakridge",
    "Polaris", "Quarry", "Riverbend", "Sandstone", "Tidewater", "Upland", "Vantage", "Westbrook", "Yellowstone",
    "Zenith", "Aurora", "Bayview", "Crestline", "Deepwater", "Elmwood",
)
NAME_MIDDLE = ("Cloud", "Data", "Digital", "Network", "Cyber", "Infra", "Logic", "Smart", "Net", "Tech")
NAME_LAST = (
    "Systems", "Solutions", "Technologies", "Partners", "Consulting", "Networks", "Group", "Integration",
    "Services", "Labs", "Software", "Analytics", "Security", "Advisors", "Computing", "IT", "Innovations",
    "Associates", "Interactive", "Dynamics",
)

PRODUCTS = np.array(["Core Platform", "Analytics Cloud", "Security Suite", "Data Connectors",
                     "Professional Services", "Premium Support"])
PRODUCT_SHARE = np.array([0.30, 0.20, 0.15, 0.12, 0.13, 0.10])
PRODUCT_SIZE = np.array([1.4, 1.0, 1.2, 0.5, 0.7, 0.4])

ACTIVITIES = np.array(["program_enrolment", "prm_login", "training_completed", "certification", "asset_download",
                       "qbr_attended", "webinar", "joint_campaign"])
ACTIVITY_RATE = np.array([10.0, 0.7, 0.12, 3.5, 0.3, 0.5, 0.12])  # per month, all but program_enrolment
ACTIVITY_TYPE_FACTOR = np.array([  # partner type (rows, PARTNER_TYPES order) x activity (as ACTIVITY_RATE)
    [1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0],  # reseller
    [0.8, 0.6, 0.4, 0.8, 0.6, 1.0, 0.5],  # referral
    [1.0, 1.6, 1.8, 1.2, 1.0, 1.2, 0.8],  # technology
    [1.1, 1.3, 1.5, 0.9, 1.0, 0.8, 0.8],  # msp
    [1.2, 0.9, 0.8, 1.0, 1.5, 0.8, 2.0],  # distributor
])
CERTIFICATION = 2  # column of certification in ACTIVITY_RATE

COMMENTS = {
    ("partner", "low"): (
        "Deal registration takes too long", "Channel conflict with the direct sales team",
        "MDF claims are paid too late", "Hard to reach our partner manager", "Training content is outdated",
        "Partner portal is slow and hard to navigate", "Margins are not competitive",
    ),
    ("partner", "high"): (
        "Great support from our partner manager", "Deal registration is quick and fair",
        "Enablement content is excellent", "MDF process is simple", "Joint planning with the vendor works well",
    ),
    ("customer", "low"): (
        "Implementation took longer than promised", "Partner was slow to respond", "Pricing was not transparent",
    ),
    ("customer", "high"): (
        "Partner knew the product inside out", "Smooth onboarding", "Quick and helpful support",
    ),
}


def pick(rng: np.random.Generator, options: tuple[str, ...], size: int) -> np.ndarray:
    """``size`` values drawn uniformly, with replacement, from ``options`` (object array)."""
    return np.array(options, dtype=object)[rng.integers(0, len(options), size)]


def company_names(rng: np.random.Generator, n: int) -> np.ndarray:
    """``n`` unique company names: two words first, then three, then numbered."""
    two = [f"{a} {c}" for a in NAME_FIRST for c in NAME_LAST]
    three = [f"{a} {b} {c}" for a in NAME_FIRST for b in NAME_MIDDLE for c in NAME_LAST]
    pool = np.concatenate([np.array(two, dtype=object)[rng.permutation(len(two))],
                           np.array(three, dtype=object)[rng.permutation(len(three))]])
    rounds = -(-n // len(pool))
    numbered = [pool] + [pool + f" {k}" for k in range(2, rounds + 1)]
    return np.concatenate(numbered)[:n]


def regions_and_countries(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` regions drawn by their :data:`REGIONS` share, and a country of each drawn by its share in the region."""
    names = list(REGIONS)
    shares = np.array([REGIONS[r][0] for r in names])
    region = rng.choice(len(names), size=n, p=shares)
    country = np.empty(n, dtype=object)
    for k, name in enumerate(names):
        options = REGIONS[name][1]
        mask = region == k
        weights = np.array(list(options.values()))
        country[mask] = np.array(list(options), dtype=object)[
            rng.choice(len(options), size=int(mask.sum()), p=weights / weights.sum())]
    return np.array(names, dtype=object)[region], country
