"""The warm-kernel worker: string parameters, no state leaks, failures and timeouts never write a file."""

from __future__ import annotations

import html
import multiprocessing
import multiprocessing.forkserver
import re
import threading
import time
from concurrent.futures import Future
from pathlib import Path

import pytest

from partner_analytics.render.cell_runner import CELL_MARKER
from partner_analytics.render.pool import WorkerPool, run_jobs
from partner_analytics.render.worker_start import worker_context
from partner_analytics.render.jobs import ReportFailed, ReportJob, write_atomic
from partner_analytics.render.worker import ReportWorker

pytestmark = pytest.mark.slow

TEMPLATE = '''\
# %% tags=["parameters"]
partner_id = "x"
fail = False

# %% [markdown]
# ## Figures

# %%
import matplotlib.pyplot as plt
leaked = globals().get("secret", "nothing leaked")
secret = partner_id
print(f"id={partner_id!r} type={type(partner_id).__name__} {leaked}")
plt.plot([1, 2]); plt.show()
if fail:
    raise ValueError("boom")
'''


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("template") / "t.py"
    path.write_text(TEMPLATE)
    return str(path)


@pytest.fixture(scope="module")
def worker():
    with ReportWorker(timeout=60) as w:
        yield w


def _job(template: str, out: Path, partner_id: str, **extra) -> ReportJob:
    return ReportJob(template, {"partner_id": partner_id, **extra}, str(out / f"{partner_id}.html"), partner_id,
                     {"Partner": partner_id})


def test_partner_ids_reach_the_notebook_as_strings(worker, template, tmp_path):
    worker.render(_job(template, tmp_path, "00123"))
    page = (tmp_path / "00123.html").read_text()
    assert "id='00123' type=str" in html.unescape(page)  # however the exporter escapes the quotes


def test_no_variable_leaks_from_one_report_into_the_next(worker, template, tmp_path):
    worker.render(_job(template, tmp_path, "A1"))
    worker.render(_job(template, tmp_path, "B2"))
    assert "nothing leaked" in (tmp_path / "B2.html").read_text()


def test_the_page_has_no_code_no_parameters_and_an_embedded_image(worker, template, tmp_path):
    worker.render(_job(template, tmp_path, "C3"))
    page = (tmp_path / "C3.html").read_text()
    assert "import matplotlib" not in page
    assert "injected-parameters" not in page and "Parameters" not in page
    assert re.search(r'<img[^>]+src="data:image/png;base64,', page)
    assert '<nav class="toc"' in page and 'href="#Figures"' in page
    assert "<dt>Partner</dt><dd>C3</dd>" in page


def test_a_failing_report_raises_and_writes_nothing(worker, template, tmp_path):
    with pytest.raises(ReportFailed, match="ValueError: boom"):
        worker.render(_job(template, tmp_path, "bad", fail=True))
    assert not (tmp_path / "bad.html").exists()
    assert list(tmp_path.iterdir()) == []


def test_a_failure_keeps_the_previous_good_report(worker, template, tmp_path):
    good = tmp_path / "P9.html"
    good.write_text("previous good report")
    with pytest.raises(ReportFailed):
        worker.render(_job(template, tmp_path, "P9", fail=True))
    assert good.read_text() == "previous good report"


def test_the_worker_recovers_after_a_failure(worker, template, tmp_path):
    with pytest.raises(ReportFailed):
        worker.render(_job(template, tmp_path, "bad", fail=True))
    worker.render(_job(template, tmp_path, "D4"))
    assert "nothing leaked" in (tmp_path / "D4.html").read_text()


def test_the_pool_renders_every_job_and_reports_failures_without_stopping(template, tmp_path):
    jobs = [_job(template, tmp_path, f"P{i}", fail=(i == 2)) for i in range(5)]
    results = run_jobs(jobs, workers=2, progress=False)
    assert [r.ok for r in results] == [True, True, False, True, True]
    assert "ValueError: boom" in results[2].error
    assert sorted(p.name for p in tmp_path.iterdir()) == ["P0.html", "P1.html", "P3.html", "P4.html"]


no_fork_server = pytest.mark.skipif("forkserver" not in multiprocessing.get_all_start_methods(),
                                    reason="no fork server on this system: workers are spawned")


@no_fork_server
def test_worker_processes_are_forked_with_the_jupyter_libraries_already_loaded():
    """The fork server loads them once; a spawned worker would load them itself, about 2 CPU seconds each."""
    from worker_start_probe import loaded_libraries  # tests/worker_start_probe.py: imports nothing else

    context = worker_context()
    queue = context.SimpleQueue()
    process = context.Process(target=loaded_libraries, args=(queue,))
    process.start()
    loaded = queue.get()
    process.join(60)
    assert context.get_start_method() == "forkserver"
    assert loaded == ["jupytext", "nbconvert", "papermill"]


class _StandIn:
    """A worker process stand-in for the pool's start-up tests: nothing to stop or reap."""

    def stop(self, *, now: bool) -> None:
        pass

    def reap(self) -> None:
        pass


def test_the_pool_starts_its_worker_processes_without_making_its_creator_wait(monkeypatch):
    """The batch builds the report context meanwhile; the first start waits while the fork server loads."""
    from partner_analytics.render import pool as pool_module

    released, started = threading.Event(), []

    class Held(_StandIn):
        def __init__(self, *settings) -> None:
            started.append(released.wait(60))  # True once the test got the pool back and released it

    monkeypatch.setattr(pool_module, "_Process", Held)
    pool = WorkerPool(2)
    released.set()
    pool.close()
    assert started == [True, True]


def test_a_worker_that_cannot_start_fails_the_run_and_those_started_are_stopped(monkeypatch, tmp_path):
    from partner_analytics.render import pool as pool_module

    stopped = []

    class SecondFails(_StandIn):
        started = 0

        def __init__(self, *settings) -> None:
            SecondFails.started += 1
            if SecondFails.started == 2:
                raise OSError("no more processes")

        def stop(self, *, now: bool) -> None:
            stopped.append(now)

    monkeypatch.setattr(pool_module, "_Process", SecondFails)
    with pytest.raises(OSError, match="no more processes"), WorkerPool(2) as pool:
        pool.run([_job("unused.py", tmp_path, "P1")], progress=False)
    assert stopped == [True]


ENVIRONMENT_TEMPLATE = """\
# %% tags=["parameters"]
name = "x"

# %%
import os
print("probe=" + os.environ.get("PA_WORKER_PROBE", "unset"))
"""


@no_fork_server
def test_a_worker_and_its_kernel_have_the_environment_of_the_pool_process_when_it_starts_them(tmp_path,
                                                                                              monkeypatch):
    """The fork server keeps the environment it started with; each worker gets the pool process' current one."""
    worker_context()
    multiprocessing.forkserver.ensure_running()  # started before the variable is set, as by an earlier pool
    monkeypatch.setenv("PA_WORKER_PROBE", "set later")
    template = tmp_path / "environment.py"
    template.write_text(ENVIRONMENT_TEMPLATE)
    names = ("a", "b")
    results = run_jobs([ReportJob(str(template), {"name": n}, str(tmp_path / f"{n}.html"), n, {}) for n in names],
                       workers=2, progress=False)
    assert all(r.ok for r in results)
    assert all("probe=set later" in (tmp_path / f"{n}.html").read_text() for n in names)


def _opens_when_written(path: Path) -> Future:
    """A future that is done once ``path`` exists (a job's output): the gate opens after that job, never before."""
    gate = Future()

    def watch() -> None:
        while not path.exists():
            time.sleep(0.01)
        gate.set_result(None)

    threading.Thread(target=watch, daemon=True).start()
    return gate


@pytest.mark.parametrize("workers", [1, 2])
def test_a_gated_job_waits_for_its_future_while_the_others_render(template, tmp_path, workers):
    """The batch gates the overview on the early warning, fitted while the partner pages render."""
    jobs = [_job(template, tmp_path, name) for name in ("gated", "B", "C", "D")]
    with WorkerPool(workers, timeout=60) as pool:
        results = pool.run(jobs, progress=False, gates={0: _opens_when_written(tmp_path / "D.html")})
    assert all(r.ok for r in results)
    written = {name: (tmp_path / f"{name}.html").stat().st_mtime_ns for name in ("gated", "B", "C", "D")}
    assert written["gated"] > written["D"]  # first in the list, rendered after the job that opened its gate


def test_a_job_whose_gate_failed_fails_with_that_error_and_the_others_render(template, tmp_path):
    failed = Future()
    failed.set_exception(ValueError("no model"))
    with WorkerPool(1, timeout=60) as pool:
        results = pool.run([_job(template, tmp_path, "A"), _job(template, tmp_path, "B")], progress=False,
                           gates={1: failed})
    assert [r.ok for r in results] == [True, False] and results[1].error == "ValueError: no model"
    assert [p.name for p in tmp_path.iterdir()] == ["A.html"]


def test_the_kernel_is_asked_for_its_language_once_not_after_every_report(template):
    """Papermill asks after each notebook; the answer is the same for every report of a kernel."""
    with ReportWorker(timeout=60) as fresh:
        fresh.wait_ready()  # which asks for the kernel's info until it answers
        asked = []
        ask = fresh._kernel.client.kernel_info
        fresh._kernel.client.kernel_info = lambda: asked.append(1) or ask()
        notebooks = [fresh.execute(template, {"partner_id": name}) for name in ("A", "B", "C")]
    assert len(asked) == 1
    assert [nb.metadata.language_info.name for nb in notebooks] == ["python"] * 3


class _InstantWorker:
    """Stands in for a :class:`ReportWorker`: executing returns the job's name; writing page "a" waits (at most
    a minute) until page "b" is being executed and records whether it was."""

    def __init__(self, **_) -> None:
        self.b_running = threading.Event()
        self.writes: list[tuple[str, bool]] = []

    def execute(self, template: str, parameters: dict) -> str:
        name = parameters["partner_id"]
        self.b_running.set() if name == "b" else None
        if name == "bad":
            raise ReportFailed("ValueError: boom (in template cell 2)")
        if name == "gone":
            raise FileNotFoundError("no template")
        return name

    def write(self, job: ReportJob, executed: str) -> None:
        self.writes.append((executed, self.b_running.wait(60) if executed == "a" else True))
        if executed == "c":
            raise OSError("No space left on device")
        write_atomic(job.output, executed)

    def render(self, job: ReportJob) -> None:
        self.write(job, self.execute(job.template, job.parameters))

    def close(self) -> None:
        pass


def test_one_worker_writes_each_page_while_the_kernel_runs_the_next(monkeypatch, tmp_path):
    """In-process rendering exports a page in a thread while the next one executes; failures stay per page."""
    monkeypatch.setattr("partner_analytics.render.worker.ReportWorker", _InstantWorker)
    jobs = [_job("t.py", tmp_path, name) for name in ("a", "b", "bad", "c", "gone", "d")]
    with WorkerPool(1) as pool:
        results = pool.run(jobs, progress=False)
        writes = pool._local.writes
    assert ("a", True) in writes  # page "a" was written while page "b" ran
    assert [r.ok for r in results] == [True, True, False, False, False, True]
    assert results[2].error == "ValueError: boom (in template cell 2)"
    assert results[3].error == "OSError: No space left on device"
    assert results[4].error == "FileNotFoundError: no template"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.html", "b.html", "d.html"]


def test_atomic_writes_leave_no_temporary_files(tmp_path):
    write_atomic(tmp_path / "a.html", "one")
    write_atomic(tmp_path / "a.html", "two")
    assert [p.name for p in tmp_path.iterdir()] == ["a.html"]
    assert (tmp_path / "a.html").read_text() == "two"


SLOW_TEMPLATE = '''\
# %% tags=["parameters"]
seconds = 0.0

# %%
import time
time.sleep(seconds)
print(f"slept {seconds}")
'''


CELLS_TEMPLATE = '''\
# %% tags=["parameters"]
n = 1

# %%
print("first")
"shown: the last expression"

# %% [markdown]
# ## Second

# %%
import sys
print("to stderr", file=sys.stderr)
x = n + 1
x

# %%
if n > 1:
    raise RuntimeError("stop here")

# %%
print("last")
'''


def test_each_cell_keeps_its_own_outputs_displayed_value_and_error(worker, tmp_path):
    template = tmp_path / "cells.py"
    template.write_text(CELLS_TEMPLATE)
    executed = worker.execute(str(template), {"n": 1})
    outputs = {cell.source.splitlines()[0]: [(o.output_type, o.get("name"), o.get("text") or o.data["text/plain"])
                                             for o in cell.outputs]
               for cell in executed.cells if cell.cell_type == "code" and cell.source}
    assert outputs['print("first")'] == [("stream", "stdout", "first\n"),
                                         ("execute_result", None, "'shown: the last expression'")]
    assert outputs["import sys"] == [("stream", "stderr", "to stderr\n"), ("execute_result", None, "2")]
    assert outputs['print("last")'] == [("stream", "stdout", "last\n")]
    assert not any(CELL_MARKER in o.get("data", {}) for cell in executed.cells for o in cell.get("outputs", []))
    # the failing cell is named by its position in the executed notebook (reset, parameters, injected, ...)
    with pytest.raises(ReportFailed, match=r"RuntimeError: stop here \(in template cell 6\)"):
        worker.execute(str(template), {"n": 2})


ORDER_TEMPLATE = '''\
# %%
from IPython.display import HTML, display
print("before")
display(HTML("<p>shown</p>"))
print("after")

# %%
history = get_ipython().history_manager
print(get_ipython().execution_count, len(history.input_hist_raw), len(history.db_input_cache))
'''


@pytest.fixture(scope="module")
def order_template(tmp_path_factory) -> str:
    path = tmp_path_factory.mktemp("template") / "order.py"
    path.write_text(ORDER_TEMPLATE)
    return str(path)


def test_printed_text_keeps_its_place_around_what_a_cell_displays(worker, order_template):
    cell = next(c for c in worker.execute(order_template, {}).cells if "before" in c.source)
    assert [o.get("text") or o.data["text/html"] for o in cell.outputs] == ["before\n", "<p>shown</p>", "after\n"]


def test_outputs_are_filed_without_a_schema_check_each(worker, order_template, monkeypatch):
    import nbformat.v4.nbbase as nbbase

    checked = []
    validate = nbbase.validate
    monkeypatch.setattr(nbbase, "validate", lambda node, ref=None: (checked.append(ref), validate(node, ref))[1])
    cell = next(c for c in worker.execute(order_template, {}).cells if "before" in c.source)
    assert [o.output_type for o in cell.outputs] == ["stream", "display_data", "stream"]
    assert not {"stream", "display_data", "execute_result", "error"} & set(checked)


def test_each_report_starts_a_new_session_so_the_thousandth_costs_what_the_first_did(worker, order_template):
    """The execution count and the inputs IPython keeps do not grow from report to report (the output-cache
    flush of a plain %reset walks every count so far)."""
    counts = []
    for _ in range(3):
        cell = next(c for c in worker.execute(order_template, {}).cells if c.source.startswith("history = "))
        counts.append(cell.outputs[0].text)
    assert counts[0] == counts[1] == counts[2]
    assert int(counts[0].split()[0]) < 10


def test_a_cell_over_the_timeout_fails_its_report_restarts_the_kernel_and_the_next_report_renders(tmp_path):
    template = tmp_path / "slow.py"
    template.write_text(SLOW_TEMPLATE)
    out = tmp_path / "out"

    def job(name: str, seconds: float) -> ReportJob:
        return ReportJob(str(template), {"seconds": seconds}, str(out / f"{name}.html"), name, {})

    with ReportWorker(timeout=3) as worker:
        worker.render(job("before", 0))  # the first report also waits for the kernel to start
        timed_out_kernel = worker.kernel
        with pytest.raises(ReportFailed, match="longer than the timeout of 3 s"):
            worker.render(job("slow", 60))
        assert worker.kernel is not timed_out_kernel
        assert not timed_out_kernel.is_alive()
        worker.render(job("after", 0))
    assert sorted(p.name for p in out.iterdir()) == ["after.html", "before.html"]
    assert "slept 0" in (out / "after.html").read_text()


def _is_module(name: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:  # a name inside a module, not a submodule
        return False


_STATISTICS_LIBRARIES = ("scipy", "seaborn", "sklearn")

_MODULES_PROBE = f"""\
# %%
import sys
print(sorted({{m.split('.')[0] for m in sys.modules}} & {set(_STATISTICS_LIBRARIES)!r}))
"""


def test_the_kernel_warm_up_loads_every_package_module_the_templates_import_and_no_statistics_library():
    """The warm-up imports overlap the context build; scipy, seaborn and scikit-learn are needed only by the
    overview (:func:`test_a_partner_report_kernel_never_loads_scipy_seaborn_or_scikit_learn`), and nbformat
    (about 20 MB per kernel) only in the rendering process."""
    import subprocess
    import sys

    from partner_analytics.render.batch import TEMPLATES
    from partner_analytics.render.worker import WARMUP_SOURCE

    imported = set()
    for template in TEMPLATES.values():
        for line in Path(template).read_text().splitlines():
            match = re.match(r"(?:from|import) (partner_analytics[\w.]*)(?: import ([\w, ]+))?", line)
            if match:
                names = [match[1], *(f"{match[1]}.{name.strip()}" for name in (match[2] or "").split(","))]
                imported.update(name for name in names if _is_module(name))
    probe = (f"{WARMUP_SOURCE}\nimport sys\n"
             f"print(sorted(m for m in {sorted(imported)!r} if m not in sys.modules))\n"
             f"print(sorted(m for m in sys.modules if m.split('.')[0] in {('nbformat', *_STATISTICS_LIBRARIES)!r}))")
    missing, unwanted = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                                      check=True).stdout.splitlines()
    assert "partner_analytics.render.partner_view" in imported and missing == "[]"
    assert "partner_analytics.render.cell_runner" in WARMUP_SOURCE and unwanted == "[]"


def test_a_partner_report_kernel_never_loads_scipy_seaborn_or_scikit_learn(sample_program, tmp_path):
    """Partner pages read the saved context and draw; the statistics libraries (about 0.8 s of imports per
    kernel) are loaded only by a kernel that renders the overview."""
    from partner_analytics.params import load_params
    from partner_analytics.render.batch import TEMPLATES
    from partner_analytics.render.context import build_context, save_context

    context = build_context(sample_program, load_params())
    path = save_context(context, tmp_path / "build")
    probe = tmp_path / "probe.py"
    probe.write_text(_MODULES_PROBE)

    def loaded(worker: ReportWorker) -> str:
        cells = worker.execute(str(probe), {}).cells
        return "".join(o.get("text", "") for cell in cells if cell.cell_type == "code" for o in cell.outputs).strip()

    with ReportWorker(timeout=120) as worker:
        partner_id = str(context.kpis["partner_id"].iloc[0])
        worker.render(ReportJob(str(TEMPLATES["partner"]), {"context_path": str(path), "partner_id": partner_id},
                                str(tmp_path / "partner.html"), partner_id, {"Partner": partner_id}))
        assert loaded(worker) == "[]"
        worker.render(ReportJob(str(TEMPLATES["overview"]), {"context_path": str(path)},
                                str(tmp_path / "overview.html"), "Overview", {}))
        assert loaded(worker) == str(sorted(_STATISTICS_LIBRARIES))  # the probe sees what a kernel loaded


_SPAWNED_WORKER_PROBE = """\
import multiprocessing, os, sys, tempfile
from partner_analytics.render.pool import _serve
jobs, worker_end = multiprocessing.Pipe()
jobs.send(None)  # no report: the worker starts its kernel, then stops
_serve(worker_end, os.getppid(), 120, None, tempfile.mkdtemp())
print(sorted(m for m in ("jsonschema", "nbformat", "rfc3987_syntax") if sys.modules.get(m) is not None))
"""

_FORK_SERVER_PROBE = """\
import sys
import partner_analytics.render.worker_preload  # what the fork server imports before it forks the workers
print(sorted(m for m in ("jsonschema", "nbformat", "rfc3987_syntax") if sys.modules.get(m) is not None))
"""


@pytest.mark.parametrize("probe", [_SPAWNED_WORKER_PROBE, _FORK_SERVER_PROBE], ids=["spawned", "fork-server"])
def test_a_worker_process_loads_the_jupyter_libraries_without_the_iri_grammar(probe):
    """jsonschema (through nbformat) would import ``rfc3987_syntax``, which compiles a grammar for about 1.5 CPU
    seconds of every worker's start, for a format no notebook uses."""
    import importlib.util
    import subprocess
    import sys

    if importlib.util.find_spec("rfc3987_syntax") is None:
        pytest.skip("rfc3987-syntax is not installed here: nothing to keep out")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True, timeout=180).stdout.strip()
    assert loaded == "['jsonschema', 'nbformat']"  # the probe sees what the worker loaded


def test_the_batch_process_loads_no_jupyter_library():
    """The process that builds the context and hands out the jobs imports Papermill, nbformat and nbconvert
    only when it renders in-process (one worker)."""
    import subprocess
    import sys

    probe = ("import sys, partner_analytics.render.batch\n"
             "print(sorted(m for m in ('jsonschema', 'nbconvert', 'nbformat', 'papermill', 'jupyter_client') "
             "if m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True).stdout.strip() == "[]"
