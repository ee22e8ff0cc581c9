"""Criteria and breakdown triggers compiled into one small condition program.

Every condition set (a stage's entry or exit criteria, a resume option, a
track level, the success criteria, a breakdown trigger) becomes a run of
*ops* in flat arrays; one interpreter in the engine evaluates them all. The
flat form keeps the kernels' arguments few and plain, which is what makes
numba fast.

A criteria block's ``any_of`` alternatives are condition sets of their own,
added (with their own alternatives) just before the block that names them,
so a block and everything under it are one contiguous run of sets, and
evaluating sets in index order evaluates every alternative before the block
that reads it. The block reads them with one ``ANY_OF`` op per alternative;
a block without alternatives compiles to exactly the ops it always did.
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
# Criteria again: the block holds only if one of its ANY_OF ops does.
ANY_OF = 11  # a=the alternative's condition set, b=the first set of its run (a's own alternatives)
# Criteria ops on a graded action: any of one party's consecutive level slots a..b.
TAKEN_IN = 12  # a=first slot, b=last slot, any ever executed
EXECUTED_IN = 13  # a=first slot, b=last slot, any executed this round
SUCCEEDED = 14  # a=first slot, b=last slot: one executed this round and not failed (criteria)
IN_FORCE_IN = 15  # a=first level, b=last level of an institution's policy: one in force


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
        slots: Callable[[str], list[int]] | None = None,
        in_force: Callable[[str], tuple[int, int]] | None = None,
    ) -> None:
        """``slot`` names a reference's slot; ``slots`` (when given) every slot that meets it,
        consecutive: a level of a graded action or a stronger one, any level when bare;
        ``in_force`` the range of institution policy levels that meet a reference."""
        self._party, self._slot, self._deal, self._track_level = party, slot, deal, track_level
        self._slots = slots if slots is not None else (lambda ref: [slot(ref)])
        self._in_force = in_force
        self._ptr = [0]
        self._ops: list[tuple[int, int, int, float]] = []

    def _close(self, ops: list[tuple[int, int, int, float]]) -> int:
        self._ops += ops
        self._ptr.append(len(self._ops))
        return len(self._ptr) - 2

    def criteria(self, criteria: Criteria) -> int:
        """Add a criteria set, after its alternatives; returns its index."""
        alternatives = [(self._first(), self.criteria(alt)) for alt in criteria.any_of or ()]
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
        ops += [self._in(TAKEN, TAKEN_IN, slot) for slot in criteria.taken]
        ops += [self._in(EXECUTED, EXECUTED_IN, slot) for slot in criteria.executed]
        ops += [(SUCCEEDED, *self._range(slot), 0.0) for slot in criteria.succeeded]
        if criteria.in_force:
            assert self._in_force is not None, "in_force criteria need the institutions"
            ops += [(IN_FORCE_IN, *self._in_force(ref), 0.0) for ref in criteria.in_force]
        ops += [(ANY_OF, alt, first, 0.0) for first, alt in alternatives]
        return self._close(ops)

    def _first(self) -> int:
        """The index the next condition set added will get."""
        return len(self._ptr) - 1

    def _range(self, ref: str) -> tuple[int, int]:
        """The first and last slot ``ref`` names (one slot, or a range of levels)."""
        found = self._slots(ref)
        return found[0], found[-1]

    def _in(self, one: int, any_of: int, ref: str) -> tuple[int, int, int, float]:
        """The op that ``ref`` holds: ``one`` on its slot, or ``any_of`` on its range of levels."""
        found = self._slots(ref)
        if len(found) == 1:
            return (one, found[0], 0, 0.0)
        return (any_of, found[0], found[-1], 0.0)

    def trigger(self, trigger: Trigger) -> int:
        """Add a breakdown trigger; returns its index."""
        ops = [(EXECUTED_ANY, k, 0, 0.0) for slot in trigger.executed for k in self._slots(slot)]
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
