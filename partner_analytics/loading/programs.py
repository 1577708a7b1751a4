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

from pathlib import Path
from typing import TYPE_CHECKING


from ..errors import InputError, Problem, ProgramDataError
from ..program import Program, build_program
from ..schema import TABLES
from .files import DUCKDB_SUFFIXES, read_folder, read_workbook

if TYPE_CHECKING:  # the mapping and SQL sources load DuckDB, so they are imported only when used
    from ..engine.program import EngineProgram
    from .mapping import Mapping

__all__ = ["load_program", "open_source", "source_description"]


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
        A column-mapping YAML file (or a parsed :class:`~partner_analytics.loading.mapping.Mapping`)
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
        from ..sample import sample_dir

        source = sample_dir()
    if mapping is not None:
        return _load_mapped(source, mapping, encoding)
    if _is_url(source):
        return _load_catalog(source, encoding)
    path = Path(source)
    if path.is_dir():
        frames, files = read_folder(path, encoding)
    elif path.suffix.lower() == ".xlsx" and path.is_file():
        frames, files = read_workbook(path)
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
        from ..sqltext import check_url

        check_url(str(source))
    if engine == "memory":
        if options:
            raise InputError(f"engine options {sorted(options)} need an engine other than memory")
        return load_program(source, mapping=mapping, encoding=encoding)
    if mapping is not None:
        raise InputError(f"a column mapping needs the memory engine, not {engine}")
    from ..engine.program import open_program

    return open_program(source, engine=engine, **dict(options or {}))


def _load_catalog(source: str | Path, encoding: str) -> Program:
    """Read the tables named like program tables from a DuckDB file or a SQL database."""
    from .catalogs import open_catalog

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
    from ..sqltext import safe_url

    return safe_url(str(source)) if _is_url(source) else str(source)


def _is_url(source: str | Path) -> bool:
    return isinstance(source, str) and "://" in source
