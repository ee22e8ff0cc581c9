"""Calibration recovers the numbers that generated a synthetic record (the must-show).

A record made by the model itself: ``ipd`` over 24 rounds, A always
cooperates and B plays tit for tat; A's defections come from the trembling
hand only (``noise.tremble``), B's from its echo of them and from false
alarms (``noise.false_alarm``). For each of five seeds the true numbers are
drawn from the prior, one episode is played at them (the record: one
history) and both numbers are calibrated on its statistics. For draws from
the prior, an exact posterior's 90% interval covers the truth with
probability 0.9; ABC's tolerance only widens the posterior, so coverage is
at least that. Asking for 4 covers of 5 per number fails an exact 90%
interval with probability 1 - (0.9^5 + 5 * 0.9^4 * 0.1) = 0.08 for a given
set of seeds, and the seeds are fixed, so the test is deterministic. It
also checks that the intervals are informative: narrower than the prior's.

The slowest test of the package (about 20 s of CPU on the shared machine):
five small ABC-SMC runs (30 particles, 3 generations), each a few hundred
simulations of 10 episodes.
"""

from __future__ import annotations

import numpy as np

from detente.calibrate.commands import Problem, calibrate
from detente.calibrate.posterior import summary
from detente.calibrate.priors import choose_priors
from detente.calibrate.statistics import simulated, statistics_of
from detente.scenario.compiled import compile_scenario
from detente.scenario.overrides import load_document
from detente.sensitivity.points import realise

ROUNDS = 24
PRIORS = ["noise.tremble=uniform(0,0.3)", "noise.false_alarm=uniform(0,0.3)"]
PROFILE = {"A": "cooperate", "B": "tit_for_tat"}


def _synthetic(seed: int) -> tuple[Problem, np.ndarray]:
    doc, _ = load_document("ipd", ["noise.tremble=0", f"rounds={ROUNDS}"])
    priors = tuple(choose_priors(doc, "ipd", PRIORS))
    truth = np.random.default_rng(seed).uniform(0, 0.3, size=2)
    compiled = compile_scenario(realise(doc, "ipd", [p.parameter() for p in priors], truth))
    record = simulated(compiled, PROFILE, ROUNDS, 1, seed=10_000 + seed)[0]
    stats = statistics_of(compiled)
    problem = Problem("ipd", doc, "ipd", priors, PROFILE, stats, record, ROUNDS, "-", "-")
    return problem, truth


def test_the_90_percent_interval_covers_the_true_numbers_in_4_of_5_seeds() -> None:
    covered = np.zeros(2, dtype=int)
    widths = []
    for seed in range(5):
        problem, truth = _synthetic(seed)
        post = calibrate(problem, population=30, generations=3, episodes=10, seed=seed)
        rows = summary(post)
        for j, row in enumerate(rows):
            covered[j] += row["low"] <= truth[j] <= row["high"]
            widths.append(row["high"] - row["low"])
        assert post.diagnostics["generations"] >= 2
        assert np.isclose(post.weights.sum(), 1.0)
    assert (covered >= 4).all(), f"covers per number: {covered.tolist()} of 5"
    assert np.mean(widths) < 0.9 * 0.27  # the prior's own 90% interval is 0.27 wide


def test_the_same_seed_gives_the_same_posterior_on_one_core() -> None:
    problem, _ = _synthetic(7)
    a = calibrate(problem, population=20, generations=2, episodes=5, seed=3)
    b = calibrate(problem, population=20, generations=2, episodes=5, seed=3)
    np.testing.assert_array_equal(a.samples, b.samples)
    np.testing.assert_array_equal(a.weights, b.weights)
