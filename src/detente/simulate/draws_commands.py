"""``detente simulate`` and ``compare`` over uncertain numbers: ``--draws`` and ``--posterior``.

A scenario with distributions, or ``--posterior FILE``, is run as K draws of
its uncertain numbers, M = ceil(E / K) episodes each
(:mod:`detente.simulate.draws`). The table and JSON show the pooled summary
and a short block on the draws: each number's drawn values and P(success)
across the draws.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from detente.cli_common import check_output, fail, print_json, user_errors
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
from detente.simulate.render import console, summary_view, wrap
from detente.simulate.results import Results
from detente.simulate.runner import Progress
from detente.strategies import StrategyError

if TYPE_CHECKING:
    from detente.scenario.compiled import CompiledScenario
    from detente.simulate.from_record import RecordSource, RecordStart
    from detente.simulate.replay import Replay

QUANTILES = (0.05, 0.5, 0.95)


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
    with user_errors(ParameterError):
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
        start = start_for(scenario, nominal, source, seed=seed, episodes=m)
        mapped = source.mapped(scenario, nominal)
    assert start is not None  # a source gives a start

    def each(compiled: CompiledScenario, episodes: int) -> Replay:
        played = start_from_record(compiled, mapped, source.until, seed=seed, episodes=episodes)
        return played.played

    return start, each


def per_draw(run: DrawnRun) -> dict[str, Any]:
    """The draws, JSON-ready: each draw's values and P(success), and their quantiles."""
    success = [t.summary().success.mean for t in run.tallies]
    return {
        "draws": run.draws,
        "episodes_per_draw": run.episodes_per_draw,
        "paths": list(run.paths),
        "distributions": list(run.described),
        "values": run.values.tolist(),
        "success": success,
        "quantiles": {
            "levels": list(QUANTILES),
            "values": {
                p: np.quantile(run.values[:, j], QUANTILES).tolist()
                for j, p in enumerate(run.paths)
            },
            "success": np.quantile(success, QUANTILES).tolist(),
        },
        "note": (
            "success intervals of the summary are Monte Carlo error of the pooled episodes; "
            "the spread of success across draws comes from the uncertain numbers, plus each "
            "draw's own sampling noise"
        ),
    }


def draws_lines(run: DrawnRun) -> list[str]:
    """A short block on the draws under the summary table."""
    block = per_draw(run)
    q = block["quantiles"]
    lines = [
        wrap(
            f"uncertain numbers: {run.draws} draws x {run.episodes_per_draw} episodes "
            "(5%, median and 95% of the drawn values)"
        )
    ]
    for path, described in zip(run.paths, run.described, strict=True):
        lo, mid, hi = q["values"][path]
        lines.append(wrap(f"  {path} ~ {described}: {lo:.3g}, {mid:.3g}, {hi:.3g}", "    "))
    lo, mid, hi = q["success"]
    lines.append(
        wrap(
            f"P(success) across draws: median {mid:.3f}, 5% to 95% of draws {lo:.3f} to "
            f"{hi:.3f}. The interval above is Monte Carlo error only; this spread comes from "
            f"the uncertain numbers (and each draw's {run.episodes_per_draw} episodes).",
        )
    )
    return lines


def draws_path(out: Path) -> Path:
    """Where each draw's values go next to ``results.parquet``: ``results.draws.parquet``."""
    return out.with_name(f"{out.stem}.draws{out.suffix or '.parquet'}")


def write_draws(run: DrawnRun, out: Path) -> list[Path]:
    """The episodes (with a ``draw`` column) and the per-draw values next to them."""
    import pyarrow as pa

    from detente.simulate.parquet import write_parquet, write_table

    assert run.results is not None  # kept for --out
    written = write_parquet(run.results, out, draws=run.draw_of(run.results.episodes))
    values = {p: pa.array(run.values[:, j]) for j, p in enumerate(run.paths)}
    draws = pa.table(
        {
            "draw": pa.array(np.arange(run.first_draw, run.first_draw + run.draws)),
            **values,
            "success": pa.array(per_draw(run)["success"]),
        }
    )
    write_table(draws, draws_path(out))
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
    if fmt == "json":
        print_json(run.pooled.to_dict() | {"parameters": per_draw(run)} | started(start))
    else:
        print_start(start)
        console().print(summary_view(run.pooled))
        console().print("\n".join(draws_lines(run)), markup=False)
    if out is not None:
        for path in write_draws(run, out):
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
) -> Comparison:
    """Every profile on the same draws of the uncertain numbers and the same engine noise
    (common random numbers), with paired differences episode by episode."""
    source = Distributions(uncertain.numbers)
    results: dict[str, Results] = {}
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
        results[name] = run.results
    return comparison_of(results)
