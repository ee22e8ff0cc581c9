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

from detente.engine.bits import lowest
from detente.engine.jit import inner


@inner
def judge_tile(
    outcomes: NDArray[np.uint64],
    lo: int,
    executed: NDArray[np.uint64],
    out_deal_cleared: NDArray[np.bool_],
    failing: NDArray[np.uint64],
    out_failed: NDArray[np.bool_],
) -> None:
    """The failing slots of the tile's episodes (``lo`` onwards, one per row of ``executed``).

    Parameters
    ----------
    outcomes : uint64[J, 2 WK + WD]
        Read. Per action that can fail, three sets as bit words: its slots
        (words ``0`` to ``WK``), the slots any one of which executing makes it
        succeed (``WK`` to ``2 WK``), the deals any one of which clearing
        whole makes it succeed (from ``2 WK``).
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
    n_words = executed.shape[1]
    n_slots = out_failed.shape[1]
    for i in range(executed.shape[0]):
        b = lo + i
        for w in range(n_words):
            failing[i, w] = np.uint64(0)
        for j in range(outcomes.shape[0]):
            succeeded = False
            for w in range(n_words):
                succeeded = succeeded or (outcomes[j, n_words + w] & executed[i, w]) != 0
            for w in range(outcomes.shape[1] - 2 * n_words):
                x = outcomes[j, 2 * n_words + w]
                while x:
                    succeeded = succeeded or out_deal_cleared[b, w * 64 + lowest(x)]
                    x &= x - np.uint64(1)
            if not succeeded:
                for w in range(n_words):
                    failing[i, w] |= outcomes[j, w]
        for w in range(n_words):
            x = failing[i, w] & executed[i, w]
            for j in range(min(64, n_slots - w * 64)):
                out_failed[b, w * 64 + j] = (x >> np.uint64(j)) & np.uint64(1) != np.uint64(0)
