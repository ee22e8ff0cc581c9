"""A parameter sweep: every grid point simulated on the same seed, tasks spread over a backend.

All points share the seed, hence the random numbers of each episode
(common random numbers): differences between points are the parameters',
not the noise's. The results of a point are exactly those of
``detente simulate --set ...`` with that point's overrides.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from detente.scenario.compiled import compile_scenario
from detente.scenario.overrides import load_with_overrides
from detente.simulate.profile import resolve_profile
from detente.simulate.replay import ReplayPlan
from detente.simulate.results import Results
from detente.sweep.backends import BACKENDS
from detente.sweep.grid import Axis, SweepError, grid_points, point_overrides
from detente.sweep.tasks import DEFAULT_TASK_EPISODES, merge, plan


@dataclass(frozen=True)
class SweepPoint:
    """One grid point: the value of each swept path (as written) and its results."""

    settings: dict[str, str]
    results: Results


@dataclass(frozen=True)
class Sweep:
    """Every grid point of a sweep, the last axis varying fastest."""

    axes: tuple[Axis, ...]
    points: tuple[SweepPoint, ...]

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data: the grid, then each point's settings and summary."""
        return {
            "grid": {a.path: list(a.values) for a in self.axes},
            "points": [
                {"settings": p.settings, "summary": p.results.summary().to_dict()}
                for p in self.points
            ],
        }


def sweep(
    scenario: str | Path,
    axes: Sequence[Axis],
    profile: Mapping[str, str] | None = None,
    episodes: int = 1000,
    rounds: int | None = None,
    seed: int = 0,
    *,
    overrides: Sequence[str] = (),
    backend: str = "local",
    workers: int | None = None,
    address: str | None = None,
    task_episodes: int = DEFAULT_TASK_EPISODES,
    start: ReplayPlan | None = None,
) -> Sweep:
    """Simulate every point of the grid spanned by ``axes`` (on top of ``overrides``).

    Every point is validated before anything runs, so a bad path or value
    fails at once. ``rounds`` defaults to each point's scenario. ``start``:
    recorded moves each point replays on its own scenario, its episodes then
    starting from the replayed state (``simulate(..., start=...)``).
    """
    if backend not in BACKENDS:
        raise SweepError(f"backend must be one of {', '.join(BACKENDS)}, got {backend!r}")
    if task_episodes < 1 or episodes < 1:
        raise SweepError("episodes and task episodes must be at least 1")
    points = grid_points(axes)
    scenarios = [
        load_with_overrides(scenario, [*overrides, *point_overrides(point)]) for point in points
    ]
    given = dict(profile or {})
    resolve_profile(compile_scenario(scenarios[0]), given)  # fail here, not in a worker
    tasks = [
        task
        for k, sc in enumerate(scenarios)
        for task in plan(k, sc, given, episodes, rounds or sc.rounds, seed, task_episodes, start)
    ]
    done = BACKENDS[backend](tasks, workers, address)
    return Sweep(
        tuple(axes),
        tuple(
            SweepPoint(point, merge([r for t, r in zip(tasks, done, strict=True) if t.point == k]))
            for k, point in enumerate(points)
        ),
    )
