"""The sessions a server holds: restored from the ledger, changed only through it.

Every change goes the same way: under the session's lock, a command of the
fold decides the events to append (or refuses), the group writer makes them
durable, and only then are they folded into the in-memory session and pushed
to live subscribers. The critical section runs as its own task, shielded from
the request's cancellation, so a client that hangs up mid-write cannot leave
the memory behind the ledger.

Faults are met the same way, whatever their cause:

- a write that fails on the database (locked, unreachable) answers 503 and
  leaves the session *unsure*: the write may have landed all the same (a
  lost acknowledgement), so before its next command the session reads back
  what the ledger holds after its last known event and folds it;
- a ledger that no longer extends what the server wrote (an edited, removed
  or foreign row, which ``Store.append`` detects before appending) and an
  event the fold refuses make the session read-only: it is still served for
  reading, every change is refused with 503 naming the reason, and the error
  is logged. Nothing is appended on top of a chain that is not the server's.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import logging
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from detente.engine import CounterRNG, Submissions, initial_state, step
from detente.ledger.audit import by_session, creation, fold
from detente.ledger.errors import ChainMismatchError, ReplayError
from detente.ledger.record import LedgerEvent
from detente.ledger.scenarios import compiled_already, compiled_from_text
from detente.ledger.seed import SeedSecret
from detente.ledger.session import Draft, Session
from detente.ledger.store import Store
from detente.scenario import builtin_names, builtin_text
from detente.scenario.compiled import CompiledScenario
from detente.scenario.limits import UPLOAD_LIMITS
from detente.server.errors import UnavailableError, database_down, transient
from detente.server.limits import ServerLimits
from detente.server.writer import GroupWriter

log = logging.getLogger("detente.server")
Command = Callable[[Session, datetime], list[Draft]]


def token_hash(token: str) -> str:
    """How tokens are stored and compared: their SHA-256 (tokens are random, 256 bits)."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def now() -> datetime:
    return datetime.now(UTC)


def warm_engine() -> None:
    """Compile the built-in scenarios and step the engine once, before taking requests.

    The engine's kernel is compiled by numba (or loaded from its cache) on the
    first step of the process, which takes a second or more; it would
    otherwise fall on the first reveal that clears a round, inside the event
    loop, with every other request waiting behind it. The built-in scenarios
    are then at hand for the first sessions created from them.
    """
    for name in builtin_names():
        compiled = compiled_from_text(builtin_text(name), f"{name} (built-in)")
        state = initial_state(compiled, 1)
        step(state, Submissions.empty(compiled, 1), CounterRNG(0))[1].records(0)


@dataclass(frozen=True)
class Receipt:
    """The ledger head right after an acknowledged change: proof of what was appended."""

    session: str
    seq: int
    hash: str

    def as_dict(self) -> dict[str, str | int]:
        return {"session": self.session, "seq": self.seq, "hash": self.hash}


@dataclass(frozen=True)
class Applied:
    """What a command appended (nothing for a retry) and the receipt for it."""

    events: list[LedgerEvent]
    receipt: Receipt


@dataclass(frozen=True)
class NewSession:
    """A created session and the tokens shown once to its creator."""

    session: Session
    admin_token: str
    seat_tokens: dict[str, str]
    receipt: Receipt


@dataclass
class Health:
    """What the server last saw of its database and its deadline ticker (for ``/api/health``)."""

    database: str = "ok"  # "ok" or "failing": the last write's (or check's) outcome
    database_error: str | None = None
    ticker: str = "ok"  # "ok" or "failing": the last deadline pass's outcome
    ticker_error: str | None = None

    def database_ok(self) -> None:
        self.database, self.database_error = "ok", None

    def database_failed(self, err: BaseException) -> None:
        self.database, self.database_error = "failing", database_down(err)


class Hub:
    """All sessions of one server process, their locks and their live subscribers."""

    def __init__(self, store: Store, limits: ServerLimits | None = None) -> None:
        self.store = store
        self.limits = limits or ServerLimits()
        self.writer = GroupWriter(store)
        self.sessions: dict[str, Session] = {}
        self.broken: dict[str, str] = {}  # session -> why it could not be restored
        self.read_only: dict[str, str] = {}  # session -> why no change is accepted
        self.health = Health()
        self._unsure: set[str] = set()  # sessions whose last write failed on the database
        self._locks: dict[str, asyncio.Lock] = {}
        self._subscribers: dict[str, set[asyncio.Queue[LedgerEvent]]] = {}
        self._compiler = concurrent.futures.ThreadPoolExecutor(1, "scenario-compiler")
        self._compiling: dict[str, asyncio.Future[CompiledScenario]] = {}  # by scenario text

    def restore(self) -> None:
        """Fold every session of the store; a session that does not verify stays out."""
        kept = self.store.secrets()
        for sid, events in by_session(self.store.read()):
            try:
                self.sessions[sid] = fold(events, kept.get(sid))
            except ReplayError as err:
                self.broken[sid] = str(err)
                log.error("session %s not restored: %s", sid, err)

    def close(self) -> None:
        self.writer.close()
        self._compiler.shutdown(wait=False, cancel_futures=True)

    async def compile(self, text: str, source: str) -> CompiledScenario:
        """An uploaded scenario, parsed and compiled off the event loop, within the limits.

        One compiler thread, a few distinct texts waiting at most (503 beyond;
        requests for a text already being compiled wait for that one), and a
        time limit: together with the upload limits on the text, no upload can
        hold the event loop or the memory.
        """
        found = compiled_already(text)
        if found is not None:
            return found
        pending = self._compiling.get(text)
        if pending is None:
            if len(self._compiling) >= self.limits.compiles_waiting:
                raise UnavailableError("too many scenarios are being compiled; retry shortly")
            job = self._compiler.submit(compiled_from_text, text, source, limits=UPLOAD_LIMITS)
            pending = self._compiling[text] = asyncio.wrap_future(job)
            pending.add_done_callback(lambda _: self._compiling.pop(text, None))
        try:
            return await asyncio.wait_for(asyncio.shield(pending), self.limits.compile_seconds)
        except TimeoutError:
            raise UnavailableError(
                f"the scenario took longer than {self.limits.compile_seconds:g} s to compile; "
                "the server is busy or the scenario too large",
                retry=None,
            ) from None

    async def create(
        self,
        scenario_text: str,
        parties: tuple[str, ...],
        seed: int | None,
        rounds: int,
        round_seconds: float | None,
    ) -> NewSession:
        """A new session with fresh tokens and a secret seed; durable before it is returned."""
        sid = secrets.token_hex(8)
        seat_tokens = {p: secrets.token_urlsafe(32) for p in parties}
        admin_token = secrets.token_urlsafe(32)
        secret = SeedSecret.draw(seed)
        events = creation(
            sid,
            scenario_text,
            secret,
            rounds,
            round_seconds,
            {p: token_hash(t) for p, t in seat_tokens.items()},
            token_hash(admin_token),
            now(),
        )
        await self._write(events, {sid: secret})
        self.sessions[sid] = session = fold(events, secret)
        self._publish(sid, events)
        receipt = Receipt(sid, session.last_seq, session.head)
        return NewSession(session, admin_token, seat_tokens, receipt)

    async def run(self, sid: str, command: Command) -> Applied:
        """Apply ``command`` to session ``sid``: decide, make durable, fold, publish."""
        return await asyncio.shield(asyncio.ensure_future(self._locked(sid, command)))

    async def _locked(self, sid: str, command: Command) -> Applied:
        lock = self._locks.setdefault(sid, asyncio.Lock())
        async with lock:
            session = self.sessions[sid]
            self._check_writable(sid)
            if sid in self._unsure:
                await self._reconcile(session)
            at = now()
            events = session.seal(command(session, at), at.isoformat())
            if events:
                try:
                    await self._write(events)
                except ChainMismatchError as err:
                    self._freeze(sid, str(err))
                    self._check_writable(sid)
                except UnavailableError:
                    self._unsure.add(sid)
                    raise
                except Exception as err:
                    self._unsure.add(sid)
                    log.exception("session %s: the ledger refused a write", sid)
                    raise UnavailableError(
                        f"the ledger refused the write ({type(err).__name__}); retry shortly"
                    ) from err
                self._fold(session, events)
                self._publish(sid, events)
            return Applied(events, Receipt(sid, session.last_seq, session.head))

    async def _write(
        self, events: list[LedgerEvent], secrets: dict[str, SeedSecret] | None = None
    ) -> None:
        """Make ``events`` durable; a database fault becomes a 503 and is remembered."""
        try:
            await self.writer.write(events, secrets)
        except Exception as err:
            if not transient(err):
                raise
            self.health.database_failed(err)
            log.warning("ledger write failed: %s", err)
            raise UnavailableError(database_down(err)) from err
        self.health.database_ok()

    def _fold(self, session: Session, events: list[LedgerEvent]) -> None:
        """Fold events just written; one the fold refuses makes the session read-only."""
        try:
            for e in events:
                session.apply(e)
        except ReplayError as err:
            self._freeze(session.id, f"the ledger's event does not fold: {err}")
            self._check_writable(session.id)

    async def _reconcile(self, session: Session) -> None:
        """Fold what the ledger holds past the session's last known event (after a failed write).

        A write whose acknowledgement was lost may have landed; folding it keeps
        memory and ledger one. What does not fold is not the server's: read-only.
        """
        try:
            tail = await asyncio.to_thread(
                lambda: list(self.store.read(session.id, session.last_seq))
            )
        except Exception as err:
            if not transient(err):
                raise
            self.health.database_failed(err)
            raise UnavailableError(database_down(err)) from err
        self.health.database_ok()
        if tail:
            log.warning("session %s: a write reported as failed had landed", session.id)
        self._fold(session, tail)
        self._publish(session.id, tail)
        self._unsure.discard(session.id)

    def _freeze(self, sid: str, why: str) -> None:
        if sid not in self.read_only:
            log.error("session %s is read-only from now on: %s", sid, why)
        self.read_only[sid] = why

    def _check_writable(self, sid: str) -> None:
        why = self.read_only.get(sid)
        if why is not None:
            raise UnavailableError(
                f"session {sid} is read-only: {why}; it is served for reading, "
                "and the operator can audit it with `detente ledger verify`",
                retry=None,
            )

    def damaged(self, sid: str, why: str) -> UnavailableError:
        """A stored event of ``sid`` that cannot be read back: the session turns read-only."""
        self._freeze(sid, why)
        return UnavailableError(f"session {sid} is read-only: {why}", retry=None)

    async def expire_due(self) -> int:
        """Clear every round whose deadline has passed; the number of sessions that failed.

        Each session is tried on its own: one that fails (the database, a
        damaged ledger) does not hold back the deadlines of the others.
        """
        t = now()
        failed = 0
        for sid, session in list(self.sessions.items()):
            if sid in self.read_only or not session.due(t):
                continue
            try:
                await self.run(sid, lambda s, at: s.expire(at))
            except Exception as err:
                failed += 1
                log.warning("deadline of session %s not cleared yet: %s", sid, err)
        return failed

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
