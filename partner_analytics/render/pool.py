"""Render many report jobs on a pool of warm workers, one process and kernel each.

A failed report never stops the batch: its result records the error and no
file is written for it (an earlier good file, if any, stays in place).
"""

from __future__ import annotations

import multiprocessing
import os
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass

from tqdm.auto import tqdm

from .worker import ReportFailed, ReportJob, ReportWorker

__all__ = ["JobResult", "run_jobs", "default_workers"]

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


def run_jobs(
    jobs: Sequence[ReportJob],
    *,
    workers: int | None = None,
    timeout: float = 300,
    cwd: str | None = None,
    progress: bool = True,
) -> list[JobResult]:
    """Render ``jobs`` and return one result per job, in the order given.

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
    workers = max(1, min(workers or default_workers(), len(jobs)))
    bar = tqdm(total=len(jobs), unit="report", disable=not progress, desc="rendering")
    results: dict[int, JobResult] = {}
    try:
        if workers == 1:
            with ReportWorker(timeout=timeout, cwd=cwd) as worker:
                for index, job in enumerate(jobs):
                    results[index] = _render(worker, job)
                    bar.update()
        else:
            context = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(workers, mp_context=context, initializer=_start_worker,
                                     initargs=(timeout, cwd)) as pool:
                futures = {pool.submit(_run, job): index for index, job in enumerate(jobs)}
                for future in as_completed(futures):
                    results[futures[future]] = future.result()
                    bar.update()
    finally:
        bar.close()
    return [results[i] for i in range(len(jobs))]
