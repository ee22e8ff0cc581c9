"""Folding each round's state and outcome into per-episode results, chunk by chunk."""

from __future__ import annotations

import numpy as np

from detente.engine import State, StepEvents
from detente.scenario.compiled import CompiledScenario
from detente.simulate.results import Results, Trajectories


class Recorder:
    """Preallocated per-episode arrays that chunks of a simulation fill in place."""

    def __init__(
        self, compiled: CompiledScenario, episodes: int, rounds: int, trajectories: bool
    ) -> None:
        P, S = compiled.n_parties, len(compiled.stages)
        self.compiled = compiled
        self.episodes = np.zeros(episodes, dtype=np.int64)
        self.first_reached = np.full((episodes, S), -1, dtype=np.int64)
        self.first_reached[:, 0] = 0
        self.max_stage = np.zeros(episodes, dtype=np.int64)
        self.stalls = np.zeros(episodes, dtype=np.int64)
        self.breakdowns = np.zeros((episodes, len(compiled.rules)), dtype=np.int64)
        self.triggers = np.zeros((episodes, len(compiled.rules), P + 1), dtype=np.int32)
        self.success_round = np.full(episodes, -1, dtype=np.int64)
        self.success_held = np.zeros(episodes, dtype=bool)
        self.success_losses = np.zeros(episodes, dtype=np.int64)
        self.final_stage = np.zeros(episodes, dtype=np.int64)
        self.final_stalled = np.zeros(episodes, dtype=bool)
        self.stage_rounds = np.zeros((episodes, S), dtype=np.int64)
        self.total = np.zeros((episodes, P))
        self.discounted = np.zeros((episodes, P))
        self.trajectories = (
            Trajectories(
                stage=np.zeros((episodes, rounds), dtype=np.int8),
                stalled=np.zeros((episodes, rounds), dtype=bool),
                trust=np.zeros((episodes, rounds, P, P), dtype=np.float32),
            )
            if trajectories
            else None
        )

    def begin(self, rows: slice, state: State) -> None:
        """Record where the chunk's episodes start: their stage and every stage before it
        count as reached at round 0 (a start in a later stage has passed the earlier ones)."""
        stage = state.stage
        passed = np.arange(self.first_reached.shape[1]) <= stage[:, None]
        self.first_reached[rows] = np.where(passed, 0, self.first_reached[rows])
        self.max_stage[rows] = stage

    def observe(self, rows: slice, state: State, events: StepEvents) -> None:
        """Record the round just played (``state.round``) for the episodes in ``rows``."""
        stage = state.stage
        S = self.first_reached.shape[1]
        # 1-D indexing into flat views of our own (contiguous) arrays is the cheapest
        episode = np.arange(rows.start, rows.stop)
        first = self.first_reached.reshape(-1)
        at = episode * S + stage
        seen = first[at]
        first[at] = np.where(seen < 0, state.round, seen)
        self.stage_rounds.reshape(-1)[at] += 1
        np.maximum(self.max_stage[rows], stage, out=self.max_stage[rows])
        self.stalls[rows] += events.stalled
        self.success_losses[rows] += events.success_lost
        rule = events.breakdown
        fired = rule >= 0
        at = episode[fired] * self.breakdowns.shape[1] + rule[fired]
        self.breakdowns.reshape(-1)[at] += 1  # at most one rule fires per episode
        if at.size:
            P = self.triggers.shape[2] - 1
            triggers = self.triggers.reshape(-1, P + 1)
            triggers[at, :P] += events.triggered_by[fired]
            triggers[at, P] += events.triggered_on_trust[fired]
        if self.trajectories is not None:
            r = state.round - 1
            self.trajectories.stage[rows, r] = stage
            self.trajectories.stalled[rows, r] = state.stalled
            self.trajectories.trust[rows, r] = state.trust

    def finish(self, rows: slice, state: State) -> None:
        """Record the end of the chunk's episodes."""
        self.episodes[rows] = state.episodes
        self.success_round[rows] = state.success_round
        self.success_held[rows] = state.success_in_force
        self.final_stage[rows] = state.stage
        self.final_stalled[rows] = state.stalled
        self.total[rows] = state.total
        self.discounted[rows] = state.discounted

    def results(self, profile: dict[str, str], seed: int, rounds: int) -> Results:
        c = self.compiled
        return Results(
            scenario=c.scenario.id,
            parties=c.parties,
            stages=c.stages,
            rules=c.rules,
            profile=profile,
            seed=seed,
            rounds=rounds,
            episodes=self.episodes,
            success_round=self.success_round,
            max_stage=self.max_stage,
            first_reached=self.first_reached,
            final_stage=self.final_stage,
            final_stalled=self.final_stalled,
            stalls=self.stalls,
            breakdowns=self.breakdowns,
            total=self.total,
            discounted=self.discounted,
            trajectories=self.trajectories,
            success_held=self.success_held,
            success_losses=self.success_losses,
            success_counts=c.scenario.roadmap.success.counts,
            hold_rounds=c.scenario.roadmap.success.hold_rounds,
            stage_rounds=self.stage_rounds,
            triggers=self.triggers,
            rule_kinds=rule_kinds(c),
        )


def rule_kinds(compiled: CompiledScenario) -> tuple[str, ...]:
    """Each breakdown rule's ``then`` ("back" or "stall"), in the order of ``compiled.rules``."""
    return tuple(
        rule.then for stage in compiled.scenario.roadmap.stages for rule in stage.breakdown
    )
