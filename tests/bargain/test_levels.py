"""Bargaining over a scenario with graded actions: a package takes one level of an action."""

from __future__ import annotations

from pathlib import Path

from detente.bargain.scenario import problem_from_scenario
from detente.scenario import load_scenario
from detente.scenario.compiled import compile_scenario

FIXTURE = Path(__file__).parents[1] / "engine" / "policies.yaml"


def test_two_levels_of_one_action_conflict_and_counter_actions_are_not_bargained() -> None:
    compiled = compile_scenario(load_scenario(FIXTURE))
    problem = problem_from_scenario(compiled, stage="freeze", include_provocations=True)
    pairs = {frozenset((problem.slots[i], problem.slots[j])) for i, j in problem.conflicts}
    partial, full = compiled.slot_of("B", "relief.partial"), compiled.slot_of("B", "relief.full")
    labels = (compiled.slot_label(partial), compiled.slot_label(full))
    assert frozenset(labels) in pairs
    tests = ("A.missile_test.short_range", "A.missile_test.icbm")  # not a standing policy
    assert frozenset(tests) in pairs
    assert not any("end_moratorium" in s or "snap_back" in s for s in problem.slots)
