"""Loading a program from files: every bad input gets a clear error naming file, column and rows."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

import partner_analytics as pa
from partner_analytics.errors import ProgramDataError
from partner_analytics.io import read_table_file


def _edit(folder: Path, table: str, old: str, new: str) -> None:
    path = folder / f"{table}.csv"
    text = path.read_text(encoding="utf-8")
    assert old in text, f"fixture text {old!r} not found in {table}.csv"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _error(folder: Path) -> str:
    with pytest.raises(ProgramDataError) as info:
        pa.load_program(folder)
    return str(info.value)


def test_a_valid_folder_loads_every_table(tiny_dir):
    program = pa.load_program(tiny_dir)
    assert program.summary().set_index("table")["rows"].to_dict() == {
        "partners": 3, "deals": 8, "targets": 4, "engagement": 4, "surveys": 4, "mdf": 1,
    }
    assert program.deals["amount"].sum() == 5900.0
    assert program.deals["closed_on"].isna().sum() == 2


def test_suspicious_but_valid_data_gives_warnings_not_errors(tiny_dir):
    program = pa.load_program(tiny_dir)
    assert program.warnings == ("1 partner(s) have no deals (e.g. P3)",)


def test_ids_keep_their_leading_zeros(tiny_dir):
    for table in ("partners", "deals", "targets", "engagement", "surveys", "mdf"):
        path = tiny_dir / f"{table}.csv"
        path.write_text(path.read_text().replace("P1,", "00123,"))
    program = pa.load_program(tiny_dir)
    assert "00123" in set(program.partners["partner_id"])
    assert (program.deals["partner_id"] == "00123").sum() == 4


@pytest.mark.parametrize(
    ("table", "old", "new", "expected"),
    [
        pytest.param("deals", "2024-03-01,2024-03-31", "2024-03-01,31/03/2024",
                     "deals.csv, column 'closed_on': cannot be read as a date like 2024-03-31 [1 row: 4 ('31/03/2024')]",
                     id="unparseable date"),
        pytest.param("deals", "2024-03-01,2024-03-31", "2024-03-01,0024-03-31",
                     "deals.csv, column 'closed_on': cannot be read as a date like 2024-03-31 [1 row: 4 ('0024-03-31')]",
                     id="date out of range"),
        pytest.param("deals", "lost,300", "lost,-300",
                     "deals.csv, column 'amount': values below 0 [1 row: 4 ('-300')]", id="negative amount"),
        pytest.param("deals", "D5,", "D1,",
                     "deals.csv, column 'deal_id': duplicate values (must be unique) [2 rows: 2 ('D1'), 6 ('D1')]",
                     id="duplicate id"),
        pytest.param("deals", "D5,P2,", "D5,P9,",
                     "deals.csv, column 'partner_id': refers to partners not in partners [1 row: 6 ('P9')]",
                     id="deal pointing at an unknown partner"),
        pytest.param("deals", "2024-01-10,2024-02-09", "2024-01-10,2024-01-09",
                     "deals.csv, column 'closed_on': is before created_on [1 row: 2 (",
                     id="closed_on before created_on"),
        pytest.param("surveys", "psat,4,5", "psat,7,5",
                     "surveys.csv, column 'score': is above scale_max [1 row: 2 ('7')]", id="score outside its scale"),
        pytest.param("deals", ",won,1000", ",wonn,1000",
                     "deals.csv, column 'stage': unknown values (allowed: open, won, lost) [1 row: 2 ('wonn')]",
                     id="unknown code"),
        pytest.param("partners", "Beta Partners,referral", ",referral",
                     "partners.csv, column 'partner_name': blank values are not allowed [1 row: 3]",
                     id="blank required value"),
        pytest.param("targets", "2024-04-01,2024-06-30,1000", "2024-04-01,2024-03-30,1000",
                     "targets.csv, column 'period_end': is before period_start [1 row: 3",
                     id="target period ends before it starts"),
        pytest.param("deals", "D1,P1,sourced", "D1,,sourced",
                     "deals.csv, column 'attribution': must be 'direct' exactly when partner_id is blank [1 row: 2",
                     id="partner deal without partner"),
        pytest.param("deals", "2024-06-01,,open", "2024-06-01,2024-06-02,open",
                     "deals.csv, column 'closed_on': is set on open deals [1 row: 9",
                     id="open deal with a close date"),
    ],
)
def test_bad_values_are_reported_with_file_column_and_rows(tiny_dir, table, old, new, expected):
    _edit(tiny_dir, table, old, new)
    assert expected in _error(tiny_dir)


def test_a_missing_required_file_is_named(tiny_dir):
    (tiny_dir / "deals.csv").unlink()
    message = _error(tiny_dir)
    assert "deals.csv: required file not found" in message
    assert "deals.csv or deals.parquet or deals.xlsx" in message


def test_missing_optional_tables_load_as_not_supplied(tiny_dir):
    for name in ("targets", "engagement", "surveys", "mdf"):
        (tiny_dir / f"{name}.csv").unlink()
    program = pa.load_program(tiny_dir)
    assert not program.has("surveys")
    assert list(program.surveys.columns) == pa.schema.TABLES["surveys"].column_names
    assert program.surveys.empty


def test_a_missing_column_is_named_with_the_columns_found(tiny_dir):
    _edit(tiny_dir, "deals", "created_on,", "created,")
    message = _error(tiny_dir)
    assert "deals.csv: missing required column 'created_on' (found: 'deal_id', 'partner_id', 'attribution', 'created'" in message


def test_an_empty_required_table_is_an_error(tiny_dir):
    (tiny_dir / "deals.csv").write_text(
        "deal_id,partner_id,attribution,created_on,closed_on,stage,amount\n", encoding="utf-8"
    )
    assert "deals.csv: the table has no data rows" in _error(tiny_dir)


def test_an_empty_file_is_an_error(tiny_dir):
    (tiny_dir / "partners.csv").write_text("", encoding="utf-8")
    assert "partners.csv: the file is empty (no header row)" in _error(tiny_dir)


def test_an_empty_optional_table_is_treated_as_not_supplied_with_a_warning(tiny_dir):
    (tiny_dir / "mdf.csv").write_text(
        "partner_id,fund_id,approved_on,amount_approved,amount_claimed,attributed_revenue\n", encoding="utf-8"
    )
    program = pa.load_program(tiny_dir)
    assert not program.has("mdf")
    assert "mdf.csv: the table is empty; it is treated as not supplied" in program.warnings


def test_a_file_in_the_wrong_encoding_is_named_with_its_line(tiny_dir):
    path = tiny_dir / "partners.csv"
    path.write_bytes(path.read_text(encoding="utf-8").replace("Gamma Tech", "Gämma Tech").encode("latin-1"))
    message = _error(tiny_dir)
    assert "partners.csv: is not valid utf-8 text (byte 0xe4 on line 4)" in message


def test_another_encoding_can_be_named(tiny_dir):
    path = tiny_dir / "partners.csv"
    path.write_bytes(path.read_text(encoding="utf-8").replace("Gamma Tech", "Gämma Tech").encode("latin-1"))
    with pytest.raises(ProgramDataError):
        pa.load_program(tiny_dir)
    (tiny_dir / "deals.csv").write_bytes((tiny_dir / "deals.csv").read_bytes())  # ascii is valid latin-1
    program = pa.load_program(tiny_dir, encoding="latin-1")
    assert "Gämma Tech" in set(program.partners["partner_name"])


def test_a_utf8_byte_order_mark_is_accepted(tiny_dir):
    path = tiny_dir / "partners.csv"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert len(pa.load_program(tiny_dir).partners) == 3


def test_every_problem_is_reported_at_once(tiny_dir):
    _edit(tiny_dir, "deals", "lost,300", "lost,-300")
    _edit(tiny_dir, "surveys", "psat,4,5", "psat,7,5")
    with pytest.raises(ProgramDataError) as info:
        pa.load_program(tiny_dir)
    assert len(info.value.problems) == 2


def test_two_files_for_one_table_are_ambiguous(tiny_dir):
    pd.read_csv(tiny_dir / "mdf.csv").to_parquet(tiny_dir / "mdf.parquet")
    assert "more than one file for this table: mdf.csv, mdf.parquet" in _error(tiny_dir)


def test_parquet_and_excel_files_load_to_the_same_program(tiny_dir, tmp_path):
    reference = pa.load_program(tiny_dir)
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    for name in ("partners", "deals", "targets", "engagement", "surveys", "mdf"):
        frame = read_table_file(tiny_dir / f"{name}.csv")
        if name in ("deals", "targets"):
            frame.to_parquet(mixed / f"{name}.parquet")
        elif name == "partners":
            frame.to_excel(mixed / f"{name}.xlsx", index=False)
        else:
            frame.to_csv(mixed / f"{name}.csv", index=False)
    loaded = pa.load_program(mixed)
    assert loaded.fingerprint == reference.fingerprint


def test_a_workbook_with_one_sheet_per_table_loads(tiny_dir, tmp_path):
    workbook = tmp_path / "program.xlsx"
    with pd.ExcelWriter(workbook) as writer:
        for name in ("partners", "deals", "targets"):
            read_table_file(tiny_dir / f"{name}.csv").to_excel(writer, sheet_name=name, index=False)
    program = pa.load_program(workbook)
    assert len(program.deals) == 8
    assert not program.has("engagement")


def test_typed_parquet_columns_are_accepted(tiny_dir, tmp_path):
    deals = pa.load_program(tiny_dir).deals
    deals.to_parquet(tiny_dir / "deals.parquet")
    (tiny_dir / "deals.csv").unlink()
    assert pa.load_program(tiny_dir).deals["amount"].sum() == 5900.0


def test_a_missing_source_is_a_clear_error(tmp_path):
    with pytest.raises(ProgramDataError, match="no such file or folder"):
        pa.load_program(tmp_path / "nowhere")
