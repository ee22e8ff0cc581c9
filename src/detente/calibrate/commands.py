"""The body of ``detente calibrate``: check everything, print the cost, run ABC-SMC, report.

Every user error (a prior, a path, the record, the window, an option, an
output path) ends in one message and exit code 2 before the first
simulation. Then the cost, progress per generation on stderr, and the
posterior: a table (or JSON), the posterior file, an HTML page.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from detente.calibrate import CalibrationError
from detente.calibrate.posterior import Posterior
from detente.cli_common import check_format, check_output, fail, parse_date, print_json, user_errors
from detente.dtypes import F64

if TYPE_CHECKING:
    from detente.calibrate.priors import Prior
    from detente.calibrate.statistics import Statistic


def _say(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


@dataclass(frozen=True)
class Problem:
    """A calibration, checked: the scenario document, priors, record window and statistics."""

    scenario: str
    doc: dict[str, Any]
    source: str
    priors: tuple[Prior, ...]
    profile: dict[str, str]
    statistics: tuple[Statistic, ...]
    observed: F64
    rounds: int
    first_round: str
    last_round: str


def prepare(
    scenario: str,
    events: str,
    until: str,
    params: Sequence[str],
    overrides: Sequence[str] = (),
    strategies: Sequence[str] = (),
    mapping: str | None = None,
) -> Problem:
    """Everything checked before any simulation; user errors raise (see :func:`run_calibrate`)."""
    from detente.backtest.runner import BacktestError
    from detente.calibrate.priors import choose_priors
    from detente.calibrate.statistics import observed, statistics_of
    from detente.scenario.compiled import compile_scenario
    from detente.scenario.overrides import load_document
    from detente.simulate.from_record import RecordSource
    from detente.simulate.profile import parse_assignments, resolve_profile

    when = parse_date(until, "--until")
    assert when is not None
    doc, base = load_document(scenario, overrides)
    compiled = compile_scenario(base)
    profile = parse_assignments(strategies)
    resolve_profile(compiled, profile)
    source = f"{scenario} (calibrated)"
    priors = tuple(choose_priors(doc, source, params))
    record = RecordSource(events, when, mapping)
    mapped = record.mapped(scenario, compiled)
    known = record.known(mapped)
    if known == 0:
        raise BacktestError(
            f"{events}: --until {when}: no round of the record before it "
            f"(the first is {mapped.rounds[0].start} to {mapped.rounds[0].end}); nothing to fit"
        )
    stats = statistics_of(compiled)
    if not stats:
        raise CalibrationError(
            f"{scenario}: no summary statistic to compare (no provocation, cooperative act, "
            "meeting or deal in the scenario)"
        )
    return Problem(
        scenario,
        doc,
        source,
        priors,
        profile,
        stats,
        observed(compiled, mapped, known),
        known,
        mapped.rounds[0].start.isoformat(),
        mapped.rounds[known - 1].end.isoformat(),
    )


def _check_sizes(population: int, generations: int, episodes: int, max_simulations: int) -> None:
    for value, option, least in (
        (population, "--population", 10),
        (generations, "--generations", 1),
        (episodes, "--episodes-per-particle", 1),
        (max_simulations, "--max-simulations", 1),
    ):
        if value < least:
            raise CalibrationError(f"{option} must be at least {least}, got {value}")
    if max_simulations < population * 2:
        raise CalibrationError(
            f"--max-simulations {max_simulations}: too few for a calibration sample and one "
            f"generation of {population} particles ({2 * population})"
        )


def run_calibrate(
    scenario: str,
    events: str,
    until: str,
    params: Sequence[str],
    *,
    population: int,
    generations: int,
    episodes: int,
    max_simulations: int | None,
    seed: int,
    workers: int,
    strategies: Sequence[str],
    overrides: Sequence[str],
    mapping: str | None,
    db: Path | None,
    fmt: str,
    out: Path | None,
    report: Path | None,
    quiet: bool,
) -> None:
    """``detente calibrate``: the posterior of ``params`` given the record before ``until``."""
    from detente.backtest.runner import BacktestError
    from detente.record.errors import RecordError
    from detente.sensitivity.params import SensitivityError
    from detente.strategies import StrategyError

    check_format(fmt)
    for path, option in ((out, "--out"), (report, "--report"), (db, "--db")):
        if path is not None:
            check_output(path, option)
    if report is not None and importlib.util.find_spec("matplotlib") is None:
        fail(f"--report {report}: needs pip install 'detente[analysis]'")
    if importlib.util.find_spec("pyabc") is None:
        fail("detente calibrate needs pyabc: pip install 'detente[analysis]'")
    bound = max_simulations or 20 * population * (generations + 1)
    errors = (CalibrationError, SensitivityError, RecordError, BacktestError, StrategyError)
    with user_errors(*errors):
        _check_sizes(population, generations, episodes, bound)
        problem = prepare(scenario, events, until, params, overrides, strategies, mapping)
    with user_errors(*errors):  # a combination of values the scenario refuses; no statistic
        post = calibrate(
            problem, population, generations, episodes, bound, seed, workers, db, quiet
        )
    post = replace(post, overrides=tuple(overrides), events=events, until=until)
    if fmt == "json":
        print_json(post.to_dict())
    else:
        from detente.calibrate.render import view
        from detente.simulate.render import console

        console().print(view(post))
    if out is not None:
        post.write(out)
        _say(f"wrote {out}")
    if report is not None:
        from detente.calibrate.page import write_page

        write_page(post, report)
        _say(f"wrote {report}")


def calibrate(
    problem: Problem,
    population: int = 100,
    generations: int = 5,
    episodes: int = 20,
    max_simulations: int | None = None,
    seed: int = 0,
    workers: int = 1,
    db: Path | None = None,
    quiet: bool = True,
) -> Posterior:
    """ABC-SMC on a checked problem: the cost printed (unless ``quiet``), then the posterior."""
    import pyabc

    from detente.calibrate.fit import Simulator, run_abc

    bound = max_simulations or 20 * population * (generations + 1)
    simulator = Simulator(
        problem.doc, problem.source, problem.priors, problem.profile, problem.rounds, episodes
    )
    middle = {f"p{i}": p.distribution.median for i, p in enumerate(problem.priors)}
    simulator(middle)  # compiles the engine if it has to
    began = time.perf_counter()
    simulator(middle)
    per_sim = time.perf_counter() - began
    if not quiet:
        _say(
            f"fitting {', '.join(p.path for p in problem.priors)} to {problem.rounds} rounds of "
            f"the record ({problem.first_round} .. {problem.last_round})"
        )
        _say(_cost(population, generations, bound, episodes, problem.rounds, per_sim, workers))
    fit = run_abc(
        simulator,
        problem.observed,
        population=population,
        generations=generations,
        max_simulations=bound,
        seed=seed,
        db=db,
        workers=workers,
        say=None if quiet else (lambda line: _say(f"calibrate: {line}")),
    )
    names = [s.name for s in problem.statistics]
    final = fit.generations[-1]
    diagnostics = {
        "generations": len(fit.generations),
        "effective_sample_size": final.effective_sample_size,
        "acceptance_rates": [g.acceptance_rate for g in fit.generations],
        "epsilons": [g.epsilon for g in fit.generations],
        "effective_sample_sizes": [g.effective_sample_size for g in fit.generations],
        "simulations_per_generation": [g.simulations for g in fit.generations],
        "calibration_simulations": fit.calibration_simulations,
        "simulations": fit.simulations,
        "final_epsilon": final.epsilon,
        "scales": dict(zip(names, map(float, fit.scales), strict=True)),
        "statistic_weights": dict(zip(names, map(float, fit.statistic_weights), strict=True)),
        "predictive": dict(zip(names, map(float, fit.predictive), strict=True)),
    }
    settings = {
        "population": population,
        "generations": generations,
        "episodes_per_particle": episodes,
        "max_simulations": bound,
        "seed": seed,
        "workers": workers,
        "deterministic": workers == 1,
        "rounds": problem.rounds,
        "record_rounds": [problem.first_round, problem.last_round],
        "strategies": problem.profile,
        "statistics": {s.name: s.meaning for s in problem.statistics},
        "prior_density": {p.path: _density(p) for p in problem.priors},
    }
    return Posterior(
        scenario=problem.scenario,
        paths=tuple(p.path for p in problem.priors),
        samples=fit.samples,
        weights=fit.weights,
        priors=tuple(str(p) for p in problem.priors),
        method=f"ABC-SMC (pyabc {pyabc.__version__})",
        statistics=dict(zip(names, map(float, problem.observed), strict=True)),
        diagnostics=diagnostics,
        settings=settings,
    )


def _density(prior: Prior, points: int = 60) -> dict[str, list[float]]:
    """The prior's density on a grid over its support (its tails where infinite), for plots."""
    x = np.linspace(*prior.ends(), points)
    return {"x": x.tolist(), "pdf": prior.distribution.pdf(x).tolist()}


def _cost(
    population: int,
    generations: int,
    bound: int,
    episodes: int,
    rounds: int,
    per_sim: float,
    workers: int,
) -> str:
    least = population * (generations + 1)
    return (
        f"cost: at least {least:,} simulations (a calibration sample from the prior and "
        f"{generations} generations of {population} particles, if every particle were "
        f"accepted), at most {bound:,} (--max-simulations); each {episodes} episodes x "
        f"{rounds} rounds, {per_sim:.3f} s here; so from {_duration(least * per_sim / workers)} "
        f"to {_duration(bound * per_sim / workers)} on {workers} "
        f"{'core (reproducible)' if workers == 1 else 'cores (not reproducible)'}"
    )


def _duration(seconds: float) -> str:
    return f"{seconds:.0f} s" if seconds < 120 else f"{seconds / 60:.0f} min"
