"""Simulated paths for a backtest: play a batch from a state and keep what questions read.

:func:`forecast_paths` plays any starting :class:`~detente.engine.State`
(a replayed one, broadcast to the batch, is the command's case) with the
simulator's own round loop and records stage, stall and the executed
slots after each round. :func:`opening_forecaster` forecasts every cut from
the scenario's own initial state, whatever the record says before the cut:
the model's unconditioned forecast, a reference, not a forecast from the
situation at the cut.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from detente.backtest.paths import Paths
from detente.backtest.seams import Forecaster
from detente.engine import CounterRNG, State, StepEvents, initial_state
from detente.scenario.compiled import CompiledScenario
from detente.simulate.profile import Assignment
from detente.simulate.runner import build_profile, play


def forecast_paths(
    compiled: CompiledScenario,
    start: State,
    horizon: int,
    seed: int,
    profile: Assignment | None = None,
    history: Sequence[StepEvents] = (),
) -> Paths:
    """``horizon`` rounds of ``profile`` from ``start``; row 0 of the paths is ``start``.

    ``history``: the replayed rounds that led to ``start`` (``Replay.history``);
    ``play`` resets the strategies, then warms their memories with them."""
    n, k = start.batch, compiled.n_slots
    stage = np.zeros((n, horizon + 1), dtype=np.int64)
    stalled = np.zeros((n, horizon + 1), dtype=bool)
    executed = np.zeros((n, horizon + 1, k), dtype=bool)
    stage[:, 0], stalled[:, 0], executed[:, 0] = start.stage, start.stalled, start.executed
    _, strategies = build_profile(compiled, profile)
    for t, events in enumerate(
        play(strategies, start, horizon, CounterRNG(seed), history=history), start=1
    ):
        after = events.after
        stage[:, t], stalled[:, t], executed[:, t] = after.stage, after.stalled, after.executed
    return Paths.from_executed(compiled, stage, stalled, executed)


def opening_forecaster(compiled: CompiledScenario, profile: Assignment | None = None) -> Forecaster:
    """Forecasts from the scenario's initial state for every cut (episodes 0 .. N-1)."""

    def forecast(cut: int, horizon: int, episodes: int, seed: int) -> Paths:
        return forecast_paths(compiled, initial_state(compiled, episodes), horizon, seed, profile)

    return forecast
