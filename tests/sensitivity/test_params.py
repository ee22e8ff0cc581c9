"""Which numbers are sampled and over which ranges; bad parameters are refused before any run."""

from __future__ import annotations

import re

import pytest
import yaml

from detente.scenario.overrides import load_document
from detente.scenario.provenance import numbers
from detente.sensitivity import SensitivityError
from detente.sensitivity.params import choose_parameters, parse_param


@pytest.fixture(scope="module")
def korea() -> dict:
    return load_document("korea")[0]


def test_the_default_parameters_are_the_non_zero_assumptions(korea: dict) -> None:
    params = {p.path: p for p in choose_parameters(korea, "korea", [])}
    assumed = {n.path: n.value for n in numbers(korea) if n.basis == "assumption"}
    assert set(params) == {path for path, value in assumed.items() if value != 0}
    assert all(p.default_range and p.nominal == assumed[p.path] for p in params.values())
    assert all(p.low < p.nominal < p.high or p.nominal in (p.low, p.high) for p in params.values())


def test_default_ranges_are_half_the_value_either_side_clipped_to_the_field(korea: dict) -> None:
    params = {p.path: p for p in choose_parameters(korea, "korea", [])}
    miss = params["noise.miss"]  # 0.05: well inside [0, 1]
    assert (miss.low, miss.high) == pytest.approx((0.025, 0.075))
    discount = params["utilities.discount"]  # 0.97, at most 1
    assert (discount.low, discount.high) == pytest.approx((0.485, 1.0))
    test = params["actions[nuclear_test].intensity"]  # -9.5, at least -10
    assert (test.low, test.high) == pytest.approx((-10.0, -4.75))
    trust = params["trust.priors[14].trust"]  # 0.8, a probability
    assert trust.high <= 1.0
    calm = params["roadmap.stages[trust_building].exit.calm_rounds"]
    assert calm.integer
    assert calm.text(1.6) == "2"
    assert not miss.integer
    assert float(miss.text(0.0312)) == 0.0312
    for tiny in (1.234e-05, 5e-324):  # exponent forms: read back as the same number, not text
        assert yaml.safe_load(miss.text(tiny)) == tiny


def test_named_parameters_replace_the_default_set(korea: dict) -> None:
    params = choose_parameters(korea, "korea", ["noise.miss=0:0.2", "trust.forgetting"])
    assert [(p.path, p.low, p.high, p.default_range) for p in params] == [
        ("noise.miss", 0.0, 0.2, False),
        ("trust.forgetting", pytest.approx(0.45), pytest.approx(1.0), True),
    ]


@pytest.mark.parametrize(
    ("param", "message"),
    [
        ("noise.mis=0:0.1", "--param noise.mis: noise has no key 'mis' (keys: miss"),
        ("actions[no_such_act].intensity=1:2", "actions has no item with id 'no_such_act'"),
        ("noise.miss=0:1.5", "noise.miss=0:1.5: 1.5 is outside the range [0, 1]"),
        ("noise.miss=0.2:0.1", "LOW must be below HIGH, got 0.2:0.1"),
        ("noise.miss=0.1:0.1", "LOW must be below HIGH"),
        ("noise.miss=a:b", "is not LOW:HIGH"),
        ("noise.miss=0.1", "is not LOW:HIGH"),
        ("noise=0:1", "not a number in the scenario"),
        ("utilities.parties.US.base", "writes 0, which has no default range"),
        ("roadmap.success.hold_rounds=6.1:6.3", "at least two integers"),
        ("utilities.discount=0:1", "0 is outside the range (0, 1]"),
    ],
)
def test_a_bad_parameter_is_refused_naming_it(korea: dict, param: str, message: str) -> None:
    with pytest.raises(SensitivityError, match=re.escape(message)):
        choose_parameters(korea, "korea", [param])


def test_every_bad_parameter_is_reported_at_once(korea: dict) -> None:
    with pytest.raises(SensitivityError) as caught:
        choose_parameters(korea, "korea", ["noise.mis=0:1", "noise.miss=0:3", "trust.forgetting"])
    lines = str(caught.value).splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("--param noise.mis: noise has no key")
    assert lines[1].startswith("--param noise.miss=0:3: 3 is outside the range")


def test_a_parameter_given_twice_is_refused(korea: dict) -> None:
    with pytest.raises(SensitivityError, match=r"noise\.miss: given twice"):
        choose_parameters(korea, "korea", ["noise.miss=0:0.1", "noise.miss"])


def test_a_range_the_scenario_rejects_as_a_whole_is_refused(korea: dict) -> None:
    """Within the field's limits, yet invalid for the scenario: found by validating both ends."""
    doc = load_document("korea")[0]
    with pytest.raises(SensitivityError, match=r"rounds: the scenario is not valid at 1"):
        choose_parameters(doc, "korea", ["rounds=1:3"])


def test_parse_param_reads_a_range_or_none() -> None:
    assert parse_param(" noise.miss = 0:0.25") == ("noise.miss", (0.0, 0.25))
    assert parse_param("noise.miss") == ("noise.miss", None)
