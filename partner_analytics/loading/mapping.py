"""Column mapping: load CRM/PRM exports and databases that use their own names.

A mapping is a YAML file that says, for each program table, which source
table(s) it comes from and how each column is obtained. It is turned into one
DuckDB ``SELECT`` per table over the source tables (see ``catalogs.py``), so
joins, filters, grouping and expressions behave the same on a folder of
files, a DuckDB file and a SQL database. The result is validated like any
other program, and data errors name the source file and its rows.

Format (every key but ``from`` and ``columns`` is optional)::

    sources:                       # source table name -> file / sheet / table, when they differ
      pipeline: sales_pipeline.csv
    views:                         # helper tables, defined like program tables, any column names
      book: {from: orders, group_by: rep, columns: {rep: rep, total: {expr: "sum(amount)"}}}
    deals:                         # a program table: partners, deals, targets, engagement, ...
      from: pipeline               # a source table or a view
      join:                        # more tables: using (same-named keys) or on (an SQL condition)
        - {table: products, using: product, how: left}      # how: inner (default) or left
      filter: "deal_stage <> 'Prospecting'"                 # SQL conditions, a list is ANDed
      group_by: [order_no]         # one row per group; columns are then aggregates or group keys
      columns:                     # program column -> source column | {constant: v} | {expr: SQL}
        deal_id: opportunity_id
        attribution: {constant: sourced}
        amount: {expr: "sum(line_amount)"}
      values:                      # value mappings per program column (others pass unchanged)
        stage: {Won: won, Lost: lost, Engaging: open}
      date_format:                 # strptime formats per program column (one or a list)
        created_on: "%d/%m/%Y"

Plain scalars are read as text (``yes`` stays ``yes``, ``007`` stays ``007``);
``~`` or ``null`` is a blank value. A program table the mapping does not name
is read as is when the source has a table of that name.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping as MappingABC
from dataclasses import dataclass, field, replace
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import yaml

from ..errors import Problem, ProgramDataError
from .mapping_sql import Query, build_query, error_text, find_culprits
from ..schema import REQUIRED_TABLES, TABLES
from .catalogs import ROW, Catalog, open_catalog
from ..sqltext import quote

__all__ = ["Mapping", "TableSpec", "Join", "MappingError", "MappedTables", "read_mapping", "parse_mapping",
           "map_source"]

TABLE_KEYS = ("from", "join", "filter", "group_by", "columns", "values", "date_format")
JOIN_KEYS = ("table", "using", "on", "how")
TOP_KEYS = ("sources", "views", *TABLES)


class MappingError(ProgramDataError):
    """The mapping file itself is wrong; ``problems`` name the file and the key path."""

    def __init__(self, problems: list[Problem], source: str = "") -> None:
        super().__init__(problems, source)
        count = len(self.problems)
        lines = [f"{count} problem{'s' if count != 1 else ''} found in the column mapping:"]
        self.args = ("\n".join(lines + [f"  - {p}" for p in self.problems]),)


@dataclass(frozen=True)
class Join:
    """One joined table: ``using`` same-named key columns, or an SQL ``on`` condition."""

    table: str
    using: tuple[str, ...] = ()
    on: str | None = None
    how: str = "inner"


@dataclass(frozen=True)
class TableSpec:
    """How one program table (or helper view) is built from source tables."""

    name: str
    key: str
    source: str
    joins: tuple[Join, ...] = ()
    filters: tuple[str, ...] = ()
    group_by: tuple[str, ...] = ()
    columns: dict[str, tuple[str, str | None]] = field(default_factory=dict)
    values: dict[str, dict[str | None, str | None]] = field(default_factory=dict)
    date_formats: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def relations(self) -> list[str]:
        """The source tables or views it reads, ``from`` first."""
        return [self.source, *(j.table for j in self.joins)]


@dataclass(frozen=True)
class Mapping:
    """A parsed, structurally checked column mapping (see the module docstring)."""

    file: str
    sources: dict[str, str]
    views: dict[str, TableSpec]
    tables: dict[str, TableSpec]
    text: str = ""


class _TextLoader(yaml.SafeLoader):
    """YAML loader that keeps every scalar as text except null (``~``, ``null``, empty) and rejects repeated keys."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict:
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"key '{key}' appears twice", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


_TextLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag == "tag:yaml.org,2002:null"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def read_mapping(path: str | Path) -> Mapping:
    """Read and check a mapping file.

    Parameters
    ----------
    path
        A YAML mapping file (format in the module docstring).

    Returns
    -------
    Mapping

    Raises
    ------
    MappingError
        Every problem found, each naming the file and the key path
        (e.g. ``deals.columns.amount``).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.load(text, Loader=_TextLoader)  # noqa: S506 - a SafeLoader subclass
    except OSError as err:
        raise MappingError([Problem(path.name, f"cannot be read: {err.strerror or err}")], str(path)) from None
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}: " if mark else ""
        raise MappingError([Problem(path.name, f"{where}not valid YAML: {getattr(err, 'problem', err)}")],
                           str(path)) from None
    return parse_mapping(data, file=path.name, text=text)


def parse_mapping(data: object, *, file: str = "mapping", text: str = "") -> Mapping:
    """Check a mapping given as plain data (what YAML gives) and build a :class:`Mapping`.

    Examples
    --------
    >>> m = parse_mapping({"partners": {"from": "accounts", "columns": {
    ...     "partner_id": "account", "partner_name": "account", "partner_type": {"constant": "reseller"},
    ...     "onboarded_on": {"constant": "2024-01-01"}}}})
    >>> m.tables["partners"].columns["partner_type"]
    ('constant', 'reseller')
    >>> parse_mapping({"deal": {}})
    Traceback (most recent call last):
    ...
    partner_analytics.loading.mapping.MappingError: 1 problem found in the column mapping:
      - mapping: deal: unknown key (did you mean 'deals'?); keys are sources, views, partners, deals, ...
    """
    parser = _Parser(file)
    mapping = parser.mapping(data, text or (yaml.safe_dump(data) if data else ""))
    if parser.problems:
        raise MappingError(parser.problems, file)
    return mapping


class _Parser:
    """Structural checks of a mapping; collects every problem with its key path."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []

    def fail(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.file, f"{key}: {message}" if key else message))

    def unknown(self, key: str, name: str, allowed: tuple[str, ...]) -> None:
        close = difflib.get_close_matches(name, allowed, n=1)
        hint = f" (did you mean '{close[0]}'?)" if close else ""
        shown = ", ".join(allowed[:4]) + (", ..." if len(allowed) > 4 else "")
        self.fail(key, f"unknown key{hint}; keys are {shown}")

    def dict_of(self, value: object, key: str) -> dict:
        if value is None:
            return {}
        if not isinstance(value, MappingABC):
            self.fail(key, f"expected a mapping of keys to values, got {_shown(value)}")
            return {}
        return dict(value)

    def texts(self, value: object, key: str) -> tuple[str, ...]:
        """A text or a list of texts."""
        items = value if isinstance(value, list) else [value]
        if value is None or not all(isinstance(v, str) and v.strip() for v in items):
            self.fail(key, f"expected a text or a list of texts, got {_shown(value)}")
            return ()
        return tuple(items)

    def mapping(self, data: object, text: str) -> Mapping:
        if not isinstance(data, MappingABC):
            self.fail("", f"the mapping must be a YAML mapping of table names, got {_shown(data)}")
            return Mapping(self.file, {}, {}, {}, text)
        for name in data:
            if name not in TOP_KEYS:
                self.unknown(str(name), str(name), TOP_KEYS)
        sources = self.dict_of(data.get("sources"), "sources")
        for name, target in sources.items():
            if not isinstance(target, str):
                self.fail(f"sources.{name}", f"expected a file or table name, got {_shown(target)}")
        views = {name: self.table(f"views.{name}", name, spec, None)
                 for name, spec in self.dict_of(data.get("views"), "views").items()}
        for name in views:
            if name in TABLES:
                self.fail(f"views.{name}", "a view cannot have the name of a program table")
        tables = {name: self.table(name, name, data[name], TABLES[name]) for name in TABLES if name in data}
        return Mapping(self.file, {str(k): str(v) for k, v in sources.items()}, views, tables, text)

    def table(self, key: str, name: str, data: object, schema: object) -> TableSpec:
        spec = self.dict_of(data, key)
        for item in spec:
            if item not in TABLE_KEYS:
                self.unknown(f"{key}.{item}", str(item), TABLE_KEYS)
        source = spec.get("from")
        if not isinstance(source, str) or not source.strip():
            self.fail(f"{key}.from", f"required: the source table to read, got {_shown(source)}")
            source = ""
        columns = {str(target): self.column(f"{key}.columns.{target}", value)
                   for target, value in self.dict_of(spec.get("columns"), f"{key}.columns").items()}
        if not columns and not isinstance(spec.get("columns"), list | str):
            self.fail(f"{key}.columns", "required: at least one column")
        if schema is not None:
            for target in columns:
                if target not in schema.column_names:
                    self.unknown(f"{key}.columns.{target}", target, tuple(schema.column_names))
            missing = [c.name for c in schema.columns if c.required and c.name not in columns]
            if missing and columns:
                self.fail(f"{key}.columns", f"required column{'s' if len(missing) > 1 else ''} "
                                            f"{', '.join(map(repr, missing))} not mapped")
        values = {}
        for target, table in self.dict_of(spec.get("values"), f"{key}.values").items():
            where = f"{key}.values.{target}"
            if target not in columns:
                self.fail(where, f"'{target}' is not one of this table's mapped columns")
            table = self.dict_of(table, where)
            if not all(isinstance(v, str | None) for v in [*table, *table.values()]):
                self.fail(where, "expected source value: program value pairs of texts")
            values[str(target)] = table
        formats = {}
        for target, fmt in self.dict_of(spec.get("date_format"), f"{key}.date_format").items():
            where = f"{key}.date_format.{target}"
            if target not in columns:
                self.fail(where, f"'{target}' is not one of this table's mapped columns")
            formats[str(target)] = self.texts(fmt, where)
            if not all("%" in f for f in formats[str(target)]):
                self.fail(where, "expected strptime formats such as '%d/%m/%Y'")
        return TableSpec(
            name=name, key=key, source=source,
            joins=self.joins(spec.get("join"), f"{key}.join"),
            filters=self.texts(spec["filter"], f"{key}.filter") if "filter" in spec else (),
            group_by=self.texts(spec["group_by"], f"{key}.group_by") if "group_by" in spec else (),
            columns=columns, values=values, date_formats=formats,
        )

    def column(self, key: str, value: object) -> tuple[str, str | None]:
        if isinstance(value, str) and value.strip():
            return ("column", value)
        if isinstance(value, MappingABC) and len(value) == 1 and next(iter(value)) in ("constant", "expr"):
            kind, content = next(iter(value.items()))
            if kind == "expr" and not (isinstance(content, str) and content.strip()):
                self.fail(key, "expr must be an SQL expression (DuckDB dialect)")
            if kind == "constant" and not isinstance(content, str | None):
                self.fail(key, f"constant must be a single value, got {_shown(content)}")
            return (kind, content)
        self.fail(key, f"expected a source column name, {{constant: value}} or {{expr: SQL}}, got {_shown(value)}")
        return ("constant", None)

    def joins(self, value: object, key: str) -> tuple[Join, ...]:
        if value is None:
            return ()
        items = value if isinstance(value, list) else [value]
        joins = []
        for i, item in enumerate(items):
            where = f"{key}[{i}]"
            spec = self.dict_of(item, where)
            for name in spec:
                if name not in JOIN_KEYS:
                    self.unknown(f"{where}.{name}", str(name), JOIN_KEYS)
            table = spec.get("table")
            if not isinstance(table, str) or not table:
                self.fail(f"{where}.table", f"required: the table to join, got {_shown(table)}")
            if ("using" in spec) == ("on" in spec):
                self.fail(where, "give exactly one of 'using' (key columns) or 'on' (an SQL condition)")
            using = self.texts(spec["using"], f"{where}.using") if "using" in spec else ()
            on = self.texts(spec["on"], f"{where}.on")[0:1] if "on" in spec else ()
            how = spec.get("how", "inner")
            if how not in ("inner", "left"):
                self.fail(f"{where}.how", f"must be 'inner' or 'left', got {_shown(how)}")
            joins.append(Join(str(table), using, on[0] if on else None, str(how)))
        return tuple(joins)


def _shown(value: object) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, MappingABC):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


@dataclass
class MappedTables:
    """Raw program frames produced by a mapping, with what is needed to explain errors.

    Attributes
    ----------
    frames
        Raw frames by program table (not yet validated).
    files
        How messages name each table, e.g. ``sales_pipeline.csv (mapped to deals)``.
    rows
        For tables with one row per source row: the source row number (header = 1)
        of each row, by message name.
    sql
        The query that built each table or view (for reading and debugging).
    read_columns
        The columns read from each source table (SQL databases: only those the
        mapping mentions).
    """

    frames: dict[str, pd.DataFrame] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    rows: dict[str, np.ndarray] = field(default_factory=dict)
    sql: dict[str, str] = field(default_factory=dict)
    read_columns: dict[str, list[str]] = field(default_factory=dict)

    def explain(self, err: ProgramDataError) -> ProgramDataError:
        """Point the rows of ``err``'s problems at the source rows where possible."""
        problems = []
        for problem in err.problems:
            lines = self.rows.get(problem.file)
            if lines is not None and problem.rows:
                problem = replace(problem, rows=tuple(int(lines[r - 2]) for r in problem.rows))
            problems.append(problem)
        return ProgramDataError(problems, err.source)


def map_source(source: str | Path, mapping: Mapping, *, encoding: str = "utf-8") -> MappedTables:
    """Apply ``mapping`` to the tables of ``source``.

    Parameters
    ----------
    source
        A folder of files, an ``.xlsx`` workbook, a ``.duckdb`` file or a
        SQLAlchemy database URL.
    mapping
        From :func:`read_mapping`.
    encoding
        Encoding of CSV files.

    Returns
    -------
    MappedTables

    Raises
    ------
    MappingError
        A table, column or expression of the mapping does not fit the source.
    ProgramDataError
        The source cannot be read.
    """
    catalog = open_catalog(source, aliases=mapping.sources, encoding=encoding)
    try:
        return _Builder(mapping, catalog).build()
    finally:
        getattr(catalog, "close", lambda: None)()
        catalog.con.close()


class _Builder:
    """Registers the sources a mapping reads, runs one query per view and table, collects problems."""

    def __init__(self, mapping: Mapping, catalog: Catalog) -> None:
        self.mapping, self.catalog, self.con = mapping, catalog, catalog.con
        self.problems: list[Problem] = []
        self.columns: dict[str, list[str]] = {}  # relation (source table or view) -> its columns
        self.labels: dict[str, str] = {}
        self.failed: set[str] = set()
        text = mapping.text.lower()  # a database source reads only the columns the mapping mentions
        self.wanted = lambda cols: [c for c in cols if c.lower() in text]

    def fail(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.mapping.file, f"{key}: {message}"))

    def build(self) -> MappedTables:
        out = MappedTables()
        for name, spec in self.mapping.views.items():
            if self.catalog.has(name):
                self.fail(f"views.{name}", f"a source table is already called '{name}'; rename the view")
                continue
            query = self.query(spec, keep_rows=False)
            if query is None or self.run(spec, query, f"CREATE TEMP VIEW {quote(name)} AS {query.sql()}") is None:
                self.failed.add(name)
                continue
            self.columns[name] = list(self.con.sql(f"SELECT * FROM {quote(name)} LIMIT 0").columns)
            self.labels[name] = f"view {name}"
            out.sql[f"views.{name}"] = query.sql()
        for name in TABLES:
            if name in self.mapping.tables:
                self.table(self.mapping.tables[name], out)
            elif self.catalog.has(name):
                out.frames[name] = self.catalog.frame(name)
                out.files[name] = self.catalog.label(name)
            elif name in REQUIRED_TABLES:
                self.problems.append(Problem(self.mapping.file, f"no mapping for the required table '{name}' "
                                                                f"(and the source has no table of that name)"))
        if self.problems:
            raise MappingError(self.problems, self.mapping.file)
        out.read_columns = {name: self.catalog.columns(name) for name in self.columns if name not in self.mapping.views}
        return out

    def table(self, spec: TableSpec, out: MappedTables) -> None:
        query = self.query(spec)
        frame = None if query is None else self.run(spec, query, query.sql())
        if frame is None:
            return
        base = self.labels[spec.source]
        if query.row is not None:
            label = f"{base} (mapped to {spec.name})"
            out.rows[label] = frame.pop(ROW).to_numpy()
        else:
            label = f"{spec.name} (mapped from {base})"
        out.frames[spec.name], out.files[spec.name], out.sql[spec.name] = frame, label, query.sql()

    def relation(self, name: str, key: str) -> list[str] | None:
        """Columns of a source table or view, registering the source on first use."""
        if name in self.failed:
            return None
        if name not in self.columns:
            if name in self.mapping.views:
                self.fail(key, f"view '{name}' is used before it is defined (define views in the order they are used)")
                return None
            if not self.catalog.has(name):
                known = sorted(set(self.catalog.names()) | set(self.mapping.views))
                aliased = f" = '{self.mapping.sources[name]}'" if name in self.mapping.sources else ""
                self.fail(key, f"no source table or view '{name}'{aliased} (available: {', '.join(known) or 'none'})")
                return None
            self.columns[name] = [*self.catalog.register(name, wanted=self.wanted), ROW]
            self.labels[name] = self.catalog.label(name)
        return self.columns[name]

    def query(self, spec: TableSpec, *, keep_rows: bool = True) -> Query | None:
        keys = [f"{spec.key}.from"] + [f"{spec.key}.join[{i}].table" for i in range(len(spec.joins))]
        cols = {name: self.relation(name, key) for name, key in zip(spec.relations, keys)}
        if any(c is None for c in cols.values()):
            return None
        query, problems = build_query(spec, cols, keep_rows=keep_rows)  # type: ignore[arg-type]
        for key, message in problems:
            self.fail(key, message)
        return query

    def run(self, spec: TableSpec, query: Query, statement: str) -> pd.DataFrame | None:
        """Run ``statement`` (its rows, if any, as a frame); on failure report the filter or column at fault."""
        try:
            result = self.con.execute(statement)
            return result.df() if result.description else pd.DataFrame()
        except duckdb.Error as err:
            for key, message in find_culprits(self.con, spec, query) or [(spec.key, error_text(err))]:
                self.fail(key, message)
            return None
