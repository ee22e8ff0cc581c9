"""uvicorn's HTTP protocol with one socket write per response instead of two.

uvicorn writes a response's status line and headers the moment the app sends
``http.response.start``, then the body in a second write. Each write is a
system call, and on a busy machine each one wakes the client: two wake-ups,
two packets and a partial read for every response, which under load cost
more CPU than routing and validating the request. Here the writes a
connection makes within one turn of the event loop are joined and written
once, at the start of the next turn.
"""

from __future__ import annotations

import asyncio
from typing import Any, cast

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol


class JoinedWrites:
    """A transport that holds writes until the loop's next turn, then writes them as one.

    Everything else is the wrapped transport's own. ``close`` writes what is
    held first, as a transport's ``close`` flushes its buffer; once the
    transport is closing, held bytes are dropped as it would drop them.
    """

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._held: list[bytes] = []

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if not self._held:
            self._loop.call_soon(self._flush)
        self._held.append(bytes(data))

    def close(self) -> None:
        self._flush()
        self._transport.close()

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + sum(map(len, self._held))

    def _flush(self) -> None:
        if not self._held:
            return
        data = b"".join(self._held)
        self._held.clear()
        if not self._transport.is_closing():
            self._transport.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class JoinedWritesProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol, on a transport that joins a response's writes."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        joined = JoinedWrites(cast(asyncio.Transport, transport), self.loop)
        super().connection_made(cast(asyncio.Transport, joined))
