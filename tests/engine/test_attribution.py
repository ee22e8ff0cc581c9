"""Attribution of breakdowns and stalls (docs/design.md, "Attribution"), one test per kind.

When a rule fires, :attr:`StepEvents.triggered_by` names the parties whose acts
met its trigger: the actors of its executed slots, of the provocations it
counted, the violators of the agreement it needed; trust below a threshold is
the pseudo-cause :attr:`StepEvents.triggered_on_trust`, no party. The
``stalled`` and ``stage_changed`` events carry the same as ``by`` (and
``trust_below``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pytest

from detente.engine import CounterRNG, StepEvents, initial_state, step
from detente.scenario import parse_scenario
from detente.scenario.compiled import CompiledScenario, compile_scenario
from tests.engine.moves import moves


def _act(id_: str, actors: list[str], category: str, **extra: Any) -> dict[str, Any]:
    intensity = -5 if category == "provocation" else 3
    return {"id": id_, "actors": actors, "category": category, "intensity": intensity, **extra}


def _rule(id_: str, then: str = "stall", **when: Any) -> dict[str, Any]:
    return {"id": id_, "when": when, "then": then}


@pytest.fixture(scope="module")
def c() -> CompiledScenario:
    """Rules tried in order: a test by A or B (``tested``), two provocations by anyone
    (``provoked``), a violation (``broken``). A freezes if B suspends and B suspends if A
    freezes (``double_freeze``); a test breaks A's freeze, a drill B's suspension. The
    second stage sends the process back on a test by C."""
    doc: dict[str, Any] = {
        "id": "blame",
        "rounds": 10,
        "parties": [{"id": "A"}, {"id": "B"}, {"id": "C"}],
        "actions": [
            _act("freeze", ["A"], "restraint"),
            _act("suspend", ["B"], "restraint"),
            _act("test", ["A", "B", "C"], "provocation", breaks=["freeze"]),
            _act("drill", ["B"], "provocation", breaks=["suspend"]),
            _act("talk", ["A", "B", "C"], "dialogue"),
        ],
        "commitments": [
            {"id": "a_freeze", "party": "A", "action": "freeze", "if": ["B.suspend"]},
            {"id": "b_suspend", "party": "B", "action": "suspend", "if": ["A.freeze"]},
        ],
        "deals": [{"id": "double_freeze", "commitments": ["a_freeze", "b_suspend"]}],
        "roadmap": {
            "stages": [
                {
                    "id": "tension",
                    "exit": {"executed": ["C.talk"]},
                    "breakdown": [
                        _rule("tested", executed=["A.test", "B.test"]),
                        _rule("provoked", provocations=2),
                        _rule("broken", violation=True),
                    ],
                },
                {"id": "detente", "breakdown": [_rule("tested", "back", executed=["C.test"])]},
            ],
            "resume": [{"calm_rounds": 1}],
            "success": {"hold_rounds": 5},
        },
    }
    return compile_scenario(parse_scenario(doc))


Round = dict[str, Sequence[str]]


def play(c: CompiledScenario, rounds: Sequence[Round]) -> StepEvents:
    """Play the rounds from the start; the last round's events."""
    state = initial_state(c, 1)
    for r in rounds:
        state, events = step(state, moves(c, **r), CounterRNG(0))
    return events


def blamed(c: CompiledScenario, events: StepEvents) -> tuple[str | None, list[str]]:
    """The rule that fired in episode 0 and the parties it names."""
    rule = int(events.breakdown[0])
    who = [c.parties[p] for p in np.flatnonzero(events.triggered_by[0])]
    return (c.rules[rule] if rule >= 0 else None), who


def cause(events: StepEvents) -> dict[str, Any]:
    """The payload of episode 0's ``stalled`` or ``stage_changed`` event."""
    (found,) = [e for e in events.records(0) if e.type in ("stalled", "stage_changed")]
    return {k: v for k, v in found.payload.items() if k not in ("stage", "from", "to")}


def test_the_actor_of_an_executed_trigger_slot_is_named_and_no_one_else(
    c: CompiledScenario,
) -> None:
    events = play(c, [{"actions": ["A.test", "C.talk"]}])
    assert blamed(c, events) == ("tension.tested", ["A"])
    assert not events.triggered_on_trust[0]
    assert cause(events) == {"cause": "tension.tested", "by": ["A"]}


def test_two_parties_meeting_one_trigger_in_a_round_are_both_named(c: CompiledScenario) -> None:
    events = play(c, [{"actions": ["A.test", "B.test"]}])
    assert blamed(c, events) == ("tension.tested", ["A", "B"])
    assert cause(events)["by"] == ["A", "B"]


def test_a_provocation_not_in_the_trigger_is_not_blamed_for_it(c: CompiledScenario) -> None:
    # C's test is a provocation but not one of the rule's slots, and one is not two
    events = play(c, [{"actions": ["A.test", "C.test"]}])
    assert blamed(c, events) == ("tension.tested", ["A"])


def test_the_provocations_counted_name_their_actors(c: CompiledScenario) -> None:
    events = play(c, [{"actions": ["C.test", "B.drill"]}])
    assert blamed(c, events) == ("tension.provoked", ["B", "C"])


def test_a_violation_names_the_violator_not_the_other_member_of_the_deal(
    c: CompiledScenario,
) -> None:
    # B drills while its suspension is promised: the deal is violated by B; A kept its freeze
    events = play(c, [{"deals": ["double_freeze"]}, {"actions": ["B.drill"]}])
    assert events.violated[0, c.deals.index("double_freeze")]
    assert blamed(c, events) == ("tension.broken", ["B"])


def test_a_setback_is_attributed_as_a_stall_is(c: CompiledScenario) -> None:
    events = play(c, [{"actions": ["C.talk"]}, {"actions": ["C.test", "A.talk"]}])
    assert blamed(c, events) == ("detente.tested", ["C"])
    assert cause(events) == {"cause": "detente.tested", "by": ["C"]}


def test_no_rule_no_one_and_an_advance_has_no_by(c: CompiledScenario) -> None:
    events = play(c, [{"actions": ["C.talk", "A.talk"]}])
    assert blamed(c, events) == (None, [])
    assert cause(events) == {"cause": None}
    assert not play(c, [{"actions": ["C.test"]}]).triggered_by.any()


def test_a_batch_attributes_each_episode_as_it_would_alone(c: CompiledScenario) -> None:
    rows: list[Round] = [
        {"actions": ["A.test"]},
        {},
        {"actions": ["A.test", "B.test"]},
        {"actions": ["C.test", "B.drill"]},
        {"actions": ["C.test"]},
    ]
    sub = moves(c, batch=len(rows))
    for b, r in enumerate(rows):
        sub.actions[b] = moves(c, **r).actions[0]
    _, batch = step(initial_state(c, len(rows)), sub, CounterRNG(0))
    alone = np.concatenate([play(c, [r]).triggered_by for r in rows])
    np.testing.assert_array_equal(batch.triggered_by, alone)
    assert batch.triggered_by.sum() == 1 + 2 + 2


@pytest.fixture(scope="module")
def distrust() -> CompiledScenario:
    """A distrusts B from the start (prior 0.1): a test by B while A distrusts it stalls
    the process (``tested``); so does the distrust alone (``distrust``). O, an observer
    without actions of its own, comes first, so the parties with actions are not all."""
    below = [{"pair": ["A", "B"], "max": 0.3}]
    doc: dict[str, Any] = {
        "id": "distrust",
        "parties": [{"id": "O"}, {"id": "A"}, {"id": "B"}],  # O acts not at all
        "actions": [_act("test", ["A", "B"], "provocation")],
        "trust": {"priors": [{"pair": ["A", "B"], "trust": 0.1, "weight": 50}]},
        "roadmap": {
            "stages": [
                {
                    "id": "only",
                    "breakdown": [
                        _rule("tested", executed=["B.test"], trust_below=below),
                        _rule("distrust", trust_below=below),
                    ],
                }
            ],
            "resume": [{"calm_rounds": 1}],
            "success": {"hold_rounds": 5},
        },
    }
    return compile_scenario(parse_scenario(doc))


def test_trust_below_is_the_pseudo_cause_trust_and_no_party(distrust: CompiledScenario) -> None:
    alone = play(distrust, [{}])
    assert blamed(distrust, alone) == ("only.distrust", [])
    assert alone.triggered_on_trust[0]
    assert cause(alone) == {"cause": "only.distrust", "by": [], "trust_below": True}
    both = play(distrust, [{"actions": ["B.test"]}])
    assert blamed(distrust, both) == ("only.tested", ["B"])
    assert cause(both) == {"cause": "only.tested", "by": ["B"], "trust_below": True}
