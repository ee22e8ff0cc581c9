"""``detente simulate`` and ``compare`` over uncertain numbers: ``--draws`` and ``--posterior``.

A scenario with distributions, or ``--posterior FILE``, is run as K draws of
its uncertain numbers, M = ceil(E / K) episodes each
(:mod:`detente.simulate.draws`). The table and JSON are the forecast of
:mod:`detente.simulate.uncertainty`: the pooled summary with Monte Carlo
intervals over episodes clustered in draws, and the parameter intervals.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from detente.cli_common import check_output, fail, print_json, user_errors
from detente.scenario.posterior import PosteriorError
from detente.scenario.uncertain import UncertainScenario, load_uncertain
from detente.simulate.compare import Comparison, comparison_of
from detente.simulate.draws import (
    DEFAULT_DRAWS,
    DrawnRun,
    StartFor,
    episodes_per_draw,
    simulate_draws,
)
from detente.simulate.parameters import (
    Distributions,
    ParameterError,
    ParameterSource,
    read_posterior,
)
from detente.simulate.profile import Assignment
from detente.simulate.progress import bytes_per_episode, progress
from detente.simulate.render import console
from detente.simulate.results import Results
from detente.simulate.runner import Progress
from detente.simulate.summary import Summary
from detente.strategies import StrategyError

if TYPE_CHECKING:
    from detente.scenario.compiled import CompiledScenario
    from detente.simulate.from_record import RecordSource, RecordStart
    from detente.simulate.replay import Replay
    from detente.simulate.uncertainty import DrawTable


def uncertain_or_fail(scenario: str, overrides: Sequence[str]) -> UncertainScenario:
    with user_errors():
        return load_uncertain(scenario, overrides)


def drawn(uncertain: UncertainScenario, draws: int | None, posterior: Path | None) -> bool:
    """Whether the run is over draws; exit 2 for ``--draws``/``--posterior`` that make no sense."""
    if posterior is not None and uncertain.numbers:
        fail(
            f"--posterior {posterior}: the scenario also has distributions "
            f"({', '.join(uncertain.paths)}); the posterior gives the uncertain numbers: "
            "fix these with --set PATH=VALUE"
        )
    if draws is not None and not uncertain.numbers and posterior is None:
        fail(
            f"--draws {draws}: the scenario has no distributions and there is no --posterior: "
            "nothing to draw (write a number as e.g. --set noise.miss='beta(2,30)')"
        )
    return bool(uncertain.numbers) or posterior is not None


def parameter_source(uncertain: UncertainScenario, posterior: Path | None) -> ParameterSource:
    if posterior is None:
        return Distributions(uncertain.numbers)
    with user_errors(PosteriorError):
        return read_posterior(posterior, uncertain)


def draws_and_size(episodes: int, draws: int | None) -> tuple[int, int]:
    """K (by default :data:`DEFAULT_DRAWS`, or one per episode when there are fewer) and M;
    exit 2 when ``--draws`` asks for more draws than episodes."""
    if draws is not None and draws > episodes:
        fail(f"--draws {draws} is more than --episodes {episodes}: each draw needs an episode")
    k = min(DEFAULT_DRAWS, episodes) if draws is None else draws
    return k, episodes_per_draw(episodes, k)


def record_starts(
    scenario: str, uncertain: UncertainScenario, source: RecordSource | None, seed: int, m: int
) -> tuple[RecordStart | None, StartFor | None]:
    """The nominal scenario's start (what the output describes), and each draw's."""
    if source is None:
        return None, None
    from detente.backtest.runner import BacktestError
    from detente.record.errors import RecordError
    from detente.scenario.compiled import compile_scenario
    from detente.simulate.from_record import start_for, start_from_record

    with user_errors(RecordError, BacktestError):
        nominal = compile_scenario(uncertain.nominal)
        mapped = source.mapped(scenario, nominal)
        start = start_for(scenario, nominal, source, seed=seed, episodes=m, mapped=mapped)
    assert start is not None  # a source gives a start

    def each(compiled: CompiledScenario, episodes: int, first: int) -> Replay:
        played = start_from_record(
            compiled, mapped, source.until, seed=seed, episodes=episodes, first_episode=first
        )
        return played.played

    return start, each


def draws_path(out: Path) -> Path:
    """Where each draw's values go next to ``results.parquet``: ``results.draws.parquet``."""
    return out.with_name(f"{out.stem}.draws{out.suffix or '.parquet'}")


def write_draws(run: DrawnRun, table: DrawTable, out: Path) -> list[Path]:
    """The episodes (with a ``draw`` column) and the per-draw table next to them."""
    from detente.simulate.parquet import write_parquet
    from detente.simulate.uncertainty_files import write_draws as write_draw_table

    assert run.results is not None  # kept for --out
    written = write_parquet(run.results, out, draws=run.draw_of(run.results.episodes))
    write_draw_table(table, draws_path(out))
    return [*written, draws_path(out)]


def run_drawn_simulate(
    scenario: str,
    uncertain: UncertainScenario,
    *,
    episodes: int,
    rounds: int | None,
    seed: int,
    profile: Assignment | None,
    draws: int | None,
    posterior: Path | None,
    out: Path | None,
    trajectories: bool,
    fmt: str,
    quiet: bool,
    source: RecordSource | None,
) -> None:
    """``detente simulate`` of a scenario with distributions, or with ``--posterior``."""
    from detente.scenario.compiled import compile_scenario
    from detente.simulate.commands import print_start, started
    from detente.simulate.uncertainty import uncertain_summary
    from detente.simulate.uncertainty_view import uncertain_view

    params = parameter_source(uncertain, posterior)
    k, m = draws_and_size(episodes, draws)
    if out is not None:
        check_output(draws_path(out), "--out (the draws' values)")
    start, each = record_starts(scenario, uncertain, source, seed, m)
    with user_errors(StrategyError, ParameterError):
        compiled = compile_scenario(uncertain.nominal)
    horizon = rounds or uncertain.nominal.rounds
    per_episode = bytes_per_episode(compiled, horizon, trajectories)
    held = per_episode * (episodes if out is not None else min(episodes, m))
    with (
        user_errors(StrategyError, ParameterError),
        progress(episodes * horizon, held, quiet) as meter,
    ):
        run = simulate_draws(
            uncertain,
            params,
            profile,
            episodes,
            k,
            horizon,
            seed,
            progress=meter,
            start=each,
            keep=out is not None,
            trajectories=trajectories,
        )
    forecast = uncertain_summary(run)
    if fmt == "json":
        print_json(forecast.to_dict() | started(start))
    else:
        print_start(start)
        console().print(uncertain_view(forecast))
    if out is not None:
        for path in write_draws(run, forecast.spread.table, out):
            sys.stderr.write(f"wrote {path}\n")


def compare_draws(
    uncertain: UncertainScenario,
    profiles: Mapping[str, Assignment | None],
    episodes: int,
    draws: int,
    rounds: int | None,
    seed: int,
    *,
    progress: Progress | None = None,
    start: StartFor | None = None,
    source: ParameterSource | None = None,
) -> Comparison:
    """Every profile on the same draws of the uncertain numbers (``source``'s, by default the
    scenario's distributions) and the same engine noise (common random numbers), with
    paired differences episode by episode."""
    source = Distributions(uncertain.numbers) if source is None else source
    from detente.simulate.clustered import clustered_summary
    from detente.simulate.uncertainty import DRAWS_MONTE_CARLO

    results: dict[str, Results] = {}
    summaries: dict[str, Summary] = {}
    for name, assignment in profiles.items():
        run = simulate_draws(
            uncertain,
            source,
            assignment,
            episodes,
            draws,
            rounds,
            seed,
            progress=progress,
            start=start,
            keep=True,
        )
        assert run.results is not None
        results[name], summaries[name] = run.results, clustered_summary(run)
    return comparison_of(
        results,
        summaries,
        run.draw_of(results[name].episodes),
        f"(a to b): the 95% interval of {DRAWS_MONTE_CARLO}",
    )
