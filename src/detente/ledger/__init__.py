"""The tamper-evident ledger of live sessions: hash-chained events, the fold, storage.

Every fact of a live session is an event appended with a sequence number and
the SHA-256 of its canonical form chained to its predecessor's hash. A
session's state is a fold over its events (:mod:`detente.ledger.session`),
so restoring a session and auditing it are the same replay.
"""

from detente.ledger.record import GENESIS, LedgerEvent, canonical_json

__all__ = ["GENESIS", "LedgerEvent", "canonical_json"]
