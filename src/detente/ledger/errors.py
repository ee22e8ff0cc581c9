"""Refusals of the session logic, by kind; the HTTP shell maps each kind to a status."""

from __future__ import annotations


class RefusedError(Exception):
    """A command that the session refuses; nothing was appended."""

    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidError(RefusedError):
    """The request is well-formed but names something wrong (an unknown or unavailable move)."""

    status = 422


class ConflictError(RefusedError):
    """The request does not fit the session's state (round not open, already committed)."""

    status = 409


class ReplayError(Exception):
    """A ledger that does not fold: the first bad event's sequence number and why."""

    def __init__(self, seq: int, message: str) -> None:
        super().__init__(f"event {seq}: {message}")
        self.seq = seq
        self.message = message


class ChainMismatchError(Exception):
    """The stored chain of a session is not the one an append extends: it was changed.

    Raised by the store before anything is appended, naming what it found.
    """

    def __init__(self, session: str, message: str) -> None:
        super().__init__(f"session {session}: {message}")
        self.session = session
        self.message = message
