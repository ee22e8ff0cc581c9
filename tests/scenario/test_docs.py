"""docs/scenario.md's complete example loads and behaves as the page says."""

from __future__ import annotations

import re
from pathlib import Path

from tests.engine.moves import moves

from detente.engine import CounterRNG, State, StepEvents, initial_state, step
from detente.scenario import parse_yaml
from detente.scenario.compiled import compile_scenario

DOC = Path(__file__).resolve().parents[2] / "docs" / "scenario.md"
BLOCKS = re.findall(r"```yaml\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.DOTALL)


def test_every_yaml_block_is_a_valid_fragment_or_scenario() -> None:
    complete = [b for b in BLOCKS if b.startswith("id:")]
    assert len(complete) == 2
    assert len(BLOCKS) >= 4
    for block in complete:
        parse_yaml(block, "docs/scenario.md")


def test_the_council_example_behaves_as_documented() -> None:
    c = compile_scenario(parse_yaml(next(b for b in BLOCKS if b.startswith("id: council"))))
    state = initial_state(c, 1)
    vetoed = ["P1.embargo.in_favour", "P2.embargo.against", "E.embargo.in_favour"]
    state, events = step(state, moves(c, vetoed), CounterRNG(0))
    assert [e.payload["result"] for e in events.records(0) if e.type == "resolution_voted"] == [
        "vetoed"
    ]
    t, p2 = c.parties.index("T"), c.parties.index("P2")
    assert state.trust_in(t, p2)[0] > initial_state(c, 1).trust_in(t, p2)[0]
    adopted = ["P1.embargo.in_favour", "P2.embargo.abstain", "E.embargo.in_favour"]
    state, events = step(state, moves(c, adopted), CounterRNG(0))
    assert state.institution_level("UNSC.sanctions")[0] == 1
    assert c.stages[int(state.stage[0])] == "relief"
    state, _ = step(state, moves(c, ["P1.tighten.in_favour", "E.tighten.in_favour"]), CounterRNG(0))
    assert state.institution_level("UNSC.sanctions")[0] == 1  # raised "at least": unchanged
    for _ in range(2):
        state, _ = step(state, moves(c), CounterRNG(0))
    assert int(state.success_round[0]) == 4  # held in rounds 3 and 4 of relief
    # lifting: 2 outside + 3 members = 5 < 9, rejected
    state, events = step(
        state,
        moves(c, ["P1.lift.in_favour", "P2.lift.in_favour", "E.lift.in_favour"]),
        CounterRNG(0),
    )
    assert [e.payload["result"] for e in events.records(0) if e.type == "resolution_voted"] == [
        "rejected"
    ]
    assert state.institution_level("UNSC.sanctions")[0] == 1


def _play(moves_per_round: list[tuple[list[str], list[str]]]) -> list[tuple[State, StepEvents]]:
    c = compile_scenario(parse_yaml(next(b for b in BLOCKS if b.startswith("id: relief"))))
    state, out = initial_state(c, 1), []
    for actions, deals in moves_per_round:
        state, events = step(state, moves(c, actions, deals=deals), CounterRNG(0))
        out.append((state, events))
    return out


def test_the_example_behaves_as_documented() -> None:
    quiet = _play([([], ["small_deal"])] + [([], [])] * 4)
    c = quiet[0][0].compiled
    assert [c.stages[int(s.stage[0])] for s, _ in quiet] == ["settlement"] * 5
    assert [int(s.success_round[0]) for s, _ in quiet][-1] == 4
    short = _play([([], ["small_deal"]), (["A.missile_test.short_range"], [])])
    assert not short[1][1].outcome.violated.any()
    for breaker in ("A.missile_test.icbm", "A.end_moratorium"):
        broken = _play([([], ["small_deal"]), ([breaker], [])])
        assert broken[1][1].outcome.violated.any()
        assert c.stages[int(broken[1][0].stage[0])] == "freeze"
