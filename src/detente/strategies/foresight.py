"""A strategy whose moves follow from its party's utilities, the discount and its trust.

Every round, :class:`ForwardLooking` weighs each package it can offer (its
commitments in one deal, or one commitment outside every deal) against the
status quo of not offering, and each of its provocations against the answer
it expects, in its party's own utility (the scenario's
:class:`~detente.scenario.utility.UtilityModel`) and under the scenario's
``utilities.discount``:

* a package's **gain** is the utility of what executes when it clears (its
  deal's actions, or the commitment's action and its conditions) over the
  status quo: all of it once, then its repeatable acts each later round it
  holds (``lasting``, the default: an agreement on relief is read as relief
  that goes on). With ``lasting=false`` a package with a one-off act is worth
  its first round only, which is what the engine executes today: such a
  package cannot clear twice, so its repeatable acts stop after one round;
* it **clears and is kept** each round with probability ``q``, the product
  over the counterparts it involves of the party's trust in them raised to
  ``scepticism``; kept rounds are discounted, so the continuation is worth
  ``sum_{t=1}^{T-1} (discount q)^t`` rounds of the repeatable gain, ``T``
  the rounds left in the scenario;
* while a package holds, the party forgoes the provocations that break what
  it promised; their per-round value is subtracted from the repeatable gain,
  and this round's are forgone whether or not the package clears; a
  provocation that breaks an agreement in force loses what keeping it is
  worth from the next round on;
* a provocation is worth its own utility now, less the hurt of the answer
  it expects next round, discounted: each counterpart it hurts answers with
  probability ``answer`` by taking every provocation of its own that hurts
  the party, of a graded one the level that hurts most (a move takes one)
  (tit for tat; on ``ipd`` this is the one-shot deviation test against tit
  for tat, defect iff ``discount < (T - R) / (R - S)``).

The round's move is the best combination: of its provocations worth taking
(positive value), the subset (at most one level of an action) that maximises
their value plus the values of the packages it leaves offerable; every
package with a positive value that no chosen provocation breaks is offered.
Uncommitted dialogue (attending talks) is taken when it costs the party
nothing, other outright acts when they pay. Everything is computed for the
whole batch at once: a package's probability and continuation are ``[B]``
arrays, the provocation subsets a handful of columns.
"""

from __future__ import annotations

import math
from itertools import product

import numpy as np

from detente.dtypes import B8, F64
from detente.scenario.compiled import CompiledScenario
from detente.strategies.base import Classifier, Move, StrategyError, View
from detente.strategies.playbook import StanceStrategy, package_slots
from detente.strategies.registry import register

MAX_PROVOCATIONS = 12  # subsets of the provocations worth taking are enumerated: 4096 at most


@register
class ForwardLooking(StanceStrategy):
    """Offers what pays in expectation under its trust and the discount; provokes when it pays.

    A package is offered when its expected discounted gain under current
    trust beats not offering; a provocation is taken when it outweighs the
    answer it expects and the packages it would forgo or break.

    Parameters: ``answer`` (probability that a counterpart hurt by a
    provocation answers it in kind next round), ``scepticism`` (the
    probability that a counterpart honours a package is trust to this power:
    0 takes every promise at face value, 1 reads trust as that probability),
    ``risk_aversion`` (standard deviations of a package's outcome subtracted
    from its expected value), ``lasting`` (whether a package's repeatable acts
    go on while it holds even when it has a one-off act). The discount is the
    scenario's ``utilities.discount``.
    """

    name = "forward_looking"
    classifier = Classifier(memory_depth=math.inf, uses=frozenset({"trust", "agreements"}))

    def __init__(
        self,
        compiled: CompiledScenario,
        party: int,
        *,
        answer: float = 1.0,
        scepticism: float = 1.0,
        risk_aversion: float = 0.0,
        lasting: bool = True,
    ) -> None:
        super().__init__(compiled, party)
        for what, value in (
            ("answer", answer),
            ("scepticism", scepticism),
            ("risk_aversion", risk_aversion),
        ):
            if not (math.isfinite(value) and value >= 0):
                raise StrategyError(f"{what} must be a finite number at least 0, got {value}")
        if answer > 1:
            raise StrategyError(f"answer is a probability, in [0, 1], got {answer}")
        self.answer, self.scepticism, self.risk_aversion = answer, scepticism, risk_aversion
        self.lasting = lasting
        c = compiled
        u = c.utilities
        self.discount = float(u.discount)
        self.horizon = c.scenario.rounds
        seat = self.seat = c.seat(party)
        own = seat.slots
        linear = u.linear[:, party]
        # what each provocation is worth: its utility now, less the answer expected next round
        answers = np.zeros(c.n_parties)
        hurts_me = c.slot_provocation & (linear < 0)
        hurt_by = np.where(hurts_me, linear, 0.0)
        np.add.at(answers, c.slot_party[hurts_me], linear[hurts_me])
        for group in c.exclusive:  # of a set it takes one at most: the one that hurts most
            answers[c.slot_party[group[0]]] += hurt_by[group].min() - hurt_by[group].sum()
        prov = self.playbook.provocation_slots
        hurt = (u.linear[prov] < 0) & self.playbook.others[None, :]
        value = linear[prov] + self.discount * answer * (hurt * answers[None, :]).sum(axis=1)
        worth = value > 0
        if int(worth.sum()) > MAX_PROVOCATIONS:
            raise StrategyError(
                f"{seat.name} has {int(worth.sum())} provocations worth taking; "
                f"forward_looking weighs at most {MAX_PROVOCATIONS} together"
            )
        self.tempting = self.playbook.provocations[worth]  # own columns worth taking
        self.tempting_value: F64 = value[worth]
        # packages: its commitments per deal, and each commitment outside every deal
        coms = seat.commitments
        deal = c.commitment_deal[coms]
        keys = [int(d) if d >= 0 else -1 - j for j, d in enumerate(deal)]
        order = list(dict.fromkeys(keys))
        self.units: B8 = np.array([[k == key for k in keys] for key in order], dtype=bool)
        self.units = self.units.reshape(len(order), coms.size)
        n_units = len(order)
        self.deals = np.array([key for key in order if key >= 0], dtype=np.int64)
        self.in_deal: B8 = np.array([key >= 0 for key in order], dtype=bool)
        base = float(u.base[party])
        self.first = np.zeros(n_units)  # gain of the round it clears
        self.repeat = np.zeros(n_units)  # gain of each later round it holds
        self.once: B8 = np.zeros(n_units, dtype=bool)  # it has a one-off act: it clears once
        self.involves: B8 = np.zeros((n_units, c.n_parties), dtype=bool)
        self.breaks: B8 = np.zeros((self.tempting.size, n_units), dtype=bool)
        tempting_slots = own[self.tempting]
        for i, members in enumerate(self.units):
            cols = np.flatnonzero(members)
            executed = package_slots(c, int(coms[cols[0]]))
            for j in cols[1:]:
                executed |= package_slots(c, int(coms[j]))
            self.first[i] = float(u.value(executed)[party]) - base
            self.repeat[i] = float(u.value(executed & c.slot_repeatable)[party]) - base
            self.once[i] = bool((executed & ~c.slot_repeatable).any())
            self.involves[i] = self.playbook.involves[cols].any(axis=0)
            for j in cols:
                breakers = c.breakers(int(c.commitment_slot[coms[j]]))
                self.breaks[:, i] |= np.isin(tempting_slots, breakers)
        forgone = self.breaks.T.astype(np.float64) @ self.tempting_value
        # per later round while it holds; nothing when it cannot hold beyond its first round
        self.held: F64 = np.where(lasting | ~self.once, self.repeat - forgone, 0.0)
        # outright acts other than provocations: uncommitted dialogue when free, others when paid
        others = np.setdiff1d(np.arange(own.size), self.playbook.provocations)
        others = others[~np.isin(own[others], c.commitment_slot[coms])]
        others = np.setdiff1d(others, self.playbook.votes.columns)  # votes: by the policies
        own_value = linear[own[others]]
        gesture = np.isin(others, self.playbook.gestures)
        self.outright = others[(own_value > 0) | (gesture & (own_value >= 0))]
        # every subset of the tempting provocations, as rows of flags (the empty one first)
        flags = list(product((False, True), repeat=self.tempting.size))
        self.subsets: B8 = np.array(flags, dtype=bool).reshape(len(flags), self.tempting.size)
        # a move takes at most one level of an action: only such subsets can be played
        column = {name: i for i, name in enumerate(seat.actions)}
        for names in seat.exclusive:
            among = np.isin(self.tempting, [column[a] for a in names])
            self.subsets = self.subsets[self.subsets[:, among].sum(axis=1) <= 1]

    def honour(self, trust: F64) -> F64:
        """``[B, packages]``: probability that every counterpart of a package honours it."""
        q = trust if self.scepticism == 1 else np.power(trust, self.scepticism)
        out = np.ones((trust.shape[0], self.units.shape[0]))
        for i, involved in enumerate(self.involves):
            for j in np.flatnonzero(involved):
                out[:, i] *= q[:, j]
        return out

    def package_values(self, view: View) -> tuple[F64, F64]:
        """``[B, packages]`` twice: the expected discounted gain of offering each package now,
        and of keeping it from the next round on (what breaking it loses while it is in force)."""
        q = self.honour(view.trust)
        left = max(1, self.horizon - view.round)
        x = self.discount * q  # at most 1: trust and the discount are in [0, 1]
        later = left - 1  # rounds after this one
        below = x < 1
        geometric = np.where(below, x * (1 - x**later) / np.where(below, 1 - x, 1.0), later)
        kept = geometric * self.held[None, :]
        values = []
        for outcome in (self.first[None, :] + kept, kept):
            value = q * outcome
            if self.risk_aversion:
                value -= self.risk_aversion * np.sqrt(q * (1 - q)) * np.abs(outcome)
            values.append(value)
        return values[0], values[1]

    def move(self, view: View) -> Move:
        batch = view.batch
        seat_offerable = view.offerable
        offerable = np.ones((batch, self.units.shape[0]), dtype=bool)
        for i, members in enumerate(self.units):
            offerable[:, i] = seat_offerable[:, members].all(axis=1)
        signed = np.zeros(offerable.shape, dtype=bool)
        signed[:, self.in_deal] = view.in_force[:, self.deals]
        offer, keep = self.package_values(view)
        wants = offerable & (offer > 0)
        # at stake this round: what it can offer, else what it would break of an agreement
        worth = np.maximum(np.where(offerable, offer, np.where(signed, keep, 0.0)), 0.0)
        available = view.available[:, self.tempting]
        best = np.full(batch, -np.inf)
        choice = np.zeros(batch, dtype=np.int64)
        for s, subset in enumerate(self.subsets):
            taken = available & subset[None, :]
            blocked = np.asarray(taken.astype(np.int64) @ self.breaks.astype(np.int64), dtype=bool)
            value = taken @ self.tempting_value + np.where(blocked, 0.0, worth).sum(axis=1)
            better = value > best
            best = np.where(better, value, best)
            choice = np.where(better, s, choice)
        taken = available & self.subsets[choice]
        blocked = np.asarray(taken.astype(np.int64) @ self.breaks.astype(np.int64), dtype=bool)
        actions = np.zeros(view.available.shape, dtype=bool)
        actions[:, self.tempting] = taken
        actions[:, self.outright] = view.available[:, self.outright]
        if self.playbook.votes:
            self.playbook.votes.cast(view, actions)
        self.seat.one_of_each(actions)  # an act rather than its own counter-action
        offered = wants & ~blocked
        offers = np.asarray(offered.astype(np.int64) @ self.units.astype(np.int64), dtype=bool)
        return Move(actions, offers & seat_offerable)
