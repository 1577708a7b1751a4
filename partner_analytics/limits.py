"""Limits on input size, so a runaway export fails with a clear message instead of exhausting memory.

Defaults suit real programs; set the environment variables to change them
(e.g. ``PARTNER_ANALYTICS_MAX_CELL_CHARS=1000000``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from .errors import InputError

__all__ = ["InputLimits", "input_limits", "FILE_MB_VARIABLE", "CELL_CHARS_VARIABLE"]

FILE_MB_VARIABLE = "PARTNER_ANALYTICS_MAX_FILE_MB"
CELL_CHARS_VARIABLE = "PARTNER_ANALYTICS_MAX_CELL_CHARS"


@dataclass(frozen=True)
class InputLimits:
    """How large an input may be.

    Attributes
    ----------
    max_file_mb
        Largest table file (CSV, Parquet, Excel) read into memory, in MB (10**6 bytes).
    max_cell_chars
        Longest text value in any cell, in characters.
    """

    max_file_mb: float = 2000
    max_cell_chars: int = 100_000


def input_limits() -> InputLimits:
    """The limits in force: the defaults, or the environment variables where set.

    Raises
    ------
    ValueError
        If a variable is not a positive number.

    Examples
    --------
    >>> input_limits().max_cell_chars  # doctest: +SKIP
    100000
    """
    values = {}
    for field, variable, kind in (("max_file_mb", FILE_MB_VARIABLE, float),
                                  ("max_cell_chars", CELL_CHARS_VARIABLE, int)):
        text = os.environ.get(variable, "").strip()
        if text:
            try:
                values[field] = kind(text)
            except ValueError:
                values[field] = -1
            if values[field] <= 0:
                raise InputError(f"{variable} must be a positive {'whole ' if kind is int else ''}number, got {text!r}")
    return InputLimits(**values)
