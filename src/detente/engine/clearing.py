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

from detente.scenario.compiled import Tables


@njit(cache=True)
def clear_episode(
    t: Tables,
    actions: NDArray[np.bool_],
    offers: NDArray[np.bool_],
    remaining: NDArray[np.bool_],
    executed: NDArray[np.bool_],
) -> None:
    """Fill ``remaining`` (cleared commitments) and ``executed`` (slots) for one episode."""
    n_com = offers.shape[0]
    remaining[:] = offers
    changed = True
    while changed:
        changed = False
        executed[:] = actions
        for m in range(n_com):
            if remaining[m]:
                executed[t.com_slot[m]] = True
        for m in range(n_com):
            if not remaining[m]:
                continue
            ok = True
            for q in range(t.com_cond_ptr[m], t.com_cond_ptr[m + 1]):
                if not executed[t.com_cond[q]]:
                    ok = False
                    break
            d = t.com_deal[m]
            if ok and d >= 0:
                for q in range(t.deal_ptr[d], t.deal_ptr[d + 1]):
                    if not remaining[t.deal_com[q]]:
                        ok = False
                        break
            if not ok:
                remaining[m] = False
                changed = True
    executed[:] = actions
    for m in range(n_com):
        if remaining[m]:
            executed[t.com_slot[m]] = True


@njit(cache=True)
def settle_deals(
    t: Tables,
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
    n_deals = t.deal_ptr.shape[0] - 1
    for d in range(n_deals):
        whole = True
        for q in range(t.deal_ptr[d], t.deal_ptr[d + 1]):
            if not remaining[t.deal_com[q]]:
                whole = False
                break
        cleared[d] = whole
        violated[d] = False
        if whole:
            in_force[d] = True
        if not in_force[d]:
            continue
        for q in range(t.deal_ptr[d], t.deal_ptr[d + 1]):
            k = t.com_slot[t.deal_com[q]]
            for r in range(t.breaks_ptr[k], t.breaks_ptr[k + 1]):
                if executed[t.breaks[r]]:
                    violated[d] = True
        if violated[d]:
            in_force[d] = False
