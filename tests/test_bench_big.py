"""The big run of the rendering benchmark prints time and memory per program size, small program first."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[1] / "benchmarks"


def test_the_big_run_prints_each_program_size_with_worker_and_kernel_peaks(capsys):
    sys.path.insert(0, str(BENCHMARKS))
    try:
        bench = importlib.import_module("bench")
    finally:
        sys.path.remove(str(BENCHMARKS))
    small, big = bench._PeakMemory(in_process=False), bench._PeakMemory(in_process=False)
    small.workers, small.kernels = {1: 300.0}, {2: 290.0, 3: 310.0}
    big.workers, big.kernels = {1: 320.0}, {2: 295.0, 3: 700.0}
    bench._print_big_run([(40, 40, 1.25, small), (10_000, 40, 1.5, big)], 2)
    lines = capsys.readouterr().out.strip().splitlines()
    assert "2 worker(s)" in lines[0]
    expected = "40 partners (40 reports): 1.250 s/report; per worker 300 MiB; per report kernel 290 to 310 MiB"
    assert lines[1].split() == expected.split()
    assert lines[2].split()[:2] == ["10,000", "partners"] and lines[2].endswith("295 to   700 MiB")
