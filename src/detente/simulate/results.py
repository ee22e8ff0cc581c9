"""Simulation results: one record per episode, optional trajectories, and their summary."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

from detente.dtypes import B8, F64, I64

if TYPE_CHECKING:
    from detente.simulate.summary import Summary


@dataclass(frozen=True, eq=False)
class Trajectories:
    """Per-round paths, ``[N, R, ...]``: the state after each round."""

    stage: NDArray[np.int8]  # [N, R]
    stalled: B8  # [N, R]
    trust: NDArray[np.float32]  # [N, R, P, P] trust of i in j


@dataclass(frozen=True, eq=False)
class Results:
    """What happened in each episode of a simulation (row ``n`` is episode ``episodes[n]``).

    Rounds are counted from 1; ``first_reached[n, s]`` is the round after
    which stage ``s`` was first reached (0 for the first stage, -1 if never);
    ``success_round`` is the round success was first reached, -1 when it was
    not; ``success_held`` whether success was in force after the last round
    (reached and not lost since, or regained) and ``success_losses`` how often
    it was lost. Results files written before these were recorded read them as
    None. ``stage_rounds[n, s]`` counts the rounds after which episode ``n`` was in
    stage ``s`` (None for files written before it was recorded). ``success_counts``
    is the scenario's ``roadmap.success.counts``: which of the two "success" means
    in the headline numbers. ``triggers[n, q, p]`` counts the firings of rule ``q`` in
    episode ``n`` that party ``p``'s acts met (:attr:`detente.engine.StepEvents.triggered_by`),
    ``triggers[n, q, P]`` those in which trust below a threshold did, and ``rule_kinds``
    says which rules send the process back and which stall it (both None for files
    written before attribution was recorded).
    """

    scenario: str
    parties: tuple[str, ...]
    stages: tuple[str, ...]
    rules: tuple[str, ...]
    profile: dict[str, str]
    seed: int
    rounds: int
    episodes: I64  # [N]
    success_round: I64  # [N]
    max_stage: I64  # [N]
    first_reached: I64  # [N, S]
    final_stage: I64  # [N]
    final_stalled: B8  # [N]
    stalls: I64  # [N] times the process stalled
    breakdowns: I64  # [N, rules] times each breakdown rule fired
    total: F64  # [N, P] undiscounted payoff
    discounted: F64  # [N, P]
    trajectories: Trajectories | None = None
    success_held: B8 | None = None  # [N]
    success_losses: I64 | None = None  # [N]
    success_counts: str = "reached"
    hold_rounds: int | None = None  # the scenario's roadmap.success.hold_rounds
    stage_rounds: I64 | None = None  # [N, S] rounds each episode ended in each stage
    triggers: NDArray[np.int32] | None = None  # [N, rules, P + 1] firings by party; last: trust
    rule_kinds: tuple[str, ...] | None = None  # each rule's ``then``: "back" or "stall"

    def rows(self, which: slice) -> Results:
        """The episodes of rows ``which`` (views, not copies)."""
        per_episode = {
            f.name: getattr(self, f.name)[which]
            for f in fields(self)
            if isinstance(getattr(self, f.name), np.ndarray)
        }
        t = self.trajectories
        cut = None if t is None else Trajectories(t.stage[which], t.stalled[which], t.trust[which])
        return replace(self, **per_episode, trajectories=cut)

    @property
    def n(self) -> int:
        return int(self.episodes.shape[0])

    @property
    def succeeded(self) -> B8:
        """``[N]``: success as the scenario counts it (``success_counts``), episode by
        episode: reached at some round, or held to the end (as ``summary().success``)."""
        if self.success_counts == "reached":
            return self.success_round >= 0
        if self.success_held is None:
            raise ValueError(
                "the scenario counts success held to the end, but these results do not record it"
            )
        return self.success_held

    def summary(self) -> Summary:
        """Probabilities, medians and means with 95% confidence intervals."""
        from detente.simulate.summary import summarise

        return summarise(self)
