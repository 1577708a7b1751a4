"""The package's errors: one base class, user errors apart from internal ones.

::

    PartnerAnalyticsError
    ├── UserError            the user can fix it: bad input, parameters or data, or the environment
    │   └── InputError       a bad value (also a ValueError): an argument, a parameter, a data file
    │       ├── ProgramDataError   the program's data (each Problem names the file, column and rows)
    │       │   └── loading.mapping.MappingError
    │       └── params.ParamsError
    └── InternalError        a bug in partner-analytics (also a RuntimeError)

Other user errors: ``render.lock.FolderLocked`` (also an ``OSError``) and ``render.pdf.PdfUnavailable``;
``render.worker.ReportFailed`` (one report's template failed) derives from the base. The command line
prints a :class:`UserError` (or an ``OSError``) as one line and anything else as a bug report.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["PartnerAnalyticsError", "UserError", "InputError", "InternalError", "Problem", "ProgramDataError",
           "MAX_EXAMPLES"]

MAX_EXAMPLES = 5
"""How many example rows/values a problem message lists."""


class PartnerAnalyticsError(Exception):
    """Base class of every error partner-analytics raises on purpose."""


class UserError(PartnerAnalyticsError):
    """Something the user can fix (input, parameters, data, environment); the message says what, in one line
    or one line per problem, and is shown without a traceback."""


class InputError(UserError, ValueError):
    """A bad value given by the user: a command-line argument, a parameter, an environment variable, data.

    Also a ``ValueError``, so code that catches those keeps working.

    Examples
    --------
    >>> isinstance(InputError("period 2031Q1 is outside the data"), (UserError, ValueError))
    True
    """


class InternalError(PartnerAnalyticsError, RuntimeError):
    """A bug in partner-analytics: a state the code should never reach (also a ``RuntimeError``)."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input data.

    Parameters
    ----------
    file
        Source file (or table) name, e.g. ``deals.csv``.
    message
        What is wrong, in plain language.
    column
        Column at fault, if any.
    rows
        Row numbers at fault, counting the header as row 1 (so they are the
        line numbers of a CSV file and the row numbers of a spreadsheet).
    values
        The offending values, aligned with ``rows``.
    """

    file: str
    message: str
    column: str | None = None
    rows: tuple[int, ...] = ()
    values: tuple[str, ...] = ()

    def __str__(self) -> str:
        where = self.file if self.column is None else f"{self.file}, column '{self.column}'"
        text = f"{where}: {self.message}"
        if self.rows:
            shown = [
                f"{row} ({value!r})" if value is not None else str(row)
                for row, value in zip(self.rows[:MAX_EXAMPLES], _pad(self.values, len(self.rows)))
            ]
            more = len(self.rows) - MAX_EXAMPLES
            text += f" [{len(self.rows)} row{'s' if len(self.rows) != 1 else ''}: " + ", ".join(shown)
            text += f", and {more} more]" if more > 0 else "]"
        return text


def _pad(values: Sequence[str], n: int) -> list[str | None]:
    return list(values[:n]) + [None] * (n - len(values))


class ProgramDataError(InputError):
    """The input data cannot be loaded; ``problems`` lists every reason.

    The message lists each problem on its own line, so it can be shown to a
    user as is (the CLI prints it to stderr without a traceback).
    """

    def __init__(self, problems: Sequence[Problem], source: str = "") -> None:
        self.problems = tuple(problems)
        self.source = source
        head = f"{source}: " if source else ""
        count = len(self.problems)
        lines = [f"{head}{count} problem{'s' if count != 1 else ''} found in the input data:"]
        lines += [f"  - {p}" for p in self.problems]
        super().__init__("\n".join(lines))
