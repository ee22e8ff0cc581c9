"""A strategy that plays its party's best response to the others, found by simulation.

When it is built for a party, it runs :func:`detente.simulate.best_response.best_response`
(every candidate against the others' strategies on common random numbers)
and then plays the winner. The search is done once per scenario, party and
parameters in a process (sweeps build a profile per task). It is the one
strategy that builds on the simulator, which builds on the strategies, so it
imports it when it is built, not when the library is imported.
"""

from __future__ import annotations

import hashlib
import math

from detente.scenario.compiled import CompiledScenario
from detente.strategies.base import Classifier, Move, Strategy, StrategyError, View
from detente.strategies.registry import get_strategy, register

NESTED = "/"  # stands for ":" inside a parameter's value: forward_looking/answer=0.6
SEPARATOR = "+"  # between the items of a list: "," already separates a compare profile's parties


def _specs(text: str) -> tuple[str, ...]:
    return tuple(s.strip().replace(NESTED, ":") for s in text.split(SEPARATOR) if s.strip())


@register
class BestResponse(Strategy):
    """Plays the best of ``candidates`` against the others (by simulation), chosen when built.

    ``candidates``: specs joined by ``+`` (``/`` for ``:`` inside one, as in
    ``tit_for_tat+forward_looking/answer=0.6``); by default every registered
    strategy that can play the party. ``against``: the others' strategies as
    ``PARTY=SPEC+PARTY=SPEC`` (the same ``/``), the rest their default. ``episodes``,
    ``rounds`` (default: the scenario's) and ``seed`` of the search.
    """

    name = "best_response"
    # the tags of whatever candidate wins: it may read anything a strategy may
    classifier = Classifier(
        memory_depth=math.inf,
        uses=frozenset({"perception", "own_moves", "payoff", "trust", "agreements"}),
    )

    def __init__(
        self,
        compiled: CompiledScenario,
        party: int,
        *,
        candidates: str | None = None,
        against: str | None = None,
        episodes: int = 200,
        rounds: int | None = None,
        seed: int = 0,
    ) -> None:
        super().__init__(compiled, party)
        if episodes < 1 or (rounds is not None and rounds < 1):
            raise StrategyError(f"episodes and rounds must be at least 1, got {episodes}, {rounds}")
        others: dict[str, str] = {}
        for item in _specs(against or ""):
            who, sep, spec = item.partition("=")
            if not sep or not who.strip() or not spec.strip():
                raise StrategyError(f"against: expected PARTY=SPEC, got {item!r}")
            if who.strip() in others:
                raise StrategyError(f"against: party {who.strip()} is given twice")
            others[who.strip()] = spec.strip()
        self.choice = _search(
            compiled,
            compiled.parties[party],
            None if candidates is None else _specs(candidates),
            tuple(sorted(others.items())),
            episodes,
            rounds,
            seed,
        )
        self.inner = get_strategy(self.choice).build(compiled, party)

    def reset(self, batch: int) -> None:
        self.inner.reset(batch)

    def move(self, view: View) -> Move:
        return self.inner.move(view)


_FOUND: dict[tuple[object, ...], str] = {}  # search key -> the chosen spec


def _search(
    compiled: CompiledScenario,
    party: str,
    candidates: tuple[str, ...] | None,
    against: tuple[tuple[str, str], ...],
    episodes: int,
    rounds: int | None,
    seed: int,
) -> str:
    """The best response's spec, searched once per scenario text, party and parameters."""
    from detente.simulate.best_response import best_response

    text = compiled.scenario.model_dump_json().encode()
    key = (hashlib.sha256(text).digest(), party, candidates, against, episodes, rounds, seed)
    if key not in _FOUND:
        found = best_response(compiled, party, candidates, dict(against), episodes, rounds, seed)
        _FOUND[key] = found.best
    return _FOUND[key]
