"""The HTTP protocol's transport: a response's writes leave as one, nothing written is lost."""

from __future__ import annotations

import asyncio

from detente.server.protocol import JoinedWrites


class _Transport(asyncio.Transport):
    """Records what is written and whether it was closed."""

    def __init__(self) -> None:
        super().__init__({"peername": ("127.0.0.1", 5000)})
        self.written: list[bytes] = []
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written.append(bytes(data))

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed

    def get_write_buffer_size(self) -> int:
        return 0


def test_writes_of_one_turn_of_the_loop_leave_in_one_write() -> None:
    async def run() -> tuple[list[bytes], list[bytes], int]:
        inner = _Transport()
        joined = JoinedWrites(inner, asyncio.get_running_loop())
        joined.write(b"HTTP/1.1 200 OK\r\n\r\n")
        joined.write(b"{}")
        held, size = list(inner.written), joined.get_write_buffer_size()
        await asyncio.sleep(0)
        return held, inner.written, size

    held, written, size = asyncio.run(run())
    assert held == []
    assert size == len(b"HTTP/1.1 200 OK\r\n\r\n{}")
    assert written == [b"HTTP/1.1 200 OK\r\n\r\n{}"]


def test_close_writes_what_is_held_first_and_a_closed_transport_gets_nothing() -> None:
    async def run() -> tuple[_Transport, _Transport]:
        loop = asyncio.get_running_loop()
        closing, gone = _Transport(), _Transport()
        joined = JoinedWrites(closing, loop)
        joined.write(b"last words")
        joined.close()
        hung_up = JoinedWrites(gone, loop)
        hung_up.write(b"too late")
        gone.closed = True
        await asyncio.sleep(0)
        return closing, gone

    closing, gone = asyncio.run(run())
    assert closing.written == [b"last words"]
    assert closing.closed
    assert gone.written == []


def test_everything_else_is_the_wrapped_transport() -> None:
    async def run() -> object:
        return JoinedWrites(_Transport(), asyncio.get_running_loop()).get_extra_info("peername")

    assert asyncio.run(run()) == ("127.0.0.1", 5000)
