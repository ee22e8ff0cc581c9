"""Criteria and breakdown triggers compiled into one small condition program.

Every condition set (a stage's entry or exit criteria, a resume option, a
track level, the success criteria, a breakdown trigger) becomes a run of
*ops* in flat arrays; one interpreter in the engine evaluates them all. The
flat form keeps the kernels' arguments few and plain, which is what makes
numba fast.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from detente.scenario.schema import Criteria, Trigger

# Criteria ops: every one must hold.
TRUST_AT_LEAST = 0  # a=truster, b=trusted, x=min
CALM_AT_LEAST = 1  # a=rounds
ROUNDS_AT_LEAST = 2  # a=rounds in the current stage
DEAL_IN_FORCE = 3  # a=deal
TRACK_AT_LEAST = 4  # a=track, b=levels reached
TAKEN = 5  # a=slot, ever executed
EXECUTED = 6  # a=slot, executed this round
# Trigger ops: each kind must hold; the *_ANY kinds hold when any of their ops does.
EXECUTED_ANY = 7  # a=slot
PROVOCATIONS_AT_LEAST = 8  # a=count this round
VIOLATION = 9  # an agreement was violated this round
TRUST_BELOW_ANY = 10  # a=truster, b=trusted, x=max


class ConditionArrays(NamedTuple):
    ptr: NDArray[np.int64]
    kind: NDArray[np.int64]
    a: NDArray[np.int64]
    b: NDArray[np.int64]
    x: NDArray[np.float64]


class ConditionProgram:
    """Collects condition sets and numbers them in the order they are added."""

    def __init__(
        self,
        party: Callable[[str], int],
        slot: Callable[[str], int],
        deal: Callable[[str], int],
        track_level: Callable[[str, str], tuple[int, int]],
    ) -> None:
        self._party, self._slot, self._deal, self._track_level = party, slot, deal, track_level
        self._ptr = [0]
        self._ops: list[tuple[int, int, int, float]] = []

    def _close(self, ops: list[tuple[int, int, int, float]]) -> int:
        self._ops += ops
        self._ptr.append(len(self._ops))
        return len(self._ptr) - 2

    def criteria(self, c: Criteria) -> int:
        """Add a criteria set; returns its index."""
        ops = [
            (TRUST_AT_LEAST, self._party(t.pair[0]), self._party(t.pair[1]), t.min) for t in c.trust
        ]
        if c.calm_rounds:
            ops.append((CALM_AT_LEAST, c.calm_rounds, 0, 0.0))
        if c.min_rounds:
            ops.append((ROUNDS_AT_LEAST, c.min_rounds, 0, 0.0))
        ops += [(DEAL_IN_FORCE, self._deal(d), 0, 0.0) for d in c.deals_in_force]
        ops += [(TRACK_AT_LEAST, *self._track_level(r.track, r.level), 0.0) for r in c.tracks]
        ops += [(TAKEN, self._slot(s), 0, 0.0) for s in c.taken]
        ops += [(EXECUTED, self._slot(s), 0, 0.0) for s in c.executed]
        return self._close(ops)

    def trigger(self, t: Trigger) -> int:
        """Add a breakdown trigger; returns its index."""
        ops = [(EXECUTED_ANY, self._slot(s), 0, 0.0) for s in t.executed]
        if t.provocations:
            ops.append((PROVOCATIONS_AT_LEAST, t.provocations, 0, 0.0))
        if t.violation:
            ops.append((VIOLATION, 0, 0, 0.0))
        ops += [
            (TRUST_BELOW_ANY, self._party(b.pair[0]), self._party(b.pair[1]), b.max)
            for b in t.trust_below
        ]
        return self._close(ops)

    def arrays(self) -> ConditionArrays:
        ops = self._ops
        return ConditionArrays(
            ptr=np.asarray(self._ptr, dtype=np.int64),
            kind=np.array([o[0] for o in ops], dtype=np.int64),
            a=np.array([o[1] for o in ops], dtype=np.int64),
            b=np.array([o[2] for o in ops], dtype=np.int64),
            x=np.array([o[3] for o in ops], dtype=np.float64),
        )
