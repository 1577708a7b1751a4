"""How a report worker process starts: forked with the Jupyter libraries loaded, and tied to the render.

:func:`worker_context` is the start method :class:`~partner_analytics.render.pool.WorkerPool` uses;
:func:`without_iri_checker` and :func:`die_with_parent` are the first things a worker process (or the CLI's
``render``, which renders in-process with one worker) does.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time

__all__ = ["WORKER_PRELOAD", "worker_context", "without_iri_checker", "die_with_parent"]

_PR_SET_PDEATHSIG = 1


def without_iri_checker() -> None:
    """Keep jsonschema's optional IRI format checker out of this process (a worker, or the CLI's ``render``).

    nbformat imports jsonschema, which imports the checker's library,
    ``rfc3987_syntax``, if it is installed (Jupyter's ``jsonschema[format-nongpl]``
    installs it); that library compiles its grammar at import, about 1.5 CPU
    seconds of every worker's start. Neither nbformat nor Papermill validates
    that format. Called first in the package's own processes only, never on
    import; a process that already imported jsonschema is left as it is.
    """
    sys.modules.setdefault("rfc3987_syntax", None)  # its import then fails, as when it is not installed


WORKER_PRELOAD = "partner_analytics.render.worker_preload"
"""The module the workers' fork server imports before it forks them: the Jupyter libraries, loaded once."""


def worker_context() -> multiprocessing.context.BaseContext:
    """How worker processes start: forked from a fork server that loaded :data:`WORKER_PRELOAD`, else spawned.

    A spawned worker imports the Jupyter libraries itself, about 2 CPU seconds of every worker's start; the fork
    server (started with the first worker, ended with this process) imports them once. The pool hands each
    worker the environment this process has when it starts the worker, which a spawned one would have had.
    Where there is no fork server (Windows), workers are spawned.
    """
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([WORKER_PRELOAD])
    return context


def die_with_parent(parent: int, sig: int = signal.SIGTERM) -> None:
    """Have this process receive ``sig`` as soon as process ``parent`` is gone.

    On Linux the kernel sends it when the process that forked this one dies
    (``prctl(PR_SET_PDEATHSIG)``), even when it is killed with SIGKILL: the
    pool's process, or the fork server, which exits with it. A daemon thread
    covers other systems and the moment before the ``prctl``: in a process
    started by ``multiprocessing`` it waits for the parent's sentinel (closed
    when ``parent`` ends, whoever forked this process); otherwise it checks
    every second whether this process still has ``parent`` as its parent.
    """
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
        except (OSError, AttributeError):  # no prctl: the watchdog alone
            pass
    starter = multiprocessing.parent_process()

    def watch() -> None:
        if starter is not None and starter.pid == parent:
            starter.join()
        else:
            while os.getppid() == parent:
                time.sleep(1.0)
        os.kill(os.getpid(), sig)

    threading.Thread(target=watch, name="parent-watchdog", daemon=True).start()
