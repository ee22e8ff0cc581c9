"""Payoffs of a tile's episodes: each party's utility of what was executed this round.

Utilities are linear over executed slots plus sparse pairwise terms (both
slots executed), plus the value of each institution policy level in force.
Terms are added in slot order, then pair order, then level order, so that a
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
    inst_value: NDArray[np.float64],
    weight: float,
    lo: int,
    executed: NDArray[np.uint64],
    new_inst: NDArray[np.bool_],
    old_total: NDArray[np.float64],
    old_discounted: NDArray[np.float64],
    out_payoff: NDArray[np.float64],
    new_total: NDArray[np.float64],
    new_discounted: NDArray[np.float64],
) -> None:
    """This round's payoff and the running totals, undiscounted and discounted.

    Parameters
    ----------
    base : float64[P]
        Read. Each party's payoff of a round, whatever is executed.
    linear : float64[K, P]
        Read. What each executed slot adds to each party's payoff.
    pair_k, pair_l : int64[pairs]
        Read. The two slots of each pairwise term.
    pair_value : float64[pairs, P]
        Read. What each pairwise term adds when both its slots are executed.
    inst_value : float64[L, P]
        Read. What each institution policy level in force adds.
    weight : float
        This round's discount factor.
    lo : int
        The tile's first episode; tile row ``i`` is episode ``b = lo + i``.
    executed : uint64[size, WK]
        Read. The slots executed this round.
    new_inst : bool[B, L]
        Read. The institution policy levels in force after this round's votes.
    old_total, old_discounted : float64[B, P]
        Read. The running totals before the round.
    out_payoff : float64[B, P]
        Written, rows ``lo`` to ``lo + size``. This round's payoff.
    new_total, new_discounted : float64[B, P]
        Written, rows ``lo`` to ``lo + size``. The running totals after the round.
    """
    n_parties = base.shape[0]
    for i in range(executed.shape[0]):
        b = lo + i
        for p in range(n_parties):
            out_payoff[b, p] = base[p]
        for w in range(executed.shape[1]):
            x = executed[i, w]
            while x:
                k = w * 64 + lowest(x)
                x &= x - np.uint64(1)
                for p in range(n_parties):
                    out_payoff[b, p] += linear[k, p]
        for pair in range(pair_k.shape[0]):
            if has(executed[i], pair_k[pair]) and has(executed[i], pair_l[pair]):
                for p in range(n_parties):
                    out_payoff[b, p] += pair_value[pair, p]
        for level in range(inst_value.shape[0]):
            if new_inst[b, level]:
                for p in range(n_parties):
                    out_payoff[b, p] += inst_value[level, p]
        for p in range(n_parties):
            new_total[b, p] = old_total[b, p] + out_payoff[b, p]
            new_discounted[b, p] = old_discounted[b, p] + weight * out_payoff[b, p]
