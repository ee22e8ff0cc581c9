"""Every library strategy plays a scenario with standing policies, revocations and levels.

A stance must never become a move that takes two levels of one action or a
policy with its own revocation (the engine refuses those): the playbook keeps
one of each such set. Paired with random play, every strategy meets policies
in force, revocations and levels.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from detente.scenario import load_scenario
from detente.scenario.compiled import CompiledScenario, compile_scenario
from detente.simulate.narrate import narrate
from detente.simulate.runner import simulate
from detente.strategies.registry import strategy_class, strategy_names

FIXTURE = Path(__file__).parents[1] / "engine" / "policies.yaml"
LIBRARY = [n for n in strategy_names() if strategy_class(n).__module__.startswith("detente.")]
"""The library's strategies (not those other tests register for themselves)."""


@pytest.fixture(scope="module")
def policies() -> CompiledScenario:
    return compile_scenario(load_scenario(FIXTURE))


@pytest.mark.parametrize("name", LIBRARY)
def test_each_strategy_plays_policies_and_levels(policies: CompiledScenario, name: str) -> None:
    for profile in ({"A": name, "B": "random"}, {"A": "random", "B": name}):
        results = simulate(policies, profile, episodes=64, seed=1)
        assert results.success_round.shape == (64,)


def test_the_told_episode_says_when_a_policy_starts_and_ends(policies: CompiledScenario) -> None:
    lines = list(narrate(policies, {"A": "random", "B": "random"}))
    assert any(line.strip().startswith("policy in force: A.moratorium") for line in lines)
    assert any(line.strip().startswith("policy ended: B.relief") for line in lines)
