"""Engines that run the rollup queries: DuckDB, Spark and SQL databases.

An :class:`Engine` runs a DuckDB-dialect query (see
:mod:`partner_analytics.engine.queries`) in its own dialect and returns the
(compact) result as a pandas frame. Engines import their client library only
when created, so importing this module costs nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from .queries import transpile

__all__ = ["Engine", "DuckDBEngine", "SparkEngine", "SQLEngine", "SQLALCHEMY_DIALECTS"]

SQLALCHEMY_DIALECTS = {
    "postgresql": "postgres",
    "mysql": "mysql",
    "mariadb": "mysql",
    "mssql": "tsql",
    "oracle": "oracle",
    "sqlite": "sqlite",
    "snowflake": "snowflake",
    "bigquery": "bigquery",
    "redshift": "redshift",
    "trino": "trino",
    "databricks": "databricks",
}
"""SQLAlchemy dialect name → sqlglot dialect name."""


class Engine:
    """Runs DuckDB-dialect SQL where the data lives.

    Attributes
    ----------
    dialect
        The sqlglot dialect queries are translated into.
    name
        Short name for messages (``duckdb``, ``spark``, ``postgresql``, ...).
    """

    dialect = "duckdb"
    name = "engine"

    def fetch(self, sql: str) -> pd.DataFrame:
        """Run one DuckDB-dialect query and return its result."""
        return self._run(transpile(sql, self.dialect))

    def tables(self) -> set[str]:
        """Names of the tables (or views) the engine can query, lower case."""
        raise NotImplementedError

    def _run(self, sql: str) -> pd.DataFrame:
        raise NotImplementedError

    def close(self) -> None:
        """Release what the engine holds (connections, sessions it started)."""

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class DuckDBEngine(Engine):
    """DuckDB: embedded, reads pandas frames, Parquet/CSV files and DuckDB databases in place.

    Parameters
    ----------
    connection
        An open ``duckdb`` connection; default a new in-memory one (closed by
        :meth:`close`).
    threads
        Worker threads (default: DuckDB's choice, one per core).
    memory_limit
        For example ``"4GB"``; DuckDB spills to disk beyond it.

    Examples
    --------
    >>> engine = DuckDBEngine.from_frames({"t": pd.DataFrame({"x": [1, 2, 3]})})
    >>> int(engine.fetch("SELECT SUM(x) AS s FROM t")["s"].iloc[0])
    6
    """

    dialect = name = "duckdb"

    def __init__(self, connection: Any = None, *, threads: int | None = None, memory_limit: str | None = None) -> None:
        import duckdb

        self._owned = connection is None
        self.con = duckdb.connect() if connection is None else connection
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        if memory_limit:
            self.con.execute("SET memory_limit = ?", [str(memory_limit)])

    @classmethod
    def from_frames(cls, frames: Mapping[str, pd.DataFrame]) -> DuckDBEngine:
        """An in-memory engine with each frame registered (not copied) under its name."""
        engine = cls()
        for name, frame in frames.items():
            engine.con.register(name, frame)
        return engine

    def tables(self) -> set[str]:
        names = self.con.execute("SELECT table_name FROM information_schema.tables").fetchall()
        return {str(n).lower() for (n,) in names}

    def _run(self, sql: str) -> pd.DataFrame:
        return self.con.execute(sql).df()

    def close(self) -> None:
        if self._owned:
            self.con.close()


class SparkEngine(Engine):
    """Apache Spark through PySpark: local mode or a cluster.

    Parameters
    ----------
    session
        A ``SparkSession``; default: one built from ``master`` and ``conf``
        (stopped by :meth:`close`).
    master
        Spark master URL, e.g. ``local[*]`` (default) or ``spark://host:7077``.
    conf
        Extra Spark settings, e.g. ``{"spark.executor.memory": "8g"}``.
    """

    dialect = name = "spark"

    def __init__(self, session: Any = None, *, master: str = "local[*]", conf: Mapping[str, str] | None = None) -> None:
        self._owned = session is None
        if session is None:
            from pyspark.sql import SparkSession

            builder = (SparkSession.builder.master(master).appName("partner-analytics")
                       .config("spark.sql.session.timeZone", "UTC")
                       .config("spark.sql.execution.arrow.pyspark.enabled", "true")
                       .config("spark.ui.enabled", "false"))
            for key, value in (conf or {}).items():
                builder = builder.config(key, str(value))
            session = builder.getOrCreate()
        self.session = session

    def register_parquet(self, name: str, path: str) -> None:
        """Expose Parquet file(s) at ``path`` as temporary view ``name``."""
        self.session.read.parquet(str(path)).createOrReplaceTempView(name)

    def register_frame(self, name: str, frame: pd.DataFrame) -> None:
        """Expose a pandas frame as temporary view ``name``."""
        self.session.createDataFrame(frame).createOrReplaceTempView(name)

    def tables(self) -> set[str]:
        return {t.name.lower() for t in self.session.catalog.listTables()}

    def _run(self, sql: str) -> pd.DataFrame:
        return self.session.sql(sql).toPandas()

    def close(self) -> None:
        if self._owned:
            self.session.stop()


class SQLEngine(Engine):
    """A SQL database through SQLAlchemy (PostgreSQL and any dialect sqlglot writes).

    Parameters
    ----------
    url
        A SQLAlchemy URL, e.g. ``postgresql+psycopg://user@host/db``, or an
        existing SQLAlchemy engine.
    schema
        Schema holding the program tables (default: the connection's).
    """

    def __init__(self, url: Any, *, schema: str | None = None) -> None:
        import sqlalchemy as sa

        self._owned = isinstance(url, str)
        self.engine = sa.create_engine(url) if isinstance(url, str) else url
        self.schema = schema
        self.name = self.engine.dialect.name
        if self.name not in SQLALCHEMY_DIALECTS:
            raise ValueError(f"no SQL dialect known for database '{self.name}'; "
                             f"known: {', '.join(sorted(SQLALCHEMY_DIALECTS))}")
        self.dialect = SQLALCHEMY_DIALECTS[self.name]

    def tables(self) -> set[str]:
        import sqlalchemy as sa

        inspector = sa.inspect(self.engine)
        names = [*inspector.get_table_names(schema=self.schema), *inspector.get_view_names(schema=self.schema)]
        return {n.lower() for n in names}

    def _run(self, sql: str) -> pd.DataFrame:
        import sqlalchemy as sa

        with self.engine.connect() as connection:
            if self.schema and self.name == "postgresql":
                connection.execute(sa.text("SELECT set_config('search_path', :s, false)"), {"s": self.schema})
            return pd.read_sql_query(sa.text(sql), connection)

    def close(self) -> None:
        if self._owned:
            self.engine.dispose()
