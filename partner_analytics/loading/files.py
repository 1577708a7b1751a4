"""Read program tables from files: a folder of table files, a workbook, one file.

The first layer of loading (``files`` → ``catalogs`` → ``mapping`` → ``programs``). Text files are read
as UTF-8 (a byte-order mark is accepted); every value is read as text first and parsed later by the
schema, so ``00123`` stays ``00123``.
"""

from __future__ import annotations

import io as _io
from pathlib import Path

import pandas as pd

from ..errors import Problem, ProgramDataError
from ..limits import FILE_MB_VARIABLE, input_limits
from ..schema import TABLES

__all__ = ["SUFFIXES", "DUCKDB_SUFFIXES", "check_file_size", "read_folder", "read_table_file", "read_workbook"]

SUFFIXES = (".csv", ".parquet", ".xlsx")
"""File types a folder source may use, per table."""

DUCKDB_SUFFIXES = (".duckdb", ".ddb")
"""File types read as a DuckDB database."""


def read_folder(folder: Path, encoding: str) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """Read one file per program table from a folder: ``(frames, file names)`` by table.

    Raises
    ------
    ProgramDataError
        Listing every missing required file, ambiguous table and unreadable file.
    """
    frames: dict[str, pd.DataFrame] = {}
    files: dict[str, str] = {}
    problems: list[Problem] = []
    for name, table in TABLES.items():
        candidates = [folder / f"{name}{suffix}" for suffix in SUFFIXES if (folder / f"{name}{suffix}").is_file()]
        if len(candidates) > 1:
            problems.append(Problem(name, f"more than one file for this table: {', '.join(p.name for p in candidates)}"))
            continue
        if not candidates:
            if not table.optional:
                expected = " or ".join(f"{name}{s}" for s in SUFFIXES)
                problems.append(Problem(f"{name}{SUFFIXES[0]}", f"required file not found in {folder} (expected {expected})"))
            continue
        path = candidates[0]
        files[name] = path.name
        try:
            frames[name] = read_table_file(path, encoding=encoding)
        except ProgramDataError as err:
            problems += err.problems
    if problems:
        raise ProgramDataError(problems, str(folder))
    return frames, files


def read_workbook(path: Path) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """Read one sheet per program table from an ``.xlsx`` workbook: ``(frames, labels)`` by table.

    Raises
    ------
    ProgramDataError
        If a required sheet is missing or the file is too large.
    """
    check_file_size(path)
    sheets = pd.read_excel(path, sheet_name=None, dtype=object)
    frames = {name: sheets[name] for name in TABLES if name in sheets}
    files = {name: f"{path.name}[{name}]" for name in frames}
    missing = [name for name, t in TABLES.items() if not t.optional and name not in sheets]
    if missing:
        raise ProgramDataError(
            [Problem(f"{path.name}[{name}]", f"required sheet '{name}' not found (sheets: {', '.join(sheets)})")
             for name in missing],
            str(path),
        )
    return frames, files


def check_file_size(path: Path) -> None:
    """Refuse a file larger than :func:`~partner_analytics.limits.input_limits` allows.

    Raises
    ------
    ProgramDataError
        Naming the file, its size, the limit and how to raise it.
    """
    limit = input_limits().max_file_mb
    size = path.stat().st_size / 1e6
    if size > limit:
        raise ProgramDataError([Problem(path.name, f"is {size:,.0f} MB, more than the limit of {limit:,g} MB "
                                                   f"(set {FILE_MB_VARIABLE} to raise it, or use an engine: "
                                                   "--engine duckdb reads large files in place)")], str(path))


def read_table_file(path: str | Path, *, encoding: str = "utf-8") -> pd.DataFrame:
    """Read one table file as raw values (text for CSV), without validation.

    Parameters
    ----------
    path
        A ``.csv``, ``.parquet`` or ``.xlsx`` file (first sheet).
    encoding
        Encoding of a CSV file.

    Returns
    -------
    DataFrame
        Raw values; CSV cells are strings and blank cells are ``NaN``.

    Raises
    ------
    ProgramDataError
        If the file is empty, not valid in its encoding, or unreadable.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    check_file_size(path)
    try:
        if suffix == ".csv":
            return _read_csv(path, encoding)
        if suffix == ".parquet":
            return pd.read_parquet(path)
        if suffix == ".xlsx":
            return pd.read_excel(path, dtype=object)
    except ProgramDataError:
        raise
    except Exception as err:  # a corrupt file: report it as data, not as a crash
        raise ProgramDataError([Problem(path.name, f"cannot be read: {err}")], str(path)) from err
    raise ProgramDataError([Problem(path.name, f"unsupported file type {suffix!r}")], str(path))


def _read_csv(path: Path, encoding: str) -> pd.DataFrame:
    data = path.read_bytes()
    codec = "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding
    try:
        text = data.decode(codec)
    except UnicodeDecodeError as err:
        line = data[: err.start].count(b"\n") + 1
        raise ProgramDataError(
            [Problem(path.name, f"is not valid {encoding} text (byte 0x{data[err.start]:02x} on line {line}); "
                                f"save it as UTF-8 or pass the file's encoding")],
            str(path),
        ) from None
    if not text.strip():
        raise ProgramDataError([Problem(path.name, "the file is empty (no header row)")], str(path))
    return pd.read_csv(_io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""], skipinitialspace=True)
