"""The sessions a server holds: restored from the ledger, changed only through it.

Every change goes the same way: under the session's lock, a command of the
fold decides the events to append (or refuses), the group writer makes them
durable, and only then are they folded into the in-memory session and pushed
to live subscribers. The critical section runs as its own task, shielded from
the request's cancellation, so a client that hangs up mid-write cannot leave
the memory behind the ledger.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from detente.engine import CounterRNG, Submissions, compile_scenario, initial_state, step
from detente.ledger.audit import by_session, creation, fold
from detente.ledger.errors import ReplayError
from detente.ledger.record import LedgerEvent
from detente.ledger.session import OPEN, Draft, Session
from detente.ledger.store import Store
from detente.scenario import builtin_text, parse_yaml
from detente.server.writer import GroupWriter

log = logging.getLogger("detente.server")
Command = Callable[[Session, datetime], list[Draft]]


def token_hash(token: str) -> str:
    """How tokens are stored and compared: their SHA-256 (tokens are random, 256 bits)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def now() -> datetime:
    return datetime.now(UTC)


def warm_engine() -> None:
    """Step the engine once on a built-in scenario, before the server takes requests.

    The engine's kernel is compiled by numba (or loaded from its cache) on the
    first step of the process, which takes a second or more; it would
    otherwise fall on the first reveal that clears a round, inside the event
    loop, with every other request waiting behind it.
    """
    compiled = compile_scenario(parse_yaml(builtin_text("korea"), "korea (built-in)"))
    state = initial_state(compiled, 1)
    step(state, Submissions.empty(compiled, 1), CounterRNG(0))[1].records(0)


@dataclass(frozen=True)
class NewSession:
    """A created session and the tokens shown once to its creator."""

    session: Session
    admin_token: str
    seat_tokens: dict[str, str]


class Hub:
    """All sessions of one server process, their locks and their live subscribers."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.writer = GroupWriter(store)
        self.sessions: dict[str, Session] = {}
        self.broken: dict[str, str] = {}  # session -> why it could not be restored
        self._locks: dict[str, asyncio.Lock] = {}
        self._subscribers: dict[str, set[asyncio.Queue[LedgerEvent]]] = {}

    def restore(self) -> None:
        """Fold every session of the store; a session that does not verify stays out."""
        for sid, events in by_session(self.store.read()):
            try:
                self.sessions[sid] = fold(events)
            except ReplayError as err:
                self.broken[sid] = str(err)
                log.error("session %s not restored: %s", sid, err)

    def close(self) -> None:
        self.writer.close()

    async def create(
        self,
        scenario_text: str,
        parties: tuple[str, ...],
        seed: int,
        rounds: int,
        round_seconds: float | None,
    ) -> NewSession:
        """A new session with fresh tokens; durable before it is returned."""
        sid = secrets.token_hex(8)
        seat_tokens = {p: secrets.token_urlsafe(32) for p in parties}
        admin_token = secrets.token_urlsafe(32)
        events = creation(
            sid,
            scenario_text,
            seed,
            rounds,
            round_seconds,
            {p: token_hash(t) for p, t in seat_tokens.items()},
            token_hash(admin_token),
            now(),
        )
        await self.writer.write(events)
        self.sessions[sid] = fold(events)
        self._publish(sid, events)
        return NewSession(self.sessions[sid], admin_token, seat_tokens)

    async def run(self, sid: str, command: Command) -> list[LedgerEvent]:
        """Apply ``command`` to session ``sid``: decide, make durable, fold, publish."""
        return await asyncio.shield(asyncio.ensure_future(self._locked(sid, command)))

    async def _locked(self, sid: str, command: Command) -> list[LedgerEvent]:
        lock = self._locks.setdefault(sid, asyncio.Lock())
        async with lock:
            session = self.sessions[sid]
            at = now()
            events = session.seal(command(session, at), at.isoformat())
            if events:
                await self.writer.write(events)
                for e in events:
                    session.apply(e)
                self._publish(sid, events)
            return events

    async def expire_due(self) -> None:
        """Clear every round whose deadline has passed (missing seats get default moves)."""
        t = now()
        for sid, session in list(self.sessions.items()):
            due = session.deadline is not None and datetime.fromisoformat(session.deadline) <= t
            if session.status == OPEN and due:
                await self.run(sid, lambda s, at: s.expire(at))

    def subscribe(self, sid: str) -> asyncio.Queue[LedgerEvent]:
        q: asyncio.Queue[LedgerEvent] = asyncio.Queue(maxsize=10_000)
        self._subscribers.setdefault(sid, set()).add(q)
        return q

    def unsubscribe(self, sid: str, q: asyncio.Queue[LedgerEvent]) -> None:
        self._subscribers.get(sid, set()).discard(q)

    def _publish(self, sid: str, events: list[LedgerEvent]) -> None:
        for q in list(self._subscribers.get(sid, ())):
            for e in events:
                if q.full():  # a stalled reader: drop it rather than grow without bound
                    self.unsubscribe(sid, q)
                    break
                q.put_nowait(e)
