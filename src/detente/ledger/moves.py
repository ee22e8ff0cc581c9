"""Sealed moves by name: the canonical text of a move and its commitment hash.

A seat commits ``sha256(session|round|party|move|nonce)`` (hex), where
``move`` is the canonical JSON of ``{"actions": [...], "offers": [...]}``
with both lists sorted, then reveals the move and the nonce. The round and
session are inside the hash, so a commitment cannot be replayed in another
round or session; the nonce (at least 16 characters) keeps a small move
space from being guessed from the hash.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from detente.engine import Submissions
from detente.ledger.record import canonical_json
from detente.scenario.compiled import CompiledScenario

MIN_NONCE = 16


@dataclass(frozen=True)
class NamedMove:
    """One party's move: its own actions taken outright and its own commitments offered."""

    actions: tuple[str, ...]
    offers: tuple[str, ...]

    @staticmethod
    def of(actions: Iterable[str], offers: Iterable[str]) -> NamedMove:
        """The move with duplicates dropped and names sorted (its canonical form)."""
        return NamedMove(tuple(sorted(set(actions))), tuple(sorted(set(offers))))

    @staticmethod
    def from_payload(payload: dict[str, Any]) -> NamedMove:
        return NamedMove.of(payload["actions"], payload["offers"])

    def text(self) -> str:
        """The canonical text hashed into a commitment."""
        return canonical_json({"actions": list(self.actions), "offers": list(self.offers)})

    def payload(self) -> dict[str, Any]:
        return {"actions": list(self.actions), "offers": list(self.offers)}


def commitment_hash(session: str, round: int, party: str, move: NamedMove, nonce: str) -> str:
    """The hex SHA-256 a seat commits before revealing ``move`` and ``nonce``."""
    text = f"{session}|{round}|{party}|{move.text()}|{nonce}"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def own_names(compiled: CompiledScenario, party: str) -> tuple[dict[str, int], dict[str, int]]:
    """A party's own actions (name -> slot) and commitments (id -> index)."""
    p = compiled.parties.index(party)
    actions = {compiled.actions[compiled.slots[k][1]]: int(k) for k in compiled.party_slots(p)}
    offers = {compiled.commitments[m]: int(m) for m in compiled.party_commitments(p)}
    return actions, offers


def unknown_names(compiled: CompiledScenario, party: str, move: NamedMove) -> str | None:
    """Why ``move`` names something that is not ``party``'s own, or None when all are."""
    actions, offers = own_names(compiled, party)
    for kind, names, own in (
        ("action", move.actions, actions),
        ("commitment", move.offers, offers),
    ):
        for name in names:
            if name not in own:
                known = ", ".join(own) or "none"
                return f"{party} has no {kind} {name!r} (its {kind}s: {known})"
    return None


def submissions(compiled: CompiledScenario, moves: dict[str, NamedMove]) -> Submissions:
    """The engine's submissions (a batch of one) for the parties' moves by name."""
    sub = Submissions.empty(compiled, 1)
    for party, move in moves.items():
        actions, offers = own_names(compiled, party)
        sub.actions[0, [actions[a] for a in move.actions]] = True
        sub.offers[0, [offers[m] for m in move.offers]] = True
    return sub


def default_move(
    compiled: CompiledScenario, party: str, available: np.ndarray[Any, Any]
) -> NamedMove:
    """The scenario's default move of ``party``, limited to what is available now."""
    actions, _ = own_names(compiled, party)
    taken = [a for a, k in actions.items() if compiled.default_move[k] and available[k]]
    return NamedMove.of(taken, ())
