"""The roadmap: conditions, stage transitions, tracks.

One transition at most per round, checked in this order: a stalled process
resumes when any resume criteria hold; otherwise the first breakdown rule of
the current stage that fires sends it back a stage or stalls it; otherwise it
advances when the stage's exit criteria and the next stage's entry criteria
both hold. Success is the final stage held, unstalled, with the success
criteria met, for ``hold_rounds`` consecutive rounds.

Conditions are evaluated for a whole tile of episodes at once, one op of
the condition program (:mod:`detente.engine.conditions`) at a time: the
branch on the op's kind is taken once per tile, and the loop over
episodes under it is short and branch-free. Every condition set is
evaluated for every episode (a few dozen ops for ``korea``), which costs
less than choosing per episode which ones it needs.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import NDArray

from detente.engine.bits import count_bits, has
from detente.engine.conditions import (
    ANY_OF,
    CALM_AT_LEAST,
    DEAL_IN_FORCE,
    EXECUTED,
    EXECUTED_ANY,
    EXECUTED_IN,
    IN_FORCE_IN,
    PROVOCATIONS_AT_LEAST,
    ROUNDS_AT_LEAST,
    SUCCEEDED,
    TAKEN,
    TAKEN_IN,
    TRACK_AT_LEAST,
    TRUST_AT_LEAST,
    TRUST_BELOW_ANY,
    VIOLATION,
)
from detente.engine.jit import inlined, inner
from detente.engine.tables import THEN_BACK

# Transition kinds (``Outcome.transition``).
NONE = 0
ADVANCE = 1
BACK = 2
STALL = 3
RESUME = 4


class RoadmapArrays(NamedTuple):
    """The roadmap's part of a state (fields of :class:`~detente.engine.arrays.StateArrays`)."""

    stage: NDArray[np.int64]  # [B] current stage index
    stalled: NDArray[np.bool_]  # [B]
    rounds_in_stage: NDArray[np.int64]  # [B] rounds completed in the current stage (or stall)
    calm: NDArray[np.int64]  # [B] consecutive rounds without a provocation
    held: NDArray[np.int64]  # [B] consecutive rounds the success condition has held
    success_round: NDArray[np.int64]  # [B] round (1-based) success was reached, -1 before
    track_level: NDArray[np.int64]  # [B, T] levels reached on each track


@inner
def _evaluate(
    cond_ptr: NDArray[np.int64],
    cond_kind: NDArray[np.int64],
    cond_a: NDArray[np.int64],
    cond_b: NDArray[np.int64],
    cond_x: NDArray[np.float64],
    c: int,
    triggers: bool,
    lo: int,
    size: int,
    ok: NDArray[np.bool_],
    hits: NDArray[np.bool_],
    calm: NDArray[np.int64],
    in_stage: NDArray[np.int64],
    provocations: NDArray[np.int64],
    violation: NDArray[np.bool_],
    executed: NDArray[np.uint64],
    failing: NDArray[np.uint64],
    new_trust: NDArray[np.float64],
    new_in_force: NDArray[np.bool_],
    new_track_level: NDArray[np.int64],
    new_taken: NDArray[np.bool_],
    new_inst: NDArray[np.bool_],
) -> None:
    """``ok[c, i]``: whether condition set ``c`` holds for episode ``lo + i`` of the tile.

    A real call, not inlined: it runs once per condition and tile, and
    numba inlining its two call sites doubled ``roadmap_tile``'s compile time.

    Parameters
    ----------
    cond_ptr : int64[C + 1]
        Read. Condition set ``c`` is ops ``cond_ptr[c]`` to ``cond_ptr[c + 1]``.
    cond_kind, cond_a, cond_b : int64[ops]
        Read. Each op's kind and integer operands
        (:mod:`detente.engine.conditions`); op ``q``'s are ``qa`` and ``qb`` below.
    cond_x : float64[ops]
        Read. Each op's threshold (``qx``), for the trust ops.
    c : int
        The condition set.
    triggers : bool
        Whether provocations and violations count (not for track levels,
        which are evaluated before them in the round's order).
    lo : int
        The tile's first episode; tile row ``i`` is episode ``b = lo + i``.
    size : int
        The tile's episodes.
    ok : bool[C, TILE]
        Row ``c`` written: whether the set holds for each episode of the tile.
        Read: the rows of the set's ``any_of`` alternatives, which come
        before it and must have been evaluated already.
    hits : bool[2, TILE]
        Scratch: for the kinds of which any one op suffices, whether one
        did (row 0: executed slots of a trigger, or alternatives of a
        criteria block, never both in one set; row 1: trust below).
    calm, in_stage, provocations : int64[size]
        Read. Calm rounds and rounds in the stage, this one included, and
        this round's provocations.
    violation : bool[size]
        Read. Whether the episode violated an agreement this round.
    executed : uint64[size, WK]
        Read. The slots executed this round.
    failing : uint64[size, WK]
        Read. The slots whose outcome fails this round.
    new_trust : float64[B, P, P]
        Read. Trust after the round.
    new_in_force : bool[B, D]
        Read. The agreements in force after the round.
    new_track_level : int64[B, T]
        Read. The track levels reached so far this round.
    new_taken : bool[B, K]
        Read. The slots taken, this round included.
    new_inst : bool[B, L]
        Read. The institution policy levels in force after this round's votes.
    """
    row = ok[c]
    any_one, any_trust = False, False
    for i in range(size):
        row[i] = True
        hits[0, i] = False
        hits[1, i] = False
    for q in range(cond_ptr[c], cond_ptr[c + 1]):
        kind, qa, qb, qx = cond_kind[q], cond_a[q], cond_b[q], cond_x[q]
        if kind == TRUST_AT_LEAST:
            for i in range(size):
                row[i] &= not new_trust[lo + i, qa, qb] < qx
        elif kind == CALM_AT_LEAST:
            for i in range(size):
                row[i] &= calm[i] >= qa
        elif kind == ROUNDS_AT_LEAST:
            for i in range(size):
                row[i] &= in_stage[i] >= qa
        elif kind == DEAL_IN_FORCE:
            for i in range(size):
                row[i] &= new_in_force[lo + i, qa]
        elif kind == TRACK_AT_LEAST:
            for i in range(size):
                row[i] &= new_track_level[lo + i, qa] >= qb
        elif kind == TAKEN:
            for i in range(size):
                row[i] &= new_taken[lo + i, qa]
        elif kind == EXECUTED:
            for i in range(size):
                row[i] &= has(executed[i], qa)
        elif kind == TAKEN_IN:
            for i in range(size):
                found = False
                for k in range(qa, qb + 1):
                    found |= new_taken[lo + i, k]
                row[i] &= found
        elif kind == EXECUTED_IN:
            for i in range(size):
                found = False
                for k in range(qa, qb + 1):
                    found |= has(executed[i], k)
                row[i] &= found
        elif kind == SUCCEEDED:
            for i in range(size):
                found = False
                for k in range(qa, qb + 1):
                    found |= has(executed[i], k) and not has(failing[i], k)
                row[i] &= found
        elif kind == EXECUTED_ANY:
            any_one = True
            for i in range(size):
                hits[0, i] |= has(executed[i], qa)
        elif kind == PROVOCATIONS_AT_LEAST:
            for i in range(size):
                row[i] &= (provocations[i] if triggers else 0) >= qa
        elif kind == VIOLATION:
            for i in range(size):
                row[i] &= triggers and violation[i]
        elif kind == TRUST_BELOW_ANY:
            any_trust = True
            for i in range(size):
                hits[1, i] |= new_trust[lo + i, qa, qb] < qx
        elif kind == IN_FORCE_IN:
            for i in range(size):
                found = False
                for level in range(qa, qb + 1):
                    found |= new_inst[lo + i, level]
                row[i] &= found
        elif kind == ANY_OF:
            any_one = True
            for i in range(size):
                hits[0, i] |= ok[qa, i]
    for i in range(size):
        row[i] &= (hits[0, i] or not any_one) and (hits[1, i] or not any_trust)


@inlined
def _run_start(
    cond_ptr: NDArray[np.int64], cond_kind: NDArray[np.int64], cond_b: NDArray[np.int64], c: int
) -> int:
    """The first condition set of ``c``'s run: ``c`` itself, or its first alternative's run."""
    first = c
    for q in range(cond_ptr[c], cond_ptr[c + 1]):
        if cond_kind[q] == ANY_OF and cond_b[q] < first:
            first = cond_b[q]
    return first


@inlined
def _transition(
    ok: NDArray[np.bool_],
    i: int,
    stage: int,
    stalled: bool,
    stage_entry: NDArray[np.int64],
    stage_exit: NDArray[np.int64],
    stage_rule_ptr: NDArray[np.int64],
    rule_cond: NDArray[np.int64],
    rule_then: NDArray[np.int64],
    resume: NDArray[np.int64],
) -> tuple[int, int]:
    """The transition kind of tile episode ``i`` and the breakdown rule behind it (-1 when none).

    Parameters
    ----------
    ok : bool[C, TILE]
        Read. ``ok[c, i]``: whether condition set ``c`` holds for the episode.
    i : int
        The episode's row in the tile.
    stage : int
        The episode's stage before the round.
    stalled : bool
        Whether its process was stalled before the round.
    stage_entry, stage_exit : int64[S]
        Read. The condition set of each stage's entry and exit criteria.
    stage_rule_ptr : int64[S + 1]
        Read. Stage ``stage``'s breakdown rules are ``stage_rule_ptr[stage]``
        to ``stage_rule_ptr[stage + 1]``, in the order they are tried.
    rule_cond, rule_then : int64[rules]
        Read. Each rule's trigger (a condition set) and ``THEN_BACK`` or ``THEN_STALL``.
    resume : int64[options]
        Read. Condition sets any of which resumes a stalled process.
    """
    if stalled:
        for option in range(resume.shape[0]):
            if ok[resume[option], i]:
                return RESUME, -1
        return NONE, -1
    for r in range(stage_rule_ptr[stage], stage_rule_ptr[stage + 1]):
        if ok[rule_cond[r], i]:
            return (BACK if rule_then[r] == THEN_BACK else STALL), r
    if (
        stage + 1 < stage_exit.shape[0]
        and ok[stage_exit[stage], i]
        and ok[stage_entry[stage + 1], i]
    ):
        return ADVANCE, -1
    return NONE, -1


@inner
def roadmap_tile(
    cond_ptr: NDArray[np.int64],
    cond_kind: NDArray[np.int64],
    cond_a: NDArray[np.int64],
    cond_b: NDArray[np.int64],
    cond_x: NDArray[np.float64],
    level_ptr: NDArray[np.int64],
    level_cond: NDArray[np.int64],
    stage_entry: NDArray[np.int64],
    stage_exit: NDArray[np.int64],
    stage_rule_ptr: NDArray[np.int64],
    rule_cond: NDArray[np.int64],
    rule_then: NDArray[np.int64],
    resume: NDArray[np.int64],
    success_hold: int,
    success_cond: int,
    provocation_bits: NDArray[np.uint64],
    rnd: int,
    lo: int,
    executed: NDArray[np.uint64],
    failing: NDArray[np.uint64],
    violation: NDArray[np.bool_],
    old: RoadmapArrays,
    new: RoadmapArrays,
    new_trust: NDArray[np.float64],
    new_in_force: NDArray[np.bool_],
    new_taken: NDArray[np.bool_],
    new_inst: NDArray[np.bool_],
    counts: NDArray[np.int64],
    ok: NDArray[np.bool_],
    hits: NDArray[np.bool_],
    out_track_advanced: NDArray[np.bool_],
    out_transition: NDArray[np.int64],
    out_cause: NDArray[np.int64],
    out_success: NDArray[np.bool_],
) -> None:
    """Tracks, the stage transition and success for the tile's episodes (``lo`` onwards).

    Parameters
    ----------
    cond_ptr, cond_kind, cond_a, cond_b, cond_x
        Read. The condition program (see :func:`_evaluate`).
    level_ptr : int64[T + 1]
        Read. Track ``tr``'s levels above 0 are ``level_ptr[tr]`` to ``level_ptr[tr + 1]``.
    level_cond : int64[levels]
        Read. The condition set (criteria) of each track level.
    stage_entry, stage_exit, stage_rule_ptr, rule_cond, rule_then, resume
        Read. The stages' criteria and breakdown rules (see :func:`_transition`).
    success_hold : int
        For how many rounds in a row the success criteria must hold.
    success_cond : int
        The condition set of the success criteria.
    provocation_bits : uint64[WK]
        Read. The slots that are provocations.
    rnd : int
        This round, from 0.
    lo : int
        The tile's first episode; tile row ``i`` is episode ``b = lo + i``.
    executed : uint64[size, WK]
        Read. The slots executed this round.
    failing : uint64[size, WK]
        Read. The slots whose outcome fails this round.
    violation : bool[size]
        Read. Whether the episode violated an agreement this round.
    old : RoadmapArrays
        Read. The roadmap's arrays before the round.
    new : RoadmapArrays
        Written, rows ``lo`` to ``lo + size``. The roadmap's arrays after the round.
    new_trust : float64[B, P, P]
        Read. Trust after the round.
    new_in_force : bool[B, D]
        Read. The agreements in force after the round.
    new_taken : bool[B, K]
        Read. The slots taken, this round included.
    new_inst : bool[B, L]
        Read. The institution policy levels in force after this round's votes.
    counts : int64[4, TILE]
        Scratch: this round's provocations, calm rounds, rounds in the
        stage, and the level of the track being raised.
    ok : bool[C, TILE]
        Scratch: whether each condition set holds (see :func:`_evaluate`).
    hits : bool[2, TILE]
        Scratch (see :func:`_evaluate`).
    out_track_advanced : bool[B, T]
        Written, rows ``lo`` to ``lo + size``. Which tracks rose a level.
    out_transition, out_cause : int64[B]
        Written, rows ``lo`` to ``lo + size``. The transition (``NONE``,
        ``ADVANCE``, ...) and the breakdown rule behind it, -1 when none.
    out_success : bool[B]
        Written, rows ``lo`` to ``lo + size``. Whether success was reached this round.
    """
    old_stage, old_stalled, old_calm, old_held = old.stage, old.stalled, old.calm, old.held
    old_in_stage, old_success, old_track = old.rounds_in_stage, old.success_round, old.track_level
    new_stage, new_stalled, new_calm, new_held = new.stage, new.stalled, new.calm, new.held
    new_in_stage, new_success, new_track = new.rounds_in_stage, new.success_round, new.track_level
    size = executed.shape[0]
    provocations, calm, in_stage, level = (
        counts[0, :size],
        counts[1, :size],
        counts[2, :size],
        counts[3, :size],
    )
    for i in range(size):
        b = lo + i
        count = 0
        for w in range(executed.shape[1]):
            count += count_bits(executed[i, w] & provocation_bits[w])
        provocations[i] = count
        calm[i] = old_calm[b] + 1 if count == 0 else 0
        new_calm[b] = calm[i]
        in_stage[i] = old_in_stage[b] + 1
        for tr in range(new_track.shape[1]):
            new_track[b, tr] = old_track[b, tr]
            out_track_advanced[b, tr] = False

    # Each track rises by at most one level whose criteria now hold (levels never fall);
    # a track's criteria see the levels of the tracks before it already raised.
    for tr in range(new_track.shape[1]):
        for i in range(size):
            level[i] = new_track[lo + i, tr]
        for below in range(level_ptr[tr + 1] - level_ptr[tr]):
            # The criteria of level ``below + 1`` (after their alternatives), for the
            # episodes at level ``below``.
            c = level_cond[level_ptr[tr] + below]
            for run in range(_run_start(cond_ptr, cond_kind, cond_b, c), c + 1):
                _evaluate(
                    cond_ptr,
                    cond_kind,
                    cond_a,
                    cond_b,
                    cond_x,
                    run,
                    False,
                    lo,
                    size,
                    ok,
                    hits,
                    calm,
                    in_stage,
                    provocations,
                    violation,
                    executed,
                    failing,
                    new_trust,
                    new_in_force,
                    new_track,
                    new_taken,
                    new_inst,
                )
            for i in range(size):
                if level[i] == below and ok[c, i]:
                    new_track[lo + i, tr] = below + 1
                    out_track_advanced[lo + i, tr] = True

    for c in range(ok.shape[0]):
        _evaluate(
            cond_ptr,
            cond_kind,
            cond_a,
            cond_b,
            cond_x,
            c,
            True,
            lo,
            size,
            ok,
            hits,
            calm,
            in_stage,
            provocations,
            violation,
            executed,
            failing,
            new_trust,
            new_in_force,
            new_track,
            new_taken,
            new_inst,
        )
    last_stage = stage_exit.shape[0] - 1
    for i in range(size):
        b = lo + i
        stage, stalled = old_stage[b], old_stalled[b]
        change, cause = _transition(
            ok,
            i,
            stage,
            stalled,
            stage_entry,
            stage_exit,
            stage_rule_ptr,
            rule_cond,
            rule_then,
            resume,
        )
        if change == ADVANCE:
            stage += 1
        elif change == BACK:
            stage -= 1
        elif change == STALL:
            stalled = True
        elif change == RESUME:
            stalled = False
        new_stage[b] = stage
        new_stalled[b] = stalled
        new_in_stage[b] = in_stage[i] if change == NONE else 0
        out_transition[b] = change
        out_cause[b] = cause
        holding = change == NONE and not stalled and stage == last_stage and ok[success_cond, i]
        new_held[b] = old_held[b] + 1 if holding else 0
        reached = old_success[b] < 0 and new_held[b] >= success_hold
        out_success[b] = reached
        new_success[b] = rnd + 1 if reached else old_success[b]
