"""Validating ``any_of``: references, reachability and the upload limit inside alternatives."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from detente.scenario import parse_scenario
from detente.scenario.errors import ScenarioError
from detente.scenario.limits import UPLOAD_LIMITS
from detente.scenario.load import parse_yaml


def doc(exit_: dict[str, Any], *, stages: list[str] | None = None) -> dict[str, Any]:
    """Two stages; ``late`` is available only in the second; one deal of A's ``x``."""
    return {
        "id": "alternatives",
        "rounds": 10,
        "parties": [{"id": "A"}, {"id": "B"}],
        "actions": [
            {"id": "x", "actors": ["A"], "category": "initiative", "intensity": 1},
            {"id": "y", "actors": ["B"], "category": "initiative", "intensity": 1},
            {
                "id": "late",
                "actors": ["A"],
                "category": "initiative",
                "intensity": 1,
                "stages": stages or ["two"],
            },
        ],
        "commitments": [{"id": "cx", "party": "A", "action": "x", "if": ["B.y"]}],
        "deals": [{"id": "small", "commitments": ["cx"]}],
        "roadmap": {
            "stages": [{"id": "one", "exit": exit_}, {"id": "two"}],
            "success": {"hold_rounds": 2},
        },
    }


def issues(document: dict[str, Any]) -> list[tuple[str, str]]:
    with pytest.raises(ScenarioError) as err:
        parse_scenario(document)
    return [(i.path, i.message) for i in err.value.issues]


def test_references_inside_alternatives_are_checked_with_their_paths() -> None:
    found = issues(
        doc(
            {
                "any_of": [
                    {"deals_in_force": ["big"]},
                    {
                        "any_of": [
                            {"executed": ["B.x"]},
                            {"trust": [{"pair": ["A", "C"], "min": 0.5}]},
                        ]
                    },
                ]
            }
        )
    )
    paths = [path for path, _ in found]
    assert paths == [
        "roadmap.stages[0].exit.any_of[0].deals_in_force[0]",
        "roadmap.stages[0].exit.any_of[1].any_of[0].executed[0]",
        "roadmap.stages[0].exit.any_of[1].any_of[1].trust[0].pair[1]",
    ]
    assert "unknown deal" in found[0][1]
    assert "party B cannot take action x" in found[1][1]


def test_type_errors_inside_alternatives_name_their_paths() -> None:
    found = issues(doc({"any_of": [{"calm_rounds": -1}, {"nonsense": 1}]}))
    assert {path for path, _ in found} == {
        "roadmap.stages[0].exit.any_of[0].calm_rounds",
        "roadmap.stages[0].exit.any_of[1].nonsense",
    }


def test_an_empty_any_of_is_refused() -> None:
    found = issues(doc({"any_of": []}))
    assert [path for path, _ in found] == ["roadmap.stages[0].exit.any_of"]


def test_a_stage_is_unreachable_only_when_every_alternative_is() -> None:
    late = {"executed": ["A.late"]}  # late is not available in stage one
    parse_scenario(doc({"any_of": [late, {"executed": ["A.x"]}]}))  # one alternative can hold
    found = issues(doc({"any_of": [late, {"any_of": [late, {"calm_rounds": 11}]}]}))
    assert [path for path, _ in found] == [
        "roadmap.stages[0].exit.any_of[0].executed[0]",
        "roadmap.stages[0].exit.any_of[1].any_of[0].executed[0]",
        "roadmap.stages[0].exit.any_of[1].any_of[1].calm_rounds",
    ]
    assert all("stage two is unreachable" in message for _, message in found)
    assert all("no other alternative" in message for _, message in found)


def test_the_blocks_own_unreachable_conditions_are_reported_whatever_its_alternatives() -> None:
    found = issues(doc({"executed": ["A.late"], "any_of": [{"executed": ["A.x"]}]}))
    assert [path for path, _ in found] == ["roadmap.stages[0].exit.executed[0]"]


def nested(depth: int) -> dict[str, Any]:
    block: dict[str, Any] = {"executed": ["A.x"]}
    for _ in range(depth):
        block = {"any_of": [block, {"executed": ["B.y"]}]}
    return block


def test_uploads_may_nest_alternatives_only_so_deep() -> None:
    cap = UPLOAD_LIMITS.max_any_of_depth
    assert cap is not None
    parse_yaml(yaml.safe_dump(doc(nested(cap))), "upload", UPLOAD_LIMITS)
    with pytest.raises(ScenarioError) as err:
        parse_yaml(yaml.safe_dump(doc(nested(cap + 1))), "upload", UPLOAD_LIMITS)
    (issue,) = err.value.issues
    assert "max_any_of_depth" in issue.message
    assert f"the scenario has {cap + 1} levels of any_of" in issue.message


def test_track_levels_count_towards_the_any_of_limit() -> None:
    cap = UPLOAD_LIMITS.max_any_of_depth
    assert cap is not None
    document = doc({})
    document["tracks"] = [
        {"id": "t", "parties": ["A", "B"], "levels": [{"id": "l", "criteria": nested(cap + 1)}]}
    ]
    with pytest.raises(ScenarioError, match="max_any_of_depth"):
        parse_yaml(yaml.safe_dump(document), "upload", UPLOAD_LIMITS)


def test_files_may_nest_alternatives_deeper() -> None:
    assert parse_yaml(yaml.safe_dump(doc(nested(12))), "file").roadmap.stages[0].exit.any_of


README = Path(__file__).resolve().parents[2] / "README.md"


def test_the_readmes_scenarios_are_valid() -> None:
    blocks = re.findall(r"```yaml\n(id: .*?)```", README.read_text(encoding="utf-8"), re.S)
    assert len(blocks) >= 2
    scenarios = [parse_yaml(block, "README.md") for block in blocks]
    exit_ = scenarios[-1].roadmap.stages[0].exit
    assert len(exit_.any_of) == 2
    assert scenarios[-1].roadmap.success.counts == "held_to_end"


@pytest.mark.parametrize("name", ["korea", "ipd"])
def test_a_dumped_scenario_validates_again(name: str) -> None:
    """Criteria without alternatives dump ``any_of: None``, which validates (``[]`` would not)."""
    from detente.scenario import load_scenario
    from detente.scenario.schema import Scenario

    scenario = load_scenario(name)
    assert Scenario.model_validate(scenario.model_dump(by_alias=True)) == scenario
