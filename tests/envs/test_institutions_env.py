"""The PettingZoo environment and bargaining with a scenario that has an institution."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pettingzoo")

from detente.bargain.scenario import bargain_from_scenario
from detente.envs import parallel_env
from detente.scenario import load_scenario
from detente.scenario.compiled import compile_scenario

COUNCIL = str(Path(__file__).parents[1] / "engine" / "council.yaml")


def test_votes_are_bits_of_the_members_action_space_and_an_episode_runs() -> None:
    env = parallel_env(scenario=COUNCIL)
    assert "slot:P2.embargo.against" in env.action_names("P2")
    assert not any("embargo" in name for name in env.action_names("T"))
    gen = np.random.default_rng(3)
    env.reset(seed=1)
    while env.agents:
        actions = {a: gen.integers(0, 2, env.action_space(a).n) for a in env.agents}
        env.step(actions)
    assert env.engine_state.round == 10


def test_bargaining_leaves_votes_out() -> None:
    c = compile_scenario(load_scenario(COUNCIL))
    problem = bargain_from_scenario(c, stage="pressure", include_provocations=True).problem
    assert problem.slots == ("T.test", "P1.talks", "T.talks")
