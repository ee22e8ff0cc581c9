"""Faults for the ledger and server tests: the database taken away for a while.

- :func:`postgres_outage`: the test session's PostgreSQL cluster stopped
  (``pg_ctl stop -m fast`` or ``immediate``) and started again on the same
  port and data directory.
- :func:`sqlite_write_lock`: an SQLite file's write lock held by another
  connection, so every other writer waits its busy timeout and then fails
  with "database is locked".
- :func:`set_busy_timeout`: lower (or raise) the busy timeout of an SQLite
  engine's connections, e.g. the in-process server's store, so a lock makes
  its writes fail in a fraction of a second instead of the store's several seconds.

Both faults are context managers that yield a :class:`Fault` handle: the
fault is in force when the ``with`` block starts, ends by itself after
``seconds`` if given, and ends at the latest when the block exits (also on an
exception), so a failing test never leaves the shared cluster down or a file
locked. ``fault.wait()`` waits for a timed fault to end by itself,
``fault.end()`` ends it early, ``fault.over`` tells whether it has ended.

The PostgreSQL cluster comes from the ``postgres_cluster`` fixture of
``tests/databases.py`` (import it next to ``postgres_server`` in a conftest
or test module); it is shared by the whole test session, so keep outages
short.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, event

from tests.databases import PostgresCluster, StopMode

__all__ = ["Fault", "postgres_outage", "set_busy_timeout", "sqlite_write_lock"]


class Fault:
    """A fault in force from ``began`` until ``end()`` has run (``ended`` then set).

    ``end()`` runs the given undo once, whichever thread calls it first (the
    timer of a timed fault, or the ``with`` block's exit); the other callers
    wait until it has finished. An error of an undo run by the timer is
    raised again by the next ``end()`` or ``wait()`` in the test's thread.
    """

    def __init__(self, undo: Callable[[], None], seconds: float | None) -> None:
        self._undo = undo
        self._lock = threading.Lock()
        self._done = threading.Event()
        self._error: BaseException | None = None
        self.began = time.monotonic()
        self.ended: float | None = None
        self._timer: threading.Timer | None = None
        if seconds is not None:
            self._timer = threading.Timer(seconds, self._finish)
            self._timer.daemon = True
            self._timer.start()

    @property
    def over(self) -> bool:
        return self._done.is_set()

    def end(self) -> None:
        """End the fault now (no-op if it has ended); return once it has."""
        self._finish()
        if self._timer is not None:
            self._timer.cancel()
        self._raise()

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for the fault to end (by its timer or another thread); True if it has."""
        done = self._done.wait(timeout)
        self._raise()
        return done

    def _finish(self) -> None:
        """Run the undo once; keep its error for the test's thread."""
        with self._lock:
            if self._done.is_set():
                return
            try:
                self._undo()
            except BaseException as err:
                self._error = err
            finally:
                self.ended = time.monotonic()
                self._done.set()

    def _raise(self) -> None:
        if self._error is not None:
            err, self._error = self._error, None
            raise err


@contextmanager
def postgres_outage(
    cluster: PostgresCluster, seconds: float | None = None, mode: StopMode = "fast"
) -> Iterator[Fault]:
    """The PostgreSQL cluster down: stopped on entry, started again by ``seconds`` or on exit.

    Entry returns once the server has stopped (``pg_ctl stop -m MODE -w``):
    ``fast`` rolls back open transactions and closes the connections (clients
    see their connection closed by the server), ``immediate`` kills the
    server processes without a shutdown checkpoint, like a crash (the restart
    then runs crash recovery). While it is down a new connection is refused
    and a pooled one fails on its next statement: SQLAlchemy raises
    ``OperationalError`` (an engine with ``pool_pre_ping``, like the
    ledger's store, fails in the ping when it tries to reconnect). The
    restart keeps the data directory and the port, so every committed
    transaction is there again and the same URLs work; ``end()`` returns
    once the server accepts connections again.

    Example (the store's engine reconnects by itself after the outage)::

        def test_x(postgres_cluster: PostgresCluster) -> None:
            db = new_postgres_database(postgres_cluster.url)
            store = Store.open(db)
            with postgres_outage(postgres_cluster, seconds=2) as outage:
                with pytest.raises(OperationalError):
                    store.append(events)
                outage.wait()  # up again after 2 s
            store.append(events)
    """
    cluster.stop(mode)
    fault = Fault(cluster.start, seconds)
    try:
        yield fault
    finally:
        fault.end()


def _sqlite_path(db: str | Path) -> Path:
    text = str(db)
    for prefix in ("sqlite:///", "sqlite+pysqlite:///"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    return Path(text)


@contextmanager
def sqlite_write_lock(
    db: str | Path, seconds: float | None = None, *, exclusive: bool = True, timeout: float = 10
) -> Iterator[Fault]:
    """SQLite's write lock on ``db`` held by another connection, until ``seconds`` or exit.

    ``db`` is an existing database file (a path, as the tests pass it to the
    store and the server, or an ``sqlite:///`` URL). Entry opens a connection
    of its own and runs ``BEGIN EXCLUSIVE`` (``BEGIN IMMEDIATE`` with
    ``exclusive=False``), waiting up to ``timeout`` seconds for a writer in
    progress to finish; it returns once the lock is held. Ending the fault
    rolls that empty transaction back and closes the connection.

    While it is held, every other writer waits for its busy timeout (the
    ledger's store sets several seconds) and then fails with ``OperationalError``
    "database is locked"; a writer whose wait outlasts the lock simply
    succeeds late. In WAL mode (the store's) readers are not blocked, with
    either kind of lock; in rollback-journal mode ``BEGIN EXCLUSIVE`` blocks
    readers too.

    Example (the store's busy timeout lowered so the write fails quickly)::

        store = Store.open(path)
        set_busy_timeout(store.engine, 100)
        with sqlite_write_lock(path):
            with pytest.raises(OperationalError, match="database is locked"):
                store.append(events)
        store.append(events)  # the lock is gone
    """
    path = _sqlite_path(db)
    if not path.is_file():
        raise FileNotFoundError(f"no SQLite database at {path}")
    conn = sqlite3.connect(path, timeout=timeout, isolation_level=None, check_same_thread=False)
    try:
        conn.execute("BEGIN EXCLUSIVE" if exclusive else "BEGIN IMMEDIATE")
    except BaseException:
        conn.close()
        raise

    def release() -> None:
        try:
            conn.rollback()
        finally:
            conn.close()

    fault = Fault(release, seconds)
    try:
        yield fault
    finally:
        fault.end()


def set_busy_timeout(engine: Engine, milliseconds: int) -> None:
    """Give every connection of an SQLite ``engine`` this busy timeout from now on.

    Adds a ``connect`` listener (it runs after the store's own pragmas, so it
    wins) and empties the pool, so connections already open are replaced by
    new ones when next checked out. For the in-process server, the store is
    ``client.app.state.hub.store`` once its TestClient has started::

        with TestClient(create_app(path)) as client:
            set_busy_timeout(client.app.state.hub.store.engine, 200)
    """
    if engine.dialect.name != "sqlite":
        raise ValueError(f"not an SQLite engine: {engine.url}")

    def pragma(dbapi_connection: Any, _: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={int(milliseconds)}")
        cursor.close()

    event.listen(engine, "connect", pragma)
    engine.dispose()
