"""One round for a batch of episodes: the compiled inner loop of the engine.

Episodes are independent, so the loop runs per episode and each episode's
randomness is addressed by its own id: a batch gives exactly what its
episodes give one by one. Table and state fields are unpacked once per call,
outside the loop: numba pays for every read of a tuple field, not for plain
array arguments.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from detente.engine.arrays import Outcome, StateArrays
from detente.engine.clearing import clear_episode, settle_deals
from detente.engine.monitoring import perceive_episode, update_trust_episode
from detente.engine.rng import STREAM_TREMBLE, draw_at, episode_key
from detente.engine.roadmap import (
    ADVANCE,
    BACK,
    NONE,
    RESUME,
    STALL,
    advance_tracks,
    holds,
    transition,
)
from detente.scenario.compiled import Tables


@njit(cache=True, error_model="numpy")
def _tremble(
    tremble: float,
    available: NDArray[np.bool_],
    repeatable: NDArray[np.bool_],
    key: np.uint64,
    taken: NDArray[np.bool_],
    intended: NDArray[np.bool_],
    actual: NDArray[np.bool_],
    trembled: NDArray[np.bool_],
) -> None:
    """Flip each available outright choice with probability ``tremble``."""
    for k in range(intended.shape[0]):
        actual[k] = intended[k]
        trembled[k] = False
    if tremble <= 0.0:
        return
    for k in range(intended.shape[0]):
        if available[k] and (repeatable[k] or not taken[k]):
            if draw_at(key, STREAM_TREMBLE, 0, k) < tremble:
                actual[k] = not intended[k]
                trembled[k] = True


@njit(cache=True, error_model="numpy")
def _payoff(
    base: NDArray[np.float64],
    linear: NDArray[np.float64],
    pair_k: NDArray[np.int64],
    pair_l: NDArray[np.int64],
    pair_value: NDArray[np.float64],
    executed: NDArray[np.bool_],
    out: NDArray[np.float64],
) -> None:
    n_parties = out.shape[0]
    for p in range(n_parties):
        out[p] = base[p]
    for k in range(executed.shape[0]):
        if executed[k]:
            for p in range(n_parties):
                out[p] += linear[k, p]
    for q in range(pair_k.shape[0]):
        if executed[pair_k[q]] and executed[pair_l[q]]:
            for p in range(n_parties):
                out[p] += pair_value[q, p]


@njit(cache=True, error_model="numpy")
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
    slot_party, provocation = t.slot_party, t.slot_provocation
    available, repeatable, tremble = t.slot_available, t.slot_repeatable, t.tremble
    com_slot, cond_ptr, cond, com_deal = t.com_slot, t.com_cond_ptr, t.com_cond, t.com_deal
    deal_ptr, deal_com, breaks_ptr, breaks = t.deal_ptr, t.deal_com, t.breaks_ptr, t.breaks
    base, linear, pair_k, pair_l, pair_value = t.base, t.linear, t.pair_k, t.pair_l, t.pair_value
    miss, false_alarm_cdf = t.miss, t.false_alarm_cdf
    ev_plus, ev_minus, prior_pos, prior_neg = (
        t.evidence_pos,
        t.evidence_neg,
        t.prior_pos,
        t.prior_neg,
    )
    forgetting, restraint = t.forgetting, t.restraint_evidence
    c_ptr, c_kind, c_a, c_b, c_x = t.cond_ptr, t.cond_kind, t.cond_a, t.cond_b, t.cond_x
    stage_entry, stage_exit, stage_rule_ptr = t.stage_entry, t.stage_exit, t.stage_rule_ptr
    rule_cond, rule_then, resume = t.rule_cond, t.rule_then, t.resume
    level_ptr, level_cond = t.track_level_ptr, t.track_level_cond
    last_stage, success_hold, success_cond = t.n_stages - 1, t.success_hold, t.success_cond
    (
        s_stage,
        s_stalled,
        s_in_stage,
        s_calm,
        s_held,
        s_success,
        s_taken,
        s_in_force,
        s_track,
        s_ev_pos,
        s_ev_neg,
        _,
        s_total,
        s_discounted,
        _,
        _,
    ) = s
    (
        n_stage,
        n_stalled,
        n_in_stage,
        n_calm,
        n_held,
        n_success,
        n_taken,
        n_in_force,
        n_track,
        n_ev_pos,
        n_ev_neg,
        n_trust,
        n_total,
        n_discounted,
        n_executed,
        n_perceived,
    ) = n
    (
        o_trembled,
        o_cleared,
        o_deal_cleared,
        o_violated,
        o_payoff,
        o_transition,
        o_cause,
        o_track_advanced,
        o_success,
    ) = o
    batch, n_slots = actions.shape
    weight = t.discount**rnd
    outright = np.empty(n_slots, dtype=np.bool_)
    pos = np.empty(t.n_parties)
    picks = np.empty(n_slots, dtype=np.int64)
    neg = np.empty(t.n_parties)
    for b in range(batch):
        key = episode_key(seed, episodes[b], rnd)
        executed, taken, trust = n_executed[b], n_taken[b], n_trust[b]
        in_force, track_level = n_in_force[b], n_track[b]
        stage = s_stage[b]
        _tremble(
            tremble,
            available[stage],
            repeatable,
            key,
            s_taken[b],
            actions[b],
            outright,
            o_trembled[b],
        )
        clear_episode(
            com_slot,
            cond_ptr,
            cond,
            com_deal,
            deal_ptr,
            deal_com,
            outright,
            offers[b],
            o_cleared[b],
            executed,
        )
        in_force[:] = s_in_force[b]
        settle_deals(
            com_slot,
            deal_ptr,
            deal_com,
            breaks_ptr,
            breaks,
            o_cleared[b],
            executed,
            in_force,
            o_deal_cleared[b],
            o_violated[b],
        )
        violation = False
        for d in range(in_force.shape[0]):
            violation = violation or o_violated[b, d]

        payoff = o_payoff[b]
        _payoff(base, linear, pair_k, pair_l, pair_value, executed, payoff)
        for p in range(payoff.shape[0]):
            n_total[b, p] = s_total[b, p] + payoff[p]
            n_discounted[b, p] = s_discounted[b, p] + weight * payoff[p]

        perceive_episode(slot_party, miss, false_alarm_cdf, key, executed, n_perceived[b], picks)
        n_ev_pos[b] = s_ev_pos[b]
        n_ev_neg[b] = s_ev_neg[b]
        update_trust_episode(
            slot_party,
            ev_plus,
            ev_minus,
            prior_pos,
            prior_neg,
            forgetting,
            restraint,
            n_perceived[b],
            n_ev_pos[b],
            n_ev_neg[b],
            trust,
            pos,
            neg,
        )

        provocations = 0
        for k in range(n_slots):
            if executed[k] and provocation[k]:
                provocations += 1
            taken[k] = s_taken[b, k] or executed[k]
        calm = s_calm[b] + 1 if provocations == 0 else 0
        n_calm[b] = calm
        in_stage = s_in_stage[b] + 1
        track_level[:] = s_track[b]
        advance_tracks(
            c_ptr,
            c_kind,
            c_a,
            c_b,
            c_x,
            level_ptr,
            level_cond,
            trust,
            calm,
            in_stage,
            in_force,
            track_level,
            taken,
            executed,
            o_track_advanced[b],
        )

        stalled = s_stalled[b]
        kind, cause = transition(
            c_ptr,
            c_kind,
            c_a,
            c_b,
            c_x,
            stage_entry,
            stage_exit,
            stage_rule_ptr,
            rule_cond,
            rule_then,
            resume,
            stage,
            stalled,
            in_stage,
            trust,
            calm,
            in_force,
            track_level,
            taken,
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
        n_stage[b] = stage
        n_stalled[b] = stalled
        n_in_stage[b] = in_stage if kind == NONE else 0
        o_transition[b] = kind
        o_cause[b] = cause

        holding = (
            kind == NONE
            and not stalled
            and stage == last_stage
            and holds(
                c_ptr,
                c_kind,
                c_a,
                c_b,
                c_x,
                success_cond,
                trust,
                calm,
                in_stage,
                in_force,
                track_level,
                taken,
                executed,
                provocations,
                violation,
            )
        )
        n_held[b] = s_held[b] + 1 if holding else 0
        reached = s_success[b] < 0 and n_held[b] >= success_hold
        o_success[b] = reached
        n_success[b] = rnd + 1 if reached else s_success[b]
