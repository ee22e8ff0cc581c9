"""A ledger whose tail was cut fails verification, wherever the cut falls, or its receipts do.

The events one command appends land in one transaction, so a ledger can only
end where a command's events end; a cut anywhere else is caught by the fold
alone. A cut exactly where a command ended leaves a ledger the server could
have written, and only a receipt of a later command proves that it lost events.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from detente.ledger.audit import creation, fold, verify
from detente.ledger.moves import commitment_hash
from detente.ledger.receipts import Receipt, check_receipts
from detente.ledger.record import LedgerEvent
from detente.ledger.seed import SeedSecret
from detente.ledger.session import Draft, Session
from detente.scenario import builtin_text, parse_yaml
from detente.scenario.moves import NamedMove

SID = "00112233445566aa"
KOREA = builtin_text("korea")
PARTIES = tuple(p.id for p in parse_yaml(KOREA, "korea").parties)
SECRET = SeedSecret(5, "a" * 32)
NOW = datetime(2026, 1, 1, tzinfo=UTC)
NONCE = "n" * 16


class Ledger:
    """A session played by commands, as the server plays it: each command's events in a group."""

    def __init__(self, round_seconds: float | None = None) -> None:
        seats = {p: f"{i:064x}" for i, p in enumerate(PARTIES)}
        first = creation(SID, KOREA, SECRET, 2, round_seconds, seats, "f" * 64, NOW)
        self.events: list[LedgerEvent] = list(first)
        self.groups: list[int] = [len(first)]  # where each command's events end
        self.session: Session = fold(first, SECRET)

    def run(self, drafts: list[Draft], at: datetime = NOW) -> None:
        for e in self.session.seal(drafts, at.isoformat()):
            self.session.apply(e)
            self.events.append(e)
        self.groups.append(len(self.events))

    def play_round(self) -> None:
        s, rnd = self.session, self.session.round
        moves = {p: NamedMove([], []) for p in PARTIES}
        for p, m in moves.items():
            self.run(s.commit(rnd, p, commitment_hash(SID, rnd, p, m, NONCE), NOW))
        for p, m in moves.items():
            self.run(s.reveal(rnd, p, m, NONCE, NOW))


@pytest.fixture(scope="module")
def played() -> Ledger:
    ledger = Ledger()
    ledger.play_round()
    ledger.play_round()  # the second round's last reveal closes the session
    assert ledger.events[-1].type == "session_closed"
    return ledger


def _receipt(line: int, e: LedgerEvent) -> Receipt:
    return Receipt(line, e.session, e.seq, e.hash)


def test_every_cut_is_caught_by_the_fold_except_where_a_command_ended(played: Ledger) -> None:
    ends = set(played.groups)
    caught, passed = [], []
    for cut in range(1, len(played.events)):
        count, problems = verify(played.events[:cut], {SID: SECRET})
        assert count == 1
        (caught if problems else passed).append(cut)
        if problems:
            assert problems[0].seq == cut, problems[0].render()  # the first missing event
            assert "the ledger ends" in problems[0].message
    assert passed == sorted(ends - {len(played.events)})
    assert len(caught) > 2 * len(PARTIES)  # inside both clearings and after creation
    assert verify(played.events, {SID: SECRET}) == (1, [])


def test_each_cut_that_the_fold_accepts_is_caught_by_a_later_receipt(played: Ledger) -> None:
    receipts = [_receipt(i, played.events[end - 1]) for i, end in enumerate(played.groups, 1)]
    for cut in played.groups[:-1]:
        kept = played.events[:cut]
        assert verify(kept, {SID: SECRET}) == (1, [])
        problems = check_receipts(receipts, kept)
        later = [r for r in receipts if r.seq >= cut]
        assert len(problems) == len(later) > 0
    assert check_receipts(receipts, played.events) == []


def test_a_cut_inside_the_clearing_names_what_is_missing(played: Ledger) -> None:
    cleared = next(i for i, e in enumerate(played.events) if e.type == "round_cleared")
    _, problems = verify(played.events[: cleared + 3], {SID: SECRET})
    assert "inside round 1's engine events" in problems[0].message
    last_engine = next(
        i for i, e in enumerate(played.events) if e.type == "round_opened" and e.round == 2
    )
    _, problems = verify(played.events[:last_engine], {SID: SECRET})
    assert "round 2 never opened and the session never closed" in problems[0].message
    _, problems = verify(played.events[:1], {SID: SECRET})
    assert "round 1 never opened" in problems[0].message


def test_a_restarted_server_does_not_serve_a_cut_session(played: Ledger) -> None:
    """A cut ledger is not restored half-way (where it used to wedge: 409s, then a 500)."""
    cleared = next(i for i, e in enumerate(played.events) if e.type == "round_cleared")
    with pytest.raises(Exception, match="the ledger ends inside"):
        fold(played.events[: cleared + 1], SECRET)


def test_a_submission_stamped_after_its_deadline_does_not_fold() -> None:
    ledger = Ledger(round_seconds=60)
    s = ledger.session
    move = NamedMove([], [])
    late = NOW + timedelta(seconds=61)
    digest = commitment_hash(SID, 1, "RUS", move, NONCE)
    drafts = [Draft("committed", 1, "RUS", {"commitment": digest})]
    (event,) = s.seal(drafts, late.isoformat())
    with pytest.raises(Exception, match="after round 1's deadline"):
        s.apply(event)
