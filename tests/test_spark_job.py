"""The Spark job (``partner_analytics/engine/spark_job.py``) and the README's worked ``spark-submit`` example.

The README's command is read from the README itself: its job arguments must parse (fast), and the same
command, with ``--master local[2]`` instead of the cluster and a small Parquet program instead of the
bucket, must write the scorecard the in-memory path computes (slow: it starts a JVM).
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import partner_analytics as pa
from partner_analytics.cli import metrics_table
from partner_analytics.engine import spark_job
from partner_analytics.params import load_params

ROOT = Path(__file__).resolve().parents[1]
SUBMIT_OPTIONS = {"--master", "--deploy-mode", "--name", "--conf", "--archives", "--files", "--py-files",
                  "--driver-memory", "--executor-memory", "--num-executors", "--executor-cores", "--queue"}
"""spark-submit options the README may use (each takes one value)."""
CLUSTER_ONLY = {"--deploy-mode", "--archives"}
"""Options the local-mode run leaves out: where the driver runs, the packed environment shipped to YARN."""


def readme_example() -> tuple[list[tuple[str, str]], str, list[str]]:
    """The README's ``spark-submit`` command: its (option, value) pairs, the script and the job's arguments."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"```bash\n(spark-submit .*?)```", text, re.S)
    assert found, "README.md has no ```bash block starting with spark-submit"
    words = shlex.split(found.group(1).replace("\\\n", " "))
    script = next(i for i, word in enumerate(words) if word.endswith(".py"))
    options = words[1:script]
    assert len(options) % 2 == 0, f"every spark-submit option takes one value: {options}"
    return list(zip(options[::2], options[1::2])), words[script], words[script + 1:]


def test_the_readme_example_runs_this_job_with_arguments_it_accepts():
    options, script, arguments = readme_example()
    assert (ROOT / script).resolve() == Path(spark_job.__file__).resolve()
    assert {name for name, _ in options} <= SUBMIT_OPTIONS
    assert all(re.fullmatch(r"spark\.[\w.]+=\S+", value) for name, value in options if name == "--conf")
    args = spark_job.build_parser().parse_args(arguments)
    assert args.source.startswith("s3a://") and args.out.startswith("s3a://")
    assert dict(options)["--master"] == "yarn"


def test_help_usage_errors_and_bad_input_follow_the_command_line_conventions(tmp_path, capsys):
    with pytest.raises(SystemExit) as done:
        spark_job.main(["--help"])
    assert done.value.code == 0 and "spark-submit" in capsys.readouterr().out
    for wrong in (["folder"], ["folder", "--out", "o", "--period", "Q5"], ["folder", "--out", "o", "--format", "x"]):
        with pytest.raises(SystemExit) as done:
            spark_job.main(wrong)
        assert done.value.code == 2
    capsys.readouterr()
    assert spark_job.main([str(tmp_path / "missing"), "--out", str(tmp_path / "out")]) == 1  # before Spark starts
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "missing: no such file or folder" in err and "Traceback" not in err


@pytest.mark.slow
def test_the_readme_example_in_local_mode_writes_the_in_memory_scorecard(tmp_path):
    pyspark = pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java (17 or newer) on PATH")
    options, script, arguments = readme_example()
    args = spark_job.build_parser().parse_args(arguments)
    program = pa.load_program("sample")
    folder = tmp_path / "program"
    folder.mkdir()
    for name in ("partners", "deals", "targets", "engagement", "surveys", "mdf"):
        program.table(name).to_parquet(folder / f"{name}.parquet", index=False, coerce_timestamps="us")
    shipped = dict(options)["--files"]  # spark-submit --files puts it beside the driver, under its own name
    assert Path(shipped).name == args.params
    (tmp_path / shipped).parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "params" / "program.yml", tmp_path / shipped)
    submit = []
    for name, value in options:
        if name not in CLUSTER_ONLY and not value.startswith("spark.pyspark.python="):
            submit += [name, "local[2]" if name == "--master" else value]
    job = [{args.source: f"file://{folder}", args.out: str(tmp_path / "out")}.get(word, word) for word in arguments]
    spark_home = Path(pyspark.__file__).parent
    env = {**os.environ, "SPARK_HOME": str(spark_home), "PYSPARK_PYTHON": sys.executable,
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([str(spark_home / "bin" / "spark-submit"), *submit, str(ROOT / script), *job],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=840)
    assert done.returncode == 0, "\n".join(line for line in (done.stdout + done.stderr).splitlines()
                                           if "rror" in line or "xception" in line)[:3000]
    assert "wrote 150 partners to" in done.stdout  # spark-submit passes the script's stderr on to its stdout
    got = pd.read_parquet(tmp_path / "out" / "scorecard")
    want = metrics_table(pa.load_program(folder), load_params(tmp_path / shipped), as_of=args.as_of,
                         period=args.period)
    assert want["revenue"].sum() > 0 and want["tier"].notna().all()
    pd.testing.assert_frame_equal(got, want, check_dtype=False, check_categorical=False, rtol=1e-9)
