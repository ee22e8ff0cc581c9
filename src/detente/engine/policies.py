"""Standing policies, counter-actions and levels, in the kernel's bit words.

What the scenario format's ``standing``, ``revoked_by``, ``reversed_by``
and ``levels`` mean in a round (the slots are compiled by
:mod:`detente.scenario.catalogue`):

* a counter-action's slot is open while what it undoes is in force (a
  revocation) or taken (a reversal), in any stage (:func:`open_counters`);
* a standing policy in force is executed again this round, as if taken
  outright, unless its party revokes it or takes another of its levels
  outright (:func:`carry`);
* of one party's levels of a graded action at most one executes: the
  strongest, which also honours the commitments that cleared on milder
  levels (:func:`collapse`);
* after clearing, what is in force is the standing slots executed and not
  revoked; a reversed one-off act is no longer taken (:func:`undo`).

Scenarios without these fields have empty tables, and the kernel skips
these calls.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from detente.engine.bits import bit, has, meets
from detente.engine.jit import inlined


class PolicyLists(NamedTuple):
    """The tables of the calls below, as views of the packed ``policy_*`` arrays of the tables."""

    com_any_ptr: NDArray[np.int64]  # [M + 1] rows of com_any_bits: a commitment's any-of sets
    graded_ptr: NDArray[np.int64]  # [G + 1] each party's levels of a graded action
    graded_slot: NDArray[np.int64]  # [levels] strongest first
    counter_slot: NDArray[np.int64]  # [N] counter-actions
    counter_reverses: NDArray[np.int64]  # [N] 1 for a reversal, 0 for a revocation
    standing_slot: NDArray[np.int64]  # [NS]
    com_any_bits: NDArray[np.uint64]  # [A, WK] slots any one of which meets the condition
    counter_target_bits: NDArray[np.uint64]  # [N, WK] what each counter-action undoes
    standing_stop_bits: NDArray[np.uint64]  # [NS, WK] outright choices that stop its carry
    standing_bits: NDArray[np.uint64]  # [WK] the standing slots


@inlined
def policy_lists(
    index: NDArray[np.int64], bits: NDArray[np.uint64], at: NDArray[np.int64]
) -> PolicyLists:
    """Views of the packed tables (``Tables.policy_index``, ``policy_bits``, ``policy_at``)."""
    return PolicyLists(
        index[at[0] : at[1]],
        index[at[1] : at[2]],
        index[at[2] : at[3]],
        index[at[3] : at[4]],
        index[at[4] : at[5]],
        index[at[5] : at[6]],
        bits[at[7] : at[8]],
        bits[at[8] : at[9]],
        bits[at[9] : at[10]],
        bits[at[10]],
    )


@inlined
def open_counters(
    counter_slot: NDArray[np.int64],
    counter_reverses: NDArray[np.int64],
    counter_target_bits: NDArray[np.uint64],
    policy: NDArray[np.uint64],
    taken: NDArray[np.uint64],
    open_: NDArray[np.uint64],
) -> None:
    """Open each counter-action whose target is in force (revocation) or taken (reversal).

    Parameters
    ----------
    counter_slot : int64[N]
        Read. The slot of each counter-action.
    counter_reverses : int64[N]
        Read. 1 for a reversal (of a one-off act), 0 for a revocation.
    counter_target_bits : uint64[N, WK]
        Read. The slots each counter-action undoes (a policy's levels).
    policy, taken : uint64[WK]
        Read. One episode's policies in force and slots taken before the round.
    open_ : uint64[WK]
        Read and written. The episode's slots available this round.
    """
    for n in range(counter_slot.shape[0]):
        on = meets(counter_target_bits, n, taken if counter_reverses[n] else policy)
        if on:
            k = counter_slot[n]
            open_[k >> 6] |= bit(k)


@inlined
def carry(
    standing_slot: NDArray[np.int64],
    standing_stop_bits: NDArray[np.uint64],
    policy: NDArray[np.uint64],
    outright: NDArray[np.uint64],
) -> None:
    """Add to ``outright`` each policy in force that its party neither revokes nor re-grades.

    Parameters
    ----------
    standing_slot : int64[NS]
        Read. The standing slots.
    standing_stop_bits : uint64[NS, WK]
        Read. The outright choices that stop each one's carry: its
        revocation and its action's other levels, of the same party.
    policy : uint64[WK]
        Read. The episode's policies in force before the round.
    outright : uint64[WK]
        Read and written. The episode's outright actions (after the trembling hand).
    """
    for n in range(standing_slot.shape[0]):
        k = standing_slot[n]
        if has(policy, k) and not meets(standing_stop_bits, n, outright):
            outright[k >> 6] |= bit(k)


@inlined
def collapse(
    graded_ptr: NDArray[np.int64], graded_slot: NDArray[np.int64], executed: NDArray[np.uint64]
) -> None:
    """Keep the strongest executed level of each party's graded action, drop the milder ones.

    Parameters
    ----------
    graded_ptr : int64[G + 1]
        Read. Group ``g``'s levels are ``graded_slot[graded_ptr[g]:graded_ptr[g + 1]]``.
    graded_slot : int64[levels]
        Read. The level slots of each group, strongest first.
    executed : uint64[WK]
        Read and written. The episode's executed slots.
    """
    for g in range(graded_ptr.shape[0] - 1):
        found = False
        for q in range(graded_ptr[g], graded_ptr[g + 1]):
            k = graded_slot[q]
            if found:
                executed[k >> 6] &= ~bit(k)
            elif has(executed, k):
                found = True


@inlined
def undo(
    counter_slot: NDArray[np.int64],
    counter_reverses: NDArray[np.int64],
    counter_target_bits: NDArray[np.uint64],
    standing_bits: NDArray[np.uint64],
    executed: NDArray[np.uint64],
    policy: NDArray[np.uint64],
    taken: NDArray[np.uint64],
) -> None:
    """The policies in force after the round, and reversed one-off acts no longer taken.

    Parameters
    ----------
    counter_slot, counter_reverses, counter_target_bits
        Read. The counter-actions (see :func:`open_counters`).
    standing_bits : uint64[WK]
        Read. The standing slots.
    executed : uint64[WK]
        Read. The episode's executed slots (carried policies included).
    policy : uint64[WK]
        Written. The policies in force after the round.
    taken : uint64[WK]
        Read and written. The slots taken, this round's included; reversed ones removed.
    """
    for w in range(policy.shape[0]):
        policy[w] = executed[w] & standing_bits[w]
    for n in range(counter_slot.shape[0]):
        if has(executed, counter_slot[n]):
            target = taken if counter_reverses[n] else policy
            for w in range(target.shape[0]):
                target[w] &= ~counter_target_bits[n, w]
