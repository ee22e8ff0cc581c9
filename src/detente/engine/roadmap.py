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
    CALM_AT_LEAST,
    DEAL_IN_FORCE,
    EXECUTED,
    EXECUTED_ANY,
    PROVOCATIONS_AT_LEAST,
    ROUNDS_AT_LEAST,
    TAKEN,
    TRACK_AT_LEAST,
    TRUST_AT_LEAST,
    TRUST_BELOW_ANY,
    VIOLATION,
)
from detente.engine.jit import inlined, inner
from detente.engine.tables import THEN_BACK

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
    ptr: NDArray[np.int64],
    kind: NDArray[np.int64],
    a: NDArray[np.int64],
    b: NDArray[np.int64],
    x: NDArray[np.float64],
    c: int,
    triggers: bool,
    lo: int,
    ok: NDArray[np.bool_],
    hits: NDArray[np.bool_],
    calm: NDArray[np.int64],
    in_stage: NDArray[np.int64],
    provocations: NDArray[np.int64],
    violation: NDArray[np.bool_],
    executed: NDArray[np.uint64],
    trust: NDArray[np.float64],
    in_force: NDArray[np.bool_],
    track_level: NDArray[np.int64],
    taken: NDArray[np.bool_],
) -> None:
    """``ok[i]``: whether condition set ``c`` holds for episode ``lo + i`` of the tile.

    Tile arrays (``calm``, ``in_stage``, ``provocations``, ``violation``,
    ``executed`` words) are indexed by ``i``, batch arrays by ``lo + i``.
    Without ``triggers`` (track levels), no provocation and no violation
    count. ``hits`` is scratch for the two kinds of which any one op suffices.
    A real call, not inlined: it runs once per condition and tile, and
    numba inlining its two call sites doubled ``roadmap_tile``'s compile time.
    """
    size = ok.shape[0]
    any_exec, any_trust = False, False
    for i in range(size):
        ok[i] = True
        hits[0, i] = False
        hits[1, i] = False
    for q in range(ptr[c], ptr[c + 1]):
        op, qa, qb, qx = kind[q], a[q], b[q], x[q]
        if op == TRUST_AT_LEAST:
            for i in range(size):
                ok[i] &= not trust[lo + i, qa, qb] < qx
        elif op == CALM_AT_LEAST:
            for i in range(size):
                ok[i] &= calm[i] >= qa
        elif op == ROUNDS_AT_LEAST:
            for i in range(size):
                ok[i] &= in_stage[i] >= qa
        elif op == DEAL_IN_FORCE:
            for i in range(size):
                ok[i] &= in_force[lo + i, qa]
        elif op == TRACK_AT_LEAST:
            for i in range(size):
                ok[i] &= track_level[lo + i, qa] >= qb
        elif op == TAKEN:
            for i in range(size):
                ok[i] &= taken[lo + i, qa]
        elif op == EXECUTED:
            for i in range(size):
                ok[i] &= has(executed[i], qa)
        elif op == EXECUTED_ANY:
            any_exec = True
            for i in range(size):
                hits[0, i] |= has(executed[i], qa)
        elif op == PROVOCATIONS_AT_LEAST:
            for i in range(size):
                ok[i] &= (provocations[i] if triggers else 0) >= qa
        elif op == VIOLATION:
            for i in range(size):
                ok[i] &= triggers and violation[i]
        elif op == TRUST_BELOW_ANY:
            any_trust = True
            for i in range(size):
                hits[1, i] |= trust[lo + i, qa, qb] < qx
    for i in range(size):
        ok[i] &= (hits[0, i] or not any_exec) and (hits[1, i] or not any_trust)


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

    ``ok[c, i]``: whether condition set ``c`` holds for the episode.
    """
    if stalled:
        for q in range(resume.shape[0]):
            if ok[resume[q], i]:
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
    ptr: NDArray[np.int64],
    kind: NDArray[np.int64],
    a: NDArray[np.int64],
    b: NDArray[np.int64],
    x: NDArray[np.float64],
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
    violation: NDArray[np.bool_],
    s: RoadmapArrays,
    n: RoadmapArrays,
    trust: NDArray[np.float64],
    in_force: NDArray[np.bool_],
    taken: NDArray[np.bool_],
    counts: NDArray[np.int64],
    ok: NDArray[np.bool_],
    hits: NDArray[np.bool_],
    o_track_advanced: NDArray[np.bool_],
    o_transition: NDArray[np.int64],
    o_cause: NDArray[np.int64],
    o_success: NDArray[np.bool_],
) -> None:
    """Tracks, the stage transition and success for the tile's episodes (``lo`` onwards).

    ``s`` and ``n`` are the state's (stage, stalled, rounds in stage, calm,
    held, success round, track levels) before and after the round; trust,
    agreements in force and taken slots are already the new ones. Scratch:
    ``counts`` (``[4, tile]``), ``ok`` (``[conditions, tile]``), ``hits``
    (``[2, tile]``).
    """
    s_stage, s_stalled, s_in_stage, s_calm = s.stage, s.stalled, s.rounds_in_stage, s.calm
    s_held, s_success, s_track = s.held, s.success_round, s.track_level
    n_stage, n_stalled, n_in_stage, n_calm = n.stage, n.stalled, n.rounds_in_stage, n.calm
    n_held, n_success, n_track = n.held, n.success_round, n.track_level
    size = executed.shape[0]
    provocations, calm, in_stage, level = (
        counts[0, :size],
        counts[1, :size],
        counts[2, :size],
        counts[3, :size],
    )
    for i in range(size):
        e = lo + i
        count = 0
        for w in range(executed.shape[1]):
            count += count_bits(executed[i, w] & provocation_bits[w])
        provocations[i] = count
        calm[i] = s_calm[e] + 1 if count == 0 else 0
        n_calm[e] = calm[i]
        in_stage[i] = s_in_stage[e] + 1
        for tr in range(n_track.shape[1]):
            n_track[e, tr] = s_track[e, tr]
            o_track_advanced[e, tr] = False

    # Each track rises by at most one level whose criteria now hold (levels never fall);
    # a track's criteria see the levels of the tracks before it already raised.
    for tr in range(n_track.shape[1]):
        for i in range(size):
            level[i] = n_track[lo + i, tr]
        for step in range(level_ptr[tr + 1] - level_ptr[tr]):
            _evaluate(
                ptr,
                kind,
                a,
                b,
                x,
                level_cond[level_ptr[tr] + step],
                False,
                lo,
                ok[0, :size],
                hits,
                calm,
                in_stage,
                provocations,
                violation,
                executed,
                trust,
                in_force,
                n_track,
                taken,
            )
            for i in range(size):
                if level[i] == step and ok[0, i]:
                    n_track[lo + i, tr] = step + 1
                    o_track_advanced[lo + i, tr] = True

    for c in range(ok.shape[0]):
        _evaluate(
            ptr,
            kind,
            a,
            b,
            x,
            c,
            True,
            lo,
            ok[c, :size],
            hits,
            calm,
            in_stage,
            provocations,
            violation,
            executed,
            trust,
            in_force,
            n_track,
            taken,
        )
    last_stage = stage_exit.shape[0] - 1
    for i in range(size):
        e = lo + i
        stage, stalled = s_stage[e], s_stalled[e]
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
        n_stage[e] = stage
        n_stalled[e] = stalled
        n_in_stage[e] = in_stage[i] if change == NONE else 0
        o_transition[e] = change
        o_cause[e] = cause
        holding = change == NONE and not stalled and stage == last_stage and ok[success_cond, i]
        n_held[e] = s_held[e] + 1 if holding else 0
        reached = s_success[e] < 0 and n_held[e] >= success_hold
        o_success[e] = reached
        n_success[e] = rnd + 1 if reached else s_success[e]
