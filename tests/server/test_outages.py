"""Database faults: 503 with Retry-After, deadlines that outlive an outage, honest health.

Each test runs on SQLite (the write lock held by another connection, the
server's busy timeout lowered to 0.2 s) and on PostgreSQL (the cluster
stopped and started again).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.exc import OperationalError

from detente.scenario.moves import NamedMove
from detente.server.app import create_app
from tests.databases import PostgresCluster, new_postgres_database
from tests.faults import Fault, postgres_outage, set_busy_timeout, sqlite_write_lock
from tests.server.play import HttpSeat, create, seats

Outage = Callable[[float | None], AbstractContextManager[Fault]]


@pytest.fixture
def served(db_url: str) -> Iterator[TestClient]:
    with TestClient(create_app(db_url, tick=0.05)) as client:
        store = client.app.state.hub.store  # type: ignore[attr-defined]
        if store.engine.dialect.name == "sqlite":
            set_busy_timeout(store.engine, 200)
        yield client


@pytest.fixture
def outage(db_url: str, request: pytest.FixtureRequest) -> Outage:
    """The database away for ``seconds`` (or until the block ends): locked, or stopped."""
    if "://" not in db_url:
        return lambda seconds: sqlite_write_lock(db_url, seconds)
    cluster = request.getfixturevalue("postgres_cluster")
    return lambda seconds: postgres_outage(cluster, seconds)


def _until(check: Callable[[], bool], seconds: float) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if check():
            return True
        time.sleep(0.05)
    return check()


def _public(client: TestClient, sid: str) -> dict[str, Any]:
    r = client.get(f"/api/sessions/{sid}")
    assert r.status_code == 200, r.text
    state: dict[str, Any] = r.json()
    return state


def test_a_write_in_an_outage_gets_503_and_its_retry_lands_once(
    served: TestClient, outage: Outage
) -> None:
    created = create(served)
    sid, dprk = created["session"]["id"], seats(served, created)["DPRK"]
    move = NamedMove(["freeze_tests"], [])
    head = _public(served, sid)["head"]
    with outage(None):
        r = dprk.commit(1, move)
        assert r.status_code == 503, r.text
        assert "database is unavailable" in r.json()["message"]
        assert 1 <= int(r.headers["retry-after"]) <= 5
        health = served.get("/api/health").json()
        assert health["ok"] is True
        assert health["database"]["state"] == "failing"
    assert _public(served, sid)["head"] == head
    r = dprk.commit(1, move)
    assert r.status_code == 200, r.text
    assert r.json()["retry"] is False
    assert r.json()["receipt"]["seq"] == head["seq"] + 1
    assert dprk.commit(1, move).json()["retry"] is True
    assert served.get("/api/health").json()["database"]["state"] == "ok"


def test_deadlines_outlive_an_outage(served: TestClient, outage: Outage) -> None:
    created = create(served, round_seconds=1.0)
    sid, all_seats = created["session"]["id"], seats(served, created)
    move = NamedMove(["freeze_tests"], [])
    assert all_seats["DPRK"].commit(1, move).status_code == 200
    assert all_seats["DPRK"].reveal(1, move).status_code == 200
    with outage(2.5) as fault:  # the deadline passes while the database is away
        assert _until(lambda: served.get("/api/health").json()["deadlines"]["state"] != "ok", 3)
        assert _public(served, sid)["round"] == 1
        fault.wait()
    assert _until(lambda: _public(served, sid)["round"] == 2, 10), "the round never cleared"
    types = [e["type"] for e in served.get(f"/api/sessions/{sid}/events").json()["events"]]
    assert types.count("defaulted") == 5
    assert _until(lambda: served.get("/api/health").json()["deadlines"]["state"] == "ok", 5)


def test_readiness_fails_while_postgresql_is_down(postgres_cluster: PostgresCluster) -> None:
    """(An SQLite write lock does not stop reads: an SQLite database stays ready.)"""
    with TestClient(create_app(new_postgres_database(postgres_cluster.url))) as served:
        assert served.get("/api/ready").json() == {"ready": True}
        created = create(served)
        with postgres_outage(postgres_cluster):
            r = served.get("/api/ready")
            assert r.status_code == 503
            assert r.json()["ready"] is False
            assert "retry-after" in r.headers
            r = served.get(f"/api/sessions/{created['session']['id']}/events")
            assert r.status_code == 503, r.text  # a read in the outage: 503, not 500
        assert _until(lambda: served.get("/api/ready").status_code == 200, 5)


def test_a_write_whose_acknowledgement_was_lost_is_read_back(
    served: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The write landed but the server heard an error: the next command folds it in first."""
    hub = served.app.state.hub  # type: ignore[attr-defined]
    created = create(served)
    sid, dprk = created["session"]["id"], seats(served, created)["DPRK"]
    real = hub.writer.write

    async def lost(*args: Any, **kwargs: Any) -> None:
        await real(*args, **kwargs)
        raise OperationalError("COMMIT", {}, Exception("connection lost after the commit"))

    monkeypatch.setattr(hub.writer, "write", lost)
    move = NamedMove(["freeze_tests"], [])
    assert dprk.commit(1, move).status_code == 503
    monkeypatch.setattr(hub.writer, "write", real)
    r = dprk.commit(1, move)  # the retry finds its commitment stored: acknowledged once
    assert r.status_code == 200, r.text
    assert r.json()["retry"] is True
    assert _public(served, sid)["committed"] == ["DPRK"]
    assert dprk.reveal(1, move).status_code == 200
    other: HttpSeat = seats(served, created)["US"]
    assert other.commit(1, NamedMove([], [])).status_code == 200
