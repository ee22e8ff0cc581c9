"""Environment steps per second on korea, beside the raw engine's rate for a batch of one.

Three rows, measured in the same run on the same random legal moves: the
engine's ``step`` alone (batch of one, moves given as arrays); the parallel
environment with all six parties as agents (a step is one round: actions
relayed, masked, assembled through the simulator's code path, stepped,
observations and state features built); and the environment with one agent
(DPRK) and five library strategies (the single-agent case). Actions are
drawn before the clock starts. Rates are medians over repeats; the last
column is each row's cost relative to the raw engine.

Usage: python bench/env.py [--rounds N] [--repeats N]
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from functools import partial

import numpy as np

from detente.engine import CounterRNG, Submissions, available, initial_state, offerable, step
from detente.envs import parallel_env
from detente.scenario import load_scenario
from detente.scenario.compiled import CompiledScenario, compile_scenario


def engine_rate(compiled: CompiledScenario, rounds: int) -> float:
    """Rounds per second of ``step`` on a batch of one (moves: 10% acts, 70% offers)."""
    gen = np.random.default_rng(0)
    acts = gen.random((rounds, 1, compiled.n_slots)) < 0.1
    offers = gen.random((rounds, 1, len(compiled.commitments))) < 0.7
    state, rng = initial_state(compiled, 1), CounterRNG(1)
    spent = 0.0
    for r in range(rounds):
        if r % compiled.scenario.rounds == 0:
            state = initial_state(compiled, 1, r)
        sub = Submissions(acts[r] & available(state), offers[r] & offerable(state))
        start = time.perf_counter()
        state, _ = step(state, sub, rng)
        spent += time.perf_counter() - start
    return rounds / spent


def env_rate(compiled: CompiledScenario, rounds: int, agents: list[str] | None) -> float:
    """Steps per second of the parallel environment under random bits (the env masks them)."""
    env = parallel_env(scenario=compiled, agents=agents)
    gen = np.random.default_rng(0)
    moves = [
        {a: gen.integers(0, 2, env.action_space(a).n) for a in env.possible_agents}
        for _ in range(rounds)
    ]
    env.reset(seed=1)
    spent = 0.0
    for r in range(rounds):
        if not env.agents:
            env.reset()
        start = time.perf_counter()
        env.step(moves[r])
        env.state()
        spent += time.perf_counter() - start
    return rounds / spent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    compiled = compile_scenario(load_scenario("korea"))
    engine_rate(compiled, 10)  # load the compiled kernels outside the measurement
    cases: dict[str, Callable[[], float]] = {
        "engine step (batch of 1)": partial(engine_rate, compiled, args.rounds),
        "parallel env, 6 agents": partial(env_rate, compiled, args.rounds, None),
        "parallel env, 1 agent + 5 strategies": partial(env_rate, compiled, args.rounds, ["DPRK"]),
    }
    rates = {
        name: statistics.median(run() for _ in range(args.repeats)) for name, run in cases.items()
    }
    base = rates["engine step (batch of 1)"]
    print(f"korea: {len(compiled.parties)} parties, {args.rounds} rounds x {args.repeats} repeats")
    print(f"{'':38} {'steps/s':>9} {'us/step':>8} {'engine/this':>12}")
    for name, rate in rates.items():
        print(f"{name:38} {rate:>9,.0f} {1e6 / rate:>8.0f} {base / rate:>11.1f}x")


if __name__ == "__main__":
    main()
