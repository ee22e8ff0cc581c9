"""From scenario to package and back: the adapter, the CLI, and deals written from packages."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
import yaml
from bargain_helpers import detente, detente_here
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.bargain import BargainError, EmptyActionSetError, InvalidInputError, utilities
from detente.bargain.scenario import parse_disagreement, problem_from_scenario
from detente.engine import CounterRNG, Submissions, initial_state, step
from detente.scenario import load_scenario
from detente.scenario.compiled import CompiledScenario, compile_scenario
from detente.scenario.provenance import numbers


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_package_utilities_equal_engine_payoffs(
    korea_quiet: CompiledScenario, data: st.DataObject
) -> None:
    """Valued over one round, a package is worth what the engine pays for its actions."""
    problem = problem_from_scenario(korea_quiet, "simultaneous_actions", horizon=1)
    package = np.array(
        data.draw(st.lists(st.booleans(), min_size=len(problem.slots), max_size=len(problem.slots)))
    )
    for i, j in problem.conflicts:  # a package holds no two conflicting slots (two levels)
        package[j] &= not package[i]
    state = initial_state(korea_quiet, 1)
    state.stage[:] = korea_quiet.stages.index("simultaneous_actions")
    sub = Submissions.empty(korea_quiet, 1)
    for label in np.array(problem.slots)[package]:
        party, action = str(label).split(".", 1)
        sub.actions[0, korea_quiet.slot_of(party, action)] = True
    _, events = step(state, sub, CounterRNG(0))
    np.testing.assert_allclose(utilities(problem, package[None, :])[0], events.outcome.payoff[0])


def test_candidates_are_the_stage_initiatives(korea: CompiledScenario) -> None:
    problem = problem_from_scenario(korea, 2, ["US", "DPRK"])
    assert problem.parties == ("US", "DPRK")
    assert "US.sanctions_relief.partial" in problem.slots
    assert "US.peace_treaty" not in problem.slots, "not available in stage 2"
    assert not any(s.startswith("DPRK.missile_test") for s in problem.slots), (
        "provocations are left out by default"
    )
    assert "US.snap_back" not in problem.slots, "nothing is in force to revoke"
    assert all(s.split(".")[0] in ("US", "DPRK") for s in problem.slots)
    with_threats = problem_from_scenario(korea, 2, ["US", "DPRK", "ROK"], include_provocations=True)
    levels = [f"DPRK.missile_test.{level}" for level in ("short_range", "intermediate", "icbm")]
    assert set(levels) <= set(with_threats.slots)
    freeze, short, icbm = (
        with_threats.slots.index(s) for s in ("DPRK.freeze_tests", levels[0], levels[2])
    )
    assert (freeze, icbm) in with_threats.conflicts, (
        "an ICBM test breaks the freeze: not both in one package"
    )
    assert (freeze, short) not in with_threats.conflicts, "a short-range test does not"
    assert (short, icbm) in with_threats.conflicts, "one level of an action per package"


def test_bad_requests_are_named(korea: CompiledScenario) -> None:
    with pytest.raises(InvalidInputError, match=r"unknown party XX \(parties: RUS, CHN"):
        problem_from_scenario(korea, None, ["US", "XX"])
    with pytest.raises(
        InvalidInputError, match=r"stage 9 does not exist: the roadmap has stages 1..3"
    ):
        problem_from_scenario(korea, 9)
    with pytest.raises(InvalidInputError, match=r"unknown stage 'peace'"):
        problem_from_scenario(korea, "peace")
    ipd = compile_scenario(load_scenario("ipd"))
    with pytest.raises(EmptyActionSetError, match=r"no actions available to bargain over"):
        problem_from_scenario(ipd, 1)


def test_disagreement_point_parsing() -> None:
    parties = ("A", "B", "C")
    assert parse_disagreement("status_quo", parties).fallback == "status_quo"
    for default in ("default_moves", ""):
        spec = parse_disagreement(default, parties)
        assert spec.fallback == "default_moves"
        assert spec.given is None
    given = parse_disagreement("1,2,3", parties).given
    assert given is not None
    np.testing.assert_array_equal(given, [1, 2, 3])
    point = parse_disagreement("B=-2", parties).given
    assert point is not None
    assert point[1] == -2
    assert np.isnan(point[[0, 2]]).all()
    for bad, why in (
        ("1,2", "expected 3 values"),
        ("D=1", "unknown party 'D'"),
        ("A=x", "not a number"),
    ):
        with pytest.raises(BargainError, match=why):
            parse_disagreement(bad, parties)


def test_cli_prints_the_balanced_package_of_stage_two() -> None:
    out = detente("bargain", "korea")
    assert out.returncode == 0, out.stderr
    text = " ".join(out.stdout.split())
    assert "balance of interests in stage simultaneous_actions" in text
    assert "package of nash" in out.stdout
    assert "The objective is what each solution maximises: nash, the product" in text
    assert max(map(len, out.stdout.splitlines())) <= 80
    for party in ("RUS", "CHN", "US", "JPN", "DPRK", "ROK"):
        assert f"  {party} " in out.stdout


def test_cli_json_nash_makes_everyone_better_off() -> None:
    out = detente_here("bargain", "korea", "--solution", "nash", "--format", "json")
    data = json.loads(out.stdout)
    nash = data["solutions"]["nash"]
    assert nash["status"] == "optimal"
    assert all(v["gain"] > 0 for v in nash["parties"].values())
    assert set(nash["package"]) <= set(data["candidates"])


def test_cli_errors_exit_2_without_traceback() -> None:
    for args, message in (
        (("bargain", "korea", "--parties", "US,XX"), "unknown party XX"),
        (("bargain", "ipd"), "no actions available to bargain over"),
        (("bargain", "korea", "--solution", "fair"), "--solution must be one of"),
        (("bargain", "korea", "--as-deal", "x"), "--as-deal needs one --solution"),
    ):
        out = detente(*args)
        assert out.returncode == 2, args
        assert message in out.stderr
        assert "Traceback" not in out.stderr


def test_as_deal_writes_a_scenario_whose_deal_clears_whole(tmp_path: Path) -> None:
    target = tmp_path / "mediated.yaml"
    out = detente_here(
        "bargain", "korea", "--solution", "nash", "--as-deal", "mediated", "--out", str(target)
    )
    assert out.returncode == 0, out.stderr
    written = yaml.safe_load(target.read_text(encoding="utf-8"))
    korea_yaml = resources.files("detente.scenario.builtin").joinpath("korea.yaml")
    original = yaml.safe_load(korea_yaml.read_text(encoding="utf-8"))

    def by_path(doc: dict[str, object]) -> dict[str, tuple[float, str | None]]:
        return {n.path: (n.value, n.basis) for n in numbers(doc)}

    assert by_path(written) == by_path(original), "every number kept, with its provenance"
    compiled = compile_scenario(load_scenario(str(target)))
    d = compiled.deals.index("mediated")
    members = compiled.deal_members(d)
    state = initial_state(compiled, 1)
    state.stage[:] = compiled.stages.index("simultaneous_actions")
    sub = Submissions.empty(compiled, 1)
    sub.offers[0, members] = True
    _, events = step(state, sub, CounterRNG(0))
    assert events.outcome.deal_cleared[0, d]
    sub.offers[0, members[0]] = False
    _, events = step(state, sub, CounterRNG(0))
    assert not events.outcome.cleared[0].any(), "one missing part and nothing clears"


def test_cli_text_names_valuation_disagreement_deals_and_warning() -> None:
    out = detente_here("bargain", "korea")
    assert out.returncode == 0, out.stderr
    text = " ".join(out.stdout.split())  # lines are wrapped at 80 columns
    assert (
        "valuation: present value of rounds 1-40 (40 rounds) at discount 0.97 per round: "
        "a repeated act counts 23.48 times its per-round value, a one-off act once"
    ) in text
    assert "disagreement point: every party's default move continued" in text
    assert "values: RUS +0.00, CHN +0.00, US +0.00" in text
    assert "  deals  double_freeze" in out.stdout
    assert "warning: egalitarian and utilitarian compare utilities across parties" in text
    normalised = detente_here("bargain", "korea", "--normalise", "--solution", "egalitarian")
    assert normalised.returncode == 0, normalised.stderr
    assert "warning" not in normalised.stdout
    assert "as shares of each party's range" in " ".join(normalised.stdout.split())
    quiet = detente_here("bargain", "korea", "--solution", "nash")
    assert "warning" not in quiet.stdout


def test_cli_json_names_valuation_disagreement_deals_and_warning() -> None:
    out = detente_here(
        "bargain", "korea", "--format", "json", "--horizon", "12", "--from-round", "3"
    )
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    valuation = data["valuation"]
    assert {k: valuation[k] for k in ("kind", "discount", "horizon", "from_round", "rounds")} == {
        "kind": "present_value",
        "discount": 0.97,
        "horizon": 12,
        "from_round": 3,
        "rounds": 10,
    }
    assert valuation["flow_factor"] == pytest.approx(sum(0.97**t for t in range(10)))
    assert "DPRK.dismantle_facility" in valuation["one_off"]
    assert {"US.sanctions_relief.partial", "US.sanctions_relief.full"} <= set(valuation["flows"])
    assert data["disagreement"]["source"] == "default_moves"
    assert data["disagreement"]["values"] == dict.fromkeys(data["parties"], 0.0)
    assert data["deals"]["end_of_war"] == [
        "US.end_of_war_declaration",
        "DPRK.end_of_war_declaration",
        "ROK.end_of_war_declaration",
        "CHN.end_of_war_declaration",
    ]
    assert data["normalise"] is None
    assert len(data["warnings"]) == 1
    assert "egalitarian and utilitarian" in data["warnings"][0]
    for solution in data["solutions"].values():
        package = set(solution["package"])
        assert solution["deals"], "every korea package holds a deal"
        for deal in solution["deals"]:
            assert set(data["deals"][deal]) <= package
    normalised = json.loads(
        detente_here("bargain", "korea", "--format", "json", "--normalise").stdout
    )
    assert normalised["warnings"] == []
    assert normalised["normalise"]["by"] == "range"
    assert set(normalised["normalise"]["ranges"]) == set(normalised["parties"])
    egalitarian = normalised["solutions"]["egalitarian"]["parties"]
    assert all(0 < p["normalised_gain"] <= 1 for p in egalitarian.values())
