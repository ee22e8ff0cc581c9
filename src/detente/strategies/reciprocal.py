"""The tit-for-tat family: strategies that answer each counterpart's provocations.

Each answers, per counterpart, the provocations that hurt its party (see
:mod:`detente.strategies.playbook`): it defects (takes its provocations) in a
round after it perceived one, and withholds its offers in the deals that
involve the provoker. On ``ipd`` each is exactly its textbook form, checked
against the axelrod library.
"""

from __future__ import annotations

import math

import numpy as np

from detente.dtypes import B8
from detente.scenario.compiled import CompiledScenario
from detente.strategies.base import Classifier, Move, View, unit_interval
from detente.strategies.playbook import StanceStrategy
from detente.strategies.registry import register

_PERCEPTION = frozenset({"perception"})


@register
class TitForTat(StanceStrategy):
    """Cooperate first, then do what each counterpart did last round (Rapoport; Axelrod 1984)."""

    name = "tit_for_tat"
    classifier = Classifier(memory_depth=1, reciprocal=True, uses=_PERCEPTION)

    def hostile(self, view: View) -> B8:
        """``[B, P]``: the counterparts to retaliate against this round."""
        return self.playbook.provoked_by(view)

    def move(self, view: View) -> Move:
        return self.playbook.realise(view, self.playbook.retaliate(self.hostile(view)))


@register
class SuspiciousTitForTat(TitForTat):
    """Tit for tat that opens with a defection against everyone (Beaufils et al. 1997)."""

    name = "suspicious_tit_for_tat"

    def hostile(self, view: View) -> B8:
        if view.round == 0:
            return np.broadcast_to(self.playbook.others, (view.batch, self.playbook.others.size))
        return super().hostile(view)


@register
class GenerousTitForTat(TitForTat):
    """Tit for tat that forgives each provocation with probability ``g`` (Nowak and Sigmund 1992).

    The default 1/3 is Nowak and Sigmund's ``min(1 - (T-R)/(R-S), (R-P)/(T-P))``
    for Axelrod's payoffs: the most generosity that still does not pay a
    defector. Each counterpart's provocation is forgiven on its own draw.
    """

    name = "generous_tit_for_tat"
    classifier = Classifier(memory_depth=1, stochastic=True, reciprocal=True, uses=_PERCEPTION)

    def __init__(self, compiled: CompiledScenario, party: int, *, g: float = 1 / 3) -> None:
        super().__init__(compiled, party)
        self.g = unit_interval("generosity g", g)

    def hostile(self, view: View) -> B8:
        forgiven = view.uniform(self.compiled.n_parties) < self.g
        return super().hostile(view) & ~forgiven


@register
class TitForTwoTats(TitForTat):
    """Retaliate against a counterpart only after two provocations in a row (Maynard Smith)."""

    name = "tit_for_two_tats"
    classifier = Classifier(memory_depth=2, reciprocal=True, uses=_PERCEPTION)

    def reset(self, batch: int) -> None:
        shape = (batch, self.compiled.n_parties)
        self._before = np.zeros(shape, dtype=bool, order="F")  # the memory order of provoked_by

    def hostile(self, view: View) -> B8:
        now = super().hostile(view)
        twice = now & self._before
        self._before = now
        return twice


@register
class GrimTrigger(TitForTat):
    """Cooperate until a counterpart provokes, then retaliate against it forever (Friedman 1971).

    axelrod calls it Grudger.
    """

    name = "grim_trigger"
    classifier = Classifier(memory_depth=math.inf, reciprocal=True, uses=_PERCEPTION)

    def reset(self, batch: int) -> None:
        shape = (batch, self.compiled.n_parties)
        self._grudge = np.zeros(shape, dtype=bool, order="F")  # the memory order of provoked_by

    def hostile(self, view: View) -> B8:
        self._grudge = self._grudge | super().hostile(view)
        return self._grudge
