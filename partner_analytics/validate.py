"""Turn raw source frames into typed, checked program tables.

Two steps, both collecting every problem instead of stopping at the first:

1. :func:`coerce_table` parses each column to its schema kind and checks the
   column-level rules (present, non-blank, unique, allowed codes, bounds).
2. :func:`check_program` checks the rules that span tables (a deal must point
   at a known partner, ``closed_on`` must not precede ``created_on``, a score
   must fit its scale, ...) and gathers warnings for suspicious but valid data.

Row numbers in problems count the header as row 1, so they match CSV line
numbers and spreadsheet rows.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from .errors import Problem
from .schema import EMAIL_PATTERN, PARTNER_TYPES, Column, Table

__all__ = ["coerce_table", "check_program"]

_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}
_EARLIEST, _LATEST = pd.Timestamp("1678-01-01"), pd.Timestamp("2261-12-31")  # nanosecond-safe dates
_HEADER_ROWS = 2  # row number of the first data row (header is row 1)


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
    return typed, problems


def _column_problems(
    column: Column, source: pd.Series, parsed: pd.Series, unparseable: pd.Series, file: str
) -> list[Problem]:
    name = column.name
    found: list[Problem] = []
    if unparseable.any():
        expected = {
            "date": "a date like 2024-03-31",
            "number": "a number",
            "boolean": "true/false, yes/no or 1/0",
            "email": "an e-mail address like name@example.com",
        }[column.kind]
        found.append(_problem_at(file, name, unparseable, source, f"cannot be read as {expected}"))
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
    """Check the rules that span columns and tables.

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
    known = set(partners["partner_id"].dropna())

    for name, table in tables.items():
        if name == "partners" or "partner_id" not in table:
            continue
        ids = table["partner_id"]
        unknown = ids.notna() & ~ids.isin(known)
        if unknown.any():
            problems.append(_problem_at(files[name], "partner_id", unknown, ids, "refers to partners not in partners"))

    problems += _deal_problems(tables["deals"], files["deals"])
    if "targets" in tables:
        problems += _target_problems(tables["targets"], files["targets"])
    if "surveys" in tables:
        problems += _survey_problems(tables["surveys"], tables["deals"], files["surveys"])

    churned_early = partners["churned_on"].notna() & (partners["churned_on"] < partners["onboarded_on"])
    if churned_early.any():
        problems.append(
            _problem_at(files["partners"], "churned_on", churned_early, partners["churned_on"], "is before onboarded_on")
        )

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


def _deal_problems(deals: pd.DataFrame, file: str) -> list[Problem]:
    found: list[Problem] = []
    direct = deals["attribution"] == "direct"
    no_partner = deals["partner_id"].isna()
    mismatch = (direct & ~no_partner) | (~direct & no_partner & deals["attribution"].notna())
    if mismatch.any():
        found.append(
            _problem_at(file, "attribution", mismatch, deals["attribution"],
                        "must be 'direct' exactly when partner_id is blank")
        )
    backwards = deals["closed_on"] < deals["created_on"]
    if backwards.any():
        found.append(_problem_at(file, "closed_on", backwards, deals["closed_on"], "is before created_on"))
    is_open = deals["stage"] == "open"
    closed_open = is_open & deals["closed_on"].notna()
    if closed_open.any():
        found.append(_problem_at(file, "closed_on", closed_open, deals["closed_on"], "is set on open deals"))
    unclosed = deals["stage"].isin(["won", "lost"]) & deals["closed_on"].isna()
    if unclosed.any():
        found.append(_problem_at(file, "closed_on", unclosed, deals["stage"], "is blank on won/lost deals"))
    return found


def _target_problems(targets: pd.DataFrame, file: str) -> list[Problem]:
    found: list[Problem] = []
    backwards = targets["period_end"] < targets["period_start"]
    if backwards.any():
        found.append(_problem_at(file, "period_end", backwards, targets["period_end"], "is before period_start"))
    key = ["partner_id", "kpi", "period_start"]
    dup = targets[key].notna().all(axis=1) & targets.duplicated(key, keep=False)
    if dup.any():
        found.append(_problem_at(file, "period_start", dup, targets["kpi"],
                                 "more than one target for the same partner, kpi and period"))
    return found


def _survey_problems(surveys: pd.DataFrame, deals: pd.DataFrame, file: str) -> list[Problem]:
    found: list[Problem] = []
    over = surveys["score"] > surveys["scale_max"]
    if over.any():
        found.append(_problem_at(file, "score", over, surveys["score"], "is above scale_max"))
    unknown = surveys["deal_id"].notna() & ~surveys["deal_id"].isin(deals["deal_id"])
    if unknown.any():
        found.append(_problem_at(file, "deal_id", unknown, surveys["deal_id"], "refers to deals not in deals"))
    return found

