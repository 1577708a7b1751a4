"""Run the rollup where the data lives: DuckDB, Spark or a SQL database.

See :mod:`~partner_analytics.engine.queries` (the SQL, written once),
:mod:`~partner_analytics.engine.backends` (the engines),
:mod:`~partner_analytics.engine.checks` (validation as SQL) and
:mod:`~partner_analytics.engine.program` (:func:`open_program`).
"""

from .backends import DuckDBEngine, Engine, SparkEngine, SQLEngine
from .program import ENGINES, EngineProgram, open_program

__all__ = ["Engine", "DuckDBEngine", "SparkEngine", "SQLEngine", "EngineProgram", "open_program", "ENGINES"]
