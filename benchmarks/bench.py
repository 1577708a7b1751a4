"""Benchmarks: report rendering three ways, and the metric library on a large program.

Run ``make bench`` (or ``python benchmarks/bench.py --help``). Machines are
shared and noisy, so compare the **ratios** printed at the end, measured side
by side in one run, rather than absolute times.

Rendering (the same pages of a synthetic program, each way: the program
overview and N partner reports), twice: **per core** (one process at a time)
and **all cores** (N processes at once). Each way is reported in seconds per
page over that same mix of pages:

1. **stock CLI chain**: one ``papermill`` process and one ``jupyter nbconvert
   --to html --no-input`` process per report (a fresh kernel each time); one
   report after the other, then under ``xargs -P N`` (timed on the overview
   and a subset of the partners, ``--stock-reports``);
2. **renderer**: ``partner-analytics render`` in a process of its own, as a
   user runs it (warm kernels, one per worker, a reused exporter, the
   context computed once), with 1 worker, then N;
3. **floor**: the same pages' data and charts computed and drawn exactly as
   the reports draw them (the views' ``partner_figures`` / ``overview_figures``,
   :func:`partner_analytics.render.figures.figure_html`) in a plain Python
   loop, no notebook at all; in one process, then in N.

The renderer's figure includes its fixed costs (the context build, kernel
start); they are also printed on their own line.

``--big 10000`` adds a run of the renderer on a 10,000-partner program: time per
report and the peak resident memory (``VmHWM``) of each worker process and of
each report kernel, next to the same figures for the small program.

Metrics: validation, rollup and the full KPI / scorecard / insight set on a
synthetic program of about 1,000,000 deals.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shlex
import subprocess
import threading
import sys
import tempfile
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import partner_analytics as pa  # noqa: E402
from partner_analytics.params import load_params  # noqa: E402
from partner_analytics.plots.style import plot_style  # noqa: E402
from partner_analytics.render.batch import TEMPLATES  # noqa: E402
from partner_analytics.render.context import build_context, save_context  # noqa: E402
from partner_analytics.render.figures import figure_html  # noqa: E402
from partner_analytics.render.overview_view import overview_figures, overview_view  # noqa: E402
from partner_analytics.render.partner_view import partner_figures, partner_view  # noqa: E402
from partner_analytics.render.pool import default_workers  # noqa: E402
from partner_analytics.sample import write_sample  # noqa: E402
from scale import add_arguments as add_scale_arguments  # noqa: E402  (benchmarks/scale.py)
from scale import run_sizes  # noqa: E402


OVERVIEW = "overview"
"""The page id of the program overview in the benchmark's page lists (partner ids are never this word)."""


def _stock_jobs(pages: list[str], context_path: Path, work: Path, processes: int) -> tuple[float, dict[str, float]]:
    """Wall seconds for ``papermill`` then ``jupyter nbconvert`` per page, ``processes`` at a time, and each job's.

    ``pages`` are partner ids and :data:`OVERVIEW` (the overview notebook, no
    partner parameter). Each page is one ``sh -c`` job under ``xargs -P``;
    the job prints its start and end time (``date``).
    """
    import jupytext

    bindir = Path(sys.executable).parent
    notebooks = {}
    for kind in ("partner", "overview"):
        notebooks[kind] = work / f"{kind}_report.ipynb"
        jupytext.write(jupytext.read(TEMPLATES[kind]), notebooks[kind])
    q = shlex.quote
    papermill = (f"{q(str(bindir / 'papermill'))} \"$nb\" {q(str(work))}/$0.ipynb $extra "
                 f"-p context_path {q(str(context_path))} -k python3 --no-progress-bar --log-level ERROR")
    nbconvert = f"{q(str(bindir / 'jupyter'))} nbconvert --to html --no-input --log-level ERROR {q(str(work))}/$0.ipynb"
    one = (f'if [ "$0" = {OVERVIEW} ]; then nb={q(str(notebooks["overview"]))}; extra=""; '
           f'else nb={q(str(notebooks["partner"]))}; extra="-p partner_id $0"; fi; '
           f"s=$(date +%s.%N); {papermill} && {nbconvert} && echo \"$0 $s $(date +%s.%N)\"")
    started = time.perf_counter()
    done = subprocess.run(["xargs", "-P", str(processes), "-n", "1", "sh", "-c", one], input="\n".join(pages),
                          text=True, check=True, capture_output=True)
    wall = time.perf_counter() - started
    jobs = (line.split() for line in done.stdout.splitlines())
    return wall, {page: float(end) - float(begin) for page, begin, end in jobs}


def _stock_chain(ids: list[str], n_pages: int, context_path: Path, work: Path, cores: int) -> tuple[float, float]:
    """Seconds per page of the stock chain over the overview + ``n_pages - 1`` partner pages, per core and all cores.

    The chain renders the overview and ``ids`` (a subset of the partners):
    one job at a time, then under ``xargs -P cores``. Per core: (overview
    job + (n_pages - 1) × the mean partner job) / n_pages, the same mix of
    pages as the renderer and the floor. All cores: that figure divided by
    the speed-up ``xargs -P cores`` gets on the same jobs (the wall time of
    the one-at-a-time run over that of the parallel run).
    """
    pages = [OVERVIEW, *ids]
    serial, each = _stock_jobs(pages, context_path, work, 1)
    partner_mean = sum(each[p] for p in ids) / len(ids)
    per_core = (each[OVERVIEW] + (n_pages - 1) * partner_mean) / n_pages
    parallel, _ = _stock_jobs(pages, context_path, work, cores)
    return per_core, per_core * parallel / serial


class _PeakMemory:
    """Polls the ``VmHWM`` (peak resident set) of this process's descendants while a block runs.

    ``workers`` holds the peaks of the render worker processes (the Python
    processes running the pool; with one worker, ``in_process``, that is the
    render process itself, which renders in-process) and ``kernels``
    those of the report kernels (``ipykernel_launcher``), in MiB.
    """

    def __init__(self, *, in_process: bool) -> None:
        self.in_process = in_process
        self.workers: dict[int, float] = {}
        self.kernels: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    @staticmethod
    def _children(pid: int) -> list[int]:
        try:
            with open(f"/proc/{pid}/task/{pid}/children") as handle:
                return [int(c) for c in handle.read().split()]
        except OSError:
            return []

    @staticmethod
    def _peak(pid: int) -> tuple[float, str]:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            return 0.0, ""
        kib = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM")), 0)
        return kib / 1024, command

    def _poll(self) -> None:
        while not self._stop.wait(0.5):
            todo = [os.getpid()]
            while todo:
                pid = todo.pop()
                todo += self._children(pid)
                peak, command = self._peak(pid)
                if "ipykernel" in command:
                    self.kernels[pid] = max(self.kernels.get(pid, 0.0), peak)
                elif "multiprocessing" in command or (self.in_process and RENDER_COMMAND in command):
                    self.workers[pid] = max(self.workers.get(pid, 0.0), peak)

    def __enter__(self) -> _PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def text(self) -> str:
        workers = max(self.workers.values(), default=0.0)
        kernels = max(self.kernels.values(), default=0.0)
        return f"peak memory per worker process {workers:6.0f} MiB, per report kernel {kernels:6.0f} MiB"


RENDER_COMMAND = "partner_analytics.cli render"
"""How the renderer is run: as a user runs it (``partner-analytics render``), in a process of its own."""


def _renderer(source: Path, ids: list[str], work: Path, workers: int) -> tuple[float, _PeakMemory]:
    """Seconds per page (the overview counted as one more) and the peak memory of the workers and kernels.

    The renderer runs as ``partner-analytics render`` does, in a process of its own, whose start and imports
    count: run in this process, its worker processes would import this script again.
    """
    command = [sys.executable, "-m", *RENDER_COMMAND.split(), "--source", str(source), "--outdir",
               str(work / "reports"), "--force", "--workers", str(workers), "--quiet",
               *(f"--partner={partner_id}" for partner_id in ids)]
    (work / "build").mkdir(parents=True, exist_ok=True)
    with _PeakMemory(in_process=workers == 1) as memory:
        started = time.perf_counter()
        subprocess.run(command, cwd=work, check=True, stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - started
    return seconds / (len(ids) + 1), memory


def _kernel_start() -> float:
    """Seconds from starting a report worker until its kernel has loaded the report libraries."""
    from partner_analytics.render.worker import ReportWorker  # here: the renderer's worker processes, which
    # import this script again, would otherwise load the Jupyter libraries before they can set them up

    started = time.perf_counter()
    with ReportWorker() as worker:
        worker.wait_ready()
        return time.perf_counter() - started


def _draw_pages(context, pages: list[str]) -> int:
    """Compute each page's view and draw its charts exactly as the report templates do; return the page count.

    ``pages`` are partner ids and :data:`OVERVIEW`; the charts come from
    :func:`~partner_analytics.render.partner_view.partner_figures` and
    :func:`~partner_analytics.render.overview_view.overview_figures`, which
    the templates draw too.
    """
    with plot_style():
        for page in pages:
            if page == OVERVIEW:
                figures = overview_figures(overview_view(context))
            else:
                figures = partner_figures(partner_view(context, page))
            for spec in figures.values():
                figure, _ = spec.draw()
                if figure is not None:
                    figure_html(figure)
                    plt.close(figure)
    return len(pages)


def _floor(context, pages: list[str], processes: int) -> float:
    """Seconds per page to draw the pages' charts in a plain loop, in ``processes`` processes at once.

    The processes are forked after the context is built and warmed up (the
    first page drawn), so only the drawing is timed. In parallel, pages are
    handed out one at a time, as the renderer's pool does.
    """
    _draw_pages(context, pages[:1])
    if processes == 1:
        started = time.perf_counter()
        _draw_pages(context, pages)
        return (time.perf_counter() - started) / len(pages)
    global _FORKED_CONTEXT
    _FORKED_CONTEXT = context  # inherited by the forked processes: the context does not pickle
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        started = time.perf_counter()
        sum(pool.imap_unordered(_draw_forked, pages))
        return (time.perf_counter() - started) / len(pages)


_FORKED_CONTEXT = None


def _draw_forked(page: str) -> int:
    return _draw_pages(_FORKED_CONTEXT, [page])


def _ratios(title: str, stock: float, renderer: float, floor: float) -> None:
    print(f"  {title}")
    print(f"    stock CLI chain (papermill + nbconvert processes) {stock:8.3f} s/page")
    print(f"    partner-analytics renderer                         {renderer:8.3f} s/page")
    print(f"    floor (report charts drawn in a plain loop)        {floor:8.3f} s/page")
    print(f"    ratio stock / renderer = {stock / renderer:6.1f}x   (goal >= 10x)")
    print(f"    ratio renderer / floor = {renderer / floor:6.2f}x   (goal <= 1.3x)")


def bench_rendering(n_partners: int, stock_reports: int, workers: int | None, big: int = 0,
                    big_reports: int = 0, repeat: int = 2) -> None:
    """Time the three ways of rendering per core and on all cores; print per-report times and ratios.

    The floor and the renderer are timed ``repeat`` times each, alternately, and the fastest run of each is
    kept: on a shared machine a busy spell slows one run, and the alternation keeps it from slowing one way
    only. The stock chain, ten times slower, is timed once.
    """
    cores = workers or default_workers()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        write_sample(work / "data", n_partners=n_partners)
        program = pa.load_program(work / "data")
        started = time.perf_counter()
        context = build_context(program, load_params())
        context_path = save_context(context, work / "ctx")
        context_seconds = time.perf_counter() - started
        ids = list(context.kpis["partner_id"])[:n_partners]
        pages = [OVERVIEW, *ids]
        stock_ids = ids[:stock_reports]

        kernel_seconds = _kernel_start()
        runs = {"floor 1": [], "floor n": [], "renderer 1": [], "renderer n": []}
        for _ in range(max(1, repeat)):
            runs["floor 1"].append(_floor(context, pages, 1))
            seconds, memory_1 = _renderer(work / "data", ids, work, 1)
            runs["renderer 1"].append(seconds)
            runs["floor n"].append(_floor(context, pages, cores))
            seconds, memory_n = _renderer(work / "data", ids, work, cores)
            runs["renderer n"].append(seconds)
        floor_1, renderer_1, floor_n, renderer_n = (min(runs[name]) for name in
                                                    ("floor 1", "renderer 1", "floor n", "renderer n"))
        stock_1, stock_n = _stock_chain(stock_ids, len(pages), context_path, work, cores)
        big_result = _big_run(work, big, cores, big_reports) if big else None

    print(f"\nRendering the overview and {len(ids)} partner reports, {len(pages)} pages, {cores} cores "
          f"(s/page = all {len(pages)} pages / {len(pages)}; the stock chain timed on the overview and "
          f"{len(stock_ids)} partners, its partner mean standing for all {len(ids)}):")
    print(f"  floor and renderer: the fastest of {max(1, repeat)} alternated runs each "
          f"({'; '.join(f'{name} ' + ', '.join(f'{t:.3f}' for t in times) for name, times in runs.items())} s/page)")
    print(f"  fixed costs, counted in the renderer's s/page: context build {context_seconds:.2f} s per run, "
          f"kernel start {kernel_seconds:.2f} s per worker (overlaps the context build)")
    _ratios("per core: 1 renderer worker, stock chain one process at a time, floor in one process",
            stock_1, renderer_1, floor_1)
    _ratios(f"all cores: {cores} renderer workers, stock chain under xargs -P {cores}, floor in {cores} processes",
            stock_n, renderer_n, floor_n)
    print(f"  {len(ids)} partners, 1 worker:       {memory_1.text()}")
    print(f"  {len(ids)} partners, {cores} workers:      {memory_n.text()}")
    if big_result:
        _print_big_run(big_result, cores)


BIG_RUN_SMALL_PROGRAM = 40
"""Partners of the small program the big run is compared with."""


def _big_run(work: Path, partners: int, workers: int, reports: int = 0) -> list[tuple[int, int, float, _PeakMemory]]:
    """The renderer on a program of ``partners`` partners, and beside it on a 40-partner program.

    Renders every report of the big program, or ``reports`` of them (a fixed
    subset: every k-th partner id in the program's order, k = partners //
    reports, so runs compare the same reports), and as many of the small
    program's (at most all 40). Returns per program: partners, partner
    reports rendered, seconds per report and peak memory.
    """
    rows = []
    for size in (BIG_RUN_SMALL_PROGRAM, partners):
        write_sample(work / f"big-{size}", n_partners=size)
        ids = list(pa.load_program(work / f"big-{size}").partners["partner_id"])
        if reports and reports < len(ids):
            ids = ids[::len(ids) // reports][:reports]
        seconds, memory = _renderer(work / f"big-{size}", ids, work / f"big-{size}-out", workers)
        rows.append((size, len(ids), seconds, memory))
    return rows


def _print_big_run(rows: list[tuple[int, int, float, _PeakMemory]], workers: int) -> None:
    """Time per page and peak memory (worker processes; report kernels, smallest and largest) by program size."""
    print(f"\nRenderer by program size, {workers} worker(s) (peak memory: largest worker process; report kernels, "
          "smallest to largest: the overview's kernel also reads the whole context):")
    for size, rendered, seconds, memory in rows:
        kernels = sorted(memory.kernels.values()) or [0.0]
        print(f"  {size:>7,} partners ({rendered:,} reports): {seconds:6.3f} s/report; per worker "
              f"{max(memory.workers.values(), default=0.0):5.0f} MiB; per report kernel {kernels[0]:5.0f} to "
              f"{kernels[-1]:5.0f} MiB")


def bench_metrics(n_partners: int) -> None:
    """Time validation, rollup and the full metric set on a large synthetic program."""
    from partner_analytics.insights import partner_insights, program_insights
    from partner_analytics.metrics.kpis import partner_kpis, scorecard_table
    from partner_analytics.sample import generate_sample

    params = load_params()
    timings: dict[str, float] = {}

    def timed(name, step):
        started = time.perf_counter()
        result = step()
        timings[name] = time.perf_counter() - started
        return result

    frames = generate_sample(n_partners=n_partners)
    program = timed("validate", lambda: pa.build_program(frames))
    facts = timed("rollup", lambda: pa.rollup(program))
    kpis = timed("partner KPIs", lambda: partner_kpis(facts))
    card = timed("scorecard + tiers", lambda: scorecard_table(facts, params, kpis=kpis))  # KPIs shared, as in a run
    timed("insights", lambda: (partner_insights(facts, kpis, params, scorecard=card),
                               program_insights(facts, kpis, params)))

    print(f"\nMetric library on {len(frames['deals']):,} deals, {n_partners:,} partners:")
    for name, seconds in timings.items():
        print(f"  {name:<20} {seconds:7.2f} s")
    print(f"  {'total':<20} {sum(timings.values()):7.2f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--partners", type=int, default=100, help="partner reports to render (default 100)")
    parser.add_argument("--stock-reports", type=int, default=100,
                        help="how many of them the slow stock chain renders (default: all 100)")
    parser.add_argument("--repeat", type=int, default=2,
                        help="alternated runs of the floor and the renderer, the fastest of each kept (default 2)")
    parser.add_argument("--workers", type=int, default=None,
                        help="processes in the all-cores comparison (default: one per core)")
    parser.add_argument("--big", type=int, default=0, metavar="PARTNERS",
                        help="also render every report of a program this large (e.g. 10000): time and peak memory")
    parser.add_argument("--big-reports", type=int, default=0, metavar="N",
                        help="with --big, render only N reports of it (every k-th partner id; default: all)")
    parser.add_argument("--skip-small", action="store_true",
                        help="with --big, skip the small three-way comparison (only the big run)")
    parser.add_argument("--metric-partners", type=int, default=10_000,
                        help="partners in the metric benchmark (10,000 ≈ 1,000,000 deals)")
    parser.add_argument("--skip-render", action="store_true", help="skip the rendering benchmark")
    parser.add_argument("--skip-metrics", action="store_true", help="skip the in-memory metric benchmark")
    scale = parser.add_argument_group(
        "scale benchmark", "engine path vs. naive pandas on a Parquet program (benchmarks/scale.py)")
    scale.add_argument("--scale", action="store_true",
                       help="also run the scale benchmark (default size 100,000 partners, 10,000,000 deals)")
    add_scale_arguments(scale, prefix="scale-")
    args = parser.parse_args(argv)
    if not args.skip_render:
        if args.big and args.skip_small:
            with tempfile.TemporaryDirectory() as tmp:
                rows = _big_run(Path(tmp), args.big, args.workers or default_workers(), args.big_reports)
            _print_big_run(rows, args.workers or default_workers())
        else:
            bench_rendering(args.partners, args.stock_reports, args.workers, args.big, args.big_reports,
                            args.repeat)
    if not args.skip_metrics:
        bench_metrics(args.metric_partners)
    if args.scale:
        run_sizes(args, n_partners=args.scale_partners, sizes=args.scale_deals)
    return 0


if __name__ == "__main__":
    sys.exit(main())
