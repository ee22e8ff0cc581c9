"""Monitoring and trust: who perceives what, and what they conclude.

Each observer sees its own actions exactly and each other party's executed
action with probability 1 - miss; an action not taken is perceived anyway
with probability false_alarm. Both are sampled by their count (one draw
against a Binomial CDF, usually 0) and then which ones, so the cost grows
with what was misperceived, not with the number of (observer, slot) pairs.

Trust of i in j is a beta-reputation estimate (Josang and Ismail, 2002):
cooperative and hostile evidence, each discounted by a forgetting factor per
round, on top of a prior that does not fade. The evidence of a perceived act
is i's reading of it (:mod:`detente.scenario.outcomes`): the action's
intensity, i's own reading of j's act, or, when the act failed this round,
the reading of its failure.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from detente.engine.bits import bit, count_bits, has, lowest, nth_bit
from detente.engine.jit import inlined, inner
from detente.engine.rng import STREAM_FALSE_ALARM, STREAM_MISS, draw_at, ticks_at


@inlined
def _fresh(
    key: np.uint64,
    stream: int,
    o: int,
    nth: int,
    picked: int,
    size: int,
    picks: NDArray[np.int64],
) -> tuple[int, int]:
    """A uniform pick from ``range(size)`` unlike the ``picked`` before it, and the next position.

    Drawn at positions ``nth``, ``nth + 1``, ... of the observer's stream
    until the pick differs from ``picks[:picked]``; it is then kept in
    ``picks[picked]``.

    Parameters
    ----------
    key : uint64
        The episode's random key this round.
    stream : int
        ``STREAM_MISS`` or ``STREAM_FALSE_ALARM``.
    o : int
        The observer, the draws' first coordinate.
    nth : int
        The next unused position of the observer's stream.
    picked : int
        How many distinct picks ``picks`` holds already.
    size : int
        The picks' range.
    picks : int64[K]
        Read, and written at ``picked``.
    """
    while True:
        pick = int(draw_at(key, stream, o, nth) * size)
        nth += 1
        fresh = True
        for earlier in range(picked):
            fresh = fresh and picks[earlier] != pick
        if fresh:
            break
    picks[picked] = pick
    return pick, nth


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
    of the observer's CDF table gives the count, usually 0, then that many
    distinct ones are picked.

    Parameters
    ----------
    key : uint64
        The episode's random key this round.
    o : int
        The observer.
    own : uint64[WK]
        Read. The observer's own slots, which it never misses.
    cdf : int64[K + 1, K + 1]
        Read. Row n: the CDF of Binomial(n, the observer's miss rate), in ticks.
    executed : uint64[WK]
        Read. The episode's executed slots.
    picks : int64[K]
        Scratch.
    perceived : bool[K]
        Written where a slot is missed. The observer's row of ``StateArrays.perceived``.
    seen : uint64[WK]
        Read and written. The observer's perceived slots, the missed ones removed.
    """
    n_seen = 0
    for w in range(seen.shape[0]):
        n_seen += count_bits(executed[w] & ~own[w])
    u = ticks_at(key, STREAM_MISS, o, 0)
    count = 0
    while count < n_seen and u >= cdf[n_seen, count]:
        count += 1
    nth = 1
    for picked in range(count):
        rank, nth = _fresh(key, STREAM_MISS, o, nth, picked, n_seen, picks)
        for w in range(seen.shape[0]):
            x = executed[w] & ~own[w]
            here = count_bits(x)
            if rank < here:
                k = w * 64 + nth_bit(x, rank)
                perceived[k] = False
                seen[w] &= ~bit(k)
                break
            rank -= here
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
    against the observer's CDF, then which ones.

    Parameters
    ----------
    key, o, executed, picks
        As for :func:`_miss`.
    slot_party : int64[K]
        Read. The party of each slot.
    cdf : int64[K + 1]
        Read. The CDF of Binomial(K, the observer's false-alarm rate), in ticks.
    perceived : bool[K]
        Written where a slot is imagined (see :func:`_miss`).
    seen : uint64[WK]
        Read and written. The observer's perceived slots, the imagined ones added.
    """
    u = ticks_at(key, STREAM_FALSE_ALARM, o, 0)
    n_slots = perceived.shape[0]
    count = 0
    while count < n_slots and u >= cdf[count]:
        count += 1
    nth = 1
    imagined = False
    for picked in range(count):
        k, nth = _fresh(key, STREAM_FALSE_ALARM, o, nth, picked, n_slots, picks)
        if slot_party[k] != o and not has(executed, k):
            perceived[k] = True
            seen[k >> 6] |= bit(k)
            imagined = True
    return imagined


@inlined
def _tally(
    slot_party: NDArray[np.int64],
    evidence: NDArray[np.float64],
    o: int,
    seen: NDArray[np.uint64],
    failing: NDArray[np.uint64],
    fails: bool,
    sums: NDArray[np.float64],
    row: int,
) -> None:
    """Add observer ``o``'s evidence about each party: ``sums[row]`` cooperative, ``sums[row + 1]``
    hostile, over the perceived slots in slot order, then over the failing ones in slot order.

    Parameters
    ----------
    slot_party : int64[K]
        Read. The party of each slot.
    evidence : float64[4, P, K]
        Read. Observer ``o``'s cooperative and hostile evidence of each slot
        executed (rows 0 and 1), and failed (rows 2 and 3).
    o : int
        The observer.
    seen : uint64[WK]
        Read. The observer's perceived slots.
    failing : uint64[WK]
        Read. The slots failing this round.
    fails : bool
        Whether any slot is failing (without, the second pass is skipped).
    sums : float64[4, P]
        Read and written, rows ``row`` and ``row + 1``.
    row : int
        0 or 2 (see :func:`_perceive`).
    """
    pos, neg = evidence[0, o], evidence[1, o]
    for w in range(seen.shape[0]):
        x = seen[w] & ~failing[w] if fails else seen[w]
        while x:
            k = w * 64 + lowest(x)
            x &= x - np.uint64(1)
            sums[row, slot_party[k]] += pos[k]
            sums[row + 1, slot_party[k]] += neg[k]
    if fails:
        pos, neg = evidence[2, o], evidence[3, o]
        for w in range(seen.shape[0]):
            x = seen[w] & failing[w]
            while x:
                k = w * 64 + lowest(x)
                x &= x - np.uint64(1)
                sums[row, slot_party[k]] += pos[k]
                sums[row + 1, slot_party[k]] += neg[k]


@inlined
def _perceive(
    slot_party: NDArray[np.int64],
    party_slot_bits: NDArray[np.uint64],
    miss_ticks: NDArray[np.int64],
    miss_rate: NDArray[np.int64],
    miss_cdf: NDArray[np.int64],
    false_alarm_cdf: NDArray[np.int64],
    evidence: NDArray[np.float64],
    own_reading: NDArray[np.bool_],
    restraint: float,
    key: np.uint64,
    executed: NDArray[np.uint64],
    failing: NDArray[np.uint64],
    perceived: NDArray[np.bool_],
    sums: NDArray[np.float64],
    good: NDArray[np.float64],
    hostile: NDArray[np.float64],
    seen: NDArray[np.uint64],
    picks: NDArray[np.int64],
) -> None:
    """One episode's perception by every observer, and the evidence it gives about each party.

    The evidence of observers who perceived exactly what was executed and
    read every act by its action's intensity is summed once; an observer
    with readings of its own (:mod:`detente.scenario.outcomes`) sums its
    own. A failing slot is read with the observer's failure reading. One
    observer's perception goes to ``perceived[o]`` (flags) and ``seen``
    (words), through :func:`_miss` and :func:`_alarm`.

    Parameters
    ----------
    slot_party : int64[K]
        Read. The party of each slot.
    party_slot_bits : uint64[P, WK]
        Read. Each party's own slots.
    miss_ticks : int64[P]
        Read. Each observer's miss rate, in ticks (0: it misses nothing).
    miss_rate : int64[P]
        Read. Each observer's table in ``miss_cdf``.
    miss_cdf : int64[R, K + 1, K + 1]
        Read. Per distinct miss rate, row n: the CDF of Binomial(n, rate), in ticks.
    false_alarm_cdf : int64[P, K + 1]
        Read. Per observer, the CDF of Binomial(K, its false-alarm rate), in ticks.
    evidence : float64[4, P, K]
        Read. Each observer's cooperative and hostile evidence of each slot
        perceived (rows 0 and 1) and perceived failing (rows 2 and 3); the
        rows of observers without readings of their own are all the same.
    own_reading : bool[P]
        Read. Whether each observer has readings of its own.
    restraint : float
        The cooperative evidence of a party none of whose hostile acts is perceived.
    key : uint64
        The episode's random key this round.
    executed : uint64[WK]
        Read. The episode's executed slots.
    failing : uint64[WK]
        Read. The episode's failing slots (:func:`~detente.engine.outcomes.judge_tile`).
    perceived : bool[P, K]
        Read and written. The episode's row of ``StateArrays.perceived``:
        the executed slots in every row on entry, each observer's perception on return.
    sums : float64[4, P]
        Scratch. Evidence per party, cooperative and hostile: rows 0 and 1
        for the observers who perceived exactly what was executed (summed
        once), rows 2 and 3 for an observer who did not.
    good, hostile : float64[P * P]
        Written. This round's cooperative and hostile evidence of each
        observer ``o`` about each party ``p``, at entry ``o * P + p``.
    seen : uint64[WK]
        Scratch. One observer's perceived slots.
    picks : int64[K]
        Scratch.
    """
    n_parties = perceived.shape[0]
    shared = False
    fails = False
    for w in range(failing.shape[0]):
        fails = fails or failing[w] != 0
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

        # This round's evidence about each party: cooperative in ``sums[row]``,
        # hostile in ``sums[row + 1]``; rows 0 and 1 are shared by the common readers.
        own = own_reading[o]
        common = exact and not own
        row = 0 if common else 2
        if not (common and shared):
            for p in range(sums.shape[1]):
                sums[row, p] = 0.0
                sums[row + 1, p] = 0.0
            _tally(slot_party, evidence, o, seen, failing, fails, sums, row)
            shared = shared or common
        for p in range(n_parties):
            neg = sums[row + 1, p]
            good[o * n_parties + p] = sums[row, p] + restraint * (neg == 0.0)
            hostile[o * n_parties + p] = neg


@inner
def observe_tile(
    slot_party: NDArray[np.int64],
    party_slot_bits: NDArray[np.uint64],
    miss_ticks: NDArray[np.int64],
    miss_rate: NDArray[np.int64],
    miss_cdf: NDArray[np.int64],
    false_alarm_cdf: NDArray[np.int64],
    evidence: NDArray[np.float64],
    own_reading: NDArray[np.bool_],
    prior_pos: NDArray[np.float64],
    prior_neg: NDArray[np.float64],
    forgetting: float,
    restraint: float,
    lo: int,
    keys: NDArray[np.uint64],
    executed: NDArray[np.uint64],
    failing: NDArray[np.uint64],
    new_executed: NDArray[np.bool_],
    old_ev_pos: NDArray[np.float64],
    old_ev_neg: NDArray[np.float64],
    new_perceived: NDArray[np.bool_],
    new_ev_pos: NDArray[np.float64],
    new_ev_neg: NDArray[np.float64],
    new_trust: NDArray[np.float64],
    sums: NDArray[np.float64],
    good: NDArray[np.float64],
    hostile: NDArray[np.float64],
    seen: NDArray[np.uint64],
    picks: NDArray[np.int64],
) -> None:
    """Perception, evidence and trust for the tile's episodes (``lo`` onwards, one per key).

    Every (observer, party) entry of the tile is updated by one flat loop
    without branches (LLVM vectorises it), which mispredicts far less than
    a loop per observer with the diagonal and the restraint bonus as branches.
    Entry ``e = (b * P + o) * P + p`` of a flat view is observer ``o``'s
    evidence or trust about party ``p`` in episode ``b``.

    Parameters
    ----------
    slot_party, party_slot_bits, miss_ticks, miss_rate, miss_cdf, false_alarm_cdf
        Read. Who owns which slot, and the noise (see :func:`_perceive`).
    evidence, own_reading
        Read. How observers read what they perceive (see :func:`_perceive`).
    prior_pos, prior_neg : float64[TILE * P * P]
        Read. The cooperative and hostile priors, repeated for each episode of a tile.
    forgetting : float
        The factor by which evidence decays each round.
    restraint : float
        The cooperative evidence of a party none of whose hostile acts is perceived.
    lo : int
        The tile's first episode; tile row ``i`` is episode ``b = lo + i``.
    keys : uint64[size]
        Read. Each episode's random key this round.
    executed : uint64[size, WK]
        Read. The slots executed this round.
    failing : uint64[size, WK]
        Read. The slots failing this round.
    new_executed : bool[B, K]
        Read, rows ``lo`` to ``lo + size``. ``executed`` as flags.
    old_ev_pos, old_ev_neg : float64[B * P * P]
        Read. The evidence before the round, flat.
    new_perceived : bool[B, P, K]
        Written, rows ``lo`` to ``lo + size``. Each observer's perception.
    new_ev_pos, new_ev_neg, new_trust : float64[B * P * P]
        Written, the tile's entries. The evidence and trust after the round,
        flat (a party's trust in itself is 1, its evidence unchanged).
    sums : float64[4, P]
        Scratch (see :func:`_perceive`).
    good, hostile : float64[TILE * P * P]
        Scratch. This round's evidence, per entry of the tile.
    seen : uint64[WK]
        Scratch. One observer's perceived slots.
    picks : int64[K]
        Scratch.
    """
    n_parties, n_slots = new_perceived.shape[1], new_perceived.shape[2]
    pp = n_parties * n_parties
    tile = keys.shape[0]
    for i in range(tile):
        b = lo + i
        for o in range(n_parties):
            for k in range(n_slots):
                new_perceived[b, o, k] = new_executed[b, k]
        _perceive(
            slot_party,
            party_slot_bits,
            miss_ticks,
            miss_rate,
            miss_cdf,
            false_alarm_cdf,
            evidence,
            own_reading,
            restraint,
            keys[i],
            executed[i],
            failing[i],
            new_perceived[b],
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
        old_ev_pos[start:stop],
        old_ev_neg[start:stop],
        new_ev_pos[start:stop],
        new_ev_neg[start:stop],
        new_trust[start:stop],
    )
    for i in range(tile):
        for o in range(n_parties):
            e = start + i * pp + o * n_parties + o
            new_trust[e] = 1.0
            new_ev_pos[e] = old_ev_pos[e]
            new_ev_neg[e] = old_ev_neg[e]


@inlined
def _update_trust(
    forgetting: float,
    good: NDArray[np.float64],
    hostile: NDArray[np.float64],
    prior_pos: NDArray[np.float64],
    prior_neg: NDArray[np.float64],
    old_ev_pos: NDArray[np.float64],
    old_ev_neg: NDArray[np.float64],
    new_ev_pos: NDArray[np.float64],
    new_ev_neg: NDArray[np.float64],
    new_trust: NDArray[np.float64],
) -> None:
    """Evidence and trust of the tile's (observer, party) entries: one flat, branch-free loop.

    Views indexed from 0 let LLVM drop numba's negative-index wraparound
    and vectorise the loop. Every array holds the same ``N`` entries, those
    of the tile (``N = size * P * P``).

    Parameters
    ----------
    forgetting : float
        The factor by which evidence decays each round.
    good, hostile : float64[N]
        Read. This round's cooperative and hostile evidence.
    prior_pos, prior_neg : float64[N]
        Read. The priors, repeated per episode.
    old_ev_pos, old_ev_neg : float64[N]
        Read. The evidence before the round.
    new_ev_pos, new_ev_neg, new_trust : float64[N]
        Written. The evidence after the round, and trust from it.
    """
    for e in range(good.shape[0]):
        pos = forgetting * old_ev_pos[e] + good[e]
        neg = forgetting * old_ev_neg[e] + hostile[e]
        new_ev_pos[e] = pos
        new_ev_neg[e] = neg
        with_prior = pos + prior_pos[e]
        new_trust[e] = with_prior / (with_prior + neg + prior_neg[e])
