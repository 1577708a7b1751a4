"""The program's validation rules as SQL, run in the engine that holds the data.

The same rules as :mod:`partner_analytics.validate` (schema kinds, blanks,
allowed codes, bounds, uniqueness, and the rules declared once in
:mod:`partner_analytics.rules`: references between tables, deal and target
consistency), but each is a count computed where the data lives, plus up to
:data:`~partner_analytics.errors.MAX_EXAMPLES` example values for a rule that
fails. Rows have no line numbers in an engine, so problems name the table, the
column, how many rows break the rule and example values.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from ..errors import MAX_EXAMPLES, Problem
from ..rules import (CONTROL_CHARACTERS, EXPECTED, REFERENCES, ROW_RULES, UNIQUE_KEYS, control_characters_removed,
                     too_long)
from ..schema import EMAIL_PATTERN, PARTNER_TYPES, REQUIRED_TABLES, TABLES, Column
from ..sqltext import literal, quote
from .backends import Engine
from .typed import SQL_TYPES, typed_column, typed_expression

__all__ = ["check_tables", "scan_text"]


class _Checker:
    """Collects the problems of one program; each rule is a SQL condition."""

    def __init__(self, engine: Engine, labels: Mapping[str, str]) -> None:
        self.engine, self.labels = engine, labels
        self.problems: list[Problem] = []

    def rows(self, table: str, relation: str, condition: str, column: str | None, message: str,
             shown: str | None = None, rows: str = "COUNT(*)") -> None:
        """Report the rows of ``relation`` meeting ``condition`` (nothing if none do).

        ``rows`` counts the table rows behind the matching rows of ``relation`` (``SUM(n)`` when
        ``relation`` holds each distinct value once with its number of rows ``n``).
        """
        shown = shown or (f"CAST({quote(column)} AS VARCHAR)" if column else "'?'")
        count = self.engine.fetch(f"SELECT COALESCE({rows}, 0) AS n FROM {relation} WHERE {condition}")["n"].iloc[0]
        if count:
            self.report(table, column, message, int(count),
                        self.engine.fetch(f"SELECT {shown} AS shown FROM {relation} WHERE {condition} "
                                          f"LIMIT {MAX_EXAMPLES}")["shown"])

    def counts(self, table: str, relation: str, rules: list[tuple[str, str, str, str]]) -> None:
        """Count every single-row rule of a table in one scan, then fetch examples of the broken ones.

        Each rule is (condition, column at fault, message, column whose raw values are shown).
        """
        if not rules:
            return
        sums = [f"COUNT(CASE WHEN {rule[0]} THEN 1 END) AS c{i}" for i, rule in enumerate(rules)]
        counts = self.engine.fetch(f"SELECT {', '.join(sums)} FROM {relation}").iloc[0]
        for i, (condition, column, message, shown_column) in enumerate(rules):
            if counts.iloc[i] and counts.iloc[i] > 0:
                shown = f"CAST({quote('raw__' + shown_column)} AS VARCHAR)"
                examples = self.engine.fetch(f"SELECT {shown} AS shown FROM {relation} WHERE {condition} "
                                             f"LIMIT {MAX_EXAMPLES}")["shown"]
                self.report(table, column, message, int(counts.iloc[i]), examples)

    def report(self, table: str, column: str | None, message: str, count: int, examples) -> None:
        shown = ", ".join("''" if v is None else repr(str(v)) for v in list(examples)[:MAX_EXAMPLES])
        detail = f" [{count:,} row{'s' if count != 1 else ''}" + (f", e.g. {shown}]" if shown else "]")
        self.problems.append(Problem(self.labels.get(table, table), message + detail, column))


def _checked_relation(table: str, relation: str, present: set[str], plain: set[str]) -> str:
    """Typed columns, raw text ``raw__c`` and blank flags ``blank__c`` of each column (absent ones: blank).

    A ``plain`` column (already in typed form: :func:`scan_text`) is blank exactly when it is NULL.
    """
    parts = []
    for column in TABLES[table].columns:
        name, is_plain = quote(column.name), column.name in plain
        parts.append(typed_column(column, column.name in present, is_plain))
        if is_plain:
            text, blank = f"CAST({name} AS VARCHAR)", f"{name} IS NULL"
        else:
            text = f"NULLIF(TRIM(CAST({name} AS VARCHAR)), '')" if column.name in present else "CAST(NULL AS VARCHAR)"
            blank = f"{text} IS NULL"
        parts += [f"{text} AS {quote('raw__' + column.name)}", f"({blank}) AS {quote('blank__' + column.name)}"]
    return f"(SELECT {', '.join(parts)} FROM {relation}) AS checked"


def _column_rules(table: str, present: set[str], plain: set[str]) -> list[tuple[str, str, str, str]]:
    rules: list[tuple[str, str, str]] = []
    for column in TABLES[table].columns:
        name, typed = column.name, quote(column.name)
        if name not in present:
            continue
        if column.kind in SQL_TYPES and name not in plain:  # a plain column holds its type already
            rules.append((f"NOT {quote('blank__' + name)} AND {typed} IS NULL", name,
                          f"cannot be read as {EXPECTED[column.kind]}"))
        if column.kind == "email":  # the same regular expression as pandas, on the same stripped value
            rules.append((f"{typed} IS NOT NULL AND NOT REGEXP_MATCHES({typed}, {literal('^' + EMAIL_PATTERN + '$')})",
                          name, f"cannot be read as {EXPECTED['email']}"))
        if not column.nullable:
            rules.append((quote("blank__" + name), name, "blank values are not allowed"))
        if column.allowed is not None:
            allowed = ", ".join(map(literal, column.allowed))
            rules.append((f"{typed} NOT IN ({allowed})", name, f"unknown values (allowed: {', '.join(column.allowed)})"))
        if column.minimum is not None:
            rules.append((f"{typed} < {column.minimum!r}", name, f"values below {column.minimum:g}"))
        if column.maximum is not None:
            rules.append((f"{typed} > {column.maximum!r}", name, f"values above {column.maximum:g}"))
    return [(condition, column, message, column) for condition, column, message in rules] + [
        (rule.condition, rule.column, rule.message, rule.shown_column) for rule in ROW_RULES if rule.table == table]


_PADDED = "^ | $|^$"
"""Text that ``NULLIF(TRIM(text), '')`` changes: empty, or a space at either end (SQL ``TRIM`` removes spaces only)."""


@dataclass(frozen=True)
class _Text:
    """A text column of a raw table as :func:`scan_text` examines it: raw name and schema column (None: not in it)."""

    name: str
    column: Column | None

    @property
    def value(self) -> str:
        return f"CAST({quote(self.name)} AS VARCHAR)"

    @property
    def typed(self) -> str | None:
        """Its typed form (:func:`~partner_analytics.engine.typed.typed_expression`), for a schema column."""
        return typed_expression(self.column, True) if self.column is not None else None

    @property
    def suspect(self) -> str:
        """SQL condition: the value holds control characters or differs from its typed form."""
        if self.column is not None and self.column.kind in ("id", "string"):  # typed = trimmed: one expression
            return f"REGEXP_MATCHES({self.value}, {literal(CONTROL_CHARACTERS + '|' + _PADDED)})"
        control = f"REGEXP_MATCHES({self.value}, {literal(CONTROL_CHARACTERS)})"
        return f"({control} OR {self.typed} IS DISTINCT FROM {self.value})" if self.typed else control


def _findings(engine: Engine, source: str, texts: list[_Text], weight: str,
              max_chars: int) -> dict[str, tuple[int, int, bool]]:
    """Per column of ``texts``: rows longer than ``max_chars``, rows holding control characters, and whether
    every value is in its typed form. ``source`` has the columns; each of its rows counts ``weight`` rows.

    One scan screens every column; a second, over the suspect columns only, counts exactly.
    """
    def count(condition: str) -> str:
        return f"COALESCE(SUM(CASE WHEN {condition} THEN {weight} END), 0)"

    def fetch(parts: list[str]) -> pd.Series:
        counts = engine.fetch(f"SELECT {', '.join(parts)} FROM {source}").iloc[0]
        counts.index = [str(i).lower() for i in counts.index]
        return counts.astype("int64")

    if not texts:
        return {}
    screen = fetch([part for i, text in enumerate(texts) for part in (
        f"{count(f'LENGTH({text.value}) > {int(max_chars)}')} AS l{i}", f"{count(text.suspect)} AS s{i}")])
    suspects = [i for i in range(len(texts)) if screen[f"s{i}"]]
    exact = fetch([part for i in suspects for part in (
        f"{count(f'REGEXP_MATCHES({texts[i].value}, {literal(CONTROL_CHARACTERS)})')} AS c{i}",
        f"{count(f'{texts[i].typed or texts[i].value} IS DISTINCT FROM {texts[i].value}')} AS t{i}")]) \
        if suspects else pd.Series(dtype="int64")
    return {text.name: (int(screen[f"l{i}"]), int(exact.get(f"c{i}", 0)),
                        text.column is not None and not exact.get(f"t{i}", 0))
            for i, text in enumerate(texts)}


def _native(column: Column, dtype: object) -> bool:
    """True when a source column of pandas type ``dtype`` already holds ``column``'s schema type: no cast can fail."""
    if column.kind == "date":
        return pd.api.types.is_datetime64_any_dtype(dtype)
    if column.kind == "boolean":
        return pd.api.types.is_bool_dtype(dtype)
    return column.kind == "number" and pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)


def _repeats_values(table: str, column: Column | None) -> bool:
    """True for a column of ``table`` that holds few distinct values on many rows: a code, or an id of another table."""
    if column is None:
        return False
    return column.kind == "category" or any(reference.applies_to(table) and reference.column == column.name
                                            for reference in REFERENCES)


SAMPLE_ROWS = 100_000
"""Rows :func:`_few_distinct` reads from the start of a table to judge its other text columns."""

FEW_DISTINCT = 0.01
"""Share of distinct values in :data:`SAMPLE_ROWS` rows up to which a text column is examined once per value."""


def _few_distinct(engine: Engine, relation: str, texts: list[_Text]) -> set[str]:
    """Names of ``texts`` that hold few distinct values on many rows (free text such as a product name).

    Judged from the first :data:`SAMPLE_ROWS` rows the engine returns: distinct values there for at most
    :data:`FEW_DISTINCT` of them (1,000 in 100,000 rows). Examining each distinct value once is then cheaper
    than each row (a regular expression per row costs about 0.09 s per million rows, grouping a column of six
    products 0.01 s). A table with fewer rows is scanned row by row (none of its columns is judged: one scan
    is cheaper than a query per column).
    """
    if not texts:
        return set()
    columns = ", ".join(quote(text.name) for text in texts)
    distinct = ", ".join(f"COUNT(DISTINCT {quote(text.name)}) AS d{i}" for i, text in enumerate(texts))
    head = engine.fetch(f"SELECT COUNT(*) AS n, {distinct} FROM (SELECT {columns} FROM {relation} "
                        f"LIMIT {SAMPLE_ROWS}) AS head").iloc[0].astype("int64")
    if head.iloc[0] < SAMPLE_ROWS:
        return set()
    return {text.name for i, text in enumerate(texts) if head.iloc[i + 1] <= FEW_DISTINCT * SAMPLE_ROWS}


def scan_text(
    engine: Engine, relations: Mapping[str, str], labels: Mapping[str, str], *, max_chars: int
) -> tuple[list[Problem], list[str], dict[str, set[str]], dict[str, set[str]]]:
    """Check the text columns of each raw table, as :mod:`partner_analytics.validate` does in pandas.

    Each table is scanned once (twice when a column looks suspect: see :func:`_findings`); a code
    or an id of another table (:func:`_repeats_values`), and a column with few distinct values in a large
    table (:func:`_few_distinct`), is examined once per distinct value, its rows counted.

    Parameters
    ----------
    engine, relations, labels
        As for :func:`check_tables`.
    max_chars
        Longest text value allowed (:func:`partner_analytics.limits.input_limits`).

    Returns
    -------
    tuple of (list of Problem, list of str, dict, dict)
        A problem per column with values longer than ``max_chars``; a warning
        per column whose values hold control characters
        (:data:`~partner_analytics.rules.CONTROL_CHARACTERS`); per table, the
        raw column names holding them, which the caller removes; and per
        table, the schema columns already in their typed form on every row
        (text without a blank, padded or upper-case value; dates, numbers and
        booleans stored as such), which the typed views and the checks read
        as they are (:func:`~partner_analytics.engine.typed.typed_column`).
    """
    checker, warnings, dirty, plain = _Checker(engine, labels), [], {}, {}
    for name, relation in relations.items():
        schema = {c.name: c for c in TABLES[name].columns}
        text_schema = {n: c for n, c in schema.items() if c.kind not in SQL_TYPES}
        dtypes = engine.fetch(f"SELECT * FROM {relation} LIMIT 0").dtypes
        texts = [_Text(str(c), text_schema.get(str(c).lower())) for c, dtype in dtypes.items()
                 if pd.api.types.is_string_dtype(dtype)]  # text, or a type pandas cannot tell from text
        plain[name] = {str(c).lower() for c, dtype in dtypes.items()
                       if str(c).lower() in schema and _native(schema[str(c).lower()], dtype)}
        repeated = [text for text in texts if _repeats_values(name, text.column)]
        few = _few_distinct(engine, relation, [text for text in texts if text not in repeated])
        repeated += [text for text in texts if text.name in few]
        findings = _findings(engine, relation, [text for text in texts if text not in repeated], "1", max_chars)
        for text in repeated:
            column = quote(text.name)
            findings |= _findings(engine, f"(SELECT {column}, COUNT(*) AS rows__ FROM {relation} GROUP BY {column}) "
                                          "AS distinct_values", [text], "rows__", max_chars)
        for text in texts:
            long, removed, in_typed_form = findings[text.name]
            if long:
                lengths = engine.fetch(f"SELECT LENGTH({text.value}) AS n FROM {relation} "
                                       f"WHERE LENGTH({text.value}) > {int(max_chars)} LIMIT {MAX_EXAMPLES}")
                checker.report(name, text.name.lower(), too_long(max_chars), long,
                               [f"{int(n):,} characters" for n in lengths.iloc[:, 0]])
            if removed:
                warnings.append(control_characters_removed(labels[name], text.name.lower(), removed))
                dirty.setdefault(name, set()).add(text.name)
            elif in_typed_form:
                plain[name].add(text.name.lower())
    return checker.problems, warnings, dirty, plain


def _value_counts(table: str, column: str) -> str:
    """Relation ``t``: each non-blank value of ``column`` in the typed view ``table`` once, with its rows ``n``."""
    value = quote(column)
    return f"(SELECT {value}, COUNT(*) AS n FROM {table} WHERE {value} IS NOT NULL GROUP BY {value}) AS t"


def check_tables(
    engine: Engine,
    relations: Mapping[str, str],
    columns: Mapping[str, list[str]],
    labels: Mapping[str, str],
    *,
    validate: bool = True,
    plain: Mapping[str, set[str]] | None = None,
) -> tuple[list[Problem], list[str]]:
    """Check the program's tables in the engine.

    Parameters
    ----------
    engine
        Engine holding the data; once the structure is sound, it must also
        hold the typed views named after the tables.
    relations
        Table name → raw relation (as read from the source) for each supplied table.
    columns
        Table name → lower-case raw column names.
    labels
        Table name → how messages name it (a file name, ``table x``).
    validate
        False: only the structure (tables and required columns) is checked.
    plain
        Table name → columns already in typed form (:func:`scan_text`), read as they are.

    Returns
    -------
    tuple of (list of Problem, list of str)
        Errors, and warnings about suspicious but valid data.
    """
    checker = _Checker(engine, labels)
    for name in REQUIRED_TABLES:
        if name not in relations:
            checker.problems.append(Problem(labels.get(name, name), f"required table '{name}' is missing"))
    for name in relations:
        missing = [c.name for c in TABLES[name].columns if c.required and c.name not in columns[name]]
        if missing:
            checker.problems.append(Problem(labels[name], f"missing required column(s) {', '.join(map(repr, missing))} "
                                                          f"(found: {', '.join(map(repr, columns[name]))})"))
    for name in REQUIRED_TABLES:
        if name in relations and engine.fetch(f"SELECT COUNT(*) AS n FROM {relations[name]}")["n"].iloc[0] == 0:
            checker.problems.append(Problem(labels[name], "the table has no data rows"))
    if checker.problems or not validate:
        return checker.problems, []

    for name, relation in relations.items():
        present = set(columns[name])
        as_is = (plain or {}).get(name, set())
        checker.counts(name, _checked_relation(name, relation, present, as_is), _column_rules(name, present, as_is))
        for column in (c.name for c in TABLES[name].columns if c.unique and c.name in present):
            # every row of a repeated value, as the pandas path counts them; each value shown once
            checker.rows(name, _value_counts(name, column), "n > 1", column, "duplicate values (must be unique)",
                         rows="SUM(n)")
    for reference in REFERENCES:
        for name in relations:
            if reference.applies_to(name) and reference.column in TABLES[name].column_names:
                # each distinct id once with its rows: a far smaller join than one probe per row
                column = quote(reference.column)
                checker.rows(name, _value_counts(name, reference.column),
                             f"NOT EXISTS (SELECT 1 FROM {reference.target} AS r WHERE r.{column} = t.{column})",
                             reference.column, reference.message, f"t.{column}", rows="SUM(n)")
    for key in UNIQUE_KEYS:
        if key.table in relations:
            parts = ", ".join(map(quote, key.key))
            filled = " AND ".join(f"{quote(c)} IS NOT NULL" for c in key.key)
            # every row of a repeated key, as the pandas path counts them
            checker.rows(key.table, f"(SELECT {quote(key.shown)}, COUNT(*) OVER (PARTITION BY {parts}) AS n "
                                    f"FROM {key.table} WHERE {filled}) AS keyed", "n > 1", key.column, key.message,
                         quote(key.shown))
    return checker.problems, _warnings(engine, labels, set(relations))


def _warnings(engine: Engine, labels: Mapping[str, str], supplied: set[str]) -> list[str]:
    warnings = []
    types = set(engine.fetch("SELECT DISTINCT partner_type FROM partners WHERE partner_type IS NOT NULL")
                .iloc[:, 0].astype(str))
    unknown = sorted(types - set(PARTNER_TYPES))
    if unknown:
        warnings.append(f"{labels['partners']}: partner types {unknown} are not configured by default; "
                        "they use the default KPI set unless params/ define one")
    idle = engine.fetch("SELECT partner_id FROM partners AS p WHERE NOT EXISTS (SELECT 1 FROM "
                        "(SELECT partner_id FROM deals GROUP BY partner_id) AS d WHERE d.partner_id = p.partner_id) "
                        "ORDER BY partner_id")
    if len(idle):
        warnings.append(f"{len(idle)} partner(s) have no deals (e.g. {', '.join(idle.iloc[:5, 0].astype(str))})")
    if "mdf" in supplied:
        over = engine.fetch("SELECT COUNT(*) AS n FROM mdf WHERE amount_claimed > amount_approved")["n"].iloc[0]
        if over:
            warnings.append(f"{labels['mdf']}: {int(over)} fund(s) claim more than was approved")
    return warnings
