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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any
from weakref import WeakKeyDictionary

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


OwnNames = tuple[Mapping[str, int], Mapping[str, int]]
_OWN_NAMES: WeakKeyDictionary[CompiledScenario, dict[str, OwnNames]] = WeakKeyDictionary()


def own_names(compiled: CompiledScenario, party: str) -> OwnNames:
    """A party's own actions (name -> slot) and commitments (id -> index), read-only.

    Built once per scenario and party: every reveal looks them up several
    times, and building them took a tenth of the server's time on a reveal.
    """
    known = _OWN_NAMES.setdefault(compiled, {})
    if party not in known:
        p = compiled.parties.index(party)
        slots = compiled.party_slots(p)
        actions = {compiled.actions[compiled.slots[k][1]]: int(k) for k in slots}
        offers = {compiled.commitments[m]: int(m) for m in compiled.party_commitments(p)}
        known[party] = (MappingProxyType(actions), MappingProxyType(offers))
    return known[party]


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
    """The engine's submissions (a batch of one) for the parties' moves by name.

    Flags are set one by one: a move names a few actions at most, and numpy's
    indexing by a list costs more than several single assignments.
    """
    sub = Submissions.empty(compiled, 1)
    for party, move in moves.items():
        actions, offers = own_names(compiled, party)
        for a in move.actions:
            sub.actions[0, actions[a]] = True
        for m in move.offers:
            sub.offers[0, offers[m]] = True
    return sub


def default_move(
    compiled: CompiledScenario, party: str, available: np.ndarray[Any, Any]
) -> NamedMove:
    """The scenario's default move of ``party``, limited to what is available now."""
    actions, _ = own_names(compiled, party)
    taken = [a for a, k in actions.items() if compiled.default_move[k] and available[k]]
    return NamedMove.of(taken, ())
