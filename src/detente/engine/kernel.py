"""One round for a batch of episodes: the compiled inner loop of the engine.

Episodes are independent, so the loop runs per episode and each episode's
randomness is addressed by its own id: a batch gives exactly what its
episodes give one by one.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from detente.engine.arrays import Outcome, StateArrays
from detente.engine.clearing import clear_episode, settle_deals
from detente.engine.monitoring import perceive_episode, update_trust_episode
from detente.engine.roadmap import (
    ADVANCE,
    BACK,
    NONE,
    RESUME,
    STALL,
    advance_tracks,
    criteria_met,
    transition,
)
from detente.scenario.compiled import Tables


@njit(cache=True)
def _payoff(t: Tables, executed: NDArray[np.bool_], out: NDArray[np.float64]) -> None:
    n_parties = out.shape[0]
    out[:] = t.base
    for k in range(executed.shape[0]):
        if executed[k]:
            for p in range(n_parties):
                out[p] += t.linear[k, p]
    for q in range(t.pair_k.shape[0]):
        if executed[t.pair_k[q]] and executed[t.pair_l[q]]:
            for p in range(n_parties):
                out[p] += t.pair_value[q, p]


@njit(cache=True)
def _success_criteria(
    t: Tables,
    n: StateArrays,
    b: int,
    calm: int,
    in_stage: int,
    executed: NDArray[np.bool_],
) -> bool:
    return criteria_met(
        t,
        t.success_crit,
        n.trust[b],
        calm,
        in_stage,
        n.in_force[b],
        n.track_level[b],
        n.taken[b],
        executed,
    )


@njit(cache=True)
def step_kernel(
    t: Tables,
    seed: np.uint64,
    rnd: int,
    episodes: NDArray[np.int64],
    s: StateArrays,
    actions: NDArray[np.bool_],
    offers: NDArray[np.bool_],
    n: StateArrays,
    o: Outcome,
) -> None:
    """Play round ``rnd`` (0-based) from state ``s`` into state ``n`` and outcome ``o``."""
    batch, n_slots = actions.shape
    weight = t.discount**rnd
    for b in range(batch):
        ep = episodes[b]
        executed = n.executed[b]
        clear_episode(t, actions[b], offers[b], o.cleared[b], executed)
        in_force = n.in_force[b]
        in_force[:] = s.in_force[b]
        settle_deals(t, o.cleared[b], executed, in_force, o.deal_cleared[b], o.violated[b])
        violation = False
        for d in range(in_force.shape[0]):
            violation = violation or o.violated[b, d]

        payoff = o.payoff[b]
        _payoff(t, executed, payoff)
        for p in range(payoff.shape[0]):
            n.total[b, p] = s.total[b, p] + payoff[p]
            n.discounted[b, p] = s.discounted[b, p] + weight * payoff[p]

        perceive_episode(t, seed, ep, rnd, executed, n.perceived[b])
        n.ev_pos[b] = s.ev_pos[b]
        n.ev_neg[b] = s.ev_neg[b]
        update_trust_episode(t, n.perceived[b], n.ev_pos[b], n.ev_neg[b], n.trust[b])

        provocations = 0
        for k in range(n_slots):
            if executed[k] and t.slot_provocation[k]:
                provocations += 1
            n.taken[b, k] = s.taken[b, k] or executed[k]
        calm = s.calm[b] + 1 if provocations == 0 else 0
        n.calm[b] = calm
        in_stage = s.rounds_in_stage[b] + 1
        n.track_level[b] = s.track_level[b]
        advance_tracks(
            t,
            n.trust[b],
            calm,
            in_stage,
            in_force,
            n.track_level[b],
            n.taken[b],
            executed,
            o.track_advanced[b],
        )

        stage = s.stage[b]
        stalled = s.stalled[b]
        kind, cause = transition(
            t,
            stage,
            stalled,
            in_stage,
            n.trust[b],
            calm,
            in_force,
            n.track_level[b],
            n.taken[b],
            executed,
            provocations,
            violation,
        )
        if kind == ADVANCE:
            stage += 1
        elif kind == BACK:
            stage -= 1
        elif kind == STALL:
            stalled = True
        elif kind == RESUME:
            stalled = False
        n.stage[b] = stage
        n.stalled[b] = stalled
        n.rounds_in_stage[b] = in_stage if kind == NONE else 0
        o.transition[b] = kind
        o.cause[b] = cause

        holding = (
            kind == NONE
            and not stalled
            and stage == t.n_stages - 1
            and _success_criteria(t, n, b, calm, in_stage, executed)
        )
        n.held[b] = s.held[b] + 1 if holding else 0
        reached = s.success_round[b] < 0 and n.held[b] >= t.success_hold
        o.success[b] = reached
        n.success_round[b] = rnd + 1 if reached else s.success_round[b]
