"""Engines that run the rollup queries: DuckDB, Spark and SQL databases.

An :class:`Engine` runs a DuckDB-dialect query (see
:mod:`partner_analytics.engine.queries`) in its own dialect and returns the
(compact) result as a pandas frame. Engines import their client library only
when created, so importing this module costs nothing.
"""

from __future__ import annotations

import shutil
import tempfile
import warnings
import weakref
from collections.abc import Mapping
from typing import Any

import pandas as pd

from ..errors import InputError
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

    def define(self, name: str, sql: str) -> None:
        """Create (or replace) session-scoped view ``name`` from a DuckDB-dialect ``SELECT``."""
        self.execute(f"CREATE OR REPLACE TEMPORARY VIEW {name} AS {sql}")

    def materialize(self, name: str, sql: str) -> None:
        """Compute a DuckDB-dialect ``SELECT`` once into session-scoped table ``name`` (see :meth:`drop`)."""
        self.drop(name)
        self.execute(f"CREATE TEMPORARY TABLE {name} AS {sql}")

    def drop(self, name: str) -> None:
        """Drop a table made by :meth:`materialize`, if it exists."""
        self.execute(f"DROP TABLE IF EXISTS {name}")

    def stage(self, name: str, sql: str) -> None:
        """Make a DuckDB-dialect ``SELECT`` that several queries read available as ``name`` (see :meth:`unstage`).

        Computed once (:meth:`materialize`) by default; DuckDB keeps it a view (:meth:`define`).
        """
        self.materialize(name, sql)

    def unstage(self, name: str) -> None:
        """Release what :meth:`stage` made."""
        self.drop(name)

    def execute(self, sql: str) -> None:
        """Run one DuckDB-dialect statement that returns nothing."""
        raise NotImplementedError

    def columns(self, relation: str) -> list[str]:
        """Column names of a DuckDB-dialect relation (a table name or ``read_parquet(...)``)."""
        return list(self.fetch(f"SELECT * FROM {relation} LIMIT 0").columns)

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
        For example ``"4GB"``; DuckDB spills sorts, joins and grouping to disk
        beyond it (default DuckDB's, 80 % of RAM). The rollup's partner ×
        period medians are quantile aggregates, which cannot spill: at 100M
        deals they need more than 1GB. A connection the
        engine opens spills to a private temporary folder, removed by
        :meth:`close` (or at exit), not to ``.tmp`` in the working directory,
        and runs DuckDB's allocator background threads.

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
        self._spill = None
        if self._owned:
            spill = tempfile.mkdtemp(prefix="partner-analytics-duckdb-")
            self._spill = weakref.finalize(self, shutil.rmtree, spill, ignore_errors=True)  # at close or exit
            self.con.execute("SET temp_directory = ?", [spill])
            # The allocator's background threads return freed memory to the system while the caller works on a
            # result: the 10M-deal rollup peaks about 0.1 GiB lower, in the same time.
            self.con.execute("SET allocator_background_threads = true")
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

    def stage(self, name: str, sql: str) -> None:
        # A view: each query reads the source again, so memory stays bounded at any size (a temporary table
        # holds every row in memory: 0.6 GiB at 10M deals, 6 GiB at 100M).
        self.define(name, sql)

    def unstage(self, name: str) -> None:
        self.execute(f"DROP VIEW IF EXISTS {name}")

    def execute(self, sql: str) -> None:
        self.con.execute(sql)

    def _run(self, sql: str) -> pd.DataFrame:
        # through Arrow: several times faster than .df() for text columns, same values
        return self.con.sql(sql).to_arrow_table().to_pandas(date_as_object=False, self_destruct=True)

    def close(self) -> None:
        if self._owned:
            self.con.close()
            self._spill()


class SparkEngine(Engine):
    """Apache Spark through PySpark: local mode or a cluster.

    Parameters
    ----------
    session
        A ``SparkSession``; default: one built from ``master`` and ``conf``
        (stopped by :meth:`close`).
    master
        Spark master URL, e.g. ``local[2]``, ``yarn`` or ``spark://host:7077``;
        default: the one ``spark-submit`` (or ``spark-defaults.conf``) gives,
        else ``local[*]``.
    conf
        Extra Spark settings, e.g. ``{"spark.executor.memory": "8g"}``.
    """

    dialect = name = "spark"

    def __init__(self, session: Any = None, *, master: str | None = None,
                 conf: Mapping[str, str] | None = None) -> None:
        self._owned = session is None
        if session is None:
            from pyspark.sql import SparkSession

            builder = SparkSession.builder if master is None else SparkSession.builder.master(master)
            builder = (builder.appName("partner-analytics")
                       .config("spark.sql.session.timeZone", "UTC")
                       .config("spark.sql.execution.arrow.pyspark.enabled", "true")
                       .config("spark.ui.enabled", "false"))
            for key, value in (conf or {}).items():
                builder = builder.config(key, str(value))
            session = builder.getOrCreate()
        self.session = session

    def register_parquet(self, name: str, path: str) -> bool:
        """Expose Parquet file(s) at ``path`` as temporary view ``name``; False if there is nothing there."""
        from pyspark.errors import AnalysisException

        try:
            self.session.read.parquet(str(path)).createOrReplaceTempView(name)
        except AnalysisException as err:
            if "PATH_NOT_FOUND" in str(err):
                return False
            raise
        return True

    def register_frame(self, name: str, frame: pd.DataFrame) -> None:
        """Expose a pandas frame as temporary view ``name`` (used by tests and small tables)."""
        self.session.createDataFrame(frame).createOrReplaceTempView(name)

    def define(self, name: str, sql: str) -> None:
        self.session.sql(transpile(sql, self.dialect)).createOrReplaceTempView(name)

    def materialize(self, name: str, sql: str) -> None:
        self.session.sql(transpile(sql, self.dialect)).cache().createOrReplaceTempView(name)

    def drop(self, name: str) -> None:
        if self.session.catalog.tableExists(name):
            self.session.table(name).unpersist()
            self.session.catalog.dropTempView(name)

    def execute(self, sql: str) -> None:
        self.session.sql(transpile(sql, self.dialect))

    def _run(self, sql: str) -> pd.DataFrame:
        with warnings.catch_warnings():  # PySpark warns about pandas 3; tests/test_engines.py checks the results
            warnings.filterwarnings("ignore", module="pyspark")
            warnings.filterwarnings("ignore", "PySpark does not yet fully support", FutureWarning)
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
        self._connection = None
        self.name = self.engine.dialect.name
        if self.name not in SQLALCHEMY_DIALECTS:
            raise InputError(f"no SQL dialect known for database '{self.name}'; "
                             f"known: {', '.join(sorted(SQLALCHEMY_DIALECTS))}")
        self.dialect = SQLALCHEMY_DIALECTS[self.name]

    @property
    def connection(self) -> Any:
        """One autocommit connection for the engine's lifetime (temporary views live in it)."""
        if self._connection is None:
            self._connection = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        return self._connection

    def table_names(self) -> dict[str, str]:
        """Lower-case name → quoted, schema-qualified name of each table and view."""
        import sqlalchemy as sa

        inspector = sa.inspect(self.engine)
        schema = self.schema or inspector.default_schema_name
        names = [*inspector.get_table_names(schema=schema), *inspector.get_view_names(schema=schema)]
        return {n.lower(): f'"{schema}"."{n}"' if schema else f'"{n}"' for n in names}

    def materialize(self, name: str, sql: str) -> None:
        super().materialize(name, sql)
        if self.dialect == "postgres":  # without statistics the planner guesses a few rows and nests loops
            self.execute(f"ANALYZE {name}")

    def execute(self, sql: str) -> None:
        import sqlalchemy as sa

        try:
            self.connection.execute(sa.text(transpile(sql, self.dialect)))
        except sa.exc.SQLAlchemyError as err:
            raise self._failed(err) from err

    def _run(self, sql: str) -> pd.DataFrame:
        import sqlalchemy as sa

        try:
            return pd.read_sql_query(sa.text(sql), self.connection)
        except Exception as err:  # pandas wraps the driver's error, whose first line follows the whole query
            raise self._failed(err) from err

    def _failed(self, error: BaseException) -> InputError:
        """One line naming the database's own reason (e.g. a value it cannot read as a date), not the query."""
        from ..sqltext import first_line

        cause = error.__cause__ if error.__cause__ is not None else error
        return InputError(f"{self.name}: the database refused a query: {first_line(getattr(cause, 'orig', cause))}")

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        if self._owned:
            self.engine.dispose()
