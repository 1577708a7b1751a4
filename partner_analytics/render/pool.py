"""Render many report jobs on a pool of warm workers, one process and kernel each.

The workers start as soon as the pool is created, from a background thread,
so their kernels boot while the caller prepares the jobs (the batch builds
the report context in the meantime). They are forked from a fork server that
loaded the Jupyter libraries once (:func:`worker_context`). A failed report
never stops the batch: its result records the error and no file is written
for it (an earlier good file, if any, stays in place).

Faults are contained:

- a worker process that dies (killed, out of memory) is replaced; the report
  it was rendering is tried once more on the new worker, then marked failed;
- workers die with the pool's process, even when that is killed with
  SIGKILL (a parent-death signal on Linux, and a watchdog that waits for the
  pool's process to end), and their kernels die with them (ipykernel polls
  its parent);
- each worker keeps its kernels' socket folders in one ``pa-kernel-*``
  folder, which the worker removes when it stops and the pool removes when
  the worker died; folders of a process that no longer runs (a render
  killed while rendering in-process) are removed when the next pool starts.
"""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import time
from collections import deque
from collections.abc import Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor
from concurrent.futures import wait as futures_wait
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import TYPE_CHECKING

from tqdm.auto import tqdm

from .jobs import ReportFailed, ReportJob, kernel_folder_prefix, remove_stale_kernel_folders
from .worker_start import die_with_parent, without_iri_checker, worker_context

if TYPE_CHECKING:  # the Jupyter libraries load only where a report is rendered (see worker_start)
    from nbformat import NotebookNode

    from .worker import ReportWorker

__all__ = ["JobResult", "WorkerPool", "run_jobs", "default_workers", "ATTEMPTS"]

ATTEMPTS = 2
"""How often a report is tried when the worker process rendering it dies."""
STOP_TIMEOUT = 30
"""Seconds a stopping worker may take to shut its kernel down before it is killed."""


@dataclass(frozen=True)
class JobResult:
    """Outcome of one job: ``ok`` with the seconds it took, or the error message."""

    job: ReportJob
    ok: bool
    seconds: float
    error: str = ""


def default_workers() -> int:
    """One worker per available core."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def _render(worker: ReportWorker, job: ReportJob) -> JobResult:
    started = time.perf_counter()
    try:
        executed = worker.execute(job.template, job.parameters)
    except Exception as err:  # ReportFailed, or a template that cannot be read: this report fails, no other
        return _failed(job, started, err)
    return _write(worker, job, executed, started)


def _write(worker: ReportWorker, job: ReportJob, executed: NotebookNode, started: float) -> JobResult:
    try:
        worker.write(job, executed)
    except Exception as err:  # an export or write error fails this report only
        return _failed(job, started, err)
    return JobResult(job, True, time.perf_counter() - started)


def _failed(job: ReportJob, started: float, err: Exception) -> JobResult:
    message = str(err) if isinstance(err, ReportFailed) else f"{type(err).__name__}: {err}"
    return JobResult(job, False, time.perf_counter() - started, message)


def _stop(*_: object) -> None:
    raise SystemExit(0)


def _serve(conn: Connection, parent: int, timeout: float, cwd: str | None, scratch: str,
           environment: Mapping[str, str] | None = None) -> None:
    """Worker process: render the jobs received on ``conn`` until ``None`` arrives, the pool goes or SIGTERM.

    ``environment`` replaces this process' environment variables (those of the pool's process when it started
    the worker: a forked worker has the fork server's), before the kernel inherits them.
    """
    if environment is not None:
        os.environ.clear()
        os.environ.update(environment)
        tempfile.tempdir = None  # found again from TMPDIR when next needed
    signal.signal(signal.SIGTERM, _stop)  # unwinds through ``finally``: the kernel is shut down
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group; the pool decides
    die_with_parent(parent)
    without_iri_checker()
    from .worker import ReportWorker

    worker = None
    try:
        worker = ReportWorker(timeout=timeout, cwd=cwd, scratch=scratch)
        while (job := conn.recv()) is not None:
            conn.send(_render(worker, job))
    except (EOFError, OSError):  # the pool is gone
        pass
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # let the clean-up finish
        if worker is not None:
            worker.close()
        shutil.rmtree(scratch, ignore_errors=True)


class _Process:
    """One worker process, its end of the pipe, its scratch folder and the job it is rendering."""

    def __init__(self, timeout: float, cwd: str | None) -> None:
        context = worker_context()
        self.scratch = tempfile.mkdtemp(prefix=kernel_folder_prefix())
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, name="report-worker", daemon=True,
                                       args=(child, os.getpid(), timeout, cwd, self.scratch, dict(os.environ)))
        self.process.start()
        child.close()
        self.job: int | None = None

    def send(self, index: int, job: ReportJob) -> bool:
        """Hand ``job`` to the worker; False if it is gone."""
        try:
            self.conn.send(job)
        except OSError:
            return False
        self.job = index
        return True

    def receive(self) -> JobResult | None:
        """The result of the current job, or ``None`` when the process died instead."""
        try:
            if self.conn.poll():
                return self.conn.recv()
        except (EOFError, OSError):
            pass
        return None

    def death(self) -> str:
        """How the process ended, for messages."""
        self.process.join(5)
        code = self.process.exitcode
        if code is not None and code < 0:
            return f"killed by {signal.Signals(-code).name}"
        return f"exit status {code}"

    def stop(self, *, now: bool) -> None:
        """Ask the worker to stop (at once with SIGTERM when ``now`` or busy)."""
        try:
            if now or self.job is not None:
                self.process.terminate()
            else:
                self.conn.send(None)
        except (OSError, ValueError):
            pass

    def reap(self) -> None:
        """Wait for the stopped process (kill it past :data:`STOP_TIMEOUT`) and remove its scratch folder."""
        self.process.join(STOP_TIMEOUT)
        if self.process.is_alive():
            self.process.kill()
            self.process.join()
        self.conn.close()
        shutil.rmtree(self.scratch, ignore_errors=True)


GATE_POLL = 0.05
"""Seconds between looks at the gates of waiting jobs while workers are busy."""


class _Queue:
    """The jobs still to hand out, in order; a gated job waits until its future is done, then goes first."""

    def __init__(self, count: int, gates: Mapping[int, Future]) -> None:
        self._gates = dict(gates)
        self._free = deque(i for i in range(count) if i not in self._gates)
        self._gated = [i for i in range(count) if i in self._gates]

    def __bool__(self) -> bool:
        return bool(self._free or self._gated)

    def gated(self) -> bool:
        """True while a waiting job's future is not done."""
        return any(not self._gates[i].done() for i in self._gated)

    def next(self, *, block: bool) -> tuple[int | None, str]:
        """The next job to hand out and, when its future raised, that error.

        ``(None, "")`` when every waiting job waits for its future and
        ``block`` is False; with ``block``, wait for the first one to finish.
        """
        while True:
            opened = next((i for i in self._gated if self._gates[i].done()), None)
            if opened is not None:
                self._gated.remove(opened)
                error = self._gates[opened].exception()
                return opened, f"{type(error).__name__}: {error}" if error else ""
            if self._free:
                return self._free.popleft(), ""
            if not block or not self._gated:
                return None, ""
            futures_wait([self._gates[i] for i in self._gated], return_when=FIRST_COMPLETED)

    def put_back(self, index: int) -> None:
        """Return a job that was not tried to the front of the queue."""
        self._free.appendleft(index)


class WorkerPool:
    """Warm report workers, started at once; use as a context manager.

    Parameters
    ----------
    workers
        Number of workers. ``1`` renders in this process, which is simplest to
        debug, and exports each page while its kernel runs the next; more run
        one process each.
    timeout
        Seconds a report may run before it fails.
    cwd
        Working directory of the kernels.
    """

    def __init__(self, workers: int, *, timeout: float = 300, cwd: str | None = None) -> None:
        self._local: ReportWorker | None = None
        self._processes: list[_Process] = []
        self._starting: Future[list[_Process]] | None = None
        self._settings = (timeout, cwd)
        remove_stale_kernel_folders()  # left by a render killed with SIGKILL while rendering in-process
        if workers == 1:
            from .worker import ReportWorker

            self._local = ReportWorker(timeout=timeout, cwd=cwd)
        else:  # in a thread: the first start waits while the fork server loads the libraries, the caller need not
            starter = ThreadPoolExecutor(1, thread_name_prefix="worker-start")
            self._starting = starter.submit(self._start_processes, workers)
            starter.shutdown(wait=False)

    def _start_processes(self, count: int) -> list[_Process]:
        """Start ``count`` worker processes; if one cannot start, stop those that did and raise."""
        started: list[_Process] = []
        try:
            for _ in range(count):
                started.append(_Process(*self._settings))
        except BaseException:
            for process in started:
                process.stop(now=True)
                process.reap()
            raise
        return started

    def _wait_started(self) -> None:
        """Wait until the worker processes have started (raise their error, once, if they could not)."""
        if self._starting is not None:
            starting, self._starting = self._starting, None
            self._processes = starting.result()

    def run(self, jobs: Sequence[ReportJob], *, progress: bool = True,
            gates: Mapping[int, Future] | None = None) -> list[JobResult]:
        """Render ``jobs`` and return one result per job, in the order given.

        Parameters
        ----------
        jobs
            The reports to render.
        progress
            Show a progress bar on stderr.
        gates
            Job index -> a future the job waits for (say, its input still being
            written): the other jobs render meanwhile, and the job goes to the
            next free worker once its future is done; it fails with the
            future's error if that raised.
        """
        bar = tqdm(total=len(jobs), unit="report", disable=not progress, desc="rendering")
        waiting = _Queue(len(jobs), gates or {})
        try:
            if self._local is not None:
                return self._run_here(jobs, waiting, bar)
            return self._run_in_pool(jobs, waiting, bar)
        finally:
            bar.close()

    def _run_here(self, jobs: Sequence[ReportJob], waiting: _Queue, bar: tqdm) -> list[JobResult]:
        """Render in this process; each page is exported and written while the kernel runs the next one.

        The kernel would otherwise wait for every export. One export thread takes the pages one at a time, so
        at most one executed page waits in memory.
        """
        worker = self._local
        assert worker is not None
        results: dict[int, JobResult] = {}
        writes: dict[int, Future[JobResult]] = {}

        def settle(index: int, result: JobResult) -> None:
            results[index] = result
            bar.update()

        with ThreadPoolExecutor(1, thread_name_prefix="report-export") as exporter:
            while waiting:
                index, error = waiting.next(block=True)
                job, started = jobs[index], time.perf_counter()
                if error:
                    settle(index, JobResult(job, False, 0.0, error))
                    continue
                try:
                    executed = worker.execute(job.template, job.parameters)
                except Exception as err:  # as in _render: this report fails, no other
                    settle(index, _failed(job, started, err))
                else:
                    writes[index] = exporter.submit(_write, worker, job, executed, started)
                for done in [i for i, write in writes.items() if write.done()]:
                    settle(done, writes.pop(done).result())
            for index, write in writes.items():
                settle(index, write.result())
        return [results[i] for i in range(len(jobs))]

    def _run_in_pool(self, jobs: Sequence[ReportJob], waiting: _Queue, bar: tqdm) -> list[JobResult]:
        self._wait_started()
        tries = [0] * len(jobs)
        results: dict[int, JobResult] = {}
        while len(results) < len(jobs):
            for worker in list(self._processes):
                while worker.job is None and waiting:
                    index, error = waiting.next(block=not any(w.job is not None for w in self._processes))
                    if index is None:
                        break
                    if error:
                        results[index] = JobResult(jobs[index], False, 0.0, error)
                        bar.update()
                    elif worker.send(index, jobs[index]):
                        tries[index] += 1
                    else:  # it died while idle: the job was not tried
                        waiting.put_back(index)
                        self._respawn(worker)
                        break
            busy = [w for w in self._processes if w.job is not None]
            if not busy:  # every free worker was just replaced, or the last jobs failed at their gate
                continue
            ready = set(wait([w.conn for w in busy] + [w.process.sentinel for w in busy],
                             timeout=GATE_POLL if waiting.gated() else None))
            for worker in busy:
                if worker.conn not in ready and worker.process.sentinel not in ready:
                    continue
                index, result = worker.job, worker.receive()
                worker.job = None
                if result is None:
                    result = self._replace(worker, jobs[index], tries[index])
                    if result is None:
                        waiting.put_back(index)
                        continue
                results[index] = result
                bar.update()
        return [results[i] for i in range(len(jobs))]

    def _respawn(self, dead: _Process) -> str:
        """Start a new worker instead of ``dead``; return how ``dead`` ended."""
        how = dead.death()
        dead.reap()
        self._processes[self._processes.index(dead)] = _Process(*self._settings)
        return how

    def _replace(self, dead: _Process, job: ReportJob, tries: int) -> JobResult | None:
        """Start a new worker instead of ``dead``; the failed result of its job once it had its tries."""
        how = self._respawn(dead)
        if tries < ATTEMPTS:
            return None
        return JobResult(job, False, 0.0, f"the worker process rendering it died ({how}) on each of {tries} tries")

    def close(self, *, now: bool = False) -> None:
        """Stop the workers and their kernels (``now``: without letting a busy worker finish its report)."""
        if self._local is not None:
            self._local.close()
        try:
            self._wait_started()
        except Exception:  # none started (``run`` raised this already, or nothing was rendered): none to stop
            pass
        for worker in self._processes:
            worker.stop(now=now)
        for worker in self._processes:
            worker.reap()
        self._processes = []

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        self.close(now=exc_type is not None)


def run_jobs(
    jobs: Sequence[ReportJob],
    *,
    workers: int | None = None,
    timeout: float = 300,
    cwd: str | None = None,
    progress: bool = True,
) -> list[JobResult]:
    """Start a :class:`WorkerPool`, render ``jobs`` on it and return one result per job, in order.

    Parameters
    ----------
    jobs
        The reports to render.
    workers
        Number of worker processes (default: one per core, at most one per
        job). ``1`` renders in this process, which is simplest to debug.
    timeout
        Seconds a report may run before it fails.
    cwd
        Working directory of the kernels.
    progress
        Show a progress bar on stderr.
    """
    if not jobs:
        return []
    with WorkerPool(max(1, min(workers or default_workers(), len(jobs))), timeout=timeout, cwd=cwd) as pool:
        return pool.run(jobs, progress=progress)
