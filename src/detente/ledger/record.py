"""One ledger event and its hash: the unit of tamper evidence.

The hash covers every stored column except the hash itself (session, sequence
number, type, round, party, payload, time and the predecessor's hash), in a
canonical form: compact JSON with sorted keys, UTF-8. Editing any column of a
stored event, or removing or reordering events, breaks the chain.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from json.encoder import encode_basestring
from typing import Any

GENESIS = "0" * 64  # the "predecessor hash" of a session's first event


# One encoder for the process: ``json.dumps`` with non-default options builds a
# new encoder on every call, a third of the cost of hashing a small event.
_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
)


def canonical_json(value: Any) -> str:
    """Compact JSON with sorted keys: one text per value, so one hash per fact."""
    return _CANONICAL.encode(value)


@dataclass(frozen=True)
class LedgerEvent:
    """A stored fact of a session. ``payload`` is canonical JSON text, kept byte-exact."""

    session: str
    seq: int
    type: str
    round: int
    party: str | None
    payload: str
    at: str  # ISO 8601 UTC time the server appended it
    prev_hash: str
    hash: str

    @staticmethod
    def make(
        session: str,
        seq: int,
        type: str,
        round: int,
        party: str | None,
        payload: dict[str, Any],
        at: str,
        prev_hash: str,
    ) -> LedgerEvent:
        """A new event chained to ``prev_hash``; its own hash computed here."""
        text = canonical_json(payload)
        digest = content_hash(session, seq, type, round, party, text, at, prev_hash)
        return LedgerEvent(session, seq, type, round, party, text, at, prev_hash, digest)

    def data(self) -> dict[str, Any]:
        """The payload as a Python value."""
        value: dict[str, Any] = json.loads(self.payload)
        return value

    def expected_hash(self) -> str:
        """What the hash must be, recomputed from the other columns."""
        return content_hash(
            self.session,
            self.seq,
            self.type,
            self.round,
            self.party,
            self.payload,
            self.at,
            self.prev_hash,
        )

    def as_dict(self) -> dict[str, Any]:
        """The event as one JSON object (the export format: payload parsed, hashes kept)."""
        return {
            "session": self.session,
            "seq": self.seq,
            "type": self.type,
            "round": self.round,
            "party": self.party,
            "payload": self.data(),
            "at": self.at,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


def content_hash(
    session: str,
    seq: int,
    type: str,
    round: int,
    party: str | None,
    payload: str,
    at: str,
    prev_hash: str,
) -> str:
    """SHA-256 (hex) of the canonical form of an event's columns.

    The form is ``canonical_json`` of the columns as one object, spelled out
    here key by key in sorted order, each string escaped by the function the
    encoder itself uses: the same text at a fraction of the cost, which
    matters as every appended event is hashed twice (sealed, then checked by
    the fold).
    """
    text = encode_basestring
    form = (
        f'{{"at":{text(at)},"party":{"null" if party is None else text(party)},'
        f'"payload":{text(payload)},"prev_hash":{text(prev_hash)},"round":{int(round)},'
        f'"seq":{int(seq)},"session":{text(session)},"type":{text(type)}}}'
    )
    return hashlib.sha256(form.encode("utf-8")).hexdigest()
