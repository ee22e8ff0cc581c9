"""Outcomes: which of the round's acts failed, judged by what cleared with them.

An action with an outcome succeeds in a round when any deal it names clears
whole in that round or any slot it names executes; otherwise its slots are
*failing* this round (:mod:`detente.scenario.outcomes`). Observers read a
failing slot with its failure reading (:mod:`detente.engine.monitoring`), the
roadmap's ``succeeded`` criteria need the slot executed and not failing, and
the events report an executed failing slot as failed.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from detente.engine.bits import meets
from detente.engine.jit import inner


@inner
def judge_tile(
    judged_bits: NDArray[np.uint64],
    success_bits: NDArray[np.uint64],
    success_deal_ptr: NDArray[np.int64],
    success_deal: NDArray[np.int64],
    lo: int,
    executed: NDArray[np.uint64],
    out_deal_cleared: NDArray[np.bool_],
    failing: NDArray[np.uint64],
    out_failed: NDArray[np.bool_],
) -> None:
    """The failing slots of the tile's episodes (``lo`` onwards, one per row of ``executed``).

    Parameters
    ----------
    judged_bits : uint64[J, WK]
        Read. The slots of each action with an outcome.
    success_bits : uint64[J, WK]
        Read. The slots any one of which executing makes action ``j`` succeed.
    success_deal_ptr : int64[J + 1]
        Read. Action ``j``'s deals are ``success_deal_ptr[j]`` to ``success_deal_ptr[j + 1]``.
    success_deal : int64[entries]
        Read. The deals any one of which clearing whole makes an action succeed.
    lo : int
        The tile's first episode; tile row ``i`` is episode ``b = lo + i``.
    executed : uint64[size, WK]
        Read. The slots executed this round.
    out_deal_cleared : bool[B, D]
        Read, rows ``lo`` to ``lo + size``. The deals that cleared whole this round.
    failing : uint64[size, WK]
        Written. The slots of actions whose success condition does not hold
        this round, executed or not.
    out_failed : bool[B, K]
        Written, rows ``lo`` to ``lo + size``. The executed failing slots.
    """
    for i in range(executed.shape[0]):
        b = lo + i
        for w in range(executed.shape[1]):
            failing[i, w] = np.uint64(0)
        for j in range(judged_bits.shape[0]):
            succeeded = meets(success_bits, j, executed[i])
            for q in range(success_deal_ptr[j], success_deal_ptr[j + 1]):
                succeeded = succeeded or out_deal_cleared[b, success_deal[q]]
            if not succeeded:
                for w in range(executed.shape[1]):
                    failing[i, w] |= judged_bits[j, w]
        n_slots = out_failed.shape[1]
        for w in range(executed.shape[1]):
            x = failing[i, w] & executed[i, w]
            for j in range(min(64, n_slots - w * 64)):
                out_failed[b, w * 64 + j] = (x >> np.uint64(j)) & np.uint64(1) != np.uint64(0)
