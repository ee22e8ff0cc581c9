"""The multi-party meaning of the strategies on ``korea``: who answers whom, and how.

Episodes against scripted opponents (``versus``) where the situation arises
in play; hand-built views where it needs a later stage or a trust level that a
few rounds do not reach.
"""

import functools
from collections.abc import Iterable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.engine import (
    CompiledScenario,
    CounterRNG,
    State,
    available,
    compile_scenario,
    initial_state,
)
from detente.scenario.overrides import load_with_overrides
from detente.simulate import simulate
from detente.strategies import Move, NamedMove, Strategy, View, get_strategy
from detente.strategies.testing import versus
from tests.strategies.test_registry import BUILT_IN

C = "C"
DRILLS = "large_scale_drills.full"  # the drills that break the suspension
MILD_DRILLS = "large_scale_drills.scaled_down"  # the milder level, taken first when provoking
MEETING = {"multilateral_meeting"}
US_OFFERS = {"us_suspend", "us_summit"}  # its commitments offerable in the first stage
# the US's votes for the three 2017 resolutions, cast while they would tighten the sanctions
# in force (round 1, when the others' votes adopt them all; in a view that shows none in force)
US_VOTES = {"unscr_2371.in_favour", "unscr_2375.in_favour", "unscr_2397.in_favour"}


def view_for(
    c: CompiledScenario,
    party: str,
    perceived: Iterable[str] = (),
    *,
    rnd: int = 1,
    stage: str = "trust_building",
    trust: float | None = None,
    in_force: Iterable[str] = (),
) -> View:
    """A one-episode view of ``party`` that perceived the slots labelled ``perceived``."""
    p = c.parties.index(party)
    s0 = initial_state(c, 1)
    arrays = s0.arrays._replace(stage=np.array([c.stages.index(stage)]))
    state = State(c, rnd, s0.episodes, arrays)
    avail = available(state)
    seen = np.zeros((1, c.n_slots), dtype=bool)
    for label in perceived:
        seen[0, c.slot_of(*label.split(".", 1))] = True
    deals = np.zeros((1, len(c.deals)), dtype=bool)
    for deal in in_force:
        deals[0, c.deals.index(deal)] = True
    trust_row = arrays.trust[:, p].copy() if trust is None else np.full((1, len(c.parties)), trust)
    return View(
        compiled=c,
        party=p,
        round=rnd,
        episodes=s0.episodes,
        stage=arrays.stage,
        stalled=arrays.stalled,
        perceived=seen,
        trust=trust_row,
        payoff=np.zeros(1),
        in_force=deals,
        available=avail[:, c.party_slots(p)],
        offerable=avail[:, c.commitment_slot][:, c.party_commitments(p)],
        rng=CounterRNG(0),
    )


def play(c: CompiledScenario, spec: str, party: str) -> Strategy:
    strategy = get_strategy(spec).build(c, c.parties.index(party))
    strategy.reset(1)
    return strategy


def taken(c: CompiledScenario, party: str, move: Move) -> set[str]:
    slots = c.party_slots(c.parties.index(party))
    return {c.actions[c.slots[k][1]] for k in slots[move.actions[0]]}


def offered(c: CompiledScenario, party: str, move: Move) -> set[str]:
    coms = c.party_commitments(c.parties.index(party))
    return {c.commitments[m] for m in coms[move.offers[0]]}


def test_tit_for_tat_answers_only_provocations_that_hurt() -> None:
    opponents = {"US": [DRILLS, C], "DPRK": [C, "missile_test.short_range", C]}
    jpn = versus("tit_for_tat", opponents, 4, scenario="korea", party="JPN")
    # US drills reassure Japan: it still attends the talks; a DPRK missile test hurts it
    jpn.assert_actions([MEETING, MEETING, set(), MEETING])
    opponents = {"ROK": [DRILLS, C], "DPRK": [C, "missile_test.short_range", C]}
    us = versus("tit_for_tat", opponents, 4, scenario="korea", party="US")
    # it retaliates with every provocation it has, one level of each: the mildest drills
    us.assert_actions([MEETING | US_VOTES, MEETING, {MILD_DRILLS}, MEETING])
    # every US commitment involves the DPRK: it withholds them all, and only for a round
    us.assert_offers([US_OFFERS, US_OFFERS, set(), US_OFFERS])


def test_retaliation_withholds_offers_only_from_deals_with_the_provoker(
    korea: CompiledScenario,
) -> None:
    chn = play(korea, "tit_for_tat", "CHN")
    stage = "simultaneous_actions"
    all_offers = offered(korea, "CHN", chn.move(view_for(korea, "CHN", stage=stage)))
    assert all_offers == {"chn_eow", "big_chn_relief"}
    # ROK drills hurt China; the big deal has no ROK commitment, the end-of-war deal has
    after_rok = chn.move(view_for(korea, "CHN", [f"ROK.{DRILLS}"], stage=stage))
    assert offered(korea, "CHN", after_rok) == {"big_chn_relief"}
    after_us = chn.move(view_for(korea, "CHN", [f"US.{MILD_DRILLS}"], stage=stage))
    assert offered(korea, "CHN", after_us) == set()


def test_grit_retaliates_in_kind_and_no_further() -> None:
    opponents = {"US": [C, DRILLS, C, DRILLS], "ROK": [C, C, C, DRILLS]}
    dprk = versus("grit", opponents, 5, scenario="korea", party="DPRK")
    calm = {"freeze_tests", "multilateral_meeting"}
    # one provocation: its mildest (ending the moratorium it keeps while calm); two: the two
    # mildest (and a short-range test); then back to conciliation
    answer = {"end_moratorium", "missile_test.short_range"}
    dprk.assert_actions([calm, calm, {"end_moratorium"}, calm, answer])
    # it withholds every commitment that involves the US or the ROK, not Japan's deal
    japan = {"dprk_abductions"}
    dprk.assert_offers([..., ..., japan, ..., japan])


def test_grit_keeps_unilateral_steps_for_patience_rounds_unless_answered() -> None:
    nothing = NamedMove()
    opponents = {"US": [nothing, nothing, "suspend_drills", nothing], "ROK": [nothing]}
    dprk = versus("grit:patience=2", opponents, 5, scenario="korea", party="DPRK")
    step = {"freeze_tests", *MEETING}  # the unilateral step, and it attends the talks
    # two rounds unanswered, then it stops; the US suspends its drills: it steps again
    dprk.assert_actions([step, step, MEETING, step, step])


def test_hawk_coerces_but_keeps_its_promises(korea: CompiledScenario) -> None:
    hawk = play(korea, "hawk", "DPRK")
    move = hawk.move(view_for(korea, "DPRK"))
    # every provocation available, one level of each (the freeze is not in force to end)
    assert taken(korea, "DPRK", move) == {"nuclear_test", "missile_test.short_range"}
    assert offered(korea, "DPRK", move) == {"dprk_summit"}  # not the freeze it is breaking
    bound = hawk.move(view_for(korea, "DPRK", in_force=["double_freeze"]))
    # the freeze forbids nuclear tests and ICBMs, not a short-range test
    assert taken(korea, "DPRK", bound) == {"missile_test.short_range"}
    # it renews the freeze; not the big deal's, whose round pays less than Yongbyon costs
    assert offered(korea, "DPRK", bound) == {"dprk_freeze", "dprk_summit"}


def test_big_deal_first_refuses_partial_steps(korea: CompiledScenario) -> None:
    stage = "simultaneous_actions"
    a4a = play(korea, "action_for_action", "US")
    big = play(korea, "big_deal_first:deal=big_deal", "US")
    trusting = offered(korea, "US", a4a.move(view_for(korea, "US", stage=stage, trust=0.9)))
    assert {"us_relief", "us_eow", "big_us_relief", "big_us_eow"} <= trusting
    asking = offered(korea, "US", big.move(view_for(korea, "US", stage=stage, trust=0.9)))
    assert asking == trusting - {"us_relief", "us_eow"}
    # the package stays on the table without trust; the rest waits for it
    assert offered(korea, "US", a4a.move(view_for(korea, "US", stage=stage, trust=0.1))) == set()
    distrustful = big.move(view_for(korea, "US", stage=stage, trust=0.1))
    assert offered(korea, "US", distrustful) == {"big_us_relief", "big_us_eow"}
    assert taken(korea, "US", distrustful) == MEETING | US_VOTES


def test_suspicious_tit_for_tat_opens_hostile() -> None:
    us = versus("suspicious_tit_for_tat", {}, 3, scenario="korea", party="US")
    us.assert_actions([{MILD_DRILLS} | US_VOTES, MEETING, MEETING])  # votes whatever its stance
    us.assert_offers([set(), US_OFFERS, US_OFFERS])


SPECS = [
    *sorted(BUILT_IN - {"big_deal_first"}),
    "random:p=0.9",
    "action_for_action:threshold=0.1",
    "forward_looking:answer=0.5:risk_aversion=0.5",
]


@functools.cache
def trembling_korea() -> CompiledScenario:
    return compile_scenario(load_with_overrides("korea", ["noise.tremble=0.2"]))


# package strategies, and the parties that have a commitment in the package
PACKAGES = {
    "big_deal_first": {"RUS", "CHN", "US", "JPN", "DPRK", "ROK"},  # each is in some deal
    "big_deal_first:deal=big_deal:threshold=0.1": {"RUS", "CHN", "US", "DPRK"},
}


@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 2**63),
    picks=st.lists(st.sampled_from([*SPECS, *PACKAGES]), min_size=6, max_size=6),
    shaky=st.booleans(),
)
def test_strategies_never_submit_unavailable_actions(
    korea: CompiledScenario, seed: int, picks: list[str], shaky: bool
) -> None:
    profile = {
        party: spec if spec not in PACKAGES or party in PACKAGES[spec] else "action_for_action"
        for party, spec in zip(korea.parties, picks, strict=True)
    }
    # trembles change what is executed, hence what is taken and available later
    scenario = trembling_korea() if shaky else korea
    # the engine refuses any unavailable action or offer with UnavailableActionError
    r = simulate(scenario, profile, episodes=24, rounds=40, seed=seed)
    assert r.n == 24
    assert np.isfinite(r.total).all()


@pytest.mark.parametrize("spec", ["tit_for_tat", "grit", "action_for_action", "dove"])
def test_reciprocating_us_can_reach_the_last_stage(korea: CompiledScenario, spec: str) -> None:
    r = simulate(korea, {"US": spec}, episodes=200, rounds=40, seed=5)
    assert r.max_stage.max() == len(korea.stages) - 1
