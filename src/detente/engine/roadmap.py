"""The roadmap: conditions, stage transitions, tracks.

One transition at most per round, checked in this order: a stalled process
resumes when any resume criteria hold; otherwise the first breakdown rule of
the current stage that fires sends it back a stage or stalls it; otherwise it
advances when the stage's exit criteria and the next stage's entry criteria
both hold. Success is the final stage held, unstalled, with the success
criteria met, for ``hold_rounds`` consecutive rounds (see the kernel).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from detente.engine.bits import has
from detente.engine.jit import inlined, inner
from detente.scenario.compiled import THEN_BACK
from detente.scenario.conditions import (
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

NONE = 0
ADVANCE = 1
BACK = 2
STALL = 3
RESUME = 4


@inner
def holds(
    ptr: NDArray[np.int64],
    kind: NDArray[np.int64],
    a: NDArray[np.int64],
    b: NDArray[np.int64],
    x: NDArray[np.float64],
    c: int,
    e: int,
    trust: NDArray[np.float64],
    calm: int,
    rounds_in_stage: int,
    in_force: NDArray[np.bool_],
    track_level: NDArray[np.int64],
    taken: NDArray[np.bool_],
    executed: NDArray[np.uint64],
    provocations: int,
    violation: bool,
) -> bool:
    """Whether condition set ``c`` of the program holds for episode ``e`` this round.

    ``trust``, ``in_force``, ``track_level`` and ``taken`` are whole-batch
    arrays (rows of ``e`` are read: no per-episode views, which cost
    reference counting); ``executed`` is the episode's slot words.
    """
    any_exec, exec_hit, any_trust, trust_hit = False, False, False, False
    for q in range(ptr[c], ptr[c + 1]):
        op = kind[q]
        if op == TRUST_AT_LEAST:
            if trust[e, a[q], b[q]] < x[q]:
                return False
        elif op == CALM_AT_LEAST:
            if calm < a[q]:
                return False
        elif op == ROUNDS_AT_LEAST:
            if rounds_in_stage < a[q]:
                return False
        elif op == DEAL_IN_FORCE:
            if not in_force[e, a[q]]:
                return False
        elif op == TRACK_AT_LEAST:
            if track_level[e, a[q]] < b[q]:
                return False
        elif op == TAKEN:
            if not taken[e, a[q]]:
                return False
        elif op == EXECUTED:
            if not has(executed, a[q]):
                return False
        elif op == EXECUTED_ANY:
            any_exec = True
            exec_hit = exec_hit or has(executed, a[q])
        elif op == PROVOCATIONS_AT_LEAST:
            if provocations < a[q]:
                return False
        elif op == VIOLATION:
            if not violation:
                return False
        elif op == TRUST_BELOW_ANY:
            any_trust = True
            trust_hit = trust_hit or trust[e, a[q], b[q]] < x[q]
    return (exec_hit or not any_exec) and (trust_hit or not any_trust)


@inner
def advance_tracks(
    ptr: NDArray[np.int64],
    kind: NDArray[np.int64],
    a: NDArray[np.int64],
    b: NDArray[np.int64],
    x: NDArray[np.float64],
    level_ptr: NDArray[np.int64],
    level_cond: NDArray[np.int64],
    e: int,
    trust: NDArray[np.float64],
    calm: int,
    rounds_in_stage: int,
    in_force: NDArray[np.bool_],
    track_level: NDArray[np.int64],
    taken: NDArray[np.bool_],
    executed: NDArray[np.uint64],
    advanced: NDArray[np.bool_],
) -> None:
    """Raise each track by at most one level whose criteria now hold (levels never fall).

    ``track_level[e]`` holds the levels before the round on entry.
    """
    for tr in range(track_level.shape[1]):
        level = track_level[e, tr]
        advanced[e, tr] = False
        if level < level_ptr[tr + 1] - level_ptr[tr]:
            c = level_cond[level_ptr[tr] + level]
            if holds(
                ptr,
                kind,
                a,
                b,
                x,
                c,
                e,
                trust,
                calm,
                rounds_in_stage,
                in_force,
                track_level,
                taken,
                executed,
                0,
                False,
            ):
                track_level[e, tr] = level + 1
                advanced[e, tr] = True


@inner
def transition(
    ptr: NDArray[np.int64],
    kind: NDArray[np.int64],
    a: NDArray[np.int64],
    b: NDArray[np.int64],
    x: NDArray[np.float64],
    stage_entry: NDArray[np.int64],
    stage_exit: NDArray[np.int64],
    stage_rule_ptr: NDArray[np.int64],
    rule_cond: NDArray[np.int64],
    rule_then: NDArray[np.int64],
    resume: NDArray[np.int64],
    stage: int,
    stalled: bool,
    rounds_in_stage: int,
    e: int,
    trust: NDArray[np.float64],
    calm: int,
    in_force: NDArray[np.bool_],
    track_level: NDArray[np.int64],
    taken: NDArray[np.bool_],
    executed: NDArray[np.uint64],
    provocations: int,
    violation: bool,
) -> tuple[int, int]:
    """The transition kind and the breakdown rule behind it (-1 when none)."""
    if stalled:
        for q in range(resume.shape[0]):
            if holds(
                ptr,
                kind,
                a,
                b,
                x,
                resume[q],
                e,
                trust,
                calm,
                rounds_in_stage,
                in_force,
                track_level,
                taken,
                executed,
                provocations,
                violation,
            ):
                return RESUME, -1
        return NONE, -1
    for r in range(stage_rule_ptr[stage], stage_rule_ptr[stage + 1]):
        if holds(
            ptr,
            kind,
            a,
            b,
            x,
            rule_cond[r],
            e,
            trust,
            calm,
            rounds_in_stage,
            in_force,
            track_level,
            taken,
            executed,
            provocations,
            violation,
        ):
            return (BACK if rule_then[r] == THEN_BACK else STALL), r
    if stage + 1 < stage_exit.shape[0]:
        for c in (stage_exit[stage], stage_entry[stage + 1]):
            if not holds(
                ptr,
                kind,
                a,
                b,
                x,
                c,
                e,
                trust,
                calm,
                rounds_in_stage,
                in_force,
                track_level,
                taken,
                executed,
                provocations,
                violation,
            ):
                return NONE, -1
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
    s: tuple[
        NDArray[np.int64],
        NDArray[np.bool_],
        NDArray[np.int64],
        NDArray[np.int64],
        NDArray[np.int64],
        NDArray[np.int64],
        NDArray[np.int64],
    ],
    n: tuple[
        NDArray[np.int64],
        NDArray[np.bool_],
        NDArray[np.int64],
        NDArray[np.int64],
        NDArray[np.int64],
        NDArray[np.int64],
        NDArray[np.int64],
    ],
    trust: NDArray[np.float64],
    in_force: NDArray[np.bool_],
    taken: NDArray[np.bool_],
    o_track_advanced: NDArray[np.bool_],
    o_transition: NDArray[np.int64],
    o_cause: NDArray[np.int64],
    o_success: NDArray[np.bool_],
) -> None:
    """Tracks, the stage transition and success for the tile's episodes (``lo`` onwards).

    ``s`` and ``n`` are the state's (stage, stalled, rounds in stage, calm,
    held, success round, track levels) before and after the round; trust,
    agreements in force and taken slots are already the new ones.
    """
    s_stage, s_stalled, s_in_stage, s_calm, s_held, s_success, s_track = s
    n_stage, n_stalled, n_in_stage, n_calm, n_held, n_success, n_track = n
    last_stage = stage_exit.shape[0] - 1
    for i in range(executed.shape[0]):
        e = lo + i
        words = executed[i]
        provocations = 0
        for w in range(words.shape[0]):
            provocations += _popcount(words[w] & provocation_bits[w])
        calm = s_calm[e] + 1 if provocations == 0 else 0
        n_calm[e] = calm
        in_stage = s_in_stage[e] + 1
        for tr in range(n_track.shape[1]):
            n_track[e, tr] = s_track[e, tr]
        advance_tracks(
            ptr,
            kind,
            a,
            b,
            x,
            level_ptr,
            level_cond,
            e,
            trust,
            calm,
            in_stage,
            in_force,
            n_track,
            taken,
            words,
            o_track_advanced,
        )
        stage, stalled, broken = s_stage[e], s_stalled[e], violation[i]
        change, cause = transition(
            ptr,
            kind,
            a,
            b,
            x,
            stage_entry,
            stage_exit,
            stage_rule_ptr,
            rule_cond,
            rule_then,
            resume,
            stage,
            stalled,
            in_stage,
            e,
            trust,
            calm,
            in_force,
            n_track,
            taken,
            words,
            provocations,
            broken,
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
        n_in_stage[e] = in_stage if change == NONE else 0
        o_transition[e] = change
        o_cause[e] = cause
        holding = (
            change == NONE
            and not stalled
            and stage == last_stage
            and holds(
                ptr,
                kind,
                a,
                b,
                x,
                success_cond,
                e,
                trust,
                calm,
                in_stage,
                in_force,
                n_track,
                taken,
                words,
                provocations,
                broken,
            )
        )
        n_held[e] = s_held[e] + 1 if holding else 0
        reached = s_success[e] < 0 and n_held[e] >= success_hold
        o_success[e] = reached
        n_success[e] = rnd + 1 if reached else s_success[e]


@inlined
def _popcount(x: np.uint64) -> int:
    """The number of set bits of ``x``."""
    count = 0
    while x:
        count += 1
        x &= x - np.uint64(1)
    return count
