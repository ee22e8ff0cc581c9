"""The cost of uncertain numbers: korea over K draws x M episodes against K x M plain episodes.

Both run in one process, alternating, after a warm-up (the engine compiled):
``simulate_summary`` of the scenario with its numbers fixed, and
``simulate_draws`` of the same scenario with three numbers uncertain (each
draw's scenario realised, validated and compiled, its strategies built, its
episodes played in one batch). Prints the median wall time of each and the
ratio.

Usage: python bench/draws.py [--draws K] [--per-draw M] [--repeats N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

from detente.scenario.compiled import compile_scenario
from detente.scenario.uncertain import load_uncertain
from detente.simulate.draws import simulate_draws
from detente.simulate.parameters import Distributions
from detente.simulate.stream import simulate_summary

UNCERTAIN = [
    "noise.miss=beta(2,30)",
    "noise.false_alarm=beta(2,40)",
    "trust.forgetting=uniform(0.8,0.95)",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--draws", type=int, default=100)
    parser.add_argument("--per-draw", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    episodes = args.draws * args.per_draw
    uncertain = load_uncertain("korea", UNCERTAIN)
    plain = compile_scenario(uncertain.nominal)
    source = Distributions(uncertain.numbers)
    runs: dict[str, Callable[[], Any]] = {
        "plain": lambda: simulate_summary(plain, None, episodes, seed=1),
        "draws": lambda: simulate_draws(uncertain, source, None, episodes, args.draws, seed=1),
    }
    for run in runs.values():
        run()  # warm-up: the engine and strategies compiled
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(args.repeats):
        for name, run in runs.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    plain_s, draws_s = (statistics.median(times[n]) for n in ("plain", "draws"))
    print(
        f"korea, {episodes:,} episodes x {plain.scenario.rounds} rounds, median of {args.repeats}"
    )
    print(f"  plain:                              {plain_s:6.2f} s")
    print(f"  {args.draws} draws x {args.per_draw} episodes (3 uncertain): {draws_s:6.2f} s")
    print(f"  ratio draws / plain: {draws_s / plain_s:.2f}")


if __name__ == "__main__":
    main()
