"""The backtest's :class:`~detente.backtest.commands.Wiring` to the record and the replay.

* the record: the events file (or a bundled name) mapped onto the scenario
  by its mapping file (``detente.record``), a round a month by default;
* the record's stages: the whole record replayed once, perfect perception
  (``noise=False``): the stage and stall the recorded acts lead to, not a
  draw of how the parties misread them;
* the forecaster: the record replayed with the forecast's episodes and
  seed (perception noise on, as in ``simulate --until``), then from the
  state after the last round before the cut's, each strategy warmed with
  the replayed rounds (``play``'s ``history``), ``forecast_paths``.
  The record is replayed once per episode count; a cut takes its prefix.
* with ``--posterior`` (:func:`drawn_forecaster`): the same, per draw of the
  posterior's numbers. The forecast's episodes are split into draws of M
  as ``simulate --posterior`` splits them (episode e plays draw e // M,
  with the draw values and engine noise it would have there); each draw
  replays the record under its own numbers, so the state at the cut is
  the one those numbers lead to.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from detente.backtest.commands import Wiring
from detente.backtest.paths import Paths, ReplayedStages
from detente.backtest.runner import BacktestError
from detente.backtest.seams import Forecaster, MappedRecordLike
from detente.backtest.simulation import forecast_paths
from detente.engine import initial_state
from detente.record.errors import RecordError
from detente.record.mapping import MappedRecord
from detente.scenario.compiled import CompiledScenario
from detente.simulate.from_record import RecordSource, prefix
from detente.simulate.profile import Assignment
from detente.simulate.replay import Replay
from detente.simulate.replay_commands import replay_record

if TYPE_CHECKING:
    from detente.scenario.uncertain import UncertainScenario
    from detente.simulate.parameters import ParameterSource


def replayed_stages(compiled: CompiledScenario, record: MappedRecordLike) -> ReplayedStages:
    """The record's stage and stall before its first round and after each (exact perception)."""
    played = replay_record(compiled, _mapped(record), noise=False)
    states = [played.initial, *(r.after for r in played.rounds)]
    return ReplayedStages(
        stage=np.array([s.stage[0] for s in states], dtype=np.int64),
        stalled=np.array([s.stalled[0] for s in states], dtype=bool),
    )


def record_forecaster(
    compiled: CompiledScenario, record: MappedRecordLike, profile: Assignment | None
) -> Forecaster:
    """Forecasts from each cut: the record's rounds before it replayed, strategies warmed."""
    replays: dict[tuple[int, int], Replay] = {}

    def forecast(cut: int, horizon: int, episodes: int, seed: int) -> Paths:
        key = (episodes, seed)
        if key not in replays:
            replays[key] = replay_record(compiled, _mapped(record), seed=seed, episodes=episodes)
        known = prefix(replays[key], cut)
        start = initial_state(compiled, episodes, start=known.final)
        return forecast_paths(compiled, start, horizon, seed, profile, history=known.history)

    return forecast


def drawn_forecaster(
    scenario: UncertainScenario,
    source: ParameterSource,
    draws: int,
    record: MappedRecordLike,
    profile: Assignment | None,
) -> Forecaster:
    """Forecasts from each cut over ``draws`` draws of ``source``'s numbers: each draw's
    record replayed under its scenario, its episodes (ids ``d * M ..``) simulated from
    there, the draws' paths stacked in episode order."""
    from detente.scenario.compiled import compile_scenario
    from detente.simulate.draws import episodes_per_draw

    replays: dict[tuple[int, int], list[tuple[CompiledScenario, Replay, int]]] = {}

    def played(episodes: int, seed: int) -> list[tuple[CompiledScenario, Replay, int]]:
        if (episodes, seed) not in replays:
            m = episodes_per_draw(episodes, draws)
            ids = np.arange(0, (episodes - 1) // m + 1, dtype=np.int64)
            each = []
            for d, row in zip(ids, source.values(seed, ids), strict=True):
                compiled = compile_scenario(scenario.at(source.paths, row))
                first, size = int(d) * m, min(m, episodes - int(d) * m)
                replay = replay_record(
                    compiled, _mapped(record), seed=seed, episodes=size, first_episode=first
                )
                each.append((compiled, replay, first))
            replays[(episodes, seed)] = each
        return replays[(episodes, seed)]

    def forecast(cut: int, horizon: int, episodes: int, seed: int) -> Paths:
        parts = []
        for compiled, replay, first in played(episodes, seed):
            known = prefix(replay, cut)
            start = initial_state(compiled, known.final.batch, first, start=known.final)
            parts.append(
                forecast_paths(compiled, start, horizon, seed, profile, history=known.history)
            )
        return Paths.stacked(parts)

    return forecast


def _mapped(record: MappedRecordLike) -> MappedRecord:
    if not isinstance(record, MappedRecord):
        raise TypeError(f"expected the record package's MappedRecord, got {type(record).__name__}")
    return record


def record_wiring(scenario: str, mapping: str | None = None, unit: str = "month") -> Wiring:
    """The command's wiring for ``scenario`` (its name or file, for the mapping beside it)."""

    def load(compiled: CompiledScenario, events: Path) -> MappedRecordLike:
        return RecordSource(str(events), mapping=mapping, unit=unit).mapped(scenario, compiled)

    return Wiring(
        load_record=load,
        replayed=replayed_stages,
        forecaster=record_forecaster,
        errors=(RecordError, BacktestError),
        drawn=drawn_forecaster,
    )
