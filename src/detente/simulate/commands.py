"""The bodies of ``detente simulate`` and ``detente compare``: the shell around the simulator.

``detente.cli`` declares the options and imports this module only when one
of these commands runs, so the CLI starts fast. User errors (a bad
scenario, override or strategy) are reported on stderr with exit code 2
and no traceback.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from detente.cli_common import check_format, check_output, fail, print_json, user_errors
from detente.scenario.compiled import CompiledScenario, compile_scenario
from detente.scenario.overrides import load_with_overrides
from detente.simulate.best_response import best_response, default_candidates
from detente.simulate.compare import compare
from detente.simulate.draws_commands import (
    compare_draws,
    drawn,
    draws_and_size,
    parameter_source,
    record_starts,
    run_drawn_simulate,
    uncertain_or_fail,
)
from detente.simulate.paths import trajectories_path
from detente.simulate.profile import Assignment, parse_assignments
from detente.simulate.progress import bytes_per_episode, progress
from detente.simulate.render import (
    best_response_view,
    comparison_view,
    console,
    summary_view,
    wrap,
)
from detente.simulate.runner import simulate
from detente.simulate.stream import simulate_summary
from detente.simulate.tally import BLOCK
from detente.strategies import StrategyError

if TYPE_CHECKING:
    from detente.simulate.from_record import RecordSource, RecordStart


def scenario_or_fail(scenario: str, overrides: Sequence[str]) -> CompiledScenario:
    with user_errors(StrategyError):
        return compile_scenario(load_with_overrides(scenario, overrides))


def record_start(
    scenario: str,
    compiled: CompiledScenario,
    source: RecordSource | None,
    seed: int,
    episodes: int,
) -> RecordStart | None:
    """``--events``/``--until``: the record replayed up to the date (user errors exit 2)."""
    if source is None:
        return None
    from detente.backtest.runner import BacktestError
    from detente.record.errors import RecordError
    from detente.simulate.from_record import start_for

    with user_errors(RecordError, BacktestError):
        return start_for(scenario, compiled, source, seed=seed, episodes=episodes)


def started(start: RecordStart | None) -> dict[str, object]:
    return {} if start is None else {"start": start.describe()}


def print_start(start: RecordStart | None) -> None:
    if start is not None:
        from detente.simulate.from_record import start_line

        console().print(wrap(start_line(start.describe())), markup=False)


def run_simulate(
    scenario: str,
    episodes: int,
    rounds: int | None,
    seed: int,
    strategies: Sequence[str],
    overrides: Sequence[str],
    out: Path | None,
    trajectories: bool,
    fmt: str,
    quiet: bool = False,
    source: RecordSource | None = None,
    draws: int | None = None,
    posterior: Path | None = None,
) -> None:
    """``detente simulate``: forecast one profile, print its summary, optionally save episodes.

    ``source``: start from the record replayed up to a date (``--events``, ``--until``).
    A scenario with distributions, or ``posterior``, is run over ``draws`` draws of its
    uncertain numbers (:mod:`detente.simulate.draws_commands`)."""
    check_format(fmt)
    if trajectories and out is None:
        fail("--trajectories needs --out: trajectories are written next to the results file")
    if out is not None and importlib.util.find_spec("pyarrow") is None:
        fail(f"--out {out}: results files need pyarrow: pip install 'detente[results]'")
    if out is not None:
        check_output(out)
        if trajectories:
            check_output(trajectories_path(out), "--trajectories")
    uncertain = uncertain_or_fail(scenario, overrides)
    if drawn(uncertain, draws, posterior):
        with user_errors(StrategyError):
            profile = parse_assignments(strategies)
        run_drawn_simulate(
            scenario,
            uncertain,
            episodes=episodes,
            rounds=rounds,
            seed=seed,
            profile=profile,
            draws=draws,
            posterior=posterior,
            out=out,
            trajectories=trajectories,
            fmt=fmt,
            quiet=quiet,
            source=source,
        )
        return
    with user_errors(StrategyError):
        compiled = compile_scenario(uncertain.nominal)
    horizon = rounds or compiled.scenario.rounds
    start = record_start(scenario, compiled, source, seed, episodes)
    played = None if start is None else start.played
    per_episode = bytes_per_episode(compiled, horizon, trajectories)
    held = per_episode * (episodes if out is not None else min(episodes, BLOCK))
    with user_errors(StrategyError):
        profile = parse_assignments(strategies)
        with progress(episodes * horizon, held, quiet) as meter:
            if out is None:  # streamed: memory does not grow with --episodes
                summary = simulate_summary(
                    compiled, profile, episodes, horizon, seed, progress=meter, start=played
                )
            else:
                results = simulate(
                    compiled,
                    profile,
                    episodes,
                    horizon,
                    seed,
                    trajectories=trajectories,
                    progress=meter,
                    start=played,
                )
                summary = results.summary()
    if fmt == "json":
        print_json(summary.to_dict() | started(start))
    else:
        print_start(start)
        console().print(summary_view(summary))
    if out is not None:
        from detente.simulate.parquet import write_parquet

        for path in write_parquet(results, out):
            sys.stderr.write(f"wrote {path}\n")


def parse_profile(text: str) -> tuple[str, Assignment]:
    """``NAME=PARTY=STRATEGY,PARTY=STRATEGY`` -> (name, assignment); ``NAME=`` is all defaults."""
    name, sep, rest = text.partition("=")
    if not sep or not name.strip():
        raise StrategyError(f"--profile {text!r}: expected NAME=PARTY=STRATEGY,PARTY=STRATEGY")
    items = [item for item in rest.split(",") if item.strip()]
    return name.strip(), parse_assignments(items, f"--profile {name.strip()}")


def run_compare(
    scenario: str,
    profiles: Sequence[str],
    episodes: int,
    rounds: int | None,
    seed: int,
    overrides: Sequence[str],
    fmt: str,
    quiet: bool = False,
    source: RecordSource | None = None,
    draws: int | None = None,
    posterior: Path | None = None,
) -> None:
    """``detente compare``: several profiles on common random numbers, paired differences.

    With distributions or ``posterior``, every profile meets the same ``draws`` draws of
    the numbers."""
    check_format(fmt)
    uncertain = uncertain_or_fail(scenario, overrides)
    uncertain_run = drawn(uncertain, draws, posterior)
    params = parameter_source(uncertain, posterior) if uncertain_run else None
    k, m = draws_and_size(episodes, draws) if uncertain_run else (1, episodes)
    with user_errors(StrategyError):
        compiled = compile_scenario(uncertain.nominal)
    horizon = rounds or compiled.scenario.rounds
    start, each = (
        record_starts(scenario, uncertain, source, seed, m)
        if uncertain_run
        else (record_start(scenario, compiled, source, seed, episodes), None)
    )
    with user_errors(StrategyError):
        named = dict(parse_profile(p) for p in profiles)
        if len(named) < 2 or len(named) != len(profiles):
            fail("compare needs at least two --profile options with distinct names")
        held = len(named) * episodes * bytes_per_episode(compiled, horizon, False)
        with progress(len(named) * episodes * horizon, held, quiet) as meter:
            if uncertain_run:
                comparison = compare_draws(
                    uncertain,
                    named,
                    episodes,
                    k,
                    horizon,
                    seed,
                    progress=meter,
                    start=each,
                    source=params,
                )
            else:
                comparison = compare(
                    compiled,
                    named,
                    episodes,
                    horizon,
                    seed,
                    progress=meter,
                    start=None if start is None else start.played,
                )
    if fmt == "json":
        print_json(comparison.to_dict() | started(start))
    else:
        print_start(start)
        console().print(comparison_view(comparison))
        if params is not None:
            console().print(
                wrap(
                    f"Every profile played the same {k} draws of the uncertain numbers "
                    f"({', '.join(params.paths)}), {m} episodes each, and the same engine "
                    "noise: the differences are paired."
                ),
                markup=False,
            )


def run_best_response(
    scenario: str,
    party: str,
    candidates: Sequence[str] | None,
    strategies: Sequence[str],
    episodes: int,
    rounds: int | None,
    seed: int,
    overrides: Sequence[str],
    fmt: str,
    quiet: bool = False,
    source: RecordSource | None = None,
) -> None:
    """``detente best-response``: every candidate for one party on common random numbers."""
    check_format(fmt)
    compiled = scenario_or_fail(scenario, overrides)
    horizon = rounds or compiled.scenario.rounds
    start = record_start(scenario, compiled, source, seed, episodes)
    with user_errors(StrategyError):
        against = parse_assignments(strategies)
        n = len(candidates or default_candidates(compiled, party))
        held = n * episodes * bytes_per_episode(compiled, horizon, False)
        with progress(n * episodes * horizon, held, quiet) as meter:
            found = best_response(
                compiled,
                party,
                candidates,
                against,
                episodes,
                horizon,
                seed,
                progress=meter,
                start=None if start is None else start.played,
            )
    if fmt == "json":
        print_json(found.to_dict() | started(start))
    else:
        print_start(start)
        console().print(best_response_view(found))
