"""SQL text helpers shared by the file/database sources and the engines: quoting and safe messages."""

from __future__ import annotations

import re

from .errors import InputError

__all__ = ["quote", "literal", "safe_url", "check_url", "first_line"]


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


_USER_PASSWORD = re.compile(r"(://[^:/?#@\s]*):[^/?#\s]*@")  # up to the last "@" before the path
_PASSWORD_PARAMETER = re.compile(r"([?&;](?:password|passwd|pwd|pass)=)[^&;#\s'\"]*?(?=[:,.]?(?:[\s&;#'\"]|$))", re.IGNORECASE)


def safe_url(url: str) -> str:
    """The URL (or any text holding URLs) with every password replaced by ``***``, for messages.

    Examples
    --------
    >>> safe_url("postgresql://:s3cret@host/db")
    'postgresql://:***@host/db'
    >>> safe_url("postgresql://u:p@ss@host:5432/db?sslmode=require&password=s3cret")
    'postgresql://u:***@host:5432/db?sslmode=require&password=***'
    >>> safe_url("mysql://me@host/db?pwd=a:b: cannot connect")
    'mysql://me@host/db?pwd=***: cannot connect'
    """
    return _PASSWORD_PARAMETER.sub(r"\1***", _USER_PASSWORD.sub(r"\1:***@", url))


def check_url(url: str) -> None:
    """Refuse a database URL whose user name or password holds a raw ``@``.

    Drivers split such a URL at the wrong ``@`` and print part of the
    password as the host name in their error; the message here names the
    cause without the secret.

    Raises
    ------
    InputError
        If the part before the host holds more than one ``@`` (a ``ValueError``).

    Examples
    --------
    >>> check_url("postgresql://u:p@ss@host/db")
    Traceback (most recent call last):
    ...
    partner_analytics.errors.InputError: postgresql://u:***@host/db: the user name or password contains '@'; write it as %40
    """
    authority = re.split(r"[/?#]", url.split("://", 1)[-1], maxsplit=1)[0]
    if authority.count("@") > 1:
        raise InputError(f"{safe_url(url)}: the user name or password contains '@'; write it as %40")


def first_line(error: BaseException) -> str:
    """The first line of an error's message with passwords masked: driver errors run to many lines.

    Examples
    --------
    >>> first_line(RuntimeError("(psycopg.OperationalError) bad login for postgresql://u:pw@h/db\\n[SQL: ...]"))
    '(psycopg.OperationalError) bad login for postgresql://u:***@h/db'
    """
    text = str(error).strip().splitlines()
    return safe_url(text[0] if text else type(error).__name__)
