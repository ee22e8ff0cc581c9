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


def continuation(x: float, rounds: int) -> float:
    """``sum_{t=1}^{rounds} x^t``: kept rounds after the first, discounted."""
    return sum(x**t for t in range(1, rounds + 1))


def dprk_utility(korea: CompiledScenario, slot: str) -> float:
    return korea.scenario.utilities.parties["DPRK"].linear.get(slot, 0.0)


def small_deal_value(korea: CompiledScenario, trust: float) -> float:
    """What the small deal is worth to the DPRK in round 1, from the scenario's numbers:
    Yongbyon once for US partial relief, which lasts while the deal is kept (trust in the US)."""
    relief = dprk_utility(korea, "US.sanctions_relief.partial")
    first = dprk_utility(korea, "DPRK.dismantle_facility") + relief
    later = korea.scenario.rounds - 2  # rounds after the first, from round 1
    discount = korea.scenario.utilities.discount
    return trust * (first + relief * continuation(discount * trust, later))


def test_in_korea_the_dprk_dismantles_for_relief_only_if_relief_lasts() -> None:
    # Yongbyon (-20, once) for US partial relief (+1.5 a round, standing): worth it if relief
    # goes on while the deal holds and the DPRK trusts the US enough; never if the deal is
    # worth its first round only, as the engine executes it
    korea = compile_scenario(load_with_overrides("korea", []))
    trusts = np.linspace(0.5, 1.0, 501)
    pays = np.array([small_deal_value(korea, t) > 0 for t in trusts])
    assert pays[-1]
    assert not pays[0]
    assert (pays[1:] >= pays[:-1]).all()  # one flip
    even = float(trusts[np.argmax(pays)])  # the trust at which the deal starts to pay
    assert 0.6 < even < 0.98, even  # there is room on both sides of it
    assert small_deal_value(korea, even + 0.02) > 1.0  # clearly on each side
    assert small_deal_value(korea, even - 0.02) < -1.0
    view = view_for(korea, "DPRK", stage="simultaneous_actions", trust=even + 0.02)
    lasting = play(korea, "forward_looking", "DPRK").move(view)
    once = play(korea, "forward_looking:lasting=false", "DPRK").move(view)
    assert "dprk_dismantle" in offered(korea, "DPRK", lasting)
    assert "dprk_dismantle" not in offered(korea, "DPRK", once)
    wary = view_for(korea, "DPRK", stage="simultaneous_actions", trust=even - 0.02)
    assert "dprk_dismantle" not in offered(
        korea, "DPRK", play(korea, "forward_looking", "DPRK").move(wary)
    )
    # the double freeze, the summit and the end of war pay it either way; no test pays
    # against the answer of the US and the ROK (answer 1)
    assert {"dprk_freeze", "dprk_summit", "dprk_eow"} <= offered(korea, "DPRK", once)
    provocations = {a for a in korea.seat("DPRK").actions if a.startswith(("missile", "nuclear"))}
    assert len(provocations) == 4
    assert not provocations & taken(korea, "DPRK", lasting)


LEVELS = ("scaled_down", "full")


def test_it_weighs_what_a_provocation_breaks_of_an_agreement_in_force() -> None:
    # trust 0.8 in everyone, discount 0.97, a test answered with probability 0.4 by the drills
    # that hurt most (full-scale, US and ROK): a nuclear test and an ICBM are worth more than the
    # double freeze they break; with the big deal in force (Yongbyon already dismantled, so it
    # cannot be offered again) they would also break the freeze promised in it, and keeping
    # that (full relief) is worth more than the tests
    korea = compile_scenario(load_with_overrides("korea", []))
    trust, answer, discount = 0.8, 0.4, korea.scenario.utilities.discount
    later = korea.scenario.rounds - 2
    drills = sum(  # each answers with one level of its drills, the one that hurts most
        min(dprk_utility(korea, f"{who}.large_scale_drills.{level}") for level in LEVELS)
        for who in ("US", "ROK")
    )
    tests = sum(
        dprk_utility(korea, f"DPRK.{a}") + discount * answer * drills
        for a in ("nuclear_test", "missile_test.icbm")  # those that break the freeze
    )
    freeze = dprk_utility(korea, "DPRK.freeze_tests")
    suspensions = sum(dprk_utility(korea, f"{who}.suspend_drills") for who in ("US", "ROK"))
    q = trust**2  # the double freeze involves the US and the ROK
    double_freeze = q * (
        freeze + suspensions + (freeze + suspensions - tests) * continuation(discount * q, later)
    )
    full_relief = sum(
        dprk_utility(korea, f"{p}.sanctions_relief.full") for p in ("US", "CHN", "RUS")
    )
    q = trust**3  # the big deal involves the US, China and Russia
    big_deal = q * (freeze + full_relief - tests) * continuation(discount * q, later)
    assert tests - double_freeze > 0.2  # measured margins, each way
    assert double_freeze + big_deal - tests > 0.2
    assert double_freeze > 0  # so the freeze is offered when the tests are not taken
    dprk = korea.seat("DPRK")
    base = view_for(korea, "DPRK", stage="simultaneous_actions", trust=trust)
    available = base.available.copy()
    available[:, dprk.actions.index("dismantle_facility")] = False
    spent = dataclasses.replace(
        base, available=available, offerable=available[:, dprk.offer_columns]
    )
    signed = dataclasses.replace(
        spent, in_force=view_for(korea, "DPRK", in_force=["big_deal"]).in_force
    )
    strategy = play(korea, f"forward_looking:answer={answer}", "DPRK")
    tested = strategy.move(spent)
    assert {"nuclear_test", "missile_test.icbm"} <= taken(korea, "DPRK", tested)
    assert "dprk_freeze" not in offered(korea, "DPRK", tested)
    kept = strategy.move(signed)
    assert not {"nuclear_test", "missile_test.icbm"} & taken(korea, "DPRK", kept)
    assert "dprk_freeze" in offered(korea, "DPRK", kept)


def test_it_takes_one_level_of_a_graded_provocation() -> None:
    # unanswered, every missile test pays the DPRK: it takes the level worth most (the ICBM),
    # never two levels in one move (the engine would refuse it)
    korea = compile_scenario(load_with_overrides("korea", []))
    strategy = play(korea, "forward_looking:answer=0", "DPRK")
    move = strategy.move(view_for(korea, "DPRK", stage="simultaneous_actions", trust=0.5))
    missiles = {a for a in taken(korea, "DPRK", move) if a.startswith("missile_test")}
    assert missiles == {"missile_test.icbm"}
    r = simulate(korea, {"DPRK": "forward_looking:answer=0"}, episodes=8, rounds=10, seed=2)
    assert r.n == 8


# Yongbyon pays the DPRK only under high trust (see above), which its trust in the US, from a
# prior of 0.15, seldom reaches: with scepticism 1 no episode gets past the second stage.
# Read leniently (trust to the power 0.25: 0.15 reads as 0.62), it sometimes does.
KOREA_PROFILE = {"DPRK": "forward_looking:answer=0.6:scepticism=0.25"}


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
    low, high = [f"{us}=0.15"], [f"{us}=0.5"]  # at the scenario's discount
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
