"""Progress and a time and memory estimate on stderr, at a terminal or piped.

At a terminal a long run shows a bar; piped (CI logs, ``2> log``) it writes
a plain line every :data:`EVERY` seconds. Either way, once the pace is known
(after the first rounds, the engine compiled) a run expected to take more
than :data:`ESTIMATE_FROM` seconds says how long and how much memory, once.
``quiet`` silences all of it.
"""

from __future__ import annotations

import resource
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeRemainingColumn

from detente.scenario.compiled import CompiledScenario

PROGRESS_FROM = 2_000_000  # episode-rounds: below this a run is over before progress helps
ESTIMATE_FROM = 10.0  # seconds
EVERY = 10.0  # seconds between plain progress lines
PACE_AFTER = 0.5  # seconds of play before the pace is trusted
OnProgress = Callable[[int], None]


def bytes_per_episode(compiled: CompiledScenario, rounds: int, trajectories: bool) -> int:
    """What :class:`detente.simulate.record.Recorder` keeps per episode."""
    P, S, Q = compiled.n_parties, len(compiled.stages), len(compiled.rules)
    ints = 8 * (6 + 2 * S + Q)  # episode, rounds, stages, stalls, losses; per stage; per rule
    triggers = 4 * Q * (P + 1)  # per rule, by party and trust
    per_round = rounds * (2 + 4 * P * P) if trajectories else 0
    return ints + triggers + 2 + 16 * P + per_round


def _mb(n: float) -> str:
    return f"{n / 1e6:,.0f} MB"


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


class Meter:
    """Counts episode-rounds played; announces the estimate once and, piped, plain lines."""

    def __init__(self, work: int, held_bytes: int, write: Callable[[str], None], plain: bool):
        self.work, self.held_bytes, self.write, self.plain = work, held_bytes, write, plain
        self.done = 0
        self.start: float | None = None  # the first report: the engine is compiled by then
        self.from_done = 0
        self.announced = False
        self.last_line = time.monotonic()

    def __call__(self, n: int) -> None:
        now = time.monotonic()
        self.done += n
        if self.start is None:
            self.start, self.from_done = now, self.done
            return
        elapsed = now - self.start
        if elapsed < PACE_AFTER:
            return
        left = (self.work - self.done) * elapsed / max(self.done - self.from_done, 1)
        if not self.announced:
            self.announced = True
            if elapsed + left > ESTIMATE_FROM:
                rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
                self.write(
                    f"estimate: about {_duration(elapsed + left)} for {self.work:,} "
                    f"episode-rounds; memory about {_mb(rss + self.held_bytes)} "
                    f"({_mb(rss)} now, {_mb(self.held_bytes)} of results to come)"
                )
        if self.plain and now - self.last_line >= EVERY and self.done < self.work:
            self.last_line = now
            self.write(
                f"simulating: {100 * self.done / self.work:.0f}% ({self.done:,} of "
                f"{self.work:,} episode-rounds), about {_duration(left)} left"
            )


@contextmanager
def progress(work: int, held_bytes: int, quiet: bool) -> Iterator[OnProgress | None]:
    """A callback for :func:`detente.simulate.simulate`'s ``progress``, or None when quiet."""
    if quiet:
        yield None
        return
    console = Console(stderr=True)
    if not console.is_terminal or work < PROGRESS_FROM:

        def line(text: str) -> None:
            sys.stderr.write(text + "\n")
            sys.stderr.flush()

        yield Meter(work, held_bytes, line, plain=work >= PROGRESS_FROM)
        return
    with Progress(
        TextColumn("simulating"),
        BarColumn(),
        TaskProgressColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("simulating", total=work)
        meter = Meter(work, held_bytes, lambda text: bar.console.print(text, markup=False), False)

        def advance(n: int) -> None:
            meter(n)
            bar.advance(task, n)

        yield advance
