"""Turn raw source frames into typed, checked program tables.

Two steps, both collecting every problem instead of stopping at the first:

1. :func:`coerce_table` parses each column to its schema kind and checks the
   column-level rules (present, non-blank, unique, allowed codes, bounds).
   It also runs the table's row rules (``closed_on`` must not precede
   ``created_on``, a score must fit its scale, ...).
2. :func:`check_program` checks the rules that span tables (a deal must point
   at a known partner, one target per partner, kpi and period) and gathers
   warnings for suspicious but valid data.

The rules beyond single columns are declared once in :mod:`partner_analytics.rules`;
:mod:`partner_analytics.engine.checks` runs the same declarations as SQL.

Row numbers in problems count the header as row 1, so they match CSV line
numbers and spreadsheet rows.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .errors import MAX_EXAMPLES, Problem
from .rules import (CONTROL_CHARACTERS, EXPECTED, REFERENCES, ROW_RULES, UNIQUE_KEYS, control_characters_removed,
                    too_long)
from .schema import EMAIL_PATTERN, PARTNER_TYPES, Column, Table

__all__ = ["coerce_table", "check_program", "strip_control_characters", "long_values", "CONTROL_CHARACTERS"]

_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}
_EARLIEST, _LATEST = pd.Timestamp("1678-01-01"), pd.Timestamp("2261-12-31")  # nanosecond-safe dates
_HEADER_ROWS = 2  # row number of the first data row (header is row 1)


def strip_control_characters(raw: pd.DataFrame, file: str) -> tuple[pd.DataFrame, list[str]]:
    """Remove control characters (NUL, escape, ...) from the text cells of a raw table.

    They have no place in names or codes and can change how a value shows in
    a page, a terminal or a chart; each affected column gives one warning.

    Parameters
    ----------
    raw
        A table as read (not modified).
    file
        File name for the warnings.

    Returns
    -------
    tuple of (DataFrame, list of str)
        The cleaned table (``raw`` itself when nothing changed) and the warnings.

    Examples
    --------
    >>> frame, warnings = strip_control_characters(pd.DataFrame({"name": ["A\\x00cme", "Beta"]}), "partners.csv")
    >>> frame["name"].tolist(), warnings
    (['Acme', 'Beta'], ["partners.csv, column 'name': control characters removed from 1 value (rows 2)"])
    """
    cleaned, warnings = raw, []
    for column, text in _text_columns(raw):
        found = text.str.contains(CONTROL_CHARACTERS, regex=True).fillna(False).astype(bool)
        if found.any():
            if cleaned is raw:
                cleaned = raw.copy()
            values = raw[column].astype(object)
            values[found] = text[found].str.replace(CONTROL_CHARACTERS, "", regex=True).astype(object)
            cleaned[column] = values
            rows = _row_numbers(found)
            shown = ", ".join(map(str, rows[:MAX_EXAMPLES])) + (", ..." if len(rows) > MAX_EXAMPLES else "")
            warnings.append(f"{control_characters_removed(file, column, len(rows))} (rows {shown})")
    return cleaned, warnings


def long_values(raw: pd.DataFrame, file: str, max_chars: int) -> list[Problem]:
    """One problem per column holding text longer than ``max_chars`` characters.

    Examples
    --------
    >>> print(long_values(pd.DataFrame({"comment": ["ok", "x" * 50]}), "surveys.csv", 10)[0])
    surveys.csv, column 'comment': values longer than 10 characters (the limit; set PARTNER_ANALYTICS_MAX_CELL_CHARS to raise it) [1 row: 3 ('50 characters')]
    """
    found = []
    for column, text in _text_columns(raw):
        lengths = text.str.len()
        long = (lengths > max_chars).fillna(False).astype(bool)
        if long.any():
            found.append(Problem(file, too_long(max_chars), str(column), _row_numbers(long),
                                 tuple(f"{int(n):,} characters" for n in lengths[long])))
    return found


def _text_columns(raw: pd.DataFrame):
    """(name, values as a string Series) of each text or mixed column of a raw table."""
    for column in raw.columns:
        values = raw[column]
        if isinstance(values.dtype, pd.StringDtype):
            yield column, values
        elif values.dtype == object and pd.api.types.infer_dtype(values, skipna=True) in ("string", "mixed",
                                                                                          "mixed-integer"):
            yield column, values.astype("string")  # mixed values (e.g. from Excel): checked in their text form


def _row_numbers(mask: pd.Series) -> tuple[int, ...]:
    positions = np.flatnonzero(mask.to_numpy(dtype=bool, na_value=False))
    return tuple(int(p) + _HEADER_ROWS for p in positions)


def _shown(values: pd.Series) -> tuple[str, ...]:
    return tuple("" if pd.isna(v) else str(v) for v in values)


def _problem_at(file: str, column: str | None, mask: pd.Series, source: pd.Series, message: str) -> Problem:
    return Problem(file, message, column, _row_numbers(mask), _shown(source[mask.fillna(False).astype(bool)]))


def _blank(raw: pd.Series) -> pd.Series:
    """True where a raw value is missing or only whitespace."""
    missing = raw.isna()
    if raw.dtype == object or isinstance(raw.dtype, pd.StringDtype):
        as_text = raw.astype("str").str.strip()
        missing = missing | (as_text == "").fillna(True)
    return missing.astype(bool)


def _as_text(raw: pd.Series) -> pd.Series:
    """Text form of ids and strings; integral floats lose their ``.0``."""
    if pd.api.types.is_float_dtype(raw.dtype):
        whole = raw.dropna()
        if (whole == np.floor(whole)).all():
            raw = raw.astype("Int64")
    text = raw.astype("str").str.strip()
    return text.mask(text == "")


def _parse(column: Column, raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Parse ``raw`` to ``column.kind``; return (parsed, unparseable mask)."""
    blank = _blank(raw)
    kind = column.kind
    if kind in ("id", "string"):
        parsed = _as_text(raw)
    elif kind == "email":
        parsed = _as_text(raw)
        parsed = parsed.where(parsed.isna() | parsed.str.fullmatch(EMAIL_PATTERN).fillna(False))
    elif kind == "category":
        parsed = _as_text(raw).str.lower()
    elif kind == "date":
        if pd.api.types.is_datetime64_any_dtype(raw.dtype):
            parsed = raw.dt.tz_localize(None) if getattr(raw.dt, "tz", None) is not None else raw
        else:
            parsed = pd.to_datetime(raw.where(~blank), format="ISO8601", errors="coerce")
        in_range = parsed.isna() | ((parsed >= _EARLIEST) & (parsed <= _LATEST))
        parsed = parsed.where(in_range).astype("datetime64[ns]").dt.normalize()  # e.g. year 0024: unreadable
    elif kind == "number":
        if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
            parsed = raw.astype("float64")
        else:
            parsed = pd.to_numeric(raw.where(~blank).astype(object), errors="coerce").astype("float64")
    elif kind == "boolean":
        text = raw.astype("str").str.strip().str.lower()
        parsed = pd.Series(pd.NA, index=raw.index, dtype="boolean")
        parsed[text.isin(_TRUE).fillna(False)] = True
        parsed[text.isin(_FALSE).fillna(False)] = False
    else:  # pragma: no cover - Column validates kind
        raise ValueError(kind)
    unparseable = parsed.isna() & ~blank
    return parsed, unparseable


def coerce_table(table: Table, raw: pd.DataFrame, file: str) -> tuple[pd.DataFrame, list[Problem]]:
    """Parse and check one raw table against its schema.

    Parameters
    ----------
    table
        The schema of the table.
    raw
        The frame as read from the source; any dtypes (text files arrive as
        strings). Not modified.
    file
        File name used in problem messages.

    Returns
    -------
    tuple of (DataFrame, list of Problem)
        The typed table (schema columns first, in order, then any extra
        columns unchanged) and the problems found. The frame is only
        meaningful when the list is empty.
    """
    problems: list[Problem] = []
    raw = raw.rename(columns=lambda c: str(c).strip())
    duplicated = raw.columns[raw.columns.duplicated()].unique().tolist()
    if duplicated:
        problems.append(Problem(file, f"column{'s' if len(duplicated) > 1 else ''} {duplicated} appear more than once"))
        raw = raw.loc[:, ~raw.columns.duplicated()]
    missing = [c.name for c in table.columns if c.required and c.name not in raw.columns]
    if missing:
        problems.append(
            Problem(file, f"missing required column{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))}"
                    f" (found: {', '.join(map(repr, raw.columns))})")
        )
    if raw.empty and not missing:
        problems.append(Problem(file, "the table has no data rows"))

    out: dict[str, pd.Series] = {}
    for column in table.columns:
        if column.name not in raw.columns:
            out[column.name] = _parse(column, pd.Series(pd.NA, index=raw.index, dtype=object))[0]
            continue
        source = raw[column.name]
        parsed, unparseable = _parse(column, source)
        out[column.name] = parsed
        problems += _column_problems(column, source, parsed, unparseable, file)

    extras = {c: raw[c] for c in raw.columns if c not in out}
    typed = pd.DataFrame({**out, **extras}, index=raw.index).reset_index(drop=True)
    if not missing:
        problems += _row_rule_problems(table, typed, raw.reset_index(drop=True), file)
    return typed, problems


def _row_rule_problems(table: Table, typed: pd.DataFrame, raw: pd.DataFrame, file: str) -> list[Problem]:
    """Run the table's :data:`~partner_analytics.rules.ROW_RULES` on the typed frame (in DuckDB, as declared)."""
    rules = [rule for rule in ROW_RULES if rule.table == table.name]
    if not rules or typed.empty:
        return []
    import duckdb
    import pyarrow

    checked = typed[[c.name for c in table.columns]].copy()
    for column in table.columns:
        checked[f"blank__{column.name}"] = _blank(raw[column.name]) if column.name in raw else True
    checked["row__"] = np.arange(len(checked))
    found = []
    with duckdb.connect() as con:
        con.register("checked", pyarrow.Table.from_pandas(checked, preserve_index=False))  # NaN/NaT become NULL
        for rule in rules:
            rows = con.execute(f"SELECT row__ FROM checked WHERE {rule.condition}").fetchnumpy()["row__"]
            if len(rows):
                mask = pd.Series(False, index=typed.index)
                mask.iloc[rows] = True
                shown = raw[rule.shown_column] if rule.shown_column in raw else typed[rule.shown_column]
                found.append(_problem_at(file, rule.column, mask, shown, rule.message))
    return found


def _column_problems(
    column: Column, source: pd.Series, parsed: pd.Series, unparseable: pd.Series, file: str
) -> list[Problem]:
    name = column.name
    found: list[Problem] = []
    if unparseable.any():
        found.append(_problem_at(file, name, unparseable, source, f"cannot be read as {EXPECTED[column.kind]}"))
    blank = parsed.isna() & ~unparseable
    if not column.nullable and blank.any():
        found.append(Problem(file, "blank values are not allowed", name, _row_numbers(blank)))
    present = parsed.notna()
    if column.unique:
        dup = present & parsed.duplicated(keep=False)
        if dup.any():
            found.append(_problem_at(file, name, dup, source, "duplicate values (must be unique)"))
    if column.allowed is not None:
        bad = present & ~parsed.isin(column.allowed)
        if bad.any():
            found.append(_problem_at(file, name, bad, source, f"unknown values (allowed: {', '.join(column.allowed)})"))
    if column.minimum is not None:
        low = present & (parsed < column.minimum)
        if low.any():
            found.append(_problem_at(file, name, low, source, f"values below {column.minimum:g}"))
    if column.maximum is not None:
        high = present & (parsed > column.maximum)
        if high.any():
            found.append(_problem_at(file, name, high, source, f"values above {column.maximum:g}"))
    return found


def check_program(tables: Mapping[str, pd.DataFrame], files: Mapping[str, str]) -> tuple[list[Problem], list[str]]:
    """Check the rules that span tables: :data:`~partner_analytics.rules.REFERENCES` and ``UNIQUE_KEYS``.

    Parameters
    ----------
    tables
        Typed tables from :func:`coerce_table` (optional tables may be absent).
    files
        File name of each table, for messages.

    Returns
    -------
    tuple of (list of Problem, list of str)
        Errors, and warnings about suspicious but valid data.
    """
    problems: list[Problem] = []
    warnings: list[str] = []
    partners = tables["partners"]

    for reference in REFERENCES:
        if reference.target not in tables:
            continue
        known = tables[reference.target][reference.column]
        for name, table in tables.items():
            if not reference.applies_to(name) or reference.column not in table:
                continue
            ids = table[reference.column]
            unknown = ids.notna() & ~ids.isin(known)
            if unknown.any():
                problems.append(_problem_at(files[name], reference.column, unknown, ids, reference.message))
    for key in UNIQUE_KEYS:
        if key.table in tables:
            table = tables[key.table]
            dup = table[list(key.key)].notna().all(axis=1) & table.duplicated(list(key.key), keep=False)
            if dup.any():
                problems.append(_problem_at(files[key.table], key.column, dup, table[key.shown], key.message))

    unknown_types = sorted(set(partners["partner_type"].dropna()) - set(PARTNER_TYPES))
    if unknown_types:
        warnings.append(
            f"{files['partners']}: partner types {unknown_types} are not configured by default; "
            "they use the default KPI set unless params/ define one"
        )
    without_deals = partners.loc[~partners["partner_id"].isin(tables["deals"]["partner_id"]), "partner_id"]
    if len(without_deals):
        examples = ", ".join(without_deals.head(5))
        warnings.append(f"{len(without_deals)} partner(s) have no deals (e.g. {examples})")
    if "mdf" in tables:
        mdf = tables["mdf"]
        over = mdf["amount_claimed"] > mdf["amount_approved"]
        if over.any():
            warnings.append(f"{files['mdf']}: {int(over.sum())} fund(s) claim more than was approved")
    return problems, warnings
