"""Monitoring and trust: who perceives what, and what they conclude.

Each observer sees its own actions exactly and each other party's executed
action with probability 1 - miss; an action not taken is perceived anyway
with probability false_alarm. Both are sampled by their count (one draw
against a Binomial CDF, usually 0) and then which ones, so the cost grows
with what was misperceived, not with the number of (observer, slot) pairs.

Trust of i in j is a beta-reputation estimate (Josang and Ismail, 2002):
cooperative and hostile evidence, each discounted by a forgetting factor per
round, on top of a prior that does not fade.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from detente.engine.bits import bit, count_bits, has, lowest, nth_bit
from detente.engine.jit import inlined, inner
from detente.engine.rng import STREAM_FALSE_ALARM, STREAM_MISS, draw_at, ticks_at


@inlined
def _fresh(
    key: np.uint64, stream: int, o: int, nth: int, i: int, n: int, picks: NDArray[np.int64]
) -> tuple[int, int]:
    """The ``i``-th of distinct uniform picks from ``range(n)``, and the stream's next position.

    Drawn at positions ``nth``, ``nth + 1``, ... of the observer's stream
    until the pick differs from ``picks[:i]``, where it is then kept.
    """
    while True:
        k = int(draw_at(key, stream, o, nth) * n)
        nth += 1
        fresh = True
        for q in range(i):
            fresh = fresh and picks[q] != k
        if fresh:
            break
    picks[i] = k
    return k, nth


@inlined
def _miss(
    key: np.uint64,
    o: int,
    own: NDArray[np.uint64],
    cdf: NDArray[np.int64],
    executed: NDArray[np.uint64],
    picks: NDArray[np.int64],
    perceived: NDArray[np.bool_],
    seen: NDArray[np.uint64],
) -> bool:
    """Observer ``o`` misses some of the others' executed slots; whether it missed any.

    Of the n such slots, Binomial(n, miss) are missed: one draw against row n
    of the observer's CDF table (``cdf``, ``[K + 1, K + 1]``) gives the count,
    usually 0, then that many distinct ones are picked.
    """
    n = 0
    for w in range(seen.shape[0]):
        n += count_bits(executed[w] & ~own[w])
    u = ticks_at(key, STREAM_MISS, o, 0)
    count = 0
    while count < n and u >= cdf[n, count]:
        count += 1
    nth = 1
    for i in range(count):
        r, nth = _fresh(key, STREAM_MISS, o, nth, i, n, picks)
        for w in range(seen.shape[0]):
            x = executed[w] & ~own[w]
            here = count_bits(x)
            if r < here:
                k = w * 64 + nth_bit(x, r)
                perceived[k] = False
                seen[w] &= ~bit(k)
                break
            r -= here
    return count > 0


@inlined
def _alarm(
    key: np.uint64,
    o: int,
    slot_party: NDArray[np.int64],
    cdf: NDArray[np.int64],
    executed: NDArray[np.uint64],
    picks: NDArray[np.int64],
    perceived: NDArray[np.bool_],
    seen: NDArray[np.uint64],
) -> bool:
    """Observer ``o`` imagines slots not taken; whether it imagined any.

    Every slot is a Bernoulli(fa) candidate (an alarm landing on an own or
    executed slot is void), so their number is Binomial(K, fa): one draw
    against the observer's CDF (``cdf``, ``[K + 1]``), then which ones.
    """
    u = ticks_at(key, STREAM_FALSE_ALARM, o, 0)
    n_slots = perceived.shape[0]
    count = 0
    while count < n_slots and u >= cdf[count]:
        count += 1
    nth = 1
    imagined = False
    for i in range(count):
        k, nth = _fresh(key, STREAM_FALSE_ALARM, o, nth, i, n_slots, picks)
        if slot_party[k] != o and not has(executed, k):
            perceived[k] = True
            seen[k >> 6] |= bit(k)
            imagined = True
    return imagined


@inlined
def _perceive(
    slot_party: NDArray[np.int64],
    party_slot_bits: NDArray[np.uint64],
    miss_ticks: NDArray[np.int64],
    miss_rate: NDArray[np.int64],
    miss_cdf: NDArray[np.int64],
    false_alarm_cdf: NDArray[np.int64],
    evidence_pos: NDArray[np.float64],
    evidence_neg: NDArray[np.float64],
    restraint: float,
    key: np.uint64,
    executed: NDArray[np.uint64],
    perceived: NDArray[np.bool_],
    sums: NDArray[np.float64],
    good: NDArray[np.float64],
    hostile: NDArray[np.float64],
    seen: NDArray[np.uint64],
    picks: NDArray[np.int64],
) -> None:
    """One episode's perception by every observer, and the evidence it gives about each party.

    ``perceived`` (``[P, K]``) must hold the executed slots in every row on
    entry. The evidence of observers who perceived exactly what was
    executed is summed once (``sums`` rows 0 and 1, rows 2 and 3 for the
    others); ``good`` and ``hostile`` (``[P * P]``) receive this round's
    cooperative and hostile evidence of each observer about each party.

    One observer's perception goes to ``perceived[o]`` (bools) and ``seen``
    (words), through :func:`_miss` and :func:`_alarm`. ``picks`` is scratch
    space of K entries.
    """
    n_parties = perceived.shape[0]
    shared = False
    for o in range(n_parties):
        exact = True
        for w in range(seen.shape[0]):
            seen[w] = executed[w]
        if miss_ticks[o] > 0 and _miss(
            key, o, party_slot_bits[o], miss_cdf[miss_rate[o]], executed, picks, perceived[o], seen
        ):
            exact = False
        if _alarm(key, o, slot_party, false_alarm_cdf[o], executed, picks, perceived[o], seen):
            exact = False

        # This round's evidence about each party, summed over the perceived
        # slots in slot order: cooperative in ``sums[row]``, hostile in ``sums[row + 1]``.
        row = 0 if exact else 2
        if not (exact and shared):
            for j in range(sums.shape[1]):
                sums[row, j] = 0.0
                sums[row + 1, j] = 0.0
            for w in range(seen.shape[0]):
                x = seen[w]
                while x:
                    k = w * 64 + lowest(x)
                    x &= x - np.uint64(1)
                    sums[row, slot_party[k]] += evidence_pos[k]
                    sums[row + 1, slot_party[k]] += evidence_neg[k]
            shared = shared or exact
        for j in range(n_parties):
            neg = sums[row + 1, j]
            good[o * n_parties + j] = sums[row, j] + restraint * (neg == 0.0)
            hostile[o * n_parties + j] = neg


@inner
def observe_tile(
    slot_party: NDArray[np.int64],
    party_slot_bits: NDArray[np.uint64],
    miss_ticks: NDArray[np.int64],
    miss_rate: NDArray[np.int64],
    miss_cdf: NDArray[np.int64],
    false_alarm_cdf: NDArray[np.int64],
    evidence_pos: NDArray[np.float64],
    evidence_neg: NDArray[np.float64],
    prior_pos: NDArray[np.float64],
    prior_neg: NDArray[np.float64],
    forgetting: float,
    restraint: float,
    lo: int,
    keys: NDArray[np.uint64],
    executed: NDArray[np.uint64],
    n_executed: NDArray[np.bool_],
    s_ev_pos: NDArray[np.float64],
    s_ev_neg: NDArray[np.float64],
    perceived: NDArray[np.bool_],
    ev_pos: NDArray[np.float64],
    ev_neg: NDArray[np.float64],
    trust: NDArray[np.float64],
    sums: NDArray[np.float64],
    good: NDArray[np.float64],
    hostile: NDArray[np.float64],
    seen: NDArray[np.uint64],
    picks: NDArray[np.int64],
) -> None:
    """Perception, evidence and trust for the tile's episodes (``lo`` onwards, one per key).

    ``s_ev_*`` are the evidence before the round, ``ev_*`` and ``trust``
    receive it after, all as flat ``[B * P * P]`` views; ``good``,
    ``hostile`` and the priors hold ``P * P`` entries per episode of the
    tile (the priors the same for each). Every (observer, party) entry of
    the tile is then updated by one flat loop without branches (LLVM
    vectorises it), which mispredicts far less than a loop per observer
    with the diagonal and the restraint bonus as branches.
    """
    n_parties, n_slots = perceived.shape[1], perceived.shape[2]
    pp = n_parties * n_parties
    tile = keys.shape[0]
    for i in range(tile):
        b = lo + i
        for o in range(n_parties):
            for k in range(n_slots):
                perceived[b, o, k] = n_executed[b, k]
        _perceive(
            slot_party,
            party_slot_bits,
            miss_ticks,
            miss_rate,
            miss_cdf,
            false_alarm_cdf,
            evidence_pos,
            evidence_neg,
            restraint,
            keys[i],
            executed[i],
            perceived[b],
            sums,
            good[i * pp : (i + 1) * pp],
            hostile[i * pp : (i + 1) * pp],
            seen,
            picks,
        )
    start, stop, entries = lo * pp, (lo + tile) * pp, tile * pp
    _update_trust(
        forgetting,
        good[:entries],
        hostile[:entries],
        prior_pos[:entries],
        prior_neg[:entries],
        s_ev_pos[start:stop],
        s_ev_neg[start:stop],
        ev_pos[start:stop],
        ev_neg[start:stop],
        trust[start:stop],
    )
    for i in range(tile):
        for o in range(n_parties):
            d = start + i * pp + o * n_parties + o
            trust[d] = 1.0
            ev_pos[d] = s_ev_pos[d]
            ev_neg[d] = s_ev_neg[d]


@inlined
def _update_trust(
    forgetting: float,
    good: NDArray[np.float64],
    hostile: NDArray[np.float64],
    prior_pos: NDArray[np.float64],
    prior_neg: NDArray[np.float64],
    ev_pos_before: NDArray[np.float64],
    ev_neg_before: NDArray[np.float64],
    ev_pos: NDArray[np.float64],
    ev_neg: NDArray[np.float64],
    trust: NDArray[np.float64],
) -> None:
    """Evidence and trust of the tile's (observer, party) entries: one flat, branch-free loop.

    Views indexed from 0 let LLVM drop numba's negative-index wraparound
    and vectorise the loop; the priors come repeated once per episode.
    """
    for e in range(good.shape[0]):
        p = forgetting * ev_pos_before[e] + good[e]
        n = forgetting * ev_neg_before[e] + hostile[e]
        ev_pos[e] = p
        ev_neg[e] = n
        a = p + prior_pos[e]
        trust[e] = a / (a + n + prior_neg[e])
