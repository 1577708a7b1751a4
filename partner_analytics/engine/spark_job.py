"""The scorecard as a Spark application: ``spark-submit partner_analytics/engine/spark_job.py SOURCE --out OUT``.

Opens the program on Spark (:func:`~partner_analytics.engine.open_program`: the tables stay where they
are, validation runs as Spark SQL), rolls it up in Spark and writes the ``metrics`` command's table (every
KPI, the composite score, tier, reward points and ``quiet_probability``, one row per partner) to ``OUT``
through Spark, so ``OUT`` may be on the cluster's storage (``s3a://``, ``abfss://``, ``hdfs://``) as
well as a local folder. Spark settings (``--master``, ``--deploy-mode``, ``--conf``) are ``spark-submit``'s;
run under plain ``python`` it uses Spark local mode. README "Scaling out" has the worked example.

Exit codes as the ``partner-analytics`` command: 0 success, 1 invalid input or a failed run (one line on
stderr), 2 wrong usage, 70 an internal error (one line naming the file holding the traceback).
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path

from partner_analytics.cli import (EXIT_BUG, EXIT_FAILED, EXIT_OK, bug_report, date_argument, metrics_table,
                                   period_argument)
from partner_analytics.errors import InputError, UserError
from partner_analytics.sqltext import safe_url

__all__ = ["build_parser", "run", "main"]

FORMATS = ("parquet", "csv")


def build_parser() -> argparse.ArgumentParser:
    """The job's arguments (those after the script in the ``spark-submit`` command line)."""
    parser = argparse.ArgumentParser(
        prog="spark_job.py",
        description="Validate a partner program on Spark, roll it up there and write the scorecard table "
                    "(every KPI, composite score, tier, reward points and quiet_probability per partner). "
                    "Spark settings are spark-submit's: spark-submit --master yarn --conf ... spark_job.py SOURCE "
                    "--out OUT. Exit status: 0 done, 1 invalid input or failed run, 2 wrong usage, 70 a bug.",
    )
    parser.add_argument("source", help="folder or storage URI (s3a://, abfss://, hdfs://, file://) holding one "
                                       "<table>.parquet per table: partners, deals and the optional ones")
    parser.add_argument("--out", required=True,
                        help="folder or storage URI to create; the table is written into OUT/scorecard/ "
                             "(refused if OUT/scorecard exists, so a good result is never overwritten)")
    parser.add_argument("--params", metavar="PATH", default=None,
                        help="programme parameters YAML: scorecard weights, tiers, reporting grain (default: the "
                             "packaged one); in cluster deploy mode ship it with spark-submit --files and give "
                             "its file name")
    parser.add_argument("--period", default=None, type=period_argument,
                        help="reporting period, e.g. 2025Q4 (default: reporting.period, else the latest complete one)")
    parser.add_argument("--as-of", dest="as_of", metavar="YYYY-MM-DD", default=None, type=date_argument,
                        help="last day counted (default: reporting.as_of, else the end of the data)")
    parser.add_argument("--format", choices=FORMATS, default="parquet", help="output format (default: parquet)")
    return parser


def run(args: argparse.Namespace) -> str:
    """Open, validate, roll up, score and write; return where the table went.

    Raises
    ------
    UserError
        For invalid data or parameters, or an output that exists already.
    """
    from partner_analytics.engine import open_program
    from partner_analytics.export import formula_safe
    from partner_analytics.params import load_params

    here = args.params is None or Path(args.params).exists()
    params = load_params(args.params) if here else None  # bad parameters fail before Spark starts
    target = f"{args.out.rstrip('/')}/scorecard"
    with open_program(args.source, engine="spark") as program:
        session = program.engine.session
        params = params or load_params(_shipped(args.params))
        if _exists(session, target):  # before the rollup: no cluster time on a result we cannot write
            raise InputError(f"{safe_url(target)} exists already; give --out a new folder")
        rows = program.summary().set_index("table")["rows"]
        print(f"{program.source}: valid ({rows['partners']:,} partners, {rows['deals']:,} deals)", file=sys.stderr)
        for warning in program.warnings:
            print(f"warning: {warning}", file=sys.stderr)
        table = metrics_table(program, params, as_of=args.as_of, period=args.period)
        if args.format == "csv":
            table = formula_safe(table)
        frame = session.createDataFrame(table).coalesce(1)  # one partner per row: one file is plenty
        if args.format == "csv":
            frame.write.mode("errorifexists").option("header", "true").csv(target)
        else:
            frame.write.mode("errorifexists").parquet(target)
    print(f"wrote {len(table):,} partners to {safe_url(target)}", file=sys.stderr)
    return target


def _shipped(name: str) -> str:
    """Where ``spark-submit --files`` put file ``name`` (local and client mode: Spark's files folder), else ``name``.

    In YARN cluster mode shipped files are in the driver's working folder, where ``name`` finds them.
    """
    from pyspark import SparkFiles

    path = Path(SparkFiles.get(Path(name).name))
    return str(path) if path.exists() else name


def _exists(session, path: str) -> bool:
    """True if ``path`` exists on its file system (local, s3a, abfss, hdfs: Hadoop's, as Spark writes)."""
    jvm = session.sparkContext._jvm
    hadoop_path = jvm.org.apache.hadoop.fs.Path(path)
    return bool(hadoop_path.getFileSystem(session.sparkContext._jsc.hadoopConfiguration()).exists(hadoop_path))


def main(argv: Sequence[str] | None = None) -> int:
    """Run the job; return the exit code (errors on stderr, never as tracebacks)."""
    args = build_parser().parse_args(argv)
    try:
        with warnings.catch_warnings():  # PySpark warns about pandas 3; tests/test_spark_job.py checks the results
            warnings.filterwarnings("ignore", "PySpark does not yet fully support", FutureWarning)
            run(args)
    except (UserError, OSError) as err:
        print(f"error: {safe_url(str(err))}", file=sys.stderr)
        return EXIT_FAILED
    except Exception as err:  # noqa: BLE001 - anything else is a bug: report it as one
        print(bug_report(err), file=sys.stderr)
        return EXIT_BUG
    return EXIT_OK


if __name__ == "__main__":  # spark-submit runs this file as a script
    sys.exit(main())
