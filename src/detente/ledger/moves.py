"""Sealed moves by name: the commitment hash of a move, and moves into the engine.

A seat commits ``sha256(session|round|party|move|nonce)`` (hex), where
``move`` is the canonical JSON of ``{"actions": [...], "offers": [...]}``
with both lists sorted, then reveals the move and the nonce. The round and
session are inside the hash, so a commitment cannot be replayed in another
round or session; the nonce (at least 16 characters) keeps a small move
space from being guessed from the hash.
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np

from detente.engine import Submissions
from detente.ledger.record import canonical_json
from detente.scenario.compiled import CompiledScenario
from detente.scenario.moves import NamedMove

MIN_NONCE = 16


def commitment_hash(session: str, round: int, party: str, move: NamedMove, nonce: str) -> str:
    """The hex SHA-256 a seat commits before revealing ``move`` and ``nonce``."""
    text = f"{session}|{round}|{party}|{canonical_json(move.payload())}|{nonce}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def submissions(compiled: CompiledScenario, moves: dict[str, NamedMove]) -> Submissions:
    """The engine's submissions (a batch of one) for the parties' moves by name.

    Flags are set one by one: a move names a few actions at most, and numpy's
    indexing by a list costs more than several single assignments.
    """
    sub = Submissions.empty(compiled, 1)
    for party, move in moves.items():
        seat = compiled.seat(party)
        for a in move.actions:
            sub.actions[0, seat.action_slot[a]] = True
        for m in move.offers:
            sub.offers[0, seat.commitment_index[m]] = True
    return sub


def default_move(
    compiled: CompiledScenario, party: str, available: np.ndarray[Any, Any]
) -> NamedMove:
    """The scenario's default move of ``party``, limited to what is available now."""
    seat = compiled.seat(party)
    return NamedMove(
        a for a, k in seat.action_slot.items() if compiled.default_move[k] and available[k]
    )
