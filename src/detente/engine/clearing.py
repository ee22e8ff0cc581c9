"""Clearing, "an action for an action": the greatest fixed point of offers.

Start from every offered commitment; drop each whose condition is not met by
the unconditional actions plus the actions of the commitments still standing,
and each whose deal is no longer whole; repeat until nothing changes. Every
drop is justified against a superset of the final set, so what remains is the
largest self-supporting set: nobody moves first, no commitment executes
unless its condition holds, and cycles (A if B, B if A) clear. Being the
greatest fixed point, the result does not depend on the order of the drops.

Sets are bit words (:mod:`detente.engine.bits`): a condition or a deal check
is one AND per word instead of a loop over its members. A condition that
several slots meet (a level of a graded action or a stronger one) is one
more word set, of which any bit suffices; it is monotone too, so the fixed
point keeps its properties. Of one party's levels only the strongest then
executes (:func:`~detente.engine.policies.collapse`): a condition met by a
milder level is met by a stronger one, so no cleared commitment loses its
condition, and a commitment to a milder level is honoured by the stronger.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from detente.engine.bits import bit, inside, lowest, meets, unpack
from detente.engine.jit import inlined, inner
from detente.engine.policies import collapse, undo


@inlined
def _any_met(
    com_any_ptr: NDArray[np.int64],
    com_any_bits: NDArray[np.uint64],
    m: int,
    executed: NDArray[np.uint64],
) -> bool:
    """Whether every one of commitment ``m``'s any-of conditions meets ``executed``."""
    for g in range(com_any_ptr[m], com_any_ptr[m + 1]):
        if not meets(com_any_bits, g, executed):
            return False
    return True


@inlined
def clear(
    com_slot: NDArray[np.int64],
    com_cond_bits: NDArray[np.uint64],
    com_deal_bits: NDArray[np.uint64],
    com_any_ptr: NDArray[np.int64],
    com_any_bits: NDArray[np.uint64],
    outright: NDArray[np.uint64],
    remaining: NDArray[np.uint64],
    executed: NDArray[np.uint64],
) -> None:
    """Clear one episode's offers: shrink ``remaining`` to its greatest self-supporting subset.

    Parameters
    ----------
    com_slot : int64[M]
        Read. The slot each commitment would execute.
    com_cond_bits : uint64[M, WK]
        Read. The slots each commitment's condition needs executed.
    com_deal_bits : uint64[M, WM]
        Read. The commitments of each commitment's deal (none outside a deal).
    com_any_ptr : int64[M + 1]
        Read. Commitment ``m``'s any-of conditions are rows
        ``com_any_ptr[m]:com_any_ptr[m + 1]`` of ``com_any_bits``.
    com_any_bits : uint64[A, WK]
        Read. The slots any one of which meets each any-of condition.
    outright : uint64[WK]
        Read. The episode's outright actions (after the trembling hand).
    remaining : uint64[WM]
        Read and written. The offered commitments on entry, the cleared ones on return.
    executed : uint64[WK]
        Written. The executed slots: ``outright`` and the cleared commitments' slots.
    """
    any_of = com_any_bits.shape[0] > 0  # conditions on levels; none in most scenarios
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
                if not (
                    inside(com_cond_bits, m, executed)
                    and inside(com_deal_bits, m, remaining)
                    and (not any_of or _any_met(com_any_ptr, com_any_bits, m, executed))
                ):
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
    """(cleared, violated, in force after) for deal ``d`` of one episode.

    A deal that clears whole enters into force. A party breaks its promise
    to take an action by taking an action declared to break it (a test
    breaks a freeze), in any round the agreement is in force, the round it
    clears included; the agreement then ends.

    Parameters
    ----------
    deal_bits : uint64[D, WM]
        Read. The commitments of each deal.
    deal_breaker_bits : uint64[D, WK]
        Read. The slots whose execution violates each deal.
    d : int
        The deal.
    remaining : uint64[WM]
        Read. The episode's cleared commitments.
    executed : uint64[WK]
        Read. The episode's executed slots.
    was_in_force : bool
        Whether the deal was in force before the round.
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
    com_any_ptr: NDArray[np.int64],
    com_any_bits: NDArray[np.uint64],
    deal_bits: NDArray[np.uint64],
    deal_breaker_bits: NDArray[np.uint64],
    graded_ptr: NDArray[np.int64],
    graded_slot: NDArray[np.int64],
    counter_slot: NDArray[np.int64],
    counter_reverses: NDArray[np.int64],
    counter_target_bits: NDArray[np.uint64],
    standing_bits: NDArray[np.uint64],
    policies: bool,
    lo: int,
    old_in_force: NDArray[np.bool_],
    taken: NDArray[np.uint64],
    outright: NDArray[np.uint64],
    remaining: NDArray[np.uint64],
    executed: NDArray[np.uint64],
    policy: NDArray[np.uint64],
    violation: NDArray[np.bool_],
    new_in_force: NDArray[np.bool_],
    new_taken: NDArray[np.bool_],
    new_executed: NDArray[np.bool_],
    new_policy: NDArray[np.bool_],
    out_cleared: NDArray[np.bool_],
    out_deal_cleared: NDArray[np.bool_],
    out_violated: NDArray[np.bool_],
) -> None:
    """Clear and settle deals for the tile's episodes (``lo`` onwards, one per row of ``executed``).

    Parameters
    ----------
    com_slot, com_cond_bits, com_deal_bits, com_any_ptr, com_any_bits
        Read. The commitments' slots, conditions and deals (see :func:`clear`).
    deal_bits, deal_breaker_bits
        Read. The deals' members and breakers (see :func:`settle_deal`).
    graded_ptr, graded_slot
        Read. Each party's levels of a graded action, strongest first (see
        :func:`~detente.engine.policies.collapse`).
    counter_slot, counter_reverses, counter_target_bits, standing_bits
        Read. The counter-actions and the standing slots (see
        :func:`~detente.engine.policies.undo`).
    policies : bool
        Whether the scenario has standing policies or counter-actions;
        ``policy`` and ``new_policy`` are untouched when it has none.
    lo : int
        The tile's first episode; tile row ``i`` is episode ``b = lo + i``.
    old_in_force : bool[B, D]
        Read. The agreements in force before the round.
    taken : uint64[size, WK]
        Read and written. The slots taken before the round, to which this
        round's executed slots are added.
    outright : uint64[size, WK]
        Read. The outright actions.
    remaining : uint64[size, WM]
        Read and written. The offered commitments on entry, the cleared ones on return.
    executed : uint64[size, WK]
        Written. The executed slots.
    policy : uint64[size, WK]
        Written. The policies in force after the round.
    violation : bool[size]
        Written. Whether the episode violated an agreement in force.
    new_in_force : bool[B, D]
        Written, rows ``lo`` to ``lo + size``. The agreements in force after the round.
    new_taken, new_executed : bool[B, K]
        Written, rows ``lo`` to ``lo + size``. ``taken`` and ``executed`` as flags.
    new_policy : bool[B, K]
        Written, rows ``lo`` to ``lo + size`` (when ``policies``). ``policy`` as flags.
    out_cleared : bool[B, M]
        Written, rows ``lo`` to ``lo + size``. ``remaining`` as flags.
    out_deal_cleared, out_violated : bool[B, D]
        Written, rows ``lo`` to ``lo + size``. The deals that cleared whole,
        and those violated.
    """
    for i in range(executed.shape[0]):
        b = lo + i
        clear(
            com_slot,
            com_cond_bits,
            com_deal_bits,
            com_any_ptr,
            com_any_bits,
            outright[i],
            remaining[i],
            executed[i],
        )
        collapse(graded_ptr, graded_slot, executed[i])
        unpack(remaining[i], out_cleared[b])
        broken = False
        for d in range(deal_bits.shape[0]):
            whole, violated, in_force = settle_deal(
                deal_bits, deal_breaker_bits, d, remaining[i], executed[i], old_in_force[b, d]
            )
            out_deal_cleared[b, d] = whole
            out_violated[b, d] = violated
            new_in_force[b, d] = in_force
            broken = broken or violated
        violation[i] = broken
        unpack(executed[i], new_executed[b])
        for w in range(taken.shape[1]):
            taken[i, w] |= executed[i, w]
        if policies:
            undo(
                counter_slot,
                counter_reverses,
                counter_target_bits,
                standing_bits,
                executed[i],
                policy[i],
                taken[i],
            )
            unpack(policy[i], new_policy[b])
        unpack(taken[i], new_taken[b])
