"""forward_looking: offers and provocations follow from utilities, the discount and trust.

On ``ipd`` it is the one-shot deviation test against tit for tat (defect iff
discount < (T-R)/(R-S) = 2/3). On a two-party standoff (arm, or freeze
together) the first move flips with the discount, the trust prior, the risk
attitude and the scepticism, each checked on both sides of the flip. On
``korea`` a higher discount or a higher prior of the DPRK in the US raises
P(success) by more than three measured standard errors of the paired
difference.
"""

import dataclasses
import functools

import numpy as np
import pytest

from detente.engine import CompiledScenario, compile_scenario
from detente.scenario.load import parse_yaml
from detente.scenario.overrides import load_with_overrides
from detente.simulate import simulate
from detente.strategies import NamedMove, StrategyError, get_strategy
from detente.strategies.testing import versus
from tests.strategies.test_multiparty import offered, play, taken, view_for

# A's per-round utility: +1 arming, -1 when B arms, -cost freezing, +1.2 when B freezes.
# Arming breaks a freeze. Offering the mutual freeze gains 1.2 - cost a round while it holds.
STANDOFF = """
id: standoff
title: Two parties, a temptation to arm and a mutual freeze
rounds: 20
parties:
  - {{id: A}}
  - {{id: B}}
actions:
  - {{id: arm, actors: [A, B], category: provocation, intensity: -5, breaks: [freeze]}}
  - {{id: freeze, actors: [A, B], category: restraint, intensity: 5}}
utilities:
  discount: {discount}
  parties:
    A: {{base: 0, linear: {{A.arm: 1.0, B.arm: -1.0, A.freeze: -{cost}, B.freeze: 1.2}}}}
    B: {{base: 0, linear: {{B.arm: 1.0, A.arm: -1.0, B.freeze: -{cost}, A.freeze: 1.2}}}}
commitments:
  - {{id: a_freeze, party: A, action: freeze, if: [B.freeze]}}
  - {{id: b_freeze, party: B, action: freeze, if: [A.freeze]}}
deals:
  - {{id: mutual_freeze, commitments: [a_freeze, b_freeze]}}
roadmap:
  stages:
    - {{id: tension}}
  success:
    hold_rounds: 3
    criteria: {{deals_in_force: [mutual_freeze]}}
noise: {{miss: 0.0, false_alarm: 0.0}}
trust: {{prior_trust: {trust}, prior_weight: 2.0, forgetting: 0.9, restraint_evidence: 0.3}}
"""
OFFERS = NamedMove(offers={"a_freeze"})  # offers the freeze, does not arm
ARMS = NamedMove(actions={"arm"})  # arms, offers nothing


@functools.cache
def standoff(discount: float, trust: float, cost: float = 0.2) -> CompiledScenario:
    return compile_scenario(
        parse_yaml(STANDOFF.format(discount=discount, trust=trust, cost=cost), "standoff")
    )


def first_move(scenario: CompiledScenario, spec: str = "forward_looking") -> NamedMove:
    """A's move in round 1 against a B that cooperates (offers its freeze, never arms)."""
    return versus(spec, ["C"], 1, scenario=scenario).moves()[0]


@pytest.mark.parametrize(("discount", "letter"), [(0.6, "D"), (0.65, "D"), (0.68, "C"), (0.9, "C")])
def test_on_ipd_it_defects_against_tit_for_tat_exactly_below_two_thirds(
    discount: float, letter: str
) -> None:
    ipd = compile_scenario(load_with_overrides("ipd", [f"utilities.discount={discount}"]))
    versus("forward_looking", "tit_for_tat", 6, scenario=ipd).assert_plays([letter] * 6)


def test_without_an_expected_answer_it_defects_on_ipd_whatever_the_discount() -> None:
    ipd = compile_scenario(load_with_overrides("ipd", ["utilities.discount=0.99"]))
    versus("forward_looking:answer=0", "tit_for_tat", 3, scenario=ipd).assert_plays(["D"] * 3)


@pytest.mark.parametrize(("discount", "expected"), [(0.3, ARMS), (0.9, OFFERS)])
def test_the_discount_flips_the_offer(discount: float, expected: NamedMove) -> None:
    # trust 0.5: the freeze holds a while only when the future weighs enough against arming now
    assert first_move(standoff(discount, 0.5)) == expected


@pytest.mark.parametrize(("trust", "expected"), [(0.2, ARMS), (0.8, OFFERS)])
def test_the_trust_prior_flips_the_offer(trust: float, expected: NamedMove) -> None:
    assert first_move(standoff(0.5, trust)) == expected


def test_it_never_offers_a_package_that_costs_it_more_than_it_brings() -> None:
    # freezing costs 2 a round for 1.2 from B's freeze: no trust or patience makes it pay
    for discount, trust in [(0.99, 0.99), (0.9, 0.5)]:
        moves = versus("forward_looking", ["C"], 5, scenario=standoff(discount, trust, cost=2.0))
        assert all("a_freeze" not in m.offers for m in moves.moves())


def test_risk_aversion_and_scepticism_move_the_flip() -> None:
    # at trust 0.5 and discount 0.9 it offers; two standard deviations of risk outweigh the mean
    assert first_move(standoff(0.9, 0.5), "forward_looking:risk_aversion=2") == ARMS
    # at trust 0.2 it arms; taking every promise at face value (scepticism 0) it offers
    assert first_move(standoff(0.5, 0.2), "forward_looking:scepticism=0") == OFFERS


def test_once_the_freeze_holds_it_keeps_it() -> None:
    match = versus("forward_looking", ["C"], 6, scenario=standoff(0.9, 0.5))
    match.assert_plays([OFFERS] * 6)
    assert [t.cleared for t in match.turns()] == [frozenset({"a_freeze"})] * 6


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("forward_looking:answer=1.5", "answer is a probability"),
        ("forward_looking:scepticism=-1", "scepticism must be"),
        ("forward_looking:risk_aversion=nan", "risk_aversion must be"),
    ],
)
def test_bad_parameters_are_refused(spec: str, message: str) -> None:
    with pytest.raises(StrategyError, match=message):
        get_strategy(spec).build(standoff(0.9, 0.5), 0)


def test_in_korea_the_dprk_dismantles_for_relief_only_if_relief_lasts() -> None:
    # Yongbyon (-4, once) for US relief (+3 a round): worth it if relief goes on while the
    # deal holds; not if the deal is worth its first round only, as the engine executes it
    korea = compile_scenario(load_with_overrides("korea", []))
    view = view_for(korea, "DPRK", stage="simultaneous_actions", trust=0.9)
    lasting = play(korea, "forward_looking", "DPRK").move(view)
    once = play(korea, "forward_looking:lasting=false", "DPRK").move(view)
    assert "dprk_dismantle" in offered(korea, "DPRK", lasting)
    assert "dprk_dismantle" not in offered(korea, "DPRK", once)
    # the double freeze, the summit and the end of war pay it either way; no test pays
    # against the answer of the US and the ROK (answer 1)
    assert {"dprk_freeze", "dprk_summit", "dprk_eow"} <= offered(korea, "DPRK", once)
    assert not {"nuclear_test", "missile_test"} & taken(korea, "DPRK", lasting)


def test_it_weighs_what_a_provocation_breaks_of_an_agreement_in_force() -> None:
    # trust 0.6 in everyone, discount 0.97, a test answered with probability 0.5 (worth 0.545):
    # the double freeze alone (0.45) does not outweigh a nuclear test; with the big deal in force
    # (Yongbyon already dismantled, so it cannot be offered again) the test would also break the
    # freeze promised in it, and keeping that is worth more than the test
    korea = compile_scenario(load_with_overrides("korea", []))
    dprk = korea.seat("DPRK")
    base = view_for(korea, "DPRK", stage="simultaneous_actions", trust=0.6)
    available = base.available.copy()
    available[:, dprk.actions.index("dismantle_facility")] = False
    spent = dataclasses.replace(
        base, available=available, offerable=available[:, dprk.offer_columns]
    )
    signed = dataclasses.replace(
        spent, in_force=view_for(korea, "DPRK", in_force=["big_deal"]).in_force
    )
    strategy = play(korea, "forward_looking:answer=0.5", "DPRK")
    assert "nuclear_test" in taken(korea, "DPRK", strategy.move(spent))
    kept = strategy.move(signed)
    assert "nuclear_test" not in taken(korea, "DPRK", kept)
    assert "dprk_freeze" in offered(korea, "DPRK", kept)


KOREA_PROFILE = {"DPRK": "forward_looking:answer=0.6"}


def success_gain(low: list[str], high: list[str], episodes: int = 400) -> tuple[float, float]:
    """P(success) under ``high`` minus under ``low`` (same episodes and seed) and its standard
    error, measured from the paired per-episode differences."""
    won = []
    for overrides in (low, high):
        scenario = compile_scenario(load_with_overrides("korea", overrides))
        r = simulate(scenario, KOREA_PROFILE, episodes=episodes, seed=3)
        won.append((r.success_round >= 0).astype(float))
    diff = won[1] - won[0]
    return float(diff.mean()), float(diff.std(ddof=1) / np.sqrt(diff.size))


def test_in_korea_a_higher_discount_raises_success() -> None:
    gain, se = success_gain(["utilities.discount=0.9"], ["utilities.discount=0.99"])
    assert gain > 3 * se > 0


def test_in_korea_a_higher_prior_of_the_dprk_in_the_us_raises_success() -> None:
    us = "trust.priors[1].trust"  # the DPRK's prior trust in the US
    low, high = [f"{us}=0.15", "utilities.discount=0.9"], [f"{us}=0.5", "utilities.discount=0.9"]
    assert compile_scenario(load_with_overrides("korea", [])).scenario.trust.priors[1].pair == (
        "DPRK",
        "US",
    )
    gain, se = success_gain(low, high)
    assert gain > 3 * se > 0


def test_a_batch_equals_its_episodes_one_by_one() -> None:
    korea = compile_scenario(load_with_overrides("korea", ["utilities.discount=0.9"]))
    profile = {**KOREA_PROFILE, "US": "forward_looking:risk_aversion=0.5"}
    batch = simulate(korea, profile, episodes=8, rounds=30, seed=4)
    for e in range(8):
        alone = simulate(korea, profile, 1, 30, 4, first_episode=e)
        np.testing.assert_array_equal(batch.discounted[e], alone.discounted[0])
        assert batch.success_round[e] == alone.success_round[0]
