"""Per-episode strategies: plain Python, one object per episode, names instead of indices.

Writing a vectorised strategy means thinking in arrays over episodes. For a
quick experiment, subclass :class:`EpisodeStrategy` instead: it sees one
episode at a time, as sets of names, and returns the names of the actions it
takes and the commitments it offers. :class:`EpisodeLoop` runs one instance
per episode in a plain loop, so it is slower but otherwise equal: same view,
same random stream, same checks.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from detente.engine.rng import STREAM_STRATEGY, CounterRNG, draw
from detente.scenario.compiled import CompiledScenario
from detente.strategies.base import Classifier, Move, Strategy, StrategyError, View


@dataclass(frozen=True, eq=False)
class EpisodeView:
    """What one party may know before a round of one episode, by name."""

    compiled: CompiledScenario
    party: str
    round: int  # rounds already played: 0 before the first
    episode: int
    stage: str
    stalled: bool
    perceived: frozenset[str]  # "PARTY.action" labels perceived executed last round
    trust: Mapping[str, float]  # this party's trust in each party
    payoff: float  # this party's payoff last round
    in_force: frozenset[str]  # deals in force
    available: frozenset[str]  # own actions it may take
    offerable: frozenset[str]  # own commitments it may offer
    rng: CounterRNG = field(repr=False)

    def uniform(self, column: int = 0, tag: int = 0) -> float:
        """A uniform number from this party's stream: column ``column`` of ``View.uniform``."""
        party = self.compiled.parties.index(self.party)
        return float(
            draw(self.rng.key, self.episode, self.round, STREAM_STRATEGY + party, column, tag)
        )


@dataclass(frozen=True)
class EpisodeMove:
    """Names of own actions taken outright and of own commitments offered."""

    actions: Collection[str] = ()
    offers: Collection[str] = ()


class EpisodeStrategy(ABC):
    """A strategy for one party in one episode, written in plain Python.

    Subclasses set ``name`` and ``classifier`` like :class:`Strategy` and take
    their parameters as keyword-only arguments; register them with
    :func:`~detente.strategies.register`.
    """

    name: ClassVar[str]
    classifier: ClassVar[Classifier]

    def __init__(self, compiled: CompiledScenario, party: int) -> None:
        self.compiled = compiled
        self.party = party

    def reset(self) -> None:  # noqa: B027 - stateless strategies need nothing
        """Forget everything: a new episode starts."""

    @abstractmethod
    def move(self, view: EpisodeView) -> EpisodeMove:
        """This round's actions and offers, by name."""


class EpisodeLoop(Strategy):
    """Runs a per-episode strategy over a batch, one instance per episode."""

    name = "episode_loop"
    classifier = Classifier(memory_depth=float("inf"))

    def __init__(
        self, compiled: CompiledScenario, party: int, make: Callable[[], EpisodeStrategy]
    ) -> None:
        super().__init__(compiled, party)
        self.make = make
        self.players: list[EpisodeStrategy] = []
        slots = compiled.party_slots(party)
        coms = compiled.party_commitments(party)
        self.action_index = {compiled.actions[compiled.slots[k][1]]: i for i, k in enumerate(slots)}
        self.commitment_index = {compiled.commitments[m]: i for i, m in enumerate(coms)}
        self.labels = tuple(compiled.slot_label(k) for k in range(compiled.n_slots))

    def reset(self, batch: int) -> None:
        self.players = [self.make() for _ in range(batch)]
        for player in self.players:
            player.reset()

    def move(self, view: View) -> Move:
        c = self.compiled
        actions = np.zeros(view.available.shape, dtype=bool)
        offers = np.zeros(view.offerable.shape, dtype=bool)
        own_actions = tuple(self.action_index)
        own_coms = tuple(self.commitment_index)
        for b, player in enumerate(self.players):
            episode_view = EpisodeView(
                compiled=c,
                party=c.parties[self.party],
                round=view.round,
                episode=int(view.episodes[b]),
                stage=c.stages[int(view.stage[b])],
                stalled=bool(view.stalled[b]),
                perceived=frozenset(self.labels[k] for k in np.flatnonzero(view.perceived[b])),
                trust=dict(zip(c.parties, view.trust[b].tolist(), strict=True)),
                payoff=float(view.payoff[b]),
                in_force=frozenset(c.deals[d] for d in np.flatnonzero(view.in_force[b])),
                available=frozenset(own_actions[i] for i in np.flatnonzero(view.available[b])),
                offerable=frozenset(own_coms[i] for i in np.flatnonzero(view.offerable[b])),
                rng=view.rng,
            )
            chosen = player.move(episode_view)
            actions[b, self._indices(chosen.actions, self.action_index, "action")] = True
            offers[b, self._indices(chosen.offers, self.commitment_index, "commitment")] = True
        return Move(actions, offers)

    def _indices(self, names: Collection[str], index: Mapping[str, int], what: str) -> list[int]:
        try:
            return [index[name] for name in names]
        except KeyError as err:
            own = ", ".join(index) or "none"
            party = self.compiled.parties[self.party]
            name = type(self.players[0]).name
            raise StrategyError(
                f"strategy {name} for {party} returned {what} {err.args[0]!r},"
                f" not one of {party}'s {what}s ({own})"
            ) from None
