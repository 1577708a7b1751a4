"""A report worker: one warm Jupyter kernel and one reused HTML exporter.

Starting a kernel and importing pandas, seaborn and scipy costs seconds; the
report itself a fraction of that. A worker keeps its kernel running and
executes report after report in it through Papermill (parameter injection as
usual), over one kernel client that stays connected, each report's code cells in
one request (:mod:`partner_analytics.render.cell_runner`). Before
each report a reset cell clears the kernel's namespace and closes figures, so
no state leaks from one report into the next; imported modules stay loaded,
which is the point. After a failure or a timeout the kernel is replaced by a
fresh one.

The kernel starts when the worker is created and loads the plotting and data
libraries in the background, so it warms up while the caller does other work
(the batch builds the report context meanwhile); the first report waits for it.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

import nbformat
import papermill
from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import KernelManager
from jupyter_core.utils import run_sync
from nbclient.exceptions import CellTimeoutError
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import Engine
from papermill.exceptions import PapermillExecutionError
from papermill.execute import raise_for_execution_errors
from papermill.parameterize import parameterize_notebook

from .cell_runner import cells_source, file_outputs
from .html_export import export_html, make_exporter
from .jobs import ReportFailed, ReportJob, kernel_folder_prefix, write_atomic

__all__ = ["ReportWorker", "RESET_SOURCE", "WARMUP_SOURCE", "read_template"]

KERNEL_NAME = "python3"
KERNEL_ARGUMENTS = ("--HistoryManager.enabled=False",)
"""Report kernels keep no input history: IPython would otherwise write every cell to its SQLite file."""
STARTUP_TIMEOUT = 120
"""Seconds a new kernel may take to start and load :data:`WARMUP_SOURCE`."""

WARMUP_SOURCE = ("import matplotlib.pyplot, pandas, partner_analytics.render.blocks, "
                 "partner_analytics.render.cell_runner, partner_analytics.render.figures, "
                 "partner_analytics.render.partner_view, partner_analytics.render.overview_view")
"""Run once in every new kernel, in the background: the libraries and package modules the report templates
import (about a second of imports that overlaps the context build instead of delaying the first report)."""

RESET_SOURCE = """\
import matplotlib as _mpl, matplotlib.pyplot as _plt
from partner_analytics.plots.style import PLOT_RC as _rc
_plt.close("all"); _mpl.rcdefaults(); _mpl.rcParams.update(_rc); del _rc  # rcdefaults keeps the inline backend
with get_ipython().history_manager.db_input_cache_lock:
    get_ipython().history_manager.db_input_cache.clear()
get_ipython().reset(new_session=True)
import gc as _gc; _gc.freeze(); del _gc
"""
"""Run first in every report: closes figures, resets matplotlib settings and starts a new IPython session.

Matplotlib settings are reset to the package's :data:`~partner_analytics.plots.style.PLOT_RC`
(no math text: a ``$`` in a name is text, not TeX).

The new session clears every variable and the inputs IPython keeps, and starts
the execution count again, so a kernel's thousandth report costs what its
first did: ``%reset`` alone keeps the count (its output-cache flush walks every
count so far: 5 ms per report after 100 reports, 0.5 s after 10,000) and every
input, as does the history's write cache even with the history off.

The reset collects garbage; what survives it (modules, caches) is long-lived,
so it is frozen out of later collections, which then only walk the objects of
one report instead of the whole heap of pandas and matplotlib.
"""


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


_OUTPUT_FIELDS = {"stream": ("name", "text"), "display_data": ("data", "metadata"),
                  "execute_result": ("data", "metadata", "execution_count"), "error": ("ename", "evalue", "traceback")}
"""The fields of each output type, taken from its message's content (as ``nbformat.v4.output_from_msg`` takes them)."""


class _ConnectedClient(PapermillNotebookClient):
    """Papermill's notebook client, executing through an already connected kernel client.

    The code cells run in one request (:mod:`~partner_analytics.render.cell_runner`): each as a cell of its own in
    the kernel, its outputs filed back under it, so a failing cell's error is where Papermill looks for it. The
    timeout applies to that request, that is to the whole report.
    """

    def __init__(self, nb_man, *, kernel: _Kernel, **kwargs) -> None:
        super().__init__(nb_man, km=kernel.manager, **kwargs)
        self.kernel = kernel
        self.kc = kernel.client  # nbclient connects a new client (and waits for it) only when it has none

    def execute(self, **kwargs) -> nbformat.NotebookNode:
        """Papermill's ``execute``, asking the kernel for its language once per kernel instead of once per report.

        Papermill asks after every notebook, a round trip during which the kernel would wait for the next report.
        """
        self.reset_execution_trackers()
        with self.setup_kernel(**kwargs):
            self.papermill_execute_cells()
            if self.kernel.language_info is None:
                self.kernel.language_info = self.wait_for_reply(self.kc.kernel_info())["content"]["language_info"]
            self.nb.metadata["language_info"] = self.kernel.language_info
            self.set_widgets_metadata()
        return self.nb

    def output(self, outs, msg, display_id, cell_index):
        """Add an output as nbclient does, without checking it against the notebook schema.

        The check (jsonschema over each output) was the largest part of the time a worker spends on a report's
        messages; the outputs come from the package's own kernel, and the notebook is exported, never saved.
        An output with a display id, after a pending clear or under an output hook keeps nbclient's handling.
        """
        msg_type = msg["header"]["msg_type"]
        fields = _OUTPUT_FIELDS.get(msg_type)
        if (fields is None or display_id or self.clear_before_next_output
                or self.output_hook_stack[msg["parent_header"].get("msg_id")]):
            return super().output(outs, msg, display_id, cell_index)
        out = nbformat.from_dict({"output_type": msg_type, **{name: msg["content"][name] for name in fields}})
        outs.append(out)
        return out

    def papermill_execute_cells(self) -> None:
        cells = [cell for cell in self.nb.cells if cell.cell_type == "code"]
        request = nbformat.v4.new_code_cell(cells_source([cell.source for cell in cells]))
        self.nb.cells.append(request)  # nbclient stores the executed cell back at its index
        try:
            self.execute_cell(request, len(self.nb.cells) - 1)
        finally:
            self.nb.cells.pop()
            file_outputs(request.outputs, cells)


class _WarmKernelEngine(Engine):
    """Papermill engine that executes in a running kernel over the worker's client.

    Papermill's default engine connects a new client for every notebook and
    waits until its output channel is live, a fifth of a second or more each
    time; here one connection serves every report of a kernel.
    """

    @classmethod
    def execute_managed_notebook(cls, nb_man, kernel_name, *, kernel, execution_timeout=None, **kwargs):
        """Execute ``nb_man.nb`` in ``kernel`` (a :class:`_Kernel`); other Papermill options do not apply."""
        client = _ConnectedClient(nb_man, kernel=kernel, kernel_name=kernel_name, timeout=execution_timeout)
        return client.execute()


class _Kernel:
    """A kernel on private IPC sockets with one connected client; it starts loading libraries at once.

    The client is asynchronous, as nbclient expects: with a blocking one,
    waiting for output blocks nbclient's event loop, and a cell that runs
    past the timeout is never stopped.
    """

    def __init__(self, cwd: str | None, scratch: str | None = None) -> None:
        # IPC sockets: local only, no TCP ports, and no "unencrypted TCP" warning from the kernel
        self.sockets = tempfile.mkdtemp(prefix=kernel_folder_prefix(), dir=scratch)
        self.manager = KernelManager(kernel_name=KERNEL_NAME, transport="ipc", ip=str(Path(self.sockets) / "kernel"),
                                     client_class="jupyter_client.asynchronous.AsyncKernelClient")
        self.manager.start_kernel(cwd=cwd, extra_arguments=list(KERNEL_ARGUMENTS))
        self.client: AsyncKernelClient = run_sync(self._connect)()
        self.ready = False
        self.language_info: dict | None = None
        """What the kernel's ``kernel_info`` reply says of its language, once asked (the same for every report)."""

    async def _connect(self) -> AsyncKernelClient:
        # in nbclient's event loop (run_sync keeps one per thread), where the client will be used
        client = self.manager.client()
        client.allow_stdin = False
        client.start_channels()
        client.execute(WARMUP_SOURCE, silent=True)
        return client

    def wait_ready(self) -> None:
        """Block until the kernel has loaded the warm-up libraries and its output channel is connected."""
        if not self.ready:
            run_sync(self.client.wait_for_ready)(timeout=STARTUP_TIMEOUT)  # kernel_info queues behind the warm-up
            self.ready = True

    def stop(self) -> None:
        """Shut the kernel down (quietly if it is already dead) and remove its sockets."""
        try:
            self.client.stop_channels()
            if self.manager.has_kernel:
                self.manager.shutdown_kernel(now=True)
        except Exception:  # a dead kernel needs no shutdown
            logging.getLogger(__name__).warning("could not shut the kernel down cleanly")
        shutil.rmtree(self.sockets, ignore_errors=True)


class ReportWorker:
    """Render reports in one warm kernel.

    Parameters
    ----------
    timeout
        Seconds a report may run (its cells run as one request) before it fails and the kernel restarts.
    cwd
        Working directory of the kernel.
    scratch
        Folder for the kernels' socket folders (default: the system's temporary folder).
    """

    def __init__(self, *, timeout: float = 300, cwd: str | Path | None = None, scratch: str | None = None) -> None:
        self.timeout = timeout
        self.cwd = str(cwd) if cwd else None
        self.scratch = scratch
        self._kernel = _Kernel(self.cwd, scratch)
        self.exporter = make_exporter()
        self._templates: dict[str, nbformat.NotebookNode] = {}

    @property
    def kernel(self) -> KernelManager:
        """The manager of the current kernel (a new one after each restart)."""
        return self._kernel.manager

    def wait_ready(self) -> None:
        """Block until the kernel has started and loaded the report libraries (the first report waits for it)."""
        self._kernel.wait_ready()

    def execute(self, template: str, parameters: Mapping[str, object]) -> nbformat.NotebookNode:
        """Execute a template with ``parameters``; raise :class:`ReportFailed` on any error."""
        notebook = parameterize_notebook(self._prepared(template), dict(parameters), kernel_name=KERNEL_NAME)
        try:
            self._kernel.wait_ready()
            executed = _WarmKernelEngine.execute_notebook(
                notebook, KERNEL_NAME, progress_bar=False, execution_timeout=self.timeout,
                kernel=self._kernel,
            )
            raise_for_execution_errors(executed, None)
            return executed
        except PapermillExecutionError as err:
            self.restart()
            raise ReportFailed(f"{err.ename}: {err.evalue} (in template cell {err.cell_index})") from None
        except CellTimeoutError:
            self.restart()
            raise ReportFailed(f"the report ran longer than the timeout of {self.timeout:g} s") from None
        except Exception as err:  # a dead kernel or any other error: restart so the next report starts clean
            self.restart()
            raise ReportFailed(f"{type(err).__name__}: {err}") from None

    def _prepared(self, template: str) -> nbformat.NotebookNode:
        """A copy of ``template`` with the reset cell first, stable cell ids and Papermill's metadata.

        The template is read and loaded by Papermill once per worker; each report then only copies it and
        injects its parameters (Papermill's loading serialises and validates the whole notebook each time).
        """
        if template not in self._templates:
            notebook = read_template(template)
            reset = nbformat.v4.new_code_cell(RESET_SOURCE, metadata={"tags": ["renderer-reset"]})
            notebook.cells.insert(0, reset)
            for index, cell in enumerate(notebook.cells):
                cell.id = f"cell-{index}"  # stable ids: the same inputs give byte-identical HTML
            self._templates[template] = papermill.execute_notebook(notebook, None, kernel_name=KERNEL_NAME,
                                                                   prepare_only=True)
        return nbformat.from_dict(self._templates[template])

    def render(self, job: ReportJob) -> None:
        """Execute ``job`` and write its HTML atomically; nothing is written if it fails."""
        self.write(job, self.execute(job.template, job.parameters))

    def write(self, job: ReportJob, executed: nbformat.NotebookNode) -> None:
        """Export ``job``'s executed notebook to HTML and write it atomically.

        Uses no kernel, so it may run in another thread while the kernel runs the next report, one page at a
        time (the exporter is not shared between threads).
        """
        page = export_html(self.exporter, executed, title=job.title, stamp=job.stamp)
        write_atomic(job.output, page)

    def restart(self) -> None:
        """Replace the kernel with a fresh one (after a failure or timeout).

        A new kernel on new sockets, rather than ``restart_kernel``: a restarted
        kernel reusing the same IPC socket files can leave the client waiting
        for output that never arrives.
        """
        self._kernel.stop()
        self._kernel = _Kernel(self.cwd, self.scratch)

    def close(self) -> None:
        """Shut the kernel down."""
        self._kernel.stop()

    def __enter__(self) -> ReportWorker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
