"""The typed form of a program column on an engine: schema types whatever the source's own types.

Defined once, used by the views :mod:`~partner_analytics.engine.program` builds and by the SQL checks
(:mod:`~partner_analytics.engine.checks`), so both read a column the same way.
"""

from __future__ import annotations

from ..schema import WHITESPACE, Column
from ..sqltext import literal, quote

__all__ = ["SQL_TYPES", "typed_column", "typed_expression"]

SQL_TYPES = {"date": "DATE", "number": "DOUBLE", "boolean": "BOOLEAN"}
"""SQL type of each schema kind that is not text."""


def typed_column(column: Column, present: bool, plain: bool = False) -> str:
    """SQL expression giving ``column`` its schema type (blank text is missing), named after it.

    ``plain``: the source column is known to be in its typed form already (text without a blank,
    padded or upper-case value; a date, number or boolean stored as one; see
    :func:`~partner_analytics.engine.checks.scan_text`), so it is read as is, which saves trimming
    every value in every query.

    Examples
    --------
    >>> from partner_analytics.schema import TABLES
    >>> typed_column(TABLES["deals"].column("stage"), True)
    'LOWER(NULLIF(TRIM(CAST("stage" AS VARCHAR)), \\'\\')) AS "stage"'
    >>> typed_column(TABLES["deals"].column("stage"), True, plain=True)
    'CAST("stage" AS VARCHAR) AS "stage"'
    >>> typed_column(TABLES["deals"].column("amount"), True, plain=True)
    'CAST("amount" AS DOUBLE) AS "amount"'
    """
    if plain:
        expression = f"CAST({quote(column.name)} AS {SQL_TYPES.get(column.kind, 'VARCHAR')})"
    else:
        expression = typed_expression(column, present)
    return f"{expression} AS {quote(column.name)}"


def typed_expression(column: Column, present: bool) -> str:
    """The expression of :func:`typed_column`, unnamed."""
    name = quote(column.name)
    if column.kind in SQL_TYPES:
        sql_type = SQL_TYPES[column.kind]
        expression = f"TRY_CAST({name} AS {sql_type})" if present else f"CAST(NULL AS {sql_type})"
    elif not present:
        expression = "CAST(NULL AS VARCHAR)"
    elif column.kind == "email":  # stripped as pandas strips; a TRIM of many characters is slow, so only here
        expression = f"NULLIF(TRIM(CAST({name} AS VARCHAR), {literal(WHITESPACE)}), '')"
    else:
        text = f"NULLIF(TRIM(CAST({name} AS VARCHAR)), '')"
        expression = f"LOWER({text})" if column.kind == "category" else text
    return expression
