"""Strategies of diplomacy rather than game theory: GRIT, action for action, big deal first.

They matter on scenarios with commitments and deals (``korea``); on
``ipd``, which has neither, GRIT is tit for tat and the other two never
defect.
"""

from __future__ import annotations

import math

import numpy as np

from detente.scenario.compiled import CompiledScenario
from detente.strategies.base import Classifier, Move, StrategyError, View, unit_interval
from detente.strategies.booleans import any_of
from detente.strategies.playbook import Stance, StanceStrategy
from detente.strategies.registry import register


@register
class Grit(StanceStrategy):
    """Osgood's GRIT (Graduated and Reciprocated Initiatives in Tension-reduction, 1962).

    Takes unilateral conciliatory steps (its restraint actions, outright)
    while offering every commitment it may; keeps the steps up for
    ``patience`` rounds without an answer, and for as long as adversaries
    (parties whose provocations hurt it) answer with conciliatory acts of
    their own. A provocation is answered in kind and no further: the next
    round it takes as many of its own provocations as it suffered, mildest
    first, and withholds its offers from the provokers, then returns to
    conciliation. On ``ipd`` this is tit for tat.
    """

    name = "grit"
    classifier = Classifier(memory_depth=math.inf, reciprocal=True, uses=frozenset({"perception"}))

    def __init__(self, compiled: CompiledScenario, party: int, *, patience: int = 3) -> None:
        super().__init__(compiled, party)
        if patience < 1:
            raise StrategyError(f"patience must be at least 1 round, got {patience}")
        self.patience = patience
        # acts of its adversaries that observers read as cooperative (positive intensity)
        self.answers = self.playbook.adversaries[compiled.slot_party] & (
            compiled.slot_intensity > 0
        )
        # the perception columns it reads, gathered in one pass: hurting slots, then answers
        self.watched = np.concatenate([self.playbook.hurt_slots, np.flatnonzero(self.answers)])

    def reset(self, batch: int) -> None:
        self._unanswered = np.zeros(batch, dtype=np.int64)

    def move(self, view: View) -> Move:
        # a contiguous copy first: gathering many columns of a strided array is slower
        seen = np.ascontiguousarray(view.perceived)[:, self.watched]
        hits = seen[:, : self.playbook.hurt_slots.size]
        if view.round > 0:
            answered = any_of(seen[:, self.playbook.hurt_slots.size :])
            self._unanswered = np.where(answered, 0, self._unanswered + 1)
        hurt = self.playbook.hurts(hits)
        calm = hurt == 0
        stance = Stance(
            provoke=np.minimum(hurt, self.playbook.n_provocations),
            restrain=calm & (self._unanswered < self.patience),
            attend=calm,
            distrust=self.playbook.provokers(hits),
        )
        return self.playbook.realise(view, stance)


@register
class ActionForAction(StanceStrategy):
    """ "When the other party meets you halfway, you should do the same" (Lavrov, 2019).

    Never provokes; offers its commitments in every deal whose counterparts
    it trusts at least ``threshold``; the trust model turns their perceived
    acts into that trust, so offers follow conduct with some inertia.
    """

    name = "action_for_action"
    classifier = Classifier(memory_depth=math.inf, reciprocal=True, uses=frozenset({"trust"}))

    def __init__(self, compiled: CompiledScenario, party: int, *, threshold: float = 0.3) -> None:
        super().__init__(compiled, party)
        self.threshold = unit_interval("trust threshold", threshold)

    def stance(self, view: View) -> Stance:
        """Peaceful, but distrusting every counterpart below the threshold."""
        peaceful = self.playbook.peaceful(view.batch)
        return peaceful._replace(distrust=self.playbook.below(view.trust, self.threshold))

    def move(self, view: View) -> Move:
        return self.playbook.realise(view, self.stance(view))


@register
class BigDealFirst(ActionForAction):
    """Everything at once or nothing: the US position at the Hanoi summit (February 2019).

    Offers its commitments in the package ``deal`` (by default the largest
    deal it is party to) whenever it may, whatever its trust; refuses the
    partial steps toward it: its commitments in other deals that promise an
    action it promises in the package, at any of its levels (a small deal that
    trades part of the package piecemeal, as partial relief for Yongbyon). In
    deals unrelated to the package it acts for an action like
    :class:`ActionForAction`.
    """

    name = "big_deal_first"

    def __init__(
        self,
        compiled: CompiledScenario,
        party: int,
        *,
        deal: str | None = None,
        threshold: float = 0.3,
    ) -> None:
        super().__init__(compiled, party, threshold=threshold)
        coms = compiled.party_commitments(party)
        own_deals = compiled.commitment_deal[coms]
        who = compiled.parties[party]
        if deal is None:
            mine = sorted({int(d) for d in own_deals if d >= 0})
            if not mine:
                raise StrategyError(f"{who} has no commitment in any deal: no package to ask for")
            sizes = [compiled.deal_members(d).size for d in mine]
            d = mine[sizes.index(max(sizes))]
        elif deal not in compiled.deals:
            known = ", ".join(compiled.deals) or "none"
            raise StrategyError(f"no deal {deal!r} in scenario {compiled.scenario.id} ({known})")
        else:
            d = compiled.deals.index(deal)
            if d not in own_deals:
                raise StrategyError(f"{who} has no commitment in deal {deal}")
        self.deal = compiled.deals[d]
        self.package = own_deals == d
        promised = compiled.commitment_slot[coms][self.package]
        # a level of a graded action stands for the action: partial relief is part of full
        promised = np.concatenate(
            [promised, *(g for g in compiled.graded if np.isin(g, promised).any())]
        )
        self.partial = ~self.package & np.isin(compiled.commitment_slot[coms], promised)

    def move(self, view: View) -> Move:
        elsewhere = ~(self.package | self.partial)
        move = self.playbook.realise(view, self.stance(view), allowed=elsewhere)
        return Move(move.actions, move.offers | (view.offerable & self.package[None, :]))
