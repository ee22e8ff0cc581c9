"""What cooperating and defecting mean for one party of a multi-party scenario.

The iterated prisoner's dilemma has one move, C or D. A scenario party has
several actions and commitments, so the classic strategies need a
translation, fixed here once for all of them:

* its **provocations** (actions of category provocation) are how it defects
  outright; retaliating takes them, mildest first when only some are wanted;
* its **restraints** (category restraint) are unilateral conciliatory steps,
  taken outright only by strategies that make such steps (GRIT, dove);
* its **gestures** are dialogue actions that no commitment of its own covers
  (attending six-party talks): taken whenever it is not defecting;
* its **offers** are the commitments it may offer; it withholds those that
  *involve* a counterpart it distrusts (the counterpart has a commitment in
  the same deal, or the commitment is conditional on the counterpart's act);
* a counterpart j **hurts** it through j's provocations that lower its
  utility (negative ``linear[k_j, i]``); reciprocal strategies answer only
  those, and only the counterpart that committed them.

Cooperation is the stance "no provocation, attend, offer everything";
defection is "every provocation, no gesture, offer nothing". On the ``ipd``
scenario (one provocation ``defect`` per player, no commitments) these are
exactly C and D, so every reciprocal strategy reduces to its textbook form.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from detente.scenario.compiled import CompiledScenario
from detente.scenario.schema import Category
from detente.strategies.base import B8, F64, I64, Move, Strategy, View


class Stance(NamedTuple):
    """A party's intent for one round, per episode, before it becomes a :class:`Move`."""

    provoke: I64  # [B] how many own provocations to take, mildest first
    restrain: B8  # [B] take own restraint actions outright
    attend: B8  # [B] take own gestures (uncommitted dialogue)
    distrust: B8  # [B, P] counterparts whose commitments it withholds its offers from


def package_slots(compiled: CompiledScenario, m: int) -> B8:
    """``[K]``: what executes when commitment ``m`` clears: its deal's actions, or its own
    action and its conditions when it belongs to no deal."""
    t = compiled.tables
    executed = np.zeros(compiled.n_slots, dtype=bool)
    d = t.com_deal[m]
    members = t.deal_com[t.deal_ptr[d] : t.deal_ptr[d + 1]] if d >= 0 else np.array([m])
    executed[t.com_slot[members]] = True
    if d < 0:
        executed[_condition_slots(compiled, m)] = True
    return executed


def package_value(compiled: CompiledScenario, party: int, executed: B8) -> float:
    """Party's utility gain over the status quo when exactly the ``executed`` slots execute."""
    t = compiled.tables
    value = float(t.linear[executed, party].sum())
    both = executed[t.pair_k] & executed[t.pair_l]
    return value + float(t.pair_value[both, party].sum())


class Posture:
    """The tables that give cooperation and defection their meaning for one party."""

    def __init__(self, compiled: CompiledScenario, party: int) -> None:
        t = compiled.tables
        self.compiled = compiled
        self.party = party
        slots = compiled.party_slots(party)
        coms = compiled.party_commitments(party)
        action = [compiled.scenario.actions[compiled.slots[k][1]] for k in slots]
        category = np.array([a.category for a in action])
        intensity = np.array([a.intensity for a in action])
        prov = np.flatnonzero(category == Category.PROVOCATION)
        # own-slot positions of the provocations, mildest (least hostile) first
        self.provocations: I64 = prov[np.argsort(-intensity[prov], kind="stable")]
        self.provocation_slots: I64 = slots[self.provocations]
        covered = np.isin(slots, t.com_slot[coms])
        # own-slot positions of the restraints and of the gestures
        self.restraints: I64 = np.flatnonzero(category == Category.RESTRAINT)
        self.gestures: I64 = np.flatnonzero((category == Category.DIALOGUE) & ~covered)
        n_parties = t.n_parties
        self.others: B8 = np.arange(n_parties) != party
        hurts = t.slot_provocation & (t.slot_party != party) & (t.linear[:, party] < 0)
        self.hurt_slots: I64 = np.flatnonzero(hurts)
        self.adversaries: B8 = np.isin(np.arange(n_parties), t.slot_party[self.hurt_slots])
        # per adversary: its hurting slots, as columns of ``perceived[:, hurt_slots]``
        self.hurt_by = [
            (j, np.flatnonzero(t.slot_party[self.hurt_slots] == j))
            for j in np.flatnonzero(self.adversaries)
        ]
        self.involves: B8 = np.zeros((len(coms), n_parties), dtype=bool)
        for i, m in enumerate(coms):
            for k in _condition_slots(compiled, m):
                self.involves[i, t.slot_party[k]] = True
            d = t.com_deal[m]
            if d >= 0:
                self.involves[
                    i, compiled.com_party[t.deal_com[t.deal_ptr[d] : t.deal_ptr[d + 1]]]
                ] = True
        self.involves[:, party] = False

    @property
    def n_provocations(self) -> int:
        return int(self.provocations.shape[0])

    def peaceful(self, batch: int, restrain: bool = False) -> Stance:
        """No provocation, attend talks, offer everything; ``restrain``: also step down unasked."""
        return Stance(
            provoke=np.zeros(batch, dtype=np.int64),
            restrain=np.full(batch, restrain),
            attend=np.ones(batch, dtype=bool),
            distrust=np.zeros((batch, self.others.size), dtype=bool),
        )

    def retaliate(self, hostile: B8) -> Stance:
        """Defect in the episodes with any hostile counterpart, and distrust exactly those."""
        angry: B8 = np.asarray(hostile.any(axis=1), dtype=bool)
        return Stance(
            provoke=np.where(angry, self.n_provocations, 0),
            restrain=np.zeros_like(angry),
            attend=~angry,
            distrust=hostile,
        )

    def choose(self, defect: B8) -> Stance:
        """Defect (against everyone) where ``defect`` holds, cooperate elsewhere."""
        return self.retaliate(defect[:, None] & self.others[None, :])

    def provoked_by(self, view: View) -> B8:
        """``[B, P]``: counterparts perceived taking a provocation that hurts this party."""
        hits = view.perceived[:, self.hurt_slots]
        out = np.zeros((view.batch, self.others.size), dtype=bool)
        for j, cols in self.hurt_by:
            out[:, j] = hits[:, cols].any(axis=1)
        return out

    def hurt_count(self, view: View) -> I64:
        """``[B]``: how many provocations that hurt this party it perceived last round."""
        return np.asarray(view.perceived[:, self.hurt_slots].sum(axis=1), dtype=np.int64)

    def defected_last(self, view: View, chosen: B8) -> B8:
        """Whether the party's last move was a defection, as actually played.

        A party knows its own executed actions exactly, so this sees a
        trembling hand's flips; a party with no provocation cannot defect
        outright and its last move is the one it ``chose``.
        """
        if self.n_provocations == 0:
            return chosen
        return np.asarray(view.perceived[:, self.provocation_slots].any(axis=1), dtype=bool)

    def realise(self, view: View, stance: Stance, allowed: B8 | None = None) -> Move:
        """Turn a stance into a move that takes only what is available.

        ``allowed`` ([own commitments]) further restricts the offers.
        """
        actions = np.zeros(view.available.shape, dtype=bool)
        if self.n_provocations == 1:
            actions[:, self.provocations] = view.available[:, self.provocations] & (
                stance.provoke[:, None] > 0
            )
        elif self.n_provocations:
            avail = view.available[:, self.provocations]
            wanted = np.cumsum(avail, axis=1) <= stance.provoke[:, None]
            actions[:, self.provocations] = avail & wanted
        for cols, wanted in ((self.restraints, stance.restrain), (self.gestures, stance.attend)):
            if cols.size:
                actions[:, cols] = view.available[:, cols] & wanted[:, None]
        if self.involves.shape[0] == 0:
            return Move(actions, view.offerable.copy())
        offers = view.offerable & ~np.asarray(stance.distrust @ self.involves.T, dtype=bool)
        if allowed is not None:
            offers &= allowed[None, :]
        return Move(actions, offers)

    def below(self, trust: F64, threshold: float) -> B8:
        """``[B, P]``: counterparts trusted less than ``threshold`` (never the party itself)."""
        return (trust < threshold) & self.others[None, :]


class PostureStrategy(Strategy):
    """A strategy expressed in stances, on its party's :class:`Posture`."""

    def __init__(self, compiled: CompiledScenario, party: int) -> None:
        super().__init__(compiled, party)
        self.posture = Posture(compiled, party)


def _condition_slots(compiled: CompiledScenario, m: int) -> I64:
    t = compiled.tables
    return t.com_cond[t.com_cond_ptr[m] : t.com_cond_ptr[m + 1]]
