"""Render many report jobs on a pool of warm workers, one process and kernel each.

The workers start as soon as the pool is created, so their kernels boot
while the caller prepares the jobs (the batch builds the report context in
the meantime). A failed report never stops the batch: its result records the
error and no file is written for it (an earlier good file, if any, stays in
place).
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass

from tqdm.auto import tqdm

from .worker import ReportFailed, ReportJob, ReportWorker

__all__ = ["JobResult", "WorkerPool", "run_jobs", "default_workers"]

_worker: ReportWorker | None = None


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


def _start_worker(timeout: float, cwd: str | None) -> None:
    global _worker
    _worker = ReportWorker(timeout=timeout, cwd=cwd)
    multiprocessing.util.Finalize(None, _worker.close, exitpriority=10)


def _started() -> None:
    """A no-op job: submitting one makes the pool start a worker process now."""


def _run(job: ReportJob) -> JobResult:
    assert _worker is not None, "worker not started"
    return _render(_worker, job)


def _render(worker: ReportWorker, job: ReportJob) -> JobResult:
    started = time.perf_counter()
    try:
        worker.render(job)
    except ReportFailed as err:
        return JobResult(job, False, time.perf_counter() - started, str(err))
    except Exception as err:  # an export or write error fails this report only
        return JobResult(job, False, time.perf_counter() - started, f"{type(err).__name__}: {err}")
    return JobResult(job, True, time.perf_counter() - started)


class WorkerPool:
    """Warm report workers, started at once; use as a context manager.

    Parameters
    ----------
    workers
        Number of workers. ``1`` renders in this process, which is simplest to
        debug; more run one process each.
    timeout
        Seconds a cell may run before its report fails.
    cwd
        Working directory of the kernels.
    """

    def __init__(self, workers: int, *, timeout: float = 300, cwd: str | None = None) -> None:
        self._local: ReportWorker | None = None
        self._pool: ProcessPoolExecutor | None = None
        if workers == 1:
            self._local = ReportWorker(timeout=timeout, cwd=cwd)
        else:
            self._pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_start_worker, initargs=(timeout, cwd))
            for _ in range(workers):  # the pool starts processes on demand: one per job waiting
                self._pool.submit(_started)

    def run(self, jobs: Sequence[ReportJob], *, progress: bool = True) -> list[JobResult]:
        """Render ``jobs`` and return one result per job, in the order given.

        Parameters
        ----------
        jobs
            The reports to render.
        progress
            Show a progress bar on stderr.
        """
        bar = tqdm(total=len(jobs), unit="report", disable=not progress, desc="rendering")
        try:
            return self._run_here(jobs, bar) if self._local is not None else self._run_in_pool(jobs, bar)
        finally:
            bar.close()

    def _run_here(self, jobs: Sequence[ReportJob], bar: tqdm) -> list[JobResult]:
        assert self._local is not None
        results = []
        for job in jobs:
            results.append(_render(self._local, job))
            bar.update()
        return results

    def _run_in_pool(self, jobs: Sequence[ReportJob], bar: tqdm) -> list[JobResult]:
        assert self._pool is not None
        futures: dict[Future, int] = {self._pool.submit(_run, job): index for index, job in enumerate(jobs)}
        results: dict[int, JobResult] = {}
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            bar.update()
        return [results[i] for i in range(len(jobs))]

    def close(self) -> None:
        """Stop the workers and their kernels."""
        if self._local is not None:
            self._local.close()
        if self._pool is not None:
            self._pool.shutdown()

    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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
        Seconds a cell may run before its report fails.
    cwd
        Working directory of the kernels.
    progress
        Show a progress bar on stderr.
    """
    if not jobs:
        return []
    with WorkerPool(max(1, min(workers or default_workers(), len(jobs))), timeout=timeout, cwd=cwd) as pool:
        return pool.run(jobs, progress=progress)
