"""A running server notices a ledger changed behind its back: read-only, 503, never a 500."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import delete, func, insert, select, update

from detente.ledger.record import LedgerEvent
from detente.ledger.store import Store, events_table
from detente.scenario.moves import NamedMove
from detente.server.app import create_app
from tests.server.play import create, play_round, seats

Tamper = Callable[[Any, str, LedgerEvent], None]


def _last(db: str, sid: str) -> LedgerEvent:
    store = Store.open(db)
    try:
        return list(store.read(sid))[-1]
    finally:
        store.close()


def _count(db: str, sid: str) -> int:
    store = Store.open(db)
    try:
        with store.engine.connect() as conn:
            query = select(func.count()).where(events_table.c.session == sid)
            return int(conn.execute(query).scalar_one())
    finally:
        store.close()


def _edit_payload(conn: Any, sid: str, last: LedgerEvent) -> None:
    where = (events_table.c.session == sid) & (events_table.c.seq == last.seq)
    conn.execute(
        update(events_table).where(where).values(payload='{"deadline":"2030-01-01T00:00:00+00:00"}')
    )


def _remove(conn: Any, sid: str, last: LedgerEvent) -> None:
    where = (events_table.c.session == sid) & (events_table.c.seq == last.seq)
    conn.execute(delete(events_table).where(where))


def _append_foreign(conn: Any, sid: str, last: LedgerEvent) -> None:
    forged = LedgerEvent.make(
        sid,
        last.seq + 1,
        "facilitator_stalled",
        last.round,
        None,
        {"reason": "x"},
        last.at,
        last.hash,
    )
    conn.execute(
        insert(events_table).values(**{k: getattr(forged, k) for k in forged.__dataclass_fields__})
    )


@pytest.fixture
def game(db_url: str) -> Iterator[tuple[TestClient, str, dict[str, Any]]]:
    with TestClient(create_app(db_url)) as client:
        created = create(client, rounds=4)
        play_round(seats(client, created), 1)
        yield client, db_url, created


@pytest.mark.parametrize(
    ("tamper", "words"),
    [
        (_edit_payload, "was altered in the ledger"),
        (_remove, "is missing from the ledger"),
        (_append_foreign, "holds events after"),
    ],
    ids=["edited", "removed", "foreign"],
)
def test_a_changed_chain_head_makes_the_session_read_only(
    game: tuple[TestClient, str, dict[str, Any]], tamper: Tamper, words: str
) -> None:
    client, db, created = game
    sid = created["session"]["id"]
    store = Store.open(db)
    with store.engine.begin() as conn:
        tamper(conn, sid, _last(db, sid))
    store.close()
    stored = _count(db, sid)
    dprk = seats(client, created)["DPRK"]
    r = dprk.commit(2, NamedMove([], []))
    assert r.status_code == 503, r.text
    assert words in r.json()["message"]
    assert "read-only" in r.json()["message"]
    assert "retry-after" not in r.headers  # waiting will not mend it
    assert _count(db, sid) == stored  # nothing appended on top
    assert client.get(f"/api/sessions/{sid}").status_code == 200  # still served for reading
    admin = {"Authorization": f"Bearer {created['admin_token']}"}
    r = client.post(f"/api/sessions/{sid}/close", json={}, headers=admin)
    assert r.status_code == 503
    other = create(client)  # the other sessions go on
    assert seats(client, other)["DPRK"].commit(1, NamedMove([], [])).status_code == 200


def test_a_row_edited_into_invalid_json_is_named_not_a_500(
    game: tuple[TestClient, str, dict[str, Any]],
) -> None:
    client, db, created = game
    sid = created["session"]["id"]
    store = Store.open(db)
    with store.engine.begin() as conn:
        where = (events_table.c.session == sid) & (events_table.c.seq == 3)
        conn.execute(update(events_table).where(where).values(payload="{not json"))
    store.close()
    r = client.get(f"/api/sessions/{sid}/events")
    assert r.status_code == 503, r.text
    assert "stored event 3" in r.json()["message"]
    assert "altered" in r.json()["message"]
    r = seats(client, created)["RUS"].commit(2, NamedMove([], []))
    assert r.status_code == 503
    assert "read-only" in r.json()["message"]


def test_a_restarted_server_does_not_serve_a_ledger_cut_inside_a_clearing(db_url: str) -> None:
    with TestClient(create_app(db_url)) as client:
        created = create(client, rounds=4)
        play_round(seats(client, created), 1)
    sid = created["session"]["id"]
    store = Store.open(db_url)
    cleared = next(e.seq for e in store.read(sid) if e.type == "round_cleared")
    with store.engine.begin() as conn:  # cut the tail inside round 1's engine events
        where = (events_table.c.session == sid) & (events_table.c.seq > cleared + 2)
        conn.execute(delete(events_table).where(where))
    store.close()
    with TestClient(create_app(db_url)) as client:
        r = client.get(f"/api/sessions/{sid}")
        assert r.status_code == 503
        assert "the ledger ends inside round 1's engine events" in r.json()["message"]
        admin = {"Authorization": f"Bearer {created['admin_token']}"}
        assert client.post(f"/api/sessions/{sid}/close", json={}, headers=admin).status_code == 503
