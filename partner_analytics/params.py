"""Programme parameters: scorecard weights, scoring, tiers, rewards, reporting.

Parameters live in one YAML file, validated on load with errors that name the
file and the key path, e.g.
``params/program.yml: scorecard.reseller.win_rate: weight must be a number >= 0``.
Every problem in the file is reported at once; unknown keys are errors, so a
typo cannot be silently ignored.

One source of truth
-------------------
The defaults ship inside the package as ``partner_analytics/data/params/program.yml``,
so an installed package works without the repository: ``load_params()`` with
no path reads them. The repository's ``params/program.yml`` is a verbatim copy
that a test keeps byte-identical, so the two cannot drift. To change the
defaults, edit the packaged file and copy it over; to run with your own
settings, copy ``params/program.yml`` (e.g. to ``params/my_program.yml``), edit
the copy and pass its path.

Sections
--------
``scorecard``
    ``{partner_type: {kpi: weight}}`` plus a required ``default`` set used for
    partner types not listed. Weights are relative numbers >= 0, normalised to
    sum to 1 per type (:meth:`Params.weights_for`); each set needs a positive
    total. Every KPI must exist in :data:`~partner_analytics.metrics.registry.KPIS`
    and apply to the partner type it is listed under.
``scoring``
    ``peer_percentile`` (default) or ``target``; see
    :func:`partner_analytics.metrics.scorecard.kpi_scores`.
``tiers``
    ``levels``: list of ``{name, min_score}`` (0..100, unique names and
    minimums, any order; stored highest first) and ``drop_risk_margin``
    (points >= 0).
``rewards`` (optional)
    ``tier_points`` ``{tier: points}`` (unlisted tiers earn 0),
    ``achievement_score`` (KPI score counted as achieved, default 75) and
    ``achievement_points`` ``{kpi or "default": points}`` (default: none).
``peer_group_min_size`` (optional)
    Integer >= 2, default 5: the smallest peer group whose anonymised
    aggregates may be shown to a partner.
``insights`` (optional)
    Free-form mapping of insight thresholds; only checked to be a mapping.
``concentration`` (optional)
    ``population``: ``enrolled`` (default: every enrolled partner, zero
    revenue included) or ``with_revenue`` (producing partners only).
``early_warning`` (optional)
    ``horizon`` (periods ahead, integer 1..12, default 1),
    ``min_history_periods`` (integer >= 2, default 4), ``drop_pct`` (null for
    "no revenue", or a fraction in (0, 1]: revenue falls by more than it) and
    ``min_events`` (integer >= 1, default 20); see
    :mod:`partner_analytics.metrics.early_warning`.
``reporting`` (optional)
    ``source`` (default ``"sample"``), ``mapping`` (column-mapping YAML or
    null), ``engine`` (where the rollup runs: ``memory`` default, ``duckdb``,
    ``spark`` or ``sql``), ``engine_options`` (settings passed to the engine,
    e.g. Spark's ``master`` and ``conf``), ``freq`` (``Q`` default, or ``M``),
    ``as_of`` (date or null), ``period`` (e.g. ``2025Q4`` or null; null = the latest
    complete period with material activity, see :mod:`partner_analytics.periods`),
    ``encoding`` (of CSV files, default ``utf-8``).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pandas as pd
import yaml

from .metrics.concentration import POPULATIONS
from .metrics.early_warning import WarningSettings
from .metrics.registry import KPIS

__all__ = ["ParamsError", "Params", "Tier", "Tiers", "Rewards", "Reporting", "Concentration", "load_params", "parse_params",
           "default_params_path", "SCORING_METHODS", "ENGINE_KINDS"]

ENGINE_KINDS = ("memory", "duckdb", "spark", "sql")
"""Where the rollup runs: ``memory`` loads the data into pandas first; the others leave it in place."""

SCORING_METHODS = ("peer_percentile", "target")
"""Ways a KPI value becomes a 0-100 score."""

_TOP_LEVEL = ("reporting", "scoring", "peer_group_min_size", "scorecard", "tiers", "rewards", "insights",
              "concentration", "early_warning")
_FREQS = ("Q", "M")


class ParamsError(ValueError):
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


@dataclass(frozen=True)
class Params:
    """Validated programme parameters (see the module docstring for each section).

    ``scorecard`` holds the weights as configured; use :meth:`weights_for` for
    the normalised weights of a partner type. ``source`` is the file (or
    ``<dict>``) the parameters came from.
    """

    scorecard: Mapping[str, Mapping[str, float]]
    scoring: str
    tiers: Tiers
    rewards: Rewards
    peer_group_min_size: int
    insights: Mapping[str, Any]
    reporting: Reporting
    source: str = "<dict>"
    concentration: Concentration = field(default_factory=Concentration)
    early_warning: WarningSettings = field(default_factory=WarningSettings)
    _raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    def weights_for(self, partner_type: str) -> dict[str, float]:
        """Normalised KPI weights (summing to 1) of ``partner_type``.

        Types without their own set use ``default``.

        Examples
        --------
        >>> load_params().weights_for("reseller")
        {'revenue': 0.35, 'revenue_attainment': 0.25, 'win_rate': 0.2, 'new_customers': 0.2}
        """
        raw = self.scorecard.get(partner_type, self.scorecard["default"])
        total = sum(raw.values())
        return {k: w / total for k, w in raw.items()}

    def with_overrides(
        self,
        *,
        thresholds: Mapping[str, float] | None = None,
        weights: Mapping[str, Mapping[str, float]] | None = None,
    ) -> Params:
        """A copy with some tier minimums and/or KPI weights changed, validated again.

        Parameters
        ----------
        thresholds
            ``{tier: min_score}`` for the tiers to change; other tiers keep theirs.
        weights
            ``{partner_type: {kpi: weight}}``: each weight replaces (or adds) that
            KPI's weight in the type's set; 0 drops it from the composite. A type
            without its own set starts from ``default``.

        Raises
        ------
        ParamsError
            If the result is invalid (source ``"<file> (what-if)"``); an unknown
            tier in ``thresholds`` is reported under ``tiers.levels``.

        Examples
        --------
        >>> p = load_params().with_overrides(thresholds={"gold": 55})
        >>> p.tiers.minimum("gold")
        55.0
        """
        raw, source = copy.deepcopy(dict(self._raw)), f"{self.source} (what-if)"
        unknown = [n for n in thresholds or {} if n not in self.tiers.names]
        if unknown:
            raise ParamsError([f"tiers.levels: unknown tier {n!r}; tiers: {', '.join(self.tiers.names)}"
                               for n in unknown], source)
        for lvl in raw["tiers"]["levels"]:
            lvl["min_score"] = (thresholds or {}).get(lvl["name"], lvl["min_score"])
        card = raw["scorecard"]
        for partner_type, changes in (weights or {}).items():
            card[partner_type] = {**card.get(partner_type, card["default"]), **dict(changes)}
        return parse_params(raw, source=source)


def default_params_path() -> Path:
    """Path of the packaged default parameters (``partner_analytics/data/params/program.yml``)."""
    return Path(str(resources.files("partner_analytics") / "data" / "params" / "program.yml"))


def load_params(path: str | Path | None = None) -> Params:
    """Load and validate programme parameters from a YAML file.

    Parameters
    ----------
    path
        YAML file; ``None`` reads the packaged defaults
        (:func:`default_params_path`).

    Returns
    -------
    Params

    Raises
    ------
    ParamsError
        If the file is missing, is not valid YAML (line and column given),
        repeats a key, or breaks a rule; every problem names the file and the
        key path.

    Examples
    --------
    >>> params = load_params()
    >>> params.scoring, params.tiers.names, params.peer_group_min_size
    ('peer_percentile', ('platinum', 'gold', 'silver', 'registered'), 5)
    """
    file = default_params_path() if path is None else Path(path)
    source = str(path) if path is not None else str(file)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ParamsError(["no such file"], source) from None
    except IsADirectoryError:
        raise ParamsError(["is a folder, not a YAML file"], source) from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise ParamsError([f"invalid YAML: {exc.problem or exc.context}{where}"], source) from None
    except yaml.YAMLError as exc:
        raise ParamsError([f"invalid YAML: {exc}"], source) from None
    return parse_params({} if data is None else data, source=source)


def parse_params(data: Any, *, source: str = "<dict>") -> Params:
    """Validate an already-parsed mapping (e.g. from YAML) into :class:`Params`.

    Parameters
    ----------
    data
        Mapping with the sections described in the module docstring.
    source
        Name used in error messages.

    Returns
    -------
    Params

    Raises
    ------
    ParamsError
        Listing every problem with its key path.

    Examples
    --------
    >>> parse_params({"scorecard": {"default": {"revenue": 1}},
    ...               "tiers": {"levels": [{"name": "member", "min_score": 0}]}}).weights_for("msp")
    {'revenue': 1.0}
    """
    p = _Problems()
    if not isinstance(data, Mapping):
        raise ParamsError([f"the file must hold a mapping of sections, not {type(data).__name__}"], source)
    _unknown_keys(data, _TOP_LEVEL, "", p)
    for key in ("scorecard", "tiers"):
        if key not in data:
            p.add(key, "required key missing")
    scorecard = _scorecard(data["scorecard"], p) if "scorecard" in data else None
    tiers = _tiers(data["tiers"], p) if "tiers" in data else None
    scoring = data.get("scoring", "peer_percentile")
    if scoring not in SCORING_METHODS:
        p.add("scoring", f"must be one of {', '.join(SCORING_METHODS)}, got {scoring!r}")
    min_size = data.get("peer_group_min_size", 5)
    if isinstance(min_size, bool) or not isinstance(min_size, int) or min_size < 2:
        p.add("peer_group_min_size", f"must be an integer >= 2, got {min_size!r}")
    insights = _mapping(data.get("insights"), "insights", p)
    rewards = _rewards(data.get("rewards"), tiers, p)
    reporting = _reporting(data.get("reporting"), p)
    concentration = _concentration(data.get("concentration"), p)
    early_warning = _early_warning(data.get("early_warning"), p)
    if p.items:
        raise ParamsError(p.items, source)
    return Params(
        scorecard=MappingProxyType(scorecard),
        scoring=scoring,
        tiers=tiers,
        rewards=rewards,
        peer_group_min_size=min_size,
        insights=MappingProxyType(copy.deepcopy(dict(insights))),
        reporting=reporting,
        source=source,
        concentration=concentration,
        early_warning=early_warning,
        _raw=copy.deepcopy(dict(data)),
    )


class _Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.items.append(f"{path}: {message}")


def _number(value: Any, low: float = 0.0, high: float = math.inf) -> bool:
    """A real, finite number (not a bool) within [low, high]."""
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)
    return ok and low <= value <= high


def _mapping(value: Any, path: str, p: _Problems, known: Sequence[str] | None = None) -> Mapping | None:
    """``value`` as a mapping (None → empty); reports a non-mapping and, with ``known``, unknown keys."""
    value = {} if value is None else value
    if not isinstance(value, Mapping):
        p.add(path, f"must be a mapping, got {type(value).__name__}")
        return None
    if known is not None:
        _unknown_keys(value, known, f"{path}.", p)
    return value


def _unknown_keys(section: Mapping, known: Sequence[str], prefix: str, p: _Problems) -> None:
    for key in section:
        if key not in known:
            p.add(f"{prefix}{key}", f"unknown key; known keys: {', '.join(known)}")


def _scorecard(value: Any, p: _Problems) -> dict[str, MappingProxyType]:
    card = _mapping(value, "scorecard", p)
    if card is None:
        return {}
    if "default" not in card:
        p.add("scorecard.default", "required key missing (the KPI set for unlisted partner types)")
    out: dict[str, MappingProxyType] = {}
    for partner_type, weights in card.items():
        path = f"scorecard.{partner_type}"
        weights = _mapping(weights, path, p)
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


def _tiers(value: Any, p: _Problems) -> Tiers | None:
    section = _mapping(value, "tiers", p, known=("levels", "drop_risk_margin"))
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


def _points(value: Any, path: str, known: Sequence[str] | None, what: str, p: _Problems) -> MappingProxyType:
    """``{name: points >= 0}`` with names from ``known`` (None: not checked)."""
    good: dict[str, float] = {}
    for name, pts in (_mapping(value, path, p) or {}).items():
        if known is not None and name not in known:
            p.add(f"{path}.{name}", f"unknown {what}; known {what}s: {', '.join(known)}")
        elif not _number(pts):
            p.add(f"{path}.{name}", f"points must be a number >= 0, got {pts!r}")
        else:
            good[str(name)] = float(pts)
    return MappingProxyType(good)


def _rewards(value: Any, tiers: Tiers | None, p: _Problems) -> Rewards:
    section = _mapping(value, "rewards", p, known=("tier_points", "achievement_score", "achievement_points"))
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


def _concentration(value: Any, p: _Problems) -> Concentration:
    section = _mapping(value, "concentration", p, known=("population",))
    if section is None:
        return Concentration()
    population = section.get("population", "enrolled")
    if population not in POPULATIONS:
        p.add("concentration.population", f"must be one of {', '.join(POPULATIONS)}, got {population!r}")
        population = "enrolled"
    return Concentration(population)


def _reporting(value: Any, p: _Problems) -> Reporting:
    section = _mapping(value, "reporting", p,
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
    options = _mapping(section.get("engine_options"), "reporting.engine_options", p) or {}
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


def _early_warning(value: Any, p: _Problems) -> WarningSettings:
    known = ("horizon", "min_history_periods", "drop_pct", "min_events")
    section = _mapping(value, "early_warning", p, known=known)
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


class _UniqueKeyLoader(yaml.SafeLoader):
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
