"""A ledger keeps the vocabulary of engine events it was created with.

Ledgers written before December 2026 (no ``events`` in ``session_created``)
have no ``success_lost`` or ``success_regained`` events; they must still
replay, and a session restored from one goes on recording without them.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from detente.ledger.audit import creation, fold
from detente.ledger.moves import commitment_hash
from detente.ledger.record import GENESIS, LedgerEvent
from detente.ledger.seed import SeedSecret
from detente.ledger.session import EVENTS_VERSION, Draft, Session
from detente.scenario.moves import NamedMove

NOW = datetime(2026, 1, 1, tzinfo=UTC)
NONCE = "n" * 16
SECRET = SeedSecret(5, "s" * 32)
# Success is A acting; it is lost the round A stops.
SCENARIO = """
id: flicker
parties: [{id: A}, {id: B}]
actions:
  - {id: act, actors: [A], category: initiative, intensity: 2}
roadmap:
  stages: [{id: only}]
  success: {hold_rounds: 1, criteria: {executed: [A.act]}}
"""


def _created(version: int | None, scenario: str = SCENARIO) -> list[LedgerEvent]:
    """A session's first events, as written when its ``events`` version was current
    (None: before the field existed)."""
    seats = {"A": "a" * 64, "B": "b" * 64}
    events = creation("0123456789abcdef", scenario, SECRET, 3, None, seats, "f" * 64, NOW)
    if version == EVENTS_VERSION:
        return events
    payload = json.loads(events[0].payload)
    if version is None:
        del payload["events"]  # as written before the field existed
    else:
        payload["events"] = version
    created = LedgerEvent.make(
        events[0].session, 0, events[0].type, 0, None, payload, NOW.isoformat(), GENESIS
    )
    session = Session.start(created, SECRET)
    return [
        created,
        *session.seal(
            [Draft(events[1].type, 1, None, json.loads(events[1].payload))], NOW.isoformat()
        ),
    ]


def _play(events: list[LedgerEvent], acts: list[bool]) -> list[LedgerEvent]:
    session = fold(events, SECRET)
    log = list(events)
    for act in acts:
        rnd = session.round
        moves = {"A": NamedMove(["act"] if act else []), "B": NamedMove([])}
        drafts: list[Draft] = []
        for party, move in moves.items():
            digest = commitment_hash(session.id, rnd, party, move, NONCE)
            drafts = session.commit(rnd, party, digest, NOW)
            for e in session.seal(drafts, NOW.isoformat()):
                session.apply(e)
                log.append(e)
        for party, move in moves.items():
            for e in session.seal(session.reveal(rnd, party, move, NONCE, NOW), NOW.isoformat()):
                session.apply(e)
                log.append(e)
    return log


def _types(log: list[LedgerEvent]) -> list[str]:
    return [str(e.type) for e in log]


def test_new_ledgers_record_a_lost_success_and_replay() -> None:
    log = _play(_created(EVENTS_VERSION), [True, False, True])
    assert json.loads(log[0].payload)["events"] == EVENTS_VERSION
    assert _types(log).count("success_lost") == 1
    assert _types(log).count("success_regained") == 1
    assert fold(log, SECRET).cleared_through == 3


def test_an_old_ledger_without_the_new_events_still_replays() -> None:
    log = _play(_created(None), [True, False, True])
    assert "events" not in json.loads(log[0].payload)
    assert "success_lost" not in _types(log)
    assert "success_regained" not in _types(log)
    assert "success" in _types(log)
    replayed = fold(log, SECRET)
    assert (replayed.events_version, replayed.cleared_through) == (1, 3)
