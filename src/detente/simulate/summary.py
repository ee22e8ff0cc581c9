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
        """``0.415 (0.405 to 0.425)``, rounded to the interval's precision."""
        from detente.simulate.numbers import estimate

        return estimate(self)


@dataclass(frozen=True)
class Moments:
    """Count, mean and sum of squared deviations: what a mean's interval needs, mergeable."""

    n: int
    mean: float
    m2: float

    @staticmethod
    def of(x: F64) -> Moments:
        mean = float(x.mean())
        d = x - mean
        return Moments(int(x.shape[0]), mean, float(np.add.reduce(d * d)))

    def merge(self, other: Moments) -> Moments:
        """The moments of both samples together (Chan, Golub and LeVeque's update)."""
        if self.n == 0:
            return other
        n = self.n + other.n
        delta = other.mean - self.mean
        mean = self.mean + delta * other.n / n
        return Moments(n, mean, self.m2 + other.m2 + delta * delta * self.n * other.n / n)

    def estimate(self) -> Estimate:
        """The mean with a normal-theory 95% interval."""
        if self.n < 2:
            return Estimate(self.mean, None, None)
        half = Z95 * math.sqrt(self.m2 / (self.n - 1)) / math.sqrt(self.n)
        return Estimate(self.mean, self.mean - half, self.mean + half)


def mean_ci(x: F64) -> Estimate:
    """Mean with a normal-theory 95% interval."""
    return Moments.of(x).estimate()


def proportion_ci(hits: B8) -> Estimate:
    """Share of true values with a Wilson score 95% interval."""
    return proportion(int(np.count_nonzero(hits)), int(hits.shape[0]))


def proportion(k: int, n: int) -> Estimate:
    """``k`` hits of ``n`` with a Wilson score 95% interval."""
    return wilson(k / n, n)


def wilson(p: float, n: float, z: float = Z95) -> Estimate:
    """A share ``p`` of ``n`` observations with its Wilson score interval at critical value
    ``z``; ``n`` may be an effective sample size (not a whole number)."""
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
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


TRUST = "(trust)"
"""How tables name the pseudo-cause trust below a threshold, which is no party's act (the
parentheses keep it apart from party ids, which cannot have them)."""


@dataclass(frozen=True)
class Triggers:
    """How often one party's acts (or trust below a threshold) triggered breakdowns: the
    triggers per episode, and the share of episodes with at least one."""

    per_episode: float
    episodes: float


@dataclass(frozen=True)
class Triggered:
    """Who triggered a rule, or a kind of rules: ``by`` each party (every party, in the
    scenario's order), and ``trust`` below a threshold (None when it never did)."""

    by: dict[str, Triggers]
    trust: Triggers | None

    def triggerers(self) -> list[tuple[str, Triggers]]:
        """Who triggered it at least once: parties in the scenario's order, then :data:`TRUST`."""
        found = [(party, x) for party, x in self.by.items() if x.per_episode > 0]
        return found + ([(TRUST, self.trust)] if self.trust is not None else [])


@dataclass(frozen=True)
class Attribution:
    """Whose acts triggered the breakdowns: per rule that fired (most frequent first, as
    :attr:`Summary.causes`), and over the rules that send the process ``back`` and those
    that ``stall`` it. One firing met by two parties' acts counts for both."""

    rules: dict[str, Triggered]
    back: Triggered
    stall: Triggered


@dataclass(frozen=True)
class Horizon:
    """Where the episodes are after the last round, and where their rounds were spent.

    ``final_stage[s]``: P(in stage ``s`` after the last round); ``stalled_at_end``:
    P(stalled then); ``rounds_share[s]``: the share of all rounds played in stage
    ``s`` (None for results files written before it was recorded).
    """

    final_stage: dict[str, Estimate]
    stalled_at_end: Estimate
    rounds_share: dict[str, float] | None


MONTE_CARLO_ONLY = (
    "the Monte Carlo error only (the episodes simulated), not the uncertainty of the "
    "scenario's numbers"
)
"""What a plain forecast's intervals cover: the one source of the sentence, for tables and JSON."""

NOTES = {
    "intervals": f"every interval is 95% and covers {MONTE_CARLO_ONLY}",
    "by_round": "stages.*.by_round[r-1]: P(the stage was reached by round r, at any time "
    "up to r), not P(in the stage at round r)",
    "payoffs": "in each party's own utility units (the scenario's utilities): compare a "
    "party's payoffs across runs and strategies, never one party's with another's",
    "discounted": "discounted payoff: the sum of each round's utility times discount^(round-1), "
    "what a party optimises; total: the plain sum",
}
"""What the numbers of a summary mean, in words, for readers of its JSON and tables."""

ATTRIBUTION_NOTE = (
    "by[party]: the firings of a breakdown rule that the party's acts met (the trigger's "
    "executed actions, the provocations it counted, the violation of an agreement), per "
    "episode, and the share of episodes with at least one; a firing met by two parties counts "
    "for both; trust: the firings in which trust below a threshold did (no party's act)"
)
"""What attribution's numbers mean, carried in the JSON with them."""


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
    horizon: Horizon
    attribution: Attribution | None = None  # None for results files written before it

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data; parties and stages keyed by id."""
        out = asdict(self)
        out["stages"] = {s.stage: without(asdict(s), "stage") for s in self.stages}
        out["parties"] = {p.party: without(asdict(p), "party") for p in self.parties}
        out["definitions"] = success_definitions(self.success_counts, self.hold_rounds)
        out["notes"] = dict(NOTES)
        if self.attribution is not None:
            out["attribution"]["note"] = ATTRIBUTION_NOTE
        return out


def without(d: dict[str, Any], key: str) -> dict[str, Any]:
    """``d`` less ``key``: records keyed by their own id."""
    return {k: v for k, v in d.items() if k != key}


def summarise(r: Results) -> Summary:
    """The :class:`Summary` of a set of results (folded block by block, as a stream is)."""
    from detente.simulate.tally import Tally

    return Tally.of(r).summary()


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
