"""What the batch hands a worker, and the files a render leaves behind.

A :class:`ReportJob` names one report; :class:`ReportFailed` says why one
could not be rendered; pages are written atomically (:func:`write_atomic`);
each worker keeps its kernels' sockets in a ``pa-kernel-<pid>-*`` folder
(:func:`kernel_folder_prefix`, :func:`remove_stale_kernel_folders`).

This module imports nothing of Jupyter, so the process that runs a batch
(and hands jobs to worker processes) never loads Papermill, nbformat or
nbconvert; only :mod:`~partner_analytics.render.worker` does.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from ..errors import PartnerAnalyticsError

__all__ = ["ReportJob", "ReportFailed", "write_atomic", "current_umask", "kernel_folder_prefix",
           "remove_stale_kernel_folders"]


class ReportFailed(PartnerAnalyticsError, RuntimeError):
    """A report could not be rendered; the message says which cell failed and why."""


@dataclass(frozen=True)
class ReportJob:
    """One report to render.

    Attributes
    ----------
    template
        Path of the report notebook (``.ipynb`` or jupytext ``.py``).
    parameters
        Values injected into the template's ``parameters`` cell.
    output
        Where the HTML goes (written atomically).
    title
        Page title.
    stamp
        Key/value pairs printed at the bottom of the page.
    """

    template: str
    parameters: Mapping[str, object]
    output: str
    title: str
    stamp: Mapping[str, str]


def write_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file and a rename, so readers never see half a file.

    The file gets the mode a newly created file would (``0644`` under umask
    ``022``): pages are published, for example by a web server running as
    another user.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~current_umask())
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def current_umask() -> int:
    """The process's umask, read without changing it where the system allows."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)  # no other way to read it: set and restore at once
    os.umask(mask)
    return mask


def kernel_folder_prefix() -> str:
    """Prefix of this process's temporary kernel folders: ``pa-kernel-<pid>-``."""
    return f"pa-kernel-{os.getpid()}-"


def remove_stale_kernel_folders(folder: str | None = None) -> list[str]:
    """Remove the ``pa-kernel-<pid>-*`` folders of processes that no longer run; return their names.

    A render killed with SIGKILL cannot clean up after itself; the next one
    does. Folders of running processes and of other users are left alone.
    """
    removed = []
    for path in Path(folder or tempfile.gettempdir()).glob("pa-kernel-*-*"):
        pid = path.name.split("-")[2]
        if not pid.isdigit() or Path(f"/proc/{pid}").exists() or path.stat().st_uid != os.getuid():
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path.name)
    return removed
