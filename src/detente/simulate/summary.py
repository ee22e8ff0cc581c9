"""Summaries of a simulation: what an analyst asks of a forecast, with its uncertainty.

Proportions carry Wilson score intervals (sound near 0 and 1, where
forecasts of rare breakthroughs live); means carry normal-theory intervals,
which at thousands of episodes are what the central limit theorem
promises. All intervals are 95%.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from detente.dtypes import B8, F64
from detente.simulate.results import Results

Z95 = 1.959963984540054


@dataclass(frozen=True)
class Estimate:
    """A point estimate with its 95% interval (None where one observation cannot give one)."""

    mean: float
    low: float | None
    high: float | None

    def __str__(self) -> str:
        if self.low is None or self.high is None:
            return f"{self.mean:.3g}"
        return f"{self.mean:.3g} [{self.low:.3g}, {self.high:.3g}]"


def mean_ci(x: F64) -> Estimate:
    """Mean with a normal-theory 95% interval."""
    n = int(x.shape[0])
    mean = float(x.mean())
    if n < 2:
        return Estimate(mean, None, None)
    half = Z95 * float(x.std(ddof=1)) / math.sqrt(n)
    return Estimate(mean, mean - half, mean + half)


def proportion_ci(hits: B8) -> Estimate:
    """Share of true values with a Wilson score 95% interval."""
    n = int(hits.shape[0])
    p = float(hits.mean())
    z2 = Z95 * Z95
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    low = 0.0 if p == 0 else max(0.0, centre - half)  # exact bounds, no rounding dust
    high = 1.0 if p == 1 else min(1.0, centre + half)
    return Estimate(p, low, high)


@dataclass(frozen=True)
class StageSummary:
    """How often and how fast a stage was reached; ``by_round[r-1]``: P(reached by round r)."""

    stage: str
    reached: Estimate
    median_round: float | None  # among the episodes that reached it
    by_round: tuple[float, ...]


@dataclass(frozen=True)
class PartySummary:
    """A party's payoff per episode: discounted (what it optimises) and plain totals."""

    party: str
    discounted: Estimate
    total: Estimate


@dataclass(frozen=True)
class CauseSummary:
    """A breakdown rule: firings per episode, and the share of episodes where it fired."""

    rule: str
    per_episode: float
    episodes: float


@dataclass(frozen=True)
class Summary:
    """The forecast: success, stalls, stages, payoffs and what broke talks down.

    ``reached`` is P(success reached at some round), ``held_to_end`` P(success
    in force after the last round: reached and not lost since, or regained);
    ``success`` is whichever of the two the scenario's ``counts`` names
    (``success_counts``). ``held_to_end`` is None for results files written
    before it was recorded; ``median_success_round`` is the round success was
    first reached, among the episodes that reached it.
    """

    scenario: str
    episodes: int
    rounds: int
    seed: int
    profile: dict[str, str]
    success: Estimate
    median_success_round: float | None
    stall: Estimate
    stages: tuple[StageSummary, ...]
    parties: tuple[PartySummary, ...]
    causes: tuple[CauseSummary, ...]  # most frequent first; rules that never fired left out
    reached: Estimate
    held_to_end: Estimate | None
    success_counts: str  # "reached" or "held_to_end": what ``success`` is
    hold_rounds: int | None

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data; parties and stages keyed by id."""
        out = asdict(self)
        out["stages"] = {s.stage: without(asdict(s), "stage") for s in self.stages}
        out["parties"] = {p.party: without(asdict(p), "party") for p in self.parties}
        out["definitions"] = success_definitions(self.success_counts, self.hold_rounds)
        return out


def without(d: dict[str, Any], key: str) -> dict[str, Any]:
    """``d`` less ``key``: records keyed by their own id."""
    return {k: v for k, v in d.items() if k != key}


def _median(x: F64) -> float | None:
    return float(np.median(x)) if x.size else None


def summarise(r: Results) -> Summary:
    """The :class:`Summary` of a set of results."""
    stages = []
    for s, stage in enumerate(r.stages):
        first = r.first_reached[:, s]
        reached = first >= 0
        arrivals = np.bincount(first[reached], minlength=r.rounds + 1)
        by_round = np.cumsum(arrivals)[1:] / r.n
        stages.append(
            StageSummary(
                stage,
                proportion_ci(reached),
                _median(first[reached].astype(float)),
                tuple(float(v) for v in by_round),
            )
        )
    parties = tuple(
        PartySummary(party, mean_ci(r.discounted[:, p]), mean_ci(r.total[:, p]))
        for p, party in enumerate(r.parties)
    )
    firings = r.breakdowns.sum(axis=0)
    causes = tuple(
        CauseSummary(r.rules[q], float(firings[q]) / r.n, float((r.breakdowns[:, q] > 0).mean()))
        for q in np.argsort(-firings, kind="stable")
        if firings[q] > 0
    )
    succeeded = r.success_round >= 0
    ever = proportion_ci(succeeded)
    held = None if r.success_held is None else proportion_ci(r.success_held)
    return Summary(
        scenario=r.scenario,
        episodes=r.n,
        rounds=r.rounds,
        seed=r.seed,
        profile=dict(r.profile),
        success=counted_success(r.success_counts, ever, held),
        median_success_round=_median(r.success_round[succeeded].astype(float)),
        stall=proportion_ci(r.stalls > 0),
        stages=tuple(stages),
        parties=parties,
        causes=causes,
        reached=ever,
        held_to_end=held,
        success_counts=r.success_counts,
        hold_rounds=r.hold_rounds,
    )


def counted_success(counts: str, reached: Estimate, held: Estimate | None) -> Estimate:
    """What "success" means under the scenario's ``counts``: reached, or held to the end."""
    if counts == "reached":
        return reached
    if held is None:
        raise ValueError(
            "the scenario counts success held to the end, but these results do not record it"
        )
    return held


def success_definitions(counts: str, hold_rounds: int | None) -> dict[str, str]:
    """What P(reached) and P(held to end) mean, and which one is "success", in words."""
    held = f"{hold_rounds} rounds" if hold_rounds else "hold_rounds rounds"
    return {
        "reached": f"final stage held {held} in a row, unstalled, criteria met, at some round",
        "held_to_end": "in force after the last round: reached and not lost since, or regained",
        "success": f"counts {counts.replace('_', ' ')} (roadmap.success.counts)",
    }
