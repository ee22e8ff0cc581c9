"""One round for a batch of episodes: the compiled inner loop of the engine.

Episodes are independent, so each episode's randomness is addressed by its
own id and a batch gives exactly what its episodes give one by one. The
batch is played in tiles of :data:`TILE` episodes, one phase at a time over
the whole tile (moves, clearing, outcomes, institutions' votes, payoffs,
perception and trust, roadmap):
a phase's set-up, its calls and its arguments are paid once per tile, not
once per episode, and its loops run long enough to vectorise. What an
episode carries from one phase to the next (its random key and its sets of
slots and commitments as bit words, :mod:`detente.engine.bits`) lives in
scratch rows of the tile (:class:`Scratch`), small enough to stay in cache.

Names, the same in every kernel
-------------------------------
Sizes: B episodes in the batch, P parties, K slots, M commitments, D deals,
T tracks, S stages, C condition sets; ``WK`` and ``WM`` words of 64 bits
hold a set of slots or of commitments; a tile has ``size`` episodes, at most
:data:`TILE`.

Arrays: an array of the batch has a leading episode axis and is indexed by
``b``; its name says whose it is: ``old_`` the state before the round (read
only), ``new_`` the state after it (written, then read by later phases),
``out_`` the round's :class:`~detente.engine.arrays.Outcome` (written), and
``episodes``, ``actions`` and ``offers`` the inputs. The tile's scratch
rows (:class:`Scratch`) have no prefix and are indexed by ``i``, row ``i``
standing for episode ``b = lo + i``. The kernels' docstrings give shapes as
``dtype[shape]`` and say what they read and what they write.

Indices: ``p`` a party, ``o`` an observer, ``e`` a flat (observer, party)
entry; ``k`` a slot, ``m`` a commitment, ``d`` a deal, ``tr`` a track;
``c`` a condition set, ``q`` an op of the condition program, ``r`` a
breakdown rule; ``w`` a word of a bit set, ``x`` a word held in a register,
``j`` a bit's position in its word (index ``w * 64 + j``). ``rnd`` is the
round, from 0; ``t`` the :class:`~detente.engine.tables.Tables`.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numba import njit
from numpy.typing import NDArray

from detente.engine.arrays import Outcome, StateArrays
from detente.engine.clearing import clear_tile
from detente.engine.institutions import adopt_tile
from detente.engine.jit import inlined, inner
from detente.engine.monitoring import observe_tile
from detente.engine.moves import BAD_ACTION, BAD_OFFER, OK, read_moves
from detente.engine.outcomes import judge_tile
from detente.engine.payoffs import pay_tile
from detente.engine.policies import policy_lists
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
    taken: NDArray[np.uint64]  # [TILE, WK] slots taken before the round, then also this round
    outright: NDArray[np.uint64]  # [TILE, WK] outright actions, after the trembling hand
    executed: NDArray[np.uint64]  # [TILE, WK] slots executed this round
    failing: NDArray[np.uint64]  # [TILE, WK] slots whose outcome fails this round
    open_: NDArray[np.uint64]  # [TILE, WK] slots available this round
    policy: NDArray[np.uint64]  # [TILE, WK] policies in force before the round, then after it
    remaining: NDArray[np.uint64]  # [TILE, WM] offered commitments, then the cleared ones
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
    hits: NDArray[np.bool_]  # [2, TILE] any executed slot or any alternative / any trust below


@njit(cache=True, error_model="numpy")
def step_kernel(
    t: Tables,
    seed: np.uint64,
    rnd: int,
    episodes: NDArray[np.int64],
    old: StateArrays,
    actions: NDArray[np.bool_],
    offers: NDArray[np.bool_],
    new: StateArrays,
    out: Outcome,
) -> tuple[int, int, int]:
    """Play round ``rnd`` from state ``old`` into state ``new`` and outcome ``out``.

    Parameters
    ----------
    t : Tables
        Read. The scenario's tables.
    seed : uint64
        The run's seed, hashed with each episode's id and ``rnd`` into its key.
    rnd : int
        This round, from 0.
    episodes : int64[B]
        Read. Each episode's id, which addresses its random draws.
    old : StateArrays
        Read. The state before the round.
    actions : bool[B, K]
        Read. The outright actions submitted.
    offers : bool[B, M]
        Read. The commitments offered.
    new : StateArrays
        Written, every entry (C-contiguous). The state after the round.
    out : Outcome
        Written, every entry but ``failed``, which comes zeroed and is
        written only for scenarios with acts that can fail. What happened in the round.

    Returns
    -------
    (int, int, int)
        ``(OK, 0, 0)``, or the first unavailable move in the order a user
        would look for it: ``(BAD_ACTION, b, k)`` for the first episode
        with one, else ``(BAD_OFFER, b, m)``. ``new`` and ``out`` are then
        incomplete.
    """
    tile = min(TILE, episodes.shape[0])
    slot_words, com_words = t.party_slot_bits.shape[1], t.deal_bits.shape[1]
    pp = t.n_parties * t.n_parties
    words = np.empty((5, tile, slot_words), dtype=np.uint64)
    evidence = np.empty((4, tile * pp))
    scratch = Scratch(
        keys=np.empty(tile, dtype=np.uint64),
        taken=words[0],
        outright=words[1],
        executed=words[2],
        open_=words[3],
        failing=np.zeros((tile, slot_words), dtype=np.uint64),  # written only if acts can fail
        policy=words[4],
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
    return _play(t, seed, rnd, episodes, old, actions, offers, new, out, scratch)


@inlined
def _roadmap(state: StateArrays) -> RoadmapArrays:
    """The arrays of ``state`` that :func:`~detente.engine.roadmap.roadmap_tile` reads or writes.

    Parameters
    ----------
    state : StateArrays
        The state before or after the round; nothing is read or written here.
    """
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
    old: StateArrays,
    actions: NDArray[np.bool_],
    offers: NDArray[np.bool_],
    new: StateArrays,
    out: Outcome,
    scratch: Scratch,
) -> tuple[int, int, int]:
    """:func:`step_kernel` once its scratch space exists (see :mod:`detente.engine.jit`).

    Parameters
    ----------
    t, seed, rnd, episodes, old, actions, offers, new, out
        As for :func:`step_kernel`.
    scratch : Scratch
        The tile's scratch space, for :data:`TILE` episodes or the whole
        batch when smaller.
    """
    batch, tile = episodes.shape[0], scratch.keys.shape[0]
    pp = t.n_parties * t.n_parties
    flat = batch * pp
    old_ev_pos, old_ev_neg = old.ev_pos.reshape(flat), old.ev_neg.reshape(flat)
    new_ev_pos, new_ev_neg, new_trust = (
        new.ev_pos.reshape(flat),
        new.ev_neg.reshape(flat),
        new.trust.reshape(flat),
    )
    # Per-entry scratch of the tile: this round's evidence, then the priors repeated per episode.
    good, hostile = scratch.good, scratch.hostile
    prior_pos, prior_neg = scratch.prior_pos, scratch.prior_neg
    for e in range(prior_pos.shape[0]):
        prior_pos[e] = t.prior_pos.flat[e % pp]
        prior_neg[e] = t.prior_neg.flat[e % pp]
    weight = t.discount**rnd
    old_roadmap, new_roadmap = _roadmap(old), _roadmap(new)
    pl = policy_lists(t.policy_index, t.policy_bits, t.policy_at)
    bad_b, bad_m = -1, 0
    for lo in range(0, batch, tile):
        size = min(tile, batch - lo)
        keys, violation = scratch.keys[:size], scratch.violation[:size]
        taken, outright = scratch.taken[:size], scratch.outright[:size]
        executed, open_ = scratch.executed[:size], scratch.open_[:size]
        remaining, policy = scratch.remaining[:size], scratch.policy[:size]
        failing = scratch.failing[:size]
        kind, b, at = read_moves(
            t.stage_slot_bits,
            t.repeatable_bits,
            t.com_slot,
            pl.counter_slot,
            pl.counter_reverses,
            pl.counter_target_bits,
            pl.standing_slot,
            pl.standing_stop_bits,
            t.policies,
            t.tremble_ticks,
            seed,
            rnd,
            lo,
            episodes,
            old.stage,
            old.taken,
            old.policy,
            actions,
            offers,
            keys,
            taken,
            policy,
            outright,
            remaining,
            open_,
            out.trembled,
        )
        if kind == BAD_ACTION:
            return kind, b, at
        if kind == BAD_OFFER and bad_b < 0:
            bad_b, bad_m = b, at
        clear_tile(
            t.com_slot,
            t.com_cond_bits,
            t.com_deal_bits,
            pl.com_any_ptr,
            pl.com_any_bits,
            t.deal_bits,
            t.deal_breaker_bits,
            pl.graded_ptr,
            pl.graded_slot,
            pl.counter_slot,
            pl.counter_reverses,
            pl.counter_target_bits,
            pl.standing_bits,
            t.policies,
            lo,
            old.in_force,
            taken,
            outright,
            remaining,
            executed,
            policy,
            violation,
            new.in_force,
            new.taken,
            new.executed,
            new.policy,
            out.cleared,
            out.deal_cleared,
            out.violated,
        )
        if t.outcomes.shape[0] > 0:
            judge_tile(t.outcomes, lo, executed, out.deal_cleared, failing, out.failed)
        if t.inst[0, 0] > 0:
            adopt_tile(t.inst, lo, executed, old.inst, new.inst, out.resolved)
        pay_tile(
            t.base,
            t.linear,
            t.pair_k,
            t.pair_l,
            t.pair_value,
            t.inst_value,
            weight,
            lo,
            executed,
            new.inst,
            old.total,
            old.discounted,
            out.payoff,
            new.total,
            new.discounted,
        )
        observe_tile(
            t.slot_party,
            t.party_slot_bits,
            t.miss_ticks,
            t.miss_rate,
            t.miss_cdf,
            t.false_alarm_cdf,
            t.evidence,
            t.own_reading,
            prior_pos,
            prior_neg,
            t.forgetting,
            t.restraint_evidence,
            lo,
            keys,
            executed,
            failing,
            new.executed,
            old_ev_pos,
            old_ev_neg,
            new.perceived,
            new_ev_pos,
            new_ev_neg,
            new_trust,
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
            failing,
            violation,
            old_roadmap,
            new_roadmap,
            new.trust,
            new.in_force,
            new.taken,
            new.inst,
            scratch.counts,
            scratch.ok,
            scratch.hits,
            out.track_advanced,
            out.transition,
            out.cause,
            out.success,
        )
    if bad_b >= 0:
        return BAD_OFFER, bad_b, bad_m
    return OK, 0, 0
