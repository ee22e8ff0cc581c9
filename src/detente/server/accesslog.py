"""The access log: one line per request (client, method, path, status, duration).

Written by an ASGI middleware to the ``detente.access`` logger at INFO, so
``--log-level warning`` silences it (and its cost: the middleware then only
asks the logger once per request). Only the path is logged, never the query
string or a header: tokens travel in ``Authorization`` (and a seat link's
``#token=`` fragment never leaves the browser), so no line carries one. The
path is logged as sent (percent-encoded) with anything unprintable escaped,
so a crafted path cannot forge a line of its own.
"""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("detente.access")
MAX_PATH = 200  # characters of a path kept in its line


def shown_path(raw: bytes) -> str:
    """``raw`` (a request's path, percent-encoded) as one printable line, cut to MAX_PATH."""
    text = "".join(
        chr(b) if 0x20 < b < 0x7F and b != 0x5C else f"\\x{b:02x}" for b in raw[: MAX_PATH + 1]
    )
    return text if len(text) <= MAX_PATH else text[:MAX_PATH] + "…"


class AccessLog:
    """ASGI middleware: log each HTTP request once its response has been sent (or failed)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not log.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500  # what the server answers if the app fails before it responds

        async def recording_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, recording_send)
        finally:
            client = scope.get("client")
            path = shown_path(scope.get("raw_path") or scope["path"].encode("utf-8", "replace"))
            log.info(
                "%s %s %s %d %.1f ms",
                client[0] if client else "-",
                scope["method"],
                path,
                status,
                (time.perf_counter() - start) * 1000,
            )
