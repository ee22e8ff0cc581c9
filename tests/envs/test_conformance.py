"""PettingZoo's and Gymnasium's own conformance tests, on ``korea`` and ``ipd``."""

from __future__ import annotations

from functools import partial
from types import SimpleNamespace

import pytest

pytest.importorskip("pettingzoo")

import gymnasium
from gymnasium.utils.env_checker import check_env
from pettingzoo.test import (
    api_test,
    max_cycles_test,
    parallel_api_test,
    parallel_seed_test,
    render_test,
    state_test,
)

from detente.envs import env, parallel_env
from detente.envs.gym import ENV_ID, SeatEnv

SCENARIOS = ["korea", "ipd"]
# Advice, not failures: agents are named by party id (not "player_0"); observations are
# Dicts with an action mask (PettingZoo's own masking convention), actions MultiBinary;
# observation bounds differ between parties only in the payoff's range.
pytestmark = [
    pytest.mark.filterwarnings(f"ignore:{text}")
    for text in (
        "We recommend agents to be named",
        "Observation space for each agent probably should be",
        "Action space for each agent probably should be",
        "Observation is not a NumPy array",
        "Agents have different observation space sizes",
        ".*Not able to test alternative render modes",
    )
]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_parallel_api(scenario: str) -> None:
    parallel_api_test(parallel_env(scenario=scenario), num_cycles=300)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_parallel_seed(scenario: str) -> None:
    parallel_seed_test(partial(parallel_env, scenario=scenario), num_cycles=100)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_aec_api(scenario: str) -> None:
    api_test(env(scenario=scenario), num_cycles=100)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_max_cycles(scenario: str) -> None:
    module = SimpleNamespace(
        parallel_env=partial(parallel_env, scenario=scenario),
        env=partial(env, scenario=scenario),
    )
    max_cycles_test(module)


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_render(scenario: str) -> None:
    render_test(partial(env, scenario=scenario))


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_state(scenario: str) -> None:
    state_test(env(scenario=scenario), parallel_env(scenario=scenario))


@pytest.mark.parametrize(
    ("scenario", "party", "opponents"),
    [("ipd", "A", {"B": "tit_for_tat"}), ("korea", "DPRK", None)],
)
def test_single_agent_passes_gymnasium_check_env(
    scenario: str, party: str, opponents: dict[str, str] | None
) -> None:
    check_env(SeatEnv(scenario, party=party, opponents=opponents))


def test_registered_seat_env_passes_check_env_in_every_render_mode() -> None:
    made = gymnasium.make(ENV_ID, scenario="ipd", party="B", render_mode="rgb_array")
    check_env(made.unwrapped)
