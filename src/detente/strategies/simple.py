"""Strategies that do not answer counterparts one by one: fixed, random, self-referential.

Cooperation and defection are the whole-party stances of
:mod:`detente.strategies.playbook`; on ``ipd`` each strategy here is its
textbook (axelrod) namesake.
"""

from __future__ import annotations

from abc import abstractmethod

import numpy as np

from detente.dtypes import B8
from detente.scenario.compiled import CompiledScenario
from detente.strategies.base import Classifier, Move, View, unit_interval
from detente.strategies.playbook import Stance, StanceStrategy, package_slots
from detente.strategies.registry import register


@register
class Cooperate(StanceStrategy):
    """Always cooperate: never provoke, attend talks, offer every commitment it may."""

    name = "cooperate"
    classifier = Classifier(memory_depth=0)

    def move(self, view: View) -> Move:
        return self.playbook.realise(view, self.playbook.peaceful(view.batch))


@register
class Defect(StanceStrategy):
    """Always defect: take every provocation available, offer nothing."""

    name = "defect"
    classifier = Classifier(memory_depth=0)

    def move(self, view: View) -> Move:
        return self.playbook.realise(view, self.playbook.choose(np.ones(view.batch, dtype=bool)))


@register
class Random(StanceStrategy):
    """Cooperate with probability ``p`` each round, else defect (as axelrod's Random(p))."""

    name = "random"
    classifier = Classifier(memory_depth=0, stochastic=True)

    def __init__(self, compiled: CompiledScenario, party: int, *, p: float = 0.5) -> None:
        super().__init__(compiled, party)
        self.p = unit_interval("probability p", p)

    def move(self, view: View) -> Move:
        defect = view.uniform(1)[:, 0] >= self.p
        return self.playbook.realise(view, self.playbook.choose(defect))


class _OwnHistory(StanceStrategy):
    """A strategy whose choice depends on its own last move, as actually played."""

    def reset(self, batch: int) -> None:
        self._chosen = np.zeros(batch, dtype=bool)

    @abstractmethod
    def defect(self, view: View, last: B8) -> B8:
        """Whether to defect this round, given whether it defected last round."""

    def move(self, view: View) -> Move:
        if view.round == 0:
            defect = np.zeros(view.batch, dtype=bool)
        else:
            defect = self.defect(view, self.playbook.defected_last(view, self._chosen))
        self._chosen = defect
        return self.playbook.realise(view, self.playbook.choose(defect))


@register
class Alternator(_OwnHistory):
    """Cooperate first, then the opposite of its own last move."""

    name = "alternator"
    classifier = Classifier(memory_depth=1, uses=frozenset({"own_moves"}))

    def defect(self, view: View, last: B8) -> B8:
        return ~last


@register
class WinStayLoseShift(_OwnHistory):
    """Pavlov (Kraines and Kraines 1989; Nowak and Sigmund 1993): repeat a move that won.

    A round is won when the party's payoff reached ``aspiration``; by default
    its status-quo payoff (what it gets when nobody does anything). On
    ``ipd`` that is R = 3: R and T win, S and P lose, the textbook rule.
    """

    name = "win_stay_lose_shift"
    classifier = Classifier(memory_depth=1, uses=frozenset({"own_moves", "payoff"}))

    def __init__(
        self, compiled: CompiledScenario, party: int, *, aspiration: float | None = None
    ) -> None:
        super().__init__(compiled, party)
        base = float(compiled.utilities.base[party])
        self.aspiration = base if aspiration is None else aspiration

    def defect(self, view: View, last: B8) -> B8:
        won = view.payoff >= self.aspiration
        return np.where(won, last, ~last)


@register
class Dove(StanceStrategy):
    """Conciliate unconditionally: never provoke, take restraint steps unasked, offer everything."""

    name = "dove"
    classifier = Classifier(memory_depth=0)

    def move(self, view: View) -> Move:
        return self.playbook.realise(view, self.playbook.peaceful(view.batch, restrain=True))


@register
class Hawk(StanceStrategy):
    """Coercive bargaining: keep up the pressure, deal only on favourable terms.

    Takes every provocation, except those that would break an agreement in
    force (it keeps signed promises); offers only commitments whose package
    pays it on its own utility, and never one it breaks in the same round.
    On ``ipd`` it is a defector.
    """

    name = "hawk"
    classifier = Classifier(memory_depth=0, uses=frozenset({"agreements"}))

    def __init__(self, compiled: CompiledScenario, party: int) -> None:
        super().__init__(compiled, party)
        coms = compiled.party_commitments(party)
        u = compiled.utilities  # a package it gains from, over the status quo
        packages = np.array([package_slots(compiled, m) for m in coms], dtype=bool)
        self.favourable: B8 = (
            u.value(packages.reshape(-1, compiled.n_slots))[:, party] > u.base[party]
        )
        self.deal = compiled.commitment_deal[coms]
        self.breaks: B8 = np.zeros((self.playbook.n_provocations, coms.size), dtype=bool)
        for j, m in enumerate(coms):
            breakers = compiled.breakers(int(compiled.commitment_slot[m]))
            self.breaks[:, j] = np.isin(self.playbook.provocation_slots, breakers)

    def move(self, view: View) -> Move:
        batch = view.batch
        pressure = Stance(
            provoke=np.full(batch, self.playbook.n_provocations),
            restrain=np.zeros(batch, dtype=bool),
            attend=np.zeros(batch, dtype=bool),
            distrust=np.zeros((batch, self.playbook.others.size), dtype=bool),
        )
        move = self.playbook.realise(view, pressure, allowed=self.favourable)
        signed = np.zeros(move.offers.shape, dtype=bool)
        in_deal = self.deal >= 0
        signed[:, in_deal] = view.in_force[:, self.deal[in_deal]]
        prov = self.playbook.provocations
        taken = move.actions[:, prov] & ~np.asarray(signed @ self.breaks.T, dtype=bool)
        move.actions[:, prov] = taken
        offers = move.offers & ~np.asarray(taken @ self.breaks, dtype=bool)
        return Move(move.actions, offers)
