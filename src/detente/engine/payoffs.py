"""Payoffs of a tile's episodes: each party's utility of what was executed this round.

Utilities are linear over executed slots plus sparse pairwise terms (both
slots executed). Terms are added in slot order, then pair order, so that a
batch gives the exact floating-point sums its episodes give one by one.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from detente.engine.bits import has, lowest
from detente.engine.jit import inner


@inner
def pay_tile(
    base: NDArray[np.float64],
    linear: NDArray[np.float64],
    pair_k: NDArray[np.int64],
    pair_l: NDArray[np.int64],
    pair_value: NDArray[np.float64],
    weight: float,
    lo: int,
    executed: NDArray[np.uint64],
    s_total: NDArray[np.float64],
    s_discounted: NDArray[np.float64],
    o_payoff: NDArray[np.float64],
    n_total: NDArray[np.float64],
    n_discounted: NDArray[np.float64],
) -> None:
    """This round's payoff (``o_payoff``) and the running totals, undiscounted and discounted.

    ``executed`` holds the slot words of episodes ``lo`` onwards, one row each;
    ``weight`` is this round's discount factor.
    """
    n_parties = base.shape[0]
    for i in range(executed.shape[0]):
        b = lo + i
        for p in range(n_parties):
            o_payoff[b, p] = base[p]
        for w in range(executed.shape[1]):
            x = executed[i, w]
            while x:
                k = w * 64 + lowest(x)
                x &= x - np.uint64(1)
                for p in range(n_parties):
                    o_payoff[b, p] += linear[k, p]
        for q in range(pair_k.shape[0]):
            if has(executed[i], pair_k[q]) and has(executed[i], pair_l[q]):
                for p in range(n_parties):
                    o_payoff[b, p] += pair_value[q, p]
        for p in range(n_parties):
            n_total[b, p] = s_total[b, p] + o_payoff[b, p]
            n_discounted[b, p] = s_discounted[b, p] + weight * o_payoff[b, p]
