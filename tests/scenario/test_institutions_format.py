"""The ``institutions`` section: every problem reported at once with its path and value;
resolutions count against the upload limits as the vote slots they compile to."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from detente.scenario import ScenarioError, parse_scenario, parse_yaml
from detente.scenario.compiled import compile_scenario
from detente.scenario.limits import ScenarioLimits

FIXTURE = Path(__file__).parents[1] / "engine" / "council.yaml"


def fixture() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(FIXTURE.read_text())
    return doc


def issues(doc: dict[str, Any]) -> list[tuple[str, str, Any]]:
    with pytest.raises(ScenarioError) as err:
        parse_scenario(doc, "bad.yaml")
    assert err.value.source == "bad.yaml"
    return [(i.path, i.message, i.value) for i in err.value.issues]


def test_the_fixture_is_valid_and_each_resolution_is_a_vote_of_each_member() -> None:
    c = compile_scenario(parse_scenario(fixture()))
    assert c.n_slots == 3 + 4 * 3 * 3  # test, talks x2, then 4 resolutions x 3 members x 3 votes
    assert c.seat("E").actions[:3] == ("tighten.abstain", "tighten.in_favour", "tighten.against")
    assert c.institutions.levels == ("UNSC.sanctions.targeted", "UNSC.sanctions.comprehensive")
    assert [list(v) for v in c.institutions.veto] == [[True, True, False]] * 4


def test_every_problem_of_the_section_is_reported_at_once() -> None:
    doc = fixture()
    inst = doc["institutions"][0]
    inst["members"] += ["X", "E"]  # an unknown party; a member twice
    doc["parties"][2]["attributes"] = {}  # E says nothing of a veto
    inst["threshold"] = 20  # 5 listed + 12 outside = 17
    inst["policies"][0]["levels"].append({"id": "targeted"})  # a duplicate level
    inst["policies"][0]["levels"][0]["utilities"]["Z"] = 1.0  # an unknown party
    inst["resolutions"][0]["adopts"] = "sanctions.total"  # an unknown level
    inst["resolutions"][1]["adopts"] = "tariffs.high"  # an unknown policy
    inst["resolutions"][2]["stages"] = ["nowhere"]
    inst["resolutions"][3]["id"] = "talks"  # clashes with an action
    doc["roadmap"]["stages"][0]["exit"] = {"in_force": ["UNSC.tariffs"]}
    doc["commitments"] = [
        {"id": "vote_for", "party": "P1", "action": "tighten.in_favour", "if": ["T.test"]}
    ]
    doc["readings"][0]["level"] = "maybe"
    doc["roadmap"]["stages"][0]["breakdown"] = [
        {"id": "sanctioned", "when": {"executed": ["UNSC.sanctions"]}, "then": "stall"}
    ]
    doc["roadmap"]["resume"] = [{"calm_rounds": 1}]
    found = issues(doc)
    paths = [path for path, _, _ in found]
    assert paths == sorted(set(paths), key=paths.index)  # one issue per path
    expected = {
        "institutions[0].members[3]": "unknown party",
        "institutions[0].members[4]": "member listed twice",
        "institutions[0].members[2]": "no attribute permanent",
        "institutions[0].threshold": "20 votes in favour needed of 17",
        "institutions[0].policies[0].levels[2].id": "duplicate id",
        "institutions[0].policies[0].levels[0].utilities.Z": "unknown party",
        "institutions[0].resolutions[0].adopts": "unknown level of sanctions",
        "institutions[0].resolutions[1].adopts": "unknown policy of UNSC",
        "institutions[0].resolutions[2].stages[0]": "unknown stage",
        "institutions[0].resolutions[3].id": "duplicate id",
        "roadmap.stages[0].exit.in_force[0]": "unknown policy",
        "commitments[0].action": "votes are cast outright",
        "readings[0].level": "unknown level of tighten",
        "roadmap.stages[0].breakdown[0].when.executed[0]": "UNSC is an institution",
    }
    for path, message in expected.items():
        assert any(p == path and message in m for p, m, _ in found), (path, found)


def test_a_resolution_adopts_or_eases_exactly_one_thing() -> None:
    doc = fixture()
    doc["institutions"][0]["resolutions"][0]["eases"] = "sanctions"
    found = issues(doc)
    assert any("exactly one of adopts, eases" in m for _, m, _ in found)


def test_yes_and_no_as_yaml_keys_are_refused_with_their_path() -> None:
    text = FIXTURE.read_text().replace("{in_favour: 6, against: 0, abstain: 6}", "{yes: 6}")
    with pytest.raises(ScenarioError) as err:
        parse_yaml(text, "council.yaml")
    assert any("outside_votes" in i.path for i in err.value.issues)


def test_resolutions_count_against_the_upload_limits() -> None:
    text = FIXTURE.read_text()
    with pytest.raises(ScenarioError, match="4 resolutions of institutions"):
        parse_yaml(text, "up.yaml", limits=ScenarioLimits(max_resolutions=3))
    with pytest.raises(ScenarioError, match="39 slots"):
        parse_yaml(text, "up.yaml", limits=ScenarioLimits(max_slots=38))


def test_a_copy_with_other_members_compiles_its_own_votes() -> None:
    """The vote actions follow the scenario they are asked of (no cache survives a copy)."""
    scenario = parse_scenario(fixture())
    assert len(scenario.declared_actions[2].actors) == 3
    two = scenario.institutions[0].model_copy(update={"members": ["P1", "P2"]})
    copy = scenario.model_copy(update={"institutions": [two]})
    c = compile_scenario(copy)
    assert c.n_slots == 3 + 4 * 2 * 3
    assert [list(v) for v in c.institutions.veto] == [[True, True]] * 4
