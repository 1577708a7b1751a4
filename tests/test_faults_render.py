"""Fault injection in rendering: concurrent runs, killed workers and kernels, SIGINT and SIGKILL of the render.

Every wait polls with a bounded timeout; nothing depends on how fast the machine is.
"""

from __future__ import annotations

import json
import multiprocessing.util
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

from partner_analytics.cli import main
from partner_analytics.render import batch
from partner_analytics.render.lock import LOCK_FILE, FolderLock, FolderLocked
from partner_analytics.render.pool import JobResult, WorkerPool
from partner_analytics.render.jobs import ReportJob

pytestmark = pytest.mark.faults

FAULT_TEMPLATE = '''\
# %% tags=["parameters"]
name = "x"
action = ""
marker = ""

# %%
import os, signal, time
from pathlib import Path
if marker:
    with open(marker, "a") as handle:
        handle.write(f"{os.getppid()} {os.getpid()}\\n")  # worker pid, kernel pid
if action == "kill-worker":
    os.kill(os.getppid(), signal.SIGKILL)
if action == "kill-kernel":
    os.kill(os.getpid(), signal.SIGKILL)
if action == "hang":
    time.sleep(600)
print(f"report {name}")
'''


def _poll(condition, timeout: float = 60.0, what: str = "condition") -> None:
    """Wait until ``condition()`` is true, at most ``timeout`` seconds (then fail)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(0.2)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has exited
    except FileNotFoundError:
        return False


def _pids(marker: Path) -> set[int]:
    if not marker.exists():
        return set()
    return {int(pid) for line in marker.read_text().splitlines() for pid in line.split()}


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    """A short private temporary folder (kernel sockets need short paths) used as the temp dir."""
    folder = tempfile.mkdtemp(prefix="pa-faults-", dir="/tmp")
    multiprocessing.util.get_temp_dir()  # multiprocessing's own folder (the workers' fork server listens in it)
    # is made where it always is, not in this one, which goes at the end of the test
    monkeypatch.setattr(tempfile, "tempdir", folder)
    monkeypatch.setenv("TMPDIR", folder)
    yield Path(folder)
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def fault_template(scratch) -> str:
    path = scratch / "fault.py"
    path.write_text(FAULT_TEMPLATE)
    return str(path)


def _kernel_dirs(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.glob("pa-kernel-*"))


def _job(template: str, out: Path, name: str, action: str = "", marker: Path | None = None) -> ReportJob:
    return ReportJob(template, {"name": name, "action": action, "marker": str(marker or "")},
                     str(out / f"{name}.html"), name, {})


# --- concurrent runs ------------------------------------------------------------------------------------------------

HOLD_LOCK = """
import sys, time
from partner_analytics.render.lock import FolderLock
with FolderLock(sys.argv[1]):
    print("locked", flush=True)
    time.sleep(600)
"""


@pytest.fixture
def lock_holder(tmp_path):
    """Another process holding the lock of ``tmp_path / 'out'``."""
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(tmp_path / "out")], stdout=subprocess.PIPE,
                              text=True)
    assert holder.stdout.readline().strip() == "locked"
    yield holder
    holder.kill()
    holder.wait()


def test_a_second_render_into_a_busy_folder_is_refused_in_one_line_before_any_work(tmp_path, tiny_dir, lock_holder,
                                                                                   capsys):
    code = main(["render", "--source", str(tiny_dir), "--outdir", str(tmp_path / "out"), "--quiet"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"is being rendered by another run (pid {lock_holder.pid}, started " in err
    assert "--wait SECONDS" in err
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [LOCK_FILE]  # nothing written, nothing lost


def test_a_waiting_run_says_so_and_takes_the_lock_when_the_holder_is_killed(tmp_path, lock_holder):
    messages = []
    deadline = time.monotonic() + 60
    lock = FolderLock(tmp_path / "out", wait=60, notify=messages.append)
    killer = subprocess.Popen(["sh", "-c", f"sleep 1; kill -9 {lock_holder.pid}"])
    with lock:
        assert time.monotonic() < deadline
        assert f"pid {os.getpid()}," in (tmp_path / "out" / LOCK_FILE).read_text()
    killer.wait()
    assert len(messages) == 1 and messages[0].startswith(f"waiting for another render of {tmp_path / 'out'}")


def test_a_stale_lock_of_a_dead_run_is_taken_over(tmp_path):
    (tmp_path / LOCK_FILE).write_text("pid 999999999, started 2020-01-01 00:00:00 UTC\n")
    with FolderLock(tmp_path):
        with pytest.raises(FolderLocked, match="is being rendered by another run"):
            with FolderLock(tmp_path):
                pass
    with FolderLock(tmp_path):  # released on exit
        pass


class _InterruptedPool:
    """Stands in for the worker pool: writes the first page, then the run is cut short."""

    def __init__(self, *args, **kwargs) -> None:
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass

    def run(self, jobs, *, progress=True, gates=None):
        Path(jobs[0].output).parent.mkdir(parents=True, exist_ok=True)
        Path(jobs[0].output).write_text("new data")
        raise KeyboardInterrupt


class _DeadWorkerPool(_InterruptedPool):
    def run(self, jobs, *, progress=True, gates=None):
        return [JobResult(job, False, 0.0, "the worker process rendering it died (killed by SIGKILL) on each of "
                                            "2 tries") for job in jobs]


def test_a_run_cut_short_never_lets_the_next_run_skip_its_pages(tmp_path, tiny_dir, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    (out / batch.MANIFEST).write_text(json.dumps({"overview.html": "old key"}))
    monkeypatch.setattr(batch, "WorkerPool", _InterruptedPool)
    with pytest.raises(KeyboardInterrupt):
        batch.render_reports(source=str(tiny_dir), period="2024Q2", outdir=out, build_dir=tmp_path / "b",
                             progress=False)
    assert json.loads((out / batch.MANIFEST).read_text()) == {}  # the pages of the cut run must be rendered again
    with FolderLock(out):  # and the lock was released
        pass


def test_reports_of_dead_workers_are_listed_failed_and_the_index_and_manifest_are_still_written(tmp_path, tiny_dir,
                                                                                              monkeypatch):
    monkeypatch.setattr(batch, "WorkerPool", _DeadWorkerPool)
    summary = batch.render_reports(source=str(tiny_dir), period="2024Q2", outdir=tmp_path / "out",
                                   build_dir=tmp_path / "b", progress=False)
    assert not summary.ok and len(summary.failed) == 4
    assert "died (killed by SIGKILL)" in summary.failed["overview.html"]
    assert (tmp_path / "out" / "index.html").exists()
    assert json.loads((tmp_path / "out" / batch.MANIFEST).read_text()) == {}


# --- killed workers and kernels ------------------------------------------------------------------------------------

@pytest.mark.slow
def test_a_dead_worker_is_replaced_its_report_retried_once_then_failed_and_nothing_is_left_behind(fault_template, scratch,
                                                                                       tmp_path):
    out = tmp_path / "out"
    doomed, kernel = tmp_path / "doomed", tmp_path / "kernel"
    jobs = [
        _job(fault_template, out, "first"),
        _job(fault_template, out, "doomed", "kill-worker", doomed),
        _job(fault_template, out, "kernel", "kill-kernel", kernel),
        _job(fault_template, out, "last"),
    ]
    with WorkerPool(2, timeout=120) as pool:
        results = {r.job.parameters["name"]: r for r in pool.run(jobs, progress=False)}
        workers = {w.process.pid for w in pool._processes}
    assert {name: r.ok for name, r in results.items()} == {"first": True, "doomed": False, "kernel": False, "last": True}
    tries = [line.split()[0] for line in doomed.read_text().splitlines()]
    assert len(set(tries)) == 2  # tried once more, on a new worker process
    assert results["doomed"].error == "the worker process rendering it died (killed by SIGKILL) on each of 2 tries"
    assert "DeadKernelError" in results["kernel"].error
    assert sorted(p.name for p in out.iterdir()) == ["first.html", "last.html"]
    leftovers = _pids(doomed) | _pids(kernel) | workers
    _poll(lambda: not any(_alive(pid) for pid in leftovers), what="workers and kernels to exit")
    assert _kernel_dirs(scratch) == []


DRIVER = """
import sys
from partner_analytics.render.pool import WorkerPool
from partner_analytics.render.jobs import ReportJob
template, marker, out = sys.argv[1:]
with WorkerPool(2, timeout=600) as pool:
    pool.run([ReportJob(template, {"name": n, "action": "hang", "marker": marker}, f"{out}/{n}.html", n, {})
              for n in ("a", "b")], progress=False)
"""


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGINT])
def test_a_killed_or_interrupted_render_leaves_no_process_and_no_kernel_folder(fault_template, scratch, tmp_path, sig):
    marker = tmp_path / "pids"
    render = subprocess.Popen([sys.executable, "-c", DRIVER, fault_template, str(marker), str(tmp_path)],
                              stderr=subprocess.PIPE, text=True)
    _poll(lambda: len(_pids(marker)) == 4, timeout=180, what="both reports to start")
    started = _pids(marker)
    assert len(_kernel_dirs(scratch)) == 2
    render.send_signal(sig)
    _, err = render.communicate(timeout=120)
    _poll(lambda: not any(_alive(pid) for pid in started), what="workers and kernels to exit")
    _poll(lambda: not _kernel_dirs(scratch), what="kernel folders to be removed")
    assert not list(tmp_path.glob("*.html"))
    if sig == signal.SIGINT:
        assert err.strip().splitlines()[-1] == "KeyboardInterrupt"  # the driver's own; no worker traceback


# --- hostile values in a real render -------------------------------------------------------------------------------

@pytest.mark.slow
def test_a_concurrent_render_is_refused_and_hostile_values_render_as_plain_escaped_text(tmp_path, tiny_dir, scratch,
                                                                                      capsys):
    partners = tiny_dir / "partners.csv"
    partners.write_text(partners.read_text().replace("Alpha Systems", "<script>alert(1)</script> $\\foo$")
                        .replace("North America", "$\\foo$").replace("Beta Partners", "Beta\x00 Partners"))
    engagement = tiny_dir / "engagement.csv"
    engagement.write_text(engagement.read_text().replace("prm_login", "$\\badmath$"))
    other = tmp_path / "other"
    shutil.copytree(tiny_dir, other)
    (other / "deals.csv").write_text((other / "deals.csv").read_text().replace(",1000,", ",1500,"))
    out = tmp_path / "out"
    first = subprocess.Popen([sys.executable, "-m", "partner_analytics.cli", "render", "--source", str(tiny_dir),
                              "--period", "2024Q2", "--outdir", str(out), "--workers", "1", "--quiet"],
                             cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lock = out / LOCK_FILE
    _poll(lambda: lock.exists() and f"pid {first.pid}," in lock.read_text(), timeout=120, what="the first run's lock")
    assert main(["render", "--source", str(other), "--period", "2024Q2", "--outdir", str(out), "--quiet"]) == 1
    assert f"is being rendered by another run (pid {first.pid}" in capsys.readouterr().err
    stdout, stderr = first.communicate(timeout=600)
    assert first.returncode == 0, stderr
    assert "warning" not in stdout

    pages = [*out.glob("*.html"), *(out / "partners").glob("*.html")]
    assert len(pages) == 5
    hashes = set()
    for page in pages:
        text = page.read_text()
        assert "<script>alert(1)</script>" not in text and "\x00" not in text, page.name
        assert "Traceback" not in text and "ParseFatalException" not in text, page.name
        hashes |= set(re.findall(r"<dt>Input data hash</dt><dd>([0-9a-f]+)</dd>", text))
    assert len(hashes) == 1  # one data set: every page and the index
    manifest = json.loads((out / batch.MANIFEST).read_text())
    assert sorted(manifest) == sorted(str(p.relative_to(out)) for p in pages if p.name != "index.html")
    p1 = (out / "partners" / batch.report_file_name("P1")).read_text()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; $\\foo$" in p1
    assert "Beta Partners" in (out / "index.html").read_text()
    assert _kernel_dirs(scratch) == []


def test_kernel_folders_of_dead_processes_are_swept_and_live_ones_kept(scratch):
    from partner_analytics.render.jobs import remove_stale_kernel_folders

    dead = scratch / "pa-kernel-999999999-abc"
    live = scratch / f"pa-kernel-{os.getpid()}-def"
    for folder in (dead, live):
        (folder / "pa-kernel-999999999-x").mkdir(parents=True)
    assert remove_stale_kernel_folders(str(scratch)) == [dead.name]
    assert _kernel_dirs(scratch) == [live.name]
