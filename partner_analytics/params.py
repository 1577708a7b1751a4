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
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import yaml

from .metrics.early_warning import WarningSettings
from .params_sections import (
    ENGINE_KINDS,
    SCORING_METHODS,
    Concentration,
    ParamsError,
    ProblemList,
    Reporting,
    Rewards,
    Tier,
    Tiers,
    UniqueKeyLoader,
    check_unknown_keys,
    parse_concentration,
    parse_early_warning,
    parse_insights,
    parse_reporting,
    parse_rewards,
    parse_scorecard,
    parse_tiers,
)

__all__ = ["ParamsError", "Params", "Tier", "Tiers", "Rewards", "Reporting", "Concentration", "load_params", "parse_params",
           "default_params_path", "SCORING_METHODS", "ENGINE_KINDS"]

_TOP_LEVEL = ("reporting", "scoring", "peer_group_min_size", "scorecard", "tiers", "rewards", "insights",
              "concentration", "early_warning")


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
        data = yaml.load(text, Loader=UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
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
    p = ProblemList()
    if not isinstance(data, Mapping):
        raise ParamsError([f"the file must hold a mapping of sections, not {type(data).__name__}"], source)
    check_unknown_keys(data, _TOP_LEVEL, "", p)
    for key in ("scorecard", "tiers"):
        if key not in data:
            p.add(key, "required key missing")
    scorecard = parse_scorecard(data["scorecard"], p) if "scorecard" in data else None
    tiers = parse_tiers(data["tiers"], p) if "tiers" in data else None
    scoring = data.get("scoring", "peer_percentile")
    if scoring not in SCORING_METHODS:
        p.add("scoring", f"must be one of {', '.join(SCORING_METHODS)}, got {scoring!r}")
    min_size = data.get("peer_group_min_size", 5)
    if isinstance(min_size, bool) or not isinstance(min_size, int) or min_size < 2:
        p.add("peer_group_min_size", f"must be an integer >= 2, got {min_size!r}")
    insights = parse_insights(data.get("insights"), p)
    rewards = parse_rewards(data.get("rewards"), tiers, p)
    reporting = parse_reporting(data.get("reporting"), p)
    concentration = parse_concentration(data.get("concentration"), p)
    early_warning = parse_early_warning(data.get("early_warning"), p)
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

