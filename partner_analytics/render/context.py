"""Everything a report needs, computed once per batch and shared by every report.

:func:`build_context` loads nothing itself: it takes a validated program and
parameters, rolls them up and computes the KPI table, scorecard, tiers and
insights for the reporting period. The renderer saves the context once
(:func:`save_context`), with a copy split by partner
(:mod:`~partner_analytics.render.partner_store`): the overview kernel reads the
whole context back with :func:`load_context`, which keeps it in memory; a
partner report reads only its partner's rows (:func:`open_context` with a
``partner_id``), from Arrow files the page cache shares, so no kernel holds
a private copy of every partner's data.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import os
import pickle
import tempfile
from pathlib import Path

import pandas as pd

from .. import __version__
from ..errors import InputError
from ..insights import program_insights, partner_insights
from ..metrics.early_warning_backtest import EarlyWarning, early_warning
from ..metrics.partner import TOTALS, kpi_changes, period_kpis, program_totals
from ..metrics.scorecard import scorecard, scorecard_breakdown
from ..metrics.tiers import assign_tiers
from ..params import Params
from ..periods import Coverage, resolve_coverage
from ..program import Program
from ..rollup import Rollup, rollup
from .partner_store import partner_context, store_path, write_partner_store
from .peer_aggregates import PeerAggregates, peer_aggregates
from .pickling import dump

__all__ = ["ReportContext", "build_context", "with_early_warning", "save_context", "save_partner_store", "load_context",
           "open_context", "code_fingerprint"]

_PACKAGE = Path(__file__).resolve().parents[1]


@functools.cache
def code_fingerprint(root: Path = _PACKAGE) -> str:
    """SHA-256 of every file of the package under ``root`` (code, templates, packaged params and data).

    Part of :attr:`ReportContext.fingerprint`, so a change to the code re-renders every report even when the
    version number stays the same (an edited checkout, a patched install). Compiled ``__pycache__`` files are left
    out. Computed once per process: about a megabyte of files.
    """
    digest = hashlib.sha256()
    files = sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    for path in files:
        digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


@dataclasses.dataclass(frozen=True)
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
    coverage
        What the data covers and what the reports count (:class:`~partner_analytics.periods.Coverage`).
    kpis, prior_kpis, year_ago_kpis
        :func:`~partner_analytics.metrics.kpis.partner_kpis` for the period, the one before and the same
        period a year earlier. For a partial period the earlier two count the same number of days
        (like-for-like), and so do ``kpis``' revenue growth columns. Empty when the earlier period
        is before the data.
    program_tiles
        The programme's headline totals against the prior period (like-for-like when partial):
        :func:`~partner_analytics.metrics.partner.kpi_changes` of
        :func:`~partner_analytics.metrics.partner.program_totals`.
    scorecard, breakdown, tiers
        Composite scores, their per-KPI explanation, and tiers with rewards.
    partner_insights, program_insights
        Ranked findings with recommended actions.
    source
        Where the data came from.
    data_fingerprint
        SHA-256 of the input data.
    peer_aggregates
        Every partner's anonymised peer comparisons
        (:func:`~partner_analytics.render.peer_aggregates.peer_aggregates`), computed once for all reports.
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
    coverage: Coverage
    year_ago_kpis: pd.DataFrame
    program_tiles: pd.DataFrame
    peer_aggregates: PeerAggregates
    early_warning: EarlyWarning | None = None

    @property
    def fingerprint(self) -> str:
        """Hash of everything the reports depend on apart from the template: data, parameters, period and code."""
        text = "|".join([self.data_fingerprint, repr(self.params), str(self.period), str(self.facts.as_of),
                         __version__, code_fingerprint()])
        return hashlib.sha256(text.encode()).hexdigest()


def build_context(program: Program, params: Params, *, period: str | pd.Period | None = None,
                  as_of: str | pd.Timestamp | None = None, warn: bool = True) -> ReportContext:
    """Compute the report context of ``program``.

    Parameters
    ----------
    program
        A validated program.
    params
        Programme parameters; ``params.reporting`` gives the grain, the as-of
        date and the default period.
    period, as_of
        Reporting period and last day counted; default ``params.reporting``'s,
        else chosen by :func:`~partner_analytics.periods.resolve_coverage`
        (the latest complete period with material activity).
    warn
        Fit the early warning (:func:`with_early_warning`); False leaves
        ``early_warning`` None, for a caller that fits it later (only the
        overview reads it).
    """
    reporting = params.reporting
    coverage = resolve_coverage(program, freq=reporting.freq, as_of=as_of or reporting.as_of,
                                period=period or reporting.period)
    facts = rollup(program, freq=reporting.freq, as_of=coverage.as_of)
    period = coverage.period
    if period not in facts.periods:
        raise InputError(f"period {period} is outside the data ({facts.periods[0]} to {facts.periods[-1]})")
    compared = period_kpis(program, facts, coverage)
    kpis = compared.kpis
    card = scorecard(kpis, params)
    context = ReportContext(
        params=params,
        period=period,
        facts=facts,
        kpis=kpis,
        prior_kpis=compared.prior_kpis,
        scorecard=card,
        breakdown=scorecard_breakdown(kpis, params),
        tiers=assign_tiers(card, params),
        partner_insights=partner_insights(facts, kpis, params, period=period, scorecard=card),
        program_insights=program_insights(facts, kpis, params, period=period,
                                          year_ago_revenue=compared.year_ago_totals["revenue"]),
        source=program.source,
        data_fingerprint=program.fingerprint,
        coverage=coverage,
        year_ago_kpis=compared.year_ago_kpis,
        program_tiles=kpi_changes(program_totals(facts, period=period), compared.prior_totals, TOTALS),
        peer_aggregates=peer_aggregates(kpis, facts, params, period=period),
    )
    return with_early_warning(context) if warn else context


def with_early_warning(context: ReportContext) -> ReportContext:
    """``context`` with its early warning fitted (the backtest included: about half a context's build)."""
    fitted = early_warning(context.facts, context.params.early_warning, period=context.period)
    return dataclasses.replace(context, early_warning=fitted)


def save_context(context: ReportContext, folder: str | Path, *, partner_store: bool = True) -> Path:
    """Pickle ``context`` into ``folder`` under a name derived from its fingerprint; return the path.

    Beside it goes the same context split by partner
    (:func:`save_partner_store`), which partner reports read
    (:func:`open_context` with a ``partner_id``); ``partner_store=False``
    leaves it to an earlier :func:`save_partner_store`. The context holds
    every partner's data, so the files are private (``0600``) and so are the
    folders created for them (``0700``). Both are always (atomically)
    replaced: the fingerprint names the inputs, not the code that computed
    from them, so an older file of the same name may hold numbers an earlier
    version computed.
    """
    path = _context_path(context, folder)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            dump(context, handle)
        if partner_store:
            write_partner_store(context, store_path(path))
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path


def save_partner_store(context: ReportContext, folder: str | Path) -> Path:
    """Save only the partner store of ``context`` (what partner reports read); return the context's path.

    The context file itself, which the overview reads, is not written: a
    later :func:`save_context` with ``partner_store=False`` writes it, for
    example once the early warning is fitted (:func:`with_early_warning`),
    while partner reports already render.
    """
    path = _context_path(context, folder)
    write_partner_store(context, store_path(path))
    return path


def _context_path(context: ReportContext, folder: str | Path) -> Path:
    """Where :func:`save_context` saves ``context`` in ``folder`` (created private when missing)."""
    folder = Path(folder)
    _private_folder(folder)
    return folder / f"context-{context.fingerprint[:16]}.pkl"


def _private_folder(folder: Path) -> None:
    """Create ``folder`` and its missing parents with mode ``0700``; existing folders are left as they are."""
    missing = [p for p in [folder, *folder.parents] if not p.exists()]
    for path in reversed(missing):
        path.mkdir(mode=0o700, exist_ok=True)


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
    as_of: str = "",
    partner_id: str | None = None,
) -> ReportContext:
    """The context a report template works from.

    The renderer passes ``context_path`` (a context it saved once for the
    whole batch). With ``partner_id`` (a partner report), only that partner's
    rows are read, from the partner store saved beside it
    (:func:`~partner_analytics.render.partner_store.partner_context`), rather
    than every partner's. Run by hand, a template builds its own context from
    ``source``, ``params_path`` and ``period`` instead.
    """
    if context_path and partner_id is not None:
        return partner_context(store_path(context_path), partner_id)
    if context_path:
        return load_context(context_path)
    from ..io import load_program
    from ..params import load_params

    return build_context(load_program(source), load_params(params_path or None), period=period or None,
                         as_of=as_of or None)
