"""Every documented rule of agreements (docs/design.md, "Scenario semantics"), one test each.

- A deal all of whose commitments cleared enters into force (``agreement_reached``);
  one whose members do not all clear does not.
- It stays in force in later rounds without clearing again, and is renewed
  (``agreement_renewed``) when it clears again while in force.
- It is violated when a committing party executes an action whose ``breaks``
  names the committed action, in any round it is in force, the clearing round
  included; it then leaves force. Nobody else's act violates it, and nothing
  does while it is not in force.
- A violated deal can enter into force again; deals are settled one by one.
- The breakdown trigger ``violation: true`` fires in the round of the
  violation; ``deals_in_force`` reads the deals in force after the round.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from detente.engine import CounterRNG, State, StepEvents, initial_state, step
from detente.scenario import parse_scenario
from detente.scenario.compiled import CompiledScenario, compile_scenario
from tests.engine.moves import moves


def _act(id_: str, actors: list[str], category: str, **extra: Any) -> dict[str, Any]:
    intensity = -5 if category == "provocation" else 3
    return {"id": id_, "actors": actors, "category": category, "intensity": intensity, **extra}


@pytest.fixture(scope="module")
def c() -> CompiledScenario:
    """A freezes if B suspends and B suspends if A freezes (``double_freeze``); A and B
    talk if the other talks (``talks``). A test (by A, B or C) breaks a freeze; a drill
    (by B) breaks a suspension. ``double_freeze`` in force opens the second stage. A
    violation stalls the first stage (a calm round resumes it) and sets the second back."""
    doc: dict[str, Any] = {
        "id": "agreements",
        "rounds": 20,
        "parties": [{"id": "A"}, {"id": "B"}, {"id": "C"}],
        "actions": [
            _act("freeze", ["A"], "restraint"),
            _act("suspend", ["B"], "restraint"),
            _act("talk", ["A", "B"], "dialogue"),
            _act("test", ["A", "B", "C"], "provocation", breaks=["freeze"]),
            _act("drill", ["B"], "provocation", breaks=["suspend"]),
        ],
        "commitments": [
            {"id": "a_freeze", "party": "A", "action": "freeze", "if": ["B.suspend"]},
            {"id": "b_suspend", "party": "B", "action": "suspend", "if": ["A.freeze"]},
            {"id": "a_talk", "party": "A", "action": "talk", "if": ["B.talk"]},
            {"id": "b_talk", "party": "B", "action": "talk", "if": ["A.talk"]},
        ],
        "deals": [
            {"id": "double_freeze", "commitments": ["a_freeze", "b_suspend"]},
            {"id": "talks", "commitments": ["a_talk", "b_talk"]},
        ],
        "roadmap": {
            "stages": [
                {
                    "id": "tension",
                    "exit": {"deals_in_force": ["double_freeze"]},
                    "breakdown": [{"id": "broken", "when": {"violation": True}, "then": "stall"}],
                },
                {
                    "id": "detente",
                    "breakdown": [{"id": "broken", "when": {"violation": True}, "then": "back"}],
                },
            ],
            "resume": [{"calm_rounds": 1}],
            "success": {"hold_rounds": 5},
        },
    }
    return compile_scenario(parse_scenario(doc))


Round = dict[str, Sequence[str]]  # moves(...) keywords: actions, offers, deals


def play(c: CompiledScenario, rounds: Sequence[Round]) -> list[tuple[State, StepEvents]]:
    """Play the rounds in order; the state and events after each."""
    state, out = initial_state(c, 1), []
    for r in rounds:
        state, events = step(state, moves(c, **r), CounterRNG(0))
        out.append((state, events))
    return out


def in_force(c: CompiledScenario, state: State, deal: str) -> bool:
    return bool(state.in_force[0, c.deals.index(deal)])


def agreement_events(events: StepEvents) -> list[tuple[str, str]]:
    return [
        (e.type, e.payload["deal"]) for e in events.records(0) if e.type.startswith("agreement_")
    ]


FREEZE: Round = {"deals": ["double_freeze"]}
QUIET: Round = {}


def test_a_deal_whose_commitments_all_clear_enters_into_force(c: CompiledScenario) -> None:
    ((state, events),) = play(c, [FREEZE])
    assert in_force(c, state, "double_freeze")
    assert not in_force(c, state, "talks")
    assert agreement_events(events) == [("agreement_reached", "double_freeze")]


def test_a_deal_whose_member_is_dropped_does_not_enter_into_force(c: CompiledScenario) -> None:
    # A offers its freeze, B withholds its suspension: A's condition fails, so A's
    # commitment is dropped, and with it the deal
    ((state, events),) = play(c, [{"offers": ["a_freeze"]}])
    assert not in_force(c, state, "double_freeze")
    assert agreement_events(events) == []
    # B suspends outright, so A's commitment clears, but B's commitment is not offered:
    # the deal is not whole and A's commitment is dropped with it
    ((state, events),) = play(c, [{"offers": ["a_freeze"], "actions": ["B.suspend"]}])
    assert not in_force(c, state, "double_freeze")
    assert agreement_events(events) == []
    assert not state.executed[0, c.slot_of("A", "freeze")]


def test_a_deal_stays_in_force_without_clearing_again(c: CompiledScenario) -> None:
    rounds = play(c, [FREEZE, QUIET, QUIET])
    assert [in_force(c, s, "double_freeze") for s, _ in rounds] == [True, True, True]
    assert [agreement_events(e) for _, e in rounds[1:]] == [[], []]


def test_a_deal_clearing_again_while_in_force_is_renewed(c: CompiledScenario) -> None:
    rounds = play(c, [FREEZE, QUIET, FREEZE])
    assert agreement_events(rounds[2][1]) == [("agreement_renewed", "double_freeze")]
    assert in_force(c, rounds[2][0], "double_freeze")


def test_a_committing_party_breaking_its_promise_violates_the_deal(c: CompiledScenario) -> None:
    rounds = play(c, [FREEZE, QUIET, {"actions": ["A.test"]}, QUIET])
    (s2, e2), (s3, _) = rounds[2], rounds[3]
    assert agreement_events(e2) == [("agreement_violated", "double_freeze")]
    assert not in_force(c, s2, "double_freeze")
    assert not in_force(c, s3, "double_freeze")  # it left force: it stays out


def test_either_committing_party_can_violate_it(c: CompiledScenario) -> None:
    rounds = play(c, [FREEZE, {"actions": ["B.drill"]}])
    assert agreement_events(rounds[1][1]) == [("agreement_violated", "double_freeze")]
    assert not in_force(c, rounds[1][0], "double_freeze")


def test_a_deal_broken_in_the_round_it_clears_is_violated_that_round(
    c: CompiledScenario,
) -> None:
    ((state, events),) = play(c, [{"deals": ["double_freeze"], "actions": ["A.test"]}])
    assert state.executed[0, c.slot_of("A", "freeze")]  # it cleared: A froze and tested
    assert agreement_events(events) == [
        ("agreement_reached", "double_freeze"),
        ("agreement_violated", "double_freeze"),
    ]
    assert not in_force(c, state, "double_freeze")
    assert events.stalled[0]  # the violation trigger fired in the same round
    assert events.breakdown[0] == c.rules.index("tension.broken")
    assert state.stage[0] == 0  # and deals_in_force did not see the broken deal


def test_a_non_member_acting_does_not_violate_the_deal(c: CompiledScenario) -> None:
    # C is not in the deal; its test is of the kind that breaks a freeze, but C promised none
    rounds = play(c, [FREEZE, {"actions": ["C.test"]}])
    assert agreement_events(rounds[1][1]) == []
    assert in_force(c, rounds[1][0], "double_freeze")
    assert not rounds[1][1].stalled[0]


def test_a_member_violates_only_its_own_promise(c: CompiledScenario) -> None:
    # B is in the deal, but promised a suspension, not a freeze: its test breaks nothing of it
    rounds = play(c, [FREEZE, {"actions": ["B.test"]}])
    assert agreement_events(rounds[1][1]) == []
    assert in_force(c, rounds[1][0], "double_freeze")


def test_breaking_a_promise_not_in_force_is_no_violation(c: CompiledScenario) -> None:
    rounds = play(c, [{"actions": ["A.test"]}, {"offers": ["a_freeze"], "actions": ["A.test"]}])
    for state, events in rounds:
        assert agreement_events(events) == []
        assert not events.stalled[0]
        assert not state.stalled[0]


def test_a_violated_deal_can_enter_into_force_again(c: CompiledScenario) -> None:
    rounds = play(c, [FREEZE, {"actions": ["A.test"]}, QUIET, FREEZE])
    assert agreement_events(rounds[3][1]) == [("agreement_reached", "double_freeze")]
    assert in_force(c, rounds[3][0], "double_freeze")


def test_deals_are_settled_one_by_one(c: CompiledScenario) -> None:
    rounds = play(c, [{"deals": ["double_freeze", "talks"]}, {"actions": ["A.test"]}])
    assert agreement_events(rounds[0][1]) == [
        ("agreement_reached", "double_freeze"),
        ("agreement_reached", "talks"),
    ]
    state, events = rounds[1]
    assert agreement_events(events) == [("agreement_violated", "double_freeze")]
    assert in_force(c, state, "talks")


def test_the_violation_trigger_fires_in_the_round_of_the_violation_only(
    c: CompiledScenario,
) -> None:
    rounds = play(
        c, [{"deals": ["talks"]}, {"deals": ["double_freeze"]}, QUIET, {"actions": ["B.drill"]}]
    )
    rule = c.rules.index("detente.broken")
    assert [int(e.breakdown[0]) for _, e in rounds] == [-1, -1, -1, rule]
    # in force, no violation: the process moved on in round 2 and fell back in round 4
    assert [int(s.stage[0]) for s, _ in rounds] == [0, 1, 1, 0]
