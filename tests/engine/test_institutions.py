"""Institutions through ``step``: votes, the threshold, the veto, policies in force.

The scenario is tests/engine/council.yaml: P1 and P2 hold a veto, E is an
elected member, six outside votes are in favour and six abstain; nine votes
adopt. ``tighten`` adopts targeted sanctions, ``embargo`` comprehensive ones,
``ease`` lowers them to targeted, ``lift`` lifts them. The first stage is
left when comprehensive sanctions are in force; success is any sanctions in
force.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from detente.engine import (
    ConflictingActionsError,
    CounterRNG,
    State,
    StepEvents,
    initial_state,
    step,
)
from detente.scenario import load_scenario
from detente.scenario.compiled import CompiledScenario, compile_scenario
from detente.scenario.institutions import ADOPTED, NOT_VOTED, VETOED
from tests.engine.moves import moves

FIXTURE = Path(__file__).with_name("council.yaml")


@pytest.fixture(scope="module")
def c() -> CompiledScenario:
    return compile_scenario(load_scenario(FIXTURE))


def play(c: CompiledScenario, rounds: list[list[str]]) -> list[tuple[State, StepEvents]]:
    state, out = initial_state(c, 1), []
    for actions in rounds:
        state, events = step(state, moves(c, actions), CounterRNG(5))
        out.append((state, events))
    return out


def voted(events: StepEvents) -> list[dict[str, object]]:
    return [e.payload for e in events.records(0) if e.type == "resolution_voted"]


def test_enough_votes_in_favour_adopt_and_the_policy_pays_every_round(
    c: CompiledScenario,
) -> None:
    # 6 outside + 3 members = 9: adopted; the level stays in force without more votes.
    played = play(c, [["P1.tighten.in_favour", "P2.tighten.in_favour", "E.tighten.in_favour"], []])
    (_, e1), (_, e2) = played
    assert voted(e1) == [
        {
            "institution": "UNSC",
            "resolution": "tighten",
            "result": "adopted",
            "in_favour": 9,
            "against": 0,
            "abstain": 6,
            "vetoed_by": [],
            "in_force": "UNSC.sanctions.targeted",
        }
    ]
    assert voted(e2) == []  # nobody voted in round 2: not put to a vote
    for state, events in played:
        assert state.institution_level("UNSC.sanctions")[0] == 0
        t = c.parties.index("T")
        assert events.payoff[0, t] == pytest.approx(-1.0)


def test_the_threshold_counts_outside_votes_and_one_short_is_rejected(
    c: CompiledScenario,
) -> None:
    # two members in favour: 6 + 2 = 8 < 9
    ((state, events),) = play(
        c, [["P1.tighten.in_favour", "P2.tighten.in_favour", "E.tighten.abstain"]]
    )
    assert voted(events)[0]["result"] == "rejected"
    assert voted(events)[0]["in_favour"] == 8
    assert state.institution_level("UNSC.sanctions")[0] == -1
    assert state.success_round[0] == -1


def test_a_veto_blocks_a_resolution_that_has_enough_votes(c: CompiledScenario) -> None:
    # in favour: 6 outside + P1 + E = 8; P2 (a veto) against -> vetoed even with the threshold
    # lowered to what the votes in favour reach
    low = c.scenario.model_copy(
        update={"institutions": [c.scenario.institutions[0].model_copy(update={"threshold": 8})]}
    )
    c8 = compile_scenario(low)
    ((state, events),) = play(
        c8, [["P1.embargo.in_favour", "P2.embargo.against", "E.embargo.in_favour"]]
    )
    payload = voted(events)[0]
    assert payload["result"] == "vetoed"
    assert payload["vetoed_by"] == ["P2"]
    assert payload["in_favour"] == 8
    assert state.institution_level("UNSC.sanctions")[0] == -1
    # the same votes without the veto adopt
    ((state, events),) = play(
        c8, [["P1.embargo.in_favour", "P2.embargo.abstain", "E.embargo.in_favour"]]
    )
    assert voted(events)[0]["result"] == "adopted"
    assert state.institution_level("UNSC.sanctions")[0] == 1


def test_an_elected_member_against_is_no_veto(c: CompiledScenario) -> None:
    ((_, events),) = play(
        c, [["P1.tighten.in_favour", "P2.tighten.in_favour", "E.tighten.against"]]
    )
    assert voted(events)[0]["result"] == "rejected"  # 8 in favour, and no veto
    assert voted(events)[0]["vetoed_by"] == []


def test_adoption_raises_eases_lifts_and_criteria_read_the_level(c: CompiledScenario) -> None:
    all_in = [f"{p}.{{}}.in_favour" for p in ("P1", "P2", "E")]
    rounds = [
        [a.format("embargo") for a in all_in],  # comprehensive: the stage's exit holds
        [a.format("tighten") for a in all_in],  # adopts targeted "at least": stays comprehensive
        [a.format("ease") for a in all_in],  # eased to targeted
        [a.format("lift") for a in all_in],  # lifted
    ]
    played = play(c, rounds)
    levels = [int(s.institution_level("UNSC.sanctions")[0]) for s, _ in played]
    assert levels == [1, 1, 0, -1]
    assert c.stages[int(played[0][0].stage[0])] == "relief"  # exit read in_force this round
    t = c.parties.index("T")
    assert [float(e.payoff[0, t]) for _, e in played] == [-3.0, -3.0, -1.0, 0.0]
    assert int(played[3][0].success_round[0]) == 2  # held in the final stage with sanctions
    assert played[2][0].success_in_force[0]
    assert not played[3][0].success_in_force[0]  # lost when they are lifted
    assert played[3][1].success_lost[0]


def test_two_votes_of_one_member_in_a_round_are_refused(c: CompiledScenario) -> None:
    with pytest.raises(ConflictingActionsError, match="tighten"):
        play(c, [["P1.tighten.in_favour", "P1.tighten.against"]])


def test_votes_are_read_by_observers_as_their_readings_say(c: CompiledScenario) -> None:
    o = c.outcomes
    t = c.parties.index("T")
    p2 = c.parties.index("P2")
    assert o.read(t, c.slot_of("P2", "embargo.against")) == 5.0  # a veto, welcome to T
    assert o.read(t, c.slot_of("E", "tighten.in_favour")) == -6.0
    assert o.read(p2, c.slot_of("E", "tighten.in_favour")) == -2.0  # the resolution's own
    assert o.read(t, c.slot_of("E", "tighten.abstain")) == 0.0
    # and a veto moves T's trust in the vetoing party up
    ((state, _),) = play(c, [["P2.embargo.against"]])
    assert state.trust_in(t, p2)[0] > initial_state(c, 1).trust_in(t, p2)[0]


def test_batch_equals_episodes_one_by_one_with_votes_and_trembles(c: CompiledScenario) -> None:
    noisy = compile_scenario(
        c.scenario.model_copy(
            update={"noise": c.scenario.noise.model_copy(update={"tremble": 0.2, "miss": 0.1})}
        )
    )
    gen = np.random.default_rng(7)
    batch = 16
    from tests.engine.moves import one_of_each_set

    subs = []
    for _ in range(8):
        sub = moves(noisy, batch=batch)
        sub.actions[:] = gen.random(sub.actions.shape) < 0.3
        one_of_each_set(noisy, sub.actions, gen)
        subs.append(sub)
    whole = initial_state(noisy, batch)
    singles = [initial_state(noisy, 1, first_episode=b) for b in range(batch)]
    for sub in subs:
        whole, events = step(whole, sub, CounterRNG(11))
        for b in range(batch):
            one = moves(noisy)
            one.actions[:] = sub.actions[b]
            singles[b], single_events = step(singles[b], one, CounterRNG(11))
            assert np.array_equal(single_events.resolutions[0], events.resolutions[b])
            assert single_events.records(0) == events.records(b)
    adopted = np.array([s.institution_levels[0] for s in singles])
    assert np.array_equal(adopted, whole.institution_levels)
    assert (whole.institution_levels.any(axis=1)).any()  # something was adopted


def test_korea_in_the_property_tests_exercises_the_council(korea: CompiledScenario) -> None:
    """tests/engine/test_batch.py's batch equivalence and determinism run on korea, whose
    random moves adopt, veto and reject resolutions."""
    from tests.engine.test_batch import random_moves

    state, rng, results = initial_state(korea, 64), CounterRNG(3), set()
    for _ in range(12):
        state, events = step(state, random_moves(state, 3), rng)
        results |= set(np.unique(events.resolutions).tolist())
    assert results == {NOT_VOTED, ADOPTED, VETOED}  # 12 outside votes: never too few
    assert state.institution_levels.any()
