"""Shared fixtures: built-in scenarios, compiled once per test session."""

from __future__ import annotations

import pytest

from detente.scenario import Scenario, load_scenario
from detente.scenario.compiled import CompiledScenario, compile_scenario
from detente.scenario.schema import Noise


@pytest.fixture(scope="session")
def korea() -> CompiledScenario:
    return compile_scenario(load_scenario("korea"))


@pytest.fixture(scope="session")
def korea_quiet() -> CompiledScenario:
    """Korea without monitoring noise: every act is seen, nothing imagined."""
    scenario: Scenario = load_scenario("korea")
    return compile_scenario(scenario.model_copy(update={"noise": Noise()}))


@pytest.fixture(scope="session")
def ipd() -> CompiledScenario:
    return compile_scenario(load_scenario("ipd"))
