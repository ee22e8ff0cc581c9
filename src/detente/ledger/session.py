"""A live session as a fold over its ledger, and the commands that extend it.

:meth:`Session.apply` is the fold: it takes the events of a session in
order and rebuilds its state, re-running the engine on the recorded reveals
at every ``round_cleared`` and checking that the engine events recorded next
are exactly what the engine produces (so restoring a session and auditing
it are one and the same replay). Commands (``commit``, ``reveal``, ...)
never change the session: they return the drafts of the events to append,
or raise :class:`~detente.ledger.errors.RefusedError`; the shell makes them
durable and only then applies them. (A clearing command does leave a memo
of the engine's result, so folding its own events back does not step the
engine a second time; see :class:`_Clearing`.)

Two kinds of stall are kept apart: the *engine's* ``stalled`` / ``resumed``
events are the roadmap's own (talks stall and resume by its criteria), while
``facilitator_stalled`` / ``facilitator_resumed`` pause the live session
(no submissions, no deadline) without touching the engine.

The fold also knows where a ledger may end (:meth:`Session.end_problem`):
the events one command appends are written in one transaction, so a ledger
that ends inside such a group (inside a round's engine events, after a
clearing without the next round, ...) has lost its tail.
"""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from detente.engine import (
    CounterRNG,
    Event,
    EventType,
    State,
    StepEvents,
    UnavailableActionError,
    available,
    initial_state,
    offerable,
    step,
)
from detente.ledger.errors import ConflictError, InvalidError, ReplayError
from detente.ledger.moves import commitment_hash, default_move, submissions
from detente.ledger.record import GENESIS, LedgerEvent, canonical_json
from detente.ledger.scenarios import compiled_from_text
from detente.ledger.seed import SeedSecret
from detente.scenario.compiled import CompiledScenario
from detente.scenario.moves import NamedMove

OPEN, PAUSED, CLOSED = "open", "paused", "closed"
ABANDONED_AFTER = 3  # rounds in a row in which no seat committed: the session closes itself

#: The engine events a session records, by the ``events`` version of its ``session_created``.
#: Version 1 (no ``events`` field: ledgers written before December 2026) knew no
#: ``success_lost`` or ``success_regained``; versions 1 and 2 no attribution (``by``,
#: ``trust_below``) in the payloads of ``stalled`` and ``stage_changed``. A session keeps
#: the vocabulary it was created with, so an old ledger still replays and its later rounds
#: stay consistent.
EVENTS_VERSION = 3
_UNKNOWN_BEFORE: dict[int, frozenset[str]] = {
    1: frozenset({EventType.SUCCESS_LOST, EventType.SUCCESS_REGAINED}),
}
_ATTRIBUTION_FROM = 3
_ATTRIBUTED = frozenset({EventType.STALLED, EventType.STAGE_CHANGED})


class SessionEvent(StrEnum):
    """The kinds of session event (the engine's own are :class:`~detente.engine.EventType`)."""

    SESSION_CREATED = "session_created"
    ROUND_OPENED = "round_opened"
    COMMITTED = "committed"
    REVEALED = "revealed"
    DEFAULTED = "defaulted"
    ROUND_CLEARED = "round_cleared"
    FACILITATOR_STALLED = "facilitator_stalled"
    FACILITATOR_RESUMED = "facilitator_resumed"
    SESSION_CLOSED = "session_closed"


@dataclass(frozen=True)
class Draft:
    """An event to append: the shell gives it a sequence number, a time and its hash."""

    type: str
    round: int
    party: str | None
    payload: dict[str, Any]


@dataclass(frozen=True)
class _Clearing:
    """What the engine gave for a round's moves, kept for the fold of the same round.

    The engine is deterministic in (state, moves): when the events a command drafted are
    folded back in the same process, the fold reuses this instead of stepping again. A
    fresh fold (restore, ``ledger verify``) has none and re-runs the engine.
    """

    before: State
    round: int
    moves: dict[str, NamedMove]
    after: State
    events: StepEvents
    records: list[Event]


@dataclass
class Session:
    """The state of one live session, rebuilt event by event."""

    id: str
    compiled: CompiledScenario
    secret: SeedSecret
    seed_commitment: str | None  # None in ledgers written before seeds were committed
    rounds: int
    round_seconds: float | None
    seats: dict[str, str]  # party -> sha256 of its seat token
    admin: str  # sha256 of the facilitator's token
    state: State
    rng: CounterRNG
    created_at: str
    events_version: int = EVENTS_VERSION  # the vocabulary of engine events it records
    round: int = 0  # the round open (or last played, once closed)
    status: str = OPEN
    deadline: str | None = None
    cleared_through: int = 0
    commits: dict[str, str] = field(default_factory=dict)
    moves: dict[str, NamedMove] = field(default_factory=dict)
    nonces: dict[str, str] = field(default_factory=dict)
    defaulted: set[str] = field(default_factory=set)
    used: dict[str, int] = field(default_factory=dict)  # commitment hash -> round
    payoff: list[float] = field(default_factory=list)
    expected: list[Event] = field(default_factory=list)  # engine events still to be seen
    next_due: bool = False  # a round cleared: the next round opens or the session closes
    idle: int = 0  # rounds cleared in a row without any seat's commitment
    last_seq: int = -1
    head: str = GENESIS  # hash of the last event folded
    _cleared: _Clearing | None = field(default=None, repr=False, compare=False)

    # -- the fold -----------------------------------------------------------------

    @staticmethod
    def start(created: LedgerEvent, secret: SeedSecret | None) -> Session:
        """The session a ``session_created`` event (the first of a ledger) describes.

        ``secret`` is the session's seed, kept beside the ledger or revealed by
        its close; it must match the commitment the event published.
        """
        _check_link(created, GENESIS, -1)
        if created.type != SessionEvent.SESSION_CREATED:
            raise ReplayError(
                created.seq, f"a session starts with session_created, not {created.type}"
            )
        data = _loads(created.seq, created.payload)
        try:
            commitment = data.get("seed_commitment")
            if commitment is None:  # a ledger from before seeds were committed: public seed
                secret = SeedSecret(int(data["seed"]), "")
            elif secret is None:
                raise ReplayError(
                    created.seq,
                    "the session's seed is secret until it closes, and it is not available "
                    "(neither kept beside the ledger nor revealed by a session_closed event)",
                )
            elif secret.commitment(created.session) != commitment:
                raise ReplayError(created.seq, "the seed does not match the seed commitment")
            compiled = compiled_from_text(data["scenario"], f"session {created.session} scenario")
            session = Session(
                id=created.session,
                compiled=compiled,
                secret=secret,
                seed_commitment=commitment,
                rounds=int(data["rounds"]),
                round_seconds=data["round_seconds"],
                seats=dict(data["seats"]),
                admin=str(data["admin"]),
                state=initial_state(compiled, 1),
                rng=CounterRNG(secret.seed),
                created_at=created.at,
                events_version=int(data.get("events", 1)),
                payoff=[0.0] * len(compiled.parties),
            )
        except (KeyError, TypeError, ValueError) as err:
            raise ReplayError(created.seq, f"malformed session_created payload: {err}") from None
        if sorted(session.seats) != sorted(compiled.parties):
            raise ReplayError(created.seq, "the seats are not the scenario's parties")
        session.last_seq, session.head = created.seq, created.hash
        return session

    @property
    def seed(self) -> int:
        return self.secret.seed

    def apply(self, event: LedgerEvent) -> None:
        """Fold one event into the state; :class:`ReplayError` when it cannot follow."""
        _check_link(event, self.head, self.last_seq)
        if event.session != self.id:
            raise ReplayError(event.seq, f"event of session {event.session} in session {self.id}")
        if self.expected:
            self._expect_engine_event(event)
        else:
            handler = _HANDLERS.get(event.type)
            if handler is None:
                raise ReplayError(event.seq, f"unexpected event type {event.type!r} here")
            if self.next_due and event.type not in (
                SessionEvent.ROUND_OPENED,
                SessionEvent.SESSION_CLOSED,
            ):
                raise ReplayError(
                    event.seq,
                    f"round {self.cleared_through} cleared: the next event opens round "
                    f"{self.cleared_through + 1} or closes the session, not {event.type}",
                )
            data = _loads(event.seq, event.payload)
            try:
                handler(self, event, data)
            except (KeyError, TypeError, ValueError) as err:
                raise ReplayError(event.seq, f"malformed {event.type} payload: {err!r}") from None
        self.last_seq, self.head = event.seq, event.hash

    def end_problem(self) -> str | None:
        """Why the ledger cannot end here (its tail was cut), or None when it can.

        A command's events are appended in one transaction: ``session_created``
        with round 1's opening, the last reveal (or the deadline's defaults)
        with the clearing, the engine's events and the next round or the close.
        A ledger that ends inside one of these groups has lost events.
        """
        if self.expected:
            return (
                f"the ledger ends inside round {self.cleared_through}'s engine events: "
                f"{len(self.expected)} missing, the first a {self.expected[0].type} event"
            )
        if self.next_due:
            return (
                f"the ledger ends after round {self.cleared_through} cleared: "
                f"round {self.cleared_through + 1} never opened and the session never closed"
            )
        if self.round == 0:
            return "the ledger ends after session_created: round 1 never opened"
        if self.status != CLOSED and len(self.moves) == len(self.seats):
            return (
                f"the ledger ends after every seat's move in round {self.round}, "
                "but without the round's clearing"
            )
        return None

    def seal(self, drafts: list[Draft], at: str) -> list[LedgerEvent]:
        """The drafts as events chained after this session's last event."""
        out: list[LedgerEvent] = []
        prev, seq = self.head, self.last_seq
        for d in drafts:
            seq += 1
            e = LedgerEvent.make(self.id, seq, d.type, d.round, d.party, d.payload, at, prev)
            out.append(e)
            prev = e.hash
        return out

    def _expect_engine_event(self, event: LedgerEvent) -> None:
        want = self.expected.pop(0)
        got = (event.type, event.round, event.party, event.payload)
        wanted = (want.type, want.round, want.party, canonical_json(want.payload))
        if got != wanted:
            raise ReplayError(
                event.seq,
                f"recorded engine event {_show(got)} differs from the replay's {_show(wanted)}",
            )

    def _recorded(self, events: StepEvents) -> list[Event]:
        """The step's events in the vocabulary of this session's ledger."""
        unknown = _UNKNOWN_BEFORE.get(self.events_version, frozenset())
        known = [e for e in events.records(0) if e.type not in unknown]
        if self.events_version >= _ATTRIBUTION_FROM:
            return known
        return [_unattributed(e) if e.type in _ATTRIBUTED else e for e in known]

    def _check_round(self, event: LedgerEvent) -> None:
        if event.round != self.round or self.status == CLOSED:
            raise ReplayError(
                event.seq, f"round {event.round} is not the open round ({self.round})"
            )

    def _in_round(self, event: LedgerEvent) -> str:
        self._check_round(event)
        party = event.party
        if party is None or party not in self.seats:
            raise ReplayError(event.seq, f"unknown party {party!r}")
        return party

    @property
    def _timed(self) -> bool:
        """Whether deadlines bind the record: not in ledgers written before they were checked
        at submission (those, like their public seeds, are restored as they are)."""
        return self.seed_commitment is not None

    def _submitted_in_time(self, event: LedgerEvent) -> None:
        late = self.deadline is not None and _time(event.at) >= _time(self.deadline)
        if late and self._timed:
            raise ReplayError(
                event.seq,
                f"{event.type} at {event.at}, after round {event.round}'s deadline {self.deadline}",
            )

    def _on_round_opened(self, event: LedgerEvent, data: dict[str, Any]) -> None:
        if event.round != self.cleared_through + 1 or self.status == CLOSED:
            raise ReplayError(
                event.seq, f"round {event.round} cannot open after round {self.cleared_through}"
            )
        self.round, self.deadline, self.next_due = event.round, data["deadline"], False
        self.commits, self.moves, self.nonces, self.defaulted = {}, {}, {}, set()

    def _on_committed(self, event: LedgerEvent, data: dict[str, Any]) -> None:
        p = self._in_round(event)
        self._submitted_in_time(event)
        if p in self.commits:
            raise ReplayError(event.seq, f"{p} committed twice in round {event.round}")
        self.commits[p] = data["commitment"]
        self.used[data["commitment"]] = event.round

    def _on_revealed(self, event: LedgerEvent, data: dict[str, Any]) -> None:
        p = self._in_round(event)
        self._submitted_in_time(event)
        move = NamedMove.from_payload(data)
        if self.commits.get(p) != commitment_hash(self.id, event.round, p, move, data["nonce"]):
            raise ReplayError(event.seq, f"{p}'s reveal does not match its commitment")
        self.moves[p], self.nonces[p] = move, data["nonce"]

    def _on_defaulted(self, event: LedgerEvent, data: dict[str, Any]) -> None:
        p = self._in_round(event)
        if p in self.moves:
            raise ReplayError(event.seq, f"{p} revealed, yet is recorded as defaulted")
        early = self.deadline is None or _time(event.at) < _time(self.deadline)
        if early and self._timed:
            raise ReplayError(
                event.seq, f"{p} defaulted at {event.at}, before round {event.round}'s deadline"
            )
        self.moves[p] = NamedMove.from_payload(data)
        self.defaulted.add(p)

    def _on_round_cleared(self, event: LedgerEvent, _: dict[str, Any]) -> None:
        self._check_round(event)
        round = event.round
        missing = [p for p in self.seats if p not in self.moves]
        if missing:
            raise ReplayError(
                event.seq, f"round {round} cleared without moves of {', '.join(missing)}"
            )
        memo, self._cleared = self._cleared, None
        if (
            memo is not None
            and memo.before is self.state
            and memo.round == round
            and memo.moves == self.moves
        ):
            after, events, records = memo.after, memo.events, list(memo.records)
        else:
            try:
                after, events = step(self.state, submissions(self.compiled, self.moves), self.rng)
            except UnavailableActionError as err:
                raise ReplayError(
                    event.seq, f"the engine refuses the recorded moves: {err}"
                ) from None
            records = self._recorded(events)
        self.state, self.cleared_through = after, round
        self.idle = 0 if self.commits else self.idle + 1
        self.payoff = [float(v) for v in events.payoff[0]]
        self.expected = records
        self.deadline, self.next_due = None, True

    def _on_stalled(self, event: LedgerEvent, _: dict[str, Any]) -> None:
        if self.status != OPEN:
            raise ReplayError(event.seq, f"cannot stall a session that is {self.status}")
        self.status, self.deadline = PAUSED, None

    def _on_resumed(self, event: LedgerEvent, data: dict[str, Any]) -> None:
        if self.status != PAUSED:
            raise ReplayError(event.seq, f"cannot resume a session that is {self.status}")
        self.status, self.deadline = OPEN, data["deadline"]

    def _on_closed(self, event: LedgerEvent, data: dict[str, Any]) -> None:
        if self.status == CLOSED:
            raise ReplayError(event.seq, "the session is already closed")
        if self.seed_commitment is not None and SeedSecret.revealed(data) != self.secret:
            raise ReplayError(
                event.seq, "the seed revealed at the close is not the seed the session committed to"
            )
        self.status, self.deadline, self.next_due = CLOSED, None, False

    # -- commands -----------------------------------------------------------------

    def _check_open(self, round: int, now: datetime) -> None:
        if self.status == CLOSED:
            raise ConflictError(f"session {self.id} is closed")
        if self.status == PAUSED:
            raise ConflictError(f"session {self.id} is stalled by the facilitator; wait for resume")
        if round != self.round:
            raise ConflictError(f"round {round} is not open (the open round is {self.round})")
        if self.deadline is not None and now >= _time(self.deadline):
            raise ConflictError(
                f"round {round}'s deadline passed at {self.deadline}; "
                "it clears with default moves for the seats that did not reveal"
            )

    def commit(self, round: int, party: str, commitment: str, now: datetime) -> list[Draft]:
        """Drafts for ``party`` committing to a hash; nothing when it is a retry."""
        self._check_open(round, now)
        if self.commits.get(party) == commitment:
            return []
        if party in self.commits:
            raise ConflictError(f"{party} already committed to another hash in round {round}")
        if commitment in self.used:
            raise ConflictError(
                f"this commitment was already used in round {self.used[commitment]}"
            )
        return [Draft(SessionEvent.COMMITTED, round, party, {"commitment": commitment})]

    def reveal(
        self, round: int, party: str, move: NamedMove, nonce: str, now: datetime
    ) -> list[Draft]:
        """Drafts for ``party`` revealing; the round clears when it is the last to reveal."""
        self._check_open(round, now)
        if party not in self.commits:
            raise ConflictError(f"{party} has not committed in round {round}; commit first")
        if party in self.moves:
            if self.moves[party] == move and self.nonces.get(party) == nonce:
                return []
            raise ConflictError(f"{party} already revealed another move in round {round}")
        if self.commits[party] != commitment_hash(self.id, round, party, move, nonce):
            raise InvalidError(
                f"the reveal does not match {party}'s commitment for round {round} "
                "(sha256 of session|round|party|move|nonce)"
            )
        wrong = self.compiled.seat(party).unknown(move)
        if wrong is not None:
            raise InvalidError(wrong)
        moves = {**self.moves, party: move}
        try:  # the engine's own availability check
            if len(moves) == len(self.seats):  # the last reveal: the clearing's step checks it
                clearing = self._clearing(round, moves, now)
            else:  # this move alone (the others were checked on the same state)
                self._check_available(party, move)
                clearing = []
        except UnavailableActionError as err:
            raise InvalidError(str(err)) from None
        return [
            Draft(SessionEvent.REVEALED, round, party, {**move.payload(), "nonce": nonce}),
            *clearing,
        ]

    def _check_available(self, party: str, move: NamedMove) -> None:
        """Raise the engine's UnavailableActionError when ``move`` is not playable now.

        ``available`` and ``offerable`` are the engine's statement of the rule
        its kernel applies; a full step (several times the cost) runs only to
        word the refusal exactly as the engine does.
        """
        seat = self.compiled.seat(party)
        slots = available(self.state)[0]
        offered = offerable(self.state)[0]
        playable = seat.conflict(move) is None  # two levels of one action: the step words it
        if (
            playable
            and all(slots[seat.action_slot[a]] for a in move.actions)
            and all(offered[seat.commitment_index[m]] for m in move.offers)
        ):
            return
        step(self.state, submissions(self.compiled, {party: move}), self.rng)

    def due(self, now: datetime) -> bool:
        """Whether the open round's deadline has passed (it is to be cleared by default)."""
        return self.status == OPEN and self.deadline is not None and now >= _time(self.deadline)

    def expire(self, now: datetime) -> list[Draft]:
        """At the deadline: default moves for the missing seats and the clearing; else nothing."""
        if not self.due(now):
            return []
        avail = available(self.state)[0]
        drafts, moves = [], dict(self.moves)
        for party in self.compiled.parties:
            if party not in moves:
                moves[party] = default_move(self.compiled, party, avail)
                why = (
                    "no reveal by the deadline"
                    if party in self.commits
                    else "no commitment by the deadline"
                )
                drafts.append(
                    Draft(
                        SessionEvent.DEFAULTED,
                        self.round,
                        party,
                        {**moves[party].payload(), "reason": why},
                    )
                )
        return drafts + self._clearing(self.round, moves, now)

    def _clearing(self, round: int, moves: dict[str, NamedMove], now: datetime) -> list[Draft]:
        """``round_cleared``, the engine's events, then the next round or the close."""
        after, events = step(self.state, submissions(self.compiled, moves), self.rng)
        records = self._recorded(events)
        self._cleared = _Clearing(self.state, round, moves, after, events, records)
        drafts = [Draft(SessionEvent.ROUND_CLEARED, round, None, {})]
        drafts += [Draft(e.type, e.round, e.party, e.payload) for e in records]
        idle = 0 if self.commits else self.idle + 1
        if round >= self.rounds:
            drafts.append(self._closing(round, "all rounds played"))
        elif idle >= ABANDONED_AFTER:  # nobody plays: stop writing defaults every round
            why = f"abandoned: no seat committed in {idle} rounds in a row"
            drafts.append(self._closing(round, why))
        else:
            drafts.append(
                Draft(
                    SessionEvent.ROUND_OPENED,
                    round + 1,
                    None,
                    {"deadline": self.next_deadline(now)},
                )
            )
        return drafts

    def _closing(self, round: int, reason: str) -> Draft:
        """``session_closed``, revealing the seed the session committed to."""
        reveal = self.secret.reveal() if self.seed_commitment is not None else {}
        return Draft(SessionEvent.SESSION_CLOSED, round, None, {"reason": reason, **reveal})

    def next_deadline(self, now: datetime) -> str | None:
        if self.round_seconds is None:
            return None
        return (now + timedelta(seconds=self.round_seconds)).isoformat()

    def stall(self, reason: str) -> list[Draft]:
        if self.status != OPEN:
            raise ConflictError(
                f"session {self.id} is {self.status}; only an open session can stall"
            )
        return [Draft(SessionEvent.FACILITATOR_STALLED, self.round, None, {"reason": reason})]

    def resume(self, reason: str, now: datetime) -> list[Draft]:
        if self.status != PAUSED:
            raise ConflictError(
                f"session {self.id} is {self.status}; only a stalled session resumes"
            )
        payload = {"reason": reason, "deadline": self.next_deadline(now)}
        return [Draft(SessionEvent.FACILITATOR_RESUMED, self.round, None, payload)]

    def close(self, reason: str) -> list[Draft]:
        if self.status == CLOSED:
            raise ConflictError(f"session {self.id} is already closed")
        return [self._closing(self.round, reason)]

    # -- access -------------------------------------------------------------------

    def seat_of(self, token_hash: str) -> str | None:
        """The party whose seat token has this hash (compared in constant time)."""
        found = None
        for party, h in self.seats.items():
            if hmac.compare_digest(h, token_hash):
                found = party
        return found

    def is_admin(self, token_hash: str) -> bool:
        return hmac.compare_digest(self.admin, token_hash)

    def waiting_for(self) -> list[str]:
        """Parties whose move for the open round is not in yet."""
        if self.status == CLOSED:
            return []
        return [p for p in self.compiled.parties if p not in self.moves]

    def in_force(self) -> list[str]:
        flags = self.state.in_force[0]
        return [d for d, on in zip(self.compiled.deals, flags, strict=True) if on]

    def trust(self) -> dict[str, dict[str, float]]:
        t = self.state.trust[0]
        parties = self.compiled.parties
        return {
            i: {j: float(t[x, y]) for y, j in enumerate(parties)} for x, i in enumerate(parties)
        }

    def stage(self) -> str:
        return self.compiled.stages[int(self.state.stage[0])]

    def engine_stalled(self) -> bool:
        return bool(self.state.stalled[0])


def _time(iso: str) -> datetime:
    """A stored time (ISO 8601, with its offset) as a datetime."""
    return datetime.fromisoformat(iso)


def _check_link(event: LedgerEvent, prev_hash: str, last_seq: int) -> None:
    """The chain: consecutive numbers, the predecessor's hash, a hash that matches the content."""
    if event.seq != last_seq + 1:
        raise ReplayError(event.seq, f"sequence number {event.seq} does not follow {last_seq}")
    if event.prev_hash != prev_hash:
        raise ReplayError(event.seq, "its prev_hash is not the hash of the event before it")
    if event.hash != event.expected_hash():
        raise ReplayError(event.seq, "its hash does not match its content (the event was altered)")


def _unattributed(event: Event) -> Event:
    """``event`` as ledgers before attribution recorded it: without ``by`` and ``trust_below``."""
    payload = {k: v for k, v in event.payload.items() if k not in ("by", "trust_below")}
    return replace(event, payload=payload)


def _loads(seq: int, payload: str) -> dict[str, Any]:
    try:
        value = json.loads(payload)
    except ValueError as err:
        raise ReplayError(seq, f"payload is not JSON: {err}") from None
    if not isinstance(value, dict):
        raise ReplayError(seq, "payload is not a JSON object")
    return value


def _show(event: tuple[str, int, str | None, str]) -> str:
    type, round, party, payload = event
    return f"{type} (round {round}, party {party}, {payload})"


_HANDLERS: dict[str, Callable[[Session, LedgerEvent, dict[str, Any]], None]] = {
    SessionEvent.ROUND_OPENED: Session._on_round_opened,
    SessionEvent.COMMITTED: Session._on_committed,
    SessionEvent.REVEALED: Session._on_revealed,
    SessionEvent.DEFAULTED: Session._on_defaulted,
    SessionEvent.ROUND_CLEARED: Session._on_round_cleared,
    SessionEvent.FACILITATOR_STALLED: Session._on_stalled,
    SessionEvent.FACILITATOR_RESUMED: Session._on_resumed,
    SessionEvent.SESSION_CLOSED: Session._on_closed,
}
