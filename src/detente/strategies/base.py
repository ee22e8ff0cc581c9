"""The strategy protocol: what a party may know (a view) and what it returns (a move).

A strategy plays one party in a whole batch of episodes at once, so its
state and decisions are arrays with a leading episode axis. It sees only
what its party may know: its own perception of last round, its own trust,
the public roadmap state and agreements, its own last payoff, and its own
random stream. It never sees another party's private perception, nor what
others submit this round.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import ClassVar, NamedTuple, Protocol

from detente.dtypes import B8, F64, I64
from detente.engine.rng import STREAM_STRATEGY, CounterRNG
from detente.scenario.compiled import CompiledScenario


class StrategyError(ValueError):
    """A strategy that cannot be named, parameterised or built as asked."""


def unit_interval(what: str, value: float) -> float:
    """``value`` if it lies in [0, 1] (a probability, a trust level), else a clear error."""
    if not 0.0 <= value <= 1.0:
        raise StrategyError(f"{what} must be in [0, 1], got {value}")
    return value


@dataclass(frozen=True)
class Classifier:
    """Tags that say what a strategy is, in the spirit of axelrod's classifiers.

    ``memory_depth`` counts the past rounds the choice depends on (``inf`` for
    unbounded); ``reciprocal`` strategies answer others' moves in kind;
    ``uses`` names the parts of the view read beyond the round number
    (``perception``, ``own_moves``, ``payoff``, ``trust``, ``agreements``).
    """

    memory_depth: float
    stochastic: bool = False
    reciprocal: bool = False
    uses: frozenset[str] = field(default_factory=frozenset)


class Move(NamedTuple):
    """One party's submission for a batch: over its own slots and commitments only."""

    actions: B8  # [B, own slots] taken outright
    offers: B8  # [B, own commitments] offered


@dataclass(frozen=True, eq=False)
class View:
    """What one party may know before a round, for a batch of episodes.

    Slot-indexed arrays (``perceived``) span all slots of the scenario, so a
    strategy can read others' perceived actions; ``available`` and
    ``offerable`` span only the party's own slots and commitments
    (``compiled.party_slots(party)``, ``compiled.party_commitments(party)``),
    the only things it can submit.

    The arrays are read-only and valid until the strategy's next ``move``
    returns: the simulator reuses a state's memory two rounds later, so a
    strategy that keeps something longer keeps a copy.
    """

    compiled: CompiledScenario
    party: int
    round: int  # rounds already played: 0 before the first
    episodes: I64  # [B] episode ids
    stage: I64  # [B]
    stalled: B8  # [B]
    perceived: B8  # [B, K] this party's perception of last round (its own slots exact)
    trust: F64  # [B, P] this party's trust in each party
    payoff: F64  # [B] this party's payoff last round (0 before the first)
    in_force: B8  # [B, D] agreements in force (public)
    available: B8  # [B, own slots]
    offerable: B8  # [B, own commitments]
    rng: CounterRNG
    institutions: B8 | None = field(default_factory=lambda: None)
    """``[B, L]`` institutions' policy levels in force (public); None where not shown,
    read as none in force. (A factory, not a default: a class attribute would hide the
    field from views that fetch their arrays lazily, ``assorted.Rows``.)"""

    @staticmethod
    def of(
        compiled: CompiledScenario,
        party: int,
        *,
        round: int,
        episodes: I64,
        stage: I64,
        stalled: B8,
        perceived: B8,
        trust: F64,
        payoff: F64,
        in_force: B8,
        available: B8,
        rng: CounterRNG,
        institutions: B8 | None = None,
    ) -> View:
        """The view of ``party``, from what it may know (the one way views are made).

        ``available`` ``[B, own actions]`` says which of the party's own actions
        it may take (its seat's columns); which commitments it may offer
        follows (those whose action is available). The other arrays are the
        party's own rows (``perceived``, ``trust``, ``payoff``) or public ones,
        as the fields below say; pass read-only arrays.
        """
        seat = compiled.seat(party)
        return View(
            compiled=compiled,
            party=party,
            round=round,
            episodes=episodes,
            stage=stage,
            stalled=stalled,
            perceived=perceived,
            trust=trust,
            payoff=payoff,
            in_force=in_force,
            available=available,
            offerable=available[:, seat.offer_columns],
            rng=rng,
            institutions=institutions,
        )

    @property
    def batch(self) -> int:
        return int(self.episodes.shape[0])

    def uniform(self, columns: int, tag: int = 0) -> F64:
        """``[B, columns]`` uniforms from this party's own stream for this round.

        Addressed by (seed, episode, round, party, column, tag), so they are the
        same whatever the batch and whatever the other parties play.
        """
        return self.rng.uniform(
            self.episodes, self.round, STREAM_STRATEGY + self.party, columns, tag
        )

    def subset(self, rows: I64) -> View:
        """The same view for some of the episodes only (batch positions ``rows``)."""
        return View(
            self.compiled,
            self.party,
            self.round,
            self.episodes[rows],
            self.stage[rows],
            self.stalled[rows],
            self.perceived[rows],
            self.trust[rows],
            self.payoff[rows],
            self.in_force[rows],
            self.available[rows],
            self.offerable[rows],
            self.rng,
            None if self.institutions is None else self.institutions[rows],
        )


class Strategy(ABC):
    """A vectorised strategy: plays one party in every episode of a batch.

    Subclasses set ``name`` (the registry name) and ``classifier``; they take
    their parameters as keyword-only arguments with type hints and defaults
    (``get_strategy("name:param=value")`` reads them from the signature).
    ``reset`` is called before the first round of every batch; ``move`` once
    a round, and must only take available slots and offer offerable
    commitments (the engine refuses anything else).
    """

    name: ClassVar[str]
    classifier: ClassVar[Classifier]

    def __init__(self, compiled: CompiledScenario, party: int) -> None:
        self.compiled = compiled
        self.party = party

    def reset(self, batch: int) -> None:  # noqa: B027 - stateless strategies need nothing
        """Forget everything: a new batch of ``batch`` episodes starts."""

    @abstractmethod
    def move(self, view: View) -> Move:
        """This round's outright actions and offers, for every episode of the view."""


class StrategyFactory(Protocol):
    """Anything that builds a strategy for a party: a parsed spec, an assortment, ..."""

    def build(self, compiled: CompiledScenario, party: int) -> Strategy:
        """A fresh strategy object playing ``party`` (an index) in ``compiled``."""
        ...
