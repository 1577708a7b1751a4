"""Everything a report needs, computed once per batch and shared by every report.

:func:`build_context` loads nothing itself: it takes a validated program and
parameters, rolls them up and computes the KPI table, scorecard, tiers and
insights for the reporting period. The renderer saves the context once
(:func:`save_context`); every report kernel reads it back with
:func:`load_context`, which keeps it in memory, so a warm worker loads the
program data once rather than once per report.
"""

from __future__ import annotations

import copyreg
import functools
import hashlib
import pickle
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

import pandas as pd

from .. import __version__
from ..insights import program_insights, partner_insights
from ..metrics.early_warning_backtest import EarlyWarning, early_warning
from ..metrics.kpis import partner_kpis
from ..metrics.scorecard import scorecard, scorecard_breakdown
from ..metrics.tiers import assign_tiers
from ..params import Params
from ..program import Program
from ..rollup import Rollup, rollup

__all__ = ["ReportContext", "build_context", "save_context", "load_context", "open_context"]


@dataclass(frozen=True)
class ReportContext:
    """Facts and metrics of one program for one reporting period.

    Attributes
    ----------
    params
        Programme parameters.
    period
        The reporting period.
    facts
        Rollup of the program as of ``facts.as_of``.
    kpis, prior_kpis
        :func:`~partner_analytics.metrics.kpis.partner_kpis` for the period and the one before.
    scorecard, breakdown, tiers
        Composite scores, their per-KPI explanation, and tiers with rewards.
    partner_insights, program_insights
        Ranked findings with recommended actions.
    source
        Where the data came from.
    data_fingerprint
        SHA-256 of the input data.
    early_warning
        Which partners are likely to go quiet, with the backtest behind it
        (fitted once here; internal only, never shown in partner reports).
    """

    params: Params
    period: pd.Period
    facts: Rollup
    kpis: pd.DataFrame
    prior_kpis: pd.DataFrame
    scorecard: pd.DataFrame
    breakdown: pd.DataFrame
    tiers: pd.DataFrame
    partner_insights: pd.DataFrame
    program_insights: pd.DataFrame
    source: str
    data_fingerprint: str
    early_warning: EarlyWarning | None = None

    @property
    def fingerprint(self) -> str:
        """Hash of everything the reports depend on apart from the template."""
        text = "|".join([self.data_fingerprint, repr(self.params), str(self.period), str(self.facts.as_of), __version__])
        return hashlib.sha256(text.encode()).hexdigest()


def build_context(program: Program, params: Params, *, period: str | pd.Period | None = None) -> ReportContext:
    """Compute the report context of ``program``.

    Parameters
    ----------
    program
        A validated program.
    params
        Programme parameters; ``params.reporting`` gives the grain, the as-of
        date and the default period.
    period
        Reporting period; default ``params.reporting.period``, else the period
        containing the as-of date.
    """
    reporting = params.reporting
    facts = rollup(program, freq=reporting.freq, as_of=reporting.as_of)
    period = pd.Period(period or reporting.period or facts.period, freq=facts.freq)
    if period not in facts.periods:
        raise ValueError(f"period {period} is outside the data ({facts.periods[0]} to {facts.periods[-1]})")
    kpis = partner_kpis(facts, period=period)
    prior = period - 1
    prior_kpis = partner_kpis(facts, period=prior) if prior in facts.periods else kpis.iloc[:0]
    card = scorecard(kpis, params)
    return ReportContext(
        params=params,
        period=period,
        facts=facts,
        kpis=kpis,
        prior_kpis=prior_kpis,
        scorecard=card,
        breakdown=scorecard_breakdown(kpis, params),
        tiers=assign_tiers(card, params),
        partner_insights=partner_insights(facts, kpis, params, period=period),
        program_insights=program_insights(facts, kpis, params, period=period),
        source=program.source,
        data_fingerprint=program.fingerprint,
        early_warning=early_warning(facts, params.early_warning, period=period),
    )


def _mapping_proxy(items: dict) -> MappingProxyType:
    return MappingProxyType(items)


def _reduce_mapping_proxy(proxy: MappingProxyType) -> tuple:
    # read-only mappings inside Params are not picklable by default; rebuild them from a dict
    return _mapping_proxy, (dict(proxy),)


def save_context(context: ReportContext, folder: str | Path) -> Path:
    """Pickle ``context`` into ``folder`` under a name derived from its fingerprint; return the path."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"context-{context.fingerprint[:16]}.pkl"
    if not path.exists():
        temp = path.with_suffix(".tmp")
        with open(temp, "wb") as handle:
            pickler = pickle.Pickler(handle, protocol=pickle.HIGHEST_PROTOCOL)
            pickler.dispatch_table = {**copyreg.dispatch_table, MappingProxyType: _reduce_mapping_proxy}
            pickler.dump(context)
        temp.replace(path)
    return path


@functools.lru_cache(maxsize=4)
def _load(path: str, mtime_ns: int) -> ReportContext:
    with open(path, "rb") as handle:
        return pickle.load(handle)


def load_context(path: str | Path) -> ReportContext:
    """Read a saved context; repeated calls for the same unchanged file return the cached object.

    The file must come from :func:`save_context` on this machine: like every
    pickle it must never be read from an untrusted source.
    """
    path = Path(path)
    return _load(str(path.resolve()), path.stat().st_mtime_ns)


def open_context(
    context_path: str = "",
    *,
    source: str = "sample",
    params_path: str = "",
    period: str = "",
) -> ReportContext:
    """The context a report template works from.

    The renderer passes ``context_path`` (a context it saved once for the
    whole batch). Run by hand, a template builds its own context from
    ``source``, ``params_path`` and ``period`` instead.
    """
    if context_path:
        return load_context(context_path)
    from ..io import load_program
    from ..params import load_params

    return build_context(load_program(source), load_params(params_path or None), period=period or None)
