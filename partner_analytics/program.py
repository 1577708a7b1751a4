"""The validated, immutable :class:`Program` every layer downstream reads."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd

from .errors import Problem, ProgramDataError
from .limits import input_limits
from .schema import REQUIRED_TABLES, TABLES
from .validate import check_program, coerce_table, long_values, strip_control_characters

__all__ = ["Program", "build_program"]


@dataclass(frozen=True, eq=False)
class Program:
    """A validated partner program: partners, deals, targets and optional tables.

    Create one with :func:`partner_analytics.load_program` (files) or
    :func:`build_program` (frames). Table attributes return a fresh
    copy-on-write view each time, so changing a returned frame never changes
    the program.

    Attributes
    ----------
    source
        Where the data came from (a path or a description).
    warnings
        Suspicious but valid findings, e.g. partners with no deals.
    """

    _tables: Mapping[str, pd.DataFrame] = field(repr=False)
    source: str = ""
    warnings: tuple[str, ...] = ()

    def table(self, name: str) -> pd.DataFrame:
        """Return table ``name``; an absent optional table is empty with schema columns."""
        if name not in TABLES:
            raise KeyError(f"unknown table {name!r}; tables are {', '.join(TABLES)}")
        if name not in self._tables:
            return _empty(name)
        return self._tables[name].copy(deep=False)

    def has(self, name: str) -> bool:
        """True if table ``name`` was supplied and has at least one row."""
        return name in self._tables and not self._tables[name].empty

    def close(self) -> None:
        """Nothing to release: here so in-memory and engine programs are used alike (``with``)."""

    def __enter__(self) -> Program:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def partners(self) -> pd.DataFrame:
        """The partners table."""
        return self.table("partners")

    @property
    def deals(self) -> pd.DataFrame:
        """The deals table (partner and direct deals)."""
        return self.table("deals")

    @property
    def targets(self) -> pd.DataFrame:
        """The targets table."""
        return self.table("targets")

    @property
    def engagement(self) -> pd.DataFrame:
        """The engagement table (empty if not supplied)."""
        return self.table("engagement")

    @property
    def surveys(self) -> pd.DataFrame:
        """The surveys table (empty if not supplied)."""
        return self.table("surveys")

    @property
    def mdf(self) -> pd.DataFrame:
        """The MDF table (empty if not supplied)."""
        return self.table("mdf")

    @cached_property
    def data_end(self) -> pd.Timestamp:
        """Latest date found in the data: the natural default "as of" date."""
        dates = [
            self._tables["deals"]["created_on"].max(),
            self._tables["deals"]["closed_on"].max(),
            *(self._tables[name][col].max() for name, col in _EVENT_DATES if name in self._tables),
        ]
        return max(d for d in dates if pd.notna(d))

    @cached_property
    def fingerprint(self) -> str:
        """SHA-256 of the table contents: changes whenever any value changes."""
        digest = hashlib.sha256()
        for name in TABLES:
            if name in self._tables:
                frame = self._tables[name]
                digest.update(name.encode())
                digest.update(",".join(map(str, frame.columns)).encode())
                digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
        return digest.hexdigest()

    def summary(self) -> pd.DataFrame:
        """One row per table: rows and whether it was supplied."""
        return pd.DataFrame(
            {
                "table": list(TABLES),
                "supplied": [name in self._tables for name in TABLES],
                "rows": [len(self._tables[name]) if name in self._tables else 0 for name in TABLES],
            }
        )


_EVENT_DATES = (("engagement", "occurred_on"), ("surveys", "responded_on"), ("mdf", "approved_on"))


def _empty(name: str) -> pd.DataFrame:
    columns = TABLES[name].columns
    frame, _ = coerce_table(TABLES[name], pd.DataFrame({c.name: pd.Series(dtype=object) for c in columns}), name)
    return frame


def build_program(
    frames: Mapping[str, pd.DataFrame],
    *,
    files: Mapping[str, str] | None = None,
    source: str = "",
) -> Program:
    """Validate raw frames and assemble a :class:`Program`.

    Parameters
    ----------
    frames
        Raw table frames by table name. ``partners``, ``deals`` and
        ``targets`` are required; ``engagement``, ``surveys`` and ``mdf`` are
        optional. Not modified.
    files
        Name to use for each table in messages (default: the table name).
    source
        Description of where the frames came from.

    Returns
    -------
    Program

    Raises
    ------
    ProgramDataError
        Listing every problem found, each naming the file, column and rows.

    Examples
    --------
    >>> from partner_analytics.sample import generate_sample
    >>> program = build_program(generate_sample(n_partners=20))
    >>> len(program.partners)
    20
    """
    files = {name: (files or {}).get(name, name) for name in TABLES}
    unknown = sorted(set(frames) - set(TABLES))
    if unknown:
        raise ValueError(f"unknown tables {unknown}; tables are {', '.join(TABLES)}")
    missing = [name for name in REQUIRED_TABLES if name not in frames]
    if missing:
        raise ProgramDataError(
            [Problem(files[name], f"required table '{name}' is missing") for name in missing], source
        )

    typed: dict[str, pd.DataFrame] = {}
    problems = []
    limits = input_limits()
    oversized: list[Problem] = []
    warnings: list[str] = []
    for name, raw in frames.items():
        if TABLES[name].optional and raw.empty and len(raw.columns) == 0:
            continue
        too_long = long_values(raw, files[name], limits.max_cell_chars)
        if too_long:  # nothing else is checked: the table is not what it claims to be
            oversized += too_long
            continue
        raw, cleaned = strip_control_characters(raw, files[name])
        warnings += cleaned
        frame, found = coerce_table(TABLES[name], raw, files[name])
        if TABLES[name].optional and frame.empty:
            if all(p.message == "the table has no data rows" for p in found):
                warnings.append(f"{files[name]}: the table is empty; it is treated as not supplied")
                continue
            found = [p for p in found if p.message != "the table has no data rows"]
        typed[name] = frame
        problems += found
    if oversized:
        raise ProgramDataError(oversized, source)
    cross, cross_warnings = check_program(typed, files)
    problems += cross
    warnings += cross_warnings
    if problems:
        raise ProgramDataError(problems, source)

    return Program(_tables=typed, source=source, warnings=tuple(warnings))
