"""Backtest and replay speed on the bundled Korea record (issue 16's targets).

* ``backtest``: 8 cut dates x 10,000 episodes of ``korea``, its 9 built-in
  questions, horizons 3 and 6 (the eight cuts of docs/record.md's worked
  backtest, quarterly from June 2017 to the eve of Hanoi), through the
  command's wiring: the bundled record mapped, its stages replayed, each cut
  forecast from the record replayed to it with warm strategies. Target:
  under 30 s on one core.
* ``replay``: the whole bundled record (34 monthly rounds) replayed through
  ``korea``, one episode, after the kernels are compiled. Target: under 1 s.

Usage: python bench/backtest.py [--episodes N] [--repeats N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

from detente.backtest import backtest, builtin_questions
from detente.backtest.wiring import record_wiring
from detente.scenario import load_scenario
from detente.scenario.compiled import compile_scenario
from detente.simulate.replay_commands import replay_record

CUTS = [
    date(2017, 6, 1),
    date(2017, 9, 1),
    date(2017, 12, 1),
    date(2018, 3, 1),
    date(2018, 6, 1),
    date(2018, 9, 1),
    date(2018, 12, 1),
    date(2019, 2, 27),
]


def timed(run: Callable[[], object], repeats: int) -> tuple[float, float]:
    """Median wall and CPU seconds of ``repeats`` runs."""
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        run()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--episodes", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    korea = compile_scenario(load_scenario("korea"))
    wiring = record_wiring("korea")
    record = wiring.load_record(korea, Path("korea"))
    questions = builtin_questions(korea)
    replay_record(korea, record)  # compile the kernels first

    def run() -> None:
        backtest(
            korea,
            record,
            CUTS,
            [3, 6],
            questions,
            args.episodes,
            0,
            wiring.forecaster(korea, record, None),
            replayed=wiring.replayed(korea, record),
        )

    run()  # and the forecasts' strategies
    wall, cpu = timed(run, args.repeats)
    print(
        f"backtest of korea on the bundled record: {len(CUTS)} cuts x {args.episodes:,} "
        f"episodes, {len(questions)} questions, horizons 3 and 6: median {wall:.2f} s wall, "
        f"{cpu:.2f} s CPU ({args.repeats} runs)"
    )
    wall, cpu = timed(lambda: replay_record(korea, record), max(args.repeats, 5))
    print(
        f"replay of the bundled record ({len(record.rounds)} rounds, 1 episode): median "
        f"{wall * 1000:.1f} ms wall, {cpu * 1000:.1f} ms CPU"
    )


if __name__ == "__main__":
    main()
