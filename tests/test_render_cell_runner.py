"""A report's cells in one kernel request: the request's code and the filing of outputs under their cells."""

from __future__ import annotations

import ast
import io

import nbformat

from partner_analytics.render.cell_runner import CELL_MARKER, FlushWhenWritten, cells_source, file_outputs

new_output = nbformat.v4.new_output


def _marker(cell: int, count: int) -> nbformat.NotebookNode:
    return new_output("display_data", data={CELL_MARKER: {"cell": cell, "execution_count": count}})


def test_the_request_carries_every_cell_source_exactly():
    sources = ['x = "a \\"quoted\\" value"', "print('''three\nlines''')", "name = 'Zoë 😀 <script>$=1'", ""]
    call = ast.parse(cells_source(sources)).body[0].value
    assert call.func.attr == "run_cells"
    assert ast.literal_eval(call.args[0]) == sources


def test_outputs_are_filed_under_the_cell_whose_marker_they_follow():
    cells = [nbformat.v4.new_code_cell(f"cell {i}") for i in range(4)]
    cells[3].outputs = [new_output("stream", name="stdout", text="stale")]
    printed = new_output("stream", name="stdout", text="first\n")
    shown = new_output("execute_result", data={"text/plain": "2"}, execution_count=8)
    error = new_output("error", ename="ValueError", evalue="boom", traceback=[])
    file_outputs([_marker(0, 6), _marker(1, 7), printed, shown, _marker(2, 8), error], cells)
    assert [cell.outputs for cell in cells] == [[], [printed, shown], [error], []]  # cell 3 never ran
    assert [cell.execution_count for cell in cells[:3]] == [6, 7, 8]
    assert cells[3].execution_count is None


def test_outputs_before_any_marker_and_markers_themselves_are_not_filed():
    cells = [nbformat.v4.new_code_cell("x")]
    file_outputs([new_output("stream", name="stderr", text="warning\n"), _marker(0, 1)], cells)
    assert cells[0].outputs == []


class _CountingStream(io.StringIO):
    def __init__(self) -> None:
        super().__init__()
        self.flushes = 0

    def flush(self) -> None:
        self.flushes += 1


def test_the_cells_streams_flush_only_what_was_written():
    stream = _CountingStream()
    lazy = FlushWhenWritten(stream)
    lazy.flush()
    lazy.flush()
    assert stream.flushes == 0  # nothing written: no round trip to the kernel's output thread
    print("a", file=lazy)
    lazy.writelines(["b\n"])
    lazy.flush()
    lazy.flush()
    assert (stream.getvalue(), stream.flushes) == ("a\nb\n", 1)
    assert lazy.closed is False and lazy.seekable()  # everything else is the stream's own
