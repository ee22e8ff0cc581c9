"""A live session of a scenario with a standing policy, its revocation and a graded action.

Played over the HTTP API, then folded from the ledger (what a restart and an
audit do): the policy's events are recorded and re-derived, a revocation and
a level are moves like any other, and a move naming two levels is refused.
"""

from __future__ import annotations

import json
from pathlib import Path

from fastapi.testclient import TestClient

from detente.ledger.audit import fold, verify
from detente.ledger.record import LedgerEvent
from detente.ledger.session import Session
from detente.ledger.store import Store
from detente.scenario.moves import NamedMove
from detente.server.app import create_app
from tests.server.play import seats

SCENARIO = (Path(__file__).parents[1] / "engine" / "policies.yaml").read_text()


def _play(all_seats: dict[str, object], rnd: int, moves: dict[str, NamedMove]) -> None:
    for party, seat in all_seats.items():
        assert seat.commit(rnd, moves[party]).status_code == 200  # type: ignore[attr-defined]
    for party, seat in all_seats.items():
        r = seat.reveal(rnd, moves[party])  # type: ignore[attr-defined]
        assert r.status_code == 200, r.text


def audited(db_url: str, sid: str) -> tuple[list[LedgerEvent], Session]:
    """The ledger's events, checked by the audit (one session, no problem), and session
    ``sid`` folded from them."""
    store = Store.open(db_url)
    try:
        events = list(store.read())
        secrets = store.secrets()
    finally:
        store.close()
    assert verify(events, secrets) == (1, [])
    return events, fold(events, secrets[sid])


def test_a_policy_and_a_level_are_played_live_and_fold_from_the_ledger(db_url: str) -> None:
    with TestClient(create_app(db_url)) as http:
        created = http.post("/api/sessions", json={"scenario_yaml": SCENARIO, "seed": 5}).json()
        sid = created["session"]["id"]
        all_seats = seats(http, created)
        a, b = all_seats["A"], all_seats["B"]
        view = a.view()
        names = {x["id"]: x["available"] for x in view["actions"]}
        assert names["moratorium"]
        assert not names["end_moratorium"]
        assert "missile_test.icbm" in names
        # round 1: the freeze-for-relief deal clears: both policies in force
        _play(all_seats, 1, {"A": NamedMove([], ["a_freeze"]), "B": NamedMove([], ["b_partial"])})
        # round 2: nobody re-chooses them; A tests a short-range missile (no violation)
        _play(
            all_seats,
            2,
            {"A": NamedMove(["missile_test.short_range"]), "B": NamedMove(["talks"])},
        )
        assert {x["id"]: x["available"] for x in a.view()["actions"]}["end_moratorium"]
        public = http.get(f"/api/sessions/{sid}").json()
        assert public["policies"] == ["A.moratorium", "B.relief.partial"]
        # round 3: A revokes the moratorium, which violates the agreement
        _play(all_seats, 3, {"A": NamedMove(["end_moratorium"]), "B": NamedMove()})
        # round 4: B names two levels of relief in one move: refused
        two = NamedMove(["relief.partial", "relief.full"])
        assert b.commit(4, two).status_code == 200
        refused = b.reveal(4, two)
        assert refused.status_code >= 400
        assert "at most one of relief.partial, relief.full, snap_back" in refused.text
    events, session = audited(db_url, sid)
    assert session.cleared_through == 3
    payloads = [json.loads(e.payload) for e in events]
    types = [
        (e.round, e.type, p.get("action"), p.get("via"))
        for e, p in zip(events, payloads, strict=True)
    ]
    assert (1, "policy_started", "moratorium", None) in types
    assert (1, "policy_started", "relief.partial", None) in types
    assert (2, "action_executed", "moratorium", "policy") in types
    assert (2, "action_executed", "relief.partial", "policy") in types
    assert [r for r, t, _, _ in types if t == "agreement_violated"] == [3]
    assert (3, "policy_ended", "moratorium", None) in types
    state = session.state
    assert not state.in_force_policy(session.compiled.slot_of("A", "moratorium"))[0]
    assert state.in_force_policy(session.compiled.slot_of("B", "relief.partial"))[0]
