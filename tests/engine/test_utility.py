"""One utility model: the engine's payoffs are the scenario's utilities of what executed."""

from __future__ import annotations

import numpy as np
import pytest

from detente.engine import CounterRNG, Submissions, available, initial_state, offerable, step
from detente.scenario.compiled import CompiledScenario
from tests.engine.moves import one_of_each_set


@pytest.mark.parametrize("name", ["korea", "ipd"])
def test_the_engine_pays_the_utility_models_value(
    name: str, request: pytest.FixtureRequest
) -> None:
    compiled: CompiledScenario = request.getfixturevalue(name)
    state, rng = initial_state(compiled, 200), CounterRNG(3)
    gen = np.random.default_rng(0)
    executed_something = 0
    for _ in range(8):
        acts = (gen.random((state.batch, compiled.n_slots)) < 0.3) & available(state)
        acts = one_of_each_set(compiled, acts, gen)  # one level of an action per move
        offers = (gen.random((state.batch, len(compiled.commitments))) < 0.6) & offerable(state)
        state, events = step(state, Submissions(acts, offers), rng)
        expected = compiled.utilities.value(state.executed)
        if compiled.institutions.n_levels:  # korea's sanctions in force pay too
            expected = expected + compiled.institutions.worth(state.institution_levels)
        np.testing.assert_allclose(events.payoff, expected, rtol=1e-12, atol=1e-12)
        executed_something += int(state.executed.any(axis=1).sum())
    assert executed_something > 100  # the payoffs compared are not all the status quo's
