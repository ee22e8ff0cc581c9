"""A party's move by name: what it takes outright and what it offers, for one episode.

The engine takes moves as flags over slots and commitments for a whole batch
(``engine.Submissions``; a strategy returns its own columns as
``strategies.Move``). Wherever a move is written or read by a person, a
program over HTTP, a ledger or a per-episode strategy, it is this: the names
of the party's own actions and commitments, held in one canonical form
(sorted, without duplicates), so equal moves compare equal and hash alike.
:class:`~detente.scenario.compiled.Seat` turns one into flags and back.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class NamedMove:
    """Own actions taken outright and own commitments offered, by name (kept sorted, unique)."""

    actions: tuple[str, ...] = ()
    offers: tuple[str, ...] = ()

    def __init__(self, actions: Iterable[str] = (), offers: Iterable[str] = ()) -> None:
        object.__setattr__(self, "actions", tuple(sorted(set(actions))))
        object.__setattr__(self, "offers", tuple(sorted(set(offers))))

    @staticmethod
    def from_payload(payload: dict[str, Any]) -> NamedMove:
        """The move a ``{"actions": [...], "offers": [...]}`` object names."""
        return NamedMove(payload["actions"], payload["offers"])

    def payload(self) -> dict[str, Any]:
        """The move as a ``{"actions": [...], "offers": [...]}`` object (JSON-ready)."""
        return {"actions": list(self.actions), "offers": list(self.offers)}
