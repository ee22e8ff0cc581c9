"""Scenario structure in bargaining: deals whole, present values, the default-moves fallback.

``TRUCE`` (in ``bargain_helpers``) is small enough to value by hand: discount 1/2 over
3 rounds, so a flow counts ``1 + 1/2 + 1/4 = 7/4`` times its per-round value (``3/2``
from round 2 on) and a one-off act once.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import numpy as np
import pytest
import yaml
from bargain_helpers import TRUCE, detente_here

from detente.bargain import CONCEPTS, InvalidInputError, solve, utilities
from detente.bargain.enumeration import feasible_packages
from detente.bargain.scenario import (
    DisagreementSpec,
    bargain_from_scenario,
    parse_disagreement,
    problem_from_scenario,
    scenario_deals,
)
from detente.bargain.valuation import Valuation, flow_slots
from detente.scenario import parse_scenario
from detente.scenario.compiled import CompiledScenario, compile_scenario


def truce(**changes: object) -> CompiledScenario:
    doc = yaml.safe_load(TRUCE)
    doc.update(changes)
    return compile_scenario(parse_scenario(doc, "truce"))


def package(problem_slots: tuple[str, ...], *chosen: str) -> np.ndarray:
    return np.array([slot in chosen for slot in problem_slots])


def test_flows_count_every_round_and_one_off_acts_once() -> None:
    bargain = bargain_from_scenario(truce())
    problem = bargain.problem
    assert bargain.valuation.flow_factor == 1.75
    assert bargain.one_off == ("A.treaty", "B.treaty")
    assert set(bargain.flows) == {"A.pause", "B.aid", "B.visit"}
    # A: (-1 pause + 3 aid + 0.5 both) every round; B: (2 - 1) every round.
    pause_for_aid = package(problem.slots, "A.pause", "B.aid")
    np.testing.assert_array_equal(utilities(problem, pause_for_aid), [4.375, 1.75])
    # One-off: A 4 + 1, B 2 + 1, once.
    peace = package(problem.slots, "A.treaty", "B.treaty")
    np.testing.assert_array_equal(utilities(problem, peace), [5.0, 3.0])
    # B's treaty-and-aid term coincides for one round only: +1 once, not 7/4.
    both = package(problem.slots, "A.pause", "B.aid", "A.treaty", "B.treaty", "B.visit")
    np.testing.assert_array_equal(utilities(problem, both), [9.375, 1.75 + 3 + 1 + 0.875])


def test_horizon_and_starting_round_set_the_flow_factor() -> None:
    later = bargain_from_scenario(truce(), from_round=2)
    assert later.valuation.rounds == 2
    assert later.valuation.flow_factor == 1.5
    chosen = package(later.problem.slots, "A.pause", "B.aid")
    np.testing.assert_array_equal(utilities(later.problem, chosen), [3.75, 1.5])
    longer = bargain_from_scenario(truce(), horizon=4)
    assert longer.valuation.flow_factor == 1.875
    for bad, pattern in (
        ({"from_round": 4}, r"--from-round is 4; expected a round from 1 to the horizon \(3\)"),
        ({"horizon": 0}, r"--horizon is 0"),
    ):
        with pytest.raises(InvalidInputError, match=pattern):
            bargain_from_scenario(truce(), **bad)  # type: ignore[arg-type]


def test_standing_policies_are_flows() -> None:
    """A scenario that declares standing policies has them valued every round."""
    repeatable = np.array([True, False, False])
    none = np.zeros(3, bool)
    plain = cast(CompiledScenario, SimpleNamespace(slot_repeatable=repeatable, slot_standing=none))
    np.testing.assert_array_equal(flow_slots(plain), [True, False, False])
    standing = cast(
        CompiledScenario,
        SimpleNamespace(slot_repeatable=repeatable, slot_standing=np.array([0, 1, 0], bool)),
    )
    np.testing.assert_array_equal(flow_slots(standing), [True, True, False])
    np.testing.assert_array_equal(
        Valuation(0.5, 3, 1).weights(flow_slots(standing)), [1.75, 1.75, 1.0]
    )


def test_default_moves_continued_are_the_disagreement_point() -> None:
    bargain = bargain_from_scenario(truce())
    # A keeps testing: +2 a round for A, -6 for B, over 7/4 of a round.
    np.testing.assert_array_equal(bargain.disagreement.values, [3.5, -10.5])
    np.testing.assert_array_equal(bargain.problem.disagreement_point, [3.5, -10.5])
    assert bargain.disagreement.source == "default_moves"
    assert bargain.disagreement.moves == {"A": ("test",)}
    assert "A: test" in bargain.disagreement.describe()
    quo = bargain_from_scenario(truce(), disagreement=DisagreementSpec("status_quo"))
    np.testing.assert_array_equal(quo.problem.disagreement_point, [0.0, 0.0])
    mixed = bargain_from_scenario(truce(), disagreement=parse_disagreement("B=-1", ("A", "B")))
    np.testing.assert_array_equal(mixed.problem.disagreement_point, [3.5, -1.0])
    assert mixed.disagreement.given == ("B",)
    given = bargain_from_scenario(truce(), disagreement=parse_disagreement("1,2", ("A", "B")))
    assert given.disagreement.source == "given"
    # Without default moves the fallback is the status quo: nobody acts.
    calm = truce(parties=[{"id": "A"}, {"id": "B"}])
    assert bargain_from_scenario(calm).disagreement.values.tolist() == [0.0, 0.0]
    assert "none has one" in bargain_from_scenario(calm).disagreement.describe()


def test_an_option_worth_more_than_any_package_blocks_agreement() -> None:
    """Testing on at 6 a round (10.5) beats A's best package (9.375): A blocks; at 2 it
    does not, and against the status quo (nobody acting) it never would."""
    hawkish = TRUCE.replace("A.test: 2", "A.test: 6")
    compiled = compile_scenario(parse_scenario(yaml.safe_load(hawkish), "truce"))
    blocked = solve(problem_from_scenario(compiled), "nash")
    assert blocked.status == "no_agreement"
    assert blocked.blocking == ("A",)
    quo = problem_from_scenario(compiled, disagreement=DisagreementSpec("status_quo"))
    assert solve(quo, "nash").status == "optimal"
    nash = solve(problem_from_scenario(truce()), "nash")
    assert nash.status == "optimal"
    assert nash.gains is not None
    np.testing.assert_allclose(nash.gains, [9.375 - 3.5, 5.75 + 0.875 + 10.5])


def test_parties_outside_the_bargain_keep_their_default_moves() -> None:
    """B alone: A's deals need A, so only B's visit is on the table, with A testing on."""
    bargain = bargain_from_scenario(truce(), parties=["B"])
    assert bargain.problem.slots == ("B.visit",)
    assert set(bargain.left_out) == {"B.aid", "B.treaty"}
    np.testing.assert_array_equal(bargain.problem.base, [-10.5])
    np.testing.assert_array_equal(utilities(bargain.problem, [True]), [-10.5 + 0.875])


def test_commitment_slots_enter_only_through_their_deals() -> None:
    problem = problem_from_scenario(truce())
    assert dict(problem.deals) == {
        "pause_for_aid": (problem.slots.index("A.pause"), problem.slots.index("B.aid")),
        "peace": (problem.slots.index("A.treaty"), problem.slots.index("B.treaty")),
    }
    assert [problem.slots[k] for k in problem.bound] == ["A.pause", "B.aid", "A.treaty", "B.treaty"]
    freed = problem_from_scenario(truce(), free=["B.aid"])
    assert "B.aid" not in [freed.slots[k] for k in freed.bound]
    with pytest.raises(InvalidInputError, match=r"--free B\.test: B cannot take action test"):
        problem_from_scenario(truce(), free=["B.test"])


@pytest.mark.parametrize("parties", [None, ["US", "DPRK"], ["US", "DPRK", "ROK", "CHN"]])
def test_korea_packages_take_deals_whole(korea: CompiledScenario, parties: list[str]) -> None:
    """Every concept's package is made of whole deals and outright actions, read off the
    scenario itself: each action a commitment offers comes with a deal whole in it."""
    problem = bargain_from_scenario(korea, parties=parties).problem
    offered = {korea.slot_label(int(k)) for k in korea.commitment_slot}
    deals = {
        name: {korea.slot_label(k) for k in slots} for name, slots in scenario_deals(korea).items()
    }
    for concept in CONCEPTS:
        solution = solve(problem, concept)
        assert solution.package is not None, solution.message
        chosen = set(solution.slots)
        whole = [members for members in deals.values() if members <= chosen]
        loose = (chosen & offered) - set().union(*whole)
        assert not loose, f"{concept}: {loose} entered without a deal"
        signatories = {s.split(".")[0] for s in chosen if s.endswith(".end_of_war_declaration")}
        assert signatories in (set(), {"US"}, {"US", "DPRK", "ROK", "CHN"}), (concept, chosen)
        if signatories == {"US"}:
            assert deals["big_deal"] <= chosen


def test_korea_end_of_war_needs_its_four_signatories(korea: CompiledScenario) -> None:
    two = bargain_from_scenario(korea, parties=["US", "DPRK"])
    assert "end_of_war" not in two.problem.deals
    assert "DPRK.end_of_war_declaration" in two.left_out
    four = bargain_from_scenario(korea, parties=["US", "DPRK", "ROK", "CHN"])
    members = [four.problem.slots[k] for k in four.problem.deals["end_of_war"]]
    assert {m.split(".")[0] for m in members} == {"US", "DPRK", "ROK", "CHN"}
    # All of them in or none, over every feasible package of the four.
    packages = feasible_packages(four.problem)
    columns = [
        four.problem.slots.index(f"{p}.end_of_war_declaration") for p in ("DPRK", "ROK", "CHN")
    ]
    assert {tuple(row) for row in packages[:, columns].tolist()} == {(False,) * 3, (True,) * 3}


def test_cli_names_the_default_moves_and_their_values(tmp_path: Path) -> None:
    path = tmp_path / "truce.yaml"
    path.write_text(TRUCE, encoding="utf-8")
    out = detente_here("bargain", str(path), "--format", "json", "--solution", "nash")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["disagreement"]["source"] == "default_moves"
    assert data["disagreement"]["default_moves"] == {"A": ["test"]}
    assert data["disagreement"]["values"] == {"A": 3.5, "B": -10.5}
    assert data["valuation"]["flow_factor"] == 1.75
    assert data["valuation"]["one_off"] == ["A.treaty", "B.treaty"]
    assert data["solutions"]["nash"]["deals"] == ["pause_for_aid", "peace"]
    text = detente_here("bargain", str(path), "--solution", "nash", "--from-round", "2")
    assert text.returncode == 0, text.stderr
    assert "rounds 2-3 (2 rounds) at discount 0.5 per round" in text.stdout
    assert "disagreement point: every party's default move continued (A: test" in text.stdout
    assert "values: A +3.00, B -9.00" in text.stdout
