"""Batched Monte Carlo: every episode of a chunk advances together, one engine step a round.

Episodes are independent and every random draw is addressed by (seed,
episode, round, ...), so results do not depend on the chunk size, and two
runs with the same seed see the same engine noise whatever the strategies
(common random numbers, for paired comparisons). Chunks bound memory:
100,000 episodes need not be in memory at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, TypeVar

import numpy as np
from numpy.typing import NDArray

from detente.dtypes import F64
from detente.engine import (
    CounterRNG,
    State,
    StepEvents,
    Submissions,
    available,
    initial_state,
    spread,
    step,
)
from detente.scenario.compiled import CompiledScenario
from detente.simulate.profile import Assignment, resolve_profile
from detente.simulate.record import Recorder
from detente.simulate.results import Results
from detente.strategies import Strategy, StrategyError, View

if TYPE_CHECKING:
    from detente.simulate.replay import Replay

G = TypeVar("G", bound=np.generic)
DEFAULT_CHUNK = 25_000
Progress = Callable[[int], None]  # called with the number of episode-rounds just played


def simulate(
    compiled: CompiledScenario,
    profile: Assignment | None = None,
    episodes: int = 1000,
    rounds: int | None = None,
    seed: int = 0,
    *,
    chunk: int = DEFAULT_CHUNK,
    trajectories: bool = False,
    first_episode: int = 0,
    progress: Progress | None = None,
    start: Replay | None = None,
) -> Results:
    """Play ``episodes`` episodes (ids ``first_episode``...) of ``rounds`` rounds each.

    ``profile`` maps party ids to strategy specs or factories; parties left
    out play their default (:mod:`detente.simulate.profile`). ``rounds``
    defaults to the scenario's. Deterministic for a given seed.

    ``start``: a replayed record (:func:`~detente.simulate.replay.replay`).
    Every episode begins in its final state (episode ``n`` in that of the
    replay's episode ``n % E``), rounds and payoffs counted from there, and
    each strategy's memory is warmed with the replayed rounds (see ``play``).
    """
    horizon = compiled.scenario.rounds if rounds is None else rounds
    check_run(episodes, chunk, first_episode, horizon)
    labels, strategies = build_profile(compiled, profile)
    recorder = Recorder(compiled, episodes, horizon, trajectories)
    rng = CounterRNG(seed)
    for lo in range(0, episodes, chunk):
        rows = slice(lo, min(lo + chunk, episodes))
        play_chunk(strategies, recorder, rows, first_episode + lo, horizon, rng, progress, start)
    return recorder.results(labels, seed, horizon)


def check_run(episodes: int, chunk: int, first_episode: int, horizon: int) -> None:
    """The run's sizes make sense, or a ValueError saying which does not."""
    if episodes < 1 or chunk < 1 or first_episode < 0:
        raise ValueError(
            f"episodes and chunk must be at least 1 and first_episode at least 0, "
            f"got {episodes}, {chunk} and {first_episode}"
        )
    if horizon < 1:
        raise ValueError(f"rounds must be at least 1, got {horizon}")


def play_chunk(
    strategies: list[Strategy],
    recorder: Recorder,
    rows: slice,
    first: int,
    rounds: int,
    rng: CounterRNG,
    progress: Progress | None,
    start: Replay | None = None,
) -> None:
    """Play episodes ``first``... into ``recorder``'s ``rows``, all ``rounds`` rounds,
    from the scenario's initial state or from ``start``'s final state (strategies warmed
    on its history)."""
    begin = None if start is None else start.final
    history = () if start is None else start.history
    state = initial_state(recorder.compiled, rows.stop - rows.start, first, start=begin)
    recorder.begin(rows, state)
    for events in play(strategies, state, rounds, rng, recycle=True, history=history):
        state = events.after
        recorder.observe(rows, state, events)
        if progress is not None:
            progress(state.batch)
    recorder.finish(rows, state)


def build_profile(
    compiled: CompiledScenario, profile: Assignment | None
) -> tuple[dict[str, str], list[Strategy]]:
    """Each party's strategy (defaults for those left out), and its spec by party."""
    factories = resolve_profile(compiled, profile)
    strategies = [factories[party].build(compiled, p) for p, party in enumerate(compiled.parties)]
    return {party: str(f) for party, f in factories.items()}, strategies


def play(
    strategies: list[Strategy],
    state: State,
    rounds: int,
    rng: CounterRNG,
    *,
    recycle: bool = False,
    history: Sequence[StepEvents] = (),
) -> Iterator[StepEvents]:
    """``rounds`` rounds of ``strategies`` from ``state``; each round's events, as played.

    Strategies are reset for the batch first. ``recycle``: the state two
    rounds back is overwritten by the next step (fresh arrays at 100,000
    episodes cost page faults every round), so read each round's events
    before asking for the next.

    ``history``: rounds played before ``state`` (a replay's steps, of ``E``
    episodes; episode ``n`` of the batch lived those of ``n % E``). After the
    reset each strategy is asked for its move on every one of those rounds,
    seen from its party as a round of its own would be, and the moves are
    discarded: its memory then holds what it would after living them, with
    no hook of its own to write.
    """
    for strategy in strategies:
        strategy.reset(state.batch)
    payoff = warm(strategies, state, history, rng)
    spare: State | None = None  # with recycle, two states take turns
    for _ in range(rounds):
        moves = submissions_for(state, strategies, payoff, rng)
        if recycle:
            spare, (state, events) = state, step(state, moves, rng, recycle=spare)
        else:
            state, events = step(state, moves, rng)
        payoff = events.payoff
        yield events


def warm(
    strategies: list[Strategy], state: State, history: Sequence[StepEvents], rng: CounterRNG
) -> F64:
    """Drive ``strategies`` (just reset) through ``history`` as seen by ``state``'s episodes;
    the payoffs of its last round (what the first round to play shows), zeros without one."""
    payoff = np.zeros((state.batch, state.compiled.n_parties))
    for events in history:
        before = spread(events.before, state.compiled, state.episodes)
        submissions_for(before, strategies, payoff, rng)
        payoff = events.payoff[state.episodes % events.before.batch]
    return payoff


def submissions_for(
    state: State, strategies: list[Strategy], payoff: F64, rng: CounterRNG
) -> Submissions:
    """Ask each party's strategy for its move, showing it only what its party may know."""
    c = state.compiled
    # Column-major until the end: gathering a party's columns and filling in its move then
    # copy whole columns, instead of a few bytes from every row; one transpose in, two out.
    avail = np.asfortranarray(available(state))
    actions = np.zeros(avail.shape, dtype=bool, order="F")
    offers = np.zeros((state.batch, len(c.commitments)), dtype=bool, order="F")
    episodes, stage = _frozen(state.episodes), _frozen(state.stage)
    stalled, in_force = _frozen(state.stalled), _frozen(state.in_force)
    # frozen once: a party's row of each is a basic slice, a read-only view too
    perceived, trust, payoffs = _frozen(state.perceived), _frozen(state.trust), _frozen(payoff)
    institutions = _frozen(state.institution_levels) if c.institutions.n_levels else None
    for p, strategy in enumerate(strategies):
        seat = c.seat(p)
        view = View.of(
            c,
            p,
            round=state.round,
            episodes=episodes,
            stage=stage,
            stalled=stalled,
            perceived=perceived[:, p],
            trust=trust[:, p],
            payoff=payoffs[:, p],
            in_force=in_force,
            available=avail[:, seat.slots],
            rng=rng,
            institutions=institutions,
        )
        move = strategy.move(view)
        if move.actions.shape != view.available.shape or move.offers.shape != view.offerable.shape:
            raise StrategyError(
                f"strategy {strategy.name} for {c.parties[p]} returned a move of shapes "
                f"{move.actions.shape} and {move.offers.shape}, expected "
                f"{view.available.shape} and {view.offerable.shape}"
            )
        actions[:, seat.slots] = move.actions
        offers[:, seat.commitments] = move.offers
    # C order, as the engine takes them
    return Submissions(np.ascontiguousarray(actions), np.ascontiguousarray(offers))


def _frozen(x: NDArray[G]) -> NDArray[G]:
    """A read-only view: strategies read the state, never write it."""
    view = x.view()
    view.flags.writeable = False
    return view
