"""The program's validation rules beyond single columns, each declared once for both checking paths.

Column rules (kind, blank, unique, allowed codes, bounds) come from the
schema (:mod:`partner_analytics.schema`). The rules here span columns or
tables. :mod:`partner_analytics.validate` runs them on pandas frames (with
line numbers) and :mod:`partner_analytics.engine.checks` as SQL in an engine
(with counts and examples); ``tests/test_faults_validation.py`` checks that
both find the same problems in the same corrupted tables.

A :class:`RowRule` condition is DuckDB SQL over one table's typed columns
plus ``blank__<column>``, true where the raw value was blank (so a value
that could not be read is not also reported as missing).
"""

from __future__ import annotations

from dataclasses import dataclass

from .limits import CELL_CHARS_VARIABLE

__all__ = ["RowRule", "Reference", "UniqueKey", "ROW_RULES", "REFERENCES", "UNIQUE_KEYS", "CONTROL_CHARACTERS",
           "EXPECTED", "control_characters_removed", "too_long"]


@dataclass(frozen=True)
class RowRule:
    """Rows of ``table`` meeting ``condition`` are wrong: ``column`` ``message``; examples show ``shown``."""

    table: str
    column: str
    message: str
    condition: str
    shown: str = ""

    @property
    def shown_column(self) -> str:
        """The column whose raw values illustrate the problem."""
        return self.shown or self.column


@dataclass(frozen=True)
class Reference:
    """Non-blank ``column`` of ``table`` (``"*"``: every table that has it except ``target``) must exist in ``target``."""

    table: str
    column: str
    target: str

    @property
    def message(self) -> str:
        return f"refers to {self.target} not in {self.target}"

    def applies_to(self, table: str) -> bool:
        """True when ``column`` of ``table`` (if it has one) must point at ``target``."""
        return self.table in ("*", table) and table != self.target


@dataclass(frozen=True)
class UniqueKey:
    """At most one row of ``table`` per value of ``key`` (rows with a blank key part are not compared)."""

    table: str
    key: tuple[str, ...]
    column: str
    message: str
    shown: str


ROW_RULES = (
    RowRule("partners", "churned_on", "is before onboarded_on", "churned_on < onboarded_on"),
    RowRule("deals", "attribution", "must be 'direct' exactly when partner_id is blank",
            "(attribution = 'direct' AND partner_id IS NOT NULL) OR (attribution <> 'direct' AND partner_id IS NULL)"),
    RowRule("deals", "closed_on", "is before created_on", "closed_on < created_on"),
    RowRule("deals", "closed_on", "is set on open deals", "stage = 'open' AND closed_on IS NOT NULL"),
    RowRule("deals", "closed_on", "is blank on won/lost deals", "stage IN ('won', 'lost') AND blank__closed_on",
            shown="stage"),
    RowRule("targets", "period_end", "is before period_start", "period_end < period_start"),
    RowRule("surveys", "score", "is above scale_max", "score > scale_max"),
)
"""Rules within one row."""

REFERENCES = (
    Reference("*", "partner_id", "partners"),
    Reference("surveys", "deal_id", "deals"),
)
"""Ids that must point at an existing row of another table."""

UNIQUE_KEYS = (
    UniqueKey("targets", ("partner_id", "kpi", "period_start"), "period_start",
              "more than one target for the same partner, kpi and period", shown="kpi"),
)
"""Keys of several columns; single unique columns are marked in the schema."""


EXPECTED = {"date": "a date like 2024-03-31", "number": "a number", "boolean": "true/false, yes/no or 1/0",
            "email": "an e-mail address like name@example.com"}
"""What a value of each checked kind must look like: the problem is "cannot be read as <this>"."""

CONTROL_CHARACTERS = r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]"
"""Characters removed from text values: C0 and C1 controls except tab, line feed and carriage return.

A regular expression that Python, DuckDB (RE2), Spark (Java) and PostgreSQL read alike.
"""


def control_characters_removed(file: str, column: str, count: int) -> str:
    """The warning for a column whose values held control characters (both paths; pandas adds the rows).

    Examples
    --------
    >>> control_characters_removed("partners.csv", "partner_name", 2)
    "partners.csv, column 'partner_name': control characters removed from 2 values"
    """
    return f"{file}, column '{column}': control characters removed from {count} value{'s' if count != 1 else ''}"


def too_long(max_chars: int) -> str:
    """The problem of a column holding text longer than the cell limit (both paths).

    Examples
    --------
    >>> too_long(1000)
    'values longer than 1,000 characters (the limit; set PARTNER_ANALYTICS_MAX_CELL_CHARS to raise it)'
    """
    return f"values longer than {max_chars:,} characters (the limit; set {CELL_CHARS_VARIABLE} to raise it)"
