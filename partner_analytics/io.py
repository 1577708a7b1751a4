"""Read program tables from files and return a validated :class:`Program`.

Supported sources
-----------------
* a **folder** holding one file per table, named after the table:
  ``partners.csv``, ``deals.parquet``, ``targets.xlsx``, ... (CSV, Parquet or
  Excel; formats may be mixed);
* an **Excel workbook** (``.xlsx``) with one sheet per table, named after the
  table;
* a **DuckDB file** (``.duckdb``) or a **SQL database** (a SQLAlchemy URL such as
  ``postgresql+psycopg://user@host/db``) with tables named after the program tables;
* ``"sample"``: the embedded sample program.

Any of these (except ``"sample"``) may use its own table and column names when a
column mapping is given (``mapping=``; see :mod:`partner_analytics.mapping`).

Text files are read as UTF-8 (a byte-order mark is accepted); every value is
read as text first and parsed by the schema, so ``00123`` stays ``00123`` and
an unparseable value is reported with its row instead of silently becoming
missing.
"""

from __future__ import annotations

import io as _io
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from .errors import Problem, ProgramDataError
from .program import Program, build_program
from .schema import TABLES

if TYPE_CHECKING:  # the mapping and SQL sources load DuckDB, so they are imported only when used
    from .engine.program import EngineProgram
    from .mapping import Mapping

__all__ = ["load_program", "open_source", "read_table_file", "source_description", "SUFFIXES", "DUCKDB_SUFFIXES"]

SUFFIXES = (".csv", ".parquet", ".xlsx")
"""File types a folder source may use, per table."""

DUCKDB_SUFFIXES = (".duckdb", ".ddb")
"""File types read as a DuckDB database."""


def load_program(
    source: str | Path = "sample",
    *,
    mapping: str | Path | Mapping | None = None,
    encoding: str = "utf-8",
) -> Program:
    """Load and validate a partner program.

    Parameters
    ----------
    source
        A folder of table files, an ``.xlsx`` workbook, a DuckDB file
        (``.duckdb``), a SQLAlchemy database URL (``postgresql+psycopg://user@host/db``),
        or ``"sample"`` for the embedded sample program.
    mapping
        A column-mapping YAML file (or a parsed :class:`~partner_analytics.mapping.Mapping`)
        saying how the source's own tables and columns become program tables.
        Without it, tables must be named and shaped like the program tables.
    encoding
        Encoding of CSV files (default UTF-8; a byte-order mark is accepted).

    Returns
    -------
    Program
        Validated and immutable.

    Raises
    ------
    ProgramDataError
        Listing every problem, each naming the file, the column and example
        rows (header = row 1). Problems in the mapping itself name the mapping
        file and the key path.

    Examples
    --------
    >>> program = load_program("sample")
    >>> sorted(program.summary().query("supplied").table)
    ['deals', 'engagement', 'mdf', 'partners', 'surveys', 'targets']
    """
    if str(source) == "sample":
        from .sample import sample_dir

        source = sample_dir()
    if mapping is not None:
        return _load_mapped(source, mapping, encoding)
    if _is_url(source):
        return _load_catalog(source, encoding)
    path = Path(source)
    if path.is_dir():
        frames, files = _read_folder(path, encoding)
    elif path.suffix.lower() == ".xlsx" and path.is_file():
        frames, files = _read_workbook(path)
    elif path.suffix.lower() in DUCKDB_SUFFIXES and path.is_file():
        return _load_catalog(path, encoding)
    elif not path.exists():
        raise ProgramDataError([Problem(str(path), "no such file or folder")], str(path))
    else:
        raise ProgramDataError(
            [Problem(path.name, "unsupported source: give a folder of table files, an .xlsx workbook, "
                                "a .duckdb file or a database URL")],
            str(path),
        )
    return build_program(frames, files=files, source=str(path))


def open_source(
    source: str | Path = "sample",
    *,
    engine: str = "memory",
    mapping: str | Path | None = None,
    encoding: str = "utf-8",
    options: dict | None = None,
) -> Program | EngineProgram:
    """Open a program in memory or on an engine, as ``reporting.engine`` says.

    Parameters
    ----------
    source
        As for :func:`load_program` (``memory``) or
        :func:`~partner_analytics.engine.open_program` (the other engines).
    engine
        ``memory`` (default): load and validate in pandas with
        :func:`load_program`. ``duckdb``, ``spark`` or ``sql``: leave the data
        where it is (:func:`~partner_analytics.engine.open_program`); close
        the returned program when done.
    mapping, encoding
        For the ``memory`` engine only.
    options
        Engine settings (``reporting.engine_options``).

    Returns
    -------
    Program or EngineProgram
        Both are accepted by :func:`~partner_analytics.rollup` and the reports.
    """
    if _is_url(source):
        from .sqltext import check_url

        check_url(str(source))
    if engine == "memory":
        if options:
            raise ValueError(f"engine options {sorted(options)} need an engine other than memory")
        return load_program(source, mapping=mapping, encoding=encoding)
    if mapping is not None:
        raise ValueError(f"a column mapping needs the memory engine, not {engine}")
    from .engine.program import open_program

    return open_program(source, engine=engine, **dict(options or {}))


def _load_catalog(source: str | Path, encoding: str) -> Program:
    """Read the tables named like program tables from a DuckDB file or a SQL database."""
    from .sources import open_catalog

    catalog = open_catalog(source, encoding=encoding)
    try:
        present = [name for name in TABLES if catalog.has(name)]
        missing = [name for name in TABLES if not TABLES[name].optional and name not in present]
        if missing:
            raise ProgramDataError(
                [Problem(catalog.source, f"required table '{name}' not found (tables: "
                                         f"{', '.join(catalog.names()) or 'none'}); name it so or give a mapping")
                 for name in missing],
                catalog.source,
            )
        frames = {name: catalog.frame(name) for name in present}
        files = {name: catalog.label(name) for name in present}
    finally:
        getattr(catalog, "close", lambda: None)()
        catalog.con.close()
    return build_program(frames, files=files, source=catalog.source)


def _load_mapped(source: str | Path, mapping: str | Path | Mapping, encoding: str) -> Program:
    """Apply a column mapping to the source's tables, then validate as usual."""
    from .mapping import Mapping, map_source, read_mapping

    spec = mapping if isinstance(mapping, Mapping) else read_mapping(mapping)
    mapped = map_source(source, spec, encoding=encoding)
    described = f"{source_description(source)} (mapping {spec.file})"
    try:
        return build_program(mapped.frames, files=mapped.files, source=described)
    except ProgramDataError as err:
        raise mapped.explain(err) from None


def source_description(source: str | Path) -> str:
    """How messages name a source (database URLs without their password)."""
    from .sqltext import safe_url

    return safe_url(str(source)) if _is_url(source) else str(source)


def _is_url(source: str | Path) -> bool:
    return isinstance(source, str) and "://" in source


def _read_folder(folder: Path, encoding: str) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    frames: dict[str, pd.DataFrame] = {}
    files: dict[str, str] = {}
    problems: list[Problem] = []
    for name, table in TABLES.items():
        candidates = [folder / f"{name}{suffix}" for suffix in SUFFIXES if (folder / f"{name}{suffix}").is_file()]
        if len(candidates) > 1:
            problems.append(Problem(name, f"more than one file for this table: {', '.join(p.name for p in candidates)}"))
            continue
        if not candidates:
            if not table.optional:
                expected = " or ".join(f"{name}{s}" for s in SUFFIXES)
                problems.append(Problem(f"{name}{SUFFIXES[0]}", f"required file not found in {folder} (expected {expected})"))
            continue
        path = candidates[0]
        files[name] = path.name
        try:
            frames[name] = read_table_file(path, encoding=encoding)
        except ProgramDataError as err:
            problems += err.problems
    if problems:
        raise ProgramDataError(problems, str(folder))
    return frames, files


def _read_workbook(path: Path) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    check_file_size(path)
    sheets = pd.read_excel(path, sheet_name=None, dtype=object)
    frames = {name: sheets[name] for name in TABLES if name in sheets}
    files = {name: f"{path.name}[{name}]" for name in frames}
    missing = [name for name, t in TABLES.items() if not t.optional and name not in sheets]
    if missing:
        raise ProgramDataError(
            [Problem(f"{path.name}[{name}]", f"required sheet '{name}' not found (sheets: {', '.join(sheets)})")
             for name in missing],
            str(path),
        )
    return frames, files


def check_file_size(path: Path) -> None:
    """Refuse a file larger than :func:`~partner_analytics.limits.input_limits` allows.

    Raises
    ------
    ProgramDataError
        Naming the file, its size, the limit and how to raise it.
    """
    from .limits import FILE_MB_VARIABLE, input_limits

    limit = input_limits().max_file_mb
    size = path.stat().st_size / 1e6
    if size > limit:
        raise ProgramDataError([Problem(path.name, f"is {size:,.0f} MB, more than the limit of {limit:,g} MB "
                                                   f"(set {FILE_MB_VARIABLE} to raise it, or use an engine: "
                                                   "--engine duckdb reads large files in place)")], str(path))


def read_table_file(path: str | Path, *, encoding: str = "utf-8") -> pd.DataFrame:
    """Read one table file as raw values (text for CSV), without validation.

    Parameters
    ----------
    path
        A ``.csv``, ``.parquet`` or ``.xlsx`` file (first sheet).
    encoding
        Encoding of a CSV file.

    Returns
    -------
    DataFrame
        Raw values; CSV cells are strings and blank cells are ``NaN``.

    Raises
    ------
    ProgramDataError
        If the file is empty, not valid in its encoding, or unreadable.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    check_file_size(path)
    try:
        if suffix == ".csv":
            return _read_csv(path, encoding)
        if suffix == ".parquet":
            return pd.read_parquet(path)
        if suffix == ".xlsx":
            return pd.read_excel(path, dtype=object)
    except ProgramDataError:
        raise
    except Exception as err:  # a corrupt file: report it as data, not as a crash
        raise ProgramDataError([Problem(path.name, f"cannot be read: {err}")], str(path)) from err
    raise ProgramDataError([Problem(path.name, f"unsupported file type {suffix!r}")], str(path))


def _read_csv(path: Path, encoding: str) -> pd.DataFrame:
    data = path.read_bytes()
    codec = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise ProgramDataError(
            [Problem(path.name, f"is not valid {encoding} text (byte 0x{data[err.start]:02x} on line {line}); "
                                f"save it as UTF-8 or pass the file's encoding")],
            str(path),
        ) from None
    if not text.strip():
        raise ProgramDataError([Problem(path.name, "the file is empty (no header row)")], str(path))
    return pd.read_csv(_io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""], skipinitialspace=True)
