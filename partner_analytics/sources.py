"""Source tables as DuckDB relations; moved to :mod:`partner_analytics.loading.catalogs` (names kept here)."""

from .loading.catalogs import (
    ROW,
    Catalog,
    DuckDBCatalog,
    FolderCatalog,
    SQLCatalog,
    WorkbookCatalog,
    is_database_url,
    open_catalog,
)

__all__ = ["Catalog", "open_catalog", "is_database_url", "ROW", "FolderCatalog", "WorkbookCatalog",
           "DuckDBCatalog", "SQLCatalog"]
