"""The partner-analytics command line: conventional help, exit codes and errors on stderr."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from partner_analytics.cli import main


def test_help_lists_the_subcommands(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in ("validate", "sample"):
        assert command in out


def test_validate_says_a_valid_program_is_valid(tiny_dir, capsys):
    assert main(["validate", str(tiny_dir)]) == 0
    captured = capsys.readouterr()
    assert "valid (partners 3, deals 8, targets 4, engagement 4, surveys 4, mdf 1 rows)" in captured.out
    assert "warning: 1 partner(s) have no deals (e.g. P3)" in captured.err


def test_validate_reports_bad_data_on_stderr_and_exits_1(tiny_dir, capsys):
    path = tiny_dir / "deals.csv"
    path.write_text(path.read_text().replace("lost,300", "lost,-300"))
    assert main(["validate", str(tiny_dir)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "deals.csv, column 'amount': values below 0 [1 row: 4 ('-300')]" in captured.err
    assert "Traceback" not in captured.err


def test_wrong_usage_exits_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["validate"])
    assert exit_info.value.code == 2
    assert "usage:" in capsys.readouterr().err


def test_the_installed_command_fails_cleanly_without_a_traceback(tmp_path):
    command = Path(sys.executable).with_name("partner-analytics")
    result = subprocess.run([command, "validate", str(tmp_path / "missing")], capture_output=True, text=True)
    assert result.returncode == 1
    assert "no such file or folder" in result.stderr
    assert "Traceback" not in result.stderr


def test_sample_writes_the_program_files_that_validate(tmp_path, capsys):
    outdir = tmp_path / "sample"
    assert main(["sample", str(outdir), "--partners", "30"]) == 0
    assert sorted(p.name for p in outdir.iterdir()) == [
        "deals.csv", "engagement.csv", "mdf.csv", "partners.csv", "surveys.csv", "targets.csv",
    ]
    assert main(["validate", str(outdir)]) == 0
    assert "partners 30," in capsys.readouterr().out


def test_metrics_prints_the_scorecard_table_as_csv(tiny_dir, capsys):
    assert main(["metrics", str(tiny_dir), "--period", "2024Q2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    header = lines[0].split(",")
    assert header[:3] == ["partner_id", "partner_name", "partner_type"]
    assert {"composite", "tier", "reward_points", "revenue", "win_rate"} <= set(header)
    assert len(lines) == 1 + 3


def test_metrics_prints_json_on_request(tiny_dir, capsys):
    import json

    assert main(["metrics", str(tiny_dir), "--period", "2024Q2", "--format", "json"]) == 0
    records = json.loads(capsys.readouterr().out)
    assert {r["partner_id"] for r in records} == {"P1", "P2", "P3"}
    assert next(r for r in records if r["partner_id"] == "P1")["revenue"] == 500.0


def test_a_period_outside_the_data_is_a_clear_error(tiny_dir, capsys):
    assert main(["metrics", str(tiny_dir), "--period", "2031Q1"]) == 1
    assert "period 2031Q1 is outside" in capsys.readouterr().err
