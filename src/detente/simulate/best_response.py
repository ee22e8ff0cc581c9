"""The best response of one party to the others' strategies, found by simulation.

Each candidate strategy for the party plays the same episodes with the same
seed against the same strategies of the others (common random numbers);
the candidate with the highest mean discounted utility of the party is its
best response among them. Differences from the best are paired, episode by
episode, so a candidate whose interval of "best minus it" lies above zero
is worse with confidence, and one whose interval covers zero is not
distinguishable from the best at these episodes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from detente.scenario.compiled import CompiledScenario
from detente.simulate.profile import Assignment
from detente.simulate.replay import Replay
from detente.simulate.runner import Progress, simulate
from detente.simulate.summary import Estimate, mean_ci, proportion_ci
from detente.strategies import StrategyError, get_strategy, strategy_names
from detente.strategies.registry import strategy_class

SELF = "best_response"  # never a candidate of its own: it would search for itself
NOT_CANDIDATES = frozenset({SELF})


@dataclass(frozen=True)
class Candidate:
    """One candidate's record: the party's mean discounted utility, the best minus it (paired),
    and P(success) under it."""

    spec: str
    discounted: Estimate
    shortfall: Estimate  # best minus this candidate, episode by episode (0 for the best)
    success: Estimate


@dataclass(frozen=True)
class BestResponse:
    """The candidates in the order given, and the best of them (the first among equals)."""

    scenario: str
    party: str
    against: dict[str, str]  # the others' strategies, as played
    episodes: int
    rounds: int
    seed: int
    candidates: tuple[Candidate, ...]
    best: str
    success_counts: str = "reached"  # what a candidate's P(success) is: reached, held_to_end

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["candidates"] = [asdict(c) for c in self.candidates]
        return out


def default_candidates(compiled: CompiledScenario, party: str) -> list[str]:
    """Every library strategy with its default parameters that can play ``party``.

    Strategies registered outside the library (a user's, a test's) are candidates only
    when named: one written for another scenario may fail here only when it moves.
    """
    p = _party_index(compiled, party)
    found = []
    for name in strategy_names():
        library = strategy_class(name).__module__.startswith("detente.")
        if name in NOT_CANDIDATES or not library:
            continue
        try:
            get_strategy(name).build(compiled, p)
        except (StrategyError, TypeError):
            continue  # it needs a parameter, or something the party lacks (a deal)
        found.append(name)
    return found


def best_response(
    compiled: CompiledScenario,
    party: str,
    candidates: Sequence[str] | None = None,
    against: Assignment | None = None,
    episodes: int = 1000,
    rounds: int | None = None,
    seed: int = 0,
    *,
    progress: Progress | None = None,
    start: Replay | None = None,
) -> BestResponse:
    """Simulate every candidate spec for ``party`` against ``against`` (the others' strategies;
    those left out play their default) and pick the one of highest mean discounted utility.

    ``candidates`` default to :func:`default_candidates`. Deterministic for a seed.
    ``start``: every episode begins at a replayed state (``simulate``).
    """
    p = _party_index(compiled, party)
    given = dict(against or {})
    if party in given:
        raise StrategyError(f"{party} is the party whose best response is sought: do not fix it")
    specs = list(candidates) if candidates is not None else default_candidates(compiled, party)
    if not specs:
        raise StrategyError(f"no candidate strategy for {party}")
    for spec in specs:
        if get_strategy(spec).name in NOT_CANDIDATES:
            raise StrategyError(f"{spec} cannot be a candidate: it would search for itself")
    if len(set(specs)) != len(specs):
        raise StrategyError(f"candidates are given twice: {', '.join(specs)}")
    horizon = compiled.scenario.rounds if rounds is None else rounds
    runs = []
    for spec in specs:
        results = simulate(
            compiled,
            {**given, party: spec},
            episodes,
            horizon,
            seed,
            progress=progress,
            start=start,
        )
        runs.append((spec, results.discounted[:, p], results.succeeded, results.profile))
    means = [float(np.mean(utility)) for _, utility, _, _ in runs]
    best = int(np.argmax(means))  # the first of equals
    top = runs[best][1]
    records = tuple(
        Candidate(spec, mean_ci(utility), mean_ci(top - utility), proportion_ci(won))
        for spec, utility, won, _ in runs
    )
    profile = runs[best][3]
    return BestResponse(
        scenario=compiled.scenario.id,
        party=party,
        against={q: s for q, s in profile.items() if q != party},
        episodes=episodes,
        rounds=horizon,
        seed=seed,
        candidates=records,
        best=runs[best][0],
        success_counts=compiled.scenario.roadmap.success.counts,
    )


def _party_index(compiled: CompiledScenario, party: str) -> int:
    if party not in compiled.parties:
        known = ", ".join(compiled.parties)
        raise StrategyError(f"no party {party} in scenario {compiled.scenario.id} ({known})")
    return compiled.parties.index(party)
