"""Loading: from files, workbooks, DuckDB files and databases to a validated :class:`~partner_analytics.Program`.

One direction, each module importing only those before it::

    files ──► catalogs ──► mapping_sql ──► mapping ──► programs
    (read one   (a source's   (one SELECT     (the mapping   (load_program, open_source:
     table file)  tables as     per mapped      YAML, applied  pick the reader, validate)
                  DuckDB        table)          to a catalog)
                  relations)

:mod:`partner_analytics.io`, ``sources``, ``mapping`` and ``mapping_sql`` re-export these modules' public
names for existing imports.
"""

from .programs import load_program, open_source, source_description

__all__ = ["load_program", "open_source", "source_description"]
