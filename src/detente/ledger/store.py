"""Storage of ledger events with SQLAlchemy 2: an SQLite file by default, or PostgreSQL.

One table, ``events``, keyed by (session, seq): the ledger is the only
truth, everything else is folded from it. SQLite runs in WAL mode with
``synchronous=FULL`` so an acknowledged append survives a crash or a power
cut; PostgreSQL's default ``synchronous_commit`` gives the same. The schema
is created and upgraded by the Alembic migrations shipped in the package.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Column,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    event,
    insert,
    select,
)

from detente.ledger.record import LedgerEvent

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


def database_url(db: str) -> str:
    """A SQLAlchemy URL for ``db``: a URL as given, or a file path as an SQLite URL."""
    return db if "://" in db else f"sqlite:///{Path(db)}"


def _sqlite_pragmas(dbapi_connection: Any, _: Any) -> None:
    """WAL with synchronous=FULL: durable commits that do not block readers."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=10000")
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

    def append(self, batch: Sequence[LedgerEvent]) -> None:
        """Insert events in one transaction: all of them are durable, or none."""
        if not batch:
            return
        rows = [{c: getattr(e, c) for c in _COLUMNS} for e in batch]
        with self.engine.begin() as conn:
            conn.execute(insert(events_table), rows)

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
