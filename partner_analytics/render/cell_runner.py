"""Run a report's code cells in one kernel request, and file the outputs back under their cells.

A Jupyter client executes a notebook one cell at a time, a request and a reply each: about 6 ms of messaging per
cell in a warm kernel (status, input and reply messages, output flushes, the client's bookkeeping), and a partner
report runs 13 code cells. :func:`cells_source` is one request that runs them all in the kernel, each through
IPython's own ``run_cell``, so each cell keeps what a cell run on its own does: its last expression displayed, its
figures shown at its end, its error shown and the cells after an error not run. Before each cell the kernel sends
a marker output; :func:`file_outputs` then moves the outputs that follow a marker to that marker's cell.

IPython flushes standard output and error before every display, a round trip to the kernel's output thread each
(about half of what a display costs); while the cells run, those flushes happen only when something was written
(:class:`FlushWhenWritten`), so text a cell prints still arrives before what it displays next.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:  # the kernel imports this module: it needs no nbformat
    import nbformat

__all__ = ["CELL_MARKER", "FlushWhenWritten", "cells_source", "file_outputs", "run_cells"]

CELL_MARKER = "application/vnd.partner-analytics.cell+json"
"""Media type of the marker output sent before each cell: ``{"cell": <position>, "execution_count": <n>}``."""


class FlushWhenWritten:
    """A text stream passing everything on to ``stream``, whose ``flush`` does nothing unless text was written since.

    Output written below Python (by a C library straight to the file descriptor) bypasses it: that text arrives
    at the next real flush (the end of :func:`run_cells`) instead of before the next display.
    """

    def __init__(self, stream: TextIO) -> None:
        self.stream, self.written = stream, False

    def write(self, text: str) -> int:
        self.written = True
        return self.stream.write(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def flush(self) -> None:
        if self.written:
            self.written = False
            self.stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def run_cells(sources: Sequence[str]) -> None:
    """Kernel side: run ``sources`` as cells, in order, each after its marker; stop after a cell that fails.

    Standard output and error are flushed before each marker, so what a cell printed arrives before the next
    cell's marker; they flush only what was written (:class:`FlushWhenWritten`) until the last cell has run.
    """
    import sys

    from IPython import get_ipython
    from IPython.display import publish_display_data

    shell = get_ipython()
    streams = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = FlushWhenWritten(sys.stdout), FlushWhenWritten(sys.stderr)
    try:
        for position, source in enumerate(sources):
            sys.stdout.flush()
            sys.stderr.flush()
            publish_display_data({CELL_MARKER: {"cell": position, "execution_count": shell.execution_count}})
            if not shell.run_cell(source, store_history=True).success:
                break
    finally:
        sys.stdout, sys.stderr = streams
        sys.stdout.flush()
        sys.stderr.flush()


def cells_source(sources: Sequence[str]) -> str:
    """The code of the one request that runs ``sources`` as cells in the kernel (:func:`run_cells`)."""
    return f"__import__({__name__!r}, fromlist=['run_cells']).run_cells({list(sources)!r})"


def file_outputs(outputs: Sequence[nbformat.NotebookNode], cells: Sequence[nbformat.NotebookNode]) -> None:
    """Give each of ``cells`` the outputs that followed its marker in ``outputs`` (and its execution count).

    A cell whose marker is absent (not run: an earlier cell failed, or the request was stopped) keeps no outputs.
    """
    current = None
    for cell in cells:
        cell.outputs = []
    for output in outputs:
        marker = output.get("data", {}).get(CELL_MARKER) if output.get("output_type") == "display_data" else None
        if marker is not None:
            current = cells[marker["cell"]]
            current.execution_count = marker["execution_count"]
        elif current is not None:
            current.outputs.append(output)
