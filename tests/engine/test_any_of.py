"""Criteria with ``any_of``: a block holds when its own conditions and one alternative hold.

The engine compiles alternatives into the one condition program; these
tests check it against a direct reading of the rule, wherever criteria are
read (stage exit and entry, track levels, success, resume).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.engine import CounterRNG, State, initial_state, step
from detente.engine.conditions import ANY_OF
from detente.engine.tables import kernel_tables
from detente.scenario import parse_scenario
from detente.scenario.compiled import CompiledScenario, compile_scenario
from detente.scenario.schema import Criteria
from tests.engine.moves import moves

SLOTS = ("A.x", "A.z", "B.y", "B.w")


def scenario(
    roadmap: dict[str, Any], tracks: list[dict[str, Any]] | None = None
) -> CompiledScenario:
    """Two parties, four acts (``A.x``, ``A.z``, ``B.y``, ``B.w``), the given roadmap."""
    acts = [("x", "A"), ("z", "A"), ("y", "B"), ("w", "B")]
    doc: dict[str, Any] = {
        "id": "alternatives",
        "rounds": 10,
        "parties": [{"id": "A"}, {"id": "B"}],
        "actions": [
            {"id": a, "actors": [p], "category": "initiative", "intensity": 1} for a, p in acts
        ],
        "tracks": tracks or [],
        "roadmap": roadmap,
    }
    return compile_scenario(parse_scenario(doc))


def two_stages(exit_: dict[str, Any], **extra: Any) -> CompiledScenario:
    return scenario(
        {
            "stages": [{"id": "one", "exit": exit_}, {"id": "two"}],
            "success": {"hold_rounds": 5},
            **extra,
        }
    )


def play(c: CompiledScenario, state: State, actions: tuple[str, ...]) -> State:
    after, _ = step(state, moves(c, actions), CounterRNG(0))
    return after


def advances(c: CompiledScenario, actions: tuple[str, ...]) -> bool:
    return play(c, initial_state(c, 1), actions).stage[0] == 1


NESTED = {
    "any_of": [
        {"executed": ["A.x"]},
        {"executed": ["B.y"], "any_of": [{"executed": ["A.z"]}, {"executed": ["B.w"]}]},
    ]
}


def test_one_alternative_suffices_and_nested_alternatives_are_read() -> None:
    c = two_stages(NESTED)
    assert advances(c, ("A.x",))
    assert advances(c, ("B.y", "A.z"))
    assert advances(c, ("B.y", "B.w"))
    assert not advances(c, ("B.y",))  # its own alternatives: neither holds
    assert not advances(c, ("A.z", "B.w"))  # the second alternative's own condition fails
    assert not advances(c, ())


def test_the_blocks_own_conditions_are_needed_as_well() -> None:
    c = two_stages({"executed": ["B.w"], "any_of": [{"executed": ["A.x"]}, {"executed": ["A.z"]}]})
    assert advances(c, ("B.w", "A.z"))
    assert not advances(c, ("A.x", "A.z"))
    assert not advances(c, ("B.w",))


def test_entry_criteria_with_alternatives_gate_the_next_stage() -> None:
    c = scenario(
        {
            "stages": [
                {"id": "one"},
                {"id": "two", "entry": {"any_of": [{"executed": ["A.x"]}, {"executed": ["B.y"]}]}},
            ],
            "success": {"hold_rounds": 5},
        }
    )
    assert advances(c, ("B.y",))
    assert not advances(c, ("A.z",))


def test_a_track_level_with_alternatives_rises_on_either() -> None:
    track = {
        "id": "talks",
        "parties": ["A", "B"],
        "levels": [
            {"id": "contact", "criteria": {"any_of": [{"executed": ["A.x"]}, NESTED["any_of"][1]]}},
            {"id": "summit", "criteria": {"taken": ["A.z"]}},
        ],
    }
    c = scenario(
        {
            "stages": [
                {"id": "one", "exit": {"tracks": [{"track": "talks", "level": "contact"}]}},
                {"id": "two"},
            ],
            "success": {"hold_rounds": 5},
        },
        [track],
    )
    for actions, level in ((("A.x",), 1), (("B.y", "B.w"), 1), (("B.y",), 0), (("A.z",), 0)):
        after = play(c, initial_state(c, 1), actions)
        assert after.track_level[0, 0] == level, actions
        assert after.stage[0] == min(level, 1)  # the exit reads the level just raised


def test_success_and_resume_read_alternatives() -> None:
    c = scenario(
        {
            "stages": [
                {
                    "id": "one",
                    "breakdown": [{"id": "cut", "when": {"executed": ["B.w"]}, "then": "stall"}],
                }
            ],
            "resume": [{"any_of": [{"executed": ["A.x"]}, {"executed": ["A.z"]}]}],
            "success": {"hold_rounds": 1, "criteria": {"any_of": [{"taken": ["B.y"]}]}},
        }
    )
    state = play(c, initial_state(c, 1), ("B.w",))
    assert state.stalled[0]
    state = play(c, state, ("A.z",))
    assert not state.stalled[0]
    assert state.success_round[0] == -1  # resumed, but B.y never taken
    state = play(c, state, ("B.y",))
    assert state.success_round[0] == 3


def test_alternatives_come_just_before_their_block_in_the_program() -> None:
    c = two_stages(NESTED)
    t = kernel_tables(c)
    exit_ = int(t.stage_exit[0])
    kinds = t.cond_kind[t.cond_ptr[exit_] : t.cond_ptr[exit_ + 1]]
    assert list(kinds) == [ANY_OF, ANY_OF]
    # sets 0 and 1 are the stages' entries; then A.x (2), A.z (3), B.w (4), the second
    # alternative (5, whose run starts at 3), and the block (6)
    assert list(t.cond_a[t.cond_ptr[exit_] : t.cond_ptr[exit_ + 1]]) == [2, 5]
    assert list(t.cond_b[t.cond_ptr[exit_] : t.cond_ptr[exit_ + 1]]) == [2, 3]
    assert exit_ == 6


# --- against a direct reading of the rule ---------------------------------------------


@st.composite
def blocks(draw: st.DrawFn, depth: int = 3) -> dict[str, Any]:
    block: dict[str, Any] = {}
    own = draw(st.lists(st.sampled_from(SLOTS), max_size=2, unique=True))
    if own:
        block["executed"] = own
    if depth > 0 and draw(st.booleans()):
        block["any_of"] = draw(st.lists(blocks(depth - 1), min_size=1, max_size=3))
    return block


def holds(block: Criteria, executed: set[str]) -> bool:
    """The rule as written: every own condition, and one alternative when there are any."""
    own = all(slot in executed for slot in block.executed)
    return own and (not block.any_of or any(holds(alt, executed) for alt in block.any_of))


@settings(max_examples=60, deadline=None)
@given(blocks(), st.lists(st.sets(st.sampled_from(SLOTS)), min_size=1, max_size=4))
def test_alternatives_hold_exactly_as_the_rule_says(
    block: dict[str, Any], rounds: list[set[str]]
) -> None:
    c = two_stages(block)
    exit_ = c.scenario.roadmap.stages[0].exit
    rounds = rounds * (300 // len(rounds))  # past two tiles of 128 episodes
    batch = len(rounds)
    state = initial_state(c, batch)
    sub = moves(c, (), batch=batch)
    for b, executed in enumerate(rounds):
        for label in executed:
            party, action = label.split(".")
            sub.actions[b, c.slot_of(party, action)] = True
    after, _ = step(state, sub, CounterRNG(1))
    expected = np.array([holds(exit_, executed) for executed in rounds])
    np.testing.assert_array_equal(after.stage == 1, expected)
