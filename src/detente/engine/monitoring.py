"""Monitoring and trust: who perceives what, and what they conclude.

Each observer sees its own actions exactly and each other party's executed
action with probability 1 - miss; an action not taken is perceived anyway
with probability false_alarm. False alarms are sampled by geometric skipping
over the candidates, so the cost grows with the number of alarms, not with
the number of (observer, slot) pairs.

Trust of i in j is a beta-reputation estimate (Josang and Ismail, 2002):
cooperative and hostile evidence, each discounted by a forgetting factor per
round, on top of a prior that does not fade.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit
from numpy.typing import NDArray

from detente.engine.rng import STREAM_FALSE_ALARM, STREAM_MISS, draw
from detente.scenario.compiled import Tables


@njit(cache=True)
def perceive_episode(
    t: Tables,
    seed: np.uint64,
    episode: int,
    rnd: int,
    executed: NDArray[np.bool_],
    perceived: NDArray[np.bool_],
) -> None:
    """Fill ``perceived[observer, slot]`` for one episode and round."""
    n_parties, n_slots = perceived.shape
    for o in range(n_parties):
        miss = t.miss[o]
        n_cand = 0
        for k in range(n_slots):
            if t.slot_party[k] == o:
                perceived[o, k] = executed[k]
            elif executed[k]:
                seen = True
                if miss > 0.0:
                    seen = draw(seed, episode, rnd, STREAM_MISS, o, k) >= miss
                perceived[o, k] = seen
            else:
                perceived[o, k] = False
                n_cand += 1
        fa = t.false_alarm[o]
        if fa <= 0.0 or n_cand == 0:
            continue
        log_keep = math.log1p(-fa) if fa < 1.0 else -math.inf
        target = -1
        cand = -1
        n = 0
        k = 0
        while True:
            u = draw(seed, episode, rnd, STREAM_FALSE_ALARM, o, n)
            n += 1
            gap = 0.0 if fa >= 1.0 else math.floor(math.log1p(-u) / log_keep)
            if target + 1 + gap >= n_cand:
                break
            target += 1 + int(gap)
            while cand < target:
                if t.slot_party[k] != o and not executed[k]:
                    cand += 1
                k += 1
            perceived[o, k - 1] = True


@njit(cache=True)
def update_trust_episode(
    t: Tables,
    perceived: NDArray[np.bool_],
    ev_pos: NDArray[np.float64],
    ev_neg: NDArray[np.float64],
    trust: NDArray[np.float64],
) -> None:
    """Discount old evidence, add this round's, and recompute trust, in place."""
    n_parties = perceived.shape[0]
    lam = t.forgetting
    for i in range(n_parties):
        for j in range(n_parties):
            if i == j:
                trust[i, j] = 1.0
                continue
            pos = 0.0
            neg = 0.0
            for q in range(t.party_slot_ptr[j], t.party_slot_ptr[j + 1]):
                k = t.party_slot[q]
                if perceived[i, k]:
                    pos += t.evidence_pos[k]
                    neg += t.evidence_neg[k]
            if neg == 0.0:
                pos += t.restraint_evidence
            ev_pos[i, j] = lam * ev_pos[i, j] + pos
            ev_neg[i, j] = lam * ev_neg[i, j] + neg
            a = ev_pos[i, j] + t.prior_pos[i, j]
            trust[i, j] = a / (a + ev_neg[i, j] + t.prior_neg[i, j])
