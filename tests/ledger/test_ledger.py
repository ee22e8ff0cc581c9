"""The ledger: chained hashes, the fold, verification and export, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import itertools
import json
import subprocess
import sys
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update

from detente.ledger.audit import by_session, fold, verify
from detente.ledger.commands import run_export, run_verify
from detente.ledger.record import GENESIS, LedgerEvent
from detente.ledger.seed import SeedSecret
from detente.ledger.store import Store, events_table
from detente.server.app import create_app
from tests.server.play import create, play_round, seats


def _played(db: str, rounds: int = 2) -> str:
    """A korea session with ``rounds`` rounds played; its id."""
    with TestClient(create_app(db)) as http:
        created = create(http, rounds=rounds + 1)
        all_seats = seats(http, created)
        for rnd in range(1, rounds + 1):
            play_round(all_seats, rnd)
        return str(created["session"]["id"])


def _events(db: str) -> list[LedgerEvent]:
    store = Store.open(db)
    try:
        return list(store.read())
    finally:
        store.close()


def _secrets(db: str) -> dict[str, SeedSecret]:
    store = Store.open(db)
    try:
        return store.secrets()
    finally:
        store.close()


def _edit(db: str, seq: int, **values: Any) -> None:
    store = Store.open(db)
    try:
        with store.engine.begin() as conn:
            conn.execute(update(events_table).where(events_table.c.seq == seq).values(**values))
    finally:
        store.close()


def test_a_played_session_verifies_and_folds_to_the_served_state(db_url: str) -> None:
    sid = _played(db_url)
    events = _events(db_url)
    assert events[0].prev_hash == GENESIS
    assert all(b.prev_hash == a.hash for a, b in itertools.pairwise(events))
    assert verify(events, _secrets(db_url)) == (1, [])
    session = fold(events, _secrets(db_url)[sid])
    assert session.id == sid
    assert session.cleared_through == 2
    assert session.round == 3
    with TestClient(create_app(db_url)) as http:  # a restart restores the same state
        public = http.get(f"/api/sessions/{sid}").json()
    assert public["head"] == {"seq": session.last_seq, "hash": session.head}
    assert public["trust"] == session.trust()
    out = io.StringIO()
    assert run_verify(db_url, sid, out) == 0
    assert "1 of 1 session(s) verified" in out.getvalue()


@pytest.mark.parametrize(
    "kind", ["session_created", "round_opened", "committed", "revealed", "trust_updated", "payoff"]
)
def test_editing_any_stored_event_fails_verification_and_names_it(db_url: str, kind: str) -> None:
    _played(db_url)
    target = next(e for e in _events(db_url) if e.type == kind)
    data = target.data()
    key = next(iter(sorted(data)))
    data[key] = "tampered" if not isinstance(data[key], dict) else {}
    _edit(db_url, target.seq, payload=json.dumps(data, sort_keys=True, separators=(",", ":")))
    count, problems = verify(_events(db_url), _secrets(db_url))
    assert count == 1
    assert len(problems) == 1
    assert problems[0].seq == target.seq
    assert "altered" in problems[0].message


@pytest.mark.parametrize("column", ["type", "round", "party", "at", "prev_hash", "hash"])
def test_editing_any_column_is_caught(tmp_path: Any, column: str) -> None:
    db = str(tmp_path / "l.db")
    _played(db, rounds=1)
    target = next(e for e in _events(db) if e.type == "committed")
    other = "ROK" if target.party == "RUS" else "RUS"
    value: Any = {"round": 9, "prev_hash": "1" * 64, "hash": "2" * 64}.get(column, other)
    _edit(db, target.seq, **{column: value})
    _, problems = verify(_events(db), _secrets(db))
    assert [p.seq for p in problems] == [target.seq]


def test_a_rewritten_chain_is_caught_by_the_replay(tmp_path: Any) -> None:
    """An editor who recomputes every hash after a change still cannot fake the engine."""
    db = str(tmp_path / "l.db")
    _played(db)
    events = _events(db)
    target = next(e for e in events if e.type == "trust_updated")
    data = target.data()
    first = next(iter(data["trust"]))
    other = next(iter(data["trust"][first]))
    data["trust"][first][other] = 0.99
    prev = events[target.seq - 1].hash
    rewritten = []
    for e in events[target.seq :]:
        payload = data if e.seq == target.seq else e.data()
        new = LedgerEvent.make(e.session, e.seq, e.type, e.round, e.party, payload, e.at, prev)
        rewritten.append(new)
        prev = new.hash
    for e in rewritten:
        _edit(db, e.seq, payload=e.payload, prev_hash=e.prev_hash, hash=e.hash)
    _, problems = verify(_events(db), _secrets(db))
    assert [p.seq for p in problems] == [target.seq]
    assert "differs from the replay" in problems[0].message


def test_the_cli_names_the_bad_event_and_exits_1(tmp_path: Any) -> None:
    db = str(tmp_path / "l.db")
    sid = _played(db, rounds=1)
    ok = subprocess.run(
        [sys.executable, "-m", "detente", "ledger", "verify", db], capture_output=True, text=True
    )
    assert ok.returncode == 0, ok.stderr
    target = next(e for e in _events(db) if e.type == "revealed")
    _edit(db, target.seq, party="US" if target.party != "US" else "RUS")
    bad = subprocess.run(
        [sys.executable, "-m", "detente", "ledger", "verify", db, "--session", sid],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 1
    assert f"event {target.seq} (revealed)" in bad.stderr


def test_export_writes_every_event_as_a_json_line(tmp_path: Any) -> None:
    db = str(tmp_path / "l.db")
    _played(db, rounds=1)
    out = io.StringIO()
    assert run_export(db, None, out) == 0
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    events = _events(db)
    assert [x["hash"] for x in lines] == [e.hash for e in events]
    assert lines[0]["type"] == "session_created"
    assert isinstance(lines[0]["payload"], dict)
    assert [s for s, _ in by_session(events)] == [lines[0]["session"]]
