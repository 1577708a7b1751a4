"""A throwaway PostgreSQL server for tests: ``from conftest_postgres import postgres_db, postgres_url``.

(Imported by the test modules that need it rather than listed in ``pytest_plugins``: pytest's
``--doctest-modules`` already imports this file, and a plugin imported twice triggers a warning.)

The ``postgres_url`` fixture (session scope) runs ``initdb`` into a fresh temporary
folder and starts ``postgres`` on a free loopback port with trust authentication,
``fsync`` off and nothing else touched; it is stopped and deleted after the session.

* The binaries are found on ``PATH`` or in Debian's ``/usr/lib/postgresql/<version>/bin``;
  without them (or without psycopg) the tests that need the server are skipped with the
  reason, never failed. ``.ci/run`` installs them (``apt-get install -y postgresql``).
* PostgreSQL refuses to run as root. When the tests run as root, the server runs as the
  ``postgres`` account the Debian package creates (else ``nobody``) through
  ``subprocess``'s ``user=``/``group=`` arguments, so neither ``su`` nor ``runuser`` is needed.
* A server that is installed but fails to start is an error, with its log in the message.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

_BINARIES = ("initdb", "pg_ctl")


def postgres_bindir() -> Path | None:
    """Folder holding ``initdb`` and ``pg_ctl``: on PATH, else the newest Debian install."""
    on_path = [shutil.which(name) for name in _BINARIES]
    if all(on_path):
        return Path(on_path[0]).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: _version(p.parent.name))
    for bindir in reversed(versions):
        if all((bindir / name).is_file() for name in _BINARIES):
            return bindir
    return None


def _version(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(".") if part.isdigit())


def _server_account() -> pwd.struct_passwd | None:
    """The account to run the server as when we are root (None: run as ourselves)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            continue
    raise RuntimeError("running as root and neither a 'postgres' nor a 'nobody' account exists")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Server:
    def __init__(self, bindir: Path, folder: Path, account: pwd.struct_passwd | None) -> None:
        self.bindir, self.folder, self.account = bindir, folder, account
        self.data = folder / "data"
        self.log = folder / "server.log"
        self.port = _free_port()

    def run(self, *args: str) -> subprocess.CompletedProcess:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C", "HOME": str(self.folder)}
        options = {} if self.account is None else {"user": self.account.pw_uid, "group": self.account.pw_gid,
                                                   "extra_groups": []}
        return subprocess.run([str(self.bindir / args[0]), *args[1:]], cwd=self.folder, env=env,
                              capture_output=True, text=True, timeout=120, **options)

    def start(self) -> None:
        if self.account is not None:
            os.chown(self.folder, self.account.pw_uid, self.account.pw_gid)
        done = self.run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--encoding=UTF8",
                        "--no-locale", "--no-sync")
        if done.returncode:
            raise RuntimeError(f"initdb failed:\n{done.stdout}\n{done.stderr}")
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        done = self.run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-o", options, "-w", "-t", "60", "start")
        if done.returncode:
            log = self.log.read_text(errors="replace") if self.log.exists() else ""
            raise RuntimeError(f"PostgreSQL did not start:\n{done.stdout}\n{done.stderr}\n{log}")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self.run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")

    @property
    def url(self) -> str:
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """SQLAlchemy URL of a fresh, empty PostgreSQL database (skips if PostgreSQL is not installed)."""
    pytest.importorskip("psycopg", reason="psycopg is not installed (pip install 'psycopg[binary]')")
    bindir = postgres_bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) not found on PATH or in /usr/lib/postgresql; "
                    "install them with: apt-get install -y postgresql")
    folder = Path(tempfile.mkdtemp(prefix="partner-analytics-pg-"))
    server = _Server(bindir, folder, _server_account())
    try:
        server.start()
        yield server.url
    finally:
        server.stop()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def postgres_db(postgres_url: str, request: pytest.FixtureRequest) -> Iterator[str]:
    """SQLAlchemy URL of a new empty database on the test server, dropped after the test."""
    import sqlalchemy as sa

    name = "t_" + "".join(c if c.isalnum() else "_" for c in request.node.name.lower())[:55]
    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield postgres_url.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def write_csv_folder(url: str, folder: Path) -> None:
    """(Re)write each ``<table>.csv`` of ``folder`` to the database as a table of text columns, values as they are."""
    import pandas as pd
    import sqlalchemy as sa

    engine = sa.create_engine(url)
    try:
        with engine.begin() as connection:
            for path in sorted(Path(folder).glob("*.csv")):
                frame = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
                frame.to_sql(path.stem, connection, index=False, if_exists="replace")
    finally:
        engine.dispose()
