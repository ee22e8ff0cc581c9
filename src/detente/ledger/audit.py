"""Creating, restoring and auditing sessions: all three are folds over ledger events.

``verify`` checks a whole ledger: every link of every session's hash chain,
the replay of every round through the engine with the seed the session
committed to, and that each session ends where a ledger can end (nothing cut
off its tail). It reports the first bad event of each session, because
everything after it is built on it.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime

from detente.ledger.errors import ReplayError
from detente.ledger.record import GENESIS, LedgerEvent
from detente.ledger.seed import SeedSecret
from detente.ledger.session import EVENTS_VERSION, Draft, Session, SessionEvent


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


def fold(events: list[LedgerEvent], secret: SeedSecret | None = None) -> Session:
    """The session whose ledger is ``events`` (in order); ReplayError at the first bad one.

    ``secret`` is the session's seed as kept beside the ledger; without it, the
    seed that a ``session_closed`` event reveals is used (a closed session can
    be replayed by anyone). A ledger that ends where no command could have left
    it fails too, at the sequence number of its first missing event.
    """
    if not events:
        raise ReplayError(0, "the ledger has no events")
    if secret is None:
        secret = _revealed(events)
    session = Session.start(events[0], secret)
    for event in events[1:]:
        session.apply(event)
    missing = session.end_problem()
    if missing is not None:
        raise ReplayError(session.last_seq + 1, missing)
    return session


def _revealed(events: list[LedgerEvent]) -> SeedSecret | None:
    """The seed a ``session_closed`` event of ``events`` reveals, if any (a bad one is left
    for the fold to name)."""
    for e in events:
        if e.type == SessionEvent.SESSION_CLOSED:
            try:
                return SeedSecret.revealed(e.data())
            except (ValueError, TypeError, AttributeError):
                return None
    return None


def verify(
    events: Iterable[LedgerEvent], secrets: Mapping[str, SeedSecret] | None = None
) -> tuple[int, list[Problem]]:
    """Sessions checked, and the first bad event of each session that has one.

    ``secrets`` holds the seeds kept beside the ledger, by session.
    """
    problems: list[Problem] = []
    count = 0
    for session, group in by_session(events):
        count += 1
        try:
            fold(group, (secrets or {}).get(session))
        except ReplayError as err:
            bad = next((e.type for e in group if e.seq == err.seq), "missing")
            problems.append(Problem(session, err.seq, bad, err.message))
    return count, problems


def creation(
    session: str,
    scenario_text: str,
    secret: SeedSecret,
    rounds: int,
    round_seconds: float | None,
    seats: dict[str, str],
    admin: str,
    now: datetime,
) -> list[LedgerEvent]:
    """The first two events of a new session: ``session_created`` and round 1 opened.

    ``seats`` maps each party to the SHA-256 of its seat token and ``admin`` is
    the facilitator token's; the tokens themselves are never stored, and the
    seed only as its commitment (the secret is kept beside the ledger).
    """
    payload = {
        "scenario": scenario_text,
        "seed_commitment": secret.commitment(session),
        "events": EVENTS_VERSION,
        "rounds": rounds,
        "round_seconds": round_seconds,
        "seats": seats,
        "admin": admin,
    }
    at = now.isoformat()
    created = LedgerEvent.make(
        session, 0, SessionEvent.SESSION_CREATED, 0, None, payload, at, GENESIS
    )
    state = Session.start(created, secret)
    opened = Draft(SessionEvent.ROUND_OPENED, 1, None, {"deadline": state.next_deadline(now)})
    return [created, *state.seal([opened], at)]
