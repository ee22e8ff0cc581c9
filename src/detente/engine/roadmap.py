"""The roadmap: criteria, breakdown rules, stage transitions, tracks, success.

One transition at most per round, checked in this order: a stalled process
resumes when any resume criteria hold; otherwise the first breakdown rule of
the current stage that fires sends it back a stage or stalls it; otherwise it
advances when the stage's exit criteria and the next stage's entry criteria
both hold. Success is the final stage held, unstalled, with the success
criteria met, for ``hold_rounds`` consecutive rounds.
"""

from __future__ import annotations

import numpy as np
from numba import njit
from numpy.typing import NDArray

from detente.scenario.compiled import THEN_BACK, Tables

NONE = 0
ADVANCE = 1
BACK = 2
STALL = 3
RESUME = 4
TRANSITIONS = ("none", "advance", "back", "stall", "resume")


@njit(cache=True)
def criteria_met(
    t: Tables,
    c: int,
    trust: NDArray[np.float64],
    calm: int,
    rounds_in_stage: int,
    in_force: NDArray[np.bool_],
    track_level: NDArray[np.int64],
    taken: NDArray[np.bool_],
    executed: NDArray[np.bool_],
) -> bool:
    """Whether every condition of criteria set ``c`` holds for one episode."""
    if calm < t.crit_calm[c] or rounds_in_stage < t.crit_min_rounds[c]:
        return False
    for q in range(t.crit_trust_ptr[c], t.crit_trust_ptr[c + 1]):
        if trust[t.crit_trust_i[q], t.crit_trust_j[q]] < t.crit_trust_min[q]:
            return False
    for q in range(t.crit_deal_ptr[c], t.crit_deal_ptr[c + 1]):
        if not in_force[t.crit_deal[q]]:
            return False
    for q in range(t.crit_track_ptr[c], t.crit_track_ptr[c + 1]):
        if track_level[t.crit_track[q]] < t.crit_track_level[q]:
            return False
    for q in range(t.crit_taken_ptr[c], t.crit_taken_ptr[c + 1]):
        if not taken[t.crit_taken[q]]:
            return False
    for q in range(t.crit_exec_ptr[c], t.crit_exec_ptr[c + 1]):
        if not executed[t.crit_exec[q]]:
            return False
    return True


@njit(cache=True)
def rule_fires(
    t: Tables,
    r: int,
    executed: NDArray[np.bool_],
    provocations: int,
    violation: bool,
    trust: NDArray[np.float64],
) -> bool:
    """Whether every condition given in breakdown rule ``r``'s trigger holds."""
    lo, hi = t.rule_exec_ptr[r], t.rule_exec_ptr[r + 1]
    if hi > lo:
        hit = False
        for q in range(lo, hi):
            hit = hit or executed[t.rule_exec[q]]
        if not hit:
            return False
    if provocations < t.rule_provocations[r]:
        return False
    if t.rule_violation[r] and not violation:
        return False
    lo, hi = t.rule_trust_ptr[r], t.rule_trust_ptr[r + 1]
    if hi > lo:
        low = False
        for q in range(lo, hi):
            low = low or trust[t.rule_trust_i[q], t.rule_trust_j[q]] < t.rule_trust_max[q]
        if not low:
            return False
    return True


@njit(cache=True)
def advance_tracks(
    t: Tables,
    trust: NDArray[np.float64],
    calm: int,
    rounds_in_stage: int,
    in_force: NDArray[np.bool_],
    track_level: NDArray[np.int64],
    taken: NDArray[np.bool_],
    executed: NDArray[np.bool_],
    advanced: NDArray[np.bool_],
) -> None:
    """Raise each track by at most one level whose criteria now hold (levels never fall)."""
    for tr in range(track_level.shape[0]):
        level = track_level[tr]
        advanced[tr] = False
        if level < t.track_level_ptr[tr + 1] - t.track_level_ptr[tr]:
            c = t.track_level_crit[t.track_level_ptr[tr] + level]
            if criteria_met(
                t, c, trust, calm, rounds_in_stage, in_force, track_level, taken, executed
            ):
                track_level[tr] = level + 1
                advanced[tr] = True


@njit(cache=True)
def transition(
    t: Tables,
    stage: int,
    stalled: bool,
    rounds_in_stage: int,
    trust: NDArray[np.float64],
    calm: int,
    in_force: NDArray[np.bool_],
    track_level: NDArray[np.int64],
    taken: NDArray[np.bool_],
    executed: NDArray[np.bool_],
    provocations: int,
    violation: bool,
) -> tuple[int, int]:
    """The transition kind and the breakdown rule behind it (-1 when none)."""
    if stalled:
        for q in range(t.resume.shape[0]):
            if criteria_met(
                t, t.resume[q], trust, calm, rounds_in_stage, in_force, track_level, taken, executed
            ):
                return RESUME, -1
        return NONE, -1
    for r in range(t.stage_rule_ptr[stage], t.stage_rule_ptr[stage + 1]):
        if rule_fires(t, r, executed, provocations, violation, trust):
            kind = BACK if t.rule_then[r] == THEN_BACK else STALL
            return kind, r
    if stage + 1 < t.n_stages:
        if criteria_met(
            t,
            t.stage_exit[stage],
            trust,
            calm,
            rounds_in_stage,
            in_force,
            track_level,
            taken,
            executed,
        ) and criteria_met(
            t,
            t.stage_entry[stage + 1],
            trust,
            calm,
            rounds_in_stage,
            in_force,
            track_level,
            taken,
            executed,
        ):
            return ADVANCE, -1
    return NONE, -1
