"""A told episode says which acts failed."""

from __future__ import annotations

from pathlib import Path

import yaml

from detente.scenario import parse_scenario
from detente.scenario.compiled import compile_scenario
from detente.simulate.narrate import narrate

SUMMIT = Path(__file__).parents[1] / "engine" / "summit.yaml"


def test_a_failed_summit_is_told_apart_from_a_held_one() -> None:
    doc = yaml.safe_load(SUMMIT.read_text())
    held = list(narrate(compile_scenario(parse_scenario(doc)), rounds=1))
    assert "    executed: summit (US, DPRK), relief (US), dismantle (DPRK)" in held
    # the same summit, now succeeding only with a missile test that nobody takes
    doc["actions"][0]["outcome"]["succeeds_if"] = {"any_executed": ["DPRK.missile_test"]}
    failed = list(narrate(compile_scenario(parse_scenario(doc)), rounds=1))
    assert "    executed: summit failed (US, DPRK), relief (US), dismantle (DPRK)" in failed
