"""Scenarios: the YAML format, its validation, the built-in scenarios, compilation."""

from detente.scenario.errors import ScenarioError, ScenarioIssue
from detente.scenario.load import (
    builtin_names,
    builtin_text,
    load_scenario,
    parse_scenario,
    parse_yaml,
)
from detente.scenario.schema import Scenario

__all__ = [
    "Scenario",
    "ScenarioError",
    "ScenarioIssue",
    "builtin_names",
    "builtin_text",
    "load_scenario",
    "parse_scenario",
    "parse_yaml",
]
