"""The scenario format's standing policies, counter-actions and levels: validation and limits.

Every problem of the new fields is reported at once, each with its path and
value; levels and counter-actions count against the upload limits as the
slots they compile to.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from detente.scenario import ScenarioError, parse_scenario, parse_yaml
from detente.scenario.compiled import compile_scenario
from detente.scenario.limits import ScenarioLimits

FIXTURE = Path(__file__).parents[1] / "engine" / "policies.yaml"


def fixture() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(FIXTURE.read_text())
    return doc


def action(doc: dict[str, Any], aid: str) -> dict[str, Any]:
    found: dict[str, Any] = next(a for a in doc["actions"] if a["id"] == aid)
    return found


def issues(doc: dict[str, Any]) -> list[tuple[str, str, Any]]:
    with pytest.raises(ScenarioError) as err:
        parse_scenario(doc, "bad.yaml")
    assert err.value.source == "bad.yaml"
    return [(i.path, i.message, i.value) for i in err.value.issues]


def test_the_fixture_is_valid() -> None:
    compiled = compile_scenario(parse_scenario(fixture()))
    assert compiled.n_slots == 11


def test_every_problem_of_the_new_fields_is_reported_at_once() -> None:
    doc = fixture()
    action(doc, "moratorium")["revoked_by"]["id"] = "talks"  # clashes with an action
    action(doc, "relief")["levels"].append({"id": "partial"})  # a duplicate level
    action(doc, "missile_test")["levels"][1]["breaks"] = ["relief.total"]  # an unknown level
    action(doc, "talks")["revoked_by"] = {
        "id": "walk_out",
        "category": "provocation",
        "intensity": -1,
    }
    action(doc, "dismantle")["standing"] = True  # a one-off standing policy
    action(doc, "moratorium")["reversed_by"] = {
        "id": "undo",
        "category": "provocation",
        "intensity": -1,
    }
    doc["commitments"][0]["if"] = ["B.talks.full"]  # a level of an ungraded action
    doc["commitments"][1]["action"] = "relief"  # a graded action needs its level
    doc["commitments"][2]["action"] = "restart"  # a counter-action cannot be promised
    doc["utilities"]["parties"]["A"]["linear"]["B.relief"] = 1.0  # utilities name levels
    doc["parties"][0]["default_move"] = ["missile_test.medium"]
    found = issues(doc)
    expected = [
        ("actions[0].revoked_by.id", "duplicate id", "talks"),
        ("actions[1].levels[2].id", "duplicate id", "partial"),
        ("actions[3].levels[1].breaks[0]", "unknown level of relief", "relief.total"),
        ("actions[4].revoked_by", "only a standing policy", "talks"),
        ("actions[2].repeatable", "a standing policy is repeatable", False),
        ("actions[0].reversed_by", "only a one-off act", "moratorium"),
        ("commitments[0].if[0]", "action talks has no levels", "B.talks.full"),
        ("commitments[1].action", "relief is a graded action: name a level", "relief"),
        ("commitments[2].action", "restart undoes dismantle", "restart"),
        ("utilities.parties.A.linear['B.relief']", "name a level (relief.LEVEL", "B.relief"),
        ("parties[0].default_move[0]", "unknown level of missile_test", "missile_test.medium"),
    ]
    for path, message, value in expected:
        hits = [f for f in found if f[0] == path and message in f[1] and f[2] == value]
        assert hits, f"no issue at {path} with {message!r}; got:\n" + "\n".join(map(str, found))


def test_a_default_move_takes_one_level_of_an_action_and_a_policy_or_its_revocation() -> None:
    doc = fixture()
    doc["parties"][0]["default_move"] = [
        "missile_test.short_range",
        "missile_test.icbm",
        "moratorium",
        "end_moratorium",
    ]
    found = issues(doc)
    assert [(p, v) for p, _, v in found] == [
        ("parties[0].default_move[1]", "missile_test.icbm"),
        ("parties[0].default_move[3]", "end_moratorium"),
    ]
    assert "also takes missile_test.short_range" in found[0][1]
    assert "also takes moratorium" in found[1][1]


def test_old_fields_keep_their_meaning() -> None:
    """An action without the new fields is one slot per actor, as before (repeatable, ungraded)."""
    compiled = compile_scenario(parse_scenario(fixture()))
    k = compiled.slot_of("A", "talks")
    assert not compiled.slot_standing[k]
    assert compiled.slot_repeatable[k]
    assert len(compiled.condition_slots("A.talks")) == 1


def test_levels_and_counter_actions_count_against_the_upload_limits() -> None:
    doc = fixture()
    text = yaml.safe_dump(doc)
    # 5 declared actions compile to 10 actions and 11 slots
    parse_yaml(text, "ok.yaml", ScenarioLimits(max_actions=10, max_slots=11, subject="an upload"))
    with pytest.raises(ScenarioError) as err:
        parse_yaml(
            text, "big.yaml", ScenarioLimits(max_actions=9, max_slots=10, subject="an upload")
        )
    messages = " | ".join(i.message for i in err.value.issues)
    assert "the scenario has 10 actions" in messages
    assert "the scenario has 11 slots" in messages
    many = copy.deepcopy(doc)
    action(many, "relief")["levels"] = [{"id": f"l{i}"} for i in range(40)]
    with pytest.raises(ScenarioError, match="the scenario has 49 slots"):
        parse_yaml(yaml.safe_dump(many), "levels.yaml", ScenarioLimits(max_slots=48))
