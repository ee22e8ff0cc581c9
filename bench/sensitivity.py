"""Sensitivity speed: a Morris screening of 12 korea numbers, on one core and on all cores.

12 parameters (noise, trust, the roadmap's thresholds; each over its default
range, its value +/- 50% clipped to what its field allows), ``--trajectories``
Morris trajectories (13 model runs each) of ``--episodes`` episodes, run by the
local backend with one worker (in this process) and with one worker per core
(a process pool), alternating, ``--repeats`` times each. Prints the median wall
and CPU seconds of each, the same-run ratio, the machine's load, and the
ranking of P(success), which both runs must give identically.

Usage: python bench/sensitivity.py [--trajectories 10] [--episodes 2000] [--repeats 1]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

from detente.scenario.overrides import load_document
from detente.sensitivity.analysis import Analysis, problem, run_analysis
from detente.sensitivity.backends import evaluate
from detente.sensitivity.model import ScenarioModel
from detente.sensitivity.params import choose_parameters

PARAMS = [
    "noise.miss",
    "noise.false_alarm",
    "noise.observers.DPRK.false_alarm",
    "trust.forgetting",
    "trust.restraint_evidence",
    "trust.priors[0].trust",  # US in DPRK
    "trust.priors[1].trust",  # DPRK in US
    "trust.priors[0].weight",
    "roadmap.stages[trust_building].exit.calm_rounds",
    "roadmap.stages[trust_building].exit.trust[0].min",
    "roadmap.stages[simultaneous_actions].exit.trust[0].min",
    "roadmap.success.hold_rounds",
]
OUTPUTS = ("success", "stall", "final_stage")


def run(model: ScenarioModel, workers: int, trajectories: int) -> tuple[float, float, Analysis]:
    prob = problem([p.path for p in model.parameters], [(p.low, p.high) for p in model.parameters])
    wall, cpu = time.perf_counter(), time.process_time()
    children = os.times()
    a = run_analysis(
        "morris", prob, OUTPUTS, lambda X: evaluate(model, X, "local", workers), trajectories, 0
    )
    after = os.times()
    spent = time.process_time() - cpu
    spent += (after.children_user - children.children_user) + (
        after.children_system - children.children_system
    )
    return time.perf_counter() - wall, spent, a


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trajectories", type=int, default=10)
    ap.add_argument("--episodes", type=int, default=2000)
    ap.add_argument("--repeats", type=int, default=1)
    args = ap.parse_args()
    doc, _ = load_document("korea")
    params = tuple(choose_parameters(doc, "korea", PARAMS))
    model = ScenarioModel(doc, "korea", params, OUTPUTS, {}, args.episodes, 0)
    model(np.array([[p.nominal for p in params]]))  # compile the engine before timing
    cores = os.cpu_count() or 1
    times: dict[int, list[tuple[float, float]]] = {1: [], cores: []}
    results: dict[int, Analysis] = {}
    load = os.getloadavg()[0]
    for _ in range(args.repeats):
        for workers in times:
            wall, cpu, results[workers] = run(model, workers, args.trajectories)
            times[workers].append((wall, cpu))
    load = (load + os.getloadavg()[0]) / 2
    runs = len(results[1].X)
    print(
        f"Morris, {len(params)} korea parameters, {args.trajectories} trajectories = {runs} "
        f"model runs x {args.episodes:,} episodes; {args.repeats} repeat(s); "
        f"{cores} cores, load average about {load:.1f}"
    )
    print(f"{'workers':>8} {'wall s':>8} {'CPU s':>8} {'runs/s':>8}")
    medians = {}
    for workers, samples in times.items():
        wall = statistics.median(w for w, _ in samples)
        cpu = statistics.median(c for _, c in samples)
        medians[workers] = wall
        print(f"{workers:>8} {wall:>8.1f} {cpu:>8.1f} {runs / wall:>8.2f}")
    print(f"speed-up, all cores / one core (same run): {medians[1] / medians[cores]:.2f}")
    one, all_ = results[1], results[cores]
    assert np.array_equal(one.Y, all_.Y), "the backends disagree"
    for r in one.rankings:
        print(f"\n{r.output}: rank, parameter, mu*, mu* conf, sigma, mu")
        for row in r.rows():
            print(
                f"{row['rank']:>3} {row['parameter']:<56} {row['mu_star']:8.4f} "
                f"{row['mu_star_conf']:8.4f} {row['sigma']:8.4f} {row['mu']:+8.4f}"
            )


if __name__ == "__main__":
    main()
