"""A single episode played out and told round by round (the ``run`` command).

The policy here is the roadmap's ideal: each party offers every commitment it
may offer and takes nothing outright, so whatever clears is exactly what
"an action for an action" can support.
"""

from __future__ import annotations

from collections.abc import Iterator

from detente.engine import CounterRNG, Event, State, Submissions, initial_state, offerable, step
from detente.scenario.compiled import CompiledScenario


def offer_everything(state: State) -> Submissions:
    """Offer every offerable commitment; take no action unconditionally."""
    sub = Submissions.empty(state.compiled, state.batch)
    return Submissions(sub.actions, offerable(state))


def play_episode(
    compiled: CompiledScenario, rounds: int, seed: int
) -> Iterator[tuple[State, list[Event]]]:
    """Yield the state after each round and that round's events."""
    state = initial_state(compiled, 1)
    rng = CounterRNG(seed)
    for _ in range(rounds):
        state, events = step(state, offer_everything(state), rng)
        yield state, events.records(0)
