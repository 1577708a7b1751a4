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

import pandas as pd

from ..errors import MAX_EXAMPLES, Problem
from ..rules import (CONTROL_CHARACTERS, EXPECTED, REFERENCES, ROW_RULES, UNIQUE_KEYS, control_characters_removed,
                     too_long)
from ..schema import EMAIL_PATTERN, PARTNER_TYPES, REQUIRED_TABLES, TABLES
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

    def counts(self, table: str, relation: str, rules: list[tuple[str, str, str, str]],
               unique: list[str]) -> list[str]:
        """Count every single-row rule of a table in one scan, then fetch examples of the broken ones.

        Each rule is (condition, column at fault, message, column whose raw values are shown). The
        same scan tells whether the ``unique`` columns repeat a value; those that do are returned.
        """
        if not rules and not unique:
            return []
        sums = [f"COUNT(CASE WHEN {rule[0]} THEN 1 END) AS c{i}" for i, rule in enumerate(rules)]
        sums += [f"COUNT({quote(c)}) - COUNT(DISTINCT {quote(c)}) AS u{i}" for i, c in enumerate(unique)]
        counts = self.engine.fetch(f"SELECT {', '.join(sums)} FROM {relation}").iloc[0]
        repeated = [c for i, c in enumerate(unique) if counts.iloc[len(rules) + i] > 0]
        for i, (condition, column, message, shown_column) in enumerate(rules):
            if counts.iloc[i] and counts.iloc[i] > 0:
                shown = f"CAST({quote('raw__' + shown_column)} AS VARCHAR)"
                examples = self.engine.fetch(f"SELECT {shown} AS shown FROM {relation} WHERE {condition} "
                                             f"LIMIT {MAX_EXAMPLES}")["shown"]
                self.report(table, column, message, int(counts.iloc[i]), examples)
        return repeated

    def report(self, table: str, column: str | None, message: str, count: int, examples) -> None:
        shown = ", ".join("''" if v is None else repr(str(v)) for v in list(examples)[:MAX_EXAMPLES])
        detail = f" [{count:,} row{'s' if count != 1 else ''}" + (f", e.g. {shown}]" if shown else "]")
        self.problems.append(Problem(self.labels.get(table, table), message + detail, column))


def _checked_relation(table: str, relation: str, present: set[str]) -> str:
    """Typed columns, raw text ``raw__c`` and blank flags ``blank__c`` of each column (absent ones: blank)."""
    parts = []
    for column in TABLES[table].columns:
        parts.append(typed_column(column, column.name in present))
        if column.name in present:
            text = f"NULLIF(TRIM(CAST({quote(column.name)} AS VARCHAR)), '')"
        else:
            text = "CAST(NULL AS VARCHAR)"
        parts += [f"{text} AS {quote('raw__' + column.name)}", f"({text} IS NULL) AS {quote('blank__' + column.name)}"]
    return f"(SELECT {', '.join(parts)} FROM {relation}) AS checked"


def _column_rules(table: str, present: set[str]) -> list[tuple[str, str, str, str]]:
    rules: list[tuple[str, str, str]] = []
    for column in TABLES[table].columns:
        name, typed = column.name, quote(column.name)
        if name not in present:
            continue
        if column.kind in ("date", "number", "boolean"):
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


def scan_text(
    engine: Engine, relations: Mapping[str, str], labels: Mapping[str, str], *, max_chars: int
) -> tuple[list[Problem], list[str], dict[str, set[str]], dict[str, set[str]]]:
    """Check the text columns of each raw table in one scan, as :mod:`partner_analytics.validate` does in pandas.

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
        table, the schema text columns already in their typed form on every
        row (no blank, padded or upper-case value), which the typed views read
        as they are (:func:`~partner_analytics.engine.typed.typed_column`).
    """
    checker, warnings, dirty, plain = _Checker(engine, labels), [], {}, {}
    for name, relation in relations.items():
        texts = [str(c) for c, dtype in engine.fetch(f"SELECT * FROM {relation} LIMIT 0").dtypes.items()
                 if pd.api.types.is_string_dtype(dtype)]  # text, or a type pandas cannot tell from text
        if not texts:
            continue
        values = [f"CAST({quote(c)} AS VARCHAR)" for c in texts]
        schema = {c.name: c for c in TABLES[name].columns if c.kind not in SQL_TYPES}
        typed = {i: typed_expression(schema[c.lower()], True) for i, c in enumerate(texts) if c.lower() in schema}
        counts = engine.fetch("SELECT " + ", ".join(
            f"COUNT(CASE WHEN LENGTH({v}) > {int(max_chars)} THEN 1 END) AS l{i}, "
            f"COUNT(CASE WHEN REGEXP_MATCHES({v}, {literal(CONTROL_CHARACTERS)}) THEN 1 END) AS c{i}"
            for i, v in enumerate(values)) + "".join(
            f", COUNT(CASE WHEN {expression} IS DISTINCT FROM {values[i]} THEN 1 END) AS t{i}"
            for i, expression in typed.items()) + f" FROM {relation}")
        counts.columns = [str(c).lower() for c in counts.columns]
        for i, (column, value) in enumerate(zip(texts, values)):
            if long := int(counts[f"l{i}"].iloc[0]):
                lengths = engine.fetch(f"SELECT LENGTH({value}) AS n FROM {relation} "
                                       f"WHERE LENGTH({value}) > {int(max_chars)} LIMIT {MAX_EXAMPLES}")
                checker.report(name, column.lower(), too_long(max_chars), long,
                               [f"{int(n):,} characters" for n in lengths.iloc[:, 0]])
            if removed := int(counts[f"c{i}"].iloc[0]):
                warnings.append(control_characters_removed(labels[name], column.lower(), removed))
                dirty.setdefault(name, set()).add(column)
            elif i in typed and int(counts[f"t{i}"].iloc[0]) == 0:
                plain.setdefault(name, set()).add(column.lower())
    return checker.problems, warnings, dirty, plain


def check_tables(
    engine: Engine,
    relations: Mapping[str, str],
    columns: Mapping[str, list[str]],
    labels: Mapping[str, str],
    *,
    validate: bool = True,
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
        unique = [c.name for c in TABLES[name].columns if c.unique and c.name in present]
        repeated = checker.counts(name, _checked_relation(name, relation, present), _column_rules(name, present), unique)
        for column in repeated:  # every row of a repeated value, as the pandas path counts them
            value = quote(column)
            checker.rows(name, f"(SELECT {value}, COUNT(*) OVER (PARTITION BY {value}) AS n FROM {name} "
                               f"WHERE {value} IS NOT NULL) AS repeated", "n > 1", column,
                         "duplicate values (must be unique)")
    for reference in REFERENCES:
        for name in relations:
            applies = reference.table in ("*", name) and name != reference.target
            if applies and reference.column in TABLES[name].column_names:
                # each distinct id once with its rows: a far smaller join than one probe per row
                column = quote(reference.column)
                checker.rows(name, f"(SELECT {column}, COUNT(*) AS n FROM {name} WHERE {column} IS NOT NULL "
                                   f"GROUP BY {column}) AS t",
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
