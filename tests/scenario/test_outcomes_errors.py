"""Outcomes and readings that are wrong: every problem at once, each with its path and value."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import yaml
from tests.scenario.test_malformed import BASE, UNKNOWN_PARTY

from detente.scenario import ScenarioError, parse_scenario, parse_yaml
from detente.scenario.limits import UPLOAD_LIMITS

ACTIONS = "drill, freeze, suspend, talks, test, treaty"


def base() -> dict[str, Any]:
    doc: dict[str, Any] = yaml.safe_load(BASE)
    return copy.deepcopy(doc)


def issues(doc: dict[str, Any]) -> list[tuple[str, str, Any]]:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(doc, "mini.yaml")
    return [(i.path, i.message, i.value) for i in info.value.issues]


def test_a_valid_outcome_and_readings_load() -> None:
    doc = base()
    doc["actions"][4]["outcome"] = {
        "succeeds_if": {"any_deal_cleared": ["double_freeze"], "any_executed": ["B.suspend"]},
        "failed": {"intensity": -2.0},
    }
    doc["readings"] = [
        {"observer": "A", "actor": "B", "action": "drill", "intensity": -8.0},
        {"observer": "C", "action": "talks", "intensity": 1.0, "failed": -6.0},
    ]
    doc["roadmap"]["stages"][0]["exit"]["succeeded"] = ["A.talks"]
    scenario = parse_scenario(doc, "mini.yaml")
    assert scenario.readings[1].actor is None
    assert scenario.actions[4].result is not None


def test_every_problem_of_outcomes_and_readings_is_reported_at_once() -> None:
    doc = base()
    doc["actions"][4]["outcome"] = {
        "succeeds_if": {"any_deal_cleared": ["peace"], "any_executed": ["C.freeze"]},
        "failed": {"intensity": 11.0},
    }
    doc["actions"][5]["outcome"] = {"succeeds_if": {}, "failed": {"intensity": -1.0}}
    doc["roadmap"]["stages"][0]["exit"]["succeeded"] = ["A.drill"]
    doc["readings"] = [
        {"observer": "Q", "actor": "B", "action": "drill", "intensity": -8.0},
        {"observer": "A", "actor": "Z", "action": "drill", "intensity": -8.0},
        {"observer": "A", "actor": "B", "action": "drils", "intensity": -8.0},
        {"observer": "A", "actor": "C", "action": "drill", "intensity": -8.0},
        {"observer": "C", "actor": "A", "action": "test", "intensity": -12.0},
        {"observer": "C", "actor": "B", "action": "drill", "intensity": -8.0, "failed": -9.0},
        {"observer": "B", "action": "drill", "intensity": 2.0},
        {"observer": "C", "action": "talks", "intensity": 1.0},
        {"observer": "C", "actor": "B", "action": "talks", "intensity": 2.0},
    ]
    assert issues(doc) == [
        ("actions[4].outcome.failed.intensity", "Input should be less than or equal to 10", 11.0),
        (
            "actions[5].outcome.succeeds_if",
            "succeeds_if needs at least one of any_deal_cleared, any_executed",
            {},
        ),
        (
            "readings[4].intensity",
            "Input should be greater than or equal to -10",
            -12.0,
        ),
        (
            "actions[4].outcome.succeeds_if.any_deal_cleared[0]",
            "unknown deal (expected one of: double_freeze, peace_deal)",
            "peace",
        ),
        (
            "actions[4].outcome.succeeds_if.any_executed[0]",
            "party C cannot take action freeze (its actors are: A)",
            "C.freeze",
        ),
        ("readings[0].observer", UNKNOWN_PARTY, "Q"),
        ("readings[1].actor", UNKNOWN_PARTY, "Z"),
        ("readings[2].action", f"unknown action (expected one of: {ACTIONS})", "drils"),
        (
            "readings[3].actor",
            "party C cannot take action drill (its actors are: B)",
            "C",
        ),
        ("readings[5].failed", "action drill has no outcome, so it never fails", -9.0),
        (
            "readings[6].observer",
            "B would read only its own act (a party's trust in itself is 1)",
            "B",
        ),
        ("readings[8]", "C already reads B.talks at readings[7]", doc["readings"][8]),
        (
            "roadmap.stages[0].exit.succeeded[0]",
            "party A cannot take action drill (its actors are: B)",
            "A.drill",
        ),
    ]


def test_uploads_bound_the_readings() -> None:
    doc = base()
    doc["readings"] = [{"observer": "A", "action": "drill", "intensity": 1.0}] * (
        UPLOAD_LIMITS.max_readings or 0
    ) + [{"observer": "A", "action": "drill", "intensity": 1.0}]
    with pytest.raises(ScenarioError) as info:
        parse_yaml(yaml.safe_dump(doc), "upload", UPLOAD_LIMITS)
    (issue,) = info.value.issues
    assert issue.path == "readings"
    assert "ScenarioLimits.max_readings" in issue.message


def test_a_stage_gated_by_a_success_never_available_before_it_is_unreachable() -> None:
    doc = base()
    doc["roadmap"]["stages"][1]["entry"]["succeeded"] = ["A.treaty"]
    assert issues(doc) == [
        (
            "roadmap.stages[1].entry.succeeded[0]",
            "stage peace is unreachable: A.treaty is not available in stage calm",
            "A.treaty",
        )
    ]
