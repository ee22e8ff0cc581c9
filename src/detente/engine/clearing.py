"""Clearing, "an action for an action": the greatest fixed point of offers.

Start from every offered commitment; drop each whose condition is not met by
the unconditional actions plus the actions of the commitments still standing,
and each whose deal is no longer whole; repeat until nothing changes. Every
drop is justified against a superset of the final set, so what remains is the
largest self-supporting set: nobody moves first, no commitment executes
unless its condition holds, and cycles (A if B, B if A) clear.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray


@njit(cache=True, error_model="numpy")
def clear_episode(
    com_slot: NDArray[np.int64],
    cond_ptr: NDArray[np.int64],
    cond: NDArray[np.int64],
    com_deal: NDArray[np.int64],
    deal_ptr: NDArray[np.int64],
    deal_com: NDArray[np.int64],
    actions: NDArray[np.bool_],
    offers: NDArray[np.bool_],
    remaining: NDArray[np.bool_],
    executed: NDArray[np.bool_],
) -> None:
    """Fill ``remaining`` (cleared commitments) and ``executed`` (slots) for one episode."""
    n_com, n_slots = offers.shape[0], actions.shape[0]
    changed = False
    for m in range(n_com):
        remaining[m] = offers[m]
        changed = changed or offers[m]
    while changed:
        changed = False
        for k in range(n_slots):
            executed[k] = actions[k]
        for m in range(n_com):
            if remaining[m]:
                executed[com_slot[m]] = True
        for m in range(n_com):
            if not remaining[m]:
                continue
            ok = True
            for q in range(cond_ptr[m], cond_ptr[m + 1]):
                if not executed[cond[q]]:
                    ok = False
                    break
            d = com_deal[m]
            if ok and d >= 0:
                for q in range(deal_ptr[d], deal_ptr[d + 1]):
                    if not remaining[deal_com[q]]:
                        ok = False
                        break
            if not ok:
                remaining[m] = False
                changed = True
    for k in range(n_slots):
        executed[k] = actions[k]
    for m in range(n_com):
        if remaining[m]:
            executed[com_slot[m]] = True


@njit(cache=True, error_model="numpy")
def settle_deals(
    com_slot: NDArray[np.int64],
    deal_ptr: NDArray[np.int64],
    deal_com: NDArray[np.int64],
    breaks_ptr: NDArray[np.int64],
    breaks: NDArray[np.int64],
    remaining: NDArray[np.bool_],
    executed: NDArray[np.bool_],
    in_force: NDArray[np.bool_],
    cleared: NDArray[np.bool_],
    violated: NDArray[np.bool_],
) -> None:
    """Deals that cleared whole enter into force; any in force whose promise is broken ends.

    ``in_force`` is updated in place. A party breaks its promise to take an
    action by taking an action declared to break it (a test breaks a freeze),
    in any round the agreement is in force, the round it clears included.
    """
    for d in range(deal_ptr.shape[0] - 1):
        whole = True
        for q in range(deal_ptr[d], deal_ptr[d + 1]):
            if not remaining[deal_com[q]]:
                whole = False
                break
        cleared[d] = whole
        violated[d] = False
        if whole:
            in_force[d] = True
        if not in_force[d]:
            continue
        for q in range(deal_ptr[d], deal_ptr[d + 1]):
            k = com_slot[deal_com[q]]
            for r in range(breaks_ptr[k], breaks_ptr[k + 1]):
                if executed[breaks[r]]:
                    violated[d] = True
        if violated[d]:
            in_force[d] = False
