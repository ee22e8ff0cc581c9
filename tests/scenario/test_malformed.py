"""Malformed scenarios: every problem is reported at once, with file, path and value.

Each file in ``malformed/`` is the small valid scenario :data:`BASE` with one
defect (or, for the ``many_errors_*`` files, several), described by the comment
at its top. :data:`EXPECTED` lists, per file, every issue the loader must report:
``(path, part of the message, offending value)``, with :data:`MISSING` for an
issue that has no value (a missing field, invalid YAML). The tests require
exactly these issues: none missing, none extra.
"""

from __future__ import annotations

import copy
import difflib
import functools
from pathlib import Path
from typing import Any

import pytest
import yaml

from detente.scenario import (
    ScenarioError,
    ScenarioIssue,
    builtin_text,
    load_scenario,
    parse_scenario,
    parse_yaml,
)

MALFORMED = Path(__file__).parent / "malformed"


class _Missing:
    """Marks an expected issue that carries no value."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()

BASE = """\
id: mini
title: Minimal three-party roadmap
rounds: 20

parties:
  - {id: A, name: Party A}
  - {id: B, name: Party B}
  - {id: C, name: Party C}

actions:
  - {id: test, actors: [A], category: provocation, intensity: -7.0, breaks: [freeze]}
  - {id: drill, actors: [B], category: provocation, intensity: -4.0}
  - {id: freeze, actors: [A], category: restraint, intensity: 7.0}
  - {id: suspend, actors: [B], category: restraint, intensity: 7.0}
  - {id: talks, actors: [A, B, C], category: dialogue, intensity: 4.0}
  - {id: treaty, actors: [A, B], category: initiative, stages: [peace], intensity: 8.0}

utilities:
  discount: 0.95
  parties:
    A:
      linear: {A.test: 2.0, B.drill: -2.0, B.suspend: 1.0}
      pairwise: [{slots: [A.treaty, B.treaty], value: 3.0}]
    B:
      linear: {A.test: -5.0, A.freeze: 2.0}

commitments:
  - {id: a_freeze, party: A, action: freeze, if: [B.suspend]}
  - {id: b_suspend, party: B, action: suspend, if: [A.freeze]}
  - {id: a_treaty, party: A, action: treaty, if: [B.treaty]}
  - {id: b_treaty, party: B, action: treaty, if: [A.treaty]}

deals:
  - {id: double_freeze, commitments: [a_freeze, b_suspend]}
  - {id: peace_deal, commitments: [a_treaty, b_treaty]}

tracks:
  - id: bilateral
    parties: [A, B]
    levels:
      - {id: contact, criteria: {taken: [A.talks, B.talks]}}

roadmap:
  stages:
    - id: calm
      exit:
        calm_rounds: 2
        deals_in_force: [double_freeze]
        trust: [{pair: [A, B], min: 0.5}]
    - id: peace
      entry:
        tracks: [{track: bilateral, level: contact}]
      breakdown:
        - {id: test_stalls, when: {executed: [A.test]}, then: stall}
        - {id: provocation, when: {provocations: 1}, then: back}
  resume:
    - {calm_rounds: 2}
  success:
    hold_rounds: 3
    criteria: {deals_in_force: [peace_deal]}

noise:
  miss: 0.05
  false_alarm: 0.02
  observers:
    C: {false_alarm: 0.04}

trust:
  priors:
    - {pair: [A, B], trust: 0.3, weight: 4}
"""
"""The valid scenario every malformed file is a variation of."""

SLOT_PATTERN = (
    "String should match pattern "
    "'^[A-Za-z][A-Za-z0-9_]*\\.[A-Za-z][A-Za-z0-9_]*(\\.[A-Za-z][A-Za-z0-9_]*)?$'"
)
ACTIONS = "drill, freeze, suspend, talks, test, treaty"
DEALS = "double_freeze, peace_deal"
UNKNOWN_PARTY = "unknown party (expected one of: A, B, C)"

Expected = tuple[str, str, Any]

EXPECTED: dict[str, list[Expected]] = {
    # --- unknown references ----------------------------------------------------
    "unknown_party_in_actors": [("actions[1].actors[1]", UNKNOWN_PARTY, "Q")],
    "unknown_action_in_commitment": [
        ("commitments[0].action", f"unknown action (expected one of: {ACTIONS})", "freze"),
    ],
    "commitment_action_party_cannot_take": [
        (
            "commitments[1].action",
            "party C cannot take action suspend (its actors are: B)",
            "suspend",
        ),
    ],
    "default_move_party_cannot_take": [
        (
            "parties[1].default_move[0]",
            "party B cannot take action freeze (its actors are: A)",
            "freeze",
        ),
    ],
    "unknown_deal_in_force": [
        (
            "roadmap.stages[0].exit.deals_in_force[0]",
            f"unknown deal (expected one of: {DEALS})",
            "double_freez",
        ),
    ],
    "success_criteria_unknown_deal": [
        (
            "roadmap.success.criteria.deals_in_force[0]",
            f"unknown deal (expected one of: {DEALS})",
            "peace",
        ),
    ],
    "unknown_stage_in_action_stages": [
        ("actions[5].stages[0]", "unknown stage (expected one of: calm, peace)", "peac"),
    ],
    "action_in_no_stage": [("actions[5].stages", "an action available in no stage", [])],
    "trust_pair_unknown_party": [("roadmap.stages[0].exit.trust[0].pair[1]", UNKNOWN_PARTY, "Q")],
    "trust_pair_self": [
        ("trust.priors[0].pair", "a trust pair needs two different parties", ["B", "B"]),
        (
            "roadmap.stages[0].exit.trust[0].pair",
            "a trust pair needs two different parties",
            ["A", "A"],
        ),
    ],
    "unknown_party_elsewhere": [
        ("utilities.parties.D", UNKNOWN_PARTY, "D"),
        ("tracks[0].parties[1]", UNKNOWN_PARTY, "D"),
        ("noise.observers.D", UNKNOWN_PARTY, "D"),
        ("trust.priors[0].pair[0]", UNKNOWN_PARTY, "D"),
        ("roadmap.stages[1].breakdown[1].when.trust_below[0].pair[1]", UNKNOWN_PARTY, "D"),
    ],
    "unknown_track": [
        (
            "roadmap.stages[1].entry.tracks[0].track",
            "unknown track (expected one of: bilateral)",
            "bilateal",
        ),
    ],
    "unknown_track_level": [
        (
            "roadmap.stages[1].entry.tracks[0].level",
            "unknown level of track bilateral (expected one of: contact)",
            "summit",
        ),
    ],
    "slot_not_party_action": [
        ("utilities.parties.A.linear.Bdrill", SLOT_PATTERN, "Bdrill"),
        ("commitments[0].if[0]", SLOT_PATTERN, "suspend"),
        ("roadmap.stages[1].breakdown[0].when.executed[0]", SLOT_PATTERN, "A_test"),
    ],
    "unknown_slot_in_linear": [
        (
            "utilities.parties.B.linear['D.drill']",
            "unknown party 'D' (expected one of: A, B, C)",
            "D.drill",
        ),
        (
            "utilities.parties.B.linear['B.dril']",
            f"unknown action 'dril' (expected one of: {ACTIONS})",
            "B.dril",
        ),
    ],
    "unknown_slot_in_pairwise": [
        (
            "utilities.parties.A.pairwise[0].slots[1]",
            f"unknown action 'peace_treaty' (expected one of: {ACTIONS})",
            "B.peace_treaty",
        ),
    ],
    "slot_party_cannot_take": [
        (
            "utilities.parties.B.linear['C.treaty']",
            "party C cannot take action treaty (its actors are: A, B)",
            "C.treaty",
        ),
        (
            "roadmap.stages[1].breakdown[0].when.executed[1]",
            "party B cannot take action test (its actors are: A)",
            "B.test",
        ),
    ],
    "conditions_field_unknown_slot": [
        (
            "commitments[0].conditions[0]",
            f"unknown action 'suspension' (expected one of: {ACTIONS})",
            "B.suspension",
        ),
    ],
    "deal_unknown_commitment": [
        (
            "deals[1].commitments[2]",
            "unknown commitment (expected one of: a_freeze, a_treaty, b_suspend, b_treaty)",
            "c_treaty",
        ),
    ],
    "commitment_in_two_deals": [
        ("deals[1].commitments[2]", "commitment already belongs to deal double_freeze", "a_freeze"),
    ],
    # --- duplicate ids -----------------------------------------------------------
    "duplicate_party_id": [("parties[3].id", "duplicate id", "B")],
    "duplicate_action_id": [("actions[6].id", "duplicate id", "talks")],
    "duplicate_stage_id": [("roadmap.stages[2].id", "duplicate id", "calm")],
    "duplicate_commitment_id": [("commitments[4].id", "duplicate id", "a_freeze")],
    "duplicate_nested_ids": [
        ("tracks[1].id", "duplicate id", "bilateral"),
        ("roadmap.stages[1].breakdown[1].id", "duplicate id", "provocation"),
        ("tracks[0].levels[1].id", "duplicate id", "contact"),
    ],
    # --- ranges --------------------------------------------------------------------
    "noise_miss_above_one": [("noise.miss", "less than or equal to 1", 1.5)],
    "noise_false_alarm_negative": [("noise.false_alarm", "greater than or equal to 0", -0.02)],
    "trust_min_above_one": [
        ("roadmap.stages[0].exit.trust[0].min", "less than or equal to 1", 2.0),
    ],
    "intensity_out_of_range": [("actions[0].intensity", "greater than or equal to -10", -12.5)],
    # --- roadmap structure and reachability ----------------------------------------
    "back_on_first_stage": [
        (
            "roadmap.stages[0].breakdown[0].then",
            "the first stage has no stage to fall back to",
            "back",
        ),
    ],
    "stall_without_resume": [("roadmap.resume", "no resume criteria are given", None)],
    "empty_trigger": [
        ("roadmap.stages[1].breakdown[1].when", "a trigger needs at least one of executed", {}),
    ],
    "first_stage_entry": [
        ("roadmap.stages[0].entry", "its entry criteria are never used", {"calm_rounds": 1}),
    ],
    "unreachable_executed_slot": [
        (
            "roadmap.stages[1].entry.executed[0]",
            "stage peace is unreachable: A.treaty is not available in stage calm",
            "A.treaty",
        ),
    ],
    "unreachable_taken_slot": [
        (
            "roadmap.stages[1].entry.taken[0]",
            "stage peace is unreachable: B.treaty is not available in any earlier stage",
            "B.treaty",
        ),
    ],
    "unreachable_deal_in_force": [
        (
            "roadmap.stages[0].exit.deals_in_force[1]",
            "stage peace is unreachable: the actions of deal peace_deal are never available",
            "peace_deal",
        ),
    ],
    "unreachable_calm_rounds": [
        (
            "roadmap.stages[0].exit.calm_rounds",
            "stage peace is unreachable: needs more rounds than the scenario's 20",
            25,
        ),
    ],
    "hold_rounds_too_long": [
        ("roadmap.success.hold_rounds", "longer than the scenario's 20 rounds", 30),
    ],
    # --- types, keys and sections ----------------------------------------------------
    "wrong_type_string_for_number": [
        ("rounds", "Input should be a valid integer", "twenty"),
        ("actions[1].intensity", "Input should be a valid number", "strong"),
    ],
    "wrong_type_list_for_mapping": [
        ("deals[0].commitments", "Input should be a valid list", {"a_freeze": "b_suspend"}),
        ("roadmap.stages[1].exit", "Input should be a valid dictionary", ["calm_rounds", 2]),
        ("noise", "Input should be a valid dictionary", [0.05, 0.02]),
    ],
    "attribute_and_enum_types": [
        (
            "parties[0].attributes.cameo",
            "a valid string or a valid number or a valid integer or a valid boolean",
            ["AAA"],
        ),
        ("actions[1].category", "Input should be 'provocation', 'restraint'", "threat"),
        ("roadmap.stages[1].breakdown[1].then", "Input should be 'back' or 'stall'", "forward"),
    ],
    "missing_roadmap": [("roadmap", "Field required", MISSING)],
    "missing_parties": [("parties", "Field required", MISSING)],
    "unknown_keys": [
        ("rouds", "Extra inputs are not permitted", 20),
        ("actions[0].intesity", "Extra inputs are not permitted", -7.0),
        ("actions[0].intensity", "Field required", MISSING),
        (
            "roadmap.stages[0].exits",
            "Extra inputs are not permitted",
            {
                "calm_rounds": 2,
                "deals_in_force": ["double_freeze"],
                "trust": [{"pair": ["A", "B"], "min": 0.5}],
            },
        ),
    ],
    # --- the document itself -------------------------------------------------------
    # libyaml says "did not find expected ',' or ']'", PyYAML "expected ',' or ']', but got ..."
    "invalid_yaml_syntax": [("line 16, column 69", "expected ',' or ']'", MISSING)],
    "duplicate_yaml_key": [
        ("line 52, column 7", "invalid YAML: found duplicate key 'exit'", MISSING)
    ],
    "document_is_list": [("<root>", "a scenario must be a mapping of sections", "list")],
    "empty_document": [("<root>", "the scenario is empty", MISSING)],
    # --- several at once -------------------------------------------------------------
    "many_errors_at_once": [
        ("rounds", "Input should be a valid integer", "many"),
        ("actions[1].actors[1]", UNKNOWN_PARTY, "Q"),
        ("actions[6].id", "duplicate id", "freeze"),
        ("noise.miss", "less than or equal to 1", 1.5),
        ("roadmap.stages[0].exit.trust[0].pair", "two different parties", ["A", "A"]),
        (
            "roadmap.stages[0].exit.deals_in_force[0]",
            f"unknown deal (expected one of: {DEALS})",
            "double_frieze",
        ),
        ("roadmap.resume", "no resume criteria are given", None),
    ],
    "many_errors_with_reachability": [
        ("actions[1].actors[1]", UNKNOWN_PARTY, "Q"),
        ("commitments[1].action", "party C cannot take action suspend", "suspend"),
        ("roadmap.stages[0].entry", "its entry criteria are never used", {"min_rounds": 1}),
        (
            "roadmap.stages[0].exit.calm_rounds",
            "stage peace is unreachable: needs more rounds than the scenario's 20",
            21,
        ),
        ("roadmap.success.hold_rounds", "longer than the scenario's 20 rounds", 21),
    ],
}

WHOLE_DOCUMENT = {"missing_roadmap", "document_is_list", "empty_document"}
"""Files that are not a few-line edit of :data:`BASE`."""


def _files() -> list[str]:
    return sorted(p.stem for p in MALFORMED.glob("*.yaml"))


def _same(actual: Any, expected: Any) -> bool:
    """Equal, and of the same type (so ``1`` does not pass for ``1.0`` or ``True``)."""
    return type(actual) is type(expected) and actual == expected


@functools.cache
def _load_error(name: str) -> ScenarioError:
    """The error loading ``malformed/<name>.yaml`` raises (loaded once per file)."""
    path = MALFORMED / f"{name}.yaml"
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    return info.value


def _describe(issues: tuple[ScenarioIssue, ...]) -> str:
    return "\n".join(
        f"  {i.path}: {i.message} ({i.value!r}, has_value={i.has_value})" for i in issues
    )


def test_every_file_has_expectations() -> None:
    assert _files() == sorted(EXPECTED)
    assert len(EXPECTED) >= 25


@pytest.mark.parametrize("name", _files())
def test_file_starts_with_a_comment_saying_what_is_wrong(name: str) -> None:
    first = (MALFORMED / f"{name}.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# ")
    assert len(first) > 20


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_malformed_file_reports_exactly_the_expected_issues(name: str) -> None:
    path = MALFORMED / f"{name}.yaml"
    error = _load_error(name)
    assert error.source == str(path)
    issues = error.issues
    for where, message, value in EXPECTED[name]:
        found = [i for i in issues if i.path == where and message in i.message]
        assert found, f"no issue at {where} mentioning {message!r}; got:\n{_describe(issues)}"
        (issue,) = found
        if value is MISSING:
            assert not issue.has_value, f"{where}: expected no value, got {issue.value!r}"
        else:
            assert issue.has_value
            assert _same(issue.value, value), f"{where}: value {issue.value!r} != {value!r}"
    assert len(issues) == len(EXPECTED[name]), f"unexpected extra issues:\n{_describe(issues)}"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_rendered_error_names_file_path_and_value(name: str) -> None:
    path = MALFORMED / f"{name}.yaml"
    error = _load_error(name)
    text = str(error)
    lines = text.splitlines()
    count = len(EXPECTED[name])
    assert lines[0] == f"{path}: {count} problem{'s' if count != 1 else ''} in scenario"
    assert path.name in text
    assert len(lines) == 1 + count
    for where, message, value in EXPECTED[name]:
        prefix = f"{path}: {where}: "
        matching = [line for line in lines[1:] if line.startswith(prefix) and message in line]
        assert len(matching) == 1, f"no line for {where} in:\n{text}"
        if value is MISSING:
            assert "(got " not in matching[0]
        else:
            assert matching[0].endswith(f" (got {value!r})")


def _body(text: str) -> list[str]:
    lines = text.splitlines()
    while lines and lines[0].startswith("#"):
        lines.pop(0)
    return lines


@pytest.mark.parametrize("name", sorted(set(EXPECTED) - WHOLE_DOCUMENT))
def test_malformed_file_is_a_small_edit_of_the_valid_base(name: str) -> None:
    text = (MALFORMED / f"{name}.yaml").read_text(encoding="utf-8")
    diff = difflib.unified_diff(_body(BASE), _body(text), lineterm="", n=0)
    changed = [d for d in diff if d[:1] in "+-" and d[:3] not in ("+++", "---")]
    assert 0 < len(changed) <= 16, "\n".join(changed)


# --- valid files: the tests above do not pass vacuously ---------------------------


def test_valid_base_loads(tmp_path: Path) -> None:
    path = tmp_path / "mini.yaml"
    path.write_text(BASE, encoding="utf-8")
    scenario = load_scenario(path)
    assert scenario.id == "mini"
    assert [p.id for p in scenario.parties] == ["A", "B", "C"]
    assert [s.id for s in scenario.roadmap.stages] == ["calm", "peace"]


def test_valid_copy_of_ipd_loads(tmp_path: Path) -> None:
    path = tmp_path / "ipd_copy.yaml"
    path.write_text(builtin_text("ipd"), encoding="utf-8")
    scenario = load_scenario(path)
    assert scenario.id == "ipd"
    assert [p.id for p in scenario.parties] == ["A", "B"]
    assert scenario.rounds == 200


@pytest.mark.parametrize("name", ["ipd", "korea"])
def test_builtin_scenarios_load(name: str) -> None:
    assert load_scenario(name).id == name


def test_missing_file_is_a_scenario_error(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yaml"
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert info.value.source == str(path)
    (issue,) = info.value.issues
    assert issue.path == "<root>"
    assert "no such file" in issue.message
    assert issue.value == str(path)


# --- parse_scenario on in-memory documents -----------------------------------------


def _ipd() -> dict[str, Any]:
    doc = yaml.safe_load(builtin_text("ipd"))
    assert isinstance(doc, dict)
    return copy.deepcopy(doc)


def _paths(error: ScenarioError) -> list[str]:
    return [i.path for i in error.issues]


def test_parse_scenario_bad_references_list_every_path() -> None:
    doc = _ipd()
    doc["commitments"] = [{"id": "c", "party": "Z", "action": "cooperate", "if": ["B.defect"]}]
    doc["deals"] = [{"id": "d", "commitments": ["c", "e"]}]
    with pytest.raises(ScenarioError) as info:
        parse_scenario(doc)
    error = info.value
    assert error.source == "<scenario>"
    assert _paths(error) == [
        "commitments[0].party",
        "commitments[0].action",
        "deals[0].commitments[1]",
    ]
    assert [i.value for i in error.issues] == ["Z", "cooperate", "e"]
    assert "unknown party (expected one of: A, B)" in error.issues[0].message
    assert "unknown action (expected one of: defect)" in error.issues[1].message


def test_parse_scenario_reports_type_and_reference_errors_together() -> None:
    doc = _ipd()
    doc["noise"]["miss"] = -1
    doc["utilities"]["parties"]["A"]["linear"]["C.defect"] = 1.0
    doc["roadmap"]["stages"][0]["exit"]["trust"][1]["pair"] = ["B", "B"]
    with pytest.raises(ScenarioError) as info:
        parse_scenario(doc, "inline")
    error = info.value
    assert isinstance(error, ValueError)
    assert sorted(_paths(error)) == [
        "noise.miss",
        "roadmap.stages[0].exit.trust[1].pair",
        "utilities.parties.A.linear['C.defect']",
    ]
    text = str(error)
    assert text.startswith("inline: 3 problems in scenario")
    assert "inline: noise.miss: Input should be greater than or equal to 0 (got -1)" in text


def test_parse_scenario_unreachable_stage_in_a_dict() -> None:
    doc = _ipd()
    doc["actions"][0]["stages"] = ["cooperation"]
    doc["roadmap"]["stages"][0]["exit"]["executed"] = ["A.defect"]
    with pytest.raises(ScenarioError) as info:
        parse_scenario(doc, "inline")
    (issue,) = info.value.issues
    assert issue.path == "roadmap.stages[0].exit.executed[0]"
    assert issue.message == (
        "stage cooperation is unreachable: A.defect is not available in stage mistrust"
    )
    assert issue.value == "A.defect"


@pytest.mark.parametrize(
    ("doc", "value"), [([1, 2], "list"), ("ipd", "str"), (3, "int")], ids=["list", "str", "int"]
)
def test_parse_scenario_rejects_a_document_that_is_not_a_mapping(doc: Any, value: str) -> None:
    with pytest.raises(ScenarioError) as info:
        parse_scenario(doc)
    (issue,) = info.value.issues
    assert (issue.path, issue.value) == ("<root>", value)
    assert "a scenario must be a mapping of sections" in issue.message


def test_parse_scenario_does_not_modify_its_input() -> None:
    doc = _ipd()
    doc["actions"][0]["actors"] = ["A", "Q"]
    before = copy.deepcopy(doc)
    with pytest.raises(ScenarioError):
        parse_scenario(doc)
    assert doc == before


def test_parse_yaml_invalid_syntax_gives_line_and_column() -> None:
    with pytest.raises(ScenarioError) as info:
        parse_yaml("id: x\nparties:\n  - {id: A\nactions: []\n", "snippet.yaml")
    (issue,) = info.value.issues
    assert issue.path.startswith("line 4, column ")
    assert issue.message.startswith("invalid YAML: ")
    assert not issue.has_value
    assert str(info.value).startswith("snippet.yaml: 1 problem in scenario")


def test_parse_yaml_allows_merge_keys() -> None:
    """The duplicate-key check must not reject YAML merge keys that override a value."""
    text = builtin_text("ipd").replace(
        "  - {id: A, name: Player A}\n  - {id: B, name: Player B}\n",
        "  - &a {id: A, name: Player A}\n  - {<<: *a, id: B, name: Player B}\n",
    )
    assert [p.id for p in parse_yaml(text).parties] == ["A", "B"]
