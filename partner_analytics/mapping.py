"""Column mapping; moved to :mod:`partner_analytics.loading.mapping` (names kept here)."""

from .loading.mapping import (
    JOIN_KEYS,
    TABLE_KEYS,
    TOP_KEYS,
    Join,
    MappedTables,
    Mapping,
    MappingError,
    TableSpec,
    map_source,
    parse_mapping,
    read_mapping,
)

__all__ = ["Mapping", "TableSpec", "Join", "MappingError", "MappedTables", "read_mapping", "parse_mapping",
           "map_source", "TABLE_KEYS", "JOIN_KEYS", "TOP_KEYS"]
