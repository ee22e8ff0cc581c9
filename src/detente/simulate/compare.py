"""Paired comparison of strategy profiles on common random numbers.

Every profile plays the same episodes with the same seed, so episode ``e``
meets the same monitoring errors and trembles whatever the strategies (as
far as the same draws are asked for). Differences are then taken episode by
episode, and their intervals are those of a paired design: much narrower
than comparing two independent forecasts.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from detente.dtypes import F64, I64
from detente.scenario.compiled import CompiledScenario
from detente.simulate.numbers import INTERVALS
from detente.simulate.profile import Assignment
from detente.simulate.replay import Replay
from detente.simulate.results import Results
from detente.simulate.runner import DEFAULT_CHUNK, Progress, simulate
from detente.simulate.summary import Estimate, Summary, counted_success, without
from detente.simulate.summary import mean_ci as plain_mean_ci


@dataclass(frozen=True)
class Difference:
    """A profile minus the baseline, episode by episode: success and each party's payoffs.

    ``reached`` and ``held_to_end`` are the differences in success reached and
    in success held to the end (None when a results file lacks it);
    ``success`` is the one the scenario counts.
    """

    profile: str
    success: Estimate
    discounted: dict[str, Estimate]
    total: dict[str, Estimate]
    reached: Estimate
    held_to_end: Estimate | None


@dataclass(frozen=True)
class Comparison:
    """Summaries of every profile, and each one's paired difference from the first."""

    baseline: str
    summaries: dict[str, Summary]
    differences: tuple[Difference, ...]
    intervals: str = INTERVALS  # what the (a to b) intervals cover

    def to_dict(self) -> dict[str, Any]:
        return {
            "baseline": self.baseline,
            "intervals": self.intervals,
            "profiles": {name: s.to_dict() for name, s in self.summaries.items()},
            "differences": {d.profile: without(asdict(d), "profile") for d in self.differences},
        }


def paired_difference(
    name: str, results: Results, baseline: Results, draws: I64 | None = None
) -> Difference:
    """``results - baseline`` per episode; both must cover the same episodes.

    ``draws``: each episode's draw of uncertain numbers; the intervals then count the
    episodes of a draw as clustered (:mod:`detente.simulate.clustered`)."""
    if draws is None:
        mean_ci = plain_mean_ci
    else:
        from detente.simulate.clustered import clustered_mean_ci

        def mean_ci(x: F64) -> Estimate:
            return clustered_mean_ci(x, draws)

    if (
        results.episodes.shape != baseline.episodes.shape
        or (results.episodes != baseline.episodes).any()
    ):
        raise ValueError("paired differences need the same episodes in both results")
    reached = mean_ci((results.success_round >= 0).astype(float) - (baseline.success_round >= 0))
    held = (
        None
        if results.success_held is None or baseline.success_held is None
        else mean_ci(results.success_held.astype(float) - baseline.success_held)
    )
    return Difference(
        name,
        counted_success(results.success_counts, reached, held),
        {
            p: mean_ci(results.discounted[:, i] - baseline.discounted[:, i])
            for i, p in enumerate(results.parties)
        },
        {
            p: mean_ci(results.total[:, i] - baseline.total[:, i])
            for i, p in enumerate(results.parties)
        },
        reached,
        held,
    )


def compare(
    compiled: CompiledScenario,
    profiles: Mapping[str, Assignment | None],
    episodes: int = 1000,
    rounds: int | None = None,
    seed: int = 0,
    *,
    chunk: int = DEFAULT_CHUNK,
    progress: Progress | None = None,
    start: Replay | None = None,
) -> Comparison:
    """Run every named profile on the same episodes and seed; the first is the baseline.

    ``start``: every profile's episodes begin at a replayed state (``simulate``)."""
    if len(profiles) < 2:
        raise ValueError("compare needs at least two profiles")
    results = {
        name: simulate(
            compiled,
            assignment,
            episodes,
            rounds,
            seed,
            chunk=chunk,
            progress=progress,
            start=start,
        )
        for name, assignment in profiles.items()
    }
    return comparison_of(results)


def comparison_of(
    results: Mapping[str, Results],
    summaries: Mapping[str, Summary] | None = None,
    draws: I64 | None = None,
    intervals: str = INTERVALS,
) -> Comparison:
    """Summaries of the profiles' results (of the same episodes; given, or the results' own)
    and the paired differences of each from the first (clustered by ``draws``, if given)."""
    baseline, *others = results
    return Comparison(
        baseline,
        dict(summaries) if summaries is not None else {n: r.summary() for n, r in results.items()},
        tuple(paired_difference(name, results[name], results[baseline], draws) for name in others),
        intervals,
    )
