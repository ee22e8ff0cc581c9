"""Success reached, in force, lost and regained: what the engine records besides the round."""

from __future__ import annotations

from typing import Any

import pytest

from detente.engine import CounterRNG, EventType, State, StepEvents, initial_state, step
from detente.scenario import parse_scenario
from detente.scenario.compiled import CompiledScenario, compile_scenario
from detente.scenario.errors import ScenarioError
from tests.engine.moves import moves


def scenario(**success: Any) -> CompiledScenario:
    """One stage; success needs A's ``x`` executed in each round that counts."""
    doc: dict[str, Any] = {
        "id": "lasting",
        "rounds": 20,
        "parties": [{"id": "A"}],
        "actions": [{"id": "x", "actors": ["A"], "category": "initiative", "intensity": 1}],
        "roadmap": {
            "stages": [{"id": "only"}],
            "success": {"hold_rounds": 2, "criteria": {"executed": ["A.x"]}, **success},
        },
    }
    return compile_scenario(parse_scenario(doc))


def run(c: CompiledScenario, plays: str) -> list[tuple[State, StepEvents]]:
    """One round per character: ``x`` plays A.x, ``.`` nothing."""
    state, out = initial_state(c, 1), []
    for move in plays:
        state, events = step(state, moves(c, ["A.x"] if move == "x" else []), CounterRNG(0))
        out.append((state, events))
    return out


def kinds(events: StepEvents) -> list[str]:
    lasting = {EventType.SUCCESS, EventType.SUCCESS_LOST, EventType.SUCCESS_REGAINED}
    return [e.type for e in events.records(0) if e.type in lasting]


def test_success_is_in_force_once_reached_and_lost_when_it_stops_holding() -> None:
    rounds = run(scenario(), "xxx.xx.")
    in_force = [bool(s.success_in_force[0]) for s, _ in rounds]
    assert in_force == [False, True, True, False, False, True, False]
    assert [int(s.success_round[0]) for s, _ in rounds] == [-1, 2, 2, 2, 2, 2, 2]  # first reached
    lost = [bool(e.success_lost[0]) for _, e in rounds]
    assert lost == [False, False, False, True, False, False, True]
    assert [kinds(e) for _, e in rounds] == [
        [],
        ["success"],
        [],
        ["success_lost"],
        [],  # held one round again: not yet in force
        ["success_regained"],
        ["success_lost"],
    ]


def test_a_success_that_never_was_in_force_cannot_be_lost() -> None:
    rounds = run(scenario(), "x.x.")
    assert not any(e.success_lost[0] for _, e in rounds)
    assert all(s.success_round[0] == -1 for s, _ in rounds)


def test_counts_does_not_change_what_the_engine_plays() -> None:
    reached = run(scenario(), "xxx.xx.")
    held = run(scenario(counts="held_to_end"), "xxx.xx.")
    for (a, _), (b, _) in zip(reached, held, strict=True):
        assert a.success_round[0] == b.success_round[0]
        assert a.success_in_force[0] == b.success_in_force[0]


def test_counts_is_reached_by_default_and_names_what_it_may_be() -> None:
    assert scenario().scenario.roadmap.success.counts == "reached"
    with pytest.raises(ScenarioError, match=r"roadmap\.success\.counts"):
        scenario(counts="lasting")
