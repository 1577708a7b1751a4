"""A program whose tables stay where they are: files, a Spark cluster or a database.

:func:`open_program` exposes each program table on an engine as a typed view
(schema names and types, whatever the source's own types), checks it with SQL
(:mod:`partner_analytics.engine.checks`) and returns an :class:`EngineProgram`.
:func:`partner_analytics.rollup` runs on its engine, so a program of hundreds of
millions of rows is never read into pandas; only the partners and targets
tables (one row per partner / target) and the compact facts are.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd

from ..errors import InputError, Problem, ProgramDataError
from ..limits import input_limits
from ..rules import CONTROL_CHARACTERS
from ..schema import TABLES
from ..sqltext import first_line, literal, quote, safe_url
from .backends import DuckDBEngine, Engine, SparkEngine, SQLEngine
from .checks import check_tables, scan_text
from .typed import SQL_TYPES, typed_column

__all__ = ["EngineProgram", "open_program", "ENGINES", "typed_column"]

ENGINES = ("duckdb", "spark", "sql")
"""Engines :func:`open_program` can use."""

_EVENT_DATES = (("deals", "created_on"), ("deals", "closed_on"), ("engagement", "occurred_on"),
                ("surveys", "responded_on"), ("mdf", "approved_on"))


@dataclass(frozen=True, eq=False)
class EngineProgram:
    """A validated program whose tables live on an engine.

    It offers what :func:`partner_analytics.rollup` and the reports read from
    a :class:`~partner_analytics.program.Program`: ``source``, ``warnings``,
    :meth:`has`, ``partners``, ``targets``, ``data_end``, ``fingerprint`` and
    :meth:`summary`. Close it (or use it as a context manager) to release the
    engine.

    Attributes
    ----------
    engine
        The engine holding one typed view per supplied table, named after it.
    source
        Where the data is (passwords removed).
    supplied
        Names of the tables the source supplied.
    warnings
        Suspicious but valid findings.
    """

    engine: Engine = field(repr=False)
    source: str
    supplied: frozenset[str]
    warnings: tuple[str, ...] = ()

    def has(self, name: str) -> bool:
        """True if table ``name`` was supplied (optional tables may be absent)."""
        return name in self.supplied

    def table(self, name: str) -> pd.DataFrame:
        """Fetch a whole table into pandas: meant for the small ones (partners, targets)."""
        if name not in TABLES:
            raise KeyError(f"unknown table {name!r}; tables are {', '.join(TABLES)}")
        columns = [c.name for c in TABLES[name].columns]
        frame = self.engine.fetch(f"SELECT * FROM {name}")
        frame.columns = [str(c).lower() for c in frame.columns]
        types = {c.name: {"date": "datetime64[ns]", "number": "float64", "boolean": "boolean"}.get(c.kind, "str")
                 for c in TABLES[name].columns}
        for column in TABLES[name].columns:
            if column.kind == "date":
                frame[column.name] = pd.to_datetime(frame[column.name])
        return frame[columns].astype(types)

    @cached_property
    def partners(self) -> pd.DataFrame:
        """The partners table (in pandas, sorted by ``partner_id``)."""
        return self.table("partners").sort_values("partner_id", ignore_index=True)

    @cached_property
    def targets(self) -> pd.DataFrame:
        """The targets table (in pandas, sorted by partner, KPI and period)."""
        return self.table("targets").sort_values(["partner_id", "kpi", "period_start"], ignore_index=True)

    @cached_property
    def data_end(self) -> pd.Timestamp:
        """Latest date found in the data: the natural default "as of" date."""
        parts = [f"SELECT MAX({column}) AS d FROM {table}" for table, column in _EVENT_DATES if self.has(table)]
        latest = self.engine.fetch(f"SELECT MAX(d) AS latest FROM ({' UNION ALL '.join(parts)}) AS dates")
        return pd.Timestamp(latest["latest"].iloc[0]).normalize()

    @cached_property
    def _profile(self) -> pd.DataFrame:
        """Per table: rows, and the sum / min / max of every number and date column."""
        rows = []
        for name in sorted(self.supplied):
            measures = ["COUNT(*) AS n"]
            for column in TABLES[name].columns:
                if column.kind == "number":
                    measures.append(f"SUM({quote(column.name)}) AS {quote('sum_' + column.name)}")
                elif column.kind == "date":
                    measures += [f"CAST(MIN({quote(column.name)}) AS VARCHAR) AS {quote('min_' + column.name)}",
                                 f"CAST(MAX({quote(column.name)}) AS VARCHAR) AS {quote('max_' + column.name)}"]
            result = self.engine.fetch(f"SELECT {', '.join(measures)} FROM {name}")
            rows.append({"table": name, **{str(k).lower(): v for k, v in result.iloc[0].items()}})
        return pd.DataFrame(rows)

    @cached_property
    def fingerprint(self) -> str:
        """SHA-256 of each table's row count and number / date totals.

        Computed in the engine, so it is cheap at any size. It changes when
        rows are added or removed and when any amount or date changes; an edit
        that keeps every count, total and date range (say, swapping two text
        values) is not seen: use ``render --force`` after such an edit.
        """
        return hashlib.sha256(self._profile.to_json(orient="records", double_precision=15).encode()).hexdigest()

    def summary(self) -> pd.DataFrame:
        """One row per table: rows and whether it was supplied."""
        counts = dict(zip(self._profile["table"], self._profile["n"]))
        return pd.DataFrame({"table": list(TABLES), "supplied": [n in self.supplied for n in TABLES],
                             "rows": [int(counts.get(n, 0)) for n in TABLES]})

    def close(self) -> None:
        """Release the engine."""
        self.engine.close()

    def __enter__(self) -> EngineProgram:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _engine(kind: str, source: str, options: dict[str, Any]) -> tuple[Engine, dict[str, str]]:
    """Start the engine and locate the raw relation of each table it can find."""
    if kind == "sql":
        engine, names = _sql_tables(source, options.pop("schema", None))
        return engine, {name: names[name] for name in TABLES if name in names}
    if kind == "spark":
        engine = SparkEngine(master=options.pop("master", None), conf=options.pop("conf", None))
        uri = "://" in source  # s3a://, abfss://, hdfs://, file://: Spark's file systems find the tables
        relations = {}
        for name in TABLES:
            path = f"{source.rstrip('/')}/{name}.parquet" if uri else _table_path(source, name, (".parquet",))
            if path is not None and engine.register_parquet(f"raw_{name}", str(path)):
                relations[name] = f"raw_{name}"
        return engine, relations
    if "://" in source and not source.startswith("file://"):
        raise InputError(f"the {kind} engine reads a folder of table files or a .duckdb file, not "
                         f"{safe_url(source)}; for a database use --engine sql (or the default memory engine)")
    engine = DuckDBEngine(threads=options.pop("threads", None), memory_limit=options.pop("memory_limit", None))
    if Path(source).suffix.lower() in (".duckdb", ".ddb"):
        engine.execute(f"ATTACH {literal(source)} AS src (READ_ONLY)")
        found = engine.fetch("SELECT table_name FROM information_schema.tables WHERE table_catalog = 'src'")
        names = {str(n).lower(): str(n) for n in found.iloc[:, 0]}
        return engine, {name: f"src.{quote(names[name])}" for name in TABLES if name in names}
    relations = {}
    for name in TABLES:
        path = _table_path(source, name, (".parquet", ".csv"))
        if path is None:
            continue
        if path.suffix == ".csv":  # every value as text, typed by the schema (so 00123 stays 00123)
            relations[name] = f"read_csv({literal(str(path))}, all_varchar = true)"
        else:
            relations[name] = f"read_parquet({literal(str(path / '*.parquet' if path.is_dir() else path))})"
    return engine, relations


def _sql_tables(url: str, schema: Any) -> tuple[SQLEngine, dict[str, str]]:
    """Connect to the database and list its tables; every failure is one line naming its cause.

    Raises
    ------
    ValueError
        For a URL or schema the engine cannot use (SQLite, a missing schema, no driver).
    ConnectionError
        When the database cannot be reached or refuses the login.
    """
    if schema is not None and not isinstance(schema, str):
        raise InputError(f"engine_options.schema must be a schema name, got {schema!r}")
    try:
        engine = SQLEngine(url, schema=schema)
    except ValueError:
        raise
    except Exception as err:  # no driver, malformed URL
        raise InputError(f"{safe_url(url)}: cannot use the database: {first_line(err)}") from None
    if engine.name == "sqlite":
        engine.close()
        raise InputError(f"{safe_url(url)}: the sql engine cannot roll up SQLite (it has no date truncation); "
                         "leave out --engine sql: the default memory engine reads SQLite databases")
    try:
        import sqlalchemy as sa

        if schema is not None and schema not in (schemas := sa.inspect(engine.engine).get_schema_names()):
            raise InputError(f"{safe_url(url)}: schema {schema!r} (engine_options.schema) not found; "
                             f"schemas: {', '.join(schemas)}")
        return engine, engine.table_names()
    except ValueError:
        engine.close()
        raise
    except Exception as err:  # server down, bad credentials, no permission
        engine.close()
        raise ConnectionError(f"{safe_url(url)}: cannot connect to the database: {first_line(err)}") from None


def _without_control_characters(
    engine: Engine, relations: dict[str, str], labels: dict[str, str], source: str, *, validate: bool
) -> tuple[dict[str, str], list[str], dict[str, set[str]]]:
    """The raw relations with control characters removed from the text that holds any, and a warning per column.

    Also, per table, the columns already in typed form (read as they are; see
    :func:`~partner_analytics.engine.checks.scan_text`); none when not validating.

    As the in-memory path does (:func:`partner_analytics.validate.strip_control_characters`), so both give
    the same names, codes and ids. Only the columns found holding control characters are cleaned, so clean
    data costs one scan at validation and nothing after it; unvalidated, every text column of the schema is
    cleaned. Text longer than the cell limit is an error, as in memory.

    Raises
    ------
    ProgramDataError
        For text longer than :func:`~partner_analytics.limits.input_limits` allows.
    """
    if validate:
        problems, warnings, dirty, plain = scan_text(engine, relations, labels,
                                                     max_chars=input_limits().max_cell_chars)
        if problems:
            raise ProgramDataError(problems, source)
    else:
        texts = {name: {c.name for c in TABLES[name].columns if c.kind not in SQL_TYPES} for name in relations}
        warnings, plain = [], {}
        dirty = {name: {c for c in engine.columns(relation) if str(c).lower() in texts[name]}
                 for name, relation in relations.items()}
    pattern = literal(CONTROL_CHARACTERS)
    cleaned = dict(relations)
    for name, columns in dirty.items():
        if columns:
            parts = [f"REGEXP_REPLACE(CAST({quote(c)} AS VARCHAR), {pattern}, '', 'g') AS {quote(c)}" if c in columns
                     else quote(c) for c in engine.columns(relations[name])]
            cleaned[name] = f"(SELECT {', '.join(parts)} FROM {relations[name]}) AS cleaned"
    return cleaned, warnings, plain


def _label(name: str, relation: str) -> str:
    """How messages name a table: its file name, or ``table <name>``."""
    if relation.startswith(("read_parquet('", "read_csv('")):
        path = Path(relation.split("'")[1])
        return path.parent.name if path.name == "*.parquet" else path.name
    return f"table {name}"


def _table_path(source: str, name: str, suffixes: tuple[str, ...]) -> Path | None:
    """The local file (or folder of Parquet parts) holding table ``name``: ``<name>.<suffix>`` or ``<name>/``."""
    folder = Path(source.removeprefix("file://"))
    candidates = [folder / f"{name}{suffix}" for suffix in suffixes] + [folder / name]
    return next((path for path in candidates if path.exists()), None)


def open_program(source: str | Path, *, engine: str = "duckdb", validate: bool = True, **options: Any) -> EngineProgram:
    """Open a program on an engine, without reading its rows into pandas.

    Parameters
    ----------
    source
        ``duckdb``: a folder with one ``<table>.parquet`` (a file or a folder
        of parts) or ``<table>.csv`` per table, or a ``.duckdb`` database.
        ``spark``: a folder or storage URI (``s3a://``, ``abfss://``,
        ``hdfs://``) with one ``<table>.parquet`` per table.
        ``sql``: a SQLAlchemy URL such as ``postgresql+psycopg://user@host/db``.
    engine
        One of :data:`ENGINES`.
    validate
        Run the schema and cross-table checks in the engine (default). Turn
        off only for data that a previous run has just validated.
    **options
        Engine settings: ``threads`` and ``memory_limit`` (DuckDB),
        ``master`` (default: ``spark-submit``'s, else ``local[*]``) and
        ``conf`` (Spark), ``schema`` (SQL).

    Returns
    -------
    EngineProgram

    Raises
    ------
    ProgramDataError
        Listing every problem found (table, column, count and example values).
    ValueError
        For an unknown engine or option.

    Examples
    --------
    >>> import partner_analytics as pa
    >>> from partner_analytics.sample import write_sample
    >>> import tempfile
    >>> folder = tempfile.mkdtemp()
    >>> _ = write_sample(folder, n_partners=20)
    >>> with open_program(folder) as program:
    ...     facts = pa.rollup(program)
    >>> len(facts.partners)
    20
    """
    if engine not in ENGINES:
        raise InputError(f"engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    source, options = str(source), dict(options)
    if engine != "sql" and "://" not in source and not Path(source).exists():
        raise ProgramDataError([Problem(source, "no such file or folder")], source)
    connection, relations = _engine(engine, source, options)
    if options:
        connection.close()
        raise InputError(f"unknown {engine} option(s): {', '.join(sorted(options))}")
    label = safe_url(source)
    labels = {name: _label(name, relation) for name, relation in relations.items()}
    try:
        empty = {name for name, relation in relations.items() if TABLES[name].optional
                 and connection.fetch(f"SELECT COUNT(*) AS n FROM {relation}")["n"].iloc[0] == 0}
        relations = {name: relation for name, relation in relations.items() if name not in empty}
        relations, cleaned, plain = _without_control_characters(connection, relations, labels, label,
                                                                validate=validate)
        columns = {name: [str(c).lower() for c in connection.columns(relation)] for name, relation in relations.items()}
        for name in TABLES:  # typed views; absent optional tables are empty, with schema columns
            present = set(columns.get(name, ()))
            as_is = plain.get(name, set())
            typed = ", ".join(typed_column(c, c.name in present, c.name in as_is) for c in TABLES[name].columns)
            connection.define(name, f"SELECT {typed} FROM {relations[name]}" if name in relations
                              else f"SELECT {typed} WHERE 1 = 0")
        problems, warnings = check_tables(connection, relations, columns, labels, validate=validate, plain=plain)
        if problems:
            raise ProgramDataError(problems, label)
        warnings = cleaned + warnings
        warnings += [f"{labels[name]}: the table is empty; it is treated as not supplied" for name in sorted(empty)]
    except BaseException:
        connection.close()
        raise
    return EngineProgram(connection, label, frozenset(relations), tuple(warnings))
