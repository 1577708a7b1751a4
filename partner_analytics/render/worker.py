"""A report worker: one warm Jupyter kernel and one reused HTML exporter.

Starting a kernel and importing pandas, seaborn and scipy costs seconds; the
report itself a fraction of that. A worker keeps its kernel running and
executes report after report in it through Papermill (parameter injection and
cell metadata as usual). Before each report a reset cell clears the kernel's
namespace and closes figures, so no state leaks from one report into the next;
imported modules stay loaded, which is the point. After a failure or a timeout
the kernel is restarted.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import nbformat
import papermill
from jupyter_client.manager import KernelManager
from papermill.exceptions import PapermillExecutionError

from .html_export import export_html, make_exporter

__all__ = ["ReportJob", "ReportWorker", "ReportFailed", "RESET_SOURCE", "read_template", "write_atomic"]

KERNEL_NAME = "python3"

RESET_SOURCE = """\
get_ipython().run_line_magic("reset", "-f")
import matplotlib as _mpl, matplotlib.pyplot as _plt
_plt.close("all"); _mpl.rcdefaults()  # rcdefaults keeps the inline backend
del _mpl, _plt
"""
"""Run first in every report: clears variables, figures and matplotlib settings left by the previous report."""


class ReportFailed(RuntimeError):
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


def read_template(path: str | Path) -> nbformat.NotebookNode:
    """Read a report template; jupytext ``py:percent`` files are converted in memory."""
    path = Path(path)
    if path.suffix == ".py":
        import jupytext

        notebook = jupytext.read(path)
    else:
        notebook = nbformat.read(path, as_version=4)
    notebook.metadata["kernelspec"] = {"name": KERNEL_NAME, "display_name": "Python 3", "language": "python"}
    return notebook


def write_atomic(path: str | Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file and a rename, so readers never see half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _start_kernel(cwd: str | None, sockets: str) -> KernelManager:
    # IPC sockets: local only, no TCP ports, and no "unencrypted TCP" warning from the kernel
    kernel = KernelManager(kernel_name=KERNEL_NAME, transport="ipc", ip=str(Path(sockets) / "kernel"))
    kernel.start_kernel(cwd=cwd)
    return kernel


class ReportWorker:
    """Render reports in one warm kernel.

    Parameters
    ----------
    timeout
        Seconds one cell may run before the report fails and the kernel restarts.
    cwd
        Working directory of the kernel.
    """

    def __init__(self, *, timeout: float = 300, cwd: str | Path | None = None) -> None:
        self.timeout = timeout
        self.cwd = str(cwd) if cwd else None
        self._sockets = tempfile.mkdtemp(prefix="pa-kernel-")
        self.kernel = _start_kernel(self.cwd, self._sockets)
        self.exporter = make_exporter()
        self._templates: dict[str, nbformat.NotebookNode] = {}

    def execute(self, template: str, parameters: Mapping[str, object]) -> nbformat.NotebookNode:
        """Execute a template with ``parameters``; raise :class:`ReportFailed` on any error."""
        if template not in self._templates:
            self._templates[template] = read_template(template)
        notebook = nbformat.from_dict(self._templates[template])
        reset = nbformat.v4.new_code_cell(RESET_SOURCE, metadata={"tags": ["renderer-reset"]})
        notebook.cells.insert(0, reset)
        for index, cell in enumerate(notebook.cells):
            cell.id = f"cell-{index}"  # stable ids: the same inputs give byte-identical HTML
        try:
            return papermill.execute_notebook(
                notebook,
                None,
                parameters=dict(parameters),
                kernel_name=KERNEL_NAME,
                progress_bar=False,
                log_output=False,
                execution_timeout=self.timeout,
                km=self.kernel,
                cwd=self.cwd,
            )
        except PapermillExecutionError as err:
            self.restart()
            raise ReportFailed(f"{err.ename}: {err.evalue} (in template cell {err.cell_index})") from None
        except Exception as err:  # timeouts, dead kernels: restart so the next report starts clean
            self.restart()
            raise ReportFailed(f"{type(err).__name__}: {err}") from None

    def render(self, job: ReportJob) -> None:
        """Execute ``job`` and write its HTML atomically; nothing is written if it fails."""
        executed = self.execute(job.template, job.parameters)
        page = export_html(self.exporter, executed, title=job.title, stamp=job.stamp)
        write_atomic(job.output, page)

    def restart(self) -> None:
        """Replace the kernel with a fresh one (after a failure or timeout).

        A new kernel on new sockets, rather than ``restart_kernel``: a restarted
        kernel reusing the same IPC socket files can leave the client waiting
        for output that never arrives.
        """
        self._stop_kernel()
        self._sockets = tempfile.mkdtemp(prefix="pa-kernel-")
        self.kernel = _start_kernel(self.cwd, self._sockets)

    def _stop_kernel(self) -> None:
        try:
            if self.kernel.has_kernel:
                self.kernel.shutdown_kernel(now=True)
        except Exception:  # a dead kernel needs no shutdown
            logging.getLogger(__name__).warning("could not shut the kernel down cleanly")
        shutil.rmtree(self._sockets, ignore_errors=True)

    def close(self) -> None:
        """Shut the kernel down."""
        self._stop_kernel()

    def __enter__(self) -> ReportWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
