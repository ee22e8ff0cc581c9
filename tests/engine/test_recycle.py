"""Stepping into a recycled state's arrays: the same results, and no harm to the input state."""

from __future__ import annotations

import numpy as np
import pytest

from detente.engine import CounterRNG, State, initial_state, step
from detente.scenario import load_scenario
from detente.scenario.compiled import compile_scenario
from tests.engine.test_batch import assert_same, random_moves


def test_recycled_steps_equal_fresh_ones() -> None:
    c = compile_scenario(load_scenario("korea"))
    rng = CounterRNG(5)
    fresh = recycled = initial_state(c, 300, 11)
    spare: State | None = None
    for _ in range(12):
        fresh, _ = step(fresh, random_moves(fresh, 5), rng)
        before = [a.copy() for a in recycled.arrays]
        moves = random_moves(recycled, 5)
        spare, (recycled, _) = recycled, step(recycled, moves, rng, recycle=spare)
        for old, kept in zip(before, spare.arrays, strict=True):
            np.testing.assert_array_equal(old, kept)  # the input state is never written
        assert_same(fresh, recycled)


def test_recycle_must_fit_and_not_overlap() -> None:
    c = compile_scenario(load_scenario("ipd"))
    state = initial_state(c, 4)
    moves = random_moves(state, 0)
    rng = CounterRNG(0)
    with pytest.raises(ValueError, match="same scenario and batch"):
        step(state, moves, rng, recycle=initial_state(c, 5))
    with pytest.raises(ValueError, match="apart from the state's"):
        step(state, moves, rng, recycle=state)
    with pytest.raises(ValueError, match="apart from the state's"):
        step(state, moves, rng, recycle=State(c, 0, state.episodes, state.arrays))
