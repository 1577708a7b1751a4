"""The ``partner-analytics`` command line.

Exit codes: 0 success, 1 invalid input data or a failed run, 2 wrong usage, 70 an internal error.
Errors go to stderr, never as tracebacks: a user error (:class:`~partner_analytics.errors.UserError`, or an
``OSError`` such as a missing file) as a plain message; anything else is a bug in partner-analytics and is
reported as one line naming the file the traceback was written to.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import traceback
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from . import __version__
from .errors import UserError
from .params import ENGINE_KINDS, Reporting
from .sqltext import safe_url

if TYPE_CHECKING:
    import pandas as pd

    from .params import Params
    from .rollup import Rollup
    from .engine.program import EngineProgram
    from .program import Program

__all__ = ["main", "build_parser", "add_source_arguments", "load_source", "metrics_table", "date_argument",
           "period_argument", "bug_report"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_BUG = 0, 1, 2, 70


def add_source_arguments(parser: argparse.ArgumentParser, *, default: str | None = None) -> None:
    """Add the data-source arguments every command shares: ``source``, ``--mapping``, ``--encoding``.

    Parameters
    ----------
    parser
        A (sub)command parser.
    default
        Make ``source`` optional with this default (e.g. ``"sample"``); without it, it is required.
    """
    parser.add_argument(
        "source", nargs=None if default is None else "?", default=default,
        help="folder of table files, .xlsx workbook, .duckdb file, database URL "
             "(e.g. postgresql+psycopg://user@host/db) or 'sample'"
             + ("" if default is None else f" (default: {default})"),
    )
    parser.add_argument("--mapping", metavar="PATH", default=None,
                        help="column-mapping YAML file for data with its own table and column names")
    _add_encoding_argument(parser)
    _add_engine_argument(parser)


def _add_encoding_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--encoding", default=None,
                        help="encoding of CSV files, e.g. cp1252 (default: reporting.encoding, else utf-8)")


def _add_as_of_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--as-of", dest="as_of", metavar="YYYY-MM-DD", default=None, type=date_argument,
                        help="last day counted (default: reporting.as_of, else the end of the data without a stray "
                             "sparse tail); without --period the report covers the period containing it")


def date_argument(text: str) -> str:
    """argparse type: a date, as ``YYYY-MM-DD``."""
    import pandas as pd

    try:
        return pd.Timestamp(text).date().isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date YYYY-MM-DD: {text!r}") from None


def period_argument(text: str) -> str:
    """argparse type: a period such as ``2025Q4`` or ``2025-11``."""
    import pandas as pd

    try:
        pd.Period(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a period such as 2025Q4 or 2025-11: {text!r}") from None
    return text


def _add_engine_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--engine", choices=ENGINE_KINDS, default=None,
                        help="where the data is checked and rolled up: memory (load into pandas; the default), or "
                             "duckdb, spark, sql (leave it in place; options from the params file)")


def load_source(args: argparse.Namespace, reporting: Reporting | None = None) -> Program | EngineProgram:
    """Open the program named by the arguments :func:`add_source_arguments` added.

    ``--engine`` wins over ``reporting.engine``; engine options come from ``reporting``
    when its engine is the one used.
    """
    from .io import open_source

    reporting = reporting or Reporting()
    engine = args.engine or reporting.engine
    options = dict(reporting.engine_options) if engine == reporting.engine else {}
    return open_source(args.source, engine=engine, mapping=args.mapping, encoding=args.encoding or reporting.encoding,
                       options=options)


def _validate(args: argparse.Namespace) -> int:
    from .params import load_params
    from .periods import sparse_tail_warning

    reporting = load_params(args.params).reporting
    with load_source(args, reporting) as program:
        for warning in program.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        tail = sparse_tail_warning(program, freq=reporting.freq)  # the grain the reports use
        if tail:
            print(f"warning: {program.source}: {tail}", file=sys.stderr)
        counts = ", ".join(f"{row.table} {row.rows}" for row in program.summary().itertuples() if row.supplied)
        print(f"{program.source}: valid ({counts} rows)")
    return EXIT_OK


def _sample(args: argparse.Namespace) -> int:
    from .sample import write_sample

    seed = {} if args.seed is None else {"seed": args.seed}
    paths = write_sample(args.outdir, n_partners=args.partners, **seed)
    print(f"wrote {len(paths)} files to {args.outdir}")
    return EXIT_OK


def _render(args: argparse.Namespace) -> int:
    from .render.worker_start import without_iri_checker

    without_iri_checker()  # this process renders itself with one worker
    from .render.batch import render_reports

    summary = render_reports(
        params_path=args.params, source=args.source, mapping=args.mapping, engine=args.engine, period=args.period,
        as_of=args.as_of, encoding=args.encoding, outdir=args.outdir, partners=args.partner or None,
        force=args.force, workers=args.workers, timeout=args.timeout, progress=not args.quiet, wait=args.wait,
        pdf=args.pdf,
    )
    print(summary.text(), file=sys.stdout if summary.ok else sys.stderr)
    return EXIT_OK if summary.ok else EXIT_FAILED


def _metrics(args: argparse.Namespace) -> int:
    from .params import load_params

    params = load_params(args.params)
    with load_source(args, params.reporting) as program:
        table = metrics_table(program, params, as_of=args.as_of, period=args.period)
    if args.format == "json":
        sys.stdout.write(table.to_json(orient="records", indent=1, date_format="iso") + "\n")
    else:
        from .export import formula_safe

        formula_safe(table).to_csv(sys.stdout, index=False)
    return EXIT_OK


def metrics_table(program: Program | EngineProgram, params: Params, *, as_of: str | None = None,
                  period: str | None = None) -> pd.DataFrame:
    """The ``metrics`` command's table: every KPI, composite, tier and reward points per partner, and
    ``quiet_probability``; notes on the period covered go to stderr.

    ``as_of`` and ``period`` win over ``params.reporting``'s (see :func:`~partner_analytics.periods.resolve_coverage`).
    """
    from .metrics.kpis import scorecard_table
    from .metrics.partner import period_kpis
    from .periods import resolve_coverage
    from .rollup import rollup

    reporting = params.reporting
    coverage = resolve_coverage(program, freq=reporting.freq, as_of=as_of or reporting.as_of,
                                period=period or reporting.period)
    facts = rollup(program, freq=reporting.freq, as_of=coverage.as_of)
    # a partial period's growth is measured against the same days of earlier periods, as in the reports
    kpis = None if coverage.complete else period_kpis(program, facts, coverage).kpis
    print(f"note: {coverage.note(subject='The table')}", file=sys.stderr)
    table = scorecard_table(facts, params, period=coverage.period, kpis=kpis)
    return _with_quiet_probability(table, facts, params, coverage.period)


def _with_quiet_probability(table: pd.DataFrame, facts: Rollup, params: Params, period: pd.Period) -> pd.DataFrame:
    """Add ``quiet_probability`` (early warning; NaN when a partner is not scored) to the metrics table."""
    from .metrics.early_warning_backtest import early_warning

    warning = early_warning(facts, params.early_warning, period=period)
    if not warning.ok:
        print(f"note: quiet_probability is empty. {warning.message}", file=sys.stderr)
    probability = warning.scores.set_index("partner_id")["probability"]
    return table.assign(quiet_probability=table["partner_id"].map(probability).astype("float64"))


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser (one subcommand per job)."""
    parser = argparse.ArgumentParser(
        prog="partner-analytics",
        description="Measure the performance of channel partners: validate data, compute metrics, render reports.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    validate = commands.add_parser("validate", help="check a program's data and report every problem")
    add_source_arguments(validate)
    validate.add_argument("--params", metavar="PATH", default=None,
                          help="programme parameters YAML: reporting grain and encoding (default: the packaged one)")
    validate.set_defaults(run=_validate)

    sample = commands.add_parser("sample", help="write the embedded sample program as CSV files")
    sample.add_argument("outdir", help="folder to write partners.csv, deals.csv, ... into")
    sample.add_argument("--seed", type=int, default=None, help="random seed (default: the shipped sample's)")
    sample.add_argument("--partners", type=int, default=150, help="number of partners (default: 150)")
    sample.set_defaults(run=_sample)

    render = commands.add_parser(
        "render", help="render every partner report, the program overview and the index (HTML)",
        description="Render one partner-safe HTML report per partner, the program overview and an index page. "
                    "Reports whose inputs did not change since the last run are skipped. Exit status 1 if any "
                    "report failed (the others are still written).",
    )
    render.add_argument("--params", metavar="PATH", default=None,
                        help="programme parameters YAML (default: the packaged params/program.yml)")
    render.add_argument("--source", default=None, help="data source (default: reporting.source in the parameters)")
    render.add_argument("--mapping", metavar="PATH", default=None, help="column-mapping YAML for the source")
    _add_engine_argument(render)
    render.add_argument("--period", default=None, type=period_argument,
                        help="reporting period, e.g. 2025Q4 (default: the latest complete period)")
    _add_as_of_argument(render)
    _add_encoding_argument(render)
    render.add_argument("--outdir", default="reports", help="output folder (default: reports)")
    render.add_argument("--partner", action="append", metavar="ID", help="render only this partner (repeatable)")
    render.add_argument("--force", action="store_true", help="re-render reports whose inputs did not change")
    render.add_argument("--workers", type=int, default=None, help="parallel workers (default: one per core)")
    render.add_argument("--pdf", action="store_true",
                        help="also write a PDF of the overview and of each partner report (headless Chromium)")
    render.add_argument("--timeout", type=float, default=300, help="seconds a report may run (default: 300)")
    render.add_argument("--quiet", action="store_true", help="no progress bar")
    render.add_argument("--wait", type=float, default=0, metavar="SECONDS",
                        help="wait this long while another run renders into the same folder (default: refuse at once)")
    render.set_defaults(run=_render)

    metrics = commands.add_parser("metrics", help="print the scorecard table: every KPI, composite and tier per partner",
                                  description="Print every KPI, the composite score, the tier and reward points per "
                                              "partner, and quiet_probability: the early-warning probability that "
                                              "the partner wins no revenue next period (empty when the history is "
                                              "too short to back-test it).")
    add_source_arguments(metrics, default="sample")
    metrics.add_argument("--params", metavar="PATH", default=None, help="programme parameters YAML")
    metrics.add_argument("--period", default=None, type=period_argument,
                         help="reporting period, e.g. 2025Q4 (default: the latest complete period)")
    _add_as_of_argument(metrics)
    metrics.add_argument("--format", choices=("csv", "json"), default="csv", help="output format (default: csv)")
    metrics.set_defaults(run=_metrics)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        return run(args)
    except BrokenPipeError:  # output piped into e.g. `head`: stop quietly
        sys.stderr.close()
        return EXIT_OK
    except (UserError, OSError) as err:
        print(f"error: {safe_url(str(err))}", file=sys.stderr)  # no password reaches the terminal
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as err:  # noqa: BLE001 - anything else is a bug: report it as one
        print(bug_report(err), file=sys.stderr)
        return EXIT_BUG


def bug_report(err: BaseException) -> str:
    """One line saying partner-analytics failed with ``err``, naming the file its traceback is written to.

    The traceback goes to a new file in the temporary folder, without database passwords.
    """
    text = "".join(traceback.format_exception(err))
    with tempfile.NamedTemporaryFile("w", prefix="partner-analytics-error-", suffix=".txt", delete=False,
                                     encoding="utf-8") as handle:
        handle.write("\n".join(safe_url(line) for line in text.splitlines()) + "\n")
    summary = safe_url(str(err).splitlines()[0] if str(err) else "")
    return (f"internal error (a bug in partner-analytics {__version__}): {type(err).__name__}: {summary} "
            f"[traceback in {handle.name}; please report it]")


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
