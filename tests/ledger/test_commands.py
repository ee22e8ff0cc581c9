"""The commands' shortcuts agree with the engine they stand in for.

A reveal that does not clear checks availability with the engine's
``available`` / ``offerable`` instead of a full step, and the fold of a
round the server just cleared reuses the clearing's engine result: both
must decide exactly what the engine (and a fresh replay) decides.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.engine import UnavailableActionError, step
from detente.ledger.audit import creation, fold
from detente.ledger.errors import InvalidError
from detente.ledger.moves import commitment_hash, submissions
from detente.ledger.record import LedgerEvent
from detente.ledger.seed import SeedSecret
from detente.ledger.session import Draft, Session
from detente.scenario import builtin_text, parse_yaml
from detente.scenario.moves import NamedMove

NOW = datetime(2026, 1, 1, tzinfo=UTC)
KOREA = builtin_text("korea")
PARTIES = tuple(p.id for p in parse_yaml(KOREA, "korea").parties)
NONCE = "n" * 16


def _session(seed: int) -> Session:
    seats = {p: f"{i:064x}" for i, p in enumerate(PARTIES)}
    secret = SeedSecret(seed, "s" * 32)
    return fold(creation("0123456789abcdef", KOREA, secret, 50, None, seats, "f" * 64, NOW), secret)


def _apply(session: Session, drafts: list[Draft], log: list[LedgerEvent]) -> None:
    """What the server does with a command's drafts: seal, (store,) fold."""
    for e in session.seal(drafts, NOW.isoformat()):
        session.apply(e)
        log.append(e)


def _commit_all(session: Session, moves: dict[str, NamedMove], log: list[LedgerEvent]) -> None:
    rnd = session.round
    for party, move in moves.items():
        digest = commitment_hash(session.id, rnd, party, move, NONCE)
        _apply(session, session.commit(rnd, party, digest, NOW), log)


def _play(session: Session, moves: dict[str, NamedMove], log: list[LedgerEvent]) -> None:
    """One round: every seat commits and reveals its move; the last reveal clears."""
    _commit_all(session, moves, log)
    for party, move in moves.items():
        _apply(session, session.reveal(session.round, party, move, NONCE, NOW), log)


@st.composite
def _moves(draw: st.DrawFn, session: Session) -> dict[str, NamedMove]:
    """A move per party: any of its own actions and commitments, playable or not."""
    out = {}
    for party in PARTIES:
        seat = session.compiled.seat(party)
        actions, offers = seat.actions, seat.offers
        out[party] = NamedMove(
            draw(st.lists(st.sampled_from(sorted(actions)), max_size=3)),
            draw(st.lists(st.sampled_from(sorted(offers)), max_size=2)) if offers else [],
        )
    return out


def _playable(session: Session, party: str, move: NamedMove) -> bool:
    try:
        step(session.state, submissions(session.compiled, {party: move}), session.rng)
    except UnavailableActionError:
        return False
    return True


def _legal(session: Session, moves: dict[str, NamedMove]) -> dict[str, NamedMove]:
    """The moves, with the empty move for those the engine would refuse."""
    empty = NamedMove([], [])
    return {p: m if _playable(session, p, m) else empty for p, m in moves.items()}


@settings(max_examples=40, deadline=None)
@given(data=st.data(), seed=st.integers(0, 2**31), rounds=st.integers(0, 6))
def test_the_quick_availability_check_agrees_with_the_engine(
    data: st.DataObject, seed: int, rounds: int
) -> None:
    session = _session(seed)
    for _ in range(rounds):  # reach later stages and one-off acts already taken
        _play(session, _legal(session, data.draw(_moves(session))), [])
    for party, move in data.draw(_moves(session)).items():
        if _playable(session, party, move):
            session._check_available(party, move)
        else:
            with pytest.raises(UnavailableActionError):
                session._check_available(party, move)


def test_the_last_reveal_of_an_unavailable_move_is_refused_with_the_engine_message() -> None:
    session = _session(1)
    late = NamedMove(["peace_treaty"], [])
    moves = {p: NamedMove([], []) for p in PARTIES[:-1]} | {PARTIES[-1]: late}
    _commit_all(session, moves, [])
    for party in PARTIES[:-1]:
        _apply(session, session.reveal(1, party, moves[party], NONCE, NOW), [])
    head = session.head
    with pytest.raises(InvalidError, match="not available in stage trust_building"):
        session.reveal(1, PARTIES[-1], late, NONCE, NOW)
    assert session.head == head
    assert session.waiting_for() == [PARTIES[-1]]


@settings(max_examples=15, deadline=None)
@given(data=st.data(), seed=st.integers(0, 2**31))
def test_a_session_served_live_equals_a_fresh_replay_of_its_ledger(
    data: st.DataObject, seed: int
) -> None:
    live, log = _session(seed), []
    for _ in range(4):
        _play(live, _legal(live, data.draw(_moves(live))), log)
    replayed = _session(seed)
    for e in log:
        replayed.apply(e)
    assert (replayed.head, replayed.last_seq) == (live.head, live.last_seq)
    assert replayed.payoff == live.payoff
    assert replayed.state.trust.tolist() == live.state.trust.tolist()
    assert replayed.state.total.tolist() == live.state.total.tolist()
