"""SQL text helpers shared by the file/database sources and the engines: quoting and safe messages."""

from __future__ import annotations

import re

__all__ = ["quote", "literal", "safe_url"]


def quote(name: str) -> str:
    """Quote an SQL identifier.

    Examples
    --------
    >>> print(quote("close value"), quote('a"b'))
    "close value" "a""b"
    """
    return '"' + name.replace('"', '""') + '"'


def literal(text: str) -> str:
    """Quote an SQL string literal.

    Examples
    --------
    >>> literal("O'Brien")
    "'O''Brien'"
    """
    return "'" + text.replace("'", "''") + "'"


def safe_url(url: str) -> str:
    """The URL without its password, for messages."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)
