"""Hostile input: formula names, math text, control characters, oversized cells and files, secret URLs, bad engines.

Each error must be one clear line naming the cause, and no secret may reach a message.
"""

from __future__ import annotations

import csv
import io
import os
import re
import stat

import matplotlib
import pandas as pd
import pytest

import partner_analytics as pa
from partner_analytics.cli import main
from partner_analytics.errors import ProgramDataError
from partner_analytics.export import formula_safe
from partner_analytics.io import load_program, open_source
from partner_analytics.limits import CELL_CHARS_VARIABLE, FILE_MB_VARIABLE
from partner_analytics.params import load_params
from partner_analytics.plots.style import PLOT_RC
from partner_analytics.render.context import build_context, save_context
from partner_analytics.render.jobs import write_atomic
from partner_analytics.render.partner_store import store_path
from partner_analytics.render.worker import RESET_SOURCE
from partner_analytics.sqltext import safe_url

from conftest_postgres import postgres_db, postgres_url, write_csv_folder  # noqa: F401  (fixtures)

pytestmark = pytest.mark.faults

FORMULAS = ['=HYPERLINK("http://x","y")', "+cmd|' /C calc'!A0", "@SUM(1)", "-2+3", "\tTAB", "\rCR"]


def _rename(folder, old: str, new: str) -> None:
    path = folder / "partners.csv"
    path.write_text(path.read_text().replace(old, new), encoding="utf-8")


# --- export hygiene ------------------------------------------------------------------------------------------------

def test_formula_like_text_gets_a_quote_and_numbers_stay_numbers():
    frame = pd.DataFrame({"name": [*FORMULAS, "-12.5", "Acme", None], "delta": [-1.0] * 6 + [2.0, 3.0, None]})
    safe = formula_safe(frame)
    assert safe["name"].tolist()[:6] == ["'" + v for v in FORMULAS]
    assert safe["name"].tolist()[6:8] == ["-12.5", "Acme"]
    assert pd.isna(safe["name"].iloc[8])
    pd.testing.assert_series_equal(safe["delta"], frame["delta"])
    assert frame["name"].iloc[0] == FORMULAS[0]  # the input is not modified
    assert formula_safe(pd.DataFrame({"=cmd()": [1]})).columns.tolist() == ["'=cmd()"]


def test_metrics_csv_neutralises_formula_names(tiny_dir, capsys):
    _rename(tiny_dir, "Alpha Systems", '"=HYPERLINK(""http://x"",""y"")"')
    _rename(tiny_dir, "Beta Partners", "@SUM(1)")
    assert main(["metrics", str(tiny_dir), "--period", "2024Q2", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    names = {row["partner_id"]: row["partner_name"] for row in rows}
    assert names["P1"] == '\'=HYPERLINK("http://x","y")'
    assert names["P2"] == "'@SUM(1)"
    assert names["P3"] == "Gamma Tech"
    assert all(not value.startswith(("=", "+", "@")) for row in rows for value in row.values())


# --- secrets in URLs and one-line connection errors ----------------------------------------------------------------

@pytest.mark.parametrize("url, shown", [
    ("postgresql://:s3cret@host/db", "postgresql://:***@host/db"),
    ("postgresql+psycopg://u@host/db?sslmode=require&password=s3cret", "postgresql+psycopg://u@host/db?sslmode=require&password=***"),
    ("postgresql://u:p@ss@host/db", "postgresql://u:***@host/db"),
    ("mysql://u:s3cret@host:3306/db?PWD=s3cret;x=1", "mysql://u:***@host:3306/db?PWD=***;x=1"),
])
def test_every_url_form_has_its_password_masked(url, shown):
    assert safe_url(url) == shown
    assert safe_url(f"error: {url}: failed") == f"error: {shown}: failed"


@pytest.mark.parametrize("engine", ["memory", "sql", "duckdb"])
@pytest.mark.parametrize("url", ["postgresql+psycopg://u:s3cret@127.0.0.1:1/db",
                                 "postgresql+psycopg://u@127.0.0.1:1/db?password=s3cret",
                                 "postgresql+psycopg://u:s3@cret@127.0.0.1:1/db"])
def test_an_unreachable_database_is_one_line_naming_the_cause_without_the_password(engine, url, capsys):
    assert main(["validate", url, "--engine", engine]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: "), err
    assert "s3" not in err and "cret" not in err and "Traceback" not in err
    if "s3@cret" in url:
        assert "contains '@'; write it as %40" in err
    elif engine == "duckdb":
        assert "the duckdb engine reads a folder of table files or a .duckdb file" in err
    else:
        assert "cannot connect to the database" in err and "Connection refused" in err


def test_sqlite_on_the_sql_engine_is_refused_up_front_with_the_reason(tmp_path, tiny_frames, capsys):
    import sqlalchemy as sa

    url = f"sqlite:///{tmp_path / 'program.db'}"
    with sa.create_engine(url).begin() as connection:
        for name, frame in tiny_frames.items():
            frame.to_sql(name, connection, index=False)
    assert main(["validate", url, "--engine", "sql"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "the sql engine cannot roll up SQLite" in err
    assert main(["validate", url]) == 0  # the memory engine reads it


def test_a_value_postgresql_cannot_read_is_one_line_naming_it(postgres_db, tiny_dir, capsys):
    path = tiny_dir / "deals.csv"
    path.write_text(path.read_text().replace("2024-04-10,2024-05-10,won", "2024-04-10,10/05/2024x,won"))
    write_csv_folder(postgres_db, tiny_dir)
    assert main(["validate", postgres_db, "--engine", "sql"]) == 1
    err = capsys.readouterr().err
    assert err == ('error: postgresql: the database refused a query: invalid input syntax for type date: '
                   '"10/05/2024x"\n')


def test_a_bad_schema_option_is_one_clear_error(postgres_url):
    with pytest.raises(ValueError, match=r"schema 'nope' \(engine_options.schema\) not found; schemas: .*public"):
        open_source(postgres_url, engine="sql", options={"schema": "nope"})
    with pytest.raises(ValueError, match="engine_options.schema must be a schema name, got \\['a'\\]"):
        open_source("postgresql+psycopg://u:s3cret@127.0.0.1:1/db", engine="sql", options={"schema": ["a"]})


# --- text that reaches pages and charts ----------------------------------------------------------------------------

def test_control_characters_are_stripped_at_validation_with_a_warning(tiny_frames):
    tiny_frames["partners"].loc[0, "partner_name"] = "Alpha\x00 Sys\x1btems"
    program = pa.build_program(tiny_frames, source="tiny")
    assert program.partners.loc[0, "partner_name"] == "Alpha Systems"
    assert "partners, column 'partner_name': control characters removed from 1 value (rows 2)" in program.warnings


# control characters in a name, a region, an id, a date and an activity code
HOSTILE = {"partners": [("Alpha Systems", "Alpha\x00 Sys\x1btems"), ("EMEA", "EM\x85EA")],
           "deals": [("D2,P1,influenced,2024-02-01", "D2,P\x1b1,influenced,2024-02-01\x07")],
           "engagement": [("P1,2024-02-01,certification", "P1,2024-02-01,certifi\x07cation")]}


def _hostile(folder):
    for table, edits in HOSTILE.items():
        path = folder / f"{table}.csv"
        for old, new in edits:
            assert old in path.read_text()
            path.write_text(path.read_text().replace(old, new), encoding="utf-8")
    return folder


def _without_rows(warnings) -> list[str]:
    return [w.split(" (rows ")[0] for w in warnings]


def _same_reports(memory, engine) -> None:
    """Memory and engine programs give the same clean names in the facts, the partner view and the overview."""
    from partner_analytics.render.partner_view import partner_view

    assert _without_rows(memory.warnings) == [re.sub(r"^table (\w+)", r"\1.csv", w) for w in engine.warnings]
    assert memory.partners["partner_name"].tolist()[:2] == ["Alpha Systems", "Beta Partners"]
    params = load_params()
    contexts = [build_context(program, params, period="2024Q2") for program in (memory, engine)]
    for context in contexts:
        assert context.facts.partners["region"].tolist() == ["North America", "EMEA", "APAC"]
    pd.testing.assert_frame_equal(contexts[0].facts.partners, contexts[1].facts.partners)
    pd.testing.assert_frame_equal(contexts[0].kpis, contexts[1].kpis)
    pd.testing.assert_frame_equal(contexts[0].facts.engagement, contexts[1].facts.engagement)
    views = [partner_view(context, "P1") for context in contexts]
    assert views[0].name == views[1].name == "Alpha Systems"
    pd.testing.assert_frame_equal(views[0].engagement, views[1].engagement)
    assert views[1].engagement["activity"].tolist() == ["certification", "prm_login"]


def test_control_characters_are_stripped_alike_on_the_duckdb_engine(tiny_dir):
    from partner_analytics.engine.program import open_program

    memory = load_program(_hostile(tiny_dir))
    assert _without_rows(memory.warnings)[:5] == [
        "partners.csv, column 'partner_name': control characters removed from 1 value",
        "partners.csv, column 'region': control characters removed from 1 value",
        "deals.csv, column 'partner_id': control characters removed from 1 value",
        "deals.csv, column 'created_on': control characters removed from 1 value",
        "engagement.csv, column 'activity': control characters removed from 1 value"]
    with open_program(tiny_dir, engine="duckdb") as engine:
        _same_reports(memory, engine)


def test_control_characters_are_stripped_alike_on_the_sql_engine(postgres_db, tiny_dir):
    from partner_analytics.engine.program import open_program

    memory = load_program(_hostile(tiny_dir))
    for path in tiny_dir.glob("*.csv"):  # PostgreSQL text cannot hold NUL; the other control characters stay
        path.write_text(path.read_text().replace("\x00", ""), encoding="utf-8")
    write_csv_folder(postgres_db, tiny_dir)
    with open_program(postgres_db, engine="sql") as engine:
        _same_reports(memory, engine)


def test_a_cell_over_the_limit_is_one_clear_problem_on_the_duckdb_engine(tiny_dir, monkeypatch):
    from partner_analytics.engine.program import open_program

    monkeypatch.setenv(CELL_CHARS_VARIABLE, "1000")
    path = tiny_dir / "surveys.csv"
    path.write_text(path.read_text().replace("Great support", "x" * 5000))
    with pytest.raises(ProgramDataError) as caught:
        open_program(tiny_dir, engine="duckdb")
    assert [str(p) for p in caught.value.problems] == [
        f"surveys.csv, column 'comment': values longer than 1,000 characters (the limit; set {CELL_CHARS_VARIABLE} "
        "to raise it) [1 row, e.g. '5,000 characters']"]


def test_math_text_is_off_in_report_kernels_and_package_figures():
    source = RESET_SOURCE
    assert "PLOT_RC" in source and PLOT_RC == {"text.parse_math": False}
    import matplotlib.pyplot as plt

    from partner_analytics.plots.style import plot_style

    with plot_style():
        fig, ax = plt.subplots()
        ax.bar(["$\\foo$", "$\\badmath$"], [1, 2])
        ax.set_title("$\\foo$")
        fig.savefig(io.BytesIO(), format="png")
        assert [t.get_text() for t in ax.get_xticklabels()] == ["$\\foo$", "$\\badmath$"]
        plt.close(fig)
    assert matplotlib.rcParams["text.parse_math"] is True  # no global change


def test_the_early_warning_feature_chart_shows_category_levels_as_text_even_with_math_text_on():
    from matplotlib.figure import Figure

    from partner_analytics.plots.early_warning import plot_feature_effects

    assert matplotlib.rcParams["text.parse_math"] is True  # as in an analyst's notebook
    ax = Figure().subplots()
    effects = pd.DataFrame({"feature": ["tier = $\\foo$", "revenue_trend"], "coefficient": [0.5, -0.2]})
    plot_feature_effects(effects, ax=ax)
    ax.figure.savefig(io.BytesIO(), format="png")
    assert [t.get_text() for t in ax.get_yticklabels()] == ["Revenue trend, last 2 vs prior 2 periods", "Tier = $\\foo$"]


# --- input limits --------------------------------------------------------------------------------------------------

def test_a_cell_over_the_limit_is_one_clear_problem(tiny_dir, monkeypatch):
    monkeypatch.setenv(CELL_CHARS_VARIABLE, "1000")
    path = tiny_dir / "surveys.csv"
    path.write_text(path.read_text().replace("Great support", "x" * 5000))
    with pytest.raises(ProgramDataError) as caught:
        load_program(tiny_dir)
    assert [str(p) for p in caught.value.problems] == [
        f"surveys.csv, column 'comment': values longer than 1,000 characters (the limit; set {CELL_CHARS_VARIABLE} "
        "to raise it) [1 row: 2 ('5,000 characters')]"]


def test_a_file_over_the_limit_is_refused_before_it_is_read(tiny_dir, monkeypatch):
    monkeypatch.setenv(FILE_MB_VARIABLE, "0.0001")  # 100 bytes
    with pytest.raises(ProgramDataError, match=rf"deals.csv: is 0 MB, more than the limit of 0.0001 MB \(set "
                                                rf"{FILE_MB_VARIABLE} to raise it"):
        load_program(tiny_dir)
    monkeypatch.setenv(FILE_MB_VARIABLE, "lots")
    with pytest.raises(ValueError, match=f"{FILE_MB_VARIABLE} must be a positive number, got 'lots'"):
        load_program(tiny_dir)


# --- file modes ----------------------------------------------------------------------------------------------------

def test_published_pages_follow_the_umask_and_the_all_partner_context_is_private(tmp_path, tiny_program):
    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "out" / "page.html", "<p>hi</p>")
        path = save_context(build_context(tiny_program, load_params(), period="2024Q2"), tmp_path / "build" / "render")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "out" / "page.html").stat().st_mode) == 0o644
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "build").stat().st_mode) == 0o700
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert sorted(p.name for p in path.parent.iterdir()) == sorted([path.name, store_path(path).name])
    assert stat.S_IMODE(store_path(path).stat().st_mode) == 0o700  # the same context, split by partner
