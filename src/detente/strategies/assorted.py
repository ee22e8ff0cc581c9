"""Different strategies in different episodes of one batch: a tournament in one run.

A round-robin tournament is many small matches; played one by one, each
pays the per-round overhead of a Python loop. An assortment lets a party
play strategy ``members[pattern[e % len(pattern)]]`` in episode ``e``, so
all matches and repetitions run as a single batch.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from detente.scenario.compiled import CompiledScenario
from detente.strategies.base import I64, Classifier, Move, Strategy, StrategyFactory, View


class Assorted(Strategy):
    """Plays ``members[pattern[e % len(pattern)]]`` in episode ``e``."""

    name = "assorted"
    classifier = Classifier(memory_depth=float("inf"))

    def __init__(
        self,
        compiled: CompiledScenario,
        party: int,
        members: Sequence[Strategy],
        pattern: I64,
    ) -> None:
        super().__init__(compiled, party)
        self.members = list(members)
        self.pattern = pattern
        self._groups: list[tuple[Strategy, I64]] | None = None

    def reset(self, batch: int) -> None:
        self._groups = None  # the episodes are known at the first move

    def move(self, view: View) -> Move:
        if self._groups is None:
            which = self.pattern[view.episodes % self.pattern.size]
            self._groups = []
            for i, member in enumerate(self.members):
                rows = np.flatnonzero(which == i)
                if rows.size:
                    member.reset(int(rows.size))
                    self._groups.append((member, rows))
        actions = np.zeros(view.available.shape, dtype=bool)
        offers = np.zeros(view.offerable.shape, dtype=bool)
        for member, rows in self._groups:
            move = member.move(view.subset(rows))
            actions[rows] = move.actions
            offers[rows] = move.offers
        return Move(actions, offers)


@dataclass(frozen=True)
class Assortment:
    """A :class:`~detente.strategies.base.StrategyFactory` for :class:`Assorted`."""

    members: tuple[StrategyFactory, ...]
    pattern: tuple[int, ...]

    def __post_init__(self) -> None:
        if not self.pattern or not all(0 <= i < len(self.members) for i in self.pattern):
            raise ValueError(f"pattern must be non-empty indices into {len(self.members)} members")

    def __str__(self) -> str:
        return "assorted(" + ", ".join(str(m) for m in self.members) + ")"

    def build(self, compiled: CompiledScenario, party: int) -> Strategy:
        members = [m.build(compiled, party) for m in self.members]
        return Assorted(compiled, party, members, np.asarray(self.pattern, dtype=np.int64))
