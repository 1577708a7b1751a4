"""Load a program: :func:`load_program` and :func:`open_source` (see :mod:`partner_analytics.loading`).

Kept so that ``partner_analytics.io`` imports keep working; the code lives in
:mod:`partner_analytics.loading.programs` and :mod:`partner_analytics.loading.files`.
"""

from .loading.files import DUCKDB_SUFFIXES, SUFFIXES, check_file_size, read_table_file
from .loading.programs import load_program, open_source, source_description

__all__ = ["load_program", "open_source", "read_table_file", "source_description", "SUFFIXES", "DUCKDB_SUFFIXES",
           "check_file_size"]
