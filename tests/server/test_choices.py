"""What each choice is worth to a seat's party this round, against korea's utilities by hand."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from detente.engine import compile_scenario
from detente.scenario import load_scenario
from detente.scenario.compiled import CompiledScenario
from detente.server.choices import action_values, offer_values


@pytest.fixture(scope="module")
def korea() -> CompiledScenario:
    return compile_scenario(load_scenario("korea"))


def in_force(c: CompiledScenario, *labels: str) -> np.ndarray:
    x = np.zeros(c.n_slots, dtype=bool)
    for label in labels:
        party, action = label.split(".", 1)
        x[c.slot_of(party, action)] = True
    return x


def test_an_action_is_worth_its_own_terms_when_nothing_is_in_force(korea: CompiledScenario) -> None:
    values = action_values(korea, "DPRK", in_force(korea))
    # korea.yaml, utilities.parties.DPRK.linear
    assert values["nuclear_test"] == 2.0
    assert values["missile_test.icbm"] == 1.5
    assert values["dismantle_facility"] == -20.0
    # the summit's pairwise term needs the US there too: alone it is its linear term only
    assert values["summit"] == 1.0
    assert values["multilateral_meeting"] == 0.0
    assert set(values) == set(korea.seat("DPRK").actions)


def test_a_commitment_is_worth_what_its_clearing_executes(korea: CompiledScenario) -> None:
    values = offer_values(korea, "DPRK", in_force(korea))
    # dprk_summit if US.summit: DPRK.summit 1.0 + pair (US.summit, DPRK.summit) 1.0
    assert values["dprk_summit"] == 2.0
    # dprk_freeze if US and ROK suspend drills: -0.5 + 1.0 + 0.5
    assert values["dprk_freeze"] == 1.0
    # to the US, its side of the double freeze (a deal: every member's action executes):
    # DPRK.freeze_tests 2.0 + US.suspend_drills -0.5 (ROK's suspension is nothing to the US)
    us = offer_values(korea, "US", in_force(korea))
    assert us["us_suspend"] == 1.5
    assert us["us_summit"] == 1.0  # US.summit 0.5 + pair 0.5


def test_what_is_in_force_is_counted_on_both_sides(korea: CompiledScenario) -> None:
    frozen = in_force(korea, "DPRK.freeze_tests")
    values = action_values(korea, "DPRK", frozen)
    assert values["freeze_tests"] == 0.0  # executes anyway
    assert values["end_moratorium"] == 0.5  # revoking it gives back the freeze's -0.5
    assert values["nuclear_test"] == 2.0


def test_a_level_replaces_the_level_in_force(korea: CompiledScenario) -> None:
    partial = in_force(korea, "US.sanctions_relief.partial")
    us = action_values(korea, "US", partial)
    # US.linear: partial -1.0, full -2.5; full displaces partial
    assert us["sanctions_relief.full"] == -1.5
    assert us["sanctions_relief.partial"] == 0.0
    assert us["snap_back"] == 1.0  # revokes the relief in force
    dprk = action_values(korea, "DPRK", partial)
    assert dprk["nuclear_test"] == 2.0  # another party's policy in force changes no own margin


DOC = Path(__file__).resolve().parents[2] / "docs" / "serve.md"


@pytest.mark.parametrize(
    "block", re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
)
def test_the_docs_examples_run_alone(block: str) -> None:
    exec(compile(block, str(DOC), "exec"), {})
