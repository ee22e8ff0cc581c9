"""A live session of a scenario with an outcome: the failure is recorded, folded and checked."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from detente.ledger.audit import fold, verify
from detente.ledger.record import LedgerEvent
from detente.scenario.moves import NamedMove
from detente.server.app import create_app
from tests.ledger.test_ledger import _edit, _events, _secrets
from tests.server.play import HttpSeat, seats

SUMMIT = Path(__file__).parents[1] / "engine" / "summit.yaml"


def _play(all_seats: dict[str, HttpSeat], rnd: int, moves: dict[str, NamedMove]) -> None:
    for p, s in all_seats.items():
        assert s.commit(rnd, moves.get(p, NamedMove([], []))).status_code == 200
    for p, s in all_seats.items():
        r = s.reveal(rnd, moves.get(p, NamedMove([], [])))
        assert r.status_code == 200, r.text


def _summits(db: str) -> str:
    """A session of summit.yaml: a summit without a deal, then one with the small deal."""
    with TestClient(create_app(db)) as http:
        r = http.post(
            "/api/sessions",
            json={"scenario_yaml": SUMMIT.read_text(), "seed": 3, "rounds": 3},
        )
        assert r.status_code == 201, r.text
        created: dict[str, Any] = r.json()
        all_seats = seats(http, created)
        _play(
            all_seats,
            1,
            {"US": NamedMove([], ["us_summit"]), "DPRK": NamedMove([], ["dprk_summit"])},
        )
        _play(
            all_seats,
            2,
            {
                "US": NamedMove([], ["us_summit", "us_relief"]),
                "DPRK": NamedMove([], ["dprk_summit", "dprk_dismantle"]),
            },
        )
        return str(created["session"]["id"])


def _outcomes(events: list[LedgerEvent]) -> list[tuple[int, str | None, Any]]:
    return [
        (e.round, e.party, e.data().get("outcome"))
        for e in events
        if e.type == "action_executed" and e.data()["action"] == "summit"
    ]


def test_a_failed_summit_is_recorded_and_the_fold_replays_it(db_url: str) -> None:
    sid = _summits(db_url)
    events = _events(db_url)
    assert _outcomes(events) == [
        (1, "US", "failed"),
        (1, "DPRK", "failed"),
        (2, "US", "succeeded"),
        (2, "DPRK", "succeeded"),
    ]
    assert verify(events, _secrets(db_url)) == (1, [])
    session = fold(events, _secrets(db_url)[sid])
    assert session.cleared_through == 2
    assert session.state.stage[0] == session.compiled.stages.index("settlement")
    with TestClient(create_app(db_url)) as http:  # a restart restores the same state
        public = http.get(f"/api/sessions/{sid}").json()
    assert public["trust"] == session.trust()


def test_an_outcome_edited_in_the_ledger_fails_the_replay(tmp_path: Path) -> None:
    db = str(tmp_path / "l.db")
    _summits(db)
    events = _events(db)
    target = next(e for e in events if e.data().get("outcome") == "failed")
    data = {**target.data(), "outcome": "succeeded"}
    prev = events[target.seq - 1].hash
    for e in events[target.seq :]:
        new = LedgerEvent.make(
            e.session,
            e.seq,
            e.type,
            e.round,
            e.party,
            data if e is target else e.data(),
            e.at,
            prev,
        )
        _edit(db, e.seq, payload=new.payload, prev_hash=new.prev_hash, hash=new.hash)
        prev = new.hash
    _, problems = verify(_events(db), _secrets(db))
    assert [p.seq for p in problems] == [target.seq]
    assert "differs from the replay" in problems[0].message
