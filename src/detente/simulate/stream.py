"""A forecast in bounded memory: chunks are played, tallied and dropped.

:func:`simulate_summary` gives what ``simulate(...).summary()`` gives (the
same bits when ``chunk`` is a multiple of :data:`detente.simulate.tally.BLOCK`)
while holding one chunk of episodes at a time, so ``--episodes`` can be as
large as patience allows: memory does not grow with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from detente.engine import CounterRNG
from detente.scenario.compiled import CompiledScenario
from detente.simulate.profile import Assignment
from detente.simulate.record import Recorder
from detente.simulate.runner import Progress, build_profile, check_run, play_chunk
from detente.simulate.summary import Summary
from detente.simulate.tally import BLOCK, Tally

if TYPE_CHECKING:
    from detente.simulate.replay import Replay


def simulate_summary(
    compiled: CompiledScenario,
    profile: Assignment | None = None,
    episodes: int = 1000,
    rounds: int | None = None,
    seed: int = 0,
    *,
    chunk: int = BLOCK,
    progress: Progress | None = None,
    start: Replay | None = None,
) -> Summary:
    """The summary of ``episodes`` episodes (from ``start`` if given), as
    :func:`detente.simulate.simulate` would give."""
    horizon = compiled.scenario.rounds if rounds is None else rounds
    check_run(episodes, chunk, 0, horizon)
    labels, strategies = build_profile(compiled, profile)
    rng = CounterRNG(seed)
    tally: Tally | None = None
    for lo in range(0, episodes, chunk):
        size = min(chunk, episodes - lo)
        recorder = Recorder(compiled, size, horizon, trajectories=False)
        play_chunk(strategies, recorder, slice(0, size), lo, horizon, rng, progress, start)
        part = Tally.of(recorder.results(labels, seed, horizon))
        tally = part if tally is None else tally.merge(part)
    assert tally is not None  # episodes >= 1
    return tally.summary()
