"""Per-episode strategies: plain Python, one object per episode, names instead of indices.

Writing a vectorised strategy means thinking in arrays over episodes. For a
quick experiment, subclass :class:`EpisodeStrategy` instead: it sees one
episode at a time, as sets of names, and returns a
:class:`~detente.scenario.moves.NamedMove`: the names of the actions it takes
and the commitments it offers. Its view speaks the library's multi-party
vocabulary (:attr:`EpisodeView.provoked_by`, :meth:`EpisodeView.cooperate`,
:meth:`EpisodeView.retaliate`, :meth:`EpisodeView.defect`), which means what
it means for the vectorised strategies (a party's
:class:`~detente.strategies.playbook.Playbook`). :class:`EpisodeLoop` runs one
instance per episode in a plain loop, so it is slower but otherwise equal:
same view, same random stream, same checks.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from detente.engine.rng import STREAM_STRATEGY, CounterRNG, draw
from detente.scenario.compiled import CompiledScenario
from detente.scenario.moves import NamedMove
from detente.strategies.base import Classifier, Move, Strategy, StrategyError, View
from detente.strategies.playbook import Playbook, Stance


@dataclass(frozen=True, eq=False)
class _Episode:
    """Episode ``b`` of a batch view, with the party's playbook: what the vocabulary reads."""

    playbook: Playbook
    view: View
    b: int

    def alone(self) -> View:
        return self.view.subset(np.array([self.b]))

    def play(self, stance: Stance) -> NamedMove:
        move = self.playbook.realise(self.alone(), stance)
        return self.playbook.compiled.seat(self.playbook.party).named(
            move.actions[0], move.offers[0]
        )


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
    _episode: _Episode = field(repr=False, compare=False)

    def uniform(self, column: int = 0, tag: int = 0) -> float:
        """A uniform number from this party's stream: column ``column`` of ``View.uniform``."""
        party = self.compiled.parties.index(self.party)
        return float(
            draw(self.rng.key, self.episode, self.round, STREAM_STRATEGY + party, column, tag)
        )

    @property
    def provoked_by(self) -> frozenset[str]:
        """The other parties it perceived last round taking a provocation that hurts it."""
        e = self._episode
        hit = e.playbook.provoked_by(e.alone())[0]
        return frozenset(p for p, on in zip(self.compiled.parties, hit, strict=True) if on)

    def cooperate(self, restrain: bool = False) -> NamedMove:
        """No provocation; attend talks; offer every commitment it may (the roadmap's ideal).

        ``restrain``: also take its restraint actions outright, unasked.
        """
        return self._episode.play(self._episode.playbook.peaceful(1, restrain))

    def retaliate(self, against: Collection[str]) -> NamedMove:
        """Provoke, and withhold the offers that involve the parties ``against`` (none: cooperate).

        Unknown names are refused: a typo would otherwise mean peace.
        """
        c = self.compiled
        unknown = sorted(set(against) - set(c.parties))
        if unknown:
            raise StrategyError(f"retaliate against unknown parties {unknown} ({c.parties})")
        hostile = np.array([[p in against and p != self.party for p in c.parties]])
        return self._episode.play(self._episode.playbook.retaliate(hostile))

    def defect(self) -> NamedMove:
        """Retaliate against every other party."""
        return self.retaliate([p for p in self.compiled.parties if p != self.party])


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
    def move(self, view: EpisodeView) -> NamedMove:
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
        self.seat = compiled.seat(party)
        self.playbook = Playbook(compiled, party)
        self.labels = tuple(compiled.slot_label(k) for k in range(compiled.n_slots))

    def reset(self, batch: int) -> None:
        self.players = [self.make() for _ in range(batch)]
        for player in self.players:
            player.reset()

    def move(self, view: View) -> Move:
        c = self.compiled
        actions = np.zeros(view.available.shape, dtype=bool)
        offers = np.zeros(view.offerable.shape, dtype=bool)
        own_actions, own_coms = self.seat.actions, self.seat.offers
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
                _episode=_Episode(self.playbook, view, b),
            )
            chosen = player.move(episode_view)
            try:
                actions[b], offers[b] = self.seat.flags(chosen)
            except ValueError as err:
                name = type(player).name
                raise StrategyError(
                    f"strategy {name} returned a move that is not its own: {err}"
                ) from None
        return Move(actions, offers)
