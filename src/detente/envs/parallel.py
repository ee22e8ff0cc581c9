"""The PettingZoo parallel environment: one episode of the engine, every agent moving at once.

Simultaneous moves are the engine's own protocol (every party submits, then
the round clears), so the parallel API is the natural one; the AEC view is
PettingZoo's standard conversion of it (:func:`detente.envs.env`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import gymnasium
import numpy as np
from gymnasium import spaces
from numpy.typing import NDArray
from pettingzoo import ParallelEnv

from detente.engine import CounterRNG, State, StepEvents, available, initial_state, step
from detente.envs import features, render
from detente.envs.players import Relay, seat_strategies
from detente.scenario import Scenario, load_scenario
from detente.scenario.compiled import CompiledScenario, compile_scenario
from detente.simulate.replay import Replay
from detente.simulate.runner import submissions_for, warm
from detente.strategies import StrategyFactory

Observation = dict[str, Any]  # {"observation": float32 vector, "action_mask": int8 vector}
ScenarioLike = str | Path | Scenario | CompiledScenario
RENDER_MODES = ("human", "ansi", "rgb_array")


def as_compiled(scenario: ScenarioLike) -> CompiledScenario:
    """A compiled scenario from a built-in name, a YAML path, a scenario or a compiled one."""
    if isinstance(scenario, CompiledScenario):
        return scenario
    if isinstance(scenario, Scenario):
        return compile_scenario(scenario)
    return compile_scenario(load_scenario(scenario))


def fresh_seed() -> int:
    """A seed from the operating system's entropy, for a first reset without one."""
    return int(np.random.SeedSequence().generate_state(1, np.uint64)[0])


class DetenteParallelEnv(ParallelEnv):  # type: ignore[misc]  # pettingzoo ships no type hints
    """Parties of a scenario as PettingZoo agents; non-learning parties play library strategies.

    * **Agents**: party ids (``agents`` picks a subset; the other parties play
      ``opponents[party]``, a strategy spec or factory, or the scenario's default).
    * **Action** of an agent: ``MultiBinary(n)`` over its own slots then its own
      commitments (names in :meth:`action_names`): 1 takes the slot outright or
      offers the commitment. Bits not allowed this round are dropped (counted in
      ``info["masked"]``), never an error.
    * **Observation**: ``Dict(observation=Box(float32), action_mask=Box(int8 0/1))``;
      the vector is documented in :mod:`detente.envs.features` (names in
      :meth:`observation_names`); ``action_mask[i]`` is 1 when bit i may be set now.
      To sample a legal action: ``space.sample(mask=2 * action_mask)`` (gymnasium's
      MultiBinary mask: 0 forces 0, 2 draws at random).
    * **Reward**: the engine's undiscounted payoff of the round.
    * **End**: termination at success or after the scenario's ``rounds``;
      truncation after ``max_cycles`` rounds (when earlier). Ending at success
      stops the payoffs too, so a learner paid per round may prefer to avoid
      success (on ``ipd`` mutual defection for 200 rounds pays more than
      cooperating until success): ``end_at_success=False`` plays the whole
      horizon, as the simulator does.
    * **Seeding**: ``reset(seed=s)`` plays episode 0 of ``CounterRNG(s)``; each
      ``reset()`` without a seed plays the next episode id (1, 2, ...), so the
      k-th episode equals the simulator's episode k with seed ``s``.
    * **Start**: ``start=replay`` (:func:`detente.simulate.replay.replay`) begins
      every episode at the replayed state, the opponents' strategies warmed with
      its rounds, as ``simulate(..., start=replay)`` does; rounds count from there.
    """

    metadata = {  # noqa: RUF012 - PettingZoo's API: a class attribute dict
        "name": "detente_v0",
        "render_modes": list(RENDER_MODES),
        "is_parallelizable": True,
        "render_fps": 2,
    }

    def __init__(
        self,
        scenario: ScenarioLike = "korea",
        *,
        agents: Sequence[str] | None = None,
        opponents: Mapping[str, str | StrategyFactory] | None = None,
        max_cycles: int | None = None,
        end_at_success: bool = True,
        render_mode: str | None = None,
        start: Replay | None = None,
    ) -> None:
        if render_mode is not None and render_mode not in RENDER_MODES:
            raise ValueError(
                f"render_mode must be one of {RENDER_MODES} or None, not {render_mode!r}"
            )
        c = as_compiled(scenario)
        self.compiled = c
        self.possible_agents: list[str] = list(c.parties if agents is None else agents)
        self.strategies = seat_strategies(c, self.possible_agents, opponents)
        self.relays = {a: self._relay(a) for a in self.possible_agents}
        self.max_cycles = c.scenario.rounds if max_cycles is None else max_cycles
        self.end_at_success = end_at_success
        self.render_mode = render_mode
        self.layouts = {
            a: features.observation_layout(c, c.parties.index(a)) for a in self.possible_agents
        }
        self.state_layout = features.state_layout(c)
        self.state_space = spaces.Box(self.state_layout.low, self.state_layout.high)
        self._action_spaces = {a: spaces.MultiBinary(self.relays[a].size) for a in self.relays}
        self._observation_spaces = {
            a: spaces.Dict(
                observation=spaces.Box(self.layouts[a].low, self.layouts[a].high),
                action_mask=spaces.Box(0, 1, (self.relays[a].size,), np.int8),
            )
            for a in self.possible_agents
        }
        self.agents: list[str] = []
        self.rng: CounterRNG | None = None  # set by the first reset
        self._next_episode = 0
        self._state = initial_state(c, 1)
        self._payoff = np.zeros((1, len(c.parties)))
        self.events: StepEvents | None = None  # the last round's events (``records(0)``)
        self.start = start

    def _relay(self, agent: str) -> Relay:
        relay = self.strategies[self.compiled.parties.index(agent)]
        assert isinstance(relay, Relay)
        if relay.size == 0:
            raise ValueError(f"{agent} has no action and no commitment: it cannot be an agent")
        return relay

    def observation_space(self, agent: str) -> spaces.Dict:
        return self._observation_spaces[agent]

    def action_space(self, agent: str) -> spaces.MultiBinary:
        return self._action_spaces[agent]

    def observation_names(self, agent: str) -> tuple[str, ...]:
        """What each entry of ``agent``'s observation vector is."""
        return self.layouts[agent].names

    def action_names(self, agent: str) -> tuple[str, ...]:
        """What each bit of ``agent``'s action is: ``slot:PARTY.action`` or ``offer:commitment``."""
        c = self.compiled
        p = c.parties.index(agent)
        slots = [f"slot:{c.slot_label(k)}" for k in c.party_slots(p)]
        return tuple(slots + [f"offer:{c.commitments[m]}" for m in c.party_commitments(p)])

    @property
    def engine_state(self) -> State:
        """The engine's state of the current episode (a batch of one)."""
        return self._state

    def reset(
        self, seed: int | None = None, options: dict[str, Any] | None = None
    ) -> tuple[dict[str, Observation], dict[str, dict[str, Any]]]:
        if seed is not None:
            self.rng, self._next_episode = CounterRNG(seed), 0
        elif self.rng is None:
            self.rng = CounterRNG(fresh_seed())
        begin = None if self.start is None else self.start.final
        self._state = initial_state(self.compiled, 1, self._next_episode, start=begin)
        self._next_episode += 1
        for strategy in self.strategies:
            strategy.reset(1)
        history = () if self.start is None else self.start.history
        self._payoff = warm(self.strategies, self._state, history, self.rng)
        self.events = None
        self.agents = self.possible_agents[:]
        return self._observations(), self._infos()

    def step(
        self, actions: Mapping[str, Any]
    ) -> tuple[
        dict[str, Observation],
        dict[str, float],
        dict[str, bool],
        dict[str, bool],
        dict[str, dict[str, Any]],
    ]:
        if not self.agents or self.rng is None:
            raise RuntimeError("no episode in play: call reset() first")
        missing = [a for a in self.agents if a not in actions]
        extra = [a for a in actions if a not in self.agents]
        if missing or extra:
            raise ValueError(f"actions needed for {self.agents}: missing {missing}, extra {extra}")
        for agent in self.agents:
            self.relays[agent].hand(actions[agent])
        moves = submissions_for(self._state, self.strategies, self._payoff, self.rng)
        self._state, self.events = step(self._state, moves, self.rng)
        self._payoff = self.events.payoff
        success = self.end_at_success and bool(self._state.success_round[0] >= 0)
        over = success or self._state.round >= self.compiled.scenario.rounds
        cut = not over and self._state.round >= self.max_cycles
        c = self.compiled
        rewards = {agent: float(self._payoff[0, c.parties.index(agent)]) for agent in self.agents}
        out = (
            self._observations(),
            rewards,
            dict.fromkeys(self.agents, over),
            dict.fromkeys(self.agents, cut),
            self._infos(),
        )
        if over or cut:
            self.agents = []
        if self.render_mode == "human":
            self.render()
        return out

    def _observations(self) -> dict[str, Observation]:
        c = self.compiled
        allowed = available(self._state)[0]
        offerable = allowed[c.commitment_slot]
        shared = features.public(self._state)
        out: dict[str, Observation] = {}
        for agent in self.agents:
            p = c.parties.index(agent)
            seat = c.seat(p)
            mask = np.concatenate([allowed[seat.slots], offerable[seat.commitments]])
            out[agent] = {
                "observation": features.observe(self._state, p, float(self._payoff[0, p]), shared),
                "action_mask": mask.astype(np.int8),
            }
        return out

    def _infos(self) -> dict[str, dict[str, Any]]:
        stage = self.compiled.stages[int(self._state.stage[0])]
        return {
            agent: {
                "round": self._state.round,
                "stage": stage,
                "masked": self.relays[agent].masked,
            }
            for agent in self.agents
        }

    def state(self) -> NDArray[np.float32]:
        return features.global_state(self._state, self._payoff[0])

    def render(self) -> str | NDArray[np.uint8] | None:
        if self.render_mode is None:
            gymnasium.logger.warn("render() called without a render_mode; pass render_mode=...")
            return None
        if self.render_mode == "rgb_array":
            return render.rgb(self._state)
        text = render.ansi(self._state)
        if self.render_mode == "ansi":
            return text
        print(text)
        return None

    def close(self) -> None:
        """Nothing to release: no window, no process."""
