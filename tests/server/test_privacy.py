"""What stays secret in a live session: the seed until the close, each party's perception."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from detente.ledger.seed import SeedSecret
from detente.ledger.store import Store
from detente.scenario.moves import NamedMove
from detente.server.app import create_app
from tests.server.play import auth, create, play_round, seats


def _events(client: TestClient, sid: str, token: str | None = None) -> list[dict[str, Any]]:
    headers = auth(token) if token else {}
    r = client.get(f"/api/sessions/{sid}/events", headers=headers)
    assert r.status_code == 200, r.text
    events: list[dict[str, Any]] = r.json()["events"]
    return events


def _stored(db: str, sid: str) -> list[dict[str, Any]]:
    store = Store.open(db)
    try:
        return [e.as_dict() for e in store.read(sid)]
    finally:
        store.close()


def test_perception_is_the_observers_alone_and_unlabelled_until_the_close(db_url: str) -> None:
    with TestClient(create_app(db_url)) as client:
        created = create(client, rounds=5)
        sid, all_seats = created["session"]["id"], seats(client, created)
        for rnd in (1, 2, 3):
            play_round(all_seats, rnd)
        stored = [e for e in _stored(db_url, sid) if e["type"] == "observed"]
        kinds = {e["payload"]["kind"] for e in stored}
        assert {"seen", "missed", "false_alarm"} <= kinds  # korea's noise, seed 7: all three

        assert not [e for e in _events(client, sid) if e["type"] == "observed"]
        for party, seat in all_seats.items():
            own = [e for e in _events(client, sid, seat.token) if e["type"] == "observed"]
            perceived = [
                {**e, "payload": {"actor": e["payload"]["actor"], "action": e["payload"]["action"]}}
                for e in stored
                if e["party"] == party and e["payload"]["kind"] != "missed"
            ]
            assert own == perceived  # what it saw and imagined alike, nothing it missed

        admin = auth(created["admin_token"])
        assert client.post(f"/api/sessions/{sid}/close", json={}, headers=admin).status_code == 200
        public = [e for e in _events(client, sid) if e["type"] == "observed"]
        assert public == stored  # after the close, the record is whole


def test_the_seed_is_committed_and_revealed_only_at_the_close(tmp_path: Path) -> None:
    with TestClient(create_app(str(tmp_path / "seed.db"))) as client:
        created = client.post("/api/sessions", json={"scenario": "korea", "rounds": 1}).json()
        sid = created["session"]["id"]
        first = _events(client, sid)[0]
        assert first["type"] == "session_created"
        assert "seed" not in first["payload"]
        commitment = first["payload"]["seed_commitment"]
        play_round(seats(client, created), 1)  # the last round: the session closes
        closed = _events(client, sid)[-1]
        assert closed["type"] == "session_closed"
        revealed = SeedSecret.revealed(closed["payload"])
        assert revealed is not None
        assert revealed.commitment(sid) == commitment
        assert 0 <= revealed.seed < 2**62


def test_a_submission_after_the_deadline_is_refused_whatever_the_ticker(tmp_path: Path) -> None:
    app = create_app(str(tmp_path / "late.db"), tick=3600)  # the ticker never clears in time
    with TestClient(app) as client:
        created = create(client, round_seconds=1.0)
        sid, all_seats = created["session"]["id"], seats(client, created)
        move = NamedMove([], [])
        assert all_seats["US"].commit(1, move).status_code == 200
        deadline = client.get(f"/api/sessions/{sid}").json()["deadline"]
        time.sleep(1.05)
        head = client.get(f"/api/sessions/{sid}").json()["head"]
        for seat, send in ((all_seats["RUS"], "commit"), (all_seats["US"], "reveal")):
            r = getattr(seat, send)(1, move)
            assert r.status_code == 409, r.text
            assert f"deadline passed at {deadline}" in r.json()["message"]
        assert client.get(f"/api/sessions/{sid}").json()["head"] == head
