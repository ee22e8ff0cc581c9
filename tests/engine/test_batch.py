"""Batch equivalence and determinism of the whole step, with noise switched on."""

from __future__ import annotations

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
from detente.scenario.compiled import CompiledScenario


def random_moves(state: State, seed: int) -> Submissions:
    """Arbitrary legal moves, drawn from the episode ids so they are batch-invariant too."""
    gen = CounterRNG(seed + 1_000_003)
    c = state.compiled
    u = gen.uniform(state.episodes, state.round, 0, c.n_slots)
    v = gen.uniform(state.episodes, state.round, 1, len(c.commitments))
    return Submissions((u < 0.15) & available(state), (v < 0.7) & offerable(state))


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
    korea: CompiledScenario, seed: int, batch: int, first: int
) -> None:
    together = run(korea, batch, first, 12, seed)
    for b in range(batch):
        alone = run(korea, 1, first + b, 12, seed)
        assert_same(together.episode(b), alone)


@pytest.mark.parametrize("seed", [3, 11])
def test_a_batch_of_several_tiles_equals_its_parts(korea: CompiledScenario, seed: int) -> None:
    """The kernel plays tiles of TILE episodes; a batch across tile edges must not notice."""
    batch = 2 * TILE + 5
    together = run(korea, batch, 40, 12, seed)
    start = 0
    for size in (1, TILE - 1, 2, TILE + 3):  # parts whose edges fall off the tiles' edges
        part = run(korea, size, 40 + start, 12, seed)
        for b in range(size):
            assert_same(together.episode(start + b), part.episode(b))
        start += size
    assert start == batch


@settings(max_examples=5, deadline=None)
@given(st.integers(0, 2**32))
def test_same_seed_same_result(korea: CompiledScenario, seed: int) -> None:
    assert_same(run(korea, 16, 0, 15, seed), run(korea, 16, 0, 15, seed))


def test_different_seeds_differ(korea: CompiledScenario) -> None:
    a, b = run(korea, 64, 0, 15, 1), run(korea, 64, 0, 15, 2)
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
    with pytest.raises(
        SubmissionShapeError, match=r"submissions.actions has shape \(3, 32\), expected \(2, 32\)"
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
    sub.actions[2, korea.slot_of("US", "sanctions_relief")] = True
    with pytest.raises(UnavailableActionError, match=r"episode 2: US cannot take sanctions_relief"):
        step(state, sub, CounterRNG(0))
