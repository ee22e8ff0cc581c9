"""Monitoring and trust: who perceives what, and what they conclude.

Each observer sees its own actions exactly and each other party's executed
action with probability 1 - miss; an action not taken is perceived anyway
with probability false_alarm. False alarms are sampled by their count, so the
cost grows with the number of alarms, not with the number of (observer,
slot) pairs.

Trust of i in j is a beta-reputation estimate (Josang and Ismail, 2002):
cooperative and hostile evidence, each discounted by a forgetting factor per
round, on top of a prior that does not fade.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from detente.engine.rng import STREAM_FALSE_ALARM, STREAM_MISS, draw_at


@njit(cache=True, error_model="numpy")
def perceive_episode(
    slot_party: NDArray[np.int64],
    miss: NDArray[np.float64],
    false_alarm_cdf: NDArray[np.float64],
    key: np.uint64,
    executed: NDArray[np.bool_],
    perceived: NDArray[np.bool_],
    picks: NDArray[np.int64],
) -> None:
    """Fill ``perceived[observer, slot]`` for one episode and round (``key``: its draws).

    False alarms: with every slot a Bernoulli(fa) candidate (an alarm landing
    on an own or executed slot is void), their number is Binomial(K, fa); one
    uniform against the precomputed CDF draws it (usually 0), then that many
    distinct slots are drawn. ``picks`` is scratch space of K entries.
    """
    n_parties, n_slots = perceived.shape
    for o in range(n_parties):
        p_miss = miss[o]
        for k in range(n_slots):
            seen = executed[k]
            if seen and p_miss > 0.0 and slot_party[k] != o:
                seen = draw_at(key, STREAM_MISS, o, k) >= p_miss
            perceived[o, k] = seen
        cdf = false_alarm_cdf[o]
        u = draw_at(key, STREAM_FALSE_ALARM, o, 0)
        count = 0
        while count < n_slots and u >= cdf[count]:
            count += 1
        n = 1
        for j in range(count):
            while True:
                k = int(draw_at(key, STREAM_FALSE_ALARM, o, n) * n_slots)
                n += 1
                fresh = True
                for q in range(j):
                    fresh = fresh and picks[q] != k
                if fresh:
                    break
            picks[j] = k
            if slot_party[k] != o and not executed[k]:
                perceived[o, k] = True


@njit(cache=True, error_model="numpy")
def update_trust_episode(
    slot_party: NDArray[np.int64],
    evidence_pos: NDArray[np.float64],
    evidence_neg: NDArray[np.float64],
    prior_pos: NDArray[np.float64],
    prior_neg: NDArray[np.float64],
    forgetting: float,
    restraint: float,
    perceived: NDArray[np.bool_],
    ev_pos: NDArray[np.float64],
    ev_neg: NDArray[np.float64],
    trust: NDArray[np.float64],
    pos: NDArray[np.float64],
    neg: NDArray[np.float64],
) -> None:
    """Discount old evidence, add this round's, and recompute trust, in place.

    ``pos`` and ``neg`` are scratch space of one entry per party.
    """
    n_parties, n_slots = perceived.shape
    for i in range(n_parties):
        for j in range(n_parties):
            pos[j] = 0.0
            neg[j] = 0.0
        for k in range(n_slots):
            if perceived[i, k]:
                pos[slot_party[k]] += evidence_pos[k]
                neg[slot_party[k]] += evidence_neg[k]
        for j in range(n_parties):
            if i == j:
                trust[i, j] = 1.0
                continue
            good = pos[j] + restraint if neg[j] == 0.0 else pos[j]
            ev_pos[i, j] = forgetting * ev_pos[i, j] + good
            ev_neg[i, j] = forgetting * ev_neg[i, j] + neg[j]
            a = ev_pos[i, j] + prior_pos[i, j]
            trust[i, j] = a / (a + ev_neg[i, j] + prior_neg[i, j])
