"""Benchmarks: report rendering three ways, and the metric library on a large program.

Run ``make bench`` (or ``python benchmarks/bench.py --help``). Machines are
shared and noisy, so compare the **ratios** printed at the end, measured side
by side in one run, rather than absolute times.

Rendering (the same N partner reports of a synthetic program, each way):

1. **stock CLI chain**: one ``papermill`` process and one ``jupyter nbconvert
   --to html --no-input`` process per report (a fresh kernel each time);
2. **renderer**: ``partner_analytics.render.batch.render_reports`` (warm
   kernels, one per worker, a reused exporter, the data loaded once per worker);
3. **in-process floor**: the same report data and charts computed and drawn in
   a plain Python loop, no notebook at all.

Metrics: validation, rollup and the full KPI / scorecard / insight set on a
synthetic program of about 1,000,000 deals.
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

import partner_analytics as pa  # noqa: E402
from partner_analytics.params import load_params  # noqa: E402
from partner_analytics.plots.partner import (  # noqa: E402
    plot_engagement_vs_peers,
    plot_partner_deal_size,
    plot_partner_revenue,
    plot_partner_win_rate,
)
from partner_analytics.plots.scorecard import plot_scorecard_breakdown  # noqa: E402
from partner_analytics.render.batch import TEMPLATES, render_reports  # noqa: E402
from partner_analytics.render.context import build_context, save_context  # noqa: E402
from partner_analytics.render.partner_view import partner_view  # noqa: E402
from partner_analytics.sample import write_sample  # noqa: E402
from scale import add_arguments as add_scale_arguments  # noqa: E402  (benchmarks/scale.py)
from scale import run_sizes  # noqa: E402


def _stock_chain(ids: list[str], context_path: Path, work: Path) -> float:
    import jupytext

    notebook = work / "partner_report.ipynb"
    jupytext.write(jupytext.read(TEMPLATES["partner"]), notebook)
    bindir = Path(sys.executable).parent
    started = time.perf_counter()
    for partner_id in ids:
        executed = work / f"{partner_id}.ipynb"
        subprocess.run([bindir / "papermill", notebook, executed, "-p", "partner_id", partner_id,
                        "-p", "context_path", str(context_path), "-k", "python3", "--no-progress-bar"],
                       check=True, capture_output=True)
        subprocess.run([bindir / "jupyter", "nbconvert", "--to", "html", "--no-input", executed],
                       check=True, capture_output=True)
    return (time.perf_counter() - started) / len(ids)


def _renderer(source: Path, ids: list[str], work: Path, workers: int | None) -> float:
    started = time.perf_counter()
    summary = render_reports(source=str(source), outdir=work / "reports", build_dir=work / "build",
                             partners=ids, force=True, workers=workers, progress=False)
    if not summary.ok:
        raise RuntimeError(summary.text())
    # the overview is rendered too: count it as one more report
    return (time.perf_counter() - started) / (len(ids) + 1)


def _floor(context, ids: list[str]) -> float:
    """Seconds per report to compute a partner's view and draw its charts exactly as the report does.

    The figures are those of ``templates/partner_report.py`` (same layout) and
    are saved the way a notebook's inline backend saves them: PNG with
    ``bbox_inches="tight"``.
    """
    started = time.perf_counter()
    for partner_id in ids:
        view = partner_view(context, partner_id)
        fig, axes = plt.subplots(3, 1, figsize=(8, 9), constrained_layout=True)
        plot_partner_revenue(view.history, ax=axes[0])
        plot_partner_win_rate(view.history, ax=axes[1])
        plot_partner_deal_size(view.history, ax=axes[2])
        for figure in (fig, plot_engagement_vs_peers(view.engagement).figure,
                       plot_scorecard_breakdown(view.breakdown.assign(partner_id=partner_id),
                                                partner_id=partner_id).figure):
            figure.savefig(io.BytesIO(), format="png", bbox_inches="tight")
            plt.close(figure)
    return (time.perf_counter() - started) / len(ids)


def bench_rendering(n_partners: int, stock_reports: int, workers: int | None) -> None:
    """Time the three ways of rendering and print per-report times and ratios."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        write_sample(work / "data", n_partners=n_partners)
        program = pa.load_program(work / "data")
        context = build_context(program, load_params())
        ids = list(context.kpis["partner_id"])[:n_partners]
        context_path = save_context(context, work / "ctx")

        floor = _floor(context, ids)
        renderer = _renderer(work / "data", ids, work, workers)
        stock = _stock_chain(ids[:stock_reports], context_path, work)

    print(f"\nRendering {len(ids)} partner reports (stock chain timed on {min(stock_reports, len(ids))}):")
    print(f"  stock CLI chain (papermill + nbconvert processes) {stock:8.3f} s/report")
    print(f"  partner-analytics renderer                         {renderer:8.3f} s/report")
    print(f"  in-process floor (plain Python loop)               {floor:8.3f} s/report")
    print(f"  ratio stock / renderer = {stock / renderer:6.1f}x   (goal >= 10x)")
    print(f"  ratio renderer / floor = {renderer / floor:6.2f}x   (goal <= 2x)")


def bench_metrics(n_partners: int) -> None:
    """Time validation, rollup and the full metric set on a large synthetic program."""
    from partner_analytics.insights import partner_insights, program_insights
    from partner_analytics.metrics.kpis import partner_kpis, scorecard_table
    from partner_analytics.sample import generate_sample

    params = load_params()
    timings: dict[str, float] = {}

    def timed(name, step):
        started = time.perf_counter()
        result = step()
        timings[name] = time.perf_counter() - started
        return result

    frames = generate_sample(n_partners=n_partners)
    program = timed("validate", lambda: pa.build_program(frames))
    facts = timed("rollup", lambda: pa.rollup(program))
    kpis = timed("partner KPIs", lambda: partner_kpis(facts))
    timed("scorecard + tiers", lambda: scorecard_table(facts, params))
    timed("insights", lambda: (partner_insights(facts, kpis, params), program_insights(facts, kpis, params)))

    print(f"\nMetric library on {len(frames['deals']):,} deals, {n_partners:,} partners:")
    for name, seconds in timings.items():
        print(f"  {name:<20} {seconds:7.2f} s")
    print(f"  {'total':<20} {sum(timings.values()):7.2f} s")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--partners", type=int, default=100, help="partner reports to render (default 100)")
    parser.add_argument("--stock-reports", type=int, default=100,
                        help="how many of them the slow stock chain renders (default: all 100)")
    parser.add_argument("--workers", type=int, default=None, help="renderer workers (default: one per core)")
    parser.add_argument("--metric-partners", type=int, default=10_000,
                        help="partners in the metric benchmark (10,000 ≈ 1,000,000 deals)")
    parser.add_argument("--skip-render", action="store_true", help="skip the rendering benchmark")
    parser.add_argument("--skip-metrics", action="store_true", help="skip the in-memory metric benchmark")
    scale = parser.add_argument_group(
        "scale benchmark", "engine path vs. naive pandas on a Parquet program (benchmarks/scale.py)")
    scale.add_argument("--scale", action="store_true",
                       help="also run the scale benchmark (default size 100,000 partners, 10,000,000 deals)")
    add_scale_arguments(scale, prefix="scale-")
    args = parser.parse_args(argv)
    if not args.skip_render:
        bench_rendering(args.partners, args.stock_reports, args.workers)
    if not args.skip_metrics:
        bench_metrics(args.metric_partners)
    if args.scale:
        run_sizes(args, n_partners=args.scale_partners, sizes=args.scale_deals)
    return 0


if __name__ == "__main__":
    sys.exit(main())
