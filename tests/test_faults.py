"""The fault helpers of ``tests/faults.py`` do what they promise, on the ledger's own store."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from detente.ledger.record import GENESIS, LedgerEvent
from detente.ledger.store import Store
from tests.databases import PostgresCluster, StopMode, new_postgres_database
from tests.databases import postgres_cluster as postgres_cluster  # the fixture
from tests.faults import postgres_outage, set_busy_timeout, sqlite_write_lock


def _chain(length: int) -> list[LedgerEvent]:
    """A session's first events, each chained to the one before."""
    events: list[LedgerEvent] = []
    for seq in range(length):
        prev = events[-1].hash if events else GENESIS
        events.append(LedgerEvent.make("s", seq, "note", 0, None, {}, "2025-01-01T00:00Z", prev))
    return events


EVENTS = _chain(2)


def _seqs(store: Store) -> list[int]:
    return [e.seq for e in store.read()]


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_a_postgres_outage_fails_writes_until_the_cluster_is_back(
    postgres_cluster: PostgresCluster, mode: StopMode
) -> None:
    store = Store.open(new_postgres_database(postgres_cluster.url))
    try:
        store.append(EVENTS[0:1])
        with postgres_outage(postgres_cluster, mode=mode) as outage:
            assert not postgres_cluster.running()
            with pytest.raises(OperationalError):
                store.append(EVENTS[1:2])
            assert not outage.over
        assert outage.over
        assert postgres_cluster.running()
        store.append(EVENTS[1:2])  # the pool reconnects by itself
        assert _seqs(store) == [0, 1]  # what was committed before the outage is there
    finally:
        store.close()


def test_a_timed_postgres_outage_ends_by_itself(postgres_cluster: PostgresCluster) -> None:
    store = Store.open(new_postgres_database(postgres_cluster.url))
    try:
        with postgres_outage(postgres_cluster, seconds=1) as outage:
            with pytest.raises(OperationalError):
                store.append(EVENTS[0:1])
            assert outage.wait(60)
            store.append(EVENTS[0:1])  # up again inside the block
        assert outage.ended is not None
        assert outage.ended - outage.began >= 1
        assert _seqs(store) == [0]
    finally:
        store.close()


@pytest.mark.parametrize("exclusive", [True, False])
def test_an_sqlite_write_lock_fails_writes_but_not_reads(tmp_path: Path, exclusive: bool) -> None:
    path = tmp_path / "ledger.db"
    store = Store.open(str(path))
    try:
        set_busy_timeout(store.engine, 50)
        store.append(EVENTS[0:1])
        with sqlite_write_lock(path, exclusive=exclusive) as lock:
            with pytest.raises(OperationalError, match="database is locked"):
                store.append(EVENTS[1:2])
            assert _seqs(store) == [0]  # WAL: readers go on
        assert lock.over
        store.append(EVENTS[1:2])
        assert _seqs(store) == [0, 1]
    finally:
        store.close()


def test_a_timed_sqlite_write_lock_ends_by_itself_and_a_patient_writer_gets_through(
    tmp_path: Path,
) -> None:
    path = tmp_path / "ledger.db"
    store = Store.open(str(path))  # the store's own busy timeout: 10 s
    try:
        with sqlite_write_lock(f"sqlite:///{path}", seconds=0.5) as lock:
            start = time.monotonic()
            store.append(EVENTS[0:1])  # waits for the lock, then commits
            assert time.monotonic() - start >= 0.4
            assert lock.over
        assert _seqs(store) == [0]
    finally:
        store.close()


def test_an_sqlite_write_lock_needs_an_existing_database(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError), sqlite_write_lock(tmp_path / "none.db"):
        pass
    assert not (tmp_path / "none.db").exists()
