"""The rollup on every engine: DuckDB (files and databases), Spark local mode and PostgreSQL.

The facts must be identical to the in-memory rollup of the same program, up to
floating-point summation order (relative 1e-12), and bad data must be reported
by the SQL checks with the table, the column, a count and example values.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import duckdb
import pandas as pd
import pytest
import sqlglot

import partner_analytics as pa
from partner_analytics.engine import EngineProgram, open_program
from partner_analytics.engine.queries import RollupQueries, transpile
from partner_analytics.params import load_params
from partner_analytics.render.context import build_context
from conftest_postgres import postgres_db, postgres_url  # noqa: F401  (fixtures: a throwaway PostgreSQL server)
from test_sql_sources import _write_postgres

TABLES = ("partners", "deals", "targets", "engagement", "surveys", "mdf")
FACTS = ("partners", "partner_periods", "channel_periods", "partner_channel_periods", "partner_deal_stats",
         "deal_stats", "engagement", "surveys", "comments", "mdf", "target_actuals")
SORT_KEYS = {"partners": ["partner_id"], "partner_periods": ["partner_id", "period"],
             "target_actuals": ["partner_id", "kpi", "period_start"],
             "partner_channel_periods": ["partner_id", "period", "attribution"],
             "partner_deal_stats": ["partner_id", "period"], "deal_stats": ["periods", "period", "by", "group"]}


def assert_same_facts(actual: pa.Rollup, expected: pa.Rollup) -> None:
    """Every frame of two rollups equal, row order aside (engines and sources order rows differently)."""
    assert actual.freq == expected.freq and actual.as_of == expected.as_of
    assert list(actual.periods) == list(expected.periods)
    assert actual.available == expected.available and actual.windows == expected.windows
    for name in FACTS:
        got, want = getattr(actual, name), getattr(expected, name)
        keys = SORT_KEYS.get(name)
        if keys:
            got, want = got.sort_values(keys, ignore_index=True), want.sort_values(keys, ignore_index=True)
        pd.testing.assert_frame_equal(got, want, check_exact=False, rtol=1e-12, obj=name)


def _write_parquet(program: pa.Program, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name in TABLES:
        # microsecond timestamps: Spark cannot read pandas' default nanosecond Parquet timestamps
        program.table(name).to_parquet(folder / f"{name}.parquet", index=False, coerce_timestamps="us")
    return folder


@pytest.fixture(scope="module")
def sample() -> pa.Program:
    return pa.load_program("sample")


@pytest.fixture(scope="module")
def expected(sample) -> dict[str, pa.Rollup]:
    return {freq: pa.rollup(sample, freq=freq) for freq in ("Q", "M")}


@pytest.fixture(scope="module")
def parquet(sample, tmp_path_factory) -> Path:
    return _write_parquet(sample, tmp_path_factory.mktemp("parquet"))


@pytest.mark.parametrize("freq", ["Q", "M"])
def test_duckdb_on_parquet_files_gives_the_in_memory_facts(parquet, expected, freq):
    with open_program(parquet) as program:
        assert_same_facts(pa.rollup(program, freq=freq), expected[freq])


def test_duckdb_on_csv_files_and_on_a_database_file_gives_the_same_facts(sample, expected, tmp_path):
    pa.sample.write_sample(tmp_path / "csv")
    with open_program(tmp_path / "csv") as program:
        assert_same_facts(pa.rollup(program), expected["Q"])
    with duckdb.connect(str(tmp_path / "program.duckdb")) as con:
        for name in TABLES:
            con.register("frame", sample.table(name))
            con.execute(f"CREATE TABLE {name} AS SELECT * FROM frame")
            con.unregister("frame")
    with open_program(tmp_path / "program.duckdb") as program:
        assert_same_facts(pa.rollup(program), expected["Q"])


def test_duckdb_spills_to_a_private_folder_and_stages_the_deals_as_a_view(parquet):
    def limit(memory_limit: str) -> str:  # as DuckDB shows it (in MiB)
        return duckdb.connect().execute("SET memory_limit = ?", [memory_limit]).sql(
            "SELECT current_setting('memory_limit')").fetchall()[0][0]

    with open_program(parquet, memory_limit="512MB") as program:
        engine = program.engine
        settings = engine.fetch("SELECT current_setting('memory_limit') AS m, current_setting('temp_directory') AS t")
        spill = Path(settings["t"].iloc[0])
        assert settings["m"].iloc[0] == limit("512MB")
        assert spill.is_dir() and spill.name.startswith("partner-analytics-duckdb-")
        facts = pa.rollup(program)  # the deals are a view while the rollup runs, gone after it
        assert engine.fetch("SELECT COUNT(*) AS n FROM duckdb_views() WHERE view_name = 'as_of_deals'")["n"][0] == 0
        assert engine.fetch("SELECT COUNT(*) AS n FROM duckdb_tables() WHERE table_name = 'as_of_deals'")["n"][0] == 0
    assert not spill.exists() and len(facts.partner_periods) > 0


def test_an_as_of_date_inside_the_data_counts_only_what_happened_by_then(parquet, sample):
    with open_program(parquet) as program:
        assert_same_facts(pa.rollup(program, freq="M", as_of="2024-08-15"), pa.rollup(sample, freq="M", as_of="2024-08-15"))


def test_an_engine_program_answers_like_an_in_memory_one(parquet, sample):
    with open_program(parquet) as program:
        assert isinstance(program, EngineProgram)
        assert program.data_end == sample.data_end
        assert [w.replace(".parquet", ".csv") for w in program.warnings] == list(sample.warnings)
        pd.testing.assert_frame_equal(program.summary(), sample.summary())
        assert program.has("mdf") and not program.has("unknown")
        first = program.fingerprint
    with open_program(parquet) as program:
        assert program.fingerprint == first  # stable for the same data


def test_the_fingerprint_changes_when_an_amount_changes(parquet, sample, tmp_path):
    folder = shutil.copytree(parquet, tmp_path / "copy")
    deals = sample.deals
    deals.loc[0, "amount"] += 1
    deals.to_parquet(folder / "deals.parquet", index=False, coerce_timestamps="us")
    with open_program(parquet) as before, open_program(folder) as after:
        assert before.fingerprint != after.fingerprint


def test_reports_read_an_engine_program_unchanged(parquet, sample):
    params = load_params()
    with open_program(parquet) as program:
        on_engine = build_context(program, params)
    in_memory = build_context(sample, params)
    pd.testing.assert_frame_equal(on_engine.scorecard.sort_values("partner_id", ignore_index=True),
                                  in_memory.scorecard.sort_values("partner_id", ignore_index=True),
                                  check_exact=False, rtol=1e-9)
    assert on_engine.tiers.set_index("partner_id")["tier"].sort_index().equals(
        in_memory.tiers.set_index("partner_id")["tier"].sort_index())


def test_absent_optional_tables_are_empty_on_the_engine(parquet, sample, tmp_path):
    folder = tmp_path / "minimal"
    folder.mkdir()
    for name in ("partners", "deals", "targets"):
        shutil.copy(parquet / f"{name}.parquet", folder)
    with open_program(folder) as program:
        facts = pa.rollup(program)
    assert facts.available == frozenset()
    assert facts.engagement.empty and facts.surveys.empty and facts.mdf.empty and facts.comments.empty
    assert facts.partner_periods["revenue"].sum() == pytest.approx(pa.rollup(sample).partner_periods["revenue"].sum())


# --- validation in the engine --------------------------------------------------------------------------------


def _broken(parquet: Path, tmp_path: Path, table: str, change) -> Path:
    folder = shutil.copytree(parquet, tmp_path / "broken")
    frame = pd.read_parquet(folder / f"{table}.parquet")
    change(frame).to_parquet(folder / f"{table}.parquet", index=False, coerce_timestamps="us")
    return folder


def test_clean_text_is_read_as_is_and_messy_text_is_typed_with_the_same_facts(parquet, expected, tmp_path):
    def view(program, name):
        return program.engine.fetch(f"SELECT sql FROM duckdb_views() WHERE view_name = '{name}'")["sql"].iloc[0]

    with open_program(parquet) as program:  # the sample's text is already in typed form
        assert "CAST(stage AS VARCHAR) AS stage" in view(program, "deals")

    def messy(deals):  # padded, upper-case: the typed views must still trim and lower-case it
        return deals.assign(stage=" " + deals["stage"].str.upper() + " ", deal_id=deals["deal_id"] + "  ")

    with open_program(_broken(parquet, tmp_path, "deals", messy)) as program:
        assert "CAST(stage AS VARCHAR) AS stage" not in view(program, "deals")
        assert "CAST(deal_id AS VARCHAR) AS deal_id" not in view(program, "deals")
        assert_same_facts(pa.rollup(program, freq="Q"), expected["Q"])


def test_stored_dates_numbers_and_booleans_are_read_as_they_are(parquet):
    with open_program(parquet) as program:  # the sample's Parquet stores each column with its schema type
        sql = program.engine.fetch("SELECT sql FROM duckdb_views() WHERE view_name = 'deals'")["sql"].iloc[0]
    assert "CAST(amount AS DOUBLE) AS amount" in sql and "CAST(created_on AS DATE) AS created_on" in sql
    assert "TRY_CAST" not in sql


def test_control_characters_are_counted_in_rows_whether_a_column_is_scanned_by_row_or_by_value(
        parquet, expected, tmp_path):
    def dirty(deals):  # stage: a code, and partner_id: an id of another table, are examined once per value
        won = deals.index[deals["stage"] == "won"][:2]
        deals.loc[won, "stage"] = "wo\x07n"
        first = deals["partner_id"].dropna().iloc[0]
        deals.loc[deals["partner_id"] == first, "partner_id"] = "\x01" + first
        deals.loc[deals.index[4], "product"] = "Suite\x02"  # a free text column is scanned row by row
        return deals, int((deals["partner_id"] == "\x01" + first).sum())

    folder = shutil.copytree(parquet, tmp_path / "dirty")
    deals, partner_rows = dirty(pd.read_parquet(folder / "deals.parquet"))
    deals.to_parquet(folder / "deals.parquet", index=False, coerce_timestamps="us")
    with open_program(folder) as program:
        assert {w for w in program.warnings if "control characters" in w} == {
            "deals.parquet, column 'stage': control characters removed from 2 values",
            f"deals.parquet, column 'partner_id': control characters removed from {partner_rows} values",
            "deals.parquet, column 'product': control characters removed from 1 value"}
        assert_same_facts(pa.rollup(program, freq="Q"), expected["Q"])


@pytest.mark.parametrize("sample_rows", [1000, 10**9], ids=["large table", "small table"])
def test_free_text_with_few_values_in_a_large_table_is_examined_once_per_value(
        parquet, expected, tmp_path, monkeypatch, sample_rows):
    from partner_analytics.engine import checks
    from partner_analytics.engine.backends import DuckDBEngine

    monkeypatch.setattr(checks, "SAMPLE_ROWS", sample_rows)  # the sample's deals: a large table, or a small one
    queries = []
    fetch = DuckDBEngine.fetch
    monkeypatch.setattr(DuckDBEngine, "fetch", lambda self, sql: queries.append(sql) or fetch(self, sql))
    folder = shutil.copytree(parquet, tmp_path / "dirty")
    deals = pd.read_parquet(folder / "deals.parquet")
    deals.loc[deals.index[[4, 9, 11]], "product"] = "Suite\x02"  # free text: a few products on many rows
    deals.loc[deals.index[6], "product"] = " Suite "
    deals.to_parquet(folder / "deals.parquet", index=False, coerce_timestamps="us")
    with open_program(folder) as program:
        assert "deals.parquet, column 'product': control characters removed from 3 values" in program.warnings
        assert_same_facts(pa.rollup(program, freq="Q"), expected["Q"])
    grouped = [sql for sql in queries if 'GROUP BY "product"' in sql]
    assert bool(grouped) is (sample_rows == 1000)
    by_value = [sql for sql in queries if "distinct_values" in sql and "deals.parquet" in sql]
    assert not any('"deal_id", COUNT(*) AS rows__' in sql for sql in by_value)  # unique: still row by row


def test_too_long_text_is_counted_in_rows_whether_a_column_is_scanned_by_row_or_by_value(
        parquet, tmp_path, monkeypatch):
    limit = max(int(pd.read_parquet(path).select_dtypes("str").apply(lambda c: c.str.len()).max().max())
                for path in parquet.glob("*.parquet"))  # the longest text of the sample is allowed

    def damage(deals):
        deals.loc[deals.index[:3], "stage"] = "w" * (limit + 1)  # a code: one distinct value on three rows
        deals.loc[deals.index[5], "product"] = "p" * (limit + 2)  # free text
        return deals

    monkeypatch.setenv("PARTNER_ANALYTICS_MAX_CELL_CHARS", str(limit))
    message = _problems(_broken(parquet, tmp_path, "deals", damage))
    assert f"column 'stage': values longer than {limit:,} characters" in message
    assert f"[3 rows, e.g. '{limit + 1:,} characters', '{limit + 1:,} characters'" in message
    assert f"[1 row, e.g. '{limit + 2:,} characters']" in message


def _problems(folder: Path) -> str:
    with pytest.raises(pa.ProgramDataError) as raised:
        open_program(folder)
    return str(raised.value)


def test_bad_values_are_counted_with_table_column_and_examples(parquet, tmp_path):
    def damage(deals):
        deals = deals.astype({"amount": "str"})
        deals.loc[[3, 7], "amount"] = "lots"
        deals.loc[5, "stage"] = "maybe"
        return deals

    message = _problems(_broken(parquet, tmp_path, "deals", damage))
    assert "deals.parquet, column 'amount': cannot be read as a number [2 rows, e.g. 'lots', 'lots']" in message
    assert "deals.parquet, column 'stage': unknown values (allowed: open, won, lost) [1 row, e.g. 'maybe']" in message


def test_references_uniqueness_and_deal_rules_are_checked(parquet, tmp_path):
    def damage(deals):
        deals.loc[0, "partner_id"] = "P9999"
        deals.loc[2, "deal_id"] = deals.loc[1, "deal_id"]
        won = deals.index[deals["stage"] == "won"][0]
        deals.loc[won, "closed_on"] = deals.loc[won, "created_on"] - pd.Timedelta(days=3)
        return deals

    message = _problems(_broken(parquet, tmp_path, "deals", damage))
    assert "column 'partner_id': refers to partners not in partners [1 row, e.g. 'P9999']" in message
    assert "column 'deal_id': duplicate values (must be unique) [2 rows" in message  # every row, as in pandas
    assert "column 'closed_on': is before created_on [1 row" in message


def test_an_unknown_id_on_many_rows_counts_every_row_and_is_shown_once(parquet, tmp_path):
    def damage(deals):  # the references are checked per distinct id: rows still count one by one
        deals.loc[[0, 4, 9], "partner_id"] = "P9999"
        deals.loc[[11], "partner_id"] = "P8888"
        return deals

    message = _problems(_broken(parquet, tmp_path, "deals", damage))
    found = re.search(r"column 'partner_id': refers to partners not in partners \[4 rows, e\.g\. ([^\]]*)\]", message)
    assert found and sorted(found.group(1).split(", ")) == ["'P8888'", "'P9999'"]


def test_missing_tables_and_columns_are_named(parquet, tmp_path):
    folder = _broken(parquet, tmp_path, "deals", lambda deals: deals.drop(columns=["amount"]))
    (folder / "partners.parquet").unlink()
    message = _problems(folder)
    assert "required table 'partners' is missing" in message
    assert "deals.parquet: missing required column(s) 'amount'" in message


def test_unknown_engines_options_and_sources_are_refused(parquet, tmp_path):
    with pytest.raises(ValueError, match="engine must be one of"):
        open_program(parquet, engine="oracle")
    with pytest.raises(ValueError, match="unknown duckdb option"):
        open_program(parquet, master="local[2]")
    with pytest.raises(pa.ProgramDataError, match="no such file or folder"):
        open_program(tmp_path / "nowhere")


# --- the SQL itself ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dialect", ["spark", "postgres", "snowflake", "bigquery", "tsql"])
def test_every_rollup_query_transpiles_to_each_dialect(dialect):
    queries = RollupQueries("Q", pd.Timestamp("2025-12-31"))
    quarter = pd.Period("2025Q4", "Q")
    texts = [queries.as_of_deals, queries.closed_facts, queries.created_facts,
             queries.partner_deal_stats, queries.deal_stats([(quarter, quarter, 1)]),
             queries.drill_down("stage = 'won'", 10), queries.engagement, queries.surveys, queries.comments,
             queries.mdf, queries.target_actuals({"revenue", "deals_won"}, {"certifications": "certification"})]
    for text in texts:
        translated = transpile(text, dialect)
        assert sqlglot.parse_one(translated, read=dialect) is not None  # valid in the target dialect
    assert "2025-12-31" in transpile(queries.as_of_deals, dialect)


# --- Spark and PostgreSQL ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_spark_local_mode_gives_the_in_memory_facts(parquet, expected):
    pytest.importorskip("pyspark")
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java (17 or newer) on PATH")
    conf = {"spark.sql.shuffle.partitions": "4", "spark.ui.enabled": "false"}
    with open_program(parquet, engine="spark", master="local[2]", conf=conf) as program:
        assert_same_facts(pa.rollup(program), expected["Q"])
        assert program.summary()["rows"].tolist() == [150, 14741, 2099, 15414, 1444, 216]


def test_postgresql_gives_the_in_memory_facts(postgres_db, sample, expected):
    _write_postgres(postgres_db, {name: sample.table(name) for name in TABLES})
    with open_program(postgres_db, engine="sql") as program:
        assert_same_facts(pa.rollup(program), expected["Q"])
        assert_same_facts(pa.rollup(program, freq="M"), expected["M"])


def test_postgresql_problems_are_reported_by_the_database(postgres_db, sample):
    deals = sample.deals
    deals.loc[0, "partner_id"] = "P9999"
    _write_postgres(postgres_db, {"partners": sample.partners, "deals": deals, "targets": sample.targets})
    with pytest.raises(pa.ProgramDataError, match="table deals, column 'partner_id': refers to partners not in"):
        open_program(postgres_db, engine="sql")


# --- choosing the engine: params, open_source, the command line ----------------------------------------------


def test_params_choose_the_engine_and_reject_bad_settings(tmp_path):
    from partner_analytics.params import ParamsError, parse_params

    base = {"scorecard": {"default": {"revenue": 1}}, "tiers": {"levels": [{"name": "member", "min_score": 0}]}}
    reporting = parse_params({**base, "reporting": {"engine": "spark",
                                                    "engine_options": {"master": "local[2]"}}}).reporting
    assert (reporting.engine, dict(reporting.engine_options)) == ("spark", {"master": "local[2]"})
    assert parse_params(base).reporting.engine == "memory"
    with pytest.raises(ParamsError, match="reporting.engine: must be one of memory, duckdb, spark, sql"):
        parse_params({**base, "reporting": {"engine": "oracle"}})
    with pytest.raises(ParamsError, match="reporting.mapping: a column mapping needs engine: memory"):
        parse_params({**base, "reporting": {"engine": "duckdb", "mapping": "m.yml"}})
    with pytest.raises(ParamsError, match="reporting.engine_options: must be a mapping"):
        parse_params({**base, "reporting": {"engine": "duckdb", "engine_options": "fast"}})


def test_open_source_gives_an_in_memory_or_an_engine_program(parquet):
    from partner_analytics.io import open_source

    with open_source(parquet) as in_memory, open_source(parquet, engine="duckdb", options={"threads": 1}) as engine:
        assert isinstance(in_memory, pa.Program) and isinstance(engine, EngineProgram)
        assert_same_facts(pa.rollup(engine), pa.rollup(in_memory))
    with pytest.raises(ValueError, match="column mapping needs the memory engine"):
        open_source(parquet, engine="duckdb", mapping="m.yml")
    with pytest.raises(ValueError, match="need an engine other than memory"):
        open_source(parquet, options={"threads": 1})


def test_the_command_line_validates_and_computes_metrics_on_an_engine(parquet, tmp_path, capsys):
    from partner_analytics.cli import main

    assert main(["validate", str(parquet), "--engine", "duckdb"]) == 0
    out = capsys.readouterr().out
    assert "valid (partners 150, deals 14741, targets 2099" in out
    assert main(["metrics", str(parquet), "--engine", "duckdb", "--format", "csv"]) == 0
    on_engine = pd.read_csv(pd.io.common.StringIO(capsys.readouterr().out))
    assert main(["metrics", str(parquet), "--format", "csv"]) == 0
    in_memory = pd.read_csv(pd.io.common.StringIO(capsys.readouterr().out))
    pd.testing.assert_frame_equal(on_engine.sort_values("partner_id", ignore_index=True),
                                  in_memory.sort_values("partner_id", ignore_index=True), rtol=1e-9)
    broken = _broken(parquet, tmp_path, "deals", lambda deals: deals.drop(columns=["stage"]))
    assert main(["validate", str(broken), "--engine", "duckdb"]) == 1
    assert "missing required column(s) 'stage'" in capsys.readouterr().err


def test_empty_tables_are_an_error_when_required_and_absent_when_optional(parquet, tmp_path):
    folder = shutil.copytree(parquet, tmp_path / "empty")
    for name in ("mdf", "deals"):
        pd.read_parquet(folder / f"{name}.parquet").iloc[:0].to_parquet(folder / f"{name}.parquet", index=False)
    assert "deals.parquet: the table has no data rows" in _problems(folder)
    shutil.copy(parquet / "deals.parquet", folder)
    with open_program(folder) as program:
        assert not program.has("mdf") and program.has("surveys")
        assert "mdf.parquet: the table is empty; it is treated as not supplied" in program.warnings


def test_tables_as_folders_of_parquet_parts_and_ids_with_leading_zeros_in_csv(parquet, sample, tmp_path):
    folder = tmp_path / "parts"
    shutil.copytree(parquet, folder)
    (folder / "deals.parquet").unlink()
    deals = sample.deals
    (folder / "deals").mkdir()
    for i, part in enumerate((deals.iloc[:5000], deals.iloc[5000:])):
        part.to_parquet(folder / "deals" / f"part-{i}.parquet", index=False, coerce_timestamps="us")
    with open_program(folder) as program:
        assert_same_facts(pa.rollup(program), pa.rollup(sample))

    csv = tmp_path / "csv"
    pa.sample.write_sample(csv, n_partners=12)
    for name in ("partners", "deals", "targets", "engagement", "surveys", "mdf"):
        path = csv / f"{name}.csv"
        path.write_text(path.read_text().replace("P00", "00"))  # ids such as 0012: text, not numbers
    with open_program(csv) as program:
        assert program.partners["partner_id"].str.startswith("00").all()
        assert_same_facts(pa.rollup(program), pa.rollup(pa.load_program(csv)))
