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
from detente.engine.policies import carry, open_counters
from detente.engine.rng import STREAM_TREMBLE, episode_key, ticks_at

OK = 0
BAD_ACTION = 1
BAD_OFFER = 2


@inlined
def _first_closed_offer(
    com_slot: NDArray[np.int64], offered: NDArray[np.uint64], open_: NDArray[np.uint64]
) -> int:
    """The first offered commitment whose action is not open, or -1 (branch-free when none).

    Parameters
    ----------
    com_slot : int64[M]
        Read. The slot each commitment would execute.
    offered : uint64[WM]
        Read. One episode's offered commitments.
    open_ : uint64[WK]
        Read. The episode's slots available this round.
    """
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

    Every slot gets its draw, open or not, so the loop has no branch (a
    draw depends only on its address, so unused draws change nothing).

    Parameters
    ----------
    key : uint64
        The episode's random key this round; slot ``k``'s draw is at
        ``(STREAM_TREMBLE, 0, k)``.
    tremble : int
        The trembling hand's rate, in ticks (see
        :func:`~detente.engine.rng.ticks_at`).
    open_ : uint64[WK]
        Read. The episode's slots available this round.
    outright : uint64[WK]
        Read and written. The episode's outright actions, flipped where it trembles.
    trembled : bool[K]
        Written, every entry. The episode's row of ``Outcome.trembled``.
    """
    n_slots = trembled.shape[0]
    for w in range(outright.shape[0]):
        flips = np.uint64(0)
        for j in range(min(64, n_slots - w * 64)):
            u = ticks_at(key, STREAM_TREMBLE, 0, w * 64 + j)
            flips |= np.uint64(u < tremble) << np.uint64(j)
        flips &= open_[w]
        outright[w] ^= flips
        for j in range(min(64, n_slots - w * 64)):
            trembled[w * 64 + j] = (flips >> np.uint64(j)) & np.uint64(1) != np.uint64(0)


@inner
def read_moves(
    stage_slot_bits: NDArray[np.uint64],
    repeatable_bits: NDArray[np.uint64],
    com_slot: NDArray[np.int64],
    counter_slot: NDArray[np.int64],
    counter_reverses: NDArray[np.int64],
    counter_target_bits: NDArray[np.uint64],
    standing_slot: NDArray[np.int64],
    standing_stop_bits: NDArray[np.uint64],
    policies: bool,
    tremble: int,
    seed: np.uint64,
    rnd: int,
    lo: int,
    episodes: NDArray[np.int64],
    old_stage: NDArray[np.int64],
    old_taken: NDArray[np.bool_],
    old_policy: NDArray[np.bool_],
    actions: NDArray[np.bool_],
    offers: NDArray[np.bool_],
    keys: NDArray[np.uint64],
    taken: NDArray[np.uint64],
    policy: NDArray[np.uint64],
    outright: NDArray[np.uint64],
    offered: NDArray[np.uint64],
    open_: NDArray[np.uint64],
    out_trembled: NDArray[np.bool_],
) -> tuple[int, int, int]:
    """Fill the tile's words for episodes ``lo`` to ``lo + len(keys)``.

    Parameters
    ----------
    stage_slot_bits : uint64[S, WK]
        Read. The slots available in each stage.
    repeatable_bits : uint64[WK]
        Read. The slots that stay available once taken.
    com_slot : int64[M]
        Read. The slot each commitment would execute.
    counter_slot, counter_reverses, counter_target_bits
        Read. The counter-actions (see :func:`~detente.engine.policies.open_counters`).
    standing_slot, standing_stop_bits
        Read. The standing slots (see :func:`~detente.engine.policies.carry`).
    policies : bool
        Whether the scenario has standing policies or counter-actions; when
        not, ``old_policy`` and ``policy`` are not read or written.
    tremble : int
        The trembling hand's rate, in ticks; 0 for none.
    seed : uint64
        The run's seed, hashed with the episode's id and ``rnd`` into its key.
    rnd : int
        This round, from 0.
    lo : int
        The tile's first episode; tile row ``i`` is episode ``b = lo + i``.
    episodes : int64[B]
        Read. Each episode's id, which addresses its random draws.
    old_stage : int64[B]
        Read. Each episode's stage before the round.
    old_taken : bool[B, K]
        Read. The slots each episode took before the round.
    old_policy : bool[B, K]
        Read (when ``policies``). The policies in force before the round.
    actions : bool[B, K]
        Read. The outright actions submitted.
    offers : bool[B, M]
        Read. The commitments offered.
    keys : uint64[size]
        Written. Each tile episode's random key this round.
    taken : uint64[size, WK]
        Written. ``old_taken`` as words.
    policy : uint64[size, WK]
        Written (when ``policies``). ``old_policy`` as words.
    outright : uint64[size, WK]
        Written. ``actions`` as words, after the trembling hand, with the
        policies in force carried (see :func:`~detente.engine.policies.carry`).
    offered : uint64[size, WM]
        Written. ``offers`` as words (the scratch's ``remaining``, which clearing shrinks).
    open_ : uint64[size, WK]
        Written. The slots available to the episode this round: its
        stage's, less the one-off slots it has taken, and the counter-actions
        whose target is in force or taken.
    out_trembled : bool[B, K]
        Written, rows ``lo`` to ``lo + size``. Outright choices the trembling hand flipped.

    Returns
    -------
    (int, int, int)
        ``(OK, 0, 0)``; ``(BAD_ACTION, b, k)`` for the first episode ``b``
        that takes an unavailable slot ``k`` (the tile is then incomplete);
        else ``(BAD_OFFER, b, m)`` for the first that offers a commitment
        ``m`` whose action is unavailable.
    """
    bad_b, bad_m = -1, 0
    n_slots = actions.shape[1]
    for i in range(keys.shape[0]):
        b = lo + i
        key = episode_key(seed, episodes[b], rnd)
        keys[i] = key
        stage = old_stage[b]
        pack(old_taken[b], taken[i])
        pack(actions[b], outright[i])
        pack(offers[b], offered[i])
        for w in range(open_.shape[1]):
            open_[i, w] = stage_slot_bits[stage, w] & (repeatable_bits[w] | ~taken[i, w])
        if policies:
            pack(old_policy[b], policy[i])
            open_counters(
                counter_slot, counter_reverses, counter_target_bits, policy[i], taken[i], open_[i]
            )
        for w in range(open_.shape[1]):
            unavailable = outright[i, w] & ~open_[i, w]
            if unavailable:
                return BAD_ACTION, b, w * 64 + lowest(unavailable)
        if bad_b < 0:
            bad_m = _first_closed_offer(com_slot, offered[i], open_[i])
            bad_b = b if bad_m >= 0 else -1
        if tremble > 0:
            _tremble(key, tremble, open_[i], outright[i], out_trembled[b])
        else:
            for k in range(n_slots):
                out_trembled[b, k] = False
        if policies:
            carry(standing_slot, standing_stop_bits, policy[i], outright[i])
    if bad_b >= 0:
        return BAD_OFFER, bad_b, bad_m
    return OK, 0, 0
