"""One render at a time per output folder.

A render run holds an exclusive lock on ``<outdir>/.render.lock`` from the
moment it reads the manifest until the index and manifest are written, so the
pages, the index and the manifest of a folder always come from one run. The
lock is an ``flock`` on the file: the kernel releases it when its holder
exits, however it exits, so a lock left by a crashed or killed run is stale
by construction and the next run takes it over. The file records the
holder's pid and start time for the message a second run prints.
"""

from __future__ import annotations

import fcntl
import os
import time
from datetime import datetime, timezone
from pathlib import Path

from ..errors import UserError

__all__ = ["FolderLocked", "FolderLock", "LOCK_FILE"]

LOCK_FILE = ".render.lock"
_POLL = 0.2


class FolderLocked(UserError, OSError):
    """Another run holds the output folder's lock."""


class FolderLock:
    """Hold the render lock of ``folder`` while the ``with`` block runs.

    Parameters
    ----------
    folder
        The output folder (created if missing).
    wait
        Seconds to wait for another run to finish; ``0`` refuses at once.
    notify
        Called once with a message when the lock is busy and the run waits.

    Raises
    ------
    FolderLocked
        When another run still holds the lock after ``wait`` seconds; the
        message names its pid and start time.
    """

    def __init__(self, folder: str | Path, *, wait: float = 0, notify=None) -> None:
        self.path = Path(folder) / LOCK_FILE
        self.wait = wait
        self.notify = notify
        self._fd: int | None = None

    def __enter__(self) -> FolderLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        deadline = time.monotonic() + self.wait
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _holder(fd)
                if time.monotonic() >= deadline:
                    os.close(fd)
                    raise FolderLocked(f"{self.path.parent} is being rendered by another run ({holder}); "
                                       "wait for it to finish or pass --wait SECONDS") from None
                if not told and self.notify is not None:
                    self.notify(f"waiting for another render of {self.path.parent} to finish ({holder})")
                    told = True
                time.sleep(_POLL)
        started = datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, started {started}\n".encode(), 0)
        self._fd = fd
        return self

    def __exit__(self, *exc: object) -> None:
        if self._fd is not None:
            os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing releases the flock
            self._fd = None


def _holder(fd: int) -> str:
    text = os.pread(fd, 200, 0).decode(errors="replace").strip()
    return text or "pid unknown"
