"""``ledger verify`` changes nothing: not the database, not its journal mode, not its directory.

SQLite, by what is on disk: a WAL database a closed server checkpointed (the
file alone), one a running server holds open (with ``-wal`` and ``-shm``), the
files a crashed server leaves (with and without ``-shm``), and a database in
rollback-journal mode. PostgreSQL: the read-only store's connection cannot
write. The CLI runs as a separate process, as an auditor would run it.
"""

from __future__ import annotations

import io
import json
import shutil
import sqlite3
import subprocess
import sys
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, inspect, text
from sqlalchemy.exc import DBAPIError

from detente.ledger.commands import LedgerOpenError, run_verify
from detente.ledger.record import LedgerEvent
from detente.ledger.store import Store, events_table
from detente.server.app import create_app
from tests.server.play import create, play_round, seats


def _play(http: TestClient, rounds: int = 2) -> dict[str, Any]:
    """A korea session with ``rounds`` rounds played; the receipt of its last event."""
    created = create(http, rounds=rounds + 1)
    all_seats = seats(http, created)
    for rnd in range(1, rounds + 1):
        play_round(all_seats, rnd)
    sid = created["session"]["id"]
    last = http.get(f"/api/sessions/{sid}/events").json()["events"][-1]
    return {"session": sid, "seq": last["seq"], "hash": last["hash"]}


def _played(db: str) -> dict[str, Any]:
    """As :func:`_play`, on a server that is closed again."""
    with TestClient(create_app(db)) as http:
        return _play(http)


def _files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def _journal(db: Path) -> str:
    """The journal mode the file's header records, read without SQLite."""
    versions = db.read_bytes()[18:20]
    return {b"\x01\x01": "rollback", b"\x02\x02": "wal"}[versions]


def _verify(db: Path | str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "detente", "ledger", "verify", str(db), *args],
        capture_output=True,
        text=True,
    )


def _receipts(tmp_path: Path, receipt: dict[str, Any]) -> Path:
    path = tmp_path / "receipts.jsonl"
    path.write_text(json.dumps(receipt) + "\n")
    return path


def test_a_wal_database_left_by_a_closed_server_stays_byte_identical(tmp_path: Path) -> None:
    folder = tmp_path / "ledger"
    folder.mkdir()
    db = folder / "ledger.db"
    _played(str(db))
    before = _files(folder)
    assert list(before) == ["ledger.db"]  # the closing server checkpointed and removed -wal/-shm
    assert _journal(db) == "wal"
    done = _verify(db)
    assert done.returncode == 0, done.stderr
    assert "1 of 1 session(s) verified" in done.stdout
    assert _files(folder) == before  # same bytes, and no -wal or -shm created


def test_a_rollback_journal_database_keeps_its_bytes_and_its_mode(tmp_path: Path) -> None:
    folder = tmp_path / "ledger"
    folder.mkdir()
    db = folder / "ledger.db"
    _played(str(db))
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA journal_mode=DELETE").fetchone() == ("delete",)
    before = _files(folder)
    assert list(before) == ["ledger.db"]
    assert _journal(db) == "rollback"
    done = _verify(db)
    assert done.returncode == 0, done.stderr
    assert _files(folder) == before
    assert _journal(db) == "rollback"  # the old opener switched it to WAL
    with closing(sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)


def test_verify_reads_a_running_servers_wal_without_changing_the_database(tmp_path: Path) -> None:
    """The server holds -wal and -shm open; verify sees its last append, still in the -wal."""
    folder = tmp_path / "ledger"
    folder.mkdir()
    db = folder / "ledger.db"
    with TestClient(create_app(str(db))) as http:
        head = _play(http)
        before = _files(folder)
        assert sorted(before) == ["ledger.db", "ledger.db-shm", "ledger.db-wal"]
        done = _verify(db, "--receipts", str(_receipts(tmp_path, head)))
        after = _files(folder)
    assert done.returncode == 0, done.stderr
    assert "1 of 1 receipt(s) matched" in done.stdout
    assert sorted(after) == sorted(before)
    # The -shm is SQLite's shared index of the -wal (readers mark their place in
    # it); the database and its log are what must not change.
    assert after["ledger.db"] == before["ledger.db"]
    assert after["ledger.db-wal"] == before["ledger.db-wal"]


@pytest.mark.parametrize("left", [("-wal", "-shm"), ("-wal",)], ids=["wal+shm", "wal-only"])
def test_the_files_of_a_crashed_server_are_read_and_left_as_they_were(
    tmp_path: Path, left: tuple[str, ...]
) -> None:
    """A killed server leaves -wal and -shm; a copied ledger may come without its -shm."""
    live, crashed = tmp_path / "live", tmp_path / "crashed"
    live.mkdir()
    crashed.mkdir()
    with TestClient(create_app(str(live / "ledger.db"))) as http:
        head = _play(http)
        for suffix in ("", *left):  # what a crash at this moment leaves on disk
            shutil.copyfile(live / f"ledger.db{suffix}", crashed / f"ledger.db{suffix}")
    db = crashed / "ledger.db"
    before = _files(crashed)
    assert _journal(db) == "wal"
    done = _verify(db, "--receipts", str(_receipts(tmp_path, head)))
    assert done.returncode == 0, done.stderr
    assert "1 of 1 receipt(s) matched" in done.stdout  # the events still in the -wal were read
    after = _files(crashed)
    assert sorted(after) == sorted(before)  # no -shm created where there was none
    assert after["ledger.db"] == before["ledger.db"]
    assert after["ledger.db-wal"] == before["ledger.db-wal"]


def test_a_missing_database_file_is_named_and_not_created(tmp_path: Path) -> None:
    db = tmp_path / "missing.db"
    done = _verify(db)
    assert done.returncode == 2
    assert done.stderr == f"{db}: no such database file\n"
    assert list(tmp_path.iterdir()) == []


def test_verify_does_not_create_the_schema(db_url: str, tmp_path: Path) -> None:
    """No migration: an empty database is reported, and stays empty."""
    if "://" not in db_url:
        Path(db_url).touch()
    with pytest.raises(LedgerOpenError, match="cannot read the ledger"):
        run_verify(db_url, None, io.StringIO())
    if "://" in db_url:
        store = Store.open(db_url, migrate=False)
        try:
            assert inspect(store.engine).get_table_names() == []
        finally:
            store.close()
    else:
        assert _files(tmp_path) == {"ledger.db": b""}


def test_the_read_only_store_cannot_write_and_verify_still_passes(db_url: str) -> None:
    head = _played(db_url)
    store = Store.open_readonly(db_url)
    try:
        events = list(store.read())
        last = events[-1]
        extra = LedgerEvent.make(
            last.session, last.seq + 1, "session_closed", last.round, None, {}, last.at, last.hash
        )
        refused = "read-only transaction|readonly database"
        with pytest.raises(DBAPIError, match=refused):
            store.append([extra])
        with pytest.raises(DBAPIError, match=refused), store.engine.begin() as conn:
            conn.execute(delete(events_table))
        if "://" in db_url:
            with store.engine.connect() as conn:
                assert conn.execute(text("SHOW transaction_read_only")).scalar() == "on"
    finally:
        store.close()
    assert (last.seq, last.hash) == (head["seq"], head["hash"])
    out = io.StringIO()
    assert run_verify(db_url, None, out) == 0
    assert "1 of 1 session(s) verified" in out.getvalue()
    writer = Store.open(db_url, migrate=False)
    try:
        assert list(writer.read()) == events  # nothing was written
    finally:
        writer.close()
