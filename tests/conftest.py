"""Shared fixtures: built-in scenarios, compiled once per test session; Hypothesis profiles.

Under CI (``CI`` set) Hypothesis draws the same examples on every run
(``derandomize``): a landing must not hinge on the luck of a draw. Local
runs draw afresh every time, which is how new failures are found; a failure
prints the seed that reproduces it (``--hypothesis-seed``).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

from detente.scenario import Scenario, load_scenario
from detente.scenario.compiled import CompiledScenario, compile_scenario
from detente.scenario.schema import Noise

settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


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
