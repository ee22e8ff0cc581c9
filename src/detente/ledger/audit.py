"""Creating, restoring and auditing sessions: all three are folds over ledger events.

``verify`` checks a whole ledger: every link of every session's hash chain
and the replay of every round through the engine. It reports the first bad
event of each session, because everything after it is built on it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from detente.ledger.errors import ReplayError
from detente.ledger.record import GENESIS, LedgerEvent
from detente.ledger.session import Draft, Session


@dataclass(frozen=True)
class Problem:
    """The first event of a session that fails verification, and why."""

    session: str
    seq: int
    type: str
    message: str

    def render(self) -> str:
        return f"session {self.session}: event {self.seq} ({self.type}): {self.message}"


def by_session(events: Iterable[LedgerEvent]) -> Iterator[tuple[str, list[LedgerEvent]]]:
    """Events grouped by session (the store returns them ordered by session, then seq)."""
    for session, group in itertools.groupby(events, key=lambda e: e.session):
        yield session, list(group)


def fold(events: list[LedgerEvent]) -> Session:
    """The session whose ledger is ``events`` (in order); ReplayError at the first bad one."""
    if not events:
        raise ReplayError(0, "the ledger has no events")
    session = Session.start(events[0])
    for event in events[1:]:
        session.apply(event)
    return session


def verify(events: Iterable[LedgerEvent]) -> tuple[int, list[Problem]]:
    """Sessions checked, and the first bad event of each session that has one."""
    problems: list[Problem] = []
    count = 0
    for session, group in by_session(events):
        count += 1
        try:
            fold(group)
        except ReplayError as err:
            bad = next((e for e in group if e.seq == err.seq), group[0])
            problems.append(Problem(session, err.seq, bad.type, err.message))
    return count, problems


def creation(
    session: str,
    scenario_text: str,
    seed: int,
    rounds: int,
    round_seconds: float | None,
    seats: dict[str, str],
    admin: str,
    now: datetime,
) -> list[LedgerEvent]:
    """The first two events of a new session: ``session_created`` and round 1 opened.

    ``seats`` maps each party to the SHA-256 of its seat token and ``admin`` is
    the facilitator token's; the tokens themselves are never stored.
    """
    payload = {
        "scenario": scenario_text,
        "seed": seed,
        "rounds": rounds,
        "round_seconds": round_seconds,
        "seats": seats,
        "admin": admin,
    }
    at = now.isoformat()
    created = LedgerEvent.make(session, 0, "session_created", 0, None, payload, at, GENESIS)
    state = Session.start(created)
    opened = Draft("round_opened", 1, None, {"deadline": state.next_deadline(now)})
    return [created, *state.seal([opened], at)]
