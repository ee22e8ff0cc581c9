"""The state episodes start from: the scenario's ``initial:`` section, or a replayed state.

Both paths end in :func:`starting_rows`, so a forecast from a replayed state
and one from a state written by hand in ``initial:`` are the same code
(``tests/simulate/test_replay.py`` holds them equal). A start has ``E``
rows (the episodes of a replay, one for ``initial:``); episode ``n`` of a
forecast starts from row ``n % E``, a function of its id alone, so a batch
still gives exactly its episodes one by one.

Trust given as a level ``t`` in ``initial:`` is carried as evidence, not as
a new prior: the least evidence of one kind (hostile when ``t`` is below the
pair's prior mean, cooperative above) that makes trust ``t`` with the
pair's prior. It is forgotten at ``trust.forgetting`` a round like any
evidence, so trust drifts back toward the prior mean unless the game keeps
it where it started; the prior's weight is unchanged.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from detente.dtypes import I64
from detente.engine.arrays import StateArrays, initial_arrays
from detente.engine.tables import kernel_tables
from detente.scenario.compiled import CompiledScenario

if TYPE_CHECKING:
    from detente.engine.state import State


def initial_row(compiled: CompiledScenario) -> StateArrays | None:
    """The scenario's ``initial:`` section as the state of one episode; None without one.

    Standing policies in force executed in the round before the start, as they
    do every round, so they are also the last round's executed and perceived
    acts (and taken).
    """
    init = compiled.scenario.initial
    if init is None:
        return None
    row = initial_arrays(compiled, 1)
    if init.stage is not None:
        row.stage[0] = compiled.stages.index(init.stage)
    row.stalled[0] = init.stalled
    row.rounds_in_stage[0] = init.since
    row.calm[0] = init.calm_rounds
    for deal in init.agreements:
        row.in_force[0, compiled.deals.index(deal)] = True
    for ref in init.taken:
        row.taken[0, compiled.condition_slots(ref)[0]] = True
    for ref in init.policies:
        k = compiled.condition_slots(ref)[0]
        row.policy[0, k] = row.taken[0, k] = row.executed[0, k] = True
        row.perceived[0, :, k] = True
    for level_name in init.institutions:
        row.inst[0, compiled.institutions.levels.index(level_name)] = True
    for track, level in init.tracks.items():
        tr = compiled.tracks.index(track)
        row.track_level[0, tr] = compiled.track_levels[tr].index(level) + 1
    t = kernel_tables(compiled)
    for given in init.trust:
        i, j = (compiled.parties.index(p) for p in given.pair)
        pp, pn = float(t.prior_pos[i, j]), float(t.prior_neg[i, j])
        if given.trust is None:
            pos, neg = float(given.cooperative or 0.0), float(given.hostile or 0.0)
        else:
            pos, neg = _evidence(given.trust, pp, pn)
        row.ev_pos[0, i, j], row.ev_neg[0, i, j] = pos, neg
        with_prior = pos + pp
        row.trust[0, i, j] = with_prior / (with_prior + neg + pn)  # as the engine computes it
    return row


def _evidence(trust: float, prior_pos: float, prior_neg: float) -> tuple[float, float]:
    """The least (cooperative, hostile) evidence of one kind that moves the prior to ``trust``."""
    weight = prior_pos + prior_neg
    if trust >= prior_pos / weight:
        return (trust * weight - prior_pos) / (1.0 - trust), 0.0
    return 0.0, (prior_pos - trust * weight) / trust


def starting_rows(start: StateArrays, episodes: I64) -> StateArrays:
    """Each of ``episodes`` in the state of row ``id % E`` of ``start``, as a start.

    Payoffs count from the start (totals zero); success reached before the
    start reads as reached at round 0, and whether it holds carries over.
    """
    rows = gather(start, episodes)
    rows.total[:] = 0.0
    rows.discounted[:] = 0.0
    rows.success_round[rows.success_round >= 0] = 0
    return rows


def gather(state: StateArrays, episodes: I64) -> StateArrays:
    """Fresh C-contiguous arrays: each of ``episodes`` in the state of row ``id % E``."""
    rows = np.asarray(episodes, dtype=np.int64) % state.stage.shape[0]
    return StateArrays._make(np.ascontiguousarray(a[rows]) for a in state)


def same_game(source: CompiledScenario, target: CompiledScenario) -> str | None:
    """Why a state of ``source`` cannot start episodes of ``target``, or None when it can
    (the same parties, slots, commitments, deals, stages and tracks; numbers may differ)."""
    for what in ("parties", "actions", "slots", "commitments", "deals", "stages", "track_levels"):
        if getattr(source, what) != getattr(target, what):
            return (
                f"the start state is of scenario {source.scenario.id}, whose {what} differ "
                f"from those of {target.scenario.id}"
            )
    return None


def initial_section(state: State, b: int = 0) -> dict[str, Any]:
    """Episode ``b`` of ``state`` written as a scenario's ``initial:`` section (plain data).

    Trust is written as its evidence, so the section gives the same trust and
    the same forgetting from there. The section cannot say what the last round
    showed beyond the policies in force, nor a success in progress: a state
    whose last round had other acts, or success held, starts differently.
    """
    c, a = state.compiled, state.arrays
    policies = np.flatnonzero(state.policies_in_force[b])
    levels = a.track_level[b]
    pairs = [(i, j) for i in range(c.n_parties) for j in range(c.n_parties) if i != j]
    return {
        "stage": c.stages[int(a.stage[b])],
        "stalled": bool(a.stalled[b]),
        "since": int(a.rounds_in_stage[b]),
        "calm_rounds": int(a.calm[b]),
        "agreements": [d for d, on in zip(c.deals, a.in_force[b], strict=True) if on],
        "policies": [c.slot_label(int(k)) for k in policies],
        "taken": [c.slot_label(int(k)) for k in np.flatnonzero(a.taken[b])],
        "tracks": {
            track: c.track_levels[t][int(levels[t]) - 1]
            for t, track in enumerate(c.tracks)
            if levels[t] > 0
        },
        "institutions": [c.institutions.levels[int(x)] for x in np.flatnonzero(a.inst[b])],
        "trust": [
            {
                "pair": [c.parties[i], c.parties[j]],
                "cooperative": float(a.ev_pos[b, i, j]),
                "hostile": float(a.ev_neg[b, i, j]),
            }
            for i, j in pairs
        ],
    }
