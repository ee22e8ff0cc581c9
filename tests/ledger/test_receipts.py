"""``ledger verify --receipts``: the heads a seat was given prove what the chain alone cannot.

A korea session is played for two rounds over the HTTP API, on SQLite and on
PostgreSQL; one seat keeps the receipt of every acknowledgement it got (the
head of the ledger right after the append), as the public events give them.
Then the ledger is cut after a round boundary, or rewritten with every later
hash recomputed: both pass the chain and replay check, and both fail against
the receipts.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, update

from detente.ledger.commands import LedgerOpenError, run_verify
from detente.ledger.receipts import Receipt, ReceiptsError, check_receipts, parse_receipts
from detente.ledger.record import GENESIS, LedgerEvent
from detente.ledger.store import Store, events_table
from tests.server.play import create, play_round, seats

STARTS = ("committed", "revealed")  # the first event of every append after the creation


def _play(http: TestClient, rounds: int = 2) -> tuple[str, list[dict[str, Any]]]:
    """A korea session with ``rounds`` rounds played: its id and its public events."""
    created = create(http, rounds=rounds + 1)
    all_seats = seats(http, created)
    for rnd in range(1, rounds + 1):
        play_round(all_seats, rnd)
    sid = created["session"]["id"]
    return sid, http.get(f"/api/sessions/{sid}/events").json()["events"]


def _acks(events: list[dict[str, Any]], party: str) -> list[dict[str, Any]]:
    """What ``party`` was acknowledged, each with its receipt: the head after the append.

    An append ends where the next one starts (a commit or a reveal) or where
    the ledger ends; the creation's acknowledgement went to the creator.
    """
    ends = {}
    start = 0
    for i, e in enumerate(events):
        if i + 1 == len(events) or events[i + 1]["type"] in STARTS:
            ends[start] = e
            start = i + 1
    acks = []
    for first, last in ends.items():
        receipt = {"session": last["session"], "seq": last["seq"], "hash": last["hash"]}
        if first == 0:
            acks.append({"session": {"id": last["session"]}, "receipt": receipt})
        elif events[first]["party"] == party:
            acks.append({"ok": True, "type": events[first]["type"], "receipt": receipt})
    return acks


def _write(path: Path, acks: list[dict[str, Any]]) -> Path:
    """The acknowledgements as JSON Lines: as saved, or (every other one) the receipt alone."""
    lines = [json.dumps(a if i % 2 == 0 else a["receipt"]) for i, a in enumerate(acks)]
    path.write_text("\n".join(lines) + "\n")
    return path


@pytest.fixture
def played(client: TestClient, db_url: str, tmp_path: Path) -> dict[str, Any]:
    sid, events = _play(client)
    seat = [e["party"] for e in events if e["type"] == "revealed"][-1]  # it cleared round 2
    acks = _acks(events, seat)
    return {
        "db": db_url,
        "sid": sid,
        "seat": seat,
        "events": events,
        "acks": acks,
        "receipts": _write(tmp_path / "receipts.jsonl", acks),
    }


def _verify(db: str, receipts: Path | None = None, session: str | None = None) -> tuple[int, str]:
    """Exit code and output of the CLI: stderr (FAILED lines, errors), then stdout (summary)."""
    args = [] if receipts is None else ["--receipts", str(receipts)]
    args += [] if session is None else ["--session", session]
    done = subprocess.run(
        [sys.executable, "-m", "detente", "ledger", "verify", db, *args],
        capture_output=True,
        text=True,
    )
    return done.returncode, done.stderr + done.stdout


def _writer(db: str) -> Store:
    return Store.open(db, migrate=False)


def test_an_intact_ledger_honours_every_receipt(played: dict[str, Any]) -> None:
    acks = played["acks"]
    assert len(acks) == 5  # creation; the seat's commit and reveal in rounds 1 and 2
    assert acks[-1]["receipt"]["seq"] == played["events"][-1]["seq"]
    code, output = _verify(played["db"], played["receipts"])
    assert code == 0, output
    assert output == "1 of 1 session(s) verified (chain and replay); 5 of 5 receipt(s) matched\n"
    out = io.StringIO()
    assert run_verify(played["db"], played["sid"], out, receipts=str(played["receipts"])) == 0
    assert out.getvalue().endswith("; 5 of 5 receipt(s) matched\n")


def test_a_tail_cut_at_a_round_boundary_passes_the_chain_but_not_the_receipts(
    played: dict[str, Any],
) -> None:
    events, sid, path = played["events"], played["sid"], played["receipts"]
    cut = next(e["seq"] for e in events if e["type"] == "round_opened" and e["round"] == 2)
    writer = _writer(played["db"])
    try:
        with writer.engine.begin() as conn:
            conn.execute(delete(events_table).where(events_table.c.seq > cut))
    finally:
        writer.close()
    code, output = _verify(played["db"])
    assert code == 0, output  # the chain alone still verifies: round 2 just opened
    assert "1 of 1 session(s) verified" in output
    code, output = _verify(played["db"], path)
    assert code == 1
    late = [(i, a["receipt"]["seq"]) for i, a in enumerate(played["acks"], 1)]
    late = [(line, seq) for line, seq in late if seq > cut]
    assert len(late) == 2  # the seat's commit and reveal of round 2
    assert output.splitlines() == [
        *(
            f"FAILED: {path}:{line}: session {sid} ends at event {cut}, but receipt line {line} "
            f"vouches for event {seq}: events {cut + 1}..{seq} were removed"
            for line, seq in late
        ),
        "1 of 1 session(s) verified (chain and replay); 3 of 5 receipt(s) matched",
    ]


def test_a_removed_session_fails_its_receipts(client: TestClient, played: dict[str, Any]) -> None:
    other, _ = _play(client, rounds=1)
    writer = _writer(played["db"])
    try:
        with writer.engine.begin() as conn:
            conn.execute(delete(events_table).where(events_table.c.session == played["sid"]))
    finally:
        writer.close()
    out = io.StringIO()
    assert run_verify(played["db"], None, out) == 0  # the other session verifies
    code, output = _verify(played["db"], played["receipts"])
    assert code == 1
    removed = f"the ledger has no session {played['sid']}: it was removed"
    assert output.count(removed) == 5
    assert f"FAILED: {played['receipts']}:1: {removed}" in output
    assert "1 of 1 session(s) verified (chain and replay); 0 of 5 receipt(s) matched" in output
    code, output = _verify(played["db"], played["receipts"], session=played["sid"])
    assert code == 1
    assert f"no events of session {played['sid']}" in output
    assert output.count(removed) == 5
    with pytest.raises(ReceiptsError, match=f"no receipts of session {other} to check"):
        run_verify(played["db"], other, io.StringIO(), receipts=str(played["receipts"]))


def _rewrite(db: str, target: LedgerEvent, **values: Any) -> None:
    """Change ``target``'s columns and recompute every later hash of its session."""
    writer = _writer(db)
    try:
        later = [e for e in writer.read(target.session) if e.seq >= target.seq]
        prev = later[0].prev_hash
        with writer.engine.begin() as conn:
            for e in later:
                fields = {k: getattr(e, k) for k in ("session", "seq", "type", "round", "party")}
                fields |= {"payload": e.data(), "at": e.at, "prev_hash": prev}
                new = LedgerEvent.make(**(fields | (values if e == target else {})))
                conn.execute(
                    update(events_table)
                    .where(events_table.c.session == e.session, events_table.c.seq == e.seq)
                    .values(at=new.at, prev_hash=new.prev_hash, hash=new.hash)
                )
                prev = new.hash
    finally:
        writer.close()


def test_a_rewritten_chain_passes_the_replay_but_not_the_receipts(
    played: dict[str, Any],
) -> None:
    """The seat's round-1 commitment re-dated and every later hash recomputed."""
    sid, path = played["sid"], played["receipts"]
    writer = _writer(played["db"])
    try:
        events = list(writer.read(sid))
    finally:
        writer.close()
    target = next(e for e in events if e.type == "committed" and e.party == played["seat"])
    earlier = events[target.seq - 1].at
    assert earlier != target.at
    _rewrite(played["db"], target, at=earlier)
    code, output = _verify(played["db"])
    assert code == 0, output  # the chain is self-consistent and the replay does not see times
    code, output = _verify(played["db"], path)
    assert code == 1
    lines = output.splitlines()
    assert len(lines) == 5  # every receipt from the rewritten event on fails, then the summary
    line, receipt = 2, played["acks"][1]["receipt"]
    assert receipt["seq"] == target.seq  # the head acknowledged for that commitment
    rewritten = _writer(played["db"])
    try:
        now = next(e for e in rewritten.read(sid) if e.seq == target.seq).hash
    finally:
        rewritten.close()
    assert lines[0] == (
        f"FAILED: {path}:{line}: event {target.seq} of session {sid} has hash {now} "
        f"but receipt line {line} says {receipt['hash']}: the event was altered or replaced"
    )
    assert all("the event was altered or replaced" in x for x in lines[:4])
    assert lines[4].endswith("; 1 of 5 receipt(s) matched")


H = "ab" * 32


@pytest.mark.parametrize(
    ("content", "line", "message"),
    [
        (f'{{"session": "s", "seq": 1, "hash": "{H}"}}\n{{"session": ', 2, "not JSON"),
        ('\n\n["s", 1]\n', 3, "not a JSON object but an array"),
        ('{"session": "s", "seq": 1}\n', 1, 'no "hash": a line is a receipt'),
        (f'{{"ok": true, "receipt": {{"session": "s", "hash": "{H}"}}}}', 1, 'no "seq" under'),
        ('{"receipt": "s"}', 1, '"receipt" is not an object but a string'),
        (f'{{"session": "s", "seq": "3", "hash": "{H}"}}', 1, '"seq" must be an integer >= 0'),
        (f'{{"session": "s", "seq": -1, "hash": "{H}"}}', 1, '"seq" must be an integer >= 0'),
        (f'{{"session": "s", "seq": true, "hash": "{H}"}}', 1, '"seq" must be an integer >= 0'),
        (f'{{"session": 7, "seq": 1, "hash": "{H}"}}', 1, '"session" must be a non-empty'),
        (f'{{"session": "s", "seq": 1, "hash": "{H.upper()}"}}', 1, '"hash" must be 64 lower'),
        (f'{{"session": "s", "seq": 1, "hash": "{H[:-1]}"}}', 1, '"hash" must be 64 lower'),
        ("\n \n", None, "no receipts to check"),
    ],
)
def test_a_malformed_receipts_file_names_file_and_line_before_any_check(
    tmp_path: Path, content: str, line: int | None, message: str
) -> None:
    path = tmp_path / "r.jsonl"
    path.write_text(content)
    where = f"{path}:{line}: " if line else f"{path}: "
    missing = str(tmp_path / "no-ledger.db")  # the file is refused before the ledger is opened
    with pytest.raises(ReceiptsError) as caught:
        run_verify(missing, None, io.StringIO(), receipts=str(path))
    assert str(caught.value).startswith(where + message)
    with pytest.raises(LedgerOpenError):  # (with good receipts, the missing ledger would fail)
        run_verify(missing, None, io.StringIO())


def test_the_cli_exits_2_on_a_malformed_receipts_file(played: dict[str, Any]) -> None:
    path = played["receipts"]
    text = path.read_text().splitlines()
    text[2] = text[2].replace('"hash"', '"digest"')
    path.write_text("\n".join(text) + "\n")
    code, output = _verify(played["db"], path)
    assert code == 2
    assert output.startswith(f'{path}:3: no "hash"')
    path.write_bytes(b'{"session": "s", "seq": 1, "hash": "' + H.encode() + b'"}\n\xff\n')
    assert _verify(played["db"], path) == (2, f"{path}:2: not UTF-8 text\n")


def _chain(session: str, seqs: list[int]) -> list[LedgerEvent]:
    out, prev = [], GENESIS
    for seq in seqs:
        e = LedgerEvent.make(session, seq, "note", 0, None, {}, "2026-01-01T00:00:00", prev)
        out.append(e)
        prev = e.hash
    return out


def test_check_receipts_names_a_gap_and_a_single_missing_event() -> None:
    events = _chain("a", [0, 1, 2, 4])
    receipts = [
        Receipt(1, "a", 2, events[2].hash),
        Receipt(2, "a", 3, H),
        Receipt(3, "a", 5, H),
        Receipt(4, "b", 0, H),
    ]
    assert [f.render("f") for f in check_receipts(receipts, events)] == [
        "f:2: session a has no event 3, but receipt line 2 vouches for it: it was removed",
        "f:3: session a ends at event 4, but receipt line 3 vouches for event 5: "
        "event 5 was removed",
        "f:4: the ledger has no session b: it was removed",
    ]
    assert parse_receipts(
        f'\ufeff{{"receipt": {{"session": "a", "seq": 2, "hash": "{H}"}}}}\r\n', "f"
    ) == [Receipt(1, "a", 2, H)]
