"""The body of ``detente sweep``: parse the grid, run it, print a table or JSON, save Parquet.

User errors (a bad grid, override, strategy or backend) print one message
and exit with code 2, like ``detente simulate``.
"""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Group
from rich.text import Text

from detente.cli_common import check_format, check_output, fail, print_json, user_errors
from detente.simulate.numbers import INTERVALS
from detente.simulate.profile import parse_assignments
from detente.simulate.render import cell, console, successes, table, wrap
from detente.simulate.summary import NOTES, success_definitions
from detente.strategies import StrategyError
from detente.sweep.grid import SweepError, parse_axis
from detente.sweep.sweep import Sweep, sweep

if TYPE_CHECKING:
    from detente.simulate.from_record import RecordSource


@contextmanager
def _sweep_errors() -> Iterator[None]:
    with user_errors(StrategyError):
        try:
            yield
        except (SweepError, ConnectionError) as err:
            fail(str(err))


def sweep_view(s: Sweep) -> Group:
    """Per grid point: success and stall with intervals, then mean discounted payoffs."""
    first = s.points[0].results
    paths = [a.path for a in s.axes]
    head = Text(
        "\n".join(
            wrap(line)
            for line in (
                f"{first.scenario}: {len(s.points)} grid points x {first.n:,} episodes, seed "
                f"{first.seed} (common random numbers across points)",
                f"success {success_definitions(first.success_counts, first.hold_rounds)['success']}"
                "; reached: the final stage held at some round; held to end: still in force "
                "after the last round",
                f"strategies: {', '.join(f'{p}={spec}' for p, spec in first.profile.items())}",
                INTERVALS + ".",
                f"Payoffs: mean discounted, {NOTES['payoffs']}.",
            )
        )
    )
    outcomes = table(*paths, *successes(first.success_counts), "P(stall)", "median\nsuccess\nround")
    payoffs = table(*paths, *first.parties)
    for point in s.points:
        summary = point.results.summary()
        values = [point.settings[p] for p in paths]
        median = summary.median_success_round
        outcomes.add_row(
            *values,
            cell(summary.reached),
            cell(summary.held_to_end),
            cell(summary.stall),
            "-" if median is None else f"{median:g}",
        )
        payoffs.add_row(*values, *(cell(p.discounted) for p in summary.parties))
    return Group(head, outcomes, payoffs)


def run_sweep(
    scenario: str,
    grid: Sequence[str],
    episodes: int,
    rounds: int | None,
    seed: int,
    strategies: Sequence[str],
    overrides: Sequence[str],
    backend: str,
    address: str | None,
    workers: int | None,
    task_episodes: int,
    out: Path | None,
    fmt: str,
    source: RecordSource | None = None,
) -> None:
    """``detente sweep``: simulate every grid point, print one row per point.

    ``source`` (``--events``, ``--until``): the record mapped on the scenario
    with ``--set``, each grid point replaying its moves on its own numbers."""
    check_format(fmt)
    if out is not None and importlib.util.find_spec("pyarrow") is None:
        fail(f"--out {out}: Parquet output needs pyarrow: pip install 'detente[results]'")
    if out is not None:
        check_output(out)
    from detente.simulate.commands import print_start, record_start, scenario_or_fail, started

    start = None
    if source is not None:
        compiled = scenario_or_fail(scenario, overrides)
        start = record_start(scenario, compiled, source, seed, episodes)
    with _sweep_errors():
        result = sweep(
            scenario,
            [parse_axis(g) for g in grid],
            parse_assignments(strategies),
            episodes,
            rounds,
            seed,
            overrides=overrides,
            backend=backend,
            workers=workers,
            address=address,
            task_episodes=task_episodes,
            start=None if start is None else start.plan,
        )
    if fmt == "json":
        print_json(result.to_dict() | started(start))
    else:
        print_start(start)
        console().print(sweep_view(result))
    if out is not None:
        from detente.sweep.parquet import write_sweep

        write_sweep(result, out)
        sys.stderr.write(f"wrote {out}\n")
