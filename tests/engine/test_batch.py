"""Batch equivalence and determinism of the whole step, with noise switched on."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.engine import (
    CounterRNG,
    State,
    Submissions,
    SubmissionShapeError,
    UnavailableActionError,
    available,
    initial_state,
    offerable,
    step,
)
from detente.engine.kernel import TILE
from detente.scenario import load_scenario, parse_scenario
from detente.scenario.compiled import CompiledScenario, compile_scenario

POLICIES = Path(__file__).with_name("policies.yaml")


@pytest.fixture(scope="module", params=["korea", "policies"])
def scenario(request: pytest.FixtureRequest, korea: CompiledScenario) -> CompiledScenario:
    """korea, and a noisy scenario with standing policies, counter-actions and levels."""
    if request.param == "korea":
        return korea
    doc = load_scenario(POLICIES).model_dump(by_alias=True, exclude_defaults=True)
    doc["noise"] = {"tremble": 0.1, "miss": 0.1, "false_alarm": 0.05}
    return compile_scenario(parse_scenario(doc))


def random_moves(state: State, seed: int) -> Submissions:
    """Arbitrary legal moves, drawn from the episode ids so they are batch-invariant too
    (at most one of each exclusive set: the first drawn of a graded action's levels)."""
    gen = CounterRNG(seed + 1_000_003)
    c = state.compiled
    u = gen.uniform(state.episodes, state.round, 0, c.n_slots)
    v = gen.uniform(state.episodes, state.round, 1, len(c.commitments))
    actions = (u < 0.15) & available(state)
    for group in c.exclusive:
        later = np.cumsum(actions[:, group], axis=1) > 1
        actions[:, group] &= ~later
    return Submissions(actions, (v < 0.7) & offerable(state))


def run(c: CompiledScenario, batch: int, first: int, rounds: int, seed: int) -> State:
    state = initial_state(c, batch, first)
    rng = CounterRNG(seed)
    for _ in range(rounds):
        state, _ = step(state, random_moves(state, seed), rng)
    return state


def assert_same(a: State, b: State) -> None:
    for name, x, y in zip(a.arrays._fields, a.arrays, b.arrays, strict=True):
        np.testing.assert_array_equal(x, y, err_msg=name)


@settings(max_examples=10, deadline=None)
@given(st.integers(0, 2**32), st.integers(1, 12), st.integers(0, 50))
def test_a_batch_equals_its_episodes_run_alone(
    scenario: CompiledScenario, seed: int, batch: int, first: int
) -> None:
    together = run(scenario, batch, first, 12, seed)
    for b in range(batch):
        alone = run(scenario, 1, first + b, 12, seed)
        assert_same(together.episode(b), alone)


@pytest.mark.parametrize("seed", [3, 11])
def test_a_batch_of_several_tiles_equals_its_parts(scenario: CompiledScenario, seed: int) -> None:
    """The kernel plays tiles of TILE episodes; a batch across tile edges must not notice."""
    batch = 2 * TILE + 5
    together = run(scenario, batch, 40, 12, seed)
    start = 0
    for size in (1, TILE - 1, 2, TILE + 3):  # parts whose edges fall off the tiles' edges
        part = run(scenario, size, 40 + start, 12, seed)
        for b in range(size):
            assert_same(together.episode(start + b), part.episode(b))
        start += size
    assert start == batch


@settings(max_examples=5, deadline=None)
@given(st.integers(0, 2**32))
def test_same_seed_same_result(scenario: CompiledScenario, seed: int) -> None:
    assert_same(run(scenario, 16, 0, 15, seed), run(scenario, 16, 0, 15, seed))


def test_different_seeds_differ(scenario: CompiledScenario) -> None:
    a, b = run(scenario, 64, 0, 15, 1), run(scenario, 64, 0, 15, 2)
    assert not np.array_equal(a.arrays.perceived, b.arrays.perceived)


def test_step_does_not_mutate_its_input(korea: CompiledScenario) -> None:
    state = run(korea, 8, 0, 3, 5)
    before = [a.copy() for a in state.arrays]
    step(state, random_moves(state, 5), CounterRNG(5))
    for name, x, y in zip(state.arrays._fields, before, state.arrays, strict=True):
        np.testing.assert_array_equal(x, y, err_msg=name)


def test_submissions_of_the_wrong_shape_are_refused(korea: CompiledScenario) -> None:
    state = initial_state(korea, 2)
    wrong = Submissions.empty(korea, 3)
    k = korea.n_slots
    with pytest.raises(
        SubmissionShapeError,
        match=rf"submissions.actions has shape \(3, {k}\), expected \(2, {k}\)",
    ):
        step(state, wrong, CounterRNG(0))


def test_refusals_in_a_batch_name_the_first_bad_move(korea: CompiledScenario) -> None:
    """An unavailable action anywhere beats an earlier unavailable offer; offers report the
    first episode with one, and its lowest commitment."""
    state = initial_state(korea, 3)
    closed = np.flatnonzero(~offerable(state)[0])
    assert closed.size >= 2, "korea's first stage closes several commitments"
    first = korea.commitments[closed[0]]
    sub = Submissions.empty(korea, 3)
    sub.offers[1, closed[1]] = True
    sub.offers[1, closed[0]] = True
    sub.offers[2, closed[0]] = True
    with pytest.raises(UnavailableActionError, match=rf"episode 1: .* offer commitment {first} "):
        step(state, sub, CounterRNG(0))
    sub.actions[2, korea.slot_of("US", "sanctions_relief.partial")] = True
    with pytest.raises(
        UnavailableActionError, match=r"episode 2: US cannot take sanctions_relief.partial: "
    ):
        step(state, sub, CounterRNG(0))


def test_the_random_moves_exercise_policies_counters_and_levels(scenario: CompiledScenario) -> None:
    """The random moves put policies in force, revoke or reverse them, and take every level
    (else the equivalence above would say nothing about them): all of those the first stage
    opens. The policies fixture opens everything in its first stage; korea opens its tests,
    drills and the double freeze, while relief and Yongbyon wait for stage two, which random
    moves seldom reach (it needs trust)."""
    state = initial_state(scenario, 64)
    opened = available(state)[0]
    counters = [k for k, _, undone in scenario.counters if opened[undone].any()]
    levels = [group for group in scenario.graded if opened[group].all()]
    assert counters
    assert levels
    if scenario.scenario.id == "policies":
        assert len(counters) == len(scenario.counters)
        assert len(levels) == len(scenario.graded)
    seen = np.zeros(scenario.n_slots, dtype=bool)
    rng = CounterRNG(3)
    for _ in range(12):
        state, _ = step(state, random_moves(state, 3), rng)
        seen |= state.executed.any(axis=0)
        assert state.policies_in_force.any()
    assert seen[counters].all(), "every counter-action was taken"
    assert all(seen[group].all() for group in levels), "every level was taken"
