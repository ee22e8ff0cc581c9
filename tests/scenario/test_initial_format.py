"""The scenario's ``initial:`` section: validation (every problem at once) and its meaning."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import yaml

from detente.engine import CounterRNG, Submissions, initial_state, step
from detente.scenario import ScenarioError, parse_scenario
from detente.scenario.compiled import CompiledScenario, compile_scenario
from detente.scenario.load import builtin_text
from detente.simulate import simulate


def korea_with(initial: Any) -> dict[str, Any]:
    """korea with ``initial`` in place of its own (and of the provenance of its numbers)."""
    doc: dict[str, Any] = yaml.safe_load(builtin_text("korea"))
    doc["initial"] = initial
    doc["provenance"] = [e for e in doc["provenance"] if not e["path"].startswith("initial")]
    return doc


def issues(doc: dict[str, Any]) -> list[tuple[str, str, Any]]:
    with pytest.raises(ScenarioError) as err:
        parse_scenario(doc, "bad.yaml")
    return [(i.path, i.message, i.value) for i in err.value.issues]


def test_every_problem_of_initial_is_reported_at_once_with_its_path() -> None:
    found = issues(
        korea_with(
            {
                "stage": "peace",
                "agreements": ["grand_bargain"],
                "policies": ["DPRK.nuclear_test", "US.suspend_drills", "US.suspend_drills"],
                "taken": ["DPRK.launch", "US.nuclear_test"],
                "tracks": {"us_dprk": "friendship", "six_party": "talks"},
                "institutions": [
                    "UNSC.sanctions.total",
                    "UNSC.sanctions.sectoral",
                    "UNSC.sanctions.oil_cap",
                ],
                "trust": [
                    {"pair": ["US", "DPRK"], "trust": 0.2},
                    {"pair": ["US", "DPRK"], "trust": 0.3},
                    {"pair": ["US", "US"], "trust": 0.3},
                    {"pair": ["JPN", "ROK"], "trust": 0.3, "hostile": 1.0},
                    {"pair": ["JPN", "CHN"], "cooperative": 1.0},
                    {"pair": ["JPN", "RUS"], "trust": 1.0},
                ],
            }
        )
    )
    paths = {path for path, _, _ in found}
    assert {
        "initial.stage",
        "initial.agreements[0]",
        "initial.policies[0]",
        "initial.policies[2]",
        "initial.taken[0]",
        "initial.taken[1]",
        "initial.tracks.us_dprk",
        "initial.tracks.six_party",
        "initial.institutions[0]",
        "initial.institutions[2]",
        "initial.trust[1].pair",
        "initial.trust[2].pair",
        "initial.trust[3]",
        "initial.trust[4]",
        "initial.trust[5].trust",
    } <= paths, found
    messages = {path: message for path, message, _ in found}
    assert "unknown stage" in messages["initial.stage"]
    assert "not a standing policy" in messages["initial.policies[0]"]
    assert (
        "already has suspend_drills in force at initial.policies[1]"
        in messages["initial.policies[2]"]
    )
    assert "party US cannot take action nuclear_test" in messages["initial.taken[1]"]
    assert "unknown level of track us_dprk" in messages["initial.tracks.us_dprk"]
    assert "not an institution's policy level" in messages["initial.institutions[0]"]
    assert "UNSC.sanctions.comprehensive" in messages["initial.institutions[0]"]  # the known
    assert (
        "UNSC.sanctions already has a level in force at initial.institutions[1]"
        in messages["initial.institutions[2]"]
    )
    assert "initial.institutions[1]" not in paths
    assert "already given" in messages["initial.trust[1].pair"]
    assert "not both" in messages["initial.trust[3]"]
    assert "both cooperative and hostile" in messages["initial.trust[4]"]


def test_a_stalled_start_needs_a_way_to_resume() -> None:
    doc: dict[str, Any] = yaml.safe_load(builtin_text("ipd"))
    doc["initial"] = {"stalled": True}
    assert [p for p, _, _ in issues(doc)] == ["initial.stalled"]


def hand_made(korea: CompiledScenario) -> CompiledScenario:
    doc = korea_with(
        {
            "stage": "simultaneous_actions",
            "stalled": True,
            "since": 7,
            "calm_rounds": 2,
            "agreements": ["double_freeze"],
            "policies": ["DPRK.freeze_tests", "US.sanctions_relief.partial"],
            "taken": ["DPRK.nuclear_test"],
            "tracks": {"us_dprk": korea.track_levels[0][0]},
            "trust": [
                {"pair": ["US", "DPRK"], "trust": 0.1},
                {"pair": ["DPRK", "US"], "trust": 0.9},
                {"pair": ["JPN", "DPRK"], "cooperative": 0.0, "hostile": 5.0},
            ],
        }
    )
    return compile_scenario(parse_scenario(doc))


def test_initial_sets_the_state_every_episode_starts_from(korea: CompiledScenario) -> None:
    c = hand_made(korea)
    s = initial_state(c, 3, first_episode=5)
    assert (s.stage == c.stages.index("simultaneous_actions")).all()
    assert s.stalled.all()
    assert (s.track_level[:, 0] == 1).all()
    assert s.in_force[:, c.deals.index("double_freeze")].all()
    assert s.in_force.sum() == 3
    freeze, relief = c.slot_of("DPRK", "freeze_tests"), c.slot_of("US", "sanctions_relief.partial")
    assert s.policies_in_force[:, [freeze, relief]].all()
    assert s.policies_in_force.sum() == 6
    assert s.taken[:, c.slot_of("DPRK", "nuclear_test")].all()
    us, dprk, jpn = (c.parties.index(p) for p in ("US", "DPRK", "JPN"))
    np.testing.assert_allclose(s.trust_in(us, dprk), 0.1)
    np.testing.assert_allclose(s.trust_in(dprk, us), 0.9)
    untouched = initial_state(korea, 1)
    assert s.trust[0, jpn, dprk] < untouched.trust[0, jpn, dprk]
    assert s.trust[0, jpn, us] == untouched.trust[0, jpn, us]  # pairs not given keep the prior
    # the policies in force execute in round 1 without being submitted
    after, _ = step(s, Submissions.empty(c, 3), CounterRNG(0))
    assert after.executed[:, [freeze, relief]].all()


def test_trust_given_as_a_level_is_evidence_that_is_forgotten(
    korea_quiet: CompiledScenario,
) -> None:
    doc = korea_with({"trust": [{"pair": ["US", "DPRK"], "trust": 0.1}]})
    doc["noise"] = dict.fromkeys(("miss", "false_alarm", "tremble"), 0.0)
    c = compile_scenario(parse_scenario(doc))
    started, untouched = initial_state(c, 1), initial_state(korea_quiet, 1)
    us, dprk = c.parties.index("US"), c.parties.index("DPRK")
    assert started.trust[0, us, dprk] == pytest.approx(0.1)
    gaps = []
    for _ in range(30):  # the same quiet rounds from both: the start's evidence fades
        gaps.append(float(untouched.trust[0, us, dprk] - started.trust[0, us, dprk]))
        started, _ = step(started, Submissions.empty(c, 1), CounterRNG(0))
        untouched, _ = step(untouched, Submissions.empty(korea_quiet, 1), CounterRNG(0))
    assert gaps[0] == pytest.approx(0.05)  # the prior mean is 0.15
    assert 0 < gaps[-1] < gaps[0] / 5  # forgotten at 0.9 a round like any evidence


def test_a_start_in_a_later_stage_has_reached_the_stages_before_it(
    korea: CompiledScenario,
) -> None:
    c = hand_made(korea)  # starts in simultaneous_actions, stalled
    results = simulate(c, {"DPRK": "defect"}, episodes=40, rounds=6, seed=1)
    assert (results.first_reached[:, :2] == 0).all()
    assert (results.max_stage >= 1).all()
    cold = simulate(korea, {"DPRK": "defect"}, episodes=40, rounds=6, seed=1)
    assert (cold.first_reached[:, 1] == -1).all()  # defecting, korea never gets there itself
