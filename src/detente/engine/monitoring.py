"""Monitoring and trust: who perceives what, and what they conclude.

Each observer sees its own actions exactly and each other party's executed
action with probability 1 - miss; an action not taken is perceived anyway
with probability false_alarm. Only executed slots of other parties need a
miss draw, and false alarms are sampled by their count, so the cost grows
with what happened, not with the number of (observer, slot) pairs.

Trust of i in j is a beta-reputation estimate (Josang and Ismail, 2002):
cooperative and hostile evidence, each discounted by a forgetting factor per
round, on top of a prior that does not fade.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from detente.engine.bits import bit, has, lowest
from detente.engine.jit import inlined, inner
from detente.engine.rng import STREAM_FALSE_ALARM, STREAM_MISS, draw_at


@inner
def observe_episode(
    slot_party: NDArray[np.int64],
    party_slot_bits: NDArray[np.uint64],
    miss: NDArray[np.float64],
    false_alarm_cdf: NDArray[np.float64],
    evidence_pos: NDArray[np.float64],
    evidence_neg: NDArray[np.float64],
    prior_pos: NDArray[np.float64],
    prior_neg: NDArray[np.float64],
    forgetting: float,
    restraint: float,
    key: np.uint64,
    executed: NDArray[np.uint64],
    b: int,
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
    """Perception by every observer, then evidence and trust, for episode ``b``.

    ``perceived[b]`` must hold the executed slots in every row on entry.
    ``s_ev_*`` are the evidence before the round, ``ev_*`` and ``trust``
    receive it after, all as ``[B, P * P]`` views (and the priors as
    ``[P * P]``): each observer's cooperative and hostile evidence goes to
    ``good`` and ``hostile`` first, then one flat loop without branches
    updates every pair, which mispredicts far less than a loop per observer
    with the diagonal and the restraint bonus as branches. The evidence of
    observers who perceived exactly what was executed is summed once
    (``sums`` rows 0 and 1, rows 2 and 3 for the others).

    One observer's perception goes to ``perceived[b, o]`` (bools) and
    ``seen`` (words). False alarms: with every slot a Bernoulli(fa)
    candidate (an alarm landing on an own or executed slot is void), their
    number is Binomial(K, fa); one uniform against the precomputed CDF draws
    it (usually 0), then that many distinct slots are drawn. ``picks`` is
    scratch space of K entries. The observer loop is one function: as calls
    per observer, passing a dozen arrays cost more than the perception.
    """
    n_parties, n_slots = perceived.shape[1], perceived.shape[2]
    shared = False
    for o in range(n_parties):
        exact = True
        for w in range(seen.shape[0]):
            seen[w] = executed[w]
        p_miss = miss[o]
        if p_miss > 0.0:
            for w in range(seen.shape[0]):
                x = executed[w] & ~party_slot_bits[o, w]
                while x:
                    k = w * 64 + lowest(x)
                    x &= x - np.uint64(1)
                    if draw_at(key, STREAM_MISS, o, k) < p_miss:
                        perceived[b, o, k] = False
                        seen[w] &= ~bit(k)
                        exact = False
        u = draw_at(key, STREAM_FALSE_ALARM, o, 0)
        count = 0
        while count < n_slots and u >= false_alarm_cdf[o, count]:
            count += 1
        nth = 1
        for i in range(count):
            while True:
                k = int(draw_at(key, STREAM_FALSE_ALARM, o, nth) * n_slots)
                nth += 1
                fresh = True
                for q in range(i):
                    fresh = fresh and picks[q] != k
                if fresh:
                    break
            picks[i] = k
            if slot_party[k] != o and not has(executed, k):
                perceived[b, o, k] = True
                seen[k >> 6] |= bit(k)
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
    _update_trust(
        forgetting,
        good,
        hostile,
        prior_pos,
        prior_neg,
        s_ev_pos[b],
        s_ev_neg[b],
        ev_pos[b],
        ev_neg[b],
        trust[b],
    )
    for o in range(n_parties):
        d = o * n_parties + o
        trust[b, d] = 1.0
        ev_pos[b, d] = s_ev_pos[b, d]
        ev_neg[b, d] = s_ev_neg[b, d]


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
    """Evidence and trust of every (observer, party) entry: one flat, branch-free loop."""
    for i in range(good.shape[0]):
        p = forgetting * ev_pos_before[i] + good[i]
        n = forgetting * ev_neg_before[i] + hostile[i]
        ev_pos[i] = p
        ev_neg[i] = n
        a = p + prior_pos[i]
        trust[i] = a / (a + n + prior_neg[i])
