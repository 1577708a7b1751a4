"""Source tables as DuckDB relations: files in a folder, sheets of a workbook, a DuckDB file, a SQL database.

A :class:`Catalog` knows which tables a source offers and registers the ones
asked for in an in-memory DuckDB connection, under the name asked for, so
that the column mapping (``mapping.py``) runs the same SQL on every kind of
source. Every registered relation carries a ``__row`` column: the row's line
number in its file (header = row 1), used to point error messages at the
source rows.

* **Folder**: ``name`` is ``name.csv``, ``name.parquet`` or ``name.xlsx``
  (or a file name given in the mapping's ``sources``). CSV and Excel files are
  read as text, exactly as :func:`partner_analytics.loading.files.read_table_file` reads
  them; Parquet files keep their types (read by DuckDB, so 60k rows take
  milliseconds).
* **Workbook** (``.xlsx``): one table per sheet.
* **DuckDB file** (``.duckdb``/``.ddb``): attached read-only and queried in place.
* **SQL database** (a SQLAlchemy URL such as ``postgresql+psycopg://user@host/db``):
  each table is read with one ``SELECT`` of the columns the mapping can use.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import duckdb
import pandas as pd

from ..errors import Problem, ProgramDataError
from ..sqltext import literal, quote, safe_url
from .files import DUCKDB_SUFFIXES, read_table_file

__all__ = ["Catalog", "open_catalog", "is_database_url"]

_FILE_SUFFIXES = (".csv", ".parquet", ".xlsx")
ROW = "__row"
"""Name of the row-number column every registered relation carries."""


def is_database_url(source: str | Path) -> bool:
    """True for a SQLAlchemy URL such as ``postgresql+psycopg://...`` or ``sqlite:///file.db``.

    Examples
    --------
    >>> is_database_url("postgresql+psycopg://me@localhost/crm"), is_database_url("data/crm")
    (True, False)
    """
    return isinstance(source, str) and re.match(r"^[a-z][a-z0-9+]*://", source) is not None


class Catalog:
    """The tables of one source, registered on demand in a DuckDB connection.

    Subclasses implement :meth:`names`, :meth:`_locate` and :meth:`_register`.
    """

    description = "source"

    def __init__(self, source: str, aliases: dict[str, str] | None = None) -> None:
        self.source = source
        self.aliases = dict(aliases or {})
        self.con = duckdb.connect()
        self._columns: dict[str, list[str]] = {}
        self._labels: dict[str, str] = {}

    def names(self) -> list[str]:
        """Names of the tables the source offers (for messages)."""
        raise NotImplementedError

    def has(self, name: str) -> bool:
        """True if the source offers table ``name``."""
        return self._locate(name) is not None

    def label(self, name: str) -> str:
        """How messages name table ``name`` (a file name, ``book.xlsx[sheet]``, ``table x``)."""
        return self._labels.get(name, name)

    def columns(self, name: str) -> list[str]:
        """Columns of a registered table, without ``__row``."""
        return [c for c in self._columns[name] if c != ROW]

    def register(self, name: str, *, wanted: Callable[[list[str]], list[str]] | None = None) -> list[str]:
        """Make table ``name`` queryable as ``"name"``; return its columns.

        Parameters
        ----------
        name
            A table name of this source (see :meth:`names`).
        wanted
            Given the table's columns, the ones that will be used; sources that
            copy data (SQL databases) read only those. Default: all.

        Raises
        ------
        ProgramDataError
            If the source has no such table or it cannot be read.
        """
        if name not in self._columns:
            where = self._locate(name)
            if where is None:
                raise ProgramDataError([Problem(self.source, self._not_found(name))], self.source)
            self._register(name, where, wanted)
            self._columns[name] = list(self.con.sql(f"SELECT * FROM {quote(name)} LIMIT 0").columns)
        return self.columns(name)

    def frame(self, name: str) -> pd.DataFrame:
        """All rows of table ``name`` as a frame (without ``__row``)."""
        self.register(name)
        return self.con.sql(f"SELECT * EXCLUDE ({ROW}) FROM {quote(name)} ORDER BY {ROW}").df()

    def register_frame(self, name: str, frame: pd.DataFrame) -> None:
        """Register a pandas frame as relation ``name``, numbering its rows from 2."""
        self.con.register(name, frame.assign(**{ROW: range(2, len(frame) + 2)}))

    def _not_found(self, name: str) -> str:
        available = ", ".join(self.names()) or "none"
        if name in self.aliases:
            return f"{self.description} '{self.aliases[name]}' (source '{name}') not found (tables: {available})"
        return f"no {self.description} '{name}' (tables: {available})"

    def _locate(self, name: str) -> object | None:
        raise NotImplementedError

    def _register(self, name: str, where: object, wanted: Callable[[list[str]], list[str]] | None) -> None:
        raise NotImplementedError


class FolderCatalog(Catalog):
    """CSV, Parquet and Excel files in a folder, one table per file."""

    description = "file for"

    def __init__(self, folder: Path, aliases: dict[str, str] | None = None, *, encoding: str = "utf-8") -> None:
        super().__init__(str(folder), aliases)
        self.folder, self.encoding = folder, encoding

    def names(self) -> list[str]:
        files = sorted(p.stem for p in self.folder.iterdir() if p.suffix.lower() in _FILE_SUFFIXES)
        return sorted(set(files) | set(self.aliases))

    def _locate(self, name: str) -> Path | None:
        if name in self.aliases:
            path = self.folder / self.aliases[name]
            return path if path.is_file() else None
        if Path(name).suffix.lower() in _FILE_SUFFIXES and (self.folder / name).is_file():
            return self.folder / name
        found = [self.folder / f"{name}{s}" for s in _FILE_SUFFIXES if (self.folder / f"{name}{s}").is_file()]
        if len(found) > 1:
            raise ProgramDataError(
                [Problem(name, f"more than one file for this table: {', '.join(p.name for p in found)}")], self.source
            )
        return found[0] if found else None

    def _not_found(self, name: str) -> str:
        if name in self.aliases:
            return f"file '{self.aliases[name]}' (source '{name}') not found in {self.folder}"
        return (f"no file for source table '{name}' in {self.folder} (expected {name}.csv, .parquet or .xlsx; "
                f"files: {', '.join(self.names()) or 'none'})")

    def _register(self, name: str, where: object, wanted: Callable[[list[str]], list[str]] | None) -> None:
        path = Path(str(where))
        self._labels[name] = path.name
        if path.suffix.lower() == ".parquet":
            try:
                self.con.execute(
                    f"CREATE TEMP VIEW {quote(name)} AS SELECT * EXCLUDE (file_row_number), "
                    f"file_row_number + 2 AS {ROW} FROM read_parquet({literal(str(path))}, file_row_number = true)"
                )
            except duckdb.Error as err:
                raise ProgramDataError([Problem(path.name, f"cannot be read: {err}")], str(path)) from err
        else:
            self.register_frame(name, read_table_file(path, encoding=self.encoding))


class WorkbookCatalog(Catalog):
    """The sheets of an Excel workbook, one table per sheet (read as raw values)."""

    description = "sheet"

    def __init__(self, path: Path, aliases: dict[str, str] | None = None) -> None:
        super().__init__(str(path), aliases)
        self.path = path
        try:
            self.sheets = pd.read_excel(path, sheet_name=None, dtype=object)
        except Exception as err:  # a corrupt workbook is a data problem
            raise ProgramDataError([Problem(path.name, f"cannot be read: {err}")], str(path)) from err

    def names(self) -> list[str]:
        return list(self.sheets)

    def _locate(self, name: str) -> str | None:
        sheet = self.aliases.get(name, name)
        return sheet if sheet in self.sheets else None

    def _register(self, name: str, where: object, wanted: Callable[[list[str]], list[str]] | None) -> None:
        self._labels[name] = f"{self.path.name}[{where}]"
        sheet = self.sheets[str(where)]
        text = sheet.astype("str").where(sheet.notna())  # mixed cells as text, like a CSV file
        self.register_frame(name, text)


class DuckDBCatalog(Catalog):
    """Tables (and views) of a DuckDB database file, queried in place (read-only)."""

    description = "table"

    def __init__(self, path: Path, aliases: dict[str, str] | None = None) -> None:
        super().__init__(str(path), aliases)
        self.path = path
        try:
            self.con.execute(f"ATTACH {literal(str(path))} AS src (READ_ONLY)")
        except duckdb.Error as err:
            raise ProgramDataError([Problem(path.name, f"cannot be opened as a DuckDB database: {err}")],
                                   str(path)) from err
        rows = self.con.sql(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = 'src' UNION ALL "
            "SELECT schema_name, view_name FROM duckdb_views() WHERE database_name = 'src' AND NOT internal"
        ).fetchall()
        self._tables = {(t if s == "main" else f"{s}.{t}"): (s, t) for s, t in rows}

    def names(self) -> list[str]:
        return sorted(self._tables)

    def _locate(self, name: str) -> tuple[str, str] | None:
        return _find(self._tables, self.aliases.get(name, name))

    def _register(self, name: str, where: object, wanted: Callable[[list[str]], list[str]] | None) -> None:
        schema, table = where  # type: ignore[misc]
        self._labels[name] = f"table {table}" if schema == "main" else f"table {schema}.{table}"
        self.con.execute(
            f"CREATE TEMP VIEW {quote(name)} AS SELECT *, row_number() OVER () + 1 AS {ROW} "
            f"FROM src.{quote(schema)}.{quote(table)}"
        )


class SQLCatalog(Catalog):
    """Tables of a SQL database reached through SQLAlchemy; only the wanted columns are read.

    A SQL table has no row order, so rows are read sorted by all the columns read:
    the same data always loads in the same order (and so with the same fingerprint).
    """

    description = "table"

    def __init__(self, url: str, aliases: dict[str, str] | None = None) -> None:
        import sqlalchemy as sa

        super().__init__(safe_url(url), aliases)
        try:
            self.engine = sa.create_engine(url)
            inspector = sa.inspect(self.engine)
            default = inspector.default_schema_name
            self._tables = {}
            for schema in inspector.get_schema_names():
                if schema in ("information_schema", "pg_catalog"):
                    continue
                for table in [*inspector.get_table_names(schema=schema), *inspector.get_view_names(schema=schema)]:
                    self._tables[table if schema == default else f"{schema}.{table}"] = (schema, table)
        except Exception as err:  # no driver, wrong URL, server down: say so plainly, in one line
            raise ConnectionError(f"{self.source}: cannot connect to the database: {_first_line(err)}") from None

    def names(self) -> list[str]:
        return sorted(self._tables)

    def _locate(self, name: str) -> tuple[str, str] | None:
        return _find(self._tables, self.aliases.get(name, name))

    def _register(self, name: str, where: object, wanted: Callable[[list[str]], list[str]] | None) -> None:
        import sqlalchemy as sa

        schema, table = where  # type: ignore[misc]
        self._labels[name] = f"table {table}"
        try:
            reflected = sa.Table(table, sa.MetaData(), schema=schema, autoload_with=self.engine)
            columns = [c.name for c in reflected.columns]
            keep = set(wanted(columns)) if wanted else set(columns)
            chosen = [reflected.c[c] for c in columns if c in keep] or [sa.literal(1).label("_none")]
            query = sa.select(*chosen).order_by(*chosen)  # tables have no row order: make one, the same each time
            with self.engine.connect() as connection:
                frame = pd.read_sql(query, connection)
        except Exception as err:
            raise ProgramDataError([Problem(f"table {table}", f"cannot be read: {_first_line(err)}")],
                                   self.source) from err
        self.register_frame(name, frame)

    def close(self) -> None:
        """Release the database connections."""
        self.engine.dispose()


def _find(tables: dict[str, tuple[str, str]], name: str) -> tuple[str, str] | None:
    """Look a table up by exact name, then ignoring case (databases fold unquoted names)."""
    if name in tables:
        return tables[name]
    folded = [key for key in tables if key.lower() == name.lower()]
    return tables[folded[0]] if len(folded) == 1 else None


def _first_line(err: Exception) -> str:
    from ..sqltext import first_line

    return first_line(err)


def open_catalog(source: str | Path, *, aliases: dict[str, str] | None = None, encoding: str = "utf-8") -> Catalog:
    """Open a source of tables: a folder, an ``.xlsx`` workbook, a DuckDB file or a database URL.

    Parameters
    ----------
    source
        Where the tables are.
    aliases
        Table name → file name (folder), sheet name (workbook) or table name
        (databases), from a mapping's ``sources`` section.
    encoding
        Encoding of CSV files in a folder.

    Returns
    -------
    Catalog

    Raises
    ------
    ProgramDataError
        If the source does not exist, cannot be opened or is of an unsupported kind.
    """
    if is_database_url(source):
        if str(source).startswith("duckdb:///"):
            return DuckDBCatalog(Path(str(source).removeprefix("duckdb:///")), aliases)
        return SQLCatalog(str(source), aliases)
    path = Path(source)
    if path.is_dir():
        return FolderCatalog(path, aliases, encoding=encoding)
    if not path.exists():
        raise ProgramDataError([Problem(str(path), "no such file or folder")], str(path))
    if path.suffix.lower() == ".xlsx":
        return WorkbookCatalog(path, aliases)
    if path.suffix.lower() in DUCKDB_SUFFIXES:
        return DuckDBCatalog(path, aliases)
    raise ProgramDataError(
        [Problem(path.name, "unsupported source: give a folder of table files, an .xlsx workbook, "
                            "a .duckdb file or a database URL")],
        str(path),
    )
