"""The kernel's direct call: taken for the engine's own arrays, never for others."""

from __future__ import annotations

import numpy as np
import pytest

from detente.engine import (
    CounterRNG,
    State,
    Submissions,
    available,
    initial_state,
    launch,
    offerable,
    step,
)
from detente.engine.arrays import StateArrays
from detente.engine.launch import _ENTRIES
from detente.scenario import load_scenario
from detente.scenario.compiled import compile_scenario
from tests.engine.moves import one_of_each_set


def _play(state: State, rounds: int) -> State:
    """``rounds`` rounds of random legal moves (one level of an action at most), the same for
    the same state."""
    rng, gen = CounterRNG(4), np.random.default_rng(state.round)
    for _ in range(rounds):
        acts = gen.random((state.batch, state.compiled.n_slots)) < 0.2
        acts = one_of_each_set(state.compiled, acts & available(state), gen)
        offers = gen.random((state.batch, len(state.compiled.commitments))) < 0.7
        state, _ = step(state, Submissions(acts, offers & offerable(state)), rng)
    return state


def test_the_entry_point_is_cached_and_gives_the_dispatchers_results() -> None:
    compiled = compile_scenario(load_scenario("korea"))
    first = _play(initial_state(compiled, 3), 1)
    assert _ENTRIES[compiled].kernel is not None  # the first step cached the entry point
    direct = _play(first, 5)
    _ENTRIES.pop(compiled)
    via_dispatcher = _play(first, 5)
    for a, b in zip(direct.arrays, via_dispatcher.arrays, strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_state_of_other_array_types_goes_through_the_dispatcher() -> None:
    compiled = compile_scenario(load_scenario("korea"))
    state = _play(initial_state(compiled, 4), 2)
    frozen = []
    for a in state.arrays:
        b = a.copy()
        b.flags.writeable = False
        frozen.append(b)
    readonly = State(compiled, state.round, state.episodes, StateArrays(*frozen))
    # Fortran order: the same values, another layout (and another numba type).
    fortran = State(
        compiled,
        state.round,
        state.episodes,
        StateArrays(*(np.asfortranarray(a) for a in state.arrays)),
    )
    expected = _play(state, 3)
    for other in (readonly, fortran):
        got = _play(other, 3)
        for a, b in zip(expected.arrays, got.arrays, strict=True):
            np.testing.assert_array_equal(a, b)


def test_without_numbas_private_hooks_every_call_goes_through_the_dispatcher(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A numba without ``compute_fingerprint`` (an internal): same results, no direct call."""
    compiled = compile_scenario(load_scenario("korea"))
    start = _play(initial_state(compiled, 3), 1)
    expected = _play(start, 4)
    _ENTRIES.pop(compiled, None)
    monkeypatch.setattr(launch, "compute_fingerprint", None)
    got = _play(start, 4)
    assert _ENTRIES[compiled].kernel is None
    for a, b in zip(expected.arrays, got.arrays, strict=True):
        np.testing.assert_array_equal(a, b)
