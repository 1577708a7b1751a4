"""The partner-analytics command line: conventional help, exit codes and errors on stderr."""

from __future__ import annotations

import subprocess
import tempfile
import sys
from pathlib import Path

import pytest

from partner_analytics.cli import main


def test_help_lists_the_subcommands(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["--help"])
    assert exit_info.value.code == 0
    out = capsys.readouterr().out
    for command in ("validate", "sample", "render", "metrics"):
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


def test_render_with_an_unknown_partner_is_a_one_line_user_error(tiny_dir, tmp_path, capsys):
    out = tmp_path / "out"
    code = main(["render", "--source", str(tiny_dir), "--period", "2024Q2", "--outdir", str(out), "--partner", "NOPE",
                 "--quiet"])
    assert code == 1
    err = capsys.readouterr().err
    assert err == "error: unknown partner ids: NOPE\n"
    assert not list(out.glob("**/*.html"))


def test_a_period_that_is_not_a_period_is_wrong_usage(capsys):
    for command in (["metrics", "sample"], ["render"]):
        with pytest.raises(SystemExit) as exit_info:
            main([*command, "--period", "garbage"])
        assert exit_info.value.code == 2
        assert "not a period such as 2025Q4" in capsys.readouterr().err


def test_an_internal_error_is_a_bug_report_naming_the_traceback_file(monkeypatch, tmp_path, capsys):
    import partner_analytics.cli as cli

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    def broken(args):
        raise KeyError("postgresql://me:hunter2@db/x: a key the code forgot")

    monkeypatch.setattr(cli, "_validate", broken)
    assert main(["validate", "sample"]) == cli.EXIT_BUG
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("internal error (a bug in partner-analytics"), err
    assert "KeyError" in err and "hunter2" not in err and "Traceback" not in err
    report = next(tmp_path.glob("partner-analytics-error-*.txt"))
    assert str(report) in err
    text = report.read_text()
    assert "Traceback (most recent call last)" in text and "in broken" in text
    assert "hunter2" not in text


def test_a_plain_value_error_from_the_code_is_not_mistaken_for_a_user_error(monkeypatch, tmp_path, capsys):
    import partner_analytics.cli as cli

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(cli, "_sample", lambda args: int("not a number"))
    assert main(["sample", str(tmp_path / "s")]) == cli.EXIT_BUG
    err = capsys.readouterr().err
    assert "internal error" in err and "ValueError" in err and not err.startswith("error:")


def test_user_errors_share_one_base_and_stay_value_or_os_errors():
    from partner_analytics.errors import InputError, InternalError, PartnerAnalyticsError, ProgramDataError, UserError
    from partner_analytics.mapping import MappingError
    from partner_analytics.params import ParamsError
    from partner_analytics.render.lock import FolderLocked
    from partner_analytics.render.pdf import PdfUnavailable
    from partner_analytics.render.jobs import ReportFailed

    for error in (ProgramDataError, MappingError, ParamsError):
        assert issubclass(error, InputError) and issubclass(error, ValueError)
    assert issubclass(InputError, UserError) and issubclass(UserError, PartnerAnalyticsError)
    assert issubclass(FolderLocked, UserError) and issubclass(FolderLocked, OSError)
    assert issubclass(PdfUnavailable, UserError)
    assert issubclass(InternalError, PartnerAnalyticsError) and not issubclass(InternalError, UserError)
    assert issubclass(ReportFailed, PartnerAnalyticsError) and not issubclass(ReportFailed, UserError)
