"""Provenance of a scenario's numbers: what covers each number, and bad entries."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from detente.scenario import ScenarioError, builtin_text
from detente.scenario.load import parse_scenario
from detente.scenario.overrides import load_document
from detente.scenario.provenance import numbers


def _ipd(provenance: list[dict[str, Any]]) -> dict[str, Any]:
    doc = yaml.safe_load(builtin_text("ipd"))
    doc["provenance"] = provenance
    return dict(doc)


def _by_path(doc: dict[str, Any]) -> dict[str, Any]:
    parse_scenario(doc)
    return {n.path: n for n in numbers(doc)}


def test_the_most_specific_entry_covers_a_number() -> None:
    doc = _ipd(
        [
            {"path": "trust", "basis": "assumption", "rationale": "all of trust"},
            {"path": "trust.forgetting", "basis": "estimate", "rationale": "fitted"},
        ]
    )
    rows = _by_path(doc)
    assert (rows["trust.forgetting"].basis, rows["trust.forgetting"].covered_by) == (
        "estimate",
        "trust.forgetting",
    )
    assert (rows["trust.prior_weight"].basis, rows["trust.prior_weight"].covered_by) == (
        "assumption",
        "trust",
    )
    assert rows["noise.miss"].basis is None
    assert rows["noise.miss"].covered_by is None


def test_list_items_are_named_by_id_and_entries_may_use_either_form() -> None:
    doc = _ipd(
        [
            {"path": "actions[0].intensity", "basis": "assumption", "rationale": "by index"},
            {"path": "roadmap.stages[cooperation]", "basis": "assumption", "rationale": "by id"},
        ]
    )
    rows = _by_path(doc)
    assert rows["actions[defect].intensity"].covered_by == "actions[0].intensity"
    breakdown = "roadmap.stages[cooperation].breakdown[defection].when.provocations"
    assert rows[breakdown].rationale == "by id"
    assert rows["roadmap.stages[mistrust].exit.trust[0].min"].basis is None


def test_every_written_number_is_listed_and_no_string_or_flag() -> None:
    doc = _ipd([])
    doc["parties"][0]["attributes"] = {"unsc_permanent": True, "seats": 2, "code": "A"}
    paths = set(_by_path(doc))
    assert "parties[A].attributes.seats" in paths
    assert not any("unsc_permanent" in p or "code" in p for p in paths)
    assert not any(p.startswith("provenance") for p in paths)
    assert len(paths) == 22  # ipd writes 21 numbers; one attribute added


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ({"path": "noise.blur"}, "noise has no key 'blur' (keys: miss, false_alarm)"),
        ({"path": "actions[retreat]"}, "actions has no item with id 'retreat' (ids: defect)"),
        ({"path": "title"}, "names no number"),
        ({"path": "trust.priors["}, "cannot read the path"),
        ({"path": "provenance[0].path"}, "names the provenance section itself"),
        ({"path": "rounds", "basis": "source"}, "basis 'source' needs a citation"),
    ],
)
def test_bad_entries_name_their_path(entry: dict[str, Any], message: str) -> None:
    full = {"basis": "assumption", "rationale": "why", **entry}
    with pytest.raises(ScenarioError) as err:
        parse_scenario(_ipd([full]), "ipd.yaml")
    assert "provenance[0]" in str(err.value)
    assert message in str(err.value)


def test_two_entries_for_the_same_numbers_are_an_error() -> None:
    same = [
        {"path": "actions[defect]", "basis": "assumption", "rationale": "a"},
        {"path": "actions[0]", "basis": "assumption", "rationale": "b"},
    ]
    with pytest.raises(
        ScenarioError, match=r"provenance\[1\]\.path.*same values as provenance\[0\]"
    ):
        parse_scenario(_ipd(same))


def test_every_problem_is_reported_at_once() -> None:
    bad = [
        {"path": "noise.blur", "basis": "assumption", "rationale": "a"},
        {"path": "title", "basis": "assumption", "rationale": "b"},
    ]
    with pytest.raises(ScenarioError) as err:
        parse_scenario(_ipd(bad))
    assert len(err.value.issues) == 2


def test_numbers_follow_overrides() -> None:
    doc, _ = load_document("ipd", ["noise.miss=0.25"])
    rows = {n.path: n for n in numbers(doc)}
    assert rows["noise.miss"].value == 0.25
    assert rows["noise.miss"].basis == "assumption"


@pytest.mark.parametrize("name", ["korea", "ipd"])
def test_every_number_of_a_built_in_scenario_has_a_provenance(name: str) -> None:
    """A built-in scenario justifies each number it writes: no basis is missing."""
    doc = yaml.safe_load(builtin_text(name))
    rows = numbers(doc)
    assert len(rows) > 20
    uncovered = [row.path for row in rows if row.basis is None]
    assert uncovered == []
    for row in rows:
        if row.basis == "source":
            assert row.source, f"{row.path}: a source names its citation"


def test_korea_cites_nothing_outside_the_package() -> None:
    """Its sources are publications, not files of the repository (``shared/...``), which an
    installed package does not have."""
    text = builtin_text("korea")
    assert "shared/" not in text
    sources = [str(e.get("source", "")) for e in yaml.safe_load(text)["provenance"]]
    assert any(sources)
    path = re.compile(r"[\w.-]+/[\w./-]+\.(md|ya?ml|csv|json|txt|pdf)\b")  # a file by its path
    assert [s for s in sources if path.search(s)] == []
