"""Clearing, "an action for an action": the greatest fixed point of offers.

Start from every offered commitment; drop each whose condition is not met by
the unconditional actions plus the actions of the commitments still standing,
and each whose deal is no longer whole; repeat until nothing changes. Every
drop is justified against a superset of the final set, so what remains is the
largest self-supporting set: nobody moves first, no commitment executes
unless its condition holds, and cycles (A if B, B if A) clear. Being the
greatest fixed point, the result does not depend on the order of the drops.

Sets are bit words (:mod:`detente.engine.bits`): a condition or a deal check
is one AND per word instead of a loop over its members.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from detente.engine.bits import bit, inside, lowest, meets, unpack
from detente.engine.jit import inlined, inner


@inlined
def clear(
    com_slot: NDArray[np.int64],
    com_cond_bits: NDArray[np.uint64],
    com_deal_bits: NDArray[np.uint64],
    outright: NDArray[np.uint64],
    remaining: NDArray[np.uint64],
    executed: NDArray[np.uint64],
) -> None:
    """Shrink ``remaining`` (offers in, cleared out) and fill ``executed`` (slot words)."""
    while True:
        for w in range(executed.shape[0]):
            executed[w] = outright[w]
        for w in range(remaining.shape[0]):
            x = remaining[w]
            while x:
                k = com_slot[w * 64 + lowest(x)]
                executed[k >> 6] |= bit(k)
                x &= x - np.uint64(1)
        changed = False
        for w in range(remaining.shape[0]):
            x = remaining[w]
            while x:
                m = w * 64 + lowest(x)
                x &= x - np.uint64(1)
                if not (inside(com_cond_bits, m, executed) and inside(com_deal_bits, m, remaining)):
                    remaining[w] &= ~bit(m)
                    changed = True
        if not changed:
            return


@inlined
def settle_deal(
    deal_bits: NDArray[np.uint64],
    deal_breaker_bits: NDArray[np.uint64],
    d: int,
    remaining: NDArray[np.uint64],
    executed: NDArray[np.uint64],
    was_in_force: bool,
) -> tuple[bool, bool, bool]:
    """(cleared, violated, in force after) for deal ``d``.

    A deal that clears whole enters into force. A party breaks its promise
    to take an action by taking an action declared to break it (a test
    breaks a freeze), in any round the agreement is in force, the round it
    clears included; the agreement then ends.
    """
    whole = inside(deal_bits, d, remaining)
    in_force = was_in_force or whole
    violated = in_force and meets(deal_breaker_bits, d, executed)
    return whole, violated, in_force and not violated


@inner
def clear_tile(
    com_slot: NDArray[np.int64],
    com_cond_bits: NDArray[np.uint64],
    com_deal_bits: NDArray[np.uint64],
    deal_bits: NDArray[np.uint64],
    deal_breaker_bits: NDArray[np.uint64],
    lo: int,
    s_in_force: NDArray[np.bool_],
    taken: NDArray[np.uint64],
    outright: NDArray[np.uint64],
    remaining: NDArray[np.uint64],
    executed: NDArray[np.uint64],
    violation: NDArray[np.bool_],
    n_in_force: NDArray[np.bool_],
    n_taken: NDArray[np.bool_],
    n_executed: NDArray[np.bool_],
    o_cleared: NDArray[np.bool_],
    o_deal_cleared: NDArray[np.bool_],
    o_violated: NDArray[np.bool_],
) -> None:
    """Clear and settle deals for the tile's episodes (``lo`` onwards, one per row of ``executed``).

    ``remaining`` holds the offers on entry and the cleared commitments
    after; ``executed`` and ``violation`` receive each episode's executed
    slots and whether it broke an agreement in force.
    """
    for i in range(executed.shape[0]):
        b = lo + i
        clear(com_slot, com_cond_bits, com_deal_bits, outright[i], remaining[i], executed[i])
        unpack(remaining[i], o_cleared[b])
        broken = False
        for d in range(deal_bits.shape[0]):
            whole, violated, in_force = settle_deal(
                deal_bits, deal_breaker_bits, d, remaining[i], executed[i], s_in_force[b, d]
            )
            o_deal_cleared[b, d] = whole
            o_violated[b, d] = violated
            n_in_force[b, d] = in_force
            broken = broken or violated
        violation[i] = broken
        unpack(executed[i], n_executed[b])
        for w in range(taken.shape[1]):
            taken[i, w] |= executed[i, w]
        unpack(taken[i], n_taken[b])
