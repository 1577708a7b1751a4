"""Loading from a DuckDB file and from a real PostgreSQL server, with and without a column mapping."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

import partner_analytics as pa
from partner_analytics.cli import main
from partner_analytics.mapping import map_source, read_mapping
from partner_analytics.metrics.concentration import concentration_summary
from partner_analytics.metrics.revenue import channel_revenue, revenue_trend
from conftest_postgres import postgres_db, postgres_url  # noqa: F401  (fixtures: a throwaway PostgreSQL server)
from test_mapping import CRM_ACCOUNTS, CRM_LINES, CRM_MAPPING

TABLES = ("partners", "deals", "targets", "engagement", "surveys", "mdf")
DB_MAPPING = CRM_MAPPING.replace("sources:\n  accounts: Accounts Export.csv\n", "")  # tables need no file names


def _crm_frames() -> dict[str, pd.DataFrame]:
    """The CRM export of tests/test_mapping.py as text tables, plus an extra column nobody maps."""
    import io

    accounts = pd.read_csv(io.StringIO(CRM_ACCOUNTS), dtype=str).assign(**{"Secret Notes": "do not read"})
    lines = pd.read_csv(io.StringIO(CRM_LINES), dtype=str)
    return {"accounts": accounts, "opportunity_lines": lines}


def _write_duckdb(path: Path, frames: dict[str, pd.DataFrame]) -> None:
    with duckdb.connect(str(path)) as con:
        for name, frame in frames.items():
            con.register("frame", frame)
            con.execute(f'CREATE TABLE "{name}" AS SELECT * FROM frame')
            con.unregister("frame")


def _write_postgres(url: str, frames: dict[str, pd.DataFrame]) -> None:
    """Write frames as typed PostgreSQL tables: DATE, NUMERIC, BOOLEAN and TEXT columns."""
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    with engine.begin() as connection:
        for name, frame in frames.items():
            types = {}
            for column, dtype in frame.dtypes.items():
                if pd.api.types.is_datetime64_any_dtype(dtype):
                    types[column] = sa.Date()
                elif pd.api.types.is_float_dtype(dtype):
                    types[column] = sa.Numeric(16, 4)
            frame.to_sql(name, connection, index=False, dtype=types)
    engine.dispose()


def _tables(program: pa.Program) -> dict[str, pd.DataFrame]:
    return {name: program.table(name) for name in TABLES if program.has(name)}


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(list(frame.columns), ignore_index=True)


def _assert_same_rows(left: pa.Program, right: pa.Program) -> None:
    """Same tables, values and types; a SQL table has no row order, so rows are compared as sets."""
    for name in TABLES:
        pd.testing.assert_frame_equal(_sorted(left.table(name)), _sorted(right.table(name)), check_exact=True)


def _assert_same_metrics(left: pa.Program, right: pa.Program) -> None:
    a, b = pa.rollup(left), pa.rollup(right)
    pd.testing.assert_frame_equal(a.partner_periods, b.partner_periods)
    pd.testing.assert_frame_equal(_sorted(a.target_actuals), _sorted(b.target_actuals))  # one row per target
    pd.testing.assert_frame_equal(channel_revenue(a), channel_revenue(b))
    pd.testing.assert_frame_equal(revenue_trend(a, by="partner_type"), revenue_trend(b, by="partner_type"))
    pd.testing.assert_frame_equal(concentration_summary(a, window=4), concentration_summary(b, window=4))


@pytest.fixture(scope="module")
def sample() -> pa.Program:
    return pa.load_program("sample")


def test_a_duckdb_file_with_program_tables_loads_like_the_files(tmp_path, sample):
    path = tmp_path / "program.duckdb"
    _write_duckdb(path, _tables(sample))
    program = pa.load_program(path)
    assert program.fingerprint == sample.fingerprint
    assert program.source == str(path)


def test_a_duckdb_file_can_be_mapped(tmp_path, tiny_program):
    path = tmp_path / "crm.duckdb"
    frames = _crm_frames()
    frames.update({name: tiny_program.table(name) for name in ("targets", "engagement", "surveys", "mdf")})
    _write_duckdb(path, frames)
    (tmp_path / "mapping.yml").write_text(DB_MAPPING, encoding="utf-8")
    program = pa.load_program(path, mapping=tmp_path / "mapping.yml")
    assert program.fingerprint == tiny_program.fingerprint


def test_a_duckdb_file_without_a_required_table_names_the_tables_it_has(tmp_path, tiny_program):
    path = tmp_path / "program.duckdb"
    _write_duckdb(path, {"partners": tiny_program.partners, "targets": tiny_program.targets})
    with pytest.raises(pa.ProgramDataError, match="required table 'deals' not found .tables: partners, targets."):
        pa.load_program(path)


def test_the_sample_program_round_trips_through_postgres_with_identical_metrics(postgres_db, sample):
    _write_postgres(postgres_db, _tables(sample))
    program = pa.load_program(postgres_db)
    _assert_same_rows(program, sample)
    _assert_same_metrics(program, sample)
    assert pa.load_program(postgres_db).fingerprint == program.fingerprint  # and it loads the same every time


def test_a_crm_schema_in_postgres_is_mapped_to_the_same_program_as_its_files(postgres_db, tiny_program, tmp_path):
    frames = _crm_frames()
    frames.update({name: tiny_program.table(name) for name in ("targets", "engagement", "surveys", "mdf")})
    _write_postgres(postgres_db, frames)
    (tmp_path / "mapping.yml").write_text(DB_MAPPING, encoding="utf-8")
    program = pa.load_program(postgres_db, mapping=tmp_path / "mapping.yml")
    _assert_same_rows(program, tiny_program)
    _assert_same_metrics(program, tiny_program)


def test_only_the_columns_a_mapping_mentions_are_read_from_a_database(postgres_db, tmp_path, tiny_program):
    _write_postgres(postgres_db, {**_crm_frames(), "targets": tiny_program.targets})
    (tmp_path / "mapping.yml").write_text(DB_MAPPING, encoding="utf-8")
    mapped = map_source(postgres_db, read_mapping(tmp_path / "mapping.yml"))
    assert "Secret Notes" not in mapped.read_columns["accounts"]
    assert "Account Name" in mapped.read_columns["accounts"]


def test_validate_accepts_a_database_url_and_hides_the_password(postgres_db, sample, capsys):
    _write_postgres(postgres_db, _tables(sample))
    url = postgres_db.replace("postgres@", "postgres:secret@")  # trust authentication ignores the password
    assert main(["validate", url]) == 0
    out = capsys.readouterr().out
    assert "postgres:***@" in out and "secret" not in out
    assert "valid (partners 150," in out


def test_a_database_without_program_tables_asks_for_a_mapping(postgres_db):
    _write_postgres(postgres_db, _crm_frames())
    with pytest.raises(pa.ProgramDataError) as info:
        pa.load_program(postgres_db)
    assert "required table 'partners' not found (tables: accounts, opportunity_lines); name it so or give a mapping" \
        in str(info.value)


def test_an_unreachable_database_is_a_clear_error_without_the_password(capsys):
    url = "postgresql+psycopg://me:hunter2@127.0.0.1:1/nowhere?connect_timeout=2"
    assert main(["validate", url]) == 1
    err = capsys.readouterr().err
    assert "cannot connect to the database" in err
    assert "hunter2" not in err and "Traceback" not in err
