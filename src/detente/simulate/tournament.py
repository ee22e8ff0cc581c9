"""Round-robin tournaments on two-party scenarios, every match and repetition in one batch.

Axelrod's tournaments play match after match; here each (pair, repetition)
is one episode and the whole tournament is a single simulation, with each
player's strategy chosen per episode (:class:`~detente.strategies.Assortment`).
Episode ``e`` is repetition ``e // len(pairs)`` of match ``pairs[e % len(pairs)]``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from detente.dtypes import F64, I64
from detente.scenario.compiled import CompiledScenario
from detente.simulate.results import Results
from detente.simulate.runner import DEFAULT_CHUNK, simulate
from detente.strategies import Assortment, StrategyFactory, get_strategy


@dataclass(frozen=True, eq=False)
class Tournament:
    """A played tournament: the strategies, the matches, and every episode's results."""

    strategies: tuple[str, ...]
    pairs: I64  # [matches, 2] strategy indices of the first and second player
    repetitions: int
    results: Results

    def match_scores(self) -> F64:
        """``[repetitions, matches, 2]``: each player's total score in each match."""
        return self.results.total.reshape(self.repetitions, self.pairs.shape[0], 2)

    def normalised_scores(self) -> F64:
        """``[strategies, repetitions]``: mean score per turn against the others.

        Self-play is played but left out, as in axelrod's ``normalised_scores``.
        """
        scores = self.match_scores() / self.results.rounds
        out = np.empty((len(self.strategies), self.repetitions))
        for s in range(len(self.strategies)):
            first = (self.pairs[:, 0] == s) & (self.pairs[:, 1] != s)
            second = (self.pairs[:, 1] == s) & (self.pairs[:, 0] != s)
            mine = np.concatenate([scores[:, first, 0], scores[:, second, 1]], axis=1)
            out[s] = mine.mean(axis=1)
        return out

    def mean_scores(self) -> dict[str, float]:
        """Each strategy's normalised score, averaged over repetitions."""
        means = self.normalised_scores().mean(axis=1)
        return {name: float(m) for name, m in zip(self.strategies, means, strict=True)}


def round_robin(
    compiled: CompiledScenario,
    strategies: Sequence[str | StrategyFactory],
    repetitions: int = 1,
    rounds: int | None = None,
    seed: int = 0,
    *,
    ordered: bool = False,
    chunk: int = DEFAULT_CHUNK,
) -> Tournament:
    """Every strategy meets every strategy, itself included.

    ``ordered=False`` plays each unordered pair once (as axelrod does);
    ``ordered=True`` plays both seatings of every pair.
    """
    if compiled.n_parties != 2:
        raise ValueError(
            f"a round robin needs a two-party scenario; {compiled.scenario.id} has "
            f"{compiled.n_parties}"
        )
    factories = [get_strategy(s) if isinstance(s, str) else s for s in strategies]
    n = len(factories)
    pairs = np.array(
        [(i, j) for i in range(n) for j in range(n) if ordered or i <= j], dtype=np.int64
    )
    first, second = compiled.parties
    profile = {
        first: Assortment(tuple(factories), tuple(int(i) for i in pairs[:, 0])),
        second: Assortment(tuple(factories), tuple(int(j) for j in pairs[:, 1])),
    }
    results = simulate(compiled, profile, repetitions * len(pairs), rounds, seed, chunk=chunk)
    return Tournament(tuple(str(f) for f in factories), pairs, repetitions, results)
