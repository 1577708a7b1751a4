"""The program's validation rules as SQL, run in the engine that holds the data.

The same rules as :mod:`partner_analytics.validate` (schema kinds, blanks,
allowed codes, bounds, uniqueness, references between tables, deal and target
consistency), but each is a count computed where the data lives, plus up to
:data:`~partner_analytics.errors.MAX_EXAMPLES` example values for a rule that
fails. Rows have no line numbers in an engine, so problems name the table, the
column, how many rows break the rule and example values.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..errors import MAX_EXAMPLES, Problem
from ..schema import PARTNER_TYPES, REQUIRED_TABLES, TABLES
from ..sqltext import literal, quote
from .backends import Engine

__all__ = ["check_tables"]

_EXPECTED = {"date": "a date like 2024-03-31", "number": "a number", "boolean": "true/false"}

# (table, condition on the checked relation, column, message); columns are typed, "blank__c" flags blank raw values
_RULES = (
    ("partners", "churned_on < onboarded_on", "churned_on", "is before onboarded_on"),
    ("deals", "(attribution = 'direct' AND partner_id IS NOT NULL) OR (attribution <> 'direct' AND partner_id IS NULL)",
     "attribution", "must be 'direct' exactly when partner_id is blank"),
    ("deals", "closed_on < created_on", "closed_on", "is before created_on"),
    ("deals", "stage = 'open' AND closed_on IS NOT NULL", "closed_on", "is set on open deals"),
    ("deals", "stage IN ('won', 'lost') AND closed_on IS NULL", "closed_on", "is blank on won/lost deals"),
    ("targets", "period_end < period_start", "period_end", "is before period_start"),
    ("surveys", "score > scale_max", "score", "is above scale_max"),
)


class _Checker:
    """Collects the problems of one program; each rule is a SQL condition."""

    def __init__(self, engine: Engine, labels: Mapping[str, str]) -> None:
        self.engine, self.labels = engine, labels
        self.problems: list[Problem] = []

    def rows(self, table: str, relation: str, condition: str, column: str | None, message: str,
             shown: str | None = None) -> None:
        """Report the rows of ``relation`` meeting ``condition`` (nothing if none do)."""
        shown = shown or (f"CAST({quote(column)} AS VARCHAR)" if column else "'?'")
        count = self.engine.fetch(f"SELECT COUNT(*) AS n FROM {relation} WHERE {condition}")["n"].iloc[0]
        if count:
            self.report(table, column, message, int(count),
                        self.engine.fetch(f"SELECT {shown} AS shown FROM {relation} WHERE {condition} "
                                          f"LIMIT {MAX_EXAMPLES}")["shown"])

    def counts(self, table: str, relation: str, rules: list[tuple[str, str | None, str]]) -> None:
        """Count every single-row rule of a table in one scan, then fetch examples of the broken ones."""
        if not rules:
            return
        sums = ", ".join(f"COUNT(CASE WHEN {cond} THEN 1 END) AS c{i}" for i, (cond, _, _) in enumerate(rules))
        counts = self.engine.fetch(f"SELECT {sums} FROM {relation}").iloc[0]
        for i, (condition, column, message) in enumerate(rules):
            if counts.iloc[i] and counts.iloc[i] > 0:
                shown = f"CAST({quote('raw__' + column)} AS VARCHAR)" if column else "'?'"
                examples = self.engine.fetch(f"SELECT {shown} AS shown FROM {relation} WHERE {condition} "
                                             f"LIMIT {MAX_EXAMPLES}")["shown"]
                self.report(table, column, message, int(counts.iloc[i]), examples)

    def report(self, table: str, column: str | None, message: str, count: int, examples) -> None:
        shown = ", ".join("''" if v is None else repr(str(v)) for v in list(examples)[:MAX_EXAMPLES])
        detail = f" [{count:,} row{'s' if count != 1 else ''}" + (f", e.g. {shown}]" if shown else "]")
        self.problems.append(Problem(self.labels.get(table, table), message + detail, column))


def _checked_relation(table: str, relation: str, present: set[str]) -> str:
    """Typed columns, raw text ``raw__c`` and blank flags ``blank__c`` of each present column."""
    from .program import typed_column  # the typed form is defined once, beside the views it builds

    parts = []
    for column in TABLES[table].columns:
        parts.append(typed_column(column, column.name in present))
        if column.name in present:
            text = f"NULLIF(TRIM(CAST({quote(column.name)} AS VARCHAR)), '')"
            parts += [f"{text} AS {quote('raw__' + column.name)}", f"({text} IS NULL) AS {quote('blank__' + column.name)}"]
    return f"(SELECT {', '.join(parts)} FROM {relation}) AS checked"


def _column_rules(table: str, present: set[str]) -> list[tuple[str, str | None, str]]:
    rules: list[tuple[str, str | None, str]] = []
    for column in TABLES[table].columns:
        name, typed = column.name, quote(column.name)
        if name not in present:
            continue
        if column.kind in _EXPECTED:
            rules.append((f"NOT {quote('blank__' + name)} AND {typed} IS NULL", name, f"cannot be read as {_EXPECTED[column.kind]}"))
        if column.kind == "email":  # schema.EMAIL_PATTERN in portable SQL
            rules.append((f"{typed} IS NOT NULL AND ({typed} NOT LIKE '%_@_%._%' OR {typed} LIKE '%@%@%' "
                          f"OR {typed} LIKE '% %')", name, "cannot be read as an e-mail address like name@example.com"))
        if not column.nullable:
            rules.append((quote("blank__" + name), name, "blank values are not allowed"))
        if column.allowed is not None:
            allowed = ", ".join(map(literal, column.allowed))
            rules.append((f"{typed} NOT IN ({allowed})", name, f"unknown values (allowed: {', '.join(column.allowed)})"))
        if column.minimum is not None:
            rules.append((f"{typed} < {column.minimum!r}", name, f"values below {column.minimum:g}"))
        if column.maximum is not None:
            rules.append((f"{typed} > {column.maximum!r}", name, f"values above {column.maximum:g}"))
    rules += [(cond, column, message) for t, cond, column, message in _RULES if t == table]
    return rules


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
        checker.counts(name, _checked_relation(name, relation, set(columns[name])), _column_rules(name, set(columns[name])))
        for column in TABLES[name].columns:
            if column.unique:
                checker.rows(name, f"(SELECT {quote(column.name)} FROM {name} WHERE {quote(column.name)} IS NOT NULL "
                                   f"GROUP BY {quote(column.name)} HAVING COUNT(*) > 1) AS repeated", "TRUE",
                             column.name, "duplicate values (must be unique)")
        if name != "partners":
            checker.rows(name, f"{name} AS t", "t.partner_id IS NOT NULL AND NOT EXISTS "
                                               "(SELECT 1 FROM partners AS p WHERE p.partner_id = t.partner_id)",
                         "partner_id", "refers to partners not in partners", "t.partner_id")
    if "targets" in relations:
        checker.rows("targets", "(SELECT kpi FROM targets WHERE partner_id IS NOT NULL AND kpi IS NOT NULL "
                                "AND period_start IS NOT NULL GROUP BY partner_id, kpi, period_start "
                                "HAVING COUNT(*) > 1) AS repeated", "TRUE", "period_start",
                     "more than one target for the same partner, kpi and period", "kpi")
    if "surveys" in relations:
        checker.rows("surveys", "surveys AS s", "s.deal_id IS NOT NULL AND NOT EXISTS "
                                                "(SELECT 1 FROM deals AS d WHERE d.deal_id = s.deal_id)",
                     "deal_id", "refers to deals not in deals", "s.deal_id")
    return checker.problems, _warnings(engine, labels, set(relations))


def _warnings(engine: Engine, labels: Mapping[str, str], supplied: set[str]) -> list[str]:
    warnings = []
    types = set(engine.fetch("SELECT DISTINCT partner_type FROM partners WHERE partner_type IS NOT NULL")
                .iloc[:, 0].astype(str))
    unknown = sorted(types - set(PARTNER_TYPES))
    if unknown:
        warnings.append(f"{labels['partners']}: partner types {unknown} are not configured by default; "
                        "they use the default KPI set unless params/ define one")
    idle = engine.fetch("SELECT partner_id FROM partners AS p WHERE NOT EXISTS "
                        "(SELECT 1 FROM deals AS d WHERE d.partner_id = p.partner_id) ORDER BY partner_id")
    if len(idle):
        warnings.append(f"{len(idle)} partner(s) have no deals (e.g. {', '.join(idle.iloc[:5, 0].astype(str))})")
    if "mdf" in supplied:
        over = engine.fetch("SELECT COUNT(*) AS n FROM mdf WHERE amount_claimed > amount_approved")["n"].iloc[0]
        if over:
            warnings.append(f"{labels['mdf']}: {int(over)} fund(s) claim more than was approved")
    return warnings
