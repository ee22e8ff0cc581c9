"""Databases for the ledger and server tests: SQLite files, and a real PostgreSQL server.

The PostgreSQL cluster is started once per test session from Debian's
binaries in a temporary directory on a free port, as an unprivileged user
(PostgreSQL refuses to run as root). Each test gets a database of its own.
The PostgreSQL tests are skipped only when the binaries are absent and the
run is not CI's (``CI`` set means they must run).
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
from pathlib import Path

import pytest

_counter = itertools.count()


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


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """``postgresql+psycopg://postgres@127.0.0.1:PORT``: a throwaway cluster."""
    bindir = _pg_bin()
    if bindir is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL binaries not found, and CI requires the PostgreSQL tests")
        pytest.skip("PostgreSQL binaries not found (apt-get install postgresql)")
    user = "nobody" if os.geteuid() == 0 else None
    root = Path(tempfile.mkdtemp(prefix="detente-pg-"))
    data = root / "data"
    if user:
        pw = pwd.getpwnam(user)
        os.chown(root, pw.pw_uid, pw.pw_gid)
    port = free_port()
    subprocess.run(
        _as_user([str(bindir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres"], user),
        check=True,
        capture_output=True,
    )
    opts = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=on"
    subprocess.run(
        _as_user(
            [
                str(bindir / "pg_ctl"),
                "-D",
                str(data),
                "-o",
                opts,
                "-l",
                str(root / "log"),
                "-w",
                "start",
            ],
            user,
        ),
        check=True,
        capture_output=True,
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}"
    finally:
        subprocess.run(
            _as_user([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"], user),
            capture_output=True,
        )
        shutil.rmtree(root, ignore_errors=True)


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
