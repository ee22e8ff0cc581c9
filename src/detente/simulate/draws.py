"""Forecasts over uncertain numbers: K draws of the numbers, M episodes each (a nested design).

Episode ``e`` (its global id, as in any run) plays under draw ``d = e // M``:
the scenario with draw ``d``'s values (:mod:`detente.simulate.parameters`),
its engine noise addressed by ``e`` as always. So one call, any chunking, or
a run split by ``first_episode`` give every episode the same numbers and the
same dice, and two profiles run with the same seed meet the same draws and
noise (common random numbers). Draws are played one after another, a chunk
at a time, and tallied per draw: memory does not grow with the episodes.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from detente.dtypes import F64
from detente.engine import CounterRNG
from detente.scenario.compiled import CompiledScenario, compile_scenario
from detente.scenario.uncertain import UncertainScenario
from detente.simulate.parameters import ParameterSource
from detente.simulate.profile import Assignment
from detente.simulate.record import Recorder
from detente.simulate.results import Results, Trajectories
from detente.simulate.runner import Progress, build_profile, check_run, play_chunk
from detente.simulate.summary import Summary
from detente.simulate.tally import BLOCK, Tally

if TYPE_CHECKING:
    from detente.simulate.replay import Replay

DEFAULT_DRAWS = 100
StartFor = Callable[[CompiledScenario, int, int], "Replay"]
"""A draw's start: its scenario, its episodes and the id of its first episode -> the record
replayed under its numbers, with the perception noise of those episodes."""


@dataclass(frozen=True, eq=False)
class DrawnRun:
    """A run over draws: each draw's values and tally, and the pooled summary.

    ``first_draw``: the id of ``values[0]`` (0 unless the run began past episode 0);
    ``results``: every episode, when asked for (``keep``), in episode order.
    """

    paths: tuple[str, ...]
    described: tuple[str, ...]
    values: F64  # [K, P]
    tallies: tuple[Tally, ...]  # [K]
    episodes_per_draw: int
    pooled: Summary
    first_draw: int = 0
    results: Results | None = None

    @property
    def draws(self) -> int:
        return len(self.tallies)

    def draw_of(self, episodes: np.ndarray) -> np.ndarray:
        """The draw each of these (global) episode ids played under."""
        return np.asarray(episodes, dtype=np.int64) // self.episodes_per_draw


def episodes_per_draw(episodes: int, draws: int) -> int:
    """M = ceil(E / K): K draws share E episodes, the last draw may have fewer."""
    if draws < 1:
        raise ValueError(f"draws must be at least 1, got {draws}")
    return math.ceil(episodes / draws)


def simulate_draws(
    scenario: UncertainScenario,
    source: ParameterSource,
    profile: Assignment | None = None,
    episodes: int = 1000,
    draws: int = DEFAULT_DRAWS,
    rounds: int | None = None,
    seed: int = 0,
    *,
    first_episode: int = 0,
    per_draw: int | None = None,
    chunk: int = BLOCK,
    progress: Progress | None = None,
    start: StartFor | None = None,
    keep: bool = False,
    trajectories: bool = False,
) -> DrawnRun:
    """Episodes ``first_episode ..`` (``episodes`` of them), each under draw ``id // M`` of
    ``source``'s numbers put into ``scenario``.

    ``M`` is ``per_draw``, by default ``ceil(episodes / draws)``; give it to play a part
    of a larger run. ``start``: each draw's episodes begin where the record leaves its
    own scenario. ``keep``: also return every episode's results (for ``--out``).
    """
    horizon = scenario.nominal.rounds if rounds is None else rounds
    check_run(episodes, chunk, first_episode, horizon)
    m = per_draw if per_draw is not None else episodes_per_draw(episodes, draws)
    if m < 1:
        raise ValueError(f"per_draw must be at least 1, got {m}")
    end = first_episode + episodes
    ids = np.arange(first_episode // m, (end - 1) // m + 1, dtype=np.int64)
    values = source.values(seed, ids)
    rng = CounterRNG(seed)
    tallies: list[Tally] = []
    kept: list[Results] = []
    for d, row in zip(ids, values, strict=True):
        compiled = compile_scenario(scenario.at(source.paths, row))
        labels, strategies = build_profile(compiled, profile)
        begin = None if start is None else start(compiled, m, int(d) * m)
        tally: Tally | None = None
        lo, hi = max(first_episode, int(d) * m), min(end, (int(d) + 1) * m)
        for first in range(lo, hi, chunk):
            size = min(chunk, hi - first)
            recorder = Recorder(compiled, size, horizon, trajectories and keep)
            play_chunk(strategies, recorder, slice(0, size), first, horizon, rng, progress, begin)
            results = recorder.results(labels, seed, horizon)
            part = Tally.of(results)
            tally = part if tally is None else tally.merge(part)
            if keep:
                kept.append(results)
        assert tally is not None  # every draw in ids has at least one episode
        tallies.append(tally)
    pooled = tallies[0]
    for t in tallies[1:]:
        pooled = pooled.merge(t)
    return DrawnRun(
        paths=source.paths,
        described=source.describe(),
        values=values,
        tallies=tuple(tallies),
        episodes_per_draw=m,
        pooled=pooled.summary(),
        first_draw=int(ids[0]),
        results=concatenate(kept) if keep else None,
    )


def concatenate(parts: Sequence[Results]) -> Results:
    """Results of consecutive runs of one scenario as one (episodes in the order given)."""
    first = parts[0]
    joined: dict[str, Any] = {}
    for f in dataclasses.fields(Results):
        value = getattr(first, f.name)
        if isinstance(value, np.ndarray):
            joined[f.name] = np.concatenate([getattr(p, f.name) for p in parts])
    trajectories = None
    if first.trajectories is not None:
        trajectories = Trajectories(
            *(
                np.concatenate([getattr(p.trajectories, f.name) for p in parts])
                for f in dataclasses.fields(Trajectories)
            )
        )
    return dataclasses.replace(first, **joined, trajectories=trajectories)
