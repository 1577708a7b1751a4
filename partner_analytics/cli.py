"""The ``partner-analytics`` command line.

Exit codes: 0 success, 1 invalid input data or a failed run, 2 wrong usage.
Errors go to stderr as plain messages, never as tracebacks.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from . import __version__
from .errors import ProgramDataError

__all__ = ["main", "build_parser"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _validate(args: argparse.Namespace) -> int:
    from .io import load_program

    program = load_program(args.source)
    for warning in program.warnings:
        print(f"warning: {warning}", file=sys.stderr)
    counts = ", ".join(f"{row.table} {row.rows}" for row in program.summary().itertuples() if row.supplied)
    print(f"{program.source}: valid ({counts} rows)")
    return EXIT_OK


def _sample(args: argparse.Namespace) -> int:
    from .sample import write_sample

    seed = {} if args.seed is None else {"seed": args.seed}
    paths = write_sample(args.outdir, n_partners=args.partners, **seed)
    print(f"wrote {len(paths)} files to {args.outdir}")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser (one subcommand per job)."""
    parser = argparse.ArgumentParser(
        prog="partner-analytics",
        description="Measure the performance of channel partners: validate data, compute metrics, render reports.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    validate = commands.add_parser("validate", help="check a program's data and report every problem")
    validate.add_argument("source", help="folder of table files, .xlsx workbook, or 'sample'")
    validate.set_defaults(run=_validate)

    sample = commands.add_parser("sample", help="write the embedded sample program as CSV files")
    sample.add_argument("outdir", help="folder to write partners.csv, deals.csv, ... into")
    sample.add_argument("--seed", type=int, default=None, help="random seed (default: the shipped sample's)")
    sample.add_argument("--partners", type=int, default=150, help="number of partners (default: 150)")
    sample.set_defaults(run=_sample)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        return run(args)
    except ProgramDataError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_FAILED
    except (OSError, ValueError) as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
