"""Databases for the ledger and server tests: SQLite files, and a real PostgreSQL server.

The PostgreSQL cluster is started once per test session from Debian's
binaries in a temporary directory on a free port, as an unprivileged user
(PostgreSQL refuses to run as root). Each test gets a database of its own.
The PostgreSQL tests are skipped only when the binaries are absent and the
run is not CI's (``CI`` set means they must run).

``postgres_cluster`` gives the cluster itself (:class:`PostgresCluster`:
data directory, port, binaries, user; ``stop()`` and ``start()``), for tests
that take the database away (``tests/faults.py``); ``postgres_server`` is its
URL, what most tests want. Every conftest that imports these fixtures shares
the one cluster.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import pytest

_counter = itertools.count()

StopMode = Literal["smart", "fast", "immediate"]


def _pg_bin() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).resolve().parent
    versions = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
    return versions[-1].parent if versions else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _as_user(cmd: list[str], user: str | None) -> list[str]:
    return ["runuser", "-u", user, "--", *cmd] if user else cmd


@dataclass(frozen=True)
class PostgresCluster:
    """A throwaway PostgreSQL cluster: ``root`` holds ``data``, the socket and ``log``.

    The server listens on 127.0.0.1:``port`` with trust authentication for
    user ``postgres``; its processes run as ``user`` (None: the current user).
    ``stop()`` and ``start()`` keep the data directory and the port, so a
    stopped cluster comes back with every committed transaction (after crash
    recovery, if it was stopped with ``immediate``).
    """

    bindir: Path
    root: Path
    port: int
    user: str | None

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def log(self) -> Path:
        return self.root / "log"

    @property
    def url(self) -> str:
        """``postgresql+psycopg://postgres@127.0.0.1:PORT``: the server, no database named."""
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}"

    @staticmethod
    def create(bindir: Path, user: str | None) -> PostgresCluster:
        """A new cluster in a temporary directory, on a free port, not started."""
        root = Path(tempfile.mkdtemp(prefix="detente-pg-"))
        if user:
            pw = pwd.getpwnam(user)
            os.chown(root, pw.pw_uid, pw.pw_gid)
        cluster = PostgresCluster(bindir, root, free_port(), user)
        cluster._run("initdb", "-D", str(cluster.data), "-A", "trust", "-U", "postgres")
        return cluster

    def _run(self, program: str, *args: str, check: bool = True) -> int:
        done = subprocess.run(
            _as_user([str(self.bindir / program), *args], self.user), capture_output=True
        )
        if check and done.returncode != 0:
            raise RuntimeError(
                f"{program} {' '.join(args)} exited {done.returncode}: "
                f"{done.stderr.decode(errors='replace')}"
            )
        return done.returncode

    def start(self, timeout: float = 60) -> None:
        """Start the server and return once it accepts connections."""
        opts = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=on"
        self._run(
            "pg_ctl",
            *("-D", str(self.data), "-o", opts, "-l", str(self.log)),
            *("-w", "-t", str(int(timeout)), "start"),
        )

    def stop(self, mode: StopMode = "fast") -> None:
        """Stop the server and return once it is down (``pg_ctl stop -m MODE``).

        ``fast`` rolls back open transactions and closes every connection
        cleanly; ``immediate`` kills the server processes as a crash would.
        """
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def running(self) -> bool:
        return self._run("pg_ctl", "-D", str(self.data), "status", check=False) == 0

    def destroy(self) -> None:
        """Stop the server if it runs and remove its directory."""
        if self.running():
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop", check=False)
        shutil.rmtree(self.root, ignore_errors=True)


# One cluster for the whole test session, however many conftests import the
# fixtures (pytest makes one session fixture per conftest that defines it),
# and whichever of the two fixtures they import: each holds a reference.
_shared: PostgresCluster | None = None
_users = 0


@contextmanager
def _shared_cluster() -> Iterator[PostgresCluster]:
    global _shared, _users
    if _shared is None:
        bindir = _pg_bin()
        if bindir is None:
            if os.environ.get("CI"):
                pytest.fail("PostgreSQL binaries not found, and CI requires the PostgreSQL tests")
            pytest.skip("PostgreSQL binaries not found (apt-get install postgresql)")
        cluster = PostgresCluster.create(bindir, "nobody" if os.geteuid() == 0 else None)
        try:
            cluster.start()
        except BaseException:
            cluster.destroy()
            raise
        _shared = cluster
    _users += 1
    try:
        yield _shared
    finally:
        _users -= 1
        if _users == 0:
            _shared.destroy()
            _shared = None


@pytest.fixture(scope="session")
def postgres_cluster() -> Iterator[PostgresCluster]:
    """The test session's PostgreSQL cluster, running when handed out.

    A test that stops it must start it again before it ends (``tests/faults.py``
    does): the other tests of the session share it.
    """
    with _shared_cluster() as cluster:
        yield cluster


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """``postgresql+psycopg://postgres@127.0.0.1:PORT``: a throwaway cluster (the shared one)."""
    with _shared_cluster() as cluster:
        yield cluster.url


def new_postgres_database(server: str) -> str:
    """A fresh, empty database on the test cluster."""
    import psycopg

    name = f"t{os.getpid()}_{next(_counter)}"
    dsn = server.replace("postgresql+psycopg://", "postgresql://") + "/postgres"
    with psycopg.connect(dsn, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    return f"{server}/{name}"


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each test that takes it runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return str(tmp_path / "ledger.db")
    server: str = request.getfixturevalue("postgres_server")
    return new_postgres_database(server)
