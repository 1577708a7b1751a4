"""``partner-analytics render``: every partner report, the program overview and the index.

The batch starts a pool of warm workers, computes the report context once
while their kernels boot, renders each report in the pool, skips reports
whose inputs did not change since the last run, and writes the index last.
Partner reports start as soon as their part of the context is saved; the
early warning, which only the overview reads, is fitted meanwhile in a
thread, and the overview goes to the next free worker once it is saved.
A report that fails is listed in the summary and the index; no partial or
traceback-bearing file is ever written, and an earlier good file stays in
place. One run at a time renders into a folder (:mod:`.lock`); pages about
to be rendered leave the manifest first, so a run cut short never lets the
next one skip a page it did not finish.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib.resources import files
from pathlib import Path

from .. import __version__
from ..errors import InputError
from ..io import open_source
from ..params import Params, load_params
from .context import ReportContext, build_context, save_context, save_partner_store, with_early_warning
from .delivery import write_delivery
from .index_page import write_index
from .jobs import ReportJob, write_atomic
from .lock import FolderLock
from .pool import JobResult, WorkerPool, default_workers

__all__ = ["RenderSummary", "render_reports", "report_file_name", "TEMPLATES"]

TEMPLATES = {
    "partner": Path(str(files("partner_analytics") / "templates" / "partner_report.py")),
    "overview": Path(str(files("partner_analytics") / "templates" / "program_overview.py")),
}
MANIFEST = ".manifest.json"
OVERVIEW_FILE = "overview.html"
PARTNER_FOLDER = "partners"


@dataclass(frozen=True)
class RenderSummary:
    """What a render run did."""

    outdir: Path
    rendered: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        """True when no report failed."""
        return not self.failed

    def text(self) -> str:
        """A short summary for the terminal."""
        lines = [
            f"rendered {len(self.rendered)}, skipped {len(self.skipped)} (unchanged), failed {len(self.failed)} "
            f"in {self.seconds:.1f} s -> {self.outdir / 'index.html'}"
        ]
        lines += [f"  failed: {name}: {error}" for name, error in self.failed.items()]
        return "\n".join(lines)


def report_file_name(partner_id: str) -> str:
    """A safe file name for a partner report; the raw id never becomes a path.

    Keeps letters, digits, ``-`` and ``_`` of the id (at most 40) and adds a
    hash of the full id, so distinct ids never collide.

    Examples
    --------
    >>> report_file_name("00123")
    'partner-00123-918775ea.html'
    >>> report_file_name("../../etc/passwd")
    'partner-etcpasswd-3754d6cb.html'
    """
    safe = re.sub(r"[^A-Za-z0-9_-]", "", partner_id)[:40] or "id"
    digest = hashlib.sha256(partner_id.encode("utf-8")).hexdigest()[:8]
    return f"partner-{safe}-{digest}.html"


def _file_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _stamp(context: ReportContext, params_file: str, extra: dict[str, str]) -> dict[str, str]:
    return {
        **extra,
        "Period": str(context.period),
        "Data as of": str(context.facts.as_of.date()),
        "Parameters": params_file,
        "Input data hash": context.data_fingerprint[:16],
        "partner-analytics version": __version__,
        "Rendered at": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    }


def _jobs(context: ReportContext, context_path: Path, outdir: Path, partner_ids: list[str],
          params_file: str) -> list[tuple[str, str, ReportJob]]:
    """(name, input key, job) for the overview and every partner report."""
    base = {"context_path": str(context_path)}
    overview_key = hashlib.sha256(f"{context.fingerprint}|{_file_hash(TEMPLATES['overview'])}".encode()).hexdigest()
    jobs = [(
        OVERVIEW_FILE,
        overview_key,
        ReportJob(str(TEMPLATES["overview"]), base, str(outdir / OVERVIEW_FILE), "Partner program overview",
                  _stamp(context, params_file, {"Report": "Program overview (internal)"})),
    )]
    names = context.kpis.set_index("partner_id")["partner_name"]
    partner_template = _file_hash(TEMPLATES["partner"])
    for partner_id in partner_ids:
        name = f"{PARTNER_FOLDER}/{report_file_name(partner_id)}"
        key = hashlib.sha256(f"{context.fingerprint}|{partner_template}|{partner_id}".encode()).hexdigest()
        stamp = _stamp(context, params_file, {"Report": "Partner report", "Partner": partner_id})
        jobs.append((name, key, ReportJob(str(TEMPLATES["partner"]), {**base, "partner_id": partner_id},
                                          str(outdir / name), f"{names[partner_id]}: partner report", stamp)))
    return jobs


def _read_manifest(outdir: Path) -> dict[str, str]:
    try:
        return json.loads((outdir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def render_reports(
    *,
    params_path: str | Path | None = None,
    source: str | None = None,
    mapping: str | Path | None = None,
    engine: str | None = None,
    period: str | None = None,
    as_of: str | None = None,
    encoding: str | None = None,
    outdir: str | Path = "reports",
    partners: list[str] | None = None,
    force: bool = False,
    workers: int | None = None,
    timeout: float = 300,
    build_dir: str | Path = "build/render",
    progress: bool = True,
    wait: float = 0,
    pdf: bool = False,
) -> RenderSummary:
    """Render the overview, one report per partner and the index.

    Parameters
    ----------
    params_path
        Programme parameters YAML (default: the packaged defaults).
    source
        Data source (default: ``reporting.source`` of the parameters).
    mapping
        Column-mapping YAML for the source (default: ``reporting.mapping``).
    engine
        Where the data is rolled up (default: ``reporting.engine``, with
        ``reporting.engine_options`` when it is that engine).
    period
        Reporting period such as ``2025Q4`` (default from the parameters, else the latest complete one).
    as_of, encoding
        Last day counted and the CSV encoding (default: ``reporting.as_of`` / ``reporting.encoding``).
    outdir
        Output folder; partner reports go to ``outdir/partners/``.
    partners
        Partner ids to render (default: every partner). Unknown ids are an error.
    force
        Re-render even reports whose inputs did not change.
    workers
        Worker processes (default: one per core).
    timeout
        Seconds a report may run.
    build_dir
        Where the shared report context is saved.
    progress
        Show a progress bar.
    wait
        Seconds to wait while another run renders into ``outdir`` (a message
        on stderr says so); ``0`` refuses at once.
    pdf
        Also print each page (overview and partner reports) to a PDF beside it
        (:mod:`partner_analytics.render.pdf`; needs Playwright and Chromium).

    Returns
    -------
    RenderSummary

    Raises
    ------
    ProgramDataError, ParamsError, ValueError
        Before anything is rendered, for bad data, parameters or partner ids.
    FolderLocked
        When another run still renders into ``outdir`` after ``wait`` seconds.
    """
    started = time.perf_counter()
    outdir = Path(outdir)
    params = load_params(params_path)
    if pdf:
        from .pdf import check_pdf_support

        check_pdf_support()  # before any work
    with FolderLock(outdir, wait=wait, notify=lambda message: print(message, file=sys.stderr)), \
            WorkerPool(_pool_size(workers, partners), timeout=timeout) as pool, \
            ThreadPoolExecutor(1, thread_name_prefix="early-warning") as background:  # kernels boot meanwhile
        context = _load_context(params, source=source, mapping=mapping, engine=engine, period=period, as_of=as_of,
                                encoding=encoding)
        known = _selected(context, partners)
        context_path = save_partner_store(context, build_dir)  # partner reports can render from here on
        manifest = _read_manifest(outdir)
        todo, skipped = [], []
        for name, key, job in _jobs(context, context_path.resolve(), outdir, known, Path(params.source).name):
            if not force and manifest.get(name) == key and (outdir / name).exists():
                skipped.append(name)
            else:
                todo.append((name, key, job))
                manifest.pop(name, None)
        _write_manifest(outdir, manifest)  # a run cut short re-renders these pages next time, never skips them
        # only the overview reads the early warning and the whole context: fitted and saved while partners render
        gates = {i: background.submit(lambda: save_context(with_early_warning(context), build_dir, partner_store=False))
                 for i, (name, _, _) in enumerate(todo) if name == OVERVIEW_FILE}
        results: list[JobResult] = pool.run([job for _, _, job in todo], progress=progress, gates=gates)
        rendered, failed = [], {}
        for (name, key, _), result in zip(todo, results):
            if result.ok:
                rendered.append(name)
                manifest[name] = key
            else:
                failed[name] = result.error
        links = {p: f"{PARTNER_FOLDER}/{report_file_name(p)}" for p in known}
        write_index(context, outdir, links, overview=OVERVIEW_FILE, failed=set(failed))
        pdfs = _write_pdfs(context, outdir, links, rendered, failed) if pdf else {}
        write_delivery(context, outdir, links, rendered=set(rendered), failed=set(failed), pdfs=pdfs)
        _write_manifest(outdir, manifest)
    return RenderSummary(outdir, rendered, skipped, failed, time.perf_counter() - started)


def _write_manifest(outdir: Path, manifest: dict[str, str]) -> None:
    write_atomic(outdir / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True))


def _write_pdfs(context: ReportContext, outdir: Path, links: dict[str, str], rendered: list[str],
                failed: dict[str, str]) -> dict[str, str]:
    """PDFs of the overview and the partner reports that are new or have none yet; ``{partner_id: pdf path}``.

    A PDF that fails is added to ``failed`` under its own name.
    """
    from .pdf import PdfJob, write_pdfs

    names = context.kpis.set_index("partner_id")["partner_name"]
    details = f"Period {context.period} · data as of {context.facts.as_of.date()}"
    pages = {None: (OVERVIEW_FILE, "Partner program overview (internal)")}
    pages.update({partner_id: (link, f"{names[partner_id]}: partner report") for partner_id, link in links.items()})
    jobs, pdfs = [], {}
    for partner_id, (page, title) in pages.items():
        target = Path(page).with_suffix(".pdf").as_posix()
        if page in failed or not (outdir / page).exists():
            continue
        if page in rendered or not (outdir / target).exists():
            jobs.append(PdfJob(outdir / page, outdir / target, title, details))
        if partner_id is not None:
            pdfs[partner_id] = target
    for output, error in write_pdfs(jobs).items():
        name = output.relative_to(outdir).as_posix()
        failed[name] = error
        pdfs = {p: t for p, t in pdfs.items() if t != name}
    return pdfs


def _pool_size(workers: int | None, partners: list[str] | None) -> int:
    """Workers to start: as asked (default one per core), at most one per report when the partners are listed."""
    size = workers or default_workers()
    return max(1, min(size, len(partners) + 1)) if partners else max(1, size)


def _load_context(params: Params, *, source: str | None, mapping: str | Path | None, engine: str | None,
                  period: str | None, as_of: str | None = None, encoding: str | None = None) -> ReportContext:
    """Open the data source the arguments or ``params.reporting`` name and compute the report context."""
    reporting = params.reporting
    engine = engine or reporting.engine
    with open_source(source or reporting.source, engine=engine, mapping=mapping or reporting.mapping,
                     encoding=encoding or reporting.encoding,
                     options=dict(reporting.engine_options) if engine == reporting.engine else None) as program:
        return build_context(program, params, period=period, as_of=as_of, warn=False)


def _selected(context: ReportContext, partners: list[str] | None) -> list[str]:
    """The partner ids to render, in the context's order; unknown ids are a ``ValueError``."""
    known = list(context.kpis["partner_id"])
    if not partners:
        return known
    wanted = set(partners)
    unknown = sorted(wanted - set(known))
    if unknown:
        raise InputError(f"unknown partner ids: {', '.join(unknown[:10])}")
    return [p for p in known if p in wanted]
