"""Reading a tile's moves: bit words, availability, and the trembling hand.

First phase of a round (see :mod:`detente.engine.kernel`). Each episode's
outright actions, offers and taken slots become bit words in the tile's
scratch space, moves that are not available are reported, and a trembling
hand flips outright choices among the available slots.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from detente.engine.bits import has, lowest, pack
from detente.engine.jit import inlined, inner
from detente.engine.rng import STREAM_TREMBLE, episode_key, ticks_at

OK = 0
BAD_ACTION = 1
BAD_OFFER = 2


@inlined
def _first_closed_offer(
    com_slot: NDArray[np.int64], offered: NDArray[np.uint64], open_: NDArray[np.uint64]
) -> int:
    """The first offered commitment whose action is not open, or -1 (branch-free when none)."""
    closed = np.uint64(0)
    for m in range(com_slot.shape[0]):
        k = com_slot[m]
        closed |= (offered[m >> 6] >> np.uint64(m & 63)) & ~(open_[k >> 6] >> np.uint64(k & 63))
    if not closed & np.uint64(1):
        return -1
    for m in range(com_slot.shape[0]):
        if has(offered, m) and not has(open_, com_slot[m]):
            return m
    return -1


@inlined
def _tremble(
    key: np.uint64,
    tremble: int,
    open_: NDArray[np.uint64],
    outright: NDArray[np.uint64],
    trembled: NDArray[np.bool_],
) -> None:
    """Flip each open slot's outright choice with probability ``tremble``; mark it in ``trembled``.

    ``tremble`` is in ticks (see :func:`~detente.engine.rng.ticks_at`).
    Every slot gets its draw, open or not, so the loop has no branch (a
    draw depends only on its address, so unused draws change nothing).
    """
    n_slots = trembled.shape[0]
    for w in range(outright.shape[0]):
        flips = np.uint64(0)
        for i in range(min(64, n_slots - w * 64)):
            u = ticks_at(key, STREAM_TREMBLE, 0, w * 64 + i)
            flips |= np.uint64(u < tremble) << np.uint64(i)
        flips &= open_[w]
        outright[w] ^= flips
        for i in range(min(64, n_slots - w * 64)):
            trembled[w * 64 + i] = (flips >> np.uint64(i)) & np.uint64(1) != np.uint64(0)


@inner
def read_moves(
    stage_slot_bits: NDArray[np.uint64],
    repeatable_bits: NDArray[np.uint64],
    com_slot: NDArray[np.int64],
    tremble: int,
    seed: np.uint64,
    rnd: int,
    lo: int,
    episodes: NDArray[np.int64],
    s_stage: NDArray[np.int64],
    s_taken: NDArray[np.bool_],
    actions: NDArray[np.bool_],
    offers: NDArray[np.bool_],
    keys: NDArray[np.uint64],
    taken: NDArray[np.uint64],
    outright: NDArray[np.uint64],
    offered: NDArray[np.uint64],
    open_: NDArray[np.uint64],
    o_trembled: NDArray[np.bool_],
) -> tuple[int, int, int]:
    """Fill the tile's words for episodes ``lo`` to ``lo + len(keys)``.

    Returns ``(OK, 0, 0)``, ``(BAD_ACTION, b, k)`` for the first episode
    that takes an unavailable slot (the tile is then incomplete), or
    ``(BAD_OFFER, b, m)`` for the first that offers an unavailable
    commitment.
    """
    bad_offer, bad_offer_at = -1, 0
    n_slots = actions.shape[1]
    for i in range(keys.shape[0]):
        b = lo + i
        key = episode_key(seed, episodes[b], rnd)
        keys[i] = key
        stage = s_stage[b]
        pack(s_taken[b], taken[i])
        pack(actions[b], outright[i])
        pack(offers[b], offered[i])
        for w in range(open_.shape[1]):
            open_[i, w] = stage_slot_bits[stage, w] & (repeatable_bits[w] | ~taken[i, w])
            unavailable = outright[i, w] & ~open_[i, w]
            if unavailable:
                return BAD_ACTION, b, w * 64 + lowest(unavailable)
        if bad_offer < 0:
            bad_offer_at = _first_closed_offer(com_slot, offered[i], open_[i])
            bad_offer = b if bad_offer_at >= 0 else -1
        if tremble > 0:
            _tremble(key, tremble, open_[i], outright[i], o_trembled[b])
        else:
            for k in range(n_slots):
                o_trembled[b, k] = False
    if bad_offer >= 0:
        return BAD_OFFER, bad_offer, bad_offer_at
    return OK, 0, 0
