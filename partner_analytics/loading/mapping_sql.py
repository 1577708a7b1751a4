"""The SQL behind the column mapping: one DuckDB ``SELECT`` per mapped table.

:func:`build_query` turns one table of a mapping (a ``TableSpec`` from
``mapping.py``) into a :class:`Query` over source tables registered as DuckDB
relations (``catalogs.py``)::

    SELECT <column spec → values CASE → date parsing> AS "program_column", ...
    FROM "from" [LEFT] JOIN "other" USING ("key") | ON (<condition>)
    WHERE (<filter>) AND ...
    GROUP BY <group_by>
    ORDER BY <source row>, 1, 2, ...        -- a stable, repeatable row order

Column names written in the mapping are checked against the source columns
and qualified (``"table"."column"``), so a typo is reported with the closest
real name instead of as a SQL error. When DuckDB still rejects a query,
:func:`find_culprits` runs each filter and column alone to name the one at
fault.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from typing import TYPE_CHECKING

import duckdb

from .catalogs import ROW
from ..sqltext import literal, quote

if TYPE_CHECKING:
    from .mapping import TableSpec

__all__ = ["Query", "build_query", "find_culprits", "error_text"]


@dataclass(frozen=True)
class Query:
    """The parts of one mapped table's SELECT.

    Attributes
    ----------
    items
        Output column → SQL expression, in output order.
    source
        The ``FROM`` clause body (tables and joins).
    where, group_by
        Clause bodies, empty when absent.
    row
        Expression of the source row number when the table keeps one row per
        ``from`` row (it is selected as ``__row``), else None.
    """

    items: dict[str, str]
    source: str
    where: str = ""
    group_by: str = ""
    row: str | None = None

    def sql(self) -> str:
        """The full query, rows in a stable order."""
        items = [f"{expr} AS {quote(name)}" for name, expr in self.items.items()]
        order = list(range(1, len(items) + 1))
        if self.row is not None:
            items.append(f"{self.row} AS {ROW}")
            order.insert(0, len(items))
        return self._select(items) + "\nORDER BY " + ", ".join(map(str, order))

    def only(self, name: str) -> str:
        """The query reduced to one output column (to test it alone)."""
        return self._select([f"{self.items[name]} AS {quote(name)}"])

    def _select(self, items: list[str]) -> str:
        sql = f"SELECT {', '.join(items)}\nFROM {self.source}"
        if self.where:
            sql += f"\nWHERE {self.where}"
        if self.group_by:
            sql += f"\nGROUP BY {self.group_by}"
        return sql


def build_query(spec: TableSpec, cols: dict[str, list[str]], *, keep_rows: bool = True
                ) -> tuple[Query | None, list[tuple[str, str]]]:
    """Build the query of one table spec.

    Parameters
    ----------
    spec
        One table (or view) of a mapping.
    cols
        Columns of every relation the spec reads (``from`` and joins), each
        including ``__row`` if the relation has source row numbers.
    keep_rows
        Select the source row number when the table keeps one row per source row.

    Returns
    -------
    tuple of (Query or None, list of (key path, message))
        The query, or None with the problems found.
    """
    problems: list[tuple[str, str]] = []
    using = {k for j in spec.joins for k in j.using}
    for j in spec.joins:
        for k in j.using:
            if not all(_match(k, cols[t]) for t in (spec.source, j.table)):
                problems.append((f"{spec.key}.join", f"key '{k}' must be a column of both {spec.source} and {j.table}"))
    items = {}
    for target, (kind, value) in spec.columns.items():
        if kind == "column":
            expr, problem = _resolve(value, cols, using)
            if problem:
                problems.append((f"{spec.key}.columns.{target}", problem))
                continue
        elif kind == "constant":
            expr = _lit(value)
        else:
            expr = f"({value})"
        items[target] = _parse_dates(_map_values(expr, spec.values.get(target)), spec.date_formats.get(target))
    if problems:
        return None, problems
    keys = []
    for item in spec.group_by:  # a source column, a mapped program column, or an SQL expression
        expr, problem = _resolve(item, cols, using)
        keys.append(items.get(item, item) if problem else expr)
    row = None
    if keep_rows and not spec.group_by and ROW in cols[spec.source]:
        row = f"{quote(spec.source)}.{ROW}"
    return Query(items, from_clause(spec), " AND ".join(f"({f})" for f in spec.filters), ", ".join(keys), row), []


def from_clause(spec: TableSpec) -> str:
    """``"from" [LEFT] JOIN "other" USING (...) | ON (...)``."""
    parts = [quote(spec.source)]
    for j in spec.joins:
        how = "LEFT JOIN" if j.how == "left" else "JOIN"
        condition = f"USING ({', '.join(map(quote, j.using))})" if j.using else f"ON ({j.on})"
        parts.append(f"{how} {quote(j.table)} {condition}")
    return "\n  ".join(parts)


def find_culprits(con: duckdb.DuckDBPyConnection, spec: TableSpec, query: Query) -> list[tuple[str, str]]:
    """Run each filter, then each column, alone; return (key path, message) for those that fail."""
    found = []
    for i, condition in enumerate(spec.filters):
        key = f"{spec.key}.filter" + (f"[{i}]" if len(spec.filters) > 1 else "")
        found += _try(con, key, f"SELECT 1 FROM {query.source} WHERE ({condition})")
    if found:
        return found
    for name in query.items:
        found += _try(con, f"{spec.key}.columns.{name}", query.only(name))
    return found


def _try(con: duckdb.DuckDBPyConnection, key: str, sql: str) -> list[tuple[str, str]]:
    try:
        con.execute(sql).fetchall()
        return []
    except duckdb.Error as err:
        return [(key, error_text(err))]


def _resolve(name: str, cols: dict[str, list[str]], using: set[str]) -> tuple[str, str | None]:
    """``"table"."column"`` for a column name or ``table.column``, or a problem message."""
    table, _, column = name.partition(".")
    if column and table in cols:
        real = _match(column, cols[table])
        if real is None:
            return "", _not_found(column, {table: cols[table]})
        return f"{quote(table)}.{quote(real)}", None
    owners = [(t, real) for t, c in cols.items() if (real := _match(name, c)) is not None]
    if not owners:
        return "", _not_found(name, cols)
    if len(owners) > 1 and owners[0][1] not in using:
        return "", f"column '{name}' is in more than one table; write " + " or ".join(f"'{t}.{r}'" for t, r in owners)
    return f"{quote(owners[0][0])}.{quote(owners[0][1])}", None


def _match(name: str, columns: list[str]) -> str | None:
    """The real column called ``name`` (exactly, else ignoring case), or None."""
    if name in columns and name != ROW:
        return name
    folded = [c for c in columns if c.lower() == name.lower() and c != ROW]
    return folded[0] if len(folded) == 1 else None


def _not_found(name: str, cols: dict[str, list[str]]) -> str:
    real = {t: [c for c in columns if c != ROW] for t, columns in cols.items()}
    close = difflib.get_close_matches(name, [c for columns in real.values() for c in columns], n=1)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    listed = "; ".join(f"{t}: {', '.join(columns)}" for t, columns in real.items())
    return f"column '{name}' not found{hint} (columns of {listed})"


def _map_values(expr: str, table: dict[str | None, str | None] | None) -> str:
    """Wrap ``expr`` in a CASE mapping source values (compared as text) to program values.

    Examples
    --------
    >>> print(_map_values('"s"', {"Won": "won", None: "open"}))
    (CASE WHEN "s" IS NULL THEN 'open' WHEN CAST("s" AS VARCHAR) = 'Won' THEN 'won' ELSE CAST("s" AS VARCHAR) END)
    """
    if not table:
        return expr
    text = f"CAST({expr} AS VARCHAR)"
    cases = [f"WHEN {expr} IS NULL THEN {_lit(table[None])}"] if None in table else []
    cases += [f"WHEN {text} = {literal(k)} THEN {_lit(v)}" for k, v in table.items() if k is not None]
    return f"(CASE {' '.join(cases)} ELSE {text} END)"


def _parse_dates(expr: str, formats: tuple[str, ...] | None) -> str:
    """Parse text dates with strptime formats to ISO text; unparseable values pass unchanged (and are reported)."""
    if not formats:
        return expr
    text = f"CAST({expr} AS VARCHAR)"
    choices = "[" + ", ".join(map(literal, formats)) + "]"
    return f"coalesce(strftime(try_strptime({text}, {choices}), '%Y-%m-%d'), {text})"


def _lit(value: str | None) -> str:
    return "NULL" if value is None else literal(value)


def error_text(err: Exception) -> str:
    """DuckDB's message up to the SQL excerpt, on one line, with a hint for text columns."""
    lines = []
    for line in str(err).strip().splitlines():
        if not line.strip() or line.startswith("LINE "):
            break
        lines.append(line.strip())
    text = " ".join(lines).split(" Candidate functions:")[0] or type(err).__name__
    if "VARCHAR" in text and "type casts" in text:
        text += " (CSV and Excel columns are text: cast them, e.g. CAST(amount AS DOUBLE))"
    return text
