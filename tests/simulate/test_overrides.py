"""``--set PATH=VALUE`` overrides on the raw scenario document."""

import re
from pathlib import Path

import pytest

from detente.scenario import ScenarioError
from detente.scenario.overrides import (
    OverrideError,
    apply_overrides,
    load_with_overrides,
    parse_path,
)


def test_paths_parse_keys_indices_ids_and_quoted_keys() -> None:
    assert parse_path("trust.priors[0].trust") == ["trust", "priors", 0, "trust"]
    assert parse_path("roadmap.stages[trust_building].exit") == [
        "roadmap",
        "stages",
        "trust_building",
        "exit",
    ]
    assert parse_path('utilities.parties.US.linear["DPRK.nuclear_test"]') == [
        "utilities",
        "parties",
        "US",
        "linear",
        "DPRK.nuclear_test",
    ]
    assert parse_path("a['x y'][-1]") == ["a", "x y", -1]


def test_overrides_change_numbers_anywhere() -> None:
    s = load_with_overrides(
        "korea",
        [
            "noise.miss=0.1",
            "utilities.discount=0.9",
            "trust.priors[0].trust=0.3",
            "roadmap.stages[trust_building].exit.calm_rounds=5",
            'utilities.parties.US.linear["DPRK.nuclear_test"]=-9',
            "noise.tremble=0.05",  # absent from the file, a field of the schema
            "noise.observers.US.miss=0.2",
        ],
    )
    assert s.noise.miss == 0.1
    assert s.utilities.discount == 0.9
    assert s.trust.priors[0].trust == 0.3
    assert s.roadmap.stages[0].exit.calm_rounds == 5
    assert s.utilities.parties["US"].linear["DPRK.nuclear_test"] == -9
    assert s.noise.tremble == 0.05
    assert s.noise.observers["US"].miss == 0.2


def test_overrides_leave_the_document_alone() -> None:
    doc = {"noise": {"miss": 0.0}}
    assert apply_overrides(doc, ["noise.miss=0.5"]) == {"noise": {"miss": 0.5}}
    assert doc == {"noise": {"miss": 0.0}}


@pytest.mark.parametrize(
    ("override", "message"),
    [
        (
            "trust.priorz[0].trust=0.3",
            "--set trust.priorz[0].trust=0.3: trust has no field 'priorz' (fields: prior_trust,",
        ),
        ("trust.priors[40].trust=0.3", "trust.priors has 18 items; there is no item 40"),
        ("roadmap.stages[nope].exit.calm_rounds=1", "roadmap.stages has no item with id 'nope'"),
        ("noise.miss.deeper=1", "noise.miss is a value (0.05), not a section"),
        ("noise.miss", "expected PATH=VALUE"),
        ("noise..miss=1", "cannot read the path 'noise..miss'"),
        ("noise.miss=[1", "the value is not valid YAML"),
        ("bogus=1", "the scenario has no field 'bogus' (fields: id, title,"),
    ],
)
def test_bad_paths_name_the_path(override: str, message: str) -> None:
    with pytest.raises(OverrideError, match=re.escape(message)):
        load_with_overrides("korea", [override])


def test_out_of_range_values_fail_validation_naming_the_path() -> None:
    with pytest.raises(
        ScenarioError, match=r"with --set noise.miss=2: noise.miss: Input should be"
    ):
        load_with_overrides("korea", ["noise.miss=2"])


def test_missing_scenarios_fail_as_the_loader_does() -> None:
    with pytest.raises(ScenarioError, match="no such file, and not a built-in scenario"):
        load_with_overrides("no_such_scenario", ["noise.miss=0.1"])


def test_a_file_is_read_as_strictly_with_overrides_as_without(tmp_path: Path) -> None:
    twice = tmp_path / "twice.yaml"
    twice.write_text("id: a\nid: b\n")
    bomb = tmp_path / "bomb.yaml"
    levels = [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 9)]
    bomb.write_text("\n".join(["l0: &l0 [x, x, x, x, x, x, x, x, x]", *levels]) + "\n")
    for path, words in ((twice, "duplicate key"), (bomb, "ScenarioLimits.max_nodes")):
        with pytest.raises(ScenarioError, match=words):
            load_with_overrides(str(path), ["noise.miss=0.1"])
