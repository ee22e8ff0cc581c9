"""Simulation speed: a noisy round-robin tournament against axelrod, and korea at scale.

1. The same tournament run by axelrod (when importable) and by detente in
   one process: eight strategies both libraries have, every pair including
   self-play, 200 turns, 100 repetitions, 5% noise (a trembling hand). detente
   plays all matches and repetitions as one batch. Prints the median of
   ``--repeats`` timings of each, the ratio, and each strategy's mean score per
   turn (axelrod's normalised score) from both, with the difference in
   standard errors: they agree when it stays within about 3. One more run of
   detente's is split by phase (engine steps, strategies' moves, the rest)
   next to the budget a 100x speed-up would leave, per round.
2. ``korea`` with its default strategies: episodes per second on one core
   (100,000 episodes x 50 rounds by default) and peak memory.

Usage: python bench/simulate.py [--quick] [--repeats N] [--episodes N] [--rounds N]
(axelrod needs torch: run it from a venv that has both, see docs/simulate.md.)
"""

from __future__ import annotations

import argparse
import math
import resource
import statistics
import time
import tracemalloc
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from typing import Any
from unittest import mock

import numpy as np

import detente.simulate.runner as runner
from detente.engine import compile_scenario
from detente.scenario import load_scenario
from detente.scenario.compiled import CompiledScenario
from detente.scenario.overrides import load_with_overrides
from detente.simulate import simulate
from detente.simulate.tournament import Tournament, round_robin

# detente strategy -> axelrod player class
PLAYERS = {
    "tit_for_tat": "TitForTat",
    "cooperate": "Cooperator",
    "defect": "Defector",
    "grim_trigger": "Grudger",
    "win_stay_lose_shift": "WinStayLoseShift",
    "tit_for_two_tats": "TitFor2Tats",
    "alternator": "Alternator",
    "suspicious_tit_for_tat": "SuspiciousTitForTat",
}
TURNS, NOISE = 200, 0.05


def timed(work: Callable[[], Any], repeats: int) -> tuple[float, float, Any]:
    """Median wall and CPU seconds over ``repeats`` runs, and the last run's result.

    CPU time is what one core spent on the work; on a shared machine it is
    the steadier of the two.
    """
    walls, cpus, result = [], [], None
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        result = work()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), result


def noisy_ipd() -> CompiledScenario:
    return compile_scenario(load_with_overrides("ipd", [f"noise.tremble={NOISE}"]))


def play_detente(ipd: CompiledScenario, repetitions: int) -> Tournament:
    return round_robin(ipd, list(PLAYERS), repetitions, TURNS, seed=1)


def detente_tournament(repetitions: int, repeats: int) -> tuple[float, float, np.ndarray]:
    ipd = noisy_ipd()
    play_detente(ipd, 1)  # load the compiled kernels before timing
    wall, cpu, t = timed(lambda: play_detente(ipd, repetitions), repeats)
    return wall, cpu, t.normalised_scores()


@contextmanager
def phase_clock(spent: dict[str, float]) -> Iterator[None]:
    """Add the CPU time of the simulator's engine steps and strategy calls to ``spent``."""

    def clocked(name: str, work: Callable[..., Any]) -> Callable[..., Any]:
        def run(*args: Any, **kwargs: Any) -> Any:
            start = time.process_time()
            try:
                return work(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + time.process_time() - start

        return run

    with ExitStack() as stack:
        for name, attribute in (("engine steps", "step"), ("strategies' moves", "submissions_for")):
            clock = clocked(name, getattr(runner, attribute))
            stack.enter_context(mock.patch.object(runner, attribute, clock))
        yield


def phase_report(repetitions: int, axelrod_cpu: float | None) -> None:
    """Where one detente tournament's CPU time goes, per round, beside a 100x budget."""
    ipd = noisy_ipd()
    spent: dict[str, float] = {}
    start = time.process_time()
    with phase_clock(spent):
        play_detente(ipd, repetitions)
    spent["the rest"] = time.process_time() - start - sum(spent.values())
    budget = "" if axelrod_cpu is None else f", of {axelrod_cpu / 100 / TURNS * 1e6:,.0f} for 100x"
    print(f"  detente's CPU time per round, in us (one run, {TURNS} rounds{budget}):")
    for name, seconds in spent.items():
        print(f"    {name:20} {seconds / TURNS * 1e6:8,.0f} us")


def axelrod_tournament(repetitions: int, repeats: int) -> tuple[float, float, np.ndarray] | None:
    try:
        import axelrod as axl
    except ImportError:
        return None

    def play() -> Any:
        players = [getattr(axl, cls)() for cls in PLAYERS.values()]
        tournament = axl.Tournament(
            players, turns=TURNS, repetitions=repetitions, noise=NOISE, seed=1
        )
        return tournament.play(progress_bar=False)  # serial play, single-threaded results

    wall, cpu, results = timed(play, repeats)
    return wall, cpu, np.asarray(results.normalised_scores, dtype=float)


def tournament_report(repetitions: int, repeats: int) -> None:
    print(
        f"round robin: {len(PLAYERS)} strategies, {TURNS} turns, {repetitions} repetitions, "
        f"noise {NOISE}; median of {repeats}"
    )
    ours_wall, ours_cpu, ours = detente_tournament(repetitions, repeats)
    theirs = axelrod_tournament(repetitions, repeats)
    print(f"  detente  {ours_wall:8.3f} s wall {ours_cpu:8.3f} s CPU")
    phase_report(repetitions, None if theirs is None else theirs[1])
    if theirs is None:
        print("  axelrod  not installed: no comparison")
        return
    wall, cpu, axl_scores = theirs
    print(
        f"  axelrod  {wall:8.3f} s wall {cpu:8.3f} s CPU  "
        f"(detente is {wall / ours_wall:.1f}x faster, {cpu / ours_cpu:.1f}x in CPU time)"
    )
    print(f"  {'strategy':24} {'detente':>8} {'axelrod':>8} {'diff/SE':>8}")
    for i, name in enumerate(PLAYERS):
        a, b = ours[i], axl_scores[i]
        se = math.hypot(a.std(ddof=1) / math.sqrt(a.size), b.std(ddof=1) / math.sqrt(b.size))
        z = (a.mean() - b.mean()) / se if se > 0 else 0.0
        print(f"  {name:24} {a.mean():8.4f} {b.mean():8.4f} {z:8.2f}")


def korea_report(episodes: int, rounds: int, repeats: int) -> None:
    korea = compile_scenario(load_scenario("korea"))
    simulate(korea, None, 100, 5)  # load the compiled kernels before timing
    wall, cpu, _ = timed(lambda: simulate(korea, None, episodes, rounds, seed=1), repeats)
    # Memory from one more run: tracing allocations slows numpy by a few percent.
    tracemalloc.start()
    simulate(korea, None, episodes, rounds, seed=1)
    _, traced = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"korea, default strategies: {episodes} episodes x {rounds} rounds, median of {repeats}:"
        f" {wall:.2f} s wall, {episodes / wall:,.0f} episodes/s;"
        f" {cpu:.2f} s CPU, {episodes / cpu:,.0f} episodes/s per core"
    )
    print(f"  peak memory: {traced / 2**20:.0f} MiB allocated, {peak_rss:.0f} MiB process RSS")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one repeat")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--episodes", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=50)
    args = parser.parse_args()
    repeats = 1 if args.quick else args.repeats
    tournament_report(10 if args.quick else 100, repeats)
    korea_report(5_000 if args.quick else args.episodes, args.rounds, repeats)


if __name__ == "__main__":
    main()
