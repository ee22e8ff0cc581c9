"""A seat's HTTP client: the calls a player makes, with retries that are safe to repeat.

Commits and reveals are idempotent on the server (the same request twice is
acknowledged twice and stored once), so a request that fails on the network
is simply sent again.
"""

from __future__ import annotations

import time
from typing import Any

import httpx

from detente.scenario.moves import NamedMove


class SeatError(RuntimeError):
    """The server refused a request: its status and message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class SeatClient:
    """Calls of one seat (or an observer, without a token) against one server."""

    def __init__(self, base_url: str, token: str | None = None, retries: int = 20) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.http = httpx.Client(base_url=base_url.rstrip("/"), headers=headers, timeout=30)
        self.retries = retries

    def close(self) -> None:
        self.http.close()

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        """JSON of a successful response; SeatError with the server's message otherwise."""
        for attempt in range(self.retries):
            try:
                response = self.http.request(method, path, json=body)
                break
            except httpx.TransportError:
                if attempt == self.retries - 1:
                    raise
                time.sleep(min(0.05 * 2**attempt, 1.0))
        if response.status_code >= 400:
            try:
                message = response.json().get("message", response.text)
            except ValueError:
                message = response.text
            raise SeatError(
                response.status_code, f"{method} {path}: {response.status_code}: {message}"
            )
        if response.headers.get("content-type", "").startswith("application/json"):
            return response.json()
        return response.text

    def whoami(self) -> dict[str, Any]:
        result: dict[str, Any] = self.call("GET", "/api/whoami")
        return result

    def scenario(self, session: str) -> str:
        return str(self.call("GET", f"/api/sessions/{session}/scenario"))

    def seat(self, session: str, party: str) -> dict[str, Any]:
        result: dict[str, Any] = self.call("GET", f"/api/sessions/{session}/seats/{party}")
        return result

    def commit(self, session: str, party: str, round: int, commitment: str) -> Any:
        path = f"/api/sessions/{session}/seats/{party}/rounds/{round}/commit"
        return self.call("POST", path, {"commitment": commitment})

    def reveal(self, session: str, party: str, round: int, move: NamedMove, nonce: str) -> Any:
        path = f"/api/sessions/{session}/seats/{party}/rounds/{round}/reveal"
        return self.call("POST", path, {**move.payload(), "nonce": nonce})
