"""Helpers that play sessions over the HTTP API (a TestClient or an httpx client)."""

from __future__ import annotations

import secrets
from typing import Any, Protocol

from detente.ledger.moves import commitment_hash
from detente.scenario.moves import NamedMove


class Http(Protocol):
    def get(self, url: str, **kw: Any) -> Any: ...
    def post(self, url: str, **kw: Any) -> Any: ...


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def create(http: Http, **body: Any) -> dict[str, Any]:
    response = http.post("/api/sessions", json={"scenario": "korea", "seed": 7, **body})
    assert response.status_code == 201, response.text
    result: dict[str, Any] = response.json()
    return result


class HttpSeat:
    """One party's seat: commits and reveals with a fresh nonce per round."""

    def __init__(self, http: Http, session: str, party: str, token: str) -> None:
        self.http, self.session, self.party, self.token = http, session, party, token
        self.nonces: dict[int, str] = {}

    def path(self, rnd: int, what: str) -> str:
        return f"/api/sessions/{self.session}/seats/{self.party}/rounds/{rnd}/{what}"

    def view(self) -> dict[str, Any]:
        r = self.http.get(
            f"/api/sessions/{self.session}/seats/{self.party}", headers=auth(self.token)
        )
        assert r.status_code == 200, r.text
        result: dict[str, Any] = r.json()
        return result

    def commit(self, rnd: int, move: NamedMove) -> Any:
        nonce = self.nonces.setdefault(rnd, secrets.token_hex(16))
        h = commitment_hash(self.session, rnd, self.party, move, nonce)
        return self.http.post(
            self.path(rnd, "commit"), json={"commitment": h}, headers=auth(self.token)
        )

    def reveal(self, rnd: int, move: NamedMove) -> Any:
        body = {**move.payload(), "nonce": self.nonces[rnd]}
        return self.http.post(self.path(rnd, "reveal"), json=body, headers=auth(self.token))


def seats(http: Http, created: dict[str, Any]) -> dict[str, HttpSeat]:
    sid = created["session"]["id"]
    return {p: HttpSeat(http, sid, p, t) for p, t in created["seat_tokens"].items()}


def offer_all(seat: HttpSeat) -> NamedMove:
    """Every commitment the seat may offer, nothing outright (the roadmap's ideal)."""
    return NamedMove([], [m["id"] for m in seat.view()["commitments"] if m["offerable"]])


def play_round(all_seats: dict[str, HttpSeat], rnd: int) -> dict[str, NamedMove]:
    """Every seat commits, then every seat reveals; the round clears."""
    moves = {p: offer_all(s) for p, s in all_seats.items()}
    for p, s in all_seats.items():
        assert s.commit(rnd, moves[p]).status_code == 200
    for p, s in all_seats.items():
        r = s.reveal(rnd, moves[p])
        assert r.status_code == 200, r.text
    return moves
