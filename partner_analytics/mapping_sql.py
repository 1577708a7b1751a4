"""The SQL behind the column mapping; moved to :mod:`partner_analytics.loading.mapping_sql` (names kept here)."""

from .loading.mapping_sql import Query, build_query, error_text, find_culprits, from_clause

__all__ = ["Query", "build_query", "find_culprits", "error_text", "from_clause"]
