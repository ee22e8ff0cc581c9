"""Different strategies in different episodes of one batch: a tournament in one run.

A round-robin tournament is many small matches; played one by one, each
pays the per-round overhead of a Python loop. An assortment lets a party
play strategy ``members[pattern[e % len(pattern)]]`` in episode ``e``, so
all matches and repetitions run as a single batch.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import Any, TypeVar

import numpy as np
from numpy.typing import NDArray

from detente.dtypes import I64
from detente.scenario.compiled import CompiledScenario
from detente.strategies.base import Classifier, Move, Strategy, StrategyFactory, View

G = TypeVar("G", bound=np.generic)


class AssortmentStrategy(Strategy):
    """Plays ``members[pattern[e % len(pattern)]]`` in episode ``e``.

    The batch is sorted by member once, at the first move: each round the
    view is then gathered into that order, and every member reads and
    writes a contiguous block of it (views, not copies). Arrays are
    gathered when a member first reads them: most read only a few.
    """

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
        self._groups: Groups | None = None

    def reset(self, batch: int) -> None:
        self._groups = None  # the episodes are known at the first move

    def move(self, view: View) -> Move:
        if self._groups is None:
            self._groups = Groups(self.pattern[view.episodes % self.pattern.size])
            for i, rows in self._groups.blocks:
                self.members[i].reset(rows.stop - rows.start)
        groups = self._groups
        grouped = Rows.gathered(view, groups.order)
        actions = np.zeros(view.available.shape, dtype=bool)
        offers = np.zeros(view.offerable.shape, dtype=bool)
        for i, rows in groups.blocks:
            move = self.members[i].move(Rows.gathered(grouped, rows))
            actions[rows] = move.actions
            offers[rows] = move.offers
        return Move(actions[groups.inverse], offers[groups.inverse])


class Rows(View):
    """Some rows of a view, each array taken from it when first read, then kept."""

    @classmethod
    def gathered(cls, view: View, rows: I64 | slice) -> Rows:
        new = object.__new__(cls)
        for name in ("compiled", "party", "round", "rng"):
            object.__setattr__(new, name, getattr(view, name))
        object.__setattr__(new, "_source", (view, rows))
        return new

    def __getattr__(self, name: str) -> Any:
        """Called for the arrays not yet taken (and for unknown names)."""
        source = self.__dict__.get("_source")
        if source is None or name not in _ARRAYS:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        view, rows = source
        value = _take(getattr(view, name), rows)
        object.__setattr__(self, name, value)
        return value


def _take(x: NDArray[G] | None, rows: I64 | slice) -> NDArray[G] | None:
    """``x[rows]``: for rows of a 2-D array ``np.take`` is twice as fast as fancy indexing."""
    if x is None:
        return None  # an optional array not shown (View.institutions)
    if isinstance(rows, slice) or x.ndim < 2:
        return x[rows]
    return np.take(x, rows, axis=0)


_ARRAYS = frozenset(f.name for f in fields(View)) - {"compiled", "party", "round", "rng"}


class Groups:
    """A batch sorted by member: member ``i`` plays rows ``order[blocks' slice]``."""

    def __init__(self, which: I64) -> None:
        # stable: within a member's block, its episodes keep their batch order
        self.order: I64 = np.argsort(which, kind="stable")
        self.inverse: I64 = np.empty_like(self.order)
        self.inverse[self.order] = np.arange(self.order.size)
        bounds = np.searchsorted(which[self.order], np.arange(int(which.max()) + 2))
        self.blocks = [
            (i, slice(int(start), int(stop)))
            for i, (start, stop) in enumerate(itertools.pairwise(bounds))
            if stop > start
        ]


@dataclass(frozen=True)
class Assortment:
    """A :class:`~detente.strategies.base.StrategyFactory` for :class:`AssortmentStrategy`."""

    members: tuple[StrategyFactory, ...]
    pattern: tuple[int, ...]

    def __post_init__(self) -> None:
        if not self.pattern or not all(0 <= i < len(self.members) for i in self.pattern):
            raise ValueError(f"pattern must be non-empty indices into {len(self.members)} members")

    def __str__(self) -> str:
        return "assorted(" + ", ".join(str(m) for m in self.members) + ")"

    def build(self, compiled: CompiledScenario, party: int) -> Strategy:
        members = [m.build(compiled, party) for m in self.members]
        return AssortmentStrategy(
            compiled, party, members, np.asarray(self.pattern, dtype=np.int64)
        )
