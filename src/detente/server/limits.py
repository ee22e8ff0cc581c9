"""How much work one client can make the server do: the limits, and their enforcement.

- Request bodies: at most :data:`MAX_BODY` bytes, counted while the body
  streams in (``Content-Length`` alone would let a chunked request through).
- Session creation: a token bucket per client address (:class:`CreationRate`).
- Scenario uploads: the structural limits of
  :data:`detente.scenario.limits.UPLOAD_LIMITS`, parsed and compiled off the
  event loop (``hub.py``).
"""

from __future__ import annotations

import json
import math
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY = 512 * 1024
MIN_ROUND_SECONDS = 1.0  # a shorter deadline only makes the ledger grow


@dataclass(frozen=True)
class ServerLimits:
    """The limits a server applies (``detente serve`` options; documented in docs/serve.md)."""

    sessions_per_minute: float = 30.0  # per client address; 0 for no limit
    compile_seconds: float = 10.0  # an upload that takes longer to compile is refused
    compiles_waiting: int = 4  # uploads queued for the compiler before new ones get 503


class TooLargeError(HTTPException):
    """A request body over the limit: 413, raised while the body is read."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"request body larger than {limit} bytes")


class BodyLimit:
    """ASGI middleware: refuse request bodies larger than ``limit`` bytes with 413."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(send)
            return
        seen = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise TooLargeError(self.limit)
            return message

        async def tracking_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting_receive, tracking_send)
        except TooLargeError:  # raised outside the routes' error handling
            if not started:
                await self._refuse(send)

    async def _refuse(self, send: Send) -> None:
        body = json.dumps({"message": f"request body larger than {self.limit} bytes"}).encode()
        headers: list[Any] = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ]
        await send({"type": "http.response.start", "status": 413, "headers": headers})
        await send({"type": "http.response.body", "body": body})


class CreationRate:
    """A token bucket per client address: ``per_minute`` sessions, in bursts of as many.

    Creating a session is the one anonymous request that makes the server
    keep something (a ledger, a compiled scenario, a deadline ticking every
    round), so it is the one rationed. Addresses are forgotten least recently
    used first beyond ``clients``; behind a reverse proxy every client has the
    proxy's address, so ration there instead (``--sessions-per-minute 0``).
    """

    def __init__(self, per_minute: float, clients: int = 10_000) -> None:
        self.per_minute = per_minute
        self.clients = clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # tokens, at

    def take(self, client: str, now: float | None = None) -> float:
        """Take a token for ``client``: 0 when granted, else the seconds until one is free."""
        if self.per_minute <= 0:
            return 0.0
        t = time.monotonic() if now is None else now
        rate, burst = self.per_minute / 60.0, self.per_minute
        tokens, at = self._buckets.pop(client, (burst, t))
        tokens = min(burst, tokens + (t - at) * rate)
        wait = 0.0 if tokens >= 1 else (1 - tokens) / rate
        self._buckets[client] = (tokens - 1 if wait == 0 else tokens, t)
        while len(self._buckets) > self.clients:
            self._buckets.popitem(last=False)
        return wait


def retry_after(seconds: float) -> dict[str, str]:
    """The ``Retry-After`` header for a wait of ``seconds`` (whole seconds, at least 1)."""
    return {"Retry-After": str(max(1, math.ceil(seconds)))}
