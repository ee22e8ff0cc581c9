"""Storage of ledger events with SQLAlchemy 2: an SQLite file by default, or PostgreSQL.

One table, ``events``, keyed by (session, seq): the ledger is the only
truth, everything else is folded from it. Beside it, ``session_secrets``
keeps each session's engine seed, which the ledger holds only as a
commitment until the session closes (``ledger/seed.py``). SQLite runs in WAL mode with
``synchronous=FULL`` so an acknowledged append survives a crash or a power
cut; PostgreSQL's default ``synchronous_commit`` gives the same. The schema
is created and upgraded by the Alembic migrations shipped in the package.
"""

from __future__ import annotations

import functools
import shutil
import sqlite3
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    insert,
    inspect,
    make_url,
    select,
)
from sqlalchemy.pool import NullPool

from detente.ledger.errors import ChainMismatchError
from detente.ledger.record import LedgerEvent
from detente.ledger.seed import SeedSecret

metadata = MetaData()
events_table = Table(
    "events",
    metadata,
    Column("session", String(64), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("type", String(64), nullable=False),
    Column("round", Integer, nullable=False),
    Column("party", String(64), nullable=True),
    Column("payload", Text, nullable=False),
    Column("at", String(40), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)
_COLUMNS = ("session", "seq", "type", "round", "party", "payload", "at", "prev_hash", "hash")
secrets_table = Table(
    "session_secrets",
    metadata,
    Column("session", String(64), primary_key=True),
    Column("seed", BigInteger, nullable=False),
    Column("salt", String(64), nullable=False),
)
BUSY_TIMEOUT_MS = 5000  # how long an SQLite write waits for another writer's lock


def database_url(db: str) -> str:
    """A SQLAlchemy URL for ``db``: a URL as given, or a file path as an SQLite URL."""
    return db if "://" in db else f"sqlite:///{Path(db)}"


def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
    """WAL with synchronous=FULL: durable commits that do not block readers."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_MS)}")
    cursor.close()


class Store:
    """Appends and reads ledger events; safe to share between threads."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    @staticmethod
    def open(db: str, migrate: bool = True) -> Store:
        """Connect to ``db`` (path or URL) and bring its schema to the latest revision."""
        url = database_url(db)
        engine = create_engine(url, pool_pre_ping=not url.startswith("sqlite"))
        if engine.dialect.name == "sqlite":
            event.listen(engine, "connect", _sqlite_pragmas)
        if migrate:
            from detente.ledger.migrate import upgrade

            upgrade(engine)
        return Store(engine)

    @staticmethod
    def open_readonly(db: str) -> Store:
        """Connect to ``db`` (path or URL) for reading only: the audit changes nothing.

        No migration, and no write can go through the connection. PostgreSQL:
        every transaction of the session is read-only. SQLite: the file is
        opened with ``mode=ro``, and never so that SQLite creates files beside
        it (see :func:`_open_sqlite_readonly`). ``ValueError`` for a database
        that cannot be opened this way.
        """
        url = make_url(database_url(db))
        backend = url.get_backend_name()
        if backend == "sqlite":
            if not url.database or url.database == ":memory:":
                raise ValueError("an in-memory SQLite database holds no ledger to read")
            return _open_sqlite_readonly(Path(url.database))
        if backend != "postgresql":
            raise ValueError(f"{backend}: only SQLite and PostgreSQL ledgers can be read")
        engine = create_engine(url, pool_pre_ping=True)
        event.listen(engine, "connect", _postgres_read_only)
        return Store(engine)

    def append(
        self, batch: Sequence[LedgerEvent], secrets: Mapping[str, SeedSecret] | None = None
    ) -> None:
        """Insert events (and new sessions' seeds) in one transaction: all durable, or none.

        Before inserting, each session's stored chain must end exactly where the
        batch continues it: its last row is the event the batch's first one
        follows, unaltered, with nothing after it (a new session has no rows).
        Otherwise :class:`ChainMismatchError` names what differs and nothing is
        written: an append never lands on a chain changed behind the writer.
        """
        if not batch:
            return
        rows = [{c: getattr(e, c) for c in _COLUMNS} for e in batch]
        with self.engine.begin() as conn:
            _check_heads(conn, batch)
            conn.execute(insert(events_table), rows)
            if secrets:
                conn.execute(
                    insert(secrets_table),
                    [{"session": k, "seed": v.seed, "salt": v.salt} for k, v in secrets.items()],
                )

    def secrets(self) -> dict[str, SeedSecret]:
        """The seeds kept beside the ledger, by session (none in a ledger older than them)."""
        with self.engine.connect() as conn:
            if not inspect(conn).has_table(secrets_table.name):
                return {}
            rows = conn.execute(select(secrets_table)).all()
        return {r.session: SeedSecret(int(r.seed), str(r.salt)) for r in rows}

    def read(self, session: str | None = None, after: int = -1) -> Iterator[LedgerEvent]:
        """Events in ledger order (by session, then sequence number), past ``after``."""
        query = select(*(events_table.c[c] for c in _COLUMNS)).order_by(
            events_table.c.session, events_table.c.seq
        )
        if session is not None:
            query = query.where(events_table.c.session == session)
        if after >= 0:
            query = query.where(events_table.c.seq > after)
        with self.engine.connect() as conn:
            for row in conn.execute(query):
                yield LedgerEvent(*row)

    def close(self) -> None:
        self.engine.dispose()


def _check_heads(conn: Connection, batch: Sequence[LedgerEvent]) -> None:
    """Raise ChainMismatchError unless every session's stored chain ends where ``batch`` goes on.

    One query for the whole batch: the rows of each session from the event
    its first new event follows onwards, which must be exactly that event.
    The query is plain SQL, built once per number of sessions: it runs in the
    writer's transaction on every group commit, where building and compiling
    an expression each time cost as much as the insert.
    """
    firsts: dict[str, LedgerEvent] = {}
    for e in batch:
        firsts.setdefault(e.session, e)
    params: list[str | int] = []
    for sid, e in firsts.items():
        params += [sid, e.seq - 1]
    sql = _heads_sql(conn.dialect.name, len(firsts))
    found: dict[str, list[LedgerEvent]] = {}
    for row in conn.exec_driver_sql(sql, tuple(params)):
        stored = LedgerEvent(*row)
        found.setdefault(stored.session, []).append(stored)
    for sid, first in firsts.items():
        rows = sorted(found.get(sid, []), key=lambda r: r.seq)
        problem = _head_problem(first, rows)
        if problem is not None:
            raise ChainMismatchError(sid, problem)


@functools.lru_cache(maxsize=256)
def _heads_sql(dialect: str, sessions: int) -> str:
    """``SELECT <columns> FROM events WHERE (session = ? AND seq >= ?) OR ...`` for a dialect."""
    mark = "?" if dialect == "sqlite" else "%s"
    columns = ", ".join(f'"{c}"' for c in _COLUMNS)
    where = " OR ".join([f'("session" = {mark} AND "seq" >= {mark})'] * sessions)
    return f'SELECT {columns} FROM "events" WHERE {where}'


def _head_problem(first: LedgerEvent, rows: list[LedgerEvent]) -> str | None:
    """What is wrong with the stored ``rows`` that ``first`` is to follow, if anything."""
    head = first.seq - 1
    if head < 0:
        return None if not rows else "the ledger already holds events of this new session"
    if not rows or rows[0].seq != head:
        return f"event {head}, the last the server wrote, is missing from the ledger"
    last = rows[0]
    if last.hash != first.prev_hash:
        return f"event {head} in the ledger is not the event the server wrote (another hash)"
    if last.expected_hash() != last.hash:
        return f"event {head} was altered in the ledger (its content does not match its hash)"
    if len(rows) > 1:
        return f"the ledger holds events after event {head} that the server did not write"
    return None


# -- the read-only opener ----------------------------------------------------------


class StoreChangedError(Exception):
    """An SQLite file read without locks (or copied) changed meanwhile: read it again."""


def _postgres_read_only(dbapi_connection: Any, _: Any) -> None:
    """Every transaction of this connection is read-only (the server refuses writes)."""
    cursor = dbapi_connection.cursor()
    cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
    cursor.close()
    dbapi_connection.commit()  # a SET inside a transaction rolled back would be undone


def _is_wal(path: Path) -> bool:
    """Whether the SQLite header of ``path`` says WAL mode (read and write versions 2)."""
    try:
        with path.open("rb") as f:
            header = f.read(20)
    except OSError:
        return False  # SQLite itself will say what is wrong
    return header[:16] == b"SQLite format 3\x00" and header[18:20] == b"\x02\x02"


def _stamp(*paths: Path) -> tuple[tuple[int, ...], ...]:
    """What changes when a file is written, replaced or removed."""
    out: list[tuple[int, ...]] = []
    for p in paths:
        try:
            st = p.stat()
        except FileNotFoundError:
            out.append(())
        else:
            out.append((st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns))
    return tuple(out)


def _sqlite_readonly_engine(path: Path, options: str = "") -> Engine:
    uri = f"{path.resolve().as_uri()}?mode=ro{options}"

    def connect() -> sqlite3.Connection:
        return sqlite3.connect(uri, uri=True, timeout=10, check_same_thread=False)

    return create_engine("sqlite://", creator=connect, poolclass=NullPool)


class _SqliteReader(Store):
    """A read-only SQLite store: a file to watch while reading, a scratch copy to remove."""

    def __init__(
        self, engine: Engine, *, watch: Path | None = None, scratch: Path | None = None
    ) -> None:
        super().__init__(engine)
        self._watch = watch
        self._stamp = _stamp(watch) if watch is not None else None
        self._scratch = scratch

    def read(self, session: str | None = None, after: int = -1) -> Iterator[LedgerEvent]:
        yield from super().read(session, after)
        if self._watch is not None and _stamp(self._watch) != self._stamp:
            raise StoreChangedError(
                f"{self._watch} changed while it was read (a server opened it?): verify again"
            )

    def close(self) -> None:
        super().close()
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)


def _open_sqlite_readonly(path: Path) -> Store:
    """An SQLite ledger opened so that neither the file nor its directory changes.

    ``mode=ro`` alone is not enough: on a WAL database SQLite creates the
    ``-wal`` and ``-shm`` files when they are missing, and a read-only
    connection cannot remove them on close. So, by what is on disk:

    - not WAL (a rollback journal): ``mode=ro``, shared locks, nothing created;
    - WAL with ``-wal`` and ``-shm``: a server holds it open (or crashed):
      ``mode=ro`` reads through both, coordinated by SQLite's locks, and sees
      every committed append, also those not yet checkpointed into the file;
    - WAL without ``-wal``: the file holds every event (a closed server
      checkpointed it): ``immutable=1``, which creates nothing; as it takes no
      locks either, the read fails if the file changed meanwhile;
    - WAL with ``-wal`` but no ``-shm`` (nobody has it open): the two files
      are copied to a temporary directory and the copy is read.
    """
    wal = path.with_name(path.name + "-wal")
    shm = path.with_name(path.name + "-shm")
    if not _is_wal(path) or (wal.exists() and shm.exists()):
        return Store(_sqlite_readonly_engine(path))
    if not wal.exists():
        return _SqliteReader(_sqlite_readonly_engine(path, "&immutable=1"), watch=path)
    before = _stamp(path, wal)
    scratch = Path(tempfile.mkdtemp(prefix="detente-ledger-"))
    try:
        copy = scratch / "ledger.db"
        shutil.copyfile(path, copy)
        shutil.copyfile(wal, scratch / "ledger.db-wal")
        if _stamp(path, wal) != before or shm.exists():
            raise StoreChangedError(f"{path} changed while it was copied: verify again")
    except BaseException:
        shutil.rmtree(scratch, ignore_errors=True)
        raise
    return _SqliteReader(_sqlite_readonly_engine(copy), scratch=scratch)
