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
from rich.table import Table
from rich.text import Text

from detente.cli_common import check_format, fail, print_json, user_errors
from detente.simulate.profile import parse_assignments
from detente.simulate.render import console
from detente.simulate.summary import Estimate, success_definitions
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


def _pm(e: Estimate) -> str:
    """``mean ± half-width``: compact enough for six parties in one row."""
    if e.low is None or e.high is None:
        return f"{e.mean:.4g}"
    return f"{e.mean:.3g} ± {(e.high - e.low) / 2:.1g}"


def _ci(e: Estimate) -> str:
    return "-" if e.low is None or e.high is None else f"[{e.low:.3f}, {e.high:.3f}]"


def sweep_view(s: Sweep) -> Group:
    """Per grid point: success and stall with intervals, then mean discounted payoffs."""
    first = s.points[0].results
    paths = [a.path for a in s.axes]
    head = Text(
        f"{first.scenario}: {len(s.points)} grid points x {first.n} episodes, seed {first.seed} "
        "(common random numbers across points)\n"
        f"success {success_definitions(first.success_counts, first.hold_rounds)['success']}; "
        "reached: the final stage held at some round; "
        "held to end: still in force after the last round\n"
        f"strategies: {', '.join(f'{p}={spec}' for p, spec in first.profile.items())}"
    )
    outcomes = Table(
        *paths,
        "P(success)",
        "95% CI",
        "P(reached)",
        "95% CI",
        "P(held to end)",
        "95% CI",
        "P(stall)",
        "95% CI",
        "median success round",
    )
    payoffs = Table(*paths, *first.parties, title="mean discounted payoff ± 95% half-width")
    for point in s.points:
        summary = point.results.summary()
        values = [point.settings[p] for p in paths]
        median = summary.median_success_round
        outcomes.add_row(
            *values,
            f"{summary.success.mean:.3f}",
            _ci(summary.success),
            f"{summary.reached.mean:.3f}",
            _ci(summary.reached),
            "-" if summary.held_to_end is None else f"{summary.held_to_end.mean:.3f}",
            "-" if summary.held_to_end is None else _ci(summary.held_to_end),
            f"{summary.stall.mean:.3f}",
            _ci(summary.stall),
            "-" if median is None else f"{median:g}",
        )
        payoffs.add_row(*values, *(_pm(p.discounted) for p in summary.parties))
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
