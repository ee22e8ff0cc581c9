"""Tasks of a sweep: one grid point, one range of episodes; and merging them back.

Every draw is addressed by (seed, episode, round, ...), so a range of
episodes simulated on its own gives exactly the rows a single run would give
them: tasks can run anywhere, in any order, and their concatenation is the
run. A task carries the validated scenario (not a file name), so a worker on
another machine needs only detente installed.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

import numpy as np

from detente.scenario.compiled import compile_scenario
from detente.scenario.schema import Scenario
from detente.simulate.replay import ReplayPlan
from detente.simulate.results import Results
from detente.simulate.runner import simulate

DEFAULT_TASK_EPISODES = 5_000


@dataclass(frozen=True)
class Task:
    """Episodes ``first_episode .. first_episode + episodes - 1`` of grid point ``point``."""

    point: int
    scenario: Scenario
    profile: dict[str, str]
    rounds: int
    seed: int
    first_episode: int
    episodes: int
    start: ReplayPlan | None = None  # replayed on this point's scenario, then the forecast


def plan(
    point: int,
    scenario: Scenario,
    profile: dict[str, str],
    episodes: int,
    rounds: int,
    seed: int,
    task_episodes: int,
    start: ReplayPlan | None = None,
) -> list[Task]:
    """A grid point's episodes cut into tasks of at most ``task_episodes`` each."""
    return [
        Task(point, scenario, profile, rounds, seed, lo, min(task_episodes, episodes - lo), start)
        for lo in range(0, episodes, task_episodes)
    ]


def run_task(task: Task) -> Results:
    """Simulate one task (module level, so process pools and Ray can ship it)."""
    compiled = compile_scenario(task.scenario)
    return simulate(
        compiled,
        task.profile,
        task.episodes,
        task.rounds,
        task.seed,
        first_episode=task.first_episode,
        start=None if task.start is None else task.start.replay(compiled),
    )


def merge(parts: list[Results]) -> Results:
    """The tasks of one grid point, in episode order, as one :class:`Results`.

    Sweeps record no trajectories, so none are merged.
    """
    parts = sorted(parts, key=lambda r: int(r.episodes[0]))
    arrays: dict[str, Any] = {
        f.name: np.concatenate([getattr(r, f.name) for r in parts])
        for f in fields(Results)
        if isinstance(getattr(parts[0], f.name), np.ndarray)
    }
    return replace(parts[0], **arrays, trajectories=None)
