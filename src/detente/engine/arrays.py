"""The engine's per-episode arrays, as numba-friendly named tuples.

Every field has a leading episode axis ``B``: one step advances the whole
batch, and a live session is a batch of one.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from detente.dtypes import B8, F64, I64
from detente.engine.tables import kernel_tables
from detente.scenario.compiled import CompiledScenario


class StateArrays(NamedTuple):
    """What carries over from one round to the next."""

    stage: I64  # [B] current stage index
    stalled: B8  # [B]
    rounds_in_stage: I64  # [B] rounds completed in the current stage (or stall)
    calm: I64  # [B] consecutive rounds without a provocation
    held: I64  # [B] consecutive rounds the success condition has held
    success_round: I64  # [B] round (1-based) success was reached, -1 before
    taken: B8  # [B, K] slots executed at least once
    in_force: B8  # [B, D] agreements in force
    track_level: I64  # [B, T] levels reached on each track
    ev_pos: F64  # [B, P, P] discounted cooperative evidence of i about j
    ev_neg: F64  # [B, P, P] discounted hostile evidence
    trust: F64  # [B, P, P] trust of i in j
    total: F64  # [B, P] undiscounted payoff so far
    discounted: F64  # [B, P] discounted payoff so far
    executed: B8  # [B, K] last round's executed slots (public)
    perceived: B8  # [B, P, K] last round's perception by each observer (private)
    policy: B8  # [B, K] standing policies in force ([B, 0] in scenarios without any)
    inst: B8  # [B, L] institutions' policy levels in force ([B, 0] without institutions)


class Outcome(NamedTuple):
    """What happened in one round, for events, results and learning."""

    trembled: B8  # [B, K] outright choices flipped by a trembling hand
    cleared: B8  # [B, M] offered commitments that cleared
    deal_cleared: B8  # [B, D]
    violated: B8  # [B, D]
    failed: B8  # [B, K] executed slots whose outcome failed
    payoff: F64  # [B, P] this round's undiscounted payoff
    transition: I64  # [B] roadmap transition kind (engine.roadmap constants)
    cause: I64  # [B] breakdown rule index, -1 when none
    track_advanced: B8  # [B, T]
    success: B8  # [B] success reached this round
    resolved: I64  # [B, R] each resolution's tally (engine.institutions: not voted, adopted, ...)


def initial_arrays(compiled: CompiledScenario, batch: int) -> StateArrays:
    """The state before round 1: first stage, priors for trust, nothing taken."""
    t = kernel_tables(compiled)
    P, K = compiled.n_parties, compiled.n_slots
    D, T = len(compiled.deals), len(compiled.tracks)
    prior = t.prior_pos / (t.prior_pos + t.prior_neg)
    np.fill_diagonal(prior, 1.0)
    return StateArrays(
        stage=np.zeros(batch, dtype=np.int64),
        stalled=np.zeros(batch, dtype=bool),
        rounds_in_stage=np.zeros(batch, dtype=np.int64),
        calm=np.zeros(batch, dtype=np.int64),
        held=np.zeros(batch, dtype=np.int64),
        success_round=np.full(batch, -1, dtype=np.int64),
        taken=np.zeros((batch, K), dtype=bool),
        in_force=np.zeros((batch, D), dtype=bool),
        track_level=np.zeros((batch, T), dtype=np.int64),
        ev_pos=np.zeros((batch, P, P)),
        ev_neg=np.zeros((batch, P, P)),
        trust=np.broadcast_to(prior, (batch, P, P)).copy(),
        total=np.zeros((batch, P)),
        discounted=np.zeros((batch, P)),
        executed=np.zeros((batch, K), dtype=bool),
        perceived=np.zeros((batch, P, K), dtype=bool),
        policy=np.zeros((batch, K if t.policies else 0), dtype=bool),
        inst=np.zeros((batch, compiled.institutions.n_levels), dtype=bool),
    )


def empty_like(s: StateArrays) -> StateArrays:
    """Uninitialised C-contiguous arrays of the same shapes, for the kernel to write into."""
    return StateArrays._make(np.empty(a.shape, dtype=a.dtype) for a in s)


def empty_outcome(compiled: CompiledScenario, batch: int) -> Outcome:
    P, M = compiled.n_parties, len(compiled.commitments)
    D, T = len(compiled.deals), len(compiled.tracks)
    K = compiled.n_slots
    return Outcome(
        trembled=np.empty((batch, K), dtype=bool),
        cleared=np.empty((batch, M), dtype=bool),
        deal_cleared=np.empty((batch, D), dtype=bool),
        violated=np.empty((batch, D), dtype=bool),
        failed=np.zeros((batch, K), dtype=bool),  # written only where an act can fail
        payoff=np.empty((batch, P)),
        transition=np.empty(batch, dtype=np.int64),
        cause=np.empty(batch, dtype=np.int64),
        track_advanced=np.empty((batch, T), dtype=bool),
        success=np.empty(batch, dtype=bool),
        resolved=np.empty((batch, len(compiled.institutions.resolutions)), dtype=np.int64),
    )
