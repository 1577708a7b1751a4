"""Run the rollup where the data lives: DuckDB, Spark or a SQL database.

See :mod:`~partner_analytics.engine.queries` (the SQL, written once),
:mod:`~partner_analytics.engine.backends` (the engines).
"""

from .backends import DuckDBEngine, Engine, SparkEngine, SQLEngine

__all__ = ["Engine", "DuckDBEngine", "SparkEngine", "SQLEngine"]
