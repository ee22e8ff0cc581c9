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
SUCCEEDED = 11  # a=slot, executed this round and not failed (criteria)


class ConditionArrays(NamedTuple):
    """The program as flat arrays (the tables' ``cond_*``), op ``q`` at position ``q``."""

    ptr: NDArray[np.int64]  # [C + 1] condition set c is ops ptr[c] to ptr[c + 1]
    kind: NDArray[np.int64]  # [ops] the op's kind (the constants above)
    a: NDArray[np.int64]  # [ops] its first integer operand
    b: NDArray[np.int64]  # [ops] its second integer operand
    x: NDArray[np.float64]  # [ops] its threshold


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

    def criteria(self, criteria: Criteria) -> int:
        """Add a criteria set; returns its index."""
        party = self._party
        ops = [
            (TRUST_AT_LEAST, party(trust.pair[0]), party(trust.pair[1]), trust.min)
            for trust in criteria.trust
        ]
        if criteria.calm_rounds:
            ops.append((CALM_AT_LEAST, criteria.calm_rounds, 0, 0.0))
        if criteria.min_rounds:
            ops.append((ROUNDS_AT_LEAST, criteria.min_rounds, 0, 0.0))
        ops += [(DEAL_IN_FORCE, self._deal(deal), 0, 0.0) for deal in criteria.deals_in_force]
        ops += [
            (TRACK_AT_LEAST, *self._track_level(level.track, level.level), 0.0)
            for level in criteria.tracks
        ]
        ops += [(TAKEN, self._slot(slot), 0, 0.0) for slot in criteria.taken]
        ops += [(EXECUTED, self._slot(slot), 0, 0.0) for slot in criteria.executed]
        ops += [(SUCCEEDED, self._slot(slot), 0, 0.0) for slot in criteria.succeeded]
        return self._close(ops)

    def trigger(self, trigger: Trigger) -> int:
        """Add a breakdown trigger; returns its index."""
        ops = [(EXECUTED_ANY, self._slot(slot), 0, 0.0) for slot in trigger.executed]
        if trigger.provocations:
            ops.append((PROVOCATIONS_AT_LEAST, trigger.provocations, 0, 0.0))
        if trigger.violation:
            ops.append((VIOLATION, 0, 0, 0.0))
        ops += [
            (TRUST_BELOW_ANY, self._party(below.pair[0]), self._party(below.pair[1]), below.max)
            for below in trigger.trust_below
        ]
        return self._close(ops)

    def arrays(self) -> ConditionArrays:
        """The condition sets added so far, as the kernel reads them."""
        ops = self._ops
        return ConditionArrays(
            ptr=np.asarray(self._ptr, dtype=np.int64),
            kind=np.array([op[0] for op in ops], dtype=np.int64),
            a=np.array([op[1] for op in ops], dtype=np.int64),
            b=np.array([op[2] for op in ops], dtype=np.int64),
            x=np.array([op[3] for op in ops], dtype=np.float64),
        )
