"""Backtest speed: 8 cut dates x 10,000 episodes of ``korea``, horizons 6 and 12.

The issue's target: under 30 s on one core. Runs against the backtest's
seam (``detente.backtest.seams.Forecaster``): by default the record is a
made-up monthly record of March 2017 to December 2019 without events and
the forecaster :func:`~detente.backtest.simulation.opening_forecaster`
(each cut forecast from the scenario's opening state), so it measures the
simulation of the forecasts and the scoring; the replay of each cut,
which the command's forecaster adds, is not in it until that forecaster
is plugged in here.

Usage: python bench/backtest.py [--cuts N] [--episodes N] [--repeats N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from dataclasses import dataclass
from datetime import date

import numpy as np

from detente.backtest import ReplayedStages, backtest, builtin_questions
from detente.backtest.simulation import opening_forecaster
from detente.scenario import load_scenario
from detente.scenario.compiled import compile_scenario
from detente.scenario.moves import NamedMove


@dataclass(frozen=True)
class Round:
    start: date
    end: date
    moves: dict[str, NamedMove]


@dataclass(frozen=True)
class Record:
    rounds: tuple[Round, ...]


def monthly(first: date, months: int) -> Record:
    """A record of ``months`` calendar months from ``first`` (a 1st), without events."""
    rounds = []
    for i in range(months):
        y, m = first.year + (first.month - 1 + i) // 12, (first.month - 1 + i) % 12 + 1
        nxt = date(y + m // 12, m % 12 + 1, 1)
        rounds.append(Round(date(y, m, 1), date.fromordinal(nxt.toordinal() - 1), {}))
    return Record(tuple(rounds))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cuts", type=int, default=8)
    parser.add_argument("--episodes", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    korea = compile_scenario(load_scenario("korea"))
    record = monthly(date(2017, 3, 1), 34)  # March 2017 to December 2019
    n = len(record.rounds)
    replayed = ReplayedStages(np.zeros(n + 1, np.int64), np.zeros(n + 1, bool))
    # cuts every two months from September 2017 (8 of them: to July 2018, 12 rounds after each)
    cuts = [record.rounds[6 + 2 * i].start for i in range(args.cuts)]
    questions = builtin_questions(korea)
    forecaster = opening_forecaster(korea)
    forecaster(0, 1, 1, 0)  # compile the kernels first

    def run() -> None:
        backtest(
            korea,
            record,
            cuts,
            [6, 12],
            questions,
            args.episodes,
            0,
            forecaster,
            replayed=replayed,
        )

    walls, cpus = [], []
    for _ in range(args.repeats):
        wall, cpu = time.perf_counter(), time.process_time()
        run()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    print(
        f"backtest of korea: {len(cuts)} cuts x {args.episodes:,} episodes x 12 rounds, "
        f"{len(questions)} questions, horizons 6 and 12: median {statistics.median(walls):.2f} s "
        f"wall, {statistics.median(cpus):.2f} s CPU ({args.repeats} runs)"
    )


if __name__ == "__main__":
    main()
