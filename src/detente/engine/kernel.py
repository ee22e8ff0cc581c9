"""One round for a batch of episodes: the compiled inner loop of the engine.

Episodes are independent, so the loop runs per episode and each episode's
randomness is addressed by its own id: a batch gives exactly what its
episodes give one by one. Table and state fields are unpacked once per call,
outside the loop: numba pays for every read of a tuple field, not for plain
array arguments. Within an episode, sets of slots and commitments are bit
words (:mod:`detente.engine.bits`); the public boolean arrays are written
once each. The kernel also checks that every move is available, so that a
step passes over its batch once.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from detente.engine.arrays import Outcome, StateArrays
from detente.engine.bits import bit, has, lowest, pack
from detente.engine.clearing import clear, settle_deal
from detente.engine.jit import inlined, inner
from detente.engine.monitoring import observe_episode
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

OK = 0
BAD_ACTION = 1
BAD_OFFER = 2


@inner
def _payoff(
    base: NDArray[np.float64],
    linear: NDArray[np.float64],
    pair_k: NDArray[np.int64],
    pair_l: NDArray[np.int64],
    pair_value: NDArray[np.float64],
    executed: NDArray[np.uint64],
    out: NDArray[np.float64],
    b: int,
) -> None:
    """``out[b]``: base, plus linear terms of executed slots in slot order, plus pair terms."""
    n_parties = out.shape[1]
    for p in range(n_parties):
        out[b, p] = base[p]
    for w in range(executed.shape[0]):
        x = executed[w]
        while x:
            k = w * 64 + lowest(x)
            x &= x - np.uint64(1)
            for p in range(n_parties):
                out[b, p] += linear[k, p]
    for q in range(pair_k.shape[0]):
        if has(executed, pair_k[q]) and has(executed, pair_l[q]):
            for p in range(n_parties):
                out[b, p] += pair_value[q, p]


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
) -> tuple[int, int, int]:
    """Play round ``rnd`` (0-based) from state ``s`` into state ``n`` and outcome ``o``.

    Returns ``(OK, 0, 0)``, or the first unavailable move in the order a
    user would look for it: ``(BAD_ACTION, b, k)`` for the first episode
    with one, else ``(BAD_OFFER, b, m)``. The outputs are then incomplete.
    """
    slot_words, com_words = t.party_slot_bits.shape[1], t.deal_bits.shape[1]
    scratch = (
        np.empty((5, slot_words), dtype=np.uint64),
        np.empty(com_words, dtype=np.uint64),
        np.empty(actions.shape[1], dtype=np.int64),
        np.empty((4, t.n_parties)),
        np.empty((2, t.n_parties * t.n_parties)),
    )
    return _play(t, seed, rnd, episodes, s, actions, offers, n, o, scratch)


@inner
def _play(
    t: Tables,
    seed: np.uint64,
    rnd: int,
    episodes: NDArray[np.int64],
    s: StateArrays,
    actions: NDArray[np.bool_],
    offers: NDArray[np.bool_],
    n: StateArrays,
    o: Outcome,
    scratch: tuple[
        NDArray[np.uint64],
        NDArray[np.uint64],
        NDArray[np.int64],
        NDArray[np.float64],
        NDArray[np.float64],
    ],
) -> tuple[int, int, int]:
    """:func:`step_kernel` once its scratch space exists (see :mod:`detente.engine.jit`)."""
    words, remaining, picks, sums, evidence = scratch
    slot_party, provocation_bits = t.slot_party, t.provocation_bits
    stage_slot_bits, repeatable_bits, tremble = t.stage_slot_bits, t.repeatable_bits, t.tremble
    com_slot, com_cond_bits, com_deal_bits = t.com_slot, t.com_cond_bits, t.com_deal_bits
    deal_bits, deal_breaker_bits = t.deal_bits, t.deal_breaker_bits
    base, linear, pair_k, pair_l, pair_value = t.base, t.linear, t.pair_k, t.pair_l, t.pair_value
    party_slot_bits, miss, false_alarm_cdf = t.party_slot_bits, t.miss, t.false_alarm_cdf
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
    n_com, n_deals, n_parties = offers.shape[1], deal_bits.shape[0], t.n_parties
    # Evidence and trust as [B, P * P] views, for the flat loop of observe_episode.
    pairs = (batch, n_parties * n_parties)
    f_s_pos, f_s_neg = s_ev_pos.reshape(pairs), s_ev_neg.reshape(pairs)
    f_pos, f_neg, f_trust = n_ev_pos.reshape(pairs), n_ev_neg.reshape(pairs), n_trust.reshape(pairs)
    f_prior_pos, f_prior_neg = prior_pos.reshape(-1), prior_neg.reshape(-1)
    weight = t.discount**rnd
    slot_words = words.shape[1]
    open_, outright, executed, seen, taken = words[0], words[1], words[2], words[3], words[4]
    bad_offer, bad_offer_at = -1, 0
    for b in range(batch):
        key = episode_key(seed, episodes[b], rnd)
        stage = s_stage[b]

        # Availability, the submitted moves, and the trembling hand.
        pack(s_taken[b], taken)
        pack(actions[b], outright)
        pack(offers[b], remaining)
        for w in range(slot_words):
            open_[w] = stage_slot_bits[stage, w] & (repeatable_bits[w] | ~taken[w])
            if outright[w] & ~open_[w]:
                return BAD_ACTION, b, w * 64 + lowest(outright[w] & ~open_[w])
        if bad_offer < 0:
            bad_offer_at = _first_closed_offer(com_slot, remaining, open_)
            bad_offer = b if bad_offer_at >= 0 else -1
        for k in range(n_slots):
            flip = False
            if tremble > 0.0 and has(open_, k):
                flip = draw_at(key, STREAM_TREMBLE, 0, k) < tremble
            o_trembled[b, k] = flip
            if flip:
                outright[k >> 6] ^= bit(k)

        # Clearing, deals, payoffs.
        clear(com_slot, com_cond_bits, com_deal_bits, outright, remaining, executed)
        for m in range(n_com):
            o_cleared[b, m] = has(remaining, m)
        violation = False
        for d in range(n_deals):
            whole, violated, in_force = settle_deal(
                deal_bits, deal_breaker_bits, d, remaining, executed, s_in_force[b, d]
            )
            o_deal_cleared[b, d] = whole
            o_violated[b, d] = violated
            n_in_force[b, d] = in_force
            violation = violation or violated
        _payoff(base, linear, pair_k, pair_l, pair_value, executed, o_payoff, b)
        for p in range(n_parties):
            n_total[b, p] = s_total[b, p] + o_payoff[b, p]
            n_discounted[b, p] = s_discounted[b, p] + weight * o_payoff[b, p]

        # Executed and taken slots; perception and trust.
        for k in range(n_slots):
            done = has(executed, k)
            n_executed[b, k] = done
            n_taken[b, k] = s_taken[b, k] or done
        for p in range(n_parties):
            for k in range(n_slots):
                n_perceived[b, p, k] = n_executed[b, k]
        observe_episode(
            slot_party,
            party_slot_bits,
            miss,
            false_alarm_cdf,
            ev_plus,
            ev_minus,
            f_prior_pos,
            f_prior_neg,
            forgetting,
            restraint,
            key,
            executed,
            b,
            f_s_pos,
            f_s_neg,
            n_perceived,
            f_pos,
            f_neg,
            f_trust,
            sums,
            evidence[0],
            evidence[1],
            seen,
            picks,
        )

        provocations = 0
        for w in range(slot_words):
            x = executed[w] & provocation_bits[w]
            while x:
                provocations += 1
                x &= x - np.uint64(1)
        calm = s_calm[b] + 1 if provocations == 0 else 0
        n_calm[b] = calm
        in_stage = s_in_stage[b] + 1
        for tr in range(n_track.shape[1]):
            n_track[b, tr] = s_track[b, tr]
        advance_tracks(
            c_ptr,
            c_kind,
            c_a,
            c_b,
            c_x,
            level_ptr,
            level_cond,
            b,
            n_trust,
            calm,
            in_stage,
            n_in_force,
            n_track,
            n_taken,
            executed,
            o_track_advanced,
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
            b,
            n_trust,
            calm,
            n_in_force,
            n_track,
            n_taken,
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
                b,
                n_trust,
                calm,
                in_stage,
                n_in_force,
                n_track,
                n_taken,
                executed,
                provocations,
                violation,
            )
        )
        n_held[b] = s_held[b] + 1 if holding else 0
        reached = s_success[b] < 0 and n_held[b] >= success_hold
        o_success[b] = reached
        n_success[b] = rnd + 1 if reached else s_success[b]
    if bad_offer >= 0:
        return BAD_OFFER, bad_offer, bad_offer_at
    return OK, 0, 0
