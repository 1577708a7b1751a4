"""The report context split by partner: what a partner report kernel reads.

Every report kernel used to unpickle the whole context (every partner's rows)
and keep it: at 100,000 partners a copy of about a gigabyte per kernel, for
reports that each read one partner's rows. :func:`write_partner_store` saves,
beside the context, every table with a row per partner (KPIs, scorecard,
tiers, insights, the partner's facts and its
:class:`~partner_analytics.render.peer_aggregates.PeerAggregates`) as an Arrow
IPC file sorted by partner, in record batches of :data:`BLOCK` partners, plus a
small pickle with the rest (parameters, coverage) and where each partner's rows
start. :func:`partner_context` reads one batch of each file (the operating
system's page cache keeps the files once for every kernel), converts it to
pandas once per kernel (the last block of each table is kept: reports run in
partner order) and returns only the partner's rows, so a kernel's memory and a
report's cost do not grow with the program.

The context it returns holds that partner's rows and nothing of any other
partner: program-wide frames (other partners' facts, program insights,
early warning) are left empty.
"""

from __future__ import annotations

import functools
import os
import pickle
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa

from .pickling import dump

if TYPE_CHECKING:
    from .context import ReportContext

__all__ = ["write_partner_store", "partner_context", "store_path"]

CONTEXT_TABLES = ("kpis", "prior_kpis", "year_ago_kpis", "scorecard", "breakdown", "tiers", "partner_insights")
"""Context frames with one or more rows per partner."""
FACT_TABLES = ("partners", "partner_periods", "partner_channel_periods", "partner_deal_stats", "engagement", "surveys",
               "comments", "mdf", "target_actuals")
"""Rollup frames with rows per partner."""
PEER_TABLES = ("groups", "benchmarks", "engagement")
"""Frames of :class:`~partner_analytics.render.peer_aggregates.PeerAggregates`."""
_SHARED = "shared.pkl"
BLOCK = 32
"""Partners per record batch: a report reads its partner's block of each table, nothing more."""


def store_path(context_path: str | Path) -> Path:
    """The folder of the partner store saved beside the context file ``context_path``."""
    context_path = Path(context_path)
    return context_path.with_name(context_path.stem + ".partners")


def _tables(context: ReportContext) -> dict[str, pd.DataFrame]:
    """Every per-partner frame of ``context`` by store name."""
    tables = {name: getattr(context, name) for name in CONTEXT_TABLES}
    tables.update({f"facts.{name}": getattr(context.facts, name) for name in FACT_TABLES})
    tables.update({f"peers.{name}": getattr(context.peer_aggregates, name) for name in PEER_TABLES})
    return tables


def _with_tables(context: ReportContext, tables: dict[str, pd.DataFrame]) -> ReportContext:
    """``context`` with its per-partner frames replaced by ``tables`` (as :func:`_tables` names them)."""
    facts = replace(context.facts, **{n: tables[f"facts.{n}"] for n in FACT_TABLES})
    peers = replace(context.peer_aggregates, **{n: tables[f"peers.{n}"] for n in PEER_TABLES})
    return replace(context, facts=facts, peer_aggregates=peers, **{n: tables[n] for n in CONTEXT_TABLES})


def _without_partners(context: ReportContext) -> ReportContext:
    """``context`` with no partner's rows: every per-partner and program-wide frame empty, no early warning."""
    empty = {name: frame.iloc[:0] for name, frame in _tables(context).items()}
    facts = context.facts
    facts = replace(facts, channel_periods=facts.channel_periods.iloc[:0], deal_stats=facts.deal_stats.iloc[:0])
    return _with_tables(replace(context, facts=facts, program_insights=context.program_insights.iloc[:0],
                                program_tiles=context.program_tiles.iloc[:0], early_warning=None), empty)


def write_partner_store(context: ReportContext, path: str | Path) -> Path:
    """Save ``context`` split by partner into the folder ``path`` (replaced as a whole); return ``path``.

    Like the context file, the folder is private (``0700``, files ``0600``).
    """
    path = Path(path)
    ids = np.sort(context.kpis["partner_id"].astype(str).to_numpy(dtype=object))
    temp = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp"))  # mode 0700
    try:
        starts = {}
        for name, frame in _tables(context).items():
            codes = pd.Categorical(frame["partner_id"], categories=ids).codes  # -1: not a partner of the program
            order = np.argsort(codes, kind="stable")
            kept = frame.iloc[order[codes[order] >= 0]].reset_index(drop=True)
            starts[name] = np.concatenate([[0], np.cumsum(np.bincount(codes[codes >= 0], minlength=len(ids)))])
            _write_arrow(kept, temp / f"{name}.arrow", starts[name])
        shared = {"context": _without_partners(context), "ids": ids, "starts": starts}
        with os.fdopen(os.open(temp / _SHARED, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "wb") as handle:
            dump(shared, handle)
        old = path.with_name(f".{path.name}.old")
        if path.exists():
            os.replace(path, old)
        os.replace(temp, path)
        shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(temp, ignore_errors=True)
        raise
    return path


def _write_arrow(frame: pd.DataFrame, path: Path, starts: np.ndarray) -> None:
    """Write ``frame`` (sorted by partner) as Arrow IPC, one record batch per :data:`BLOCK` partners."""
    table = pa.Table.from_pandas(frame, preserve_index=False).combine_chunks()
    rows = table.to_batches()[0] if table.num_rows else pa.RecordBatch.from_pylist([], schema=table.schema)
    with pa.OSFile(str(path), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
        for first in range(0, max(len(starts) - 1, 1), BLOCK):
            start, stop = starts[first], starts[min(first + BLOCK, len(starts) - 1)]
            writer.write_batch(rows.slice(start, stop - start))
    os.chmod(path, 0o600)


@dataclass(frozen=True)
class _Store:
    context: ReportContext
    ids: np.ndarray
    starts: dict[str, np.ndarray]
    readers: dict[str, pa.ipc.RecordBatchFileReader]
    blocks: dict[str, tuple[int, pd.DataFrame]] = field(default_factory=dict)

    def block(self, name: str, number: int) -> pd.DataFrame:
        """Block ``number`` of table ``name`` in pandas; the last block read of each table is kept.

        Reports are rendered in partner order, so a kernel converts each block once for the partners of it that it
        renders instead of converting a slice for each (a conversion costs about a millisecond whatever its rows).
        """
        kept = self.blocks.get(name)
        if kept is None or kept[0] != number:
            kept = self.blocks[name] = (number, self.readers[name].get_batch(number).to_pandas())
        return kept[1]


@functools.lru_cache(maxsize=2)
def _open(path: str, mtime_ns: int) -> _Store:
    with open(Path(path) / _SHARED, "rb") as handle:
        shared = pickle.load(handle)
    readers = {name: pa.ipc.open_file(pa.OSFile(str(Path(path) / f"{name}.arrow"))) for name in shared["starts"]}
    return _Store(shared["context"], shared["ids"], shared["starts"], readers)


def partner_context(path: str | Path, partner_id: str) -> ReportContext:
    """The context of one partner report, read from the store at ``path``.

    It holds ``partner_id``'s rows only (none for an id outside the program,
    for which :func:`~partner_analytics.render.partner_view.partner_view`
    raises ``KeyError``). The store must come from :func:`write_partner_store`
    on this machine: its pickle must never be read from an untrusted source.
    """
    path = Path(path)
    store = _open(str(path.resolve()), (path / _SHARED).stat().st_mtime_ns)
    partner_id = str(partner_id)
    at = int(np.searchsorted(store.ids, partner_id))
    if at == len(store.ids) or store.ids[at] != partner_id:
        return store.context
    tables = {}
    for name, starts in store.starts.items():
        first = starts[at - at % BLOCK]  # the first row of the partner's block
        rows = store.block(name, at // BLOCK).iloc[starts[at] - first:starts[at + 1] - first]
        tables[name] = rows.reset_index(drop=True)
    return _with_tables(store.context, tables)
