"""Receipts: ledger heads handed to a seat, checked later against the stored ledger.

Every acknowledgement of the server carries a receipt ``{"session": ID,
"seq": N, "hash": H}``: the sequence number and hash of the session's last
event right after the acknowledged append. As each event's hash covers its
predecessor's, a receipt for event N vouches for events 0..N: a ledger cut
short, or rewritten with every later hash recomputed (which the chain alone
cannot reveal), no longer holds an event N with hash H.

A receipts file is JSON Lines: each line a receipt, or an object that carries
one under ``"receipt"`` (an acknowledgement saved as it came); other keys are
ignored, blank lines skipped. :func:`load_receipts` parses it, or raises
:class:`ReceiptsError` (``FILE:LINE: what is wrong``); :class:`ReceiptCheck`
checks receipts against a ledger's events in the one pass that verification
makes over them; :func:`check_receipts` is the same for a list of events.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from detente.ledger.record import LedgerEvent

_HASH = re.compile(r"[0-9a-f]{64}")
_KEYS = ("session", "seq", "hash")


@dataclass(frozen=True)
class Receipt:
    """Line ``line`` of a receipts file: event ``seq`` of ``session`` had hash ``hash``."""

    line: int
    session: str
    seq: int
    hash: str


class ReceiptsError(Exception):
    """A receipts file that cannot be used: ``FILE:LINE: what is wrong`` (or ``FILE: ...``)."""


def load_receipts(path: str | Path) -> list[Receipt]:
    """The receipts of a JSON Lines file, in file order."""
    try:
        data = Path(path).read_bytes()
    except OSError as err:
        raise ReceiptsError(f"{path}: cannot read the receipts: {err.strerror}") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        line = data.count(b"\n", 0, err.start) + 1
        raise ReceiptsError(f"{path}:{line}: not UTF-8 text") from None
    return parse_receipts(text, str(path))


def parse_receipts(text: str, name: str) -> list[Receipt]:
    """The receipts of JSON Lines ``text``; ``name`` is the file named in errors."""
    receipts = []
    for number, raw in enumerate(text.removeprefix("\ufeff").split("\n"), start=1):
        line = raw.strip()
        if line:
            try:
                receipts.append(_receipt(line, number))
            except ValueError as err:
                raise ReceiptsError(f"{name}:{number}: {err}") from None
    return receipts


def _receipt(line: str, number: int) -> Receipt:
    """One line's receipt; ValueError saying what is wrong with it."""
    try:
        value = json.loads(line)
    except json.JSONDecodeError as err:
        raise ValueError(f"not JSON: {err.msg} (column {err.colno})") from None
    if not isinstance(value, dict):
        raise ValueError(f"not a JSON object but {_kind(value)}")
    where = ""
    if "receipt" in value:
        value, where = value["receipt"], ' under "receipt"'
        if not isinstance(value, dict):
            raise ValueError(f'"receipt" is not an object but {_kind(value)}')
    missing = [k for k in _KEYS if k not in value]
    if missing:
        keys = ", ".join(f'"{k}"' for k in missing)
        raise ValueError(
            f"no {keys}{where}: a line is a receipt "
            '{"session": ID, "seq": N, "hash": H}, or carries one under "receipt"'
        )
    session, seq, digest = (value[k] for k in _KEYS)
    if not isinstance(session, str) or not session:
        raise ValueError(f'"session"{where} must be a non-empty string, not {_show(session)}')
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
        raise ValueError(f'"seq"{where} must be an integer >= 0, not {_show(seq)}')
    if not isinstance(digest, str) or not _HASH.fullmatch(digest):
        raise ValueError(f'"hash"{where} must be 64 lower-case hex digits, not {_show(digest)}')
    return Receipt(number, session, seq, digest)


def _kind(value: Any) -> str:
    return {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
        type(value), "a number"
    )


def _show(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


@dataclass(frozen=True)
class ReceiptFailure:
    """A receipt that the ledger no longer honours, and why."""

    receipt: Receipt
    message: str

    def render(self, name: str) -> str:
        """``FILE:LINE: message``."""
        return f"{name}:{self.receipt.line}: {self.message}"


class ReceiptCheck:
    """Receipts checked against the events of a ledger, read once.

    :meth:`watch` passes the events through (to the verification that reads
    them) and keeps what the receipts need: each session's last sequence
    number and the hash of every event a receipt names. Then :meth:`failures`.
    """

    def __init__(self, receipts: Sequence[Receipt]) -> None:
        self.receipts = list(receipts)
        self._wanted = {(r.session, r.seq) for r in self.receipts}
        self._hashes: dict[tuple[str, int], str] = {}
        self._last: dict[str, int] = {}

    def watch(self, events: Iterable[LedgerEvent]) -> Iterator[LedgerEvent]:
        for e in events:
            self._last[e.session] = max(e.seq, self._last.get(e.session, -1))
            if (e.session, e.seq) in self._wanted:
                self._hashes[e.session, e.seq] = e.hash
            yield e

    def failures(self) -> list[ReceiptFailure]:
        """The receipts that fail against the events watched, in file order."""
        out = []
        for r in self.receipts:
            message = self._problem(r)
            if message is not None:
                out.append(ReceiptFailure(r, message))
        return out

    def _problem(self, r: Receipt) -> str | None:
        last = self._last.get(r.session)
        if last is None:
            return f"the ledger has no session {r.session}: it was removed"
        if last < r.seq:
            gone = (
                f"event {r.seq} was removed"
                if last + 1 == r.seq
                else f"events {last + 1}..{r.seq} were removed"
            )
            return (
                f"session {r.session} ends at event {last}, "
                f"but receipt line {r.line} vouches for event {r.seq}: {gone}"
            )
        stored = self._hashes.get((r.session, r.seq))
        if stored is None:
            return (
                f"session {r.session} has no event {r.seq}, "
                f"but receipt line {r.line} vouches for it: it was removed"
            )
        if stored != r.hash:
            return (
                f"event {r.seq} of session {r.session} has hash {stored} "
                f"but receipt line {r.line} says {r.hash}: the event was altered or replaced"
            )
        return None


def check_receipts(
    receipts: Sequence[Receipt], events: Iterable[LedgerEvent]
) -> list[ReceiptFailure]:
    """The receipts that ``events`` (a whole ledger, or whole sessions) do not honour."""
    check = ReceiptCheck(receipts)
    for _ in check.watch(events):
        pass
    return check.failures()
