"""The record and a forecast in one shape: per episode and round, the stage, the stall, the acts.

Questions read :class:`Paths` only, so the same rule answers a question on
the record (one episode: what happened) and on a simulation (many: what
might). Row 0 is the state before the first round of the path (the start
of the record, or the cut a forecast starts from); row ``t`` the state
after round ``t``.

*Acts* are what a question about actions counts: the slots taken in a
round, a standing policy counting in the round it comes into execution
only (the record shows a moratorium once, when it is declared; the engine
executes it every round while it is in force).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from detente.backtest.seams import MappedRecordLike
from detente.dtypes import B8, I64
from detente.scenario.compiled import CompiledScenario


@dataclass(frozen=True, eq=False)
class Paths:
    """``stage [N, T+1]``, ``stalled [N, T+1]``, ``acts [N, T+1, K]``; row 0 before round 1."""

    stage: I64
    stalled: B8
    acts: B8

    def __post_init__(self) -> None:
        n, t = self.stage.shape
        if self.stalled.shape != (n, t) or self.acts.shape[:2] != (n, t) or self.acts.ndim != 3:
            raise ValueError(
                f"paths of inconsistent shapes: stage {self.stage.shape}, "
                f"stalled {self.stalled.shape}, acts {self.acts.shape}"
            )

    @property
    def episodes(self) -> int:
        return int(self.stage.shape[0])

    @staticmethod
    def stacked(parts: Sequence[Paths]) -> Paths:
        """The episodes of ``parts`` one after another (a forecast made in draws)."""
        return Paths(
            np.concatenate([p.stage for p in parts]),
            np.concatenate([p.stalled for p in parts]),
            np.concatenate([p.acts for p in parts]),
        )

    @property
    def rounds(self) -> int:
        """Rounds after row 0."""
        return int(self.stage.shape[1]) - 1

    @staticmethod
    def from_executed(compiled: CompiledScenario, stage: I64, stalled: B8, executed: B8) -> Paths:
        """Paths from the engine's record of each round (``executed`` as ``State.executed``).

        A standing policy executes every round it is in force; it is an act
        only in a round it executes after a round it did not.
        """
        acts = np.array(executed, dtype=bool, copy=True)
        standing = compiled.slot_standing
        acts[:, 1:, standing] &= ~executed[:, :-1, standing]
        return Paths(np.asarray(stage, dtype=np.int64), np.asarray(stalled, dtype=bool), acts)


@dataclass(frozen=True, eq=False)
class ReplayedStages:
    """The record as the model reads it: stage and stall after each round, row 0 before the first.

    The record names acts, not stages: a stage question is answered from the
    record replayed through the engine (the lead's replay), one entry more
    than the record has rounds.
    """

    stage: I64  # [R+1]
    stalled: B8  # [R+1]


def record_paths(
    compiled: CompiledScenario, record: MappedRecordLike, replayed: ReplayedStages | None
) -> Paths:
    """The record as one episode's paths.

    A party's act in a round is an action its recorded move takes outright,
    or the action of a commitment it offers when every member of that
    commitment's deal is offered in the same round (the mapping writes an
    agreement as the offers of all its parties; the clearing itself is the
    replay's business). Without ``replayed``, stage and stall are unknown
    (zeros), and a backtest refuses stage questions.
    """
    rounds = len(record.rounds)
    acts = np.zeros((1, rounds + 1, compiled.n_slots), dtype=bool)
    for t, rnd in enumerate(record.rounds, start=1):
        offered = {
            compiled.seat(party).commitment_index[name]
            for party, move in rnd.moves.items()
            for name in move.offers
        }
        for party, move in rnd.moves.items():
            seat = compiled.seat(party)
            for name in move.actions:
                acts[0, t, seat.action_slot[name]] = True
            for name in move.offers:
                m = seat.commitment_index[name]
                if all(int(j) in offered for j in compiled.package(m)):
                    acts[0, t, compiled.commitment_slot[m]] = True
    if replayed is None:
        stage = np.zeros((1, rounds + 1), dtype=np.int64)
        stalled = np.zeros((1, rounds + 1), dtype=bool)
    else:
        if len(replayed.stage) != rounds + 1 or len(replayed.stalled) != rounds + 1:
            raise ValueError(
                f"the replayed stages cover {len(replayed.stage)} rows and the record "
                f"{rounds} rounds; expected {rounds + 1} rows (the state before round 1 too)"
            )
        stage = np.asarray(replayed.stage, dtype=np.int64)[None, :]
        stalled = np.asarray(replayed.stalled, dtype=bool)[None, :]
    return Paths(stage, stalled, acts)
