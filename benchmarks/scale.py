"""Scale benchmark: a 100,000-partner, 10,000,000-deal program on Parquet, engine path vs. naive pandas.

Run ``make bench-scale`` (or ``python benchmarks/scale.py --help``). Three steps:

1. **generate** (timed on its own, not part of the comparison): a synthetic
   program written straight to Parquet under ``build/scale/<partners>_<deals>/``
   by :mod:`scale_data` (chunked, bounded memory, deterministic); a folder that
   is already there is reused.
2. **engine path**, in a fresh process: :func:`partner_analytics.engine.open_program`
   (DuckDB over the Parquet files; validation is SQL in DuckDB), then
   :func:`partner_analytics.rollup` and the full metric set (partner KPIs,
   scorecard and tiers, partner and program insights).
3. **naive pandas**, in a fresh process: every table read whole with
   ``pd.read_parquet`` (:func:`read_tables`), then the same
   :class:`~partner_analytics.rollup.Rollup` computed with pandas groupbys
   and merges by :func:`naive_rollup.naive_rollup`, the package's own pandas
   rollup from before the engine. Both paths produce equal facts (checked by
   ``tests/test_bench_scale.py``), so the rollup ratios compare equal work;
   the naive path computes no metrics.

Peak memory is each process's high-water resident set (``VmHWM``, which
starts afresh at ``exec``; ``ru_maxrss`` would inherit the parent's peak
through ``vfork``). Machines are shared and noisy, so compare the ratios
printed at the end, measured side by side in one run.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

from partner_analytics.schema import TABLES
from naive_rollup import naive_rollup
from scale_data import AS_OF, ROOT, program_folder

__all__ = ["read_tables", "time_engine", "time_naive", "run_scale", "run_sizes", "main", "SPARK_LOCAL"]


def read_tables(folder: str | Path) -> dict[str, pd.DataFrame]:
    """The naive first step: every table read whole into pandas, all columns."""
    return {name: pd.read_parquet(Path(folder) / f"{name}.parquet") for name in TABLES}


def _status(pid: str, key: str) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith(key):
                    return int(line.split()[1])
    except (OSError, ValueError):
        return None
    return None


def _peak_gib() -> float:
    """Peak resident memory in GiB of this process plus its live children (a Spark JVM).

    ``VmHWM`` from /proc (``ru_maxrss`` where there is none).
    """
    own = _status("self", "VmHWM:")
    if own is not None:
        me = str(Path("/proc/self").resolve().name)
        children = [p.name for p in Path("/proc").iterdir() if p.name.isdigit() and str(_status(p.name, "PPid:")) == me]
        return (own + sum(_status(c, "VmHWM:") or 0 for c in children)) / 2**20
    maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return maxrss / (2**30 if sys.platform == "darwin" else 2**20)


class _Clock:
    """Times named steps and notes the process's peak memory after each (a running high-water mark)."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}
        self.peak_gib: dict[str, float] = {}

    def __call__(self, name: str, step):
        started = time.perf_counter()
        result = step()
        self.seconds[name] = time.perf_counter() - started
        self.peak_gib[name] = _peak_gib()
        return result


def _count_fetches(engine) -> dict:
    """Wrap ``engine.fetch`` (this instance only) to add up its queries, seconds and rows returned to pandas."""
    totals = {"queries": 0, "seconds": 0.0, "rows": 0}
    fetch = engine.fetch

    def counted(sql: str):
        started = time.perf_counter()
        frame = fetch(sql)
        totals["queries"] += 1
        totals["seconds"] += time.perf_counter() - started
        totals["rows"] += len(frame)
        return frame

    engine.fetch = counted
    return totals


SPARK_LOCAL = {"master": "local[2]", "conf": {"spark.driver.memory": "2g", "spark.sql.shuffle.partitions": "8"}}
"""Spark local-mode options of the benchmark (the README's worked spark-submit example: tests/test_spark_job.py)."""


def time_engine(folder: str | Path, *, engine: str = "duckdb", threads: int | None = None,
                memory_limit: str | None = None, as_of: str = AS_OF) -> dict:
    """Open the folder on DuckDB (or Spark local mode), validate, roll up and compute the full metric set.

    Returns
    -------
    dict
        ``seconds`` per step, ``peak_gib`` (with a Spark JVM's), ``partner_periods``
        (rows of the grid) and ``rollup_fetch``: the rollup's queries, the
        seconds spent in them (running plus conversion to pandas) and the rows
        they returned.
    """
    import partner_analytics as pa
    from partner_analytics.engine import open_program
    from partner_analytics.insights import partner_insights, program_insights
    from partner_analytics.metrics.kpis import partner_kpis, scorecard_table
    from partner_analytics.params import load_params

    params, clock = load_params(), _Clock()
    if engine == "spark":
        options = SPARK_LOCAL
    else:
        options = {k: v for k, v in (("threads", threads), ("memory_limit", memory_limit)) if v}
    with clock("open + validate", lambda: open_program(folder, engine=engine, **options)) as program:
        fetched = _count_fetches(program.engine)
        facts = clock("rollup", lambda: pa.rollup(program, freq="Q", as_of=as_of))
    kpis = clock("partner KPIs", lambda: partner_kpis(facts))
    card = clock("scorecard + tiers", lambda: scorecard_table(facts, params))
    clock("insights", lambda: (partner_insights(facts, kpis, params, scorecard=card),
                               program_insights(facts, kpis, params)))
    peak = max(_peak_gib(), *clock.peak_gib.values())  # a Spark JVM's peak counts while it runs
    return {"seconds": clock.seconds, "peak_gib": peak, "peak_gib_after": clock.peak_gib,
            "partner_periods": len(facts.partner_periods), "rollup_fetch": fetched}


def time_naive(folder: str | Path, *, as_of: str = AS_OF) -> dict:
    """Read every table into pandas and compute the full rollup with pandas (:func:`naive_rollup`).

    Returns
    -------
    dict
        ``seconds`` per step (``read Parquet``, ``rollup``), ``peak_gib``
        and ``partner_periods`` (rows of the grid).
    """
    clock = _Clock()
    frames = clock("read Parquet", lambda: read_tables(folder))
    facts = clock("rollup", lambda: naive_rollup(frames, freq="Q", as_of=as_of))
    return {"seconds": clock.seconds, "peak_gib": _peak_gib(), "peak_gib_after": clock.peak_gib,
            "partner_periods": len(facts.partner_periods)}


def _in_fresh_process(approach: str, folder: Path, threads: int | None, memory_limit: str | None) -> dict:
    """Run one approach (``engine``, ``spark`` or ``naive``) in a new interpreter so its peak memory is its own."""
    command = [sys.executable, str(Path(__file__).resolve()), "--child", approach, "--folder", str(folder)]
    if threads:
        command += ["--threads", str(threads)]
    if memory_limit:
        command += ["--memory-limit", memory_limit]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"the {approach} run failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_scale(*, n_partners: int = 100_000, n_deals: int = 10_000_000, threads: int | None = None,
              memory_limit: str | None = None, skip_naive: bool = False, spark: bool = False,
              build: Path | None = None) -> dict:
    """Generate (or reuse) the program, time each approach in its own process and print the table.

    ``build`` is the folder holding the ``scale/`` cache (default: the repository's ``build/``).

    Returns
    -------
    dict
        ``engine`` (and ``naive`` unless skipped, ``spark`` if asked): ``seconds`` per step and ``peak_gib``.
    """
    started = time.perf_counter()
    folder, generated = program_folder(n_partners, n_deals, build=build)
    rows = json.loads((folder / "program.json").read_text())["rows"]
    size = sum(f.stat().st_size for f in folder.glob("*.parquet")) / 2**20
    how = f"generated in {generated:.1f} s" if generated else "cached"
    print(f"\nScale benchmark: {rows['partners']:,} partners, {rows['deals']:,} deals "
          f"({', '.join(f'{rows[t]:,} {t}' for t in ('targets', 'engagement', 'surveys', 'mdf'))}); "
          f"{size:,.0f} MiB of Parquet in {folder.relative_to(ROOT) if folder.is_relative_to(ROOT) else folder} "
          f"({how})", flush=True)
    results = {"engine": _in_fresh_process("engine", folder, threads, memory_limit)}
    if spark:
        results["spark"] = _in_fresh_process("spark", folder, threads, memory_limit)
    if not skip_naive:
        results["naive"] = _in_fresh_process("naive", folder, threads, memory_limit)
    _print_table(results, threads, memory_limit)
    print(f"  (whole benchmark {time.perf_counter() - started:.0f} s)")
    return results


def _print_engine(engine: dict, title: str) -> None:
    print(f"  {title}")
    for name, seconds in engine["seconds"].items():
        print(f"    {name:<42} {seconds:8.2f} {engine['peak_gib_after'][name]:9.2f}")
        if name == "rollup":
            fetched = engine["rollup_fetch"]
            print(f"      {'of which SQL + transfer to pandas':<40} {fetched['seconds']:8.2f}"
                  f"            ({fetched['queries']} queries, {fetched['rows']:,} rows into pandas = "
                  f"{fetched['rows'] / engine['partner_periods']:.2f} per partner × period)")
    print(f"    {'total':<42} {sum(engine['seconds'].values()):8.2f} {engine['peak_gib']:9.2f}")


def _print_table(results: dict, threads: int | None, memory_limit: str | None) -> None:
    engine = results["engine"]
    label = f"threads={threads or 'all'}" + (f", memory_limit={memory_limit}" if memory_limit else "")
    print(f"  {'approach / step':<44} {'seconds':>8} {'peak GiB':>9}   (peak so far, after each step)")
    _print_engine(engine, f"engine path (DuckDB over Parquet, {label})")
    engine_total = sum(engine["seconds"].values())
    if "spark" in results:
        _print_engine(results["spark"], f"engine path (Spark local mode, {SPARK_LOCAL['master']}; peak incl. the JVM)")
    if "naive" not in results:
        return
    naive = results["naive"]
    print("  naive pandas (read every table, the same rollup with pandas groupbys)")
    for name, seconds in naive["seconds"].items():
        print(f"    {name:<42} {seconds:8.2f} {naive['peak_gib_after'][name]:9.2f}")
    naive_total = sum(naive["seconds"].values())
    print(f"    {'total':<42} {naive_total:8.2f} {naive['peak_gib']:9.2f}")
    facts = engine["seconds"]["open + validate"] + engine["seconds"]["rollup"]
    print(f"  rollup, naive (read + rollup) / engine rollup          {naive_total / engine['seconds']['rollup']:6.1f}x")
    print(f"  rollup, naive / engine (open + validate + rollup)      {naive_total / facts:6.1f}x")
    print(f"  overall, naive / engine (+ validation and metrics)     {naive_total / engine_total:6.1f}x")
    print(f"  peak memory, naive / engine                            {naive['peak_gib'] / engine['peak_gib']:6.1f}x")
    print("  (ratios above 1: the engine path is faster / uses less memory)")


def add_arguments(parser: argparse.ArgumentParser, *, prefix: str = "") -> None:
    """Add the scale benchmark's options; ``prefix`` (e.g. ``scale-``) names the size options in ``bench.py``."""
    parser.add_argument(f"--{prefix}partners", type=int, default=100_000, help="partners to generate (default 100,000)")
    parser.add_argument(f"--{prefix}deals", type=int, nargs="+", default=[10_000_000],
                        help="deals to generate, one or more sizes run in turn (default 10,000,000)")
    parser.add_argument("--spark-max-deals", type=int, default=10_000_000,
                        help="also time Spark local mode at sizes up to this many deals (0: never; default 10M)")
    parser.add_argument("--naive-max-deals", type=int, default=10_000_000,
                        help="time naive pandas only up to this many deals (it holds every table; default 10M)")
    parser.add_argument("--threads", type=int, default=None, help="DuckDB threads (default: one per core)")
    parser.add_argument("--memory-limit", default=None,
                        help="DuckDB memory limit, e.g. 4GB (default: DuckDB's, 80%% of RAM)")
    parser.add_argument("--skip-naive", action="store_true", help="time only the engine path")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    add_arguments(parser)
    parser.add_argument("--child", choices=("engine", "spark", "naive"), help=argparse.SUPPRESS)
    parser.add_argument("--folder", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child in ("engine", "spark"):
        engine = "spark" if args.child == "spark" else "duckdb"
        print(json.dumps(time_engine(args.folder, engine=engine, threads=args.threads, memory_limit=args.memory_limit)))
    elif args.child == "naive":
        print(json.dumps(time_naive(args.folder)))
    else:
        run_sizes(args, n_partners=args.partners, sizes=args.deals)
    return 0


def run_sizes(args: argparse.Namespace, *, n_partners: int, sizes: list[int]) -> dict[int, dict]:
    """:func:`run_scale` at each number of deals in ``sizes``, then the curve: engine time and memory per size."""
    results = {}
    for n_deals in sizes:
        results[n_deals] = run_scale(
            n_partners=n_partners, n_deals=n_deals, threads=args.threads, memory_limit=args.memory_limit,
            skip_naive=args.skip_naive or n_deals > args.naive_max_deals, spark=n_deals <= args.spark_max_deals)
    if len(results) > 1:
        print("\nScale curve (DuckDB engine path: open + validate, rollup, metrics)")
        print(f"  {'deals':>13} {'seconds':>8} {'peak GiB':>9} {'rows into pandas':>17}")
        for n_deals, result in results.items():
            engine = result["engine"]
            print(f"  {n_deals:>13,} {sum(engine['seconds'].values()):8.1f} {engine['peak_gib']:9.2f}"
                  f" {engine['rollup_fetch']['rows']:>17,}")
    return results


if __name__ == "__main__":
    sys.exit(main())
