"""Tables written for spreadsheets: values that a spreadsheet would run as formulas are neutralised.

A CSV or Excel cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a
carriage return is a formula to Excel, LibreOffice and Google Sheets (OWASP
"CSV injection"): a partner named ``=HYPERLINK("http://x","y")`` would become
a link, ``+cmd|' /C calc'!A0`` a command. Every CSV or Excel file the package
writes passes its frame through :func:`formula_safe` first.
"""

from __future__ import annotations

import re

import pandas as pd

__all__ = ["formula_safe", "formula_safe_value"]

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


def formula_safe_value(value: object) -> object:
    """``value`` with a ``'`` in front when a spreadsheet would read it as a formula.

    Only text changes; plain numbers written as text (``-12.5``) stay numbers.

    Examples
    --------
    >>> formula_safe_value('=HYPERLINK("http://x","y")')
    '\\'=HYPERLINK("http://x","y")'
    >>> formula_safe_value("@SUM(1)"), formula_safe_value("-12.5"), formula_safe_value(-3), formula_safe_value("Acme")
    ("'@SUM(1)", '-12.5', -3, 'Acme')
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


def formula_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` safe to write as CSV or Excel: formula-like text cells and headers get a ``'`` prefix.

    Numeric, date and boolean columns are unchanged; so are text cells that
    are plain numbers. The input is not modified.

    Parameters
    ----------
    frame
        The table to write.

    Returns
    -------
    DataFrame

    Examples
    --------
    >>> table = pd.DataFrame({"name": ["+cmd|' /C calc'!A0", "Acme", None], "delta": [-1.5, 2.0, None]})
    >>> formula_safe(table)
                      name  delta
    0  '+cmd|' /C calc'!A0   -1.5
    1                 Acme    2.0
    2                  NaN    NaN
    """
    safe = frame.rename(columns=formula_safe_value)
    for column in safe.columns:
        values = safe[column]
        if values.dtype == object or isinstance(values.dtype, (pd.StringDtype, pd.CategoricalDtype)):
            safe[column] = pd.Series([formula_safe_value(v) for v in values], index=values.index, dtype=object)
    return safe
