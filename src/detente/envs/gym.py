"""One seat of a scenario as a Gymnasium environment: one party learns, the others play strategies.

A thin view of :class:`~detente.envs.parallel.DetenteParallelEnv` with a
single agent, so spaces, rewards, masking and seeding are the parallel
environment's (documented there). Registered as ``detente/Seat-v0``:
``gymnasium.make("detente/Seat-v0", scenario="ipd", party="A",
opponents={"B": "tit_for_tat"})``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import gymnasium
import numpy as np
from numpy.typing import NDArray

from detente.envs.parallel import (
    RENDER_MODES,
    DetenteParallelEnv,
    Observation,
    ScenarioLike,
    as_compiled,
)
from detente.simulate.replay import Replay
from detente.strategies import StrategyFactory

ENV_ID = "detente/Seat-v0"


class SeatEnv(gymnasium.Env[Observation, NDArray[np.int8]]):
    """``party`` (default: the scenario's first) learns; every other party plays
    ``opponents[party]`` or the scenario's default strategy; ``start`` as for
    :class:`~detente.envs.parallel.DetenteParallelEnv`."""

    metadata = {"render_modes": list(RENDER_MODES), "render_fps": 2}  # noqa: RUF012

    def __init__(
        self,
        scenario: ScenarioLike = "korea",
        *,
        party: str | None = None,
        opponents: Mapping[str, str | StrategyFactory] | None = None,
        max_cycles: int | None = None,
        end_at_success: bool = True,
        render_mode: str | None = None,
        start: Replay | None = None,
    ) -> None:
        compiled = as_compiled(scenario)
        self.party = compiled.parties[0] if party is None else party
        self.parallel = DetenteParallelEnv(
            compiled,
            agents=[self.party],
            opponents=opponents,
            max_cycles=max_cycles,
            end_at_success=end_at_success,
            render_mode=render_mode,
            start=start,
        )
        self.observation_space = self.parallel.observation_space(self.party)
        self.action_space = self.parallel.action_space(self.party)
        self.render_mode = render_mode

    def reset(
        self, *, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[Observation, dict[str, Any]]:
        super().reset(seed=seed)
        obs, infos = self.parallel.reset(seed=seed, options=options)
        return obs[self.party], infos[self.party]

    def step(
        self, action: NDArray[np.int8]
    ) -> tuple[Observation, float, bool, bool, dict[str, Any]]:
        obs, rewards, terms, truncs, infos = self.parallel.step({self.party: action})
        p = self.party
        return obs[p], rewards[p], terms[p], truncs[p], infos[p]

    def render(self) -> str | NDArray[np.uint8] | None:
        return self.parallel.render()


gymnasium.register(id=ENV_ID, entry_point="detente.envs.gym:SeatEnv")
