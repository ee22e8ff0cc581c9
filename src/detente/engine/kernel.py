"""One round for a batch of episodes: the compiled inner loop of the engine.

Episodes are independent, so each episode's randomness is addressed by its
own id and a batch gives exactly what its episodes give one by one. The
batch is played in tiles of :data:`TILE` episodes, one phase at a time over
the whole tile (moves, clearing, payoffs, perception and trust, roadmap):
a phase's set-up, its calls and its arguments are paid once per tile, not
once per episode, and its loops run long enough to vectorise. What an
episode carries from one phase to the next (its random key and its sets of
slots and commitments as bit words, :mod:`detente.engine.bits`) lives in
scratch rows of the tile, small enough to stay in cache.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit
from numpy.typing import NDArray

from detente.engine.arrays import Outcome, StateArrays
from detente.engine.clearing import clear_tile
from detente.engine.jit import inlined, inner
from detente.engine.monitoring import observe_tile
from detente.engine.moves import BAD_ACTION, BAD_OFFER, OK, read_moves
from detente.engine.payoffs import pay_tile
from detente.engine.roadmap import RoadmapArrays, roadmap_tile
from detente.engine.tables import Tables

__all__ = ["BAD_ACTION", "BAD_OFFER", "OK", "TILE", "step_kernel"]

TILE = 128


class Scratch(NamedTuple):
    """The tile's scratch space: what an episode carries from one phase to the next.

    Allocated once per call of :func:`step_kernel` (code compiled with
    :func:`~detente.engine.jit.inner` may not allocate) and reused by every
    tile; a tile of ``size`` episodes uses the first ``size`` rows, row ``i``
    standing for episode ``lo + i``. Sets of slots or commitments are bit
    words (:mod:`detente.engine.bits`): ``WK`` words for K slots, ``WM``
    for M commitments.
    """

    keys: NDArray[np.uint64]  # [TILE] the episode's random key this round
    taken: NDArray[np.uint64]  # [TILE, WK] slots taken before the round, after clearing since
    outright: NDArray[np.uint64]  # [TILE, WK] outright actions, after the trembling hand
    executed: NDArray[np.uint64]  # [TILE, WK] slots executed this round
    open_: NDArray[np.uint64]  # [TILE, WK] slots available this round
    remaining: NDArray[np.uint64]  # [TILE, WM] offered commitments, cleared after clearing
    violation: NDArray[np.bool_]  # [TILE] whether the episode broke an agreement in force
    sums: NDArray[np.float64]  # [4, P] one episode's evidence sums per party (observe_tile)
    good: NDArray[np.float64]  # [TILE * P * P] this round's cooperative evidence per entry
    hostile: NDArray[np.float64]  # [TILE * P * P] this round's hostile evidence per entry
    prior_pos: NDArray[np.float64]  # [TILE * P * P] the cooperative prior, repeated per episode
    prior_neg: NDArray[np.float64]  # [TILE * P * P] the hostile prior, repeated per episode
    seen: NDArray[np.uint64]  # [WK] one observer's perceived slots (observe_tile)
    picks: NDArray[np.int64]  # [K] one observer's distinct picks of misses or alarms
    counts: NDArray[np.int64]  # [4, TILE] provocations, calm, rounds in stage, a track's level
    ok: NDArray[np.bool_]  # [C, TILE] whether each condition set holds (roadmap_tile)
    hits: NDArray[np.bool_]  # [2, TILE] any executed slot / any trust below, of a trigger


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
    tile = min(TILE, episodes.shape[0])
    slot_words, com_words = t.party_slot_bits.shape[1], t.deal_bits.shape[1]
    pp = t.n_parties * t.n_parties
    words = np.empty((4, tile, slot_words), dtype=np.uint64)
    evidence = np.empty((4, tile * pp))
    scratch = Scratch(
        keys=np.empty(tile, dtype=np.uint64),
        taken=words[0],
        outright=words[1],
        executed=words[2],
        open_=words[3],
        remaining=np.empty((tile, com_words), dtype=np.uint64),
        violation=np.empty(tile, dtype=np.bool_),
        sums=np.empty((4, t.n_parties)),
        good=evidence[0],
        hostile=evidence[1],
        prior_pos=evidence[2],
        prior_neg=evidence[3],
        seen=np.empty(slot_words, dtype=np.uint64),
        picks=np.empty(actions.shape[1], dtype=np.int64),
        counts=np.empty((4, tile), dtype=np.int64),
        ok=np.empty((t.cond_ptr.shape[0] - 1, tile), dtype=np.bool_),
        hits=np.empty((2, tile), dtype=np.bool_),
    )
    return _play(t, seed, rnd, episodes, s, actions, offers, n, o, scratch)


@inlined
def _roadmap(state: StateArrays) -> RoadmapArrays:
    """The arrays of ``state`` that :func:`~detente.engine.roadmap.roadmap_tile` reads or writes."""
    return RoadmapArrays(
        stage=state.stage,
        stalled=state.stalled,
        rounds_in_stage=state.rounds_in_stage,
        calm=state.calm,
        held=state.held,
        success_round=state.success_round,
        track_level=state.track_level,
    )


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
    scratch: Scratch,
) -> tuple[int, int, int]:
    """:func:`step_kernel` once its scratch space exists (see :mod:`detente.engine.jit`)."""
    batch, tile = episodes.shape[0], scratch.keys.shape[0]
    pp = t.n_parties * t.n_parties
    flat = batch * pp
    s_ev_pos, s_ev_neg = s.ev_pos.reshape(flat), s.ev_neg.reshape(flat)
    n_ev_pos, n_ev_neg, n_trust = (
        n.ev_pos.reshape(flat),
        n.ev_neg.reshape(flat),
        n.trust.reshape(flat),
    )
    # Per-entry scratch of the tile: this round's evidence, then the priors repeated per episode.
    good, hostile = scratch.good, scratch.hostile
    prior_pos, prior_neg = scratch.prior_pos, scratch.prior_neg
    for e in range(prior_pos.shape[0]):
        prior_pos[e] = t.prior_pos.flat[e % pp]
        prior_neg[e] = t.prior_neg.flat[e % pp]
    weight = t.discount**rnd
    roadmap_before, roadmap_after = _roadmap(s), _roadmap(n)
    bad_offer, bad_offer_at = -1, 0
    for lo in range(0, batch, tile):
        size = min(tile, batch - lo)
        keys, violation = scratch.keys[:size], scratch.violation[:size]
        taken, outright = scratch.taken[:size], scratch.outright[:size]
        executed, open_ = scratch.executed[:size], scratch.open_[:size]
        remaining = scratch.remaining[:size]
        kind, b, i = read_moves(
            t.stage_slot_bits,
            t.repeatable_bits,
            t.com_slot,
            t.tremble_ticks,
            seed,
            rnd,
            lo,
            episodes,
            s.stage,
            s.taken,
            actions,
            offers,
            keys,
            taken,
            outright,
            remaining,
            open_,
            o.trembled,
        )
        if kind == BAD_ACTION:
            return kind, b, i
        if kind == BAD_OFFER and bad_offer < 0:
            bad_offer, bad_offer_at = b, i
        clear_tile(
            t.com_slot,
            t.com_cond_bits,
            t.com_deal_bits,
            t.deal_bits,
            t.deal_breaker_bits,
            lo,
            s.in_force,
            taken,
            outright,
            remaining,
            executed,
            violation,
            n.in_force,
            n.taken,
            n.executed,
            o.cleared,
            o.deal_cleared,
            o.violated,
        )
        pay_tile(
            t.base,
            t.linear,
            t.pair_k,
            t.pair_l,
            t.pair_value,
            weight,
            lo,
            executed,
            s.total,
            s.discounted,
            o.payoff,
            n.total,
            n.discounted,
        )
        observe_tile(
            t.slot_party,
            t.party_slot_bits,
            t.miss_ticks,
            t.miss_rate,
            t.miss_cdf,
            t.false_alarm_cdf,
            t.evidence_pos,
            t.evidence_neg,
            prior_pos,
            prior_neg,
            t.forgetting,
            t.restraint_evidence,
            lo,
            keys,
            executed,
            n.executed,
            s_ev_pos,
            s_ev_neg,
            n.perceived,
            n_ev_pos,
            n_ev_neg,
            n_trust,
            scratch.sums,
            good,
            hostile,
            scratch.seen,
            scratch.picks,
        )
        roadmap_tile(
            t.cond_ptr,
            t.cond_kind,
            t.cond_a,
            t.cond_b,
            t.cond_x,
            t.track_level_ptr,
            t.track_level_cond,
            t.stage_entry,
            t.stage_exit,
            t.stage_rule_ptr,
            t.rule_cond,
            t.rule_then,
            t.resume,
            t.success_hold,
            t.success_cond,
            t.provocation_bits,
            rnd,
            lo,
            executed,
            violation,
            roadmap_before,
            roadmap_after,
            n.trust,
            n.in_force,
            n.taken,
            scratch.counts,
            scratch.ok,
            scratch.hits,
            o.track_advanced,
            o.transition,
            o.cause,
            o.success,
        )
    if bad_offer >= 0:
        return BAD_OFFER, bad_offer, bad_offer_at
    return OK, 0, 0
