"""Who plays each party: learners through a relay, everyone else through the strategy library.

Every party is played by a :class:`~detente.strategies.Strategy`, and one
round's submissions are assembled by the simulator's own code path
(:func:`detente.simulate.runner.submissions_for`), so a party's view, the
read-only state it sees and the shape checks are exactly the simulator's. A
learning party's strategy is a :class:`Relay`: it hands on the action the
environment received, keeping only what the party may do this round.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from detente.dtypes import B8
from detente.scenario.compiled import CompiledScenario
from detente.simulate.profile import resolve_profile
from detente.strategies import Classifier, Move, Strategy, StrategyFactory, View


class Relay(Strategy):
    """A party moved from outside: the last action :meth:`hand` gave it, masked to the view.

    The action is one flat 0/1 vector: the party's action columns then its
    offer columns (in its :class:`~detente.scenario.compiled.Seat`'s order).
    Bits for unavailable slots or unofferable commitments are dropped, not
    refused (a learner samples before it knows the rules), and so are all but
    the first of two levels of one action (or of an action and its
    counter-action); ``masked`` counts the bits dropped last round.
    """

    name = "relay"
    classifier = Classifier(memory_depth=math.inf)

    def __init__(self, compiled: CompiledScenario, party: int) -> None:
        super().__init__(compiled, party)
        seat = compiled.seat(party)
        self.seat = seat
        self.n_slots = len(seat.slots)
        self.size = self.n_slots + len(seat.commitments)
        self.reset(1)

    def reset(self, batch: int) -> None:
        self._action: B8 = np.zeros(self.size, dtype=bool)
        self.masked = 0

    def hand(self, action: object) -> None:
        """The next move, as any array-like of ``size`` zeros and ones."""
        flat = np.asarray(action).reshape(-1)
        if flat.shape != (self.size,):
            who = self.compiled.parties[self.party]
            raise ValueError(f"action for {who} must have {self.size} entries, got {flat.shape}")
        self._action = flat != 0

    def move(self, view: View) -> Move:
        wanted = np.broadcast_to(self._action, (view.batch, self.size))
        allowed = np.concatenate([view.available, view.offerable], axis=1)
        kept = wanted & allowed
        actions = self.seat.one_of_each(kept[:, : self.n_slots])
        self.masked = int(np.count_nonzero(wanted)) - int(np.count_nonzero(kept))
        return Move(actions, kept[:, self.n_slots :])


def seat_strategies(
    compiled: CompiledScenario,
    agents: Sequence[str],
    opponents: Mapping[str, str | StrategyFactory] | None,
) -> list[Strategy]:
    """One strategy per party in party order: a relay for each agent, the library for the rest.

    Opponents not named play the scenario's default (``resolve_profile``).
    """
    opponents = dict(opponents or {})
    if len(set(agents)) != len(agents):
        raise ValueError(f"agents must be distinct, got {list(agents)}")
    unknown = sorted(set(agents) - set(compiled.parties))
    if unknown:
        raise ValueError(
            f"no party {unknown[0]} in scenario {compiled.scenario.id} "
            f"(parties: {', '.join(compiled.parties)})"
        )
    both = sorted(set(agents) & set(opponents))
    if both:
        raise ValueError(f"party {both[0]} is both a learning agent and an opponent")
    profile = resolve_profile(compiled, opponents)
    return [
        Relay(compiled, p) if party in agents else profile[party].build(compiled, p)
        for p, party in enumerate(compiled.parties)
    ]
