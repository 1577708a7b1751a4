"""The sections of the programme parameters: their value classes and how each is checked.

:mod:`partner_analytics.params` loads a YAML file and builds :class:`~partner_analytics.params.Params`
from these sections (its docstring describes every key). Each ``parse_*`` function checks one section,
adds every problem it finds to a :class:`ProblemList` (as ``key.path: message``) and returns the
section's value; :class:`ParamsError` then reports them all at once.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import pandas as pd
import yaml

from .errors import InputError
from .insight_thresholds import threshold_problems
from .metrics.concentration import POPULATIONS
from .metrics.early_warning import WarningSettings
from .metrics.registry import KPIS

__all__ = ["ParamsError", "Tier", "Tiers", "Rewards", "Reporting", "Concentration", "SCORING_METHODS", "ENGINE_KINDS",
           "ProblemList", "UniqueKeyLoader", "section_mapping", "check_unknown_keys", "parse_scorecard", "parse_tiers",
           "parse_rewards", "parse_concentration", "parse_reporting", "parse_early_warning", "parse_insights"]

ENGINE_KINDS = ("memory", "duckdb", "spark", "sql")
"""Where the rollup runs: ``memory`` loads the data into pandas first; the others leave it in place."""

SCORING_METHODS = ("peer_percentile", "target")
"""Ways a KPI value becomes a 0-100 score."""

_FREQS = ("Q", "M")


class ParamsError(InputError):
    """The parameters are invalid; ``problems`` lists each as ``key.path: message``.

    The message has one line per problem, each starting with the file name.
    """

    def __init__(self, problems: Sequence[str], source: str) -> None:
        self.problems = tuple(problems)
        self.source = source
        super().__init__("\n".join(f"{source}: {p}" for p in self.problems))


@dataclass(frozen=True)
class Tier:
    """One tier: its name and the minimum composite score (inclusive, 0..100)."""

    name: str
    min_score: float


@dataclass(frozen=True)
class Tiers:
    """Tier ladder, highest minimum first, and the drop-risk margin in points."""

    levels: tuple[Tier, ...]
    drop_risk_margin: float

    @property
    def names(self) -> tuple[str, ...]:
        """Tier names, highest first."""
        return tuple(t.name for t in self.levels)

    def minimum(self, name: str) -> float:
        """Minimum composite score of tier ``name``; ``KeyError`` if unknown."""
        for t in self.levels:
            if t.name == name:
                return t.min_score
        raise KeyError(f"unknown tier {name!r}; tiers: {', '.join(self.names)}")


@dataclass(frozen=True)
class Rewards:
    """Reward points per tier and per achieved KPI."""

    tier_points: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    achievement_score: float = 75.0
    achievement_points: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))

    def points_for_tier(self, tier: str) -> float:
        """Points for reaching ``tier`` (0 if not listed)."""
        return float(self.tier_points.get(tier, 0.0))

    def points_for_kpi(self, kpi: str) -> float:
        """Points for achieving ``kpi`` (its own entry, else ``default``, else 0)."""
        return float(self.achievement_points.get(kpi, self.achievement_points.get("default", 0.0)))


@dataclass(frozen=True)
class Reporting:
    """Reporting settings: data source and engine, period length, as-of date and period."""

    source: str = "sample"
    freq: str = "Q"
    as_of: str | None = None
    period: str | None = None
    mapping: str | None = None
    engine: str = "memory"
    engine_options: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    encoding: str = "utf-8"


@dataclass(frozen=True)
class Concentration:
    """Concentration settings: which partners program-level concentration counts.

    ``population`` is ``"enrolled"`` (every enrolled partner, zero revenue
    included) or ``"with_revenue"`` (partners with revenue only); see
    :mod:`partner_analytics.metrics.concentration`.
    """

    population: str = "enrolled"


class ProblemList:
    """Problems found while checking the parameters, each ``key.path: message``."""

    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.items.append(f"{path}: {message}")


def _number(value: Any, low: float = 0.0, high: float = math.inf) -> bool:
    """A real, finite number (not a bool) within [low, high]."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    return ok and low <= value <= high


def section_mapping(value: Any, path: str, p: ProblemList, known: Sequence[str] | None = None) -> Mapping | None:
    """``value`` as a mapping (None → empty); reports a non-mapping and, with ``known``, unknown keys."""
    value = {} if value is None else value
    if not isinstance(value, Mapping):
        p.add(path, f"must be a mapping, got {type(value).__name__}")
        return None
    if known is not None:
        check_unknown_keys(value, known, f"{path}.", p)
    return value


def check_unknown_keys(section: Mapping, known: Sequence[str], prefix: str, p: ProblemList) -> None:
    """Add a problem for each key of ``section`` not in ``known`` (named ``prefix`` + key)."""
    for key in section:
        if key not in known:
            p.add(f"{prefix}{key}", f"unknown key; known keys: {', '.join(known)}")


def parse_scorecard(value: Any, p: ProblemList) -> dict[str, MappingProxyType]:
    """The ``scorecard`` section: KPI weights per partner type (``default`` required), read-only."""
    card = section_mapping(value, "scorecard", p)
    if card is None:
        return {}
    if "default" not in card:
        p.add("scorecard.default", "required key missing (the KPI set for unlisted partner types)")
    out: dict[str, MappingProxyType] = {}
    for partner_type, weights in card.items():
        path = f"scorecard.{partner_type}"
        weights = section_mapping(weights, path, p)
        if weights is not None and not weights:
            p.add(path, "needs at least one KPI")
        if not weights:
            continue
        good: dict[str, float] = {}
        for name, w in weights.items():
            if name not in KPIS:
                p.add(f"{path}.{name}", f"unknown KPI; known KPIs: {', '.join(KPIS)}")
            elif partner_type != "default" and not KPIS[name].applies_to(str(partner_type)):
                p.add(f"{path}.{name}", f"KPI does not apply to {partner_type} partners "
                                        f"(applies to {', '.join(KPIS[name].partner_types)})")
            elif not _number(w):
                p.add(f"{path}.{name}", f"weight must be a number >= 0, got {w!r}")
            else:
                good[str(name)] = float(w)
        if len(good) == len(weights) and sum(good.values()) <= 0:
            p.add(path, "weights must not all be 0")
        out[str(partner_type)] = MappingProxyType(good)
    return out


def parse_tiers(value: Any, p: ProblemList) -> Tiers | None:
    """The ``tiers`` section, or None when it is invalid (problems added to ``p``)."""
    section = section_mapping(value, "tiers", p, known=("levels", "drop_risk_margin"))
    if section is None:
        return None
    margin = section.get("drop_risk_margin", 5)
    if not _number(margin):
        p.add("tiers.drop_risk_margin", f"must be a number >= 0, got {margin!r}")
    levels = section.get("levels")
    if not isinstance(levels, list) or not levels:
        p.add("tiers.levels", "must be a non-empty list of {name, min_score}")
        return None
    tiers: list[Tier] = []
    for i, lvl in enumerate(levels):
        path = f"tiers.levels[{i}]"
        if not isinstance(lvl, Mapping) or set(lvl) != {"name", "min_score"}:
            p.add(path, "must be a mapping with exactly the keys name and min_score")
        elif not isinstance(lvl["name"], str) or not lvl["name"]:
            p.add(f"{path}.name", f"must be a non-empty text, got {lvl['name']!r}")
        elif not _number(lvl["min_score"], 0, 100):
            p.add(f"{path}.min_score", f"must be a number between 0 and 100, got {lvl['min_score']!r}")
        else:
            tiers.append(Tier(lvl["name"], float(lvl["min_score"])))
    for attr, label in (("name", "names"), ("min_score", "minimums")):
        seen = [getattr(t, attr) for t in tiers]
        dupes = sorted({str(v) for v in seen if seen.count(v) > 1})
        if dupes:
            p.add("tiers.levels", f"tier {label} must be unique; repeated: {', '.join(dupes)}")
    if not _number(margin):
        return None
    return Tiers(tuple(sorted(tiers, key=lambda t: -t.min_score)), float(margin))


def _points(value: Any, path: str, known: Sequence[str] | None, what: str, p: ProblemList) -> MappingProxyType:
    """``{name: points >= 0}`` with names from ``known`` (None: not checked)."""
    good: dict[str, float] = {}
    for name, pts in (section_mapping(value, path, p) or {}).items():
        if known is not None and name not in known:
            p.add(f"{path}.{name}", f"unknown {what}; known {what}s: {', '.join(known)}")
        elif not _number(pts):
            p.add(f"{path}.{name}", f"points must be a number >= 0, got {pts!r}")
        else:
            good[str(name)] = float(pts)
    return MappingProxyType(good)


def parse_rewards(value: Any, tiers: Tiers | None, p: ProblemList) -> Rewards:
    """The ``rewards`` section: points per tier (known tiers only) and per KPI."""
    section = section_mapping(value, "rewards", p, known=("tier_points", "achievement_score", "achievement_points"))
    if section is None:
        return Rewards()
    tier_names = None if tiers is None else tiers.names
    tier_points = _points(section.get("tier_points"), "rewards.tier_points", tier_names, "tier", p)
    kpi_points = _points(section.get("achievement_points"), "rewards.achievement_points",
                         ("default", *KPIS), "KPI", p)
    score = section.get("achievement_score", 75)
    if not _number(score, 0, 100):
        p.add("rewards.achievement_score", f"must be a number between 0 and 100, got {score!r}")
        score = 75
    return Rewards(tier_points, float(score), kpi_points)


def parse_concentration(value: Any, p: ProblemList) -> Concentration:
    """The ``concentration`` section (population counted by program-level concentration figures)."""
    section = section_mapping(value, "concentration", p, known=("population",))
    if section is None:
        return Concentration()
    population = section.get("population", "enrolled")
    if population not in POPULATIONS:
        p.add("concentration.population", f"must be one of {', '.join(POPULATIONS)}, got {population!r}")
        population = "enrolled"
    return Concentration(population)


def parse_reporting(value: Any, p: ProblemList) -> Reporting:
    """The ``reporting`` section: source, engine, period, as-of date, encoding."""
    section = section_mapping(value, "reporting", p,
                       known=("source", "mapping", "engine", "engine_options", "freq", "as_of", "period", "encoding"))
    if section is None:
        return Reporting()
    source = section.get("source", "sample")
    if not isinstance(source, str) or not source:
        p.add("reporting.source", f"must be a path or 'sample', got {source!r}")
    freq = section.get("freq", "Q")
    if freq not in _FREQS:
        p.add("reporting.freq", f"must be one of {', '.join(_FREQS)}, got {freq!r}")
        freq = "Q"
    as_of, period = section.get("as_of"), section.get("period")
    try:
        as_of = None if as_of is None else pd.Timestamp(str(as_of)).date().isoformat()
    except ValueError:
        p.add("reporting.as_of", f"must be a date YYYY-MM-DD or null, got {as_of!r}")
    try:
        period = None if period is None else str(pd.Period(str(period), freq=freq))
    except ValueError:
        p.add("reporting.period", f"must be a period such as 2025Q4 (freq {freq}) or null, got {period!r}")
    mapping = section.get("mapping")
    if mapping is not None and (not isinstance(mapping, str) or not mapping):
        p.add("reporting.mapping", f"must be a path to a column-mapping YAML file or null, got {mapping!r}")
    engine = section.get("engine", "memory")
    if engine not in ENGINE_KINDS:
        p.add("reporting.engine", f"must be one of {', '.join(ENGINE_KINDS)}, got {engine!r}")
    elif mapping is not None and engine != "memory":
        p.add("reporting.mapping", "a column mapping needs engine: memory (other engines read program tables)")
    options = section_mapping(section.get("engine_options"), "reporting.engine_options", p) or {}
    encoding = section.get("encoding", "utf-8")
    if not isinstance(encoding, str) or not _known_encoding(encoding):
        p.add("reporting.encoding", f"must be a text encoding such as utf-8 or cp1252, got {encoding!r}")
        encoding = "utf-8"
    return Reporting(str(source), freq, as_of, period, mapping, engine,
                     MappingProxyType(copy.deepcopy(dict(options))), encoding)


def _known_encoding(name: str) -> bool:
    import codecs

    try:
        codecs.lookup(name)
    except LookupError:
        return False
    return True


def parse_early_warning(value: Any, p: ProblemList) -> WarningSettings:
    """The ``early_warning`` section, as :class:`~partner_analytics.metrics.early_warning.WarningSettings`."""
    known = ("horizon", "min_history_periods", "drop_pct", "min_events")
    section = section_mapping(value, "early_warning", p, known=known)
    if section is None:
        return WarningSettings()
    defaults = WarningSettings()
    values = {key: section.get(key, getattr(defaults, key)) for key in known}
    for key, low, high in (("horizon", 1, 12), ("min_history_periods", 2, math.inf), ("min_events", 1, math.inf)):
        number = values[key]
        if isinstance(number, bool) or not isinstance(number, int) or not low <= number <= high:
            p.add(f"early_warning.{key}", f"must be an integer from {low}" + (f" to {high}" if high < math.inf
                                                                              else " up") + f", got {number!r}")
            values[key] = getattr(defaults, key)
    drop = values["drop_pct"]
    if drop is not None and (not _number(drop, 0, 1) or drop == 0):
        p.add("early_warning.drop_pct", f"must be null or a fraction above 0 and at most 1, got {drop!r}")
        values["drop_pct"] = None
    return WarningSettings(**values)


class UniqueKeyLoader(yaml.SafeLoader):
    """A safe loader that rejects a key repeated in one mapping (PyYAML keeps the last silently)."""

    def construct_mapping(self, node, deep=False):  # noqa: D102
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, Hashable):
                continue  # SafeLoader reports unhashable keys itself
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"repeated key {key!r}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


def parse_insights(value: Any, p: ProblemList) -> Mapping:
    """The ``insights`` section: threshold overrides, checked (:func:`~.insight_thresholds.threshold_problems`)."""
    insights = section_mapping(value, "insights", p)
    if insights is None:
        return {}
    for problem in threshold_problems(insights):
        path, message = problem.split(": ", 1)
        p.add(path, message)
    return insights
