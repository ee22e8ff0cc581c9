"""Refusals: each with the right status, a JSON message, and nothing appended to the ledger."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from detente.scenario.moves import NamedMove
from tests.server.play import HttpSeat, auth, create, play_round, seats


@pytest.fixture
def game(client: TestClient) -> Iterator[tuple[TestClient, dict[str, Any], dict[str, HttpSeat]]]:
    created = create(client, rounds=5)
    return client, created, seats(client, created)


def _head(client: TestClient, sid: str) -> dict[str, Any]:
    head: dict[str, Any] = client.get(f"/api/sessions/{sid}").json()["head"]
    return head


def _refused(response: Any, status: int, words: str) -> None:
    assert response.status_code == status, response.text
    assert words in response.json()["message"]


def test_wrong_or_missing_tokens_are_refused(game: Any) -> None:
    client, created, all_seats = game
    sid, dprk = created["session"]["id"], all_seats["DPRK"]
    head = _head(client, sid)
    body = {"commitment": "a" * 64}
    _refused(client.post(dprk.path(1, "commit"), json=body), 401, "missing token")
    _refused(client.post(dprk.path(1, "commit"), json=body, headers=auth("x" * 40)), 401, "unknown")
    _refused(client.get(f"/api/sessions/{sid}/seats/DPRK"), 401, "missing token")
    admin = auth(created["admin_token"])
    _refused(client.post(dprk.path(1, "commit"), json=body, headers=admin), 403, "facilitator")
    _refused(client.post(f"/api/sessions/{sid}/stall", json={}, headers=auth(dprk.token)), 403, "")
    assert _head(client, sid) == head


def test_a_seat_cannot_submit_or_read_for_another(game: Any) -> None:
    client, created, all_seats = game
    sid, us, dprk = created["session"]["id"], all_seats["US"], all_seats["DPRK"]
    move = NamedMove(["freeze_tests"], [])
    assert dprk.commit(1, move).status_code == 200
    assert dprk.reveal(1, move).status_code == 200
    head = _head(client, sid)
    as_us = HttpSeat(client, sid, "DPRK", us.token)
    _refused(as_us.commit(1, move), 403, "seat of US")
    _refused(client.get(f"/api/sessions/{sid}/seats/DPRK", headers=auth(us.token)), 403, "US")
    us_view = us.view()
    assert us_view["own"]["move"] is None
    assert "DPRK" not in str(us_view["own"])
    public = client.get(f"/api/sessions/{sid}/events").json()["events"]
    revealed = [e for e in public if e["type"] == "revealed"]
    assert revealed
    assert all(e["payload"] == {"sealed": True} for e in revealed)
    assert "freeze_tests" not in client.get(f"/api/sessions/{sid}/events").text
    assert _head(client, sid) == head
    assert dprk.view()["own"]["move"] == {"actions": ["freeze_tests"], "offers": []}


def test_a_reveal_must_match_its_commitment(game: Any) -> None:
    client, created, all_seats = game
    sid, dprk = created["session"]["id"], all_seats["DPRK"]
    assert dprk.commit(1, NamedMove(["freeze_tests"], [])).status_code == 200
    head = _head(client, sid)
    _refused(dprk.reveal(1, NamedMove(["missile_test"], [])), 422, "does not match")
    assert _head(client, sid) == head


def test_a_commitment_from_an_earlier_round_is_refused(game: Any) -> None:
    client, created, all_seats = game
    sid, dprk = created["session"]["id"], all_seats["DPRK"]
    play_round(all_seats, 1)
    old = client.get(f"/api/sessions/{sid}/events").json()["events"]
    first = next(e for e in old if e["type"] == "committed" and e["party"] == "DPRK")
    head = _head(client, sid)
    body = {"commitment": first["payload"]["commitment"]}
    r = client.post(dprk.path(2, "commit"), json=body, headers=auth(dprk.token))
    _refused(r, 409, "already used in round 1")
    _refused(dprk.commit(1, NamedMove([], [])), 409, "round 1 is not open")
    assert _head(client, sid) == head


def test_submissions_are_idempotent_and_conflicts_refused(game: Any) -> None:
    client, created, all_seats = game
    sid, dprk = created["session"]["id"], all_seats["DPRK"]
    move = NamedMove(["freeze_tests"], [])
    assert dprk.commit(1, move).json()["retry"] is False
    head = _head(client, sid)
    assert dprk.commit(1, move).json()["retry"] is True
    assert _head(client, sid) == head
    dprk.nonces[1] = "another-nonce-0123456789"
    _refused(dprk.commit(1, move), 409, "already committed")
    dprk.nonces.clear()


def test_unavailable_and_unknown_moves_are_refused_with_the_engine_message(game: Any) -> None:
    client, created, all_seats = game
    sid, dprk = created["session"]["id"], all_seats["DPRK"]
    late = NamedMove(["peace_treaty"], [])
    dprk.commit(1, late)
    r = dprk.reveal(1, late)
    _refused(r, 422, "not available in stage trust_building")
    us = all_seats["US"]
    theirs = NamedMove(["missile_test"], [])
    us.commit(1, theirs)
    _refused(us.reveal(1, theirs), 422, "US has no action 'missile_test'")
    assert client.get(f"/api/sessions/{sid}").json()["revealed"] == []


def test_bad_requests_get_json_messages(client: TestClient) -> None:
    r = client.post("/api/sessions", json={"scenario": "korea", "scenario_yaml": "x"})
    _refused(r, 422, "exactly one")
    r = client.post("/api/sessions", json={"scenario_yaml": "id: x\nparties: 3\n"})
    assert r.status_code == 422
    assert r.json()["issues"]
    assert any(i["path"] == "parties" for i in r.json()["issues"])
    _refused(client.post("/api/sessions", json={"scenario": "nowhere"}), 422, "no built-in")
    _refused(
        client.post("/api/sessions", content=b"{", headers={"content-type": "application/json"}),
        422,
        "invalid request",
    )
    _refused(client.post("/api/sessions", content=b"x" * 600_000), 413, "larger than")
    _refused(client.get("/api/sessions/0123456789abcdef"), 404, "no session")
    c = create(client)
    seat = seats(client, c)["RUS"]
    r = client.post(seat.path(1, "commit"), json={"commitment": "XYZ"}, headers=auth(seat.token))
    _refused(r, 422, "body.commitment")


def test_deadline_defaults_missing_seats_and_records_it(client: TestClient) -> None:
    import time

    created = create(client, round_seconds=1.0)
    sid = created["session"]["id"]
    all_seats = seats(client, created)
    move = NamedMove(["freeze_tests"], [])
    assert all_seats["DPRK"].commit(1, move).status_code == 200
    assert all_seats["DPRK"].reveal(1, move).status_code == 200
    assert all_seats["US"].commit(1, NamedMove([], [])).status_code == 200
    for _ in range(50):
        if client.get(f"/api/sessions/{sid}").json()["round"] == 2:
            break
        time.sleep(0.1)
    events = client.get(f"/api/sessions/{sid}/events").json()["events"]
    defaulted = {e["party"]: e["payload"]["reason"] for e in events if e["type"] == "defaulted"}
    assert set(defaulted) == {"RUS", "CHN", "US", "JPN", "ROK"}
    assert defaulted["US"] == "no reveal by the deadline"
    assert defaulted["JPN"] == "no commitment by the deadline"
    executed = [e for e in events if e["type"] == "action_executed"]
    assert [(e["party"], e["payload"]["action"]) for e in executed] == [("DPRK", "freeze_tests")]


def test_the_facilitator_stalls_and_resumes(game: Any) -> None:
    client, created, all_seats = game
    sid, admin = created["session"]["id"], auth(created["admin_token"])
    r = client.post(f"/api/sessions/{sid}/stall", json={"reason": "consultations"}, headers=admin)
    assert r.status_code == 200
    assert r.json()["status"] == "paused"
    _refused(all_seats["RUS"].commit(1, NamedMove([], [])), 409, "stalled by the facilitator")
    _refused(client.post(f"/api/sessions/{sid}/stall", json={}, headers=admin), 409, "paused")
    r = client.post(f"/api/sessions/{sid}/resume", json={}, headers=admin)
    assert r.json()["status"] == "open"
    play_round(all_seats, 1)
    r = client.post(f"/api/sessions/{sid}/close", json={"reason": "done"}, headers=admin)
    assert r.json()["status"] == "closed"
    types = [e["type"] for e in client.get(f"/api/sessions/{sid}/events").json()["events"]]
    assert "facilitator_stalled" in types
    assert "facilitator_resumed" in types
    assert types[-1] == "session_closed"


def test_seat_submissions_check_the_path_then_the_token_then_the_body(client: TestClient) -> None:
    c = create(client)
    sid, seat = c["session"]["id"], seats(client, c)["RUS"]
    head, mine = _head(client, sid), auth(seat.token)
    body = {"commitment": "a" * 64}
    _refused(client.post(seat.path(0, "commit"), json=body, headers=mine), 422, "path.rnd")
    bad_sid = "/api/sessions/XYZ/seats/RUS/rounds/1/commit"
    _refused(client.post(bad_sid, json=body, headers=mine), 422, "path.sid")
    _refused(client.post(seat.path(1, "commit"), content=b"{"), 401, "missing token")
    _refused(client.post(seat.path(1, "commit"), content=b"{", headers=mine), 422, "invalid JSON")
    nonce = {"nonce": "n" * 16}
    r = client.post(seat.path(1, "reveal"), json={**nonce, "extra": 1}, headers=mine)
    _refused(r, 422, "body.extra")
    r = client.post(seat.path(1, "reveal"), json={**nonce, "actions": ["-"]}, headers=mine)
    _refused(r, 422, "body.actions[0]")
    assert _head(client, sid) == head


def test_seat_submissions_are_documented_as_served(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    for kind, reply in (("commit", "CommitAck"), ("reveal", "RevealAck")):
        op = paths[f"/api/sessions/{{sid}}/seats/{{party}}/rounds/{{rnd}}/{kind}"]["post"]
        where = {p["name"]: p["in"] for p in op["parameters"]}
        assert where == {"sid": "path", "party": "path", "rnd": "path", "authorization": "header"}
        assert op["requestBody"]["content"]["application/json"]["schema"]["$ref"].endswith(
            "/" + kind.capitalize()
        )
        schema = op["responses"]["200"]["content"]["application/json"]["schema"]
        assert schema["$ref"].endswith("/" + reply)
    c = create(client)
    dprk = seats(client, c)["DPRK"]
    move = NamedMove(["freeze_tests"], [])
    r = dprk.commit(1, move)
    assert r.headers["content-type"] == "application/json"
    sid = c["session"]["id"]
    head = _head(client, sid)
    receipt = {"session": sid, **head}
    assert r.json() == {
        "round": 1,
        "party": "DPRK",
        "status": "committed",
        "retry": False,
        "receipt": receipt,
    }
    r = dprk.reveal(1, move)
    assert r.json() == {
        "round": 1,
        "party": "DPRK",
        "status": "revealed",
        "retry": False,
        "cleared": False,
        "waiting_for": ["RUS", "CHN", "US", "JPN", "ROK"],
        "receipt": {"session": sid, **_head(client, sid)},
    }
    assert r.json()["receipt"]["seq"] == receipt["seq"] + 1
