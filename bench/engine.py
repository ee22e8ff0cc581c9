"""Engine throughput on the korea scenario, in party-rounds per second.

A party-round is one party's move in one round of one episode, with its
clearing, payoffs, perception by every observer and trust updates. The
baseline, measured in the same run, is a batch of one (a live session's
case); the table shows each batch size's speed-up over it. Monitoring noise
is on (the scenario's), moves are a fixed random mix of legal outright acts
(10%) and offers (70%), computed outside the timed step.

Each step writes its new state into the arrays of the state two rounds
back (``step(..., recycle=...)``), as the simulator does; ``--fresh`` gives
every step new arrays instead (``step``'s default, for callers that keep old
states), which adds page faults and zeroing at large batches.

Two clocks: wall time, and this process's CPU time. On a shared machine the
CPU-time rate is the steadier estimate of speed per core (the engine is
single-threaded); the wall-time rate is what a user waits for when the
machine is idle.

``--set PATH=VALUE`` changes a number of the scenario, as ``detente
simulate --set`` does: e.g. ``--set noise.miss=0`` prices the miss draws.

The last columns are a floor measured in the same run: a compiled loop that
only streams what a step must move through memory (reads every array of
the state and the submissions, writes every array of the next state and of
the outcome) and computes nothing, as party-rounds per second, and the
step's time as a multiple of it. At large batches the state no longer fits
in cache and the floor is this machine's memory bandwidth: no step that
keeps this state layout can run faster.

Usage: python bench/engine.py [--quick] [--repeats N] [--fresh] [--set PATH=VALUE]...
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time

import numpy as np
from numba import njit
from numpy.typing import NDArray

from detente.engine import CounterRNG, State, Submissions, available, initial_state, offerable, step
from detente.engine.arrays import empty_like, empty_outcome
from detente.scenario.compiled import CompiledScenario, compile_scenario
from detente.scenario.overrides import load_with_overrides


def moves(state: State, pattern: tuple[np.ndarray, np.ndarray]) -> Submissions:
    """The pattern's legal part: available slots, at most one of each exclusive set (the
    first: a party takes one level of an action, not an act and its counter-action)."""
    acts, offers = pattern
    acts = acts & available(state)
    for group in state.compiled.exclusive:
        acts[:, group] &= np.cumsum(acts[:, group], axis=1) <= 1
    return Submissions(acts, offers & offerable(state))


def random_patterns(compiled: CompiledScenario, batch: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Four fixed rounds of moves: 10% of slots taken outright, 70% of commitments offered."""
    gen = np.random.default_rng(0)
    return [
        (
            gen.random((batch, compiled.n_slots)) < 0.1,
            gen.random((batch, len(compiled.commitments))) < 0.7,
        )
        for _ in range(4)
    ]


def run(compiled: CompiledScenario, batch: int, rounds: int, fresh: bool) -> tuple[float, float]:
    """Wall and CPU seconds spent inside ``step`` for ``rounds`` rounds of ``batch`` episodes."""
    patterns = random_patterns(compiled, batch)
    state = initial_state(compiled, batch)
    spare: State | None = None
    rng = CounterRNG(1)
    wall = cpu = 0.0
    for r in range(rounds):
        sub = moves(state, patterns[r % 4])
        start, start_cpu = time.perf_counter(), time.process_time()
        spare, (state, _) = state, step(state, sub, rng, recycle=None if fresh else spare)
        wall += time.perf_counter() - start
        cpu += time.process_time() - start_cpu
    return wall, cpu


@njit(cache=True)
def _copy(src: NDArray[np.generic], dst: NDArray[np.generic]) -> None:
    flat_src, flat_dst = src.reshape(-1), dst.reshape(-1)
    for i in range(flat_src.shape[0]):
        flat_dst[i] = flat_src[i]


@njit(cache=True)
def _clear(dst: NDArray[np.generic]) -> None:
    flat = dst.reshape(-1)
    for i in range(flat.shape[0]):
        flat[i] = 0


@njit(cache=True)
def _read(src: NDArray[np.bool_]) -> int:
    flat, count = src.reshape(-1), 0
    for i in range(flat.shape[0]):
        count += flat[i]
    return count


def floor(compiled: CompiledScenario, batch: int, rounds: int) -> tuple[float, float]:
    """Wall and CPU seconds to stream a step's inputs and outputs ``rounds`` times, no compute.

    Two states take turns as source and destination, as with ``recycle``;
    one untimed round first touches every page.
    """
    state = initial_state(compiled, batch).arrays
    states = [state, empty_like(state)]
    outcome = empty_outcome(compiled, batch)
    sub = random_patterns(compiled, batch)[0]
    wall = cpu = 0.0
    for r in range(rounds + 1):
        src, dst = states[r % 2], states[(r + 1) % 2]
        start, start_cpu = time.perf_counter(), time.process_time()
        for array in sub:
            _read(array)
        for a, b in zip(src, dst, strict=True):
            _copy(a, b)
        for array in outcome:
            _clear(array)
        if r > 0:
            wall += time.perf_counter() - start
            cpu += time.process_time() - start_cpu
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes, for a smoke run")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--fresh", action="store_true", help="new state arrays every step")
    parser.add_argument(
        "--set", action="append", default=[], metavar="PATH=VALUE", help="override a number"
    )
    args = parser.parse_args()
    compiled = compile_scenario(load_with_overrides("korea", args.set))
    parties = len(compiled.parties)
    run(compiled, 8, 2, args.fresh)  # compile (or load) the kernels outside the measurement
    floor(compiled, 8, 2)
    sizes = [(1, 400), (1_000, 50), (100_000, 20)]
    if args.quick:
        sizes = [(1, 50), (1_000, 10), (10_000, 5)]
    rows = []
    for batch, rounds in sizes:
        times = [run(compiled, batch, rounds, args.fresh) for _ in range(args.repeats)]
        wall = statistics.median(t[0] for t in times)
        cpu = statistics.median(t[1] for t in times)
        floors = [floor(compiled, batch, rounds) for _ in range(args.repeats)]
        floor_cpu = statistics.median(t[1] for t in floors)
        work = batch * rounds * parties
        rows.append((batch, rounds, wall, work / wall, work / cpu, work / floor_cpu))
    base = rows[0][3]
    commitments = len(compiled.commitments)
    arrays = "fresh" if args.fresh else "recycled"
    print(
        f"korea: {parties} parties, {compiled.n_slots} slots, {commitments} commitments;"
        f" {arrays} state arrays{''.join(f'; {o}' for o in args.set)}"
    )
    print(
        f"{'batch':>8} {'rounds':>7} {'median s':>9} {'party-rounds/s':>15} {'vs batch 1':>11}"
        f" {'per CPU-s':>12} {'floor per CPU-s':>16} {'x floor':>8}"
    )
    for batch, rounds, wall, rate, cpu_rate, floor_rate in rows:
        print(
            f"{batch:>8,} {rounds:>7} {wall:>9.4f} {rate:>15,.0f} {rate / base:>10.1f}x"
            f" {cpu_rate:>12,.0f} {floor_rate:>16,.0f} {floor_rate / cpu_rate:>7.1f}x"
        )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory: {peak:,.0f} MiB (whole process, all sizes)")


if __name__ == "__main__":
    main()
