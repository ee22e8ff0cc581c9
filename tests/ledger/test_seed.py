"""The engine seed: public only as a commitment until the close reveals it; verify checks it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from detente.ledger.audit import creation, fold, verify
from detente.ledger.moves import commitment_hash
from detente.ledger.record import LedgerEvent, canonical_json
from detente.ledger.seed import SeedSecret
from detente.ledger.session import Draft
from detente.scenario import builtin_text, parse_yaml
from detente.scenario.moves import NamedMove

SID = "0123456789abcdef"
KOREA = builtin_text("korea")
PARTIES = tuple(p.id for p in parse_yaml(KOREA, "korea").parties)
NOW = datetime(2026, 1, 1, tzinfo=UTC)
SEATS = {p: f"{i:064x}" for i, p in enumerate(PARTIES)}


def _closed(secret: SeedSecret) -> list[LedgerEvent]:
    """A korea session of one round, played to its close."""
    events = creation(SID, KOREA, secret, 1, None, SEATS, "f" * 64, NOW)
    session = fold(events, secret)
    move, nonce = NamedMove([], []), "n" * 16
    for kind in ("commit", "reveal"):
        for p in PARTIES:
            if kind == "commit":
                drafts = session.commit(1, p, commitment_hash(SID, 1, p, move, nonce), NOW)
            else:
                drafts = session.reveal(1, p, move, nonce, NOW)
            for e in session.seal(drafts, NOW.isoformat()):
                session.apply(e)
                events.append(e)
    return events


def _rechained(
    events: list[LedgerEvent], seq: int, payload: dict[str, object]
) -> list[LedgerEvent]:
    """``events`` with event ``seq``'s payload replaced and every later hash recomputed."""
    out, prev = list(events[:seq]), events[seq].prev_hash
    for e in events[seq:]:
        data = payload if e.seq == seq else e.data()
        new = LedgerEvent.make(e.session, e.seq, e.type, e.round, e.party, data, e.at, prev)
        out.append(new)
        prev = new.hash
    return out


def test_the_created_event_holds_a_commitment_and_no_seed() -> None:
    secret = SeedSecret.draw()
    created = creation(SID, KOREA, secret, 3, None, SEATS, "f" * 64, NOW)[0].data()
    assert "seed" not in created
    assert str(secret.seed) not in canonical_json(created)
    assert created["seed_commitment"] == secret.commitment(SID)
    assert SeedSecret(secret.seed, "0" * 32).commitment(SID) != secret.commitment(SID)


def test_the_close_reveals_the_seed_so_anyone_can_replay_a_closed_session() -> None:
    secret = SeedSecret(12345, "b" * 32)
    events = _closed(secret)
    assert events[-1].type == "session_closed"
    assert SeedSecret.revealed(events[-1].data()) == secret
    assert verify(events) == (1, [])  # no secret kept: the reveal is enough
    assert fold(events).seed == 12345


def test_an_open_session_needs_the_kept_secret() -> None:
    secret = SeedSecret(7, "c" * 32)
    events = creation(SID, KOREA, secret, 3, None, SEATS, "f" * 64, NOW)
    _, problems = verify(events)
    assert "seed is secret until it closes" in problems[0].message
    assert verify(events, {SID: secret}) == (1, [])
    _, problems = verify(events, {SID: SeedSecret(8, "c" * 32)})  # a kept seed edited
    assert "does not match the seed commitment" in problems[0].message


def test_a_close_that_reveals_another_seed_fails() -> None:
    secret = SeedSecret(99, "d" * 32)
    events = _closed(secret)
    last = events[-1]
    forged = _rechained(events, last.seq, {**last.data(), "seed": 100})
    _, problems = verify(forged, {SID: secret})
    assert problems[0].seq == last.seq
    assert "not the seed the session committed to" in problems[0].message
    _, problems = verify(forged)  # without the kept secret, the forged reveal fails at once
    assert problems[0].seq == 0


def test_a_ledger_from_before_seed_commitments_still_folds() -> None:
    """Its seed is public, and its submissions were not held to their deadlines: both stay."""
    secret = SeedSecret(3, "")
    events = creation(SID, KOREA, SeedSecret(3, "e" * 32), 3, 60.0, SEATS, "f" * 64, NOW)
    data = {k: v for k, v in events[0].data().items() if k != "seed_commitment"} | {"seed": 3}
    legacy = _rechained(events, 0, data)
    session = fold(legacy)
    assert session.seed_commitment is None
    assert session.secret == secret
    assert session.close("done")[0].payload == {"reason": "done"}  # nothing to reveal
    move, nonce, late = NamedMove([], []), "n" * 16, NOW + timedelta(seconds=90)
    digest = commitment_hash(SID, 1, "RUS", move, nonce)
    (accepted_late,) = session.seal(
        [Draft("committed", 1, "RUS", {"commitment": digest})], late.isoformat()
    )
    session.apply(accepted_late)  # as the server accepted it then
    assert session.commits == {"RUS": digest}
