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
* its **votes** in institutions follow its utilities whatever the stance
  (:mod:`detente.strategies.votes`);
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

from detente.dtypes import B8, F64, I64
from detente.scenario.compiled import CompiledScenario
from detente.scenario.schema import Category
from detente.strategies.base import Move, Strategy, View
from detente.strategies.booleans import BoolMatrix, any_of, count_of
from detente.strategies.votes import Votes

Columns = slice | I64  # column indices; a slice when evenly spaced, so indexing makes a view


class Stance(NamedTuple):
    """A party's intent for one round, per episode, before it becomes a :class:`Move`."""

    provoke: I64  # [B] how many own provocations to take, mildest first
    restrain: B8  # [B] take own restraint actions outright
    attend: B8  # [B] take own gestures (uncommitted dialogue)
    distrust: B8  # [B, P] counterparts whose commitments it withholds its offers from


def package_slots(compiled: CompiledScenario, m: int) -> B8:
    """``[K]``: what executes when commitment ``m`` clears: its deal's actions, or its own
    action and its conditions when it belongs to no deal."""
    executed = np.zeros(compiled.n_slots, dtype=bool)
    executed[compiled.commitment_slot[compiled.package(m)]] = True
    if compiled.commitment_deal[m] < 0:
        executed[compiled.commitment_conditions(m)] = True
    return executed


class Playbook:
    """The tables that give cooperation and defection their meaning for one party."""

    def __init__(self, compiled: CompiledScenario, party: int) -> None:
        c = compiled
        self.compiled = compiled
        self.party = party
        slots = compiled.party_slots(party)
        coms = compiled.party_commitments(party)
        category = np.array([compiled.slot_category[k] for k in slots])
        intensity = compiled.slot_intensity[slots]
        prov = np.flatnonzero(category == Category.PROVOCATION)
        # own-slot positions of the provocations, mildest (least hostile) first
        self.provocations: I64 = prov[np.argsort(-intensity[prov], kind="stable")]
        self.provocation_slots: I64 = slots[self.provocations]
        covered = np.isin(slots, c.commitment_slot[coms])
        # own-slot positions of the restraints and of the gestures
        self.restraints: I64 = np.flatnonzero(category == Category.RESTRAINT)
        self.gestures: I64 = np.flatnonzero((category == Category.DIALOGUE) & ~covered)
        n_parties = c.n_parties
        self.others: B8 = np.arange(n_parties) != party
        hurts = c.slot_provocation & (c.slot_party != party) & (c.utilities.linear[:, party] < 0)
        self.hurt_slots: I64 = np.flatnonzero(hurts)
        self.adversaries: B8 = np.isin(np.arange(n_parties), c.slot_party[self.hurt_slots])
        self.involves: B8 = np.zeros((len(coms), n_parties), dtype=bool)
        for i, m in enumerate(coms):
            for k in c.commitment_conditions(m):
                self.involves[i, c.slot_party[k]] = True
            if c.commitment_deal[m] >= 0:
                self.involves[i, c.commitment_party[c.package(m)]] = True
        self.involves[:, party] = False
        self._withheld = BoolMatrix(self.involves.T)  # distrusted parties -> commitments
        self._takers: list[int] = c.slot_party[self.hurt_slots].tolist()  # of each hurting slot
        self._provocation_slots = columns(self.provocation_slots)
        self._hurt_slots = columns(self.hurt_slots)
        # own-slot positions taken outright when the stance field of that name says so
        self._unilateral = [(int(k), "restrain") for k in self.restraints]
        self._unilateral += [(int(k), "attend") for k in self.gestures]
        self._seat = c.seat(party)  # keeps one level of an action, a policy or its revocation
        self.votes = Votes(compiled, party)  # in institutions, by its utilities

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
        angry = any_of(hostile)
        return Stance(
            provoke=np.where(angry, self.n_provocations, 0),
            restrain=np.zeros(angry.shape[0], dtype=bool),
            attend=~angry,
            distrust=hostile,
        )

    def choose(self, defect: B8) -> Stance:
        """Defect (against everyone) where ``defect`` holds, cooperate elsewhere."""
        return self.retaliate(defect[:, None] & self.others[None, :])

    def hits(self, view: View) -> B8:
        """``[B, hurting slots]``: which provocations that hurt this party it perceived last round.

        One pass over the party's perception; :meth:`provokers` and :meth:`hurts` both read it.
        When the columns are evenly spaced it is a view of the perception: never write to it.
        """
        return view.perceived[:, self._hurt_slots]

    def provokers(self, hits: B8) -> B8:
        """``[B, P]``: the counterparts that took one of the ``hits`` (column-major)."""
        out = np.zeros((hits.shape[0], self.others.size), dtype=bool, order="F")
        for h, j in enumerate(self._takers):
            out[:, j] |= hits[:, h]
        return out

    def hurts(self, hits: B8) -> I64:
        """``[B]``: how many of the ``hits`` there were."""
        return count_of(hits)

    def provoked_by(self, view: View) -> B8:
        """``[B, P]``: counterparts perceived taking a provocation that hurts this party."""
        return self.provokers(self.hits(view))

    def hurt_count(self, view: View) -> I64:
        """``[B]``: how many provocations that hurt this party it perceived last round."""
        return self.hurts(self.hits(view))

    def defected_last(self, view: View, chosen: B8) -> B8:
        """Whether the party's last move was a defection, as actually played.

        A party knows its own executed actions exactly, so this sees a
        trembling hand's flips; a party with no provocation cannot defect
        outright and its last move is the one it ``chose``.
        """
        if self.n_provocations == 0:
            return chosen
        return any_of(view.perceived[:, self._provocation_slots])

    def realise(self, view: View, stance: Stance, allowed: B8 | None = None) -> Move:
        """Turn a stance into a move that takes only what is available.

        ``allowed`` ([own commitments]) further restricts the offers.
        """
        # column by column, column-major like the simulator's views
        actions = np.zeros(view.available.shape, dtype=bool, order="F")
        if self.n_provocations == 1:
            k = self.provocations[0]
            actions[:, k] = view.available[:, k] & (stance.provoke > 0)
        elif self.n_provocations:
            taken = np.zeros(view.batch, dtype=np.int64)  # available provocations so far
            for k in self.provocations:
                avail = view.available[:, k]
                taken += avail
                actions[:, k] = avail & (taken <= stance.provoke)
        for k, field in self._unilateral:
            actions[:, k] = view.available[:, k] & getattr(stance, field)
        if self.votes:
            self.votes.cast(view, actions)
        self._seat.one_of_each(actions)
        if self.involves.shape[0] == 0:
            return Move(actions, view.offerable.copy())
        offers = view.offerable & ~self._withheld.product(stance.distrust)
        if allowed is not None:
            offers &= allowed[None, :]
        return Move(actions, offers)

    def below(self, trust: F64, threshold: float) -> B8:
        """``[B, P]``: counterparts trusted less than ``threshold`` (never the party itself).

        The party's own column is compared with -inf, which nothing is below:
        one pass over the (strided) trust row instead of two.
        """
        return np.asarray(trust < np.where(self.others, threshold, -np.inf), dtype=bool)


class StanceStrategy(Strategy):
    """A strategy expressed in stances, on its party's :class:`Playbook`."""

    def __init__(self, compiled: CompiledScenario, party: int) -> None:
        super().__init__(compiled, party)
        self.playbook = Playbook(compiled, party)


def columns(cols: I64) -> Columns:
    """``cols`` as a slice when they are evenly spaced: indexing with a slice makes a view."""
    if cols.size == 0:
        return cols
    step = int(cols[1] - cols[0]) if cols.size > 1 else 1
    if step == 0 or (np.diff(cols) != step).any():
        return cols
    stop = int(cols[-1]) + step
    return slice(int(cols[0]), stop if stop >= 0 else None, step)
